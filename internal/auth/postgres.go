package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// PGExecer is the part of PostgreSQL access PostgresReplay needs. A
// *pgxpool.Pool satisfies it and is what the service should pass; a
// *pgx.Conn does too but must not be shared between goroutines.
type PGExecer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// purgeEvery is how often PostgresReplay deletes expired rows.
const purgeEvery = 5 * time.Minute

// replaySchema creates the table under an advisory lock, so that replicas
// starting together do not race on CREATE TABLE. It runs as one simple-
// protocol statement batch, which PostgreSQL executes in one transaction.
const replaySchema = `SELECT pg_advisory_xact_lock(7464756274);
CREATE TABLE IF NOT EXISTS jakguard_jwt_replay (
	issuer     text        NOT NULL,
	jti        text        NOT NULL,
	expires_at timestamptz NOT NULL,
	PRIMARY KEY (issuer, jti)
);
CREATE INDEX IF NOT EXISTS jakguard_jwt_replay_expires_at ON jakguard_jwt_replay (expires_at)`

// replayInsert records (issuer, jti) unless a live row exists; an expired
// row not yet purged is taken over. One affected row means "first use".
const replayInsert = `INSERT INTO jakguard_jwt_replay (issuer, jti, expires_at) VALUES ($1, $2, $3)
ON CONFLICT (issuer, jti) DO UPDATE SET expires_at = EXCLUDED.expires_at
WHERE jakguard_jwt_replay.expires_at <= now()`

// PostgresReplay is a ReplayStore shared by every replica using the same
// PostgreSQL database, so a jti used on one replica is refused on all.
// Expiry uses the database clock; expired rows are deleted lazily, at most
// every five minutes, after a Seen.
//
// With a *pgxpool.Pool it recovers by itself from a database that went
// away: broken connections are replaced by the pool, and a table that is
// missing (the database was dropped and created again) is created again
// on first use, with a warning: the jtis remembered before are lost with
// the old database.
type PostgresReplay struct {
	db        PGExecer
	logger    *slog.Logger
	mu        sync.Mutex
	lastPurge time.Time
}

// NewPostgresReplay creates the jakguard_jwt_replay table if missing.
// logger may be nil.
func NewPostgresReplay(ctx context.Context, db PGExecer, logger *slog.Logger) (*PostgresReplay, error) {
	if db == nil {
		return nil, fmt.Errorf("auth: postgres replay store: no database")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if _, err := db.Exec(ctx, replaySchema); err != nil {
		return nil, fmt.Errorf("auth: postgres replay store: create table: %w", err)
	}
	return &PostgresReplay{db: db, logger: logger, lastPurge: time.Now()}, nil
}

// Seen implements ReplayStore.
func (p *PostgresReplay) Seen(ctx context.Context, issuer, jti string, until time.Time) (bool, error) {
	tag, err := p.db.Exec(ctx, replayInsert, issuer, jti, until)
	if isUndefinedTable(err) {
		p.logger.Warn("auth: replay table missing (database recreated?): creating it again; jtis seen before are forgotten")
		if _, err = p.db.Exec(ctx, replaySchema); err == nil {
			tag, err = p.db.Exec(ctx, replayInsert, issuer, jti, until)
		}
	}
	if err != nil {
		return false, fmt.Errorf("replay insert: %w", err)
	}
	if err := p.maybePurge(ctx); err != nil {
		// Expired rows stay until the next purge; the answer holds.
		p.logger.Warn("auth: replay purge failed", "err", err.Error())
	}
	return tag.RowsAffected() == 0, nil
}

// isUndefinedTable reports PostgreSQL's undefined_table error (42P01).
func isUndefinedTable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "42P01"
}

func (p *PostgresReplay) maybePurge(ctx context.Context) error {
	p.mu.Lock()
	due := time.Since(p.lastPurge) >= purgeEvery
	if due {
		p.lastPurge = time.Now()
	}
	p.mu.Unlock()
	if !due {
		return nil
	}
	return p.purge(ctx)
}

func (p *PostgresReplay) purge(ctx context.Context) error {
	if _, err := p.db.Exec(ctx, `DELETE FROM jakguard_jwt_replay WHERE expires_at <= now()`); err != nil {
		return fmt.Errorf("replay purge: %w", err)
	}
	return nil
}
