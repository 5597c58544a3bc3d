package fhir

import (
	"strings"
	"time"

	fm "github.com/samply/golang-fhir-models/fhir-models/fhir"

	"jakguard/rules"
)

// This file converts decoded samply resources into the rules types. It
// copies codes, statuses, dates and quantities as sent and interprets
// nothing: which codes matter and which statuses count is for rules.

func resourceID(resourceType string, id *string) string {
	if id == nil || strings.TrimSpace(*id) == "" {
		return ""
	}
	return resourceType + "/" + strings.TrimSpace(*id)
}

// codings returns the codings of cc that carry a code or a display.
func codings(cc *fm.CodeableConcept) []rules.Coding {
	if cc == nil {
		return nil
	}
	var out []rules.Coding
	for _, c := range cc.Coding {
		coding := rules.Coding{
			System:  strings.TrimSpace(str(c.System)),
			Code:    strings.TrimSpace(str(c.Code)),
			Display: strings.TrimSpace(str(c.Display)),
		}
		if coding.Code == "" && coding.Display == "" {
			continue
		}
		out = append(out, coding)
	}
	return out
}

// allCodings returns the codings of every concept in ccs.
func allCodings(ccs []fm.CodeableConcept) []rules.Coding {
	var out []rules.Coding
	for i := range ccs {
		out = append(out, codings(&ccs[i])...)
	}
	return out
}

func ccText(cc *fm.CodeableConcept) string {
	if cc == nil {
		return ""
	}
	return strings.TrimSpace(str(cc.Text))
}

// textOrDisplay is cc.text, else the display of its first coding that has one.
func textOrDisplay(cc *fm.CodeableConcept) string {
	if t := ccText(cc); t != "" {
		return t
	}
	if cc == nil {
		return ""
	}
	for _, c := range cc.Coding {
		if d := strings.TrimSpace(str(c.Display)); d != "" {
			return d
		}
	}
	return ""
}

// statusCode is the code of a status concept such as Condition.clinicalStatus:
// its first coding's code, else its text.
func statusCode(cc *fm.CodeableConcept) string {
	if cc == nil {
		return ""
	}
	for _, c := range cc.Coding {
		if code := strings.TrimSpace(str(c.Code)); code != "" {
			return code
		}
	}
	return ccText(cc)
}

func periodStart(p *fm.Period) time.Time {
	if p == nil {
		return time.Time{}
	}
	if t := date(p.Start); !t.IsZero() {
		return t
	}
	return date(p.End)
}

// readMembers lists, by resource type, the members the convert functions
// below read (lower-cased), so that only these are decoded (see slim).
// Keep it in step with them: TestReadMembers fails when a converter reads
// a member missing here.
var readMembers = map[string]*memberSet{
	"Patient": lower("birthDate", "gender"),
	"Observation": lower("id", "code", "status", "valueQuantity", "valueCodeableConcept",
		"valueString", "valueInteger", "interpretation", "effectiveDateTime", "effectivePeriod",
		"effectiveInstant", "issued", "component"),
	"Condition": lower("id", "code", "clinicalStatus", "verificationStatus", "recordedDate",
		"onsetDateTime", "onsetPeriod", "abatementDateTime", "abatementAge", "abatementPeriod",
		"abatementRange", "abatementString"),
	"Immunization": lower("id", "vaccineCode", "status", "occurrenceDateTime"),
	"Medication":   lower("id", "code", "ingredient"),
	"MedicationRequest": lower("id", "status", "intent", "authoredOn", "dispenseRequest",
		"medicationCodeableConcept", "medicationReference", "dosageInstruction"),
	"MedicationStatement": lower("id", "status", "effectiveDateTime", "effectivePeriod",
		"dateAsserted", "medicationCodeableConcept", "medicationReference", "dosage"),
}

// memberSet is a list of member names, lower-cased, looked up by length
// (see readMember): most names of a resource differ from all the read ones
// of their length in the first byte.
type memberSet struct {
	names map[string]bool
	byLen [maxMemberName + 1][]string
}

// maxMemberName is longer than any FHIR member name; longer names are kept
// unjudged.
const maxMemberName = 40

func lower(names ...string) *memberSet {
	set := &memberSet{names: make(map[string]bool, len(names))}
	for _, n := range names {
		n = strings.ToLower(n)
		set.names[n] = true
		set.byLen[len(n)] = append(set.byLen[len(n)], n)
	}
	return set
}

