package fhir

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"strings"
	"sync/atomic"
	"time"

	"jakguard/rules"
)

// rawResource is one resource found in the input, located but not decoded.
type rawResource struct {
	index        int    // entry index in the Bundle; 0 for a top-level resource
	resourceType string // "" when absent or not a string
	fullURL      []byte // the raw fullUrl string, quotes included; see url
	data         []byte // the resource JSON; nil when the entry has none
	contained    []byte // the raw "contained" array; nil when absent
	// The codings (system and code) of the "code" and "vaccineCode"
	// CodeableConcepts and of the "component" codes, read in the split so
	// that a Builder can tell a resource no rule reads without scanning it
	// again; nil when absent or not recorded (contained resources).
	codes, vaccineCodes, componentCodes []rules.Coding
	// The raw date members of an Observation, nil when absent.
	effectiveDateTime, effectivePeriod, effectiveInstant, issued []byte
	// spans locates the resource's members in data, two offsets each: where
	// its name starts (the opening quote) and where its value ends. nil when
	// they were not recorded (contained resources). They let only the
	// members the converters read can be decoded (see slim).
	spans []int32
	// recorded tells whether spans and the codes were recorded.
	recorded bool
	bad      string // why the entry cannot be used; "" when it can
}

// rawDoc is a prefetch value split into its resources in one pass.
type rawDoc struct {
	resourceType string
	links        []byte // the raw Bundle.link value
	entries      []rawResource
	entryShape   string // why Bundle.entry is unusable; "" when it is fine
	self         rawResource
	spans        []int32        // the array the resources' spans are slices of
	codes        []rules.Coding // the array the resources' codes are slices of
}

// release gives the doc's entry list, spans and codes back for reuse;
// nothing may refer to them any more.
func (doc *rawDoc) release() {
	entryPool.put(doc.entries)
	spanPool.put(doc.spans)
	codePool.put(doc.codes)
	doc.entries, doc.spans, doc.codes = nil, nil, nil
}

// ErrNotObject is the error for JSON that is valid but not an object where
// one is needed.
var ErrNotObject = errors.New("not a JSON object")

var (
	errNoResourceType = errors.New("no resourceType: not a FHIR resource")
)

// split validates data as JSON and locates the resources in it: the
// top-level resource and, when it holds them, its Bundle entries. Nothing is
// decoded but the few strings it needs (resourceType, fullUrl).
func split(data []byte) (rawDoc, error) {
	s := &scanner{data: data}
	s.markSpecial()
	defer s.releaseSpecial()
	doc, err := s.doc()
	if err != nil && !errors.Is(err, ErrNotObject) && !errors.Is(err, errNoResourceType) {
		return doc, err
	}
	if err := s.end(); err != nil {
		return doc, err
	}
	return doc, err
}

// doc splits the value at s.pos as split does, stepping over it; nothing
// after it is looked at.
func (s *scanner) doc() (doc rawDoc, err error) {
	if s.peek() != '{' {
		if err := s.skip(); err != nil {
			return doc, err
		}
		return doc, ErrNotObject
	}
	// Offsets are kept as int32: 2 GB is far beyond any body or page.
	s.record, s.spans, s.codes = len(s.data) <= math.MaxInt32, spanPool.get(), codePool.get()
	defer func() {
		doc.spans, doc.codes = s.spans, s.codes
		s.spans, s.codes, s.record = nil, nil, false
	}()
	start := s.pos
	if err := s.enter(); err != nil {
		return doc, err
	}
	hasEntries := false
	for n := 0; ; n++ {
		key, ok, err := s.member(n)
		if err != nil {
			return doc, err
		}
		if !ok {
			break
		}
		ks := s.keyStart
		switch string(key) {
		case "link":
			doc.links, err = s.span()
		case "entry":
			hasEntries = true
			err = s.entries(&doc)
		default:
			err = s.resourceMember(key, &doc.self)
		}
		if err != nil {
			return doc, err
		}
		if s.record {
			s.spans = append(s.spans, int32(ks-start), int32(s.pos-start))
		}
	}
	// The spans of the value's own members are the array's first ones
	// unless entries were read: theirs then come in between, and the value
	// itself (a Bundle, or a resource with an odd "entry" member) is left
	// unrecorded, so decoded whole if at all.
	if s.record && !hasEntries {
		doc.self.spans, doc.self.recorded = s.spans[:len(s.spans):len(s.spans)], true
	}
	doc.self.data = s.data[start:s.pos]
	doc.resourceType = doc.self.resourceType
	if doc.resourceType == "" {
		return doc, errNoResourceType
	}
	return doc, nil
}

