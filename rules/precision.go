package rules

import (
	"cmp"
	"time"
)

// A date written as a year or a month only ("2026", "2026-06") is read as
// its first day (Date, Onset); the last day it allows is kept beside it
// (DateLast, OnsetLast). Each rule reads the end that is its fail-safe
// side (precision review, docs/rules.md "Which results count; windows"):
// a positive result or an event counts up to its last day, a negative or
// normal result that satisfies a window, and a course start, by their
// first day. These helpers are the last-day choices.

// resultLast is the last day a result's date allows: a positive hCG of
// "2026" may be of last week, and was past the 300 days as 1 January.
func resultLast(o *Observation) time.Time {
	if !o.DateLast.IsZero() {
		return o.DateLast
	}
	return o.Date
}

// vaccineLast is the last day an Immunization's date allows: an MMR of
// "2026-11" may have been given 10 days before a start on 10 December.
func vaccineLast(im *Immunization) time.Time {
	if !im.DateLast.IsZero() {
		return im.DateLast
	}
	return im.Date
}

// medEndLast is the last day a medication's stated end allows: a
// clarithromycin order valid "until 2026-11" is taken through 30 November
// (interactions, a live vaccine on a medication list). A course's end
// (course.go) keeps the first day: a later end would make a new order
// after a gap a continuation, with less screening.
func medEndLast(m *Medication) time.Time {
	if !m.EndLast.IsZero() {
		return m.EndLast
	}
	return m.End
}

// medTakenLast is medicationTakenOn by the last day its date allows: an
// MMR on a medication list "2026-11" may be of 30 November.
func medTakenLast(m *Medication) time.Time {
	switch {
	case !m.End.IsZero():
		return medEndLast(m)
	case !m.AuthoredLast.IsZero():
		return m.AuthoredLast
	}
	return medicationTakenOn(m)
}

// partialSpan is the most days a year-only date's last day lies after its
// first.
const partialSpan = 366

// resultsLast is ix.results for a positive reading: the results whose last
// day (resultLast) is on or after the day from, newest first by their
// first day.
func (ix *index) resultsLast(from civilDay, sets ...string) []*Observation {
	if from == anyDay {
		return ix.results(anyDay, sets...)
	}
	var out []*Observation
	for _, o := range ix.results(from-partialSpan, sets...) {
		if dayOf(resultLast(o)) >= from {
			out = append(out, o)
		}
	}
	return out
}

// partialText is ", only its month or year given (up to DAY)" for a date
// written as a year or a month only, else "".
func partialText(last time.Time) string {
	if last.IsZero() {
		return ""
	}
	return " (only its month or year given: up to " + dateText(last) + ")"
}

// UnreadEventDates names the conditions of the boxed-warning event sets
// (MI, stroke, VTE, malignancy, and their history codes), neither refuted
// nor entered in error, whose onset was given but could not be read and
// that have no recorded date: on a course with a start, whether they began
// since it cannot be told, and the since-the-start rules pass over them
// (failsafe7 item 5). Patient-view says so on its "not fully checked"
// card. An undated one with no onset at all is not named: problem lists
// hold many ("history of MI"), and a line at every chart opening would
// be noise.
func (e *Engine) UnreadEventDates(rec *Record, now time.Time) []string {
	var out []string
	for i := range rec.Conditions {
		x := &rec.Conditions[i]
		if !x.OnsetUnread || !plausibleDate(x.Recorded, now).IsZero() ||
			x.VerificationStatus == "refuted" || x.VerificationStatus == "entered-in-error" {
			continue
		}
		for _, set := range []string{VSMyocardialInfarction, VSStroke, VSVTE, VSMalignancy, VSEventHistory} {
			if e.k.Has(set, x.Codes) {
				out = append(out, cmp.Or(x.ID, x.Text, "a condition without an id"))
				break
			}
		}
	}
	return out
}
