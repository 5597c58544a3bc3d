package hooks

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/internal/console"
	"jakguard/internal/store"
	"jakguard/rules"
)

// Operator tokens and EHR JWTs each open only their own endpoints
// (contract 6.7).
func TestOperatorAndEHRCredentialsAreSeparate(t *testing.T) {
	s, key := authServer(t)
	base := "http://127.0.0.1:8080"
	upa := readFile(t, "testdata/requests/order-select-upadacitinib.json")
	bearer := func(tok string) []string { return []string{"Authorization", "Bearer " + tok} }
	t.Run("an EHR's valid JWT is refused on every operator endpoint", func(t *testing.T) {
		for _, p := range []string{"/console/api/findings", "/analytics/findings", "/console/api/audit", "/console/api/rules", "/console/api/requests"} {
			rec := s.do(t, "GET", p, nil, bearer(token(t, key, base+p, nil))...)
			assert.Equal(t, http.StatusUnauthorized, rec.Code, p)
			assert.Contains(t, rec.Header().Get("WWW-Authenticate"), "Bearer", p)
		}
		rec := s.do(t, "POST", "/console/api/preview/order-select", upa, bearer(token(t, key, base+"/console/api/preview/order-select", nil))...)
		assert.Equal(t, http.StatusUnauthorized, rec.Code)
	})
	t.Run("the operator token opens the operator endpoints", func(t *testing.T) {
		for _, p := range []string{"/console/api/findings", "/analytics/findings", "/console/api/audit", "/console/api/rules", "/console/api/requests"} {
			rec := s.do(t, "GET", p, nil, operator...)
			assert.Equal(t, http.StatusOK, rec.Code, p)
			assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"), p)
		}
	})
	t.Run("the operator token is refused on hook, feedback and discovery endpoints", func(t *testing.T) {
		assert.Equal(t, 401, s.do(t, "GET", "/cds-services", nil, operator...).Code)
		assert.Equal(t, 401, s.do(t, "POST", "/cds-services/order-select", upa, operator...).Code)
		assert.Equal(t, 401, s.do(t, "POST", "/cds-services/order-select/feedback", []byte(`{"feedback":[]}`), operator...).Code)
	})
	t.Run("even without EHR authentication, the operator token is refused on EHR endpoints", func(t *testing.T) {
		open := newTestServer(t, serverOpts{})
		assert.Equal(t, 200, open.do(t, "GET", "/cds-services", nil).Code, "unauthenticated development server")
		assert.Equal(t, 401, open.do(t, "GET", "/cds-services", nil, operator...).Code)
		assert.Equal(t, 401, open.do(t, "POST", "/cds-services/order-select", upa, operator...).Code)
	})
	t.Run("no token, a wrong token, and a token of another scheme are refused", func(t *testing.T) {
		assert.Equal(t, 401, s.do(t, "GET", "/console/api/findings", nil).Code)
		assert.Equal(t, 401, s.do(t, "GET", "/console/api/findings", nil, bearer(testOperatorToken+"x")...).Code)
		assert.Equal(t, 401, s.do(t, "GET", "/console/api/findings", nil, "Authorization", "Basic "+testOperatorToken).Code)
	})
}

// Without --operator-token-file the operator endpoints answer 404, except
// on a loopback developer server (console.Open), which serves only
// requests naming a loopback host.
func TestConsoleModes(t *testing.T) {
	paths := []string{"/console/", "/console/api/findings", "/analytics/findings", "/console/api/audit", "/console/api/rules"}
	get := func(s *testServer, host, path string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", path, nil)
		req.Host = host
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		return rec
	}
	off := newTestServer(t, serverOpts{console: console.Off})
	off.cfg.OperatorMode = console.Off
	var err error
	off.console, err = console.New(console.Config{Mode: console.Off, Engine: off.engine, Preview: off.Preview})
	require.NoError(t, err)
	off.echo = off.routes()
	for _, p := range paths {
		assert.Equal(t, http.StatusNotFound, get(off, "127.0.0.1:8080", p).Code, "off: %s", p)
	}
	open := newTestServer(t, serverOpts{console: console.Open})
	for _, p := range paths {
		for _, host := range []string{"127.0.0.1:8080", "localhost:8080", "[::1]:8080"} {
			assert.Equal(t, http.StatusOK, get(open, host, p).Code, "open: %s on %s", p, host)
		}
		assert.Equal(t, http.StatusForbidden, get(open, "jakguard.example.org", p).Code, "open: %s for a non-loopback Host (DNS rebinding)", p)
	}
}

