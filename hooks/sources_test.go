package hooks

import (
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The prefetch reader says, for the audit trail, where each key's data came
// from.
func TestPrefetchSources(t *testing.T) {
	const upa = "testdata/requests/order-select-upadacitinib.json"
	full := prefetchOf(t, upa)
	s := newTestServer(t, serverOpts{})
	st := newStubFHIR(t, full)
	delete(st.answers, "Immunization") // the FHIR server fails this one
	withServer(t, s, st)
	body := edit(t, upa, func(m map[string]any) {
		m["fhirServer"] = st.URL + "/fhir"
		p := m["prefetch"].(map[string]any)
		delete(p, "patient")  // absent: fetched
		p["conditions"] = nil // null: the client found nothing
		delete(p, "immunizations")
		p["observations"] = map[string]any{"resourceType": "OperationOutcome", "issue": []any{map[string]any{"severity": "error", "code": "timeout"}}}
		// medications: a Bundle with a next page on fhirServer
		meds := p["medications"].(map[string]any)
		meds["link"] = []any{map[string]any{"relation": "next", "url": st.URL + "/fhir/MedicationRequest?page=2"}}
	})
	svc := s.services[HookOrderSelect]
	req, hc, err := decodeRequest(body, svc.Hook, nil)
	require.NoError(t, err)
	res, err := s.newPrefetch(t.Context(), svc, hc, testNow, slog.New(slog.DiscardHandler)).resolve(req)
	require.NoError(t, err)
	assert.Equal(t, "fhir", res.sources["patient"])
	assert.Equal(t, "fhir", res.sources["observations"], "an OperationOutcome, fetched again")
	assert.Equal(t, "prefetch", res.sources["conditions"], "null is the client's answer")
	assert.Equal(t, "prefetch+fhir", res.sources["medications"])
	assert.Equal(t, "unavailable", res.sources["immunizations"])
	for key := range svc.Prefetch {
		assert.NotEmpty(t, res.sources[key], "no source for %s", key)
	}
}
