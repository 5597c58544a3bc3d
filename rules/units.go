package rules

import (
	"math"
	"strings"
)

// Unit conversion for the lab thresholds (contract section 5, knowledge base
// section 2.8). Each table maps a unit to the factor that turns a value into
// the canonical unit. A unit is looked up first exactly, as UCUM requires
// (UCUM is case-sensitive), then among common display spellings seen in real
// data, compared without case and spaces ("K/uL", "x10E3/uL", "10^3/µL").
// A missing or unlisted unit gives ok=false: the value is never guessed (a
// 10*3/uL count of 0.4 must not be read as 0.4 cells/µL).

// cellCountFactor converts a cell count (lymphocytes, neutrophils,
// platelets) to cells/mm³ (= cells/µL).
func cellCountFactor(ucum, display string) float64 {
	switch ucum {
	case "/uL", "/mm3", "{cells}/uL", "{cells}/mm3", "10*6/L":
		return 1
	case "10*3/uL", "10*3/mm3", "10*9/L":
		return 1000
	case "/L":
		return 1e-6
	}
	switch display {
	case "/ul", "/µl", "/μl", "/mm3", "/mm³", "/cumm",
		"cells/ul", "cells/µl", "cells/μl", "cells/mm3", "cells/mm³",
		"10*6/l", "10^6/l", "x10^6/l", "x10e6/l":
		return 1
	case "k/ul", "k/µl", "k/μl", "k/mm3", "thou/ul", "thou/µl", "thou/mm3",
		"10*3/ul", "10*3/µl", "10^3/ul", "10^3/µl", "10^3/μl", "10³/µl", "10e3/ul",
		"x10*3/ul", "x10^3/ul", "x10^3/µl", "x10e3/ul", "x10e3/µl", "×10³/µl", "×10^3/µl",
		"10*3/mm3", "10^3/mm3",
		"10*9/l", "10^9/l", "10⁹/l", "10e9/l", "x10*9/l", "x10^9/l", "x10e9/l", "×10⁹/l", "×10^9/l":
		return 1000
	}
	return 0
}

// hemoglobinFactor converts a hemoglobin value to g/dL. mmol/L is the Hb
// monomer (LOINC 59260-0): 1 g/dL = 0.6206 mmol/L, so ×1.611.
func hemoglobinFactor(ucum, display string) float64 {
	switch ucum {
	case "g/dL":
		return 1
	case "g/L":
		return 0.1
	case "mmol/L":
		return 1.611
	case "mg/dL":
		return 0.001
	}
	switch display {
	case "g/dl", "gm/dl", "gms/dl", "g/100ml":
		return 1
	case "g/l", "gm/l":
		return 0.1
	case "mmol/l":
		return 1.611
	case "mg/dl":
		return 0.001
	}
	return 0
}

// egfrFactor accepts eGFR in mL/min/1.73 m². The eGFR LOINC codes are by
// definition normalised to 1.73 m², so a bare "mL/min" on an eGFR result
// (Synthea writes it on 33914-3) is the same unit spelled short; callers
// use EGFR only for Observations coded in the eGFR value set.
func egfrFactor(ucum, display string) float64 {
	switch ucum {
	case "mL/min/{1.73_m2}", "mL/min/1.73m2", "mL/min/1.73.m2", "mL/min":
		return 1
	}
	switch display {
	case "ml/min/{1.73_m2}", "ml/min/{1.73m2}", "ml/min/1.73_m2", "ml/min/1.73m2", "ml/min/1.73.m2",
		"ml/min/1.73m^2", "ml/min/1.73m²", "ml/min/1.73sqm", "ml/min/1.73sq.m", "ml/min/1.73sq.m.",
		"ml/min/bsa", "ml/min":
		return 1
	}
	return 0
}

// convertUnit turns q into the canonical unit with factor, which is given the
// unit as written (UCUM is case-sensitive) and a display key (lower case,
// no spaces) and returns 0 for an unknown unit. NaN, infinite and negative
// values are rejected like unknown units.
func convertUnit(q *Quantity, factor func(ucum, display string) float64) (float64, bool) {
	if q == nil || math.IsNaN(q.Value) || math.IsInf(q.Value, 0) || q.Value < 0 {
		return 0, false
	}
	unit := strings.TrimSpace(q.Unit)
	if unit == "" {
		return 0, false
	}
	f := factor(unit, strings.ToLower(strings.Join(strings.Fields(unit), "")))
	if f <= 0 {
		return 0, false
	}
	v := q.Value * f
	// A censored result is just past its bound: "<0.5 10*3/uL" is below
	// 500 cells/mm³ and ">60" mL/min is above 60, so thresholds compare
	// the right way. "<=" and ">=" include the bound and keep the value.
	switch q.Comparator {
	case "<":
		v = math.Nextafter(v, math.Inf(-1))
	case ">":
		v = math.Nextafter(v, math.Inf(1))
	case "", "<=", ">=":
	default:
		return 0, false // an unknown comparator: the value cannot be trusted
	}
	return v, true
}

// CellsPerMM3 converts a cell count (lymphocytes, neutrophils, platelets) to
// cells/mm³ (= cells/µL). ok is false when the unit is missing or unknown.
// UCUM: /uL, /mm3, {cells}/uL ×1; 10*3/uL, 10*3/mm3, 10*9/L ×1000; 10*6/L
// ×1; /L ÷10⁶. Display spellings such as K/uL, x10E3/uL, 10^3/µL, cells/uL
// and x10^9/L are accepted too (see cellCountFactor).
func CellsPerMM3(q *Quantity) (float64, bool) { return convertUnit(q, cellCountFactor) }

// HemoglobinGdL converts a hemoglobin value to g/dL; ok is false when the
// unit is missing or unknown. g/dL ×1, g/L ÷10, mmol/L ×1.611, mg/dL ÷1000.
func HemoglobinGdL(q *Quantity) (float64, bool) { return convertUnit(q, hemoglobinFactor) }

// EGFR returns an eGFR in mL/min/1.73 m²; ok is false when the unit is
// missing or unknown. mL/min/{1.73_m2} (UCUM) and spellings such as
// mL/min/1.73m2 and "mL/min/1.73 m2" are accepted, and so is a bare mL/min,
// since eGFR codes are normalised to 1.73 m² by definition.
func EGFR(q *Quantity) (float64, bool) { return convertUnit(q, egfrFactor) }