func convertPatient(p *fm.Patient) *rules.Patient {
	out := &rules.Patient{BirthDate: date(p.BirthDate)}
	if p.Gender != nil {
		out.Gender = p.Gender.Code()
	}
	return out
}

func convertObservation(o *fm.Observation) rules.Observation {
	out := rules.Observation{
		ID:             resourceID("Observation", o.Id),
		Codes:          codings(&o.Code),
		Text:           ccText(&o.Code),
		Status:         o.Status.Code(),
		Quantity:       quantity(o.ValueQuantity),
		ValueCodes:     codings(o.ValueCodeableConcept),
		ValueText:      strings.TrimSpace(str(o.ValueString)),
		Interpretation: allCodings(o.Interpretation),
	}
	if out.Quantity == nil && o.ValueInteger != nil {
		out.Quantity = &rules.Quantity{Value: float64(*o.ValueInteger)}
	}
	if out.ValueText == "" {
		out.ValueText = ccText(o.ValueCodeableConcept)
	}
	switch {
	case o.EffectiveDateTime != nil:
		out.Date = date(o.EffectiveDateTime)
	case o.EffectivePeriod != nil:
		out.Date = periodStart(o.EffectivePeriod)
	case o.EffectiveInstant != nil:
		out.Date = date(o.EffectiveInstant)
	}
	if out.Date.IsZero() {
		out.Date = date(o.Issued)
	}
	for i := range o.Component {
		c := &o.Component[i]
		comp := rules.Observation{
			Codes:          codings(&c.Code),
			Text:           ccText(&c.Code),
			Quantity:       quantity(c.ValueQuantity),
			ValueCodes:     codings(c.ValueCodeableConcept),
			ValueText:      strings.TrimSpace(str(c.ValueString)),
			Interpretation: allCodings(c.Interpretation),
		}
		if comp.Quantity == nil && c.ValueInteger != nil {
			comp.Quantity = &rules.Quantity{Value: float64(*c.ValueInteger)}
		}
		if comp.ValueText == "" {
			comp.ValueText = ccText(c.ValueCodeableConcept)
		}
		out.Components = append(out.Components, comp)
	}
	return out
}

func convertCondition(c *fm.Condition) rules.Condition {
	out := rules.Condition{
		ID:                 resourceID("Condition", c.Id),
		Codes:              codings(c.Code),
		Text:               textOrDisplay(c.Code),
		ClinicalStatus:     statusCode(c.ClinicalStatus),
		VerificationStatus: statusCode(c.VerificationStatus),
		Recorded:           date(c.RecordedDate),
		Abated: c.AbatementDateTime != nil || c.AbatementAge != nil || c.AbatementPeriod != nil ||
			c.AbatementRange != nil || c.AbatementString != nil,
	}
	if c.OnsetDateTime != nil {
		out.Onset = date(c.OnsetDateTime)
	} else {
		out.Onset = periodStart(c.OnsetPeriod)
	}
	return out
}

func convertImmunization(im *fm.Immunization) rules.Immunization {
	t, _ := ParseDate(im.OccurrenceDateTime)
	return rules.Immunization{
		ID:     resourceID("Immunization", im.Id),
		Codes:  codings(&im.VaccineCode),
		Status: im.Status.Code(),
		Date:   t,
	}
}

// medInfo is what a Medication resource contributes to an order.
type medInfo struct {
	codes      []rules.Coding
	text       string
	strengthMg float64
}

func convertMedication(m *fm.Medication) medInfo {
	return medInfo{
		codes:      codings(m.Code),
		text:       textOrDisplay(m.Code),
		strengthMg: strengthMg(m.Ingredient),
	}
}

// pendingMed is an order or statement whose medicationReference may still
// have to be resolved against a Medication from another entry or page.
type pendingMed struct {
	med rules.Medication
	// ref is medicationReference.reference when the medication still has to
	// be looked up; "" when it needs no lookup.
	ref string
	// refText is medicationReference.display, the text when ref stays
	// unresolved.
	refText string
}

// setMedication fills the codes and text of m from medicationCodeableConcept
// or, through ref, from a Medication resource. contained resolves "#id".
func setMedication(p *pendingMed, cc *fm.CodeableConcept, ref *fm.Reference, contained func(id string) (medInfo, bool)) {
	p.med.Codes = codings(cc)
	p.med.Text = textOrDisplay(cc)
	r := strings.TrimSpace(str(ref.Reference))
	p.refText = strings.TrimSpace(str(ref.Display))
	if r == "" {
		if p.med.Text == "" {
			p.med.Text = p.refText
		}
		return
	}
	if id, ok := strings.CutPrefix(r, "#"); ok {
		if info, ok := contained(id); ok {
			applyMedication(&p.med, info)
			return
		}
		if p.med.Text == "" {
			p.med.Text = p.refText
		}
		return
	}
	p.ref = r
}

