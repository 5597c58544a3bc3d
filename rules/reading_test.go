package rules

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// Issue 13 and contract 6.5: reading real EHR data. Each test builds the
// FHIR-shaped record a hospital would send.

// TestWindowBoundaries checks every windowed order-time rule at N-1, N and
// N+1 days (date-only values, midnight UTC; now is 10:00 UTC): a result
// dated exactly N days before today is inside its window.
func TestWindowBoundaries(t *testing.T) {
	e := mustEngine(t, decKnowledge())
	cfg := DefaultConfig()
	type rule struct {
		name   string
		window time.Duration
		// place puts the dated item in a clean record; inside reports
		// whether the findings show it counted.
		place  func(r *Record, date time.Time)
		order  Medication
		inside func(fs []Finding) bool
	}
	has := func(code string) func([]Finding) bool {
		return func(fs []Finding) bool { _, ok := findingOf(fs, code); return ok }
	}
	hasNot := func(code string) func([]Finding) bool {
		return func(fs []Finding) bool { _, ok := findingOf(fs, code); return !ok }
	}
	redate := func(i int) func(r *Record, d time.Time) {
		return func(r *Record, d time.Time) { r.Observations[i].Date = d }
	}
	woman := func(r *Record) { r.Patient.Gender = "female"; r.Patient.BirthDate = daysAgo(30*365 + 20) }
	rules := []rule{
		{"TB test 12 months", cfg.TBWindow, redate(0), upaOrder(15), hasNot(TBScreeningMissing)},
		{"HBsAg 12 months", cfg.HBVWindow, redate(1), upaOrder(15), hasNot(HBVScreeningMissing)},
		{"HCV antibody 12 months", cfg.HCVWindow, redate(3), upaOrder(15), hasNot(HCVScreeningMissing)},
		{"CBC 90 days (neutrophils)", cfg.CBCWindow, redate(5), upaOrder(15), hasNot(CBCMissing)},
		{"CBC 90 days: a low ALC that old still counts", cfg.CBCWindow, func(r *Record, d time.Time) {
			r.Observations[4].Date, r.Observations[4].Quantity = d, &Quantity{Value: 0.3, Unit: "K/mcL"}
		}, upaOrder(15), has(Lymphopenia)},
		{"ALT 90 days", cfg.LiverWindow, redate(8), upaOrder(15), hasNot(LiverEnzymesMissing)},
		{"LDL 12 months", cfg.LipidWindow, redate(9), upaOrder(15), hasNot(LipidsMissing)},
		{"eGFR 12 months", cfg.EGFRWindow, func(r *Record, d time.Time) {
			r.Observations[10].Date, r.Observations[10].Quantity.Value = d, 45
		}, abroOrder(100), func(fs []Finding) bool {
			// Outside the window the old eGFR still gives a warning to
			// check it (staleEGFR), but it sets no dose.
			f, ok := findingOf(fs, RenalImpairment)
			return ok && f.DoseLimitMg > 0
		}},
		{"positive hCG 30 days", cfg.PregnancyTestWindow, func(r *Record, d time.Time) {
			woman(r)
			o := answer("hcg", "2106-3", 0, sctPositive)
			o.Date = d
			r.Observations = append(r.Observations, o)
		}, upaOrder(15), has(Pregnancy)},
		{"negative hCG 30 days", cfg.PregnancyTestWindow, func(r *Record, d time.Time) {
			woman(r)
			o := answer("hcg", "2106-3", 0, sctNegative)
			o.Date = d
			r.Observations = append(r.Observations, o)
		}, upaOrder(15), hasNot(PregnancyTestMissing)},
		{"live vaccine 28 days", cfg.LiveVaccineWindow, func(r *Record, d time.Time) {
			r.Immunizations = append(r.Immunizations, Immunization{ID: "Immunization/zostavax", Codes: cvx("121"), Status: "completed", Date: d})
		}, upaOrder(15), has(LiveVaccineRecent)},
	}
	for _, rl := range rules {
		n := int(windowDays(rl.window))
		for _, tc := range []struct {
			days   int
			inside bool
		}{{n - 1, true}, {n, true}, {n + 1, false}} {
			t.Run(rl.name+"/"+number(float64(tc.days))+" days", func(t *testing.T) {
				r := cleanRecord()
				rl.place(r, dateOnlyDaysAgo(tc.days))
				fs := evalOrder(t, e, r, rl.order)
				if got := rl.inside(fs); got != tc.inside {
					t.Errorf("counted = %v, want %v (findings %v)", got, tc.inside, codesOf(fs))
				}
			})
		}
	}
}

