package rules

import (
	"errors"
	"fmt"
	"time"
)

// Units of the rule windows: "12 months" is 365 days.
const (
	day  = 24 * time.Hour
	week = 7 * day
	year = 365 * day
)

// Config holds every window and threshold of the rules (contract section 5)
// with the source of its default. Labels say "before starting" without a
// look-back window; the screening windows are local policy (knowledge base
// section 6 item 9) and can be changed per site.
type Config struct {
	// Screening windows: how recent a result must be to count.

	// TBWindow: TB test (IGRA or TST) look-back. Label: evaluate for active
	// and latent TB before starting (RINVOQ PI 2.1 / R6, CIBINQO PI 2.1 / C3).
	TBWindow time.Duration
	// HBVWindow: HBsAg look-back. Label: viral hepatitis screening before
	// starting; not recommended with active hepatitis B (R6, C3).
	HBVWindow time.Duration
	// HCVWindow: HCV antibody or RNA look-back (R6, C3).
	HCVWindow time.Duration
	// CBCWindow: lymphocytes, neutrophils, hemoglobin (and platelets for
	// abrocitinib) look-back; do not initiate below the thresholds (R7, C4).
	CBCWindow time.Duration
	// LiverWindow: ALT or AST look-back; baseline hepatic function (R6).
	LiverWindow time.Duration
	// LipidWindow: lipid panel or LDL look-back; lipids are followed on
	// treatment (R9, C6), so a baseline is needed.
	LipidWindow time.Duration
	// PregnancyTestWindow: pregnancy test look-back, and how recent a
	// positive test must be to mean pregnancy. RINVOQ: verify pregnancy
	// status before starting (R16).
	PregnancyTestWindow time.Duration
	// LiveVaccineWindow: a live vaccine this recent is "immediately prior"
	// to treatment (R18, C16).
	LiveVaccineWindow time.Duration
	// EGFRWindow: how recent an eGFR must be to drive the renal rule
	// (local policy; R12, C7).
	EGFRWindow time.Duration

	// Ages in years.

	// MinAge: both drugs are approved for atopic dermatitis from 12 years
	// (R1, C1, C18).
	MinAge int
	// ZosterAge: recombinant zoster vaccine expected from this age
	// (label: complete immunizations including zoster before starting,
	// R18, C3, C16; age per the contract).
	ZosterAge int
	// PregnancyTestMinAge, PregnancyTestMaxAge: women of reproductive
	// potential for the pregnancy-test rule (contract; R16).
	PregnancyTestMinAge int
	PregnancyTestMaxAge int
	// CVRiskAge: boxed warning, patients 50 years or older with at least one
	// cardiovascular risk factor (R20, C17).
	CVRiskAge int
	// UpadacitinibLowerDoseAge: RINVOQ AD dose for adults 65 and older is
	// 15 mg once daily (R4).
	UpadacitinibLowerDoseAge int

	// Laboratory thresholds (do not initiate below; interrupt on treatment).

	// ALCMin in cells/mm³ (R7, R8, C4, C5).
	ALCMin float64
	// ANCMin in cells/mm³ (R7, R8, C4, C5).
	ANCMin float64
	// HemoglobinMin in g/dL (R7, R8, C4, C5).
	HemoglobinMin float64
	// PlateletsMinStart: abrocitinib, do not initiate below, cells/mm³ (C4).
	PlateletsMinStart float64
	// PlateletsMinOnTreatment: abrocitinib, discontinue below, cells/mm³ (C5).
	PlateletsMinOnTreatment float64
	// EGFRModerate: abrocitinib 50 mg below this eGFR, mL/min/1.73 m² (C7).
	EGFRModerate float64
	// EGFRSevere: abrocitinib not recommended below this eGFR (C7);
	// upadacitinib 15 mg (R12, grade C).
	EGFRSevere float64
	// AspirinMaxDailyMg: abrocitinib is contraindicated with antiplatelets
	// except low-dose aspirin up to this daily dose (C13; "81 mg" grade C).
	AspirinMaxDailyMg float64

	// On-treatment monitoring (patient-view).

	// AbrocitinibMonitoring: CBC and lipids about 4 weeks after initiation
	// (C6); the contract applies the same interval to ALT/AST.
	AbrocitinibMonitoring time.Duration
	// UpadacitinibLipidMonitoring: lipids 12 weeks after initiation (R9).
	UpadacitinibLipidMonitoring time.Duration
	// UpadacitinibRoutineMonitoring: neutrophils, lymphocytes, hemoglobin
	// and liver enzymes "according to routine patient management" (R9).
	// jakguard's policy: at least one result in every such interval once
	// therapy is that old (12 weeks, the label's own first lipid check and
	// the usual quarterly laboratory review; see docs/rules.md).
	UpadacitinibRoutineMonitoring time.Duration
}

