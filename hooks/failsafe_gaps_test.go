package hooks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/internal/syncbuf"
	"jakguard/rules"
)

// The gaps of the pre-go-live fail-safe review (December 2026): requests a
// hospital's EHR may well send that were answered as if they were fine.

// signWith is an order-sign call for upadacitinib 15 mg on the clean
// record without its IGRA (so the answer has a tb-screening-missing card
// when the order is evaluated), with f applied.
func signWith(t *testing.T, f func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(orderRequest(t, cleanRecord().drop("igra"), "upadacitinib", 15), &m))
	f(m)
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return b
}

func prefetchKey(m map[string]any, key string) map[string]any {
	return m["prefetch"].(map[string]any)[key].(map[string]any)
}

func draftsOf(m map[string]any) map[string]any {
	return m["context"].(map[string]any)["draftOrders"].(map[string]any)
}

// appendEntry adds e to the Bundle of prefetch key.
func appendEntry(m map[string]any, key string, e any) {
	b := prefetchKey(m, key)
	entries, _ := b["entry"].([]any)
	b["entry"] = append(entries, e)
}

// A reference "Patient/other/" or "Patient/other/_history" names patient
// "other" as surely as "Patient/other": it was passed over as naming no
// patient, and another patient's active tuberculosis (or any other data)
// was evaluated as the context patient's. Every key, and the draft order.
func TestAnotherPatientInAnyReferenceForm(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	tb := func(subject string) res {
		r := condition("tb", sct, "56717001", "active")
		r["subject"] = res{"reference": subject}
		return r
	}
	forms := []string{"Patient/someone-else/", "Patient/someone-else/_history", "https://ehr.example.org/fhir/Patient/someone-else/"}
	for _, ref := range forms {
		cases := []struct {
			key string
			f   func(m map[string]any)
		}{
			{"conditions", func(m map[string]any) { appendEntry(m, "conditions", res{"resource": tb(ref)}) }},
			{"observations", func(m map[string]any) {
				appendEntry(m, "observations", res{"resource": with(obsQty("hgb2", "718-7", 7.1, "g/dL", ago(3)), "subject", res{"reference": ref})})
			}},
			{"immunizations", func(m map[string]any) {
				appendEntry(m, "immunizations", res{"resource": with(immunization("rzv2", "187", ago(10)), "patient", res{"reference": ref})})
			}},
			{"medications", func(m map[string]any) {
				appendEntry(m, "medications", res{"resource": with(med("tofa", "active", "", "", "tofacitinib 5 MG Oral Tablet", 20), "subject", res{"reference": ref})})
			}},
			{"medicationStatements", func(m map[string]any) {
				appendEntry(m, "medicationStatements", res{"resource": with(stmt("s1", "active", "", "", "ibuprofen", 10), "subject", res{"reference": ref})})
			}},
			{"context.draftOrders.entry[0].resource.subject", func(m map[string]any) {
				draftsOf(m)["entry"].([]any)[0].(map[string]any)["resource"].(map[string]any)["subject"] = res{"reference": ref}
			}},
		}
		for _, tc := range cases {
			t.Run(ref+" "+tc.key, func(t *testing.T) {
				rec := s.do(t, "POST", "/cds-services/order-sign", signWith(t, tc.f))
				where := tc.key
				if !strings.HasPrefix(where, "context.") {
					where = "prefetch." + where
				}
				requireRefused(t, rec, http.StatusBadRequest, rec.Body.String(), where)
				assert.NotContains(t, rec.Body.String(), "someone-else")
			})
		}
	}
	// The context patient in the same forms is the context patient.
	for _, ref := range []string{"Patient/p1/", "Patient/p1/_history", "https://ehr.example.org/fhir/Patient/p1/_history/3"} {
		t.Run(ref+" is the patient", func(t *testing.T) {
			rec := s.do(t, "POST", "/cds-services/order-sign", signWith(t, func(m map[string]any) {
				appendEntry(m, "conditions", res{"resource": tb(ref)})
				draftsOf(m)["entry"].([]any)[0].(map[string]any)["resource"].(map[string]any)["subject"] = res{"reference": ref}
			}))
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			requireFinding(t, checkResponse(t, rec.Body.Bytes()), rules.TBActive, "critical")
		})
	}
}

