package cards

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/rules"
)

func TestUpdatedOrder(t *testing.T) {
	upa, abro := drugTable[rules.Upadacitinib], drugTable[rules.Abrocitinib]
	tests := []struct {
		name    string
		raw     string
		ds      drugSource
		mg      float64
		check   func(t *testing.T, res map[string]any)
		wantErr string
	}{
		{
			name: "medicationReference to a contained Medication is replaced and the Medication dropped",
			raw:  string(mustReadOrder(t, "abrocitinib-200mg-contained.json")), ds: abro, mg: 100,
			check: func(t *testing.T, res map[string]any) {
				assert.NotContains(t, res, "medicationReference")
				assert.NotContains(t, res, "contained", "the only contained resource was the old Medication")
				assert.NotContains(t, res, "priorPrescription", "null pruned")
				assert.Equal(t, "abrocitinib 100 mg tablet", res["medicationCodeableConcept"].(map[string]any)["text"])
				assert.Equal(t, "abro-1", res["id"])
				assert.Equal(t, map[string]any{"reference": "Patient/pt-abro"}, res["subject"])
			},
		},
		{
			name: "other contained resources are kept",
			raw: `{"resourceType":"MedicationRequest","id":"m1","status":"draft","intent":"order","subject":{"reference":"Patient/p"},
				"contained":[{"resourceType":"Medication","id":"med"},{"resourceType":"Practitioner","id":"doc"}],
				"medicationReference":{"reference":"#med"},"requester":{"reference":"#doc"}}`,
			ds: upa, mg: 15,
			check: func(t *testing.T, res map[string]any) {
				assert.Equal(t, []any{map[string]any{"resourceType": "Practitioner", "id": "doc"}}, res["contained"])
			},
		},
		{
			name: "single-object category and reasonCode become arrays",
			raw:  string(mustReadOrder(t, "upadacitinib-30mg.json")), ds: upa, mg: 15,
			check: func(t *testing.T, res map[string]any) {
				assert.IsType(t, []any{}, res["category"])
				assert.IsType(t, []any{}, res["reasonCode"])
				assert.NotContains(t, res, "note", "empty array pruned")
			},
		},
		{
			name: "missing status, intent and subject are filled",
			raw:  `{"resourceType":"MedicationRequest","id":"m1","medicationCodeableConcept":{"text":"Rinvoq 30 mg"}}`,
			ds:   upa, mg: 15,
			check: func(t *testing.T, res map[string]any) {
				assert.Equal(t, "draft", res["status"])
				assert.Equal(t, "order", res["intent"])
				assert.Equal(t, map[string]any{"reference": "Patient/p1"}, res["subject"])
			},
		},
		{
			name: "numbers keep their precision",
			raw:  `{"resourceType":"MedicationRequest","id":"m1","status":"draft","intent":"order","subject":{"reference":"Patient/p"},"dispenseRequest":{"numberOfRepeatsAllowed":3,"quantity":{"value":30.10}}}`,
			ds:   upa, mg: 7.5,
			check: func(t *testing.T, res map[string]any) {
				assert.Equal(t, map[string]any{"numberOfRepeatsAllowed": 3.0, "quantity": map[string]any{"value": 30.10}}, res["dispenseRequest"])
				assert.Equal(t, "upadacitinib 7.5 mg extended-release tablet", res["medicationCodeableConcept"].(map[string]any)["text"])
			},
		},
		{
			name: "the course duration (timing bounds) is kept, the old dose and frequency are not",
			raw: `{"resourceType":"MedicationRequest","id":"m1","status":"draft","intent":"order","subject":{"reference":"Patient/p"},
				"dosageInstruction":[{"text":"30 mg daily for 12 weeks","patientInstruction":"take 30 mg","timing":{"repeat":{"frequency":2,"period":1,"periodUnit":"d",
				"boundsDuration":{"value":12,"unit":"wk","system":"http://unitsofmeasure.org","code":"wk"}}}}]}`,
			ds: upa, mg: 15,
			check: func(t *testing.T, res map[string]any) {
				d := res["dosageInstruction"].([]any)[0].(map[string]any)
				assert.Equal(t, map[string]any{"frequency": 1.0, "period": 1.0, "periodUnit": "d",
					"boundsDuration": map[string]any{"value": 12.0, "unit": "wk", "system": "http://unitsofmeasure.org", "code": "wk"}},
					d["timing"].(map[string]any)["repeat"])
				assert.Equal(t, "15 mg once daily", d["text"])
				assert.NotContains(t, d, "patientInstruction", "it may state the old dose")
			},
		},
		{name: "empty", raw: ``, ds: upa, mg: 15, wantErr: "no draft order"},
		{name: "not JSON", raw: `{`, ds: upa, mg: 15, wantErr: "unexpected EOF"},
		{name: "JSON null", raw: `null`, ds: upa, mg: 15, wantErr: "not an object"},
		{name: "array", raw: `[]`, ds: upa, mg: 15, wantErr: "not an object"},
		{name: "string", raw: `"x"`, ds: upa, mg: 15, wantErr: "not an object"},
		{name: "trailing data", raw: `{"id":"a"} {}`, ds: upa, mg: 15, wantErr: "trailing"},
		{name: "another resource type", raw: `{"resourceType":"ServiceRequest","id":"a"}`, ds: upa, mg: 15, wantErr: "not a MedicationRequest"},
		{name: "no id", raw: `{"resourceType":"MedicationRequest"}`, ds: upa, mg: 15, wantErr: "no id"},
		{name: "numeric id", raw: `{"resourceType":"MedicationRequest","id":7}`, ds: upa, mg: 15, wantErr: "no id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := updatedOrder(json.RawMessage(tc.raw), tc.ds, tc.mg, "p1", rules.Coding{})
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				return
			}
			require.NoError(t, err)
			b := resourceJSON(t, out)
			require.NoError(t, CheckEmpty(b))
			var res map[string]any
			require.NoError(t, json.Unmarshal(b, &res))
			assert.Equal(t, "MedicationRequest", res["resourceType"])
			dose := res["dosageInstruction"].([]any)
			require.Len(t, dose, 1)
			assert.Equal(t, tc.mg, dose[0].(map[string]any)["doseAndRate"].([]any)[0].(map[string]any)["doseQuantity"].(map[string]any)["value"])
			tc.check(t, res)
		})
	}
}

