package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"sort"
	"time"
)

// The SQL below is shared by both backends. Queries use $N placeholders,
// which PostgreSQL and modernc.org/sqlite both bind by position. The only
// dialect difference the queries see is how a time is stored (encodeTime,
// newTime). Each backend writes batches its own way (SQLite: prepared
// statements; PostgreSQL: one INSERT per table from arrays).

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
	// findings is the FROM item listing the codes of cards.findings (a
	// JSON array) of the card aliased c, as j.value.
	findings string
	// dayIn is the condition "day is one of the list in parameter $%d",
	// encodeDays that parameter.
	dayIn      string
	encodeDays func([]int32) any
	encodeTime func(time.Time) any
	// newTime returns a Scan destination for a stored time and a function
	// reading it once scanned.
	newTime func() (dest any, get func() time.Time)
	// week is the expression of the week number of the time column col:
	// whole weeks since the first Monday after the Unix epoch (weekStart).
	week func(col string) string
	now  func() time.Time
}

func validateBatch(b Batch) error {
	for i, c := range b.Cards {
		if c.UUID == "" || c.Service == "" {
			return fmt.Errorf("record: card %d: uuid and service are required", i)
		}
	}
	for i, a := range b.Audits {
		if a.Service == "" || a.Status == 0 {
			return fmt.Errorf("record: audit record %d: service and status are required", i)
		}
	}
	return nil
}

// cardRow is a CardRecord as stored.
type cardRow struct {
	CardRecord
	findings    string // JSON array of finding codes
	suggestions string // JSON object: suggestion uuid → finding codes
	shown       time.Time
}

func encodeCard(c CardRecord, now func() time.Time) (cardRow, error) {
	m := make(map[string][]string, len(c.Suggestions))
	for _, s := range c.Suggestions {
		codes := s.Findings
		if codes == nil {
			codes = []string{}
		}
		m[s.UUID] = codes
	}
	sugg, err := json.Marshal(m)
	if err != nil {
		return cardRow{}, err
	}
	codes := c.Findings
	if codes == nil {
		codes = []string{}
	}
	findings, err := json.Marshal(codes)
	if err != nil {
		return cardRow{}, err
	}
	shown := c.Shown
	if shown.IsZero() {
		shown = now()
	}
	return cardRow{CardRecord: c, findings: string(findings), suggestions: string(sugg), shown: shown}, nil
}

// auditDetail is the part of an audit record stored as one JSON column.
type auditDetail struct {
	Client     Client            `json:"client"`
	Findings   []string          `json:"findings"`
	Summaries  []string          `json:"summaries"`
	KBRevision string            `json:"kbRevision,omitempty"`
	ConfigHash string            `json:"configHash,omitempty"`
	Sources    map[string]string `json:"sources"`
}

// auditRow is an AuditRecord as stored.
type auditRow struct {
	AuditRecord
	detail    string
	latencyUs int64
	time      time.Time
	day       int32 // UTC days since 1970-01-01
}

// dayOf is the UTC day number of t.
func dayOf(t time.Time) int32 { return int32(t.Unix() / 86400) }