// A selection with spaces around it ("MedicationRequest/new ") passed the
// check that it names a draft order (which trims it) but selected nothing
// (which did not): the JAK order was answered {"cards": []}.
func TestSelectionsWithSpacesSelect(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	for _, sel := range []string{"MedicationRequest/new", " MedicationRequest/new", "MedicationRequest/new ", "\tMedicationRequest/new\n"} {
		t.Run(sel, func(t *testing.T) {
			rec := s.do(t, "POST", "/cds-services/order-select", signWith(t, func(m map[string]any) {
				m["hook"] = HookOrderSelect
				m["context"].(map[string]any)["selections"] = []any{sel}
			}))
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			assert.Contains(t, codesOf(checkResponse(t, rec.Body.Bytes())), rules.TBScreeningMissing)
		})
	}
}

// Orders jakguard cannot read must not look like no order at all: a
// Bundle inside draftOrders, a DSTU2 MedicationOrder, an R5
// MedicationRequest (its drug in "medication"), a MedicationRequest
// or ServiceRequest contained in a RequestGroup or CarePlan were passed
// over as resource types no rule reads, and the upadacitinib order they
// held answered {"cards": []}. They answer 400 naming the member.
func TestHiddenDraftOrdersRefused(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	order := func(m map[string]any) map[string]any {
		return draftsOf(m)["entry"].([]any)[0].(map[string]any)["resource"].(map[string]any)
	}
	wrap := func(r res) func(m map[string]any) {
		return func(m map[string]any) {
			r["contained"] = []any{res{"resourceType": "Medication", "id": "m", "code": res{"text": "x"}}, order(m)}
			draftsOf(m)["entry"] = []any{res{"resource": r}}
		}
	}
	cases := []struct {
		name, where string
		f           func(m map[string]any)
	}{
		{"a Bundle inside draftOrders", "context.draftOrders.entry[0].resource.resourceType", func(m map[string]any) {
			draftsOf(m)["entry"] = []any{res{"resource": res{"resourceType": "Bundle", "type": "collection", "entry": []any{res{"resource": order(m)}}}}}
		}},
		{"a DSTU2 MedicationOrder", "context.draftOrders.entry[0].resource.resourceType", func(m map[string]any) { order(m)["resourceType"] = "MedicationOrder" }},
		{"an R5 medication (CodeableReference)", "context.draftOrders.entry[0].resource.medication", func(m map[string]any) {
			order(m)["medication"] = res{"concept": order(m)["medicationCodeableConcept"]}
			delete(order(m), "medicationCodeableConcept")
		}},
		{"a MedicationRequest contained in a RequestGroup", "context.draftOrders.entry[0].resource.contained[1]",
			wrap(res{"resourceType": "RequestGroup", "id": "rg", "status": "draft", "intent": "order"})},
		{"a MedicationRequest contained in a CarePlan", "context.draftOrders.entry[0].resource.contained[1]",
			wrap(res{"resourceType": "CarePlan", "id": "cp", "status": "draft", "intent": "plan"})},
		{"a ServiceRequest contained in a RequestGroup", "context.draftOrders.entry[1].resource.contained[0]", func(m map[string]any) {
			draftsOf(m)["entry"] = append(draftsOf(m)["entry"].([]any), res{"resource": res{"resourceType": "RequestGroup", "id": "rg",
				"contained": []any{res{"resourceType": "ServiceRequest", "id": "sr", "status": "draft", "intent": "order", "code": res{"text": "x"}}}}})
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := s.do(t, "POST", "/cds-services/order-sign", signWith(t, tc.f))
			requireRefused(t, rec, http.StatusBadRequest, rec.Body.String(), tc.where)
			assert.NotContains(t, rec.Body.String(), "RequestGroup", "the input is not echoed")
		})
	}
	t.Run("other resources beside the orders are still passed over", func(t *testing.T) {
		rec := s.do(t, "POST", "/cds-services/order-sign", signWith(t, func(m map[string]any) {
			draftsOf(m)["entry"] = append(draftsOf(m)["entry"].([]any),
				res{"resource": res{"resourceType": "RequestGroup", "id": "rg", "contained": []any{res{"resourceType": "Medication", "id": "m"}}}},
				res{"resource": res{"resourceType": "NutritionOrder", "id": "n", "contained": "not even an array"}})
		}))
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		assert.Contains(t, codesOf(checkResponse(t, rec.Body.Bytes())), rules.TBScreeningMissing)
	})
}

