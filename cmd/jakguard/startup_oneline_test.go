package main

import (
	"bytes"
	"context"
	"io"
	"net"
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
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--db", "postgres://jak:S3cretPass@" + addr + "/jak"},
		env(map[string]string{"JAKGUARD_AUDIT_KEY": "0123456789abcdef0123456789abcdef-key"}), io.Discard, &stderr)
	assert.Equal(t, 1, code)
	out := strings.TrimRight(stderr.String(), "\n")
	assert.NotContains(t, out, "\n", "one line")
	assert.NotContains(t, out, "\t")
	assert.Contains(t, out, "--db")
	assert.Contains(t, out, "connection refused")
	assert.NotContains(t, out, "S3cretPass")
}
