package hooks

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/cards"
	"jakguard/fhir"
	"jakguard/rules"
)

// Fail-safe review 16 (docs/rules.md section 4): another patient's data,
// a JAK order not recognised, a paginated search cut short and cards of
// unbounded size, each posted through the HTTP handler.

// activeTB is an active tuberculosis Condition (critical on every hook).
func activeTB(id string) res { return condition(id, sct, "56717001", "active") }

// hasTBCard reports whether the answer holds a critical active-TB card.
func hasTBCard(cs []cards.Card) bool {
	for _, c := range cs {
		if c.Indicator == "critical" && strings.Contains(c.Summary, "active tuberculosis") {
			return true
		}
	}
	return false
}

// TestFailsafe16NextLinkAnyCase: a FHIR server's or a prefetch Bundle's
// next link whose relation is written "Next", "NEXT" or " next " (link
// relation types are compared without case, RFC 8288) was no next link:
// the search's first page was taken for all of it, and the active
// tuberculosis on page 2 answered {"cards": []}. Page 2 is read now, on
// the fallback search and after a prefetch first page.
func TestFailsafe16NextLinkAnyCase(t *testing.T) {
	tbPage := `{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"Condition","id":"tb",` +
		`"code":{"coding":[{"system":"http://snomed.info/sct","code":"56717001"}]},"clinicalStatus":{"coding":[{"system":` +
		`"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active"}]},"subject":{"reference":"Patient/p1"}}}]}`
	for _, rel := range []string{"next", "Next", "NEXT", " next ", "next\t"} {
		page1 := func(host string) string {
			return fmt.Sprintf(`{"resourceType":"Bundle","type":"searchset","link":[{"relation":%q,"url":"https://%s/fhir/Condition?page=1"}],"entry":[%s]}`,
				rel, host, conditionEntry("a"))
		}
		serve := func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/fhir+json")
			if r.URL.Query().Get("page") == "" {
				fmt.Fprint(w, page1(r.Host))
				return
			}
			fmt.Fprint(w, tbPage)
		}
		t.Run(fmt.Sprintf("fallback search, relation %q", rel), func(t *testing.T) {
			rec := hostileFallback(t, serve, fhir.ClientConfig{MaxBytes: 1 << 20})
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			assert.True(t, hasTBCard(checkResponse(t, rec.Body.Bytes())), "page 2 read: %s", rec.Body.String())
		})
		t.Run(fmt.Sprintf("prefetch first page, relation %q", rel), func(t *testing.T) {
			var host string
			rec := hostileFallback(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/fhir+json")
				fmt.Fprint(w, tbPage) // only page 2 is asked for
			}, fhir.ClientConfig{MaxBytes: 1 << 20}, func(m map[string]any) {
				host = strings.TrimPrefix(strings.TrimSuffix(m["fhirServer"].(string), "/fhir"), "https://")
				m["prefetch"].(map[string]any)["conditions"] = json.RawMessage(page1(host))
			})
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			assert.True(t, hasTBCard(checkResponse(t, rec.Body.Bytes())), "page 2 read: %s", rec.Body.String())
		})
	}
}

