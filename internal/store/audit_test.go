package store

import (
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Suite cases of the recording, audit, attribution and retention work; run
// by runStoreSuite on every backend.

// execSQL runs a statement on a store's writer, for tests that set up or
// inspect rows directly.
func execSQL(t *testing.T, s Store, q string, args ...any) {
	t.Helper()
	var err error
	switch s := s.(type) {
	case *SQLite:
		_, err = s.write.ExecContext(t.Context(), q, args...)
	case *Postgres:
		_, err = s.pool.Exec(t.Context(), q, args...)
	default:
		t.Fatalf("unknown store %T", s)
	}
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// countRows counts the rows of a table.
func countRows(t *testing.T, s Store, table string) int {
	t.Helper()
	var n int
	q := `SELECT COUNT(*) FROM ` + table
	var err error
	switch s := s.(type) {
	case *SQLite:
		err = s.read.QueryRowContext(t.Context(), q).Scan(&n)
	case *Postgres:
		err = s.pool.QueryRow(t.Context(), q).Scan(&n)
	}
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// An accepted suggestion counts for the findings it addresses; an override
// for every finding of its card (contract 6.7).
func testAttribution(t *testing.T, newDSN func(t *testing.T) string) {
	s := mustOpen(t, newDSN(t))
	tb, hbv, hcv := "tb-screening-missing", "hbv-screening-missing", "hcv-screening-missing"
	screening := CardRecord{UUID: "scr", Service: "order-select", Findings: []string{tb, hbv, hcv}, Shown: t0, Issuer: "https://ehr.example.org", Tenant: "t1",
		Suggestions: []SuggestionRecord{
			{UUID: "igra", Findings: []string{tb}},
			{UUID: "hbsag", Findings: []string{hbv}},
			{UUID: "all", Findings: []string{tb, hbv, hcv}},
			{UUID: "stray", Findings: []string{"smoker"}}, // not a finding of this card
		}}
	other := CardRecord{UUID: "scr2", Service: "order-select", Findings: []string{tb, hbv, hcv}, Shown: t0, Issuer: "https://ehr.example.org", Tenant: "t1",
		Suggestions: []SuggestionRecord{{UUID: "igra2", Findings: []string{tb}}}}
	third := CardRecord{UUID: "scr3", Service: "order-select", Findings: []string{tb, hbv, hcv}, Shown: t0, Issuer: "https://ehr.example.org", Tenant: "t1",
		Suggestions: []SuggestionRecord{{UUID: "all3", Findings: []string{tb, hbv, hcv}}}}
	mustRecord(t, s, screening, other, third)
	mustAdd(t, s,
		accepted("scr", "igra"),            // TB only
		accepted("scr", "igra", "hbsag"),   // TB and HBV: the same card counts once per finding
		accepted("scr", "stray", "nope"),   // nothing: not the card's finding, unknown suggestion
		overridden("scr2", "already-done"), // all three
		accepted("scr3", "all3"),           // all three
	)
	r := mustReport(t, s, time.Time{})
	got := map[string][3]int{}
	for _, f := range r.Findings {
		got[f.Code] = [3]int{f.Accepted, f.Overridden, f.AcceptedSuggestions}
	}
	// tb: cards scr (igra) and scr3 (all3), suggestions scr/igra (twice,
	// counted once) and scr3/all3; hbv: scr (hbsag) and scr3; hcv: scr3 only.
	want := map[string][3]int{
		tb:  {2, 1, 2},
		hbv: {2, 1, 2},
		hcv: {1, 1, 1},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("accepted, overridden, accepted suggestions per finding:\n got  %v\n want %v", got, want)
	}
	if _, ok := findingStats(r, "smoker"); ok {
		t.Error("a suggestion's stray code must not become a finding of the report")
	}
}

// Cards recorded before suggestions carried their findings (a JSON array of
// uuids) count for all their findings, as they did then.
func testAttributionLegacyCards(t *testing.T, newDSN func(t *testing.T) string) {
	s := mustOpen(t, newDSN(t))
	mustRecord(t, s, card("old", []string{"anemia", "smoker"}))
	execSQL(t, s, `UPDATE cards SET suggestions = '["s1","s2"]' WHERE uuid = 'old'`)
	mustAdd(t, s, accepted("old", "s1"))
	r := mustReport(t, s, time.Time{})
	for _, code := range []string{"anemia", "smoker"} {
		if got, _ := findingStats(r, code); got.Accepted != 1 || got.AcceptedSuggestions != 1 {
			t.Errorf("%s: accepted %d, suggestions %d; want 1 and 1", code, got.Accepted, got.AcceptedSuggestions)
		}
	}
}

func testAuditRecords(t *testing.T, newDSN func(t *testing.T) string) {
	s := mustOpen(t, newDSN(t))
	full := AuditRecord{
		Time: t0.Add(123456 * time.Microsecond), Service: "order-select", HookInstance: "hi-full",
		Client: Client{Issuer: "https://ehr.example.org", Tenant: "t1"}, PatientHash: "p1hash",
		Findings: []string{"tb-screening-missing", "smoker"}, Summaries: []string{"Screening missing", "Current smoker"},
		KBRevision: "kb-1", ConfigHash: "cfg-1",
		Sources: map[string]string{"patient": "prefetch", "conditions": "fhir", "labs": "unavailable"},
		Status:  200, LatencyMs: 12.345,
	}
	var batch []AuditRecord
	batch = append(batch, full)
	for i := range 30 {
		a := AuditRecord{Time: t0.Add(-time.Duration(i+1) * time.Hour), Service: "patient-view",
			HookInstance: fmt.Sprintf("hi-%d", i), PatientHash: []string{"p1hash", "p2hash"}[i%2], Status: 200}
		if i == 5 {
			a.Status, a.HookInstance, a.PatientHash = 400, "", "" // an unreadable body
		}
		batch = append(batch, a)
	}
	if err := s.Record(t.Context(), Batch{Audits: batch}); err != nil {
		t.Fatal(err)
	}
	q := func(q AuditQuery) []AuditRecord {
		t.Helper()
		out, err := s.Audit(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i < len(out); i++ {
			if out[i].Time.After(out[i-1].Time) {
				t.Fatalf("not newest first at %d: %v after %v", i, out[i].Time, out[i-1].Time)
			}
		}
		return out
	}

	got := q(AuditQuery{HookInstance: "hi-full"})
	if len(got) != 1 || !reflect.DeepEqual(got[0], full) {
		t.Errorf("by hookInstance:\n got  %+v\n want %+v", got, full)
	}
	if got := q(AuditQuery{}); len(got) != 31 || got[0].HookInstance != "hi-full" {
		t.Errorf("all: %d records, first %q; want 31, hi-full first", len(got), got[0].HookInstance)
	}
	if got := q(AuditQuery{Since: t0.Add(-10*time.Hour - time.Minute)}); len(got) != 11 {
		t.Errorf("since 10 h: %d records, want 11", len(got))
	}
	p1 := q(AuditQuery{PatientHash: "p1hash"})
	if len(p1) != 16 { // full + i = 0, 2, ..., 28 (15)
		t.Errorf("patient p1: %d records, want 16", len(p1))
	}
	for _, a := range p1 {
		if a.PatientHash != "p1hash" {
			t.Errorf("patient query returned %q", a.PatientHash)
		}
	}
	if got := q(AuditQuery{PatientHash: "p2hash", Since: t0.Add(-4*time.Hour - time.Minute)}); len(got) != 2 {
		t.Errorf("patient p2 since 4 h: %d records, want 2 (i = 1, 3)", len(got))
	}
	if got := q(AuditQuery{Limit: 5}); len(got) != 5 {
		t.Errorf("limit 5: %d records", len(got))
	}
	if got := q(AuditQuery{HookInstance: "nobody"}); got == nil || len(got) != 0 {
		t.Errorf("no match: %v, want an empty, non-nil list", got)
	}
	// An empty patient hash or hookInstance is "any", never "the calls without one".
	if got := q(AuditQuery{}); len(got) != 31 {
		t.Errorf("empty query: %d", len(got))
	}
	bad := q(AuditQuery{Since: t0.Add(-6*time.Hour - time.Minute), Limit: 1000})
	found := false
	for _, a := range bad {
		if a.Status == 400 {
			found = true
			if a.Findings == nil || a.Summaries == nil || a.Sources == nil {
				t.Errorf("empty lists come back as null: %+v", a)
			}
		}
	}
	if !found {
		t.Error("the 400 call is not in the audit")
	}
}

// The query bound: at most MaxAuditLimit records, whatever is asked.
func testAuditLimit(t *testing.T, newDSN func(t *testing.T) string) {
	s := mustOpen(t, newDSN(t))
	batch := make([]AuditRecord, MaxAuditLimit+20)
	for i := range batch {
		batch[i] = AuditRecord{Time: t0.Add(time.Duration(i) * time.Second), Service: "order-sign", Status: 200}
	}
	if err := s.Record(t.Context(), Batch{Audits: batch}); err != nil {
		t.Fatal(err)
	}
	for _, limit := range []int{0, MaxAuditLimit + 1, 1 << 30} {
		got, err := s.Audit(t.Context(), AuditQuery{Limit: limit})
		if err != nil {
			t.Fatal(err)
		}
		want := MaxAuditLimit
		if limit == 0 {
			want = DefaultAuditLimit
		}
		if len(got) != want {
			t.Errorf("limit %d: %d records, want %d", limit, len(got), want)
		}
	}
}

// Retention deletes cards (with their findings and feedback), feedback and
// audit records past their cut-offs, in batches, and nothing newer.
func testPrune(t *testing.T, newDSN func(t *testing.T) string) {
	s := mustOpen(t, newDSN(t))
	var cards []CardRecord
	var fb []Feedback
	var audits []AuditRecord
	for i := range 25 {
		c := card(fmt.Sprintf("c%02d", i), []string{"smoker", "vte-risk"}, "s1")
		c.Shown = t0.Add(-time.Duration(i) * 24 * time.Hour) // c00 today … c24 24 days ago
		cards = append(cards, c)
		f := overridden(c.UUID, "x")
		f.Received = c.Shown.Add(time.Minute)
		fb = append(fb, f)
		audits = append(audits, AuditRecord{Time: c.Shown, Service: "order-sign", Status: 200})
	}
	orphan := overridden("never-recorded", "x")
	orphan.Received = t0.Add(-30 * 24 * time.Hour)
	fb = append(fb, orphan)
	mustRecord(t, s, cards...)
	mustAdd(t, s, fb...)
	if err := s.Record(t.Context(), Batch{Audits: audits}); err != nil {
		t.Fatal(err)
	}

	// Nothing asked, nothing deleted.
	if p, err := s.Prune(t.Context(), PruneRequest{Limit: 10}); err != nil || p != (Pruned{}) {
		t.Fatalf("empty request pruned %+v, %v", p, err)
	}
	// Cards older than 10.5 days: c11..c24 (14), in batches of 4.
	cut := t0.Add(-10*24*time.Hour - 12*time.Hour)
	total := Pruned{}
	for range 10 {
		p, err := s.Prune(t.Context(), PruneRequest{CardsBefore: cut, Limit: 4})
		if err != nil {
			t.Fatal(err)
		}
		if p.Cards > 4 || p.Audit != 0 {
			t.Fatalf("batch of 4 pruned %+v", p)
		}
		total.Cards += p.Cards
		total.Feedback += p.Feedback
		if p.Cards == 0 && p.Feedback == 0 {
			break
		}
	}
	if total.Cards != 14 || total.Feedback != 15 { // 14 cards' feedback + the orphan
		t.Errorf("pruned %+v, want 14 cards and 15 feedback items", total)
	}
	if n := countRows(t, s, "cards"); n != 11 {
		t.Errorf("%d cards left, want 11", n)
	}
	if n := countRows(t, s, "feedback"); n != 11 {
		t.Errorf("%d feedback items left, want 11", n)
	}
	r := mustReport(t, s, time.Time{})
	if got, _ := findingStats(r, "smoker"); got.Shown != 11 || got.Overridden != 11 || r.Unattributed != 0 {
		t.Errorf("after pruning: shown %d overridden %d unattributed %d; want 11, 11, 0", got.Shown, got.Overridden, r.Unattributed)
	}
	if n := countRows(t, s, "audit"); n != 25 {
		t.Errorf("card retention touched the audit: %d left", n)
	}
	// Audit older than 20.5 days: 4 records (21..24).
	p, err := s.Prune(t.Context(), PruneRequest{AuditBefore: t0.Add(-20*24*time.Hour - 12*time.Hour), Limit: 100})
	if err != nil || p.Audit != 4 || p.Cards != 0 {
		t.Errorf("audit prune: %+v, %v; want 4 audit records", p, err)
	}
}

// The Pruner runs batches until nothing is past retention.
func testPruner(t *testing.T, newDSN func(t *testing.T) string) {
	s := mustOpen(t, newDSN(t))
	var cards []CardRecord
	var audits []AuditRecord
	for i := range 50 {
		c := card(fmt.Sprintf("c%02d", i), []string{"smoker"})
		c.Shown = t0.Add(-time.Duration(i) * time.Hour)
		cards = append(cards, c)
		audits = append(audits, AuditRecord{Time: c.Shown, Service: "order-sign", Status: 200})
	}
	mustRecord(t, s, cards...)
	if err := s.Record(t.Context(), Batch{Audits: audits}); err != nil {
		t.Fatal(err)
	}
	p := NewPruner(s, nil, PrunerConfig{CardRetention: 20*time.Hour - time.Minute, AuditRetention: 40*time.Hour - time.Minute,
		Batch: 7, Pause: time.Millisecond, Now: func() time.Time { return t0 }})
	got, err := p.PruneOnce(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if got.Cards != 30 || got.Audit != 10 || p.Stats() != got {
		t.Errorf("pruned %+v (stats %+v), want 30 cards and 10 audit records", got, p.Stats())
	}
	if n := countRows(t, s, "cards"); n != 20 {
		t.Errorf("%d cards left, want 20", n)
	}
}

// OpenExisting neither creates nor migrates: it fails on a store that is
// not there, and reads one that is.
func testOpenExisting(t *testing.T, newDSN func(t *testing.T) string) {
	dsn := newDSN(t)
	if _, err := OpenExisting(t.Context(), dsn, nil); !errors.Is(err, ErrNoStore) {
		t.Fatalf("OpenExisting on an empty database: %v, want ErrNoStore", err)
	}
	if path, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("OpenExisting created %s: %v", path, err)
		}
	}
	s := mustOpen(t, dsn) // as jakguard serve does
	mustRecord(t, s, card("c1", []string{"anemia"}))
	e, err := OpenExisting(t.Context(), dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if got, _ := findingStats(mustReport(t, e, time.Time{}), "anemia"); got.Shown != 1 {
		t.Errorf("shown %d, want 1", got.Shown)
	}
}

// Migration 0002 on a store holding 0001 data keeps every card, its
// findings and feedback: the report reads them as before (a card recorded
// then counts an accepted suggestion for all its findings).
func testMigrationKeepsData(t *testing.T, newDSN func(t *testing.T) string) {
	dsn := newDSN(t)
	old := openAtVersion(t, dsn, 1)
	execSQL(t, old, `INSERT INTO cards (uuid, service, issuer, tenant, suggestions, shown) VALUES ('c1', 'order-sign', 'https://ehr.example.org', 't1', '["s1"]', $1)`, encTime(old, t0))
	execSQL(t, old, `INSERT INTO cards (uuid, service, issuer, tenant, suggestions, shown) VALUES ('c2', 'order-sign', 'https://ehr.example.org', 't1', '[]', $1)`, encTime(old, t0))
	execSQL(t, old, `INSERT INTO card_findings (card, code) VALUES ('c1', 'anemia'), ('c1', 'smoker'), ('c2', 'smoker')`)
	mustAdd(t, old, accepted("c1", "s1"), overridden("c2", "x"), overridden("unknown", "x"))
	old.Close()
	if _, err := OpenExisting(t.Context(), dsn, nil); err == nil || !strings.Contains(err.Error(), "jakguard serve") {
		t.Errorf("OpenExisting on an old schema: %v, want an error saying serve migrates it", err)
	}

	s := mustOpen(t, dsn)
	got := mustReport(t, s, time.Time{})
	reasons := []ReasonCount{{System: "http://example.org/reasons", Code: "x", Display: "Reason x", Count: 1}}
	want := Report{Findings: []FindingStats{
		{Code: "smoker", Shown: 2, Accepted: 1, Overridden: 1, OverrideRate: 0.5, TopReasons: reasons, AcceptedSuggestions: 1},
		{Code: "anemia", Shown: 1, Accepted: 1, TopReasons: []ReasonCount{}, AcceptedSuggestions: 1},
	}, Unattributed: 1}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("report after the migration:\n got  %+v\n want %+v", got, want)
	}
	if _, err := s.Prune(t.Context(), PruneRequest{CardsBefore: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, s, "cards"); n != 0 {
		t.Errorf("%d cards after pruning them all", n)
	}
}

// encTime is a time as the store's dialect binds it.
func encTime(s Store, t time.Time) any {
	switch s := s.(type) {
	case *SQLite:
		return s.d.encodeTime(t)
	case *Postgres:
		return s.d.encodeTime(t)
	}
	panic(fmt.Sprintf("unknown store %T", s))
}

// openAtVersion opens dsn with only the migrations up to version applied.
func openAtVersion(t *testing.T, dsn string, version int) Store {
	t.Helper()
	ctx := t.Context()
	if path, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		migs, err := loadMigrations(migrationFiles, "migrations/sqlite")
		if err != nil {
			t.Fatal(err)
		}
		s := &SQLite{d: dialect{encodeTime: func(t time.Time) any { return t.UnixMicro() }, now: time.Now}, logger: discard()}
		if s.write, err = sql.Open("sqlite", path+"?"+sqliteWriteParams); err != nil {
			t.Fatal(err)
		}
		s.write.SetMaxOpenConns(1)
		s.read = s.write
		if err := migrate(ctx, s.writeTx, upTo(migs, version), s.logger); err != nil {
			t.Fatal(err)
		}
		return s
	}
	migs, err := loadMigrations(migrationFiles, "migrations/postgres")
	if err != nil {
		t.Fatal(err)
	}
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	s := &Postgres{pool: pool, d: dialect{encodeTime: func(t time.Time) any { return t.UTC() }, now: time.Now}, logger: discard()}
	if err := s.migrate(ctx, upTo(migs, version)); err != nil {
		t.Fatal(err)
	}
	return s
}

func upTo(migs []migration, version int) []migration {
	var out []migration
	for _, m := range migs {
		if m.version <= version {
			out = append(out, m)
		}
	}
	return out
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

func TestClipAuditText(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{clip("abc", 3), "abc"},
		{clip("abc", 2), "ab"},
		{clip("aé", 2), "a"}, // never half a character
	} {
		if c.in != c.want {
			t.Errorf("clip: %q, want %q", c.in, c.want)
		}
	}
	if n := len(ClipAuditText(strings.Repeat("x", 1000))); n != MaxAuditText {
		t.Errorf("ClipAuditText kept %d bytes, want %d", n, MaxAuditText)
	}
}

func TestAuditLimit(t *testing.T) {
	for n, want := range map[int]int{0: DefaultAuditLimit, -1: DefaultAuditLimit, 1: 1,
		MaxAuditLimit: MaxAuditLimit, MaxAuditLimit + 1: MaxAuditLimit} {
		if got := AuditLimit(n); got != want {
			t.Errorf("AuditLimit(%d) = %d, want %d", n, got, want)
		}
	}
}
