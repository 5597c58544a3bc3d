package console

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	jsonv2 "github.com/go-json-experiment/json"

	"jakguard/internal/store"
	"jakguard/rules"
)

//go:embed assets
var assets embed.FS

// Mode says who may use the operator endpoints (contract 6.7).
type Mode int

const (
	// Off: no operator token file and not a local development server; every
	// operator endpoint answers 404.
	Off Mode = iota
	// Open: a loopback address without --clients or a token file (a
	// developer's machine); no token is asked, but only requests naming a
	// loopback host are served (no DNS rebinding).
	Open
	// TokenAuth: the API needs "Authorization: Bearer <operator token>";
	// the page itself (HTML, script, style: no data) is served to anyone.
	TokenAuth
)

// Source is what the console reads from the store.
type Source interface {
	Analytics(ctx context.Context, q store.AnalyticsQuery) (store.Analytics, error)
	Audit(ctx context.Context, q store.AuditQuery) ([]store.AuditRecord, error)
}

// PreviewFunc evaluates a hook request for a service without recording or
// auditing it, and returns the HTTP status and JSON body a hook call would
// have answered (the cards, or an OperationOutcome).
type PreviewFunc func(ctx context.Context, service string, body []byte) (status int, answer []byte)

// Config are the console's collaborators.
type Config struct {
	Mode   Mode
	Tokens *Tokens // required with TokenAuth
	// Store answers analytics and audit; nil answers them 503.
	Store Source
	// PatientHash is the audit key's hash of a patient id; nil answers a
	// patient search 503.
	PatientHash func(id string) string
	Preview     PreviewFunc
	// Engine gives the rule catalogue of the running knowledge base.
	Engine *rules.Engine
	// Services are the CDS service ids; when set, the findings API
	// answers 400 to any other service= (a typo is not "no cards").
	Services []string
	Now      func() time.Time // nil: time.Now
	Logger   *slog.Logger
}

// Console serves the operator console and its JSON API under /console/,
// and /analytics/findings (an alias of /console/api/findings). It is an
// http.Handler.
type Console struct {
	cfg      Config
	mux      *http.ServeMux
	rules    []byte // the catalogue's JSON, built once
	requests []bundledRequest
}

// bundledRequest is one of the test requests the preview offers.
type bundledRequest struct {
	Name    string `json:"name"`
	Service string `json:"service"`
	body    []byte
}

// Timeouts of the console's store queries.
const queryTimeout = 30 * time.Second

// New builds the console.
func New(cfg Config) (*Console, error) {
	if cfg.Mode == TokenAuth && cfg.Tokens.Len() == 0 {
		return nil, errors.New("console: token auth without tokens")
	}
	if cfg.Engine == nil || cfg.Preview == nil {
		return nil, errors.New("console: engine and preview are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	c := &Console{cfg: cfg}
	var err error
	if c.rules, err = catalogueJSON(cfg.Engine); err != nil {
		return nil, err
	}
	if c.requests, err = loadRequests(); err != nil {
		return nil, err
	}
	m := http.NewServeMux()
	m.HandleFunc("GET /console", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/console/", http.StatusMovedPermanently)
	})
	m.HandleFunc("GET /console/{$}", c.page)
	m.HandleFunc("GET /console/assets/{file}", c.asset)
	m.HandleFunc("GET /console/api/findings", c.api(c.findings))
	m.HandleFunc("GET /analytics/findings", c.api(c.findings))
	m.HandleFunc("GET /console/api/audit", c.api(c.audit))
	m.HandleFunc("POST /console/api/audit", c.api(c.auditPost))
	m.HandleFunc("POST /console/api/preview/{service}", c.api(c.preview))
	m.HandleFunc("GET /console/api/rules", c.api(c.rulesAPI))
	m.HandleFunc("GET /console/api/requests", c.api(c.requestList))
	m.HandleFunc("GET /console/api/requests/{name}", c.api(c.requestBody))
	c.mux = m
	return c, nil
}

// ServeHTTP serves the console; with Mode Off every path answers 404.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; object-src 'none'; "+
		// Trusted Types: no string reaches an HTML sink (innerHTML and the
		// like throw), so a later edit of app.js cannot parse caller text
		// as markup by mistake.
		"require-trusted-types-for 'script'; trusted-types 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	switch c.cfg.Mode {
	case Off:
		writeError(w, http.StatusNotFound, "no operator console: start jakguard with --operator-token-file (docs/console.md)")
		return
	case Open:
		if !loopbackHost(r.Host) {
			writeError(w, http.StatusForbidden, "the console without a token answers only requests to a loopback host")
			return
		}
	}
	c.mux.ServeHTTP(w, r)
}

