package rules

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// applies says when in a treatment course a rule runs (contract 6.2). A
// draft order is an initiation when the patient has no active or recent
// course of the drug (a switch from the other drug is an initiation of the
// new one), and a continuation (renewal, dose change) otherwise.
type applies struct {
	start  bool // at initiation
	course bool // on continuation
	// newOnCourse: on continuation the rule reads only what is dated on or
	// after the course start (a new MI, a new positive TB test), not the
	// history already weighed at initiation.
	newOnCourse bool
	// within, when set, limits the rule to the first part of a course
	// (antiplatelet-abrocitinib: the first 3 months).
	within func(Config) time.Duration
}

var (
	atInitiation   = applies{start: true}
	onContinuation = applies{course: true}
	always         = applies{start: true, course: true}
	newOnCourse    = applies{start: true, course: true, newOnCourse: true}
	firstMonths    = applies{start: true, course: true, within: func(c Config) time.Duration { return c.AntiplateletFirst }}
)

// orderRule is one order-time rule: its finding code, level and card
// category, the drug it applies to ("" for both), when in a course it runs,
// the kinds of data it reads (for Finding.Unchecked), the value sets it
// reads, its limits (for the catalogue), the label sections it rests on,
// and its check. Thresholds and windows come from Config; the checks sit
// in order_rules.go in the order of this table.
type orderRule struct {
	code     string
	level    Level
	category Category
	drug     Drug
	when     applies
	needs    []string
	sets     []string
	limits   func(Config) string
	// upa and abro name the part of each US label the rule rests on.
	upa, abro string
	check     func(c *orderCtx) (Finding, bool)
}

// Label sections cited by the rules. RINVOQ: US PI, revision of 11/2023
// (DailyMed); CIBINQO: US PI, revision of 12/2023 (knowledge base 5).
const (
	rvqPreStart   = "section 2.1 (evaluations and immunizations before starting)"
	rvqDoseAD     = "section 2.5 (dosage in atopic dermatitis)"
	rvqDosage     = "section 2 (Dosage and Administration)"
	rvqInfections = "section 5.1 (Serious Infections)"
	rvqMalignancy = "Boxed Warning and section 5.3 (Malignancy)"
	rvqMACE       = "Boxed Warning and section 5.4 (Major Adverse Cardiovascular Events)"
	rvqThrombosis = "Boxed Warning and section 5.5 (Thrombosis)"
	rvqBoxed      = "Boxed Warning and sections 5.2-5.5"
	rvqLabs       = "section 5.8 (Laboratory Abnormalities)"
	rvqFetal      = "sections 5.9 (Embryo-Fetal Toxicity) and 8.1 (Pregnancy)"
	rvqVaccines   = "section 5.10 (Vaccinations)"
	rvqCYP        = "section 7 (Drug Interactions: strong CYP3A4 inhibitors and inducers)"
	rvqLactation  = "section 8.2 (Lactation)"
	rvqPregTest   = "section 8.3 (Females and Males of Reproductive Potential)"
	rvqRenal      = "section 8.6 (Renal Impairment)"
	rvqHepatic    = "section 8.7 (Hepatic Impairment)"
	rvqIndication = "section 1 (Indications and Usage: limitations of use)"
	rvqAge        = "sections 1 and 2.5 (atopic dermatitis from 12 years)"

	cibPreStart   = "section 2.1 (tests and evaluations before starting)"
	cibDose       = "section 2.2 (Recommended Dosage)"
	cibRenalHep   = "section 2.3 (renal or hepatic impairment)"
	cibCYP        = "section 2 (dosage with strong CYP2C19 inhibitors) and section 7 (Drug Interactions)"
	cibPM         = "section 2 (dosage in CYP2C19 poor metabolizers)"
	cibContra     = "section 4 (Contraindications)"
	cibInfections = "section 5.1 (Serious Infections)"
	cibBoxed      = "Boxed Warning and section 5"
	cibLabs       = "section 5.6 (Laboratory Abnormalities)"
	cibVaccines   = "section 5.7 (Vaccinations)"
	cibInteract   = "section 7 (Drug Interactions)"
	cibPregnancy  = "section 8.1 (Pregnancy)"
	cibLactation  = "section 8.2 (Lactation)"
	cibIndication = "section 1 (Indications and Usage: limitations of use)"
	// cibNoLiver: the CIBINQO label asks for no liver-enzyme test (C3, C6);
	// the ALT/AST checks on abrocitinib are the contract's (section 5), and
	// a card must not cite a label section for them as if it did.
	cibNoLiver = "no liver-enzyme test in the label: ALT/AST is jakguard policy (contract section 5)"
	cibAge     = "section 1 (atopic dermatitis from 12 years)"
)

var (
	needObs  = []string{DataObservations}
	needCond = []string{DataConditions}
	// needMeds: medication rules read orders and, when available, the
	// outside medication list (MedicationStatement).
	needMeds = []string{DataMedications, DataMedicationStatements}
)

// lim is a rule's limits for the catalogue, written from the Config.
func lim(f func(c Config) string) func(Config) string { return f }

