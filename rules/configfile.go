package rules

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// ConfigField is one setting of a --rules-config file.
type ConfigField struct {
	// Name is the setting's JSON name: lowerCamel, case-sensitive, and
	// stable (a Go field may be renamed; this name is the interface).
	Name string
	// Field is the rules.Config field it sets.
	Field string
}

// configFields names every Config field in the configuration file, in the
// order of docs/rules.md. A Config field missing here cannot be set from a
// file, and TestConfigFieldsNamed fails.
var configFields = []ConfigField{
	{"tbWindow", "TBWindow"},
	{"hbvWindow", "HBVWindow"},
	{"hcvWindow", "HCVWindow"},
	{"cbcWindow", "CBCWindow"},
	{"liverWindow", "LiverWindow"},
	{"lipidWindow", "LipidWindow"},
	{"pregnancyTestWindow", "PregnancyTestWindow"},
	{"liveVaccineWindow", "LiveVaccineWindow"},
	{"egfrWindow", "EGFRWindow"},
	{"courseGap", "CourseGap"},
	{"recentCourse", "RecentCourse"},
	{"antiplateletFirst", "AntiplateletFirst"},
	{"doseIncreaseAfter", "DoseIncreaseAfter"},
	{"minAge", "MinAge"},
	{"zosterAge", "ZosterAge"},
	{"pregnancyTestMinAge", "PregnancyTestMinAge"},
	{"pregnancyTestMaxAge", "PregnancyTestMaxAge"},
	{"cvRiskAge", "CVRiskAge"},
	{"upadacitinibLowerDoseAge", "UpadacitinibLowerDoseAge"},
	{"weightRuleAge", "WeightRuleAge"},
	{"alcMin", "ALCMin"},
	{"ancMin", "ANCMin"},
	{"hemoglobinMin", "HemoglobinMin"},
	{"plateletsMinStart", "PlateletsMinStart"},
	{"plateletsMinOnTreatment", "PlateletsMinOnTreatment"},
	{"egfrModerate", "EGFRModerate"},
	{"egfrSevere", "EGFRSevere"},
	{"egfrUpadacitinibMin", "EGFRUpadacitinibMin"},
	{"aspirinMaxDailyMg", "AspirinMaxDailyMg"},
	{"hcgPositive", "HCGPositive"},
	{"hcgNegative", "HCGNegative"},
	{"minWeightKg", "MinWeightKg"},
	{"abrocitinibMonitoring", "AbrocitinibMonitoring"},
	{"upadacitinibLipidMonitoring", "UpadacitinibLipidMonitoring"},
	{"upadacitinibRoutineMonitoring", "UpadacitinibRoutineMonitoring"},
}

// ConfigFields returns the settings of a --rules-config file, in the order
// of the documentation.
func ConfigFields() []ConfigField { return append([]ConfigField(nil), configFields...) }

