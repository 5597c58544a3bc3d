package hooks

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/fhir"
	"jakguard/internal/auth"
)

func TestDefaultMaxConcurrent(t *testing.T) {
	const perCall = 48 << 20
	cases := []struct {
		name     string
		procs    int
		memLimit int64
		want     int
	}{
		{"2 CPUs, no memory limit", 2, math.MaxInt64, 16},
		{"2 CPUs, 460 MiB (512 MiB container)", 2, 460 << 20, 8},
		{"8 CPUs, 460 MiB: memory decides", 8, 460 << 20, 8},
		{"1 CPU, 2 GiB: CPUs decide", 1, 2 << 30, 8},
		{"tiny limit: still 2", 4, 80 << 20, 2},
		{"no limit known", 2, 0, 16},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, DefaultMaxConcurrent(tc.procs, tc.memLimit, perCall), tc.name)
	}
}

// blockingFHIR holds every request until released, so hook calls stay in
// evaluation as long as a test needs.
func blockingFHIR(t *testing.T) (*httptest.Server, func()) {
	t.Helper()
	release := make(chan struct{})
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "application/fhir+json")
		w.Write([]byte(`{"resourceType":"Patient","id":"pt-upa","birthDate":"1959-03-14","gender":"female"}`))
	}))
	var once sync.Once
	free := func() { once.Do(func() { close(release) }) }
	t.Cleanup(func() { free(); srv.Close() })
	return srv, free
}

// At most MaxConcurrent evaluations at once; AdmissionQueue more wait up
// to AdmissionWait; the rest get 503 with Retry-After at once, counted.
func TestAdmissionControl(t *testing.T) {
	const upa = "testdata/requests/order-select-upadacitinib.json"
	srv, free := blockingFHIR(t)
	s := newTestServer(t, serverOpts{metrics: true, deadline: 10 * time.Second})
	s.cfg.MaxConcurrent, s.cfg.AdmissionQueue, s.cfg.AdmissionWait = 1, 1, 300*time.Millisecond
	s.admission = newAdmission(1, 1, 300*time.Millisecond)
	s.echo = s.routes()
	s.fhir = fhir.NewClient(fhir.ClientConfig{QueryTimeout: 10 * time.Second}, srv.Client())
	slow := edit(t, upa, func(m map[string]any) {
		delete(m["prefetch"].(map[string]any), "patient")
		m["fhirServer"] = srv.URL + "/fhir"
	})
	fast := readFile(t, upa)

	first := make(chan int, 1)
	go func() { first <- s.do(t, "POST", "/cds-services/order-select", slow).Code }()
	require.Eventually(t, func() bool { return s.admission.inFlight() == 1 }, 5*time.Second, 5*time.Millisecond)

	// One call may wait (the queue holds one): it times out after the wait.
	waited := make(chan *httptest.ResponseRecorder, 1)
	start := time.Now()
	go func() { waited <- s.do(t, "POST", "/cds-services/order-select", fast) }()
	require.Eventually(t, func() bool { return s.admission.waiting.Load() == 1 }, 5*time.Second, time.Millisecond)
	// The queue is full: refused at once.
	rec := s.do(t, "POST", "/cds-services/order-select", fast)
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
	assert.Equal(t, "1", rec.Header().Get("Retry-After"))
	assert.Contains(t, rec.Body.String(), "transient")

	w := <-waited
	assert.Equal(t, http.StatusServiceUnavailable, w.Code, w.Body.String())
	assert.Equal(t, "1", w.Header().Get("Retry-After"))
	assert.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond, "it waited before giving up")

	// Feedback has slots of its own (TestHangingFeedbackStoreLeavesHookCallsAlone):
	// it is stored while every hook slot is taken.
	fb := s.do(t, "POST", "/cds-services/order-select/feedback", []byte(`{"feedback":[]}`))
	assert.Equal(t, http.StatusOK, fb.Code, fb.Body.String())

	// A waiting call gets the slot when it frees within the wait.
	got := make(chan int, 1)
	go func() { got <- s.do(t, "POST", "/cds-services/order-select", fast).Code }()
	require.Eventually(t, func() bool { return s.admission.waiting.Load() == 1 }, 5*time.Second, time.Millisecond)
	free()
	assert.Equal(t, 200, <-first)
	assert.Equal(t, 200, <-got)

	// Discovery and health take no slot.
	assert.Equal(t, 200, s.do(t, "GET", "/cds-services", nil).Code)

	body := s.do(t, "GET", "/metrics", nil).Body.String()
	assert.Contains(t, body, `jakguard_admission_rejected_total{reason="queue_full"} 1`)
	assert.Contains(t, body, `jakguard_admission_rejected_total{reason="wait_timeout"} 1`)
	assert.Contains(t, body, `jakguard_evaluations_max 1`)
}

