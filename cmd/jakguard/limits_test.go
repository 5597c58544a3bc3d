package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"github.com/KimMachineGun/automemlimit/memlimit"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/internal/auth"
	"jakguard/internal/syncbuf"
)

func TestParseSize(t *testing.T) {
	cases := map[string]int64{
		"0": 0, "33554432": 32 << 20, "32MiB": 32 << 20, "512Mi": 512 << 20, "1GiB": 1 << 30, "2Gi": 2 << 30,
		"64KiB": 64 << 10, "100B": 100, " 8MiB ": 8 << 20,
	}
	for in, want := range cases {
		got, err := parseSize(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "MiB", "32 MiB", "32MB", "-1", "1.5GiB", "9999999999999GiB", "32mib"} {
		_, err := parseSize(bad)
		assert.Error(t, err, bad)
	}
}

func TestFHIRMemoryFlag(t *testing.T) {
	c, err := parseServe(nil, env(nil), io.Discard)
	require.NoError(t, err)
	assert.Equal(t, int64(32<<20), c.fhirMemory, "default 32 MiB")
	c, err = parseServe(nil, env(map[string]string{"JAKGUARD_FHIR_MEMORY": "8MiB"}), io.Discard)
	require.NoError(t, err)
	assert.Equal(t, int64(8<<20), c.fhirMemory)
	_, err = parseServe([]string{"--fhir-memory", "lots"}, env(nil), io.Discard)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "--fhir-memory")
}

// Loopback FHIR servers stay usable only in local development (loopback
// address, no clients file) or when a client's fhir_servers names one.
func TestDenyLoopbackFHIR(t *testing.T) {
	remote := []auth.Client{{Issuer: "a", FHIRServers: []string{"https://ehr.example.org/fhir"}}}
	local := []auth.Client{{Issuer: "a", FHIRServers: []string{"https://ehr.example.org/fhir"}}, {Issuer: "b", FHIRServers: []string{"http://127.0.0.1:8090/fhir"}}}
	cases := []struct {
		name    string
		addr    string
		clients []auth.Client
		want    bool
	}{
		{"loopback development", "127.0.0.1:8080", nil, false},
		{"localhost development", "localhost:8080", nil, false},
		{"unauthenticated on all interfaces", "0.0.0.0:8080", nil, true},
		{"clients file", "0.0.0.0:8080", remote, true},
		{"clients file on loopback", "127.0.0.1:8080", remote, true},
		{"a client lists a loopback server", "0.0.0.0:8080", local, false},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, denyLoopbackFHIR(tc.addr, tc.clients), tc.name)
	}
}

func TestChooseMemoryLimit(t *testing.T) {
	noCgroup := func() (uint64, error) { return 0, memlimit.ErrNoLimit }
	cgroup512 := func() (uint64, error) { return 512 << 20, nil }
	broken := func() (uint64, error) { return 0, errors.New("permission denied") }
	cases := []struct {
		name      string
		env       map[string]string
		flag      int64
		cgroup    func() (uint64, error)
		wantLimit int64
		wantGo    int64
		source    string
	}{
		{"container limit", nil, 0, cgroup512, 512 << 20, ninety(512 << 20), "cgroup"},
		{"flag alone", nil, 1 << 30, noCgroup, 1 << 30, ninety(1 << 30), "--memory-limit"},
		{"flag above the container: the container wins", nil, 1 << 30, cgroup512, 512 << 20, ninety(512 << 20), "cgroup"},
		{"flag below the container: the flag wins", nil, 256 << 20, cgroup512, 256 << 20, ninety(256 << 20), "cgroup and --memory-limit"},
		{"nothing", nil, 0, noCgroup, 0, math.MaxInt64, "none"},
		{"cgroup unreadable, flag applies", nil, 256 << 20, broken, 256 << 20, ninety(256 << 20), "--memory-limit"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := chooseMemoryLimit(env(tc.env), tc.flag, tc.cgroup)
			assert.Equal(t, tc.wantLimit, c.Limit)
			assert.Equal(t, tc.wantGo, c.GoLimit)
			assert.Equal(t, tc.source, c.Source)
		})
	}
	c := chooseMemoryLimit(env(map[string]string{"GOMEMLIMIT": "300MiB"}), 1<<30, cgroup512)
	assert.Equal(t, "GOMEMLIMIT", c.Source, "GOMEMLIMIT set: left alone")
	assert.Equal(t, debug.SetMemoryLimit(-1), c.GoLimit)
}

