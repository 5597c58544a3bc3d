package hooks

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/cards"
)

// Issue 15 through the wire: a draft order of a drug that interacts with
// the patient's JAK-inhibitor course.

// recordingDay is the clock of the December sandbox recording.
var recordingDay = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)

const (
	sandboxSelectTofacitinib = "testdata/sandbox/2026-12/order-select-tofacitinib-patient-on-upadacitinib.json"
	sandboxSignTofacitinib   = "testdata/sandbox/2026-12/order-sign-tofacitinib.json"
	sandboxPatientView       = "testdata/sandbox/2026-12/patient-view-on-upadacitinib.json"
)

func newRecordingServer(t *testing.T, o serverOpts) *testServer {
	t.Helper()
	s := newTestServer(t, o)
	s.now = func() time.Time { return recordingDay }
	return s
}

// TestSandboxTofacitinibForPatientOnUpadacitinib: the two requests the CDS
// Hooks Sandbox sent (Rx View, then Rx Sign) when tofacitinib 5 mg (RxNorm
// 1357541) was ordered for a patient on upadacitinib since 2026-06-01
// used to answer {"cards": []}; now each gets one critical combination-jak
// card naming both drugs, with the course, and a cancel suggestion.
func TestSandboxTofacitinibForPatientOnUpadacitinib(t *testing.T) {
	s := newRecordingServer(t, serverOpts{noStore: true})
	for _, tc := range []struct{ path, service string }{
		{sandboxSelectTofacitinib, "order-select"},
		{sandboxSignTofacitinib, "order-sign"},
	} {
		t.Run(tc.service, func(t *testing.T) {
			rec := s.do(t, "POST", "/cds-services/"+tc.service, readFile(t, tc.path))
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			cs := checkResponse(t, rec.Body.Bytes())
			require.Len(t, cs, 1, "one card: the combination (methotrexate on record is the upadacitinib course's own matter)")
			c := cs[0]
			assert.Equal(t, []string{"combination-jak"}, c.Findings())
			assert.Equal(t, "critical", string(c.Indicator))
			assert.Equal(t, "Do not add tofacitinib: patient is on upadacitinib, another JAK inhibitor", c.Summary)
			for _, want := range []string{"tofacitinib 5 MG Oral Tablet (order in this session)", "upadacitinib (Rinvoq) course since 2026-06-01",
				"15 mg/day", "current", "not recommended with other JAK inhibitors"} {
				assert.Contains(t, c.Detail, want)
			}
			assert.Contains(t, c.Source.Label, "RINVOQ (upadacitinib) US Prescribing Information (revision of 11/2023), section 1")
			require.Len(t, c.Suggestions, 1)
			assert.True(t, c.Suggestions[0].IsRecommended)
			assert.Equal(t, "Cancel this tofacitinib order", c.Suggestions[0].Label)
			assert.Equal(t, cards.Action{Type: "delete", Description: "Remove the draft tofacitinib order", ResourceID: "MedicationRequest/request-123"},
				c.Suggestions[0].Actions[0])
			var reasons []string
			for _, r := range c.OverrideReasons {
				reasons = append(reasons, r.Display)
			}
			assert.Contains(t, reasons, "Benefit outweighs risk, monitoring arranged")
			assert.Contains(t, reasons, "JAK inhibitor stopped or being stopped")
			assert.Contains(t, reasons, "Record out of date (resolved or no longer taken)")
		})
	}
}

// withoutUpadacitinib drops the upadacitinib order from a recorded request.
func withoutUpadacitinib(m map[string]any) {
	meds := m["prefetch"].(map[string]any)["medications"].(map[string]any)
	var keep []any
	for _, e := range meds["entry"].([]any) {
		r := e.(map[string]any)["resource"].(map[string]any)
		if !strings.Contains(r["medicationCodeableConcept"].(map[string]any)["text"].(string), "upadacitinib") {
			keep = append(keep, e)
		}
	}
	meds["entry"] = keep
}

// upadacitinibEntry returns the medications entry of the course.
func upadacitinibEntry(m map[string]any) map[string]any {
	for _, e := range m["prefetch"].(map[string]any)["medications"].(map[string]any)["entry"].([]any) {
		r := e.(map[string]any)["resource"].(map[string]any)
		if strings.Contains(r["medicationCodeableConcept"].(map[string]any)["text"].(string), "upadacitinib") {
			return r
		}
	}
	panic("no upadacitinib")
}

