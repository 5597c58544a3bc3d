package rules

import (
	"slices"
	"strings"
	"time"
)

// The reverse direction (contract 6.1, issue 15): a draft order of a drug
// that interacts with upadacitinib or abrocitinib, for a patient with an
// active or recent course of one of them. The order-time rules of order.go
// find a pairing when the JAK inhibitor is ordered with the other drug on
// record; these find the same pairing when the other drug is ordered with
// the course on record, with the same finding code, level and card
// category, so both directions agree.

// interactionSets are the medication value sets of the drugs that interact
// with a course (contract 6.1). A draft order in none of them, and not a
// JAK inhibitor itself, can raise no card: hooks answers it before reading
// any prefetch (Engine.Interacts).
var interactionSets = []string{
	VSOtherJAK, VSBiologics, VSImmunosuppressants, VSLiveVaccines, VSAntiplatelets, VSAspirin,
	VSCYP3A4StrongInhibitors, VSCYP3A4StrongInducers, VSCYP2C19StrongInhibitors,
	VSCYP2C19CYP2C9Inhibitors, VSCYP2C19CYP2C9Inducers, VSPgpSubstratesNTI,
}

// reverseRule is one rule of the reverse direction: the finding it
// reports, the course drug it applies to ("" for both), the value sets the
// draft order must be in, whether it applies only in the first months of
// the course, the label sections it rests on, and its check.
type reverseRule struct {
	code     string
	level    Level
	category Category
	drug     Drug
	sets     []string
	within   func(Config) time.Duration
	upa      string
	abro     string
	check    func(c *reverseCtx) (Finding, bool)
}

// reverseRules lists the reverse-direction rules; code, level and
// category are those of the same pairing in orderRules.
var reverseRules = []reverseRule{
	{CombinationJAK, Critical, CategoryContraindication, "", []string{VSOtherJAK}, nil, rvqIndication, cibIndication, (*reverseCtx).combinationJAK},
	{AntiplateletAbrocitinib, Critical, CategoryContraindication, Abrocitinib, []string{VSAntiplatelets, VSAspirin},
		func(c Config) time.Duration { return c.AntiplateletFirst }, "", cibContra, (*reverseCtx).antiplatelet},
	{LiveVaccineOrdered, Warning, CategoryInteraction, "", []string{VSLiveVaccines}, nil, rvqVaccines, cibVaccines, (*reverseCtx).liveVaccine},
	{CYPInteraction, Warning, CategoryInteraction, "",
		[]string{VSCYP3A4StrongInhibitors, VSCYP3A4StrongInducers, VSCYP2C19StrongInhibitors, VSCYP2C19CYP2C9Inhibitors, VSCYP2C19CYP2C9Inducers},
		nil, rvqCYP, cibCYP, (*reverseCtx).cyp},
	{PgpSubstrate, Info, CategoryInteraction, Abrocitinib, []string{VSPgpSubstratesNTI}, nil, "", cibInteract, (*reverseCtx).pgp},
	{CombinationBiologic, Warning, CategoryInteraction, "", []string{VSBiologics}, nil, rvqIndication, cibIndication, (*reverseCtx).biologic},
	{CombinationImmunosuppressant, Warning, CategoryInteraction, "", []string{VSImmunosuppressants}, nil, rvqIndication, cibIndication, (*reverseCtx).immunosuppressant},
}

// medicationSets lists the indexed medication sets m is in, by code or
// text (remembered across calls, as the index does).
func medicationSets(k *Knowledge, m Medication) []string {
	var buf [256]byte
	sets, _ := k.medicationSets(&m, buf[:0])
	return sets
}

// Interacts tells whether a draft order that is not upadacitinib or
// abrocitinib is a drug that interacts with them (contract 6.1): another
// JAK inhibitor, a biologic immunomodulator, a potent immunosuppressant, a
// live vaccine, an antiplatelet drug or aspirin, a strong CYP inhibitor or
// inducer the labels name, or a narrow-therapeutic-index P-gp substrate. It
// reads the order alone, so it is asked before any patient data is read.
func (e *Engine) Interacts(m Medication) bool {
	if _, _, ok := e.Recognize(m); ok {
		return false
	}
	for _, s := range medicationSets(e.k, m) {
		for _, is := range interactionSets {
			if s == is {
				return true
			}
		}
	}
	return false
}

// InteractsService tells whether a draft ServiceRequest orders a live
// vaccine (by CVX, RxNorm or text).
func (e *Engine) InteractsService(s ServiceOrder) bool {
	return medicationIn(e.k, VSLiveVaccines, serviceMedication(s))
}

// serviceMedication is a ServiceRequest seen as an order of its code.
func serviceMedication(s ServiceOrder) Medication {
	return Medication{ID: s.ID, ResourceType: "ServiceRequest", Status: s.Status, Intent: "order", Codes: s.Codes, Text: s.Text}
}

