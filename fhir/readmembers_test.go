package fhir

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	fm "github.com/samply/golang-fhir-models/fhir-models/fhir"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/rules"
)

// Why this test exists
//
// Before a resource is decoded, slim (decode.go) drops every top-level
// member whose name is not listed for its type in readMembers (record.go).
// That list has to be kept in step with the converters by hand. A member a
// converter reads but readMembers lacks is dropped without a trace: the
// converter sees it as absent, the rules see a lab value, an onset date or
// a dose that is not there, and nothing fails or logs. That is a
// patient-safety defect, so TestReadMembers finds the members each
// converter reads by experiment rather than from a list someone has to
// remember to update:
//
//   - A "kitchen sink" resource is built by reflection from the samply
//     struct, with every field (recursively) given a non-zero value.
//   - Each top-level member is given to the real decode-and-convert path on
//     its own; if the result differs from that of an empty resource, the
//     converter reads the member, and readMembers must list it.
//   - Each member readMembers does not list is removed from the whole sink;
//     the result must not change (this catches reads that only show when
//     other members are present, e.g. a fallback).
//   - Every name in readMembers must be a member of the samply struct (a
//     typo would leave the real member unlisted), and must be seen read by
//     the single-member check in some flavour (so that dropping any listed
//     name fails this test, and a stale name is noticed).
//   - End to end, the sink goes through part.add with slimming and without,
//     compact and pretty-printed, top level and as a Bundle entry; the
//     results must be the same.
//
// The sink is built in several flavours (fillFlavours) because converters
// interpret values: a date string is parsed, an ingredient strength counts
// only in mg per 1 unit, and a fallback (onset[x], effective[x] then
// issued) hides behind an equal value elsewhere. A member whose value the
// converter cannot use in one flavour is invisible in that flavour; another
// one shows it. When a converter starts to interpret a value in a new way,
// a new flavour may be needed; the "seen read" check above says so.
//
// Limits: structs are filled to sinkMaxDepth levels, each struct type once
// per path, and extensions below the resource's own extension members get
// primitive values only (see filler.fill). A converter reading only such a
// deep or nested-extension value, and nothing else of its member, would
// not be seen.

// fillFlavour is one way of filling a kitchen-sink resource.
type fillFlavour struct {
	name    string
	str     string // every string; dates are parsed, so a date shows date reads
	num     string // every json.Number (FHIR decimal)
	integer int64  // every plain integer
	flt     float64
	boolean bool
	enum    int64 // preferred value of samply code enums (0 is the zero value, so avoid it)
	// distinct, when set, gives every string a date and every number a
	// value of its own instead of str, num and integer, so that a member a
	// converter falls back to (onset[x], effective[x] then issued) does
	// not hide behind an equal value in another member.
	distinct bool
}

var fillFlavours = []fillFlavour{
	// Dates are the most common interpreted strings (effective[x],
	// onset[x], authoredOn, birthDate, ...).
	{name: "date", str: "2021-02-03", num: "1.5", integer: 2, flt: 1.5, boolean: true, enum: 1},
	// An ingredient strength counts only as mg per 1 unit (strengthMg).
	{name: "mg", str: "mg", num: "1", integer: 1, flt: 1, boolean: true, enum: 2},
	{name: "distinct", flt: 1.5, boolean: true, enum: 1, distinct: true},
}

// sinkMaxDepth bounds the nesting of structs in a sink; samply types are
// recursive (Reference.identifier.assigner is a Reference) and Extension
// has a value[x] of nearly every datatype, so without a bound the document
// would be huge.
const sinkMaxDepth = 6

// extensionDepth bounds the nesting of structs inside the resource's own
// extension and modifierExtension members.
const extensionDepth = 2

var (
	extensionType  = reflect.TypeFor[fm.Extension]()
	rawMessageType = reflect.TypeFor[json.RawMessage]()
	numberType     = reflect.TypeFor[json.Number]()
	marshalerType  = reflect.TypeFor[json.Marshaler]()
)

