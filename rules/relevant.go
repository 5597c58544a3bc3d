package rules

import (
	"strings"
	"time"
)

// ObservationValueSets lists the value sets of Observation codes that some
// rule reads. An Observation in none of them cannot change a finding, so the
// decoder may pass over it, and the prefetch templates ask only for these.
func ObservationValueSets() []string {
	lb := orderLookbacks(DefaultConfig())
	out := make([]string, len(lb))
	for i, l := range lb {
		out[i] = l.set
	}
	return out
}

// lookback is how far back an order-time rule reads one value set's
// Observations; 0 means at any date.
type lookback struct {
	set    string
	window time.Duration
}

// orderLookbacks is, for every Observation value set, the oldest result an
// order-time rule may read (order_rules.go): a positive TB test, HBsAg, HBV
// DNA, anti-HBc, HCV antibody or RNA and the smoking status count at any
// date; the labs only within their windows (pregnancy tests as long as a
// pregnancy lasts). A renewal also reads results since its course start
// (the on-treatment thresholds, the monitoring), which may be long before
// these windows: a decoder keeps the older ones aside, and reads those
// since ResultsSince (xhook review: a platelet count of 40,000 150 days
// into an abrocitinib course was said on opening the chart and pruned
// from the renewal, which said nothing). Keep it in step with the rules:
// TestOrderObservationPruningKeepsFindings (package hooks) checks that
// pruning with it never changes a finding.
func orderLookbacks(cfg Config) []lookback {
	return []lookback{
		{VSTBTest, 0}, {VSHBsAg, 0}, {VSHBcAb, 0}, {VSHBVDNA, 0}, {VSHCVAb, 0}, {VSHCVRNA, 0},
		{VSCBCPanel, cfg.CBCWindow}, {VSLymphocytes, cfg.CBCWindow}, {VSNeutrophils, cfg.CBCWindow},
		{VSHemoglobin, cfg.CBCWindow}, {VSPlatelets, cfg.CBCWindow},
		{VSALT, cfg.LiverWindow}, {VSAST, cfg.LiverWindow}, {VSLipids, cfg.LipidWindow},
		// A negative pregnancy test ends a pregnancy condition or status
		// up to pregnancyMaxDays old (currentPregnancies, pregnancyStatus).
		{VSPregnancyTest, max(cfg.PregnancyTestWindow, pregnancyMaxDays*day)},
		{VSEGFR, max(cfg.EGFRWindow, staleEGFRHorizon)}, {VSSmokingStatus, 0}, // eGFR: an old low one is said (staleEGFR)
		{VSChildPugh, 0}, {VSCYP2C19Genotype, 0}, {VSBodyWeight, 0},
		{VSPregnancyStatus, pregnancyMaxDays * day},
	}
}

// ResultsSince tells from when the Observations older than their
// look-back (ObservationLookback) are read at order time: since the
// earliest start of the patient's courses in meds, less pruneMargin, as a
// renewal reads results since its course start; a zero time (all of them)
// when a course's start is unknown; ok is false without a course.
func (e *Engine) ResultsSince(meds []Medication, now time.Time) (since time.Time, ok bool) {
	for _, c := range e.Courses(&Record{Medications: meds}, now) {
		if c.Start.IsZero() {
			return time.Time{}, true
		}
		if start := c.Start.Add(-pruneMargin); !ok || start.Before(since) {
			since, ok = start, true
		}
	}
	return since, ok
}

// pruneMargin widens every window when pruning, so that no result a rule
// reads is ever passed over because of how a date was rounded.
const pruneMargin = 48 * time.Hour

// ConditionRelevant tells whether a Condition with these codes is in a
// value set some rule reads: the rules see Conditions only through those
// sets (index.go), so one in none of them cannot change a finding.
func (e *Engine) ConditionRelevant(codes []Coding) bool {
	return len(e.k.setsOf('c', indexedConditionSets, codes)) > 0
}

// ImmunizationRelevant is ConditionRelevant for an Immunization's vaccine
// codes, and for its name: a decoder passes vaccineCode's text and
// displays as Codings with a Display (the rules recognise a vaccine
// recorded by name only, index.go).
func (e *Engine) ImmunizationRelevant(codes []Coding) bool {
	return len(e.k.setsOf('i', indexedImmunizationSets, codes)) > 0 ||
		len(e.k.setsByName(indexedImmunizationSets, "", codes)) > 0
}

