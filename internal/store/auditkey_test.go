package store

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const testKey = "0123456789abcdef0123456789abcdef-site-secret"

func TestPatientHash(t *testing.T) {
	k, err := NewAuditKey([]byte(testKey + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	other, _ := NewAuditKey([]byte(strings.ToUpper(testKey)))
	h := k.PatientHash("pt-123")
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(h) {
		t.Errorf("hash %q: want 128 bits in hex", h)
	}
	for _, same := range []string{"Patient/pt-123", " pt-123 ", "Patient/pt-123\n"} {
		if got := k.PatientHash(same); got != h {
			t.Errorf("PatientHash(%q) = %s, want %s", same, got, h)
		}
	}
	if k.PatientHash("pt-124") == h {
		t.Error("two patients, one hash")
	}
	if other.PatientHash("pt-123") == h {
		t.Error("another site's key gives the same hash: the hash is not keyed")
	}
	if k.PatientHash("") != "" || k.PatientHash("Patient/") != "" {
		t.Error("no patient id must give no hash")
	}
	if strings.Contains(h, "pt-123") || k.Fingerprint == "" || k.Fingerprint == other.Fingerprint {
		t.Errorf("fingerprints %q %q", k.Fingerprint, other.Fingerprint)
	}
	if _, err := NewAuditKey([]byte("  too-short-for-a-key  ")); err == nil {
		t.Error("a short key must be refused")
	}
}

func TestLoadAuditKey(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key")
	if err := os.WriteFile(keyFile, []byte(testKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	want, _ := NewAuditKey([]byte(testKey))

	t.Run("file", func(t *testing.T) {
		k, src, err := LoadAuditKey("postgres://db/x", keyFile, "", nil)
		if err != nil || k.Fingerprint != want.Fingerprint || src.File != keyFile {
			t.Errorf("got %v %+v %v", k, src, err)
		}
	})
	t.Run("environment", func(t *testing.T) {
		k, _, err := LoadAuditKey("postgres://db/x", "", testKey, nil)
		if err != nil || k.Fingerprint != want.Fingerprint {
			t.Errorf("got %v %v", k, err)
		}
	})
	t.Run("both is an error", func(t *testing.T) {
		if _, _, err := LoadAuditKey("sqlite:x.db", keyFile, testKey, nil); err == nil {
			t.Error("want an error")
		}
	})
	t.Run("short key in the environment", func(t *testing.T) {
		if _, _, err := LoadAuditKey("sqlite:x.db", "", "short", nil); err == nil || !strings.Contains(err.Error(), "JAKGUARD_AUDIT_KEY") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("PostgreSQL without a key refuses, naming the settings", func(t *testing.T) {
		_, _, err := LoadAuditKey("postgres://db/x", "", "", nil)
		if err == nil || !strings.Contains(err.Error(), "--audit-key-file") || !strings.Contains(err.Error(), "JAKGUARD_AUDIT_KEY") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("SQLite: generated next to the database with mode 0600, then kept", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "jakguard.db")
		k1, src, err := LoadAuditKey("sqlite:"+db, "", "", nil)
		if err != nil || !src.Generated || src.File != db+".audit-key" {
			t.Fatalf("first start: %+v %v", src, err)
		}
		st, err := os.Stat(db + ".audit-key")
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("key file: %v %v, want mode 0600", st.Mode(), err)
		}
		k2, src, err := LoadAuditKey("sqlite:"+db, "", "", nil)
		if err != nil || src.Generated || k2.PatientHash("p") != k1.PatientHash("p") {
			t.Errorf("second start: %+v %v; the key must be the same", src, err)
		}
	})
	t.Run("SQLite in memory: an ephemeral key", func(t *testing.T) {
		k, src, err := LoadAuditKey("sqlite::memory:", "", "", nil)
		if err != nil || !src.Ephemeral || k == nil {
			t.Errorf("got %+v %v", src, err)
		}
	})
	t.Run("a key file others can read is used, with a warning", func(t *testing.T) {
		loose := filepath.Join(t.TempDir(), "key")
		if err := os.WriteFile(loose, []byte(testKey), 0o644); err != nil {
			t.Fatal(err)
		}
		var log bytes.Buffer
		if _, _, err := LoadAuditKey("sqlite:x.db", loose, "", slog.New(slog.NewTextHandler(&log, nil))); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(log.String(), "chmod 600") {
			t.Errorf("no warning: %s", log.String())
		}
		if strings.Contains(log.String(), testKey) {
			t.Error("the log holds the key")
		}
	})
	t.Run("a missing key file is an error, not a new key", func(t *testing.T) {
		if _, _, err := LoadAuditKey("sqlite:x.db", filepath.Join(dir, "nope"), "", nil); err == nil {
			t.Error("want an error")
		}
	})
}
