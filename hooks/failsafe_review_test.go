package hooks

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/cards"
	"jakguard/fhir"
	"jakguard/internal/syncbuf"
	"jakguard/rules"
)

// The second fail-safe review of the input path (issue 16, contract 6.6):
// inputs that used to be answered {"cards": []} although the order the
// clinician chose was never evaluated.

// addDraft appends to draftOrders a draft non-JAK MedicationRequest
// (amoxicillin) for the context patient, with the given id.
func addDraft(m map[string]any, id string) {
	ctx := m["context"].(map[string]any)
	d := ctx["draftOrders"].(map[string]any)
	entries, _ := d["entry"].([]any)
	d["entry"] = append(entries, map[string]any{"resource": map[string]any{
		"resourceType": "MedicationRequest", "id": id, "status": "draft", "intent": "order",
		"subject":                   map[string]any{"reference": "Patient/" + ctx["patientId"].(string)},
		"medicationCodeableConcept": coding(rxnorm, "308191"),
	}})
}

// A selection must name an order of draftOrders. Before, a selection that
// named none (a bare id, another type, a typo, a draft without an id)
// matched nothing and the JAK order in draftOrders was answered with no
// cards, which reads as "checked, nothing to say".
func TestSelectionsMustNameDraftOrders(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	const upa = "testdata/requests/order-select-upadacitinib.json"
	ctx := func(m map[string]any) map[string]any { return m["context"].(map[string]any) }
	cases := []struct {
		name, where string
		f           func(m map[string]any)
	}{
		{"an id not in draftOrders", "context.selections[0]", func(m map[string]any) { ctx(m)["selections"] = []any{"MedicationRequest/nope"} }},
		{"a bare id", "context.selections[0]", func(m map[string]any) { ctx(m)["selections"] = []any{"upa-1"} }},
		{"the right id with another type", "context.selections[0]", func(m map[string]any) { ctx(m)["selections"] = []any{"Medication/upa-1"} }},
		{"the second of two", "context.selections[1]", func(m map[string]any) {
			ctx(m)["selections"] = []any{"MedicationRequest/upa-1", "MedicationRequest/upa-2"}
		}},
		{"the draft has no id", "context.selections[0]", func(m map[string]any) { delete(draftOrder(m), "id") }},
		{"the draft has another id", "context.selections[0]", func(m map[string]any) { draftOrder(m)["id"] = "upa-9" }},
		{"a Medication entry", "context.selections[0]", func(m map[string]any) {
			d := ctx(m)["draftOrders"].(map[string]any)
			d["entry"] = append(d["entry"].([]any), map[string]any{"resource": map[string]any{"resourceType": "Medication", "id": "med", "code": coding(rxnorm, "2196092")}})
			ctx(m)["selections"] = []any{"Medication/med"}
		}},
		{"draftOrders without entries", "context.selections[0]", func(m map[string]any) { ctx(m)["draftOrders"].(map[string]any)["entry"] = []any{} }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := s.do(t, "POST", "/cds-services/order-select", edit(t, upa, tc.f))
			requireRefused(t, rec, 400, rec.Body.String(), tc.where+": names no order of context.draftOrders")
			var oo OperationOutcome
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &oo))
			assert.Equal(t, []string{tc.where}, oo.Issue[0].Expression)
			assert.NotContains(t, rec.Body.String(), "nope", "the selection is not echoed")
		})
	}
	// What is right stays right.
	ok := []struct {
		name string
		f    func(m map[string]any)
	}{
		{"the same selection twice", func(m map[string]any) {
			ctx(m)["selections"] = []any{"MedicationRequest/upa-1", "MedicationRequest/upa-1"}
		}},
		{"the JAK order and another selected", func(m map[string]any) {
			addDraft(m, "amox")
			ctx(m)["selections"] = []any{"MedicationRequest/upa-1", "MedicationRequest/amox"}
		}},
	}
	for _, tc := range ok {
		t.Run(tc.name, func(t *testing.T) {
			rec := s.do(t, "POST", "/cds-services/order-select", edit(t, upa, tc.f))
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			assert.Contains(t, codesOf(checkResponse(t, rec.Body.Bytes())), rules.TBScreeningMissing, "the JAK order was evaluated")
		})
	}
	t.Run("another order selected: the JAK order is not evaluated", func(t *testing.T) {
		rec := s.do(t, "POST", "/cds-services/order-select", edit(t, upa, func(m map[string]any) {
			addDraft(m, "amox")
			ctx(m)["selections"] = []any{"MedicationRequest/amox"}
		}))
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		assert.JSONEq(t, `{"cards":[]}`, rec.Body.String())
	})
	t.Run("order-sign has no selections to check", func(t *testing.T) {
		rec := s.do(t, "POST", "/cds-services/order-sign", edit(t, upa, func(m map[string]any) {
			m["hook"] = "order-sign"
			ctx(m)["selections"] = []any{"MedicationRequest/nope"}
		}))
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		assert.NotEmpty(t, checkResponse(t, rec.Body.Bytes()))
	})
}

