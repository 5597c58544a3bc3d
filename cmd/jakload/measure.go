package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"jakguard/internal/store/storebench"
)

const (
	authNone  = "none"
	authES384 = "es384"
)

// sample is one measured workload run: one round of one workload against
// one server (store, fill, auth).
type sample struct {
	workload, store, fill, auth string
	round                       int
	requests, errors            uint64
	rps                         float64 // answered 2xx per second
	p50, p99                    time.Duration
	dropped                     float64 // card and audit records the binary dropped during the run
	written                     float64 // audit records written during the run (and shortly after)
	cpuPerCall                  time.Duration
	pgCPUPerCall                time.Duration // PostgreSQL server processes, for the postgres store
	load                        float64       // one-minute load average at the start
	noTokens                    bool
	cards                       int // cards in the store when the server started
}

// measure runs every round, store, fill, auth and workload of o.
func measure(ctx context.Context, o options, stderr io.Writer) (*report, error) {
	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	bodies, err := bodies(root)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(o.dataDir, 0o700); err != nil {
		return nil, err
	}
	rep := &report{opts: o, started: time.Now().UTC(), commit: "of the binary given with -bin"}
	bin := o.bin
	if bin == "" {
		rep.commit = treeCommit()
		dir, err := os.MkdirTemp("", "jakload-bin-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		fmt.Fprintln(stderr, "jakload: building jakguard")
		if bin, err = buildBinary(ctx, dir, o.cpuProfile != "", stderr); err != nil {
			return nil, err
		}
	}
	st, err := newStores(o, stderr)
	if err != nil {
		return nil, err
	}
	var sg *signer
	if containsStr(o.auths, authES384) {
		if sg, err = newSigner(o.dataDir); err != nil {
			return nil, err
		}
	}
	ans := answers{} // jakguard's answers in the checks, for the static server
	for round := range o.rounds {
		for _, kind := range o.stores {
			fills := o.fills
			if round%2 == 1 { // alternate empty and full between rounds
				fills = reversed(fills)
			}
			for _, fill := range fills {
				for _, a := range o.auths {
					samples, err := measureServer(ctx, o, bin, st, sg, bodies, ans, kind, fill, a, round, stderr)
					if err != nil {
						return nil, fmt.Errorf("round %d, %s %s %s: %w", round+1, kind, fill, a, err)
					}
					rep.samples = append(rep.samples, samples...)
				}
			}
		}
		if o.static {
			samples, err := measureStatic(ctx, o, bodies, ans, round, stderr)
			if err != nil {
				return nil, fmt.Errorf("round %d, static server: %w", round+1, err)
			}
			rep.samples = append(rep.samples, samples...)
		}
	}
	rep.finished = time.Now().UTC()
	return rep, nil
}

// measureServer starts the binary on one store, fill and auth and runs
// every workload against it.
func measureServer(ctx context.Context, o options, bin string, st *stores, sg *signer, bodies map[string][]byte, ans answers,
	kind, fill, a string, round int, stderr io.Writer) ([]sample, error) {
	dsn, err := st.dsn(ctx, kind, fill)
	if err != nil {
		return nil, err
	}
	clients := ""
	if a == authES384 {
		clients = sg.clients
	}
	// A full store grows by what each run records: say how full it was.
	cards, err := countCards(ctx, dsn)
	if err != nil {
		cards = -1 // an empty store before its first start has no tables yet
	}
	logPath := filepath.Join(o.dataDir, fmt.Sprintf("serve-%s-%s-%s.log", kind, fill, a))
	srv, err := startServer(ctx, bin, dsn, clients, st.auditKey, logPath)
	if err != nil {
		return nil, err
	}
	var out []sample
	for _, name := range o.workloads {
		s, err := measureWorkload(ctx, o, srv, sg, bodies, ans, workloadByName(name), kind, a)
		if err != nil {
			srv.stop()
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		s.store, s.fill, s.auth, s.round, s.cards = kind, fill, a, round+1, max(cards, 0)
		fmt.Fprintf(stderr, "jakload: round %d %-7s %-5s %-5s %-12s %6.0f req/s  p50 %5.2f ms  p99 %6.2f ms  errors %d  dropped %.0f  load %.2f\n",
			s.round, kind, fill, a, name, s.rps, ms(s.p50), ms(s.p99), s.errors, s.dropped, s.load)
		out = append(out, s)
	}
	if err := srv.stop(); err != nil {
		return nil, err
	}
	return out, nil
}

// measureStatic starts the static server on the answers recorded so far
// and runs every workload against it, as against jakguard (without tokens).
func measureStatic(ctx context.Context, o options, bodies map[string][]byte, ans answers, round int, stderr io.Writer) ([]sample, error) {
	file := filepath.Join(o.dataDir, "static-answers.json")
	if err := ans.save(file); err != nil {
		return nil, err
	}
	srv, err := startStatic(ctx, file, filepath.Join(o.dataDir, "serve-static.log"))
	if err != nil {
		return nil, err
	}
	var out []sample
	for _, name := range o.workloads {
		s, err := measureWorkload(ctx, o, srv, nil, bodies, nil, workloadByName(name), storeStatic, authNone)
		if err != nil {
			srv.stop()
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		s.store, s.round = storeStatic, round+1
		fmt.Fprintf(stderr, "jakload: round %d static              %-12s %6.0f req/s  p50 %5.2f ms  p99 %6.2f ms  errors %d  load %.2f\n",
			s.round, name, s.rps, ms(s.p50), ms(s.p99), s.errors, s.load)
		out = append(out, s)
	}
	if err := srv.stop(); err != nil {
		return nil, err
	}
	return out, nil
}

// measureWorkload runs one workload: tokens signed, each call checked
// once (jakguard's answers recorded into ans, unless it is nil), a
// warm-up, then the measured attack.
func measureWorkload(ctx context.Context, o options, srv *server, sg *signer, bodies map[string][]byte, ans answers, w workload, kind, a string) (sample, error) {
	var tokens map[string][]string
	if a == authES384 {
		perCall := map[string]int{}
		for _, c := range w.seq {
			perCall[srv.base+"/cds-services/"+c.service]++
		}
		total := int(math.Ceil(o.tokenRate * (o.warmup + o.duration).Seconds()))
		if o.maxReq > 0 {
			total = min(total, o.maxReq+int(math.Ceil(o.tokenRate*o.warmup.Seconds())))
		}
		tokens = map[string][]string{}
		for u, k := range perCall {
			n := total*k/len(w.seq) + len(w.seq) + 1 // the check's call, and rounding
			toks, err := sg.sign([]string{u}, n)
			if err != nil {
				return sample{}, err
			}
			tokens[u] = toks[u]
		}
	}
	t := newTargets(srv.base, w, bodies, tokens)
	t.record = ans
	checked, err := t.check(ctx)
	srv.calls += uint64(checked)
	if err != nil {
		return sample{}, err
	}
	if o.warmup > 0 {
		r := attack(ctx, t, o.conns, o.warmup)
		srv.calls += r.metrics.Requests
		if r.errors > 0 {
			return sample{}, fmt.Errorf("warm-up: %d of %d calls failed: %s", r.errors, r.metrics.Requests, strings.Join(r.firstErrs, "; "))
		}
	}
	// The records of the calls so far written (or dropped), so that the
	// measured run's are its own.
	var before recorderCounts
	if !srv.static {
		before = waitRecorder(srv, srv.calls)
	}
	s := sample{workload: w.name, load: loadAverage()}
	cpu0, pg0 := srv.cpu(), time.Duration(0)
	if kind == storePostgres {
		pg0 = storebench.PostgresCPU()
	}
	t.allow(o.maxReq)
	var profiled chan error
	if o.cpuProfile != "" && !profileTaken && !srv.static {
		profileTaken = true
		profiled = make(chan error, 1)
		go func() { profiled <- srv.profile(ctx, o.duration, o.cpuProfile) }()
	}
	r := attack(ctx, t, o.conns, o.duration)
	if profiled != nil {
		if err := <-profiled; err != nil {
			return sample{}, err
		}
	}
	cpu := srv.cpu() - cpu0
	var pgCPU time.Duration
	if kind == storePostgres {
		pgCPU = storebench.PostgresCPU() - pg0
	}
	if err := ctx.Err(); err != nil {
		return sample{}, err
	}
	// Let the recorder write what it queued (it waits at most 100 ms for a
	// batch to fill), then read what it wrote and dropped.
	srv.calls += r.metrics.Requests
	var d recorderCounts
	if !srv.static {
		d = waitRecorder(srv, srv.calls).sub(before)
	}
	s.requests, s.errors, s.noTokens = r.metrics.Requests, r.errors, r.noTokens
	s.rps = r.metrics.Throughput // answered 2xx (or 3xx: none here) per second
	s.p50, s.p99 = r.metrics.Latencies.P50, r.metrics.Latencies.P99
	s.dropped, s.written = d.cardsDropped+d.auditsDropped, d.auditsWritten
	if s.requests > 0 {
		s.cpuPerCall = cpu / time.Duration(s.requests)
		s.pgCPUPerCall = pgCPU / time.Duration(s.requests)
	}
	return s, nil
}

// profileTaken is set once the -cpuprofile profile has been started.
var profileTaken bool

// waitRecorder waits, at most 3 s, until the server has written or dropped
// an audit record for each of the calls it was sent, and returns its
// counters then.
func waitRecorder(srv *server, calls uint64) recorderCounts {
	deadline := time.Now().Add(3 * time.Second)
	for {
		c, err := srv.recorder()
		if err == nil && c.auditsWritten+c.auditsDropped >= float64(calls) || time.Now().After(deadline) {
			return c
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func containsStr(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func reversed(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
