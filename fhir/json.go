package fhir

import (
	"bytes"
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

// JSON is read with github.com/go-json-experiment/json (the v2 API Go is
// adopting as encoding/json/v2) and its token reader, jsontext. Its
// defaults are FHIR JSON's rules: member names are case-sensitive
// ("BirthDate" is not birthDate), and duplicate member names, invalid UTF-8
// and anything RFC 8259 does not allow (NaN, 007, 0x10) are errors.
//
// decodeOptions add the shape errors real clients make that jakguard
// tolerates, and nothing else:
//   - a single value where FHIR wants an array (MedicationRequest.category
//     and reasonCode from the CDS Hooks Sandbox; CodeableConcept.coding,
//     Observation.interpretation, component, dosageInstruction,
//     doseAndRate and Medication.ingredient here): read as a one-element
//     array (oneOrMany);
//   - a one-element array where FHIR wants one value (CodeableConcept,
//     Quantity, Period, Reference, Ratio): read as that value (oneOf);
//   - a decimal with a zero fraction (1.0) where FHIR wants an integer;
//   - an optional code its value set does not know (Patient.gender "F",
//     Quantity.comparator "~"): read as absent. A required code that is
//     unknown (Observation.status "FINAL") or null still makes the resource
//     unreadable, so it is never read as some other status;
//   - extensions, which no rule reads, are passed over unread.
//
// Members the converters do not read are never decoded at all (see the
// view types in record.go), so a malformed member no rule reads does not
// cost its resource.
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
	// The heads of read.go, and Bundle.link.
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
// a JSON number, kept as written, or a string holding one (as
// encoding/json accepted it).
func decodeDecimal(dec *jsontext.Decoder, v *stdjson.Number) error {
	tok, err := dec.ReadToken()
	if err != nil {
		return err
	}
	switch tok.Kind() {
	case '0':
		*v = stdjson.Number(tok.String())
		return nil
	case '"':
		s := tok.String()
		if _, err := strconv.ParseFloat(s, 64); err == nil && jsontext.Value(s).IsValid() {
			*v = stdjson.Number(s)
			return nil
		}
	}
	return errors.New("not a decimal number")
}

// decodeInteger reads a FHIR integer; 1.0 is read as 1, 1.5 is refused.
func decodeInteger(dec *jsontext.Decoder, v *int) error {
	tok, err := dec.ReadToken()
	if err != nil {
		return err
	}
	if tok.Kind() != '0' {
		return errors.New("not a number")
	}
	f, err := tok.Float()
	if err != nil || f != float64(int(f)) {
		return errors.New("not an integer")
	}
	*v = int(f)
	return nil
}

// v1Unmarshaler is encoding/json's Unmarshaler, which the samply code types
// (fm.ObservationStatus and the like) implement: they compare the raw bytes
// of the JSON string with their codes.
type v1Unmarshaler interface{ UnmarshalJSON([]byte) error }

// decodeCode reads a samply code type from a JSON string, its escapes
// decoded ("\u003c" is "<"), and hands the code to the type as a plain
// quoted string. Other v1 unmarshalers are left to the library.
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
	return dec.SkipValue()
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
