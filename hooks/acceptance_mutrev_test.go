package hooks

import (
	"fmt"
	"testing"
)

// The boundary mutation review (mutrev, December 2026; docs/rules.md
// "Boundary mutation review"): every clinical threshold, window, age, dose
// limit and unit factor of package rules was mutated by hand (the
// comparison flipped at the boundary, the constant moved to N-1 and N+1)
// and the rules, cards and hooks tests run against each mutant. The
// scenarios below pin the boundaries that no test pinned: each mutant they
// name survived every test before them.

// TestAcceptanceMutrevUpadacitinib65: RINVOQ US PI 2.5 (knowledge base R4):
// adults 65 years of age and older take 15 mg once daily. Mutant
// "ageReason: age > 65" survived: on the 65th birthday an upadacitinib order
// whose dose could not be read got no lower-dose card (only "dose not
// checked"), and a 30 mg order lost "aged 65 or over" from its summary.
func TestAcceptanceMutrevUpadacitinib65(t *testing.T) {
	unread := func() res {
		// A product RxCUI with no strength in the sig: the daily dose is unknown.
		return with(jakDraft("upadacitinib", 30), "medicationCodeableConcept", cc(rxnorm, "2196894", "", ""))
	}
	var cases []accCase
	// d: days until the 65th birthday (1: the day before, 0: on, -1: after).
	for _, d := range []int{1, 0, -1} {
		when := map[int]string{1: "the day before", 0: "on", -1: "the day after"}[d]
		r := func() *record { return cleanRecord().born(birthday(testNow, 65, d)).drop("hcg") }
		if d > 0 {
			cases = append(cases,
				accCase{name: "upadacitinib, dose unreadable, " + when + " the 65th birthday: only that the dose was not checked",
					c: sign(r(), unread()), want: w("dose-unknown", "info"), onlyInfo: true, noDose: true},
				accCase{name: "upadacitinib 30 mg " + when + " the 65th birthday: nothing", c: sign(r(), jakDraft("upadacitinib", 30)), noCards: true})
			continue
		}
		cases = append(cases,
			accCase{name: "upadacitinib, dose unreadable, " + when + " the 65th birthday: the 15 mg age limit is said",
				c: sign(r(), unread()), want: w("lower-dose-recommended", "warning"), dose: 15,
				summaryOf: map[string]string{"lower-dose-recommended": "aged 65 or over"}},
			accCase{name: "upadacitinib 30 mg " + when + " the 65th birthday: 15 mg, for the age",
				c: sign(r(), jakDraft("upadacitinib", 30)), want: w("lower-dose-recommended", "warning"), dose: 15,
				summaryOf: map[string]string{"lower-dose-recommended": "aged 65 or over"}})
	}
	runAcc(t, cases)
}

// TestAcceptanceMutrevPregnancyStatus300Days: a pregnancy status
// Observation (LOINC 82810-3 "Pregnant") counts as a current pregnancy for
// pregnancyMaxDays (300 days, today included), as a pregnancy condition
// does (RINVOQ US PI 5.9, 8.1 and R16: verify pregnancy status; CIBINQO
// 8.1, EU SmPC 4.3). Mutants "status look-back 301 days" and "299 days"
// survived: the one test at 300 days had a negative hCG after the status,
// which ends the pregnancy whatever its age.
func TestAcceptanceMutrevPregnancyStatus300Days(t *testing.T) {
	const pregnant = "77386006"
	var cases []accCase
	for _, d := range []int{299, 300, 301} {
		start := cleanRecord().drop("hcg").replace(r2status("ps", pregnant, d))
		onTx := cleanRecord().onCourse("upadacitinib").drop("hcg").replace(r2status("ps", pregnant, d))
		if d < 300 {
			cases = append(cases,
				accCase{name: fmt.Sprintf("status Pregnant %d days ago, no test since, upadacitinib start: pregnancy", d),
					c: upa15(start), want: w("pregnancy", "critical"), absent: []string{"pregnancy-test-missing"}},
				accCase{name: fmt.Sprintf("status Pregnant %d days ago, patient-view on upadacitinib: pregnancy", d),
					c: view(onTx), want: w("pregnancy", "critical")})
			continue
		}
		cases = append(cases,
			accCase{name: fmt.Sprintf("status Pregnant %d days ago, no test since, upadacitinib start: ended, the test is asked for", d),
				c: upa15(start), want: w("pregnancy-test-missing", "warning"), absent: []string{"pregnancy"}},
			accCase{name: fmt.Sprintf("status Pregnant %d days ago, patient-view on upadacitinib: ended", d),
				c: view(onTx), absent: []string{"pregnancy"}})
	}
	runAcc(t, cases)
}