// Prefetch data that is there but cannot be read is said, not taken for
// "no data": a Bundle inside a Bundle (a batch-response of searches), the
// failed request of a batch-response, an order whose drug is given only as
// FHIR R5 writes it, a search whose OperationOutcome says its results are
// incomplete, and a searchset whose total promises
// more entries than it holds with no next link (a page cut short). Each
// left an active-TB diagnosis, or all conditions, unread and answered
// {"cards": []} for a clean chart.
func TestUnreadablePrefetchDataSaid(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	tb := condition("tb", sct, "56717001", "active")
	cases := []struct {
		name, says string
		f          func(m map[string]any)
	}{
		{"a Bundle inside a Bundle", "Not read: 1 entry of conditions", func(m map[string]any) {
			appendEntry(m, "conditions", res{"resource": bundleOf([]res{tb}), "response": res{"status": "200 OK"}})
		}},
		{"a failed batch request", "Not read: 1 entry of conditions", func(m map[string]any) {
			appendEntry(m, "conditions", res{"response": res{"status": "500 Internal Server Error"}})
		}},
		{"a batch request without a status", "Not read: 1 entry of conditions", func(m map[string]any) {
			appendEntry(m, "conditions", res{"response": res{"location": "Condition/1"}})
		}},
		{"an R5 medication (CodeableReference)", "Not read: 1 entry of medications", func(m map[string]any) {
			appendEntry(m, "medications", res{"resource": res{"resourceType": "MedicationRequest", "id": "r5", "status": "active", "intent": "order",
				"subject": res{"reference": "Patient/p1"}, "medication": res{"concept": res{"text": "tofacitinib 5 MG Oral Tablet"}}}})
		}},
		{"an error beside the results saying they are incomplete", "Could not be checked: conditions", func(m map[string]any) {
			appendEntry(m, "conditions", res{"resource": res{"resourceType": "OperationOutcome",
				"issue": []any{res{"severity": "error", "code": "incomplete"}}}, "search": res{"mode": "outcome"}})
		}},
		{"total beyond the entries, no next link", "Could not be checked: conditions", func(m map[string]any) {
			prefetchKey(m, "conditions")["total"] = 2
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var m map[string]any
			require.NoError(t, json.Unmarshal(orderRequest(t, cleanRecord(), "upadacitinib", 15), &m))
			tc.f(m)
			body, err := json.Marshal(m)
			require.NoError(t, err)
			c := onlyDataUnavailable(t, s.do(t, "POST", "/cds-services/order-sign", body))
			assert.Contains(t, c.Detail, tc.says)
		})
	}
	for name, f := range map[string]func(m map[string]any){
		"a successful batch request without a resource": func(m map[string]any) {
			appendEntry(m, "conditions", res{"response": res{"status": "201 Created"}})
		},
		"total equal to the entries": func(m map[string]any) { prefetchKey(m, "conditions")["total"] = 1 },
		"total below the entries (an included resource)": func(m map[string]any) {
			appendEntry(m, "conditions", res{"resource": res{"resourceType": "Encounter", "id": "e1", "status": "finished"}, "search": res{"mode": "include"}})
			prefetchKey(m, "conditions")["total"] = 1
		},
	} {
		t.Run(name+" is no gap", func(t *testing.T) {
			var m map[string]any
			require.NoError(t, json.Unmarshal(orderRequest(t, cleanRecord(), "upadacitinib", 15), &m))
			f(m)
			body, err := json.Marshal(m)
			require.NoError(t, err)
			rec := s.do(t, "POST", "/cds-services/order-sign", body)
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			assert.Empty(t, checkResponse(t, rec.Body.Bytes()))
		})
	}
}

