package fhir

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// checkFast holds a fast decoder to decodeResource on one resource of its
// type, whole and slimmed as part.add slims it: what the fast path
// accepts, it must decode exactly as decodeResource does. It reports
// whether the fast path accepted the slimmed form.
func checkFast[T any](t *testing.T, where string, raw []byte, resourceType string, fast func([]byte, *T) bool) bool {
	t.Helper()
	doc, err := split(raw)
	defer doc.release()
	if err != nil || doc.resourceType != resourceType {
		return false
	}
	slimmed := slim(nil, doc.self.data, doc.self.spans, readMembers[resourceType])
	accepted := false
	for i, in := range [][]byte{raw, slimmed} {
		var got T
		if !fast(in, &got) {
			continue
		}
		var want T
		if err := decodeResource(in, &want); err != nil {
			t.Fatalf("%s: the fast path accepts %q, decodeResource fails: %v", where, in, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: %q decoded differently:\nfast %+v\nwant %+v", where, in, got, want)
		}
		accepted = i == 1
	}
	return accepted
}

// checkAllFast runs checkFast for the resource's type.
func checkAllFast(t *testing.T, where string, raw []byte) (resourceType string, accepted bool) {
	t.Helper()
	var head struct{ ResourceType string }
	_ = json.Unmarshal(raw, &head)
	switch head.ResourceType {
	case "Observation":
		accepted = checkFast(t, where, raw, "Observation", decodeObservationFast)
	case "Immunization":
		accepted = checkFast(t, where, raw, "Immunization", decodeImmunizationFast)
	case "Patient":
		accepted = checkFast(t, where, raw, "Patient", decodePatientFast)
	case "MedicationRequest":
		accepted = checkFast(t, where, raw, "MedicationRequest", decodeMedicationRequestFast)
	}
	return head.ResourceType, accepted
}

var fastCases = []string{
	`{"resourceType":"Observation","id":"a","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"718-7","display":"Hb"}],"text":"Hb"},"effectiveDateTime":"2026-11-10","valueQuantity":{"value":13.20,"unit":"g/dL","system":"http://unitsofmeasure.org","code":"g/dL"}}`,
	`{"resourceType":"Observation","status":"final","code":{"coding":[]},"valueCodeableConcept":{"coding":[{"version":"1","code":"x"}]},"interpretation":[],"issued":"2026-01-01T00:00:00Z"}`,
	`{"resourceType":"Observation","status":"amended","code":{},"valueInteger":-0,"effectivePeriod":{"start":"2020","end":"2021"},"interpretation":[{"text":"H"},{"coding":[{"code":"H"}]}]}`,
	`{"resourceType":"Observation","status":"final","code":{},"valueString":"caf\u00e9","effectiveInstant":"2020-01-01T00:00:00.000Z"}`,
	`{"resourceType":"Observation","status":"final","code":{},"valueString":"café ok"}`,
	`{"resourceType":"Observation","status":"final","code":{},"valueString":"bad ` + "\xff" + ` utf8"}`,
	`{"resourceType":"Observation","status":"final","status":"amended","code":{}}`,
	`{"resourceType":"Observation","Status":"final","code":{}}`,
	`{"resourceType":"Observation","status":"invented","code":{}}`,
	`{"resourceType":"Observation","status":7,"code":{}}`,
	`{"resourceType":"Observation","status":"final","code":null}`,
	`{"resourceType":"Observation","status":"final","code":{"coding":[{"code":"a","code":"b"}]}}`,
	`{"resourceType":"Observation","status":"final","code":{"coding":[{"code":"a","userSelected":true}]}}`,
	`{"resourceType":"Observation","status":"final","code":{"coding":{"code":"a"}}}`,
	`{"resourceType":"Observation","status":"final","code":{},"valueInteger":1.0}`,
	`{"resourceType":"Observation","status":"final","code":{},"valueInteger":99999999999999999999}`,
	`{"resourceType":"Observation","status":"final","code":{},"valueQuantity":{"value":"12"}}`,
	`{"resourceType":"Observation","status":"final","code":{},"valueQuantity":{"value":1e400,"comparator":"<"}}`,
	`{"resourceType":"Observation","status":"final","code":{},"valueQuantity":{"value":1E-7}}`,
	`{"resourceType":"Observation","status":"final","code":{},"component":[{"code":{}}]}`,
	`{"resourceType":"Observation","status":"final","code":{"text":"x","extension":[{"url":"u"}]}}`,
	`{"resourceType":"Observation","status":"final","code":{},"effectivePeriod":{"start":null}}`,
	`{"resourceType":"Observation","status":"final","code":{},"interpretation":{"text":"not an array"}}`,
	`{"resourceType":"Observation","ſtatus":"final","code":{"coding":[{"\u017fystem":"http://loinc.org","code":"718-7"}]}}`,
	`{"resourceType":"Immunization","id":"i","status":"completed","vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"187"}]},"occurrenceDateTime":"2025-01-01"}`,
	`{"resourceType":"Immunization","status":"given","vaccineCode":{}}`,
	`{"resourceType":"Immunization","status":"completed","vaccineCode":{},"occurrenceDateTime":null}`,
	`{"resourceType":"Immunization","status":"completed","vaccineCode":{},"occurrenceString":"as a child"}`,
	`{"resourceType":"Patient","id":"p","gender":"female","birthDate":"1980-02-29"}`,
	`{"resourceType":"Patient","gender":"robot","birthDate":"1980"}`,
	`{"resourceType":"Patient","gender":"male","gender":"female"}`,
	`{"resourceType":"Patient","Gender":"male"}`,
	`{"resourceType":"MedicationRequest","id":"m","status":"active","intent":"order","authoredOn":"2026-11-01","medicationCodeableConcept":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"2196092"}],"text":"upadacitinib"}}`,
	`{"resourceType":"MedicationRequest","status":"active","intent":"order","medicationReference":{"reference":"#m"}}`,
	`{"resourceType":"MedicationRequest","status":5,"intent":"order"}`,
	`{"resourceType":"MedicationRequest","status":"active","intent":"order","dosageInstruction":[{"text":"once daily"}]}`,
}

// TestDecodeFast compares the fast paths with decodeResource on every
// resource of their types in the test data and on shapes at their edges,
// and checks that they take nearly all Observations and most of the other
// types (a fast path that declines everything would pass the comparison).
func TestDecodeFast(t *testing.T) {
	for _, c := range fastCases {
		checkAllFast(t, "case", []byte(c))
	}
	var files []string
	for _, dir := range []string{"synthea", "sandbox", "requests", "golden", "bench"} {
		f, _ := filepath.Glob(filepath.Join("..", "testdata", dir, "*.json"))
		files = append(files, f...)
	}
	if len(files) < 10 {
		t.Fatalf("only %d test data files found", len(files))
	}
	seen, taken := map[string]int{}, map[string]int{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range resourcesIn(data) {
			typ, ok := checkAllFast(t, filepath.Base(f), r)
			seen[typ]++
			if ok {
				taken[typ]++
			}
		}
	}
	for _, c := range []struct {
		typ     string
		percent int
	}{{"Observation", 90}, {"Immunization", 90}, {"Patient", 80}, {"MedicationRequest", 50}} {
		t.Logf("%s: fast path took %d of %d", c.typ, taken[c.typ], seen[c.typ])
		if seen[c.typ] < 10 || taken[c.typ]*100 < seen[c.typ]*c.percent {
			t.Errorf("%s: fast path took %d of %d, want %d%% or more", c.typ, taken[c.typ], seen[c.typ], c.percent)
		}
	}
}

func FuzzDecodeFast(f *testing.F) {
	for _, c := range fastCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if json.Valid(data) {
			checkAllFast(t, "fuzz", data)
		}
	})
}
