package auth

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// fileEnv is a verifier trusting testIssuer with ES384, RS384 and ES256 keys
// from a jwks_file, plus a tenant-restricted second client.
type fileEnv struct {
	es384, rs384, es256, other testKey
	jwksFile                   string
}

const tenantIssuer = "https://tenanted.example.org"

func newFileEnv(t *testing.T) fileEnv {
	t.Helper()
	e := fileEnv{
		es384: mustKey(t, "ES384", "es384-a"),
		rs384: mustKey(t, "RS384", "rs384-a"),
		es256: mustKey(t, "ES256", "es256-a"),
		other: mustKey(t, "ES384", "es384-other"),
	}
	e.jwksFile = writeFile(t, t.TempDir(), "jwks.json", jwksJSON(t, e.es384, e.rs384, e.es256))
	return e
}

func (e fileEnv) clients() []Client {
	return []Client{
		{Issuer: testIssuer, JWKSFile: e.jwksFile, JKUAllowlist: []string{"https://ehr.example.org/jwks.json"}, MaxTokenLifetime: DefaultMaxTokenLifetime},
		{Issuer: tenantIssuer, JWKSFile: e.jwksFile, Tenants: []string{"t1", "t2"}},
	}
}

func TestVerifyMatrix(t *testing.T) {
	e := newFileEnv(t)
	now := testNow
	type mod func(c jwt.MapClaims, h map[string]any)
	bearerOf := func(k testKey, m mod) string {
		c := claimsAt(now, testPath)
		h := map[string]any{}
		if m != nil {
			m(c, h)
		}
		return "Bearer " + sign(t, k, c, h)
	}
	sandboxPub, err := x509.MarshalPKIXPublicKey(e.rs384.priv.Public())
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: sandboxPub})

	tests := []struct {
		name   string
		auth   func() string
		path   string
		algs   []string
		want   error // nil: accepted
		tenant string
	}{
		{name: "valid ES384", auth: func() string { return bearerOf(e.es384, nil) }},
		{name: "valid RS384", auth: func() string { return bearerOf(e.rs384, nil) }},
		{name: "scheme is case-insensitive", auth: func() string { return "bearer " + strings.TrimPrefix(bearerOf(e.es384, nil), "Bearer ") }},
		{name: "ES256 refused unless configured", auth: func() string { return bearerOf(e.es256, nil) }, want: ErrAlgorithm},
		{name: "ES256 accepted when configured", auth: func() string { return bearerOf(e.es256, nil) }, algs: []string{"ES384", "RS384", "ES256"}},
		{name: "missing header", auth: func() string { return "" }, want: ErrMissing},
		{name: "Bearer without token", auth: func() string { return "Bearer " }, want: ErrMissing},
		{name: "Basic scheme", auth: func() string { return "Basic dXNlcjpwYXNz" }, want: ErrMalformed},
		{name: "two segments", auth: func() string { return "Bearer abc.def" }, want: ErrMalformed},
		{name: "garbage base64", auth: func() string { return "Bearer !!!.@@@.###" }, want: ErrMalformed},
		{name: "header not JSON", auth: func() string { return "Bearer " + b64([]byte("nope")) + ".e30.c2ln" }, want: ErrMalformed},
		{name: "unknown alg", auth: func() string {
			return "Bearer " + rawToken(t, map[string]any{"alg": "XX999", "kid": e.es384.kid}, claimsAt(now, testPath), "c2ln")
		}, want: ErrAlgorithm},
		{name: "alg none", auth: func() string {
			return "Bearer " + rawToken(t, map[string]any{"alg": "none", "typ": "JWT", "kid": e.es384.kid}, claimsAt(now, testPath), "")
		}, want: ErrAlgorithm},
		{name: "alg none, capitalised", auth: func() string {
			return "Bearer " + rawToken(t, map[string]any{"alg": "None", "kid": e.es384.kid}, claimsAt(now, testPath), "")
		}, want: ErrAlgorithm},
		{name: "HS256 signed with the RSA public key (alg confusion)", auth: func() string {
			tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claimsAt(now, testPath))
			tok.Header["kid"] = e.rs384.kid
			s, err := tok.SignedString(pubPEM)
			if err != nil {
				t.Fatal(err)
			}
			return "Bearer " + s
		}, want: ErrAlgorithm},
		{name: "RS384 header on an ES384 signature", auth: func() string {
			s := strings.Split(strings.TrimPrefix(bearerOf(e.es384, nil), "Bearer "), ".")
			h := b64([]byte(`{"alg":"RS384","typ":"JWT","kid":"` + e.rs384.kid + `"}`))
			return "Bearer " + h + "." + s[1] + "." + s[2]
		}, want: ErrSignature},
		{name: "no kid", auth: func() string { return bearerOf(e.es384, func(_ jwt.MapClaims, h map[string]any) { h["kid"] = nil }) }, want: ErrMalformed},
		{name: "unknown kid", auth: func() string {
			return bearerOf(e.es384, func(_ jwt.MapClaims, h map[string]any) { h["kid"] = "nobody" })
		}, want: ErrKeys},
		{name: "signed by another key under a known kid", auth: func() string {
			return bearerOf(e.other, func(_ jwt.MapClaims, h map[string]any) { h["kid"] = e.es384.kid })
		}, want: ErrSignature},
		{name: "payload tampered", auth: func() string {
			s := strings.Split(strings.TrimPrefix(bearerOf(e.es384, nil), "Bearer "), ".")
			c := claimsAt(now, testPath)
			c["iss"] = testIssuer
			c["tenant"] = "evil"
			return "Bearer " + s[0] + "." + strings.Split(rawToken(t, map[string]any{}, c, ""), ".")[1] + "." + s[2]
		}, want: ErrSignature},
		{name: "crit header", auth: func() string {
			return bearerOf(e.es384, func(_ jwt.MapClaims, h map[string]any) { h["crit"] = []string{"exp"} })
		}, want: ErrMalformed},
		{name: "typ other than JWT", auth: func() string {
			return bearerOf(e.es384, func(_ jwt.MapClaims, h map[string]any) { h["typ"] = "at+jwt" })
		}, want: ErrMalformed},
		{name: "typ jwt in lower case", auth: func() string {
			return bearerOf(e.es384, func(_ jwt.MapClaims, h map[string]any) { h["typ"] = "jwt" })
		}},
		{name: "unknown issuer", auth: func() string {
			return bearerOf(e.es384, func(c jwt.MapClaims, _ map[string]any) { c["iss"] = "https://evil.example.org" })
		}, want: ErrIssuer},
		{name: "no issuer", auth: func() string { return bearerOf(e.es384, func(c jwt.MapClaims, _ map[string]any) { delete(c, "iss") }) }, want: ErrIssuer},
		{name: "wrong aud", auth: func() string {
			return bearerOf(e.es384, func(c jwt.MapClaims, _ map[string]any) { c["aud"] = testPublic + "/cds-services/other" })
		}, want: ErrAudience},
		{name: "aud of discovery on a service call", auth: func() string {
			return bearerOf(e.es384, func(c jwt.MapClaims, _ map[string]any) { c["aud"] = testPublic + "/cds-services" })
		}, want: ErrAudience},
		{name: "aud of the service on its feedback", path: testPath + "/feedback", auth: func() string { return bearerOf(e.es384, nil) }, want: ErrAudience},
		{name: "aud with another host", auth: func() string {
			return bearerOf(e.es384, func(c jwt.MapClaims, _ map[string]any) { c["aud"] = "https://evil.example.org" + testPath })
		}, want: ErrAudience},
		{name: "aud as an array holding the URL", auth: func() string {
			return bearerOf(e.es384, func(c jwt.MapClaims, _ map[string]any) {
				c["aud"] = []string{"https://x.example", testPublic + testPath}
			})
		}},
		{name: "aud as an array without the URL", auth: func() string {
			return bearerOf(e.es384, func(c jwt.MapClaims, _ map[string]any) { c["aud"] = []string{"https://x.example", testPublic} })
		}, want: ErrAudience},
		{name: "aud missing", auth: func() string { return bearerOf(e.es384, func(c jwt.MapClaims, _ map[string]any) { delete(c, "aud") }) }, want: ErrAudience},
		{name: "aud not a string", auth: func() string { return bearerOf(e.es384, func(c jwt.MapClaims, _ map[string]any) { c["aud"] = 42 }) }, want: ErrMalformed},
		{name: "expired", auth: func() string {
			return bearerOf(e.es384, func(c jwt.MapClaims, _ map[string]any) {
				c["iat"], c["exp"] = now.Add(-10*time.Minute).Unix(), now.Add(-2*time.Minute).Unix()
			})
		}, want: ErrExpired},
		{name: "expired 30 s ago, within the skew", auth: func() string {
			return bearerOf(e.es384, func(c jwt.MapClaims, _ map[string]any) {
				c["iat"], c["exp"] = now.Add(-5*time.Minute).Unix(), now.Add(-30*time.Second).Unix()
			})
		}},
		{name: "no exp", auth: func() string { return bearerOf(e.es384, func(c jwt.MapClaims, _ map[string]any) { delete(c, "exp") }) }, want: ErrExpired},
		{name: "exp not a number", auth: func() string { return bearerOf(e.es384, func(c jwt.MapClaims, _ map[string]any) { c["exp"] = "soon" }) }, want: ErrMalformed},
		{name: "iat in the future", auth: func() string {
			return bearerOf(e.es384, func(c jwt.MapClaims, _ map[string]any) {
				c["iat"], c["exp"] = now.Add(2*time.Minute).Unix(), now.Add(7*time.Minute).Unix()
			})
		}, want: ErrIssuedAt},
		{name: "iat 30 s ahead, within the skew", auth: func() string {
			return bearerOf(e.es384, func(c jwt.MapClaims, _ map[string]any) { c["iat"] = now.Add(30 * time.Second).Unix() })
		}},
		{name: "no iat", auth: func() string { return bearerOf(e.es384, func(c jwt.MapClaims, _ map[string]any) { delete(c, "iat") }) }, want: ErrIssuedAt},
		{name: "nbf in the future", auth: func() string {
			return bearerOf(e.es384, func(c jwt.MapClaims, _ map[string]any) { c["nbf"] = now.Add(3 * time.Minute).Unix() })
		}, want: ErrIssuedAt},
		{name: "Epic-style 900 s lifetime", auth: func() string {
			return bearerOf(e.es384, func(c jwt.MapClaims, _ map[string]any) { c["exp"] = now.Add(15 * time.Minute).Unix() })
		}},
		{name: "lifetime too long", auth: func() string {
			return bearerOf(e.es384, func(c jwt.MapClaims, _ map[string]any) { c["exp"] = now.Add(2 * time.Hour).Unix() })
		}, want: ErrLifetime},
		{name: "exp before iat", auth: func() string {
			return bearerOf(e.es384, func(c jwt.MapClaims, _ map[string]any) {
				c["iat"] = now.Add(50 * time.Second).Unix()
				c["exp"] = now.Add(10 * time.Second).Unix()
			})
		}, want: ErrLifetime},
		{name: "missing jti", auth: func() string { return bearerOf(e.es384, func(c jwt.MapClaims, _ map[string]any) { delete(c, "jti") }) }, want: ErrJTI},
		{name: "empty jti", auth: func() string { return bearerOf(e.es384, func(c jwt.MapClaims, _ map[string]any) { c["jti"] = "" }) }, want: ErrJTI},
		{name: "jti too long", auth: func() string {
			return bearerOf(e.es384, func(c jwt.MapClaims, _ map[string]any) { c["jti"] = strings.Repeat("j", 300) })
		}, want: ErrJTI},
		{name: "jku not allow-listed", auth: func() string {
			return bearerOf(e.es384, func(_ jwt.MapClaims, h map[string]any) { h["jku"] = "https://evil.example.org/jwks.json" })
		}, want: ErrJKU},
		{name: "jku allow-listed, configured keys used", auth: func() string {
			return bearerOf(e.es384, func(_ jwt.MapClaims, h map[string]any) { h["jku"] = "https://ehr.example.org/jwks.json" })
		}},
		{name: "jku not a string", auth: func() string {
			return bearerOf(e.es384, func(_ jwt.MapClaims, h map[string]any) { h["jku"] = 7 })
		}, want: ErrMalformed},
		{name: "tenant allowed", tenant: "t2", auth: func() string {
			return bearerOf(e.es384, func(c jwt.MapClaims, _ map[string]any) { c["iss"] = tenantIssuer; c["tenant"] = "t2" })
		}},
		{name: "tenant not allowed", auth: func() string {
			return bearerOf(e.es384, func(c jwt.MapClaims, _ map[string]any) { c["iss"] = tenantIssuer; c["tenant"] = "t9" })
		}, want: ErrTenant},
		{name: "tenant missing where required", auth: func() string {
			return bearerOf(e.es384, func(c jwt.MapClaims, _ map[string]any) { c["iss"] = tenantIssuer })
		}, want: ErrTenant},
		{name: "tenant passed through when not restricted", tenant: "any", auth: func() string {
			return bearerOf(e.es384, func(c jwt.MapClaims, _ map[string]any) { c["tenant"] = "any" })
		}},
		{name: "oversized token", auth: func() string { return "Bearer " + strings.Repeat("a", maxTokenBytes+1) }, want: ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{PublicURL: testPublic + "/", Algorithms: tc.algs, Now: fixedClock(now)}
			v := mustVerifier(t, cfg, e.clients(), nil, nil, nil)
			path := tc.path
			if path == "" {
				path = testPath
			}
			got, err := v.Verify(t.Context(), tc.auth(), path)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Verify: %v (reason %s), want accepted", err, Reason(err))
				}
				if got.Issuer == "" || got.JTI == "" || got.Tenant != tc.tenant {
					t.Fatalf("caller = %+v, want issuer, jti and tenant %q", got, tc.tenant)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("Verify error = %v (reason %s), want %v", err, Reason(err), tc.want)
			}
			if got.Tenant != "" {
				t.Errorf("refused call reports tenant %q", got.Tenant)
			}
		})
	}
}

