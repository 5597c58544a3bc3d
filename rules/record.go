package rules

import (
	"strings"
	"time"
)

// Code systems used by the knowledge base.
const (
	SystemRxNorm  = "http://www.nlm.nih.gov/research/umls/rxnorm"
	SystemLOINC   = "http://loinc.org"
	SystemSNOMED  = "http://snomed.info/sct"
	SystemICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
	SystemCVX     = "http://hl7.org/fhir/sid/cvx"
	SystemUCUM    = "http://unitsofmeasure.org"
	// SystemInterpretation is the HL7 v3 ObservationInterpretation code
	// system; SystemInterpretationV2 the HL7 v2 table 0078 (abnormal
	// flags) that some feeds still use for the same codes.
	SystemInterpretation   = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
	SystemInterpretationV2 = "http://terminology.hl7.org/CodeSystem/v2-0078"
)

// systemAliases are the OIDs of the code systems the value sets use, as
// EHRs that carry C-CDA or HL7 v2 heritage write them ("urn:oid:..."): the
// FHIR terminology registry (NamingSystem terminologies) gives each URI its
// OID. A coding written with the OID is the same code.
var systemAliases = map[string]string{
	"urn:oid:2.16.840.1.113883.6.88":   SystemRxNorm,
	"urn:oid:2.16.840.1.113883.6.1":    SystemLOINC,
	"urn:oid:2.16.840.1.113883.6.96":   SystemSNOMED,
	"urn:oid:2.16.840.1.113883.6.69":   SystemNDC,
	"urn:oid:2.16.840.1.113883.12.292": SystemCVX,
	"urn:oid:2.16.840.1.113883.6.90":   SystemICD10CM,
	"urn:oid:2.16.840.1.113883.6.8":    SystemUCUM,
	"urn:oid:2.16.840.1.113883.5.83":   SystemInterpretation,
	"urn:oid:2.16.840.1.113883.12.78":  SystemInterpretationV2,
}

// CanonicalSystem is the URI the value sets use for a coding's system:
// the system itself, trimmed and without a trailing slash, or the URI of a
// code system written as its OID (systemAliases).
func CanonicalSystem(system string) string {
	s := strings.TrimSpace(system)
	if c, ok := systemAliases[s]; ok {
		return c
	}
	if t := strings.TrimSuffix(s, "/"); t != s {
		if _, ok := canonicalSystems[t]; ok {
			return t
		}
	}
	return s
}

var canonicalSystems = map[string]bool{SystemRxNorm: true, SystemLOINC: true, SystemSNOMED: true, SystemNDC: true, SystemCVX: true, SystemICD10CM: true}

// Coding is one code from one code system.
type Coding struct {
	System  string
	Code    string
	Display string
}

// Quantity is a measured value with its unit. Unit is the UCUM code when the
// source gave one, otherwise the human-readable unit; "" when there was none.
// A quantity whose unit is empty or not recognised is never used as a number.
type Quantity struct {
	Value float64
	Unit  string
	// UnitText is the human-readable unit (FHIR Quantity.unit) when it
	// differs from Unit, "" otherwise. The rules recognise a unit written
	// in either (contract 6.5: "from code or unit").
	UnitText string
	// Comparator is the FHIR Quantity.comparator ("<", "<=", ">=", ">")
	// or "". A result such as "<0.5 10*3/uL" is below 500 cells/mm³.
	Comparator string
}

// Patient is what the rules need of the Patient resource.
type Patient struct {
	BirthDate time.Time // zero when unknown; the first day it allows
	// BirthDatePrecision is how much of the birth date was written: 'y'
	// for a year ("1975"), 'm' for a year and month ("1975-06"), 0 for a
	// full date. A partial date is read as its first day (BirthDate); the
	// age rules also consider its last day, so that an unknown day never
	// makes a child look older than it may be (package fhir sets it).
	BirthDatePrecision byte
	Gender             string // FHIR administrative gender: female, male, other, unknown or ""
	// BirthDateLast, when set, is the last birth date another Patient
	// resource of the patient gives (Also): the age rules read every age
	// from BirthDate to it, as for a partial date.
	BirthDateLast time.Time
	// OtherGender, when set, is a different administrative gender another
	// Patient resource of the patient gives (Also): only a patient said to
	// be male in every version is not asked for a pregnancy test.
	OtherGender string
}

