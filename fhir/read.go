package fhir

import (
	"bytes"
	"context"
	"errors"
	"io"
	"reflect"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	fm "github.com/samply/golang-fhir-models/fhir-models/fhir"

	"jakguard/internal/jsonerr"
	"jakguard/internal/jsonshape"
	"jakguard/rules"
)

// resource is one resource of a value (a prefetch value, a FHIR page,
// draftOrders), valid until the next is read: its members' names and JSON
// are sub-slices of the value.
type resource struct {
	resourceType string         // "" when absent or not a string
	index        int            // entry index in the Bundle; 0 for a value that is a resource
	fullURL      jsontext.Value // the entry's fullUrl
	search       jsontext.Value // the entry's search (mode: match, include, outcome)
	raw          []byte         // the resource's JSON
	members      []member
}

type member struct {
	name  []byte
	value jsontext.Value
}

// get returns the JSON of r's member name, nil when absent.
func (r *resource) get(name string) jsontext.Value {
	for _, m := range r.members {
		if string(m.name) == name {
			return m.value
		}
	}
	return nil
}

// reader reads a value, a resource or a Bundle, once with the token reader.
// It calls count before each entry, visit with its resource, and bad for an
// entry with no usable resource (member "" or "resource"; without one only
// when needResource is set). Their errors stop the reading.
type reader struct {
	dec          *jsontext.Decoder
	data         []byte // what dec reads, from its first byte
	whole        bool   // data is the value and nothing else
	count        func() error
	visit        func(r *resource) error
	bad          func(index int, member, why string) error
	needResource bool

	entry, res resource // the entry being read, and its resource
	has        bool     // the entry has a resource ...
	badRes     string   // ... or one that is unusable, why
	shape      string   // why Bundle.entry is not entries
}

var errNotObject = errors.New("not a JSON object")

// newReader returns a reader of data, one JSON value and nothing after it.
func newReader(data []byte) *reader {
	return &reader{dec: jsontext.NewDecoder(bytes.NewBuffer(data)), data: data, whole: true}
}

// read reads the value and returns it. Entries are visited before its type
// is known: a caller that finds it no Bundle drops what it made of them.
func (rd *reader) read() (*resource, error) {
	top, err := &resource{}, errNotObject
	if rd.dec.PeekKind() == '{' {
		err = rd.object(top, "entry")
	} else if e := rd.skip(); e != nil {
		return nil, e
	}
	if rd.whole && (err == nil || err == errNotObject) {
		if _, e := rd.dec.ReadToken(); e != io.EOF {
			return nil, errors.New("data after the JSON value")
		}
	}
	return top, err
}

// object reads the object at the decoder's position into r; its member
// named special (a Bundle's entry, an entry's resource) is read by entries
// or resource instead.
func (rd *reader) object(r *resource, special string) error {
	start := rd.dec.InputOffset()
	r.members = r.members[:0]
	if _, err := rd.dec.ReadToken(); err != nil {
		return err
	}
	for rd.dec.PeekKind() != '}' {
		name, err := rd.memberName()
		switch {
		case err != nil:
		case string(name) == special && special == "entry":
			err = rd.entries()
		case string(name) == special:
			err = rd.resource()
		default:
			var v jsontext.Value
			v, err = rd.value()
			r.members = append(r.members, member{name, v})
		}
		if err != nil {
			return err
		}
	}
	if _, err := rd.dec.ReadToken(); err != nil {
		return err
	}
	r.resourceType = text(r.get("resourceType"))
	r.raw = bytes.TrimLeft(rd.data[start:rd.dec.InputOffset()], " \t\r\n:,[")
	return nil
}

// entries reads Bundle.entry: an array, or the single entry some send.
func (rd *reader) entries() error {
	switch rd.dec.PeekKind() {
	case '{':
		return rd.readEntry(0)
	case '[':
	case 'n':
		return rd.skip()
	default:
		rd.shape = "Bundle.entry is not an array"
		return rd.skip()
	}
	if _, err := rd.dec.ReadToken(); err != nil {
		return err
	}
	for i := 0; rd.dec.PeekKind() != ']'; i++ {
		if err := rd.readEntry(i); err != nil {
			return err
		}
	}
	_, err := rd.dec.ReadToken()
	return err
}