// EvaluateInteractions runs the reverse direction for the draft orders to
// evaluate (on order-select the selected ones, on order-sign all): each
// one that is not upadacitinib or abrocitinib but interacts with them is
// checked against the patient's active or recent course of each drug
// (course.go; the session's draft orders are not members). A course of a
// drug that is itself among orders is left to that order's own rules
// (EvaluateOrders), which see the whole session, so no pairing is reported
// twice. Cancelled (revoked) and entered-in-error drafts are skipped. It returns nil
// for a patient with no active or recent course; stop is asked between
// orders, as in EvaluateOrdersUntil.
func (e *Engine) EvaluateInteractions(rec *Record, sess Session, orders []Medication, services []ServiceOrder, now time.Time, stop func() bool) ([]Finding, error) {
	if rec == nil {
		rec = &Record{}
	}
	forward := map[Drug]bool{}
	var drafts []Medication
	for i := range orders {
		e.k.nameByCode(&orders[i])
	}
	for _, m := range orders {
		if d, _, ok := e.Recognize(m); ok {
			forward[d] = true
			continue
		}
		if m.Status != "cancelled" && m.Status != "entered-in-error" && e.Interacts(m) {
			drafts = append(drafts, m)
		}
	}
	for _, s := range services {
		if s.Status != "revoked" && s.Status != "entered-in-error" && e.InteractsService(s) { // revoked: a cancelled ServiceRequest
			m := serviceMedication(s)
			e.k.nameByCode(&m)
			drafts = append(drafts, m)
		}
	}
	if len(drafts) == 0 {
		return nil, nil
	}
	ix := e.newIndex(rec, now)
	si := newSessionIndex(e.k, sess)
	ix.computeCourses(setOf(si.ids))
	var courses []*Course
	ongoing := false
	for _, d := range triggerDrugs {
		if c := ix.course(d); c != nil && c.Recent && !forward[d] {
			courses = append(courses, c)
			ongoing = ongoing || c.Ongoing
		}
	}
	if ongoing {
		// A switch: the ended course of one drug is closed by the ongoing
		// course of the other. "If upadacitinib is resumed, reduce it with
		// clarithromycin" for a patient now on abrocitinib is noise, and
		// the pairings of both drugs (another JAK inhibitor, a live
		// vaccine) are judged on the ongoing course.
		courses = slices.DeleteFunc(courses, func(c *Course) bool { return !c.Ongoing })
	}
	if len(courses) == 0 {
		return nil, nil
	}
	var out []Finding
	for i := range drafts {
		if stop != nil && stop() {
			return out, ErrStopped
		}
		x := &drafts[i]
		in := map[string]bool{}
		if x.ResourceType == "ServiceRequest" {
			in[VSLiveVaccines] = true
		} else {
			for _, s := range medicationSets(e.k, *x) {
				in[s] = true
			}
		}
		for _, course := range courses {
			out = append(out, e.evaluateReverse(ix, x, in, course)...)
		}
	}
	out = e.nameSubjects(out)
	return e.stopCourses(ix, courses, out), nil // after the naming: its action names the subject
}

// stopCodes are the patient-view rules whose finding tells to stop or
// interrupt the course: an MI or stroke, or a thrombosis, since the start
// (when Discontinue), a serious infection and active tuberculosis.
var stopCodes = map[string]bool{MACEHistory: true, VTERisk: true, SeriousInfectionActive: true, TBActive: true}

// courseStops are the findings of the stop rules (stopCodes) that
// patient-view gives for the ongoing course t, worded as there (a course
// that ended is judged here too, for whether it may be resumed: endedStop).
func (e *Engine) courseStops(ix *index, t *Course) []Finding {
	fs, _ := e.evaluateTherapyOf(ix, t, false, stopCodes, nil)
	return e.nameSubjects(slices.DeleteFunc(fs, func(f Finding) bool {
		return (f.Code == MACEHistory || f.Code == VTERisk) && !(f.SinceStart && f.Discontinue) // a thrombophilia: review, not stop
	}))
}

