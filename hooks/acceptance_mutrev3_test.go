package hooks

import (
	"strconv"
	"testing"
	"time"
)

// Third mutation review (mutrev3, docs/rules.md "Boundary mutation review
// 3"): the mutants mutrev2 had no time to run, and the logic added by the
// session after it (results dated after today, Patient versions, the
// shorter limit names), where no test pinned them.

// TestAcceptanceMutrev3DateOnlyTomorrowWest: a date-only result is
// midnight UTC of its date, so on a server west of UTC (New York, UTC-5)
// tomorrow's date has begun in UTC from 19:00 local: a result an EHR in
// UTC dated with its own today. Before 19:00 it is after now (read as
// current and questioned); from 19:00 it has happened and counts as the
// newest result (rules.future: a date-only value is ahead only while it
// is after now; mutrev3: "after today" for every date-only value of
// tomorrow's date survived).
func TestAcceptanceMutrev3DateOnlyTomorrowWest(t *testing.T) {
	ny := time.FixedZone("EST", -5*3600)
	at := func(h, m int) time.Time { return time.Date(2026, 11, 29, h, m, 0, 0, ny) }
	ahead := accCase{want: w("thrombocytopenia", "critical"), detailOf: map[string]string{"thrombocytopenia": "dated 2026-11-30, after today: check its date"}}
	counts := accCase{want: w("thrombocytopenia", "critical"), notDetailOf: map[string]string{"thrombocytopenia": "after today"}}
	cases := []struct {
		name string
		now  time.Time
		acc  accCase
	}{
		{"New York 18:59 (23:59Z), platelets 40 dated 2026-11-30: after now, questioned", at(18, 59), ahead},
		{"New York 19:00 (midnight UTC): its date has begun, counts", at(19, 0), counts},
		{"New York 19:01: counts", at(19, 1), counts},
		{"New York 23:58: counts", at(23, 58), counts},
	}
	for _, tc := range cases {
		acc := tc.acc
		acc.name, acc.c = tc.name, tzPlatelets(40, "2026-11-30")
		runAccAt(t, tc.now, []accCase{acc})
	}
	// The negative: a normal count so dated beside a normal one says
	// nothing, whether it counts or is read as current.
	for _, now := range []time.Time{at(18, 59), at(19, 1)} {
		runAccAt(t, now, []accCase{{name: "normal count dated 2026-11-30 at " + now.Format("15:04"), c: tzPlatelets(250, "2026-11-30"), noCards: true}})
	}
}

// TestAcceptanceMutrev3SameNameTwoDrugs: the CYP action names each drug
// once by its drug word (dupes), and joinNames says a name once too: two
// records of two drugs under one local name ("Azole antifungal", coded
// ketoconazole and itraconazole) are two drug words but one name, said
// once ("Azole antifungal and Azole antifungal" without joinNames' own
// check; mutrev2 left it open). Each record keeps its evidence line.
func TestAcceptanceMutrev3SameNameTwoDrugs(t *testing.T) {
	withMeds := cleanWithMeds
	keto := onceDaily(med("k1", "active", rxnorm, "6135", "Azole antifungal", 3))
	itra := onceDaily(stmt("i1", "active", rxnorm, "28031", "Azole antifungal", 3))
	itraNamed := onceDaily(stmt("i2", "active", rxnorm, "28031", "itraconazole", 3))
	twice := "Azole antifungal and Azole antifungal"
	runAcc(t, []accCase{
		{name: "ketoconazole and itraconazole under one local name: the name once", c: sign(withMeds(keto, itra), jakDraft("upadacitinib", 30)),
			want: w("cyp-interaction", "warning"), dose: 15,
			detailOf: map[string]string{"cyp-interaction": "With Azole antifungal (strong CYP3A4 inhibitors)"}, notDetailOf: map[string]string{"cyp-interaction": twice}},
		{name: "the same on order-select", c: call{hook: HookOrderSelect, r: withMeds(keto, itra), drafts: []res{jakDraft("upadacitinib", 30)}, selections: []string{"MedicationRequest/new"}},
			want: w("cyp-interaction", "warning"), dose: 15, notDetailOf: map[string]string{"cyp-interaction": twice}},
		{name: "negative: the local name and itraconazole by name are two names, both said", c: sign(withMeds(keto, itraNamed), jakDraft("upadacitinib", 30)),
			want: w("cyp-interaction", "warning"), dose: 15, detailOf: map[string]string{"cyp-interaction": "With itraconazole and Azole antifungal"}},
	})
}

