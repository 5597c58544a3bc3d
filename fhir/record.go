package fhir

import (
	"cmp"
	stdjson "encoding/json"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-json-experiment/json/jsontext"
	fm "github.com/samply/golang-fhir-models/fhir-models/fhir"

	"jakguard/internal/jsonshape"
	"jakguard/rules"
)

// The resources as jakguard reads them (views of the members a rule reads,
// in the samply types) and their conversion, as sent, into the rules types.

type patient struct {
	ID        *string                  `json:"id"`
	Gender    *fm.AdministrativeGender `json:"gender"`
	BirthDate *string                  `json:"birthDate"`
}

// value is an Observation's or a component's value[x] as the rules read it.
type value struct {
	ValueQuantity        *fm.Quantity         `json:"valueQuantity"`
	ValueCodeableConcept *fm.CodeableConcept  `json:"valueCodeableConcept"`
	ValueString          *string              `json:"valueString"`
	ValueInteger         *int                 `json:"valueInteger"`
	ValueBoolean         *bool                `json:"valueBoolean"`
	Interpretation       []fm.CodeableConcept `json:"interpretation"`
	DataAbsentReason     *fm.CodeableConcept  `json:"dataAbsentReason"`
}

type component struct {
	Code fm.CodeableConcept `json:"code"`
	value
}

type observation struct {
	ID     *string              `json:"id"`
	Status fm.ObservationStatus `json:"status"`
	Code   fm.CodeableConcept   `json:"code"`
	value
	observationDate
	Component []component `json:"component"`
}

type observationDate struct {
	EffectiveDateTime *string    `json:"effectiveDateTime"`
	EffectivePeriod   *fm.Period `json:"effectivePeriod"`
	EffectiveInstant  *string    `json:"effectiveInstant"`
	Issued            *string    `json:"issued"`
}

type condition struct {
	ID                 *string             `json:"id"`
	Code               *fm.CodeableConcept `json:"code"`
	ClinicalStatus     *fm.CodeableConcept `json:"clinicalStatus"`
	VerificationStatus *fm.CodeableConcept `json:"verificationStatus"`
	RecordedDate       *string             `json:"recordedDate"`
	OnsetDateTime      *string             `json:"onsetDateTime"`
	OnsetPeriod        *fm.Period          `json:"onsetPeriod"`
	OnsetString        jsontext.Value      `json:"onsetString"`
	// abatement[x]: only whether one is there counts.
	AbatementDateTime jsontext.Value `json:"abatementDateTime"`
	AbatementAge      jsontext.Value `json:"abatementAge"`
	AbatementPeriod   jsontext.Value `json:"abatementPeriod"`
	AbatementRange    jsontext.Value `json:"abatementRange"`
	AbatementString   jsontext.Value `json:"abatementString"`
}

type immunization struct {
	ID                 *string                    `json:"id"`
	Status             fm.ImmunizationStatusCodes `json:"status"`
	VaccineCode        fm.CodeableConcept         `json:"vaccineCode"`
	OccurrenceDateTime *string                    `json:"occurrenceDateTime"`
	IsSubpotent        *bool                      `json:"isSubpotent"`
}

type medication struct {
	ID         *string                   `json:"id"`
	Code       *fm.CodeableConcept       `json:"code"`
	Ingredient []fm.MedicationIngredient `json:"ingredient"`
}

// medicationUse is a MedicationRequest (also a draft order's view, its
// subject checked) or a MedicationStatement, each with its own members.
type medicationUse struct {
	ID                        *string             `json:"id"`
	Status                    string              `json:"status"`
	Subject                   *fm.Reference       `json:"subject"`
	MedicationCodeableConcept *fm.CodeableConcept `json:"medicationCodeableConcept"`
	MedicationReference       *fm.Reference       `json:"medicationReference"`
	// MedicationRequest
	Intent            string   `json:"intent"`
	AuthoredOn        *string  `json:"authoredOn"`
	DosageInstruction []dosage `json:"dosageInstruction"`
	DoNotPerform      *bool    `json:"doNotPerform"`
	DispenseRequest   *struct {
		ValidityPeriod         *fm.Period      `json:"validityPeriod"`
		ExpectedSupplyDuration *fm.Duration    `json:"expectedSupplyDuration"`
		NumberOfRepeatsAllowed *stdjson.Number `json:"numberOfRepeatsAllowed"` // a number: 2.5 must not make the order unreadable
	} `json:"dispenseRequest"`
	// MedicationStatement
	EffectiveDateTime *string    `json:"effectiveDateTime"`
	EffectivePeriod   *fm.Period `json:"effectivePeriod"`
	DateAsserted      *string    `json:"dateAsserted"`
	Dosage            []dosage   `json:"dosage"`
}

