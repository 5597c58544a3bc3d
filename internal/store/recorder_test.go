package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeStore lets recorder tests block or fail writes.
type fakeStore struct {
	record func(ctx context.Context, cards []CardRecord) error
	mu     sync.Mutex
	cards  int
	audits int
}

var _ Store = (*fakeStore)(nil)

func (f *fakeStore) Record(ctx context.Context, b Batch) error {
	if f.record != nil {
		if err := f.record(ctx, b.Cards); err != nil {
			return err
		}
	}
	f.mu.Lock()
	f.cards += len(b.Cards)
	f.audits += len(b.Audits)
	f.mu.Unlock()
	return nil
}
func (f *fakeStore) Audit(context.Context, AuditQuery) ([]AuditRecord, error) { return nil, nil }
func (f *fakeStore) Prune(context.Context, PruneRequest) (Pruned, error)      { return Pruned{}, nil }
func (f *fakeStore) AddFeedback(context.Context, []Feedback) (int, error)     { return 0, nil }
func (f *fakeStore) Report(context.Context, time.Time) (Report, error)        { return Report{}, nil }
func (f *fakeStore) Analytics(context.Context, AnalyticsQuery) (Analytics, error) {
	return Analytics{}, nil
}
func (f *fakeStore) Ping(context.Context) error { return nil }
func (f *fakeStore) Close() error               { return nil }
func (f *fakeStore) count() int                 { f.mu.Lock(); defer f.mu.Unlock(); return f.cards }

func oneCard(i int) []CardRecord {
	return []CardRecord{card(fmt.Sprintf("c%d", i), []string{"smoker"})}
}

func auditRecord(i int) *AuditRecord {
	return &AuditRecord{Time: t0.Add(time.Duration(i) * time.Millisecond), Service: "order-sign",
		HookInstance: fmt.Sprintf("hi-%d", i), Status: 200, LatencyMs: 1.5}
}

func TestRecorderDropsWhenFullWithoutBlocking(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	fs := &fakeStore{record: func(ctx context.Context, _ []CardRecord) error {
		select {
		case started <- struct{}{}:
		default:
		}
		<-release
		return nil
	}}
	rec := NewRecorder(fs, nil, RecorderConfig{Queue: 4})
	rec.Record(oneCard(0), auditRecord(0))
	<-started // the writer now holds one call and is blocked
	begin := time.Now()
	const calls = 100
	for i := 1; i <= calls; i++ {
		rec.Record(oneCard(i), auditRecord(i))
	}
	if d := time.Since(begin); d > time.Second {
		t.Errorf("Record blocked while the store was stuck: %v for %d calls", d, calls)
	}
	st := rec.Stats()
	if st.CardsDropped < calls-4 || st.AuditDropped != st.CardsDropped {
		t.Errorf("dropped %d cards and %d audit records, want at least %d of each", st.CardsDropped, st.AuditDropped, calls-4)
	}
	if st.Queued != 4 {
		t.Errorf("queued = %d, want the queue's 4", st.Queued)
	}
	close(release)
	if err := rec.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	st = rec.Stats()
	if total := uint64(fs.count()) + st.CardsDropped; total != calls+1 {
		t.Errorf("written %d + dropped %d != %d recorded", fs.count(), st.CardsDropped, calls+1)
	}
	if total := uint64(fs.audits) + st.AuditDropped; total != calls+1 {
		t.Errorf("audit written %d + dropped %d != %d recorded", fs.audits, st.AuditDropped, calls+1)
	}
	if st.CardsWritten != uint64(fs.count()) || st.AuditWritten != uint64(fs.audits) {
		t.Errorf("written %d/%d, store has %d/%d", st.CardsWritten, st.AuditWritten, fs.count(), fs.audits)
	}
}

