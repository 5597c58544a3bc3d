package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/internal/store"
)

func TestStoreFlags(t *testing.T) {
	const key = "0123456789abcdef0123456789abcdef"
	day := 24 * time.Hour
	cases := []struct {
		name                string
		args                []string
		env                 map[string]string
		want                string // error text; "" = accepted
		retention, auditRet time.Duration
	}{
		{"defaults: 400 days each", nil, nil, "", 400 * day, 400 * day},
		{"days", []string{"--retention", "30d", "--audit-retention", "730d"}, nil, "", 30 * day, 730 * day},
		{"a Go duration", []string{"--retention", "36h"}, nil, "", 36 * time.Hour, 400 * day},
		{"from the environment", nil, map[string]string{"JAKGUARD_RETENTION": "90d", "JAKGUARD_AUDIT_RETENTION": "2000h"}, "", 90 * day, 2000 * time.Hour},
		{"flag beats env", []string{"--retention", "10d"}, map[string]string{"JAKGUARD_RETENTION": "90d"}, "", 10 * day, 400 * day},
		{"0 keeps forever", []string{"--retention", "0", "--audit-retention", "0d"}, nil, "", 0, 0},
		{"no unit", []string{"--retention", "400"}, nil, `invalid value "400" for flag -retention: "400": want whole days (400d)`, 0, 0},
		{"negative", []string{"--retention", "-5d"}, nil, `invalid value "-5d" for flag -retention`, 0, 0},
		{"negative duration", []string{"--audit-retention", "-5h"}, nil, "--audit-retention", 0, 0},
		{"below an hour", []string{"--retention", "10m"}, nil, "at least 1h", 0, 0},
		{"bad env", nil, map[string]string{"JAKGUARD_AUDIT_RETENTION": "a year"}, "JAKGUARD_AUDIT_RETENTION", 0, 0},
		{"db timeout must be positive", []string{"--db-timeout", "0s"}, nil, "--db-timeout", 0, 0},
		{"PostgreSQL needs an audit key", []string{"--db", "postgres://db/jak"}, nil, "--audit-key-file or JAKGUARD_AUDIT_KEY", 0, 0},
		{"PostgreSQL with the key in env", []string{"--db", "postgres://db/jak"}, map[string]string{"JAKGUARD_AUDIT_KEY": key}, "", 400 * day, 400 * day},
		{"PostgreSQL with a key file", []string{"--db", "postgres://db/jak", "--audit-key-file", "/run/secrets/k"}, nil, "", 400 * day, 400 * day},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			c, err := parseServe(tc.args, env(tc.env), &stderr)
			if tc.want != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error()+stderr.String(), tc.want)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.retention, c.retention)
			assert.Equal(t, tc.auditRet, c.auditRetention)
		})
	}
	var d days = days(400 * day)
	assert.Equal(t, "400d", d.String())
	d = days(36 * time.Hour)
	assert.Equal(t, "36h0m0s", d.String())
}

// serve with a SQLite file: the audit key is generated next to it (0600),
// every hook call is audited with the patient's keyed hash, and records
// past retention are pruned at start.
func TestServeAuditAndRetention(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "j.db")
	db := "sqlite:" + dbPath

	// Records from two years ago, as a store that has run that long holds.
	old, err := store.Open(context.Background(), db, nil)
	require.NoError(t, err)
	longAgo := time.Now().AddDate(-2, 0, 0)
	require.NoError(t, old.Record(context.Background(), store.Batch{
		Cards:  []store.CardRecord{{UUID: "old-card", Service: "order-sign", Findings: []string{"smoker"}, Shown: longAgo}},
		Audits: []store.AuditRecord{{Time: longAgo, Service: "order-sign", Status: 200}},
	}))
	require.NoError(t, old.Close())

	base, stop := startServe(t, "--db", db)
	st, err := os.Stat(dbPath + ".audit-key")
	require.NoError(t, err, "the audit key is created next to the database")
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())

	body, err := os.ReadFile("../../testdata/requests/order-select-upadacitinib.json")
	require.NoError(t, err)
	resp, err := http.Post(base+"/cds-services/order-select", "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	resp, err = http.Post(base+"/cds-services/order-select", "application/json", strings.NewReader(`{"hook":`))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 400, resp.StatusCode)

	metrics := func() string {
		resp, err := http.Get(base + "/metrics")
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	require.Eventually(t, func() bool { return strings.Contains(metrics(), "jakguard_audit_records_written_total 2") },
		5*time.Second, 20*time.Millisecond)
	m := metrics()
	assert.Contains(t, m, `jakguard_store_pruned_total{kind="card"} 1`)
	assert.Contains(t, m, `jakguard_store_pruned_total{kind="audit"} 1`)
	assert.Contains(t, m, "jakguard_audit_records_dropped_total 0")
	require.NoError(t, stop())

	s, err := store.OpenExisting(context.Background(), db, nil)
	require.NoError(t, err)
	defer s.Close()
	got, err := s.Audit(context.Background(), store.AuditQuery{})
	require.NoError(t, err)
	require.Len(t, got, 2, "the two calls; the two-year-old record pruned")
	var req struct {
		Context struct {
			PatientID string `json:"patientId"`
		} `json:"context"`
	}
	require.NoError(t, json.Unmarshal(body, &req))
	keyText, err := os.ReadFile(dbPath + ".audit-key")
	require.NoError(t, err)
	key, err := store.NewAuditKey(keyText)
	require.NoError(t, err)
	byStatus := map[int]store.AuditRecord{}
	for _, a := range got {
		byStatus[a.Status] = a
	}
	assert.Equal(t, key.PatientHash(req.Context.PatientID), byStatus[200].PatientHash)
	assert.NotEmpty(t, byStatus[200].Findings)
	assert.Equal(t, "", byStatus[400].PatientHash)
}
