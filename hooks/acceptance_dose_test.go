package hooks

import "testing"

// Dose limits as a clinical pharmacist checks them, on the dosage shapes
// real EHRs send: the daily total against the atopic dermatitis maximum
// (upadacitinib 30 mg, abrocitinib 200 mg once daily; RINVOQ 2.5, CIBINQO
// 2.2), the reduced doses (age 65 on upadacitinib, renal, CYP, CYP2C19
// poor metabolizer) at N-1, N and N+1, and every way a dose is written:
// mg or tablets with the strength in the product name, an NDC or
// Medication.ingredient, dose ranges, repeat frequency, frequencyMax,
// periods in h, d and wk, times of day, timing codes as GTS codes, words or
// local codes, free-text sigs only, several instructions, and no dose at
// all (said, never passed silently). A normal order raises no dose card.

const (
	gts        = "http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation"
	upaRxName  = "upadacitinib 15 MG 24HR Extended Release Oral Tablet"
	upa30Name  = "upadacitinib 30 MG 24HR Extended Release Oral Tablet"
	abroRxName = "abrocitinib 100 MG Oral Tablet"
	abro200Nm  = "abrocitinib 200 MG Oral Tablet"
)

// dz is a draft order for Patient/p1 coded by code in system (text only
// when code is ""), named text, with the dosage instructions given (none:
// no dosageInstruction at all).
func dz(system, code, text string, instr ...res) res {
	m := drugDraft("new", system, code, text)
	if len(instr) > 0 {
		var list []any
		for _, i := range instr {
			list = append(list, i)
		}
		m["dosageInstruction"] = list
	}
	return m
}

// upaDz and abroDz are drafts coded by the RxNorm ingredient.
func upaDz(text string, instr ...res) res  { return dz(rxnorm, "2196092", text, instr...) }
func abroDz(text string, instr ...res) res { return dz(rxnorm, "2591476", text, instr...) }

// di is one dosageInstruction: a dose quantity (nil: none), a timing
// repeat (nil: none), and further members.
func di(dose res, repeat res, kv ...any) res {
	d := res{}
	if dose != nil {
		d["doseAndRate"] = []any{res{"doseQuantity": dose}}
	}
	if repeat != nil {
		d["timing"] = res{"repeat": repeat}
	}
	return with(d, kv...)
}

// sig is a dosageInstruction with its text only.
func sig(text string) res { return res{"text": text} }

// timingCode is a dosageInstruction of dose with a timing.code.
func timingCode(dose res, code res) res {
	return di(dose, nil, "timing", res{"code": code})
}

// per is a timing.repeat of frequency per period unit.
func per(frequency int, period float64, unit string) res {
	return res{"frequency": frequency, "period": period, "periodUnit": unit}
}

func unitQ(v float64, unit, system, code string) res {
	q := res{"value": v, "unit": unit}
	if system != "" {
		q["system"], q["code"] = system, code
	}
	return q
}