type serviceRequest struct {
	ID           *string             `json:"id"`
	DoNotPerform *bool               `json:"doNotPerform"`
	Status       *string             `json:"status"`
	Code         *fm.CodeableConcept `json:"code"`
	Subject      *fm.Reference       `json:"subject"`
}

type dosage struct {
	Sequence           *stdjson.Number `json:"sequence"` // a number: 1.5 must not make the order unreadable
	Text               *string         `json:"text"`
	PatientInstruction *string         `json:"patientInstruction"`
	Timing             *struct {
		Code   *fm.CodeableConcept `json:"code"`
		Repeat *struct {
			Frequency    *stdjson.Number `json:"frequency"` // a number, as count: 2.5 or 1e308 must not make the order unreadable
			FrequencyMax *stdjson.Number `json:"frequencyMax"`
			Period       *stdjson.Number `json:"period"`
			PeriodUnit   *string         `json:"periodUnit"`
			TimeOfDay    []string        `json:"timeOfDay"`
			When         []string        `json:"when"`
			// bounds[x] and count: how long the instruction lasts.
			BoundsPeriod   *fm.Period      `json:"boundsPeriod"`
			BoundsDuration *fm.Duration    `json:"boundsDuration"`
			Count          *stdjson.Number `json:"count"` // a number: 2.5 or 1e30 must not make the order unreadable
		} `json:"repeat"`
	} `json:"timing"`
	DoseAndRate []doseAndRate       `json:"doseAndRate"`
	Route       *fm.CodeableConcept `json:"route"`
}

type doseAndRate struct {
	DoseQuantity *fm.Quantity `json:"doseQuantity"`
	DoseRange    *fm.Range    `json:"doseRange"`
}

func convertPatient(p *patient) rules.Patient {
	out := rules.Patient{BirthDate: date(p.BirthDate)}
	if p.BirthDate != nil && !out.BirthDate.IsZero() { // "1975" or "1975-06": how much is known
		out.BirthDatePrecision = map[int]byte{4: 'y', 7: 'm'}[len(strings.TrimSpace(*p.BirthDate))]
	}
	if p.Gender != nil {
		out.Gender = p.Gender.Code()
	}
	return out
}

func convertObservation(o *observation) rules.Observation {
	when := o.date()
	out := rules.Observation{ID: resourceID("Observation", o.ID), Codes: codings(&o.Code), Text: ccText(&o.Code),
		Status: o.Status.Code()}
	out.Date, out.DateLast = dates(when)
	convertValue(&o.value, &out)
	for i := range o.Component {
		c := &o.Component[i]
		comp := rules.Observation{Codes: codings(&c.Code), Text: ccText(&c.Code)}
		convertValue(&c.value, &comp)
		out.Components = append(out.Components, comp)
	}
	return out
}

func convertValue(v *value, out *rules.Observation) {
	out.Quantity = quantity(v.ValueQuantity)
	out.ValueCodes = codings(v.ValueCodeableConcept)
	out.ValueText = strings.TrimSpace(str(v.ValueString))
	for i := range v.Interpretation { // a flag written as text only ("Positive") too
		out.Interpretation = appendConcept(out.Interpretation, &v.Interpretation[i])
	}
	out.ValueBoolean = v.ValueBoolean
	if out.Quantity == nil && v.ValueInteger != nil {
		out.Quantity = &rules.Quantity{Value: float64(*v.ValueInteger)}
	}
	if out.Quantity == nil && v.ValueString != nil {
		out.Quantity = rules.TextQuantity(*v.ValueString)
	}
	out.Absent = v.DataAbsentReason != nil
	if out.ValueText == "" {
		out.ValueText = ccText(v.ValueCodeableConcept)
	}
}

