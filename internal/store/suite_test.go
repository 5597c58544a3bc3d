package store

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The store suite runs against every backend: newDSN returns the DSN of a
// fresh, empty database that Open may be called on more than once.

func runStoreSuite(t *testing.T, newDSN func(t *testing.T) string) {
	tests := []struct {
		name string
		fn   func(t *testing.T, newDSN func(t *testing.T) string)
	}{
		{"empty report", testEmptyReport},
		{"report counts, rates, reasons and suggestions", testReportCounts},
		{"feedback is idempotent", testIdempotentFeedback},
		{"cards are idempotent", testIdempotentCards},
		{"unknown card is stored, flagged and unattributed", testUnknownCard},
		{"feedback from another client than the card's is unattributed", testForeignClientFeedback},
		{"feedback before its card record is attributed later", testLateCardRecord},
		{"since filters cards and feedback", testSinceFilter},
		{"top reasons are the five most frequent", testTopReasons},
		{"bad records are rejected", testBadRecords},
		{"16 concurrent writers lose nothing", testConcurrentWriters},
		{"reopen keeps data and does not re-run migrations", testReopen},
		{"ping fails once the store is closed", testPingAfterClose},
		{"recorder flushes on close", testRecorderFlush},
		{"an accepted suggestion counts for the findings it addresses", testAttribution},
		{"cards recorded before the suggestion mapping count for all findings", testAttributionLegacyCards},
		{"audit records: stored, queried by since, patient and hookInstance, newest first", testAuditRecords},
		{"audit query is bounded", testAuditLimit},
		{"prune deletes past retention in batches, nothing newer", testPrune},
		{"the pruner runs batches until done", testPruner},
		{"OpenExisting neither creates nor migrates", testOpenExisting},
		{"migration 0002 keeps 0001 data", testMigrationKeepsData},
		{"analytics: weekly series and the service filter", testAnalytics},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newDSN) })
	}
}