// stopCourses: a reverse finding about an ongoing course whose own
// patient-view card says to stop or interrupt the drug (an MI since the
// start: RINVOQ 5.4 and CIBINQO 5.4 say discontinue; a serious infection:
// RINVOQ 5.1 interrupt, CIBINQO 5.1 discontinue) carries that card's
// findings (Finding.Stops), so that its card leads with them: one card,
// not a pairing beside a stop (ixcond review for the dose cards, revstop
// review for every pairing). Per order, the first finding carries the
// stop and a further one of the same order (ticlopidine: an antiplatelet
// and a CYP2C19 inhibitor) is folded into it, so the order gets one card.
// A finding that would name a dose of the course's drug names none; the
// others say what the stop leaves of the pairing (stopAction); one about a
// course that ended is reworded or dropped (endedStop). The conditions are
// read for every finding JudgedForStop (the hooks read them only when such
// a finding is found); when they could not all be
// had, the finding says that conditions could not be checked, and keeps
// today's advice unless those read stop the course. It returns out without
// the folded findings.
func (e *Engine) stopCourses(ix *index, courses []*Course, out []Finding) []Finding {
	for _, t := range courses {
		var stops []Finding
		read := false
		p, _ := Profile(t.Drug)
		first := map[string]int{} // order → index in out of its finding that carries the stop
		for i := range out {
			f := &out[i]
			if f.Drug != t.Drug || !JudgedForStop(*f) {
				continue
			}
			if ix.unavailable[DataConditions] && !slices.Contains(f.Unchecked, DataConditions) {
				f.Unchecked = append(f.Unchecked, DataConditions)
			}
			// What a search cut short holds is so, as on patient-view: an
			// MI on its first page stops the course (it kept the dose, and
			// said the conditions read were checked; failsafe17).
			if !read {
				stops, read = e.courseStops(ix, t), true
			}
			if len(stops) == 0 {
				continue
			}
			if !f.Course.Ongoing {
				// An event dated after today alone does not take the card
				// away (it had nowhere to question the date): today's advice
				// stands and cites it, questioned (endedstop question 2,
				// lead's change).
				if eventsAhead(stops[0], ix.now) {
					f.Evidence = append(f.Evidence, stops[0].Evidence...)
					continue
				}
				e.endedStop(p, f, t, stops[0]) // endedstop review: no resumption dose
				continue
			}
			key := f.OrderID // one order, one card
			if key == "" {
				key = "\x00" + f.Subject // orders sent without an id told apart by name
			}
			if at, ok := first[key]; ok {
				fold(&out[at], f, p)
				f.Code = "" // folded: removed below
				continue
			}
			first[key] = i
			f.Stops = stops
			if NamesCourseDose(*f) {
				f.RuledOut, f.SuggestedDailyMg = true, 0
				f.Action = "With " + f.Subject + " the " + p.Generic + " dose is " + number(f.DoseLimitMg) + " mg daily at most, but no " +
					p.Generic + " dose is suggested: " + stopReason(p, stops[0]) + " (see above)."
				continue
			}
			f.Action = e.stopAction(p, *f, stops[0])
		}
	}
	return slices.DeleteFunc(out, func(f Finding) bool { return f.Code == "" })
}

// JudgedForStop reports whether f, a reverse-direction finding, is about
// an ongoing course, which the label may stop, or about one that ended,
// whose resumption the label may rule out (stopCourses, endedStop):
// whether its advice stands depends on the conditions, which the hooks
// then read on a call that read only the medications. A live vaccine for
// a course that ended is not judged: its card ("confirm it is stopped and
// will not be resumed soon") stands whatever stopped the course, so it
// costs no Condition query (endedstop review).
func JudgedForStop(f Finding) bool {
	return f.Course != nil && (f.Course.Ongoing || f.Code != LiveVaccineOrdered)
}

// endedStop words a reverse finding f about a course t that ended, when
// the label rules out its resumption or delays it for st (endedstop
// review, committee question ixcond 1): the card named the dose "if
// upadacitinib is resumed while clarithromycin is taken" for a patient with
// an MI during the course, whom RINVOQ 5.4 says to discontinue it for.
// An MI, stroke or thrombosis since the course start (during it or after
// it ended; RINVOQ and CIBINQO 5.4, 5.5): the course is not to be resumed, so a pairing about the two drugs taken together (a
// CYP inhibitor's dose or an inducer to avoid, a P-gp substrate, a
// biologic, an immunosuppressant, an antiplatelet in abrocitinib's first 3
// months) has no future and gives no card (f.Code is cleared); another
// JAK inhibitor keeps its card, saying the course is not to be resumed and
// that its end does not clear the new one (the boxed warnings, as for an
// ongoing course: revstop). A serious infection or active tuberculosis
// (active now) interrupts upadacitinib (RINVOQ 5.1) and discontinues
// abrocitinib with its restart weighed once the infection is controlled
// (CIBINQO 5.1; patient-view's "weigh restarting"): the card says the
// label's word and the pairing for when it is resumed.
func (e *Engine) endedStop(p DrugProfile, f *Finding, t *Course, st Finding) {
	ended := courseEnded(p.Generic, t.End)
	if st.Code == SeriousInfectionActive || st.Code == TBActive {
		// Resumable once the infection is controlled: RINVOQ 5.1
		// interrupts; CIBINQO 5.1 discontinues, then weighs restarting.
		verb, when := "interrupt", "do not resume it until the infection is controlled (if it is still taken, interrupt it)"
		if StopsForInfection(p.Drug) {
			verb, when = "discontinue", "if it is still taken, stop it, and weigh restarting it only once the infection is controlled"
		}
		pairing := strings.TrimPrefix(f.Action, ended+ifStillTaken(p.Generic)) // whileOn's words
		f.Action = ended + ", and " + endedWhy(p, st) + " " + verb + " " + p.Generic + ": " + when + ". If " +
			p.Generic + " is then resumed while " + f.Subject + " is taken: " + pairing
		return
	}
	if f.Code != CombinationJAK {
		f.Code = "" // no future pairing: removed by stopCourses
		return
	}
	f.Action = ended + ", and " + endedWhy(p, st) + " discontinue " + p.Generic + ": it is not to be resumed (if it is still taken, stop it). Its end does not clear " +
		f.Subject + ", a JAK inhibitor too: the boxed warnings on MACE and thrombosis come from a study of another JAK inhibitor, so weigh them before starting it."
}

