package rules

import (
	"errors"
	"testing"
	"time"
)

// TestDefaultConfigMatchesContract pins the defaults of contract section 5.
func TestDefaultConfigMatchesContract(t *testing.T) {
	c := DefaultConfig()
	durations := []struct {
		name      string
		got, want time.Duration
	}{
		{"TB window 12 months", c.TBWindow, 365 * 24 * time.Hour},
		{"HBV window 12 months", c.HBVWindow, 365 * 24 * time.Hour},
		{"HCV window 12 months", c.HCVWindow, 365 * 24 * time.Hour},
		{"CBC window 90 days", c.CBCWindow, 90 * 24 * time.Hour},
		{"liver window 90 days", c.LiverWindow, 90 * 24 * time.Hour},
		{"lipid window 12 months", c.LipidWindow, 365 * 24 * time.Hour},
		{"pregnancy test window 30 days", c.PregnancyTestWindow, 30 * 24 * time.Hour},
		{"live vaccine window 28 days", c.LiveVaccineWindow, 28 * 24 * time.Hour},
		{"abrocitinib monitoring 4 weeks", c.AbrocitinibMonitoring, 28 * 24 * time.Hour},
		{"upadacitinib lipids 12 weeks", c.UpadacitinibLipidMonitoring, 84 * 24 * time.Hour},
		{"upadacitinib routine 12 weeks", c.UpadacitinibRoutineMonitoring, 84 * 24 * time.Hour},
		{"course gap 90 days (6.2)", c.CourseGap, 90 * 24 * time.Hour},
		{"recent course 90 days (6.1)", c.RecentCourse, 90 * 24 * time.Hour},
		{"antiplatelets first 3 months (6.2)", c.AntiplateletFirst, 90 * 24 * time.Hour},
		{"abrocitinib dose increase after 12 weeks", c.DoseIncreaseAfter, 84 * 24 * time.Hour},
	}
	for _, d := range durations {
		if d.got != d.want {
			t.Errorf("%s: got %s, want %s", d.name, d.got, d.want)
		}
	}
	numbers := []struct {
		name      string
		got, want float64
	}{
		{"minimum age 12", float64(c.MinAge), 12},
		{"zoster age 18 (6.4)", float64(c.ZosterAge), 18},
		{"weight rule under 18 (6.4)", float64(c.WeightRuleAge), 18},
		{"weight 40 kg (6.4)", c.MinWeightKg, 40},
		{"upadacitinib eGFR 15 (6.4)", c.EGFRUpadacitinibMin, 15},
		{"hCG positive 25 (6.5)", c.HCGPositive, 25},
		{"hCG negative 5 (6.5)", c.HCGNegative, 5},
		{"pregnancy test from 12", float64(c.PregnancyTestMinAge), 12},
		{"pregnancy test to 50", float64(c.PregnancyTestMaxAge), 50},
		{"CV risk age 50", float64(c.CVRiskAge), 50},
		{"upadacitinib lower dose age 65", float64(c.UpadacitinibLowerDoseAge), 65},
		{"ALC 500", c.ALCMin, 500},
		{"ANC 1000", c.ANCMin, 1000},
		{"Hb 8", c.HemoglobinMin, 8},
		{"platelets 150,000 at start", c.PlateletsMinStart, 150000},
		{"platelets 50,000 on treatment", c.PlateletsMinOnTreatment, 50000},
		{"eGFR 60", c.EGFRModerate, 60},
		{"eGFR 30", c.EGFRSevere, 30},
		{"aspirin 81 mg", c.AspirinMaxDailyMg, 81},
	}
	for _, n := range numbers {
		if n.got != n.want {
			t.Errorf("%s: got %v, want %v", n.name, n.got, n.want)
		}
	}
	if err := c.Validate(); err != nil {
		t.Errorf("default config invalid: %v", err)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(c *Config)
	}{
		{"negative TB window", func(c *Config) { c.TBWindow = -time.Hour }},
		{"zero monitoring interval", func(c *Config) { c.UpadacitinibLipidMonitoring = 0 }},
		{"negative routine interval", func(c *Config) { c.UpadacitinibRoutineMonitoring = -1 }},
		{"zero ANC threshold", func(c *Config) { c.ANCMin = 0 }},
		{"zero minimum age", func(c *Config) { c.MinAge = 0 }},
		{"pregnancy ages reversed", func(c *Config) { c.PregnancyTestMinAge, c.PregnancyTestMaxAge = 50, 12 }},
		{"eGFR thresholds reversed", func(c *Config) { c.EGFRSevere, c.EGFRModerate = 60, 30 }},
		{"on-treatment platelets above start threshold", func(c *Config) { c.PlateletsMinOnTreatment = 200000 }},
		{"zero course gap", func(c *Config) { c.CourseGap = 0 }},
		{"zero antiplatelet period", func(c *Config) { c.AntiplateletFirst = 0 }},
		{"hCG thresholds reversed", func(c *Config) { c.HCGNegative, c.HCGPositive = 25, 5 }},
		{"upadacitinib eGFR limit above the severe threshold", func(c *Config) { c.EGFRUpadacitinibMin = 30 }},
		{"zero weight limit", func(c *Config) { c.MinWeightKg = 0 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig()
			tc.edit(&c)
			err := c.Validate()
			if !errors.Is(err, ErrConfig) {
				t.Fatalf("Validate = %v, want ErrConfig", err)
			}
		})
	}
}