// orderRules lists every order-time rule in evaluation order (the risk
// rows come before lower-dose-recommended, which reads them).
var orderRules = []orderRule{
	// The record itself.
	{AgeUnknown, Warning, CategoryRecord, "", always, []string{DataPatient}, nil,
		lim(func(Config) string { return "Patient.birthDate missing, unreadable, after today or over 130 years ago" }), rvqAge, cibAge, (*orderCtx).ageUnknown},

	// Pre-treatment screening (R6, C3).
	{TBScreeningMissing, Warning, CategoryScreening, "", atInitiation, []string{DataObservations, DataConditions, DataMedications, DataMedicationStatements},
		[]string{VSTBTest, VSLatentTB, VSTBTreatment}, lim(func(c Config) string { return "TB test within " + durationText(c.TBWindow) }),
		rvqPreStart, cibPreStart, (*orderCtx).tbScreeningMissing},
	{TBActive, Critical, CategoryContraindication, "", always, needCond, []string{VSActiveTB}, nil, rvqPreStart, cibPreStart, (*orderCtx).tbActive},
	{TBLatentUntreated, Critical, CategoryContraindication, "", newOnCourse, []string{DataObservations, DataConditions, DataMedications, DataMedicationStatements},
		[]string{VSTBTest, VSLatentTB, VSTBTreatment}, nil, rvqPreStart, cibPreStart, (*orderCtx).tbLatentUntreated},
	{HBVScreeningMissing, Warning, CategoryScreening, "", atInitiation, needObs, []string{VSHBsAg},
		lim(func(c Config) string { return "HBsAg within " + durationText(c.HBVWindow) }), rvqPreStart, cibPreStart, (*orderCtx).hbvScreeningMissing},
	{HBVActive, Critical, CategoryContraindication, "", always, []string{DataObservations, DataConditions},
		[]string{VSHBsAg, VSHBVDNA, VSChronicHBV}, nil, rvqPreStart, cibPreStart, (*orderCtx).hbvActive},
	{HBVCoreAntibodyPositive, Warning, CategoryContraindication, "", atInitiation, needObs, []string{VSHBcAb, VSHBsAg}, nil, rvqPreStart, cibPreStart, (*orderCtx).hbvCoreAntibodyPositive},
	{HCVScreeningMissing, Warning, CategoryScreening, "", atInitiation, needObs, []string{VSHCVAb, VSHCVRNA},
		lim(func(c Config) string { return "HCV antibody or RNA within " + durationText(c.HCVWindow) }), rvqPreStart, cibPreStart, (*orderCtx).hcvScreeningMissing},
	{HCVActive, Critical, CategoryContraindication, "", always, []string{DataObservations, DataConditions},
		[]string{VSHCVRNA, VSHCV}, nil, rvqPreStart, cibPreStart, (*orderCtx).hcvActive},
	{HCVAntibodyPositive, Warning, CategoryContraindication, "", atInitiation, needObs, []string{VSHCVAb, VSHCVRNA}, nil, rvqPreStart, cibPreStart, (*orderCtx).hcvAntibodyPositive},

	// Blood counts: do not initiate below the thresholds (R7, C4); on
	// treatment interrupt (R8, C5), platelets discontinue (C5).
	{CBCMissing, Warning, CategoryScreening, "", atInitiation, needObs, []string{VSLymphocytes, VSNeutrophils, VSHemoglobin, VSPlatelets},
		lim(func(c Config) string { return "within " + durationText(c.CBCWindow) }), rvqPreStart, cibPreStart, (*orderCtx).cbcMissing},
	{Lymphopenia, Critical, CategoryLabSafety, "", always, needObs, []string{VSLymphocytes},
		lim(func(c Config) string {
			return "ALC < " + number(c.ALCMin) + " cells/mm³; initiation: within " + durationText(c.CBCWindow) + ", continuation: since the course start"
		}), rvqPreStart + "; " + rvqLabs, cibPreStart + "; " + cibLabs, (*orderCtx).lymphopenia},
	{Neutropenia, Critical, CategoryLabSafety, "", always, needObs, []string{VSNeutrophils},
		lim(func(c Config) string {
			return "ANC < " + number(c.ANCMin) + " cells/mm³; initiation: within " + durationText(c.CBCWindow) + ", continuation: since the course start"
		}), rvqPreStart + "; " + rvqLabs, cibPreStart + "; " + cibLabs, (*orderCtx).neutropenia},
	{Anemia, Critical, CategoryLabSafety, "", always, needObs, []string{VSHemoglobin},
		lim(func(c Config) string {
			return "Hb < " + number(c.HemoglobinMin) + " g/dL; initiation: within " + durationText(c.CBCWindow) + ", continuation: since the course start"
		}), rvqPreStart + "; " + rvqLabs, cibPreStart + "; " + cibLabs, (*orderCtx).anemia},
	{Thrombocytopenia, Critical, CategoryLabSafety, Abrocitinib, always, needObs, []string{VSPlatelets},
		lim(func(c Config) string {
			return "initiation: platelets < " + number(c.PlateletsMinStart) + "/mm³ within " + durationText(c.CBCWindow) +
				"; continuation: < " + number(c.PlateletsMinOnTreatment) + "/mm³ since the course start"
		}), "", cibPreStart + "; " + cibLabs, (*orderCtx).thrombocytopenia},

	// Baseline chemistry (R6, R9, C6).
	{LiverEnzymesMissing, Warning, CategoryScreening, "", atInitiation, needObs, []string{VSALT, VSAST},
		lim(func(c Config) string { return "within " + durationText(c.LiverWindow) }), rvqPreStart, cibNoLiver, (*orderCtx).liverEnzymesMissing},
	{LipidsMissing, Warning, CategoryScreening, "", atInitiation, needObs, []string{VSLipidPanelOrLDL},
		lim(func(c Config) string { return "within " + durationText(c.LipidWindow) }), rvqLabs, cibLabs, (*orderCtx).lipidsMissing},

	// Pregnancy and lactation (R16, R17, C14, C15).
	{PregnancyTestMissing, Warning, CategoryScreening, "", atInitiation, []string{DataPatient, DataObservations, DataConditions},
		[]string{VSPregnancyTest, VSPregnancyCondition}, lim(func(c Config) string {
			return "female (or sex not recorded as male) aged " + number(float64(c.PregnancyTestMinAge)) + "-" + number(float64(c.PregnancyTestMaxAge)) +
				", no negative test within " + durationText(c.PregnancyTestWindow) + "; quantitative hCG: negative < " + number(c.HCGNegative) + " mIU/mL"
		}), rvqPregTest, cibPregnancy, (*orderCtx).pregnancyTestMissing},
	{Pregnancy, Critical, CategoryContraindication, "", always, []string{DataConditions, DataObservations},
		[]string{VSPregnancyCondition, VSPregnancyTest}, lim(func(c Config) string {
			return "positive test within " + durationText(c.PregnancyTestWindow) + "; quantitative hCG ≥ " + number(c.HCGPositive) + " mIU/mL"
		}), rvqFetal, cibPregnancy, (*orderCtx).pregnancy},
	{Breastfeeding, Critical, CategoryContraindication, "", always, needCond, []string{VSBreastfeeding}, nil, rvqLactation, cibLactation, (*orderCtx).breastfeeding},

	// Immunizations (R18, C3, C16).
	{ZosterVaccineMissing, Warning, CategoryScreening, "", atInitiation, []string{DataPatient, DataImmunizations, DataMedications, DataMedicationStatements}, []string{VSZosterRecombinant},
		lim(func(c Config) string { return "aged " + number(float64(c.ZosterAge)) + " or over" }), rvqPreStart + "; " + rvqVaccines, cibPreStart + "; " + cibVaccines, (*orderCtx).zosterVaccineMissing},
	{LiveVaccineRecent, Warning, CategoryContraindication, "", always, []string{DataImmunizations, DataMedications, DataMedicationStatements}, []string{VSLiveVaccines},
		lim(func(c Config) string { return "within " + durationText(c.LiveVaccineWindow) }), rvqVaccines, cibVaccines, (*orderCtx).liveVaccineRecent},
	{LiveVaccineOrdered, Warning, CategoryInteraction, "", always, needMeds, []string{VSLiveVaccines}, nil, rvqVaccines, cibVaccines, (*orderCtx).liveVaccineOrdered},

	// Conditions (R8, R11, R12, C7, C8).
	{SeriousInfectionActive, Critical, CategoryContraindication, "", always, needCond, []string{VSSeriousInfection}, nil, rvqInfections, cibInfections, (*orderCtx).seriousInfectionActive},
	{SevereHepaticImpairment, Warning, CategoryContraindication, "", always, []string{DataConditions, DataObservations},
		[]string{VSSevereHepatic, VSCirrhosis, VSChildPugh}, lim(func(Config) string {
			return "Child-Pugh C or decompensation: critical; cirrhosis without a class: warning"
		}),
		rvqHepatic, cibRenalHep, (*orderCtx).severeHepaticImpairment},
	{RenalImpairment, Warning, CategoryDosing, "", always, []string{DataObservations, DataConditions},
		[]string{VSEGFR, VSESRDDialysis, VSSevereRenal, VSModerateRenal}, lim(func(c Config) string {
			return "abrocitinib: eGFR < " + number(c.EGFRModerate) + " 50 mg, < " + number(c.EGFRSevere) + " or dialysis critical; upadacitinib: < " +
				number(c.EGFRSevere) + " 15 mg, < " + number(c.EGFRUpadacitinibMin) + " or dialysis/ESRD critical; eGFR within " + durationText(c.EGFRWindow) + " (an older one below the limit: warning, check the eGFR)"
		}), rvqRenal, cibRenalHep, (*orderCtx).renalImpairment},

	// Combinations and interactions (R2, R13, R14, C9-C13).
	{CombinationJAK, Critical, CategoryContraindication, "", always, needMeds, []string{VSOtherJAK, VSUpadacitinib, VSAbrocitinib}, nil, rvqIndication, cibIndication, (*orderCtx).combinationJAK},
	{CombinationBiologic, Warning, CategoryInteraction, "", always, needMeds, []string{VSBiologics}, nil, rvqIndication, cibIndication, (*orderCtx).combinationBiologic},
	{CombinationImmunosuppressant, Warning, CategoryInteraction, "", always, needMeds, []string{VSImmunosuppressants}, nil, rvqIndication, cibIndication, (*orderCtx).combinationImmunosuppressant},
	{AntiplateletAbrocitinib, Critical, CategoryContraindication, Abrocitinib, firstMonths, needMeds, []string{VSAntiplatelets, VSAspirin},
		lim(func(c Config) string {
			return "first " + durationText(c.AntiplateletFirst) + " of the course; aspirin ≤ " + number(c.AspirinMaxDailyMg) + " mg/day excepted"
		}), "", cibContra, (*orderCtx).antiplateletAbrocitinib},
	{CYPInteraction, Warning, CategoryInteraction, "", always, needMeds,
		[]string{VSCYP3A4StrongInhibitors, VSCYP3A4StrongInducers, VSCYP2C19StrongInhibitors, VSCYP2C19CYP2C9Inhibitors, VSCYP2C19CYP2C9Inducers},
		nil, rvqCYP, cibCYP, (*orderCtx).cypInteraction},
	{PgpSubstrate, Info, CategoryInteraction, Abrocitinib, always, needMeds, []string{VSPgpSubstratesNTI}, nil, "", cibInteract, (*orderCtx).pgpSubstrate},
	{CYP2C19PoorMetabolizer, Warning, CategoryDosing, Abrocitinib, always, needObs, []string{VSCYP2C19Genotype, VSCYP2C19PoorMetabolizer},
		lim(func(c Config) string {
			return "50 mg once daily; 100 mg after " + durationText(c.DoseIncreaseAfter) + " if the response is inadequate"
		}), "", cibPM, (*orderCtx).cyp2c19PoorMetabolizer},

	// Boxed-warning risk factors (R19, R20, C17), then the lower dose.
	{CardiovascularRisk, Warning, CategoryRiskFactors, "", atInitiation, []string{DataPatient, DataConditions, DataObservations},
		[]string{VSHypertension, VSDiabetes, VSHyperlipidemia, VSCoronaryDisease, VSSmokingStatus, VSSmokerAnswers, VSSmokerCondition},
		lim(func(c Config) string { return "aged " + number(float64(c.CVRiskAge)) + " or over" }), rvqMACE, cibBoxed, (*orderCtx).cardiovascularRisk},
	{MACEHistory, Warning, CategoryRiskFactors, "", newOnCourse, needCond, []string{VSMyocardialInfarction, VSStroke}, nil, rvqMACE, cibBoxed, (*orderCtx).maceHistory},
	{Smoker, Warning, CategoryRiskFactors, "", atInitiation, []string{DataObservations, DataConditions},
		[]string{VSSmokingStatus, VSSmokerAnswers, VSSmokerCondition}, nil, rvqMalignancy, cibBoxed, (*orderCtx).smoker},
	{VTERisk, Warning, CategoryRiskFactors, "", newOnCourse, needCond, []string{VSVTE, VSThrombophilia}, nil, rvqThrombosis, cibBoxed, (*orderCtx).vteRisk},
	{Malignancy, Warning, CategoryRiskFactors, "", newOnCourse, needCond, []string{VSMalignancy, VSNMSC}, nil, rvqMalignancy, cibBoxed, (*orderCtx).malignancy},
	{LowerDoseRecommended, Warning, CategoryRiskFactors, "", always, []string{DataPatient, DataConditions, DataObservations}, nil,
		lim(func(c Config) string {
			return "upadacitinib > 15 mg or abrocitinib > 100 mg with a boxed-warning risk factor (EU SmPC); upadacitinib > 15 mg from age " +
				number(float64(c.UpadacitinibLowerDoseAge)) + " (US label)"
		}), rvqDoseAD, cibDose, (*orderCtx).lowerDoseRecommended},

	// Dose and indication (R1, R3-R5, C1, C2, C18).
	{DoseAboveLabel, Warning, CategoryDosing, "", always, nil, nil,
		lim(func(Config) string { return "upadacitinib > 30 mg/day, abrocitinib > 200 mg/day" }), rvqDoseAD, cibDose, (*orderCtx).doseAboveLabel},
	{DoseUnknown, Info, CategoryDosing, "", always, nil, nil,
		lim(func(Config) string {
			return "daily dose not readable, and no other finding of the order names the dose to use"
		}), rvqDoseAD, cibDose, (*orderCtx).doseUnknown},
	{WeightBelowLabel, Warning, CategoryDosing, Upadacitinib, always, []string{DataPatient, DataObservations}, []string{VSBodyWeight},
		lim(func(c Config) string {
			return "under " + number(float64(c.WeightRuleAge)) + " and latest weight < " + number(c.MinWeightKg) + " kg"
		}), rvqDoseAD, "", (*orderCtx).weightBelowLabel},
	{AgeNotApproved, Critical, CategoryContraindication, "", always, []string{DataPatient}, nil,
		lim(func(c Config) string {
			return "younger than " + number(float64(c.MinAge)) + " (a partial birth date: at its last day)"
		}), rvqAge, cibAge, (*orderCtx).ageNotApproved},
	{NoPriorSystemicTherapy, Info, CategoryIndication, "", atInitiation, needMeds, []string{VSPriorSystemicADTherapy}, nil, rvqIndication, cibIndication, (*orderCtx).noPriorSystemicTherapy},

	// On-treatment monitoring at a continuation (contract 6.2: on
	// continuation the monitoring applies instead of the screening).
	{MonitoringCBCDue, Warning, CategoryMonitoring, "", onContinuation, needObs, cbcSets, cbcMonitoringLimits, rvqLabs, cibLabs, courseRule((*orderCtx).monitoringCBCDue)},
	{MonitoringLiverDue, Warning, CategoryMonitoring, "", onContinuation, needObs, []string{VSALT, VSAST}, monitoringLimits, rvqLabs, cibNoLiver, courseRule((*orderCtx).monitoringLiverDue)},
	{MonitoringLipidsDue, Warning, CategoryMonitoring, "", onContinuation, needObs, []string{VSLipids}, monitoringLimits, rvqLabs, cibLabs, courseRule((*orderCtx).monitoringLipidsDue)},
}

