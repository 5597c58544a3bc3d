package syncbuf

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// Writes from many goroutines all arrive whole (run with -race); Take
// returns them and empties the buffer.
func TestBuffer(t *testing.T) {
	var b Buffer
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 100 {
				fmt.Fprintf(&b, "%d-%d\n", g, i)
			}
		})
	}
	wg.Wait()
	if n := strings.Count(b.String(), "\n"); n != 800 {
		t.Fatalf("%d lines, want 800", n)
	}
	if n := strings.Count(b.Take(), "\n"); n != 800 {
		t.Fatalf("Take: %d lines, want 800", n)
	}
	if s := b.String(); s != "" {
		t.Errorf("after Take: %q", s)
	}
}
