package fhir

import (
	"bytes"
	"cmp"
	stdjson "encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	fm "github.com/samply/golang-fhir-models/fhir-models/fhir"

	"jakguard/internal/jsonerr"
)

// decodeOptions add to the library's strict defaults (FHIR JSON's rules:
// case-sensitive names; duplicate names, invalid UTF-8 and non-JSON
// numbers refused) the shape errors real clients make, and no others:
//   - a single value where FHIR wants an array (coding, interpretation,
//     component, dosageInstruction, doseAndRate, ingredient, Bundle.link):
//     a one-element array (oneOrMany);
//   - a one-element array where FHIR wants a CodeableConcept, Quantity,
//     Period, Reference or Ratio: that value (oneOf);
//   - a decimal with a zero fraction (1.0) where FHIR wants an integer, and
//     a decimal written as a string holding a JSON number;
//   - an optional code its value set does not know (Patient.gender "F",
//     Quantity.comparator "~"): absent. A required code that is unknown or
//     null (Observation.status "FINAL") makes the resource unreadable;
//   - extensions are passed over unread.
//
// The views (record.go) hold only the members a converter reads, so a
// malformed member no rule reads never costs its resource.
var decodeOptions = json.WithUnmarshalers(json.JoinUnmarshalers(
	json.UnmarshalFromFunc(decodeDecimal),
	json.UnmarshalFromFunc(decodeInteger),
	json.UnmarshalFromFunc(decodeCode),
	json.UnmarshalFromFunc(skipExtensions),
	optionalCode[fm.AdministrativeGender](),
	optionalCode[fm.QuantityComparator](),
	oneOrMany[fm.Coding](), oneOrMany[fm.CodeableConcept](), oneOrMany[component](),
	oneOrMany[dosage](), oneOrMany[doseAndRate](), oneOrMany[fm.MedicationIngredient](),
	oneOf[fm.CodeableConcept](), oneOf[fm.Quantity](), oneOf[fm.Period](), oneOf[fm.Reference](), oneOf[fm.Ratio](),
	oneOrMany[codingHead](), oneOf[conceptHead](), oneOrMany[componentHead](), oneOf[referenceHead](), oneOrMany[link](),
))

// decode decodes one JSON value (a resource, or a member of one) into v
// with decodeOptions. An absent member (no JSON at all) leaves v as it is.
func decode(raw []byte, v any) error {
	if len(raw) == 0 {
		return nil
	}
	return json.Unmarshal(raw, v, decodeOptions)
}

// decodeDecimal reads a FHIR decimal into the samply types' json.Number:
// a JSON number as written, or a string holding one.
func decodeDecimal(dec *jsontext.Decoder, v *stdjson.Number) error {
	tok, err := dec.ReadToken()
	if err != nil {
		return err
	}
	s := tok.String()
	if _, err := strconv.ParseFloat(s, 64); tok.Kind() == '0' || tok.Kind() == '"' && err == nil && jsontext.Value(s).IsValid() {
		*v = stdjson.Number(s)
		return nil
	}
	return errors.New("not a decimal number")
}

// decodeInteger reads a FHIR integer; 1.0 is read as 1, 1.5 is refused.
func decodeInteger(dec *jsontext.Decoder, v *int) error {
	tok, err := dec.ReadToken()
	if err != nil || tok.Kind() != '0' {
		return cmp.Or(err, errors.New("not a number"))
	}
	f, err := tok.Float()
	if err != nil || f != float64(int(f)) {
		return errors.New("not an integer")
	}
	*v = int(f)
	return nil
}

// v1Unmarshaler is encoding/json's Unmarshaler, which the samply code types
// (fm.ObservationStatus and the like) implement, comparing the raw bytes
// of the JSON string with their codes. decodeCode hands them the code with
// its escapes decoded ("\u003c" is "<"); other v1 unmarshalers are left to
// the library.
type v1Unmarshaler interface{ UnmarshalJSON([]byte) error }

func decodeCode(dec *jsontext.Decoder, v v1Unmarshaler) error {
	if reflect.TypeOf(v).Elem().Kind() != reflect.Int {
		return errors.ErrUnsupported
	}
	tok, err := dec.ReadToken()
	if err != nil {
		return err
	}
	if tok.Kind() != '"' {
		return fmt.Errorf("a code must be a JSON string, not %s", jsonerr.Kind(tok.Kind()))
	}
	return v.UnmarshalJSON(strconv.AppendQuote(nil, tok.String()))
}

// optionalCode reads an optional samply code (a pointer field); a code the
// type does not know is read as absent.
func optionalCode[T any, P interface {
	*T
	v1Unmarshaler
}]() *json.Unmarshalers {
	return json.UnmarshalFromFunc(func(dec *jsontext.Decoder, v **T) error {
		tok, err := dec.ReadToken()
		if err != nil {
			return err
		}
		*v = nil
		var c T
		if tok.Kind() == '"' && P(&c).UnmarshalJSON(strconv.AppendQuote(nil, tok.String())) == nil {
			*v = &c
		}
		return nil
	})
}

// skipExtensions passes over an extension list unread.
func skipExtensions(dec *jsontext.Decoder, v *[]fm.Extension) error {
	*v = nil
	_, err := dec.ReadValue()
	return err
}

// oneOrMany reads a []T from an array, or from a single T as a one-element
// array.
func oneOrMany[T any]() *json.Unmarshalers {
	return json.UnmarshalFromFunc(func(dec *jsontext.Decoder, v *[]T) error {
		if k := dec.PeekKind(); k == '[' || k == 'n' {
			return errors.ErrUnsupported // the library's own reading
		}
		var x T
		if err := json.UnmarshalDecode(dec, &x); err != nil {
			return err
		}
		*v = []T{x}
		return nil
	})
}

// oneOf reads a T from itself, or from an array holding exactly one T.
func oneOf[T any]() *json.Unmarshalers {
	return json.UnmarshalFromFunc(func(dec *jsontext.Decoder, v *T) error {
		if dec.PeekKind() != '[' {
			return errors.ErrUnsupported
		}
		if _, err := dec.ReadToken(); err != nil {
			return err
		}
		if dec.PeekKind() == ']' {
			return errors.New("an empty array where one value is expected")
		}
		if err := json.UnmarshalDecode(dec, v); err != nil {
			return err
		}
		if dec.PeekKind() != ']' {
			return errors.New("several values where one is expected")
		}
		_, err := dec.ReadToken()
		return err
	})
}

// DecodeError is a resource that could not be read: where (a JSON path
// such as "entry[0].resource.status") and why, without any value from the
// input, so that it can be logged and shown to the client.
type DecodeError = jsonerr.Error

// decodeError describes err, an error of decoding the value at path, and
// safeError any error, for clients and logs without input values.
var decodeError, safeError = jsonerr.Describe, jsonerr.Safe

func isNull(raw []byte) bool {
	return string(bytes.TrimSpace(raw)) == "null"
}
