package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"jakguard/fhir"
	"jakguard/hooks"
	"jakguard/internal/auth"
	"jakguard/internal/store"
)

// serveConfig is everything serve reads from flags and environment.
type serveConfig struct {
	addr, publicURL, clients, db, corsOrigins, valuesets, rulesConfig, logLevel string
	allowUnauthenticated, allowHTTPFHIR, publicURLDefaulted                     bool
	deadline, fhirTimeout, shutdownTimeout                                      time.Duration
	bodyLimit, fhirPageCap                                                      int
}

func parseServe(args []string, getenv func(string) string, stderr io.Writer) (*serveConfig, error) {
	var c serveConfig
	fs := newFlagSet("serve", getenv, stderr)
	addr := fs.String("addr", "JAKGUARD_ADDR", "127.0.0.1:8080", "listen address")
	publicURL := fs.String("public-url", "JAKGUARD_PUBLIC_URL", "", "external base URL; JWT aud is checked against {public-url}/cds-services... (default http:// + addr)")
	clients := fs.String("clients", "JAKGUARD_CLIENTS", "", "trusted CDS clients file (JSON); without it calls are unauthenticated and only a loopback address is allowed")
	allowUnauth := fs.Bool("allow-unauthenticated", "JAKGUARD_ALLOW_UNAUTHENTICATED", false, "accept calls without a JWT on any address (development only)")
	db := fs.String("db", "JAKGUARD_DB", "sqlite:jakguard.db", "feedback store: sqlite:PATH or a postgres:// URL")
	cors := fs.String("cors-origins", "JAKGUARD_CORS_ORIGINS", "*", "allowed browser origins, comma separated")
	vs := fs.String("valuesets", "JAKGUARD_VALUESETS", "", "directory of FHIR ValueSet JSON files that add to or replace the built-in value sets")
	rc := fs.String("rules-config", "JAKGUARD_RULES_CONFIG", "", "JSON file of rule windows and thresholds that replace the defaults (docs/rules.md)")
	deadline := fs.Duration("deadline", "JAKGUARD_DEADLINE", 5*time.Second, "time limit of one hook call, FHIR fallback included")
	bodyLimit := fs.Int("body-limit", "JAKGUARD_BODY_LIMIT", 8<<20, "largest accepted request body in bytes")
	allowHTTP := fs.Bool("allow-http-fhir", "JAKGUARD_ALLOW_HTTP_FHIR", false, "allow an http (not https) fhirServer for fallback queries (development only)")
	fhirTimeout := fs.Duration("fhir-timeout", "JAKGUARD_FHIR_TIMEOUT", 3*time.Second, "time limit of one FHIR fallback query")
	pageCap := fs.Int("fhir-page-cap", "JAKGUARD_FHIR_PAGE_CAP", 5, "most pages followed per FHIR search")
	shutdown := fs.Duration("shutdown-timeout", "JAKGUARD_SHUTDOWN_TIMEOUT", 20*time.Second, "time given to in-flight requests on SIGTERM")
	logLevel := fs.String("log-level", "JAKGUARD_LOG_LEVEL", "info", "debug, info, warn or error")
	if err := fs.parse(args); err != nil {
		return nil, err
	}
	c = serveConfig{
		addr: *addr, publicURL: *publicURL, clients: *clients, db: *db, corsOrigins: *cors, valuesets: *vs, rulesConfig: *rc,
		logLevel: *logLevel, allowUnauthenticated: *allowUnauth, allowHTTPFHIR: *allowHTTP, deadline: *deadline,
		fhirTimeout: *fhirTimeout, shutdownTimeout: *shutdown, bodyLimit: *bodyLimit, fhirPageCap: *pageCap,
	}
	return &c, c.check()
}

// check applies the start-up rules of the contract (section 1).
func (c *serveConfig) check() error {
	if _, _, err := net.SplitHostPort(c.addr); err != nil {
		return fmt.Errorf("--addr %q: %v", c.addr, err)
	}
	if _, err := auth.CheckStartup(c.addr, c.clients, c.allowUnauthenticated, nil); err != nil {
		return err
	}
	if c.publicURL == "" {
		c.publicURL = "http://" + c.addr
		c.publicURLDefaulted = true
	}
	if !strings.HasPrefix(c.publicURL, "http://") && !strings.HasPrefix(c.publicURL, "https://") {
		return fmt.Errorf("--public-url %q: want an http:// or https:// URL", c.publicURL)
	}
	c.publicURL = strings.TrimRight(c.publicURL, "/")
	switch {
	case c.deadline <= 0 || c.fhirTimeout <= 0 || c.shutdownTimeout <= 0:
		return errors.New("--deadline, --fhir-timeout and --shutdown-timeout must be positive")
	case c.bodyLimit <= 0:
		return errors.New("--body-limit must be positive")
	case c.fhirPageCap <= 0:
		return errors.New("--fhir-page-cap must be positive")
	}
	return nil
}

