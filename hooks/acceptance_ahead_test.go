package hooks

import (
	"testing"
	"time"
)

// Results dated after today (tz review question 1, decided by the lead
// engineer on 7 December): a result dated more than an hour ahead
// (rules.clockAhead), or date-only tomorrow or later, is not counted; when,
// read as current, it would give a card, a worse card or a lower dose than
// the older results give, that card is given, its evidence saying "dated
// <date>, after today: check its date". When it would change nothing, or
// only clear a card, nothing more is said.

// aheadNote is the words the card's evidence says of a result dated date.
func aheadNote(date string) string { return "dated " + date + ", after today: check its date" }

// aheadCard expects code at level, its detail naming the result dated date.
func aheadCard(code, level, date string) accCase {
	return accCase{want: w(code, level), detailOf: map[string]string{code: aheadNote(date)}}
}

// plainCard expects code at level, its detail naming no date after today.
func plainCard(code, level string) accCase {
	return accCase{want: w(code, level), notDetailOf: map[string]string{code: "after today"}}
}

func TestAcceptanceResultsAhead(t *testing.T) {
	const y2036 = "2036-11-29"
	sel := func(r *record, drug string, mg int) call {
		return call{hook: HookOrderSelect, r: r, drafts: []res{jakDraft(drug, mg)}, selections: []string{"MedicationRequest/new"}}
	}
	abroSel := func(r *record) call { return sel(r, "abrocitinib", 100) }
	upaSel := func(r *record) call { return sel(r, "upadacitinib", 15) }
	anc := func(v float64, date string) res { return qty("anc2", "751-8", v, "10*3/uL", "", date) }
	plt := func(v float64, date string) res { return qty("plt2", "777-3", v, "10*3/uL", "", date) }
	hgb := func(v float64, date string) res { return qty("hgb2", "718-7", v, "g/dL", "", date) }
	alc := func(v float64, date string) res { return qty("alc2", "731-0", v, "10*3/uL", "", date) }
	gfr := func(v float64, date string) res { return qty("egfr2", "98979-8", v, "mL/min/{1.73_m2}", "", date) }
	igra := func(value, date string) res { return obsCode("igra2", "71773-6", value, date) }
	with1 := func(x res) *record { return cleanRecord().replace(x) }
	type tc struct {
		name string
		c    call
		acc  accCase
	}
	cases := []tc{
		// A value that would give a card: the card, its date questioned.
		{"abrocitinib sign: platelets 40 dated 2036 beside a normal count", abro100(with1(plt(40, y2036))), aheadCard("thrombocytopenia", "critical", y2036)},
		{"abrocitinib select: platelets 40 dated 2036", abroSel(with1(plt(40, y2036))), aheadCard("thrombocytopenia", "critical", y2036)},
		{"upadacitinib sign: ANC 0.8 dated 2036", upa15(with1(anc(0.8, y2036))), aheadCard("neutropenia", "critical", y2036)},
		{"upadacitinib select: ANC 0.8 dated 2036", upaSel(with1(anc(0.8, y2036))), aheadCard("neutropenia", "critical", y2036)},
		{"upadacitinib sign: Hb 7 dated 2036", upa15(with1(hgb(7, y2036))), aheadCard("anemia", "critical", y2036)},
		{"abrocitinib sign: ALC 0.3 dated 2036", abro100(with1(alc(0.3, y2036))), aheadCard("lymphopenia", "critical", y2036)},
		{"upadacitinib sign: IGRA positive dated 2036 beside a negative one", upa15(with1(igra(positive, y2036))), aheadCard("tb-latent-untreated", "critical", y2036)},
		// A lower dose: the eGFR dated ahead sets it.
		{"abrocitinib sign: eGFR 45 dated 2036 beside 98: 50 mg", abro100(with1(gfr(45, y2036))),
			func() accCase { a := aheadCard("renal-impairment", "warning", y2036); a.dose = 50; return a }()},
		{"abrocitinib sign: eGFR 20 dated 2036 beside 98: not recommended", abro100(with1(gfr(20, y2036))),
			func() accCase { a := aheadCard("renal-impairment", "critical", y2036); a.noDose = true; return a }()},
		// A worse card: a count dated ahead below the critical threshold beside
		// a current one only below the warning one.
		{"abrocitinib sign: eGFR 45 now, eGFR 20 dated 2036: the worse card", abro100(cleanRecord().replace(qty("egfr", "98979-8", 45, "mL/min/{1.73_m2}", "", ago(5))).replace(gfr(20, y2036))),
			aheadCard("renal-impairment", "critical", y2036)},
		// Nothing more to say: no card, no mention.
		{"abrocitinib sign: a normal count dated 2036 beside a normal one: no card", abro100(with1(plt(260, y2036))), accCase{noCards: true}},
		{"upadacitinib sign: a normal ANC dated 2036: no card", upa15(with1(anc(4, y2036))), accCase{noCards: true}},
		{"abrocitinib sign: eGFR 95 dated 2036 beside 98: no card", abro100(with1(gfr(95, y2036))), accCase{noCards: true}},
		{"upadacitinib sign: IGRA negative dated 2036: no card", upa15(with1(igra(negative, y2036))), accCase{noCards: true}},
		// A value dated ahead that would only clear a card: the record's
		// own card stands, unquestioned (fail safe; no second line).
		{"abrocitinib sign: platelets 40 now, a normal count dated 2036: the current card stands", abro100(with1(plt(40, ago(1))).replace(qty("plt3", "777-3", 250, "10*3/uL", "", y2036))),
			plainCard("thrombocytopenia", "critical")},
		{"abrocitinib sign: eGFR 45 now, 98 dated 2036: 50 mg stands", abro100(cleanRecord().replace(qty("egfr", "98979-8", 45, "mL/min/{1.73_m2}", "", ago(5))).replace(gfr(98, y2036))),
			func() accCase { a := plainCard("renal-impairment", "warning"); a.dose = 50; return a }()},
		{"upadacitinib sign: Child-Pugh C dated 2036", upa15(with1(with(rxStr("cp2", "98153-0", "C", 0), "effectiveDateTime", y2036))),
			aheadCard("severe-hepatic-impairment", "critical", y2036)},
		{"upadacitinib sign: hCG positive dated 2036 (its own wording, kept)", upa15(with1(obsCode("hcg", "2106-3", positive, y2036))),
			aheadCard("pregnancy", "critical", y2036)},
		// Patient-view, on a course (monitoring).
		{"patient-view, abrocitinib course, CBC before the start: a normal CBC dated 2036 leaves it due, unmentioned",
			view(coursed("abrocitinib", 60).replace(plt(250, y2036)).replace(anc(3.9, y2036)).replace(hgb(13, y2036)).replace(alc(1.8, y2036))),
			accCase{want: w("monitoring-cbc-due", "warning"), notDetailOf: map[string]string{"monitoring-cbc-due": "after today"}}},
		{"patient-view, abrocitinib course: platelets 40 dated 2036", view(onCourseNow("abrocitinib", 60).replace(plt(40, y2036))), aheadCard("thrombocytopenia", "critical", y2036)},
		{"patient-view, upadacitinib course: ANC 0.8 dated 2036", view(onCourseNow("upadacitinib", 60).replace(anc(0.8, y2036))), aheadCard("neutropenia", "critical", y2036)},
		{"patient-view, upadacitinib course: a normal ANC dated 2036: no card", view(onCourseNow("upadacitinib", 60).replace(anc(4, y2036))), accCase{noCards: true}},
		{"patient-view, abrocitinib course: a normal count dated 2036: no card", view(onCourseNow("abrocitinib", 60).replace(plt(250, y2036))), accCase{noCards: true}},
	}
	for _, x := range cases {
		a := x.acc
		a.name, a.c = x.name, x.c
		runAcc(t, []accCase{a})
	}
}