// A JAK order whose medicationReference leads nowhere was answered with no
// cards: the medication could not be told, so the order looked like one of
// no interest. It is now a 400 naming the member.
func TestUnresolvedMedicationReferenceRefused(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	const upa = "testdata/requests/order-select-upadacitinib.json"
	// byReference moves the order's medication into a contained Medication
	// "med" and references it as ref.
	byReference := func(ref string, keepContained bool) func(m map[string]any) {
		return func(m map[string]any) {
			o := draftOrder(m)
			if keepContained {
				o["contained"] = []any{map[string]any{"resourceType": "Medication", "id": "med", "code": o["medicationCodeableConcept"]}}
			}
			delete(o, "medicationCodeableConcept")
			o["medicationReference"] = map[string]any{"reference": ref}
		}
	}
	const where = "context.draftOrders.entry[0].resource.medicationReference"
	for name, f := range map[string]func(m map[string]any){
		"#id of no contained Medication": byReference("#nope", true),
		"#id with nothing contained":     byReference("#med", false),
		"a Medication not in the Bundle": byReference("Medication/123", false),
	} {
		t.Run(name, func(t *testing.T) {
			rec := s.do(t, "POST", "/cds-services/order-select", edit(t, upa, f))
			requireRefused(t, rec, 400, rec.Body.String(), where+": names no Medication")
		})
	}
	for name, f := range map[string]func(m map[string]any){
		"#id of the contained Medication": byReference("#med", true),
		"a reference with a display": func(m map[string]any) {
			byReference("Medication/123", false)(m)
			draftOrder(m)["medicationReference"].(map[string]any)["display"] = "upadacitinib 30 MG Extended Release Oral Tablet"
		},
		"a Medication entry of the Bundle": func(m map[string]any) {
			byReference("Medication/med-entry", false)(m)
			d := m["context"].(map[string]any)["draftOrders"].(map[string]any)
			d["entry"] = append(d["entry"].([]any), map[string]any{"resource": map[string]any{"resourceType": "Medication", "id": "med-entry",
				"code": coding(rxnorm, "2196092")}})
		},
	} {
		t.Run(name, func(t *testing.T) {
			rec := s.do(t, "POST", "/cds-services/order-select", edit(t, upa, f))
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			assert.Contains(t, codesOf(checkResponse(t, rec.Body.Bytes())), rules.TBScreeningMissing, "the JAK order was evaluated")
		})
	}
	t.Run("an order whose drug is not chosen yet is still no card", func(t *testing.T) {
		rec := s.do(t, "POST", "/cds-services/order-select", edit(t, upa, func(m map[string]any) { delete(draftOrder(m), "medicationCodeableConcept") }))
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		assert.JSONEq(t, `{"cards":[]}`, rec.Body.String())
	})
}

