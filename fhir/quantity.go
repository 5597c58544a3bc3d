package fhir

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"

	fm "github.com/samply/golang-fhir-models/fhir-models/fhir"

	"jakguard/rules"
)

// quantity converts a FHIR Quantity, keeping its value and unit as sent:
// the unit is the UCUM code when there is one (system UCUM or absent),
// otherwise the human-readable unit, and "" when neither is given. It
// returns nil when there is no usable value. Unit conversion belongs to
// package rules.
func quantity(q *fm.Quantity) *rules.Quantity {
	if q == nil || q.Value == nil {
		return nil
	}
	v, ok := number(*q.Value)
	if !ok {
		return nil
	}
	out := &rules.Quantity{Value: v, Unit: unit(q)}
	// The other spelling the Quantity gives, for the rules to try when
	// Unit is not one they list (contract 6.5: "from code or unit"): the
	// readable unit, or a code of another unit system.
	for _, other := range []string{strings.TrimSpace(str(q.Unit)), strings.TrimSpace(str(q.Code))} {
		if other != "" && other != out.Unit {
			out.UnitText = other
			break
		}
	}
	if q.Comparator != nil {
		out.Comparator = q.Comparator.Code()
	}
	return out
}

func unit(q *fm.Quantity) string {
	code := strings.TrimSpace(str(q.Code))
	system := strings.TrimSpace(str(q.System))
	if code != "" && (system == "" || system == rules.SystemUCUM) {
		return code
	}
	return strings.TrimSpace(str(q.Unit))
}

// number parses a FHIR decimal; NaN and infinities are refused.
func number(n json.Number) (float64, bool) {
	v, err := strconv.ParseFloat(strings.TrimSpace(string(n)), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false
	}
	return v, true
}

// strengthMg returns the strength of the first active ingredient whose
// strength is a number of mg per 1 unit (30 mg / 1 tablet), 0 when none is.
func strengthMg(ings []fm.MedicationIngredient) float64 {
	for _, ing := range ings {
		if ing.IsActive != nil && !*ing.IsActive {
			continue
		}
		if ing.Strength == nil {
			continue
		}
		num := quantity(ing.Strength.Numerator)
		den := quantity(ing.Strength.Denominator)
		if num == nil || den == nil || den.Value != 1 || !strings.EqualFold(num.Unit, "mg") || num.Value <= 0 {
			continue
		}
		return num.Value
	}
	return 0
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