// TestFailsafe16PatientMembers: a resource whose subject is null or empty
// beside a DSTU2 "patient" of another patient, an Immunization naming
// another patient in "subject", and a reference written "patient/x" or
// "PATIENT/x" were read as the context patient's: another patient's
// active tuberculosis was a critical card for this one, on every hook.
// Each is a 400 now; the same shapes naming the context patient are read.
func TestFailsafe16PatientMembers(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	tb := func(members ...any) res { return with(activeTB("tb2"), members...) }
	other := res{"reference": "Patient/someone-else"}
	cases := []struct {
		name, key string
		r         res
		refused   bool
	}{
		{"subject null, DSTU2 patient of another", "conditions", tb("subject", nil, "patient", other), true},
		{"subject {}, DSTU2 patient of another", "conditions", tb("subject", res{}, "patient", other), true},
		{"subject by display, DSTU2 patient of another", "conditions", tb("subject", res{"display": "Jane Doe"}, "patient", other), true},
		{"lower-case patient/", "conditions", tb("subject", res{"reference": "patient/someone-else"}), true},
		{"upper-case PATIENT/", "conditions", tb("subject", res{"reference": "PATIENT/someone-else"}), true},
		{"absolute, lower-case type", "conditions", tb("subject", res{"reference": "https://ehr.example.org/fhir/patient/someone-else/_history/2"}), true},
		{"Immunization with subject of another", "immunizations", with(immunization("rzv2", "187", ago(10)), "subject", other), true},
		// Controls: the context patient, in the same shapes.
		{"subject null, DSTU2 patient p1", "conditions", tb("subject", nil, "patient", res{"reference": "Patient/p1"}), false},
		{"subject p1, DSTU2 patient p1", "conditions", tb("subject", res{"reference": "Patient/p1"}, "patient", res{"reference": "Patient/p1"}), false},
		{"lower-case patient/p1", "conditions", tb("subject", res{"reference": "patient/p1"}), false},
		{"subject by identifier only (not judged)", "conditions", tb("subject", res{"identifier": res{"system": "urn:mrn", "value": "1"}}), false},
	}
	hooks := []struct {
		name string
		c    func(r *record) call
	}{
		{"order-sign", func(r *record) call { return sign(r, jakDraft("upadacitinib", 15)) }},
		{"order-select", func(r *record) call {
			return call{hook: HookOrderSelect, r: r, drafts: []res{jakDraft("upadacitinib", 15)}, selections: []string{"MedicationRequest/new"}}
		}},
		{"patient-view", func(r *record) call { return view(r) }},
	}
	for _, tc := range cases {
		for _, h := range hooks {
			t.Run(tc.name+" "+h.name, func(t *testing.T) {
				r := onTx("upadacitinib", 60)
				if tc.key == "conditions" {
					r.conditions = append(r.conditions, tc.r)
				} else {
					r.immunizations = append(r.immunizations, tc.r)
				}
				c := h.c(r)
				rec := s.do(t, "POST", "/cds-services/"+c.service(), c.body(t))
				if tc.refused {
					requireRefused(t, rec, http.StatusBadRequest, rec.Body.String(), "prefetch."+tc.key)
					assert.NotContains(t, rec.Body.String(), "someone-else")
					return
				}
				require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
				if tc.key == "conditions" {
					assert.True(t, hasTBCard(checkResponse(t, rec.Body.Bytes())), rec.Body.String())
				}
			})
		}
	}
	t.Run("a draft order for patient/someone-else", func(t *testing.T) {
		c := sign(cleanRecord(), with(jakDraft("upadacitinib", 15), "subject", res{"reference": "patient/someone-else"}))
		rec := s.do(t, "POST", "/cds-services/order-sign", c.body(t))
		requireRefused(t, rec, http.StatusBadRequest, rec.Body.String(), "context.draftOrders.entry[0].resource.subject")
	})
}

