package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Recorder writes the card and audit records of hook calls off the request
// path. Record only queues (a bounded channel); one goroutine drains the
// queue in batches of up to RecorderConfig.Batch calls, each batch in one
// transaction with a timeout.
//
// When the queue is full, Record drops the call's records and counts them
// rather than wait: losing analytics or an audit line is better than slowing
// or failing a hook call. A batch that fails (after one retry, unless it
// timed out: a database that hangs is not waited for twice) is dropped and
// counted too. Close flushes everything queued before it returns.
type Recorder struct {
	store   Store
	logger  *slog.Logger
	cfg     RecorderConfig
	queue   chan call
	done    chan struct{}
	closing chan struct{} // closed by Close: stop lingering

	mu     sync.RWMutex // guards closed against Record sending on a closed queue
	closed bool

	cardsWritten, cardsDropped atomic.Uint64
	auditWritten, auditDropped atomic.Uint64
	lastDropLog                atomic.Int64 // Unix nanoseconds of the last "queue full" warning
	queuedCards                atomic.Int64 // cards of the calls in queue (QueueCards)
}

// call is what one hook call records.
type call struct {
	cards []CardRecord
	audit *AuditRecord
}

// RecorderConfig tunes a Recorder; zero fields take the defaults.
type RecorderConfig struct {
	// Queue is the number of hook calls that may wait for the writer
	// (default 4096): at 2,000 calls a second, two seconds of a stalled
	// database before records are dropped.
	Queue int
	// QueueCards is the most cards those calls may hold together (default
	// 32768, eight a call): a call of 100 orders records 100 cards and
	// more (some 23 KiB), and 4,096 of them queued behind a database that
	// hangs held some 90 MiB outside what admission control plans for.
	QueueCards int
	// Batch is the most hook calls written in one transaction (default 256).
	Batch int
	// Linger is how long the writer waits, after the first call of a batch,
	// for more calls to fill it (default 100 ms; negative: not at all),
	// unless the last batch was full (then it writes at once, so lingering
	// never limits throughput). Every commit rewrites the last page of each
	// index and syncs the log, and every wake-up of the writer costs, so at
	// a few hundred calls a second one transaction per call would cost
	// several times the CPU and I/O of one per fifty calls. Records reach
	// the store this much later; feedback is attributed at report time, so
	// a card recorded after its feedback still counts.
	Linger time.Duration
	// Timeout bounds one batch write (default 5 s).
	Timeout time.Duration
}

// Recorder defaults.
const (
	DefaultRecorderQueue   = 4096
	DefaultRecorderCards   = 8 * DefaultRecorderQueue
	DefaultRecorderBatch   = 256
	DefaultRecorderTimeout = 5 * time.Second
	DefaultRecorderLinger  = 100 * time.Millisecond
	recorderRetry          = 200 * time.Millisecond
	dropLogInterval        = 10 * time.Second
)

// RecorderStats are a Recorder's counters, for metrics.
type RecorderStats struct {
	CardsWritten, CardsDropped uint64
	AuditWritten, AuditDropped uint64
	Queued                     int // hook calls waiting for the writer
}

// NewRecorder starts a recorder writing to s.
func NewRecorder(s Store, logger *slog.Logger, cfg RecorderConfig) *Recorder {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Queue < 1 {
		cfg.Queue = DefaultRecorderQueue
	}
	if cfg.QueueCards < 1 {
		cfg.QueueCards = DefaultRecorderCards
	}
	if cfg.Batch < 1 {
		cfg.Batch = DefaultRecorderBatch
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultRecorderTimeout
	}
	if cfg.Linger == 0 {
		cfg.Linger = DefaultRecorderLinger
	}
	r := &Recorder{
		store:   s,
		logger:  logger,
		cfg:     cfg,
		queue:   make(chan call, cfg.Queue),
		done:    make(chan struct{}),
		closing: make(chan struct{}),
	}
	go r.run()
	return r
}

