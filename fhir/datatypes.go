package fhir

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	fm "github.com/samply/golang-fhir-models/fhir-models/fhir"

	"jakguard/rules"
)

// The FHIR date forms by length (a partial date "2026" or "2026-11" is its
// first day, a date without a time midnight UTC), and the dateTime and
// instant forms, then the zone-less times some clients send (read as UTC).
var (
	dateLayouts     = map[int]string{4: "2006", 7: "2006-01", 10: "2006-01-02"}
	dateTimeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04Z07:00", "2006-01-02T15:04"}
)

// ParseDate parses a FHIR date, dateTime or instant; ok is false for an
// empty or unreadable value.
func ParseDate(s string) (t time.Time, ok bool) {
	s = strings.TrimSpace(s)
	layouts := dateTimeLayouts
	if l, ok := dateLayouts[len(s)]; ok {
		layouts = []string{l}
	}
	for _, layout := range layouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// date is ParseDate for an optional element; zero when absent or unreadable.
func date(p *string) time.Time {
	if p == nil {
		return time.Time{}
	}
	t, _ := ParseDate(*p)
	return t
}

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
	out := &rules.Quantity{Value: v, Unit: strings.TrimSpace(str(q.Unit))}
	if code, system := strings.TrimSpace(str(q.Code)), strings.TrimSpace(str(q.System)); code != "" && (system == "" || system == rules.SystemUCUM) {
		out.Unit = code
	}
	if q.Comparator != nil {
		out.Comparator = q.Comparator.Code()
	}
	return out
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
		if ing.Strength == nil || ing.IsActive != nil && !*ing.IsActive {
			continue
		}
		num, den := quantity(ing.Strength.Numerator), quantity(ing.Strength.Denominator)
		if num != nil && den != nil && den.Value == 1 && strings.EqualFold(num.Unit, "mg") && num.Value > 0 {
			return num.Value
		}
	}
	return 0
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
