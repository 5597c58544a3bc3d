package rules

import (
	"strings"
	"testing"
	"time"
)

// Audit findings (contract section 5 against the rules): each case is a
// clinical scenario where the rules once disagreed with the contract.

func TestAuditViralLoadBelowQuantification(t *testing.T) {
	ix := newIndex(testKnowledge(), &Record{}, testNow)
	censored := func(cmp string, v float64) Observation {
		return Observation{Quantity: &Quantity{Value: v, Unit: "[IU]/mL", Comparator: cmp}}
	}
	tests := []struct {
		name string
		o    Observation
		want result
	}{
		{"HCV RNA <15 IU/mL (below the limit of quantification) is not detected", censored("<", 15), resultNegative},
		{"HBV DNA <=10 IU/mL is not detected", censored("<=", 10), resultNegative},
		{"HBV DNA >170,000,000 IU/mL is detected", censored(">", 1.7e8), resultPositive},
		{"viral load with an unknown comparator is unreadable", censored("ad", 1200), resultUnknown},
		{"'detected, <15 IU/mL' by text stays detected", Observation{ValueText: "Detected", Quantity: &Quantity{Value: 15, Unit: "[IU]/mL", Comparator: "<"}}, resultPositive},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ix.readViral(&tc.o); got != tc.want {
				t.Errorf("readViral = %s, want %s", got, tc.want)
			}
		})
	}

	runOrderCases(t, testKnowledge(), []orderCase{
		{name: "HCV antibody positive, HCV RNA <15 IU/mL after it: not active hepatitis C, RNA done", order: upaOrder(15),
			edit: func(r *Record, s *Session) {
				r.Observations[3].ValueCodes = snomed(sctPositive)
				o := quantity("rna", "11011-4", 10, 15, "[IU]/mL")
				o.Quantity.Comparator = "<"
				r.Observations = append(r.Observations, o)
			}, not: []string{HCVActive, HCVAntibodyPositive}},
		{name: "HBV DNA <10 IU/mL with HBsAg negative: not active hepatitis B", order: abroOrder(100),
			edit: func(r *Record, s *Session) {
				o := quantity("dna", "42595-9", 10, 10, "[IU]/mL")
				o.Quantity.Comparator = "<"
				r.Observations = append(r.Observations, o)
			}, not: []string{HBVActive}},
		{name: "HBV DNA 2,300 IU/mL: still active hepatitis B", order: abroOrder(100),
			edit: func(r *Record, s *Session) {
				r.Observations = append(r.Observations, quantity("dna", "42595-9", 10, 2300, "[IU]/mL"))
			}, want: []string{HBVActive}},
	})
}

func TestAuditAspirinCombinationByText(t *testing.T) {
	k, err := LoadKnowledge(nil)
	if err != nil {
		t.Fatal(err)
	}
	low := func(m Medication, mg, perDay float64) Medication {
		m.Dose = DoseFacts{DoseQuantity: &Quantity{Value: mg, Unit: "mg"}, Frequency: perDay, Period: 1, PeriodUnit: "d"}
		return m
	}
	textOnly := func(id, text string) Medication {
		m := medication(id, nil, "active")
		m.Text = text
		return m
	}
	runOrderCases(t, k, []orderCase{
		{name: "aspirin/dipyridamole 25 mg twice daily named only in text: an antiplatelet other than aspirin", order: abroOrder(100),
			edit: func(r *Record, s *Session) {
				r.Medications = append(r.Medications, low(textOnly("aggrenox", "Aggrenox (aspirin 25 MG / dipyridamole 200 MG) capsule"), 25, 2))
			}, want: []string{AntiplateletAbrocitinib}},
		{name: "aspirin ingredient code with clopidogrel in the text: not aspirin alone", order: abroOrder(100),
			edit: func(r *Record, s *Session) {
				m := low(medication("asa-clop", rx("1191"), "active"), 75, 1)
				m.Text = "aspirin 75 mg / clopidogrel 75 mg tablet"
				r.Medications = append(r.Medications, m)
			}, want: []string{AntiplateletAbrocitinib}},
		{name: "plain aspirin 81 mg once daily named only in text: allowed", order: abroOrder(100),
			edit: func(r *Record, s *Session) {
				r.Medications = append(r.Medications, low(textOnly("asa", "Aspirin 81 mg EC tablet"), 81, 1))
			}, not: []string{AntiplateletAbrocitinib}},
		{name: "plain aspirin 81 mg once daily by code: allowed", order: abroOrder(100),
			edit: func(r *Record, s *Session) {
				r.Medications = append(r.Medications, low(medication("asa", rx("243670"), "active"), 81, 1))
			}, not: []string{AntiplateletAbrocitinib}},
	})
}

