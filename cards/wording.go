package cards

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"jakguard/rules"
)

// All card wording lives in this file: the per-code table, the category
// names, the override reasons and the drug sources.

// MaxSummaryRunes is the longest summary allowed (CDS Hooks: "<140 characters").
const MaxSummaryRunes = 139

// categoryOther is the card category of a finding whose category and code
// are both unknown to this package.
const categoryOther rules.Category = "other"

// summaryArgs is what a summary is written from.
type summaryArgs struct {
	Drug   string     // "upadacitinib", or "the JAK inhibitor"
	ID     rules.Drug // the drug Drug names
	Mg     string     // suggested daily dose, "" when none
	OnTx   bool       // patient-view: the patient is on treatment
	Crit   bool       // the card is critical
	Shorts string     // grouped cards: the listed items, "TB, hepatitis B/C and CBC"
	// Threshold is the finding's configured limit ("500 cells/mm³"), "" when none.
	Threshold string
	// Subject is what the finding names (the interacting drug), "" when none.
	Subject string
	// Avoid: the label says avoid (cyp-interaction); AvoidWord is the
	// label's word for it (rules.AvoidWord: "not recommended" for RINVOQ).
	Avoid     bool
	AvoidWord string
	// OnHold: patient-view, the course is on hold; "Interrupt {drug}"
	// reads "Keep {drug} on hold".
	OnHold bool
	// Planned: patient-view, the course is only planned (an intended
	// statement): the start wording, although the card is not an order's.
	Planned bool
	// Since: a finding is about what began since a known course start
	// (rules.Finding.SinceStart).
	Since bool
	// Stop: the label says to discontinue Drug for a finding on treatment
	// (after a myocardial infarction or stroke, RINVOQ and CIBINQO 5.4; a
	// thrombosis, 5.5); StopWhat names the events ("MI or stroke").
	Stop     bool
	StopWhat string
	// Ended is the date the course of Drug ended ("2026-10-01"), on a
	// reverse-direction card whose course is recent, not ongoing; "" otherwise.
	Ended string
	// PatientView: the card is a patient-view card (OnTx is also set on
	// an order-time continuation), for wording that depends on the hook
	// rather than on the patient being on treatment.
	PatientView bool
}

// codeInfo is the wording and defaults of one finding code.
type codeInfo struct {
	category rules.Category // default card category when the finding has none
	level    rules.Level    // the contract's level: the card is at least this
	short    string         // item name on grouped cards and in lists
	summary  func(a summaryArgs) string
	reasons  []Coding // code-specific override reasons, before the category ones
	// reverse is the summary when the order is not the JAK inhibitor but a
	// drug that interacts with the patient's course ({subject} is that
	// drug, {drug} the course's), and reverseReasons that card's override
	// reasons before the shared reverse ones (contract 6.1, issue 15).
	reverse        func(a summaryArgs) string
	reverseReasons []Coding
}

// codeOrder lists the codes in the order findings are shown and cards sorted.
var codeOrder = []string{
	rules.TBScreeningMissing, rules.HBVScreeningMissing, rules.HCVScreeningMissing, rules.CBCMissing,
	rules.LiverEnzymesMissing, rules.LipidsMissing, rules.PregnancyTestMissing, rules.ZosterVaccineMissing,
	rules.TBActive, rules.TBLatentUntreated, rules.HBVActive, rules.HBVCoreAntibodyPositive,
	rules.HCVActive, rules.HCVAntibodyPositive,
	rules.Lymphopenia, rules.Neutropenia, rules.Anemia, rules.Thrombocytopenia,
	rules.Pregnancy, rules.Breastfeeding, rules.SeriousInfectionActive, rules.SevereHepaticImpairment,
	rules.AgeNotApproved, rules.AgeUnknown, rules.CombinationJAK, rules.AntiplateletAbrocitinib, rules.LiveVaccineRecent,
	rules.LiveVaccineOrdered, rules.RenalImpairment, rules.DoseAboveLabel, rules.DoseUnknown, rules.WeightBelowLabel,
	rules.CYP2C19PoorMetabolizer, rules.CYPInteraction, rules.PgpSubstrate,
	rules.CombinationBiologic, rules.CombinationImmunosuppressant,
	rules.LowerDoseRecommended, rules.CardiovascularRisk, rules.MACEHistory, rules.Smoker, rules.VTERisk,
	rules.Malignancy, rules.NoPriorSystemicTherapy,
	rules.MonitoringCBCDue, rules.MonitoringLiverDue, rules.MonitoringLipidsDue,
}

func fixed(s string) func(summaryArgs) string {
	return func(a summaryArgs) string { return expand(s, a) }
}

// naming is fixed followed by sep and the drug the finding is about
// (Subject), when there is one and it fits: "Avoid combining upadacitinib
// with a biologic immunomodulator (dupilumab 300 MG/2ML Prefilled
// Syringe)". The combination and antiplatelet summaries named no drug, so
// the clinician could not tell from the summary which order to stop, while
// the JAK inhibitor's summary named it (noise15). A name too long to fit
// is left to the detail rather than cut.
func naming(s, sep, end string) func(summaryArgs) string {
	return func(a summaryArgs) string {
		base := expand(s, a)
		if a.Subject == "" {
			return base
		}
		if t := base + sep + a.Subject + end; utf8.RuneCountInString(t) <= MaxSummaryRunes {
			return t
		}
		return base
	}
}

// byTherapy is fixed with one summary for a patient already on the drug
// (onTx) and another for a new start.
func byTherapy(onTx, start string) func(summaryArgs) string {
	return func(a summaryArgs) string {
		if a.treating() {
			return expand(onTx, a)
		}
		return expand(start, a)
	}
}

// byInfectionLabel is byTherapy for an infection during treatment, whose
// verb is the drug's label's (rules.StopsForInfection): interrupt
// (RINVOQ 5.1) or discontinue (CIBINQO 5.1, a course on hold too).
func byInfectionLabel(interrupt, discontinue, start string) func(summaryArgs) string {
	return func(a summaryArgs) string {
		switch {
		case !a.treating():
			return expand(start, a)
		case rules.StopsForInfection(a.ID):
			return expand(discontinue, a)
		}
		return expand(interrupt, a)
	}
}

