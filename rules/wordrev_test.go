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

// An MI or stroke during upadacitinib treatment rules the drug out at any
// dose (RINVOQ 5.4: discontinue); before treatment, or on abrocitinib, it
// does not.
func TestWordrevMACEOnUpadacitinibRulesOutTheDrug(t *testing.T) {
	for _, tc := range []struct {
		drug Drug
		onTx bool
		want bool
	}{{Upadacitinib, true, true}, {Upadacitinib, false, false}, {Abrocitinib, true, false}} {
		// onTx: since a known course start (SinceStart); a course with no
		// start date reads history too and rules nothing out.
		f := Finding{Code: MACEHistory, Drug: tc.drug, OnTreatment: tc.onTx, SinceStart: tc.onTx, Level: Warning}
		if got := notRecommendedAtAnyDose(f); got != tc.want {
			t.Errorf("%s on treatment %v: %v, want %v", tc.drug, tc.onTx, got, tc.want)
		}
		if f.SinceStart = false; notRecommendedAtAnyDose(f) {
			t.Errorf("%s, course start unknown: ruled out", tc.drug)
		}
	}
}
