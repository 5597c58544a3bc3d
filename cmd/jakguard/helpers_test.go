package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// healthy reports whether the service at base answers /healthz with 200.
func healthy(base string) bool {
	resp, err := http.Get(base + "/healthz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// startServe runs serveOn on a free loopback port with the given serve
// flags (--addr is added), waits for /healthz, and returns the base URL and
// a stop function that cancels the service and returns serveOn's error.
func startServe(t *testing.T, args ...string) (base string, stop func() error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	cfg, err := parseServe(append([]string{"--addr", ln.Addr().String()}, args...), env(nil), io.Discard)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serveOn(ctx, ln, cfg, slog.New(slog.NewTextHandler(io.Discard, nil))) }()
	base = "http://" + ln.Addr().String()
	require.Eventually(t, func() bool { return healthy(base) }, 5*time.Second, 20*time.Millisecond)
	var stopped bool
	var stopErr error
	stop = func() error {
		if !stopped {
			stopped = true
			cancel()
			stopErr = <-done
		}
		return stopErr
	}
	t.Cleanup(func() { _ = stop() })
	return base, stop
}
