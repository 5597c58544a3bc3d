package fhir

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"

	fm "github.com/samply/golang-fhir-models/fhir-models/fhir"
)

// decodeObservationFast decodes a slimmed Observation (see slim) into o
// when it has the plain shape nearly every Observation has: the members
// readMembers lists but component, each once and in lower camel case, of
// the types FHIR gives them, strings without escapes, no nulls and no
// extensions. It reports false for anything else, leaving o in any state;
// the caller then decodes the resource with decodeResource, which handles
// every shape. What it accepts it decodes exactly as decodeResource does
// (TestDecodeFast, FuzzDecodeFast): it is that
// decoder's fast path, not a second reading of FHIR.
//
// It exists because decoding is most of what is left of a call's cost
// once the scan is done: through reflection, an Observation takes about
// five times as long.
func decodeObservationFast(data []byte, o *fm.Observation) bool {
	d := fastDecoder{s: scanner{data: data}, text: string(data)}
	s := &d.s
	if s.peek() != '{' || s.enter() != nil {
		return false
	}
	var seen uint16
	for n := 0; ; n++ {
		key, ok, err := s.member(n)
		if err != nil {
			return false
		}
		if !ok {
			break
		}
		var bit uint16
		switch string(key) {
		case "id":
			bit, o.Id = 1<<0, d.str()
			ok = o.Id != nil
		case "status":
			bit = 1 << 1
			start := s.pos
			ok = d.str() != nil && o.Status.UnmarshalJSON(data[start:s.pos]) == nil
		case "code":
			bit, ok = 1<<2, d.concept(&o.Code)
		case "valueQuantity":
			bit, o.ValueQuantity = 1<<3, d.quantity()
			ok = o.ValueQuantity != nil
		case "valueCodeableConcept":
			bit, o.ValueCodeableConcept = 1<<4, new(fm.CodeableConcept)
			ok = d.concept(o.ValueCodeableConcept)
		case "valueString":
			bit, o.ValueString = 1<<5, d.str()
			ok = o.ValueString != nil
		case "valueInteger":
			bit, o.ValueInteger = 1<<6, d.integer()
			ok = o.ValueInteger != nil
		case "interpretation":
			bit, o.Interpretation = 1<<7, d.concepts()
			ok = o.Interpretation != nil
		case "effectiveDateTime":
			bit, o.EffectiveDateTime = 1<<8, d.str()
			ok = o.EffectiveDateTime != nil
		case "effectivePeriod":
			bit, o.EffectivePeriod = 1<<9, d.period()
			ok = o.EffectivePeriod != nil
		case "effectiveInstant":
			bit, o.EffectiveInstant = 1<<10, d.str()
			ok = o.EffectiveInstant != nil
		case "issued":
			bit, o.Issued = 1<<11, d.str()
			ok = o.Issued != nil
		default:
			return false
		}
		if !ok || seen&bit != 0 {
			return false
		}
		seen |= bit
	}
	return s.end() == nil
}

// fastDecoder reads the plain shapes decodeObservationFast accepts; each
// method returns nil or false for any other shape.
type fastDecoder struct {
	s scanner
	// text is s.data as one string: the strings decoded are parts of it
	// rather than a copy each.
	text string
	// boxes holds the strings the decoded *string fields point to, a few
	// to an allocation.
	boxes []string
}

func (d *fastDecoder) box(v string) *string {
	if len(d.boxes) == cap(d.boxes) {
		d.boxes = make([]string, 0, 16)
	}
	d.boxes = append(d.boxes, v) // within capacity: earlier pointers stay valid
	return &d.boxes[len(d.boxes)-1]
}

// str reads a string without escapes, valid UTF-8 (encoding/json would
// replace what is not).
func (d *fastDecoder) str() *string {
	s := &d.s
	if s.peek() != '"' {
		return nil
	}
	start, end, escaped, err := s.str()
	if err != nil || escaped || !utf8.Valid(s.data[start:end]) {
		return nil
	}
	return d.box(d.text[start:end])
}

// number reads a JSON number, as written.
func (d *fastDecoder) number() ([]byte, bool) {
	s := &d.s
	if c := s.peek(); c != '-' && (c < '0' || c > '9') {
		return nil, false
	}
	start := s.pos
	if s.number() != nil {
		return nil, false
	}
	return s.data[start:s.pos], true
}

