package hooks

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/internal/store"
)

// Fail-safe review 18 (docs/rules.md section 4): values of no type a rule
// reads, Bundle totals that cannot be read, the feedback endpoint's
// bounds, and what the PostgreSQL store cannot hold.

// pgServer is a test server whose feedback store and card and audit
// recorder are PostgreSQL, in a schema of its own dropped at the end, or
// nil when JAKGUARD_TEST_POSTGRES is not set (fails under CI=true).
func pgServer(t *testing.T) *testServer {
	t.Helper()
	base := os.Getenv("JAKGUARD_TEST_POSTGRES")
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true needs JAKGUARD_TEST_POSTGRES")
		}
		return nil
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, base)
	require.NoError(t, err, "JAKGUARD_TEST_POSTGRES unreachable")
	schema := "jakguard_failsafe18_" + randomHex(t)
	_, err = admin.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize())
	require.NoError(t, err)
	u, err := url.Parse(base)
	require.NoError(t, err)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	st, err := store.Open(ctx, u.String(), nil)
	require.NoError(t, err)
	s := newTestServer(t, serverOpts{})
	s.recorder.Close(ctx)
	rec := store.NewRecorder(st, nil, store.RecorderConfig{Queue: 64})
	s.Server.store, s.Server.recorder = st, rec
	s.store, s.recorder = st, rec
	t.Cleanup(func() {
		rec.Close(context.Background())
		st.Close()
		admin.Exec(context.Background(), "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
		admin.Close(context.Background())
	})
	return s
}

func randomHex(t *testing.T) string {
	b := make([]byte, 6)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return hex.EncodeToString(b)
}

// TestFailsafe18AuditTextStored: every hook call leaves an audit record
// (contract 6.7), with its hookInstance and the service id as sent. A
// NUL in either ("\u0000" in the JSON, %00 in the path), or bytes that
// are not UTF-8 in the path (%ff), made PostgreSQL refuse the recorder's
// whole batch: the audit and card records of the other calls written with
// it (other patients') were dropped with the hostile one's, and the
// recorder slept a retry. They are stored with U+FFFD in place now
// (SQLite kept them as sent), and the other calls' records with them.
func TestFailsafe18AuditTextStored(t *testing.T) {
	upa := readFile(t, "testdata/requests/order-select-upadacitinib.json")
	var inst struct {
		HookInstance string `json:"hookInstance"`
	}
	require.NoError(t, json.Unmarshal(upa, &inst))
	hostile := bytes.Replace(upa, []byte(inst.HookInstance), []byte(`a\u0000b`), 1)
	require.NotEqual(t, upa, hostile)
	cases := []struct {
		name, path string
		body       []byte
		code       int
	}{
		{"hookInstance with a NUL", "/cds-services/order-select", hostile, http.StatusOK},
		{"service id with a NUL", "/cds-services/x%00y", upa, http.StatusNotFound},
		{"service id not UTF-8", "/cds-services/x%ffy", upa, http.StatusNotFound},
	}
	for _, backend := range []string{"sqlite", "postgres"} {
		for _, tc := range cases {
			t.Run(backend+": "+tc.name, func(t *testing.T) {
				s := newTestServer(t, serverOpts{})
				if backend == "postgres" {
					if s = pgServer(t); s == nil {
						t.Skip("JAKGUARD_TEST_POSTGRES not set")
					}
				}
				// The hostile call and an innocent one, written in one
				// batch (the writer takes what is queued when it wakes).
				r := s.do(t, "POST", tc.path, tc.body)
				require.Equal(t, tc.code, r.Code, r.Body.String())
				r = s.do(t, "POST", "/cds-services/order-select", upa)
				require.Equal(t, http.StatusOK, r.Code, r.Body.String())
				got := flushAudit(t, s)
				st := s.recorder.Stats()
				assert.Zero(t, st.AuditDropped, "no audit record dropped: %+v", st)
				assert.Zero(t, st.CardsDropped, "no card record dropped: %+v", st)
				require.Len(t, got, 2, "both calls recorded")
				assert.Equal(t, inst.HookInstance, got[0].HookInstance, "the innocent call, newest")
				assert.Equal(t, "order-select", got[0].Service)
				for _, v := range []string{got[1].HookInstance, got[1].Service} {
					assert.True(t, utf8.ValidString(v) && !strings.ContainsRune(v, 0), "stored as text: %q", v)
				}
			})
		}
	}
}

