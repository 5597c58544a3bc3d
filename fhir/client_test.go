package fhir

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	secretToken = "s3cr3t-access-token-value"
	patientID   = "pat-4711"
)

// devClient allows http, since httptest.NewServer is plain http.
func devClient(cfg ClientConfig) *Client {
	cfg.AllowHTTP = true
	return NewClient(cfg, nil)
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/fhir+json")
	w.WriteHeader(status)
	_, _ = fmt.Fprint(w, body)
}

func bundle(next string, total bool, ids ...string) string {
	b := map[string]any{"resourceType": "Bundle", "type": "searchset"}
	if total {
		b["total"] = 99
	}
	if next != "" {
		b["link"] = []map[string]string{{"relation": "self", "url": "ignored"}, {"relation": "next", "url": next}}
	}
	var entries []map[string]any
	for _, id := range ids {
		entries = append(entries, map[string]any{"resource": map[string]string{"resourceType": "Observation", "id": id}})
	}
	if entries != nil {
		b["entry"] = entries
	}
	out, _ := json.Marshal(b)
	return string(out)
}

func TestFetchSinglePage(t *testing.T) {
	const body = `{"resourceType":"Patient","id":"pat-4711"}`
	var gotPath string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotPath = r.URL.RequestURI()
		writeJSON(w, 200, body)
	}))
	defer srv.Close()

	for _, base := range []string{srv.URL + "/fhir/r4", srv.URL + "/fhir/r4/"} {
		pages, err := devClient(ClientConfig{}).Fetch(t.Context(), base, secretToken, "Patient/"+patientID)
		if err != nil {
			t.Fatalf("Fetch: %v", err)
		}
		if len(pages) != 1 || string(pages[0]) != body {
			t.Errorf("pages = %q", pages)
		}
		if gotPath != "/fhir/r4/Patient/"+patientID {
			t.Errorf("server saw %q", gotPath)
		}
	}
}

// Search values may hold URLs and "|"; they must reach the server as sent.
func TestFetchQueryWithSystemURLs(t *testing.T) {
	const query = "Observation?patient=1&code=http://loinc.org|718-7,http://loinc.org|57021-8&_sort=-date"
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.URL.Query().Get("code")
		writeJSON(w, 200, bundle("", true))
	}))
	defer srv.Close()
	if _, err := devClient(ClientConfig{}).Fetch(t.Context(), srv.URL, "", query); err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	if got != "http://loinc.org|718-7,http://loinc.org|57021-8" {
		t.Errorf("server saw code=%q", got)
	}
}

func TestFetchHeaders(t *testing.T) {
	tests := []struct {
		name     string
		token    string
		wantAuth string
	}{
		{"with token", secretToken, "Bearer " + secretToken},
		{"without token", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var auth, accept string
			var hasAuth bool
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				auth, accept = r.Header.Get("Authorization"), r.Header.Get("Accept")
				_, hasAuth = r.Header["Authorization"]
				writeJSON(w, 200, bundle("", true))
			}))
			defer srv.Close()
			if _, err := devClient(ClientConfig{}).Fetch(t.Context(), srv.URL, tc.token, "Condition?patient=1"); err != nil {
				t.Fatal(err)
			}
			if auth != tc.wantAuth || hasAuth != (tc.wantAuth != "") {
				t.Errorf("Authorization = %q (present %v), want %q", auth, hasAuth, tc.wantAuth)
			}
			if accept != "application/fhir+json" {
				t.Errorf("Accept = %q", accept)
			}
		})
	}
}