// mustOpen opens dsn and closes the store when the test ends.
func mustOpen(t *testing.T, dsn string) Store {
	t.Helper()
	s, err := Open(t.Context(), dsn, nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func mustRecord(t *testing.T, s Store, cards ...CardRecord) {
	t.Helper()
	if err := s.Record(t.Context(), Batch{Cards: cards}); err != nil {
		t.Fatalf("Record: %v", err)
	}
}

func mustAdd(t *testing.T, s Store, items ...Feedback) int {
	t.Helper()
	n, err := s.AddFeedback(t.Context(), items)
	if err != nil {
		t.Fatalf("AddFeedback: %v", err)
	}
	return n
}

func mustReport(t *testing.T, s Store, since time.Time) Report {
	t.Helper()
	r, err := s.Report(t.Context(), since)
	if err != nil {
		t.Fatalf("Report: %v", err)
	}
	return r
}

var t0 = time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)

// card is a card record whose suggestions each address all its findings.
func card(uuid string, findings []string, suggestions ...string) CardRecord {
	var sugg []SuggestionRecord
	for _, s := range suggestions {
		sugg = append(sugg, SuggestionRecord{UUID: s, Findings: findings})
	}
	return CardRecord{UUID: uuid, Service: "order-sign", Findings: findings, Suggestions: sugg,
		Issuer: "https://ehr.example.org", Tenant: "t1", Shown: t0}
}

func accepted(uuid string, suggestions ...string) Feedback {
	return Feedback{Service: "order-sign", Card: uuid, Outcome: OutcomeAccepted, AcceptedSuggestions: suggestions,
		OutcomeTimestamp: t0.Add(time.Minute), Received: t0.Add(time.Minute), Issuer: "https://ehr.example.org", Tenant: "t1"}
}

func overridden(uuid, reasonCode string) Feedback {
	f := Feedback{Service: "order-sign", Card: uuid, Outcome: OutcomeOverridden,
		OutcomeTimestamp: t0.Add(time.Minute), Received: t0.Add(time.Minute), Issuer: "https://ehr.example.org", Tenant: "t1"}
	if reasonCode != "" {
		f.ReasonSystem, f.ReasonCode, f.ReasonDisplay = "http://example.org/reasons", reasonCode, "Reason "+reasonCode
	}
	return f
}

func findingStats(r Report, code string) (FindingStats, bool) {
	for _, f := range r.Findings {
		if f.Code == code {
			return f, true
		}
	}
	return FindingStats{}, false
}

func testEmptyReport(t *testing.T, newDSN func(t *testing.T) string) {
	s := mustOpen(t, newDSN(t))
	r := mustReport(t, s, time.Time{})
	if r.Findings == nil || len(r.Findings) != 0 || r.Unattributed != 0 {
		t.Errorf("empty store report = %+v, want no findings (non-nil) and 0 unattributed", r)
	}
}

func testReportCounts(t *testing.T, newDSN func(t *testing.T) string) {
	s := mustOpen(t, newDSN(t))
	tb, hbv, lym := "tb-screening-missing", "hbv-screening-missing", "lymphopenia"
	mustRecord(t, s,
		card("c1", []string{tb, hbv}, "s1", "s2"), // one card, two findings: counts for both
		card("c2", []string{tb}, "s3"),
		card("c3", []string{tb}),
		card("c4", []string{lym}),
		card("c5", []string{tb}),
	)
	mustAdd(t, s,
		accepted("c1", "s1", "s2"),
		accepted("c2", "s3"),
		overridden("c3", "already-done"),
		overridden("c4", "already-done"),
		overridden("c5", ""), // no coded reason: counted, not listed
	)
	got := mustReport(t, s, time.Time{})
	reason := func(n int) []ReasonCount {
		return []ReasonCount{{System: "http://example.org/reasons", Code: "already-done", Display: "Reason already-done", Count: n}}
	}
	want := Report{Findings: []FindingStats{
		{Code: tb, Shown: 4, Accepted: 2, Overridden: 2, OverrideRate: 0.5, TopReasons: reason(1), AcceptedSuggestions: 3},
		{Code: hbv, Shown: 1, Accepted: 1, Overridden: 0, OverrideRate: 0, TopReasons: []ReasonCount{}, AcceptedSuggestions: 2},
		{Code: lym, Shown: 1, Accepted: 0, Overridden: 1, OverrideRate: 1, TopReasons: reason(1), AcceptedSuggestions: 0},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("report\n got  %+v\n want %+v", got, want)
	}
}

func testIdempotentFeedback(t *testing.T, newDSN func(t *testing.T) string) {
	s := mustOpen(t, newDSN(t))
	mustRecord(t, s, card("c1", []string{"tb-active"}, "s1", "s2"))
	f := accepted("c1", "s1")
	if n := mustAdd(t, s, f, f); n != 1 {
		t.Errorf("the same item twice in one request: stored %d, want 1", n)
	}
	again := f
	again.Received = t0.Add(time.Hour) // a retry arrives later
	again.UserComment = "edited"
	if n := mustAdd(t, s, again); n != 0 {
		t.Errorf("a resent item: stored %d, want 0", n)
	}
	later := f
	later.OutcomeTimestamp = f.OutcomeTimestamp.Add(time.Second)
	more := f
	more.AcceptedSuggestions = []string{"s1", "s2"}
	if n := mustAdd(t, s, later, more); n != 2 {
		t.Errorf("new timestamp and new suggestions: stored %d, want 2", n)
	}
	got, _ := findingStats(mustReport(t, s, time.Time{}), "tb-active")
	if got.Accepted != 1 || got.AcceptedSuggestions != 2 {
		t.Errorf("accepted = %d cards, %d suggestions; want 1 card (distinct), 2 suggestions", got.Accepted, got.AcceptedSuggestions)
	}
}

func testIdempotentCards(t *testing.T, newDSN func(t *testing.T) string) {
	s := mustOpen(t, newDSN(t))
	c := card("c1", []string{"anemia"})
	mustRecord(t, s, c)
	mustRecord(t, s, c, c)
	got, _ := findingStats(mustReport(t, s, time.Time{}), "anemia")
	if got.Shown != 1 {
		t.Errorf("shown = %d, want 1", got.Shown)
	}
}

func testUnknownCard(t *testing.T, newDSN func(t *testing.T) string) {
	s := mustOpen(t, newDSN(t))
	mustRecord(t, s, card("known", []string{"smoker"}))
	if n := mustAdd(t, s, overridden("nobody-knows", "x"), overridden("known", "x")); n != 2 {
		t.Fatalf("stored %d, want 2", n)
	}
	if !unknownFlag(t, s, "nobody-knows") || unknownFlag(t, s, "known") {
		t.Error("unknown_card flag: want set for the unknown card only")
	}
	r := mustReport(t, s, time.Time{})
	if r.Unattributed != 1 {
		t.Errorf("unattributed = %d, want 1", r.Unattributed)
	}
	if got, _ := findingStats(r, "smoker"); got.Overridden != 1 {
		t.Errorf("smoker overridden = %d, want 1", got.Overridden)
	}
}

func testLateCardRecord(t *testing.T, newDSN func(t *testing.T) string) {
	s := mustOpen(t, newDSN(t))
	mustAdd(t, s, overridden("early", "x"))
	mustRecord(t, s, card("early", []string{"malignancy"}))
	r := mustReport(t, s, time.Time{})
	if got, _ := findingStats(r, "malignancy"); got.Overridden != 1 || r.Unattributed != 0 {
		t.Errorf("overridden = %d, unattributed = %d; want 1 and 0", got.Overridden, r.Unattributed)
	}
}

func testSinceFilter(t *testing.T, newDSN func(t *testing.T) string) {
	s := mustOpen(t, newDSN(t))
	old := card("old", []string{"vte-risk"})
	old.Shown = t0.Add(-48 * time.Hour)
	mustRecord(t, s, old, card("new", []string{"vte-risk"}))
	oldFb := overridden("old", "x")
	oldFb.Received = t0.Add(-47 * time.Hour)
	gone := overridden("gone", "x")
	gone.Received = t0.Add(-47 * time.Hour)
	mustAdd(t, s, oldFb, gone, overridden("new", "x"))

	all := mustReport(t, s, time.Time{})
	recent := mustReport(t, s, t0.Add(-24*time.Hour))
	a, _ := findingStats(all, "vte-risk")
	r, _ := findingStats(recent, "vte-risk")
	if a.Shown != 2 || a.Overridden != 2 || all.Unattributed != 1 {
		t.Errorf("all time: shown %d overridden %d unattributed %d; want 2, 2, 1", a.Shown, a.Overridden, all.Unattributed)
	}
	if r.Shown != 1 || r.Overridden != 1 || recent.Unattributed != 0 {
		t.Errorf("last 24 h: shown %d overridden %d unattributed %d; want 1, 1, 0", r.Shown, r.Overridden, recent.Unattributed)
	}
	if !recent.Since.Equal(t0.Add(-24 * time.Hour)) {
		t.Errorf("Since = %v", recent.Since)
	}
}

func testTopReasons(t *testing.T, newDSN func(t *testing.T) string) {
	s := mustOpen(t, newDSN(t))
	// Reason rN is used on N cards, for N = 1..7.
	var cards []CardRecord
	var fb []Feedback
	for n := 1; n <= 7; n++ {
		for i := range n {
			id := fmt.Sprintf("r%d-%d", n, i)
			cards = append(cards, card(id, []string{"mace-history"}))
			fb = append(fb, overridden(id, fmt.Sprintf("r%d", n)))
		}
	}
	mustRecord(t, s, cards...)
	mustAdd(t, s, fb...)
	got, _ := findingStats(mustReport(t, s, time.Time{}), "mace-history")
	var codes []string
	var counts []int
	for _, r := range got.TopReasons {
		codes = append(codes, r.Code)
		counts = append(counts, r.Count)
	}
	if !reflect.DeepEqual(codes, []string{"r7", "r6", "r5", "r4", "r3"}) || !reflect.DeepEqual(counts, []int{7, 6, 5, 4, 3}) {
		t.Errorf("top reasons %v %v, want r7..r3 with 7..3", codes, counts)
	}
}

func testBadRecords(t *testing.T, newDSN func(t *testing.T) string) {
	s := mustOpen(t, newDSN(t))
	if err := s.Record(t.Context(), Batch{Cards: []CardRecord{{Service: "order-sign"}}}); err == nil {
		t.Error("card without uuid: want an error")
	}
	bad := []Feedback{
		{Card: "c1", Outcome: OutcomeOverridden, OutcomeTimestamp: t0},                // no service
		{Service: "order-sign", Outcome: OutcomeOverridden, OutcomeTimestamp: t0},     // no card
		{Service: "order-sign", Card: "c1", Outcome: "ignored", OutcomeTimestamp: t0}, // bad outcome
		{Service: "order-sign", Card: "c1", Outcome: OutcomeOverridden},               // no timestamp
	}
	for i, f := range bad {
		if _, err := s.AddFeedback(t.Context(), []Feedback{overridden("ok", ""), f}); err == nil {
			t.Errorf("bad feedback %d: want an error", i)
		}
	}
	if r := mustReport(t, s, time.Time{}); r.Unattributed != 0 {
		t.Errorf("a rejected batch stored something: unattributed = %d", r.Unattributed)
	}
}

func testConcurrentWriters(t *testing.T, newDSN func(t *testing.T) string) {
	s := mustOpen(t, newDSN(t))
	run := 2 * time.Second
	if testing.Short() {
		run = 300 * time.Millisecond
	}
	const writers = 16
	var cardsWritten, feedbackWritten atomic.Int64
	stop := time.Now().Add(run)
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			for i := 0; time.Now().Before(stop); i++ {
				id := fmt.Sprintf("w%d-%d", w, i)
				if err := s.Record(context.Background(), Batch{Cards: []CardRecord{card(id, []string{"cyp-interaction"})}}); err != nil {
					errs <- err
					return
				}
				cardsWritten.Add(1)
				n, err := s.AddFeedback(context.Background(), []Feedback{overridden(id, "x")})
				if err != nil {
					errs <- err
					return
				}
				feedbackWritten.Add(int64(n))
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("writer: %v", err)
	}
	got, _ := findingStats(mustReport(t, s, time.Time{}), "cyp-interaction")
	t.Logf("%d writers for %v: %d cards, %d feedback items", writers, run, cardsWritten.Load(), feedbackWritten.Load())
	if int64(got.Shown) != cardsWritten.Load() || int64(got.Overridden) != feedbackWritten.Load() || got.Shown != got.Overridden {
		t.Errorf("report shown %d overridden %d, written %d cards %d feedback", got.Shown, got.Overridden, cardsWritten.Load(), feedbackWritten.Load())
	}
	if cardsWritten.Load() < writers {
		t.Errorf("only %d cards written", cardsWritten.Load())
	}
}

func testReopen(t *testing.T, newDSN func(t *testing.T) string) {
	dsn := newDSN(t)
	s, err := Open(t.Context(), dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	mustRecord(t, s, card("c1", []string{"pregnancy"}))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = mustOpen(t, dsn)
	if got, _ := findingStats(mustReport(t, s, time.Time{}), "pregnancy"); got.Shown != 1 {
		t.Errorf("after reopen shown = %d, want 1", got.Shown)
	}
	if n, want := migrationRows(t, s), len(mustMigrations(t, s)); n != want {
		t.Errorf("schema_migrations has %d rows, want %d", n, want)
	}
}

func testPingAfterClose(t *testing.T, newDSN func(t *testing.T) string) {
	s, err := Open(t.Context(), newDSN(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("Ping on an open store: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(t.Context()); err == nil {
		t.Error("Ping on a closed store: want an error")
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func testRecorderFlush(t *testing.T, newDSN func(t *testing.T) string) {
	s := mustOpen(t, newDSN(t))
	rec := NewRecorder(s, nil, RecorderConfig{Queue: 2000})
	const calls = 1000
	for i := range calls {
		rec.Record([]CardRecord{card(fmt.Sprintf("r%d", i), []string{"neutropenia"})}, auditRecord(i))
	}
	if err := rec.Close(t.Context()); err != nil {
		t.Fatalf("Close: %v", err)
	}
	got, _ := findingStats(mustReport(t, s, time.Time{}), "neutropenia")
	st := rec.Stats()
	if got.Shown != calls || st.CardsDropped != 0 || st.CardsWritten != calls {
		t.Errorf("shown %d, written %d, dropped %d; want %d, %d, 0", got.Shown, st.CardsWritten, st.CardsDropped, calls, calls)
	}
	audit, err := s.Audit(t.Context(), AuditQuery{Limit: MaxAuditLimit})
	if err != nil {
		t.Fatal(err)
	}
	if len(audit) != calls || st.AuditWritten != calls || st.AuditDropped != 0 {
		t.Errorf("audit: %d stored, %d written, %d dropped; want %d, %d, 0", len(audit), st.AuditWritten, st.AuditDropped, calls, calls)
	}
}

// unknownFlag reads the stored unknown_card flag of a card's feedback.
func unknownFlag(t *testing.T, s Store, cardUUID string) bool {
	t.Helper()
	var flag bool
	q := `SELECT unknown_card FROM feedback WHERE card = $1`
	var err error
	switch s := s.(type) {
	case *SQLite:
		err = s.read.QueryRowContext(t.Context(), q, cardUUID).Scan(&flag)
	case *Postgres:
		err = s.tx(t.Context(), pgTxDefault, func(r runner) error { return r.queryRow(t.Context(), q, cardUUID).Scan(&flag) })
	default:
		t.Fatalf("unknown store %T", s)
	}
	if err != nil {
		t.Fatalf("read flag: %v", err)
	}
	return flag
}

func migrationRows(t *testing.T, s Store) int {
	t.Helper()
	var n int
	q := `SELECT COUNT(*) FROM schema_migrations`
	var err error
	switch s := s.(type) {
	case *SQLite:
		err = s.read.QueryRowContext(t.Context(), q).Scan(&n)
	case *Postgres:
		err = s.tx(t.Context(), pgTxDefault, func(r runner) error { return r.queryRow(t.Context(), q).Scan(&n) })
	}
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func mustMigrations(t *testing.T, s Store) []migration {
	t.Helper()
	dir := "migrations/sqlite"
	if _, ok := s.(*Postgres); ok {
		dir = "migrations/postgres"
	}
	m, err := loadMigrations(migrationFiles, dir)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Feedback counts for a card only when it comes from the client (issuer
// and tenant) the card was shown to; from any other it is stored, flagged
// unknown_card and unattributed, and it never stands for the card
// client's own item of the same outcome and timestamp.
func testForeignClientFeedback(t *testing.T, newDSN func(t *testing.T) string) {
	s := mustOpen(t, newDSN(t))
	mustRecord(t, s, card("c1", []string{"anemia"}, "s1"))
	foreign := func(f Feedback, issuer, tenant string) Feedback { f.Issuer, f.Tenant = issuer, tenant; return f }
	mustAdd(t, s,
		foreign(overridden("c1", "x"), "https://other-ehr.example.org", "t1"),
		foreign(accepted("c1", "s1"), "https://ehr.example.org", "t2"),
		foreign(overridden("c1", "x"), "https://ehr.example.org", ""),
	)
	r := mustReport(t, s, time.Time{})
	if got, _ := findingStats(r, "anemia"); got.Accepted != 0 || got.Overridden != 0 || r.Unattributed != 1 {
		t.Errorf("other clients' feedback: anemia %+v, unattributed %d; want none counted, 1 unattributed card", got, r.Unattributed)
	}
	if n := countRows(t, s, "feedback WHERE unknown_card"); n != 3 {
		t.Errorf("%d feedback rows flagged unknown_card, want 3", n)
	}
	mustAdd(t, s, overridden("c1", "x")) // the card's own client, same outcome and timestamp
	r = mustReport(t, s, time.Time{})
	if got, _ := findingStats(r, "anemia"); got.Overridden != 1 || len(got.TopReasons) != 1 || r.Unattributed != 1 {
		t.Errorf("the card's own client: anemia %+v, unattributed %d; want 1 overridden with its reason", got, r.Unattributed)
	}
}
