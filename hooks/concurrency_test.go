package hooks

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/fhir"
)

// The concurrency review (December 2026). The CI suite runs without the
// race detector; .ci/run then runs the concurrency tests (these among them,
// by name: keep "Concurren" in their names) under -race: many calls at
// once through the HTTP handler, calls cancelled by their client in the
// middle of the FHIR fallback, and the recorder closed (shutdown) while
// calls are in flight.

// memFHIR answers the FHIR client's requests in memory from the patientFHIR
// servers' data (no connections: the goroutines left after a call are then
// jakguard's own). A request for a patient whose id starts with "stall-"
// waits until its context ends, as a FHIR server that hangs.
type memFHIR struct {
	servers []*patientFHIR
	mu      sync.Mutex
	arrived map[string]chan struct{} // stalled patient id -> closed at its first request
}

func newMemFHIR(servers ...*patientFHIR) *memFHIR {
	return &memFHIR{servers: servers, arrived: map[string]chan struct{}{}}
}

// waitFor returns a channel closed once a request for patient id arrived.
func (m *memFHIR) waitFor(id string) <-chan struct{} { return m.arrival(id, false) }

// arrival is the channel of id, closed first when arrived.
func (m *memFHIR) arrival(id string, arrived bool) chan struct{} {
	m.mu.Lock()
	defer m.mu.Unlock()
	ch := m.arrived[id]
	if ch == nil {
		ch = make(chan struct{})
		m.arrived[id] = ch
	}
	if arrived {
		select {
		case <-ch:
		default:
			close(ch)
		}
	}
	return ch
}

func (m *memFHIR) RoundTrip(r *http.Request) (*http.Response, error) {
	id := r.URL.Query().Get("patient")
	if parts := strings.Split(r.URL.Path, "/"); len(parts) == 4 { // /fhir/Patient/{id}
		id = parts[3]
	}
	if strings.HasPrefix(id, "stall-") {
		m.arrival(id, true)
		<-r.Context().Done()
		return nil, r.Context().Err()
	}
	for _, p := range m.servers {
		if p.Listener.Addr().String() == r.URL.Host {
			rec := httptest.NewRecorder()
			p.Config.Handler.ServeHTTP(rec, r)
			resp := rec.Result()
			resp.Request = r
			return resp, nil
		}
	}
	return nil, fmt.Errorf("no FHIR server at %s", r.URL.Host)
}

// memServer is an isolation server (isoServer) whose FHIR client goes
// through m.
func memServer(t *testing.T, clients []isoClient, m *memFHIR, noStore bool) *testServer {
	t.Helper()
	s := isoServer(t, clients, noStore)
	s.fhir = fhir.NewClient(fhir.ClientConfig{QueryTimeout: 5 * time.Second, PageCap: 3}, &http.Client{Transport: m})
	return s
}

// concurrencyRequests are calls of two clients, on prefetch and on each
// client's FHIR server, whose answers differ where it counts (see
// TestIsolationConcurrentPatients), and the answers each gets alone.
func concurrencyRequests(t *testing.T, clients []isoClient, m *memFHIR) (reqs []isoRequest, alone []string) {
	t.Helper()
	a, b := clients[0].fhir, clients[1].fhir
	tb := func() *record { return cleanRecord().replace(cond("tb", sct, "427099000", "active")) }
	upa := func(mg int, r *record) call { return sign(r, jakDraft("upadacitinib", mg)) }
	specs := []isoSpec{
		{name: "tb", c: upa(15, tb()), want: []string{"tb-active"}},
		{name: "no-tb", client: 1, c: upa(15, cleanRecord()), absent: []string{"tb-active"}},
		{name: "hgb-low", c: upa(15, cleanRecord().replace(obsQty("hgb", "718-7", 7.2, "g/dL", "2026-11-02"))), want: []string{"anemia"}},
		{name: "fhir-a-shared", id: "shared", c: upa(15, tb()), server: a, want: []string{"tb-active"}},
		{name: "fhir-b-shared", id: "shared", client: 1, c: upa(15, cleanRecord()), server: b, absent: []string{"tb-active"}},
		{name: "fhir-a-pv", c: view(coursed("upadacitinib", 100).drop("ldl")), server: a, want: []string{"monitoring-lipids-due"}},
		{name: "fhir-b-pv", client: 1, c: view(coursed("upadacitinib", 60).drop("ldl")), server: b, absent: []string{"monitoring-lipids-due"}},
	}
	reqs = isoRequestsOf(t, specs)
	for _, r := range reqs {
		code, body := r.post(t, memServer(t, clients, m, true), clients)
		require.Equal(t, 200, code, "%s: %s", r.name, body)
		cs := checkResponse(t, []byte(body))
		for _, c := range r.want {
			require.Contains(t, codesOf(cs), c, "%s alone: %s", r.name, cardSummaries(cs))
		}
		for _, c := range r.absent {
			require.NotContains(t, codesOf(cs), c, "%s alone: %s", r.name, cardSummaries(cs))
		}
		alone = append(alone, body)
	}
	return reqs, alone
}

