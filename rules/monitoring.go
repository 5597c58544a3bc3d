package rules

import "time"

// therapy is a patient's active upadacitinib or abrocitinib.
type therapy struct {
	drug  Drug
	order *Medication // the active order the dates come from
	start time.Time   // zero when no active order is dated
	from  string      // where start came from, for the evidence
}

// activeTherapies finds the active trigger-drug MedicationRequests, one
// therapy per drug. The start is the earliest start of the drug's active
// orders: an order's authoredOn, else its dispenseRequest.validityPeriod.start.
func activeTherapies(ix *index) []therapy {
	var out []therapy
	for _, d := range triggerDrugs {
		var t *therapy
		for _, m := range ix.trigger[d] {
			if m.ResourceType != "" && m.ResourceType != "MedicationRequest" || m.Status != "active" ||
				m.Intent == "proposal" || m.Intent == "plan" || m.Intent == "option" {
				continue
			}
			start, from := m.Authored, "authoredOn"
			if start.IsZero() {
				start, from = m.ValidityStart, "dispenseRequest.validityPeriod.start"
			}
			if start.IsZero() {
				if t == nil {
					t = &therapy{drug: d, order: m}
				}
				continue
			}
			if t == nil || t.start.IsZero() || start.Before(t.start) {
				t = &therapy{drug: d, order: m, start: start, from: from + " of " + orderRef(m)}
			}
		}
		if t != nil {
			out = append(out, *t)
		}
	}
	return out
}

func orderRef(m *Medication) string {
	if m.ID != "" {
		return m.ID
	}
	return "the active " + medicationName(m) + " order"
}

// pvRule is one patient-view rule (contract section 5, second table).
type pvRule struct {
	code     string
	level    Level
	category Category
	drug     Drug // "" for both
	needs    []string
	section  string
	check    func(c *orderCtx, t therapy) (Finding, bool)
}

// pvRules lists the on-treatment rules. Monitoring intervals come from
// Config (AbrocitinibMonitoring 4 weeks, C6; UpadacitinibLipidMonitoring
// 12 weeks, R9; UpadacitinibRoutineMonitoring, R9 "routine patient
// management"); thresholds are those of the order rules, with platelets
// at PlateletsMinOnTreatment (C5); interrupt per R8 and C5.
var pvRules = []pvRule{
	{MonitoringCBCDue, Warning, CategoryMonitoring, "", needObs, secWarnings, (*orderCtx).monitoringCBCDue},
	{MonitoringLiverDue, Warning, CategoryMonitoring, "", needObs, secWarnings, (*orderCtx).monitoringLiverDue},
	{MonitoringLipidsDue, Warning, CategoryMonitoring, "", needObs, secWarnings, (*orderCtx).monitoringLipidsDue},
	{Lymphopenia, Critical, CategoryLabSafety, "", needObs, secDosage, (*orderCtx).onTreatmentLymphopenia},
	{Neutropenia, Critical, CategoryLabSafety, "", needObs, secDosage, (*orderCtx).onTreatmentNeutropenia},
	{Anemia, Critical, CategoryLabSafety, "", needObs, secDosage, (*orderCtx).onTreatmentAnemia},
	{Thrombocytopenia, Critical, CategoryLabSafety, Abrocitinib, needObs, secDosage, (*orderCtx).onTreatmentThrombocytopenia},
	{SeriousInfectionActive, Critical, CategoryContraindication, "", needCond, secWarnings, (*orderCtx).onTreatmentInfection},
	{Pregnancy, Critical, CategoryContraindication, "", []string{DataConditions, DataObservations}, secPopulations, (*orderCtx).onTreatmentPregnancy},
	{CombinationJAK, Critical, CategoryContraindication, "", needMeds, secIndication, onTreatment((*orderCtx).combinationJAK)},
	{CombinationBiologic, Warning, CategoryInteraction, "", needMeds, secIndication, onTreatment((*orderCtx).combinationBiologic)},
	{CombinationImmunosuppressant, Warning, CategoryInteraction, "", needMeds, secIndication, onTreatment((*orderCtx).combinationImmunosuppressant)},
}

