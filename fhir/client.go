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
	"net/netip"
	"net/url"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
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
	// whatever this says (see deniedAddr). It is off by default so that
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
// transport; a given hc is copied, its redirect policy replaced so that
// redirects never leave the FHIR server's base path, and its
// *http.Transport (cloned) made to dial through the address guard.
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
	if cfg.CallBudget <= 0 {
		cfg.CallBudget = DefaultCallBudget
	}
	var c http.Client
	if hc != nil {
		c = *hc
	}
	switch t := c.Transport.(type) {
	case nil:
		c.Transport = newTransport(cfg.DenyLoopback)
	case *http.Transport:
		// A given transport keeps its TLS settings but dials through the
		// address guard, and never through a proxy (a proxy resolves names
		// itself, out of the guard's sight).
		t = t.Clone()
		t.Proxy = nil
		t.DialContext = guardedDial(cfg.DenyLoopback)
		t.DialTLSContext = nil
		t.Dial, t.DialTLS = nil, nil // deprecated hooks, cleared so DialContext is used
		c.Transport = t
	default:
		// Another RoundTripper (a test double) is used as it is: jakguard
		// itself never passes one.
	}
	c.CheckRedirect = confinedRedirects
	c.Jar = nil // no cookies: nothing may carry over from one hook call to the next
	return &Client{cfg: cfg, hc: &c}
}

func newTransport(denyLoopback bool) *http.Transport {
	return &http.Transport{
		// No proxy: a proxy would resolve and reach addresses the dial
		// guard never sees.
		Proxy:                 nil,
		DialContext:           guardedDial(denyLoopback),
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   5 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// ErrDeniedAddress is the dial error for an address the client never
// connects to. It reaches callers only as a generic ErrUnavailable.
var ErrDeniedAddress = errors.New("address refused")

// Addresses never dialled, whatever the configuration: link-local (which
// holds the cloud metadata services at 169.254.169.254 and 169.254.170.2)
// and the other metadata and host-platform addresses, "this network"
// (0.0.0.0 reaches the local host), multicast and broadcast, and the
// NAT64 and 6to4 forms of link-local IPv4.
var deniedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("100.100.100.200/32"), // Alibaba Cloud metadata
	netip.MustParsePrefix("168.63.129.16/32"),   // Azure WireServer
	netip.MustParsePrefix("224.0.0.0/4"),
	netip.MustParsePrefix("255.255.255.255/32"),
	netip.MustParsePrefix("::/128"),
	netip.MustParsePrefix("fe80::/10"),
	netip.MustParsePrefix("fd00:ec2::254/128"), // AWS metadata over IPv6
	netip.MustParsePrefix("ff00::/8"),
	netip.MustParsePrefix("64:ff9b::a9fe:0/112"), // NAT64 of 169.254.0.0/16
	netip.MustParsePrefix("2002:a9fe::/32"),      // 6to4 of 169.254.0.0/16
}

// deniedHosts are metadata host names, refused before any lookup (they
// resolve to denied addresses anyway where they exist).
var deniedHosts = map[string]bool{
	"metadata.google.internal":   true,
	"metadata.goog":              true,
	"metadata":                   true,
	"instance-data":              true,
	"instance-data.ec2.internal": true,
	"metadata.azure.com":         true,
}

// deniedAddr reports whether ip must not be dialled.
func deniedAddr(ip netip.Addr, denyLoopback bool) bool {
	ip = ip.WithZone("").Unmap() // a prefix never contains a zoned address
	if !ip.IsValid() {
		return true
	}
	if ip.IsLoopback() {
		return denyLoopback
	}
	for _, p := range deniedPrefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

func deniedHost(host string) bool {
	return deniedHosts[strings.TrimSuffix(strings.ToLower(host), ".")]
}

// guardedDial dials after checking every address the name resolved to,
// at connect time (net.Dialer.Control sees the IP actually dialled), so
// redirects, next links and DNS rebinding cannot reach a denied address.
func guardedDial(denyLoopback bool) func(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{
		Timeout:   5 * time.Second,
		KeepAlive: 30 * time.Second,
		Control: func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil || deniedAddr(ap.Addr(), denyLoopback) {
				return ErrDeniedAddress
			}
			return nil
		},
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if err != nil || deniedHost(host) {
			return nil, ErrDeniedAddress
		}
		return d.DialContext(ctx, network, addr)
	}
}

type baseKey struct{}

// confinedRedirects follows at most two redirects, and only those that
// stay on the FHIR server's origin and under its base path, already in
// normal form (no dot segments, no encoded ones).
func confinedRedirects(req *http.Request, via []*http.Request) error {
	if len(via) >= 3 {
		return http.ErrUseLastResponse
	}
	base, _ := req.Context().Value(baseKey{}).(*url.URL)
	if base == nil {
		base = via[0].URL
	}
	u, ok := confine(req.URL, base)
	if !ok || u.Path != req.URL.Path && u.Path != strings.TrimSuffix(req.URL.Path, "/") || req.URL.RawPath != "" {
		// Out of the base path, or a path that only becomes acceptable once
		// normalised (dot segments, encoded characters): not followed.
		return http.ErrUseLastResponse
	}
	return nil
}

// origin is scheme://host:port in lower case with the default port made
// explicit, so that "https://EHR" and "https://ehr:443" compare equal.
func origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		switch scheme {
		case "https":
			port = "443"
		case "http":
			port = "80"
		}
	}
	return scheme + "://" + net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