// TestAcceptanceMutrev3TwoCurrentOrdersOneDate: of two current orders of
// the course, the later one gives the course's dose; two of the same date
// (15 and 30 mg) are both the latest, and the bundle's order chose: a
// renewal at 30 mg for a 55-year-old smoker was a dose increase (the risk
// rows' 15 mg card) with the 15 mg order listed last, and not with it
// first (mutrev3: latestMember's tie). The higher dose of the two is the
// course's now, whatever their order. The 30 mg order a day before the
// 15 mg one (the 15 mg the latest) and a day after (the 30 mg) pin the
// dates around the tie; a 15 mg renewal is never an increase.
func TestAcceptanceMutrev3TwoCurrentOrdersOneDate(t *testing.T) {
	rec := func(days30 int, thirtyFirst bool) *record {
		a := courseMed("u15", "MedicationRequest", "active", "upadacitinib", 15, 200)
		b := courseMed("u30", "MedicationRequest", "active", "upadacitinib", 30, days30)
		r := cleanRecord().born(bornAged(55)).replace(obsCode("smoke", "72166-2", "449868002", ago(20)))
		if thirtyFirst {
			r.medications = append(r.medications, b, a)
		} else {
			r.medications = append(r.medications, a, b)
		}
		return r
	}
	raised := accCase{want: w("lower-dose-recommended", "warning"), dose: 15}
	kept := accCase{noCards: true}
	var cases []accCase
	for _, first := range []bool{false, true} {
		order := map[bool]string{false: "15 mg listed first", true: "30 mg listed first"}[first]
		for _, tc := range []struct {
			name string
			days int
			acc  accCase
		}{
			{"30 mg order a day before the 15 mg one: the course is at 15 mg, 30 raises it", 201, raised},
			{"both of one date: the course is at the higher 30 mg, 30 keeps it", 200, kept},
			{"30 mg order a day after: the course is at 30 mg", 199, kept},
		} {
			acc := tc.acc
			acc.name, acc.c = tc.name+" ("+order+")", sign(rec(tc.days, first), jakDraft("upadacitinib", 30))
			cases = append(cases, acc)
			cases = append(cases, accCase{name: "negative, a 15 mg renewal: " + tc.name + " (" + order + ")", c: sign(rec(tc.days, first), jakDraft("upadacitinib", 15)), noCards: true})
		}
	}
	runAcc(t, cases)
}

