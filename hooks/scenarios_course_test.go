package hooks

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/cards"
)

// Scenarios of issues 13 and 14 through the wire, from FHIR JSON: a
// treatment course, continuation, units as US labs write them,
// quantitative hCG, outside medications and the December findings.

// courseOrder is an order or statement of a course member.
func courseOrder(id, resourceType, status, drug, date string) res {
	codes := map[string]string{"upadacitinib": "2196092", "abrocitinib": "2591476"}
	text := map[string]string{"upadacitinib": "upadacitinib 15 MG Extended Release Oral Tablet", "abrocitinib": "abrocitinib 100 MG Oral Tablet"}
	m := onceDaily(medication(id, status, rxnorm, codes[drug], text[drug]))
	if resourceType == "MedicationStatement" {
		m["resourceType"] = "MedicationStatement"
		delete(m, "intent")
		delete(m, "authoredOn")
		m["dosage"] = m["dosageInstruction"]
		delete(m, "dosageInstruction")
		m["effectiveDateTime"] = date
	} else {
		m["authoredOn"] = date
	}
	return m
}

// onCourse adds a six-month course of drug renewed every two months.
func (r *record) onCourse(drug string) *record {
	r.medications = append(r.medications,
		courseOrder(drug+"-1", "MedicationRequest", "completed", drug, "2026-06-01"),
		courseOrder(drug+"-2", "MedicationRequest", "completed", drug, "2026-08-01"),
		courseOrder(drug+"-3", "MedicationRequest", "active", drug, "2026-10-01"))
	return r
}

func TestRenewalOfAStablePatientGivesNoWarningFromFHIR(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	for _, drug := range []string{"upadacitinib", "abrocitinib"} {
		mg := map[string]int{"upadacitinib": 15, "abrocitinib": 100}[drug]
		// Without any screening on record either: a renewal is not a start.
		r := cleanRecord().onCourse(drug).drop("igra").drop("hbsag").drop("hcv").drop("rzv").drop("dupi")
		rec := s.do(t, "POST", "/cds-services/order-sign", orderRequest(t, r, drug, mg))
		require.Equal(t, 200, rec.Code, rec.Body.String())
		for _, c := range checkResponse(t, rec.Body.Bytes()) {
			assert.Equal(t, "info", string(c.Indicator), "%s renewal: %s %v", drug, c.Summary, c.Findings())
		}
	}
}

func TestCourseScenariosFromFHIR(t *testing.T) {
	cases := []struct {
		name    string
		drug    string
		mg      int
		r       *record
		want    string
		level   string
		summary string // a part of the summary of want's card
		not     string
	}{
		{"abrocitinib renewal with platelets 120,000: the on-treatment limit is 50,000", "abrocitinib", 100,
			cleanRecord().onCourse("abrocitinib").replace(obsQty("plt", "777-3", 120, "10*3/uL", "2026-11-02")), "", "", "", "thrombocytopenia"},
		{"abrocitinib renewal with platelets 45 K/mcL: discontinue", "abrocitinib", 100,
			cleanRecord().onCourse("abrocitinib").replace(obsQty("plt", "777-3", 45, "K/mcL", "2026-11-02")), "thrombocytopenia", "critical", "Discontinue abrocitinib", ""},
		{"upadacitinib renewal with neutrophils 800 cells/mcL: interrupt", "upadacitinib", 15,
			cleanRecord().onCourse("upadacitinib").replace(obsQty("anc", "751-8", 800, "cells/mcL", "2026-11-02")), "neutropenia", "critical", "Interrupt upadacitinib", ""},
		{"abrocitinib started 8 months ago with clopidogrel: past the first 3 months", "abrocitinib", 100,
			cleanRecord().onCourse("abrocitinib").replace(medication("clop", "active", rxnorm, "32968", "clopidogrel 75 MG Oral Tablet")), "", "", "", "antiplatelet-abrocitinib"},
		{"course on an outside medication list is a course", "upadacitinib", 15,
			func() *record {
				r := cleanRecord().drop("igra")
				r.medications = append(r.medications, courseOrder("upa-out", "MedicationStatement", "active", "upadacitinib", "2026-07-01"))
				return r
			}(), "", "", "", "tb-screening-missing"},
		{"ALC 0.3 K/mcL at a start: lymphopenia", "upadacitinib", 15,
			cleanRecord().replace(obsQty("alc", "731-0", 0.3, "K/mcL", "2026-11-02")), "lymphopenia", "critical", "Do not start upadacitinib", "cbc-missing"},
		{"quantitative hCG 2500 mIU/mL, no flag: pregnancy", "abrocitinib", 100,
			cleanRecord().replace(obsQty("hcg", "2118-8", 2500, "m[IU]/mL", "2026-11-25")), "pregnancy", "critical", "pregnant", ""},
		{"quantitative hCG 12 mIU/mL: indeterminate, repeat", "abrocitinib", 100,
			cleanRecord().replace(obsQty("hcg", "2118-8", 12, "m[IU]/mL", "2026-11-25")), "pregnancy-test-missing", "warning", "pregnancy test", "pregnancy"},
		{"hCG exactly 30 days old still counts", "upadacitinib", 15,
			cleanRecord().replace(obsCode("hcg", "2106-3", negative, "2026-10-30")), "", "", "", "pregnancy-test-missing"},
		{"CBC exactly 90 days old still counts", "upadacitinib", 15,
			cleanRecord().replace(obsQty("anc", "751-8", 3.9, "10*3/uL", "2026-08-31")), "", "", "", "cbc-missing"},
		{"no birth date: the age rules could not run", "upadacitinib", 30,
			func() *record { r := cleanRecord(); delete(r.patient, "birthDate"); return r }(), "age-unknown", "warning", "birth date", ""},
		{"upadacitinib with eGFR 8 on dialysis: not recommended", "upadacitinib", 15,
			cleanRecord().replace(obsQty("egfr", "98979-8", 8, "mL/min/{1.73_m2}", "2026-11-02")), "renal-impairment", "critical", "Avoid upadacitinib", ""},
		{"rifampin on the outside medication list", "upadacitinib", 15,
			cleanRecord().replace(func() res {
				m := courseOrder("rif", "MedicationStatement", "active", "upadacitinib", "2026-11-01")
				m["medicationCodeableConcept"] = res{"coding": []any{res{"system": rxnorm, "code": "9384", "display": "rifampin"}}, "text": "rifampin 300 mg"}
				return m
			}()), "cyp-interaction", "warning", "Avoid upadacitinib with rifampin", ""},
	}
	s := newTestServer(t, serverOpts{noStore: true})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := s.do(t, "POST", "/cds-services/order-sign", orderRequest(t, tc.r, tc.drug, tc.mg))
			require.Equal(t, 200, rec.Code, rec.Body.String())
			cs := checkResponse(t, rec.Body.Bytes())
			if tc.want != "" {
				requireFinding(t, cs, tc.want, tc.level)
				c := cardWith(cs, tc.want)
				assert.Contains(t, c.Summary, tc.summary)
			}
			if tc.not != "" {
				assert.NotContains(t, codesOf(cs), tc.not)
			}
		})
	}
}