func TestVerifyReplay(t *testing.T) {
	e := newFileEnv(t)
	v := mustVerifier(t, Config{PublicURL: testPublic, Now: fixedClock(testNow)}, e.clients(), nil, nil, nil)
	c := claimsAt(testNow, testPath)
	tok := "Bearer " + sign(t, e.es384, c, nil)
	if _, err := v.Verify(t.Context(), tok, testPath); err != nil {
		t.Fatalf("first use: %v", err)
	}
	if _, err := v.Verify(t.Context(), tok, testPath); !errors.Is(err, ErrReplay) {
		t.Fatalf("second use: %v, want ErrReplay", err)
	}
	// The same jti in a freshly signed token is a replay too.
	tok2 := "Bearer " + sign(t, e.rs384, c, nil)
	if _, err := v.Verify(t.Context(), tok2, testPath); !errors.Is(err, ErrReplay) {
		t.Fatalf("same jti, new signature: %v, want ErrReplay", err)
	}
	// A refused token does not burn its jti.
	c2 := claimsAt(testNow, testPath)
	bad := "Bearer " + sign(t, e.es384, c2, nil)
	if _, err := v.Verify(t.Context(), bad, "/cds-services/other"); !errors.Is(err, ErrAudience) {
		t.Fatalf("wrong path: %v", err)
	}
	if _, err := v.Verify(t.Context(), bad, testPath); err != nil {
		t.Fatalf("jti burnt by a refused call: %v", err)
	}
}

