package hooks

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"jakguard/internal/auth"
)

// stdEncodeJSON is encodeJSON written with encoding/json's encoder.
func stdEncodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// encodeJSON writes with segmentio's encoder what encoding/json writes,
// byte for byte: every answer to the requests of the test data (through
// every service that answers them), the discovery document, and values at
// the corners where encoders differ. (A json.RawMessage is compact in every
// answer, as jakguard marshals it; segmentio's encoder would not compact
// one that was not.)
func TestEncodeJSONMatchesEncodingJSON(t *testing.T) {
	same := func(what string, v any) {
		t.Helper()
		got, err := encodeJSON(v)
		require.NoError(t, err, what)
		want, err := stdEncodeJSON(v)
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
	answered, cards := 0, 0
	for _, f := range files {
		body, err := os.ReadFile(f)
		require.NoError(t, err)
		for id, svc := range s.services {
			out, _, err := s.evaluate(t.Context(), svc, body, auth.Caller{})
			if err != nil {
				continue
			}
			answered++
			cards += len(out.Cards)
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
		cards += len(resp.Cards)
		same(filepath.Base(f), &resp)
	}
	if answered < 8 || cards < 12 {
		t.Fatalf("only %d answers with %d cards compared", answered, cards)
	}
	same("discovery", Discovery{Services: services(s.engine.Knowledge())})
	same("corners", map[string]any{
		"html":    "<b> & </b> \u003c",
		"lines":   "a\u2028b\u2029c\n\t\x01\x7f",
		"utf8":    "bad \xff utf8, café, 😀",
		"raw":     json.RawMessage(`{"b":[1,2.50,"x\u003c"],"a":null}`),
		"numbers": []any{0.000001, 1e21, 123456789.0, -0.0, 3.0, 1.5, 0.1 + 0.2, 1e-7, 15},
		"empty":   []string{},
		"nil":     []string(nil),
		"nested":  map[string]any{"z": 1, "a": []any{true, nil, "s"}},
	})
}
