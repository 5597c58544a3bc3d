package hooks

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/cards"
	"jakguard/fhir"
)

// The fail-safe review of patient-view during a course (helper pvimm):
// when a key the course checks read could not be had (the optional
// immunizations of live-vaccine-recent above all: absent without
// fhirServer, fhirServer failing or answering another patient's data, an
// OperationOutcome, over the memory budget) or had entries left out as
// malformed, patient-view answered as if it had checked, and found
// nothing. For a patient on a course an info card now names what was not
// checked; for every other patient nothing is said (a card on every chart
// opening would be noise), nor when medications themselves are unavailable.

// pvFailRow is one patient-view call of the review.
type pvFailRow struct {
	name string
	r    *record // nil: cleanRecord().onCourse("upadacitinib")
	// edit changes the request's prefetch after it is built.
	edit func(p map[string]any)
	// fhir, when set, answers the fallback queries by resource type (any
	// other type: 404); fhirServer then names it. budget is its call budget
	// in bytes (0: unlimited).
	fhir   map[string]http.HandlerFunc
	budget int64

	status int // 0: 200
	// unavailable: one info data-unavailable card is expected, its summary
	// summary and its detail holding every part of says.
	unavailable bool
	summary     string
	says        []string
	// want are other finding codes that must be reported, absent codes
	// that must not; noCards: the answer is {"cards": []}.
	want    []string
	absent  []string
	noCards bool
}

func fhirJSON(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/fhir+json")
		w.Write([]byte(body))
	}
}

func runPVFail(t *testing.T, rows []pvFailRow) {
	t.Helper()
	for _, tc := range rows {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.r
			if r == nil {
				r = cleanRecord().onCourse("upadacitinib")
			}
			var m map[string]any
			require.NoError(t, json.Unmarshal(view(r).body(t), &m))
			if tc.edit != nil {
				tc.edit(m["prefetch"].(map[string]any))
			}
			s := newTestServer(t, serverOpts{noStore: true})
			if tc.fhir != nil {
				srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					typ := strings.Split(strings.TrimPrefix(r.URL.Path, "/fhir/"), "/")[0]
					if h, ok := tc.fhir[typ]; ok {
						h(w, r)
						return
					}
					http.NotFound(w, r)
				}))
				t.Cleanup(srv.Close)
				s.fhir = fhir.NewClient(fhir.ClientConfig{QueryTimeout: 2 * time.Second, PageCap: 3, CallBudget: tc.budget}, srv.Client())
				m["fhirServer"] = srv.URL + "/fhir"
			}
			body, err := json.Marshal(m)
			require.NoError(t, err)
			rec := s.do(t, http.MethodPost, "/cds-services/"+HookPatientView, body)
			if tc.status != 0 {
				require.Equal(t, tc.status, rec.Code, rec.Body.String())
				return
			}
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			cs := checkResponse(t, rec.Body.Bytes())
			if tc.noCards {
				assert.JSONEq(t, `{"cards":[]}`, rec.Body.String())
			}
			codes := codesOf(cs)
			for _, c := range tc.want {
				assert.Contains(t, codes, c, cardSummaries(cs))
			}
			for _, c := range tc.absent {
				assert.NotContains(t, codes, c, cardSummaries(cs))
			}
			if !tc.unavailable {
				assert.NotContains(t, codes, cards.DataUnavailable, cardSummaries(cs))
				return
			}
			require.Contains(t, codes, cards.DataUnavailable, cardSummaries(cs))
			c := cardWith(cs, cards.DataUnavailable)
			assert.Equal(t, []string{cards.DataUnavailable}, c.Findings(), "a card of its own")
			assert.Equal(t, "info", string(c.Indicator), "a chart opening is not interrupted")
			assert.Equal(t, tc.summary, c.Summary)
			for _, part := range tc.says {
				assert.Contains(t, c.Detail, part)
			}
			for _, wrong := range []string{"this order", "signing", "someone-else", "Zyx"} {
				assert.NotContains(t, c.Summary+c.Detail, wrong)
			}
			assert.Empty(t, c.Suggestions)
		})
	}
}

