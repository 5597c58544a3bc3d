package hooks

import (
	"fmt"
	"testing"
	"time"
)

// Age, sex and weight (contract 5 and 6.4), reviewed as a pharmacist and a
// boundary tester: every age limit the day before, on and after the
// birthday; partial, leap-day, implausible birth dates; the server clock
// at midnight; deceased patients; administrative gender; body weights.
// The windowed rules' N-1/N/N+1 are in acceptance_boundaries_test.go, the
// 12th and 65th birthdays of age-not-approved and lower-dose-recommended
// in acceptance_review2_test.go and acceptance_rxorder_test.go, the 50th
// of cardiovascular-risk in acceptance_conditions2_test.go.

// birthday returns the birth date of a patient whose years-th birthday is
// days after now (days -1: yesterday, 0: today, 1: tomorrow).
func birthday(now time.Time, years, days int) string {
	return now.AddDate(-years, 0, days).Format("2006-01-02")
}

// runAccAt is runAcc with the server's clock at now.
func runAccAt(t *testing.T, now time.Time, cases []accCase) {
	t.Helper()
	s := newTestServer(t, serverOpts{noStore: true})
	s.now = func() time.Time { return now }
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cs, body := tc.c.post(t, s)
			checkAcc(t, tc, cs, body)
		})
	}
}

// TestAcceptanceAgeBirthdays: each age limit not yet covered elsewhere at
// day precision, with a case that must fire and one that must not.
func TestAcceptanceAgeBirthdays(t *testing.T) {
	wt := func(kg float64) res { return qty("wt", "29463-7", kg, "kg", "", ago(20)) }
	var cases []accCase
	// d: days until the birthday (1: the day before, 0: on, -1: after).
	for _, d := range []int{1, 0, -1} {
		when := map[int]string{1: "the day before", 0: "on", -1: "the day after"}[d]
		before := d > 0
		born := func(years int) *record { return cleanRecord().born(birthday(testNow, years, d)) }
		pick := func(yes bool, c accCase, want map[string]string, absent ...string) accCase {
			if yes {
				c.want = want
			} else {
				c.absent = absent
			}
			return c
		}
		// 12th: the pregnancy test starts with the approved age.
		cases = append(cases,
			pick(before, accCase{name: "abrocitinib, girl, " + when + " the 12th birthday", c: abro100(born(12).drop("hcg"))},
				w("age-not-approved", "critical"), "age-not-approved"),
			pick(!before, accCase{name: "upadacitinib, girl without a pregnancy test, " + when + " the 12th birthday: pregnancy test from 12", c: upa15(born(12).drop("hcg"))},
				w("pregnancy-test-missing", "warning"), "pregnancy-test-missing"),
			// 18th: the weight limit ends, zoster vaccination begins.
			pick(before, accCase{name: "upadacitinib, 35 kg, " + when + " the 18th birthday", c: upa15(born(18).replace(wt(35)))},
				w("weight-below-label", "warning"), "weight-below-label"),
			pick(!before, accCase{name: "upadacitinib, no zoster vaccine, " + when + " the 18th birthday", c: upa15(born(18).drop("rzv"))},
				w("zoster-vaccine-missing", "warning"), "zoster-vaccine-missing"),
			// 50th: still of reproductive age on it (12 to 50 includes 50).
			accCase{name: "woman without a pregnancy test, " + when + " the 50th birthday: still asked", c: upa15(born(50).drop("hcg")), want: w("pregnancy-test-missing", "warning")},
			// 51st: aged 51 is past 50.
			pick(before, accCase{name: "woman without a pregnancy test, " + when + " the 51st birthday", c: abro100(born(51).drop("hcg"))},
				w("pregnancy-test-missing", "warning"), "pregnancy-test-missing"),
			// 65th on abrocitinib 200: no US age limit (committee item 1).
			accCase{name: "abrocitinib 200, " + when + " the 65th birthday: no age card", c: sign(born(65).drop("hcg"), jakDraft("abrocitinib", 200)), noCards: true},
		)
	}
	// A man is never asked for a pregnancy test, whatever his age.
	cases = append(cases, accCase{name: "man on his 30th birthday without a pregnancy test: nothing", c: upa15(cleanRecord().male().born(birthday(testNow, 30, 0)).drop("hcg")), noCards: true})
	runAcc(t, cases)
}