// TestAcceptanceMutrev3NotRecommendedBeforeTiclopidine: with ticlopidine
// (its 50 mg ruled out: contraindicated with abrocitinib) and a finding
// that rules abrocitinib out at any dose (eGFR below 30), the other dose
// cards say why no dose is named by the latter, the drug not recommended
// at all, not by ticlopidine's "50 mg daily at most" (mutrev3: the order
// of the two reasons survived). At eGFR 30 the renal limit is 50 mg, and
// ticlopidine's reason is the one.
func TestAcceptanceMutrev3NotRecommendedBeforeTiclopidine(t *testing.T) {
	rec := ticlopidineSmoker
	notRec := "No dose is suggested: abrocitinib is not recommended for this patient ("
	byTic := "is contraindicated with ticlopidine 250 MG Oral Tablet (see its card)"
	runAcc(t, []accCase{
		{name: "eGFR 29 and ticlopidine: not recommended at any dose is the reason", c: sign(rec(29), jakDraft("abrocitinib", 200)), noDose: true,
			detailOf: map[string]string{"lower-dose-recommended": notRec}, notDetailOf: map[string]string{"lower-dose-recommended": byTic}},
		{name: "eGFR 30 and ticlopidine: ticlopidine's contraindication is the reason", c: sign(rec(30), jakDraft("abrocitinib", 200)), noDose: true,
			detailOf: map[string]string{"lower-dose-recommended": byTic}, notDetailOf: map[string]string{"lower-dose-recommended": notRec}},
		{name: "eGFR 31 and ticlopidine: the same", c: sign(rec(31), jakDraft("abrocitinib", 200)), noDose: true,
			detailOf: map[string]string{"lower-dose-recommended": byTic}, notDetailOf: map[string]string{"lower-dose-recommended": notRec}},
	})
}

// TestAcceptanceMutrev3SamePartialBirthDateTwice: two Patient resources
// giving the same partial birth date ("2014") are one birth date: the
// card asks for the full date, not to reconcile two resources (mutrev3:
// Patient.Also's equal-range return dropped made them "two Patient
// resources with different birth dates"). With a full date in the other
// resource they do differ, and say so.
func TestAcceptanceMutrev3SamePartialBirthDateTwice(t *testing.T) {
	both := func(births ...string) *record {
		var ps []res
		for _, b := range births {
			ps = append(ps, res{"resourceType": "Patient", "id": "p1", "gender": "male", "birthDate": b})
		}
		r := cleanRecord()
		r.patient = bundleOf(ps)
		return r
	}
	year := "year only: record the full date"
	two := "two Patient resources with different birth dates"
	runAcc(t, []accCase{
		{name: "2014 once: year only", c: sign(both("2014"), jakDraft("abrocitinib", 100)), want: w("age-not-approved", "critical"),
			detailOf: map[string]string{"age-not-approved": year}},
		{name: "2014 twice: one partial date, year only", c: sign(both("2014", "2014"), jakDraft("abrocitinib", 100)), want: w("age-not-approved", "critical"),
			detailOf: map[string]string{"age-not-approved": "Check the full birth date"}, notDetailOf: map[string]string{"age-not-approved": two}},
		{name: "2014 and 2014-01-15: two birth dates", c: sign(both("2014", "2014-01-15"), jakDraft("abrocitinib", 100)), want: w("age-not-approved", "critical"),
			detailOf: map[string]string{"age-not-approved": two}},
		// The same first day is not the same range: 2014-01-01 (aged 12)
		// beside "2014" (born by 31 December: 11 or 12) may be under 12.
		{name: "2014-01-01 then 2014: may be 11, critical", c: sign(both("2014-01-01", "2014"), jakDraft("abrocitinib", 100)), want: w("age-not-approved", "critical"),
			detailOf: map[string]string{"age-not-approved": two}},
		{name: "2014-12-31 then 2014: the same last day, may be 12", c: sign(both("2014-12-31", "2014"), jakDraft("abrocitinib", 100)), want: w("age-not-approved", "critical"),
			detailOf: map[string]string{"age-not-approved": two}},
		{name: "negative: 2014-01-01 twice: aged 12, no card", c: sign(both("2014-01-01", "2014-01-01"), jakDraft("abrocitinib", 100)), absent: []string{"age-not-approved"}},
	})
}

