package hooks

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/fhir"
	"jakguard/internal/fhirtest"
)

// scenarioBundle turns the prefetch of a hook request file into a FHIR
// transaction bundle (PUT, so the ids stay) for the test FHIR server.
func scenarioBundle(t *testing.T, path string) string {
	t.Helper()
	var entries []any
	for _, raw := range prefetchOf(t, path) {
		var v map[string]any
		require.NoError(t, json.Unmarshal(raw, &v))
		res := []map[string]any{v}
		if v["resourceType"] == "Bundle" {
			res = nil
			for _, e := range v["entry"].([]any) {
				res = append(res, e.(map[string]any)["resource"].(map[string]any))
			}
		}
		for _, r := range res {
			entries = append(entries, map[string]any{"resource": r, "request": map[string]any{"method": "PUT", "url": r["resourceType"].(string) + "/" + r["id"].(string)}})
		}
	}
	b, err := json.Marshal(map[string]any{"resourceType": "Bundle", "type": "transaction", "entry": entries})
	require.NoError(t, err)
	file := filepath.Join(t.TempDir(), "scenario.json")
	require.NoError(t, os.WriteFile(file, b, 0o600))
	return file
}

// Against a real FHIR server (Medplum's engine): every prefetch template of
// discovery is a valid query there and returns what the rules need, and the
// same scenario gives the same findings with full prefetch and with none.
func TestAgainstFHIRServer(t *testing.T) {
	const path = "testdata/requests/order-sign-abrocitinib.json"
	// An outside medication no rule reads, on the patient's MedicationStatement
	// list, and a childhood MMR (a live vaccine no rule reports: decades old).
	statement := filepath.Join(t.TempDir(), "statement.json")
	require.NoError(t, os.WriteFile(statement, []byte(`{"resourceType":"Bundle","type":"transaction","entry":[{"resource":
		{"resourceType":"MedicationStatement","id":"ms-otc-1","status":"active","subject":{"reference":"Patient/pt-abro"},
		"medicationCodeableConcept":{"text":"cetirizine 10 mg tablet"},"effectivePeriod":{"start":"2026-08-01","end":"2026-12-31"},
		"dosage":[{"doseAndRate":[{"doseQuantity":{"value":10,"unit":"mg","system":"http://unitsofmeasure.org","code":"mg"}}]}]},
		"request":{"method":"PUT","url":"MedicationStatement/ms-otc-1"}},
		{"resource":{"resourceType":"Immunization","id":"imm-mmr-1","status":"completed","patient":{"reference":"Patient/pt-abro"},
		"vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"03"}]},"occurrenceDateTime":"1995-06-01"},
		"request":{"method":"PUT","url":"Immunization/imm-mmr-1"}}]}`), 0o600))
	base := fhirtest.Start(t, scenarioBundle(t, path), statement,
		"../testdata/synthea/Garrett_Thompson_5a72e290-8102-4c8a-84f7-f838387508b2.json")
	server := base
	client := fhir.NewClient(fhir.ClientConfig{AllowHTTP: true, QueryTimeout: 20 * time.Second, PageCap: 10}, nil)

	s := newTestServer(t, serverOpts{deadline: 60 * time.Second})
	s.fhir = client

	t.Run("every discovery template is a valid query returning the scenario data", func(t *testing.T) {
		for _, svc := range s.Services() {
			for key, tmpl := range svc.Prefetch {
				q, err := renderTemplate(tmpl, map[string]string{"patientId": "pt-abro", "userId": "Practitioner/example"})
				require.NoError(t, err)
				pages, err := client.Fetch(context.Background(), server, "", q)
				require.NoError(t, err, "%s %s: %s", svc.ID, key, q)
				b := fhir.NewBuilder(s.logger)
				for _, p := range pages {
					_, err := b.Add(context.Background(), key, p)
					require.NoError(t, err)
				}
				rec := b.Record()
				switch key {
				case "patient":
					require.NotNil(t, rec.Patient)
					assert.Equal(t, "female", rec.Patient.Gender)
				case "observations":
					want := 12
					if svc.ID == HookPatientView {
						// The monitoring labs and the TB and hepatitis tests
						// (what turned positive since the start; metarev):
						// no anti-HBc, HCV antibody or eGFR.
						want = 9
					}
					assert.Len(t, rec.Observations, want, "%s: %s", svc.ID, q)
				case "conditions":
					assert.Len(t, rec.Conditions, 1)
				case "medications":
					// Every status, for patient-view too: the course model
					// needs ended orders (the stopped dupilumab).
					assert.Len(t, rec.Medications, 1)
				case "medicationStatements":
					require.Len(t, rec.Medications, 1, "%s: %s", svc.ID, q)
					m := rec.Medications[0]
					assert.Equal(t, "MedicationStatement/ms-otc-1", m.ID)
					assert.Equal(t, "MedicationStatement", m.ResourceType)
					assert.Equal(t, "active", m.Status)
					assert.Equal(t, "2026-08-01", m.Authored.Format(time.DateOnly))
					assert.Equal(t, "2026-12-31", m.End.Format(time.DateOnly))
					assert.Equal(t, 10.0, m.Dose.DoseQuantity.Value)
				case "immunizations":
					// The zoster dose and a childhood MMR (a live vaccine, long
					// before any course): every immunization, for every service.
					assert.Len(t, rec.Immunizations, 2, "%s: %s", svc.ID, q)
				}
			}
		}
	})

	t.Run("full prefetch and no prefetch give the same findings", func(t *testing.T) {
		with := s.do(t, "POST", "/cds-services/order-sign", readFile(t, path))
		require.Equal(t, 200, with.Code, with.Body.String())
		without := s.do(t, "POST", "/cds-services/order-sign", edit(t, path, func(m map[string]any) {
			delete(m, "prefetch")
			m["fhirServer"] = server
		}))
		require.Equal(t, 200, without.Code, without.Body.String())
		a, b := codesOf(checkResponse(t, with.Body.Bytes())), codesOf(checkResponse(t, without.Body.Bytes()))
		require.NotEmpty(t, a)
		assert.ElementsMatch(t, a, b)
		assert.NotContains(t, without.Body.String(), "Could not be checked")
	})

	t.Run("a patient the server does not have: 412 naming patient", func(t *testing.T) {
		rec := s.do(t, "POST", "/cds-services/order-sign", edit(t, path, func(m map[string]any) {
			delete(m, "prefetch")
			m["fhirServer"] = server
			m["context"].(map[string]any)["patientId"] = "nobody"
			// The draft order is about the context patient (contract 6.6:
			// an order about another patient is a 400).
			order := m["context"].(map[string]any)["draftOrders"].(map[string]any)["entry"].([]any)[0].(map[string]any)["resource"].(map[string]any)
			order["subject"] = map[string]any{"reference": "Patient/nobody"}
		}))
		assert.Equal(t, 412, rec.Code)
		assert.True(t, strings.Contains(rec.Body.String(), "patient"))
	})
}
