package fhir

import (
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"jakguard/rules"
)

// A value (one prefetch value, one FHIR search page, context.draftOrders)
// is a resource or a Bundle of entries holding resources. reader goes
// through it once with the library's token reader: of each resource it
// keeps the few members that tell whether and how to read it (its head),
// steps over every other member, and hands the resource to visit with its
// JSON. Decoding a resource whole is visit's choice.

// head is what is kept of every resource before it is decoded: its type
// and, as JSON (sub-slices of the value, nil when absent), the members the
// relevance filters and the patient check read.
type head struct {
	resourceType string // "" when absent or not a string
	id           jsontext.Value
	// The codes of Observation, Condition and Medication (code, with an
	// Observation's components), and of an Immunization (vaccineCode).
	code, component, vaccineCode jsontext.Value
	// Whose it is: subject, or an Immunization's patient.
	subject, patient jsontext.Value
	// An Observation's date: effective[x], else issued.
	effectiveDateTime, effectivePeriod, effectiveInstant, issued jsontext.Value
	// What a MedicationRequest or MedicationStatement is of.
	medicationCodeableConcept, medicationReference, contained jsontext.Value
}

// member is where the member name of a resource is kept; nil for the
// members no head holds.
func (h *head) member(name []byte) *jsontext.Value {
	switch string(name) {
	case "id":
		return &h.id
	case "code":
		return &h.code
	case "component":
		return &h.component
	case "vaccineCode":
		return &h.vaccineCode
	case "subject":
		return &h.subject
	case "patient":
		return &h.patient
	case "effectiveDateTime":
		return &h.effectiveDateTime
	case "effectivePeriod":
		return &h.effectivePeriod
	case "effectiveInstant":
		return &h.effectiveInstant
	case "issued":
		return &h.issued
	case "medicationCodeableConcept":
		return &h.medicationCodeableConcept
	case "medicationReference":
		return &h.medicationReference
	case "contained":
		return &h.contained
	}
	return nil
}

// resource is one resource of a value. It is valid until the next one is
// read.
type resource struct {
	head
	index   int            // entry index in the Bundle; 0 for a value that is a resource
	fullURL jsontext.Value // the entry's fullUrl
	raw     []byte         // the resource's JSON, a sub-slice of the value
}

// reader reads one value. count is called before each entry (it bounds
// the entries and checks the deadline), visit for each entry's resource,
// and bad for an entry that holds no usable resource: member is "" for the
// entry itself, "resource" for its resource, and why says what is wrong.
// An entry without a resource (a transaction response) is bad only when
// needResource is set. An error from any of them stops the reading.
type reader struct {
	dec          *jsontext.Decoder
	data         []byte // what dec reads, from its first byte
	count        func() error
	visit        func(r *resource) error
	bad          func(index int, member, why string) error
	needResource bool
	whole        bool // the data is this value and nothing else

	res   resource       // the entry being read
	links jsontext.Value // the value's link member (Bundle.link)
	shape string         // why Bundle.entry could not be read as entries
	name  []byte         // scratch for a member name with escapes
}

// errNotObject is the error for a value that is valid JSON but no object.
var errNotObject = errors.New("not a JSON object")

// newReader returns a reader of data, one JSON value and nothing after it.
func newReader(data []byte) *reader {
	return &reader{dec: jsontext.NewDecoder(bytes.NewBuffer(data)), data: data, whole: true}
}

// read reads the value at the decoder's position and returns the head and
// JSON of the value itself (a Bundle's, or the resource's). Entries are
// visited as they come, before the value's resourceType may be known: a
// caller that finds the value is no Bundle must drop what it made of them.
// When it returns errNotObject or no error, the whole value has been read
// (and, for a reader made by newReader, nothing follows it).
func (rd *reader) read() (*resource, error) {
	var top resource
	err := errNotObject
	if rd.dec.PeekKind() == '{' {
		err = rd.object(&top, true)
	} else if e := rd.skip(); e != nil {
		return nil, e
	}
	if rd.whole && (err == nil || err == errNotObject) {
		if _, e := rd.dec.ReadToken(); e != io.EOF {
			return nil, errors.New("data after the JSON value")
		}
	}
	return &top, err
}

