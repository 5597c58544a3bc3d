package hooks

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"mime"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"jakguard/fhir"
	"jakguard/internal/auth"
	"jakguard/internal/console"
	"jakguard/internal/store"
	"jakguard/rules"
)

// Config holds the protocol settings of the server.
type Config struct {
	// CORSOrigins are the allowed browser origins ("*" for any).
	CORSOrigins []string
	// BodyLimit is the largest accepted request body in bytes (default 8 MiB).
	BodyLimit int64
	// Deadline bounds each hook call, FHIR fallback included (default 5 s).
	// It starts before authentication.
	Deadline time.Duration
	// MaxConcurrent is the most hook calls evaluated at once (admission
	// control); 0 sizes it from GOMAXPROCS and the memory limit
	// (DefaultMaxConcurrent).
	MaxConcurrent int
	// AdmissionQueue is the most calls waiting for a slot (default
	// MaxConcurrent); past it a call is answered 503 at once. Feedback
	// posts have their own pool (feedbackSlots: a quarter as many slots,
	// and as long a queue), so that they never take a hook call's slot.
	AdmissionQueue int
	// AdmissionWait is the longest a call waits for a slot before its 503
	// (default DefaultAdmissionWait).
	AdmissionWait time.Duration
	// MemoryBudget is the memory the hook calls being evaluated may reserve
	// together (see weigh); 0 means the Go memory limit less baseHeap, none
	// when there is no limit.
	MemoryBudget int64
	// StoreTimeout bounds each database call made while a request waits:
	// the feedback insert and the readiness ping (default 2 s). Card and
	// audit records are written off the request path (the Recorder).
	StoreTimeout time.Duration
	// OperatorMode says who may use the operator console and its API
	// (contract 6.7): console.Off (404), console.Open (a loopback developer
	// server) or console.TokenAuth with OperatorTokens.
	OperatorMode   console.Mode
	OperatorTokens *console.Tokens
}

// Server is the CDS Hooks service. It is an http.Handler.
type Server struct {
	cfg      Config
	engine   *rules.Engine
	fhir     *fhir.Client
	verifier *auth.Verifier
	store    store.Store
	recorder *store.Recorder
	auditKey *store.AuditKey
	metrics  *Metrics
	logger   *slog.Logger
	now      func() time.Time
	newUUID  func() string

	admission *admission
	// feedbackAdmission bounds the feedback posts handled at once, apart
	// from hook calls: a feedback store that hangs holds its posts for
	// StoreTimeout each, and must not hold the slots advice needs.
	feedbackAdmission *admission
	// memory is the memory admission of hook calls (nil: none).
	memory *memoryGate

	console *console.Console // /console/ and /analytics/findings

	services map[string]*Service
	disc     []byte // the discovery document, rendered once
	ready    atomic.Bool
	echo     *echo.Echo

	// kbRevision and configHash identify the knowledge base and the rules
	// configuration in the audit trail.
	kbRevision, configHash string

	// filters are the relevance filters of the prefetch reader (newPrefetch),
	// one set per kind of call, kept for the server's life: they remember
	// their decisions by code. decodeAll turns them off (tests compare the
	// findings with and without them).
	filters   struct{ view, order, course *fhir.Filters }
	decodeAll bool
}

// Deps are the collaborators of a Server. Engine and Logger are required;
// a nil FHIR client disables fallback, a nil Verifier means unauthenticated
// (the caller enforces the start-up rules), a nil Store disables feedback.
type Deps struct {
	Engine   *rules.Engine
	FHIR     *fhir.Client
	Verifier *auth.Verifier
	Store    store.Store
	Recorder *store.Recorder // card and audit records; nil records nothing
	AuditKey *store.AuditKey // hashes the patient id of audit records; nil keeps none
	Metrics  *Metrics
	Logger   *slog.Logger
	Now      func() time.Time // nil: time.Now
	NewUUID  func() string    // nil: random UUIDv4
}

