package rules

import (
	"math"
	"strings"
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
		{"ANC 0.8 10*3/uL is 800 cells/mm3", CellsPerMM3, &Quantity{Value: 0.8, Unit: "10*3/uL"}, 800, true},
		{"ALC 0.4 10*3/uL is 400, never 0.4", CellsPerMM3, &Quantity{Value: 0.4, Unit: "10*3/uL"}, 400, true},
		{"platelets 150 10*9/L is 150,000", CellsPerMM3, &Quantity{Value: 150, Unit: "10*9/L"}, 150000, true},
		{"ANC 900 /uL", CellsPerMM3, &Quantity{Value: 900, Unit: "/uL"}, 900, true},
		{"ALC 450 /mm3", CellsPerMM3, &Quantity{Value: 450, Unit: "/mm3"}, 450, true},
		{"ALC 450 {cells}/uL", CellsPerMM3, &Quantity{Value: 450, Unit: "{cells}/uL"}, 450, true},
		{"10*3/mm3", CellsPerMM3, &Quantity{Value: 1.2, Unit: "10*3/mm3"}, 1200, true},
		{"10*6/L is per µL", CellsPerMM3, &Quantity{Value: 700, Unit: "10*6/L"}, 700, true},
		{"/L divides by a million", CellsPerMM3, &Quantity{Value: 5e8, Unit: "/L"}, 500, true},
		{"display K/uL", CellsPerMM3, &Quantity{Value: 1.1, Unit: "K/uL"}, 1100, true},
		{"display x10E3/uL", CellsPerMM3, &Quantity{Value: 2, Unit: "x10E3/uL"}, 2000, true},
		{"display 10^3/uL", CellsPerMM3, &Quantity{Value: 2, Unit: "10^3/uL"}, 2000, true},
		{"display 10^3/µL with micro sign", CellsPerMM3, &Quantity{Value: 2, Unit: "10^3/µL"}, 2000, true},
		{"display x10^9/L", CellsPerMM3, &Quantity{Value: 0.5, Unit: "x10^9/L"}, 500, true},
		{"display with spaces: 10^9 / L", CellsPerMM3, &Quantity{Value: 0.5, Unit: "10^9 / L"}, 500, true},
		{"display cells/uL", CellsPerMM3, &Quantity{Value: 600, Unit: "cells/uL"}, 600, true},
		{"display thou/uL", CellsPerMM3, &Quantity{Value: 250, Unit: "thou/uL"}, 250000, true},
		{"10*6/uL (red cells) is not accepted", CellsPerMM3, &Quantity{Value: 4.5, Unit: "10*6/uL"}, 0, false},
		{"percentage is not a count", CellsPerMM3, &Quantity{Value: 12, Unit: "%"}, 0, false},
		{"missing unit is not used", CellsPerMM3, &Quantity{Value: 0.4, Unit: ""}, 0, false},
		{"unknown unit is not used", CellsPerMM3, &Quantity{Value: 0.4, Unit: "furlongs"}, 0, false},
		{"nil quantity", CellsPerMM3, nil, 0, false},
		{"negative count rejected", CellsPerMM3, &Quantity{Value: -1, Unit: "/uL"}, 0, false},
		{"NaN rejected", CellsPerMM3, &Quantity{Value: nan, Unit: "/uL"}, 0, false},
		{"infinite rejected", CellsPerMM3, &Quantity{Value: math.Inf(1), Unit: "/uL"}, 0, false},

		// Hemoglobin to g/dL.
		{"Hb 7.9 g/dL", HemoglobinGdL, &Quantity{Value: 7.9, Unit: "g/dL"}, 7.9, true},
		{"Hb 79 g/L is 7.9 g/dL", HemoglobinGdL, &Quantity{Value: 79, Unit: "g/L"}, 7.9, true},
		{"Hb 4.9 mmol/L is 7.89 g/dL", HemoglobinGdL, &Quantity{Value: 4.9, Unit: "mmol/L"}, 4.9 * 1.611, true},
		{"Hb 8000 mg/dL is 8 g/dL", HemoglobinGdL, &Quantity{Value: 8000, Unit: "mg/dL"}, 8, true},
		{"display g/dl lower case", HemoglobinGdL, &Quantity{Value: 12, Unit: "g/dl"}, 12, true},
		{"display gm/dL", HemoglobinGdL, &Quantity{Value: 12, Unit: "gm/dL"}, 12, true},
		{"display G/L upper case", HemoglobinGdL, &Quantity{Value: 120, Unit: "G/L"}, 12, true},
		{"Hb % is not accepted", HemoglobinGdL, &Quantity{Value: 12, Unit: "%"}, 0, false},
		{"Hb missing unit", HemoglobinGdL, &Quantity{Value: 12, Unit: ""}, 0, false},

		// eGFR.
		{"eGFR UCUM", EGFR, &Quantity{Value: 45, Unit: "mL/min/{1.73_m2}"}, 45, true},
		{"eGFR mL/min/1.73m2", EGFR, &Quantity{Value: 45, Unit: "mL/min/1.73m2"}, 45, true},
		{"eGFR with a space", EGFR, &Quantity{Value: 45, Unit: "mL/min/1.73 m2"}, 45, true},
		{"eGFR with superscript", EGFR, &Quantity{Value: 45, Unit: "mL/min/1.73m²"}, 45, true},
		{"eGFR bare mL/min (Synthea 33914-3)", EGFR, &Quantity{Value: 28, Unit: "mL/min"}, 28, true},
		{"eGFR mL/s is not accepted", EGFR, &Quantity{Value: 0.5, Unit: "mL/s"}, 0, false},
		{"eGFR missing unit", EGFR, &Quantity{Value: 45, Unit: ""}, 0, false},
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
	if v, _ := CellsPerMM3(&Quantity{Value: 0.5, Unit: "10*9/L"}); v != 500 {
		t.Errorf("ALC 0.5×10⁹/L = %v cells/mm³, want 500", v)
	}
	if v, _ := CellsPerMM3(&Quantity{Value: 1.0, Unit: "10*9/L"}); v != 1000 {
		t.Errorf("ANC 1.0×10⁹/L = %v, want 1000", v)
	}
	if v, _ := HemoglobinGdL(&Quantity{Value: 80, Unit: "g/L"}); v != 8 {
		t.Errorf("Hb 80 g/L = %v g/dL, want 8", v)
	}
	if v, _ := HemoglobinGdL(&Quantity{Value: 4.96, Unit: "mmol/L"}); math.Abs(v-8) > 0.01 {
		t.Errorf("Hb 4.96 mmol/L = %v g/dL, want ≈8", v)
	}
}