func TestInteractingOrderScenarios(t *testing.T) {
	s := newRecordingServer(t, serverOpts{noStore: true})
	setDraft := func(code, text string) func(m map[string]any) {
		return func(m map[string]any) {
			draft := m["context"].(map[string]any)["draftOrders"].(map[string]any)["entry"].([]any)[0].(map[string]any)["resource"].(map[string]any)
			draft["medicationCodeableConcept"] = map[string]any{"text": text,
				"coding": []any{map[string]any{"system": rxnorm, "code": code, "display": text}}}
		}
	}
	all := func(fs ...func(map[string]any)) func(map[string]any) {
		return func(m map[string]any) {
			for _, f := range fs {
				f(m)
			}
		}
	}
	cases := []struct {
		name    string
		path    string
		edit    func(m map[string]any)
		want    string // finding code; "" for no cards
		summary string
	}{
		{"no course: no cards", sandboxSignTofacitinib, withoutUpadacitinib, "", ""},
		{"order-select with the tofacitinib order not selected: no cards", sandboxSelectTofacitinib, func(m map[string]any) {
			addDraft(m, "something-else")
			m["context"].(map[string]any)["selections"] = []any{"MedicationRequest/something-else"}
		}, "", ""},
		{"a course ended 60 days ago: still a card", sandboxSignTofacitinib, func(m map[string]any) {
			r := upadacitinibEntry(m)
			r["status"], r["authoredOn"] = "completed", "2026-10-07"
		}, "combination-jak", "Confirm upadacitinib is stopped before starting tofacitinib"},
		{"a course ended 91 days ago: no card", sandboxSignTofacitinib, func(m map[string]any) {
			r := upadacitinibEntry(m)
			r["status"], r["authoredOn"] = "completed", "2026-09-06"
		}, "", ""},
		{"the course on an outside medication list (MedicationStatement) counts", sandboxSignTofacitinib, func(m map[string]any) {
			r := upadacitinibEntry(m)
			r["resourceType"] = "MedicationStatement"
			r["effectiveDateTime"] = r["authoredOn"]
			r["dosage"] = r["dosageInstruction"]
			delete(r, "authoredOn")
			delete(r, "intent")
			delete(r, "dosageInstruction")
			// Statements travel under their own key (contract 6.1).
			p := m["prefetch"].(map[string]any)
			meds := p["medications"].(map[string]any)
			var keep, moved []any
			for _, e := range meds["entry"].([]any) {
				if e.(map[string]any)["resource"].(map[string]any)["resourceType"] == "MedicationStatement" {
					moved = append(moved, e)
				} else {
					keep = append(keep, e)
				}
			}
			// Each search matches what it holds: a total beyond its entries
			// would be a cut-short search (refetched, else unavailable).
			meds["entry"], meds["total"] = keep, len(keep)
			p["medicationStatements"] = map[string]any{"resourceType": "Bundle", "type": "searchset", "entry": moved, "total": len(moved)}
		}, "combination-jak", "Do not add tofacitinib"},
		{"clarithromycin with upadacitinib 15 mg: keep at 15 mg", sandboxSignTofacitinib, setDraft("197517", "clarithromycin 500 MG Oral Tablet"),
			"cyp-interaction", "Keep upadacitinib at 15 mg daily or less while on clarithromycin (strong CYP inhibitor)"},
		{"clarithromycin with upadacitinib 30 mg: reduce to 15 mg", sandboxSignTofacitinib, all(setDraft("197517", "clarithromycin 500 MG Oral Tablet"), func(m map[string]any) {
			r := upadacitinibEntry(m)
			r["dosageInstruction"].([]any)[0].(map[string]any)["doseAndRate"].([]any)[0].(map[string]any)["doseQuantity"].(map[string]any)["value"] = 30
		}), "cyp-interaction", "Reduce upadacitinib to 15 mg daily while on clarithromycin (strong CYP inhibitor)"},
		{"rifampin: avoid", sandboxSignTofacitinib, setDraft("9384", "rifampin 300 MG Oral Capsule"),
			"cyp-interaction", "Avoid rifampin: CYP interaction with upadacitinib (not recommended by the label)"},
		{"adalimumab", sandboxSignTofacitinib, setDraft("327361", "adalimumab"), "combination-biologic", "Avoid adding adalimumab: patient is on upadacitinib"},
		{"azathioprine", sandboxSignTofacitinib, setDraft("1256", "azathioprine 50 MG Oral Tablet"), "combination-immunosuppressant", "Avoid adding azathioprine"},
		{"amoxicillin: no cards", sandboxSignTofacitinib, setDraft("308191", "amoxicillin 500 MG Oral Capsule"), "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			service := "order-sign"
			if strings.Contains(tc.path, "order-select") {
				service = "order-select"
			}
			rec := s.do(t, "POST", "/cds-services/"+service, edit(t, tc.path, tc.edit))
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			cs := checkResponse(t, rec.Body.Bytes())
			if tc.want == "" {
				assert.Empty(t, cs, "%s", rec.Body.String())
				return
			}
			require.Len(t, cs, 1, "%s", rec.Body.String())
			assert.Equal(t, []string{tc.want}, cs[0].Findings())
			assert.Contains(t, cs[0].Summary, tc.summary)
		})
	}
}

