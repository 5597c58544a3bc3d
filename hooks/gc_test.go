package hooks

import (
	"runtime/debug"
	"testing"
)

// SetGCPercent sets the collector's target to GCPercent unless GOGC is
// set, and restore puts back what was there.
func TestSetGCPercent(t *testing.T) {
	current := func() int { p := debug.SetGCPercent(-1); debug.SetGCPercent(p); return p }
	before := current()

	t.Setenv("GOGC", "")
	restore := SetGCPercent()
	if got := current(); got != GCPercent {
		t.Errorf("GOGC unset: GC percent %d, want %d", got, GCPercent)
	}
	restore()
	if got := current(); got != before {
		t.Errorf("after restore: %d, want %d", got, before)
	}

	t.Setenv("GOGC", "150")
	restore = SetGCPercent()
	if got := current(); got != before {
		t.Errorf("GOGC set: GC percent changed to %d", got)
	}
	restore()
}