func TestAuditUnverifiedCodesAreFlagged(t *testing.T) {
	k, err := LoadKnowledge(nil)
	if err != nil {
		t.Fatal(err)
	}
	unverified := func(code string, want bool) func(t *testing.T, fs []Finding) {
		return func(t *testing.T, fs []Finding) {
			if f := wantFinding(t, fs, code); f.Unverified != want {
				t.Errorf("%s Unverified = %v, want %v", code, f.Unverified, want)
			}
		}
	}
	noEGFR := func(r *Record) { without(r, "egfr") }
	aged55 := func(r *Record) {
		r.Patient.BirthDate = testNow.AddDate(-55, 0, 0)
		r.Immunizations = append(r.Immunizations, Immunization{ID: "Immunization/rzv", Codes: cvx("187"), Status: "completed", Date: daysAgo(200)})
	}
	runOrderCases(t, k, []orderCase{
		{name: "abrocitinib, eGFR 25 under the older MDRD code 33914-3 (grade C): critical, unverified", order: abroOrder(100),
			edit: func(r *Record, s *Session) {
				noEGFR(r)
				r.Observations = append(r.Observations, quantity("egfr-old", "33914-3", 20, 25, "mL/min/{1.73_m2}"))
			}, want: []string{RenalImpairment}, check: unverified(RenalImpairment, true)},
		{name: "abrocitinib, eGFR 25 under CKD-EPI 2021 (grade A): critical, verified", order: abroOrder(100),
			edit: func(r *Record, s *Session) { r.Observations[10].Quantity.Value = 25 },
			want: []string{RenalImpairment}, check: unverified(RenalImpairment, false)},
		{name: "abrocitinib, no eGFR, CKD stage 4 SNOMED 431857002 (grade C): unverified", order: abroOrder(100),
			edit: func(r *Record, s *Session) {
				noEGFR(r)
				r.Conditions = append(r.Conditions, condition("ckd4", snomed("431857002"), "active"))
			}, want: []string{RenalImpairment}, check: unverified(RenalImpairment, true)},
		{name: "abrocitinib, no eGFR, end-stage renal disease N18.6 (grade A): verified", order: abroOrder(100),
			edit: func(r *Record, s *Session) {
				noEGFR(r)
				r.Conditions = append(r.Conditions, condition("esrd", icd("N18.6"), "active"))
			}, want: []string{RenalImpairment}, check: unverified(RenalImpairment, false)},
		{name: "tobacco user SNOMED 110483000 (membership grade C: may be smokeless): smoker unverified", order: upaOrder(15),
			edit: func(r *Record, s *Session) {
				r.Conditions = append(r.Conditions, condition("nic", snomed("110483000"), "active"))
			}, want: []string{Smoker}, check: unverified(Smoker, true)},
		{name: "aged 55, tobacco user 110483000 (grade C): cardiovascular risk unverified", order: upaOrder(15),
			edit: func(r *Record, s *Session) {
				aged55(r)
				r.Conditions = append(r.Conditions, condition("nic", snomed("110483000"), "active"))
			}, want: []string{CardiovascularRisk}, check: unverified(CardiovascularRisk, true)},
		{name: "aged 55, nicotine dependence F17.210 (grade A): cardiovascular risk and smoker verified", order: upaOrder(15),
			edit: func(r *Record, s *Session) {
				aged55(r)
				r.Conditions = append(r.Conditions, condition("nic", icd("F17.210"), "active"))
			}, want: []string{CardiovascularRisk, Smoker}, check: func(t *testing.T, fs []Finding) {
				unverified(CardiovascularRisk, false)(t, fs)
				unverified(Smoker, false)(t, fs)
			}},
	})
}

