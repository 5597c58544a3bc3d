package hooks

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/fhir"
	"jakguard/internal/store"
)

// The outage review (December 2026): ways to make jakguard serve answer
// no advice, or hold memory and time without bound, that the fail-safe
// reviews had not covered.

// hangingFeedbackStore is a store whose feedback inserts hang until their
// context ends (a database behind a network partition), while everything
// else works.
type hangingFeedbackStore struct {
	store.Store
	mu      sync.Mutex
	waiting int
}

func (h *hangingFeedbackStore) AddFeedback(ctx context.Context, _ []store.Feedback) (int, error) {
	h.mu.Lock()
	h.waiting++
	h.mu.Unlock()
	defer func() { h.mu.Lock(); h.waiting--; h.mu.Unlock() }()
	<-ctx.Done()
	return 0, ctx.Err()
}

func (h *hangingFeedbackStore) hanging() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.waiting
}

// Feedback never takes a hook call's slot: with the feedback store hanging
// (each post waits --db-timeout for its insert), an EHR's ordinary stream
// of feedback held every evaluation slot and hook calls were refused 503:
// a feedback-store outage became an advice outage. Feedback now has its
// own, smaller pool (a quarter of --max-concurrent, at least one).
func TestHangingFeedbackStoreLeavesHookCallsAlone(t *testing.T) {
	const upa = "testdata/requests/order-select-upadacitinib.json"
	for _, maxConc := range []int{1, 4, 8} {
		t.Run(fmt.Sprintf("max-concurrent %d", maxConc), func(t *testing.T) {
			s := newTestServer(t, serverOpts{deadline: 10 * time.Second})
			h := &hangingFeedbackStore{Store: s.store}
			s.Server.store = h
			s.cfg.StoreTimeout = 2 * time.Second
			s.cfg.MaxConcurrent, s.cfg.AdmissionQueue = maxConc, maxConc
			s.admission = newAdmission(maxConc, maxConc, DefaultAdmissionWait)
			s.feedbackAdmission = newAdmission(feedbackSlots(maxConc), feedbackSlots(maxConc), DefaultAdmissionWait)
			s.echo = s.routes()
			fb := []byte(`{"feedback":[{"card":"c1","outcome":"overridden","outcomeTimestamp":"2026-12-07T10:00:00Z"}]}`)

			// More feedback posts than there are slots of either kind.
			posts := 2*maxConc + 2
			codes := make(chan int, posts)
			for range posts {
				go func() { codes <- s.do(t, "POST", "/cds-services/order-select/feedback", fb).Code }()
			}
			require.Eventually(t, func() bool { return h.hanging() == feedbackSlots(maxConc) }, 5*time.Second, time.Millisecond)
			assert.Equal(t, feedbackSlots(maxConc), h.hanging(), "feedback holds its own slots only")

			// Every hook slot is still free: as many calls as slots answer cards.
			var wg sync.WaitGroup
			hook := make([]int, maxConc)
			for i := range hook {
				wg.Go(func() { hook[i] = s.do(t, "POST", "/cds-services/order-select", readFile(t, upa)).Code })
			}
			wg.Wait()
			for i, c := range hook {
				assert.Equal(t, http.StatusOK, c, "hook call %d while feedback hangs", i)
			}
			for range posts {
				assert.Equal(t, http.StatusServiceUnavailable, <-codes, "feedback: 503, retry later")
			}
		})
	}
}

func TestFeedbackSlots(t *testing.T) {
	for _, tc := range []struct{ max, want int }{{1, 1}, {2, 1}, {4, 1}, {7, 1}, {8, 2}, {9, 2}, {16, 4}, {64, 16}} {
		assert.Equal(t, tc.want, feedbackSlots(tc.max), "max-concurrent %d", tc.max)
	}
}

