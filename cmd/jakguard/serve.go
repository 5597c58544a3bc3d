package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/KimMachineGun/automemlimit/memlimit"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"jakguard/fhir"
	"jakguard/hooks"
	"jakguard/internal/auth"
	"jakguard/internal/console"
	"jakguard/internal/netguard"
	"jakguard/internal/store"
)

// serveConfig is everything serve reads from flags and environment.
type serveConfig struct {
	addr, publicURL, clients, db, corsOrigins, valuesets, rulesConfig, logLevel string
	allowUnauthenticated, allowHTTPFHIR, publicURLDefaulted                     bool
	deadline, fhirTimeout, shutdownTimeout                                      time.Duration
	bodyLimit, fhirPageCap                                                      int

	fhirMemoryText string
	fhirMemory     int64 // bytes of FHIR pages per hook call

	memoryLimitText string
	memoryLimit     int64 // --memory-limit in bytes, 0 for none
	maxConcurrent   int   // 0: sized from GOMAXPROCS and the memory limit
	shutdownDrain   time.Duration
	getenv          func(string) string
	cgroupLimit     func() (uint64, error) // memlimit.FromCgroup outside tests
	// The store: request-path timeout, retention, the audit trail's key.
	dbTimeout, retention, auditRetention time.Duration
	auditKeyFile, auditKeyEnv            string
	operatorTokenFile                    string // --operator-token-file
}