// TestAcceptanceResultsAheadTolerance: N-1/N/N+1 at the tolerance (an hour
// ahead, rules.clockAhead) just before midnight, and date-only tomorrow,
// for each drug, order-sign and patient-view.
func TestAcceptanceResultsAheadTolerance(t *testing.T) {
	now := time.Date(2026, 11, 29, 23, 30, 0, 0, time.UTC)
	for _, d := range []struct {
		drug, code string
		low        func(date string) res
	}{
		{"abrocitinib", "thrombocytopenia", func(date string) res { return qty("plt2", "777-3", 40, "10*3/uL", "", date) }},
		{"upadacitinib", "neutropenia", func(date string) res { return qty("anc2", "751-8", 0.8, "10*3/uL", "", date) }},
	} {
		mg := map[string]int{"upadacitinib": 15, "abrocitinib": 100}[d.drug]
		for _, at := range []struct {
			name, date string
			acc        accCase
		}{
			{"59 minutes ahead: counts", "2026-11-30T00:29:00Z", plainCard(d.code, "critical")},
			{"60 minutes ahead: counts", "2026-11-30T00:30:00Z", plainCard(d.code, "critical")},
			{"61 minutes ahead: after today, questioned", "2026-11-30T00:31:00Z", aheadCard(d.code, "critical", "2026-11-30")},
			{"date-only tomorrow: after today, questioned", "2026-11-30", aheadCard(d.code, "critical", "2026-11-30")},
		} {
			sign := at.acc
			sign.name, sign.c = d.drug+" sign, "+at.name, call{r: cleanRecord().replace(d.low(at.date)), drafts: []res{jakDraft(d.drug, mg)}}
			pv := at.acc
			pv.name, pv.c = d.drug+" patient-view, "+at.name, view(onCourseNow(d.drug, 60).replace(d.low(at.date)))
			runAccAt(t, now, []accCase{sign, pv})
		}
	}
}
