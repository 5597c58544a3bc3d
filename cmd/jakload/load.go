package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"jakguard/hooks"
	"jakguard/rules"
)

// result is what one measured run produced.
type result struct {
	name      string
	requests  int // answered 200
	errors    int // transport errors and other statuses
	elapsed   time.Duration
	latencies []time.Duration // of the 200 answers
	cpu       time.Duration   // process CPU time: servers and clients alike
	cpuKnown  bool
}

func (r result) rate() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.requests) / r.elapsed.Seconds()
}

// report is the outcome of a whole jakload run.
type report struct {
	opts          options
	requestBytes  int
	responseBytes int
	runs          []result  // jakguard, static: every slice merged
	roundRatios   []float64 // jakguard/static requests/s of each round
}

// measure starts both servers, checks the service answers the request, and
// drives each server in turn.
func measure(ctx context.Context, o options) (*report, error) {
	body, err := readRequest(o.request)
	if err != nil {
		return nil, err
	}
	svc, err := newService(o.now)
	if err != nil {
		return nil, err
	}
	jak, stopJak, err := startServer(svc)
	if err != nil {
		return nil, err
	}
	defer stopJak()
	target := jak + "/cds-services/" + o.service

	client := newClient(o.conns)
	defer client.CloseIdleConnections()
	resp, err := call(ctx, client, target, body)
	if err != nil {
		return nil, fmt.Errorf("first call to jakguard: %w", err)
	}

	static, stopStatic, err := startServer(staticHandler(resp))
	if err != nil {
		return nil, err
	}
	defer stopStatic()

	rep := &report{opts: o, requestBytes: len(body), responseBytes: len(resp)}
	targets := []struct{ name, url string }{
		{"jakguard", target},
		{"static", static + "/cds-services/" + o.service},
	}
	if o.warmup > 0 {
		for _, t := range targets {
			drive(ctx, client, t.url, body, o.conns, o.warmup, o.maxRequests)
		}
	}
	rep.runs = make([]result, len(targets))
	slice := o.duration / time.Duration(o.rounds)
	for range o.rounds {
		var rates [2]float64
		for i, t := range targets {
			runtime.GC()
			stopProfile := func() error { return nil }
			if t.name == "jakguard" && o.cpuProfile != "" {
				if stopProfile, err = startCPUProfile(o.cpuProfile); err != nil {
					return nil, err
				}
			}
			r := drive(ctx, client, t.url, body, o.conns, slice, o.maxRequests)
			if err := stopProfile(); err != nil {
				return nil, err
			}
			if r.requests == 0 {
				return nil, fmt.Errorf("%s answered no request with 200 (%d errors)", t.name, r.errors)
			}
			rates[i] = r.rate()
			rep.runs[i].add(t.name, r)
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
		}
		rep.roundRatios = append(rep.roundRatios, rates[0]/rates[1])
	}
	for i := range rep.runs {
		slices.Sort(rep.runs[i].latencies)
	}
	return rep, nil
}

// add merges the slice r into the run of server name.
func (res *result) add(name string, r result) {
	first := res.name == ""
	res.name = name
	res.requests += r.requests
	res.errors += r.errors
	res.elapsed += r.elapsed
	res.latencies = append(res.latencies, r.latencies...)
	res.cpu += r.cpu
	res.cpuKnown = r.cpuKnown && (first || res.cpuKnown)
}

// startCPUProfile starts a CPU profile into path; stop ends it and closes
// the file.
func startCPUProfile(path string) (stop func() error, err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("-cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("-cpuprofile: %w", err)
	}
	return func() error {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			return fmt.Errorf("-cpuprofile: %w", err)
		}
		return nil
	}, nil
}

func readRequest(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("-request: %w", err)
	}
	defer f.Close()
	body, err := io.ReadAll(io.LimitReader(f, maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("-request: %w", err)
	}
	if len(body) > maxBody {
		return nil, fmt.Errorf("-request %s: larger than %d bytes", path, maxBody)
	}
	return body, nil
}

// newService builds jakguard as serve does, minus authentication, FHIR
// fallback and the feedback store, with Prometheus metrics on and a fixed
// clock (the zero time means the wall clock).
func newService(now time.Time) (*hooks.Server, error) {
	k, err := rules.LoadKnowledge(nil)
	if err != nil {
		return nil, err
	}
	engine, err := rules.NewEngine(k, rules.DefaultConfig())
	if err != nil {
		return nil, err
	}
	d := hooks.Deps{
		Engine:  engine,
		Metrics: hooks.NewMetrics(prometheus.NewRegistry()),
		Logger:  slog.New(slog.DiscardHandler),
	}
	if !now.IsZero() {
		d.Now = func() time.Time { return now }
	}
	return hooks.NewServer(hooks.Config{}, d)
}

