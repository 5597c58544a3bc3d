package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-json-experiment/json"
)

// The static baseline (-static): a server that answers every hook call
// with the bytes jakguard answered it with, and does nothing else but read
// the request body, as any server must. It runs as a separate process, as
// jakguard does: jakload re-executes its own binary with these variables
// set (the hidden mode; in tests, TestMain does the same).
const (
	envStaticAnswers = "JAKLOAD_STATIC_ANSWERS" // the answers file to serve
	envStaticAddr    = "JAKLOAD_STATIC_ADDR"    // the loopback address to listen on
)

// storeStatic is the store column of the static server's samples.
const storeStatic = "static"

// recorded is one call jakguard answered, as the check before a workload
// sent it, and jakguard's answer.
type recorded struct {
	Path        string `json:"path"`
	Request     []byte `json:"request"`
	ContentType string `json:"contentType"`
	Answer      []byte `json:"answer"`
}

// answers are the recorded answers by path and request body (the whole
// body, so that two calls cannot share a key).
type answers map[string]map[string]recorded

func (a answers) add(r recorded) {
	if a[r.Path] == nil {
		a[r.Path] = map[string]recorded{}
	}
	a[r.Path][string(r.Request)] = r
}

// save writes the answers to path, in a stable order.
func (a answers) save(path string) error {
	var list []recorded
	for _, byBody := range a {
		for _, r := range byBody {
			list = append(list, r)
		}
	}
	slices.SortFunc(list, func(x, y recorded) int {
		if c := strings.Compare(x.Path, y.Path); c != 0 {
			return c
		}
		return bytes.Compare(x.Request, y.Request)
	})
	b, err := json.Marshal(list)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

func loadAnswers(path string) (answers, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var list []recorded
	if err := json.Unmarshal(b, &list); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	a := answers{}
	for _, r := range list {
		a.add(r)
	}
	return a, nil
}

// staticBodyLimit is jakguard serve's default --body-limit.
const staticBodyLimit = 8 << 20

// staticBodies are the static server's request buffers, pooled as
// jakguard pools its own.
var staticBodies = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// staticHandler reads each request's whole body and answers it with the
// answer recorded for its path and body: 200, the recorded Content-Type,
// the answer's Content-Length, the answer's bytes. A call it has no answer
// for (another path, another body, a read error) is answered 500, so that
// a mistake shows as errors in the report. GET /readyz answers 200: jakload
// waits for it.
func staticHandler(a answers) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Path == "/readyz" {
			w.WriteHeader(http.StatusOK)
			return
		}
		buf := staticBodies.Get().(*bytes.Buffer)
		defer staticBodies.Put(buf)
		buf.Reset()
		if _, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, staticBodyLimit)); err != nil {
			http.Error(w, "jakload static: reading the body: "+err.Error(), http.StatusInternalServerError)
			return
		}
		rec, ok := a[r.URL.Path][string(buf.Bytes())]
		if !ok || r.Method != http.MethodPost {
			http.Error(w, "jakload static: no answer recorded for this call", http.StatusInternalServerError)
			return
		}
		h := w.Header()
		h.Set("Content-Type", rec.ContentType)
		h.Set("Content-Length", strconv.Itoa(len(rec.Answer)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(rec.Answer)
	})
}

// hiddenMode runs the static server if the environment asks for it (the
// process is one jakload started), and says whether it did.
func hiddenMode(ctx context.Context, stderr io.Writer) (code int, ok bool) {
	file := os.Getenv(envStaticAnswers)
	if file == "" {
		return 0, false
	}
	return serveStatic(ctx, file, os.Getenv(envStaticAddr), stderr), true
}

// serveStatic serves the answers in file on addr, a loopback address,
// until ctx ends (jakload stops it with SIGTERM).
func serveStatic(ctx context.Context, file, addr string, stderr io.Writer) int {
	a, err := loadAnswers(file)
	if err != nil {
		fmt.Fprintln(stderr, "jakload static:", err)
		return 1
	}
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		fmt.Fprintf(stderr, "jakload static: %s=%q: want a loopback address and port\n", envStaticAddr, addr)
		return 2
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(stderr, "jakload static:", err)
		return 1
	}
	// jakguard serve's timeouts.
	hs := &http.Server{
		Handler:           staticHandler(a),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		fmt.Fprintln(stderr, "jakload static:", err)
		return 1
	case <-ctx.Done():
		if err := hs.Close(); err != nil {
			fmt.Fprintln(stderr, "jakload static:", err)
			return 1
		}
		if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(stderr, "jakload static:", err)
			return 1
		}
		return 0
	}
}

// startStatic runs this binary in the hidden mode on a free loopback port,
// serving the answers in file, and waits until it is ready.
func startStatic(ctx context.Context, file, logPath string) (*server, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), envStaticAnswers+"="+file, envStaticAddr+"="+addr)
	s, err := startProcess(ctx, cmd, "http://"+addr, logPath, "the static server")
	if err != nil {
		return nil, err
	}
	s.static = true
	return s, nil
}
