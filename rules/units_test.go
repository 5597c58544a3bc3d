package rules

import (
	"math"
	"testing"
)

func TestUnitConversions(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name   string
		conv   func(*Quantity) (float64, bool)
		q      *Quantity
		want   float64
		wantOK bool
	}{
		// Cell counts to cells/mm³ (knowledge base section 2.8).
		{"ANC 0.8 10*3/uL is 800 cells/mm3", CellsPerMM3, &Quantity{0.8, "10*3/uL"}, 800, true},
		{"ALC 0.4 10*3/uL is 400, never 0.4", CellsPerMM3, &Quantity{0.4, "10*3/uL"}, 400, true},
		{"platelets 150 10*9/L is 150,000", CellsPerMM3, &Quantity{150, "10*9/L"}, 150000, true},
		{"ANC 900 /uL", CellsPerMM3, &Quantity{900, "/uL"}, 900, true},
		{"ALC 450 /mm3", CellsPerMM3, &Quantity{450, "/mm3"}, 450, true},
		{"ALC 450 {cells}/uL", CellsPerMM3, &Quantity{450, "{cells}/uL"}, 450, true},
		{"10*3/mm3", CellsPerMM3, &Quantity{1.2, "10*3/mm3"}, 1200, true},
		{"10*6/L is per µL", CellsPerMM3, &Quantity{700, "10*6/L"}, 700, true},
		{"/L divides by a million", CellsPerMM3, &Quantity{5e8, "/L"}, 500, true},
		{"display K/uL", CellsPerMM3, &Quantity{1.1, "K/uL"}, 1100, true},
		{"display x10E3/uL", CellsPerMM3, &Quantity{2, "x10E3/uL"}, 2000, true},
		{"display 10^3/uL", CellsPerMM3, &Quantity{2, "10^3/uL"}, 2000, true},
		{"display 10^3/µL with micro sign", CellsPerMM3, &Quantity{2, "10^3/µL"}, 2000, true},
		{"display x10^9/L", CellsPerMM3, &Quantity{0.5, "x10^9/L"}, 500, true},
		{"display with spaces: 10^9 / L", CellsPerMM3, &Quantity{0.5, "10^9 / L"}, 500, true},
		{"display cells/uL", CellsPerMM3, &Quantity{600, "cells/uL"}, 600, true},
		{"display thou/uL", CellsPerMM3, &Quantity{250, "thou/uL"}, 250000, true},
		{"10*6/uL (red cells) is not accepted", CellsPerMM3, &Quantity{4.5, "10*6/uL"}, 0, false},
		{"percentage is not a count", CellsPerMM3, &Quantity{12, "%"}, 0, false},
		{"missing unit is not used", CellsPerMM3, &Quantity{0.4, ""}, 0, false},
		{"unknown unit is not used", CellsPerMM3, &Quantity{0.4, "furlongs"}, 0, false},
		{"nil quantity", CellsPerMM3, nil, 0, false},
		{"negative count rejected", CellsPerMM3, &Quantity{-1, "/uL"}, 0, false},
		{"NaN rejected", CellsPerMM3, &Quantity{nan, "/uL"}, 0, false},
		{"infinite rejected", CellsPerMM3, &Quantity{math.Inf(1), "/uL"}, 0, false},

		// Hemoglobin to g/dL.
		{"Hb 7.9 g/dL", HemoglobinGdL, &Quantity{7.9, "g/dL"}, 7.9, true},
		{"Hb 79 g/L is 7.9 g/dL", HemoglobinGdL, &Quantity{79, "g/L"}, 7.9, true},
		{"Hb 4.9 mmol/L is 7.89 g/dL", HemoglobinGdL, &Quantity{4.9, "mmol/L"}, 4.9 * 1.611, true},
		{"Hb 8000 mg/dL is 8 g/dL", HemoglobinGdL, &Quantity{8000, "mg/dL"}, 8, true},
		{"display g/dl lower case", HemoglobinGdL, &Quantity{12, "g/dl"}, 12, true},
		{"display gm/dL", HemoglobinGdL, &Quantity{12, "gm/dL"}, 12, true},
		{"display G/L upper case", HemoglobinGdL, &Quantity{120, "G/L"}, 12, true},
		{"Hb % is not accepted", HemoglobinGdL, &Quantity{12, "%"}, 0, false},
		{"Hb missing unit", HemoglobinGdL, &Quantity{12, ""}, 0, false},

		// eGFR.
		{"eGFR UCUM", EGFR, &Quantity{45, "mL/min/{1.73_m2}"}, 45, true},
		{"eGFR mL/min/1.73m2", EGFR, &Quantity{45, "mL/min/1.73m2"}, 45, true},
		{"eGFR with a space", EGFR, &Quantity{45, "mL/min/1.73 m2"}, 45, true},
		{"eGFR with superscript", EGFR, &Quantity{45, "mL/min/1.73m²"}, 45, true},
		{"eGFR bare mL/min (Synthea 33914-3)", EGFR, &Quantity{28, "mL/min"}, 28, true},
		{"eGFR mL/s is not accepted", EGFR, &Quantity{0.5, "mL/s"}, 0, false},
		{"eGFR missing unit", EGFR, &Quantity{45, ""}, 0, false},
		{"eGFR nil", EGFR, nil, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := tc.conv(tc.q)
			if ok != tc.wantOK || math.Abs(got-tc.want) > 1e-9 {
				t.Errorf("got %v, %v; want %v, %v", got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

// TestUnitThresholdsInSI checks the label thresholds restated in SI units
// (knowledge base section 2.8) land exactly on the contract thresholds.
func TestUnitThresholdsInSI(t *testing.T) {
	if v, _ := CellsPerMM3(&Quantity{0.5, "10*9/L"}); v != 500 {
		t.Errorf("ALC 0.5×10⁹/L = %v cells/mm³, want 500", v)
	}
	if v, _ := CellsPerMM3(&Quantity{1.0, "10*9/L"}); v != 1000 {
		t.Errorf("ANC 1.0×10⁹/L = %v, want 1000", v)
	}
	if v, _ := HemoglobinGdL(&Quantity{80, "g/L"}); v != 8 {
		t.Errorf("Hb 80 g/L = %v g/dL, want 8", v)
	}
	if v, _ := HemoglobinGdL(&Quantity{4.96, "mmol/L"}); math.Abs(v-8) > 0.01 {
		t.Errorf("Hb 4.96 mmol/L = %v g/dL, want ≈8", v)
	}
}
