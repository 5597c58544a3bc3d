package hooks

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"jakguard/cards"
	"jakguard/internal/jsonx"
)

// encodeResponse writes with segmentio's encoder what encoding/json writes,
// byte for byte: every answer to the requests of the test data (through
// every service that answers them), the golden answers, and an answer with
// the corners where encoders differ in its strings. (A json.RawMessage is
// compact in every answer, as jakguard marshals it; segmentio's encoder
// would not compact one that was not.)
func TestEncodeResponseMatchesEncodingJSON(t *testing.T) {
	same := func(what string, v *Response) {
		t.Helper()
		got, err := encodeResponse(v)
		require.NoError(t, err, what)
		want, err := jsonx.Marshal(v) // encoding/json
		require.NoError(t, err, what)
		if !bytes.Equal(got, want) {
			t.Errorf("%s: segmentio wrote\n%s\nencoding/json writes\n%s", what, got, want)
		}
	}
	s := newTestServer(t, serverOpts{noStore: true})
	var files []string
	for _, dir := range []string{"requests", "sandbox", "bench"} {
		f, _ := filepath.Glob(filepath.Join("..", "testdata", dir, "*.json"))
		files = append(files, f...)
	}
	answered, nCards := 0, 0
	for _, f := range files {
		body, err := os.ReadFile(f)
		require.NoError(t, err)
		for id, svc := range s.services {
			out, _, err := s.evaluate(t.Context(), svc, body, nil)
			if err != nil {
				continue
			}
			answered++
			nCards += len(out.Cards)
			same(filepath.Base(f)+" to "+id, out)
		}
	}
	golden, _ := filepath.Glob(filepath.Join("..", "testdata", "golden", "*.response.json"))
	for _, f := range golden {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		var resp Response
		require.NoError(t, json.Unmarshal(data, &resp), f)
		// The golden files are indented; a served answer's resources are
		// compact, as jakguard marshals them.
		for i := range resp.Cards {
			for j := range resp.Cards[i].Suggestions {
				for k := range resp.Cards[i].Suggestions[j].Actions {
					a := &resp.Cards[i].Suggestions[j].Actions[k]
					if len(a.Resource) == 0 {
						continue
					}
					var c bytes.Buffer
					require.NoError(t, json.Compact(&c, a.Resource))
					a.Resource = c.Bytes()
				}
			}
		}
		nCards += len(resp.Cards)
		same(filepath.Base(f), &resp)
	}
	if answered < 8 || nCards < 12 {
		t.Fatalf("only %d answers with %d cards compared", answered, nCards)
	}
	corner := &Response{Cards: []cards.Card{{
		Summary:   "<b> & </b> \u003c a\u2028b\u2029c",
		Detail:    "bad \xff utf8, café, 😀\n\t\x01\x7f",
		Indicator: "warning",
		Source:    cards.Source{Label: "x & y <z>"},
		Suggestions: []cards.Suggestion{{Label: "s", Actions: []cards.Action{{
			Type: "update", Description: "d", Resource: json.RawMessage(`{"b":[1,2.50,1e21,0.000001,"x\u003c"],"a":null}`),
		}}}},
	}}}
	same("corners", corner)
}

// segmentio's encoder knows no omitzero tag: encodeResponse must not meet
// one anywhere in a Response.
func TestResponseHasNoOmitzero(t *testing.T) {
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(typ reflect.Type) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice || typ.Kind() == reflect.Array || typ.Kind() == reflect.Map {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct || seen[typ] {
			return
		}
		seen[typ] = true
		for f := range typ.Fields() {
			if strings.Contains(f.Tag.Get("json"), "omitzero") {
				t.Errorf("%s.%s is tagged omitzero, which encodeResponse's encoder ignores", typ, f.Name)
			}
			walk(f.Type)
		}
	}
	walk(reflect.TypeFor[Response]())
	if len(seen) < 4 {
		t.Fatalf("walked only %d struct types", len(seen))
	}
}
