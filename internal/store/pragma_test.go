package store

import "testing"

// The DSN parameters take effect: a page cache for the writer's appends,
// WAL, FULL sync (acknowledged feedback survives a crash) and foreign keys.
func TestSQLiteConnectionSettings(t *testing.T) {
	s, err := OpenSQLite(t.Context(), t.TempDir()+"/x.db", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, db := range []struct {
		name string
		q    func(string) (int, error)
	}{
		{"writer", func(q string) (n int, err error) { return n, s.write.QueryRow(q).Scan(&n) }},
		{"reader", func(q string) (n int, err error) { return n, s.read.QueryRow(q).Scan(&n) }},
	} {
		if n, err := db.q(`PRAGMA cache_size`); err != nil || n != -sqliteCacheKiB {
			t.Errorf("%s cache_size %d (%v), want %d", db.name, n, err, -sqliteCacheKiB)
		}
	}
	var sync, fk int
	var jm string
	if err := s.write.QueryRow(`PRAGMA synchronous`).Scan(&sync); err != nil {
		t.Fatal(err)
	}
	if err := s.write.QueryRow(`PRAGMA foreign_keys`).Scan(&fk); err != nil {
		t.Fatal(err)
	}
	if err := s.write.QueryRow(`PRAGMA journal_mode`).Scan(&jm); err != nil {
		t.Fatal(err)
	}
	if sync != 2 || fk != 1 || jm != "wal" {
		t.Errorf("synchronous %d, foreign_keys %d, journal_mode %s; want 2 (FULL), 1, wal", sync, fk, jm)
	}
}
