package hooks

import (
	"bytes"
	"context"
	"math"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
)

// Admission control (contract 6.6, issue 16): at most MaxConcurrent
// evaluations run at once; a few more may wait, briefly, for a slot;
// everything past that is answered 503 with Retry-After at once. Memory
// and CPU are then bounded by the process, not by how many calls an
// attacker (or a storm of chart openings) sends. Feedback posts have a
// pool of their own, a quarter the size (feedbackSlots): their bodies, up
// to the body limit, are memory too, but a feedback store that hangs holds
// each post for --db-timeout, and with shared slots an EHR's ordinary
// feedback then took every slot and hook calls were refused: a store
// outage became an advice outage (outage review, December 2026).

// Defaults of the admission settings.
const (
	// DefaultAdmissionWait is how long an excess call waits for a slot.
	DefaultAdmissionWait = 250 * time.Millisecond
	// admissionRetryAfter is the Retry-After (seconds) of a refused call.
	admissionRetryAfter = "1"
	// baseHeap is what the process needs besides its calls (value sets,
	// indexes, connections), kept out of the memory shared among calls.
	baseHeap = 64 << 20
	// perProcCalls bounds evaluations per CPU: an evaluation is CPU-bound
	// unless it waits on a FHIR server.
	perProcCalls = 8
)

// DefaultMaxConcurrent sizes admission from the CPUs and the memory limit:
// perProcCalls per CPU, and no more than the memory limit (less baseHeap)
// holds calls of perCall bytes each (a body buffered and decoded, plus its
// FHIR pages); at least 2. memLimit <= 0 or math.MaxInt64 means no limit.
func DefaultMaxConcurrent(procs int, memLimit, perCall int64) int {
	n := perProcCalls * max(procs, 1)
	if memLimit > 0 && memLimit < math.MaxInt64 && perCall > 0 {
		n = min(n, int((memLimit-baseHeap)/perCall))
	}
	return max(n, 2)
}

// feedbackSlots is the size of the feedback posts' pool (and of its
// queue) beside n hook-call slots: a quarter, at least one. A feedback
// post holds its body and the items parsed from it (a few times the body,
// less than a hook call's body, decoding and FHIR pages), so the pool adds
// at most about an eighth to the memory admission control plans for.
func feedbackSlots(n int) int { return max(1, n/4) }

// admission is a counting semaphore with a bounded, time-limited queue.
type admission struct {
	slots    chan struct{}
	waiting  atomic.Int64
	maxQueue int64
	maxWait  time.Duration
}

func newAdmission(n, queue int, wait time.Duration) *admission {
	return &admission{slots: make(chan struct{}, n), maxQueue: int64(queue), maxWait: wait}
}

// Reasons an evaluation is refused, for the metric.
const (
	admitQueueFull = "queue_full"
	admitWait      = "wait_timeout"
)

// acquire takes a slot, waiting at most maxWait (and no longer than ctx)
// behind at most maxQueue others. It returns "" and a release function,
// or the reason for refusing.
func (a *admission) acquire(ctx context.Context) (release func(), refused string) {
	release = func() { <-a.slots }
	select {
	case a.slots <- struct{}{}:
		return release, ""
	default:
	}
	if a.waiting.Add(1) > a.maxQueue {
		a.waiting.Add(-1)
		return nil, admitQueueFull
	}
	defer a.waiting.Add(-1)
	t := time.NewTimer(a.maxWait)
	defer t.Stop()
	select {
	case a.slots <- struct{}{}:
		return release, ""
	case <-t.C:
		return nil, admitWait
	case <-ctx.Done():
		return nil, admitWait
	}
}

// inFlight is the number of evaluations running.
func (a *admission) inFlight() int { return len(a.slots) }

// admit is the admission middleware of the hook route (pool s.admission,
// counted in the metrics) and of the feedback route (its own pool). It
// runs after authentication (unauthenticated floods cannot take slots)
// and before the body is read (a waiting call holds no body).
func (s *Server) admit(a *admission, counted bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			release, refused := a.acquire(c.Request().Context())
			if refused != "" {
				if counted {
					s.metrics.admissionRejected(refused)
				}
				c.Response().Header().Set("Retry-After", admissionRetryAfter)
				return &Error{Status: http.StatusServiceUnavailable, Code: "transient",
					Message: "too many calls being handled at once; retry shortly"}
			}
			defer release()
			return next(c)
		}
	}
}