// resourceType reads a resourceType value; a value that is not a string
// leaves it "".
func (s *scanner) resourceType(dst *string) error {
	if s.peek() != '"' {
		*dst = ""
		return s.skip()
	}
	var err error
	*dst, err = s.trimmedText(typeName)
	return err
}

// typeName returns the constant for the resource types that come by the
// hundred, "" for any other (see trimmedText).
func typeName(b []byte) string {
	switch string(b) {
	case "Observation":
		return "Observation"
	case "Condition":
		return "Condition"
	case "MedicationRequest":
		return "MedicationRequest"
	case "Immunization":
		return "Immunization"
	case "Bundle":
		return "Bundle"
	case "Patient":
		return "Patient"
	case "Medication":
		return "Medication"
	case "Encounter":
		return "Encounter"
	}
	return ""
}

// entries reads Bundle.entry: an array of entries, or a single entry object
// that some clients send instead.
func (s *scanner) entries(doc *rawDoc) error {
	if doc.entries == nil {
		doc.entries = entryPool.get()
	}
	doc.entries = doc.entries[:0]
	doc.entryShape = ""
	switch s.peek() {
	case '[':
		if err := s.enter(); err != nil {
			return err
		}
		for n := 0; ; n++ {
			ok, err := s.element(n)
			if err != nil || !ok {
				return err
			}
			if err := s.entry(n, doc); err != nil {
				return err
			}
		}
	case '{':
		return s.entry(0, doc)
	case 'n':
		return s.skip()
	}
	doc.entryShape = "Bundle.entry is not an array"
	return s.skip()
}

func (s *scanner) entry(i int, doc *rawDoc) error {
	doc.entries = append(doc.entries, rawResource{index: i})
	e := &doc.entries[len(doc.entries)-1]
	if s.peek() != '{' {
		e.bad = "entry is not an object"
		return s.skip()
	}
	if err := s.enter(); err != nil {
		return err
	}
	for n := 0; ; n++ {
		key, ok, err := s.member(n)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		switch string(key) {
		case "fullUrl":
			if s.peek() != '"' {
				err = s.skip()
				break
			}
			e.fullURL, err = s.span()
		case "resource":
			switch s.peek() {
			case '{':
				start := s.pos
				if err := s.resource(e); err != nil {
					return err
				}
				e.data = s.data[start:s.pos]
				e.bad = ""
			case 'n':
				e.data, e.resourceType, e.contained, e.bad = nil, "", nil, ""
				err = s.skip()
			default:
				e.data, e.resourceType, e.contained = nil, "", nil
				e.bad = "resource is not an object"
				err = s.skip()
			}
		default:
			err = s.skip()
		}
		if err != nil {
			return err
		}
	}
	if e.data != nil && e.resourceType == "" {
		e.bad = "resource has no resourceType"
	}
	return nil
}