// riskRows are the five boxed-warning rows that make the lower dose
// recommended.
var riskRows = []string{CardiovascularRisk, MACEHistory, Smoker, VTERisk, Malignancy}

// orderCtx is what the rules of one order read.
type orderCtx struct {
	cfg   Config
	k     *Knowledge
	ix    *index
	si    *sessionIndex
	order Medication
	key   string // orderKey(order)
	drug  Drug
	p     DrugProfile
	now   time.Time
	// dose is the ordered daily dose in mg when doseOK; doseHow says how it
	// was worked out.
	dose    float64
	doseHow string
	doseOK  bool
	// sessionMg is the daily dose the session's orders of the drug give
	// together when another of them has a known dose (sessionDailyMg), 0
	// otherwise.
	sessionMg float64
	// cont is true on a continuation: the order continues course (an
	// active or recent course of the same drug); on patient-view too.
	cont   bool
	course *Course
	// newFrom is the first day of new evidence for newOnCourse rules (the
	// course start day on continuation; anyDay otherwise).
	newFrom civilDay
	fired   map[string]bool
	// risks holds the boxed-warning risk rows found, fired or not, for
	// lower-dose-recommended.
	risks map[string]bool
	// comboReported (patient-view): another course already reported
	// combination-jak (evaluateTherapy).
	comboReported bool
}

