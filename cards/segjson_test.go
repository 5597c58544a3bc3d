package cards

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	segjson "github.com/segmentio/encoding/json"
)

// updatedOrder decodes and encodes draft orders with segmentio's package
// where it used encoding/json: the two must read every draft order into the
// same value and write every value to the same bytes.
func TestUpdatedOrderMatchesEncodingJSON(t *testing.T) {
	drafts := []string{
		`{"resourceType":"MedicationRequest","id":"m1","status":"draft","dosageInstruction":[{"doseAndRate":[{"doseQuantity":{"value":30,"unit":"mg"}}]}]}`,
		`{"id":"x","note":[{"text":"<b>&amp; \u00e9 \ud83d\ude00 \"q\" \\ \/ \u2028"}],"n":[1.0,1e3,-0,12345678901234567890,0.1]}`,
		`{"a":{"z":1,"b":[true,false,null,{}],"":"empty key"},"A":"case","é":"ü"}`,
		"{\"id\":\"ws\" ,\n \"x\" : [ 1 , 2 ] }",
		`{"text":"invalid UTF-8: ` + "\xff" + `"}`,
	}
	for _, dir := range []string{"../testdata/requests", "../testdata/sandbox"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var req struct {
				Context struct {
					DraftOrders struct {
						Entry []struct{ Resource json.RawMessage }
					}
				}
			}
			if json.Unmarshal(b, &req) == nil {
				for _, e := range req.Context.DraftOrders.Entry {
					drafts = append(drafts, string(e.Resource))
				}
			}
		}
	}
	if len(drafts) < 8 {
		t.Fatalf("only %d draft orders", len(drafts))
	}
	for _, d := range drafts {
		var std, seg map[string]any
		dec := json.NewDecoder(bytes.NewReader([]byte(d)))
		dec.UseNumber()
		if err := dec.Decode(&std); err != nil {
			t.Fatalf("%s: %v", d, err)
		}
		if _, err := segjson.Parse([]byte(d), &seg, segjson.UseNumber); err != nil {
			t.Fatalf("%s: segmentio: %v", d, err)
		}
		if !reflect.DeepEqual(std, seg) {
			t.Errorf("%s: decoded differently:\n%#v\n%#v", d, std, seg)
		}
		pruned, _ := prune(std)
		a, err1 := json.Marshal(pruned)
		b, err2 := segjson.Marshal(pruned)
		if err1 != nil || err2 != nil || !bytes.Equal(a, b) {
			t.Errorf("%s: encoded differently (%v, %v):\n%s\n%s", d, err1, err2, a, b)
		}
	}
}
