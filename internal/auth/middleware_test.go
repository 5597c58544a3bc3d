package auth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"jakguard/internal/syncbuf"
)

// failingReplay is a ReplayStore whose database is down.
type failingReplay struct{}

func (failingReplay) Seen(context.Context, string, string, time.Time) (bool, error) {
	return false, errors.New("connection refused")
}

// newTestEcho mounts the middleware as the hooks package does: CORS first,
// then auth on the CDS routes; the handlers echo the caller they see.
func newTestEcho(v *Verifier) *echo.Echo {
	e := echo.New()
	e.Use(middleware.CORSWithConfig(middleware.CORSConfig{
		AllowOrigins: []string{"*"},
		AllowMethods: []string{http.MethodGet, http.MethodPost, http.MethodOptions},
		AllowHeaders: []string{echo.HeaderAuthorization, echo.HeaderContentType},
	}))
	handler := func(c echo.Context) error {
		fromCtx, ok := CallerFrom(c.Request().Context())
		fromEcho, _ := c.Get(CallerKey).(Caller)
		if !ok || !reflect.DeepEqual(fromCtx, fromEcho) {
			return c.String(http.StatusInternalServerError, "caller not stored")
		}
		return c.String(http.StatusOK, fromCtx.Issuer+"|"+fromCtx.JTI)
	}
	g := e.Group("/cds-services", v.Middleware())
	g.GET("", handler)
	g.POST("/:id", handler)
	g.POST("/:id/feedback", handler)
	e.GET("/healthz", func(c echo.Context) error { return c.NoContent(http.StatusOK) })
	return e
}

func TestMiddleware(t *testing.T) {
	e := newFileEnv(t)
	logs := &syncbuf.Buffer{}
	var (
		mu       sync.Mutex
		failures []string
	)
	v := mustVerifier(t, Config{PublicURL: testPublic, Now: fixedClock(testNow)}, e.clients(), nil, nil, newLogger(logs))
	v.OnFailure = func(reason string) {
		mu.Lock()
		defer mu.Unlock()
		failures = append(failures, reason)
	}
	srv := newTestEcho(v)

	signed := func(path string) (string, string) {
		c := claimsAt(testNow, path)
		return sign(t, e.es384, c, nil), c["jti"].(string)
	}
	discovery, discoveryJTI := signed("/cds-services")
	service, _ := signed(testPath)
	feedback, _ := signed(testPath + "/feedback")
	expiredClaims := claimsAt(testNow.Add(-time.Hour), testPath)
	expired := sign(t, e.es384, expiredClaims, nil)

	tests := []struct {
		name       string
		method     string
		path       string
		auth       []string
		wantStatus int
		wantBody   string
		wantReason string
	}{
		{name: "discovery with its token", method: http.MethodGet, path: "/cds-services", auth: []string{"Bearer " + discovery}, wantStatus: 200, wantBody: testIssuer + "|" + discoveryJTI},
		{name: "service call", method: http.MethodPost, path: testPath, auth: []string{"Bearer " + service}, wantStatus: 200},
		{name: "feedback", method: http.MethodPost, path: testPath + "/feedback", auth: []string{"Bearer " + feedback}, wantStatus: 200},
		{name: "replayed token", method: http.MethodPost, path: testPath, auth: []string{"Bearer " + service}, wantStatus: 401, wantReason: "replay"},
		{name: "no token", method: http.MethodPost, path: testPath, wantStatus: 401, wantReason: "missing"},
		{name: "expired token", method: http.MethodPost, path: testPath, auth: []string{"Bearer " + expired}, wantStatus: 401, wantReason: "expired"},
		{name: "discovery token on a service", method: http.MethodPost, path: testPath, auth: []string{"Bearer " + discovery}, wantStatus: 401, wantReason: "audience"},
		{name: "two Authorization headers", method: http.MethodGet, path: "/cds-services", auth: []string{"Bearer " + discovery, "Bearer x"}, wantStatus: 401, wantReason: "malformed"},
		{name: "CORS preflight needs no token", method: http.MethodOptions, path: testPath, wantStatus: 204},
		{name: "health is not behind auth", method: http.MethodGet, path: "/healthz", wantStatus: 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mu.Lock()
			failures = nil
			mu.Unlock()
			req := httptest.NewRequest(tc.method, tc.path, nil)
			req.Header.Set(echo.HeaderOrigin, "https://sandbox.cds-hooks.org")
			if tc.method == http.MethodOptions {
				req.Header.Set(echo.HeaderAccessControlRequestMethod, http.MethodPost)
				req.Header.Set(echo.HeaderAccessControlRequestHeaders, "authorization,content-type")
			}
			for _, a := range tc.auth {
				req.Header.Add(echo.HeaderAuthorization, a)
			}
			before := len(logs.String())
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			if rec.Code != tc.wantStatus {
				t.Fatalf("status = %d, want %d (body %q)", rec.Code, tc.wantStatus, rec.Body.String())
			}
			if rec.Header().Get(echo.HeaderAccessControlAllowOrigin) == "" {
				t.Errorf("no Access-Control-Allow-Origin on a %d", rec.Code)
			}
			if tc.wantBody != "" && rec.Body.String() != tc.wantBody {
				t.Errorf("body = %q, want %q", rec.Body.String(), tc.wantBody)
			}
			newLogs := logs.String()[before:]
			for _, a := range tc.auth {
				if tok := strings.TrimPrefix(a, "Bearer "); len(tok) > 8 && strings.Contains(newLogs, tok) {
					t.Fatalf("token logged: %s", newLogs)
				}
				// Not even the signature part.
				if parts := strings.Split(a, "."); len(parts) == 3 && strings.Contains(newLogs, parts[2]) {
					t.Fatalf("signature logged: %s", newLogs)
				}
			}
			mu.Lock()
			got := failures
			mu.Unlock()
			if tc.wantReason == "" {
				if len(got) != 0 {
					t.Errorf("OnFailure called with %v", got)
				}
				return
			}
			if rec.Body.Len() != 0 {
				t.Errorf("401 body = %q, want empty", rec.Body.String())
			}
			if len(got) != 1 || got[0] != tc.wantReason {
				t.Errorf("OnFailure reasons = %v, want [%s]", got, tc.wantReason)
			}
			if !strings.Contains(newLogs, `"level":"INFO"`) || !strings.Contains(newLogs, `"reason":"`+tc.wantReason+`"`) {
				t.Errorf("refusal not logged at info with its reason: %s", newLogs)
			}
			if tc.wantReason == "expired" && (!strings.Contains(newLogs, `"iss":"`+testIssuer+`"`) || !strings.Contains(newLogs, expiredClaims["jti"].(string))) {
				t.Errorf("refusal log lacks issuer and jti: %s", newLogs)
			}
		})
	}
}

