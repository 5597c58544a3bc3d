package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"jakguard/internal/store"
)

// reportSetup prints feedback analytics per finding code.
func reportSetup(fs *flagSet, sio stdio) func(context.Context) error {
	db := fs.String("db", "JAKGUARD_DB", "sqlite:jakguard.db", "feedback store: sqlite:PATH or a postgres:// URL")
	var since time.Duration
	fs.Var(durationValue{&since}, "since", "only cards shown and feedback received within this `duration`: days (30d), weeks (12w) or hours (720h); 0 for all")
	format := fs.String("format", "", "table", "table, json or csv")
	return func(ctx context.Context) error {
		switch *format {
		case "table", "json", "csv":
		default:
			return fmt.Errorf("report: --format %q: want table, json or csv", *format)
		}
		if since < 0 {
			return fmt.Errorf("report: --since must not be negative")
		}
		// The report reads what serve wrote: it never creates or migrates
		// a database (a mistyped path must not give an empty report).
		st, err := store.OpenExisting(ctx, *db, slog.New(slog.DiscardHandler))
		if err != nil {
			return fmt.Errorf("report: --db: %s", oneLine(err))
		}
		defer st.Close()
		var from time.Time
		if since > 0 {
			from = time.Now().Add(-since)
		}
		rep, err := st.Report(ctx, from)
		if err != nil {
			return fmt.Errorf("report: %w", err)
		}
		return store.WriteReport(sio.stdout, rep, *format)
	}
}