// eventsAhead reports whether every Condition st cites is dated after
// today (a typing error, or an entry dated ahead); the course's own line
// is not an event.
func eventsAhead(st Finding, now time.Time) bool {
	n := 0
	for _, ev := range st.Evidence {
		if ev.Date.IsZero() || !strings.HasPrefix(ev.ResourceID, "Condition/") {
			continue
		}
		if !afterToday(ev.Date, now) {
			return false
		}
		n++
	}
	return n > 0
}

// endedWhy says, for a course that ended, which event the label stops
// the drug for: an MI, stroke or thrombosis on or after the course start
// (during it, or since it ended), a serious infection or active
// tuberculosis now ("... RINVOQ PI 5.4 says").
func endedWhy(p DrugProfile, st Finding) string {
	event, section := stopEvent(st)
	switch st.Code {
	case MACEHistory, VTERisk:
		event = "after the " + event + " since its start"
	case TBActive:
		event = "during " + event
	default:
		event = "during a " + event
	}
	return event + " " + strings.ToUpper(p.Brand) + " PI " + section + " says to"
}

// stopEvent is the event a stop finding st is about and the section of
// both labels that stops the drug for it: an MI or stroke 5.4, a
// thrombosis 5.5, active tuberculosis or a serious infection 5.1.
func stopEvent(st Finding) (event, section string) {
	switch st.Code {
	case MACEHistory:
		return "myocardial infarction or stroke", "5.4"
	case VTERisk:
		return "thrombosis", "5.5"
	case TBActive:
		return "active tuberculosis", "5.1"
	}
	return "serious infection", "5.1"
}

// discontinues reports whether the label says to discontinue the drug
// for the stop st (an MI, stroke or thrombosis; an infection on
// abrocitinib), not to interrupt it (an infection on upadacitinib).
func discontinues(d Drug, st Finding) bool {
	return st.Code == MACEHistory || st.Code == VTERisk || StopsForInfection(d)
}

// stopAction is the action of a reverse finding f whose course the label
// stops for st (revstop review). A live vaccine keeps its own: the labels
// avoid live vaccines immediately before (RINVOQ 5.10) and immediately
// after (CIBINQO 5.7) treatment as well as during it, so a stop does not
// make it safe. The other pairings are about the two drugs taken
// together: a drug the label discontinues no longer pairs once stopped, so
// the card says to stop it and gives the pairing only for while it is
// still taken; an antiplatelet, contraindicated with abrocitinib in its
// first 3 months, is to be given with abrocitinib stopped, not withheld
// (a post-MI patient needs it). A drug the label interrupts (upadacitinib
// during a serious infection) is resumed later: the pairing is said for
// then.
func (e *Engine) stopAction(p DrugProfile, f Finding, st Finding) string {
	if f.Code == LiveVaccineOrdered {
		return f.Action
	}
	why := stopReason(p, st)
	if !discontinues(p.Drug, st) {
		return "The label says to interrupt " + p.Generic + " (" + why + "): while it is interrupted this pairing does not apply; if " +
			p.Generic + " is resumed while " + f.Subject + " is taken: " + lowerFirst(f.Action)
	}
	if f.Code == AntiplateletAbrocitinib {
		return upperFirst(p.Generic) + " is contraindicated with antiplatelet therapy (except aspirin up to " + number(e.cfg.AspirinMaxDailyMg) +
			" mg/day) in its first " + durationText(e.cfg.AntiplateletFirst) + ", and the label says to discontinue it (" + why +
			"): stop " + p.Generic + " rather than withhold " + f.Subject + ", and do not resume " + p.Generic + " while " + f.Subject +
			" is taken in the first " + durationText(e.cfg.AntiplateletFirst) + " of treatment."
	}
	if f.Code == CombinationJAK {
		// Stopping one JAK inhibitor does not clear another: both labels'
		// boxed warnings on MACE and thrombosis come from a study of
		// another JAK inhibitor (RINVOQ and CIBINQO boxed warnings).
		return "The label says to discontinue " + p.Generic + " (" + why + "): stopping it does not clear " + f.Subject +
			", a JAK inhibitor too: the boxed warnings on MACE and thrombosis come from a study of another JAK inhibitor, so weigh them before starting it. While " +
			p.Generic + " is still taken: " + lowerFirst(f.Action)
	}
	return "The label says to discontinue " + p.Generic + " (" + why + "): once it is stopped this pairing no longer applies, and " +
		f.Subject + " need not be withheld on its account. While " + p.Generic + " is still taken: " + lowerFirst(f.Action)
}

