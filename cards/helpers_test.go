package cards

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"jakguard/rules"
)

// seqUUID returns a deterministic uuid generator for tests.
func seqUUID() func() string {
	n := 0
	return func() string {
		n++
		return fmt.Sprintf("00000000-0000-4000-8000-%012d", n)
	}
}

// mustReadOrder reads a draft order from testdata/orders.
func mustReadOrder(tb testing.TB, name string) json.RawMessage {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "orders", name))
	require.NoError(tb, err)
	return b
}

// mustResponse marshals cards as a hook response.
func mustResponse(tb testing.TB, cs []Card) []byte {
	tb.Helper()
	b, err := json.MarshalIndent(map[string]any{"cards": cs}, "", "  ")
	require.NoError(tb, err)
	return b
}

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

var (
	citeCibinqo  = rules.Citation{Label: "CIBINQO (abrocitinib) US Prescribing Information, section 2.1", URL: "https://labeling.pfizer.com/ShowLabeling.aspx?id=16652"}
	citeCibinqo8 = rules.Citation{Label: "CIBINQO (abrocitinib) US Prescribing Information, section 5.8", URL: "https://labeling.pfizer.com/ShowLabeling.aspx?id=16652"}

	loincIGRA  = rules.Coding{System: rules.SystemLOINC, Code: "71773-6", Display: "Mycobacterium tuberculosis stimulated gamma interferon [Presence] in Blood"}
	loincHBsAg = rules.Coding{System: rules.SystemLOINC, Code: "5196-1", Display: "Hepatitis B virus surface Ag [Presence] in Serum or Plasma by Immunoassay"}
	loincHCVAb = rules.Coding{System: rules.SystemLOINC, Code: "13955-0", Display: "Hepatitis C virus Ab [Presence] in Serum or Plasma by Immunoassay"}
	loincCBC   = rules.Coding{System: rules.SystemLOINC, Code: "57021-8", Display: "CBC W Auto Differential panel - Blood"}
	loincALT   = rules.Coding{System: rules.SystemLOINC, Code: "1742-6", Display: "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma"}
	loincAST   = rules.Coding{System: rules.SystemLOINC, Code: "1920-8", Display: "Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma"}
	loincLipid = rules.Coding{System: rules.SystemLOINC, Code: "57698-3", Display: "Lipid panel with direct LDL - Serum or Plasma"}
	cvxZoster  = rules.Coding{System: rules.SystemCVX, Code: "187", Display: "zoster vaccine recombinant"}
)

// abrocitinibScreening is golden scenario 1: abrocitinib 200 mg ordered with
// TB, hepatitis B/C and zoster vaccine missing and platelets of 120,000/mm³.
func abrocitinibScreening() []rules.Finding {
	const order = "MedicationRequest/abro-1"
	missing := func(code, title, action string, ev string, test rules.Test) rules.Finding {
		return rules.Finding{
			Code: code, Level: rules.Warning, Category: rules.CategoryScreening, Drug: rules.Abrocitinib,
			OrderID: order, Title: title, Action: action,
			Evidence: []rules.Evidence{{Text: ev}},
			Tests:    []rules.Test{test}, Citation: citeCibinqo,
		}
	}
	return []rules.Finding{
		{
			Code: rules.Thrombocytopenia, Level: rules.Critical, Category: rules.CategoryLabSafety, Drug: rules.Abrocitinib,
			OrderID: order, Title: "Platelets below 150,000/mm³",
			Action: "Do not start abrocitinib; repeat the CBC.",
			Evidence: []rules.Evidence{{
				Text: "Platelets 120 ×10³/µL on 2026-11-20, below 150,000/mm³",
				Date: day("2026-11-20"), ResourceID: "Observation/plt-1",
			}},
			Citation: citeCibinqo,
		},
		missing(rules.TBScreeningMissing, "No TB test within 12 months",
			"Test for latent TB (IGRA or TST) before starting; treat latent TB first if positive.",
			"No IGRA or TST result since 2025-11-29",
			rules.Test{Name: "Interferon-gamma release assay (IGRA)", Code: loincIGRA, Reason: "no IGRA or TST result within 12 months"}),
		missing(rules.HBVScreeningMissing, "No hepatitis B surface antigen test within 12 months",
			"Screen for hepatitis B before starting.",
			"No HBsAg result since 2025-11-29",
			rules.Test{Name: "Hepatitis B surface antigen (HBsAg)", Code: loincHBsAg, Reason: "no HBsAg result within 12 months"}),
		missing(rules.HCVScreeningMissing, "No hepatitis C test within 12 months",
			"Screen for hepatitis C before starting.",
			"No HCV antibody or HCV RNA result since 2025-11-29",
			rules.Test{Name: "Hepatitis C virus antibody", Code: loincHCVAb, Reason: "no HCV antibody or RNA result within 12 months"}),
		missing(rules.ZosterVaccineMissing, "No recombinant zoster vaccine on record",
			"Complete zoster vaccination before starting.",
			"Age 58; no recombinant zoster vaccine (CVX 187) on record",
			rules.Test{Name: "Zoster vaccine recombinant (Shingrix)", Code: cvxZoster, Reason: "age 50 or over, no dose on record"}),
	}
}

