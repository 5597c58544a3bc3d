package rules

import (
	"math"
	"slices"
	"time"
)

// Course is a patient's treatment course with one trigger drug (contract
// 6.2): the drug's orders and statements on record that follow each other
// with no gap over Config.CourseGap, the last of which is current or ended
// most recently. It is computed once per call from the record's
// MedicationRequests and MedicationStatements (Engine.Courses); package
// hooks and the interaction rules ask it whether a patient is on a course,
// of which drug, at what dose, since when, and whether the course is in its
// first months.
//
// A member's start is authoredOn (requests), else
// dispenseRequest.validityPeriod.start; effectivePeriod.start or
// effectiveDateTime, else dateAsserted (statements). A member that is
// current (useOf) lasts until today; a past one (completed, stopped) ends
// at Medication.End when known (today at the latest), else when the supply
// it dispensed (with its refills) ran out, else on its start day (nothing
// says it lasted longer). Draft, cancelled, entered-in-error, not-taken and
// unknown members never count, nor proposals or options (a plan counts, as an intended statement does: plannedOnly).
type Course struct {
	Drug Drug
	// Start is the earliest start of the course's members; zero when none
	// of the members that make the course is dated.
	Start time.Time
	// StartFrom says where Start comes from, for evidence: "authoredOn of
	// MedicationRequest/7".
	StartFrom string
	// End is when the course's last member ended; zero while Ongoing.
	End time.Time
	// StatedEnd is, on a course read as ended today, the latest end its
	// members state after today (a validity period or timing bound ahead,
	// "9999-12-31"); zero otherwise. The course is read as ended today, so
	// recent, for as long as that end lies ahead: the evidence says so.
	StatedEnd time.Time
	// Ongoing is true when a member is current: a MedicationRequest active
	// or on-hold, or a MedicationStatement active, intended or on-hold; or
	// when the latest member is completed and its stated end or first
	// supply reaches today (SuppliedUntil).
	Ongoing bool
	// SuppliedUntil is, on a course Ongoing only because its latest member
	// is completed and still taken (stillSupplied), the last day its end
	// date or first supply covers; zero otherwise.
	SuppliedUntil time.Time
	// Started is false when every member only plans the drug (plannedOnly:
	// an "intended" statement): the drug may be about to start, which the
	// interaction rules heed, but a new order is an initiation, with its
	// screening, not a continuation.
	Started bool
	// Recent is true when the course is ongoing or ended within
	// Config.RecentCourse of now (contract 6.1: "active or recent").
	Recent bool
	// FirstMonths is true when now is within Config.AntiplateletFirst (3
	// months) of Start, or Start is unknown (contract 6.2: the first 3
	// months of a course; an undated course is not known to be past them),
	// or the course is only planned (not Started: they are still ahead).
	FirstMonths bool
	// Latest is the member the current dose comes from: the latest current
	// member, else the latest member.
	Latest *Medication
	// DailyMg is the daily dose of Latest in mg when DoseKnown.
	DailyMg   float64
	DoseKnown bool
	// Members are the orders and statements of the course, oldest first
	// (undated members last).
	Members []*Medication
}

// Days is the number of whole days since Start (false when Start is unknown).
func (c *Course) Days(now time.Time) (int, bool) {
	if c == nil || c.Start.IsZero() {
		return 0, false
	}
	return int(daysBetween(c.Start, now)), true
}

// Courses returns the patient's upadacitinib and abrocitinib courses at now,
// at most one per drug (the latest), in the order of the drugs. Medications
// whose id is in exclude (the draft orders of the ordering session) are not
// members.
func (e *Engine) Courses(rec *Record, now time.Time, exclude ...string) []Course {
	if rec == nil {
		return nil
	}
	ix := e.newIndex(rec, now)
	ix.computeCourses(setOf(exclude))
	var out []Course
	for _, d := range triggerDrugs {
		if c := ix.courses[d]; c != nil {
			out = append(out, *c)
		}
	}
	return out
}

