// Command gen writes the benchmark and load-test workloads of
// testdata/bench from the Synthea records in testdata/synthea. It is
// deterministic: running it again gives the same bytes.
//
//	go run ./testdata/bench/gen        (from the repository root)
//
// typical.json: order-select for upadacitinib 30 mg; a 45-year-old former
// smoker with a complete, recent pre-treatment baseline (TB, hepatitis B and
// C, CBC with differential, liver enzymes, lipids, eGFR, zoster vaccine)
// on top of an ordinary record: the conditions, medications and
// immunizations of Garrett Thompson and the 200 most recent observations of
// Fletcher Hyatt (old labs and vital signs, noise for the rules).
//
// large.json: the same order for Fletcher Hyatt, the largest Synthea record,
// with his whole transaction bundle split into the five prefetch keys as
// searchset Bundles (every Condition, MedicationRequest, Observation and
// Immunization; Claims, Encounters and the like belong to no prefetch key).
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

const (
	typicalSource  = "Garrett_Thompson_5a72e290-8102-4c8a-84f7-f838387508b2.json"
	largeSource    = "Fletcher_Hyatt_fe0562b5-f517-4951-8366-32fdab088930.json"
	typicalPatient = "pt-bench"
	fhirBase       = "https://ehr.example.org/fhir/"
	// The benchmarks fix their clock at 2026-11-29 (hooks/bench_test.go);
	// the baseline is dated within every window before it.
	screeningDate = "2026-10-15"
	labDate       = "2026-11-10"
	orderDate     = "2026-11-29"
	// Background observations taken from the large record for typical.json.
	typicalObservations = 200
)

func main() {
	dir := flag.String("synthea", "testdata/synthea", "directory of the Synthea transaction bundles")
	out := flag.String("out", "testdata/bench", "output directory")
	flag.Parse()
	if err := run(*dir, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(dir, out string) error {
	small, err := readBundle(filepath.Join(dir, typicalSource))
	if err != nil {
		return err
	}
	large, err := readBundle(filepath.Join(dir, largeSource))
	if err != nil {
		return err
	}
	if err := write(filepath.Join(out, "typical.json"), typical(small, large)); err != nil {
		return err
	}
	return write(filepath.Join(out, "large.json"), whole(large))
}

// record is a Synthea transaction bundle: its patient id and its
// resources, every reference to the patient rewritten to Patient/{id}.
type record struct {
	patientID string
	byType    map[string][]map[string]any
}

func readBundle(path string) (*record, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var b struct {
		Entry []struct {
			FullURL  string         `json:"fullUrl"`
			Resource map[string]any `json:"resource"`
		} `json:"entry"`
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber() // keep numbers as written
	if err := d.Decode(&b); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	r := &record{byType: map[string][]map[string]any{}}
	var patientURL string
	for _, e := range b.Entry {
		t, _ := e.Resource["resourceType"].(string)
		if t == "Patient" {
			r.patientID, _ = e.Resource["id"].(string)
			patientURL = e.FullURL
		}
		r.byType[t] = append(r.byType[t], e.Resource)
	}
	if r.patientID == "" {
		return nil, fmt.Errorf("%s: no Patient", path)
	}
	for t, rs := range r.byType {
		r.byType[t] = withRef(rs, patientURL, "Patient/"+r.patientID)
	}
	return r, nil
}

// rewrite returns a copy of v with every string equal to from replaced by to.
func rewrite(v any, from, to string) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = rewrite(e, from, to)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = rewrite(e, from, to)
		}
		return out
	case string:
		if x == from {
			return to
		}
	}
	return v
}

// withPatient returns copies of rs whose references to one patient point
// at another. The copies keep the record they come from intact: large.json
// once held 200 Observations pointed at typical.json's patient by an
// in-place rewrite (found when jakguard began refusing prefetch about
// another patient).
func withPatient(rs []map[string]any, from, to string) []map[string]any {
	return withRef(rs, "Patient/"+from, "Patient/"+to)
}

