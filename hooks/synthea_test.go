package hooks

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// syntheaRequest builds an order-select request for an upadacitinib order
// with a Synthea record as the whole prefetch, split by resource type into
// searchset Bundles the way an EHR would fill the discovery templates (the
// record's other resources, Claims, Encounters and the rest, ride along in
// the observations Bundle as noise).
func syntheaRequest(t *testing.T, file, patientID string) []byte {
	t.Helper()
	raw, err := os.ReadFile(file)
	require.NoError(t, err)
	var b struct {
		Entry []struct {
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	require.NoError(t, json.Unmarshal(raw, &b))
	keys := map[string]string{"Condition": "conditions", "MedicationRequest": "medications", "Immunization": "immunizations"}
	bundles := map[string][]any{}
	var patient json.RawMessage
	for _, e := range b.Entry {
		var head struct{ ResourceType string }
		require.NoError(t, json.Unmarshal(e.Resource, &head))
		if head.ResourceType == "Patient" {
			patient = e.Resource
			continue
		}
		key, ok := keys[head.ResourceType]
		if !ok {
			key = "observations"
		}
		bundles[key] = append(bundles[key], map[string]any{"resource": e.Resource})
	}
	prefetch := map[string]any{"patient": patient}
	for _, key := range []string{"conditions", "medications", "observations", "immunizations"} {
		prefetch[key] = map[string]any{"resourceType": "Bundle", "type": "searchset", "entry": bundles[key]}
	}
	req := map[string]any{
		"hook": "order-select", "hookInstance": "7f1c7a8e-1d5e-4b8e-9a57-3f0c2b9d6e10",
		"context": map[string]any{
			"userId": "Practitioner/example", "patientId": patientID,
			"selections": []string{"MedicationRequest/upa-synthea"},
			"draftOrders": map[string]any{"resourceType": "Bundle", "entry": []any{map[string]any{"resource": map[string]any{
				"resourceType": "MedicationRequest", "id": "upa-synthea", "status": "draft", "intent": "order",
				"subject":                   map[string]any{"reference": "Patient/" + patientID},
				"medicationCodeableConcept": map[string]any{"text": "Rinvoq 30 mg extended-release tablet"},
			}}}},
		},
		"prefetch": prefetch,
	}
	out, err := json.Marshal(req)
	require.NoError(t, err)
	return out
}

// A realistic record as background: Asa Hermiston (Synthea), a 55-year-old
// man with atopic dermatitis and rheumatoid arthritis on methotrexate, who
// took cyclosporine before, never smoked, and whose labs stop in 2018.
func TestSyntheaPatientWithUpadacitinibOrder(t *testing.T) {
	s := newTestServer(t, serverOpts{})
	body := syntheaRequest(t, "../testdata/synthea/Asa_Hermiston_4384bf23-1dc3-48ca-8c84-89fbaff201ae.json", "c79b748f-a792-4aea-bca5-c7c9c5b188cd")
	rec := s.do(t, "POST", "/cds-services/order-select", body)
	require.Equal(t, 200, rec.Code, rec.Body.String())
	codes := codesOf(checkResponse(t, rec.Body.Bytes()))
	for _, want := range []string{
		"tb-screening-missing", "hbv-screening-missing", "hcv-screening-missing", // no such tests in Synthea
		"cbc-missing",                   // 2018 CBC without ALC/ANC: stale and incomplete
		"liver-enzymes-missing",         // none on record
		"lipids-missing",                // last lipid panel 2018
		"zoster-vaccine-missing",        // aged 55, no CVX 187
		"combination-immunosuppressant", // active methotrexate
	} {
		assert.Contains(t, codes, want)
	}
	for _, not := range []string{
		"pregnancy-test-missing",    // male
		"smoker",                    // never smoker
		"no-prior-systemic-therapy", // cyclosporine and methotrexate on record
		"lower-dose-recommended",    // under 65, no boxed-warning risk factor
		"age-not-approved", "dose-above-label", "tb-active", "hbv-active", "hcv-active",
	} {
		assert.NotContains(t, codes, not)
	}
}
