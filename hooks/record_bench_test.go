package hooks

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"jakguard/internal/store"
	"jakguard/internal/store/storebench"
)

// BenchmarkHookRecording is the typical hook call (BenchmarkServeHTTP) with
// the card and audit recorder on, as serve runs it, into an empty store and
// into one holding JAKGUARD_BENCH_FULL card records (default 1,000,000, with
// the audit records of their calls and twice as many quiet calls, spread
// over 400 days): SQLite file, and PostgreSQL when JAKGUARD_TEST_POSTGRES is
// set. The hook's latency must not depend on how full the store is; the
// recorder's CPU shows in cpu-ns/op (for PostgreSQL without the server's).
// dropped/op should be 0: the writer keeps up.
func BenchmarkHookRecording(b *testing.B) {
	b.Cleanup(SetGCPercent())
	body := readWorkload(b, benchWorkloads[0].file)
	full := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("JAKGUARD_BENCH_FULL")); err == nil && v > 0 {
		full = v
	}
	type target struct {
		name string
		s    store.Store
	}
	targets := []target{{name: "no-store"}}
	for _, be := range []string{"sqlite", "postgres"} {
		for _, fill := range []int{0, full} {
			s := openRecordingStore(b, be)
			if s == nil {
				continue
			}
			name := be + "/empty"
			if fill > 0 {
				begin := time.Now()
				if err := storebench.Fill(context.Background(), s, fill, 400*24*time.Hour, 5000); err != nil {
					b.Fatal(err)
				}
				b.Logf("%s: filled with %d cards in %v", be, fill, time.Since(begin).Round(time.Second))
				name = fmt.Sprintf("%s/full-%dk", be, fill/1000)
			}
			targets = append(targets, target{name, s})
		}
	}
	for _, tg := range targets {
		for _, parallel := range []bool{false, true} {
			name := tg.name
			if parallel {
				name += "/parallel"
			}
			b.Run(name, func(b *testing.B) {
				srv := newBenchServer(b)
				var rec *store.Recorder
				if tg.s != nil {
					rec = store.NewRecorder(tg.s, nil, store.RecorderConfig{})
					srv.store, srv.recorder = tg.s, rec
					srv.auditKey, _ = store.NewAuditKey([]byte("bench-audit-key-0123456789abcdef-0123"))
					reg := prometheus.NewRegistry()
					srv.metrics = NewMetrics(reg)
					srv.metrics.RegisterRecorder(reg, rec.Stats)
				}
				b.SetBytes(int64(len(body)))
				b.ReportAllocs()
				cpu, pg0 := startCPU(), storebench.PostgresCPU()
				if parallel {
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							serveOnce(b, srv, body)
						}
					})
				} else {
					for b.Loop() {
						serveOnce(b, srv, body)
					}
				}
				if rec != nil {
					// The writer's remaining work belongs to these calls.
					if err := rec.Close(context.Background()); err != nil {
						b.Fatal(err)
					}
				}
				cpu.report(b)
				if rec != nil {
					b.ReportMetric(float64(rec.Stats().AuditDropped)/float64(b.N), "dropped/op")
				}
				if strings.HasPrefix(tg.name, "postgres") {
					b.ReportMetric(float64((storebench.PostgresCPU()-pg0).Nanoseconds())/float64(b.N), "server-cpu-ns/op")
				}
			})
		}
	}
}

// openRecordingStore opens a fresh store of the backend, or nil for
// PostgreSQL without JAKGUARD_TEST_POSTGRES.
func openRecordingStore(b *testing.B, backend string) store.Store {
	ctx := context.Background()
	if backend == "sqlite" {
		s, err := store.Open(ctx, "sqlite:"+filepath.Join(b.TempDir(), "bench.db"), nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		return s
	}
	base := os.Getenv("JAKGUARD_TEST_POSTGRES")
	if base == "" {
		return nil
	}
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		b.Fatalf("JAKGUARD_TEST_POSTGRES: %v", err)
	}
	rb := make([]byte, 6)
	rand.Read(rb)
	schema := "jakguard_bench_" + hex.EncodeToString(rb)
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		b.Fatal(err)
	}
	u, _ := url.Parse(base)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	s, err := store.Open(ctx, u.String(), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		s.Close()
		admin.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		admin.Close(context.Background())
	})
	return s
}

// BenchmarkHookFullVsEmpty answers the typical call in alternating rounds
// against servers recording into no store, an empty store and a full one
// (each backend as in BenchmarkHookRecording), so that all see the same
// machine however its load drifts: b.N calls per target, in 20 rounds.
// It reports each target's median round time per call and the ratio of
// full to empty, the budget being within 10 %.
func BenchmarkHookFullVsEmpty(b *testing.B) {
	b.Cleanup(SetGCPercent())
	body := readWorkload(b, benchWorkloads[0].file)
	full := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("JAKGUARD_BENCH_FULL")); err == nil && v > 0 {
		full = v
	}
	for _, be := range []string{"sqlite", "postgres"} {
		empty, filled := openRecordingStore(b, be), openRecordingStore(b, be)
		if empty == nil {
			continue
		}
		if err := storebench.Fill(context.Background(), filled, full, 400*24*time.Hour, 5000); err != nil {
			b.Fatal(err)
		}
		b.Run(be, func(b *testing.B) {
			names := []string{"no-store", "empty", "full"}
			servers := make([]*Server, 3)
			for i, s := range []store.Store{nil, empty, filled} {
				servers[i] = newBenchServer(b)
				if s != nil {
					rec := store.NewRecorder(s, nil, store.RecorderConfig{})
					b.Cleanup(func() { rec.Close(context.Background()) })
					servers[i].store, servers[i].recorder = s, rec
					servers[i].auditKey, _ = store.NewAuditKey([]byte("bench-audit-key-0123456789abcdef-0123"))
				}
			}
			const rounds = 20
			per := max(b.N/rounds, 1)
			times := make([][]time.Duration, 3)
			b.ResetTimer()
			for range rounds {
				for i, srv := range servers {
					begin := time.Now()
					for range per {
						serveOnce(b, srv, body)
					}
					times[i] = append(times[i], time.Since(begin)/time.Duration(per))
				}
			}
			b.StopTimer()
			med := make([]time.Duration, 3)
			for i := range times {
				slices.Sort(times[i])
				med[i] = times[i][rounds/2]
				b.ReportMetric(float64(med[i].Nanoseconds()), names[i]+"-ns/call")
			}
			b.ReportMetric(float64(med[2])/float64(med[1]), "full/empty")
		})
	}
}
