package hooks

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"jakguard/internal/store"
)

// BenchmarkAuditOnOff is one typical hook call through the HTTP handler
// with the card and audit recorder off (no store, as `jakguard eval`) and on
// (as serve runs it: the recorder into a SQLite file, and into PostgreSQL
// when JAKGUARD_TEST_POSTGRES is set, with the audit key hashing the patient
// id). Besides ns/op it reports the median and 99th percentile of one
// call's latency and the process CPU per call; dropped/op must stay 0
// (docs/performance.md, "Audit on and off").
//
// The "interleaved" run alternates the calls, off then on (SQLite), so that
// both meet the same load from elsewhere: on a shared machine that drifts,
// this comparison is the fairer one.
func BenchmarkAuditOnOff(b *testing.B) {
	b.Cleanup(SetGCPercent())
	body := readWorkload(b, benchWorkloads[0].file)
	for _, target := range []string{"off", "on/sqlite", "on/postgres"} {
		b.Run(target, func(b *testing.B) {
			srv, rec := auditBenchServer(b, target)
			lat := make([]time.Duration, 0, 4096)
			b.ReportAllocs()
			cpu := startCPU()
			for b.Loop() {
				start := time.Now()
				serveOnce(b, srv, body)
				lat = append(lat, time.Since(start))
			}
			if rec != nil {
				// The writer's remaining work belongs to these calls.
				if err := rec.Close(context.Background()); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(rec.Stats().AuditDropped)/float64(b.N), "dropped/op")
			}
			cpu.report(b)
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
		})
	}
	b.Run("interleaved", func(b *testing.B) {
		off, _ := auditBenchServer(b, "off")
		on, rec := auditBenchServer(b, "on/sqlite")
		var latOff, latOn []time.Duration
		i := 0
		for b.Loop() {
			srv, lat := off, &latOff
			if i%2 == 1 {
				srv, lat = on, &latOn
			}
			i++
			start := time.Now()
			serveOnce(b, srv, body)
			*lat = append(*lat, time.Since(start))
		}
		if err := rec.Close(context.Background()); err != nil {
			b.Fatal(err)
		}
		for _, l := range []struct {
			name string
			lat  []time.Duration
		}{{"off", latOff}, {"on", latOn}} {
			if len(l.lat) == 0 {
				return
			}
			slices.Sort(l.lat)
			b.ReportMetric(float64(l.lat[len(l.lat)/2].Microseconds()), l.name+"-p50-µs")
			b.ReportMetric(float64(l.lat[len(l.lat)*99/100].Microseconds()), l.name+"-p99-µs")
		}
		b.ReportMetric(float64(rec.Stats().AuditDropped)/float64(b.N), "dropped/op")
	})
}

// auditBenchServer is the benchmark server with the recorder off ("off")
// or on into "on/sqlite" or "on/postgres" (skipped without
// JAKGUARD_TEST_POSTGRES).
func auditBenchServer(b *testing.B, target string) (*Server, *store.Recorder) {
	srv := newBenchServer(b)
	if target == "off" {
		return srv, nil
	}
	st := openRecordingStore(b, target[len("on/"):])
	if st == nil {
		b.Skip("JAKGUARD_TEST_POSTGRES not set")
	}
	rec := store.NewRecorder(st, nil, store.RecorderConfig{})
	srv.store, srv.recorder = st, rec
	srv.auditKey, _ = store.NewAuditKey([]byte("bench-audit-key-0123456789abcdef-0123"))
	reg := prometheus.NewRegistry()
	srv.metrics = NewMetrics(reg)
	srv.metrics.RegisterRecorder(reg, rec.Stats)
	return srv, rec
}
