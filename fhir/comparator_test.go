package fhir

import (
	"context"
	"testing"

	"jakguard/rules"
)

// Quantity.comparator reaches the rules: "<0.4 10*3/uL" must not be read
// as 0.4 exactly (it could then miss lymphopenia).
func TestQuantityComparatorKept(t *testing.T) {
	b := NewBuilder(nil)
	_, err := b.Add(context.Background(), "observations", []byte(`{"resourceType":"Observation","id":"alc","status":"final",
		"code":{"coding":[{"system":"http://loinc.org","code":"731-0"}]},"effectiveDateTime":"2026-11-02",
		"valueQuantity":{"value":0.5,"comparator":"<","unit":"10*3/uL","system":"http://unitsofmeasure.org","code":"10*3/uL"}}`))
	if err != nil {
		t.Fatal(err)
	}
	rec := b.Record()
	if len(rec.Observations) != 1 || rec.Observations[0].Quantity == nil {
		t.Fatalf("observation not decoded: %+v", rec.Observations)
	}
	q := rec.Observations[0].Quantity
	if q.Comparator != "<" {
		t.Fatalf("comparator = %q, want <", q.Comparator)
	}
	if v, ok := rules.CellsPerMM3(q); !ok || !(v < 500) {
		t.Errorf("CellsPerMM3 = %v, %v; want below 500", v, ok)
	}
}

// The samply enum decoder compares raw bytes; a JSON-escaped "<" ("\u003c",
// as Go's encoders write it) must still reach the rules.
func TestEscapedQuantityComparatorKept(t *testing.T) {
	b := NewBuilder(nil)
	_, err := b.Add(context.Background(), "observations", []byte(`{"resourceType":"Observation","id":"alc","status":"final",
		"code":{"coding":[{"system":"http://loinc.org","code":"731-0"}]},"effectiveDateTime":"2026-11-02",
		"valueQuantity":{"value":0.5,"comparator":"\u003c","code":"10*3/uL"}}`))
	if err != nil {
		t.Fatal(err)
	}
	rec := b.Record()
	if len(rec.Observations) != 1 || rec.Observations[0].Quantity == nil || rec.Observations[0].Quantity.Comparator != "<" {
		t.Fatalf("comparator lost: %+v", rec.Observations)
	}
}
