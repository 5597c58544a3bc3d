package rules

import (
	"slices"
	"strings"
	"testing"
)

// Record builders mirroring FHIR resources.

func observation(id, code string, daysBack int) Observation {
	return Observation{ID: "Observation/" + id, Codes: loinc(code), Status: "final", Date: daysAgo(daysBack)}
}

func quantity(id, code string, daysBack int, v float64, unit string) Observation {
	o := observation(id, code, daysBack)
	o.Quantity = &Quantity{Value: v, Unit: unit}
	return o
}

func answer(id, code string, daysBack int, sct string) Observation {
	o := observation(id, code, daysBack)
	o.ValueCodes = snomed(sct)
	return o
}

func condition(id string, codes []Coding, status string) Condition {
	return Condition{ID: "Condition/" + id, Codes: codes, ClinicalStatus: status, VerificationStatus: "confirmed", Onset: daysAgo(400)}
}

func medication(id string, codes []Coding, status string) Medication {
	return Medication{ID: "MedicationRequest/" + id, ResourceType: "MedicationRequest", Status: status, Intent: "order", Codes: codes, Authored: daysAgo(100)}
}

func dailyMg(m Medication, mg float64) Medication {
	m.Dose = DoseFacts{DoseQuantity: &Quantity{Value: mg, Unit: "mg"}, Frequency: 1, Period: 1, PeriodUnit: "d"}
	return m
}

const (
	sctPositive      = "10828004"
	sctNegative      = "260385009"
	sctDetected      = "260373001"
	sctNotDetected   = "260415000"
	sctIndeterminate = "82334004"
)

// cleanRecord is a 40-year-old man with complete, normal screening: no
// order-time rule fires for either drug.
func cleanRecord() *Record {
	return &Record{
		Patient: &Patient{BirthDate: daysAgo(40*365 + 20), Gender: "male"},
		Observations: []Observation{
			answer("igra", "71773-6", 30, sctNegative),
			answer("hbsag", "5196-1", 30, sctNegative),
			answer("hbc", "16933-4", 30, sctNegative),
			answer("hcv", "13955-0", 30, sctNegative),
			quantity("alc", "731-0", 10, 1.8, "10*3/uL"),
			quantity("anc", "751-8", 10, 4.1, "10*3/uL"),
			quantity("hb", "718-7", 10, 14.2, "g/dL"),
			quantity("plt", "777-3", 10, 250, "10*3/uL"),
			quantity("alt", "1742-6", 10, 22, "U/L"),
			quantity("ldl", "13457-7", 30, 110, "mg/dL"),
			quantity("egfr", "98979-8", 30, 95, "mL/min/{1.73_m2}"),
			answer("smoke", "72166-2", 30, "266919005"), // never smoker
		},
		Medications:   []Medication{medication("cyclo-past", rx("3008"), "completed")},
		Immunizations: []Immunization{{ID: "Immunization/rzv", Codes: cvx("187"), Status: "completed", Date: daysAgo(200)}},
	}
}

func upaOrder(mg float64) Medication {
	return dailyMg(Medication{ID: "MedicationRequest/order-upa", ResourceType: "MedicationRequest", Status: "draft", Intent: "order",
		Codes: rx("2196092"), Text: "upadacitinib 24 HR Extended Release Oral Tablet"}, mg)
}

func abroOrder(mg float64) Medication {
	return dailyMg(Medication{ID: "MedicationRequest/order-abro", ResourceType: "MedicationRequest", Status: "draft", Intent: "order",
		Codes: rx("2591476"), Text: "abrocitinib Oral Tablet"}, mg)
}

// without removes the observations with the given ids.
func without(r *Record, ids ...string) {
	r.Observations = slices.DeleteFunc(r.Observations, func(o Observation) bool {
		return slices.Contains(ids, strings.TrimPrefix(o.ID, "Observation/"))
	})
}

func TestCleanRecordHasNoFindings(t *testing.T) {
	e := mustEngine(t, testKnowledge())
	for _, order := range []Medication{upaOrder(15), upaOrder(30), abroOrder(100), abroOrder(200)} {
		fs := e.EvaluateOrders(cleanRecord(), Session{Medications: []Medication{order}}, []Medication{order}, testNow)
		if len(fs) != 0 {
			t.Errorf("%s: unexpected findings %v", order.ID, codesOf(fs))
		}
	}
}

func TestEvaluateOrdersSkipsOtherOrders(t *testing.T) {
	e := mustEngine(t, testKnowledge())
	tofa := medication("tofa", rx("1357536"), "draft")
	if fs := e.EvaluateOrders(&Record{}, Session{}, []Medication{tofa, {}}, testNow); fs != nil {
		t.Errorf("findings for non-JAK orders: %v", codesOf(fs))
	}
	if fs := e.EvaluateOrders(nil, Session{}, []Medication{upaOrder(15)}, testNow); len(fs) == 0 {
		t.Error("nil record: want the screening findings, got none")
	}
}

type orderCase struct {
	name  string
	order Medication
	edit  func(r *Record, s *Session)
	want  []string // codes that must fire
	not   []string // codes that must not fire
	check func(t *testing.T, fs []Finding)
}

func runOrderCases(t *testing.T, k *Knowledge, cases []orderCase) {
	t.Helper()
	e := mustEngine(t, k)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := cleanRecord()
			s := Session{Medications: []Medication{tc.order}}
			if tc.edit != nil {
				tc.edit(r, &s)
			}
			fs := e.EvaluateOrders(r, s, []Medication{tc.order}, testNow)
			got := codesOf(fs)
			for _, w := range tc.want {
				if !slices.Contains(got, w) {
					t.Errorf("want %s, got %v", w, got)
				}
			}
			for _, n := range tc.not {
				if slices.Contains(got, n) {
					t.Errorf("do not want %s, got %v", n, got)
				}
			}
			for _, f := range fs {
				if f.OrderID != tc.order.ID || f.Drug == "" || f.Level == "" || f.Category == "" || f.Title == "" ||
					f.Action == "" || f.Citation.URL == "" || len(f.Evidence) == 0 {
					t.Errorf("%s: incomplete finding %+v", f.Code, f)
				}
			}
			if tc.check != nil {
				tc.check(t, fs)
			}
		})
	}
}

func wantFinding(t *testing.T, fs []Finding, code string) Finding {
	t.Helper()
	f, ok := findingOf(fs, code)
	if !ok {
		t.Fatalf("no %s in %v", code, codesOf(fs))
	}
	return f
}

func evidenceText(f Finding) string {
	var b strings.Builder
	for _, e := range f.Evidence {
		b.WriteString(e.Text + "\n")
	}
	return b.String()
}