// TestAcceptanceMutrev3MonthOnlyBirthDateLastDay: a birth date of month
// precision ("2014-10") may be any day of October 2014, the 31st last:
// that child is 12 from 31 October 2026 and not before (abrocitinib's
// approved age). A day past the month's end (1 November, mutrev3:
// birthLast's day 0 moved to 1) kept the child possibly 11 on the 31st.
func TestAcceptanceMutrev3MonthOnlyBirthDateLastDay(t *testing.T) {
	rec := func() *record {
		r := cleanRecord()
		r.patient = res{"resourceType": "Patient", "id": "p1", "gender": "male", "birthDate": "2014-10"}
		return r
	}
	at := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 12, 0, 0, 0, time.UTC) }
	under := accCase{want: w("age-not-approved", "critical"), detailOf: map[string]string{"age-not-approved": "year and month only"}}
	for _, tc := range []struct {
		name string
		now  time.Time
		acc  accCase
	}{
		{"30 October 2026: born 31 October 2014 is 11, may be under 12", at(10, 30), under},
		{"31 October 2026: 12 on any day of October 2014, no card", at(10, 31), accCase{absent: []string{"age-not-approved"}}},
		{"1 November 2026: no card", at(11, 1), accCase{absent: []string{"age-not-approved"}}},
	} {
		acc := tc.acc
		acc.name, acc.c = tc.name, sign(rec(), jakDraft("abrocitinib", 100))
		runAccAt(t, tc.now, []accCase{acc})
	}
}

// TestAcceptanceMutrev3SharedIDTextOnly: two drafts under one id named by
// their text only (no coding), upadacitinib and abrocitinib, are two
// orders, as coded ones are (workflow review): the text is part of the
// order's key (mutrev3: orderKey without the text made them one order,
// and combination-jak was not said). Two copies of one text-only draft
// are still one order.
func TestAcceptanceMutrev3SharedIDTextOnly(t *testing.T) {
	textOnly := func(drug string, mg int) res {
		m := jakDraft(drug, mg)
		m["id"] = "j"
		m["medicationCodeableConcept"] = res{"text": m["medicationCodeableConcept"].(res)["text"]}
		return m
	}
	runAcc(t, []accCase{
		{name: "upadacitinib and abrocitinib by text under one id: two orders", c: sign(cleanRecord(), textOnly("upadacitinib", 15), textOnly("abrocitinib", 100)),
			want: w("combination-jak", "critical")},
		{name: "negative: one text-only draft twice under one id: one order", c: sign(cleanRecord(), textOnly("upadacitinib", 15), textOnly("upadacitinib", 15)),
			absent: []string{"combination-jak"}},
	})
}

// TestAcceptanceMutrev3NamesCap: the CYP action names at most 5 drugs
// (rules.maxNames, the evidence lines' cap less the line saying how many
// more), then says how many more (failsafe12): 5 strong CYP3A4
// inhibitors are all named, 6 are 5 and "1 more", 7 are 5 and "2 more"
// (mutrev3: the cap at 4 and at 6 survived).
func TestAcceptanceMutrev3NamesCap(t *testing.T) {
	words := []string{"ketoconazole", "itraconazole", "clarithromycin", "telithromycin", "nefazodone", "voriconazole", "posaconazole"}
	rec := func(n int) *record {
		r := cleanRecord()
		for i, word := range words[:n] {
			r.medications = append(r.medications, onceDaily(stmt("x"+word, "active", "", "", word, 3+i)))
		}
		return r
	}
	cases := []accCase{}
	for _, tc := range []struct {
		n          int
		said, more string
	}{
		{5, "With ketoconazole, itraconazole, clarithromycin, telithromycin and nefazodone (strong", "more"},
		{6, "and 1 more", "and 2 more"},
		{7, "and 2 more", "and 1 more"},
	} {
		cases = append(cases, accCase{name: strconv.Itoa(tc.n) + " strong CYP3A4 inhibitors", c: sign(rec(tc.n), jakDraft("upadacitinib", 30)),
			want: w("cyp-interaction", "warning"), dose: 15,
			detailOf: map[string]string{"cyp-interaction": tc.said}, notDetailOf: map[string]string{"cyp-interaction": tc.more + " (strong"}})
	}
	runAcc(t, cases)
}
