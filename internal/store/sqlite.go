package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite" // registers the "sqlite" database/sql driver (pure Go)
	sqlite3 "modernc.org/sqlite/lib"
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
// WAL mode is set once by useWAL, not on every connection: it is persistent
// in the file, so the readers and any later writer connection find it there.
const (
	sqliteBusyTimeout = 5 * time.Second
	sqliteWriteParams = "_txlock=immediate&_busy_timeout=5000&_foreign_keys=1&_synchronous=FULL"
	sqliteReadParams  = "_busy_timeout=5000&_query_only=1"
)

// useWAL switches the file to WAL mode. SQLite takes the exclusive lock that
// switch needs without calling the busy handler, so when several processes
// open a new file at once all but one get SQLITE_BUSY straight away; useWAL
// retries for as long as the busy timeout would have waited.
func useWAL(ctx context.Context, db *sql.DB) error {
	deadline := time.Now().Add(sqliteBusyTimeout)
	for {
		var mode string
		err := db.QueryRowContext(ctx, `PRAGMA journal_mode=WAL`).Scan(&mode)
		var se *sqlite.Error
		switch {
		case err == nil && !strings.EqualFold(mode, "wal"):
			return fmt.Errorf("journal_mode is %s, not wal", mode)
		case err == nil:
			return nil
		case !errors.As(err, &se) || se.Code()&0xff != sqlite3.SQLITE_BUSY || time.Now().After(deadline):
			return fmt.Errorf("set journal_mode=WAL: %w", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// OpenSQLite opens (creating it if needed) the SQLite database at path and
// applies pending migrations. path ":memory:" gives a private in-memory
// database on one connection, for tests.
func OpenSQLite(ctx context.Context, path string, logger *slog.Logger) (*SQLite, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return openSQLiteStore(ctx, path, logger, true)
}

func openSQLite(ctx context.Context, path string, logger *slog.Logger, create bool) (Store, error) {
	s, err := openSQLiteStore(ctx, path, logger, create)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// sqliteCacheKiB is the page cache of each connection (SQLite's default is
// 2 MiB): the writer keeps the right-hand pages of every index it appends
// to, and the pages the random keys of the audit indexes touch.
const sqliteCacheKiB = 16 << 10

func openSQLiteStore(ctx context.Context, path string, logger *slog.Logger, create bool) (*SQLite, error) {
	if path == "" {
		return nil, fmt.Errorf("%w: sqlite: empty path (want sqlite:PATH or sqlite::memory:)", ErrBadDSN)
	}
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("%w: sqlite path %q must not contain ? or #", ErrBadDSN, path)
	}
	if !create {
		if path == ":memory:" {
			return nil, fmt.Errorf("%w: sqlite::memory: is always empty", ErrNoStore)
		}
		st, err := os.Stat(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("%w: the SQLite file %s does not exist (check the path; jakguard serve creates it)", ErrNoStore, path)
		case err != nil:
			return nil, fmt.Errorf("open sqlite %s: %w", path, err)
		case st.IsDir():
			return nil, fmt.Errorf("%w: %s is a directory, not a SQLite file", ErrNoStore, path)
		}
	}
	migs, err := loadMigrations(migrationFiles, "migrations/sqlite")
	if err != nil {
		return nil, err
	}
	s := &SQLite{
		d: dialect{
			findings: `json_each(c.findings) AS j`,
			dayIn:    `day IN (SELECT value FROM json_each($%d))`,
			encodeDays: func(days []int32) any {
				b, _ := json.Marshal(days)
				return string(b)
			},
			encodeTime: func(t time.Time) any { return t.UnixMicro() },
			newTime: func() (any, func() time.Time) {
				var us int64
				return &us, func() time.Time { return time.UnixMicro(us).UTC() }
			},
			week: func(col string) string {
				return fmt.Sprintf("((%s / 1000000 - %d) / %d)", col, mondayOffset, weekSeconds)
			},
			now: time.Now,
		},
		logger: logger,
	}
	cache := fmt.Sprintf("&_pragma=cache_size(-%d)", sqliteCacheKiB)
	if s.write, err = sql.Open("sqlite", path+"?"+sqliteWriteParams+cache); err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	s.write.SetMaxOpenConns(1)
	s.write.SetConnMaxLifetime(0)
	s.write.SetConnMaxIdleTime(0)
	s.read = s.write
	if path != ":memory:" {
		if s.read, err = sql.Open("sqlite", path+"?"+sqliteReadParams+cache); err != nil {
			s.write.Close()
			return nil, fmt.Errorf("open sqlite %s: %w", path, err)
		}
		s.read.SetMaxOpenConns(4)
		if err := useWAL(ctx, s.write); err != nil {
			return nil, errors.Join(fmt.Errorf("open sqlite %s: %w", path, err), s.Close())
		}
	}
	if create {
		// Migrate on the writer before any reader connects, so readers never
		// see a half-created schema.
		if err := migrate(ctx, s.writeTx, migs, logger); err != nil {
			return nil, errors.Join(fmt.Errorf("open sqlite %s: %w", path, err), s.Close())
		}
	} else {
		var v int
		err := sqlTx(ctx, s.read, func(r runner) (err error) { v, err = schemaVersion(ctx, r); return err })
		if err != nil {
			return nil, errors.Join(fmt.Errorf("open sqlite %s: %w", path, err), s.Close())
		}
		if err := checkVersion(v, migs, logger); err != nil {
			return nil, errors.Join(fmt.Errorf("open sqlite %s: %w", path, err), s.Close())
		}
	}
	if err := s.Ping(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("open sqlite %s: %w", path, err), s.Close())
	}
	return s, nil
}

// SQLite statements of Record, prepared once per batch.
const (
	qInsertCard = `INSERT INTO cards (uuid, service, issuer, tenant, findings, suggestions, shown)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (uuid) DO NOTHING`
	qInsertAudit = `INSERT INTO audit (time, day, service, hook_instance, patient_hash, status, latency_us, detail)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`
)

func (s *SQLite) Record(ctx context.Context, b Batch) error {
	if len(b.Cards)+len(b.Audits) == 0 {
		return nil
	}
	if err := validateBatch(b); err != nil {
		return err
	}
	cards := make([]cardRow, len(b.Cards))
	for i, c := range b.Cards {
		var err error
		if cards[i], err = encodeCard(c, s.d.now); err != nil {
			return err
		}
	}
	audits := make([]auditRow, len(b.Audits))
	for i, a := range b.Audits {
		var err error
		if audits[i], err = encodeAudit(a, s.d.now); err != nil {
			return err
		}
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("record: %w", err)
	}
	defer tx.Rollback()
	if err := insertSQLite(ctx, tx, cards, audits, s.d); err != nil {
		return fmt.Errorf("record: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("record: %w", err)
	}
	return nil
}

// insertSQLite writes a batch with statements prepared once for it.
func insertSQLite(ctx context.Context, tx *sql.Tx, cards []cardRow, audits []auditRow, d dialect) error {
	if len(cards) > 0 {
		ins, err := tx.PrepareContext(ctx, qInsertCard)
		if err != nil {
			return err
		}
		defer ins.Close()
		for _, c := range cards {
			if _, err := ins.ExecContext(ctx, c.UUID, c.Service, c.Issuer, c.Tenant, c.findings, c.suggestions, d.encodeTime(c.shown)); err != nil {
				return err
			}
		}
	}
	if len(audits) > 0 {
		ins, err := tx.PrepareContext(ctx, qInsertAudit)
		if err != nil {
			return err
		}
		defer ins.Close()
		for _, a := range audits {
			if _, err := ins.ExecContext(ctx, d.encodeTime(a.time), a.day, a.Service, a.HookInstance, a.PatientHash, a.Status, a.latencyUs, a.detail); err != nil {
				return err
			}
		}
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

func (s *SQLite) Analytics(ctx context.Context, q AnalyticsQuery) (Analytics, error) {
	var a Analytics
	err := sqlTx(ctx, s.read, func(r runner) (err error) {
		a, err = buildAnalytics(ctx, r, s.d, q)
		return err
	})
	if err != nil {
		return Analytics{}, fmt.Errorf("analytics: %w", err)
	}
	return a, nil
}

func (s *SQLite) Audit(ctx context.Context, q AuditQuery) ([]AuditRecord, error) {
	var out []AuditRecord
	err := sqlTx(ctx, s.read, func(r runner) (err error) {
		out, err = queryAudit(ctx, r, s.d, q)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("audit query: %w", err)
	}
	return out, nil
}

func (s *SQLite) Prune(ctx context.Context, req PruneRequest) (Pruned, error) {
	var p Pruned
	err := s.writeTx(ctx, func(r runner) (err error) {
		p, err = prune(ctx, r, s.d, req)
		return err
	})
	if err != nil {
		return Pruned{}, fmt.Errorf("prune: %w", err)
	}
	return p, nil
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