// TestWindowTimeZones: a result's day is the day it was written with, in
// its own zone.
func TestWindowTimeZones(t *testing.T) {
	e := mustEngine(t, decKnowledge())
	boundary := testNow.AddDate(0, 0, -90) // 2026-08-31
	y, m, d := boundary.Date()
	tests := []struct {
		name   string
		date   time.Time
		inside bool
	}{
		{"boundary day, late evening in New York (next day in UTC)", time.Date(y, m, d, 23, 30, 0, 0, time.FixedZone("EST", -5*3600)), true},
		{"boundary day, early morning in Tokyo (previous day in UTC)", time.Date(y, m, d, 1, 0, 0, 0, time.FixedZone("JST", 9*3600)), true},
		{"the day before, late in Tokyo", time.Date(y, m, d-1, 23, 0, 0, 0, time.FixedZone("JST", 9*3600)), false},
		{"boundary day at midnight UTC (date-only)", time.Date(y, m, d, 0, 0, 0, 0, time.UTC), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := cleanRecord()
			r.Observations[5].Date = tc.date
			_, missing := findingOf(evalOrder(t, e, r, upaOrder(15)), CBCMissing)
			if missing == tc.inside {
				t.Errorf("cbc-missing = %v, want the ANC counted = %v", missing, tc.inside)
			}
		})
	}
	// A result dated today in a zone ahead of UTC is not "in the future".
	r := cleanRecord()
	r.Observations[5].Date = time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
	now := time.Date(2026, 11, 29, 0, 30, 0, 0, time.FixedZone("JST", 9*3600))
	if fs := e.EvaluateOrders(r, Session{}, []Medication{upaOrder(15)}, now); hasCode(fs, CBCMissing) {
		t.Error("a date-only result of today was treated as a future result")
	}
}

func hasCode(fs []Finding, code string) bool { _, ok := findingOf(fs, code); return ok }

// TestMonitoringBoundaries: abrocitinib checks are due 4 weeks after the
// start (28 days: due; 27: not); the repeating upadacitinib checks are due
// once the last result is older than 12 weeks (84 days ago: still inside).
func TestMonitoringBoundaries(t *testing.T) {
	e := mustEngine(t, decKnowledge())
	for _, tc := range []struct {
		days int
		due  bool
	}{{27, false}, {28, true}, {29, true}} {
		t.Run("abrocitinib started "+number(float64(tc.days))+" days ago", func(t *testing.T) {
			fs := e.EvaluatePatientView(patientOn(activeAbro(tc.days)), testNow)
			if hasCode(fs, MonitoringCBCDue) != tc.due {
				t.Errorf("monitoring-cbc-due = %v, want %v", !tc.due, tc.due)
			}
		})
	}
	for _, tc := range []struct {
		days int
		due  bool
	}{{83, false}, {84, false}, {85, true}} {
		t.Run("upadacitinib, last CBC "+number(float64(tc.days))+" days ago", func(t *testing.T) {
			r := withObs(patientOn(activeUpa(300)), quantity("ldl", "13457-7", 200, 100, "mg/dL"), quantity("alt", "1742-6", 10, 20, "U/L"))
			o := quantity("hb", "718-7", 0, 13, "g/dL")
			o.Date = dateOnlyDaysAgo(tc.days)
			r.Observations = append(r.Observations, o)
			fs := e.EvaluatePatientView(r, testNow)
			if hasCode(fs, MonitoringCBCDue) != tc.due {
				t.Errorf("monitoring-cbc-due = %v, want %v (%v)", !tc.due, tc.due, codesOf(fs))
			}
		})
	}
}