// IsOperatorToken reports whether an Authorization header value carries an
// operator token: the hook endpoints refuse them (contract 6.7).
func (c *Console) IsOperatorToken(authorization string) bool {
	return c.cfg.Tokens.Match(BearerToken(authorization))
}

// api wraps a JSON endpoint: operator authentication, then no caching.
func (c *Console) api(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if c.cfg.Mode == TokenAuth && !c.IsOperatorToken(r.Header.Get("Authorization")) {
			// An EHR's JWT is no operator token: it is refused here.
			w.Header().Set("WWW-Authenticate", `Bearer realm="jakguard-operator"`)
			writeError(w, http.StatusUnauthorized, "an operator token is required (Authorization: Bearer <token from --operator-token-file>)")
			return
		}
		h(w, r)
	}
}

func (c *Console) page(w http.ResponseWriter, r *http.Request) {
	b, err := assets.ReadFile("assets/index.html")
	if err != nil {
		http.Error(w, "missing page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(b)
}

func (c *Console) asset(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	ctype := mime.TypeByExtension(path.Ext(name))
	b, err := fs.ReadFile(assets, "assets/"+name)
	if err != nil || ctype == "" || strings.Contains(name, "/") {
		writeError(w, http.StatusNotFound, "no such asset")
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(b)
}

// findings answers GET /console/api/findings?since=720h[&service=S]
// [&format=csv]: the analytics of `jakguard report` with weekly series,
// or the report's CSV.
func (c *Console) findings(w http.ResponseWriter, r *http.Request) {
	since, err := parseSince(r.URL.Query().Get("since"), c.cfg.Now())
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if c.cfg.Store == nil {
		writeError(w, http.StatusServiceUnavailable, "no store configured")
		return
	}
	q := store.AnalyticsQuery{Since: since, Service: r.URL.Query().Get("service")}
	if !plainParam(q.Service) {
		writeError(w, http.StatusBadRequest, "service must be text: valid UTF-8 without control characters")
		return
	}
	if q.Service != "" && len(c.cfg.Services) > 0 && !slices.Contains(c.cfg.Services, q.Service) {
		writeError(w, http.StatusBadRequest, "service must be one of "+strings.Join(c.cfg.Services, ", "))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), queryTimeout)
	defer cancel()
	a, err := c.cfg.Store.Analytics(ctx, q)
	if err != nil {
		c.cfg.Logger.Warn("console: analytics query failed", "err", err)
		writeError(w, http.StatusServiceUnavailable, "analytics unavailable; retry")
		return
	}
	if r.URL.Query().Get("format") == "csv" {
		var buf bytes.Buffer
		if err := store.WriteReport(&buf, a.Report, store.FormatCSV); err != nil {
			writeError(w, http.StatusInternalServerError, "csv")
			return
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="jakguard-findings.csv"`)
		_, _ = w.Write(buf.Bytes())
		return
	}
	writeJSON(w, http.StatusOK, a)
}

// audit answers GET /console/api/audit?since=24h[&patient=ID]
// [&hookInstance=H][&limit=N]: {"calls":[...]}, newest first. The patient
// id is hashed here with the audit key; it is neither stored nor logged.
func (c *Console) audit(w http.ResponseWriter, r *http.Request) {
	c.auditSearch(w, r, r.URL.Query())
}

// auditPost answers POST /console/api/audit, the search of GET
// /console/api/audit with its parameters in a JSON body
// ({"since", "patient", "hookInstance", "limit"}): the page searches this
// way, so that a patient id never stands in a URL, which proxies and
// ingresses write to their access logs.
func (c *Console) auditPost(w http.ResponseWriter, r *http.Request) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, "the body must be JSON: Content-Type application/json")
		return
	}
	var p struct {
		Since        string `json:"since"`
		Patient      string `json:"patient"`
		HookInstance string `json:"hookInstance"`
		Limit        *int   `json:"limit"`
	}
	// Read as strictly as the hooks' requests (one value, member names in
	// their case, each once, valid UTF-8): {"PATIENT": ...} or a name twice
	// searched for a patient the operator may not have meant.
	if err := jsonv2.UnmarshalRead(http.MaxBytesReader(w, r.Body, maxSearchBody), &p, jsonv2.RejectUnknownMembers(true)); err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			writeError(w, http.StatusRequestEntityTooLarge, "the search is larger than 16 KiB")
			return
		}
		writeError(w, http.StatusBadRequest, "the body must be a JSON object with since, patient, hookInstance and limit (strings; limit a number)")
		return
	}
	v := url.Values{}
	for name, val := range map[string]string{"since": p.Since, "patient": p.Patient, "hookInstance": p.HookInstance} {
		if val != "" {
			v.Set(name, val)
		}
	}
	if p.Limit != nil {
		v.Set("limit", strconv.Itoa(*p.Limit))
	}
	c.auditSearch(w, r, v)
}

// maxSearchBody bounds the body of an audit search.
const maxSearchBody = 16 << 10

func (c *Console) auditSearch(w http.ResponseWriter, r *http.Request, v url.Values) {
	since, err := parseSince(v.Get("since"), c.cfg.Now())
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	for _, name := range []string{"hookInstance", "patient"} {
		if !plainParam(v.Get(name)) {
			writeError(w, http.StatusBadRequest, name+" must be text: valid UTF-8 without control characters")
			return
		}
	}
	// The audit trail keeps a hookInstance cut to MaxAuditText bytes: a
	// longer one is searched for as it was kept.
	q := store.AuditQuery{Since: since, HookInstance: store.ClipAuditText(v.Get("hookInstance"))}
	if s := v.Get("limit"); s != "" {
		if q.Limit, err = strconv.Atoi(s); err != nil || q.Limit <= 0 {
			writeError(w, http.StatusBadRequest, "limit must be a positive number")
			return
		}
	}
	if id := v.Get("patient"); id != "" {
		if c.cfg.PatientHash == nil {
			writeError(w, http.StatusServiceUnavailable, "no audit key: patients cannot be looked up")
			return
		}
		q.PatientHash = c.cfg.PatientHash(id)
	}
	if c.cfg.Store == nil {
		writeError(w, http.StatusServiceUnavailable, "no store configured")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), queryTimeout)
	defer cancel()
	calls, err := c.cfg.Store.Audit(ctx, q)
	if err != nil {
		c.cfg.Logger.Warn("console: audit query failed", "err", err)
		writeError(w, http.StatusServiceUnavailable, "audit trail unavailable; retry")
		return
	}
	// limit is the most calls answered: as many calls as it says there
	// may be more (the page says so rather than let them be counted).
	writeJSON(w, http.StatusOK, map[string]any{"calls": calls, "limit": store.AuditLimit(q.Limit)})
}

// preview answers POST /console/api/preview/{service}: the hook's answer
// for the request in the body, neither recorded nor audited.
func (c *Console) preview(w http.ResponseWriter, r *http.Request) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (mt != "application/json" && mt != "application/fhir+json") {
		// As for hook calls: no cross-site form posts (contract 6.6).
		writeError(w, http.StatusUnsupportedMediaType, "the body must be JSON: Content-Type application/json")
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, "request body unreadable or larger than the configured limit")
		return
	}
	status, answer := c.cfg.Preview(r.Context(), r.PathValue("service"), body)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(answer)
}

func (c *Console) rulesAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(c.rules)
}

func (c *Console) requestList(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"requests": c.requests})
}

func (c *Console) requestBody(w http.ResponseWriter, r *http.Request) {
	for _, br := range c.requests {
		if br.Name == r.PathValue("name") {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(br.body)
			return
		}
	}
	writeError(w, http.StatusNotFound, "no such bundled request")
}

// loadRequests reads the bundled test requests (assets/requests).
func loadRequests() ([]bundledRequest, error) {
	entries, err := fs.ReadDir(assets, "assets/requests")
	if err != nil {
		return nil, err
	}
	var out []bundledRequest
	for _, e := range entries {
		b, err := fs.ReadFile(assets, "assets/requests/"+e.Name())
		if err != nil {
			return nil, err
		}
		var head struct {
			Hook string `json:"hook"`
		}
		if err := json.Unmarshal(b, &head); err != nil || head.Hook == "" {
			return nil, errors.New("console: bundled request " + e.Name() + " has no hook")
		}
		out = append(out, bundledRequest{Name: strings.TrimSuffix(e.Name(), ".json"), Service: head.Hook, body: b})
	}
	return out, nil
}

// parseSince reads since as a positive Go duration (720h) or whole days
// (30d); "" means from the beginning.
func parseSince(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	var d time.Duration
	var err error
	if n, ok := strings.CutSuffix(s, "d"); ok {
		var days int
		days, err = strconv.Atoi(n)
		d = time.Duration(days) * 24 * time.Hour
		if days > 100000 {
			err = errors.New("too long")
		}
	} else {
		d, err = time.ParseDuration(s)
	}
	if err != nil || d <= 0 {
		return time.Time{}, errors.New("since must be a positive duration such as 24h, 720h or 30d")
	}
	return now.Add(-d), nil
}

// plainParam reports whether a query parameter is text a search can hold:
// valid UTF-8 without control characters (PostgreSQL refuses invalid
// UTF-8 and NUL, and the call would read as an outage).
func plainParam(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	return !strings.ContainsFunc(s, unicode.IsControl)
}

// loopbackHost reports whether a request's Host names the loopback
// interface (localhost, 127.0.0.0/8, ::1), with or without a port.
func loopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal error")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]string{"error": msg})
	_, _ = w.Write(b)
}
