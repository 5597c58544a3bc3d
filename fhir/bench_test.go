package fhir

import (
	"os"
	"path/filepath"
	"testing"
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