func serve(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	cfg, err := parseServe(args, getenv, stderr)
	if err != nil {
		return err
	}
	logger, err := newLogger(stderr, cfg.logLevel)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.addr, err)
	}
	defer ln.Close()
	return serveOn(ctx, ln, cfg, logger)
}

// serveOn runs the service on ln until ctx is cancelled, then drains.
func serveOn(ctx context.Context, ln net.Listener, cfg *serveConfig, logger *slog.Logger) error {
	engine, k, err := newEngine(cfg.valuesets, cfg.rulesConfig)
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, cfg.db, logger)
	if err != nil {
		return fmt.Errorf("--db: %w", err)
	}
	defer st.Close()
	recorder := store.NewRecorder(st, logger, store.RecorderConfig{})

	reg := prometheus.NewRegistry()
	metrics := hooks.NewMetrics(reg)
	metrics.RegisterRecorder(reg, recorder.Stats)

	var verifier *auth.Verifier
	if cfg.clients != "" {
		clients, err := auth.LoadClients(cfg.clients)
		if err != nil {
			return fmt.Errorf("--clients: %w", err)
		}
		replay, closeReplay, err := newReplay(ctx, cfg.db)
		if err != nil {
			return err
		}
		defer closeReplay()
		if cfg.publicURLDefaulted {
			logger.Warn("--public-url not set: JWT aud must be " + cfg.publicURL + "/cds-services...; behind a proxy or ingress set --public-url to the URL the EHR calls")
		}
		verifier, err = auth.NewVerifier(ctx, auth.Config{PublicURL: cfg.publicURL}, clients, replay, nil, logger)
		if err != nil {
			return fmt.Errorf("--clients: %w", err)
		}
		verifier.OnFailure = metrics.AuthFailure
	} else if _, err := auth.CheckStartup(cfg.addr, "", cfg.allowUnauthenticated, logger); err != nil {
		return err // logs the loud warning at every start
	}

	srv, err := hooks.NewServer(hooks.Config{
		CORSOrigins: splitList(cfg.corsOrigins),
		BodyLimit:   int64(cfg.bodyLimit),
		Deadline:    cfg.deadline,
	}, hooks.Deps{
		Engine:   engine,
		FHIR:     fhir.NewClient(fhir.ClientConfig{AllowHTTP: cfg.allowHTTPFHIR, QueryTimeout: cfg.fhirTimeout, PageCap: cfg.fhirPageCap}, nil),
		Verifier: verifier,
		Store:    st,
		Recorder: recorder,
		Metrics:  metrics,
		Logger:   logger,
	})
	if err != nil {
		return err
	}
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      cfg.deadline + 10*time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	logger.Info("jakguard serving", "addr", ln.Addr().String(), "public_url", cfg.publicURL,
		"version", buildVersion(), "knowledge", k.Revision(), "auth", verifier != nil)

	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down: finishing in-flight requests")
	srv.SetReady(false)
	sctx, cancel := context.WithTimeout(context.Background(), cfg.shutdownTimeout)
	defer cancel()
	shutdownErr := hs.Shutdown(sctx)
	if err := recorder.Close(sctx); err != nil {
		logger.Error("flushing card records", "err", err)
	}
	if shutdownErr != nil {
		return fmt.Errorf("shutdown: %w", shutdownErr)
	}
	logger.Info("stopped")
	return nil
}

// newReplay returns the jti replay store: shared through PostgreSQL when
// the feedback store is PostgreSQL (several replicas), else in memory.
func newReplay(ctx context.Context, db string) (auth.ReplayStore, func(), error) {
	if strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://") {
		pool, err := pgxpool.New(ctx, db)
		if err != nil {
			return nil, nil, errors.New("--db: cannot open PostgreSQL for the replay store")
		}
		r, err := auth.NewPostgresReplay(ctx, pool)
		if err != nil {
			pool.Close()
			return nil, nil, fmt.Errorf("replay store: %w", err)
		}
		return r, pool.Close, nil
	}
	return auth.NewMemoryReplay(time.Now), func() {}, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
