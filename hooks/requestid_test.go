package hooks

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/internal/auth"
	"jakguard/internal/syncbuf"
	"jakguard/rules"
)

// requestLines takes the JSON log lines logged so far whose msg is "request".
func requestLines(t *testing.T, logs *syncbuf.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(logs.Take()), "\n") {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), l)
		if m["msg"] == "request" {
			out = append(out, m)
		}
	}
	return out
}

// logServer is a server logging JSON at debug level into a buffer, with
// the given CORS origins and, when clients is set, JWT authentication.
func logServer(t *testing.T, origins []string, clients string) (*Server, *syncbuf.Buffer) {
	t.Helper()
	k, err := rules.LoadKnowledge(nil)
	require.NoError(t, err)
	engine, err := rules.NewEngine(k, rules.DefaultConfig())
	require.NoError(t, err)
	logs := &syncbuf.Buffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	d := Deps{Engine: engine, Logger: logger}
	if clients != "" {
		cl, err := auth.LoadClients(clients)
		require.NoError(t, err)
		v, err := auth.NewVerifier(context.Background(), auth.Config{PublicURL: "http://jak.test"}, cl, auth.NewMemoryReplay(time.Now), nil, logger)
		require.NoError(t, err)
		d.Verifier = v
	}
	s, err := NewServer(Config{CORSOrigins: origins}, d)
	require.NoError(t, err)
	return s, logs
}

// Every answer carries X-Request-Id (CORS exposes it), and the request log
// line names it: success, client errors, 401, 404, preflight, health.
func TestRequestIDOnEveryAnswer(t *testing.T) {
	s, logs := logServer(t, nil, "../testdata/auth/sandbox-clients.json")
	cases := []struct {
		method, path string
		body         string
		status       int
	}{
		{http.MethodGet, "/healthz", "", 200},
		{http.MethodGet, "/cds-services", "", 401},
		{http.MethodPost, "/cds-services/order-select", "{", 401},
		{http.MethodOptions, "/cds-services/order-select", "", 204},
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
		req.Header.Set("Origin", "https://sandbox.cds-hooks.org")
		if tc.method == http.MethodOptions {
			req.Header.Set("Access-Control-Request-Method", "POST")
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		require.Equal(t, tc.status, rec.Code, "%s %s", tc.method, tc.path)
		id := rec.Header().Get("X-Request-Id")
		_, err := uuid.Parse(id)
		assert.NoError(t, err, "%s %s: X-Request-Id %q", tc.method, tc.path, id)
		assert.False(t, seen[id], "X-Request-Id repeated")
		seen[id] = true
		if tc.method != http.MethodOptions {
			assert.Contains(t, rec.Header().Get("Access-Control-Expose-Headers"), "X-Request-Id")
		}
		lines := requestLines(t, logs)
		require.Len(t, lines, 1)
		assert.Equal(t, id, lines[0]["request_id"])
	}

	// Unauthenticated: a hook call that answers 200, one that answers 400,
	// an unknown service (404).
	s, logs = logServer(t, nil, "")
	body, err := json.Marshal(map[string]any{"hook": "patient-view", "hookInstance": "h-1", "context": map[string]any{"patientId": "p"},
		"prefetch": map[string]any{"patient": map[string]any{"resourceType": "Patient", "id": "p", "birthDate": "1980-01-01"}}})
	require.NoError(t, err)
	for _, c := range []struct {
		path   string
		body   []byte
		status int
	}{
		{"/cds-services/patient-view", body, 200},
		{"/cds-services/patient-view", []byte(`{"hook":"patient-view"}`), 400},
		{"/cds-services/no-such-service", body, 404},
	} {
		req := httptest.NewRequest(http.MethodPost, c.path, bytes.NewReader(c.body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		assert.Equal(t, c.status, rec.Code, rec.Body.String())
		assert.NotEmpty(t, rec.Header().Get("X-Request-Id"), "status %d", rec.Code)
	}
	requestLines(t, logs)

	// The caller's own id is kept when it is a short token, else replaced.
	for in, kept := range map[string]bool{
		"ehr-7f3a.22:x_y":                 true,
		"bad id with spaces":              false,
		strings.Repeat("a", 129):          false,
		"<script>":                        false,
		"00000000-0000-4000-8000-0000001": true,
	} {
		req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
		req.Header.Set("X-Request-Id", in)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		got := rec.Header().Get("X-Request-Id")
		if kept {
			assert.Equal(t, in, got)
		} else {
			assert.NotEqual(t, in, got)
			_, err := uuid.Parse(got)
			assert.NoError(t, err)
		}
	}
}

// A browser origin outside --cors-origins is logged at info with the
// origin and the path; an allowed preflight stays at debug.
func TestRejectedCORSOriginLoggedAtInfo(t *testing.T) {
	s, logs := logServer(t, []string{"https://ehr.example.org"}, "")
	call := func(method, origin string) {
		req := httptest.NewRequest(method, "/cds-services/order-select", nil)
		req.Header.Set("Origin", origin)
		if method == http.MethodOptions {
			req.Header.Set("Access-Control-Request-Method", "POST")
			req.Header.Set("Access-Control-Request-Headers", "authorization,content-type")
		}
		s.ServeHTTP(httptest.NewRecorder(), req)
	}

	call(http.MethodOptions, "https://ehr.example.org")
	lines := requestLines(t, logs)
	require.Len(t, lines, 1)
	assert.Equal(t, "DEBUG", lines[0]["level"], "an allowed preflight is routine")
	assert.NotContains(t, lines[0], "cors")

	call(http.MethodOptions, "https://sandbox.cds-hooks.org")
	lines = requestLines(t, logs)
	require.Len(t, lines, 1)
	assert.Equal(t, "INFO", lines[0]["level"])
	assert.Equal(t, "https://sandbox.cds-hooks.org", lines[0]["origin"])
	assert.Equal(t, "/cds-services/order-select", lines[0]["path"])
	assert.Contains(t, lines[0]["cors"], "origin not allowed")

	call(http.MethodPost, "https://evil.example/"+strings.Repeat("x", 300))
	lines = requestLines(t, logs)
	require.Len(t, lines, 1)
	assert.Equal(t, "INFO", lines[0]["level"])
	assert.LessOrEqual(t, len(lines[0]["origin"].(string)), 131, "a long origin is cut")

	// Without an Origin header (not a browser) nothing is said about CORS.
	req := httptest.NewRequest(http.MethodGet, "/cds-services", nil)
	s.ServeHTTP(httptest.NewRecorder(), req)
	lines = requestLines(t, logs)
	require.Len(t, lines, 1)
	assert.NotContains(t, lines[0], "cors")

	// The console's own page sends Origin on its POSTs; the operator
	// endpoints have no CORS, so nothing is said about it either.
	req = httptest.NewRequest(http.MethodPost, "/console/api/preview/order-select", strings.NewReader("{}"))
	req.Header.Set("Origin", "http://127.0.0.1:8080")
	req.Header.Set("Content-Type", "application/json")
	s.ServeHTTP(httptest.NewRecorder(), req)
	lines = requestLines(t, logs)
	require.Len(t, lines, 1)
	assert.NotContains(t, lines[0], "cors")
}
