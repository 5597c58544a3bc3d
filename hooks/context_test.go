package hooks

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"jakguard/internal/jsonx"
)

// decodeRequest reads the hook context with jsonx.Unmarshal (segmentio's
// decoder where it agrees with encoding/json). This holds it to
// encoding/json on the context of every request in the test data and on
// shapes where decoders differ, folded letters in member names included:
// the same context, the same refusals, and nothing decoded pointing into
// the (pooled) body.
func TestContextDecodeMatchesEncodingJSON(t *testing.T) {
	var contexts [][]byte
	for _, dir := range []string{"requests", "sandbox", "golden", "bench"} {
		files, _ := filepath.Glob(filepath.Join("..", "testdata", dir, "*.json"))
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var req struct{ Context json.RawMessage }
			if json.Unmarshal(data, &req) == nil && len(req.Context) > 0 {
				contexts = append(contexts, req.Context)
			}
		}
	}
	if len(contexts) < 10 {
		t.Fatalf("only %d request contexts found", len(contexts))
	}
	for _, c := range []string{
		`{"patientId":"a","PatientId":"b","PATIENTID":"c"}`,
		`{"patientId":"a","patientId":"b"}`,
		`{"patientId":"caf\u00e9 \ud83d\ude00","userId":"Practitioner/1"}`,
		`{"patientId":"bad ` + "\xff" + ` utf8"}`,
		`{"patientId":"p","selections":null,"draftOrders":null}`,
		`{"patientId":"p","selections":[],"draftOrders":{"resourceType":"Bundle","entry":[]}}`,
		`{"patientId":"p","selections":["MedicationRequest/1",null]}`,
		`{"patientId":"p","draftOrders":[1, 2 ,{"a" : "b"}]}`,
		`{"patientId":7}`,
		`{"patientId":"p","selections":"MedicationRequest/1"}`,
		`{"patientId":"p","selections":[1]}`,
		`{"patientId":"p","encounterId":{}}`,
		`{"patientId":"p","userId":true}`,
		// Letters encoding/json folds to ASCII in member names.
		`{"patientId":"p","selections":["MedicationRequest/a"],"ſelections":["MedicationRequest/b"]}`,
		`{"patientId":"p","ſelections":["MedicationRequest/b"]}`,
		`{"patientId":"p","\u017felections":["MedicationRequest/b"]}`,
		`{"patientId":"p","userId":"Practitioner/1","u\u017FerId":"Practitioner/2"}`,
		`{"patientId":"p","\u212Aey":"x","userId":"Practitioner/\u212a"}`,
	} {
		contexts = append(contexts, []byte(c))
	}
	for _, c := range contexts {
		var fast, std HookContext
		fastErr := jsonx.Unmarshal(c, &fast)
		stdErr := json.Unmarshal(c, &std)
		if (fastErr == nil) != (stdErr == nil) {
			t.Errorf("%s: jsonx.Unmarshal error %v, encoding/json error %v", c, fastErr, stdErr)
		}
		switch {
		case fastErr == nil && !reflect.DeepEqual(fast, std):
			t.Errorf("%s: decoded differently:\njsonx.Unmarshal %+v\nencoding/json %+v", c, fast, std)
		case fastErr == nil:
			// The body is a pooled buffer: nothing decoded may point into it.
			in := bytes.Clone(c)
			var again HookContext
			_ = jsonx.Unmarshal(in, &again)
			for i := range in {
				in[i] = 'x'
			}
			if !reflect.DeepEqual(again, fast) {
				t.Errorf("%s: the decoded context shares memory with the input", c)
			}
		}
	}
}
