package hooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/internal/store"
)

// flushAudit writes the recorder's queue and returns every audit record,
// newest first.
func flushAudit(t *testing.T, s *testServer) []store.AuditRecord {
	t.Helper()
	require.NoError(t, s.recorder.Close(context.Background()))
	out, err := s.store.Audit(context.Background(), store.AuditQuery{Limit: store.MaxAuditLimit})
	require.NoError(t, err)
	return out
}

// Every hook call leaves one audit record (contract 6.7): the answer, the
// patient as a keyed hash, the sources of the data, revision, status and
// latency; 4xx, 412 and 5xx calls too.
func TestAuditTrail(t *testing.T) {
	const upa = "testdata/requests/order-select-upadacitinib.json"
	key, err := store.NewAuditKey([]byte(testAuditKey))
	require.NoError(t, err)

	t.Run("200 with cards", func(t *testing.T) {
		s := newTestServer(t, serverOpts{})
		rec := s.do(t, "POST", "/cds-services/order-select", readFile(t, upa))
		require.Equal(t, 200, rec.Code)
		cs := checkResponse(t, rec.Body.Bytes())
		req, hc, err := decodeRequest(readFile(t, upa), HookOrderSelect, nil)
		require.NoError(t, err)

		got := flushAudit(t, s)
		require.Len(t, got, 1)
		a := got[0]
		assert.Equal(t, testNow, a.Time)
		assert.Equal(t, "order-select", a.Service)
		assert.Equal(t, req.HookInstance, a.HookInstance)
		assert.Equal(t, key.PatientHash(hc.PatientID), a.PatientHash)
		assert.NotContains(t, fmt.Sprint(a), hc.PatientID, "the patient id is never stored")
		assert.Equal(t, 200, a.Status)
		assert.Greater(t, a.LatencyMs, 0.0)
		assert.Equal(t, s.engine.Knowledge().Revision(), a.KBRevision)
		assert.Len(t, a.ConfigHash, 16)
		var codes, summaries []string
		for _, c := range cs {
			codes = append(codes, c.Findings()...)
			summaries = append(summaries, c.Summary)
		}
		assert.Equal(t, codes, a.Findings)
		assert.Equal(t, summaries, a.Summaries)
		assert.Equal(t, "prefetch", a.Sources["patient"])
		assert.Len(t, a.Sources, len(s.services[HookOrderSelect].Prefetch))

		// The cards were recorded with the findings each suggestion addresses.
		rep, err := s.store.Report(context.Background(), time.Time{})
		require.NoError(t, err)
		shown := map[string]int{}
		for _, f := range rep.Findings {
			shown[f.Code] = f.Shown
		}
		for _, code := range codes {
			assert.Equal(t, 1, shown[code], code)
		}
	})

	t.Run("4xx, 412 and unknown services are audited with their status", func(t *testing.T) {
		s := newTestServer(t, serverOpts{})
		s.do(t, "POST", "/cds-services/order-select", []byte(`{"hook":"order-select"`)) // not JSON
		s.do(t, "POST", "/cds-services/order-select", edit(t, upa, func(m map[string]any) {
			delete(m["prefetch"].(map[string]any), "patient") // no fhirServer: 412
		}))
		s.do(t, "POST", "/cds-services/no-such-service", readFile(t, upa))
		got := flushAudit(t, s)
		require.Len(t, got, 3)
		byStatus := map[int]store.AuditRecord{}
		for _, a := range got {
			byStatus[a.Status] = a
		}
		assert.Empty(t, byStatus[400].PatientHash, "an unreadable body has no patient")
		assert.Equal(t, "order-select", byStatus[400].Service)
		assert.Equal(t, "unavailable", byStatus[412].Sources["patient"])
		assert.NotEmpty(t, byStatus[412].PatientHash)
		assert.NotEmpty(t, byStatus[412].HookInstance)
		assert.Empty(t, byStatus[412].Findings)
		assert.Equal(t, "no-such-service", byStatus[404].Service)
	})

	t.Run("a call that panics is audited as 500", func(t *testing.T) {
		s := newTestServer(t, serverOpts{})
		s.engine = nil // evaluate dereferences it: a panic inside the handler
		rec := s.do(t, "POST", "/cds-services/order-select", readFile(t, upa))
		require.Equal(t, 500, rec.Code)
		got := flushAudit(t, s)
		require.Len(t, got, 1)
		assert.Equal(t, 500, got[0].Status)
	})

	t.Run("the calling client", func(t *testing.T) {
		s, pk := authServer(t)
		tok := token(t, pk, "http://127.0.0.1:8080/cds-services/order-select", func(c jwt.MapClaims) { c["tenant"] = "t-42" })
		rec := s.do(t, "POST", "/cds-services/order-select", readFile(t, upa), "Authorization", "Bearer "+tok)
		require.Equal(t, 200, rec.Code, rec.Body.String())
		got := flushAudit(t, s)
		require.Len(t, got, 1)
		assert.Equal(t, store.Client{Issuer: testIssuer, Tenant: "t-42"}, got[0].Client)
	})

	t.Run("the in-process Evaluate (jakguard eval, preview) records nothing", func(t *testing.T) {
		s := newTestServer(t, serverOpts{})
		_, err := s.Evaluate(context.Background(), "order-select", readFile(t, upa))
		require.NoError(t, err)
		assert.Empty(t, flushAudit(t, s))
		assert.Zero(t, s.recorder.Stats().CardsWritten)
	})
}

