package hooks

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/cards"
	"jakguard/fhir"
	"jakguard/internal/console"
	"jakguard/internal/outcheck"
	"jakguard/internal/store"
	"jakguard/rules"
)

// testNow is the fixed clock of the protocol tests.
var testNow = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

type testServer struct {
	*Server
	store    store.Store
	recorder *store.Recorder
	// bounded: checkBounded is measuring the service's own time and heap
	// on a hostile body; the output validator is not run on its answer
	// (on an order 9,000 levels deep it would take more than the service).
	bounded bool
}

type serverOpts struct {
	bodyLimit int64
	deadline  time.Duration
	allowHTTP bool
	noStore   bool
	metrics   bool
	// console is the operator console's mode; the zero value (console.Off)
	// becomes TokenAuth with testOperatorToken.
	console console.Mode
	// fhirTransport, when set, carries the FHIR client's requests.
	fhirTransport http.RoundTripper
	// rulesConfig, when set, is a --rules-config file over the defaults.
	rulesConfig string
}

func newTestServer(t testing.TB, o serverOpts) *testServer {
	t.Helper()
	k, err := rules.LoadKnowledge(nil)
	require.NoError(t, err)
	rcfg := rules.DefaultConfig()
	if o.rulesConfig != "" {
		rcfg, err = rules.ParseConfig([]byte(o.rulesConfig), rcfg)
		require.NoError(t, err)
	}
	engine, err := rules.NewEngine(k, rcfg)
	require.NoError(t, err)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	d := Deps{
		Engine: engine,
		FHIR:   fhir.NewClient(fhir.ClientConfig{AllowHTTP: o.allowHTTP, QueryTimeout: 2 * time.Second, PageCap: 5}, &http.Client{Transport: o.fhirTransport}),
		Logger: logger,
		Now:    func() time.Time { return testNow },
	}
	var n atomic.Int64
	d.NewUUID = func() string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n.Add(1)) }
	if !o.noStore {
		st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "fb.db"), logger)
		require.NoError(t, err)
		t.Cleanup(func() { st.Close() })
		d.Store = st
		d.Recorder = store.NewRecorder(st, logger, store.RecorderConfig{Queue: 64})
		t.Cleanup(func() { d.Recorder.Close(context.Background()) })
		d.AuditKey, err = store.NewAuditKey([]byte(testAuditKey))
		require.NoError(t, err)
	}
	if o.metrics {
		d.Metrics = NewMetrics(prometheus.NewRegistry())
	}
	cfg := Config{BodyLimit: o.bodyLimit, Deadline: o.deadline, OperatorMode: o.console}
	if o.console == console.Off {
		cfg.OperatorMode = console.TokenAuth
		cfg.OperatorTokens, err = console.ParseTokens([]byte(testOperatorToken))
		require.NoError(t, err)
	}
	s, err := NewServer(cfg, d)
	require.NoError(t, err)
	return &testServer{Server: s, store: d.Store, recorder: d.Recorder}
}

// testOperatorToken is the operator token of the test servers' console.
const testOperatorToken = "test-operator-token-0123456789abcdef"

// operator is the Authorization header of an operator call, for do.
var operator = []string{"Authorization", "Bearer " + testOperatorToken}

// testAuditKey is the site secret of the test servers' audit trail.
const testAuditKey = "test-audit-key-0123456789abcdef-0123456789"

