package hooks

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Fail safe (contract 6.6) as a pharmacist sees it: an order that cannot
// be read is never answered as a safe one, another patient's data is never
// judged, and a missing birth date is said, not silently dropped with the
// age rules.

func TestAcceptanceFailSafeRefusals(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	bad := func(r *record, f func(d res), extra ...res) []byte {
		d := jakDraft("abrocitinib", 100)
		f(d)
		return sign(r, append([]res{d}, extra...)...).body(t)
	}
	cases := []struct {
		name, where string
		body        []byte
	}{
		{"JAK order with status 123", "entry[0].resource.status", bad(cleanRecord(), func(d res) { d["status"] = 123 })},
		{"JAK order with authoredOn 5", "entry[0].resource.authoredOn", bad(cleanRecord(), func(d res) { d["authoredOn"] = 5 })},
		{"JAK order with subject a string", "entry[0].resource.subject", bad(cleanRecord(), func(d res) { d["subject"] = "Patient/p1" })},
		{"JAK order with medicationCodeableConcept an array of strings", "entry[0].resource.medicationCodeableConcept", bad(cleanRecord(), func(d res) { d["medicationCodeableConcept"] = []any{"x", "y"} })},
		{"JAK order with a dose value as a word", "doseQuantity.value", bad(cleanRecord(), func(d res) {
			d["dosageInstruction"] = []any{res{"doseAndRate": []any{res{"doseQuantity": res{"value": "two"}}}}}
		})},
		{"JAK order about another patient", "entry[0].resource.subject", bad(cleanRecord(), func(d res) { d["subject"] = res{"reference": "Patient/p2"} })},
		{"clopidogrel ordered with status true for a patient on abrocitinib", "entry[0].resource.status", sign(onCourseAt("abrocitinib", 100, 20), with(drugDraft("x", rxnorm, "32968", "clopidogrel"), "status", true)).body(t)},
		{"clopidogrel ordered for another patient, patient on abrocitinib", "entry[0].resource.subject", sign(onCourseAt("abrocitinib", 100, 20), with(drugDraft("x", rxnorm, "32968", "clopidogrel"), "subject", res{"reference": "Patient/p2"})).body(t)},
		{"MMR ServiceRequest with code a string", "entry[0].resource.code", sign(onCourseAt("upadacitinib", 15, 20), with(serviceDraft("sr", "draft", cvx, "03", "MMR"), "code", "MMR")).body(t)},
		{"an unrelated order in the same call unreadable", "entry[1].resource", bad(cleanRecord(), func(d res) {}, res{"resourceType": "MedicationRequest", "id": "amox", "status": []any{"draft"}})},
		{"prefetch Patient of another patient", "prefetch.patient", func() []byte {
			r := cleanRecord()
			r.patient["id"] = "p2"
			return sign(r, jakDraft("upadacitinib", 15)).body(t)
		}()},
		{"a Patient under the observations key", "prefetch.observations", func() []byte {
			r := cleanRecord()
			r.observations = append(r.observations, res{"resourceType": "Patient", "id": "p1", "birthDate": "2018-01-01"})
			return sign(r, jakDraft("upadacitinib", 15)).body(t)
		}()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := s.do(t, "POST", "/cds-services/order-sign", tc.body)
			require.Equal(t, 400, rec.Code, "never a 200 with no cards: %s", rec.Body.String())
			var oo OperationOutcome
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &oo))
			assert.Contains(t, oo.Issue[0].Diagnostics, tc.where)
		})
	}
	// A decimal sent as a JSON string holding a number is read as that
	// number (a tolerance of the decoder, fhir/json.go): never dropped.
	d := jakDraft("abrocitinib", 100)
	d["dosageInstruction"] = []any{res{"timing": res{"repeat": res{"frequency": 1, "period": 1, "periodUnit": "d"}},
		"doseAndRate": []any{res{"doseQuantity": res{"value": "300", "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"}}}}}
	rec := s.do(t, "POST", "/cds-services/order-sign", sign(cleanRecord(), d).body(t))
	require.Equal(t, 200, rec.Code, rec.Body.String())
	requireFinding(t, checkResponse(t, rec.Body.Bytes()), "dose-above-label", "warning")
	// The same order read correctly is judged.
	rec = s.do(t, "POST", "/cds-services/order-sign", sign(onCourseAt("abrocitinib", 100, 20), drugDraft("x", rxnorm, "32968", "clopidogrel")).body(t))
	require.Equal(t, 200, rec.Code)
	requireFinding(t, checkResponse(t, rec.Body.Bytes()), "antiplatelet-abrocitinib", "critical")
}

func TestAcceptanceAgeUnknown(t *testing.T) {
	noBirth := func() *record { r := cleanRecord(); delete(r.patient, "birthDate"); return r }
	badBirth := func(v any) *record { r := cleanRecord(); r.patient["birthDate"] = v; return r }
	cases := []accCase{
		{name: "no birthDate, upadacitinib 15 mg: age unknown, said", c: sign(noBirth(), jakDraft("upadacitinib", 15)),
			want: w("age-unknown", "warning"), detailOf: map[string]string{"age-unknown": "15 mg once daily from age 65"}},
		{name: "no birthDate, woman: the pregnancy test is still asked", c: sign(noBirth().drop("hcg"), jakDraft("abrocitinib", 100)),
			want: w("age-unknown", "warning", "pregnancy-test-missing", "warning")},
		{name: "no birthDate, no zoster vaccine: still asked", c: sign(noBirth().drop("rzv"), jakDraft("upadacitinib", 15)),
			want: w("age-unknown", "warning", "zoster-vaccine-missing", "warning")},
		{name: "unreadable birthDate 1991-13-45", c: sign(badBirth("1991-13-45"), jakDraft("upadacitinib", 15)), want: w("age-unknown", "warning")},
		{name: "empty birthDate", c: sign(badBirth(""), jakDraft("upadacitinib", 15)), want: w("age-unknown", "warning")},
		{name: "birthDate written BirthDate (case-sensitive FHIR JSON)", c: sign(func() *record {
			r := noBirth()
			r.patient["BirthDate"] = "1950-01-01"
			return r
		}(), jakDraft("upadacitinib", 30)), want: w("age-unknown", "warning")},
		{name: "year-only birthDate 1950: aged 76, 30 mg gets 15 mg", c: sign(badBirth("1950").drop("hcg"), jakDraft("upadacitinib", 30)),
			want: w("lower-dose-recommended", "warning"), absent: []string{"age-unknown"}, dose: 15},
		{name: "no birthDate on a renewal: still said", c: sign(func() *record { r := stable("upadacitinib", 15); delete(r.patient, "birthDate"); return r }(), jakDraft("upadacitinib", 15)),
			want: w("age-unknown", "warning")},
		{name: "no birthDate, interacting order for a patient on upadacitinib: the interaction only", c: sign(func() *record {
			r := onCourseAt("upadacitinib", 15, 30)
			delete(r.patient, "birthDate")
			return r
		}(), drugDraft("x", rxnorm, "1357541", "tofacitinib 5 MG Oral Tablet")), want: w("combination-jak", "critical"), absent: []string{"age-unknown"}},
	}
	runAcc(t, cases)
}