// ObservationRelevant tells whether an Observation with these codes (its
// own and its components') is in a value set some rule reads.
func (e *Engine) ObservationRelevant(codes []Coding) bool {
	for _, c := range codes {
		if _, ok := e.obsWindow(c); ok {
			return true
		}
	}
	return e.obsPatterns && e.matchObservationSets(codes) || e.namedObservation(codes)
}

// namedObservation reports whether a coding's display names one of the
// text-matched Observation sets (Child-Pugh, CYP2C19, body weight): those
// rules also recognise an Observation by its name (index.addByName), at
// any date. A decoder that has only code.text passes it as a Coding with a
// Display and no code.
func (e *Engine) namedObservation(codes []Coding) bool {
	for _, c := range codes {
		if c.Display == "" {
			continue
		}
		lower := strings.ToLower(c.Display)
		for _, set := range textObservationSets {
			if vs := e.k.sets[set]; vs != nil && len(vs.Text) > 0 {
				if _, ok := vs.matchLowerText(lower); ok {
					return true
				}
			}
		}
	}
	return false
}

// OrderObservationRelevant tells whether an order-time rule may read an
// Observation with these codes dated date (zero when unknown) at now: it is
// in a value set such a rule reads, and not older than that rule looks.
func (e *Engine) OrderObservationRelevant(codes []Coding, date, now time.Time) bool {
	lookback, ok := e.ObservationLookback(codes)
	return ok && (lookback == 0 || date.IsZero() || !date.Before(now.Add(-lookback)))
}

// ObservationLookback tells whether an order-time rule may read an
// Observation with these codes, and how far back: the longest window of
// the value sets holding them, widened by pruneMargin, or 0 when some rule
// reads such a result at any date. It depends on the codes alone, so a
// decoder may ask it once per code.
func (e *Engine) ObservationLookback(codes []Coding) (lookback time.Duration, relevant bool) {
	for _, c := range codes {
		w, ok := e.obsWindow(c)
		switch {
		case ok && w == 0:
			return 0, true
		case ok:
			relevant, lookback = true, max(lookback, w+pruneMargin)
		}
	}
	// A set with code patterns is not in the index: judged by codes alone,
	// at any date; so are the sets recognised by name.
	if e.obsPatterns && e.matchObservationSets(codes) || e.namedObservation(codes) {
		return 0, true
	}
	return lookback, relevant
}

func (e *Engine) matchObservationSets(codes []Coding) bool {
	for _, l := range orderLookbacks(e.cfg) {
		if e.k.Has(l.set, codes) {
			return true
		}
	}
	return false
}

// indexObservationCodes maps every code of the Observation value sets to
// the longest look-back of the sets holding it (0, any date, is longest).
// When a set has code patterns or exclusions, codes not in the index are
// checked through Has, so the index never passes over a code Has matches.
func (e *Engine) indexObservationCodes() {
	e.obsLookback = map[codeKey]time.Duration{}
	for _, l := range orderLookbacks(e.cfg) {
		vs, ok := e.k.Set(l.set)
		if !ok {
			continue
		}
		if len(vs.Regex) > 0 || len(vs.Exclude) > 0 {
			e.obsPatterns = true
		}
		for _, c := range vs.Codes {
			key := newCodeKey(c.System, c.Code)
			if w, seen := e.obsLookback[key]; !seen || (w != 0 && (l.window == 0 || l.window > w)) {
				e.obsLookback[key] = l.window
			}
		}
	}
	e.obsLOINC = map[string]time.Duration{}
	for k, w := range e.obsLookback {
		if k.system == SystemLOINC {
			e.obsLOINC[k.code] = w
		}
	}
}

// obsWindow is the look-back of an Observation code in obsLookback. A LOINC
// code, nearly every one in a record, is found by its code alone
// (obsLOINC), without hashing the system too.
func (e *Engine) obsWindow(c Coding) (time.Duration, bool) {
	if c.System == SystemLOINC {
		w, ok := e.obsLOINC[normCode(SystemLOINC, c.Code)]
		return w, ok
	}
	w, ok := e.obsLookback[newCodeKey(c.System, c.Code)]
	return w, ok
}