// A key that could not be read (an OperationOutcome, junk, an unreachable
// next page) was said only on the cards of other findings: when the
// readable data gave none, the answer was {"cards": []}, though the
// conditions (active TB, hepatitis, cancer) were never looked at. Now a
// warning card names what could not be checked.
func TestUnavailableDataIsAlwaysSaid(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	clean := orderRequest(t, cleanRecord(), "upadacitinib", 15)
	rec := s.do(t, "POST", "/cds-services/order-sign", clean)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.JSONEq(t, `{"cards":[]}`, rec.Body.String(), "the clean record has nothing to say")

	with := func(key string, v any) []byte {
		var m map[string]any
		require.NoError(t, json.Unmarshal(clean, &m))
		m["prefetch"].(map[string]any)[key] = v
		b, err := json.Marshal(m)
		require.NoError(t, err)
		return b
	}
	oo := map[string]any{"resourceType": "OperationOutcome", "issue": []any{map[string]any{"severity": "error", "code": "exception"}}}
	for name, body := range map[string][]byte{
		"an OperationOutcome": with("conditions", oo),
		"a Bundle of failures": with("conditions", map[string]any{"resourceType": "Bundle", "type": "searchset",
			"entry": []any{map[string]any{"resource": oo, "search": map[string]any{"mode": "outcome"}}}}),
		"a string":                with("conditions", "Condition?patient=p1"),
		"a total without entries": with("conditions", map[string]any{"resourceType": "Bundle", "type": "searchset", "total": 2}),
		"an object with no type":  with("conditions", map[string]any{"entry": []any{}}),
		"a next page not fetched": with("conditions", map[string]any{"resourceType": "Bundle", "type": "searchset", "entry": []any{},
			"link": []any{map[string]any{"relation": "next", "url": "https://ehr.example.org/fhir/Condition?page=2"}}}),
		"absent, no fhirServer": func() []byte {
			var m map[string]any
			require.NoError(t, json.Unmarshal(clean, &m))
			delete(m["prefetch"].(map[string]any), "conditions")
			b, _ := json.Marshal(m)
			return b
		}(),
	} {
		t.Run(name, func(t *testing.T) {
			rec := s.do(t, "POST", "/cds-services/order-sign", body)
			c := onlyDataUnavailable(t, rec)
			assert.Equal(t, "warning", string(c.Indicator))
			assert.Regexp(t, "^Not fully checked for upadacitinib: (some )?conditions could not be read$", c.Summary) // some: a next page not fetched (noise8)
			assert.Contains(t, c.Detail, "Could not be checked: conditions")
			require.NoError(t, cards.Validate(c))
		})
	}
	t.Run("said once, on the cards there are", func(t *testing.T) {
		rec := s.do(t, "POST", "/cds-services/order-sign", with("observations", oo))
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		cs := checkResponse(t, rec.Body.Bytes())
		assert.NotContains(t, codesOf(cs), cards.DataUnavailable, "the screening card already says the labs could not be checked")
		assert.Contains(t, rec.Body.String(), "Could not be checked: lab results")
	})
	t.Run("the outside medication list alone stays as it was (contract 6.1)", func(t *testing.T) {
		rec := s.do(t, "POST", "/cds-services/order-sign", with("medicationStatements", oo))
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		assert.JSONEq(t, `{"cards":[]}`, rec.Body.String())
	})
}