// fold adds to f, the finding of an order that carries the course's stop,
// a further finding g of the same order (ticlopidine's CYP interaction
// beside its antiplatelet one): one sentence and its source, no dose.
func fold(f, g *Finding, p DrugProfile) {
	if r, _, ok := strings.Cut(g.DoseLimitReason, ":"); ok && g.Code == CYPInteraction && r != "" {
		f.Action += " " + upperFirst(g.Subject) + " is also a " + r + " (CYP interaction with " + p.Generic + "): no " + p.Generic + " dose is suggested with it."
	} else {
		f.Action += " Also: " + g.Action
	}
	if g.Citation != f.Citation && !slices.Contains(f.Also, g.Citation) {
		f.Also = append(f.Also, g.Citation)
	}
	f.Unverified = f.Unverified || g.Unverified
}

// NamesCourseDose reports whether f, a reverse-direction finding, names a
// dose of an ongoing course's drug (a CYP dose limit not ruled out): with
// a stop on the course it names none (stopCourses).
func NamesCourseDose(f Finding) bool {
	return f.Course != nil && f.Course.Ongoing && f.DoseLimitMg > 0 && !f.RuledOut
}

// stopReason says why the label stops the drug, for a dose not suggested.
func stopReason(p DrugProfile, f Finding) string {
	return labelStop(p, f) + " " + p.Generic
}

// labelStop says which event during treatment the label stops the drug for
// and its verb ("thrombosis during treatment: RINVOQ PI 5.5 says
// discontinue"): discontinue, or interrupt (discontinues).
func labelStop(p DrugProfile, f Finding) string {
	verb := "interrupt"
	if discontinues(p.Drug, f) {
		verb = "discontinue"
	}
	event, section := stopEvent(f)
	return event + " during treatment: " + strings.ToUpper(p.Brand) + " PI " + section + " says " + verb
}

// reverseCtx is what the reverse rules of one draft order and one course
// read.
type reverseCtx struct {
	*orderCtx             // the course drug's context, for the shared helpers
	x         *Medication // the draft order of the interacting drug
	in        map[string]bool
	rule      *reverseRule
}

// evaluateReverse runs the reverse rules for one draft order and one course.
func (e *Engine) evaluateReverse(ix *index, x *Medication, in map[string]bool, course *Course) []Finding {
	p, _ := Profile(course.Drug)
	oc := &orderCtx{cfg: e.cfg, k: e.k, ix: ix, drug: course.Drug, p: p, now: ix.now, cont: true, course: course,
		newFrom: anyDay, fired: map[string]bool{}, risks: map[string]bool{}}
	oc.dose, oc.doseOK = course.DailyMg, course.DoseKnown
	ref := &CourseRef{Start: course.Start, End: course.End, Ongoing: course.Ongoing, SuppliedUntil: course.SuppliedUntil}
	if course.DoseKnown {
		ref.DailyMg = course.DailyMg
	}
	if course.Latest != nil {
		ref.Source = course.Latest.ID
	}
	var out []Finding
	for i := range reverseRules {
		r := &reverseRules[i]
		if r.drug != "" && r.drug != course.Drug || !anyIn(in, r.sets) {
			continue
		}
		if r.within != nil && course.Started { // a course only planned has its first months ahead
			if days, ok := course.Days(ix.now); ok && int64(days) > windowDays(r.within(e.cfg)) {
				continue
			}
		}
		c := &reverseCtx{orderCtx: oc, x: x, in: in, rule: r}
		f, ok := r.check(c)
		if !ok {
			continue
		}
		oc.fired[r.code] = true
		f.Code, f.Category, f.Drug, f.OrderID, f.OnTreatment, f.Course = r.code, r.category, course.Drug, x.ID, course.Ongoing, ref
		if f.Level == "" {
			f.Level = r.level
		}
		sec := r.upa
		if course.Drug == Abrocitinib {
			sec = r.abro
		}
		f.Citation = p.Cite(sec)
		if f.Subject == "" {
			f.Subject = c.shortName(r.sets)
		}
		f.Evidence = append(f.Evidence, c.courseEvidence())
		if ix.unavailable[DataMedicationStatements] {
			f.Evidence = append(f.Evidence, Evidence{Text: OutsideUnchecked})
		}
		f.Unchecked = ix.unchecked(needMeds)
		f.Evidence = capEvidence(f.Evidence)
		out = append(out, f)
	}
	return out
}

func anyIn(in map[string]bool, sets []string) bool {
	for _, s := range sets {
		if in[s] {
			return true
		}
	}
	return false
}