// date is the element that dates a result: effective[x] (the start of a
// period, else its end), else issued.
func (d *observationDate) date() *string {
	p := d.EffectiveDateTime
	switch {
	case p == nil && d.EffectivePeriod != nil:
		p = periodStart(d.EffectivePeriod)
	case p == nil:
		p = d.EffectiveInstant
	}
	if date(p).IsZero() {
		p = d.Issued
	}
	return p
}

func convertCondition(c *condition) rules.Condition {
	present := func(v jsontext.Value) bool { return len(v) > 0 && string(v) != "null" }
	out := rules.Condition{ID: resourceID("Condition", c.ID), Codes: codings(c.Code), Text: textOrDisplay(c.Code),
		ClinicalStatus: conditionStatus(c.ClinicalStatus), VerificationStatus: conditionStatus(c.VerificationStatus),
		Recorded: date(c.RecordedDate), Onset: date(periodStart(c.OnsetPeriod)),
		Abated: present(c.AbatementDateTime) || present(c.AbatementAge) || present(c.AbatementPeriod) ||
			present(c.AbatementRange) || present(c.AbatementString)}
	if c.OnsetDateTime != nil {
		out.Onset, out.OnsetLast = dates(c.OnsetDateTime)
	}
	out.OnsetUnread = out.Onset.IsZero() && (c.OnsetDateTime != nil || present(c.OnsetString))
	return out
}

func convertImmunization(im *immunization) rules.Immunization {
	out := rules.Immunization{ID: resourceID("Immunization", im.ID), Codes: codings(&im.VaccineCode),
		Text: textOrDisplay(&im.VaccineCode), Status: im.Status.Code(), Subpotent: im.IsSubpotent != nil && *im.IsSubpotent}
	out.Date, out.DateLast = dates(im.OccurrenceDateTime)
	return out
}

// convertMedication is what a Medication contributes to an order: its
// code's codings, then its active ingredients' and their names (a local
// product may be named by its ingredient alone).
func convertMedication(m *medication) rules.Medication {
	mg, perML := strengthMg(m.Ingredient)
	codes := codings(m.Code)
	for i := range m.Ingredient {
		if ing := &m.Ingredient[i]; ing.IsActive == nil || *ing.IsActive {
			codes = appendConcept(codes, &ing.ItemCodeableConcept)
			if t := strings.TrimSpace(str(ing.ItemReference.Display)); t != "" {
				codes = append(codes, rules.Coding{Display: t})
			}
		}
	}
	return rules.Medication{Codes: codes, Text: textOrDisplay(m.Code), Dose: rules.DoseFacts{IngredientStrengthMg: mg, IngredientPerML: perML}}
}

// medIndex holds Medications by "Medication/<id>" and by their fullUrl.
type medIndex map[string]rules.Medication

// add keeps m by its id and fullUrl; conflict is the first key that held
// a Medication of other content (both are kept, merged).
func (mi medIndex) add(m *medication, fullURL string) (conflict string) {
	info := convertMedication(m)
	for _, key := range []string{resourceID("Medication", m.ID), fullURL} {
		if key != "" && mi.put(key, info) && conflict == "" {
			conflict = key
		}
	}
	return conflict
}

// put keeps info by key; a Medication of other content already there is
// merged with it (differed true): which one an order means cannot be told,
// so the codes and text of both are read (either may name a JAK inhibitor)
// and a strength they disagree on is none. Past 64 codes or 1,024 bytes of
// text merged, the id stands for no Medication that can be read: merging
// 20,000 versions of one id one by one took 12 s and 14 GB.
func (mi medIndex) put(key string, info rules.Medication) (differed bool) {
	old, ok := mi[key]
	switch {
	case ok && (old.ID == tooManyVersions || info.ID == tooManyVersions):
		mi[key] = rules.Medication{ID: tooManyVersions}
		return true
	case !ok || reflect.DeepEqual(old, info):
		mi[key] = info
		return false
	}
	old.Codes = append(slices.Clip(old.Codes), info.Codes...)
	old.Text = strings.TrimSpace(old.Text + " / " + info.Text)
	if old.Dose.IngredientStrengthMg != info.Dose.IngredientStrengthMg || old.Dose.IngredientPerML != info.Dose.IngredientPerML {
		old.Dose = rules.DoseFacts{}
	}
	if len(old.Codes) > 64 || len(old.Text) > 1024 {
		old = rules.Medication{ID: tooManyVersions}
	}
	mi[key] = old
	return true
}

