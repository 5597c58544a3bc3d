package hooks

import (
	"testing"
)

// The revstop review, part 2: an interacting drug named with its strength
// written on ("CLARITHROMYCIN500MG", "Fluconazole200mg"), as pharmacy
// systems write it, was no interacting drug: the order for a patient on a
// course answered {"cards": []}, and the same name on the record beside a
// JAK order was not seen. A digit now ends a word in a drug's name, as in
// the JAK names (failsafe16); a letter still continues one.

// TestAcceptanceRevstopGluedStrength: both directions, each interacting
// class, positives and negatives.
func TestAcceptanceRevstopGluedStrength(t *testing.T) {
	named := func(text string) res { return drugDraft("x", "", "", text) }
	var cases []accCase
	for _, p := range []struct {
		drug, text, code, level string
	}{
		{"upadacitinib", "CLARITHROMYCIN500MG", "cyp-interaction", "warning"},
		{"upadacitinib", "KETOCONAZOLE200MG TAB", "cyp-interaction", "warning"},
		{"upadacitinib", "RIFAMPIN300MG CAP", "cyp-interaction", "warning"},
		{"upadacitinib", "TOFACITINIB5MG", "combination-jak", "critical"},
		{"upadacitinib", "Dupixent300mg pen", "combination-biologic", "warning"},
		{"upadacitinib", "AZATHIOPRINE50MG TAB", "combination-immunosuppressant", "warning"},
		{"abrocitinib", "Fluconazole200mg", "cyp-interaction", "warning"},
		{"abrocitinib", "FLUOXETINE20MG CAP", "cyp-interaction", "warning"},
		{"abrocitinib", "CLOPIDOGREL75MG", "antiplatelet-abrocitinib", "critical"},
		{"abrocitinib", "ASPIRIN325MG EC TAB", "antiplatelet-abrocitinib", "critical"},
		{"abrocitinib", "DIGOXIN0.125MG TAB", "pgp-substrate", "info"},
	} {
		cases = append(cases, accCase{name: p.drug + ": " + p.text + " ordered", c: sign(onCourseAt(p.drug, mgOf[p.drug], 30), named(p.text)),
			want: w(p.code, p.level)})
	}
	for _, n := range []struct{ drug, text string }{
		{"upadacitinib", "declarithromycin500mg"}, // a letter before: another word
		{"upadacitinib", "CLARITHROMYCINE500MG"},  // a letter after
		{"abrocitinib", "FLUCONAZOLEX200MG"},
		{"abrocitinib", "5ASA 800MG EC TAB"},  // mesalamine, not aspirin
		{"abrocitinib", "4ASA500MG"},          // aminosalicylic acid
		{"abrocitinib", "ASPIRIN81MG EC TAB"}, // low-dose aspirin: excepted
	} {
		cases = append(cases, accCase{name: n.drug + ": " + n.text + " ordered: no interacting drug",
			c: sign(onCourseAt(n.drug, mgOf[n.drug], 30), named(n.text)), noCards: true})
	}
	// The forward direction: the JAK order beside the name on the record.
	onRecord := func(text string) *record {
		r := cleanRecord()
		r.medications = append(r.medications, med("ix", "active", "", "", text, 5))
		return r
	}
	cases = append(cases,
		accCase{name: "upadacitinib 30 mg ordered, CLARITHROMYCIN500MG on record", c: sign(onRecord("CLARITHROMYCIN500MG"), jakDraft("upadacitinib", 30)),
			want: w("cyp-interaction", "warning"), dose: 15},
		accCase{name: "abrocitinib 200 mg ordered, Fluconazole200mg on record", c: sign(onRecord("Fluconazole200mg"), jakDraft("abrocitinib", 200)),
			want: w("cyp-interaction", "warning")},
		accCase{name: "upadacitinib 30 mg ordered, declarithromycin500mg on record: no CYP card", c: sign(onRecord("declarithromycin500mg"), jakDraft("upadacitinib", 30)),
			absent: []string{"cyp-interaction"}},
	)
	// The strength glued to the name is read: 325 mg is above the
	// low-dose limit (and 81 mg, above, is within it).
	cases = append(cases, accCase{name: "abrocitinib: ASPIRIN325MG, its dose read", c: sign(onCourseAt("abrocitinib", 100, 30), named("ASPIRIN325MG")),
		want: w("antiplatelet-abrocitinib", "critical"), detailOf: map[string]string{"antiplatelet-abrocitinib": "aspirin 325 mg/day"}})
	runAcc(t, cases)
}
