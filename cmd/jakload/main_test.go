package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// TestMain serves the static server when jakload -static re-executes this
// test binary as it re-executes jakload's.
func TestMain(m *testing.M) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code, ok := hiddenMode(ctx, os.Stderr)
	stop()
	if ok {
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// TestSmoke runs the tool as documented, in seconds: the real binary on a
// tiny SQLite store, empty and pre-filled, with and without ES384 tokens, a
// few hundred calls of the mix each. The full run (a million cards, both
// stores) is only the command's (docs/performance.md).
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the jakguard binary")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "report.md")
	args := []string{"-stores", "sqlite", "-prefill", "300", "-workloads", "mix,order-select",
		"-d", "5s", "-warmup", "0s", "-n", "200", "-c", "4", "-rounds", "1", "-data", dir, "-out", out}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, run(ctx, args, &stdout, &stderr), stderr.String())
	text := stdout.String()
	file, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, text, string(file), "-out holds the report printed")

	// Two workloads against each of empty/full x none/es384, each 200
	// calls answered without error, none of their records dropped, and an
	// audit record written for each (the binary's /metrics).
	for _, row := range []string{"| mix | sqlite | empty | none |", "| mix | sqlite | full | none |", "| mix | sqlite | empty | es384 |",
		"| mix | sqlite | full | es384 |", "| order-select | sqlite | empty | none |", "| order-select | sqlite | full | none |",
		"| order-select | sqlite | empty | es384 |", "| order-select | sqlite | full | es384 |"} {
		assert.Contains(t, text, row)
	}
	assert.Equal(t, 8, strings.Count(text, "| 0 of 200 | 0 | 200 |"), text)
	assert.NotContains(t, text, "tokens ran out")
	assert.Contains(t, text, "sqlite, es384: p99 at most")
	// 300 pre-filled, then the unauthenticated run's cards (3 for each of
	// the 200 first prescriptions, 160 in the mix's 200 calls, and the
	// checks' 8) before the ES384 run started.
	assert.Contains(t, text, "The full sqlite store held 300–1068 cards when its servers started")

	full, err := countCards(ctx, "sqlite:"+filepath.Join(dir, "full-300.db"))
	require.NoError(t, err)
	// 300 pre-filled, then what the runs recorded: 3 cards for each
	// order-select call; the mix's 200 calls hold 20 first prescriptions
	// (3 cards each), 20 order-sign and 80 patient-view calls (1 card each).
	// Before each run, each distinct call is sent once and its answer
	// checked: 3+1+1 and 3 cards more.
	assert.Equal(t, 300+2*(200*3+20*3+20+80+8), full, "the full store holds the pre-fill and the runs' cards")
}

func TestParseFlags(t *testing.T) {
	o, err := parseFlags(nil, &bytes.Buffer{})
	require.NoError(t, err)
	assert.Equal(t, []string{"sqlite"}, o.stores)
	assert.Equal(t, []string{"empty", "full"}, o.fills)
	assert.Equal(t, []string{"none", "es384"}, o.auths)
	assert.Equal(t, []string{"mix", "order-select", "order-sign", "patient-view", "no-jak"}, o.workloads)
	assert.Equal(t, 16, o.conns)
	assert.False(t, o.static, "-static is off by default")
	assert.Equal(t, 1_000_000, o.prefill)

	o, err = parseFlags([]string{"-stores", "postgres, sqlite,postgres", "-auth", "es384"}, &bytes.Buffer{})
	require.NoError(t, err)
	assert.Equal(t, []string{"postgres", "sqlite"}, o.stores)
	assert.Equal(t, []string{"es384"}, o.auths)

	for _, bad := range [][]string{
		{"-stores", "mysql"}, {"-fills", ""}, {"-auth", "rs256"}, {"-workloads", "large"},
		{"-c", "0"}, {"-d", "0s"}, {"-d", "4m", "-warmup", "1s"}, {"-rounds", "0"}, {"-prefill", "0"},
		{"-n", "-1"}, {"-token-rate", "0"}, {"-pg-prefix", "x; DROP"}, {"extra"},
	} {
		_, err := parseFlags(bad, &bytes.Buffer{})
		assert.Error(t, err, "%q", bad)
	}
}

