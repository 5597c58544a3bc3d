// Package jsonshape holds the few JSON shape tolerances jakguard grants
// real FHIR clients, as unmarshal functions for
// github.com/go-json-experiment/json: a single value where an array is
// wanted (OneOrMany), a one-element array where one value is wanted
// (OneOf), 1.0 for an integer (Integer) and a decimal sent as a string
// holding a JSON number (Decimal). Everything else keeps the library's
// strict defaults. It knows nothing of FHIR.
package jsonshape

import (
	"cmp"
	stdjson "encoding/json"
	"errors"
	"strconv"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
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