// TestAcceptanceAgeClock: ages follow the server's calendar date, in the
// zone of its clock (like the windows): at 23:59:59 UTC the birthday is
// tomorrow, at 00:00 UTC it is today. A leap-day birth turns a year older
// on 1 March in a non-leap year (under 12 for one more day: the safe
// reading for the upper limits).
func TestAcceptanceAgeClock(t *testing.T) {
	late := time.Date(2026, 11, 29, 23, 59, 59, 0, time.UTC)
	midnight := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	born := "2014-11-30" // 12th birthday on 30 November 2026
	labs := func(now time.Time) *record { return cleanRecord().labsOn(now.AddDate(0, 0, -3).Format("2006-01-02")) }
	runAccAt(t, late, []accCase{
		{name: "23:59:59 UTC the day before the 12th birthday: not approved", c: abro100(labs(late).born(born)), want: w("age-not-approved", "critical")},
	})
	runAccAt(t, midnight, []accCase{
		{name: "00:00 UTC on the 12th birthday: approved", c: abro100(labs(midnight).born(born)), noCards: true},
	})
	ny := time.FixedZone("EST", -5*3600)
	runAccAt(t, midnight.In(ny), []accCase{
		{name: "the same instant on a New York clock (29 November, 19:00): not approved", c: abro100(labs(midnight).born(born)), want: w("age-not-approved", "critical")},
	})
	// A leap-day birth: the 12th birthday always falls in a leap year, the
	// 18th and 65th do not.
	at := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, time.UTC) }
	wt35 := func(now time.Time) res {
		return qty("wt", "29463-7", 35, "kg", "", now.AddDate(0, 0, -5).Format("2006-01-02"))
	}
	for _, tc := range []struct {
		now  time.Time
		name string
		c    func(now time.Time) call
		acc  accCase
	}{
		{at(2026, 2, 28), "born 29 Feb 2008, 35 kg, no zoster vaccine, on 28 Feb 2026: 17", func(n time.Time) call { return upa15(labs(n).born("2008-02-29").drop("rzv").replace(wt35(n))) },
			accCase{want: w("weight-below-label", "warning"), absent: []string{"zoster-vaccine-missing"}, detailOf: map[string]string{"weight-below-label": "aged 17"}}},
		{at(2026, 3, 1), "born 29 Feb 2008, 35 kg, no zoster vaccine, on 1 Mar 2026: 18", func(n time.Time) call { return upa15(labs(n).born("2008-02-29").drop("rzv").replace(wt35(n))) },
			accCase{want: w("zoster-vaccine-missing", "warning"), absent: []string{"weight-below-label"}}},
		{at(2028, 2, 28), "born 29 Feb 2016, on 28 Feb 2028: 11", func(n time.Time) call { return abro100(labs(n).born("2016-02-29")) },
			accCase{want: w("age-not-approved", "critical")}},
		{at(2028, 2, 29), "born 29 Feb 2016, on 29 Feb 2028: 12", func(n time.Time) call { return abro100(labs(n).born("2016-02-29")) },
			accCase{noCards: true}},
		{at(2025, 2, 28), "born 29 Feb 1960, upadacitinib 30 on 28 Feb 2025: 64, no age card", func(n time.Time) call {
			return sign(labs(n).born("1960-02-29").drop("hcg"), jakDraft("upadacitinib", 30))
		},
			accCase{noCards: true}},
		{at(2025, 3, 1), "born 29 Feb 1960, upadacitinib 30 on 1 Mar 2025: 65, 15 mg", func(n time.Time) call {
			return sign(labs(n).born("1960-02-29").drop("hcg"), jakDraft("upadacitinib", 30))
		},
			accCase{want: w("lower-dose-recommended", "warning"), dose: 15}},
		{at(2025, 3, 1), "born 29 Feb 2015 (no such day): age unknown", func(n time.Time) call { return abro100(labs(n).born("2015-02-29")) },
			accCase{want: w("age-unknown", "warning"), absent: []string{"age-not-approved"}}},
	} {
		acc := tc.acc
		acc.name, acc.c = tc.name, tc.c(tc.now)
		runAccAt(t, tc.now, []accCase{acc})
	}
}

