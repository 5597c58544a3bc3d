package store

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"
)

func TestOpenRejectsBadDSN(t *testing.T) {
	tests := []struct {
		name, dsn string
	}{
		{"empty", ""},
		{"unknown scheme", "mysql://root:hunter2@db/jak"},
		{"key=value postgres form", "host=db user=jak password=hunter2"},
		{"sqlite without a path", "sqlite:"},
		{"sqlite path with a query", "sqlite:/tmp/x.db?mode=ro"},
		{"postgres URL that does not parse", "postgres://jak:hunter2@db:notaport/jak"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Open(t.Context(), tc.dsn, nil)
			if !errors.Is(err, ErrBadDSN) {
				t.Fatalf("got %v, want ErrBadDSN", err)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error leaks the password: %v", err)
			}
		})
	}
}

func TestRedactDSN(t *testing.T) {
	tests := []struct{ in, want string }{
		{"postgres://jak:hunter2@db:5432/jak?sslmode=require", "postgres://jak:xxxxx@db:5432/jak?sslmode=require"},
		{"postgres://jak@db/jak", "postgres://jak@db/jak"},
		{"postgresql://db/jak?password=hunter2&sslmode=disable", "postgresql://db/jak?password=xxxxx&sslmode=disable"},
		{"sqlite:/var/lib/jakguard/jakguard.db", "sqlite:/var/lib/jakguard/jakguard.db"},
		{"host=db password=hunter2", "REDACTED"},
		{"postgres://jak:hunter2@db:notaport/jak", "postgres://REDACTED"},
	}
	for _, tc := range tests {
		if got := RedactDSN(tc.in); got != tc.want {
			t.Errorf("RedactDSN(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestLoadMigrations(t *testing.T) {
	good := fstest.MapFS{
		"m/0002_more.sql": {Data: []byte("B")},
		"m/0001_init.sql": {Data: []byte("A")},
		"m/README.md":     {Data: []byte("ignored")},
	}
	got, err := loadMigrations(good, "m")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].version != 1 || got[1].version != 2 || got[0].sql != "A" {
		t.Errorf("got %+v, want versions 1, 2 in order", got)
	}
	bad := []struct {
		name string
		fs   fstest.MapFS
		want string
	}{
		{"no number", fstest.MapFS{"m/init.sql": {}}, "positive version"},
		{"zero", fstest.MapFS{"m/0000_init.sql": {}}, "positive version"},
		{"duplicate version", fstest.MapFS{"m/0001_a.sql": {}, "m/1_b.sql": {}}, "already used"},
		{"empty dir", fstest.MapFS{"m/x.txt": {}}, "no migrations"},
		{"missing dir", fstest.MapFS{}, "read migrations"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loadMigrations(tc.fs, "m")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
	// The embedded sets load and both backends have the same versions.
	lite, err1 := loadMigrations(migrationFiles, "migrations/sqlite")
	pg, err2 := loadMigrations(migrationFiles, "migrations/postgres")
	if err1 != nil || err2 != nil || len(lite) != len(pg) {
		t.Fatalf("embedded migrations: %v %v, %d sqlite vs %d postgres", err1, err2, len(lite), len(pg))
	}
	for i := range lite {
		if lite[i].version != pg[i].version || lite[i].name != pg[i].name {
			t.Errorf("migration %d differs: %s vs %s", i, lite[i].name, pg[i].name)
		}
	}
}