func TestScreening(t *testing.T) {
	runOrderCases(t, testKnowledge(), []orderCase{
		{name: "no IGRA on record: TB screening missing, IGRA to order", order: upaOrder(15),
			edit: func(r *Record, s *Session) { without(r, "igra") }, want: []string{TBScreeningMissing},
			check: func(t *testing.T, fs []Finding) {
				f := wantFinding(t, fs, TBScreeningMissing)
				if f.Level != Warning || f.Category != CategoryScreening || len(f.Tests) != 1 || f.Tests[0].Code.Code != "71773-6" {
					t.Errorf("finding = %+v", f)
				}
			}},
		{name: "IGRA 13 months old is stale", order: upaOrder(15),
			edit: func(r *Record, s *Session) { r.Observations[0].Date = daysAgo(400) }, want: []string{TBScreeningMissing}},
		{name: "TST result read as negative by text counts", order: upaOrder(15),
			edit: func(r *Record, s *Session) {
				without(r, "igra")
				o := observation("tst", "39263-9", 20)
				o.ValueText = "Negative"
				r.Observations = append(r.Observations, o)
			}, not: []string{TBScreeningMissing}},
		{name: "indeterminate IGRA does not count as screening", order: upaOrder(15),
			edit: func(r *Record, s *Session) { r.Observations[0].ValueCodes = snomed(sctIndeterminate) },
			want: []string{TBScreeningMissing},
			check: func(t *testing.T, fs []Finding) {
				if ev := evidenceText(wantFinding(t, fs, TBScreeningMissing)); !strings.Contains(ev, "indeterminate") {
					t.Errorf("evidence does not say indeterminate: %q", ev)
				}
			}},
		{name: "unreadable IGRA does not count as screening", order: upaOrder(15),
			edit: func(r *Record, s *Session) { r.Observations[0].ValueCodes = nil }, want: []string{TBScreeningMissing}},
		{name: "preliminary IGRA is ignored", order: upaOrder(15),
			edit: func(r *Record, s *Session) { r.Observations[0].Status = "preliminary" }, want: []string{TBScreeningMissing}},
		{name: "IGRA dated in the future is ignored", order: upaOrder(15),
			edit: func(r *Record, s *Session) { r.Observations[0].Date = daysAgo(-3) }, want: []string{TBScreeningMissing}},
		{name: "IGRA negative by interpretation NEG counts", order: upaOrder(15),
			edit: func(r *Record, s *Session) {
				r.Observations[0].ValueCodes = nil
				r.Observations[0].Interpretation = []Coding{{System: systemInterpretation, Code: "NEG"}}
			}, not: []string{TBScreeningMissing}},
		{name: "observations unavailable: TB screening still missing, marked unchecked", order: upaOrder(15),
			edit: func(r *Record, s *Session) { r.Observations = nil; r.Unavailable = []string{DataObservations} },
			want: []string{TBScreeningMissing, HBVScreeningMissing, HCVScreeningMissing, CBCMissing, LiverEnzymesMissing, LipidsMissing},
			check: func(t *testing.T, fs []Finding) {
				if f := wantFinding(t, fs, TBScreeningMissing); !slices.Contains(f.Unchecked, DataObservations) {
					t.Errorf("Unchecked = %v", f.Unchecked)
				}
			}},
		{name: "IGRA being ordered in the session is said, finding kept", order: upaOrder(15),
			edit: func(r *Record, s *Session) { without(r, "igra"); s.Services = loinc("71773-6") }, want: []string{TBScreeningMissing},
			check: func(t *testing.T, fs []Finding) {
				if ev := evidenceText(wantFinding(t, fs, TBScreeningMissing)); !strings.Contains(ev, "being ordered") {
					t.Errorf("evidence = %q", ev)
				}
			}},
		{name: "no HBsAg: hepatitis B screening missing with HBsAg to order", order: abroOrder(100),
			edit: func(r *Record, s *Session) { without(r, "hbsag") }, want: []string{HBVScreeningMissing},
			check: func(t *testing.T, fs []Finding) {
				if f := wantFinding(t, fs, HBVScreeningMissing); f.Tests[0].Code.Code != "5196-1" {
					t.Errorf("tests = %+v", f.Tests)
				}
			}},
		{name: "no HCV antibody: hepatitis C screening missing", order: upaOrder(15),
			edit: func(r *Record, s *Session) { without(r, "hcv") }, want: []string{HCVScreeningMissing},
			check: func(t *testing.T, fs []Finding) {
				if f := wantFinding(t, fs, HCVScreeningMissing); f.Tests[0].Code.Code != "13955-0" {
					t.Errorf("tests = %+v", f.Tests)
				}
			}},
		{name: "HCV RNA not detected instead of antibody counts as screening", order: upaOrder(15),
			edit: func(r *Record, s *Session) {
				without(r, "hcv")
				r.Observations = append(r.Observations, answer("rna", "11259-9", 40, sctNotDetected))
			}, not: []string{HCVScreeningMissing, HCVActive, HCVAntibodyPositive}},
		{name: "no ALT or AST in 90 days", order: upaOrder(15),
			edit: func(r *Record, s *Session) { r.Observations[8].Date = daysAgo(120) }, want: []string{LiverEnzymesMissing},
			check: func(t *testing.T, fs []Finding) {
				f := wantFinding(t, fs, LiverEnzymesMissing)
				if len(f.Tests) != 2 || f.Tests[0].Code.Code != "1742-6" || f.Tests[1].Code.Code != "1920-8" {
					t.Errorf("tests = %+v", f.Tests)
				}
			}},
		{name: "AST alone counts for liver enzymes", order: upaOrder(15),
			edit: func(r *Record, s *Session) {
				without(r, "alt")
				r.Observations = append(r.Observations, quantity("ast", "1920-8", 5, 30, "U/L"))
			}, not: []string{LiverEnzymesMissing}},
		{name: "no lipid panel in 12 months", order: abroOrder(100),
			edit: func(r *Record, s *Session) { without(r, "ldl") }, want: []string{LipidsMissing},
			check: func(t *testing.T, fs []Finding) {
				if f := wantFinding(t, fs, LipidsMissing); f.Tests[0].Code.Code != "57698-3" {
					t.Errorf("tests = %+v", f.Tests)
				}
			}},
	})
}