// expand replaces {drug}, {mg}, {subject}, {limit} and {ended} in s,
// leftmost first, as a strings.Replacer of them would (one is not built
// per card: that was 1.5 % of a first prescription's CPU).
func expand(s string, a summaryArgs) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '{')
		j := strings.IndexByte(s[i+1:], '}') // i is -1 when there is none
		if i < 0 || j < 0 {
			break
		}
		name := s[i+1 : i+1+j]
		var v string
		switch name {
		case "drug":
			v = a.Drug
		case "mg":
			v = a.Mg
		case "subject":
			v = a.Subject
		case "limit":
			v = a.Threshold
		case "ended":
			v = a.Ended
		default: // no placeholder: keep the brace, look on after it
			b.WriteString(s[:i+1])
			s = s[i+1:]
			continue
		}
		b.WriteString(s[:i])
		b.WriteString(v)
		s = s[i+2+j:]
	}
	if b.Len() == 0 {
		return s
	}
	b.WriteString(s)
	return b.String()
}

// onCourse is a reverse-direction summary: one for a patient whose course
// goes on, one for a course that ended recently (Ended).
func onCourse(ongoing, ended string) func(summaryArgs) string {
	return func(a summaryArgs) string {
		if a.Ended != "" {
			return expand(ended, a)
		}
		return expand(ongoing, a)
	}
}

// lab is the summary of a blood-count finding: do not start at order time,
// interrupt (or discontinue) on treatment.
// The limit is the finding's configured Threshold; the label's default
// stands in when a finding carries none.
func lab(what, defaultLimit, onTxVerb string) func(summaryArgs) string {
	return func(a summaryArgs) string {
		w := what + " " + or(a.Threshold, defaultLimit)
		if a.treating() {
			return onTxVerb + " " + a.Drug + ": " + w
		}
		return "Do not start " + a.Drug + ": " + w
	}
}

// treating reports whether the card speaks of a drug being taken
// (patient-view or a continuation), not of one about to start.
func (a summaryArgs) treating() bool { return a.OnTx && !a.Planned }

// or is s, or def when s is empty.
func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// lowerDose words a dose finding: "Reduce {drug} to {mg} mg daily: why",
// else the fallback.
func lowerDose(why, otherwise string) func(summaryArgs) string {
	return func(a summaryArgs) string {
		if a.Mg != "" {
			return expand("Reduce {drug} to {mg} mg daily: ", a) + why
		}
		return expand(otherwise, a)
	}
}

// Override reasons shared by several cards.
var (
	reasonBenefit      = Coding{OverrideReasonSystem, "benefit-outweighs-risk", "Benefit outweighs risk, discussed with patient"}
	reasonOutdated     = Coding{OverrideReasonSystem, "record-out-of-date", "Record out of date (resolved or no longer taken)"}
	reasonDoneElsewere = Coding{OverrideReasonSystem, "screening-done-elsewhere", "Screening done elsewhere"}
	reasonOrdered      = Coding{OverrideReasonSystem, "already-ordered", "Already ordered or scheduled"}
	reasonNotApplic    = Coding{OverrideReasonSystem, "not-applicable", "Not applicable to this patient"}
	reasonLowerTried   = Coding{OverrideReasonSystem, "lower-dose-tried", "Lower dose tried, response inadequate"}
	reasonNewerResult  = Coding{OverrideReasonSystem, "newer-result-elsewhere", "Newer result available elsewhere"}
	reasonSpecialist   = Coding{OverrideReasonSystem, "specialist-agreed", "Specialist consulted and agrees"}
	reasonLatentTBTx   = Coding{OverrideReasonSystem, "latent-tb-treatment-started", "Treatment of latent TB already started"}
	reasonOtherJAKStop = Coding{OverrideReasonSystem, "other-drug-stopped", "Other drug stopped or being stopped"}
	reasonPriorTherapy = Coding{OverrideReasonSystem, "prior-therapy-elsewhere", "Prior systemic therapy given elsewhere"}
	reasonInadvisable  = Coding{OverrideReasonSystem, "other-therapies-inadvisable", "Other systemic therapies inadvisable"}
	reasonMonDone      = Coding{OverrideReasonSystem, "monitoring-done-elsewhere", "Tests done elsewhere"}
	reasonAgeChecked   = Coding{OverrideReasonSystem, "age-checked", "Age checked: within the label"}
	reasonDoseChecked  = Coding{OverrideReasonSystem, "dose-checked", "Dose checked: within the label"}
	reasonLevels       = Coding{OverrideReasonSystem, "levels-monitored", "Levels and toxicity are being monitored"}
	reasonNotLive      = Coding{OverrideReasonSystem, "vaccine-not-live", "The vaccine is not a live vaccine"}
	reasonWeightNow    = Coding{OverrideReasonSystem, "current-weight-at-least-limit", "Current weight is at or above the limit"}

	// Reasons of the reverse-direction cards (issue 15).
	reasonBenefitMonitored = Coding{OverrideReasonSystem, "benefit-outweighs-risk-monitored", "Benefit outweighs risk, monitoring arranged"}
	reasonCourseStopped    = Coding{OverrideReasonSystem, "jak-course-stopped", "JAK inhibitor stopped or being stopped"}
	reasonJAKDoseAdjusted  = Coding{OverrideReasonSystem, "jak-dose-adjusted", "JAK inhibitor dose already adjusted"}
	reasonLowDoseAspirin   = Coding{OverrideReasonSystem, "low-dose-aspirin", "Aspirin 81 mg/day or less"}
	reasonSwitch           = Coding{OverrideReasonSystem, "planned-switch", "Planned switch: the JAK inhibitor stops before this starts"}
)

// reverseShared are the override reasons of every reverse-direction card,
// after its code's own.
var reverseShared = []Coding{reasonBenefitMonitored, reasonCourseStopped, reasonOutdated}

