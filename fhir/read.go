package fhir

import (
	"bytes"
	"errors"
	"io"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"jakguard/rules"
)

// A value (one prefetch value, one FHIR search page, context.draftOrders)
// is a resource or a Bundle of entries holding resources. valueReader goes
// through it once with the token reader: for each entry it reads the
// resource's head (the few members that tell whether and how to read it)
// and locates its JSON, and hands both to visit. Every other member is
// stepped over unread. Decoding a resource whole is visit's choice.

// head is what valueReader reads of every resource: its type and id, the
// codings that tell whether a rule reads it, the patient it is about and,
// as raw JSON (nil when absent), the dates of an Observation and the
// contained resources. The slices are reused from one resource to the next.
type head struct {
	resourceType string
	id           []byte // the id as sent, unescaped and trimmed
	// codes are the codings of code (Observation, Condition, Medication)
	// and of the components' codes; vaccineCodes those of an Immunization's
	// vaccineCode. badCodes names a member among them that could not be
	// read as CodeableConcepts ("" when all could).
	codes, vaccineCodes []rules.Coding
	badCodes            string
	// subject and patient are the reference strings of the members of
	// those names: the patient an Observation, Condition, MedicationRequest
	// or MedicationStatement (subject) or an Immunization (patient) is
	// about. badRef names one that could not be read as a Reference.
	subject, patient []byte
	badRef           string
	// Observation.effective[x] and issued.
	effectiveDateTime, effectivePeriod, effectiveInstant, issued jsontext.Value
	contained                                                    jsontext.Value
}

func (h *head) reset() {
	*h = head{
		id: h.id[:0], codes: h.codes[:0], vaccineCodes: h.vaccineCodes[:0], subject: h.subject[:0], patient: h.patient[:0],
		effectiveDateTime: h.effectiveDateTime[:0], effectivePeriod: h.effectivePeriod[:0],
		effectiveInstant: h.effectiveInstant[:0], issued: h.issued[:0], contained: h.contained[:0],
	}
}

// resource is one resource of a value, its head read. Its slices are
// valid until the next resource is read.
type resource struct {
	index   int    // entry index in the Bundle; 0 for a value that is a resource
	fullURL []byte // the entry's fullUrl, unescaped and trimmed
	raw     []byte // the resource's JSON, a sub-slice of the value
	head    *head
}

// valueReader reads one value. count is called before each entry (it
// bounds the entries and checks the deadline), visit for each entry's
// resource, and bad for an entry that holds no usable resource: member is
// "" for the entry itself, "resource" for its resource, and why says what
// is wrong. An entry without a resource (a transaction response) is bad
// only when needResource is set. An error from any of them stops the
// reading.
type valueReader struct {
	dec          *jsontext.Decoder
	data         []byte
	count        func() error
	visit        func(r *resource) error
	bad          func(index int, member, why string) error
	needResource bool

	top, scratch head
	res          resource
	name, text   []byte // scratch: a member name with escapes, a string's text
	codes        map[string]string
	// noNames: the concept being read is of a resource whose rules match
	// codes only (a Condition), so its texts and displays are not kept.
	noNames bool
}

// errNotObject is the error for a value that is valid JSON but no object.
var errNotObject = errors.New("not a JSON object")

// read reads data, one JSON value and nothing after it (see readFrom).
func (vr *valueReader) read(data []byte) (top *head, raw, links []byte, shape string, err error) {
	top, raw, links, shape, err = vr.readFrom(jsontext.NewDecoder(bytes.NewBuffer(data)), data)
	if err != nil {
		return nil, nil, nil, "", err
	}
	if _, err := vr.dec.ReadToken(); err != io.EOF {
		return nil, nil, nil, "", errors.New("data after the JSON value")
	}
	return top, raw, links, shape, nil
}

// readFrom reads the value at dec's position; data is what dec reads, from
// its first byte (the resources' JSON is located in it by offset). It
// returns the head of the value itself (a Bundle's, or the resource's), its
// raw JSON, the Bundle's raw link member, and shape, which says why
// Bundle.entry could not be read as entries ("" when it could). Entries are
// visited as they come, before the value's resourceType may be known: a
// caller that finds the value is no Bundle must drop what it made of them.
// When it returns errNotObject or no error, the whole value has been read.
func (vr *valueReader) readFrom(dec *jsontext.Decoder, data []byte) (top *head, raw, links []byte, shape string, err error) {
	vr.data, vr.dec = data, dec
	vr.top.reset()
	if vr.dec.PeekKind() != '{' {
		if err := vr.skip(); err != nil {
			return nil, nil, nil, "", err
		}
		return nil, nil, nil, "", errNotObject
	}
	start := vr.dec.InputOffset()
	err = vr.object(func(name []byte) error {
		switch string(name) {
		case "link":
			v, err := vr.dec.ReadValue()
			links = bytes.Clone(v)
			return err
		case "entry":
			return vr.entries(&shape)
		}
		return vr.member(&vr.top, name)
	})
	if err != nil {
		return nil, nil, nil, "", err
	}
	return &vr.top, vr.since(start), links, shape, nil
}