// TestLiveVaccineServiceRequestSelections: a live vaccine ordered as a
// ServiceRequest; on order-select only when it is selected.
func TestLiveVaccineServiceRequestSelections(t *testing.T) {
	s := newRecordingServer(t, serverOpts{noStore: true})
	mmr := func(selected bool) func(m map[string]any) {
		return func(m map[string]any) {
			ctx := m["context"].(map[string]any)
			ctx["draftOrders"] = map[string]any{"resourceType": "Bundle", "entry": []any{map[string]any{"resource": map[string]any{
				"resourceType": "ServiceRequest", "id": "mmr-1", "status": "draft", "intent": "order",
				"subject": map[string]any{"reference": "Patient/" + ctx["patientId"].(string)},
				"code":    map[string]any{"coding": []any{map[string]any{"system": cvx, "code": "03", "display": "MMR"}}, "text": "MMR vaccine"},
			}}}}
			addDraft(m, "request-123")
			ctx["selections"] = []any{"MedicationRequest/request-123"}
			if selected {
				ctx["selections"] = []any{"ServiceRequest/mmr-1"}
			}
		}
	}
	rec := s.do(t, "POST", "/cds-services/order-select", edit(t, sandboxSelectTofacitinib, mmr(true)))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	cs := checkResponse(t, rec.Body.Bytes())
	require.Len(t, cs, 1)
	assert.Equal(t, []string{"live-vaccine-ordered"}, cs[0].Findings())
	assert.Equal(t, "warning", string(cs[0].Indicator))
	assert.Equal(t, "Avoid MMR: live vaccine for a patient on upadacitinib", cs[0].Summary)
	require.Len(t, cs[0].Suggestions, 1)
	assert.Equal(t, "ServiceRequest/mmr-1", cs[0].Suggestions[0].Actions[0].ResourceID)

	rec = s.do(t, "POST", "/cds-services/order-select", edit(t, sandboxSelectTofacitinib, mmr(false)))
	require.Equal(t, http.StatusOK, rec.Code)
	assert.JSONEq(t, `{"cards":[]}`, rec.Body.String())
}

// fhirSpy is a FHIR server that answers every search with an empty
// searchset, or with medications for MedicationRequest, and remembers
// which resource types were asked for.
type fhirSpy struct {
	mu    sync.Mutex
	types []string
	meds  []byte
}

func (f *fhirSpy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	typ := strings.Trim(r.URL.Path, "/")
	if i := strings.IndexByte(typ, '/'); i >= 0 {
		typ = typ[:i]
	}
	f.mu.Lock()
	f.types = append(f.types, typ)
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/fhir+json")
	switch {
	case typ == "MedicationRequest" && f.meds != nil:
		w.Write(f.meds)
	case typ == "Patient":
		id := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:] // the patient asked for
		w.Write([]byte(`{"resourceType":"Patient","id":"` + id + `","gender":"male","birthDate":"1970-01-01"}`))
	default:
		w.Write([]byte(`{"resourceType":"Bundle","type":"searchset","entry":[]}`))
	}
}

func (f *fhirSpy) asked() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.types...)
}

// TestFastPathReadsOnlyWhatItNeeds: without prefetch, an order that does
// not interact contacts no FHIR server at all; an interacting one for a
// patient with no course asks for the medication orders only; a JAK
// inhibitor order asks for everything.
func TestFastPathReadsOnlyWhatItNeeds(t *testing.T) {
	s := newRecordingServer(t, serverOpts{noStore: true, allowHTTP: true})
	spy := &fhirSpy{}
	fs := httptest.NewServer(spy)
	defer fs.Close()
	call := func(code, text string) *httptest.ResponseRecorder {
		body := edit(t, sandboxSignTofacitinib, func(m map[string]any) {
			delete(m, "prefetch")
			m["fhirServer"] = fs.URL
			draft := m["context"].(map[string]any)["draftOrders"].(map[string]any)["entry"].([]any)[0].(map[string]any)["resource"].(map[string]any)
			draft["medicationCodeableConcept"] = map[string]any{"text": text, "coding": []any{map[string]any{"system": rxnorm, "code": code}}}
		})
		spy.mu.Lock()
		spy.types = nil
		spy.mu.Unlock()
		return s.do(t, "POST", "/cds-services/order-sign", body)
	}

	rec := call("308191", "amoxicillin 500 MG Oral Capsule")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.JSONEq(t, `{"cards":[]}`, rec.Body.String())
	assert.Empty(t, spy.asked(), "a non-interacting order reads nothing")

	rec = call("197517", "clarithromycin 500 MG Oral Tablet")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.JSONEq(t, `{"cards":[]}`, rec.Body.String())
	assert.ElementsMatch(t, []string{"MedicationRequest", "MedicationStatement"}, spy.asked(), "an interacting order reads the medication lists only")

	// With a course on the server, the same order gets its card; its card
	// names a dose of the course's drug, so the conditions are read too,
	// after the medications (ixcond: an MI since the start stops it).
	var req map[string]any
	require.NoError(t, json.Unmarshal(readFile(t, sandboxSignTofacitinib), &req))
	spy.meds, _ = json.Marshal(req["prefetch"].(map[string]any)["medications"])
	rec = call("197517", "clarithromycin 500 MG Oral Tablet")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.Equal(t, []string{"cyp-interaction"}, codesOf(checkResponse(t, rec.Body.Bytes())))
	assert.ElementsMatch(t, []string{"MedicationRequest", "MedicationStatement", "Condition"}, spy.asked())

	rec = call("2196092", "upadacitinib 15 MG Extended Release Oral Tablet")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.ElementsMatch(t, []string{"Patient", "Condition", "MedicationRequest", "MedicationStatement", "Observation", "Immunization"}, spy.asked())
}

