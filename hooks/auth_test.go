package hooks

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/internal/auth"
)

const testIssuer = "https://ehr.example.org"

// authServer is a test server that trusts one EHR whose ES384 key it
// returns, with the clients file written to a temp dir.
func authServer(t *testing.T) (*testServer, *ecdsa.PrivateKey) {
	t.Helper()
	return authServerReplay(t, auth.NewMemoryReplay(func() time.Time { return testNow }))
}

// authServerReplay is authServer with the jti replay store given.
func authServerReplay(t *testing.T, replay auth.ReplayStore) (*testServer, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	require.NoError(t, err)
	pad := func(b *big.Int) string { return base64.RawURLEncoding.EncodeToString(b.FillBytes(make([]byte, 48))) }
	jwks := map[string]any{"keys": []any{map[string]any{"kty": "EC", "crv": "P-384", "kid": "k1", "use": "sig", "alg": "ES384",
		"x": pad(key.X), "y": pad(key.Y)}}}
	dir := t.TempDir()
	b, _ := json.Marshal(jwks)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "jwks.json"), b, 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "clients.json"),
		[]byte(`{"clients":[{"issuer":"`+testIssuer+`","jwks_file":"jwks.json"}]}`), 0o600))
	clients, err := auth.LoadClients(filepath.Join(dir, "clients.json"))
	require.NoError(t, err)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	v, err := auth.NewVerifier(context.Background(), auth.Config{PublicURL: "http://127.0.0.1:8080", Now: func() time.Time { return testNow }},
		clients, replay, nil, logger)
	require.NoError(t, err)
	s := newTestServer(t, serverOpts{metrics: true})
	s.verifier = v
	v.OnFailure = s.metrics.AuthFailure
	s.echo = s.routes()
	return s, key
}

func token(t *testing.T, key *ecdsa.PrivateKey, aud string, mod func(jwt.MapClaims)) string {
	t.Helper()
	claims := jwt.MapClaims{"iss": testIssuer, "aud": aud, "iat": testNow.Unix(), "exp": testNow.Add(5 * time.Minute).Unix(), "jti": uuid.NewString()}
	if mod != nil {
		mod(claims)
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodES384, claims)
	tok.Header["kid"] = "k1"
	s, err := tok.SignedString(key)
	require.NoError(t, err)
	return s
}

// With a clients file every call to discovery, a service or feedback needs
// a valid JWT whose aud is the URL called; preflight and health never do.
func TestAuthRequired(t *testing.T) {
	s, key := authServer(t)
	base := "http://127.0.0.1:8080"
	upa := readFile(t, "testdata/requests/order-select-upadacitinib.json")
	replayed := token(t, key, base+"/cds-services", nil)
	cases := []struct {
		name   string
		method string
		path   string
		body   []byte
		auth   string
		status int
	}{
		{"discovery without a token", "GET", "/cds-services", nil, "", 401},
		{"discovery with a valid token", "GET", "/cds-services", nil, "Bearer " + replayed, 200},
		{"the same token again (replay)", "GET", "/cds-services", nil, "Bearer " + replayed, 401},
		{"service with a token for discovery's URL", "POST", "/cds-services/order-select", upa, "Bearer " + token(t, key, base+"/cds-services", nil), 401},
		{"service with a valid token", "POST", "/cds-services/order-select", upa, "Bearer " + token(t, key, base+"/cds-services/order-select", nil), 200},
		{"service with aud as an array", "POST", "/cds-services/order-select", upa, "Bearer " + token(t, key, "", func(c jwt.MapClaims) {
			c["aud"] = []string{"https://other.example", base + "/cds-services/order-select"}
		}), 200},
		{"expired token", "POST", "/cds-services/order-select", upa, "Bearer " + token(t, key, base+"/cds-services/order-select", func(c jwt.MapClaims) {
			c["iat"] = testNow.Add(-20 * time.Minute).Unix()
			c["exp"] = testNow.Add(-10 * time.Minute).Unix()
		}), 401},
		{"unknown issuer", "POST", "/cds-services/order-select", upa, "Bearer " + token(t, key, base+"/cds-services/order-select", func(c jwt.MapClaims) { c["iss"] = "https://evil.example" }), 401},
		{"malformed header", "POST", "/cds-services/order-select", upa, "Bearer not.a.jwt", 401},
		{"feedback with its own aud", "POST", "/cds-services/order-select/feedback", []byte(`{"feedback":[]}`), "Bearer " + token(t, key, base+"/cds-services/order-select/feedback", nil), 200},
		{"feedback with the service's aud", "POST", "/cds-services/order-select/feedback", []byte(`{"feedback":[]}`), "Bearer " + token(t, key, base+"/cds-services/order-select", nil), 401},
		{"healthz needs none", "GET", "/healthz", nil, "", 200},
		{"readyz needs none", "GET", "/readyz", nil, "", 200},
		{"metrics needs none", "GET", "/metrics", nil, "", 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var hdr []string
			if tc.auth != "" {
				hdr = []string{"Authorization", tc.auth}
			}
			rec := s.do(t, tc.method, tc.path, tc.body, hdr...)
			assert.Equal(t, tc.status, rec.Code, rec.Body.String())
		})
	}
	t.Run("preflight needs none", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodOptions, "/cds-services/order-select", nil)
		req.Header.Set("Origin", "https://sandbox.cds-hooks.org")
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		assert.Equal(t, http.StatusNoContent, rec.Code)
	})
	t.Run("auth failures are counted by reason", func(t *testing.T) {
		rec := s.do(t, "GET", "/metrics", nil)
		assert.Contains(t, rec.Body.String(), `jakguard_auth_failures_total{reason="replay"} 1`)
		assert.Contains(t, rec.Body.String(), `jakguard_auth_failures_total{reason="missing"} 1`)
	})
}
