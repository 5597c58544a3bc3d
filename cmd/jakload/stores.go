package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"jakguard/internal/store"
	"jakguard/internal/store/storebench"
)

const (
	storeSQLite   = "sqlite"
	storePostgres = "postgres"
	fillEmpty     = "empty"
	fillFull      = "full"
)

// fillSpan is the time the pre-filled calls are spread over: the default
// retention, so that pruning finds next to nothing to delete during a run.
const fillSpan = 390 * 24 * time.Hour

// stores prepares the stores the binary runs on: an empty one made afresh
// for each server start, a full one filled once and kept.
type stores struct {
	o        options
	auditKey string // the PostgreSQL stores' audit key (SQLite makes its own)
	filled   map[string]bool
	stderr   io.Writer
}

func newStores(o options, stderr io.Writer) (*stores, error) {
	if err := os.MkdirAll(o.dataDir, 0o700); err != nil {
		return nil, err
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	return &stores{o: o, auditKey: base64.StdEncoding.EncodeToString(key), filled: map[string]bool{}, stderr: stderr}, nil
}

// dsn prepares the store kind (sqlite, postgres) with fill (empty, full)
// and returns its --db value.
func (s *stores) dsn(ctx context.Context, kind, fill string) (string, error) {
	switch kind {
	case storeSQLite:
		path := filepath.Join(s.o.dataDir, fmt.Sprintf("%s-%d.db", fill, s.o.prefill))
		if fill == fillEmpty {
			path = filepath.Join(s.o.dataDir, "empty.db")
			for _, suffix := range []string{"", "-wal", "-shm", ".audit-key"} {
				if err := os.Remove(path + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
					return "", err
				}
			}
		}
		dsn := "sqlite:" + path
		if fill == fillFull {
			return dsn, s.fillOnce(ctx, dsn)
		}
		return dsn, nil
	case storePostgres:
		name := s.o.pgPrefix + "_" + fill
		dsn, err := databaseURL(s.o.pgAdmin, name)
		if err != nil {
			return "", err
		}
		if fill == fillEmpty {
			if err := s.recreate(ctx, name); err != nil {
				return "", err
			}
			return dsn, nil
		}
		if err := s.create(ctx, name); err != nil {
			return "", err
		}
		return dsn, s.fillOnce(ctx, dsn)
	}
	return "", fmt.Errorf("unknown store %q", kind)
}

// fillOnce fills the store at dsn with -prefill cards unless it holds that
// many already (from an earlier run).
func (s *stores) fillOnce(ctx context.Context, dsn string) error {
	if s.filled[dsn] {
		return nil
	}
	st, err := store.Open(ctx, dsn, slog.New(slog.DiscardHandler))
	if err != nil {
		return fmt.Errorf("open %s: %w", store.RedactDSN(dsn), err)
	}
	defer st.Close()
	have, err := countCards(ctx, dsn)
	if err != nil {
		return fmt.Errorf("count the cards of %s: %w", store.RedactDSN(dsn), err)
	}
	if have < s.o.prefill {
		fmt.Fprintf(s.stderr, "jakload: filling %s with %d cards (once; kept for later runs)\n", store.RedactDSN(dsn), s.o.prefill-have)
		begin := time.Now()
		if err := storebench.Fill(ctx, st, s.o.prefill-have, fillSpan, 5000); err != nil {
			return err
		}
		fmt.Fprintf(s.stderr, "jakload: filled in %s\n", time.Since(begin).Round(time.Second))
	}
	s.filled[dsn] = true
	return nil
}

// countCards counts the card records of the (migrated) store at dsn.
func countCards(ctx context.Context, dsn string) (int, error) {
	var n int
	if path, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		db, err := sql.Open("sqlite", path) // the driver jakguard/internal/store registers
		if err != nil {
			return 0, err
		}
		defer db.Close()
		return n, db.QueryRowContext(ctx, "SELECT count(*) FROM cards").Scan(&n)
	}
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return 0, err
	}
	defer c.Close(ctx)
	return n, c.QueryRow(ctx, "SELECT count(*) FROM cards").Scan(&n)
}

// databaseURL is admin with its database replaced by name.
func databaseURL(admin, name string) (string, error) {
	u, err := url.Parse(admin)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", fmt.Errorf("-pg: want a postgres:// URL")
	}
	u.Path = "/" + name
	return u.String(), nil
}

func (s *stores) admin(ctx context.Context) (*pgx.Conn, error) {
	c, err := pgx.Connect(ctx, s.o.pgAdmin)
	if err != nil {
		return nil, fmt.Errorf("-pg %s: %w", store.RedactDSN(s.o.pgAdmin), err)
	}
	return c, nil
}

// recreate drops the database name, if it exists, and creates it empty.
func (s *stores) recreate(ctx context.Context, name string) error {
	c, err := s.admin(ctx)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	if _, err := c.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

// create creates the database name unless it exists.
func (s *stores) create(ctx context.Context, name string) error {
	c, err := s.admin(ctx)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	var exists bool
	if err := c.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return nil
	}
	if _, err := c.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}
