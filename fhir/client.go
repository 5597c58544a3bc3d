package fhir

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"jakguard/internal/netguard"
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
	// DefaultCallBudget is the memory one hook call may spend on FHIR
	// pages, all of its keys together (contract 6.6, --fhir-memory).
	DefaultCallBudget = 32 << 20
)

// ClientConfig holds the limits of the FHIR REST client. Zero fields take
// the defaults above.
type ClientConfig struct {
	AllowHTTP bool // accept http:// fhirServer URLs (development only)
	// DenyLoopback refuses connections to loopback addresses (127.0.0.0/8,
	// ::1) as well. Link-local and cloud metadata addresses are refused
	// whatever this says (netguard.DeniedAddr). It is off by default so that
	// tests and local development can use FHIR servers on 127.0.0.1;
	// jakguard serve turns it on whenever it is reachable from elsewhere.
	DenyLoopback bool
	QueryTimeout time.Duration // one query, all of its pages
	PageCap      int           // most pages fetched per query, the first included
	MaxBytes     int64         // largest response body per page
	MaxParallel  int           // most queries of one FetchAll in flight at once
	// CallBudget bounds the bytes of FHIR pages one hook call buffers, all
	// keys together (see WithBudget). Past it a key is unavailable.
	CallBudget int64
}

// Token is a FHIR access token; it never shows in logs or formatted text.
type Token = netguard.Token

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
// transport; a given hc is copied, its redirect policy replaced so that
// redirects never leave the FHIR server's base path, and its
// *http.Transport (cloned) made to dial through the address guard.
func NewClient(cfg ClientConfig, hc *http.Client) *Client {
	orDefault(&cfg.QueryTimeout, DefaultQueryTimeout)
	orDefault(&cfg.PageCap, DefaultPageCap)
	orDefault(&cfg.MaxBytes, DefaultMaxBytes)
	orDefault(&cfg.MaxParallel, DefaultMaxParallel)
	orDefault(&cfg.CallBudget, DefaultCallBudget)
	return &Client{cfg: cfg, hc: netguard.HTTPClient(hc, cfg.DenyLoopback)}
}

func orDefault[T int | int64 | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// WithBudget returns ctx carrying a fresh budget of CallBudget bytes: every
// Fetch, FetchNext and FetchAll under it spends from the same budget. Call
// it once per hook call. Without it, each Fetch or FetchAll has a budget
// of its own.
func (c *Client) WithBudget(ctx context.Context) context.Context {
	return netguard.WithBudget(ctx, netguard.NewBudget(c.cfg.CallBudget))
}

// CallBudget is the memory budget of one hook call's FHIR pages.
func (c *Client) CallBudget() int64 { return c.cfg.CallBudget }

// budgetOf is ctx's budget, or a fresh one for this call alone.
func (c *Client) budgetOf(ctx context.Context) (context.Context, *netguard.Budget) {
	if b := netguard.BudgetFrom(ctx); b != nil {
		return ctx, b
	}
	b := netguard.NewBudget(c.cfg.CallBudget)
	return netguard.WithBudget(ctx, b), b
}

// fail is an ErrUnavailable with a safe reason, or wrapping a
// *netguard.Error (itself safe).
func fail(reason any) error { return fmt.Errorf("%w: %v", ErrUnavailable, reason) }

// Fetch runs one relative FHIR query ("Patient/123", "Observation?...")
// against server with token as the Bearer token ("" sends none). It returns
// the raw JSON of the first page and of every page reached through
// Bundle.link[relation=next], at most PageCap pages, all within
// QueryTimeout and ctx. A read returns one page.
//
// Every URL requested (the query, each next link, each redirect) is put in
// normal form and must stay on the server's origin and under its base
// path; the token is sent nowhere else. Pages are read within MaxBytes
// each and within what is left of the call's budget (WithBudget).
//
// Errors wrap ErrUnavailable with a reason ("HTTP 500", "timeout",
// "OperationOutcome", "not JSON", "page cap reached", "next link loop",
// "memory budget exhausted", ...), or ErrInsecureServer. The reason is for
// logs: callers should show their own users one text whatever it is, so
// that the service cannot be used to probe a network. On error no pages
// are returned: partial data must not be mistaken for complete data.
func (c *Client) Fetch(ctx context.Context, server, token, query string) ([][]byte, error) {
	base, err := c.baseURL(server)
	if err != nil {
		return nil, err
	}
	first, err := queryURL(base, query)
	if err != nil {
		return nil, err
	}
	return c.fetch(ctx, base, first, Token(token))
}

// FetchNext fetches the page at next, an absolute or relative next link
// of a prefetch Bundle, and the pages after it, as Fetch does: the link
// must lead under server's base path, on its origin.
func (c *Client) FetchNext(ctx context.Context, server, token, next string) ([][]byte, error) {
	base, err := c.baseURL(server)
	if err != nil {
		return nil, err
	}
	if strings.ContainsAny(next, " \t\r\n") {
		return nil, fail("bad next link")
	}
	first, err := follow(base, base, next)
	if err != nil {
		return nil, err
	}
	return c.fetch(ctx, base, first, Token(token))
}

// fetch reads first and the pages its next links lead to. On error no
// pages are returned, and those read are given back to the budget.
func (c *Client) fetch(ctx context.Context, base, first *url.URL, token Token) (pages [][]byte, err error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.QueryTimeout)
	defer cancel()
	ctx, budget := c.budgetOf(ctx)
	ctx = netguard.WithBase(ctx, base)
	defer func() {
		if err != nil {
			for _, p := range pages {
				budget.Give(int64(len(p)))
			}
			pages = nil
		}
	}()
	seen := map[string]bool{}
	for next := first; next != nil; {
		switch {
		case len(pages) == c.cfg.PageCap:
			return pages, fail("page cap reached")
		case seen[next.String()]:
			return pages, fail("next link loop")
		}
		seen[next.String()] = true
		body, link, err := c.page(ctx, next, token, budget)
		if err != nil {
			return pages, err
		}
		pages = append(pages, body)
		if from := next; link == "" {
			next = nil
		} else if next, err = follow(from, base, link); err != nil {
			return pages, err
		}
	}
	return pages, nil
}

