package fhir

import (
	"sync"

	"jakguard/rules"
)

// slicePool recycles the per-call lists of the scan: a request's Bundle
// entries, member spans and codes are hundreds long, and would otherwise
// be allocated and grown on every call.
type slicePool[T any] struct {
	pool sync.Pool
	// max is the longest capacity kept, so a rare huge list does not stay
	// pinned in the pool.
	max int
	// clear makes put clear the elements, which refer to request data, so
	// the pool holds none; those past the length were cleared when a longer
	// use gave the list back.
	clear bool
}

// get returns an empty list, recycled when the pool has one.
func (p *slicePool[T]) get() []T {
	if s, ok := p.pool.Get().(*[]T); ok {
		return (*s)[:0]
	}
	return nil
}

// put gives back a list no one refers to any more.
func (p *slicePool[T]) put(s []T) {
	if cap(s) == 0 || cap(s) > p.max {
		return
	}
	if p.clear {
		clear(s)
	}
	s = s[:0]
	p.pool.Put(&s)
}

var (
	// entryPool recycles the entry lists of split Bundles (Builder returns
	// them), entries of a few hundred bytes each.
	entryPool = slicePool[rawResource]{max: 1 << 16, clear: true}
	// codePool and spanPool recycle the codes and member spans of split
	// values (see rawResource); spans are offsets, no request data.
	codePool = slicePool[rules.Coding]{max: 1 << 16, clear: true}
	spanPool = slicePool[int32]{max: 1 << 22}
	// specialPool recycles the bitmaps of markSpecial (where a body's quotes
	// are, no request data), up to that of the largest body it marks.
	specialPool = slicePool[uint64]{max: 1 << 24}
)
