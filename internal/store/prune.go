package store

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"
)

// Pruner deletes card, feedback and audit records past their retention in
// the background, in small batches (each its own short transaction, with a
// pause between them) so that the recorder and feedback writes never wait
// long behind it.
type Pruner struct {
	store  Store
	cfg    PrunerConfig
	logger *slog.Logger

	cards, feedback, audit atomic.Uint64
}

// PrunerConfig says what to keep; a zero retention keeps that kind forever.
type PrunerConfig struct {
	CardRetention  time.Duration // cards, their findings and their feedback
	AuditRetention time.Duration // audit records
	// Interval between pruning rounds (default 10 minutes); a round runs
	// batches until nothing is left past retention.
	Interval time.Duration
	Batch    int           // records of each kind per transaction (default 1000)
	Pause    time.Duration // between batches (default 100 ms)
	Timeout  time.Duration // per batch (default 30 s)
	Now      func() time.Time
}

// DefaultRetention is the default of --retention and --audit-retention.
const DefaultRetention = 400 * 24 * time.Hour

// NewPruner returns a pruner for s; Run starts it.
func NewPruner(s Store, logger *slog.Logger, cfg PrunerConfig) *Pruner {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Interval <= 0 {
		cfg.Interval = 10 * time.Minute
	}
	if cfg.Batch <= 0 {
		cfg.Batch = pruneLimit
	}
	if cfg.Pause <= 0 {
		cfg.Pause = 100 * time.Millisecond
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Pruner{store: s, cfg: cfg, logger: logger}
}

// Run prunes once at once, then every Interval, until ctx is done.
func (p *Pruner) Run(ctx context.Context) {
	if p.cfg.CardRetention <= 0 && p.cfg.AuditRetention <= 0 {
		return
	}
	t := time.NewTicker(p.cfg.Interval)
	defer t.Stop()
	for {
		if _, err := p.PruneOnce(ctx); err != nil && ctx.Err() == nil {
			p.logger.Warn("retention pruning failed; retrying next round", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// PruneOnce runs batches until nothing is left past retention, ctx is done
// or a batch fails, and returns what it deleted.
func (p *Pruner) PruneOnce(ctx context.Context) (Pruned, error) {
	var total Pruned
	now := p.cfg.Now()
	req := PruneRequest{Limit: p.cfg.Batch}
	if p.cfg.CardRetention > 0 {
		req.CardsBefore = now.Add(-p.cfg.CardRetention)
	}
	if p.cfg.AuditRetention > 0 {
		req.AuditBefore = now.Add(-p.cfg.AuditRetention)
	}
	for {
		bctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
		n, err := p.store.Prune(bctx, req)
		cancel()
		if err != nil {
			return total, err
		}
		total.Cards += n.Cards
		total.Feedback += n.Feedback
		total.Audit += n.Audit
		p.cards.Add(uint64(n.Cards))
		p.feedback.Add(uint64(n.Feedback))
		p.audit.Add(uint64(n.Audit))
		if n.Cards < req.Limit && n.Audit < req.Limit && n.Feedback < req.Limit {
			break
		}
		select {
		case <-ctx.Done():
			return total, ctx.Err()
		case <-time.After(p.cfg.Pause):
		}
	}
	if total != (Pruned{}) {
		p.logger.Info("retention: old records deleted", "cards", total.Cards, "feedback", total.Feedback, "audit", total.Audit)
	}
	return total, nil
}

// Stats returns how many records the pruner deleted since it was made.
func (p *Pruner) Stats() Pruned {
	return Pruned{Cards: int(p.cards.Load()), Feedback: int(p.feedback.Load()), Audit: int(p.audit.Load())}
}
