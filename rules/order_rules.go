package rules

import (
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
	testHCGSerum = Test{Name: "Pregnancy test (serum hCG)",
		Code: Coding{System: SystemLOINC, Code: "2118-8", Display: "Choriogonadotropin (pregnancy test) [Presence] in Serum or Plasma"}}
	testZoster = Test{Name: "Recombinant zoster vaccine (Shingrix)",
		Code: Coding{System: SystemCVX, Code: "187", Display: "zoster vaccine recombinant"}}
)

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

// ---- Tuberculosis (R6, C3; window TBWindow; sets VSTBTest, VSActiveTB,
// VSLatentTB, VSTBTreatment) ----

func (c *orderCtx) tbScreeningMissing() (Finding, bool) {
	since := c.since(c.cfg.TBWindow)
	o, _, unread := c.ix.latestRead(VSTBTest, since, c.ix.read)
	if o != nil {
		return Finding{}, false
	}
	w := durationText(c.cfg.TBWindow)
	f := Finding{
		Title:  "No tuberculosis screening result within " + w,
		Action: "Test for latent and active tuberculosis (IGRA or TST) before starting " + c.p.Generic + ".",
		Tests:  withReason("no readable IGRA or TST result within "+w, testIGRA),
	}
	f.Evidence = unreadEvidence("TB test", unread, c.ix.read)
	if len(unread) == 0 {
		f.Evidence = append(f.Evidence, Evidence{Text: "No IGRA or TST result since " + dateText(since) + "."})
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
		Title:      "Active tuberculosis",
		Action:     "Do not start " + c.p.Generic + " in a patient with active tuberculosis.",
		Evidence:   conditionEvidence(cs),
		Unverified: c.unverifiedConditions(VSActiveTB, cs),
	}, true
}

// tbTreated lists TB treatment on record that counts: active, on hold or
// completed (a stopped course does not count).
func (c *orderCtx) tbTreated() []*Medication {
	return filterMeds(c.ix.meds[VSTBTreatment], map[string]bool{"active": true, "on-hold": true, "completed": true})
}

func (c *orderCtx) tbLatentUntreated() (Finding, bool) {
	var ev []Evidence
	unverified := false
	for _, o := range c.ix.results(time.Time{}, VSTBTest) {
		if c.ix.read(o) == resultPositive {
			ev = append(ev, resultEvidence("TB test", o, resultPositive))
			unverified = c.k.Unverified(VSTBTest, o.Codes) // e.g. TST 39263-9 is grade C
			break                                          // the newest positive test is enough
		}
	}
	cs := c.ix.activeConditions(VSLatentTB)
	ev = append(ev, conditionEvidence(cs)...)
	if len(ev) == 0 || len(c.tbTreated()) > 0 {
		return Finding{}, false
	}
	ev = append(ev, Evidence{Text: "No tuberculosis treatment on record."})
	return Finding{
		Title:      "Latent tuberculosis without treatment on record",
		Action:     "Start treatment for latent tuberculosis before starting " + c.p.Generic + ".",
		Evidence:   ev,
		Unverified: unverified || c.unverifiedConditions(VSLatentTB, cs),
	}, true
}

// ---- Hepatitis B and C (R6, C3; windows HBVWindow, HCVWindow) ----

func (c *orderCtx) hbvScreeningMissing() (Finding, bool) {
	since := c.since(c.cfg.HBVWindow)
	o, _, unread := c.ix.latestRead(VSHBsAg, since, c.ix.read)
	if o != nil {
		return Finding{}, false
	}
	w := durationText(c.cfg.HBVWindow)
	f := Finding{
		Title:  "No hepatitis B surface antigen result within " + w,
		Action: "Screen for hepatitis B (HBsAg and total anti-HBc) before starting " + c.p.Generic + ".",
		Tests:  withReason("no HBsAg result within "+w, testHBsAg, testHBcAb),
	}
	f.Evidence = unreadEvidence("HBsAg", unread, c.ix.read)
	if len(unread) == 0 {
		f.Evidence = append(f.Evidence, Evidence{Text: "No HBsAg result since " + dateText(since) + "."})
	}
	if c.ordering(VSHBsAg) {
		f.Evidence = append(f.Evidence, Evidence{Text: "HBsAg is being ordered in this session."})
	}
	return f, true
}

