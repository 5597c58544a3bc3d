package main

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// The audit key a SQLite store makes on first start (DB.audit-key, in the
// working directory with the default --db) is a site secret: git must not
// offer to commit it, nor a docker build copy it into an image; nor the
// database beside it.
func TestSecretsAreIgnored(t *testing.T) {
	for _, file := range []string{"../../.gitignore", "../../.dockerignore"} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(b), "\n")
		for _, pattern := range []string{"*.audit-key", "*.db", "*.db-wal", "*.db-shm"} {
			if !slices.Contains(lines, pattern) {
				t.Errorf("%s does not ignore %s", file, pattern)
			}
		}
	}
}
