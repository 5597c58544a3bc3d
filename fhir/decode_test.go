package fhir

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/rules"
)

// hookRequest is the part of a recorded CDS Hooks request these tests read.
type hookRequest struct {
	Context struct {
		DraftOrders json.RawMessage `json:"draftOrders"`
	} `json:"context"`
	Prefetch map[string]json.RawMessage `json:"prefetch"`
}

func readRequest(t *testing.T, name string) hookRequest {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "testdata", "sandbox", name))
	require.NoError(t, err)
	var req hookRequest
	require.NoError(t, json.Unmarshal(data, &req))
	return req
}

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

// buildRecord adds each value under its key and returns the record.
func buildRecord(t *testing.T, values map[string]json.RawMessage) *rules.Record {
	t.Helper()
	b := NewBuilder(nil)
	for k, v := range values {
		_, err := b.Add(context.Background(), k, v)
		require.NoError(t, err, k)
	}
	return b.Record()
}

var tofacitinib = rules.Coding{System: rules.SystemRxNorm, Code: "1357541", Display: "tofacitinib 5 MG Oral Tablet"}

func TestSandboxDraftOrders(t *testing.T) {
	pill := &rules.Quantity{Value: 1, Unit: "{pill}"}
	tests := []struct {
		file string
		want rules.Medication
	}{
		{"order-select-1-empty.json", rules.Medication{
			ID: "MedicationRequest/request-123", ResourceType: "MedicationRequest",
			Status: "draft", Authored: day("2026-11-29"),
		}},
		{"order-select-2-partial.json", rules.Medication{
			ID: "MedicationRequest/request-123", ResourceType: "MedicationRequest",
			Status: "draft", Intent: "order", Authored: day("2026-11-29"),
			Codes: []rules.Coding{tofacitinib}, Text: "tofacitinib 5 MG Oral Tablet",
			Supply: rules.Supply{Days: 30}, // the sandbox's expectedSupplyDuration
			Dose:   rules.DoseFacts{DoseQuantity: pill, Frequency: 1, Period: 1, PeriodUnit: "d"},
		}},
		{"order-select-3-complete.json", rules.Medication{
			ID: "MedicationRequest/request-123", ResourceType: "MedicationRequest",
			Status: "draft", Intent: "order", Authored: day("2026-11-29"),
			Codes: []rules.Coding{tofacitinib}, Text: "tofacitinib 5 MG Oral Tablet",
			Supply: rules.Supply{Days: 30}, // the sandbox's expectedSupplyDuration
			Dose:   rules.DoseFacts{DoseQuantity: pill, Frequency: 1, Period: 1, PeriodUnit: "d"},
		}},
		{"order-sign.json", rules.Medication{
			ID: "MedicationRequest/request-123", ResourceType: "MedicationRequest",
			Status: "draft", Intent: "order", Authored: day("2026-11-29"),
			Codes: []rules.Coding{tofacitinib}, Text: "tofacitinib 5 MG Oral Tablet",
			Supply: rules.Supply{Days: 30}, // the sandbox's expectedSupplyDuration
			Dose:   rules.DoseFacts{DoseQuantity: pill, Frequency: 1, Period: 1, PeriodUnit: "d"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			req := readRequest(t, tc.file)
			var logs bytes.Buffer
			orders, err := DecodeOrders(context.Background(), req.Context.DraftOrders, "", slog.New(slog.NewTextHandler(&logs, nil)))
			require.NoError(t, err)
			require.Len(t, orders.Medications, 1)
			assert.Equal(t, tc.want, orders.Medications[0])
			require.Contains(t, orders.Raw, "MedicationRequest/request-123")
			assert.JSONEq(t, string(extractEntry(t, req.Context.DraftOrders, 0)), string(orders.Raw["MedicationRequest/request-123"]))
			assert.Empty(t, orders.Services)
			assert.Empty(t, logs.String(), "nothing is skipped in the sandbox files")
		})
	}
}

func extractEntry(t *testing.T, bundle []byte, i int) json.RawMessage {
	t.Helper()
	var b struct {
		Entry []struct {
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	require.NoError(t, json.Unmarshal(bundle, &b))
	return b.Entry[i].Resource
}

func TestSandboxPrefetch(t *testing.T) {
	patient := &rules.Patient{BirthDate: day("1990-04-02"), Gender: "female"}
	atopicDermatitis := []rules.Condition{{
		ID:             "Condition/cond-ad",
		Codes:          []rules.Coding{{System: rules.SystemSNOMED, Code: "24079001", Display: "Atopic dermatitis"}},
		Text:           "Atopic dermatitis",
		ClinicalStatus: "active",
	}}
	hgb := func(id string, date string, q *rules.Quantity, display string) rules.Observation {
		return rules.Observation{
			ID: "Observation/" + id, Status: "final", Date: day(date), Quantity: q,
			Codes: []rules.Coding{{System: rules.SystemLOINC, Code: "718-7", Display: display}},
		}
	}
	hgb129 := hgb("3e07048f-3fbe-4f15-b9fe-f46155fd8225", "2026-02-01", &rules.Quantity{Value: 12.9, Unit: "g/dL"}, "Hemoglobin")
	tests := []struct {
		file         string
		conditions   []rules.Condition
		observations []rules.Observation
	}{
		{"order-select-1-empty.json", atopicDermatitis, nil},
		{"order-select-2-partial.json", atopicDermatitis, nil},
		{"order-select-3-complete.json", atopicDermatitis, nil},
		{"order-sign.json", nil, []rules.Observation{
			// No unit was sent: the unit stays "" and is never guessed.
			hgb("0b39e01f-6b96-4295-9a7b-39e1d5b78b6f", "2026-01-01", &rules.Quantity{Value: 101}, ""),
			hgb("5a2d7920-02c5-44bf-8e40-d16c5e0c57d1", "2026-01-05", &rules.Quantity{Value: 105}, ""),
			hgb129,
		}},
		{"patient-view.json", nil, []rules.Observation{hgb129}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			rec := buildRecord(t, readRequest(t, tc.file).Prefetch)
			assert.Equal(t, patient, rec.Patient)
			assert.Equal(t, tc.conditions, rec.Conditions)
			assert.Equal(t, tc.observations, rec.Observations)
			assert.Empty(t, rec.Medications)
			assert.Empty(t, rec.Immunizations)
		})
	}
}

func TestAddPage(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		want    Page
		wantErr error // nil: no error; errAny: any error
	}{
		{"null is no data", `null`, Page{}, nil},
		{"single resource", `{"resourceType":"Patient","id":"p","gender":"male"}`, Page{Entries: 1}, nil},
		{"bundle without type", `{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Condition","id":"c"}}]}`, Page{Entries: 1}, nil},
		{"searchset with next link", `{"resourceType":"Bundle","type":"searchset","link":[{"relation":"self","url":"https://ehr/fhir/Observation?page=1"},{"relation":"next","url":"https://ehr/fhir/Observation?page=2"}],"entry":[]}`,
			Page{Next: "https://ehr/fhir/Observation?page=2", Self: "https://ehr/fhir/Observation?page=1"}, nil},
		{"single link object", `{"resourceType":"Bundle","link":{"relation":"next","url":"https://ehr/p2"}}`, Page{Next: "https://ehr/p2"}, nil},
		{"empty bundle", `{"resourceType":"Bundle","type":"searchset","total":0}`, Page{}, nil},
		{"single entry object instead of array", `{"resourceType":"Bundle","entry":{"resource":{"resourceType":"Condition","id":"c"}}}`, Page{Entries: 1}, nil},
		{"unknown types ignored, not skipped", `{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Encounter","status":"nonsense"}},{"resource":{"resourceType":"Claim"}}]}`, Page{Entries: 2}, nil},
		{"unknown top-level type ignored", `{"resourceType":"Encounter","id":"e"}`, Page{Entries: 1}, nil},
		{"entry without resource", `{"resourceType":"Bundle","type":"transaction-response","entry":[{"response":{"status":"200"}}]}`, Page{Entries: 1}, nil},
		// A batch whose requests failed holds no data where it was to be:
		// not read, not "no data".
		{"failed batch responses skipped", `{"resourceType":"Bundle","type":"batch-response","entry":[{"response":{"status":"500 Internal Server Error"}},
			{"response":{"status":"404"}},{"response":{}},{"response":"x"},{"response":{"status":"201 Created"}}]}`, Page{Entries: 5, Skipped: 4}, nil},
		// What a Bundle inside a Bundle holds is not read: skipped, not
		// passed over as a type no rule reads.
		{"an R5 MedicationRequest skipped", `{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"MedicationRequest","status":"active","intent":"order",
			"medication":{"concept":{"text":"x"}}}},{"resource":{"resourceType":"MedicationStatement","status":"active","medication":{"concept":{"text":"x"}},
			"medicationCodeableConcept":{"text":"x"}}}]}`, Page{Entries: 2, Skipped: 1}, nil},
		{"a Bundle inside a Bundle skipped", `{"resourceType":"Bundle","type":"batch-response","entry":[{"resource":{"resourceType":"Bundle","type":"searchset",
			"entry":[{"resource":{"resourceType":"Condition","id":"tb"}}]},"response":{"status":"200 OK"}}]}`, Page{Entries: 1, Skipped: 1}, nil},
		{"a total", `{"resourceType":"Bundle","type":"searchset","total":5}`, Page{Total: 5}, nil},
		{"a history, for no query: read", `{"resourceType":"Bundle","type":"history","entry":[{"resource":{"resourceType":"Condition","id":"c"}}]}`, Page{Entries: 1}, nil},
		{"search entry without resource", `{"resourceType":"Bundle","type":"searchset","entry":[{"fullUrl":"x"},{"resource":null},{}]}`, Page{Entries: 3, Skipped: 3}, nil},
		{"malformed entries skipped", `{"resourceType":"Bundle","entry":[
			{"resource":{"resourceType":"Observation","id":"ok","status":"final","code":{"text":"x"}}},
			{"resource":{"resourceType":"Observation","id":"bad","status":"invented","code":{"text":"x"}}},
			{"resource":{"resourceType":"Condition","code":"not an object"}},
			{"resource":"not an object"},
			"not an entry",
			{"resource":{"id":"no type"}}]}`, Page{Entries: 6, Skipped: 5}, nil},
		{"malformed single resource skipped", `{"resourceType":"Immunization","status":"bogus"}`, Page{Entries: 1, Skipped: 1}, nil},
		{"OperationOutcome", `{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"processing"}]}`, Page{}, ErrOperationOutcome},
		{"Bundle wrapping a failure", `{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"timeout"}]},"search":{"mode":"outcome"}}]}`,
			Page{}, ErrOperationOutcome},
		{"warning beside results is not a failure", `{"resourceType":"Bundle","type":"searchset","entry":[
			{"resource":{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"not-supported"}]},"search":{"mode":"outcome"}},
			{"resource":{"resourceType":"Condition","id":"c"}}]}`, Page{Entries: 2}, nil},
		// An error that says results are missing marks the page incomplete
		// (a search cut short); other errors beside results do not.
		{"results said incomplete", `{"resourceType":"Bundle","type":"searchset","entry":[
			{"resource":{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"too-costly"}]},"search":{"mode":"outcome"}},
			{"resource":{"resourceType":"Condition","id":"c"}}]}`, Page{Entries: 2, Incomplete: true}, nil},
		{"a warning that results are incomplete", `{"resourceType":"Bundle","type":"searchset","entry":[
			{"resource":{"resourceType":"OperationOutcome","issue":[{"severity":"warning","code":"incomplete"}]},"search":{"mode":"outcome"}},
			{"resource":{"resourceType":"Condition","id":"c"}}]}`, Page{Entries: 2}, nil},
		{"Bundle with a warning only", `{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"OperationOutcome","issue":[{"severity":"warning","code":"informational"}]}}]}`,
			Page{Entries: 1}, nil},
		{"not JSON", `{"resourceType":"Bundle",`, Page{}, errAny},
		{"not JSON, trailing data", `{"resourceType":"Patient"} x`, Page{}, errAny},
		{"empty input", ``, Page{}, errAny},
		{"array", `[{"resourceType":"Patient"}]`, Page{}, errAny},
		{"string", `"Patient"`, Page{}, errAny},
		{"object without resourceType", `{"id":"x"}`, Page{}, errAny},
		{"resourceType not a string", `{"resourceType":7}`, Page{}, errAny},
		{"bundle entry not an array", `{"resourceType":"Bundle","entry":"x"}`, Page{}, errAny},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			page, err := NewBuilder(nil).Add(context.Background(), "labs", []byte(tc.raw))
			switch tc.wantErr {
			case nil:
				require.NoError(t, err)
			case errAny:
				require.Error(t, err)
			default:
				require.ErrorIs(t, err, tc.wantErr)
			}
			assert.Equal(t, tc.want, page)
		})
	}
}