// hangingReplay is a replay store on a frozen database connection that
// ignores its context.
type hangingReplay struct{ release chan struct{} }

func (h hangingReplay) Seen(context.Context, string, string, time.Time) (bool, error) {
	<-h.release
	return false, nil
}

// The deadline starts before authentication: a replay store that hangs
// never holds a hook call past --deadline; it answers 503 with
// Retry-After (not 401, not a hang). The review saw one call hang 80 s.
func TestHangingReplayStoreBoundedByDeadline(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	require.NoError(t, err)
	pad := func(b *big.Int) string { return base64.RawURLEncoding.EncodeToString(b.FillBytes(make([]byte, 48))) }
	jwks, _ := json.Marshal(map[string]any{"keys": []any{map[string]any{"kty": "EC", "crv": "P-384", "kid": "k1", "use": "sig", "alg": "ES384", "x": pad(key.X), "y": pad(key.Y)}}})
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "jwks.json"), jwks, 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "clients.json"), []byte(`{"clients":[{"issuer":"`+testIssuer+`","jwks_file":"jwks.json"}]}`), 0o600))
	clients, err := auth.LoadClients(filepath.Join(dir, "clients.json"))
	require.NoError(t, err)
	h := hangingReplay{release: make(chan struct{})}
	defer close(h.release)
	// The replay check's own timeout is long here, so that only the
	// request deadline can end the wait.
	v, err := auth.NewVerifier(context.Background(), auth.Config{PublicURL: "http://127.0.0.1:8080", Now: func() time.Time { return testNow }, ReplayTimeout: time.Minute},
		clients, h, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	const deadline = 300 * time.Millisecond
	s := newTestServer(t, serverOpts{noStore: true, deadline: deadline})
	s.verifier = v
	s.echo = s.routes()
	start := time.Now()
	rec := s.do(t, "POST", "/cds-services/order-select", readFile(t, "testdata/requests/order-select-upadacitinib.json"),
		"Authorization", "Bearer "+token(t, key, "http://127.0.0.1:8080/cds-services/order-select", nil))
	elapsed := time.Since(start)
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code, rec.Body.String())
	assert.NotEmpty(t, rec.Header().Get("Retry-After"))
	assert.Less(t, elapsed, deadline+time.Second, "answered within --deadline plus 1 s")
}

// With authentication, unknown paths and methods still answer 404 and 405
// (not 401).
func TestAuthDoesNotClaimUnknownRoutes(t *testing.T) {
	s, _ := authServer(t)
	assert.Equal(t, http.StatusNotFound, s.do(t, "GET", "/no/such/path", nil).Code)
	assert.Equal(t, http.StatusMethodNotAllowed, s.do(t, "GET", "/cds-services/order-select", nil).Code)
}

// Once shutting down (readiness off), answers ask the client to close its
// keep-alive connection.
func TestDrainHeader(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	assert.Empty(t, s.do(t, "GET", "/healthz", nil).Header().Get("Connection"))
	s.SetReady(false)
	assert.Equal(t, "close", s.do(t, "GET", "/healthz", nil).Header().Get("Connection"))
	assert.Equal(t, "close", s.do(t, "POST", "/cds-services/order-select", readFile(t, "testdata/requests/order-select-upadacitinib.json")).Header().Get("Connection"))
}

// A body sent slowly cannot hold an evaluation slot past the deadline: the
// connection's read deadline (--deadline plus a second) ends the upload.
func TestSlowBodyBoundedByDeadline(t *testing.T) {
	const deadline = 300 * time.Millisecond
	s := newTestServer(t, serverOpts{noStore: true, deadline: deadline})
	srv := httptest.NewServer(s)
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	_, err = fmt.Fprintf(conn, "POST /cds-services/order-select HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"hook\":")
	require.NoError(t, err)
	start := time.Now()
	stop := make(chan struct{})
	defer close(stop)
	go func() { // one byte every 100 ms, never finishing
		for {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
				if _, err := conn.Write([]byte(" ")); err != nil {
					return
				}
			}
		}
	}()
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	elapsed := time.Since(start)
	if err == nil {
		resp.Body.Close()
		assert.GreaterOrEqual(t, resp.StatusCode, 400)
	}
	assert.Less(t, elapsed, deadline+3*time.Second, "the slow upload was cut at the deadline (err %v)", err)
	assert.Zero(t, s.admission.inFlight(), "its slot is free again")
}
