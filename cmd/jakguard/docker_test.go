//go:build linux

package main

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/internal/syncbuf"
)

// image is what the Dockerfile's runtime stage sets up.
type image struct {
	env     []string // ENV, "NAME=value"
	cmd     []string // CMD
	user    string   // USER
	dataDir string   // the VOLUME
	chown   string   // --chown of the COPY that makes the data directory
}

func readDockerfile(t *testing.T) image {
	t.Helper()
	b, err := os.ReadFile("../../Dockerfile")
	require.NoError(t, err)
	text := strings.ReplaceAll(string(b), "\\\n", " ")
	stages := strings.Split(text, "\nFROM ")
	runtime := stages[len(stages)-1]
	var img image
	for _, line := range strings.Split(runtime, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		switch f[0] {
		case "ENV":
			img.env = append(img.env, f[1:]...)
		case "CMD":
			require.NoError(t, json.Unmarshal([]byte(strings.TrimSpace(strings.TrimPrefix(line, "CMD"))), &img.cmd), line)
		case "USER":
			img.user = f[1]
		case "VOLUME":
			var v []string
			require.NoError(t, json.Unmarshal([]byte(strings.TrimSpace(strings.TrimPrefix(line, "VOLUME"))), &v), line)
			img.dataDir = v[0]
		case "COPY":
			if m := regexp.MustCompile(`--chown=(\S+) .* (\S+)$`).FindStringSubmatch(line); m != nil {
				if img.dataDir == "" || m[2] == img.dataDir {
					img.chown = m[1] + " " + m[2]
				}
			}
		}
	}
	return img
}

// The image's layout: the SQLite directory is the volume, exists in the
// image, and belongs to the user the image runs as (distroless has no
// shell, so it is made in the build stage and copied with --chown).
func TestDockerfileDataDirectory(t *testing.T) {
	img := readDockerfile(t)
	require.Equal(t, "/data", img.dataDir)
	assert.Equal(t, img.user+" /data", img.chown, "COPY --chown of /data must be the USER")
	assert.Regexp(t, `^[0-9]+:[0-9]+$`, img.user, "numeric USER, so runAsNonRoot can check it")
	assert.NotEqual(t, "0:0", img.user)
	assert.Contains(t, img.env, "JAKGUARD_DB=sqlite:/data/jakguard.db")
	b, _ := os.ReadFile("../../Dockerfile")
	assert.Regexp(t, `(?m)^RUN mkdir -p /out/data$`, string(b))
}

// The image as documented, reproduced by hand: the binary runs with the
// image's ENV and CMD, as the image's user when the test can switch users,
// against directories like the image's (the data directory owned by that
// user, the clients file mounted read-only).
func TestDockerImageRunsAsDocumented(t *testing.T) {
	img := readDockerfile(t)
	// Directories the image's user can reach (t.TempDir's are 0700).
	root, err := os.MkdirTemp("", "jakguard-image")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(root) })
	require.NoError(t, os.Chmod(root, 0o755))
	data := filepath.Join(root, "data")
	conf := filepath.Join(root, "etc", "jakguard")
	require.NoError(t, os.MkdirAll(data, 0o755))
	require.NoError(t, os.MkdirAll(conf, 0o755))

	var cred *syscall.Credential
	var uid, gid int
	if regexp.MustCompile(`^\d+:\d+$`).MatchString(img.user) && os.Geteuid() == 0 {
		u, g, _ := strings.Cut(img.user, ":")
		uid, _ = strconv.Atoi(u)
		gid, _ = strconv.Atoi(g)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		require.NoError(t, os.Chown(data, uid, gid))
	}
	// A free port for the image's 8080.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	ln.Close()
	rewrite := func(s string) string {
		s = strings.ReplaceAll(s, ":8080", ":"+port)
		s = strings.ReplaceAll(s, "/data/", data+"/")
		return strings.ReplaceAll(s, "/etc/jakguard/", conf+"/")
	}
	var env []string
	for _, e := range img.env {
		env = append(env, rewrite(e))
	}
	var args []string
	for _, a := range img.cmd {
		args = append(args, rewrite(a))
	}
	start := func(extraEnv []string, args ...string) (*exec.Cmd, *syncbuf.Buffer) {
		cmd := exec.Command(binary, args...)
		cmd.Env = append(append([]string{"PATH=" + os.Getenv("PATH")}, env...), extraEnv...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		var logs syncbuf.Buffer // written by exec's goroutines while the test reads it
		cmd.Stdout, cmd.Stderr = &logs, &logs
		require.NoError(t, cmd.Start())
		return cmd, &logs
	}

	// No clients file mounted: the image's command stops with a hint.
	cmd, logs := start(nil, args...)
	err = cmd.Wait()
	require.Error(t, err)
	assert.Contains(t, logs.String(), "clients.json")
	assert.Contains(t, logs.String(), "mount the directory holding it")
	_, err = os.Stat(filepath.Join(data, "jakguard.db"))
	assert.True(t, os.IsNotExist(err), "nothing created before the configuration is checked")

	// With a clients file (made by token mint) and the public URL: serves,
	// answers the HEALTHCHECK, accepts a minted token, writes its SQLite
	// database in the data directory.
	r := jak(t, "", nil, "token", "mint", "--new-key", "--key", filepath.Join(root, "ehr-key.pem"), "--jwks", filepath.Join(conf, "ehr.jwks.json"),
		"--clients", filepath.Join(conf, "clients.json"), "--url", "http://127.0.0.1:"+port+"/cds-services/order-select")
	require.Equal(t, 0, r.code, r.stderr)
	require.NoError(t, os.Chmod(filepath.Join(conf, "clients.json"), 0o644))
	cmd, logs = start([]string{"JAKGUARD_PUBLIC_URL=http://127.0.0.1:" + port}, args...)
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	health := func() int {
		hc := exec.Command(binary, "healthcheck")
		hc.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
		hc.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		if err := hc.Run(); err != nil {
			return 1
		}
		return 0
	}
	require.Eventually(t, func() bool { return health() == 0 }, 10*time.Second, 100*time.Millisecond, logs.String())
	body, err := os.ReadFile("../../testdata/requests/order-select-upadacitinib.json")
	require.NoError(t, err)
	req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:"+port+"/cds-services/order-select", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(r.stdout))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode, logs.String())
	st, err := os.Stat(filepath.Join(data, "jakguard.db"))
	require.NoError(t, err, logs.String())
	if cred != nil {
		assert.Equal(t, uint32(uid), st.Sys().(*syscall.Stat_t).Uid, "the database belongs to the image's user")
	}
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, cmd.Wait(), logs.String())

	// The development switch for a local try: all interfaces, no JWT.
	cmd, logs = start(nil, "serve", "--allow-unauthenticated")
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	require.Eventually(t, func() bool { return health() == 0 }, 10*time.Second, 100*time.Millisecond, logs.String())
	resp, err = http.Post("http://127.0.0.1:"+port+"/cds-services/order-select", "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Contains(t, logs.String(), "AUTHENTICATION DISABLED")
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, cmd.Wait())

	if cred == nil {
		t.Log("not run as the image's user: the test does not run as root")
	}
}