var codeTable = map[string]codeInfo{
	// Pre-treatment screening: one card per order. The short names are the
	// things to order, so that the card reads "Order before starting
	// upadacitinib: TB test, hepatitis B and C tests, CBC ...".
	rules.TBScreeningMissing:   {category: rules.CategoryScreening, level: rules.Warning, short: "TB test"},
	rules.HBVScreeningMissing:  {category: rules.CategoryScreening, level: rules.Warning, short: "hepatitis B tests"},
	rules.HCVScreeningMissing:  {category: rules.CategoryScreening, level: rules.Warning, short: "hepatitis C test"},
	rules.CBCMissing:           {category: rules.CategoryScreening, level: rules.Warning, short: "CBC"},
	rules.LiverEnzymesMissing:  {category: rules.CategoryScreening, level: rules.Warning, short: "ALT/AST"},
	rules.LipidsMissing:        {category: rules.CategoryScreening, level: rules.Warning, short: "lipid panel"},
	rules.PregnancyTestMissing: {category: rules.CategoryScreening, level: rules.Warning, short: "pregnancy test"},
	rules.ZosterVaccineMissing: {category: rules.CategoryScreening, level: rules.Warning, short: "zoster vaccine"},

	// Contraindications: one card each.
	rules.TBActive: {category: rules.CategoryContraindication, level: rules.Critical, short: "active tuberculosis",
		summary: byInfectionLabel("Interrupt {drug}: active tuberculosis", "Discontinue {drug}: active tuberculosis",
			"Do not start {drug}: active tuberculosis"),
		reasons: []Coding{reasonSpecialist}},
	rules.TBLatentUntreated: {category: rules.CategoryContraindication, level: rules.Critical, short: "untreated latent TB",
		summary: byTherapy("Start latent TB treatment: positive TB test on {drug}", "Treat latent TB before starting {drug}"),
		reasons: []Coding{reasonLatentTBTx}},
	rules.HBVActive: {category: rules.CategoryContraindication, level: rules.Critical, short: "active hepatitis B",
		summary: byTherapy("Seek hepatology advice on {drug}: active hepatitis B", "Do not start {drug}: active hepatitis B"),
		reasons: []Coding{reasonSpecialist}},
	rules.HBVCoreAntibodyPositive: {category: rules.CategoryContraindication, level: rules.Warning, short: "anti-HBc positive",
		summary: fixed("Order HBV DNA before starting {drug}: anti-HBc positive"), reasons: []Coding{reasonDoneElsewere, reasonOrdered, reasonSpecialist}},
	rules.HCVActive: {category: rules.CategoryContraindication, level: rules.Critical, short: "active hepatitis C",
		summary: byTherapy("Seek hepatology advice on {drug}: active hepatitis C", "Do not start {drug}: active hepatitis C"),
		reasons: []Coding{reasonSpecialist}},
	rules.HCVAntibodyPositive: {category: rules.CategoryContraindication, level: rules.Warning, short: "HCV antibody positive",
		summary: fixed("Order HCV RNA before starting {drug}: HCV antibody positive"), reasons: []Coding{reasonDoneElsewere, reasonOrdered, reasonSpecialist}},
	rules.Pregnancy: {category: rules.CategoryContraindication, level: rules.Critical, short: "pregnancy",
		summary: byTherapy("Review {drug} now: patient is pregnant", "Avoid starting {drug}: patient is pregnant")},
	rules.Breastfeeding: {category: rules.CategoryContraindication, level: rules.Critical, short: "breastfeeding",
		summary: func(a summaryArgs) string {
			after := ""
			if a.Subject != "" {
				after = " and for " + a.Subject + " after the last dose"
			}
			if a.treating() {
				return expand("No breastfeeding on {drug}", a) + after
			}
			return expand("Do not start {drug} while breastfeeding: no breastfeeding on it", a) + after
		}},
	rules.SeriousInfectionActive: {category: rules.CategoryContraindication, level: rules.Critical, short: "serious infection",
		summary: byInfectionLabel("Interrupt {drug} until the serious infection is controlled",
			"Discontinue {drug}: serious infection (US label; weigh restarting once it is controlled)",
			"Do not start {drug} during an active serious infection")},
	// Critical for Child-Pugh C or decompensation, a warning for cirrhosis
	// without a class (contract 6.4): the finding carries the level.
	rules.SevereHepaticImpairment: {category: rules.CategoryContraindication, level: rules.Warning, short: "severe hepatic impairment",
		summary: func(a summaryArgs) string {
			if !a.Crit {
				return expand("Confirm the Child-Pugh class before using {drug}: cirrhosis on record", a)
			}
			return expand("Avoid {drug}: severe hepatic impairment (Child-Pugh C)", a)
		}},
	rules.AgeNotApproved: {category: rules.CategoryContraindication, level: rules.Critical, short: "age under 12",
		summary: func(a summaryArgs) string {
			switch {
			case a.Subject != "": // a partial birth date allows both sides of 12
				return expand("Check the birth date before {drug}: the patient may be under 12 (not approved)", a)
			case a.treating():
				return expand("Review {drug}: not approved under 12 years of age", a)
			}
			return expand("Do not start {drug}: not approved under 12 years of age", a)
		}},
	rules.AgeUnknown: {category: rules.CategoryRecord, level: rules.Warning, short: "age unknown",
		summary: fixed("Record the birth date: the age checks for {drug} could not run"), reasons: []Coding{reasonAgeChecked}},
	rules.CombinationJAK: {category: rules.CategoryContraindication, level: rules.Critical, short: "another JAK inhibitor",
		summary: func(a summaryArgs) string {
			if a.Subject != "" {
				return expand("Do not combine {drug} with another JAK inhibitor ({subject})", a)
			}
			return expand("Do not combine {drug} with another JAK inhibitor", a)
		}, reasons: []Coding{reasonOtherJAKStop},
		reverse: onCourse("Do not add {subject}: patient is on {drug}, another JAK inhibitor",
			"Confirm {drug} is stopped before starting {subject}: no two JAK inhibitors"),
		reverseReasons: []Coding{reasonSwitch}},
	rules.AntiplateletAbrocitinib: {category: rules.CategoryContraindication, level: rules.Critical, short: "antiplatelet drug",
		summary: naming("Do not combine {drug} with antiplatelets (low-dose aspirin aside) in the first 3 months", ": ", ""),
		reasons: []Coding{reasonOtherJAKStop},
		reverse: onCourse("Do not add {subject}: contraindicated in the first 3 months of {drug}",
			"Do not add {subject} if {drug} resumes: contraindicated in its first 3 months")},
	rules.LiveVaccineRecent: {category: rules.CategoryContraindication, level: rules.Warning, short: "recent live vaccine",
		summary: func(a summaryArgs) string {
			if a.treating() {
				return expand("Live vaccine given with {drug}: watch for vaccine-strain infection", a)
			}
			return expand("Consider delaying {drug}: live vaccine given within ", a) + or(a.Threshold, "28 days")
		}},

	// Lab safety: one card each.
	rules.Lymphopenia: {category: rules.CategoryLabSafety, level: rules.Critical, short: "lymphopenia",
		summary: lab("lymphocytes below", "500 cells/mm³", "Interrupt"), reasons: []Coding{reasonNewerResult}},
	rules.Neutropenia: {category: rules.CategoryLabSafety, level: rules.Critical, short: "neutropenia",
		summary: lab("neutrophils below", "1,000 cells/mm³", "Interrupt"), reasons: []Coding{reasonNewerResult}},
	rules.Anemia: {category: rules.CategoryLabSafety, level: rules.Critical, short: "anemia",
		summary: lab("hemoglobin below", "8 g/dL", "Interrupt"), reasons: []Coding{reasonNewerResult}},
	rules.Thrombocytopenia: {category: rules.CategoryLabSafety, level: rules.Critical, short: "thrombocytopenia",
		summary: func(a summaryArgs) string {
			if a.treating() {
				return "Discontinue " + a.Drug + ": platelets below " + or(a.Threshold, "50,000/mm³")
			}
			return "Do not start " + a.Drug + ": platelets below " + or(a.Threshold, "150,000/mm³")
		}, reasons: []Coding{reasonNewerResult}},

	// Dosing and interactions: one card each.
	rules.RenalImpairment: {category: rules.CategoryDosing, level: rules.Warning, short: "renal impairment",
		summary: func(a summaryArgs) string {
			switch {
			case a.Subject != "": // the eGFR is old or censored: Subject says how
				return expand("Check renal function for {drug}: {subject}", a)
			case a.Mg != "":
				return expand("Reduce {drug} to {mg} mg daily: reduced kidney function", a)
			case a.Crit && a.Threshold != "":
				return expand("Avoid {drug}: eGFR below {limit}, end-stage renal disease or dialysis", a)
			case a.Crit:
				return expand("Avoid {drug}: severe renal impairment or dialysis", a)
			case a.Threshold != "":
				return expand("Keep {drug} at the renal dose: eGFR below {limit}", a)
			}
			return expand("Keep {drug} at the renal dose: reduced kidney function", a)
		}},
	rules.DoseAboveLabel: {category: rules.CategoryDosing, level: rules.Warning, short: "dose above label",
		summary: lowerDose("above the atopic dermatitis maximum", "Review {drug} dose: above the atopic dermatitis maximum"),
		reasons: []Coding{reasonSpecialist}},
	rules.DoseUnknown: {category: rules.CategoryDosing, level: rules.Info, short: "dose not checked",
		summary: fixed("Dose not checked: {drug} daily dose could not be read"), reasons: []Coding{reasonDoseChecked}},
	rules.WeightBelowLabel: {category: rules.CategoryDosing, level: rules.Warning, short: "weight under the label",
		summary: func(a summaryArgs) string {
			return expand("Reconsider {drug}: patient under 18 weighing under ", a) + or(a.Threshold, "40 kg") + " (not labelled)"
		}, reasons: []Coding{reasonWeightNow, reasonSpecialist}},
	rules.CYP2C19PoorMetabolizer: {category: rules.CategoryDosing, level: rules.Warning, short: "CYP2C19 poor metabolizer",
		summary: lowerDose("CYP2C19 poor metabolizer", "Keep {drug} at the reduced dose: CYP2C19 poor metabolizer"),
		reasons: []Coding{reasonLowerTried, reasonSpecialist}},
	rules.CYPInteraction: {category: rules.CategoryInteraction, level: rules.Warning, short: "CYP interaction",
		summary: func(a summaryArgs) string {
			with := ""
			if a.Subject != "" {
				with = " ({subject})"
			}
			switch {
			case a.Avoid:
				return expand("Avoid {drug} with {subject}: CYP interaction ("+a.AvoidWord+")", a)
			case a.Mg != "":
				return expand("Reduce {drug} to {mg} mg daily: strong CYP inhibitor"+with, a)
			}
			return expand("Keep {drug} at the reduced dose: strong CYP inhibitor"+with, a)
		},
		reasons: []Coding{reasonOtherJAKStop},
		reverse: func(a summaryArgs) string {
			resumes := ""
			if a.Ended != "" {
				resumes = " if {drug} resumes"
			}
			switch {
			case a.Avoid && resumes != "":
				// "Avoid fluconazole if abrocitinib resumes: CYP interaction
				// with abrocitinib" named the drug twice (noise13).
				return expand("Avoid {subject}"+resumes+": CYP interaction ("+a.AvoidWord+")", a)
			case a.Avoid:
				return expand("Avoid {subject}: CYP interaction with {drug} ("+a.AvoidWord+")", a)
			case a.Mg != "" && a.Ended != "":
				return expand("If {drug} resumes with {subject}, use {mg} mg daily at most (strong CYP inhibitor)", a)
			case a.Mg != "":
				return expand("Reduce {drug} to {mg} mg daily while on {subject} (strong CYP inhibitor)", a)
			case a.Ended != "":
				// The course ended: "Keep upadacitinib at ..." would say the
				// patient is on it.
				return expand("If {drug} resumes with {subject}, use "+or(a.Threshold, "the reduced dose")+" daily or less (strong CYP inhibitor)", a)
			}
			return expand("Keep {drug} at "+or(a.Threshold, "the reduced dose")+" daily or less while on {subject} (strong CYP inhibitor)", a)
		},
		reverseReasons: []Coding{reasonJAKDoseAdjusted}},
	rules.PgpSubstrate: {category: rules.CategoryInteraction, level: rules.Info, short: "P-gp substrate",
		summary: func(a summaryArgs) string {
			return "Monitor " + or(a.Subject, "the P-gp substrate") + expand(": {drug} raises levels of narrow-margin P-gp substrates", a)
		}, reasons: []Coding{reasonLevels},
		// The reverse direction as the forward one: "Monitor dabigatran
		// levels" asked for a level no one measures (bleeding and renal
		// function are what is watched), and "levels ... raises levels"
		// said it twice; what to monitor is in the detail (levels,
		// toxicity) (noise14).
		reverse: onCourse("Monitor {subject}: {drug} raises levels of narrow-margin P-gp substrates",
			"Monitor {subject} if {drug} resumes: it raises levels of narrow-margin P-gp substrates"),
		reverseReasons: []Coding{reasonLevels}},
	rules.LiveVaccineOrdered: {category: rules.CategoryInteraction, level: rules.Warning, short: "live vaccine ordered",
		summary: func(a summaryArgs) string {
			s := expand("Avoid live vaccines with {drug}: ", a) + or(a.Subject, "a live vaccine")
			if a.PatientView { // an order or an outside statement on the chart; at order time (a renewal too) it is being ordered
				return s + " on the medication list"
			}
			return s + " ordered"
		}, reasons: []Coding{reasonNotLive},
		reverse: onCourse("Avoid {subject}: live vaccine for a patient on {drug}",
			"Confirm {drug} is stopped before giving {subject}: live vaccine, course ended {ended}"),
		reverseReasons: []Coding{reasonNotLive}},
	rules.CombinationBiologic: {category: rules.CategoryInteraction, level: rules.Warning, short: "biologic immunomodulator",
		summary: naming("Avoid combining {drug} with a biologic immunomodulator", " (", ")"), reasons: []Coding{reasonOtherJAKStop},
		reverse: onCourse("Avoid adding {subject}: patient is on {drug} (biologic with a JAK inhibitor)",
			"Confirm {drug} is stopped before starting {subject}: biologic with a JAK inhibitor"),
		reverseReasons: []Coding{reasonSwitch}},
	rules.CombinationImmunosuppressant: {category: rules.CategoryInteraction, level: rules.Warning, short: "potent immunosuppressant",
		summary: naming("Avoid combining {drug} with a potent immunosuppressant", " (", ")"), reasons: []Coding{reasonOtherJAKStop},
		reverse: onCourse("Avoid adding {subject}: patient is on {drug} (potent immunosuppressant)",
			"Confirm {drug} is stopped before starting {subject}: potent immunosuppressant"),
		reverseReasons: []Coding{reasonSwitch}},

	// Boxed-warning risk factors: one card per order.
	rules.LowerDoseRecommended: {category: rules.CategoryRiskFactors, level: rules.Warning, short: "lower dose recommended"},
	rules.CardiovascularRisk:   {category: rules.CategoryRiskFactors, level: rules.Warning, short: "cardiovascular risk"},
	rules.MACEHistory:          {category: rules.CategoryRiskFactors, level: rules.Warning, short: "prior MI or stroke"},
	rules.Smoker:               {category: rules.CategoryRiskFactors, level: rules.Warning, short: "smoking"},
	rules.VTERisk:              {category: rules.CategoryRiskFactors, level: rules.Warning, short: "VTE risk"},
	rules.Malignancy:           {category: rules.CategoryRiskFactors, level: rules.Warning, short: "malignancy"},

	// Indication.
	rules.NoPriorSystemicTherapy: {category: rules.CategoryIndication, level: rules.Info, short: "no prior systemic therapy",
		summary: fixed("Confirm prior systemic therapy: {drug} is labelled for refractory atopic dermatitis"),
		reasons: []Coding{reasonPriorTherapy, reasonInadvisable}},

	// On-treatment monitoring: one card per order.
	rules.MonitoringCBCDue:    {category: rules.CategoryMonitoring, level: rules.Warning, short: "CBC"},
	rules.MonitoringLiverDue:  {category: rules.CategoryMonitoring, level: rules.Warning, short: "ALT/AST"},
	rules.MonitoringLipidsDue: {category: rules.CategoryMonitoring, level: rules.Warning, short: "lipid panel"},
}

