package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Postgres is the feedback store for several replicas
// (github.com/jackc/pgx/v5 with pgxpool). Migrations are guarded by a session advisory
// lock, so replicas starting together apply each one exactly once. Times are
// TIMESTAMPTZ. Tables live in the connection's search_path (a "search_path"
// URL parameter selects a schema).
type Postgres struct {
	pool   *pgxpool.Pool
	d      dialect
	logger *slog.Logger
}

var _ Store = (*Postgres)(nil)

// migrationLockKey is the pg_advisory_lock key held while migrating
// ("jakguard" in ASCII, as a bigint).
const migrationLockKey int64 = 0x6a616b6775617264

// pgMaxConns bounds the connections one jakguard process opens, unless the
// DSN sets pool_max_conns.
const pgMaxConns = 16

// pgTxDefault is a read-write transaction at the server's default isolation.
var pgTxDefault = pgx.TxOptions{}

// OpenPostgres connects to the PostgreSQL database at dsn (a postgres:// or
// postgresql:// URL) and applies pending migrations. Errors never contain
// the password.
func OpenPostgres(ctx context.Context, dsn string, logger *slog.Logger) (*Postgres, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	migs, err := loadMigrations(migrationFiles, "migrations/postgres")
	if err != nil {
		return nil, err
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("%w %s: %w", ErrBadDSN, RedactDSN(dsn), redactError(err, dsn))
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = 10 * time.Second
	}
	if !strings.Contains(dsn, "pool_max_conns") {
		cfg.MaxConns = pgMaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg) // connects lazily
	if err != nil {
		return nil, fmt.Errorf("open postgres %s: %w", RedactDSN(dsn), redactError(err, dsn))
	}
	s := &Postgres{
		pool:   pool,
		d:      dialect{encodeTime: func(t time.Time) any { return t.UTC() }, now: time.Now},
		logger: logger,
	}
	fail := func(err error) (*Postgres, error) {
		s.Close()
		return nil, fmt.Errorf("open postgres %s: %w", RedactDSN(dsn), redactError(err, dsn))
	}
	if err := s.migrate(ctx, migs); err != nil {
		return fail(err)
	}
	if err := s.Ping(ctx); err != nil {
		return fail(err)
	}
	return s, nil
}

// migrate applies migrations on one connection holding the advisory lock.
func (s *Postgres) migrate(ctx context.Context, migs []migration) error {
	pc, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer pc.Release()
	conn := pc.Conn()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrationLockKey); err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	defer func() {
		// A fresh context: unlock even if ctx was cancelled. If the unlock
		// fails, closing the session releases the lock.
		uctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := conn.Exec(uctx, `SELECT pg_advisory_unlock($1)`, migrationLockKey); err != nil {
			conn.Close(uctx) // the pool drops a closed connection on Release
		}
	}()
	inTx := func(ctx context.Context, fn func(runner) error) error {
		return pgx.BeginTxFunc(ctx, conn, pgx.TxOptions{}, func(tx pgx.Tx) error { return fn(pgRunner{tx}) })
	}
	return migrate(ctx, inTx, migs, s.logger)
}

func (s *Postgres) RecordCards(ctx context.Context, cards []CardRecord) error {
	if len(cards) == 0 {
		return nil
	}
	if err := validateCards(cards); err != nil {
		return err
	}
	if err := s.tx(ctx, pgx.TxOptions{}, func(r runner) error { return recordCards(ctx, r, s.d, cards) }); err != nil {
		return fmt.Errorf("record cards: %w", err)
	}
	return nil
}

func (s *Postgres) AddFeedback(ctx context.Context, items []Feedback) (int, error) {
	if len(items) == 0 {
		return 0, nil
	}
	if err := validateFeedback(items); err != nil {
		return 0, err
	}
	var stored, unknown int
	err := s.tx(ctx, pgx.TxOptions{}, func(r runner) (err error) {
		stored, unknown, err = addFeedback(ctx, r, s.d, items)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("add feedback: %w", err)
	}
	if unknown > 0 {
		s.logger.Info("feedback for unknown cards stored", "count", unknown)
	}
	return stored, nil
}

func (s *Postgres) Report(ctx context.Context, since time.Time) (Report, error) {
	var rep Report
	opts := pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
	err := s.tx(ctx, opts, func(r runner) (err error) {
		rep, err = buildReport(ctx, r, s.d, since)
		return err
	})
	if err != nil {
		return Report{}, fmt.Errorf("report: %w", err)
	}
	return rep, nil
}

func (s *Postgres) Ping(ctx context.Context) error {
	pingTx := func() error {
		return s.tx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(r runner) error { return ping(ctx, r) })
	}
	err := pingTx()
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "42P01" { // undefined_table
		// The schema is gone: the database was dropped and created again.
		// Migrate again, so that the store (and readiness) recover without
		// a restart; the pool has already replaced its broken connections.
		s.logger.Warn("store: schema missing (database recreated?): applying the migrations again")
		var migs []migration
		if migs, err = loadMigrations(migrationFiles, "migrations/postgres"); err == nil {
			if err = s.migrate(ctx, migs); err == nil {
				err = pingTx()
			}
		}
	}
	if err != nil {
		return fmt.Errorf("store ping: %w", err)
	}
	return nil
}

// Close closes the pool; it waits for connections in use to be released.
func (s *Postgres) Close() error {
	s.pool.Close()
	return nil
}

// tx runs fn in a transaction on a pooled connection. INSERT ... ON
// CONFLICT DO NOTHING makes concurrent writers safe at READ COMMITTED.
func (s *Postgres) tx(ctx context.Context, opts pgx.TxOptions, fn func(runner) error) error {
	return pgx.BeginTxFunc(ctx, s.pool, opts, func(tx pgx.Tx) error { return fn(pgRunner{tx}) })
}

// pgRunner adapts pgx.Tx to runner.
type pgRunner struct{ tx pgx.Tx }

func (r pgRunner) exec(ctx context.Context, q string, args ...any) (int64, error) {
	tag, err := r.tx.Exec(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

func (r pgRunner) queryRow(ctx context.Context, q string, args ...any) rowScanner {
	return r.tx.QueryRow(ctx, q, args...)
}

func (r pgRunner) query(ctx context.Context, q string, args []any, each func(rowScanner) error) error {
	rows, err := r.tx.Query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
