package outcheck

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const goodRequest = `{"hook":"order-sign","context":{"patientId":"p1","draftOrders":{"resourceType":"Bundle","entry":[
 {"resource":{"resourceType":"MedicationRequest","id":"upa","status":"draft","intent":"order","subject":{"reference":"Patient/p1"},
  "medicationCodeableConcept":{"text":"upadacitinib 30 mg"},
  "dosageInstruction":[{"timing":{"repeat":{"boundsDuration":{"value":12}}}}]}}]}}}`

// good is a valid answer with a create, an update and a delete.
func good() map[string]any {
	var m map[string]any
	if err := json.Unmarshal([]byte(`{"cards":[{
 "uuid":"00000000-0000-4000-8000-000000000001","summary":"Use upadacitinib 15 mg daily","detail":"d","indicator":"warning",
 "source":{"label":"RINVOQ label","url":"https://www.rxabbvie.com/pdf/rinvoq_pi.pdf",
   "topic":{"system":"https://jakguard.org/CodeSystem/card-category","code":"dose","display":"Dose"}},
 "suggestions":[
  {"label":"Cancel","uuid":"00000000-0000-4000-8000-000000000002","isRecommended":true,
   "actions":[{"type":"delete","description":"Remove the draft","resourceId":"MedicationRequest/upa"}]},
  {"label":"Change","uuid":"00000000-0000-4000-8000-000000000003",
   "actions":[{"type":"update","description":"Change the draft","resource":{"resourceType":"MedicationRequest","id":"upa",
     "status":"draft","intent":"order","subject":{"reference":"Patient/p1"},"_status":{"extension":[{"url":"http://ehr.example/x","valueBoolean":true}]},
     "medicationCodeableConcept":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"1","display":"upadacitinib"}],"text":"upadacitinib 15 mg"},
     "dosageInstruction":[{"text":"15 mg once daily","timing":{"repeat":{"frequency":1,"period":1,"periodUnit":"d","boundsDuration":{"value":12}}},
       "doseAndRate":[{"doseQuantity":{"value":15,"unit":"mg","system":"http://unitsofmeasure.org","code":"mg"}}]}]}}]},
  {"label":"Order a test","uuid":"00000000-0000-4000-8000-000000000004",
   "actions":[{"type":"create","description":"Order it","resource":{"resourceType":"ServiceRequest","status":"draft","intent":"order",
     "code":{"coding":[{"system":"http://loinc.org","code":"1","display":"x"}],"text":"x"},"subject":{"reference":"Patient/p1"},
     "authoredOn":"2026-12-07","reasonCode":[{"text":"Screening"}]}}]}],
 "selectionBehavior":"any",
 "overrideReasons":[{"system":"https://jakguard.org/CodeSystem/override-reason","code":"r","display":"Reason"}],
 "links":[{"label":"Label","url":"https://example.org/x","type":"absolute"}],
 "extension":{"org.jakguard.findings":["lower-dose-recommended"]}}]}`), &m); err != nil {
		panic(err)
	}
	return m
}

func check(t *testing.T, m map[string]any) error {
	t.Helper()
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return Response([]byte(goodRequest), b)
}

// at returns the object at a path of keys and indexes in m.
func at(m map[string]any, path ...any) map[string]any {
	var v any = m
	for _, p := range path {
		switch p := p.(type) {
		case string:
			v = v.(map[string]any)[p]
		case int:
			v = v.([]any)[p]
		}
	}
	return v.(map[string]any)
}

func card0(m map[string]any) map[string]any { return at(m, "cards", 0) }
func upd(m map[string]any) map[string]any {
	return at(m, "cards", 0, "suggestions", 1, "actions", 0, "resource")
}
func sr(m map[string]any) map[string]any {
	return at(m, "cards", 0, "suggestions", 2, "actions", 0, "resource")
}

func TestGoodAnswerPasses(t *testing.T) {
	assert.NoError(t, check(t, good()))
	assert.NoError(t, Response(nil, []byte(`{"cards":[]}`)))
}