var errAny = errors.New("any error")

// A key whose query is known (Expect) takes a search's answer only: a
// history (past versions), document, message, transaction or batch Bundle
// is refused and nothing of it read; the type, the sender's text, is not
// in the error.
func TestAddRefusesNoSearchResult(t *testing.T) {
	entry := `"entry":[{"resource":{"resourceType":"Condition","id":"c","code":{"text":"x"}}}]`
	for typ, ok := range map[string]bool{"history": false, "document": false, "message": false, "transaction": false, "batch": false,
		"SearchSet": false, "Patient Ada Lovelace": false, "searchset": true, " searchset ": true, "collection": true,
		"batch-response": true, "transaction-response": true, "": true} {
		t.Run(typ, func(t *testing.T) {
			b := NewBuilder(nil)
			b.Expect("conditions", "Condition")
			_, err := b.Add(context.Background(), "conditions", []byte(`{"resourceType":"Bundle","type":"`+typ+`",`+entry+`}`))
			if ok {
				require.NoError(t, err)
				assert.Len(t, b.Record().Conditions, 1)
				return
			}
			require.ErrorIs(t, err, ErrNotResource)
			assert.NotContains(t, err.Error(), "Lovelace")
			assert.Empty(t, b.Record().Conditions)
		})
	}
}