// evaluateOrder runs the rule table for one recognised order.
func (e *Engine) evaluateOrder(ix *index, si *sessionIndex, order Medication, drug Drug, byText bool, stop func() bool) ([]Finding, error) {
	p, _ := Profile(drug)
	c := &orderCtx{cfg: e.cfg, k: e.k, ix: ix, si: si, order: order, key: orderKey(&order), drug: drug, p: p, now: ix.now,
		fired: map[string]bool{}, risks: map[string]bool{}, newFrom: anyDay}
	c.dose, c.doseHow, c.doseOK = ix.dailyDose(order)
	c.sessionMg = c.sessionDailyMg()
	var switchBack []Evidence
	switchSaid := map[Category]bool{}
	if course := ix.course(drug); course != nil && course.Recent && course.Started && !scheduled(ix, course) {
		if to := ix.switchedTo(course); to != nil {
			switchBack = switchBackEvidence(course, to)
		} else {
			c.cont, c.course = true, course
			if !course.Start.IsZero() {
				c.newFrom = dayOf(course.Start)
			}
		}
	}
	var out []Finding
	for _, r := range orderRules {
		if stop != nil && stop() { // between rules too: one order's rules on a hostile record can be slow
			return nil, ErrStopped
		}
		if r.drug != "" && r.drug != drug || !c.applies(r.when) {
			continue
		}
		f, ok := r.check(c)
		// Only what the record's own reading gives keeps a later rule
		// quiet (failsafe14): "hbv-active" from an HBsAg dated 2036 alone
		// hid the record's own positive anti-HBc ("check HBV DNA"), and
		// nothing was left of it for a prescriber who found the 2036 date
		// an error; the record's card now stands beside the questioned one.
		own := ok
		if a := c.aheadCtx(); a != nil { // results dated after today (ahead.go)
			if af, aok := r.check(a); sayMore(f, ok, af, aok, r.level) {
				f, ok = ix.takeAhead(f, ok, af), true
			}
		}
		if !ok {
			continue
		}
		f.Code, f.Category, f.Drug, f.OrderID, f.OnTreatment = r.code, r.category, drug, order.ID, c.cont
		f.SinceStart = c.sinceKnownStart() && r.when.newOnCourse
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
		if !r.when.course && len(switchBack) > 0 && !switchSaid[f.Category] {
			// A start check on an order that looks like a renewal: say why
			// it is a start (noise8 review), once per card (category).
			f.Evidence = append(f.Evidence, switchBack...)
			switchSaid[f.Category] = true
		}
		f.Evidence = capEvidence(f.Evidence)
		if own {
			c.fired[r.code] = true
		}
		out = append(out, f)
	}
	out = dropDoseUnknown(out)
	c.oneDose(out)
	ix.noteAheadCited(out)
	for i := range out {
		f := &out[i]
		asked := len(f.Tests) > 0
		f.Tests = c.notOrdered(f.Tests)
		f.Ordered = asked && len(f.Tests) == 0
		if !c.doseOK && isRiskRow(f.Code) && !c.cont {
			f.Evidence = append(f.Evidence, Evidence{Text: "The ordered daily dose could not be determined" + c.doseNote() +
				"; with this risk factor the lower dose (" + number(p.LowerDailyMg) + " mg once daily) is recommended over " +
				number(p.MaxDailyMg) + " mg (EU SmPC)."})
		}
		if byText {
			f.Evidence = append(f.Evidence, Evidence{Text: "The order was recognised as " + p.Generic +
				" by its name, not by a drug code: check the order.", ResourceID: order.ID})
		}
		if ix.unavailable[DataMedicationStatements] && readsMeds(f.Code) {
			f.Evidence = append(f.Evidence, Evidence{Text: OutsideUnchecked})
		}
	}
	return out, nil
}

