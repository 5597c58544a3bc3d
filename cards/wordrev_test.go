package cards

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"jakguard/rules"
)

// Card content review (wordrev, December 2026): each card read as the
// prescriber at order entry and the pharmacist read it, against the label.

// reasonCodes lists a card's override reason codes.
func reasonCodes(c Card) []string {
	var out []string
	for _, r := range c.OverrideReasons {
		out = append(out, r.Code)
	}
	return out
}

// An MI or stroke during upadacitinib: the card says discontinue (RINVOQ
// 5.4), so it cites 5.4, not the EU advice on the lower dose that sorts
// first on the grouped card, and offers no "lower dose tried" reason.
func TestWordrevDiscontinueCardCitesTheLabel(t *testing.T) {
	const o = "MedicationRequest/a"
	low := finding(rules.LowerDoseRecommended, rules.Warning, rules.Upadacitinib, o)
	low.OnTreatment = true
	low.Citation = rules.Citation{Label: "RINVOQ EU Summary of Product Characteristics, section 4.2 (EU, not US)", URL: "https://www.ema.europa.eu/en/documents/product-information/rinvoq-epar-product-information_en.pdf"}
	mace := finding(rules.MACEHistory, rules.Warning, rules.Upadacitinib, o)
	mace.OnTreatment, mace.SinceStart, mace.Discontinue = true, true, true
	mace.Citation = rules.Citation{Label: "RINVOQ (upadacitinib) US Prescribing Information (revision of 11/2023), Boxed Warning and section 5.4 (Major Adverse Cardiovascular Events)", URL: "https://www.rxabbvie.com/pdf/rinvoq_pi.pdf"}
	c := FromFindings([]rules.Finding{low, mace}, Options{NewUUID: seqUUID()})[0]
	assert.Equal(t, "Discontinue upadacitinib: MI or stroke since the start", c.Summary)
	assert.Contains(t, c.Source.Label, "section 5.4")
	assert.NotContains(t, reasonCodes(c), reasonLowerTried.Code)

	// The same event before a start (or on a course whose start is
	// unknown: not known to be during treatment): the lower-dose card keeps
	// its EU source.
	for _, edit := range []func(f *rules.Finding){
		func(f *rules.Finding) { f.Discontinue = false },
		func(f *rules.Finding) { f.OnTreatment, f.SinceStart, f.Discontinue = false, false, false },
	} {
		l, m := low, mace
		edit(&l)
		edit(&m)
		c := FromFindings([]rules.Finding{l, m}, Options{NewUUID: seqUUID()})[0]
		assert.Contains(t, c.Source.Label, "EU Summary of Product Characteristics", c.Summary)
	}
}

// "Lower dose tried, response inadequate" answers a card that proposes a
// lower dose, and only such a card.
func TestWordrevLowerDoseTriedOnlyWithALowerDose(t *testing.T) {
	const o = "MedicationRequest/a"
	renal := func(level rules.Level, mg float64) rules.Finding {
		f := finding(rules.RenalImpairment, level, rules.Upadacitinib, o)
		f.SuggestedDailyMg = mg
		return f
	}
	weight := finding(rules.WeightBelowLabel, rules.Warning, rules.Upadacitinib, o)
	smoker := finding(rules.Smoker, rules.Warning, rules.Upadacitinib, o)
	lower := finding(rules.LowerDoseRecommended, rules.Warning, rules.Upadacitinib, o)
	lower.SuggestedDailyMg = 15
	tests := []struct {
		name string
		fs   []rules.Finding
		want bool
	}{
		{"renal, reduce to 15 mg", []rules.Finding{renal(rules.Warning, 15)}, true},
		{"renal critical: avoid at any dose", []rules.Finding{renal(rules.Critical, 0)}, false},
		{"renal, the ordered dose within the limit", []rules.Finding{renal(rules.Warning, 0)}, false},
		{"weight under 40 kg: reconsider, no dose", []rules.Finding{weight}, false},
		{"boxed-warning risks at 15 mg: weigh, no dose", []rules.Finding{smoker}, false},
		{"boxed-warning risks at 30 mg: use 15 mg", []rules.Finding{lower, smoker}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := FromFindings(tc.fs, Options{NewUUID: seqUUID()})[0]
			if tc.want {
				assert.Contains(t, reasonCodes(c), reasonLowerTried.Code, c.Summary)
			} else {
				assert.NotContains(t, reasonCodes(c), reasonLowerTried.Code, c.Summary)
			}
		})
	}
}

