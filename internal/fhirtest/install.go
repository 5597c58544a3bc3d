package fhirtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The npm dependencies of the test FHIR server are installed once per
// checkout, whichever test process asks first, and never seen half-made:
//
//   - a file lock (node_modules.lock beside package.json) lets one process
//     install while the others (go test runs one process per package, at the
//     same time) wait for it;
//   - npm ci runs in a fresh temporary directory (.install-*), and its
//     node_modules is renamed into place only once complete, with a marker
//     file (installedMarker) written into it last;
//   - node_modules counts as installed only when its marker holds the hash
//     of the current package-lock.json, so an interrupted or outdated install
//     is replaced rather than used.
const (
	lockName        = "node_modules.lock"
	installedMarker = ".jakguard-installed"
	installPrefix   = ".install-"
	// InstallTimeout bounds one npm ci.
	InstallTimeout = 10 * time.Minute
)

// installMu serialises the installs of one process (the file lock is per
// open file description, not per goroutine).
var installMu sync.Mutex

// ensureModules installs the server's npm dependencies when needed; without
// npm, or when the install fails, the test is skipped (failed when CI=true).
func ensureModules(tb testing.TB, dir string) {
	tb.Helper()
	if installed(dir) {
		return
	}
	npm := tool(tb, "npm")
	if err := installModules(dir, npm, InstallTimeout); err != nil {
		unavailable(tb, err.Error())
	}
}

// installed reports whether dir/node_modules is a complete install of the
// current package-lock.json.
func installed(dir string) bool {
	want, err := lockHash(dir)
	if err != nil {
		return false
	}
	got, err := os.ReadFile(filepath.Join(dir, "node_modules", installedMarker))
	return err == nil && strings.TrimSpace(string(got)) == want
}

// lockHash is the hex SHA-256 of package.json and package-lock.json.
func lockHash(dir string) (string, error) {
	h := sha256.New()
	for _, name := range []string{"package.json", "package-lock.json"} {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			return "", err
		}
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// installModules runs `npm ci` for dir under the file lock, unless another
// process finished the install while this one waited for the lock.
func installModules(dir, npm string, timeout time.Duration) error {
	installMu.Lock()
	defer installMu.Unlock()
	unlock, err := lockFile(filepath.Join(dir, lockName))
	if err != nil {
		return fmt.Errorf("lock %s: %w", filepath.Join(dir, lockName), err)
	}
	defer unlock()
	if installed(dir) {
		return nil
	}
	removeLeftovers(dir)
	want, err := lockHash(dir)
	if err != nil {
		return err
	}

	tmp, err := os.MkdirTemp(dir, installPrefix)
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	for _, name := range []string{"package.json", "package-lock.json"} {
		if err := copyFile(filepath.Join(dir, name), filepath.Join(tmp, name)); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = tmp
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("npm ci for %s failed: %v\n%s", dir, err, out)
	}
	fresh := filepath.Join(tmp, "node_modules")
	if err := os.WriteFile(filepath.Join(fresh, installedMarker), []byte(want+"\n"), 0o644); err != nil {
		return fmt.Errorf("npm ci for %s: %w", dir, err)
	}

	// Swap: an old or partial node_modules is moved aside first (a rename
	// cannot replace a non-empty directory), then the new one moved in.
	final := filepath.Join(dir, "node_modules")
	if _, err := os.Lstat(final); err == nil {
		old := filepath.Join(tmp, "old-node_modules")
		if err := os.Rename(final, old); err != nil {
			return fmt.Errorf("move the old %s aside: %w", final, err)
		}
	}
	if err := os.Rename(fresh, final); err != nil {
		return fmt.Errorf("move the new node_modules into %s: %w", dir, err)
	}
	return nil
}

// removeLeftovers deletes the temporary directories of installs that were
// interrupted (the lock is held, so none is in progress).
func removeLeftovers(dir string) {
	left, _ := filepath.Glob(filepath.Join(dir, installPrefix+"*"))
	for _, d := range left {
		_ = os.RemoveAll(d)
	}
}

func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o644)
}