// A censored result is read just past its bound, so "<0.5 10*3/uL" is below
// the 500 cells/mm³ threshold and ">60" mL/min is not below 60.
func TestComparatorCensoredValues(t *testing.T) {
	cases := []struct {
		name  string
		q     Quantity
		conv  func(*Quantity) (float64, bool)
		below float64
		want  bool // value < below
		ok    bool
	}{
		{"ALC <0.5 10*3/uL is below 500", Quantity{Value: 0.5, Unit: "10*3/uL", Comparator: "<"}, CellsPerMM3, 500, true, true},
		{"ALC 0.5 10*3/uL is not below 500", Quantity{Value: 0.5, Unit: "10*3/uL"}, CellsPerMM3, 500, false, true},
		{"ALC <=0.5 is not known to be below 500", Quantity{Value: 0.5, Unit: "10*3/uL", Comparator: "<="}, CellsPerMM3, 500, false, true},
		{"eGFR >60 is not below 60", Quantity{Value: 60, Unit: "mL/min/{1.73_m2}", Comparator: ">"}, EGFR, 60, false, true},
		{"eGFR >=59 stays 59", Quantity{Value: 59, Unit: "mL/min/{1.73_m2}", Comparator: ">="}, EGFR, 60, true, true},
		{"unknown comparator is not used", Quantity{Value: 7, Unit: "g/dL", Comparator: "ad"}, HemoglobinGdL, 8, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, ok := tc.conv(&tc.q)
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v", ok, tc.ok)
			}
			if ok && (v < tc.below) != tc.want {
				t.Errorf("%v < %v = %v, want %v", v, tc.below, v < tc.below, tc.want)
			}
		})
	}
}

// TestContractUnitSpellings checks every count spelling of contract 6.5,
// in any case and with surrounding or inner spaces, from the UCUM code or
// from the human-readable unit.
func TestContractUnitSpellings(t *testing.T) {
	perUL := []string{"cells/uL", "cells/µL", "cells/mcL", "/uL", "/µL", "/mcL", "/mm3", "/mm³"}
	thousands := []string{"10*3/uL", "10^3/uL", "x10E3/uL", "K/uL", "K/mcL", "K/µL", "thou/uL",
		"10*9/L", "10^9/L", "x10E9/L", "G/L"}
	check := func(t *testing.T, q Quantity, want float64) {
		t.Helper()
		got, ok := CellsPerMM3(&q)
		if !ok || math.Abs(got-want) > 1e-9 {
			t.Errorf("%+v: got %v, %v; want %v", q, got, ok, want)
		}
	}
	for _, list := range []struct {
		spellings []string
		factor    float64
	}{{perUL, 1}, {thousands, 1000}} {
		for _, s := range list.spellings {
			t.Run(s, func(t *testing.T) {
				check(t, Quantity{Value: 0.3, Unit: s}, 0.3*list.factor)
				check(t, Quantity{Value: 0.3, Unit: strings.ToUpper(s)}, 0.3*list.factor)
				check(t, Quantity{Value: 0.3, Unit: strings.ToLower(s)}, 0.3*list.factor)
				check(t, Quantity{Value: 0.3, Unit: "  " + s + " "}, 0.3*list.factor)
				check(t, Quantity{Value: 0.3, Unit: strings.Join(strings.Split(s, "/"), " / ")}, 0.3*list.factor)
				// From the human-readable unit when the code is one the
				// table does not hold.
				check(t, Quantity{Value: 0.3, Unit: "{UnknownCode}", UnitText: s}, 0.3*list.factor)
			})
		}
	}
}

