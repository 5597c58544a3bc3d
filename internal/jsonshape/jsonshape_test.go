package jsonshape

import (
	stdjson "encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/go-json-experiment/json"
)

type doc struct {
	List []string        `json:"list"`
	One  struct{ A int } `json:"one"`
	N    int             `json:"n"`
	D    stdjson.Number  `json:"d"`
}

var opts = json.WithUnmarshalers(json.JoinUnmarshalers(
	OneOrMany[string](), OneOf[struct{ A int }](), json.UnmarshalFromFunc(Integer), json.UnmarshalFromFunc(Decimal)))

func TestShapes(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want doc
		bad  bool
	}{
		{in: `{"list":["a","b"],"one":{"A":1},"n":2,"d":1.50}`, want: doc{List: []string{"a", "b"}, One: struct{ A int }{1}, N: 2, D: "1.50"}},
		{in: `{"list":"a"}`, want: doc{List: []string{"a"}}},
		{in: `{"list":null}`, want: doc{}},
		{in: `{"one":[{"A":3}]}`, want: doc{One: struct{ A int }{3}}},
		{in: `{"one":[]}`, bad: true},
		{in: `{"one":[{"A":3},{"A":4}]}`, bad: true},
		{in: `{"n":1.0}`, want: doc{N: 1}},
		{in: `{"n":1.5}`, bad: true},
		{in: `{"n":"1"}`, bad: true},
		{in: `{"d":"7.25"}`, want: doc{D: "7.25"}},
		{in: `{"d":"NaN"}`, bad: true},
		{in: `{"d":"007"}`, bad: true},
		{in: `{"d":true}`, bad: true},
	} {
		var got doc
		err := json.Unmarshal([]byte(tc.in), &got, opts)
		if tc.bad {
			if err == nil {
				t.Errorf("%s: accepted as %+v", tc.in, got)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

// color is an enum written for encoding/json, as the samply code types are.
type color int

func (c *color) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case `"red"`:
		*c = 1
	case `"<blue>"`:
		*c = 2
	default:
		return errors.New("unknown color")
	}
	return nil
}

func TestEnums(t *testing.T) {
	type doc struct {
		C   color    `json:"c"`
		Opt *color   `json:"opt"`
		Ext []string `json:"ext"`
	}
	opts := json.WithUnmarshalers(json.JoinUnmarshalers(json.UnmarshalFromFunc(Enum), OptionalEnum[color](), Skip[[]string]()))
	two := color(2)
	for _, tc := range []struct {
		in   string
		want doc
		bad  bool
	}{
		{in: `{"c":"red"}`, want: doc{C: 1}},
		{in: `{"c":"\u003cblue>"}`, want: doc{C: 2}}, // handed over unescaped
		{in: `{"c":" RED "}`, want: doc{C: 1}},       // spelt as Code
		{in: `{"c":"r"}`, bad: true},
		{in: `{"c":1}`, bad: true},
		{in: `{"opt":"<blue>"}`, want: doc{Opt: &two}},
		{in: `{"opt":"<Blue>"}`, want: doc{Opt: &two}},
		{in: `{"opt":"green"}`, want: doc{}}, // unknown: absent
		{in: `{"opt":7}`, want: doc{}},
		{in: `{"ext":[{"any":"thing"}],"c":"red"}`, want: doc{C: 1}}, // passed over
	} {
		var got doc
		err := json.Unmarshal([]byte(tc.in), &got, opts)
		if tc.bad {
			if err == nil {
				t.Errorf("%s: no error", tc.in)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

func TestCode(t *testing.T) {
	for in, want := range map[string]string{
		"final": "final", "on-hold": "on-hold", "FINAL": "final", "Completed": "completed", " active ": "active",
		"On Hold": "on-hold", "Entered in error": "entered-in-error", "entered\tin error": "entered-in-error",
		"\u00a0Active\u00a0": "active", "": "", "A": "a",
	} {
		if got := Code(in); got != want {
			t.Errorf("Code(%q) = %q, want %q", in, got, want)
		}
	}
	// Nearly every value is spelt as a code already; reading one is on the
	// path of every Observation status and Patient gender.
	if n := testing.AllocsPerRun(100, func() { _ = Code("entered-in-error") }); n != 0 {
		t.Errorf("Code of a code allocates %v times, want 0", n)
	}
}