// A malformed entry of a prefetch Bundle (not an object, no resource, no
// resourceType, a code that is no CodeableConcept) is left out and its
// siblings still count; but it was left out silently, so a chart whose
// only active TB diagnosis was malformed answered {"cards": []}. Now a
// warning card says how many entries of which data were not read.
func TestMalformedEntriesAreSaid(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	clean := orderRequest(t, cleanRecord(), "upadacitinib", 15)
	withConditions := func(entries ...any) []byte {
		var m map[string]any
		require.NoError(t, json.Unmarshal(clean, &m))
		c := m["prefetch"].(map[string]any)["conditions"].(map[string]any)
		c["entry"] = append(c["entry"].([]any), entries...)
		b, err := json.Marshal(m)
		require.NoError(t, err)
		return b
	}
	tb := func(code any) map[string]any {
		return map[string]any{"resource": map[string]any{"resourceType": "Condition", "id": "tb", "code": code,
			"clinicalStatus": coding("http://terminology.hl7.org/CodeSystem/condition-clinical", "active"),
			"subject":        map[string]any{"reference": "Patient/p1"}}}
	}
	// The well-formed diagnosis is a contraindication card: what the
	// malformed ones hide.
	rec := s.do(t, "POST", "/cds-services/order-sign", withConditions(tb(coding(sct, "56717001"))))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.NotEmpty(t, checkResponse(t, rec.Body.Bytes()))
	require.NotContains(t, rec.Body.String(), cards.DataUnavailable)

	for name, tc := range map[string]struct {
		body []byte
		says string
	}{
		"the TB code a string":        {withConditions(tb("active tuberculosis")), "Not read: 1 entry of conditions"},
		"a null resource":             {withConditions(map[string]any{"resource": nil}), "Not read: 1 entry of conditions"},
		"an entry that is a string":   {withConditions("Condition/tb"), "Not read: 1 entry of conditions"},
		"a resource without its type": {withConditions(map[string]any{"resource": map[string]any{"id": "tb"}}), "Not read: 1 entry of conditions"},
		"two of them":                 {withConditions("x", map[string]any{"fullUrl": "Condition/tb"}), "Not read: 2 entries of conditions"},
	} {
		t.Run(name, func(t *testing.T) {
			rec := s.do(t, "POST", "/cds-services/order-sign", tc.body)
			c := onlyDataUnavailable(t, rec)
			assert.Equal(t, "Not fully checked for upadacitinib: some conditions could not be read", c.Summary)
			assert.Contains(t, c.Detail, tc.says)
			assert.NotContains(t, rec.Body.String(), "tuberculosis", "the unread value is not echoed")
		})
	}
	t.Run("the siblings still count", func(t *testing.T) {
		var m map[string]any
		require.NoError(t, json.Unmarshal(withConditions("x"), &m))
		c := m["prefetch"].(map[string]any)["conditions"].(map[string]any)
		c["entry"] = append(c["entry"].([]any), tb(coding(sct, "56717001")))
		body, err := json.Marshal(m)
		require.NoError(t, err)
		rec := s.do(t, "POST", "/cds-services/order-sign", body)
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		codes := codesOf(checkResponse(t, rec.Body.Bytes()))
		assert.Contains(t, codes, cards.DataUnavailable)
		assert.Greater(t, len(codes), 1, "the TB diagnosis beside the malformed entry still makes its card: %v", codes)
	})
	t.Run("a fetched page with a malformed entry", func(t *testing.T) {
		const upa = "testdata/requests/order-select-upadacitinib.json"
		full := prefetchOf(t, upa)
		full["conditions"] = json.RawMessage(`{"resourceType":"Bundle","type":"searchset","entry":[{"resource":null}]}`)
		srv := newTestServer(t, serverOpts{noStore: true})
		st := newStubFHIR(t, full)
		withServer(t, srv, st)
		rec := srv.do(t, "POST", "/cds-services/order-select", edit(t, upa, func(m map[string]any) {
			m["fhirServer"] = st.URL + "/fhir"
			delete(m["prefetch"].(map[string]any), "conditions")
		}))
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		assert.Contains(t, codesOf(checkResponse(t, rec.Body.Bytes())), cards.DataUnavailable)
		assert.Contains(t, rec.Body.String(), "Not read: 1 entry of conditions")
		assert.Equal(t, 1, st.count("Condition"))
	})
}