// tooManyVersions marks a Medication id sent in too many versions to read.
const tooManyVersions = "\x00versions"

// pendingMed is an order or statement whose medicationReference may wait.
type pendingMed struct {
	med     rules.Medication
	ref     string // medicationReference.reference still to look up; "" when none
	refText string // medicationReference.display, the text when ref stays unresolved
	hadRef  bool   // a medicationReference with a reference was given
	found   bool   // and the Medication it references was found
}

// applyMedication copies a Medication into m, keeping m's own codes and text.
func applyMedication(m *rules.Medication, info rules.Medication) {
	if len(m.Codes) == 0 {
		m.Codes = info.Codes
	}
	if m.Text == "" {
		m.Text = info.Text
	}
	m.Dose.IngredientStrengthMg, m.Dose.IngredientPerML = info.Dose.IngredientStrengthMg, info.Dose.IngredientPerML
	// And the instructions after the first (read before a referenced
	// Medication was found): 1 tablet mornings and 2 evenings is 3 tablets.
	m.Dose.More = slices.Clone(m.Dose.More)
	for i := range m.Dose.More {
		m.Dose.More[i].IngredientStrengthMg, m.Dose.More[i].IngredientPerML = info.Dose.IngredientStrengthMg, info.Dose.IngredientPerML
	}
}

// resolve completes p with the Medication lookup finds for its reference;
// ok is false when lookup finds none.
func (p *pendingMed) resolve(lookup func(ref string) (rules.Medication, bool)) (m rules.Medication, ok bool) {
	m = p.med
	if p.ref == "" {
		return m, true
	}
	info, ok := lookup(p.ref)
	if ok {
		p.found = true
		applyMedication(&m, info)
	} else if m.Text == "" {
		m.Text = p.refText
	}
	return m, ok
}

// lookup finds the Medication ref references, by ref as written or as
// "Medication/<id>" ("https://ehr/fhir/Medication/1/_history/2" is
// "Medication/1").
func (mi medIndex) lookup(ref string) (rules.Medication, bool) {
	if info, ok := mi[ref]; ok {
		return info, true
	}
	key, _, _ := strings.Cut(ref, "/_history/")
	if i := strings.LastIndex(key, "/Medication/"); i >= 0 && !strings.HasPrefix(key, "Medication/") {
		key = key[i+1:]
	}
	info, ok := mi[key]
	return info, ok
}

// dose reads the instructions onto base, the Medication's strength.
func dose(ds []dosage, base rules.DoseFacts) rules.DoseFacts {
	if len(ds) == 0 {
		return base
	}
	out := instruction(&ds[0], base)
	if len(ds) > 1 { // sized once: 195,000 instructions took 1.5 times their size while growing
		out.More = make([]rules.DoseFacts, 0, len(ds)-1)
	}
	for i := range ds[1:] {
		out.More = append(out.More, instruction(&ds[1+i], base))
	}
	return out
}

