package store

import (
	"path/filepath"
	"sync"
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

// Several processes opening one new file at once (each Open has its own
// connections, like a separate process) all succeed and migrate once.
func TestSQLiteConcurrentOpen(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "shared.db")
	const openers = 6
	var wg sync.WaitGroup
	stores := make([]Store, openers)
	errs := make([]error, openers)
	for i := range openers {
		wg.Go(func() { stores[i], errs[i] = Open(t.Context(), dsn, nil) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("opener %d: %v", i, err)
		}
		t.Cleanup(func() { stores[i].Close() })
	}
	if n, want := migrationRows(t, stores[0]), len(mustMigrations(t, stores[0])); n != want {
		t.Errorf("schema_migrations has %d rows, want %d", n, want)
	}
}
