package fhir

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"jakguard/rules"
)

// BenchmarkBuilderSynthea decodes the largest Synthea record (3.9 MB, 1,111
// entries) into a Record.
func BenchmarkBuilderSynthea(b *testing.B) {
	files, _ := filepath.Glob("../testdata/synthea/*.json")
	var data []byte
	for _, f := range files {
		d, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		if len(d) > len(data) {
			data = d
		}
	}
	if data == nil {
		b.Skip("no Synthea file in testdata/synthea")
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		bl := NewBuilder(nil)
		if _, err := bl.Add(context.Background(), "everything", data); err != nil {
			b.Fatal(err)
		}
		if rec := bl.Record(); len(rec.Observations) == 0 {
			b.Fatal("no observations")
		}
	}
}

// typicalObservations is the observations Bundle of the typical benchmark
// workload (docs/performance.md).
func typicalObservations(b *testing.B) []byte {
	b.Helper()
	body, err := os.ReadFile("../testdata/bench/typical.json")
	if err != nil {
		b.Fatal(err)
	}
	var req struct {
		Prefetch map[string]jsontext.Value `json:"prefetch"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		b.Fatal(err)
	}
	return req.Prefetch["observations"]
}

// BenchmarkBuilderTypical adds the typical workload's observations to a
// Builder that keeps the few a rule may read, as the hooks do.
func BenchmarkBuilderTypical(b *testing.B) {
	obs := typicalObservations(b)
	b.SetBytes(int64(len(obs)))
	b.ReportAllocs()
	for b.Loop() {
		bl := NewBuilder(nil)
		bl.Filter(&Filters{Observation: func(codes []rules.Coding) (time.Duration, bool) {
			for _, c := range codes {
				if c.Code == "718-7" || c.Code == "1742-6" {
					return 90 * 24 * time.Hour, true
				}
			}
			return 0, false
		}}, time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC))
		if _, err := bl.Add(context.Background(), "observations", obs); err != nil {
			b.Fatal(err)
		}
	}
}
