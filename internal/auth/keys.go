package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"
)

const (
	// keyFetchTimeout bounds one JWK Set download.
	keyFetchTimeout = 10 * time.Second
	// refreshWaitMax bounds how long a request may wait for an unknown-kid
	// refresh (the wait for the rate limiter and the download itself). A
	// refresh that is not allowed within this time is not waited for.
	refreshWaitMax = 3 * time.Second
	// backgroundRefresh is how often a remote JWK Set is re-read anyway.
	backgroundRefresh = time.Hour
	// maxJWKSBody bounds a downloaded JWK Set.
	maxJWKSBody = 1 << 20
	// minRSABits is the smallest RSA modulus accepted.
	minRSABits = 2048
)

// useSig admits keys marked for signatures and keys with no "use".
var useSig = []jwkset.USE{jwkset.UseSig, ""}

// fileKeys wraps a JWK Set read from a file: no network, no refresh.
func fileKeys(store jwkset.Storage) (keyfunc.Keyfunc, error) {
	return keyfunc.New(keyfunc.Options{Storage: store, UseWhitelist: useSig})
}

// remoteKeys caches the JWK Set at u (plus the given keys, if any, which are
// looked up first). It downloads the set now (a failure is logged, not
// returned, so that an EHR outage does not stop start-up), again every
// backgroundRefresh, and when a token names an unknown kid, at most once per
// refreshEvery. Background work stops when ctx ends.
func remoteKeys(ctx context.Context, u string, given jwkset.Storage, hc *http.Client, refreshEvery time.Duration, logger *slog.Logger) (keyfunc.Keyfunc, error) {
	onErr := func(_ context.Context, err error) {
		logger.Warn("auth: cannot fetch JWK Set", slog.String("url", u), slog.String("err", err.Error()))
	}
	hs, err := jwkset.NewStorageFromHTTP(u, jwkset.HTTPClientStorageOptions{
		Client:                    hc,
		Ctx:                       ctx,
		HTTPTimeout:               keyFetchTimeout,
		NoErrorReturnFirstHTTPReq: true,
		RefreshErrorHandler:       onErr,
		RefreshInterval:           backgroundRefresh,
	})
	if err != nil {
		return nil, fmt.Errorf("JWK Set %q: %w", u, err)
	}
	storage, err := jwkset.NewHTTPClient(jwkset.HTTPClientOptions{
		Given:             given,
		HTTPURLs:          map[string]jwkset.Storage{u: hs},
		RateLimitWaitMax:  refreshWaitMax,
		RefreshUnknownKID: rate.NewLimiter(rate.Every(refreshEvery), 1),
	})
	if err != nil {
		return nil, fmt.Errorf("JWK Set %q: %w", u, err)
	}
	return keyfunc.New(keyfunc.Options{Ctx: ctx, Storage: storage, UseWhitelist: useSig})
}

// tokenKey adapts a keyfunc to golang-jwt: every failure to find a usable
// key is ErrKeys.
func tokenKey(ctx context.Context, kf keyfunc.Keyfunc) jwt.Keyfunc {
	inner := kf.KeyfuncCtx(ctx)
	return func(t *jwt.Token) (any, error) {
		k, err := inner(t)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrKeys, err)
		}
		if err := checkPublicKey(k); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrKeys, err)
		}
		return k, nil
	}
}

// checkPublicKey admits EC keys on P-256, P-384 or P-521 and RSA keys of at
// least minRSABits.
func checkPublicKey(k any) error {
	switch pk := k.(type) {
	case *ecdsa.PublicKey:
		switch pk.Curve {
		case elliptic.P256(), elliptic.P384(), elliptic.P521():
			return nil
		}
		return errors.New("EC key on an unsupported curve")
	case *rsa.PublicKey:
		if pk.N == nil || pk.N.BitLen() < minRSABits {
			return fmt.Errorf("RSA key shorter than %d bits", minRSABits)
		}
		return nil
	case *ecdsa.PrivateKey:
		return checkPublicKey(&pk.PublicKey)
	case *rsa.PrivateKey:
		return checkPublicKey(&pk.PublicKey)
	}
	return fmt.Errorf("unsupported key type %T", k)
}

// keyHTTPClient copies hc for JWK Set downloads: bodies are bounded, and
// redirects are never followed.
func keyHTTPClient(hc *http.Client) *http.Client {
	c := &http.Client{Timeout: keyFetchTimeout}
	if hc != nil {
		cp := *hc
		c = &cp
	}
	base := c.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	c.Transport = limitTransport{base: base, max: maxJWKSBody}
	// No redirects at all: the URL was allow-listed, not wherever it
	// points to. A redirecting jku or jwks_url is a failed download.
	c.CheckRedirect = func(*http.Request, []*http.Request) error {
		return errRedirect
	}
	return c
}

// errRedirect refuses every redirect of a JWK Set download.
var errRedirect = errors.New("JWK Set URLs must answer themselves: redirects are not followed")

// checkFetchURL allows https, and plain http only to a loopback host when
// allowHTTP is set (tests).
func checkFetchURL(u *url.URL, allowHTTP bool) error {
	switch {
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && allowHTTP && isLoopbackHost(u.Hostname()):
		return nil
	case u.Scheme == "http" && allowHTTP:
		return fmt.Errorf("%q: plain http is allowed for loopback hosts only", u.Redacted())
	}
	return fmt.Errorf("%q: keys are fetched over https only", u.Redacted())
}

func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

type limitTransport struct {
	base http.RoundTripper
	max  int64
}

func (t limitTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	resp.Body = limitedBody{Reader: io.LimitReader(resp.Body, t.max), Closer: resp.Body}
	return resp, nil
}

type limitedBody struct {
	io.Reader
	io.Closer
}
