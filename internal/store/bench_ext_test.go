package store_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"jakguard/internal/store"
	"jakguard/internal/store/storebench"
)

// The recording benchmarks of docs/performance.md ("Recording") and the
// disk figures of docs/deployment.md. PostgreSQL runs when
// JAKGUARD_TEST_POSTGRES is set. The full stores hold JAKGUARD_BENCH_FULL
// card records (default 1,000,000: 333,334 calls with three cards and
// 666,666 without, spread over 400 days), written before the timer starts.

// benchStore is a fresh store of one backend and how to measure its size.
type benchStore struct {
	name string
	s    store.Store
	size func() int64 // bytes on disk, indexes included
}

func fullCards() int {
	if v, err := strconv.Atoi(os.Getenv("JAKGUARD_BENCH_FULL")); err == nil && v > 0 {
		return v
	}
	return 1_000_000
}

func openBenchSQLite(b *testing.B) benchStore {
	path := filepath.Join(b.TempDir(), "bench.db")
	s, err := store.Open(context.Background(), "sqlite:"+path, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	size := func() int64 {
		// Fold the WAL into the file first: its size is what stays.
		db, err := sql.Open("sqlite", path)
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			b.Fatal(err)
		}
		st, err := os.Stat(path)
		if err != nil {
			b.Fatal(err)
		}
		return st.Size()
	}
	return benchStore{name: "sqlite", s: s, size: size}
}

func openBenchPostgres(b *testing.B) (benchStore, bool) {
	base := os.Getenv("JAKGUARD_TEST_POSTGRES")
	if base == "" {
		return benchStore{}, false
	}
	ctx := context.Background()
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
	size := func() int64 {
		if _, err := admin.Exec(ctx, "VACUUM ANALYZE"); err != nil {
			b.Fatal(err)
		}
		var n int64
		err := admin.QueryRow(ctx, `SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) FROM pg_class c
			JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'`, schema).Scan(&n)
		if err != nil {
			b.Fatal(err)
		}
		return n
	}
	return benchStore{name: "postgres", s: s, size: size}, true
}

// benchStores opens, per backend, an empty store and a full one.
func benchStores(b *testing.B) []benchStore {
	var out []benchStore
	opens := []func(*testing.B) (benchStore, bool){
		func(b *testing.B) (benchStore, bool) { return openBenchSQLite(b), true },
		openBenchPostgres,
	}
	for _, open := range opens {
		empty, ok := open(b)
		if !ok {
			b.Log("PostgreSQL skipped: set JAKGUARD_TEST_POSTGRES")
			continue
		}
		full, _ := open(b)
		begin := time.Now()
		if err := storebench.Fill(context.Background(), full.s, fullCards(), 400*24*time.Hour, 5000); err != nil {
			b.Fatal(err)
		}
		b.Logf("%s: filled with %d cards in %v, %d MB", full.name, fullCards(), time.Since(begin).Round(time.Second), full.size()>>20)
		empty.name += "/empty"
		full.name += fmt.Sprintf("/full-%dk", fullCards()/1000)
		out = append(out, empty, full)
	}
	return out
}

// BenchmarkRecorder records the Call mix through a Recorder as fast as the
// benchmark can queue it, and waits for the writer to finish: ns/op is the
// writer's time per hook call, calls/s its throughput; record-ns/call is
// what a hook call pays (the queueing). The queue holds every call, so
// nothing is dropped.
func BenchmarkRecorder(b *testing.B) {
	for _, bs := range benchStores(b) {
		b.Run(bs.name, func(b *testing.B) {
			calls := make([]struct {
				cards []store.CardRecord
				audit *store.AuditRecord
			}, b.N)
			now := time.Now()
			for i := range calls {
				calls[i].cards, calls[i].audit = storebench.Call(i, now)
			}
			rec := store.NewRecorder(bs.s, nil, store.RecorderConfig{Queue: b.N + 1})
			b.ResetTimer()
			cpu0, pg0 := processCPU(), storebench.PostgresCPU()
			begin := time.Now()
			for _, c := range calls {
				rec.Record(c.cards, c.audit)
			}
			queued := time.Since(begin)
			if err := rec.Close(context.Background()); err != nil {
				b.Fatal(err)
			}
			total := time.Since(begin)
			cpu, pg := processCPU()-cpu0, storebench.PostgresCPU()-pg0
			b.StopTimer()
			if st := rec.Stats(); st.AuditDropped != 0 || st.AuditWritten != uint64(b.N) {
				b.Fatalf("stats %+v for %d calls", st, b.N)
			}
			b.ReportMetric(float64(b.N)/total.Seconds(), "calls/s")
			b.ReportMetric(float64(queued.Nanoseconds())/float64(b.N), "record-ns/call")
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/call")
			if strings.HasPrefix(bs.name, "postgres") {
				b.ReportMetric(float64(pg.Nanoseconds())/float64(b.N), "server-cpu-ns/call")
			}
		})
	}
}

// BenchmarkReport is the analytics (jakguard report, /analytics/findings)
// over the full store: the last 30 days, and everything (400 days). The
// stores hold no feedback: the cost is in reading the cards shown.
func BenchmarkReport(b *testing.B) {
	for _, bs := range benchStores(b) {
		s := bs.s
		for _, since := range []time.Duration{30 * 24 * time.Hour, 0} {
			name := bs.name + "/since-30d"
			if since == 0 {
				name = bs.name + "/all"
			}
			b.Run(name, func(b *testing.B) {
				from := time.Time{}
				if since > 0 {
					from = time.Now().Add(-since)
				}
				for b.Loop() {
					r, err := s.Report(context.Background(), from)
					if err != nil {
						b.Fatal(err)
					}
					if len(r.Findings) == 0 && strings.Contains(bs.name, "full") {
						b.Fatal("no findings in a full store")
					}
				}
			})
		}
	}
}

