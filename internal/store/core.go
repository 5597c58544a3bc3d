package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"
)

// The SQL below is shared by both backends. Queries use $N placeholders,
// which PostgreSQL and modernc.org/sqlite both bind by position. The only
// dialect difference the queries see is how a time is stored (encodeTime).

// rowScanner is satisfied by *sql.Row, *sql.Rows, pgx.Row and pgx.Rows.
type rowScanner interface {
	Scan(dest ...any) error
}

// runner runs statements inside one transaction of either backend.
type runner interface {
	exec(ctx context.Context, q string, args ...any) (rowsAffected int64, err error)
	queryRow(ctx context.Context, q string, args ...any) rowScanner
	query(ctx context.Context, q string, args []any, each func(rowScanner) error) error
}

// dialect is what differs between the backends for the shared SQL.
type dialect struct {
	encodeTime func(time.Time) any
	now        func() time.Time
}

func validateCards(cards []CardRecord) error {
	for i, c := range cards {
		if c.UUID == "" || c.Service == "" {
			return fmt.Errorf("record cards: card %d: uuid and service are required", i)
		}
	}
	return nil
}

func recordCards(ctx context.Context, r runner, d dialect, cards []CardRecord) error {
	for _, c := range cards {
		sugg := c.Suggestions
		if sugg == nil {
			sugg = []string{}
		}
		suggJSON, err := json.Marshal(sugg)
		if err != nil {
			return err
		}
		shown := c.Shown
		if shown.IsZero() {
			shown = d.now()
		}
		n, err := r.exec(ctx, `INSERT INTO cards (uuid, service, issuer, tenant, suggestions, shown)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (uuid) DO NOTHING`,
			c.UUID, c.Service, c.Issuer, c.Tenant, string(suggJSON), d.encodeTime(shown))
		if err != nil {
			return err
		}
		if n == 0 {
			continue // already recorded
		}
		for _, code := range c.Findings {
			if _, err := r.exec(ctx, `INSERT INTO card_findings (card, code) VALUES ($1, $2) ON CONFLICT DO NOTHING`, c.UUID, code); err != nil {
				return err
			}
		}
	}
	return nil
}

func validateFeedback(items []Feedback) error {
	for i, f := range items {
		if f.Card == "" || f.Service == "" || f.OutcomeTimestamp.IsZero() ||
			(f.Outcome != OutcomeAccepted && f.Outcome != OutcomeOverridden) {
			return fmt.Errorf("add feedback: item %d: service, card, outcome and outcomeTimestamp are required", i)
		}
	}
	return nil
}

// addFeedback inserts the items that are new and returns how many were
// stored and how many of those were for unknown cards.
func addFeedback(ctx context.Context, r runner, d dialect, items []Feedback) (stored, unknown int, err error) {
	for _, f := range items {
		var n int
		if err := r.queryRow(ctx, `SELECT COUNT(*) FROM cards WHERE uuid = $1`, f.Card).Scan(&n); err != nil {
			return 0, 0, err
		}
		received := f.Received
		if received.IsZero() {
			received = d.now()
		}
		var id int64
		err := r.queryRow(ctx, `INSERT INTO feedback (dedup_key, service, card, outcome,
			reason_system, reason_code, reason_display, user_comment, outcome_timestamp,
			issuer, tenant, received, unknown_card)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
			ON CONFLICT (dedup_key) DO NOTHING RETURNING id`,
			f.dedupKey(), f.Service, f.Card, f.Outcome,
			f.ReasonSystem, f.ReasonCode, f.ReasonDisplay, f.UserComment, d.encodeTime(f.OutcomeTimestamp),
			f.Issuer, f.Tenant, d.encodeTime(received), n == 0).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) { // pgx.ErrNoRows matches too
			continue // the same feedback was stored before
		}
		if err != nil {
			return 0, 0, err
		}
		for _, sg := range f.AcceptedSuggestions {
			if _, err := r.exec(ctx, `INSERT INTO feedback_suggestions (feedback, suggestion) VALUES ($1, $2) ON CONFLICT DO NOTHING`, id, sg); err != nil {
				return 0, 0, err
			}
		}
		stored++
		if n == 0 {
			unknown++
		}
	}
	return stored, unknown, nil
}