// Every malformed input of this review, and a FHIR server answering HTML,
// 401, a redirect to another host, another patient's Patient and
// MedicationRequests, junk entries or 404, leaves no patient id, name,
// birth date, value, token or JWT in the logs (at debug level), no error
// answer that echoes them, and no 5xx.
func TestAdversarialInputsLogNothingPersonal(t *testing.T) {
	const (
		mark   = "Zyxwvutsrq"
		secret = "tok-SECRET-4711"
		jwtish = "eyJhbGciOiJFUzM4NCJ9"
	)
	fhirSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		typ := strings.Split(strings.TrimPrefix(r.URL.Path, "/fhir/"), "/")[0]
		switch typ {
		case "Condition":
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<html><body>" + mark + " login</body></html>"))
		case "Observation":
			w.Header().Set("WWW-Authenticate", `Bearer error="`+mark+`"`)
			http.Error(w, mark, http.StatusUnauthorized)
		case "Immunization":
			http.Redirect(w, r, "https://"+strings.ToLower(mark)+".invalid/fhir/Immunization?patient="+mark, http.StatusFound)
		case "MedicationRequest":
			w.Header().Set("Content-Type", "application/fhir+json")
			w.Write([]byte(`{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"MedicationRequest","id":"` + mark + `","status":"` + mark + `","subject":{"reference":"Patient/` + mark + `"}}}]}`))
		case "MedicationStatement":
			w.Header().Set("Content-Type", "application/fhir+json")
			w.Write([]byte(`{"resourceType":"Bundle","type":"searchset","entry":["` + mark + `",{"resource":{"resourceType":"MedicationStatement","id":"x","status":7,"note":"` + mark + `"}},{"fullUrl":"` + mark + `"}]}`))
		case "Patient":
			w.Header().Set("Content-Type", "application/fhir+json")
			w.Write([]byte(`{"resourceType":"Patient","id":"` + mark + `","birthDate":"1911-11-11","name":[{"family":"` + mark + `"}]}`))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(fhirSrv.Close)
	var logs syncbuf.Buffer
	s := newTestServer(t, serverOpts{noStore: true})
	s.logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s.echo = s.routes()
	s.fhir = fhir.NewClient(fhir.ClientConfig{QueryTimeout: 2 * time.Second, PageCap: 3}, fhirSrv.Client())

	const upa = "testdata/requests/order-select-upadacitinib.json"
	pf := func(m map[string]any) map[string]any { return m["prefetch"].(map[string]any) }
	ctx := func(m map[string]any) map[string]any { return m["context"].(map[string]any) }
	cases := map[string]func(m map[string]any){
		"selection": func(m map[string]any) { ctx(m)["selections"] = []any{"MedicationRequest/" + mark} },
		"medicationReference": func(m map[string]any) {
			delete(draftOrder(m), "medicationCodeableConcept")
			draftOrder(m)["medicationReference"] = map[string]any{"reference": "#" + mark}
		},
		"draft resourceType":    func(m map[string]any) { draftOrder(m)["resourceType"] = mark },
		"draft subject":         func(m map[string]any) { draftOrder(m)["subject"] = map[string]any{"reference": "Patient/" + mark} },
		"draft authoredOn":      func(m map[string]any) { draftOrder(m)["authoredOn"] = mark },
		"draft status":          func(m map[string]any) { draftOrder(m)["status"] = mark },
		"draft dosage string":   func(m map[string]any) { draftOrder(m)["dosageInstruction"] = mark },
		"prefetch string":       func(m map[string]any) { pf(m)["conditions"] = mark },
		"prefetch entry string": func(m map[string]any) { pf(m)["conditions"].(map[string]any)["entry"] = []any{mark} },
		"prefetch resourceType": func(m map[string]any) {
			pf(m)["conditions"].(map[string]any)["entry"] = []any{map[string]any{"resource": map[string]any{"resourceType": mark}}}
		},
		"prefetch bad code": func(m map[string]any) {
			pf(m)["conditions"].(map[string]any)["entry"] = []any{map[string]any{"resource": map[string]any{"resourceType": "Condition", "id": mark, "code": mark}}}
		},
		"prefetch OO diagnostics": func(m map[string]any) {
			pf(m)["conditions"] = map[string]any{"resourceType": "OperationOutcome", "issue": []any{map[string]any{"severity": "error", "code": "exception", "diagnostics": mark}}}
		},
		"prefetch next link": func(m map[string]any) {
			pf(m)["conditions"].(map[string]any)["link"] = []any{map[string]any{"relation": "next", "url": "https://" + mark + ".invalid/fhir/Condition?patient=" + mark}}
		},
		"patient other id":     func(m map[string]any) { pf(m)["patient"].(map[string]any)["id"] = mark },
		"birthDate":            func(m map[string]any) { pf(m)["patient"].(map[string]any)["birthDate"] = mark },
		"patient name":         func(m map[string]any) { pf(m)["patient"].(map[string]any)["name"] = mark },
		"fallback everything":  func(m map[string]any) { delete(m, "prefetch") },
		"fallback conditions":  func(m map[string]any) { delete(pf(m), "conditions"); delete(pf(m), "observations") },
		"fallback patient":     func(m map[string]any) { delete(pf(m), "patient") },
		"fhirServer with mark": func(m map[string]any) { m["fhirServer"] = "https://" + mark + ".invalid/fhir"; delete(m, "prefetch") },
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			logs.Take() // this case's lines only
			body := edit(t, upa, func(m map[string]any) {
				m["fhirServer"] = fhirSrv.URL + "/fhir"
				m["fhirAuthorization"] = map[string]any{"access_token": secret, "token_type": "Bearer", "expires_in": 300, "scope": "patient/*.read", "subject": "x"}
				f(m)
			})
			rec := s.do(t, "POST", "/cds-services/order-select", body, "Authorization", "Bearer "+jwtish+".eyJpc3MiOiJ4In0.c2ln")
			assert.Less(t, rec.Code, 500, rec.Body.String())
			out := logs.String()
			for _, leak := range []string{mark, strings.ToLower(mark), secret, "pt-upa", "1911-11-11", jwtish} {
				assert.NotContains(t, out, leak, "logs (answer %d)", rec.Code)
			}
			if rec.Code != http.StatusOK {
				assert.NotContains(t, rec.Body.String(), mark, "an error does not echo the input")
			}
		})
	}
}

