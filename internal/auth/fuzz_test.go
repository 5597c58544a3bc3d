package auth

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// forgetfulReplay never reports a replay, so that a valid token stays valid
// across fuzz iterations.
type forgetfulReplay struct{}

func (forgetfulReplay) Seen(context.Context, string, string, time.Time) (bool, error) {
	return false, nil
}

// FuzzVerifyAuthorization feeds arbitrary Authorization headers to a
// verifier trusting the CDS Hooks Sandbox (key from a file, fixed clock
// inside the recorded token's window) and a second, generated ES384 key.
// Properties: no panic; every refusal is classified and names no tenant; an
// error never echoes the token; an acceptance is for a trusted issuer with a
// jti.
func FuzzVerifyAuthorization(f *testing.F) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "testdata", "auth", "sandbox-patient-view.jwt"))
	if err != nil {
		f.Fatal(err)
	}
	sandbox := strings.TrimSpace(string(raw))
	clients, err := LoadClients(filepath.Join("..", "..", "testdata", "auth", "sandbox-clients.json"))
	if err != nil {
		f.Fatal(err)
	}
	k := mustKey(f, "ES384", "fuzz-es384")
	clients = append(clients, Client{Issuer: testIssuer, JWKSFile: writeFile(f, f.TempDir(), "jwks.json", jwksJSON(f, k)), MaxTokenLifetime: DefaultMaxTokenLifetime})
	now := time.Unix(1795941188+60, 0)
	const path = "/cds-services/rec-patient-view"
	v, err := NewVerifier(f.Context(), Config{PublicURL: "http://127.0.0.1:3100", Now: fixedClock(now)}, clients, forgetfulReplay{}, nil, nil)
	if err != nil {
		f.Fatal(err)
	}
	c := claimsAt(now, path)
	c["aud"] = "http://127.0.0.1:3100" + path
	f.Add("Bearer " + sandbox)
	f.Add("Bearer " + sign(f, k, c, nil))
	f.Add("Bearer " + sign(f, k, c, map[string]any{"jku": "https://evil.example/jwks.json"}))
	f.Add("Bearer " + sandbox + "x")
	f.Add("Bearer " + strings.Replace(sandbox, ".", "..", 1))
	trusted := map[string]bool{"https://sandbox.cds-hooks.org": true, testIssuer: true}

	f.Fuzz(func(t *testing.T, authorization string) {
		caller, err := v.Verify(context.Background(), authorization, path)
		if err == nil {
			if !trusted[caller.Issuer] || caller.JTI == "" {
				t.Fatalf("accepted with caller %+v", caller)
			}
			return
		}
		if r := Reason(err); r == "other" || r == "" {
			t.Fatalf("unclassified error %v", err)
		}
		if caller.Tenant != "" {
			t.Fatalf("refused call carries tenant %q", caller.Tenant)
		}
		tok := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(authorization), "Bearer "))
		if len(tok) >= 24 && strings.Contains(err.Error(), tok) {
			t.Fatalf("error echoes the token: %v", err)
		}
		if len(caller.Issuer) > maxLogLen+4 || len(caller.JTI) > maxLogLen+4 {
			t.Fatalf("unbounded issuer/jti for logs: %d/%d bytes", len(caller.Issuer), len(caller.JTI))
		}
	})
}
