package fhir

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Errors of the FHIR REST client. Test with errors.Is.
var (
	// ErrUnavailable: the data for one query could not be had (HTTP error,
	// timeout, OperationOutcome, bad body, paging limits). The error text
	// gives a safe reason; it never holds the URL, the token or the body.
	ErrUnavailable = errors.New("FHIR data unavailable")
	// ErrInsecureServer: fhirServer is not https and plain http is not allowed.
	ErrInsecureServer = errors.New("fhirServer must use https (plain http only with the development flag that allows http FHIR servers)")
)

// Defaults for zero ClientConfig fields.
const (
	DefaultQueryTimeout = 2 * time.Second
	DefaultPageCap      = 10
	DefaultMaxBytes     = 32 << 20
	DefaultMaxParallel  = 8
)

// ClientConfig holds the limits of the FHIR REST client. Zero fields take
// the defaults above.
type ClientConfig struct {
	AllowHTTP    bool          // accept http:// fhirServer URLs (development only)
	QueryTimeout time.Duration // one query, all of its pages
	PageCap      int           // most pages fetched per query, the first included
	MaxBytes     int64         // largest response body per page
	MaxParallel  int           // most queries of one FetchAll in flight at once
}

// Token is a FHIR access token. It formats and logs as a redaction marker,
// so passing one to a logger or fmt never reveals it.
type Token string

const redacted = "REDACTED"

// String implements fmt.Stringer.
func (Token) String() string { return redacted }

// GoString implements fmt.GoStringer (%#v).
func (Token) GoString() string { return redacted }

// LogValue implements slog.LogValuer.
func (Token) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalText keeps the token out of JSON and text encodings.
func (Token) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// Client fetches prefetch data from a CDS client's FHIR server. It holds no
// patient data or tokens between calls. Create one per process and share
// it: its HTTP transport keeps connections alive across requests.
type Client struct {
	cfg ClientConfig
	hc  *http.Client
}

// Result is the outcome of one query of FetchAll.
type Result struct {
	Pages [][]byte // raw JSON, first page then each followed next page
	Err   error    // nil, or wraps ErrUnavailable or ErrInsecureServer
}