// TestDoseDailyTotal: the daily total against the atopic dermatitis
// maximum, from structured doses in mg or tablets, with the frequency from
// repeat, timing code, or both; N-1, N, N+1 of each maximum.
func TestDoseDailyTotal(t *testing.T) {
	r40 := func() *record { return cleanRecord().born(bornAged(40)) }
	ok := func(name string, d res) accCase { return accCase{name: name, c: sign(r40(), d), noCards: true} }
	above := func(name string, d res, limit int) accCase {
		return accCase{name: name, c: sign(r40(), d), want: w("dose-above-label", "warning"), dose: limit,
			absent: []string{"dose-unknown"}}
	}
	cases := []accCase{
		ok("upadacitinib 15 mg once daily at 40: no card", upaDz(upaRxName, di(mgQ(15), daily))),
		ok("upadacitinib 29 mg/day (N-1): no card", upaDz("upadacitinib", di(mgQ(29), daily))),
		ok("upadacitinib 30 mg/day (N): no card", upaDz(upa30Name, di(mgQ(30), daily))),
		above("upadacitinib 31 mg/day (N+1): above", upaDz("upadacitinib", di(mgQ(31), daily)), 30),
		above("upadacitinib 45 mg once daily (UC/Crohn's induction dose): above the AD maximum", upaDz("upadacitinib 45 MG 24HR Extended Release Oral Tablet", di(mgQ(45), daily)), 30),
		ok("upadacitinib 15 mg BID (repeat 2 per 1 d): 30 mg/day", upaDz(upaRxName, di(mgQ(15), bid))),
		above("upadacitinib 15 mg TID (timing code TID): 45 mg/day", upaDz(upaRxName, timingCode(tabQ(1), coding(gts, "TID"))), 30),
		above("upadacitinib 30 mg every 12 h (period 12 h)", upaDz(upa30Name, di(tabQ(1), per(1, 12, "h"))), 30),
		ok("upadacitinib 30 mg every 24 h", upaDz(upa30Name, di(tabQ(1), per(1, 24, "h")))),
		ok("upadacitinib 30 mg 7 per 1 wk", upaDz(upa30Name, di(tabQ(1), per(7, 1, "wk")))),
		above("upadacitinib 30 mg 14 per 1 wk: 60 mg/day", upaDz(upa30Name, di(tabQ(1), per(14, 1, "wk"))), 30),
		ok("upadacitinib 30 mg timing code QD", upaDz(upa30Name, timingCode(tabQ(1), coding(gts, "QD")))),
		above("upadacitinib 30 mg timing code BID", upaDz(upa30Name, timingCode(tabQ(1), coding(gts, "BID"))), 30),
		ok("abrocitinib 100 mg once daily: no card", abroDz(abroRxName, di(tabQ(1), daily))),
		ok("abrocitinib 199 mg/day (N-1)", abroDz("abrocitinib", di(mgQ(199), daily))),
		ok("abrocitinib 200 mg/day (N)", abroDz(abro200Nm, di(mgQ(200), daily))),
		above("abrocitinib 201 mg/day (N+1)", abroDz("abrocitinib", di(mgQ(201), daily)), 200),
		ok("abrocitinib 100 mg BID: 200 mg/day", abroDz(abroRxName, di(tabQ(1), bid))),
		above("abrocitinib 200 mg BID: 400 mg/day", abroDz(abro200Nm, di(tabQ(1), bid)), 200),
		above("abrocitinib 50 mg tablets, 5 a day: 250 mg/day", abroDz("abrocitinib 50 MG Oral Tablet", di(tabQ(5), daily)), 200),
	}
	runAcc(t, cases)
}