// Report queries. Feedback is attributed through card_findings at report
// time, so feedback that arrived before its card record was flushed is still
// attributed once the record lands. Feedback is filtered by the server-side
// received time, cards by the time they were shown.
const (
	qShown = `SELECT cf.code, COUNT(*) FROM card_findings cf JOIN cards c ON c.uuid = cf.card
		WHERE c.shown >= $1 GROUP BY cf.code`
	qOutcomes = `SELECT cf.code, f.outcome, COUNT(DISTINCT f.card) FROM feedback f
		JOIN card_findings cf ON cf.card = f.card
		WHERE f.received >= $1 GROUP BY cf.code, f.outcome`
	qReasons = `SELECT cf.code, f.reason_system, f.reason_code, MAX(f.reason_display), COUNT(DISTINCT f.card) FROM feedback f
		JOIN card_findings cf ON cf.card = f.card
		WHERE f.received >= $1 AND f.outcome = 'overridden' AND f.reason_code <> ''
		GROUP BY cf.code, f.reason_system, f.reason_code`
	qSuggestions = `SELECT cf.code, COUNT(DISTINCT f.card || ' ' || fs.suggestion) FROM feedback f
		JOIN feedback_suggestions fs ON fs.feedback = f.id
		JOIN card_findings cf ON cf.card = f.card
		WHERE f.received >= $1 AND f.outcome = 'accepted' GROUP BY cf.code`
	qUnattributed = `SELECT COUNT(DISTINCT f.card) FROM feedback f
		WHERE f.received >= $1 AND NOT EXISTS (SELECT 1 FROM cards c WHERE c.uuid = f.card)`
)

func buildReport(ctx context.Context, r runner, d dialect, since time.Time) (Report, error) {
	rep := Report{Since: since, Findings: []FindingStats{}}
	from := since
	if from.IsZero() {
		from = time.Unix(0, 0)
	}
	args := []any{d.encodeTime(from)}
	stats := map[string]*FindingStats{}
	get := func(code string) *FindingStats {
		if st, ok := stats[code]; ok {
			return st
		}
		st := &FindingStats{Code: code, TopReasons: []ReasonCount{}}
		stats[code] = st
		return st
	}
	var code string
	var n int
	steps := []struct {
		q    string
		scan func(rowScanner) error
	}{
		{qShown, func(r rowScanner) error {
			if err := r.Scan(&code, &n); err != nil {
				return err
			}
			get(code).Shown = n
			return nil
		}},
		{qOutcomes, func(r rowScanner) error {
			var outcome string
			if err := r.Scan(&code, &outcome, &n); err != nil {
				return err
			}
			if outcome == OutcomeAccepted {
				get(code).Accepted = n
			} else {
				get(code).Overridden = n
			}
			return nil
		}},
		{qReasons, func(r rowScanner) error {
			var rc ReasonCount
			if err := r.Scan(&code, &rc.System, &rc.Code, &rc.Display, &rc.Count); err != nil {
				return err
			}
			st := get(code)
			st.TopReasons = append(st.TopReasons, rc)
			return nil
		}},
		{qSuggestions, func(r rowScanner) error {
			if err := r.Scan(&code, &n); err != nil {
				return err
			}
			get(code).AcceptedSuggestions = n
			return nil
		}},
		{qUnattributed, func(r rowScanner) error { return r.Scan(&rep.Unattributed) }},
	}
	for _, st := range steps {
		if err := r.query(ctx, st.q, args, st.scan); err != nil {
			return rep, err
		}
	}
	for _, st := range stats {
		if acted := st.Accepted + st.Overridden; acted > 0 {
			st.OverrideRate = float64(st.Overridden) / float64(acted)
		}
		sort.Slice(st.TopReasons, func(i, j int) bool {
			a, b := st.TopReasons[i], st.TopReasons[j]
			if a.Count != b.Count {
				return a.Count > b.Count
			}
			if a.System != b.System {
				return a.System < b.System
			}
			return a.Code < b.Code
		})
		if len(st.TopReasons) > topReasons {
			st.TopReasons = st.TopReasons[:topReasons]
		}
		rep.Findings = append(rep.Findings, *st)
	}
	sort.Slice(rep.Findings, func(i, j int) bool {
		a, b := rep.Findings[i], rep.Findings[j]
		if a.Shown != b.Shown {
			return a.Shown > b.Shown
		}
		return a.Code < b.Code
	})
	return rep, nil
}

// ping checks that the schema is there.
func ping(ctx context.Context, r runner) error {
	var n int
	if err := r.queryRow(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return errors.New("schema not migrated")
	}
	return nil
}
