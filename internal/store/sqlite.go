package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver (pure Go)
)

// SQLite is the embedded feedback store (modernc.org/sqlite, no cgo). Writes
// go through a single connection (SQLite has one writer at a time anyway) in
// IMMEDIATE transactions; reads use a separate read-only pool. The database
// runs in WAL mode with synchronous=FULL (a committed write survives a crash
// or power loss), foreign keys on, and a 5 s busy timeout for a second
// process on the same file. Times are stored as Unix microseconds.
type SQLite struct {
	write     *sql.DB // one connection
	read      *sql.DB // read-only pool; the writer itself for :memory:
	d         dialect
	logger    *slog.Logger
	closeOnce sync.Once
	closeErr  error
}

var _ Store = (*SQLite)(nil)

// Connection parameters. The writer begins IMMEDIATE transactions so that a
// second process waits on busy_timeout instead of failing on lock upgrade.
// journal_mode=WAL is persistent in the file, so readers need not set it.
const (
	sqliteWriteParams = "_txlock=immediate&_busy_timeout=5000&_foreign_keys=1&_journal_mode=WAL&_synchronous=FULL"
	sqliteReadParams  = "_busy_timeout=5000&_query_only=1"
)

// OpenSQLite opens (creating it if needed) the SQLite database at path and
// applies pending migrations. path ":memory:" gives a private in-memory
// database on one connection, for tests.
func OpenSQLite(ctx context.Context, path string, logger *slog.Logger) (*SQLite, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if path == "" {
		return nil, fmt.Errorf("%w: sqlite: empty path (want sqlite:PATH or sqlite::memory:)", ErrBadDSN)
	}
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("%w: sqlite path %q must not contain ? or #", ErrBadDSN, path)
	}
	migs, err := loadMigrations(migrationFiles, "migrations/sqlite")
	if err != nil {
		return nil, err
	}
	s := &SQLite{
		d:      dialect{encodeTime: func(t time.Time) any { return t.UnixMicro() }, now: time.Now},
		logger: logger,
	}
	if s.write, err = sql.Open("sqlite", path+"?"+sqliteWriteParams); err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	s.write.SetMaxOpenConns(1)
	s.write.SetConnMaxLifetime(0)
	s.write.SetConnMaxIdleTime(0)
	s.read = s.write
	if path != ":memory:" {
		if s.read, err = sql.Open("sqlite", path+"?"+sqliteReadParams); err != nil {
			s.write.Close()
			return nil, fmt.Errorf("open sqlite %s: %w", path, err)
		}
		s.read.SetMaxOpenConns(4)
	}
	// Migrate on the writer before any reader connects, so readers never
	// see a half-created schema.
	if err := migrate(ctx, s.writeTx, migs, logger); err != nil {
		return nil, errors.Join(fmt.Errorf("open sqlite %s: %w", path, err), s.Close())
	}
	if err := s.Ping(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("open sqlite %s: %w", path, err), s.Close())
	}
	return s, nil
}

func (s *SQLite) RecordCards(ctx context.Context, cards []CardRecord) error {
	if len(cards) == 0 {
		return nil
	}
	if err := validateCards(cards); err != nil {
		return err
	}
	if err := s.writeTx(ctx, func(r runner) error { return recordCards(ctx, r, s.d, cards) }); err != nil {
		return fmt.Errorf("record cards: %w", err)
	}
	return nil
}

func (s *SQLite) AddFeedback(ctx context.Context, items []Feedback) (int, error) {
	if len(items) == 0 {
		return 0, nil
	}
	if err := validateFeedback(items); err != nil {
		return 0, err
	}
	var stored, unknown int
	err := s.writeTx(ctx, func(r runner) (err error) {
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

func (s *SQLite) Report(ctx context.Context, since time.Time) (Report, error) {
	var rep Report
	err := sqlTx(ctx, s.read, func(r runner) (err error) {
		rep, err = buildReport(ctx, r, s.d, since)
		return err
	})
	if err != nil {
		return Report{}, fmt.Errorf("report: %w", err)
	}
	return rep, nil
}

func (s *SQLite) Ping(ctx context.Context) error {
	if err := sqlTx(ctx, s.read, func(r runner) error { return ping(ctx, r) }); err != nil {
		return fmt.Errorf("store ping: %w", err)
	}
	return nil
}

func (s *SQLite) Close() error {
	s.closeOnce.Do(func() {
		err := s.write.Close()
		if s.read != s.write {
			err = errors.Join(err, s.read.Close())
		}
		s.closeErr = err
	})
	return s.closeErr
}

func (s *SQLite) writeTx(ctx context.Context, fn func(runner) error) error {
	return sqlTx(ctx, s.write, fn)
}

// sqlTx runs fn in a database/sql transaction, committing when fn succeeds.
func sqlTx(ctx context.Context, db *sql.DB, fn func(runner) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(sqlRunner{tx}); err != nil {
		return err
	}
	return tx.Commit()
}

// sqlRunner adapts *sql.Tx to runner.
type sqlRunner struct{ tx *sql.Tx }

func (r sqlRunner) exec(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := r.tx.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (r sqlRunner) queryRow(ctx context.Context, q string, args ...any) rowScanner {
	return r.tx.QueryRowContext(ctx, q, args...)
}

func (r sqlRunner) query(ctx context.Context, q string, args []any, each func(rowScanner) error) error {
	rows, err := r.tx.QueryContext(ctx, q, args...)
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