// TestQuantitativeHCG: contract 6.5. A quantitative hCG with no
// interpretation must give pregnancy or pregnancy-test-missing, never
// nothing; 5-24 mIU/mL is indeterminate, not negative.
func TestQuantitativeHCG(t *testing.T) {
	e := mustEngine(t, decKnowledge())
	interp := func(code string) []Coding { return []Coding{{System: systemInterpretation, Code: code}} }
	hcg := func(v float64, unit string) Observation { return quantity("hcg", "2118-8", 3, v, unit) }
	tests := []struct {
		name     string
		obs      Observation
		want     string // pregnancy, pregnancy-test-missing or "" (a negative test)
		evidence string
	}{
		{"2500 mIU/mL, no flag: positive", hcg(2500, "mIU/mL"), Pregnancy, "2,500 mIU/mL"},
		{"25 mIU/mL: positive (boundary)", hcg(25, "mIU/mL"), Pregnancy, ""},
		{"24 mIU/mL: indeterminate, repeat", hcg(24, "mIU/mL"), PregnancyTestMissing, "indeterminate"},
		{"5 mIU/mL: indeterminate (boundary)", hcg(5, "mIU/mL"), PregnancyTestMissing, "not a negative test"},
		{"4.9 mIU/mL: negative", hcg(4.9, "mIU/mL"), "", ""},
		{"30 [IU]/L: positive", hcg(30, "[IU]/L"), Pregnancy, ""},
		{"30 IU/L: positive", hcg(30, "IU/L"), Pregnancy, ""},
		{"<5 mIU/mL: negative", func() Observation { o := hcg(5, "mIU/mL"); o.Quantity.Comparator = "<"; return o }(), "", ""},
		{"10 mIU/mL flagged H: still indeterminate", func() Observation { o := hcg(10, "mIU/mL"); o.Interpretation = interp("H"); return o }(), PregnancyTestMissing, ""},
		{"3 mIU/mL but coded Positive: positive", func() Observation { o := hcg(3, "mIU/mL"); o.ValueCodes = snomed(sctPositive); return o }(), Pregnancy, ""},
		{"2500 with no unit and no flag: test to repeat, unit named", hcg(2500, ""), PregnancyTestMissing, "no unit"},
		{"2500 ng/mL: unit not recognised, named", hcg(2500, "ng/mL"), PregnancyTestMissing, `unit "ng/mL" not recognised`},
		{"2500 with no unit, interpretation POS: positive", func() Observation { o := hcg(2500, ""); o.Interpretation = interp("POS"); return o }(), Pregnancy, ""},
		{"qualitative urine test negative", answer("hcg", "2106-3", 3, sctNegative), "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := cleanRecord()
			r.Patient.Gender, r.Patient.BirthDate = "female", daysAgo(28*365+40)
			r.Observations = append(r.Observations, tc.obs)
			fs := evalOrder(t, e, r, abroOrder(100))
			preg, missing := hasCode(fs, Pregnancy), hasCode(fs, PregnancyTestMissing)
			switch tc.want {
			case Pregnancy:
				if !preg || missing {
					t.Fatalf("findings %v, want pregnancy only", codesOf(fs))
				}
			case PregnancyTestMissing:
				if preg || !missing {
					t.Fatalf("findings %v, want pregnancy-test-missing only", codesOf(fs))
				}
			default:
				if preg || missing {
					t.Fatalf("findings %v, want neither", codesOf(fs))
				}
			}
			if tc.evidence != "" {
				if ev := evidenceText(wantFinding(t, fs, tc.want)); !strings.Contains(ev, tc.evidence) {
					t.Errorf("evidence %q lacks %q", ev, tc.evidence)
				}
			}
		})
	}
}