func cardWith(cs []cards.Card, code string) cards.Card {
	for _, c := range cs {
		for _, f := range c.Findings() {
			if f == code {
				return c
			}
		}
	}
	return cards.Card{}
}

// TestDoseUpdateNeverBecomesTheIngredient: contract 6.3. An order coded by
// a product (here an NDC of RINVOQ 30 mg) gets an update carrying a product
// code of the new strength (the 15 mg NDC), never the ingredient code; an
// order coded by the ingredient keeps the ingredient, with the new strength
// in its text.
func TestDoseUpdateNeverBecomesTheIngredient(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	r := cleanRecord().born("1957-06-01").drop("hcg")
	update := func(t *testing.T, body []byte) (cards.Card, string) {
		t.Helper()
		rec := s.do(t, "POST", "/cds-services/order-sign", body)
		require.Equal(t, 200, rec.Code, rec.Body.String())
		c := cardWith(checkResponse(t, rec.Body.Bytes()), "lower-dose-recommended")
		assert.Contains(t, c.Summary, "15 mg")
		for _, sg := range c.Suggestions {
			for _, a := range sg.Actions {
				if a.Type == cards.ActionUpdate {
					b, err := json.Marshal(a.Resource)
					require.NoError(t, err)
					return c, string(b)
				}
			}
		}
		return c, ""
	}
	t.Run("ordered by NDC", func(t *testing.T) {
		body := orderRequest(t, r, "upadacitinib", 30)
		body = bytes.Replace(body, []byte(`"code":"2196092"`), []byte(`"code":"0074-2310-30"`), 1)
		body = bytes.Replace(body, []byte(`"system":"`+rxnorm+`"`), []byte(`"system":"http://hl7.org/fhir/sid/ndc"`), 1)
		require.Contains(t, string(body), `"code":"0074-2310-30"`)
		c, res := update(t, body)
		require.NotEmpty(t, res, "an update with the 15 mg NDC: %s", c.Detail)
		assert.NotContains(t, res, `"code":"2196092"`, "the product was replaced by the ingredient")
		assert.Contains(t, res, `"code":"00074230630"`)
	})
	t.Run("ordered by ingredient", func(t *testing.T) {
		_, res := update(t, orderRequest(t, r, "upadacitinib", 30))
		require.NotEmpty(t, res)
		assert.Contains(t, res, `"code":"2196092"`)
		assert.Contains(t, res, "upadacitinib 15 mg")
	})
}
