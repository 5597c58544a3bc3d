package rules

import "time"

// Level is a card indicator level.
type Level string

// The three CDS Hooks indicator levels.
const (
	Info     Level = "info"
	Warning  Level = "warning"
	Critical Level = "critical"
)

// Rank orders the levels: info 0, warning 1, critical 2; -1 for anything
// else.
func (l Level) Rank() int {
	switch l {
	case Info:
		return 0
	case Warning:
		return 1
	case Critical:
		return 2
	}
	return -1
}

// Drug identifies a trigger drug.
type Drug string

// The trigger drugs.
const (
	Upadacitinib Drug = "upadacitinib"
	Abrocitinib  Drug = "abrocitinib"
)

// Finding codes (contract section 5). They are part of the outside contract.
const (
	// Order-time findings.
	TBScreeningMissing           = "tb-screening-missing"
	TBActive                     = "tb-active"
	TBLatentUntreated            = "tb-latent-untreated"
	HBVScreeningMissing          = "hbv-screening-missing"
	HBVActive                    = "hbv-active"
	HBVCoreAntibodyPositive      = "hbv-core-antibody-positive"
	HCVScreeningMissing          = "hcv-screening-missing"
	HCVAntibodyPositive          = "hcv-antibody-positive"
	HCVActive                    = "hcv-active"
	CBCMissing                   = "cbc-missing"
	Lymphopenia                  = "lymphopenia"
	Neutropenia                  = "neutropenia"
	Anemia                       = "anemia"
	Thrombocytopenia             = "thrombocytopenia"
	LiverEnzymesMissing          = "liver-enzymes-missing"
	LipidsMissing                = "lipids-missing"
	PregnancyTestMissing         = "pregnancy-test-missing"
	Pregnancy                    = "pregnancy"
	Breastfeeding                = "breastfeeding"
	ZosterVaccineMissing         = "zoster-vaccine-missing"
	LiveVaccineRecent            = "live-vaccine-recent"
	SeriousInfectionActive       = "serious-infection-active"
	SevereHepaticImpairment      = "severe-hepatic-impairment"
	RenalImpairment              = "renal-impairment"
	CombinationJAK               = "combination-jak"
	CombinationBiologic          = "combination-biologic"
	CombinationImmunosuppressant = "combination-immunosuppressant"
	AntiplateletAbrocitinib      = "antiplatelet-abrocitinib"
	CYPInteraction               = "cyp-interaction"
	CardiovascularRisk           = "cardiovascular-risk"
	MACEHistory                  = "mace-history"
	Smoker                       = "smoker"
	VTERisk                      = "vte-risk"
	Malignancy                   = "malignancy"
	LowerDoseRecommended         = "lower-dose-recommended"
	DoseAboveLabel               = "dose-above-label"
	AgeNotApproved               = "age-not-approved"
	NoPriorSystemicTherapy       = "no-prior-systemic-therapy"

	// Order-time findings of contract 6.4 (December amendments).
	CYP2C19PoorMetabolizer = "cyp2c19-poor-metabolizer"
	WeightBelowLabel       = "weight-below-label"
	PgpSubstrate           = "pgp-substrate"
	LiveVaccineOrdered     = "live-vaccine-ordered"
	AgeUnknown             = "age-unknown"
	// DoseUnknown: the ordered daily dose could not be read, so the dose
	// limits were not checked (never a silent pass).
	DoseUnknown = "dose-unknown"

	// patient-view findings (besides the order-time codes reused on treatment).
	MonitoringCBCDue    = "monitoring-cbc-due"
	MonitoringLiverDue  = "monitoring-liver-due"
	MonitoringLipidsDue = "monitoring-lipids-due"
)

// Category groups findings into cards (one card per category and order for
// the grouped categories; one card per finding otherwise).
type Category string

// Card categories; each is also the card's source.topic code.
const (
	CategoryScreening        Category = "screening"          // all *-missing pre-treatment findings: one card
	CategoryContraindication Category = "contraindication"   // one card per finding
	CategoryRiskFactors      Category = "boxed-warning-risk" // boxed-warning risk factors and lower dose: one card
	CategoryDosing           Category = "dosing"
	CategoryInteraction      Category = "interaction"
	CategoryMonitoring       Category = "monitoring" // patient-view monitoring due: one card
	CategoryLabSafety        Category = "lab-safety"
	CategoryIndication       Category = "indication"
	CategoryRecord           Category = "record" // the record lacks what a rule needs (age-unknown)
)