// Arrays inside one resource cost memory by their elements, not their
// bytes: 8 MiB of "dosageInstruction":[{},{},...] in one draft order took
// 1.1 GiB and 11 s, of codings 690 MiB, of an Observation's components
// with a code 95 s (each component copied the codes of all before it).
// The JSON objects of the resources decoded in one call are bounded
// (fhir.MaxObjects, 413 past it); within the bound memory and time stay
// within contract 6.6's.
func TestInnerArraysBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("sends bodies of 8 MiB")
	}
	const limit = 8 << 20
	s := newTestServer(t, serverOpts{noStore: true})
	s.fhir = nil
	order := func(member string) string {
		return `{"resource":{"resourceType":"MedicationRequest","id":"upa","status":"draft","intent":"order","subject":{"reference":"Patient/p1"},` +
			`"medicationCodeableConcept":{"text":"Rinvoq 30 mg"},` + member + `}}`
	}
	prefetchMed := func(member string) string {
		return `,"medications":{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"MedicationRequest","status":"active","intent":"order",` +
			`"medicationCodeableConcept":{"text":"Rinvoq 15 mg"},` + member + `}}]}`
	}
	component := `{"code":{"coding":[{"system":"http://loinc.org","code":"718-7"}]}}`
	routeCoding := `{"display":"Topical route"}`
	components := func(size int) string {
		return fill(size, `,"observations":{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Observation","status":"final","code":{"text":"panel"},"component":[`,
			component, ",", `]}}]}`)
	}
	under := 195_000 * 3 // just under fhir.MaxObjects empty objects
	cases := []boundedCase{
		{"8 MiB of empty dosage instructions in a draft order", attackBody("", order(fill(limit, `"dosageInstruction":[`, `{}`, ",", `]`))), 413},
		{"8 MiB of empty codings in a draft order", attackBody("", order(fill(limit, `"code":{"coding":[`, `{}`, ",", `]}`))), 413},
		{"8 MiB of empty contained resources in a draft order", attackBody("", order(fill(limit, `"medicationReference":{"reference":"#m"},"contained":[`, `{}`, ",", `]`))), 413},
		{"8 MiB of empty dosage instructions in a prefetch order", attackBody(prefetchMed(fill(limit, `"dosageInstruction":[`, `{}`, ",", `]`)), ""), 413},
		{"8 MiB of components with a code", attackBody(components(limit), ""), 413},
		{"195,000 empty dosage instructions in a draft and in a prefetch order", attackBody(prefetchMed(fill(under, `"dosageInstruction":[`, `{}`, ",", `]`)),
			order(fill(under, `"dosageInstruction":[`, `{}`, ",", `]`))), 200},
		{"40,000 components with a code", attackBody(components(40_000*(len(component)+1)), ""), 200},
		// The route's displays are joined once (status review), not one string per coding.
		{"150,000 route codings with a display in a prefetch order", attackBody(prefetchMed(fill(150_000*(len(routeCoding)+1), `"dosageInstruction":[{"route":{"coding":[`, routeCoding, ",", `]}}]`)), ""), 200},
	}
	checkBounded(t, s, limit, cases)
}

// The new refusals and skips log nothing of the patient, and hookInstance,
// logged with every call, is cut: a body-sized one made a log line of
// megabytes.
func TestGapsLogNothingPersonal(t *testing.T) {
	const mark = "Zyxwvutsrq"
	var logs syncbuf.Buffer
	s := newTestServer(t, serverOpts{noStore: true})
	s.logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s.echo = s.routes()
	s.fhir = nil
	order := func(m map[string]any) map[string]any {
		return draftsOf(m)["entry"].([]any)[0].(map[string]any)["resource"].(map[string]any)
	}
	cases := map[string]func(m map[string]any){
		"nested draft Bundle": func(m map[string]any) {
			order(m)["note"] = []any{res{"text": mark}}
			draftsOf(m)["entry"] = []any{res{"resource": res{"resourceType": "Bundle", "id": mark, "entry": []any{res{"resource": order(m)}}}}}
		},
		"contained order": func(m map[string]any) {
			draftsOf(m)["entry"] = []any{res{"resource": res{"resourceType": "RequestGroup", "id": mark, "contained": []any{order(m)}}}}
		},
		"MedicationOrder": func(m map[string]any) { order(m)["resourceType"], order(m)["id"] = "MedicationOrder", mark },
		"another patient": func(m map[string]any) {
			appendEntry(m, "conditions", res{"resource": with(condition(mark, sct, "56717001", "active"), "subject", res{"reference": "Patient/" + mark + "/"})})
		},
		"nested prefetch Bundle": func(m map[string]any) {
			appendEntry(m, "conditions", res{"resource": res{"resourceType": "Bundle", "id": mark}, "response": res{"status": "200 " + mark}})
		},
		"failed batch request": func(m map[string]any) {
			appendEntry(m, "conditions", res{"response": res{"status": "500 " + mark, "location": "Patient/" + mark}})
		},
		"cut-short search":  func(m map[string]any) { prefetchKey(m, "conditions")["total"] = 99 },
		"long hookInstance": func(m map[string]any) { m["hookInstance"] = strings.Repeat("h", 1<<20) + mark },
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			logs.Take() // this case's lines only
			rec := s.do(t, "POST", "/cds-services/order-sign", signWith(t, func(m map[string]any) {
				m["context"].(map[string]any)["patientId"] = "p1"
				m["prefetch"].(map[string]any)["patient"].(map[string]any)["name"] = []any{res{"family": mark}}
				f(m)
			}))
			assert.Less(t, rec.Code, 500, rec.Body.String())
			out := logs.String()
			assert.NotContains(t, out, mark)
			assert.Less(t, len(out), 8<<10, "log lines are bounded")
			if rec.Code != http.StatusOK {
				assert.NotContains(t, rec.Body.String(), mark, "an error does not echo the input")
			}
		})
	}
}

