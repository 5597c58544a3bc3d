package fhir

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	fm "github.com/samply/golang-fhir-models/fhir-models/fhir"
)

// TestDecodeResourceMatchesEncodingJSON checks that decodeResource, whose
// fast path is segmentio's decoder, gives what encoding/json gives for
// every resource of a type jakguard reads in the test data, and for
// resources written to hit the corners where decoders differ.
func TestDecodeResourceMatchesEncodingJSON(t *testing.T) {
	var files []string
	for _, dir := range []string{"synthea", "sandbox", "requests", "golden", "bench"} {
		f, _ := filepath.Glob(filepath.Join("..", "testdata", dir, "*.json"))
		files = append(files, f...)
	}
	if len(files) < 10 {
		t.Fatalf("only %d test data files found", len(files))
	}
	n := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range resourcesIn(data) {
			n++
			checkSameDecode(t, filepath.Base(f), r)
		}
	}
	corners := []string{
		`{"resourceType":"Observation","Status":"final","CODE":{"text":"case-insensitive member names"}}`,
		`{"resourceType":"Observation","status":"final","status":"amended","code":{"text":"a member given twice"}}`,
		`{"resourceType":"Observation","status":"final","code":{"text":"caf\u00e9 \ud83d\ude00 \"q\" \\ \/"}}`,
		`{"resourceType":"Observation","status":"final","code":{"text":"invalid UTF-8: ` + "\xff\xfe" + `"}}`,
		`{"resourceType":"Observation","status":"final","code":{},"valueQuantity":{"value":1e2,"comparator":"<"}}`,
		`{"resourceType":"Observation","status":"final","code":{},"valueInteger":7,"id":null,"note":[]}`,
		`{"resourceType":"Observation","status":"final","code":{},"valueQuantity":{"value":-0.000}}`,
		`{"resourceType":"Observation","status":"final","code":{},"extension":[{"url":"x","valueString":"y"}]}`,
		`{"resourceType":"Patient","gender":"female","birthDate":"1980","deceasedBoolean":false}`,
		`{"resourceType":"MedicationRequest","status":"active","intent":"order","subject":{},"medicationCodeableConcept":{"coding":[{"code":"1"}]},"dosageInstruction":[{"timing":{"repeat":{"frequency":1,"period":1.5}}}]}`,
		`{"resourceType":"Condition","subject":{},"clinicalStatus":{"coding":[{"code":"active"}]},"onsetDateTime":"2020-01-01"}`,
		`{"resourceType":"Immunization","status":"completed","vaccineCode":{},"patient":{},"occurrenceDateTime":"2020"}`,
		// Letters encoding/json folds to ASCII in member names (ſ to s, K to k).
		`{"resourceType":"Observation","ſtatus":"final","code":{"text":"ſ in a name"}}`,
		`{"resourceType":"Observation","status":"final","code":{"coding":[{"\u017fystem":"http://loinc.org","code":"718-7"}]}}`,
		`{"resourceType":"Observation","status":"final","code":{},"valueQuantity":{"value":1,"unit":"\u212A"}}`,
		`{"resourceType":"Patient","gender":"male","lin\u212a":[{"type":"seealso","other":{"reference":"Patient/2"}}]}`,
		// Failures: both decoders must reject these (the slow path then
		// decides); a success from one only would be a difference.
		`{"resourceType":"Observation","status":"final","code":{},"valueInteger":1.5}`,
		`{"resourceType":"Observation","status":"final","code":{},"valueString":5}`,
		`{"resourceType":"Observation","status":"unknown-status","code":{}}`,
		`{"resourceType":"Patient","gender":"robot"}`,
		`{"resourceType":"Observation","status":"final","code":[]}`,
	}
	for _, c := range corners {
		n++
		checkSameDecode(t, "corner", []byte(c))
	}
	t.Logf("%d resources compared", n)
}

// resourcesIn lists the resources of a test data file: a resource, a
// Bundle's entries, or a CDS Hooks request's prefetch values and their
// entries.
func resourcesIn(data []byte) [][]byte {
	var doc struct {
		ResourceType string                               `json:"resourceType"`
		Entry        []struct{ Resource json.RawMessage } `json:"entry"`
		Prefetch     map[string]json.RawMessage           `json:"prefetch"`
	}
	if json.Unmarshal(data, &doc) != nil {
		return nil
	}
	var out [][]byte
	if doc.ResourceType != "" {
		out = append(out, data)
	}
	for _, e := range doc.Entry {
		if len(e.Resource) > 0 {
			out = append(out, resourcesIn(e.Resource)...)
		}
	}
	for _, v := range doc.Prefetch {
		out = append(out, resourcesIn(v)...)
	}
	return out
}

func checkSameDecode(t *testing.T, where string, raw []byte) {
	t.Helper()
	var head struct{ ResourceType string }
	_ = json.Unmarshal(raw, &head)
	switch head.ResourceType {
	case "Patient":
		sameDecode[fm.Patient](t, where, raw)
	case "Observation":
		sameDecode[fm.Observation](t, where, raw)
	case "Condition":
		sameDecode[fm.Condition](t, where, raw)
	case "Immunization":
		sameDecode[fm.Immunization](t, where, raw)
	case "MedicationRequest":
		sameDecode[fm.MedicationRequest](t, where, raw)
	case "MedicationStatement":
		sameDecode[fm.MedicationStatement](t, where, raw)
	case "Medication":
		sameDecode[fm.Medication](t, where, raw)
	case "ServiceRequest":
		sameDecode[fm.ServiceRequest](t, where, raw)
	}
}

// sameDecode compares decodeResource with encoding/json's direct decode,
// then retried on the normalised JSON as decodeResource does.
func sameDecode[T any](t *testing.T, where string, raw []byte) {
	t.Helper()
	var got, want T
	gotErr := decodeResource(raw, &got)
	wantErr := json.Unmarshal(raw, &want)
	if wantErr != nil {
		want = *new(T)
		fixed, err := normalize(raw, reflect.TypeFor[T]())
		if err == nil {
			wantErr = json.Unmarshal(fixed, &want)
		} else {
			wantErr = err
		}
	}
	if (gotErr == nil) != (wantErr == nil) {
		t.Errorf("%s: %T: decodeResource error %v, encoding/json error %v", where, got, gotErr, wantErr)
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: %T decoded differently:\n got %+v\nwant %+v", where, got, got, want)
	}
}
