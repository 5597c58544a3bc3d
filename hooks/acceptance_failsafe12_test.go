package hooks

import "testing"

// TestAcceptanceFailsafe12RuledOutNamesTheInhibitor: with ticlopidine (the
// strong CYP2C19 inhibitor the label contraindicates with abrocitinib in
// the first 3 months) and fluconazole (a CYP2C19 and CYP2C9 inhibitor:
// avoid) on the chart, the interaction card's subject is fluconazole, and
// the boxed-warning card said "with fluconazole the abrocitinib dose is 50
// mg daily at most, and abrocitinib is contraindicated with fluconazole":
// fluconazole is to be avoided, not limited to 50 mg, and the
// contraindication is ticlopidine's (CIBINQO PI 2.3, 4, 7). The drug that
// sets the ruled-out limit is named.
func TestAcceptanceFailsafe12RuledOutNamesTheInhibitor(t *testing.T) {
	smoker := func() res { return obsCode("smoke", "72166-2", "449868002", "2026-11-02") }
	tic := func() res { return med("tic", "active", rxnorm, "10594", "ticlopidine 250 MG Oral Tablet", 5) }
	fluc := func() res { return med("fluc", "active", rxnorm, "4450", "fluconazole 150 MG Oral Tablet", 5) }
	rec := func(ms ...res) *record {
		r := cleanRecord().born(bornAged(55)).replace(smoker())
		r.medications = append(r.medications, ms...)
		return r
	}
	boxed := "lower-dose-recommended"
	runAcc(t, []accCase{
		{name: "ticlopidine and fluconazole: the boxed card names ticlopidine's limit, not fluconazole's", c: sign(rec(tic(), fluc()), jakDraft("abrocitinib", 200)),
			want: w("antiplatelet-abrocitinib", "critical", "cyp-interaction", "warning", boxed, "warning"), noDose: true,
			detailOf:    map[string]string{boxed: "with ticlopidine 250 MG Oral Tablet the abrocitinib dose is 50 mg daily at most, and abrocitinib is contraindicated with ticlopidine"},
			notDetailOf: map[string]string{boxed: "contraindicated with fluconazole"}},
		{name: "fluconazole before ticlopidine on the chart: the same", c: sign(rec(fluc(), tic()), jakDraft("abrocitinib", 200)),
			want: w("antiplatelet-abrocitinib", "critical", "cyp-interaction", "warning", boxed, "warning"), noDose: true,
			detailOf:    map[string]string{boxed: "contraindicated with ticlopidine"},
			notDetailOf: map[string]string{boxed: "contraindicated with fluconazole"}},
		{name: "ticlopidine alone: ticlopidine named", c: sign(rec(tic()), jakDraft("abrocitinib", 200)),
			want: w("antiplatelet-abrocitinib", "critical", "cyp-interaction", "warning", boxed, "warning"), noDose: true,
			detailOf: map[string]string{boxed: "contraindicated with ticlopidine"}},
		{name: "fluconazole alone: the boxed card's own 100 mg", c: sign(rec(fluc()), jakDraft("abrocitinib", 200)),
			want: w("cyp-interaction", "warning", boxed, "warning"), absent: []string{"antiplatelet-abrocitinib"}, dose: 100},
	})
}
