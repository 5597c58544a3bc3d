package hooks

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The attacks of issue 16 on the input side (contract 6.6), each sent
// through the whole HTTP path. Every one of them used to be answered as if
// the input were fine.

// draftOrder returns the resource of the first draft order of m, a decoded
// request.
func draftOrder(m map[string]any) map[string]any {
	return m["context"].(map[string]any)["draftOrders"].(map[string]any)["entry"].([]any)[0].(map[string]any)["resource"].(map[string]any)
}

// requireRefused checks a 4xx OperationOutcome whose diagnostics and
// expression contain says.
func requireRefused(t *testing.T, rec interface {
	Result() *http.Response
}, status int, body, says string) {
	t.Helper()
	require.Equal(t, status, rec.Result().StatusCode, body)
	var oo OperationOutcome
	require.NoError(t, json.Unmarshal([]byte(body), &oo), body)
	require.NotEmpty(t, oo.Issue)
	assert.Contains(t, oo.Issue[0].Diagnostics, says)
}

// FHIR JSON is case-sensitive: "BirthDate" is an unknown member, not the
// birth date. Before, names were matched without regard to case and the
// last of birthDate and BirthDate won, so a crafted member changed the
// age the rules saw.
func TestMemberNamesAreCaseSensitive(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	// A 35-year-old; "BirthDate" claims 10, which would make abrocitinib
	// not approved for her age.
	body := orderRequest(t, cleanRecord(), "abrocitinib", 100)
	body = bytes.Replace(body, []byte(`"birthDate":"1991-05-20"`), []byte(`"birthDate":"1991-05-20","BirthDate":"2016-06-01"`), 1)
	require.Contains(t, string(body), `"BirthDate"`)
	rec := s.do(t, "POST", "/cds-services/order-sign", body)
	require.Equal(t, 200, rec.Code, rec.Body.String())
	assert.NotContains(t, codesOf(checkResponse(t, rec.Body.Bytes())), "age-not-approved", "BirthDate is not birthDate")

	// "BirthDate" alone leaves the birth date unknown.
	body = bytes.Replace(orderRequest(t, cleanRecord().born("2016-06-01"), "abrocitinib", 100), []byte(`"birthDate"`), []byte(`"BirthDate"`), 1)
	rec = s.do(t, "POST", "/cds-services/order-sign", body)
	require.Equal(t, 200, rec.Code, rec.Body.String())
	assert.NotContains(t, codesOf(checkResponse(t, rec.Body.Bytes())), "age-not-approved", "no age was read from BirthDate")
}

// Duplicate member names, invalid UTF-8 and numbers JSON does not have are
// refused anywhere in the body, prefetch values and unknown members
// included.
func TestStrictJSONAnywhere(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	upa := orderRequest(t, cleanRecord(), "upadacitinib", 15)
	at := func(old, new string) []byte {
		t.Helper()
		require.Contains(t, string(upa), old)
		return bytes.Replace(upa, []byte(old), []byte(new), 1)
	}
	cases := []struct {
		name string
		body []byte
		says string
	}{
		{"duplicate member in an Observation", at(`"id":"hgb","resourceType":"Observation","status":"final"`, `"id":"hgb","resourceType":"Observation","status":"final","status":"final"`), "duplicate member name"},
		{"duplicate member in the Patient", at(`"gender":"female"`, `"gender":"female","gender":"male"`), "duplicate member name"},
		{"duplicate top-level member", at(`"hook":"order-sign"`, `"hook":"order-sign","hook":"order-sign"`), "duplicate member name"},
		{"duplicate in an unknown member", at(`"hook":"order-sign"`, `"hook":"order-sign","extension":{"a":1,"a":2}`), "duplicate member name"},
		{"duplicate prefetch key", at(`"prefetch":{`, `"prefetch":{"conditions":null,`), "duplicate member name"},
		{"invalid UTF-8 in a prefetch value", at(`"id":"hgb"`, "\"id\":\"hg\xffb\""), "invalid UTF-8"},
		{"invalid UTF-8 in an unknown member", at(`"hook":"order-sign"`, "\"hook\":\"order-sign\",\"x\":\"\xc3\x28\""), "invalid UTF-8"},
		{"NaN", at(`"value":13.2`, `"value":NaN`), "invalid JSON"},
		{"leading zeros", at(`"value":13.2`, `"value":013.2`), "invalid JSON"},
		{"hexadecimal", at(`"value":13.2`, `"value":0x10`), "invalid JSON"},
		{"Infinity in the draft order", at(`"frequency":1`, `"frequency":Infinity`), "invalid JSON"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := s.do(t, "POST", "/cds-services/order-sign", tc.body)
			requireRefused(t, rec, 400, rec.Body.String(), tc.says)
		})
	}
	t.Run("feedback", func(t *testing.T) {
		rec := s.do(t, "POST", "/cds-services/order-sign/feedback",
			[]byte(`{"feedback":[{"card":"c1","card":"c2","outcome":"overridden","outcomeTimestamp":"2026-11-29T12:00:00Z"}]}`))
		requireRefused(t, rec, 400, rec.Body.String(), "duplicate member name")
	})
}