// TestEveryTableSpellingConverts checks each spelling of unitTable once,
// so that a typo in the table cannot hide.
func TestEveryTableSpellingConverts(t *testing.T) {
	for _, r := range unitTable {
		for _, s := range r.spellings {
			got, ok := convert(r.kind, &Quantity{Value: 2, Unit: s})
			if !ok || math.Abs(got-2*r.factor) > 1e-12 {
				t.Errorf("kind %d %q: got %v, %v; want %v", r.kind, s, got, ok, 2*r.factor)
			}
		}
	}
}

func TestUnitTableRefusesConflicts(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("a spelling with two factors was accepted")
		}
	}()
	buildUnitIndex([]unitRow{{unitCount, 1, []string{"K/uL"}, ""}, {unitCount, 1000, []string{"k / ul"}, ""}})
}

func TestHCGAndWeightUnits(t *testing.T) {
	tests := []struct {
		conv   func(*Quantity) (float64, bool)
		q      Quantity
		want   float64
		wantOK bool
	}{
		{HCGmIUPerML, Quantity{Value: 2500, Unit: "mIU/mL"}, 2500, true},
		{HCGmIUPerML, Quantity{Value: 25, Unit: "[IU]/L"}, 25, true},
		{HCGmIUPerML, Quantity{Value: 25, Unit: "IU/L"}, 25, true},
		{HCGmIUPerML, Quantity{Value: 25, Unit: "m[IU]/mL"}, 25, true},
		{HCGmIUPerML, Quantity{Value: 25, Unit: "miu/ml"}, 25, true},
		{HCGmIUPerML, Quantity{Value: 0.03, Unit: "IU/mL"}, 30, true},
		{HCGmIUPerML, Quantity{Value: 25, Unit: "ng/mL"}, 0, false},
		{HCGmIUPerML, Quantity{Value: 25}, 0, false},
		{WeightKg, Quantity{Value: 35, Unit: "kg"}, 35, true},
		{WeightKg, Quantity{Value: 35000, Unit: "g"}, 35, true},
		{WeightKg, Quantity{Value: 100, Unit: "[lb_av]"}, 45.359237, true},
		{WeightKg, Quantity{Value: 100, Unit: "lbs"}, 45.359237, true},
		{WeightKg, Quantity{Value: 100, Unit: "st"}, 0, false},
	}
	for _, tc := range tests {
		got, ok := tc.conv(&tc.q)
		if ok != tc.wantOK || math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("%+v: got %v, %v; want %v, %v", tc.q, got, ok, tc.want, tc.wantOK)
		}
	}
}

func TestUnitProblem(t *testing.T) {
	tests := []struct {
		q    *Quantity
		want string
	}{
		{&Quantity{Value: 0.3, Unit: "K/mcL"}, ""},
		{&Quantity{Value: 0.3, Unit: "furlongs"}, `unit "furlongs" not recognised`},
		{&Quantity{Value: 0.3}, "no unit"},
		{&Quantity{Value: 0.3, Unit: "/uL", Comparator: "ad"}, `comparator "ad" not understood`},
		{nil, "no value"},
	}
	for _, tc := range tests {
		if got := unitProblem(unitCount, tc.q); got != tc.want {
			t.Errorf("%+v: got %q, want %q", tc.q, got, tc.want)
		}
	}
}

func TestTextQuantity(t *testing.T) {
	tests := []struct {
		in   string
		want *Quantity // nil: not a number with a unit
	}{
		{"1,250 IU/mL", &Quantity{Value: 1250, Unit: "IU/mL"}},
		{"12,345,678 IU/mL", &Quantity{Value: 12345678, Unit: "IU/mL"}},
		{"<15 mL/min/1.73m2", &Quantity{Value: 15, Unit: "mL/min/1.73m2", Comparator: "<"}},
		{" >= 60 ", &Quantity{Value: 60, Comparator: ">="}},
		{"0.3 K/uL", &Quantity{Value: 0.3, Unit: "K/uL"}},
		{"0,3 K/uL", &Quantity{Value: 0.3, Unit: "K/uL"}},     // decimal comma
		{"0,450 K/uL", &Quantity{Value: 0.45, Unit: "K/uL"}},  // no thousands group starts with 0
		{"1,25 IU/mL", &Quantity{Value: 1.25, Unit: "IU/mL"}}, // two digits after: decimal comma
		{"1,2500 IU/mL", &Quantity{Value: 1.25, Unit: "IU/mL"}},
		{"0.3 10*3/uL", &Quantity{Value: 0.3, Unit: "10*3/uL"}},
		{"450/uL", &Quantity{Value: 450, Unit: "/uL"}},
		{"12.5.3 g/dL", nil},
		{"7.2-9.5 g/dL", nil}, // a range
		{"7.2 – 9.5", nil},
		{"1/160", nil}, // a titre
		{"Positive", nil},
		{"", nil},
		{"not detected", nil},
	}
	for _, tc := range tests {
		got := TextQuantity(tc.in)
		if (got == nil) != (tc.want == nil) || got != nil && *got != *tc.want {
			t.Errorf("TextQuantity(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}
