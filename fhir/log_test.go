package fhir

import (
	"context"
	"errors"
	"sync"
	"testing"

	fm "github.com/samply/golang-fhir-models/fhir-models/fhir"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSafeErrorHidesValues(t *testing.T) {
	decodeErr := func(raw string, v any) error {
		err := decode([]byte(raw), v)
		require.Error(t, err)
		return decodeError("", err)
	}
	tests := []struct {
		name   string
		err    error
		want   string
		secret string
	}{
		{"number into int", decodeErr(`{"valueInteger":1.5731}`, &observation{}),
			"valueInteger: not an integer", "1.5731"},
		{"string into struct", decodeErr(`{"code":"Ada Lovelace"}`, &observation{}),
			"code: cannot be a string", "Ada"},
		{"samply code", decodeErr(`{"status":"Ada Lovelace"}`, &observation{}),
			"status: unknown ObservationStatus code `…`", "Ada"},
		{"number literal quoted", decodeErr(`{"value":"12,5"}`, &fm.Quantity{}), "value: not a decimal number", "12,5"},
		{"syntax", decodeErr(`{"a":Ada}`, &observation{}), "a: invalid JSON", "Ada"},
		{"unterminated quote", errors.New(`bad "Ada`), `bad "…`, "Ada"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := safeError(tc.err)
			assert.NotContains(t, got, tc.secret)
			if tc.want != "" {
				assert.Equal(t, tc.want, got)
			}
		})
	}
}

func TestAddConcurrently(t *testing.T) {
	b := NewBuilder(nil)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			_, err := b.Add(context.Background(), "page", []byte(`{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Condition","id":"c`+string(rune('0'+i))+`"}}]}`))
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	assert.Len(t, b.Record().Conditions, 8)
}

func TestMalformedContainedMedication(t *testing.T) {
	b := NewBuilder(nil)
	_, err := b.Add(context.Background(), "meds", []byte(`{"resourceType":"MedicationRequest","id":"o","status":"active","intent":"order",
		"contained":[{"resourceType":"Medication","id":"m","code":"not a concept"}],
		"medicationReference":{"reference":"#m","display":"Cibinqo"}}`))
	require.NoError(t, err)
	rec := b.Record()
	require.Len(t, rec.Medications, 1, "the order survives its broken contained Medication")
	assert.Equal(t, "Cibinqo", rec.Medications[0].Text)
}
