package hooks

import (
	"encoding/json"
	"testing"
)

// Issue 15: every order the EHR sends now passes through the dispatch, not
// only JAK-inhibitor orders. These workloads are the benchmark patients
// (no upadacitinib or abrocitinib on record) with the draft order replaced
// by a drug that does not interact (amoxicillin) and by one that does
// (clarithromycin, a strong CYP3A4 inhibitor): both must answer
// {"cards": []}, the first before any prefetch is read, the second after
// reading only the medication list.

// drugOrders are the draft orders the no-course benchmark substitutes.
var drugOrders = []struct{ name, code, text string }{
	{"non-interacting", "308191", "amoxicillin 500 MG Oral Capsule"},
	{"interacting", "197517", "clarithromycin 500 MG Oral Tablet"},
}

// withDraftDrug returns the workload body with its one draft order's
// medication replaced.
func withDraftDrug(tb testing.TB, body []byte, code, text string) []byte {
	tb.Helper()
	var req map[string]any
	if err := json.Unmarshal(body, &req); err != nil {
		tb.Fatal(err)
	}
	entries := req["context"].(map[string]any)["draftOrders"].(map[string]any)["entry"].([]any)
	res := entries[0].(map[string]any)["resource"].(map[string]any)
	res["medicationCodeableConcept"] = map[string]any{
		"coding": []any{map[string]any{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": code, "display": text}},
		"text":   text,
	}
	out, err := json.Marshal(req)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// TestNoCourseWorkloads checks what BenchmarkNoCourse measures: both
// orders answer no cards for these patients.
func TestNoCourseWorkloads(t *testing.T) {
	srv := newBenchServer(t)
	for _, w := range benchWorkloads {
		for _, d := range drugOrders {
			body := withDraftDrug(t, readWorkload(t, w.file), d.code, d.text)
			out, err := srv.Evaluate(t.Context(), HookOrderSelect, body)
			if err != nil {
				t.Fatalf("%s/%s: %v", w.name, d.name, err)
			}
			if string(out) != `{"cards":[]}` {
				t.Errorf("%s/%s: %s", w.name, d.name, out)
			}
		}
	}
}

// BenchmarkNoCourse is the whole hook path for an order that is not a JAK
// inhibitor, for a patient with no JAK-inhibitor course on record.
func BenchmarkNoCourse(b *testing.B) {
	b.Cleanup(SetGCPercent())
	srv := newBenchServer(b)
	for _, w := range benchWorkloads {
		for _, d := range drugOrders {
			body := withDraftDrug(b, readWorkload(b, w.file), d.code, d.text)
			b.Run(w.name+"/"+d.name, func(b *testing.B) {
				b.SetBytes(int64(len(body)))
				b.ReportAllocs()
				cpu := startCPU()
				for b.Loop() {
					if _, err := srv.Evaluate(b.Context(), HookOrderSelect, body); err != nil {
						b.Fatal(err)
					}
				}
				cpu.report(b)
			})
		}
	}
}
