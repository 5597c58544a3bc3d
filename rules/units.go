package rules

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Unit conversion for the lab thresholds (contract sections 5 and 6.5,
// knowledge base section 2.8). unitTable below is the one place a reader
// audits: every spelling the rules accept, per kind of result, with the
// factor that turns a value into the kind's canonical unit.
//
// Spellings are compared without case and without any white space
// ("K/uL", "k/ul" and "K / uL" are one spelling), as contract 6.5 asks; the
// table lists each spelling once in its usual form. No kind has two units
// that differ only by case (UCUM's "G/L" counts and "g/L" hemoglobin are
// different kinds), and unitIndex refuses a table where a spelling would
// mean two factors. A missing or unlisted unit is never guessed: the value
// is not used (a 10*3/uL count of 0.4 must not be read as 0.4 cells/µL), the
// matching *-missing finding fires, and its evidence names the unit.

// unitKind is a kind of result with one canonical unit.
type unitKind uint8

const (
	unitCount      unitKind = iota // lymphocytes, neutrophils, platelets: cells/mm³ (= cells/µL)
	unitHemoglobin                 // g/dL
	unitEGFR                       // mL/min/1.73 m²
	unitHCG                        // mIU/mL (= IU/L)
	unitWeight                     // kg
	unitKinds
)

// unitRow is one unit of one kind: all its spellings and its factor.
type unitRow struct {
	kind      unitKind
	factor    float64 // value × factor = value in the canonical unit
	spellings []string
	source    string
}

// unitTable lists every unit the rules read. The sources: "contract 6.5"
// (the December amendment's list), "KB 2.8" (knowledge base, units and
// conversions, arithmetic facts), "UCUM" (the UCUM code of the same unit).
var unitTable = []unitRow{
	// Cell counts to cells/mm³.
	{unitCount, 1, []string{
		"cells/uL", "cells/µL", "cells/μL", "cells/mcL", "/uL", "/µL", "/μL", "/mcL", "/mm3", "/mm³",
	}, "contract 6.5"},
	{unitCount, 1, []string{
		"{cells}/uL", "{cells}/µL", "{cells}/mm3", "cells/mm3", "cells/mm³", "/cumm", "cells/cumm",
		"10*6/L", "10^6/L", "x10E6/L", "x10^6/L",
	}, "KB 2.8; UCUM"},
	{unitCount, 1000, []string{
		"10*3/uL", "10^3/uL", "x10E3/uL", "K/uL", "K/mcL", "K/µL", "thou/uL",
		"10*9/L", "10^9/L", "x10E9/L", "G/L",
	}, "contract 6.5"},
	{unitCount, 1000, []string{
		"10*3/µL", "10*3/μL", "10^3/µL", "10^3/μL", "10³/µL", "10e3/uL", "x10*3/uL", "x10^3/uL", "x10^3/µL",
		"x10E3/µL", "×10³/µL", "×10^3/µL", "K/μL", "K/mm3", "thou/µL", "thou/mcL", "thou/mm3", "10*3/mm3", "10^3/mm3",
		"10⁹/L", "10e9/L", "x10*9/L", "x10^9/L", "×10⁹/L", "×10^9/L",
	}, "KB 2.8; UCUM"},
	{unitCount, 1000, []string{
		"10^3/mcL", "10*3/mcL", "x10^3/mcL", "x10E3/mcL", "x10(3)/uL", "10(3)/uL", "K/cumm", "10^3/mm^3",
		"/nL", "10^3cells/uL", "10*3cells/uL", "10³/μL", "thou/cmm", "TH/uL", "x1000/uL", "1000/uL", "Thousand/uL",
		"x10(9)/L", "10(9)/L", "Giga/L",
	}, "review2: lab printouts of the units above (/nL is UCUM for 10*3/uL)"},
	{unitCount, 1000, []string{"x10(3)/mcL", "10(3)/mcL", "x10(3)/µL", "10(3)/µL", "x10*3/mcL", "10e3/mcL"},
		"ehrshapes: the microlitre of the units above written mcL or µL, as Oracle Health and reference labs print it"},
	{unitCount, 1, []string{"/cmm", "cells/cmm"}, "review2: cubic millimetre written cmm"},
	{unitCount, 1e-6, []string{"/L"}, "UCUM"},

	// Hemoglobin to g/dL. mmol/L is the Hb monomer (LOINC 59260-0):
	// 1 g/dL = 0.6206 mmol/L, so ×1.611.
	{unitHemoglobin, 1, []string{"g/dL", "gm/dL", "gms/dL", "g/100mL"}, "KB 2.8"},
	{unitHemoglobin, 1, []string{"g%", "gm%"}, "review2: grams per 100 mL written as per cent"},
	{unitHemoglobin, 0.1, []string{"g/L", "gm/L"}, "KB 2.8"},
	{unitHemoglobin, 1.611, []string{"mmol/L"}, "KB 2.8"},
	{unitHemoglobin, 0.001, []string{"mg/dL"}, "KB 2.8"},

	// eGFR in mL/min/1.73 m². The eGFR LOINC codes are by definition
	// normalised to 1.73 m², so a bare "mL/min" on an eGFR result (Synthea
	// writes it on 33914-3) is the same unit spelled short; the rules read
	// this kind only for Observations coded in the eGFR value set.
	{unitEGFR, 1, []string{
		"mL/min/{1.73_m2}", "mL/min/{1.73m2}", "mL/min/1.73_m2", "mL/min/1.73m2", "mL/min/1.73.m2",
		"mL/min/1.73m^2", "mL/min/1.73m²", "mL/min/1.73sqm", "mL/min/1.73sq.m", "mL/min/1.73sq.m.",
		"mL/min/BSA", "mL/min",
	}, "KB 2.8"},
	{unitEGFR, 1, []string{"mL/min/{1.73m^2}", "mL/min/1.73m*2", "mL/min per 1.73 m2", "mL/min/1,73m2", "mL/min/[1.73_m2]"},
		"review2: lab printouts of the unit above (decimal comma, per)"},
	{unitEGFR, 1, []string{
		"mL/min/(1.73_m2)", "mL/min/(1.73m2)", "mL/min/1.73m(2)", "mL/min/1.73m**2", "mL/min/{1.73_m^2}",
		"mL/min/1,73m²", "mL/min/1,73m^2", "mL/min/1.73m2BSA", "mL/min/1.73",
		"mL/min/1.73 square meters", "mL/min/1.73 square metres", "mL/min/1.73 sq meters", "mL/min/1.73 sq metres",
		"cc/min/1.73m2", "cc/min/1.73m²",
	}, "noise9: lab printout (the body-surface 1.73 m² bracketed, powered or in words; \"mL/min/1.73\" as US reference labs print it; cc for mL)"},

	// hCG in mIU/mL; 1 IU/L = 1 mIU/mL.
	{unitHCG, 1, []string{"mIU/mL", "m[IU]/mL", "[IU]/L", "IU/L"}, "contract 6.5"},
	{unitHCG, 1000, []string{"[IU]/mL", "IU/mL"}, "UCUM"},
	{unitHCG, 1, []string{"mU/mL", "mUI/mL", "U/L"}, "review2: hCG units written without the I (or in French/Spanish)"},

	// Body weight in kg.
	{unitWeight, 1, []string{"kg", "kgs", "kilogram", "kilograms"}, "UCUM"},
	{unitWeight, 0.001, []string{"g", "gram", "grams"}, "UCUM"},
	{unitWeight, 0.45359237, []string{"[lb_av]", "lb", "lbs", "pound", "pounds"}, "UCUM"},
}

// unitKey is how a spelling is compared: lower case, without white space,
// the Greek small mu (U+03BC, and its capital, what upper-casing the micro
// sign gives) read as the micro sign (U+00B5): "x10(3)/μL" and
// "X10(3)/ΜL" were not read although "x10(3)/µL" was, so an ANC of 0.8
// thousand asked for a CBC instead of the neutropenia card.
func unitKey(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r >= 'A' && r <= 'Z' || r > 0x7e }) {
		return s // the common case: already a key
	}
	return strings.ReplaceAll(strings.ToLower(strings.Join(strings.Fields(s), "")), "μ", "µ")
}

