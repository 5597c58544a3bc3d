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

// Errors of the FHIR REST client (test with errors.Is). The text of an
// ErrUnavailable gives a safe reason, never the URL, token or body.
var (
	ErrUnavailable    = errors.New("FHIR data unavailable")
	ErrInsecureServer = errors.New("fhirServer must use https (plain http only with the development flag that allows http FHIR servers)")
)

// Defaults for zero ClientConfig fields.
const (
	DefaultQueryTimeout = 2 * time.Second
	DefaultPageCap      = 10
	DefaultMaxBytes     = 32 << 20
	DefaultMaxParallel  = 8
	DefaultCallBudget   = 32 << 20 // contract 6.6, --fhir-memory
)

// ClientConfig holds the limits of the FHIR REST client.
type ClientConfig struct {
	AllowHTTP bool // accept http:// fhirServer URLs (development only)
	// DenyLoopback refuses loopback addresses too (link-local and metadata
	// ones always are): jakguard serve sets it when reachable from elsewhere.
	DenyLoopback bool
	QueryTimeout time.Duration // one query, all of its pages
	PageCap      int           // most pages fetched per query, the first included
	MaxBytes     int64         // largest response body per page
	MaxParallel  int           // most queries of one FetchAll in flight at once
	CallBudget   int64         // bytes of pages one hook call may buffer, all keys together
}

// Token is a FHIR access token; it never shows in logs or formatted text.
type Token = netguard.Token

// Client fetches what prefetch lacks from a CDS client's FHIR server. It
// holds no patient data or tokens between calls; one serves the process.
type Client struct {
	cfg ClientConfig
	hc  *http.Client
}

// Result is the outcome of one query of FetchAll: its pages, or the error.
type Result struct {
	Pages [][]byte
	Err   error
}

// NewClient returns a client on hc (nil: its own transport), guarded
// (netguard.HTTPClient). Zero config fields take the defaults.
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

// WithBudget returns ctx with a fresh budget of CallBudget bytes for every
// fetch under it: one per hook call (else each Fetch has its own).
func (c *Client) WithBudget(ctx context.Context) context.Context {
	return netguard.WithBudget(ctx, netguard.NewBudget(c.cfg.CallBudget))
}

// CallBudget is the memory budget of one hook call's FHIR pages.
func (c *Client) CallBudget() int64 { return c.cfg.CallBudget }

// budgetOf is ctx's budget, or a fresh one for this call alone.
func (c *Client) budgetOf(ctx context.Context) (context.Context, *netguard.Budget) {
	if netguard.BudgetFrom(ctx) == nil {
		ctx = c.WithBudget(ctx)
	}
	return ctx, netguard.BudgetFrom(ctx)
}

func fail(reason any) error { return fmt.Errorf("%w: %v", ErrUnavailable, reason) }

// Fetch runs a relative FHIR query ("Observation?...") on server with token
// as Bearer token ("" sends none) and returns each page's JSON, following
// next links up to PageCap pages, within QueryTimeout, MaxBytes, the budget
// and ctx. Every URL requested stays, in normal form, under server's base.
// Errors wrap ErrUnavailable with a reason for the logs (callers show one
// text, so the service cannot probe a network), or are ErrInsecureServer;
// the pages read before the error come with it: partial data, never to be
// taken for the whole search, but what it holds is so (an active drug on
// page 1 of a search whose page 2 failed is still active).
func (c *Client) Fetch(ctx context.Context, server, token, query string) ([][]byte, error) {
	base, err := c.baseURL(server)
	if err != nil {
		return nil, err
	}
	first, ok := netguard.Join(base, query)
	if !ok {
		return nil, fail("invalid query")
	}
	return c.fetch(ctx, base, first, Token(token))
}

// FetchNext is Fetch from next, the next link of a prefetch Bundle.
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

// fetch reads first and the pages after it; on error it returns those
// read with it (still counted in the budget: the caller holds them).
func (c *Client) fetch(ctx context.Context, base, first *url.URL, token Token) (pages [][]byte, err error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.QueryTimeout)
	defer cancel()
	ctx, budget := c.budgetOf(ctx)
	ctx = netguard.WithBase(ctx, base)
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

// follow resolves a next link; it must lead under base.
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

// page GETs one page and returns its body and next link ("" if none).
func (c *Client) page(ctx context.Context, u *url.URL, token Token, budget *netguard.Budget) ([]byte, string, error) {
	h := http.Header{"Accept": {"application/fhir+json"}}
	if token != "" {
		h.Set("Authorization", "Bearer "+string(token))
	}
	body, err := netguard.Get(ctx, c.hc, u.String(), h, c.cfg.MaxBytes, budget)
	if err != nil {
		return nil, "", fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
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
		if head.ResourceType == "Bundle" && relation(l.Relation, "next") && l.URL != "" {
			return body, l.URL, nil
		}
	}
	return body, "", nil
}

// FetchAll runs Fetch for every query (key → relative query), at most
// MaxParallel at once, all within ctx and one budget, and returns one
// Result per key; one failing does not stop the others.
func (c *Client) FetchAll(ctx context.Context, server, token string, queries map[string]string) map[string]Result {
	ctx, _ = c.budgetOf(ctx)
	results := make(map[string]Result, len(queries))
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, c.cfg.MaxParallel)
	for key, query := range queries {
		wg.Go(func() {
			var r Result
			defer func() {
				if recover() != nil { // a bug must not end the process: this key is unavailable
					r = Result{Err: fail("internal error")}
				}
				mu.Lock()
				results[key] = r
				mu.Unlock()
			}()
			select {
			case sem <- struct{}{}:
				r.Pages, r.Err = c.Fetch(ctx, server, token, query)
				<-sem
			case <-ctx.Done():
				r.Err = fmt.Errorf("%w: %w", ErrUnavailable, netguard.Failure(ctx, ctx.Err()))
			}
		})
	}
	wg.Wait()
	return results
}
