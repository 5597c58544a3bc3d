package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestStartupRules(t *testing.T) {
	cases := []struct {
		name string
		args []string
		env  map[string]string
		want string // "" = accepted
	}{
		{"defaults: loopback, unauthenticated", nil, nil, ""},
		{"localhost is loopback", []string{"--addr", "localhost:0"}, nil, ""},
		{"IPv6 loopback", []string{"--addr", "[::1]:0"}, nil, ""},
		{"all interfaces without clients refused", []string{"--addr", ":8080"}, nil, "refusing to serve unauthenticated"},
		{"public address without clients refused", []string{"--addr", "10.0.0.5:8080"}, nil, "refusing to serve unauthenticated"},
		{"env address refused too", nil, map[string]string{"JAKGUARD_ADDR": "0.0.0.0:8080"}, "refusing to serve unauthenticated"},
		{"allow-unauthenticated on any address", []string{"--addr", "0.0.0.0:8080", "--allow-unauthenticated"}, nil, ""},
		{"allow-unauthenticated from env", []string{"--addr", "0.0.0.0:8080"}, map[string]string{"JAKGUARD_ALLOW_UNAUTHENTICATED": "true"}, ""},
		{"bad boolean in env", nil, map[string]string{"JAKGUARD_ALLOW_UNAUTHENTICATED": "maybe"}, "not a boolean"},
		{"clients and allow-unauthenticated contradict each other", []string{"--clients", "c.json", "--allow-unauthenticated"}, nil, "contradict each other"},
		{"clients file allows any address", []string{"--addr", "0.0.0.0:8080", "--clients", "c.json"}, nil, ""},
		{"bad address", []string{"--addr", "nonsense"}, nil, "--addr"},
		{"bad public URL", []string{"--public-url", "ftp://x"}, nil, "--public-url"},
		{"flag beats env", []string{"--addr", "127.0.0.1:9"}, map[string]string{"JAKGUARD_ADDR": "0.0.0.0:8080"}, ""},
		{"negative deadline", []string{"--deadline", "-1s"}, nil, "must be positive"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseServe(tc.args, env(tc.env), io.Discard)
			if tc.want == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	c, err := parseServe([]string{"--addr", "127.0.0.1:9"}, env(map[string]string{"JAKGUARD_ADDR": "0.0.0.0:8080", "JAKGUARD_CORS_ORIGINS": "https://a.example"}), io.Discard)
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:9", c.addr)
	assert.Equal(t, "http://127.0.0.1:9", c.publicURL, "public URL defaults to http:// + addr")
	assert.Equal(t, "https://a.example", c.corsOrigins)
}

func TestRunErrorsAreOneLine(t *testing.T) {
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"serve", "--addr", ":8080"}, 1, "refusing to serve unauthenticated"},
		{[]string{"bogus"}, 2, "unknown command"},
		{[]string{"serve", "--no-such-flag"}, 2, "flag provided but not defined"},
		{[]string{"eval"}, 1, "--request FILE is required"},
		{[]string{"eval", "--request", "/no/such/file.json"}, 1, "no such file"},
		// Port 0: serve binds before it reads its files, and the default
		// 127.0.0.1:8080 may be taken on a developer's or CI machine.
		{[]string{"serve", "--addr", "127.0.0.1:0", "--valuesets", "/no/such/dir"}, 1, "--valuesets"},
		{[]string{"report", "--format", "xml", "--db", "sqlite::memory:"}, 1, "--format"},
		{[]string{"serve", "--addr", "127.0.0.1:0", "--db", "mysql://x"}, 1, "--db"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var stderr bytes.Buffer
			code := run(context.Background(), tc.args, env(nil), io.Discard, &stderr)
			assert.Equal(t, tc.code, code)
			assert.Contains(t, stderr.String(), tc.want)
		})
	}
}

func TestVersion(t *testing.T) {
	var out bytes.Buffer
	require.Equal(t, 0, run(context.Background(), []string{"version"}, env(nil), &out, io.Discard))
	assert.Contains(t, out.String(), "jakguard ")
	assert.Contains(t, out.String(), "CDS Hooks 2.0.1")
	assert.Contains(t, out.String(), "knowledge base ")
}