// NewServer checks the configuration and builds the routes.
func NewServer(cfg Config, d Deps) (*Server, error) {
	if d.Engine == nil {
		return nil, errors.New("hooks: no rules engine")
	}
	if d.Logger == nil {
		return nil, errors.New("hooks: no logger")
	}
	if cfg.BodyLimit <= 0 {
		cfg.BodyLimit = 8 << 20
	}
	if cfg.Deadline <= 0 {
		cfg.Deadline = 5 * time.Second
	}
	if cfg.StoreTimeout <= 0 {
		cfg.StoreTimeout = 2 * time.Second
	}
	if len(cfg.CORSOrigins) == 0 {
		cfg.CORSOrigins = []string{"*"}
	}
	if cfg.MaxConcurrent <= 0 {
		fhirBudget := int64(fhir.DefaultCallBudget)
		if d.FHIR != nil {
			fhirBudget = d.FHIR.CallBudget()
		}
		cfg.MaxConcurrent = DefaultMaxConcurrent(runtime.GOMAXPROCS(0), debug.SetMemoryLimit(-1), 2*cfg.BodyLimit+fhirBudget)
	}
	if cfg.MemoryBudget <= 0 {
		if limit := debug.SetMemoryLimit(-1); limit > baseHeap && limit < math.MaxInt64 {
			cfg.MemoryBudget = limit - baseHeap
		}
	}
	if cfg.AdmissionQueue <= 0 {
		cfg.AdmissionQueue = cfg.MaxConcurrent
	}
	if cfg.AdmissionWait <= 0 {
		cfg.AdmissionWait = DefaultAdmissionWait
	}
	s := &Server{
		cfg: cfg, engine: d.Engine, fhir: d.FHIR, verifier: d.Verifier, store: d.Store,
		recorder: d.Recorder, auditKey: d.AuditKey, metrics: d.Metrics, logger: d.Logger, now: d.Now, newUUID: d.NewUUID,
		services:          map[string]*Service{},
		admission:         newAdmission(cfg.MaxConcurrent, cfg.AdmissionQueue, cfg.AdmissionWait),
		feedbackAdmission: newAdmission(feedbackSlots(cfg.MaxConcurrent), feedbackSlots(cfg.AdmissionQueue), cfg.AdmissionWait),
		memory:            newMemoryGate(cfg.MemoryBudget),
	}
	s.kbRevision = d.Engine.Knowledge().Revision()
	s.filters.view, s.filters.order, s.filters.course = newFilters(d.Engine)
	// Every window and threshold in Go syntax: a stable text of the
	// effective rules configuration (time.Duration has no JSON form).
	sum := sha256.Sum256(fmt.Appendf(nil, "%#v", d.Engine.Config()))
	s.configHash = hex.EncodeToString(sum[:8])
	if s.now == nil {
		s.now = time.Now
	}
	if s.newUUID == nil {
		// UUIDv7: time-ordered, so the card records' keys insert in order.
		s.newUUID = func() string { return uuid.Must(uuid.NewV7()).String() }
	}
	if s.metrics == nil {
		s.metrics = NewMetrics(nil)
	}
	s.metrics.registerAdmission(s.admission)
	svcs := services(d.Engine.Knowledge())
	for i := range svcs {
		s.services[svcs[i].ID] = &svcs[i]
	}
	disc, err := encodeJSON(Discovery{Services: svcs})
	if err != nil {
		return nil, err
	}
	s.disc = disc
	var patientHash func(string) string
	if s.auditKey != nil {
		patientHash = s.auditKey.PatientHash
	}
	var src console.Source
	if s.store != nil {
		src = s.store
	}
	s.console, err = console.New(console.Config{
		Mode: cfg.OperatorMode, Tokens: cfg.OperatorTokens, Store: src, PatientHash: patientHash,
		Preview: s.Preview, Engine: d.Engine, Now: s.now, Logger: s.logger,
		Services: []string{HookOrderSelect, HookOrderSign, HookPatientView},
	})
	if err != nil {
		return nil, err
	}
	s.echo = s.routes()
	s.ready.Store(true)
	return s, nil
}

// ServeHTTP serves every route.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

// SetReady switches /readyz; it is turned off first on shutdown.
func (s *Server) SetReady(ok bool) { s.ready.Store(ok) }

// MaxConcurrent is the admission limit in force (Config.MaxConcurrent,
// or the default it was sized to).
func (s *Server) MaxConcurrent() int { return s.cfg.MaxConcurrent }

// fhirBudget is the memory budget of one call's FHIR fallback pages.
func (s *Server) fhirBudget() int64 {
	if s.fhir == nil {
		return 0
	}
	return s.fhir.CallBudget()
}

// Services returns the discovery entries.
func (s *Server) Services() []Service {
	out := make([]Service, 0, len(s.services))
	for _, id := range []string{HookOrderSelect, HookOrderSign, HookPatientView} {
		out = append(out, *s.services[id])
	}
	return out
}

