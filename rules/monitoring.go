package rules

import (
	"slices"
	"strings"
	"time"
)

// pvRule is one patient-view rule (contract section 5, second table).
type pvRule struct {
	code     string
	level    Level
	category Category
	drug     Drug // "" for both
	needs    []string
	upa      string // RINVOQ label section
	abro     string // CIBINQO label section
	check    func(c *orderCtx, t *Course) (Finding, bool)
}

// pvRules lists the on-treatment rules. Monitoring intervals come from
// Config (AbrocitinibMonitoring 4 weeks, C6; UpadacitinibLipidMonitoring
// 12 weeks, R9; UpadacitinibRoutineMonitoring, R9 "routine patient
// management"); thresholds are those of the order rules, with platelets
// at PlateletsMinOnTreatment (C5); interrupt per R8 and C5. Results count
// from the course start (course.go), not from the latest renewal.
var pvRules = []pvRule{
	{MonitoringCBCDue, Warning, CategoryMonitoring, "", needObs, rvqLabs, cibLabs, (*orderCtx).monitoringCBCDue},
	{MonitoringLiverDue, Warning, CategoryMonitoring, "", needObs, rvqLabs, cibNoLiver, (*orderCtx).monitoringLiverDue},
	{MonitoringLipidsDue, Warning, CategoryMonitoring, "", needObs, rvqLabs, cibLabs, (*orderCtx).monitoringLipidsDue},
	{Lymphopenia, Critical, CategoryLabSafety, "", needObs, rvqLabs, cibLabs, onCourse((*orderCtx).lymphopenia)},
	{Neutropenia, Critical, CategoryLabSafety, "", needObs, rvqLabs, cibLabs, onCourse((*orderCtx).neutropenia)},
	{Anemia, Critical, CategoryLabSafety, "", needObs, rvqLabs, cibLabs, onCourse((*orderCtx).anemia)},
	{Thrombocytopenia, Critical, CategoryLabSafety, Abrocitinib, needObs, "", cibLabs, onCourse((*orderCtx).thrombocytopenia)},
	{SeriousInfectionActive, Critical, CategoryContraindication, "", needCond, rvqInfections, cibInfections, onCourse((*orderCtx).seriousInfectionActive)},
	// Active tuberculosis during a course is a serious infection (RINVOQ
	// and CIBINQO 5.1: interrupt); its own code, as at order time, with the
	// on-treatment wording ("Interrupt"), whenever it began.
	{TBActive, Critical, CategoryContraindication, "", needCond, rvqInfections, cibInfections, onCourse((*orderCtx).tbActive)},
	// Events since the course start (pvevents review): what a renewal
	// reports as new since the start (docs/rules.md section 2), on chart
	// open, so that it does not wait months for the next renewal. Never
	// history from before the start; none for a course only planned or
	// with no start date (sinceStart).
	{TBLatentUntreated, Critical, CategoryContraindication, "", []string{DataObservations, DataConditions, DataMedications, DataMedicationStatements},
		rvqPreStart, cibPreStart, sinceStart((*orderCtx).tbLatentUntreated)},
	{HBVActive, Critical, CategoryContraindication, "", []string{DataObservations, DataConditions}, rvqPreStart, cibPreStart, sinceStart((*orderCtx).hbvActiveSinceStart)},
	{HCVActive, Critical, CategoryContraindication, "", []string{DataObservations, DataConditions}, rvqPreStart, cibPreStart, sinceStart((*orderCtx).hcvActiveSinceStart)},
	{Pregnancy, Critical, CategoryContraindication, "", []string{DataConditions, DataObservations}, rvqFetal, cibPregnancy, onCourse((*orderCtx).pregnancy)},
	// Not recommended during treatment (RINVOQ and CIBINQO 8.2).
	{Breastfeeding, Critical, CategoryContraindication, "", needCond, rvqLactation, cibLactation, onCourse((*orderCtx).breastfeeding)},
	{CombinationJAK, Critical, CategoryContraindication, "", needMeds, rvqIndication, cibIndication, onCourse((*orderCtx).combinationJAK)},
	{CombinationBiologic, Warning, CategoryInteraction, "", needMeds, rvqIndication, cibIndication, onCourse((*orderCtx).combinationBiologic)},
	{CombinationImmunosuppressant, Warning, CategoryInteraction, "", needMeds, rvqIndication, cibIndication, onCourse((*orderCtx).combinationImmunosuppressant)},
	// The interacting drugs of contract 6.1 active on the chart (issue 15).
	{AntiplateletAbrocitinib, Critical, CategoryContraindication, Abrocitinib, needMeds, "", cibContra, inFirstMonths((*orderCtx).antiplateletAbrocitinib)},
	{CYPInteraction, Warning, CategoryInteraction, "", needMeds, rvqCYP, cibCYP, onCourse((*orderCtx).cypInteraction)},
	{PgpSubstrate, Info, CategoryInteraction, Abrocitinib, needMeds, "", cibInteract, onCourse((*orderCtx).pgpSubstrate)},
	{LiveVaccineOrdered, Warning, CategoryInteraction, "", needMeds, rvqVaccines, cibVaccines, onCourse((*orderCtx).liveVaccineOrdered)},
	// A live vaccine given during the course (an Immunization, not an
	// order): live-vaccine-recent, within its window, from the course start.
	{LiveVaccineRecent, Warning, CategoryContraindication, "", []string{DataImmunizations, DataMedications, DataMedicationStatements}, rvqVaccines, cibVaccines, (*orderCtx).liveVaccineOnCourse},
	// Boxed-warning events since the course start (pvevents review), as on
	// a renewal: upadacitinib after an MI or stroke "Discontinue" (RINVOQ
	// 5.4); a thrombosis "evaluate promptly"; a new malignancy.
	{MACEHistory, Warning, CategoryRiskFactors, "", needCond, rvqMACE, cibBoxed, sinceStart((*orderCtx).maceHistory)},
	{VTERisk, Warning, CategoryRiskFactors, "", needCond, rvqThrombosis, cibBoxed, sinceStart((*orderCtx).vteRisk)},
	{Malignancy, Warning, CategoryRiskFactors, "", needCond, rvqMalignancy, cibBoxed, sinceStart((*orderCtx).malignancy)},
}

