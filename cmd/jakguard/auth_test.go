package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// With --clients, discovery needs a JWT (401 without, CORS header still
// there), health does not; a bad clients file stops start-up.
func TestServeWithClients(t *testing.T) {
	base, stop := startServe(t, "--clients", "../../testdata/auth/sandbox-clients.json", "--db", "sqlite:"+filepath.Join(t.TempDir(), "j.db"))
	req, _ := http.NewRequest(http.MethodGet, base+"/cds-services", nil)
	req.Header.Set("Origin", "https://sandbox.cds-hooks.org")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Empty(t, body)
	assert.NotEmpty(t, resp.Header.Get("Access-Control-Allow-Origin"))
	require.NoError(t, stop())

	ln2, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln2.Close()
	bad, err := parseServe([]string{"--addr", ln2.Addr().String(), "--clients", "/no/such/clients.json", "--db", "sqlite::memory:"}, env(nil), io.Discard)
	require.NoError(t, err)
	err = serveOn(context.Background(), ln2, bad, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "--clients")
}