// Citation names the source of a rule: the document, its revision and
// the section.
type Citation struct {
	Label string // e.g. "RINVOQ (upadacitinib) US Prescribing Information (revised 11/2023), section 2.1"
	URL   string
}

// Evidence is one fact behind a finding, written for a clinician:
// "ANC 0.8 ×10³/µL on 2026-11-02, below 1000 cells/mm³".
type Evidence struct {
	Text       string
	Date       time.Time // zero when not dated
	ResourceID string    // "Observation/<id>" when it came from one resource
	// CourseStart: the line saying when the course started (or that its
	// start is unknown); a card of several findings says it once (pvnoise).
	CourseStart bool
}

// Test is a test or vaccine to order, for *-missing and monitoring findings.
type Test struct {
	Name   string // "Interferon-gamma release assay (IGRA)"
	Code   Coding // LOINC (or CVX for vaccines) of the test to order
	Reason string // "no IGRA or TST result within 12 months"
	// Alternative: the finding's test listed before it does as well (the
	// serum hCG beside the urine one): offered on its own, but not in a
	// card's "order all", which would order both.
	Alternative bool
}

// Finding is one rule that fired for one order (or, on patient-view, for
// the patient's active therapy).
type Finding struct {
	Code     string
	Level    Level
	Category Category
	Drug     Drug
	// OrderID is the evaluated order, "MedicationRequest/<id>"; on
	// patient-view the active order the dates come from.
	OrderID  string
	Title    string     // short clinical statement, e.g. "Absolute neutrophil count below 1,000 cells/mm³"
	Action   string     // what to do, e.g. "Do not start abrocitinib; repeat CBC."
	Evidence []Evidence // what was found (or not found)
	// AheadDate is set when the finding is given only because a result
	// dated after today was read as current (ahead.go): that result's date
	// (the earliest when several), for the card's summary to question
	// (noise12 review: "platelets below 150,000/mm³" stood as a fact when
	// the only low count was dated 2036).
	AheadDate time.Time
	Tests     []Test // what to order, when the finding is about something missing or due
	// Ordered is true when every test the finding asked for is being
	// ordered in this session (Tests is then empty): the finding stands
	// (the order may not be signed), but its card names the test as being
	// ordered, not as one to order.
	Ordered bool
	// SuggestedDailyMg is the one dose to suggest for the order (contract
	// 6.3): the lowest DoseLimitMg of all the order's findings, set on
	// every finding that limits the dose; 0 when none, or when the ordered
	// daily dose is already within it.
	SuggestedDailyMg float64
	// DoseLimitMg is this finding's own labelled dose limit (renal, CYP,
	// CYP2C19 genotype, age, boxed-warning risks, dose above label), 0 when
	// it sets none. DoseLimitReason words it ("eGFR 30-59: 50 mg").
	DoseLimitMg     float64
	DoseLimitReason string
	// DoseLimitShort names the limit briefly when DoseLimitReason's name
	// is long ("boxed-warning risks" for "aged 50 or over with
	// cardiovascular risk factors and current or former smoker"), for a
	// summary that has no room for it (noise11 review); "" when it is short.
	DoseLimitShort string
	// SessionDailyMg is set on a finding with a dose limit when this order
	// is within the order's lowest limit but the session's orders of the
	// drug together are above it (two 15 mg upadacitinib orders from 65:
	// 30 mg/day; metarev): the daily dose they total. No dose is suggested
	// (changing this order would not bring the total down): one order is to
	// go, and the card says so.
	SessionDailyMg float64
	// DoseSetBy names the limit that set SuggestedDailyMg when it is not
	// this finding's own (DoseLimitMg above it): "eGFR 30-59", "aged 65
	// or over". The card's summary says so, so that "Use abrocitinib 50 mg
	// daily: boxed-warning risks" does not pass for the risks' own limit
	// (combos review).
	DoseSetBy string
	// DoseSetByShort is that limit's DoseLimitShort, for a summary that
	// has no room for DoseSetBy ("" when it has none).
	DoseSetByShort string
	// RuledOut is set on a finding with a dose limit when another finding
	// of the order rules the drug out at any dose (notRecommendedAtAnyDose):
	// no dose is suggested, and the card must not say to keep or reduce it.
	RuledOut bool
	// RuledOutBy names the drug whose contraindication with the JAK drug
	// rules this finding's own dose limit out (ticlopidine: a strong
	// CYP2C19 inhibitor and an antiplatelet), for the other dose cards of
	// the order to name (failsafe12: they named the interaction card's
	// subject, an avoided fluconazole).
	RuledOutBy string
	// ProductCode is a product code (RxNorm SCD/SBD) of the suggested
	// strength from the knowledge base, zero when it has none.
	// OrderedAsProduct is true when the order names a product or strength
	// (a product code, Medication.ingredient strength, or a strength in its
	// text), so a suggestion may not replace it by the ingredient code.
	ProductCode      Coding
	OrderedAsProduct bool
	// OnTreatment is true when the patient is on a course of the drug (a
	// continuation at order time, or patient-view): the card uses
	// on-treatment wording ("Interrupt", not "Do not start").
	OnTreatment bool
	// SinceStart is true when the finding is about what began on or after
	// the course start (a newOnCourse rule on a continuation or on
	// patient-view, the start known): its card may say "since the start"
	// and "discontinue". A continuation whose course has no start date
	// reads the whole record: an MI of 2019 is history, not an event
	// during treatment.
	SinceStart bool
	// Discontinue is true on a finding about an event since a known course
	// start for which the label says to discontinue the drug: a myocardial
	// infarction or stroke (RINVOQ and CIBINQO 5.4), a thrombosis (5.5). The
	// drug is then not recommended at any dose (notRecommendedAtAnyDose)
	// and the card leads with "Discontinue" (committee2 review).
	Discontinue bool
	// OnHold is true on patient-view when every current order or statement
	// of the course is on hold: the drug is already interrupted, so a
	// finding that says to interrupt it says to keep it on hold instead.
	OnHold bool
	// Planned is true on patient-view when the course is only planned (an
	// "intended" MedicationStatement, Course.Started false): the card uses
	// the start wording ("Do not start"), as the first order will.
	Planned bool
	// Subject names what the finding is about when the summary names it:
	// the interacting drug ("clarithromycin"), "" when none.
	Subject string
	// Avoid is true when the label says to avoid the combination (not
	// only to lower the dose): cyp-interaction with an inducer or a dual
	// CYP2C19/CYP2C9 inhibitor.
	Avoid bool
	// DaysOverdue is set on monitoring findings.
	DaysOverdue int
	// Threshold is the configured limit the finding was judged against, as
	// text with its unit ("500 cells/mm³", "28 days"), for the card's
	// summary; "" when the finding has none.
	Threshold string
	// Unchecked names data that could not be checked and might have changed the finding.
	Unchecked []string
	// Unverified is true when the rule relies on knowledge graded C or U.
	Unverified bool
	Citation   Citation
	// Also lists further sources (an EU SmPC, a guideline) besides Citation.
	Also []Citation
	// Course is set on the findings of the reverse direction (contract
	// 6.1): the evaluated order (OrderID, named by Subject) is not the JAK
	// inhibitor but a drug that interacts with the patient's course of
	// Drug, which Course describes. It is nil on a JAK-inhibitor order's
	// own findings and on patient-view.
	Course *CourseRef
	// Stops are, on a reverse-direction finding about an ongoing course,
	// the patient-view findings of that course for which the label says to
	// stop or interrupt the drug (Engine.EvaluateInteractions: an MI,
	// stroke or thrombosis since the start, a serious infection, active
	// tuberculosis). The finding then names no dose of the course's drug
	// (RuledOut) and its card leads with them (ixcond, revstop reviews).
	Stops []Finding
}

// CourseRef is what a reverse-direction finding says of the course the
// ordered drug interacts with.
type CourseRef struct {
	Start   time.Time // zero when no member of the course is dated
	End     time.Time // when the course ended; zero while Ongoing
	Ongoing bool
	// SuppliedUntil is, on a course ongoing only because its latest order
	// is completed and still supplied (Course.SuppliedUntil), the last day
	// its end date or supply covers; zero otherwise.
	SuppliedUntil time.Time
	DailyMg       float64 // the course's current daily dose in mg, 0 when unknown
	// Source names the order or statement the dose and status come from
	// ("MedicationRequest/7").
	Source string
}
