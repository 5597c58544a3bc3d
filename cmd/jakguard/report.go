package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"jakguard/internal/store"
)

// reportCmd prints feedback analytics per finding code.
func reportCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("report", getenv, stderr)
	db := fs.String("db", "JAKGUARD_DB", "sqlite:jakguard.db", "feedback store: sqlite:PATH or a postgres:// URL")
	since := fs.Duration("since", "", 0, "only cards shown and feedback received within this duration (e.g. 720h); 0 for all")
	format := fs.String("format", "", "table", "table, json or csv")
	if err := fs.parse(args); err != nil {
		return err
	}
	switch *format {
	case "table", "json", "csv":
	default:
		return fmt.Errorf("report: --format %q: want table, json or csv", *format)
	}
	if *since < 0 {
		return fmt.Errorf("report: --since must not be negative")
	}
	// The report reads what serve wrote: it never creates or migrates a
	// database (a mistyped path must not give an empty report).
	st, err := store.OpenExisting(ctx, *db, slog.New(slog.DiscardHandler))
	if err != nil {
		return fmt.Errorf("report: --db: %w", err)
	}
	defer st.Close()
	var from time.Time
	if *since > 0 {
		from = time.Now().Add(-*since)
	}
	rep, err := st.Report(ctx, from)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return store.WriteReport(stdout, rep, *format)
}