// TestAcceptanceAgeBadBirthDates: implausible birth dates are unknown ages.
func TestAcceptanceAgeBadBirthDates(t *testing.T) {
	runAcc(t, []accCase{
		{name: "born 1800-01-01 (226), upadacitinib 30: age unknown, not 15 mg for age", c: sign(cleanRecord().born("1800-01-01").drop("hcg"), jakDraft("upadacitinib", 30)),
			want: w("age-unknown", "warning", "pregnancy-test-missing", "warning"), absent: []string{"lower-dose-recommended"}, detailOf: map[string]string{"age-unknown": "not plausible"}},
		{name: "born 1800 with hypertension: no cardiovascular-risk from an age of 226", c: upa15(cleanRecord().born("1800").replace(cond("x", icd, "I10", "active"))),
			want: w("age-unknown", "warning"), absent: []string{"cardiovascular-risk"}},
		{name: "born 2099-01-01: age unknown, the date is said to be after today", c: upa15(cleanRecord().born("2099-01-01")),
			want: w("age-unknown", "warning"), absent: []string{"age-not-approved"}, detailOf: map[string]string{"age-unknown": "2099-01-01 is after today"}},
		{name: "born 1900-06-01 (126), upadacitinib 30: 15 mg", c: sign(cleanRecord().born("1900-06-01").drop("hcg"), jakDraft("upadacitinib", 30)),
			want: w("lower-dose-recommended", "warning"), absent: []string{"age-unknown"}, dose: 15},
	})
}

// partialDatesRead reports whether package fhir passes a partial birth
// date's precision to the rules (rules.Patient.BirthDatePrecision).
// TestAcceptanceAgePartialBirthDates: a birth date of a year ("2014") or a
// year and month ("2014-11") is read as its first day for the limits from
// an age (zoster from 18, 50, 65) and as its last day for the limits under
// an age (under 12, under 18, pregnancy test to 50): an unknown day never
// makes a child look like an adult nor hides a warning.
func TestAcceptanceAgePartialBirthDates(t *testing.T) {
	y := func(n int) string { return fmt.Sprint(testNow.Year() - n) }
	ym := func(n int, m time.Month) string { return fmt.Sprintf("%d-%02d", testNow.Year()-n, m) }
	wt := qty("wt", "29463-7", 35, "kg", "", ago(20))
	// Read as the first day, today: these hold with or without the precision.
	cases := []accCase{
		{name: "year only, 18 or 17, no zoster vaccine: asked", c: upa15(cleanRecord().born(y(18)).drop("rzv")), want: w("zoster-vaccine-missing", "warning"), detailOf: map[string]string{"zoster-vaccine-missing": "aged 1"}},
		{name: "year only, 17 or 16, no zoster vaccine: not asked", c: upa15(cleanRecord().born(y(17)).drop("rzv")), absent: []string{"zoster-vaccine-missing"}},
		{name: "year only, 65 or 64, upadacitinib 30: 15 mg", c: sign(cleanRecord().born(y(65)).drop("hcg"), jakDraft("upadacitinib", 30)), want: w("lower-dose-recommended", "warning"), dose: 15},
		{name: "year only, 64 or 63, upadacitinib 30: nothing", c: sign(cleanRecord().born(y(64)), jakDraft("upadacitinib", 30)), noCards: true},
		{name: "year only, 13 or 12: approved", c: abro100(cleanRecord().born(y(13))), noCards: true},
		{name: "year-month, 12 whatever the day: approved", c: abro100(cleanRecord().born(ym(12, 10))), noCards: true},
		{name: "year-month, 11 whatever the day: not approved", c: abro100(cleanRecord().born(ym(12, 12))), want: w("age-not-approved", "critical")},
	}
	runAcc(t, cases)
	runAcc(t, []accCase{
		{name: "year only, 12 or 11: may be younger than 12", c: abro100(cleanRecord().born(y(12))), want: w("age-not-approved", "critical"),
			summaryOf: map[string]string{"age-not-approved": "may be under 12"}, detailOf: map[string]string{"age-not-approved": "aged 11 or 12"}},
		{name: "year-month, 12 or 11 (the month of the birthday is this month): may be younger", c: abro100(cleanRecord().born(ym(12, testNow.Month()))), want: w("age-not-approved", "critical")},
		{name: "year only, 51 or 50: pregnancy test still asked", c: upa15(cleanRecord().born(y(51)).drop("hcg")), want: w("pregnancy-test-missing", "warning")},
		{name: "year only, 52 or 51: no pregnancy test", c: upa15(cleanRecord().born(y(52)).drop("hcg")), absent: []string{"pregnancy-test-missing"}},
		{name: "year only, 18 or 17, 35 kg: weight below label", c: upa15(cleanRecord().born(y(18)).replace(wt)), want: w("weight-below-label", "warning")},
		{name: "year only, 19 or 18, 35 kg: adult", c: upa15(cleanRecord().born(y(19)).replace(wt)), absent: []string{"weight-below-label"}},
	})
}

