package hooks

import (
	"testing"
	"time"
)

// Clocks and time zones (tz review, December 2026): what the service's
// clock, the EHR's clock and the offsets a feed writes do at each
// boundary. Ages on and around birthdays at midnight are in
// acceptance_age_test.go (TestAcceptanceAgeClock), windows at N-1/N/N+1
// in acceptance_boundaries_test.go, offsets against a course start in the
// failsafe6/7 tests.

// tzPlatelets is an abrocitinib start whose CBC is normal on 20 November
// and which has one more platelet count of value (10*3/uL) at date.
func tzPlatelets(value float64, date string) call {
	r := cleanRecord().labsOn("2026-11-20")
	r.replace(qty("plt2", "777-3", value, "10*3/uL", "", date))
	return abro100(r)
}

// TestAcceptanceTzClockAhead: a result written by an EHR or lab whose clock
// runs ahead of the service's is the newest result, even when it falls on
// tomorrow's date in its zone: a timed value up to an hour after now
// counts (rules.clockAhead). It was dropped as "after today" from the
// moment its date turned, so just before midnight a platelet count of 40
// written 5 minutes "ahead" was not read and the older normal count
// decided (no card); and a normal count so written left an older low one
// deciding (a false critical card).
func TestAcceptanceTzClockAhead(t *testing.T) {
	utc := time.Date(2026, 11, 29, 23, 58, 0, 0, time.UTC)
	low := accCase{want: w("thrombocytopenia", "critical")}
	dropped := accCase{noCards: true}
	// After today: not counted, but read as current and questioned, since
	// it would give a card (tz review question 1, decided 7 December).
	ahead := func(date string) accCase {
		return accCase{want: w("thrombocytopenia", "critical"), detailOf: map[string]string{"thrombocytopenia": "dated " + date + ", after today: check its date"}}
	}
	cases := []struct {
		name string
		now  time.Time
		c    call
		acc  accCase
	}{
		{"UTC server at 23:58, platelets 40 at 23:57Z: counts", utc, tzPlatelets(40, "2026-11-29T23:57:00Z"), low},
		{"UTC server at 23:58, platelets 40 at 00:03Z tomorrow (EHR clock 5 minutes ahead): counts", utc, tzPlatelets(40, "2026-11-30T00:03:00Z"), low},
		{"the same written +09:00 (09:03 tomorrow there): counts", utc, tzPlatelets(40, "2026-11-30T09:03:00+09:00"), low},
		{"an hour ahead less a minute: counts", utc, tzPlatelets(40, "2026-11-30T00:57:00Z"), low},
		{"exactly an hour ahead (a daylight-saving offset written wrong): counts", utc, tzPlatelets(40, "2026-11-30T00:58:00Z"), low},
		{"an hour and a minute ahead: after today, read as current and questioned", utc, tzPlatelets(40, "2026-11-30T00:59:00Z"), ahead("2026-11-30")},
		{"date-only tomorrow: after today, read as current and questioned", utc, tzPlatelets(40, "2026-11-30"), ahead("2026-11-30")},
		{"years ahead (2036): after today, read as current and questioned", utc, tzPlatelets(40, "2036-11-29T10:00:00Z"), ahead("2036-11-29")},
		{"a normal count years ahead beside a normal one: nothing to say", utc, tzPlatelets(250, "2036-11-29T10:00:00Z"), dropped},
		{"New York server at 23:58, platelets 40 at 00:03-05:00 tomorrow: counts",
			time.Date(2026, 11, 29, 23, 58, 0, 0, time.FixedZone("EST", -5*3600)), tzPlatelets(40, "2026-11-30T00:03:00-05:00"), low},
		// Noise: the newest count is normal; a low one of last week must
		// not decide.
		{"newest count normal 5 minutes ahead, 40 a week ago: no card", utc,
			abro100(cleanRecord().labsOn("2026-11-22").replace(qty("plt", "777-3", 40, "10*3/uL", "", "2026-11-22")).
				replace(qty("plt2", "777-3", 250, "10*3/uL", "", "2026-11-30T00:03:00Z"))), dropped},
	}
	for _, tc := range cases {
		acc := tc.acc
		acc.name, acc.c = tc.name, tc.c
		runAccAt(t, tc.now, []accCase{acc})
	}
}