// resource steps over a resource object noting its resourceType, its
// contained resources, and its code, component and date members (so a
// Builder can tell an Observation no rule reads without decoding it).
func (s *scanner) resource(e *rawResource) error {
	*e = rawResource{index: e.index, fullURL: e.fullURL}
	start, first := s.pos, len(s.spans)
	if err := s.enter(); err != nil {
		return err
	}
	for n := 0; ; n++ {
		key, ok, err := s.member(n)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		ks := s.keyStart
		if err := s.resourceMember(key, e); err != nil {
			return err
		}
		if s.record {
			s.spans = append(s.spans, int32(ks-start), int32(s.pos-start))
		}
	}
	if s.record {
		e.spans, e.recorded = s.spans[first:len(s.spans):len(s.spans)], true
	}
	return nil
}

// resourceMember reads one member of a resource object into e: the few it
// locates, or it steps over the value.
func (s *scanner) resourceMember(key []byte, e *rawResource) error {
	var err error
	switch string(key) {
	case "resourceType":
		return s.resourceType(&e.resourceType)
	case "contained":
		e.contained, err = s.span()
	case "code":
		e.codes, err = s.conceptCodes()
	case "vaccineCode":
		e.vaccineCodes, err = s.conceptCodes()
	case "component":
		e.componentCodes, err = s.componentCodes()
	case "effectiveDateTime":
		e.effectiveDateTime, err = s.span()
	case "effectivePeriod":
		e.effectivePeriod, err = s.span()
	case "effectiveInstant":
		e.effectiveInstant, err = s.span()
	case "issued":
		e.issued, err = s.span()
	default:
		err = s.skip()
	}
	return err
}

// url is the entry's fullUrl, trimmed; "" when absent or not a string.
func (r *rawResource) url() string {
	if len(r.fullURL) < 2 || r.fullURL[0] != '"' {
		return ""
	}
	if bytes.IndexByte(r.fullURL, '\\') < 0 {
		return string(bytes.TrimSpace(r.fullURL[1 : len(r.fullURL)-1]))
	}
	u, _ := unquote(r.fullURL)
	return strings.TrimSpace(u)
}

// conceptCodes steps over the value at s.pos, returning the codings of it
// when it is a CodeableConcept and codes are recorded; nil otherwise.
func (s *scanner) conceptCodes() ([]rules.Coding, error) {
	if !s.record || s.peek() != '{' {
		return nil, s.skip()
	}
	first := len(s.codes)
	var err error
	s.codes, err = s.codings(s.codes)
	return s.codes[first:len(s.codes):len(s.codes)], err
}

// componentCodes steps over the value at s.pos, returning the codings of
// the "code" of each of its elements when it is an array (Observation
// components) and codes are recorded; nil otherwise.
func (s *scanner) componentCodes() ([]rules.Coding, error) {
	if !s.record || s.peek() != '[' {
		return nil, s.skip()
	}
	first := len(s.codes)
	if err := s.enter(); err != nil {
		return nil, err
	}
	for i := 0; ; i++ {
		ok, err := s.element(i)
		if err != nil {
			return nil, err
		}
		if !ok {
			return s.codes[first:len(s.codes):len(s.codes)], nil
		}
		if s.peek() != '{' {
			if err := s.skip(); err != nil {
				return nil, err
			}
			continue
		}
		if err := s.enter(); err != nil {
			return nil, err
		}
		for n := 0; ; n++ {
			key, ok, err := s.member(n)
			if err != nil {
				return nil, err
			}
			if !ok {
				break
			}
			if string(key) == "code" && s.peek() == '{' {
				s.codes, err = s.codings(s.codes)
			} else {
				err = s.skip()
			}
			if err != nil {
				return nil, err
			}
		}
	}
}

