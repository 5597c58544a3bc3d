package hooks

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/fhir"
)

// stubFHIR is an https FHIR server answering from the prefetch of a request
// file, counting the queries per resource type and checking the headers.
type stubFHIR struct {
	*httptest.Server
	mu      sync.Mutex
	calls   map[string]int
	auth    []string
	accept  []string
	answers map[string]json.RawMessage // resource type -> body
}

func newStubFHIR(t *testing.T, prefetch map[string]json.RawMessage) *stubFHIR {
	t.Helper()
	st := &stubFHIR{calls: map[string]int{}, answers: map[string]json.RawMessage{}}
	for key, typ := range map[string]string{"patient": "Patient", "conditions": "Condition", "medications": "MedicationRequest", "observations": "Observation", "immunizations": "Immunization"} {
		if v, ok := prefetch[key]; ok {
			st.answers[typ] = v
		}
	}
	st.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		typ := strings.Split(strings.TrimPrefix(r.URL.Path, "/fhir/"), "/")[0]
		st.mu.Lock()
		st.calls[typ]++
		st.auth = append(st.auth, r.Header.Get("Authorization"))
		st.accept = append(st.accept, r.Header.Get("Accept"))
		body, ok := st.answers[typ]
		st.mu.Unlock()
		if !ok {
			http.Error(w, `{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"not-found"}]}`, http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/fhir+json")
		w.Write(body)
	}))
	t.Cleanup(st.Close)
	return st
}

func (st *stubFHIR) count(typ string) int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.calls[typ]
}

// withServer gives the test server a FHIR client that trusts the stub's TLS.
func withServer(t *testing.T, s *testServer, st *stubFHIR) {
	s.fhir = fhir.NewClient(fhir.ClientConfig{QueryTimeout: 2 * time.Second, PageCap: 3}, st.Client())
}

func prefetchOf(t *testing.T, path string) map[string]json.RawMessage {
	var req Request
	require.NoError(t, json.Unmarshal(readFile(t, path), &req))
	return req.Prefetch
}

func TestPrefetchSemantics(t *testing.T) {
	const upa = "testdata/requests/order-select-upadacitinib.json"
	full := prefetchOf(t, upa)
	oo := map[string]any{"resourceType": "OperationOutcome", "issue": []any{map[string]any{"severity": "error", "code": "timeout"}}}
	cases := []struct {
		name     string
		edit     func(p map[string]any)
		fetched  map[string]int // resource type -> expected queries
		status   int
		wantCode string
	}{
		{"all present: nothing fetched", func(p map[string]any) {}, map[string]int{"Patient": 0, "Observation": 0}, 200, "tb-screening-missing"},
		{"absent key fetched", func(p map[string]any) { delete(p, "patient"); delete(p, "observations") }, map[string]int{"Patient": 1, "Observation": 1, "Condition": 0}, 200, "tb-screening-missing"},
		{"no prefetch at all: everything fetched", func(p map[string]any) {
			for k := range p {
				delete(p, k)
			}
		}, map[string]int{"Patient": 1, "Condition": 1, "MedicationRequest": 1, "Observation": 1, "Immunization": 1}, 200, "cardiovascular-risk"},
		{"null means no data and is never fetched", func(p map[string]any) { p["observations"] = nil; p["immunizations"] = nil }, map[string]int{"Observation": 0, "Immunization": 0}, 200, "cbc-missing"},
		{"OperationOutcome is fetched again once", func(p map[string]any) { p["patient"] = oo; p["conditions"] = oo }, map[string]int{"Patient": 1, "Condition": 1, "Observation": 0}, 200, "cardiovascular-risk"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestServer(t, serverOpts{})
			st := newStubFHIR(t, full)
			withServer(t, s, st)
			body := edit(t, upa, func(m map[string]any) {
				m["fhirServer"] = st.URL + "/fhir"
				m["fhirAuthorization"] = map[string]any{"access_token": "tok-123", "token_type": "Bearer", "expires_in": 300, "scope": "patient/*.read", "subject": "jakguard"}
				p := m["prefetch"].(map[string]any)
				tc.edit(p)
			})
			rec := s.do(t, "POST", "/cds-services/order-select", body)
			require.Equal(t, tc.status, rec.Code, rec.Body.String())
			for typ, n := range tc.fetched {
				assert.Equal(t, n, st.count(typ), "queries for %s", typ)
			}
			for i := range st.auth {
				assert.Equal(t, "Bearer tok-123", st.auth[i])
				assert.Contains(t, st.accept[i], "application/fhir+json")
			}
			assert.Contains(t, codesOf(checkResponse(t, rec.Body.Bytes())), tc.wantCode)
		})
	}
}

