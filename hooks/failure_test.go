package hooks

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/fhir"
	"jakguard/internal/syncbuf"
)

// When the FHIR server misbehaves, the service still answers within its
// deadline: 412 when the Patient cannot be had, cards otherwise.
func TestFallbackFailuresAnswerWithinDeadline(t *testing.T) {
	const upa = "testdata/requests/order-select-upadacitinib.json"
	bundle := `{"resourceType":"Bundle","type":"searchset","entry":[]}`
	cases := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"slow past the deadline", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		}},
		{"500", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) }},
		{"401", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", 401) }},
		{"malformed JSON", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"resourceType":"Bundle",`)) }},
		{"next loop", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"resourceType":"Bundle","type":"searchset","link":[{"relation":"next","url":"` + "https://" + r.Host + r.URL.String() + `"}],"entry":[]}`))
		}},
		{"empty but fine", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(bundle)) }},
	}
	const deadline = 700 * time.Millisecond
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewTLSServer(tc.handler)
			defer srv.Close()
			s := newTestServer(t, serverOpts{deadline: deadline, noStore: true})
			s.fhir = fhir.NewClient(fhir.ClientConfig{QueryTimeout: 5 * time.Second, PageCap: 5}, srv.Client())
			body := edit(t, upa, func(m map[string]any) {
				m["fhirServer"] = srv.URL
				p := m["prefetch"].(map[string]any)
				delete(p, "patient")
				delete(p, "observations")
			})
			start := time.Now()
			rec := s.do(t, "POST", "/cds-services/order-select", body)
			elapsed := time.Since(start)
			// A bound loose enough for a loaded CI machine, tight enough to
			// catch a fetch that ignores the deadline (10 s).
			assert.Less(t, elapsed, deadline+3*time.Second)
			// Every case ends without a Patient resource (the last one answers
			// an empty Bundle even to the Patient read): 412.
			require.Equal(t, 412, rec.Code, rec.Body.String())
			assert.Contains(t, rec.Body.String(), "patient")
		})
	}
}

// Logs never hold patient data, tokens or JWTs, at any level, whatever
// happens to the call (success, fallback failure, malformed resources).
func TestLogsHoldNoPatientDataOrTokens(t *testing.T) {
	var logs syncbuf.Buffer
	s := newTestServer(t, serverOpts{noStore: true})
	s.logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s.echo = s.routes()
	st := newStubFHIR(t, nil) // answers 404 OperationOutcome to everything
	withServer(t, s, st)
	const secret = "tok-SECRET-4711"
	body := edit(t, "testdata/requests/order-select-upadacitinib.json", func(m map[string]any) {
		m["fhirServer"] = st.URL + "/fhir"
		m["fhirAuthorization"] = map[string]any{"access_token": secret, "token_type": "Bearer", "expires_in": 300, "scope": "patient/*.read", "subject": "x"}
		p := m["prefetch"].(map[string]any)
		pat := p["patient"].(map[string]any)
		pat["name"] = []any{map[string]any{"family": "Zyxwvutsrq", "given": []any{"Qwertyuiop"}}}
		delete(p, "observations")
		c := p["conditions"].(map[string]any)
		c["entry"] = append(c["entry"].([]any), map[string]any{"resource": map[string]any{"resourceType": "Condition", "id": "bad", "code": "Zyxwvutsrq-in-a-bad-field"}})
	})
	rec := s.do(t, "POST", "/cds-services/order-select", body, "Authorization", "Bearer eyJhbGciOiJFUzM4NCJ9.eyJpc3MiOiJ4In0.c2ln")
	require.Equal(t, 200, rec.Code, rec.Body.String())
	out := logs.String()
	require.NotEmpty(t, out)
	for _, leak := range []string{secret, "pt-upa", "Zyxwvutsrq", "Qwertyuiop", "1959-03-14", "eyJhbGciOiJFUzM4NCJ9"} {
		assert.False(t, strings.Contains(out, leak), "logs contain %q:\n%s", leak, out)
	}
	assert.Contains(t, out, "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea", "hookInstance is logged for correlation")
}