// The FHIR fallback failing for a key no finding reads (HTML with 200, 401,
// 403, 404, 500, a redirect to another host, a page about another patient)
// answered {"cards": []} for a clean chart; the data-unavailable card now
// says the conditions were not checked.
func TestFallbackFailuresAreSaid(t *testing.T) {
	other := `{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"Condition","id":"c",` +
		`"code":{"coding":[{"system":"http://snomed.info/sct","code":"56717001"}]},"subject":{"reference":"Patient/someone-else"}}}]}`
	for name, h := range map[string]http.HandlerFunc{
		"HTML with 200": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<html>sign in</html>"))
		},
		"401": func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusUnauthorized) },
		"403": func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusForbidden) },
		"404": func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) },
		"500": func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", http.StatusInternalServerError) },
		"redirect to another host": func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://elsewhere.invalid/fhir/Condition", http.StatusFound)
		},
		// The review of December 2026: a page whose OperationOutcome says
		// the results are incomplete ("too-costly").
		"results said incomplete": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/fhir+json")
			w.Write([]byte(`{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"OperationOutcome",` +
				`"issue":[{"severity":"error","code":"too-costly"}]},"search":{"mode":"outcome"}},{"resource":{"resourceType":"Condition","id":"ad",` +
				`"code":{"coding":[{"system":"http://snomed.info/sct","code":"24079001"}]},"subject":{"reference":"Patient/p1"}}}]}`))
		},
		"another patient's conditions": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/fhir+json")
			w.Write([]byte(other))
		},
	} {
		t.Run(name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls.Add(1); h(w, r) }))
			defer srv.Close()
			s := newTestServer(t, serverOpts{noStore: true})
			s.fhir = fhir.NewClient(fhir.ClientConfig{QueryTimeout: 2 * time.Second, PageCap: 3}, srv.Client())
			var m map[string]any
			require.NoError(t, json.Unmarshal(orderRequest(t, cleanRecord(), "upadacitinib", 15), &m))
			m["fhirServer"] = srv.URL + "/fhir"
			delete(m["prefetch"].(map[string]any), "conditions")
			body, err := json.Marshal(m)
			require.NoError(t, err)
			rec := s.do(t, "POST", "/cds-services/order-sign", body)
			c := onlyDataUnavailable(t, rec)
			assert.Contains(t, c.Detail, "Could not be checked: conditions")
			assert.NotContains(t, rec.Body.String(), "someone-else")
			assert.EqualValues(t, 1, calls.Load(), "the conditions query was made once, no redirect followed")
		})
	}
}

