package auth

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// devEnv is a development EHR: its key, JWKS file and clients entry.
type devEnv struct {
	key     *DevKey
	clients []Client
}

func newDevEnv(t *testing.T, tenants ...string) devEnv {
	t.Helper()
	k, err := NewDevKey()
	if err != nil {
		t.Fatal(err)
	}
	jwks, err := k.JWKS()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeFile(t, dir, "dev-jwks.json", jwks)
	body := `{"clients":[{"issuer":"jakguard-dev","jwks_file":"dev-jwks.json","max_token_lifetime":"5m"`
	if len(tenants) > 0 {
		body += `,"tenants":["` + strings.Join(tenants, `","`) + `"]`
	}
	clients, err := LoadClients(writeFile(t, dir, "clients.json", []byte(body+`}]}`)))
	if err != nil {
		t.Fatal(err)
	}
	return devEnv{key: k, clients: clients}
}

func TestDevKeyRoundTrip(t *testing.T) {
	k, err := NewDevKey()
	if err != nil {
		t.Fatal(err)
	}
	pemBytes, err := k.PrivatePEM()
	if err != nil {
		t.Fatal(err)
	}
	again, err := ParseDevKey(pemBytes)
	if err != nil {
		t.Fatal(err)
	}
	if again.KID != k.KID || len(k.KID) != 43 {
		t.Errorf("kid %q then %q: want the same 43-character thumbprint", k.KID, again.KID)
	}
	jwks, _ := k.JWKS()
	for _, want := range []string{`"kty": "EC"`, `"crv": "P-384"`, `"alg": "ES384"`, `"use": "sig"`, `"kid": "` + k.KID + `"`} {
		if !strings.Contains(string(jwks), want) {
			t.Errorf("JWKS lacks %s:\n%s", want, jwks)
		}
	}
	if strings.Contains(string(jwks), `"d"`) {
		t.Error("the JWKS holds the private key")
	}
	rsa := mustKey(t, "RS384", "rsa-dev")
	for _, bad := range [][]byte{[]byte("nonsense"), pemOf(t, rsa)} {
		if _, err := ParseDevKey(bad); err == nil {
			t.Errorf("ParseDevKey accepted %.20q", bad)
		}
	}
}

func pemOf(t *testing.T, k testKey) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k.priv)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// A minted token is accepted by the service's verifier for the URL it was
// minted for, and only for that URL.
func TestMintAcceptedByVerifier(t *testing.T) {
	e := newDevEnv(t)
	url := "https://cds.example.org/jak/cds-services/order-select"
	tok, err := e.key.Mint(DevToken{Issuer: "jakguard-dev", Audience: url})
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := jwt.NewParser().ParseUnverified(tok, jwt.MapClaims{})
	if err != nil {
		t.Fatal(err)
	}
	c := p.Claims.(jwt.MapClaims)
	exp, _ := c.GetExpirationTime()
	iat, _ := c.GetIssuedAt()
	if exp.Sub(iat.Time) != MaxDevTokenLifetime || c["jti"] == "" || c["aud"] != url || p.Header["kid"] != e.key.KID || p.Header["alg"] != "ES384" {
		t.Errorf("token header %v claims %v", p.Header, c)
	}
	v := mustVerifier(t, Config{PublicURL: "https://cds.example.org/jak"}, e.clients, nil, nil, nil)
	if _, err := v.Verify(t.Context(), "Bearer "+tok, "/cds-services/order-select"); err != nil {
		t.Errorf("the service refuses a minted token: %v", err)
	}
	if _, err := v.Verify(t.Context(), "Bearer "+tok, "/cds-services/order-sign"); Reason(err) != "audience" && Reason(err) != "replay" {
		t.Errorf("another URL: %v, want audience", err)
	}
	for _, bad := range []DevToken{
		{Issuer: "x", Audience: url, Lifetime: 6 * time.Minute},
		{Issuer: "x", Audience: "https://cds.example.org/other"},
		{Issuer: "x", Audience: "https://cds.example.org/cds-services/a/b/c"},
		{Audience: url},
	} {
		if _, err := e.key.Mint(bad); err == nil {
			t.Errorf("Mint(%+v) accepted", bad)
		}
	}
}

