package fhir

import (
	"os"
	"path/filepath"
	"testing"
	"time"

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
		if _, err := bl.Add("everything", data); err != nil {
			b.Fatal(err)
		}
		if rec := bl.Record(); len(rec.Observations) == 0 {
			b.Fatal("no observations")
		}
	}
}

// typicalPrefetch reads the typical benchmark workload (docs/performance.md):
// the whole request body and its observations Bundle.
func typicalPrefetch(b *testing.B) (body, observations []byte) {
	b.Helper()
	body, err := os.ReadFile("../testdata/bench/typical.json")
	if err != nil {
		b.Fatal(err)
	}
	_, inner, err := Members(body, "prefetch")
	if err != nil {
		b.Fatal(err)
	}
	return body, inner["observations"].Raw
}

// BenchmarkMembers is the first pass over a request body: validate it,
// locate its members and split its prefetch.
func BenchmarkMembers(b *testing.B) {
	body, _ := typicalPrefetch(b)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Members(body, "prefetch"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSplit validates a Bundle of 213 Observations strictly and
// locates its entries and their codes and dates.
func BenchmarkSplit(b *testing.B) {
	_, obs := typicalPrefetch(b)
	b.SetBytes(int64(len(obs)))
	b.ReportAllocs()
	for b.Loop() {
		doc, err := split(obs)
		if err != nil || len(doc.entries) != 213 {
			b.Fatal(err, len(doc.entries))
		}
	}
}

// BenchmarkBuilderTypical adds the typical workload's observations to a
// Builder that keeps the few a rule may read, as the hooks do.
func BenchmarkBuilderTypical(b *testing.B) {
	_, obs := typicalPrefetch(b)
	b.SetBytes(int64(len(obs)))
	b.ReportAllocs()
	for b.Loop() {
		bl := NewBuilder(nil)
		bl.KeepObservations(func(codes []rules.Coding, _ time.Time) bool {
			for _, c := range codes {
				if c.Code == "718-7" || c.Code == "1742-6" {
					return true
				}
			}
			return false
		})
		if _, err := bl.Add("observations", obs); err != nil {
			b.Fatal(err)
		}
	}
}