// FHIR resource types are case-sensitive, and one spelt in another case (or
// no type name at all: "#x", "MedicationRequest/1") was ignored as an
// unknown type: a draft "Medicationrequest" for upadacitinib
// answered {"cards": []} on order-sign, a "condition" holding active TB was
// passed over silently. The first is a 400, the second a malformed entry.
func TestMiscasedResourceTypes(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	const upa = "testdata/requests/order-select-upadacitinib.json"
	for _, typ := range []string{"Medicationrequest", "medicationrequest", "MEDICATIONREQUEST", "serviceRequest", "MedicationRequest/1", "#x", "2026-12-01", "Medication Request"} {
		t.Run(typ, func(t *testing.T) {
			rec := s.do(t, "POST", "/cds-services/order-sign", edit(t, upa, func(m map[string]any) {
				m["hook"] = "order-sign"
				delete(m["context"].(map[string]any), "selections")
				draftOrder(m)["resourceType"] = typ
			}))
			requireRefused(t, rec, 400, rec.Body.String(), "context.draftOrders.entry[0].resource.resourceType: not a FHIR resource type")
		})
	}
	t.Run("unknown types in draftOrders are still passed over", func(t *testing.T) {
		rec := s.do(t, "POST", "/cds-services/order-sign", edit(t, upa, func(m map[string]any) {
			m["hook"] = "order-sign"
			delete(m["context"].(map[string]any), "selections")
			d := m["context"].(map[string]any)["draftOrders"].(map[string]any)
			d["entry"] = append(d["entry"].([]any), map[string]any{"resource": map[string]any{"resourceType": "NutritionOrder", "id": "n"}})
		}))
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		assert.Contains(t, codesOf(checkResponse(t, rec.Body.Bytes())), rules.TBScreeningMissing)
	})
	t.Run("a miscased prefetch resource is said", func(t *testing.T) {
		var m map[string]any
		require.NoError(t, json.Unmarshal(orderRequest(t, cleanRecord(), "upadacitinib", 15), &m))
		c := m["prefetch"].(map[string]any)["conditions"].(map[string]any)
		c["entry"] = append(c["entry"].([]any), map[string]any{"resource": map[string]any{"resourceType": "condition", "id": "tb",
			"code": coding(sct, "56717001"), "subject": map[string]any{"reference": "Patient/p1"}}})
		body, err := json.Marshal(m)
		require.NoError(t, err)
		rec := s.do(t, "POST", "/cds-services/order-sign", body)
		assert.Contains(t, onlyDataUnavailable(t, rec).Detail, "Not read: 1 entry of conditions")
	})
}