// shortName is the drug's name as the value sets know it, in the order's
// own spelling ("tofacitinib" for "tofacitinib 5 MG Oral Tablet", "MMR"
// for "MMR vaccine"), else the order's name.
func (c *reverseCtx) shortName(sets []string) string {
	for _, set := range sets {
		vs, ok := c.k.Set(set)
		if !ok || !c.in[set] {
			continue
		}
		for _, t := range medicationTexts(*c.x) {
			lt := strings.ToLower(t)
			w, ok := vs.matchLowerName(lt)
			if !ok {
				continue
			}
			name := w
			if i := strings.Index(lt, w); i >= 0 && len(lt) == len(t) {
				name = t[i : i+len(w)]
			}
			if set == VSLiveVaccines && diseaseWords[w] {
				// "Avoid measles" would tell the prescriber to avoid the
				// disease: the order is a vaccine against it.
				name += " vaccine"
			}
			return name
		}
	}
	return medicationName(c.x)
}

// AvoidWord is what the drug's label says of its "avoid" interactions,
// for the actions here and the cards' summaries: CIBINQO says avoid (C10,
// C11); RINVOQ says a strong CYP3A4 inducer is "not recommended" (R14), a
// word the card must not put in its mouth.
func AvoidWord(d Drug) string {
	if d == Upadacitinib {
		return "not recommended by the label"
	}
	return "the label says avoid"
}

// diseaseWords are the live-vaccine value set's names that are the
// disease a vaccine protects against, not the vaccine.
var diseaseWords = map[string]bool{"measles": true, "mumps": true, "rubella": true, "rotavirus": true}

// orderedEvidence is the draft order's evidence line.
func (c *reverseCtx) orderedEvidence(what string) Evidence {
	kind := "order"
	if c.x.ResourceType == "ServiceRequest" {
		kind = "service order"
	}
	return Evidence{Text: medicationLabel(c.x) + " (" + kind + " in this session): " + what + ".", ResourceID: c.x.ID}
}

// courseEvidence describes the course: drug, dose, start and whether it
// goes on.
func (c *reverseCtx) courseEvidence() Evidence {
	t := c.course
	text := "Patient's " + c.p.Name() + " course"
	if t.Start.IsZero() {
		text += ": start date not on record"
	} else {
		text += " since " + dateText(t.Start) + " (" + t.StartFrom + ")"
	}
	if t.DoseKnown {
		text += ", " + number(t.DailyMg) + " mg/day"
	} else {
		text += ", daily dose not readable"
	}
	src := ""
	if t.Latest != nil {
		src = orderRef(t.Latest)
	}
	if t.Ongoing && !t.SuppliedUntil.IsZero() {
		text += ", current (" + src + ", completed; its end date or supply runs to " + dateText(t.SuppliedUntil) + ": read as still taken)."
	} else if t.Ongoing {
		text += ", current (" + src + ")."
	} else {
		text += ", ended on " + dateText(t.End) + " (" + number(float64(daysBetween(t.End, c.now))) + " days ago; " + src + ")"
		if !t.StatedEnd.IsZero() {
			// Capped at today, the course stays recent while its stated end
			// lies ahead: say so, or an end in 9999 would keep a stopped
			// course "ended today" for ever without a word.
			text += "; its order states an end on " + dateText(t.StatedEnd) + ", after today: read as ended today, check whether it is still taken"
		}
		text += "."
	}
	return Evidence{Text: text, Date: t.Start, ResourceID: src}
}

// forPatient ends a reverse card's heading: "for a patient on
// upadacitinib", or, once the course has ended, "for a patient recently on
// upadacitinib" (the evidence and the action say when it ended); the
// heading said the patient was on a drug the summary and action said had
// stopped (noise15).
func (c *reverseCtx) forPatient() string {
	if c.course.Ongoing {
		return "for a patient on " + c.p.Generic
	}
	return "for a patient recently on " + c.p.Generic
}

// whileOn words an action for an ongoing course, or for one that ended
// recently: "The <drug> course ended on <date>: if <drug> is still taken
// or is resumed, <action>" (endedStop rewords it).
func (c *reverseCtx) whileOn(action string) string {
	if c.course.Ongoing {
		return upperFirst(action)
	}
	return courseEnded(c.p.Generic, c.course.End) + ifStillTaken(c.p.Generic) + lowerFirst(action)
}

// courseEnded and ifStillTaken are the words whileOn puts before the
// action of a course that ended.
func courseEnded(generic string, end time.Time) string {
	return "The " + generic + " course ended on " + dateText(end)
}

func ifStillTaken(generic string) string {
	return ": if " + generic + " is still taken or is resumed, "
}

func (c *reverseCtx) unverified(sets ...string) bool {
	for _, s := range sets {
		if c.in[s] && c.k.Unverified(s, c.x.Codes) {
			return true
		}
	}
	return false
}

func (c *reverseCtx) combinationJAK() (Finding, bool) {
	name := c.shortName(c.rule.sets)
	return Finding{
		Title: "Another JAK inhibitor ordered " + c.forPatient(),
		Action: c.whileOn(c.p.Name() + " is not recommended with other JAK inhibitors (label, limitation of use): cancel the " + name +
			" order, or stop " + c.p.Generic + " first if this is a switch."),
		Evidence:   []Evidence{c.orderedEvidence("another JAK inhibitor")},
		Unverified: c.unverified(VSOtherJAK),
	}, true
}

