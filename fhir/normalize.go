package fhir

import (
	"encoding/json"
	"reflect"
	"strings"

	segjson "github.com/segmentio/encoding/json"

	"jakguard/internal/jsonx"
)

// decodeResource decodes one resource's JSON into the samply type of v.
// A direct decode is tried first; only when it fails is the JSON
// normalised against the shape of the samply type (see normalize) and
// decoded again with encoding/json. The error is that of the second
// attempt.
//
// The direct decode uses github.com/segmentio/encoding/json, a drop-in
// replacement for encoding/json that decodes these structs about twice as
// fast (the largest cost of a hook call after scanning the request). It
// gives the same result wherever encoding/json succeeds
// (TestDecodeResourceMatchesEncodingJSON); where it fails, the slow path
// is encoding/json's, errors included. JSON holding a letter that
// encoding/json folds to ASCII in member names (jsonx.HasFoldingLetter) is
// decoded with encoding/json from the start.
func decodeResource[T any](raw []byte, v *T) error {
	if jsonx.HasFoldingLetter(raw) {
		if err := json.Unmarshal(raw, v); err == nil {
			return nil
		}
	} else if err := segjson.Unmarshal(raw, v); err == nil {
		return nil
	}
	fixed, err := normalize(raw, reflect.TypeFor[T]())
	if err != nil {
		return err
	}
	var zero T
	*v = zero
	return json.Unmarshal(fixed, v)
}

// normalize rewrites resource JSON into what the strict samply decoder
// accepts, guided by the Go type t it will be decoded into:
//   - a single value where an array is expected is wrapped into an array
//     (MedicationRequest.category and reasonCode as single objects);
//   - a one-element array where a single value is expected is unwrapped;
//   - null members are dropped;
//   - an optional code (a pointer or an array element of a samply enum type,
//     such as Patient.gender or Quantity.comparator) that the enum rejects is
//     dropped. A required code (Observation.status, Immunization.status) is
//     kept, so the resource still fails and is skipped: dropping it would
//     make it read as the enum's zero value.
//
// Decoding into map[string]any also turns numbers such as 1.0 into 1, which
// the samply integer fields then accept.
func normalize(raw []byte, t reflect.Type) ([]byte, error) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	v, _ = fixValue(v, t, false)
	return jsonx.Marshal(v)
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// isEnum tells whether t is a samply code type: an integer type that
// decodes itself from a JSON string.
func isEnum(t reflect.Type) bool {
	return t.Kind() == reflect.Int && reflect.PointerTo(t).Implements(unmarshalerType)
}

// fixValue normalises v for decoding into t. keep is false when v should be
// removed from its parent. optional says that the parent can do without v.
func fixValue(v any, t reflect.Type, optional bool) (out any, keep bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
		optional = true
	}
	if isEnum(t) {
		if optional && !enumAccepts(v, t) {
			return nil, false
		}
		return v, true
	}
	if v == nil {
		return nil, false
	}
	switch t.Kind() {
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return v, true
		}
		arr, ok := v.([]any)
		if !ok {
			arr = []any{v}
		}
		elem := t.Elem()
		primitive := elem.Kind() == reflect.String
		out := arr[:0]
		for _, e := range arr {
			if e == nil && primitive {
				// Primitive arrays use null to keep their extensions aligned.
				out = append(out, e)
				continue
			}
			if fixed, keep := fixValue(e, elem, true); keep {
				out = append(out, fixed)
			}
		}
		return out, true
	case reflect.Struct:
		if arr, ok := v.([]any); ok && len(arr) == 1 {
			v = arr[0]
		}
		m, ok := v.(map[string]any)
		if !ok {
			return v, true // wrong shape: let the decoder report it
		}
		for i := range t.NumField() {
			f := t.Field(i)
			name := jsonName(f)
			if name == "" {
				continue
			}
			val, present := m[name]
			if !present {
				continue
			}
			if fixed, keep := fixValue(val, f.Type, false); keep {
				m[name] = fixed
			} else {
				delete(m, name)
			}
		}
		return m, true
	default:
		if arr, ok := v.([]any); ok && len(arr) == 1 {
			return arr[0], true
		}
		return v, true
	}
}

func enumAccepts(v any, t reflect.Type) bool {
	b, err := jsonx.Marshal(v)
	if err != nil {
		return false
	}
	return json.Unmarshal(b, reflect.New(t).Interface()) == nil
}

func jsonName(f reflect.StructField) string {
	tag := f.Tag.Get("json")
	if tag == "-" || !f.IsExported() {
		return ""
	}
	name, _, _ := strings.Cut(tag, ",")
	if name == "" {
		return f.Name
	}
	return name
}
