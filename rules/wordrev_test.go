package rules

import "testing"

// Card content review (wordrev): facts the findings carry that the cards
// word.

// A live vaccine named by the disease it prevents is subject "measles
// vaccine", not "measles" ("Avoid measles" would name the disease).
func TestWordrevLiveVaccineSubject(t *testing.T) {
	e := mustEngine(t, embeddedKnowledge(t))
	upa := courseMember("upa", Upadacitinib, "active", 40, 15)
	for text, want := range map[string]string{
		"measles, mumps and rubella virus vaccine, live": "measles vaccine",
		"Rotavirus vaccine, live, oral":                  "Rotavirus vaccine",
		"MMR II":                                         "MMR",
		"zoster vaccine, live":                           "zoster vaccine, live",
	} {
		m := drugOrder("v", "", text, "draft")
		m.Codes = nil
		fs := reverse(t, e, []Medication{upa}, m)
		f, ok := findingOf(fs, LiveVaccineOrdered)
		if !ok || f.Subject != want {
			t.Errorf("%q: subject %q, want %q (%v)", text, f.Subject, want, codesOf(fs))
		}
	}
}

// An MI or stroke during treatment rules the drug out at any dose (RINVOQ
// and CIBINQO 5.4: discontinue; committee2 review: abrocitinib too), and so
// does a thrombosis (5.5); before treatment it does not, nor a finding the
// rule did not mark Discontinue (a thrombophilia found on treatment).
func TestWordrevMACEOnUpadacitinibRulesOutTheDrug(t *testing.T) {
	for _, tc := range []struct {
		drug Drug
		code string
		onTx bool
		stop bool
		want bool
	}{
		{Upadacitinib, MACEHistory, true, true, true}, {Upadacitinib, MACEHistory, false, false, false}, {Abrocitinib, MACEHistory, true, true, true},
		{Upadacitinib, VTERisk, true, true, true}, {Abrocitinib, VTERisk, true, true, true}, {Upadacitinib, VTERisk, true, false, false},
		{Upadacitinib, Malignancy, true, true, false},
	} {
		// onTx: since a known course start (SinceStart); a course with no
		// start date reads history too and rules nothing out.
		f := Finding{Code: tc.code, Drug: tc.drug, OnTreatment: tc.onTx, SinceStart: tc.onTx, Discontinue: tc.stop, Level: Warning}
		if got := notRecommendedAtAnyDose(f); got != tc.want {
			t.Errorf("%s %s on treatment %v: %v, want %v", tc.drug, tc.code, tc.onTx, got, tc.want)
		}
		if f.SinceStart = false; notRecommendedAtAnyDose(f) {
			t.Errorf("%s, course start unknown: ruled out", tc.drug)
		}
	}
}