// TestAcceptanceAgeSexAndDeath: administrative gender and the pregnancy
// test (only male rules it out), and deceased patients (nothing changes:
// committee question).
func TestAcceptanceAgeSexAndDeath(t *testing.T) {
	gender := func(g any) *record {
		r := cleanRecord().drop("hcg")
		if g == nil {
			delete(r.patient, "gender")
		} else {
			r.patient["gender"] = g
		}
		return r
	}
	cases := []accCase{
		{name: "female 30: pregnancy test", c: upa15(gender("female")), want: w("pregnancy-test-missing", "warning")},
		{name: "male 30: no pregnancy test", c: upa15(gender("male")), noCards: true},
		{name: "other 30: pregnancy test (not ruled out), said", c: upa15(gender("other")), want: w("pregnancy-test-missing", "warning"),
			detailOf: map[string]string{"pregnancy-test-missing": `administrative gender "other"`}},
		{name: "unknown 30: pregnancy test", c: abro100(gender("unknown")), want: w("pregnancy-test-missing", "warning")},
		{name: "gender absent 30: pregnancy test", c: abro100(gender(nil)), want: w("pregnancy-test-missing", "warning"),
			detailOf: map[string]string{"pregnancy-test-missing": `administrative gender "missing"`}},
		{name: "gender 'M' (not a FHIR code) 30: read as missing, pregnancy test", c: abro100(gender("M")), want: w("pregnancy-test-missing", "warning")},
		{name: "unknown 55: no pregnancy test", c: abro100(gender("unknown").born(bornAged(55))), noCards: true},
		{name: "other 11: not approved, no pregnancy test", c: abro100(gender("other").born(bornAged(11))), want: w("age-not-approved", "critical"), absent: []string{"pregnancy-test-missing"}},
		{name: "female 30 with a negative test 10 days ago: nothing", c: upa15(gender("female").replace(obsCode("hcg", "2106-3", negative, ago(10)))), noCards: true},
		{name: "male with a positive pregnancy test: pregnancy (the result wins over the gender)", c: upa15(gender("male").replace(obsCode("hcg", "2106-3", positive, ago(3)))), want: w("pregnancy", "critical")},
		// Deceased: the rules run as for a living patient (the EHR should not
		// let an order be signed; a card saying so is a committee question).
		{name: "deceasedBoolean true, 11: not approved as alive", c: abro100(cleanRecord().born(bornAged(11)).with("deceasedBoolean", true)), want: w("age-not-approved", "critical")},
		{name: "deceasedDateTime, 70, upadacitinib 30: 15 mg as alive (age at today)", c: sign(cleanRecord().born(bornAged(70)).drop("hcg").with("deceasedDateTime", ago(400)), jakDraft("upadacitinib", 30)),
			want: w("lower-dose-recommended", "warning"), dose: 15},
		{name: "deceasedBoolean false, 30: nothing", c: upa15(cleanRecord().with("deceasedBoolean", false)), noCards: true},
	}
	runAcc(t, cases)
}

// with sets a member of the record's Patient.
func (r *record) with(k string, v any) *record { r.patient[k] = v; return r }

