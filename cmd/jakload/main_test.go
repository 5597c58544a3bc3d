package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

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

func TestParseStat(t *testing.T) {
	d, ok := parseStat([]byte("42 (jak guard) (x)) S 1 2 3 4 5 6 7 8 9 10 150 25 0 0"))
	require.True(t, ok)
	assert.Equal(t, 1750*time.Millisecond, d)
	_, ok = parseStat([]byte("garbage"))
	assert.False(t, ok)
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