// inspect checks a token minted with edit applied to its claims (and its
// header) against the dev clients for callURL.
func TestInspectToken(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	const url = "http://127.0.0.1:8080/cds-services/order-sign"
	e := newDevEnv(t, "ward-a")
	other, _ := NewDevKey()
	sign := func(k *DevKey, claims jwt.MapClaims, hdr map[string]any) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodES384, claims)
		tok.Header["kid"] = k.KID
		for n, v := range hdr {
			if v == nil {
				delete(tok.Header, n)
				continue
			}
			tok.Header[n] = v
		}
		s, err := tok.SignedString(k.Key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	good := func() jwt.MapClaims {
		return jwt.MapClaims{"iss": "jakguard-dev", "aud": url, "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "jti": "j-1", "tenant": "ward-a"}
	}
	with := func(k string, v any) jwt.MapClaims {
		c := good()
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	tests := []struct {
		name   string
		token  string
		reason string   // the verdict's; "" = accepted
		says   []string // in the failing check's expected, received or note
	}{
		{"accepted", sign(e.key, good(), nil), "", nil},
		{"Bearer prefix accepted", "Bearer " + sign(e.key, good(), nil), "", nil},
		{"not a JWS", "abc.def", "malformed", []string{"2 part(s)"}},
		{"wrong audience: host", sign(e.key, with("aud", "http://localhost:8080/cds-services/order-sign"), nil), "audience",
			[]string{`"http://127.0.0.1:8080/cds-services/order-sign" exactly`, `"http://localhost:8080/cds-services/order-sign"`, "localhost and 127.0.0.1 differ"}},
		{"wrong audience: service", sign(e.key, with("aud", "http://127.0.0.1:8080/cds-services/order-select"), nil), "audience",
			[]string{`"http://127.0.0.1:8080/cds-services/order-select"`, "a token is valid for one URL only"}},
		{"wrong audience: trailing slash", sign(e.key, with("aud", url+"/"), nil), "audience", []string{"trailing slash"}},
		{"no audience", sign(e.key, with("aud", nil), nil), "audience", []string{"no aud"}},
		{"unknown issuer", sign(e.key, with("iss", "https://ehr.example.org"), nil), "issuer", []string{`"jakguard-dev"`, `"https://ehr.example.org"`}},
		{"expired", sign(e.key, with("exp", now.Add(-2*time.Minute).Unix()), nil), "expired", []string{"2026-12-01T09:59:00Z", "2026-12-01T09:58:00Z (2m0s ago)"}},
		{"no exp", sign(e.key, with("exp", nil), nil), "expired", []string{"absent"}},
		{"iat in the future", sign(e.key, with("iat", now.Add(2*time.Minute).Unix()), nil), "issued_at", []string{"2026-12-01T10:02:00Z (in 2m0s)"}},
		{"lifetime too long", sign(e.key, with("exp", now.Add(20*time.Minute).Unix()), nil), "lifetime", []string{"at most 5m0s", "20m0s"}},
		{"no jti", sign(e.key, with("jti", nil), nil), "jti", []string{"absent"}},
		{"tenant not allowed", sign(e.key, with("tenant", "ward-b"), nil), "tenant", []string{`"ward-a"`, `"ward-b"`}},
		{"other key", sign(other, good(), nil), "keys", []string{e.key.KID, other.KID}},
		{"signed by another key under this kid", func() string {
			parts := strings.Split(sign(e.key, good(), nil), ".")
			parts2 := strings.Split(sign(other, good(), nil), ".")
			return parts[0] + "." + parts[1] + "." + parts2[2]
		}(), "signature", []string{"not signed by that key"}},
		{"no kid", sign(e.key, good(), map[string]any{"kid": nil}), "malformed", []string{"a kid"}},
		{"jku not allowed", sign(e.key, good(), map[string]any{"jku": "https://evil.example/jwks.json"}), "jku", []string{`"https://evil.example/jwks.json"`}},
		{"HS256", func() string {
			s, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, good()).SignedString([]byte("secret"))
			return s
		}(), "algorithm", []string{"ES384, RS384", `"HS256"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ins, err := InspectToken(context.Background(), tc.token, url, e.clients, InspectOptions{Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if ins.Reason != tc.reason {
				t.Fatalf("verdict %q (%v), want %q; checks %+v", ins.Reason, ins.Verdict, tc.reason, ins.Checks)
			}
			first, failed := ins.FirstFailure()
			if tc.reason == "" {
				if failed {
					t.Errorf("accepted, but check %+v failed", first)
				}
				return
			}
			if !failed || first.Reason != tc.reason {
				t.Fatalf("the first failed check %+v does not explain the verdict %q", first, tc.reason)
			}
			text := first.Expected + " | " + first.Received + " | " + first.Note
			for _, s := range tc.says {
				if !strings.Contains(text, s) {
					t.Errorf("check %s: %q lacks %q", first.Name, text, s)
				}
			}
		})
	}

	// The service's --public-url differs from the URL the EHR calls (a
	// container listening on 0.0.0.0 without --public-url).
	ins, err := InspectToken(context.Background(), sign(e.key, good(), nil), url, e.clients, InspectOptions{Now: now, PublicURL: "http://0.0.0.0:8080"})
	if err != nil {
		t.Fatal(err)
	}
	if first, _ := ins.FirstFailure(); ins.Reason != "audience" || !strings.Contains(first.Expected, `"http://0.0.0.0:8080/cds-services/order-sign"`) || !strings.Contains(first.Note, "--public-url must be") {
		t.Errorf("public URL mismatch: %q %+v", ins.Reason, first)
	}
	if _, err := InspectToken(context.Background(), "x", "http://127.0.0.1:8080/other", e.clients, InspectOptions{}); err == nil {
		t.Error("a URL that is not a CDS Hooks URL accepted")
	}
}

// The recorded CDS Hooks Sandbox token checks out at the time it was sent
// and is refused as expired today.
func TestInspectSandboxToken(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "testdata", "auth", "sandbox-patient-view.jwt"))
	if err != nil {
		t.Fatal(err)
	}
	clients, err := LoadClients(filepath.Join("..", "..", "testdata", "auth", "sandbox-clients.json"))
	if err != nil {
		t.Fatal(err)
	}
	const url = "http://127.0.0.1:3100/cds-services/rec-patient-view"
	ins, err := InspectToken(t.Context(), string(raw), url, clients, InspectOptions{Now: time.Unix(1795941188+10, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if ins.Verdict != nil {
		t.Errorf("recorded sandbox token refused at its own time: %v %+v", ins.Verdict, ins.Checks)
	}
	ins, err = InspectToken(t.Context(), string(raw), url, clients, InspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ins.Reason != "expired" {
		t.Errorf("verdict today %q, want expired", ins.Reason)
	}
}