func TestInfectionsAndHepatitis(t *testing.T) {
	runOrderCases(t, testKnowledge(), []orderCase{
		{name: "active pulmonary tuberculosis: critical", order: upaOrder(15),
			edit: func(r *Record, s *Session) {
				r.Conditions = append(r.Conditions, condition("tb", snomed("427099000"), "active"))
			},
			want: []string{TBActive},
			check: func(t *testing.T, fs []Finding) {
				if f := wantFinding(t, fs, TBActive); f.Level != Critical || f.Category != CategoryContraindication {
					t.Errorf("finding = %+v", f)
				}
			}},
		{name: "resolved tuberculosis is not active", order: upaOrder(15),
			edit: func(r *Record, s *Session) {
				r.Conditions = append(r.Conditions, condition("tb", snomed("427099000"), "resolved"))
			},
			not: []string{TBActive}},
		{name: "refuted tuberculosis does not count", order: upaOrder(15),
			edit: func(r *Record, s *Session) {
				c := condition("tb", snomed("427099000"), "active")
				c.VerificationStatus = "refuted"
				r.Conditions = append(r.Conditions, c)
			}, not: []string{TBActive}},
		{name: "positive IGRA without TB treatment: latent TB untreated", order: upaOrder(15),
			edit: func(r *Record, s *Session) { r.Observations[0].ValueCodes = snomed(sctPositive) },
			want: []string{TBLatentUntreated}, not: []string{TBScreeningMissing}},
		{name: "positive IGRA two years ago still counts", order: upaOrder(15),
			edit: func(r *Record, s *Session) {
				r.Observations = append(r.Observations, answer("igra-old", "71773-6", 700, sctPositive))
			}, want: []string{TBLatentUntreated}},
		{name: "positive IGRA with rifampin completed: treated", order: upaOrder(15),
			edit: func(r *Record, s *Session) {
				r.Observations[0].ValueCodes = snomed(sctPositive)
				r.Medications = append(r.Medications, medication("rif", rx("9384"), "completed"))
			}, not: []string{TBLatentUntreated}},
		{name: "latent TB diagnosis Z22.7 without treatment", order: abroOrder(100),
			edit: func(r *Record, s *Session) {
				r.Conditions = append(r.Conditions, condition("ltbi", icd("Z22.7"), "active"))
			},
			want: []string{TBLatentUntreated}},
		{name: "latent TB diagnosis, treatment stopped early: still untreated", order: abroOrder(100),
			edit: func(r *Record, s *Session) {
				r.Conditions = append(r.Conditions, condition("ltbi", icd("Z22.7"), "active"))
				r.Medications = append(r.Medications, medication("rif", rx("9384"), "stopped"))
			}, want: []string{TBLatentUntreated}},
		{name: "positive HBsAg: active hepatitis B", order: upaOrder(15),
			edit: func(r *Record, s *Session) { r.Observations[1].ValueCodes = snomed(sctPositive) },
			want: []string{HBVActive}, not: []string{HBVCoreAntibodyPositive}},
		{name: "HBV DNA viral load detected: active hepatitis B", order: upaOrder(15),
			edit: func(r *Record, s *Session) {
				r.Observations = append(r.Observations, quantity("dna", "42595-9", 60, 2300, "[IU]/mL"))
			}, want: []string{HBVActive}},
		{name: "chronic hepatitis B condition B18.1", order: upaOrder(15),
			edit: func(r *Record, s *Session) { r.Conditions = append(r.Conditions, condition("hbv", icd("B18.1"), "")) },
			want: []string{HBVActive}},
		{name: "old positive HBsAg, latest negative: not active", order: upaOrder(15),
			edit: func(r *Record, s *Session) {
				r.Observations = append(r.Observations, answer("hbsag-old", "5196-1", 900, sctPositive))
			}, not: []string{HBVActive}},
		{name: "HBsAg negative, anti-HBc positive: reactivation risk", order: abroOrder(100),
			edit: func(r *Record, s *Session) { r.Observations[2].ValueCodes = snomed(sctPositive) },
			want: []string{HBVCoreAntibodyPositive}, not: []string{HBVActive},
			check: func(t *testing.T, fs []Finding) {
				if f := wantFinding(t, fs, HBVCoreAntibodyPositive); f.Level != Warning {
					t.Errorf("level = %s", f.Level)
				}
			}},
		{name: "anti-HBc reactive by text", order: abroOrder(100),
			edit: func(r *Record, s *Session) {
				r.Observations[2].ValueCodes = nil
				r.Observations[2].ValueText = "REACTIVE"
			},
			want: []string{HBVCoreAntibodyPositive}},
		{name: "anti-HBc non-reactive by text", order: abroOrder(100),
			edit: func(r *Record, s *Session) {
				r.Observations[2].ValueCodes = nil
				r.Observations[2].ValueText = "Non-reactive"
			},
			not: []string{HBVCoreAntibodyPositive}},
		{name: "HCV antibody positive, no RNA", order: upaOrder(15),
			edit: func(r *Record, s *Session) { r.Observations[3].ValueCodes = snomed(sctPositive) },
			want: []string{HCVAntibodyPositive}, not: []string{HCVActive},
			check: func(t *testing.T, fs []Finding) {
				if f := wantFinding(t, fs, HCVAntibodyPositive); f.Tests[0].Code.Code != "11259-9" {
					t.Errorf("tests = %+v", f.Tests)
				}
			}},
		{name: "HCV antibody positive, RNA not detected afterwards: cleared", order: upaOrder(15),
			edit: func(r *Record, s *Session) {
				r.Observations[3].ValueCodes = snomed(sctPositive)
				r.Observations = append(r.Observations, answer("rna", "11259-9", 10, sctNotDetected))
			}, not: []string{HCVAntibodyPositive, HCVActive}},
		{name: "HCV RNA detected: active hepatitis C", order: upaOrder(15),
			edit: func(r *Record, s *Session) {
				r.Observations[3].ValueCodes = snomed(sctPositive)
				r.Observations = append(r.Observations, answer("rna", "11259-9", 10, sctDetected))
			}, want: []string{HCVActive}, not: []string{HCVAntibodyPositive}},
		{name: "chronic hepatitis C condition", order: abroOrder(100),
			edit: func(r *Record, s *Session) {
				r.Conditions = append(r.Conditions, condition("hcv", snomed("128302006"), "active"))
			},
			want: []string{HCVActive}},
		{name: "sepsis: serious infection active", order: upaOrder(15),
			edit: func(r *Record, s *Session) {
				r.Conditions = append(r.Conditions, condition("sepsis", snomed("91302008"), "active"))
			},
			want: []string{SeriousInfectionActive}},
		{name: "pneumonia resolved: not active", order: upaOrder(15),
			edit: func(r *Record, s *Session) {
				r.Conditions = append(r.Conditions, condition("pna", snomed("233604007"), "resolved"))
			},
			not: []string{SeriousInfectionActive}},
		{name: "herpes zoster with abatement and no status: not active", order: upaOrder(15),
			edit: func(r *Record, s *Session) {
				c := condition("hz", snomed("4740000"), "")
				c.Abated = true
				r.Conditions = append(r.Conditions, c)
			}, not: []string{SeriousInfectionActive}},
		{name: "cirrhosis: possible severe hepatic impairment", order: abroOrder(100),
			edit: func(r *Record, s *Session) {
				r.Conditions = append(r.Conditions, condition("cirr", snomed("19943007"), "active"))
			},
			want: []string{SevereHepaticImpairment}},
	})
}

