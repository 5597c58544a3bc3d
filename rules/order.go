package rules

import (
	"strings"
	"time"
)

// orderRule is one order-time rule: its finding code, level and card
// category, the drug it applies to ("" for both), the kinds of data it
// reads (for Finding.Unchecked), the label sections it rests on, and its
// check. Thresholds and windows come from Config; the value sets are named
// in the check, which sits in order_rules.go in the same order as here.
type orderRule struct {
	code     string
	level    Level
	category Category
	drug     Drug
	needs    []string
	// upa and abro name the part of each label the rule rests on.
	upa, abro string
	check     func(c *orderCtx) (Finding, bool)
}

// Label parts cited by the rules.
const (
	secPreStart     = "section 2.1 (before starting)"
	secDosage       = "Dosage and Administration"
	secBoxed        = "Boxed Warning"
	secWarnings     = "Warnings and Precautions"
	secContra       = "Contraindications"
	secInteractions = "Drug Interactions"
	secPopulations  = "Use in Specific Populations"
	secIndication   = "Indications and Usage"
)

var (
	needObs  = []string{DataObservations}
	needCond = []string{DataConditions}
	needMeds = []string{DataMedications}
)

// orderRules lists every order-time rule in evaluation order (the risk
// rows come before lower-dose-recommended, which reads them).
var orderRules = []orderRule{
	// Pre-treatment screening (R6, C3).
	{TBScreeningMissing, Warning, CategoryScreening, "", needObs, secPreStart, secPreStart, (*orderCtx).tbScreeningMissing},
	{TBActive, Critical, CategoryContraindication, "", needCond, secPreStart, secPreStart, (*orderCtx).tbActive},
	{TBLatentUntreated, Critical, CategoryContraindication, "", []string{DataObservations, DataConditions, DataMedications}, secPreStart, secPreStart, (*orderCtx).tbLatentUntreated},
	{HBVScreeningMissing, Warning, CategoryScreening, "", needObs, secPreStart, secPreStart, (*orderCtx).hbvScreeningMissing},
	{HBVActive, Critical, CategoryContraindication, "", []string{DataObservations, DataConditions}, secPreStart, secPreStart, (*orderCtx).hbvActive},
	{HBVCoreAntibodyPositive, Warning, CategoryContraindication, "", needObs, secPreStart, secPreStart, (*orderCtx).hbvCoreAntibodyPositive},
	{HCVScreeningMissing, Warning, CategoryScreening, "", needObs, secPreStart, secPreStart, (*orderCtx).hcvScreeningMissing},
	{HCVActive, Critical, CategoryContraindication, "", []string{DataObservations, DataConditions}, secPreStart, secPreStart, (*orderCtx).hcvActive},
	{HCVAntibodyPositive, Warning, CategoryContraindication, "", needObs, secPreStart, secPreStart, (*orderCtx).hcvAntibodyPositive},
	// Blood counts: do not initiate below the thresholds (R7, C4).
	{CBCMissing, Warning, CategoryScreening, "", needObs, secPreStart, secPreStart, (*orderCtx).cbcMissing},
	{Lymphopenia, Critical, CategoryLabSafety, "", needObs, secPreStart, secPreStart, (*orderCtx).lymphopenia},
	{Neutropenia, Critical, CategoryLabSafety, "", needObs, secPreStart, secPreStart, (*orderCtx).neutropenia},
	{Anemia, Critical, CategoryLabSafety, "", needObs, secPreStart, secPreStart, (*orderCtx).anemia},
	{Thrombocytopenia, Critical, CategoryLabSafety, Abrocitinib, needObs, "", secPreStart, (*orderCtx).thrombocytopenia},
	// Baseline chemistry (R6, R9, C6).
	{LiverEnzymesMissing, Warning, CategoryScreening, "", needObs, secPreStart, secPreStart, (*orderCtx).liverEnzymesMissing},
	{LipidsMissing, Warning, CategoryScreening, "", needObs, secWarnings, secWarnings, (*orderCtx).lipidsMissing},
	// Pregnancy and lactation (R16, R17, C14, C15).
	{PregnancyTestMissing, Warning, CategoryScreening, "", []string{DataPatient, DataObservations, DataConditions}, secPreStart, secPopulations, (*orderCtx).pregnancyTestMissing},
	{Pregnancy, Critical, CategoryContraindication, "", []string{DataConditions, DataObservations}, secPopulations, secPopulations, (*orderCtx).pregnancy},
	{Breastfeeding, Critical, CategoryContraindication, "", needCond, secPopulations, secPopulations, (*orderCtx).breastfeeding},
	// Immunizations (R18, C3, C16).
	{ZosterVaccineMissing, Warning, CategoryScreening, "", []string{DataPatient, DataImmunizations}, secPreStart, secPreStart, (*orderCtx).zosterVaccineMissing},
	{LiveVaccineRecent, Warning, CategoryContraindication, "", []string{DataImmunizations}, secWarnings, secWarnings, (*orderCtx).liveVaccineRecent},
	// Conditions (R8, R11, C8).
	{SeriousInfectionActive, Critical, CategoryContraindication, "", needCond, secWarnings, secWarnings, (*orderCtx).seriousInfectionActive},
	{SevereHepaticImpairment, Critical, CategoryContraindication, "", needCond, secDosage, secDosage, (*orderCtx).severeHepaticImpairment},
	{RenalImpairment, Warning, CategoryDosing, "", []string{DataObservations, DataConditions}, secDosage, secDosage, (*orderCtx).renalImpairment},
	// Combinations and interactions (R2, R13, R14, C9-C11, C13).
	{CombinationJAK, Critical, CategoryContraindication, "", needMeds, secIndication, secIndication, (*orderCtx).combinationJAK},
	{CombinationBiologic, Warning, CategoryInteraction, "", needMeds, secIndication, secIndication, (*orderCtx).combinationBiologic},
	{CombinationImmunosuppressant, Warning, CategoryInteraction, "", needMeds, secIndication, secIndication, (*orderCtx).combinationImmunosuppressant},
	{AntiplateletAbrocitinib, Critical, CategoryContraindication, Abrocitinib, needMeds, "", secContra, (*orderCtx).antiplateletAbrocitinib},
	{CYPInteraction, Warning, CategoryInteraction, "", needMeds, secInteractions, secInteractions, (*orderCtx).cypInteraction},
	// Boxed-warning risk factors (R19, R20, C17), then the lower dose.
	{CardiovascularRisk, Warning, CategoryRiskFactors, "", []string{DataPatient, DataConditions, DataObservations}, secBoxed, secBoxed, (*orderCtx).cardiovascularRisk},
	{MACEHistory, Warning, CategoryRiskFactors, "", needCond, secBoxed, secBoxed, (*orderCtx).maceHistory},
	{Smoker, Warning, CategoryRiskFactors, "", []string{DataObservations, DataConditions}, secBoxed, secBoxed, (*orderCtx).smoker},
	{VTERisk, Warning, CategoryRiskFactors, "", needCond, secBoxed, secBoxed, (*orderCtx).vteRisk},
	{Malignancy, Warning, CategoryRiskFactors, "", needCond, secBoxed, secBoxed, (*orderCtx).malignancy},
	{LowerDoseRecommended, Warning, CategoryRiskFactors, "", []string{DataPatient, DataConditions, DataObservations}, secDosage, secDosage, (*orderCtx).lowerDoseRecommended},
	// Dose and indication (R1, R3-R5, C1, C2, C18).
	{DoseAboveLabel, Warning, CategoryDosing, "", nil, secDosage, secDosage, (*orderCtx).doseAboveLabel},
	{AgeNotApproved, Critical, CategoryContraindication, "", []string{DataPatient}, secIndication, secIndication, (*orderCtx).ageNotApproved},
	{NoPriorSystemicTherapy, Info, CategoryIndication, "", needMeds, secIndication, secIndication, (*orderCtx).noPriorSystemicTherapy},
}

