package store

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Recorder writes card records off the hook hot path. Record only queues;
// one goroutine drains the queue in batches of up to recorderBatch cards,
// each batch in one transaction.
//
// When the queue is full, Record drops the cards and counts them (Dropped)
// rather than wait: losing analytics is better than slowing a hook call. A
// batch that still fails after one retry is dropped and counted too. Close
// flushes everything queued before it returns.
type Recorder struct {
	store  Store
	logger *slog.Logger
	queue  chan []CardRecord
	done   chan struct{}

	mu     sync.RWMutex // guards closed against Record sending on a closed queue
	closed bool

	dropped  atomic.Uint64
	recorded atomic.Uint64
}

// Recorder tuning.
const (
	recorderBatch   = 256              // cards per transaction at most
	recorderTimeout = 10 * time.Second // per batch write
	recorderRetry   = 200 * time.Millisecond
)

// NewRecorder starts a recorder writing to s. buffer is the number of
// Record calls (one per hook response) that may wait for the writer; values
// below 1 mean 1024.
func NewRecorder(s Store, logger *slog.Logger, buffer int) *Recorder {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if buffer < 1 {
		buffer = 1024
	}
	r := &Recorder{
		store:  s,
		logger: logger,
		queue:  make(chan []CardRecord, buffer),
		done:   make(chan struct{}),
	}
	go r.run()
	return r
}

// Record queues cards for writing and returns at once; it never waits for
// I/O. The recorder keeps the slice: the caller must not change it or the
// records afterwards. After Close, cards are dropped and counted.
func (r *Recorder) Record(cards []CardRecord) {
	if len(cards) == 0 {
		return
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.closed {
		r.dropped.Add(uint64(len(cards)))
		return
	}
	select {
	case r.queue <- cards:
	default:
		r.dropped.Add(uint64(len(cards)))
	}
}

// Dropped returns how many card records were lost: queue full, recorder
// closed, or a write that failed twice.
func (r *Recorder) Dropped() uint64 { return r.dropped.Load() }

// Recorded returns how many card records were written.
func (r *Recorder) Recorded() uint64 { return r.recorded.Load() }

// Close stops accepting records and waits until everything queued is
// written or ctx is done. It does not close the store.
func (r *Recorder) Close(ctx context.Context) error {
	r.mu.Lock()
	if !r.closed {
		r.closed = true
		close(r.queue)
	}
	r.mu.Unlock()
	select {
	case <-r.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("recorder close: %d card calls not flushed: %w", len(r.queue), ctx.Err())
	}
}

func (r *Recorder) run() {
	defer close(r.done)
	batch := make([]CardRecord, 0, recorderBatch)
	for cards := range r.queue {
		batch = append(batch[:0], cards...)
		// Take whatever else is already queued, up to the batch size.
	more:
		for len(batch) < recorderBatch {
			select {
			case next, ok := <-r.queue:
				if !ok {
					break more
				}
				batch = append(batch, next...)
			default:
				break more
			}
		}
		r.write(batch)
	}
}

func (r *Recorder) write(batch []CardRecord) {
	var err error
	for attempt := range 2 {
		if attempt > 0 {
			time.Sleep(recorderRetry)
		}
		ctx, cancel := context.WithTimeout(context.Background(), recorderTimeout)
		err = r.store.RecordCards(ctx, batch)
		cancel()
		if err == nil {
			r.recorded.Add(uint64(len(batch)))
			return
		}
	}
	r.dropped.Add(uint64(len(batch)))
	r.logger.Error("card records dropped", "cards", len(batch), "err", err)
}