// TestDoseShapes: how EHRs write a dose. Each row would be read wrongly
// (or not at all) if one reading were missing.
func TestDoseShapes(t *testing.T) {
	r40 := func() *record { return cleanRecord().born(bornAged(40)) }
	ok := func(name string, d res) accCase { return accCase{name: name, c: sign(r40(), d), noCards: true} }
	above := func(name string, d res, limit int) accCase {
		return accCase{name: name, c: sign(r40(), d), want: w("dose-above-label", "warning"), dose: limit,
			absent: []string{"dose-unknown"}}
	}
	ndc15, ndc30 := "0074-2306-30", "0074-2310-30"
	contained30 := func(instr res) res {
		m := dz("", "", "", instr)
		delete(m, "medicationCodeableConcept")
		m["contained"] = []any{res{"resourceType": "Medication", "id": "m1", "code": coding(rxnorm, "2196092"),
			"ingredient": []any{res{"itemCodeableConcept": coding(rxnorm, "2196092"), "strength": res{
				"numerator":   unitQ(30, "mg", "http://unitsofmeasure.org", "mg"),
				"denominator": unitQ(1, "tablet", "http://unitsofmeasure.org", "{tbl}")}}}}}
		m["medicationReference"] = res{"reference": "#m1"}
		return m
	}
	localTiming := func(display string) res {
		cc := res{"coding": []any{res{"system": "urn:oid:1.2.840.114350.1.13.0.1.7.10.798268.30", "code": "23"}}}
		if display != "" {
			cc["coding"].([]any)[0].(res)["display"] = display
		}
		return cc
	}
	cases := []accCase{
		// Tablets × the strength of the product: product name, NDC, Medication.ingredient.
		ok("2 tablets of RINVOQ 15 mg (NDC), once daily: 30 mg/day", dz(ndc, ndc15, "RINVOQ", di(tabQ(2), daily))),
		above("2 tablets of RINVOQ 30 mg (NDC), once daily: 60 mg/day", dz(ndc, ndc30, "RINVOQ", di(tabQ(2), daily)), 30),
		above("2 tablets, strength from a contained Medication.ingredient (30 mg)", contained30(di(tabQ(2), daily)), 30),
		above("2 {tbl} of an ER tablet named in the SCD, no timing (once-daily product)", upaDz(upa30Name, di(tabQ(2), nil)), 30),
		above("1 tablet of the 45 mg ER tablet, no timing at all", upaDz("24 HR upadacitinib 45 MG Extended Release Oral Tablet", di(tabQ(1), nil)), 30),
		above("2 tablets of 'upadacitinib 30 mg/1 TABLET, EXTENDED RELEASE' (NDC directory name)", upaDz("upadacitinib 30 mg/1 TABLET, EXTENDED RELEASE", di(tabQ(2), daily)), 30),
		ok("1 tablet of 'UPADACITINIB 15 MG PO TB24', no timing (once-daily ER)", upaDz("UPADACITINIB 15 MG PO TB24", di(tabQ(1), nil))),
		above("Cerner sig '1 tab(s) orally twice a day', abrocitinib 200 mg", abroDz(abro200Nm, sig("1 tab(s) orally twice a day")), 200),
		above("periodUnit spelled 'day' (not the UCUM code)", upaDz(upa30Name, di(tabQ(1), per(2, 1, "day"))), 30),
		// Units as EHRs spell them.
		above("dose unit MG (upper case)", upaDz("upadacitinib", di(unitQ(45, "MG", "", ""), daily)), 30),
		above("dose unit 'milligram' with a SNOMED CT code", upaDz("upadacitinib", di(unitQ(45, "milligram", "http://snomed.info/sct", "258684004"), daily)), 30),
		above("dose unit 'TAB' (v3 orderableDrugForm)", upaDz(upa30Name, di(unitQ(2, "TAB", "http://terminology.hl7.org/CodeSystem/v3-orderableDrugForm", "TAB"), daily)), 30),
		above("dose unit 'Tablet(s)'", upaDz(upa30Name, di(unitQ(2, "Tablet(s)", "", ""), daily)), 30),
		above("dose unit {tbl} read from the code, unit text 'tablet'", abroDz(abro200Nm, di(unitQ(2, "tablet", "http://unitsofmeasure.org", "{tbl}"), daily)), 200),
		// Dose ranges and frequency ranges: the most the order allows.
		above("doseRange 1-2 tablets of 30 mg, once daily: up to 60 mg/day", upaDz(upa30Name, with(di(nil, daily), "doseAndRate", []any{res{"doseRange": res{"low": tabQ(1), "high": tabQ(2)}}})), 30),
		ok("doseRange 1-2 tablets of 15 mg, once daily: up to 30 mg/day", upaDz(upaRxName, with(di(nil, daily), "doseAndRate", []any{res{"doseRange": res{"low": tabQ(1), "high": tabQ(2)}}}))),
		above("frequency 1, frequencyMax 2 per day, 30 mg: up to 60 mg/day", upaDz(upa30Name, di(tabQ(1), res{"frequency": 1, "frequencyMax": 2, "period": 1, "periodUnit": "d"})), 30),
		above("timeOfDay 08:00 and 20:00, no frequency, 30 mg ER", upaDz(upa30Name, di(tabQ(1), res{"timeOfDay": []any{"08:00:00", "20:00:00"}})), 30),
		above("when MORN and EVE, period 1 d, 30 mg ER", upaDz(upa30Name, di(tabQ(1), res{"period": 1, "periodUnit": "d", "when": []any{"MORN", "EVE"}})), 30),
		ok("period 1 d without a frequency: once a day (FHIR default)", upaDz(upaRxName, di(tabQ(1), res{"period": 1, "periodUnit": "d"}))),
		// Timing codes in words or local codes.
		ok("timing.code text 'Once daily' only", upaDz(upaRxName, timingCode(tabQ(1), res{"text": "Once daily"}))),
		above("timing.code text '2 times daily' only", upaDz(upa30Name, timingCode(tabQ(1), res{"text": "2 times daily"})), 30),
		above("local timing code with display 'Twice daily'", upaDz(upa30Name, timingCode(tabQ(1), localTiming("Twice daily"))), 30),
		above("local timing code without display, the sig says twice daily", upaDz(upa30Name, with(timingCode(tabQ(1), localTiming("")), "text", "Take 1 tablet by mouth twice daily")), 30),
		// Free-text sigs only.
		ok("sig '15mg po qd'", upaDz(upaRxName, sig("15mg po qd"))),
		ok("sig 'take 2 tablets by mouth daily', 15 mg NDC: 30 mg/day", dz(ndc, ndc15, "RINVOQ", sig("take 2 tablets by mouth daily"))),
		above("sig 'take 2 tablets by mouth daily', 30 mg tablet", upaDz(upa30Name, sig("take 2 tablets by mouth daily")), 30),
		above("Epic sig '2 (two) times daily', 30 mg", upaDz(upa30Name, sig("Take 1 tablet (30 mg total) by mouth 2 (two) times daily.")), 30),
		ok("Epic sig '2 (two) times daily', abrocitinib 100 mg: 200 mg/day", abroDz(abroRxName, sig("Take 1 tablet (100 mg total) by mouth 2 (two) times daily."))),
		above("sig '2 times a day', RINVOQ 30 mg (no once-daily assumption)", upaDz("RINVOQ 30 mg tablet", sig("Take 1 tablet by mouth 2 times a day")), 30),
		above("sig 'every morning and ... every evening', 30 mg", upaDz(upa30Name, sig("Take 1 tablet every morning and 1 tablet every evening")), 30),
		above("sig 'in the morning and at night', 30 mg", upaDz(upa30Name, sig("1 tablet in the morning and 1 at night")), 30),
		above("sig '2x daily', abrocitinib 200 mg", abroDz(abro200Nm, sig("take 1 tab by mouth 2x daily")), 200),
		ok("sig 'in the morning or in the evening', 30 mg: once, no card", upaDz(upa30Name, sig("Take 1 tablet once a day, in the morning or in the evening"))),
		ok("sig 'daily in the morning', 30 mg: once", upaDz(upa30Name, sig("Take 1 tablet by mouth daily in the morning"))),
		above("sig 'Take 2 x 30 mg tablets once daily'", upaDz("RINVOQ", sig("Take 2 x 30 mg tablets once daily")), 30),
		ok("sig 'Take 2 x 15 mg tablets once daily': 30 mg/day", upaDz("RINVOQ", sig("Take 2 x 15 mg tablets once daily"))),
		above("sig 'every 12 hours', 30 mg", upaDz(upa30Name, sig("30 mg every 12 hours")), 30),
		// The same reading serves the aspirin exception (abrocitinib, first 3 months).
		{name: "aspirin 81 mg, sig '1 tablet 2 (two) times daily' (162 mg/day) with abrocitinib: contraindicated", c: sign(r40().replace(
			with(med("asa", "active", rxnorm, "243670", "aspirin 81 MG Oral Tablet", 10), "dosageInstruction", []any{sig("Take 1 tablet by mouth 2 (two) times daily")})),
			abroDz(abroRxName, di(tabQ(1), daily))), want: w("antiplatelet-abrocitinib", "critical")},
		{name: "aspirin 81 mg, sig '1 tablet by mouth daily' with abrocitinib: low dose, no card", c: sign(r40().replace(
			with(med("asa", "active", rxnorm, "243670", "aspirin 81 MG Oral Tablet", 10), "dosageInstruction", []any{sig("Take 1 tablet by mouth daily")})),
			abroDz(abroRxName, di(tabQ(1), daily))), noCards: true},
		// Several dosage instructions.
		above("45 mg then 15 mg (sequence 1, 2): the highest day counts", upaDz("upadacitinib",
			with(di(mgQ(45), daily), "sequence", 1), with(di(mgQ(15), daily), "sequence", 2)), 30),
		ok("15 mg + 15 mg in the same sequence: 30 mg/day", upaDz("upadacitinib",
			with(di(mgQ(15), daily), "sequence", 1), with(di(mgQ(15), daily), "sequence", 1))),
		above("15 mg morning + 30 mg evening, no sequence: 45 mg/day", upaDz("upadacitinib", di(mgQ(15), daily), di(mgQ(30), daily)), 30),
	}
	runAcc(t, cases)
}