// ParseConfig applies a site's configuration file to base: one JSON object
// whose members are settings (ConfigFields) and whose values replace the
// defaults,
//
//	{"tbWindow": "180d", "cbcWindow": "60d", "zosterAge": 18}
//
// Durations are strings in days ("90d"), weeks ("12w") or Go's units
// ("2160h"); ages are whole numbers of years; thresholds are numbers in the
// unit of the field's documentation. Parsing is strict: an unknown or
// misspelt name (names are case-sensitive), a name given twice, a value of
// the wrong type, anything after the object, or a configuration that fails
// Validate is an error naming the setting.
func ParseConfig(data []byte, base Config) (Config, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return Config{}, fmt.Errorf("%w: not a JSON object", ErrConfig)
	}
	cfg := base
	v := reflect.ValueOf(&cfg).Elem()
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return Config{}, fmt.Errorf("%w: not a JSON object: %v", ErrConfig, err)
		}
		name := t.(string) // object keys are strings
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return Config{}, fmt.Errorf("%w: %q: %v", ErrConfig, name, err)
		}
		field, ok := configField(name)
		if !ok {
			return Config{}, fmt.Errorf("%w: unknown setting %q%s", ErrConfig, name, suggestSetting(name))
		}
		if seen[name] {
			return Config{}, fmt.Errorf("%w: %s: given twice", ErrConfig, name)
		}
		seen[name] = true
		if err := setField(v.FieldByName(field), raw); err != nil {
			return Config{}, fmt.Errorf("%w: %s: %v", ErrConfig, name, err)
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return Config{}, fmt.Errorf("%w: not a JSON object: %v", ErrConfig, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Config{}, fmt.Errorf("%w: unexpected data after the JSON object", ErrConfig)
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

func configField(name string) (string, bool) {
	for _, f := range configFields {
		if f.Name == name {
			return f.Field, true
		}
	}
	return "", false
}

// suggestSetting names the setting a wrong name most likely meant: the same
// letters in another case (a Go field name such as "TBWindow" included).
func suggestSetting(name string) string {
	for _, f := range configFields {
		if strings.EqualFold(f.Name, strings.TrimSpace(name)) {
			return fmt.Sprintf(" (names are case-sensitive: did you mean %q?)", f.Name)
		}
	}
	return " (the settings are listed in docs/rules.md, \"Configuration (--rules-config)\")"
}

func setField(f reflect.Value, raw json.RawMessage) error {
	switch {
	case f.Type() == reflect.TypeFor[time.Duration]():
		var s string
		if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
			return fmt.Errorf("got %s, want a duration string such as \"90d\", \"12w\" or \"72h\"", raw)
		}
		d, err := ParseDuration(s)
		if err != nil {
			return err
		}
		f.SetInt(int64(d))
	case f.Kind() == reflect.Int:
		n, ok := jsonNumber(raw)
		i, err := strconv.Atoi(n)
		if !ok || err != nil {
			return fmt.Errorf("got %s, want a whole number", raw)
		}
		f.SetInt(int64(i))
	case f.Kind() == reflect.Float64:
		n, ok := jsonNumber(raw)
		x, err := strconv.ParseFloat(n, 64)
		if !ok || err != nil || math.IsInf(x, 0) {
			return fmt.Errorf("got %s, want a number", raw)
		}
		f.SetFloat(x)
	default:
		return fmt.Errorf("cannot be set")
	}
	return nil
}

// jsonNumber returns raw when it is a JSON number.
func jsonNumber(raw json.RawMessage) (string, bool) {
	var n json.Number
	if len(raw) == 0 || raw[0] == '"' || json.Unmarshal(raw, &n) != nil {
		return "", false
	}
	return n.String(), true
}

// ParseDuration reads a whole number of days ("90d") or weeks ("12w"), or a
// Go duration ("72h", "90m"). It is the syntax of durations in the rules
// configuration and of jakguard report --since.
func ParseDuration(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	for _, u := range []struct {
		suffix, name string
		unit         time.Duration
	}{{"d", "days", 24 * time.Hour}, {"w", "weeks", 7 * 24 * time.Hour}} {
		n, ok := strings.CutSuffix(t, u.suffix)
		if !ok {
			continue
		}
		i, err := strconv.ParseInt(n, 10, 64)
		if err != nil || strings.HasPrefix(n, "+") {
			return 0, fmt.Errorf("%q: want a whole number of %s such as \"90%s\"", s, u.name, u.suffix)
		}
		if i > int64(math.MaxInt64/u.unit) || i < int64(math.MinInt64/u.unit) {
			return 0, fmt.Errorf("%q: too long", s)
		}
		return time.Duration(i) * u.unit, nil
	}
	d, err := time.ParseDuration(t)
	if err != nil {
		return 0, fmt.Errorf("%q: want a duration such as \"90d\", \"12w\" or \"72h\"", s)
	}
	return d, nil
}

// FormatDuration writes d the way a configuration file would: whole weeks
// as "12w" when the documentation speaks in weeks (weeks true), whole days
// as "90d", anything else as a Go duration.
func FormatDuration(d time.Duration, weeks bool) string {
	const day = 24 * time.Hour
	switch {
	case d == 0:
		return "0"
	case weeks && d%(7*day) == 0:
		return strconv.FormatInt(int64(d/(7*day)), 10) + "w"
	case d%day == 0:
		return strconv.FormatInt(int64(d/day), 10) + "d"
	}
	return d.String()
}