// categoryInfo is the wording of one card category.
type categoryInfo struct {
	display string
	grouped bool // one card for all findings of the category on an order
	summary func(a summaryArgs) string
	// ordered is the summary of a grouped card whose every test is being
	// ordered in this session (rules.Finding.Ordered); nil: summary.
	ordered func(a summaryArgs) string
	reasons []Coding
}

var categoryOrder = []rules.Category{
	rules.CategoryContraindication, rules.CategoryLabSafety, rules.CategoryScreening,
	rules.CategoryDosing, rules.CategoryInteraction, rules.CategoryRiskFactors,
	rules.CategoryMonitoring, rules.CategoryIndication, rules.CategoryRecord, categoryOther,
}

var categoryTable = map[rules.Category]categoryInfo{
	rules.CategoryScreening: {display: "Pre-treatment screening", grouped: true,
		summary: fixed("Order before starting {drug}: {items}"),
		ordered: fixed("Review before starting {drug}: {items} being ordered"),
		reasons: []Coding{reasonDoneElsewere, reasonOrdered, reasonNotApplic}},
	rules.CategoryContraindication: {display: "Contraindication",
		reasons: []Coding{reasonBenefit, reasonOutdated}},
	rules.CategoryRiskFactors: {display: "Boxed-warning risk factors", grouped: true,
		summary: func(a summaryArgs) string {
			switch {
			case a.Stop: // before any dose: the label says stop, not lower
				return expand("Discontinue {drug}: ", a) + a.StopWhat + " since the start"
			case a.Mg != "" && a.Subject != "" && a.Shorts != "":
				// the US label's age limit first (Subject: "aged 65 or over")
				return expand("Use {drug} {mg} mg daily: {subject} (US label); boxed-warning risks (", a) + a.Shorts + ")"
			case a.Mg != "" && a.Subject != "":
				return expand("Use {drug} {mg} mg daily: {subject} (US label)", a)
			case a.Mg != "" && a.Shorts != "":
				return expand("Use {drug} {mg} mg daily: boxed-warning risks (", a) + a.Shorts + ")"
			case a.Mg != "":
				// The risk rows are start rules: on a renewal raising the
				// dose none has a card of its own to name (Shorts), and
				// "lower dose recommended" gave the advice as its own
				// reason (noise13).
				return expand("Use {drug} {mg} mg daily: boxed-warning risks", a)
			case a.OnTx && a.Since && a.Shorts == "":
				return expand("Review {drug}: boxed-warning event since the start", a)
			case a.OnTx && a.Since:
				return expand("Review {drug}: new since the start: ", a) + a.Shorts
			case a.OnTx: // a course with no start date: what is on record may be history
				return expand("Review {drug}: boxed-warning risks on record (course start unknown): ", a) + a.Shorts
			case a.Shorts == "":
				return expand("Weigh boxed-warning risks before starting {drug}", a)
			}
			return expand("Weigh boxed-warning risks before starting {drug}: ", a) + a.Shorts
		},
		reasons: []Coding{reasonBenefit, reasonLowerTried, reasonOutdated}},
	rules.CategoryDosing: {display: "Dosing",
		reasons: []Coding{reasonLowerTried, reasonBenefit}},
	rules.CategoryInteraction: {display: "Drug interaction",
		reasons: []Coding{reasonBenefit, reasonOutdated}},
	rules.CategoryMonitoring: {display: "On-treatment monitoring", grouped: true,
		summary: fixed("Order {items}: monitoring due on {drug}"),
		ordered: fixed("Review {items} being ordered: monitoring due on {drug}"),
		reasons: []Coding{reasonMonDone, reasonOrdered}},
	rules.CategoryLabSafety: {display: "Laboratory safety",
		reasons: []Coding{reasonBenefit}},
	rules.CategoryIndication: {display: "Indication",
		reasons: []Coding{reasonBenefit}},
	rules.CategoryRecord: {display: "Incomplete record",
		reasons: []Coding{reasonNotApplic}},
	categoryOther: {display: "Other finding",
		reasons: []Coding{reasonBenefit, reasonNotApplic}},
}