func TestMiddlewareReplayStoreDown(t *testing.T) {
	e := newFileEnv(t)
	logs := &syncbuf.Buffer{}
	v := mustVerifier(t, Config{PublicURL: testPublic, Now: fixedClock(testNow)}, e.clients(), failingReplay{}, nil, newLogger(logs))
	srv := newTestEcho(v)
	req := httptest.NewRequest(http.MethodPost, testPath, nil)
	req.Header.Set(echo.HeaderAuthorization, "Bearer "+sign(t, e.es384, claimsAt(testNow, testPath), nil))
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("status = %d, want 503", rec.Code)
	}
	if !strings.Contains(logs.String(), `"level":"ERROR"`) || !strings.Contains(logs.String(), `"reason":"replay_store"`) {
		t.Fatalf("store failure not logged at error: %s", logs)
	}
}

func TestCallerFromEmptyContext(t *testing.T) {
	if c, ok := CallerFrom(context.Background()); ok || !reflect.DeepEqual(c, Caller{}) {
		t.Fatalf("CallerFrom(empty) = %+v, %v", c, ok)
	}
}

func TestMiddlewareSkipsOptionsOnly(t *testing.T) {
	e := newFileEnv(t)
	v := mustVerifier(t, Config{PublicURL: testPublic, Now: fixedClock(testNow)}, e.clients(), nil, nil, nil)
	tests := []struct {
		method     string
		wantStatus int
	}{
		{http.MethodOptions, http.StatusTeapot},
		{http.MethodGet, http.StatusUnauthorized},
		{http.MethodPost, http.StatusUnauthorized},
		{http.MethodHead, http.StatusUnauthorized},
	}
	for _, tc := range tests {
		t.Run(tc.method, func(t *testing.T) {
			ec := echo.New()
			rec := httptest.NewRecorder()
			c := ec.NewContext(httptest.NewRequest(tc.method, "/cds-services", nil), rec)
			h := v.Middleware()(func(c echo.Context) error { return c.NoContent(http.StatusTeapot) })
			if err := h(c); err != nil {
				t.Fatal(err)
			}
			if rec.Code != tc.wantStatus {
				t.Fatalf("status = %d, want %d", rec.Code, tc.wantStatus)
			}
		})
	}
}

func TestMiddlewareLogIsBounded(t *testing.T) {
	e := newFileEnv(t)
	logs := &syncbuf.Buffer{}
	v := mustVerifier(t, Config{PublicURL: testPublic, Now: fixedClock(testNow)}, e.clients(), nil, nil, newLogger(logs))
	c := claimsAt(testNow, testPath)
	c["jti"] = strings.Repeat("j", 5000)
	c["iss"] = testIssuer
	tok := sign(t, e.es384, c, map[string]any{"kid": strings.Repeat("k", 5000)})
	req := httptest.NewRequest(http.MethodPost, testPath, nil)
	req.Header.Set(echo.HeaderAuthorization, "Bearer "+tok)
	rec := httptest.NewRecorder()
	newTestEcho(v).ServeHTTP(rec, req)
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("status = %d", rec.Code)
	}
	if n := len(logs.String()); n == 0 || n > 2000 {
		t.Fatalf("log line of %d bytes for a 10 KB token: %s", n, logs)
	}
}

