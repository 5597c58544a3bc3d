package cards

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/rules"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.json")

// TestGolden pins three representative full responses. Review the diff of
// testdata/golden after running with -update.
func TestGolden(t *testing.T) {
	tests := []struct {
		name     string
		findings []rules.Finding
		opt      Options
	}{
		{
			name:     "abrocitinib-screening-thrombocytopenia",
			findings: abrocitinibScreening(),
			opt: Options{PatientID: "pt-abro", Orders: map[string]json.RawMessage{
				"MedicationRequest/abro-1": mustReadOrder(t, "abrocitinib-200mg-contained.json"),
			}},
		},
		{
			name:     "upadacitinib-30mg-smoker-67",
			findings: upadacitinibSmoker(),
			opt: Options{PatientID: "pt-upa", Orders: map[string]json.RawMessage{
				"MedicationRequest/upa-30": mustReadOrder(t, "upadacitinib-30mg.json"),
			}},
		},
		{
			name:     "patient-view-abrocitinib-monitoring-due",
			findings: abrocitinibMonitoring(),
			opt:      Options{PatientID: "pt-abro", PatientView: true},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.opt.NewUUID = seqUUID()
			cs := FromFindings(tc.findings, tc.opt)
			for _, c := range cs {
				require.NoError(t, Validate(c), c.Summary)
			}
			got := mustResponse(t, cs)
			require.NoError(t, CheckEmpty(got))

			path := filepath.Join("testdata", "golden", tc.name+".json")
			if *update {
				require.NoError(t, os.WriteFile(path, append(got, '\n'), 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run go test ./cards -run TestGolden -update")
			assert.JSONEq(t, string(want), string(got))
		})
	}
}
