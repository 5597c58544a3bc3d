package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/internal/syncbuf"
	"jakguard/rules"
)

// binary is the jakguard binary TestMain builds once for the CLI tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "jakguard-cli-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// Readable by every user: TestDockerImageRunsAsDocumented runs the
	// binary as the image's user.
	if err := os.Chmod(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "jakguard")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "building jakguard: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// result is one run of the binary.
type result struct {
	code           int
	stdout, stderr string
}

// jak runs the binary with args in a clean environment plus env
// ("NAME=value" entries), in dir when not empty.
func jak(t *testing.T, dir string, env []string, args ...string) result {
	t.Helper()
	return jakIn(t, dir, "", env, args...)
}

func jakIn(t *testing.T, dir, stdinText string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
	cmd.Stdin = strings.NewReader(stdinText)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		t.Fatalf("run %v: %v", args, err)
	}
	return r
}

func writeTestFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
	return p
}

// --help, -h and help list every command, and under each command every one
// of its flags (not only serve's); help COMMAND and COMMAND -h give one.
func TestHelpListsEveryCommandAndItsFlags(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		r := jak(t, "", nil, args...)
		require.Equal(t, 0, r.code, "%v: %s", args, r.stderr)
		for i, c := range commands() {
			head := "\njakguard " + c.name
			start := strings.Index(r.stdout, head+" ")
			if start < 0 {
				start = strings.Index(r.stdout, head+"\n")
			}
			require.GreaterOrEqual(t, start, 0, "%v: no section for %q", args, c.name)
			section := r.stdout[start+1:]
			if i+1 < len(commands()) {
				next := strings.Index(section, "\njakguard "+commands()[i+1].name)
				require.Greater(t, next, 0)
				section = section[:next]
			}
			assert.Contains(t, r.stdout, "  "+strings.TrimSpace(c.name+" "+c.args)+" ", "command list names %s", c.name)
			for _, f := range commandFlags(t, c) {
				assert.Regexp(t, "(?m)^  -"+regexp.QuoteMeta(f)+"( |$)", section, "%v: %s section lacks -%s", args, c.name, f)
			}
		}
	}
	r := jak(t, "", nil, "help")
	assert.Contains(t, r.stdout, "  healthcheck ")
	for _, args := range [][]string{{"help", "healthcheck"}, {"healthcheck", "-h"}, {"healthcheck", "--help"}} {
		r := jak(t, "", nil, args...)
		require.Equal(t, 0, r.code, "%v", args)
		assert.Contains(t, r.stdout, "jakguard healthcheck [flags]")
		assert.Contains(t, r.stdout, "-addr")
		assert.NotContains(t, r.stdout, "-cors-origins", "%v printed another command's flags", args)
	}
	r = jak(t, "", nil, "help", "token")
	assert.Contains(t, r.stdout, "jakguard token mint")
	assert.Contains(t, r.stdout, "jakguard token inspect [flags] TOKEN")
	r = jak(t, "", nil, "bogus")
	assert.Equal(t, 2, r.code)
	assert.Equal(t, "jakguard: unknown command \"bogus\"; jakguard help lists the commands\n", r.stderr)
	r = jak(t, "", nil, "serve", "--no-such-flag")
	assert.Equal(t, 2, r.code)
	assert.Equal(t, 1, strings.Count(r.stderr, "\n"), "one line: %s", r.stderr)
}

// commandFlags lists the names of c's flags; for serve, which declares its
// flags inside parseServe, those of the README's flags table.
func commandFlags(t *testing.T, c command) []string {
	var names []string
	if c.direct != nil {
		readme, err := os.ReadFile("../../README.md")
		require.NoError(t, err)
		for _, m := range regexp.MustCompile("(?m)^\\| `--([a-z-]+)` \\|").FindAllStringSubmatch(string(readme), -1) {
			names = append(names, m[1])
		}
		require.NotEmpty(t, names, "README has no flags table")
		return names
	}
	fs := newFlagSet(c.name, func(string) string { return "" }, nil)
	c.setup(fs, stdio{})
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	return names
}