// dropDoseUnknown leaves dose-unknown out when another finding of the
// order names the dose to use (its card says the ordered dose could not be
// read, oneDose) or rules the drug out at any dose: one card about the
// dose, not two.
func dropDoseUnknown(fs []Finding) []Finding {
	other := false
	for _, f := range fs {
		other = other || f.DoseLimitMg > 0 || notRecommendedAtAnyDose(f)
	}
	if !other {
		return fs
	}
	return slices.DeleteFunc(fs, func(f Finding) bool { return f.Code == DoseUnknown })
}

// applies reports whether a rule runs for this order.
func (c *orderCtx) applies(w applies) bool {
	if !c.cont {
		return w.start
	}
	if !w.course {
		return false
	}
	if w.within != nil {
		days, ok := c.course.Days(c.now)
		return !ok || int64(days) <= windowDays(w.within(c.cfg))
	}
	return true
}

// readsMeds reports whether the rule of code reads the medication list.
func readsMeds(code string) bool {
	for _, r := range orderRules {
		if r.code == code {
			for _, n := range r.needs {
				if n == DataMedicationStatements {
					return true
				}
			}
		}
	}
	return false
}

// oneDose gives every finding that limits the order's dose the same
// suggested dose (contract 6.3): the lowest DoseLimitMg among them, unless
// the ordered daily dose is already within it. Each such finding's action
// then states that one dose and, when it is not the finding's own limit,
// which limit set it. The product code of that strength is looked up once.
func (c *orderCtx) oneDose(fs []Finding) {
	lowest, reason, short := 0.0, "", ""
	notAtAll := "" // a finding that says the drug is not recommended at any dose
	// ruled is the lowest limit of a finding whose rule ruled its own dose
	// out (ticlopidine: the inhibitor is contraindicated with the drug).
	ruled, ruledBy := 0.0, ""
	for _, f := range fs {
		if f.RuledOut {
			if f.DoseLimitMg > 0 && (ruled == 0 || f.DoseLimitMg < ruled) {
				ruled, ruledBy = f.DoseLimitMg, or(f.RuledOutBy, or(f.Subject, f.DoseLimitReason))
			}
			continue // its rule ruled its own limit out (a contraindicated inhibitor)
		}
		if f.DoseLimitMg > 0 && (lowest == 0 || f.DoseLimitMg < lowest) {
			lowest, reason, short = f.DoseLimitMg, f.DoseLimitReason, f.DoseLimitShort
		}
		if notAtAll == "" && notRecommendedAtAnyDose(f) {
			notAtAll = lowerFirst(f.Title)
			// "abrocitinib is not recommended for this patient (abrocitinib
			// not recommended: eGFR below 30 ...)" said it twice (noise11).
			notAtAll = strings.TrimPrefix(notAtAll, lowerFirst(c.p.Generic)+" not recommended: ")
			switch f.Code { // an event during treatment: the label says discontinue
			case MACEHistory, VTERisk:
				notAtAll = labelStop(c.p, f)
			case SeriousInfectionActive, TBActive:
				notAtAll = stopReason(c.p, f)
			}
		}
	}
	if lowest == 0 {
		return
	}
	noDose := ""
	switch {
	case notAtAll != "":
		noDose = " No dose is suggested: " + c.p.Generic + " is not recommended for this patient (" + notAtAll + ")."
	case ruled > 0:
		// Ticlopidine's 50 mg names no dose (the pair is contraindicated):
		// no other limit may name one either; "Use abrocitinib 100 mg" was
		// twice the limit with ticlopidine (failsafe11), and an equal
		// renal 50 mg stood as "Use abrocitinib 50 mg" beside "Do not
		// combine" (lead engineer, 7 December: failsafe11 1, mutrev2 1).
		noDose = " No dose is suggested: with " + ruledBy + " the " + c.p.Generic + " dose is " + number(ruled) +
			" mg daily at most, and " + c.p.Generic + " is contraindicated with " + ruledBy + " (see its card)."
	}
	if noDose != "" {
		// A card suggesting "use 15 mg" beside one saying "avoid" would
		// contradict it (contract 6.3: one dose per order; here none).
		for i := range fs {
			f := &fs[i]
			if f.DoseLimitMg <= 0 || f.RuledOut {
				continue
			}
			f.SuggestedDailyMg, f.RuledOut = 0, true
			f.Action = strings.TrimSpace(f.Action + noDose)
		}
		return
	}
	suggest := lowest
	if c.doseOK && c.dose <= lowest {
		suggest = 0
	}
	// This order is within the limit but the session's orders of the drug
	// together are not (metarev): no dose to change this order to; one
	// order is to go.
	session := suggest == 0 && c.sessionMg > lowest
	if !c.doseOK {
		unread := c.orderedDoseEvidence()[0]
		for i := range fs {
			if f := &fs[i]; f.DoseLimitMg > 0 && !slices.ContainsFunc(f.Evidence, func(e Evidence) bool { return e.Text == unread.Text }) {
				f.Evidence = append(f.Evidence, unread)
			}
		}
	}
	product, asProduct := c.productFor(suggest)
	for i := range fs {
		f := &fs[i]
		if f.DoseLimitMg <= 0 || f.RuledOut {
			continue
		}
		f.SuggestedDailyMg, f.ProductCode, f.OrderedAsProduct = suggest, product, asProduct
		switch {
		case session:
			f.SessionDailyMg = c.sessionMg
			f.Evidence = capEvidence(append(f.Evidence, c.sessionEvidence()...))
			why := reason
			if f.DoseLimitMg == lowest && f.DoseLimitReason != "" {
				why = f.DoseLimitReason // this card's own limit, as its summary says (noise8 review)
			}
			f.Action = strings.TrimSpace(f.Action + " The " + c.p.Generic + " orders of this session total " + number(c.sessionMg) +
				" mg/day, above the limit of " + number(lowest) + " mg/day (" + why + "): keep one order.")
		case suggest == 0:
			f.Action = strings.TrimSpace(f.Action + " The ordered " + number(c.dose) + " mg/day is within this limit.")
		case f.DoseLimitMg == suggest:
			f.Action = strings.TrimSpace(f.Action + " Use " + c.p.Generic + " " + number(suggest) + " mg once daily.")
		default:
			f.Action = strings.TrimSpace(f.Action + " Use " + c.p.Generic + " " + number(suggest) +
				" mg once daily: the lowest dose limit for this order (" + reason + ").")
			if i := strings.LastIndex(reason, ": "); i > 0 {
				f.DoseSetBy, f.DoseSetByShort = reason[:i], short
			}
		}
	}
}

