package fhir

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"jakguard/internal/netguard"
)

// fhirServer values naming metadata services are refused before any
// connection, with the generic reason only.
func TestFetchRefusesMetadataAddresses(t *testing.T) {
	c := NewClient(ClientConfig{AllowHTTP: true, QueryTimeout: 2 * time.Second}, nil)
	for _, server := range []string{
		"https://169.254.169.254/latest/meta-data",
		"https://metadata.google.internal/computeMetadata/v1",
		"https://METADATA.GOOGLE.INTERNAL./computeMetadata/v1",
		"http://[fd00:ec2::254]/latest",
		"http://[::ffff:169.254.169.254]/",
		"https://100.100.100.200/latest",
		"http://0.0.0.0:9/",
		"http://[fe80::1%25eth0]/",
	} {
		t.Run(server, func(t *testing.T) {
			start := time.Now()
			_, err := c.Fetch(t.Context(), server, secretToken, "Patient/1")
			if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "address refused") {
				t.Fatalf("err = %v, want ErrUnavailable: address refused", err)
			}
			if time.Since(start) > time.Second {
				t.Errorf("refusal took %v: something was dialled or looked up", time.Since(start))
			}
		})
	}
}

// The check runs after name resolution, on the address actually dialled:
// a name (not an IP literal) that resolves to a refused address is
// refused at connect time, also with a transport given by the caller.
func TestDialGuardChecksResolvedAddress(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		writeJSON(w, 200, `{"resourceType":"Patient","id":"1"}`)
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	byName := "https://localhost:" + u.Port() // resolves to 127.0.0.1 / ::1

	_, err := NewClient(ClientConfig{DenyLoopback: true}, srv.Client()).Fetch(t.Context(), byName, secretToken, "Patient/1")
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "address refused") {
		t.Fatalf("err = %v, want address refused", err)
	}
	_, err = NewClient(ClientConfig{DenyLoopback: true}, nil).Fetch(t.Context(), byName, secretToken, "Patient/1")
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "address refused") {
		t.Fatalf("own transport: err = %v, want address refused", err)
	}
	if hits.Load() != 0 {
		t.Fatalf("the refused address was reached %d times", hits.Load())
	}
	// Loopback allowed (the default): the same server answers.
	if _, err := NewClient(ClientConfig{}, srv.Client()).Fetch(t.Context(), srv.URL, secretToken, "Patient/1"); err != nil {
		t.Fatalf("loopback allowed: %v", err)
	}
}

// confinedServer serves /fhir/... to callers with the token and counts
// every request outside /fhir/ (the "admin" area an attacker aims at).
func confinedServer(t *testing.T, handler func(base string, w http.ResponseWriter, r *http.Request)) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var outside atomic.Int32
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/fhir/") {
			outside.Add(1)
			writeJSON(w, 200, `{"resourceType":"Patient","id":"admin-secret"}`)
			return
		}
		handler(srv.URL, w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &outside
}

// Next links are normalised (percent-decoded, dot segments resolved) and
// must stay on the server's origin under its base path; redirects too.
// The attack of the security review: ".../ok/../../admin/secret".
func TestNextLinksConfinedToBasePath(t *testing.T) {
	cases := []struct {
		name    string
		next    string // {base} is the server's origin
		wantErr string // "" = followed
	}{
		{"dot segments out of the base", "{base}/fhir/ok/../../admin/secret", "leaves the FHIR server"},
		{"relative dot segments", "../admin/secret", "leaves the FHIR server"},
		{"encoded dot segments", "{base}/fhir/ok/%2e%2e/%2E%2E/admin/secret", "leaves the FHIR server"},
		{"encoded slash and dots", "{base}/fhir/ok%2f..%2f..%2fadmin", "leaves the FHIR server"},
		{"absolute path outside", "/admin/secret", "leaves the FHIR server"},
		{"prefix that is not a segment", "{base}/fhirx/Observation?page=2", "leaves the FHIR server"},
		{"backslash", "{base}/fhir/..\\admin", "leaves the FHIR server"},
		{"user info", "http://user@{host}/fhir/Observation?page=2", "leaves the FHIR server"},
		{"dot segments that stay inside", "{base}/fhir/x/../Observation?page=2", ""},
		{"upper-case host, default form", "{BASE}/fhir/Observation?page=2", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, outside := confinedServer(t, func(base string, w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("Authorization") != "Bearer "+secretToken {
					writeJSON(w, 401, `{}`)
					return
				}
				if r.URL.Query().Get("page") == "2" {
					writeJSON(w, 200, bundle("", false, "b"))
					return
				}
				u, _ := url.Parse(base)
				next := strings.NewReplacer("{base}", base, "{BASE}", "HTTP://"+strings.ToUpper(u.Host), "{host}", u.Host).Replace(tc.next)
				writeJSON(w, 200, bundle(next, false, "a"))
			})
			pages, err := devClient(ClientConfig{}).Fetch(t.Context(), srv.URL+"/fhir", secretToken, "Observation?page=1")
			if tc.wantErr == "" {
				if err != nil || len(pages) != 2 {
					t.Fatalf("pages %d, err %v; want 2 pages", len(pages), err)
				}
			} else if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
			if outside.Load() != 0 {
				t.Fatalf("a URL outside the base path was requested %d times", outside.Load())
			}
		})
	}
}