// deadline starts the per-request deadline (--deadline) before
// authentication, so that the replay check, the wait for admission, the
// body and the evaluation all count against it; the connection's read
// and write deadlines (plus a second) bound a slow upload and a client
// that does not read its answer: neither holds an evaluation slot longer.
func (s *Server) deadline(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if c.Request().Method == http.MethodOptions {
			return next(c)
		}
		ctx, cancel := context.WithTimeout(c.Request().Context(), s.cfg.Deadline)
		defer cancel()
		// Not supported by every ResponseWriter (test recorders): then only
		// the context bounds the call.
		rc := http.NewResponseController(c.Response())
		end := time.Now().Add(s.cfg.Deadline + time.Second)
		_ = rc.SetReadDeadline(end)
		// net/http clears it once the answer is sent: the next request on
		// a keep-alive connection is not cut by it.
		_ = rc.SetWriteDeadline(end)
		c.SetRequest(c.Request().WithContext(ctx))
		return next(c)
	}
}

// drainHeader asks clients to close their keep-alive connection once the
// server is shutting down (readiness off), so that connections end after
// an answer rather than being closed under a request on its way in.
func (s *Server) drainHeader(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !s.ready.Load() {
			c.Response().Header().Set(echo.HeaderConnection, "close")
		}
		return next(c)
	}
}

// Memory admission (outage review, December 2026). The slots above bound
// how many calls run, sized for a call of 2 × body + FHIR budget (48 MiB by
// default); but what a call holds grows with the JSON objects it decodes,
// not its bytes: 1.2 MB of empty dosage instructions held 107 MiB live at
// once, 8 MiB of 33,000 draft orders 94 MiB (fhir.MaxObjects and
// MaxEntries bound one call, not the process). Eight such calls, the
// default on a 512 MiB container, held some 850 MiB: the container was
// killed, every call in flight lost. So a call also reserves memory for
// its body, once read, before it is decoded: weigh says how much, and the
// reservations of the calls being evaluated stay within the memory limit
// less baseHeap. Typical calls weigh well under the slot estimate, so
// only bodies dense in objects ever wait for memory.

const (
	// perObject is the most one JSON object of a body was seen to hold once
	// decoded (minimal draft orders: about 1 KiB each brace).
	perObject = 1 << 10
	// admitMemory is the metric reason of a call refused for memory.
	admitMemory = "memory"
)

// weigh is the memory reserved for a call with this body: the body twice
// (buffered, and strings decoded from it), a KiB for every '{' in it (an
// upper bound of its objects), and the FHIR fallback's budget.
func weigh(body []byte, fhirBudget int64) int64 {
	return 2*int64(len(body)) + perObject*int64(bytes.Count(body, openBrace)) + fhirBudget
}

var openBrace = []byte{'{'}

// memoryGate shares a number of bytes among the calls being evaluated. A
// call whose weight exceeds the whole runs alone. Unlike a FIFO semaphore,
// a heavy call waiting does not hold back the light calls behind it.
type memoryGate struct {
	mu       sync.Mutex
	used     int64
	capacity int64
	changed  chan struct{} // closed and replaced whenever memory is released
}

// newMemoryGate returns a gate of capacity bytes, or nil (no gate) when
// capacity is not positive.
func newMemoryGate(capacity int64) *memoryGate {
	if capacity <= 0 {
		return nil
	}
	return &memoryGate{capacity: capacity, changed: make(chan struct{})}
}

// acquire reserves n bytes (at most the capacity), waiting at most maxWait
// and no longer than ctx. ok is false when it could not.
func (g *memoryGate) acquire(ctx context.Context, n int64, maxWait time.Duration) (release func(), ok bool) {
	if g == nil {
		return func() {}, true
	}
	n = min(n, g.capacity)
	var t *time.Timer
	for {
		g.mu.Lock()
		if g.used+n <= g.capacity {
			g.used += n
			g.mu.Unlock()
			if t != nil {
				t.Stop()
			}
			return func() {
				g.mu.Lock()
				g.used -= n
				close(g.changed)
				g.changed = make(chan struct{})
				g.mu.Unlock()
			}, true
		}
		changed := g.changed
		g.mu.Unlock()
		if t == nil {
			t = time.NewTimer(maxWait)
			defer t.Stop()
		}
		select {
		case <-changed:
		case <-t.C:
			return nil, false
		case <-ctx.Done():
			return nil, false
		}
	}
}

// reserve takes the memory a call with this body needs, or answers 503
// with Retry-After (counted) when it cannot within the admission wait.
func (s *Server) reserve(c echo.Context, body []byte) (release func(), err error) {
	if s.memory == nil {
		return func() {}, nil
	}
	release, ok := s.memory.acquire(c.Request().Context(), weigh(body, s.fhirBudget()), s.cfg.AdmissionWait)
	if !ok {
		s.metrics.admissionRejected(admitMemory)
		c.Response().Header().Set("Retry-After", admissionRetryAfter)
		return nil, &Error{Status: http.StatusServiceUnavailable, Code: "transient",
			Message: "too much being evaluated at once; retry shortly"}
	}
	return release, nil
}