// ActiveCourse returns the patient's active or recent course at now (the
// ongoing one when there are two; else the one that ended last); ok is
// false when there is none. exclude is as for Courses.
func (e *Engine) ActiveCourse(rec *Record, now time.Time, exclude ...string) (Course, bool) {
	var best *Course
	for _, c := range e.Courses(rec, now, exclude...) {
		if !c.Recent {
			continue
		}
		if best == nil || c.Ongoing && !best.Ongoing || c.Ongoing == best.Ongoing && c.End.After(best.End) {
			c := c
			best = &c
		}
	}
	if best == nil {
		return Course{}, false
	}
	return *best, true
}

func setOf(ids []string) map[string]bool {
	m := make(map[string]bool, len(ids))
	for _, id := range ids {
		if id != "" {
			m[id] = true
		}
	}
	return m
}

// MemberStart is a course member's start and the element it comes from
// (authoredOn or effective[x], else dispenseRequest.validityPeriod.start).
func MemberStart(m *Medication) (time.Time, string) {
	field := "authoredOn"
	if m.ResourceType == "MedicationStatement" {
		field = "effective[x]"
	}
	if !m.Authored.IsZero() {
		return m.Authored, field
	}
	if !m.ValidityStart.IsZero() {
		return m.ValidityStart, "dispenseRequest.validityPeriod.start"
	}
	return time.Time{}, ""
}

// member is a dated member of a course.
type member struct {
	m          *Medication
	start, end civilDay
	stated     civilDay // the end the member states, before it is capped at today
	current    bool
	from       string
}

// courseMember places m, dated start (from the field from), in time.
func (ix *index) courseMember(m *Medication, start time.Time, from string, use medUse) member {
	mb := member{m: m, start: dayOf(start), current: use == useCurrent, from: from}
	switch {
	case mb.current:
		mb.end = max(ix.today, mb.start)
	case !m.End.IsZero() && dayOf(m.End) > mb.start:
		// A past member ended by today: a stopped order keeps the
		// planned end of its validity period, which may lie ahead
		// ("ended on 2026-12-29, -30 days ago").
		mb.end, mb.stated = min(dayOf(m.End), max(ix.today, mb.start)), dayOf(m.End)
	case m.End.IsZero():
		// A past order with no end date: its timing may say how long
		// it lasts (boundsPeriod, boundsDuration, count: its last
		// day), and a dispensed supply (and its refills) may have
		// been taken until it ran out. When both say, the later end
		// counts: a shorter bound (a typing error) beside a 90-day
		// supply ended the course early, dropping reverse cards.
		mb.end = mb.start
		if last, ok := timingLastDay(m); ok && last > mb.start {
			mb.end, mb.stated = min(last, max(ix.today, mb.start)), last
		}
		if m.Supply.Days > 0 {
			mb.end = max(mb.end, min(mb.start+supplyDays(m.Supply), max(ix.today, mb.start)))
			mb.stated = max(mb.stated, mb.start+supplyDays(m.Supply))
		}
	default:
		mb.end = mb.start
	}
	return mb
}