func TestSandboxToken(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "testdata", "auth", "sandbox-patient-view.jwt"))
	if err != nil {
		t.Fatal(err)
	}
	clients, err := LoadClients(filepath.Join("..", "..", "testdata", "auth", "sandbox-clients.json"))
	if err != nil {
		t.Fatal(err)
	}
	iat := time.Unix(1795941188, 0)
	const path = "/cds-services/rec-patient-view"
	tests := []struct {
		name   string
		now    time.Time
		public string
		path   string
		want   error
	}{
		{name: "inside its window", now: iat.Add(time.Minute), public: "http://127.0.0.1:3100", path: path},
		{name: "public URL with trailing slash", now: iat.Add(time.Minute), public: "http://127.0.0.1:3100/", path: path},
		{name: "after exp plus skew", now: iat.Add(300*time.Second + 61*time.Second), public: "http://127.0.0.1:3100", path: path, want: ErrExpired},
		{name: "before iat minus skew", now: iat.Add(-2 * time.Minute), public: "http://127.0.0.1:3100", path: path, want: ErrIssuedAt},
		{name: "another public URL", now: iat.Add(time.Minute), public: "https://jak.example.org", path: path, want: ErrAudience},
		{name: "another service", now: iat.Add(time.Minute), public: "http://127.0.0.1:3100", path: "/cds-services/other", want: ErrAudience},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := mustVerifier(t, Config{PublicURL: tc.public, Now: fixedClock(tc.now)}, clients, nil, nil, nil)
			got, err := v.Verify(t.Context(), "Bearer "+strings.TrimSpace(string(raw)), tc.path)
			if tc.want != nil {
				if !errors.Is(err, tc.want) {
					t.Fatalf("Verify = %v, want %v", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			want := Caller{Issuer: "https://sandbox.cds-hooks.org", JTI: "02d8e782-5ad1-4295-8ada-ec4f741afc61"}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("caller = %+v, want %+v", got, want)
			}
		})
	}
}