// report --since takes days and weeks as the rules configuration does.
func TestReportSinceDays(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "feedback.db")
	base, stop := startServe(t, "--db", db)
	body, err := os.ReadFile("../../testdata/requests/order-select-upadacitinib.json")
	require.NoError(t, err)
	resp, err := http.Post(base+"/cds-services/order-select", "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	resp.Body.Close()
	require.NoError(t, stop())

	hours := jak(t, "", nil, "report", "--db", db, "--since", "720h", "--format", "json")
	require.Equal(t, 0, hours.code, hours.stderr)
	assert.Contains(t, hours.stdout, "tb-screening-missing")
	for _, since := range []string{"30d", "30d ", "12w"} {
		r := jak(t, "", nil, "report", "--db", db, "--since", since, "--format", "json")
		require.Equal(t, 0, r.code, "%q: %s", since, r.stderr)
		assert.Contains(t, r.stdout, `"tb-screening-missing"`, since)
	}
	r := jak(t, "", nil, "report", "--db", db, "--since", "30days")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "want a duration such as 30d, 12w or 720h")
}

// healthcheck asks the loopback address of --addr, or of JAKGUARD_ADDR.
func TestHealthcheckReadsAddr(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			w.WriteHeader(404)
		}
	}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	deadAddr := closed.Addr().String()
	closed.Close()

	assert.Equal(t, 0, jak(t, "", nil, "healthcheck", "--addr", "127.0.0.1:"+port).code)
	assert.Equal(t, 0, jak(t, "", nil, "healthcheck", "--addr", "0.0.0.0:"+port).code, "all interfaces: ask loopback")
	assert.Equal(t, 0, jak(t, "", []string{"JAKGUARD_ADDR=0.0.0.0:" + port}, "healthcheck").code)
	r := jak(t, "", []string{"JAKGUARD_ADDR=0.0.0.0:" + port}, "healthcheck", "--addr", deadAddr)
	assert.Equal(t, 1, r.code, "the flag beats the environment")
	assert.Contains(t, r.stderr, deadAddr)
	assert.Equal(t, 0, jak(t, "", []string{"JAKGUARD_ADDR=" + deadAddr}, "healthcheck", "--url", srv.URL+"/healthz").code, "--url beats --addr")
}

// A bad clients file stops serve before the database is opened or
// migrated: no database file is left behind.
func TestBadClientsFileBeforeDatabase(t *testing.T) {
	dir := t.TempDir()
	bad := writeTestFile(t, dir, "clients.json", `{"clients":[{"issuer":"https://ehr.example.org"}]}`)
	dbFile := filepath.Join(dir, "new.db")
	r := jak(t, "", nil, "serve", "--addr", "127.0.0.1:0", "--clients", bad, "--db", "sqlite:"+dbFile)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "--clients")
	assert.Contains(t, r.stderr, "no keys")
	assert.Equal(t, 1, strings.Count(r.stderr, "jakguard:"), r.stderr)
	_, err := os.Stat(dbFile)
	assert.True(t, os.IsNotExist(err), "the database was created before the clients file was checked")
}

const hbsagLocal = `{"resourceType":"ValueSet","id":"hbsag","url":"https://hospital.example/fhir/ValueSet/hbsag","status":"active",
  "expansion":{"contains":[{"system":"urn:oid:1.2.840.999.7","code":"HBSAG-LOCAL","display":"HBsAg (local)"}]}}`

const hbsagReplace = `{"resourceType":"ValueSet","id":"hbsag","url":"https://hospital.example/fhir/ValueSet/hbsag","status":"active",
  "extension":[{"url":"https://jakguard.org/fhir/StructureDefinition/overlay-mode","valueCode":"replace"}],
  "expansion":{"contains":[{"system":"urn:oid:1.2.840.999.7","code":"HBSAG-LOCAL","display":"HBsAg (local)"}]}}`

