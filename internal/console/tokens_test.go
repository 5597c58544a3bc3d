package console

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const tokA = "operator-token-a-0123456789abcdefghij"
const tokB = "operator-token-b-0123456789abcdefghij"

func TestParseTokens(t *testing.T) {
	tk, err := ParseTokens([]byte("# operators\n\n  " + tokA + "  \n# retired: none\n" + tokB + "\n"))
	require.NoError(t, err)
	assert.Equal(t, 2, tk.Len())
	assert.True(t, tk.Match(tokA))
	assert.True(t, tk.Match(tokB))
	for _, bad := range []string{"", tokA[:len(tokA)-1], tokA + "x", strings.ToUpper(tokA), "# operators"} {
		assert.False(t, tk.Match(bad), "%q", bad)
	}
	var none *Tokens
	assert.False(t, none.Match(tokA), "no tokens match nothing")
}

func TestParseTokensRefuses(t *testing.T) {
	for name, text := range map[string]string{
		"empty":         "",
		"only comments": "# a\n\n# b\n",
		"short":         tokA + "\nshort-token\n",
		"a space":       "operator token with spaces 0123456789abcdef\n",
	} {
		_, err := ParseTokens([]byte(text))
		require.Error(t, err, name)
		assert.NotContains(t, err.Error(), "short-token", "%s: the error never quotes a token", name)
	}
	_, err := ParseTokens([]byte(tokA + "\nshort-token\n"))
	assert.Contains(t, err.Error(), "line 2")
}

func TestLoadTokens(t *testing.T) {
	p := filepath.Join(t.TempDir(), "operators")
	require.NoError(t, os.WriteFile(p, []byte(tokA+"\n"), 0o600))
	tk, err := LoadTokens(p)
	require.NoError(t, err)
	assert.True(t, tk.Match(tokA))
	_, err = LoadTokens(filepath.Join(t.TempDir(), "missing"))
	assert.Error(t, err)
	big := filepath.Join(t.TempDir(), "big")
	require.NoError(t, os.WriteFile(big, []byte(strings.Repeat(tokA+"\n", 3000)), 0o600))
	_, err = LoadTokens(big)
	assert.ErrorContains(t, err, "larger than")
}

func TestBearerToken(t *testing.T) {
	assert.Equal(t, tokA, BearerToken("Bearer "+tokA))
	assert.Equal(t, tokA, BearerToken("bearer "+tokA))
	assert.Equal(t, "", BearerToken("Basic "+tokA))
	assert.Equal(t, "", BearerToken(tokA))
}

func TestParseSince(t *testing.T) {
	now := mustTime(t, "2026-12-06T12:00:00Z")
	got, err := parseSince("24h", now)
	require.NoError(t, err)
	assert.Equal(t, now.Add(-24*time.Hour), got)
	got, err = parseSince("30d", now)
	require.NoError(t, err)
	assert.Equal(t, now.AddDate(0, 0, -30), got)
	got, err = parseSince("", now)
	require.NoError(t, err)
	assert.True(t, got.IsZero())
	for _, bad := range []string{"x", "-1h", "0", "0d", "1e9d", "999999d"} {
		_, err := parseSince(bad, now)
		assert.Error(t, err, bad)
	}
}

func TestLoopbackHost(t *testing.T) {
	for _, h := range []string{"127.0.0.1:8080", "localhost", "LOCALHOST:1", "[::1]:8080", "127.1.2.3"} {
		assert.True(t, loopbackHost(h), h)
	}
	for _, h := range []string{"example.org", "10.0.0.1:8080", "localhost.evil.example", ""} {
		assert.False(t, loopbackHost(h), h)
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	require.NoError(t, err)
	return v
}

// BenchmarkMatchJWT is what an EHR call with a JWT pays on the hook
// endpoints to be told apart from an operator token (refuseOperatorToken):
// one SHA-256 of an 800-byte header and a compare per token.
func BenchmarkMatchJWT(b *testing.B) {
	tk, err := ParseTokens([]byte(tokA + "\n" + tokB + "\n"))
	require.NoError(b, err)
	jwt := "Bearer " + strings.Repeat("eyJhbGciOiJFUzM4NCJ9", 40)
	for b.Loop() {
		if tk.Match(BearerToken(jwt)) {
			b.Fatal("a JWT matched")
		}
	}
}