// TestAcceptanceAgeWeights: body weights of an upadacitinib adolescent in
// the units and shapes EHRs send them.
func TestAcceptanceAgeWeights(t *testing.T) {
	teen := func() *record { return cleanRecord().born(bornAged(14)) }
	wt := func(id string, v float64, code, unit string, days int) res {
		return qty(id, "29463-7", v, code, unit, ago(days))
	}
	cases := []accCase{
		{name: "40.1 kg: nothing", c: upa15(teen().replace(wt("wt", 40.1, "kg", "", 20))), noCards: true},
		{name: "39.9 kg written 'kilograms' (unit text only): below", c: upa15(teen().replace(wt("wt", 39.9, "", "kilograms", 20))), want: w("weight-below-label", "warning")},
		{name: "39.9 kg written 'KG': below", c: upa15(teen().replace(wt("wt", 39.9, "", "KG", 20))), want: w("weight-below-label", "warning")},
		{name: "88.1 pounds (39.96 kg): below", c: upa15(teen().replace(wt("wt", 88.1, "", "pounds", 20))), want: w("weight-below-label", "warning")},
		{name: "88.2 [lb_av] (40.007 kg): nothing", c: upa15(teen().replace(wt("wt", 88.2, "[lb_av]", "", 20))), noCards: true},
		{name: "40000 g: nothing", c: upa15(teen().replace(wt("wt", 40000, "g", "", 20))), noCards: true},
		{name: "39999 g: below", c: upa15(teen().replace(wt("wt", 39999, "g", "", 20))), want: w("weight-below-label", "warning")},
		// A weight with no unit is not used (contract 6.5): no card on it alone.
		{name: "35 with no unit: not used (committee)", c: upa15(teen().replace(wt("wt", 35, "", "", 20))), absent: []string{"weight-below-label"}},
		{name: "35 in stone ('st', not recognised): not used", c: upa15(teen().replace(wt("wt", 35, "", "st", 20))), absent: []string{"weight-below-label"}},
		// The latest weight decides; an older one does not.
		{name: "45 kg two years ago, 38 kg last week: below", c: upa15(teen().replace(wt("old", 45, "kg", "", 730)).replace(wt("wt", 38, "kg", "", 7))), want: w("weight-below-label", "warning"),
			notDetailOf: map[string]string{"weight-below-label": "over a year old"}},
		{name: "38 kg two years ago, 45 kg last week: nothing", c: upa15(teen().replace(wt("old", 38, "kg", "", 730)).replace(wt("wt", 45, "kg", "", 7))), noCards: true},
		{name: "only weight 38 kg 366 days ago: below, confirm the current weight", c: upa15(teen().replace(wt("wt", 38, "kg", "", 366))), want: w("weight-below-label", "warning"),
			detailOf: map[string]string{"weight-below-label": "over a year old"}},
		{name: "only weight 38 kg 365 days ago: below, not said to be old", c: upa15(teen().replace(wt("wt", 38, "kg", "", 365))), want: w("weight-below-label", "warning"),
			notDetailOf: map[string]string{"weight-below-label": "over a year old"}},
		// Shapes: a weight written as text, coded locally but named, and a
		// birth weight (not a body weight now: no false alarm).
		{name: "valueString '35 kg': below", c: upa15(teen().replace(res{"resourceType": "Observation", "id": "wt", "status": "final", "code": coding(loinc, "29463-7"),
			"effectiveDateTime": ago(10), "valueString": "35 kg"})), want: w("weight-below-label", "warning")},
		{name: "local code named 'Body weight', 35 kg: below", c: upa15(teen().replace(res{"resourceType": "Observation", "id": "wt", "status": "final",
			"code": res{"coding": []any{res{"system": "urn:oid:1.2.3.4", "code": "WT1", "display": "Body weight"}}}, "effectiveDateTime": ago(10), "valueQuantity": res{"value": 35, "unit": "kg"}})),
			want: w("weight-below-label", "warning")},
		{name: "birth weight 3.2 kg (LOINC 8339-4) at 14: nothing", c: upa15(teen().replace(res{"resourceType": "Observation", "id": "bw", "status": "final",
			"code": res{"coding": []any{res{"system": loinc, "code": "8339-4", "display": "Birth weight Measured"}}}, "effectiveDateTime": bornAged(14), "valueQuantity": res{"value": 3.2, "unit": "kg"}})),
			noCards: true},
		{name: "a preliminary weight of 35 kg: not a result (committee, monitoring review 1)", c: upa15(teen().replace(with(wt("wt", 35, "kg", "", 10), "status", "preliminary"))),
			absent: []string{"weight-below-label"}},
		{name: "no weight at all at 14: nothing (the contract needs a weight)", c: upa15(teen()), noCards: true},
		// patient-view: the order-time age and weight rules do not run on a
		// patient already on treatment (contract: no such patient-view rows).
		{name: "patient-view, 14, 35 kg, on upadacitinib: no weight card", c: view(func() *record {
			r := coursed("upadacitinib", 20).born(bornAged(14)).replace(wt("wt", 35, "kg", "", 5))
			return r
		}()), absent: []string{"weight-below-label", "age-not-approved"}},
		{name: "patient-view, 11 on abrocitinib: no age card", c: view(coursed("abrocitinib", 20).born(bornAged(11))), absent: []string{"age-not-approved"}},
		// A renewal still says the age and the weight (not screening).
		{name: "renewal for an 11-year-old: still not approved, worded for a patient on it", c: sign(stable("abrocitinib", 100).born(bornAged(11)), jakDraft("abrocitinib", 100)), want: w("age-not-approved", "critical"),
			summaryOf: map[string]string{"age-not-approved": "Review abrocitinib: not approved under 12"}},
		{name: "renewal, 14, 35 kg: still below the label", c: sign(stable("upadacitinib", 15).born(bornAged(14)).replace(wt("wt", 35, "kg", "", 5)), jakDraft("upadacitinib", 15)), want: w("weight-below-label", "warning")},
	}
	runAcc(t, cases)
}