// riskRows are the five boxed-warning rows that make the lower dose
// recommended.
var riskRows = []string{CardiovascularRisk, MACEHistory, Smoker, VTERisk, Malignancy}

// orderCtx is what the rules of one order read.
type orderCtx struct {
	cfg   Config
	k     *Knowledge
	ix    *index
	sess  Session
	order Medication
	drug  Drug
	p     DrugProfile
	now   time.Time
	// dose is the ordered daily dose in mg when doseOK; doseHow says how it
	// was worked out.
	dose    float64
	doseHow string
	doseOK  bool
	fired   map[string]bool
}

// evaluateOrder runs the rule table for one recognised order.
func (e *Engine) evaluateOrder(ix *index, sess Session, order Medication, drug Drug, byText bool) []Finding {
	p, _ := Profile(drug)
	c := &orderCtx{cfg: e.cfg, k: e.k, ix: ix, sess: sess, order: order, drug: drug, p: p, now: ix.now, fired: map[string]bool{}}
	c.dose, c.doseHow, c.doseOK = DailyDose(order)
	var out []Finding
	for _, r := range orderRules {
		if r.drug != "" && r.drug != drug {
			continue
		}
		f, ok := r.check(c)
		if !ok {
			continue
		}
		f.Code, f.Category, f.Drug, f.OrderID = r.code, r.category, drug, order.ID
		if f.Level == "" {
			f.Level = r.level
		}
		if f.Citation == (Citation{}) {
			sec := r.upa
			if drug == Abrocitinib {
				sec = r.abro
			}
			f.Citation = p.Cite(sec)
		}
		f.Unchecked = ix.unchecked(r.needs)
		f.Evidence = capEvidence(f.Evidence)
		c.fired[r.code] = true
		out = append(out, f)
	}
	for i := range out {
		f := &out[i]
		if !c.doseOK && isRiskRow(f.Code) {
			f.Evidence = append(f.Evidence, Evidence{Text: "The ordered daily dose could not be determined" + c.doseNote() +
				"; with this risk factor the lower dose (" + number(p.LowerDailyMg) + " mg once daily) is recommended over " +
				number(p.MaxDailyMg) + " mg."})
		}
		if byText {
			f.Evidence = append(f.Evidence, Evidence{Text: "The order was recognised as " + p.Generic +
				" by its name, not by an RxNorm code: check the order.", ResourceID: order.ID})
		}
	}
	return out
}

