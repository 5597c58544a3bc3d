package hooks

import (
	"context"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/rules"
)

// medicationStatements is optional (contract 6.1): read beside the
// MedicationRequests when it comes, recorded as unavailable when it can
// be had neither from prefetch nor from fhirServer, never a 412.
func TestMedicationStatementsOptional(t *testing.T) {
	const upa = "testdata/requests/order-select-upadacitinib.json"
	s := newTestServer(t, serverOpts{noStore: true})
	svc := s.services[HookOrderSelect]
	resolve := func(t *testing.T, body []byte) *resolution {
		t.Helper()
		req, hc, err := decodeRequest(body, svc.Hook, nil)
		require.NoError(t, err)
		res, err := s.newPrefetch(context.Background(), svc, hc, testNow, slog.New(slog.DiscardHandler)).resolve(req)
		require.NoError(t, err)
		require.NoError(t, s.requireData(svc, req, res), "never a 412")
		return res
	}

	t.Run("a request recorded before the key existed", func(t *testing.T) {
		res := resolve(t, readFile(t, upa))
		assert.Equal(t, []string{rules.DataMedicationStatements}, res.record.Unavailable)
	})
	t.Run("prefetched statements are read beside the requests", func(t *testing.T) {
		res := resolve(t, edit(t, upa, func(m map[string]any) {
			m["prefetch"].(map[string]any)["medicationStatements"] = map[string]any{"resourceType": "Bundle", "entry": []any{
				map[string]any{"resource": map[string]any{"resourceType": "MedicationStatement", "id": "otc", "status": "active",
					"subject": map[string]any{"reference": "Patient/pt-upa"}, "medicationCodeableConcept": map[string]any{"text": "clopidogrel 75 mg"},
					"effectivePeriod": map[string]any{"start": "2026-10-01"}}}}}
		}))
		assert.Empty(t, res.record.Unavailable)
		var ids []string
		for _, m := range res.record.Medications {
			ids = append(ids, m.ID)
		}
		assert.Contains(t, ids, "MedicationStatement/otc")
	})
	t.Run("the FHIR server has none to give: still answered", func(t *testing.T) {
		st := newStubFHIR(t, nil) // every query answers 404
		withServer(t, s, st)
		t.Cleanup(func() { s.fhir = nil })
		rec := s.do(t, "POST", "/cds-services/order-select", edit(t, upa, func(m map[string]any) { m["fhirServer"] = st.URL + "/fhir" }))
		require.Equal(t, 200, rec.Code, rec.Body.String())
		assert.Equal(t, 1, st.count("MedicationStatement"), "fetched once")
		var golden json.RawMessage = readFile(t, "testdata/golden/order-select-upadacitinib.response.json")
		assert.JSONEq(t, string(golden), rec.Body.String(), "the answer of a request without the key is unchanged")
	})
}