// The page: served to anyone when the API needs a token (it holds no
// data), with the security headers; the assets are embedded.
func TestConsolePage(t *testing.T) {
	s := newTestServer(t, serverOpts{})
	rec := s.do(t, "GET", "/console/", nil)
	require.Equal(t, 200, rec.Code)
	assert.Contains(t, rec.Header().Get("Content-Type"), "text/html")
	csp := rec.Header().Get("Content-Security-Policy")
	assert.Contains(t, csp, "default-src 'self'")
	assert.Contains(t, csp, "script-src 'self'")
	assert.Contains(t, csp, "frame-ancestors 'none'")
	assert.NotContains(t, csp, "unsafe-inline")
	assert.Equal(t, "DENY", rec.Header().Get("X-Frame-Options"))
	assert.Contains(t, rec.Body.String(), `<script src="/console/assets/app.js"`)
	assert.NotContains(t, rec.Body.String(), "<script>", "no inline script")
	assert.NotContains(t, rec.Body.String(), "http", "nothing loaded from elsewhere (no CDN)")
	for p, ct := range map[string]string{"/console/assets/app.js": "javascript", "/console/assets/app.css": "text/css"} {
		rec := s.do(t, "GET", p, nil)
		require.Equal(t, 200, rec.Code, p)
		assert.Contains(t, rec.Header().Get("Content-Type"), ct)
	}
	assert.Equal(t, 404, s.do(t, "GET", "/console/assets/nothing.js", nil).Code)
	assert.Equal(t, http.StatusMovedPermanently, s.do(t, "GET", "/console", nil).Code)
}

func decodeJSON[T any](t *testing.T, rec *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &v), rec.Body.String())
	return v
}

// The audit API finds calls by hookInstance and by patient id (hashed on
// the server), newest first, with the fields of contract 6.7.
func TestConsoleAudit(t *testing.T) {
	s := newTestServer(t, serverOpts{})
	upa := readFile(t, "testdata/requests/order-select-upadacitinib.json")
	abro := readFile(t, "testdata/requests/order-sign-abrocitinib.json")
	require.Equal(t, 200, s.do(t, "POST", "/cds-services/order-select", upa).Code)
	require.Equal(t, 200, s.do(t, "POST", "/cds-services/order-sign", abro).Code)
	require.NoError(t, s.recorder.Close(context.Background()))
	var head struct {
		HookInstance string `json:"hookInstance"`
	}
	require.NoError(t, json.Unmarshal(upa, &head))

	type calls struct {
		Calls []store.AuditRecord `json:"calls"`
	}
	rec := s.do(t, "GET", "/console/api/audit?since=24h&hookInstance="+head.HookInstance, nil, operator...)
	require.Equal(t, 200, rec.Code, rec.Body.String())
	assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
	got := decodeJSON[calls](t, rec).Calls
	require.Len(t, got, 1)
	c := got[0]
	assert.Equal(t, "order-select", c.Service)
	assert.Equal(t, 200, c.Status)
	assert.Contains(t, c.Findings, "tb-screening-missing")
	assert.NotEmpty(t, c.Summaries)
	assert.Equal(t, "prefetch", c.Sources["patient"])
	assert.NotEmpty(t, c.KBRevision)
	assert.NotEmpty(t, c.ConfigHash)
	for _, key := range []string{`"time"`, `"service"`, `"hookInstance"`, `"client"`, `"patientHash"`, `"findings"`, `"summaries"`, `"kbRevision"`, `"configHash"`, `"sources"`, `"status"`, `"latencyMs"`} {
		assert.Contains(t, rec.Body.String(), key)
	}
	assert.NotContains(t, rec.Body.String(), "pt-upa", "the patient id is never in the audit trail")

	rec = s.do(t, "GET", "/console/api/audit?since=24h&patient=pt-upa", nil, operator...)
	require.Equal(t, 200, rec.Code)
	byPatient := decodeJSON[calls](t, rec).Calls
	require.Len(t, byPatient, 1)
	assert.Equal(t, head.HookInstance, byPatient[0].HookInstance)
	assert.Empty(t, decodeJSON[calls](t, s.do(t, "GET", "/console/api/audit?patient=pt-nobody", nil, operator...)).Calls)

	all := decodeJSON[calls](t, s.do(t, "GET", "/console/api/audit", nil, operator...)).Calls
	require.Len(t, all, 2)
	assert.Equal(t, "order-sign", all[0].Service, "newest first")

	for _, bad := range []string{"since=nonsense", "since=-1h", "since=0", "limit=x"} {
		assert.Equal(t, 400, s.do(t, "GET", "/console/api/audit?"+bad, nil, operator...).Code, bad)
	}
}

