package store

import (
	"database/sql"
	"path/filepath"
	"sync"
	"testing"
	"time"
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
// connections, like a separate process) all succeed and migrate once. The
// switch to WAL mode takes its lock without SQLite's busy handler, so a race
// lost there fails only now and then: the test runs many rounds.
func TestSQLiteConcurrentOpen(t *testing.T) {
	for round := range 40 {
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
				t.Fatalf("round %d, opener %d: %v", round, i, err)
			}
			t.Cleanup(func() { stores[i].Close() })
		}
		if n, want := migrationRows(t, stores[0]), len(mustMigrations(t, stores[0])); n != want {
			t.Errorf("schema_migrations has %d rows, want %d", n, want)
		}
	}
}

// A new file another process is writing to in rollback mode (it holds the
// RESERVED lock): the switch to WAL mode waits for the lock to go, as every
// other statement waits on busy_timeout, instead of failing at once with
// SQLITE_BUSY. This is the race several processes opening one new file run.
func TestSQLiteOpenWaitsForWALSwitch(t *testing.T) {
	path := filepath.Join(t.TempDir(), "held.db")
	other, err := sql.Open("sqlite", path+"?_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	tx, err := other.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`CREATE TABLE other (x)`); err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(200*time.Millisecond, func() { tx.Commit() })
	s, err := OpenSQLite(t.Context(), path, nil)
	if err != nil {
		t.Fatalf("open while another connection writes: %v", err)
	}
	defer s.Close()
	var mode string
	if err := s.write.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode %q, %v; want wal", mode, err)
	}
}
