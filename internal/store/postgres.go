package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
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
	migs   []migration

	// migrated is set when this store applied the migrations (Open, not
	// OpenExisting); only then does it apply them again when it finds the
	// schema gone (the database was dropped and created again).
	migrated    bool
	remigrateMu sync.Mutex
	remigrated  time.Time // last attempt
	remigrateEr error     // its outcome

	closeOnce sync.Once
}

var _ Store = (*Postgres)(nil)

// migrationLockKey is the pg_advisory_lock key held while migrating
// ("jakguard" in ASCII, as a bigint).
const migrationLockKey int64 = 0x6a616b6775617264

// pruneLockKey is the pg_try_advisory_xact_lock key of a prune batch: one
// replica prunes at a time, the others skip.
const pruneLockKey = migrationLockKey + 1

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
	return openPostgresStore(ctx, dsn, logger, true)
}

func openPostgres(ctx context.Context, dsn string, logger *slog.Logger, create bool) (Store, error) {
	s, err := openPostgresStore(ctx, dsn, logger, create)
	if err != nil {
		return nil, err
	}
	return s, nil
}

func openPostgresStore(ctx context.Context, dsn string, logger *slog.Logger, create bool) (*Postgres, error) {
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
		pool: pool,
		migs: migs,
		d: dialect{
			findings:   `jsonb_array_elements_text(c.findings::jsonb) AS j(value)`,
			dayIn:      `day = ANY($%d::integer[])`,
			encodeDays: func(days []int32) any { return days },
			encodeTime: func(t time.Time) any { return t.UTC() },
			newTime: func() (any, func() time.Time) {
				var t time.Time
				return &t, func() time.Time { return t.UTC() }
			},
			week: func(col string) string {
				return fmt.Sprintf("FLOOR((EXTRACT(EPOCH FROM %s) - %d) / %d)::bigint", col, mondayOffset, weekSeconds)
			},
			now: time.Now,
		},
		logger: logger,
	}
	fail := func(err error) (*Postgres, error) {
		s.Close()
		return nil, fmt.Errorf("open postgres %s: %w", RedactDSN(dsn), redactError(err, dsn))
	}
	if create {
		if err := s.migrate(ctx, migs); err != nil {
			return fail(err)
		}
		s.migrated = true
	} else {
		var v int
		err := s.tx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(r runner) (err error) { v, err = schemaVersion(ctx, r); return err })
		if err != nil {
			return fail(err)
		}
		if err := checkVersion(v, migs, logger); err != nil {
			return fail(err)
		}
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