// drugSource is the default source of a drug's cards: its US prescribing
// information (used when a finding carries no usable citation).
type drugSource struct {
	name, label, url, form string
	rxnorm                 string // ingredient RxCUI (grade A in the knowledge file)
	noSplit                string // why a tablet may not be split, "" when nothing to say
}

var drugTable = map[rules.Drug]drugSource{
	rules.Upadacitinib: {name: "upadacitinib",
		label: "RINVOQ (upadacitinib) US Prescribing Information (revision of 11/2023)", url: "https://www.rxabbvie.com/pdf/rinvoq_pi.pdf",
		form: "extended-release tablet", rxnorm: "2196092",
		noSplit: " (RINVOQ extended-release tablets must not be split, crushed or chewed: RINVOQ PI section 2.2)"},
	rules.Abrocitinib: {name: "abrocitinib",
		label: "CIBINQO (abrocitinib) US Prescribing Information (revision of 12/2023)", url: "https://labeling.pfizer.com/ShowLabeling.aspx?id=16652",
		form: "tablet", rxnorm: "2591476"},
}

// genericSource is the source of a card whose drug is unknown.
var genericSource = drugSource{name: "the JAK inhibitor",
	label: "US Prescribing Information (DailyMed)", url: "https://dailymed.nlm.nih.gov/dailymed/"}

