package rules

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// ruleCase is one data-driven case of testdata/cases: a record (and, for
// order hooks, the session and orders) and the exact finding codes wanted.
// Cases run against the embedded value sets, so they also check the
// knowledge base.
type ruleCase struct {
	Note    string
	Hook    string // order-select, order-sign or patient-view
	Now     time.Time
	Record  Record
	Session Session
	Orders  []Medication
	Want    []string
}

func TestCases(t *testing.T) {
	k, err := LoadKnowledge(nil)
	if err != nil {
		t.Fatalf("LoadKnowledge: %v", err)
	}
	if len(k.Codes(VSTBTest)) == 0 {
		t.Fatal("the embedded value sets are empty")
	}
	e := mustEngine(t, k)
	files, err := filepath.Glob(filepath.Join("testdata", "cases", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			f, err := os.Open(file)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			dec := json.NewDecoder(f)
			dec.DisallowUnknownFields() // a misspelt field must not pass silently
			var c ruleCase
			if err := dec.Decode(&c); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			if c.Note == "" || c.Now.IsZero() {
				t.Fatalf("%s: a case needs a note and now", file)
			}
			var fs []Finding
			switch c.Hook {
			case "order-select", "order-sign":
				sess := c.Session
				if len(sess.Medications) == 0 {
					sess.Medications = c.Orders
				}
				fs = e.EvaluateOrders(&c.Record, sess, c.Orders, c.Now)
			case "patient-view":
				fs = e.EvaluatePatientView(&c.Record, c.Now)
			default:
				t.Fatalf("%s: unknown hook %q", file, c.Hook)
			}
			got := slices.Compact(codesOf(fs))
			want := slices.Clone(c.Want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("%s\n got  %v\n want %v", c.Note, got, want)
			}
		})
	}
}