// Also reads q, another Patient resource of the same patient (a merged
// feed, two registrations), into p: with different birth dates, p spans
// both (the earliest first day, the latest last day), so that the bundle's
// order never decides whether a child is under the approved age (dupes).
// A version with no birth date adds nothing; p with none takes q's. The
// same holds for the gender; two that differ are both kept (OtherGender),
// so that a "male" version first never hides a pregnancy test; of three or
// more, a "female" one is always among the two kept.
func (p *Patient) Also(q Patient) {
	switch {
	case q.Gender == "" || q.Gender == p.Gender:
	case p.Gender == "":
		p.Gender = q.Gender
	case p.OtherGender == "", q.Gender == "female" && p.OtherGender != "female":
		// A "female" version takes the second place from any other
		// (failsafe13): "male" beside "unknown" hid the female version
		// that asks for a pregnancy test.
		p.OtherGender = q.Gender
	}
	if q.BirthDate.IsZero() {
		return
	}
	if p.BirthDate.IsZero() {
		p.BirthDate, p.BirthDatePrecision, p.BirthDateLast = q.BirthDate, q.BirthDatePrecision, q.BirthDateLast
		return
	}
	pFirst, pLast := p.BirthDate, p.birthLast()
	qFirst, qLast := q.BirthDate, q.birthLast()
	if pFirst.Equal(qFirst) && pLast.Equal(qLast) {
		return
	}
	if qFirst.Before(pFirst) {
		pFirst = qFirst
	}
	if qLast.After(pLast) {
		pLast = qLast
	}
	p.BirthDate, p.BirthDatePrecision, p.BirthDateLast = pFirst, 0, pLast
}

// birthLast is the last day the birth date allows: its last day of the
// year or month for a partial date, BirthDateLast when later.
func (p *Patient) birthLast() time.Time {
	last := p.BirthDate
	switch p.BirthDatePrecision {
	case 'y':
		last = time.Date(p.BirthDate.Year(), 12, 31, 0, 0, 0, 0, time.UTC)
	case 'm':
		last = time.Date(p.BirthDate.Year(), p.BirthDate.Month()+1, 0, 0, 0, 0, 0, time.UTC)
	}
	if p.BirthDateLast.After(last) {
		last = p.BirthDateLast
	}
	return last
}

// Observation is a laboratory result or other observation.
type Observation struct {
	ID             string // "Observation/<id>"
	Codes          []Coding
	Text           string        // code.text
	Status         string        // FHIR status: final, amended, corrected, preliminary, ...
	Date           time.Time     // effective[x] (start of a period), else issued; zero when unknown
	DateLast       time.Time     // the last day of a Date written as a year or a month only; zero otherwise
	Quantity       *Quantity     // valueQuantity (or valueInteger, unit-less)
	ValueCodes     []Coding      // valueCodeableConcept.coding
	ValueText      string        // valueString, or valueCodeableConcept.text
	ValueBoolean   *bool         // valueBoolean: true is the finding present (positive)
	Interpretation []Coding      // interpretation[].coding
	Components     []Observation // component[] (code and value only)
	// Absent is true when the result carries a dataAbsentReason: the test
	// was not done or gave no value (specimen hemolysed, cancelled).
	Absent bool
}