// TestAcceptanceTzOffsetForms: every offset form FHIR R4 allows (Z,
// +00:00, -00:00, +14:00, -12:00), fractional seconds of any length, and a
// leap second (the R4 dateTime and instant regex allow second 60), which
// Go does not parse: a platelet count written at 23:59:60Z had no date
// and was passed over (tz review).
func TestAcceptanceTzOffsetForms(t *testing.T) {
	var cases []accCase
	for _, d := range []string{
		"2026-11-28T10:00:00Z", "2026-11-28T10:00:00+00:00", "2026-11-28T10:00:00-00:00",
		"2026-11-28T10:00:00.1Z", "2026-11-28T10:00:00.123456789012-00:00",
		"2026-11-28T23:59:59+14:00", "2026-11-28T00:00:00-12:00",
		"2026-11-28T23:59:60Z", "2026-11-28T23:59:60.5+01:00",
	} {
		cases = append(cases, accCase{name: "platelets 40 at " + d + ": counts", c: tzPlatelets(40, d), want: w("thrombocytopenia", "critical")})
	}
	runAcc(t, cases)
}

// TestAcceptanceTzCourseOrderAhead: a current order of the drug dated after
// today (a renewal typed 2036 for 2026) is taken now from a start that
// cannot be read. As a dated member it began a course of its own after a
// gap of years, which hid the course it renews: a myocardial infarction
// since that course's start in June was said neither on opening the chart
// nor on the renewal (tz review). A current order up to an hour ahead is
// dated as written (an EHR clock ahead).
func TestAcceptanceTzCourseOrderAhead(t *testing.T) {
	mi := func() res { return with(cond("mi", icd, "I21.4", "active"), "onsetDateTime", ago(60)) }
	renewed := func(date string) *record {
		r := cleanRecord().onCourse("upadacitinib").replace(mi())
		r.medications = append(r.medications, courseOrder("upadacitinib-4", "MedicationRequest", "active", "upadacitinib", date))
		return r
	}
	alone := func(date string) *record {
		r := cleanRecord().replace(mi())
		r.medications = append(r.medications, courseOrder("upadacitinib-4", "MedicationRequest", "active", "upadacitinib", date))
		return r
	}
	mace := w("mace-history", "warning")
	runAcc(t, []accCase{
		{name: "course since June, no renewal ahead: MI since the start said", c: view(renewed(ago(0))), want: mace},
		{name: "course since June, a current order authored 2036: MI since the start said", c: view(renewed("2036-11-20")), want: mace},
		{name: "the same, date-only tomorrow: said", c: view(renewed(ago(-1))), want: mace},
		{name: "the same on the renewal: said", c: sign(renewed("2036-11-20"), jakDraft("upadacitinib", 15)), want: mace},
		{name: "an only order authored 2036, renewed: its start unknown, the MI is not known to be history: said",
			c: sign(alone("2036-11-20"), jakDraft("upadacitinib", 15)), want: mace},
		{name: "an only order authored 2036, on opening the chart: its start is said unreadable, the checks since the start did not run",
			c: view(alone("2036-11-20")), want: w("data-unavailable", "info"), absent: []string{"mace-history"},
			detailOf: map[string]string{"data-unavailable": "dated only 2036-11-20, after today"}},
		{name: "an only order authored 12:30Z today (30 minutes ahead): dated as written, the MI before it is history",
			c: sign(alone("2026-11-29T12:30:00Z"), jakDraft("upadacitinib", 15)), absent: []string{"mace-history"}},
	})
}