// settles waits until no more goroutines run than baseline, and fails
// with their stacks if they do not within a few seconds.
func settles(t *testing.T, baseline int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > baseline {
		if time.Now().After(deadline) {
			var stacks strings.Builder
			_ = pprof.Lookup("goroutine").WriteTo(&stacks, 1)
			t.Fatalf("%d goroutines left running, %d before the calls:\n%s", runtime.NumGoroutine(), baseline, stacks.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Calls whose client goes away in the middle of the FHIR fallback, among
// calls of other clients and patients: each cancelled call ends soon after
// its cancellation (not at the deadline), its slot is released, and no
// goroutine it started (FetchAll's fetches) is left behind; every other
// call's answer is the one it gets alone. Stalled calls are on both hooks
// and both clients' servers, with the FHIR fetches of one call waiting
// for one another (MaxParallel) as well as for the server.
func TestConcurrentCancelledCallsLeaveNothingBehind(t *testing.T) {
	clients := []isoClient{newISOClient(t, "https://ehr-a.example.org"), newISOClient(t, "https://ehr-b.example.org")}
	m := newMemFHIR(clients[0].fhir, clients[1].fhir)
	reqs, alone := concurrencyRequests(t, clients, m)

	// Stalled calls: patients whose FHIR server never answers.
	var stalled []isoRequest
	for i := range 12 {
		c := sign(cleanRecord(), jakDraft("upadacitinib", 15))
		if i%3 == 0 {
			c = view(coursed("upadacitinib", 100))
		}
		server := clients[i%2].fhir
		stalled = append(stalled, isoRequest{name: fmt.Sprintf("stall-%d", i), client: i % 2, hook: c.service(),
			body: asPatient(t, c.body(t), fmt.Sprintf("stall-%d", i), server)})
	}

	s := memServer(t, clients, m, false)
	for i, r := range reqs { // warm up: the store's connections, the pools
		code, body := r.post(t, s, clients)
		require.Equal(t, 200, code, body)
		require.JSONEq(t, alone[i], body)
	}
	time.Sleep(300 * time.Millisecond) // the recorder's first batch written
	runtime.GC()
	baseline := runtime.NumGoroutine()

	var wg sync.WaitGroup
	for _, r := range stalled {
		wg.Go(func() {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan struct{})
			go func() {
				defer close(done)
				r.postCtx(ctx, t, s, clients)
			}()
			select {
			case <-m.waitFor(r.name):
			case <-time.After(4 * time.Second):
				t.Errorf("%s: its FHIR fetch never started", r.name)
			}
			cancel()
			cancelled := time.Now()
			select {
			case <-done:
				assert.Less(t, time.Since(cancelled), 2*time.Second, "%s ended long after its cancellation", r.name)
			case <-time.After(4 * time.Second): // the deadline is 5 s
				t.Errorf("%s: still running 4 s after its client went away", r.name)
				<-done
			}
		})
	}
	work := make(chan int)
	for range 6 {
		wg.Go(func() {
			for i := range work {
				code, body := reqs[i].post(t, s, clients)
				if assert.Equal(t, 200, code, "%s: %s", reqs[i].name, body) {
					assert.JSONEq(t, alone[i], body, "%s among cancelled calls", reqs[i].name)
				}
			}
		})
	}
	for range 4 {
		for i := range reqs {
			work <- i
		}
	}
	close(work)
	wg.Wait()

	assert.Zero(t, s.admission.inFlight(), "every evaluation slot released")
	assert.Zero(t, s.admission.waiting.Load(), "nobody waiting for a slot")
	settles(t, baseline)
	for i, r := range reqs { // and the server still answers as before
		code, body := r.post(t, s, clients)
		require.Equal(t, 200, code, body)
		assert.JSONEq(t, alone[i], body, "%s after the cancelled calls", r.name)
	}
}

// Shutdown while calls are in flight: the recorder is closed (as serve
// does once the HTTP server has stopped, or given up waiting for calls
// that outlive --shutdown-timeout) while calls of two clients are being
// answered. No call is disturbed (its answer is the one it gets alone),
// nothing panics (a record sent on the closed queue), and every call's
// audit record is accounted for: written before the close, or dropped and
// counted after it, none lost uncounted.
func TestConcurrentCallsWhileRecorderCloses(t *testing.T) {
	clients := []isoClient{newISOClient(t, "https://ehr-a.example.org"), newISOClient(t, "https://ehr-b.example.org")}
	m := newMemFHIR(clients[0].fhir, clients[1].fhir)
	reqs, alone := concurrencyRequests(t, clients, m)
	s := memServer(t, clients, m, false)

	var answered atomic.Int64
	var wg sync.WaitGroup
	work := make(chan int)
	for range 6 {
		wg.Go(func() {
			for i := range work {
				code, body := reqs[i].post(t, s, clients)
				if assert.Equal(t, 200, code, "%s: %s", reqs[i].name, body) {
					assert.JSONEq(t, alone[i], body, "%s while the recorder closes", reqs[i].name)
				}
				answered.Add(1)
			}
		})
	}
	closed := make(chan error, 1)
	const rounds = 8
	for round := range rounds {
		if round == rounds/2 {
			go func() { closed <- s.recorder.Close(context.Background()) }()
		}
		for i := range reqs {
			work <- i
		}
	}
	close(work)
	wg.Wait()
	require.NoError(t, <-closed)
	st := s.recorder.Stats()
	assert.Equal(t, uint64(answered.Load()), st.AuditWritten+st.AuditDropped, "every call's audit record written or counted as dropped: %+v", st)
	assert.Equal(t, int64(rounds*len(reqs)), answered.Load())
	assert.NotZero(t, st.AuditWritten, "the calls before the close were written")
}