// since is the JSON of the value read since offset start, the end of the
// token before it: what comes before the value is white space and a colon
// or comma.
func (vr *valueReader) since(start int64) []byte {
	return bytes.TrimLeft(vr.data[start:vr.dec.InputOffset()], " \t\r\n:,[")
}

// object reads the object at the decoder's position, calling member with
// each member's name (valid until the next read); member must read or skip
// the value.
func (vr *valueReader) object(member func(name []byte) error) error {
	if _, err := vr.dec.ReadToken(); err != nil {
		return err
	}
	var buf []byte
	for vr.dec.PeekKind() != '}' {
		v, err := vr.dec.ReadValue()
		if err != nil {
			return err
		}
		name := v[1 : len(v)-1]
		if bytes.IndexByte(name, '\\') >= 0 {
			buf, _ = jsontext.AppendUnquote(buf[:0], v)
			name = buf
		}
		if err := member(name); err != nil {
			return err
		}
	}
	_, err := vr.dec.ReadToken()
	return err
}

// entries reads Bundle.entry: an array of entries, or the single entry
// object some clients send instead.
func (vr *valueReader) entries(shape *string) error {
	switch vr.dec.PeekKind() {
	case 'n':
		_, err := vr.dec.ReadToken()
		return err
	case '{':
		return vr.entry(0)
	case '[':
	default:
		*shape = "Bundle.entry is not an array"
		return vr.skip()
	}
	if _, err := vr.dec.ReadToken(); err != nil {
		return err
	}
	for i := 0; vr.dec.PeekKind() != ']'; i++ {
		if err := vr.entry(i); err != nil {
			return err
		}
	}
	_, err := vr.dec.ReadToken()
	return err
}

func (vr *valueReader) entry(i int) error {
	if err := vr.count(); err != nil {
		return err
	}
	if vr.dec.PeekKind() != '{' {
		if err := vr.skip(); err != nil {
			return err
		}
		return vr.bad(i, "", "is not an object")
	}
	r := &vr.res
	*r = resource{index: i, fullURL: r.fullURL[:0], head: &vr.scratch}
	has, bad := false, ""
	if _, err := vr.dec.ReadToken(); err != nil {
		return err
	}
	for vr.dec.PeekKind() != '}' {
		name, err := vr.memberName()
		if err != nil {
			return err
		}
		switch string(name) {
		case "fullUrl":
			v, err := vr.dec.ReadValue()
			if err != nil {
				return err
			}
			if v.Kind() == '"' {
				r.fullURL = appendText(r.fullURL[:0], v)
			}
			continue
		case "resource":
			has, bad = false, ""
			switch vr.dec.PeekKind() {
			case '{':
				has = true
				if err := vr.resource(r); err != nil {
					return err
				}
				continue
			case 'n':
			default:
				bad = "is not an object"
			}
		}
		if err := vr.skip(); err != nil {
			return err
		}
	}
	if _, err := vr.dec.ReadToken(); err != nil {
		return err
	}
	switch {
	case bad != "":
		return vr.bad(i, "resource", bad)
	case has:
		return vr.visit(r)
	case vr.needResource:
		return vr.bad(i, "", "has no resource")
	}
	return nil
}

// memberName reads an object member's name; it is valid until the next
// read.
func (vr *valueReader) memberName() ([]byte, error) {
	v, err := vr.dec.ReadValue()
	if err != nil {
		return nil, err
	}
	name := v[1 : len(v)-1]
	if bytes.IndexByte(name, '\\') >= 0 {
		vr.name, _ = jsontext.AppendUnquote(vr.name[:0], v)
		name = vr.name
	}
	return name, nil
}

// appendText appends the text of the JSON string v, trimmed, to dst.
func appendText(dst []byte, v jsontext.Value) []byte {
	if bytes.IndexByte(v, '\\') < 0 {
		return append(dst, bytes.TrimSpace(v[1:len(v)-1])...)
	}
	n := len(dst)
	dst, _ = jsontext.AppendUnquote(dst, v)
	t := bytes.TrimSpace(dst[n:])
	return append(dst[:n], t...)
}

// resource reads the resource object at the decoder's position into r.
func (vr *valueReader) resource(r *resource) error {
	start := vr.dec.InputOffset()
	r.head.reset()
	if _, err := vr.dec.ReadToken(); err != nil {
		return err
	}
	for vr.dec.PeekKind() != '}' {
		name, err := vr.memberName()
		if err != nil {
			return err
		}
		if err := vr.member(r.head, name); err != nil {
			return err
		}
	}
	if _, err := vr.dec.ReadToken(); err != nil {
		return err
	}
	r.raw = vr.since(start)
	return nil
}

