package hooks

// Output review (fhirout, December 2026): what jakguard writes into an
// update, from drafts shaped as real EHRs send them. Every answer here is
// also held to internal/outcheck by s.do.

import (
	"encoding/json"
	"testing"

	"jakguard/internal/outcheck"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFhiroutUpdateOfDraftShapes(t *testing.T) {
	at70 := func() *record { return cleanRecord().born(bornAged(70)).drop("hcg") }
	cases := []struct {
		name  string
		draft func() res
		check func(t *testing.T, up res)
	}{
		{"a draft with a generated narrative of 30 mg",
			func() res {
				d := jakDraft("upadacitinib", 30)
				d["text"] = res{"status": "generated", "div": `<div xmlns="http://www.w3.org/1999/xhtml">upadacitinib 30 mg once daily</div>`}
				return d
			},
			func(t *testing.T, up res) { assert.NotContains(t, up, "text", "a narrative of the old dose") }},
		{"a draft with subject {}",
			func() res { d := jakDraft("upadacitinib", 30); d["subject"] = res{}; return d },
			func(t *testing.T, up res) { assert.Equal(t, res{"reference": "Patient/p1"}, up["subject"]) }},
		{`a draft with subject {"reference": ""}`,
			func() res { d := jakDraft("upadacitinib", 30); d["subject"] = res{"reference": ""}; return d },
			func(t *testing.T, up res) { assert.Equal(t, res{"reference": "Patient/p1"}, up["subject"]) }},
		{"a draft with subject null",
			func() res { d := jakDraft("upadacitinib", 30); d["subject"] = nil; return d },
			func(t *testing.T, up res) { assert.Equal(t, res{"reference": "Patient/p1"}, up["subject"]) }},
		{`a draft with status ""`,
			func() res { d := jakDraft("upadacitinib", 30); d["status"] = ""; return d },
			func(t *testing.T, up res) { assert.Equal(t, "draft", up["status"]) }},
	}
	s := newTestServer(t, serverOpts{noStore: true})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cs, body := sign(at70(), tc.draft()).post(t, s)
			ups := updatesIn(cs)
			require.Len(t, ups, 1, body)
			tc.check(t, ups[0])
		})
	}
}

// TestFhiroutUpdateIsR4WhateverTheDraftShape: the reader takes a single
// Coding for a coding array and a one-element array for a single
// CodeableConcept, Reference, Quantity, Duration (fhir/read.go); the update
// gave them back so, which is not R4. Each update must now be valid R4 on
// its own, with the value kept.
func TestFhiroutUpdateIsR4WhateverTheDraftShape(t *testing.T) {
	at70 := func() *record { return cleanRecord().born(bornAged(70)).drop("hcg") }
	dosage := func(d res) res { return d["dosageInstruction"].([]any)[0].(res) }
	cases := []struct {
		name  string
		edit  func(d res)
		check func(t *testing.T, up res)
	}{
		{"route as a one-element array",
			func(d res) { dosage(d)["route"] = []any{res{"text": "oral"}} },
			func(t *testing.T, up res) {
				assert.Equal(t, res{"text": "oral"}, dig(up, "dosageInstruction", 0, "route"))
			}},
		{"requester as a one-element array",
			func(d res) { d["requester"] = []any{res{"reference": "Practitioner/x"}} },
			func(t *testing.T, up res) { assert.Equal(t, res{"reference": "Practitioner/x"}, up["requester"]) }},
		{"courseOfTherapyType as a one-element array",
			func(d res) { d["courseOfTherapyType"] = []any{res{"text": "continuous"}} },
			func(t *testing.T, up res) { assert.Equal(t, res{"text": "continuous"}, up["courseOfTherapyType"]) }},
		{"dispenseRequest.quantity as a one-element array",
			func(d res) { d["dispenseRequest"] = res{"quantity": []any{res{"value": 30, "unit": "tablet"}}} },
			func(t *testing.T, up res) {
				assert.Equal(t, res{"value": 30.0, "unit": "tablet"}, dig(up, "dispenseRequest", "quantity"))
			}},
		{"boundsDuration as a one-element array",
			func(d res) {
				dosage(d)["timing"].(res)["repeat"].(res)["boundsDuration"] = []any{res{"value": 12, "unit": "wk", "system": "http://unitsofmeasure.org", "code": "wk"}}
			},
			func(t *testing.T, up res) {
				assert.Equal(t, "wk", dig(up, "dosageInstruction", 0, "timing", "repeat", "boundsDuration", "code"))
			}},
		{"category with a single coding object",
			func(d res) {
				d["category"] = res{"coding": res{"system": "http://terminology.hl7.org/CodeSystem/medicationrequest-category", "code": "outpatient"}}
			},
			func(t *testing.T, up res) {
				assert.Equal(t, "outpatient", dig(up, "category", 0, "coding", 0, "code"))
			}},
		{"note as plain text: an Annotation's text",
			func(d res) { d["note"] = "take with food" },
			func(t *testing.T, up res) { assert.Equal(t, []any{res{"text": "take with food"}}, up["note"]) }},
		{"notes as an array of plain texts",
			func(d res) { d["note"] = []any{"take with food", res{"text": "renal dosing checked"}} },
			func(t *testing.T, up res) {
				assert.Equal(t, []any{res{"text": "take with food"}, res{"text": "renal dosing checked"}}, up["note"])
			}},
		{"subject as a one-element array: the draft's subject kept",
			func(d res) { d["subject"] = []any{res{"reference": "Patient/p1", "display": "P"}} },
			func(t *testing.T, up res) {
				assert.Equal(t, res{"reference": "Patient/p1", "display": "P"}, up["subject"])
			}},
	}
	s := newTestServer(t, serverOpts{noStore: true})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := jakDraft("upadacitinib", 30)
			tc.edit(d)
			cs, body := sign(at70(), d).post(t, s)
			ups := updatesIn(cs)
			require.Len(t, ups, 1, body)
			b, err := json.Marshal(ups[0])
			require.NoError(t, err)
			assert.NoError(t, outcheck.Resource(b))
			tc.check(t, ups[0])
		})
	}
}

// dig is the value at a path of keys and indexes in v, nil where the
// path does not match the shape.
func dig(v any, path ...any) any {
	for _, p := range path {
		switch p := p.(type) {
		case string:
			m, ok := v.(res)
			if !ok {
				return nil
			}
			v = m[p]
		case int:
			a, ok := v.([]any)
			if !ok || p >= len(a) {
				return nil
			}
			v = a[p]
		}
	}
	return v
}
