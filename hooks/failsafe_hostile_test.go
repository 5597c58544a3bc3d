package hooks

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/fhir"
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

// hostileFallback answers one order-sign call for a clean record whose
// conditions are fetched from a FHIR server serving h (at /fhir), with
// fhirAuthorization when auth is not nil, and returns the answer.
func hostileFallback(t *testing.T, h http.HandlerFunc, cfg fhir.ClientConfig, edits ...func(m map[string]any)) *httptest.ResponseRecorder {
	t.Helper()
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	s := newTestServer(t, serverOpts{noStore: true})
	if cfg.QueryTimeout == 0 {
		cfg.QueryTimeout = 2 * time.Second
	}
	if cfg.PageCap == 0 {
		cfg.PageCap = 3
	}
	s.fhir = fhir.NewClient(cfg, srv.Client())
	var m map[string]any
	require.NoError(t, json.Unmarshal(orderRequest(t, cleanRecord(), "upadacitinib", 15), &m))
	m["fhirServer"] = srv.URL + "/fhir"
	delete(m["prefetch"].(map[string]any), "conditions")
	for _, e := range edits {
		e(m)
	}
	body, err := json.Marshal(m)
	require.NoError(t, err)
	return s.do(t, "POST", "/cds-services/order-sign", body)
}

// conditionEntry is a searchset entry: a Condition of the clean record's
// patient p1 (atopic dermatitis, no finding), or of subject when given.
func conditionEntry(id string, subject ...string) string {
	ref := "Patient/p1"
	if len(subject) > 0 {
		ref = subject[0]
	}
	return `{"fullUrl":"https://x/fhir/Condition/` + id + `","resource":{"resourceType":"Condition","id":"` + id + `",` +
		`"code":{"coding":[{"system":"http://snomed.info/sct","code":"24079001"}]},"subject":{"reference":` + strconv.Quote(ref) + `}}}`
}

// searchPage is a searchset page with entries, total (< 0: none) and a
// next link (none when "").
func searchPage(total int, next string, entries ...string) string {
	b := `{"resourceType":"Bundle","type":"searchset"`
	if total >= 0 {
		b += `,"total":` + strconv.Itoa(total)
	}
	if next != "" {
		b += `,"link":[{"relation":"next","url":` + strconv.Quote(next) + `}]`
	}
	return b + `,"entry":[` + strings.Join(entries, ",") + `]}`
}

// A search whose pages hold fewer entries than its Bundle.total, with no
// next link, was read as complete on the FHIR server path when it came in
// several pages (a single page was caught): the conditions not sent were
// taken for none. A search stopped at the page cap is not read either.
// Both are said on the data-unavailable card.
func TestFallbackPagesSummedAgainstTotal(t *testing.T) {
	paged := func(total int, perPage ...int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/fhir+json")
			n, _ := strconv.Atoi(r.URL.Query().Get("page"))
			next := ""
			if n+1 < len(perPage) {
				next = "https://" + r.Host + "/fhir/Condition?page=" + strconv.Itoa(n+1)
			}
			var es []string
			for i := range perPage[n] {
				es = append(es, conditionEntry(fmt.Sprintf("c%d-%d", n, i)))
			}
			fmt.Fprint(w, searchPage(total, next, es...))
		}
	}
	for name, h := range map[string]http.HandlerFunc{
		"one page, total beyond its entries":    paged(3, 2),
		"two pages, total beyond their entries": paged(5, 2, 2),
		"three pages, total beyond by one":      paged(7, 2, 2, 2),
		"past the page cap": func(w http.ResponseWriter, r *http.Request) {
			n, _ := strconv.Atoi(r.URL.Query().Get("page"))
			fmt.Fprint(w, searchPage(-1, "https://"+r.Host+"/fhir/Condition?page="+strconv.Itoa(n+1), conditionEntry("c"+strconv.Itoa(n))))
		},
	} {
		t.Run(name, func(t *testing.T) {
			c := onlyDataUnavailable(t, hostileFallback(t, h, fhir.ClientConfig{}))
			assert.Contains(t, c.Detail, "Could not be checked: conditions")
		})
	}
	// The first page in prefetch, the next ones fetched (the EHR pages).
	fromPrefetch := func(total int) func(m map[string]any) {
		return func(m map[string]any) {
			var page map[string]any
			require.NoError(t, json.Unmarshal([]byte(searchPage(total, m["fhirServer"].(string)+"/Condition?page=1",
				conditionEntry("a"), conditionEntry("b"))), &page))
			m["prefetch"].(map[string]any)["conditions"] = page
		}
	}
	t.Run("prefetch page and fetched pages, total beyond their entries", func(t *testing.T) {
		c := onlyDataUnavailable(t, hostileFallback(t, paged(7, 2, 2, 2), fhir.ClientConfig{}, fromPrefetch(7)))
		assert.Contains(t, c.Detail, "Could not be checked: conditions")
	})
	t.Run("prefetch page and fetched pages, total met", func(t *testing.T) {
		rec := hostileFallback(t, paged(6, 2, 2, 2), fhir.ClientConfig{}, fromPrefetch(6))
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		assert.JSONEq(t, `{"cards":[]}`, rec.Body.String())
	})
	for name, h := range map[string]http.HandlerFunc{
		"two pages, total met":                paged(4, 2, 2),
		"three pages, no total":               paged(-1, 2, 2, 1),
		"total on the first page only is met": paged(3, 2, 1),
		"an empty last page":                  paged(2, 2, 0),
	} {
		t.Run(name, func(t *testing.T) {
			rec := hostileFallback(t, h, fhir.ClientConfig{})
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			assert.JSONEq(t, `{"cards":[]}`, rec.Body.String())
		})
	}
}