// member reads into h the member name of a resource if it is one of the
// head's, and steps over it otherwise.
func (vr *valueReader) member(h *head, name []byte) error {
	var dst *jsontext.Value
	switch string(name) {
	case "resourceType", "id":
		v, err := vr.dec.ReadValue()
		if err != nil {
			return err
		}
		vr.text = vr.text[:0] // a type or id that is not a string is none
		if v.Kind() == '"' {
			vr.text = appendText(vr.text, v)
		}
		if string(name) == "id" {
			h.id = append(h.id[:0], vr.text...)
		} else {
			h.resourceType = typeName(vr.text)
		}
		return nil
	case "code", "vaccineCode":
		codes := &h.codes
		if string(name) == "vaccineCode" {
			codes = &h.vaccineCodes
		}
		// Conditions are judged by code alone: no names to keep (the type
		// usually comes first; when it does not, names are kept anyway).
		vr.noNames = h.resourceType == "Condition"
		ok, err := vr.concept(codes)
		vr.noNames = false
		if !ok && h.badCodes == "" {
			h.badCodes = string(name)
		}
		return err
	case "component":
		ok, err := vr.components(&h.codes)
		if !ok && h.badCodes == "" {
			h.badCodes = "component"
		}
		return err
	case "subject", "patient":
		dst := &h.subject
		if string(name) == "patient" {
			dst = &h.patient
		}
		ok, err := vr.reference(dst)
		if !ok {
			h.badRef = string(name)
		}
		return err
	case "effectiveDateTime":
		dst = &h.effectiveDateTime
	case "effectivePeriod":
		dst = &h.effectivePeriod
	case "effectiveInstant":
		dst = &h.effectiveInstant
	case "issued":
		dst = &h.issued
	case "contained":
		dst = &h.contained
	default:
		return vr.skip()
	}
	v, err := vr.dec.ReadValue()
	*dst = append((*dst)[:0], v...)
	return err
}

// The readers below read the few FHIR types a head needs straight from
// the tokens, with the tolerances of decodeOptions (json.go): ok is false
// when the value does not have the type's shape (it is then stepped over
// whole); the error is the token reader's (invalid JSON).

// concept appends the codings (system, code and display) of a
// CodeableConcept, or of a one-element array of one, to dst, and its text
// as a Coding with only a Display: rules.Engine.ObservationRelevant
// recognises some Observations by name alone (Child-Pugh, CYP2C19, body
// weight coded locally; contract 6.4 "names CYP2C19 (code or text)").
func (vr *valueReader) concept(dst *[]rules.Coding) (ok bool, err error) {
	switch vr.dec.PeekKind() {
	case 'n':
		_, err := vr.dec.ReadToken()
		return true, err
	case '[':
		return vr.one(func() (bool, error) { return vr.concept(dst) })
	case '{':
	default:
		return false, vr.skip()
	}
	ok = true
	err = vr.object(func(name []byte) error {
		switch string(name) {
		case "coding":
		case "text":
			if vr.noNames {
				return vr.skip()
			}
			v, err := vr.dec.ReadValue()
			if v.Kind() == '"' { // a text of another type is passed over, as before
				if t := vr.intern(v); t != "" {
					*dst = append(*dst, rules.Coding{Display: t})
				}
			}
			return err
		default:
			return vr.skip()
		}
		good, err := vr.many(func() (bool, error) { return vr.coding(dst) })
		ok = ok && good
		return err
	})
	return ok, err
}

// coding appends one Coding to dst when it has a code or a display.
func (vr *valueReader) coding(dst *[]rules.Coding) (ok bool, err error) {
	if vr.dec.PeekKind() != '{' {
		return false, vr.skip()
	}
	var c rules.Coding
	ok = true
	err = vr.object(func(name []byte) error {
		var dst *string
		switch string(name) {
		case "system":
			dst = &c.System
		case "code":
			dst = &c.Code
		case "display":
			if vr.noNames {
				return vr.skip()
			}
			v, err := vr.dec.ReadValue()
			if v.Kind() == '"' { // a display of another type is passed over, as before
				c.Display = vr.intern(v)
			}
			return err
		default:
			return vr.skip()
		}
		v, err := vr.dec.ReadValue()
		switch v.Kind() {
		case '"':
			*dst = vr.intern(v)
		case 'n':
		default:
			ok = false
		}
		return err
	})
	if ok && (c.Code != "" || c.Display != "") {
		*dst = append(*dst, c)
	}
	return ok, err
}