// instruction is what one dosageInstruction says.
func instruction(d *dosage, base rules.DoseFacts) rules.DoseFacts {
	out := base
	if d.Sequence != nil {
		if v, ok := number(*d.Sequence); ok && v >= 0 && v <= 1e9 {
			out.Sequence = int(v)
		}
	}
	// The sig, else what the patient is told (the only sig some send).
	out.DosageText, out.Route = cmp.Or(strings.TrimSpace(str(d.Text)), strings.TrimSpace(str(d.PatientInstruction))), routeText(d.Route)
	for i := range d.DoseAndRate {
		if out.DoseQuantity = quantity(d.DoseAndRate[i].DoseQuantity); out.DoseQuantity != nil {
			break
		}
		if r := d.DoseAndRate[i].DoseRange; r != nil && r.High != nil { // the most given at a time
			if out.DoseQuantity = quantity(r.High); out.DoseQuantity != nil {
				out.DoseRange = true
				break
			}
		}
	}
	if d.Timing != nil {
		out.TimingCode, out.TimingText = statusCode(d.Timing.Code), textOrDisplay(d.Timing.Code)
		if r := d.Timing.Repeat; r != nil {
			out.Frequency, out.FrequencyMax = frequency(r.Frequency), frequency(r.FrequencyMax)
			out.TimesOfDay = max(len(r.TimeOfDay), len(r.When))
			if r.Period != nil {
				out.Period, _ = number(*r.Period)
			}
			out.PeriodUnit = strings.TrimSpace(str(r.PeriodUnit))
			if r.BoundsPeriod != nil {
				out.BoundsEnd = lastDay(r.BoundsPeriod.End)
			}
			out.BoundsDays = days(r.BoundsDuration)
			if r.Count != nil {
				if v, _ := number(*r.Count); v >= 1 && v <= 1e9 && v == math.Trunc(v) {
					out.Count = int(v)
				}
			}
		}
	}
	return out
}

// convertMedicationUse reads a MedicationRequest, or a MedicationStatement
// as a request: its start is effectivePeriod.start, effectiveDateTime or
// else dateAsserted.
func convertMedicationUse(resourceType string, mu *medicationUse, contained func(string) (rules.Medication, bool)) pendingMed {
	p := pendingMed{med: rules.Medication{ID: resourceID(resourceType, mu.ID), ResourceType: resourceType,
		Status: jsonshape.Code(mu.Status)}}
	dosages := mu.Dosage
	var authored, end *string
	switch {
	case resourceType == "MedicationRequest":
		p.med.Intent, authored, dosages = jsonshape.Code(mu.Intent), mu.AuthoredOn, mu.DosageInstruction
		if dr := mu.DispenseRequest; dr != nil {
			if dr.ValidityPeriod != nil {
				p.med.ValidityStart, end = date(dr.ValidityPeriod.Start), dr.ValidityPeriod.End
			}
			if dr.NumberOfRepeatsAllowed != nil {
				v, _ := number(*dr.NumberOfRepeatsAllowed)
				p.med.Supply.Repeats = int(min(max(v, 0), 1000))
			}
			p.med.Supply.Days = days(dr.ExpectedSupplyDuration) // 0 when absent
		}
	case mu.EffectivePeriod != nil:
		authored, end = mu.EffectivePeriod.Start, mu.EffectivePeriod.End
	case mu.EffectiveDateTime != nil:
		authored = mu.EffectiveDateTime
	}
	if date(authored).IsZero() && resourceType == "MedicationStatement" {
		authored = mu.DateAsserted
	}
	p.med.Authored, p.med.AuthoredLast = dates(authored)
	p.med.End, p.med.EndLast = dates(end)
	p.med.Dose = dose(dosages, rules.DoseFacts{})
	cc, ref := mu.MedicationCodeableConcept, cmp.Or(mu.MedicationReference, &fm.Reference{})
	p.med.Codes, p.med.Text = codings(cc), textOrDisplay(cc)
	p.ref, p.refText = strings.TrimSpace(str(ref.Reference)), strings.TrimSpace(str(ref.Display))
	p.hadRef = p.ref != "" || ref.Identifier != nil  // by identifier alone: a drug named, not read
	if id, ok := strings.CutPrefix(p.ref, "#"); ok { // a contained Medication, read now
		p.med, _ = p.resolve(func(string) (rules.Medication, bool) { return contained(id) })
		p.ref = ""
	} else if p.ref == "" && p.med.Text == "" {
		p.med.Text = p.refText
	}
	return p
}

func resourceID(resourceType string, id *string) string {
	if s := strings.TrimSpace(str(id)); s != "" {
		return resourceType + "/" + s
	}
	return ""
}

// appendConcept appends to out the codings of cc, then cc.text as a Coding
// with only a Display: some resources are recognised by name alone
// (contract 6.4).
func appendConcept(out []rules.Coding, cc *fm.CodeableConcept) []rules.Coding {
	out = appendCodings(out, cc)
	if t := ccText(cc); t != "" {
		out = append(out, rules.Coding{Display: t})
	}
	return out
}

