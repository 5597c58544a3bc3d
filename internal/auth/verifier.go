package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/MicahParks/jwkset"
	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
)

// Reasons a call is refused. Test them with errors.Is; Reason gives a short
// label for logs and metrics.
var (
	ErrMissing     = errors.New("no bearer token")
	ErrMalformed   = errors.New("malformed token")
	ErrAlgorithm   = errors.New("signing algorithm not allowed")
	ErrSignature   = errors.New("invalid signature")
	ErrIssuer      = errors.New("unknown issuer")
	ErrAudience    = errors.New("wrong audience")
	ErrExpired     = errors.New("expired or no exp")
	ErrIssuedAt    = errors.New("iat missing or in the future")
	ErrLifetime    = errors.New("token lifetime too long")
	ErrJTI         = errors.New("jti missing or invalid")
	ErrReplay      = errors.New("jti already used")
	ErrTenant      = errors.New("tenant not allowed")
	ErrJKU         = errors.New("jku not allowed")
	ErrKeys        = errors.New("no usable key")
	ErrReplayStore = errors.New("replay store unavailable")
)

var reasons = []struct {
	err   error
	label string
}{
	{ErrMissing, "missing"},
	{ErrMalformed, "malformed"},
	{ErrAlgorithm, "algorithm"},
	{ErrSignature, "signature"},
	{ErrIssuer, "issuer"},
	{ErrAudience, "audience"},
	{ErrExpired, "expired"},
	{ErrIssuedAt, "issued_at"},
	{ErrLifetime, "lifetime"},
	{ErrJTI, "jti"},
	{ErrReplay, "replay"},
	{ErrTenant, "tenant"},
	{ErrJKU, "jku"},
	{ErrKeys, "keys"},
	{ErrReplayStore, "replay_store"},
}

// Reason returns a short, fixed label for err ("expired", "replay", ...),
// "other" for an unclassified error and "" for nil. Use it as a metrics
// label and in logs.
func Reason(err error) string {
	if err == nil {
		return ""
	}
	for _, r := range reasons {
		if errors.Is(err, r.err) {
			return r.label
		}
	}
	return "other"
}

// defaultAlgorithms are the algorithms accepted when Config.Algorithms is
// empty: those CDS Hooks recommends to clients.
var defaultAlgorithms = []string{"ES384", "RS384"}