// stuckStore is a store whose every call waits until its context is done
// (a database behind a network partition), or, with fail set, fails at
// once (a database that is down).
type stuckStore struct {
	fail  bool
	mu    sync.Mutex
	calls map[string]int
}

func (s *stuckStore) wait(ctx context.Context, what string) error {
	s.mu.Lock()
	if s.calls == nil {
		s.calls = map[string]int{}
	}
	s.calls[what]++
	s.mu.Unlock()
	if s.fail {
		return errors.New("connection refused")
	}
	<-ctx.Done()
	return ctx.Err()
}
func (s *stuckStore) Record(ctx context.Context, _ store.Batch) error { return s.wait(ctx, "record") }
func (s *stuckStore) AddFeedback(ctx context.Context, _ []store.Feedback) (int, error) {
	return 0, s.wait(ctx, "feedback")
}
func (s *stuckStore) Report(ctx context.Context, _ time.Time) (store.Report, error) {
	return store.Report{}, s.wait(ctx, "report")
}
func (s *stuckStore) Analytics(ctx context.Context, _ store.AnalyticsQuery) (store.Analytics, error) {
	return store.Analytics{}, s.wait(ctx, "analytics")
}
func (s *stuckStore) Audit(ctx context.Context, _ store.AuditQuery) ([]store.AuditRecord, error) {
	return nil, s.wait(ctx, "audit")
}
func (s *stuckStore) Prune(ctx context.Context, _ store.PruneRequest) (store.Pruned, error) {
	return store.Pruned{}, s.wait(ctx, "prune")
}
func (s *stuckStore) Ping(ctx context.Context) error { return s.wait(ctx, "ping") }
func (s *stuckStore) Close() error                   { return nil }

// serverWithStore is a test server (metrics on) whose store and recorder
// are replaced.
func serverWithStore(t *testing.T, st store.Store, rc store.RecorderConfig, storeTimeout time.Duration) *testServer {
	t.Helper()
	s := newTestServer(t, serverOpts{metrics: true, noStore: true})
	s.store = st
	s.recorder = store.NewRecorder(st, nil, rc)
	s.cfg.StoreTimeout = storeTimeout
	s.Server.store, s.Server.recorder = st, s.recorder
	reg := prometheus.NewRegistry()
	s.metrics = NewMetrics(reg)
	s.metrics.RegisterRecorder(reg, s.recorder.Stats)
	s.echo = s.routes()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		s.recorder.Close(ctx)
	})
	return s
}

// metricValue reads one sample of the /metrics text.
func metricValue(t *testing.T, s *testServer, name string) string {
	t.Helper()
	body := s.do(t, "GET", "/metrics", nil).Body.String()
	for _, line := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			return v
		}
	}
	t.Fatalf("metric %s not found", name)
	return ""
}

// Hooks are answered while the recorder's queue is full and while its
// database is down or hangs; what could not be recorded is dropped and
// counted, never waited for (issue 20, contract 6.6).
func TestHookAnsweredWhenRecordingFails(t *testing.T) {
	const upa = "testdata/requests/order-select-upadacitinib.json"
	body := readFile(t, upa)
	closedSQLite := func(t *testing.T) store.Store {
		st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "gone.db"), nil)
		require.NoError(t, err)
		require.NoError(t, st.Close()) // the database is gone under the server
		return st
	}
	stuck := func(fail bool) func(*testing.T) store.Store {
		return func(*testing.T) store.Store { return &stuckStore{fail: fail} }
	}
	cases := []struct {
		name string
		st   func(*testing.T) store.Store
		rc   store.RecorderConfig
	}{
		{"queue full (the database hangs, the writer is stuck in it)", stuck(false), store.RecorderConfig{Queue: 2, Timeout: time.Hour}},
		{"database down (every write fails)", stuck(true), store.RecorderConfig{Queue: 2}},
		{"database hangs (every write times out)", stuck(false), store.RecorderConfig{Queue: 2, Timeout: 20 * time.Millisecond}},
		{"SQLite store closed", closedSQLite, store.RecorderConfig{Queue: 2}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := serverWithStore(t, tc.st(t), tc.rc, time.Second)
			const calls = 20
			begin := time.Now()
			for range calls {
				rec := s.do(t, "POST", "/cds-services/order-select", body)
				require.Equal(t, http.StatusOK, rec.Code)
				require.NotEmpty(t, checkResponse(t, rec.Body.Bytes()))
			}
			// A Record that waited would hold a call as long as the store
			// hangs (an hour in the first case); the bound is generous for
			// a loaded machine.
			if d := time.Since(begin); d > 30*time.Second {
				t.Errorf("%d calls took %v: recording held them", calls, d)
			}
			// With a queue of 2 (and at most 3 calls in the writer's hands),
			// most records are dropped, and counted.
			require.Eventually(t, func() bool { return s.recorder.Stats().AuditDropped >= calls-5 },
				5*time.Second, 10*time.Millisecond, "stats %+v", s.recorder.Stats())
			// The writer may still be dropping batches that time out: the
			// metrics must show the counters once they stop moving (read
			// once, they raced it on a loaded machine: 16 against 19).
			var st store.RecorderStats
			var audit, cards string
			require.Eventually(t, func() bool {
				st = s.recorder.Stats()
				audit, cards = metricValue(t, s, "jakguard_audit_records_dropped_total"), metricValue(t, s, "jakguard_card_records_dropped_total")
				return s.recorder.Stats() == st
			}, 5*time.Second, 50*time.Millisecond)
			assert.Zero(t, st.AuditWritten)
			assert.Equal(t, fmt.Sprint(st.AuditDropped), audit)
			assert.Equal(t, fmt.Sprint(st.CardsDropped), cards)
			assert.GreaterOrEqual(t, st.CardsDropped, 3*st.AuditDropped, "three cards per call")
		})
	}
}