// A draft order that cannot be read is a 400 naming the member, never
// {"cards": []}, which is what a safe order gets.
func TestUnreadableDraftOrderRefused(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	const upa = "testdata/requests/order-select-upadacitinib.json"
	cases := []struct {
		name, where string
		f           func(m map[string]any)
	}{
		{"status a number", "context.draftOrders.entry[0].resource.status", func(m map[string]any) { draftOrder(m)["status"] = 123 }},
		{"authoredOn a number", "context.draftOrders.entry[0].resource.authoredOn", func(m map[string]any) { draftOrder(m)["authoredOn"] = 5 }},
		{"subject a string", "context.draftOrders.entry[0].resource.subject", func(m map[string]any) { draftOrder(m)["subject"] = "Patient/pt-upa" }},
		{"medication a string", "context.draftOrders.entry[0].resource.medicationCodeableConcept", func(m map[string]any) {
			draftOrder(m)["medicationCodeableConcept"] = "Rinvoq 30 mg"
		}},
		{"dose a string", "context.draftOrders.entry[0].resource.dosageInstruction[0].doseAndRate[0].doseQuantity.value", func(m map[string]any) {
			draftOrder(m)["dosageInstruction"] = []any{map[string]any{"doseAndRate": []any{map[string]any{"doseQuantity": map[string]any{"value": "two"}}}}}
		}},
		{"resource a string", "context.draftOrders.entry[0].resource", func(m map[string]any) {
			m["context"].(map[string]any)["draftOrders"].(map[string]any)["entry"].([]any)[0].(map[string]any)["resource"] = "MedicationRequest/1"
		}},
		{"entry a string", "context.draftOrders.entry[0]", func(m map[string]any) {
			m["context"].(map[string]any)["draftOrders"].(map[string]any)["entry"].([]any)[0] = "x"
		}},
		{"entry without a resource", "context.draftOrders.entry[0]", func(m map[string]any) {
			m["context"].(map[string]any)["draftOrders"].(map[string]any)["entry"].([]any)[0] = map[string]any{"fullUrl": "x"}
		}},
		{"a second, non-JAK order unreadable", "context.draftOrders.entry[1].resource.intent", func(m map[string]any) {
			d := m["context"].(map[string]any)["draftOrders"].(map[string]any)
			d["entry"] = append(d["entry"].([]any), map[string]any{"resource": map[string]any{"resourceType": "MedicationRequest", "id": "o2", "intent": false}})
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := s.do(t, "POST", "/cds-services/order-select", edit(t, upa, tc.f))
			requireRefused(t, rec, 400, rec.Body.String(), tc.where)
			var oo OperationOutcome
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &oo))
			assert.Equal(t, []string{tc.where}, oo.Issue[0].Expression)
			assert.NotContains(t, rec.Body.String(), "Rinvoq", "no value is echoed")
		})
	}
	t.Run("single objects where arrays belong are still read", func(t *testing.T) {
		rec := s.do(t, "POST", "/cds-services/order-select", edit(t, upa, func(m map[string]any) {
			o := draftOrder(m)
			o["dosageInstruction"] = o["dosageInstruction"].([]any)[0]
			o["category"] = map[string]any{"text": "community"}
		}))
		require.Equal(t, 200, rec.Code, rec.Body.String())
		assert.NotEmpty(t, checkResponse(t, rec.Body.Bytes()))
	})
}