func TestMalformedEntrySkippedSiblingsKept(t *testing.T) {
	raw := `{"resourceType":"Bundle","entry":[
		{"resource":{"resourceType":"Observation","id":"a","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"718-7"}]},"valueQuantity":{"value":13,"code":"g/dL"}}},
		{"resource":{"resourceType":"Observation","id":"b","status":"Ada-Lovelace-1990","code":{"text":"x"}}},
		{"resource":{"resourceType":"Observation","id":"c","status":"final","code":{"text":"y"},"valueQuantity":{"value":"12,5"}}},
		{"resource":{"resourceType":"Observation","id":"d","status":"amended","code":{"text":"z"},"valueQuantity":{"value":4.2,"unit":"x10^3/uL"}}}]}`
	var logs bytes.Buffer
	b := NewBuilder(slog.New(slog.NewJSONHandler(&logs, nil)))
	page, err := b.Add(context.Background(), "cbc", []byte(raw))
	require.NoError(t, err)
	assert.Equal(t, Page{Entries: 4, Skipped: 2}, page)
	rec := b.Record()
	var ids []string
	for _, o := range rec.Observations {
		ids = append(ids, o.ID)
	}
	assert.Equal(t, []string{"Observation/a", "Observation/d"}, ids)

	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	require.Len(t, lines, 2)
	var first map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &first))
	assert.Equal(t, "fhir: skipped malformed entry", first["msg"])
	assert.Equal(t, "cbc", first["key"])
	assert.Equal(t, "Observation", first["resourceType"])
	assert.EqualValues(t, 1, first["entry"])
	assert.NotEmpty(t, first["error"])
	assert.NotContains(t, logs.String(), "Ada-Lovelace", "the bad value is not logged")
	assert.NotContains(t, logs.String(), "12,5", "the bad value is not logged")
}

func TestTolerance(t *testing.T) {
	tests := []struct {
		name  string
		raw   string
		check func(t *testing.T, rec *rules.Record)
	}{
		{"single-object category and reasonCode", `{"resourceType":"MedicationRequest","id":"m","status":"active","intent":"order",
			"category":{"coding":[{"code":"community"}]},"reasonCode":{"text":"Atopic dermatitis"},
			"medicationCodeableConcept":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"2196092"}],"text":"upadacitinib 15 MG"}}`,
			func(t *testing.T, rec *rules.Record) {
				require.Len(t, rec.Medications, 1)
				assert.Equal(t, "upadacitinib 15 MG", rec.Medications[0].Text)
				assert.Equal(t, "active", rec.Medications[0].Status)
			}},
		{"single-object interpretation and coding", `{"resourceType":"Observation","id":"o","status":"final",
			"code":{"coding":{"system":"http://loinc.org","code":"26515-7"}},
			"interpretation":{"coding":[{"code":"L"}]},"valueQuantity":{"value":90,"code":"10*3/uL"}}`,
			func(t *testing.T, rec *rules.Record) {
				require.Len(t, rec.Observations, 1)
				o := rec.Observations[0]
				assert.Equal(t, []rules.Coding{{System: rules.SystemLOINC, Code: "26515-7"}}, o.Codes)
				assert.Equal(t, []rules.Coding{{Code: "L"}}, o.Interpretation)
			}},
		{"one-element array where one value is expected", `{"resourceType":"Observation","id":"o","status":"final",
			"code":[{"coding":[{"system":"http://loinc.org","code":"718-7"}]}],"valueQuantity":[{"value":12,"code":"g/dL"}]}`,
			func(t *testing.T, rec *rules.Record) {
				require.Len(t, rec.Observations, 1)
				assert.Equal(t, &rules.Quantity{Value: 12, Unit: "g/dL"}, rec.Observations[0].Quantity)
			}},
		{"unknown optional code dropped: gender", `{"resourceType":"Patient","id":"p","gender":"F","birthDate":"1980"}`,
			func(t *testing.T, rec *rules.Record) {
				assert.Equal(t, &rules.Patient{BirthDate: day("1980-01-01"), BirthDatePrecision: 'y'}, rec.Patient)
			}},
		{"partial birth date: year and month", `{"resourceType":"Patient","id":"p","birthDate":"1980-06"}`,
			func(t *testing.T, rec *rules.Record) {
				assert.Equal(t, &rules.Patient{BirthDate: day("1980-06-01"), BirthDatePrecision: 'm'}, rec.Patient)
			}},
		{"unknown optional code dropped: comparator", `{"resourceType":"Observation","id":"o","status":"final","code":{"text":"x"},
			"valueQuantity":{"value":5,"comparator":"~","code":"g/dL"}}`,
			func(t *testing.T, rec *rules.Record) {
				require.Len(t, rec.Observations, 1)
				assert.Equal(t, &rules.Quantity{Value: 5, Unit: "g/dL"}, rec.Observations[0].Quantity)
			}},
		{"null members dropped", `{"resourceType":"Patient","id":"p","gender":null,"birthDate":"1980-02-03"}`,
			func(t *testing.T, rec *rules.Record) {
				assert.Equal(t, &rules.Patient{BirthDate: day("1980-02-03")}, rec.Patient)
			}},
		{"decimal integer 1.0 accepted", `{"resourceType":"MedicationRequest","id":"m","status":"active","intent":"order",
			"medicationCodeableConcept":{"text":"abrocitinib 100 mg"},
			"dosageInstruction":[{"timing":{"repeat":{"frequency":1.0,"period":1,"periodUnit":"d"}}}]}`,
			func(t *testing.T, rec *rules.Record) {
				require.Len(t, rec.Medications, 1)
				assert.Equal(t, 1.0, rec.Medications[0].Dose.Frequency)
			}},
		{"required code unknown: skipped, not read as another status", `{"resourceType":"Observation","id":"o","status":"F","code":{"text":"x"}}`,
			func(t *testing.T, rec *rules.Record) {
				assert.Empty(t, rec.Observations)
			}},
		{"required code in another spelling: read as the code", `{"resourceType":"Observation","id":"o","status":"FINAL","code":{"text":"x"}}`,
			func(t *testing.T, rec *rules.Record) {
				require.Len(t, rec.Observations, 1)
				assert.Equal(t, "final", rec.Observations[0].Status)
			}},
		{"medication status and intent spelt otherwise: read as the codes; route text and displays", `{"resourceType":"MedicationRequest","id":"m","status":" On Hold ","intent":"Original Order",
			"medicationCodeableConcept":{"text":"ketoconazole 2 %"},"dosageInstruction":[{"route":{"coding":[{"display":"Topical route"}],"text":"topical"}}]}`,
			func(t *testing.T, rec *rules.Record) {
				require.Len(t, rec.Medications, 1)
				assert.Equal(t, "on-hold", rec.Medications[0].Status)
				assert.Equal(t, "original-order", rec.Medications[0].Intent)
				assert.Equal(t, "topical; Topical route", rec.Medications[0].Dose.Route)
			}},
		{"medication status no code: skipped, kept apart as unreadable", `{"resourceType":"MedicationStatement","id":"m","status":"taking","medicationCodeableConcept":{"text":"x"}}`,
			func(t *testing.T, rec *rules.Record) {
				assert.Empty(t, rec.Medications)
				require.Len(t, rec.Unreadable, 1)
				assert.Equal(t, "taking", rec.Unreadable[0].Status)
				assert.Equal(t, "x", rec.Unreadable[0].Text)
			}},
		{"required code null: skipped", `{"resourceType":"Immunization","id":"i","status":null,"vaccineCode":{"text":"x"}}`,
			func(t *testing.T, rec *rules.Record) {
				assert.Empty(t, rec.Immunizations)
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBuilder(nil)
			_, err := b.Add(context.Background(), "k", []byte(tc.raw))
			require.NoError(t, err)
			tc.check(t, b.Record())
		})
	}
}