// A database that hangs never holds a feedback post, a readiness probe or
// the analytics past their timeouts: 503, retry.
func TestStoreTimeouts(t *testing.T) {
	s := serverWithStore(t, &stuckStore{}, store.RecorderConfig{}, 100*time.Millisecond)
	ts := testNow.Format(time.RFC3339)
	for _, c := range []struct{ method, path, body string }{
		{"POST", "/cds-services/order-select/feedback", `{"feedback":[{"card":"c1","outcome":"overridden","outcomeTimestamp":"` + ts + `"}]}`},
		{"GET", "/readyz", ""},
	} {
		begin := time.Now()
		rec := s.do(t, c.method, c.path, []byte(c.body))
		d := time.Since(begin)
		assert.Equal(t, http.StatusServiceUnavailable, rec.Code, c.path)
		assert.Less(t, d, time.Second, "%s held %v", c.path, d)
		assert.GreaterOrEqual(t, d, 90*time.Millisecond, "%s: the timeout is what ended it", c.path)
	}
	st := s.store.(*stuckStore)
	assert.Equal(t, 1, st.calls["feedback"])
	assert.Equal(t, 1, st.calls["ping"])
}

// An override counts for every finding of its card; an accepted suggestion
// only for the findings it addresses (contract 6.7).
func TestFeedbackAttributedPerSuggestion(t *testing.T) {
	s := newTestServer(t, serverOpts{})
	rec := s.do(t, "POST", "/cds-services/order-select", readFile(t, "testdata/requests/order-select-upadacitinib.json"))
	require.Equal(t, 200, rec.Code)
	cs := checkResponse(t, rec.Body.Bytes())
	screening := cs[0]
	require.Contains(t, screening.Findings(), "tb-screening-missing")
	var igra, hbsag string
	for _, sg := range screening.Suggestions {
		switch {
		case strings.Contains(sg.Label, "IGRA"):
			igra = sg.UUID
		case strings.Contains(sg.Label, "HBsAg"):
			hbsag = sg.UUID
		}
	}
	require.NotEmpty(t, igra)
	require.NotEmpty(t, hbsag)
	risk := cs[1]
	require.Contains(t, risk.Findings(), "cardiovascular-risk")
	require.NoError(t, s.recorder.Close(context.Background()))

	ts := testNow.Add(time.Minute).Format(time.RFC3339)
	rec = s.do(t, "POST", "/cds-services/order-select/feedback", fmt.Appendf(nil, `{"feedback":[
		{"card":%q,"outcome":"accepted","acceptedSuggestions":[{"id":%q},{"id":%q}],"outcomeTimestamp":%q},
		{"card":%q,"outcome":"overridden","outcomeTimestamp":%q}]}`, screening.UUID, igra, hbsag, ts, risk.UUID, ts))
	require.Equal(t, 200, rec.Code, rec.Body.String())

	rec = s.do(t, "GET", "/analytics/findings", nil, operator...)
	require.Equal(t, 200, rec.Code)
	var rep store.Report
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &rep))
	accepted, overridden := map[string]int{}, map[string]int{}
	for _, f := range rep.Findings {
		accepted[f.Code], overridden[f.Code] = f.Accepted, f.Overridden
	}
	assert.Equal(t, 1, accepted["tb-screening-missing"])
	assert.Equal(t, 1, accepted["hbv-screening-missing"])
	for _, code := range screening.Findings() {
		if !slices.Contains([]string{"tb-screening-missing", "hbv-screening-missing"}, code) {
			assert.Zero(t, accepted[code], "%s: not addressed by the accepted suggestions", code)
		}
	}
	for _, code := range risk.Findings() {
		assert.Equal(t, 1, overridden[code], "%s: an override counts for every finding of its card", code)
	}
}
