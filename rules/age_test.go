package rules

import (
	"strings"
	"testing"
	"time"
)

// Partial and implausible birth dates, at testNow (2026-11-29). A partial
// date is read as its first day (BirthDate) with its precision; rules with
// an upper age limit read the youngest age it allows, those with a lower
// limit the oldest.
func TestPartialBirthDates(t *testing.T) {
	e := mustEngine(t, decKnowledge())
	ymd := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	year := func(y int) *Patient {
		return &Patient{BirthDate: ymd(y, 1, 1), BirthDatePrecision: 'y', Gender: "female"}
	}
	month := func(y int, m time.Month) *Patient {
		return &Patient{BirthDate: ymd(y, m, 1), BirthDatePrecision: 'm', Gender: "female"}
	}
	full := func(y int, m time.Month, d int) *Patient { return &Patient{BirthDate: ymd(y, m, d), Gender: "female"} }
	weight35 := quantity("wt", "29463-7", 20, 35, "kg")
	tests := []struct {
		name      string
		p         *Patient
		order     Medication
		noRZV     bool
		noHCG     bool
		weight    bool
		want, not []string
		evidence  string // in the evidence of want[0]
	}{
		// age-not-approved: under 12.
		{name: "2014 (11 or 12): may be younger than 12", p: year(2014), order: abroOrder(100), want: []string{AgeNotApproved}, evidence: "aged 11 or 12 (birth date with year only"},
		{name: "2013 (12 or 13): approved", p: year(2013), order: abroOrder(100), not: []string{AgeNotApproved}},
		{name: "2014-11 (11 on the 30th): may be younger than 12", p: month(2014, 11), order: abroOrder(100), want: []string{AgeNotApproved}, evidence: "year and month only"},
		{name: "2014-10 (12): approved", p: month(2014, 10), order: abroOrder(100), not: []string{AgeNotApproved}},
		{name: "2014-11-29 full date, 12th birthday today: approved", p: full(2014, 11, 29), order: abroOrder(100), not: []string{AgeNotApproved}},
		// pregnancy-test-missing: 12 to 50.
		{name: "1975 (50 or 51): pregnancy test", p: year(1975), order: upaOrder(15), noHCG: true, want: []string{PregnancyTestMissing}, evidence: "aged 50 or 51"},
		{name: "1975-11 (50 if born on the 30th): pregnancy test", p: month(1975, 11), order: upaOrder(15), noHCG: true, want: []string{PregnancyTestMissing}},
		{name: "1975-10 (51): no pregnancy test", p: month(1975, 10), order: upaOrder(15), noHCG: true, not: []string{PregnancyTestMissing}},
		{name: "1974 (51 or 52): no pregnancy test", p: year(1974), order: upaOrder(15), noHCG: true, not: []string{PregnancyTestMissing}},
		{name: "2014 (11 or 12): pregnancy test too", p: year(2014), order: upaOrder(15), noHCG: true, want: []string{PregnancyTestMissing, AgeNotApproved}},
		// weight-below-label: under 18.
		{name: "2008 (17 or 18), 35 kg: weight below label", p: year(2008), order: upaOrder(15), weight: true, want: []string{WeightBelowLabel}, evidence: "aged 17 or 18"},
		{name: "2007 (18 or 19), 35 kg: adult", p: year(2007), order: upaOrder(15), weight: true, not: []string{WeightBelowLabel}},
		// Lower limits read the oldest age (unchanged: a partial date is its first day).
		{name: "2008 (17 or 18), no zoster vaccine: asked", p: year(2008), order: upaOrder(15), noRZV: true, want: []string{ZosterVaccineMissing}, evidence: "aged 17 or 18"},
		{name: "2009 (16 or 17), no zoster vaccine: not asked", p: year(2009), order: upaOrder(15), noRZV: true, not: []string{ZosterVaccineMissing}},
		{name: "1961 (64 or 65), upadacitinib 30: 15 mg", p: year(1961), order: upaOrder(30), want: []string{LowerDoseRecommended}, evidence: "aged 64 or 65"},
		{name: "1962 (63 or 64), upadacitinib 30: nothing", p: year(1962), order: upaOrder(30), not: []string{LowerDoseRecommended}},
		// Born this year: the last day allowed is today.
		{name: "2026 (0): not approved", p: year(2026), order: abroOrder(100), want: []string{AgeNotApproved}, evidence: "aged 0.", not: []string{AgeUnknown}},
		// Implausible and future dates: unknown.
		{name: "1800-01-01: not plausible, age unknown", p: full(1800, 1, 1), order: upaOrder(30), noRZV: true, noHCG: true,
			want: []string{AgeUnknown, ZosterVaccineMissing, PregnancyTestMissing}, not: []string{LowerDoseRecommended, CardiovascularRisk}, evidence: "not plausible"},
		{name: "1897-01-01 (129): plausible", p: full(1897, 1, 1), order: upaOrder(30), want: []string{LowerDoseRecommended}, not: []string{AgeUnknown}},
		{name: "2030-01-01: after today, age unknown", p: full(2030, 1, 1), order: upaOrder(15), want: []string{AgeUnknown}, not: []string{AgeNotApproved}, evidence: "after today"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := cleanRecord()
			r.Patient = tc.p
			if tc.noRZV {
				r.Immunizations = nil
			}
			if !tc.noHCG {
				r.Observations = append(r.Observations, answer("hcg", "2106-3", 5, sctNegative))
			}
			if tc.weight {
				r.Observations = append(r.Observations, weight35)
			}
			fs := evalOrder(t, e, r, tc.order)
			checkCodes(t, fs, tc.want, tc.not)
			if tc.evidence != "" && len(tc.want) > 0 {
				f := wantFinding(t, fs, tc.want[0])
				if !strings.Contains(evidenceText(f)+" "+f.Title, tc.evidence) {
					t.Errorf("evidence of %s = %q, want %q", tc.want[0], evidenceText(f), tc.evidence)
				}
			}
		})
	}
	// The wording when a partial date allows both sides of 12.
	r := cleanRecord()
	r.Patient = year(2014)
	f := wantFinding(t, evalOrder(t, e, r, abroOrder(100)), AgeNotApproved)
	if f.Title != "Patient may be younger than 12" || !strings.Contains(f.Action, "full birth date") || f.Level != Critical {
		t.Errorf("finding = %+v", f)
	}
	r.Patient = month(2014, 12)
	if f = wantFinding(t, evalOrder(t, e, r, abroOrder(100)), AgeNotApproved); f.Title != "Patient younger than 12" {
		t.Errorf("2014-12 (11 whatever the day): title %q", f.Title)
	}
}

