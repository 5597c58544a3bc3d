package hooks

import (
	"fmt"
	"testing"
)

// The FHIR R4 shapes production EHRs (Epic, Oracle Health, MEDITECH,
// athenahealth) send, reviewed by an integration engineer and a pharmacist:
// a real patient must get the same cards as the label-based scenario of the
// same facts. Each table is one resource type; values are made up, the
// shapes are the vendors'.

const (
	ucum      = "http://unitsofmeasure.org"
	epicLocal = "urn:oid:1.2.840.114350.1.13.0.1.7.2.698288" // an Epic-style local medication code system
	condCat   = "http://terminology.hl7.org/CodeSystem/condition-category"
	icd10cm   = "http://hl7.org/fhir/sid/icd-10-cm"
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

// TestEHRShapesCourseBounds: a completed upadacitinib order whose length
// is written only in timing.repeat.boundsDuration (90 days) ends its
// course on its last day, not on its start day: clarithromycin ordered
// within 90 days (RecentCourse) of that day meets a recent course.
func TestEHRShapesCourseBounds(t *testing.T) {
	past := func(startDays int, bounds ...any) *record {
		m := courseMed("upa-1", "MedicationRequest", "completed", "upadacitinib", 15, startDays)
		rep := m["dosageInstruction"].([]any)[0].(res)["timing"].(res)["repeat"].(res)
		with(rep, bounds...)
		return cleanRecord().replace(m)
	}
	d90 := []any{"boundsDuration", res{"value": 90, "unit": "d", "system": ucum, "code": "d"}}
	clar := drugDraft("other", rxnorm, "197517", "clarithromycin 500 MG Oral Tablet")
	recent := accCase{want: w("cyp-interaction", "warning"), summaryOf: map[string]string{"cyp-interaction": "upadacitinib"}}
	cases := []accCase{}
	for _, c := range []struct {
		name string
		r    *record
		want accCase
	}{
		{"authored 178 days ago for 90 days (ended 89 days ago): recent", past(178, d90...), recent},
		{"authored 179 days ago for 90 days (ended 90 days ago, N): recent", past(179, d90...), recent},
		{"authored 180 days ago for 90 days (ended 91 days ago, N+1): over", past(180, d90...), accCase{noCards: true}},
		{"authored 179 days ago, boundsPeriod ended 90 days ago: recent", past(179, "boundsPeriod", res{"start": ago(179), "end": ago(90)}), recent},
		{"authored 120 days ago with no bounds: ended on its start day, over (as before)", past(120), accCase{noCards: true}},
	} {
		k := c.want
		k.name, k.c = c.name, sign(c.r, clar)
		cases = append(cases, k)
	}
	runAcc(t, cases)
}

// lqMedication is a Medication for upadacitinib oral solution as Epic and
// Oracle Health send one: a local code and a name without a strength, the
// strength in ingredient as a Ratio of numerator mg over denominator mL.
func lqMedication(id string, mgPerML float64, den res) res {
	return res{"resourceType": "Medication", "id": id,
		"code": cc(epicLocal, "771205", "UPADACITINIB ORAL SOLN", "upadacitinib oral solution"),
		"form": cc("", "", "", "Oral solution"),
		"ingredient": []any{res{"itemCodeableConcept": cc(rxnorm, "2196092", "upadacitinib", ""), "isActive": true,
			"strength": res{"numerator": res{"value": mgPerML, "unit": "mg", "system": ucum, "code": "mg"}, "denominator": den}}}}
}

// refDraft is a draft upadacitinib order that names its drug through
// medicationReference (ref) only, with one dosage instruction.
func refDraft(ref string, instr res) res {
	m := drugDraft("new", "", "", "")
	delete(m, "medicationCodeableConcept")
	m["medicationReference"] = res{"reference": ref}
	m["dosageInstruction"] = []any{instr}
	return m
}

// epicTablet is a Medication for an upadacitinib extended-release tablet as
// Epic sends it: a local code, the RxNorm ingredient and an NDC in one
// code, and the strength as mg over "1" of the denominator unit given.
func epicTablet(id string, mg int, ndcCode string, den res) res {
	return res{"resourceType": "Medication", "id": id, "code": res{"coding": []any{
		res{"system": epicLocal, "code": "987654", "display": fmt.Sprintf("UPADACITINIB ER %d MG PO TB24", mg)},
		res{"system": rxnorm, "code": "2196092", "display": "upadacitinib"},
		res{"system": ndc, "code": ndcCode}}, "text": fmt.Sprintf("upadacitinib ER %d mg tablet,extended release 24 hr", mg)},
		"ingredient": []any{res{"itemCodeableConcept": cc(rxnorm, "2196092", "upadacitinib", ""),
			"strength": res{"numerator": res{"value": mg, "unit": "mg", "system": ucum, "code": "mg"}, "denominator": den}}}}
}

// TestEHRShapesMedicationRequest: an order as Epic and Oracle Health send
// it (a referenced Medication with the strength in ingredient, typed
// doseAndRate, only a patientInstruction, category, courseOfTherapyType,
// requester by display, an extension-heavy timing) reads the same dose as
// the label-based order.
func TestEHRShapesMedicationRequest(t *testing.T) {
	ml := func(v float64) res { return res{"value": v, "unit": "mL", "system": ucum, "code": "mL"} }
	perML := res{"value": 1, "unit": "mL", "system": ucum, "code": "mL"}
	bid := per(2, 1, "d")
	daily := per(1, 1, "d")
	tab := func(n float64, unit, code string) res {
		q := res{"value": n, "unit": unit}
		if code != "" {
			q["system"], q["code"] = ucum, code
		}
		return q
	}
	contained := func(med res, instr res) res {
		o := refDraft("#"+med["id"].(string), instr)
		o["contained"] = []any{med}
		return o
	}
	// Epic's full order: medicationReference to a Medication sent beside it
	// in draftOrders, two typed doseAndRate, a timing code by text, the
	// start in boundsPeriod, category, courseOfTherapyType, a requester by
	// display only, extensions everywhere.
	epicOrder := func(mg int, ndcCode string, tablets float64) []res {
		o := refDraft("Medication/em", with(di(nil, daily), "text", fmt.Sprintf("Take %s tablet by mouth daily.", fmtAmountTest(tablets)),
			"patientInstruction", fmt.Sprintf("Take %s tablet by mouth daily.", fmtAmountTest(tablets)),
			"timing", res{"repeat": with(per(1, 1, "d"), "boundsPeriod", res{"start": ago(0)}), "code": res{"text": "DAILY"}},
			"doseAndRate", []any{
				res{"type": cc("http://epic.com/CodeSystem/dose-rate-type", "calculated", "calculated", ""), "doseQuantity": res{"value": float64(mg) * tablets, "unit": "mg", "system": ucum, "code": "mg"}},
				res{"type": cc("http://epic.com/CodeSystem/dose-rate-type", "admin-amount", "admin-amount", ""), "doseQuantity": tab(tablets, "tablet", "{tbl}")}},
			"extension", []any{res{"url": "http://open.epic.com/FHIR/StructureDefinition/extension/ordered-dose", "valueQuantity": res{"value": tablets, "unit": "tablet"}}}))
		o["medicationReference"].(res)["display"] = fmt.Sprintf("upadacitinib ER %d mg tablet", mg)
		o["category"] = []any{cc("http://terminology.hl7.org/CodeSystem/medicationrequest-category", "community", "Community", "")}
		o["courseOfTherapyType"] = cc("http://terminology.hl7.org/CodeSystem/medicationrequest-course-of-therapy", "continuous", "Continuous long term therapy", "")
		o["requester"] = res{"display": "Physician Example, MD"}
		o["reportedBoolean"] = false
		o["extension"] = []any{res{"url": "http://open.epic.com/FHIR/StructureDefinition/extension/order-class", "valueCoding": res{"code": "E-Prescribe"}}}
		return []res{o, epicTablet("em", mg, ndcCode, res{"value": 1, "unit": "1", "system": ucum, "code": "1"})}
	}
	epicSign := func(r *record, drafts []res) call { return call{r: r, drafts: drafts} }
	r67 := func() *record { return cleanRecord().born(bornAged(67)) }
	cases := []accCase{
		// Oral solution: the strength is in Medication.ingredient only.
		{name: "oral solution 1 mg/mL in ingredient (contained), 7 mL twice daily = 14 mg: no card",
			c: sign(cleanRecord(), contained(lqMedication("lq", 1, perML), di(ml(7), bid))), noCards: true},
		{name: "oral solution 1 mg/mL in ingredient (contained), 15 mL twice daily = 30 mg (N): no card",
			c: sign(cleanRecord(), contained(lqMedication("lq", 1, perML), di(ml(15), bid))), noCards: true},
		{name: "oral solution 1 mg/mL in ingredient (contained), 16 mL twice daily = 32 mg (N+1): above label",
			c: sign(cleanRecord(), contained(lqMedication("lq", 1, perML), di(ml(16), bid))), want: w("dose-above-label", "warning"),
			detailOf: map[string]string{"dose-above-label": "strength from Medication.ingredient"}},
		{name: "oral solution, the Medication an entry of draftOrders, denominator unit ML without code: read",
			c:    call{r: cleanRecord(), drafts: []res{refDraft("Medication/lq", di(ml(16), bid)), lqMedication("lq", 1, res{"value": 1, "unit": "ML"})}},
			want: w("dose-above-label", "warning")},
		{name: "oral solution, 67 years, 10 mL twice daily = 20 mg: lower dose",
			c: sign(r67(), contained(lqMedication("lq", 1, perML), di(ml(10), bid))), want: w("lower-dose-recommended", "warning"),
			detailOf: map[string]string{"lower-dose-recommended": "Ordered 20 mg/day"}},
		{name: "oral solution: ingredient 1 mg/mL and text 2 mg/mL disagree: dose not read",
			c:    sign(cleanRecord(), contained(with(lqMedication("lq", 1, perML), "code", cc("", "", "", "upadacitinib 2 MG/ML Oral Solution")), di(ml(7), bid))),
			want: w("dose-unknown", "info"), onlyInfo: true, detailOf: map[string]string{"dose-unknown": "strength conflicts"}},
		{name: "oral solution ordered in tablets: not read as 1 mg tablets",
			c:    sign(cleanRecord(), contained(lqMedication("lq", 1, perML), di(tab(40, "tablet", "{tbl}"), daily))),
			want: w("dose-unknown", "info"), onlyInfo: true, detailOf: map[string]string{"dose-unknown": "solution"}},
		// Tablet strength over "1 {tbl}", "TABLET", "1".
		{name: "ingredient 15 mg / 1 {tbl}, 2 tablets daily = 30 mg: no card",
			c: sign(cleanRecord(), contained(epicTablet("t", 15, "0074-2306-30", tab(1, "{tbl}", "{tbl}")), di(tab(2, "{tbl}", "{tbl}"), daily))), noCards: true},
		{name: "ingredient 15 mg / 1 TABLET, 3 TABLET daily = 45 mg: above label",
			c:    sign(cleanRecord(), contained(epicTablet("t", 15, "0074-2306-30", res{"value": 1, "unit": "TABLET"}), di(tab(3, "TABLET", ""), daily))),
			want: w("dose-above-label", "warning")},
		// Epic's whole order.
		{name: "Epic order 30 mg (Medication in draftOrders, typed doseAndRate, extensions), 35 years: no card",
			c: epicSign(cleanRecord(), epicOrder(30, "0074-2310-30", 1)), noCards: true},
		{name: "Epic order 30 mg, 67 years: lower dose 15 mg",
			c: epicSign(r67(), epicOrder(30, "0074-2310-30", 1)), want: w("lower-dose-recommended", "warning"), dose: 15,
			detailOf: map[string]string{"lower-dose-recommended": "Ordered 30 mg/day"}},
		{name: "Epic order 15 mg × 3 tablets = 45 mg: above label",
			c: epicSign(cleanRecord(), epicOrder(15, "0074-2306-30", 3)), want: w("dose-above-label", "warning")},
		// Two instructions (mornings, evenings) of a Medication referenced,
		// not contained: the second instruction knows the strength too.
		{name: "referenced Medication 15 mg, 1 tablet mornings + 1 evenings = 30 mg: no card",
			c: call{r: cleanRecord(), drafts: twoTimes(1, 1)}, noCards: true},
		{name: "referenced Medication 15 mg, 1 tablet mornings + 2 evenings = 45 mg: above label",
			c: call{r: cleanRecord(), drafts: twoTimes(1, 2)}, want: w("dose-above-label", "warning"),
			detailOf: map[string]string{"dose-above-label": "45 mg/day"}},
		// Only patientInstruction (no text, no doseAndRate).
		{name: "patientInstruction only: 2 tablets (30 mg) of the 15 mg tablet daily: read, no card",
			c: sign(cleanRecord(), upaDz(upaRxName, res{"patientInstruction": "Take 2 tablets (30 mg total) by mouth daily."})), noCards: true},
		{name: "patientInstruction only: 3 tablets of the 15 mg tablet daily = 45 mg: above label",
			c: sign(cleanRecord(), upaDz(upaRxName, res{"patientInstruction": "Take 3 tablets by mouth once daily."})), want: w("dose-above-label", "warning")},
		{name: "patientInstruction only, 67 years: 1 tablet of 30 mg daily is read as 30 mg",
			c: sign(r67(), upaDz(upa30Name, res{"patientInstruction": "Take 1 tablet by mouth once daily."})), want: w("lower-dose-recommended", "warning"),
			detailOf: map[string]string{"lower-dose-recommended": "Ordered 30 mg/day"}},
		{name: "text and patientInstruction both: the sig (text) is read",
			c: sign(cleanRecord(), upaDz(upaRxName, res{"text": "Take 2 tablets by mouth once daily.", "patientInstruction": "Take 3 tablets by mouth once daily."})), noCards: true},
		// Multiple codings (RxNorm + NDC + local) and reported orders.
		{name: "RxNorm ingredient, NDC of 30 mg and a local code, 1 tablet daily, 67 years: 30 mg read",
			c: sign(r67(), with(upaDz("UPADACITINIB ER 30 MG PO TB24", di(tab(1, "tablet", "{tbl}"), daily)), "medicationCodeableConcept", res{"coding": []any{
				res{"system": epicLocal, "code": "987654", "display": "UPADACITINIB ER 30 MG PO TB24"},
				res{"system": rxnorm, "code": "2196092"}, res{"system": ndc, "code": "0074-2310-30"}}})),
			want: w("lower-dose-recommended", "warning"), detailOf: map[string]string{"lower-dose-recommended": "Ordered 30 mg/day"}},
		{name: "reported home clarithromycin (reportedBoolean, requester display, community): interacts",
			c: sign(cleanRecord().replace(with(med("clar", "active", rxnorm, "197517", "clarithromycin 500 MG Oral Tablet", 5),
				"reportedBoolean", true, "requester", res{"display": "Outside provider"},
				"category", []any{cc("http://terminology.hl7.org/CodeSystem/medicationrequest-category", "community", "", "")})), jakDraft("upadacitinib", 15)),
			want: w("cyp-interaction", "warning")},
	}
	runAcc(t, cases)
}

// twoTimes is a draft order of a referenced (not contained) upadacitinib
// 15 mg Medication named without a strength, sent beside it in
// draftOrders: morning tablets in one instruction, evening tablets in
// another.
func twoTimes(morning, evening float64) []res {
	m := epicTablet("em", 15, "0074-2306-30", res{"value": 1, "unit": "1", "system": ucum, "code": "1"})
	m["code"] = cc(epicLocal, "987654", "", "upadacitinib ER tablet")
	tab := func(n float64) res { return res{"value": n, "unit": "tablet", "system": ucum, "code": "{tbl}"} }
	o := refDraft("Medication/em", di(tab(morning), res{"frequency": 1, "period": 1, "periodUnit": "d", "when": []any{"MORN"}}))
	o["dosageInstruction"] = append(o["dosageInstruction"].([]any), di(tab(evening), res{"frequency": 1, "period": 1, "periodUnit": "d", "when": []any{"EVE"}}))
	return []res{o, m}
}

// fmtAmountTest writes 1 as "1" and 1.5 as "1.5".
func fmtAmountTest(v float64) string { return fmt.Sprintf("%g", v) }

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
