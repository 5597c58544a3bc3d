package bounded

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestMap(t *testing.T) {
	c := Map[int]{Entries: 3, KeyBytes: 4}
	c.Put([]byte("a"), 1)
	c.Put([]byte("b"), 2)
	if v, ok := c.Get([]byte("a")); !ok || v != 1 {
		t.Errorf("a: %d, %v", v, ok)
	}
	if _, ok := c.Get([]byte("x")); ok {
		t.Error("x is kept, never put")
	}
	c.Put([]byte("toolong"), 3) // over KeyBytes: not kept
	if _, ok := c.Get([]byte("toolong")); ok || c.Len() != 2 {
		t.Errorf("a key over KeyBytes is kept (%d values)", c.Len())
	}
	c.Put([]byte("c"), 3)
	c.Put([]byte("d"), 4) // full: all forgotten, then d kept
	if _, ok := c.Get([]byte("a")); ok || c.Len() != 1 {
		t.Errorf("full map not emptied: %d values", c.Len())
	}
	if v, ok := c.Get([]byte("d")); !ok || v != 4 {
		t.Errorf("d: %d, %v", v, ok)
	}
	var zero Map[int]
	zero.Put([]byte("a"), 1)
	if _, ok := zero.Get([]byte("a")); ok {
		t.Error("the zero Map keeps values")
	}
}

// Never more than Entries values, whatever the keys, from many goroutines
// at once (run with -race).
func TestMapBoundedConcurrent(t *testing.T) {
	c := Map[string]{Entries: 100, KeyBytes: 16}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 1000 {
				k := fmt.Sprint(g, "-", i)
				c.Put([]byte(k), strings.ToUpper(k))
				if v, ok := c.Get([]byte(k)); ok && v != strings.ToUpper(k) {
					t.Errorf("%s: %s", k, v)
				}
				if n := c.Len(); n > 100 {
					t.Errorf("%d values kept", n)
				}
			}
		})
	}
	wg.Wait()
}