// The findings API: the report with its weekly series, narrowed by service,
// and as CSV.
func TestConsoleFindings(t *testing.T) {
	s := newTestServer(t, serverOpts{})
	require.Equal(t, 200, s.do(t, "POST", "/cds-services/order-select", readFile(t, "testdata/requests/order-select-upadacitinib.json")).Code)
	require.Equal(t, 200, s.do(t, "POST", "/cds-services/order-sign", readFile(t, "testdata/requests/order-sign-abrocitinib.json")).Code)
	require.NoError(t, s.recorder.Close(context.Background()))

	rec := s.do(t, "GET", "/console/api/findings?since=720h", nil, operator...)
	require.Equal(t, 200, rec.Code, rec.Body.String())
	a := decodeJSON[store.Analytics](t, rec)
	require.NotEmpty(t, a.Findings)
	require.NotEmpty(t, a.Weekly)
	week := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC) // testNow is Sunday 11-29
	for _, fw := range a.Weekly {
		require.Len(t, fw.Weeks, 1, fw.Code)
		assert.Equal(t, week, fw.Weeks[0].Week)
	}
	rep, err := s.store.Report(context.Background(), testNow.Add(-720*time.Hour))
	require.NoError(t, err)
	assert.Equal(t, rep.Findings, a.Findings, "the console's numbers are the report's")

	sign := decodeJSON[store.Analytics](t, s.do(t, "GET", "/console/api/findings?since=720h&service=order-sign", nil, operator...))
	assert.Equal(t, "order-sign", sign.Service)
	require.NotEmpty(t, sign.Findings)
	assert.Less(t, len(sign.Findings), len(a.Findings))
	for _, f := range sign.Findings {
		assert.NotEqual(t, "tb-screening-missing", f.Code, "the upadacitinib order-select call is left out")
	}

	rec = s.do(t, "GET", "/console/api/findings?format=csv", nil, operator...)
	require.Equal(t, 200, rec.Code)
	assert.Contains(t, rec.Header().Get("Content-Type"), "text/csv")
	assert.True(t, strings.HasPrefix(rec.Body.String(), "code,shown,feedback,accepted,overridden,override_rate"))
	assert.Equal(t, 400, s.do(t, "GET", "/console/api/findings?since=soon", nil, operator...).Code)
}

// A preview answers what the hook would, and leaves no trace: no card or
// audit record, no card metric; and it never calls fhirServer.
func TestConsolePreview(t *testing.T) {
	s := newTestServer(t, serverOpts{metrics: true})
	var hits atomic.Int32
	fhirSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(500)
	}))
	defer fhirSrv.Close()

	abro := readFile(t, "testdata/requests/order-sign-abrocitinib.json")
	rec := s.do(t, "POST", "/console/api/preview/order-sign", abro, operator...)
	require.Equal(t, 200, rec.Code, rec.Body.String())
	assert.NotContains(t, s.do(t, "GET", "/metrics", nil).Body.String(), "jakguard_cards_total{", "no card metric for a preview")
	hookAnswer := s.do(t, "POST", "/cds-services/order-sign", abro)
	uuids := regexp.MustCompile(`"uuid":"[^"]*"`)
	assert.Equal(t, uuids.ReplaceAllString(hookAnswer.Body.String(), ""), uuids.ReplaceAllString(rec.Body.String(), ""),
		"the preview is the hook's answer (but for the card uuids)")
	// Only the hook call above is recorded.
	require.NoError(t, s.recorder.Close(context.Background()))
	audit, err := s.store.Audit(context.Background(), store.AuditQuery{})
	require.NoError(t, err)
	assert.Len(t, audit, 1, "the preview is not audited")
	rep, err := s.store.Report(context.Background(), time.Time{})
	require.NoError(t, err)
	for _, f := range rep.Findings {
		assert.Equal(t, 1, f.Shown, "%s: the preview's cards are not recorded", f.Code)
	}

	// A request naming a fhirServer (with a token) and missing keys: the
	// preview does not call it, and says so.
	without := func(key string) []byte {
		var req map[string]any
		require.NoError(t, json.Unmarshal(abro, &req))
		delete(req["prefetch"].(map[string]any), key)
		req["fhirServer"] = fhirSrv.URL
		req["fhirAuthorization"] = map[string]any{"access_token": "secret", "token_type": "Bearer", "expires_in": 300, "scope": "patient/*.read", "subject": "jakguard"}
		b, err := json.Marshal(req)
		require.NoError(t, err)
		return b
	}
	rec = s.do(t, "POST", "/console/api/preview/order-sign", without("patient"), operator...)
	assert.Equal(t, http.StatusPreconditionFailed, rec.Code)
	assert.Contains(t, rec.Body.String(), "never calls fhirServer")
	rec = s.do(t, "POST", "/console/api/preview/order-sign", without("observations"), operator...)
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Contains(t, rec.Body.String(), "Could not be checked: lab results")
	assert.Equal(t, int32(0), hits.Load(), "fhirServer was called")

	rec = s.do(t, "POST", "/console/api/preview/no-such-service", abro, operator...)
	assert.Equal(t, 404, rec.Code)
	assert.Contains(t, rec.Body.String(), "OperationOutcome")
	rec = s.do(t, "POST", "/console/api/preview/order-sign", abro, "Content-Type", "text/plain", operator[0], operator[1])
	assert.Equal(t, http.StatusUnsupportedMediaType, rec.Code)
}