func codings(cc *fm.CodeableConcept) []rules.Coding { return appendCodings(nil, cc) }

// appendCodings appends to out the codings of cc that have a code or a display.
func appendCodings(out []rules.Coding, cc *fm.CodeableConcept) []rules.Coding {
	for _, c := range conceptOf(cc).Coding {
		c := rules.Coding{System: rules.CanonicalSystem(str(c.System)), Code: strings.TrimSpace(str(c.Code)), Display: strings.TrimSpace(str(c.Display))}
		if c.Code != "" || c.Display != "" {
			out = append(out, c)
		}
	}
	return out
}

// conceptOf is cc, or an empty concept for nil (never changed).
func conceptOf(cc *fm.CodeableConcept) *fm.CodeableConcept {
	if cc == nil {
		return &noConcept
	}
	return cc
}

var noConcept fm.CodeableConcept

func ccText(cc *fm.CodeableConcept) string { return strings.TrimSpace(str(conceptOf(cc).Text)) }

// textOrDisplay is cc.text, else the display of its first coding that has one.
func textOrDisplay(cc *fm.CodeableConcept) string {
	t := ccText(cc)
	for _, c := range conceptOf(cc).Coding {
		if t != "" {
			break
		}
		t = strings.TrimSpace(str(c.Display))
	}
	return t
}

// routeText is a route's text and its codings' displays ("Topical route").
func routeText(cc *fm.CodeableConcept) string {
	t := []string{ccText(cc)}
	for _, c := range conceptOf(cc).Coding {
		t = append(t, str(c.Display))
	}
	return strings.Trim(strings.Join(t, "; "), "; ")
}

// statusCode is a status concept's first code, else its text.
func statusCode(cc *fm.CodeableConcept) string {
	for _, c := range conceptOf(cc).Coding {
		if code := strings.TrimSpace(str(c.Code)); code != "" {
			return code
		}
	}
	return ccText(cc)
}

// conditionStatus is a Condition's clinical or verification status as its
// FHIR code ("Entered in error" is entered-in-error, as jsonshape.Code
// writes it); the HL7 code is taken over a local one before it ("A", then
// "active").
func conditionStatus(cc *fm.CodeableConcept) string {
	code := statusCode(cc)
	for _, c := range conceptOf(cc).Coding {
		if s := rules.CanonicalSystem(str(c.System)); strings.HasPrefix(s, "http://terminology.hl7.org/CodeSystem/condition-") && strings.TrimSpace(str(c.Code)) != "" {
			code = str(c.Code)
			break
		}
	}
	return jsonshape.Code(code)
}

// periodStart is the element that dates a period: its start, else its end.
func periodStart(p *fm.Period) *string {
	switch {
	case p == nil:
		return nil
	case !date(p.Start).IsZero():
		return p.Start
	}
	return p.End
}

// The FHIR date forms by length ("2026" is its first day, a date midnight
// UTC), and the dateTime, instant and zone-less forms (read as UTC).
var (
	dateLayouts     = map[int]string{4: "2006", 7: "2006-01", 10: "2006-01-02"}
	dateTimeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04Z07:00", "2006-01-02T15:04",
		// The ISO 8601 basic offset ("+0000", "-0500") that feeds converted
		// from HL7 v2 write: not FHIR, but the instant is unambiguous, and
		// a result whose date cannot be read is no result at all.
		"2006-01-02T15:04:05.999999999Z0700", "2006-01-02T15:04Z0700"}
)

