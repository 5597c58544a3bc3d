package hooks

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/fhir"
	"jakguard/internal/auth"
	"jakguard/internal/syncbuf"
)

// authServerWith is authServer with a clients entry listing fhirServers.
func authServerWith(t *testing.T, fhirServers []string) (*testServer, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	require.NoError(t, err)
	pad := func(b *big.Int) string { return base64.RawURLEncoding.EncodeToString(b.FillBytes(make([]byte, 48))) }
	jwks := map[string]any{"keys": []any{map[string]any{"kty": "EC", "crv": "P-384", "kid": "k1", "use": "sig", "alg": "ES384",
		"x": pad(key.X), "y": pad(key.Y)}}}
	dir := t.TempDir()
	b, _ := json.Marshal(jwks)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "jwks.json"), b, 0o600))
	entry := map[string]any{"issuer": testIssuer, "jwks_file": "jwks.json"}
	if fhirServers != nil {
		entry["fhir_servers"] = fhirServers
	}
	cf, _ := json.Marshal(map[string]any{"clients": []any{entry}})
	require.NoError(t, os.WriteFile(filepath.Join(dir, "clients.json"), cf, 0o600))
	clients, err := auth.LoadClients(filepath.Join(dir, "clients.json"))
	require.NoError(t, err)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	v, err := auth.NewVerifier(context.Background(), auth.Config{PublicURL: "http://127.0.0.1:8080", Now: func() time.Time { return testNow }},
		clients, auth.NewMemoryReplay(func() time.Time { return testNow }), nil, logger)
	require.NoError(t, err)
	s := newTestServer(t, serverOpts{noStore: true})
	s.verifier = v
	s.echo = s.routes()
	return s, key
}

// fhirServer is contacted only when it is one of the calling client's
// fhir_servers (compared in normal form); otherwise the key is
// unavailable (412 for the patient) and the server never sees a request.
func TestFHIRServerAllowList(t *testing.T) {
	const upa = "testdata/requests/order-select-upadacitinib.json"
	st := newStubFHIR(t, prefetchOf(t, upa))
	other := newStubFHIR(t, prefetchOf(t, upa)) // e.g. an internal service
	cases := []struct {
		name    string
		allowed []string
		server  string
		status  int
	}{
		{"listed", []string{st.URL + "/fhir"}, st.URL + "/fhir", 200},
		{"listed, other spelling", []string{st.URL + "/fhir/"}, strings.Replace(st.URL, "127.0.0.1", "127.0.0.1", 1) + "/fhir/x/..", 200},
		{"another server", []string{st.URL + "/fhir"}, other.URL + "/fhir", 412},
		{"another path on the listed server", []string{st.URL + "/fhir"}, st.URL + "/admin", 412},
		{"client without fhir_servers", nil, st.URL + "/fhir", 412},
		{"metadata address", []string{st.URL + "/fhir"}, "https://169.254.169.254/latest", 412},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, key := authServerWith(t, tc.allowed)
			s.fhir = fhir.NewClient(fhir.ClientConfig{QueryTimeout: 2 * time.Second}, st.Client())
			before, beforeOther := st.count("Patient"), other.count("Patient")
			body := edit(t, upa, func(m map[string]any) {
				delete(m["prefetch"].(map[string]any), "patient")
				m["fhirServer"] = tc.server
			})
			rec := s.do(t, "POST", "/cds-services/order-select", body,
				"Authorization", "Bearer "+token(t, key, "http://127.0.0.1:8080/cds-services/order-select", nil))
			require.Equal(t, tc.status, rec.Code, rec.Body.String())
			if tc.status == 412 {
				assert.Equal(t, before, st.count("Patient"), "the listed server was not asked for another base")
				assert.Contains(t, rec.Body.String(), "fhir_servers")
			} else {
				assert.Equal(t, before+1, st.count("Patient"))
			}
			assert.Equal(t, beforeOther, other.count("Patient"), "a server not listed is never contacted")
		})
	}
	t.Run("paginated prefetch: next page not fetched from a server not listed", func(t *testing.T) {
		s, key := authServerWith(t, []string{"https://ehr.example.org/fhir"})
		s.fhir = fhir.NewClient(fhir.ClientConfig{QueryTimeout: 2 * time.Second}, st.Client())
		before := st.count("Condition")
		body := edit(t, upa, func(m map[string]any) {
			m["fhirServer"] = st.URL + "/fhir"
			c := m["prefetch"].(map[string]any)["conditions"].(map[string]any)
			c["link"] = []any{map[string]any{"relation": "next", "url": st.URL + "/fhir/Condition?page=2"}}
		})
		rec := s.do(t, "POST", "/cds-services/order-select", body,
			"Authorization", "Bearer "+token(t, key, "http://127.0.0.1:8080/cds-services/order-select", nil))
		require.Equal(t, 200, rec.Code, rec.Body.String())
		assert.Equal(t, before, st.count("Condition"))
	})
}

