package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestParseFlags(t *testing.T) {
	fixed := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		args    []string
		want    options
		wantErr string
	}{
		{name: "defaults", args: nil, want: options{conns: 16, duration: 10 * time.Second, warmup: time.Second,
			request: "testdata/bench/typical.json", service: "order-select", maxRequests: 5_000_000, now: fixed, rounds: 5}},
		{name: "all flags", args: []string{"-c", "4", "-d", "3s", "-warmup", "0", "-request", "x.json", "-service", "order-sign", "-max-requests", "10", "-now", "wall", "-cpuprofile", "cpu.out"},
			want: options{conns: 4, duration: 3 * time.Second, request: "x.json", service: "order-sign", maxRequests: 10, cpuProfile: "cpu.out", rounds: 1}},
		{name: "rounds", args: []string{"-rounds", "3"}, want: options{conns: 16, duration: 10 * time.Second, warmup: time.Second,
			request: "testdata/bench/typical.json", service: "order-select", maxRequests: 5_000_000, now: fixed, rounds: 3}},
		{name: "one round with a profile", args: []string{"-rounds", "1", "-cpuprofile", "cpu.out"}, want: options{conns: 16, duration: 10 * time.Second, warmup: time.Second,
			request: "testdata/bench/typical.json", service: "order-select", maxRequests: 5_000_000, now: fixed, rounds: 1, cpuProfile: "cpu.out"}},
		{name: "rounds with a profile", args: []string{"-rounds", "3", "-cpuprofile", "cpu.out"}, wantErr: "-cpuprofile measures in one round"},
		{name: "no rounds", args: []string{"-rounds", "0"}, wantErr: "-rounds 0"},
		{name: "too many rounds", args: []string{"-rounds", "101"}, wantErr: "want 1 to 100"},
		{name: "no connections", args: []string{"-c", "0"}, wantErr: "-c 0"},
		{name: "too many connections", args: []string{"-c", "5000"}, wantErr: "want 1 to 1024"},
		{name: "zero duration", args: []string{"-d", "0s"}, wantErr: "-d 0s"},
		{name: "duration past the bound", args: []string{"-d", "11m"}, wantErr: "at most 10m0s"},
		{name: "negative warm-up", args: []string{"-warmup", "-1s"}, wantErr: "-warmup"},
		{name: "no request bound", args: []string{"-max-requests", "0"}, wantErr: "-max-requests 0"},
		{name: "empty request path", args: []string{"-request", ""}, wantErr: "-request"},
		{name: "bad clock", args: []string{"-now", "yesterday"}, wantErr: `-now "yesterday"`},
		{name: "stray argument", args: []string{"extra"}, wantErr: `unexpected argument "extra"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseFlags(tc.args, io.Discard)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestPercentile(t *testing.T) {
	ms := func(ns ...int) []time.Duration {
		var out []time.Duration
		for _, n := range ns {
			out = append(out, time.Duration(n)*time.Millisecond)
		}
		return out
	}
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i+1) * time.Millisecond
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one value", ms(7), 99, 7 * time.Millisecond},
		{"median of four is the second (nearest rank)", ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{"p90 of 1..100", hundred, 90, 90 * time.Millisecond},
		{"p99 of 1..100", hundred, 99, 99 * time.Millisecond},
		{"p100 is the maximum", hundred, 100, 100 * time.Millisecond},
		{"p99 of ten is the maximum", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 99, 10 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := percentile(tc.sorted, tc.p); got != tc.want {
				t.Errorf("percentile(%v) = %v, want %v", tc.p, got, tc.want)
			}
		})
	}
}

// counting answers 200 (or status) and counts the requests whose body it
// read in full.
func counting(status int, want []byte, n *atomic.Int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if bytes.Equal(b, want) {
			n.Add(1)
		}
		w.WriteHeader(status)
		w.Write([]byte(`{"cards":[]}`))
	})
}

func TestDrive(t *testing.T) {
	body := []byte(`{"hook":"order-select"}`)
	tests := []struct {
		name         string
		status       int
		d            time.Duration
		max          int
		wantRequests int // -1: any number above 0
		wantErrors   bool
	}{
		{name: "stops at the request bound", status: 200, d: time.Minute, max: 57, wantRequests: 57},
		{name: "stops at the duration", status: 200, d: 200 * time.Millisecond, max: 1 << 30, wantRequests: -1},
		{name: "counts other statuses as errors", status: 500, d: time.Minute, max: 20, wantRequests: 0, wantErrors: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var n atomic.Int64
			url, stop, err := startServer(counting(tc.status, body, &n))
			if err != nil {
				t.Fatal(err)
			}
			defer stop()
			if !strings.HasPrefix(url, "http://127.0.0.1:") {
				t.Fatalf("server on %s, want loopback", url)
			}
			c := newClient(4)
			defer c.CloseIdleConnections()
			start := time.Now()
			r := drive(t.Context(), c, url, body, 4, tc.d, tc.max)
			if took := time.Since(start); took > tc.d+5*time.Second {
				t.Errorf("drive took %s for a %s run", took, tc.d)
			}
			switch {
			case tc.wantRequests >= 0 && r.requests != tc.wantRequests:
				t.Errorf("requests = %d, want %d", r.requests, tc.wantRequests)
			case tc.wantRequests < 0 && r.requests == 0:
				t.Errorf("no request answered")
			}
			if len(r.latencies) != r.requests {
				t.Errorf("%d latencies for %d requests", len(r.latencies), r.requests)
			}
			if got := int(n.Load()); got != r.requests+r.errors {
				t.Errorf("server read %d full bodies, client counted %d requests and %d errors", got, r.requests, r.errors)
			}
			if (r.errors > 0) != tc.wantErrors {
				t.Errorf("errors = %d, want errors: %v", r.errors, tc.wantErrors)
			}
			for i := 1; i < len(r.latencies); i++ {
				if r.latencies[i] < r.latencies[i-1] {
					t.Fatal("latencies not sorted")
				}
			}
		})
	}
}

func TestDriveStopsWhenCancelled(t *testing.T) {
	var n atomic.Int64
	url, stop, err := startServer(counting(200, nil, &n))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	drive(ctx, newClient(2), url, nil, 2, time.Minute, 1<<30)
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("drive went on for %s after its context ended", took)
	}
}

func TestStaticHandlerAnswersTheSameBytes(t *testing.T) {
	resp := []byte(`{"cards":[{"summary":"x <y> & z"}]}`)
	url, stop, err := startServer(staticHandler(resp))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	for range 3 {
		got, err := call(t.Context(), newClient(1), url+"/cds-services/order-select", bytes.Repeat([]byte("a"), 1<<20))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, resp) {
			t.Fatalf("got %s, want %s", got, resp)
		}
	}
}

func TestRun(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the service")
	}
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  []string
		wantErr  string
	}{
		{
			name: "typical workload, both servers, ratio",
			// Bounded by count, not time, so a loaded machine cannot leave a run empty.
			args:     []string{"-c", "2", "-d", "1m", "-max-requests", "10", "-warmup", "0", "-request", "../../testdata/bench/typical.json"},
			wantCode: 0,
			wantOut:  []string{"jakguard ", "static ", "jakguard/static requests/s: ", "2 connections", "cpu/req", "in 5 alternating slices", "ratio by round: "},
		},
		{
			name:     "one round",
			args:     []string{"-c", "1", "-d", "1m", "-max-requests", "5", "-warmup", "0", "-rounds", "1", "-request", "../../testdata/bench/typical.json"},
			wantCode: 0,
			wantOut:  []string{"in 1 alternating slices", "jakguard/static requests/s: "},
		},
		{
			name:     "profile file cannot be made",
			args:     []string{"-c", "1", "-d", "1m", "-max-requests", "2", "-warmup", "0", "-request", "../../testdata/bench/typical.json", "-cpuprofile", "no/such/dir/cpu.out"},
			wantCode: 1,
			wantErr:  "-cpuprofile: open no/such/dir/cpu.out",
		},
		{
			name:     "unknown service",
			args:     []string{"-d", "100ms", "-request", "../../testdata/bench/typical.json", "-service", "nope"},
			wantCode: 1,
			wantErr:  "first call to jakguard: status 404",
		},
		{
			name:     "request for another hook",
			args:     []string{"-d", "100ms", "-request", "../../testdata/bench/typical.json", "-service", "patient-view"},
			wantCode: 1,
			wantErr:  "status 400",
		},
		{
			name:     "missing request file",
			args:     []string{"-request", "no/such/file.json"},
			wantCode: 1,
			wantErr:  "-request: open no/such/file.json",
		},
		{
			name:     "bad flag",
			args:     []string{"-c", "-3"},
			wantCode: 2,
			wantErr:  "-c -3",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := run(t.Context(), tc.args, &out, &errOut); code != tc.wantCode {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tc.wantCode, errOut.String())
			}
			for _, w := range tc.wantOut {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
			if !strings.Contains(errOut.String(), tc.wantErr) {
				t.Errorf("stderr %q lacks %q", errOut.String(), tc.wantErr)
			}
		})
	}
}

// With -rounds, each server runs in that many slices, alternately, and the
// report sums them: 3 slices of at most 4 requests make 12 for each.
func TestRunRounds(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the service")
	}
	var out, errOut bytes.Buffer
	args := []string{"-c", "1", "-d", "1m", "-max-requests", "4", "-warmup", "0", "-rounds", "3", "-request", "../../testdata/bench/typical.json"}
	if code := run(t.Context(), args, &out, &errOut); code != 0 {
		t.Fatalf("exit %d; stderr: %s", code, errOut.String())
	}
	requests := map[string]string{}
	for line := range strings.Lines(out.String()) {
		if f := strings.Fields(line); len(f) > 2 && (f[0] == "jakguard" || f[0] == "static") {
			requests[f[0]] = f[1]
		}
	}
	if requests["jakguard"] != "12" || requests["static"] != "12" {
		t.Errorf("requests %v, want 12 each:\n%s", requests, out.String())
	}
	if !strings.Contains(out.String(), "ratio by round: ") {
		t.Errorf("no ratio by round:\n%s", out.String())
	}
}

// -cpuprofile writes a profile of the jakguard run that pprof can read.
func TestRunCPUProfile(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the service")
	}
	path := filepath.Join(t.TempDir(), "cpu.out")
	var out, errOut bytes.Buffer
	args := []string{"-c", "2", "-d", "1m", "-max-requests", "20", "-warmup", "0", "-request", "../../testdata/bench/typical.json", "-cpuprofile", path}
	if code := run(t.Context(), args, &out, &errOut); code != 0 {
		t.Fatalf("exit %d; stderr: %s", code, errOut.String())
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// A profile is gzipped protobuf; go tool pprof reads it.
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("not a CPU profile: %v", err)
	}
	if b, err := io.ReadAll(zr); err != nil || len(b) == 0 {
		t.Fatalf("empty or broken profile: %d bytes, %v", len(b), err)
	}
}

func TestParseStat(t *testing.T) {
	tests := []struct {
		name   string
		line   string
		want   time.Duration
		wantOK bool
	}{
		{name: "plain", line: "1234 (jakload) R 1 1234 1234 0 -1 4194560 100 0 0 0 250 37 0 0 20 0 4 0 100 0 0",
			want: 2870 * time.Millisecond, wantOK: true},
		{name: "command with spaces and parentheses", line: "7 (a (b) c) S 1 7 7 0 -1 0 0 0 0 0 3 4 0 0 20 0 1 0 1 0 0",
			want: 70 * time.Millisecond, wantOK: true},
		{name: "truncated", line: "7 (x) S 1 2 3", wantOK: false},
		{name: "no command", line: "garbage", wantOK: false},
		{name: "not numbers", line: "7 (x) S 1 7 7 0 -1 0 0 0 0 0 a b 0 0", wantOK: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := parseStat([]byte(tc.line))
			if ok != tc.wantOK || got != tc.want {
				t.Errorf("parseStat = %v, %v; want %v, %v", got, ok, tc.want, tc.wantOK)
			}
		})
	}
}