// TestCountUnitsEndToEnd: the US lab spellings of issue 13 reach the
// thresholds, at order time and on patient-view.
func TestCountUnitsEndToEnd(t *testing.T) {
	e := mustEngine(t, decKnowledge())
	r := cleanRecord()
	r.Observations[4].Quantity = &Quantity{Value: 0.3, Unit: "K/mcL"}
	r.Observations[5].Quantity = &Quantity{Value: 800, Unit: "cells/mcL"}
	fs := evalOrder(t, e, r, upaOrder(15))
	checkCodes(t, fs, []string{Lymphopenia, Neutropenia}, []string{CBCMissing})

	pv := withObs(patientOn(activeAbro(60)), quantity("plt", "777-3", 10, 45, "K/mcL"))
	checkCodes(t, e.EvaluatePatientView(pv, testNow), []string{Thrombocytopenia}, nil)

	// An unrecognised unit is not used: cbc-missing names it at order time,
	// and on treatment the count does not vanish silently.
	r = cleanRecord()
	r.Observations[5].Quantity = &Quantity{Value: 800, Unit: "furlongs"}
	f := wantFinding(t, evalOrder(t, e, r, upaOrder(15)), CBCMissing)
	if !strings.Contains(evidenceText(f), `unit "furlongs" not recognised`) {
		t.Errorf("evidence = %q", evidenceText(f))
	}
	pv = withObs(patientOn(activeAbro(60)), quantity("plt", "777-3", 10, 45, "furlongs"), quantity("hb", "718-7", 10, 13, "g/dL"),
		quantity("alt", "1742-6", 10, 20, "U/L"), quantity("ldl", "13457-7", 10, 100, "mg/dL"))
	fs = e.EvaluatePatientView(pv, testNow)
	f = wantFinding(t, fs, MonitoringCBCDue)
	if !strings.Contains(evidenceText(f), `unit "furlongs" not recognised`) || hasCode(fs, Thrombocytopenia) {
		t.Errorf("findings %v, evidence %q", codesOf(fs), evidenceText(f))
	}
}