// The rules API lists every rule of the running engine with its codes,
// limits, sources and grade.
func TestConsoleRules(t *testing.T) {
	s := newTestServer(t, serverOpts{})
	rec := s.do(t, "GET", "/console/api/rules", nil, operator...)
	require.Equal(t, 200, rec.Code)
	cat := decodeJSON[console.Catalogue](t, rec)
	codes := map[string]bool{}
	for _, r := range cat.Rules {
		codes[r.Code] = true
		assert.NotEmpty(t, r.Level, r.Code)
		assert.NotEmpty(t, r.Sources, r.Code)
		for _, id := range r.ValueSets {
			assert.Contains(t, cat.ValueSets, id, r.Code)
		}
	}
	for _, code := range rules.FindingCodes() {
		assert.True(t, codes[code], "%s is in the catalogue", code)
	}
	assert.Equal(t, s.engine.Knowledge().Revision(), cat.Revision)
	assert.Len(t, cat.Rules, len(s.engine.Catalogue()))
}

// The bundled requests are offered for preview and each previews without
// error.
func TestConsoleBundledRequests(t *testing.T) {
	s := newTestServer(t, serverOpts{})
	var list struct {
		Requests []struct{ Name, Service string } `json:"requests"`
	}
	list = decodeJSON[struct {
		Requests []struct{ Name, Service string } `json:"requests"`
	}](t, s.do(t, "GET", "/console/api/requests", nil, operator...))
	require.GreaterOrEqual(t, len(list.Requests), 3)
	for _, r := range list.Requests {
		rec := s.do(t, "GET", "/console/api/requests/"+r.Name, nil, operator...)
		require.Equal(t, 200, rec.Code, r.Name)
		prev := s.do(t, "POST", "/console/api/preview/"+r.Service, rec.Body.Bytes(), operator...)
		assert.Equal(t, 200, prev.Code, fmt.Sprintf("%s: %s", r.Name, prev.Body.String()))
		assert.Contains(t, prev.Body.String(), `"indicator"`, r.Name)
	}
	assert.Equal(t, 404, s.do(t, "GET", "/console/api/requests/nothing", nil, operator...).Code)
}