// TestFailsafe16JAKOrderShapes: draft orders of a JAK inhibitor that were
// answered {"cards": []}: a Medication (contained, in draftOrders, or on
// the record) coded by a local code or a compounding text with the drug
// only in Medication.ingredient; a name with the strength written on
// ("UPADACITINIB15MG", "RINVOQ15", "Cibinqo200mg"). A medicationReference
// by identifier alone, with no display, names a drug jakguard cannot read:
// 400, as a reference to a Medication not sent. Each recognised order
// gets the TB screening card of the clean record without its IGRA.
func TestFailsafe16JAKOrderShapes(t *testing.T) {
	ingredient := func(item res, active any) []any {
		ing := res{"itemCodeableConcept": item, "strength": res{"numerator": res{"value": 15, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"},
			"denominator": res{"value": 1, "unit": "tablet"}}}
		if active != nil {
			ing["isActive"] = active
		}
		return []any{ing}
	}
	medication := func(code res, ings []any) res {
		m := res{"resourceType": "Medication", "id": "m1", "ingredient": ings}
		if code != nil {
			m["code"] = code
		}
		return m
	}
	byRef := func(ref res, contained ...res) res {
		d := jakDraft("upadacitinib", 15)
		delete(d, "medicationCodeableConcept")
		d["medicationReference"] = ref
		if len(contained) > 0 {
			d["contained"] = []any{contained[0]}
		}
		return d
	}
	named := func(text string) res {
		return with(jakDraft("upadacitinib", 15), "medicationCodeableConcept", res{"text": text})
	}
	upaIngredient := cc(rxnorm, "2196092", "", "")
	local := cc("http://hospital.example/formulary", "C-1234", "", "")
	compounded := res{"text": "Compounded oral suspension"}
	const tbCode = rules.TBScreeningMissing
	cases := []struct {
		name    string
		drafts  []res
		want    string // a finding code
		where   string // refused, naming this member
		noCards bool
	}{
		{name: "contained Medication, compounding text, ingredient RxNorm", want: tbCode,
			drafts: []res{byRef(res{"reference": "#m1"}, medication(compounded, ingredient(upaIngredient, true)))}},
		{name: "contained Medication, local code, ingredient RxNorm (isActive absent)", want: tbCode,
			drafts: []res{byRef(res{"reference": "#m1"}, medication(local, ingredient(upaIngredient, nil)))}},
		{name: "contained Medication, local code, ingredient by text", want: tbCode,
			drafts: []res{byRef(res{"reference": "#m1"}, medication(local, ingredient(res{"text": "Upadacitinib"}, true)))}},
		{name: "Medication in draftOrders, local code, ingredient RxNorm", want: tbCode,
			drafts: []res{byRef(res{"reference": "Medication/m1"}), medication(local, ingredient(upaIngredient, true))}},
		{name: "Medication in draftOrders, no code, ingredient by itemReference display", want: tbCode,
			drafts: []res{byRef(res{"reference": "Medication/m1"}), medication(nil, []any{res{"itemReference": res{"reference": "Substance/s1", "display": "abrocitinib"}}})}},
		{name: "an inactive ingredient only: no JAK order", noCards: true,
			drafts: []res{byRef(res{"reference": "#m1"}, medication(local, ingredient(upaIngredient, false)))}},
		{name: "UPADACITINIB15MG ER TAB", want: tbCode, drafts: []res{named("UPADACITINIB15MG ER TAB")}},
		{name: "RINVOQ15 tablet", want: tbCode, drafts: []res{named("RINVOQ15 tablet")}},
		{name: "Cibinqo200mg", want: tbCode, drafts: []res{named("Cibinqo200mg")}},
		{name: "a letter on: nonrinvoq (no JAK word)", noCards: true, drafts: []res{named("nonrinvoq 15 mg")}},
		{name: "medicationReference by identifier alone", where: "context.draftOrders.entry[0].resource.medicationReference",
			drafts: []res{byRef(res{"identifier": res{"system": "http://hl7.org/fhir/sid/ndc", "value": "0074-2306-30"}})}},
		{name: "medicationReference by identifier, with a display", want: tbCode,
			drafts: []res{byRef(res{"identifier": res{"system": "http://hl7.org/fhir/sid/ndc", "value": "0074-2306-30"}, "display": "Rinvoq 15 mg"})}},
	}
	s := newTestServer(t, serverOpts{noStore: true})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := sign(cleanRecord().drop("igra"), tc.drafts...)
			rec := s.do(t, "POST", "/cds-services/order-sign", c.body(t))
			if tc.where != "" {
				requireRefused(t, rec, http.StatusBadRequest, rec.Body.String(), tc.where)
				return
			}
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			cs := checkResponse(t, rec.Body.Bytes())
			if tc.noCards {
				assert.Empty(t, cs, cardSummaries(cs))
				return
			}
			assert.Contains(t, codesOf(cs), tc.want, cardSummaries(cs))
		})
	}
	// The record's course in the same shapes: patient-view sees the course
	// (active TB during it), and an interacting drug ordered beside it is
	// checked against it (the reverse direction).
	course := func(shape string) *record {
		r := onTx("upadacitinib", 60)
		for i, m := range r.medications {
			if !strings.Contains(fmt.Sprint(m["medicationCodeableConcept"]), "2196092") {
				continue
			}
			switch shape {
			case "ingredient":
				delete(m, "medicationCodeableConcept")
				m["medicationReference"] = res{"reference": "Medication/m1"}
				r.medications = append(r.medications, medication(local, ingredient(upaIngredient, true)))
			case "name":
				m["medicationCodeableConcept"] = res{"text": "UPADACITINIB15MG ER TAB"}
			}
			r.medications[i] = m
		}
		return r
	}
	for _, shape := range []string{"ingredient", "name"} {
		t.Run("patient-view, course by "+shape, func(t *testing.T) {
			r := course(shape)
			r.conditions = append(r.conditions, activeTB("tb2"))
			cs, body := view(r).post(t, s)
			assert.True(t, hasTBCard(cs), body)
		})
		t.Run("clarithromycin ordered, course by "+shape, func(t *testing.T) {
			cs, body := sign(course(shape), drugDraft("x", rxnorm, "197517", "clarithromycin 500 MG Oral Tablet")).post(t, s)
			assert.Contains(t, codesOf(cs), "cyp-interaction", body)
		})
	}
}

