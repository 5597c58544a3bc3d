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

	"jakguard/fhir"
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
	dsn := pgSchema(t, "jakguard_failsafe18_")
	if dsn == "" {
		return nil
	}
	ctx := context.Background()
	st, err := store.Open(ctx, dsn, nil)
	require.NoError(t, err)
	s := newTestServer(t, serverOpts{})
	s.recorder.Close(ctx)
	rec := store.NewRecorder(st, nil, store.RecorderConfig{Queue: 64})
	s.Server.store, s.Server.recorder = st, rec
	s.store, s.recorder = st, rec
	t.Cleanup(func() {
		rec.Close(context.Background())
		st.Close()
	})
	return s
}

// pgSchema is JAKGUARD_TEST_POSTGRES with a search_path of a schema of its
// own (named prefix and random hex), dropped when the test ends, after
// what the test closes; "" when the variable is not set (fails under
// CI=true).
func pgSchema(t *testing.T, prefix string) string {
	t.Helper()
	base := os.Getenv("JAKGUARD_TEST_POSTGRES")
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true needs JAKGUARD_TEST_POSTGRES")
		}
		return ""
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, base)
	require.NoError(t, err, "JAKGUARD_TEST_POSTGRES unreachable")
	schema := prefix + randomHex(t)
	_, err = admin.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize())
	require.NoError(t, err)
	t.Cleanup(func() { // registered first, run last
		admin.Exec(context.Background(), "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
		admin.Close(context.Background())
	})
	u, err := url.Parse(base)
	require.NoError(t, err)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
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

// prefetchWith is the call c's body with prefetch[key] set to v (raw JSON).
func prefetchWith(t *testing.T, c call, key, v string) []byte {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(c.body(t), &m))
	m["prefetch"].(map[string]any)[key] = json.RawMessage(v)
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return b
}

// fhirPage is a FHIR server handler answering every query with body.
func fhirPage(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/fhir+json")
		fmt.Fprint(w, body)
	}
}

// TestFailsafe18ValueOfNoReadType: a prefetch value or a FHIR server's
// answer that is a single resource of a type no rule reads (Parameters,
// Binary, Basic) was read as a search that found nothing: the conditions
// unread answered {"cards": []} on order-sign and patient-view, the
// immunizations on patient-view, the outside medications unsaid. A
// Medication where the conditions belong was read likewise. It is a
// resource of another type than the key's query asks for, as an
// Observation there was: 400 from prefetch, the key unavailable (said on
// the card) from fhirServer. A bare Condition of the patient is still read
// as the one entry of the search (the control).
func TestFailsafe18ValueOfNoReadType(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	values := map[string]string{
		"Parameters": `{"resourceType":"Parameters"}`,
		"Binary":     `{"resourceType":"Binary","contentType":"application/fhir+json","data":"e30="}`,
		"Basic":      `{"resourceType":"Basic","code":{"text":"x"}}`,
		"Medication": `{"resourceType":"Medication","id":"m","code":{"text":"cetirizine"}}`,
	}
	calls := map[string]call{
		"order-sign":   sign(cleanRecord(), jakDraft("upadacitinib", 15)),
		"patient-view": view(cleanRecord().onCourse("upadacitinib")),
	}
	for typ, v := range values {
		for hook, c := range calls {
			for _, key := range []string{"conditions", "immunizations", "medicationStatements"} {
				t.Run("prefetch: "+hook+": "+key+": "+typ, func(t *testing.T) {
					r := s.do(t, "POST", "/cds-services/"+hook, prefetchWith(t, c, key, v))
					requireRefused(t, r, http.StatusBadRequest, r.Body.String(),
						"prefetch."+key+": holds a resource of another type than its query asks for ("+typ+")")
				})
			}
		}
		t.Run("fhirServer: "+typ, func(t *testing.T) {
			c := onlyDataUnavailable(t, hostileFallback(t, fhirPage(v), fhir.ClientConfig{}))
			assert.Contains(t, c.Detail, "Could not be checked: conditions")
		})
	}
	tb := `{"resourceType":"Condition","id":"tb","subject":{"reference":"Patient/p1"},` +
		`"code":{"coding":[{"system":"http://snomed.info/sct","code":"56717001"}]},` +
		`"clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active"}]}}`
	t.Run("control: prefetch: a bare Condition", func(t *testing.T) {
		r := s.do(t, "POST", "/cds-services/order-sign", prefetchWith(t, calls["order-sign"], "conditions", tb))
		require.Equal(t, http.StatusOK, r.Code, r.Body.String())
		assert.Equal(t, []string{"tb-active"}, codesOf(checkResponse(t, r.Body.Bytes())))
	})
	t.Run("control: fhirServer: a bare Condition", func(t *testing.T) {
		r := hostileFallback(t, fhirPage(tb), fhir.ClientConfig{})
		require.Equal(t, http.StatusOK, r.Code, r.Body.String())
		assert.Equal(t, []string{"tb-active"}, codesOf(checkResponse(t, r.Body.Bytes())))
	})
}