// Hostile or malformed search parameters answer a clear 400, never a 503
// that reads as an outage (PostgreSQL refuses invalid UTF-8 and NUL) nor
// an empty answer that reads as "nothing happened" (a misspelt service);
// SQL in a parameter is a value; a hookInstance longer than the audit
// trail keeps is searched for as it was kept.
func TestConsoleHostileParameters(t *testing.T) {
	s := newTestServer(t, serverOpts{})
	long := "urn:uuid:" + strings.Repeat("é", 150) // 309 bytes; kept cut to 128 on a character boundary
	upa := edit(t, "testdata/requests/order-select-upadacitinib.json", func(m map[string]any) { m["hookInstance"] = long })
	require.Equal(t, 200, s.do(t, "POST", "/cds-services/order-select", upa).Code)
	require.NoError(t, s.recorder.Close(context.Background()))

	type calls struct {
		Calls []store.AuditRecord `json:"calls"`
	}
	rec := s.do(t, "GET", "/console/api/audit?hookInstance="+url.QueryEscape(long), nil, operator...)
	require.Equal(t, 200, rec.Code, rec.Body.String())
	assert.Len(t, decodeJSON[calls](t, rec).Calls, 1, "the call is found by the hookInstance the EHR sent")

	for _, q := range []string{"' OR '1'='1", "x' OR 1=1 --", `"; DROP TABLE audit; --`} {
		rec := s.do(t, "GET", "/console/api/audit?hookInstance="+url.QueryEscape(q), nil, operator...)
		require.Equal(t, 200, rec.Code, q)
		assert.Empty(t, decodeJSON[calls](t, rec).Calls, q)
		rec = s.do(t, "GET", "/console/api/audit?patient="+url.QueryEscape(q), nil, operator...)
		require.Equal(t, 200, rec.Code, q)
		assert.Empty(t, decodeJSON[calls](t, rec).Calls, q)
	}
	assert.Len(t, decodeJSON[calls](t, s.do(t, "GET", "/console/api/audit", nil, operator...)).Calls, 1, "the audit table is still there")

	for _, bad := range []string{
		"/console/api/audit?hookInstance=%FF%FE", "/console/api/audit?hookInstance=a%00b", "/console/api/audit?hookInstance=a%0Ab",
		"/console/api/audit?patient=%FF", "/console/api/audit?patient=pt%00",
		"/console/api/findings?service=%FF", "/console/api/findings?service=order-select%00", "/console/api/findings?service=order-sing",
		"/analytics/findings?service=nothing", "/console/api/findings?since=1e9d", "/console/api/audit?limit=-1",
	} {
		rec := s.do(t, "GET", bad, nil, operator...)
		assert.Equal(t, http.StatusBadRequest, rec.Code, "%s: %s", bad, rec.Body.String())
		assert.Contains(t, rec.Body.String(), `"error"`, bad)
	}
}

// POST /console/api/audit is the GET search with its parameters in a JSON
// body, so that the page never puts a patient id in a URL (access logs of
// proxies and ingresses); it needs the operator token, refuses a
// cross-site form post (415), and says how many calls at most it answers.
func TestConsoleAuditPost(t *testing.T) {
	s := newTestServer(t, serverOpts{})
	require.Equal(t, 200, s.do(t, "POST", "/cds-services/order-select", readFile(t, "testdata/requests/order-select-upadacitinib.json")).Code)
	require.Equal(t, 200, s.do(t, "POST", "/cds-services/order-sign", readFile(t, "testdata/requests/order-sign-abrocitinib.json")).Code)
	require.NoError(t, s.recorder.Close(context.Background()))
	type answer struct {
		Calls []store.AuditRecord `json:"calls"`
		Limit int                 `json:"limit"`
	}
	rec := s.do(t, "POST", "/console/api/audit", []byte(`{"since":"24h","patient":"pt-upa"}`), operator...)
	require.Equal(t, 200, rec.Code, rec.Body.String())
	assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
	got := decodeJSON[answer](t, rec)
	require.Len(t, got.Calls, 1)
	assert.Equal(t, "order-select", got.Calls[0].Service)
	assert.Equal(t, store.DefaultAuditLimit, got.Limit)
	get := decodeJSON[answer](t, s.do(t, "GET", "/console/api/audit?since=24h&patient=pt-upa", nil, operator...))
	assert.Equal(t, got, get, "the same answer as the GET search")
	assert.Equal(t, 1, decodeJSON[answer](t, s.do(t, "POST", "/console/api/audit", []byte(`{"limit":1}`), operator...)).Limit)
	assert.Len(t, decodeJSON[answer](t, s.do(t, "POST", "/console/api/audit", []byte(`{"limit":1}`), operator...)).Calls, 1)
	assert.Equal(t, store.MaxAuditLimit, decodeJSON[answer](t, s.do(t, "POST", "/console/api/audit", []byte(`{"limit":100000}`), operator...)).Limit)

	assert.Equal(t, http.StatusUnauthorized, s.do(t, "POST", "/console/api/audit", []byte(`{}`)).Code)
	assert.Equal(t, http.StatusUnauthorized, s.do(t, "POST", "/console/api/audit", []byte(`{}`), "Authorization", "Bearer wrong-"+testOperatorToken).Code)
	for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"} {
		assert.Equal(t, http.StatusUnsupportedMediaType, s.do(t, "POST", "/console/api/audit", []byte(`{}`), "Content-Type", ct, operator[0], operator[1]).Code, ct)
	}
	for _, bad := range []string{`[]`, `{"patient":1}`, `{"limit":"x"}`, `{"limit":-1}`, `{"since":"soon"}`, `{"patient":"a\u0000"}`, `{"other":1}`, `not json`,
		// Strict, as the hooks' decoder: a second value, a member name in
		// another case, a name twice (which search ran?), invalid UTF-8.
		`{"patient":"pt-upa"} {"patient":"pt-abro"}`, `{"PATIENT":"pt-upa"}`, `{"patient":"pt-upa","patient":"pt-abro"}`, "{\"patient\":\"pt-\xff\"}"} {
		assert.Equal(t, http.StatusBadRequest, s.do(t, "POST", "/console/api/audit", []byte(bad), operator...).Code, bad)
	}
	assert.Equal(t, http.StatusRequestEntityTooLarge, s.do(t, "POST", "/console/api/audit", []byte(`{"patient":"`+strings.Repeat("x", 20<<10)+`"}`), operator...).Code)
}