// ParseDate parses a FHIR date, dateTime or instant (ok false if it cannot).
func ParseDate(s string) (t time.Time, ok bool) {
	s = strings.TrimSpace(s)
	if len(s) >= 19 && s[16] == ':' && s[17:19] == "60" { // a leap second, which FHIR allows and Go does not parse
		s = s[:17] + "59" + s[19:]
	}
	layouts := dateTimeLayouts
	if l, ok := dateLayouts[len(s)]; ok {
		layouts = []string{l}
	}
	for _, layout := range layouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// date is ParseDate for an optional element; zero when absent or unreadable.
func date(p *string) time.Time {
	if p == nil {
		return time.Time{}
	}
	t, _ := ParseDate(*p)
	return t
}

// frequency is a timing frequency as sent (0 when absent), -1 (not usable:
// the dose is unknown) when it is no finite number or 0 (a positiveInt:
// 0 is not "absent", which reads as once a day); never an error, which
// would make the whole order, and a JAK course, unreadable.
func frequency(n *stdjson.Number) float64 {
	if n == nil {
		return 0
	}
	if v, ok := number(*n); ok && v != 0 {
		return v
	}
	return -1
}

// lastDay is date for the end of a period: a year or a month is its last
// day ("2026-11" ends on 30 November, not on the 1st).
func lastDay(p *string) time.Time {
	first, last := dates(p)
	return cmp.Or(last, first)
}

// dates parses a date once: its first day (date), and for a date written
// as a year or a month only its last day, else zero (the rules choose which
// end is the fail-safe one).
func dates(p *string) (first, last time.Time) {
	first = date(p)
	switch n := len(strings.TrimSpace(str(p))); {
	case first.IsZero():
	case n == 4:
		last = first.AddDate(1, 0, -1)
	case n == 7:
		last = first.AddDate(0, 1, -1)
	}
	return first, last
}

// quantity converts a Quantity as sent (nil without a usable value): the
// unit is the UCUM code when there is one, else the unit text.
func quantity(q *fm.Quantity) *rules.Quantity {
	if q == nil || q.Value == nil {
		return nil
	}
	v, ok := number(*q.Value)
	if !ok {
		return nil
	}
	out := &rules.Quantity{Value: v, Unit: strings.TrimSpace(str(q.Unit))}
	if code, system := strings.TrimSpace(str(q.Code)), rules.CanonicalSystem(str(q.System)); code != "" && (system == "" || system == rules.SystemUCUM) {
		out.Unit = code
	}
	// The other spelling the Quantity gives, for the rules to try when
	// Unit is not one they list (contract 6.5: "from code or unit"): the
	// readable unit, or a code of another unit system.
	for _, other := range []string{strings.TrimSpace(str(q.Unit)), strings.TrimSpace(str(q.Code))} {
		if other != "" && other != out.Unit {
			out.UnitText = other
			break
		}
	}
	if q.Comparator != nil {
		out.Comparator = q.Comparator.Code()
	}
	return out
}

// durationDays are the days of each UCUM unit of a Duration (a month 30, a
// year 365 days), by code, else as the unit is written.
var durationDays = map[string]float64{"h": 1.0 / 24, "d": 1, "day": 1, "days": 1, "wk": 7, "week": 7, "weeks": 7,
	"mo": 30, "month": 30, "months": 30, "a": 365, "year": 365, "years": 365}

// days is a Duration in days (0 when it cannot be read, or over ten years).
func days(d *fm.Duration) float64 {
	q := quantity((*fm.Quantity)(d))
	if q == nil || q.Comparator != "" {
		return 0
	}
	f := cmp.Or(durationDays[strings.ToLower(q.Unit)], durationDays[strings.ToLower(q.UnitText)])
	if v := q.Value * f; v > 0 && v <= 3650 {
		return v
	}
	return 0
}

// number parses a FHIR decimal; NaN and infinities are refused.
func number(n stdjson.Number) (float64, bool) {
	v, err := strconv.ParseFloat(strings.TrimSpace(string(n)), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false
	}
	return v, true
}

// strengthMg is the first active ingredient's mg per 1 unit (30 mg / 1
// tablet), and whether that unit is 1 mL (an oral solution, 1 mg / 1 mL).
func strengthMg(ings []fm.MedicationIngredient) (float64, bool) {
	for _, ing := range ings {
		if ing.Strength == nil || ing.IsActive != nil && !*ing.IsActive {
			continue
		}
		num, den := quantity(ing.Strength.Numerator), quantity(ing.Strength.Denominator)
		if num != nil && den != nil && den.Value == 1 && strings.EqualFold(num.Unit, "mg") && num.Value > 0 {
			return num.Value, strings.EqualFold(den.Unit, "mL") || strings.EqualFold(den.UnitText, "mL")
		}
	}
	return 0, false
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
