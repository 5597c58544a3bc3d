package hooks

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Audit scenarios through the wire: cases where the rules once disagreed
// with the contract (section 5). Each starts from the clean record of
// scenarios_test.go.

func censored(o res, comparator string) res {
	o["valueQuantity"].(res)["comparator"] = comparator
	return o
}

// mgDose sets the dosage of a MedicationRequest to mg per dose, perDay times a day.
func mgDose(m res, mg float64, perDay int) res {
	m["dosageInstruction"] = []any{res{"timing": res{"repeat": res{"frequency": perDay, "period": 1, "periodUnit": "d"}},
		"doseAndRate": []any{res{"doseQuantity": res{"value": mg, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"}}}}}
	return m
}

func TestAuditScenariosFromFHIR(t *testing.T) {
	const d = "2026-11-02"
	cases := []struct {
		name  string
		drug  string
		mg    int
		r     *record
		want  string // finding code that must be reported ("" for none)
		level string // its card's indicator
		not   []string
	}{
		{"HCV antibody positive, HCV RNA <15 IU/mL: not active hepatitis C, RNA on record", "upadacitinib", 15,
			cleanRecord().replace(obsCode("hcv", "13955-0", positive, d)).
				replace(censored(obsQty("hcvrna", "11011-4", 15, "[IU]/mL", "2026-11-10"), "<")),
			"", "", []string{"hcv-active", "hcv-antibody-positive"}},
		{"HBV DNA <10 IU/mL, HBsAg negative: not active hepatitis B", "abrocitinib", 100,
			cleanRecord().replace(censored(obsQty("hbvdna", "42595-9", 10, "[IU]/mL", d), "<")),
			"", "", []string{"hbv-active"}},
		{"HBV DNA 2,300 IU/mL: active hepatitis B", "abrocitinib", 100,
			cleanRecord().replace(obsQty("hbvdna", "42595-9", 2300, "[IU]/mL", d)),
			"hbv-active", "critical", nil},
		{"HCV RNA reported as the text 'None detected': not active hepatitis C", "upadacitinib", 15,
			cleanRecord().replace(res{"resourceType": "Observation", "id": "hcvrna", "status": "final", "code": coding(loinc, "11259-9"),
				"effectiveDateTime": d, "valueString": "None detected"}),
			"", "", []string{"hcv-active"}},
		{"tacrolimus 0.1% ointment for eczema with upadacitinib: not a potent immunosuppressant", "upadacitinib", 15,
			cleanRecord().replace(medication("tac", "active", rxnorm, "", "tacrolimus 0.1 % Topical Ointment")),
			"", "", []string{"combination-immunosuppressant"}},
		{"tacrolimus 1 mg capsules with upadacitinib: potent immunosuppressant", "upadacitinib", 15,
			cleanRecord().replace(medication("tac", "active", rxnorm, "", "tacrolimus 1 MG Oral Capsule")),
			"combination-immunosuppressant", "warning", nil},
		{"aspirin/dipyridamole named only in text, 25 mg twice daily, with abrocitinib", "abrocitinib", 100,
			cleanRecord().replace(mgDose(medication("aggrenox", "active", "", "", "Aggrenox (aspirin 25 MG / dipyridamole 200 MG) capsule"), 25, 2)),
			"antiplatelet-abrocitinib", "critical", nil},
		{"aspirin 81 mg once daily named only in text, with abrocitinib", "abrocitinib", 100,
			cleanRecord().replace(mgDose(medication("asa", "active", "", "", "Aspirin 81 mg EC tablet"), 81, 1)),
			"", "", []string{"antiplatelet-abrocitinib"}},
	}
	s := newTestServer(t, serverOpts{noStore: true})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// json.Marshal escapes "<" as \u003c; EHRs send it plain.
			body := bytes.ReplaceAll(orderRequest(t, tc.r, tc.drug, tc.mg), []byte(`\u003c`), []byte("<"))
			rec := s.do(t, "POST", "/cds-services/order-sign", body)
			require.Equal(t, 200, rec.Code, rec.Body.String())
			cs := checkResponse(t, rec.Body.Bytes())
			codes := codesOf(cs)
			if tc.want != "" {
				requireFinding(t, cs, tc.want, tc.level)
			}
			for _, n := range tc.not {
				assert.NotContains(t, codes, n)
			}
		})
	}
}

// A finding resting on a code graded C or U says so on its card.
func TestAuditUnverifiedCodeOnCard(t *testing.T) {
	cases := []struct {
		name, drug, code string
		r                *record
	}{
		{"tobacco user SNOMED 110483000 (membership grade C): smoker card unverified", "upadacitinib", "smoker",
			cleanRecord().replace(condition("nic", "http://snomed.info/sct", "110483000", "active"))},
		{"eGFR 25 under the older MDRD code 33914-3 (grade C): renal card unverified", "abrocitinib", "renal-impairment",
			cleanRecord().drop("egfr").replace(obsQty("egfr-old", "33914-3", 25, "mL/min/{1.73_m2}", "2026-11-02"))},
	}
	s := newTestServer(t, serverOpts{noStore: true})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mg := map[string]int{"upadacitinib": 15, "abrocitinib": 100}[tc.drug]
			rec := s.do(t, "POST", "/cds-services/order-sign", orderRequest(t, tc.r, tc.drug, mg))
			require.Equal(t, 200, rec.Code, rec.Body.String())
			found := false
			for _, c := range checkResponse(t, rec.Body.Bytes()) {
				for _, code := range c.Findings() {
					if code == tc.code {
						found = true
						assert.Contains(t, c.Detail, "not yet verified", "card with %s", code)
					}
				}
			}
			assert.True(t, found, "no card with %s", tc.code)
		})
	}
}