// object reads the object at the decoder's position into r: the members of
// its head and, at the top of a value, Bundle.entry and Bundle.link.
func (rd *reader) object(r *resource, top bool) error {
	start := rd.dec.InputOffset()
	r.head = head{}
	var typ jsontext.Value
	if _, err := rd.dec.ReadToken(); err != nil {
		return err
	}
	for rd.dec.PeekKind() != '}' {
		name, err := rd.memberName()
		if err != nil {
			return err
		}
		var v jsontext.Value
		switch {
		case top && string(name) == "entry":
			err = rd.entries()
		case top && string(name) == "link":
			rd.links, err = rd.value()
		case string(name) == "resourceType":
			typ, err = rd.value()
		default:
			if v, err = rd.value(); err == nil {
				if dst := r.member(name); dst != nil {
					*dst = v
				}
			}
		}
		if err != nil {
			return err
		}
	}
	if _, err := rd.dec.ReadToken(); err != nil {
		return err
	}
	r.resourceType = text(typ)
	r.raw = bytes.TrimLeft(rd.data[start:rd.dec.InputOffset()], " \t\r\n:,[")
	return nil
}

// entries reads Bundle.entry: an array of entries, or the single entry
// object some clients send instead.
func (rd *reader) entries() error {
	switch rd.dec.PeekKind() {
	case 'n':
		return rd.skip()
	case '{':
		return rd.entry(0)
	case '[':
	default:
		rd.shape = "Bundle.entry is not an array"
		return rd.skip()
	}
	if _, err := rd.dec.ReadToken(); err != nil {
		return err
	}
	for i := 0; rd.dec.PeekKind() != ']'; i++ {
		if err := rd.entry(i); err != nil {
			return err
		}
	}
	_, err := rd.dec.ReadToken()
	return err
}

func (rd *reader) entry(i int) error {
	if err := rd.count(); err != nil {
		return err
	}
	if rd.dec.PeekKind() != '{' {
		if err := rd.skip(); err != nil {
			return err
		}
		return rd.bad(i, "", "is not an object")
	}
	r := &rd.res
	r.index, r.fullURL = i, nil
	has, bad := false, ""
	if _, err := rd.dec.ReadToken(); err != nil {
		return err
	}
	for rd.dec.PeekKind() != '}' {
		name, err := rd.memberName()
		if err != nil {
			return err
		}
		switch string(name) {
		case "fullUrl":
			r.fullURL, err = rd.value()
		case "resource":
			has, bad = rd.dec.PeekKind() == '{', ""
			switch rd.dec.PeekKind() {
			case '{':
				err = rd.object(r, false)
			case 'n':
				err = rd.skip()
			default:
				bad, err = "is not an object", rd.skip()
			}
		default:
			err = rd.skip()
		}
		if err != nil {
			return err
		}
	}
	if _, err := rd.dec.ReadToken(); err != nil {
		return err
	}
	switch {
	case bad != "":
		return rd.bad(i, "resource", bad)
	case has:
		return rd.visit(r)
	case rd.needResource:
		return rd.bad(i, "", "has no resource")
	}
	return nil
}

// memberName reads an object member's name, valid until the next read.
func (rd *reader) memberName() ([]byte, error) {
	v, err := rd.dec.ReadValue()
	if err != nil {
		return nil, err
	}
	if bytes.IndexByte(v, '\\') < 0 {
		return v[1 : len(v)-1 : len(v)-1], nil
	}
	rd.name, _ = jsontext.AppendUnquote(rd.name[:0], v)
	return rd.name, nil
}

// value reads the next value whole and returns its JSON as a sub-slice of
// the data, valid as long as the data is.
func (rd *reader) value() (jsontext.Value, error) {
	v, err := rd.dec.ReadValue()
	end := rd.dec.InputOffset()
	return jsontext.Value(rd.data[end-int64(len(v)) : end : end]), err
}

// skip steps over the next value. ReadValue does so faster than
// SkipValue, which goes token by token.
func (rd *reader) skip() error {
	_, err := rd.dec.ReadValue()
	return err
}

// text is the trimmed text of the JSON string v, "" when v is no string.
func text(v jsontext.Value) string {
	if v.Kind() != '"' {
		return ""
	}
	if bytes.IndexByte(v, '\\') < 0 {
		return strings.TrimSpace(string(v[1 : len(v)-1]))
	}
	b, _ := jsontext.AppendUnquote(nil, v)
	return strings.TrimSpace(string(b))
}

// The small views below read a head's members with the tolerances of
// decodeOptions, for the relevance filters and the patient check.

type codingHead struct {
	System string `json:"system"`
	Code   string `json:"code"`
}

type conceptHead struct {
	Coding []codingHead `json:"coding"`
}

type componentHead struct {
	Code conceptHead `json:"code"`
}

type referenceHead struct {
	Reference string `json:"reference"`
}

// memo remembers what the relevance filters and the patient check decoded
// of the head members of one value's resources, by their JSON: a record
// repeats a few codes and one subject reference hundreds of times, and
// decoding each of them again cost more than reading everything else that
// no rule reads (docs/performance.md). What is decoded depends on the JSON
// alone.
type memo struct {
	concepts map[string]memoEntry
	refs     map[string]memoEntry
	meds     map[string]bool // KeepMedications by medicationCodeableConcept
}

