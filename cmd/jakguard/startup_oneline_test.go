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

// A TZ that names no zone stops serve at start-up with one line: Go would
// count in UTC without a word, and every rule's "today" and every age would
// be another day's for hours each evening (a child in New York 12 from
// 19:00 on the eve of the birthday; tz review). Nothing is created first.
func TestUnknownTZStopsServe(t *testing.T) {
	for _, tz := range []string{"America/New_Yrok", "EST-5-nonsense", ":/no/such/zoneinfo"} {
		t.Run(tz, func(t *testing.T) {
			dbFile := filepath.Join(t.TempDir(), "new.db")
			// A clients file that is not there: without the check, serve
			// stops at it (after TZ) rather than serving on.
			r := jak(t, "", []string{"TZ=" + tz}, "serve", "--addr", "127.0.0.1:0", "--db", "sqlite:"+dbFile,
				"--clients", filepath.Join(t.TempDir(), "clients.json"))
			assert.Equal(t, 1, r.code, r.stderr)
			out := strings.TrimRight(r.stderr, "\n")
			assert.NotContains(t, out, "\n", "one line")
			assert.Contains(t, out, "TZ \""+tz+"\" names no time zone")
			_, err := os.Stat(dbFile)
			assert.True(t, os.IsNotExist(err), "the database was created before TZ was checked")
		})
	}
}

// checkTZ takes what Go itself reads as a zone: unset or empty and "UTC"
// (UTC), an IANA name with or without the leading colon, a zoneinfo file
// by absolute path.
func TestCheckTZ(t *testing.T) {
	zone := filepath.Join(t.TempDir(), "zone")
	assert.NoError(t, os.WriteFile(zone, []byte("TZif"), 0o600))
	for _, tz := range []string{"", "UTC", ":UTC", "America/New_York", ":Europe/Paris", "Pacific/Kiritimati", zone, ":" + zone} {
		assert.NoError(t, checkTZ(tz), tz)
	}
	for _, tz := range []string{"America/New_Yrok", "Mars/Olympus", "/no/such/zone"} {
		assert.Error(t, checkTZ(tz), tz)
	}
}