// DefaultConfig returns the contract's defaults (contract section 5).
func DefaultConfig() Config {
	return Config{
		TBWindow:            year,
		HBVWindow:           year,
		HCVWindow:           year,
		CBCWindow:           90 * day,
		LiverWindow:         90 * day,
		LipidWindow:         year,
		PregnancyTestWindow: 30 * day,
		LiveVaccineWindow:   28 * day,
		EGFRWindow:          year,

		MinAge:                   12,
		ZosterAge:                50,
		PregnancyTestMinAge:      12,
		PregnancyTestMaxAge:      50,
		CVRiskAge:                50,
		UpadacitinibLowerDoseAge: 65,

		ALCMin:                  500,
		ANCMin:                  1000,
		HemoglobinMin:           8,
		PlateletsMinStart:       150000,
		PlateletsMinOnTreatment: 50000,
		EGFRModerate:            60,
		EGFRSevere:              30,
		AspirinMaxDailyMg:       81,

		AbrocitinibMonitoring:         4 * week,
		UpadacitinibLipidMonitoring:   12 * week,
		UpadacitinibRoutineMonitoring: 12 * week,
	}
}

// ErrConfig is wrapped by every Validate error.
var ErrConfig = errors.New("rules: invalid config")

// Validate checks that every window and threshold is set and consistent.
func (c Config) Validate() error {
	durations := []struct {
		name string
		d    time.Duration
	}{
		{"TBWindow", c.TBWindow}, {"HBVWindow", c.HBVWindow}, {"HCVWindow", c.HCVWindow},
		{"CBCWindow", c.CBCWindow}, {"LiverWindow", c.LiverWindow}, {"LipidWindow", c.LipidWindow},
		{"PregnancyTestWindow", c.PregnancyTestWindow}, {"LiveVaccineWindow", c.LiveVaccineWindow},
		{"EGFRWindow", c.EGFRWindow}, {"AbrocitinibMonitoring", c.AbrocitinibMonitoring},
		{"UpadacitinibLipidMonitoring", c.UpadacitinibLipidMonitoring},
		{"UpadacitinibRoutineMonitoring", c.UpadacitinibRoutineMonitoring},
	}
	for _, d := range durations {
		if d.d <= 0 {
			return fmt.Errorf("%w: %s must be positive, got %s", ErrConfig, d.name, d.d)
		}
	}
	numbers := []struct {
		name string
		v    float64
	}{
		{"MinAge", float64(c.MinAge)}, {"ZosterAge", float64(c.ZosterAge)},
		{"PregnancyTestMinAge", float64(c.PregnancyTestMinAge)}, {"PregnancyTestMaxAge", float64(c.PregnancyTestMaxAge)},
		{"CVRiskAge", float64(c.CVRiskAge)}, {"UpadacitinibLowerDoseAge", float64(c.UpadacitinibLowerDoseAge)},
		{"ALCMin", c.ALCMin}, {"ANCMin", c.ANCMin}, {"HemoglobinMin", c.HemoglobinMin},
		{"PlateletsMinStart", c.PlateletsMinStart}, {"PlateletsMinOnTreatment", c.PlateletsMinOnTreatment},
		{"EGFRModerate", c.EGFRModerate}, {"EGFRSevere", c.EGFRSevere}, {"AspirinMaxDailyMg", c.AspirinMaxDailyMg},
	}
	for _, n := range numbers {
		if !(n.v > 0) {
			return fmt.Errorf("%w: %s must be positive, got %v", ErrConfig, n.name, n.v)
		}
	}
	if c.PregnancyTestMinAge > c.PregnancyTestMaxAge {
		return fmt.Errorf("%w: PregnancyTestMinAge %d is above PregnancyTestMaxAge %d", ErrConfig, c.PregnancyTestMinAge, c.PregnancyTestMaxAge)
	}
	if c.EGFRSevere >= c.EGFRModerate {
		return fmt.Errorf("%w: EGFRSevere %v must be below EGFRModerate %v", ErrConfig, c.EGFRSevere, c.EGFRModerate)
	}
	if c.PlateletsMinOnTreatment > c.PlateletsMinStart {
		return fmt.Errorf("%w: PlateletsMinOnTreatment %v is above PlateletsMinStart %v", ErrConfig, c.PlateletsMinOnTreatment, c.PlateletsMinStart)
	}
	return nil
}