func (c *orderCtx) hbvActive() (Finding, bool) {
	var ev []Evidence
	unverified := false
	if o, r, _ := c.ix.latestRead(VSHBsAg, time.Time{}, c.ix.read); r == resultPositive {
		ev = append(ev, resultEvidence("HBsAg", o, r))
		unverified = c.k.Unverified(VSHBsAg, o.Codes)
	}
	if o, r, _ := c.ix.latestRead(VSHBVDNA, time.Time{}, c.ix.readViral); r == resultPositive {
		unverified = unverified || c.k.Unverified(VSHBVDNA, o.Codes) // 29610-3 is grade C
		e := resultEvidence("HBV DNA", o, r)
		e.Text = "HBV DNA detected on " + dateText(o.Date)
		if o.Quantity != nil && o.Quantity.Unit != "" {
			e.Text += " (" + quantityText(o.Quantity) + ")"
		}
		ev = append(ev, e)
	}
	cs := c.ix.activeConditions(VSChronicHBV)
	ev = append(ev, conditionEvidence(cs)...)
	if len(ev) == 0 {
		return Finding{}, false
	}
	return Finding{
		Title:      "Active hepatitis B",
		Action:     c.p.Name() + " is not recommended with active hepatitis B; refer for hepatitis B management.",
		Evidence:   ev,
		Unverified: unverified || c.unverifiedConditions(VSChronicHBV, cs),
	}, true
}

func (c *orderCtx) hbvCoreAntibodyPositive() (Finding, bool) {
	if c.fired[HBVActive] {
		return Finding{}, false
	}
	core, r, _ := c.ix.latestRead(VSHBcAb, time.Time{}, c.ix.read)
	if r != resultPositive {
		return Finding{}, false
	}
	ev := []Evidence{resultEvidence("Total anti-HBc", core, r)}
	if s, sr, _ := c.ix.latestRead(VSHBsAg, time.Time{}, c.ix.read); s != nil {
		ev = append(ev, resultEvidence("HBsAg", s, sr))
	} else {
		ev = append(ev, Evidence{Text: "No readable HBsAg result on record."})
	}
	return Finding{
		Title:    "Hepatitis B core antibody positive: risk of hepatitis B reactivation",
		Action:   "Check HBV DNA before starting " + c.p.Generic + " and monitor for reactivation; consider hepatology advice.",
		Evidence: ev,
		Tests:    withReason("anti-HBc positive (past hepatitis B infection)", testHBVDNA),
	}, true
}

func (c *orderCtx) hcvScreeningMissing() (Finding, bool) {
	since := c.since(c.cfg.HCVWindow)
	ab, _, unreadAb := c.ix.latestRead(VSHCVAb, since, c.ix.read)
	rna, _, unreadRNA := c.ix.latestRead(VSHCVRNA, since, c.ix.readViral)
	if ab != nil || rna != nil {
		return Finding{}, false
	}
	w := durationText(c.cfg.HCVWindow)
	f := Finding{
		Title:  "No hepatitis C result within " + w,
		Action: "Screen for hepatitis C (HCV antibody) before starting " + c.p.Generic + ".",
		Tests:  withReason("no HCV antibody or HCV RNA result within "+w, testHCVAb),
	}
	f.Evidence = append(unreadEvidence("HCV antibody", unreadAb, c.ix.read), unreadEvidence("HCV RNA", unreadRNA, c.ix.readViral)...)
	if len(f.Evidence) == 0 {
		f.Evidence = append(f.Evidence, Evidence{Text: "No HCV antibody or HCV RNA result since " + dateText(since) + "."})
	}
	if c.ordering(VSHCVAb, VSHCVRNA) {
		f.Evidence = append(f.Evidence, Evidence{Text: "A hepatitis C test is being ordered in this session."})
	}
	return f, true
}

func (c *orderCtx) hcvActive() (Finding, bool) {
	var ev []Evidence
	if o, r, _ := c.ix.latestRead(VSHCVRNA, time.Time{}, c.ix.readViral); r == resultPositive {
		ev = append(ev, Evidence{Text: "HCV RNA detected on " + dateText(o.Date), Date: o.Date, ResourceID: o.ID})
	}
	cs := c.ix.activeConditions(VSHCV)
	ev = append(ev, conditionEvidence(cs)...)
	if len(ev) == 0 {
		return Finding{}, false
	}
	return Finding{
		Title:      "Active hepatitis C",
		Action:     c.p.Name() + " is not recommended with active hepatitis C; refer for hepatitis C treatment.",
		Evidence:   ev,
		Unverified: c.unverifiedConditions(VSHCV, cs),
	}, true
}

func (c *orderCtx) hcvAntibodyPositive() (Finding, bool) {
	if c.fired[HCVActive] {
		return Finding{}, false
	}
	ab, r, _ := c.ix.latestRead(VSHCVAb, time.Time{}, c.ix.read)
	if r != resultPositive {
		return Finding{}, false
	}
	// An RNA result from the antibody's day on settles it: a reflex RNA on
	// the same specimen is often dated by day only (read as midnight UTC),
	// before the antibody's time of day.
	y, m, d := ab.Date.Date()
	abDay := time.Date(y, m, d, 0, 0, 0, 0, ab.Date.Location())
	if utcDay := time.Date(y, m, d, 0, 0, 0, 0, time.UTC); utcDay.Before(abDay) {
		abDay = utcDay
	}
	if rna, _, _ := c.ix.latestRead(VSHCVRNA, abDay, c.ix.readViral); rna != nil {
		return Finding{}, false
	}
	return Finding{
		Title:  "Hepatitis C antibody positive without an HCV RNA result",
		Action: "Test HCV RNA to rule out active hepatitis C before starting " + c.p.Generic + ".",
		Evidence: []Evidence{resultEvidence("HCV antibody", ab, r),
			{Text: "No HCV RNA result since " + dateText(ab.Date) + "."}},
		Tests: withReason("HCV antibody positive", testHCVRNA),
	}, true
}