// do sends one request and checks the protocol invariants of every answer:
// CORS header on every real answer, OperationOutcome on every non-2xx but
// 401, and for hook answers the card invariants.
func (s *testServer) do(t testing.TB, method, path string, body []byte, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", "https://sandbox.cds-hooks.org")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if strings.HasPrefix(path, "/console") || strings.HasPrefix(path, "/analytics/") {
		// Operator endpoints: no CORS, their own JSON errors.
		assert.Empty(t, rec.Header().Get("Access-Control-Allow-Origin"), "no CORS on %s", path)
		assert.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))
		return rec
	}
	assert.NotEmpty(t, rec.Header().Get("Access-Control-Allow-Origin"), "CORS header on %s %s (%d)", method, path, rec.Code)
	switch {
	case rec.Code == http.StatusUnauthorized:
		assert.Empty(t, rec.Body.String(), "401 carries no detail")
	case rec.Code >= 300:
		var oo OperationOutcome
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &oo), "error body is JSON: %s", rec.Body.String())
		assert.Equal(t, "OperationOutcome", oo.ResourceType)
		require.NotEmpty(t, oo.Issue)
		assert.NotEmpty(t, oo.Issue[0].Diagnostics)
		assert.NoError(t, outcheck.OperationOutcome(rec.Body.Bytes()), "error body an EHR would reject: %s", rec.Body.String())
	case method == http.MethodGet && path == "/cds-services":
		assert.NoError(t, outcheck.Discovery(rec.Body.Bytes()), "discovery: %s", rec.Body.String())
	case method == http.MethodPost && strings.HasPrefix(path, "/cds-services/") && !strings.HasSuffix(path, "/feedback"):
		checkResponse(t, rec.Body.Bytes())
		// What an EHR receives: the CDS Hooks shape and every FHIR
		// resource of an action, strictly (internal/outcheck).
		if !s.bounded {
			assert.NoError(t, outcheck.Response(body, rec.Body.Bytes()), "answer an EHR would reject: %s", rec.Body.String())
		}
	}
	return rec
}

// checkResponse walks a hook response: no empty values but "cards": [],
// every card valid, each finding code on exactly one card.
func checkResponse(t testing.TB, body []byte) []cards.Card {
	t.Helper()
	require.NoError(t, cards.CheckEmpty(body), "empty value in %s", body)
	var resp struct {
		Cards []cards.Card `json:"cards"`
	}
	require.NoError(t, json.Unmarshal(body, &resp))
	require.NotNil(t, resp.Cards, "cards is always present")
	seen := map[string]bool{}
	for _, c := range resp.Cards {
		assert.NoError(t, cards.Validate(c))
		assert.Less(t, len([]rune(c.Summary)), 140)
		// The tests using this helper evaluate one order per call, so a
		// finding code appears on one card at most.
		for _, code := range c.Findings() {
			assert.False(t, seen[code], "finding %s on two cards", code)
			seen[code] = true
		}
	}
	return resp.Cards
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", path))
	require.NoError(t, err)
	return b
}

// edit returns the request JSON at path with f applied to its decoded form.
func edit(t testing.TB, path string, f func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(readFile(t, path), &m))
	f(m)
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return b
}

// requireFinding checks that code is reported and that the card holding it
// has the indicator level.
func requireFinding(t testing.TB, cs []cards.Card, code, level string) {
	t.Helper()
	require.Contains(t, codesOf(cs), code)
	for _, c := range cs {
		for _, f := range c.Findings() {
			if f == code {
				assert.Equal(t, level, string(c.Indicator), "indicator of the card with %s", code)
			}
		}
	}
}

func codesOf(cs []cards.Card) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Findings()...)
	}
	return out
}