// NewClient returns a client. hc nil gives a client on its own keep-alive
// transport; a given hc is copied and its redirect policy replaced so that
// redirects never leave the FHIR server's scheme and host.
func NewClient(cfg ClientConfig, hc *http.Client) *Client {
	if cfg.QueryTimeout <= 0 {
		cfg.QueryTimeout = DefaultQueryTimeout
	}
	if cfg.PageCap <= 0 {
		cfg.PageCap = DefaultPageCap
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if cfg.MaxParallel <= 0 {
		cfg.MaxParallel = DefaultMaxParallel
	}
	var c http.Client
	if hc != nil {
		c = *hc
	} else {
		c.Transport = newTransport()
	}
	c.CheckRedirect = sameOriginRedirects
	c.Jar = nil // no cookies: nothing may carry over from one hook call to the next
	return &Client{cfg: cfg, hc: &c}
}

func newTransport() *http.Transport {
	return &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: (&net.Dialer{
			Timeout:   5 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   5 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

func sameOriginRedirects(req *http.Request, via []*http.Request) error {
	if len(via) >= 3 {
		return http.ErrUseLastResponse
	}
	if !sameOrigin(req.URL, via[0].URL) {
		return http.ErrUseLastResponse
	}
	return nil
}

func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Host, b.Host)
}

// unavailable is an ErrUnavailable with a safe reason. cause, when set, is
// a context error, never an error that could carry the URL.
type unavailable struct {
	reason string
	cause  error
}

func (e *unavailable) Error() string { return ErrUnavailable.Error() + ": " + e.reason }

func (e *unavailable) Unwrap() []error {
	if e.cause != nil {
		return []error{ErrUnavailable, e.cause}
	}
	return []error{ErrUnavailable}
}

func fail(reason string) error { return &unavailable{reason: reason} }

// Fetch runs one relative FHIR query ("Patient/123", "Observation?...")
// against server with token as the Bearer token ("" sends none). It returns
// the raw JSON of the first page and of every page reached through
// Bundle.link[relation=next], at most PageCap pages, all within
// QueryTimeout and ctx. A read returns one page.
//
// Errors wrap ErrUnavailable with a reason ("HTTP 500", "timeout",
// "OperationOutcome", "not JSON", "page cap reached", "next link loop",
// ...), or ErrInsecureServer. On error no pages are returned: partial data
// must not be mistaken for complete data.
func (c *Client) Fetch(ctx context.Context, server, token, query string) ([][]byte, error) {
	first, err := c.queryURL(server, query)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.QueryTimeout)
	defer cancel()

	seen := map[string]bool{}
	var pages [][]byte
	for next := first; next != nil; {
		if len(pages) == c.cfg.PageCap {
			return nil, fail("page cap reached")
		}
		key := next.String()
		if seen[key] {
			return nil, fail("next link loop")
		}
		seen[key] = true
		body, link, err := c.page(ctx, next, Token(token))
		if err != nil {
			return nil, err
		}
		pages = append(pages, body)
		if link == "" {
			break
		}
		ref, err := url.Parse(link)
		if err != nil {
			return nil, fail("bad next link")
		}
		next = next.ResolveReference(ref)
		if !sameOrigin(next, first) {
			return nil, fail("next link leaves the FHIR server")
		}
	}
	return pages, nil
}

// queryURL joins server and a relative query, checking both.
func (c *Client) queryURL(server, query string) (*url.URL, error) {
	base, err := url.Parse(server)
	if err != nil || base.Host == "" || base.User != nil || base.RawQuery != "" || base.Fragment != "" {
		return nil, fail("invalid fhirServer URL")
	}
	switch strings.ToLower(base.Scheme) {
	case "https":
	case "http":
		if !c.cfg.AllowHTTP {
			return nil, ErrInsecureServer
		}
	default:
		return nil, ErrInsecureServer
	}
	// A relative reference only: no scheme, no host, no leading slash. Values
	// may hold URLs (code=http://loinc.org|718-7).
	ref, err := url.Parse(query)
	if err != nil || query == "" || ref.Scheme != "" || ref.Host != "" || strings.HasPrefix(query, "/") ||
		strings.ContainsAny(query, "#\\ \t\r\n") {
		return nil, fail("invalid query")
	}
	u, err := url.Parse(strings.TrimRight(base.String(), "/") + "/" + query)
	if err != nil || !sameOrigin(u, base) {
		return nil, fail("invalid query")
	}
	return u, nil
}

// pageHead is what Fetch reads of a page itself; decoding is fhir.Builder's.
type pageHead struct {
	ResourceType string `json:"resourceType"`
	Link         []struct {
		Relation string `json:"relation"`
		URL      string `json:"url"`
	} `json:"link"`
}

// page GETs one page and returns its body and its next link ("" if none).
func (c *Client) page(ctx context.Context, u *url.URL, token Token) ([]byte, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, "", fail("invalid query")
	}
	req.Header.Set("Accept", "application/fhir+json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+string(token))
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, "", transportError(ctx, err)
	}
	defer func() {
		// Drain a little so the connection can be reused, then close.
		_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
		_ = resp.Body.Close()
	}()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, "", fail(fmt.Sprintf("HTTP %d", resp.StatusCode))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.cfg.MaxBytes+1))
	if err != nil {
		return nil, "", transportError(ctx, err)
	}
	if int64(len(body)) > c.cfg.MaxBytes {
		return nil, "", fail("response too large")
	}
	if !json.Valid(body) {
		return nil, "", fail("not JSON")
	}
	var head pageHead
	if err := json.Unmarshal(body, &head); err != nil {
		return nil, "", fail("not a FHIR resource")
	}
	switch head.ResourceType {
	case "":
		return nil, "", fail("not a FHIR resource")
	case "OperationOutcome":
		return nil, "", fail("OperationOutcome")
	case "Bundle":
		for _, l := range head.Link {
			if l.Relation == "next" && l.URL != "" {
				return body, l.URL, nil
			}
		}
	}
	return body, "", nil
}

// transportError maps a failed round trip to a safe reason. The original
// error is dropped: a *url.Error repeats the URL, which names the patient.
func transportError(ctx context.Context, err error) error {
	switch {
	case ctx.Err() != nil:
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return &unavailable{reason: "timeout", cause: context.DeadlineExceeded}
		}
		return &unavailable{reason: "canceled", cause: context.Canceled}
	case isTimeout(err):
		return &unavailable{reason: "timeout", cause: context.DeadlineExceeded}
	default:
		return fail("connection failed")
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// FetchAll runs Fetch for every query (key → rendered relative query) in
// parallel, at most MaxParallel at once, and returns one Result per key.
// One query failing does not stop the others; all are bounded by ctx.
func (c *Client) FetchAll(ctx context.Context, server, token string, queries map[string]string) map[string]Result {
	results := make(map[string]Result, len(queries))
	var (
		mu  sync.Mutex
		wg  sync.WaitGroup
		sem = make(chan struct{}, c.cfg.MaxParallel)
	)
	for key, query := range queries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var r Result
			select {
			case sem <- struct{}{}:
				r.Pages, r.Err = c.Fetch(ctx, server, token, query)
				<-sem
			case <-ctx.Done():
				r.Err = transportError(ctx, ctx.Err())
			}
			mu.Lock()
			results[key] = r
			mu.Unlock()
		}()
	}
	wg.Wait()
	return results
}