func TestBloodCounts(t *testing.T) {
	runOrderCases(t, testKnowledge(), []orderCase{
		{name: "ANC 0.8 ×10³/µL: neutropenia, do not start", order: abroOrder(100),
			edit: func(r *Record, s *Session) { r.Observations[5].Quantity.Value = 0.8 }, want: []string{Neutropenia},
			check: func(t *testing.T, fs []Finding) {
				f := wantFinding(t, fs, Neutropenia)
				ev := evidenceText(f)
				if f.Level != Critical || f.Category != CategoryLabSafety || !strings.Contains(ev, "0.8 ×10³/µL") ||
					!strings.Contains(ev, "800 cells/mm³") || !strings.Contains(ev, "below 1,000 cells/mm³") || f.Evidence[0].ResourceID != "Observation/anc" {
					t.Errorf("finding = %+v", f)
				}
			}},
		{name: "ANC 1.0 ×10³/µL is not below 1,000", order: abroOrder(100),
			edit: func(r *Record, s *Session) { r.Observations[5].Quantity.Value = 1.0 }, not: []string{Neutropenia}},
		{name: "ALC 0.4 ×10⁹/L: lymphopenia", order: upaOrder(15),
			edit: func(r *Record, s *Session) { r.Observations[4].Quantity = &Quantity{Value: 0.4, Unit: "10*9/L"} },
			want: []string{Lymphopenia}},
		{name: "ALC 450 /uL: lymphopenia", order: upaOrder(15),
			edit: func(r *Record, s *Session) { r.Observations[4].Quantity = &Quantity{Value: 450, Unit: "/uL"} },
			want: []string{Lymphopenia}},
		{name: "hemoglobin 75 g/L: anemia", order: upaOrder(15),
			edit: func(r *Record, s *Session) { r.Observations[6].Quantity = &Quantity{Value: 75, Unit: "g/L"} },
			want: []string{Anemia}},
		{name: "hemoglobin 85 g/L is not anemia", order: upaOrder(15),
			edit: func(r *Record, s *Session) { r.Observations[6].Quantity = &Quantity{Value: 85, Unit: "g/L"} },
			not:  []string{Anemia}},
		{name: "hemoglobin 4.5 mmol/L: anemia (7.2 g/dL)", order: upaOrder(15),
			edit: func(r *Record, s *Session) {
				r.Observations[6].Codes = loinc("59260-0")
				r.Observations[6].Quantity = &Quantity{Value: 4.5, Unit: "mmol/L"}
			}, want: []string{Anemia}},
		{name: "hemoglobin without unit is not used: CBC missing", order: upaOrder(15),
			edit: func(r *Record, s *Session) { r.Observations[6].Quantity = &Quantity{Value: 7} },
			want: []string{CBCMissing}, not: []string{Anemia},
			check: func(t *testing.T, fs []Finding) {
				f := wantFinding(t, fs, CBCMissing)
				if !strings.Contains(evidenceText(f), "no unit, so it was not used") || f.Tests[0].Code.Code != "57021-8" {
					t.Errorf("finding = %+v", f)
				}
			}},
		{name: "latest ANC without unit: an older usable ANC does not stand for it", order: upaOrder(15),
			edit: func(r *Record, s *Session) {
				r.Observations = append(r.Observations, Observation{ID: "Observation/anc-new", Codes: loinc("751-8"), Status: "final", Date: daysAgo(2), Quantity: &Quantity{Value: 0.5}})
			}, want: []string{CBCMissing}, not: []string{Neutropenia}},
		{name: "CBC 100 days old is stale", order: upaOrder(15),
			edit: func(r *Record, s *Session) {
				for i := 4; i <= 7; i++ {
					r.Observations[i].Date = daysAgo(100)
					r.Observations[i].Quantity.Value = 0.1
				}
			}, want: []string{CBCMissing}, not: []string{Lymphopenia, Neutropenia, Anemia}},
		{name: "preliminary low ANC is ignored", order: upaOrder(15),
			edit: func(r *Record, s *Session) {
				o := quantity("anc-prelim", "751-8", 1, 0.2, "10*3/uL")
				o.Status = "preliminary"
				r.Observations = append(r.Observations, o)
			}, not: []string{Neutropenia}},
		{name: "the latest ANC decides, not the lowest", order: upaOrder(15),
			edit: func(r *Record, s *Session) {
				r.Observations = append(r.Observations, quantity("anc-old", "751-8", 40, 0.5, "10*3/uL"))
			}, not: []string{Neutropenia}},
		{name: "abrocitinib without platelets: CBC missing", order: abroOrder(100),
			edit: func(r *Record, s *Session) { without(r, "plt") }, want: []string{CBCMissing}},
		{name: "upadacitinib without platelets: CBC complete", order: upaOrder(15),
			edit: func(r *Record, s *Session) { without(r, "plt") }, not: []string{CBCMissing}},
		{name: "abrocitinib, platelets 120 ×10³/µL: thrombocytopenia", order: abroOrder(100),
			edit: func(r *Record, s *Session) { r.Observations[7].Quantity.Value = 120 }, want: []string{Thrombocytopenia}},
		{name: "upadacitinib has no platelet threshold", order: upaOrder(15),
			edit: func(r *Record, s *Session) { r.Observations[7].Quantity.Value = 120 }, not: []string{Thrombocytopenia}},
		{name: "counts from CBC panel components", order: upaOrder(15),
			edit: func(r *Record, s *Session) {
				without(r, "alc", "anc", "hb")
				r.Observations = append(r.Observations, Observation{ID: "Observation/cbc", Codes: loinc("57021-8"), Status: "final", Date: daysAgo(3),
					Components: []Observation{
						{Codes: loinc("731-0"), Quantity: &Quantity{Value: 0.3, Unit: "10*3/uL"}},
						{Codes: loinc("751-8"), Quantity: &Quantity{Value: 3, Unit: "10*3/uL"}},
						{Codes: loinc("718-7"), Quantity: &Quantity{Value: 13, Unit: "g/dL"}},
					}})
			}, want: []string{Lymphopenia}, not: []string{CBCMissing}},
	})
}