// unitIndex is unitTable by kind and key.
var unitIndex = buildUnitIndex(unitTable)

func buildUnitIndex(rows []unitRow) [unitKinds]map[string]float64 {
	var ix [unitKinds]map[string]float64
	for _, r := range rows {
		if ix[r.kind] == nil {
			ix[r.kind] = map[string]float64{}
		}
		for _, s := range r.spellings {
			k := unitKey(s)
			if f, dup := ix[r.kind][k]; dup && f != r.factor {
				panic(fmt.Sprintf("rules: unit %q means two factors (%v and %v)", s, f, r.factor))
			}
			ix[r.kind][k] = r.factor
		}
	}
	return ix
}

// unitFactor is the factor of a unit of the kind, 0 when not recognised.
func unitFactor(kind unitKind, unit string) float64 {
	if unit = strings.TrimSpace(unit); unit == "" {
		return 0
	}
	return unitIndex[kind][unitKey(unit)]
}

// convert turns q into the kind's canonical unit. The unit is looked for in
// Unit (the UCUM code when one was sent), then in UnitText (the
// human-readable unit), so that either recognised spelling will do. NaN,
// infinite and negative values are rejected like unknown units.
func convert(kind unitKind, q *Quantity) (float64, bool) {
	if q == nil || math.IsNaN(q.Value) || math.IsInf(q.Value, 0) || q.Value < 0 {
		return 0, false
	}
	f := unitFactor(kind, q.Unit)
	if f == 0 {
		f = unitFactor(kind, q.UnitText)
	}
	if f == 0 {
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

// censoredAcross reports whether a censored value leaves its result on
// either side of limit (in the kind's canonical unit), so that it cannot be
// told whether the result is below limit: ">0.5 K/uL" against 1,000
// cells/mm³, "<2 K/uL" against 1,000. "<0.5 K/uL" is below 500, and so is
// "<=0.5 K/uL" (fail safe: at most the limit, and a result reported so is
// at the laboratory's lower reporting limit); ">60" is not below 60.
func censoredAcross(kind unitKind, q *Quantity, limit float64) bool {
	if q == nil || q.Comparator == "" {
		return false
	}
	bare := *q
	bare.Comparator = ""
	n, ok := convert(kind, &bare)
	if !ok {
		return false
	}
	switch q.Comparator {
	case "<", "<=":
		return limit < n
	case ">", ">=":
		return limit > n
	}
	return false
}

// belowLimit reports whether a value v converted from q is below limit; a
// value censored as "<=" the limit counts as below (censoredAcross).
func belowLimit(q *Quantity, v, limit float64) bool {
	return v < limit || q != nil && q.Comparator == "<=" && v <= limit
}

// unitProblem says why q could not be used as a number of the kind, for the
// evidence: `unit "furlongs" not recognised`, "no unit"; "" when it can.
func unitProblem(kind unitKind, q *Quantity) string {
	switch {
	case q == nil:
		return "no value"
	case math.IsNaN(q.Value) || math.IsInf(q.Value, 0) || q.Value < 0:
		return "value not usable"
	}
	if _, ok := convert(kind, q); ok {
		return ""
	}
	unit := strings.TrimSpace(q.Unit)
	if unit == "" {
		unit = strings.TrimSpace(q.UnitText)
	}
	switch {
	case unit == "":
		return "no unit"
	case unitFactor(kind, q.Unit) > 0 || unitFactor(kind, q.UnitText) > 0:
		return fmt.Sprintf("comparator %q not understood", q.Comparator)
	}
	return fmt.Sprintf("unit %q not recognised", unit)
}

// CellsPerMM3 converts a cell count (lymphocytes, neutrophils, platelets) to
// cells/mm³ (= cells/µL). ok is false when the unit is missing or not in
// unitTable (contract 6.5: cells/uL, /mcL, /mm3, 10*3/uL, K/uL, 10*9/L,
// G/L, ...).
func CellsPerMM3(q *Quantity) (float64, bool) { return convert(unitCount, q) }

// HemoglobinGdL converts a hemoglobin value to g/dL; ok is false when the
// unit is missing or unknown. g/dL ×1, g/L ÷10, mmol/L ×1.611, mg/dL ÷1000.
func HemoglobinGdL(q *Quantity) (float64, bool) { return convert(unitHemoglobin, q) }

// EGFR returns an eGFR in mL/min/1.73 m²; ok is false when the unit is
// missing or unknown. mL/min/{1.73_m2} (UCUM) and spellings such as
// mL/min/1.73m2 and "mL/min/1.73 m2" are accepted, and so is a bare mL/min,
// since eGFR codes are normalised to 1.73 m² by definition.
func EGFR(q *Quantity) (float64, bool) { return convert(unitEGFR, q) }

// HCGmIUPerML returns a quantitative hCG in mIU/mL (= IU/L, = [IU]/L);
// ok is false when the unit is missing or unknown.
func HCGmIUPerML(q *Quantity) (float64, bool) { return convert(unitHCG, q) }

// WeightKg returns a body weight in kg (kg, g, [lb_av]/lb); ok is false when
// the unit is missing or unknown.
func WeightKg(q *Quantity) (float64, bool) { return convert(unitWeight, q) }

// numericString is a result written as text that is a number: an optional
// comparator (≤ and ≥ read as <= and >=), the number (thousands grouped by commas, or a decimal
// comma), and the rest as its unit: "<15 IU/mL", "1,250 IU/mL",
// "0.3 K/uL", ">60".
// The number ends where a blank or a unit begins, so "1,2500 IU/mL" is
// no "1,250" with a unit of "0 IU/mL".
var numericString = regexp.MustCompile(`^\s*(<=|>=|≤|≥|<|>)?\s*([0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:[.,][0-9]+)?)(\s.*|[^0-9.,\s].*)?$`)

// TextQuantity reads a result written as text (an Observation's
// valueString) that is a number with its unit as the Quantity it stands
// for, nil when it is not one: some feeds send every result as text. The
// unit is kept as written, so a number without one is still not used
// (contract 6.5).
func TextQuantity(s string) *Quantity {
	word, s := wordComparator(s)
	m := numericString.FindStringSubmatch(s)
	if m != nil && word != "" {
		if m[1] != "" {
			return nil // "less than <15": not one comparator
		}
		m[1] = word
	}
	if m != nil {
		m[3] = strings.TrimSpace(m[3])
	}
	if m == nil || strings.HasPrefix(m[3], "-") || strings.HasPrefix(m[3], "–") || strings.HasPrefix(m[3], "/") && len(m[3]) > 1 && m[3][1] >= '0' && m[3][1] <= '9' {
		return nil // not a number, or a range or ratio ("7.2-9.5", "1/160")
	}
	n := m[2]
	if strings.Count(n, ",") == 1 && !strings.Contains(n, ".") && (len(n)-strings.Index(n, ",") != 4 || n[0] == '0') {
		n = strings.Replace(n, ",", ".", 1) // decimal comma: "0,3", "0,450" (no thousands start with 0)
	}
	v, err := strconv.ParseFloat(strings.ReplaceAll(n, ",", ""), 64)
	if err != nil {
		return nil
	}
	// "≤15" and "≥60", as printouts write them, are "<=" and ">=" (noise9:
	// they were no number at all, so "≤15" on an eGFR said nothing).
	cmp := m[1]
	switch cmp {
	case "≤":
		cmp = "<="
	case "≥":
		cmp = ">="
	}
	return &Quantity{Value: v, Unit: m[3], Comparator: cmp}
}

// atLeastWords are what labs write after an eGFR, in place of a unit, for
// "that or more": "60 or greater", "90+" (noise9: lab printouts).
var atLeastWords = []string{"+", "or greater", "or more", "or above", "or higher", "or over", "and above", "and over", "and greater", "& above", "& over"}

// atMostWords, anywhere in the words after a number, make it "that or
// less" ("60 or less", "30 and below", "15 max"): such a number is always
// said, never taken for the bound it names (fail safe).
var atMostWords = []string{"<", "≤", "less", "lower", "below", "under", "max"}

// eGFRText is an eGFR written as text (valueString "60 or greater", "45
// (calc)", ">60 See note") as TextQuantity read it, q, with the words
// after its number that are no unit read as what they are: "or greater" and
// "+" as the comparator ">=", "or less" and the like as "<=", and any other
// words that cannot be a rate (no "/", no "ml", no "min": "(calc)", "See
// note", a flag "L") as no unit. It was read as the unit "or greater",
// not recognised, and every such eGFR, above 60 as it says, was a card.
// Words that may be a unit ("mL/s/1.73m2", "ml per min") are left as the
// unit. q itself is not changed.
func eGFRText(q *Quantity) *Quantity {
	if q == nil || q.Unit == "" || unitFactor(unitEGFR, q.Unit) > 0 {
		return q
	}
	rest := strings.ToLower(strings.Join(strings.Fields(q.Unit), " "))
	out := *q
	out.Unit, out.UnitText = "", ""
	for _, w := range atMostWords {
		if strings.Contains(rest, w) {
			out.Comparator = "<="
			return &out
		}
	}
	if slices.Contains(atLeastWords, rest) {
		if out.Comparator == "" {
			out.Comparator = ">="
		}
		return &out
	}
	if strings.Contains(rest, "/") || strings.Contains(rest, "ml") || strings.Contains(rest, "min") || strings.Contains(rest, "per") {
		return q // it may be a unit: said as one not recognised
	}
	return &out
}

// comparatorWords are comparators as printouts write them in words
// before a number: "LESS THAN 15", "Greater than 60" (noise9: such an
// eGFR was no number at all, and an older eGFR of 98 stood for "less than
// 15" in silence).
var comparatorWords = [...]struct{ words, cmp string }{
	{"less than", "<"}, {"greater than", ">"}, {"more than", ">"}, {"at least", ">="}, {"at most", "<="},
}

// wordComparator splits a comparator written in words off the start of s:
// the comparator and the rest; "" and s when there is none.
func wordComparator(s string) (string, string) {
	t := strings.TrimLeft(s, " \t")
	for _, w := range comparatorWords {
		if len(t) > len(w.words) && strings.EqualFold(t[:len(w.words)], w.words) && (t[len(w.words)] == ' ' || t[len(w.words)] >= '0' && t[len(w.words)] <= '9') {
			return w.cmp, t[len(w.words):]
		}
	}
	return "", s
}