// routes maps the whole HTTP surface; middleware order matters:
// drain header (Connection: close once shutting down), recover, request
// log, CORS (before auth, so preflights and 401s carry CORS headers), body
// limit; then on the authenticated routes the deadline (before auth, so
// the replay check counts against it), auth, and on the hook and feedback
// routes admission control (after auth, before the body is read).
func (s *Server) routes() *echo.Echo {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = errorHandler(s.logger)
	e.Use(s.drainHeader)
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		DisableStackAll:   true,
		DisablePrintStack: true,
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			s.logger.Error("panic", "path", c.Path(), "err", err, "stack", string(stack))
			return err
		},
	}))
	e.Use(requestID)
	e.Use(s.requestLog)
	e.Use(s.metricsMiddleware)
	e.Use(middleware.CORSWithConfig(middleware.CORSConfig{
		// No CORS on the operator endpoints: no web page of another origin
		// reads them, even with the token (or, on a developer's loopback
		// server, without one).
		Skipper:       isOperatorPath,
		AllowOrigins:  s.cfg.CORSOrigins,
		AllowMethods:  []string{http.MethodGet, http.MethodPost, http.MethodOptions},
		AllowHeaders:  []string{echo.HeaderAuthorization, echo.HeaderContentType},
		ExposeHeaders: []string{"X-Request-Id"},
		MaxAge:        600,
	}))
	e.Use(middleware.BodyLimit(byteSize(s.cfg.BodyLimit)))

	e.GET("/healthz", func(c echo.Context) error { return c.JSON(http.StatusOK, map[string]string{"status": "ok"}) })
	e.GET("/readyz", s.handleReady)
	if s.metrics.handler != nil {
		e.GET("/metrics", echo.WrapHandler(s.metrics.handler))
	}

	// Route-level middleware, not Group.Use: a group's middleware also
	// claims every unknown path (404 and 405 would become 401).
	// Operator tokens are refused on the EHR's endpoints before anything
	// else looks at the call (contract 6.7).
	authed := []echo.MiddlewareFunc{s.refuseOperatorToken, s.deadline}
	if s.verifier != nil {
		authed = append(authed, s.verifier.Middleware())
	}
	e.GET("/cds-services", s.handleDiscovery, authed...)
	e.POST("/cds-services/:id", s.handleService, append(authed, requireJSON, s.admit(s.admission, true))...)
	e.POST("/cds-services/:id/feedback", s.handleFeedback, append(authed, requireJSON, s.admit(s.feedbackAdmission, false))...)
	// The operator console and its API, with their own authentication
	// (operator tokens; an EHR's JWT is refused there): internal/console.
	op := echo.WrapHandler(s.console)
	e.Any("/console", op)
	e.Any("/console/*", op)
	e.GET("/analytics/findings", op) // an alias of /console/api/findings
	return e
}

// isOperatorPath reports whether the request is for an operator endpoint.
func isOperatorPath(c echo.Context) bool {
	p := c.Request().URL.Path
	return p == "/console" || strings.HasPrefix(p, "/console/") || p == "/analytics/findings"
}

// refuseOperatorToken answers 401 to a call on an EHR endpoint (hooks,
// feedback, discovery) that presents an operator token: operator tokens
// open the console only, with or without EHR authentication configured.
func (s *Server) refuseOperatorToken(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if h := c.Request().Header.Get(echo.HeaderAuthorization); h != "" && s.console.IsOperatorToken(h) {
			return &Error{Status: http.StatusUnauthorized, Code: "login", Message: "an operator token is not accepted on CDS Hooks endpoints"}
		}
		return next(c)
	}
}

// requireJSON answers 415 to a POST whose body is not declared JSON
// (application/json or application/fhir+json, with any parameters such as
// charset). Browsers send text/plain, form and multipart bodies across
// sites without a CORS preflight; requiring JSON closes that door to hook
// calls and feedback from any web page (contract 6.6).
func requireJSON(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		mt, _, err := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
		if err != nil || (mt != "application/json" && mt != "application/fhir+json") {
			return &Error{Status: http.StatusUnsupportedMediaType, Code: "not-supported",
				Message: "the body must be JSON: Content-Type application/json or application/fhir+json"}
		}
		return next(c)
	}
}

