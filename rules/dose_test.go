package rules

import (
	"math"
	"strings"
	"testing"
)

func TestStrengthMg(t *testing.T) {
	tests := []struct {
		text   string
		want   float64
		wantOK bool
	}{
		{"upadacitinib 30 MG 24HR Extended Release Oral Tablet", 30, true},
		{"24 HR upadacitinib 15 MG Extended Release Oral Tablet [Rinvoq]", 15, true},
		{"Rinvoq 15 mg", 15, true},
		{"CIBINQO 200MG tablet", 200, true},
		{"abrocitinib 100 MG Oral Tablet", 100, true},
		{"abrocitinib 50 mg oral tablet [Cibinqo] 50 MG", 50, true}, // repeated, same strength
		{"tofacitinib 7.5 mg tablet", 7.5, true},
		{"upadacitinib 1 MG/ML Oral Solution", 1, true},              // per mL
		{"RINVOQ LQ 1 mg/mL oral solution", 1, true},                 // per mL
		{"RINVOQ LQ oral solution", 1, true},                         // label: RINVOQ LQ is 1 mg/mL
		{"drug 10 MG/5 ML oral suspension", 2, true},                 // per mL
		{"aspirin 25 MG / dipyridamole 200 MG ER capsule", 0, false}, // two strengths: ambiguous
		{"Rinvoq 15 mg or 30 mg", 0, false},
		{"Rinvoq 15 mg/day", 0, false},         // a dose, not a strength
		{"methotrexate 2.5 mg/kg", 0, false},   // per kg
		{"upadacitinib 24HR tablet", 0, false}, // no mg at all
		{"Rinvoq", 0, false},
		{"fluticasone 50 MCG/ACTUAT", 0, false}, // mcg is not mg
		{"2mgx", 0, false},
		{"upadacitinib 30 mg/1 TABLET, EXTENDED RELEASE", 30, true}, // FDA NDC directory and SPL names
		{"RINVOQ (upadacitinib) 15 mg/1 extended-release tablet", 15, true},
		{"abrocitinib 100 mg/tablet", 100, true},
		{"upadacitinib 1 mg/1 mL oral solution", 1, true},
		{"methotrexate 2.5 mg/1 kg", 0, false},
		{"upadacitinib 15 mg/10 tablets", 0, false},
		{"", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			got, ok := StrengthMg(tc.text)
			if ok != tc.wantOK || got != tc.want {
				t.Errorf("StrengthMg(%q) = %v, %v; want %v, %v", tc.text, got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

func TestDailyDose(t *testing.T) {
	tabs := func(n float64, unit string) *Quantity { return &Quantity{Value: n, Unit: unit} }
	daily := DoseFacts{Frequency: 1, Period: 1, PeriodUnit: "d"}
	with := func(d DoseFacts, q *Quantity) DoseFacts { d.DoseQuantity = q; return d }
	tests := []struct {
		name   string
		med    Medication
		want   float64
		wantOK bool
		howHas string
	}{
		{"sandbox shape: 1 {pill} once a day, 30 mg tablet",
			Medication{Text: "upadacitinib 30 MG 24HR Extended Release Oral Tablet", Dose: with(daily, tabs(1, "{pill}"))},
			30, true, "1 tablet × 30 mg (strength from text) × 1/day (timing 1 per 1 d) = 30 mg/day"},
		{"abrocitinib 200 mg, 1 tablet daily",
			Medication{Text: "abrocitinib 200 MG Oral Tablet", Dose: with(daily, tabs(1, "{tablet}"))}, 200, true, "200 mg"},
		{"dose in mg, twice daily by frequency",
			Medication{Text: "Rinvoq", Dose: DoseFacts{DoseQuantity: tabs(15, "mg"), Frequency: 2, Period: 1, PeriodUnit: "d"}}, 30, true, "15 mg × 2/day"},
		{"dose in MG upper case, every 12 hours",
			Medication{Dose: DoseFacts{DoseQuantity: tabs(15, "MG"), Frequency: 1, Period: 12, PeriodUnit: "h"}}, 30, true, "2/day"},
		{"weekly dosing",
			Medication{Dose: DoseFacts{DoseQuantity: tabs(70, "mg"), Frequency: 1, Period: 1, PeriodUnit: "wk"}}, 10, true, "0.1429/day"},
		{"two tablets per dose from Medication.ingredient strength",
			kbWithStrength(Medication{Text: "abrocitinib tablet", Dose: with(daily, tabs(2, "TAB"))}, 100), 200, true, "strength from Medication.ingredient"},
		{"ingredient strength agrees with text",
			kbWithStrength(Medication{Text: "Cibinqo 100 mg", Dose: with(daily, tabs(1, "1"))}, 100), 100, true, "Medication.ingredient"},
		{"ingredient strength conflicts with text: unknown",
			kbWithStrength(Medication{Text: "Cibinqo 200 mg", Dose: with(daily, tabs(1, "{tablet}"))}, 100), 0, false, "strength conflicts"},
		{"timing code BID",
			Medication{Text: "abrocitinib 100 MG Oral Tablet", Dose: DoseFacts{DoseQuantity: tabs(1, "{tablet}"), TimingCode: "BID"}}, 200, true, "timing code BID"},
		{"timing code QOD",
			Medication{Dose: DoseFacts{DoseQuantity: tabs(30, "mg"), TimingCode: "qod"}}, 15, true, "timing code QOD"},
		{"timing code Q8H",
			Medication{Dose: DoseFacts{DoseQuantity: tabs(10, "mg"), TimingCode: "Q8H"}}, 30, true, "3/day"},
		{"unknown timing code",
			Medication{Dose: DoseFacts{DoseQuantity: tabs(10, "mg"), TimingCode: "PRN"}}, 0, false, `timing code "PRN" not understood`},
		{"RINVOQ LQ 6 mL twice daily",
			Medication{Text: "RINVOQ LQ 1 mg/mL oral solution", Dose: DoseFacts{DoseQuantity: tabs(6, "mL"), Frequency: 2, Period: 1, PeriodUnit: "d"}}, 12, true, "6 mL × 1 mg/mL"},
		{"mL dose of a tablet: unknown",
			Medication{Text: "Rinvoq 15 mg tablet", Dose: with(daily, tabs(5, "mL"))}, 0, false, "no mg/mL strength"},
		{"tablets of a solution: unknown",
			Medication{Text: "upadacitinib 1 MG/ML Oral Solution", Dose: with(daily, tabs(1, "{tablet}"))}, 0, false, "solution"},
		{"no timing, extended-release tablet: assumed once daily and said so",
			Medication{Text: "24 HR upadacitinib 15 MG Extended Release Oral Tablet", Dose: DoseFacts{DoseQuantity: tabs(1, "{tablet}")}}, 15, true, "assumed once daily"},
		{"no timing, RINVOQ brand tablet: assumed once daily",
			Medication{Text: "Rinvoq 30 mg", Dose: DoseFacts{DoseQuantity: tabs(1, "{tablet}")}}, 30, true, "assumed once daily"},
		{"no timing, RINVOQ LQ: not assumed",
			Medication{Text: "RINVOQ LQ 1 mg/mL", Dose: DoseFacts{DoseQuantity: tabs(6, "mL")}}, 0, false, "frequency not stated"},
		{"no timing, immediate-release abrocitinib: not assumed",
			Medication{Text: "abrocitinib 100 MG Oral Tablet", Dose: DoseFacts{DoseQuantity: tabs(1, "{tablet}")}}, 0, false, "frequency not stated"},
		{"broken timing is not replaced by the assumption",
			Medication{Text: "Rinvoq 30 mg", Dose: DoseFacts{DoseQuantity: tabs(1, "{tablet}"), Frequency: 1, PeriodUnit: "d"}}, 0, false, "not usable"},
		{"period unit month not understood",
			Medication{Dose: DoseFacts{DoseQuantity: tabs(30, "mg"), Frequency: 1, Period: 1, PeriodUnit: "mo"}}, 0, false, `period unit "mo"`},
		{"no dose quantity",
			Medication{Text: "Rinvoq 30 mg", Dose: daily}, 0, false, "dose not stated"},
		{"tablets but no strength anywhere",
			Medication{Text: "upadacitinib tablet", Dose: with(daily, tabs(1, "{tablet}"))}, 0, false, "strength not stated"},
		{"dose quantity without unit",
			Medication{Text: "Rinvoq 30 mg", Dose: with(daily, tabs(1, ""))}, 0, false, "no unit"},
		{"dose unit not understood",
			Medication{Text: "Rinvoq 30 mg", Dose: with(daily, tabs(1, "[drp]"))}, 0, false, `dose unit "[drp]" not understood`},
		{"zero dose",
			Medication{Text: "Rinvoq 30 mg", Dose: with(daily, tabs(0, "{tablet}"))}, 0, false, "not usable"},
		{"NaN dose",
			Medication{Text: "Rinvoq 30 mg", Dose: with(daily, tabs(math.NaN(), "mg"))}, 0, false, "not usable"},
		{"dosage text once daily",
			Medication{Text: "abrocitinib 100 MG Oral Tablet", Dose: DoseFacts{DoseQuantity: &Quantity{Value: 1, Unit: "{tablet}"}, DosageText: "Take 1 tablet by mouth once daily"}}, 100, true, "dosage text: once daily"},
		{"dosage text twice daily is not also read as daily",
			Medication{Text: "abrocitinib 100 MG Oral Tablet", Dose: DoseFacts{DoseQuantity: &Quantity{Value: 1, Unit: "{tablet}"}, DosageText: "1 tab twice daily"}}, 200, true, "2/day"},
		{"dosage text BID abbreviation",
			Medication{Dose: DoseFacts{DoseQuantity: &Quantity{Value: 15, Unit: "mg"}, DosageText: "15 mg PO BID"}}, 30, true, "bid"},
		{"dose in g",
			Medication{Dose: DoseFacts{DoseQuantity: &Quantity{Value: 0.045, Unit: "g"}, Frequency: 1, Period: 1, PeriodUnit: "d"}}, 45, true, "0.045 g"},
		{"dose in mcg",
			Medication{Dose: DoseFacts{DoseQuantity: &Quantity{Value: 81000, Unit: "mcg"}, Frequency: 1, Period: 1, PeriodUnit: "d"}}, 81, true, "81 mg"},
		{"two instructions taken together add up",
			Medication{Dose: DoseFacts{DoseQuantity: &Quantity{Value: 15, Unit: "mg"}, Frequency: 1, Period: 1, PeriodUnit: "d",
				More: []DoseFacts{{DoseQuantity: &Quantity{Value: 30, Unit: "mg"}, Frequency: 1, Period: 1, PeriodUnit: "d"}}}}, 45, true, "taken together"},
		{"instructions in sequence: the highest daily dose",
			Medication{Dose: DoseFacts{Sequence: 1, DoseQuantity: &Quantity{Value: 45, Unit: "mg"}, Frequency: 1, Period: 1, PeriodUnit: "d",
				More: []DoseFacts{{Sequence: 2, DoseQuantity: &Quantity{Value: 15, Unit: "mg"}, Frequency: 1, Period: 1, PeriodUnit: "d"}}}}, 45, true, "highest"},
		{"one unreadable instruction: unknown",
			Medication{Dose: DoseFacts{DoseQuantity: &Quantity{Value: 15, Unit: "mg"}, Frequency: 1, Period: 1, PeriodUnit: "d",
				More: []DoseFacts{{DoseQuantity: &Quantity{Value: 1, Unit: "puff"}}}}}, 0, false, "dosage instruction 2 of 2"},
		{"dosage text q12h abbreviation",
			Medication{Dose: DoseFacts{DoseQuantity: &Quantity{Value: 15, Unit: "mg"}, DosageText: "15 mg PO q12h"}}, 30, true, "q12h"},
		{"dosage text q8h abbreviation",
			Medication{Dose: DoseFacts{DoseQuantity: &Quantity{Value: 100, Unit: "mg"}, DosageText: "100 mg q8h"}}, 300, true, "q8h"},
		{"dosage text every 12 hrs",
			Medication{Dose: DoseFacts{DoseQuantity: &Quantity{Value: 100, Unit: "mg"}, DosageText: "100 mg every 12 hrs"}}, 200, true, "every 12 hrs"},
		{"dosage text with conflicting frequencies: unknown",
			Medication{Text: "Rinvoq 15 mg", Dose: DoseFacts{DoseQuantity: &Quantity{Value: 1, Unit: "{tablet}"}, DosageText: "once daily for 2 weeks then twice daily"}}, 0, false, "conflicting frequencies"},
		{"structured timing wins over dosage text",
			Medication{Dose: DoseFacts{DoseQuantity: &Quantity{Value: 15, Unit: "mg"}, Frequency: 1, Period: 1, PeriodUnit: "d", DosageText: "twice daily"}}, 15, true, "timing 1 per 1 d"},
		{"dosage text without frequency words keeps the extended-release assumption",
			Medication{Text: "Rinvoq 15 mg", Dose: DoseFacts{DoseQuantity: &Quantity{Value: 1, Unit: "{tablet}"}, DosageText: "take with water"}}, 15, true, "assumed once daily"},
		{"dosage text without frequency words, immediate release: unknown",
			Medication{Text: "abrocitinib 100 MG Oral Tablet", Dose: DoseFacts{DoseQuantity: &Quantity{Value: 1, Unit: "{tablet}"}, DosageText: "take with water"}}, 0, false, "frequency not stated"},
		// EHR dosage shapes (dose review): each was read wrongly or not at all.
		{"Epic sig '2 (two) times daily' is twice, not daily",
			Medication{Text: "upadacitinib 15 MG Extended Release Oral Tablet", Dose: DoseFacts{DosageText: "Take 1 tablet (15 mg total) by mouth 2 (two) times daily."}}, 30, true, "2 (two) times daily"},
		{"sig '2 times a day' on an ER product is not assumed once daily",
			Medication{Text: "Rinvoq 30 mg", Dose: DoseFacts{DoseQuantity: tabs(1, "{tablet}"), DosageText: "Take 1 tablet by mouth 2 times a day"}}, 60, true, "2/day"},
		{"sig '2x daily'",
			Medication{Text: "abrocitinib 200 MG Oral Tablet", Dose: DoseFacts{DosageText: "take 1 tab by mouth 2x daily"}}, 400, true, "2x daily"},
		{"sig '1 (one) time each day'",
			Medication{Text: "abrocitinib 100 MG Oral Tablet", Dose: DoseFacts{DosageText: "Take 1 tablet by mouth 1 (one) time each day"}}, 100, true, "1/day"},
		{"sig 'three times a week'",
			Medication{Dose: DoseFacts{DoseQuantity: &Quantity{Value: 70, Unit: "mg"}, DosageText: "three times a week"}}, 30, true, "three times a week"},
		{"sig 'every 2 days'",
			Medication{Dose: DoseFacts{DoseQuantity: &Quantity{Value: 30, Unit: "mg"}, DosageText: "every 2 days"}}, 15, true, "0.5/day"},
		{"sig morning and evening are two administrations",
			Medication{Text: "Rinvoq 15 mg", Dose: DoseFacts{DosageText: "Take 1 tablet every morning and 1 tablet every evening"}}, 30, true, "2/day"},
		{"sig 'morning and evening' without 'every'",
			Medication{Text: "Rinvoq 15 mg", Dose: DoseFacts{DosageText: "1 tab morning and evening"}}, 30, true, "2/day"},
		{"sig 'daily in the morning and at bedtime': the times of day count",
			Medication{Dose: DoseFacts{DoseQuantity: &Quantity{Value: 15, Unit: "mg"}, DosageText: "daily in the morning and at bedtime"}}, 30, true, "2/day"},
		{"sig 'in the morning or in the evening' is a choice: once",
			Medication{Dose: DoseFacts{DoseQuantity: &Quantity{Value: 15, Unit: "mg"}, DosageText: "Take once a day, in the morning or in the evening"}}, 15, true, "1/day"},
		{"sig 'daily in the morning' is once",
			Medication{Dose: DoseFacts{DoseQuantity: &Quantity{Value: 15, Unit: "mg"}, DosageText: "Take 1 tablet by mouth daily in the morning"}}, 15, true, "1/day"},
		{"sig 'twice daily' and 'at bedtime' disagree: unknown",
			Medication{Dose: DoseFacts{DoseQuantity: &Quantity{Value: 15, Unit: "mg"}, DosageText: "twice daily at bedtime"}}, 0, false, "conflicting"},
		{"dose unit 'milligram'",
			Medication{Dose: with(daily, tabs(15, "milligram"))}, 15, true, "15 mg"},
		{"dose unit 'Tablet(s)'",
			Medication{Text: "Rinvoq 15 mg", Dose: with(daily, tabs(2, "Tablet(s)"))}, 30, true, "2 tablets"},
		{"dose unit from the unit text when the code is not a unit",
			Medication{Text: "Rinvoq 15 mg", Dose: with(daily, &Quantity{Value: 2, Unit: "428673006", UnitText: "Tablet"})}, 30, true, "2 tablets"},
		{"dose range: the high end",
			Medication{Text: "Rinvoq 30 mg", Dose: DoseFacts{DoseQuantity: tabs(2, "{tbl}"), DoseRange: true, Frequency: 1, Period: 1, PeriodUnit: "d"}}, 60, true, "up to 2 tablets"},
		{"frequencyMax: the most a day holds",
			Medication{Dose: DoseFacts{DoseQuantity: tabs(15, "mg"), Frequency: 1, FrequencyMax: 2, Period: 1, PeriodUnit: "d"}}, 30, true, "2/day"},
		{"repeat with a period and no frequency: once per period",
			Medication{Dose: DoseFacts{DoseQuantity: tabs(15, "mg"), Period: 1, PeriodUnit: "d"}}, 15, true, "1/day"},
		{"times of day only: one administration each",
			Medication{Text: "Rinvoq 30 mg", Dose: DoseFacts{DoseQuantity: tabs(1, "{tablet}"), TimesOfDay: 2}}, 60, true, "2 times of day"},
		{"times of day beyond a once-daily repeat",
			Medication{Dose: DoseFacts{DoseQuantity: tabs(15, "mg"), Frequency: 1, Period: 1, PeriodUnit: "d", TimesOfDay: 2}}, 30, true, "2 times of day"},
		{"timing code in words",
			Medication{Dose: DoseFacts{DoseQuantity: tabs(15, "mg"), TimingCode: "2 times daily"}}, 30, true, "2/day"},
		{"local timing code, its display in words",
			Medication{Dose: DoseFacts{DoseQuantity: tabs(15, "mg"), TimingCode: "23", TimingText: "Twice daily"}}, 30, true, "Twice daily"},
		{"local timing code nobody can read: the sig decides",
			Medication{Dose: DoseFacts{DoseQuantity: tabs(15, "mg"), TimingCode: "23", DosageText: "take twice daily"}}, 30, true, "dosage text: twice daily"},
		{"local timing code nobody can read, no sig, ER product: not assumed once daily",
			Medication{Text: "Rinvoq 15 mg", Dose: DoseFacts{DoseQuantity: tabs(1, "{tablet}"), TimingCode: "23"}}, 0, false, `timing code "23"`},
		{"half an extended-release RINVOQ tablet: not a dose (swallowed whole)",
			Medication{Text: "upadacitinib 30 MG Extended Release Oral Tablet", Dose: with(daily, tabs(0.5, "{tablet}"))}, 0, false, "not split"},
		{"'half tablet' of RINVOQ in the sig",
			Medication{Text: "Rinvoq 30 mg", Dose: DoseFacts{DosageText: "take half tablet daily"}}, 0, false, "not split"},
		{"half an immediate-release tablet is a dose",
			Medication{Text: "aspirin 325 MG Oral Tablet", Dose: with(daily, tabs(0.5, "{tablet}"))}, 162.5, true, "0.5 tablets"},
		{"Cerner sig '1 tab(s) orally once a day'",
			Medication{Text: "abrocitinib 100 MG Oral Tablet", Dose: DoseFacts{DosageText: "1 tab(s) orally once a day"}}, 100, true, "1 tablet (dosage text)"},
		{"Epic product name 'TB24' is a once-daily ER tablet",
			Medication{Text: "UPADACITINIB 15 MG PO TB24", Dose: DoseFacts{DoseQuantity: tabs(1, "{tablet}")}}, 15, true, "assumed once daily"},
		{"period unit spelled 'day'",
			Medication{Dose: DoseFacts{DoseQuantity: tabs(15, "mg"), Frequency: 2, Period: 1, PeriodUnit: "Day"}}, 30, true, "2/day"},
		{"sig '2 x 15 mg tablets once daily': the mg is each tablet's",
			Medication{Text: "Rinvoq", Dose: DoseFacts{DosageText: "Take 2 x 15 mg tablets once daily"}}, 30, true, "2 × 15 mg"},
		{"sig '0.5 x 30 mg' is not 5 x 30 mg",
			Medication{Text: "Rinvoq", Dose: DoseFacts{DosageText: "0.5 x 30 mg daily"}}, 30, true, "30 mg (dosage text)"},
		{"sig '1.5 times daily' is not 5 times daily",
			Medication{Dose: DoseFacts{DoseQuantity: &Quantity{Value: 15, Unit: "mg"}, DosageText: "1.5 times daily"}}, 15, true, "daily"},
		{"sig '1 x 30mg daily'",
			Medication{Text: "Rinvoq", Dose: DoseFacts{DosageText: "1 x 30mg daily"}}, 30, true, "1 × 30 mg"},
		{"aspirin 81 mg once daily",
			Medication{Text: "aspirin 81 MG Oral Tablet", Dose: with(daily, tabs(1, "{tablet}"))}, 81, true, "81 mg"},
		{"aspirin 325 mg once daily",
			Medication{Text: "aspirin 325 MG Delayed Release Oral Tablet", Dose: with(daily, tabs(1, "{tablet}"))}, 325, true, "325 mg"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, how, ok := DailyDose(tc.med)
			if ok != tc.wantOK || math.Abs(got-tc.want) > 1e-9 {
				t.Errorf("DailyDose = %v, %q, %v; want %v, %v", got, how, ok, tc.want, tc.wantOK)
			}
			if !strings.Contains(how, tc.howHas) {
				t.Errorf("how = %q, want it to contain %q", how, tc.howHas)
			}
		})
	}
}

// kbWithStrength sets Medication.ingredient strength.
func kbWithStrength(m Medication, mg float64) Medication {
	m.Dose.IngredientStrengthMg = mg
	return m
}

// FuzzStrengthMg: parsing any text never panics, and an accepted strength is
// a positive finite number of mg.
func FuzzStrengthMg(f *testing.F) {
	for _, s := range []string{"upadacitinib 30 MG 24HR Extended Release Oral Tablet", "RINVOQ LQ 1 mg/mL", "10 MG/5 ML",
		"aspirin 25 MG / dipyridamole 200 MG", "1.2.3 mg", "9999999999999999999999 mg", "mg/", "5 mg/ 0 ml", ".5 mg"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		mg, ok := StrengthMg(text)
		if ok && (mg <= 0 || math.IsInf(mg, 0) || math.IsNaN(mg)) {
			t.Errorf("StrengthMg(%q) = %v, ok", text, mg)
		}
		_, _, _ = dosageTextPerDay(text)
	})
}