// The 412 does not tell connection refused, HTTP 502, a timeout, an
// address refused and junk apart (the review used them as a port
// scanner): one text; the detail is in the log only.
func TestFallbackFailureTextIsGeneric(t *testing.T) {
	const upa = "testdata/requests/order-select-upadacitinib.json"
	closed := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		addr := ln.Addr().String()
		ln.Close()
		return "https://" + addr + "/fhir"
	}
	// httptest's TLS servers share one certificate, so one client trusts all.
	var tlsClient *http.Client
	server := func(h http.HandlerFunc) string {
		srv := httptest.NewTLSServer(h)
		t.Cleanup(srv.Close)
		tlsClient = srv.Client()
		return srv.URL + "/fhir"
	}
	cases := []struct{ name, server, logged string }{
		{"connection refused", closed(), "connection failed"},
		{"HTTP 502", server(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "bad gateway", 502) }), "HTTP 502"},
		{"timeout", server(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}), "timeout"},
		{"not JSON", server(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("SSH-2.0-OpenSSH_9.6")) }), "not JSON"},
		{"address refused", "https://169.254.169.254/latest", "address refused"},
		{"metadata by name", "https://metadata.google.internal/computeMetadata/v1", "address refused"},
	}
	var texts []string
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var logs syncbuf.Buffer
			s := newTestServer(t, serverOpts{noStore: true, deadline: 3 * time.Second})
			s.logger = slog.New(slog.NewJSONHandler(&logs, nil))
			s.echo = s.routes()
			s.fhir = fhir.NewClient(fhir.ClientConfig{QueryTimeout: 300 * time.Millisecond}, tlsClient)
			body := edit(t, upa, func(m map[string]any) {
				delete(m["prefetch"].(map[string]any), "patient")
				m["fhirServer"] = tc.server
				m["fhirAuthorization"] = map[string]any{"access_token": "tok-4711", "token_type": "Bearer", "expires_in": 300, "scope": "patient/*.read", "subject": "x"}
			})
			rec := s.do(t, "POST", "/cds-services/order-select", body)
			require.Equal(t, 412, rec.Code, rec.Body.String())
			var oo OperationOutcome
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &oo))
			texts = append(texts, oo.Issue[0].Diagnostics)
			assert.Contains(t, logs.String(), "FHIR fallback failed", "the detail is logged")
			assert.Contains(t, logs.String(), tc.logged)
			assert.NotContains(t, logs.String(), "tok-4711")
			assert.NotContains(t, logs.String(), "pt-upa")
		})
	}
	require.Len(t, texts, len(cases))
	for _, txt := range texts[1:] {
		assert.Equal(t, texts[0], txt, "every fallback failure reads the same")
	}
	assert.Contains(t, texts[0], notObtainable)
}

// The prefetch next-link attack of the review: ".../ok/../../admin/secret"
// on fhirServer's own host is never fetched, so the token never goes there.
func TestPrefetchNextLinkConfined(t *testing.T) {
	const upa = "testdata/requests/order-select-upadacitinib.json"
	var outside atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/fhir/") {
			outside.Add(1)
		}
		w.Header().Set("Content-Type", "application/fhir+json")
		w.Write([]byte(`{"resourceType":"Bundle","type":"searchset","entry":[]}`))
	}))
	defer srv.Close()
	for _, next := range []string{
		srv.URL + "/fhir/ok/../../admin/secret",
		srv.URL + "/fhir/ok/%2e%2e/%2e%2e/admin/secret",
		srv.URL + "/fhir/../admin",
	} {
		s := newTestServer(t, serverOpts{noStore: true})
		s.fhir = fhir.NewClient(fhir.ClientConfig{QueryTimeout: 2 * time.Second}, srv.Client())
		body := edit(t, upa, func(m map[string]any) {
			m["fhirServer"] = srv.URL + "/fhir"
			m["fhirAuthorization"] = map[string]any{"access_token": "tok", "token_type": "Bearer", "expires_in": 300, "scope": "patient/*.read", "subject": "x"}
			c := m["prefetch"].(map[string]any)["conditions"].(map[string]any)
			c["link"] = []any{map[string]any{"relation": "next", "url": next}}
		})
		rec := s.do(t, "POST", "/cds-services/order-select", body)
		require.Equal(t, 200, rec.Code, rec.Body.String())
	}
	assert.Zero(t, outside.Load(), "a next link outside the base path was fetched")
}

// FHIR pages of all keys of one call share one budget (--fhir-memory):
// past it the keys are unavailable (cards say what could not be checked).
func TestFallbackMemoryBudget(t *testing.T) {
	const upa = "testdata/requests/order-select-upadacitinib.json"
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A page of about 600 KB of the type the query asks for.
		typ := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
		big := `{"resourceType":"Bundle","type":"searchset","entry":[` + strings.Repeat(`{"resource":{"resourceType":"`+typ+`","id":"c"}},`, 12000) + `{}]}`
		w.Header().Set("Content-Type", "application/fhir+json")
		w.Header().Set("Content-Length", strconv.Itoa(len(big)))
		w.Write([]byte(big))
	}))
	defer srv.Close()
	var logs syncbuf.Buffer
	s := newTestServer(t, serverOpts{noStore: true})
	s.logger = slog.New(slog.NewJSONHandler(&logs, nil))
	s.echo = s.routes()
	s.fhir = fhir.NewClient(fhir.ClientConfig{QueryTimeout: 2 * time.Second, CallBudget: 1 << 20}, srv.Client())
	body := edit(t, upa, func(m map[string]any) {
		m["fhirServer"] = srv.URL + "/fhir"
		p := m["prefetch"].(map[string]any)
		delete(p, "conditions")
		delete(p, "observations")
		delete(p, "immunizations")
		p["medicationStatements"] = nil // sent as "no data": not fetched
	})
	rec := s.do(t, "POST", "/cds-services/order-select", body)
	require.Equal(t, 200, rec.Code, rec.Body.String())
	// Three keys of about 600 KB each against 1 MiB: one fits, two do not
	// (a page of known length reserves it before it is read).
	assert.Equal(t, 2, strings.Count(logs.String(), "memory budget exhausted"), logs.String())
	assert.Contains(t, rec.Body.String(), "Could not be checked")
}