func (c *reverseCtx) combination(set, what string) (Finding, bool) {
	name := c.shortName(c.rule.sets)
	return Finding{
		Title: "Combination with " + what + " ordered " + c.forPatient(),
		Action: c.whileOn("Avoid combining " + c.p.Generic + " with " + what + " (not recommended by the label, limitation of use): cancel the " +
			name + " order, or stop " + c.p.Generic + " first if " + name + " replaces it."),
		Evidence:   []Evidence{c.orderedEvidence(what)},
		Unverified: c.unverified(set),
	}, true
}

func (c *reverseCtx) biologic() (Finding, bool) {
	return c.combination(VSBiologics, "a biologic immunomodulator")
}

func (c *reverseCtx) immunosuppressant() (Finding, bool) {
	return c.combination(VSImmunosuppressants, "a potent immunosuppressant")
}

// liveVaccine: RINVOQ, avoid live vaccines during or immediately before
// treatment (R18); CIBINQO, immediately before, during and immediately
// after (C16).
func (c *reverseCtx) liveVaccine() (Finding, bool) {
	name := c.shortName(c.rule.sets)
	when := "during " + c.p.Generic + " treatment"
	if c.drug == Abrocitinib {
		when = "during and immediately after " + c.p.Generic + " treatment"
	}
	action := "Avoid live vaccines " + when + ": cancel the " + name + " order, or give a non-live alternative where one exists."
	if !c.course.Ongoing {
		action = "The " + c.p.Generic + " course ended on " + dateText(c.course.End) + ": confirm that " + c.p.Generic +
			" is stopped and will not be resumed soon before giving a live vaccine; otherwise cancel the " + name + " order."
	}
	return Finding{
		Title:      "Live vaccine ordered " + c.forPatient(),
		Action:     action,
		Evidence:   []Evidence{c.orderedEvidence("live vaccine")},
		Unverified: c.unverified(VSLiveVaccines),
	}, true
}

// antiplatelet: CIBINQO is contraindicated with antiplatelet therapy,
// except aspirin up to 81 mg/day, during the first 3 months of treatment
// (C13). The rule table limits it to the first months of the course.
func (c *reverseCtx) antiplatelet() (Finding, bool) {
	name := c.shortName(c.rule.sets)
	ev := []Evidence{c.orderedEvidence("antiplatelet")}
	unverified := c.unverified(VSAntiplatelets)
	if c.aspirinOnly(c.x) {
		mg, how, ok := c.aspirinDose(c.x)
		switch {
		case ok && mg <= c.cfg.AspirinMaxDailyMg:
			return Finding{}, false // low-dose aspirin is excepted
		case ok:
			ev[0] = c.orderedEvidence("aspirin " + number(mg) + " mg/day (" + how + "), above " + number(c.cfg.AspirinMaxDailyMg) + " mg/day")
		default:
			ev[0] = c.orderedEvidence("aspirin at an unknown daily dose (" + how + "); only up to " + number(c.cfg.AspirinMaxDailyMg) + " mg/day is allowed")
		}
		unverified = true // the 81 mg limit is grade C
	}
	until := ""
	if !c.course.Started {
		ev = append(ev, Evidence{Text: "Abrocitinib is planned (" + orderRef(c.course.Latest) + ", intended) and not yet started: its first " +
			durationText(c.cfg.AntiplateletFirst) + " are ahead."})
	} else if days, ok := c.course.Days(c.now); ok {
		end := dayOf(c.course.Start) + civilDay(windowDays(c.cfg.AntiplateletFirst))
		ev = append(ev, Evidence{Text: "Abrocitinib course day " + number(float64(days)) + " (started " + dateText(c.course.Start) +
			"): within the first " + durationText(c.cfg.AntiplateletFirst) + ", which end on " + end.String() + "."})
		until = " (until " + end.String() + ")"
	} else {
		ev = append(ev, Evidence{Text: "The abrocitinib course start is unknown, so it may be within its first " + durationText(c.cfg.AntiplateletFirst) + "."})
	}
	return Finding{
		Title: "Antiplatelet ordered in the first 3 months of abrocitinib",
		Action: c.whileOn("Abrocitinib is contraindicated with antiplatelet therapy (except aspirin up to " + number(c.cfg.AspirinMaxDailyMg) +
			" mg/day) during the first 3 months of treatment" + until + ": cancel the " + name + " order, or, if the antiplatelet is needed now, stop abrocitinib."),
		Evidence:   ev,
		Unverified: unverified,
	}, true
}

