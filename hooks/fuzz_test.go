package hooks

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecodeRequest feeds arbitrary bodies through the whole hook path.
// Property: never a panic or a hang; either a response that passes the card
// invariants, or a 4xx *Error (bad input is a clear error, never a 5xx).
// Seeds: the recorded sandbox requests and the hand-written JAK requests.
func FuzzDecodeRequest(f *testing.F) {
	for _, pattern := range []string{"../testdata/sandbox/*.json", "../testdata/requests/*.json"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			b, err := os.ReadFile(file)
			if err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte(`{"hook":"order-select","hookInstance":"x","context":{"patientId":"p","selections":["MedicationRequest/1"],"draftOrders":{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"MedicationRequest","id":"1","status":"draft","intent":"order","medicationCodeableConcept":{"text":"Rinvoq 45 mg"}}}]}},"prefetch":{"patient":null}}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"hook":"patient-view","hookInstance":"x","context":{"patientId":"p"},"prefetch":{"medications":{"resourceType":"OperationOutcome"}}}`))
	s := newTestServer(f, serverOpts{noStore: true})
	// No FHIR fallback: a mutated fhirServer must never make the fuzzer
	// reach out to the network.
	s.fhir = nil
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, id := range []string{HookOrderSelect, HookOrderSign, HookPatientView} {
			out, err := s.Evaluate(context.Background(), id, body)
			if err != nil {
				var he *Error
				if !errors.As(err, &he) || he.Status < 400 || he.Status >= 500 {
					t.Fatalf("%s: want a 4xx *Error, got %v", id, err)
				}
				continue
			}
			checkResponse(t, out)
		}
	})
}
