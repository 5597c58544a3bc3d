package hooks

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// panicTransport panics on every request, as a bug under a FHIR fetch would.
type panicTransport struct{}

func (panicTransport) RoundTrip(*http.Request) (*http.Response, error) {
	panic("bug under a FHIR fetch")
}

// A panic while fetching a key from fhirServer (in FetchAll's goroutines,
// where echo's recovery does not reach) ended the whole process: every
// call in flight lost (outage review, "not done"). The key is now
// unavailable, said like any failed fetch.
func TestFetchPanicLeavesKeyUnavailable(t *testing.T) {
	const upa = "testdata/requests/order-select-upadacitinib.json"
	s := newTestServer(t, serverOpts{fhirTransport: panicTransport{}})
	rec := s.do(t, "POST", "/cds-services/order-select", edit(t, upa, func(m map[string]any) {
		m["fhirServer"] = "https://fhir.example/fhir"
		delete(m["prefetch"].(map[string]any), "observations")
	}))
	require.Equal(t, 200, rec.Code, rec.Body.String())
	assert.Contains(t, codesOf(checkResponse(t, rec.Body.Bytes())), "cbc-missing", "fail safe")
	assert.True(t, strings.Contains(rec.Body.String(), "Could not be checked: lab results"), "the card says the labs could not be checked")

	// The patient key: 412, as when the server is down.
	rec = s.do(t, "POST", "/cds-services/order-select", edit(t, upa, func(m map[string]any) {
		m["fhirServer"] = "https://fhir.example/fhir"
		delete(m["prefetch"].(map[string]any), "patient")
	}))
	requireRefused(t, rec, 412, rec.Body.String(), "patient")
}