// filler fills a kitchen-sink resource.
type filler struct {
	t *testing.T
	f fillFlavour
	// onPath holds the struct types being filled above the current value:
	// one is not filled again inside itself.
	onPath map[reflect.Type]bool
	n      int // values filled, for distinct values
}

func (fl *filler) str() string {
	if !fl.f.distinct {
		return fl.f.str
	}
	fl.n++
	return time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, fl.n).Format(time.DateOnly)
}

func (fl *filler) num() string {
	if !fl.f.distinct {
		return fl.f.num
	}
	fl.n++
	return strconv.Itoa(fl.n) + ".5"
}

func (fl *filler) integer() int64 {
	if !fl.f.distinct {
		return fl.f.integer
	}
	fl.n++
	return int64(fl.n)
}

// fill gives v (settable) a non-zero value of its type. depth is the
// number of structs v is nested in, maxDepth the depth at which structs
// are left zero. It returns false when it left v zero.
func (fl *filler) fill(v reflect.Value, depth, maxDepth int) bool {
	typ := v.Type()
	switch {
	case typ == rawMessageType:
		// Contained resources: a valid resource of a type no converter reads.
		v.SetBytes([]byte(`{"resourceType":"Basic","id":"x"}`))
		return true
	case typ == numberType:
		v.SetString(fl.num())
		return true
	}
	switch typ.Kind() {
	case reflect.Pointer:
		e := reflect.New(typ.Elem())
		if !fl.fill(e.Elem(), depth, maxDepth) {
			return false
		}
		v.Set(e)
		return true
	case reflect.Slice:
		e := reflect.New(typ.Elem()).Elem()
		if !fl.fill(e, depth, maxDepth) {
			return false
		}
		v.Set(reflect.Append(reflect.MakeSlice(typ, 0, 1), e))
		return true
	case reflect.Struct:
		if fl.onPath[typ] || depth >= maxDepth {
			return false
		}
		if typ == extensionType {
			// Extension has a value[x] of nearly every datatype, and every
			// element has extensions: filled in full at every level, the
			// sink grows to a megabyte. The resource's own extension
			// members are filled extensionDepth deep; an extension of an
			// element gets its primitive values only.
			if depth <= 1 {
				maxDepth = min(maxDepth, depth+extensionDepth)
			} else {
				maxDepth = min(maxDepth, depth+1)
			}
		}
		fl.onPath[typ] = true
		defer delete(fl.onPath, typ)
		filled := false
		for i := 0; i < typ.NumField(); i++ {
			if !typ.Field(i).IsExported() {
				continue
			}
			if fl.fill(v.Field(i), depth+1, maxDepth) {
				filled = true
			}
		}
		return filled
	case reflect.String:
		v.SetString(fl.str())
		return true
	case reflect.Bool:
		v.SetBool(fl.f.boolean)
		return true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if typ.Implements(marshalerType) {
			return fillEnum(fl.t, v, fl.f)
		}
		v.SetInt(fl.integer())
		return true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(fl.integer()))
		return true
	case reflect.Float32, reflect.Float64:
		v.SetFloat(fl.f.flt)
		return true
	}
	// Maps and interfaces do not occur in the samply resources the
	// converters read; fail loudly should a new version bring them, as the
	// members holding them would go untested.
	fl.t.Errorf("kitchen sink: cannot fill a %s", typ)
	return false
}

// fillEnum sets a samply code enum (an integer type with MarshalJSON and
// UnmarshalJSON) to the first of f.enum, 1 and 0 that survives a JSON
// round trip, i.e. a value the enum knows.
func fillEnum(t *testing.T, v reflect.Value, f fillFlavour) bool {
	for _, n := range []int64{f.enum, 1, 0} {
		v.SetInt(n)
		b, err := marshalNoEscape(v.Interface())
		if err != nil {
			continue
		}
		back := reflect.New(v.Type())
		u, ok := back.Interface().(json.Unmarshaler)
		if !ok {
			break
		}
		if u.UnmarshalJSON(b) == nil && back.Elem().Int() == n {
			return true
		}
	}
	t.Errorf("kitchen sink: no value of enum %s survives a JSON round trip", v.Type())
	return false
}