func TestUpdatedOrderNoSubject(t *testing.T) {
	_, err := updatedOrder(json.RawMessage(`{"resourceType":"MedicationRequest","id":"m1"}`), drugTable[rules.Upadacitinib], 15, "", rules.Coding{})
	assert.ErrorContains(t, err, "no subject")
}

func TestPrune(t *testing.T) {
	in := map[string]any{"a": nil, "b": "", "c": []any{}, "d": map[string]any{}, "e": []any{nil, "", "x"},
		"f": map[string]any{"g": map[string]any{"h": []any{}}}, "i": 0.0, "j": false}
	got, ok := prune(in)
	require.True(t, ok)
	assert.Equal(t, map[string]any{"e": []any{"x"}, "i": 0.0, "j": false}, got)
	_, ok = prune(map[string]any{"a": []any{map[string]any{}}})
	assert.False(t, ok)
}

// TestUpdateKeepsAProductCode: contract 6.3. The update carries the product
// code of the new strength when the knowledge base gave one; without one,
// an order that named a product gets no update and the card says why.
func TestUpdateKeepsAProductCode(t *testing.T) {
	orders := map[string]json.RawMessage{"MedicationRequest/upa-30": mustReadOrder(t, "upadacitinib-30mg.json")}
	f := finding(rules.LowerDoseRecommended, rules.Warning, rules.Upadacitinib, "MedicationRequest/upa-30")
	f.SuggestedDailyMg, f.OrderedAsProduct = 15, true
	f.ProductCode = rules.Coding{System: rules.SystemRxNorm, Code: "test-scd-15", Display: "upadacitinib 15 MG 24HR ER tablet"}
	cs := FromFindings([]rules.Finding{f}, Options{PatientID: "pt-upa", Orders: orders, NewUUID: seqUUID()})
	require.Len(t, cs, 1)
	require.Len(t, cs[0].Suggestions, 1)
	res := decodeResource(t, cs[0].Suggestions[0].Actions[0].Resource)
	med := res["medicationCodeableConcept"].(map[string]any)
	assert.Equal(t, []any{map[string]any{"system": rules.SystemRxNorm, "code": "test-scd-15", "display": "upadacitinib 15 MG 24HR ER tablet"}}, med["coding"])

	f.ProductCode = rules.Coding{}
	cs = FromFindings([]rules.Finding{f}, Options{PatientID: "pt-upa", Orders: orders, NewUUID: seqUUID()})
	require.Len(t, cs, 1)
	assert.Empty(t, cs[0].Suggestions, "no update may replace the product by the ingredient")
	assert.Contains(t, cs[0].Detail, "no product code for upadacitinib 15 mg")
	assert.Contains(t, cs[0].Summary, "15 mg")
	require.NoError(t, Validate(cs[0]))
}

// TestAmbiguousOrderGetsNoAction: a draft whose id another draft of the
// call shares gets neither an update nor a delete (the EHR could apply it
// to the other order); the card still names the dose.
func TestAmbiguousOrderGetsNoAction(t *testing.T) {
	orders := map[string]json.RawMessage{"MedicationRequest/upa-30": mustReadOrder(t, "upadacitinib-30mg.json")}
	dose := finding(rules.LowerDoseRecommended, rules.Warning, rules.Upadacitinib, "MedicationRequest/upa-30")
	dose.SuggestedDailyMg = 15
	crit := finding(rules.Lymphopenia, rules.Critical, rules.Upadacitinib, "MedicationRequest/upa-30")
	for _, amb := range []bool{false, true} {
		opt := Options{PatientID: "pt-upa", Orders: orders, NewUUID: seqUUID()}
		if amb {
			opt.Ambiguous = map[string]bool{"MedicationRequest/upa-30": true}
		}
		cs := FromFindings([]rules.Finding{dose, crit}, opt)
		require.Len(t, cs, 2)
		n := 0
		for _, c := range cs {
			require.NoError(t, Validate(c))
			n += len(c.Suggestions)
		}
		if amb {
			assert.Zero(t, n, "no update or delete of an ambiguous draft")
			assert.Contains(t, cs[1].Detail, "15 mg once daily")
		} else {
			assert.Equal(t, 2, n, "cancel on the critical card, change on the dose card")
		}
	}
}