func sameOrigin(a, b *url.URL) bool { return origin(a) == origin(b) }

// cleanPath is p (already percent-decoded) with dot segments resolved and
// without a trailing slash; "" for the root. ok is false for a path that
// holds a backslash or a NUL, which servers treat in their own ways.
func cleanPath(p string) (string, bool) {
	if strings.ContainsAny(p, "\\\x00") {
		return "", false
	}
	c := path.Clean("/" + p)
	if c == "/" {
		return "", true
	}
	return c, true
}

// confine returns u in normal form (path percent-decoded, dot segments
// resolved, re-encoded from that) if it is on base's origin and under
// base's path; ok is false otherwise. The request is then made for the
// very path that was checked.
func confine(u, base *url.URL) (*url.URL, bool) {
	if u.User != nil || u.Opaque != "" || !sameOrigin(u, base) {
		return nil, false
	}
	bp, ok := cleanPath(base.Path)
	if !ok {
		return nil, false
	}
	p, ok := cleanPath(u.Path)
	if !ok || !(bp == "" || p == bp || strings.HasPrefix(p, bp+"/")) {
		return nil, false
	}
	out := *u
	out.Path, out.RawPath, out.Fragment, out.RawFragment = p, "", "", ""
	if out.Path == "" {
		out.Path = "/"
	}
	return &out, true
}

// BaseURL returns the normal form of a FHIR base URL: lower-case scheme
// and host, no default port, dot segments resolved, no trailing slash.
// Two fhirServer values name the same server exactly when their BaseURLs
// are equal. URLs with user info, a query or a fragment are errors.
func BaseURL(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.Opaque != "" {
		return "", errors.New("not an absolute URL without user info, query or fragment")
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "https" && scheme != "http" {
		return "", errors.New("not an http(s) URL")
	}
	p, ok := cleanPath(u.Path)
	if !ok {
		return "", errors.New("path holds a backslash or NUL")
	}
	host := strings.ToLower(u.Hostname())
	if port := u.Port(); port != "" && !(scheme == "https" && port == "443") && !(scheme == "http" && port == "80") {
		host = net.JoinHostPort(host, port)
	} else if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return (&url.URL{Scheme: scheme, Host: host, Path: p}).String(), nil
}

// IsLoopbackURL reports whether s names a loopback host (localhost, or a
// loopback IP literal).
func IsLoopbackURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	h := strings.ToLower(u.Hostname())
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip, err := netip.ParseAddr(h)
	return err == nil && ip.Unmap().IsLoopback()
}

// Budget is the memory one hook call may spend on FHIR pages, shared by
// all of its queries. It is safe for concurrent use.
type Budget struct{ left atomic.Int64 }

// NewBudget returns a budget of n bytes.
func NewBudget(n int64) *Budget {
	b := &Budget{}
	b.left.Store(n)
	return b
}

// Left returns the bytes left.
func (b *Budget) Left() int64 { return max(b.left.Load(), 0) }

// give returns n bytes of pages that were dropped (a key that failed):
// they are garbage, no longer data the call holds.
func (b *Budget) give(n int64) { b.left.Add(n) }

// take spends n bytes, or reports false (spending nothing) if fewer are left.
func (b *Budget) take(n int64) bool {
	for {
		left := b.left.Load()
		if left < n {
			return false
		}
		if b.left.CompareAndSwap(left, left-n) {
			return true
		}
	}
}

type budgetKey struct{}

// WithBudget returns ctx carrying a fresh budget of CallBudget bytes: every
// Fetch, FetchNext and FetchAll under it spends from the same budget. Call
// it once per hook call. Without it, each Fetch or FetchAll has a budget
// of its own.
func (c *Client) WithBudget(ctx context.Context) context.Context {
	return context.WithValue(ctx, budgetKey{}, NewBudget(c.cfg.CallBudget))
}

// CallBudget is the memory budget of one hook call's FHIR pages.
func (c *Client) CallBudget() int64 { return c.cfg.CallBudget }

// budgetOf is ctx's budget, or a fresh one for this call alone.
func (c *Client) budgetOf(ctx context.Context) (context.Context, *Budget) {
	if b, ok := ctx.Value(budgetKey{}).(*Budget); ok {
		return ctx, b
	}
	b := NewBudget(c.cfg.CallBudget)
	return context.WithValue(ctx, budgetKey{}, b), b
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
	ref, err := url.Parse(next)
	if err != nil || strings.ContainsAny(next, " \t\r\n") {
		return nil, fail("bad next link")
	}
	first, ok := confine(base.ResolveReference(ref), base)
	if !ok {
		return nil, fail("next link leaves the FHIR server")
	}
	return c.fetch(ctx, base, first, Token(token))
}