// Condition is a problem-list entry or diagnosis.
type Condition struct {
	ID                 string // "Condition/<id>"
	Codes              []Coding
	Text               string
	ClinicalStatus     string    // active, recurrence, relapse, inactive, remission, resolved or ""
	VerificationStatus string    // confirmed, unconfirmed, provisional, differential, refuted, entered-in-error or ""
	Onset              time.Time // zero when unknown
	// OnsetLast is the last day of an onsetDateTime written as a year or
	// a month only ("2026-06": 30 June; Onset is 1 June); zero otherwise.
	OnsetLast time.Time
	Recorded  time.Time // zero when unknown
	// OnsetUnread: an onsetDateTime or onsetString was given and is no
	// date ("NaN", "in the spring").
	OnsetUnread bool
	Abated      bool // an abatement[x] is present
}

// Medication is a medication order or statement: a MedicationRequest,
// a MedicationStatement, or a draft order of the current ordering session.
// The medication codes are those of medicationCodeableConcept or of the
// referenced (bundled or contained) Medication resource.
type Medication struct {
	ID            string // "MedicationRequest/<id>" or "MedicationStatement/<id>"
	ResourceType  string // MedicationRequest or MedicationStatement
	Status        string
	Intent        string
	Codes         []Coding
	Text          string    // medication text or display, for text matching and strength parsing
	Authored      time.Time // authoredOn (requests) or effective/dateAsserted (statements)
	ValidityStart time.Time // dispenseRequest.validityPeriod.start
	// End is when the order or statement ends: dispenseRequest.validityPeriod.end
	// (requests) or effectivePeriod.end (statements); zero when unknown.
	End time.Time
	// AuthoredLast and EndLast are the last days of an Authored or End
	// written as a year or a month only; zero otherwise (precision review).
	AuthoredLast, EndLast time.Time
	// Supply is what a request dispenses, for how long its drug may be
	// taken when End is unknown.
	Supply Supply
	Dose   DoseFacts
	// CodeName is the knowledge base's name of NamedCode, one of Codes,
	// when the medication is sent with neither text nor display (nameByCode):
	// the cards name the drug by it, not by "309362" (noise14). It is
	// never read to recognise the drug or its strength.
	CodeName, NamedCode string
}

// Supply is a MedicationRequest's dispenseRequest: expectedSupplyDuration
// in days (0 when not said) and numberOfRepeatsAllowed.
type Supply struct {
	Days    float64
	Repeats int
}

// DoseFacts are the raw facts from which the daily dose is worked out by
// DailyDose; package fhir fills them without interpreting them.
type DoseFacts struct {
	// IngredientStrengthMg is the strength per unit from Medication.ingredient
	// (numerator in mg over a denominator of 1 unit), 0 when absent.
	IngredientStrengthMg float64
	// IngredientPerML: that unit is 1 mL (an oral solution: RINVOQ LQ
	// 1 mg / 1 mL), so it is a strength per mL, not per tablet.
	IngredientPerML bool
	// DoseQuantity is dosageInstruction[0].doseAndRate[0].doseQuantity, nil when absent;
	// else the high end of its doseRange, and DoseRange is true.
	DoseQuantity *Quantity
	DoseRange    bool
	// Frequency, FrequencyMax, Period and PeriodUnit come from
	// dosageInstruction[0].timing.repeat (0 and "" when absent).
	Frequency    float64
	FrequencyMax float64
	Period       float64
	PeriodUnit   string
	// TimesOfDay is the number of timing.repeat.timeOfDay or when entries
	// ("08:00", "20:00"; "MORN", "EVE"), whichever is more: administrations
	// in a day (0: none).
	TimesOfDay int
	// TimingCode is dosageInstruction[0].timing.code (e.g. "QD", "BID"), "" when absent;
	// TimingText is that code's text, else a coding's display ("Once daily").
	TimingCode string
	TimingText string
	// DosageText is dosageInstruction[0].text, "" when absent.
	DosageText string
	// Route is the instruction's route: its text and its codings'
	// displays ("Topical route"), "" when absent. Read as words, with the
	// sig (localUse).
	Route string
	// BoundsEnd (timing.repeat.boundsPeriod.end), BoundsDays
	// (boundsDuration in days) and Count (timing.repeat.count, the number
	// of administrations) say how long the instruction lasts (zero: not
	// said); timingLastDay reads them.
	BoundsEnd  time.Time
	BoundsDays float64
	Count      int
	// Sequence is the instruction's dosageInstruction.sequence (0: none).
	Sequence int
	// More are the facts of the order's other dosageInstructions, in order
	// (each without More of its own).
	More []DoseFacts
}