func (s *Server) handleReady(c echo.Context) error {
	if !s.ready.Load() {
		return &Error{Status: http.StatusServiceUnavailable, Code: "transient", Message: "shutting down"}
	}
	if s.store != nil {
		ctx, cancel := context.WithTimeout(c.Request().Context(), s.cfg.StoreTimeout)
		defer cancel()
		if err := s.store.Ping(ctx); err != nil {
			s.logger.Warn("readiness: feedback store unreachable", "err", err)
			return &Error{Status: http.StatusServiceUnavailable, Code: "transient", Message: "feedback store unreachable"}
		}
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}

func (s *Server) handleDiscovery(c echo.Context) error {
	return c.JSONBlob(http.StatusOK, s.disc)
}

// requestLog logs one line per request: method, route, service,
// hookInstance, status and duration; never bodies, tokens or patient data.
func (s *Server) requestLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		status := statusOf(c, err)
		level := slog.LevelInfo
		path := c.Path()
		if path == "/healthz" || path == "/readyz" || path == "/metrics" || c.Request().Method == http.MethodOptions {
			level = slog.LevelDebug
		}
		attrs := []any{"method", c.Request().Method, "route", path, "status", status, "duration_ms", float64(time.Since(start).Microseconds()) / 1000}
		if id := c.Param("id"); id != "" {
			attrs = append(attrs, "service", cut(id))
		}
		if hi, ok := c.Get(ctxHookInstance).(string); ok {
			attrs = append(attrs, "hookInstance", hi)
		}
		if n, ok := c.Get(ctxCards).(int); ok {
			attrs = append(attrs, "cards", n)
		}
		if err != nil && status < 500 {
			attrs = append(attrs, "reason", err.Error())
		}
		if id, ok := c.Get(ctxRequestID).(string); ok {
			attrs = append(attrs, "request_id", id)
		}
		// A browser origin outside --cors-origins: the CORS middleware set
		// no Access-Control-Allow-Origin, so the browser will hide the
		// answer (or refuse the preflight). Operators see it at info.
		// (The operator endpoints send no CORS headers at all: the console's
		// own page calls them from the same origin.)
		if origin := c.Request().Header.Get(echo.HeaderOrigin); origin != "" && c.Response().Header().Get(echo.HeaderAccessControlAllowOrigin) == "" && !isOperatorPath(c) {
			level = slog.LevelInfo
			attrs = append(attrs, "cors", "origin not allowed by --cors-origins", "origin", cutLog(origin), "path", cutLog(c.Request().URL.Path))
		}
		s.logger.Log(c.Request().Context(), level, "request", attrs...)
		return err
	}
}

// requestID sets X-Request-Id on every answer (CORS exposes it): the
// caller's own when it is a short token, so that an EHR or proxy can
// correlate, else a new UUID. The request log carries it too.
func requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Request().Header.Get(echo.HeaderXRequestID)
		if !validRequestID(id) {
			id = uuid.NewString()
		}
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		c.Set(ctxRequestID, id)
		return next(c)
	}
}

// validRequestID accepts 1 to 128 letters, digits and . _ : -.
func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		b := id[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '.' || b == '_' || b == ':' || b == '-') {
			return false
		}
	}
	return true
}

// cutLog cuts caller-supplied text for a log line.
func cutLog(s string) string {
	if len(s) > 128 {
		return strings.ToValidUTF8(s[:128], "") + "…"
	}
	return s
}

// statusOf is the status a request ends with: the written one, or the one
// the error handler will write for err.
func statusOf(c echo.Context, err error) int {
	if err == nil {
		return c.Response().Status
	}
	var he *Error
	var ee *echo.HTTPError
	switch {
	case errors.As(err, &he):
		return he.Status
	case errors.As(err, &ee):
		return ee.Code
	}
	return http.StatusInternalServerError
}

// Keys of values stored on the echo.Context for the request log.
const (
	ctxHookInstance = "jakguard.hookInstance"
	ctxCards        = "jakguard.cards"
	ctxRequestID    = "jakguard.requestID"
)

func byteSize(n int64) string { return strconv.FormatInt(n, 10) + "B" }

// GCPercent is the garbage collector's target jakguard runs with when GOGC
// is not set (cmd/jakguard, and so what cmd/jakload measures; the
// benchmarks measure with it too). A typical hook call leaves about 0.2 MB of short-lived garbage
// against a live heap of under 2 MB, so Go's default (100) collects every
// dozen calls or so; 400 cut the CPU per call by a quarter
// (docs/performance.md). GOMEMLIMIT still bounds the heap.
const GCPercent = 400

// SetGCPercent applies GCPercent unless the GOGC environment variable is
// set; restore puts back the setting it replaced.
func SetGCPercent() (restore func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	old := debug.SetGCPercent(GCPercent)
	return func() { debug.SetGCPercent(old) }
}
