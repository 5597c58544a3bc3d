// Package fhirtest starts the test FHIR server in testdata/fhirserver (the
// Medplum in-memory FHIR engine behind a small Node wrapper) for Go tests.
//
// It is for tests only. It needs node (20 or newer) and npm; when they are
// missing the test is skipped, unless the environment variable CI is "true",
// in which case the test fails. The server's npm dependencies are installed
// on first use, once per checkout, by whichever test process asks first
// (install.go): the others wait for it, and a half-finished install is never
// used.
package fhirtest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"jakguard/internal/syncbuf"
)

// StartTimeout bounds the server's start-up, loading of bundles included.
const StartTimeout = 90 * time.Second

var readyLine = regexp.MustCompile(`^listening on (http://127\.0\.0\.1:[0-9]+)$`)

// Start runs the test FHIR server on a free loopback port, loads the given
// transaction bundles, and returns its base URL ("http://127.0.0.1:PORT").
// A relative bundle path is tried against the working directory, then
// against testdata/fhirserver (so "scenarios/jak-basic.json" works from any
// package). The server is stopped when the test ends.
func Start(tb testing.TB, bundles ...string) string {
	tb.Helper()
	dir, err := serverDir()
	if err != nil {
		tb.Fatalf("fhirtest: %v", err)
	}
	node := tool(tb, "node")
	major := nodeMajor(tb, node)
	if major < 20 {
		unavailable(tb, fmt.Sprintf("node %d is too old, the test FHIR server needs node 20 or newer", major))
	}
	ensureModules(tb, dir)

	args := []string{}
	if major < 22 {
		args = append(args, "--experimental-websocket") // global WebSocket, needed by @medplum/core
	}
	args = append(args, "server.js", "--port", "0")
	for _, b := range bundles {
		p, err := bundlePath(b, dir)
		if err != nil {
			tb.Fatalf("fhirtest: %v", err)
		}
		args = append(args, "--load", p)
	}

	cmd := exec.Command(node, args...)
	cmd.Dir = dir
	var stderr syncbuf.Buffer
	ready := make(chan string, 1)
	cmd.Stderr = &stderr
	cmd.Stdout = &readyWatcher{ready: ready}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("fhirtest: start node: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	tb.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})

	start := time.Now()
	select {
	case base := <-ready:
		tb.Logf("fhirtest: server ready at %s after %v (%s)", base, time.Since(start).Round(time.Millisecond), strings.TrimSpace(stderr.String()))
		return base
	case <-exited:
		tb.Fatalf("fhirtest: server exited before it was ready: %s", stderr.String())
	case <-time.After(StartTimeout):
		tb.Fatalf("fhirtest: server not ready after %v: %s", StartTimeout, stderr.String())
	}
	return ""
}

// serverDir finds testdata/fhirserver by walking up from the working
// directory to the module root (the directory holding go.mod).
func serverDir() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			dir := filepath.Join(d, "testdata", "fhirserver")
			if _, err := os.Stat(filepath.Join(dir, "server.js")); err != nil {
				return "", fmt.Errorf("no server.js in %s", dir)
			}
			return dir, nil
		}
		if filepath.Dir(d) == d {
			return "", errors.New("no go.mod above the working directory")
		}
	}
}

func bundlePath(b, dir string) (string, error) {
	candidates := []string{b}
	if !filepath.IsAbs(b) {
		candidates = append(candidates, filepath.Join(dir, b))
	}
	for _, c := range candidates {
		if st, err := os.Stat(c); err == nil && !st.IsDir() {
			return filepath.Abs(c)
		}
	}
	return "", fmt.Errorf("bundle %s not found", b)
}

// unavailable skips the test, or fails it in CI, when the server cannot
// be run on this machine.
func unavailable(tb testing.TB, why string) {
	tb.Helper()
	if os.Getenv("CI") == "true" {
		tb.Fatalf("fhirtest: %s (CI=true, so this is a failure, not a skip)", why)
	}
	tb.Skipf("fhirtest: %s; skipping (set CI=true to make this a failure)", why)
}

func tool(tb testing.TB, name string) string {
	tb.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		unavailable(tb, name+" not found on PATH")
	}
	return p
}

func nodeMajor(tb testing.TB, node string) int {
	tb.Helper()
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		unavailable(tb, "node --version failed: "+err.Error())
	}
	v := strings.TrimPrefix(strings.TrimSpace(string(out)), "v")
	major, err := strconv.Atoi(strings.SplitN(v, ".", 2)[0])
	if err != nil {
		unavailable(tb, fmt.Sprintf("cannot read node version %q", v))
	}
	return major
}

// readyWatcher takes the server's stdout and sends the base URL of the
// first ready line.
type readyWatcher struct {
	ready chan<- string
	line  []byte
	sent  bool
}

func (w *readyWatcher) Write(p []byte) (int, error) {
	if w.sent {
		return len(p), nil
	}
	w.line = append(w.line, p...)
	for {
		i := bytes.IndexByte(w.line, '\n')
		if i < 0 {
			break
		}
		if m := readyLine.FindStringSubmatch(strings.TrimSpace(string(w.line[:i]))); m != nil {
			w.ready <- m[1]
			w.sent, w.line = true, nil
			break
		}
		w.line = w.line[i+1:]
	}
	if len(w.line) > 64<<10 {
		w.line = nil
	}
	return len(p), nil
}