// pagedServer serves /fhir/Observation?page=N from pages[N-1]; each page
// may refer to the server's own URL as {base}.
func pagedServer(t *testing.T, pages ...func(base string) string) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.Header.Get("Authorization") != "Bearer "+secretToken {
			writeJSON(w, 401, `{"resourceType":"OperationOutcome"}`)
			return
		}
		n := 1
		if p := r.URL.Query().Get("page"); p != "" {
			_, _ = fmt.Sscan(p, &n)
		}
		if n < 1 || n > len(pages) {
			writeJSON(w, 404, `{"resourceType":"OperationOutcome"}`)
			return
		}
		writeJSON(w, 200, pages[n-1](srv.URL))
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func TestFetchPaging(t *testing.T) {
	srv, hits := pagedServer(t,
		func(base string) string { return bundle(base+"/fhir/Observation?page=2", true, "a") }, // absolute next
		func(string) string { return bundle("Observation?page=3", false, "b") },                // relative next, no total
		func(string) string { return bundle("/fhir/Observation?page=4", false, "c") },          // absolute-path next
		func(string) string { return bundle("", false, "d") },
	)
	pages, err := devClient(ClientConfig{}).Fetch(t.Context(), srv.URL+"/fhir", secretToken, "Observation?patient=1&_count=1")
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	if len(pages) != 4 || hits.Load() != 4 {
		t.Fatalf("got %d pages after %d requests, want 4", len(pages), hits.Load())
	}
	for i, id := range []string{"a", "b", "c", "d"} {
		if !strings.Contains(string(pages[i]), `"id":"`+id+`"`) {
			t.Errorf("page %d = %s, want entry %s", i+1, pages[i], id)
		}
	}
}

func TestFetchPagingLimits(t *testing.T) {
	endless := func(n int) func(string) string {
		return func(string) string { return bundle(fmt.Sprintf("Observation?page=%d", n+1), true, "x") }
	}
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("next link to another host was followed")
		writeJSON(w, 200, bundle("", true))
	}))
	defer other.Close()

	tests := []struct {
		name     string
		pages    []func(string) string
		pageCap  int
		wantErr  string
		wantHits int32
	}{
		{"page cap reached", []func(string) string{endless(1), endless(2), endless(3), endless(4), endless(5)}, 3, "page cap reached", 3},
		{"next loops back to page 1", []func(string) string{
			func(string) string { return bundle("Observation?page=2", true) },
			func(base string) string { return bundle(base+"/fhir/Observation?page=1", true) },
		}, 10, "next link loop", 2},
		{"next link to itself", []func(string) string{
			func(string) string { return bundle("Observation?page=1", true) },
		}, 10, "next link loop", 1},
		{"next to another host", []func(string) string{
			func(string) string { return bundle(other.URL+"/fhir/Observation?page=2", true) },
		}, 10, "next link leaves the FHIR server", 1},
		{"next to another scheme", []func(string) string{
			func(base string) string {
				return bundle(strings.Replace(base, "http://", "https://", 1)+"/fhir/Observation?page=2", true)
			},
		}, 10, "next link leaves the FHIR server", 1},
		{"unparseable next", []func(string) string{
			func(string) string { return bundle("http://[::1", true) },
		}, 10, "bad next link", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, hits := pagedServer(t, tc.pages...)
			pages, err := devClient(ClientConfig{PageCap: tc.pageCap}).Fetch(t.Context(), srv.URL+"/fhir", secretToken, "Observation?page=1")
			if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want ErrUnavailable with %q", err, tc.wantErr)
			}
			// The pages read before the error come with it (each one read
			// was whole: the error is in its link).
			if len(pages) != int(tc.wantHits) {
				t.Errorf("%d pages returned with the error, want the %d read", len(pages), tc.wantHits)
			}
			if hits.Load() != tc.wantHits {
				t.Errorf("server hit %d times, want %d", hits.Load(), tc.wantHits)
			}
		})
	}
}

