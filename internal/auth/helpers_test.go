package auth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"jakguard/internal/syncbuf"
)

const (
	testIssuer = "https://ehr.example.org"
	testPublic = "https://jak.example.org"
	testPath   = "/cds-services/jak-order-sign"
)

// testNow is the fixed clock of most tests.
var testNow = time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)

// testKey is a signing key with its public JWK.
type testKey struct {
	kid  string
	alg  string
	priv crypto.Signer
}

var (
	keyCacheMu sync.Mutex
	keyCache   = map[string]testKey{}
)

// mustKey returns a key for alg ("ES256", "ES384", "RS384"), cached per kid
// because RSA generation is slow.
func mustKey(tb testing.TB, alg, kid string) testKey {
	tb.Helper()
	keyCacheMu.Lock()
	defer keyCacheMu.Unlock()
	if k, ok := keyCache[kid]; ok {
		return k
	}
	var (
		priv crypto.Signer
		err  error
	)
	switch alg {
	case "ES256":
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "ES384":
		priv, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case "RS384", "RS256", "PS384":
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	default:
		tb.Fatalf("no key for %s", alg)
	}
	if err != nil {
		tb.Fatal(err)
	}
	k := testKey{kid: kid, alg: alg, priv: priv}
	keyCache[kid] = k
	return k
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// jwk is the public JWK of k.
func (k testKey) jwk(tb testing.TB) map[string]any {
	tb.Helper()
	m := map[string]any{"kid": k.kid, "use": "sig", "alg": k.alg}
	switch pub := k.priv.Public().(type) {
	case *ecdsa.PublicKey:
		e, err := pub.ECDH()
		if err != nil {
			tb.Fatal(err)
		}
		raw := e.Bytes()[1:]
		n := len(raw) / 2
		m["kty"], m["x"], m["y"] = "EC", b64(raw[:n]), b64(raw[n:])
		m["crv"] = map[int]string{32: "P-256", 48: "P-384"}[n]
	case *rsa.PublicKey:
		m["kty"], m["n"], m["e"] = "RSA", b64(pub.N.Bytes()), b64(big.NewInt(int64(pub.E)).Bytes())
	}
	return m
}

func jwksJSON(tb testing.TB, keys ...testKey) []byte {
	tb.Helper()
	set := map[string]any{"keys": []any{}}
	list := []any{}
	for _, k := range keys {
		list = append(list, k.jwk(tb))
	}
	set["keys"] = list
	b, err := json.Marshal(set)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func writeFile(tb testing.TB, dir, name string, data []byte) string {
	tb.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		tb.Fatal(err)
	}
	return p
}

// claimsAt returns valid claims for path at now.
func claimsAt(now time.Time, path string) jwt.MapClaims {
	return jwt.MapClaims{
		"iss": testIssuer,
		"aud": testPublic + path,
		"iat": now.Unix(),
		"exp": now.Add(5 * time.Minute).Unix(),
		"jti": uuid.NewString(),
	}
}

// sign signs claims with k; header entries in hdr are added (a nil value
// deletes the entry).
func sign(tb testing.TB, k testKey, c jwt.MapClaims, hdr map[string]any) string {
	tb.Helper()
	tok := jwt.NewWithClaims(jwt.GetSigningMethod(k.alg), c)
	tok.Header["kid"] = k.kid
	for n, v := range hdr {
		if v == nil {
			delete(tok.Header, n)
			continue
		}
		tok.Header[n] = v
	}
	s, err := tok.SignedString(k.priv)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// rawToken builds an unsigned-or-anything token from header and claims
// JSON plus a signature segment.
func rawToken(tb testing.TB, hdr map[string]any, c jwt.MapClaims, sig string) string {
	tb.Helper()
	h, err := json.Marshal(hdr)
	if err != nil {
		tb.Fatal(err)
	}
	p, err := json.Marshal(c)
	if err != nil {
		tb.Fatal(err)
	}
	return b64(h) + "." + b64(p) + "." + sig
}

func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

func newLogger(w *syncbuf.Buffer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// jwksServer serves a JWK Set that tests may change, counting requests.
type jwksServer struct {
	*httptest.Server
	hits atomic.Int64
	mu   sync.Mutex
	body []byte
	fail atomic.Bool
}

func newJWKSServer(tb testing.TB, tls bool, body []byte) *jwksServer {
	tb.Helper()
	s := &jwksServer{body: body}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		if s.fail.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Write(s.body)
	})
	if tls {
		s.Server = httptest.NewTLSServer(h)
	} else {
		s.Server = httptest.NewServer(h)
	}
	tb.Cleanup(s.Close)
	return s
}

func (s *jwksServer) set(body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.body = body
}

// mustVerifier builds a Verifier or fails.
func mustVerifier(tb testing.TB, cfg Config, clients []Client, replay ReplayStore, hc *http.Client, logger *slog.Logger) *Verifier {
	tb.Helper()
	if replay == nil {
		replay = NewMemoryReplay(cfg.Now)
	}
	v, err := NewVerifier(tb.Context(), cfg, clients, replay, hc, logger)
	if err != nil {
		tb.Fatalf("NewVerifier: %v", err)
	}
	return v
}

func mkdirAll(dir string) error { return os.MkdirAll(dir, 0o755) }

// exampleTestPostgres is the test database URL the skip message suggests.
const exampleTestPostgres = "postgres://postgres@127.0.0.1:5432/jakguard_test?sslmode=disable"

// testSchemas holds the schema of each test that uses PostgreSQL.
var testSchemas sync.Map // *testing.T -> DSN selecting the schema

// postgresConn connects to the test database named by
// JAKGUARD_TEST_POSTGRES, in a schema of the test's own: the first call of a
// test creates it (every connection of the test then shares it, as the
// replicas of one service share a database) and the end of the test drops
// it with everything in it, so no table is left behind. Without a reachable
// PostgreSQL the test is skipped, except when CI=true, where it fails.
func postgresConn(t *testing.T) *pgx.Conn {
	t.Helper()
	dsn, ok := testSchemas.Load(t)
	if !ok {
		dsn = newTestSchema(t)
		testSchemas.Store(t, dsn)
		t.Cleanup(func() { testSchemas.Delete(t) })
	}
	conn := connectTestPostgres(t, dsn.(string))
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func connectTestPostgres(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err == nil {
		err = conn.Ping(ctx)
	}
	if err != nil {
		msg := "PostgreSQL unreachable at JAKGUARD_TEST_POSTGRES (" + err.Error() + "): set it to a reachable test database URL, e.g. " +
			exampleTestPostgres + ", to run the PostgreSQL replay tests"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg + " (skipped; CI=true makes this a failure)")
	}
	return conn
}

// newTestSchema creates a schema for t, dropped when t ends, and returns a
// DSN whose search_path selects it.
func newTestSchema(t *testing.T) string {
	t.Helper()
	base := os.Getenv("JAKGUARD_TEST_POSTGRES")
	if base == "" {
		// As in internal/store: no default database.
		t.Skip("PostgreSQL replay tests skipped: set JAKGUARD_TEST_POSTGRES to a test database URL, e.g. " + exampleTestPostgres)
	}
	admin := connectTestPostgres(t, base)
	defer admin.Close(context.Background())
	schema := "jakguard_auth_test_" + strings.ReplaceAll(uuid.NewString(), "-", "")[:12]
	if _, err := admin.Exec(t.Context(), "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		t.Fatalf("create test schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop test schema %s: %v", schema, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("drop test schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("JAKGUARD_TEST_POSTGRES is not a URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