// The issue 18 case end to end: a patient with a recorded HBsAg result
// (LOINC) and a site overlay adding one local HBsAg code gets no
// hbv-screening-missing; only an overlay that says "replace" drops LOINC.
func TestValueSetOverlayAddsEndToEnd(t *testing.T) {
	dir := t.TempDir()
	var m map[string]any
	body, err := os.ReadFile("../../testdata/requests/order-select-upadacitinib.json")
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(body, &m))
	m["prefetch"].(map[string]any)["observations"] = map[string]any{"resourceType": "Bundle", "type": "searchset", "entry": []any{
		map[string]any{"resource": map[string]any{"resourceType": "Observation", "id": "hbsag-1", "status": "final",
			"subject":              map[string]any{"reference": "Patient/pt-upa"},
			"code":                 map[string]any{"coding": []any{map[string]any{"system": "http://loinc.org", "code": "5196-1"}}},
			"effectiveDateTime":    time.Now().AddDate(0, 0, -20).Format("2006-01-02"),
			"valueCodeableConcept": map[string]any{"coding": []any{map[string]any{"system": "http://snomed.info/sct", "code": "260385009", "display": "Negative"}}},
		}},
	}}
	b, _ := json.Marshal(m)
	req := writeTestFile(t, dir, "req.json", string(b))
	add := filepath.Join(dir, "add")
	replace := filepath.Join(dir, "replace")
	require.NoError(t, os.Mkdir(add, 0o755))
	require.NoError(t, os.Mkdir(replace, 0o755))
	writeTestFile(t, add, "hbsag.json", hbsagLocal)
	writeTestFile(t, replace, "hbsag.json", hbsagReplace)

	for _, tc := range []struct {
		name    string
		args    []string
		missing bool
	}{
		{"built in", nil, false},
		{"overlay adding a local code", []string{"--valuesets", add}, false},
		{"overlay replacing the set", []string{"--valuesets", replace}, true},
	} {
		r := jak(t, "", nil, append([]string{"eval", "--request", req}, tc.args...)...)
		require.Equal(t, 0, r.code, "%s: %s", tc.name, r.stderr)
		assert.Equal(t, tc.missing, strings.Contains(r.stdout, "hbv-screening-missing"), tc.name)
		assert.Contains(t, r.stdout, "tb-screening-missing", tc.name) // the other screening still fires
	}
}

// valuesets check prints what an overlay changes and fails on errors with
// the start-up message; serve refuses the same overlay naming file and id.
func TestValuesetsCheck(t *testing.T) {
	dir := t.TempDir()
	writeTestFile(t, dir, "hbsag.json", hbsagLocal)
	writeTestFile(t, dir, "upadacitinib.json", `{"resourceType":"ValueSet","id":"upadacitinib",
		"extension":[{"url":"https://jakguard.org/fhir/StructureDefinition/text-match","valueString":"Upa-Hosp"}]}`)
	r := jak(t, "", nil, "valuesets", "check", dir)
	require.Equal(t, 0, r.code, r.stderr)
	for _, want := range []string{
		"valid, 2 value set(s) changed; knowledge base kb-",
		"hbsag (overlay:hbsag.json) adds to the built-in set",
		"  + code    urn:oid:1.2.840.999.7|HBSAG-LOCAL \"HBsAg (local)\"  (source overlay, grade A)",
		"upadacitinib (overlay:upadacitinib.json) adds to the built-in set",
		"  + text    \"upa-hosp\"",
	} {
		assert.Contains(t, r.stdout, want)
	}

	rep := t.TempDir()
	writeTestFile(t, rep, "hbsag.json", hbsagReplace)
	r = jak(t, "", nil, "valuesets", "check", rep)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "hbsag (overlay:hbsag.json) REPLACES the built-in set")
	assert.Contains(t, r.stdout, "  - code    http://loinc.org|5196-1")
	assert.Contains(t, r.stdout, "no longer matches")

	bad := t.TempDir()
	writeTestFile(t, bad, "local-cancer.json", `{"resourceType":"ValueSet","id":"local-cancer","expansion":{"contains":[{"system":"s","code":"1"}]}}`)
	writeTestFile(t, bad, "hbsag.json", `{"resourceType":"ValueSet","id":"hbsag","expansion":{"contains":[{"system":"s"}]}}`)
	r = jak(t, "", nil, "valuesets", "check", bad)
	assert.Equal(t, 1, r.code)
	assert.Empty(t, r.stdout)
	assert.Contains(t, r.stderr, `overlay:local-cancer.json: id "local-cancer" is not a value set jakguard uses`)
	assert.Contains(t, r.stderr, "overlay:hbsag.json: expansion.contains[0]: missing code")

	r = jak(t, "", nil, "serve", "--addr", "127.0.0.1:0", "--db", "sqlite::memory:", "--valuesets", bad)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, `local-cancer.json: id "local-cancer"`)

	r = jak(t, "", nil, "valuesets", "check")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "missing DIR")
}