// onTreatment adapts an order rule that reads only the record.
func onTreatment(check func(*orderCtx) (Finding, bool)) func(*orderCtx, therapy) (Finding, bool) {
	return func(c *orderCtx, _ therapy) (Finding, bool) { return check(c) }
}

// evaluateTherapy runs the patient-view rules for one active therapy.
func (e *Engine) evaluateTherapy(ix *index, t therapy) []Finding {
	p, _ := Profile(t.drug)
	c := &orderCtx{cfg: e.cfg, k: e.k, ix: ix, order: *t.order, drug: t.drug, p: p, now: ix.now, fired: map[string]bool{}}
	c.dose, c.doseHow, c.doseOK = DailyDose(*t.order)
	var out []Finding
	for _, r := range pvRules {
		if r.drug != "" && r.drug != t.drug {
			continue
		}
		f, ok := r.check(c, t)
		if !ok {
			continue
		}
		f.Code, f.Category, f.Drug, f.OrderID = r.code, r.category, t.drug, t.order.ID
		if f.Level == "" {
			f.Level = r.level
		}
		if f.Citation == (Citation{}) {
			f.Citation = p.Cite(r.section)
		}
		f.Unchecked = ix.unchecked(r.needs)
		f.Evidence = capEvidence(f.Evidence)
		c.fired[r.code] = true
		out = append(out, f)
	}
	return out
}