// TestAcceptanceTzBirthDateTomorrow: a birth date of tomorrow on the
// server's clock is after today, whatever the hour: age-unknown says so.
// In New York after 19:00 the date's midnight UTC was already past, and
// the card said the birth date was "not plausible (over 130 years ago)".
func TestAcceptanceTzBirthDateTomorrow(t *testing.T) {
	ny := time.FixedZone("EST", -5*3600)
	for _, hour := range []int{18, 19, 20} {
		now := time.Date(2026, 11, 29, hour, 30, 0, 0, ny)
		runAccAt(t, now, []accCase{{name: "New York clock at " + now.Format("15:04") + ", birth date 2026-11-30: after today",
			c: abro100(cleanRecord().labsOn("2026-11-20").born("2026-11-30")), want: w("age-unknown", "warning"),
			detailOf: map[string]string{"age-unknown": "is after today"}}})
	}
}

// TestAcceptanceTzScheduledStart: the drug's only order, current and dated
// after today within the course gap (90 days), is a course scheduled to
// begin then (a start date set for next week, a common scheduling case),
// dated as written: opening the chart said "its start date could not be
// read" on every visit until then (failsafe10, noise). Dated further ahead
// (2036) it is still the tz review's unreadable start; beside a course it
// renews, it joins that course (TestAcceptanceTzCourseOrderAhead).
func TestAcceptanceTzScheduledStart(t *testing.T) {
	only := func(field, date string) *record {
		m := courseOrder("upadacitinib-4", "MedicationRequest", "active", "upadacitinib", date)
		if field == "validity" {
			delete(m, "authoredOn")
			m["dispenseRequest"] = map[string]any{"validityPeriod": map[string]any{"start": date}}
		}
		r := cleanRecord()
		r.medications = append(r.medications, m)
		return r
	}
	unread := w("data-unavailable", "info")
	var cases []accCase
	for _, field := range []string{"authoredOn", "validity"} {
		cases = append(cases,
			accCase{name: field + " tomorrow: scheduled, no card", c: view(only(field, ago(-1))), noCards: true},
			accCase{name: field + " next week: scheduled, no card", c: view(only(field, ago(-7))), noCards: true},
			accCase{name: field + " 89 days ahead: scheduled, no card", c: view(only(field, ago(-89))), noCards: true},
			accCase{name: field + " 90 days ahead (the course gap): scheduled, no card", c: view(only(field, ago(-90))), noCards: true},
			accCase{name: field + " 91 days ahead: its start unreadable, its date said", c: view(only(field, ago(-91))), want: unread,
				detailOf: map[string]string{"data-unavailable": "dated only " + ago(-91) + ", after today"}},
			accCase{name: field + " 2036: its start unreadable, its date said (not 'no start date')", c: view(only(field, "2036-11-20")), want: unread,
				detailOf: map[string]string{"data-unavailable": "dated only 2036-11-20, after today"}, notDetailOf: map[string]string{"data-unavailable": "no start date"}},
		)
	}
	// A course that ended in January 2025, restarted next week: a new
	// course scheduled, not one whose start could not be read.
	restart := only("authoredOn", ago(-7))
	restart.medications = append(restart.medications, courseOrder("upadacitinib-1", "MedicationRequest", "completed", "upadacitinib", "2025-01-06"))
	// Beside a course it renews, an order dated next week joins it: the MI
	// since that course's start is said (the tz review's case).
	renewal := cleanRecord().onCourse("upadacitinib").replace(with(cond("mi", icd, "I21.4", "active"), "onsetDateTime", ago(60)))
	renewal.medications = append(renewal.medications, courseOrder("upadacitinib-4", "MedicationRequest", "active", "upadacitinib", ago(-7)))
	cases = append(cases,
		accCase{name: "a course ended in 2025, restarted next week: scheduled, no card", c: view(restart), noCards: true},
		accCase{name: "a course since June renewed from next week: the MI since its start said", c: view(renewal), want: w("mace-history", "warning")},
	)
	runAcc(t, cases)
}