// maxEvidence is the most evidence lines a finding carries; long records
// repeat the same diagnosis many times.
const maxEvidence = 6

// capEvidence keeps the first maxEvidence-1 lines and says how many more
// there were.
func capEvidence(ev []Evidence) []Evidence {
	if len(ev) <= maxEvidence {
		return ev
	}
	more := len(ev) - (maxEvidence - 1)
	return append(ev[:maxEvidence-1:maxEvidence-1], Evidence{Text: "… and " + number(float64(more)) + " more."})
}

func (c *orderCtx) doseNote() string {
	if c.doseHow != "" {
		return " (" + c.doseHow + ")"
	}
	return ""
}

func isRiskRow(code string) bool {
	for _, r := range riskRows {
		if r == code {
			return true
		}
	}
	return false
}

// since returns now minus the window.
func (c *orderCtx) since(window time.Duration) time.Time { return c.now.Add(-window) }

// ordering reports whether the session orders a test of one of the sets.
func (c *orderCtx) ordering(sets ...string) bool {
	for _, s := range sets {
		if c.k.Has(s, c.sess.Services) {
			return true
		}
	}
	return false
}

// sessionOthers returns the session's medication orders other than the
// evaluated one that are not cancelled or entered in error.
func (c *orderCtx) sessionOthers() []*Medication {
	var out []*Medication
	for i := range c.sess.Medications {
		m := &c.sess.Medications[i]
		if sameOrder(*m, c.order) || m.Status == "cancelled" || m.Status == "entered-in-error" {
			continue
		}
		out = append(out, m)
	}
	return out
}

