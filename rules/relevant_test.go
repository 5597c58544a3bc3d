package rules

import "testing"

// ObservationRelevant agrees with Has over every code of every value set:
// a code some Observation rule reads is relevant, others are not.
func TestObservationRelevant(t *testing.T) {
	k, err := LoadKnowledge(nil)
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewEngine(k, DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	obs := map[string]bool{}
	for _, id := range ObservationValueSets() {
		obs[id] = true
	}
	for _, id := range k.IDs() {
		for _, c := range k.Codes(id) {
			codes := []Coding{c.Coding}
			want := false
			for set := range obs {
				want = want || k.Has(set, codes)
			}
			if got := e.ObservationRelevant(codes); got != want {
				t.Errorf("%s %s|%s: relevant = %v, want %v", id, c.System, c.Code, got, want)
			}
		}
	}
	for _, tc := range []struct {
		name  string
		codes []Coding
		want  bool
	}{
		{"ANC", []Coding{{System: SystemLOINC, Code: "751-8"}}, true},
		{"ANC with spaces", []Coding{{System: SystemLOINC, Code: " 751-8 "}}, true},
		{"blood pressure", []Coding{{System: SystemLOINC, Code: "85354-9"}}, false},
		{"local code, then LDL", []Coding{{System: "urn:local", Code: "LDL"}, {System: SystemLOINC, Code: "13457-7"}}, true},
		{"right code, wrong system", []Coding{{System: SystemSNOMED, Code: "751-8"}}, false},
		{"no codes", nil, false},
	} {
		if got := e.ObservationRelevant(tc.codes); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}