// TestFailsafe18FeedbackNUL: a NUL ("\u0000") in any string of a feedback
// item is valid JSON that PostgreSQL text cannot hold: the store failed
// and the call answered 503 "retry" (the EHR retries a request that can
// never succeed, and the batch's other items are never stored), while
// SQLite stored it. Both answer 400 naming the member now. White space
// in a comment is kept (the control case).
func TestFailsafe18FeedbackNUL(t *testing.T) {
	const ts = `"outcomeTimestamp":"2026-11-29T12:00:00Z"`
	cases := []struct{ name, item, path string }{
		{"card", `{"card":"c\u0000",` + ts + `,"outcome":"overridden"}`, "feedback[1].card"},
		{"userComment", `{"card":"c",` + ts + `,"outcome":"overridden","overrideReason":{"userComment":"a\u0000b"}}`, "feedback[1].overrideReason.userComment"},
		{"reason code", `{"card":"c",` + ts + `,"outcome":"overridden","overrideReason":{"reason":{"code":"x\u0000"}}}`, "feedback[1].overrideReason.reason.code"},
		{"reason system", `{"card":"c",` + ts + `,"outcome":"overridden","overrideReason":{"reason":{"code":"x","system":"s\u0000"}}}`, "feedback[1].overrideReason.reason.system"},
		{"reason display", `{"card":"c",` + ts + `,"outcome":"overridden","overrideReason":{"reason":{"code":"x","display":"d\u0000"}}}`, "feedback[1].overrideReason.reason.display"},
		{"pre-2.0 bare Coding", `{"card":"c",` + ts + `,"outcome":"overridden","overrideReason":{"code":"x\u0000"}}`, "feedback[1].overrideReason.code"},
		{"suggestion id", `{"card":"c",` + ts + `,"outcome":"accepted","acceptedSuggestions":[{"id":"s\u0000"}]}`, "feedback[1].acceptedSuggestions[0].id"},
	}
	good := `{"card":"c0",` + ts + `,"outcome":"overridden","overrideReason":{"userComment":"line 1\n\tline 2"}}`
	for _, backend := range []string{"sqlite", "postgres"} {
		s := newTestServer(t, serverOpts{})
		if backend == "postgres" {
			if s = pgServer(t); s == nil {
				continue
			}
		}
		for _, tc := range cases {
			t.Run(backend+": "+tc.name, func(t *testing.T) {
				r := s.do(t, "POST", "/cds-services/order-sign/feedback", []byte(`{"feedback":[`+good+`,`+tc.item+`]}`))
				requireRefused(t, r, http.StatusBadRequest, r.Body.String(), tc.path+": must not hold a NUL character")
			})
		}
		t.Run(backend+": white space in a comment", func(t *testing.T) {
			r := s.do(t, "POST", "/cds-services/order-sign/feedback", []byte(`{"feedback":[`+good+`]}`))
			require.Equal(t, http.StatusOK, r.Code, r.Body.String())
		})
	}
}

// TestFailsafe18FeedbackSuggestionsBounded: an accepted item's
// acceptedSuggestions were unbounded and made unique by a scan of those
// kept so far, once per id: 40,000 ids took 3 s, and the 8 MiB body
// holds some 450,000 (minutes of a core for one request, then all of
// them stored). A card has a few suggestions; past
// store.MaxAcceptedSuggestions an item is a 400.
func TestFailsafe18FeedbackSuggestionsBounded(t *testing.T) {
	s := newTestServer(t, serverOpts{})
	body := func(n int, id func(i int) string) []byte {
		var b bytes.Buffer
		b.WriteString(`{"feedback":[{"card":"c1","outcome":"accepted","outcomeTimestamp":"2026-11-29T12:00:00Z","acceptedSuggestions":[`)
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"id":%q}`, id(i))
		}
		b.WriteString(`]}]}`)
		return b.Bytes()
	}
	distinct := func(i int) string { return fmt.Sprintf("s%d", i) }
	same := func(int) string { return "s" }
	const max = store.MaxAcceptedSuggestions
	for _, tc := range []struct {
		name string
		n    int
		id   func(int) string
		code int
	}{
		{"one", 1, distinct, http.StatusOK},
		{"max-1 distinct", max - 1, distinct, http.StatusOK},
		{"max distinct", max, distinct, http.StatusOK},
		{"max+1 distinct", max + 1, distinct, http.StatusBadRequest},
		{"max+1 of one id", max + 1, same, http.StatusBadRequest},
		{"450,000 distinct (8 MiB)", 450_000, distinct, http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := body(tc.n, tc.id)
			require.Less(t, len(b), 8<<20, "within the body limit")
			start := time.Now()
			r := s.do(t, "POST", "/cds-services/order-sign/feedback", b)
			assert.Less(t, time.Since(start), 2*time.Second)
			if tc.code == http.StatusOK {
				require.Equal(t, tc.code, r.Code, r.Body.String())
				return
			}
			requireRefused(t, r, tc.code, r.Body.String(), fmt.Sprintf("feedback[0].acceptedSuggestions: too many: more than %d", max))
		})
	}
}