// The same scenario with full prefetch and with none (all fetched from the
// FHIR server) gives the same findings.
func TestPrefetchEquivalentToFallback(t *testing.T) {
	const path = "testdata/requests/order-sign-abrocitinib.json"
	full := prefetchOf(t, path)
	s := newTestServer(t, serverOpts{})
	withPrefetch := s.do(t, "POST", "/cds-services/order-sign", readFile(t, path))
	require.Equal(t, 200, withPrefetch.Code)

	st := newStubFHIR(t, full)
	withServer(t, s, st)
	rec := s.do(t, "POST", "/cds-services/order-sign", edit(t, path, func(m map[string]any) {
		delete(m, "prefetch")
		m["fhirServer"] = st.URL + "/fhir"
	}))
	require.Equal(t, 200, rec.Code, rec.Body.String())
	assert.ElementsMatch(t, codesOf(checkResponse(t, withPrefetch.Body.Bytes())), codesOf(checkResponse(t, rec.Body.Bytes())))
	assert.Equal(t, 1, st.count("Patient"))
}

func TestPrefetchUnavailable(t *testing.T) {
	const upa = "testdata/requests/order-select-upadacitinib.json"
	t.Run("http fhirServer refused: 412 says so", func(t *testing.T) {
		s := newTestServer(t, serverOpts{})
		rec := s.do(t, "POST", "/cds-services/order-select", edit(t, upa, func(m map[string]any) {
			delete(m["prefetch"].(map[string]any), "patient")
			m["fhirServer"] = "http://127.0.0.1:1/fhir"
		}))
		require.Equal(t, 412, rec.Code)
		assert.Contains(t, rec.Body.String(), "patient")
		assert.Contains(t, rec.Body.String(), "--allow-http-fhir")
	})
	t.Run("labs unavailable: still evaluated, missing lab still reported and the gap said", func(t *testing.T) {
		s := newTestServer(t, serverOpts{})
		rec := s.do(t, "POST", "/cds-services/order-select", edit(t, upa, func(m map[string]any) {
			delete(m["prefetch"].(map[string]any), "observations")
		}))
		require.Equal(t, 200, rec.Code, rec.Body.String())
		cs := checkResponse(t, rec.Body.Bytes())
		assert.Contains(t, codesOf(cs), "cbc-missing", "fail safe")
		assert.Contains(t, rec.Body.String(), "Could not be checked: lab results", "the card says which data could not be checked")
	})
	t.Run("patient-view without medications: no cards", func(t *testing.T) {
		s := newTestServer(t, serverOpts{})
		rec := s.do(t, "POST", "/cds-services/patient-view", edit(t, "testdata/requests/patient-view-abrocitinib.json", func(m map[string]any) {
			delete(m["prefetch"].(map[string]any), "medications")
		}))
		require.Equal(t, 200, rec.Code)
		assert.JSONEq(t, `{"cards":[]}`, rec.Body.String())
	})
	t.Run("FHIR server answers 500: 412 naming the key", func(t *testing.T) {
		s := newTestServer(t, serverOpts{})
		st := newStubFHIR(t, nil)
		withServer(t, s, st)
		rec := s.do(t, "POST", "/cds-services/order-select", edit(t, upa, func(m map[string]any) {
			delete(m["prefetch"].(map[string]any), "patient")
			m["fhirServer"] = st.URL + "/fhir"
		}))
		require.Equal(t, 412, rec.Code)
		assert.Contains(t, rec.Body.String(), "patient")
	})
}

// The metrics say, per key, what the client sent and what the fallback got.
func TestPrefetchMetrics(t *testing.T) {
	s := newTestServer(t, serverOpts{metrics: true})
	st := newStubFHIR(t, prefetchOf(t, "testdata/requests/order-select-upadacitinib.json"))
	withServer(t, s, st)
	rec := s.do(t, "POST", "/cds-services/order-select", edit(t, "testdata/requests/order-select-upadacitinib.json", func(m map[string]any) {
		m["fhirServer"] = st.URL + "/fhir"
		p := m["prefetch"].(map[string]any)
		delete(p, "patient")
		p["conditions"] = nil
		p["observations"] = map[string]any{"resourceType": "OperationOutcome", "issue": []any{map[string]any{"severity": "error", "code": "timeout"}}}
	}))
	require.Equal(t, 200, rec.Code, rec.Body.String())
	body := s.do(t, "GET", "/metrics", nil).Body.String()
	for _, want := range []string{
		`jakguard_prefetch_keys_total{key="patient",service="order-select",state="absent"} 1`,
		`jakguard_prefetch_keys_total{key="conditions",service="order-select",state="null"} 1`,
		`jakguard_prefetch_keys_total{key="observations",service="order-select",state="outcome"} 1`,
		`jakguard_prefetch_keys_total{key="medications",service="order-select",state="value"} 1`,
		`jakguard_fhir_fallback_queries_total{key="patient",result="ok"} 1`,
		`jakguard_fhir_fallback_queries_total{key="observations",result="ok"} 1`,
		`jakguard_requests_total{route="/cds-services/:id",service="order-select",status="200"} 1`,
		`jakguard_findings_total{code="tb-screening-missing",service="order-select"} 1`,
	} {
		assert.Contains(t, body, want)
	}
	assert.NotContains(t, body, "pt-upa", "no patient data in labels")
}