// TestAcceptanceMutrevPlausibleAge130: a birth date giving an age over
// maxPlausibleAge (130) is a placeholder (age-unknown, no age-based dose);
// 130 itself is an age (docs/rules.md "Implausible and future dates").
// Mutants "age > 129" and "age > 131" survived: the tests stood at 126 and
// 226.
func TestAcceptanceMutrevPlausibleAge130(t *testing.T) {
	upa30 := func(birth string) call {
		return sign(cleanRecord().born(birth).drop("hcg"), jakDraft("upadacitinib", 30))
	}
	aged := accCase{want: w("lower-dose-recommended", "warning"), absent: []string{"age-unknown"}, dose: 15}
	unknown := accCase{want: w("age-unknown", "warning"), absent: []string{"lower-dose-recommended"},
		detailOf: map[string]string{"age-unknown": "not plausible"}}
	var cases []accCase
	for _, b := range []struct {
		name  string
		birth string
		tc    accCase
	}{
		{"aged 129 (130th birthday tomorrow)", birthday(testNow, 130, 1), aged},
		{"aged 130 (130th birthday today)", birthday(testNow, 130, 0), aged},
		{"aged 130 (131st birthday tomorrow)", birthday(testNow, 131, 1), aged},
		{"aged 131 (131st birthday today)", birthday(testNow, 131, 0), unknown},
		{"aged 131 (131st birthday yesterday)", birthday(testNow, 131, -1), unknown},
	} {
		tc := b.tc
		tc.name, tc.c = "upadacitinib 30, "+b.name, upa30(b.birth)
		cases = append(cases, tc)
	}
	runAcc(t, cases)
}

// TestAcceptanceMutrevLiveVaccineToday: a live vaccine dated today was
// given today, within the 28 days (RINVOQ US PI 5.x and R18, CIBINQO C16:
// avoid live vaccines immediately prior to treatment); only a date after
// today is "a date after today, read as recent". Mutant "days ago <= 0 is
// after today" survived: the test of a vaccine given today checked only the
// card, not what it said of the date.
func TestAcceptanceMutrevLiveVaccineToday(t *testing.T) {
	upa := func(date string) call { return upa15(cleanRecord().replace(immunization("zvl", "121", date))) }
	runAcc(t, []accCase{
		{name: "Zostavax yesterday: recent, 1 day ago", c: upa(ago(1)), want: w("live-vaccine-recent", "warning"),
			detailOf: map[string]string{"live-vaccine-recent": "(1 days ago)"}, notDetailOf: map[string]string{"live-vaccine-recent": "after today"}},
		{name: "Zostavax today: recent, 0 days ago, not after today", c: upa(ago(0)), want: w("live-vaccine-recent", "warning"),
			detailOf: map[string]string{"live-vaccine-recent": "(0 days ago)"}, notDetailOf: map[string]string{"live-vaccine-recent": "after today"}},
		{name: "Zostavax tomorrow: recent, its date is after today", c: upa(ago(-1)), want: w("live-vaccine-recent", "warning"),
			detailOf: map[string]string{"live-vaccine-recent": "a date after today, read as recent"}},
	})
}

// TestAcceptanceMutrevChildPughScoreRange: a Child-Pugh score is 5 to 15
// (5-6 A, 7-9 B, 10-15 C; RINVOQ US PI 8.6 and R11, CIBINQO C8: not
// recommended in Child-Pugh C). A number outside it is no class: with
// cirrhosis the class is still to be confirmed, and an older readable class
// C is not hidden by it. Mutant "score 4 is class A" survived: it dropped
// the critical card of an older Child-Pugh C behind a newer score of 4, and
// the warning to confirm the class.
func TestAcceptanceMutrevChildPughScoreRange(t *testing.T) {
	cp := func(id string, v float64, days int) res { return qty(id, "98153-0", v, "", "points", ago(days)) }
	cirrhosis := func() *record { return cleanRecord().replace(cond("cir", sct, "19943007", "active")) }
	confirm := accCase{want: w("severe-hepatic-impairment", "warning"),
		summaryOf: map[string]string{"severe-hepatic-impairment": "Child-Pugh"}}
	var cases []accCase
	add := func(name string, c call, tc accCase) { tc.name, tc.c = name, c; cases = append(cases, tc) }
	add("cirrhosis, Child-Pugh score 4 (no such score): confirm the class", upa15(cirrhosis().replace(cp("cp", 4, 10))), confirm)
	add("cirrhosis, Child-Pugh score 5 (A): nothing", upa15(cirrhosis().replace(cp("cp", 5, 10))), accCase{noCards: true})
	add("cirrhosis, Child-Pugh score 6 (A): nothing", upa15(cirrhosis().replace(cp("cp", 6, 10))), accCase{noCards: true})
	add("cirrhosis, Child-Pugh score 15 (C): not recommended", upa15(cirrhosis().replace(cp("cp", 15, 10))),
		accCase{want: w("severe-hepatic-impairment", "critical")})
	add("cirrhosis, Child-Pugh score 16 (no such score): confirm the class", upa15(cirrhosis().replace(cp("cp", 16, 10))), confirm)
	add("Child-Pugh 11 (C) 40 days ago, a score of 4 since: still not recommended",
		abro100(cleanRecord().replace(cp("cp", 11, 40)).replace(cp("cp2", 4, 10))), accCase{want: w("severe-hepatic-impairment", "critical")})
	add("Child-Pugh 11 (C) 40 days ago, a score of 5 (A) since: the newer class decides",
		abro100(cleanRecord().replace(cp("cp", 11, 40)).replace(cp("cp2", 5, 10))), accCase{noCards: true})
	runAcc(t, cases)
}

