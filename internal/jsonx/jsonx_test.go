package jsonx

import (
	"encoding/json"
	"reflect"
	"testing"
)

type sample struct {
	ID         string   `json:"id"`
	Selections []string `json:"selections"`
	N          *int     `json:"n"`
}

// Unmarshal gives what encoding/json gives, value and error, including for
// the names encoding/json folds (ſ, K) and input segmentio refuses.
func TestUnmarshalMatchesEncodingJSON(t *testing.T) {
	for _, in := range []string{
		`{"id":"a","selections":["x"],"n":1}`,
		`{"ID":"a","Selections":["x"]}`,
		"{\"id\":\"a\",\"\u017felections\":[\"y\"]}",
		`{"id":"a","selections":["x"],"\u017felections":["y"]}`,
		`{"\u212Aey":1,"id":"\u212a"}`,
		`{"id":"a","n":1.5}`,
		`{"id":5}`,
		`{"id":"a","selections":"x"}`,
		`[1]`,
		`{"id":"a",}`,
	} {
		var got, want sample
		gotErr := Unmarshal([]byte(in), &got)
		wantErr := json.Unmarshal([]byte(in), &want)
		if (gotErr == nil) != (wantErr == nil) || (gotErr != nil && gotErr.Error() != wantErr.Error()) {
			t.Errorf("%s: error %v, encoding/json %v", in, gotErr, wantErr)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %+v, encoding/json %+v", in, got, want)
		}
	}
}

func TestHasFoldingLetter(t *testing.T) {
	for in, want := range map[string]bool{
		`{"status":"final"}`:            false,
		"{\"\u017ftatus\":1}":           true,
		`{"\u017Ftatus":1}`:             true,
		"{\"id\":\"\u212a\"}":           true,
		`{"\u212a":1}`:                  true,
		"{\"id\":\"caf\u00e9 \u00e9\"}": false,
	} {
		if got := HasFoldingLetter([]byte(in)); got != want {
			t.Errorf("%q: %v, want %v", in, got, want)
		}
	}
}

func TestMarshal(t *testing.T) {
	got, err := Marshal(map[string]any{"md": "<b> & </b>", "q": "<"})
	if err != nil || string(got) != `{"md":"<b> & </b>","q":"<"}` {
		t.Errorf("Marshal = %s, %v", got, err)
	}
}