// computeCourses fills ix.courses (once).
func (ix *index) computeCourses(exclude map[string]bool) {
	if ix.courses != nil {
		return
	}
	ix.courses = map[Drug]*Course{}
	if ix.ahead != nil {
		defer func() { ix.ahead.courses = ix.courses }() // the same medications, the same courses
	}
	gap := windowDays(ix.cfg.CourseGap)
	for _, d := range triggerDrugs {
		var dated []member
		var undatedCurrent []*Medication // an undated past member cannot be placed in time: it is left out
		var ahead []member               // current members dated after today (see below)
		for _, m := range ix.trigger[d] {
			use := useOf(m)
			if use == useNever || m.ID != "" && exclude[m.ID] {
				continue
			}
			start, from := MemberStart(m)
			// A current member dated after today (a renewal typed 2036 for
			// 2026) is being taken now from a start that cannot be read:
			// as a dated member it began a course of its own, after a
			// gap, and hid the course it renews (an MI since its start in
			// June was said by no card; tz review).
			if use == useCurrent && !start.IsZero() && ix.future(start) {
				ahead = append(ahead, ix.courseMember(m, start, from, use))
				continue
			}
			if start.IsZero() {
				if use == useCurrent {
					undatedCurrent = append(undatedCurrent, m)
				}
				continue
			}
			dated = append(dated, ix.courseMember(m, start, from, use))
		}
		// A current member dated after today beside dated members of the
		// drug renews their course from a start that cannot be read (a
		// renewal typed 2036 for 2026): it joins it as undated (tz review).
		// Dated within the course gap ahead, with no course to renew (none,
		// or one that ended more than the gap before it), it is a course
		// scheduled to begin then (a start date set for next week): dated
		// as written, not begun, and not a course whose start could not be
		// read (failsafe10: an info card on every chart open until then).
		latest := anyDay // the last day of the dated members
		for _, mb := range dated {
			latest = max(latest, mb.end)
		}
		for _, mb := range ahead {
			if int64(mb.start-ix.today) <= gap && (len(dated) == 0 || int64(mb.start-latest) > gap) {
				dated = append(dated, mb)
			} else {
				undatedCurrent = append(undatedCurrent, mb.m)
			}
		}
		if len(dated) == 0 && len(undatedCurrent) == 0 {
			continue
		}
		slices.SortStableFunc(dated, func(a, b member) int { return int(a.start - b.start) })
		// Segments of members with no gap over CourseGap; the last one is
		// the course.
		first, end, ongoing := 0, anyDay, false
		for i, mb := range dated {
			if i == 0 || int64(mb.start-end) > gap {
				first, end, ongoing = i, mb.end, mb.current
				continue
			}
			end, ongoing = max(end, mb.end), ongoing || mb.current
		}
		c := &Course{Drug: d}
		if len(dated) > 0 {
			seg := dated[first:]
			// The start is the first member that was taken: a plan
			// (plannedOnly) does not move it back, unless nothing else
			// is known.
			startAt := 0
			for i, mb := range seg {
				if !plannedOnly(mb.m) {
					startAt = i
					break
				}
			}
			c.Start, _ = MemberStart(seg[startAt].m)
			c.StartFrom = seg[startAt].from + " of " + orderRef(seg[startAt].m)
			for _, mb := range seg {
				c.Members = append(c.Members, mb.m)
			}
			c.Ongoing = ongoing
			if !ongoing {
				c.End = end.time()
				stated := anyDay
				for _, mb := range seg {
					stated = max(stated, mb.stated)
				}
				if stated > ix.today && end == ix.today {
					c.StatedEnd = stated.time()
				}
			}
		}
		if len(undatedCurrent) > 0 {
			// A current member without a date: the course is going on. It
			// belongs to the last segment when that one is near enough;
			// otherwise its start is unknown.
			if len(dated) == 0 || !c.Ongoing && int64(ix.today-end) > gap {
				c.Start, c.StartFrom, c.Members = time.Time{}, "", nil
			}
			c.Ongoing, c.End = true, time.Time{}
			c.Members = append(c.Members, undatedCurrent...)
		}
		for _, m := range c.Members {
			c.Started = c.Started || !plannedOnly(m)
		}
		c.Latest = latestMember(c.Members)
		c.DailyMg, _, c.DoseKnown = ix.dailyDose(*c.Latest)
		ix.highestOfLatest(c)
		c.Recent = c.Ongoing || int64(ix.today-dayOf(c.End)) <= windowDays(ix.cfg.RecentCourse)
		// A course only planned has its first months ahead, however old
		// the plan.
		if days, ok := c.Days(ix.now); !ok || !c.Started || int64(days) <= windowDays(ix.cfg.AntiplateletFirst) {
			c.FirstMonths = true
		}
		ix.courses[d] = c
	}
	ix.stillSupplied()
}

