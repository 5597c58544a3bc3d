package rules

import (
	"slices"
	"strings"
	"testing"
)

func TestCatalogueDeclaresPhases(t *testing.T) {
	e := mustEngine(t, decKnowledge())
	byCode := map[string]RuleInfo{}
	for _, r := range e.Catalogue() {
		if r.Hook == "order" {
			byCode[r.Code] = r
		}
		if len(r.Sources) == 0 {
			t.Errorf("%s (%s) cites nothing", r.Code, r.Hook)
		}
		for d, c := range r.Sources {
			if !strings.Contains(c.Label, "revision of") || c.URL == "" {
				t.Errorf("%s: %s source %+v", r.Code, d, c)
			}
		}
	}
	tests := []struct {
		code                  string
		initiation, continued bool
		newOnly               bool
		limit                 string
	}{
		{TBScreeningMissing, true, false, false, ""},
		{PregnancyTestMissing, true, false, false, ""},
		{NoPriorSystemicTherapy, true, false, false, ""},
		{CBCMissing, true, false, false, ""},
		{Thrombocytopenia, true, true, false, ""},
		{Lymphopenia, true, true, false, ""},
		{AntiplateletAbrocitinib, true, true, false, "first 90 days of the course"},
		{MACEHistory, true, true, true, ""},
		{TBLatentUntreated, true, true, true, ""},
		{MonitoringCBCDue, false, true, false, ""},
		{LowerDoseRecommended, true, true, false, ""},
		{AgeUnknown, true, true, false, ""},
	}
	for _, tc := range tests {
		r, ok := byCode[tc.code]
		if !ok {
			t.Errorf("%s not in the catalogue", tc.code)
			continue
		}
		if r.Initiation != tc.initiation || r.Continuation != tc.continued || r.NewOnCourse != tc.newOnly || r.CourseLimit != tc.limit {
			t.Errorf("%s: %+v", tc.code, r)
		}
	}
	// Limits come from the engine's Config.
	cfg := DefaultConfig()
	cfg.CBCWindow = 60 * day
	e2, err := NewEngine(decKnowledge(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range e2.Catalogue() {
		if r.Code == CBCMissing && !strings.Contains(r.Limits, "60 days") {
			t.Errorf("cbc-missing limits %q", r.Limits)
		}
	}
}

// TestFindingCodesComplete: every finding code constant is reported by some
// rule, and every rule's code is a constant of finding.go.
func TestFindingCodesComplete(t *testing.T) {
	codes := FindingCodes()
	all := []string{TBScreeningMissing, TBActive, TBLatentUntreated, HBVScreeningMissing, HBVActive, HBVCoreAntibodyPositive,
		HCVScreeningMissing, HCVAntibodyPositive, HCVActive, CBCMissing, Lymphopenia, Neutropenia, Anemia, Thrombocytopenia,
		LiverEnzymesMissing, LipidsMissing, PregnancyTestMissing, Pregnancy, Breastfeeding, ZosterVaccineMissing, LiveVaccineRecent,
		SeriousInfectionActive, SevereHepaticImpairment, RenalImpairment, CombinationJAK, CombinationBiologic,
		CombinationImmunosuppressant, AntiplateletAbrocitinib, CYPInteraction, CardiovascularRisk, MACEHistory, Smoker, VTERisk,
		Malignancy, LowerDoseRecommended, DoseAboveLabel, AgeNotApproved, NoPriorSystemicTherapy, MonitoringCBCDue,
		MonitoringLiverDue, MonitoringLipidsDue, CYP2C19PoorMetabolizer, WeightBelowLabel, PgpSubstrate, LiveVaccineOrdered, AgeUnknown, DoseUnknown}
	for _, c := range all {
		if !slices.Contains(codes, c) {
			t.Errorf("no rule reports %s", c)
		}
	}
	if len(codes) != len(all) {
		t.Errorf("FindingCodes has %d codes, the constants %d", len(codes), len(all))
	}
}