// TestEachViolationIsFound: one change at a time to the good answer, and
// the violation it must report.
func TestEachViolationIsFound(t *testing.T) {
	cases := []struct {
		name string
		edit func(m map[string]any)
		want string
	}{
		{"unknown card member", func(m map[string]any) { card0(m)["priority"] = "high" }, `unknown object member name "priority"`},
		{"summary of 140 characters", func(m map[string]any) { card0(m)["summary"] = strings.Repeat("x", 140) }, "140 characters"},
		{"indicator hard-stop", func(m map[string]any) { card0(m)["indicator"] = "hard-stop" }, "not info, warning or critical"},
		{"no source label", func(m map[string]any) { delete(at(m, "cards", 0, "source"), "label") }, "source.label: missing"},
		{"card uuid not a UUID", func(m map[string]any) { card0(m)["uuid"] = "card-1" }, ".uuid"},
		{"suggestion without uuid", func(m map[string]any) { delete(at(m, "cards", 0, "suggestions", 0), "uuid") }, "suggestions[0].uuid"},
		{"no selectionBehavior", func(m map[string]any) { delete(card0(m), "selectionBehavior") }, "selectionBehavior"},
		{"two recommended with at-most-one", func(m map[string]any) {
			card0(m)["selectionBehavior"] = "at-most-one"
			at(m, "cards", 0, "suggestions", 1)["isRecommended"] = true
		}, "2 recommended with at-most-one"},
		{"action type cancel", func(m map[string]any) { at(m, "cards", 0, "suggestions", 0, "actions", 0)["type"] = "cancel" }, "not create, update or delete"},
		{"action without description", func(m map[string]any) { delete(at(m, "cards", 0, "suggestions", 0, "actions", 0), "description") }, "description: missing"},
		{"delete of an order not in the request", func(m map[string]any) {
			at(m, "cards", 0, "suggestions", 0, "actions", 0)["resourceId"] = "MedicationRequest/other"
		}, "not a draft order of the request"},
		{"update of an order not in the request", func(m map[string]any) { upd(m)["id"] = "other" }, "not a draft order of the request"},
		{"link type web", func(m map[string]any) { at(m, "cards", 0, "links", 0)["type"] = "web" }, "not absolute or smart"},
		{"link url relative", func(m map[string]any) { at(m, "cards", 0, "links", 0)["url"] = "/x" }, "not an absolute URL"},
		{"override reason without display", func(m map[string]any) { delete(at(m, "cards", 0, "overrideReasons", 0), "display") }, "display: missing"},
		{"empty string", func(m map[string]any) { card0(m)["detail"] = "" }, `""`},
		{"empty array", func(m map[string]any) { card0(m)["links"] = []any{} }, "[]"},
		{"unknown FHIR member", func(m map[string]any) { sr(m)["dosage"] = "x" }, `unknown object member name "dosage"`},
		{"invalid status code", func(m map[string]any) { sr(m)["status"] = "pending" }, "RequestStatus"},
		{"invalid periodUnit", func(m map[string]any) {
			at(upd(m), "dosageInstruction", 0, "timing", "repeat")["periodUnit"] = "day"
		}, "not a units-of-time code"},
		{"decimal as a string", func(m map[string]any) {
			at(upd(m), "dosageInstruction", 0, "doseAndRate", 0, "doseQuantity")["value"] = "15"
		}, "not a JSON number"},
		{"frequency 1.5", func(m map[string]any) {
			at(upd(m), "dosageInstruction", 0, "timing", "repeat")["frequency"] = 1.5
		}, "frequency"},
		{"no intent", func(m map[string]any) { delete(sr(m), "intent") }, "intent: required"},
		{"no subject", func(m map[string]any) { delete(upd(m), "subject") }, "subject: required"},
		{"no medication", func(m map[string]any) { delete(upd(m), "medicationCodeableConcept") }, "0 medication[x]"},
		{"reference not Type/id", func(m map[string]any) { at(sr(m), "subject")["reference"] = "p1" }, "not a FHIR reference"},
		{"dateTime not R4", func(m map[string]any) { sr(m)["authoredOn"] = "2026-12-07 10:00" }, "not an R4 dateTime"},
		{"RxNorm system not canonical", func(m map[string]any) {
			at(upd(m), "medicationCodeableConcept", "coding", 0)["system"] = "http://www.nlm.nih.gov/research/umls/RxNorm"
		}, "not the canonical"},
		{"LOINC system https", func(m map[string]any) { at(sr(m), "code", "coding", 0)["system"] = "https://loinc.org" }, "not the canonical"},
		{"UCUM unit with a space", func(m map[string]any) {
			at(upd(m), "dosageInstruction", 0, "doseAndRate", 0, "doseQuantity")["code"] = "mg tablet"
		}, "not a UCUM code"},
		{"unit code without a system", func(m map[string]any) {
			delete(at(upd(m), "dosageInstruction", 0, "doseAndRate", 0, "doseQuantity"), "system")
		}, "qty-3"},
		{"a contained resource nothing names", func(m map[string]any) {
			at(upd(m), "subject")["reference"] = "#med"
		}, "names no contained resource"},
		{"an unvalidated resource type", func(m map[string]any) { sr(m)["resourceType"] = "Task" }, "no validator"},
		{"a Duration without a unit, made by the change", func(m map[string]any) {
			at(upd(m), "dosageInstruction", 0, "timing", "repeat")["boundsDuration"] = map[string]any{"value": 8}
		}, "drt-1"},
		{"a bad _element", func(m map[string]any) { upd(m)["_status"] = map[string]any{"value": "x"} }, "not an element of a primitive"},
		{"a systemAction that is not an action", func(m map[string]any) { m["systemActions"] = []any{map[string]any{"type": "x"}} }, "systemActions[0]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := good()
			tc.edit(m)
			err := check(t, m)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// TestInheritedFromTheDraft: the draft's own boundsDuration without a
// unit (drt-1) comes back in the update unchanged: the EHR's data, not
// reported.
func TestInheritedFromTheDraft(t *testing.T) {
	assert.NoError(t, check(t, good()))
}

// TestGoldenAnswers: the golden answers of testdata/golden, each to its
// request in testdata/requests.
func TestGoldenAnswers(t *testing.T) {
	files, err := filepath.Glob("../../testdata/golden/*.response.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		resp, err := os.ReadFile(f)
		require.NoError(t, err)
		req, err := os.ReadFile(filepath.Join("../../testdata/requests", strings.TrimSuffix(filepath.Base(f), ".response.json")+".json"))
		require.NoError(t, err)
		assert.NoError(t, Response(req, resp), f)
	}
}

// TestNarrativeOfTheOldDose: an update that keeps the draft's narrative
// while changing the dosage fails; the same narrative over an unchanged
// dosage, or none, passes.
func TestNarrativeOfTheOldDose(t *testing.T) {
	req := strings.Replace(goodRequest, `"status":"draft",`, `"status":"draft","text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">30 mg</div>"},`, 1)
	m := good()
	upd(m)["text"] = map[string]any{"status": "generated", "div": `<div xmlns="http://www.w3.org/1999/xhtml">30 mg</div>`}
	b, _ := json.Marshal(m)
	err := Response([]byte(req), b)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "narrative kept over a changed medication or dosage")
	delete(upd(m), "text")
	b, _ = json.Marshal(m)
	assert.NoError(t, Response([]byte(req), b))
}