func (rd *reader) readEntry(i int) error {
	if err := rd.count(); err != nil {
		return err
	}
	if rd.dec.PeekKind() != '{' {
		if err := rd.skip(); err != nil {
			return err
		}
		return rd.bad(i, "", "is not an object")
	}
	rd.has, rd.badRes = false, ""
	if err := rd.object(&rd.entry, "resource"); err != nil {
		return err
	}
	rd.res.index, rd.res.fullURL, rd.res.search = i, rd.entry.get("fullUrl"), rd.entry.get("search")
	switch {
	case rd.badRes != "":
		return rd.bad(i, "resource", rd.badRes)
	case rd.has:
		return rd.visit(&rd.res)
	case rd.needResource, rd.entry.get("response") == nil:
		// An entry without a resource (absent or null), and no response of
		// a batch or transaction either, hides data that cannot be read.
		return rd.bad(i, "", "has no resource")
	case !succeeded(rd.entry.get("response")):
		// The response of a batch whose request failed ("500", "404"):
		// the data it was to hold is missing, not absent.
		return rd.bad(i, "response", "reports a request that failed")
	}
	return nil
}

// succeeded reports whether v, a Bundle entry's response, has a 2xx status.
func succeeded(v jsontext.Value) bool {
	var r struct {
		Status string `json:"status"`
	}
	return decodeHead(v, &r) == nil && strings.HasPrefix(strings.TrimSpace(r.Status), "2")
}

// resource reads an entry's resource.
func (rd *reader) resource() error {
	switch rd.has, rd.badRes = rd.dec.PeekKind() == '{', ""; rd.dec.PeekKind() {
	case '{':
		return rd.object(&rd.res, "")
	case 'n':
	default:
		rd.badRes = "is not an object"
	}
	return rd.skip()
}

// memberName reads a member name (a copy only if it has escapes).
func (rd *reader) memberName() ([]byte, error) {
	v, err := rd.value()
	switch {
	case err != nil:
		return nil, err
	case bytes.IndexByte(v, '\\') >= 0:
		return jsontext.AppendUnquote(nil, v)
	}
	return v[1 : len(v)-1], nil
}

// value reads the next value as a sub-slice of the data.
func (rd *reader) value() (jsontext.Value, error) {
	v, err := rd.dec.ReadValue()
	end := rd.dec.InputOffset()
	return jsontext.Value(rd.data[end-int64(len(v)) : end : end]), err
}

// skip steps over the next value (ReadValue is faster than SkipValue).
func (rd *reader) skip() error { _, err := rd.dec.ReadValue(); return err }

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

// componentHead is what the relevance filters read of a component.
type componentHead struct {
	Code fm.CodeableConcept `json:"code"`
}

// link is a Bundle.link.
type link struct {
	Relation string `json:"relation"`
	URL      string `json:"url"`
}

// codes returns appendConcept of r's code and its components' codes (of an
// Immunization's vaccineCode); bad names a member that is no
// CodeableConcept.
func codes(r *resource) (out []rules.Coding, bad string) {
	member := "code"
	if r.resourceType == "Immunization" {
		member = "vaccineCode"
	}
	concepts := make([]componentHead, 1)
	if decodeHead(r.get(member), &concepts[0].Code) != nil {
		return nil, member
	}
	if comp := r.get("component"); member == "code" && comp != nil {
		var comps []componentHead
		if decodeHead(comp, &comps) != nil {
			return nil, "component"
		}
		concepts = append(concepts, comps...)
	}
	for i := range concepts {
		out = appendConcept(out, &concepts[i].Code)
	}
	return out, ""
}

// observationDate is the last day an Observation's date allows (the
// look-back keeps a positive test of "2026-02"; the rules choose the end).
func (r *resource) observationDate() time.Time {
	var d observationDate
	str := func(v jsontext.Value, dst **string) bool { // faster than decoding
		if s := text(v); v.Kind() == '"' {
			*dst = &s
		}
		return v.Kind() == '"' || v.Kind() == 'n' || v == nil
	}
	if !str(r.get("effectiveDateTime"), &d.EffectiveDateTime) || decodeHead(r.get("effectivePeriod"), &d.EffectivePeriod) != nil ||
		!str(r.get("effectiveInstant"), &d.EffectiveInstant) || !str(r.get("issued"), &d.Issued) {
		return time.Time{}
	}
	return lastDay(d.date())
}