func TestConversion(t *testing.T) {
	tests := []struct {
		name  string
		raw   string
		check func(t *testing.T, rec *rules.Record)
	}{
		{"observation: full dateTime with zone, UCUM code over unit", `{"resourceType":"Observation","id":"alc","status":"final",
			"code":{"coding":[{"system":"http://loinc.org","code":"731-0","display":"Lymphocytes"}],"text":"ALC"},
			"effectiveDateTime":"2026-11-02T10:30:00+01:00","issued":"2026-11-03T00:00:00Z",
			"valueQuantity":{"value":0.8,"unit":"thousand per microliter","system":"http://unitsofmeasure.org","code":"10*3/uL"},
			"interpretation":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation","code":"L"}]}]}`,
			func(t *testing.T, rec *rules.Record) {
				require.Len(t, rec.Observations, 1)
				o := rec.Observations[0]
				assert.Equal(t, "Observation/alc", o.ID)
				assert.Equal(t, "ALC", o.Text)
				assert.Equal(t, "final", o.Status)
				assert.True(t, o.Date.Equal(time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC)), o.Date)
				assert.Equal(t, &rules.Quantity{Value: 0.8, Unit: "10*3/uL", UnitText: "thousand per microliter"}, o.Quantity,
					"the readable unit is kept too: the rules read it when the code is not one they list")
				assert.Equal(t, "L", o.Interpretation[0].Code)
			}},
		{"observation: unit text when no code", `{"resourceType":"Observation","status":"final","code":{"text":"x"},
			"effectivePeriod":{"start":"2026-11","end":"2026-12"},"valueQuantity":{"value":7,"unit":"g/dL"}}`,
			func(t *testing.T, rec *rules.Record) {
				o := rec.Observations[0]
				assert.Equal(t, "", o.ID, "no id, no ID")
				assert.Equal(t, day("2026-11-01"), o.Date)
				assert.Equal(t, &rules.Quantity{Value: 7, Unit: "g/dL"}, o.Quantity)
			}},
		{"observation: non-UCUM code falls back to unit", `{"resourceType":"Observation","status":"final","code":{"text":"x"},
			"valueQuantity":{"value":7,"unit":"K/uL","system":"http://local/units","code":"KUL"}}`,
			func(t *testing.T, rec *rules.Record) {
				assert.Equal(t, &rules.Quantity{Value: 7, Unit: "K/uL", UnitText: "KUL"}, rec.Observations[0].Quantity)
			}},
		{"observation: no unit at all stays empty", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":7}}`,
			func(t *testing.T, rec *rules.Record) {
				assert.Equal(t, &rules.Quantity{Value: 7, Unit: ""}, rec.Observations[0].Quantity)
			}},
		{"observation: no value, no quantity", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"unit":"g/dL"}}`,
			func(t *testing.T, rec *rules.Record) {
				assert.Nil(t, rec.Observations[0].Quantity)
			}},
		{"observation: valueInteger is unit-less", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueInteger":3}`,
			func(t *testing.T, rec *rules.Record) {
				assert.Equal(t, &rules.Quantity{Value: 3}, rec.Observations[0].Quantity)
			}},
		{"observation: instant, else issued", `{"resourceType":"Bundle","entry":[
			{"resource":{"resourceType":"Observation","id":"1","status":"final","code":{"text":"x"},"effectiveInstant":"2026-11-02T08:00:00.123Z"}},
			{"resource":{"resourceType":"Observation","id":"2","status":"final","code":{"text":"x"},"issued":"2026-11-04T08:00:00Z"}},
			{"resource":{"resourceType":"Observation","id":"3","status":"final","code":{"text":"x"},"effectiveDateTime":"2026"}},
			{"resource":{"resourceType":"Observation","id":"4","status":"final","code":{"text":"x"},"effectiveDateTime":"yesterday"}}]}`,
			func(t *testing.T, rec *rules.Record) {
				require.Len(t, rec.Observations, 4)
				assert.Equal(t, time.Date(2026, 11, 2, 8, 0, 0, 123e6, time.UTC), rec.Observations[0].Date)
				assert.Equal(t, time.Date(2026, 11, 4, 8, 0, 0, 0, time.UTC), rec.Observations[1].Date)
				assert.Equal(t, day("2026-01-01"), rec.Observations[2].Date)
				assert.True(t, rec.Observations[3].Date.IsZero())
			}},
		{"observation: coded value, string value and components", `{"resourceType":"Observation","id":"q","status":"final",
			"code":{"coding":[{"system":"http://loinc.org","code":"71774-4"}]},
			"valueCodeableConcept":{"coding":[{"system":"http://snomed.info/sct","code":"260385009","display":"Negative"}],"text":"Negative"},
			"component":[{"code":{"coding":[{"system":"http://loinc.org","code":"46217-6"}]},"valueString":"Nil 0.05 IU/mL"},
				{"code":{"text":"mitogen"},"valueQuantity":{"value":9.1,"code":"[IU]/mL"}}]}`,
			func(t *testing.T, rec *rules.Record) {
				o := rec.Observations[0]
				assert.Equal(t, []rules.Coding{{System: rules.SystemSNOMED, Code: "260385009", Display: "Negative"}}, o.ValueCodes)
				assert.Equal(t, "Negative", o.ValueText)
				require.Len(t, o.Components, 2)
				assert.Equal(t, rules.Observation{Codes: []rules.Coding{{System: rules.SystemLOINC, Code: "46217-6"}}, ValueText: "Nil 0.05 IU/mL"}, o.Components[0])
				assert.Equal(t, rules.Observation{Text: "mitogen", Quantity: &rules.Quantity{Value: 9.1, Unit: "[IU]/mL"}}, o.Components[1])
			}},
		{"condition: statuses and dates", `{"resourceType":"Condition","id":"tb",
			"clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"resolved"}]},
			"verificationStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-ver-status","code":"confirmed"}]},
			"code":{"coding":[{"system":"http://snomed.info/sct","code":"11999007","display":"Inactive tuberculosis"}]},
			"onsetPeriod":{"start":"2019-03"},"abatementDateTime":"2020","recordedDate":"2019-04-01"}`,
			func(t *testing.T, rec *rules.Record) {
				require.Len(t, rec.Conditions, 1)
				assert.Equal(t, rules.Condition{
					ID:                 "Condition/tb",
					Codes:              []rules.Coding{{System: rules.SystemSNOMED, Code: "11999007", Display: "Inactive tuberculosis"}},
					Text:               "Inactive tuberculosis",
					ClinicalStatus:     "resolved",
					VerificationStatus: "confirmed",
					Onset:              day("2019-03-01"),
					Recorded:           day("2019-04-01"),
					Abated:             true,
				}, rec.Conditions[0])
			}},
		{"condition: the HL7 status code over a local one before it", `{"resourceType":"Condition","id":"tb2",
			"clinicalStatus":{"coding":[{"system":"urn:oid:1.2.840.114350.1.13.0.1.7.4.698084.0","code":"A","display":"Active"},
				{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active"}]},
			"verificationStatus":{"coding":[{"system":"urn:local:ver","code":"9"},{"system":"http://terminology.hl7.org/CodeSystem/condition-ver-status","code":"refuted"}]},
			"code":{"coding":[{"system":"http://snomed.info/sct","code":"56717001"}]}}`,
			func(t *testing.T, rec *rules.Record) {
				assert.Equal(t, "active", rec.Conditions[0].ClinicalStatus)
				assert.Equal(t, "refuted", rec.Conditions[0].VerificationStatus)
			}},
		{"condition: no status, abatement string", `{"resourceType":"Condition","id":"c","code":{"text":"eczema"},"onsetDateTime":"2010-05-06","abatementString":"childhood"}`,
			func(t *testing.T, rec *rules.Record) {
				c := rec.Conditions[0]
				assert.Equal(t, "", c.ClinicalStatus)
				assert.Equal(t, day("2010-05-06"), c.Onset)
				assert.True(t, c.Abated)
			}},
		{"immunization", `{"resourceType":"Immunization","id":"z","status":"completed",
			"vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"187"}]},"occurrenceDateTime":"2025-10-01T09:00:00Z"}`,
			func(t *testing.T, rec *rules.Record) {
				assert.Equal(t, []rules.Immunization{{
					ID: "Immunization/z", Codes: []rules.Coding{{System: rules.SystemCVX, Code: "187"}},
					Status: "completed", Date: time.Date(2025, 10, 1, 9, 0, 0, 0, time.UTC),
				}}, rec.Immunizations)
			}},
		{"medication request: dose facts", `{"resourceType":"MedicationRequest","id":"r","status":"active","intent":"order",
			"authoredOn":"2026-10-01","dispenseRequest":{"validityPeriod":{"start":"2026-10-02"}},
			"medicationCodeableConcept":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"2196096","display":"upadacitinib 30 MG Extended Release Oral Tablet"}]},
			"dosageInstruction":[{"text":"one tablet daily","timing":{"code":{"coding":[{"code":"QD"}]},"repeat":{"frequency":1,"period":1,"periodUnit":"d"}},
				"doseAndRate":[{"doseRange":{"low":{"value":1}}},{"doseQuantity":{"value":1,"unit":"tablet"}}]}]}`,
			func(t *testing.T, rec *rules.Record) {
				require.Len(t, rec.Medications, 1)
				assert.Equal(t, rules.Medication{
					ID: "MedicationRequest/r", ResourceType: "MedicationRequest", Status: "active", Intent: "order",
					Codes:    []rules.Coding{{System: rules.SystemRxNorm, Code: "2196096", Display: "upadacitinib 30 MG Extended Release Oral Tablet"}},
					Text:     "upadacitinib 30 MG Extended Release Oral Tablet",
					Authored: day("2026-10-01"), ValidityStart: day("2026-10-02"),
					Dose: rules.DoseFacts{
						DoseQuantity: &rules.Quantity{Value: 1, Unit: "tablet"},
						Frequency:    1, Period: 1, PeriodUnit: "d", TimingCode: "QD", DosageText: "one tablet daily",
					},
				}, rec.Medications[0])
			}},
		{"medication statement", `{"resourceType":"MedicationStatement","id":"s","status":"active",
			"medicationCodeableConcept":{"text":"methotrexate 2.5 mg"},"effectivePeriod":{"start":"2025-01-15"},"dateAsserted":"2026-01-01",
			"dosage":[{"text":"weekly"}]}`,
			func(t *testing.T, rec *rules.Record) {
				assert.Equal(t, []rules.Medication{{
					ID: "MedicationStatement/s", ResourceType: "MedicationStatement", Status: "active",
					Text: "methotrexate 2.5 mg", Authored: day("2025-01-15"), Dose: rules.DoseFacts{DosageText: "weekly"},
				}}, rec.Medications)
			}},
		{"medication statement: dateAsserted when no effective", `{"resourceType":"MedicationStatement","id":"s","status":"active",
			"medicationCodeableConcept":{"text":"x"},"dateAsserted":"2026-01-01"}`,
			func(t *testing.T, rec *rules.Record) {
				assert.Equal(t, day("2026-01-01"), rec.Medications[0].Authored)
			}},
		{"medication request: end of the validity period", `{"resourceType":"MedicationRequest","id":"r","status":"completed","intent":"order",
			"medicationCodeableConcept":{"text":"x"},"dispenseRequest":{"validityPeriod":{"start":"2026-01-01","end":"2026-03-31"}}}`,
			func(t *testing.T, rec *rules.Record) {
				assert.Equal(t, day("2026-01-01"), rec.Medications[0].ValidityStart)
				assert.Equal(t, day("2026-03-31"), rec.Medications[0].End)
			}},
		// Task 3 (contract 6.1): statements beside requests, status as
		// sent, start and end of effectivePeriod, the dose as for requests.
		{"medication statements of every status, with start, end and dose", `{"resourceType":"Bundle","entry":[
			{"resource":{"resourceType":"MedicationStatement","id":"a","status":"completed","medicationCodeableConcept":{"text":"upadacitinib 15 mg"},
				"effectivePeriod":{"start":"2026-01-10","end":"2026-06-30"},"dateAsserted":"2026-07-01",
				"dosage":{"text":"15 mg daily","timing":{"repeat":{"frequency":1,"period":1,"periodUnit":"d"}},"doseAndRate":[{"doseQuantity":{"value":15,"unit":"mg","system":"http://unitsofmeasure.org","code":"mg"}}]}}},
			{"resource":{"resourceType":"MedicationStatement","id":"b","status":"not-taken","medicationCodeableConcept":{"text":"x"},"effectiveDateTime":"2026-05-05"}},
			{"resource":{"resourceType":"MedicationStatement","id":"c","status":"intended","medicationCodeableConcept":{"text":"x"},"effectivePeriod":{"end":"2026-02-01"},"dateAsserted":"2026-01-20"}},
			{"resource":{"resourceType":"MedicationStatement","id":"d","status":"on-hold","medicationReference":{"reference":"#m"},
				"contained":[{"resourceType":"Medication","id":"m","code":{"text":"abrocitinib 100 mg"}}]}},
			{"resource":{"resourceType":"MedicationStatement","id":"e","status":"entered-in-error","medicationCodeableConcept":{"text":"x"}}},
			{"resource":{"resourceType":"MedicationStatement","id":"f","status":"stopped","medicationCodeableConcept":{"text":"x"}}},
			{"resource":{"resourceType":"MedicationStatement","id":"g","status":"unknown","medicationCodeableConcept":{"text":"x"}}},
			{"resource":{"resourceType":"MedicationStatement","id":"h","status":"active","medicationCodeableConcept":{"text":"x"}}}]}`,
			func(t *testing.T, rec *rules.Record) {
				require.Len(t, rec.Medications, 8)
				var statuses []string
				for _, m := range rec.Medications {
					assert.Equal(t, "MedicationStatement", m.ResourceType)
					statuses = append(statuses, m.Status)
				}
				assert.Equal(t, []string{"completed", "not-taken", "intended", "on-hold", "entered-in-error", "stopped", "unknown", "active"}, statuses)
				a := rec.Medications[0]
				assert.Equal(t, day("2026-01-10"), a.Authored, "effectivePeriod.start over dateAsserted")
				assert.Equal(t, day("2026-06-30"), a.End)
				assert.Equal(t, rules.DoseFacts{DosageText: "15 mg daily", Frequency: 1, Period: 1, PeriodUnit: "d",
					DoseQuantity: &rules.Quantity{Value: 15, Unit: "mg"}}, a.Dose, "a single dosage object is read too")
				assert.Equal(t, day("2026-05-05"), rec.Medications[1].Authored)
				assert.True(t, rec.Medications[1].End.IsZero())
				assert.Equal(t, day("2026-01-20"), rec.Medications[2].Authored, "a period without start: dateAsserted")
				assert.Equal(t, day("2026-02-01"), rec.Medications[2].End)
				assert.Equal(t, "abrocitinib 100 mg", rec.Medications[3].Text, "contained Medication")
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBuilder(nil)
			_, err := b.Add(context.Background(), "k", []byte(tc.raw))
			require.NoError(t, err)
			tc.check(t, b.Record())
		})
	}
}