func encodeAudit(a AuditRecord, now func() time.Time) (auditRow, error) {
	r := auditRow{AuditRecord: a, time: a.Time}
	if r.time.IsZero() {
		r.time = now()
	}
	r.day = dayOf(r.time)
	d := auditDetail{Client: a.Client, Findings: a.Findings, Summaries: a.Summaries,
		KBRevision: a.KBRevision, ConfigHash: a.ConfigHash, Sources: a.Sources}
	if d.Findings == nil {
		d.Findings = []string{}
	}
	if d.Summaries == nil {
		d.Summaries = []string{}
	}
	if d.Sources == nil {
		d.Sources = map[string]string{}
	}
	b, err := json.Marshal(d)
	if err != nil {
		return r, err
	}
	r.detail = string(b)
	if !math.IsNaN(a.LatencyMs) && a.LatencyMs > 0 {
		r.latencyUs = int64(math.Round(min(a.LatencyMs, 1e12) * 1000))
	}
	return r, nil
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
		if err := r.queryRow(ctx, `SELECT COUNT(*) FROM cards WHERE uuid = $1 AND issuer = $2 AND tenant = $3`, f.Card, f.Issuer, f.Tenant).Scan(&n); err != nil {
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

// Report queries. Feedback is attributed through the cards' findings at
// report time, so feedback that arrived before its card record was flushed
// is still attributed once the record lands. Only to a card shown to the
// same client (issuer and tenant): feedback one client sends on a card
// uuid another client was given is unattributed, as for an unknown card,
// so one EHR cannot move another's override rates. Feedback is filtered by the
// server-side received time, cards by the time they were shown. %[1]s is
// the dialect's FROM item listing a card's finding codes as j.value, %[2]s
// the service filter (or nothing).
//
// An override counts for every finding of its card. An accepted suggestion
// counts for the findings that suggestion addresses (cards.suggestions, read
// in Go: accepted feedback is a small set); a card recorded before that
// mapping existed (a JSON array of uuids) counts for all its findings.
const (
	qShown = `SELECT j.value, COUNT(*) FROM cards c CROSS JOIN %[1]s
		WHERE c.shown >= $1%[2]s GROUP BY j.value`
	qOverridden = `SELECT j.value, COUNT(DISTINCT f.card) FROM feedback f
		JOIN cards c ON c.uuid = f.card AND c.issuer = f.issuer AND c.tenant = f.tenant CROSS JOIN %[1]s
		WHERE f.received >= $1 AND f.outcome = 'overridden'%[2]s GROUP BY j.value`
	qReasons = `SELECT j.value, f.reason_system, f.reason_code, MAX(f.reason_display), COUNT(DISTINCT f.card) FROM feedback f
		JOIN cards c ON c.uuid = f.card AND c.issuer = f.issuer AND c.tenant = f.tenant CROSS JOIN %[1]s
		WHERE f.received >= $1 AND f.outcome = 'overridden' AND f.reason_code <> ''%[2]s
		GROUP BY j.value, f.reason_system, f.reason_code`
	qAccepted = `SELECT DISTINCT f.card, c.findings, c.suggestions, fs.suggestion FROM feedback f
		JOIN cards c ON c.uuid = f.card AND c.issuer = f.issuer AND c.tenant = f.tenant
		JOIN feedback_suggestions fs ON fs.feedback = f.id
		WHERE f.received >= $1 AND f.outcome = 'accepted'`
	qUnattributed = `SELECT COUNT(DISTINCT f.card) FROM feedback f
		WHERE f.received >= $1 AND NOT EXISTS (SELECT 1 FROM cards c WHERE c.uuid = f.card AND c.issuer = f.issuer AND c.tenant = f.tenant)`
)

// acceptance attributes accepted feedback to findings.
type acceptance struct {
	cards map[string]map[string]bool // code → cards accepted for it
	suggs map[string]map[string]bool // code → "card suggestion" accepted for it
}

// add counts one accepted suggestion of a card with the findings and
// suggestions columns given.
func (a *acceptance) add(card, findingsJSON, suggJSON, suggestion string) error {
	var codes []string
	if err := json.Unmarshal([]byte(findingsJSON), &codes); err != nil {
		return fmt.Errorf("card %s: findings: %w", card, err)
	}
	addressed := codes // recorded before suggestions carried their findings: all
	var mapping map[string][]string
	if json.Unmarshal([]byte(suggJSON), &mapping) == nil {
		addressed = mapping[suggestion] // nil for a suggestion the card does not have
	}
	for _, code := range addressed {
		if !slices.Contains(codes, code) {
			continue // only the card's own findings
		}
		if a.cards[code] == nil {
			a.cards[code], a.suggs[code] = map[string]bool{}, map[string]bool{}
		}
		a.cards[code][card] = true
		a.suggs[code][card+" "+suggestion] = true
	}
	return nil
}

func buildReport(ctx context.Context, r runner, d dialect, since time.Time) (Report, error) {
	return buildReportFor(ctx, r, d, AnalyticsQuery{Since: since})
}

// buildReportFor is buildReport for the cards of one service when
// q.Service is set (the feedback on them, and for Unattributed the
// feedback sent to that service).
func buildReportFor(ctx context.Context, r runner, d dialect, q AnalyticsQuery) (Report, error) {
	rep := Report{Since: q.Since, Findings: []FindingStats{}}
	from := q.Since
	if from.IsZero() {
		from = time.Unix(0, 0)
	}
	args := []any{d.encodeTime(from)}
	cardFilter, fbFilter := "", ""
	if q.Service != "" {
		args = append(args, q.Service)
		cardFilter, fbFilter = " AND c.service = $2", " AND f.service = $2"
	}
	stats := map[string]*FindingStats{}
	get := func(code string) *FindingStats {
		if st, ok := stats[code]; ok {
			return st
		}
		st := &FindingStats{Code: code, TopReasons: []ReasonCount{}}
		stats[code] = st
		return st
	}
	acc := acceptance{cards: map[string]map[string]bool{}, suggs: map[string]map[string]bool{}}
	var code string
	var n int
	sq := func(sql string) string { return fmt.Sprintf(sql, d.findings, cardFilter) }
	steps := []struct {
		q    string
		scan func(rowScanner) error
	}{
		{sq(qShown), func(r rowScanner) error {
			if err := r.Scan(&code, &n); err != nil {
				return err
			}
			get(code).Shown = n
			return nil
		}},
		{sq(qOverridden), func(r rowScanner) error {
			if err := r.Scan(&code, &n); err != nil {
				return err
			}
			get(code).Overridden = n
			return nil
		}},
		{sq(qReasons), func(r rowScanner) error {
			var rc ReasonCount
			if err := r.Scan(&code, &rc.System, &rc.Code, &rc.Display, &rc.Count); err != nil {
				return err
			}
			st := get(code)
			st.TopReasons = append(st.TopReasons, rc)
			return nil
		}},
		{qAccepted + cardFilter, func(r rowScanner) error {
			var card, findings, suggs, suggestion string
			if err := r.Scan(&card, &findings, &suggs, &suggestion); err != nil {
				return err
			}
			return acc.add(card, findings, suggs, suggestion)
		}},
		{qUnattributed + fbFilter, func(r rowScanner) error { return r.Scan(&rep.Unattributed) }},
	}
	for _, st := range steps {
		if err := r.query(ctx, st.q, args, st.scan); err != nil {
			return rep, err
		}
	}
	for code, cards := range acc.cards {
		st := get(code)
		st.Accepted = len(cards)
		st.AcceptedSuggestions = len(acc.suggs[code])
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

// queryAudit reads the audit records q selects, newest first. The explicit
// "<> ”" terms let both databases use the partial indexes.
func queryAudit(ctx context.Context, r runner, d dialect, q AuditQuery) ([]AuditRecord, error) {
	limit := AuditLimit(q.Limit)
	from := q.Since
	if from.IsZero() {
		from = time.Unix(0, 0)
	}
	args := []any{d.encodeTime(from)}
	sqlText := `SELECT time, service, hook_instance, patient_hash, status, latency_us, detail FROM audit WHERE time >= $1`
	if q.PatientHash != "" || q.HookInstance != "" {
		// The patient and hookInstance indexes lead with the day: list the
		// days from since (or the oldest record) to tomorrow.
		first := from
		if q.Since.IsZero() {
			tdest, tget := d.newTime()
			if err := r.queryRow(ctx, `SELECT COALESCE(MIN(time), $1) FROM audit`, d.encodeTime(d.now())).Scan(tdest); err != nil {
				return nil, err
			}
			first = tget()
		}
		var days []int32
		for day := dayOf(first); day <= dayOf(d.now())+1; day++ {
			days = append(days, day)
		}
		args = append(args, d.encodeDays(days))
		sqlText += " AND " + fmt.Sprintf(d.dayIn, len(args))
	}
	if q.PatientHash != "" {
		args = append(args, q.PatientHash)
		sqlText += fmt.Sprintf(" AND patient_hash = $%d AND patient_hash <> ''", len(args))
	}
	if q.HookInstance != "" {
		args = append(args, q.HookInstance)
		sqlText += fmt.Sprintf(" AND hook_instance = $%d AND hook_instance <> ''", len(args))
	}
	args = append(args, limit)
	sqlText += fmt.Sprintf(" ORDER BY time DESC, id DESC LIMIT $%d", len(args))
	out := []AuditRecord{}
	err := r.query(ctx, sqlText, args, func(row rowScanner) error {
		var a AuditRecord
		var detail string
		var latencyUs int64
		tdest, tget := d.newTime()
		if err := row.Scan(tdest, &a.Service, &a.HookInstance, &a.PatientHash, &a.Status, &latencyUs, &detail); err != nil {
			return err
		}
		a.Time = tget()
		a.LatencyMs = float64(latencyUs) / 1000
		var dt auditDetail
		if err := json.Unmarshal([]byte(detail), &dt); err != nil {
			return fmt.Errorf("audit record of %s: %w", a.Time.Format(time.RFC3339), err)
		}
		a.Client, a.Findings, a.Summaries, a.KBRevision, a.ConfigHash, a.Sources =
			dt.Client, dt.Findings, dt.Summaries, dt.KBRevision, dt.ConfigHash, dt.Sources
		if a.Findings == nil {
			a.Findings = []string{}
		}
		if a.Summaries == nil {
			a.Summaries = []string{}
		}
		if a.Sources == nil {
			a.Sources = map[string]string{}
		}
		out = append(out, a)
		return nil
	})
	return out, err
}

// Retention. Each statement deletes a bounded batch, oldest first, through
// the time indexes: a card's feedback goes with it (the same batch of
// cards, selected again in the same transaction), and feedback received
// before the cut-off goes too (feedback on cards never recorded);
// feedback_suggestions follow by ON DELETE CASCADE.
const (
	qPruneCardFeedback = `DELETE FROM feedback WHERE card IN (SELECT uuid FROM cards WHERE shown < $1 ORDER BY shown LIMIT $2)`
	qPruneCards        = `DELETE FROM cards WHERE uuid IN (SELECT uuid FROM cards WHERE shown < $1 ORDER BY shown LIMIT $2)`
	qPruneFeedback     = `DELETE FROM feedback WHERE id IN (SELECT id FROM feedback WHERE received < $1 ORDER BY received LIMIT $2)`
	qPruneAudit        = `DELETE FROM audit WHERE id IN (SELECT id FROM audit WHERE time < $1 ORDER BY time LIMIT $2)`
)

// pruneLimit bounds one batch when the request gives none.
const pruneLimit = 1000

func prune(ctx context.Context, r runner, d dialect, req PruneRequest) (Pruned, error) {
	var p Pruned
	limit := req.Limit
	if limit <= 0 {
		limit = pruneLimit
	}
	if !req.CardsBefore.IsZero() {
		cut := d.encodeTime(req.CardsBefore)
		n, err := r.exec(ctx, qPruneCardFeedback, cut, limit)
		if err != nil {
			return p, err
		}
		p.Feedback += int(n)
		if n, err = r.exec(ctx, qPruneCards, cut, limit); err != nil {
			return p, err
		}
		p.Cards = int(n)
		if n, err = r.exec(ctx, qPruneFeedback, cut, limit); err != nil {
			return p, err
		}
		p.Feedback += int(n)
	}
	if !req.AuditBefore.IsZero() {
		n, err := r.exec(ctx, qPruneAudit, d.encodeTime(req.AuditBefore), limit)
		if err != nil {
			return p, err
		}
		p.Audit = int(n)
	}
	return p, nil
}

// schemaVersion returns the highest migration applied, or an error wrapping
// ErrNoStore when there is no jakguard schema.
func schemaVersion(ctx context.Context, r runner) (int, error) {
	var v sql.NullInt64
	if err := r.queryRow(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("%w (no schema_migrations table: %v)", ErrNoStore, err)
	}
	if !v.Valid || v.Int64 < 1 {
		return 0, fmt.Errorf("%w (schema not migrated)", ErrNoStore)
	}
	return int(v.Int64), nil
}

// checkVersion says whether a store another process migrated can be read
// by this binary: not one older than its migrations (their queries would
// fail on the old tables), and with a warning one newer.
func checkVersion(v int, migs []migration, logger *slog.Logger) error {
	switch known := migs[len(migs)-1].version; {
	case v < known:
		return fmt.Errorf("store schema is at version %d, this jakguard needs %d: start jakguard serve of this version once to migrate it", v, known)
	case v > known:
		logger.Warn("store schema is newer than this binary", "schema_version", v, "binary_version", known)
	}
	return nil
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
