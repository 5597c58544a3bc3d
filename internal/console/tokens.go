package console

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// MinTokenLength is the shortest operator token accepted: 32 characters,
// as from `head -c 24 /dev/urandom | base64` (192 bits). Shorter ones are
// refused at start-up, so that a token cannot be guessed.
const MinTokenLength = 32

// maxTokenFile bounds the operator token file that is read.
const maxTokenFile = 64 << 10

// Tokens are the operator bearer tokens (--operator-token-file). Only
// their SHA-256 digests are kept.
type Tokens struct {
	sums [][sha256.Size]byte
}

// LoadTokens reads the operator token file: one token per line; blank
// lines and lines starting with # are ignored; surrounding spaces are
// trimmed. A file without tokens, or with a token shorter than
// MinTokenLength or holding a space, is an error naming the line (never the
// token).
func LoadTokens(path string) (*Tokens, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(io.LimitReader(f, maxTokenFile+1)); err != nil {
		return nil, err
	}
	if buf.Len() > maxTokenFile {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, maxTokenFile)
	}
	t, err := ParseTokens(buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// ParseTokens reads operator tokens from the text of a token file (see
// LoadTokens).
func ParseTokens(text []byte) (*Tokens, error) {
	t := &Tokens{}
	sc := bufio.NewScanner(bytes.NewReader(text))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		switch {
		case len(line) < MinTokenLength:
			return nil, fmt.Errorf("line %d: operator token shorter than %d characters (make one with: head -c 24 /dev/urandom | base64)", n, MinTokenLength)
		case strings.ContainsAny(line, " \t"):
			return nil, fmt.Errorf("line %d: an operator token holds no spaces", n)
		}
		t.sums = append(t.sums, sha256.Sum256([]byte(line)))
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(t.sums) == 0 {
		return nil, errors.New("no operator token in the file (one per line; # starts a comment)")
	}
	return t, nil
}

// Match reports whether token is one of the operator tokens. It compares
// digests in constant time and always against every token, so neither the
// length nor the position of a token shows in the time taken.
func (t *Tokens) Match(token string) bool {
	if t == nil || token == "" {
		return false
	}
	sum := sha256.Sum256([]byte(token))
	ok := 0
	for i := range t.sums {
		ok |= subtle.ConstantTimeCompare(sum[:], t.sums[i][:])
	}
	return ok == 1
}

// Len is the number of tokens.
func (t *Tokens) Len() int {
	if t == nil {
		return 0
	}
	return len(t.sums)
}

// BearerToken returns the token of an "Authorization: Bearer <token>"
// header value ("" when it is not one).
func BearerToken(header string) string {
	scheme, tok, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(tok)
}
