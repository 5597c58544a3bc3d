package store

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strings"
)

// AuditKey is the site secret the audit trail hashes patient ids with
// (HMAC-SHA256), so that a patient's calls can be found by id while no id is
// stored in clear. Without the key, a hash cannot be tested against a list
// of candidate ids; hence the key is never stored in the database.
type AuditKey struct {
	key []byte
	// Fingerprint identifies the key without revealing it (logged at start,
	// so that operators see when it changed and old hashes stop matching).
	Fingerprint string
}

// MinAuditKeyLen is the shortest accepted key, in bytes of its text.
const MinAuditKeyLen = 32

// NewAuditKey makes a key from secret text (surrounding white space is
// ignored); it must be at least MinAuditKeyLen bytes.
func NewAuditKey(secret []byte) (*AuditKey, error) {
	secret = bytes.TrimSpace(secret)
	if len(secret) < MinAuditKeyLen {
		return nil, fmt.Errorf("audit key too short: %d bytes, want at least %d (e.g. head -c 32 /dev/urandom | base64)", len(secret), MinAuditKeyLen)
	}
	k := &AuditKey{key: bytes.Clone(secret)}
	m := hmac.New(sha256.New, k.key)
	m.Write([]byte("jakguard audit key fingerprint"))
	k.Fingerprint = hex.EncodeToString(m.Sum(nil)[:4])
	return k, nil
}

// PatientHash is the keyed hash of a patient id as the audit trail stores
// it: HMAC-SHA256 of the bare FHIR id ("Patient/" and surrounding space
// removed, so "Patient/123" and "123" match), its first 128 bits in hex.
// An empty id gives "".
func (k *AuditKey) PatientHash(id string) string {
	id = strings.TrimSpace(id)
	id = strings.TrimPrefix(id, "Patient/")
	if id == "" || k == nil {
		return ""
	}
	m := hmac.New(sha256.New, k.key)
	m.Write([]byte("patient\x00"))
	m.Write([]byte(id))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// AuditKeySource says where LoadAuditKey found the key.
type AuditKeySource struct {
	File      string // the file read or created ("" for the environment or memory)
	Generated bool   // created now
	Ephemeral bool   // in memory only (sqlite::memory:)
}

// LoadAuditKey returns the site's audit key:
//   - file (--audit-key-file) or envKey (JAKGUARD_AUDIT_KEY), not both;
//   - else, for a SQLite file, PATH.audit-key next to the database, created
//     with 32 random bytes (base64) and mode 0600 on first start;
//   - else, for sqlite::memory:, a random key kept in memory;
//   - else (PostgreSQL) an error: replicas must share the key, and a key kept
//     in the same database as the hashes would not protect them.
func LoadAuditKey(dsn, file, envKey string, logger *slog.Logger) (*AuditKey, AuditKeySource, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	switch {
	case file != "" && envKey != "":
		return nil, AuditKeySource{}, errors.New("audit key: give --audit-key-file or JAKGUARD_AUDIT_KEY, not both")
	case file != "":
		k, err := readKeyFile(file, logger)
		return k, AuditKeySource{File: file}, err
	case envKey != "":
		k, err := NewAuditKey([]byte(envKey))
		if err != nil {
			return nil, AuditKeySource{}, fmt.Errorf("JAKGUARD_AUDIT_KEY: %w", err)
		}
		return k, AuditKeySource{}, nil
	}
	path, ok := strings.CutPrefix(dsn, "sqlite:")
	if !ok {
		return nil, AuditKeySource{}, errors.New("audit key: with a PostgreSQL store, give the key with --audit-key-file or " +
			"JAKGUARD_AUDIT_KEY, the same on every replica (at least 32 bytes, e.g. head -c 32 /dev/urandom | base64); " +
			"it is not kept in the database, which would defeat it")
	}
	if path == ":memory:" {
		secret := make([]byte, 32)
		rand.Read(secret)
		k, err := NewAuditKey([]byte(base64.StdEncoding.EncodeToString(secret)))
		return k, AuditKeySource{Ephemeral: true}, err
	}
	keyFile := path + ".audit-key"
	k, err := readKeyFile(keyFile, logger)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return k, AuditKeySource{File: keyFile}, err
	}
	k, err = createKeyFile(keyFile)
	if errors.Is(err, fs.ErrExist) { // another process made it meanwhile
		k, err = readKeyFile(keyFile, logger)
		return k, AuditKeySource{File: keyFile}, err
	}
	return k, AuditKeySource{File: keyFile, Generated: err == nil}, err
}

func readKeyFile(path string, logger *slog.Logger) (*AuditKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("audit key file: %w", err)
	}
	if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o077 != 0 {
		logger.Warn("audit key file is readable by other users: chmod 600 it", "file", path, "mode", st.Mode().Perm().String())
	}
	k, err := NewAuditKey(b)
	if err != nil {
		return nil, fmt.Errorf("audit key file %s: %w", path, err)
	}
	return k, nil
}

// createKeyFile writes a new random key to path (which must not exist) with
// mode 0600, synced before it is used.
func createKeyFile(path string) (*AuditKey, error) {
	secret := make([]byte, 32)
	rand.Read(secret)
	text := base64.StdEncoding.EncodeToString(secret)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create audit key file: %w", err)
	}
	_, werr := f.WriteString(text + "\n")
	if werr == nil {
		werr = f.Sync()
	}
	if err := errors.Join(werr, f.Close()); err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("create audit key file %s: %w", path, err)
	}
	return NewAuditKey([]byte(text))
}
