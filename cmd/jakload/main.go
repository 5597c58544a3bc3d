// Command jakload measures jakguard from outside, as it is deployed: it
// builds the jakguard binary (or takes --bin), starts `jakguard serve` on a
// loopback port with its store on (a SQLite file, PostgreSQL), empty or
// pre-filled with a million cards, with or without ES384-signed tokens,
// drives it over HTTP with github.com/tsenart/vegeta (closed loop: a fixed
// number of workers, each on its own keep-alive connection, sending the
// next call when the last is answered), and prints a markdown report:
// requests per second, p50 and p99 latency, errors, the card and audit
// records the binary dropped (from its /metrics), its CPU per call and the
// machine's load average. Rounds run interleaved (empty and full stores
// alternated) and the report gives each figure's range over the rounds.
//
//	go run ./cmd/jakload -stores sqlite,postgres -rounds 3 -out load.md
//
// With -static, each round also measures a static server, a separate
// process (this binary, re-executed with JAKLOAD_STATIC_ANSWERS and
// JAKLOAD_STATIC_ADDR set) that answers every call with the bytes jakguard
// answered it with, and the report gives jakguard's req/s against it.
//
// Pre-filled stores are kept between runs (SQLite files under -data, the
// PostgreSQL database PREFIX_full), so they are filled once; the empty ones
// are made afresh for every server start. It listens and connects on
// loopback only.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code, ok := hiddenMode(ctx, os.Stderr) // the static server jakload -static starts
	if !ok {
		code = run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	}
	stop()
	os.Exit(code)
}

// Bounds of the flags: the tool must stay a local measurement.
const (
	maxConns    = 256
	maxDuration = 4 * time.Minute // a pre-signed token lives at most 5 minutes
	maxRounds   = 20
)