const upadacitinibMedication = `{"resourceType":"Medication","id":"upa15",
	"code":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"2196092","display":"upadacitinib 15 MG Extended Release Oral Tablet"}]},
	"ingredient":[{"itemCodeableConcept":{"text":"upadacitinib"},"strength":{"numerator":{"value":15,"unit":"mg","system":"http://unitsofmeasure.org","code":"mg"},"denominator":{"value":1,"unit":"TAB"}}}]}`

// upa15Coding is upadacitinibMedication's codes: its code's coding, then
// its ingredient's text (failsafe16: a Medication is recognised by its
// ingredients too).
var upa15Coding = []rules.Coding{{System: rules.SystemRxNorm, Code: "2196092", Display: "upadacitinib 15 MG Extended Release Oral Tablet"}, {Display: "upadacitinib"}}

func TestMedicationReference(t *testing.T) {
	order := func(ref string) string {
		return `{"resourceType":"MedicationRequest","id":"o","status":"active","intent":"order","medicationReference":{"reference":"` + ref + `","display":"Rinvoq"}}`
	}
	tests := []struct {
		name       string
		values     []string // added in this order, each under its own key
		wantCodes  []rules.Coding
		wantText   string
		wantMg     float64
		wantLogged bool
	}{
		{"contained", []string{`{"resourceType":"MedicationRequest","id":"o","status":"active","intent":"order",
			"contained":[{"resourceType":"Medication","id":"other"},` + upadacitinibMedication[:len(upadacitinibMedication)-1] + `}],
			"medicationReference":{"reference":"#upa15"}}`},
			upa15Coding, "upadacitinib 15 MG Extended Release Oral Tablet", 15, false},
		{"same bundle", []string{`{"resourceType":"Bundle","entry":[{"resource":` + order("Medication/upa15") + `},{"resource":` + upadacitinibMedication + `}]}`},
			upa15Coding, "upadacitinib 15 MG Extended Release Oral Tablet", 15, false},
		{"another key, added later, absolute url with history", []string{order("https://ehr.example/fhir/Medication/upa15/_history/3"), upadacitinibMedication},
			upa15Coding, "upadacitinib 15 MG Extended Release Oral Tablet", 15, false},
		{"fullUrl urn:uuid", []string{`{"resourceType":"Bundle","type":"transaction","entry":[{"resource":` + order("urn:uuid:1234") + `},{"fullUrl":"urn:uuid:1234","resource":{"resourceType":"Medication","code":{"text":"Rinvoq 15 mg"}}}]}`},
			nil, "Rinvoq 15 mg", 0, false},
		{"unresolved: display kept as text", []string{order("Medication/missing")}, nil, "Rinvoq", 0, true},
		{"unresolved contained: display kept as text", []string{order("#missing")}, nil, "Rinvoq", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			b := NewBuilder(slog.New(slog.NewTextHandler(&logs, nil)))
			for i, v := range tc.values {
				_, err := b.Add(context.Background(), "k"+string(rune('0'+i)), []byte(v))
				require.NoError(t, err)
			}
			rec := b.Record()
			require.Len(t, rec.Medications, 1)
			m := rec.Medications[0]
			assert.Equal(t, tc.wantCodes, m.Codes)
			assert.Equal(t, tc.wantText, m.Text)
			assert.Equal(t, tc.wantMg, m.Dose.IngredientStrengthMg)
			assert.Equal(t, tc.wantLogged, strings.Contains(logs.String(), "not resolved"))
		})
	}
}