// TestFailsafe16CardNamesBounded: a name as sent (a Condition's text, an
// interacting drug's, a vaccine's) went whole into the card's evidence and
// action: a 400 kB text was a card of 400 kB and more, within the body
// limit. A name is cut at 200 characters ("…"), the card still given.
func TestFailsafe16CardNamesBounded(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	long := func(prefix string, runes int) string { return prefix + " " + strings.Repeat("é", runes-len(prefix)-1) }
	cases := []struct {
		name string
		c    func(n int) call
		code string
	}{
		{"a Condition's text (order-sign)", func(n int) call {
			r := cleanRecord()
			r.conditions = append(r.conditions, with(activeTB("tb2"), "code", res{"coding": []any{res{"system": sct, "code": "56717001"}}, "text": long("Tuberculosis", n)}))
			return sign(r, jakDraft("upadacitinib", 15))
		}, rules.TBActive},
		{"a Condition's text (patient-view)", func(n int) call {
			return view(onTx("upadacitinib", 60, with(activeTB("tb2"), "code", res{"coding": []any{res{"system": sct, "code": "56717001"}}, "text": long("TB", n)})))
		}, ""},
		{"an interacting drug ordered beside the course", func(n int) call {
			return sign(onTx("upadacitinib", 60), drugDraft("x", "", "", long("clarithromycin", n)))
		}, "cyp-interaction"},
		{"an interacting drug on the record", func(n int) call {
			r := onTx("upadacitinib", 60)
			r.medications = append(r.medications, med("c1", "active", "", "", long("clarithromycin", n), 5))
			return sign(r, jakDraft("upadacitinib", 30))
		}, "cyp-interaction"},
	}
	for _, tc := range cases {
		for _, n := range []int{200, 201, 400_000} {
			t.Run(fmt.Sprintf("%s, %d characters", tc.name, n), func(t *testing.T) {
				cs, body := tc.c(n).post(t, s)
				require.NotEmpty(t, cs)
				if tc.code != "" {
					assert.Contains(t, codesOf(cs), tc.code)
				}
				details := ""
				for _, c := range cs {
					assert.LessOrEqual(t, utf8.RuneCountInString(c.Detail), 3000, "detail bounded: %d", len(c.Detail))
					details += c.Detail
				}
				assert.Equal(t, n > 200, strings.Contains(details, "é…"), "cut only past 200 characters")
				assert.Less(t, len(body), 20_000)
			})
		}
	}
}

// TestFailsafe16MedicationVersionsBounded: one Medication id sent again
// and again with other content (a record order references it) was merged
// version by version, its codes and text copied each time: 20,000 versions
// in a 2.5 MB prefetch took 12 s and 14 GB of allocations, past the call's
// deadline. Past 64 codes merged the id is read as no Medication, and the
// order as one whose drug cannot be told, said on the card.
func TestFailsafe16MedicationVersionsBounded(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true, bodyLimit: 16 << 20})
	const notRead = "some medications could not be read"
	for _, n := range []int{63, 64, 65, 66, 20_000} {
		t.Run(fmt.Sprintf("%d versions", n), func(t *testing.T) {
			r := cleanRecord()
			o := med("o1", "active", "", "", "", 10)
			delete(o, "medicationCodeableConcept")
			o["medicationReference"] = res{"reference": "Medication/m1"}
			r.medications = append(r.medications, o)
			for i := range n {
				r.medications = append(r.medications, res{"resourceType": "Medication", "id": "m1",
					"code": res{"coding": []any{res{"system": "http://hospital.example/formulary", "code": fmt.Sprintf("c%d", i)}}, "text": fmt.Sprintf("drug %d", i)}})
			}
			start := time.Now()
			cs, body := sign(r, jakDraft("upadacitinib", 15)).post(t, s)
			assert.Less(t, time.Since(start), 3*time.Second)
			said := false
			for _, c := range cs {
				said = said || strings.Contains(c.Summary, notRead)
			}
			assert.Equal(t, n > 64, said, body[:min(len(body), 400)])
		})
	}
}