// A Quantity.comparator sent JSON-escaped ("\u003c", as Go's json.Marshal
// writes "<") is kept, so "<0.5 10*3/uL" is below 500 and lymphopenia fires.
func TestAuditEscapedComparatorKept(t *testing.T) {
	r := cleanRecord().replace(censored(obsQty("alc", "731-0", 0.5, "10*3/uL", "2026-11-02"), "<"))
	s := newTestServer(t, serverOpts{noStore: true})
	rec := s.do(t, "POST", "/cds-services/order-sign", orderRequest(t, r, "upadacitinib", 15)) // "<" sent as \u003c
	require.Equal(t, 200, rec.Code, rec.Body.String())
	assert.Contains(t, codesOf(checkResponse(t, rec.Body.Bytes())), "lymphopenia")
}

// A dose card does not ask to reduce an order to the dose it already has.
func TestAuditNoReductionToTheOrderedDoseOnCard(t *testing.T) {
	cases := []struct {
		name, drug string
		mg         int
		r          *record
		code       string
		summary    string
	}{
		{"upadacitinib 15 mg with ketoconazole", "upadacitinib", 15,
			cleanRecord().replace(medication("keto", "active", rxnorm, "6135", "ketoconazole")),
			"cyp-interaction", "Keep upadacitinib at the reduced dose: strong CYP inhibitor (ketoconazole)"},
		{"abrocitinib 50 mg with eGFR 45", "abrocitinib", 50,
			cleanRecord().replace(obsQty("egfr", "98979-8", 45, "mL/min/{1.73_m2}", "2026-11-02")),
			"renal-impairment", "Keep abrocitinib at the renal dose: eGFR below 60 mL/min/1.73 m²"},
		{"upadacitinib 30 mg with ketoconazole: reduce", "upadacitinib", 30,
			cleanRecord().replace(medication("keto", "active", rxnorm, "6135", "ketoconazole")),
			"cyp-interaction", "Reduce upadacitinib to 15 mg daily: strong CYP inhibitor (ketoconazole)"},
	}
	s := newTestServer(t, serverOpts{noStore: true})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := s.do(t, "POST", "/cds-services/order-sign", orderRequest(t, tc.r, tc.drug, tc.mg))
			require.Equal(t, 200, rec.Code, rec.Body.String())
			found := false
			for _, c := range checkResponse(t, rec.Body.Bytes()) {
				if len(c.Findings()) == 1 && c.Findings()[0] == tc.code {
					found = true
					assert.Equal(t, tc.summary, c.Summary)
				}
			}
			assert.True(t, found, "no card with only %s", tc.code)
		})
	}
}