func parseServe(args []string, getenv func(string) string, stderr io.Writer) (*serveConfig, error) {
	var c serveConfig
	fs := newFlagSet("serve", getenv, stderr)
	addr := fs.String("addr", "JAKGUARD_ADDR", "127.0.0.1:8080", "listen address; any address but loopback needs --clients (or --allow-unauthenticated, development only)")
	publicURL := fs.String("public-url", "JAKGUARD_PUBLIC_URL", "", "external base URL; JWT aud is checked against {public-url}/cds-services... (default http:// + addr)")
	clients := fs.String("clients", "JAKGUARD_CLIENTS", "", "trusted CDS clients file (JSON); without it calls are unauthenticated and only a loopback address is allowed")
	allowUnauth := fs.Bool("allow-unauthenticated", "JAKGUARD_ALLOW_UNAUTHENTICATED", false, "accept calls without a JWT on any address (development only)")
	db := fs.String("db", "JAKGUARD_DB", "sqlite:jakguard.db", "feedback store: sqlite:PATH or a postgres:// URL")
	cors := fs.String("cors-origins", "JAKGUARD_CORS_ORIGINS", "*", "allowed browser origins, comma separated")
	vs := fs.String("valuesets", "JAKGUARD_VALUESETS", "", "directory of FHIR ValueSet JSON files that add to (or, when a file says so, replace) built-in value sets (docs/valuesets.md)")
	rc := fs.String("rules-config", "JAKGUARD_RULES_CONFIG", "", "JSON file of rule windows and thresholds that replace the defaults (docs/rules.md)")
	deadline := fs.Duration("deadline", "JAKGUARD_DEADLINE", 5*time.Second, "time limit of one hook call, FHIR fallback included")
	bodyLimit := fs.Int("body-limit", "JAKGUARD_BODY_LIMIT", 8<<20, "largest accepted request body in bytes")
	allowHTTP := fs.Bool("allow-http-fhir", "JAKGUARD_ALLOW_HTTP_FHIR", false, "allow an http (not https) fhirServer for fallback queries (development only)")
	fhirTimeout := fs.Duration("fhir-timeout", "JAKGUARD_FHIR_TIMEOUT", 3*time.Second, "time limit of one FHIR fallback query")
	pageCap := fs.Int("fhir-page-cap", "JAKGUARD_FHIR_PAGE_CAP", 5, "most pages followed per FHIR search")
	fhirMemory := fs.String("fhir-memory", "JAKGUARD_FHIR_MEMORY", "32MiB", "memory budget of one hook call's FHIR fallback pages, all keys together (bytes, or with KiB, MiB, GiB); past it a key is unavailable")
	shutdown := fs.Duration("shutdown-timeout", "JAKGUARD_SHUTDOWN_TIMEOUT", 20*time.Second, "time given to in-flight requests on SIGTERM")
	drain := fs.Duration("shutdown-drain", "JAKGUARD_SHUTDOWN_DRAIN", 2*time.Second, "on SIGTERM, how long readiness fails and answers ask clients to close keep-alive connections before the listener closes (part of --shutdown-timeout)")
	memLimit := fs.String("memory-limit", "JAKGUARD_MEMORY_LIMIT", "", "memory the process may use (bytes, or with KiB, MiB, GiB); the Go runtime gets 90 % of the smaller of this and the container's limit, unless GOMEMLIMIT is set")
	maxConc := fs.Int("max-concurrent", "JAKGUARD_MAX_CONCURRENT", 0, "most hook calls evaluated at once; excess calls wait briefly, then get 503 (default: 8 per CPU, fewer if the memory limit needs it)")
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
	operatorTokens := fs.String("operator-token-file", "JAKGUARD_OPERATOR_TOKEN_FILE", "", "file of operator bearer tokens, one per line (at least 32 characters; # comments), for the console at /console/ (docs/console.md); without it the console answers 404, except on a loopback address without --clients")
	if err := fs.parse(args); err != nil {
		return nil, err
	}
	c = serveConfig{
		addr: *addr, publicURL: *publicURL, clients: *clients, db: *db, corsOrigins: *cors, valuesets: *vs, rulesConfig: *rc,
		logLevel: *logLevel, allowUnauthenticated: *allowUnauth, allowHTTPFHIR: *allowHTTP, deadline: *deadline,
		fhirTimeout: *fhirTimeout, shutdownTimeout: *shutdown, bodyLimit: *bodyLimit, fhirPageCap: *pageCap,
		fhirMemoryText: *fhirMemory, memoryLimitText: *memLimit, maxConcurrent: *maxConc, shutdownDrain: *drain,
		getenv: getenv, cgroupLimit: memlimit.FromCgroup,
		dbTimeout: *dbTimeout, retention: time.Duration(retention), auditRetention: time.Duration(auditRetention),
		auditKeyFile: *auditKeyFile, auditKeyEnv: getenv("JAKGUARD_AUDIT_KEY"),
		operatorTokenFile: *operatorTokens,
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
	if err := checkTZ(c.getenv("TZ")); err != nil {
		return err
	}
	n, err := parseSize(c.fhirMemoryText)
	if err != nil || n <= 0 {
		return fmt.Errorf("--fhir-memory %q: want a positive size in bytes, or with KiB, MiB or GiB (\"32MiB\")", c.fhirMemoryText)
	}
	c.fhirMemory = n
	if c.memoryLimitText != "" {
		n, err := parseSize(c.memoryLimitText)
		if err != nil || n < 64<<20 {
			return fmt.Errorf("--memory-limit %q: want a size of at least 64MiB, in bytes or with KiB, MiB or GiB (\"512MiB\")", c.memoryLimitText)
		}
		c.memoryLimit = n
	}
	switch {
	case c.maxConcurrent < 0:
		return errors.New("--max-concurrent must not be negative (0 sizes it from the CPUs and the memory limit)")
	case c.shutdownDrain < 0 || c.shutdownDrain >= c.shutdownTimeout:
		return errors.New("--shutdown-drain must be at least zero and shorter than --shutdown-timeout")
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

// checkTZ refuses a TZ that names no time zone. Go reads TZ once and
// counts in UTC, without a word, when it cannot load the zone: ages and
// "today" of every rule (docs/rules.md section 1) would then be another
// day's for hours each evening or morning. The zone database is in the
// binary (time/tzdata, main.go), so a zone name is the same everywhere.
func checkTZ(tz string) error {
	name := strings.TrimPrefix(tz, ":")
	if name == "" || name == "UTC" {
		return nil // UTC, as Go reads it
	}
	var err error
	if filepath.IsAbs(name) {
		_, err = os.Stat(name)
	} else {
		_, err = time.LoadLocation(name)
	}
	if err != nil {
		return fmt.Errorf("TZ %q names no time zone Go can load, and ages and dates would be counted in UTC: "+
			"set an IANA zone such as TZ=America/New_York, or unset TZ (docs/deployment.md)", tz)
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

// parseSize reads a byte count: a whole number, optionally followed by
// B, KiB, MiB, GiB or TiB (GOMEMLIMIT's units) or by Ki, Mi, Gi, Ti
// (Kubernetes' units).
func parseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	i := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	num, unit := s, ""
	if i >= 0 {
		num, unit = s[:i], s[i:]
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a size", s)
	}
	shift := map[string]uint{"": 0, "B": 0, "KiB": 10, "Ki": 10, "MiB": 20, "Mi": 20, "GiB": 30, "Gi": 30, "TiB": 40, "Ti": 40}
	sh, ok := shift[unit]
	if !ok {
		return 0, fmt.Errorf("%q: unknown unit %q (want B, KiB, MiB, GiB or TiB)", s, unit)
	}
	if n > math.MaxInt64>>sh {
		return 0, fmt.Errorf("%q is too large", s)
	}
	return n << sh, nil
}

// denyLoopbackFHIR says whether FHIR fallback must refuse loopback
// addresses: yes whenever the service can be reached from elsewhere,
// unless a client's fhir_servers names a loopback server (an operator's
// explicit choice, such as a local proxy). Local development (loopback,
// no clients file) keeps FHIR servers on 127.0.0.1 usable, as before.
func denyLoopbackFHIR(addr string, clients []auth.Client) bool {
	for _, c := range clients {
		for _, u := range c.FHIRServers {
			if netguard.IsLoopbackURL(u) {
				return false
			}
		}
	}
	if clients != nil {
		return true
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return true
	}
	return !netguard.IsLoopbackURL("http://" + net.JoinHostPort(host, "0"))
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

// maxHeaderBytes bounds a request's headers (431 past it): a CDS Hooks
// call's, an ES384 or RS384 JWT included, take a few KB. Go's default of
// 1 MiB let any connection hold a megabyte until ReadHeaderTimeout.
const maxHeaderBytes = 64 << 10

// serveOn runs the service on ln until ctx is cancelled, then drains.
func serveOn(ctx context.Context, ln net.Listener, cfg *serveConfig, logger *slog.Logger) error {
	engine, k, err := newEngine(cfg.valuesets, cfg.rulesConfig)
	if err != nil {
		return err
	}
	// Every configuration file is checked before the database is opened
	// (and migrated): a typo in the clients file must not leave a new
	// database behind.
	var clients []auth.Client
	if cfg.clients != "" {
		if clients, err = auth.LoadClients(cfg.clients); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("--clients: %w (in a container, mount the directory holding it, e.g. -v \"$PWD/config:/etc/jakguard:ro\")", err)
			}
			return fmt.Errorf("--clients: %w", err)
		}
	}
	opMode, opTokens, err := operatorAuth(cfg)
	if err != nil {
		return err
	}
	// An audit key the operator gives (file or environment) is part of
	// the configuration: checked before the database too. The SQLite
	// default (DB.audit-key, made on first start) waits for the database.
	var auditKey *store.AuditKey
	var keySrc store.AuditKeySource
	if cfg.auditKeyFile != "" || cfg.auditKeyEnv != "" {
		if auditKey, keySrc, err = store.LoadAuditKey(cfg.db, cfg.auditKeyFile, cfg.auditKeyEnv, logger); err != nil {
			return err
		}
	}
	st, err := store.Open(ctx, cfg.db, logger)
	if err != nil {
		return fmt.Errorf("--db: %s", oneLine(err))
	}
	defer st.Close()
	if auditKey == nil {
		if auditKey, keySrc, err = store.LoadAuditKey(cfg.db, cfg.auditKeyFile, cfg.auditKeyEnv, logger); err != nil {
			return err
		}
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
		replay, closeReplay, err := newReplay(ctx, cfg.db, logger)
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

	// After the configuration is read (a bad file is one line on stderr),
	// before the server sizes admission control from the limit.
	applyMemoryLimit(chooseMemoryLimit(cfg.getenv, cfg.memoryLimit, cfg.cgroupLimit), logger)
	srv, err := hooks.NewServer(hooks.Config{
		CORSOrigins:   splitList(cfg.corsOrigins),
		BodyLimit:     int64(cfg.bodyLimit),
		Deadline:      cfg.deadline,
		MaxConcurrent: cfg.maxConcurrent,
		// Feedback insert and readiness; the recorder has its own.
		StoreTimeout:   cfg.dbTimeout,
		OperatorMode:   opMode,
		OperatorTokens: opTokens,
	}, hooks.Deps{
		Engine: engine,
		FHIR: fhir.NewClient(fhir.ClientConfig{
			AllowHTTP: cfg.allowHTTPFHIR, DenyLoopback: denyLoopbackFHIR(cfg.addr, clients),
			QueryTimeout: cfg.fhirTimeout, PageCap: cfg.fhirPageCap, CallBudget: cfg.fhirMemory,
		}, nil),
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
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	logger.Info("jakguard serving", "addr", ln.Addr().String(), "public_url", cfg.publicURL,
		"version", buildVersion(), "knowledge", k.Revision(), "auth", verifier != nil,
		"max_concurrent", srv.MaxConcurrent(), "console", consoleState(opMode, opTokens),
		"time_zone", time.Now().Format("MST -07:00"))

	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	// Readiness fails first and every answer asks its client to close the
	// connection (Connection: close), while the listener still accepts:
	// load balancers stop sending, and keep-alive connections end after an
	// answer instead of being closed under a POST on its way in. Then
	// Shutdown closes the listener and the connections left idle, and waits
	// for the calls in flight.
	logger.Info("shutting down: readiness off, draining keep-alive connections", "drain", cfg.shutdownDrain.String())
	srv.SetReady(false)
	sctx, cancel := context.WithTimeout(context.Background(), cfg.shutdownTimeout)
	defer cancel()
	select {
	case <-time.After(cfg.shutdownDrain):
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	}
	logger.Info("shutting down: finishing in-flight requests")
	// The last part of --shutdown-timeout (a quarter of what the drain
	// leaves, at most 1 s) is kept for flushing the recorder: a client
	// still sending a body, or a call still running, must not take the
	// buffered card and audit records of every other call with it.
	reserve := min(time.Second, (cfg.shutdownTimeout-cfg.shutdownDrain)/4)
	deadline, _ := sctx.Deadline()
	hctx, hcancel := context.WithDeadline(sctx, deadline.Add(-reserve))
	defer hcancel()
	shutdownErr := hs.Shutdown(hctx)
	if shutdownErr != nil {
		// Past the time given: close what is left (the stalled upload,
		// the call still running) rather than leave it to process exit.
		hs.Close()
		logger.Warn("shutting down: --shutdown-timeout reached, open connections closed", "shutdown_timeout", cfg.shutdownTimeout.String())
	}
	if err := recorder.Close(sctx); err != nil {
		logger.Error("flushing card records", "err", err)
	}
	if shutdownErr != nil {
		return fmt.Errorf("shutdown: --shutdown-timeout %v reached with requests in flight; their connections were closed", cfg.shutdownTimeout)
	}
	logger.Info("stopped")
	return nil
}

// operatorAuth decides who may open the operator console (contract 6.7):
// the holders of a token from --operator-token-file; without the file, a
// developer on a loopback address without --clients; else nobody (404).
func operatorAuth(cfg *serveConfig) (console.Mode, *console.Tokens, error) {
	if cfg.operatorTokenFile != "" {
		t, err := console.LoadTokens(cfg.operatorTokenFile)
		if err != nil {
			return console.Off, nil, fmt.Errorf("--operator-token-file: %w", err)
		}
		return console.TokenAuth, t, nil
	}
	if cfg.clients == "" && isLoopbackAddr(cfg.addr) {
		return console.Open, nil, nil
	}
	return console.Off, nil, nil
}

// isLoopbackAddr reports whether a listen address is on the loopback
// interface only (an empty host listens everywhere).
func isLoopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host == "" {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// consoleState names the console's mode for the start-up log line.
func consoleState(m console.Mode, t *console.Tokens) string {
	switch m {
	case console.TokenAuth:
		return fmt.Sprintf("operator token (%d)", t.Len())
	case console.Open:
		return "open on loopback (no --operator-token-file)"
	}
	return "off (no --operator-token-file)"
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
func newReplay(ctx context.Context, db string, logger *slog.Logger) (auth.ReplayStore, func(), error) {
	if strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://") {
		pool, err := pgxpool.New(ctx, db)
		if err != nil {
			return nil, nil, errors.New("--db: cannot open PostgreSQL for the replay store")
		}
		r, err := auth.NewPostgresReplay(ctx, pool, logger)
		if err != nil {
			pool.Close()
			return nil, nil, fmt.Errorf("replay store: %s", oneLine(err))
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

// oneLine folds a multi-line error (pgx lists every address it tried, one
// per line) into one line, each distinct part once, so that a start-up
// failure is one log record (contract section 1).
func oneLine(err error) string {
	var parts []string
	seen := map[string]bool{}
	for _, p := range strings.Split(err.Error(), "\n") {
		p = strings.TrimSpace(p)
		if p != "" && !seen[p] {
			seen[p] = true
			parts = append(parts, strings.TrimSuffix(p, ":"))
		}
	}
	return strings.Join(parts, ": ")
}