// pvSinceStart are the patient-view rules that read only what began on or
// after the course start (sinceStart), for the catalogue.
var pvSinceStart = map[string]bool{TBLatentUntreated: true, HBVActive: true, HCVActive: true, MACEHistory: true, VTERisk: true, Malignancy: true}

// monitoringCodes are the patient-view checks due after the course
// start. A course that is only planned (Course.Started false: an
// "intended" MedicationStatement) has no start to count them from, so they
// do not run for it.
var monitoringCodes = map[string]bool{MonitoringCBCDue: true, MonitoringLiverDue: true, MonitoringLipidsDue: true}

// PatientViewData lists, sorted, the kinds of data (Data* names) the
// patient-view rules read: what must be said when it could not be read for
// a patient on a course (package hooks, contract 6.6).
func PatientViewData() []string {
	var out []string
	for _, r := range pvRules {
		for _, n := range r.needs {
			if !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	slices.Sort(out)
	return out
}

// inFirstMonths adapts an order rule that applies in the first months of
// a course only (antiplatelet-abrocitinib: CIBINQO PI section 4, the first
// 3 months of treatment): on patient-view it runs while the course is in
// them, whenever the other drug started.
func inFirstMonths(check func(*orderCtx) (Finding, bool)) func(*orderCtx, *Course) (Finding, bool) {
	return func(c *orderCtx, t *Course) (Finding, bool) {
		if !t.FirstMonths {
			return Finding{}, false
		}
		return check(c)
	}
}

// sinceStart adapts an order rule that reads only what is new since the
// course start on a continuation (newOnCourse; hbv-active and hcv-active
// through their own since-start variants): on patient-view it runs for a
// course being taken whose start day is known (c.newFrom), and reads what
// began on or after that day, as the renewal does. A course only planned
// has no start to be new since, and one with no start date cannot tell
// history from new: the renewal rules speak for them.
func sinceStart(check func(*orderCtx) (Finding, bool)) func(*orderCtx, *Course) (Finding, bool) {
	return func(c *orderCtx, t *Course) (Finding, bool) {
		if !t.Started || t.Start.IsZero() || c.newFrom == anyDay {
			return Finding{}, false
		}
		f, ok := check(c)
		if ok { // what "since the start" is measured from
			f.Evidence, f.SinceStart = append(f.Evidence, c.startEvidence(t)), true
		}
		return f, ok
	}
}

// onCourse adapts an order rule, run as on a continuation.
func onCourse(check func(*orderCtx) (Finding, bool)) func(*orderCtx, *Course) (Finding, bool) {
	return func(c *orderCtx, _ *Course) (Finding, bool) { return check(c) }
}

// courseRule adapts a course rule to the order table: it runs with the
// order's course (on a continuation; never without one).
func courseRule(check func(*orderCtx, *Course) (Finding, bool)) func(*orderCtx) (Finding, bool) {
	return func(c *orderCtx) (Finding, bool) {
		if c.course == nil {
			return Finding{}, false
		}
		return check(c, c.course)
	}
}

// routineText is the upadacitinib routine CBC and ALT/AST interval for the
// catalogue ("" when the site turned it off).
func routineText(c Config) string {
	if c.UpadacitinibRoutineMonitoring <= 0 {
		return ""
	}
	return ", CBC and ALT/AST every " + durationText(c.UpadacitinibRoutineMonitoring)
}

// cbcMonitoringLimits is monitoring-cbc-due's limits for the catalogue:
// the abrocitinib CBC is also due after a dose increase.
func cbcMonitoringLimits(c Config) string {
	return limitsOfMonitoring(c, " and after a dose increase (unverified)")
}

// monitoringLimits is the other monitoring rules' limits for the catalogue.
func monitoringLimits(c Config) string { return limitsOfMonitoring(c, "") }

// limitsOfMonitoring is the monitoring limits, with abrocitinibAlso said
// after the abrocitinib interval.
func limitsOfMonitoring(c Config, abrocitinibAlso string) string {
	return "abrocitinib: " + durationText(c.AbrocitinibMonitoring) + " after the course start" + abrocitinibAlso +
		"; upadacitinib: lipids " + durationText(c.UpadacitinibLipidMonitoring) + " after the start" + routineText(c)
}

// evaluateTherapy runs the patient-view rules for one ongoing course.
// comboReported is true when another course of the chart already reported
// combination-jak, whose card names every JAK inhibitor on the chart (this
// course's drug included): a patient on both drugs gets one such card,
// not one per course.
func (e *Engine) evaluateTherapy(ix *index, t *Course, comboReported bool, stop func() bool) ([]Finding, error) {
	return e.evaluateTherapyOf(ix, t, comboReported, nil, stop)
}

// evaluateTherapyOf is evaluateTherapy running only the rules whose code
// is in only (nil: every rule).
func (e *Engine) evaluateTherapyOf(ix *index, t *Course, comboReported bool, only map[string]bool, stop func() bool) ([]Finding, error) {
	p, _ := Profile(t.Drug)
	// A course only planned (an "intended" statement) is judged as a start
	// ("Do not start", the start thresholds), as its first order will be;
	// one being taken as a continuation ("Interrupt").
	c := &orderCtx{cfg: e.cfg, k: e.k, ix: ix, order: *t.Latest, key: orderKey(t.Latest), drug: t.Drug, p: p, now: ix.now,
		cont: t.Started, course: t, newFrom: anyDay, fired: map[string]bool{}, risks: map[string]bool{}, comboReported: comboReported}
	if !t.Start.IsZero() {
		c.newFrom = dayOf(t.Start)
	}
	c.dose, c.doseHow, c.doseOK = t.DailyMg, "", t.DoseKnown
	onHold := onHold(t)
	var out []Finding
	for _, r := range pvRules {
		if stop != nil && stop() {
			return nil, ErrStopped
		}
		if r.drug != "" && r.drug != t.Drug || !t.Started && monitoringCodes[r.code] || only != nil && !only[r.code] {
			continue
		}
		f, ok := r.check(c, t)
		// Only what the record's own reading gives keeps a later rule
		// quiet (failsafe14): "hbv-active" from an HBsAg dated 2036 alone
		// hid the record's own positive anti-HBc ("check HBV DNA"), and
		// nothing was left of it for a prescriber who found the 2036 date
		// an error; the record's card now stands beside the questioned one.
		own := ok
		if a := c.aheadCtx(); a != nil { // results dated after today (ahead.go)
			if af, aok := r.check(a, t); sayMore(f, ok, af, aok, r.level) {
				f, ok = ix.takeAhead(f, ok, af), true
			}
		}
		if !ok {
			continue
		}
		f.Code, f.Category, f.Drug, f.OrderID, f.OnTreatment, f.Planned = r.code, r.category, t.Drug, t.Latest.ID, t.Started, !t.Started
		if f.Level == "" {
			f.Level = r.level
		}
		if f.Citation == (Citation{}) {
			sec := r.upa
			if t.Drug == Abrocitinib {
				sec = r.abro
			}
			f.Citation = p.Cite(sec)
		}
		if interrupt := "Interrupt " + p.Generic; onHold && strings.HasPrefix(f.Action, interrupt) {
			f.OnHold = true
			f.Action = "Keep " + p.Generic + " on hold (" + orderRef(t.Latest) + " is on hold)" + f.Action[len(interrupt):]
		}
		f.Unchecked = ix.unchecked(r.needs)
		f.Evidence = capEvidence(f.Evidence)
		if !t.SuppliedUntil.IsZero() && !slices.ContainsFunc(f.Evidence, func(e Evidence) bool { return e.CourseStart }) {
			// Every card of a course read as taken from a completed order
			// says so (bbabro question 3).
			f.Evidence = append(f.Evidence, c.startEvidence(t))
		}
		if own {
			c.fired[r.code] = true
		}
		out = append(out, f)
	}
	c.oneDose(out) // a strong CYP inhibitor on the chart: the course's dose against its limit
	ix.noteAheadCited(out)
	return out, nil
}

// onHold reports whether the course is interrupted: it has current
// members and every one of them is on hold (a MedicationRequest or
// MedicationStatement "on-hold"). The prescriber has already done what an
// "Interrupt" finding asks; patient-view says to keep it on hold.
func onHold(t *Course) bool {
	held := false
	for _, m := range t.Members {
		if useOf(m) != useCurrent {
			continue
		}
		if m.Status != "on-hold" {
			return false
		}
		held = true
	}
	return held
}

// startEvidence says when the course started and where the date comes from.
func (c *orderCtx) startEvidence(t *Course) Evidence {
	if t.Start.IsZero() {
		return Evidence{Text: c.p.Generic + " is current (" + orderRef(t.Latest) + ") but no order or statement of the course gives a start date.",
			ResourceID: t.Latest.ID, CourseStart: true}
	}
	return Evidence{Text: c.p.Name() + " course started on " + dateText(t.Start) + " (" + t.StartFrom + ")" + suppliedText(t) + ".", Date: t.Start, CourseStart: true}
}

// suppliedText says, for a course ongoing only because its latest order
// is completed and still supplied (stillSupplied), that it is read as
// taken, in the drug line of noise15: "; its latest order, abrocitinib 100
// MG Oral Tablet (completed, ordered 2026-11-09; its end date or supply
// runs to 2026-12-08), is read as still taken". "" otherwise.
func suppliedText(t *Course) string {
	if t.SuppliedUntil.IsZero() || t.Latest == nil {
		return ""
	}
	return "; its latest order, " + medicationEvidence([]*Medication{t.Latest}, "")[0].Text + ", is read as still taken"
}

// monitoring is one monitoring check: the results that count, the interval
// after the start, and whether it repeats every interval (routine
// monitoring) or is a single check after initiation.
type monitoring struct {
	what     string
	sets     []string
	interval time.Duration
	periodic bool
	tests    []Test
}

// due fires when the course is at least the interval old (in whole days:
// started exactly 4 weeks ago is due) and no result of the sets is dated
// after the start day; periodic checks also when the last one is older
// than the interval (a result exactly the interval old is still inside it,
// as for every window). A result dated on the start day itself is the
// baseline and does not count, nor does one whose only value is words.
func (c *orderCtx) due(t *Course, m monitoring) (Finding, bool) {
	if t.Start.IsZero() || !atLeast(t.Start, c.now, m.interval) {
		return Finding{}, false
	}
	startDay := dayOf(t.Start)
	var last *Observation
	// A result that says it was not measured ("Test not performed",
	// "TNP", "Cancelled - specimen lipemic" as its only value) is no
	// check done, as at the start (measured).
	if rs := measured(c.ix.results(startDay+1, m.sets...)); len(rs) > 0 {
		last = rs[0]
	}
	dueFrom := startDay
	ev := []Evidence{c.startEvidence(t)}
	switch {
	case last != nil && !m.periodic:
		return Finding{}, false
	case last != nil:
		if dayOf(last.Date) >= windowStart(c.ix.today, m.interval) {
			return Finding{}, false
		}
		dueFrom = dayOf(last.Date)
		ev = append(ev, Evidence{Text: "Last " + lowerIfWord(m.what) + " on " + dateText(last.Date) + ", more than " + durationText(m.interval) + " ago.",
			Date: last.Date, ResourceID: last.ID})
	default:
		ev = append(ev, Evidence{Text: "No " + lowerIfWord(m.what) + " since the course start."})
	}
	if c.ordering(m.sets...) { // a continuation order signed with the test: said, as at the start
		ev = append(ev, Evidence{Text: m.what + " is being ordered in this session."})
	}
	if m.periodic {
		ev = append(ev, Evidence{Text: "The label asks for " + lowerIfWord(m.what) + " \"according to routine patient management\" without an interval; every " +
			durationText(m.interval) + " is jakguard's routine interval (site setting upadacitinibRoutineMonitoring)."})
	}
	// When: a first check is due the interval after the start; a repeat
	// the interval after the last one (pvnoise review: a patient two years
	// on upadacitinib, last CBC 85 days ago, read "due 12 weeks after
	// starting upadacitinib").
	when := "due " + durationText(m.interval) + " after starting " + c.p.Generic
	if last != nil {
		when = "due every " + durationText(m.interval) + " on " + c.p.Generic + ", last on " + dateText(last.Date)
	}
	return Finding{
		Title:       m.what + " due",
		Action:      "Order " + lowerIfWord(m.what) + " (" + when + ").",
		Evidence:    ev,
		Tests:       withReason(lowerIfWord(m.what)+" "+when, m.tests...),
		DaysOverdue: int(int64(c.ix.today-dueFrom) - windowDays(m.interval)),
	}, true
}

// cbcSets are the results that count as a CBC: the panel or any of its counts.
var cbcSets = []string{VSCBCPanel, VSLymphocytes, VSNeutrophils, VSHemoglobin, VSPlatelets}

func (c *orderCtx) monitoringCBCDue(t *Course) (Finding, bool) {
	m := monitoring{what: "CBC", sets: cbcSets, tests: []Test{testCBC}}
	if t.Drug == Abrocitinib {
		m.interval = c.cfg.AbrocitinibMonitoring
	} else {
		m.interval, m.periodic = c.cfg.UpadacitinibRoutineMonitoring, true
	}
	if m.interval > 0 { // upadacitinib: 0 is the site's "off"
		if f, ok := c.due(t, m); ok {
			return f, true
		}
	}
	if t.Drug == Abrocitinib {
		if f, ok := c.increaseCBCDue(t); ok {
			return f, true
		}
	}
	return c.unreadableCounts(t)
}

// doseIncrease finds the latest rise of the course's daily dose still in
// force: the member (dated, taken: not a plan) whose daily dose is higher
// than that of the member before it with a known dose, while the course's
// current dose (Course.DailyMg) is still higher than that earlier dose.
// ok is false when the dose never rose, or came back down to (or below)
// where it was before the rise.
func (c *orderCtx) doseIncrease(t *Course) (raisedBy *Medication, from, to float64, ok bool) {
	if !t.DoseKnown || t.Start.IsZero() {
		return nil, 0, 0, false
	}
	prev, havePrev := 0.0, false
	for _, m := range t.Members { // oldest first
		if start, _ := MemberStart(m); start.IsZero() || plannedOnly(m) {
			continue
		}
		mg, _, known := c.ix.dailyDose(*m)
		if !known || !(mg > 0) {
			continue
		}
		if havePrev && mg > prev {
			raisedBy, from, to = m, prev, mg
		}
		prev, havePrev = mg, true
	}
	if raisedBy == nil || !(t.DailyMg > from) {
		return nil, 0, 0, false
	}
	return raisedBy, from, to, true
}

// increaseCBCDue is the abrocitinib CBC 4 weeks (AbrocitinibMonitoring)
// after a dose increase (C6, grade C: unverified): due from that long
// after the start of the member that raised the dose, when no measured
// CBC result is dated after that day (a result on the day of the
// increase is taken as the check before it, as a result on the start day
// is the baseline).
func (c *orderCtx) increaseCBCDue(t *Course) (Finding, bool) {
	interval := c.cfg.AbrocitinibMonitoring
	m, from, to, ok := c.doseIncrease(t)
	if !ok || interval <= 0 {
		return Finding{}, false
	}
	at, field := MemberStart(m)
	if !atLeast(at, c.now, interval) {
		return Finding{}, false
	}
	day := dayOf(at)
	if len(measured(c.ix.results(day+1, cbcSets...))) > 0 {
		return Finding{}, false
	}
	ev := []Evidence{
		{Text: c.p.Name() + " daily dose raised from " + number(from) + " mg/day to " + number(to) + " mg/day on " + dateText(at) +
			" (" + field + " of " + orderRef(m) + ").", Date: at, ResourceID: m.ID},
		{Text: "No CBC since the dose increase."},
	}
	if c.ordering(cbcSets...) {
		ev = append(ev, Evidence{Text: "CBC is being ordered in this session."})
	}
	ev = append(ev, Evidence{Text: "The CBC " + durationText(interval) + " after a dose increase is graded C in jakguard's knowledge base (CIBINQO US label, C6): not yet verified."})
	return Finding{
		Title:       "CBC due after the " + c.p.Generic + " dose increase",
		Action:      "Order CBC (due " + durationText(interval) + " after the " + c.p.Generic + " dose increase; platelets fall with dose).",
		Evidence:    ev,
		Tests:       withReason("CBC due "+durationText(interval)+" after the "+c.p.Generic+" dose increase", testCBC),
		DaysOverdue: int(int64(c.ix.today-day) - windowDays(interval)),
		Unverified:  true,
	}, true
}

// unreadableCounts fires monitoring-cbc-due when the newest on-treatment
// result of a count has a unit the rules do not recognise: its value could
// not be judged against the thresholds, so the check is not done (issue
// 13: a count must not vanish silently).
func (c *orderCtx) unreadableCounts(t *Course) (Finding, bool) {
	from := c.onTreatmentFrom(t)
	var ev []Evidence
	for _, n := range c.cbcCounts() {
		rs := c.ix.results(from, n.set)
		if len(rs) == 0 {
			continue
		}
		o := rs[0]
		problem := unitProblem(n.kind, o.Quantity)
		if problem == "" && censoredAcross(n.kind, o.Quantity, c.countMin(n)) {
			problem = strings.TrimSuffix(c.acrossText(n), ".")
		}
		if problem == "" {
			continue
		}
		shown := quantityText(o.Quantity)
		if o.Quantity == nil && o.ValueText != "" { // "See comment", "Clumped": say what the lab wrote
			shown, problem = "reported as \""+clipText(o.ValueText, 60)+"\"", "no number"
		}
		ev = append(ev, Evidence{Text: n.name + " on " + dateText(o.Date) + " (" + shown + "): " + problem +
			"; the value was not judged against the threshold.", Date: o.Date, ResourceID: o.ID})
	}
	if len(ev) == 0 {
		return Finding{}, false
	}
	return Finding{
		Title:    "On-treatment blood count could not be read",
		Action:   "Check the result and its unit, or repeat the CBC: a low count on " + c.p.Generic + " needs action.",
		Evidence: append(ev, c.startEvidence(t)),
		Tests:    withReason("on-treatment count with an unrecognised unit", testCBC),
	}, true
}

func (c *orderCtx) monitoringLiverDue(t *Course) (Finding, bool) {
	m := monitoring{what: "ALT/AST", sets: []string{VSALT, VSAST}, tests: []Test{testALT, testAST}}
	if t.Drug == Abrocitinib {
		m.interval = c.cfg.AbrocitinibMonitoring
	} else {
		m.interval, m.periodic = c.cfg.UpadacitinibRoutineMonitoring, true
	}
	if m.interval <= 0 {
		return Finding{}, false // upadacitinib: the site turned the routine check off
	}
	return c.due(t, m)
}

func (c *orderCtx) monitoringLipidsDue(t *Course) (Finding, bool) {
	m := monitoring{what: "Lipid panel", sets: []string{VSLipids}, tests: []Test{testLipids}, interval: c.cfg.UpadacitinibLipidMonitoring}
	if t.Drug == Abrocitinib {
		m.interval = c.cfg.AbrocitinibMonitoring
	}
	return c.due(t, m)
}

// onTreatmentFrom is the first day on-treatment results count from: the
// course start day (the start day included); without a start date, the
// CBC window.
func (c *orderCtx) onTreatmentFrom(t *Course) civilDay {
	if t == nil || t.Start.IsZero() {
		return c.windowFrom(c.cfg.CBCWindow)
	}
	return dayOf(t.Start)
}

// clipText is s on one line, at most n runes (with "..." when cut).
func clipText(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "..."
	}
	return s
}