func TestFetchUnavailable(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		body    string
		cfg     ClientConfig
		wantErr string
	}{
		{"server error", 500, `{"resourceType":"OperationOutcome"}`, ClientConfig{}, "HTTP 500"},
		{"unauthorized echoing the token", 401, `{"error":"bad token ` + secretToken + `"}`, ClientConfig{}, "HTTP 401"},
		{"forbidden", 403, ``, ClientConfig{}, "HTTP 403"},
		{"not found", 404, `{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"not-found"}]}`, ClientConfig{}, "HTTP 404"},
		{"malformed JSON", 200, `{"resourceType":"Bundle",`, ClientConfig{}, "not JSON"},
		{"HTML error page", 200, `<html>oops</html>`, ClientConfig{}, "not JSON"},
		{"JSON without resourceType", 200, `{"entry":[]}`, ClientConfig{}, "not a FHIR resource"},
		{"JSON array", 200, `[1,2]`, ClientConfig{}, "not a FHIR resource"},
		{"Bundle with a malformed link", 200, `{"resourceType":"Bundle","link":{"relation":"next"}}`, ClientConfig{}, "not a FHIR resource"},
		{"OperationOutcome with 200", 200, `{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"processing"}]}`, ClientConfig{}, "OperationOutcome"},
		{"body over MaxBytes", 200, `{"resourceType":"Bundle","type":"searchset","entry":[]}`, ClientConfig{MaxBytes: 20}, "response too large"},
		{"redirect", 302, ``, ClientConfig{}, "HTTP 302"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.status == 302 {
					http.Redirect(w, r, "http://192.0.2.1/elsewhere", http.StatusFound)
					return
				}
				writeJSON(w, tc.status, tc.body)
			}))
			defer srv.Close()
			pages, err := devClient(tc.cfg).Fetch(t.Context(), srv.URL, secretToken, "Observation?patient="+patientID)
			if !errors.Is(err, ErrUnavailable) {
				t.Fatalf("err = %v, want ErrUnavailable", err)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("err = %q, want reason %q", err, tc.wantErr)
			}
			if pages != nil {
				t.Errorf("pages returned with an error")
			}
			for _, secret := range []string{secretToken, patientID, srv.URL} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q leaks %q", err, secret)
				}
			}
		})
	}
}

