package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
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

	// The store: request-path timeout, retention, the audit trail's key.
	dbTimeout, retention, auditRetention time.Duration
	auditKeyFile, auditKeyEnv            string
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
	dbTimeout := fs.Duration("db-timeout", "JAKGUARD_DB_TIMEOUT", 2*time.Second, "time limit of a database call a request waits for (feedback, readiness); past it 503")
	retention := days(store.DefaultRetention)
	auditRetention := days(store.DefaultRetention)
	for _, d := range []struct {
		v         *days
		name, env string
		usage     string
	}{
		{&retention, "retention", "JAKGUARD_RETENTION", "how long cards, their findings and their feedback are kept, e.g. 400d or 9600h; 0 keeps them forever"},
		{&auditRetention, "audit-retention", "JAKGUARD_AUDIT_RETENTION", "how long audit records of hook calls are kept, e.g. 400d; 0 keeps them forever"},
	} {
		if v := getenv(d.env); v != "" {
			if err := d.v.Set(v); err != nil {
				return nil, fmt.Errorf("%s=%q: %v", d.env, v, err)
			}
		}
		fs.Var(d.v, d.name, d.usage+envNote(d.env))
	}
	auditKeyFile := fs.String("audit-key-file", "JAKGUARD_AUDIT_KEY_FILE", "", "file holding the site secret the audit trail hashes patient ids with (or the secret itself in env JAKGUARD_AUDIT_KEY); default for SQLite: DB.audit-key, created on first start; required for PostgreSQL")
	if err := fs.parse(args); err != nil {
		return nil, err
	}
	c = serveConfig{
		addr: *addr, publicURL: *publicURL, clients: *clients, db: *db, corsOrigins: *cors, valuesets: *vs, rulesConfig: *rc,
		logLevel: *logLevel, allowUnauthenticated: *allowUnauth, allowHTTPFHIR: *allowHTTP, deadline: *deadline,
		fhirTimeout: *fhirTimeout, shutdownTimeout: *shutdown, bodyLimit: *bodyLimit, fhirPageCap: *pageCap,
		dbTimeout: *dbTimeout, retention: time.Duration(retention), auditRetention: time.Duration(auditRetention),
		auditKeyFile: *auditKeyFile, auditKeyEnv: getenv("JAKGUARD_AUDIT_KEY"),
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
	case c.dbTimeout <= 0:
		return errors.New("--db-timeout must be positive")
	case isPostgres(c.db) && c.auditKeyFile == "" && c.auditKeyEnv == "":
		// Before anything connects. Replicas must share the key, and one
		// kept in the database beside the hashes would not protect them.
		return errors.New("--db is PostgreSQL: give the audit key with --audit-key-file or JAKGUARD_AUDIT_KEY, " +
			"the same on every replica (at least 32 bytes, e.g. head -c 32 /dev/urandom | base64; docs/deployment.md)")
	}
	for _, r := range []struct {
		name string
		d    time.Duration
	}{{"--retention", c.retention}, {"--audit-retention", c.auditRetention}} {
		if r.d < 0 || (r.d > 0 && r.d < time.Hour) {
			return fmt.Errorf("%s %v: want at least 1h (e.g. 400d), or 0 to keep records forever", r.name, r.d)
		}
	}
	return nil
}

// days is a duration flag that also takes whole days ("400d").
type days time.Duration

func (d *days) String() string {
	if d == nil {
		return ""
	}
	if v := time.Duration(*d); v > 0 && v%(24*time.Hour) == 0 {
		return strconv.FormatInt(int64(v/(24*time.Hour)), 10) + "d"
	}
	return time.Duration(*d).String()
}

func (d *days) Set(s string) error {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		v, err := strconv.ParseUint(n, 10, 16)
		if err != nil {
			return fmt.Errorf("%q: want whole days (400d) or a duration (9600h)", s)
		}
		*d = days(time.Duration(v) * 24 * time.Hour)
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q: want whole days (400d) or a duration (9600h)", s)
	}
	*d = days(v)
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
	auditKey, keySrc, err := store.LoadAuditKey(cfg.db, cfg.auditKeyFile, cfg.auditKeyEnv, logger)
	if err != nil {
		return err
	}
	logAuditKey(logger, auditKey, keySrc)
	recorder := store.NewRecorder(st, logger, store.RecorderConfig{})
	pruner := store.NewPruner(st, logger, store.PrunerConfig{CardRetention: cfg.retention, AuditRetention: cfg.auditRetention})
	pruneCtx, stopPruning := context.WithCancel(context.Background())
	pruned := make(chan struct{})
	go func() { defer close(pruned); pruner.Run(pruneCtx) }()
	defer func() { stopPruning(); <-pruned }() // before the store closes
	if cfg.retention == 0 || cfg.auditRetention == 0 {
		logger.Warn("retention 0: records are kept forever and the store grows without bound",
			"retention", cfg.retention.String(), "audit_retention", cfg.auditRetention.String())
	}

	reg := prometheus.NewRegistry()
	metrics := hooks.NewMetrics(reg)
	metrics.RegisterRecorder(reg, recorder.Stats)
	metrics.RegisterPruner(reg, pruner.Stats)

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

		// Feedback insert and readiness; the recorder has its own.
		StoreTimeout: cfg.dbTimeout,
	}, hooks.Deps{
		Engine:   engine,
		FHIR:     fhir.NewClient(fhir.ClientConfig{AllowHTTP: cfg.allowHTTPFHIR, QueryTimeout: cfg.fhirTimeout, PageCap: cfg.fhirPageCap}, nil),
		Verifier: verifier,
		Store:    st,
		Recorder: recorder,
		AuditKey: auditKey,
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

// logAuditKey says where the audit key came from and its fingerprint (so
// that a changed key, after which old patient hashes no longer match, shows
// in the logs); never the key.
func logAuditKey(logger *slog.Logger, k *store.AuditKey, src store.AuditKeySource) {
	attrs := []any{"fingerprint", k.Fingerprint}
	switch {
	case src.Ephemeral:
		logger.Warn("audit key kept in memory only (sqlite::memory:): patient hashes will not match after a restart", attrs...)
		return
	case src.Generated:
		logger.Warn("audit key generated; back it up with the database, or patients cannot be looked up in a restored audit trail",
			append(attrs, "file", src.File)...)
		return
	case src.File != "":
		attrs = append(attrs, "file", src.File)
	default:
		attrs = append(attrs, "from", "JAKGUARD_AUDIT_KEY")
	}
	logger.Info("audit key loaded", attrs...)
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

func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
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
