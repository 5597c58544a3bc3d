package store

import (
	"path/filepath"
	"testing"
)

func TestSQLite(t *testing.T) {
	runStoreSuite(t, func(t *testing.T) string {
		return "sqlite:" + filepath.Join(t.TempDir(), "jakguard.db")
	})
}

func TestSQLiteMemory(t *testing.T) {
	s := mustOpen(t, "sqlite::memory:")
	mustRecord(t, s, card("c1", []string{"anemia"}))
	mustAdd(t, s, overridden("c1", "x"))
	if got, _ := findingStats(mustReport(t, s, t0.AddDate(0, 0, -1)), "anemia"); got.Shown != 1 || got.Overridden != 1 {
		t.Errorf("in-memory store: %+v", got)
	}
}
