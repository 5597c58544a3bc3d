package fhir

import (
	"bytes"
	"errors"
	"io"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// A value (one prefetch value, one FHIR search page, context.draftOrders)
// is a resource or a Bundle of entries holding resources. valueReader goes
// through it once with the token reader: for each entry it reads the
// resource's head (the few members that tell whether and how to read it)
// and locates its JSON, and hands both to visit. Every other member is
// stepped over unread. Decoding a resource whole is visit's choice.

// head is what valueReader reads of every resource: its type and id, and
// as raw JSON (nil when absent) the members that tell whether a rule reads
// it and whose patient it is about. The buffers are reused from one
// resource to the next.
type head struct {
	resourceType, id string
	// Observation.code, Condition.code, Medication.code, Immunization.vaccineCode
	// and Observation.component.
	code, vaccineCode, component jsontext.Value
	// Observation.effective[x] and issued.
	effectiveDateTime, effectivePeriod, effectiveInstant, issued jsontext.Value
	// The patient the resource is about: subject (Observation, Condition,
	// MedicationRequest, MedicationStatement) or patient (Immunization).
	subject, patient jsontext.Value
	contained        jsontext.Value
}

func (h *head) reset() {
	*h = head{
		code: h.code[:0], vaccineCode: h.vaccineCode[:0], component: h.component[:0],
		effectiveDateTime: h.effectiveDateTime[:0], effectivePeriod: h.effectivePeriod[:0],
		effectiveInstant: h.effectiveInstant[:0], issued: h.issued[:0],
		subject: h.subject[:0], patient: h.patient[:0], contained: h.contained[:0],
	}
}

// resource is one resource of a value, its head read.
type resource struct {
	index   int    // entry index in the Bundle; 0 for a value that is a resource
	fullURL string // the entry's fullUrl
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
}

// errNotObject is the error for a value that is valid JSON but no object.
var errNotObject = errors.New("not a JSON object")

// read reads data, one JSON value and nothing after it. It returns the
// head of the value itself (a Bundle's, or the resource's), its raw JSON,
// the Bundle's raw link member, and shape, which says why Bundle.entry
// could not be read as entries ("" when it could). Entries are visited as
// they come, before the value's resourceType may be known: a caller that
// finds the value is no Bundle must drop what it made of them.
func (vr *valueReader) read(data []byte) (top *head, raw, links []byte, shape string, err error) {
	vr.data = data
	vr.dec = jsontext.NewDecoder(bytes.NewBuffer(data))
	vr.top.reset()
	if vr.dec.PeekKind() != '{' {
		if err := vr.dec.SkipValue(); err != nil {
			return nil, nil, nil, "", err
		}
		return nil, nil, nil, "", errNotObject
	}
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
	if _, err := vr.dec.ReadToken(); err != io.EOF {
		return nil, nil, nil, "", errors.New("data after the JSON value")
	}
	return &vr.top, bytes.TrimSpace(data), links, shape, nil
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
		return vr.dec.SkipValue()
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
		if err := vr.dec.SkipValue(); err != nil {
			return err
		}
		return vr.bad(i, "", "is not an object")
	}
	r := resource{index: i, head: &vr.scratch}
	has, bad := false, ""
	err := vr.object(func(name []byte) error {
		switch string(name) {
		case "fullUrl":
			if vr.dec.PeekKind() == '"' {
				v, err := vr.dec.ReadValue()
				r.fullURL = strings.TrimSpace(unquote(v))
				return err
			}
		case "resource":
			has, bad = false, ""
			switch vr.dec.PeekKind() {
			case '{':
				has = true
				return vr.resource(&r)
			case 'n':
			default:
				bad = "is not an object"
			}
		}
		return vr.dec.SkipValue()
	})
	switch {
	case err != nil:
		return err
	case bad != "":
		return vr.bad(i, "resource", bad)
	case has:
		return vr.visit(&r)
	case vr.needResource:
		return vr.bad(i, "", "has no resource")
	}
	return nil
}

// resource reads the resource object at the decoder's position into r.
func (vr *valueReader) resource(r *resource) error {
	start := vr.dec.InputOffset()
	r.head.reset()
	if err := vr.object(func(name []byte) error { return vr.member(r.head, name) }); err != nil {
		return err
	}
	// From the end of the previous token (the member name) to the end of
	// the object: what is before its '{' is white space and the colon.
	r.raw = bytes.TrimLeft(vr.data[start:vr.dec.InputOffset()], " \t\r\n:")
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
		s := "" // a type or id that is not a string is none
		if v.Kind() == '"' {
			s = strings.TrimSpace(unquote(v))
		}
		if string(name) == "id" {
			h.id = s
		} else {
			h.resourceType = typeName(s)
		}
		return nil
	case "code":
		dst = &h.code
	case "vaccineCode":
		dst = &h.vaccineCode
	case "component":
		dst = &h.component
	case "effectiveDateTime":
		dst = &h.effectiveDateTime
	case "effectivePeriod":
		dst = &h.effectivePeriod
	case "effectiveInstant":
		dst = &h.effectiveInstant
	case "issued":
		dst = &h.issued
	case "subject":
		dst = &h.subject
	case "patient":
		dst = &h.patient
	case "contained":
		dst = &h.contained
	default:
		return vr.dec.SkipValue()
	}
	v, err := vr.dec.ReadValue()
	*dst = append((*dst)[:0], v...)
	return err
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

// typeName returns s, as a constant for the resource types that come by
// the hundred (no allocation for each).
func typeName(s string) string {
	for _, t := range [...]string{"Observation", "Condition", "MedicationRequest", "MedicationStatement",
		"Immunization", "Medication", "Patient", "Bundle", "Encounter", "OperationOutcome"} {
		if s == t {
			return t
		}
	}
	return s
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
