package hooks

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/procfs"

	"jakguard/rules"
)

// The workloads of docs/performance.md, made by testdata/bench/gen. Their
// dates are recent relative to benchNow.
var benchWorkloads = []struct{ name, file string }{
	{"typical", "../testdata/bench/typical.json"},
	{"large", "../testdata/bench/large.json"},
}

// benchNow is the benchmark server's clock: testdata/bench is dated for it.
var benchNow = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

// newBenchServer is the server as serve builds it, minus authentication,
// FHIR fallback and feedback store: Prometheus metrics on, random card
// uuids, logs discarded, the clock fixed.
func newBenchServer(tb testing.TB) *Server {
	tb.Helper()
	k, err := rules.LoadKnowledge(nil)
	if err != nil {
		tb.Fatal(err)
	}
	engine, err := rules.NewEngine(k, rules.DefaultConfig())
	if err != nil {
		tb.Fatal(err)
	}
	srv, err := NewServer(Config{}, Deps{
		Engine:  engine,
		Metrics: NewMetrics(prometheus.NewRegistry()),
		Logger:  slog.New(slog.DiscardHandler),
		Now:     func() time.Time { return benchNow },
	})
	if err != nil {
		tb.Fatal(err)
	}
	return srv
}

func readWorkload(tb testing.TB, file string) []byte {
	tb.Helper()
	body, err := os.ReadFile(file)
	if err != nil {
		tb.Fatalf("%v (make it with: go run ./testdata/bench/gen)", err)
	}
	return body
}

// TestBenchWorkloads checks that the workloads are what the benchmarks
// claim to measure: a 200 with valid cards; for typical, a complete
// baseline (no screening finding) and the former smoker's risk card.
func TestBenchWorkloads(t *testing.T) {
	srv := newBenchServer(t)
	tests := []struct {
		name, file  string
		wantCodes   []string
		wantMissing bool // some *-missing finding is expected
	}{
		{name: "typical", file: benchWorkloads[0].file, wantCodes: []string{"smoker"}},
		{name: "large", file: benchWorkloads[1].file, wantMissing: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := readWorkload(t, tc.file)
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodPost, "/cds-services/order-select", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			srv.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %.500s", rec.Code, rec.Body.String())
			}
			var resp Response
			if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
				t.Fatal(err)
			}
			if len(resp.Cards) == 0 {
				t.Fatal("no cards: the workload would not exercise card building")
			}
			codes := map[string]bool{}
			missing := false
			for _, c := range resp.Cards {
				for _, code := range c.Findings() {
					codes[code] = true
					missing = missing || strings.HasSuffix(code, "-missing")
				}
			}
			for _, code := range tc.wantCodes {
				if !codes[code] {
					t.Errorf("finding %s not reported; got %v", code, codes)
				}
			}
			if missing != tc.wantMissing {
				t.Errorf("screening findings present = %v, want %v; got %v", missing, tc.wantMissing, codes)
			}
		})
	}
}

// workloads are benchWorkloads, "extra5000" (typical with 5,000 more
// Observations, the large call of issue 17's budget; made by
// extraObservations, not stored) and, when JAKGUARD_BENCH_REQUEST names an
// order-select request file, that one as "custom" (to profile any request).
func workloads() []struct{ name, file string } {
	ws := append(benchWorkloads[:len(benchWorkloads):len(benchWorkloads)], struct{ name, file string }{"extra5000", extraWorkload})
	if f := os.Getenv("JAKGUARD_BENCH_REQUEST"); f != "" {
		ws = append(ws, struct{ name, file string }{"custom", f})
	}
	return ws
}

// extraWorkload names the workload extraObservations makes.
const extraWorkload = "typical+5000"