// codings reads the CodeableConcept object at s.pos, appending the system and code of its codings to dst.
func (s *scanner) codings(dst []rules.Coding) ([]rules.Coding, error) {
	if err := s.enter(); err != nil {
		return dst, err
	}
	for n := 0; ; n++ {
		key, ok, err := s.member(n)
		if err != nil || !ok {
			return dst, err
		}
		if string(key) != "coding" || s.peek() != '[' {
			if err := s.skip(); err != nil {
				return dst, err
			}
			continue
		}
		if err := s.enter(); err != nil {
			return dst, err
		}
		for i := 0; ; i++ {
			ok, err := s.element(i)
			if err != nil {
				return dst, err
			}
			if !ok {
				break
			}
			if s.peek() != '{' {
				if err := s.skip(); err != nil {
					return dst, err
				}
				continue
			}
			var c rules.Coding
			if err := s.enter(); err != nil {
				return dst, err
			}
			for m := 0; ; m++ {
				key, ok, err := s.member(m)
				if err != nil {
					return dst, err
				}
				if !ok {
					break
				}
				switch k := string(key); {
				case (k == "system" || k == "code") && s.peek() == '"':
					v, err := s.trimmedText(codeSystem)
					if err != nil {
						return dst, err
					}
					if k == "system" {
						c.System = v
					} else {
						c.Code = v
					}
				default:
					if err := s.skip(); err != nil {
						return dst, err
					}
				}
			}
			dst = append(dst, c)
		}
	}
}

// codeSystem returns the constant for the common code systems, and for
// any other system or code a copy shared with earlier calls (intern).
func codeSystem(b []byte) string {
	switch string(b) {
	case rules.SystemLOINC:
		return rules.SystemLOINC
	case rules.SystemSNOMED:
		return rules.SystemSNOMED
	}
	return intern(b)
}

// internTable keeps one copy of recent short codes and systems: a record's
// hundreds of codes are mostly the same few dozen LOINC codes, call after
// call, and need not be copied out of each body anew. It is bounded (a
// slot keeps the last string hashed to it) and holds codes only, never
// values or names.
var (
	internTable [1024]atomic.Pointer[string]
	internSeed  = maphash.MakeSeed()
)

// intern returns string(b), shared with earlier calls when it was seen
// lately; "" for an empty b.
func intern(b []byte) string {
	if len(b) == 0 || len(b) > 40 {
		return string(b)
	}
	slot := &internTable[maphash.Bytes(internSeed, b)%uint64(len(internTable))]
	if p := slot.Load(); p != nil && *p == string(b) {
		return *p
	}
	v := string(b)
	slot.Store(&v)
	return v
}

// observationDate is the date convertObservation gives the Observation,
// read from the located members: effective[x] (a period's start, else its
// end), else issued; zero when none is readable.
func observationDate(r rawResource) time.Time {
	var t time.Time
	switch {
	case notNull(r.effectiveDateTime):
		t = spanDate(r.effectiveDateTime)
	case notNull(r.effectivePeriod):
		for _, name := range []string{"start", "end"} {
			if t = spanDate(member(r.effectivePeriod, name)); !t.IsZero() {
				break
			}
		}
	case notNull(r.effectiveInstant):
		t = spanDate(r.effectiveInstant)
	}
	if t.IsZero() {
		t = spanDate(r.issued)
	}
	return t
}

func notNull(v []byte) bool { return len(v) > 0 && string(v) != "null" }

// spanDate parses a (validated) JSON string holding a FHIR date.
func spanDate(v []byte) time.Time {
	if len(v) == 0 || v[0] != '"' {
		return time.Time{}
	}
	if len(v) >= 2 && bytes.IndexByte(v[1:len(v)-1], '\\') < 0 {
		if t, ok := parseDateBytes(bytes.TrimSpace(v[1 : len(v)-1])); ok {
			return t
		}
	}
	s := &scanner{data: v}
	text, err := s.text()
	if err != nil {
		return time.Time{}
	}
	t, _ := ParseDate(text)
	return t
}

// member returns the raw value of one member of a (validated) object.
func member(obj []byte, name string) []byte {
	if len(obj) == 0 || obj[0] != '{' {
		return nil
	}
	var out []byte
	s := &scanner{data: obj}
	_ = s.object(func(key []byte) error {
		if string(key) != name {
			return s.skip()
		}
		v, err := s.span()
		out = v
		return err
	})
	return out
}

