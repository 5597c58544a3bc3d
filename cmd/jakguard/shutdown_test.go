package main

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// At SIGTERM no POST on a keep-alive connection is reset (the review saw
// 8): readiness fails first and answers ask clients to close their
// connections (Connection: close), then Shutdown. Concurrent clients post
// hook calls on keep-alive connections throughout; once an answer tells a
// client to close, it goes elsewhere, as a load balancer that saw
// readiness fail sends new connections to other replicas. Every call gets
// its answer; none is reset or cut after it was sent.
func TestShutdownKeepsKeepAliveCallsWhole(t *testing.T) {
	body, err := os.ReadFile("../../testdata/requests/order-select-upadacitinib.json")
	require.NoError(t, err)
	base, stop := startServe(t, "--db", "sqlite:"+filepath.Join(t.TempDir(), "j.db"), "--shutdown-drain", "300ms")

	const clients = 8
	var (
		ok, moved, broken atomic.Int64
		mu                sync.Mutex
		brokenErrs        []string
		wg                sync.WaitGroup
		stopping          atomic.Bool
	)
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tr := &http.Transport{MaxIdleConnsPerHost: 1, DisableCompression: true}
			defer tr.CloseIdleConnections()
			c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
			for {
				resp, err := c.Post(base+"/cds-services/order-select", "application/json", bytes.NewReader(body))
				if err != nil {
					if errors.Is(err, syscall.ECONNREFUSED) && stopping.Load() {
						moved.Add(1)
						return
					}
					broken.Add(1)
					mu.Lock()
					brokenErrs = append(brokenErrs, err.Error())
					mu.Unlock()
					if stopping.Load() {
						return
					}
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == 200 {
					ok.Add(1)
				} else {
					broken.Add(1)
					mu.Lock()
					brokenErrs = append(brokenErrs, resp.Status)
					mu.Unlock()
				}
				if resp.Close {
					moved.Add(1) // to another replica
					return
				}
			}
		}()
	}
	require.Eventually(t, func() bool { return ok.Load() > 50 }, 10*time.Second, 10*time.Millisecond)
	stopping.Store(true)
	require.NoError(t, stop())
	wg.Wait()
	assert.Zero(t, broken.Load(), "calls broken at shutdown: %v", brokenErrs)
	assert.Equal(t, int64(clients), moved.Load(), "every client was told to close its connection")
}