// TestDoseSession: two orders of one drug signed together add up (a
// second draft is not a renewal: nothing on record is replaced).
func TestDoseSession(t *testing.T) {
	r40 := func() *record { return cleanRecord().born(bornAged(40)) }
	second := func(d res) res { d["id"] = "new2"; return d }
	cases := []accCase{
		{name: "upadacitinib 15 mg and 30 mg drafts: 45 mg/day together, keep one order", c: sign(r40(), upaDz(upaRxName, di(tabQ(1), daily)), second(upaDz(upa30Name, sig("Take 1 tablet by mouth daily")))),
			want: w("dose-above-label", "warning"), noDose: true, detailOf: map[string]string{"dose-above-label": "keep one order"}},
		{name: "abrocitinib 100 mg and 200 mg drafts: 300 mg/day together", c: sign(r40(), abroDz(abroRxName, di(tabQ(1), daily)), second(abroDz(abro200Nm, di(tabQ(1), daily)))),
			want: w("dose-above-label", "warning"), noDose: true},
		{name: "order-select: the unselected second draft counts too", c: call{hook: HookOrderSelect, r: r40(),
			drafts: []res{upaDz(upa30Name, di(tabQ(1), daily)), second(upaDz(upaRxName, di(tabQ(1), daily)))}, selections: []string{"MedicationRequest/new"}},
			want: w("dose-above-label", "warning"), noDose: true},
		{name: "upadacitinib 15 mg draft and an unrelated draft: no card", c: sign(r40(), upaDz(upaRxName, di(tabQ(1), daily)), second(drugDraft("x", rxnorm, "161", "acetaminophen 500 MG Oral Tablet"))), noCards: true},
		{name: "upadacitinib 15 mg draft and a cancelled 30 mg draft: no card", c: sign(r40(), upaDz(upaRxName, di(tabQ(1), daily)), with(second(upaDz(upa30Name, di(tabQ(1), daily))), "status", "cancelled")), noCards: true},
		{name: "upadacitinib 15 mg renewal with the active 30 mg order on record (a dose change): no card", c: sign(r40().replace(onceDaily(med("upa-old", "active", rxnorm, "2196092", upa30Name, 30))), upaDz(upaRxName, di(tabQ(1), daily))), onlyInfo: true},
	}
	runAcc(t, cases)
}

