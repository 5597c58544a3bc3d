package rules

import (
	"fmt"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Every Config field has one stable lowerCamel name in the configuration
// file, and every name sets a field of the right kind.
func TestConfigFieldsNamed(t *testing.T) {
	typ := reflect.TypeFor[Config]()
	lowerCamel := regexp.MustCompile(`^[a-z][a-zA-Z0-9]*$`)
	names := map[string]bool{}
	fields := map[string]string{}
	for _, f := range ConfigFields() {
		if !lowerCamel.MatchString(f.Name) {
			t.Errorf("%s: name %q is not lowerCamel", f.Field, f.Name)
		}
		if names[f.Name] {
			t.Errorf("name %q used twice", f.Name)
		}
		names[f.Name] = true
		if other, dup := fields[f.Field]; dup {
			t.Errorf("field %s named twice (%q and %q)", f.Field, other, f.Name)
		}
		fields[f.Field] = f.Name
		if _, ok := typ.FieldByName(f.Field); !ok {
			t.Errorf("name %q sets %s, which is not a Config field", f.Name, f.Field)
		}
	}
	for i := range typ.NumField() {
		if f := typ.Field(i); f.IsExported() && fields[f.Name] == "" {
			t.Errorf("Config.%s has no name in the configuration file: add it to configFields (rules/configfile.go) and to docs/rules.md", f.Name)
		}
	}
}

// Each name sets its own field: a file giving every setting a value other
// than the default changes every field.
func TestConfigEveryNameSetsItsField(t *testing.T) {
	def := DefaultConfig()
	dv := reflect.ValueOf(def)
	var members []string
	for _, f := range ConfigFields() {
		v := dv.FieldByName(f.Field)
		switch {
		case v.Type() == reflect.TypeFor[time.Duration]():
			members = append(members, fmt.Sprintf("%q: %q", f.Name, FormatDuration(time.Duration(v.Int())+24*time.Hour, false)))
		case v.Kind() == reflect.Int:
			members = append(members, fmt.Sprintf("%q: %d", f.Name, v.Int()+1))
		default:
			members = append(members, fmt.Sprintf("%q: %v", f.Name, v.Float()+1))
		}
	}
	cfg, err := ParseConfig([]byte("{"+strings.Join(members, ",")+"}"), def)
	if err != nil {
		t.Fatal(err)
	}
	cv := reflect.ValueOf(cfg)
	for _, f := range ConfigFields() {
		if cv.FieldByName(f.Field).Equal(dv.FieldByName(f.Field)) {
			t.Errorf("%s did not change Config.%s", f.Name, f.Field)
		}
	}
}

// configDocSection is the heading of the settings' documentation, the last
// section of docs/rules.md.
const configDocSection = "## Configuration (--rules-config)"

// Every setting is documented, one table row each (meaning, default, unit,
// source), in the last section of docs/rules.md; nothing else is.
func TestConfigFieldsDocumented(t *testing.T) {
	b, err := os.ReadFile("../docs/rules.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	i := strings.Index(doc, "\n"+configDocSection+"\n")
	if i < 0 {
		t.Fatalf("docs/rules.md has no section %q", configDocSection)
	}
	section := doc[i+1:]
	if j := strings.Index(section[len(configDocSection):], "\n## "); j >= 0 {
		section = section[:len(configDocSection)+j]
	}
	row := regexp.MustCompile("(?m)^\\| `([A-Za-z0-9]+)` \\|(.*)$")
	documented := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(section, -1) {
		documented[m[1]] = m[2]
	}
	def := reflect.ValueOf(DefaultConfig())
	for _, f := range ConfigFields() {
		cells, ok := documented[f.Name]
		if !ok {
			t.Errorf("%s (Config.%s) is not documented in docs/rules.md %q", f.Name, f.Field, configDocSection)
			continue
		}
		delete(documented, f.Name)
		cols := strings.Split(strings.TrimSuffix(strings.TrimSpace(cells), "|"), "|")
		if len(cols) != 4 {
			t.Errorf("%s: row has %d cells after the name, want 4 (meaning, default, unit, source)", f.Name, len(cols))
			continue
		}
		for k, c := range cols {
			if strings.TrimSpace(c) == "" {
				t.Errorf("%s: cell %d is empty", f.Name, k+2)
			}
		}
		if want := formatDefault(def.FieldByName(f.Field)); !strings.Contains(cols[1], "`"+want+"`") {
			t.Errorf("%s: default cell %q does not give the default `%s`", f.Name, strings.TrimSpace(cols[1]), want)
		}
	}
	for name := range documented {
		t.Errorf("docs/rules.md documents %q, which is not a setting", name)
	}
}

// formatDefault is how the documentation writes a default value.
func formatDefault(v reflect.Value) string {
	switch {
	case v.Type() == reflect.TypeFor[time.Duration]():
		return FormatDuration(time.Duration(v.Int()), false)
	case v.Kind() == reflect.Int:
		return fmt.Sprint(v.Int())
	}
	return fmt.Sprint(v.Float())
}

func TestParseDuration(t *testing.T) {
	day := 24 * time.Hour
	for in, want := range map[string]time.Duration{
		"180d": 180 * day, "30d": 30 * day, "12w": 84 * day, "720h": 720 * time.Hour, " 90d ": 90 * day,
		"1h30m": 90 * time.Minute, "0d": 0, "-1d": -day,
	} {
		got, err := ParseDuration(in)
		if err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "d", "1.5d", "+1d", "12 w", "30days", "1e3d", "99999999999999w", "soon"} {
		if _, err := ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) accepted", in)
		}
	}
	for d, want := range map[time.Duration]string{365 * day: "365d", 84 * day: "84d", 90 * time.Minute: "1h30m0s", 0: "0"} {
		if got := FormatDuration(d, false); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", d, got, want)
		}
	}
	if got := FormatDuration(84*day, true); got != "12w" {
		t.Errorf("FormatDuration(84d, weeks) = %q", got)
	}
}