// Each order evaluated makes a card of some kilobytes: 8,000 upadacitinib
// orders in a body of 1.4 MiB took 6.3 s and 560 MiB and answered 138 MiB,
// and 8 MiB holds 45,000. More than maxEvaluatedOrders orders to evaluate
// (JAK inhibitors and orders that interact with them; other drafts do not
// count) answer 413 at once.
func TestEvaluatedOrdersBounded(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	s.fhir = nil
	// withDrafts replaces the draft orders of base by n copies of its first
	// for drug, and others amoxicillin orders.
	withDrafts := func(base []byte, n int, drug string, others int) []byte {
		var m map[string]any
		require.NoError(t, json.Unmarshal(base, &m))
		d := draftsOf(m)
		first := d["entry"].([]any)[0].(map[string]any)["resource"].(map[string]any)
		entries := []any{}
		for i := range n {
			o := map[string]any{}
			for k, v := range first {
				o[k] = v
			}
			o["id"] = fmt.Sprintf("o%d", i)
			o["medicationCodeableConcept"] = res{"text": drug}
			entries = append(entries, res{"resource": o})
		}
		d["entry"] = entries
		for i := range others {
			addDraft(m, fmt.Sprintf("amox%d", i))
		}
		b, err := json.Marshal(m)
		require.NoError(t, err)
		return b
	}
	upa, tofa := signWith(t, func(map[string]any) {}), readFile(t, sandboxSignTofacitinib)
	const upaText, tofaText = "upadacitinib 15 MG Extended Release Oral Tablet", "tofacitinib 5 MG Oral Tablet"
	cases := []struct {
		name       string
		base       []byte
		drug, want string // want: the finding on every order's card
		n, others  int
	}{
		{"99 upadacitinib orders", upa, upaText, rules.TBScreeningMissing, maxEvaluatedOrders - 1, 0},
		{"100 upadacitinib orders and 500 others", upa, upaText, rules.TBScreeningMissing, maxEvaluatedOrders, 500},
		{"101 upadacitinib orders", upa, upaText, "", maxEvaluatedOrders + 1, 0},
		{"8,000 upadacitinib orders", upa, upaText, "", 8000, 0},
		{"100 tofacitinib orders for a patient on upadacitinib", tofa, tofaText, "combination-jak", maxEvaluatedOrders, 0},
		{"101 tofacitinib orders for a patient on upadacitinib", tofa, tofaText, "", maxEvaluatedOrders + 1, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := withDrafts(tc.base, tc.n, tc.drug, tc.others)
			sampler := sampleHeap()
			start := time.Now()
			req := httptest.NewRequest(http.MethodPost, "/cds-services/order-sign", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			took := time.Since(start)
			peak := sampler.peak()
			if tc.want != "" {
				require.Equal(t, http.StatusOK, rec.Code, "%.300s", rec.Body.String())
				var resp Response
				require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &resp))
				n := 0
				for _, c := range resp.Cards {
					if slices.Contains(c.Findings(), tc.want) {
						n++
					}
				}
				assert.Equal(t, tc.n, n, "a card with %s for every order", tc.want)
				return
			}
			requireRefused(t, rec, http.StatusRequestEntityTooLarge, rec.Body.String(), fmt.Sprintf("more than %d", maxEvaluatedOrders))
			assert.Less(t, took, time.Second)
			assert.Less(t, peak, uint64(64<<20))
		})
	}
}

