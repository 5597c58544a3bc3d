package hooks

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"jakguard/fhir"
	"jakguard/internal/auth"
	"jakguard/internal/jsonx"
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
	Deadline time.Duration
	// StoreTimeout bounds each database call made while a request waits:
	// the feedback insert and the readiness ping (default 2 s). Card and
	// audit records are written off the request path (the Recorder).
	StoreTimeout time.Duration
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

	services map[string]*Service
	disc     []byte // the discovery document, rendered once
	ready    atomic.Bool
	echo     *echo.Echo

	// kbRevision and configHash identify the knowledge base and the rules
	// configuration in the audit trail.
	kbRevision, configHash string

	// decodeAll turns off the pruning of Observations no rule reads
	// (tests compare the findings with and without it).
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
	s := &Server{
		cfg: cfg, engine: d.Engine, fhir: d.FHIR, verifier: d.Verifier, store: d.Store,
		recorder: d.Recorder, auditKey: d.AuditKey, metrics: d.Metrics, logger: d.Logger, now: d.Now, newUUID: d.NewUUID,
		services: map[string]*Service{},
	}
	s.kbRevision = d.Engine.Knowledge().Revision()
	cfgJSON, err := jsonx.Marshal(d.Engine.Config())
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(cfgJSON)
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
	svcs := services(d.Engine.Knowledge())
	for i := range svcs {
		s.services[svcs[i].ID] = &svcs[i]
	}
	disc, err := jsonx.Marshal(Discovery{Services: svcs})
	if err != nil {
		return nil, err
	}
	s.disc = disc
	s.echo = s.routes()
	s.ready.Store(true)
	return s, nil
}

// ServeHTTP serves every route.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

// SetReady switches /readyz; it is turned off first on shutdown.
func (s *Server) SetReady(ok bool) { s.ready.Store(ok) }

// Services returns the discovery entries.
func (s *Server) Services() []Service {
	out := make([]Service, 0, len(s.services))
	for _, id := range []string{HookOrderSelect, HookOrderSign, HookPatientView} {
		out = append(out, *s.services[id])
	}
	return out
}

// routes maps the whole HTTP surface; middleware order matters:
// recover, request log, CORS (before auth, so preflights and 401s carry
// CORS headers), body limit, then per-group auth.
func (s *Server) routes() *echo.Echo {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = errorHandler(s.logger)
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		DisableStackAll:   true,
		DisablePrintStack: true,
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			s.logger.Error("panic", "path", c.Path(), "err", err, "stack", string(stack))
			return err
		},
	}))
	e.Use(s.requestLog)
	e.Use(s.metricsMiddleware)
	e.Use(middleware.CORSWithConfig(middleware.CORSConfig{
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

	authed := e.Group("")
	if s.verifier != nil {
		authed.Use(s.verifier.Middleware())
	}
	authed.GET("/cds-services", s.handleDiscovery)
	authed.POST("/cds-services/:id", s.handleService)
	authed.POST("/cds-services/:id/feedback", s.handleFeedback)
	authed.GET("/analytics/findings", s.handleAnalytics)
	return e
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
		s.logger.Log(c.Request().Context(), level, "request", attrs...)
		return err
	}
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
)

func byteSize(n int64) string { return strconv.FormatInt(n, 10) + "B" }

// GCPercent is the garbage collector's target jakguard runs with when GOGC
// is not set (cmd/jakguard; jakload and the benchmarks measure with it
// too). A typical hook call leaves about 0.2 MB of short-lived garbage
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