func TestFetchMaxBytesBoundary(t *testing.T) {
	const body = `{"resourceType":"Patient"}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, body) }))
	defer srv.Close()
	pages, err := devClient(ClientConfig{MaxBytes: int64(len(body))}).Fetch(t.Context(), srv.URL, "", "Patient/1")
	if err != nil || len(pages) != 1 {
		t.Fatalf("a body of exactly MaxBytes: pages %d, err %v", len(pages), err)
	}
}

func TestNewClientDropsCookieJar(t *testing.T) {
	var cookies int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cookies += len(r.Cookies())
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "patient-context"})
		writeJSON(w, 200, `{"resourceType":"Patient"}`)
	}))
	defer srv.Close()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := NewClient(ClientConfig{AllowHTTP: true}, &http.Client{Jar: jar})
	for range 2 {
		if _, err := c.Fetch(t.Context(), srv.URL, "", "Patient/1"); err != nil {
			t.Fatal(err)
		}
	}
	if cookies != 0 {
		t.Errorf("a cookie was sent back on a later fetch")
	}
}

func TestFetchSameOriginRedirectFollowed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/fhir/old/Patient/1" {
			http.Redirect(w, r, "/fhir/new/Patient/1", http.StatusMovedPermanently)
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+secretToken {
			writeJSON(w, 401, `{}`)
			return
		}
		writeJSON(w, 200, `{"resourceType":"Patient","id":"1"}`)
	}))
	defer srv.Close()
	if _, err := devClient(ClientConfig{}).Fetch(t.Context(), srv.URL+"/fhir", secretToken, "old/Patient/1"); err != nil {
		t.Fatalf("Fetch: %v", err)
	}
}

// blockingServer never answers until the client goes away. With
// trickle, it sends headers and the start of a body first.
func blockingServer(t *testing.T, trickle bool) *httptest.Server {
	t.Helper()
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if trickle {
			w.Header().Set("Content-Type", "application/fhir+json")
			_, _ = fmt.Fprint(w, `{"resourceType":"Bundle","entry":[`)
			w.(http.Flusher).Flush()
		}
		select {
		case <-r.Context().Done():
		case <-done:
		case <-time.After(30 * time.Second):
		}
	}))
	t.Cleanup(func() { close(done); srv.Close() })
	return srv
}

func TestFetchDeadlines(t *testing.T) {
	tests := []struct {
		name         string
		trickle      bool
		queryTimeout time.Duration
		ctxTimeout   time.Duration
	}{
		{"slow server past the per-query timeout", false, 50 * time.Millisecond, time.Minute},
		{"slow server past the request deadline", false, time.Minute, 50 * time.Millisecond},
		{"slow body past the per-query timeout", true, 50 * time.Millisecond, time.Minute},
		{"slow body past the request deadline", true, time.Minute, 50 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := blockingServer(t, tc.trickle)
			ctx, cancel := context.WithTimeout(t.Context(), tc.ctxTimeout)
			defer cancel()
			start := time.Now()
			_, err := devClient(ClientConfig{QueryTimeout: tc.queryTimeout}).Fetch(ctx, srv.URL, secretToken, "Observation?patient=1")
			if !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "timeout") {
				t.Fatalf("err = %v, want an ErrUnavailable timeout wrapping context.DeadlineExceeded", err)
			}
			// Generous bound: the server would block for 30 s.
			if elapsed := time.Since(start); elapsed > 10*time.Second {
				t.Errorf("Fetch took %v", elapsed)
			}
		})
	}
}

func TestFetchCanceled(t *testing.T) {
	srv := blockingServer(t, false)
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(20*time.Millisecond, cancel)
	_, err := devClient(ClientConfig{}).Fetch(ctx, srv.URL, "", "Patient/1")
	if !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want ErrUnavailable wrapping context.Canceled", err)
	}
}

func TestFetchServerAndQueryChecks(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		writeJSON(w, 200, `{"resourceType":"Patient"}`)
	}))
	defer srv.Close()
	tests := []struct {
		name      string
		allowHTTP bool
		server    string
		query     string
		want      error
		wantText  string
	}{
		{"http refused by default", false, srv.URL, "Patient/1", ErrInsecureServer, "development flag"},
		{"other scheme refused", true, "ftp://example.org/fhir", "Patient/1", ErrInsecureServer, "https"},
		{"no host", true, "https:///fhir", "Patient/1", ErrUnavailable, "invalid fhirServer URL"},
		{"not a URL", true, "::", "Patient/1", ErrUnavailable, "invalid fhirServer URL"},
		{"credentials in URL", true, "https://u:p@example.org/fhir", "Patient/1", ErrUnavailable, "invalid fhirServer URL"},
		{"absolute query", true, srv.URL, "http://evil.example/Patient/1", ErrUnavailable, "invalid query"},
		{"scheme-relative query", true, srv.URL, "//evil.example/Patient/1", ErrUnavailable, "invalid query"},
		{"empty query", true, srv.URL, "", ErrUnavailable, "invalid query"},
		{"query with space", true, srv.URL, "Patient?name=a b", ErrUnavailable, "invalid query"},
		{"query with a scheme", true, srv.URL, "Patient:1", ErrUnavailable, "invalid query"},
		{"query with a backslash", true, srv.URL, "Patient\\1", ErrUnavailable, "invalid query"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := NewClient(ClientConfig{AllowHTTP: tc.allowHTTP}, nil)
			_, err := c.Fetch(t.Context(), tc.server, secretToken, tc.query)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.wantText) {
				t.Fatalf("err = %v, want %v mentioning %q", err, tc.want, tc.wantText)
			}
		})
	}
	if hits.Load() != 0 {
		t.Errorf("a refused fetch reached the server %d times", hits.Load())
	}
}

func TestFetchHTTPS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"resourceType":"Patient","id":"1"}`)
	}))
	defer srv.Close()
	pages, err := NewClient(ClientConfig{}, srv.Client()).Fetch(t.Context(), srv.URL, secretToken, "Patient/1")
	if err != nil || len(pages) != 1 {
		t.Fatalf("https without AllowHTTP: pages %d, err %v", len(pages), err)
	}
}

func TestFetchAll(t *testing.T) {
	// Every good query waits until all three good queries have arrived, so
	// a sequential FetchAll would time out instead of succeeding.
	var arrived sync.WaitGroup
	arrived.Add(3)
	allIn := make(chan struct{})
	go func() { arrived.Wait(); close(allIn) }()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/Broken" {
			writeJSON(w, 500, `{}`)
			return
		}
		arrived.Done()
		select {
		case <-allIn:
		case <-r.Context().Done():
			return
		}
		if r.URL.Path == "/Patient/1" {
			writeJSON(w, 200, `{"resourceType":"Patient","id":"1"}`)
			return
		}
		writeJSON(w, 200, bundle("", false, r.URL.Path))
	}))
	defer srv.Close()

	queries := map[string]string{
		"patient":    "Patient/1",
		"labs":       "Observation?patient=1",
		"conditions": "Condition?patient=1",
		"broken":     "Broken?patient=1",
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	results := devClient(ClientConfig{QueryTimeout: 3 * time.Second}).FetchAll(ctx, srv.URL, secretToken, queries)
	if len(results) != len(queries) {
		t.Fatalf("got %d results, want %d", len(results), len(queries))
	}
	for _, key := range []string{"patient", "labs", "conditions"} {
		r := results[key]
		if r.Err != nil || len(r.Pages) != 1 {
			t.Errorf("%s: pages %d, err %v", key, len(r.Pages), r.Err)
		}
	}
	if r := results["broken"]; !errors.Is(r.Err, ErrUnavailable) || r.Pages != nil {
		t.Errorf("broken: %+v, want ErrUnavailable and no pages", r)
	}
}

