package hooks

import (
	"strconv"
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

// TestAcceptanceMutrev4SameDayDoseReduction: of the members as late as the
// course's latest, only those as current as it compete for the course's
// dose (mutrev3's tie, highestOfLatest): a 30 mg order stopped or completed
// and a 15 mg order active, authored the same day (a dose reduction), put
// the course at 15 mg, and a 30 mg renewal for a 55-year-old smoker raises
// it (the risk rows' 15 mg card). Taking the ended order's higher dose
// survived every test (mutrev4). The ended order a day before and a day
// after pin the dates around it (the current order decides either way);
// a 15 mg renewal is never an increase (the negative).
func TestAcceptanceMutrev4SameDayDoseReduction(t *testing.T) {
	rec := func(status string, days30 int, endedFirst bool) *record {
		cur := courseMed("u15", "MedicationRequest", "active", "upadacitinib", 15, 200)
		old := courseMed("u30", "MedicationRequest", status, "upadacitinib", 30, days30)
		r := cleanRecord().born(bornAged(55)).replace(obsCode("smoke", "72166-2", "449868002", ago(20)))
		if endedFirst {
			r.medications = append(r.medications, old, cur)
		} else {
			r.medications = append(r.medications, cur, old)
		}
		return r
	}
	var cases []accCase
	for _, status := range []string{"stopped", "completed"} {
		for _, first := range []bool{false, true} {
			for _, days := range []int{201, 200, 199} {
				name := "30 mg " + status + " authored " + ago(days) + ", 15 mg active authored " + ago(200) +
					map[bool]string{false: " (15 mg listed first)", true: " (30 mg listed first)"}[first]
				cases = append(cases,
					accCase{name: name + ": a 30 mg renewal raises the course's 15 mg", c: sign(rec(status, days, first), jakDraft("upadacitinib", 30)),
						want: w("lower-dose-recommended", "warning"), dose: 15},
					accCase{name: "negative, a 15 mg renewal: " + name, c: sign(rec(status, days, first), jakDraft("upadacitinib", 15)), noCards: true})
			}
		}
	}
	runAcc(t, cases)
}

// TestAcceptanceMutrev4EventBeforeStartVerified: an MI, a stroke or a
// thrombosis on record before a first order is a boxed-warning risk to
// weigh (RINVOQ and CIBINQO boxed warning), not the label's "discontinue"
// for an event during treatment, whose CIBINQO 5.4/5.5 wording alone is
// marked unverified (committee2). Marking abrocitinib's finding
// Discontinue (and so unverified) whatever the course start survived every
// test (mutrev4: maceHistory's and vteRisk's sinceKnownStart). The
// positive: the same event since a known start on patient-view, "not yet
// verified" on abrocitinib only.
func TestAcceptanceMutrev4EventBeforeStartVerified(t *testing.T) {
	events := []struct {
		name, code string
		make       func(date string) res
	}{
		{"myocardial infarction I21.4", "mace-history", onsetCond("mi", "I21.4")},
		{"stroke I63.9", "mace-history", onsetCond("cva", "I63.9")},
		{"DVT I82.401", "vte-risk", onsetCond("dvt", "I82.401")},
		{"pulmonary embolism I26.99", "vte-risk", onsetCond("pe", "I26.99")},
	}
	var cases []accCase
	for _, drug := range []string{"upadacitinib", "abrocitinib"} {
		low := map[string]int{"upadacitinib": 15, "abrocitinib": 100}[drug]
		for _, e := range events {
			for _, days := range []int{1, 14, 365} {
				cases = append(cases, accCase{name: drug + ": " + e.name + " " + strconv.Itoa(days) + " days ago, first order: weighed, verified",
					c: sign(cleanRecord().replace(e.make(ago(days))), jakDraft(drug, low)), want: w(e.code, "warning"),
					summaryOf:   map[string]string{e.code: "Weigh boxed-warning risks before starting " + drug},
					notDetailOf: map[string]string{e.code: "not yet verified"}})
			}
			since := accCase{name: drug + ": " + e.name + " since the start, patient-view", c: view(cleanRecord().onCourse(drug).replace(e.make(ago(14)))),
				want: w(e.code, "warning"), summaryOf: map[string]string{e.code: "Discontinue " + drug}}
			if drug == "abrocitinib" {
				since.detailOf = map[string]string{e.code: "not yet verified"}
			} else {
				since.notDetailOf = map[string]string{e.code: "not yet verified"}
			}
			cases = append(cases, since)
		}
	}
	runAcc(t, cases)
}

// TestAcceptanceMutrev4NoDoseForThrombosis: beside a thrombosis since the
// course start the other dose cards of the order name no dose and say why
// in the label's words (RINVOQ and CIBINQO 5.5, "discontinue"), as they do
// for an MI (5.4); without oneDose's thrombosis sentence they gave the
// finding's title instead (mutrev4). Ketoconazole on the chart sets the
// upadacitinib dose card; the negative: a thrombophilia since the start
// (review, not discontinue) leaves its 15 mg.
func TestAcceptanceMutrev4NoDoseForThrombosis(t *testing.T) {
	keto := onceDaily(med("k1", "active", rxnorm, "6135", "ketoconazole", 3))
	renew := func(r *record) call { return sign(r.replace(keto), jakDraft("upadacitinib", 30)) }
	on := func() *record { return cleanRecord().onCourse("upadacitinib") }
	runAcc(t, []accCase{
		{name: "DVT since the start: the CYP card names no dose, PI 5.5", c: renew(on().replace(onsetCond("dvt", "I82.401")(ago(14)))),
			want: w("cyp-interaction", "warning", "vte-risk", "warning"), noDose: true,
			detailOf: map[string]string{"cyp-interaction": "thrombosis during treatment: RINVOQ PI 5.5 says discontinue"}},
		{name: "MI since the start: PI 5.4", c: renew(on().replace(onsetCond("mi", "I21.4")(ago(14)))),
			want: w("cyp-interaction", "warning", "mace-history", "warning"), noDose: true,
			detailOf: map[string]string{"cyp-interaction": "RINVOQ PI 5.4 says discontinue"}},
		{name: "negative: factor V Leiden since the start: 15 mg", c: renew(on().replace(onsetCond("fvl", "D68.51")(ago(14)))),
			want: w("cyp-interaction", "warning", "vte-risk", "warning"), dose: 15},
	})
}