// Record queues the records of one hook call (its cards, which may be none,
// and its audit record, which may be nil) and returns at once; it never
// waits for I/O. The recorder keeps the slice and the record: the caller
// must not change them afterwards. After Close, records are dropped and
// counted.
func (r *Recorder) Record(cards []CardRecord, audit *AuditRecord) {
	if len(cards) == 0 && audit == nil {
		return
	}
	if err := validateBatch(Batch{Cards: cards, Audits: auditSlice(audit)}); err != nil {
		r.drop(call{cards, audit}, "invalid record", err)
		return
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.closed {
		r.drop(call{cards, audit}, "", nil)
		return
	}
	if r.queuedCards.Add(int64(len(cards))) > int64(r.cfg.QueueCards) {
		r.queuedCards.Add(-int64(len(cards)))
		r.drop(call{cards, audit}, "queue full", nil)
		return
	}
	select {
	case r.queue <- call{cards, audit}:
	default:
		r.queuedCards.Add(-int64(len(cards)))
		r.drop(call{cards, audit}, "queue full", nil)
	}
}

func auditSlice(a *AuditRecord) []AuditRecord {
	if a == nil {
		return nil
	}
	return []AuditRecord{*a}
}

// drop counts the records of c as dropped; why (if not empty) is logged,
// a full queue at most every dropLogInterval.
func (r *Recorder) drop(c call, why string, err error) {
	r.cardsDropped.Add(uint64(len(c.cards)))
	if c.audit != nil {
		r.auditDropped.Add(1)
	}
	switch why {
	case "":
	case "queue full":
		now := time.Now().UnixNano()
		last := r.lastDropLog.Load()
		if now-last >= int64(dropLogInterval) && r.lastDropLog.CompareAndSwap(last, now) {
			st := r.Stats()
			r.logger.Warn("recorder queue full: card and audit records dropped (store slow or down)",
				"cards_dropped_total", st.CardsDropped, "audit_dropped_total", st.AuditDropped)
		}
	default:
		r.logger.Error("record dropped", "reason", why, "err", err)
	}
}

// Stats returns the recorder's counters.
func (r *Recorder) Stats() RecorderStats {
	return RecorderStats{
		CardsWritten: r.cardsWritten.Load(), CardsDropped: r.cardsDropped.Load(),
		AuditWritten: r.auditWritten.Load(), AuditDropped: r.auditDropped.Load(),
		Queued: len(r.queue),
	}
}

// Close stops accepting records and waits until everything queued is
// written or ctx is done. It does not close the store.
func (r *Recorder) Close(ctx context.Context) error {
	r.mu.Lock()
	if !r.closed {
		r.closed = true
		close(r.closing)
		close(r.queue)
	}
	r.mu.Unlock()
	select {
	case <-r.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("recorder close: %d hook calls' records not flushed: %w", len(r.queue), ctx.Err())
	}
}

func (r *Recorder) run() {
	defer close(r.done)
	var b Batch
	linger := time.NewTimer(time.Hour) // Reset per batch (Go 1.23 timers: no stale fires)
	linger.Stop()
	full := false // the last batch was full: traffic is high, do not linger
	for c := range r.queue {
		b.Cards, b.Audits = b.Cards[:0], b.Audits[:0]
		r.take(&b, c)
		// Let more calls come for Linger, without waking up for each one;
		// Close ends the wait.
		if r.cfg.Linger > 0 && !full {
			linger.Reset(r.cfg.Linger)
			select {
			case <-linger.C:
			case <-r.closing:
				linger.Stop()
			}
		}
		n := 1
	more:
		for ; n < r.cfg.Batch; n++ {
			select {
			case next, ok := <-r.queue:
				if !ok {
					break more
				}
				r.take(&b, next)
			default:
				break more
			}
		}
		full = n == r.cfg.Batch
		r.write(b)
	}
}

// take moves a call from the queue into the batch.
func (r *Recorder) take(b *Batch, c call) {
	r.queuedCards.Add(-int64(len(c.cards)))
	b.add(c)
}

func (b *Batch) add(c call) {
	b.Cards = append(b.Cards, c.cards...)
	if c.audit != nil {
		b.Audits = append(b.Audits, *c.audit)
	}
}

func (r *Recorder) write(b Batch) {
	var err error
	for attempt := range 2 {
		if attempt > 0 {
			time.Sleep(recorderRetry)
		}
		ctx, cancel := context.WithTimeout(context.Background(), r.cfg.Timeout)
		err = r.store.Record(ctx, b)
		cancel()
		if err == nil {
			r.cardsWritten.Add(uint64(len(b.Cards)))
			r.auditWritten.Add(uint64(len(b.Audits)))
			return
		}
		if errors.Is(err, context.DeadlineExceeded) {
			break // the database hangs: do not hold the queue for a second timeout
		}
	}
	r.cardsDropped.Add(uint64(len(b.Cards)))
	r.auditDropped.Add(uint64(len(b.Audits)))
	r.logger.Error("card and audit records dropped: the store failed", "cards", len(b.Cards), "audit", len(b.Audits), "err", err)
}