// withRef returns copies of rs with every string from replaced by to.
func withRef(rs []map[string]any, from, to string) []map[string]any {
	out := make([]map[string]any, len(rs))
	for i, r := range rs {
		out[i] = rewrite(r, from, to).(map[string]any)
	}
	return out
}

func typical(small, large *record) map[string]any {
	patient := map[string]any{
		"resourceType": "Patient", "id": typicalPatient, "gender": "male", "birthDate": "1981-05-14",
	}
	conditions := withPatient(small.byType["Condition"], small.patientID, typicalPatient)
	meds := withPatient(small.byType["MedicationRequest"], small.patientID, typicalPatient)
	meds = append(meds, map[string]any{
		"resourceType": "MedicationRequest", "id": "bench-dupilumab", "status": "stopped", "intent": "order",
		"subject":                   ref(typicalPatient),
		"authoredOn":                "2025-02-03",
		"medicationCodeableConcept": map[string]any{"text": "dupilumab 300 MG/2ML Prefilled Syringe"},
	})
	imms := withPatient(small.byType["Immunization"], small.patientID, typicalPatient)
	imms = append(imms, immunization("bench-rzv-1", "2026-03-02"), immunization("bench-rzv-2", "2026-06-08"))

	obs := baseline()
	background := recent(large.byType["Observation"], typicalObservations)
	obs = append(obs, withPatient(background, large.patientID, typicalPatient)...)
	return request("bench-typical-0001", typicalPatient, map[string]any{
		"patient":       patient,
		"conditions":    searchset(conditions),
		"medications":   searchset(meds),
		"observations":  searchset(obs),
		"immunizations": searchset(imms),
	})
}

func whole(r *record) map[string]any {
	return request("bench-large-0001", r.patientID, map[string]any{
		"patient":       r.byType["Patient"][0],
		"conditions":    searchset(r.byType["Condition"]),
		"medications":   searchset(r.byType["MedicationRequest"]),
		"observations":  searchset(r.byType["Observation"]),
		"immunizations": searchset(r.byType["Immunization"]),
	})
}

// request is an order-select call for upadacitinib 30 mg once daily.
func request(hookInstance, patientID string, prefetch map[string]any) map[string]any {
	order := map[string]any{
		"resourceType": "MedicationRequest", "id": "bench-upa-30", "status": "draft", "intent": "order",
		"subject":    ref(patientID),
		"authoredOn": orderDate,
		"medicationCodeableConcept": map[string]any{
			"coding": []any{map[string]any{
				"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "2196092",
				"display": "upadacitinib 30 MG Extended Release Oral Tablet",
			}},
			"text": "upadacitinib 30 MG Extended Release Oral Tablet",
		},
		"dosageInstruction": []any{map[string]any{
			"text":   "1 tablet by mouth once daily",
			"timing": map[string]any{"repeat": map[string]any{"frequency": 1, "period": 1, "periodUnit": "d"}},
			"doseAndRate": []any{map[string]any{"doseQuantity": map[string]any{
				"value": 1, "unit": "tablet", "system": "http://unitsofmeasure.org", "code": "{tablet}",
			}}},
		}},
	}
	return map[string]any{
		"hook":         "order-select",
		"hookInstance": hookInstance,
		"context": map[string]any{
			"userId":      "Practitioner/bench",
			"patientId":   patientID,
			"selections":  []any{"MedicationRequest/bench-upa-30"},
			"draftOrders": map[string]any{"resourceType": "Bundle", "type": "collection", "entry": []any{map[string]any{"resource": order}}},
		},
		"prefetch": prefetch,
	}
}