func TestEval(t *testing.T) {
	var out, stderr bytes.Buffer
	code := run(context.Background(), []string{"eval", "--request", "../../testdata/requests/order-select-upadacitinib.json"}, env(nil), &out, &stderr)
	require.Equal(t, 0, code, stderr.String())
	var resp struct {
		Cards []struct {
			Summary   string         `json:"summary"`
			Extension map[string]any `json:"extension"`
		} `json:"cards"`
	}
	require.NoError(t, json.Unmarshal(out.Bytes(), &resp), out.String())
	require.NotEmpty(t, resp.Cards)
	assert.Contains(t, out.String(), "tb-screening-missing")

	bad := filepath.Join(t.TempDir(), "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"hook":"order-select","hookInstance":"x"}`), 0o600))
	stderr.Reset()
	assert.NotEqual(t, 0, run(context.Background(), []string{"eval", "--request", bad}, env(nil), io.Discard, &stderr))
	assert.Contains(t, stderr.String(), "context is missing")
}

// serve starts on a loopback port, answers discovery, and on cancel drains
// in-flight requests before returning.
func TestServeAndGracefulShutdown(t *testing.T) {
	base, stop := startServe(t, "--allow-http-fhir", "--db", "sqlite:"+filepath.Join(t.TempDir(), "j.db"))

	resp, err := http.Get(base + "/cds-services")
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Contains(t, string(b), `"order-select"`)

	resp, err = http.Get(base + "/metrics")
	require.NoError(t, err)
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Contains(t, string(b), "jakguard_requests_total")

	// An in-flight hook call (slowed by a FHIR server that takes 300 ms)
	// finishes although shutdown starts meanwhile.
	slow := newSlowFHIR(t, 300*time.Millisecond)
	body, err := os.ReadFile("../../testdata/requests/order-select-upadacitinib.json")
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(body, &m))
	delete(m["prefetch"].(map[string]any), "immunizations")
	m["fhirServer"] = slow
	body, _ = json.Marshal(m)
	result := make(chan int, 1)
	go func() {
		resp, err := http.Post(base+"/cds-services/order-select", "application/json", bytes.NewReader(body))
		if err != nil {
			result <- -1
			return
		}
		resp.Body.Close()
		result <- resp.StatusCode
	}()
	time.Sleep(100 * time.Millisecond)
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	assert.Equal(t, 200, <-result, "in-flight request finished")
	require.NoError(t, <-stopped)
}

func TestHealthURL(t *testing.T) {
	for addr, want := range map[string]string{
		"":               "http://127.0.0.1:8080/healthz",
		"0.0.0.0:9090":   "http://127.0.0.1:9090/healthz",
		":7000":          "http://127.0.0.1:7000/healthz",
		"127.0.0.1:8080": "http://127.0.0.1:8080/healthz",
		"[::]:8443":      "http://127.0.0.1:8443/healthz",
		"[::1]:8081":     "http://[::1]:8081/healthz",
	} {
		assert.Equal(t, want, healthURL(addr), addr)
	}
}

func TestHealthcheckCommand(t *testing.T) {
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer ok.Close()
	assert.Equal(t, 0, run(context.Background(), []string{"healthcheck", "--url", ok.URL + "/healthz"}, env(nil), io.Discard, io.Discard))
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) }))
	defer down.Close()
	var stderr bytes.Buffer
	assert.Equal(t, 1, run(context.Background(), []string{"healthcheck", "--url", down.URL}, env(nil), io.Discard, &stderr))
	assert.Contains(t, stderr.String(), "503")
}

func TestBadValueSetsStopStartup(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "local-labs.json"), []byte(`{"resourceType":"ValueSet","id":"hemoglobin","expansion":{"contains":[{"system":"http://loinc.org"}]}}`), 0o600))
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"serve", "--valuesets", dir, "--db", "sqlite::memory:", "--addr", "127.0.0.1:0"}, env(nil), io.Discard, &stderr)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr.String(), "local-labs.json")
	assert.Equal(t, 1, strings.Count(strings.TrimSpace(stderr.String()), "\n")+1, "one line: %s", stderr.String())
}

func TestRulesConfigFlag(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "rules.json")
	require.NoError(t, os.WriteFile(good, []byte(`{"zosterAge": 16}`), 0o600))
	// A 16-year-old without a zoster vaccine: flagged once the site lowers
	// the zoster age (default 18, contract 6.4) to 16.
	var m map[string]any
	body, err := os.ReadFile("../../testdata/requests/order-sign-abrocitinib.json")
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(body, &m))
	p := m["prefetch"].(map[string]any)
	p["patient"].(map[string]any)["birthDate"] = "2010-01-01"
	p["immunizations"] = nil
	b, _ := json.Marshal(m)
	req := filepath.Join(dir, "req.json")
	require.NoError(t, os.WriteFile(req, b, 0o600))

	var out, stderr bytes.Buffer
	require.Equal(t, 0, run(context.Background(), []string{"eval", "--request", req}, env(nil), &out, &stderr), stderr.String())
	assert.NotContains(t, out.String(), "zoster-vaccine-missing")
	out.Reset()
	require.Equal(t, 0, run(context.Background(), []string{"eval", "--request", req, "--rules-config", good}, env(nil), &out, &stderr), stderr.String())
	assert.Contains(t, out.String(), "zoster-vaccine-missing")

	bad := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"zosterAg": 30}`), 0o600))
	stderr.Reset()
	assert.Equal(t, 1, run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--rules-config", bad, "--db", "sqlite::memory:"}, env(nil), io.Discard, &stderr))
	assert.Contains(t, stderr.String(), `unknown setting "zosterAg"`)
}