// upaOrders is an order-sign call with n upadacitinib draft orders: its
// answer holds a card of some 17 KB for each.
func upaOrders(t *testing.T, n int) []byte {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(signWith(t, func(map[string]any) {}), &m))
	d := draftsOf(m)
	first := d["entry"].([]any)[0].(map[string]any)["resource"].(map[string]any)
	entries := []any{}
	for i := range n {
		o := maps.Clone(first)
		o["id"] = fmt.Sprintf("o%d", i)
		entries = append(entries, res{"resource": o})
	}
	d["entry"] = entries
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return b
}

// smallBuffers accepts connections whose kernel send buffer is small, so
// that an answer larger than it waits on the client to read.
type smallBuffers struct{ net.Listener }

func (l smallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(4096)
	}
	return c, err
}

// A client that sends its call and never reads the answer held the
// call's evaluation slot (and the answer, up to 100 cards of 17 KB) until
// the server's write timeout, ten seconds past the deadline (forever
// where the http.Server has none), as long as a slow upload had been kept
// to the deadline: a few such clients refused everyone else's calls. The
// answer is now written within the deadline plus a second too; then the
// connection is closed and the slot freed.
func TestUnreadAnswerBoundedByDeadline(t *testing.T) {
	const deadline = 500 * time.Millisecond
	s := newTestServer(t, serverOpts{noStore: true, deadline: deadline})
	s.fhir = nil
	srv := httptest.NewUnstartedServer(s)
	srv.Listener = smallBuffers{srv.Listener}
	srv.Start()
	defer srv.Close()
	body := upaOrders(t, maxEvaluatedOrders)

	// A client that reads: the whole answer, well over the buffers.
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/cds-services/order-sign", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	answer, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Greater(t, len(answer), 128<<10, "an answer far larger than the socket buffers")

	// A client that never reads.
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.(*net.TCPConn).SetReadBuffer(4096))
	_, err = fmt.Fprintf(conn, "POST /cds-services/order-sign HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return s.admission.inFlight() == 1 }, 5*time.Second, time.Millisecond)
	start := time.Now()
	require.Eventually(t, func() bool { return s.admission.inFlight() == 0 }, deadline+3*time.Second, 5*time.Millisecond,
		"the slot is freed within the deadline plus a second")
	t.Logf("slot freed %v after the call was admitted", time.Since(start).Round(time.Millisecond))

	// The same connection, kept alive by a client that reads, is not cut
	// on its next request (one without a deadline of its own, /healthz)
	// by the write deadline of the call before, on an http.Server without
	// a WriteTimeout (like this one) too.
	// (A raw connection: http.Transport would quietly retry the request on
	// a new one.)
	kept, err := net.Dial("tcp", srv.Listener.Addr().String())
	require.NoError(t, err)
	defer kept.Close()
	br := bufio.NewReader(kept)
	_, err = fmt.Fprintf(kept, "POST /cds-services/order-sign HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	require.NoError(t, err)
	resp, err = http.ReadResponse(br, nil)
	require.NoError(t, err)
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	time.Sleep(deadline + 1500*time.Millisecond)
	_, err = fmt.Fprintf(kept, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	require.NoError(t, err)
	require.NoError(t, kept.SetReadDeadline(time.Now().Add(5*time.Second)))
	resp, err = http.ReadResponse(br, nil)
	require.NoError(t, err, "the next request on the connection is answered")
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

// denseBody is an order-select call whose draft order and prefetch order
// each hold n empty dosage instructions: 1.2 MB for n = 195,000, held as
// 107 MiB once decoded.
func denseBody(n int) []byte {
	order := `{"resource":{"resourceType":"MedicationRequest","id":"upa","status":"draft","intent":"order","subject":{"reference":"Patient/p1"},` +
		`"medicationCodeableConcept":{"text":"Rinvoq 30 mg"},` + fill(n*3, `"dosageInstruction":[`, `{}`, ",", `]`) + `}}`
	med := `,"medications":{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"MedicationRequest","status":"active","intent":"order",` +
		`"medicationCodeableConcept":{"text":"Rinvoq 15 mg"},` + fill(n*3, `"dosageInstruction":[`, `{}`, ",", `]`) + `}}]}`
	return attackBody(med, order)
}

// Calls dense in JSON objects, each within every per-call bound, held the
// process's memory many times over when several ran at once: admission
// planned 48 MiB a call (2 × body + FHIR budget), and one of 1.2 MB held
// 107 MiB. Each call now reserves what its body may cost before it is
// decoded (weigh), within the memory limit less 64 MiB; calls past it wait
// for memory like calls past the slots, then answer 503 with Retry-After.
func TestDenseCallsBoundedByMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("decodes six bodies of 1.2 MB at once")
	}
	const budget = 160 << 20
	s := newTestServer(t, serverOpts{noStore: true, metrics: true, deadline: 20 * time.Second})
	s.fhir = nil
	s.cfg.MaxConcurrent, s.cfg.AdmissionQueue = 8, 8
	s.admission = newAdmission(8, 8, DefaultAdmissionWait)
	s.memory = newMemoryGate(budget)
	s.echo = s.routes()
	dense := denseBody(195_000)
	assert.Greater(t, weigh(dense, 0), int64(budget), "one dense call takes the whole budget")

	// Typical calls are far below it: eight at once all answer.
	typical := readFile(t, "testdata/requests/order-select-upadacitinib.json")
	t.Logf("a typical call (%d KB) weighs %.1f MiB", len(typical)/1000, float64(weigh(typical, fhir.DefaultCallBudget))/(1<<20))
	assert.Less(t, weigh(typical, fhir.DefaultCallBudget), int64(48<<20), "a typical call weighs less than a slot plans for")
	var wg sync.WaitGroup
	codes := make([]int, 8)
	for i := range codes {
		wg.Go(func() { codes[i] = s.do(t, "POST", "/cds-services/order-select", typical).Code })
	}
	wg.Wait()
	for i, c := range codes {
		assert.Equal(t, http.StatusOK, c, "typical call %d", i)
	}

	// Six dense calls at once: they do not all decode at once.
	old := debug.SetMemoryLimit(budget + 64<<20) // as in production: the GC works to it
	defer debug.SetMemoryLimit(old)
	sampler := sampleHeap()
	codes = make([]int, 6)
	for i := range codes {
		wg.Go(func() { codes[i] = s.do(t, "POST", "/cds-services/order-select", dense).Code })
	}
	wg.Wait()
	peak := sampler.peak()
	t.Logf("6 dense calls at once: %v, peak extra heap %.0f MiB", codes, float64(peak)/(1<<20))
	assert.Contains(t, codes, http.StatusOK)
	for _, c := range codes {
		assert.Contains(t, []int{http.StatusOK, http.StatusServiceUnavailable}, c)
	}
	assert.Less(t, peak, uint64(budget+64<<20), "within the memory limit")
	assert.True(t, strings.Contains(s.do(t, "GET", "/metrics", nil).Body.String(), `jakguard_admission_rejected_total{reason="memory"}`),
		"refusals for memory are counted")
}

// The gate: a heavy call waiting does not hold back light calls behind
// it; one heavier than the whole runs alone; a release lets a waiter in.
func TestMemoryGate(t *testing.T) {
	g := newMemoryGate(100)
	ctx := context.Background()
	r1, ok := g.acquire(ctx, 60, time.Second)
	require.True(t, ok)
	heavy := make(chan bool, 1)
	go func() {
		r, ok := g.acquire(ctx, 500, 2*time.Second)
		heavy <- ok
		if ok {
			r()
		}
	}()
	time.Sleep(20 * time.Millisecond)
	r2, ok := g.acquire(ctx, 40, 10*time.Millisecond) // 60 + 40 = 100: fits beside the waiter
	require.True(t, ok, "a light call is not held back by a heavy one waiting")
	_, ok = g.acquire(ctx, 1, 10*time.Millisecond) // 101: waits, then gives up
	assert.False(t, ok)
	r1()
	r2()
	assert.True(t, <-heavy, "the heavy call ran alone once the others were done")
	assert.Nil(t, newMemoryGate(0))
	r, ok := (*memoryGate)(nil).acquire(ctx, 1<<40, 0)
	assert.True(t, ok)
	r()
}

// A panic in a hook call (here: no rules engine) is a 500
// OperationOutcome, logged, and gives back its slot and its memory: the
// next call is answered (checked sound in the outage review).
func TestPanicFreesSlotAndMemory(t *testing.T) {
	const upa = "testdata/requests/order-select-upadacitinib.json"
	s := newTestServer(t, serverOpts{noStore: true})
	s.admission = newAdmission(1, 1, DefaultAdmissionWait)
	s.memory = newMemoryGate(64 << 20)
	s.echo = s.routes()
	engine := s.engine
	s.engine = nil
	rec := s.do(t, "POST", "/cds-services/order-select", readFile(t, upa))
	require.Equal(t, http.StatusInternalServerError, rec.Code)
	assert.Contains(t, rec.Body.String(), `"resourceType":"OperationOutcome"`)
	assert.NotContains(t, rec.Body.String(), "goroutine", "no stack in the answer")
	assert.Zero(t, s.admission.inFlight())
	s.memory.mu.Lock()
	assert.Zero(t, s.memory.used)
	s.memory.mu.Unlock()
	s.engine = engine
	assert.Equal(t, http.StatusOK, s.do(t, "POST", "/cds-services/order-select", readFile(t, upa)).Code)
}

// hangingRecords is a store whose card and audit writes hang until their
// timeout (a database behind a partition).
type hangingRecords struct{ store.Store }

func (hangingRecords) Record(ctx context.Context, _ store.Batch) error {
	<-ctx.Done()
	return ctx.Err()
}

// The recorder's queue is bounded by cards too, not only by calls: behind
// a database that hangs, 4,096 queued calls of 100 orders each held some
// 90 MiB (23 KiB a call) outside what admission control plans for. Past
// QueueCards the call's records are dropped and counted, as past Queue;
// the hook calls answer as ever.
func TestRecorderQueueBoundedByCards(t *testing.T) {
	body := upaOrders(t, maxEvaluatedOrders) // 101 cards an answer
	for _, tc := range []struct {
		queueCards, queued int
	}{{201, 1}, {202, 2}, {203, 2}} {
		t.Run(fmt.Sprintf("QueueCards %d", tc.queueCards), func(t *testing.T) {
			s := newTestServer(t, serverOpts{})
			s.fhir = nil
			rec := store.NewRecorder(hangingRecords{s.store}, nil, store.RecorderConfig{QueueCards: tc.queueCards, Linger: -1, Timeout: time.Minute})
			t.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
				defer cancel()
				_ = rec.Close(ctx)
			})
			s.Server.recorder = rec
			post := func() {
				req := httptest.NewRequest(http.MethodPost, "/cds-services/order-sign", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				w := httptest.NewRecorder()
				s.ServeHTTP(w, req)
				require.Equal(t, http.StatusOK, w.Code, "the hook call answers whatever the recorder does")
				var resp Response
				require.NoError(t, json.Unmarshal(w.Body.Bytes(), &resp))
				require.Len(t, resp.Cards, maxEvaluatedOrders+1)
			}
			post() // taken by the writer, which hangs
			require.Eventually(t, func() bool { return rec.Stats().Queued == 0 }, 5*time.Second, time.Millisecond)
			post()
			post() // 202 cards queued with the second
			st := rec.Stats()
			assert.Equal(t, tc.queued, st.Queued)
			if tc.queued == 1 {
				assert.Equal(t, uint64(maxEvaluatedOrders+1), st.CardsDropped)
				assert.Equal(t, uint64(1), st.AuditDropped)
			} else {
				assert.Zero(t, st.CardsDropped)
			}
		})
	}
}