func TestWordrevSummaries(t *testing.T) {
	const o = "MedicationRequest/a"
	with := func(code string, drug rules.Drug, edit func(*rules.Finding)) rules.Finding {
		f := finding(code, codeTable[code].level, drug, o)
		edit(&f)
		return f
	}
	tests := []struct {
		name        string
		f           rules.Finding
		patientView bool
		want        string
	}{
		// A live vaccine ordered in the session of a renewal is ordered,
		// not "on the medication list" (that is patient-view's chart).
		{"live vaccine ordered with a renewal", with(rules.LiveVaccineOrdered, rules.Upadacitinib, func(f *rules.Finding) { f.OnTreatment, f.Subject = true, "zoster vaccine, live" }), false,
			"Avoid live vaccines with upadacitinib: zoster vaccine, live ordered"},
		{"live vaccine on patient-view", with(rules.LiveVaccineOrdered, rules.Upadacitinib, func(f *rules.Finding) { f.OnTreatment, f.Subject = true, "zoster vaccine, live" }), true,
			"Avoid live vaccines with upadacitinib: zoster vaccine, live on the medication list"},
		// A dose limit on an order ruled out at any dose by another
		// finding: the limit, not "Keep ... at the reduced dose" for a
		// 30 mg order nor "Reduce to".
		{"CYP inhibitor, the drug ruled out", with(rules.CYPInteraction, rules.Upadacitinib, func(f *rules.Finding) {
			f.Subject, f.DoseLimitMg, f.RuledOut = "clarithromycin", 15, true
		}), false, "CYP interaction (clarithromycin): upadacitinib 15 mg daily at most, if used at all"},
		{"renal dose, the drug ruled out", with(rules.RenalImpairment, rules.Abrocitinib, func(f *rules.Finding) { f.DoseLimitMg, f.RuledOut = 50, true }), false,
			"Renal impairment: abrocitinib 50 mg daily at most, if used at all"},
		// RINVOQ calls a strong CYP3A4 inducer "not recommended" (R14);
		// "avoid" is CIBINQO's word (C10, C11).
		{"strong CYP3A4 inducer with upadacitinib", with(rules.CYPInteraction, rules.Upadacitinib, func(f *rules.Finding) { f.Subject, f.Avoid = "rifampin", true }), false,
			"Avoid upadacitinib with rifampin: CYP interaction (not recommended by the label)"},
		{"CYP2C19/CYP2C9 inducer with abrocitinib", with(rules.CYPInteraction, rules.Abrocitinib, func(f *rules.Finding) { f.Subject, f.Avoid = "rifampin", true }), false,
			"Avoid abrocitinib with rifampin: CYP interaction (the label says avoid)"},
		{"CYP inhibitor, within the limit", with(rules.CYPInteraction, rules.Upadacitinib, func(f *rules.Finding) { f.Subject, f.DoseLimitMg = "clarithromycin", 15 }), false,
			"Keep upadacitinib at the reduced dose: strong CYP inhibitor (clarithromycin)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, Summary([]rules.Finding{tc.f}, tc.patientView))
		})
	}
}

// A live vaccine ordered for a patient whose course ended: "Avoid X
// unless upadacitinib is stopped" beside "course ended" said to stop what
// had stopped; the card asks to confirm it, as the other reverse cards of
// an ended course do.
func TestWordrevReverseLiveVaccineEndedCourse(t *testing.T) {
	f := reverseFinding(rules.LiveVaccineOrdered, rules.Warning, rules.Upadacitinib, "MedicationRequest/v", "zoster vaccine, live", false)
	assert.Equal(t, "Confirm upadacitinib is stopped before giving zoster vaccine, live: live vaccine, course ended 2026-10-01", Summary([]rules.Finding{f}, false))
	f = reverseFinding(rules.LiveVaccineOrdered, rules.Warning, rules.Upadacitinib, "MedicationRequest/v", "zoster vaccine, live", true)
	assert.Equal(t, "Avoid zoster vaccine, live: live vaccine for a patient on upadacitinib", Summary([]rules.Finding{f}, false))
}

// A card that asks to order a test (HBV DNA after a positive anti-HBc, HCV
// RNA after a positive antibody) offered only "Specialist consulted",
// "Benefit outweighs risk" and "Record out of date": not that the test was
// done elsewhere or is already ordered, the usual reasons to pass it by.
func TestWordrevOrderTestCardsReasons(t *testing.T) {
	for _, code := range []string{rules.HBVCoreAntibodyPositive, rules.HCVAntibodyPositive} {
		c := FromFindings([]rules.Finding{finding(code, rules.Warning, rules.Abrocitinib, "MedicationRequest/a")}, Options{NewUUID: seqUUID()})[0]
		assert.Contains(t, reasonCodes(c), reasonDoneElsewere.Code, code)
		assert.Contains(t, reasonCodes(c), reasonOrdered.Code, code)
	}
}

// On patient-view (no update to accept) the detail said the dose twice:
// "Use abrocitinib 50 mg once daily." in the action, then "Adjust the dose
// to 50 mg once daily.".
func TestWordrevDoseSaidOnce(t *testing.T) {
	f := finding(rules.CYPInteraction, rules.Warning, rules.Abrocitinib, "MedicationRequest/a")
	f.SuggestedDailyMg, f.DoseLimitMg = 50, 50
	f.Action = "With fluoxetine (a strong CYP2C19 inhibitor) the label dose is 50 mg. Use abrocitinib 50 mg once daily."
	c := FromFindings([]rules.Finding{f}, Options{NewUUID: seqUUID(), PatientView: true})[0]
	assert.Contains(t, c.Detail, "Use abrocitinib 50 mg once daily.")
	assert.NotContains(t, c.Detail, "Adjust the dose")
}