// patientOf returns the Patient id a literal reference names
// ("Patient/123", "https://ehr/fhir/Patient/123/_history/2"): the path
// segment after the last "Patient/", whatever follows it ("Patient/123/"
// too). ok is false for a reference to anything else. The type is matched
// in any letter case: "patient/123" is no FHIR reference, but names
// another patient all the same.
func patientOf(ref string) (id string, ok bool) {
	ref, _, _ = strings.Cut(strings.TrimSpace(ref), "/_history/")
	lower := []byte(ref) // ASCII letters only: the offsets stay ref's
	for i, c := range lower {
		if 'A' <= c && c <= 'Z' {
			lower[i] = c + 'a' - 'A'
		}
	}
	if i := bytes.LastIndex(lower, []byte("patient/")); i >= 0 && (i == 0 || ref[i-1] == '/') {
		id, _, _ = strings.Cut(ref[i+len("Patient/"):], "/")
		return id, id != ""
	}
	return "", false
}

// bundleLink is the url of the link with relation rel in Bundle.link.
func bundleLink(raw jsontext.Value, rel string) string {
	var links []link
	if decodeHead(raw, &links) != nil {
		return ""
	}
	for _, l := range links {
		if relation(l.Relation, rel) {
			return strings.TrimSpace(l.URL)
		}
	}
	return ""
}

// relation reports whether a Bundle.link relation is rel, without case
// (RFC 8288): "Next" is a next page.
func relation(got, rel string) bool { return strings.EqualFold(strings.TrimSpace(got), rel) }

// counter bounds a call's entries (MaxEntries) and checks ctx every 64.
type counter struct{ n atomic.Int64 }

func (c *counter) next(ctx context.Context) error {
	if n := c.n.Add(1); n > MaxEntries {
		return ErrTooManyEntries
	} else if n%64 == 0 {
		return ctx.Err()
	}
	return nil
}

// decodeOptions add to the library's strict defaults (FHIR JSON's rules)
// the shape errors real clients make, and no others (internal/jsonshape): a
// single value where FHIR wants an array, a one-element array where it wants
// one value, 1.0 for an integer, a decimal as a string holding a JSON
// number; and an unknown optional code (Patient.gender "F"), read as absent;
// an unknown or null required code (Observation.status "FINAL") makes the
// resource unreadable. Extensions, like every member no view holds
// (record.go), are passed over unread.
var decodeOptions = json.WithUnmarshalers(json.JoinUnmarshalers(
	json.UnmarshalFromFunc(jsonshape.Decimal),
	json.UnmarshalFromFunc(jsonshape.Integer),
	json.UnmarshalFromFunc(jsonshape.Enum), // the samply code types
	jsonshape.Skip[[]fm.Extension](),
	jsonshape.OptionalEnum[fm.AdministrativeGender](),
	jsonshape.OptionalEnum[fm.QuantityComparator](),
	jsonshape.OneOrMany[fm.Coding](), jsonshape.OneOrMany[fm.CodeableConcept](), jsonshape.OneOrMany[component](),
	jsonshape.OneOrMany[dosage](), jsonshape.OneOrMany[doseAndRate](), jsonshape.OneOrMany[fm.MedicationIngredient](),
	jsonshape.OneOf[fm.CodeableConcept](), jsonshape.OneOf[fm.Quantity](), jsonshape.OneOf[fm.Duration](), jsonshape.OneOf[fm.Period](),
	jsonshape.OneOf[fm.Reference](), jsonshape.OneOf[fm.Ratio](), jsonshape.OneOrMany[componentHead](), jsonshape.OneOrMany[link](),
))

// decode decodes a resource or member into v (an absent one leaves v as
// it is); decodeHead tries first without the costly options (a plain
// success is what they would give). raw is always JSON the reader has
// read, which refused duplicate names and invalid UTF-8 (contract 6.6):
// they are not looked for a second time (validated).
func decode(raw []byte, v any) error {
	if len(raw) == 0 {
		return nil
	}
	return json.Unmarshal(raw, v, decodeOptions, validated)
}

var validated = json.JoinOptions(jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))

func decodeHead(raw []byte, v any) error {
	if len(raw) == 0 || json.Unmarshal(raw, v, validated) == nil {
		return nil
	}
	reflect.ValueOf(v).Elem().SetZero()
	return decode(raw, v)
}

// DecodeError is a resource that could not be read: where (a JSON path such
// as "entry[0].resource.status") and why, never a value from the input.
type DecodeError = jsonerr.Error

// decodeError and safeError describe errors without input values.
var decodeError, safeError = jsonerr.Describe, jsonerr.Safe

func isNull(raw []byte) bool { return string(bytes.TrimSpace(raw)) == "null" }