// Every 401 carries WWW-Authenticate (RFC 6750): `Bearer` when no token
// was sent, `Bearer error="invalid_token"` otherwise; and its log line
// names the failing check with what was expected and what the token held,
// never the token.
func TestRefusalHeaderAndLog(t *testing.T) {
	e := newFileEnv(t)
	logs := &syncbuf.Buffer{}
	v := mustVerifier(t, Config{PublicURL: testPublic, Now: fixedClock(testNow)}, e.clients(), nil, nil, newLogger(logs))
	srv := newTestEcho(v)
	with := func(mod func(jwt.MapClaims)) string {
		c := claimsAt(testNow, testPath)
		mod(c)
		return "Bearer " + sign(t, e.es384, c, nil)
	}
	cases := []struct {
		name, auth, header string
		logged             []string
	}{
		{"no token", "", "Bearer", []string{`"reason":"missing"`}},
		{"not a token", "Bearer abc", `Bearer error="invalid_token"`, []string{`"reason":"malformed"`}},
		{"wrong audience", with(func(c jwt.MapClaims) { c["aud"] = "https://jak.example.org/cds-services" }), `Bearer error="invalid_token"`,
			[]string{`"reason":"audience"`, `"expected":"aud holding \"https://jak.example.org/cds-services/jak-order-sign\""`, `"received":"aud [\"https://jak.example.org/cds-services\"]"`}},
		{"unknown issuer", with(func(c jwt.MapClaims) { c["iss"] = "https://evil.example" }), `Bearer error="invalid_token"`,
			[]string{`"reason":"issuer"`, `"received":"iss \"https://evil.example\""`}},
		{"expired", with(func(c jwt.MapClaims) {
			c["iat"] = testNow.Add(-20 * time.Minute).Unix()
			c["exp"] = testNow.Add(-10 * time.Minute).Unix()
		}), `Bearer error="invalid_token"`,
			[]string{`"reason":"expired"`, `"expected":"exp after now 2026-11-29T10:00:00Z (skew 1m0s)"`, `"received":"exp 2026-11-29T09:50:00Z"`}},
		{"lifetime", with(func(c jwt.MapClaims) { c["exp"] = testNow.Add(time.Hour).Unix() }), `Bearer error="invalid_token"`,
			[]string{`"reason":"lifetime"`, `"expected":"exp - iat at most 15m0s"`, `"received":"1h0m0s"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, testPath, nil)
			if tc.auth != "" {
				req.Header.Set(echo.HeaderAuthorization, tc.auth)
			}
			before := len(logs.String())
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			if rec.Code != http.StatusUnauthorized {
				t.Fatalf("status = %d", rec.Code)
			}
			if got := rec.Header().Get(echo.HeaderWWWAuthenticate); got != tc.header {
				t.Errorf("WWW-Authenticate = %q, want %q", got, tc.header)
			}
			line := logs.String()[before:]
			for _, want := range tc.logged {
				if !strings.Contains(line, want) {
					t.Errorf("log lacks %s:\n%s", want, line)
				}
			}
			if tok := strings.TrimPrefix(tc.auth, "Bearer "); len(tok) > 8 && strings.Contains(line, tok) {
				t.Fatalf("token logged: %s", line)
			}
		})
	}
}

// hangingReplay is a replay store on a frozen connection that ignores its
// context, the worst case.
type hangingReplay struct{ release chan struct{} }

func (h hangingReplay) Seen(context.Context, string, string, time.Time) (bool, error) {
	<-h.release
	return false, nil
}

// A replay store that hangs answers 503 with Retry-After within the replay
// timeout, not a 401 and not a hang.
func TestReplayStoreTimeout(t *testing.T) {
	e := newFileEnv(t)
	logs := &syncbuf.Buffer{}
	h := hangingReplay{release: make(chan struct{})}
	defer close(h.release)
	v := mustVerifier(t, Config{PublicURL: testPublic, Now: fixedClock(testNow), ReplayTimeout: 100 * time.Millisecond}, e.clients(), h, nil, newLogger(logs))
	req := httptest.NewRequest(http.MethodPost, testPath, nil)
	req.Header.Set(echo.HeaderAuthorization, "Bearer "+sign(t, e.es384, claimsAt(testNow, testPath), nil))
	rec := httptest.NewRecorder()
	start := time.Now()
	newTestEcho(v).ServeHTTP(rec, req)
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("the call took %v", d)
	}
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("status = %d, want 503", rec.Code)
	}
	if rec.Header().Get("Retry-After") == "" {
		t.Error("no Retry-After on the 503")
	}
	if !strings.Contains(logs.String(), `"reason":"replay_store"`) {
		t.Errorf("not logged: %s", logs)
	}

	// The request's own deadline counts too: a context that ends first ends
	// the check.
	v2 := mustVerifier(t, Config{PublicURL: testPublic, Now: fixedClock(testNow), ReplayTimeout: time.Minute}, e.clients(), h, nil, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start = time.Now()
	_, err := v2.Verify(ctx, "Bearer "+sign(t, e.es384, claimsAt(testNow, testPath), nil), testPath)
	if !errors.Is(err, ErrReplayStore) || time.Since(start) > 2*time.Second {
		t.Fatalf("Verify = %v after %v, want ErrReplayStore promptly", err, time.Since(start))
	}
}
