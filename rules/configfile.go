package rules

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// ParseConfig applies a site's configuration file to base: a JSON object
// whose keys are Config field names and whose values replace the defaults,
//
//	{"TBWindow": "180d", "CBCWindow": "60d", "ZosterAge": 18}
//
// Durations are strings in days ("90d"), weeks ("12w") or Go's units
// ("2160h"); ages are whole numbers of years; thresholds are numbers in the
// unit of the field's comment. An unknown key, a value of the wrong kind or
// a configuration that fails Validate is an error naming the key.
func ParseConfig(data []byte, base Config) (Config, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var raw map[string]any
	if err := dec.Decode(&raw); err != nil {
		return Config{}, fmt.Errorf("%w: not a JSON object: %v", ErrConfig, err)
	}
	cfg := base
	v := reflect.ValueOf(&cfg).Elem()
	for key, val := range raw {
		f := v.FieldByName(key)
		if !f.IsValid() || !f.CanSet() || key != strings.TrimSpace(key) {
			return Config{}, fmt.Errorf("%w: unknown setting %q", ErrConfig, key)
		}
		if err := setField(f, val); err != nil {
			return Config{}, fmt.Errorf("%w: %s: %v", ErrConfig, key, err)
		}
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

func setField(f reflect.Value, val any) error {
	switch {
	case f.Type() == reflect.TypeFor[time.Duration]():
		s, ok := val.(string)
		if !ok {
			return fmt.Errorf("want a duration such as \"90d\", \"12w\" or \"72h\"")
		}
		d, err := parseDuration(s)
		if err != nil {
			return err
		}
		f.SetInt(int64(d))
	case f.Kind() == reflect.Int:
		n, ok := val.(json.Number)
		i, err := strconv.Atoi(string(n))
		if !ok || err != nil {
			return fmt.Errorf("want a whole number")
		}
		f.SetInt(int64(i))
	case f.Kind() == reflect.Float64:
		n, ok := val.(json.Number)
		x, err := n.Float64()
		if !ok || err != nil {
			return fmt.Errorf("want a number")
		}
		f.SetFloat(x)
	default:
		return fmt.Errorf("cannot be set")
	}
	return nil
}

// parseDuration reads "90d", "12w" or a Go duration ("72h").
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	for suffix, unit := range map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			i, err := strconv.Atoi(n)
			if err != nil {
				return 0, fmt.Errorf("%q: want a whole number of %s", s, map[string]string{"d": "days", "w": "weeks"}[suffix])
			}
			return time.Duration(i) * unit, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q: want a duration such as \"90d\", \"12w\" or \"72h\"", s)
	}
	return d, nil
}