func TestNormNDC(t *testing.T) {
	tests := []struct{ in, want string }{
		{"0074-2310-30", "00074231030"},  // 4-4-2
		{"12345-678-90", "12345067890"},  // 5-3-2
		{"12345-6789-0", "12345678900"},  // 5-4-1
		{"00074-2310-30", "00074231030"}, // 5-4-2
		{"00074231030", "00074231030"},   // 11 digits
		{" 0074-2310-30 ", "00074231030"},
		{"0074231030", "0074231030"}, // 10 digits without hyphens: layout unknown, kept (tried in each layout when matched)
		{"0074-2310", "000742310"},   // a product NDC without package: 4-4
		{"00074-2310", "000742310"},  // 5-4
		{"12345-678", "123450678"},   // 5-3
		{"ABCDE-1234-12", "ABCDE-1234-12"},
	}
	for _, tc := range tests {
		if got := normCode(SystemNDC, tc.in); got != tc.want {
			t.Errorf("normCode(NDC, %q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// Every NDC spelling of one package matches the set, whatever its form.
	k := decKnowledge()
	for _, code := range []string{"0074-2310-30", "00074-2310-30", "00074231030"} {
		if d, _, ok := recognize(k, Medication{Codes: codings(SystemNDC, code)}); !ok || d != Upadacitinib {
			t.Errorf("NDC %s not recognised as upadacitinib", code)
		}
	}
	if _, _, ok := recognize(k, Medication{Codes: codings(SystemNDC, "0074-2310-31")}); ok {
		t.Error("another package matched")
	}
	// The real value sets: a 10-digit NDC without hyphens (4-4-2 read),
	// product codes in 4-4 and 5-4, and a package the set does not list
	// of a product it does (any package of RINVOQ 30 mg is RINVOQ 30 mg).
	real, err := LoadKnowledge(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"0074231030", "0074-2310", "00074-2310", "000742310", "00074-2310-90", "0069033530", "00069-0335"} {
		if _, _, ok := recognize(real, Medication{Codes: codings(SystemNDC, code)}); !ok {
			t.Errorf("NDC %s not recognised", code)
		}
	}
	if mg, _, ok := real.Strength(VSUpadacitinib, codings(SystemNDC, "0074231030")); !ok || mg != 30 {
		t.Errorf("strength of NDC 0074231030 = %v %v, want 30", mg, ok)
	}
	if _, _, ok := recognize(real, Medication{Codes: codings(SystemNDC, "0074239930")}); ok {
		t.Error("an unknown 10-digit NDC matched")
	}
}

func TestProductExtensions(t *testing.T) {
	file := func(ext string) []byte {
		return []byte(`{"resourceType":"ValueSet","id":"upadacitinib","expansion":{"contains":[
			{"system":"` + SystemRxNorm + `","code":"test-scd-15","display":"upadacitinib 15 MG ER tablet","extension":[
			{"url":"` + ExtSource + `","valueString":"test"},{"url":"` + ExtGrade + `","valueCode":"B"}` + ext + `]}]}}`)
	}
	vs, err := parseValueSet(file(`,{"url":"`+ExtStrengthMg+`","valueDecimal":15},{"url":"`+ExtTTY+`","valueCode":"SCD"}`), "t.json", false)
	if err != nil {
		t.Fatal(err)
	}
	if c := vs.Codes[0]; c.StrengthMg != 15 || c.TTY != "SCD" {
		t.Errorf("code = %+v", c)
	}
	for _, bad := range []string{
		`,{"url":"` + ExtStrengthMg + `","valueDecimal":0}`,
		`,{"url":"` + ExtStrengthMg + `","valueString":"15"}`,
		`,{"url":"` + ExtTTY + `","valueCode":"XYZ"}`,
	} {
		if _, err := parseValueSet(file(bad), "t.json", false); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
	// A code without them has none.
	vs, err = parseValueSet(file(""), "t.json", false)
	if err != nil || vs.Codes[0].StrengthMg != 0 || vs.Codes[0].TTY != "" {
		t.Errorf("code = %+v, %v", vs.Codes[0], err)
	}
	var raw map[string]any
	if err := json.Unmarshal(file(""), &raw); err != nil {
		t.Fatal(err)
	}
}

// TestProductStrengthGivesTheDose: an order coded only by a product whose
// strength the knowledge base knows has a known daily dose.
func TestProductStrengthGivesTheDose(t *testing.T) {
	k := decKnowledge()
	addProduct(k, VSUpadacitinib, "test-scd-30", "upadacitinib 30 MG 24HR ER tablet", 30, "SCD")
	e := mustEngine(t, k)
	order := Medication{ID: "MedicationRequest/o", ResourceType: "MedicationRequest", Status: "draft", Intent: "order",
		Codes: rx("test-scd-30"), Dose: DoseFacts{DoseQuantity: &Quantity{Value: 1, Unit: "{tablet}"}, TimingCode: "QD"}}
	r := cleanRecord()
	r.Patient.BirthDate = daysAgo(70*365 + 10) // 65 or over: 15 mg
	f := wantFinding(t, evalOrder(t, e, r, order), LowerDoseRecommended)
	if !strings.Contains(evidenceText(f), "strength from product code") || f.SuggestedDailyMg != 15 {
		t.Errorf("finding = %+v", f)
	}
}

// TestMedicationStatuses: contract 6.1 and issue 13. Requests: active and
// on-hold current; completed and stopped history; draft, cancelled and
// entered-in-error never. Statements: active, intended and on-hold current;
// completed and stopped history; entered-in-error and not-taken never. An
// intended statement (to be taken) is not an earlier therapy.
func TestMedicationStatuses(t *testing.T) {
	e := mustEngine(t, decKnowledge())
	tests := []struct {
		resource, status string
		current, history bool
	}{
		{"MedicationRequest", "active", true, true},
		{"MedicationRequest", "on-hold", true, true},
		{"MedicationRequest", "completed", false, true},
		{"MedicationRequest", "stopped", false, true},
		{"MedicationRequest", "draft", false, false},
		{"MedicationRequest", "cancelled", false, false},
		{"MedicationRequest", "entered-in-error", false, false},
		{"MedicationRequest", "unknown", false, false},
		{"MedicationStatement", "active", true, true},
		{"MedicationStatement", "intended", true, false}, // to be taken: not an earlier therapy
		{"MedicationStatement", "on-hold", true, true},
		{"MedicationStatement", "completed", false, true},
		{"MedicationStatement", "stopped", false, true},
		{"MedicationStatement", "entered-in-error", false, false},
		{"MedicationStatement", "not-taken", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.resource+" "+tc.status, func(t *testing.T) {
			// Current: an interacting biologic. History: prior systemic therapy.
			dupi := Medication{ID: tc.resource + "/dupi", ResourceType: tc.resource, Status: tc.status, Text: "Dupixent 300 mg/2 mL pen"}
			if tc.resource == "MedicationRequest" {
				dupi.Intent = "order"
			}
			r := cleanRecord()
			r.Medications = []Medication{dupi}
			fs := evalOrder(t, e, r, upaOrder(15))
			if hasCode(fs, CombinationBiologic) != tc.current {
				t.Errorf("combination-biologic = %v, want %v", !tc.current, tc.current)
			}
			if hasCode(fs, NoPriorSystemicTherapy) == tc.history {
				t.Errorf("prior therapy counted = %v, want %v", !tc.history, tc.history)
			}
		})
	}
	// A proposal is not an order.
	r := cleanRecord()
	r.Medications = append(r.Medications, Medication{ID: "MedicationRequest/p", ResourceType: "MedicationRequest", Status: "active", Intent: "proposal", Text: "Dupixent"})
	checkCodes(t, evalOrder(t, e, r, upaOrder(15)), nil, []string{CombinationBiologic})
}

// TestOutsideMedicationsUnavailable: contract 6.1. Without the statements
// the rules still run, and the medication findings say outside medications
// could not be checked.
func TestOutsideMedicationsUnavailable(t *testing.T) {
	e := mustEngine(t, decKnowledge())
	r := cleanRecord()
	r.Unavailable = []string{DataMedicationStatements}
	r.Medications = append(r.Medications, medication("tofa", rx("1357536"), "active"))
	fs := evalOrder(t, e, r, upaOrder(15))
	f := wantFinding(t, fs, CombinationJAK)
	if !strings.Contains(evidenceText(f), "Outside medications (MedicationStatement) could not be checked") {
		t.Errorf("evidence = %q", evidenceText(f))
	}
	found := false
	for _, u := range f.Unchecked {
		found = found || u == DataMedicationStatements
	}
	if !found {
		t.Errorf("Unchecked = %v", f.Unchecked)
	}
	// A finding that reads no medication does not say it.
	r.Observations[5].Quantity.Value = 0.5
	if ev := evidenceText(wantFinding(t, evalOrder(t, e, r, upaOrder(15)), Neutropenia)); strings.Contains(ev, "Outside medications") {
		t.Errorf("neutropenia evidence = %q", ev)
	}
}

// TestDrugRecognitionEveryClass: each drug class is recognised by code,
// by the medication text (generic or brand), by a coding's display only,
// and by a referenced Medication's code (which the decoder puts in Codes).
func TestDrugRecognitionEveryClass(t *testing.T) {
	e := mustEngine(t, decKnowledge())
	type class struct {
		name  string
		order Medication
		code  []Coding // a code of the class
		brand string   // a brand or generic name of the class
		want  string
		edit  func(r *Record)
	}
	positiveIGRA := func(r *Record) { r.Observations[0].ValueCodes = snomed(sctPositive) }
	classes := []class{
		{"other JAK inhibitor", upaOrder(15), rx("1357541"), "Xeljanz 5 mg", CombinationJAK, nil},
		{"biologic", upaOrder(15), rx("327361"), "Dupixent 300 mg pen", CombinationBiologic, nil},
		{"immunosuppressant", upaOrder(15), rx("1256"), "Neoral 100 mg capsule", CombinationImmunosuppressant, nil},
		{"antiplatelet", abroOrder(100), rx("test-prasugrel"), "Plavix 75 mg tablet", AntiplateletAbrocitinib, nil},
		{"strong CYP3A4 inhibitor", upaOrder(30), rx("21212"), "Biaxin 500 mg", CYPInteraction, nil},
		{"strong CYP3A4 inducer", upaOrder(15), rx("2002"), "Rifadin 300 mg", CYPInteraction, nil},
		{"strong CYP2C19 inhibitor", abroOrder(100), rx("4493"), "Prozac 20 mg", CYPInteraction, nil},
		{"dual CYP2C19/CYP2C9 inhibitor", abroOrder(100), rx("4450"), "Diflucan 150 mg", CYPInteraction, nil},
		{"P-gp substrate (NTI)", abroOrder(100), rx("test-digoxin"), "Lanoxin 125 mcg", PgpSubstrate, nil},
	}
	for _, cl := range classes {
		forms := []struct {
			how string
			m   Medication
		}{
			{"code", Medication{Codes: cl.code}},
			{"text", Medication{Text: cl.brand}},
			{"display only", Medication{Codes: []Coding{{System: "urn:local", Code: "x1", Display: cl.brand}}}},
			{"outside statement by text", Medication{ResourceType: "MedicationStatement", Text: cl.brand}},
		}
		for _, f := range forms {
			t.Run(cl.name+"/"+f.how, func(t *testing.T) {
				m := f.m
				m.ID, m.Status = "MedicationRequest/x", "active"
				if m.ResourceType == "" {
					m.ResourceType, m.Intent = "MedicationRequest", "order"
				} else {
					m.ID = "MedicationStatement/x"
				}
				r := cleanRecord()
				if cl.edit != nil {
					cl.edit(r)
				}
				r.Medications = append(r.Medications, m)
				checkCodes(t, evalOrder(t, e, r, cl.order), []string{cl.want}, nil)
			})
		}
	}
	// TB treatment by code or name counts as treated latent TB.
	for _, m := range []Medication{medication("inh", rx("test-isoniazid"), "completed"), {ID: "MedicationStatement/inh", ResourceType: "MedicationStatement", Status: "completed", Text: "isoniazid 300 mg"}} {
		r := cleanRecord()
		positiveIGRA(r)
		r.Medications = append(r.Medications, m)
		checkCodes(t, evalOrder(t, e, r, upaOrder(15)), nil, []string{TBLatentUntreated, TBScreeningMissing})
	}
	// A trigger drug by NDC, brand text or display.
	for _, m := range []Medication{
		{Codes: codings(SystemNDC, "0074-2310-30")},
		{Text: "RINVOQ 30 mg"},
		{Codes: []Coding{{System: "urn:local", Code: "7", Display: "Cibinqo 100 mg tablet"}}},
	} {
		if _, _, ok := e.Recognize(m); !ok {
			t.Errorf("%+v not recognised", m)
		}
	}
}

// TestAspirinDoseInText: contract 6.5, aspirin counts as low-dose (≤ 81
// mg/day) when the dose is structured or written in the text.
func TestAspirinDoseInText(t *testing.T) {
	e := mustEngine(t, decKnowledge())
	asa := func(text, sig string, edit func(*Medication)) Medication {
		m := Medication{ID: "MedicationRequest/asa", ResourceType: "MedicationRequest", Status: "active", Intent: "order", Text: text,
			Dose: DoseFacts{DosageText: sig}}
		if edit != nil {
			edit(&m)
		}
		return m
	}
	tests := []struct {
		name    string
		m       Medication
		flagged bool
	}{
		{"aspirin 81 mg, strength only in the sig", asa("aspirin", "81 mg by mouth daily", nil), false},
		{"aspirin 81 mg in the name, no sig", asa("aspirin 81 mg", "", nil), false},
		{"aspirin 81 mg EC tablet, take 1 tablet daily", asa("aspirin 81 MG Delayed Release Oral Tablet", "Take 1 tablet (81 mg) by mouth once daily", nil), false},
		{"aspirin 81 mg twice daily: 162 mg", asa("aspirin 81 mg", "1 tablet twice daily", nil), true},
		{"aspirin 81 mg, take 2 tablets: 162 mg", asa("aspirin 81 mg tablet", "take 2 tablets", nil), true},
		{"aspirin 325 mg in the sig", asa("aspirin", "325 mg daily", nil), true},
		{"aspirin, no dose anywhere", asa("aspirin", "", nil), true},
		{"aspirin, sig with a dose that disagrees with the strength", asa("aspirin 81 mg tablet", "1 tablet (325 mg) daily", nil), true},
		{"aspirin 81 mg, structured once daily", asa("aspirin 81 mg", "", func(m *Medication) {
			m.Dose.DoseQuantity, m.Dose.TimingCode = &Quantity{Value: 1, Unit: "{tablet}"}, "QD"
		}), false},
		{"aspirin 81 mg, unreadable timing code", asa("aspirin 81 mg", "", func(m *Medication) { m.Dose.TimingCode = "XYZ" }), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := cleanRecord()
			r.Medications = append(r.Medications, tc.m)
			if got := hasCode(evalOrder(t, e, r, abroOrder(100)), AntiplateletAbrocitinib); got != tc.flagged {
				t.Errorf("antiplatelet-abrocitinib = %v, want %v", got, tc.flagged)
			}
		})
	}
}

func TestDoseFromDosageText(t *testing.T) {
	tests := []struct {
		name string
		m    Medication
		want float64
		ok   bool
	}{
		{"Rinvoq, sig with tablets and mg", Medication{Text: "Rinvoq 15 mg", Dose: DoseFacts{DosageText: "Take 1 tablet (15 mg) by mouth once daily"}}, 15, true},
		{"mg only", Medication{Text: "abrocitinib", Dose: DoseFacts{DosageText: "100 mg once daily"}}, 100, true},
		{"mg per day", Medication{Text: "abrocitinib", Dose: DoseFacts{DosageText: "200 mg/day"}}, 200, true},
		{"two tablets twice a day of 50 mg", Medication{Text: "Cibinqo 50 mg", Dose: DoseFacts{DosageText: "two tablets twice a day"}}, 200, true},
		{"tablets without a strength", Medication{Text: "upadacitinib", Dose: DoseFacts{DosageText: "1 tablet daily"}}, 0, false},
		{"mg per kg is not a dose", Medication{Text: "x", Dose: DoseFacts{DosageText: "5 mg/kg daily"}}, 0, false},
		{"two different amounts", Medication{Text: "x", Dose: DoseFacts{DosageText: "15 mg daily or 30 mg daily"}}, 0, false},
		{"a dose without a frequency is not guessed", Medication{Text: "abrocitinib", Dose: DoseFacts{DosageText: "100 mg"}}, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, how, ok := DailyDose(tc.m)
			if ok != tc.ok || got != tc.want {
				t.Errorf("DailyDose = %v, %v (%s); want %v, %v", got, ok, how, tc.want, tc.ok)
			}
		})
	}
}