func drugOf(d rules.Drug) drugSource {
	if s, ok := drugTable[d]; ok {
		return s
	}
	return genericSource
}

// dataNames are the readable names of the rules.Data* kinds.
var dataNames = map[string]string{
	rules.DataPatient:       "patient demographics",
	rules.DataConditions:    "conditions",
	rules.DataMedications:   "medications",
	rules.DataObservations:  "lab results",
	rules.DataImmunizations: "immunizations",
	// Contract 6.1: "the cards' evidence says outside medications could not be checked".
	rules.DataMedicationStatements: "outside medications (MedicationStatement: outside, OTC and supplement lists)",
}

// pvChecks name, for the patient-view card of data that could not be read
// (Unchecked), the course checks that read each kind (rules.PatientViewData;
// pvRules in rules/monitoring.go).
var pvChecks = map[string]string{
	rules.DataConditions: "serious infection, active tuberculosis, pregnancy, breastfeeding, and what began since the course start " +
		"(myocardial infarction or stroke, thrombosis, malignancy, latent tuberculosis, hepatitis B or C)",
	rules.DataObservations: "monitoring that is due (CBC, liver enzymes, lipids), on-treatment blood counts and pregnancy tests, " +
		"and TB and hepatitis B and C results since the course start",
	rules.DataImmunizations: "live vaccines given during the course",
	rules.DataMedications:   "other JAK inhibitors, biologics, immunosuppressants and interacting drugs",
	rules.DataMedicationStatements: "other JAK inhibitors, biologics, immunosuppressants and interacting drugs " +
		"on outside medication lists",
}

// Fixed detail lines.
const (
	unverifiedLine = "Based on a code or rule not yet verified against a current source (grade C/U)."
	uncheckedLine  = "Could not be checked: %s (neither in prefetch nor obtainable from the FHIR server)."
	partialLine    = "Could not be checked: %s, read in part (the FHIR search stopped before its last page; what was read was checked)."
)

// categoryOf is the card category of a finding: its own when known, else
// the code's default, else "other".
func categoryOf(f rules.Finding) rules.Category {
	if _, ok := categoryTable[f.Category]; ok && f.Category != "" {
		return f.Category
	}
	if ci, ok := codeTable[f.Code]; ok {
		return ci.category
	}
	return categoryOther
}

