package auth

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

func TestMemoryReplay(t *testing.T) {
	now := testNow
	m := NewMemoryReplay(func() time.Time { return now })
	ctx := t.Context()
	steps := []struct {
		name    string
		advance time.Duration
		issuer  string
		jti     string
		until   time.Duration // from now
		want    bool
	}{
		{"first use", 0, "a", "1", 5 * time.Minute, false},
		{"second use", 0, "a", "1", 5 * time.Minute, true},
		{"same jti, other issuer", 0, "b", "1", 5 * time.Minute, false},
		{"other jti", 0, "a", "2", 5 * time.Minute, false},
		{"still remembered just before expiry", 4*time.Minute + 59*time.Second, "a", "1", time.Minute, true},
		{"forgotten after expiry", 2 * time.Second, "a", "1", time.Minute, false},
	}
	for _, s := range steps {
		now = now.Add(s.advance)
		got, err := m.Seen(ctx, s.issuer, s.jti, now.Add(s.until))
		if err != nil || got != s.want {
			t.Fatalf("%s: Seen = %v, %v; want %v", s.name, got, err, s.want)
		}
	}
}

func TestMemoryReplayEvictsExpired(t *testing.T) {
	now := testNow
	m := NewMemoryReplay(func() time.Time { return now })
	for i := range 1000 {
		if _, err := m.Seen(t.Context(), "a", uuid.NewString(), now.Add(time.Duration(i%5+1)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	if m.Len() != 1000 {
		t.Fatalf("Len = %d, want 1000", m.Len())
	}
	now = now.Add(3*time.Minute + time.Second)
	if _, err := m.Seen(t.Context(), "a", "new", now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	// Entries expiring after 1, 2 and 3 minutes are gone: 600 of 1000.
	if got := m.Len(); got != 401 {
		t.Fatalf("Len after sweep = %d, want 401", got)
	}
}

func TestMemoryReplayConcurrent(t *testing.T) {
	m := NewMemoryReplay(nil)
	var first atomic.Int64
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			seen, err := m.Seen(t.Context(), "a", "same", time.Now().Add(time.Minute))
			if err == nil && !seen {
				first.Add(1)
			}
		})
	}
	wg.Wait()
	if first.Load() != 1 {
		t.Fatalf("%d callers saw the jti first, want 1", first.Load())
	}
}

func TestPostgresReplay(t *testing.T) {
	conn := postgresConn(t)
	ctx := t.Context()
	p, err := NewPostgresReplay(ctx, conn, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Creating the table again is harmless.
	if _, err := NewPostgresReplay(ctx, conn, nil); err != nil {
		t.Fatalf("second NewPostgresReplay: %v", err)
	}
	iss := "https://pg-test.example/" + uuid.NewString()
	t.Cleanup(func() {
		conn.Exec(context.Background(), `DELETE FROM jakguard_jwt_replay WHERE issuer = $1`, iss)
	})
	later := time.Now().Add(5 * time.Minute)
	past := time.Now().Add(-time.Minute)
	steps := []struct {
		name   string
		issuer string
		jti    string
		until  time.Time
		want   bool
	}{
		{"first use", iss, "1", later, false},
		{"second use", iss, "1", later, true},
		{"same jti, other issuer", iss + "/other", "1", later, false},
		{"other jti", iss, "2", later, false},
		{"expired entry", iss, "3", past, false},
		{"expired entry is taken over", iss, "3", later, false},
		{"and then remembered", iss, "3", later, true},
	}
	t.Cleanup(func() {
		conn.Exec(context.Background(), `DELETE FROM jakguard_jwt_replay WHERE issuer = $1`, iss+"/other")
	})
	for _, s := range steps {
		got, err := p.Seen(ctx, s.issuer, s.jti, s.until)
		if err != nil || got != s.want {
			t.Fatalf("%s: Seen = %v, %v; want %v", s.name, got, err, s.want)
		}
	}

	if _, err := p.Seen(ctx, iss, "old", past); err != nil {
		t.Fatal(err)
	}
	if err := p.purge(ctx); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM jakguard_jwt_replay WHERE issuer = $1 AND jti = 'old'`, iss).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("expired row not purged")
	}
}

func TestPostgresReplayAcrossInstances(t *testing.T) {
	e := newFileEnv(t)
	// Two service instances, each with its own connection to one database.
	var (
		vs   []*Verifier
		conn *pgx.Conn
	)
	for range 2 {
		conn = postgresConn(t)
		store, err := NewPostgresReplay(t.Context(), conn, nil)
		if err != nil {
			t.Fatal(err)
		}
		vs = append(vs, mustVerifier(t, Config{PublicURL: testPublic}, e.clients(), store, nil, nil))
	}
	c := claimsAt(time.Now(), testPath)
	t.Cleanup(func() {
		conn.Exec(context.Background(), `DELETE FROM jakguard_jwt_replay WHERE issuer = $1 AND jti = $2`, testIssuer, c["jti"])
	})
	tok := "Bearer " + sign(t, e.es384, c, nil)
	if _, err := vs[0].Verify(t.Context(), tok, testPath); err != nil {
		t.Fatalf("instance 1: %v", err)
	}
	if _, err := vs[1].Verify(t.Context(), tok, testPath); !errors.Is(err, ErrReplay) {
		t.Fatalf("instance 2: %v, want ErrReplay", err)
	}
	if _, err := vs[0].Verify(t.Context(), tok, testPath); !errors.Is(err, ErrReplay) {
		t.Fatalf("instance 1 again: %v, want ErrReplay", err)
	}
}

func TestNewPostgresReplayNil(t *testing.T) {
	if _, err := NewPostgresReplay(t.Context(), nil, nil); err == nil {
		t.Fatal("nil database accepted")
	}
}

func TestPostgresReplayConcurrentStart(t *testing.T) {
	admin := postgresConn(t)
	if _, err := admin.Exec(t.Context(), `DROP TABLE IF EXISTS jakguard_jwt_replay`); err != nil {
		t.Fatal(err)
	}
	conns := make([]*pgx.Conn, 4)
	for i := range conns {
		conns[i] = postgresConn(t)
	}
	errs := make([]error, len(conns))
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Go(func() { _, errs[i] = NewPostgresReplay(t.Context(), c, nil) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("replica %d: %v", i+1, err)
		}
	}
}
