package fhir

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	fm "github.com/samply/golang-fhir-models/fhir-models/fhir"
)

// checkFastObservation holds decodeObservationFast to decodeResource on
// one Observation, whole and slimmed as part.add slims it: what the fast
// path accepts, it must decode exactly as decodeResource does. It reports
// whether the fast path accepted the slimmed form.
func checkFastObservation(t *testing.T, where string, raw []byte) bool {
	t.Helper()
	doc, err := split(raw)
	defer doc.release()
	if err != nil || doc.resourceType != "Observation" {
		return false
	}
	slimmed := slim(nil, doc.self.data, doc.self.spans, readMembers["Observation"])
	accepted := false
	for i, in := range [][]byte{raw, slimmed} {
		var fast fm.Observation
		if !decodeObservationFast(in, &fast) {
			continue
		}
		var want fm.Observation
		if err := decodeResource(in, &want); err != nil {
			t.Fatalf("%s: the fast path accepts %q, decodeResource fails: %v", where, in, err)
		}
		if !reflect.DeepEqual(fast, want) {
			t.Fatalf("%s: %q decoded differently:\nfast %+v\nwant %+v", where, in, fast, want)
		}
		accepted = i == 1
	}
	return accepted
}

var fastObservationCases = []string{
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
}

// TestDecodeObservationFast compares the fast path with decodeResource on
// every Observation of the test data and on shapes at its edges, and
// checks that it takes nearly all Observations of the benchmark workload
// (a fast path that declines everything would pass the comparison).
func TestDecodeObservationFast(t *testing.T) {
	for _, c := range fastObservationCases {
		checkFastObservation(t, "case", []byte(c))
	}
	var files []string
	for _, dir := range []string{"synthea", "sandbox", "requests", "golden", "bench"} {
		f, _ := filepath.Glob(filepath.Join("..", "testdata", dir, "*.json"))
		files = append(files, f...)
	}
	if len(files) < 10 {
		t.Fatalf("only %d test data files found", len(files))
	}
	seen, taken := 0, 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range resourcesIn(data) {
			if !bytes.Contains(r, []byte(`"Observation"`)) {
				continue
			}
			if checkFastObservation(t, filepath.Base(f), r) {
				taken++
			}
			seen++
		}
	}
	t.Logf("fast path took %d of %d Observations", taken, seen)
	if seen < 500 || taken*10 < seen*9 {
		t.Errorf("fast path took %d of %d Observations, want 90%% or more", taken, seen)
	}
}

func FuzzDecodeObservationFast(f *testing.F) {
	for _, c := range fastObservationCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if json.Valid(data) {
			checkFastObservation(t, "fuzz", data)
		}
	})
}