func TestDiscovery(t *testing.T) {
	s := newTestServer(t, serverOpts{})
	rec := s.do(t, http.MethodGet, "/cds-services", nil)
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Contains(t, rec.Header().Get("Content-Type"), "application/json")
	require.NoError(t, cards.CheckEmpty(rec.Body.Bytes()))
	var d Discovery
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &d))
	hooks := map[string]Service{}
	for _, svc := range d.Services {
		hooks[svc.Hook] = svc
		assert.Equal(t, svc.Hook, svc.ID)
		assert.NotEmpty(t, svc.Title)
		assert.Contains(t, svc.Description, "upadacitinib")
		for key, tmpl := range svc.Prefetch {
			assert.NoError(t, lintTemplate(tmpl, []string{"patientId", "userId", "encounterId"}), "template %s of %s", key, svc.ID)
			if strings.HasPrefix(tmpl, "Observation?") {
				assert.Contains(t, tmpl, "code=", "no unbounded Observation search")
				assert.Contains(t, tmpl, "_count=")
			}
		}
	}
	require.Len(t, hooks, 3)
	for _, key := range []string{"patient", "conditions", "medications", "observations", "immunizations"} {
		assert.Contains(t, hooks[HookOrderSelect].Prefetch, key)
		assert.Contains(t, hooks[HookOrderSign].Prefetch, key)
	}
	// The order templates list the codes of every lab rule.
	obs := hooks[HookOrderSelect].Prefetch["observations"]
	for _, code := range []string{"71773-6", "5196-1", "13955-0", "731-0", "751-8", "718-7", "777-3", "1742-6", "1920-8", "13457-7", "2106-3", "98979-8", "72166-2"} {
		assert.Contains(t, obs, "http://loinc.org|"+code+",", "observations template lists %s", code)
	}
	// Immunizations, like medications, are not filtered by code: a
	// vaccine known only by its name or NDC must reach the rules.
	for _, svc := range hooks {
		assert.Equal(t, "Immunization?patient={{context.patientId}}&_sort=-date&_count=100",
			svc.Prefetch["immunizations"], "%s asks for every immunization", svc.ID)
	}
	// Every status (task 3, contract 6.2): a course ended within 90 days
	// counts, so patient-view asks for ended orders too, newest first.
	assert.NotContains(t, hooks[HookPatientView].Prefetch["medications"], "status=")
	assert.Contains(t, hooks[HookPatientView].Prefetch["medications"], "_sort=-authoredon")
	for _, svc := range hooks {
		assert.Equal(t, "MedicationStatement?patient={{context.patientId}}&_sort=-effective&_count=200",
			svc.Prefetch["medicationStatements"], "%s declares the optional medicationStatements key", svc.ID)
	}
}