func TestStrengthMg(t *testing.T) {
	ing := func(num, den string) string {
		return `{"resourceType":"Medication","id":"m","ingredient":[{"itemCodeableConcept":{"text":"x"},"strength":{"numerator":` + num + `,"denominator":` + den + `}}]}`
	}
	tests := []struct {
		name string
		raw  string
		want float64
	}{
		{"15 mg per tablet", ing(`{"value":15,"code":"mg"}`, `{"value":1,"unit":"TAB"}`), 15},
		{"unit text MG", ing(`{"value":200,"unit":"MG"}`, `{"value":1}`), 200},
		{"per 2 tablets is not per unit", ing(`{"value":30,"code":"mg"}`, `{"value":2}`), 0},
		{"grams are not mg", ing(`{"value":0.2,"code":"g"}`, `{"value":1}`), 0},
		{"no unit", ing(`{"value":15}`, `{"value":1}`), 0},
		{"inactive ingredient skipped", `{"resourceType":"Medication","id":"m","ingredient":[
			{"isActive":false,"itemCodeableConcept":{"text":"filler"},"strength":{"numerator":{"value":5,"code":"mg"},"denominator":{"value":1}}},
			{"itemCodeableConcept":{"text":"abrocitinib"},"strength":{"numerator":{"value":100,"code":"mg"},"denominator":{"value":1}}}]}`, 100},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBuilder(nil)
			_, err := b.Add(context.Background(), "meds", []byte(`{"resourceType":"Bundle","entry":[{"resource":`+tc.raw+`},
				{"resource":{"resourceType":"MedicationRequest","id":"r","status":"active","intent":"order","medicationReference":{"reference":"Medication/m"}}}]}`))
			require.NoError(t, err)
			rec := b.Record()
			require.Len(t, rec.Medications, 1)
			assert.Equal(t, tc.want, rec.Medications[0].Dose.IngredientStrengthMg)
		})
	}
}