// extraObservations returns the typical workload with n more Observations
// in its observations Bundle: copies, under new ids, of its 200 older
// background labs and vital signs, which no rule reads at order time.
// JAKGUARD_BENCH_WRITE=file writes it there (to measure another build
// with JAKGUARD_BENCH_REQUEST).
func extraObservations(tb testing.TB, n int) []byte {
	tb.Helper()
	var req map[string]any
	if err := json.Unmarshal(readWorkload(tb, benchWorkloads[0].file), &req); err != nil {
		tb.Fatal(err)
	}
	obs := req["prefetch"].(map[string]any)["observations"].(map[string]any)
	entries := obs["entry"].([]any)
	background := entries[len(entries)-200:]
	for i := range n {
		var e map[string]any
		b, _ := json.Marshal(background[i%len(background)])
		if err := json.Unmarshal(b, &e); err != nil {
			tb.Fatal(err)
		}
		id := "extra-" + strconv.Itoa(i)
		e["fullUrl"] = "https://ehr.example.org/fhir/Observation/" + id
		e["resource"].(map[string]any)["id"] = id
		entries = append(entries, e)
	}
	obs["entry"] = entries
	body, err := json.Marshal(req)
	if err != nil {
		tb.Fatal(err)
	}
	if f := os.Getenv("JAKGUARD_BENCH_WRITE"); f != "" {
		if err := os.WriteFile(f, body, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return body
}

// TestBenchWorkloadsUpToDate re-makes the workloads with their generator
// and checks that the committed files are its output, byte for byte.
func TestBenchWorkloadsUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs testdata/bench/gen")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	out := t.TempDir()
	cmd := exec.CommandContext(t.Context(), goTool, "run", "./testdata/bench/gen", "-out", out)
	cmd.Dir = ".."
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run ./testdata/bench/gen: %v\n%s", err, msg)
	}
	for _, w := range benchWorkloads {
		want, err := os.ReadFile(filepath.Join(out, filepath.Base(w.file)))
		if err != nil {
			t.Fatal(err)
		}
		if got := readWorkload(t, w.file); !bytes.Equal(got, want) {
			t.Errorf("%s differs from the generator's output: run go run ./testdata/bench/gen", w.file)
		}
	}
}

// BenchmarkEvaluate is the whole hook path in process: decode the request,
// resolve prefetch, evaluate the rules, build and check the cards, encode.
func BenchmarkEvaluate(b *testing.B) {
	benchWorkloadsWith(b, func(b *testing.B, srv *Server, body []byte) {
		for b.Loop() {
			if _, err := srv.Evaluate(b.Context(), HookOrderSelect, body); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkServeHTTP adds Echo, the middleware (recover, request log,
// metrics, CORS, body limit) and the response writing.
func BenchmarkServeHTTP(b *testing.B) {
	benchWorkloadsWith(b, func(b *testing.B, srv *Server, body []byte) {
		for b.Loop() {
			serveOnce(b, srv, body)
		}
	})
}

// BenchmarkServeHTTPParallel is BenchmarkServeHTTP on every core at once:
// its ns/op is wall time per call across GOMAXPROCS goroutines.
func BenchmarkServeHTTPParallel(b *testing.B) {
	benchWorkloadsWith(b, func(b *testing.B, srv *Server, body []byte) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				serveOnce(b, srv, body)
			}
		})
	})
}

// benchWorkloadsWith runs loop as a sub-benchmark per workload against the
// bench server, reporting bytes, allocations and CPU time per call. The
// benchmarks run with the garbage collector set as jakguard runs it
// (GCPercent, 400); set GOGC (GOGC=100 for Go's default) to override.
func benchWorkloadsWith(b *testing.B, loop func(b *testing.B, srv *Server, body []byte)) {
	b.Cleanup(SetGCPercent())
	srv := newBenchServer(b)
	for _, w := range workloads() {
		var body []byte
		if w.file == extraWorkload {
			body = extraObservations(b, 5000)
		} else {
			body = readWorkload(b, w.file)
		}
		b.Run(w.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			cpu := startCPU()
			loop(b, srv, body)
			cpu.report(b)
		})
	}
}

func serveOnce(b *testing.B, srv *Server, body []byte) {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/cds-services/order-select", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("status %d: %.300s", rec.Code, rec.Body.String())
	}
}

// cpuClock measures the CPU time (user and system, all threads, GC
// included) the benchmark process spends, which unlike ns/op does not grow
// when other processes compete for the cores. Linux only: elsewhere it
// reports nothing.
type cpuClock struct {
	start time.Duration
	ok    bool
}

func startCPU() cpuClock {
	d, ok := processCPU()
	return cpuClock{start: d, ok: ok}
}

// report adds the cpu-ns/op metric.
func (c cpuClock) report(b *testing.B) {
	end, ok := processCPU()
	if !c.ok || !ok || b.N == 0 {
		return
	}
	b.ReportMetric(float64(end-c.start)/float64(b.N), "cpu-ns/op")
}

// processCPU reads the process's CPU time from /proc/self/stat (procfs),
// in clock ticks of 10 ms.
func processCPU() (time.Duration, bool) {
	p, err := procfs.Self()
	if err != nil {
		return 0, false
	}
	st, err := p.Stat()
	if err != nil {
		return 0, false
	}
	return time.Duration(st.CPUTime() * float64(time.Second)), true
}