// serve applies and logs the limit, and sizes admission control from it.
func TestServeSetsMemoryLimit(t *testing.T) {
	old := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(old) })
	var logs syncbuf.Buffer // written by the server's goroutines
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	cfg, err := parseServe([]string{"--addr", ln.Addr().String(), "--db", "sqlite:" + filepath.Join(t.TempDir(), "j.db"), "--shutdown-drain", "0s"},
		env(map[string]string{"JAKGUARD_MEMORY_LIMIT": "512MiB"}), io.Discard)
	require.NoError(t, err)
	cfg.cgroupLimit = func() (uint64, error) { return 0, memlimit.ErrNoLimit }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serveOn(ctx, ln, cfg, slog.New(slog.NewJSONHandler(&logs, nil))) }()
	require.Eventually(t, func() bool { return healthy("http://" + ln.Addr().String()) }, 5*time.Second, 20*time.Millisecond)
	assert.Equal(t, ninety(512<<20), debug.SetMemoryLimit(-1))
	cancel()
	require.NoError(t, <-done)
	out := logs.String()
	assert.Contains(t, out, `"msg":"memory limit set","source":"--memory-limit","limit_bytes":536870912`)
	// 512 MiB: (460.8 MiB - 64 MiB) / (2 x 8 MiB body + 32 MiB FHIR) = 8.
	want := min(8, 8*runtime.GOMAXPROCS(0))
	assert.Contains(t, out, fmt.Sprintf(`"max_concurrent":%d`, want))
}

func TestAdmissionAndDrainFlags(t *testing.T) {
	c, err := parseServe([]string{"--max-concurrent", "3", "--shutdown-drain", "1s"}, env(nil), io.Discard)
	require.NoError(t, err)
	assert.Equal(t, 3, c.maxConcurrent)
	assert.Equal(t, time.Second, c.shutdownDrain)
	c, err = parseServe(nil, env(map[string]string{"JAKGUARD_MAX_CONCURRENT": "5"}), io.Discard)
	require.NoError(t, err)
	assert.Equal(t, 5, c.maxConcurrent)
	for _, bad := range [][]string{
		{"--max-concurrent", "-1"},
		{"--shutdown-drain", "30s"},
		{"--memory-limit", "1MiB"},
		{"--memory-limit", "lots"},
	} {
		_, err := parseServe(bad, env(nil), io.Discard)
		assert.Error(t, err, bad)
	}
}

// ninety is 90 % of n, as chooseMemoryLimit computes it.
func ninety(n int64) int64 { return int64(float64(n) * memoryRatio) }

// The image and the Kubernetes Deployment run with a memory limit: the
// image sets JAKGUARD_MEMORY_LIMIT (a bound even without docker --memory),
// the Deployment passes its container limit through the downward API and
// sets no fixed GOMEMLIMIT (which would override the derivation).
func TestDeployedWithMemoryLimit(t *testing.T) {
	docker, err := os.ReadFile("../../Dockerfile")
	require.NoError(t, err)
	assert.Regexp(t, `(?m)^ENV JAKGUARD_MEMORY_LIMIT=\d+[KMG]iB$`, string(docker))
	assert.NotContains(t, string(docker), "GOMEMLIMIT=")

	dep, err := os.ReadFile("../../deploy/kubernetes/deployment.yaml")
	require.NoError(t, err)
	assert.Regexp(t, `- name: JAKGUARD_MEMORY_LIMIT\s+valueFrom:\s+resourceFieldRef:\s+containerName: jakguard\s+resource: limits.memory\s+divisor: "1"`, string(dep))
	assert.Regexp(t, `limits:\s+cpu: "\d+"\s+memory: \d+Mi`, string(dep))
	assert.NotRegexp(t, `name: GOMEMLIMIT`, string(dep))
	// What the downward API hands over is a byte count serve accepts.
	c, err := parseServe(nil, env(map[string]string{"JAKGUARD_MEMORY_LIMIT": "536870912"}), io.Discard)
	require.NoError(t, err)
	assert.Equal(t, int64(512<<20), c.memoryLimit)
}