// instructions is how many dosage instructions d holds: d itself, then More.
func (d *DoseFacts) instructions() int { return 1 + len(d.More) }

// instruction is d's i-th dosage instruction (0: d itself, then More), in
// place: an order may hold 195,000 of them.
func (d *DoseFacts) instruction(i int) *DoseFacts {
	if i == 0 {
		return d
	}
	return &d.More[i-1]
}

// Immunization is a vaccine administration.
type Immunization struct {
	ID    string // "Immunization/<id>"
	Codes []Coding
	// Text is vaccineCode.text, else its first coding's display ("" when
	// neither): a vaccine recorded by name only ("Shingrix") is recognised
	// by the value sets' text patterns (contract 6.5).
	Text   string
	Status string // completed, entered-in-error, not-done
	Date   time.Time
	// DateLast is the last day of a Date written as a year or a month
	// only ("2026-11": 30 November); zero otherwise.
	DateLast time.Time
	// Subpotent is isSubpotent: a dose that does not count towards the
	// series (ACIP: a subpotent dose is repeated).
	Subpotent bool
}

// Kinds of data, as named in Record.Unavailable. They are also the prefetch
// keys of the discovery document.
const (
	DataPatient       = "patient"
	DataConditions    = "conditions"
	DataMedications   = "medications"
	DataObservations  = "observations"
	DataImmunizations = "immunizations"
	// DataMedicationStatements is optional (contract 6.1): outside, OTC and
	// supplement lists. When unavailable the rules run without it and the
	// cards say outside medications could not be checked; never a 412.
	DataMedicationStatements = "medicationStatements"
)

// OutsideUnchecked is the evidence line of a medication finding when
// DataMedicationStatements could not be had (contract 6.1). A card that
// also says so in its "Could not be checked" line leaves it out (noise15).
const OutsideUnchecked = "Outside medications (MedicationStatement) could not be checked."

// Record is everything known about the patient for one hook call.
type Record struct {
	Patient       *Patient // nil when the Patient resource was not available
	Observations  []Observation
	Conditions    []Condition
	Medications   []Medication // on record (not the draft orders)
	Immunizations []Immunization
	// Unreadable are the record MedicationRequests and MedicationStatements
	// whose status is no status code (MedicationStatusCode: "discontinued",
	// "taking", none), kept apart so that no rule reads them as taken or as
	// history: only UnreadableCourse looks at them, to say a course may have
	// gone unchecked.
	Unreadable []Medication
	// Unavailable names the kinds of data that could neither be had from
	// prefetch nor from the FHIR server (prefetch keys such as "labs"). The
	// rules still run; findings that depend on them say the data could not be
	// checked, and a missing lab still yields its *-missing finding.
	// Values are the Data* constants.
	Unavailable []string
}

// Session is the ordering session of an order hook: every order in
// draftOrders, including the ones being evaluated.
type Session struct {
	Medications []Medication // every MedicationRequest in draftOrders
	Services    []Coding     // codes of ServiceRequests in draftOrders (tests already being ordered)
	// ServiceOrders are the same ServiceRequests one by one, for the rules
	// that evaluate a ServiceRequest itself (a live vaccine ordered as a
	// service, contract 6.1).
	ServiceOrders []ServiceOrder
}

// ServiceOrder is a draft ServiceRequest of the ordering session.
type ServiceOrder struct {
	ID     string // "ServiceRequest/<id>", "" when it has none
	Status string
	Codes  []Coding // code.coding
	Text   string   // code.text
}
