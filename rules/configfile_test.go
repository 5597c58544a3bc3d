package rules

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseConfig(t *testing.T) {
	def := DefaultConfig()
	cfg, err := ParseConfig([]byte(`{"tbWindow":"180d","cbcWindow":"8w","liveVaccineWindow":"672h","zosterAge":18,"alcMin":600}`), def)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.TBWindow != 180*24*time.Hour || cfg.CBCWindow != 56*24*time.Hour || cfg.LiveVaccineWindow != 28*24*time.Hour {
		t.Errorf("durations: %v %v %v", cfg.TBWindow, cfg.CBCWindow, cfg.LiveVaccineWindow)
	}
	if cfg.ZosterAge != 18 || cfg.ALCMin != 600 {
		t.Errorf("numbers: %d %v", cfg.ZosterAge, cfg.ALCMin)
	}
	if cfg.HBVWindow != def.HBVWindow {
		t.Error("unset keys keep their defaults")
	}
	for _, bad := range []struct{ in, says string }{
		{`[]`, "not a JSON object"},
		{``, "not a JSON object"},
		{`{"tbWindw":"180d"}`, `unknown setting "tbWindw"`},
		{`{"TBWindow":"180d"}`, `unknown setting "TBWindow" (names are case-sensitive: did you mean "tbWindow"?)`},
		{`{"tbwindow":"180d"}`, `did you mean "tbWindow"?`},
		{`{"tbWindow":"180d","tbWindow":"90d"}`, "tbWindow: given twice"},
		{`{"tbWindow":180}`, "tbWindow: got 180, want a duration string"},
		{`{"tbWindow":null}`, "tbWindow: got null, want a duration string"},
		{`{"tbWindow":"soon"}`, `tbWindow: "soon": want a duration`},
		{`{"tbWindow":"1.5d"}`, `tbWindow: "1.5d": want a whole number of days`},
		{`{"tbWindow":"99999999999999d"}`, `tbWindow: "99999999999999d": too long`},
		{`{"zosterAge":50.5}`, "zosterAge: got 50.5, want a whole number"},
		{`{"zosterAge":"50"}`, `zosterAge: got "50", want a whole number`},
		{`{"zosterAge":true}`, "zosterAge: got true, want a whole number"},
		{`{"alcMin":"500"}`, `alcMin: got "500", want a number`},
		{`{"alcMin":[500]}`, "alcMin: got [500], want a number"},
		{`{"alcMin":1e999}`, "alcMin: got 1e999, want a number"},
		{`{"cbcWindow":"0d"}`, "CBCWindow must be positive"},
		{`{"ancMin":-1}`, "ANCMin must be positive"},
		{`{"zosterAge":18} x`, "unexpected data after the JSON object"},
		{`{"zosterAge":18}{"minAge":12}`, "unexpected data after the JSON object"},
		{`{"zosterAge":18`, "not a JSON object"},
		{`{"zosterAge":18,}`, "not a JSON object"},
	} {
		_, err := ParseConfig([]byte(bad.in), def)
		if err == nil || !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), bad.says) {
			t.Errorf("%s: err = %v, want one saying %q", bad.in, err, bad.says)
		}
	}
	// Whitespace after the object is not "data".
	if _, err := ParseConfig([]byte("{\"zosterAge\": 18}\n\n"), def); err != nil {
		t.Errorf("trailing newline: %v", err)
	}
}

// A site's thresholds reach the findings and their summary text.
func TestConfiguredThresholdReachesFinding(t *testing.T) {
	k := NewKnowledge(map[string][]Coding{
		VSUpadacitinib: {{System: SystemRxNorm, Code: "2196092"}},
		VSLymphocytes:  {{System: SystemLOINC, Code: "731-0"}},
	})
	cfg, err := ParseConfig([]byte(`{"alcMin":600}`), DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewEngine(k, cfg)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	rec := &Record{
		Patient: &Patient{BirthDate: time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC), Gender: "male"},
		Observations: []Observation{{ID: "Observation/alc", Codes: []Coding{{System: SystemLOINC, Code: "731-0"}}, Status: "final",
			Date: now.AddDate(0, 0, -5), Quantity: &Quantity{Value: 550, Unit: "/uL"}}},
	}
	order := Medication{ID: "MedicationRequest/o", ResourceType: "MedicationRequest", Status: "draft", Intent: "order",
		Codes: []Coding{{System: SystemRxNorm, Code: "2196092"}}}
	var got *Finding
	for _, f := range e.EvaluateOrders(rec, Session{Medications: []Medication{order}}, []Medication{order}, now) {
		if f.Code == Lymphopenia {
			got = &f
		}
	}
	if got == nil {
		t.Fatal("ALC 550 below a configured 600: no lymphopenia")
	}
	if got.Threshold != "600 cells/mm³" {
		t.Errorf("Threshold = %q", got.Threshold)
	}
}