func TestRecorderCountsFailedWritesAsDropped(t *testing.T) {
	fs := &fakeStore{record: func(context.Context, []CardRecord) error { return errors.New("disk full") }}
	rec := NewRecorder(fs, nil, RecorderConfig{Queue: 10})
	rec.Record(append(oneCard(1), oneCard(2)...), auditRecord(1))
	if err := rec.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if st := rec.Stats(); st.CardsDropped != 2 || st.AuditDropped != 1 || st.CardsWritten != 0 || st.AuditWritten != 0 {
		t.Errorf("stats %+v, want 2 cards and 1 audit record dropped, none written", st)
	}
}

func TestRecorderRetriesOnce(t *testing.T) {
	calls := 0
	fs := &fakeStore{record: func(context.Context, []CardRecord) error {
		calls++
		if calls == 1 {
			return errors.New("transient")
		}
		return nil
	}}
	rec := NewRecorder(fs, nil, RecorderConfig{Queue: 10})
	rec.Record(oneCard(1), nil)
	if err := rec.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if st := rec.Stats(); st.CardsWritten != 1 || st.CardsDropped != 0 {
		t.Errorf("written %d dropped %d, want 1 and 0", st.CardsWritten, st.CardsDropped)
	}
}

// A database that hangs: the write times out, the batch is dropped and
// counted without a second wait, and the writer moves on.
func TestRecorderTimeoutDropsWithoutRetry(t *testing.T) {
	var calls atomic.Int32
	fs := &fakeStore{record: func(ctx context.Context, _ []CardRecord) error {
		calls.Add(1)
		<-ctx.Done()
		return fmt.Errorf("record: %w", ctx.Err())
	}}
	rec := NewRecorder(fs, nil, RecorderConfig{Queue: 10, Timeout: 50 * time.Millisecond})
	begin := time.Now()
	rec.Record(oneCard(1), auditRecord(1))
	if err := rec.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(begin); d > time.Second {
		t.Errorf("a hung write held the recorder %v", d)
	}
	if st := rec.Stats(); st.CardsDropped != 1 || st.AuditDropped != 1 || calls.Load() != 1 {
		t.Errorf("stats %+v after %d attempts; want 1 card and 1 audit record dropped after 1 attempt", st, calls.Load())
	}
}

func TestRecorderBatches(t *testing.T) {
	gate := make(chan struct{})
	var mu sync.Mutex
	var sizes []int
	fs := &fakeStore{record: func(_ context.Context, cards []CardRecord) error {
		<-gate
		mu.Lock()
		sizes = append(sizes, len(cards))
		mu.Unlock()
		return nil
	}}
	rec := NewRecorder(fs, nil, RecorderConfig{Queue: 1000, Batch: 100})
	for i := range 600 {
		rec.Record(oneCard(i), auditRecord(i))
	}
	close(gate)
	if err := rec.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if fs.count() != 600 || fs.audits != 600 {
		t.Fatalf("wrote %d cards and %d audit records, want 600 of each", fs.count(), fs.audits)
	}
	for _, n := range sizes {
		if n > 100 {
			t.Errorf("batch of %d calls, max 100", n)
		}
	}
	if len(sizes) > 600/50 {
		t.Errorf("%d writes for 600 queued calls: not batching", len(sizes))
	}
}

// Calls arriving within Linger share one transaction; without Linger each
// is written as it comes.
func TestRecorderLingers(t *testing.T) {
	for _, tc := range []struct {
		linger  time.Duration
		batches func(n int) bool
	}{
		{time.Second, func(n int) bool { return n == 1 }},
		{-1, func(n int) bool { return n >= 5 }},
	} {
		var mu sync.Mutex
		batches := 0
		fs := &fakeStore{record: func(context.Context, []CardRecord) error {
			mu.Lock()
			batches++
			mu.Unlock()
			return nil
		}}
		rec := NewRecorder(fs, nil, RecorderConfig{Queue: 100, Linger: tc.linger})
		for i := range 10 {
			rec.Record(oneCard(i), auditRecord(i))
			time.Sleep(10 * time.Millisecond)
		}
		begin := time.Now()
		if err := rec.Close(t.Context()); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(begin); d > 500*time.Millisecond {
			t.Errorf("linger %v: Close waited %v: it must end the wait", tc.linger, d)
		}
		if !tc.batches(batches) || fs.count() != 10 {
			t.Errorf("linger %v: 10 calls 10 ms apart written in %d transactions (%d cards)", tc.linger, batches, fs.count())
		}
	}
}

