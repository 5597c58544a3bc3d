package main

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite"
)

// syncBuffer is a log sink the service and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// One client trickling a request body (a large prefetch over a slow link,
// or a stalled client) must not cost the buffered card and audit records
// at SIGTERM: --shutdown-timeout stops waiting for it, closes its
// connection, and the records of the calls answered meanwhile are still
// flushed within the same timeout; the exit error says what happened.
func TestShutdownWithStalledUploadFlushesRecords(t *testing.T) {
	dbFile := filepath.Join(t.TempDir(), "j.db")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	cfg, err := parseServe([]string{"--addr", ln.Addr().String(), "--db", "sqlite:" + dbFile,
		"--shutdown-timeout", "2s", "--shutdown-drain", "200ms"}, env(nil), io.Discard)
	require.NoError(t, err)
	var logs syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serveOn(ctx, ln, cfg, slog.New(slog.NewJSONHandler(&logs, nil))) }()
	base := "http://" + ln.Addr().String()
	require.Eventually(t, func() bool { return healthy(base) }, 5*time.Second, 20*time.Millisecond)

	// The stalled upload: headers and the first byte of a 100 kB body.
	c, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Write([]byte("POST /cds-services/order-select HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"))
	require.NoError(t, err)

	body, err := os.ReadFile("../../testdata/requests/order-select-upadacitinib.json")
	require.NoError(t, err)
	start := time.Now()
	cancel() // SIGTERM
	// A call answered during the drain: its records are buffered.
	time.Sleep(50 * time.Millisecond)
	resp, err := http.Post(base+"/cds-services/order-select", "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)

	err = <-done
	took := time.Since(start)
	require.Error(t, err, "a call was cut: the exit is not clean")
	assert.Contains(t, err.Error(), "--shutdown-timeout")
	assert.Less(t, took, 2500*time.Millisecond, "exits within --shutdown-timeout")
	assert.NotContains(t, logs.String(), "flushing card records", "the recorder had no time left to flush")

	// The connection of the stalled upload was closed by the service.
	require.NoError(t, c.SetReadDeadline(time.Now().Add(time.Second)))
	n, rerr := c.Read(make([]byte, 1))
	assert.True(t, n == 0 && rerr != nil && !isTimeout(rerr), "stalled connection closed: %v", rerr)

	db, err := sql.Open("sqlite", dbFile)
	require.NoError(t, err)
	defer db.Close()
	// (The cut upload may be audited too, as a 400, when its handler ends
	// before the recorder closes.)
	var audits int
	require.NoError(t, db.QueryRow(`SELECT count(*) FROM audit WHERE status = 200 AND hook_instance = 'd1577c69-dfbe-44ad-ba6d-3e05e953b2ea'`).Scan(&audits))
	assert.Equal(t, 1, audits, "the call answered during the drain is in the audit trail")
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// A second SIGTERM (or Ctrl-C) while serve drains ends the process at
// once: the first starts the graceful shutdown, and an operator who will
// not wait for it is not left with a process that ignores every signal
// but SIGKILL until --shutdown-timeout.
func TestSecondSignalEndsShutdown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(binary, "serve", "--addr", addr, "--db", "sqlite:"+filepath.Join(t.TempDir(), "j.db"),
		"--shutdown-timeout", "60s", "--shutdown-drain", "30s")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	var logs syncBuffer
	cmd.Stdout, cmd.Stderr = io.Discard, &logs
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-done })
	require.Eventually(t, func() bool { return healthy("http://" + addr) }, 10*time.Second, 20*time.Millisecond, logs.String())

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), "shutting down") },
		5*time.Second, 10*time.Millisecond, logs.String())
	select {
	case err := <-done:
		t.Fatalf("the process ended before the second signal, during a 30 s drain: %v\n%s", err, logs.String())
		return
	case <-time.After(200 * time.Millisecond):
	}
	start := time.Now()
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-done:
		assert.Error(t, err, "ended by the signal, not a clean exit")
		assert.Less(t, time.Since(start), 5*time.Second)
		done <- err // for the cleanup
	case <-time.After(10 * time.Second):
		t.Fatalf("a second SIGTERM did not end the process during the drain\n%s", logs.String())
	}
}
