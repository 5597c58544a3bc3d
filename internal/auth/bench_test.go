package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"
)

// benchAlgorithms are the algorithms EHRs use (contract section 3).
var benchAlgorithms = []string{"ES384", "RS384", "ES256", "RS256", "PS384"}

// BenchmarkVerify measures Verify, the whole check of one call's JWT (key
// lookup, signature, claims, an in-memory replay check), per algorithm;
// the replay store forgets, so one token serves every iteration. The
// signature alone (BenchmarkSignatureOnly) is what no cache can remove.
func BenchmarkVerify(b *testing.B) {
	for _, alg := range benchAlgorithms {
		b.Run(alg, func(b *testing.B) {
			k := benchKey(b, alg)
			dir := b.TempDir()
			clients := []Client{{Issuer: testIssuer, JWKSFile: writeFile(b, dir, "jwks.json", jwksJSON(b, k)), MaxTokenLifetime: DefaultMaxTokenLifetime}}
			now := time.Now()
			v := mustVerifier(b, Config{PublicURL: testPublic, Algorithms: benchAlgorithms, Now: fixedClock(now)}, clients, forgetfulReplay{}, nil, nil)
			tok := "Bearer " + sign(b, k, claimsAt(now, testPath), nil)
			if _, err := v.Verify(b.Context(), tok, testPath); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := v.Verify(b.Context(), tok, testPath); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSignatureOnly is the signature check alone, through
// golang-jwt's signing method with the key as the verifier holds it
// (parsed once from the JWK Set): the floor no cache can lower.
func BenchmarkSignatureOnly(b *testing.B) {
	for _, alg := range benchAlgorithms {
		b.Run(alg, func(b *testing.B) {
			k := benchKey(b, alg)
			kf, err := fileKeys(mustJWKS(b, k))
			if err != nil {
				b.Fatal(err)
			}
			tok := sign(b, k, claimsAt(time.Now(), testPath), nil)
			parsed, _, err := jwt.NewParser().ParseUnverified(tok, jwt.MapClaims{})
			if err != nil {
				b.Fatal(err)
			}
			pub, err := kf.Keyfunc(parsed)
			if err != nil {
				b.Fatal(err)
			}
			m := jwt.GetSigningMethod(alg)
			parts := splitToken(tok)
			sig, err := jwt.NewParser().DecodeSegment(parts[2])
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if err := m.Verify(parts[0]+"."+parts[1], sig, pub); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// mustJWKS is k's public key as the verifier loads a jwks_file.
func mustJWKS(tb testing.TB, k testKey) jwkset.Storage {
	tb.Helper()
	st, err := loadJWKSFile(writeFile(tb, tb.TempDir(), "jwks.json", jwksJSON(tb, k)))
	if err != nil {
		tb.Fatal(err)
	}
	return st
}

func splitToken(s string) [3]string {
	var out [3]string
	i := 0
	for j := range len(s) {
		if s[j] == '.' {
			i++
			continue
		}
		out[i] += string(s[j])
	}
	return out
}

// benchKey is a signing key for alg whose making costs the same every
// run (RSA from a checked-in test key; EC generated), so that instruction
// counts of the benchmarks compare across builds.
func benchKey(tb testing.TB, alg string) testKey {
	tb.Helper()
	var priv crypto.Signer
	switch alg {
	case "ES256", "ES384":
		curve := elliptic.P384()
		if alg == "ES256" {
			curve = elliptic.P256()
		}
		k, err := ecdsa.GenerateKey(curve, rand.Reader)
		if err != nil {
			tb.Fatal(err)
		}
		priv = k
	default:
		raw, err := os.ReadFile(filepath.Join("testdata", "bench-rsa2048.pem"))
		if err != nil {
			tb.Fatal(err)
		}
		blk, _ := pem.Decode(raw)
		if blk == nil {
			tb.Fatal("bench-rsa2048.pem: no PEM block")
		}
		k, err := x509.ParsePKCS1PrivateKey(blk.Bytes)
		if err != nil {
			tb.Fatal(err)
		}
		priv = k
	}
	return testKey{kid: "bench-" + alg, alg: alg, priv: priv}
}