func TestPregnancyAndVaccines(t *testing.T) {
	woman := func(age int) func(r *Record, s *Session) {
		return func(r *Record, s *Session) { r.Patient = &Patient{BirthDate: daysAgo(age*365 + 30), Gender: "female"} }
	}
	then := func(fs ...func(r *Record, s *Session)) func(r *Record, s *Session) {
		return func(r *Record, s *Session) {
			for _, f := range fs {
				f(r, s)
			}
		}
	}
	runOrderCases(t, testKnowledge(), []orderCase{
		{name: "woman aged 30 without pregnancy test", order: upaOrder(15), edit: woman(30), want: []string{PregnancyTestMissing},
			check: func(t *testing.T, fs []Finding) {
				f := wantFinding(t, fs, PregnancyTestMissing)
				if len(f.Tests) != 2 || f.Tests[0].Code.Code != "2106-3" || f.Tests[1].Code.Code != "2118-8" {
					t.Errorf("tests = %+v", f.Tests)
				}
			}},
		{name: "woman aged 55: no pregnancy test needed", order: upaOrder(15), edit: woman(55), not: []string{PregnancyTestMissing}},
		{name: "woman of unknown age: pregnancy test asked (fail safe)", order: upaOrder(15),
			edit: func(r *Record, s *Session) { r.Patient = &Patient{Gender: "female"} }, want: []string{PregnancyTestMissing}},
		{name: "girl aged 11: no pregnancy test (and not approved)", order: upaOrder(15), edit: woman(11),
			want: []string{AgeNotApproved}, not: []string{PregnancyTestMissing}},
		{name: "man aged 30: no pregnancy test", order: upaOrder(15), not: []string{PregnancyTestMissing}},
		{name: "woman with negative test 10 days ago", order: upaOrder(15),
			edit: then(woman(30), func(r *Record, s *Session) {
				r.Observations = append(r.Observations, answer("hcg", "2106-3", 10, sctNegative))
			}), not: []string{PregnancyTestMissing, Pregnancy}},
		{name: "woman with negative test 40 days ago: stale", order: upaOrder(15),
			edit: then(woman(30), func(r *Record, s *Session) {
				r.Observations = append(r.Observations, answer("hcg", "2106-3", 40, sctNegative))
			}), want: []string{PregnancyTestMissing}},
		{name: "positive pregnancy test 5 days ago: pregnancy", order: abroOrder(100),
			edit: then(woman(30), func(r *Record, s *Session) {
				r.Observations = append(r.Observations, answer("hcg", "2118-8", 5, sctPositive))
			}), want: []string{Pregnancy}, not: []string{PregnancyTestMissing}},
		{name: "pregnancy condition: pregnancy, no test demanded", order: upaOrder(15),
			edit: then(woman(30), func(r *Record, s *Session) {
				c := condition("preg", snomed("77386006"), "active")
				c.Onset = daysAgo(60)
				r.Conditions = append(r.Conditions, c)
			}), want: []string{Pregnancy}, not: []string{PregnancyTestMissing}},
		{name: "pregnancy condition with onset 400 days ago, still active: ended, test demanded", order: upaOrder(15),
			edit: then(woman(30), func(r *Record, s *Session) {
				r.Conditions = append(r.Conditions, condition("preg", snomed("77386006"), "active"))
			}), want: []string{PregnancyTestMissing}, not: []string{Pregnancy}},
		{name: "resolved pregnancy is not pregnancy", order: upaOrder(15),
			edit: then(woman(30), func(r *Record, s *Session) {
				r.Conditions = append(r.Conditions, condition("preg", snomed("77386006"), "resolved"))
			}), not: []string{Pregnancy}},
		{name: "breastfeeding mother", order: upaOrder(15),
			edit: then(woman(30), func(r *Record, s *Session) {
				r.Conditions = append(r.Conditions, condition("bf", snomed("866041003"), "active"))
			}), want: []string{Breastfeeding}},
		{name: "man aged 60 without zoster vaccine", order: upaOrder(15),
			edit: func(r *Record, s *Session) { r.Patient.BirthDate, r.Immunizations = daysAgo(60*365+30), nil }, want: []string{ZosterVaccineMissing},
			check: func(t *testing.T, fs []Finding) {
				if f := wantFinding(t, fs, ZosterVaccineMissing); f.Tests[0].Code != (Coding{System: SystemCVX, Code: "187", Display: "zoster vaccine recombinant"}) {
					t.Errorf("tests = %+v", f.Tests)
				}
			}},
		{name: "man aged 60 with Shingrix", order: upaOrder(15),
			edit: func(r *Record, s *Session) {
				r.Patient.BirthDate = daysAgo(60*365 + 30)
				r.Immunizations = []Immunization{{ID: "Immunization/rzv", Codes: cvx("187"), Status: "completed", Date: daysAgo(500)}}
			}, not: []string{ZosterVaccineMissing}},
		{name: "man aged 60, Shingrix not done: still missing", order: upaOrder(15),
			edit: func(r *Record, s *Session) {
				r.Patient.BirthDate = daysAgo(60*365 + 30)
				r.Immunizations = []Immunization{{ID: "Immunization/rzv", Codes: cvx("187"), Status: "not-done", Date: daysAgo(500)}}
			}, want: []string{ZosterVaccineMissing}},
		{name: "MMR 10 days ago: live vaccine recent", order: upaOrder(15),
			edit: func(r *Record, s *Session) {
				r.Immunizations = []Immunization{{ID: "Immunization/mmr", Codes: cvx("03"), Status: "completed", Date: daysAgo(10)}}
			}, want: []string{LiveVaccineRecent}},
		{name: "varicella vaccine 60 days ago: not recent", order: upaOrder(15),
			edit: func(r *Record, s *Session) {
				r.Immunizations = []Immunization{{ID: "Immunization/var", Codes: cvx("21"), Status: "completed", Date: daysAgo(60)}}
			}, not: []string{LiveVaccineRecent}},
		{name: "immunizations unavailable: zoster missing marked unchecked", order: upaOrder(15),
			edit: func(r *Record, s *Session) {
				r.Patient.BirthDate, r.Immunizations = daysAgo(60*365+30), nil
				r.Unavailable = []string{DataImmunizations}
			}, want: []string{ZosterVaccineMissing},
			check: func(t *testing.T, fs []Finding) {
				if f := wantFinding(t, fs, ZosterVaccineMissing); !slices.Equal(f.Unchecked, []string{DataImmunizations}) {
					t.Errorf("Unchecked = %v", f.Unchecked)
				}
			}},
	})
}

func TestRenal(t *testing.T) {
	egfr := func(v float64) func(r *Record, s *Session) {
		return func(r *Record, s *Session) { r.Observations[10].Quantity.Value = v }
	}
	runOrderCases(t, testKnowledge(), []orderCase{
		{name: "abrocitinib, eGFR 45: 50 mg", order: abroOrder(100), edit: egfr(45), want: []string{RenalImpairment},
			check: func(t *testing.T, fs []Finding) {
				f := wantFinding(t, fs, RenalImpairment)
				if f.Level != Warning || f.SuggestedDailyMg != 50 || f.Category != CategoryDosing {
					t.Errorf("finding = %+v", f)
				}
			}},
		{name: "abrocitinib, eGFR 25: critical", order: abroOrder(100), edit: egfr(25), want: []string{RenalImpairment},
			check: func(t *testing.T, fs []Finding) {
				if f := wantFinding(t, fs, RenalImpairment); f.Level != Critical {
					t.Errorf("level = %s", f.Level)
				}
			}},
		{name: "upadacitinib, eGFR 45: no renal finding", order: upaOrder(15), edit: egfr(45), not: []string{RenalImpairment}},
		{name: "upadacitinib, eGFR 25: 15 mg, unverified (grade C)", order: upaOrder(30), edit: egfr(25), want: []string{RenalImpairment},
			check: func(t *testing.T, fs []Finding) {
				f := wantFinding(t, fs, RenalImpairment)
				if f.Level != Warning || f.SuggestedDailyMg != 15 || !f.Unverified {
					t.Errorf("finding = %+v", f)
				}
			}},
		{name: "eGFR without unit is not used, but said (no dose)", order: abroOrder(100),
			edit: func(r *Record, s *Session) { r.Observations[10].Quantity = &Quantity{Value: 20} }, want: []string{RenalImpairment}},
		{name: "no eGFR, ESRD on the problem list: abrocitinib critical", order: abroOrder(100),
			edit: func(r *Record, s *Session) {
				without(r, "egfr")
				r.Conditions = append(r.Conditions, condition("esrd", snomed("46177005"), "active"))
			}, want: []string{RenalImpairment},
			check: func(t *testing.T, fs []Finding) {
				if f := wantFinding(t, fs, RenalImpairment); f.Level != Critical {
					t.Errorf("level = %s", f.Level)
				}
			}},
		{name: "eGFR 95 outweighs an old CKD 5 code", order: abroOrder(100),
			edit: func(r *Record, s *Session) {
				r.Conditions = append(r.Conditions, condition("ckd", icd("N18.5"), "active"))
			},
			not: []string{RenalImpairment}},
	})
}

