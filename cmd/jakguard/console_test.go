package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/internal/console"
)

const opToken = "serve-test-operator-token-0123456789"

// Who may open the console: the token file's holders; without it a
// loopback server without --clients (a developer); else nobody.
func TestOperatorAuthMode(t *testing.T) {
	dir := t.TempDir()
	tokens := writeTestFile(t, dir, "operators", "# ops\n"+opToken+"\n")
	for _, tc := range []struct {
		name string
		cfg  serveConfig
		want console.Mode
	}{
		{"token file", serveConfig{addr: "0.0.0.0:8080", clients: "c.json", operatorTokenFile: tokens}, console.TokenAuth},
		{"token file on loopback", serveConfig{addr: "127.0.0.1:8080", operatorTokenFile: tokens}, console.TokenAuth},
		{"loopback without clients", serveConfig{addr: "127.0.0.1:8080"}, console.Open},
		{"localhost without clients", serveConfig{addr: "localhost:8080"}, console.Open},
		{"loopback with clients", serveConfig{addr: "127.0.0.1:8080", clients: "c.json"}, console.Off},
		{"all interfaces without clients (--allow-unauthenticated)", serveConfig{addr: ":8080"}, console.Off},
		{"a public address", serveConfig{addr: "10.1.2.3:8080", clients: "c.json"}, console.Off},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, tk, err := operatorAuth(&tc.cfg)
			require.NoError(t, err)
			assert.Equal(t, tc.want, m)
			assert.Equal(t, tc.want == console.TokenAuth, tk.Match(opToken))
		})
	}
}

// serve refuses to start with an empty or weak token file, before the
// database is created, and never prints a token.
func TestOperatorTokenFileRefused(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{"empty": "# nothing\n", "short": "s3cret-short\n"} {
		t.Run(name, func(t *testing.T) {
			f := writeTestFile(t, dir, name, text)
			dbFile := filepath.Join(dir, name+".db")
			r := jak(t, "", nil, "serve", "--addr", "127.0.0.1:0", "--operator-token-file", f, "--db", "sqlite:"+dbFile)
			assert.Equal(t, 1, r.code)
			assert.Contains(t, r.stderr, "--operator-token-file")
			assert.NotContains(t, r.stderr, "s3cret")
			_, err := os.Stat(dbFile)
			assert.True(t, os.IsNotExist(err), "the database was created before the token file was checked")
		})
	}
	r := jak(t, "", []string{"JAKGUARD_OPERATOR_TOKEN_FILE=" + filepath.Join(dir, "missing")}, "serve", "--addr", "127.0.0.1:0", "--db", "sqlite::memory:")
	assert.Equal(t, 1, r.code)
	assert.True(t, strings.Contains(r.stderr, "--operator-token-file"), r.stderr)
}

// End to end with a token file: the console API needs the token; the hook
// endpoints refuse it.
func TestServeOperatorToken(t *testing.T) {
	dir := t.TempDir()
	tokens := writeTestFile(t, dir, "operators", opToken+"\n")
	base, _ := startServe(t, "--db", "sqlite:"+filepath.Join(dir, "fb.db"), "--operator-token-file", tokens)
	get := func(path, token string) int {
		req, _ := http.NewRequest("GET", base+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	assert.Equal(t, 401, get("/console/api/findings", ""))
	assert.Equal(t, 200, get("/console/api/findings", opToken))
	assert.Equal(t, 200, get("/console/", ""), "the page holds no data")
	assert.Equal(t, 200, get("/cds-services", ""), "loopback development server: hooks unauthenticated")
	assert.Equal(t, 401, get("/cds-services", opToken), "an operator token is refused on EHR endpoints")
}