// TestInteractingOrderWithoutMedications: an interacting order whose
// medication list can be had neither from prefetch nor from a FHIR server
// answers no cards (the course is unknown), never an error.
func TestInteractingOrderWithoutMedications(t *testing.T) {
	s := newRecordingServer(t, serverOpts{noStore: true})
	rec := s.do(t, "POST", "/cds-services/order-sign", edit(t, sandboxSignTofacitinib, func(m map[string]any) {
		delete(m["prefetch"].(map[string]any), "medications")
		delete(m, "fhirServer")
	}))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.JSONEq(t, `{"cards":[]}`, rec.Body.String())
}

// TestJAKAndInteractingOrderInOneSession: a renewal of upadacitinib signed
// with tofacitinib reports the pairing once, on the upadacitinib order.
func TestJAKAndInteractingOrderInOneSession(t *testing.T) {
	s := newRecordingServer(t, serverOpts{noStore: true})
	rec := s.do(t, "POST", "/cds-services/order-sign", edit(t, sandboxSignTofacitinib, func(m map[string]any) {
		ctx := m["context"].(map[string]any)
		entries := ctx["draftOrders"].(map[string]any)["entry"].([]any)
		renewal := map[string]any{"resourceType": "MedicationRequest", "id": "renew-upa", "status": "draft", "intent": "order",
			"subject":                   map[string]any{"reference": "Patient/" + ctx["patientId"].(string)},
			"authoredOn":                "2026-12-06",
			"medicationCodeableConcept": map[string]any{"text": "upadacitinib 15 MG", "coding": []any{map[string]any{"system": rxnorm, "code": "2196092"}}},
			"dosageInstruction": []any{map[string]any{"timing": map[string]any{"repeat": map[string]any{"frequency": 1, "period": 1, "periodUnit": "d"}},
				"doseAndRate": []any{map[string]any{"doseQuantity": map[string]any{"value": 15, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"}}}}},
		}
		ctx["draftOrders"].(map[string]any)["entry"] = append(entries, map[string]any{"resource": renewal})
	}))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	n := 0
	for _, c := range checkResponse(t, rec.Body.Bytes()) {
		for _, code := range c.Findings() {
			if code == "combination-jak" {
				n++
				assert.Contains(t, c.Summary, "Do not combine upadacitinib with another JAK inhibitor")
			}
		}
	}
	assert.Equal(t, 1, n)
}

// TestSandboxPatientView: the recorded patient-view of the same patient
// (upadacitinib, methotrexate on record, lymphocytes 400/mm³): the
// existing on-treatment cards, each finding once. The recording has no
// immunizations key (recorded before patient-view asked for it) and the
// fallback is off here, so the live-vaccine check could not run: an info
// card says so.
func TestSandboxPatientView(t *testing.T) {
	s := newRecordingServer(t, serverOpts{noStore: true})
	rec := s.do(t, "POST", "/cds-services/patient-view", readFile(t, sandboxPatientView))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	cs := checkResponse(t, rec.Body.Bytes())
	codes := codesOf(cs)
	assert.Contains(t, codes, "lymphopenia")
	assert.Contains(t, codes, "combination-immunosuppressant")
	require.Contains(t, codes, cards.DataUnavailable)
	c := cardWith(cs, cards.DataUnavailable)
	assert.Equal(t, "info", string(c.Indicator))
	assert.Equal(t, "Upadacitinib course not fully checked: immunizations could not be read", c.Summary)
}