// components appends the codings of each component's code to dst.
func (vr *valueReader) components(dst *[]rules.Coding) (ok bool, err error) {
	return vr.many(func() (bool, error) {
		if vr.dec.PeekKind() != '{' {
			return false, vr.skip()
		}
		ok := true
		err := vr.object(func(name []byte) error {
			if string(name) != "code" {
				return vr.skip()
			}
			good, err := vr.concept(dst)
			ok = ok && good
			return err
		})
		return ok, err
	})
}

// reference reads a Reference's reference string into *dst.
func (vr *valueReader) reference(dst *[]byte) (ok bool, err error) {
	switch vr.dec.PeekKind() {
	case 'n':
		_, err := vr.dec.ReadToken()
		return true, err
	case '[':
		return vr.one(func() (bool, error) { return vr.reference(dst) })
	case '{':
	default:
		return false, vr.skip()
	}
	ok = true
	err = vr.object(func(name []byte) error {
		if string(name) != "reference" {
			return vr.skip()
		}
		v, err := vr.dec.ReadValue()
		switch v.Kind() {
		case '"':
			*dst = appendText((*dst)[:0], v)
		case 'n':
		default:
			ok = false
		}
		return err
	})
	return ok, err
}

// many reads an array with elem for each element, or a single value
// with elem as a one-element array (null is an empty array).
func (vr *valueReader) many(elem func() (bool, error)) (ok bool, err error) {
	switch vr.dec.PeekKind() {
	case 'n':
		_, err := vr.dec.ReadToken()
		return true, err
	case '[':
	default:
		return elem()
	}
	if _, err := vr.dec.ReadToken(); err != nil {
		return false, err
	}
	ok = true
	for vr.dec.PeekKind() != ']' {
		good, err := elem()
		if err != nil {
			return false, err
		}
		ok = ok && good
	}
	_, err = vr.dec.ReadToken()
	return ok, err
}

// one reads an array that must hold exactly one object, with elem.
func (vr *valueReader) one(elem func() (bool, error)) (ok bool, err error) {
	if _, err := vr.dec.ReadToken(); err != nil {
		return false, err
	}
	ok = vr.dec.PeekKind() == '{'
	for n := 0; vr.dec.PeekKind() != ']'; n++ {
		if n > 0 || vr.dec.PeekKind() != '{' {
			ok = false
			if err := vr.skip(); err != nil {
				return false, err
			}
			continue
		}
		good, err := elem()
		if err != nil {
			return false, err
		}
		ok = ok && good
	}
	_, err = vr.dec.ReadToken()
	return ok, err
}

// typeName returns the resource type named b, a constant for the types
// that come by the hundred (no allocation for each).
func typeName(b []byte) string {
	switch string(b) {
	case "Observation":
		return "Observation"
	case "Condition":
		return "Condition"
	case "MedicationRequest":
		return "MedicationRequest"
	case "MedicationStatement":
		return "MedicationStatement"
	case "Immunization":
		return "Immunization"
	case "Medication":
		return "Medication"
	case "Patient":
		return "Patient"
	case "Bundle":
		return "Bundle"
	case "Encounter":
		return "Encounter"
	case "OperationOutcome":
		return "OperationOutcome"
	}
	return string(b)
}

// intern returns the trimmed text of the JSON string v, the same string
// for the same text within a value: records repeat a few code systems and
// codes hundreds of times.
func (vr *valueReader) intern(v jsontext.Value) string {
	vr.text = appendText(vr.text[:0], v)
	if s, ok := vr.codes[string(vr.text)]; ok {
		return s
	}
	if vr.codes == nil {
		vr.codes = map[string]string{}
	}
	s := string(vr.text)
	if len(vr.codes) < 4096 {
		vr.codes[s] = s
	}
	return s
}

// unquote returns the text of a JSON string (v is valid JSON).
func unquote(v jsontext.Value) string {
	if len(v) < 2 || v[0] != '"' {
		return ""
	}
	if bytes.IndexByte(v, '\\') < 0 {
		return string(v[1 : len(v)-1])
	}
	b, _ := jsontext.AppendUnquote(nil, v)
	return string(b)
}

// nextLink is the url of the Bundle link with relation "next" in raw, the
// Bundle's link member; "" when there is none (or the member is unreadable).
func nextLink(raw []byte) string {
	if len(raw) == 0 {
		return ""
	}
	type link struct {
		Relation string `json:"relation"`
		URL      string `json:"url"`
	}
	var links []link
	if err := json.Unmarshal(raw, &links, json.WithUnmarshalers(oneOrMany[link]())); err != nil {
		return ""
	}
	for _, l := range links {
		if strings.TrimSpace(l.Relation) == "next" {
			return strings.TrimSpace(l.URL)
		}
	}
	return ""
}

// skip steps over the next value. ReadValue does so faster than SkipValue,
// which goes token by token; the value is not kept.
func (vr *valueReader) skip() error {
	_, err := vr.dec.ReadValue()
	return err
}