// TestAcceptanceMutrevSupplyMonthsAndYears: a dispensed supply in months
// (UCUM "mo") is 30 days a month and in years ("a") 365 days (docs/rules.md
// "Treatment courses"), so a completed order lasts that long and its course
// is recent (contract 6.1, 6.2: ended within 90 days) while the supply ran
// out 90 days ago or less. Mutant "a month is 31 days" survived: the one
// test in months stood 60 days from the limit.
func TestAcceptanceMutrevSupplyMonthsAndYears(t *testing.T) {
	tofa := drugDraft("x", rxnorm, "1357541", "tofacitinib 5 MG Oral Tablet")
	ucum := func(v float64, unit, code string) res {
		return res{"value": v, "unit": unit, "system": "http://unitsofmeasure.org", "code": code}
	}
	var cases []accCase
	for _, s := range []struct {
		name   string
		supply res
		days   int // the supply in days
	}{
		{"3 months (mo)", ucum(3, "months", "mo"), 90},
		{"1 year (a)", ucum(1, "year", "a"), 365},
	} {
		// Authored days+89, days+90, days+91 ago: ran out 89, 90, 91 days ago.
		for _, ended := range []int{89, 90, 91} {
			c := accCase{name: fmt.Sprintf("upadacitinib, a supply of %s authored %d days ago: ran out %d days ago", s.name, s.days+ended, ended),
				c: sign(suppliedCourse("upadacitinib", 15, s.days+ended, s.supply, 0), tofa)}
			if ended <= 90 {
				c.want = w("combination-jak", "critical")
				c.detailOf = map[string]string{"combination-jak": fmt.Sprintf("(%d days ago", ended)}
			} else {
				c.noCards = true
			}
			cases = append(cases, c)
		}
	}
	runAcc(t, cases)
}

// TestAcceptanceMutrevLiveVaccineListedAfterToday (defect): a completed
// live vaccine on a medication list (an order or an outside statement)
// dated more than 14 hours after now was read as not given: no card, while
// the same vaccine as an Immunization dated after today is "read as
// recent" (docs/rules.md "Implausible and future dates": a live vaccine
// dated after today keeps its card; RINVOQ US PI 5.10 and R18, CIBINQO 5.7
// and C16: avoid live vaccines immediately prior to treatment). Found when
// mutant "14 hours -> 13 hours" of that cut-off survived.
func TestAcceptanceMutrevLiveVaccineListedAfterToday(t *testing.T) {
	var cases []accCase
	for _, rt := range []string{"MedicationRequest", "MedicationStatement"} {
		mk := func(d int) *record {
			r := cleanRecord()
			if rt == "MedicationStatement" {
				r.medications = append(r.medications, stmt("mmr", "completed", cvx, "03", "MMR vaccine", d))
			} else {
				r.medications = append(r.medications, med("mmr", "completed", cvx, "03", "MMR vaccine", d))
			}
			return r
		}
		cases = append(cases,
			accCase{name: rt + ": MMR completed today: recent, 0 days ago", c: upa15(mk(0)), want: w("live-vaccine-recent", "warning"),
				detailOf: map[string]string{"live-vaccine-recent": "(0 days ago)"}, notDetailOf: map[string]string{"live-vaccine-recent": "after today"}},
			accCase{name: rt + ": MMR completed, dated tomorrow: recent, its date after today", c: upa15(mk(-1)), want: w("live-vaccine-recent", "warning"),
				detailOf: map[string]string{"live-vaccine-recent": "a date after today, read as recent"}},
			accCase{name: rt + ": MMR completed, dated in 2 days: recent, its date after today", c: upa15(mk(-2)), want: w("live-vaccine-recent", "warning"),
				detailOf: map[string]string{"live-vaccine-recent": "a date after today, read as recent"}},
			accCase{name: rt + ": MMR completed, dated in 30 days, patient-view on abrocitinib: recent", c: view(func() *record {
				r := mk(-30)
				return r.onCourse("abrocitinib")
			}()), want: w("live-vaccine-recent", "warning")},
		)
	}
	runAcc(t, cases)
}