// upadacitinibSmoker is golden scenario 2: upadacitinib 30 mg ordered for a
// 67-year-old current smoker.
func upadacitinibSmoker() []rules.Finding {
	const order = "MedicationRequest/upa-30"
	return []rules.Finding{
		{
			Code: rules.Smoker, Level: rules.Warning, Category: rules.CategoryRiskFactors, Drug: rules.Upadacitinib,
			OrderID: order, Title: "Current smoker",
			Action:   "Smokers are at higher risk of malignancy, MACE and thrombosis on JAK inhibitors; discuss and document.",
			Evidence: []rules.Evidence{{Text: "Tobacco smoking status: current every day smoker", Date: day("2026-10-01"), ResourceID: "Observation/smk-1"}},
			Citation: rules.Citation{Label: "RINVOQ (upadacitinib) US Prescribing Information, Boxed Warning", URL: "https://www.rxabbvie.com/pdf/rinvoq_pi.pdf"},
		},
		{
			Code: rules.CardiovascularRisk, Level: rules.Warning, Category: rules.CategoryRiskFactors, Drug: rules.Upadacitinib,
			OrderID: order, Title: "Age 50 or over with a cardiovascular risk factor",
			Action:   "Weigh the risk of MACE before starting.",
			Evidence: []rules.Evidence{{Text: "Age 67 with current smoking"}},
			Citation: rules.Citation{Label: "RINVOQ (upadacitinib) US Prescribing Information, Boxed Warning", URL: "https://www.rxabbvie.com/pdf/rinvoq_pi.pdf"},
		},
		{
			Code: rules.LowerDoseRecommended, Level: rules.Warning, Category: rules.CategoryRiskFactors, Drug: rules.Upadacitinib,
			OrderID: order, Title: "Upadacitinib 15 mg recommended",
			Action: "Use 15 mg once daily: 30 mg is not recommended at 65 or over.",
			Evidence: []rules.Evidence{
				{Text: "Ordered: upadacitinib 30 mg once daily (30 mg tablet, once daily)"},
				{Text: "Age 67 (65 or over)"},
			},
			SuggestedDailyMg: 15,
			Citation:         rules.Citation{Label: "RINVOQ (upadacitinib) US Prescribing Information, section 2.2", URL: "https://www.rxabbvie.com/pdf/rinvoq_pi.pdf"},
		},
	}
}

// abrocitinibMonitoring is golden scenario 3: patient-view, abrocitinib
// started 2026-09-01 with no CBC, liver enzymes or lipids since.
func abrocitinibMonitoring() []rules.Finding {
	const order = "MedicationRequest/abro-active"
	start := rules.Evidence{Text: "Abrocitinib started 2026-09-01 (MedicationRequest authoredOn)", Date: day("2026-09-01"), ResourceID: order}
	due := func(code, title string, days int, tests ...rules.Test) rules.Finding {
		return rules.Finding{
			Code: code, Level: rules.Warning, Category: rules.CategoryMonitoring, Drug: rules.Abrocitinib,
			OrderID: order, Title: title, Action: "Order now.",
			Evidence: []rules.Evidence{start}, Tests: tests, DaysOverdue: days, Citation: citeCibinqo8,
		}
	}
	return []rules.Finding{
		due(rules.MonitoringLipidsDue, "Lipids due 4 weeks after starting abrocitinib", 61,
			rules.Test{Name: "Lipid panel", Code: loincLipid, Reason: "no lipid result since 2026-09-01"}),
		due(rules.MonitoringCBCDue, "CBC due 4 weeks after starting abrocitinib", 61,
			rules.Test{Name: "CBC with differential", Code: loincCBC, Reason: "no CBC since 2026-09-01"}),
		due(rules.MonitoringLiverDue, "Liver enzymes due 4 weeks after starting abrocitinib", 61,
			rules.Test{Name: "ALT", Code: loincALT, Reason: "no ALT or AST since 2026-09-01"},
			rules.Test{Name: "AST", Code: loincAST, Reason: "no ALT or AST since 2026-09-01"}),
	}
}

// allCodes lists every finding code of rules/finding.go.
var allCodes = []string{
	rules.TBScreeningMissing, rules.TBActive, rules.TBLatentUntreated, rules.HBVScreeningMissing, rules.HBVActive,
	rules.HBVCoreAntibodyPositive, rules.HCVScreeningMissing, rules.HCVAntibodyPositive, rules.HCVActive,
	rules.CBCMissing, rules.Lymphopenia, rules.Neutropenia, rules.Anemia, rules.Thrombocytopenia,
	rules.LiverEnzymesMissing, rules.LipidsMissing, rules.PregnancyTestMissing, rules.Pregnancy, rules.Breastfeeding,
	rules.ZosterVaccineMissing, rules.LiveVaccineRecent, rules.SeriousInfectionActive, rules.SevereHepaticImpairment,
	rules.RenalImpairment, rules.CombinationJAK, rules.CombinationBiologic, rules.CombinationImmunosuppressant,
	rules.AntiplateletAbrocitinib, rules.CYPInteraction, rules.CardiovascularRisk, rules.MACEHistory, rules.Smoker,
	rules.VTERisk, rules.Malignancy, rules.LowerDoseRecommended, rules.DoseAboveLabel, rules.AgeNotApproved,
	rules.NoPriorSystemicTherapy, rules.MonitoringCBCDue, rules.MonitoringLiverDue, rules.MonitoringLipidsDue,
	rules.CYP2C19PoorMetabolizer, rules.WeightBelowLabel, rules.PgpSubstrate, rules.LiveVaccineOrdered, rules.AgeUnknown,
	rules.DoseUnknown,
}

// criticalCodes are the codes the contract marks critical whatever the
// case (severe-hepatic-impairment and renal-impairment are critical in
// some cases only: the finding carries the level).
var criticalCodes = []string{
	rules.TBActive, rules.TBLatentUntreated, rules.HBVActive, rules.HCVActive, rules.Lymphopenia, rules.Neutropenia,
	rules.Anemia, rules.Thrombocytopenia, rules.Pregnancy, rules.Breastfeeding, rules.SeriousInfectionActive,
	rules.CombinationJAK, rules.AntiplateletAbrocitinib, rules.AgeNotApproved,
}
