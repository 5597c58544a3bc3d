package store

import (
	"context"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgPool is a small bounded pool of pgx connections. (pgxpool needs
// github.com/jackc/puddle/v2, which is not in go.mod.) A connection idle for
// longer than pgIdleCheck is pinged before reuse, so a restarted server costs
// no failed request, and a connection that is broken or still inside a
// transaction on release is closed instead of reused.
type pgPool struct {
	cfg   *pgx.ConnConfig
	slots chan struct{} // one token per open connection, busy or idle
	idle  chan idleConn

	mu     sync.Mutex
	closed bool
}

type idleConn struct {
	conn  *pgx.Conn
	since time.Time
}

const pgIdleCheck = 30 * time.Second

func newPGPool(cfg *pgx.ConnConfig, size int) *pgPool {
	return &pgPool{
		cfg:   cfg,
		slots: make(chan struct{}, size),
		idle:  make(chan idleConn, size),
	}
}

func (p *pgPool) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

// acquire returns an idle connection, or opens one if the pool has room, or
// waits for one until ctx is done.
func (p *pgPool) acquire(ctx context.Context) (*pgx.Conn, error) {
	for {
		if p.isClosed() {
			return nil, errClosed
		}
		var ic idleConn
		select {
		case ic = <-p.idle:
		default:
			select {
			case ic = <-p.idle:
			case p.slots <- struct{}{}:
				conn, err := pgx.ConnectConfig(ctx, p.cfg)
				if err != nil {
					<-p.slots
					return nil, err
				}
				return conn, nil
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		if ic.conn.IsClosed() {
			p.discard(ic.conn)
			continue
		}
		if time.Since(ic.since) > pgIdleCheck {
			if err := ic.conn.Ping(ctx); err != nil {
				p.discard(ic.conn)
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				continue
			}
		}
		return ic.conn, nil
	}
}

// release returns conn to the pool, or closes it when it is broken, still
// in a transaction, or the pool is closed.
func (p *pgPool) release(conn *pgx.Conn) {
	pc := conn.PgConn()
	if conn.IsClosed() || pc.IsBusy() || pc.TxStatus() != 'I' || p.isClosed() {
		p.discard(conn)
		return
	}
	p.idle <- idleConn{conn: conn, since: time.Now()} // never blocks: len(idle) < cap(slots)
	if p.isClosed() {
		p.drain()
	}
}

func (p *pgPool) discard(conn *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	conn.Close(ctx)
	<-p.slots
}

func (p *pgPool) drain() {
	for {
		select {
		case ic := <-p.idle:
			p.discard(ic.conn)
		default:
			return
		}
	}
}

func (p *pgPool) close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.drain()
}