// Leap-day births count the birthday on 1 March in a non-leap year (the
// later reading: younger for the limits "under 12", "under 18"), and ages
// follow the calendar date of now in now's own location (the server's
// clock zone).
func TestAgeLeapDayAndClock(t *testing.T) {
	leap := time.Date(2012, 2, 29, 0, 0, 0, 0, time.UTC)
	ny := time.FixedZone("EST", -5*3600)
	tests := []struct {
		name string
		now  time.Time
		want int
	}{
		{"28 Feb 2026 (non-leap): still 13", time.Date(2026, 2, 28, 12, 0, 0, 0, time.UTC), 13},
		{"1 Mar 2026: 14", time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), 14},
		{"28 Feb 2024 (leap): 11", time.Date(2024, 2, 28, 12, 0, 0, 0, time.UTC), 11},
		{"29 Feb 2024 (leap): 12", time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), 12},
		{"28 Feb 2025 23:59:59 UTC: 12", time.Date(2025, 2, 28, 23, 59, 59, 0, time.UTC), 12},
		{"1 Mar 2025 00:00 UTC: 13", time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), 13},
		{"1 Mar 2025 03:00 UTC is 28 Feb in New York: 12 on a New York clock", time.Date(2025, 3, 1, 3, 0, 0, 0, time.UTC).In(ny), 12},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ix := newIndex(testKnowledge(), &Record{Patient: &Patient{BirthDate: leap}}, tc.now)
			if got, ok := ix.age(); !ok || got != tc.want {
				t.Errorf("age = %d, %v; want %d", got, ok, tc.want)
			}
		})
	}
}