// options are the flags of one run.
type options struct {
	bin        string        // jakguard binary; "" builds one
	stores     []string      // sqlite, postgres
	fills      []string      // empty, full
	auths      []string      // none, es384
	workloads  []string      // names of workloads
	pgAdmin    string        // PostgreSQL URL of a database to create the load databases from
	pgPrefix   string        // the load databases are PREFIX_empty and PREFIX_full
	dataDir    string        // SQLite files, keys, tokens' clients file, server logs
	prefill    int           // cards in a full store
	conns      int           // workers = connections
	duration   time.Duration // measured time per workload
	warmup     time.Duration // unmeasured time before it
	rounds     int
	maxReq     int     // most requests per measured workload run (0: no bound)
	tokenRate  float64 // tokens signed per second of run time, with auth
	out        string  // also write the report here
	cpuProfile string  // a CPU profile of the binary during the first measured workload
	static     bool    // also measure the static server replaying jakguard's answers
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("jakload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.bin, "bin", "", "jakguard binary to run (default: go build ./cmd/jakguard into a temporary directory)")
	stores := fs.String("stores", "sqlite", "stores to measure, comma separated: sqlite, postgres")
	fills := fs.String("fills", "empty,full", "store fills, comma separated: empty (a new store for every server start), full (-prefill cards, kept between runs)")
	auths := fs.String("auth", "none,es384", "authentication, comma separated: none, es384 (a clients file and JWKS the binary trusts; tokens signed before each workload)")
	wl := fs.String("workloads", strings.Join(defaultWorkloads, ","), "workloads, comma separated: "+strings.Join(workloadNames(), ", "))
	fs.StringVar(&o.pgAdmin, "pg", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "PostgreSQL URL of a database from which the load databases are created (and dropped, for the empty one)")
	fs.StringVar(&o.pgPrefix, "pg-prefix", "jakguard_load", "the PostgreSQL stores are the databases PREFIX_empty and PREFIX_full")
	fs.StringVar(&o.dataDir, "data", filepath.Join(os.TempDir(), "jakload"), "directory of the SQLite stores, keys and server logs (the full store is kept there between runs)")
	fs.IntVar(&o.prefill, "prefill", 1_000_000, "cards in a full store (one call in three with three cards, two without, each with its audit record)")
	fs.IntVar(&o.conns, "c", 16, "workers, each on its own keep-alive connection (closed loop)")
	fs.DurationVar(&o.duration, "d", 10*time.Second, "measured time of each workload")
	fs.DurationVar(&o.warmup, "warmup", 2*time.Second, "unmeasured time before each workload")
	fs.IntVar(&o.rounds, "rounds", 3, "rounds; each starts every store, fill and auth once, fills alternated")
	fs.IntVar(&o.maxReq, "n", 0, "most requests per measured workload (0: as many as -d allows)")
	fs.Float64Var(&o.tokenRate, "token-rate", 2000, "with es384: tokens signed per second of -warmup plus -d before each workload (unique jti each; the run stops early, and says so, if they run out)")
	fs.StringVar(&o.out, "out", "", "also write the report to this file")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the binary during the first measured workload to this file (builds jakguard with the jakguard_pprof tag, which serves net/http/pprof on another loopback port; not with -bin)")
	fs.BoolVar(&o.static, "static", false, "also measure, once per workload and round, a static server: a separate process (this binary) that reads each call's body and answers it with the bytes jakguard answered it with in the check, without store or tokens; the report gives jakguard/static")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	var err error
	if o.stores, err = list("-stores", *stores, []string{storeSQLite, storePostgres}); err != nil {
		return o, err
	}
	if o.fills, err = list("-fills", *fills, []string{fillEmpty, fillFull}); err != nil {
		return o, err
	}
	if o.auths, err = list("-auth", *auths, []string{authNone, authES384}); err != nil {
		return o, err
	}
	if o.workloads, err = list("-workloads", *wl, workloadNames()); err != nil {
		return o, err
	}
	switch {
	case o.conns < 1 || o.conns > maxConns:
		return o, fmt.Errorf("-c %d: want 1 to %d", o.conns, maxConns)
	case o.duration <= 0 || o.warmup < 0 || o.duration+o.warmup > maxDuration:
		return o, fmt.Errorf("-d %s, -warmup %s: want -d above 0 and both together at most %s (the lifetime of a pre-signed token)", o.duration, o.warmup, maxDuration)
	case o.rounds < 1 || o.rounds > maxRounds:
		return o, fmt.Errorf("-rounds %d: want 1 to %d", o.rounds, maxRounds)
	case o.prefill < 1:
		return o, fmt.Errorf("-prefill %d: want at least 1", o.prefill)
	case o.maxReq < 0:
		return o, fmt.Errorf("-n %d: want 0 or more", o.maxReq)
	case o.tokenRate <= 0 || o.tokenRate > 100_000:
		return o, fmt.Errorf("-token-rate %g: want above 0, at most 100000", o.tokenRate)
	case o.cpuProfile != "" && o.bin != "":
		return o, errors.New("-cpuprofile builds its own binary (with the jakguard_pprof tag): leave out -bin")
	case o.pgPrefix == "" || strings.Trim(o.pgPrefix, "abcdefghijklmnopqrstuvwxyz0123456789_") != "":
		return o, fmt.Errorf("-pg-prefix %q: want lower-case letters, digits and _", o.pgPrefix)
	}
	return o, nil
}

// list splits a comma-separated flag value and checks each item.
func list(flagName, v string, allowed []string) ([]string, error) {
	var out []string
	for _, s := range strings.Split(v, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if !slices.Contains(allowed, s) {
			return nil, fmt.Errorf("%s: %q is not one of %s", flagName, s, strings.Join(allowed, ", "))
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: give at least one of %s", flagName, strings.Join(allowed, ", "))
	}
	return out, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "jakload:", err)
		return 2
	}
	rep, err := measure(ctx, o, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "jakload:", err)
		return 1
	}
	rep.args = args
	text := rep.markdown()
	fmt.Fprint(stdout, text)
	if o.out != "" {
		if err := os.WriteFile(o.out, []byte(text), 0o644); err != nil {
			fmt.Fprintln(stderr, "jakload:", err)
			return 1
		}
	}
	return 0
}