func TestRecorderAfterClose(t *testing.T) {
	fs := &fakeStore{}
	rec := NewRecorder(fs, nil, RecorderConfig{Queue: 10})
	if err := rec.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	rec.Record(oneCard(1), auditRecord(1)) // must not panic
	if st := rec.Stats(); st.CardsDropped != 1 || st.AuditDropped != 1 || fs.count() != 0 {
		t.Errorf("after Close: stats %+v, stored %d; want 1 and 1 dropped, 0 stored", st, fs.count())
	}
	if err := rec.Close(t.Context()); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// An invalid record (a bug in the caller) is dropped and counted alone: it
// does not fail the batch of other calls.
func TestRecorderDropsInvalidRecordAlone(t *testing.T) {
	fs := &fakeStore{}
	rec := NewRecorder(fs, nil, RecorderConfig{Queue: 10})
	rec.Record([]CardRecord{{Service: "order-sign"}}, nil) // no uuid
	rec.Record(nil, &AuditRecord{Service: "order-sign"})   // no status
	rec.Record(oneCard(1), auditRecord(1))
	if err := rec.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if st := rec.Stats(); st.CardsDropped != 1 || st.AuditDropped != 1 || st.CardsWritten != 1 || st.AuditWritten != 1 {
		t.Errorf("stats %+v; want one of each dropped and one of each written", st)
	}
}

func TestRecorderCloseTimesOut(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	fs := &fakeStore{record: func(context.Context, []CardRecord) error { <-release; return nil }}
	rec := NewRecorder(fs, nil, RecorderConfig{Queue: 10})
	rec.Record(oneCard(1), nil)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if err := rec.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Close with a stuck store: got %v, want DeadlineExceeded", err)
	}
}

// BenchmarkRecord measures what a hook call pays to record its cards and
// audit record when the queue has room (the normal case).
func BenchmarkRecord(b *testing.B) {
	rec := NewRecorder(&fakeStore{}, nil, RecorderConfig{Queue: b.N + 1})
	cards := []CardRecord{card("c1", []string{"tb-screening-missing", "hbv-screening-missing"}, "s1"), card("c2", []string{"smoker"})}
	audit := auditRecord(1)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		rec.Record(cards, audit)
	}
	b.StopTimer()
	rec.Close(context.Background())
	b.ReportMetric(float64(rec.Stats().CardsDropped)/float64(b.N), "dropped/op")
}

// BenchmarkRecordFull measures the drop path: the store is stuck and the
// queue is full.
func BenchmarkRecordFull(b *testing.B) {
	release := make(chan struct{})
	rec := NewRecorder(&fakeStore{record: func(context.Context, []CardRecord) error { <-release; return nil }}, nil, RecorderConfig{Queue: 1})
	cards := []CardRecord{card("c1", []string{"smoker"})}
	audit := auditRecord(1)
	for range 3 {
		rec.Record(cards, audit) // one in the writer, one queued, one dropped
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		rec.Record(cards, audit)
	}
	b.StopTimer()
	close(release)
	rec.Close(context.Background())
}

// BenchmarkRecordParallel: many hook calls recording at once.
func BenchmarkRecordParallel(b *testing.B) {
	rec := NewRecorder(&fakeStore{}, nil, RecorderConfig{Queue: b.N + 1})
	cards := []CardRecord{card("c1", []string{"smoker"})}
	audit := auditRecord(1)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			rec.Record(cards, audit)
		}
	})
	b.StopTimer()
	rec.Close(context.Background())
	b.ReportMetric(float64(rec.Stats().CardsDropped)/float64(b.N), "dropped/op")
}