// BenchmarkRecorderSteady records the Call mix at a steady rate
// (JAKGUARD_BENCH_RATE calls a second, default 500), as hook traffic comes,
// with the default Linger and without: cpu-ns/call is what recording costs
// this process per hook call (for PostgreSQL the server's share is not
// included). Each op is one call: -benchtime=2500x runs 5 s at 500/s.
func BenchmarkRecorderSteady(b *testing.B) {
	rate := 500
	if v, err := strconv.Atoi(os.Getenv("JAKGUARD_BENCH_RATE")); err == nil && v > 0 {
		rate = v
	}
	backends := []struct {
		name string
		open func(*testing.B) (benchStore, bool)
	}{
		// The pacing alone (the loop's wake-ups), to subtract.
		{"no-store", func(b *testing.B) (benchStore, bool) { return benchStore{name: "no-store", s: nopStore{}}, true }},
		{"sqlite", func(b *testing.B) (benchStore, bool) { return openBenchSQLite(b), true }},
		{"postgres", openBenchPostgres},
	}
	for _, be := range backends {
		for _, linger := range []time.Duration{store.DefaultRecorderLinger, -1} {
			name := be.name + "/linger-" + store.DefaultRecorderLinger.String()
			if linger < 0 {
				name = be.name + "/no-linger"
			}
			b.Run(name, func(b *testing.B) {
				bs, ok := be.open(b)
				if !ok {
					b.Skip("PostgreSQL: set JAKGUARD_TEST_POSTGRES")
				}
				now := time.Now()
				calls := make([]struct {
					cards []store.CardRecord
					audit *store.AuditRecord
				}, b.N)
				for i := range calls {
					calls[i].cards, calls[i].audit = storebench.Call(i, now)
				}
				rec := store.NewRecorder(bs.s, nil, store.RecorderConfig{Queue: b.N + 1, Linger: linger})
				tick := time.NewTicker(time.Second / time.Duration(rate))
				defer tick.Stop()
				b.ResetTimer()
				cpu0 := processCPU()
				for _, c := range calls {
					<-tick.C
					rec.Record(c.cards, c.audit)
				}
				if err := rec.Close(context.Background()); err != nil {
					b.Fatal(err)
				}
				cpu := processCPU() - cpu0
				b.StopTimer()
				if st := rec.Stats(); st.AuditWritten != uint64(b.N) {
					b.Fatalf("stats %+v", st)
				}
				b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/call")
			})
		}
	}
}

// nopStore writes nothing.
type nopStore struct{ store.Store }

func (nopStore) Record(context.Context, store.Batch) error { return nil }

// processCPU is the CPU time (user and system, all threads) of this
// process so far, from /proc/self/stat (clock ticks of 10 ms); 0 elsewhere.
// Unlike wall time it does not grow when other processes take the cores;
// it includes the SQLite engine, in process, but not the PostgreSQL server.
func processCPU() time.Duration {
	data, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0
	}
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// BenchmarkDiskPerCall writes b.N calls of one kind in transactions of 256
// calls and reports the growth of the store on disk per call (run with
// -benchtime=100000x or more: the page granularity blurs small counts) and
// the CPU the writing took (for SQLite, the engine included).
// JAKGUARD_BENCH_PREFILL=N first fills the store with N card records.
func BenchmarkDiskPerCall(b *testing.B) {
	kinds := []struct {
		name string
		call func(i int, at time.Time) ([]store.CardRecord, *store.AuditRecord)
	}{
		{"three-cards", storebench.CardsCall},
		{"no-cards", func(i int, at time.Time) ([]store.CardRecord, *store.AuditRecord) {
			return nil, storebench.QuietCall(i, at)
		}},
	}
	opens := []func(*testing.B) (benchStore, bool){
		func(b *testing.B) (benchStore, bool) { return openBenchSQLite(b), true },
		openBenchPostgres,
	}
	for _, open := range opens {
		for _, k := range kinds {
			b.Run(k.name, func(b *testing.B) {
				bs, ok := open(b)
				if !ok {
					b.Skip("PostgreSQL: set JAKGUARD_TEST_POSTGRES")
				}
				if n, _ := strconv.Atoi(os.Getenv("JAKGUARD_BENCH_PREFILL")); n > 0 {
					if err := storebench.Fill(context.Background(), bs.s, n, 400*24*time.Hour, 5000); err != nil {
						b.Fatal(err)
					}
					bs.name += fmt.Sprintf("/prefilled-%dk", n/1000)
				}
				b.Run(bs.name, func(b *testing.B) {
					before := bs.size()
					now := time.Now()
					var batches []store.Batch
					var batch store.Batch
					for i := range b.N {
						cs, a := k.call(i, now)
						batch.Cards = append(batch.Cards, cs...)
						batch.Audits = append(batch.Audits, *a)
						if len(batch.Audits) == 256 || i == b.N-1 {
							batches = append(batches, batch)
							batch = store.Batch{}
						}
					}
					b.ResetTimer()
					cpu0 := processCPU()
					for _, batch := range batches {
						if err := bs.s.Record(context.Background(), batch); err != nil {
							b.Fatal(err)
						}
					}
					cpu := processCPU() - cpu0
					b.StopTimer()
					b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/call")
					b.ReportMetric(float64(bs.size()-before)/float64(b.N), "bytes/call")
				})
			})
		}
	}
}
