package auth

import (
	"context"
	"sync"
	"time"
)

// ReplayStore remembers the jti of every accepted token.
type ReplayStore interface {
	// Seen records (issuer, jti) until the given time and reports whether
	// it was already recorded and not yet expired. It is atomic: of two
	// concurrent calls with the same pair, exactly one returns false.
	Seen(ctx context.Context, issuer, jti string, until time.Time) (bool, error)
}

var (
	_ ReplayStore = (*MemoryReplay)(nil)
	_ ReplayStore = (*PostgresReplay)(nil)
)

// sweepEvery is how often MemoryReplay drops expired entries.
const sweepEvery = time.Minute

// MemoryReplay is a ReplayStore for a single instance. Expired entries are
// dropped at most a minute after they expire, so its size is bounded by the
// number of tokens accepted within one token lifetime (plus skew).
type MemoryReplay struct {
	now       func() time.Time
	mu        sync.Mutex
	seen      map[replayKey]time.Time
	nextSweep time.Time
}

type replayKey struct{ issuer, jti string }

// NewMemoryReplay returns an empty in-memory store using now as its clock
// (time.Now when nil).
func NewMemoryReplay(now func() time.Time) *MemoryReplay {
	if now == nil {
		now = time.Now
	}
	return &MemoryReplay{now: now, seen: map[replayKey]time.Time{}}
}

// Seen implements ReplayStore.
func (m *MemoryReplay) Seen(_ context.Context, issuer, jti string, until time.Time) (bool, error) {
	now := m.now()
	k := replayKey{issuer, jti}
	m.mu.Lock()
	defer m.mu.Unlock()
	if !now.Before(m.nextSweep) {
		for key, exp := range m.seen {
			if !now.Before(exp) {
				delete(m.seen, key)
			}
		}
		m.nextSweep = now.Add(sweepEvery)
	}
	if exp, ok := m.seen[k]; ok && now.Before(exp) {
		return true, nil
	}
	m.seen[k] = until
	return false, nil
}

// Len returns the number of remembered entries, expired ones not yet
// swept included.
func (m *MemoryReplay) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.seen)
}
