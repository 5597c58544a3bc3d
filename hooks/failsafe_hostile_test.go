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

// A medicationReference to a Medication that is there but says nothing
// (neither code nor text) was refused as naming no Medication at all,
// sending the integrator to look for a missing resource. The 400 now says
// what is wrong.
func TestEmptyReferencedMedicationNamed(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	const upa = "testdata/requests/order-select-upadacitinib.json"
	const where = "context.draftOrders.entry[0].resource.medicationReference"
	byReference := func(ref string, contained map[string]any, entry map[string]any) func(m map[string]any) {
		return func(m map[string]any) {
			o := draftOrder(m)
			delete(o, "medicationCodeableConcept")
			o["medicationReference"] = map[string]any{"reference": ref}
			if contained != nil {
				o["contained"] = []any{contained}
			}
			if entry != nil {
				d := m["context"].(map[string]any)["draftOrders"].(map[string]any)
				d["entry"] = append(d["entry"].([]any), map[string]any{"resource": entry})
			}
		}
	}
	medication := func(extra ...any) map[string]any {
		r := map[string]any{"resourceType": "Medication", "id": "med"}
		for i := 0; i+1 < len(extra); i += 2 {
			r[extra[i].(string)] = extra[i+1]
		}
		return r
	}
	for name, f := range map[string]func(m map[string]any){
		"contained, no code":              byReference("#med", medication(), nil),
		"contained, a code without codes": byReference("#med", medication("code", map[string]any{"coding": []any{map[string]any{"system": rxnorm}}}), nil),
		"contained, blank text":           byReference("#med", medication("code", map[string]any{"text": "  "}), nil),
		"a Bundle entry, no code":         byReference("Medication/med", nil, medication("status", "active")),
	} {
		t.Run(name, func(t *testing.T) {
			rec := s.do(t, "POST", "/cds-services/order-select", edit(t, upa, f))
			requireRefused(t, rec, http.StatusBadRequest, rec.Body.String(), where+": names a Medication with neither code nor text")
		})
	}
	t.Run("a Medication not there is still said so", func(t *testing.T) {
		rec := s.do(t, "POST", "/cds-services/order-select", edit(t, upa, byReference("Medication/elsewhere", nil, medication())))
		requireRefused(t, rec, http.StatusBadRequest, rec.Body.String(), where+": names no Medication contained")
	})
}