// containedResources lists the resources of a (validated) contained array.
func containedResources(data []byte) []rawResource {
	if len(data) == 0 {
		return nil
	}
	s := &scanner{data: data}
	var out []rawResource
	elem := func(i int) error {
		if s.peek() != '{' {
			return s.skip()
		}
		r := rawResource{index: i}
		start := s.pos
		if err := s.resource(&r); err != nil {
			return err
		}
		r.data = s.data[start:s.pos]
		out = append(out, r)
		return nil
	}
	switch s.peek() {
	case '[':
		if s.array(elem) != nil {
			return nil
		}
	case '{':
		if elem(0) != nil {
			return nil
		}
	}
	return out
}

// nextLink returns the url of Bundle.link[relation=next], "" when none.
func nextLink(raw []byte) string {
	if len(raw) == 0 {
		return ""
	}
	type link struct {
		Relation string `json:"relation"`
		URL      string `json:"url"`
	}
	var links []link
	if err := json.Unmarshal(raw, &links); err != nil {
		var one link
		if json.Unmarshal(raw, &one) != nil {
			return ""
		}
		links = []link{one}
	}
	for _, l := range links {
		if strings.TrimSpace(l.Relation) == "next" {
			return strings.TrimSpace(l.URL)
		}
	}
	return ""
}

// Split is one member of the nested object given to Members: its raw
// bytes and, already made, the split that Builder.Add would make of them.
type Split struct {
	Raw []byte
	// doc and err are the result of split(Raw); valid when done.
	doc  rawDoc
	err  error
	done bool
}

// Members validates data as one JSON object, as strictly as encoding/json,
// and returns the raw bytes of its members: sub-slices of data, not copies.
// The members of the member named nested, when it is an object, are
// returned too, from the same pass, each split into its resources as
// Builder.Add would split it: give them to Builder.AddSplit and a prefetch
// is scanned once in all. A nested member that is null or absent gives a
// nil map, and one that is neither an object nor null an error. A member
// given twice keeps its last value, as encoding/json does.
//
// A nested member's value that is not valid JSON does not fail the call:
// it is only skimmed (brackets and strings must close), and AddSplit
// reports it as Add would. Everything else is validated here.
func Members(data []byte, nested string) (members map[string][]byte, inner map[string]*Split, err error) {
	s := &scanner{data: data}
	s.markSpecial()
	defer s.releaseSpecial()
	if s.peek() != '{' {
		if err := s.skip(); err != nil {
			return nil, nil, err
		}
		return nil, nil, ErrNotObject
	}
	members = map[string][]byte{}
	err = s.object(func(key []byte) error {
		if nested != "" && string(key) == nested {
			switch s.peek() {
			case '{':
				start := s.pos
				in := map[string]*Split{}
				if err := s.object(func(k []byte) error {
					s.ws()
					v := &Split{}
					in[string(k)] = v
					start := s.pos
					if s.peek() != 'n' {
						// The split counts nesting from the value, as
						// Builder.Add does.
						depth := s.depth
						s.depth = 0
						v.doc, v.err = s.doc()
						s.depth = depth
						var se *syntaxError
						if !errors.As(v.err, &se) {
							v.Raw, v.done = s.data[start:s.pos], true
							return nil
						}
						// Not valid JSON: step over it; AddSplit reports
						// the split's error.
						v.doc, v.done = rawDoc{}, true
						v.err = &syntaxError{msg: se.msg, offset: se.offset - start}
						s.pos = start
					}
					err := s.skim()
					v.Raw = s.data[start:s.pos]
					return err
				}); err != nil {
					return err
				}
				members[nested] = s.data[start:s.pos]
				inner = in
				return nil
			case 'n':
				inner = nil
			default:
				return fmt.Errorf("%s: %w", nested, ErrNotObject)
			}
		}
		v, err := s.span()
		members[string(key)] = v
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	if err := s.end(); err != nil {
		return nil, nil, err
	}
	return members, inner, nil
}