// stillSupplied makes ongoing a course with no current member whose latest
// member is a completed order or statement still taken (stillTaken: its
// end date, dosage timing or first supply reaches today), as a completed
// co-medication is (bbabro question 3, decided): Oracle Health and Epic
// close an outpatient prescription once it is sent or dispensed, and day
// 20 of a 30-day supply is being taken. patient-view then judges it as an
// active order (the on-treatment thresholds, monitoring, events since the
// start), and the reverse cards speak of a patient on the drug. Not when
// the member is dated after today or only plans the drug, nor when the
// other drug's course, begun after this one, is current or still supplied
// too: the patient switched (switchedTo), and the earlier drug's unused
// supply is not taken.
func (ix *index) stillSupplied() {
	supplied := map[Drug]bool{}
	for d, c := range ix.courses {
		if c.Ongoing || c.Latest == nil || plannedOnly(c.Latest) || !ix.stillTaken(c.Latest) {
			continue
		}
		if start, _ := MemberStart(c.Latest); start.IsZero() || dayOf(start) > ix.today {
			continue
		}
		supplied[d] = true
	}
	for d := range supplied {
		c := ix.courses[d]
		switched := false
		for e, o := range ix.courses {
			if e != d && (o.Ongoing || supplied[e]) && o.Started && !o.Start.IsZero() && (c.Start.IsZero() || o.Start.After(c.Start)) {
				switched = true
			}
		}
		if switched {
			continue
		}
		until, _ := suppliedUntil(c.Latest)
		c.Ongoing, c.Recent, c.End, c.StatedEnd, c.SuppliedUntil = true, true, time.Time{}, time.Time{}, until.time()
	}
}

// maxSupplyDays bounds the days a supply covers: beyond int64 (1e308 days,
// or 1 + MaxInt repeats wrapping to MinInt) the conversion would wrap the
// course's end to before its start.
const maxSupplyDays = 1 << 30

// supplyDays is the days a supply covers, days x (1 + repeats) rounded up:
// 0 when days is not a positive number, negative repeats read as none.
func supplyDays(s Supply) civilDay {
	n := s.Days * (float64(max(s.Repeats, 0)) + 1)
	if !(n > 0) { // NaN, zero, negative
		return 0
	}
	return civilDay(math.Ceil(min(n, maxSupplyDays)))
}

// plannedOnly reports whether m says only that the drug is planned: a
// MedicationStatement "intended" ("may be taken at some time in the
// future"), or a MedicationRequest with intent "plan" (an intention
// without an authorisation; Oracle Health's documented home medications,
// which nothing says were taken as ordered). Such a course is not Started, and a plan does not move the
// start of a course back (the first 3 months count from the first dose).
func plannedOnly(m *Medication) bool {
	return m.ResourceType == "MedicationStatement" && m.Status == "intended" ||
		m.ResourceType == "MedicationRequest" && m.Intent == "plan"
}

// highestOfLatest makes c's dose the highest known one among the members
// as late as c.Latest (the same start, both current or both not): two
// current orders of one date, 15 and 30 mg, are both the latest, and the
// bundle's order chose between them (mutrev3: a renewal at 30 mg was a dose
// increase with the 15 mg order listed last, and not with it first). The
// higher dose is the fail-safe reading for every dose limit of the course
// (lead's choice; committee question, mutrev3).
//
// One of them whose dose could not be read makes the course's dose unknown
// (failsafe15): the 15 mg order beside one of unreadable dose read
// "Keep upadacitinib at 15 mg daily or less while on clarithromycin",
// which the other order may be above; unknown says to check the dose,
// and a renewal counts as raising it.
func (ix *index) highestOfLatest(c *Course) {
	start, _ := MemberStart(c.Latest)
	current := useOf(c.Latest) == useCurrent
	unread := !c.DoseKnown
	for _, m := range c.Members {
		if s, _ := MemberStart(m); m == c.Latest || !s.Equal(start) || (useOf(m) == useCurrent) != current {
			continue
		}
		mg, _, ok := ix.dailyDose(*m)
		if !ok {
			unread = true
			continue
		}
		if !c.DoseKnown || mg > c.DailyMg {
			c.Latest, c.DailyMg, c.DoseKnown = m, mg, true
		}
	}
	if unread {
		c.DailyMg, c.DoseKnown = 0, false
	}
}

