package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// tcpProxy forwards TCP connections to target until frozen; frozen, it
// forwards nothing in either direction (and holds new connections) without
// closing anything: a network partition as the client sees it.
type tcpProxy struct {
	ln     net.Listener
	target string
	frozen atomic.Bool
	mu     sync.Mutex
	conns  []net.Conn
}

func newTCPProxy(t *testing.T, target string) *tcpProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{ln: ln, target: target}
	go p.accept()
	t.Cleanup(p.close)
	return p
}

func (p *tcpProxy) addr() string { return p.ln.Addr().String() }

func (p *tcpProxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go func() {
			p.waitThawed()
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				return
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go p.pipe(up, c)
			go p.pipe(c, up)
		}()
	}
}

// pipe copies src to dst, holding what it read while the proxy is frozen.
func (p *tcpProxy) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.waitThawed()
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

func (p *tcpProxy) waitThawed() {
	for p.frozen.Load() {
		time.Sleep(5 * time.Millisecond)
	}
}

func (p *tcpProxy) close() {
	p.frozen.Store(false)
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
}

// A PostgreSQL behind a partition never holds a caller past its context:
// feedback, ping, report and audit queries return at their deadline, the
// recorder drops and counts; when the network heals, the same store works
// again.
func TestPostgresPartition(t *testing.T) {
	dsn := postgresDSN(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	proxy := newTCPProxy(t, u.Host)
	u.Host = proxy.addr()
	s, err := OpenPostgres(t.Context(), u.String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mustRecord(t, s, card("c1", []string{"smoker"}))

	proxy.frozen.Store(true)
	const timeout = 300 * time.Millisecond
	calls := []struct {
		name string
		fn   func(ctx context.Context) error
	}{
		{"feedback", func(ctx context.Context) error {
			_, err := s.AddFeedback(ctx, []Feedback{overridden("c1", "x")})
			return err
		}},
		{"ping", s.Ping},
		{"report", func(ctx context.Context) error { _, err := s.Report(ctx, time.Time{}); return err }},
		{"audit", func(ctx context.Context) error { _, err := s.Audit(ctx, AuditQuery{}); return err }},
		{"record", func(ctx context.Context) error {
			return s.Record(ctx, Batch{Cards: []CardRecord{card("c2", []string{"smoker"})}})
		}},
	}
	for _, c := range calls {
		ctx, cancel := context.WithTimeout(t.Context(), timeout)
		begin := time.Now()
		err := c.fn(ctx)
		d := time.Since(begin)
		cancel()
		if err == nil {
			t.Errorf("%s through a frozen network succeeded", c.name)
		}
		t.Logf("%s: %v", c.name, d)
		if d > timeout+700*time.Millisecond {
			t.Errorf("%s held the caller %v past its %v deadline", c.name, d-timeout, timeout)
		}
	}

	rec := NewRecorder(s, nil, RecorderConfig{Queue: 4, Timeout: timeout})
	begin := time.Now()
	for i := range 50 {
		rec.Record(oneCard(100+i), auditRecord(i))
	}
	if d := time.Since(begin); d > 100*time.Millisecond {
		t.Errorf("Record waited %v for a frozen database", d)
	}
	time.Sleep(2 * timeout)
	if st := rec.Stats(); st.CardsDropped < 40 || st.AuditDropped < 40 || st.CardsWritten != 0 {
		t.Errorf("recorder behind a partition: %+v; want most dropped and counted, none written", st)
	}
	cctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
	rec.Close(cctx)
	cancel()

	proxy.frozen.Store(false)
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		_, err := s.AddFeedback(ctx, []Feedback{overridden("c1", "healed")})
		cancel()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the store did not recover after the partition: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got, _ := findingStats(mustReport(t, s, time.Time{}), "smoker"); got.Overridden != 1 {
		t.Errorf("after the partition: overridden %d, want 1", got.Overridden)
	}
	begin = time.Now()
	s.Close()
	if d := time.Since(begin); d > pgCloseWait+time.Second {
		t.Errorf("Close took %v after a partition", d)
	}
}

// A database dropped and created again (restored, failed over to an empty
// one) is used again without a restart: ping turns green once the
// migrations are applied again, and feedback is stored.
func TestPostgresDatabaseRecreated(t *testing.T) {
	base := postgresBase(t)
	admin, err := pgx.Connect(t.Context(), base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close(context.Background()) }) // after the database is dropped
	b := make([]byte, 6)
	rand.Read(b)
	name := "jakguard_recreated_" + hex.EncodeToString(b)
	ident := pgx.Identifier{name}.Sanitize()
	if _, err := admin.Exec(t.Context(), "CREATE DATABASE "+ident); err != nil {
		t.Skipf("cannot create a database for this test (needs CREATEDB): %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
			t.Errorf("drop the test database: %v", err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	s, err := OpenPostgres(t.Context(), u.String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mustRecord(t, s, card("before", []string{"smoker"}))

	if _, err := admin.Exec(t.Context(), "DROP DATABASE "+ident+" WITH (FORCE)"); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(t.Context()); err == nil {
		t.Fatal("ping succeeded on a dropped database")
	}
	if _, err := admin.Exec(t.Context(), "CREATE DATABASE "+ident); err != nil {
		t.Fatal(err)
	}
	var pingErr error
	for range 50 {
		if pingErr = s.Ping(t.Context()); pingErr == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if pingErr != nil {
		t.Fatalf("ping after the database came back: %v", pingErr)
	}
	mustRecord(t, s, card("after", []string{"anemia"}))
	if n := mustAdd(t, s, overridden("after", "x")); n != 1 {
		t.Errorf("feedback stored %d, want 1", n)
	}
	r := mustReport(t, s, time.Time{})
	if got, _ := findingStats(r, "anemia"); got.Overridden != 1 {
		t.Errorf("report after recovery: %+v", r)
	}
}