func TestAuditHCVRNASameDayAsAntibody(t *testing.T) {
	runOrderCases(t, testKnowledge(), []orderCase{
		{name: "HCV antibody positive at 09:30, reflex HCV RNA not detected dated the same day (date only): RNA on record", order: upaOrder(15),
			edit: func(r *Record, s *Session) {
				day := daysAgo(10)
				r.Observations[3].ValueCodes = snomed(sctPositive)
				r.Observations[3].Date = time.Date(day.Year(), day.Month(), day.Day(), 9, 30, 0, 0, time.UTC)
				rna := answer("rna", "11259-9", 0, sctNotDetected)
				rna.Date = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
				r.Observations = append(r.Observations, rna)
			}, not: []string{HCVAntibodyPositive, HCVActive}},
		{name: "HCV antibody positive at 09:30 -05:00, reflex HCV RNA not detected dated the same day (date only): RNA on record", order: upaOrder(15),
			edit: func(r *Record, s *Session) {
				day := daysAgo(10)
				r.Observations[3].ValueCodes = snomed(sctPositive)
				r.Observations[3].Date = time.Date(day.Year(), day.Month(), day.Day(), 9, 30, 0, 0, time.FixedZone("-05:00", -5*3600))
				rna := answer("rna", "11259-9", 0, sctNotDetected)
				rna.Date = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
				r.Observations = append(r.Observations, rna)
			}, not: []string{HCVAntibodyPositive, HCVActive}},
		{name: "HCV antibody positive, HCV RNA not detected a year before it: RNA still needed", order: upaOrder(15),
			edit: func(r *Record, s *Session) {
				r.Observations[3].ValueCodes = snomed(sctPositive)
				r.Observations = append(r.Observations, answer("rna", "11259-9", 400, sctNotDetected))
			}, want: []string{HCVAntibodyPositive}},
	})
}

func TestAuditNoReductionToTheOrderedDose(t *testing.T) {
	suggests := func(code string, mg float64) func(t *testing.T, fs []Finding) {
		return func(t *testing.T, fs []Finding) {
			if f := wantFinding(t, fs, code); f.SuggestedDailyMg != mg {
				t.Errorf("%s SuggestedDailyMg = %v, want %v", code, f.SuggestedDailyMg, mg)
			}
		}
	}
	keto := func(r *Record, s *Session) {
		r.Medications = append(r.Medications, medication("keto", rx("6135"), "active"))
	}
	egfr := func(v float64) func(r *Record, s *Session) {
		return func(r *Record, s *Session) { r.Observations[10].Quantity.Value = v }
	}
	unknownDose := upaOrder(30)
	unknownDose.Dose = DoseFacts{}
	runOrderCases(t, testKnowledge(), []orderCase{
		{name: "upadacitinib 15 mg with ketoconazole: already the CYP3A4 dose, nothing to reduce", order: upaOrder(15),
			edit: keto, want: []string{CYPInteraction}, check: suggests(CYPInteraction, 0)},
		{name: "upadacitinib 30 mg with ketoconazole: reduce to 15 mg", order: upaOrder(30),
			edit: keto, want: []string{CYPInteraction}, check: suggests(CYPInteraction, 15)},
		{name: "upadacitinib at an unknown dose with ketoconazole: suggest 15 mg", order: unknownDose,
			edit: keto, want: []string{CYPInteraction}, check: suggests(CYPInteraction, 15)},
		{name: "abrocitinib 50 mg with eGFR 45: already the renal dose", order: abroOrder(50),
			edit: egfr(45), want: []string{RenalImpairment}, check: suggests(RenalImpairment, 0)},
		{name: "abrocitinib 100 mg with eGFR 45: reduce to 50 mg", order: abroOrder(100),
			edit: egfr(45), want: []string{RenalImpairment}, check: suggests(RenalImpairment, 50)},
		{name: "upadacitinib 15 mg with eGFR 25: already the renal dose", order: upaOrder(15),
			edit: egfr(25), want: []string{RenalImpairment}, check: suggests(RenalImpairment, 0)},
		{name: "upadacitinib 30 mg with eGFR 25: reduce to 15 mg", order: upaOrder(30),
			edit: egfr(25), want: []string{RenalImpairment}, check: suggests(RenalImpairment, 15)},
	})
}

