// Command jakload measures jakguard under load on this machine. It starts
// the jakguard handler in process on 127.0.0.1 (a real net/http server,
// metrics on, no authentication, no feedback store) and a static Go HTTP
// server that answers the same response bytes, drives each in turn with N
// concurrent keep-alive clients for a fixed time (in slices, alternately,
// so that both see the same machine), and prints requests per second,
// latency percentiles and the ratio of the two: how close jakguard gets to
// the limit of the HTTP stack here. It listens on loopback only and
// stops by itself after the duration or the request bound.
//
//	go run ./cmd/jakload -c 16 -d 10s -request testdata/bench/typical.json
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"jakguard/hooks"
)

func main() {
	// As jakguard's main does: measure the service as it runs.
	hooks.SetGCPercent()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Bounds of the flags: the tool must stay a short, local measurement.
const (
	maxConns    = 1024
	maxDuration = 10 * time.Minute
	maxBody     = 64 << 20
)

// options are the flags of one run.
type options struct {
	conns       int
	duration    time.Duration
	warmup      time.Duration
	request     string
	service     string
	maxRequests int
	now         time.Time
	cpuProfile  string // file for a CPU profile of the measured jakguard run; "" for none
	// rounds splits each server's measured time into this many slices, run
	// in turn (jakguard, static, jakguard, ...), so that both see the same
	// machine: on a shared VM the speed wanders over seconds.
	rounds int
}

const maxRounds = 100

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("jakload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.conns, "c", 16, "concurrent keep-alive connections (clients)")
	fs.DurationVar(&o.duration, "d", 10*time.Second, "measured duration of each run")
	fs.DurationVar(&o.warmup, "warmup", time.Second, "unmeasured warm-up before each run")
	fs.StringVar(&o.request, "request", "testdata/bench/typical.json", "hook request body (JSON file)")
	fs.StringVar(&o.service, "service", "order-select", "CDS service id to call")
	fs.IntVar(&o.maxRequests, "max-requests", 5_000_000, "most requests per measured run")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the measured jakguard run (not the warm-up, not the static server) to this file; measures in one round")
	fs.IntVar(&o.rounds, "rounds", 5, "split each server's measured time into this many slices, run alternately with the other server's")
	now := fs.String("now", "2026-11-29T12:00:00Z", `the service's clock (RFC 3339), fixed so the workloads' dates stay recent; "wall" for the real clock`)
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	roundsSet := false
	fs.Visit(func(f *flag.Flag) { roundsSet = roundsSet || f.Name == "rounds" })
	if o.cpuProfile != "" {
		// One profile of the jakguard run: pprof cannot leave out the
		// static server's slices in between.
		if roundsSet && o.rounds != 1 {
			return o, errors.New("-cpuprofile measures in one round: leave out -rounds or give -rounds 1")
		}
		o.rounds = 1
	}
	switch {
	case o.conns < 1 || o.conns > maxConns:
		return o, fmt.Errorf("-c %d: want 1 to %d", o.conns, maxConns)
	case o.duration <= 0 || o.duration > maxDuration:
		return o, fmt.Errorf("-d %s: want more than 0 and at most %s", o.duration, maxDuration)
	case o.warmup < 0 || o.warmup > maxDuration:
		return o, fmt.Errorf("-warmup %s: want 0 to %s", o.warmup, maxDuration)
	case o.rounds < 1 || o.rounds > maxRounds:
		return o, fmt.Errorf("-rounds %d: want 1 to %d", o.rounds, maxRounds)
	case o.maxRequests < 1:
		return o, fmt.Errorf("-max-requests %d: want at least 1", o.maxRequests)
	case o.request == "":
		return o, errors.New("-request: give a hook request file")
	}
	if *now != "wall" {
		t, err := time.Parse(time.RFC3339, *now)
		if err != nil {
			return o, fmt.Errorf("-now %q: want an RFC 3339 time or \"wall\"", *now)
		}
		o.now = t
	}
	return o, nil
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
	rep, err := measure(ctx, o)
	if err != nil {
		fmt.Fprintln(stderr, "jakload:", err)
		return 1
	}
	rep.print(stdout)
	return 0
}