// TestTargets: calls in the workload's order, each with a token of its own
// for its URL, and the end of the tokens or of the bound said as such.
func TestTargets(t *testing.T) {
	bodies := map[string][]byte{"order-select": []byte("os"), "no-jak": []byte("nj")}
	w := workload{name: "w", seq: []call{callFirstRx, callOther, callOther}}
	u := "http://x/cds-services/order-select"
	tr := newTargets("http://x", w, bodies, map[string][]string{u: {"t1", "t2", "t3", "t4"}})
	var got []string
	for range 4 {
		var tgt vegeta.Target
		require.NoError(t, tr.target(&tgt))
		assert.Equal(t, u, tgt.URL)
		assert.Equal(t, "application/json", tgt.Header.Get("Content-Type"))
		got = append(got, string(tgt.Body)+" "+tgt.Header.Get("Authorization"))
	}
	assert.Equal(t, []string{"os Bearer t1", "nj Bearer t2", "nj Bearer t3", "os Bearer t4"}, got)
	var tgt vegeta.Target
	assert.ErrorIs(t, tr.target(&tgt), errNoTokens)

	tr = newTargets("http://x", w, bodies, nil)
	tr.allow(2)
	require.NoError(t, tr.target(&tgt))
	assert.Empty(t, tgt.Header.Get("Authorization"))
	require.NoError(t, tr.target(&tgt))
	assert.ErrorIs(t, tr.target(&tgt), errEnough)
}

func TestParseRecorderCounts(t *testing.T) {
	text := `# HELP jakguard_card_records_written_total Card records written to the store.
# TYPE jakguard_card_records_written_total counter
jakguard_card_records_written_total 30
# TYPE jakguard_audit_records_written_total counter
jakguard_audit_records_written_total 12
# TYPE jakguard_card_records_dropped_total counter
jakguard_card_records_dropped_total 3
# TYPE jakguard_audit_records_dropped_total counter
jakguard_audit_records_dropped_total 1
`
	c, err := parseRecorderCounts(strings.NewReader(text))
	require.NoError(t, err)
	assert.Equal(t, recorderCounts{30, 12, 3, 1}, c)
	assert.Equal(t, recorderCounts{20, 2, 3, 0}, c.sub(recorderCounts{10, 10, 0, 1}))
	_, err = parseRecorderCounts(strings.NewReader("not metrics {"))
	assert.Error(t, err)
}

func TestReportRangesAndBudgets(t *testing.T) {
	o, err := parseFlags([]string{"-auth", "none", "-workloads", "order-select"}, &bytes.Buffer{})
	require.NoError(t, err)
	s := func(fill string, rps float64, p50, p99 time.Duration) sample {
		return sample{workload: "order-select", store: "sqlite", fill: fill, auth: "none", requests: 1000,
			rps: rps, p50: p50, p99: p99, cpuPerCall: 400 * time.Microsecond, load: 2}
	}
	rep := &report{opts: o, samples: []sample{
		s("empty", 2500, 5*time.Millisecond, 20*time.Millisecond), s("full", 2400, 5*time.Millisecond, 22*time.Millisecond),
		s("empty", 2300, 5*time.Millisecond, 21*time.Millisecond), s("full", 2100, 5*time.Millisecond, 24*time.Millisecond),
	}}
	text := rep.markdown()
	assert.Contains(t, text, "| order-select | sqlite | empty | none | 2300–2500 | 5.00 | 20.0–21.0 | 0 of 2000 | 0 | 0 | 0.40 | 2.0 |")
	assert.Contains(t, text, "sqlite, none: p99 at most 24.0 ms (budget < 25 ms: met), at least 2100 req/s (budget ≥ 2000: met); full against empty (medians): req/s -6 %, p50 +0 % (budget within 10 %: met)")

	rep.samples[3].p99 = 30 * time.Millisecond
	rep.samples[3].rps = 1500
	assert.Contains(t, rep.markdown(), "p99 at most 30.0 ms (budget < 25 ms: MISSED), at least 1500 req/s (budget ≥ 2000: MISSED); full against empty (medians): req/s -19 %")
}

// processCPU reads a process's CPU time: this one's grows as it works; a
// process that does not exist has none.
func TestProcessCPU(t *testing.T) {
	// Spin until the CPU time grows (it counts in clock ticks, and a busy
	// machine may give this process none in a fixed 50 ms: the CI run
	// failed so), for at most 10 s.
	before, after := processCPU(os.Getpid()), time.Duration(0)
	for start := time.Now(); time.Since(start) < 10*time.Second; {
		if after = processCPU(os.Getpid()); after > before {
			break
		}
	}
	assert.Greater(t, after, before)
	assert.Zero(t, processCPU(1<<30))
}

