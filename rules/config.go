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

	// Treatment courses (contract 6.2).

	// CourseGap: orders and statements of one drug that follow each other
	// with no gap over this make one course (contract 6.2: 90 days).
	CourseGap time.Duration
	// RecentCourse: a course that ended within this is "recent"; a draft
	// order in an active or recent course is a continuation (contract
	// 6.1, 6.2: 90 days).
	RecentCourse time.Duration
	// AntiplateletFirst: abrocitinib is contraindicated with antiplatelet
	// therapy (aspirin up to AspirinMaxDailyMg excepted) during the first
	// 3 months of treatment (CIBINQO PI section 4, C13; contract 6.2).
	// "3 months" is taken as 90 days, the contract's unit for courses.
	AntiplateletFirst time.Duration
	// DoseIncreaseAfter: abrocitinib at the reduced 50 mg dose (eGFR
	// 30-59, strong CYP2C19 inhibitor, CYP2C19 poor metabolizer) may be
	// increased to 100 mg once daily after 12 weeks if the response is
	// inadequate (CIBINQO PI sections 2.3 and 2; C7, C9). From this far
	// into a course the dose limit of those findings is 100 mg.
	DoseIncreaseAfter time.Duration

	// Ages in years.

	// MinAge: both drugs are approved for atopic dermatitis from 12 years
	// (R1, C1, C18).
	MinAge int
	// ZosterAge: recombinant zoster vaccine expected from this age before
	// starting (label: complete immunizations including zoster before
	// starting, R18, C3, C16). Contract 6.4 says 18: a JAK inhibitor makes
	// the patient immunosuppressed, and ACIP recommends RZV for adults who
	// are or will be immunosuppressed from age 19; jakguard follows the
	// contract (18).
	ZosterAge int
	// PregnancyTestMinAge, PregnancyTestMaxAge: women of reproductive
	// potential for the pregnancy-test rule (contract; R16).
	PregnancyTestMinAge int
	PregnancyTestMaxAge int
	// CVRiskAge: boxed warning, patients 50 years or older with at least one
	// cardiovascular risk factor (R20, C17).
	CVRiskAge int
	// UpadacitinibLowerDoseAge: RINVOQ AD dose for adults 65 and older is
	// 15 mg once daily (RINVOQ PI section 2.5; R4).
	UpadacitinibLowerDoseAge int
	// WeightRuleAge: the upadacitinib weight limit applies under this age
	// (RINVOQ PI section 2.5: pediatric patients 12 years and older
	// weighing at least 40 kg; contract 6.4: under 18).
	WeightRuleAge int

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
	// EGFRUpadacitinibMin: upadacitinib is not recommended below this
	// eGFR or in end-stage renal disease (contract 6.4; R12).
	EGFRUpadacitinibMin float64
	// AspirinMaxDailyMg: abrocitinib is contraindicated with antiplatelets
	// except low-dose aspirin up to this daily dose (C13; "81 mg" grade C).
	AspirinMaxDailyMg float64
	// HCGPositive, HCGNegative: a quantitative hCG in mIU/mL (= IU/L) at or
	// above HCGPositive is a positive pregnancy test, below HCGNegative a
	// negative one; in between it is indeterminate, not negative: the
	// pregnancy test is still to be repeated (contract 6.5: 25 and 5).
	HCGPositive float64
	HCGNegative float64
	// MinWeightKg: upadacitinib for atopic dermatitis in patients under
	// WeightRuleAge is labelled from this body weight (RINVOQ PI section
	// 2.5; R3; contract 6.4: 40 kg).
	MinWeightKg float64

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

		CourseGap:         90 * day,
		RecentCourse:      90 * day,
		AntiplateletFirst: 90 * day,
		DoseIncreaseAfter: 12 * week,

		MinAge:                   12,
		ZosterAge:                18,
		PregnancyTestMinAge:      12,
		PregnancyTestMaxAge:      50,
		CVRiskAge:                50,
		UpadacitinibLowerDoseAge: 65,
		WeightRuleAge:            18,

		ALCMin:                  500,
		ANCMin:                  1000,
		HemoglobinMin:           8,
		PlateletsMinStart:       150000,
		PlateletsMinOnTreatment: 50000,
		EGFRModerate:            60,
		EGFRSevere:              30,
		EGFRUpadacitinibMin:     15,
		AspirinMaxDailyMg:       81,
		HCGPositive:             25,
		HCGNegative:             5,
		MinWeightKg:             40,

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
		{"CourseGap", c.CourseGap}, {"RecentCourse", c.RecentCourse}, {"AntiplateletFirst", c.AntiplateletFirst},
		{"DoseIncreaseAfter", c.DoseIncreaseAfter},
		{"UpadacitinibLipidMonitoring", c.UpadacitinibLipidMonitoring},
	}
	for _, d := range durations {
		if d.d <= 0 {
			return fmt.Errorf("%w: %s must be positive, got %s", ErrConfig, d.name, d.d)
		}
	}
	if c.UpadacitinibRoutineMonitoring < 0 {
		return fmt.Errorf("%w: UpadacitinibRoutineMonitoring must be 0 (off) or positive, got %s", ErrConfig, c.UpadacitinibRoutineMonitoring)
	}
	numbers := []struct {
		name string
		v    float64
	}{
		{"MinAge", float64(c.MinAge)}, {"ZosterAge", float64(c.ZosterAge)},
		{"PregnancyTestMinAge", float64(c.PregnancyTestMinAge)}, {"PregnancyTestMaxAge", float64(c.PregnancyTestMaxAge)},
		{"CVRiskAge", float64(c.CVRiskAge)}, {"UpadacitinibLowerDoseAge", float64(c.UpadacitinibLowerDoseAge)},
		{"WeightRuleAge", float64(c.WeightRuleAge)},
		{"ALCMin", c.ALCMin}, {"ANCMin", c.ANCMin}, {"HemoglobinMin", c.HemoglobinMin},
		{"PlateletsMinStart", c.PlateletsMinStart}, {"PlateletsMinOnTreatment", c.PlateletsMinOnTreatment},
		{"EGFRModerate", c.EGFRModerate}, {"EGFRSevere", c.EGFRSevere}, {"AspirinMaxDailyMg", c.AspirinMaxDailyMg},
		{"EGFRUpadacitinibMin", c.EGFRUpadacitinibMin}, {"HCGPositive", c.HCGPositive}, {"HCGNegative", c.HCGNegative},
		{"MinWeightKg", c.MinWeightKg},
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
	if c.EGFRUpadacitinibMin >= c.EGFRSevere {
		return fmt.Errorf("%w: EGFRUpadacitinibMin %v must be below EGFRSevere %v", ErrConfig, c.EGFRUpadacitinibMin, c.EGFRSevere)
	}
	if c.HCGNegative > c.HCGPositive {
		return fmt.Errorf("%w: HCGNegative %v is above HCGPositive %v", ErrConfig, c.HCGNegative, c.HCGPositive)
	}
	if c.PlateletsMinOnTreatment > c.PlateletsMinStart {
		return fmt.Errorf("%w: PlateletsMinOnTreatment %v is above PlateletsMinStart %v", ErrConfig, c.PlateletsMinOnTreatment, c.PlateletsMinStart)
	}
	return nil
}