// An interacting order (tofacitinib) on a chart whose upadacitinib course
// entry is malformed answered {"cards": []}: the course was left out and
// nothing said so. Now the data-unavailable card says which medication
// entries were not read.
func TestInteractingOrderWithMalformedCourse(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	rec := s.do(t, "POST", "/cds-services/order-sign", readFile(t, sandboxSignTofacitinib))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Contains(t, codesOf(checkResponse(t, rec.Body.Bytes())), "combination-jak", "the well-formed course is found")

	for name, f := range map[string]func(r map[string]any){
		"status a number":  func(r map[string]any) { r["status"] = 7 },
		"subject a string": func(r map[string]any) { r["subject"] = "Patient/x" },
		"coding display a number": func(r map[string]any) {
			r["medicationCodeableConcept"].(map[string]any)["coding"].([]any)[0].(map[string]any)["display"] = 0
		},
		// FHIR R5's CodeableReference: read as R4 it named no drug, and the
		// course was not found (fail-safe review, December 2026).
		"the drug in R5's medication": func(r map[string]any) {
			r["medication"] = map[string]any{"concept": r["medicationCodeableConcept"]}
			delete(r, "medicationCodeableConcept")
		},
	} {
		t.Run(name, func(t *testing.T) {
			rec := s.do(t, "POST", "/cds-services/order-sign", edit(t, sandboxSignTofacitinib, func(m map[string]any) { f(upadacitinibEntry(m)) }))
			c := onlyDataUnavailable(t, rec)
			assert.Contains(t, c.Detail, "Not read: 1 entry of medications")
		})
	}
}

// A birth date after today was read as an age under 12: an adult with a
// mistyped birth year got "Do not start: not approved under 12 years of
// age". It is unknown instead, and the age rules say they could not run.
func TestBirthDateInTheFuture(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	for _, born := range []string{"2099-01-01", testNow.AddDate(0, 0, 1).Format("2006-01-02")} {
		t.Run(born, func(t *testing.T) {
			rec := s.do(t, "POST", "/cds-services/order-sign", orderRequest(t, cleanRecord().born(born), "upadacitinib", 15))
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			codes := codesOf(checkResponse(t, rec.Body.Bytes()))
			assert.Contains(t, codes, rules.AgeUnknown)
			assert.NotContains(t, codes, rules.AgeNotApproved)
		})
	}
	t.Run("born today is an age", func(t *testing.T) {
		rec := s.do(t, "POST", "/cds-services/order-sign", orderRequest(t, cleanRecord().born(testNow.Format("2006-01-02")), "upadacitinib", 15))
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		assert.Contains(t, codesOf(checkResponse(t, rec.Body.Bytes())), rules.AgeNotApproved)
	})
}

// An order-select with "selections": [] selected nothing (CDS Hooks: 1..*):
// it evaluated nothing and answered {"cards": []} for the JAK order in
// draftOrders. It is refused like a missing selections, naming the member.
func TestEmptySelectionsRefused(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	rec := s.do(t, "POST", "/cds-services/order-select", edit(t, "testdata/requests/order-select-upadacitinib.json", func(m map[string]any) {
		m["context"].(map[string]any)["selections"] = []any{}
	}))
	requireRefused(t, rec, 400, rec.Body.String(), "context.selections is empty")
	var oo OperationOutcome
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &oo))
	assert.Equal(t, []string{"context.selections"}, oo.Issue[0].Expression)
	// order-sign has no selections: an empty one there changes nothing.
	rec = s.do(t, "POST", "/cds-services/order-sign", edit(t, "testdata/requests/order-sign-abrocitinib.json", func(m map[string]any) {
		m["context"].(map[string]any)["selections"] = []any{}
	}))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.NotEmpty(t, checkResponse(t, rec.Body.Bytes()))
}

// onlyDataUnavailable checks that rec answered 200 with one card, the
// data-unavailable card of its own, and returns it.
func onlyDataUnavailable(t *testing.T, rec *httptest.ResponseRecorder) cards.Card {
	t.Helper()
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	cs := checkResponse(t, rec.Body.Bytes())
	require.Len(t, cs, 1, rec.Body.String())
	assert.Equal(t, []string{cards.DataUnavailable}, cs[0].Findings())
	return cs[0]
}