// Summary is the one-line summary of a card reporting group: findings of
// one order and one card category, in display order. patientView selects
// the on-treatment wording. The result is 1 to MaxSummaryRunes runes.
func Summary(group []rules.Finding, patientView bool) string {
	if len(group) == 0 {
		return "Review this JAK-inhibitor order"
	}
	f := group[0]
	a := summaryArgs{Drug: drugOf(f.Drug).name, ID: f.Drug, OnTx: patientView, Mg: mgText(minDose(group)), Threshold: f.Threshold,
		Subject: oneLine(f.Subject), Avoid: f.Avoid, AvoidWord: rules.AvoidWord(f.Drug), OnHold: f.OnHold, Planned: f.Planned, PatientView: patientView}
	if f.Course != nil {
		return reverseSummary(group, a)
	}
	for _, g := range group {
		if levelOf(g) == rules.Critical {
			a.Crit = true
		}
		if g.OnTreatment {
			a.OnTx = true
		}
		if stops(g) {
			a.Stop = true
			a.StopWhat = joinItems(stopWhat(group))
		}
		if g.SinceStart {
			a.Since = true
		}
	}
	cat := categoryOf(f)
	ci := categoryTable[cat]
	var s string
	session := slices.IndexFunc(group, func(g rules.Finding) bool { return g.SessionDailyMg > 0 && !g.RuledOut })
	switch {
	case session >= 0 && !a.Stop:
		// Each order is within the dose limit, the session's orders
		// together are not (metarev): "Use 15 mg" would say to keep this
		// order as it is.
		g := group[session]
		why := oneLine(g.Subject) // "aged 65 or over", a CYP inhibitor's name
		if why == "" && cat == rules.CategoryRiskFactors {
			var risks []string
			for _, r := range group {
				if r.Code != rules.LowerDoseRecommended {
					risks = append(risks, shortOf(r))
				}
			}
			why = joinItems(risks)
		}
		if why == "" {
			why = shortOf(g)
		}
		s = "Keep one " + a.Drug + " order: this session's orders total " + mgText(g.SessionDailyMg) + " mg/day (" + why + ")"
		if utf8.RuneCountInString(s) > MaxSummaryRunes && g.DoseLimitMg > 0 {
			// Several risks or a long drug name: the limit rather than a
			// reason cut mid-word (noise8 review); the detail names them.
			s = "Keep one " + a.Drug + " order: this session's orders total " + mgText(g.SessionDailyMg) + " mg/day, above the " +
				mgText(g.DoseLimitMg) + " mg/day limit"
		}
	case cat == rules.CategoryRiskFactors && len(group) == 1 && f.Code == rules.LowerDoseRecommended && f.RuledOut &&
		f.DoseLimitMg > 0 && a.Subject != "":
		// Age 65 alone, beside a finding that rules the drug out: no
		// boxed-warning risk to weigh (combos review); the limit, as the
		// other dose cards of the order state theirs.
		s = capitalize(a.Subject) + " (US label): " + a.Drug + " " + mgText(f.DoseLimitMg) + " mg daily at most, if used at all"
	case cat == rules.CategoryRiskFactors && len(group) == 1 && f.Code == rules.LowerDoseRecommended && f.RuledOut && f.DoseLimitMg > 0:
		// The risks' lower dose alone (a renewal raising the dose: the risk
		// rows are start rules), beside a finding that rules the drug out:
		// it read "Review abrocitinib: boxed-warning risks on record (course
		// start unknown): " with nothing after the colon (noise11).
		s = "Boxed-warning risks: " + a.Drug + " " + mgText(f.DoseLimitMg) + " mg daily at most, if used at all"
	case ci.grouped && ci.summary != nil:
		// A test being ordered in this session is not one to order: the
		// summary names it as being ordered (ordered), apart from the
		// things still to order (items).
		var items, ordered []string
		for _, g := range group {
			switch {
			case g.Code == rules.LowerDoseRecommended:
			case g.Ordered:
				ordered = append(ordered, shortOf(g))
			default:
				items = append(items, shortOf(g))
			}
		}
		pick, tail := ci.summary, ""
		switch {
		case len(ordered) > 0 && len(items) == 0 && ci.ordered != nil:
			pick, items = ci.ordered, ordered
		case len(ordered) > 0:
			tail = " (" + joinItems(ordered) + " being ordered)"
		}
		a.Shorts = joinItems(items)
		s = strings.ReplaceAll(pick(a), "{items}", a.Shorts) + tail
		if utf8.RuneCountInString(s) > MaxSummaryRunes {
			s = strings.ReplaceAll(pick(a), "{items}", a.Shorts)
		}
		if utf8.RuneCountInString(s) > MaxSummaryRunes {
			a.Shorts = strconv.Itoa(len(items)) + " items"
			s = strings.ReplaceAll(pick(a), "{items}", a.Shorts)
		}
	case f.RuledOut && f.DoseLimitMg > 0 && !(f.Code == rules.CYPInteraction && a.Avoid):
		// (An interaction card that also says to avoid a drug keeps its
		// "Avoid ... with" summary: "CYP interaction (fluconazole):
		// abrocitinib 50 mg daily at most" named the avoided drug with
		// ticlopidine's limit; noise13.)
		// Another card says the drug is not recommended at any dose:
		// "Keep ... at the reduced dose" or "Reduce to ..." would say to
		// go on with it. The limit is stated, for if it is used at all.
		subj := ""
		if a.Subject != "" {
			subj = " (" + a.Subject + ")"
		}
		s = capitalize(shortOf(f)) + subj + ": " + a.Drug + " " + mgText(f.DoseLimitMg) + " mg daily at most, if used at all"
	case codeTable[f.Code].summary != nil:
		s = codeTable[f.Code].summary(a)
		if interrupt := "Interrupt " + a.Drug; a.OnHold && strings.HasPrefix(s, interrupt) {
			s = "Keep " + a.Drug + " on hold" + s[len(interrupt):]
		}
	default:
		s = oneLine(f.Title)
		if s == "" {
			s = "Review " + a.Drug + ": " + oneLine(f.Code)
		}
	}
	if by, short := doseSetBy(group); by != "" && session < 0 {
		// The dose named is another card's lower limit: say whose
		// (combos review), when it fits.
		if t := s + "; lowest limit: " + by; utf8.RuneCountInString(t) <= MaxSummaryRunes {
			s = t
		} else if short != "" && utf8.RuneCountInString(s+"; lowest limit: "+short) <= MaxSummaryRunes {
			// The limit's full name does not fit: its short one ("boxed-
			// warning risks"), not none, which read as the card's own
			// limit (noise11 review).
			s += "; lowest limit: " + short
		}
	}
	return clip(capitalize(aheadSummary(s, group)), MaxSummaryRunes)
}

// aheadSummary ends s with the date of the result dated after today that
// alone gives the card (rules.Finding.AheadDate), when one does: a summary
// must not state as a fact a value the EHR dates in 2036 (noise12 review).
func aheadSummary(s string, group []rules.Finding) string {
	var d time.Time
	for _, g := range group {
		if !g.AheadDate.IsZero() && (d.IsZero() || g.AheadDate.Before(d)) {
			d = g.AheadDate
		}
	}
	if d.IsZero() {
		return s
	}
	tail := ""
	for _, tail = range []string{" (result dated " + d.Format("2006-01-02") + ", after today: check its date)", " (result dated after today: check its date)", " (dated after today)"} {
		if utf8.RuneCountInString(s+tail) <= MaxSummaryRunes {
			return s + tail
		}
	}
	return clip(s, MaxSummaryRunes-utf8.RuneCountInString(tail)) + tail // the date's question before the rest of the summary
}

// doseSetBy is the limit that set the dose a card names when none of its
// own findings did, and its short name ("" when one did, or no dose is
// named).
func doseSetBy(group []rules.Finding) (by, short string) {
	mg := minDose(group)
	if mg <= 0 || slices.ContainsFunc(group, func(f rules.Finding) bool { return f.DoseLimitMg > 0 && f.DoseLimitMg <= mg }) {
		return "", ""
	}
	for _, f := range group {
		if by := oneLine(f.DoseSetBy); by != "" {
			return by, oneLine(f.DoseSetByShort)
		}
	}
	return "", ""
}

// reverseSummary is the summary of a reverse-direction card: the ordered
// drug is the subject, the course's drug the one it interacts with.
func reverseSummary(group []rules.Finding, a summaryArgs) string {
	f := group[0]
	if a.Subject == "" {
		a.Subject = "this drug"
	}
	if !f.Course.Ongoing && !f.Course.End.IsZero() {
		a.Ended = f.Course.End.Format("2006-01-02")
	}
	for _, g := range group {
		a.Avoid = a.Avoid || g.Avoid
	}
	s := ""
	if stops := stopGroup(f.Stops); len(stops) > 0 {
		// The course's own patient-view card says to stop or interrupt
		// the drug (an MI since the start): its summary, then the pairing;
		// no dose (ixcond review).
		s = Summary(stops, true)
		// The ordered drug named, with the pairing where it fits
		// ("serious infection (US label; ...)" and "potent
		// immunosuppressant" did not: the summary named no order; revstop).
		for _, t := range []string{s + " (" + a.Subject + " ordered: " + shortOf(f) + ")", s + " (" + a.Subject + " ordered)"} {
			if utf8.RuneCountInString(t) <= MaxSummaryRunes {
				return t
			}
		}
		return clip(s, MaxSummaryRunes)
	}
	if f.RuledOut && f.DoseLimitMg > 0 {
		// The ordered drug is also contraindicated with the course
		// (ticlopidine): the limit, for if it is used at all (combos review).
		s = capitalize(shortOf(f)) + " (" + a.Subject + "): " + a.Drug + " " + mgText(f.DoseLimitMg) + " mg daily at most, if used at all"
	} else if r := codeTable[f.Code].reverse; r != nil {
		s = r(a)
	} else if s = oneLine(f.Title); s == "" {
		s = "Review " + a.Subject + " with " + a.Drug
	}
	return clip(capitalize(s), MaxSummaryRunes)
}