// TestDoseNotReadable: an order whose daily dose cannot be read says that
// the dose was not checked (info), never passes silently, and never
// invents a dose; a finding that names the dose to use says it instead.
func TestDoseNotReadable(t *testing.T) {
	r40 := func() *record { return cleanRecord().born(bornAged(40)) }
	unread := func(name string, d res) accCase {
		return accCase{name: name, c: sign(r40(), d), want: w("dose-unknown", "info"), onlyInfo: true, noDose: true,
			detailOf: map[string]string{"dose-unknown": "could not be determined"}}
	}
	cases := []accCase{
		unread("upadacitinib with no dosageInstruction", upaDz(upaRxName)),
		unread("abrocitinib with no dosageInstruction", abroDz(abroRxName)),
		unread("a dose in puffs", upaDz(upaRxName, di(unitQ(1, "puff", "", ""), daily))),
		unread("tablets, strength nowhere", upaDz("upadacitinib tablet", di(tabQ(1), daily))),
		unread("sig with no amount ('use as directed')", abroDz(abroRxName, sig("use as directed"))),
		unread("sig with conflicting frequencies", upaDz(upaRxName, with(di(tabQ(1), nil), "text", "once daily for 2 weeks then twice daily"))),
		unread("immediate-release abrocitinib, 1 tablet, no frequency", abroDz(abroRxName, di(tabQ(1), nil))),
		// timing.repeat.frequency is a positiveInt: 0 is no frequency that
		// can be read, not "absent" (once a day); 1 is read (failsafe18 Q1).
		unread("frequency 0 per 1 d (not a positiveInt)", upaDz(upaRxName, di(mgQ(15), per(0, 1, "d")))),
		unread("frequency 1, frequencyMax 0 per 1 d", upaDz(upaRxName, di(mgQ(15), res{"frequency": 1, "frequencyMax": 0, "period": 1, "periodUnit": "d"}))),
		unread("abrocitinib frequency 0 per 1 d", abroDz(abroRxName, di(mgQ(100), per(0, 1, "d")))),
		unread("half a 30 mg extended-release tablet (RINVOQ is swallowed whole)", upaDz(upa30Name, di(tabQ(0.5), daily))),
		{name: "no dose, aged 70, upadacitinib: the 15 mg age limit, not a second card", c: sign(cleanRecord().born(bornAged(70)).drop("hcg"), upaDz(upaRxName)),
			want: w("lower-dose-recommended", "warning"), absent: []string{"dose-unknown"}, dose: 15},
		{name: "no dose, eGFR 45, abrocitinib: 50 mg, and the renal card says the dose was not read", c: sign(r40().replace(egfr(45, "mL/min/{1.73_m2}", "", 10)), abroDz(abroRxName)),
			want: w("renal-impairment", "warning"), absent: []string{"dose-unknown"}, dose: 50,
			detailOf: map[string]string{"renal-impairment": "could not be determined"}},
		{name: "no dose, eGFR 10, upadacitinib: not recommended at any dose, no dose card", c: sign(r40().replace(egfr(10, "mL/min/{1.73_m2}", "", 10)), upaDz(upaRxName)),
			want: w("renal-impairment", "critical"), absent: []string{"dose-unknown"}, noDose: true},
		{name: "no dose, aged 11: not approved, no dose card", c: sign(cleanRecord().born(bornAged(11)).drop("hcg"), upaDz(upaRxName)),
			want: w("age-not-approved", "critical"), absent: []string{"dose-unknown"}, noDose: true},
	}
	runAcc(t, cases)
}