const pvLiveVaccines = "Not checked on the upadacitinib course: live vaccines given during the course."

func TestPatientViewUnavailableImmunizationsOnCourse(t *testing.T) {
	const summary = "Upadacitinib course not fully checked: immunizations could not be read"
	couldNot := "Could not be checked: immunizations (neither in prefetch nor obtainable from the FHIR server)."
	noImm := func(p map[string]any) { delete(p, "immunizations") }
	oo := map[string]any{"resourceType": "OperationOutcome", "issue": []any{map[string]any{"severity": "error", "code": "exception", "diagnostics": "Zyx"}}}
	otherPatient := `{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"Immunization","id":"i","status":"completed",` +
		`"vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"03"}]},"occurrenceDateTime":"` + ago(5) + `","patient":{"reference":"Patient/someone-else"}}}]}`
	mmrPage := func(days int) string {
		return `{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"Immunization","id":"mmr","status":"completed",` +
			`"vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"03"}]},"occurrenceDateTime":"` + ago(days) + `","patient":{"reference":"Patient/p1"}}}]}`
	}
	mmr := func(days int) res { return immunization("mmr", "03", ago(days)) }
	big := func(w http.ResponseWriter, r *http.Request) {
		page := `{"resourceType":"Bundle","type":"searchset","entry":[` + strings.Repeat(`{"resource":{"resourceType":"Immunization","id":"x"}},`, 2000) + `{}]}`
		w.Header().Set("Content-Type", "application/fhir+json")
		w.Header().Set("Content-Length", strconv.Itoa(len(page)))
		w.Write([]byte(page))
	}
	unavailable := func(name string, row pvFailRow) pvFailRow {
		row.name, row.unavailable, row.summary = name, true, summary
		row.says = append([]string{couldNot, pvLiveVaccines, "Review this data in the chart."}, row.says...)
		return row
	}
	rows := []pvFailRow{
		// Positive: on a course, the live-vaccine check could not run.
		unavailable("absent, no fhirServer", pvFailRow{edit: noImm}),
		unavailable("absent, fhirServer answers 500", pvFailRow{edit: noImm,
			fhir: map[string]http.HandlerFunc{"Immunization": func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) }}}),
		unavailable("absent, fhirServer answers HTML", pvFailRow{edit: noImm,
			fhir: map[string]http.HandlerFunc{"Immunization": func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.Write([]byte("<html>sign in</html>"))
			}}}),
		unavailable("absent, fhirServer answers an OperationOutcome", pvFailRow{edit: noImm,
			fhir: map[string]http.HandlerFunc{"Immunization": fhirJSON(`{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"exception"}]}`)}}),
		unavailable("absent, fhirServer answers another patient's Immunization", pvFailRow{edit: noImm,
			fhir: map[string]http.HandlerFunc{"Immunization": fhirJSON(otherPatient)}}),
		unavailable("absent, fhirServer page over the memory budget", pvFailRow{edit: noImm, budget: 1 << 10,
			fhir: map[string]http.HandlerFunc{"Immunization": big}}),
		unavailable("an OperationOutcome in prefetch, no fhirServer", pvFailRow{edit: func(p map[string]any) { p["immunizations"] = oo }}),
		unavailable("an OperationOutcome in prefetch, fetched again: 500", pvFailRow{edit: func(p map[string]any) { p["immunizations"] = oo },
			fhir: map[string]http.HandlerFunc{"Immunization": func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) }}}),
		unavailable("junk in prefetch, no fhirServer", pvFailRow{edit: func(p map[string]any) { p["immunizations"] = "Immunization?patient=p1" }}),
		// The first page was read, the next not (noise8 review: said as
		// read in part, not as not had).
		{name: "a next page not fetched", unavailable: true, edit: func(p map[string]any) {
			p["immunizations"] = map[string]any{"resourceType": "Bundle", "type": "searchset", "entry": []any{},
				"link": []any{map[string]any{"relation": "next", "url": "https://ehr.example.org/fhir/Immunization?page=2"}}}
		}, summary: "Upadacitinib course not fully checked: some immunizations could not be read",
			says: []string{"Could not be checked: immunizations, read in part (the FHIR search stopped before its last page; what was read was checked).",
				"Checked on the upadacitinib course only against what could be read: live vaccines given during the course.", "Review this data in the chart."}},
		{name: "abrocitinib course", r: cleanRecord().onCourse("abrocitinib"), edit: noImm, unavailable: true,
			summary: "Abrocitinib course not fully checked: immunizations could not be read",
			says:    []string{couldNot, "Not checked on the abrocitinib course: live vaccines given during the course."}},
		{name: "a malformed entry", edit: func(p map[string]any) {
			p["immunizations"].(map[string]any)["entry"] = []any{map[string]any{"resource": map[string]any{"resourceType": "Immunization", "id": "mmr",
				"status": "completed", "vaccineCode": "MMR", "occurrenceDateTime": ago(5)}}}
		}, unavailable: true, summary: "Upadacitinib course not fully checked: some immunizations could not be read",
			says: []string{"Not read: 1 entry of immunizations (malformed, left out); the rest was checked.",
				"Checked without the entries left out: live vaccines given during the course."}},
		{name: "on both drugs: one card for the courses", r: cleanRecord().onCourse("upadacitinib").onCourse("abrocitinib"), edit: noImm,
			unavailable: true, summary: "JAK-inhibitor courses not fully checked: immunizations could not be read",
			want: []string{"combination-jak"}, says: []string{"Not checked on the JAK-inhibitor courses: live vaccines given during the course."}},
		{name: "another patient's Immunization in prefetch: 400, as for every key", edit: func(p map[string]any) {
			p["immunizations"] = bundleOf([]res{with(mmr(5), "patient", res{"reference": "Patient/someone-else"})})
		}, status: http.StatusBadRequest},

		// Negative: nothing to say.
		{name: "never on a course, absent: no card", r: cleanRecord(), edit: noImm, noCards: true},
		{name: "never on a course, an OperationOutcome: no card", r: cleanRecord(), edit: func(p map[string]any) { p["immunizations"] = oo }, noCards: true},
		{name: "never on a course, a malformed entry: no card", r: cleanRecord(), edit: func(p map[string]any) {
			p["immunizations"].(map[string]any)["entry"] = []any{map[string]any{"resource": nil}}
		}, noCards: true},
		{name: "course stopped, absent: no card", r: pvStopped("upadacitinib"), edit: noImm, noCards: true},
		{name: "medications unavailable too: no card (course unknown)", edit: func(p map[string]any) { delete(p, "medications"); delete(p, "immunizations") }, noCards: true},
		{name: "an empty Bundle: checked, no card", noCards: true},
		{name: "null (the client found none): checked, no card", edit: func(p map[string]any) { p["immunizations"] = nil }, noCards: true},
		{name: "fetched from fhirServer, none: no card", edit: noImm, fhir: map[string]http.HandlerFunc{
			"Immunization": fhirJSON(`{"resourceType":"Bundle","type":"searchset","entry":[]}`)}, noCards: true},
		{name: "live vaccine 29 days ago: no card", r: cleanRecord().onCourse("upadacitinib").replace(mmr(29)), noCards: true},
		{name: "live vaccine 28 days ago: live-vaccine-recent alone", r: cleanRecord().onCourse("upadacitinib").replace(mmr(28)),
			want: []string{"live-vaccine-recent"}},
		{name: "live vaccine 10 days ago, fetched from fhirServer: live-vaccine-recent alone", edit: noImm,
			fhir: map[string]http.HandlerFunc{"Immunization": fhirJSON(mmrPage(10))}, want: []string{"live-vaccine-recent"}},
	}
	runPVFail(t, rows)
}