// An interacting order (tofacitinib) for a patient whose upadacitinib
// course is in what could be read of the medications, while the
// medication list as a whole could not be had (a search cut short, with
// no fhirServer to fetch the rest; the orders' key unusable and the
// course on the outside medication list), answered {"cards": []}: the
// course was not looked for. It is judged from what was read, and the
// data-unavailable card says the medications were not all read. With no
// course in what was read, the answer stays no cards (whether there is one
// cannot be told; a card on every such order would be noise).
func TestInteractingOrderCourseFromWhatWasRead(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	s.fhir = nil
	cutShort := func(m map[string]any) {
		meds := prefetchKey(m, "medications")
		meds["total"] = len(meds["entry"].([]any)) + 5
	}
	toStatements := func(m map[string]any) {
		r := upadacitinibEntry(m)
		r["resourceType"] = "MedicationStatement"
		r["effectiveDateTime"] = r["authoredOn"]
		r["dosage"] = r["dosageInstruction"]
		for _, k := range []string{"authoredOn", "intent", "dosageInstruction"} {
			delete(r, k)
		}
		m["prefetch"].(map[string]any)["medicationStatements"] = bundleOf([]res{r})
		m["prefetch"].(map[string]any)["medications"] = res{"resourceType": "OperationOutcome",
			"issue": []any{res{"severity": "error", "code": "timeout"}}}
	}
	for name, f := range map[string]func(m map[string]any){
		"medications cut short":                     cutShort,
		"the course on the outside medication list": toStatements,
	} {
		t.Run(name, func(t *testing.T) {
			rec := s.do(t, "POST", "/cds-services/order-sign", edit(t, sandboxSignTofacitinib, func(m map[string]any) {
				delete(m, "fhirServer")
				f(m)
			}))
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			cs := checkResponse(t, rec.Body.Bytes())
			codes := codesOf(cs)
			assert.Contains(t, codes, "combination-jak")
			require.Contains(t, codes, "data-unavailable")
			for _, c := range cs {
				if slices.Contains(c.Findings(), "data-unavailable") {
					assert.Equal(t, "Not fully checked for upadacitinib: medications could not be read", c.Summary)
					assert.Contains(t, c.Detail, "Could not be checked: medications")
				}
			}
		})
	}
	t.Run("no course in what was read: no cards", func(t *testing.T) {
		rec := s.do(t, "POST", "/cds-services/order-sign", edit(t, sandboxSignTofacitinib, func(m map[string]any) {
			delete(m, "fhirServer")
			withoutUpadacitinib(m)
			cutShort(m)
		}))
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		assert.Empty(t, checkResponse(t, rec.Body.Bytes()))
	})
}

// patient-view for a patient whose ongoing course is in what could be read
// of the medications (a search cut short with no fhirServer) answered
// {"cards": []}; the course is checked on what was read, and a card says
// the medications could not all be checked (a finding's evidence, or the
// info data-unavailable card). With no course in what was read: no cards,
// as before.
func TestPatientViewCourseFromWhatWasRead(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	s.fhir = nil
	whole := s.do(t, "POST", "/cds-services/patient-view", edit(t, sandboxPatientView, func(m map[string]any) { delete(m, "fhirServer") }))
	require.Equal(t, http.StatusOK, whole.Code, whole.Body.String())
	want := codesOf(checkResponse(t, whole.Body.Bytes()))
	require.NotEmpty(t, want)

	rec := s.do(t, "POST", "/cds-services/patient-view", edit(t, sandboxPatientView, func(m map[string]any) {
		delete(m, "fhirServer")
		prefetchKey(m, "medications")["total"] = 99
	}))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	cs := checkResponse(t, rec.Body.Bytes())
	codes := codesOf(cs)
	for _, code := range want {
		assert.Contains(t, codes, code)
	}
	said := false
	for _, c := range cs {
		said = said || strings.Contains(c.Detail, "Could not be checked: medications")
	}
	assert.True(t, said, "a card says the medications could not all be checked: %s", rec.Body.String())

	t.Run("no course in what was read: no cards", func(t *testing.T) {
		rec := s.do(t, "POST", "/cds-services/patient-view", edit(t, sandboxPatientView, func(m map[string]any) {
			delete(m, "fhirServer")
			meds := prefetchKey(m, "medications")
			meds["entry"], meds["total"] = []any{}, 6
		}))
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		assert.Empty(t, checkResponse(t, rec.Body.Bytes()))
	})
}
