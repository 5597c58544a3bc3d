package hooks

import "testing"

// The FHIR R4 shapes production EHRs (Epic, Oracle Health, MEDITECH,
// athenahealth) send, reviewed by an integration engineer and a pharmacist:
// a real patient must get the same cards as the label-based scenario of the
// same facts. Each table is one resource type; values are made up, the
// shapes are the vendors'.

const (
	condCat = "http://terminology.hl7.org/CodeSystem/condition-category"
	icd10cm = "http://hl7.org/fhir/sid/icd-10-cm"
)

// TestEHRShapesObservation: laboratory results as vendors write them.
func TestEHRShapesObservation(t *testing.T) {
	d := "2026-11-02"
	upa := jakDraft("upadacitinib", 15)
	anc := func(v float64, unit string) *record {
		return cleanRecord().replace(qty("anc", "751-8", v, "", unit, d))
	}
	valStr := func(id, code, v string) res {
		return res{"resourceType": "Observation", "id": id, "status": "final", "code": coding(loinc, code), "effectiveDateTime": d, "valueString": v,
			"category": []any{cc("http://terminology.hl7.org/CodeSystem/observation-category", "laboratory", "Laboratory", "")}}
	}
	neutro := accCase{want: w("neutropenia", "critical")}
	var cases []accCase
	// The microlitre written mcL or µL in the parenthesis and star forms
	// (Oracle Health prints "x10(3)/mcL"): ANC 0.8 thousand is 800.
	for _, u := range []string{"x10(3)/mcL", "10(3)/mcL", "x10(3)/µL", "10(3)/µL", "x10*3/mcL", "10e3/mcL",
		"K/uL", "K/mcL", "10*3/uL", "x10E3/uL", "10^3/µL", "10*9/L", "THOU/MCL"} {
		c := neutro
		c.name, c.c = "ANC 0.8 "+u+": neutropenia", sign(anc(0.8, u), upa)
		cases = append(cases, c)
		c = accCase{noCards: true}
		c.name, c.c = "ANC 1.0 "+u+" (N, not below 1000): no card", sign(anc(1.0, u), upa)
		cases = append(cases, c)
	}
	cases = append(cases,
		accCase{name: "ANC 800 cells/mcL: neutropenia", c: sign(anc(800, "cells/mcL"), upa), want: w("neutropenia", "critical")},
		accCase{name: "ANC 999 cells/uL (N-1): neutropenia", c: sign(anc(999, "cells/uL"), upa), want: w("neutropenia", "critical")},
		accCase{name: "ANC valueString \"<0.5 K/uL\": neutropenia", c: sign(cleanRecord().replace(valStr("anc", "751-8", "<0.5 K/uL")), upa), want: w("neutropenia", "critical")},
		accCase{name: "ANC amended (Epic corrected result) 0.8 K/uL: read", c: sign(cleanRecord().replace(with(qty("anc", "751-8", 0.8, "", "K/uL", d), "status", "amended")), upa), want: w("neutropenia", "critical")},
		accCase{name: "CBC panel with hasMember and its members: the member is read",
			c: sign(func() *record {
				r := anc(0.8, "K/uL")
				r.observations = append(r.observations, res{"resourceType": "Observation", "id": "cbcp", "status": "final", "code": coding(loinc, "58410-2"),
					"effectiveDateTime": d, "hasMember": []any{res{"reference": "Observation/anc"}, res{"reference": "Observation/alc"}}})
				return r
			}(), upa), want: w("neutropenia", "critical")},
		accCase{name: "HBsAg valueString Nonreactive: negative", c: sign(cleanRecord().replace(valStr("hbsag", "5196-1", "Nonreactive")), upa), noCards: true},
		accCase{name: "HCV Ab valueString NON-REACTIVE: negative", c: sign(cleanRecord().replace(valStr("hcv", "13955-0", "NON-REACTIVE")), upa), noCards: true},
		accCase{name: "HBsAg valueString Reactive: active hepatitis B", c: sign(cleanRecord().replace(valStr("hbsag", "5196-1", "Reactive")), upa), want: w("hbv-active", "critical")},
		accCase{name: "IGRA valueString Not Detected: negative", c: sign(cleanRecord().replace(valStr("igra", "71773-6", "Not Detected")), upa), noCards: true},
		accCase{name: "eGFR 98 mL/min/{1.73_m2} with interpretation only: no card",
			c: sign(cleanRecord().replace(with(qty("egfr", "98979-8", 98, "mL/min/{1.73_m2}", "mL/min/1.73m2", d), "interpretation", []any{cc("http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "N", "Normal", "")},
				"referenceRange", []any{res{"low": res{"value": 60, "unit": "mL/min/1.73m2"}}})), upa), noCards: true},
	)
	runAcc(t, cases)
}

// TestEHRShapesConditionAndImmunization: problem-list and encounter
// diagnoses, dual-coded, with a status in words only and onsetString; and
// immunizations dual-coded CVX + NDC, reported (primarySource false), or
// not done with a reason.
func TestEHRShapesConditionAndImmunization(t *testing.T) {
	upa := jakDraft("upadacitinib", 15)
	tb := func(kv ...any) res {
		return with(res{"resourceType": "Condition", "id": "tb", "code": res{"coding": []any{res{"system": sct, "code": "56717001"}, res{"system": icd10cm, "code": "A15.0"}}, "text": "Pulmonary TB"},
			"category": []any{cc(condCat, "problem-list-item", "Problem List Item", "")}, "recordedDate": ago(20)}, kv...)
	}
	pneumonia := func(kv ...any) res {
		return with(res{"resourceType": "Condition", "id": "pn", "code": res{"coding": []any{res{"system": sct, "code": "233604007"}}, "text": "Pneumonia"},
			"category": []any{cc(condCat, "encounter-diagnosis", "Encounter Diagnosis", "")}}, kv...)
	}
	shingrix := func(kv ...any) res {
		return with(res{"resourceType": "Immunization", "id": "rzv", "status": "completed", "occurrenceDateTime": "2025-02-01",
			"vaccineCode": res{"coding": []any{res{"system": ndc, "code": "58160-0823-11"}, res{"system": cvx, "code": "187"}}, "text": "Zoster recombinant"}}, kv...)
	}
	cases := []accCase{
		{name: "TB dual-coded SNOMED + ICD-10-CM, clinicalStatus text Active, onsetString: active TB",
			c: sign(cleanRecord().replace(tb("clinicalStatus", res{"text": "Active"}, "onsetString", "last month")), upa), want: w("tb-active", "critical")},
		{name: "TB clinicalStatus text Resolved: not active", c: sign(cleanRecord().replace(tb("clinicalStatus", res{"text": "Resolved"})), upa), absent: []string{"tb-active"}},
		{name: "TB clinicalStatus coded inactive with a text Active beside it: the code wins",
			c: sign(cleanRecord().replace(tb("clinicalStatus", with(coding("http://terminology.hl7.org/CodeSystem/condition-clinical", "inactive"), "text", "Active"))), upa), absent: []string{"tb-active"}},
		{name: "pneumonia encounter diagnosis, recordedDate 3 days ago and onsetString only: serious infection",
			c: sign(cleanRecord().replace(pneumonia("recordedDate", ago(3), "onsetString", "3 days ago")), upa), want: w("serious-infection-active", "critical")},
		{name: "Shingrix dual-coded NDC + CVX, reported (primarySource false): counted",
			c: sign(cleanRecord().replace(shingrix("primarySource", false, "reportOrigin", cc("http://terminology.hl7.org/CodeSystem/immunization-origin", "recall", "Parent/Guardian/Patient Recall", ""))), upa), noCards: true},
		{name: "Shingrix not-done with statusReason (patient objection): still missing",
			c:    sign(cleanRecord().replace(shingrix("status", "not-done", "statusReason", cc("http://terminology.hl7.org/CodeSystem/v3-ActReason", "PATOBJ", "patient objection", ""))), upa),
			want: w("zoster-vaccine-missing", "warning")},
		{name: "MMR reported 10 days ago (primarySource false): live vaccine recent",
			c: sign(cleanRecord().replace(with(immunization("mmr", "03", ago(10)), "primarySource", false)), upa), want: w("live-vaccine-recent", "warning")},
	}
	runAcc(t, cases)
}
