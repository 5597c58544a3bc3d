package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// A PostgreSQL server that cannot be reached at start-up stops serve with
// one line (contract section 1: "one clear line naming the problem"), not
// pgx's list of every address tried over several lines, which a log
// collector splits into unrelated records; the password is never printed.
func TestDatabaseStartupErrorIsOneLine(t *testing.T) {
	// A port nothing listens on: connection refused at once.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	dsn := "postgres://jak:S3cretPass@" + addr + "/jak"
	for _, args := range [][]string{
		{"serve", "--addr", "127.0.0.1:0", "--db", dsn},
		{"report", "--db", dsn},
	} {
		var stderr bytes.Buffer
		code := run(context.Background(), args, env(map[string]string{"JAKGUARD_AUDIT_KEY": "0123456789abcdef0123456789abcdef-key"}), io.Discard, &stderr)
		assert.Equal(t, 1, code, args[0])
		out := strings.TrimRight(stderr.String(), "\n")
		assert.NotContains(t, out, "\n", "%s: one line", args[0])
		assert.NotContains(t, out, "\t", args[0])
		assert.Contains(t, out, "--db", args[0])
		assert.Contains(t, out, "connection refused", args[0])
		assert.NotContains(t, out, "S3cretPass", args[0])
	}
}

// A bad audit key given by the operator (a mistyped --audit-key-file, a
// short JAKGUARD_AUDIT_KEY) stops serve before the database is opened or
// migrated, as a bad clients file does: no new database is left behind,
// and a PostgreSQL database is not migrated by a replica that cannot run.
func TestBadAuditKeyBeforeDatabase(t *testing.T) {
	for name, c := range map[string]struct {
		env  []string
		args []string
		want string
	}{
		"missing file": {nil, []string{"--audit-key-file", "/no/such/audit.key"}, "no such file"},
		"short env":    {[]string{"JAKGUARD_AUDIT_KEY=short"}, nil, "too short"},
	} {
		t.Run(name, func(t *testing.T) {
			dbFile := filepath.Join(t.TempDir(), "new.db")
			r := jak(t, "", c.env, append([]string{"serve", "--addr", "127.0.0.1:0", "--db", "sqlite:" + dbFile}, c.args...)...)
			assert.Equal(t, 1, r.code)
			assert.Contains(t, r.stderr, c.want)
			assert.NotContains(t, r.stderr, "migration", "nothing migrated")
			_, err := os.Stat(dbFile)
			assert.True(t, os.IsNotExist(err), "the database was created before the audit key was checked")
		})
	}
}
