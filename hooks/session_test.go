package hooks

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/cards"
)

// Two JAK inhibitors ordered in one session: order-sign evaluates both,
// and each one's combination-jak names the other; a tofacitinib draft
// beside an upadacitinib draft is a combination too.
func TestJAKOrdersInTheSameSession(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	var req map[string]any
	require.NoError(t, json.Unmarshal(orderRequest(t, cleanRecord(), "upadacitinib", 15), &req))
	entries := req["context"].(map[string]any)["draftOrders"].(map[string]any)["entry"].([]any)
	second := onceDaily(medication("second", "draft", rxnorm, "2591476", "abrocitinib 100 MG Oral Tablet"))
	req["context"].(map[string]any)["draftOrders"].(map[string]any)["entry"] = append(entries, map[string]any{"resource": second})
	body, err := json.Marshal(req)
	require.NoError(t, err)
	// Two orders: a finding may appear once per order, so not through s.do.
	rec := httptest.NewRecorder()
	req2 := httptest.NewRequest("POST", "/cds-services/order-sign", bytes.NewReader(body))
	req2.Header.Set("Content-Type", "application/json") // contract 6.6: 415 otherwise
	s.ServeHTTP(rec, req2)
	require.Equal(t, 200, rec.Code, rec.Body.String())
	require.NoError(t, cards.CheckEmpty(rec.Body.Bytes()))
	var resp struct {
		Cards []struct {
			Indicator   string              `json:"indicator"`
			Detail      string              `json:"detail"`
			Extension   map[string][]string `json:"extension"`
			Suggestions []struct {
				Actions []struct {
					Type       string `json:"type"`
					ResourceID string `json:"resourceId"`
				} `json:"actions"`
			} `json:"suggestions"`
		} `json:"cards"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &resp))
	deletes := map[string]bool{}
	n := 0
	for _, c := range resp.Cards {
		for _, code := range c.Extension["org.jakguard.findings"] {
			if code == "combination-jak" {
				n++
				assert.Equal(t, "critical", c.Indicator)
				for _, sg := range c.Suggestions {
					for _, a := range sg.Actions {
						if a.Type == "delete" {
							deletes[a.ResourceID] = true
						}
					}
				}
			}
		}
	}
	assert.Equal(t, 2, n, "one combination-jak per order")
	assert.True(t, deletes["MedicationRequest/new"] && deletes["MedicationRequest/second"], "each card offers to cancel its own order: %v", deletes)

	// order-select with only the upadacitinib selected still sees the other draft.
	req["hook"] = "order-select"
	req["context"].(map[string]any)["selections"] = []string{"MedicationRequest/new"}
	body, _ = json.Marshal(req)
	rec = s.do(t, "POST", "/cds-services/order-select", body)
	require.Equal(t, 200, rec.Code)
	codes := codesOf(checkResponse(t, rec.Body.Bytes()))
	assert.Contains(t, codes, "combination-jak")
}
