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
// (TestDecodeFast, FuzzDecodeFast): it is that decoder's fast path, not a
// second reading of FHIR.
//
// It exists because decoding is most of what is left of a call's cost
// once the scan is done: through reflection, an Observation takes about
// five times as long.
func decodeObservationFast(data []byte, o *fm.Observation) bool {
	d := newFastDecoder(data)
	return d.object(func(key []byte) (uint32, bool) {
		switch string(key) {
		case "id":
			return 1 << 0, d.strTo(&o.Id)
		case "status":
			start := d.s.pos
			return 1 << 1, d.str() != nil && o.Status.UnmarshalJSON(data[start:d.s.pos]) == nil
		case "code":
			return 1 << 2, d.concept(&o.Code)
		case "valueQuantity":
			o.ValueQuantity = d.quantity()
			return 1 << 3, o.ValueQuantity != nil
		case "valueCodeableConcept":
			o.ValueCodeableConcept = new(fm.CodeableConcept)
			return 1 << 4, d.concept(o.ValueCodeableConcept)
		case "valueString":
			return 1 << 5, d.strTo(&o.ValueString)
		case "valueInteger":
			o.ValueInteger = d.integer()
			return 1 << 6, o.ValueInteger != nil
		case "interpretation":
			o.Interpretation = d.concepts()
			return 1 << 7, o.Interpretation != nil
		case "effectiveDateTime":
			return 1 << 8, d.strTo(&o.EffectiveDateTime)
		case "effectivePeriod":
			o.EffectivePeriod = d.period()
			return 1 << 9, o.EffectivePeriod != nil
		case "effectiveInstant":
			return 1 << 10, d.strTo(&o.EffectiveInstant)
		case "issued":
			return 1 << 11, d.strTo(&o.Issued)
		}
		return 0, false
	}) && d.s.end() == nil
}

// decodeImmunizationFast is decodeObservationFast for a slimmed
// Immunization: id, status, vaccineCode and occurrenceDateTime.
func decodeImmunizationFast(data []byte, im *fm.Immunization) bool {
	d := newFastDecoder(data)
	return d.object(func(key []byte) (uint32, bool) {
		switch string(key) {
		case "id":
			return 1 << 0, d.strTo(&im.Id)
		case "status":
			start := d.s.pos
			return 1 << 1, d.str() != nil && im.Status.UnmarshalJSON(data[start:d.s.pos]) == nil
		case "vaccineCode":
			return 1 << 2, d.concept(&im.VaccineCode)
		case "occurrenceDateTime":
			return 1 << 3, d.plainTo(&im.OccurrenceDateTime)
		}
		return 0, false
	}) && d.s.end() == nil
}

// decodePatientFast is decodeObservationFast for a slimmed Patient:
// birthDate and gender.
func decodePatientFast(data []byte, p *fm.Patient) bool {
	d := newFastDecoder(data)
	return d.object(func(key []byte) (uint32, bool) {
		switch string(key) {
		case "birthDate":
			return 1 << 0, d.strTo(&p.BirthDate)
		case "gender":
			start := d.s.pos
			var g fm.AdministrativeGender
			if d.str() == nil || g.UnmarshalJSON(data[start:d.s.pos]) != nil {
				return 1 << 1, false
			}
			p.Gender = &g
			return 1 << 1, true
		}
		return 0, false
	}) && d.s.end() == nil
}

// decodeMedicationRequestFast is decodeObservationFast for a slimmed
// MedicationRequest of the plainest shape: id, status, intent, authoredOn
// and medicationCodeableConcept (a dosage, a dispense request or a
// medicationReference sends it to decodeResource).
func decodeMedicationRequestFast(data []byte, mr *fm.MedicationRequest) bool {
	d := newFastDecoder(data)
	return d.object(func(key []byte) (uint32, bool) {
		switch string(key) {
		case "id":
			return 1 << 0, d.strTo(&mr.Id)
		case "status":
			return 1 << 1, d.plainTo(&mr.Status)
		case "intent":
			return 1 << 2, d.plainTo(&mr.Intent)
		case "authoredOn":
			return 1 << 3, d.strTo(&mr.AuthoredOn)
		case "medicationCodeableConcept":
			return 1 << 4, d.concept(&mr.MedicationCodeableConcept)
		}
		return 0, false
	}) && d.s.end() == nil
}