// TestCPUProfile: -cpuprofile builds the binary with the jakguard_pprof tag
// and writes a CPU profile of it, taken during the measured run.
func TestCPUProfile(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the jakguard binary")
	}
	dir := t.TempDir()
	prof := filepath.Join(dir, "cpu.pprof")
	args := []string{"-stores", "sqlite", "-fills", "empty", "-auth", "none", "-workloads", "no-jak",
		"-d", "1s", "-warmup", "0s", "-c", "2", "-rounds", "1", "-data", dir, "-cpuprofile", prof}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, run(ctx, args, &stdout, &stderr), stderr.String())
	b, err := os.ReadFile(prof)
	require.NoError(t, err)
	require.Greater(t, len(b), 2)
	assert.Equal(t, []byte{0x1f, 0x8b}, b[:2], "a pprof profile is gzipped protobuf")

	_, err = parseFlags([]string{"-cpuprofile", prof, "-bin", "/bin/true"}, &bytes.Buffer{})
	assert.ErrorContains(t, err, "builds its own binary")

	// The profiling endpoint listens on loopback only.
	bin, err := buildBinary(ctx, dir, true, &stderr)
	require.NoError(t, err)
	cmd := exec.Command(bin, "version")
	cmd.Env = append(os.Environ(), "JAKGUARD_PPROF_ADDR=0.0.0.0:6060")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	assert.Equal(t, 2, exit.ExitCode())
	assert.Contains(t, string(out), "want a loopback address")
}

// TestSmokeStatic: -static measures the static server, a separate process,
// once per workload and round, and the report gives jakguard/static and
// the budget of issue 17.
func TestSmokeStatic(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the jakguard binary")
	}
	dir := t.TempDir()
	args := []string{"-stores", "sqlite", "-fills", "empty", "-auth", "none", "-workloads", "typical",
		"-d", "1s", "-warmup", "0s", "-c", "2", "-rounds", "1", "-data", dir, "-static"}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, run(ctx, args, &stdout, &stderr), stderr.String())
	text := stdout.String()

	// The static row: calls answered, none in error.
	row := regexp.MustCompile(`(?m)^\| typical \| static \| - \| - \| (\d+) \| [^|]+ \| [^|]+ \| (\d+) of (\d+) \| - \| - \|`).FindStringSubmatch(text)
	require.NotNil(t, row, text)
	rps, _ := strconv.Atoi(row[1])
	calls, _ := strconv.Atoi(row[3])
	assert.Positive(t, rps, "static req/s")
	assert.Positive(t, calls)
	assert.Equal(t, "0", row[2], "static errors")
	assert.Contains(t, text, "| typical | sqlite | empty | none |")
	assert.Regexp(t, `\| typical \| sqlite \| empty \| none \| \d+ \| \d+ \| \d\.\d{3} \| \d\.\d{3} \|`, text, "the ratio row")
	assert.Regexp(t, `- sqlite, empty: jakguard/static \d\.\d{3} \(medians; by round \d\.\d{3}\) \(budget ≥ 0\.15: (met|MISSED)\)`, text)
	assert.Contains(t, stderr.String(), "jakload: round 1 static")

	// The static server replayed jakguard's recorded answer: the one call
	// of the workload, with jakguard's Content-Type.
	a, err := loadAnswers(filepath.Join(dir, "static-answers.json"))
	require.NoError(t, err)
	require.Len(t, a["/cds-services/order-select"], 1)
	for _, rec := range a["/cds-services/order-select"] {
		assert.Equal(t, "application/json", rec.ContentType)
		assert.Contains(t, string(rec.Answer), `"cards"`)
	}
}