func TestAuditNegativeWordingIsNotReadAsPositive(t *testing.T) {
	ix := newIndex(testKnowledge(), &Record{}, testNow)
	tests := []struct {
		text string
		want result
	}{
		{"None detected", resultNegative},
		{"HCV RNA: NONE DETECTED", resultNegative},
		{"No HBV DNA detected", resultNegative},
		{"Not reactive", resultNegative},
		{"Not positive", resultNegative},
		{"Not detected", resultNegative},
		{"Detected", resultPositive},
		{"Detected, no quantification possible", resultPositive},
		{"Reactive", resultPositive},
		{"Positive", resultPositive},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			if got := ix.read(&Observation{ValueText: tc.text}); got != tc.want {
				t.Errorf("read(%q) = %s, want %s", tc.text, got, tc.want)
			}
		})
	}
	runOrderCases(t, testKnowledge(), []orderCase{
		{name: "HCV RNA reported 'None detected': not active hepatitis C", order: upaOrder(15),
			edit: func(r *Record, s *Session) {
				o := observation("rna", "11259-9", 10)
				o.ValueText = "None detected"
				r.Observations = append(r.Observations, o)
			}, not: []string{HCVActive}},
		{name: "HBsAg reported 'Not reactive': not active hepatitis B", order: abroOrder(100),
			edit: func(r *Record, s *Session) {
				r.Observations[1].ValueCodes = nil
				r.Observations[1].ValueText = "Not reactive"
			}, not: []string{HBVActive, HBVScreeningMissing}},
	})
}

func TestAuditTopicalFormsAreNotSystemicImmunosuppression(t *testing.T) {
	k, err := LoadKnowledge(nil)
	if err != nil {
		t.Fatal(err)
	}
	med := func(id, text, status string, codes ...string) Medication {
		m := medication(id, rx(codes...), status)
		m.Text = text
		return m
	}
	onlyPrior := func(m Medication) func(r *Record, s *Session) {
		return func(r *Record, s *Session) { r.Medications = []Medication{m} }
	}
	runOrderCases(t, k, []orderCase{
		{name: "tacrolimus 0.1% topical ointment for eczema: not a potent immunosuppressant", order: upaOrder(15),
			edit: func(r *Record, s *Session) {
				r.Medications = append(r.Medications, med("tac-oint", "tacrolimus 0.1 % Topical Ointment", "active"))
			}, not: []string{CombinationImmunosuppressant}},
		{name: "tacrolimus 1 mg oral capsule: potent immunosuppressant", order: upaOrder(15),
			edit: func(r *Record, s *Session) {
				r.Medications = append(r.Medications, med("tac-oral", "tacrolimus 1 MG Oral Capsule", "active"))
			}, want: []string{CombinationImmunosuppressant}},
		{name: "cyclosporine 0.05% ophthalmic emulsion coded by ingredient: not a potent immunosuppressant", order: abroOrder(100),
			edit: func(r *Record, s *Session) {
				r.Medications = append(r.Medications, med("csa-eye", "cyclosporine 0.05 % Ophthalmic Emulsion", "active", "3008"))
			}, not: []string{CombinationImmunosuppressant}},
		{name: "only ophthalmic cyclosporine before: no earlier systemic AD therapy", order: abroOrder(100),
			edit: onlyPrior(med("csa-eye", "cyclosporine 0.05 % Ophthalmic Emulsion", "completed", "3008")),
			want: []string{NoPriorSystemicTherapy}},
		{name: "oral cyclosporine before: earlier systemic AD therapy", order: abroOrder(100),
			edit: onlyPrior(med("csa-oral", "cyclosporine 100 MG Oral Capsule", "completed", "3008")),
			not:  []string{NoPriorSystemicTherapy}},
	})
}

// The lower-dose card names the boxed-warning rows in words, not codes.
func TestLowerDoseEvidenceInWords(t *testing.T) {
	for code, name := range riskRowNames {
		if strings.Contains(name, "-") {
			t.Errorf("%s is worded %q", code, name)
		}
	}
	for _, r := range riskRows {
		if riskRowNames[r] == "" {
			t.Errorf("no wording for %s", r)
		}
	}
	if got := lowerIfWord("Hemoglobin"); got != "hemoglobin" {
		t.Errorf("lowerIfWord(Hemoglobin) = %q", got)
	}
	if got := lowerIfWord("ALC"); got != "ALC" {
		t.Errorf("lowerIfWord(ALC) = %q", got)
	}
}