func TestFetchAllInsecureServer(t *testing.T) {
	results := NewClient(ClientConfig{}, nil).FetchAll(t.Context(), "http://ehr.example/fhir", "", map[string]string{"a": "Patient/1", "b": "Condition?patient=1"})
	for key, r := range results {
		if !errors.Is(r.Err, ErrInsecureServer) {
			t.Errorf("%s: err = %v, want ErrInsecureServer", key, r.Err)
		}
	}
	if len(results) != 2 {
		t.Errorf("got %d results", len(results))
	}
}

func TestFetchAllHonoursCanceledContext(t *testing.T) {
	srv := blockingServer(t, false)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	queries := map[string]string{}
	for i := range 20 { // more than MaxParallel, so some wait for a slot
		queries[fmt.Sprint(i)] = fmt.Sprintf("Observation?page=%d", i)
	}
	results := devClient(ClientConfig{MaxParallel: 2}).FetchAll(ctx, srv.URL, "", queries)
	for key, r := range results {
		if !errors.Is(r.Err, context.DeadlineExceeded) {
			t.Errorf("%s: err = %v, want a deadline error", key, r.Err)
		}
	}
}

// The token must not appear in logs, formatted values or error strings,
// whatever a caller does with them.
func TestTokenNeverLeaks(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 401, `{"error":"invalid token `+secretToken+`"}`)
	}))
	defer srv.Close()
	c := devClient(ClientConfig{})
	results := c.FetchAll(t.Context(), srv.URL, secretToken, map[string]string{"labs": "Observation?patient=" + patientID})
	_, fetchErr := c.Fetch(t.Context(), srv.URL, secretToken, "Patient/"+patientID)
	// A token that is not a valid header value fails before sending.
	_, badHeaderErr := c.Fetch(t.Context(), srv.URL, secretToken+"\r\nX-Evil: 1", "Patient/"+patientID)
	if !errors.Is(badHeaderErr, ErrUnavailable) {
		t.Errorf("token with CRLF: err = %v, want ErrUnavailable", badHeaderErr)
	}

	var buf bytes.Buffer
	for _, h := range []slog.Handler{slog.NewJSONHandler(&buf, nil), slog.NewTextHandler(&buf, nil)} {
		log := slog.New(h)
		tok := Token(secretToken)
		log.Info("fetch", "token", tok, "err", fetchErr, "results", results, "client", c)
		log.Info("as any", slog.Any("token", tok), slog.Group("auth", "access_token", tok))
	}
	tok := Token(secretToken)
	fmt.Fprintf(&buf, "%v %s %+v %#v %q\n", tok, tok, tok, tok, tok)
	fmt.Fprintf(&buf, "%v %+v %#v %v\n", results, results, fetchErr, badHeaderErr)
	js, err := json.Marshal(struct{ T Token }{tok})
	if err != nil {
		t.Fatal(err)
	}
	buf.Write(js)

	if strings.Contains(buf.String(), secretToken) {
		t.Fatalf("token leaked:\n%s", buf.String())
	}
	if !strings.Contains(buf.String(), "REDACTED") {
		t.Errorf("no redaction marker in output:\n%s", buf.String())
	}
}

// Token decodes from JSON as a plain string, so wire types can hold one.
func TestTokenDecodes(t *testing.T) {
	var v struct {
		AccessToken Token `json:"access_token"`
	}
	if err := json.Unmarshal([]byte(`{"access_token":"abc"}`), &v); err != nil {
		t.Fatal(err)
	}
	if string(v.AccessToken) != "abc" {
		t.Errorf("decoded %q", string(v.AccessToken))
	}
}