// sameOrder reports whether a and b are the same order: by id, or, when
// neither has one, by text and codes.
func sameOrder(a, b Medication) bool {
	if a.ID != "" || b.ID != "" {
		return a.ID == b.ID
	}
	if a.Text != b.Text || len(a.Codes) != len(b.Codes) {
		return false
	}
	for i := range a.Codes {
		if a.Codes[i].System != b.Codes[i].System || a.Codes[i].Code != b.Codes[i].Code {
			return false
		}
	}
	return true
}

// medsIn returns the active record medications of the set and the other
// session orders in it.
func (c *orderCtx) medsIn(set string) []*Medication {
	out := c.ix.activeMeds(set)
	for _, m := range c.sessionOthers() {
		if medicationIn(c.k, set, *m) {
			out = append(out, m)
		}
	}
	return out
}

// durationText renders a window: "12 months", "4 weeks", "90 days".
func durationText(d time.Duration) string {
	switch {
	case d%year == 0:
		return number(float64(d/year*12)) + " months"
	case d%week == 0 && d < 90*day:
		return number(float64(d/week)) + " weeks"
	}
	return number(float64(d/day)) + " days"
}

// conditionName is the condition's text or first display or code.
func conditionName(c *Condition) string {
	if c.Text != "" {
		return c.Text
	}
	return codingsName(c.Codes)
}

func codingsName(cs []Coding) string {
	for _, x := range cs {
		if x.Display != "" {
			return x.Display
		}
	}
	for _, x := range cs {
		if x.Code != "" {
			return x.Code
		}
	}
	return "unnamed"
}

// medicationName is the medication's text or first display.
func medicationName(m *Medication) string {
	if m.Text != "" {
		return m.Text
	}
	return codingsName(m.Codes)
}

// conditionEvidence describes conditions: "Pulmonary tuberculosis (active), recorded 2026-01-02".
func conditionEvidence(cs []*Condition) []Evidence {
	var out []Evidence
	for _, c := range cs {
		t := conditionName(c)
		if c.ClinicalStatus != "" {
			t += " (" + c.ClinicalStatus + ")"
		}
		date := c.Onset
		if date.IsZero() {
			date = c.Recorded
		}
		if !date.IsZero() {
			t += ", since " + dateText(date)
		}
		out = append(out, Evidence{Text: t, Date: date, ResourceID: c.ID})
	}
	return out
}

// medicationEvidence describes medications: "clarithromycin 500 mg (active)".
func medicationEvidence(ms []*Medication, what string) []Evidence {
	var out []Evidence
	for _, m := range ms {
		t := medicationName(m)
		if m.Status != "" {
			t += " (" + m.Status + ")"
		}
		if what != "" {
			t += ": " + what
		}
		out = append(out, Evidence{Text: t, Date: m.Authored, ResourceID: m.ID})
	}
	return out
}

// resultEvidence describes a qualitative result: "IGRA positive on 2026-10-01".
func resultEvidence(name string, o *Observation, r result) Evidence {
	return Evidence{Text: name + " " + r.String() + " on " + dateText(o.Date), Date: o.Date, ResourceID: o.ID}
}

// unverifiedConditions reports whether any condition matched the set by a
// code graded C or U.
func (c *orderCtx) unverifiedConditions(set string, cs []*Condition) bool {
	for _, x := range cs {
		if c.k.Unverified(set, x.Codes) {
			return true
		}
	}
	return false
}

// unverifiedMeds reports whether any medication matched the set by a code
// graded C or U.
func unverifiedMeds(k *Knowledge, set string, ms []*Medication) bool {
	for _, m := range ms {
		if k.Unverified(set, m.Codes) {
			return true
		}
	}
	return false
}

// setHasUnverified reports whether any code of the set is graded C or U.
func setHasUnverified(k *Knowledge, set string) bool {
	for _, x := range k.Codes(set) {
		if x.Unverified {
			return true
		}
	}
	return false
}

// joinNames joins names as "a, b and c".
func joinNames(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}