// staticHandler reads the request body, as jakguard must, and answers the
// same bytes every time.
func staticHandler(resp []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			http.Error(w, "read error", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(resp)
	})
}

// startServer serves h on a fresh loopback port with the timeouts of
// jakguard serve and returns its base URL and a stop function.
func startServer(h http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	hs := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		hs.Serve(ln)
	}()
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(ctx)
		<-done
	}
	return "http://" + ln.Addr().String(), stop, nil
}

// newClient keeps at most conns connections and reuses them.
func newClient(conns int) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			Proxy:               nil, // loopback only, never through a proxy
			MaxIdleConns:        conns,
			MaxIdleConnsPerHost: conns,
			MaxConnsPerHost:     conns,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
		},
		Timeout: 30 * time.Second,
	}
}

// call posts body once and returns the answer, or an error for anything
// but 200.
func call(ctx context.Context, c *http.Client, url string, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %d: %.300s", resp.StatusCode, b)
	}
	return b, nil
}

// drive runs conns workers that post body to url back to back until d has
// passed or maxRequests have been started, and waits for the calls in
// flight. Cancelling ctx stops it early.
func drive(ctx context.Context, c *http.Client, url string, body []byte, conns int, d time.Duration, maxRequests int) result {
	var (
		mu       sync.Mutex
		started  int
		res      result
		wg       sync.WaitGroup
		deadline = time.Now().Add(d)
	)
	take := func() bool {
		mu.Lock()
		defer mu.Unlock()
		if started >= maxRequests || ctx.Err() != nil || !time.Now().Before(deadline) {
			return false
		}
		started++
		return true
	}
	cpu0, ok0 := processCPU()
	start := time.Now()
	for range conns {
		wg.Go(func() {
			var lat []time.Duration
			errs := 0
			for take() {
				t := time.Now()
				if _, err := call(context.WithoutCancel(ctx), c, url, body); err != nil {
					errs++
					continue
				}
				lat = append(lat, time.Since(t))
			}
			mu.Lock()
			res.latencies = append(res.latencies, lat...)
			res.errors += errs
			mu.Unlock()
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	cpu1, ok1 := processCPU()
	res.cpu, res.cpuKnown = cpu1-cpu0, ok0 && ok1
	res.requests = len(res.latencies)
	slices.Sort(res.latencies)
	return res
}

// percentile is the nearest-rank percentile p (0 < p <= 100) of sorted.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(p/100*float64(len(sorted))+0.999999999) - 1
	return sorted[max(0, min(rank, len(sorted)-1))]
}

func (rep *report) print(w io.Writer) {
	o := rep.opts
	clock := "wall clock"
	if !o.now.IsZero() {
		clock = "clock fixed at " + o.now.Format(time.RFC3339)
	}
	fmt.Fprintf(w, "request %s (%d bytes) to %s, response %d bytes, %s\n", o.request, rep.requestBytes, o.service, rep.responseBytes, clock)
	fmt.Fprintf(w, "%d connections, %s per server in %d alternating slices after %s warm-up, loopback, %d CPUs (GOMAXPROCS %d), %s\n\n",
		o.conns, o.duration, o.rounds, o.warmup, runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version())
	fmt.Fprintf(w, "%-9s %9s %10s %9s %9s %9s %9s %7s %11s\n", "server", "requests", "req/s", "p50", "p90", "p99", "max", "errors", "cpu/req")
	for _, r := range rep.runs {
		cpu := "-"
		if r.cpuKnown && r.requests+r.errors > 0 {
			cpu = ms(r.cpu / time.Duration(r.requests+r.errors))
		}
		fmt.Fprintf(w, "%-9s %9d %10.0f %9s %9s %9s %9s %7d %11s\n", r.name, r.requests, r.rate(),
			ms(percentile(r.latencies, 50)), ms(percentile(r.latencies, 90)), ms(percentile(r.latencies, 99)),
			ms(percentile(r.latencies, 100)), r.errors, cpu)
	}
	if len(rep.runs) == 2 && rep.runs[1].rate() > 0 {
		fmt.Fprintf(w, "\njakguard/static requests/s: %.3f\n", rep.runs[0].rate()/rep.runs[1].rate())
	}
	if len(rep.roundRatios) > 1 {
		fmt.Fprintf(w, "ratio by round: %.3f to %.3f\n", slices.Min(rep.roundRatios), slices.Max(rep.roundRatios))
	}
	fmt.Fprintln(w, "cpu/req: CPU time of the whole process (service, static server and load generator) per request")
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }
