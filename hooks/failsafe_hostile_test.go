package hooks

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A context.patientId with white space in it was read three ways: trimmed
// where prefetch was held to the patient, as sent where draft orders were
// (" pt-upa" refused the order's own "Patient/pt-upa" as another patient's)
// and refused by the prefetch templates (every fallback query
// unavailable). It is now a 400 naming context.patientId on every hook.
func TestPatientIDWithSpacesRefused(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	for _, tc := range []struct{ service, path string }{
		{"order-select", "testdata/requests/order-select-upadacitinib.json"},
		{"order-sign", "testdata/requests/order-sign-abrocitinib.json"},
		{"patient-view", "testdata/requests/patient-view-abrocitinib.json"},
	} {
		var m map[string]any
		require.NoError(t, json.Unmarshal(readFile(t, tc.path), &m))
		id := m["context"].(map[string]any)["patientId"].(string)
		for name, bad := range map[string]string{
			"leading space":       " " + id,
			"trailing space":      id + " ",
			"trailing newline":    id + "\n",
			"a tab inside":        id[:2] + "\t" + id[2:],
			"a space inside":      id[:2] + " " + id[2:],
			"no-break space":      id + "\u00a0",
			"zero-width space":    id + "\u200b",
			"a control char":      id + "\x00",
			"spaces on both ends": "  " + id + "  ",
		} {
			t.Run(tc.service+"/"+name, func(t *testing.T) {
				rec := s.do(t, "POST", "/cds-services/"+tc.service, edit(t, tc.path, func(m map[string]any) {
					m["context"].(map[string]any)["patientId"] = bad
				}))
				requireRefused(t, rec, http.StatusBadRequest, rec.Body.String(), "context.patientId holds white space")
			})
		}
		t.Run(tc.service+"/as sent", func(t *testing.T) {
			rec := s.do(t, "POST", "/cds-services/"+tc.service, readFile(t, tc.path))
			assert.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		})
	}
}