func TestStatusCodes(t *testing.T) {
	s := newTestServer(t, serverOpts{bodyLimit: 64 << 10})
	upa := "testdata/requests/order-select-upadacitinib.json"
	big := append([]byte(`{"pad":"`), bytes.Repeat([]byte("x"), 70<<10)...)
	big = append(big, []byte(`"}`)...)
	cases := []struct {
		name   string
		method string
		path   string
		body   []byte
		status int
		says   string
	}{
		{"hook call with a JAK order", "POST", "/cds-services/order-select", readFile(t, upa), 200, ""},
		{"body not JSON", "POST", "/cds-services/order-select", []byte("{not json"), 400, "not a JSON object"},
		{"body a JSON array", "POST", "/cds-services/order-select", []byte("[]"), 400, "not a JSON object"},
		{"prefetch not an object", "POST", "/cds-services/order-select", edit(t, upa, func(m map[string]any) { m["prefetch"] = []any{1} }), 400, "prefetch must be an object"},
		{"hook not a string", "POST", "/cds-services/order-select", edit(t, upa, func(m map[string]any) { m["hook"] = 7 }), 400, "hook must be a string"},
		{"trailing garbage", "POST", "/cds-services/order-select", append(readFile(t, upa), []byte(" x")...), 400, "not a JSON object"},
		{"hook missing", "POST", "/cds-services/order-select", edit(t, upa, func(m map[string]any) { delete(m, "hook") }), 400, "hook is missing"},
		{"hookInstance missing", "POST", "/cds-services/order-select", edit(t, upa, func(m map[string]any) { delete(m, "hookInstance") }), 400, "hookInstance"},
		{"context missing", "POST", "/cds-services/order-select", edit(t, upa, func(m map[string]any) { delete(m, "context") }), 400, "context is missing"},
		{"context not an object", "POST", "/cds-services/order-select", edit(t, upa, func(m map[string]any) { m["context"] = "x" }), 400, "context"},
		{"hook differs from the service's", "POST", "/cds-services/order-sign", readFile(t, upa), 400, "does not match"},
		{"patientId missing", "POST", "/cds-services/order-select", edit(t, upa, func(m map[string]any) { delete(m["context"].(map[string]any), "patientId") }), 400, "patientId"},
		{"draftOrders missing", "POST", "/cds-services/order-select", edit(t, upa, func(m map[string]any) { delete(m["context"].(map[string]any), "draftOrders") }), 400, "draftOrders"},
		{"selections missing on order-select", "POST", "/cds-services/order-select", edit(t, upa, func(m map[string]any) { delete(m["context"].(map[string]any), "selections") }), 400, "selections"},
		{"draftOrders not a Bundle", "POST", "/cds-services/order-select", edit(t, upa, func(m map[string]any) {
			m["context"].(map[string]any)["draftOrders"] = map[string]any{"resourceType": "Patient"}
		}), 400, "draftOrders"},
		{"fhirAuthorization without fhirServer", "POST", "/cds-services/order-select", edit(t, upa, func(m map[string]any) {
			m["fhirAuthorization"] = map[string]any{"access_token": "secret-token", "token_type": "Bearer"}
		}), 400, "fhirServer"},
		{"userId missing is tolerated", "POST", "/cds-services/order-select", edit(t, upa, func(m map[string]any) { delete(m["context"].(map[string]any), "userId") }), 200, ""},
		{"unknown extension is ignored", "POST", "/cds-services/order-select", edit(t, upa, func(m map[string]any) { m["extension"] = map[string]any{"com.example.x": 1} }), 200, ""},
		{"unknown service", "POST", "/cds-services/nope", readFile(t, upa), 404, "unknown CDS service"},
		{"unknown path", "GET", "/nope", nil, 404, "no such endpoint"},
		{"GET on a service", "GET", "/cds-services/order-select", nil, 405, "method"},
		{"patient unobtainable", "POST", "/cds-services/order-select", edit(t, upa, func(m map[string]any) { delete(m["prefetch"].(map[string]any), "patient") }), 412, "patient"},
		{"patient null", "POST", "/cds-services/order-select", edit(t, upa, func(m map[string]any) { m["prefetch"].(map[string]any)["patient"] = nil }), 412, "no Patient resource"},
		{"body over the limit", "POST", "/cds-services/order-select", big, 413, "limit"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := s.do(t, tc.method, tc.path, tc.body)
			require.Equal(t, tc.status, rec.Code, rec.Body.String())
			if tc.says != "" {
				assert.Contains(t, rec.Body.String(), tc.says)
			}
			assert.NotContains(t, rec.Body.String(), "secret-token")
		})
	}
}

