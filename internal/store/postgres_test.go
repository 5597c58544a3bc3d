package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// postgresDSN creates a fresh schema for one test in the database named by
// JAKGUARD_TEST_POSTGRES and returns a DSN whose search_path selects it; the
// schema is dropped when the test ends. Without a reachable PostgreSQL the
// test is skipped, except when CI=true, where it fails.
func postgresDSN(t *testing.T) string {
	t.Helper()
	base := postgresBase(t)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to test PostgreSQL: %v", redactError(err, base))
	}
	defer conn.Close(context.Background())
	b := make([]byte, 6)
	rand.Read(b)
	schema := "jakguard_test_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		t.Fatalf("create test schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop test schema: %v", err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("drop test schema: %v", err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("JAKGUARD_TEST_POSTGRES: %v", redactError(err, base))
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// postgresBase returns the test server URL from JAKGUARD_TEST_POSTGRES,
// or skips or fails the test as pgTestPolicy says.
func postgresBase(t *testing.T) string {
	t.Helper()
	base := os.Getenv("JAKGUARD_TEST_POSTGRES")
	var connErr error
	if base != "" {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		conn, err := pgx.Connect(ctx, base)
		cancel()
		if err == nil {
			conn.Close(context.Background())
		}
		connErr = err
	}
	switch fail, msg := pgTestPolicy(base, os.Getenv("CI") == "true", connErr); {
	case fail:
		t.Fatal(msg)
	case msg != "":
		t.Skip(msg)
	}
	return base
}

// pgTestPolicy decides what a PostgreSQL test does. JAKGUARD_TEST_POSTGRES
// unset: skip with a message naming it. Set but unreachable: skip, except
// under CI=true, where it fails (CI asked for PostgreSQL and must not pass
// without it). Reachable: run (msg is empty).
func pgTestPolicy(base string, ci bool, connErr error) (fail bool, msg string) {
	switch {
	case base == "":
		return false, "PostgreSQL store tests skipped: set JAKGUARD_TEST_POSTGRES to a test database URL, " +
			"e.g. postgres://postgres@127.0.0.1:5432/jakguard_test?sslmode=disable"
	case connErr != nil:
		msg := "PostgreSQL not reachable at JAKGUARD_TEST_POSTGRES=" + RedactDSN(base) + " (" + redactError(connErr, base).Error() + ")"
		if ci {
			return true, msg
		}
		return false, msg + "; PostgreSQL store tests skipped"
	}
	return false, ""
}

func TestPgTestPolicy(t *testing.T) {
	refused := errors.New("dial tcp 127.0.0.1:1: connection refused")
	url := "postgres://u:hunter2@127.0.0.1:1/x"
	tests := []struct {
		name     string
		base     string
		ci       bool
		err      error
		wantFail bool
		wantMsg  string // "" means the test runs
	}{
		{"unset", "", false, nil, false, "set JAKGUARD_TEST_POSTGRES"},
		{"unset under CI", "", true, nil, false, "set JAKGUARD_TEST_POSTGRES"},
		{"set, unreachable", url, false, refused, false, "skipped"},
		{"set, unreachable under CI", url, true, refused, true, "JAKGUARD_TEST_POSTGRES=postgres://u:xxxxx@"},
		{"set, reachable", url, true, nil, false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fail, msg := pgTestPolicy(tc.base, tc.ci, tc.err)
			if fail != tc.wantFail || (tc.wantMsg == "") != (msg == "") || !strings.Contains(msg, tc.wantMsg) {
				t.Errorf("got fail=%v %q, want fail=%v and a message containing %q", fail, msg, tc.wantFail, tc.wantMsg)
			}
			if strings.Contains(msg, "hunter2") {
				t.Errorf("message leaks the password: %s", msg)
			}
		})
	}
}

func TestPostgres(t *testing.T) {
	postgresBase(t)
	runStoreSuite(t, postgresDSN)
}

func TestPostgresConcurrentOpenMigratesOnce(t *testing.T) {
	dsn := postgresDSN(t)
	const replicas = 6
	var wg sync.WaitGroup
	stores := make([]Store, replicas)
	errs := make([]error, replicas)
	for i := range replicas {
		wg.Go(func() { stores[i], errs[i] = Open(t.Context(), dsn, nil) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("replica %d: %v", i, err)
		}
		t.Cleanup(func() { stores[i].Close() })
	}
	if n, want := migrationRows(t, stores[0]), len(mustMigrations(t, stores[0])); n != want {
		t.Errorf("schema_migrations has %d rows, want %d", n, want)
	}
}

func TestPostgresUnreachable(t *testing.T) {
	// Port 1 on loopback refuses at once; the password must not leak.
	dsn := "postgres://jak:s3cr3t-pw@127.0.0.1:1/db?sslmode=disable&connect_timeout=2"
	_, err := Open(t.Context(), dsn, nil)
	if err == nil {
		t.Fatal("want an error")
	}
	if strings.Contains(err.Error(), "s3cr3t-pw") {
		t.Errorf("error leaks the password: %v", err)
	}
	if !strings.Contains(err.Error(), "127.0.0.1") {
		t.Errorf("error should name the server: %v", err)
	}
}

func TestPostgresIdleConnectionRecovers(t *testing.T) {
	dsn := postgresDSN(t)
	s, err := OpenPostgres(t.Context(), dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// Kill the pooled session from outside, as a server restart would.
	var pid uint32
	err = s.tx(t.Context(), pgTxDefault, func(r runner) error {
		return r.queryRow(t.Context(), `SELECT pg_backend_pid()`).Scan(&pid)
	})
	if err != nil {
		t.Fatal(err)
	}
	admin, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.Background())
	if _, err := admin.Exec(t.Context(), `SELECT pg_terminate_backend($1)`, pid); err != nil {
		t.Fatal(err)
	}
	// The first use may fail on the dead connection; the pool must then
	// discard it and the next call succeed.
	_ = s.Ping(t.Context())
	if err := s.Ping(t.Context()); err != nil {
		t.Errorf("Ping after a dropped connection: %v", err)
	}
}