// Data about another patient is never evaluated as the context patient's:
// prefetch that contradicts the context is a 400 naming the key; a draft
// order about another patient a 400 naming its subject.
func TestAnotherPatientRefused(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	const upa = "testdata/requests/order-select-upadacitinib.json"
	prefetch := func(m map[string]any) map[string]any { return m["prefetch"].(map[string]any) }
	// add appends a resource to the Bundle of key.
	add := func(m map[string]any, key string, r map[string]any) {
		b := prefetch(m)[key].(map[string]any)
		entries, _ := b["entry"].([]any)
		b["entry"] = append(entries, map[string]any{"resource": r})
	}
	hgb := func(subject string) map[string]any {
		return map[string]any{"resourceType": "Observation", "id": "hgb", "status": "final", "code": coding(loinc, "718-7"),
			"effectiveDateTime": "2026-11-02", "valueQuantity": map[string]any{"value": 7.1, "code": "g/dL"},
			"subject": map[string]any{"reference": subject}}
	}
	cases := []struct {
		name, where string
		f           func(m map[string]any)
	}{
		{"prefetch Patient with another id", "prefetch.patient", func(m map[string]any) { prefetch(m)["patient"].(map[string]any)["id"] = "someone-else" }},
		{"prefetch Patient without an id", "prefetch.patient", func(m map[string]any) { delete(prefetch(m)["patient"].(map[string]any), "id") }},
		{"a Patient under conditions", "prefetch.conditions", func(m map[string]any) {
			c := prefetch(m)["conditions"].(map[string]any)
			c["entry"] = append(c["entry"].([]any), map[string]any{"resource": map[string]any{"resourceType": "Patient", "id": "other", "birthDate": "1940-01-01"}})
		}},
		{"a Condition as the patient", "prefetch.patient", func(m map[string]any) {
			prefetch(m)["patient"] = map[string]any{"resourceType": "Condition", "id": "c", "code": map[string]any{"text": "x"}}
		}},
		{"a MedicationRequest under conditions", "prefetch.conditions", func(m map[string]any) {
			c := prefetch(m)["conditions"].(map[string]any)
			c["entry"] = append(c["entry"].([]any), map[string]any{"resource": map[string]any{"resourceType": "MedicationRequest", "id": "m", "status": "active"}})
		}},
		{"an Observation of another patient", "prefetch.observations", func(m map[string]any) {
			add(m, "observations", hgb("Patient/someone-else"))
		}},
		{"an Observation of another patient, absolute reference", "prefetch.observations", func(m map[string]any) {
			add(m, "observations", hgb("https://ehr.example.org/fhir/Patient/someone-else/_history/2"))
		}},
		{"a Condition of another patient", "prefetch.conditions", func(m map[string]any) {
			prefetch(m)["conditions"].(map[string]any)["entry"].([]any)[0].(map[string]any)["resource"].(map[string]any)["subject"] =
				map[string]any{"reference": "Patient/someone-else"}
		}},
		{"an Immunization of another patient", "prefetch.immunizations", func(m map[string]any) {
			add(m, "immunizations", map[string]any{"resourceType": "Immunization", "id": "rzv", "status": "completed",
				"vaccineCode": coding(cvx, "187"), "occurrenceDateTime": "2025-01-01", "patient": map[string]any{"reference": "Patient/someone-else"}})
		}},
		{"a draft order about another patient", "context.draftOrders.entry[0].resource.subject", func(m map[string]any) {
			draftOrder(m)["subject"] = map[string]any{"reference": "Patient/someone-else"}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := s.do(t, "POST", "/cds-services/order-select", edit(t, upa, tc.f))
			requireRefused(t, rec, 400, rec.Body.String(), tc.where)
			assert.NotContains(t, rec.Body.String(), "someone-else", "the other patient is not named back")
		})
	}
	t.Run("references that name no Patient id are not judged", func(t *testing.T) {
		rec := s.do(t, "POST", "/cds-services/order-select", edit(t, upa, func(m map[string]any) {
			o := hgb("urn:uuid:9f0e3c1a-0000-4000-8000-000000000001")
			o["performer"] = []any{map[string]any{"reference": "Patient/someone-else"}}
			add(m, "observations", o)
			prefetch(m)["conditions"].(map[string]any)["entry"].([]any)[0].(map[string]any)["resource"].(map[string]any)["subject"] =
				map[string]any{"display": "the patient"}
		}))
		require.Equal(t, 200, rec.Code, rec.Body.String())
		requireFinding(t, checkResponse(t, rec.Body.Bytes()), "anemia", "critical")
	})
}

