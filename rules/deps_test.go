package rules

import (
	"os/exec"
	"strings"
	"testing"
)

// TestStandardLibraryOnly keeps package rules pure: it may import the
// standard library only (no HTTP frameworks, FHIR models or other modules).
// Test files are not checked; their imports do not ship.
func TestStandardLibraryOnly(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not on PATH; cannot list dependencies")
	}
	out, err := exec.Command(goTool, "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	var deps []string
	for _, p := range strings.Fields(string(out)) {
		if p != "jakguard/rules" {
			deps = append(deps, p)
		}
	}
	if len(deps) > 0 {
		t.Errorf("package rules imports non-standard packages: %s", strings.Join(deps, ", "))
	}
}
