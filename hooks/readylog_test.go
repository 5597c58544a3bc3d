package hooks

import (
	"bytes"
	"log/slog"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// /readyz answering 503 is a state the probes poll, not a failed request:
// during every rolling update (shutting down) and every database outage
// (already one WARN from the readiness check) a probe every few seconds
// must not log an ERROR "request failed" each time (docs/deployment.md,
// "Probes": both log at debug level only). Hook calls that answer 5xx
// still log their ERROR.
func TestReadinessFailureIsNoErrorLog(t *testing.T) {
	s := newTestServer(t, serverOpts{})
	var logs bytes.Buffer
	s.logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	s.echo = s.routes()

	s.SetReady(false)
	assert.Equal(t, http.StatusServiceUnavailable, s.do(t, "GET", "/readyz", nil).Code)
	assert.NotContains(t, logs.String(), `"level":"ERROR"`, "shutting down is no error")

	s.SetReady(true)
	require.NoError(t, s.store.Close())
	logs.Reset()
	assert.Equal(t, http.StatusServiceUnavailable, s.do(t, "GET", "/readyz", nil).Code)
	assert.NotContains(t, logs.String(), `"level":"ERROR"`, "the store outage is logged once per probe, as a warning")
	assert.Contains(t, logs.String(), "readiness: feedback store unreachable")
}
