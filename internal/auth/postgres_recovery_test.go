package auth

import (
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
)

// testDSN is the PostgreSQL test database's URL, or a skip.
func testDSN(t *testing.T) string {
	t.Helper()
	postgresConn(t) // skips (or fails in CI) when unreachable
	if dsn := os.Getenv("JAKGUARD_TEST_POSTGRES"); dsn != "" {
		return dsn
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// freezingProxy forwards TCP to target until frozen; frozen, it keeps
// every connection open and forwards nothing, as a network partition does
// to a TCP connection (no RST, no FIN: the client waits).
type freezingProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	frozen bool
	thaw   chan struct{}
	conns  []net.Conn
}

func newFreezingProxy(t *testing.T, target string) *freezingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &freezingProxy{ln: ln, target: target, thaw: make(chan struct{})}
	go p.serve()
	t.Cleanup(p.close)
	return p
}

// close ends the proxy and every connection through it.
func (p *freezingProxy) close() {
	p.setFrozen(false)
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
}

func (p *freezingProxy) setFrozen(f bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.frozen && !f {
		close(p.thaw)
		p.thaw = make(chan struct{})
	}
	p.frozen = f
}

// wait blocks while the proxy is frozen.
func (p *freezingProxy) wait() {
	p.mu.Lock()
	frozen, thaw := p.frozen, p.thaw
	p.mu.Unlock()
	if frozen {
		<-thaw
	}
}

func (p *freezingProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, s)
		p.mu.Unlock()
		go p.pipe(c, s)
		go p.pipe(s, c)
	}
}

func (p *freezingProxy) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.wait()
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				dst.Close()
			}
			return
		}
	}
}

// The attack of the review: PostgreSQL's TCP connection frozen. The replay
// check answers ErrReplayStore within its timeout (the service answers 503)
// instead of hanging, and once the network is back the pool is used again
// without a restart.
func TestPostgresReplayFrozenConnection(t *testing.T) {
	dsn := testDSN(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	proxy := newFreezingProxy(t, u.Host)
	u.Host = proxy.ln.Addr().String()
	pool, err := pgxpool.New(t.Context(), u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	store, err := NewPostgresReplay(t.Context(), pool, nil)
	if err != nil {
		t.Fatal(err)
	}
	e := newFileEnv(t)
	v := mustVerifier(t, Config{PublicURL: testPublic, ReplayTimeout: 300 * time.Millisecond}, e.clients(), store, nil, nil)
	verify := func() error {
		_, err := v.Verify(t.Context(), "Bearer "+sign(t, e.es384, claimsAt(time.Now(), testPath), nil), testPath)
		return err
	}
	if err := verify(); err != nil {
		t.Fatalf("before the partition: %v", err)
	}

	proxy.setFrozen(true)
	for range 3 {
		start := time.Now()
		err := verify()
		t.Logf("partitioned call: %v after %v", err, time.Since(start))
		if !errors.Is(err, ErrReplayStore) {
			t.Fatalf("partitioned: Verify = %v, want ErrReplayStore", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("partitioned: Verify took %v", d)
		}
	}

	proxy.setFrozen(false)
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := verify()
		if err == nil {
			break
		}
		t.Logf("recovering: %v", err)
		if time.Now().After(deadline) {
			t.Fatalf("not recovered after the partition: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	proxy.close() // connections the partition broke then close at once
}

// A database dropped and created again is used again without a restart:
// the pool replaces its broken connections and the replay table is
// created again on first use.
func TestPostgresReplayRecreatedDatabase(t *testing.T) {
	admin := postgresConn(t)
	ctx := t.Context()
	name := "jakguard_replay_recreate_" + uuid.NewString()[:8]
	if _, err := admin.Exec(ctx, `CREATE DATABASE `+name); err != nil {
		t.Skipf("cannot create a database for this test: %v", err)
	}
	t.Cleanup(func() { admin.Exec(context.Background(), `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`) })
	u, err := url.Parse(testDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	pool, err := pgxpool.New(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	store, err := NewPostgresReplay(ctx, pool, nil)
	if err != nil {
		t.Fatal(err)
	}
	until := time.Now().Add(5 * time.Minute)
	if seen, err := store.Seen(ctx, testIssuer, "before", until); err != nil || seen {
		t.Fatalf("before: %v, %v", seen, err)
	}

	if _, err := admin.Exec(ctx, `DROP DATABASE `+name+` WITH (FORCE)`); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(ctx, `CREATE DATABASE `+name); err != nil {
		t.Fatal(err)
	}

	// The first call may meet a connection the drop broke; the next ones
	// must work, with the same store and pool.
	var lastErr error
	ok := false
	for range 5 {
		seen, err := store.Seen(ctx, testIssuer, "after", until)
		if err == nil {
			if seen {
				t.Fatal("a new jti was reported as seen")
			}
			ok = true
			break
		}
		lastErr = err
	}
	if !ok {
		t.Fatalf("not used again after the database was recreated: %v", lastErr)
	}
	if seen, err := store.Seen(ctx, testIssuer, "after", until); err != nil || !seen {
		t.Fatalf("replay after recovery: %v, %v; want seen", seen, err)
	}
}
