// Package bounded holds Map, a cache whose size is bounded, for values that
// are a function of a key's bytes, safe for concurrent use.
package bounded

import "sync"

// Map keeps at most Entries values, by keys of at most KeyBytes bytes; when
// full it forgets them all at once, so that a stream of ever new keys costs
// what it would without the cache. Its zero value keeps nothing.
type Map[V any] struct {
	Entries, KeyBytes int

	mu sync.RWMutex
	m  map[string]V
}

// Get returns the value kept for key.
func (c *Map[V]) Get(key []byte) (v V, ok bool) {
	c.mu.RLock()
	v, ok = c.m[string(key)]
	c.mu.RUnlock()
	return v, ok
}

// Put keeps v for key, unless key is longer than KeyBytes.
func (c *Map[V]) Put(key []byte, v V) {
	if len(key) > c.KeyBytes || c.Entries <= 0 {
		return
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= c.Entries {
		c.m = make(map[string]V)
	}
	c.m[string(key)] = v
	c.mu.Unlock()
}

// Len is the number of values kept.
func (c *Map[V]) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}
