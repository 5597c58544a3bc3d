package fhir

import (
	"context"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
)

// FuzzBuilderAdd checks that Add never panics, fails on anything that is not
// strict JSON (RFC 8259 with unique member names and valid UTF-8), and
// otherwise yields a record; DecodeOrders gets the same input.
// The seed corpus is in testdata/fuzz/FuzzBuilderAdd (sandbox prefetch
// values, draftOrders and a trimmed Synthea bundle).
func FuzzBuilderAdd(f *testing.F) {
	for _, s := range []string{
		`null`,
		`{"resourceType":"OperationOutcome","issue":[]}`,
		`{"resourceType":"Bundle","entry":{"resource":{"resourceType":"MedicationRequest","category":{"text":"x"},"reasonCode":{"text":"y"}}}}`,
		`{"resourceType":"MedicationRequest","contained":[{"resourceType":"Medication","id":"m","ingredient":{"strength":{"numerator":{"value":1,"code":"mg"},"denominator":{"value":1}}}}],"medicationReference":{"reference":"#m"}}`,
		`{"resourceType":"Observation","status":"final","code":{},"valueQuantity":{"value":1e999},"component":{"code":{}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b := NewBuilder(nil)
		page, err := b.Add(context.Background(), "fuzz", data)
		if err != nil {
			return
		}
		if !jsontext.Value(data).IsValid() {
			t.Fatal("Add accepted invalid JSON")
		}
		if page.Skipped > page.Entries || page.Skipped < 0 {
			t.Fatalf("page %+v", page)
		}
		if b.Record() == nil {
			t.Fatal("nil record")
		}
		if _, err := DecodeOrders(context.Background(), data, "", nil); err == nil && !jsontext.Value(data).IsValid() {
			t.Fatal("DecodeOrders accepted invalid JSON")
		}
	})
}
