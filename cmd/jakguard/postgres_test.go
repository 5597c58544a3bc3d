package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/internal/store"
)

// testPostgresDB creates a database of its own on the server named by
// JAKGUARD_TEST_POSTGRES and returns its URL and an admin connection. It
// skips without JAKGUARD_TEST_POSTGRES (or when the server is unreachable,
// except under CI=true, where that fails).
func testPostgresDB(t *testing.T) (dsn string, admin *pgx.Conn, name string) {
	t.Helper()
	base := os.Getenv("JAKGUARD_TEST_POSTGRES")
	if base == "" {
		t.Skip("PostgreSQL tests skipped: set JAKGUARD_TEST_POSTGRES to a test database URL")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("JAKGUARD_TEST_POSTGRES unreachable: %v", err)
		}
		t.Skipf("JAKGUARD_TEST_POSTGRES unreachable: %v", err)
	}
	t.Cleanup(func() { admin.Close(context.Background()) })
	b := make([]byte, 6)
	rand.Read(b)
	name = "jakguard_serve_" + hex.EncodeToString(b)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Skipf("cannot create a database (needs CREATEDB): %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("drop the test database: %v", err)
		}
	})
	u, err := url.Parse(base)
	require.NoError(t, err)
	u.Path = "/" + name
	return u.String(), admin, name
}

// A PostgreSQL database dropped and created again under a running service
// is used again without a restart: /readyz turns green, feedback is stored.
func TestServePostgresDatabaseRecreated(t *testing.T) {
	dsn, admin, name := testPostgresDB(t)
	keyFile := filepath.Join(t.TempDir(), "audit-key")
	require.NoError(t, os.WriteFile(keyFile, []byte("0123456789abcdef0123456789abcdef\n"), 0o600))
	base, stop := startServe(t, "--db", dsn, "--audit-key-file", keyFile, "--db-timeout", "1s")
	ready := func() int {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	require.Equal(t, 200, ready())

	ident := pgx.Identifier{name}.Sanitize()
	_, err := admin.Exec(t.Context(), "DROP DATABASE "+ident+" WITH (FORCE)")
	require.NoError(t, err)
	assert.Eventually(t, func() bool { return ready() == 503 }, 5*time.Second, 50*time.Millisecond, "/readyz without a database")
	_, err = admin.Exec(t.Context(), "CREATE DATABASE "+ident)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return ready() == 200 }, 10*time.Second, 100*time.Millisecond, "/readyz after the database came back")

	ts := time.Now().UTC().Format(time.RFC3339)
	resp, err := http.Post(base+"/cds-services/order-sign/feedback", "application/json",
		strings.NewReader(`{"feedback":[{"card":"c-after","outcome":"overridden","outcomeTimestamp":"`+ts+`"}]}`))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode, "feedback stored in the recreated database")
	require.NoError(t, stop())

	s, err := store.OpenExisting(context.Background(), dsn, nil)
	require.NoError(t, err)
	defer s.Close()
	rep, err := s.Report(context.Background(), time.Time{})
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Unattributed, "the feedback (for a card the new database never saw) is there")
}