// encodeJSON marshals v without HTML escaping. The samply enum decoders
// compare raw bytes, so Quantity.comparator "<" must not become "\u003c".
// The resources' own MarshalJSON calls json.Marshal, which escapes; those
// escapes are undone (the three are equivalent in a JSON string).
func encodeJSON(t *testing.T, v any) []byte {
	b, err := marshalNoEscape(v)
	require.NoError(t, err)
	return b
}

func marshalNoEscape(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	b := bytes.TrimSpace(buf.Bytes())
	b = bytes.ReplaceAll(b, []byte(`\u003c`), []byte(`<`))
	b = bytes.ReplaceAll(b, []byte(`\u003e`), []byte(`>`))
	b = bytes.ReplaceAll(b, []byte(`\u0026`), []byte(`&`))
	return b, nil
}

// readMembersCase is one resource type whose top-level members slim
// filters, with the real decode-and-convert path for it.
type readMembersCase struct {
	resourceType string
	converter    string       // named in failure messages
	typ          reflect.Type // the samply struct
	// convert decodes data as the Builder does (decodeResource) and
	// converts it, returning a value to compare.
	convert func(data []byte) (any, error)
}

// noContained is the contained lookup of the unit checks: contained
// Medications are read from the raw resource (rawResource.contained), not
// from the decoded struct, so slimming does not touch them.
func noContained(string) (medInfo, bool) { return medInfo{}, false }

var readMembersCases = []readMembersCase{
	{"Patient", "convertPatient", reflect.TypeFor[fm.Patient](), func(data []byte) (any, error) {
		var v fm.Patient
		if err := decodeResource(data, &v); err != nil {
			return nil, err
		}
		return convertPatient(&v), nil
	}},
	{"Observation", "convertObservation", reflect.TypeFor[fm.Observation](), func(data []byte) (any, error) {
		var v fm.Observation
		if err := decodeResource(data, &v); err != nil {
			return nil, err
		}
		return convertObservation(&v), nil
	}},
	{"Condition", "convertCondition", reflect.TypeFor[fm.Condition](), func(data []byte) (any, error) {
		var v fm.Condition
		if err := decodeResource(data, &v); err != nil {
			return nil, err
		}
		return convertCondition(&v), nil
	}},
	{"Immunization", "convertImmunization", reflect.TypeFor[fm.Immunization](), func(data []byte) (any, error) {
		var v fm.Immunization
		if err := decodeResource(data, &v); err != nil {
			return nil, err
		}
		return convertImmunization(&v), nil
	}},
	{"Medication", "convertMedication/addMedication", reflect.TypeFor[fm.Medication](), func(data []byte) (any, error) {
		var v fm.Medication
		if err := decodeResource(data, &v); err != nil {
			return nil, err
		}
		// With a fullUrl, what the Medication says is kept even without an
		// id, so a read of code or ingredient shows on its own.
		var p part
		p.addMedication(&v, "urn:uuid:1") // also reads Medication.id
		return p.medications, nil
	}},
	{"MedicationRequest", "convertMedicationRequest", reflect.TypeFor[fm.MedicationRequest](), func(data []byte) (any, error) {
		var v fm.MedicationRequest
		if err := decodeResource(data, &v); err != nil {
			return nil, err
		}
		return convertMedicationRequest(&v, noContained), nil
	}},
	{"MedicationStatement", "convertMedicationStatement", reflect.TypeFor[fm.MedicationStatement](), func(data []byte) (any, error) {
		var v fm.MedicationStatement
		if err := decodeResource(data, &v); err != nil {
			return nil, err
		}
		return convertMedicationStatement(&v, noContained), nil
	}},
}