// The next link of a prefetch Bundle (FetchNext) is held to the same rule.
func TestFetchNextConfined(t *testing.T) {
	srv, outside := confinedServer(t, func(_ string, w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, bundle("", false, "b"))
	})
	c := devClient(ClientConfig{})
	for _, next := range []string{
		srv.URL + "/fhir/ok/../../admin/secret",
		srv.URL + "/fhir/%2e%2e/admin",
		srv.URL + "/admin",
		"https://evil.example/fhir/Observation?page=2",
		"/admin",
	} {
		if _, err := c.FetchNext(t.Context(), srv.URL+"/fhir/", secretToken, next); !errors.Is(err, ErrUnavailable) {
			t.Errorf("%s: err = %v, want ErrUnavailable", next, err)
		}
	}
	if outside.Load() != 0 {
		t.Fatalf("a URL outside the base path was requested %d times", outside.Load())
	}
	pages, err := c.FetchNext(t.Context(), srv.URL+"/fhir", secretToken, srv.URL+"/fhir/Observation?page=2")
	if err != nil || len(pages) != 1 {
		t.Fatalf("a next link under the base: pages %d, err %v", len(pages), err)
	}
}

// A redirect on the same origin but out of the base path is not followed,
// so the token never goes there.
func TestRedirectOutOfBasePathNotFollowed(t *testing.T) {
	for _, target := range []string{"/admin/secret", "/fhir/../admin/secret", "/fhir/%2e%2e/admin"} {
		t.Run(target, func(t *testing.T) {
			srv, outside := confinedServer(t, func(_ string, w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, target, http.StatusFound)
			})
			_, err := devClient(ClientConfig{}).Fetch(t.Context(), srv.URL+"/fhir", secretToken, "Patient/1")
			if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "HTTP 302") {
				t.Fatalf("err = %v, want the redirect answered as HTTP 302", err)
			}
			if outside.Load() != 0 {
				t.Fatalf("the redirect out of the base path was followed")
			}
		})
	}
}

