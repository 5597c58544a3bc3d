package hooks

import (
	"testing"
)

// Fourth mutation review (mutrev4, docs/rules.md "Boundary mutation review
// 4"): the logic of the session before it (failsafe14, committee2,
// failsafe15, mutrev3's tie) and mutrev3's mutants left open or not run,
// where no test pinned them.

// TestAcceptanceMutrev4AheadEarliestDate: a card given only by results
// dated after today questions the earliest of them in its summary
// (rules.Finding.AheadDate), also when one finding cites two: an HBsAg
// positive dated 2036-11-02 and an HBV DNA detected dated a day before,
// the same day or a day after. markAhead keeping the later date survived
// mutrev3 (left open there). The negative: the record's own HBsAg positive
// gives the card, the HBV DNA dated ahead adds nothing to question.
func TestAcceptanceMutrev4AheadEarliestDate(t *testing.T) {
	const detected = "260373001"
	hbsag := func(id, date string) res { return obsCode(id, "5196-1", positive, date) }
	dna := func(date string) res { return obsCode("dna2", "29610-3", detected, date) }
	question := func(date string) string { return "(result dated " + date + ", after today: check its date)" }
	var cases []accCase
	for _, tc := range []struct{ dna, first string }{
		{"2036-11-01", "2036-11-01"}, // N-1: the DNA first
		{"2036-11-02", "2036-11-02"}, // N: one date
		{"2036-11-03", "2036-11-02"}, // N+1: the HBsAg first
	} {
		r := func() *record { return cleanRecord().replace(hbsag("hbsag2", "2036-11-02")).replace(dna(tc.dna)) }
		cases = append(cases,
			accCase{name: "HBsAg dated 2036-11-02, HBV DNA dated " + tc.dna + ": upadacitinib", c: upa15(r()),
				want: w("hbv-active", "critical"), summaryOf: map[string]string{"hbv-active": question(tc.first)},
				detailOf: map[string]string{"hbv-active": aheadNote(tc.dna)}},
			accCase{name: "HBsAg dated 2036-11-02, HBV DNA dated " + tc.dna + ": abrocitinib", c: abro100(r()),
				want: w("hbv-active", "critical"), summaryOf: map[string]string{"hbv-active": question(tc.first)}},
			accCase{name: "negative: HBsAg positive 20 days ago, HBV DNA dated " + tc.dna + ": the record's own card, not questioned",
				c:    upa15(cleanRecord().replace(hbsag("hbsag", ago(20))).replace(dna(tc.dna))),
				want: w("hbv-active", "critical"), notDetailOf: map[string]string{"hbv-active": "after today"}},
		)
	}
	runAcc(t, cases)
}
