package main

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Request headers are bounded to maxHeaderBytes (64 KiB; net/http reads
// up to 4 KiB past it before it refuses): Go's default, 1 MiB, let every
// connection, authenticated or not, hold a megabyte for the 10 s of
// ReadHeaderTimeout, and a megabyte JWT reach the verifier. A CDS Hooks
// call's headers (an ES384 or RS384 JWT of 1-2 KB) are far below it.
func TestRequestHeadersBounded(t *testing.T) {
	base, _ := startServe(t, "--db", "sqlite:"+filepath.Join(t.TempDir(), "j.db"))
	send := func(pad int) int {
		t.Helper()
		conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
		require.NoError(t, err)
		defer conn.Close()
		require.NoError(t, conn.SetDeadline(time.Now().Add(10*time.Second)))
		go fmt.Fprintf(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: %s\r\n\r\n", strings.Repeat("a", pad))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	assert.Equal(t, http.StatusOK, send(8<<10), "8 KiB of headers")
	assert.Equal(t, http.StatusOK, send(maxHeaderBytes-1<<10), "just under the bound")
	assert.Equal(t, http.StatusRequestHeaderFieldsTooLarge, send(maxHeaderBytes+4<<10+1), "past the bound and net/http's 4 KiB")
	assert.Equal(t, http.StatusRequestHeaderFieldsTooLarge, send(1<<20-8<<10), "under Go's default of 1 MiB")
}
