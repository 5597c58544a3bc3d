package rules

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Results dated after today (tz review, question 1; decided 7 December).
//
// A result dated more than clockAhead after now (a platelet count of
// "2036-11-29", a typing error for 2026) is no current result: it is left
// out of the index, and the older results decide. Left out in silence, a
// platelet count of 40,000/mm³ dated 2036 beside a normal one of last month
// gave no card at all. So every rule that reads results is also run
// against the record with those results read as current (dated now,
// ix.ahead); where that reading says more (a card the record otherwise
// does not give, a higher level, or a lower dose limit), its finding is
// given, each such result's evidence saying "dated <date>, after today:
// check its date; read as current". Where it says nothing more (a normal
// count dated ahead beside a normal one, or one that would only clear a
// card), the record's own finding stands and nothing is said: fail safe,
// no noise.

// readAhead builds ix.ahead, the record with its results dated after today
// read as current, when there are any.
func (ix *index) readAhead() {
	if len(ix.aheadObs) == 0 {
		return
	}
	rec := *ix.rec // shallow: the same medications, so the same courses
	rec.Observations = make([]Observation, len(ix.rec.Observations))
	copy(rec.Observations, ix.rec.Observations)
	dates := map[string]aheadResult{}
	for i := range rec.Observations {
		o := &rec.Observations[i]
		if !countedObservationStatus[o.Status] || o.Date.IsZero() || !ix.future(o.Date) {
			continue
		}
		// Each result read as current gets an id of its own in the copy
		// (failsafe13): two results dated ahead with no id, or with one id
		// between them, each keep their own date in the evidence. The
		// tag never reaches a card: markAhead gives the id back.
		tag := aheadTag + strconv.Itoa(i)
		dates[tag] = aheadResult{id: o.ID, date: o.Date}
		o.ID, o.Date, o.DateLast = tag, ix.now, time.Time{}
	}
	a := newIndex(ix.k, &rec, ix.now)
	a.cfg = ix.cfg
	a.aheadDates = dates
	ix.ahead = a
}

// aheadTag begins the id a result dated after today has in the record
// read as current (readAhead); no FHIR id holds a NUL.
const aheadTag = "\x00ahead:"

// aheadResult is a result dated after today: its own id and date.
type aheadResult struct {
	id   string
	date time.Time
}

// aheadCtx is c reading the record's results dated after today as current,
// nil when there are none. It shares c's fired and risks: what either
// reading found counts for the rules after it, but a rule's code is fired
// only when the record's own reading gives it (evaluateOrder,
// evaluateTherapy; failsafe14), so a finding of this reading alone never
// hides one of the record's own.
func (c *orderCtx) aheadCtx() *orderCtx {
	if c.ix.ahead == nil {
		return nil
	}
	a := *c
	a.ix = c.ix.ahead
	return &a
}

// sayMore reports whether a (the finding of the reading with results dated
// after today read as current) says more than f (the record's own): a card
// the record does not give, a higher level, or, at the same level, a lower
// dose limit. A lower level never says more, whatever its dose limit
// (failsafe14): an eGFR 45 dated 2036 beside the record's own eGFR 20 of
// yesterday turned the critical "Avoid abrocitinib" (no dose at all) into
// the warning "Reduce abrocitinib to 50 mg daily", its update suggested.
func sayMore(f Finding, ok bool, a Finding, aok bool, rule Level) bool {
	fl, al := f.Level, a.Level
	if fl == "" {
		fl = rule
	}
	if al == "" {
		al = rule
	}
	switch {
	case !aok:
		return false
	case !ok:
		return true
	case al.Rank() != fl.Rank():
		return al.Rank() > fl.Rank()
	default:
		return a.DoseLimitMg > 0 && (f.DoseLimitMg == 0 || a.DoseLimitMg < f.DoseLimitMg)
	}
}

// takeAhead is a, the finding of the reading with results dated after
// today, as given instead of f, the record's own (ok when the record gives
// one): the results dated ahead marked (markAhead), and the record's own
// finding kept in its evidence (failsafe13). An eGFR 20 dated 2036 beside
// one of 45 last week gave "not recommended" naming only the 2036 result:
// a prescriber who found its date a typing error and overrode the card had
// nothing left naming the current eGFR 45 and its 50 mg.
func (ix *index) takeAhead(f Finding, ok bool, a Finding) Finding {
	ix.markAhead(&a)
	if !ok {
		return a
	}
	own := "Without the results dated after today: " + strings.TrimSuffix(or(f.Title, "the record's own finding"), ".")
	if f.DoseLimitMg > 0 {
		own += ", " + number(f.DoseLimitMg) + " mg daily at most"
	}
	// The record's own evidence in that line, not as lines of their own:
	// "- No Child-Pugh class on record." stood under "- Child-Pugh class C
	// on 2036-04-04 ... read as current", and "- No eGFR within 12
	// months." under the eGFR 20 dated 2036, each read as the card's
	// (noise13).
	var why []string
	for _, e := range f.Evidence {
		if slices.ContainsFunc(a.Evidence, func(x Evidence) bool { return x.Text == e.Text }) {
			continue
		}
		t := strings.TrimSuffix(strings.TrimSpace(e.Text), ".")
		if t == "" {
			continue
		}
		if d := dateText(e.Date); !e.Date.IsZero() && !strings.Contains(t, d) {
			t += " (" + d + ")"
		}
		why = append(why, lowerWord(t))
	}
	if len(why) > 0 {
		own += " (" + strings.Join(why, "; ") + ")"
	}
	a.Evidence = append(a.Evidence, Evidence{Text: own + "."})
	return a
}