// A FHIR server page holding another patient's data leaves its key
// unavailable: the patient key then answers 412, a lab key is reported as
// not checked.
func TestFallbackAboutAnotherPatientUnavailable(t *testing.T) {
	const upa = "testdata/requests/order-select-upadacitinib.json"
	full := prefetchOf(t, upa)
	other := map[string]json.RawMessage{}
	for k, v := range full {
		other[k] = v
	}
	other["patient"] = json.RawMessage(`{"resourceType":"Patient","id":"someone-else","gender":"male","birthDate":"1940-01-01"}`)
	other["observations"] = json.RawMessage(`{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"Observation",
		"id":"hgb","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"718-7"}]},"effectiveDateTime":"2026-11-02",
		"valueQuantity":{"value":13.1,"code":"g/dL"},"subject":{"reference":"Patient/someone-else"}}}]}`)
	s := newTestServer(t, serverOpts{})
	st := newStubFHIR(t, other)
	withServer(t, s, st)

	rec := s.do(t, "POST", "/cds-services/order-select", edit(t, upa, func(m map[string]any) {
		m["fhirServer"] = st.URL + "/fhir"
		delete(m["prefetch"].(map[string]any), "patient")
	}))
	requireRefused(t, rec, 412, rec.Body.String(), "patient")

	rec = s.do(t, "POST", "/cds-services/order-select", edit(t, upa, func(m map[string]any) {
		m["fhirServer"] = st.URL + "/fhir"
		delete(m["prefetch"].(map[string]any), "observations")
	}))
	require.Equal(t, 200, rec.Code, rec.Body.String())
	assert.Contains(t, codesOf(checkResponse(t, rec.Body.Bytes())), "cbc-missing", "fail safe")
	assert.True(t, strings.Contains(rec.Body.String(), "Could not be checked: lab results"), "the card says the labs could not be checked")
	assert.Equal(t, 1, st.count("Observation"))
}

// Hook calls and feedback must be declared JSON: a browser posts
// text/plain, forms and multipart across sites without a preflight.
func TestContentTypeMustBeJSON(t *testing.T) {
	s := newTestServer(t, serverOpts{})
	body := readFile(t, "testdata/requests/order-select-upadacitinib.json")
	feedback := []byte(`{"feedback":[{"card":"c1","outcome":"overridden","outcomeTimestamp":"2026-11-29T12:00:00Z"}]}`)
	for _, path := range []string{"/cds-services/order-select", "/cds-services/order-select/feedback"} {
		b := body
		if strings.HasSuffix(path, "/feedback") {
			b = feedback
		}
		for _, ct := range []string{"text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "", "application/jsonx", "json"} {
			t.Run(path+" "+ct, func(t *testing.T) {
				rec := s.do(t, "POST", path, b, "Content-Type", ct)
				requireRefused(t, rec, 415, rec.Body.String(), "Content-Type")
			})
		}
		for _, ct := range []string{"application/json", "application/json; charset=utf-8", "Application/JSON", "application/fhir+json", "application/fhir+json;fhirVersion=4.0"} {
			t.Run(path+" "+ct, func(t *testing.T) {
				rec := s.do(t, "POST", path, b, "Content-Type", ct)
				assert.Equal(t, 200, rec.Code, rec.Body.String())
			})
		}
	}
}
