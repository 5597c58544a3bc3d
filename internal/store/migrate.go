package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// migration is one versioned schema change, NNNN_name.sql.
type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations reads dir of fsys, sorted by version. File names must be
// NNNN_name.sql with a positive, unique version.
func loadMigrations(fsys fs.FS, dir string) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations %s: %w", dir, err)
	}
	var out []migration
	seen := map[int]string{}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		prefix, _, _ := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(prefix)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s/%s: name must start with a positive version number and _", dir, e.Name())
		}
		if other, dup := seen[v]; dup {
			return nil, fmt.Errorf("migration %s/%s: version %d already used by %s", dir, e.Name(), v, other)
		}
		seen[v] = e.Name()
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read migration %s/%s: %w", dir, e.Name(), err)
		}
		out = append(out, migration{version: v, name: e.Name(), sql: string(b)})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no migrations in %s", dir)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// migrate applies the pending migrations, each in its own transaction
// together with its schema_migrations row. inTx runs fn in one transaction;
// the caller serialises concurrent migrators (SQLite: the single writer
// connection; PostgreSQL: an advisory lock held on the connection inTx uses).
func migrate(ctx context.Context, inTx func(context.Context, func(runner) error) error, migs []migration, logger *slog.Logger) error {
	applied := map[int]bool{}
	maxApplied := 0
	err := inTx(ctx, func(r runner) error {
		if _, err := r.exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version INTEGER PRIMARY KEY,
			name    TEXT NOT NULL
		)`); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		return r.query(ctx, `SELECT version FROM schema_migrations`, nil, func(row rowScanner) error {
			var v int
			if err := row.Scan(&v); err != nil {
				return err
			}
			applied[v] = true
			maxApplied = max(maxApplied, v)
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("read schema_migrations: %w", err)
	}
	if known := migs[len(migs)-1].version; maxApplied > known {
		logger.Warn("store schema is newer than this binary", "schema_version", maxApplied, "binary_version", known)
	}
	for _, m := range migs {
		if applied[m.version] {
			continue
		}
		err := inTx(ctx, func(r runner) error {
			// Check again inside the write transaction: another process
			// sharing a SQLite file may have applied it meanwhile.
			var n int
			if err := r.queryRow(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = $1`, m.version).Scan(&n); err != nil || n > 0 {
				return err
			}
			if _, err := r.exec(ctx, m.sql); err != nil {
				return err
			}
			_, err := r.exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.version, m.name)
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		logger.Info("store migration applied", "version", m.version, "name", m.name)
	}
	return nil
}