// follow resolves a next link against the page it came from; it must lead
// under base's path, on its origin.
func follow(from, base *url.URL, link string) (*url.URL, error) {
	ref, err := url.Parse(link)
	if err != nil {
		return nil, fail("bad next link")
	}
	u, ok := netguard.Confine(from.ResolveReference(ref), base)
	if !ok {
		return nil, fail("next link leaves the FHIR server")
	}
	return u, nil
}

// baseURL checks a fhirServer value and its scheme.
func (c *Client) baseURL(server string) (*url.URL, error) {
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
	if netguard.DeniedHost(base.Hostname(), c.cfg.DenyLoopback) {
		return nil, fail("address refused")
	}
	return base, nil
}

// queryURL joins base and a relative query, checking both.
func queryURL(base *url.URL, query string) (*url.URL, error) {
	// A relative reference only: no scheme, no host, no leading slash. Values
	// may hold URLs (code=http://loinc.org|718-7).
	ref, err := url.Parse(query)
	if err != nil || query == "" || ref.Scheme != "" || ref.Host != "" || strings.HasPrefix(query, "/") ||
		strings.ContainsAny(query, "#\\ \t\r\n") {
		return nil, fail("invalid query")
	}
	u, err := url.Parse(strings.TrimRight(base.String(), "/") + "/" + query)
	if err != nil {
		return nil, fail("invalid query")
	}
	u, ok := netguard.Confine(u, base)
	if !ok {
		return nil, fail("invalid query")
	}
	return u, nil
}

// page GETs one page and returns its body and its next link ("" if none).
func (c *Client) page(ctx context.Context, u *url.URL, token Token, budget *netguard.Budget) ([]byte, string, error) {
	h := http.Header{"Accept": {"application/fhir+json"}}
	if token != "" {
		h.Set("Authorization", "Bearer "+string(token))
	}
	body, err := netguard.Get(ctx, c.hc, u.String(), h, c.cfg.MaxBytes, budget)
	if err != nil {
		return nil, "", fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	// What Fetch reads of a page itself; decoding it is fhir.Builder's.
	var head struct {
		ResourceType string `json:"resourceType"`
		Link         []link `json:"link"`
	}
	reason := ""
	switch {
	case !jsontext.Value(body).IsValid():
		reason = "not JSON"
	case json.Unmarshal(body, &head) != nil || head.ResourceType == "":
		reason = "not a FHIR resource"
	case head.ResourceType == "OperationOutcome":
		reason = "OperationOutcome"
	}
	if reason != "" {
		budget.Give(int64(len(body)))
		return nil, "", fail(reason)
	}
	for _, l := range head.Link {
		if head.ResourceType == "Bundle" && l.Relation == "next" && l.URL != "" {
			return body, l.URL, nil
		}
	}
	return body, "", nil
}

// FetchAll runs Fetch for every query (key → rendered relative query) in
// parallel, at most MaxParallel at once, and returns one Result per key.
// One query failing does not stop the others; all are bounded by ctx.
//
// The queries spend from one budget: ctx's (WithBudget), or a fresh one.
func (c *Client) FetchAll(ctx context.Context, server, token string, queries map[string]string) map[string]Result {
	ctx, _ = c.budgetOf(ctx)
	results := make(map[string]Result, len(queries))
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, c.cfg.MaxParallel)
	for key, query := range queries {
		wg.Go(func() {
			var r Result
			select {
			case sem <- struct{}{}:
				r.Pages, r.Err = c.Fetch(ctx, server, token, query)
				<-sem
			case <-ctx.Done():
				r.Err = fmt.Errorf("%w: %w", ErrUnavailable, netguard.Failure(ctx, ctx.Err()))
			}
			mu.Lock()
			results[key] = r
			mu.Unlock()
		})
	}
	wg.Wait()
	return results
}