// baseline is a complete, recent pre-treatment work-up with normal results,
// and a former smoker (a boxed-warning risk factor, so that the typical call
// answers a card with a lower-dose suggestion rather than no card at all).
// Every code is grade A or B in the knowledge base.
func baseline() []map[string]any {
	const loinc, sct, ucum = "http://loinc.org", "http://snomed.info/sct", "http://unitsofmeasure.org"
	negative := coded(sct, "260385009", "Negative")
	q := func(v float64, unit string) map[string]any {
		return map[string]any{"valueQuantity": map[string]any{"value": v, "unit": unit, "system": ucum, "code": unit}}
	}
	rows := []struct {
		id, code, display, date string
		value                   map[string]any
	}{
		{"bench-igra", "71773-6", "QuantiFERON-TB", screeningDate, map[string]any{"valueCodeableConcept": negative}},
		{"bench-hbsag", "5196-1", "HBsAg", screeningDate, map[string]any{"valueCodeableConcept": negative}},
		{"bench-hbcab", "16933-4", "HBc Ab", screeningDate, map[string]any{"valueCodeableConcept": negative}},
		{"bench-hcvab", "13955-0", "HCV Ab", screeningDate, map[string]any{"valueCodeableConcept": negative}},
		{"bench-lymph", "731-0", "Lymphocytes", labDate, q(1.9, "10*3/uL")},
		{"bench-neut", "751-8", "Neutrophils", labDate, q(3.6, "10*3/uL")},
		{"bench-hgb", "718-7", "Hemoglobin", labDate, q(14.6, "g/dL")},
		{"bench-plt", "777-3", "Platelets", labDate, q(245, "10*3/uL")},
		{"bench-alt", "1742-6", "ALT", labDate, q(24, "U/L")},
		{"bench-ast", "1920-8", "AST", labDate, q(21, "U/L")},
		{"bench-ldl", "13457-7", "LDL cholesterol", labDate, q(112, "mg/dL")},
		{"bench-egfr", "98979-8", "eGFR (CKD-EPI 2021)", labDate, q(98, "mL/min/{1.73_m2}")},
		{"bench-smoking", "72166-2", "Tobacco smoking status", labDate, map[string]any{"valueCodeableConcept": coded(sct, "8517006", "Former smoker")}},
	}
	out := make([]map[string]any, 0, len(rows))
	for _, r := range rows {
		o := map[string]any{
			"resourceType": "Observation", "id": r.id, "status": "final",
			"code":              coded(loinc, r.code, r.display),
			"subject":           ref(typicalPatient),
			"effectiveDateTime": r.date,
		}
		for k, v := range r.value {
			o[k] = v
		}
		out = append(out, o)
	}
	return out
}

func immunization(id, date string) map[string]any {
	return map[string]any{
		"resourceType": "Immunization", "id": id, "status": "completed",
		"vaccineCode":        coded("http://hl7.org/fhir/sid/cvx", "187", "zoster vaccine recombinant"),
		"patient":            ref(typicalPatient),
		"occurrenceDateTime": date,
	}
}

// recent returns the n most recent observations, newest first (as the
// prefetch query's _sort=-date asks), ties broken by id.
func recent(obs []map[string]any, n int) []map[string]any {
	s := append([]map[string]any(nil), obs...)
	sort.SliceStable(s, func(i, j int) bool {
		di, _ := s[i]["effectiveDateTime"].(string)
		dj, _ := s[j]["effectiveDateTime"].(string)
		if di != dj {
			return di > dj
		}
		ii, _ := s[i]["id"].(string)
		ij, _ := s[j]["id"].(string)
		return ii < ij
	})
	return s[:min(n, len(s))]
}

func searchset(rs []map[string]any) map[string]any {
	entries := make([]any, 0, len(rs))
	for _, r := range rs {
		t, _ := r["resourceType"].(string)
		id, _ := r["id"].(string)
		entries = append(entries, map[string]any{
			"fullUrl":  fhirBase + t + "/" + id,
			"resource": r,
			"search":   map[string]any{"mode": "match"},
		})
	}
	return map[string]any{"resourceType": "Bundle", "type": "searchset", "total": len(rs), "entry": entries}
}

func coded(system, code, display string) map[string]any {
	return map[string]any{"coding": []any{map[string]any{"system": system, "code": code, "display": display}}, "text": display}
}

func ref(patientID string) map[string]any { return map[string]any{"reference": "Patient/" + patientID} }

// write renders v as compact JSON, as EHRs send it, without HTML escaping
// (read the files with jq).
func write(path string, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}