// applyMedication copies what a resolved Medication says into m, keeping
// codes and text already taken from medicationCodeableConcept.
func applyMedication(m *rules.Medication, info medInfo) {
	if len(m.Codes) == 0 {
		m.Codes = info.codes
	}
	if m.Text == "" {
		m.Text = info.text
	}
	m.Dose.IngredientStrengthMg = info.strengthMg
}

// resolve completes p from meds (keyed by "Medication/<id>" and by
// fullUrl); ok is false when the reference points nowhere known.
func (p *pendingMed) resolve(meds map[string]medInfo) (rules.Medication, bool) {
	m := p.med
	if p.ref == "" {
		return m, true
	}
	info, ok := meds[p.ref]
	if !ok {
		info, ok = meds[medicationKey(p.ref)]
	}
	if !ok {
		if m.Text == "" {
			m.Text = p.refText
		}
		return m, false
	}
	applyMedication(&m, info)
	return m, true
}

// medicationKey reduces a reference ("Medication/1",
// "https://ehr/fhir/Medication/1/_history/2") to "Medication/1".
func medicationKey(ref string) string {
	if i := strings.Index(ref, "/_history/"); i >= 0 {
		ref = ref[:i]
	}
	if strings.HasPrefix(ref, "Medication/") {
		return ref
	}
	if i := strings.LastIndex(ref, "/Medication/"); i >= 0 {
		return ref[i+1:]
	}
	return ref
}

func dose(ds []fm.Dosage, strength float64) rules.DoseFacts {
	out := rules.DoseFacts{IngredientStrengthMg: strength}
	if len(ds) == 0 {
		return out
	}
	d := &ds[0]
	out.DosageText = strings.TrimSpace(str(d.Text))
	for i := range d.DoseAndRate {
		if q := quantity(d.DoseAndRate[i].DoseQuantity); q != nil {
			out.DoseQuantity = q
			break
		}
	}
	if d.Timing != nil {
		out.TimingCode = statusCode(d.Timing.Code)
		if r := d.Timing.Repeat; r != nil {
			if r.Frequency != nil {
				out.Frequency = float64(*r.Frequency)
			}
			if r.Period != nil {
				out.Period, _ = number(*r.Period)
			}
			out.PeriodUnit = strings.TrimSpace(str(r.PeriodUnit))
		}
	}
	return out
}

func convertMedicationRequest(mr *fm.MedicationRequest, contained func(string) (medInfo, bool)) pendingMed {
	p := pendingMed{med: rules.Medication{
		ID:           resourceID("MedicationRequest", mr.Id),
		ResourceType: "MedicationRequest",
		Status:       strings.TrimSpace(mr.Status),
		Intent:       strings.TrimSpace(mr.Intent),
		Authored:     date(mr.AuthoredOn),
	}}
	if dr := mr.DispenseRequest; dr != nil && dr.ValidityPeriod != nil {
		p.med.ValidityStart = date(dr.ValidityPeriod.Start)
	}
	setMedication(&p, &mr.MedicationCodeableConcept, &mr.MedicationReference, contained)
	p.med.Dose = dose(mr.DosageInstruction, p.med.Dose.IngredientStrengthMg)
	return p
}

func convertMedicationStatement(ms *fm.MedicationStatement, contained func(string) (medInfo, bool)) pendingMed {
	p := pendingMed{med: rules.Medication{
		ID:           resourceID("MedicationStatement", ms.Id),
		ResourceType: "MedicationStatement",
		Status:       strings.TrimSpace(ms.Status),
	}}
	switch {
	case ms.EffectiveDateTime != nil:
		p.med.Authored = date(ms.EffectiveDateTime)
	case ms.EffectivePeriod != nil:
		p.med.Authored = periodStart(ms.EffectivePeriod)
	}
	if p.med.Authored.IsZero() {
		p.med.Authored = date(ms.DateAsserted)
	}
	setMedication(&p, &ms.MedicationCodeableConcept, &ms.MedicationReference, contained)
	p.med.Dose = dose(ms.Dosage, p.med.Dose.IngredientStrengthMg)
	return p
}