// ---- Blood counts (R7, C4; window CBCWindow; ALCMin, ANCMin,
// HemoglobinMin, PlateletsMinStart) ----

// count is one blood count the rules read.
type count struct {
	name  string // "Absolute lymphocyte count"
	short string // "ALC"
	set   string
	conv  func(*Quantity) (float64, bool)
	unit  string // canonical unit for the text
}

var (
	countALC       = count{"Absolute lymphocyte count", "ALC", VSLymphocytes, CellsPerMM3, "cells/mm³"}
	countANC       = count{"Absolute neutrophil count", "ANC", VSNeutrophils, CellsPerMM3, "cells/mm³"}
	countHb        = count{"Hemoglobin", "Hemoglobin", VSHemoglobin, HemoglobinGdL, "g/dL"}
	countPlatelets = count{"Platelet count", "Platelets", VSPlatelets, CellsPerMM3, "/mm³"}
)

// cbcCounts lists the counts the drug needs before starting.
func (c *orderCtx) cbcCounts() []count {
	if c.drug == Abrocitinib {
		return []count{countALC, countANC, countHb, countPlatelets}
	}
	return []count{countALC, countANC, countHb}
}

func (c *orderCtx) cbcMissing() (Finding, bool) {
	since := c.since(c.cfg.CBCWindow)
	var missing []string
	var ev []Evidence
	for _, n := range c.cbcCounts() {
		if _, _, ok := c.ix.latestValue(n.set, since, n.conv); ok {
			continue
		}
		missing = append(missing, lowerIfWord(n.short))
		unusable := c.ix.results(since, n.set)
		for _, o := range unusable {
			ev = append(ev, Evidence{Text: n.name + " on " + dateText(o.Date) + " (" + quantityText(o.Quantity) +
				") has no usable unit and was not used.", Date: o.Date, ResourceID: o.ID})
		}
		if len(unusable) == 0 {
			ev = append(ev, Evidence{Text: "No " + lowerFirst(n.name) + " since " + dateText(since) + "."})
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
		Action:   "Check a CBC with differential before starting " + c.p.Generic + ".",
		Evidence: ev,
		Tests:    withReason("no "+joinNames(missing)+" with a usable unit within "+w, testCBC),
	}, true
}

// low fires when the latest usable value of n within the window is below min.
func (c *orderCtx) low(n count, min float64, action string) (Finding, bool) {
	o, v, ok := c.ix.latestValue(n.set, c.since(c.cfg.CBCWindow), n.conv)
	if !ok || v >= min {
		return Finding{}, false
	}
	return Finding{
		Title:     n.name + " below " + number(min) + " " + n.unit,
		Action:    action,
		Evidence:  []Evidence{valueEvidence(n, o, v, min)},
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
	if converted := number(v) + " " + n.unit; converted != quantityText(o.Quantity) {
		t += " (" + converted + ")"
	}
	return Evidence{Text: t + ", below " + number(min) + " " + n.unit, Date: o.Date, ResourceID: o.ID}
}

func (c *orderCtx) lymphopenia() (Finding, bool) {
	return c.low(countALC, c.cfg.ALCMin, "Do not start "+c.p.Generic+" while the ALC is below "+number(c.cfg.ALCMin)+" cells/mm³.")
}

func (c *orderCtx) neutropenia() (Finding, bool) {
	return c.low(countANC, c.cfg.ANCMin, "Do not start "+c.p.Generic+" while the ANC is below "+number(c.cfg.ANCMin)+" cells/mm³.")
}

func (c *orderCtx) anemia() (Finding, bool) {
	return c.low(countHb, c.cfg.HemoglobinMin, "Do not start "+c.p.Generic+" while hemoglobin is below "+number(c.cfg.HemoglobinMin)+" g/dL.")
}

func (c *orderCtx) thrombocytopenia() (Finding, bool) {
	return c.low(countPlatelets, c.cfg.PlateletsMinStart, "Do not start abrocitinib while platelets are below "+number(c.cfg.PlateletsMinStart)+"/mm³.")
}

// ---- Baseline chemistry (windows LiverWindow, LipidWindow; sets VSALT,
// VSAST, VSLipidPanelOrLDL) ----

func (c *orderCtx) liverEnzymesMissing() (Finding, bool) {
	since := c.since(c.cfg.LiverWindow)
	if len(c.ix.results(since, VSALT, VSAST)) > 0 {
		return Finding{}, false
	}
	w := durationText(c.cfg.LiverWindow)
	ev := []Evidence{{Text: "No ALT or AST result since " + dateText(since) + "."}}
	if c.ordering(VSALT, VSAST) {
		ev = append(ev, Evidence{Text: "Liver enzymes are being ordered in this session."})
	}
	return Finding{
		Title:    "No liver enzymes (ALT or AST) within " + w,
		Action:   "Check baseline liver enzymes before starting " + c.p.Generic + ".",
		Evidence: ev,
		Tests:    withReason("no ALT or AST within "+w, testALT, testAST),
	}, true
}

func (c *orderCtx) lipidsMissing() (Finding, bool) {
	since := c.since(c.cfg.LipidWindow)
	// A lipid panel or an LDL cholesterol: HDL, triglycerides or total
	// cholesterol alone are not a baseline lipid panel.
	if len(c.ix.results(since, VSLipidPanelOrLDL)) > 0 {
		return Finding{}, false
	}
	w := durationText(c.cfg.LipidWindow)
	ev := []Evidence{{Text: "No lipid panel or LDL cholesterol since " + dateText(since) + "."}}
	if c.ordering(VSLipids) {
		ev = append(ev, Evidence{Text: "Lipids are being ordered in this session."})
	}
	return Finding{
		Title:    "No lipid panel within " + w,
		Action:   "Check a baseline lipid panel; lipids are re-checked after starting " + c.p.Generic + ".",
		Evidence: ev,
		Tests:    withReason("no lipid panel or LDL within "+w, testLipids),
	}, true
}

// ---- Pregnancy and lactation (R16, R17, C14, C15; window
// PregnancyTestWindow; ages PregnancyTestMinAge-PregnancyTestMaxAge) ----

// pregnant returns the evidence that the patient is pregnant: an active
// pregnancy condition, or the latest readable pregnancy test within the
// window positive.
func (ix *index) pregnant(window time.Duration) ([]Evidence, bool) {
	var ev []Evidence
	cs := ix.activeConditions(VSPregnancyCondition)
	ev = append(ev, conditionEvidence(cs)...)
	if o, r, _ := ix.latestRead(VSPregnancyTest, ix.now.Add(-window), ix.read); r == resultPositive {
		ev = append(ev, resultEvidence("Pregnancy test", o, r))
	}
	return ev, len(ev) > 0
}

func (c *orderCtx) pregnancyTestMissing() (Finding, bool) {
	if !c.ix.female() {
		return Finding{}, false
	}
	if _, known := c.ix.pregnant(c.cfg.PregnancyTestWindow); known {
		return Finding{}, false
	}
	var ev []Evidence
	age, ok := c.ix.age()
	switch {
	case !ok:
		ev = append(ev, Evidence{Text: "Female patient of unknown age."})
	case age < c.cfg.PregnancyTestMinAge || age > c.cfg.PregnancyTestMaxAge:
		return Finding{}, false
	default:
		ev = append(ev, Evidence{Text: "Female patient aged " + number(float64(age)) + "."})
	}
	since := c.since(c.cfg.PregnancyTestWindow)
	if len(c.ix.results(since, VSPregnancyTest)) > 0 {
		return Finding{}, false
	}
	w := durationText(c.cfg.PregnancyTestWindow)
	ev = append(ev, Evidence{Text: "No pregnancy test since " + dateText(since) + "."})
	if c.ordering(VSPregnancyTest) {
		ev = append(ev, Evidence{Text: "A pregnancy test is being ordered in this session."})
	}
	return Finding{
		Title:    "No pregnancy test within " + w,
		Action:   "Verify pregnancy status before starting " + c.p.Generic + "; advise effective contraception.",
		Evidence: ev,
		Tests:    withReason("female of reproductive age, no pregnancy test within "+w, testHCGUrine, testHCGSerum),
	}, true
}

func (c *orderCtx) pregnancy() (Finding, bool) {
	ev, ok := c.ix.pregnant(c.cfg.PregnancyTestWindow)
	if !ok {
		return Finding{}, false
	}
	return Finding{
		Title:      "Pregnancy",
		Action:     "Avoid " + c.p.Generic + " in pregnancy unless the benefit clearly outweighs the risk; discuss with the patient.",
		Evidence:   ev,
		Unverified: c.unverifiedConditions(VSPregnancyCondition, c.ix.activeConditions(VSPregnancyCondition)),
	}, true
}

func (c *orderCtx) breastfeeding() (Finding, bool) {
	cs := c.ix.activeConditions(VSBreastfeeding)
	if len(cs) == 0 {
		return Finding{}, false
	}
	return Finding{
		Title:    "Breastfeeding",
		Action:   "Breastfeeding is not recommended during " + c.p.Generic + " treatment and shortly after the last dose.",
		Evidence: conditionEvidence(cs),
		// The wash-out periods of both labels (6 days, 1 day) are grade C.
		Unverified: true,
	}, true
}

// ---- Immunizations (R18, C3, C16; ZosterAge, LiveVaccineWindow; sets
// VSZosterRecombinant, VSLiveVaccines) ----

func (c *orderCtx) zosterVaccineMissing() (Finding, bool) {
	age, ok := c.ix.age()
	if !ok || age < c.cfg.ZosterAge || len(c.ix.immunizations(VSZosterRecombinant, time.Time{})) > 0 {
		return Finding{}, false
	}
	return Finding{
		Title:    "No recombinant zoster vaccine on record",
		Action:   "Complete zoster vaccination (recombinant, non-live) before starting " + c.p.Generic + ".",
		Evidence: []Evidence{{Text: "Patient aged " + number(float64(age)) + "; no recombinant zoster vaccine dose on record."}},
		Tests:    withReason("aged "+number(float64(c.cfg.ZosterAge))+" or over without a recombinant zoster vaccine dose", testZoster),
	}, true
}

func (c *orderCtx) liveVaccineRecent() (Finding, bool) {
	ims := c.ix.immunizations(VSLiveVaccines, c.since(c.cfg.LiveVaccineWindow))
	if len(ims) == 0 {
		return Finding{}, false
	}
	var ev []Evidence
	unverified := false
	for _, im := range ims {
		ev = append(ev, Evidence{Text: "Live vaccine " + codingsName(im.Codes) + " given on " + dateText(im.Date), Date: im.Date, ResourceID: im.ID})
		unverified = unverified || c.k.Unverified(VSLiveVaccines, im.Codes)
	}
	return Finding{
		Title:      "Live vaccine within the last " + durationText(c.cfg.LiveVaccineWindow),
		Action:     "Avoid live vaccines immediately before and during " + c.p.Generic + " treatment; consider delaying the start.",
		Evidence:   ev,
		Unverified: unverified,
		Threshold:  durationText(c.cfg.LiveVaccineWindow),
	}, true
}

// ---- Conditions (R8, R11, R12, C7, C8; sets VSSeriousInfection,
// VSSevereHepatic, VSEGFR, VSSevereRenal; EGFRWindow, EGFRModerate,
// EGFRSevere) ----

func (c *orderCtx) seriousInfectionActive() (Finding, bool) {
	cs := c.ix.activeConditions(VSSeriousInfection)
	if len(cs) == 0 {
		return Finding{}, false
	}
	return Finding{
		Title:      "Active serious infection",
		Action:     "Do not start " + c.p.Generic + " during an active serious infection; start once it is controlled.",
		Evidence:   conditionEvidence(cs),
		Unverified: c.unverifiedConditions(VSSeriousInfection, cs),
	}, true
}

func (c *orderCtx) severeHepaticImpairment() (Finding, bool) {
	cs := c.ix.activeConditions(VSSevereHepatic)
	if len(cs) == 0 {
		return Finding{}, false
	}
	return Finding{
		Title:      "Possible severe hepatic impairment: confirm Child-Pugh class",
		Action:     c.p.Name() + " is not recommended in severe hepatic impairment (Child-Pugh C).",
		Evidence:   conditionEvidence(cs),
		Unverified: c.unverifiedConditions(VSSevereHepatic, cs),
	}, true
}

func (c *orderCtx) renalImpairment() (Finding, bool) {
	o, egfr, ok := c.ix.latestValue(VSEGFR, c.since(c.cfg.EGFRWindow), EGFR)
	var ev []Evidence
	severe, moderate, unverified := false, false, false
	if ok {
		severe, moderate = egfr < c.cfg.EGFRSevere, egfr < c.cfg.EGFRModerate
		unverified = c.k.Unverified(VSEGFR, o.Codes) // e.g. 33914-3 is grade C
		limit := c.cfg.EGFRModerate
		if severe || c.drug == Upadacitinib {
			limit = c.cfg.EGFRSevere
		}
		ev = append(ev, Evidence{Text: "eGFR " + quantityText(o.Quantity) + " on " + dateText(o.Date) + ", below " + number(limit) + " mL/min/1.73 m²",
			Date: o.Date, ResourceID: o.ID})
	} else if cs := c.ix.activeConditions(VSSevereRenal); len(cs) > 0 {
		severe, moderate = true, true
		unverified = c.unverifiedConditions(VSSevereRenal, cs) // e.g. CKD 4 431857002 is grade C
		ev = append(ev, conditionEvidence(cs)...)
		ev = append(ev, Evidence{Text: "No recent eGFR; severe renal impairment taken from the problem list."})
	}
	switch {
	case c.drug == Abrocitinib && severe:
		return Finding{
			Level:      Critical,
			Title:      "Severe renal impairment (eGFR below " + number(c.cfg.EGFRSevere) + ")",
			Action:     "Abrocitinib is not recommended with eGFR below " + number(c.cfg.EGFRSevere) + " mL/min/1.73 m² or on dialysis.",
			Evidence:   ev,
			Unverified: unverified,
		}, true
	case c.drug == Abrocitinib && moderate:
		return Finding{
			Title:            "Moderate renal impairment: abrocitinib 50 mg once daily",
			Action:           "Use abrocitinib 50 mg once daily with eGFR 30-59 mL/min/1.73 m² (may increase to 100 mg after 12 weeks if inadequate response).",
			Evidence:         append(ev, c.orderedDoseEvidence()...),
			SuggestedDailyMg: c.reduceTo(c.p.ReducedDailyMg),
			Unverified:       unverified,
		}, true
	case c.drug == Upadacitinib && severe:
		return Finding{
			Title:            "Severe renal impairment: upadacitinib 15 mg once daily",
			Action:           "Use upadacitinib 15 mg once daily with eGFR below " + number(c.cfg.EGFRSevere) + " mL/min/1.73 m²; not recommended in end-stage renal disease.",
			Evidence:         append(ev, c.orderedDoseEvidence()...),
			SuggestedDailyMg: c.reduceTo(c.p.ReducedDailyMg),
			Unverified:       true, // R12: the 15 mg renal dose is grade C
		}, true
	}
	return Finding{}, false
}

// reduceTo is the dose limit mg to suggest: 0 when the ordered daily dose
// is known and already at or below it (a card must not ask to "reduce" a
// 15 mg order to 15 mg).
func (c *orderCtx) reduceTo(mg float64) float64 {
	if c.doseOK && c.dose <= mg {
		return 0
	}
	return mg
}

// orderedDoseEvidence states the ordered daily dose, or that it is unknown.
func (c *orderCtx) orderedDoseEvidence() []Evidence {
	if !c.doseOK {
		return []Evidence{{Text: "The ordered daily dose could not be determined" + c.doseNote() + "."}}
	}
	return []Evidence{{Text: "Ordered " + number(c.dose) + " mg/day" + c.doseNote() + "."}}
}

// ---- Combinations and interactions (R2, R13, R14, C9-C11, C13) ----

func (c *orderCtx) combinationJAK() (Finding, bool) {
	ms := c.medsIn(VSOtherJAK)
	for _, d := range triggerDrugs {
		if d == c.drug {
			continue
		}
		ms = append(ms, filterMeds(c.ix.trigger[d], activeMedicationStatus)...)
		for _, m := range c.sessionOthers() {
			if od, _, ok := recognize(c.k, *m); ok && od == d {
				ms = append(ms, m)
			}
		}
	}
	ms = c.notSameDrug(ms)
	if len(ms) == 0 {
		return Finding{}, false
	}
	return Finding{
		Title:      "Another JAK inhibitor is active or ordered",
		Action:     c.p.Name() + " is not recommended with other JAK inhibitors; stop one of them.",
		Evidence:   medicationEvidence(ms, ""),
		Unverified: unverifiedMeds(c.k, VSOtherJAK, ms),
	}, true
}

// notSameDrug drops medications that are the evaluated drug itself (a
// renewal is not a combination).
func (c *orderCtx) notSameDrug(ms []*Medication) []*Medication {
	var out []*Medication
	for _, m := range ms {
		if d, _, ok := recognize(c.k, *m); ok && d == c.drug {
			continue
		}
		out = append(out, m)
	}
	return out
}

func (c *orderCtx) combination(set, what string) (Finding, bool) {
	ms := c.notSameDrug(c.medsIn(set))
	if len(ms) == 0 {
		return Finding{}, false
	}
	return Finding{
		Title:      "Combination with " + what,
		Action:     c.p.Name() + " is not recommended in combination with " + what + ".",
		Evidence:   medicationEvidence(ms, ""),
		Unverified: unverifiedMeds(c.k, set, ms),
	}, true
}

func (c *orderCtx) combinationBiologic() (Finding, bool) {
	return c.combination(VSBiologics, "a biologic immunomodulator")
}

func (c *orderCtx) combinationImmunosuppressant() (Finding, bool) {
	return c.combination(VSImmunosuppressants, "a potent immunosuppressant")
}

func (c *orderCtx) antiplateletAbrocitinib() (Finding, bool) {
	seen := map[*Medication]bool{}
	var ev []Evidence
	unverified := false
	for _, m := range append(c.medsIn(VSAntiplatelets), c.medsIn(VSAspirin)...) {
		if seen[m] {
			continue
		}
		seen[m] = true
		if !c.aspirinOnly(m) {
			ev = append(ev, medicationEvidence([]*Medication{m}, "antiplatelet")...)
			unverified = unverified || c.k.Unverified(VSAntiplatelets, m.Codes)
			continue
		}
		mg, how, ok := DailyDose(*m)
		switch {
		case !ok:
			ev = append(ev, medicationEvidence([]*Medication{m}, "aspirin at an unknown daily dose; only up to "+number(c.cfg.AspirinMaxDailyMg)+" mg/day is allowed")...)
		case mg > c.cfg.AspirinMaxDailyMg:
			ev = append(ev, medicationEvidence([]*Medication{m}, "aspirin "+number(mg)+" mg/day ("+how+"), above "+number(c.cfg.AspirinMaxDailyMg)+" mg/day")...)
		default:
			continue
		}
		unverified = true // the 81 mg limit is grade C
	}
	if len(ev) == 0 {
		return Finding{}, false
	}
	return Finding{
		Title:      "Antiplatelet therapy with abrocitinib",
		Action:     "Abrocitinib is contraindicated with antiplatelet therapy (except aspirin up to " + number(c.cfg.AspirinMaxDailyMg) + " mg/day) during the first 3 months of treatment.",
		Evidence:   ev,
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
			{VSCYP3A4StrongInhibitors, "strong CYP3A4 inhibitor: use upadacitinib 15 mg once daily", true, false},
			{VSCYP3A4StrongInducers, "strong CYP3A4 inducer: coadministration not recommended (reduces upadacitinib exposure)", false, true},
		}
	} else {
		groups = []group{
			{VSCYP2C19StrongInhibitors, "strong CYP2C19 inhibitor: use abrocitinib 50 mg once daily", true, false},
			{VSCYP2C19CYP2C9Inhibitors, "inhibitor of both CYP2C19 and CYP2C9: avoid", false, false},
			{VSCYP2C19CYP2C9Inducers, "CYP2C19 or CYP2C9 inducer: avoid", false, false},
		}
	}
	var f Finding
	reduce := false
	for _, g := range groups {
		ms := c.medsIn(g.set)
		if len(ms) == 0 {
			continue
		}
		f.Evidence = append(f.Evidence, medicationEvidence(ms, g.what)...)
		f.Unverified = f.Unverified || g.graded || unverifiedMeds(c.k, g.set, ms)
		reduce = reduce || g.reduce
	}
	if len(f.Evidence) == 0 {
		return Finding{}, false
	}
	f.Title = "Interacting drug with " + c.p.Generic
	f.Action = "Review the interacting drug: lower the " + c.p.Generic + " dose or avoid the combination as stated."
	if reduce {
		f.SuggestedDailyMg = c.reduceTo(c.p.ReducedDailyMg)
		f.Evidence = append(f.Evidence, c.orderedDoseEvidence()...)
	}
	return f, true
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
}

func isFormerSmoker(cs []Coding) bool {
	for _, x := range cs {
		if formerSmokerCodes[x.System+"|"+x.Code] {
			return true
		}
	}
	return false
}

// smokingEvidence returns the smoking-status results and tobacco-use
// conditions that say current (or, with former, current or former) smoker,
// and whether one of them matched only through a code graded C or U.
func (c *orderCtx) smokingEvidence(former bool) (ev []Evidence, unverified bool) {
	obs := c.ix.results(time.Time{}, VSSmokingStatus)
	if !former && len(obs) > 0 {
		obs = obs[:1] // current smoking: the latest status only
	}
	for _, o := range obs {
		if !c.k.Has(VSSmokerAnswers, o.ValueCodes) || !former && isFormerSmoker(o.ValueCodes) {
			continue
		}
		ev = append(ev, Evidence{Text: "Smoking status " + codingsName(o.ValueCodes) + " on " + dateText(o.Date), Date: o.Date, ResourceID: o.ID})
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
	return append(ev, conditionEvidence(cs)...), unverified || c.unverifiedConditions(VSSmokerCondition, cs)
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
		ev = append(ev, conditionEvidence(cs)...)
		unverified = unverified || c.unverifiedConditions(set, cs)
	}
	smoking, smokingUnverified := c.smokingEvidence(false)
	ev = append(ev, smoking...)
	unverified = unverified || smokingUnverified
	if len(ev) == 0 {
		return Finding{}, false
	}
	ev = append([]Evidence{{Text: "Patient aged " + number(float64(age)) + " with cardiovascular risk factors:"}}, ev...)
	return Finding{
		Title:      "Aged " + number(float64(c.cfg.CVRiskAge)) + " or over with cardiovascular risk factors",
		Action:     "Weigh the risk of major adverse cardiovascular events, thrombosis and malignancy before starting " + c.p.Generic + ".",
		Evidence:   ev,
		Unverified: unverified,
	}, true
}

// history fires on any condition of the sets, past or present.
func (c *orderCtx) history(title, action string, sets ...string) (Finding, bool) {
	var ev []Evidence
	unverified := false
	for _, set := range sets {
		cs := c.ix.historyConditions(set)
		ev = append(ev, conditionEvidence(cs)...)
		unverified = unverified || c.unverifiedConditions(set, cs)
	}
	if len(ev) == 0 {
		return Finding{}, false
	}
	return Finding{Title: title, Action: action, Evidence: ev, Unverified: unverified}, true
}

func (c *orderCtx) maceHistory() (Finding, bool) {
	return c.history("History of myocardial infarction or stroke",
		"Weigh the risk of major adverse cardiovascular events before starting "+c.p.Generic+" (boxed warning).",
		VSMyocardialInfarction, VSStroke)
}

func (c *orderCtx) smoker() (Finding, bool) {
	ev, unverified := c.smokingEvidence(true)
	if len(ev) == 0 {
		return Finding{}, false
	}
	return Finding{
		Title:      "Current or former smoker",
		Action:     "Current and past smokers are at additional risk of malignancy, cardiovascular events and thrombosis on " + c.p.Generic + " (boxed warning).",
		Evidence:   ev,
		Unverified: unverified,
	}, true
}

func (c *orderCtx) vteRisk() (Finding, bool) {
	return c.history("History of venous thromboembolism or thrombophilia",
		"Avoid "+c.p.Generic+" in patients at increased risk of thrombosis, or weigh the risk (boxed warning).",
		VSVTE, VSThrombophilia)
}

func (c *orderCtx) malignancy() (Finding, bool) {
	var cs []*Condition
	for _, x := range c.ix.historyConditions(VSMalignancy) {
		if !c.k.Has(VSNMSC, x.Codes) { // non-melanoma skin cancer is excepted
			cs = append(cs, x)
		}
	}
	if len(cs) == 0 {
		return Finding{}, false
	}
	return Finding{
		Title:      "Active or past malignancy",
		Action:     "Weigh the risk of malignancy before starting " + c.p.Generic + " (boxed warning).",
		Evidence:   conditionEvidence(cs),
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

func (c *orderCtx) lowerDoseRecommended() (Finding, bool) {
	if !c.doseOK || c.dose <= c.p.LowerDailyMg {
		return Finding{}, false
	}
	var reasons []string
	for _, r := range riskRows {
		if c.fired[r] {
			reasons = append(reasons, riskRowNames[r])
		}
	}
	var ev []Evidence
	if len(reasons) > 0 {
		ev = append(ev, Evidence{Text: "Boxed-warning risk factors: " + joinNames(reasons) + "."})
	}
	if age, ok := c.ix.age(); ok && c.drug == Upadacitinib && age >= c.cfg.UpadacitinibLowerDoseAge {
		ev = append(ev, Evidence{Text: "Patient aged " + number(float64(age)) + ": the upadacitinib dose from age " +
			number(float64(c.cfg.UpadacitinibLowerDoseAge)) + " is 15 mg once daily."})
	}
	if len(ev) == 0 {
		return Finding{}, false
	}
	ev = append(ev, c.orderedDoseEvidence()...)
	return Finding{
		Title:            "Lower dose recommended: " + c.p.Generic + " " + number(c.p.LowerDailyMg) + " mg once daily",
		Action:           "Use " + c.p.Generic + " " + number(c.p.LowerDailyMg) + " mg once daily.",
		Evidence:         ev,
		SuggestedDailyMg: c.p.LowerDailyMg,
	}, true
}

// ---- Dose and indication (R1, R3-R5, C1, C2, C18; MinAge) ----

func (c *orderCtx) doseAboveLabel() (Finding, bool) {
	if !c.doseOK || c.dose <= c.p.MaxDailyMg {
		return Finding{}, false
	}
	return Finding{
		Title:            c.p.Generic + " above " + number(c.p.MaxDailyMg) + " mg/day",
		Action:           "The highest atopic dermatitis dose of " + c.p.Generic + " is " + number(c.p.MaxDailyMg) + " mg once daily.",
		Evidence:         c.orderedDoseEvidence(),
		SuggestedDailyMg: c.p.MaxDailyMg,
	}, true
}

func (c *orderCtx) ageNotApproved() (Finding, bool) {
	age, ok := c.ix.age()
	if !ok || age >= c.cfg.MinAge {
		return Finding{}, false
	}
	return Finding{
		Title:    "Patient younger than " + number(float64(c.cfg.MinAge)),
		Action:   c.p.Name() + " is approved for atopic dermatitis from age " + number(float64(c.cfg.MinAge)) + ".",
		Evidence: []Evidence{{Text: "Patient aged " + number(float64(age)) + "."}},
	}, true
}

func (c *orderCtx) noPriorSystemicTherapy() (Finding, bool) {
	if len(c.ix.historyMeds(VSPriorSystemicADTherapy)) > 0 {
		return Finding{}, false
	}
	return Finding{
		Title: "No earlier systemic atopic dermatitis therapy on record",
		Action: c.p.Name() + " is labelled for disease not adequately controlled with other systemic drugs, including biologics, " +
			"or when those are inadvisable; document the reason.",
		Evidence: []Evidence{{Text: "No dupilumab, tralokinumab, lebrikizumab, nemolizumab, cyclosporine, methotrexate, azathioprine or mycophenolate on record."}},
		// Most AD biologic codes are grade U (knowledge base 1.3).
		Unverified: setHasUnverified(c.k, VSPriorSystemicADTherapy),
	}, true
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]|0x20) + s[1:]
}