func (c *Client) fetch(ctx context.Context, base, first *url.URL, token Token) ([][]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.QueryTimeout)
	defer cancel()
	ctx, budget := c.budgetOf(ctx)
	ctx = context.WithValue(ctx, baseKey{}, base)
	pages, err := c.pages(ctx, base, first, token, budget)
	if err != nil {
		// The pages read so far are dropped with the key: give them back.
		for _, p := range pages {
			budget.give(int64(len(p)))
		}
		return nil, err
	}
	return pages, nil
}

// pages reads first and the pages its next links lead to. On error it
// returns the pages read so far with the error.
func (c *Client) pages(ctx context.Context, base, first *url.URL, token Token, budget *Budget) ([][]byte, error) {
	seen := map[string]bool{}
	var pages [][]byte
	for next := first; next != nil; {
		if len(pages) == c.cfg.PageCap {
			return pages, fail("page cap reached")
		}
		key := next.String()
		if seen[key] {
			return pages, fail("next link loop")
		}
		seen[key] = true
		body, link, err := c.page(ctx, next, token, budget)
		if err != nil {
			return pages, err
		}
		pages = append(pages, body)
		if link == "" {
			break
		}
		ref, err := url.Parse(link)
		if err != nil {
			return pages, fail("bad next link")
		}
		var ok bool
		if next, ok = confine(next.ResolveReference(ref), base); !ok {
			return pages, fail("next link leaves the FHIR server")
		}
	}
	return pages, nil
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
	if deniedHost(base.Hostname()) {
		return nil, fail("address refused")
	}
	if ip, err := netip.ParseAddr(base.Hostname()); err == nil && deniedAddr(ip, c.cfg.DenyLoopback) {
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
	u, ok := confine(u, base)
	if !ok {
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
func (c *Client) page(ctx context.Context, u *url.URL, token Token, budget *Budget) ([]byte, string, error) {
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
	body, err := c.readBody(resp, budget)
	if err != nil {
		return nil, "", transportError(ctx, err)
	}
	bad := func(reason string) ([]byte, string, error) {
		budget.give(int64(len(body)))
		return nil, "", fail(reason)
	}
	if !json.Valid(body) {
		return bad("not JSON")
	}
	var head pageHead
	if err := json.Unmarshal(body, &head); err != nil {
		return bad("not a FHIR resource")
	}
	switch head.ResourceType {
	case "":
		return bad("not a FHIR resource")
	case "OperationOutcome":
		return bad("OperationOutcome")
	case "Bundle":
		for _, l := range head.Link {
			if l.Relation == "next" && l.URL != "" {
				return body, l.URL, nil
			}
		}
	}
	return body, "", nil
}

// readChunk is the most read at once while the body's size is unknown.
const readChunk = 64 << 10

// readBody reads a page body within MaxBytes and within what is left of
// the budget, spending from the budget before it holds the bytes: a page
// whose Content-Length is known reserves it at once (so of several pages
// read together, those that fit get through), a page of unknown length
// chunk by chunk. It never holds more than the budget had left; a page it
// gives up on gives its bytes back (they are dropped).
func (c *Client) readBody(resp *http.Response, budget *Budget) ([]byte, error) {
	if n := resp.ContentLength; n > c.cfg.MaxBytes {
		return nil, fail("response too large")
	} else if n > 0 {
		if !budget.take(n) {
			return nil, fail("memory budget exhausted")
		}
		buf := make([]byte, n)
		if _, err := io.ReadFull(resp.Body, buf); err != nil {
			budget.give(n)
			return nil, err
		}
		return buf, nil
	}
	var buf []byte
	giveUp := func(err error) ([]byte, error) {
		budget.give(int64(len(buf)))
		return nil, err
	}
	for {
		room := min(c.cfg.MaxBytes-int64(len(buf)), budget.Left())
		if cap(buf) == len(buf) {
			grow := min(max(int64(len(buf)), readChunk), room+1)
			nb := make([]byte, len(buf), int64(len(buf))+grow)
			copy(nb, buf)
			buf = nb
		}
		end := min(int64(cap(buf)), int64(len(buf))+room+1)
		n, err := resp.Body.Read(buf[len(buf):end])
		if n > 0 {
			if int64(len(buf)+n) > c.cfg.MaxBytes {
				return giveUp(fail("response too large"))
			}
			if !budget.take(int64(n)) {
				return giveUp(fail("memory budget exhausted"))
			}
			buf = buf[:len(buf)+n]
		}
		switch {
		case errors.Is(err, io.EOF):
			return buf, nil
		case err != nil:
			return giveUp(err)
		}
	}
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
	case errors.Is(err, ErrUnavailable):
		return err
	case isTimeout(err):
		return &unavailable{reason: "timeout", cause: context.DeadlineExceeded}
	case errors.Is(err, ErrDeniedAddress):
		return fail("address refused")
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
//
// The queries spend from one budget: ctx's (WithBudget), or a fresh one.
func (c *Client) FetchAll(ctx context.Context, server, token string, queries map[string]string) map[string]Result {
	ctx, _ = c.budgetOf(ctx)
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
