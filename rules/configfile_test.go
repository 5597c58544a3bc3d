package rules

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseConfig(t *testing.T) {
	def := DefaultConfig()
	cfg, err := ParseConfig([]byte(`{"TBWindow":"180d","CBCWindow":"8w","LiveVaccineWindow":"672h","ZosterAge":18,"ALCMin":600}`), def)
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
		{`{"TBWindw":"180d"}`, `unknown setting "TBWindw"`},
		{`{"TBWindow":180}`, "TBWindow: want a duration"},
		{`{"TBWindow":"soon"}`, "TBWindow"},
		{`{"ZosterAge":50.5}`, "ZosterAge: want a whole number"},
		{`{"ALCMin":"500"}`, "ALCMin: want a number"},
		{`{"CBCWindow":"0d"}`, "CBCWindow must be positive"},
		{`{"ANCMin":-1}`, "ANCMin must be positive"},
	} {
		_, err := ParseConfig([]byte(bad.in), def)
		if err == nil || !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), bad.says) {
			t.Errorf("%s: err = %v, want one saying %q", bad.in, err, bad.says)
		}
	}
}

// A site's thresholds reach the findings and their summary text.
func TestConfiguredThresholdReachesFinding(t *testing.T) {
	k := NewKnowledge(map[string][]Coding{
		VSUpadacitinib: {{System: SystemRxNorm, Code: "2196092"}},
		VSLymphocytes:  {{System: SystemLOINC, Code: "731-0"}},
	})
	cfg, err := ParseConfig([]byte(`{"ALCMin":600}`), DefaultConfig())
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
