// Package jsonshape holds the few JSON shape tolerances jakguard grants
// real FHIR clients, as unmarshal functions for
// github.com/go-json-experiment/json: a single value where an array is
// wanted (OneOrMany), a one-element array where one value is wanted
// (OneOf), 1.0 for an integer (Integer), a decimal sent as a string
// holding a JSON number (Decimal) and an unknown value of an optional enum
// read as absent (OptionalEnum); with Enum, for enum types written for
// encoding/json, and Skip. Everything else keeps the library's strict
// defaults. It knows nothing of FHIR.
package jsonshape

import (
	"cmp"
	stdjson "encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"jakguard/internal/jsonerr"
)

// Decimal reads a number, or a string holding a JSON number, as written.
func Decimal(dec *jsontext.Decoder, v *stdjson.Number) error {
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

// Integer reads an integer; 1.0 is read as 1, 1.5 is refused.
func Integer(dec *jsontext.Decoder, v *int) error {
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

// OneOrMany reads a []T from an array, or from a single T.
func OneOrMany[T any]() *json.Unmarshalers {
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

// OneOf reads a T from itself, or from an array of exactly one T.
func OneOf[T any]() *json.Unmarshalers {
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

// v1Unmarshaler is encoding/json's Unmarshaler, by which enum types written
// for it (the samply FHIR code types) compare a raw JSON string with their
// names.
type v1Unmarshaler interface{ UnmarshalJSON([]byte) error }

// Code is a code as the code systems of enum types spell their codes: lower
// case, words joined by hyphens. Feeds converted from HL7 v2 or local
// systems write "Completed", "FINAL" or "Entered in error" for them.
func Code(s string) string {
	for i := range len(s) {
		if c := s[i]; c >= 'A' && c <= 'Z' || c <= ' ' || c >= 0x80 {
			return strings.Join(strings.Fields(strings.ToLower(s)), "-")
		}
	}
	return s // spelt as a code already, as nearly every value is: nothing to allocate
}

// Enum reads an enum type (an integer type with an encoding/json
// UnmarshalJSON) from a JSON string, handed to it unescaped ("\u003c" is
// "<") and spelt as Code; other types are left to the library.
func Enum(dec *jsontext.Decoder, v v1Unmarshaler) error {
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
	return v.UnmarshalJSON(strconv.AppendQuote(nil, Code(tok.String())))
}

// OptionalEnum reads an optional enum T (a *T); a value that is no name of
// T, even spelt as Code, is absent (nil).
func OptionalEnum[T any, P interface {
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
		if tok.Kind() == '"' && P(&c).UnmarshalJSON(strconv.AppendQuote(nil, Code(tok.String()))) == nil {
			*v = &c
		}
		return nil
	})
}

// Skip passes over every value of type T unread, leaving it zero.
func Skip[T any]() *json.Unmarshalers {
	return json.UnmarshalFromFunc(func(dec *jsontext.Decoder, v *T) error {
		var zero T
		*v = zero
		_, err := dec.ReadValue() // faster than SkipValue
		return err
	})
}