func TestCombinationsAndInteractions(t *testing.T) {
	addMed := func(m Medication) func(r *Record, s *Session) {
		return func(r *Record, s *Session) { r.Medications = append(r.Medications, m) }
	}
	runOrderCases(t, testKnowledge(), []orderCase{
		{name: "active tofacitinib: combination JAK critical", order: upaOrder(15),
			edit: addMed(medication("tofa", rx("1357536"), "active")), want: []string{CombinationJAK},
			check: func(t *testing.T, fs []Finding) {
				if f := wantFinding(t, fs, CombinationJAK); f.Level != Critical || f.Category != CategoryContraindication {
					t.Errorf("finding = %+v", f)
				}
			}},
		{name: "stopped tofacitinib: no combination", order: upaOrder(15),
			edit: addMed(medication("tofa", rx("1357536"), "stopped")), not: []string{CombinationJAK}},
		{name: "abrocitinib ordered in the same session as upadacitinib", order: upaOrder(15),
			edit: func(r *Record, s *Session) { s.Medications = append(s.Medications, abroOrder(100)) }, want: []string{CombinationJAK}},
		{name: "active abrocitinib on record while ordering upadacitinib", order: upaOrder(15),
			edit: addMed(medication("abro", rx("2591476"), "active")), want: []string{CombinationJAK}},
		{name: "renewal of active upadacitinib is not a combination", order: upaOrder(15),
			edit: addMed(medication("upa-old", rx("2196092"), "active")), not: []string{CombinationJAK}},
		{name: "active adalimumab: combination biologic", order: abroOrder(100),
			edit: addMed(medication("ada", rx("327361"), "active")), want: []string{CombinationBiologic}},
		{name: "biologic graded U is flagged unverified", order: abroOrder(100),
			edit: addMed(medication("ada", rx("327361"), "active")), want: []string{CombinationBiologic}},
		{name: "active azathioprine: combination immunosuppressant", order: upaOrder(15),
			edit: addMed(medication("aza", rx("1256"), "on-hold")), want: []string{CombinationImmunosuppressant}},
		{name: "completed cyclosporine is prior therapy, not a combination", order: upaOrder(15),
			not: []string{CombinationImmunosuppressant, NoPriorSystemicTherapy}},
		{name: "abrocitinib with clopidogrel: contraindicated", order: abroOrder(100),
			edit: addMed(medication("clop", rx("32968"), "active")), want: []string{AntiplateletAbrocitinib},
			check: func(t *testing.T, fs []Finding) {
				if f := wantFinding(t, fs, AntiplateletAbrocitinib); f.Level != Critical || f.Category != CategoryContraindication {
					t.Errorf("finding = %+v", f)
				}
			}},
		{name: "upadacitinib with clopidogrel: no antiplatelet finding", order: upaOrder(15),
			edit: addMed(medication("clop", rx("32968"), "active")), not: []string{AntiplateletAbrocitinib}},
		{name: "abrocitinib with aspirin 81 mg daily: allowed", order: abroOrder(100),
			edit: addMed(dailyMg(medication("asa", rx("243670"), "active"), 81)), not: []string{AntiplateletAbrocitinib}},
		{name: "abrocitinib with aspirin 325 mg daily: contraindicated", order: abroOrder(100),
			edit: addMed(dailyMg(medication("asa", rx("212033"), "active"), 325)), want: []string{AntiplateletAbrocitinib},
			check: func(t *testing.T, fs []Finding) {
				if ev := evidenceText(wantFinding(t, fs, AntiplateletAbrocitinib)); !strings.Contains(ev, "325 mg/day") {
					t.Errorf("evidence = %q", ev)
				}
			}},
		{name: "abrocitinib with aspirin of unknown dose: flagged, saying so", order: abroOrder(100),
			edit: addMed(medication("asa", rx("1191"), "active")), want: []string{AntiplateletAbrocitinib},
			check: func(t *testing.T, fs []Finding) {
				if ev := evidenceText(wantFinding(t, fs, AntiplateletAbrocitinib)); !strings.Contains(ev, "unknown daily dose") {
					t.Errorf("evidence = %q", ev)
				}
			}},
		{name: "aspirin/dipyridamole is not low-dose aspirin", order: abroOrder(100),
			edit: addMed(dailyMg(medication("asa-dip", join(rx("226716"), rx("1191")), "active"), 50)), want: []string{AntiplateletAbrocitinib}},
		{name: "upadacitinib with clarithromycin: 15 mg", order: upaOrder(30),
			edit: addMed(medication("clari", rx("21212"), "active")), want: []string{CYPInteraction},
			check: func(t *testing.T, fs []Finding) {
				if f := wantFinding(t, fs, CYPInteraction); f.SuggestedDailyMg != 15 || f.Unverified || f.Category != CategoryInteraction {
					t.Errorf("finding = %+v", f)
				}
			}},
		{name: "upadacitinib with rifampin: avoid, unverified (grade C)", order: upaOrder(15),
			edit: addMed(medication("rif", rx("9384"), "active")), want: []string{CYPInteraction},
			check: func(t *testing.T, fs []Finding) {
				if f := wantFinding(t, fs, CYPInteraction); f.SuggestedDailyMg != 0 || !f.Unverified {
					t.Errorf("finding = %+v", f)
				}
			}},
		{name: "abrocitinib with fluoxetine: 50 mg", order: abroOrder(100),
			edit: addMed(medication("flx", rx("4493"), "active")), want: []string{CYPInteraction},
			check: func(t *testing.T, fs []Finding) {
				if f := wantFinding(t, fs, CYPInteraction); f.SuggestedDailyMg != 50 {
					t.Errorf("finding = %+v", f)
				}
			}},
		{name: "abrocitinib with fluconazole: avoid", order: abroOrder(100),
			edit: addMed(medication("flu", rx("4450"), "active")), want: []string{CYPInteraction}},
		{name: "abrocitinib with clarithromycin: no CYP finding", order: abroOrder(100),
			edit: addMed(medication("clari", rx("21212"), "active")), not: []string{CYPInteraction}},
		{name: "upadacitinib with fluoxetine: no CYP finding", order: upaOrder(15),
			edit: addMed(medication("flx", rx("4493"), "active")), not: []string{CYPInteraction}},
		{name: "clarithromycin ordered in the same session", order: upaOrder(30),
			edit: func(r *Record, s *Session) {
				s.Medications = append(s.Medications, medication("clari", rx("21212"), "draft"))
			},
			want: []string{CYPInteraction}},
		{name: "medications unavailable: no-prior-therapy fires unchecked", order: upaOrder(15),
			edit: func(r *Record, s *Session) { r.Medications = nil; r.Unavailable = []string{DataMedications} },
			want: []string{NoPriorSystemicTherapy},
			check: func(t *testing.T, fs []Finding) {
				f := wantFinding(t, fs, NoPriorSystemicTherapy)
				if f.Level != Info || f.Category != CategoryIndication || !slices.Equal(f.Unchecked, []string{DataMedications}) {
					t.Errorf("finding = %+v", f)
				}
			}},
		{name: "no prior systemic therapy", order: abroOrder(100),
			edit: func(r *Record, s *Session) { r.Medications = nil }, want: []string{NoPriorSystemicTherapy}},
		{name: "methotrexate stopped counts as prior therapy", order: abroOrder(100),
			edit: func(r *Record, s *Session) { r.Medications = []Medication{medication("mtx", rx("6851"), "stopped")} },
			not:  []string{NoPriorSystemicTherapy}},
	})
}