// config check validates a --rules-config file and prints every effective
// setting; it refuses what start-up refuses.
func TestConfigCheck(t *testing.T) {
	dir := t.TempDir()
	good := writeTestFile(t, dir, "rules.json", `{"tbWindow": "180d", "zosterAge": 19, "alcMin": 600}`)
	r := jak(t, "", nil, "config", "check", good)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "valid, 3 setting(s) changed from the defaults")
	lines := map[string]string{}
	for _, l := range strings.Split(r.stdout, "\n") {
		if f := strings.Fields(l); len(f) >= 3 {
			lines[f[0]] = strings.Join(f[1:], " ")
		}
	}
	assert.Equal(t, "180d 365d changed", lines["tbWindow"])
	assert.Equal(t, "19 18 changed", lines["zosterAge"])
	assert.Equal(t, "600 500 changed", lines["alcMin"])
	assert.Equal(t, "90d 90d", lines["cbcWindow"])
	assert.Equal(t, "150000 150000", lines["plateletsMinStart"])
	for _, f := range rules.ConfigFields() {
		assert.Contains(t, lines, f.Name, "every setting is printed")
	}

	for body, says := range map[string]string{
		`{"TBWindow": "180d"}`:                    `unknown setting "TBWindow" (names are case-sensitive: did you mean "tbWindow"?)`,
		`{"tbWindow": "180d", "tbWindow": "90d"}`: "tbWindow: given twice",
		`{"zosterAge": "18"}`:                     `zosterAge: got "18", want a whole number`,
		`{"zosterAge": 18} garbage`:               "unexpected data after the JSON object",
	} {
		bad := writeTestFile(t, dir, "bad.json", body)
		r := jak(t, "", nil, "config", "check", bad)
		assert.Equal(t, 1, r.code, body)
		assert.Contains(t, r.stderr, says, body)
		assert.Contains(t, r.stderr, bad, "names the file")
		r = jak(t, "", nil, "serve", "--addr", "127.0.0.1:0", "--db", "sqlite::memory:", "--rules-config", bad)
		assert.Equal(t, 1, r.code, body)
		assert.Contains(t, r.stderr, says, "serve refuses it the same way")
	}
}