func TestNewVerifierConfig(t *testing.T) {
	e := newFileEnv(t)
	tests := []struct {
		name    string
		cfg     Config
		clients []Client
		replay  ReplayStore
		want    string
	}{
		{name: "no public URL", cfg: Config{}, clients: e.clients(), want: "no public URL"},
		{name: "relative public URL", cfg: Config{PublicURL: "/jak"}, clients: e.clients(), want: "absolute"},
		{name: "public URL with query", cfg: Config{PublicURL: "https://x.example?a=b"}, clients: e.clients(), want: "absolute"},
		{name: "HS256 configured", cfg: Config{PublicURL: testPublic, Algorithms: []string{"ES384", "HS256"}}, clients: e.clients(), want: `"HS256" not allowed`},
		{name: "none configured", cfg: Config{PublicURL: testPublic, Algorithms: []string{"none"}}, clients: e.clients(), want: `"none" not allowed`},
		{name: "no clients", cfg: Config{PublicURL: testPublic}, want: "no trusted clients"},
		{name: "duplicate issuer", cfg: Config{PublicURL: testPublic}, clients: append(e.clients(), e.clients()[0]), want: "issuer listed twice"},
		{name: "http jwks_url without AllowHTTPKeys", cfg: Config{PublicURL: testPublic}, clients: []Client{{Issuer: "a", JWKSURL: "http://127.0.0.1:1/jwks.json"}}, want: "https only"},
		{name: "http jku to a remote host even with AllowHTTPKeys", cfg: Config{PublicURL: testPublic, AllowHTTPKeys: true}, clients: []Client{{Issuer: "a", JKUAllowlist: []string{"http://ehr.example.org/jwks.json"}}}, want: "loopback hosts only"},
		{name: "jwks_file gone", cfg: Config{PublicURL: testPublic}, clients: []Client{{Issuer: "a", JWKSFile: filepath.Join(t.TempDir(), "none.json")}}, want: "no such file"},
		{name: "no replay store", cfg: Config{PublicURL: testPublic}, clients: e.clients(), replay: nilReplay{}, want: "no replay store"},
		{name: "negative skew", cfg: Config{PublicURL: testPublic, Skew: -time.Second}, clients: e.clients(), want: "negative"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			replay := tc.replay
			if replay == nil {
				replay = NewMemoryReplay(nil)
			}
			if _, ok := replay.(nilReplay); ok {
				replay = nil
			}
			_, err := NewVerifier(t.Context(), tc.cfg, tc.clients, replay, nil, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("NewVerifier error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

// nilReplay marks "pass a nil ReplayStore" in a table.
type nilReplay struct{ ReplayStore }

func TestReason(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{nil, ""},
		{ErrMissing, "missing"},
		{errors.Join(ErrKeys, errors.New("x")), "keys"},
		{ErrReplayStore, "replay_store"},
		{errors.New("other"), "other"},
	}
	for _, tc := range tests {
		if got := Reason(tc.err); got != tc.want {
			t.Errorf("Reason(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
	// Every sentinel has its own label.
	seen := map[string]bool{}
	for _, r := range reasons {
		if seen[r.label] || Reason(r.err) != r.label {
			t.Errorf("label %q not unique or not found", r.label)
		}
		seen[r.label] = true
	}
}