// The other keys the course checks read, said the same way; the keys no
// course check reads, or that another card already names, are not.
func TestPatientViewUnavailableDataOnCourse(t *testing.T) {
	oo := map[string]any{"resourceType": "OperationOutcome", "issue": []any{map[string]any{"severity": "error", "code": "exception"}}}
	malformed := func(key string) func(p map[string]any) {
		return func(p map[string]any) {
			b := p[key].(map[string]any)
			b["entry"] = append(b["entry"].([]any), "x")
		}
	}
	rows := []pvFailRow{
		{name: "conditions: an OperationOutcome", edit: func(p map[string]any) { p["conditions"] = oo }, unavailable: true,
			summary: "Upadacitinib course not fully checked: conditions could not be read",
			says:    []string{"Could not be checked: conditions", "Not checked on the upadacitinib course: serious infection, active tuberculosis, pregnancy, breastfeeding, and what began since the course start (myocardial infarction or stroke, thrombosis, malignancy, latent tuberculosis, hepatitis B or C)."}},
		{name: "conditions: a malformed entry", edit: malformed("conditions"), unavailable: true,
			summary: "Upadacitinib course not fully checked: some conditions could not be read",
			says:    []string{"Not read: 1 entry of conditions", "Checked without the entries left out: serious infection, active tuberculosis"}},
		{name: "conditions and immunizations absent, no fhirServer: one card", edit: func(p map[string]any) { delete(p, "conditions"); delete(p, "immunizations") },
			unavailable: true, summary: "Upadacitinib course not fully checked: conditions, immunizations could not be read",
			says: []string{"Could not be checked: conditions, immunizations", "hepatitis B or C); live vaccines given during the course."}},
		{name: "observations: absent on a recent course", r: coursed("upadacitinib", 20), edit: func(p map[string]any) { delete(p, "observations") },
			unavailable: true, summary: "Upadacitinib course not fully checked: lab results could not be read",
			says: []string{"monitoring that is due (CBC, liver enzymes, lipids), on-treatment blood counts and pregnancy tests"}},
		{name: "medications: a malformed entry beside the course", edit: malformed("medications"), unavailable: true,
			summary: "Upadacitinib course not fully checked: some medications could not be read",
			says:    []string{"Not read: 1 entry of medications", "other JAK inhibitors, biologics, immunosuppressants and interacting drugs"}},
		{name: "medicationStatements: a malformed entry", edit: malformed("medicationStatements"), unavailable: true,
			summary: "Upadacitinib course not fully checked: some outside medications (MedicationStatement: outside, OTC and supplement lists) could not be read",
			says:    []string{"on outside medication lists"}},
		// Negatives.
		{name: "observations absent on a long course: the monitoring card says it", edit: func(p map[string]any) { delete(p, "observations") },
			want: []string{"monitoring-lipids-due"}},
		{name: "medicationStatements unavailable alone: as before (contract 6.1)", edit: func(p map[string]any) { p["medicationStatements"] = oo }, noCards: true},
		{name: "patient absent: no course check reads it", edit: func(p map[string]any) { delete(p, "patient") }, noCards: true},
		{name: "never on a course, conditions unavailable: no card", r: cleanRecord(), edit: func(p map[string]any) { p["conditions"] = oo }, noCards: true},
		{name: "never on a course, a malformed medication: no card", r: cleanRecord(), edit: malformed("medications"), noCards: true},
		{name: "course stopped, conditions unavailable: no card", r: pvStopped("abrocitinib"), edit: func(p map[string]any) { p["conditions"] = oo }, noCards: true},
	}
	runPVFail(t, rows)
}

// The order hooks keep their warning card.
func TestOrderHookUnavailableStaysWarning(t *testing.T) {
	var m map[string]any
	require.NoError(t, json.Unmarshal(sign(cleanRecord().onCourse("upadacitinib"), jakDraft("upadacitinib", 15)).body(t), &m))
	delete(m["prefetch"].(map[string]any), "immunizations")
	body, err := json.Marshal(m)
	require.NoError(t, err)
	s := newTestServer(t, serverOpts{noStore: true})
	rec := s.do(t, http.MethodPost, "/cds-services/"+HookOrderSign, body)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	c := cardWith(checkResponse(t, rec.Body.Bytes()), cards.DataUnavailable)
	assert.Equal(t, "warning", string(c.Indicator))
	assert.Equal(t, "Not fully checked for upadacitinib: immunizations could not be read", c.Summary)
	assert.Contains(t, c.Detail, "before signing")
}