func TestUnverifiedCodes(t *testing.T) {
	k := testKnowledge()
	markUnverified(t, k, VSBiologics, rx("327361")[0])
	runOrderCases(t, k, []orderCase{
		{name: "adalimumab code graded U: combination biologic flagged unverified", order: abroOrder(100),
			edit: func(r *Record, s *Session) {
				r.Medications = append(r.Medications, medication("ada", rx("327361"), "active"))
			},
			want: []string{CombinationBiologic},
			check: func(t *testing.T, fs []Finding) {
				if f := wantFinding(t, fs, CombinationBiologic); !f.Unverified {
					t.Error("not flagged unverified")
				}
			}},
		{name: "etanercept code graded A: not flagged", order: abroOrder(100),
			edit: func(r *Record, s *Session) {
				r.Medications = append(r.Medications, medication("eta", rx("214555"), "active"))
			},
			want: []string{CombinationBiologic},
			check: func(t *testing.T, fs []Finding) {
				if f := wantFinding(t, fs, CombinationBiologic); f.Unverified {
					t.Error("flagged unverified")
				}
			}},
	})
}

func TestRiskFactorsAndDose(t *testing.T) {
	aged := func(age int) func(r *Record, s *Session) {
		return func(r *Record, s *Session) { r.Patient.BirthDate = daysAgo(age*365 + 30) }
	}
	addCond := func(c Condition) func(r *Record, s *Session) {
		return func(r *Record, s *Session) { r.Conditions = append(r.Conditions, c) }
	}
	both := func(fs ...func(r *Record, s *Session)) func(r *Record, s *Session) {
		return func(r *Record, s *Session) {
			for _, f := range fs {
				f(r, s)
			}
		}
	}
	smoking := func(sct string) func(r *Record, s *Session) {
		return func(r *Record, s *Session) { r.Observations[11].ValueCodes = snomed(sct) }
	}
	runOrderCases(t, testKnowledge(), []orderCase{
		{name: "aged 55 with hypertension: cardiovascular risk", order: upaOrder(15),
			edit: both(aged(55), addCond(condition("htn", icd("I10"), "active"))), want: []string{CardiovascularRisk}},
		{name: "aged 45 with hypertension: no cardiovascular-risk row", order: upaOrder(15),
			edit: addCond(condition("htn", icd("I10"), "active")), not: []string{CardiovascularRisk}},
		{name: "aged 55 with no risk factor", order: upaOrder(15), edit: aged(55), not: []string{CardiovascularRisk}},
		{name: "aged 55, current smoker: cardiovascular risk and smoker", order: upaOrder(15),
			edit: both(aged(55), smoking("449868002")), want: []string{CardiovascularRisk, Smoker}},
		{name: "aged 55, former smoker: smoker only", order: upaOrder(15),
			edit: both(aged(55), smoking("8517006")), want: []string{Smoker}, not: []string{CardiovascularRisk}},
		{name: "never smoker: no smoker finding", order: upaOrder(15), not: []string{Smoker}},
		{name: "history of nicotine dependence Z87.891: smoker", order: upaOrder(15),
			edit: addCond(condition("nic", icd("Z87.891"), "resolved")), want: []string{Smoker}},
		{name: "old myocardial infarction I25.2: MACE history", order: upaOrder(15),
			edit: addCond(condition("mi", icd("I25.2"), "inactive")), want: []string{MACEHistory}},
		{name: "resolved stroke still counts as history", order: abroOrder(100),
			edit: addCond(condition("cva", snomed("230690007"), "resolved")), want: []string{MACEHistory}},
		{name: "entered-in-error MI does not count", order: abroOrder(100),
			edit: func(r *Record, s *Session) {
				c := condition("mi", snomed("22298006"), "active")
				c.VerificationStatus = "entered-in-error"
				r.Conditions = append(r.Conditions, c)
			}, not: []string{MACEHistory}},
		{name: "past DVT: VTE risk", order: upaOrder(15),
			edit: addCond(condition("dvt", snomed("128053003"), "resolved")), want: []string{VTERisk}},
		{name: "factor V Leiden: VTE risk", order: upaOrder(15),
			edit: addCond(condition("fvl", icd("D68.51"), "active")), want: []string{VTERisk}},
		{name: "past lung cancer: malignancy", order: upaOrder(15),
			edit: addCond(condition("lung", snomed("93880001"), "remission")), want: []string{Malignancy}},
		{name: "basal cell carcinoma only: no malignancy finding", order: upaOrder(15),
			edit: addCond(condition("bcc", snomed("254701007"), "active")), not: []string{Malignancy}},
		{name: "upadacitinib 30 mg with past DVT: lower dose 15 mg", order: upaOrder(30),
			edit: addCond(condition("dvt", snomed("128053003"), "resolved")), want: []string{VTERisk, LowerDoseRecommended},
			check: func(t *testing.T, fs []Finding) {
				f := wantFinding(t, fs, LowerDoseRecommended)
				if f.SuggestedDailyMg != 15 || f.Category != CategoryRiskFactors || f.Level != Warning {
					t.Errorf("finding = %+v", f)
				}
			}},
		{name: "upadacitinib 15 mg with past DVT: already the lower dose", order: upaOrder(15),
			edit: addCond(condition("dvt", snomed("128053003"), "resolved")), want: []string{VTERisk}, not: []string{LowerDoseRecommended}},
		{name: "abrocitinib 200 mg, smoker: lower dose 100 mg", order: abroOrder(200),
			edit: smoking("449868002"), want: []string{LowerDoseRecommended},
			check: func(t *testing.T, fs []Finding) {
				if f := wantFinding(t, fs, LowerDoseRecommended); f.SuggestedDailyMg != 100 {
					t.Errorf("finding = %+v", f)
				}
			}},
		{name: "abrocitinib 200 mg without risk factors: no lower dose", order: abroOrder(200), not: []string{LowerDoseRecommended}},
		{name: "upadacitinib 30 mg aged 70: lower dose for age", order: upaOrder(30),
			edit: func(r *Record, s *Session) {
				aged(70)(r, s)
				r.Immunizations = []Immunization{{ID: "Immunization/rzv", Codes: cvx("187"), Status: "completed", Date: daysAgo(300)}}
			}, want: []string{LowerDoseRecommended}, not: []string{CardiovascularRisk}},
		{name: "abrocitinib 200 mg aged 70: no age rule", order: abroOrder(200),
			edit: func(r *Record, s *Session) {
				aged(70)(r, s)
				r.Immunizations = []Immunization{{ID: "Immunization/rzv", Codes: cvx("187"), Status: "completed", Date: daysAgo(300)}}
			}, not: []string{LowerDoseRecommended}},
		{name: "unknown dose with a risk factor: no lower-dose finding, risk card says dose unknown",
			order: Medication{ID: "MedicationRequest/upa-nodose", Codes: rx("2196092"), Status: "draft"},
			edit:  addCond(condition("dvt", snomed("128053003"), "resolved")), want: []string{VTERisk}, not: []string{LowerDoseRecommended},
			check: func(t *testing.T, fs []Finding) {
				if ev := evidenceText(wantFinding(t, fs, VTERisk)); !strings.Contains(ev, "dose could not be determined") {
					t.Errorf("evidence = %q", ev)
				}
			}},
		{name: "upadacitinib 45 mg: above label", order: upaOrder(45), want: []string{DoseAboveLabel},
			check: func(t *testing.T, fs []Finding) {
				f := wantFinding(t, fs, DoseAboveLabel)
				if f.SuggestedDailyMg != 30 || f.Category != CategoryDosing {
					t.Errorf("finding = %+v", f)
				}
			}},
		{name: "upadacitinib 30 mg: within label", order: upaOrder(30), not: []string{DoseAboveLabel}},
		{name: "abrocitinib 400 mg: above label", order: abroOrder(400), want: []string{DoseAboveLabel}},
		{name: "child aged 10: age not approved", order: abroOrder(100), edit: aged(10), want: []string{AgeNotApproved},
			check: func(t *testing.T, fs []Finding) {
				if f := wantFinding(t, fs, AgeNotApproved); f.Level != Critical {
					t.Errorf("level = %s", f.Level)
				}
			}},
		{name: "adolescent aged 12: approved", order: abroOrder(100), edit: aged(12), not: []string{AgeNotApproved}},
		{name: "order recognised by text: evidence says so",
			order: dailyMg(Medication{ID: "MedicationRequest/rinvoq-text", Text: "Rinvoq 45 mg", Status: "draft"}, 45),
			want:  []string{DoseAboveLabel},
			check: func(t *testing.T, fs []Finding) {
				if ev := evidenceText(wantFinding(t, fs, DoseAboveLabel)); !strings.Contains(ev, "by its name") {
					t.Errorf("evidence = %q", ev)
				}
			}},
	})
}

