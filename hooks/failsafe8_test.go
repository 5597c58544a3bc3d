package hooks

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The failsafe8 review: hostile input on the paths the source review
// added (Medications read by id, partial pages, prefetch Bundle checks).

// historyOf is a history Bundle of rs: the versions of each resource, as
// GET [type]/_history gives them (newest first, each entry its request).
func historyOf(rs ...res) res {
	entries := []any{}
	for _, r := range rs {
		entries = append(entries, res{"resource": r, "request": res{"method": "PUT", "url": r["resourceType"].(string) + "/" + r["id"].(string)},
			"response": res{"status": "200"}})
	}
	return res{"resourceType": "Bundle", "type": "history", "entry": entries}
}

// A history Bundle holds past versions: under a prefetch key, or as a
// fetched page, it is no answer to the key's search, and what it holds is
// not read (it was: an active tuberculosis since resolved, an old version
// of the record, was a critical card beside the current one).
func TestFailsafe8HistoryBundleNotRead(t *testing.T) {
	r := failRecord().replace(condition("tb", sct, "427099000", "resolved"))
	c := upa15(r)
	base := c.body(t)
	rec := newTestServer(t, serverOpts{noStore: true}).do(t, "POST", "/cds-services/order-sign", base)
	require.Equal(t, 200, rec.Code)
	want := cardKeys(checkResponse(t, rec.Body.Bytes()))
	require.NotContains(t, codesOf(checkResponse(t, rec.Body.Bytes())), "tb-active")
	history := func() res {
		return historyOf(append(append([]res{}, r.conditions...), condition("tb", sct, "427099000", "active"))...)
	}
	for _, tc := range []struct {
		name   string
		server bool
		edit   func(m map[string]any, sf *sourceFHIR)
	}{
		{"prefetch, FHIR server", true, func(m map[string]any, sf *sourceFHIR) {
			m["prefetch"].(map[string]any)["conditions"] = history()
		}},
		{"prefetch, no FHIR server", false, func(m map[string]any, sf *sourceFHIR) {
			m["prefetch"].(map[string]any)["conditions"] = history()
		}},
		{"fetched", true, func(m map[string]any, sf *sourceFHIR) {
			delete(m["prefetch"].(map[string]any), "conditions")
			sf.fail = func(w http.ResponseWriter, r *http.Request, typ string, page int) bool {
				if typ != "Condition" {
					return false
				}
				w.Header().Set("Content-Type", "application/fhir+json")
				json.NewEncoder(w).Encode(history())
				return true
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sf := newSourceFHIR(t, base, 0)
			var m map[string]any
			require.NoError(t, json.Unmarshal(base, &m))
			if tc.server {
				dropKeys("none")(t, m, sf)
			}
			tc.edit(m, sf)
			body, err := json.Marshal(m)
			require.NoError(t, err)
			rec := failServer(t, sf).do(t, "POST", "/cds-services/order-sign", body)
			sf.check(t)
			if tc.name == "prefetch, FHIR server" {
				require.Equal(t, 200, rec.Code, rec.Body.String())
				assert.Equal(t, want, cardKeys(checkResponse(t, rec.Body.Bytes())))
				return
			}
			saysUnchecked(t, rec, "conditions")
		})
	}
}

// The self link of an empty prefetch search says whose search it is: one
// for another patient is no "no data" for this one, however the link is
// written (a compartment search, a query Go's parser drops a pair of);
// one for this patient, or naming none, is read as it is.
func TestFailsafe8SelfLinks(t *testing.T) {
	c := upa15(failRecord())
	base := c.body(t)
	rec := newTestServer(t, serverOpts{noStore: true}).do(t, "POST", "/cds-services/order-sign", base)
	require.Equal(t, 200, rec.Code)
	want := cardKeys(checkResponse(t, rec.Body.Bytes()))
	for _, tc := range []struct {
		self  string
		other bool // another patient's search: said, not read as none
	}{
		{"https://ehr.example/fhir/Patient/p2/Condition", true},
		{"https://ehr.example/fhir/Patient/p2/Condition/_search?_count=200", true},
		{"Patient/p2/Condition", true},
		{"https://ehr.example/fhir/Condition?patient=p2;_count=200", true},
		{"https://ehr.example/fhir/Condition?_count=200;x&patient=p2", true},
		{"https://ehr.example/fhir/Condition?patient=p2%zz", true},
		{"https://ehr.example/fhir/Condition?patient=p2&_count=%zz", true},
		{"https://ehr.example/fhir/Condition?patient=p1,p2", true},
		{"https://ehr.example/fhir/Condition?patient=p1&subject=Patient%2Fp2", true},
		{"https://ehr.example/fhir/Condition?subject:Patient=p2", true},
		// Read as they are (the entries are held to the patient).
		{"https://ehr.example/fhir/Patient/p1/Condition?_count=200", false},
		{"Condition?patient=p1&_count=200", false},
		{"https://other.example/fhir/Condition?patient=https%3A%2F%2Fehr.example%2Ffhir%2FPatient%2Fp1", false},
		{"https://ehr.example/fhir/Condition?subject:Patient=p1&_count=200", false},
		{"https://ehr.example/fhir/Condition/_search?patient=Patient/p1", false},
	} {
		t.Run(tc.self, func(t *testing.T) {
			var m map[string]any
			require.NoError(t, json.Unmarshal(base, &m))
			conditions := m["prefetch"].(map[string]any)["conditions"].(map[string]any)
			conditions["link"] = []any{res{"relation": "self", "url": tc.self}}
			if tc.other {
				conditions["entry"] = []any{}
			}
			body, err := json.Marshal(m)
			require.NoError(t, err)
			sf := newSourceFHIR(t, base, 0)
			rec := failServer(t, sf).do(t, "POST", "/cds-services/order-sign", body)
			if tc.other {
				saysUnchecked(t, rec, "conditions")
				return
			}
			require.Equal(t, 200, rec.Code, rec.Body.String())
			assert.Equal(t, want, cardKeys(checkResponse(t, rec.Body.Bytes())))
		})
	}
}