// lowerWord lowers the first letter of s unless its first word is an
// abbreviation ("No Child-Pugh class" → "no Child-Pugh class"; "ANC",
// "HBsAg", "eGFR" as written).
func lowerWord(s string) string {
	w, _, _ := strings.Cut(s, " ")
	upper := 0
	for _, r := range w {
		if unicode.IsUpper(r) {
			upper++
		}
	}
	if upper != 1 || !unicode.IsUpper([]rune(w)[0]) {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToLower(r[0])
	return string(r)
}

// markAhead names, in the evidence of a finding of the ahead reading, each
// result dated after today: its own date, and that it is to be checked.
func (ix *index) markAhead(f *Finding) {
	a := ix.ahead
	now := dateText(ix.now)
	marked := false
	for i := range f.Evidence {
		e := &f.Evidence[i]
		r, ok := a.aheadDates[e.ResourceID]
		if !ok {
			continue
		}
		d := r.date
		e.Date, e.ResourceID = d, r.id
		// Only the first date is the result's own: a text may name an
		// older result of today after it ("the older result of ..."); not
		// "below 40 kg.; dated" (noise12).
		e.Text = strings.TrimSuffix(strings.Replace(e.Text, now, dateText(d), 1), ".") + aheadNote(d)
		marked = true
		if f.AheadDate.IsZero() || d.Before(f.AheadDate) {
			f.AheadDate = d
		}
	}
	if marked {
		return
	}
	tags := slices.SortedFunc(maps.Keys(a.aheadDates), func(x, y string) int { // the finding cites none of them by name
		if c := strings.Compare(a.aheadDates[x].id, a.aheadDates[y].id); c != 0 {
			return c
		}
		return strings.Compare(x, y)
	})
	for i, tag := range tags {
		if i == maxEvidence-1 && len(tags) > maxEvidence {
			// Bounded as every evidence list: thousands of results dated
			// ahead must not make a card of thousands of lines.
			f.Evidence = append(f.Evidence, Evidence{Text: "… and " + number(float64(len(tags)-i)) + " more results dated after today."})
			break
		}
		r := a.aheadDates[tag]
		if f.AheadDate.IsZero() || r.date.Before(f.AheadDate) {
			f.AheadDate = r.date
		}
		f.Evidence = append(f.Evidence, Evidence{Text: "A result dated " + dateText(r.date) + ", after today: check its date; read as current", Date: r.date, ResourceID: r.id})
	}
}

// aheadNote is the words after a result dated after today.
func aheadNote(d time.Time) string {
	return "; dated " + dateText(d) + ", after today: check its date; read as current"
}

// untestedCodes are the findings that say a result is missing or due: the
// record's own, beside a card that reads a result of the same test dated
// after today as current, said "No HBsAg result since ..." under "Do not
// start upadacitinib: active hepatitis B (result dated 2036-11-02, ...)"
// (noise13). They stand (the date is in doubt: test again), naming that
// result.
var untestedCodes = map[string]bool{TBScreeningMissing: true, HBVScreeningMissing: true, HCVScreeningMissing: true,
	CBCMissing: true, LiverEnzymesMissing: true, LipidsMissing: true,
	MonitoringCBCDue: true, MonitoringLiverDue: true, MonitoringLipidsDue: true}

// noteAheadCited adds to each finding of fs that says a test is missing or
// due (untestedCodes) the results of its tests dated after today that
// another finding of fs cites as read as current.
func (ix *index) noteAheadCited(fs []Finding) {
	a := ix.ahead
	if a == nil {
		return
	}
	for i := range fs {
		f := &fs[i]
		if !untestedCodes[f.Code] || !f.AheadDate.IsZero() {
			continue
		}
		said := map[string]bool{}
		for _, set := range ruleSets(f.Code) {
			for _, o := range a.obs[set] {
				r, ok := a.aheadDates[o.ID]
				if !ok || said[o.ID] {
					continue
				}
				if what, ok := aheadCited(fs, r); ok {
					said[o.ID] = true
					f.Evidence = append(f.Evidence, Evidence{Text: "Not counted here: " + what + ", dated " + dateText(r.date) +
						", after today (check its date; another card reads it as current).", Date: r.date, ResourceID: r.id})
				}
			}
		}
	}
}

// aheadCited reports whether a finding of fs given by a result dated after
// today cites r, and the words it names r by ("HBsAg positive", "ANC 0.8
// ×10³/µL": its evidence before " on <date>"; "a result" when none).
func aheadCited(fs []Finding, r aheadResult) (string, bool) {
	for _, g := range fs {
		if g.AheadDate.IsZero() {
			continue
		}
		for _, e := range g.Evidence {
			if e.ResourceID != r.id || !e.Date.Equal(r.date) {
				continue
			}
			if what, _, ok := strings.Cut(e.Text, " on "+dateText(r.date)); ok && what != "" && !strings.Contains(what, "; ") {
				return what, true
			}
			return "a result", true
		}
	}
	return "", false
}

// ruleSets are the value sets the order rule of code reads.
func ruleSets(code string) []string {
	for _, r := range orderRules {
		if r.code == code {
			return r.sets
		}
	}
	return nil
}