// fastDecoder reads the plain shapes the fast paths accept; each method
// returns nil or false for any other shape.
type fastDecoder struct {
	s scanner
	// text is s.data as one string: the strings decoded are parts of it
	// rather than a copy each.
	text string
	// boxes holds the strings the decoded *string fields point to, a few
	// to an allocation.
	boxes []string
}

func newFastDecoder(data []byte) fastDecoder {
	return fastDecoder{s: scanner{data: data}, text: string(data)}
}

// object reads the object at the decoder's position member by member:
// field reads the value of the member named key, and returns a bit of its
// own for that name and whether it took the value (0, false for a name it
// does not read). object reports false when a member was not taken or a
// name came twice (encoding/json would keep the last value; the general
// decoder is left to do so).
func (d *fastDecoder) object(field func(key []byte) (bit uint32, ok bool)) bool {
	s := &d.s
	if s.peek() != '{' || s.enter() != nil {
		return false
	}
	var seen uint32
	for n := 0; ; n++ {
		key, more, err := s.member(n)
		if err != nil {
			return false
		}
		if !more {
			return true
		}
		bit, ok := field(key)
		if !ok || seen&bit != 0 {
			return false
		}
		seen |= bit
	}
}

// array reads the array at the decoder's position, calling elem for each
// element; it reports false when elem does.
func (d *fastDecoder) array(elem func() bool) bool {
	s := &d.s
	if s.peek() != '[' || s.enter() != nil {
		return false
	}
	for i := 0; ; i++ {
		more, err := s.element(i)
		if err != nil {
			return false
		}
		if !more {
			return true
		}
		if !elem() {
			return false
		}
	}
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

// strTo reads a string (see str) into the *string field dst.
func (d *fastDecoder) strTo(dst **string) bool {
	*dst = d.str()
	return *dst != nil
}

// plainTo reads a string (see str) into the string field dst.
func (d *fastDecoder) plainTo(dst *string) bool {
	v := d.str()
	if v != nil {
		*dst = *v
	}
	return v != nil
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
	return d.object(func(key []byte) (uint32, bool) {
		switch string(key) {
		case "coding":
			return 1 << 0, d.codings(cc)
		case "text":
			return 1 << 1, d.strTo(&cc.Text)
		}
		return 0, false
	})
}

// codings reads an array of Codings: system, version, code, display.
func (d *fastDecoder) codings(cc *fm.CodeableConcept) bool {
	cc.Coding = []fm.Coding{} // encoding/json makes [] an empty slice, not nil
	return d.array(func() bool {
		var c fm.Coding
		ok := d.object(func(key []byte) (uint32, bool) {
			switch string(key) {
			case "system":
				return 1 << 0, d.strTo(&c.System)
			case "version":
				return 1 << 1, d.strTo(&c.Version)
			case "code":
				return 1 << 2, d.strTo(&c.Code)
			case "display":
				return 1 << 3, d.strTo(&c.Display)
			}
			return 0, false
		})
		cc.Coding = append(cc.Coding, c)
		return ok
	})
}

// concepts reads an array of CodeableConcepts.
func (d *fastDecoder) concepts() []fm.CodeableConcept {
	out := []fm.CodeableConcept{}
	ok := d.array(func() bool {
		var cc fm.CodeableConcept
		ok := d.concept(&cc)
		out = append(out, cc)
		return ok
	})
	if !ok {
		return nil
	}
	return out
}

// quantity reads a Quantity: value, unit, system and code (no comparator).
func (d *fastDecoder) quantity() *fm.Quantity {
	q := &fm.Quantity{}
	ok := d.object(func(key []byte) (uint32, bool) {
		switch string(key) {
		case "value":
			b, ok := d.number()
			if ok {
				v := json.Number(b)
				q.Value = &v
			}
			return 1 << 0, ok
		case "unit":
			return 1 << 1, d.strTo(&q.Unit)
		case "system":
			return 1 << 2, d.strTo(&q.System)
		case "code":
			return 1 << 3, d.strTo(&q.Code)
		}
		return 0, false
	})
	if !ok {
		return nil
	}
	return q
}

// period reads a Period: start and end.
func (d *fastDecoder) period() *fm.Period {
	p := &fm.Period{}
	ok := d.object(func(key []byte) (uint32, bool) {
		switch string(key) {
		case "start":
			return 1 << 0, d.strTo(&p.Start)
		case "end":
			return 1 << 1, d.strTo(&p.End)
		}
		return 0, false
	})
	if !ok {
		return nil
	}
	return p
}