// integer reads a JSON number without fraction or exponent that fits an int.
func (d *fastDecoder) integer() *int {
	b, ok := d.number()
	if !ok {
		return nil
	}
	n, err := strconv.Atoi(string(b))
	if err != nil {
		return nil
	}
	return &n
}

// concept reads a CodeableConcept: coding and text.
func (d *fastDecoder) concept(cc *fm.CodeableConcept) bool {
	s := &d.s
	if s.peek() != '{' || s.enter() != nil {
		return false
	}
	var seen uint8
	for n := 0; ; n++ {
		key, ok, err := s.member(n)
		if err != nil {
			return false
		}
		if !ok {
			return true
		}
		var bit uint8
		switch string(key) {
		case "coding":
			bit, ok = 1, d.codings(cc)
		case "text":
			bit, cc.Text = 2, d.str()
			ok = cc.Text != nil
		default:
			return false
		}
		if !ok || seen&bit != 0 {
			return false
		}
		seen |= bit
	}
}

// codings reads an array of Codings: system, version, code, display.
func (d *fastDecoder) codings(cc *fm.CodeableConcept) bool {
	s := &d.s
	if s.peek() != '[' || s.enter() != nil {
		return false
	}
	cc.Coding = []fm.Coding{} // encoding/json makes [] an empty slice, not nil
	for i := 0; ; i++ {
		ok, err := s.element(i)
		if err != nil {
			return false
		}
		if !ok {
			return true
		}
		if s.peek() != '{' || s.enter() != nil {
			return false
		}
		var c fm.Coding
		var seen uint8
		for n := 0; ; n++ {
			key, ok, err := s.member(n)
			if err != nil {
				return false
			}
			if !ok {
				break
			}
			var bit uint8
			var v *string
			switch string(key) {
			case "system":
				bit, v = 1, d.str()
				c.System = v
			case "version":
				bit, v = 2, d.str()
				c.Version = v
			case "code":
				bit, v = 4, d.str()
				c.Code = v
			case "display":
				bit, v = 8, d.str()
				c.Display = v
			default:
				return false
			}
			if v == nil || seen&bit != 0 {
				return false
			}
			seen |= bit
		}
		cc.Coding = append(cc.Coding, c)
	}
}

// concepts reads an array of CodeableConcepts.
func (d *fastDecoder) concepts() []fm.CodeableConcept {
	s := &d.s
	if s.peek() != '[' || s.enter() != nil {
		return nil
	}
	out := []fm.CodeableConcept{}
	for i := 0; ; i++ {
		ok, err := s.element(i)
		if err != nil {
			return nil
		}
		if !ok {
			return out
		}
		var cc fm.CodeableConcept
		if !d.concept(&cc) {
			return nil
		}
		out = append(out, cc)
	}
}

// quantity reads a Quantity: value, unit, system and code (no comparator).
func (d *fastDecoder) quantity() *fm.Quantity {
	s := &d.s
	if s.peek() != '{' || s.enter() != nil {
		return nil
	}
	q := &fm.Quantity{}
	var seen uint8
	for n := 0; ; n++ {
		key, ok, err := s.member(n)
		if err != nil {
			return nil
		}
		if !ok {
			return q
		}
		var bit uint8
		switch string(key) {
		case "value":
			bit = 1
			var b []byte
			if b, ok = d.number(); ok {
				v := json.Number(b)
				q.Value = &v
			}
		case "unit":
			bit, q.Unit = 2, d.str()
			ok = q.Unit != nil
		case "system":
			bit, q.System = 4, d.str()
			ok = q.System != nil
		case "code":
			bit, q.Code = 8, d.str()
			ok = q.Code != nil
		default:
			return nil
		}
		if !ok || seen&bit != 0 {
			return nil
		}
		seen |= bit
	}
}

