package rules

import (
	"math"
	"time"
)

// Windows are counted in calendar days (contract 6.5): a window of N days
// ending today holds every result dated on one of the days today-N ...
// today, so a result dated exactly N days before today, date-only, is
// inside. A result's day is the calendar date it was written with, in its
// own time zone ("2026-09-01T23:30:00-05:00" is on 1 September wherever the
// server runs; a date-only "2026-09-01" is read as midnight UTC and is on
// 1 September too). Today is now's calendar date in now's location.
//
// Durations in Config that are not whole days are rounded up to the next
// whole day, so a window never shrinks.

// civilDay is a calendar date as a day number (days since 1970-01-01).
type civilDay int64

// anyDay is before every date: a look-back with no limit.
const anyDay civilDay = math.MinInt64

// dayOf is t's calendar date in t's own location.
func dayOf(t time.Time) civilDay {
	y, m, d := t.Date()
	return civilDay(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// time is the day's midnight UTC.
func (d civilDay) time() time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

// String is "2006-01-02".
func (d civilDay) String() string {
	if d == anyDay {
		return "any date"
	}
	return d.time().Format("2006-01-02")
}

// windowDays is a duration in whole days, rounded up. It rounds without
// adding to w: a --rules-config window within a day of the longest
// duration ("106751d", "2562047h") wrapped to a negative number of days,
// and a course that ended yesterday was no recent course (failsafe20).
func windowDays(w time.Duration) int64 {
	if w <= 0 {
		return 0
	}
	n := int64(w / day)
	if w%day != 0 {
		n++
	}
	return n
}

// daysBetween is the number of calendar days from a to b (b after a: positive).
func daysBetween(a, b time.Time) int64 { return int64(dayOf(b) - dayOf(a)) }

// windowStart is the first day of a window of w ending on today.
func windowStart(today civilDay, w time.Duration) civilDay {
	return today - civilDay(windowDays(w))
}

// atLeast reports whether b is at least w (in whole days) after a: a course
// started exactly 28 days ago is "4 weeks ago or more".
func atLeast(a, b time.Time, w time.Duration) bool { return daysBetween(a, b) >= windowDays(w) }