// latestMember is the latest current member, else the latest member (by
// start; undated current members count as today).
func latestMember(ms []*Medication) *Medication {
	var best *Medication
	var bestStart time.Time
	bestCurrent := false
	for _, m := range ms {
		start, _ := MemberStart(m)
		current := useOf(m) == useCurrent
		if current && start.IsZero() {
			start = time.Unix(1<<40, 0)
		}
		if best == nil || current && !bestCurrent || current == bestCurrent && !start.Before(bestStart) {
			best, bestStart, bestCurrent = m, start, current
		}
	}
	return best
}

// course returns the drug's course (nil when none).
func (ix *index) course(d Drug) *Course { return ix.courses[d] }

// switchedTo is the other drug's course the patient switched to from the
// ended course c, nil when there is none: c is over and a started course
// of the other drug, begun after c began, is ongoing or ended after c
// ended (abrocitinib, then upadacitinib, stopped in turn). An order of c's
// drug is then a switch back, which contract 6.2 counts as an initiation
// of that drug (its screening, the initiation thresholds, the first 3
// months of abrocitinib from now), not a continuation of the course it
// left; the reverse direction judges such a patient on the ongoing course
// alone (EvaluateInteractions).
func (ix *index) switchedTo(c *Course) *Course {
	if c == nil || c.Ongoing {
		return nil
	}
	for _, d := range triggerDrugs {
		o := ix.courses[d]
		if d == c.Drug || o == nil || !o.Recent || !o.Started || o.Start.IsZero() || !o.Ongoing && !o.End.After(c.End) {
			continue
		}
		if c.Start.IsZero() || o.Start.After(c.Start) {
			return o
		}
	}
	return nil
}

// switchBackEvidence says why an order of c's drug, whose course ended
// within the recent window, is a start rather than a continuation: the
// patient switched from c to o (switchedTo). "abrocitinib taken until
// 2026-10-30, then upadacitinib from 2026-10-30 (to 2026-11-27):
// abrocitinib ordered again is a new start (a switch back), so the checks
// before starting apply."
func switchBackEvidence(c, o *Course) []Evidence {
	p, _ := Profile(c.Drug)
	q, _ := Profile(o.Drug)
	other := q.Generic + " from " + dateText(o.Start)
	if !o.Ongoing && !o.End.IsZero() {
		other += " to " + dateText(o.End)
	}
	until := ""
	if !c.End.IsZero() {
		until = " until " + dateText(c.End)
	}
	return []Evidence{{Text: p.Generic + " taken" + until + ", then " + other + ": " + p.Generic +
		" ordered again is a new start (a switch back), so the checks before starting apply."}}
}

// orderRef names a medication for evidence: its id, else its name.
func orderRef(m *Medication) string {
	if m.ID != "" {
		return m.ID
	}
	return "the " + medicationName(m) + " order"
}

// UnreadableCourse returns the first record medication of an upadacitinib
// or abrocitinib course whose status could not be read (Record.Unreadable),
// ok false when there is none. It is not a course: its checks did not run,
// and the answer is to say so (contract 6.6, fail safe) rather than be
// silent as for a patient on no JAK inhibitor.
func (e *Engine) UnreadableCourse(rec *Record) (m Medication, drug Drug, ok bool) {
	for _, m := range rec.Unreadable {
		if d, _, ok := recognize(e.k, m); ok {
			return m, d, true
		}
	}
	return Medication{}, "", false
}
