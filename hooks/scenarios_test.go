package hooks

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Clinical scenarios through the wire: each case starts from a clean FHIR
// record (complete recent baseline, nothing to report) and adds, removes or
// changes FHIR resources so that exactly the rule under test has reason to
// fire. The clean record answering {"cards":[]} for both drugs is the
// negative case of every finding; some rules have their own negatives.

const (
	rxnorm = "http://www.nlm.nih.gov/research/umls/rxnorm"
	loinc  = "http://loinc.org"
	sct    = "http://snomed.info/sct"
	cvx    = "http://hl7.org/fhir/sid/cvx"
)

type res = map[string]any

func coding(system, code string) res {
	return res{"coding": []any{res{"system": system, "code": code}}}
}

func obsQty(id, code string, value float64, unit, date string) res {
	return res{"resourceType": "Observation", "id": id, "status": "final", "code": coding(loinc, code),
		"effectiveDateTime": date, "valueQuantity": res{"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit}}
}

func obsCode(id, code, answer, date string) res {
	return res{"resourceType": "Observation", "id": id, "status": "final", "code": coding(loinc, code),
		"effectiveDateTime": date, "valueCodeableConcept": coding(sct, answer)}
}

func condition(id, system, code, status string) res {
	return res{"resourceType": "Condition", "id": id, "code": coding(system, code),
		"clinicalStatus": coding("http://terminology.hl7.org/CodeSystem/condition-clinical", status)}
}

func medication(id, status, system, code, text string) res {
	cc := res{"text": text}
	if code != "" {
		cc = res{"coding": []any{res{"system": system, "code": code, "display": text}}, "text": text}
	}
	return res{"resourceType": "MedicationRequest", "id": id, "status": status, "intent": "order",
		"authoredOn": "2026-10-01", "medicationCodeableConcept": cc}
}

func onceDaily(m res) res {
	m["dosageInstruction"] = []any{res{"timing": res{"repeat": res{"frequency": 1, "period": 1, "periodUnit": "d"}},
		"doseAndRate": []any{res{"doseQuantity": res{"value": 1, "unit": "tablet", "system": "http://unitsofmeasure.org", "code": "{tablet}"}}}}}
	return m
}

func immunization(id, code, date string) res {
	return res{"resourceType": "Immunization", "id": id, "status": "completed", "vaccineCode": coding(cvx, code), "occurrenceDateTime": date}
}

// record is a patient's data by prefetch key.
type record struct {
	patient       res
	conditions    []res
	medications   []res
	observations  []res
	immunizations []res
}

const negative, positive = "260385009", "10828004"

// cleanRecord: a 35-year-old woman with atopic dermatitis, dupilumab tried
// before, and a complete normal baseline from this month.
func cleanRecord() *record {
	d := "2026-11-02"
	return &record{
		patient:     res{"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1991-05-20"},
		conditions:  []res{condition("ad", sct, "24079001", "active")},
		medications: []res{medication("dupi", "stopped", "", "", "dupilumab 300 MG/2ML Prefilled Syringe")},
		observations: []res{
			obsCode("igra", "71773-6", negative, d), obsCode("hbsag", "5196-1", negative, d),
			obsCode("hbc", "16933-4", negative, d), obsCode("hcv", "13955-0", negative, d),
			obsQty("alc", "731-0", 1.8, "10*3/uL", d), obsQty("anc", "751-8", 3.9, "10*3/uL", d),
			obsQty("hgb", "718-7", 13.2, "g/dL", d), obsQty("plt", "777-3", 250, "10*3/uL", d),
			obsQty("alt", "1742-6", 21, "U/L", d), obsQty("ldl", "13457-7", 104, "mg/dL", d),
			obsCode("hcg", "2106-3", negative, "2026-11-25"), obsQty("egfr", "98979-8", 98, "mL/min/{1.73_m2}", d),
			obsCode("smoke", "72166-2", "266919005", d),
		},
		// Recombinant zoster vaccine: expected from 18 (contract 6.4).
		immunizations: []res{immunization("rzv", "187", "2025-02-01")},
	}
}

func (r *record) drop(id string) *record {
	for _, list := range []*[]res{&r.conditions, &r.medications, &r.observations, &r.immunizations} {
		out := (*list)[:0]
		for _, x := range *list {
			if x["id"] != id {
				out = append(out, x)
			}
		}
		*list = out
	}
	return r
}

func (r *record) replace(x res) *record {
	r.drop(x["id"].(string))
	switch x["resourceType"] {
	case "Condition":
		r.conditions = append(r.conditions, x)
	case "MedicationRequest", "MedicationStatement":
		r.medications = append(r.medications, x)
	case "Observation":
		r.observations = append(r.observations, x)
	case "Immunization":
		r.immunizations = append(r.immunizations, x)
	}
	return r
}

func (r *record) born(date string) *record { r.patient["birthDate"] = date; return r }
func (r *record) male() *record            { r.patient["gender"] = "male"; return r }

func bundleOf(rs []res) res {
	entries := []any{}
	for _, x := range rs {
		entries = append(entries, res{"resource": x})
	}
	return res{"resourceType": "Bundle", "type": "searchset", "entry": entries}
}

// ofType keeps the resources of one type: MedicationRequests go under the
// medications key, MedicationStatements under medicationStatements.
func ofType(rs []res, typ string) []res {
	var out []res
	for _, x := range rs {
		if x["resourceType"] == typ {
			out = append(out, x)
		}
	}
	return out
}

// orderRequest is an order-sign call for one draft order of drug at mg.
func orderRequest(t *testing.T, r *record, drug string, mg int) []byte {
	t.Helper()
	codes := map[string]string{"upadacitinib": "2196092", "abrocitinib": "2591476"}
	text := map[string]string{"upadacitinib": "upadacitinib %d MG Extended Release Oral Tablet", "abrocitinib": "abrocitinib %d MG Oral Tablet"}
	order := onceDaily(medication("new", "draft", rxnorm, codes[drug], fmt.Sprintf(text[drug], mg)))
	order["subject"] = res{"reference": "Patient/p1"}
	req := res{"hook": "order-sign", "hookInstance": "6a0c1b9e-4f1d-4c8e-9b7a-2d3e4f5a6b7c",
		"context": res{"userId": "Practitioner/x", "patientId": "p1", "draftOrders": res{"resourceType": "Bundle", "entry": []any{res{"resource": order}}}},
		"prefetch": res{"patient": r.patient, "conditions": bundleOf(r.conditions), "medications": bundleOf(ofType(r.medications, "MedicationRequest")),
			"medicationStatements": bundleOf(ofType(r.medications, "MedicationStatement")),
			"observations":         bundleOf(r.observations), "immunizations": bundleOf(r.immunizations)}}
	b, err := json.Marshal(req)
	require.NoError(t, err)
	return b
}

func TestCleanRecordGivesNoCards(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	for _, drug := range []string{"upadacitinib", "abrocitinib"} {
		for _, mg := range map[string][]int{"upadacitinib": {15, 30}, "abrocitinib": {100, 200}}[drug] {
			rec := s.do(t, "POST", "/cds-services/order-sign", orderRequest(t, cleanRecord(), drug, mg))
			require.Equal(t, 200, rec.Code)
			assert.JSONEq(t, `{"cards":[]}`, rec.Body.String(), "%s %d mg", drug, mg)
		}
	}
}

func TestClinicalScenariosFromFHIR(t *testing.T) {
	cases := []struct {
		name  string
		drug  string
		mg    int
		r     *record
		want  string // finding code that must be reported
		level string // its card's indicator
		not   string // a finding code that must not be reported
	}{
		{"no TB test", "upadacitinib", 15, cleanRecord().drop("igra"), "tb-screening-missing", "warning", ""},
		{"active tuberculosis", "upadacitinib", 15, cleanRecord().replace(condition("tb", sct, "427099000", "active")), "tb-active", "critical", ""},
		{"positive IGRA, no TB treatment", "abrocitinib", 100, cleanRecord().replace(obsCode("igra", "71773-6", positive, "2026-11-02")), "tb-latent-untreated", "critical", "tb-screening-missing"},
		{"no HBsAg", "upadacitinib", 15, cleanRecord().drop("hbsag"), "hbv-screening-missing", "warning", ""},
		{"HBsAg positive", "upadacitinib", 15, cleanRecord().replace(obsCode("hbsag", "5196-1", positive, "2026-11-02")), "hbv-active", "critical", ""},
		{"anti-HBc positive, HBsAg negative", "abrocitinib", 100, cleanRecord().replace(obsCode("hbc", "16933-4", positive, "2026-11-02")), "hbv-core-antibody-positive", "warning", "hbv-active"},
		{"no HCV test", "abrocitinib", 100, cleanRecord().drop("hcv"), "hcv-screening-missing", "warning", ""},
		{"HCV antibody positive, no RNA", "upadacitinib", 15, cleanRecord().replace(obsCode("hcv", "13955-0", positive, "2026-11-02")), "hcv-antibody-positive", "warning", "hcv-active"},
		{"HCV RNA detected", "upadacitinib", 15, cleanRecord().replace(obsCode("hcvrna", "11259-9", "260373001", "2026-11-02")), "hcv-active", "critical", ""},
		{"no neutrophil count", "upadacitinib", 15, cleanRecord().drop("anc"), "cbc-missing", "warning", ""},
		{"neutrophils without a unit", "upadacitinib", 15, cleanRecord().replace(obsQty("anc", "751-8", 0.8, "", "2026-11-02")), "cbc-missing", "warning", "neutropenia"},
		{"CBC older than 90 days", "abrocitinib", 100, cleanRecord().replace(obsQty("alc", "731-0", 1.8, "10*3/uL", "2026-07-01")), "cbc-missing", "warning", ""},
		{"lymphocytes 0.4 x10^9/L", "upadacitinib", 15, cleanRecord().replace(obsQty("alc", "731-0", 0.4, "10*9/L", "2026-11-02")), "lymphopenia", "critical", ""},
		{"neutrophils 800/uL", "abrocitinib", 100, cleanRecord().replace(obsQty("anc", "751-8", 800, "/uL", "2026-11-02")), "neutropenia", "critical", ""},
		{"hemoglobin 75 g/L", "upadacitinib", 15, cleanRecord().replace(obsQty("hgb", "718-7", 75, "g/L", "2026-11-02")), "anemia", "critical", ""},
		{"hemoglobin 85 g/L is not anemia", "upadacitinib", 15, cleanRecord().replace(obsQty("hgb", "718-7", 85, "g/L", "2026-11-02")), "", "", "anemia"},
		{"platelets 120k on abrocitinib", "abrocitinib", 100, cleanRecord().replace(obsQty("plt", "777-3", 120, "10*3/uL", "2026-11-02")), "thrombocytopenia", "critical", ""},
		{"platelets 120k on upadacitinib: no label threshold", "upadacitinib", 15, cleanRecord().replace(obsQty("plt", "777-3", 120, "10*3/uL", "2026-11-02")), "", "", "thrombocytopenia"},
		{"no ALT or AST", "upadacitinib", 15, cleanRecord().drop("alt"), "liver-enzymes-missing", "warning", ""},
		{"no lipids", "abrocitinib", 100, cleanRecord().drop("ldl"), "lipids-missing", "warning", ""},
		{"HDL only: not a lipid panel", "abrocitinib", 100, cleanRecord().drop("ldl").replace(obsQty("hdl", "2085-9", 55, "mg/dL", "2026-11-02")), "lipids-missing", "warning", ""},
		{"lipid panel without a separate LDL", "abrocitinib", 100, cleanRecord().drop("ldl").replace(obsCode("panel", "57698-3", negative, "2026-11-02")), "", "", "lipids-missing"},
		{"no pregnancy test", "upadacitinib", 15, cleanRecord().drop("hcg"), "pregnancy-test-missing", "warning", ""},
		{"no pregnancy test, male", "upadacitinib", 15, cleanRecord().drop("hcg").male(), "", "", "pregnancy-test-missing"},
		{"pregnant", "upadacitinib", 15, cleanRecord().replace(condition("preg", sct, "77386006", "active")), "pregnancy", "critical", "pregnancy-test-missing"},
		{"positive hCG", "abrocitinib", 100, cleanRecord().replace(obsCode("hcg", "2106-3", positive, "2026-11-25")), "pregnancy", "critical", ""},
		{"breastfeeding", "abrocitinib", 100, cleanRecord().replace(condition("bf", sct, "866041003", "active")), "breastfeeding", "critical", ""},
		{"aged 55 without zoster vaccine", "upadacitinib", 15, cleanRecord().born("1971-01-10").drop("hcg").drop("rzv"), "zoster-vaccine-missing", "warning", ""},
		{"aged 35 without zoster vaccine (from 18, contract 6.4)", "abrocitinib", 100, cleanRecord().drop("rzv"), "zoster-vaccine-missing", "warning", ""},
		{"aged 55 with recombinant zoster vaccine", "upadacitinib", 15, cleanRecord().born("1971-01-10").drop("hcg").replace(immunization("rzv", "187", "2025-02-01")), "", "", "zoster-vaccine-missing"},
		{"MMR 10 days ago", "abrocitinib", 100, cleanRecord().replace(immunization("mmr", "03", "2026-11-19")), "live-vaccine-recent", "warning", ""},
		{"MMR 2 months ago", "abrocitinib", 100, cleanRecord().replace(immunization("mmr", "03", "2026-09-19")), "", "", "live-vaccine-recent"},
		{"pneumonia", "upadacitinib", 15, cleanRecord().replace(condition("pna", sct, "233604007", "active")), "serious-infection-active", "critical", ""},
		{"pneumonia resolved", "upadacitinib", 15, cleanRecord().replace(condition("pna", sct, "233604007", "resolved")), "", "", "serious-infection-active"},
		{"cirrhosis without a Child-Pugh class: confirm the class", "abrocitinib", 100, cleanRecord().replace(condition("cirr", sct, "19943007", "active")), "severe-hepatic-impairment", "warning", ""},
		{"eGFR 45 on abrocitinib", "abrocitinib", 100, cleanRecord().replace(obsQty("egfr", "98979-8", 45, "mL/min/{1.73_m2}", "2026-11-02")), "renal-impairment", "warning", ""},
		{"eGFR 25 on abrocitinib", "abrocitinib", 100, cleanRecord().replace(obsQty("egfr", "98979-8", 25, "mL/min/{1.73_m2}", "2026-11-02")), "renal-impairment", "critical", ""},
		{"eGFR 45 on upadacitinib", "upadacitinib", 15, cleanRecord().replace(obsQty("egfr", "98979-8", 45, "mL/min/{1.73_m2}", "2026-11-02")), "", "", "renal-impairment"},
		{"tofacitinib active", "upadacitinib", 15, cleanRecord().replace(medication("tofa", "active", rxnorm, "1357536", "tofacitinib")), "combination-jak", "critical", ""},
		{"Xeljanz by brand name only", "abrocitinib", 100, cleanRecord().replace(medication("xel", "active", "", "", "Xeljanz 5 mg tablet")), "combination-jak", "critical", ""},
		{"tofacitinib stopped", "upadacitinib", 15, cleanRecord().replace(medication("tofa", "stopped", rxnorm, "1357536", "tofacitinib")), "", "", "combination-jak"},
		{"adalimumab active", "abrocitinib", 100, cleanRecord().replace(medication("ada", "active", rxnorm, "327361", "adalimumab")), "combination-biologic", "warning", ""},
		{"azathioprine active", "upadacitinib", 15, cleanRecord().replace(medication("aza", "active", rxnorm, "1256", "azathioprine")), "combination-immunosuppressant", "warning", ""},
		{"clopidogrel with abrocitinib", "abrocitinib", 100, cleanRecord().replace(medication("clop", "active", rxnorm, "32968", "clopidogrel")), "antiplatelet-abrocitinib", "critical", ""},
		{"clopidogrel with upadacitinib", "upadacitinib", 15, cleanRecord().replace(medication("clop", "active", rxnorm, "32968", "clopidogrel")), "", "", "antiplatelet-abrocitinib"},
		{"aspirin 81 mg once daily with abrocitinib", "abrocitinib", 100, cleanRecord().replace(onceDaily(medication("asa", "active", rxnorm, "243670", "aspirin 81 MG Oral Tablet"))), "", "", "antiplatelet-abrocitinib"},
		{"aspirin 81 mg tablets, no dosage stated: low-dose (contract 6.5)", "abrocitinib", 100, cleanRecord().replace(medication("asa", "active", rxnorm, "243670", "aspirin 81 MG Oral Tablet")), "", "", "antiplatelet-abrocitinib"},
		{"aspirin 325 mg with abrocitinib", "abrocitinib", 100, cleanRecord().replace(medication("asa", "active", rxnorm, "212033", "aspirin 325 MG Oral Tablet")), "antiplatelet-abrocitinib", "critical", ""},
		{"ketoconazole with upadacitinib", "upadacitinib", 15, cleanRecord().replace(medication("keto", "active", rxnorm, "6135", "ketoconazole")), "cyp-interaction", "warning", ""},
		{"rifampin with abrocitinib", "abrocitinib", 100, cleanRecord().replace(medication("rif", "active", rxnorm, "9384", "rifampin")), "cyp-interaction", "warning", ""},
		{"aged 55 with hypertension", "upadacitinib", 15, cleanRecord().born("1971-01-10").drop("hcg").replace(immunization("rzv", "187", "2025-02-01")).replace(condition("htn", sct, "59621000", "active")), "cardiovascular-risk", "warning", ""},
		{"aged 35 with hypertension", "upadacitinib", 15, cleanRecord().replace(condition("htn", sct, "59621000", "active")), "", "", "cardiovascular-risk"},
		{"past myocardial infarction", "abrocitinib", 100, cleanRecord().replace(condition("mi", sct, "22298006", "resolved")), "mace-history", "warning", ""},
		{"former smoker", "upadacitinib", 15, cleanRecord().replace(obsCode("smoke", "72166-2", "8517006", "2026-11-02")), "smoker", "warning", ""},
		{"past DVT", "upadacitinib", 15, cleanRecord().replace(condition("dvt", sct, "128053003", "resolved")), "vte-risk", "warning", ""},
		{"malignancy", "abrocitinib", 100, cleanRecord().replace(condition("ca", sct, "363346000", "active")), "malignancy", "warning", ""},
		{"basal cell carcinoma only", "abrocitinib", 100, cleanRecord().replace(condition("bcc", sct, "254701007", "active")), "", "", "malignancy"},
		{"30 mg for a former smoker", "upadacitinib", 30, cleanRecord().replace(obsCode("smoke", "72166-2", "8517006", "2026-11-02")), "lower-dose-recommended", "warning", ""},
		{"15 mg for a former smoker", "upadacitinib", 15, cleanRecord().replace(obsCode("smoke", "72166-2", "8517006", "2026-11-02")), "", "", "lower-dose-recommended"},
		{"200 mg with a past DVT", "abrocitinib", 200, cleanRecord().replace(condition("dvt", sct, "128053003", "resolved")), "lower-dose-recommended", "warning", ""},
		{"upadacitinib 45 mg", "upadacitinib", 45, cleanRecord(), "dose-above-label", "warning", ""},
		{"aged 10", "abrocitinib", 100, cleanRecord().born("2016-06-01"), "age-not-approved", "critical", "pregnancy-test-missing"},
		{"no earlier systemic therapy", "upadacitinib", 15, cleanRecord().drop("dupi"), "no-prior-systemic-therapy", "info", ""},
		{"methotrexate before", "upadacitinib", 15, cleanRecord().drop("dupi").replace(medication("mtx", "completed", rxnorm, "6851", "methotrexate")), "", "", "no-prior-systemic-therapy"},
	}
	s := newTestServer(t, serverOpts{noStore: true})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := s.do(t, "POST", "/cds-services/order-sign", orderRequest(t, tc.r, tc.drug, tc.mg))
			require.Equal(t, 200, rec.Code, rec.Body.String())
			cs := checkResponse(t, rec.Body.Bytes())
			codes := codesOf(cs)
			if tc.want != "" {
				requireFinding(t, cs, tc.want, tc.level)
			}
			if tc.not != "" {
				assert.NotContains(t, codes, tc.not)
			}
		})
	}
}