// Record writes a batch with one INSERT per table, the rows passed as
// arrays (one round trip each, whatever the batch size).
func (s *Postgres) Record(ctx context.Context, b Batch) error {
	if len(b.Cards)+len(b.Audits) == 0 {
		return nil
	}
	if err := validateBatch(b); err != nil {
		return err
	}
	var cards pgCards
	for _, c := range b.Cards {
		row, err := encodeCard(c, s.d.now)
		if err != nil {
			return err
		}
		cards.add(row)
	}
	var audits pgAudits
	for _, a := range b.Audits {
		row, err := encodeAudit(a, s.d.now)
		if err != nil {
			return err
		}
		audits.add(row)
	}
	err := s.recovering(ctx, false, func() error {
		return pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{}, func(tx pgx.Tx) error {
			if len(cards.uuid) > 0 {
				if _, err := tx.Exec(ctx, `INSERT INTO cards (uuid, service, issuer, tenant, findings, suggestions, shown)
					SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[])
					ON CONFLICT (uuid) DO NOTHING`,
					cards.uuid, cards.service, cards.issuer, cards.tenant, cards.findings, cards.suggestions, cards.shown); err != nil {
					return err
				}
			}
			if len(audits.service) > 0 {
				if _, err := tx.Exec(ctx, `INSERT INTO audit (time, day, service, hook_instance, patient_hash, status, latency_us, detail)
					SELECT * FROM unnest($1::timestamptz[], $2::integer[], $3::text[], $4::text[], $5::text[], $6::integer[], $7::bigint[], $8::text[])`,
					audits.time, audits.day, audits.service, audits.hookInstance, audits.patientHash, audits.status, audits.latencyUs, audits.detail); err != nil {
					return err
				}
			}
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("record: %w", err)
	}
	return nil
}

// pgCards are card rows as column arrays.
type pgCards struct {
	uuid, service, issuer, tenant, findings, suggestions []string
	shown                                                []time.Time
}

func (p *pgCards) add(c cardRow) {
	p.uuid = append(p.uuid, c.UUID)
	p.service = append(p.service, c.Service)
	p.issuer = append(p.issuer, c.Issuer)
	p.tenant = append(p.tenant, c.Tenant)
	p.findings = append(p.findings, c.findings)
	p.suggestions = append(p.suggestions, c.suggestions)
	p.shown = append(p.shown, c.shown.UTC())
}

// pgAudits are audit rows as column arrays.
type pgAudits struct {
	time                                       []time.Time
	day                                        []int32
	service, hookInstance, patientHash, detail []string
	status                                     []int32
	latencyUs                                  []int64
}

func (p *pgAudits) add(a auditRow) {
	p.time = append(p.time, a.time.UTC())
	p.day = append(p.day, a.day)
	p.service = append(p.service, a.Service)
	p.hookInstance = append(p.hookInstance, a.HookInstance)
	p.patientHash = append(p.patientHash, a.PatientHash)
	p.status = append(p.status, int32(a.Status))
	p.latencyUs = append(p.latencyUs, a.latencyUs)
	p.detail = append(p.detail, a.detail)
}

func (s *Postgres) AddFeedback(ctx context.Context, items []Feedback) (int, error) {
	if len(items) == 0 {
		return 0, nil
	}
	if err := validateFeedback(items); err != nil {
		return 0, err
	}
	var stored, unknown int
	// Idempotent (dedup key): safe to run again on a fresh connection.
	err := s.recovering(ctx, true, func() error {
		return s.tx(ctx, pgx.TxOptions{}, func(r runner) (err error) {
			stored, unknown, err = addFeedback(ctx, r, s.d, items)
			return err
		})
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
	err := s.recovering(ctx, true, func() error {
		return s.tx(ctx, opts, func(r runner) (err error) {
			rep, err = buildReport(ctx, r, s.d, since)
			return err
		})
	})
	if err != nil {
		return Report{}, fmt.Errorf("report: %w", err)
	}
	return rep, nil
}

func (s *Postgres) Analytics(ctx context.Context, q AnalyticsQuery) (Analytics, error) {
	var a Analytics
	opts := pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
	err := s.recovering(ctx, true, func() error {
		return s.tx(ctx, opts, func(r runner) (err error) {
			a, err = buildAnalytics(ctx, r, s.d, q)
			return err
		})
	})
	if err != nil {
		return Analytics{}, fmt.Errorf("analytics: %w", err)
	}
	return a, nil
}

func (s *Postgres) Audit(ctx context.Context, q AuditQuery) ([]AuditRecord, error) {
	var out []AuditRecord
	err := s.recovering(ctx, true, func() error {
		return s.tx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(r runner) (err error) {
			out, err = queryAudit(ctx, r, s.d, q)
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("audit query: %w", err)
	}
	return out, nil
}

func (s *Postgres) Prune(ctx context.Context, req PruneRequest) (Pruned, error) {
	var p Pruned
	err := s.recovering(ctx, true, func() error {
		p = Pruned{}
		return s.tx(ctx, pgx.TxOptions{}, func(r runner) error {
			var mine bool
			if err := r.queryRow(ctx, `SELECT pg_try_advisory_xact_lock($1)`, pruneLockKey).Scan(&mine); err != nil || !mine {
				return err // another replica is pruning: skip this round
			}
			var err error
			p, err = prune(ctx, r, s.d, req)
			return err
		})
	})
	if err != nil {
		return Pruned{}, fmt.Errorf("prune: %w", err)
	}
	return p, nil
}

func (s *Postgres) Ping(ctx context.Context) error {
	err := s.recovering(ctx, true, func() error {
		return s.tx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(r runner) error { return ping(ctx, r) })
	})
	if err != nil {
		return fmt.Errorf("store ping: %w", err)
	}
	return nil
}

// recovering runs fn and, when it failed in a way a second try can fix,
// runs it once more:
//   - the schema is gone (the database was dropped and created again): the
//     migrations are applied again first (stores that migrated only);
//   - a pooled connection was dead (server restart, database dropped): the
//     pool has discarded it, and fn gets a fresh one; only when fn is
//     idempotent or pgx knows nothing reached the server.
//
// Without it, a recreated database answered 503 until jakguard restarted.
func (s *Postgres) recovering(ctx context.Context, idempotent bool, fn func() error) error {
	err := fn()
	if err == nil || ctx.Err() != nil {
		return err
	}
	switch {
	case isUndefinedTable(err):
		if !s.migrated {
			return err
		}
		if merr := s.remigrate(ctx); merr != nil {
			return errors.Join(err, merr)
		}
	case isConnError(err) && (idempotent || pgconn.SafeToRetry(err)):
	default:
		return err
	}
	return fn()
}

// remigrate applies the migrations again, at most once a second whatever
// the number of callers.
func (s *Postgres) remigrate(ctx context.Context) error {
	s.remigrateMu.Lock()
	defer s.remigrateMu.Unlock()
	if time.Since(s.remigrated) < time.Second {
		return s.remigrateEr
	}
	s.logger.Warn("store schema missing (database dropped and created again?): applying the migrations again")
	s.remigrateEr = s.migrate(ctx, s.migs)
	s.remigrated = time.Now()
	return s.remigrateEr
}

// isUndefinedTable tells whether err is PostgreSQL's undefined_table.
func isUndefinedTable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "42P01" // undefined_table
}

// isConnError tells whether err is about the connection rather than the
// statement: no answer from the server, or a FATAL or connection-class
// error (the session was terminated).
func isConnError(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return true
	}
	return pe.Severity == "FATAL" || strings.HasPrefix(pe.Code, "08") || strings.HasPrefix(pe.Code, "57P")
}

// pgCloseWait bounds Close. After a partition, pgx gives the connections
// it abandoned 15 s each to say goodbye to the server; a shutdown does not
// wait for that.
const pgCloseWait = 3 * time.Second

// Close closes the pool, waiting at most pgCloseWait for the connections to
// close.
func (s *Postgres) Close() error {
	s.closeOnce.Do(func() {
		done := make(chan struct{})
		go func() { s.pool.Close(); close(done) }()
		select {
		case <-done:
		case <-time.After(pgCloseWait):
			s.logger.Warn("store close: PostgreSQL connections still closing; not waiting for them")
		}
	})
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