// period reads a Period: start and end.
func (d *fastDecoder) period() *fm.Period {
	s := &d.s
	if s.peek() != '{' || s.enter() != nil {
		return nil
	}
	p := &fm.Period{}
	var seen uint8
	for n := 0; ; n++ {
		key, ok, err := s.member(n)
		if err != nil {
			return nil
		}
		if !ok {
			return p
		}
		var bit uint8
		switch string(key) {
		case "start":
			bit, p.Start = 1, d.str()
			ok = p.Start != nil
		case "end":
			bit, p.End = 2, d.str()
			ok = p.End != nil
		default:
			return nil
		}
		if !ok || seen&bit != 0 {
			return nil
		}
		seen |= bit
	}
}

// decodeImmunizationFast is decodeObservationFast for a slimmed
// Immunization: id, status, vaccineCode and occurrenceDateTime.
func decodeImmunizationFast(data []byte, im *fm.Immunization) bool {
	d := fastDecoder{s: scanner{data: data}, text: string(data)}
	s := &d.s
	if s.peek() != '{' || s.enter() != nil {
		return false
	}
	var seen uint8
	for n := 0; ; n++ {
		key, ok, err := s.member(n)
		if err != nil {
			return false
		}
		if !ok {
			break
		}
		var bit uint8
		switch string(key) {
		case "id":
			bit, im.Id = 1, d.str()
			ok = im.Id != nil
		case "status":
			bit = 2
			start := s.pos
			ok = d.str() != nil && im.Status.UnmarshalJSON(data[start:s.pos]) == nil
		case "vaccineCode":
			bit, ok = 4, d.concept(&im.VaccineCode)
		case "occurrenceDateTime":
			bit = 8
			var v *string
			if v, ok = d.str(), false; v != nil {
				im.OccurrenceDateTime, ok = *v, true
			}
		default:
			return false
		}
		if !ok || seen&bit != 0 {
			return false
		}
		seen |= bit
	}
	return s.end() == nil
}

// decodePatientFast is decodeObservationFast for a slimmed Patient:
// birthDate and gender.
func decodePatientFast(data []byte, p *fm.Patient) bool {
	d := fastDecoder{s: scanner{data: data}, text: string(data)}
	s := &d.s
	if s.peek() != '{' || s.enter() != nil {
		return false
	}
	var seen uint8
	for n := 0; ; n++ {
		key, ok, err := s.member(n)
		if err != nil {
			return false
		}
		if !ok {
			break
		}
		var bit uint8
		switch string(key) {
		case "birthDate":
			bit, p.BirthDate = 1, d.str()
			ok = p.BirthDate != nil
		case "gender":
			bit = 2
			start := s.pos
			var g fm.AdministrativeGender
			if ok = d.str() != nil && g.UnmarshalJSON(data[start:s.pos]) == nil; ok {
				p.Gender = &g
			}
		default:
			return false
		}
		if !ok || seen&bit != 0 {
			return false
		}
		seen |= bit
	}
	return s.end() == nil
}

// decodeMedicationRequestFast is decodeObservationFast for a slimmed
// MedicationRequest of the plainest shape: id, status, intent, authoredOn
// and medicationCodeableConcept (a dosage, a dispense request or a
// medicationReference sends it to decodeResource).
func decodeMedicationRequestFast(data []byte, mr *fm.MedicationRequest) bool {
	d := fastDecoder{s: scanner{data: data}, text: string(data)}
	s := &d.s
	if s.peek() != '{' || s.enter() != nil {
		return false
	}
	var seen uint8
	for n := 0; ; n++ {
		key, ok, err := s.member(n)
		if err != nil {
			return false
		}
		if !ok {
			break
		}
		var bit uint8
		var v *string
		switch string(key) {
		case "id":
			bit, mr.Id = 1, d.str()
			ok = mr.Id != nil
		case "status":
			if bit, v = 2, d.str(); v != nil {
				mr.Status = *v
			}
			ok = v != nil
		case "intent":
			if bit, v = 4, d.str(); v != nil {
				mr.Intent = *v
			}
			ok = v != nil
		case "authoredOn":
			bit, mr.AuthoredOn = 8, d.str()
			ok = mr.AuthoredOn != nil
		case "medicationCodeableConcept":
			bit, ok = 16, d.concept(&mr.MedicationCodeableConcept)
		default:
			return false
		}
		if !ok || seen&bit != 0 {
			return false
		}
		seen |= bit
	}
	return s.end() == nil
}
