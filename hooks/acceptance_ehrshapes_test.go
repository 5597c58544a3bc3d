package hooks

import "testing"

// The FHIR R4 shapes production EHRs (Epic, Oracle Health, MEDITECH,
// athenahealth) send, reviewed by an integration engineer and a pharmacist:
// a real patient must get the same cards as the label-based scenario of the
// same facts. Each table is one resource type; values are made up, the
// shapes are the vendors'.

const (
	ucum    = "http://unitsofmeasure.org"
	condCat = "http://terminology.hl7.org/CodeSystem/condition-category"
	icd10cm = "http://hl7.org/fhir/sid/icd-10-cm"
)

// clarithro is a record clarithromycin 500 mg twice-daily order of status,
// authored days ago, whose only statement of its length is in
// timing.repeat (the members of bounds given, e.g. "boundsDuration", {...}):
// no dispenseRequest, no validityPeriod.
func clarithro(status string, days int, bounds ...any) res {
	m := med("clar", status, rxnorm, "197517", "clarithromycin 500 MG Oral Tablet", days)
	m["dosageInstruction"] = []any{res{"text": "Take 1 tablet by mouth 2 times daily for 14 days.",
		"timing":      res{"repeat": with(res{"frequency": 2, "period": 1, "periodUnit": "d"}, bounds...)},
		"doseAndRate": []any{res{"doseQuantity": res{"value": 1, "unit": "tablet", "system": ucum, "code": "{tbl}"}}}}}
	return m
}

// TestEHRShapesTimingBounds: a short course (clarithromycin for 14 days)
// whose length is written only in timing.repeat.boundsDuration,
// boundsPeriod or count, as Epic and Oracle Health send it, once the order
// is "completed" (sent to the pharmacy): it is taken through its last day,
// exactly as the same order with dispenseRequest.expectedSupplyDuration 14
// days. Before the fix the bounds were not read, so a patient still taking
// clarithromycin got no CYP3A4 card on upadacitinib.
func TestEHRShapesTimingBounds(t *testing.T) {
	upa := jakDraft("upadacitinib", 15)
	dur := func(n float64, unit string) []any {
		return []any{"boundsDuration", res{"value": n, "unit": unit, "system": ucum, "code": unit}}
	}
	endOn := func(daysAhead int) []any {
		return []any{"boundsPeriod", res{"start": ago(3), "end": ago(-daysAhead)}}
	}
	taken := accCase{want: w("cyp-interaction", "warning"), detailOf: map[string]string{"cyp-interaction": "clarithromycin"}}
	over := accCase{noCards: true}
	var cases []accCase
	add := func(name string, r *record, c accCase) {
		c.name, c.c = name, sign(r, upa)
		cases = append(cases, c)
	}
	rec := func(m res) *record { return cleanRecord().replace(m) }
	// boundsDuration 14 d from authoredOn: the last day is day 13.
	add("boundsDuration 14 d, authored 12 days ago (N-1): taken", rec(clarithro("completed", 12, dur(14, "d")...)), taken)
	add("boundsDuration 14 d, authored 13 days ago (N, last day today): taken", rec(clarithro("completed", 13, dur(14, "d")...)), taken)
	add("boundsDuration 14 d, authored 14 days ago (N+1): finished", rec(clarithro("completed", 14, dur(14, "d")...)), over)
	add("boundsDuration 2 wk, authored 13 days ago: taken", rec(clarithro("completed", 13, dur(2, "wk")...)), taken)
	// boundsPeriod.end is the last day.
	add("boundsPeriod ends tomorrow (N-1): taken", rec(clarithro("completed", 3, endOn(1)...)), taken)
	add("boundsPeriod ends today (N): taken", rec(clarithro("completed", 3, endOn(0)...)), taken)
	add("boundsPeriod ended yesterday (N+1): finished", rec(clarithro("completed", 3, endOn(-1)...)), over)
	// count 28 at 2 a day is 14 days.
	add("count 28 twice daily, authored 13 days ago: taken", rec(clarithro("completed", 13, "count", 28)), taken)
	add("count 28 twice daily, authored 14 days ago: finished", rec(clarithro("completed", 14, "count", 28)), over)
	add("count 27 twice daily, authored 13 days ago (14th day's doses): taken", rec(clarithro("completed", 13, "count", 27)), taken)
	add("count 26 twice daily, authored 13 days ago: finished", rec(clarithro("completed", 13, "count", 26)), over)
	// Unchanged: what the bounds do not say.
	add("no bounds, completed 3 days ago: its end is not known (as before)", rec(clarithro("completed", 3)), over)
	add("boundsPeriod with a start only: no end stated", rec(clarithro("completed", 3, "boundsPeriod", res{"start": ago(3)})), over)
	add("stopped 3 days ago with 14 days bounds: someone stopped it", rec(clarithro("stopped", 3, dur(14, "d")...)), over)
	add("active with a past boundsPeriod: an active order counts (status wins)", rec(clarithro("active", 90, "boundsPeriod", res{"start": ago(90), "end": ago(76)})), taken)
	add("boundsDuration of 20 years: not a stated end", rec(clarithro("completed", 3, dur(20, "a")...)), over)
	// Two instructions (loading then maintenance): each must say; the later end counts.
	two := clarithro("completed", 10, dur(14, "d")...)
	two["dosageInstruction"] = append(two["dosageInstruction"].([]any), res{"sequence": 2,
		"timing":      res{"repeat": res{"frequency": 1, "period": 1, "periodUnit": "d", "boundsDuration": res{"value": 7, "unit": "d", "system": ucum, "code": "d"}}},
		"doseAndRate": []any{res{"doseQuantity": res{"value": 1, "unit": "tablet"}}}})
	add("two instructions of 14 and 7 days, authored 10 days ago: taken", rec(two), taken)
	// A MedicationStatement (patient-reported) with the same timing.
	st := clarithro("completed", 3, dur(14, "d")...)
	st["resourceType"], st["dosage"], st["effectiveDateTime"] = "MedicationStatement", st["dosageInstruction"], ago(3)
	delete(st, "dosageInstruction")
	delete(st, "intent")
	delete(st, "authoredOn")
	add("MedicationStatement completed, 14 days from 3 days ago: taken", rec(st), taken)
	runAcc(t, cases)
}

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