// TestStaticHandler: a recorded call is answered with the recorded bytes
// (200, the recorded Content-Type, the answer's Content-Length); a call
// with another body, on another path or another method, 500.
func TestStaticHandler(t *testing.T) {
	// The second answer is larger than net/http buffers before it chunks.
	large := `{"cards":[{"summary":"` + strings.Repeat("x", 10_000) + `"}]}`
	a := answers{}
	a.add(recorded{Path: "/cds-services/order-select", Request: []byte(`{"a":1}`), ContentType: "application/json", Answer: []byte(`{"cards":[]}`)})
	a.add(recorded{Path: "/cds-services/order-select", Request: []byte(`{"a":2}`), ContentType: "application/json", Answer: []byte(large)})
	file := filepath.Join(t.TempDir(), "answers.json")
	require.NoError(t, a.save(file))
	loaded, err := loadAnswers(file)
	require.NoError(t, err)
	assert.Equal(t, a, loaded, "the answers file holds the answers")
	srv := httptest.NewServer(staticHandler(loaded))
	defer srv.Close()

	post := func(method, path, body string) (*http.Response, string) {
		req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		resp.Body.Close()
		return resp, string(b)
	}
	for body, want := range map[string]string{`{"a":1}`: `{"cards":[]}`, `{"a":2}`: large} {
		resp, got := post(http.MethodPost, "/cds-services/order-select", body)
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
		assert.Equal(t, int64(len(want)), resp.ContentLength, "sent with its Content-Length")
		assert.Empty(t, resp.TransferEncoding, "not chunked")
		assert.Equal(t, want, got)
	}
	for _, c := range [][3]string{
		{http.MethodPost, "/cds-services/order-select", `{"a":3}`},
		{http.MethodPost, "/cds-services/order-select", `{"a":1} `},
		{http.MethodPost, "/cds-services/order-sign", `{"a":1}`},
		{http.MethodPut, "/cds-services/order-select", `{"a":1}`},
	} {
		resp, got := post(c[0], c[1], c[2])
		assert.Equal(t, http.StatusInternalServerError, resp.StatusCode, "%q", c)
		assert.Contains(t, got, "no answer recorded", "%q", c)
	}
	resp, _ := post(http.MethodGet, "/readyz", "")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

// TestServeStaticLoopbackOnly: the hidden mode listens on loopback only.
func TestServeStaticLoopbackOnly(t *testing.T) {
	file := filepath.Join(t.TempDir(), "answers.json")
	require.NoError(t, answers{}.save(file))
	var stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second) // were it to serve
	defer cancel()
	assert.Equal(t, 2, serveStatic(ctx, file, "0.0.0.0:0", &stderr))
	assert.Contains(t, stderr.String(), "want a loopback address")
}

func TestReportStatic(t *testing.T) {
	o, err := parseFlags([]string{"-auth", "none", "-fills", "empty", "-workloads", "typical", "-static"}, &bytes.Buffer{})
	require.NoError(t, err)
	require.True(t, o.static)
	s := func(store string, round int, rps float64) sample {
		return sample{workload: "typical", store: store, fill: "empty", auth: "none", round: round, requests: 1000,
			rps: rps, p50: 5 * time.Millisecond, p99: 20 * time.Millisecond, cpuPerCall: 400 * time.Microsecond, load: 2}
	}
	static := func(round int, rps float64) sample {
		st := s(storeStatic, round, rps)
		st.fill, st.auth = "", ""
		return st
	}
	rep := &report{opts: o, samples: []sample{
		s("sqlite", 1, 900), static(1, 5000), s("sqlite", 2, 800), static(2, 6000), s("sqlite", 3, 1000), static(3, 5500),
	}}
	text := rep.markdown()
	assert.Contains(t, text, "| typical | static | - | - | 5000–6000 | 5.00 | 20.0 | 0 of 3000 | - | - | 0.40 | 2.0 |")
	// Medians 900 / 5500; by round 900/5000, 800/6000, 1000/5500.
	assert.Contains(t, text, "| typical | sqlite | empty | none | 800–1000 | 5000–6000 | 0.164 | 0.133–0.182 |")
	assert.Contains(t, text, "- sqlite, empty: jakguard/static 0.164 (medians; by round 0.133–0.182) (budget ≥ 0.15: met)")

	rep.samples[4].rps = 700 // median 800 / 5500
	assert.Contains(t, rep.markdown(), "- sqlite, empty: jakguard/static 0.145 (medians; by round 0.127–0.180) (budget ≥ 0.15: MISSED)")

	rep.samples = []sample{s("sqlite", 1, 900)} // without -static: no ratio
	assert.NotContains(t, rep.markdown(), "jakguard/static")
}