// kitchenSink returns the JSON of a resource of c's type with every field
// filled as f says, checked to decode strictly and to lose nothing in
// decoding (so no member is hidden from the checks).
func kitchenSink(t *testing.T, c readMembersCase, f fillFlavour) []byte {
	v := reflect.New(c.typ)
	fl := &filler{t: t, f: f, onPath: map[reflect.Type]bool{}}
	require.True(t, fl.fill(v.Elem(), 0, sinkMaxDepth), "%s: nothing filled", c.resourceType)
	sink := encodeJSON(t, v.Interface())
	require.True(t, json.Valid(sink), "%s: sink is not valid JSON", c.resourceType)
	require.Contains(t, string(sink), `"resourceType":"`+c.resourceType+`"`)

	// Strictly, without the lenient fallback of decodeResource (which
	// drops optional codes it does not know), and losing nothing: every
	// filled field comes back as it was.
	back := reflect.New(c.typ)
	require.NoError(t, json.Unmarshal(sink, back.Interface()), "%s: sink does not decode strictly", c.resourceType)
	require.Equal(t, string(sink), string(encodeJSON(t, back.Interface())), "%s: sink does not survive decoding", c.resourceType)
	return sink
}

// jsonFields lists the JSON member names of a samply struct, lower-cased.
func jsonFields(typ reflect.Type) map[string]bool {
	out := map[string]bool{}
	for i := 0; i < typ.NumField(); i++ {
		name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out[strings.ToLower(name)] = true
		}
	}
	return out
}

func TestReadMembers(t *testing.T) {
	covered := map[string]bool{}
	for _, c := range readMembersCases {
		covered[c.resourceType] = true
		set := readMembers[c.resourceType]
		t.Run(c.resourceType, func(t *testing.T) {
			require.NotNil(t, set, "readMembers has no entry for %s", c.resourceType)
			names := set.names

			// Every listed name is a member of the resource: a misspelt
			// name leaves the real member unlisted.
			fields := jsonFields(c.typ)
			for n := range names {
				assert.True(t, fields[n], "readMembers[%q] lists %q, which is not a member of fm.%s", c.resourceType, n, c.typ.Name())
				assert.Equal(t, strings.ToLower(n), n, "readMembers names must be lower-cased")
			}

			// The members seen read, in any flavour.
			read := map[string]bool{}
			for _, f := range fillFlavours {
				t.Run(f.name, func(t *testing.T) {
					for m := range checkReadMembers(t, c, names, kitchenSink(t, c, f)) {
						read[strings.ToLower(m)] = true
					}
				})
			}
			// The checks must be able to see every listed member read, so
			// that dropping one from readMembers fails this test. A listed
			// member not seen read is either not read at all (stale; remove
			// it) or read in a way no flavour shows (add a flavour).
			for n := range names {
				assert.True(t, read[n], "readMembers[%q] lists %q, but %s was not seen to read it", c.resourceType, n, c.converter)
			}
		})
	}
	for typ := range readMembers {
		assert.True(t, covered[typ], "readMembers lists %s, which TestReadMembers does not check", typ)
	}
}

// checkReadMembers runs the single-member, removal and end-to-end checks
// for one sink. It returns the members seen read on their own.
func checkReadMembers(t *testing.T, c readMembersCase, names map[string]bool, sink []byte) (read map[string]bool) {
	var members map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(sink, &members))
	keys := make([]string, 0, len(members))
	for m := range members {
		if m != "resourceType" {
			keys = append(keys, m)
		}
	}
	sort.Strings(keys)

	convert := func(obj map[string]json.RawMessage) any {
		t.Helper()
		out, err := c.convert(joinMembers(obj))
		require.NoError(t, err, "%s: decoding failed", c.resourceType)
		return out
	}
	empty := convert(map[string]json.RawMessage{})
	full := convert(members)
	require.NotEqual(t, empty, full, "%s: converting the kitchen sink gives what an empty resource gives; the test would be vacuous", c.resourceType)

	read = map[string]bool{}
	for _, m := range keys {
		listed := names[strings.ToLower(m)]
		// a. On its own, a member that changes the result is read.
		if got := convert(map[string]json.RawMessage{m: members[m]}); !reflect.DeepEqual(got, empty) {
			read[m] = true
			if !listed {
				t.Errorf("%s reads %s but readMembers[%q] lacks it (it would be dropped before decoding)", c.converter, m, c.resourceType)
			}
		}
		// b. Beside all the others, a member that is not listed must not
		// matter.
		if !listed {
			rest := make(map[string]json.RawMessage, len(members))
			for k, v := range members {
				if k != m {
					rest[k] = v
				}
			}
			if got := convert(rest); !reflect.DeepEqual(got, full) {
				t.Errorf("%s reads %s (beside other members) but readMembers[%q] lacks it", c.converter, m, c.resourceType)
			}
		}
	}

	checkSlimEndToEnd(t, c, sink)
	return read
}