// asymmetric lists every algorithm that may be configured; none and HS* are
// never among them.
var asymmetric = []string{"ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}

const (
	defaultSkew            = 60 * time.Second
	defaultReplayTimeout   = time.Second
	defaultRefreshInterval = 5 * time.Minute
	maxTokenBytes          = 16 << 10
	maxJTILen              = 255
	maxLogLen              = 128
	maxDetailLen           = 600
)

// Config holds the verifier's settings.
type Config struct {
	// PublicURL is the service's external base URL (--public-url); the
	// expected aud is PublicURL (without trailing slash) + request path.
	PublicURL string
	// Algorithms are the accepted JWS algorithms (default ES384, RS384).
	// Only ES*, RS* and PS* may be listed.
	Algorithms []string
	// Skew is the clock leeway for exp, iat and nbf (default 60 s).
	Skew time.Duration
	// ReplayTimeout bounds the jti replay check (default 1 s), within the
	// request's own deadline: a replay store that hangs answers
	// ErrReplayStore (503) instead of holding the call.
	ReplayTimeout time.Duration
	// RefreshInterval is the least time between two downloads of a remote
	// JWK Set caused by unknown kids (default 5 min).
	RefreshInterval time.Duration
	// AllowHTTPKeys allows plain http for jwks_url and jku on loopback
	// hosts. For tests only.
	AllowHTTPKeys bool
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Caller is the authenticated CDS client of a request.
type Caller struct {
	Issuer string
	Tenant string
	JTI    string
	// FHIRServers are the fhir_servers of the caller's clients entry: the
	// only fhirServer values its calls may use. Shared; do not modify.
	FHIRServers []string
}

// Verifier checks the CDS client JWT of each call.
type Verifier struct {
	// OnFailure, when set, is called with Reason(err) for every refused
	// call (metrics). Set it before serving.
	OnFailure func(reason string)

	cfg     Config
	base    string
	clients map[string]*trusted
	replay  ReplayStore
	logger  *slog.Logger
	parser  *jwt.Parser // stateless once built: shared by every call
}

// trusted is a Client with its keys ready.
type trusted struct {
	Client
	keys   keyfunc.Keyfunc            // configured keys (jwks_file and/or jwks_url), or nil
	jku    map[string]keyfunc.Keyfunc // keys per allow-listed jku, when keys is nil
	allowJ map[string]bool            // allow-listed jku (plus jwks_url)
}

// claims are the JWT claims jakguard reads.
type claims struct {
	jwt.RegisteredClaims
	Tenant string `json:"tenant,omitempty"`
}

// NewVerifier checks the configuration and prepares the keys of every
// client: jwks_file sets are read now; remote sets (jwks_url, or each
// allow-listed jku of a client without configured keys) are downloaded now
// and cached, and an unreachable URL is logged rather than fatal. ctx bounds
// the background refreshes: cancel it when the server stops.
func NewVerifier(ctx context.Context, cfg Config, clients []Client, replay ReplayStore, hc *http.Client, logger *slog.Logger) (*Verifier, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if replay == nil {
		return nil, errors.New("auth: no replay store")
	}
	base, err := checkPublicURL(cfg.PublicURL)
	if err != nil {
		return nil, err
	}
	if len(cfg.Algorithms) == 0 {
		cfg.Algorithms = defaultAlgorithms
	}
	for _, a := range cfg.Algorithms {
		if !slices.Contains(asymmetric, a) {
			return nil, fmt.Errorf("auth: algorithm %q not allowed: use ES256/384/512, RS256/384/512 or PS256/384/512 (none and HS* are never accepted)", a)
		}
	}
	cfg.Algorithms = slices.Clone(cfg.Algorithms)
	if cfg.Skew < 0 || cfg.RefreshInterval < 0 || cfg.ReplayTimeout < 0 {
		return nil, errors.New("auth: skew, replay timeout and refresh interval must not be negative")
	}
	if cfg.ReplayTimeout == 0 {
		cfg.ReplayTimeout = defaultReplayTimeout
	}
	if cfg.Skew == 0 {
		cfg.Skew = defaultSkew
	}
	if cfg.RefreshInterval == 0 {
		cfg.RefreshInterval = defaultRefreshInterval
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if err := checkClients(clients); err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	v := &Verifier{cfg: cfg, base: base, clients: make(map[string]*trusted, len(clients)), replay: replay, logger: logger,
		parser: jwt.NewParser(jwt.WithoutClaimsValidation())}
	khc := keyHTTPClient(hc)
	for i, c := range clients {
		t, err := v.prepare(ctx, c, khc)
		if err != nil {
			return nil, fmt.Errorf("auth: %s: %w", clientName(i, c.Issuer), err)
		}
		v.clients[c.Issuer] = t
	}
	return v, nil
}

func (v *Verifier) prepare(ctx context.Context, c Client, hc *http.Client) (*trusted, error) {
	t := &trusted{Client: c, allowJ: map[string]bool{}}
	t.JKUAllowlist = slices.Clone(c.JKUAllowlist)
	t.Tenants = slices.Clone(c.Tenants)
	t.FHIRServers = slices.Clone(c.FHIRServers)
	if len(t.FHIRServers) == 0 {
		v.logger.Warn("auth: client has no fhir_servers: FHIR fallback is refused for its calls", slog.String("iss", c.Issuer))
	}
	if t.MaxTokenLifetime == 0 {
		t.MaxTokenLifetime = DefaultMaxTokenLifetime
	}
	for _, u := range append(slices.Clone(c.JKUAllowlist), c.JWKSURL) {
		if u == "" {
			continue
		}
		p, _ := url.Parse(u) // checked by checkClients
		if err := checkFetchURL(p, v.cfg.AllowHTTPKeys); err != nil {
			return nil, err
		}
		t.allowJ[u] = true
	}
	var given jwkset.Storage
	if c.JWKSFile != "" {
		s, err := loadJWKSFile(c.JWKSFile)
		if err != nil {
			return nil, err
		}
		given = s
	}
	var err error
	switch {
	case c.JWKSURL != "":
		t.keys, err = remoteKeys(ctx, c.JWKSURL, given, hc, v.cfg.RefreshInterval, v.logger)
	case given != nil:
		t.keys, err = fileKeys(given)
	default:
		t.jku = make(map[string]keyfunc.Keyfunc, len(c.JKUAllowlist))
		for _, u := range c.JKUAllowlist {
			kf, err := remoteKeys(ctx, u, nil, hc, v.cfg.RefreshInterval, v.logger)
			if err != nil {
				return nil, err
			}
			t.jku[u] = kf
		}
	}
	if err != nil {
		return nil, err
	}
	return t, nil
}

func checkPublicURL(s string) (string, error) {
	if s == "" {
		return "", errors.New("auth: no public URL: the JWT aud is checked against it")
	}
	p, err := url.Parse(s)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.RawQuery != "" || p.Fragment != "" || p.User != nil {
		return "", fmt.Errorf("auth: public URL %q must be an absolute http(s) URL without query or fragment", s)
	}
	return strings.TrimRight(s, "/"), nil
}

// Verify checks the Authorization header value of a call to path (the
// request path, such as "/cds-services/x/feedback") and returns the caller.
//
// Checks, in order: Bearer scheme; JWS structure; alg allowed; kid present;
// iss a trusted client; jku rules; signature with the client's keys; exp
// (required, future), nbf, iat (required, not future) with the skew;
// exp - iat within the client's lifetime; aud contains the exact URL called;
// jti present; tenant allowed; jti not seen before (recorded until exp plus
// skew).
//
// On error, the returned Caller holds the issuer and jti the token claims,
// unverified and cut short, for logging only.
func (v *Verifier) Verify(ctx context.Context, authorization string, path string) (Caller, error) {
	var caller Caller
	raw, err := bearer(authorization)
	if err != nil {
		return caller, err
	}
	// One parse: the header checks, the issuer, the jku rules and the key
	// are decided in the keyfunc, which golang-jwt calls after decoding
	// the header and claims and before checking the signature. The
	// algorithm is checked there (not with WithValidMethods) so that its
	// refusal stays ErrAlgorithm.
	var (
		cl     claims
		c      *trusted
		alg    string
		keyErr error
	)
	tok, err := v.parser.ParseWithClaims(raw, &cl, func(t *jwt.Token) (any, error) {
		caller.Issuer, caller.JTI = short(cl.Issuer), short(cl.ID)
		alg, _ = t.Header["alg"].(string)
		keyErr = func() error {
			if !slices.Contains(v.cfg.Algorithms, alg) {
				return refuse(ErrAlgorithm, "one of "+strings.Join(v.cfg.Algorithms, ", "), fmt.Sprintf("%q", alg))
			}
			if err := checkHeader(t.Header); err != nil {
				return err
			}
			var ok bool
			if c, ok = v.clients[cl.Issuer]; !ok {
				return refuse(ErrIssuer, "an issuer of the clients file", fmt.Sprintf("iss %q", cl.Issuer))
			}
			return nil
		}()
		if keyErr != nil {
			return nil, keyErr
		}
		kf, err := c.keysFor(t.Header)
		if err != nil {
			keyErr = err
			return nil, err
		}
		k, err := tokenKey(ctx, kf)(t)
		keyErr = err
		return k, err
	})
	if caller.Issuer == "" && caller.JTI == "" { // refused before the keyfunc: log what the claims say
		caller.Issuer, caller.JTI = short(cl.Issuer), short(cl.ID)
	}
	switch {
	case err == nil:
	case keyErr != nil:
		return caller, keyErr
	case tok != nil && tok.Header != nil && errors.Is(err, jwt.ErrTokenUnverifiable):
		// An algorithm golang-jwt does not know.
		return caller, refuse(ErrAlgorithm, "one of "+strings.Join(v.cfg.Algorithms, ", "), fmt.Sprintf("%q", fmt.Sprint(tok.Header["alg"])))
	case errors.Is(err, jwt.ErrTokenSignatureInvalid) && c != nil:
		return caller, refuse(ErrSignature, "a signature by the client's key", fmt.Sprintf("kid %q, alg %q", fmt.Sprint(tok.Header["kid"]), alg))
	default:
		return caller, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if err := v.checkClaims(c, &cl, path); err != nil {
		return caller, err
	}
	caller.Tenant = cl.Tenant

	until := cl.ExpiresAt.Add(v.cfg.Skew)
	seen, err := v.seen(ctx, cl.Issuer, cl.ID, until)
	if err != nil {
		return caller, fmt.Errorf("%w: %v", ErrReplayStore, err)
	}
	if seen {
		return caller, ErrReplay
	}
	return Caller{Issuer: cl.Issuer, Tenant: cl.Tenant, JTI: cl.ID, FHIRServers: c.FHIRServers}, nil
}

// seen asks the replay store within ReplayTimeout (and ctx). The store is
// asked in its own goroutine, so that even a store that ignores its
// context (a driver stuck on a frozen connection) cannot hold the call:
// the answer is then an error, and the goroutine ends when the store does.
func (v *Verifier) seen(ctx context.Context, issuer, jti string, until time.Time) (bool, error) {
	if m, ok := v.replay.(*MemoryReplay); ok {
		return m.Seen(ctx, issuer, jti, until) // no I/O: cannot hang
	}
	ctx, cancel := context.WithTimeout(ctx, v.cfg.ReplayTimeout)
	defer cancel() // once answered or given up, the store may stop
	type answer struct {
		seen bool
		err  error
	}
	done := make(chan answer, 1)
	go func() {
		seen, err := v.replay.Seen(ctx, issuer, jti, until)
		done <- answer{seen, err}
	}()
	select {
	case a := <-done:
		return a.seen, a.err
	case <-ctx.Done():
		select {
		case a := <-done: // answered just in time
			return a.seen, a.err
		default:
		}
		return false, fmt.Errorf("no answer within %s: %w", v.cfg.ReplayTimeout, ctx.Err())
	}
}

// refusal is a refused check with what was expected and what the token
// held, for the log (never the token itself, only claims and headers).
type refusal struct {
	err                error
	expected, received string
}

func (r *refusal) Error() string {
	msg := r.err.Error()
	if r.expected != "" {
		msg += ": expected " + r.expected
	}
	if r.received != "" {
		msg += ", received " + r.received
	}
	return msg
}

func (r *refusal) Unwrap() error { return r.err }

func refuse(err error, expected, received string) error {
	return &refusal{err: err, expected: expected, received: shortN(received, maxDetailLen/2)}
}

// timeText formats a claim time for the log.
func timeText(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// bearer extracts the token from "Bearer <token>" (scheme case-insensitive).
func bearer(h string) (string, error) {
	h = strings.TrimSpace(h)
	if h == "" || strings.EqualFold(h, "Bearer") {
		return "", ErrMissing
	}
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", fmt.Errorf("%w: not a Bearer authorization", ErrMalformed)
	}
	tok = strings.TrimSpace(tok)
	switch {
	case tok == "":
		return "", ErrMissing
	case len(tok) > maxTokenBytes:
		return "", fmt.Errorf("%w: token longer than %d bytes", ErrMalformed, maxTokenBytes)
	case strings.ContainsAny(tok, " \t\r\n"):
		return "", fmt.Errorf("%w: spaces in token", ErrMalformed)
	}
	return tok, nil
}

// checkHeader requires a kid, refuses crit (no extension is understood) and
// a typ other than JWT (in any case).
func checkHeader(h map[string]any) error {
	if kid, ok := h["kid"].(string); !ok || kid == "" {
		return fmt.Errorf("%w: no kid in header", ErrMalformed)
	}
	if _, ok := h["crit"]; ok {
		return fmt.Errorf("%w: crit header not supported", ErrMalformed)
	}
	if typ, ok := h["typ"]; ok {
		if s, _ := typ.(string); !strings.EqualFold(s, "JWT") {
			return fmt.Errorf("%w: typ is not JWT", ErrMalformed)
		}
	}
	if jku, ok := h["jku"]; ok {
		if s, _ := jku.(string); s == "" {
			return fmt.Errorf("%w: jku is not a URL string", ErrMalformed)
		}
	}
	return nil
}

// keysFor applies contract section 3's jku rules and picks the keys.
func (c *trusted) keysFor(h map[string]any) (keyfunc.Keyfunc, error) {
	jku, _ := h["jku"].(string)
	if c.keys != nil {
		if jku != "" && !c.allowJ[jku] {
			return nil, fmt.Errorf("%w: %q", ErrJKU, short(jku))
		}
		return c.keys, nil
	}
	if jku == "" {
		return nil, fmt.Errorf("%w: token has no jku and no keys are configured", ErrJKU)
	}
	kf, ok := c.jku[jku]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrJKU, short(jku))
	}
	return kf, nil
}

// validJTI reports whether a jti is one the replay store can keep: 1 to
// maxJTILen bytes of UTF-8 without NUL (a NUL is valid JSON and UTF-8 that
// PostgreSQL text cannot hold: the replay check failed, 503 retried in
// vain; failsafe19). The verifier and the token inspection both ask it.
func validJTI(jti string) bool {
	return jti != "" && len(jti) <= maxJTILen && utf8.ValidString(jti) && strings.IndexByte(jti, 0) < 0
}

func (v *Verifier) checkClaims(c *trusted, cl *claims, path string) error {
	now := v.cfg.Now()
	skew := v.cfg.Skew
	if cl.ExpiresAt == nil {
		return refuse(ErrExpired, "an exp claim", "none")
	}
	if !now.Before(cl.ExpiresAt.Add(skew)) {
		return refuse(ErrExpired, fmt.Sprintf("exp after now %s (skew %s)", timeText(now), skew), "exp "+timeText(cl.ExpiresAt.Time))
	}
	if cl.NotBefore != nil && now.Add(skew).Before(cl.NotBefore.Time) {
		return refuse(ErrIssuedAt, fmt.Sprintf("nbf not after now %s (skew %s)", timeText(now), skew), "nbf "+timeText(cl.NotBefore.Time))
	}
	if cl.IssuedAt == nil {
		return refuse(ErrIssuedAt, "an iat claim", "none")
	}
	if now.Add(skew).Before(cl.IssuedAt.Time) {
		return refuse(ErrIssuedAt, fmt.Sprintf("iat not after now %s (skew %s)", timeText(now), skew), "iat "+timeText(cl.IssuedAt.Time))
	}
	life := cl.ExpiresAt.Sub(cl.IssuedAt.Time)
	if life < 0 || life > c.MaxTokenLifetime {
		return refuse(ErrLifetime, "exp - iat at most "+c.MaxTokenLifetime.String(), life.String())
	}
	want := v.base + path
	if !strings.HasPrefix(path, "/") || !slices.Contains(cl.Audience, want) {
		got := make([]string, len(cl.Audience))
		for i, a := range cl.Audience {
			got[i] = fmt.Sprintf("%q", short(a))
		}
		return refuse(ErrAudience, fmt.Sprintf("aud holding %q", want), "aud ["+strings.Join(got, ", ")+"]")
	}
	if !validJTI(cl.ID) {
		return refuse(ErrJTI, fmt.Sprintf("a jti of 1 to %d bytes of UTF-8 without NUL", maxJTILen), fmt.Sprintf("%d bytes", len(cl.ID)))
	}
	if len(c.Tenants) > 0 && !slices.Contains(c.Tenants, cl.Tenant) {
		return refuse(ErrTenant, "one of "+strings.Join(c.Tenants, ", "), fmt.Sprintf("tenant %q", cl.Tenant))
	}
	return nil
}

// short cuts attacker-supplied text before it reaches an error or a log.
func short(s string) string { return shortN(s, maxLogLen) }

func shortN(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