// startEvidence says when the therapy started and where the date comes from.
func (c *orderCtx) startEvidence(t therapy) Evidence {
	if t.start.IsZero() {
		return Evidence{Text: c.p.Generic + " is active (" + orderRef(t.order) + ") but no active order gives a start date.", ResourceID: t.order.ID}
	}
	return Evidence{Text: c.p.Name() + " started on " + dateText(t.start) + " (" + t.from + ").", Date: t.start, ResourceID: t.order.ID}
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

// due fires when the therapy is at least the interval old and no result of
// the sets is dated after the start (periodic: within the last interval).
// A result dated on the start day itself is the baseline and does not count.
func (c *orderCtx) due(t therapy, m monitoring) (Finding, bool) {
	if t.start.IsZero() || c.now.Sub(t.start) < m.interval {
		return Finding{}, false
	}
	var last *Observation
	for _, o := range c.ix.results(t.start, m.sets...) {
		if o.Date.After(t.start) && !sameDay(o.Date, t.start) {
			last = o
			break
		}
	}
	dueFrom := t.start
	ev := []Evidence{c.startEvidence(t)}
	switch {
	case last != nil && !m.periodic:
		return Finding{}, false
	case last != nil:
		if c.now.Sub(last.Date) < m.interval {
			return Finding{}, false
		}
		dueFrom = last.Date
		ev = append(ev, Evidence{Text: "Last " + m.what + " on " + dateText(last.Date) + ", more than " + durationText(m.interval) + " ago.",
			Date: last.Date, ResourceID: last.ID})
	default:
		ev = append(ev, Evidence{Text: "No " + m.what + " since the start."})
	}
	overdue := int(c.now.Sub(dueFrom.Add(m.interval)) / day)
	return Finding{
		Title:       m.what + " due",
		Action:      "Order " + m.what + " (due " + durationText(m.interval) + " after starting " + c.p.Generic + ").",
		Evidence:    ev,
		Tests:       withReason(m.what+" due "+durationText(m.interval)+" after starting "+c.p.Generic, m.tests...),
		DaysOverdue: overdue,
	}, true
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

// cbcSets are the results that count as a CBC: the panel or any of its counts.
var cbcSets = []string{VSCBCPanel, VSLymphocytes, VSNeutrophils, VSHemoglobin, VSPlatelets}

func (c *orderCtx) monitoringCBCDue(t therapy) (Finding, bool) {
	m := monitoring{what: "CBC", sets: cbcSets, tests: []Test{testCBC}}
	if t.drug == Abrocitinib {
		m.interval = c.cfg.AbrocitinibMonitoring
	} else {
		m.interval, m.periodic = c.cfg.UpadacitinibRoutineMonitoring, true
	}
	return c.due(t, m)
}

func (c *orderCtx) monitoringLiverDue(t therapy) (Finding, bool) {
	m := monitoring{what: "ALT/AST", sets: []string{VSALT, VSAST}, tests: []Test{testALT, testAST}}
	if t.drug == Abrocitinib {
		m.interval = c.cfg.AbrocitinibMonitoring
	} else {
		m.interval, m.periodic = c.cfg.UpadacitinibRoutineMonitoring, true
	}
	return c.due(t, m)
}

func (c *orderCtx) monitoringLipidsDue(t therapy) (Finding, bool) {
	m := monitoring{what: "Lipid panel", sets: []string{VSLipids}, tests: []Test{testLipids}, interval: c.cfg.UpadacitinibLipidMonitoring}
	if t.drug == Abrocitinib {
		m.interval = c.cfg.AbrocitinibMonitoring
	}
	return c.due(t, m)
}

// onTreatmentLow fires when the latest value since the start (the start
// day included; without a start date, within CBCWindow) is below min.
func (c *orderCtx) onTreatmentLow(t therapy, n count, min float64, action string) (Finding, bool) {
	since := t.start
	if since.IsZero() {
		since = c.since(c.cfg.CBCWindow)
	}
	since = time.Date(since.Year(), since.Month(), since.Day(), 0, 0, 0, 0, since.Location())
	o, v, ok := c.ix.latestValue(n.set, since, n.conv)
	if !ok || v >= min {
		return Finding{}, false
	}
	return Finding{
		Title:     n.name + " below " + number(min) + " " + n.unit + " on " + c.p.Generic,
		Action:    action,
		Evidence:  []Evidence{valueEvidence(n, o, v, min), c.startEvidence(t)},
		Threshold: thresholdText(min, n.unit),
	}, true
}

func (c *orderCtx) onTreatmentLymphopenia(t therapy) (Finding, bool) {
	return c.onTreatmentLow(t, countALC, c.cfg.ALCMin, "Interrupt "+c.p.Generic+"; restart when the ALC is back above "+number(c.cfg.ALCMin)+" cells/mm³.")
}

func (c *orderCtx) onTreatmentNeutropenia(t therapy) (Finding, bool) {
	return c.onTreatmentLow(t, countANC, c.cfg.ANCMin, "Interrupt "+c.p.Generic+"; restart when the ANC is back above "+number(c.cfg.ANCMin)+" cells/mm³.")
}

func (c *orderCtx) onTreatmentAnemia(t therapy) (Finding, bool) {
	return c.onTreatmentLow(t, countHb, c.cfg.HemoglobinMin, "Interrupt "+c.p.Generic+"; restart when hemoglobin is back above "+number(c.cfg.HemoglobinMin)+" g/dL.")
}

func (c *orderCtx) onTreatmentThrombocytopenia(t therapy) (Finding, bool) {
	return c.onTreatmentLow(t, countPlatelets, c.cfg.PlateletsMinOnTreatment,
		"Discontinue abrocitinib and follow the CBC until platelets are above 100,000/mm³.")
}

func (c *orderCtx) onTreatmentInfection(therapy) (Finding, bool) {
	f, ok := c.seriousInfectionActive()
	f.Action = "Interrupt " + c.p.Generic + " until the infection is controlled."
	return f, ok
}

func (c *orderCtx) onTreatmentPregnancy(therapy) (Finding, bool) {
	f, ok := c.pregnancy()
	f.Action = "Pregnancy on " + c.p.Generic + ": review treatment with the patient."
	return f, ok
}
