package rules

import (
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Tests and vaccines to order for missing items (codes from the knowledge
// base: LOINC sections 2.1-2.5, CVX section 4).
var (
	testIGRA = Test{Name: "Interferon-gamma release assay (IGRA)",
		Code: Coding{System: SystemLOINC, Code: "71773-6", Display: "Mycobacterium tuberculosis stimulated gamma interferon [Presence] in Blood"}}
	testHBsAg = Test{Name: "Hepatitis B surface antigen (HBsAg)",
		Code: Coding{System: SystemLOINC, Code: "5196-1", Display: "Hepatitis B virus surface Ag [Presence] in Serum or Plasma by Immunoassay"}}
	testHBcAb = Test{Name: "Hepatitis B core antibody, total (anti-HBc)",
		Code: Coding{System: SystemLOINC, Code: "13952-7", Display: "Hepatitis B virus core Ab [Presence] in Serum or Plasma by Immunoassay"}}
	testHBVDNA = Test{Name: "Hepatitis B virus DNA (viral load)",
		Code: Coding{System: SystemLOINC, Code: "42595-9", Display: "Hepatitis B virus DNA [Units/volume] (viral load) in Serum or Plasma by NAA with probe detection"}}
	testHCVAb = Test{Name: "Hepatitis C antibody",
		Code: Coding{System: SystemLOINC, Code: "13955-0", Display: "Hepatitis C virus Ab [Presence] in Serum or Plasma by Immunoassay"}}
	testHCVRNA = Test{Name: "Hepatitis C virus RNA",
		Code: Coding{System: SystemLOINC, Code: "11259-9", Display: "Hepatitis C virus RNA [Presence] in Serum or Plasma by NAA with probe detection"}}
	testCBC = Test{Name: "CBC with differential",
		Code: Coding{System: SystemLOINC, Code: "57021-8", Display: "CBC W Auto Differential panel - Blood"}}
	testALT = Test{Name: "ALT",
		Code: Coding{System: SystemLOINC, Code: "1742-6", Display: "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma"}}
	testAST = Test{Name: "AST",
		Code: Coding{System: SystemLOINC, Code: "1920-8", Display: "Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma"}}
	testLipids = Test{Name: "Lipid panel",
		Code: Coding{System: SystemLOINC, Code: "57698-3", Display: "Lipid panel with direct LDL - Serum or Plasma"}}
	testHCGUrine = Test{Name: "Pregnancy test (urine hCG)",
		Code: Coding{System: SystemLOINC, Code: "2106-3", Display: "Choriogonadotropin (pregnancy test) [Presence] in Urine"}}
	testHCGSerum = Test{Name: "Pregnancy test (serum hCG)", Alternative: true,
		Code: Coding{System: SystemLOINC, Code: "2118-8", Display: "Choriogonadotropin (pregnancy test) [Presence] in Serum or Plasma"}}
	testZoster = Test{Name: "Recombinant zoster vaccine (Shingrix)",
		Code: Coding{System: SystemCVX, Code: "187", Display: "zoster vaccine recombinant"}}
)

// testCoveredBy maps the code of each test to order to the value sets whose
// session order already orders it: a TB test of any kind covers the IGRA,
// ALT or AST covers both (either counts for liver-enzymes-missing), an HCV
// RNA covers the antibody (either counts), a urine or serum hCG covers both.
// A test ordered in the session is not suggested again (a create action
// accepted with one click would order it twice); the finding still fires,
// since no result is on record yet, and its evidence says it is being ordered.
var testCoveredBy = map[string][]string{
	testIGRA.Code.Code:     {VSTBTest},
	testHBsAg.Code.Code:    {VSHBsAg},
	testHBcAb.Code.Code:    {VSHBcAb},
	testHBVDNA.Code.Code:   {VSHBVDNA},
	testHCVAb.Code.Code:    {VSHCVAb, VSHCVRNA},
	testHCVRNA.Code.Code:   {VSHCVRNA},
	testCBC.Code.Code:      {VSCBCPanel},
	testALT.Code.Code:      {VSALT, VSAST},
	testAST.Code.Code:      {VSALT, VSAST},
	testLipids.Code.Code:   {VSLipids},
	testHCGUrine.Code.Code: {VSPregnancyTest},
	testHCGSerum.Code.Code: {VSPregnancyTest},
}

// notOrdered leaves out the tests the session already orders (testCoveredBy).
func (c *orderCtx) notOrdered(tests []Test) []Test {
	out := tests[:0:0]
	for _, t := range tests {
		if sets, ok := testCoveredBy[t.Code.Code]; ok && t.Code.System == SystemLOINC && c.ordering(sets...) {
			continue
		}
		out = append(out, t)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// withReason returns the tests with the reason set.
func withReason(reason string, tests ...Test) []Test {
	out := make([]Test, len(tests))
	for i, t := range tests {
		t.Reason = reason
		out[i] = t
	}
	return out
}

// unreadEvidence says why indeterminate or unreadable results did not count.
func unreadEvidence(name string, unread []*Observation, r func(*Observation) result) []Evidence {
	var out []Evidence
	for _, o := range unread {
		out = append(out, Evidence{Text: name + " on " + dateText(o.Date) + " was " + r(o).String() +
			"; it does not count as screening done.", Date: o.Date, ResourceID: o.ID})
	}
	return out
}

// onTx words an action for initiation or for a patient on treatment.
func (c *orderCtx) onTx(start, onTreatment string) string {
	if c.cont {
		return onTreatment
	}
	return start
}

// ---- The record (age-unknown) ----

func (c *orderCtx) ageUnknown() (Finding, bool) {
	if _, ok := c.ix.age(); ok {
		return Finding{}, false
	}
	ev := "The Patient resource has no readable birth date."
	switch p := c.ix.rec.Patient; {
	case p == nil:
		ev = "No Patient resource was available."
	case dayOf(p.BirthDate) > c.ix.today: // as ageRange reads it (the instant, midnight UTC, may be past: tz review)
		ev = "The birth date " + dayOf(p.BirthDate).String() + " is after today."
	case !p.BirthDate.IsZero():
		ev = "The birth date " + dayOf(p.BirthDate).String() + " is not plausible (over " + strconv.Itoa(maxPlausibleAge) + " years ago)."
	}
	return Finding{
		Title: "Age unknown: the age rules could not run",
		Action: "Record the patient's birth date. Until then check by hand: " + c.p.Generic + " is approved from age " +
			number(float64(c.cfg.MinAge)) + c.ageRulesText() + ".",
		Evidence: []Evidence{{Text: ev}},
	}, true
}

// ageRulesText lists the age rules of the drug for age-unknown.
func (c *orderCtx) ageRulesText() string {
	parts := []string{"zoster vaccination from " + number(float64(c.cfg.ZosterAge)),
		"cardiovascular risk from " + number(float64(c.cfg.CVRiskAge)),
		"a pregnancy test for women aged " + number(float64(c.cfg.PregnancyTestMinAge)) + " to " + number(float64(c.cfg.PregnancyTestMaxAge))}
	if c.drug == Upadacitinib {
		parts = append(parts, "15 mg once daily from age "+number(float64(c.cfg.UpadacitinibLowerDoseAge)),
			"at least "+number(c.cfg.MinWeightKg)+" kg under "+number(float64(c.cfg.WeightRuleAge)))
	}
	return "; " + strings.Join(parts, "; ")
}

// ---- Tuberculosis (R6, C3; window TBWindow; sets VSTBTest, VSActiveTB,
// VSLatentTB, VSTBTreatment) ----

// tbKnown returns evidence that TB infection is already known: a positive
// TB test (any date: positivity persists), a latent or past tuberculosis
// condition (any status), or tuberculosis treatment (current or past).
// Re-testing such a patient is pointless; tb-latent-untreated speaks
// instead (contract 6.4).
func (c *orderCtx) tbKnown() []Evidence {
	var ev []Evidence
	for _, o := range c.ix.results(anyDay, VSTBTest) {
		if c.ix.read(o) == resultPositive {
			ev = append(ev, resultEvidence("TB test", o, resultPositive))
			break
		}
	}
	ev = append(ev, conditionEvidence(c.ix.historyConditions(VSLatentTB), c.now)...)
	if ms := c.ix.historyMeds(VSTBTreatment); len(ms) > 0 {
		ev = append(ev, medicationEvidence(ms, "tuberculosis treatment")...)
	}
	return ev
}

func (c *orderCtx) tbScreeningMissing() (Finding, bool) {
	from := c.windowFrom(c.cfg.TBWindow)
	o, _, unread := c.ix.latestRead(VSTBTest, from, c.ix.read)
	if o != nil || len(c.tbKnown()) > 0 {
		return Finding{}, false
	}
	w := durationText(c.cfg.TBWindow)
	f := Finding{
		Title:  "No tuberculosis test result within " + w,
		Action: "Order a TB test (IGRA, or a tuberculin skin test) and check for active TB before starting " + c.p.Generic + ".",
		Tests:  withReason("no readable IGRA or TST result within "+w, testIGRA),
	}
	f.Evidence = unreadEvidence("TB test", unread, c.ix.read)
	if len(unread) == 0 {
		f.Evidence = append(f.Evidence, Evidence{Text: "No IGRA or TST result since " + from.String() + ", and no TB infection or TB treatment on record."})
	}
	if c.ordering(VSTBTest) {
		f.Evidence = append(f.Evidence, Evidence{Text: "A TB test is being ordered in this session."})
	}
	return f, true
}

func (c *orderCtx) tbActive() (Finding, bool) {
	cs := c.ix.activeConditions(VSActiveTB)
	if len(cs) == 0 {
		return Finding{}, false
	}
	return Finding{
		Title: "Active tuberculosis",
		Action: c.onTx("Do not start "+c.p.Generic+" in a patient with active tuberculosis; treat the tuberculosis first.",
			c.byInfectionLabel("Interrupt "+c.p.Generic+": active tuberculosis; treat it and seek specialist advice before resuming.",
				": active tuberculosis; treat it, and weigh the risks and benefits with specialist advice before restarting it.")),
		Evidence:   conditionEvidence(cs, c.now),
		Unverified: c.unverifiedConditions(VSActiveTB, cs),
	}, true
}

// tbTreated lists TB treatment on record that counts: current or completed
// (a stopped course does not count).
func (c *orderCtx) tbTreated() []*Medication {
	return filterMeds(c.ix.meds[VSTBTreatment], func(m *Medication) bool {
		return useOf(m) == useCurrent || useOf(m) == useHistory && m.Status == "completed"
	})
}

// tbHistoryCodes are the latent-TB set's codes that say the infection is
// past, i.e. treated (ICD-10-CM, knowledge base section 3, grade A): Z86.15
// personal history of latent tuberculosis infection, Z86.11 personal
// history of tuberculosis. ICD-10-CM's personal-history codes are for a
// condition that no longer exists and is no longer treated, so with one on
// record a positive test does not mean untreated latent TB.
var tbHistoryCodes = map[string]bool{"Z86.15": true, "Z86.11": true}

// tbPast lists the conditions that record tuberculosis as past (treated),
// whatever their clinical status.
func (c *orderCtx) tbPast() []*Condition {
	var out []*Condition
	for _, x := range c.ix.historyConditions(VSLatentTB) {
		for _, code := range x.Codes {
			if code.System == SystemICD10CM && tbHistoryCodes[normCode(code.System, code.Code)] {
				out = append(out, x)
				break
			}
		}
	}
	return out
}

func (c *orderCtx) tbLatentUntreated() (Finding, bool) {
	// Active tuberculosis is not latent: its own critical card speaks, and
	// "treat latent TB" beside it would be wrong and a second card.
	if c.fired[TBActive] || len(c.tbTreated()) > 0 || len(c.tbPast()) > 0 {
		return Finding{}, false
	}
	var ev []Evidence
	unverified := false
	for _, o := range c.resultsSince(c.newFrom, VSTBTest) {
		if c.ix.read(o) == resultPositive {
			ev = append(ev, resultEvidence("TB test", o, resultPositive))
			unverified = c.k.Unverified(VSTBTest, o.Codes) // e.g. TST 39263-9 is grade C
			break                                          // the newest positive test is enough
		}
	}
	cs := c.newConditions(c.ix.activeConditions(VSLatentTB))
	ev = append(ev, conditionEvidence(cs, c.now)...)
	if len(ev) == 0 {
		return Finding{}, false
	}
	ev = append(ev, Evidence{Text: "No tuberculosis treatment on record (current or completed)."})
	return Finding{
		Title: "Latent tuberculosis without treatment on record",
		Action: c.onTx("Treat latent tuberculosis before starting "+c.p.Generic+".",
			"Latent tuberculosis found during "+c.p.Generic+" treatment: start TB treatment and seek specialist advice."),
		Evidence:   ev,
		Unverified: unverified || c.unverifiedConditions(VSLatentTB, cs),
	}, true
}

// newConditions keeps, on a continuation of a newOnCourse rule, the
// conditions that began on or after the course start (an undated one is
// not new); at initiation all of them.
func (c *orderCtx) newConditions(cs []*Condition) []*Condition {
	return c.conditionsSince(cs, c.newFrom)
}

// ---- Hepatitis B and C (R6, C3; windows HBVWindow, HCVWindow) ----

func (c *orderCtx) hbvScreeningMissing() (Finding, bool) {
	from := c.windowFrom(c.cfg.HBVWindow)
	o, _, unread := c.ix.latestRead(VSHBsAg, from, c.ix.read)
	if o != nil {
		return Finding{}, false
	}
	w := durationText(c.cfg.HBVWindow)
	f := Finding{
		Title:  "No hepatitis B surface antigen result within " + w,
		Action: "Order hepatitis B tests (HBsAg and total anti-HBc) before starting " + c.p.Generic + ".",
		Tests:  withReason("no HBsAg result within "+w, testHBsAg, testHBcAb),
	}
	f.Evidence = unreadEvidence("HBsAg", unread, c.ix.read)
	if len(unread) == 0 {
		f.Evidence = append(f.Evidence, Evidence{Text: "No HBsAg result since " + from.String() + "."})
	}
	if c.ordering(VSHBsAg) {
		f.Evidence = append(f.Evidence, Evidence{Text: "HBsAg is being ordered in this session."})
	}
	return f, true
}

func (c *orderCtx) hbvActive() (Finding, bool) { return c.hbvActiveFrom(anyDay) }

// hbvActiveSinceStart is hbv-active on patient-view (pvevents review):
// HBsAg turned positive, HBV DNA detected, or an active hepatitis B
// condition begun, on or after the course start day (c.newFrom), in a
// patient not already known to have active hepatitis B before the start
// (hbvKnownBefore): a reactivation on treatment. The renewal reads the
// whole record (docs/rules.md section 2); patient-view, which speaks on
// every chart opening, only the event since the start.
func (c *orderCtx) hbvActiveSinceStart() (Finding, bool) {
	if c.newFrom == anyDay || c.knownBefore(c.newFrom, VSChronicHBV, VSHBsAg, VSHBVDNA) {
		return Finding{}, false
	}
	return c.hbvActiveFrom(c.newFrom)
}

// knownBefore reports whether, before the day from, the record already
// showed the infection active: the latest readable result of a test set
// dated before that day positive (viral-load sets read as detected or
// not), or an active condition of cond dated before it. A negative result
// not known to be older than that positive one (sameTime: the same
// instant, or the same day written date-only) leaves it not known
// (failsafe6): the bundle's order decided before, and a patient-view card
// for a positive since the start is the fail-safe answer.
func (c *orderCtx) knownBefore(from civilDay, cond string, tests ...string) bool {
	for _, set := range tests {
		reader := c.ix.read
		if set == VSHBVDNA || set == VSHCVRNA {
			reader = c.ix.readViral
		}
		var latest *Observation
		known := false
		for _, o := range c.ix.results(anyDay, set) { // newest first
			if c.onOrAfter(resultLast(o), from) { // "2026": not known to be before a June start
				continue
			}
			if latest != nil && o.Date.Before(latest.Date.Add(-48*time.Hour)) {
				break // a day is judged in its own zone: at most 14 hours off
			}
			r := reader(o)
			if r != resultPositive && r != resultNegative || latest != nil && !sameTime(o.Date, latest.Date) {
				continue
			}
			if latest == nil {
				latest = o
			}
			if r == resultNegative {
				known = false
				break
			}
			known = true
		}
		if known {
			return true
		}
	}
	for _, x := range c.ix.activeConditions(cond) {
		if d := conditionDate(x, c.now); !d.IsZero() && !c.onOrAfter(latestOnset(x, d), from) {
			return true
		}
	}
	return false
}

// conditionsSince keeps the conditions that began on or after the day from
// (an undated one is not known to have); anyDay keeps them all.
func (c *orderCtx) conditionsSince(cs []*Condition, from civilDay) []*Condition {
	if from == anyDay {
		return cs
	}
	var out []*Condition
	for _, x := range cs {
		d := conditionDate(x, c.now)
		if c.pastEventOnly(x) {
			d = onsetDate(x, c.now)
		}
		if !d.IsZero() && c.onOrAfter(latestOnset(x, d), from) {
			out = append(out, x)
		}
	}
	return out
}

// pastEventOnly reports whether the condition's codes say only that a
// boxed-warning event is past (VSEventHistory: I25.2 old MI, Z86.73,
// Z86.711/Z86.718, Z85, I69 sequelae of stroke) with no code of an acute
// event beside them (historycodes review). Such a condition is dated by
// its onset alone when what began since the start is asked: its recorded
// date is when the problem list was reconciled, not when the event was.
// One that also carries an acute code (I21.9 beside I25.2) is read as
// before, by its onset else its recorded date (fail safe).
func (c *orderCtx) pastEventOnly(x *Condition) bool {
	history := false
	for _, cd := range x.Codes {
		one := []Coding{cd}
		switch {
		case c.k.Has(VSEventHistory, one):
			history = true
		case c.k.Has(VSMyocardialInfarction, one), c.k.Has(VSStroke, one), c.k.Has(VSVTE, one),
			c.k.Has(VSThrombophilia, one), c.k.Has(VSMalignancy, one):
			return false
		}
	}
	return history
}

// latestOnset is d, the condition's date, or when d is an onset written as
// a year or a month only, its last day (failsafe7): an MI of "2026-06" may
// have begun after a start on 15 June, and was read as history (1 June);
// hepatitis B of "2026" is not known to be before a start in June.
func latestOnset(x *Condition, d time.Time) time.Time {
	if !x.OnsetLast.IsZero() && d.Equal(x.Onset) {
		return x.OnsetLast
	}
	return d
}

// onsetDate is the condition's onset (onsetDateTime or onsetPeriod.start)
// when it is a plausible date (conditionDate's floor), else zero: an
// onsetString, an onsetAge or a placeholder onset does not date it.
func onsetDate(x *Condition, now time.Time) time.Time { return plausibleDate(x.Onset, now) }

// onOrAfter reports whether t is on or after the day from (anyDay: always):
// its calendar day in its own zone is from or later; or, from being the
// start day of a course whose start has a time of day (c.newFrom), t has a
// time of day too and is on or after the start's calendar day read in t's
// zone (failsafe6). A start written "2026-06-02T01:00:00Z" is 20:00 on 1
// June in a feed writing "-05:00": an MI at "2026-06-01T21:00:00-05:00",
// an hour after the order, is on the start day there, not the day before;
// read in its own zone only, it was history and no card said it. A
// date-only value has no zone to read the start in and is judged by its
// date as written.
func (c *orderCtx) onOrAfter(t time.Time, from civilDay) bool {
	if from == anyDay || dayOf(t) >= from {
		return true
	}
	if from != c.newFrom || c.course == nil || c.course.Start.IsZero() || dateOnly(c.course.Start) || dateOnly(t) {
		return false
	}
	return dayOf(t) >= dayOf(c.course.Start.In(t.Location()))
}

// resultsSince is ix.results(from, sets...) judged by onOrAfter: from
// being the start day, a result written in a zone west of the start's may
// be on its start day a day earlier by its own date.
func (c *orderCtx) resultsSince(from civilDay, sets ...string) []*Observation {
	if from == anyDay || from != c.newFrom {
		return c.ix.results(from, sets...)
	}
	var out []*Observation
	for _, o := range c.ix.results(from-1-partialSpan, sets...) {
		if c.onOrAfter(resultLast(o), from) { // "2026-06" may be after a 15 June start
			out = append(out, o)
		}
	}
	return out
}

// hbvActiveFrom is hbv-active reading results and conditions from the day
// from (anyDay: the whole record, as at order time).
func (c *orderCtx) hbvActiveFrom(from civilDay) (Finding, bool) {
	var ev []Evidence
	unverified := false
	if o, r, _ := c.ix.latestReadOf(c.resultsSince(from, VSHBsAg), c.ix.read); r == resultPositive {
		ev = append(ev, resultEvidence("HBsAg", o, r))
		unverified = c.k.Unverified(VSHBsAg, o.Codes)
	}
	if o, r, _ := c.ix.latestReadOf(c.resultsSince(from, VSHBVDNA), c.ix.readViral); r == resultPositive {
		unverified = unverified || c.k.Unverified(VSHBVDNA, o.Codes) // 29610-3 is grade C
		e := resultEvidence("HBV DNA", o, r)
		e.Text = "HBV DNA detected on " + dateText(o.Date) + partialText(o.DateLast)
		if o.Quantity != nil && o.Quantity.Unit != "" {
			e.Text += " (" + quantityText(o.Quantity) + ")"
		}
		ev = append(ev, e)
	}
	cs := c.conditionsSince(c.ix.activeConditions(VSChronicHBV), from)
	ev = append(ev, conditionEvidence(cs, c.now)...)
	if len(ev) == 0 {
		return Finding{}, false
	}
	return Finding{
		Title: "Active hepatitis B",
		Action: c.onTx("Do not start "+c.p.Generic+": not recommended with active hepatitis B; refer for hepatitis B management.",
			"Active hepatitis B on "+c.p.Generic+": seek hepatology advice now on stopping or continuing treatment."),
		Evidence:   ev,
		Unverified: unverified || c.unverifiedConditions(VSChronicHBV, cs),
	}, true
}

func (c *orderCtx) hbvCoreAntibodyPositive() (Finding, bool) {
	if c.fired[HBVActive] {
		return Finding{}, false
	}
	core, r, _ := c.ix.latestRead(VSHBcAb, anyDay, c.ix.read)
	if r != resultPositive {
		return Finding{}, false
	}
	ev := []Evidence{resultEvidence("Total anti-HBc", core, r)}
	if s, sr, _ := c.ix.latestRead(VSHBsAg, anyDay, c.ix.read); s != nil {
		ev = append(ev, resultEvidence("HBsAg", s, sr))
	} else {
		ev = append(ev, Evidence{Text: "No readable HBsAg result on record."})
	}
	return Finding{
		Title:    "Hepatitis B core antibody positive: risk of hepatitis B reactivation",
		Action:   "Order HBV DNA before starting " + c.p.Generic + " and monitor for reactivation; consider hepatology advice (clinical guidelines; the label asks for screening per guidelines).",
		Evidence: ev,
		Tests:    withReason("anti-HBc positive (past hepatitis B infection)", testHBVDNA),
	}, true
}

func (c *orderCtx) hcvScreeningMissing() (Finding, bool) {
	from := c.windowFrom(c.cfg.HCVWindow)
	ab, _, unreadAb := c.ix.latestRead(VSHCVAb, from, c.ix.read)
	rna, _, unreadRNA := c.ix.latestRead(VSHCVRNA, from, c.ix.readViral)
	if ab != nil || rna != nil {
		return Finding{}, false
	}
	w := durationText(c.cfg.HCVWindow)
	f := Finding{
		Title:  "No hepatitis C result within " + w,
		Action: "Order a hepatitis C antibody test before starting " + c.p.Generic + ".",
		Tests:  withReason("no HCV antibody or HCV RNA result within "+w, testHCVAb),
	}
	f.Evidence = append(unreadEvidence("HCV antibody", unreadAb, c.ix.read), unreadEvidence("HCV RNA", unreadRNA, c.ix.readViral)...)
	if len(f.Evidence) == 0 {
		f.Evidence = append(f.Evidence, Evidence{Text: "No HCV antibody or HCV RNA result since " + from.String() + "."})
	}
	if c.ordering(VSHCVAb, VSHCVRNA) {
		f.Evidence = append(f.Evidence, Evidence{Text: "A hepatitis C test is being ordered in this session."})
	}
	return f, true
}

func (c *orderCtx) hcvActive() (Finding, bool) { return c.hcvActiveFrom(anyDay) }

// hcvActiveSinceStart is hcv-active on patient-view (pvevents review): HCV
// RNA detected, or an active hepatitis C condition begun, on or after the
// course start day, in a patient not already known to have active
// hepatitis C before it (an HCV antibody alone is not active hepatitis C).
func (c *orderCtx) hcvActiveSinceStart() (Finding, bool) {
	if c.newFrom == anyDay || c.knownBefore(c.newFrom, VSHCV, VSHCVRNA) {
		return Finding{}, false
	}
	return c.hcvActiveFrom(c.newFrom)
}

// hcvActiveFrom is hcv-active reading results and conditions from the day
// from (anyDay: the whole record, as at order time).
func (c *orderCtx) hcvActiveFrom(from civilDay) (Finding, bool) {
	var ev []Evidence
	if o, r, _ := c.ix.latestReadOf(c.resultsSince(from, VSHCVRNA), c.ix.readViral); r == resultPositive {
		ev = append(ev, Evidence{Text: "HCV RNA detected on " + dateText(o.Date) + partialText(o.DateLast), Date: o.Date, ResourceID: o.ID})
	}
	cs := c.conditionsSince(c.ix.activeConditions(VSHCV), from)
	ev = append(ev, conditionEvidence(cs, c.now)...)
	if len(ev) == 0 {
		return Finding{}, false
	}
	return Finding{
		Title: "Active hepatitis C",
		Action: c.onTx("Do not start "+c.p.Generic+": not recommended with active hepatitis C; refer for hepatitis C treatment.",
			"Active hepatitis C on "+c.p.Generic+": seek hepatology advice now on stopping or continuing treatment."),
		Evidence:   ev,
		Unverified: c.unverifiedConditions(VSHCV, cs),
	}, true
}

func (c *orderCtx) hcvAntibodyPositive() (Finding, bool) {
	if c.fired[HCVActive] {
		return Finding{}, false
	}
	ab, r, _ := c.ix.latestRead(VSHCVAb, anyDay, c.ix.read)
	if r != resultPositive {
		return Finding{}, false
	}
	// An RNA result from the antibody's day on settles it (a reflex RNA on
	// the same specimen is often dated by day only).
	if rna, _, _ := c.ix.latestRead(VSHCVRNA, dayOf(ab.Date), c.ix.readViral); rna != nil {
		return Finding{}, false
	}
	return Finding{
		Title:  "Hepatitis C antibody positive without an HCV RNA result",
		Action: "Order HCV RNA to rule out active hepatitis C before starting " + c.p.Generic + ".",
		Evidence: []Evidence{resultEvidence("HCV antibody", ab, r),
			{Text: "No HCV RNA result since " + dayOf(ab.Date).String() + "."}},
		Tests: withReason("HCV antibody positive", testHCVRNA),
	}, true
}

// ---- Blood counts (R7, R8, C4, C5; window CBCWindow; ALCMin, ANCMin,
// HemoglobinMin, PlateletsMinStart, PlateletsMinOnTreatment) ----

// count is one blood count the rules read.
type count struct {
	name  string // "Absolute lymphocyte count"
	short string // "ALC"
	set   string
	kind  unitKind
	unit  string // canonical unit for the text
}

func (n count) conv(q *Quantity) (float64, bool) { return convert(n.kind, q) }

var (
	countALC       = count{"Absolute lymphocyte count", "ALC", VSLymphocytes, unitCount, "cells/mm³"}
	countANC       = count{"Absolute neutrophil count", "ANC", VSNeutrophils, unitCount, "cells/mm³"}
	countHb        = count{"Hemoglobin", "Hemoglobin", VSHemoglobin, unitHemoglobin, "g/dL"}
	countPlatelets = count{"Platelet count", "Platelets", VSPlatelets, unitCount, "/mm³"}
)

// cbcCounts lists the counts the drug needs.
func (c *orderCtx) cbcCounts() []count {
	if c.drug == Abrocitinib {
		return []count{countALC, countANC, countHb, countPlatelets}
	}
	return []count{countALC, countANC, countHb}
}

func (c *orderCtx) cbcMissing() (Finding, bool) {
	from := c.windowFrom(c.cfg.CBCWindow)
	var missing []string
	var ev []Evidence
	for _, n := range c.cbcCounts() {
		usable, _, ok := c.ix.latestValue(n.set, from, n.conv)
		newer := c.unreadNewer(n.set, n.kind, from, usable)
		if ok && newer == nil && !censoredAcross(n.kind, usable.Quantity, c.countMin(n)) {
			continue
		}
		missing = append(missing, lowerIfWord(n.short))
		if ok && newer == nil {
			ev = append(ev, Evidence{Text: n.name + " on " + dateText(usable.Date) + " (" + quantityText(usable.Quantity) + "): " +
				c.acrossText(n), Date: usable.Date, ResourceID: usable.ID})
			continue
		}
		if ok {
			ev = append(ev, Evidence{Text: n.name + " on " + dateText(newer.Date) + " (" + quantityText(newer.Quantity) + "): " +
				unitProblem(n.kind, newer.Quantity) + "; the older result of " + dateText(usable.Date) + " (" +
				quantityText(usable.Quantity) + ") was not used, since the newer count may be lower.", Date: newer.Date, ResourceID: newer.ID})
			continue
		}
		unusable := c.ix.results(from, n.set)
		for _, o := range unusable {
			ev = append(ev, Evidence{Text: n.name + " on " + dateText(o.Date) + " (" + quantityText(o.Quantity) + "): " +
				unitProblem(n.kind, o.Quantity) + ", so it was not used.", Date: o.Date, ResourceID: o.ID})
		}
		if len(unusable) == 0 {
			ev = append(ev, Evidence{Text: "No " + lowerFirst(n.name) + " since " + from.String() + "."})
		}
	}
	if len(missing) == 0 {
		return Finding{}, false
	}
	w := durationText(c.cfg.CBCWindow)
	if c.ordering(VSCBCPanel, VSLymphocytes, VSNeutrophils, VSHemoglobin, VSPlatelets) {
		ev = append(ev, Evidence{Text: "A blood count is being ordered in this session."})
	}
	return Finding{
		Title:    "No recent " + joinNames(missing) + " (" + w + ")",
		Action:   "Order a CBC with differential before starting " + c.p.Generic + ".",
		Evidence: ev,
		Tests:    withReason("no "+joinNames(missing)+" with a usable unit within "+w, testCBC),
	}, true
}

// countMin is the limit a count is judged against: at initiation or on
// treatment (platelets: 150,000 to start, 50,000 on treatment).
func (c *orderCtx) countMin(n count) float64 {
	switch n.set {
	case VSLymphocytes:
		return c.cfg.ALCMin
	case VSNeutrophils:
		return c.cfg.ANCMin
	case VSHemoglobin:
		return c.cfg.HemoglobinMin
	}
	if c.cont {
		return c.cfg.PlateletsMinOnTreatment
	}
	return c.cfg.PlateletsMinStart
}

// acrossText is the evidence of a censored count across its limit.
func (c *orderCtx) acrossText(n count) string {
	return "reported only as above or below a bound, so it cannot be told whether it is below " + thresholdText(c.countMin(n), n.unit) + "."
}

// unreadNewer is the newest result of the set dated from the day from when
// it holds a number of the kind that cannot be read (a unit missing or not
// recognised, a comparator not understood) and is newer than usable, the
// newest result that can be read (nil: none). An older readable count or
// eGFR must not stand for it: the newer one, which could not be judged,
// may be the low one.
// A newer result with no number at all ("see comment") says nothing of
// the value and is passed over: it hid an eGFR of 25 sent without a unit
// behind it, and an older eGFR of 98 stood for both (failsafe9).
func (c *orderCtx) unreadNewer(set string, kind unitKind, from civilDay, usable *Observation) *Observation {
	for _, o := range c.ix.results(from, set) {
		if o.Quantity == nil {
			continue
		}
		if unitProblem(kind, o.Quantity) == "" || usable != nil && sameTime(o.Date, usable.Date) {
			return nil
		}
		return o
	}
	return nil
}

// low fires when the latest usable value of n is below its limit
// (countMin): at initiation within the CBC window, on treatment since the
// course start. A renewal or dose change (order time, not patient-view)
// also reads the latest count of the CBC window from before the start
// when none was measured since (contract 5: "latest recent"): a renewal
// 20 days into a course whose only platelet count, a week before the
// start, was 45,000/mm³ answered no card (bbabro review).
func (c *orderCtx) low(n count, start, onTreatment string) (Finding, bool) {
	min := c.countMin(n)
	from := c.windowFrom(c.cfg.CBCWindow)
	if c.cont {
		from = c.onTreatmentFrom(c.course)
		if recent := c.windowFrom(c.cfg.CBCWindow); c.si != nil && recent < from {
			from = recent
		}
	}
	o, v, ok := c.ix.latestValue(n.set, from, n.conv)
	if !ok || !belowLimit(o.Quantity, v, min) || censoredAcross(n.kind, o.Quantity, min) {
		return Finding{}, false // a censored value across the limit: cbc-missing or monitoring-cbc-due says so
	}
	ev := []Evidence{valueEvidence(n, o, v, min)}
	if c.cont {
		if started := c.onTreatmentFrom(c.course); c.course != nil && !c.course.Start.IsZero() && dayOf(o.Date) < started {
			ev = append(ev, Evidence{Text: "Measured before the course start, with no " + lowerIfWord(n.short) + " since: repeat the CBC before continuing."})
		}
		ev = append(ev, c.startEvidence(c.course))
	}
	return Finding{
		Title:     n.name + " below " + thresholdText(min, n.unit),
		Action:    c.onTx(start, onTreatment),
		Evidence:  ev,
		Threshold: thresholdText(min, n.unit),
	}, true
}

// thresholdText is a limit with its unit for a card summary: "500 cells/mm³",
// "150,000/mm³" (a unit starting with "/" is written close).
func thresholdText(v float64, unit string) string {
	if strings.HasPrefix(unit, "/") {
		return number(v) + unit
	}
	return number(v) + " " + unit
}

// valueEvidence is "ANC 0.8 ×10³/µL on 2026-11-02 (800 cells/mm³), below 1,000 cells/mm³".
func valueEvidence(n count, o *Observation, v, min float64) Evidence {
	t := n.short + " " + quantityText(o.Quantity) + " on " + dateText(o.Date)
	if converted := thresholdText(v, n.unit); converted != quantityText(o.Quantity) {
		t += " (" + converted + ")"
	}
	return Evidence{Text: t + ", below " + thresholdText(min, n.unit), Date: o.Date, ResourceID: o.ID}
}

func (c *orderCtx) lymphopenia() (Finding, bool) {
	return c.low(countALC,
		"Do not start "+c.p.Generic+" while the ALC is below "+number(c.cfg.ALCMin)+" cells/mm³.",
		"Interrupt "+c.p.Generic+"; restart when the ALC is back above "+number(c.cfg.ALCMin)+" cells/mm³.")
}

func (c *orderCtx) neutropenia() (Finding, bool) {
	return c.low(countANC,
		"Do not start "+c.p.Generic+" while the ANC is below "+number(c.cfg.ANCMin)+" cells/mm³.",
		"Interrupt "+c.p.Generic+"; restart when the ANC is back above "+number(c.cfg.ANCMin)+" cells/mm³.")
}

func (c *orderCtx) anemia() (Finding, bool) {
	return c.low(countHb,
		"Do not start "+c.p.Generic+" while hemoglobin is below "+number(c.cfg.HemoglobinMin)+" g/dL.",
		"Interrupt "+c.p.Generic+"; restart when hemoglobin is back above "+number(c.cfg.HemoglobinMin)+" g/dL.")
}

// thrombocytopenia: do not initiate below PlateletsMinStart (C4); on
// treatment, discontinue below PlateletsMinOnTreatment (C5).
func (c *orderCtx) thrombocytopenia() (Finding, bool) {
	if c.cont {
		return c.low(countPlatelets, "",
			"Discontinue abrocitinib and follow the CBC until platelets are above 100,000/mm³.")
	}
	return c.low(countPlatelets,
		"Do not start abrocitinib while platelets are below "+number(c.cfg.PlateletsMinStart)+"/mm³.", "")
}

// ---- Baseline chemistry (windows LiverWindow, LipidWindow; sets VSALT,
// VSAST, VSLipidPanelOrLDL) ----

// measured lists the results that hold a measurement: not a value in words
// only ("Test not performed", "TNP", "See comment"), which a quantitative
// test such as ALT or LDL gives when it was not measured. A panel with no
// value of its own counts.
func measured(rs []*Observation) []*Observation {
	var out []*Observation
	for _, o := range rs {
		if o.Quantity == nil && len(o.ValueCodes) == 0 && o.ValueText != "" {
			continue
		}
		out = append(out, o)
	}
	return out
}

func (c *orderCtx) liverEnzymesMissing() (Finding, bool) {
	from := c.windowFrom(c.cfg.LiverWindow)
	if len(measured(c.ix.results(from, VSALT, VSAST))) > 0 {
		return Finding{}, false
	}
	w := durationText(c.cfg.LiverWindow)
	ev := []Evidence{{Text: "No ALT or AST result since " + from.String() + "."}}
	if c.ordering(VSALT, VSAST) {
		ev = append(ev, Evidence{Text: "Liver enzymes are being ordered in this session."})
	}
	return Finding{
		Title:    "No liver enzymes (ALT or AST) within " + w,
		Action:   "Order baseline ALT and AST before starting " + c.p.Generic + ".",
		Evidence: ev,
		Tests:    withReason("no ALT or AST within "+w, testALT, testAST),
	}, true
}

func (c *orderCtx) lipidsMissing() (Finding, bool) {
	from := c.windowFrom(c.cfg.LipidWindow)
	// A lipid panel or an LDL cholesterol: HDL, triglycerides or total
	// cholesterol alone are not a baseline lipid panel.
	if len(measured(c.ix.results(from, VSLipidPanelOrLDL))) > 0 {
		return Finding{}, false
	}
	w := durationText(c.cfg.LipidWindow)
	ev := []Evidence{{Text: "No lipid panel or LDL cholesterol since " + from.String() + "."}}
	if c.ordering(VSLipids) {
		ev = append(ev, Evidence{Text: "Lipids are being ordered in this session."})
	}
	return Finding{
		Title:    "No lipid panel within " + w,
		Action:   "Order a baseline lipid panel; lipids are re-checked after starting " + c.p.Generic + ".",
		Evidence: ev,
		Tests:    withReason("no lipid panel or LDL within "+w, testLipids),
	}, true
}

// ---- Pregnancy and lactation (R16, R17, C14, C15; window
// PregnancyTestWindow; ages PregnancyTestMinAge-PregnancyTestMaxAge;
// HCGPositive, HCGNegative) ----

// readHCG reads a pregnancy test. A quantitative hCG with a usable unit is
// read by its value (contract 6.5): at or above HCGPositive positive, below
// HCGNegative negative, in between indeterminate (not negative). An
// explicit positive answer (a coded Positive, interpretation POS or DET, or
// the word) still counts as positive, whatever the value; reference-range
// flags (H, L, N, A) are not read when there is a value. Without a usable
// value the qualitative reading (index.read) applies.
func (ix *index) readHCG(o *Observation) result {
	v, ok := HCGmIUPerML(o.Quantity)
	if !ok {
		return ix.read(o)
	}
	if ix.readAnswer(o) == resultPositive {
		return resultPositive
	}
	switch {
	case v >= ix.cfg.HCGPositive:
		return resultPositive
	case v < ix.cfg.HCGNegative:
		return resultNegative
	}
	return resultIndeterminate
}

// hcgText describes a pregnancy test that did not read negative or
// positive, for the evidence.
func (c *orderCtx) hcgText(o *Observation) string {
	r := c.ix.readHCG(o)
	t := "Pregnancy test on " + dateText(o.Date)
	if o.Quantity != nil {
		t += " (" + quantityText(o.Quantity) + ")"
	}
	switch {
	case r == resultIndeterminate && o.Quantity != nil:
		if _, ok := HCGmIUPerML(o.Quantity); ok {
			return t + " is indeterminate (" + number(c.cfg.HCGNegative) + "-" + number(c.cfg.HCGPositive) +
				" mIU/mL): not a negative test; repeat it."
		}
		return t + " is indeterminate: not a negative test; repeat it."
	case r == resultIndeterminate:
		return t + " is indeterminate: not a negative test; repeat it."
	case o.Quantity != nil && unitProblem(unitHCG, o.Quantity) != "":
		return t + ": " + unitProblem(unitHCG, o.Quantity) + " and no interpretation, so it could not be read; repeat or check the result."
	}
	return t + " could not be read as positive or negative; repeat or check the result."
}

// pregnant returns the evidence that the patient is pregnant: an active
// pregnancy condition, a pregnancy status (pregnancyStatus), or the latest
// readable pregnancy test within the window positive. statusOnly is that
// status when it is the only evidence.
func (c *orderCtx) pregnant() (ev []Evidence, statusOnly *Observation, ok bool) {
	cs := c.currentPregnancies()
	ev = append(ev, conditionEvidence(cs, c.now)...)
	status, hasStatus := c.pregnancyStatus()
	if hasStatus {
		ev = append(ev, Evidence{Text: "Pregnancy status " + c.k.answerName(VSPregnancyCondition, status) + " on " + dateText(status.Date), Date: status.Date, ResourceID: status.ID})
	}
	// A positive test within the window (contract 5). On treatment
	// (renewal, patient-view) also an older one within pregnancyMaxDays
	// with no readable test since: hCG stays positive throughout a
	// pregnancy, so, as for a pregnancy condition or status, only a newer
	// negative test (or the time a pregnancy can last) ends it. Read only
	// within the window, a positive test 31 days old on a patient on
	// upadacitinib gave no card at all, since pregnancy-test-missing does
	// not run on treatment (contract 6.2); before a start that card speaks
	// for it (contractaudit review, docs/rules.md section 5).
	window := c.windowFrom(c.cfg.PregnancyTestWindow)
	from := window
	if c.cont {
		from = min(window, c.pregnancyFrom())
	}
	// A positive test counts up to the last day its date allows (a test
	// of "2026" may be of last week; precision review).
	if o, r, _ := c.ix.latestReadOf(c.ix.resultsLast(from, VSPregnancyTest), c.ix.readHCG); r == resultPositive {
		e := resultEvidence("Pregnancy test", o, r)
		if v, ok := HCGmIUPerML(o.Quantity); ok {
			e.Text += " (hCG " + number(v) + " mIU/mL, at or above " + number(c.cfg.HCGPositive) + ")"
		}
		if dayOf(resultLast(o)) < window {
			e.Text += "; no pregnancy test since: confirm whether the pregnancy is ongoing"
		}
		ev = append(ev, e)
	} else if o := c.futurePositivePregnancyTest(); o != nil {
		ev = append(ev, Evidence{Text: "Pregnancy test positive dated " + dateText(o.Date) + ", after today: check its date; read as a current pregnancy", Date: o.Date, ResourceID: o.ID})
	}
	if hasStatus && len(ev) == 1 {
		statusOnly = status
	}
	return ev, statusOnly, len(ev) > 0
}

// checkGenders ends the evidence of a patient whose Patient resources give
// different genders (genders, "" when they do not), and, dates, different
// birth dates too.
func checkGenders(genders string, dates bool) string {
	if genders == "" {
		return ""
	}
	if dates {
		genders += ", with different birth dates"
	}
	return genders + ": check the record"
}

// pregnancyFrom is the first day a positive pregnancy test may still stand
// for a current pregnancy (pregnancyMaxDays back, today included).
func (c *orderCtx) pregnancyFrom() civilDay { return dayOf(c.now) - pregnancyMaxDays + 1 }

// futurePositivePregnancyTest is a positive pregnancy test dated after
// today (a typing error, "2027" for "2026"), nil when none. Such a result
// is no current result (index), but a positive one is read as a current
// pregnancy, its date named: left out, a positive test dated tomorrow gave
// no pregnancy card at all, on treatment or before a start (failsafe5).
func (c *orderCtx) futurePositivePregnancyTest() *Observation {
	for _, o := range c.ix.futurePregnancyTests {
		if c.ix.readHCG(o) == resultPositive {
			return o
		}
	}
	return nil
}

// pregnancyMaxDays is how long after its onset (else its recorded date) a
// pregnancy condition can still be a current pregnancy: a pregnancy lasts
// at most about 42 weeks from the last menstrual period and is diagnosed
// weeks into it, so one dated 300 days ago or more has ended, whatever a
// problem list left unresolved says.
const pregnancyMaxDays = 300

// pregnancyStatus returns the latest pregnancy status Observation (LOINC
// 82810-3) when it answers with a pregnancy finding (the pregnancy value
// set, e.g. SNOMED 77386006 Pregnant), is dated within pregnancyMaxDays, and
// no pregnancy test read negative after its day: a newer "Not pregnant"
// status or negative test says the pregnancy has ended.
func (c *orderCtx) pregnancyStatus() (*Observation, bool) {
	// Dated by a month or a year only, a status counts up to its last
	// day; a negative test after its first day ends it, as for a
	// pregnancy condition (lastKnown).
	rs := c.ix.resultsLast(c.pregnancyFrom(), VSPregnancyStatus)
	if len(rs) == 0 || !c.k.Has(VSPregnancyCondition, rs[0].ValueCodes) {
		return nil, false
	}
	o := rs[0]
	for _, t := range c.ix.results(dayOf(o.Date)+1, VSPregnancyTest) {
		if c.ix.readHCG(t) == resultNegative {
			return nil, false
		}
	}
	return o, true
}

// currentPregnancies are the active pregnancy conditions that can still be
// current: undated, or dated within pregnancyMaxDays and not followed by a
// negative pregnancy test (negativeTestSince).
//
// The pregnancy tests are read once, from the earliest day any condition
// was last known, not once per condition: one read per condition made
// 16,000 conditions beside 16,000 pregnancy tests take 9 minutes.
func (c *orderCtx) currentPregnancies() []*Condition {
	var dated []*Condition
	var out []*Condition
	from := civilDay(0)
	for _, x := range c.ix.activeConditions(VSPregnancyCondition) {
		d := conditionDate(x, c.now)
		if d.IsZero() {
			out = append(out, x) // undated: stays current (fail safe)
			continue
		}
		if daysBetween(latestOnset(x, d), c.now) >= pregnancyMaxDays { // "2026": up to its last day (failsafe7)
			continue
		}
		if f := lastKnown(x) + 1; len(dated) == 0 || f < from {
			from = f
		}
		dated = append(dated, x)
	}
	if len(dated) == 0 {
		return out
	}
	neg := c.negativeTestSince(from)
	for _, x := range dated {
		if neg != nil && dayOf(neg.Date) > lastKnown(x) {
			continue
		}
		out = append(out, x)
	}
	return out
}

// lastKnown is the day a pregnancy condition was last known: the later of
// its onset and recorded date.
// An onset of a month or a year only is read by its first day here (a
// negative test since ends it; failsafe7 pinned this, precision review
// kept it: a pregnancy is diagnosed weeks into it, so a negative test in
// its onset month is after it far more often than before).
func lastKnown(x *Condition) civilDay { return max(dayOf(x.Onset), dayOf(x.Recorded)) }

// negativeTestSince is the newest readable pregnancy test dated on or
// after the day from when it reads negative and no newer test went unread,
// else nil. A pregnancy condition is ended by it when it is dated after
// the day the condition was last known: hCG stays positive throughout a
// pregnancy, so the pregnancy has ended (delivery, loss) and the problem
// list was not updated, as a newer negative test ends a pregnancy status.
// An undated condition, one no readable test followed, or one whose latest
// test is not negative (5-24 mIU/mL, unreadable) stays current. Read once
// from the earliest day for all conditions: for a later day the newest
// test is the same one when it is dated on or after that day (else the
// condition stays current, fail safe).
func (c *orderCtx) negativeTestSince(from civilDay) *Observation {
	o, r, unread := c.ix.latestRead(VSPregnancyTest, from, c.ix.readHCG)
	if r != resultNegative || len(unread) > 0 {
		return nil
	}
	return o
}

func (c *orderCtx) pregnancyTestMissing() (Finding, bool) {
	may, stated := c.ix.mayBePregnant()
	if !may {
		return Finding{}, false
	}
	if _, _, known := c.pregnant(); known {
		return Finding{}, false
	}
	who, genders := "Female patient", ""
	switch pt := c.ix.rec.Patient; {
	case pt.OtherGender != "":
		who, genders = "Patient", ", recorded as "+strconv.Quote(pt.Gender)+" in one Patient resource and "+strconv.Quote(pt.OtherGender)+" in another"
	case !stated:
		who = "Patient whose sex is not recorded as male or female (administrative gender " + strconv.Quote(or(pt.Gender, "missing")) + ")"
	}
	var ev []Evidence
	// Any age the birth date allows within the range counts: a woman born
	// in "1975" may still be 50 in December 2026.
	young, old, ok := c.ix.ageRange()
	switch {
	case !ok:
		ev = append(ev, Evidence{Text: who + " of unknown age" + checkGenders(genders, false) + "."})
	case old < c.cfg.PregnancyTestMinAge || young > c.cfg.PregnancyTestMaxAge:
		return Finding{}, false
	case genders != "":
		// One sentence, "check the record" once (noise12: the age came
		// after the genders' parenthesis, and two birth dates said it again).
		age, dates := strings.CutSuffix(c.ix.ageText(), twoBirthDates)
		ev = append(ev, Evidence{Text: who + " " + age + checkGenders(genders, dates) + "."})
	default:
		ev = append(ev, Evidence{Text: who + " " + c.ix.ageText() + "."})
	}
	from := c.windowFrom(c.cfg.PregnancyTestWindow)
	o, r, unread := c.ix.latestRead(VSPregnancyTest, from, c.ix.readHCG)
	if o != nil && r == resultNegative && len(unread) == 0 {
		return Finding{}, false
	}
	w := durationText(c.cfg.PregnancyTestWindow)
	title := "No pregnancy test within " + w
	for _, x := range unread {
		ev = append(ev, Evidence{Text: c.hcgText(x), Date: x.Date, ResourceID: x.ID})
	}
	if len(unread) > 0 {
		title = "Pregnancy test to repeat: the latest is not negative"
		if o != nil {
			ev = append(ev, resultEvidence("Earlier pregnancy test", o, r))
		}
	} else {
		ev = append(ev, Evidence{Text: "No pregnancy test since " + from.String() + "."})
		// A positive test older than the window, with nothing read since,
		// is a pregnancy that may well be ongoing (hCG stays positive
		// throughout one): the card says so rather than asking for a
		// routine test (contractaudit review, docs/rules.md section 5).
		if old, r, _ := c.ix.latestReadOf(c.ix.resultsLast(c.pregnancyFrom(), VSPregnancyTest), c.ix.readHCG); r == resultPositive {
			title = "Pregnancy test positive on " + dateText(old.Date) + ", none since"
			ev = append(ev, resultEvidence("Earlier pregnancy test", old, r),
				Evidence{Text: "Confirm whether this pregnancy is ongoing before starting " + c.p.Generic + "."})
		}
	}
	if c.ordering(VSPregnancyTest) {
		ev = append(ev, Evidence{Text: "A pregnancy test is being ordered in this session."})
	}
	return Finding{
		Title:    title,
		Action:   "Order a pregnancy test and verify pregnancy status before starting " + c.p.Generic + "; " + c.contraception(),
		Evidence: ev,
		Tests:    withReason("female of reproductive age, no negative pregnancy test within "+w, testHCGUrine, testHCGSerum),
	}, true
}

// contraception is each label's contraception advice for a woman of
// reproductive potential (R16: RINVOQ PI 8.3, 4 weeks after the final dose,
// grade A; C14: the CIBINQO EU SmPC, 1 month, non-US grade B; the CIBINQO
// US PI sets no period).
func (c *orderCtx) contraception() string {
	if c.drug == Upadacitinib {
		return "advise effective contraception during treatment and for 4 weeks after the last dose (RINVOQ PI 8.3)."
	}
	return "advise effective contraception during treatment (EU SmPC: and for 1 month after the last dose)."
}

func (c *orderCtx) pregnancy() (Finding, bool) {
	ev, statusOnly, ok := c.pregnant()
	if !ok {
		return Finding{}, false
	}
	f := Finding{
		Title:      "Pregnancy",
		Evidence:   ev,
		Unverified: c.unverifiedConditions(VSPregnancyCondition, c.currentPregnancies()),
	}
	if o := c.futurePositivePregnancyTest(); o != nil && len(ev) == 1 && ev[0].ResourceID == o.ID {
		f.AheadDate = o.Date // known only from a test dated after today: the summary questions it (noise12)
	}
	// Known only from a pregnancy status whose code is graded C or U.
	if statusOnly != nil && c.k.Unverified(VSPregnancyStatus, statusOnly.Codes) {
		f.Unverified = true
	}
	if c.drug == Upadacitinib {
		f.Action = c.onTx("Avoid starting upadacitinib in pregnancy: it may cause fetal harm (RINVOQ PI 5.9); discuss with the patient. The EU SmPC contraindicates pregnancy.",
			"Pregnancy on upadacitinib, which may cause fetal harm (RINVOQ PI 5.9): review treatment with the patient now. The EU SmPC contraindicates pregnancy.")
		f.Also = []Citation{c.p.CiteSmPC("4.3")}
	} else {
		f.Action = c.onTx("Avoid starting abrocitinib in pregnancy: US data are insufficient to establish the risk (CIBINQO PI 8.1); the EU SmPC contraindicates pregnancy.",
			"Pregnancy on abrocitinib: review treatment with the patient now; enroll in the pregnancy registry (1-877-311-3770). The EU SmPC contraindicates pregnancy.")
		f.Also = []Citation{c.p.CiteSmPC("4.3")}
	}
	return f, true
}

// washoutDays is each label's breastfeeding wash-out after the last dose
// (RINVOQ PI 8.2: 6 days, R17; CIBINQO PI 8.2: 1 day, C15; both grade C).
func (c *orderCtx) washoutDays() string {
	if c.drug == Upadacitinib {
		return "6 days"
	}
	return "1 day"
}

// staleBreastfeedingDays is how long a breastfeeding or lactation
// condition recorded with no clinical status (an encounter diagnosis such
// as Z39.1 at a postnatal visit, a claim line) stays current: WHO and the
// AAP recommend breastfeeding up to 2 years or beyond, so one coded more
// than 2 years ago and never given a status is not evidence of
// breastfeeding now. A status of active is taken as written, as for a
// serious infection (staleInfectionDays).
const staleBreastfeedingDays = 730

func (c *orderCtx) breastfeeding() (Finding, bool) {
	var cs []*Condition
	for _, x := range c.ix.activeConditions(VSBreastfeeding) {
		if d := conditionDate(x, c.now); noClinicalStatus(x) && !d.IsZero() && daysBetween(latestOnset(x, d), c.now) > staleBreastfeedingDays {
			continue
		}
		cs = append(cs, x)
	}
	if len(cs) == 0 {
		return Finding{}, false
	}
	return Finding{
		Title: "Breastfeeding",
		Action: c.onTx("Do not start "+c.p.Generic+" while breastfeeding: no breastfeeding during treatment and for "+c.washoutDays()+" after the last dose.",
			"The patient is breastfeeding: no breastfeeding during "+c.p.Generic+" treatment and for "+c.washoutDays()+" after the last dose; review with her."),
		Evidence: conditionEvidence(cs, c.now),
		Subject:  c.washoutDays(),
		// Both wash-out periods (6 days, 1 day) are grade C in the knowledge base.
		Unverified: true,
	}, true
}

// ---- Immunizations (R18, C3, C16; ZosterAge, LiveVaccineWindow; sets
// VSZosterRecombinant, VSLiveVaccines) ----

func (c *orderCtx) zosterVaccineMissing() (Finding, bool) {
	for _, im := range c.ix.immunizations(VSZosterRecombinant, anyDay) {
		if !im.Subpotent { // a subpotent dose does not count (ACIP)
			return Finding{}, false
		}
	}
	if c.recombinantZosterGiven() {
		return Finding{}, false
	}
	age, ok := c.ix.age()
	text := "Patient " + c.ix.ageText() + "; no recombinant zoster vaccine dose on record."
	switch {
	case !ok:
		text = "Age unknown (most patients starting a JAK inhibitor are adults); no recombinant zoster vaccine dose on record."
	case age < c.cfg.ZosterAge:
		return Finding{}, false
	}
	return Finding{
		Title: "No recombinant zoster vaccine on record",
		Action: "Give the recombinant (non-live) zoster vaccine before starting " + c.p.Generic +
			": the label asks to complete immunizations, including zoster, before starting; ACIP recommends it for adults who are or will be immunosuppressed.",
		Evidence: []Evidence{{Text: text}},
		Tests:    withReason("aged "+number(float64(c.cfg.ZosterAge))+" or over without a recombinant zoster vaccine dose", testZoster),
		Also:     []Citation{citeACIPRZV},
	}, true
}

// recombinantZosterGiven reports whether a medication list records a
// recombinant zoster vaccine dose as given: an order or a statement of it
// (CVX 187 or its names) with status completed. A dose given in clinic and
// documented as a completed order, or given by an outside pharmacy and
// recorded on the outside medication list, read "no recombinant zoster
// vaccine dose on record" while the same shapes of a live vaccine counted
// as given (bbinfect review). An active, stopped or entered-in-error one
// does not say the dose was given.
func (c *orderCtx) recombinantZosterGiven() bool {
	return slices.ContainsFunc(c.ix.historyMeds(VSZosterRecombinant), func(m *Medication) bool {
		return m.Status == "completed" && useOf(m) == useHistory
	})
}

func (c *orderCtx) liveVaccineRecent() (Finding, bool) {
	return c.liveVaccineSince(c.windowFrom(c.cfg.LiveVaccineWindow))
}

// liveVaccineOnCourse is live-vaccine-recent on patient-view: a live
// vaccine given within the window and on or after the course start day
// (RINVOQ 5.10, CIBINQO 5.7: avoid live vaccines during treatment). One
// given before the start is the order-time rule's business (consider
// delaying the start), not the course's. Without a start date the window
// alone decides (fail safe), worded "just before or during".
func (c *orderCtx) liveVaccineOnCourse(t *Course) (Finding, bool) {
	from := c.windowFrom(c.cfg.LiveVaccineWindow)
	if t.Start.IsZero() || !t.Started { // no start known, or only planned: the window alone
		return c.liveVaccineSince(from)
	}
	from = max(from, dayOf(t.Start))
	f, ok := c.liveVaccineSince(from)
	if !ok {
		return Finding{}, false
	}
	f.Action = "A live vaccine was given during " + c.p.Generic + " treatment, which the label says to avoid: watch for infection by the vaccine strain, and give no further live vaccines during treatment."
	f.Evidence = append(f.Evidence, c.startEvidence(t))
	return f, true
}

// liveVaccineSince is live-vaccine-recent for the live vaccines given from
// the day from on.
func (c *orderCtx) liveVaccineSince(from civilDay) (Finding, bool) {
	ims := c.ix.immunizations(VSLiveVaccines, from)
	given := c.liveVaccinesTaken(from)
	if len(ims) == 0 && len(given) == 0 {
		return Finding{}, false
	}
	var ev []Evidence
	unverified := false
	subject := ""
	for _, im := range ims {
		ago := daysAgoText(im.Date, c.now)
		if !im.DateLast.IsZero() { // "2026-11": how many days ago is not known
			ago = partialText(im.DateLast)
		}
		name := immunizationName(im)
		if n, ok := c.k.codeName(name); ok { // "03" alone names no vaccine for the reader
			name = n + " (CVX " + name + ")"
		}
		ev = append(ev, Evidence{Text: "Live vaccine " + name + " given on " + dateText(im.Date) + ago, Date: im.Date, ResourceID: im.ID})
		unverified = unverified || c.k.Unverified(VSLiveVaccines, im.Codes)
		subject = or(subject, immunizationName(im))
	}
	for _, m := range given {
		where := "order " + m.Status
		if m.ResourceType == "MedicationStatement" {
			where = "outside medication list, " + m.Status
		}
		d, ago := medicationTakenOn(m), ""
		if ago = daysAgoText(d, c.now); !medTakenLast(m).Equal(d) { // "2026-11": how many days ago is not known
			ago = partialText(medTakenLast(m))
		}
		ev = append(ev, Evidence{Text: "Live vaccine " + medicationName(m) + " (" + where + ") on " + dateText(d) + ago,
			Date: d, ResourceID: m.ID})
		subject = or(subject, medicationName(m))
	}
	unverified = unverified || unverifiedMeds(c.k, VSLiveVaccines, given)
	action := "Avoid live vaccines immediately before and during " + c.p.Generic + " treatment: consider delaying the start."
	if c.cont {
		action = "A live vaccine was given just before or during " + c.p.Generic + " treatment, which the label says to avoid: watch for infection by the vaccine strain."
	}
	return Finding{
		Title:      "Live vaccine within the last " + durationText(c.cfg.LiveVaccineWindow),
		Action:     action,
		Evidence:   ev,
		Unverified: unverified,
		Threshold:  durationText(c.cfg.LiveVaccineWindow),
		Subject:    subject,
	}, true
}

// daysAgoText is " (N days ago)" for a live vaccine dated d, or, for a
// date after today, " (a date after today, read as recent)".
func daysAgoText(d, now time.Time) string {
	if n := daysBetween(d, now); n >= 0 {
		return " (" + number(float64(n)) + " days ago)"
	}
	return " (a date after today, read as recent)"
}

// liveVaccinesTaken are the live vaccines the medication lists say were
// given from the day from on: a completed or stopped MedicationRequest or
// MedicationStatement (an outside or pharmacy record of the dose, with no
// Immunization), dated by its end, else its start. Current ones are
// live-vaccine-ordered's.
func (c *orderCtx) liveVaccinesTaken(from civilDay) []*Medication {
	var out []*Medication
	for _, m := range c.ix.historyMeds(VSLiveVaccines) {
		if useOf(m) != useHistory {
			continue
		}
		// A date after today counts (fail safe, as for an Immunization: a
		// typing error, or a dose recorded ahead, is not "not given").
		if d := medTakenLast(m); !d.IsZero() && dayOf(d) >= from {
			out = append(out, m)
		}
	}
	return out
}

// medicationTakenOn is when a past medication was last taken: its end,
// else its start (zero when undated).
func medicationTakenOn(m *Medication) time.Time {
	switch {
	case !m.End.IsZero():
		return m.End
	case !m.Authored.IsZero():
		return m.Authored
	}
	return m.ValidityStart
}

// answerName names o's coded answer: its display, else its text, else
// the display set gives its code, with that code ("Current every day
// smoker (code 449868002)"), else the bare code. An answer sent as a bare
// SNOMED code read "Smoking status 449868002 on ..." on the smoker card
// (noise14), as conditions did before noise13 question 3.
func (k *Knowledge) answerName(set string, o *Observation) string {
	if hasDisplay(o.ValueCodes) {
		return codingsName(o.ValueCodes)
	}
	if t := strings.TrimSpace(o.ValueText); t != "" {
		return t
	}
	if d, code := k.displayIn([]string{set}, o.ValueCodes); d != "" {
		return d + " (code " + code + ")"
	}
	return codingsName(o.ValueCodes)
}

// immunizationName is the vaccine's text, else its first display or code.
func immunizationName(im *Immunization) string {
	if im.Text != "" {
		return clipName(im.Text)
	}
	return codingsName(im.Codes)
}

// liveVaccineOrdered: a live vaccine ordered with the JAK order (in the
// session, as a MedicationRequest or a ServiceRequest), an active order of
// one on record, or one the outside medication list says is being taken or
// is intended (an active, intended or on-hold MedicationStatement: contract
// 6.1 reads medications from both; the reverse direction, a vaccine ordered
// for a patient on a course, is issue 15).
func (c *orderCtx) liveVaccineOrdered() (Finding, bool) {
	ms := c.ix.activeMeds(VSLiveVaccines)
	others, total := c.si.others(VSLiveVaccines, c.key, maxEvidence)
	ms = append(ms, others...)
	ev := withMore(medicationEvidence(ms, "live vaccine"), total-len(others))
	// ServiceRequests of the session: by code or, as in the reverse
	// direction, by name (a "Yellow fever vaccine" order with no code).
	var services []Coding
	var serviceNames []string
	if so := c.si.serviceOrders(); len(so) > 0 {
		for _, s := range so {
			if s.Status == "revoked" || s.Status == "entered-in-error" {
				continue
			}
			if sm := serviceMedication(s); medicationIn(c.k, VSLiveVaccines, sm) {
				services = append(services, s.Codes...)
				name := medicationName(&sm)
				serviceNames = append(serviceNames, name)
				ev = append(ev, Evidence{Text: "Live vaccine " + name + " ordered in this session.", ResourceID: s.ID})
			}
		}
	} else {
		for _, s := range c.si.services() {
			if c.k.Has(VSLiveVaccines, []Coding{s}) {
				services = append(services, s)
				serviceNames = append(serviceNames, codingsName([]Coding{s}))
				ev = append(ev, Evidence{Text: "Live vaccine " + codingsName([]Coding{s}) + " ordered in this session."})
			}
		}
	}
	if len(ev) == 0 {
		return Finding{}, false
	}
	subject := ""
	if len(serviceNames) > 0 {
		subject = serviceNames[0]
	}
	if len(ms) > 0 {
		subject = medicationName(ms[0])
	}
	title := "Live vaccine ordered with " + c.p.Generic
	if len(serviceNames) == 0 && allStatements(ms) {
		title = "Live vaccine on the outside medication list with " + c.p.Generic
	}
	// RINVOQ: during or immediately prior to (R18); CIBINQO also
	// immediately after (C16), as the reverse direction says.
	when := "immediately before and during "
	if c.drug == Abrocitinib {
		when = "immediately before, during and right after "
	}
	action := "Avoid live vaccines " + when + c.p.Generic + " treatment: cancel the vaccine or give it well before starting."
	if c.cont { // on treatment (a renewal, patient-view): there is no start to give it before
		action = "Avoid live vaccines during " + c.p.Generic + " treatment: cancel the vaccine, or give a non-live alternative where one exists."
	}
	return Finding{
		Title:      title,
		Action:     action,
		Evidence:   ev,
		Subject:    subject,
		Unverified: unverifiedMeds(c.k, VSLiveVaccines, ms) || c.k.Unverified(VSLiveVaccines, services),
	}, true
}

// allStatements reports whether every medication of ms is a
// MedicationStatement (none is an order).
func allStatements(ms []*Medication) bool {
	for _, m := range ms {
		if m.ResourceType != "MedicationStatement" {
			return false
		}
	}
	return true
}

// ---- Conditions (R8, R11, R12, C7, C8; sets VSSeriousInfection,
// VSSevereHepatic, VSCirrhosis, VSChildPugh, VSEGFR, VSESRDDialysis,
// VSSevereRenal; EGFRWindow, EGFRModerate, EGFRSevere, EGFRUpadacitinibMin) ----

// staleInfectionDays is how long a serious infection recorded with no
// clinical status (an encounter diagnosis, a claim) stays a current
// infection: a pneumonia coded at a visit three years ago, never given a
// status, is not an active serious infection now. A status of active,
// recurrence or relapse is taken as written, whatever the date.
const staleInfectionDays = 90

// StopsForInfection reports whether the drug's US label says to discontinue
// it, not interrupt it, when a serious infection develops during treatment:
// CIBINQO 5.1, "If a patient develops a serious or opportunistic infection,
// discontinue CIBINQO", then weigh the risks and benefits before restarting
// (pfizermedicalinformation.com/cibinqo-0/warnings; the EU SmPC says
// consider interrupting until controlled). RINVOQ 5.1: interrupt until the
// infection is controlled (R8). Both read "interrupt" until the committee2
// review found the difference.
func StopsForInfection(d Drug) bool { return d == Abrocitinib }

// byInfectionLabel is the action during treatment for a serious infection
// (tuberculosis too, the serious infection of both labels' 5.1): interrupt,
// or where the label says so "Discontinue <drug> (<BRAND> PI 5.1)" followed
// by afterStop.
func (c *orderCtx) byInfectionLabel(interrupt, afterStop string) string {
	if StopsForInfection(c.drug) {
		return "Discontinue " + c.p.Generic + " (" + strings.ToUpper(c.p.Brand) + " PI 5.1)" + afterStop
	}
	return interrupt
}

func (c *orderCtx) seriousInfectionActive() (Finding, bool) {
	var cs []*Condition
	for _, x := range c.ix.activeConditions(VSSeriousInfection) {
		if noClinicalStatus(x) {
			if d := conditionDate(x, c.now); !d.IsZero() && daysBetween(latestOnset(x, d), c.now) > staleInfectionDays {
				continue
			}
		}
		cs = append(cs, x)
	}
	if len(cs) == 0 {
		return Finding{}, false
	}
	return Finding{
		Title: "Active serious infection",
		Action: c.onTx("Do not start "+c.p.Generic+" during an active serious infection; start once it is controlled.",
			c.byInfectionLabel("Interrupt "+c.p.Generic+" until the infection is controlled.",
				"; start complete diagnostic testing and antimicrobial therapy, and weigh the risks and benefits before restarting it.")),
		Evidence:   conditionEvidence(cs, c.now),
		Unverified: c.unverifiedConditions(VSSeriousInfection, cs),
	}, true
}

// childPugh reads a Child-Pugh class from an Observation: its value as a
// class ("C", "Class C", "Child-Pugh class B", "A5") or a score (5-6 A, 7-9
// B, 10-15 C); "" when it states none.
func childPugh(o *Observation) string {
	texts := []string{o.ValueText}
	for _, v := range o.ValueCodes {
		texts = append(texts, v.Display, v.Code)
	}
	for _, t := range texts {
		words := strings.FieldsFunc(strings.ToLower(t), func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
		})
		for i, w := range words {
			class := ""
			switch {
			case len(w) == 1 && w >= "a" && w <= "c" && (len(words) == 1 || i > 0 && (words[i-1] == "class" || words[i-1] == "pugh" || words[i-1] == "grade")):
				class = w
			case len(w) >= 2 && len(w) <= 3 && w[0] >= 'a' && w[0] <= 'c' && isDigitByte(w[1]) && (len(w) == 2 || isDigitByte(w[2])):
				class = w[:1]
			}
			if class != "" {
				return strings.ToUpper(class)
			}
		}
	}
	if q := o.Quantity; q != nil && q.Value == math.Trunc(q.Value) && scoreUnit(q.Unit) && scoreUnit(q.UnitText) {
		return childPughBound(q.Value, q.Comparator)
	}
	// A score written as text ("11", "Score 12", "10 points"): the text's
	// only number.
	for _, t := range texts {
		var nums []string
		for _, w := range strings.FieldsFunc(t, func(r rune) bool { return !(r >= '0' && r <= '9' || r == '.') }) {
			nums = append(nums, w)
		}
		if len(nums) == 1 {
			if v, err := strconv.ParseFloat(nums[0], 64); err == nil && v == math.Trunc(v) {
				if class := childPughBound(v, textComparator(t)); class != "" {
					return class
				}
			}
		}
	}
	return ""
}

// scoreUnit reports whether a Quantity's unit may be that of a score:
// none, "1", or a word for it ("{score}", "{points}", "pts").
func scoreUnit(u string) bool {
	u = strings.ToLower(strings.TrimSpace(u))
	return u == "" || u == "1" || strings.Contains(u, "score") || strings.Contains(u, "point") || strings.Trim(u, "{}") == "pts"
}

// childPughBound is the class of a Child-Pugh score reported with a
// comparator (">9 points"): the class of the highest score it allows (fail
// safe: ">9" is 10 or more, class C; ">=9" may be C; "<10" is at most B);
// without one, childPughScore.
func childPughBound(v float64, comparator string) string {
	if childPughScore(v) == "" {
		return ""
	}
	switch comparator {
	case ">", ">=":
		return "C"
	case "<":
		return childPughScore(max(v-1, 5))
	}
	return childPughScore(v)
}

// textComparator is the comparator a score written as text puts before
// its number ("Score >9", "≥ 10"), "" for none.
func textComparator(t string) string {
	for _, c := range []struct{ text, cmp string }{{">=", ">="}, {"≥", ">="}, {"<=", "<="}, {"≤", "<="}, {">", ">"}, {"<", "<"}} {
		if strings.Contains(t, c.text) {
			return c.cmp
		}
	}
	return ""
}

// childPughScore is the class of a Child-Pugh score (5-6 A, 7-9 B, 10-15
// C), "" for a number that is not a score.
func childPughScore(v float64) string {
	switch {
	case v >= 5 && v <= 6:
		return "A"
	case v >= 7 && v <= 9:
		return "B"
	case v >= 10 && v <= 15:
		return "C"
	}
	return ""
}

func (c *orderCtx) severeHepaticImpairment() (Finding, bool) {
	var class string
	var classObs *Observation
	// The newest stated class; of classes not known to be apart in time
	// (one day written twice, a duplicate feed) the worst, so that the
	// bundle's order never decides.
	for _, o := range c.ix.results(anyDay, VSChildPugh) {
		if classObs != nil && !sameTime(o.Date, classObs.Date) {
			break
		}
		if cl := childPugh(o); cl > class {
			class, classObs = cl, o
		}
	}
	var severe, cirrhosis []*Condition
	for _, x := range c.ix.activeConditions(VSSevereHepatic) {
		if c.k.Has(VSCirrhosis, x.Codes) {
			continue // cirrhosis alone does not say how severe
		}
		severe = append(severe, x)
	}
	cirrhosis = c.ix.activeConditions(VSCirrhosis)
	var ev []Evidence
	if classObs != nil {
		ev = append(ev, Evidence{Text: "Child-Pugh class " + class + " on " + dateText(classObs.Date), Date: classObs.Date, ResourceID: classObs.ID})
	}
	switch {
	case class == "C" || len(severe) > 0:
		ev = append(ev, conditionEvidence(severe, c.now)...)
		return Finding{
			Level:      Critical,
			Title:      "Severe hepatic impairment (Child-Pugh C or decompensated liver disease)",
			Action:     c.onTx("Avoid "+c.p.Generic+": not recommended in severe hepatic impairment (Child-Pugh C).", "Severe hepatic impairment on "+c.p.Generic+", which is not recommended in Child-Pugh C: review treatment."),
			Evidence:   append(ev, conditionEvidence(cirrhosis, c.now)...),
			Threshold:  "Child-Pugh C",
			Unverified: c.unverifiedConditions(VSSevereHepatic, severe),
		}, true
	case class == "A" || class == "B" || len(cirrhosis) == 0:
		return Finding{}, false // mild or moderate: no adjustment (R11, C8)
	}
	return Finding{
		Title:      "Cirrhosis without a Child-Pugh class: confirm the class",
		Action:     "Confirm the Child-Pugh class: " + c.p.Generic + " is not recommended in Child-Pugh C; no change is needed in A or B.",
		Evidence:   append(conditionEvidence(cirrhosis, c.now), Evidence{Text: "No Child-Pugh class on record."}),
		Unverified: c.unverifiedConditions(VSCirrhosis, cirrhosis),
	}, true
}

// reducedLimit is the abrocitinib reduced dose (50 mg; C7, C9) or, on a
// continuation at least DoseIncreaseAfter into the course, 100 mg ("may
// increase to 100 mg after 12 weeks if inadequate response"); for
// upadacitinib its reduced dose (15 mg).
func (c *orderCtx) reducedLimit() (float64, string) {
	var since time.Time
	if c.cont && c.course != nil {
		since = c.course.Start
	}
	return c.reducedLimitSince(since)
}

// reducedLimitSince is reducedLimit with the 12 weeks counted from since,
// the day the reason for the reduced dose and the course met (zero: not
// known to have met before today).
func (c *orderCtx) reducedLimitSince(since time.Time) (float64, string) {
	if c.drug != Abrocitinib {
		return c.p.ReducedDailyMg, number(c.p.ReducedDailyMg) + " mg"
	}
	if !since.IsZero() && atLeast(since, c.now, c.cfg.DoseIncreaseAfter) {
		return c.p.LowerDailyMg, number(c.p.LowerDailyMg) + " mg (at most, after " + durationText(c.cfg.DoseIncreaseAfter) + " at 50 mg)"
	}
	return c.p.ReducedDailyMg, number(c.p.ReducedDailyMg) + " mg (100 mg after " + durationText(c.cfg.DoseIncreaseAfter) + " if the response is inadequate)"
}

// cypSince is when a course and strong CYP inhibitors met: the later of
// the course start and the latest inhibitor's start; zero when that is not
// known to be before today (an order of this session, an undated one, or
// an initiation). The label's "100 mg after 12 weeks" counts 12 weeks at
// 50 mg with the inhibitor (C9), not 12 weeks of the course.
func (c *orderCtx) cypSince(inhibitors []*Medication) time.Time {
	if !c.cont || c.course == nil || c.course.Start.IsZero() {
		return time.Time{}
	}
	since := c.course.Start
	for _, m := range inhibitors {
		start, _ := MemberStart(m)
		if start.IsZero() || m.Status == "draft" || m.Status == "" {
			return time.Time{}
		}
		if start.After(since) {
			since = start
		}
	}
	return since
}

// renalImpairment is renalFinding, with the newest eGFR within the window
// said when its number cannot be read (no unit, a unit not recognised:
// contract 6.5 wants the card to say which). It was passed over in
// silence: abrocitinib with an eGFR of 25 sent without a unit answered no
// renal card, and an older eGFR of 90 stood for a newer one in mL/s. Said
// beside the finding an older eGFR or the problem list gives, else alone,
// as a warning to check the eGFR, with no dose limit (labsweep).
func (c *orderCtx) renalImpairment() (Finding, bool) {
	from := c.windowFrom(c.cfg.EGFRWindow)
	usable, egfr, readable := c.ix.latestValue(VSEGFR, from, EGFR)
	f, ok := c.renalFinding(usable, egfr, readable)
	bad := c.unreadNewer(VSEGFR, unitEGFR, from, usable)
	if bad == nil {
		return f, ok
	}
	q := bad.Quantity
	if bad.ValueText != "" { // written as text: words after the number may be no unit
		q = eGFRText(q)
	}
	problem := unitProblem(unitEGFR, q)
	top, advice := c.renalAdvice()
	if problem == "no unit" && (q.Comparator == "" || q.Comparator == ">" || q.Comparator == ">=") && q.Value >= top {
		// The eGFR codes define their unit (mL/min/1.73 m²): a number
		// with none that is not below the drug's highest limit in it
		// (">60", "60 or greater", as labs write it as text) cannot be
		// the low one, and saying it would be noise. It still sets no
		// dose.
		return f, ok
	}
	// The number as sent, and the unit named once (noise9): the unit
	// not recognised is in the reason, or in the text as written.
	value, short := q.Comparator+number(q.Value), problem
	switch {
	case bad.ValueText != "":
		value = "written \"" + bad.ValueText + "\""
		if problem != "no unit" {
			short, problem = "unit not recognised", "unit not recognised"
		}
	case strings.HasPrefix(problem, "unit "):
		short = "unit not recognised"
	case strings.HasPrefix(problem, "comparator "):
		short = "comparator not understood"
	}
	ev := Evidence{Text: "eGFR " + value + " on " + dateText(bad.Date) + ": " + problem + ", so it was not used.", Date: bad.Date, ResourceID: bad.ID}
	switch {
	case usable != nil && ok: // the finding's own evidence names it above
		ev.Text += " The older eGFR above may not be the current one."
	case usable != nil:
		ev.Text += " The older eGFR of " + dateText(usable.Date) + " (" + quantityText(usable.Quantity) + ") may not be the current one."
	}
	if ok {
		f.Evidence = append(f.Evidence, ev)
		return f, true
	}
	return Finding{
		Title:      "eGFR could not be read (" + short + "): renal dose not known",
		Action:     c.onTx("Check the eGFR before starting "+c.p.Generic+": "+advice+".", "Check the eGFR on "+c.p.Generic+": "+advice+"."),
		Evidence:   []Evidence{ev},
		Subject:    "eGFR could not be read (" + short + ")", // the card's summary
		Unverified: c.k.Unverified(VSEGFR, bad.Codes) || c.drug == Upadacitinib,
	}, true
}

// renalFinding is renal-impairment from o, the newest readable eGFR
// within the window (egfr its value; ok false when none), else the problem
// list, else an old low eGFR (staleEGFR).
func (c *orderCtx) renalFinding(o *Observation, egfr float64, ok bool) (Finding, bool) {
	esrd := c.ix.activeConditions(VSESRDDialysis)
	var ev []Evidence
	unverified := false
	if ok {
		unverified = c.k.Unverified(VSEGFR, o.Codes) // e.g. 33914-3 is grade C
		ev = append(ev, Evidence{Text: "eGFR " + quantityText(o.Quantity) + " on " + dateText(o.Date), Date: o.Date, ResourceID: o.ID})
	}
	ev = append(ev, conditionEvidence(esrd, c.now)...)
	var problem []*Condition // severe renal impairment from the problem list, when no eGFR
	if !ok && len(esrd) == 0 {
		problem = c.ix.activeConditions(VSSevereRenal)
		if len(problem) > 0 {
			ev = append(ev, conditionEvidence(problem, c.now)...)
			ev = append(ev, Evidence{Text: "No eGFR within " + durationText(c.cfg.EGFRWindow) + "; severe renal impairment taken from the problem list."})
			unverified = c.unverifiedConditions(VSSevereRenal, problem) // e.g. CKD 4 431857002 is grade C
		}
	}
	notRecommended := func(below float64) (Finding, bool) {
		return Finding{
			Level: Critical,
			Title: c.p.Generic + " not recommended: eGFR below " + number(below) + " or dialysis/end-stage renal disease",
			Action: c.onTx("Avoid "+c.p.Generic+": not recommended with eGFR below "+number(below)+" mL/min/1.73 m², end-stage renal disease or dialysis.",
				"Review "+c.p.Generic+": not recommended with eGFR below "+number(below)+" mL/min/1.73 m², end-stage renal disease or dialysis."),
			Evidence:   ev,
			Threshold:  number(below) + " mL/min/1.73 m²",
			Unverified: unverified || c.unverifiedConditions(VSESRDDialysis, esrd),
		}, true
	}
	var moderate []*Condition // CKD stage 3 from the problem list, when no eGFR
	if !ok && len(esrd) == 0 && len(problem) == 0 {
		moderate = c.ix.activeConditions(VSModerateRenal)
		if len(moderate) > 0 {
			ev = append(ev, conditionEvidence(moderate, c.now)...)
			ev = append(ev, Evidence{Text: "No eGFR within " + durationText(c.cfg.EGFRWindow) + "; moderate renal impairment (chronic kidney disease stage 3) taken from the problem list."})
			unverified = c.unverifiedConditions(VSModerateRenal, moderate)
		}
	}
	if !ok && len(esrd) == 0 && len(problem) == 0 && len(moderate) == 0 {
		return c.staleEGFR()
	}
	top, advice := c.renalAdvice()
	lowest := c.cfg.EGFRSevere // abrocitinib not recommended below it
	if c.drug != Abrocitinib {
		lowest = c.cfg.EGFRUpadacitinibMin
	}
	if ok && len(esrd) == 0 && (o.Quantity.Comparator == "<" || o.Quantity.Comparator == "<=") && censoredAcross(unitEGFR, o.Quantity, lowest) {
		// "<60" may be 20: say so beside the class it reads as, or alone.
		ev = append(ev, Evidence{Text: "The eGFR was reported only as " + quantityText(o.Quantity) + ", so it may be lower: " + advice + ". Ask for the value."})
		if egfr >= top {
			return Finding{
				Title:      "eGFR reported only as " + quantityText(o.Quantity) + ": renal dose not known",
				Action:     c.onTx("Check the eGFR value before starting "+c.p.Generic+": "+advice+".", "Check the eGFR value on "+c.p.Generic+": "+advice+"."),
				Evidence:   ev,
				Threshold:  number(top) + " mL/min/1.73 m²",
				Subject:    "eGFR reported only as " + quantityText(o.Quantity), // the card's summary
				Unverified: unverified || c.drug == Upadacitinib,
			}, true
		}
	}
	limit, limitText := c.reducedLimit()
	if c.drug == Abrocitinib {
		switch {
		case len(esrd) > 0 || ok && egfr < c.cfg.EGFRSevere || len(problem) > 0:
			return notRecommended(c.cfg.EGFRSevere)
		case ok && egfr < c.cfg.EGFRModerate || len(moderate) > 0:
			return Finding{
				Title:           "Moderate renal impairment (eGFR " + number(c.cfg.EGFRSevere) + "-" + number(c.cfg.EGFRModerate-1) + ")",
				Action:          "Reduce the abrocitinib dose with eGFR " + number(c.cfg.EGFRSevere) + "-" + number(c.cfg.EGFRModerate-1) + " mL/min/1.73 m²: label dose " + limitText + ".",
				Evidence:        ev,
				DoseLimitMg:     limit,
				DoseLimitReason: "eGFR " + number(c.cfg.EGFRSevere) + "-" + number(c.cfg.EGFRModerate-1) + ": " + number(limit) + " mg",
				Threshold:       number(c.cfg.EGFRModerate) + " mL/min/1.73 m²",
				Unverified:      unverified,
			}, true
		}
		return Finding{}, false
	}
	switch {
	case len(esrd) > 0 || ok && egfr < c.cfg.EGFRUpadacitinibMin:
		return notRecommended(c.cfg.EGFRUpadacitinibMin)
	case ok && egfr < c.cfg.EGFRSevere || len(problem) > 0:
		return Finding{
			Title:           "Severe renal impairment (eGFR " + number(c.cfg.EGFRUpadacitinibMin) + "-" + number(c.cfg.EGFRSevere-1) + ")",
			Action:          "Upadacitinib dose in severe renal impairment (eGFR " + number(c.cfg.EGFRUpadacitinibMin) + " to below " + number(c.cfg.EGFRSevere) + " mL/min/1.73 m²): 15 mg once daily.",
			Evidence:        ev,
			DoseLimitMg:     limit,
			DoseLimitReason: "severe renal impairment: 15 mg",
			Threshold:       number(c.cfg.EGFRSevere) + " mL/min/1.73 m²",
			Unverified:      true, // R12: the 15 mg renal dose is grade C
		}, true
	}
	return Finding{}, false
}

// renalAdvice is the drug's highest renal limit (abrocitinib 60,
// upadacitinib 30) and what the label says below it.
func (c *orderCtx) renalAdvice() (float64, string) {
	if c.drug == Abrocitinib {
		return c.cfg.EGFRModerate, "with eGFR " + number(c.cfg.EGFRSevere) + "-" + number(c.cfg.EGFRModerate-1) +
			" mL/min/1.73 m² the abrocitinib dose is 50 mg; below " + number(c.cfg.EGFRSevere) + " it is not recommended"
	}
	return c.cfg.EGFRSevere, "with eGFR " + number(c.cfg.EGFRUpadacitinibMin) + " to below " + number(c.cfg.EGFRSevere) +
		" mL/min/1.73 m² the upadacitinib dose is 15 mg; below " + number(c.cfg.EGFRUpadacitinibMin) + " it is not recommended"
}

// staleEGFRHorizon is how far back staleEGFR looks: ten years. An eGFR of
// 1995 says nothing of the kidneys a JAK inhibitor meets today, and every
// eGFR of a long record was decoded for it (the typical call's eleven
// results of 1991-1996).
const staleEGFRHorizon = 3650 * day

// staleEGFR is renal-impairment when no eGFR lies within EGFRWindow and no
// renal condition is on the problem list, but the last eGFR of any date
// was below the drug's highest renal limit (abrocitinib 60, upadacitinib
// 30): chronic kidney disease seldom recovers, so an old low eGFR is not
// left unsaid. A warning asking for the current eGFR, with no dose limit:
// the old value sets none.
func (c *orderCtx) staleEGFR() (Finding, bool) {
	o, v, ok := c.ix.latestValue(VSEGFR, c.windowFrom(staleEGFRHorizon), EGFR)
	limit, advice := c.renalAdvice()
	// A censored one is read as the recent ones are: "<45" may be under
	// 30, "<=30" is at most 30 (belowLimit, censoredAcross).
	if !ok || !belowLimit(o.Quantity, v, limit) && !censoredAcross(unitEGFR, o.Quantity, limit) {
		return Finding{}, false
	}
	w := durationText(c.cfg.EGFRWindow)
	return Finding{
		Title: "Last eGFR below " + number(limit) + " is over " + w + " old: check renal function",
		Action: c.onTx("Check the eGFR before starting "+c.p.Generic+": "+advice+".",
			"Check the eGFR on "+c.p.Generic+": "+advice+"."),
		Evidence: []Evidence{
			{Text: "eGFR " + quantityText(o.Quantity) + " on " + dateText(o.Date), Date: o.Date, ResourceID: o.ID},
			{Text: "No eGFR within " + w + "."},
		},
		Threshold:  number(limit) + " mL/min/1.73 m²",
		Subject:    "last eGFR below " + number(limit) + " mL/min/1.73 m², over " + w + " old", // the card's summary
		Unverified: c.k.Unverified(VSEGFR, o.Codes) || c.drug == Upadacitinib,                  // R12: the 15 mg renal dose is grade C
	}, true
}

// ---- Combinations and interactions (R2, R13, R14, C9-C13) ----

func (c *orderCtx) combinationJAK() (Finding, bool) {
	if c.comboReported {
		return Finding{}, false
	}
	ms, more := c.medsIn(VSOtherJAK)
	for _, d := range triggerDrugs {
		if d == c.drug {
			continue
		}
		ms = append(ms, filterMeds(c.ix.trigger[d], func(m *Medication) bool { return useOf(m) == useCurrent })...)
		op, _ := Profile(d)
		others, total := c.si.others(op.ValueSet, c.key, maxEvidence)
		ms = append(ms, others...)
		more += total - len(others)
	}
	if len(ms) == 0 {
		return Finding{}, false
	}
	return Finding{
		Title: "Another JAK inhibitor is active or ordered",
		Action: c.p.Name() + " is not recommended with other JAK inhibitors: " +
			c.onTx("stop one of them before starting.", "stop one of them."),
		Evidence:   withMore(medicationEvidence(ms, ""), more),
		Subject:    medicationName(ms[0]),
		Unverified: unverifiedMeds(c.k, VSOtherJAK, ms),
	}, true
}

func (c *orderCtx) combination(set, what string) (Finding, bool) {
	ms, more := c.medsIn(set)
	if len(ms) == 0 {
		return Finding{}, false
	}
	return Finding{
		Title:      "Combination with " + what,
		Action:     "Avoid combining " + c.p.Generic + " with " + what + ": not recommended by the label (limitation of use).",
		Evidence:   withMore(medicationEvidence(ms, ""), more),
		Subject:    medicationName(ms[0]),
		Unverified: unverifiedMeds(c.k, set, ms),
	}, true
}

func (c *orderCtx) combinationBiologic() (Finding, bool) {
	return c.combination(VSBiologics, "a biologic immunomodulator")
}

func (c *orderCtx) combinationImmunosuppressant() (Finding, bool) {
	return c.combination(VSImmunosuppressants, "a potent immunosuppressant")
}

// aspirinDose is the daily dose of an aspirin order. With no frequency
// stated anywhere (no timing, no frequency words), one administration of
// a known amount (a dose, or the strength of "aspirin 81 mg") is its daily
// dose: low-dose aspirin is a once-daily product and contract 6.5 counts
// aspirin as low-dose "when the dose is structured or written in the
// text". Any stated frequency is honoured; nothing else is guessed.
func (c *orderCtx) aspirinDose(m *Medication) (float64, string, bool) {
	if mg, how, ok := c.ix.dailyDose(*m); ok {
		return mg, how, true
	}
	d := m.Dose
	if sigTooLong(d.DosageText) {
		return 0, "dosage text too long to read", false
	}
	codeMg := c.ix.codeStrength(*m)
	// A frequency but no amount ("Aspirin EC 81 mg tablet", sig "once
	// daily", or timing 1/day with no dose quantity): one tablet of the
	// product's strength each time, as the order is read at the pharmacy.
	if d.DoseQuantity == nil && !dosageTextAmount(d.DosageText) {
		perDay, timingHow, ok := dosesPerDay(d)
		if !ok && noTimingGiven(d) {
			if f, phrase, found := dosageTextPerDay(d.DosageText); found {
				perDay, timingHow, ok = f, fmtAmount(f)+"/day (dosage text: "+phrase+")", true
			}
		}
		if s, from, sok := tabletStrength(*m, codeMg); ok && sok {
			return s * perDay, "1 tablet × " + fmtAmount(s) + " mg (" + from + ", no amount stated) × " + timingHow + " = " + fmtAmount(s*perDay) + " mg/day", true
		}
	}
	if !noTimingGiven(d) {
		return 0, "frequency not understood", false
	}
	if _, phrase, found := dosageTextPerDay(d.DosageText); found || phrase != "" {
		return 0, "frequency not understood", false
	}
	if per, how, ok := doseMgPerAdministration(*m, codeMg); ok {
		return per, how + ", no frequency stated (one daily dose)", true
	}
	if d.DoseQuantity == nil && strings.TrimSpace(d.DosageText) == "" {
		if s, from, ok := tabletStrength(*m, codeMg); ok {
			return s, fmtAmount(s) + " mg (" + from + "), no dose or frequency stated (one daily dose)", true
		}
	}
	return 0, "dose not stated", false
}

// dosageTextAmount reports whether a dosage text states an amount: mg
// (per dose or per day, or unreadable mg such as mg/kg) or a tablet count.
func dosageTextAmount(text string) bool {
	amounts, perDay, ok := mgAmounts(text)
	if !ok || len(amounts) > 0 || len(perDay) > 0 {
		return true
	}
	_, counted := tabletCount(text)
	return counted
}

func (c *orderCtx) antiplateletAbrocitinib() (Finding, bool) {
	seen := map[*Medication]bool{}
	var ev []Evidence
	unverified := false
	a, moreA := c.medsIn(VSAntiplatelets)
	b, moreB := c.medsIn(VSAspirin)
	var subject string
	for _, m := range append(a, b...) {
		if seen[m] {
			continue
		}
		seen[m] = true
		if !c.aspirinOnly(m) {
			ev = append(ev, medicationEvidence([]*Medication{m}, "antiplatelet")...)
			unverified = unverified || c.k.Unverified(VSAntiplatelets, m.Codes)
			subject = or(subject, medicationName(m))
			continue
		}
		mg, how, ok := c.aspirinDose(m)
		switch {
		case !ok:
			ev = append(ev, medicationEvidence([]*Medication{m}, "aspirin at an unknown daily dose ("+how+"); only up to "+number(c.cfg.AspirinMaxDailyMg)+" mg/day is allowed")...)
		case mg > c.cfg.AspirinMaxDailyMg:
			ev = append(ev, medicationEvidence([]*Medication{m}, "aspirin "+number(mg)+" mg/day ("+how+"), above "+number(c.cfg.AspirinMaxDailyMg)+" mg/day")...)
		default:
			continue
		}
		subject = or(subject, medicationName(m))
		unverified = true // the 81 mg limit is grade C
	}
	if len(ev) == 0 {
		return Finding{}, false
	}
	ev = withMore(ev, moreA+moreB)
	if c.cont {
		if days, ok := c.course.Days(c.now); ok {
			ev = append(ev, Evidence{Text: "Abrocitinib course day " + number(float64(days)) + " (started " + dateText(c.course.Start) +
				"): within the first " + durationText(c.cfg.AntiplateletFirst) + "."})
		} else {
			ev = append(ev, Evidence{Text: "The abrocitinib course start is unknown, so it may be within its first " + durationText(c.cfg.AntiplateletFirst) + "."})
		}
	} else {
		ev = append(ev, Evidence{Text: "Abrocitinib is being started: the first " + durationText(c.cfg.AntiplateletFirst) + " begin now."})
	}
	return Finding{
		Title: "Antiplatelet therapy in the first 3 months of abrocitinib",
		Action: "Abrocitinib is contraindicated with antiplatelet therapy (except aspirin up to " + number(c.cfg.AspirinMaxDailyMg) +
			" mg/day) during the first 3 months of treatment: " + c.onTx("do not start abrocitinib with it.", "stop one of them."),
		Evidence:   ev,
		Subject:    subject,
		Unverified: unverified,
	}, true
}

// aspirinOnly reports whether m is aspirin and no other antiplatelet: in
// the aspirin set, with no code and no word of its text that is an
// antiplatelet but not aspirin ("aspirin / dipyridamole" named only in
// text is a combination, not low-dose aspirin).
func (c *orderCtx) aspirinOnly(m *Medication) bool {
	if !medicationIn(c.k, VSAspirin, *m) {
		return false
	}
	for _, x := range m.Codes {
		one := []Coding{x}
		if c.k.Has(VSAntiplatelets, one) && !c.k.Has(VSAspirin, one) {
			return false
		}
	}
	if vs, ok := c.k.Set(VSAntiplatelets); ok {
		for _, t := range lowerTexts(*m) {
			for _, w := range vs.Text {
				if hasWord(t, w) && !c.k.HasText(VSAspirin, w) {
					return false
				}
			}
		}
	}
	return true
}

func (c *orderCtx) cypInteraction() (Finding, bool) {
	type group struct {
		set, what string
		reduce    bool // the label lowers the dose instead of avoiding the drug
		graded    bool // the rule itself is grade C
	}
	var groups []group
	if c.drug == Upadacitinib {
		groups = []group{
			{VSCYP3A4StrongInhibitors, "strong CYP3A4 inhibitor: upadacitinib 15 mg once daily at most", true, false},
			{VSCYP3A4StrongInducers, "strong CYP3A4 inducer: avoid (reduces upadacitinib exposure)", false, true},
		}
	} else {
		groups = []group{
			{VSCYP2C19StrongInhibitors, "strong CYP2C19 inhibitor: abrocitinib 50 mg once daily", true, false},
			{VSCYP2C19CYP2C9Inhibitors, "inhibitor of both CYP2C19 and CYP2C9: avoid", false, false},
			{VSCYP2C19CYP2C9Inducers, "CYP2C19 or CYP2C9 inducer: avoid", false, false},
		}
	}
	var f Finding
	var reduceNames, avoidNames []string
	named := map[string]bool{} // drug words said (a set: thousands of records stay linear)
	var reducers []*Medication
	more := 0
	for _, g := range groups {
		ms, n := c.medsIn(g.set)
		if len(ms) == 0 {
			continue
		}
		more += n
		f.Evidence = append(f.Evidence, medicationEvidence(ms, g.what)...)
		f.Unverified = f.Unverified || g.graded || unverifiedMeds(c.k, g.set, ms)
		for _, m := range ms {
			// One drug is named once in the action, however its records
			// name it (dupes: an SCD prescription, an SBD or ingredient on
			// the outside list, a name only).
			// A drug in an avoid set and a dose-limit set is said in both
			// sentences, as before.
			name, w := medicationName(m), c.drugWord(g.set, m)
			if g.reduce {
				reducers = append(reducers, m)
				w = "reduce\x00" + w
			}
			if named[w] {
				continue
			}
			named[w] = true
			if g.reduce {
				reduceNames = append(reduceNames, name)
			} else {
				avoidNames = append(avoidNames, name)
			}
		}
	}
	if len(f.Evidence) == 0 {
		return Finding{}, false
	}
	f.Evidence = withMore(f.Evidence, more)
	f.Title = "Interacting drug with " + c.p.Generic
	var actions []string
	if len(avoidNames) > 0 {
		actions = append(actions, "Avoid "+c.p.Generic+" with "+joinNames(avoidNames)+" ("+AvoidWord(c.drug)+").")
		f.Subject, f.Avoid = avoidNames[0], true
	}
	if len(reduceNames) > 0 {
		limit, limitText := c.reducedLimitSince(c.cypSince(reducers))
		what := "a strong CYP3A4 inhibitor"
		if c.drug == Abrocitinib {
			what = "a strong CYP2C19 inhibitor"
		}
		each := what
		if len(reduceNames) > 1 {
			// "With ketoconazole and clarithromycin (a strong CYP3A4
			// inhibitor)" read as if one of them were (noise13).
			each = strings.TrimPrefix(what, "a ") + "s"
		}
		actions = append(actions, "With "+joinNames(reduceNames)+" ("+each+") the label dose is "+limitText+".")
		f.DoseLimitMg, f.DoseLimitReason = limit, what+": "+number(limit)+" mg"
		f.Subject = or(f.Subject, reduceNames[0])
		if c.contraindicatedInhibitors(reducers) {
			// Ticlopidine: the inhibitor that sets 50 mg is an antiplatelet
			// the label contraindicates with abrocitinib now (combos
			// review). A dose for that pair would endorse it; the limit is
			// stated for if it is used at all.
			f.RuledOut, f.RuledOutBy = true, joinNames(reduceNames)
			actions = append(actions, "No dose is suggested: "+c.p.Generic+" is contraindicated with "+joinNames(reduceNames)+
				" (an antiplatelet) in the first "+durationText(c.cfg.AntiplateletFirst)+" of treatment.")
		}
	}
	f.Action = strings.Join(actions, " ")
	return f, true
}

// drugWord is the drug a medication of set is: the first of the set's drug
// words (clarithromycin, rifampin) its name, a coding's display or the
// set's display of one of its codes holds, else its lower-case name. Two
// records of one drug (an SCD prescription and an SBD or ingredient on the
// outside list, or a name only) have the same word; two drugs have two.
func (c *orderCtx) drugWord(set string, m *Medication) string {
	name := strings.ToLower(medicationName(m))
	vs, ok := c.k.Set(set)
	if !ok {
		return name
	}
	texts := []string{name, strings.ToLower(m.Text)}
	for _, x := range m.Codes {
		texts = append(texts, strings.ToLower(x.Display))
		if code := vs.lookup(x); code != nil {
			texts = append(texts, strings.ToLower(code.Display))
		}
	}
	for _, t := range texts {
		if w, ok := vs.matchLowerName(t); ok {
			return w
		}
	}
	return name
}

// contraindicatedInhibitors reports whether every strong CYP2C19 inhibitor
// that sets the abrocitinib dose is also an antiplatelet of the
// antiplatelet-abrocitinib finding of this order (ticlopidine in the first
// 3 months): the dose is then for a combination the label forbids.
func (c *orderCtx) contraindicatedInhibitors(reducers []*Medication) bool {
	if c.drug != Abrocitinib || !c.fired[AntiplateletAbrocitinib] || len(reducers) == 0 {
		return false
	}
	anti, _ := c.medsIn(VSAntiplatelets)
	for _, m := range reducers {
		if !slices.Contains(anti, m) || c.aspirinOnly(m) {
			return false
		}
	}
	return true
}

// pgpSubstrate: abrocitinib raises the exposure of P-gp substrates; where
// small concentration changes may lead to serious toxicity, monitor (C12).
func (c *orderCtx) pgpSubstrate() (Finding, bool) {
	ms, more := c.medsIn(VSPgpSubstratesNTI)
	if len(ms) == 0 {
		return Finding{}, false
	}
	return Finding{
		Title: "Narrow-therapeutic-index P-gp substrate with abrocitinib",
		Action: "Abrocitinib raises the levels of P-gp substrates: monitor " + medicationName(ms[0]) +
			" (levels, toxicity) and adjust its dose as its label says.",
		Evidence:   withMore(medicationEvidence(ms, "P-gp substrate with a narrow therapeutic index"), more),
		Subject:    medicationName(ms[0]),
		Unverified: unverifiedMeds(c.k, VSPgpSubstratesNTI, ms),
	}, true
}

// ---- CYP2C19 genotype (C9; sets VSCYP2C19Genotype, VSCYP2C19PoorMetabolizer) ----

// phenotype reads a metabolizer phenotype from an Observation's value (and
// its components' values): poor is true for a poor metabolizer; stated is
// true when the value states any metabolizer phenotype.
func (c *orderCtx) phenotype(o *Observation) (poor, stated bool) {
	values := []*Observation{o}
	for i := range o.Components {
		values = append(values, &o.Components[i])
	}
	for _, v := range values {
		if c.k.Has(VSCYP2C19PoorMetabolizer, v.ValueCodes) {
			return true, true
		}
		texts := []string{v.ValueText}
		for _, x := range v.ValueCodes {
			texts = append(texts, x.Display)
		}
		for _, t := range texts {
			if t == "" {
				continue
			}
			if notPoor.MatchString(strings.ToLower(t)) {
				stated = true // "not a poor metabolizer", "non-poor metabolizer"
				continue
			}
			if c.k.HasText(VSCYP2C19PoorMetabolizer, t) {
				return true, true
			}
			if lt := strings.ToLower(t); strings.Contains(lt, "metaboli") {
				stated = true
			}
		}
	}
	return false, stated
}

// notPoor finds a phenotype text that denies being a poor metabolizer.
var notPoor = regexp.MustCompile(`\b(not|non|no)[\s-]+(an?\s+)?poor\b`)

func (c *orderCtx) cyp2c19PoorMetabolizer() (Finding, bool) {
	for _, o := range c.ix.results(anyDay, VSCYP2C19Genotype) {
		poor, stated := c.phenotype(o)
		if !poor {
			if stated {
				return Finding{}, false // the newest phenotype is not poor
			}
			continue
		}
		limit, limitText := c.reducedLimit()
		name := o.Text
		if name == "" {
			name = codingsName(o.Codes)
		}
		return Finding{
			Title:           "CYP2C19 poor metabolizer",
			Action:          "CYP2C19 poor metabolizers have higher abrocitinib exposure: label dose " + limitText + ".",
			Evidence:        []Evidence{{Text: name + " on " + dateText(o.Date) + ": poor metabolizer.", Date: o.Date, ResourceID: o.ID}},
			DoseLimitMg:     limit,
			DoseLimitReason: "CYP2C19 poor metabolizer: " + number(limit) + " mg",
			Unverified:      c.k.Unverified(VSCYP2C19Genotype, o.Codes) || c.k.Unverified(VSCYP2C19PoorMetabolizer, o.ValueCodes),
		}, true
	}
	return Finding{}, false
}

// ---- Boxed-warning risk factors (R19, R20, C17; CVRiskAge) ----

// formerSmokerCodes are the answers and diagnoses that mean a former, not
// a current, smoker (knowledge base 2.7 and 3, grade A): they count for
// the smoker row but not as current smoking for cardiovascular risk.
var formerSmokerCodes = map[string]bool{
	SystemSNOMED + "|8517006":        true, // Former smoker
	SystemSNOMED + "|281018007":      true, // Ex-cigarette smoker
	SystemSNOMED + "|48031000119106": true, // Ex-smoker for more than 1 year
	SystemSNOMED + "|735128000":      true, // Ex-smoker for less than 1 year
	SystemSNOMED + "|702975009":      true, // Ex-tobacco user
	SystemICD10CM + "|Z87.891":       true, // Personal history of nicotine dependence
	// The other ex-smoker findings of the smoker sets (VSAC 'Tobacco Non
	// User', US Core): each says the patient smoked and stopped.
	SystemSNOMED + "|160620009":       true, // Ex-pipe smoker
	SystemSNOMED + "|160621008":       true, // Ex-cigar smoker
	SystemSNOMED + "|266921000":       true, // Ex-trivial cigarette smoker (<1/day)
	SystemSNOMED + "|266922007":       true, // Ex-light cigarette smoker (1-9/day)
	SystemSNOMED + "|266923002":       true, // Ex-moderate cigarette smoker (10-19/day)
	SystemSNOMED + "|266924008":       true, // Ex-heavy cigarette smoker (20-39/day)
	SystemSNOMED + "|266925009":       true, // Ex-very heavy cigarette smoker (40+/day)
	SystemSNOMED + "|266928006":       true, // Ex-cigarette smoker amount unknown
	SystemSNOMED + "|360890004":       true, // Intolerant ex-smoker
	SystemSNOMED + "|360900008":       true, // Aggressive ex-smoker
	SystemSNOMED + "|53896009":        true, // Tolerant ex-smoker
	SystemSNOMED + "|428081000124100": true, // Former heavy tobacco smoker
	SystemSNOMED + "|428091000124102": true, // Former light tobacco smoker
	// ICD-10-CM nicotine dependence "in remission" (F17.2x1): not smoking now.
	SystemICD10CM + "|F17.201": true, // Nicotine dependence, unspecified, in remission
	SystemICD10CM + "|F17.211": true, // Nicotine dependence, cigarettes, in remission
	SystemICD10CM + "|F17.291": true, // Nicotine dependence, other tobacco product, in remission
}

func isFormerSmoker(cs []Coding) bool {
	for _, x := range cs {
		if formerSmokerCodes[x.System+"|"+normCode(x.System, x.Code)] {
			return true
		}
	}
	return false
}

// smokingWords is a smoking status's answer in words: the value's text,
// else its codings' displays.
func smokingWords(o *Observation) string {
	ws := []string{o.ValueText}
	for _, c := range o.ValueCodes {
		ws = append(ws, c.Display)
	}
	return strings.TrimSpace(strings.Join(strings.Fields(strings.Join(ws, " ")), " "))
}

// smokingText reads a smoking status answered in words only ("Current
// every day smoker", "Former smoker", "Smokes 1 pack per day"): smokes
// when the words say the patient smokes or smoked, past when only in the
// past. Denials and unknowns ("Never smoker", "Non-smoker", "Unknown if
// ever smoked", "Smoker: no") and second-hand exposure are not a smoker.
func smokingText(o *Observation) (smokes, past bool) {
	t := strings.ToLower(smokingWords(o))
	for _, w := range []string{"never", "non-smoker", "nonsmoker", "non smoker", "not a smoker", "unknown", "denies", "no tobacco",
		"passive", "secondhand", "second-hand", "second hand", "exposure"} {
		if strings.Contains(t, w) {
			return false, false
		}
	}
	if hasWord(t, "no") || hasWord(t, "none") {
		return false, false
	}
	for _, w := range []string{"former", "ex-smoker", "ex smoker", "quit", "past smoker", "previous smoker"} {
		if strings.Contains(t, w) {
			return true, true
		}
	}
	for _, w := range []string{"smoker", "smokes", "smoking", "cigarette", "tobacco user"} {
		if strings.Contains(t, w) {
			return true, false
		}
	}
	return false, false
}

// smokingEvidence returns the smoking-status results and tobacco-use
// conditions that say current (or, with former, current or former) smoker,
// and whether one of them matched only through a code graded C or U.
func (c *orderCtx) smokingEvidence(former bool) (ev []Evidence, unverified bool) {
	obs := c.ix.results(anyDay, VSSmokingStatus)
	if !former && len(obs) > 0 {
		// Current smoking: the latest status only, and every status not
		// known to be older than it (the same instant, or the same day
		// written date-only): "Never smoker" and "Current every day
		// smoker" recorded together leave current smoking possible, and
		// the bundle's order must not decide.
		n := 1
		for n < len(obs) && sameTime(obs[n].Date, obs[0].Date) {
			n++
		}
		obs = obs[:n]
	}
	for _, o := range obs {
		smokes, past := c.k.Has(VSSmokerAnswers, o.ValueCodes), isFormerSmoker(o.ValueCodes)
		name := c.k.answerName(VSSmokerAnswers, o)
		if !smokes {
			// No answer code of the set: the answer's words, if they say so.
			if smokes, past = smokingText(o); smokes {
				name = "\"" + smokingWords(o) + "\" (read from the text)"
			}
		}
		if !smokes || !former && past {
			continue
		}
		ev = append(ev, Evidence{Text: "Smoking status " + name + " on " + dateText(o.Date), Date: o.Date, ResourceID: o.ID})
		unverified = c.k.Unverified(VSSmokingStatus, o.Codes) || c.k.Unverified(VSSmokerAnswers, o.ValueCodes)
		break // one result is enough
	}
	var cs []*Condition
	if former {
		cs = c.ix.historyConditions(VSSmokerCondition)
	} else {
		for _, x := range c.ix.activeConditions(VSSmokerCondition) {
			if !isFormerSmoker(x.Codes) {
				cs = append(cs, x)
			}
		}
	}
	return append(ev, conditionEvidence(cs, c.now)...), unverified || c.unverifiedConditions(VSSmokerCondition, cs)
}

func (c *orderCtx) cardiovascularRisk() (Finding, bool) {
	age, ok := c.ix.age()
	if !ok || age < c.cfg.CVRiskAge {
		return Finding{}, false
	}
	var ev []Evidence
	unverified := false
	for _, set := range []string{VSHypertension, VSDiabetes, VSHyperlipidemia, VSCoronaryDisease} {
		cs := c.ix.activeConditions(set)
		ev = append(ev, conditionEvidence(cs, c.now)...)
		unverified = unverified || c.unverifiedConditions(set, cs)
	}
	smoking, smokingUnverified := c.smokingEvidence(false)
	ev = append(ev, smoking...)
	unverified = unverified || smokingUnverified
	if len(ev) == 0 {
		return Finding{}, false
	}
	c.risks[CardiovascularRisk] = true
	ev = append([]Evidence{{Text: "Patient " + c.ix.ageText() + " with cardiovascular risk factors:"}}, ev...)
	return Finding{
		Title:      "Aged " + number(float64(c.cfg.CVRiskAge)) + " or over with cardiovascular risk factors",
		Action:     "Weigh the risk of major adverse cardiovascular events, thrombosis and malignancy before starting " + c.p.Generic + " (boxed warning).",
		Evidence:   ev,
		Unverified: unverified,
	}, true
}

// history fires on any condition of the sets, past or present (on a
// continuation: only those that began on or after the course start).
func (c *orderCtx) history(code, title, action string, sets ...string) (Finding, bool) {
	var ev []Evidence
	unverified := false
	for _, set := range sets {
		cs := c.newConditions(c.ix.historyConditions(set))
		ev = append(ev, conditionEvidence(cs, c.now)...)
		unverified = unverified || c.unverifiedConditions(set, cs)
	}
	if len(ev) == 0 {
		return Finding{}, false
	}
	c.risks[code] = true
	return Finding{Title: title, Action: action, Evidence: ev, Unverified: unverified}, true
}

// sinceStartText is since when the rule reads only what began on or after
// the course start (a continuation with a start date), else history: a
// course with no start date reads the whole record, which is not "since
// the course start".
func (c *orderCtx) sinceStartText(history, since string) string {
	if c.sinceKnownStart() {
		return since
	}
	return history
}

// sinceTx is the start wording, the on-treatment one for what began since
// a known course start, or the one for a continuation whose start is
// unknown (what is on record may be history).
func (c *orderCtx) sinceTx(start, since, unknown string) string {
	switch {
	case c.sinceKnownStart():
		return since
	case c.cont:
		return unknown
	}
	return start
}

// sinceKnownStart reports whether the newOnCourse rules read only what
// began on or after a known course start (a continuation with a start
// date); without one they read the whole record, history included.
func (c *orderCtx) sinceKnownStart() bool { return c.cont && c.newFrom != anyDay }

// maceHistory: a past MI or stroke weighs against a start; one since a
// known course start means discontinue, both labels (RINVOQ 5.4, verified
// in the AbbVie safety information; CIBINQO 5.4, the JAK class wording the
// knowledge base's C17 does not quote: marked unverified). Abrocitinib read
// "review treatment" until the committee2 review (cardcontent question 1).
func (c *orderCtx) maceHistory() (Finding, bool) {
	todo := "discontinue " + c.p.Generic + " (" + strings.ToUpper(c.p.Brand) + " PI 5.4)."
	f, ok := c.history(MACEHistory, c.sinceStartText("History of myocardial infarction or stroke", "Myocardial infarction or stroke since the course start"),
		c.sinceTx("Weigh the risk of major adverse cardiovascular events before starting "+c.p.Generic+" (boxed warning).",
			"Myocardial infarction or stroke during "+c.p.Generic+" treatment: "+todo,
			"Myocardial infarction or stroke on record; the "+c.p.Generic+" course start is unknown: if it occurred during treatment, "+todo),
		VSMyocardialInfarction, VSStroke)
	if ok && c.sinceKnownStart() {
		f.Discontinue = true
		f.Unverified = f.Unverified || c.drug == Abrocitinib
	}
	return f, ok
}

func (c *orderCtx) smoker() (Finding, bool) {
	ev, unverified := c.smokingEvidence(true)
	if len(ev) == 0 {
		return Finding{}, false
	}
	c.risks[Smoker] = true
	return Finding{
		Title:      "Current or former smoker",
		Action:     "Current and past smokers are at additional risk of malignancy, cardiovascular events and thrombosis on " + c.p.Generic + " (boxed warning).",
		Evidence:   ev,
		Unverified: unverified,
	}, true
}

// vteRisk: a past thrombosis or a thrombophilia weighs against a start
// ("avoid in patients at increased risk"); a thrombosis since a known course
// start means discontinue and evaluate promptly (RINVOQ 5.5: "Patients with
// symptoms of thrombosis should discontinue RINVOQ and be promptly
// evaluated", AbbVie safety information; CIBINQO 5.5 recalled, marked
// unverified). A thrombophilia found during treatment is a risk to review,
// not a thrombosis. Both read "evaluate promptly and review treatment"
// until the committee2 review (cardcontent question 2).
func (c *orderCtx) vteRisk() (Finding, bool) {
	clot := c.sinceKnownStart() && len(c.newConditions(c.ix.historyConditions(VSVTE))) > 0
	during := "Thrombophilia found during " + c.p.Generic + " treatment: review treatment (boxed warning: avoid in patients at increased risk of thrombosis)."
	if clot {
		// "since the course start", not "during treatment": on a restart
		// within 90 days of a course's end the clot may postdate it
		// (endedstop review).
		during = "Thrombosis since the " + c.p.Generic + " course start: discontinue " + c.p.Generic + " and evaluate promptly (" + strings.ToUpper(c.p.Brand) + " PI 5.5)."
	}
	f, ok := c.history(VTERisk, c.sinceStartText("History of venous thromboembolism or thrombophilia", "Venous thromboembolism or thrombophilia since the course start"),
		c.sinceTx("Avoid "+c.p.Generic+" in patients at increased risk of thrombosis, or weigh the risk (boxed warning).",
			during,
			"Thrombosis or thrombophilia on record; the "+c.p.Generic+" course start is unknown: if it occurred during treatment, evaluate promptly and review treatment (boxed warning)."),
		VSVTE, VSThrombophilia)
	if ok && clot {
		f.Discontinue = true
		f.Unverified = f.Unverified || c.drug == Abrocitinib
	}
	return f, ok
}

func (c *orderCtx) malignancy() (Finding, bool) {
	var cs []*Condition
	for _, x := range c.newConditions(c.ix.historyConditions(VSMalignancy)) {
		if !c.k.Has(VSNMSC, x.Codes) { // non-melanoma skin cancer is excepted
			cs = append(cs, x)
		}
	}
	if len(cs) == 0 {
		return Finding{}, false
	}
	c.risks[Malignancy] = true
	return Finding{
		Title: c.sinceStartText("Active or past malignancy", "Malignancy since the course start"),
		Action: c.sinceTx("Weigh the risk of malignancy before starting "+c.p.Generic+" (boxed warning).",
			"Malignancy diagnosed during "+c.p.Generic+" treatment: review treatment (boxed warning).",
			"Malignancy on record; the "+c.p.Generic+" course start is unknown: if diagnosed during treatment, review treatment (boxed warning)."),
		Evidence:   conditionEvidence(cs, c.now),
		Unverified: c.unverifiedConditions(VSMalignancy, cs),
	}, true
}

// riskRowNames words the boxed-warning rows for the lower-dose evidence.
var riskRowNames = map[string]string{
	CardiovascularRisk: "aged 50 or over with cardiovascular risk factors",
	MACEHistory:        "past myocardial infarction or stroke",
	Smoker:             "current or former smoker",
	VTERisk:            "past venous thromboembolism or thrombophilia",
	Malignancy:         "malignancy",
}

// lowerIfWord lower-cases a name that is a word ("Hemoglobin" in a list
// reads "hemoglobin") and leaves abbreviations ("ALC") as they are.
func lowerIfWord(s string) string {
	if s == strings.ToUpper(s) {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// allRisks runs the five risk rows on the whole record, whatever the phase,
// and records the rows found in c.risks (a dose increase on a continuation
// is a new dose decision: every risk factor counts again).
func (c *orderCtx) allRisks() {
	saved, savedFired := c.newFrom, c.fired
	c.newFrom, c.fired = anyDay, map[string]bool{}
	c.cardiovascularRisk()
	c.maceHistory()
	c.smoker()
	c.vteRisk()
	c.malignancy()
	c.newFrom, c.fired = saved, savedFired
}

// lowerDoseRecommended: upadacitinib 15 mg from age 65 (US label 2.5, R4);
// upadacitinib 15 mg or abrocitinib 100 mg with a boxed-warning risk
// factor (EU SmPC 4.2 and the EMA's 2023 review: not a US label
// requirement). On a continuation the risk factors count when the dose is
// being raised above the course's dose, or when they are new since the
// course start (the dose was chosen knowing the others).
func (c *orderCtx) lowerDoseRecommended() (Finding, bool) {
	if !c.doseOK {
		return c.lowerDoseUnknownDose()
	}
	// The session's orders of the drug together count (metarev: two 15 mg
	// upadacitinib orders from 65 are 30 mg/day).
	dose := max(c.dose, c.sessionMg)
	if dose <= c.p.LowerDailyMg {
		return Finding{}, false
	}
	if c.cont && c.course != nil && (!c.course.DoseKnown || dose > c.course.DailyMg) {
		c.allRisks()
	}
	var reasons []string
	for _, r := range riskRows {
		if c.risks[r] {
			reasons = append(reasons, riskRowNames[r])
		}
	}
	var ev []Evidence
	var cite Citation
	var also []Citation
	if age, ok := c.ix.age(); ok && c.drug == Upadacitinib && age >= c.cfg.UpadacitinibLowerDoseAge {
		ev = append(ev, Evidence{Text: "Patient " + c.ix.ageText() + ": the upadacitinib dose from age " +
			number(float64(c.cfg.UpadacitinibLowerDoseAge)) + " is 15 mg once daily (US label)."})
		cite = c.p.Cite(rvqDoseAD)
	}
	if len(reasons) > 0 {
		ev = append(ev, Evidence{Text: "Boxed-warning risk factors: " + joinNames(reasons) +
			"; the EU SmPC and the EMA recommend the lower dose for such patients (EU advice, not a US label requirement)."})
		if cite == (Citation{}) {
			cite = c.p.CiteSmPC("4.2")
		} else {
			also = append(also, c.p.CiteSmPC("4.2"))
		}
		also = append(also, citeEMAJAK)
	}
	if len(ev) == 0 {
		return Finding{}, false
	}
	ev = append(ev, c.orderedDoseEvidence()...)
	return Finding{
		Title:           "Lower dose recommended",
		Action:          "", // oneDose states the dose
		Evidence:        ev,
		DoseLimitMg:     c.p.LowerDailyMg,
		DoseLimitReason: joinNames(append(ageReason(c), reasons...)) + ": " + number(c.p.LowerDailyMg) + " mg",
		// For a summary with no room for every row's name (noise11).
		DoseLimitShort: shortLowerDoseReason(c, len(reasons) > 0),
		// The US-label reason, when there is one, for the card's summary:
		// without it the summary named only the boxed-warning rows (EU
		// advice) for a 70-year-old.
		Subject:  strings.Join(ageReason(c), ""),
		Citation: cite,
		Also:     also,
	}, true
}

// lowerDoseUnknownDose: an upadacitinib order for a patient of 65 or over
// whose daily dose could not be read (US label 2.5: 15 mg from 65). Without
// it nothing would say the age limit (the boxed-warning rows say the lower
// dose on their own cards when the dose is unknown); a renewal of a course
// whose dose is known to be within the limit is left alone.
func (c *orderCtx) lowerDoseUnknownDose() (Finding, bool) {
	reason := ageReason(c)
	if len(reason) == 0 || c.cont && c.course != nil && c.course.DoseKnown && c.course.DailyMg <= c.p.LowerDailyMg {
		return Finding{}, false
	}
	return Finding{
		Title: "Lower dose recommended",
		Evidence: append([]Evidence{{Text: "Patient " + c.ix.ageText() + ": the upadacitinib dose from age " +
			number(float64(c.cfg.UpadacitinibLowerDoseAge)) + " is 15 mg once daily (US label); check that the order is not above it."}},
			c.orderedDoseEvidence()...),
		DoseLimitMg:     c.p.LowerDailyMg,
		DoseLimitReason: reason[0] + ": " + number(c.p.LowerDailyMg) + " mg",
		Subject:         reason[0],
		Citation:        c.p.Cite(rvqDoseAD),
	}, true
}

// shortLowerDoseReason names the lower-dose limit briefly: the age limit
// and "boxed-warning risks" (as the lower-dose card's summary says them),
// for a summary with no room for each risk row's name (noise11 review).
func shortLowerDoseReason(c *orderCtx, risks bool) string {
	if !risks {
		return ""
	}
	return joinNames(append(ageReason(c), "boxed-warning risks"))
}

func ageReason(c *orderCtx) []string {
	if age, ok := c.ix.age(); ok && c.drug == Upadacitinib && age >= c.cfg.UpadacitinibLowerDoseAge {
		return []string{"aged " + number(float64(c.cfg.UpadacitinibLowerDoseAge)) + " or over"}
	}
	return nil
}

// orderedDoseEvidence states the ordered daily dose, or that it is unknown.
func (c *orderCtx) orderedDoseEvidence() []Evidence {
	if !c.doseOK {
		return []Evidence{{Text: "The ordered daily dose could not be determined" + c.doseNote() + "."}}
	}
	return []Evidence{{Text: "Ordered " + number(c.dose) + " mg/day" + c.doseNote() + "."}}
}

// ---- Dose and indication (R1, R3-R5, C1, C2, C18; MinAge, WeightRuleAge,
// MinWeightKg) ----

func (c *orderCtx) doseAboveLabel() (Finding, bool) {
	if !c.doseOK {
		return Finding{}, false
	}
	if c.dose <= c.p.MaxDailyMg {
		return c.sessionAboveLabel()
	}
	c.si.markAboveLabel(c.drug)
	return Finding{
		Title:           c.p.Generic + " above the atopic dermatitis maximum",
		Action:          "The ordered dose is above the atopic dermatitis maximum of " + number(c.p.MaxDailyMg) + " mg/day.",
		Evidence:        c.orderedDoseEvidence(),
		DoseLimitMg:     c.p.MaxDailyMg,
		DoseLimitReason: "atopic dermatitis maximum: " + number(c.p.MaxDailyMg) + " mg",
	}, true
}

// sessionDailyMg is the daily dose the session's orders of the drug give
// together: this order's and that of every other draft of the drug whose
// dose is known and that is taken beside it (SessionTaken: a cancelled,
// entered-in-error, stopped, completed or on-hold one aside; one whose
// validity period ends before this one's begins or begins after it ends,
// sessionApart; and a current order on record sent again with the
// session, as a record order is not added). It is 0 when this order's dose is unknown, or no
// other draft of the drug is counted. Dose limits are judged on it
// (metarev, docs/rules.md section 1 "Several orders of one drug in a
// session").
func (c *orderCtx) sessionDailyMg() float64 {
	if !c.doseOK || c.si == nil || !SessionTaken(&c.order) {
		return 0
	}
	sd := c.sessionDoses()
	// The other orders: every one but those of this order's identity (as
	// sessionIndex.others), less those taken before or after this one (a
	// taper: 30 mg for 4 weeks, then 15 mg). Past maxDatedSession dated
	// orders the rest count (fail safe).
	if sd.onRecord[c.order.ID] {
		return 0 // the current order on record, sent again: not added
	}
	n, total := sd.n-sd.nKey[c.key], c.dose+sd.total-sd.byKey[c.key]
	if hasPeriod(&c.order) {
		for _, d := range sd.dated {
			if d.key != c.key && sessionApart(&c.order, d.m) {
				n, total = n-1, total-d.mg
			}
		}
	}
	if n <= 0 {
		return 0
	}
	return total
}

// sentAgain reports whether a session order of the drug is its current
// order on record sent again with the session (sessionDailyMg).
func (c *orderCtx) sentAgain(m *Medication) bool {
	return m.ID != "" && c.si != nil && c.sessionDoses().onRecord[m.ID]
}

// takenBeside reports whether another session order of the drug is taken
// together with this one, its dose added to this one's: to be taken
// (SessionTaken), not one after the other (sessionApart), not the current
// order on record sent again (sentAgain).
func (c *orderCtx) takenBeside(m *Medication) bool {
	return SessionTaken(m) && !sessionApart(&c.order, m) && !c.sentAgain(m)
}

// sessionDoses is the drug's session orders summed (c.si set): built once
// per drug and call, for sessionDailyMg and sentAgain.
func (c *orderCtx) sessionDoses() *sessionDoses {
	if c.si.doses == nil {
		c.si.doses = map[Drug]*sessionDoses{}
	}
	sd := c.si.doses[c.drug]
	if sd == nil {
		// Once per drug and call: a session of thousands of orders is
		// summed once, not once per order.
		sd = &sessionDoses{byKey: map[string]float64{}, nKey: map[string]int{}, onRecord: map[string]bool{}}
		for _, m := range c.ix.trigger[c.drug] {
			if m.ID != "" && useOf(m) == useCurrent {
				sd.onRecord[m.ID] = true
			}
		}
		for _, sm := range c.si.meds {
			if sm.drug != c.drug || !SessionTaken(sm.m) || sd.onRecord[sm.m.ID] {
				continue
			}
			if mg, _, ok := c.ix.dailyDose(*sm.m); ok {
				sd.total += mg
				sd.n++
				sd.byKey[sm.key] += mg
				sd.nKey[sm.key]++
				if hasPeriod(sm.m) && len(sd.dated) < maxDatedSession {
					sd.dated = append(sd.dated, datedDose{m: sm.m, key: sm.key, mg: mg})
				}
			}
		}
		c.si.doses[c.drug] = sd
	}
	return sd
}

// sessionEvidence names the other orders of the drug in this session
// that sessionDailyMg counts beside this one: "Also ordered in this
// session: upadacitinib 15 MG ..., 15 mg/day (...)", at most maxEvidence.
// A card saying "keep one order" says which the others are.
func (c *orderCtx) sessionEvidence() []Evidence {
	var ev []Evidence
	more := 0
	for _, sm := range c.si.meds {
		if sm.drug != c.drug || sm.key == c.key || !c.takenBeside(sm.m) {
			continue
		}
		mg, how, ok := c.ix.dailyDose(*sm.m)
		if !ok {
			continue
		}
		if len(ev) == maxEvidence-1 {
			more++
			continue
		}
		ev = append(ev, Evidence{Text: "Also ordered in this session: " + medicationName(sm.m) + ", " + number(mg) + " mg/day (" + how + ").", ResourceID: sm.m.ID})
	}
	if more > 0 {
		ev = append(ev, Evidence{Text: "… and " + number(float64(more)) + " more orders in this session."})
	}
	return ev
}

// sessionAboveLabel: two or more orders of the drug in one session (two
// drafts, order-sign or order-select) whose daily doses together pass the
// atopic dermatitis maximum, though each is within it (15 mg and 30 mg of
// upadacitinib: 45 mg/day). No dose is suggested for this order: one of
// the orders is to go, not a strength to change.
func (c *orderCtx) sessionAboveLabel() (Finding, bool) {
	if c.si == nil || c.si.aboveLabel[c.drug] || !SessionTaken(&c.order) || c.sentAgain(&c.order) {
		return Finding{}, false
	}
	others, _ := c.si.others(c.p.ValueSet, c.key, -1)
	total := c.dose
	ev := c.orderedDoseEvidence()
	for _, m := range others {
		if !c.sameDrug(m) || !c.takenBeside(m) {
			continue
		}
		mg, how, ok := c.ix.dailyDose(*m)
		if !ok {
			continue // its own evaluation says its dose was not read
		}
		total += mg
		ev = append(ev, Evidence{Text: "Also ordered in this session: " + medicationName(m) + ", " + number(mg) + " mg/day (" + how + ").", ResourceID: m.ID})
	}
	if total <= c.p.MaxDailyMg {
		return Finding{}, false
	}
	c.si.markAboveLabel(c.drug)
	return Finding{
		Title: "Orders of this session together above the atopic dermatitis maximum",
		Action: "The " + c.p.Generic + " orders of this session add up to " + number(total) + " mg/day, above the atopic dermatitis maximum of " +
			number(c.p.MaxDailyMg) + " mg/day: keep one order.",
		Evidence: ev,
	}, true
}

// doseUnknown: the ordered daily dose could not be read (no dose, a unit
// or frequency not understood, amounts that disagree), so dose-above-label
// and the dose limits could not be checked; the order says so rather than
// passing silently. Info: nothing dangerous was found, a check did not run.
func (c *orderCtx) doseUnknown() (Finding, bool) {
	if c.doseOK {
		return Finding{}, false
	}
	return Finding{
		Title: "Dose not checked",
		Action: "The daily dose of " + c.p.Generic + " was not checked against the label: state the dose and frequency " +
			"(atopic dermatitis: " + number(c.p.LowerDailyMg) + " or " + number(c.p.MaxDailyMg) + " mg once daily, whole tablets).",
		Evidence: c.orderedDoseEvidence(),
	}, true
}

// weightBelowLabel: RINVOQ for atopic dermatitis in pediatric patients 12
// and older weighing at least 40 kg (RINVOQ PI 2.5; contract 6.4). The
// latest body weight counts at any date; one over a year old says so.
func (c *orderCtx) weightBelowLabel() (Finding, bool) {
	young, _, known := c.ix.ageRange()
	if known && young >= c.cfg.WeightRuleAge {
		return Finding{}, false
	}
	o, kg, ok := c.ix.latestValue(VSBodyWeight, anyDay, WeightKg)
	if !ok || kg >= c.cfg.MinWeightKg {
		return Finding{}, false
	}
	who := "Patient " + c.ix.ageText() + "."
	if !known {
		// Fail safe, as for the other age rules: a patient of unknown age
		// under the weight limit may be a child.
		who = "Age unknown: the patient may be under " + number(float64(c.cfg.WeightRuleAge)) + "."
	}
	// The kg in brackets is the conversion: said only when the weight came
	// in another unit (a Synthea weight of 38.448890383829216 kg read
	// "38.45 kg on ... (38.45 kg)"), as for the blood counts.
	weight := quantityText(o.Quantity) + " on " + dateText(o.Date)
	if inKg := number(kg) + " kg"; inKg != quantityText(o.Quantity) {
		weight += " (" + inKg + ")"
	}
	ev := []Evidence{{Text: who},
		{Text: "Body weight " + weight + ", below " + number(c.cfg.MinWeightKg) + " kg.", Date: o.Date, ResourceID: o.ID}}
	if daysBetween(o.Date, c.now) > windowDays(year) {
		ev = append(ev, Evidence{Text: "That weight is over a year old: confirm the current weight."})
	}
	return Finding{
		Title:     "Under " + number(float64(c.cfg.WeightRuleAge)) + " and under " + number(c.cfg.MinWeightKg) + " kg",
		Action:    "Upadacitinib for atopic dermatitis is labelled for patients 12 to 17 years old weighing at least " + number(c.cfg.MinWeightKg) + " kg; below that its use is not established: reconsider the order.",
		Evidence:  ev,
		Threshold: number(c.cfg.MinWeightKg) + " kg",
	}, true
}

func (c *orderCtx) ageNotApproved() (Finding, bool) {
	young, old, ok := c.ix.ageRange()
	if !ok || young >= c.cfg.MinAge {
		return Finding{}, false
	}
	title := "Patient younger than " + number(float64(c.cfg.MinAge))
	action := c.p.Name() + " is approved for atopic dermatitis from age " + number(float64(c.cfg.MinAge)) + "."
	subject := ""
	if old >= c.cfg.MinAge {
		// A partial birth date that allows both: the child may be under
		// the approved age; the full date settles it.
		title = "Patient may be younger than " + number(float64(c.cfg.MinAge))
		action += " Check the full birth date before ordering."
		if !c.ix.rec.Patient.BirthDateLast.IsZero() {
			action = strings.Replace(action, "the full birth date", "the birth date", 1)
		}
		subject = "may be under " + number(float64(c.cfg.MinAge))
	}
	return Finding{
		Title:    title,
		Action:   action,
		Subject:  subject,
		Evidence: []Evidence{{Text: "Patient " + c.ix.ageText() + "."}},
	}, true
}

func (c *orderCtx) noPriorSystemicTherapy() (Finding, bool) {
	taken := func(m *Medication) bool {
		// A statement the patient only intends to take is not an
		// earlier therapy.
		return useOf(m) != useNever && (m.ResourceType != "MedicationStatement" || m.Status != "intended")
	}
	for _, m := range c.ix.historyMeds(VSPriorSystemicADTherapy) {
		if taken(m) {
			return Finding{}, false
		}
	}
	// An earlier upadacitinib or abrocitinib course is systemic therapy
	// too (noise8 review): abrocitinib ordered again after a switch to
	// upadacitinib (a switch back is an initiation) was "no earlier
	// systemic therapy" for a patient on JAK inhibitors for months.
	for _, d := range triggerDrugs {
		for _, m := range c.ix.trigger[d] {
			if taken(m) {
				return Finding{}, false
			}
		}
	}
	return Finding{
		Title: "No earlier systemic atopic dermatitis therapy on record",
		Action: c.p.Name() + " is labelled for disease not adequately controlled with other systemic drugs, including biologics, " +
			"or when those are inadvisable: document the earlier therapy or the reason.",
		Evidence: []Evidence{{Text: "No dupilumab, tralokinumab, lebrikizumab, nemolizumab, cyclosporine, methotrexate, azathioprine, mycophenolate or earlier upadacitinib or abrocitinib on record."}},
		// Not unverified: the finding says that nothing on record matched
		// the set, so no unverified (grade C/U) code of the set bears on
		// it; a banner saying otherwise on every such card would be noise.
	}, true
}

// or is s, or def when s is empty.
func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]|0x20) + s[1:]
}