// TestDoseThresholds: the reduced doses at N-1, N and N+1 with orders
// written in tablets of a product (NDC) or as a sig, and the rows that
// must stay quiet.
func TestDoseThresholds(t *testing.T) {
	upa30NDC := func() res { return dz(ndc, "0074-2310-30", "RINVOQ", di(tabQ(1), daily)) }
	upa30Sig := func() res { return upaDz(upa30Name, sig("Take 1 tablet by mouth once daily")) }
	abro200Sig := func() res { return abroDz(abro200Nm, sig("200 mg po qd")) }
	eg := func(v float64) *record {
		return cleanRecord().born(bornAged(40)).replace(egfr(v, "mL/min/{1.73_m2}", "", 10))
	}
	clari := med("clari", "active", rxnorm, "21212", "clarithromycin 500 MG Oral Tablet", 3)
	fluox := med("fluox", "active", rxnorm, "4493", "fluoxetine 20 MG Oral Capsule", 60)
	// An abrocitinib course at 50 mg that started days ago, eGFR 45: the
	// label allows 100 mg after 12 weeks (84 days) at 50 mg.
	renal50 := func(days int) *record {
		r := cleanRecord().born(bornAged(40)).replace(egfr(45, "mL/min/{1.73_m2}", "", 10))
		r.medications = append(r.medications, courseMed("abro-1", "MedicationRequest", "active", "abrocitinib", 50, days))
		return r
	}
	abro100Sig := func() res { return abroDz(abroRxName, sig("Take 1 tablet (100 mg total) by mouth once daily")) }
	cases := []accCase{
		{name: "renewal to 100 mg, eGFR 45, 83 days at 50 mg: 50 mg", c: sign(renal50(83), abro100Sig()), want: w("renal-impairment", "warning"), dose: 50},
		{name: "renewal to 100 mg, eGFR 45, 84 days at 50 mg: 100 mg allowed", c: sign(renal50(84), abro100Sig()), want: w("renal-impairment", "warning"), noDose: true},
		{name: "renewal to 100 mg, eGFR 45, 85 days at 50 mg: 100 mg allowed", c: sign(renal50(85), abro100Sig()), want: w("renal-impairment", "warning"), noDose: true},
		{name: "renewal to 200 mg, eGFR 45, 85 days at 50 mg: 100 mg", c: sign(renal50(85), abroDz(abro200Nm, sig("200 mg po qd"))), want: w("renal-impairment", "warning"), dose: 100},
		{name: "upadacitinib 30 (NDC) at 64: no card", c: sign(cleanRecord().born(bornAged(64)), upa30NDC()), noCards: true},
		{name: "upadacitinib 30 (NDC) at 65: 15 mg", c: sign(cleanRecord().born(bornAged(65)).drop("hcg"), upa30NDC()), want: w("lower-dose-recommended", "warning"), dose: 15},
		{name: "upadacitinib 30 (sig) at 66: 15 mg", c: sign(cleanRecord().born(bornAged(66)).drop("hcg"), upa30Sig()), want: w("lower-dose-recommended", "warning"), dose: 15},
		{name: "upadacitinib 2 x 15 mg (NDC) at 70: 15 mg", c: sign(cleanRecord().born(bornAged(70)).drop("hcg"), dz(ndc, "0074-2306-30", "RINVOQ", di(tabQ(2), daily))),
			want: w("lower-dose-recommended", "warning"), dose: 15},
		{name: "upadacitinib 15 (sig '15mg po qd') at 70: no card", c: sign(cleanRecord().born(bornAged(70)).drop("hcg"), upaDz(upaRxName, sig("15mg po qd"))), noCards: true},
		{name: "upadacitinib 30 (sig), eGFR 14: not recommended", c: sign(eg(14), upa30Sig()), want: w("renal-impairment", "critical"), noDose: true},
		{name: "upadacitinib 30 (sig), eGFR 15: 15 mg", c: sign(eg(15), upa30Sig()), want: w("renal-impairment", "warning"), dose: 15},
		{name: "upadacitinib 30 (sig), eGFR 29: 15 mg", c: sign(eg(29), upa30Sig()), want: w("renal-impairment", "warning"), dose: 15},
		{name: "upadacitinib 30 (sig), eGFR 30: no card", c: sign(eg(30), upa30Sig()), noCards: true},
		{name: "upadacitinib 30 (sig), eGFR 31: no card", c: sign(eg(31), upa30Sig()), noCards: true},
		{name: "abrocitinib 200 (sig), eGFR 29: not recommended", c: sign(eg(29), abro200Sig()), want: w("renal-impairment", "critical"), noDose: true},
		{name: "abrocitinib 200 (sig), eGFR 30: 50 mg", c: sign(eg(30), abro200Sig()), want: w("renal-impairment", "warning"), dose: 50},
		{name: "abrocitinib 200 (sig), eGFR 59: 50 mg", c: sign(eg(59), abro200Sig()), want: w("renal-impairment", "warning"), dose: 50},
		{name: "abrocitinib 200 (sig), eGFR 60: no card", c: sign(eg(60), abro200Sig()), noCards: true},
		{name: "abrocitinib 200 (sig), eGFR 61: no card", c: sign(eg(61), abro200Sig()), noCards: true},
		{name: "upadacitinib 30 (NDC) with clarithromycin: 15 mg", c: sign(cleanRecord().replace(clari), upa30NDC()), want: w("cyp-interaction", "warning"), dose: 15},
		{name: "upadacitinib 2 x 15 mg BID sig with clarithromycin: 15 mg", c: sign(cleanRecord().replace(clari), dz(ndc, "0074-2306-30", "RINVOQ", sig("Take 1 tablet by mouth 2 (two) times daily"))),
			want: w("cyp-interaction", "warning"), dose: 15},
		{name: "upadacitinib 30 with ketoconazole 2 % cream: not systemic, no card", c: sign(cleanRecord().replace(med("keto", "active", rxnorm, "6135", "ketoconazole 2 % Topical Cream", 10)), upa30NDC()), noCards: true},
		{name: "upadacitinib 30 with ketoconazole shampoo (by name): no card", c: sign(cleanRecord().replace(med("keto", "active", "", "", "ketoconazole 20 MG/ML Medicated Shampoo", 10)), upa30NDC()), noCards: true},
		{name: "upadacitinib 30 with ketoconazole 200 mg tablets: 15 mg", c: sign(cleanRecord().replace(med("keto", "active", "", "", "ketoconazole 200 MG Oral Tablet", 10)), upa30NDC()), want: w("cyp-interaction", "warning"), dose: 15},
		{name: "ketoconazole shampoo ordered for a patient on upadacitinib 30 mg: no card", c: sign(func() *record {
			r := cleanRecord()
			r.medications = append(r.medications, courseMed("upa-1", "MedicationRequest", "active", "upadacitinib", 30, 40))
			return r
		}(), drugDraft("keto", "", "", "ketoconazole 2 % Shampoo")), noCards: true},
		{name: "ketoconazole tablets ordered for a patient on upadacitinib 30 mg: the course dose to 15 mg", c: sign(func() *record {
			r := cleanRecord()
			r.medications = append(r.medications, courseMed("upa-1", "MedicationRequest", "active", "upadacitinib", 30, 40))
			return r
		}(), drugDraft("keto", rxnorm, "6135", "ketoconazole 200 MG Oral Tablet")), want: w("cyp-interaction", "warning")},
		{name: "abrocitinib 200 (sig) with fluoxetine: 50 mg", c: sign(cleanRecord().replace(fluox), abro200Sig()), want: w("cyp-interaction", "warning"), dose: 50},
		{name: "abrocitinib 200 (sig), CYP2C19 poor metabolizer: 50 mg", c: sign(cleanRecord().replace(cyp2c19PM("Poor metabolizer")), abro200Sig()),
			want: w("cyp2c19-poor-metabolizer", "warning"), dose: 50},
		{name: "abrocitinib 50 mg BID sig ('2 (two) times daily'), CYP2C19 poor metabolizer: 100 mg/day is above 50", c: sign(cleanRecord().replace(cyp2c19PM("Poor metabolizer")),
			abroDz("abrocitinib 50 MG Oral Tablet", sig("Take 1 tablet by mouth 2 (two) times daily"))), want: w("cyp2c19-poor-metabolizer", "warning"), dose: 50},
		{name: "upadacitinib 30 (sig), Child-Pugh B: no adjustment, no card", c: sign(cleanRecord().replace(cond("x", icd, "K74.60", "active")).replace(res{"resourceType": "Observation", "id": "cp", "status": "final",
			"effectiveDateTime": ago(30), "code": res{"text": "Child-Pugh score"}, "valueString": "Class B"}), upa30Sig()), noCards: true},
		{name: "abrocitinib 200 (sig), Child-Pugh C: not recommended, no dose", c: sign(cleanRecord().replace(cond("x", icd, "K74.60", "active")).replace(res{"resourceType": "Observation", "id": "cp", "status": "final",
			"effectiveDateTime": ago(30), "code": res{"text": "Child-Pugh score"}, "valueString": "Class C"}), abro200Sig()), want: w("severe-hepatic-impairment", "critical"), noDose: true},
	}
	runAcc(t, cases)
}