// bigServer answers every query with a Bundle of n bytes, chunked (no
// Content-Length) unless sized.
func bigServer(t *testing.T, n int, sized bool) *httptest.Server {
	t.Helper()
	entry := `{"resource":{"resourceType":"Observation","id":"x"}},`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		head, tail := `{"resourceType":"Bundle","type":"searchset","entry":[`, `{}]}`
		count := (n - len(head) - len(tail)) / len(entry)
		if sized {
			w.Header().Set("Content-Length", fmt.Sprint(len(head)+count*len(entry)+len(tail)))
		}
		w.Header().Set("Content-Type", "application/fhir+json")
		_, _ = w.Write([]byte(head))
		chunk := []byte(strings.Repeat(entry, 1000))
		for i := 0; i < count; i += 1000 {
			k := min(1000, count-i)
			if _, err := w.Write(chunk[:k*len(entry)]); err != nil {
				return
			}
		}
		_, _ = w.Write([]byte(tail))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// FHIR pages spend from one budget per call, shared by all keys; past it
// a key is unavailable, and no page is buffered beyond what is left.
func TestCallBudget(t *testing.T) {
	const budget = 1 << 20
	t.Run("one page over the budget", func(t *testing.T) {
		for _, sized := range []bool{false, true} {
			srv := bigServer(t, 2<<20, sized)
			_, err := devClient(ClientConfig{CallBudget: budget}).Fetch(t.Context(), srv.URL, "", "Observation?patient=1")
			if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "memory budget exhausted") {
				t.Errorf("sized %v: err = %v, want memory budget exhausted", sized, err)
			}
		}
	})
	t.Run("keys share the budget", func(t *testing.T) {
		// Pages of known length reserve it before reading: of four pages of
		// 400 KB against 1 MiB, exactly two get through.
		srv := bigServer(t, 400<<10, true)
		c := devClient(ClientConfig{CallBudget: budget})
		queries := map[string]string{"a": "Observation?a", "b": "Observation?b", "c": "Observation?c", "d": "Observation?d"}
		results := c.FetchAll(c.WithBudget(t.Context()), srv.URL, "", queries)
		var ok, total int
		for key, r := range results {
			if r.Err == nil {
				ok++
				for _, p := range r.Pages {
					total += len(p)
				}
			} else if !strings.Contains(r.Err.Error(), "memory budget exhausted") {
				t.Errorf("%s: err = %v", key, r.Err)
			}
		}
		if ok != 2 || total > budget {
			t.Errorf("%d keys got %d bytes; want 2 keys within %d bytes", ok, total, budget)
		}
	})
	t.Run("keys share the budget, pages of unknown length", func(t *testing.T) {
		// Read chunk by chunk, the pages compete; a page given up on gives
		// its bytes back, so at least one gets through, and never more
		// than the budget is held.
		srv := bigServer(t, 400<<10, false)
		c := devClient(ClientConfig{CallBudget: budget})
		queries := map[string]string{"a": "Observation?a", "b": "Observation?b", "c": "Observation?c", "d": "Observation?d"}
		ctx := c.WithBudget(t.Context())
		results := c.FetchAll(ctx, srv.URL, "", queries)
		var ok, total int
		for key, r := range results {
			if r.Err == nil {
				ok++
				for _, p := range r.Pages {
					total += len(p)
				}
			} else if !strings.Contains(r.Err.Error(), "memory budget exhausted") {
				t.Errorf("%s: err = %v", key, r.Err)
			}
		}
		if ok < 1 || ok > 2 || total > budget {
			t.Errorf("%d keys got %d bytes; want 1 or 2 keys within %d bytes", ok, total, budget)
		}
		if left := netguard.BudgetFrom(ctx).Left(); left != int64(budget-total) {
			t.Errorf("budget left %d, want %d: what failed pages took must come back", left, budget-total)
		}
	})
	t.Run("a fresh budget per call", func(t *testing.T) {
		srv := bigServer(t, 400<<10, false)
		c := devClient(ClientConfig{CallBudget: budget})
		for range 4 {
			if _, err := c.Fetch(c.WithBudget(t.Context()), srv.URL, "", "Observation?a"); err != nil {
				t.Fatalf("err = %v", err)
			}
		}
	})
	t.Run("memory stays within the budget", func(t *testing.T) {
		// 30 MB chunked against a 1 MiB budget: the review saw 657 MB RSS
		// for such pages; the read must stop at the budget.
		srv := bigServer(t, 30<<20, false)
		c := devClient(ClientConfig{CallBudget: budget})
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err := c.Fetch(t.Context(), srv.URL, "", "Observation?patient=1")
		runtime.ReadMemStats(&after)
		if !errors.Is(err, ErrUnavailable) {
			t.Fatalf("err = %v", err)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4*budget {
			t.Errorf("allocated %d bytes reading against a %d-byte budget", alloc, budget)
		}
	})
}

// A redirect within the base path, with or without a trailing slash, is
// followed.
func TestRedirectWithinBasePathFollowed(t *testing.T) {
	for _, target := range []string{"/fhir/r4/Patient/1", "/fhir/r4/Patient/1/"} {
		srv, outside := confinedServer(t, func(_ string, w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/fhir/old/") {
				http.Redirect(w, r, target, http.StatusMovedPermanently)
				return
			}
			writeJSON(w, 200, `{"resourceType":"Patient","id":"1"}`)
		})
		if _, err := devClient(ClientConfig{}).Fetch(t.Context(), srv.URL+"/fhir", secretToken, "old/Patient/1"); err != nil {
			t.Errorf("%s: %v", target, err)
		}
		if outside.Load() != 0 {
			t.Errorf("%s: left the base path", target)
		}
	}
}