// notRecommendedAtAnyDose reports whether a finding rules the drug out
// for the patient whatever the dose: eGFR or dialysis below the label's
// limit and severe hepatic impairment (the critical renal-impairment and
// severe-hepatic-impairment findings), an age below the approved one, and
// a myocardial infarction or stroke during upadacitinib treatment (RINVOQ
// 5.4: discontinue; a lower dose is no answer to it), and a serious
// infection or active tuberculosis during treatment (5.1: interrupt or
// discontinue).
func notRecommendedAtAnyDose(f Finding) bool {
	switch f.Code {
	case RenalImpairment, SevereHepaticImpairment:
		return f.Level == Critical
	case AgeNotApproved:
		return true
	case MACEHistory, VTERisk:
		return f.SinceStart && f.Discontinue
	case SeriousInfectionActive, TBActive:
		// During treatment: the label interrupts (RINVOQ) or discontinues
		// (CIBINQO) the drug; a dose to go on with is no answer (ixcond).
		return f.OnTreatment
	}
	return false
}

// productFor returns the product code of the drug at mg per tablet (once
// daily) when the knowledge base has one, and whether the order itself is
// coded as a product (so that a suggestion must not fall back to the
// ingredient code).
func (c *orderCtx) productFor(mg float64) (Coding, bool) {
	// A Medication resource with an ingredient strength stands for a
	// product of the EHR's formulary. A strength written only in the text
	// of an order coded by the ingredient (or not coded) does not: the
	// update then keeps the ingredient code and states the new strength in
	// its text, which replaces no product.
	asProduct := c.order.Dose.IngredientStrengthMg > 0
	tty := c.k.TermType(c.p.ValueSet, c.order.Codes)
	for _, x := range c.order.Codes {
		if !c.k.Has(c.p.ValueSet, []Coding{x}) {
			continue
		}
		if x.System != SystemRxNorm || normCode(x.System, x.Code) != c.p.Ingredient {
			asProduct = true // a product code (SCD, SBD, NDC, ...) of the drug
		}
	}
	if mg <= 0 {
		return Coding{}, asProduct
	}
	if isSolutionText(c.order.Text) || c.k.SolutionProduct(c.p.ValueSet, c.order.Codes) {
		// An oral solution (RINVOQ LQ): the products of a strength in mg
		// are tablets, and the update must not switch the form (nor may it
		// fall back to the ingredient, whose update names a tablet).
		return Coding{}, true
	}
	for _, x := range c.order.Codes {
		if x.System == SystemNDC && c.k.Has(c.p.ValueSet, []Coding{x}) {
			product, _ := c.k.ProductNDC(c.p.ValueSet, mg, normCode(x.System, x.Code))
			return product, asProduct
		}
	}
	prefer := "SCD"
	if tty == "SBD" || tty == "BPCK" || hasWord(strings.ToLower(c.order.Text), strings.ToLower(c.p.Brand)) {
		prefer = "SBD"
	}
	product, _ := c.k.Product(c.p.ValueSet, mg, prefer)
	return product, asProduct
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

// windowFrom is the first day of a window of w ending today.
func (c *orderCtx) windowFrom(w time.Duration) civilDay { return windowStart(c.ix.today, w) }

// ordering reports whether the session orders a test of one of the sets.
func (c *orderCtx) ordering(sets ...string) bool {
	for _, s := range sets {
		if c.k.Has(s, c.si.services()) {
			return true
		}
	}
	return false
}

// serviceOrders returns the session's ServiceRequests one by one.
func (si *sessionIndex) serviceOrders() []ServiceOrder {
	if si == nil {
		return nil
	}
	return si.svcOrds
}

func (si *sessionIndex) services() []Coding {
	if si == nil {
		return nil
	}
	return si.svc
}

// medsIn returns the current record medications of the set and the other
// live session orders in it (at most maxEvidence of those), without the
// evaluated drug itself (a renewal is not a combination), and how many
// session orders were left out.
func (c *orderCtx) medsIn(set string) (ms []*Medication, more int) {
	for _, m := range c.ix.takenMeds(set) {
		if !c.sameDrug(m) {
			ms = append(ms, m)
		}
	}
	others, total := c.si.others(set, c.key, maxEvidence)
	for _, m := range others {
		if !c.sameDrug(m) {
			ms = append(ms, m)
		}
	}
	return ms, total - len(others)
}

// sameDrug reports whether m (a record medication or a session order) is
// the evaluated trigger drug itself.
func (c *orderCtx) sameDrug(m *Medication) bool {
	if d, ok := c.ix.drugOf[m]; ok {
		return d == c.drug
	}
	if c.si != nil {
		if d, ok := c.si.drugOf[m]; ok {
			return d == c.drug
		}
	}
	return false
}

// durationText renders a window: "12 months", "4 weeks", "90 days".
func durationText(d time.Duration) string {
	switch {
	case d%year == 0:
		return number(float64(d/year*12)) + " months"
	case d%week == 0 && d < 90*day:
		return number(float64(d/week)) + " weeks"
	}
	return number(float64(windowDays(d))) + " days"
}

// conditionName is the condition's text or first display or code.
func conditionName(c *Condition) string {
	if c.Text != "" {
		return clipName(c.Text)
	}
	return codingsName(c.Codes)
}

func codingsName(cs []Coding) string {
	for _, x := range cs {
		if x.Display != "" {
			return clipName(x.Display)
		}
	}
	for _, x := range cs {
		if x.Code != "" {
			return clipName(x.Code)
		}
	}
	return "unnamed"
}

// medicationName is the medication's text or first display, else the
// knowledge base's name of its code (CodeName), else its code.
func medicationName(m *Medication) string {
	if m.Text != "" {
		return clipName(m.Text)
	}
	if m.CodeName != "" && !hasDisplay(m.Codes) {
		return m.CodeName
	}
	return codingsName(m.Codes)
}

// maxNameRunes is the most of a name as sent that a card repeats: a
// 400 kB condition or drug text was a 400 kB card, repeated in its
// evidence and its action (failsafe16).
const maxNameRunes = 200

// clipName is name, cut to maxNameRunes runes with "…" when longer.
func clipName(name string) string {
	if utf8.RuneCountInString(name) <= maxNameRunes {
		return name
	}
	return string([]rune(name)[:maxNameRunes]) + "…"
}

// medicationLabel is medicationName for an evidence line: a name the
// knowledge base gave a bare code keeps that code ("clopidogrel 75 MG Oral
// Tablet, code 309362"), as a condition's does.
func medicationLabel(m *Medication) string {
	n := medicationName(m)
	if n == m.CodeName && m.NamedCode != "" {
		return n + ", code " + m.NamedCode
	}
	return n
}

// conditionDate is when a condition began (onset, else recorded; zero when
// unknown). A date more than maxPlausibleAge years before now (year 1800,
// 0001-01-02) is a placeholder, not a date: it is read as unknown, so that
// a current condition (pregnancy, infection) is not dropped as old.
func conditionDate(c *Condition, now time.Time) time.Time {
	if t := plausibleDate(c.Onset, now); !t.IsZero() {
		return t
	}
	return plausibleDate(c.Recorded, now)
}

// plausibleDate is t when it is no more than maxPlausibleAge years before
// now, else zero (a placeholder such as 1800-01-01 dates nothing).
func plausibleDate(t, now time.Time) time.Time {
	if t.IsZero() || dayOf(t) < dayOf(now.AddDate(-maxPlausibleAge, 0, 0)) {
		return time.Time{}
	}
	return t
}

// conditionEvidence describes conditions: "Pulmonary tuberculosis (active), since 2026-01-02"
// (its onset), or "..., recorded on 2026-01-02 (onset not stated)" when only
// the day it was put on the record is known. A date after today (a typing
// error, or an entry dated ahead) is questioned: "..., since 2027-01-01,
// after today: check its date", for every condition as the boxed-warning
// events already were (failsafe6 question 4) and as results
// dated ahead are (markAhead). An active tuberculosis "since 2027-01-01"
// was stated as a fact (noise14).
func conditionEvidence(cs []*Condition, now time.Time) []Evidence {
	var out []Evidence
	for _, c := range cs {
		t := conditionName(c)
		if c.ClinicalStatus != "" {
			t += " (" + c.ClinicalStatus + ")"
		}
		date := conditionDate(c, now)
		switch {
		case date.IsZero():
		case !onsetDate(c, now).IsZero() && !c.OnsetLast.IsZero():
			t += ", onset between " + dateText(date) + " and " + dateText(c.OnsetLast) + " (only its month or year given)"
		case !onsetDate(c, now).IsZero():
			t += ", since " + dateText(date)
		default: // only the day it was put on the record: "since" would say it began then
			t += ", recorded on " + dateText(date) + " (onset not stated)"
		}
		if !date.IsZero() && afterToday(date, now) { // +14:00 tomorrow may be past (failsafe7)
			t += ", after today: check its date"
		}
		out = append(out, Evidence{Text: t, Date: date, ResourceID: c.ID})
	}
	return out
}

// medicationEvidence describes medications: "clarithromycin 500 mg
// (active, ordered 2026-11-24): what". The date says what it is, in the
// parenthesis of the status: the card put a bare "(2026-11-24)" after the
// line, which read as the date of the dose limit ("abrocitinib 50 mg once
// daily (2026-11-24)") or stood unexplained beside the status ("(active)
// (2026-05-13)") (noise15). An order of this session is today's.
func medicationEvidence(ms []*Medication, what string) []Evidence {
	var out []Evidence
	for _, m := range ms {
		t := medicationLabel(m)
		date := m.Authored
		dated := ""
		if !date.IsZero() {
			dated = ", ordered " + dateText(date)
		}
		switch {
		case m.ResourceType == "MedicationStatement" && m.Status != "":
			if dated != "" {
				dated = ", dated " + dateText(date) // its effective date, else the day it was asserted
			}
			t += " (outside medication list, " + m.Status + dated + ")"
		case m.Status == "draft" || m.Status == "":
			t += " (ordered in this session)"
			date = time.Time{}
		case m.Status == "completed":
			t += " (completed" + dated
			if until, ok := suppliedUntil(m); ok {
				t += "; its end date or supply runs to " + dateText(until.time())
			}
			t += ")"
		default:
			t += " (" + m.Status + dated + ")"
		}
		if what != "" {
			t += ": " + what
		}
		out = append(out, Evidence{Text: t, Date: date, ResourceID: m.ID})
	}
	return out
}

// withMore caps a medication list's evidence to maxEvidence lines and
// says how many more there were, counting the more session orders that
// were not listed at all.
func withMore(ev []Evidence, more int) []Evidence {
	if more <= 0 && len(ev) <= maxEvidence {
		return ev
	}
	if len(ev) < maxEvidence {
		return append(ev, Evidence{Text: "… and " + number(float64(more)) + " more orders in this session."})
	}
	extra := len(ev) - (maxEvidence - 1) + more
	return append(ev[:maxEvidence-1:maxEvidence-1], Evidence{Text: "… and " + number(float64(extra)) + " more."})
}

// resultEvidence describes a qualitative result: "IGRA positive on 2026-10-01".
func resultEvidence(name string, o *Observation, r result) Evidence {
	return Evidence{Text: name + " " + r.String() + " on " + dateText(o.Date) + partialText(o.DateLast), Date: o.Date, ResourceID: o.ID}
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

// joinNames joins names as "a, b and c", each name once: a drug both
// prescribed and on the outside medication list is one drug (polypharm).
// Past maxNames names it says how many more there are, as the evidence
// lists do (failsafe12: 30,000 inhibitors of distinct names on the chart
// made an action of 740 KB, and the check for a name said already took
// time by the square of their number).
func joinNames(names []string) string {
	var once []string
	seen := make(map[string]bool, min(len(names), 64))
	more := 0
	for _, n := range names {
		switch {
		case seen[n]:
		case len(once) == maxNames:
			seen[n] = true
			more++
		default:
			seen[n] = true
			once = append(once, n)
		}
	}
	if more > 0 {
		return strings.Join(once, ", ") + " and " + number(float64(more)) + " more"
	}
	switch len(once) {
	case 0:
		return ""
	case 1:
		return once[0]
	}
	return strings.Join(once[:len(once)-1], ", ") + " and " + once[len(once)-1]
}

// maxNames is the most names joinNames says (as the evidence lines, whose
// last line says how many more).
const maxNames = maxEvidence - 1

// scheduled reports whether a course is dated to begin after today (a
// start date set for next week, failsafe10): none of it has been taken,
// and an order of the drug is judged as a start, its screening before
// starting included (noise10 review: an upadacitinib draft beside an
// order dated next week, with no TB test on record, answered no card, and
// patient-view says nothing before the start either). A date-only start
// is scheduled when its date is after today; a start with a time of day
// when it is after now by more than clockAhead, whatever its own date: a
// start at 20:00 today in Honolulu (06:00 UTC tomorrow) is ahead, one at
// 01:00 tomorrow in Kiritimati (11:00 UTC today) has begun (failsafe12).
func scheduled(ix *index, c *Course) bool {
	switch {
	case c.Start.IsZero():
		return false
	case dateOnly(c.Start):
		return dayOf(c.Start) > ix.today
	}
	return c.Start.After(ix.now.Add(clockAhead))
}
