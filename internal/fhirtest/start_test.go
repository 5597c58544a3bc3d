package fhirtest

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// recorder is a testing.TB whose Fatalf and Skipf record the message and
// end the goroutine, as the real ones do, without ending the outer test.
type recorder struct {
	testing.TB
	fatal, skip string
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.fatal = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (r *recorder) Skipf(format string, args ...any) {
	r.skip = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (r *recorder) Helper() {}

// run calls f with a recorder on its own goroutine and waits for it.
func run(t *testing.T, f func(tb testing.TB)) *recorder {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	return r
}

func TestUnavailableSkipsOrFails(t *testing.T) {
	tests := []struct {
		ci        string
		wantFatal bool
	}{
		{"", false},
		{"false", false},
		{"true", true},
	}
	for _, tc := range tests {
		t.Run("CI="+tc.ci, func(t *testing.T) {
			t.Setenv("CI", tc.ci)
			r := run(t, func(tb testing.TB) { unavailable(tb, "node not found on PATH") })
			if got := r.fatal != ""; got != tc.wantFatal {
				t.Errorf("fatal = %q, skip = %q; want fatal %v", r.fatal, r.skip, tc.wantFatal)
			}
			if msg := r.fatal + r.skip; !strings.Contains(msg, "node not found on PATH") {
				t.Errorf("message %q does not give the reason", msg)
			}
		})
	}
}

func TestMissingNodeSkips(t *testing.T) {
	t.Setenv("CI", "")
	t.Setenv("PATH", t.TempDir())
	r := run(t, func(tb testing.TB) { Start(tb) })
	if r.skip == "" || !strings.Contains(r.skip, "node not found") {
		t.Errorf("skip = %q, fatal = %q; want a skip naming node", r.skip, r.fatal)
	}
}

func TestBundlePath(t *testing.T) {
	dir, err := serverDir()
	if err != nil {
		t.Fatal(err)
	}
	local := filepath.Join(t.TempDir(), "local.json")
	if err := os.WriteFile(local, []byte(`{}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, in, want string
	}{
		{"absolute path", local, local},
		{"relative to testdata/fhirserver", "scenarios/jak-basic.json", filepath.Join(dir, "scenarios", "jak-basic.json")},
		{"missing", "scenarios/nope.json", ""},
		{"directory", "scenarios", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := bundlePath(tc.in, dir)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("got %q, want an error", got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestReadyWatcher(t *testing.T) {
	tests := []struct {
		name   string
		writes []string
		want   string // "" = no ready line
	}{
		{"one write", []string{"listening on http://127.0.0.1:4242\n"}, "http://127.0.0.1:4242"},
		{"split across writes", []string{"noise\nlisten", "ing on http://127.0.0.1:", "5\n"}, "http://127.0.0.1:5"},
		{"incomplete line", []string{"listening on http://127.0.0.1:5"}, ""},
		{"other host", []string{"listening on http://0.0.0.0:5\n"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ready := make(chan string, 1)
			w := &readyWatcher{ready: ready}
			for _, s := range tc.writes {
				if n, err := w.Write([]byte(s)); n != len(s) || err != nil {
					t.Fatalf("Write = %d, %v", n, err)
				}
			}
			var got string
			select {
			case got = <-ready:
			default:
			}
			if got != tc.want {
				t.Errorf("ready = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestStartFailsOnBadBundle(t *testing.T) {
	if testing.Short() {
		t.Skip("starts node")
	}
	notTransaction := filepath.Join(t.TempDir(), "collection.json")
	if err := os.WriteFile(notTransaction, []byte(`{"resourceType":"Bundle","type":"collection","entry":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, bundle, want string
	}{
		{"missing file", "scenarios/nope.json", "not found"},
		{"not a transaction", notTransaction, "not a transaction"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, func(tb testing.TB) { Start(tb, tc.bundle) })
			if r.skip != "" {
				t.Skip(r.skip)
			}
			if !strings.Contains(r.fatal, tc.want) {
				t.Errorf("fatal = %q, want it to mention %q", r.fatal, tc.want)
			}
		})
	}
}