// joinMembers makes a JSON object of members, whose values are compact
// JSON already (encoding/json would compact them again, and slowly).
func joinMembers(members map[string]json.RawMessage) []byte {
	var b []byte
	b = append(b, '{')
	for name, v := range members {
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, name)
		b = append(b, ':')
		b = append(b, v...)
	}
	return append(b, '}')
}

// partResult is what part.add kept of a resource, to compare.
type partResult struct {
	Patient       *rules.Patient
	Observations  []rules.Observation
	Conditions    []rules.Condition
	Immunizations []rules.Immunization
	Meds          []pendingMed
	Medications   map[string]medInfo
}

// checkSlimEndToEnd gives the sink to part.add, the Builder's path, with
// slimming and without (recorded false, as for contained resources, whose
// members are not located), as compact and as pretty-printed JSON, top level and as a
// Bundle entry: the results must be the same.
func checkSlimEndToEnd(t *testing.T, c readMembersCase, sink []byte) {
	logger := slog.New(slog.DiscardHandler)
	var pretty bytes.Buffer
	require.NoError(t, json.Indent(&pretty, sink, "", "  "))
	bundle := []byte(`{"resourceType":"Bundle","type":"searchset","entry":[{"fullUrl":"urn:uuid:1","resource":` + string(sink) + `}]}`)
	var prettyBundle bytes.Buffer
	require.NoError(t, json.Indent(&prettyBundle, bundle, "", "  "))

	inputs := []struct {
		name string
		data []byte
	}{
		{"compact", sink},
		{"pretty", pretty.Bytes()},
		{"compact bundle", bundle},
		{"pretty bundle", prettyBundle.Bytes()},
	}
	for _, in := range inputs {
		var results [2]partResult
		for i, slimmed := range []bool{true, false} {
			doc, err := split(in.data)
			require.NoError(t, err, in.name)
			r := doc.self
			if doc.resourceType == "Bundle" {
				require.Len(t, doc.entries, 1, in.name)
				r = doc.entries[0]
			}
			require.Equal(t, c.resourceType, r.resourceType, in.name)
			if slimmed {
				require.True(t, r.recorded, "%s: members not located, so nothing is slimmed and the check is vacuous", in.name)
				require.NotEmpty(t, r.spans, in.name)
			} else {
				r.recorded = false
			}
			p := part{key: "k"}
			require.True(t, p.add(r, logger), "%s: %s skipped (slimmed %v)", in.name, c.resourceType, slimmed)
			results[i] = partResult{p.patient, p.observations, p.conditions, p.immunizations, p.meds, p.medications}
			doc.release()
		}
		require.False(t, reflect.ValueOf(results[1]).IsZero(), "%s: nothing kept", in.name)
		assert.Equal(t, results[1], results[0], "%s %s: slimming changes what is decoded: a member the converter reads is missing from readMembers", c.resourceType, in.name)
	}

	// And through the public API: the sink is decoded, not skipped.
	b := NewBuilder(nil)
	page, err := b.Add("k", sink)
	require.NoError(t, err)
	assert.Equal(t, Page{Entries: 1}, page)
}