// token mint creates a development key, its JWKS and a clients entry, and
// mints a token the running service accepts for exactly the URL it names;
// token inspect gives the service's verdict and names the failing check.
func TestTokenMintAndInspect(t *testing.T) {
	dir := t.TempDir()
	key, jwks, clients := filepath.Join(dir, "ehr-key.pem"), filepath.Join(dir, "ehr-key.jwks.json"), filepath.Join(dir, "clients.json")
	// The service trusting the new key starts after the mint, on this address.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	url := "http://" + addr + "/cds-services/order-select"

	r := jak(t, "", nil, "token", "mint", "--new-key", "--key", key, "--clients", clients, "--url", url)
	require.Equal(t, 0, r.code, r.stderr)
	tok := strings.TrimSpace(r.stdout)
	assert.Equal(t, 2, strings.Count(tok, "."), "stdout holds the token only: %q", r.stdout)
	assert.Contains(t, r.stderr, "wrote "+key)
	st, err := os.Stat(key)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm(), "the private key is readable by its owner only")
	b, err := os.ReadFile(jwks)
	require.NoError(t, err)
	assert.NotContains(t, string(b), `"d"`)
	b, err = os.ReadFile(clients)
	require.NoError(t, err)
	assert.JSONEq(t, `{"clients":[{"issuer":"jakguard-dev","jwks_file":"ehr-key.jwks.json","max_token_lifetime":"5m0s"}]}`, string(b))

	r = jak(t, "", nil, "token", "mint", "--new-key", "--key", key, "--url", url)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "exists")

	r = jak(t, "", nil, "token", "inspect", tok, "--clients", clients, "--url", url)
	assert.Equal(t, 0, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stdout, "verdict: ACCEPTED")

	other := strings.Replace(url, "order-select", "order-sign", 1)
	r = jak(t, "", nil, "token", "inspect", "--clients", clients, "--url", other, tok)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stdout, "  FAIL  aud        expected \""+other+"\" exactly")
	assert.Contains(t, r.stdout, "received \""+url+"\"")
	assert.Contains(t, r.stdout, `verdict: REFUSED (reason "audience"`)
	r = jakIn(t, "", tok+"\n", []string{"JAKGUARD_CLIENTS=" + clients}, "token", "inspect", "-", "--url", other)
	assert.Equal(t, 1, r.code, "token from stdin, clients from the environment")
	assert.Contains(t, r.stdout, "FAIL  aud")

	// A container listening on 0.0.0.0 without --public-url expects another aud.
	r = jak(t, "", []string{"JAKGUARD_PUBLIC_URL=http://0.0.0.0:8080"}, "token", "inspect", tok, "--clients", clients, "--url", url)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stdout, "expected \"http://0.0.0.0:8080/cds-services/order-select\" exactly")
	assert.Contains(t, r.stdout, "so --public-url must be that")

	// The running service agrees: accepted once for the URL minted, then a
	// replay; refused for another URL.
	svc := exec.Command(binary, "serve", "--addr", addr, "--clients", clients, "--db", "sqlite:"+filepath.Join(dir, "svc.db"))
	var logs syncbuf.Buffer // written by exec's goroutine while the test reads it
	svc.Stderr = &logs
	require.NoError(t, svc.Start())
	t.Cleanup(func() { svc.Process.Kill(); svc.Wait() })
	require.Eventually(t, func() bool { return healthy("http://" + addr) }, 10*time.Second, 50*time.Millisecond, logs.String())
	bodies := map[string][]byte{}
	for _, svc := range []string{"order-select-upadacitinib", "order-sign-abrocitinib"} {
		b, err := os.ReadFile("../../testdata/requests/" + svc + ".json")
		require.NoError(t, err)
		bodies[svc[:strings.LastIndex(svc, "-")]] = b
	}
	call := func(u, token string) int {
		req, _ := http.NewRequest(http.MethodPost, u, bytes.NewReader(bodies[u[strings.LastIndex(u, "/")+1:]]))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	assert.Equal(t, 200, call(url, tok), logs.String())
	assert.Equal(t, 401, call(url, tok), "replayed")
	r = jak(t, "", nil, "token", "mint", "--key", key, "--url", other)
	require.Equal(t, 0, r.code, r.stderr)
	second := strings.TrimSpace(r.stdout)
	assert.Equal(t, 401, call(url, second), "a token for order-sign sent to order-select")
	assert.Equal(t, 200, call(other, second))

	r = jak(t, "", nil, "token", "mint", "--key", key, "--url", url, "--ttl", "10m")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "at most 5m0s")
}

// The recorded CDS Hooks Sandbox token: valid at the time it was sent,
// expired now.
func TestTokenInspectSandbox(t *testing.T) {
	raw, err := os.ReadFile("../../testdata/auth/sandbox-patient-view.jwt")
	require.NoError(t, err)
	args := []string{"token", "inspect", strings.TrimSpace(string(raw)), "--clients", "../../testdata/auth/sandbox-clients.json",
		"--url", "http://127.0.0.1:3100/cds-services/rec-patient-view"}
	r := jak(t, "", nil, append(args, "--at", "2026-11-29T08:34:00Z")...)
	assert.Equal(t, 0, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stdout, "ok    signature")
	r = jak(t, "", nil, args...)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stdout, "FAIL  exp")
	assert.Contains(t, r.stdout, `reason "expired"`)
}