// The recorded CDS Hooks Sandbox requests (with their quirks) answer 200.
func TestSandboxFixtures(t *testing.T) {
	s := newTestServer(t, serverOpts{})
	files, err := filepath.Glob("../testdata/sandbox/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	n := 0
	for _, f := range files {
		body, err := os.ReadFile(f)
		require.NoError(t, err)
		var head struct{ Hook string }
		require.NoError(t, json.Unmarshal(body, &head))
		if head.Hook == "" {
			continue // jwks.json
		}
		n++
		t.Run(filepath.Base(f), func(t *testing.T) {
			rec := s.do(t, http.MethodPost, "/cds-services/"+head.Hook, body)
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			// No upadacitinib or abrocitinib in the sandbox's list: no cards.
			assert.JSONEq(t, `{"cards":[]}`, rec.Body.String())
		})
	}
	assert.Equal(t, 5, n)
}

// The sandbox's quirks on a JAK order: draftOrders Bundle without type,
// category and reasonCode as single objects, medicationReference to a
// bundled or a contained Medication.
func TestTolerantDecoding(t *testing.T) {
	s := newTestServer(t, serverOpts{})
	upa := "testdata/requests/order-select-upadacitinib.json"
	order := func(m map[string]any) map[string]any {
		return m["context"].(map[string]any)["draftOrders"].(map[string]any)["entry"].([]any)[0].(map[string]any)["resource"].(map[string]any)
	}
	cases := []struct {
		name string
		f    func(m map[string]any)
	}{
		{"bundle without type", func(m map[string]any) { delete(m["context"].(map[string]any)["draftOrders"].(map[string]any), "type") }},
		{"category and reasonCode as objects", func(m map[string]any) {
			o := order(m)
			o["category"] = map[string]any{"coding": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/medicationrequest-category", "code": "community"}}}
			o["reasonCode"] = map[string]any{"coding": []any{map[string]any{"system": "http://snomed.info/sct", "code": "24079001"}}, "text": "Atopic dermatitis"}
		}},
		{"medicationReference to a bundled Medication", func(m map[string]any) {
			o := order(m)
			delete(o, "medicationCodeableConcept")
			o["medicationReference"] = map[string]any{"reference": "Medication/med-upa"}
			d := m["context"].(map[string]any)["draftOrders"].(map[string]any)
			d["entry"] = append(d["entry"].([]any), map[string]any{"resource": map[string]any{
				"resourceType": "Medication", "id": "med-upa",
				"code": map[string]any{"coding": []any{map[string]any{"system": rules.SystemRxNorm, "code": "2196092", "display": "upadacitinib"}}, "text": "Rinvoq 30 mg"},
			}})
		}},
		{"medicationReference to a contained Medication", func(m map[string]any) {
			o := order(m)
			delete(o, "medicationCodeableConcept")
			o["medicationReference"] = map[string]any{"reference": "#m1"}
			o["contained"] = []any{map[string]any{"resourceType": "Medication", "id": "m1",
				"code": map[string]any{"text": "Rinvoq 30 mg extended-release tablet"}}}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := s.do(t, http.MethodPost, "/cds-services/order-select", edit(t, upa, tc.f))
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			assert.Contains(t, codesOf(checkResponse(t, rec.Body.Bytes())), rules.TBScreeningMissing, "the JAK order was recognised")
		})
	}
	t.Run("one malformed prefetch resource is skipped", func(t *testing.T) {
		body := edit(t, upa, func(m map[string]any) {
			c := m["prefetch"].(map[string]any)["conditions"].(map[string]any)
			c["entry"] = append(c["entry"].([]any), map[string]any{"resource": map[string]any{"resourceType": "Condition", "id": 7, "code": "not-a-codeable-concept"}})
		})
		rec := s.do(t, http.MethodPost, "/cds-services/order-select", body)
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		assert.Contains(t, codesOf(checkResponse(t, rec.Body.Bytes())), rules.CardiovascularRisk, "the sibling hypertension condition still counts")
	})
}

// Only the selected orders are evaluated on order-select; order-sign
// evaluates every JAK order whatever its status.
func TestWhichOrders(t *testing.T) {
	s := newTestServer(t, serverOpts{})
	upa := "testdata/requests/order-select-upadacitinib.json"
	t.Run("order-select ignores an unselected JAK order", func(t *testing.T) {
		body := edit(t, upa, func(m map[string]any) {
			addDraft(m, "other")
			m["context"].(map[string]any)["selections"] = []any{"MedicationRequest/other"}
		})
		rec := s.do(t, http.MethodPost, "/cds-services/order-select", body)
		require.Equal(t, http.StatusOK, rec.Code)
		assert.JSONEq(t, `{"cards":[]}`, rec.Body.String())
	})
	t.Run("order-sign evaluates a non-draft JAK order", func(t *testing.T) {
		body := edit(t, upa, func(m map[string]any) {
			m["hook"] = "order-sign"
			ctx := m["context"].(map[string]any)
			delete(ctx, "selections")
			ctx["draftOrders"].(map[string]any)["entry"].([]any)[0].(map[string]any)["resource"].(map[string]any)["status"] = "active"
		})
		rec := s.do(t, http.MethodPost, "/cds-services/order-sign", body)
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		assert.Contains(t, codesOf(checkResponse(t, rec.Body.Bytes())), rules.TBScreeningMissing)
	})
}

func TestCORS(t *testing.T) {
	s := newTestServer(t, serverOpts{})
	for _, path := range []string{"/cds-services", "/cds-services/order-select", "/cds-services/order-select/feedback"} {
		t.Run("preflight "+path, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodOptions, path, nil)
			req.Header.Set("Origin", "https://sandbox.cds-hooks.org")
			req.Header.Set("Access-Control-Request-Method", "POST")
			req.Header.Set("Access-Control-Request-Headers", "authorization,content-type")
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			assert.Equal(t, http.StatusNoContent, rec.Code)
			allow := strings.ToLower(rec.Header().Get("Access-Control-Allow-Headers"))
			assert.Contains(t, allow, "authorization")
			assert.Contains(t, allow, "content-type")
			for _, m := range []string{"GET", "POST", "OPTIONS"} {
				assert.Contains(t, rec.Header().Get("Access-Control-Allow-Methods"), m)
			}
			assert.Equal(t, "*", rec.Header().Get("Access-Control-Allow-Origin"))
		})
	}
}