func TestRecordDeduplicatesAcrossKeys(t *testing.T) {
	obs := `{"resourceType":"Observation","id":"h","status":"final","code":{"text":"Hgb"}}`
	b := NewBuilder(nil)
	for _, k := range []string{"hgb", "cbc"} {
		_, err := b.Add(context.Background(), k, []byte(`{"resourceType":"Bundle","entry":[{"resource":`+obs+`}]}`))
		require.NoError(t, err)
	}
	_, err := b.Add(context.Background(), "patient", []byte(`{"resourceType":"Patient","id":"p","gender":"male"}`))
	require.NoError(t, err)
	_, err = b.Add(context.Background(), "patient2", []byte(`{"resourceType":"Patient","id":"q","gender":"female"}`))
	require.NoError(t, err)
	rec := b.Record()
	assert.Len(t, rec.Observations, 1)
	assert.Equal(t, "male", rec.Patient.Gender, "the first Patient wins")
	assert.Equal(t, rec, b.Record(), "Record can be called again")
}

func TestDecodeOrders(t *testing.T) {
	tests := []struct {
		name      string
		raw       string
		wantErr   bool
		wantMeds  int
		wantRaw   []string
		wantServ  []rules.Coding
		wantTexts []string
		wantSO    []rules.ServiceOrder
	}{
		{"medication, service and nutrition orders, bundled medication", `{"resourceType":"Bundle","entry":[
			{"resource":{"resourceType":"MedicationRequest","id":"a","status":"draft","intent":"order","medicationReference":{"reference":"Medication/upa15"}}},
			{"resource":` + upadacitinibMedication + `},
			{"resource":{"resourceType":"ServiceRequest","id":"s","status":"draft","intent":"order","subject":{"reference":"Patient/p"},
				"code":{"coding":[{"system":"http://loinc.org","code":"71774-4"}]}}},
			{"resource":{"resourceType":"NutritionOrder","id":"n","status":"draft"}},
			{"resource":{"resourceType":"MedicationRequest","status":"draft","intent":"order","medicationCodeableConcept":{"text":"abrocitinib 100 mg"}}}]}`,
			false, 2, []string{"MedicationRequest/a"},
			[]rules.Coding{{System: rules.SystemLOINC, Code: "71774-4"}},
			[]string{"upadacitinib 15 MG Extended Release Oral Tablet", "abrocitinib 100 mg"},
			[]rules.ServiceOrder{{ID: "ServiceRequest/s", Status: "draft", Codes: []rules.Coding{{System: rules.SystemLOINC, Code: "71774-4"}}}}},
		{"a vaccine ordered as a service, by CVX and text", `{"resourceType":"Bundle","entry":[
			{"resource":{"resourceType":"ServiceRequest","id":"v","status":"active","intent":"order","subject":{"reference":"Patient/p"},
				"code":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"03","display":"MMR"}],"text":"MMR vaccine"}}}]}`,
			false, 0, nil, []rules.Coding{{System: rules.SystemCVX, Code: "03", Display: "MMR"}}, nil,
			[]rules.ServiceOrder{{ID: "ServiceRequest/v", Status: "active", Text: "MMR vaccine",
				Codes: []rules.Coding{{System: rules.SystemCVX, Code: "03", Display: "MMR"}}}}},
		// Contract 6.6: an order that cannot be read fails the call, it is
		// no longer skipped (TestDecodeOrdersStrict says which member).
		{"malformed order refused", `{"resourceType":"Bundle","entry":[
			{"resource":{"resourceType":"MedicationRequest","id":"a","status":"draft","intent":"order","medicationCodeableConcept":"upadacitinib"}},
			{"resource":{"resourceType":"MedicationRequest","id":"b","status":"draft","intent":"order","medicationCodeableConcept":{"text":"abrocitinib"}}}]}`,
			true, 0, nil, nil, nil, nil},
		{"empty bundle", `{"resourceType":"Bundle"}`, false, 0, nil, nil, nil, nil},
		{"not a bundle", `{"resourceType":"MedicationRequest","id":"a","status":"draft","intent":"order"}`, true, 0, nil, nil, nil, nil},
		{"not JSON", `{"resourceType":"Bundle"`, true, 0, nil, nil, nil, nil},
		{"null", `null`, true, 0, nil, nil, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			orders, err := DecodeOrders(context.Background(), []byte(tc.raw), "", nil)
			if tc.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Len(t, orders.Medications, tc.wantMeds)
			var texts []string
			for _, m := range orders.Medications {
				texts = append(texts, m.Text)
			}
			assert.Equal(t, tc.wantTexts, texts)
			var keys []string
			for k := range orders.Raw {
				keys = append(keys, k)
			}
			assert.ElementsMatch(t, tc.wantRaw, keys)
			assert.Equal(t, tc.wantServ, orders.Services)
			assert.Equal(t, tc.wantSO, orders.ServiceOrders)
		})
	}
}

func TestSyntheaRecord(t *testing.T) {
	tests := []struct {
		file                                                 string
		observations, conditions, medications, immunizations int
	}{
		// Counts of each resource type in the files (checked independently).
		{"Garrett_Thompson_5a72e290-8102-4c8a-84f7-f838387508b2.json", 47, 6, 3, 5},
		{"Fletcher_Hyatt_fe0562b5-f517-4951-8366-32fdab088930.json", 351, 20, 122, 10},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("..", "testdata", "synthea", tc.file))
			if errors.Is(err, os.ErrNotExist) {
				t.Skip("not in testdata/synthea")
			}
			require.NoError(t, err)
			var logs bytes.Buffer
			b := NewBuilder(slog.New(slog.NewTextHandler(&logs, nil)))
			page, err := b.Add(context.Background(), "everything", data)
			require.NoError(t, err)
			assert.Zero(t, page.Skipped)
			assert.Empty(t, logs.String())
			rec := b.Record()
			require.NotNil(t, rec.Patient)
			assert.False(t, rec.Patient.BirthDate.IsZero())
			assert.NotEmpty(t, rec.Patient.Gender)
			assert.Len(t, rec.Observations, tc.observations)
			assert.Len(t, rec.Conditions, tc.conditions)
			assert.Len(t, rec.Medications, tc.medications)
			assert.Len(t, rec.Immunizations, tc.immunizations)
			for _, o := range rec.Observations {
				assert.NotEmpty(t, o.Codes, o.ID)
				assert.False(t, o.Date.IsZero(), o.ID)
			}
			for _, m := range rec.Medications {
				assert.NotEmpty(t, m.Codes, m.ID)
				assert.False(t, m.Authored.IsZero(), m.ID)
			}
		})
	}
}