// cyp: upadacitinib with a strong CYP3A4 inhibitor at most 15 mg (R13), a
// strong CYP3A4 inducer avoided (R14, grade C); abrocitinib with a strong
// CYP2C19 inhibitor 50 mg (C9), with an inhibitor of both CYP2C19 and
// CYP2C9 or a CYP2C19/CYP2C9 inducer avoided (C10, C11). The inhibitor is
// new, so the abrocitinib limit is 50 mg whatever the course's age: the
// label's "100 mg after 12 weeks" counts 12 weeks at 50 mg with it.
func (c *reverseCtx) cyp() (Finding, bool) {
	type group struct {
		set, what string
		reduce    bool
		graded    bool // the rule itself is grade C
	}
	groups := []group{
		{VSCYP3A4StrongInhibitors, "strong CYP3A4 inhibitor", true, false},
		{VSCYP3A4StrongInducers, "strong CYP3A4 inducer: it lowers upadacitinib exposure", false, true},
	}
	if c.drug == Abrocitinib {
		groups = []group{
			{VSCYP2C19StrongInhibitors, "strong CYP2C19 inhibitor", true, false},
			{VSCYP2C19CYP2C9Inhibitors, "inhibitor of both CYP2C19 and CYP2C9: it raises abrocitinib exposure", false, false},
			{VSCYP2C19CYP2C9Inducers, "CYP2C19 or CYP2C9 inducer: it lowers abrocitinib exposure", false, false},
		}
	}
	var avoid, reduce *group
	var sets []string
	for i := range groups {
		g := &groups[i]
		if !c.in[g.set] {
			continue
		}
		sets = append(sets, g.set)
		if g.reduce {
			reduce = g
		} else if avoid == nil {
			avoid = g
		}
	}
	if avoid == nil && reduce == nil {
		return Finding{}, false
	}
	name := c.shortName(sets)
	f := Finding{Title: "Interacting drug ordered " + c.forPatient(), Subject: name, Unverified: c.unverified(sets...)}
	if avoid != nil {
		f.Avoid = true
		f.Unverified = f.Unverified || avoid.graded
		f.Evidence = []Evidence{c.orderedEvidence(avoid.what)}
		f.Action = c.whileOn("Avoid " + name + " with " + c.p.Generic + " (" + AvoidWord(c.drug) + "): cancel the " + name + " order and choose a drug without this interaction.")
		return f, true
	}
	limit := c.p.ReducedDailyMg
	limitText := number(limit) + " mg once daily"
	if c.drug == Abrocitinib {
		limitText += " (100 mg after " + durationText(c.cfg.DoseIncreaseAfter) + " at 50 mg if the response is inadequate)"
	}
	f.Evidence = []Evidence{c.orderedEvidence(reduce.what + ": " + c.p.Generic + " " + limitText + " at most while it is taken")}
	f.DoseLimitMg, f.DoseLimitReason = limit, reduce.what+": "+number(limit)+" mg"
	f.Threshold = number(limit) + " mg"
	if c.fired[AntiplateletAbrocitinib] {
		// Ticlopidine: also an antiplatelet, contraindicated with the
		// course now (combos review); no dose of abrocitinib with it.
		f.RuledOut, f.RuledOutBy = true, name
		f.Action = c.whileOn("With " + name + " (a " + reduce.what + ") the " + c.p.Generic + " dose is " + limitText + "; " + name +
			" is also an antiplatelet, contraindicated with " + c.p.Generic + " in the first " + durationText(c.cfg.AntiplateletFirst) +
			" of treatment: no " + c.p.Generic + " dose is suggested with it.")
		return f, true
	}
	switch {
	case !c.course.DoseKnown:
		f.SuggestedDailyMg = limit
		f.Action = c.whileOn("With " + name + " (a " + reduce.what + ") the " + c.p.Generic + " dose is " + limitText +
			"; the current dose could not be read: check it, or cancel the " + name + " order and choose a drug without this interaction.")
	case c.course.DailyMg > limit:
		f.SuggestedDailyMg = limit
		f.Action = c.whileOn("Reduce " + c.p.Generic + " from " + number(c.course.DailyMg) + " mg to " + limitText + " while " + name +
			" (a " + reduce.what + ") is taken, or cancel the " + name + " order and choose a drug without this interaction.")
	default:
		f.Action = c.whileOn("The " + c.p.Generic + " dose, " + number(c.course.DailyMg) + " mg/day, is within the label limit with " + name +
			" (a " + reduce.what + "): keep it at " + number(limit) + " mg/day or less while " + name + " is taken.")
	}
	return f, true
}

// pgp: abrocitinib raises the exposure of P-gp substrates; where small
// concentration changes may lead to serious toxicity, monitor (C12).
func (c *reverseCtx) pgp() (Finding, bool) {
	name := c.shortName(c.rule.sets)
	return Finding{
		Title: "Narrow-therapeutic-index P-gp substrate ordered " + c.forPatient(),
		Action: c.whileOn("Abrocitinib raises the levels of P-gp substrates: monitor " + name +
			" (levels, toxicity) and adjust its dose as its label says."),
		Evidence:   []Evidence{c.orderedEvidence("P-gp substrate with a narrow therapeutic index")},
		Unverified: c.unverified(VSPgpSubstratesNTI),
	}, true
}

// upperFirst capitalises an ASCII first letter ("upadacitinib (Rinvoq) is ...").
func upperFirst(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-0x20) + s[1:]
}