// stopGroup is the first of stops (a serious infection or active
// tuberculosis before an MI or thrombosis, as rules orders them) with, for
// an MI, stroke or thrombosis, the others of its kind: the findings one
// patient-view card holds.
func stopGroup(stops []rules.Finding) []rules.Finding {
	if len(stops) == 0 {
		return nil
	}
	if c := stops[0].Code; c != rules.MACEHistory && c != rules.VTERisk {
		return stops[:1]
	}
	return slices.DeleteFunc(slices.Clone(stops), func(f rules.Finding) bool { return f.Code != rules.MACEHistory && f.Code != rules.VTERisk })
}

// stops reports whether the label says to discontinue the drug for the
// finding (rules.Finding.Discontinue): a myocardial infarction or stroke
// (5.4) or a thrombosis (5.5) since a known course start. Its card leads
// with it, cites it and suggests no dose.
func stops(f rules.Finding) bool {
	return f.SinceStart && f.Discontinue && f.Course == nil
}

// stopWhat names the events of a group for which the label says
// discontinue, in display order: "MI or stroke", "thrombosis".
func stopWhat(group []rules.Finding) []string {
	var out []string
	for _, g := range group {
		if !stops(g) {
			continue
		}
		switch g.Code {
		case rules.MACEHistory:
			out = append(out, "MI or stroke")
		case rules.VTERisk:
			out = append(out, "thrombosis")
		}
	}
	return out
}

// isReverse tells whether the findings are of the reverse direction.
func isReverse(group []rules.Finding) bool { return len(group) > 0 && group[0].Course != nil }

// shortOf is a finding's item name on a grouped card.
func shortOf(f rules.Finding) string {
	if f.Code == rules.MACEHistory && f.SinceStart { // new since the start, not prior
		return "MI or stroke"
	}
	if f.Code == rules.VTERisk && f.SinceStart && f.Discontinue { // a thrombosis since the start
		return "thrombosis"
	}
	if f.Code == rules.VTERisk && f.SinceStart { // a thrombophilia since the start, not a risk weighed at it
		return "VTE or thrombophilia"
	}
	if ci, ok := codeTable[f.Code]; ok && ci.short != "" {
		return ci.short
	}
	if t := oneLine(f.Title); t != "" {
		return t
	}
	return oneLine(f.Code)
}

// joinItems lists items as "a, b and c", merging "hepatitis B tests" and
// "hepatitis C test" into "hepatitis B and C tests".
func joinItems(items []string) string {
	var out []string
	for i := 0; i < len(items); i++ {
		if items[i] == "hepatitis B tests" && i+1 < len(items) && items[i+1] == "hepatitis C test" {
			out = append(out, "hepatitis B and C tests")
			i++
			continue
		}
		out = append(out, items[i])
	}
	switch len(out) {
	case 0:
		return ""
	case 1:
		return out[0]
	}
	return strings.Join(out[:len(out)-1], ", ") + " and " + out[len(out)-1]
}

// overrideReasons are the card's override reasons: code-specific first,
// then the category's, without duplicates.
func overrideReasons(group []rules.Finding, cat rules.Category) []Coding {
	var out []Coding
	seen := map[string]bool{}
	add := func(cs []Coding) {
		for _, c := range cs {
			if !seen[c.Code] {
				seen[c.Code] = true
				out = append(out, c)
			}
		}
	}
	if isReverse(group) {
		for _, f := range group {
			if f.Code == rules.AntiplateletAbrocitinib && strings.Contains(strings.ToLower(f.Subject), "aspirin") {
				add([]Coding{reasonLowDoseAspirin})
			}
			for _, r := range codeTable[f.Code].reverseReasons {
				if len(f.Stops) == 0 || r.Code != reasonJAKDoseAdjusted.Code { // "dose already adjusted" answers no stop (ixcond)
					add([]Coding{r})
				}
			}
		}
		add(reverseShared)
		return out
	}
	for _, f := range group {
		add(codeTable[f.Code].reasons)
	}
	add(categoryTable[cat].reasons)
	if minDose(group) <= 0 {
		// "Lower dose tried, response inadequate" answers a card that
		// proposes a lower dose; on one that proposes none (the ordered
		// dose is within the limit, the drug is not recommended at any
		// dose, or the label says discontinue) it is no reason at all.
		out = slices.DeleteFunc(out, func(c Coding) bool { return c.Code == reasonLowerTried.Code })
	}
	return out
}

// mgText formats a daily dose in mg ("15", "7.5"), "" for none.
func mgText(mg float64) string {
	if mg <= 0 {
		return ""
	}
	return strconv.FormatFloat(mg, 'f', -1, 64)
}

// oneLine makes text safe for a single line: control characters and runs of
// white space become one space; invalid UTF-8 and bidirectional embedding,
// override and isolate controls are dropped (a drug name holding U+202E
// turned the rest of a summary's line around as the EHR shows it;
// failsafe19).
func oneLine(s string) string {
	if isOneLine(s) {
		return s
	}
	var b strings.Builder
	space := false
	for _, r := range strings.ToValidUTF8(s, "") {
		if '\u202a' <= r && r <= '\u202e' || '\u2066' <= r && r <= '\u2069' {
			continue
		}
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// isOneLine tells whether oneLine would give s back unchanged because it is
// printable ASCII with single spaces between words (most texts are), so
// that it need not be copied.
func isOneLine(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ' ':
			if i == 0 || i == len(s)-1 || s[i+1] == ' ' {
				return false
			}
		case c < 0x21 || c > 0x7e:
			return false
		}
	}
	return true
}

// clip shortens s to at most n runes, ending in "…" when cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

func capitalize(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[size:]
}
