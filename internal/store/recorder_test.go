package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// fakeStore lets recorder tests block or fail writes.
type fakeStore struct {
	record func(ctx context.Context, cards []CardRecord) error
	mu     sync.Mutex
	cards  int
}

var _ Store = (*fakeStore)(nil)

func (f *fakeStore) RecordCards(ctx context.Context, cards []CardRecord) error {
	if f.record != nil {
		if err := f.record(ctx, cards); err != nil {
			return err
		}
	}
	f.mu.Lock()
	f.cards += len(cards)
	f.mu.Unlock()
	return nil
}
func (f *fakeStore) AddFeedback(context.Context, []Feedback) (int, error) { return 0, nil }
func (f *fakeStore) Report(context.Context, time.Time) (Report, error)    { return Report{}, nil }
func (f *fakeStore) Ping(context.Context) error                           { return nil }
func (f *fakeStore) Close() error                                         { return nil }
func (f *fakeStore) count() int                                           { f.mu.Lock(); defer f.mu.Unlock(); return f.cards }

func oneCard(i int) []CardRecord {
	return []CardRecord{card(fmt.Sprintf("c%d", i), []string{"smoker"})}
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
	rec := NewRecorder(fs, nil, 4)
	rec.Record(oneCard(0))
	<-started // the writer now holds one call and is blocked
	begin := time.Now()
	const calls = 100
	for i := 1; i <= calls; i++ {
		rec.Record(oneCard(i))
	}
	if d := time.Since(begin); d > time.Second {
		t.Errorf("Record blocked while the store was stuck: %v for %d calls", d, calls)
	}
	if got := rec.Dropped(); got < calls-4 {
		t.Errorf("dropped %d, want at least %d", got, calls-4)
	}
	close(release)
	if err := rec.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if total := uint64(fs.count()) + rec.Dropped(); total != calls+1 {
		t.Errorf("written %d + dropped %d != %d recorded", fs.count(), rec.Dropped(), calls+1)
	}
	if rec.Recorded() != uint64(fs.count()) {
		t.Errorf("Recorded() = %d, store has %d", rec.Recorded(), fs.count())
	}
}

func TestRecorderCountsFailedWritesAsDropped(t *testing.T) {
	fs := &fakeStore{record: func(context.Context, []CardRecord) error { return errors.New("disk full") }}
	rec := NewRecorder(fs, nil, 10)
	rec.Record(append(oneCard(1), oneCard(2)...))
	if err := rec.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if rec.Dropped() != 2 || rec.Recorded() != 0 {
		t.Errorf("dropped %d recorded %d, want 2 and 0", rec.Dropped(), rec.Recorded())
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
	rec := NewRecorder(fs, nil, 10)
	rec.Record(oneCard(1))
	if err := rec.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if rec.Recorded() != 1 || rec.Dropped() != 0 {
		t.Errorf("recorded %d dropped %d, want 1 and 0", rec.Recorded(), rec.Dropped())
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
	rec := NewRecorder(fs, nil, 1000)
	for i := range 600 {
		rec.Record(oneCard(i))
	}
	close(gate)
	if err := rec.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if fs.count() != 600 {
		t.Fatalf("wrote %d cards, want 600", fs.count())
	}
	for _, n := range sizes {
		if n > recorderBatch {
			t.Errorf("batch of %d cards, max %d", n, recorderBatch)
		}
	}
	if len(sizes) > 600/2 {
		t.Errorf("%d writes for 600 queued cards: not batching", len(sizes))
	}
}

func TestRecorderAfterClose(t *testing.T) {
	fs := &fakeStore{}
	rec := NewRecorder(fs, nil, 10)
	if err := rec.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	rec.Record(oneCard(1)) // must not panic
	if rec.Dropped() != 1 || fs.count() != 0 {
		t.Errorf("after Close: dropped %d, stored %d; want 1 and 0", rec.Dropped(), fs.count())
	}
	if err := rec.Close(t.Context()); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestRecorderCloseTimesOut(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	fs := &fakeStore{record: func(context.Context, []CardRecord) error { <-release; return nil }}
	rec := NewRecorder(fs, nil, 10)
	rec.Record(oneCard(1))
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if err := rec.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Close with a stuck store: got %v, want DeadlineExceeded", err)
	}
}

// BenchmarkRecord measures what a hook call pays to record its cards when
// the queue has room (the normal case): the queue is sized so nothing drops.
func BenchmarkRecord(b *testing.B) {
	rec := NewRecorder(&fakeStore{}, nil, b.N+1)
	cards := []CardRecord{card("c1", []string{"tb-screening-missing", "hbv-screening-missing"}, "s1"), card("c2", []string{"smoker"})}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		rec.Record(cards)
	}
	b.StopTimer()
	rec.Close(context.Background())
	b.ReportMetric(float64(rec.Dropped())/float64(b.N), "dropped/op")
}

// BenchmarkRecordFull measures the drop path: the store is stuck and the
// queue is full.
func BenchmarkRecordFull(b *testing.B) {
	release := make(chan struct{})
	rec := NewRecorder(&fakeStore{record: func(context.Context, []CardRecord) error { <-release; return nil }}, nil, 1)
	cards := []CardRecord{card("c1", []string{"smoker"})}
	for range 3 {
		rec.Record(cards) // one in the writer, one queued, one dropped
	}
	b.ResetTimer()
	for range b.N {
		rec.Record(cards)
	}
	b.StopTimer()
	close(release)
	rec.Close(context.Background())
}

// BenchmarkRecordSQLite records into a real SQLite file (FULL sync) with the
// default-sized queue, as fast as the benchmark can: Record's cost does not
// depend on the store. At this rate (millions of calls/s, far above any
// hook traffic) the writer cannot keep up, and dropped/op shows the share
// lost.
func BenchmarkRecordSQLite(b *testing.B) {
	s, err := OpenSQLite(context.Background(), filepath.Join(b.TempDir(), "bench.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	rec := NewRecorder(s, nil, 1024)
	calls := make([][]CardRecord, b.N)
	for i := range calls {
		calls[i] = []CardRecord{card(fmt.Sprintf("b%d", i), []string{"tb-screening-missing"}, "s1")}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for _, c := range calls {
		rec.Record(c)
	}
	b.StopTimer()
	rec.Close(context.Background())
	b.ReportMetric(float64(rec.Dropped())/float64(b.N), "dropped/op")
}

// BenchmarkRecordParallel: many hook calls recording at once.
func BenchmarkRecordParallel(b *testing.B) {
	rec := NewRecorder(&fakeStore{}, nil, b.N+1)
	cards := []CardRecord{card("c1", []string{"smoker"})}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			rec.Record(cards)
		}
	})
	b.StopTimer()
	rec.Close(context.Background())
	b.ReportMetric(float64(rec.Dropped())/float64(b.N), "dropped/op")
}

// BenchmarkRecordCardsDirect is what a hook call would pay if it wrote its
// card records synchronously (one transaction, FULL sync): the reason the
// hot path goes through Recorder.
func BenchmarkRecordCardsDirect(b *testing.B) {
	s, err := OpenSQLite(context.Background(), filepath.Join(b.TempDir(), "bench.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	i := 0
	for b.Loop() {
		i++
		if err := s.RecordCards(context.Background(), []CardRecord{card(fmt.Sprintf("d%d", i), []string{"tb-screening-missing"}, "s1")}); err != nil {
			b.Fatal(err)
		}
	}
}