// TestFailsafe18UnreadableTotal: a searchset's total that is no whole
// number of 0 or more (1e30, beyond any int; -1; 2.5; "7"; true) was
// passed over as no total, so a search saying it matched more than it
// sent, with no entries, was read as "no conditions": {"cards": []}, where
// a total of 5 was said. Such a total is now one the entries cannot be
// known to meet: the key is fetched again, or said (order-sign: the
// data-unavailable card; patient-view on a course: its info card), from
// prefetch and from fhirServer alike. A total of 0, of 5.0 with five
// entries... the controls: 0 with none and 1 with one are read.
func TestFailsafe18UnreadableTotal(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	ad := `{"resource":{"resourceType":"Condition","id":"ad","subject":{"reference":"Patient/p1"},` +
		`"code":{"coding":[{"system":"http://snomed.info/sct","code":"24079001"}]}}}`
	page := func(total, entries string) string {
		return `{"resourceType":"Bundle","type":"searchset","total":` + total + `,"entry":[` + entries + `]}`
	}
	sign := sign(cleanRecord(), jakDraft("upadacitinib", 15))
	pv := view(cleanRecord().onCourse("upadacitinib"))
	for _, total := range []string{"1e30", "-1", "2.5", `"7"`, "true", "{}"} {
		t.Run("prefetch: order-sign: total "+total, func(t *testing.T) {
			c := onlyDataUnavailable(t, s.do(t, "POST", "/cds-services/order-sign", prefetchWith(t, sign, "conditions", page(total, ""))))
			assert.Contains(t, c.Detail, "Could not be checked: conditions")
		})
		t.Run("prefetch: patient-view: total "+total, func(t *testing.T) {
			r := s.do(t, "POST", "/cds-services/patient-view", prefetchWith(t, pv, "conditions", page(total, ad)))
			require.Equal(t, http.StatusOK, r.Code, r.Body.String())
			cs := checkResponse(t, r.Body.Bytes())
			require.Len(t, cs, 1, r.Body.String())
			assert.Equal(t, "Upadacitinib course not fully checked: conditions could not be read", cs[0].Summary)
		})
		t.Run("fhirServer: total "+total, func(t *testing.T) {
			c := onlyDataUnavailable(t, hostileFallback(t, fhirPage(page(total, ad)), fhir.ClientConfig{}))
			assert.Contains(t, c.Detail, "Could not be checked: conditions")
		})
	}
	for _, tc := range []struct{ total, entries string }{{"0", ""}, {"1", ad}, {"1.0", ad}, {"null", ""}} {
		t.Run("control: total "+tc.total, func(t *testing.T) {
			r := s.do(t, "POST", "/cds-services/order-sign", prefetchWith(t, sign, "conditions", page(tc.total, tc.entries)))
			require.Equal(t, http.StatusOK, r.Code, r.Body.String())
			assert.JSONEq(t, `{"cards":[]}`, r.Body.String())
			r = hostileFallback(t, fhirPage(page(tc.total, tc.entries)), fhir.ClientConfig{})
			require.Equal(t, http.StatusOK, r.Code, r.Body.String())
			assert.JSONEq(t, `{"cards":[]}`, r.Body.String())
		})
	}
}

// TestFailsafe18ValueBeyondRange: a result whose valueQuantity.value is a
// JSON number beyond what a float64 holds (1e309, -1e309: valid JSON and
// a valid FHIR decimal) was read as a result with no value, and nothing
// said: abrocitinib with such an eGFR as its only one answered
// {"cards": []}, where an eGFR of "abc" said "some lab results could not
// be read". It is an entry left out and said likewise now. A number that
// a float64 holds (1e308, 1e-400 read as 0) is read (the controls).
func TestFailsafe18ValueBeyondRange(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	egfr := func(v string) []byte {
		rec := cleanRecord().replace(obsQty("egfr", "98979-8", 777.125, "mL/min/{1.73_m2}", ago(20)))
		b := sign(rec, jakDraft("abrocitinib", 100)).body(t)
		require.Contains(t, string(b), "777.125")
		return bytes.Replace(b, []byte("777.125"), []byte(v), 1)
	}
	for _, v := range []string{"1e309", "-1e309", "123e456", `"1e309"`, `"abc"`} {
		t.Run("eGFR "+v, func(t *testing.T) {
			c := onlyDataUnavailable(t, s.do(t, "POST", "/cds-services/order-sign", egfr(v)))
			assert.Equal(t, "Not fully checked for abrocitinib: some lab results could not be read", c.Summary)
		})
	}
	for v, want := range map[string][]string{"1e308": nil, "20": {"renal-impairment"}, "1e-400": {"renal-impairment"}} {
		t.Run("control: eGFR "+v, func(t *testing.T) {
			r := s.do(t, "POST", "/cds-services/order-sign", egfr(v))
			require.Equal(t, http.StatusOK, r.Code, r.Body.String())
			assert.Equal(t, want, codesOf(checkResponse(t, r.Body.Bytes())))
		})
	}
}