// TestIndexOncePerCall checks a large record (thousands of observations)
// is evaluated quickly enough for a hook call.
func TestLargeRecord(t *testing.T) {
	r := cleanRecord()
	for i := range 5000 {
		r.Observations = append(r.Observations, quantity("noise", "2345-7", i%2000, 100, "mg/dL"))
	}
	e := mustEngine(t, testKnowledge())
	orders := []Medication{upaOrder(30), abroOrder(200)}
	if fs := e.EvaluateOrders(r, Session{Medications: orders}, orders, testNow); len(codesOf(fs)) != 2 {
		t.Errorf("findings = %v, want combination-jak twice", codesOf(fs))
	}
}

// BenchmarkEvaluateOrders measures one order-sign call on a record of
// 5,000 observations, 500 conditions and 200 medications.
func BenchmarkEvaluateOrders(b *testing.B) {
	k, err := LoadKnowledge(nil)
	if err != nil || len(k.Codes(VSTBTest)) == 0 {
		k = testKnowledge()
	}
	e, err := NewEngine(k, DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	r := cleanRecord()
	for i := range 5000 {
		r.Observations = append(r.Observations, quantity("noise", []string{"2345-7", "751-8", "718-7", "13457-7"}[i%4], i%2000, 100, "mg/dL"))
	}
	for range 500 {
		r.Conditions = append(r.Conditions, condition("c", icd("J45.909"), "active"), condition("m", icd("C50.911"), "resolved"))
	}
	for range 200 {
		r.Medications = append(r.Medications, medication("m", rx("197361"), "active"))
	}
	orders := []Medication{upaOrder(30), abroOrder(200)}
	b.ResetTimer()
	for range b.N {
		e.EvaluateOrders(r, Session{Medications: orders}, orders, testNow)
	}
}

func TestEvidenceIsCapped(t *testing.T) {
	r := cleanRecord()
	for range 40 {
		r.Conditions = append(r.Conditions, condition("dvt", snomed("128053003"), "resolved"))
	}
	e := mustEngine(t, testKnowledge())
	fs := e.EvaluateOrders(r, Session{}, []Medication{upaOrder(15)}, testNow)
	f := wantFinding(t, fs, VTERisk)
	if len(f.Evidence) != maxEvidence || !strings.Contains(f.Evidence[maxEvidence-1].Text, "35 more") {
		t.Errorf("evidence = %d lines, last %q", len(f.Evidence), f.Evidence[len(f.Evidence)-1].Text)
	}
}

func TestUnverifiedResultCodes(t *testing.T) {
	k := testKnowledge()
	markUnverified(t, k, VSTBTest, loinc("39263-9")[0])
	runOrderCases(t, k, []orderCase{
		{name: "positive TST (code graded C): latent TB untreated, unverified", order: upaOrder(15),
			edit: func(r *Record, s *Session) {
				o := observation("tst", "39263-9", 20)
				o.ValueText = "Positive"
				r.Observations = append(r.Observations, o)
			}, want: []string{TBLatentUntreated},
			check: func(t *testing.T, fs []Finding) {
				if f := wantFinding(t, fs, TBLatentUntreated); !f.Unverified {
					t.Error("not flagged unverified")
				}
			}},
		{name: "positive IGRA (code graded B): latent TB untreated, verified", order: upaOrder(15),
			edit: func(r *Record, s *Session) { r.Observations[0].ValueCodes = snomed(sctPositive) }, want: []string{TBLatentUntreated},
			check: func(t *testing.T, fs []Finding) {
				if f := wantFinding(t, fs, TBLatentUntreated); f.Unverified {
					t.Error("flagged unverified")
				}
			}},
	})
}

// TestConcurrentUse checks one engine serves parallel calls (run with -race).
func TestConcurrentUse(t *testing.T) {
	e := mustEngine(t, testKnowledge())
	done := make(chan []string)
	for range 8 {
		go func() {
			r := cleanRecord()
			without(r, "igra")
			done <- codesOf(e.EvaluateOrders(r, Session{}, []Medication{abroOrder(100)}, testNow))
		}()
	}
	for range 8 {
		if got := <-done; !slices.Equal(got, []string{TBScreeningMissing}) {
			t.Errorf("got %v", got)
		}
	}
}
