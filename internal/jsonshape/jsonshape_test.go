package jsonshape

import (
	stdjson "encoding/json"
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
