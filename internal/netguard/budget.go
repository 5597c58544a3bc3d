package netguard

import (
	"context"
	"errors"
	"io"
	"sync/atomic"
)

// Errors of Budget.Read.
var (
	ErrTooLarge  = errors.New("response too large")
	ErrExhausted = errors.New("memory budget exhausted")
)

// Budget is the memory one hook call may spend on what it fetches, shared
// by all of its requests. It is safe for concurrent use.
type Budget struct{ left atomic.Int64 }

// NewBudget returns a budget of n bytes.
func NewBudget(n int64) *Budget {
	b := &Budget{}
	b.left.Store(n)
	return b
}

type budgetKey struct{}

// WithBudget returns ctx carrying b (BudgetFrom).
func WithBudget(ctx context.Context, b *Budget) context.Context {
	return context.WithValue(ctx, budgetKey{}, b)
}

// BudgetFrom returns ctx's budget, nil when it has none.
func BudgetFrom(ctx context.Context) *Budget {
	b, _ := ctx.Value(budgetKey{}).(*Budget)
	return b
}

// Left returns the bytes left.
func (b *Budget) Left() int64 { return max(b.left.Load(), 0) }

// Give returns n bytes that are no longer held (data that was dropped).
func (b *Budget) Give(n int64) { b.left.Add(n) }

// take spends n bytes, or reports false (spending nothing) if fewer are left.
func (b *Budget) take(n int64) bool {
	for {
		left := b.left.Load()
		if left < n {
			return false
		}
		if b.left.CompareAndSwap(left, left-n) {
			return true
		}
	}
}

// readChunk is the most read at once while the body's size is unknown.
const readChunk = 64 << 10

// Read reads r, a body of size bytes (size <= 0 when unknown), within
// limit bytes and within what is left of the budget, spending from the
// budget before it holds the bytes: a body of known size reserves it at
// once (so of several read together, those that fit get through), one of
// unknown size chunk by chunk. It never holds more than the budget had
// left; a body it gives up on gives its bytes back. It fails with
// ErrTooLarge, ErrExhausted or r's error.
func (b *Budget) Read(r io.Reader, size, limit int64) ([]byte, error) {
	if size > limit {
		return nil, ErrTooLarge
	} else if size > 0 {
		if !b.take(size) {
			return nil, ErrExhausted
		}
		buf := make([]byte, size)
		if _, err := io.ReadFull(r, buf); err != nil {
			b.Give(size)
			return nil, err
		}
		return buf, nil
	}
	var buf []byte
	giveUp := func(err error) ([]byte, error) {
		b.Give(int64(len(buf)))
		return nil, err
	}
	for {
		room := min(limit-int64(len(buf)), b.Left())
		if cap(buf) == len(buf) {
			grow := min(max(int64(len(buf)), readChunk), room+1)
			nb := make([]byte, len(buf), int64(len(buf))+grow)
			copy(nb, buf)
			buf = nb
		}
		end := min(int64(cap(buf)), int64(len(buf))+room+1)
		n, err := r.Read(buf[len(buf):end])
		if n > 0 {
			if int64(len(buf)+n) > limit {
				return giveUp(ErrTooLarge)
			}
			if !b.take(int64(n)) {
				return giveUp(ErrExhausted)
			}
			buf = buf[:len(buf)+n]
		}
		switch {
		case errors.Is(err, io.EOF):
			return buf, nil
		case err != nil:
			return giveUp(err)
		}
	}
}