func (m *memo) remember(concept jsontext.Value, keep bool) {
	if m.meds == nil {
		m.meds = map[string]bool{}
	}
	m.meds[string(concept)] = keep
}

type memoEntry struct {
	codes []rules.Coding // a concept's codings (system and code) that carry a code
	ref   string         // a reference's reference
	ok    bool           // the JSON had the type's shape
}

// concept decodes v, a CodeableConcept.
func (m *memo) concept(v jsontext.Value) memoEntry {
	e, hit := m.concepts[string(v)]
	if !hit {
		var cc conceptHead
		e.ok = decode(v, &cc) == nil
		e.codes = cc.codes(nil)
		if m.concepts == nil {
			m.concepts = map[string]memoEntry{}
		}
		m.concepts[string(v)] = e
	}
	return e
}

// reference decodes v, a Reference.
func (m *memo) reference(v jsontext.Value) memoEntry {
	e, hit := m.refs[string(v)]
	if !hit {
		var ref referenceHead
		e.ok = decode(v, &ref) == nil
		e.ref = ref.Reference
		if m.refs == nil {
			m.refs = map[string]memoEntry{}
		}
		m.refs[string(v)] = e
	}
	return e
}

func (cc *conceptHead) codes(dst []rules.Coding) []rules.Coding {
	for _, c := range cc.Coding {
		if c := (rules.Coding{System: strings.TrimSpace(c.System), Code: strings.TrimSpace(c.Code)}); c.Code != "" {
			dst = append(dst, c)
		}
	}
	return dst
}

// codes returns the codings (system and code) that carry a code, of h's
// code and an Observation's components, or of an Immunization's
// vaccineCode; bad names the member that is no CodeableConcept ("" when
// none is). The codes must not be changed.
func (m *memo) codes(h *head) (codes []rules.Coding, bad string) {
	if h.resourceType == "Immunization" {
		if e := m.concept(h.vaccineCode); e.ok {
			return e.codes, ""
		}
		return nil, "vaccineCode"
	}
	e := m.concept(h.code)
	if !e.ok {
		return nil, "code"
	}
	if len(h.component) == 0 {
		return e.codes, ""
	}
	var comps []componentHead
	if decode(h.component, &comps) != nil {
		return nil, "component"
	}
	codes = slices.Clip(e.codes)
	for i := range comps {
		codes = comps[i].Code.codes(codes)
	}
	return codes, ""
}

// observationDate is the date of an Observation (zero when unknown or
// unreadable), as the decoded Observation has it.
func (h *head) observationDate() time.Time {
	var d observationDate
	for _, m := range []struct {
		v   jsontext.Value
		dst any
	}{{h.effectiveDateTime, &d.EffectiveDateTime}, {h.effectivePeriod, &d.EffectivePeriod}, {h.effectiveInstant, &d.EffectiveInstant}, {h.issued, &d.Issued}} {
		if decode(m.v, m.dst) != nil {
			return time.Time{}
		}
	}
	return d.date()
}

// patientOf returns the Patient id a literal reference names
// ("Patient/123", "https://ehr/fhir/Patient/123/_history/2"); ok is false
// for a reference to anything else.
func patientOf(ref string) (id string, ok bool) {
	ref = strings.TrimSpace(ref)
	if i := strings.Index(ref, "/_history/"); i >= 0 {
		ref = ref[:i]
	}
	if i := strings.LastIndex(ref, "Patient/"); i >= 0 && (i == 0 || ref[i-1] == '/') {
		id = ref[i+len("Patient/"):]
		return id, id != "" && !strings.Contains(id, "/")
	}
	return "", false
}

// link is a Bundle.link.
type link struct {
	Relation string `json:"relation"`
	URL      string `json:"url"`
}

// nextLink is the url of the Bundle link with relation "next" in raw, the
// Bundle's link member; "" when there is none (or the member is unreadable).
func nextLink(raw jsontext.Value) string {
	var links []link
	if decode(raw, &links) != nil {
		return ""
	}
	for _, l := range links {
		if strings.TrimSpace(l.Relation) == "next" {
			return strings.TrimSpace(l.URL)
		}
	}
	return ""
}

// counter bounds the entries of a call (MaxEntries) and stops the reading
// once ctx is done, checked every 64 entries.
type counter struct{ n atomic.Int64 }

func (c *counter) next(ctx context.Context) error {
	n := c.n.Add(1)
	if n > MaxEntries {
		return ErrTooManyEntries
	}
	if n%64 == 0 {
		return ctx.Err()
	}
	return nil
}