func TestHealth(t *testing.T) {
	s := newTestServer(t, serverOpts{})
	assert.Equal(t, http.StatusOK, s.do(t, "GET", "/healthz", nil).Code)
	assert.Equal(t, http.StatusOK, s.do(t, "GET", "/readyz", nil).Code)
	s.SetReady(false)
	assert.Equal(t, http.StatusServiceUnavailable, s.do(t, "GET", "/readyz", nil).Code)
	s.SetReady(true)
	require.NoError(t, s.store.Close())
	assert.Equal(t, http.StatusServiceUnavailable, s.do(t, "GET", "/readyz", nil).Code, "readiness fails while the store is unreachable")
}

// With --cors-origins set, only those origins get CORS headers.
func TestCORSAllowList(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	s.cfg.CORSOrigins = []string{"https://ehr.example.org"}
	s.echo = s.routes()
	for origin, allowed := range map[string]bool{"https://ehr.example.org": true, "https://evil.example": false} {
		req := httptest.NewRequest(http.MethodOptions, "/cds-services/order-select", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization,content-type")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if allowed {
			assert.Equal(t, origin, rec.Header().Get("Access-Control-Allow-Origin"))
		} else {
			assert.Empty(t, rec.Header().Get("Access-Control-Allow-Origin"), origin)
		}
	}
}

// A hook answer is sent with its length, not chunked, from a pooled
// buffer: answers on one keep-alive connection, a large one then a small
// one, are each exactly the answer the hook path gives in process.
func TestAnswerSentWithItsLength(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	srv := httptest.NewServer(s)
	defer srv.Close()
	for _, call := range []struct{ service, file string }{
		{"order-select", "testdata/requests/order-select-upadacitinib.json"},
		{"patient-view", "testdata/requests/patient-view-abrocitinib.json"},
		{"order-select", "testdata/requests/order-select-methotrexate.json"},
		{"order-select", "testdata/requests/order-select-upadacitinib.json"},
	} {
		body := readFile(t, call.file)
		want, err := s.Evaluate(context.Background(), call.service, body)
		require.NoError(t, err)
		resp, err := srv.Client().Post(srv.URL+"/cds-services/"+call.service, "application/json", bytes.NewReader(body))
		require.NoError(t, err)
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", got)
		assert.Equal(t, int64(len(got)), resp.ContentLength, call.file)
		assert.Empty(t, resp.TransferEncoding, call.file)
		assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
		uuids := regexp.MustCompile(`"uuid":"[0-9a-f-]{36}"`) // a new one each time
		assert.Equal(t, uuids.ReplaceAllString(string(want), `"uuid":"u"`), uuids.ReplaceAllString(string(got), `"uuid":"u"`), call.file)
	}
}