// Only the members a converter reads are decoded: a member no rule reads
// that does not fit its FHIR type does not cost the resource (a lab result
// lost to a malformed meta would be reported as a missing screening),
// while one that is read still does. Member names are case-sensitive, as
// FHIR JSON's are (contract 6.6): "STATUS" and "ONSETDATETIME" are unknown
// members, not status and onsetDateTime (before, names were matched as
// encoding/json matches them, without regard to case).
func TestUnreadMembersNotDecoded(t *testing.T) {
	raw := `{"resourceType":"Bundle","entry":[
		{"resource":{"resourceType":"Observation","id":"a","meta":7,"category":{"x":1},"status":"final","code":{"coding":[{"system":"http://loinc.org","code":"718-7"}]},"valueQuantity":{"value":13,"code":"g/dL"}}},
		{"resource":{"resourceType":"Observation","id":"b","status":"final","code":{"text":"y"},"valueQuantity":{"value":"12,5"}}},
		{"resource":{"resourceType":"Observation","id":"c","STATUS":"invented","code":{"text":"z"}}},
		{"resource":{"resourceType":"Condition","id":"d","encounter":[],"code":{"text":"eczema"},"ONSETDATETIME":"2020-05-01"}}]}`
	for _, pretty := range []bool{false, true} {
		in := []byte(raw)
		if pretty {
			v := jsontext.Value(in)
			require.NoError(t, v.Indent())
			in = v
		}
		b := NewBuilder(nil)
		page, err := b.Add(context.Background(), "labs", in)
		require.NoError(t, err)
		assert.Equal(t, Page{Entries: 4, Skipped: 1}, page, "pretty %v", pretty)
		rec := b.Record()
		require.Len(t, rec.Observations, 2)
		assert.Equal(t, "Observation/a", rec.Observations[0].ID)
		assert.Equal(t, 13.0, rec.Observations[0].Quantity.Value)
		assert.Equal(t, "Observation/c", rec.Observations[1].ID)
		assert.NotEqual(t, "invented", rec.Observations[1].Status, "STATUS is not status")
		require.Len(t, rec.Conditions, 1)
		assert.True(t, rec.Conditions[0].Onset.IsZero(), "ONSETDATETIME is not onsetDateTime")
	}
}

// A resource that is not a Bundle but carries an "entry" member: the
// resource itself is decoded, and what its entries hold is no data.
func TestResourceWithEntryMember(t *testing.T) {
	raw := `{"resourceType":"Patient","gender":"female","entry":[{"resource":{"resourceType":"Observation","status":"final","code":{"text":"x"},"effectiveDateTime":"2026-01-01"}}],"birthDate":"1980-01-02"}`
	b := NewBuilder(nil)
	page, err := b.Add(context.Background(), "patient", []byte(raw))
	require.NoError(t, err)
	assert.Equal(t, Page{Entries: 1}, page)
	rec := b.Record()
	require.NotNil(t, rec.Patient)
	assert.Equal(t, "female", rec.Patient.Gender)
	assert.Equal(t, "1980-01-02", rec.Patient.BirthDate.Format(time.DateOnly))
	assert.Empty(t, rec.Observations)
}

// A reference names the patient of the path segment after "Patient/",
// whatever follows it: "Patient/x/" and "Patient/x/_history" named no
// patient, so another patient's data under them was read as the context
// patient's.
func TestPatientOf(t *testing.T) {
	for _, tc := range []struct {
		ref, id string
		ok      bool
	}{
		{"Patient/p1", "p1", true},
		{" Patient/p1 ", "p1", true},
		{"Patient/p1/_history/2", "p1", true},
		{"https://ehr.example.org/fhir/Patient/p1/_history/2", "p1", true},
		{"Patient/other/", "other", true},
		{"Patient/other/_history", "other", true},
		{"https://ehr.example.org/fhir/Patient/other/", "other", true},
		{"Patient/other/$everything", "other", true},
		{"Patient/", "", false},
		{"Group/1", "", false},
		{"MyPatient/1", "", false},
		{"urn:uuid:9f0e3c1a-0000-4000-8000-000000000001", "", false},
		{"#p", "", false},
		{"", "", false},
	} {
		id, ok := patientOf(tc.ref)
		assert.Equal(t, tc.ok, ok, "%q", tc.ref)
		assert.Equal(t, tc.id, id, "%q", tc.ref)
	}
}

// A resource whose id comes again is kept once when its content is the same
// (a date with a zone offset too: each parse has a zone of its own), and
// twice when it differs.
func TestSameIDKeptOnceOnlyWhenSame(t *testing.T) {
	cond := func(onset, status string) string {
		return `{"resource":{"resourceType":"Condition","id":"mi","subject":{"reference":"Patient/p"},` +
			`"clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"` + status + `"}]},` +
			`"code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"I21.9"}]},"onsetDateTime":"` + onset + `"}}`
	}
	for _, tc := range []struct {
		name string
		a, b string
		want int
	}{
		{"same, with offset", cond("2026-11-20T10:00:00+05:30", "active"), cond("2026-11-20T10:00:00+05:30", "active"), 1},
		{"other status", cond("2026-11-20T10:00:00+01:00", "active"), cond("2026-11-20T10:00:00+01:00", "resolved"), 2},
		{"other onset", cond("2026-11-20T10:00:00+01:00", "active"), cond("2026-11-21T10:00:00+01:00", "active"), 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBuilder(nil)
			_, err := b.Add(context.Background(), "conditions", []byte(`{"resourceType":"Bundle","entry":[`+tc.a+`,`+tc.b+`]}`))
			require.NoError(t, err)
			assert.Len(t, b.Record().Conditions, tc.want)
		})
	}
}

// MedicationRefs lists the relative Medication references nothing added
// resolves: not one a Medication added (in any value) resolves, not an
// absolute one (another server's Medication of that id is not this one),
// not a contained one.
func TestMedicationRefs(t *testing.T) {
	b := NewBuilder(nil)
	_, err := b.Add(context.Background(), "medications", []byte(`{"resourceType":"Bundle","type":"searchset","entry":[
		{"resource":{"resourceType":"MedicationRequest","id":"a","status":"active","intent":"order","medicationReference":{"reference":"Medication/m1"}}},
		{"resource":{"resourceType":"MedicationRequest","id":"b","status":"active","intent":"order","medicationReference":{"reference":"Medication/m2/_history/3"}}},
		{"resource":{"resourceType":"MedicationRequest","id":"c","status":"active","intent":"order","medicationReference":{"reference":"Medication/m3"}}},
		{"resource":{"resourceType":"MedicationRequest","id":"d","status":"active","intent":"order","medicationReference":{"reference":"https://other/fhir/Medication/m4"}}},
		{"resource":{"resourceType":"MedicationRequest","id":"e","status":"active","intent":"order","medicationReference":{"reference":"#c1"},
			"contained":[{"resourceType":"Medication","id":"c1","code":{"text":"x"}}]}}]}`))
	require.NoError(t, err)
	_, err = b.Add(context.Background(), "medicationStatements", []byte(`{"resourceType":"Bundle","type":"searchset","entry":[
		{"resource":{"resourceType":"Medication","id":"m3","code":{"text":"adalimumab"}}}]}`))
	require.NoError(t, err)
	assert.Equal(t, []string{"m1", "m2"}, b.MedicationRefs())
	_, err = b.Add(context.Background(), "medications", []byte(`{"resourceType":"Medication","id":"m1","code":{"text":"tofacitinib"}}`))
	require.NoError(t, err)
	assert.Equal(t, []string{"m2"}, b.MedicationRefs())
}
