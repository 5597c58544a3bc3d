package auth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"jakguard/internal/syncbuf"
)

func TestRemoteJWKS(t *testing.T) {
	a := mustKey(t, "ES384", "remote-a")
	b := mustKey(t, "RS384", "remote-b")
	now := testNow
	tokenFor := func(k testKey, hdr map[string]any) string {
		return "Bearer " + sign(t, k, claimsAt(now, testPath), hdr)
	}

	t.Run("jwks_url over TLS: valid token", func(t *testing.T) {
		srv := newJWKSServer(t, true, jwksJSON(t, a))
		v := mustVerifier(t, Config{PublicURL: testPublic, Now: fixedClock(now)}, []Client{{Issuer: testIssuer, JWKSURL: srv.URL}}, nil, srv.Client(), nil)
		if _, err := v.Verify(t.Context(), tokenFor(a, nil), testPath); err != nil {
			t.Fatal(err)
		}
		if _, err := v.Verify(t.Context(), tokenFor(a, map[string]any{"jku": srv.URL}), testPath); err != nil {
			t.Fatalf("jku equal to jwks_url: %v", err)
		}
		if got := srv.hits.Load(); got != 1 {
			t.Fatalf("JWKS fetched %d times, want 1 (cached)", got)
		}
	})

	t.Run("unknown kid: one refresh, then 401 without refetch", func(t *testing.T) {
		srv := newJWKSServer(t, true, jwksJSON(t, a))
		v := mustVerifier(t, Config{PublicURL: testPublic, Now: fixedClock(now)}, []Client{{Issuer: testIssuer, JWKSURL: srv.URL}}, nil, srv.Client(), nil)
		for i := range 3 {
			_, err := v.Verify(t.Context(), tokenFor(b, nil), testPath)
			if !errors.Is(err, ErrKeys) {
				t.Fatalf("attempt %d: %v, want ErrKeys", i+1, err)
			}
		}
		if got := srv.hits.Load(); got != 2 {
			t.Fatalf("JWKS fetched %d times, want 2 (start-up + one refresh)", got)
		}
	})

	t.Run("key rotation: a new kid is picked up by the refresh", func(t *testing.T) {
		srv := newJWKSServer(t, true, jwksJSON(t, a))
		v := mustVerifier(t, Config{PublicURL: testPublic, Now: fixedClock(now), RefreshInterval: time.Millisecond},
			[]Client{{Issuer: testIssuer, JWKSURL: srv.URL}}, nil, srv.Client(), nil)
		srv.set(jwksJSON(t, a, b))
		if _, err := v.Verify(t.Context(), tokenFor(b, nil), testPath); err != nil {
			t.Fatalf("rotated key: %v", err)
		}
	})

	t.Run("JWKS URL down: start-up survives, calls get 401", func(t *testing.T) {
		srv := newJWKSServer(t, true, jwksJSON(t, a))
		srv.fail.Store(true)
		logs := &syncbuf.Buffer{}
		v := mustVerifier(t, Config{PublicURL: testPublic, Now: fixedClock(now)}, []Client{{Issuer: testIssuer, JWKSURL: srv.URL}}, nil, srv.Client(), newLogger(logs))
		if _, err := v.Verify(t.Context(), tokenFor(a, nil), testPath); !errors.Is(err, ErrKeys) {
			t.Fatalf("Verify = %v, want ErrKeys", err)
		}
		if !strings.Contains(logs.String(), "cannot fetch JWK Set") {
			t.Fatalf("outage not logged: %s", logs)
		}
	})

	t.Run("JWKS URL unreachable", func(t *testing.T) {
		srv := newJWKSServer(t, true, jwksJSON(t, a))
		srv.Close()
		v := mustVerifier(t, Config{PublicURL: testPublic, Now: fixedClock(now)}, []Client{{Issuer: testIssuer, JWKSURL: srv.URL}}, nil, srv.Client(), nil)
		if _, err := v.Verify(t.Context(), tokenFor(a, nil), testPath); !errors.Is(err, ErrKeys) {
			t.Fatalf("Verify = %v, want ErrKeys", err)
		}
	})

	t.Run("TLS certificate not trusted", func(t *testing.T) {
		srv := newJWKSServer(t, true, jwksJSON(t, a))
		v := mustVerifier(t, Config{PublicURL: testPublic, Now: fixedClock(now)}, []Client{{Issuer: testIssuer, JWKSURL: srv.URL}}, nil, &http.Client{}, nil)
		if _, err := v.Verify(t.Context(), tokenFor(a, nil), testPath); !errors.Is(err, ErrKeys) {
			t.Fatalf("Verify = %v, want ErrKeys", err)
		}
	})

	t.Run("plain http on loopback with AllowHTTPKeys", func(t *testing.T) {
		srv := newJWKSServer(t, false, jwksJSON(t, a))
		v := mustVerifier(t, Config{PublicURL: testPublic, Now: fixedClock(now), AllowHTTPKeys: true}, []Client{{Issuer: testIssuer, JWKSURL: srv.URL}}, nil, nil, nil)
		if _, err := v.Verify(t.Context(), tokenFor(a, nil), testPath); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("jku only: keys fetched from the allow-listed jku", func(t *testing.T) {
		srv := newJWKSServer(t, true, jwksJSON(t, a))
		v := mustVerifier(t, Config{PublicURL: testPublic, Now: fixedClock(now)}, []Client{{Issuer: testIssuer, JKUAllowlist: []string{srv.URL + "/jwks.json"}}}, nil, srv.Client(), nil)
		if _, err := v.Verify(t.Context(), tokenFor(a, map[string]any{"jku": srv.URL + "/jwks.json"}), testPath); err != nil {
			t.Fatal(err)
		}
		hits := srv.hits.Load()
		for _, tc := range []struct {
			name string
			hdr  map[string]any
		}{
			{"jku not allow-listed", map[string]any{"jku": srv.URL + "/other.json"}},
			{"jku on a foreign host", map[string]any{"jku": "https://evil.example.org/jwks.json"}},
			{"no jku", nil},
		} {
			if _, err := v.Verify(t.Context(), tokenFor(a, tc.hdr), testPath); !errors.Is(err, ErrJKU) {
				t.Errorf("%s: %v, want ErrJKU", tc.name, err)
			}
		}
		if got := srv.hits.Load(); got != hits {
			t.Errorf("refused jku caused %d fetches", got-hits)
		}
	})

	t.Run("allow-listed jku with configured keys: nothing is fetched", func(t *testing.T) {
		// The jku serves an attacker key under the configured kid.
		evil := mustKey(t, "ES384", "remote-evil")
		evilAsA := testKey{kid: a.kid, alg: evil.alg, priv: evil.priv}
		srv := newJWKSServer(t, true, jwksJSON(t, evilAsA))
		file := writeFile(t, t.TempDir(), "jwks.json", jwksJSON(t, a))
		v := mustVerifier(t, Config{PublicURL: testPublic, Now: fixedClock(now)},
			[]Client{{Issuer: testIssuer, JWKSFile: file, JKUAllowlist: []string{srv.URL}}}, nil, srv.Client(), nil)
		_, err := v.Verify(t.Context(), tokenFor(evilAsA, map[string]any{"jku": srv.URL}), testPath)
		if !errors.Is(err, ErrSignature) {
			t.Fatalf("Verify = %v, want ErrSignature", err)
		}
		if _, err := v.Verify(t.Context(), tokenFor(a, map[string]any{"jku": srv.URL}), testPath); err != nil {
			t.Fatalf("configured key: %v", err)
		}
		if got := srv.hits.Load(); got != 0 {
			t.Fatalf("jku fetched %d times, want 0", got)
		}
	})

	t.Run("JWKS holding only a broken RSA key", func(t *testing.T) {
		srv := newJWKSServer(t, true, []byte(`{"keys":[{"kty":"RSA","kid":"weak","n":"wZ8","e":"AQAB"}]}`))
		v := mustVerifier(t, Config{PublicURL: testPublic, Now: fixedClock(now)}, []Client{{Issuer: testIssuer, JWKSURL: srv.URL}}, nil, srv.Client(), nil)
		tok := "Bearer " + rawToken(t, map[string]any{"alg": "RS384", "kid": "weak"}, claimsAt(now, testPath), "c2ln")
		if _, err := v.Verify(t.Context(), tok, testPath); !errors.Is(err, ErrKeys) && !errors.Is(err, ErrSignature) {
			t.Fatalf("Verify = %v, want refusal", err)
		}
	})
}

// JWK Set downloads follow no redirect at all, wherever it leads.
func TestKeyHTTPClientRedirects(t *testing.T) {
	c := keyHTTPClient(nil)
	for _, target := range []string{"https://ehr.example.org/j", "https://evil.example/j", "http://127.0.0.1:9/j"} {
		req, err := http.NewRequest(http.MethodGet, target, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.CheckRedirect(req, []*http.Request{req}); err == nil {
			t.Errorf("redirect to %s followed", target)
		}
	}
}

// The attack of the security review: an allow-listed jku that redirects to
// another host serving the attacker's keys. The redirect is not followed,
// so a token signed with the attacker's key is refused.
func TestJKURedirectNotFollowed(t *testing.T) {
	attacker := mustKey(t, "ES384", "attacker-key")
	evil := newJWKSServer(t, false, jwksJSON(t, attacker))
	var hits atomic.Int64
	redirecting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Redirect(w, r, evil.URL+"/jwks.json", http.StatusFound)
	}))
	defer redirecting.Close()
	jku := redirecting.URL + "/.well-known/jwks.json"
	v := mustVerifier(t, Config{PublicURL: testPublic, Now: fixedClock(testNow), AllowHTTPKeys: true},
		[]Client{{Issuer: testIssuer, JKUAllowlist: []string{jku}}}, nil, nil, nil)
	tok := sign(t, attacker, claimsAt(testNow, testPath), map[string]any{"jku": jku})
	_, err := v.Verify(t.Context(), "Bearer "+tok, testPath)
	if !errors.Is(err, ErrKeys) {
		t.Fatalf("Verify = %v, want ErrKeys", err)
	}
	if hits.Load() == 0 {
		t.Fatal("the allow-listed jku was never asked")
	}
	if evil.hits.Load() != 0 {
		t.Fatalf("the redirect target was fetched %d times", evil.hits.Load())
	}
}

func TestCheckPublicKey(t *testing.T) {
	rsa1024, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	p224, err := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		key  any
		ok   bool
	}{
		{"P-384", mustKey(t, "ES384", "chk-es384").priv.Public(), true},
		{"P-256", mustKey(t, "ES256", "chk-es256").priv.Public(), true},
		{"RSA 2048", mustKey(t, "RS384", "chk-rs384").priv.Public(), true},
		{"RSA 1024", rsa1024.Public(), false},
		{"P-224", p224.Public(), false},
		{"HMAC secret", []byte("secret"), false},
		{"nil", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := checkPublicKey(tc.key); (err == nil) != tc.ok {
				t.Fatalf("checkPublicKey = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}