// Every answer of an operator path, refusals and errors included, carries
// the browser defences; a preflight from another origin gets no CORS
// grant; a token in the query string (where it would land in access logs)
// opens nothing.
func TestConsoleHeadersOnEveryAnswer(t *testing.T) {
	s := newTestServer(t, serverOpts{})
	upa := readFile(t, "testdata/requests/order-select-upadacitinib.json")
	for _, tc := range []struct {
		method, path string
		body         []byte
		hdr          []string
		status       int
	}{
		{"GET", "/console/", nil, nil, 200},
		{"GET", "/console/assets/app.js", nil, nil, 200},
		{"GET", "/console/api/findings", nil, operator, 200},
		{"GET", "/analytics/findings", nil, operator, 200},
		{"GET", "/console/api/audit?patient=pt-upa", nil, operator, 200},
		{"POST", "/console/api/audit", []byte(`{"patient":"pt-upa"}`), operator, 200},
		{"POST", "/console/api/preview/order-select", upa, operator, 200},
		{"GET", "/console/api/audit", nil, nil, 401},
		{"GET", "/console/api/audit?access_token=" + testOperatorToken, nil, nil, 401},
		{"GET", "/console/api/findings?token=" + testOperatorToken, nil, nil, 401},
		{"GET", "/console/api/audit?since=soon", nil, operator, 400},
		{"POST", "/console/api/preview/order-select", upa, []string{"Content-Type", "text/plain", operator[0], operator[1]}, 415},
		{"OPTIONS", "/console/api/preview/order-select", nil, []string{"Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "authorization,content-type"}, 405},
		{"OPTIONS", "/console/api/audit", nil, []string{"Access-Control-Request-Method", "POST"}, 405},
	} {
		name := tc.method + " " + tc.path
		rec := s.do(t, tc.method, tc.path, tc.body, tc.hdr...)
		assert.Equal(t, tc.status, rec.Code, "%s: %s", name, rec.Body.String())
		h := rec.Header()
		assert.Contains(t, h.Get("Content-Security-Policy"), "frame-ancestors 'none'", name)
		assert.NotContains(t, h.Get("Content-Security-Policy"), "unsafe", name)
		assert.Contains(t, h.Get("Content-Security-Policy"), "require-trusted-types-for 'script'", name)
		assert.Equal(t, "DENY", h.Get("X-Frame-Options"), name)
		assert.Equal(t, "nosniff", h.Get("X-Content-Type-Options"), name)
		assert.Equal(t, "no-referrer", h.Get("Referrer-Policy"), name)
		assert.Empty(t, h.Get("Access-Control-Allow-Origin"), name)
		assert.Empty(t, h.Get("Access-Control-Allow-Headers"), name)
		if (strings.Contains(tc.path, "/api/") || strings.HasPrefix(tc.path, "/analytics/")) && rec.Code != http.StatusMethodNotAllowed {
			assert.Equal(t, "no-store", h.Get("Cache-Control"), name)
		}
	}
}
