package cards

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/rules"
)

// finding is a minimal finding of one code on one order.
func finding(code string, level rules.Level, drug rules.Drug, order string) rules.Finding {
	return rules.Finding{
		Code: code, Level: level, Drug: drug, OrderID: order,
		Title:    "Title of " + code,
		Action:   "Action for " + code,
		Evidence: []rules.Evidence{{Text: "Evidence for " + code, Date: day("2026-11-02")}},
	}
}

func TestEveryCodeMakesAValidCard(t *testing.T) {
	orders := map[string]json.RawMessage{"MedicationRequest/upa-30": mustReadOrder(t, "upadacitinib-30mg.json")}
	for _, code := range allCodes {
		for _, patientView := range []bool{false, true} {
			name := code
			if patientView {
				name += "/patient-view"
			}
			t.Run(name, func(t *testing.T) {
				f := finding(code, codeTable[code].level, rules.Upadacitinib, "MedicationRequest/upa-30")
				f.Tests = []rules.Test{{Name: "IGRA", Code: loincIGRA, Reason: "none within 12 months"}}
				f.SuggestedDailyMg = 15
				cs := FromFindings([]rules.Finding{f}, Options{PatientID: "pt-upa", Orders: orders, NewUUID: seqUUID(), PatientView: patientView})
				require.Len(t, cs, 1)
				c := cs[0]
				require.NoError(t, Validate(c))
				require.NoError(t, CheckEmpty(mustResponse(t, cs)))
				assert.Equal(t, []string{code}, c.Findings())
				assert.Equal(t, string(categoryOf(f)), c.Source.Topic.Code)
				assert.NotContains(t, c.Summary, "{", "summary template not expanded")
				assert.Contains(t, c.Detail, "Title of "+code)
				assert.Contains(t, c.Detail, "Evidence for "+code+" (2026-11-02)")
			})
		}
	}
}

func TestEveryCodeHasWording(t *testing.T) {
	for _, code := range allCodes {
		t.Run(code, func(t *testing.T) {
			ci, ok := codeTable[code]
			require.True(t, ok, "no entry in codeTable")
			assert.NotEmpty(t, ci.short)
			assert.Contains(t, codeOrder, code)
			cat, ok := categoryTable[ci.category]
			require.True(t, ok, "unknown category %q", ci.category)
			assert.True(t, cat.grouped || ci.summary != nil, "ungrouped code without a summary")
		})
	}
}

func TestCriticalIndicator(t *testing.T) {
	tests := []struct {
		name  string
		f     rules.Finding
		extra []rules.Finding // on the same order
		want  rules.Level
	}{
		{name: "critical finding", f: finding(rules.Neutropenia, rules.Critical, rules.Abrocitinib, "MedicationRequest/a"), want: rules.Critical},
		{name: "contract-critical code given as warning is raised", f: finding(rules.TBActive, rules.Warning, rules.Abrocitinib, "MedicationRequest/a"), want: rules.Critical},
		{name: "renal impairment critical on abrocitinib eGFR below 30", f: finding(rules.RenalImpairment, rules.Critical, rules.Abrocitinib, "MedicationRequest/a"), want: rules.Critical},
		{name: "renal impairment warning", f: finding(rules.RenalImpairment, rules.Warning, rules.Abrocitinib, "MedicationRequest/a"), want: rules.Warning},
		{name: "no prior systemic therapy is info", f: finding(rules.NoPriorSystemicTherapy, rules.Info, rules.Upadacitinib, "MedicationRequest/a"), want: rules.Info},
		{name: "warning code given as info is raised to warning", f: finding(rules.Smoker, rules.Info, rules.Upadacitinib, "MedicationRequest/a"), want: rules.Warning},
		{name: "unknown level counts as warning", f: finding("new-code", "severe", rules.Upadacitinib, "MedicationRequest/a"), want: rules.Warning},
		{
			name:  "critical finding on a grouped card makes the card critical",
			f:     finding(rules.Smoker, rules.Critical, rules.Upadacitinib, "MedicationRequest/a"),
			extra: []rules.Finding{finding(rules.VTERisk, rules.Warning, rules.Upadacitinib, "MedicationRequest/a")},
			want:  rules.Critical,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cs := FromFindings(append([]rules.Finding{tc.f}, tc.extra...), Options{NewUUID: seqUUID()})
			require.Len(t, cs, 1)
			assert.Equal(t, tc.want, cs[0].Indicator)
		})
	}
	for _, code := range criticalCodes {
		t.Run("contract critical/"+code, func(t *testing.T) {
			cs := FromFindings([]rules.Finding{finding(code, rules.Warning, rules.Abrocitinib, "MedicationRequest/a")}, Options{NewUUID: seqUUID()})
			assert.Equal(t, rules.Critical, cs[0].Indicator)
		})
	}
}

func TestGrouping(t *testing.T) {
	const a, b = "MedicationRequest/a", "MedicationRequest/b"
	tests := []struct {
		name     string
		findings []rules.Finding
		want     [][]string // finding codes per card, in card order
	}{
		{
			name: "all missing screening on one card",
			findings: []rules.Finding{
				finding(rules.CBCMissing, rules.Warning, rules.Upadacitinib, a),
				finding(rules.TBScreeningMissing, rules.Warning, rules.Upadacitinib, a),
				finding(rules.HBVScreeningMissing, rules.Warning, rules.Upadacitinib, a),
			},
			want: [][]string{{rules.TBScreeningMissing, rules.HBVScreeningMissing, rules.CBCMissing}},
		},
		{
			name: "one card per contraindication, critical before warning",
			findings: []rules.Finding{
				finding(rules.LiveVaccineRecent, rules.Warning, rules.Upadacitinib, a),
				finding(rules.TBActive, rules.Critical, rules.Upadacitinib, a),
				finding(rules.HBVActive, rules.Critical, rules.Upadacitinib, a),
			},
			want: [][]string{{rules.TBActive}, {rules.HBVActive}, {rules.LiveVaccineRecent}},
		},
		{
			name: "boxed-warning risk factors and lower dose on one card",
			findings: []rules.Finding{
				finding(rules.Smoker, rules.Warning, rules.Upadacitinib, a),
				finding(rules.LowerDoseRecommended, rules.Warning, rules.Upadacitinib, a),
				finding(rules.MACEHistory, rules.Warning, rules.Upadacitinib, a),
				finding(rules.Malignancy, rules.Warning, rules.Upadacitinib, a),
			},
			want: [][]string{{rules.LowerDoseRecommended, rules.MACEHistory, rules.Smoker, rules.Malignancy}},
		},
		{
			name: "monitoring due on one card, lab safety on its own critical card",
			findings: []rules.Finding{
				finding(rules.MonitoringLipidsDue, rules.Warning, rules.Abrocitinib, a),
				finding(rules.Thrombocytopenia, rules.Critical, rules.Abrocitinib, a),
				finding(rules.MonitoringCBCDue, rules.Warning, rules.Abrocitinib, a),
			},
			want: [][]string{{rules.Thrombocytopenia}, {rules.MonitoringCBCDue, rules.MonitoringLipidsDue}},
		},
		{
			name: "two orders get their own cards",
			findings: []rules.Finding{
				finding(rules.TBScreeningMissing, rules.Warning, rules.Upadacitinib, b),
				finding(rules.TBScreeningMissing, rules.Warning, rules.Upadacitinib, a),
				finding(rules.CBCMissing, rules.Warning, rules.Upadacitinib, b),
			},
			want: [][]string{{rules.TBScreeningMissing}, {rules.TBScreeningMissing, rules.CBCMissing}},
		},
		{
			name: "the same code twice on one order stays on one card",
			findings: []rules.Finding{
				finding(rules.CombinationBiologic, rules.Warning, rules.Upadacitinib, a),
				finding(rules.CombinationBiologic, rules.Warning, rules.Upadacitinib, a),
			},
			want: [][]string{{rules.CombinationBiologic}},
		},
		{
			name: "the finding's own category wins over the default",
			findings: []rules.Finding{
				func() rules.Finding {
					f := finding(rules.LowerDoseRecommended, rules.Warning, rules.Upadacitinib, a)
					f.Category = rules.CategoryDosing
					return f
				}(),
				finding(rules.Smoker, rules.Warning, rules.Upadacitinib, a),
			},
			want: [][]string{{rules.LowerDoseRecommended}, {rules.Smoker}},
		},
		{
			name: "info last",
			findings: []rules.Finding{
				finding(rules.NoPriorSystemicTherapy, rules.Info, rules.Upadacitinib, a),
				finding(rules.DoseAboveLabel, rules.Warning, rules.Upadacitinib, a),
			},
			want: [][]string{{rules.DoseAboveLabel}, {rules.NoPriorSystemicTherapy}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cs := FromFindings(tc.findings, Options{NewUUID: seqUUID()})
			var got [][]string
			for _, c := range cs {
				require.NoError(t, Validate(c))
				got = append(got, c.Findings())
			}
			assert.Equal(t, tc.want, got)
			// Input order does not change the output.
			rev := slices.Clone(tc.findings)
			slices.Reverse(rev)
			assert.Equal(t, cs, FromFindings(rev, Options{NewUUID: seqUUID()}))
		})
	}
}

func TestFromFindingsEmpty(t *testing.T) {
	cs := FromFindings(nil, Options{})
	require.NotNil(t, cs)
	assert.Empty(t, cs)
	b, err := json.Marshal(map[string]any{"cards": cs})
	require.NoError(t, err)
	assert.JSONEq(t, `{"cards":[]}`, string(b))
	assert.NoError(t, CheckEmpty(b))
}

func TestRandomUUIDs(t *testing.T) {
	cs := FromFindings(abrocitinibScreening(), Options{PatientID: "pt-abro"})
	seen := map[string]bool{}
	for _, c := range cs {
		for _, id := range append([]string{c.UUID}, c.SuggestionUUIDs()...) {
			assert.Len(t, id, 36)
			assert.False(t, seen[id], "duplicate uuid %s", id)
			seen[id] = true
		}
	}
}

func TestScreeningSuggestions(t *testing.T) {
	cs := FromFindings(abrocitinibScreening(), Options{PatientID: "pt-abro", NewUUID: seqUUID()})
	i := slices.IndexFunc(cs, func(c Card) bool { return c.Source.Topic.Code == string(rules.CategoryScreening) })
	require.GreaterOrEqual(t, i, 0)
	c := cs[i]
	assert.Equal(t, "Order before starting abrocitinib: TB test, hepatitis B and C tests and zoster vaccine", c.Summary)
	assert.Equal(t, SelectAny, c.SelectionBehavior)

	wantCodes := []string{"71773-6", "5196-1", "13955-0", "187"}
	require.Len(t, c.Suggestions, len(wantCodes)+1, "one per item plus order all")
	for j, code := range wantCodes {
		s := c.Suggestions[j]
		require.Len(t, s.Actions, 1)
		assert.Equal(t, ActionCreate, s.Actions[0].Type)
		sr := decodeResource(t, s.Actions[0].Resource)
		assert.Equal(t, "ServiceRequest", sr["resourceType"])
		assert.Equal(t, "draft", sr["status"])
		assert.Equal(t, "order", sr["intent"])
		assert.Equal(t, map[string]any{"reference": "Patient/pt-abro"}, sr["subject"])
		coding := sr["code"].(map[string]any)["coding"].([]any)[0].(map[string]any)
		assert.Equal(t, code, coding["code"])
	}
	all := c.Suggestions[len(wantCodes)]
	assert.Equal(t, "Order all 4 items", all.Label)
	assert.True(t, all.IsRecommended)
	assert.Len(t, all.Actions, len(wantCodes))
	for _, item := range []string{"Interferon-gamma release assay (IGRA)", "no IGRA or TST result within 12 months",
		"Hepatitis B surface antigen (HBsAg)", "Hepatitis C virus antibody", "Zoster vaccine recombinant (Shingrix)"} {
		assert.Contains(t, c.Detail, item)
	}
}

func TestCreateSuggestions(t *testing.T) {
	one := finding(rules.TBScreeningMissing, rules.Warning, rules.Upadacitinib, "MedicationRequest/a")
	one.Tests = []rules.Test{{Name: "IGRA", Code: loincIGRA}}
	dup := finding(rules.MonitoringCBCDue, rules.Warning, rules.Upadacitinib, "MedicationRequest/a")
	dup.Tests = []rules.Test{{Name: "CBC", Code: loincCBC}}
	dup2 := finding(rules.MonitoringLiverDue, rules.Warning, rules.Upadacitinib, "MedicationRequest/a")
	dup2.Tests = []rules.Test{{Name: "CBC again", Code: loincCBC}, {Name: "no code", Code: rules.Coding{System: rules.SystemLOINC}}}
	tests := []struct {
		name       string
		findings   []rules.Finding
		patientID  string
		wantLabels []string
	}{
		{name: "one test: no order-all", findings: []rules.Finding{one}, patientID: "p1", wantLabels: []string{"Order IGRA"}},
		{name: "no patient id: no ServiceRequest", findings: []rules.Finding{one}, patientID: ""},
		{name: "malformed patient id: no ServiceRequest", findings: []rules.Finding{one}, patientID: "p 1/x"},
		{name: "Patient/ prefix tolerated", findings: []rules.Finding{one}, patientID: "Patient/p1", wantLabels: []string{"Order IGRA"}},
		{name: "same test twice and an uncoded test: ordered once", findings: []rules.Finding{dup, dup2}, patientID: "p1", wantLabels: []string{"Order CBC"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cs := FromFindings(tc.findings, Options{PatientID: tc.patientID, NewUUID: seqUUID(), PatientView: true})
			require.Len(t, cs, 1)
			require.NoError(t, Validate(cs[0]))
			var labels []string
			for _, s := range cs[0].Suggestions {
				labels = append(labels, s.Label)
			}
			assert.Equal(t, tc.wantLabels, labels)
			if len(tc.wantLabels) == 1 {
				assert.True(t, cs[0].Suggestions[0].IsRecommended)
				sr := decodeResource(t, cs[0].Suggestions[0].Actions[0].Resource)
				assert.Equal(t, map[string]any{"reference": "Patient/p1"}, sr["subject"])
			}
		})
	}
}

func TestLowerDoseUpdate(t *testing.T) {
	cs := FromFindings(upadacitinibSmoker(), Options{
		PatientID: "pt-upa", NewUUID: seqUUID(),
		Orders: map[string]json.RawMessage{"MedicationRequest/upa-30": mustReadOrder(t, "upadacitinib-30mg.json")},
	})
	require.Len(t, cs, 1)
	c := cs[0]
	assert.Equal(t, "Use upadacitinib 15 mg daily: boxed-warning risks (cardiovascular risk and smoking)", c.Summary)
	require.Len(t, c.Suggestions, 1)
	a := c.Suggestions[0].Actions[0]
	assert.Equal(t, ActionUpdate, a.Type)
	res := decodeResource(t, a.Resource)
	assert.Equal(t, "MedicationRequest", res["resourceType"])
	assert.Equal(t, "upa-30", res["id"])
	assert.Equal(t, map[string]any{"reference": "Patient/pt-upa"}, res["subject"])
	assert.Equal(t, "draft", res["status"])
	assert.Equal(t, "order", res["intent"])
	assert.Equal(t, "2026-11-29", res["authoredOn"])
	med := res["medicationCodeableConcept"].(map[string]any)
	assert.Equal(t, "upadacitinib 15 mg extended-release tablet", med["text"])
	assert.Equal(t, []any{map[string]any{"system": rules.SystemRxNorm, "code": "2196092", "display": "upadacitinib"}}, med["coding"])
	dose := res["dosageInstruction"].([]any)[0].(map[string]any)
	assert.Equal(t, map[string]any{"value": 15.0, "unit": "mg", "system": rules.SystemUCUM, "code": "mg"},
		dose["doseAndRate"].([]any)[0].(map[string]any)["doseQuantity"])
	assert.Equal(t, map[string]any{"repeat": map[string]any{"frequency": 1.0, "period": 1.0, "periodUnit": "d"}}, dose["timing"])
	assert.Contains(t, dose, "route", "route kept")
	assert.Contains(t, c.Detail, "Suggested dose: upadacitinib 15 mg once daily")
}

func TestDoseWithoutDraftOrder(t *testing.T) {
	f := finding(rules.LowerDoseRecommended, rules.Warning, rules.Upadacitinib, "MedicationRequest/upa-30")
	f.SuggestedDailyMg = 15
	tests := []struct {
		name   string
		orders map[string]json.RawMessage
		opt    Options
	}{
		{name: "no draft order JSON"},
		{name: "draft order without id", orders: map[string]json.RawMessage{"MedicationRequest/upa-30": json.RawMessage(`{"resourceType":"MedicationRequest","status":"draft"}`)}},
		{name: "draft order is not JSON", orders: map[string]json.RawMessage{"MedicationRequest/upa-30": json.RawMessage(`{"resourceType":`)}},
		{name: "patient-view", orders: map[string]json.RawMessage{"MedicationRequest/upa-30": mustReadOrder(t, "upadacitinib-30mg.json")}, opt: Options{PatientView: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opt := tc.opt
			opt.Orders, opt.NewUUID, opt.PatientID = tc.orders, seqUUID(), "pt-upa"
			cs := FromFindings([]rules.Finding{f}, opt)
			require.Len(t, cs, 1)
			require.NoError(t, Validate(cs[0]))
			assert.Empty(t, cs[0].Suggestions)
			assert.Empty(t, cs[0].SelectionBehavior)
			assert.Contains(t, cs[0].Detail, "Adjust the dose to 15 mg once daily.")
		})
	}
}

func TestDeleteSuggestion(t *testing.T) {
	tests := []struct {
		name        string
		f           rules.Finding
		patientView bool
		wantDelete  bool
	}{
		{name: "critical contraindication", f: finding(rules.TBActive, rules.Critical, rules.Upadacitinib, "MedicationRequest/upa-30"), wantDelete: true},
		{name: "combination-jak", f: finding(rules.CombinationJAK, rules.Critical, rules.Upadacitinib, "MedicationRequest/upa-30"), wantDelete: true},
		{name: "critical lab at order time", f: finding(rules.Neutropenia, rules.Critical, rules.Upadacitinib, "MedicationRequest/upa-30"), wantDelete: true},
		{name: "warning contraindication", f: finding(rules.LiveVaccineRecent, rules.Warning, rules.Upadacitinib, "MedicationRequest/upa-30")},
		{name: "order without id", f: finding(rules.TBActive, rules.Critical, rules.Upadacitinib, "MedicationRequest/")},
		{name: "no order", f: finding(rules.TBActive, rules.Critical, rules.Upadacitinib, "")},
		{name: "patient-view: the order is active, not a draft", f: finding(rules.CombinationJAK, rules.Critical, rules.Upadacitinib, "MedicationRequest/upa-30"), patientView: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cs := FromFindings([]rules.Finding{tc.f}, Options{NewUUID: seqUUID(), PatientView: tc.patientView})
			require.Len(t, cs, 1)
			require.NoError(t, Validate(cs[0]))
			var deletes []Action
			for _, s := range cs[0].Suggestions {
				for _, a := range s.Actions {
					if a.Type == ActionDelete {
						deletes = append(deletes, a)
					}
				}
			}
			if !tc.wantDelete {
				assert.Empty(t, deletes)
				return
			}
			require.Len(t, deletes, 1)
			assert.Equal(t, "MedicationRequest/upa-30", deletes[0].ResourceID)
			assert.Empty(t, deletes[0].Resource)
		})
	}
}

func TestDeleteAndUpdateAreExclusive(t *testing.T) {
	f := finding(rules.RenalImpairment, rules.Critical, rules.Abrocitinib, "MedicationRequest/abro-1")
	f.SuggestedDailyMg = 50
	cs := FromFindings([]rules.Finding{f}, Options{
		PatientID: "pt-abro", NewUUID: seqUUID(),
		Orders: map[string]json.RawMessage{"MedicationRequest/abro-1": mustReadOrder(t, "abrocitinib-200mg-contained.json")},
	})
	require.Len(t, cs, 1)
	c := cs[0]
	require.NoError(t, Validate(c))
	assert.Equal(t, SelectAtMostOne, c.SelectionBehavior)
	require.Len(t, c.Suggestions, 2)
	assert.Equal(t, ActionDelete, c.Suggestions[0].Actions[0].Type)
	assert.True(t, c.Suggestions[0].IsRecommended)
	assert.Equal(t, ActionUpdate, c.Suggestions[1].Actions[0].Type)
	assert.False(t, c.Suggestions[1].IsRecommended)
	assert.Equal(t, "Reduce abrocitinib to 50 mg daily: reduced kidney function", c.Summary)
}

func TestSource(t *testing.T) {
	tests := []struct {
		name      string
		drug      rules.Drug
		cite      rules.Citation
		wantLabel string
		wantURL   string
	}{
		{name: "finding citation", drug: rules.Abrocitinib, cite: citeCibinqo8, wantLabel: citeCibinqo8.Label, wantURL: citeCibinqo8.URL},
		{name: "no citation: upadacitinib label", drug: rules.Upadacitinib, wantLabel: "RINVOQ (upadacitinib) US Prescribing Information (revision of 11/2023)", wantURL: "https://www.rxabbvie.com/pdf/rinvoq_pi.pdf"},
		{name: "citation without URL: abrocitinib label", drug: rules.Abrocitinib, cite: rules.Citation{Label: "AAD 2023"}, wantLabel: "CIBINQO (abrocitinib) US Prescribing Information (revision of 12/2023)", wantURL: "https://labeling.pfizer.com/ShowLabeling.aspx?id=16652"},
		{name: "relative URL is not used", drug: rules.Abrocitinib, cite: rules.Citation{Label: "x", URL: "/label.pdf"}, wantLabel: "CIBINQO (abrocitinib) US Prescribing Information (revision of 12/2023)", wantURL: "https://labeling.pfizer.com/ShowLabeling.aspx?id=16652"},
		{name: "unknown drug", drug: "", wantLabel: genericSource.label, wantURL: genericSource.url},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := finding(rules.Smoker, rules.Warning, tc.drug, "MedicationRequest/a")
			f.Citation = tc.cite
			c := FromFindings([]rules.Finding{f}, Options{NewUUID: seqUUID()})[0]
			assert.Equal(t, tc.wantLabel, c.Source.Label)
			assert.Equal(t, tc.wantURL, c.Source.URL)
			assert.Equal(t, &Coding{System: TopicSystem, Code: "boxed-warning-risk", Display: "Boxed-warning risk factors"}, c.Source.Topic)
		})
	}
}

func TestOverrideReasons(t *testing.T) {
	tests := []struct {
		code string
		want string // a display the card must offer
	}{
		{rules.TBScreeningMissing, "Screening done elsewhere"},
		{rules.TBLatentUntreated, "Treatment of latent TB already started"},
		{rules.TBActive, "Benefit outweighs risk, discussed with patient"},
		{rules.Smoker, "Benefit outweighs risk, discussed with patient"},
		{rules.LowerDoseRecommended, "Lower dose tried, response inadequate"},
		{rules.MonitoringCBCDue, "Tests done elsewhere"},
		{rules.NoPriorSystemicTherapy, "Prior systemic therapy given elsewhere"},
		{"unknown-code", "Benefit outweighs risk, discussed with patient"},
	}
	for _, tc := range tests {
		t.Run(tc.code, func(t *testing.T) {
			f := finding(tc.code, rules.Warning, rules.Upadacitinib, "MedicationRequest/a")
			if tc.code == rules.LowerDoseRecommended {
				f.SuggestedDailyMg = 15 // the reason answers a lower dose proposed
			}
			c := FromFindings([]rules.Finding{f}, Options{NewUUID: seqUUID()})[0]
			var displays []string
			codes := map[string]bool{}
			for _, r := range c.OverrideReasons {
				assert.Equal(t, OverrideReasonSystem, r.System)
				assert.False(t, codes[r.Code], "duplicate reason %s", r.Code)
				codes[r.Code] = true
				displays = append(displays, r.Display)
			}
			assert.Contains(t, displays, tc.want)
		})
	}
}

func TestDetailLines(t *testing.T) {
	tests := []struct {
		name   string
		modify func(f *rules.Finding)
		want   []string
		not    []string
	}{
		{
			name:   "unverified knowledge is visible",
			modify: func(f *rules.Finding) { f.Unverified = true },
			want:   []string{"Based on a code or rule not yet verified against a current source (grade C/U)."},
		},
		{
			name:   "verified knowledge has no such line",
			modify: func(f *rules.Finding) {},
			not:    []string{"grade C/U", "Could not be checked"},
		},
		{
			name:   "unchecked data",
			modify: func(f *rules.Finding) { f.Unchecked = []string{rules.DataMedications} },
			want:   []string{"Could not be checked: medications (neither in prefetch nor obtainable from the FHIR server)."},
		},
		{
			name: "several unchecked kinds, named once each",
			modify: func(f *rules.Finding) {
				f.Unchecked = []string{rules.DataObservations, rules.DataConditions, rules.DataObservations}
			},
			want: []string{"Could not be checked: lab results, conditions (neither in prefetch nor obtainable from the FHIR server)."},
		},
		{
			name: "evidence date not repeated when in the text",
			modify: func(f *rules.Finding) {
				f.Evidence = []rules.Evidence{{Text: "ANC 0.8 ×10³/µL on 2026-11-02, below 1000 cells/mm³", Date: day("2026-11-02")}}
			},
			want: []string{"- ANC 0.8 ×10³/µL on 2026-11-02, below 1000 cells/mm³\n"},
			not:  []string{"(2026-11-02)"},
		},
		{
			name:   "days overdue",
			modify: func(f *rules.Finding) { f.DaysOverdue = 12 },
			want:   []string{"- Overdue by 12 days"},
		},
		{
			name: "markup from the record is escaped",
			modify: func(f *rules.Finding) {
				f.Evidence = []rules.Evidence{{Text: "<script>alert(1)</script> *bold* [x](javascript:y)\n# heading"}}
			},
			want: []string{`\<script\>alert(1)\</script\> \*bold\* \[x\](javascript:y) \# heading`},
			not:  []string{"<script>"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := finding(rules.Neutropenia, rules.Critical, rules.Abrocitinib, "MedicationRequest/a")
			tc.modify(&f)
			c := FromFindings([]rules.Finding{f}, Options{NewUUID: seqUUID()})[0]
			for _, w := range tc.want {
				assert.Contains(t, c.Detail, w)
			}
			for _, n := range tc.not {
				assert.NotContains(t, c.Detail, n)
			}
		})
	}
}

func TestFindingOnExactlyOneCardPerOrder(t *testing.T) {
	var all []rules.Finding
	for _, order := range []string{"MedicationRequest/a", "MedicationRequest/b"} {
		for _, code := range allCodes {
			all = append(all, finding(code, codeTable[code].level, rules.Abrocitinib, order))
		}
	}
	cs := FromFindings(all, Options{PatientID: "p", NewUUID: seqUUID()})
	seen := map[string]int{}
	for _, c := range cs {
		require.NoError(t, Validate(c))
		for _, code := range c.Findings() {
			seen[code]++
		}
	}
	for _, code := range allCodes {
		assert.Equal(t, 2, seen[code], "%s should be on one card per order", code)
	}
	// Sorted: critical, then warning, then info.
	ranks := make([]int, len(cs))
	for i, c := range cs {
		ranks[i] = -c.Indicator.Rank()
	}
	assert.True(t, slices.IsSorted(ranks), "cards not sorted by indicator")
	require.NoError(t, CheckEmpty(mustResponse(t, cs)))
}

func decodeResource(t *testing.T, r any) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(resourceJSON(t, r), &m))
	return m
}

// resourceJSON writes an action's resource as the answer does.
func resourceJSON(t *testing.T, r any) []byte {
	t.Helper()
	b, err := jsonv2.Marshal(r, jsonv2.Deterministic(true))
	require.NoError(t, err)
	return b
}

func TestSummaryLength(t *testing.T) {
	long := strings.Repeat("very long title ", 20)
	var group []rules.Finding
	for i := 0; i < 30; i++ {
		f := finding("screening-item-"+strings.Repeat("x", i), rules.Warning, rules.Upadacitinib, "MedicationRequest/a")
		f.Category = rules.CategoryScreening
		f.Title = long
		group = append(group, f)
	}
	tests := []struct {
		name  string
		group []rules.Finding
	}{
		{name: "unknown code with a long title", group: []rules.Finding{{Code: "x", Title: long}}},
		{name: "grouped card with many items", group: group},
		{name: "empty group", group: nil},
		{name: "blank title and code", group: []rules.Finding{{Title: " \n\t "}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := Summary(tc.group, false)
			assert.NotEmpty(t, strings.TrimSpace(s))
			assert.LessOrEqual(t, len([]rune(s)), MaxSummaryRunes)
			assert.NotContains(t, s, "\n")
		})
	}
}

// A screening card lists many findings; what could not be checked and
// what is unverified is said once for the card, not once per finding.
func TestDetailSaysUncheckedOncePerCard(t *testing.T) {
	fs := []rules.Finding{
		{Code: rules.TBScreeningMissing, Level: rules.Warning, Category: rules.CategoryScreening, Drug: rules.Upadacitinib, OrderID: "MedicationRequest/o1", Title: "No TB test", Unchecked: []string{rules.DataObservations}, Unverified: true},
		{Code: rules.CBCMissing, Level: rules.Warning, Category: rules.CategoryScreening, Drug: rules.Upadacitinib, OrderID: "MedicationRequest/o1", Title: "No CBC", Unchecked: []string{rules.DataObservations}, Unverified: true},
	}
	cs := FromFindings(fs, Options{PatientID: "p1"})
	require.Len(t, cs, 1)
	assert.Equal(t, 1, strings.Count(cs[0].Detail, "Could not be checked"))
	assert.Equal(t, 1, strings.Count(cs[0].Detail, "not yet verified"))
}

// A site's configured limit, carried by the finding, is the one the
// summary states; without one the label's default is stated.
func TestSummaryStatesConfiguredThreshold(t *testing.T) {
	f := rules.Finding{Code: rules.Lymphopenia, Level: rules.Critical, Category: rules.CategoryLabSafety, Drug: rules.Upadacitinib,
		OrderID: "MedicationRequest/o1", Title: "Absolute lymphocyte count below 600 cells/mm³", Threshold: "600 cells/mm³"}
	assert.Equal(t, "Do not start upadacitinib: lymphocytes below 600 cells/mm³", Summary([]rules.Finding{f}, false))
	assert.Equal(t, "Interrupt upadacitinib: lymphocytes below 600 cells/mm³", Summary([]rules.Finding{f}, true))
	f.Threshold = ""
	assert.Equal(t, "Do not start upadacitinib: lymphocytes below 500 cells/mm³", Summary([]rules.Finding{f}, false))
	v := rules.Finding{Code: rules.LiveVaccineRecent, Level: rules.Warning, Drug: rules.Abrocitinib, Threshold: "6 weeks"}
	assert.Equal(t, "Consider delaying abrocitinib: live vaccine given within 6 weeks", Summary([]rules.Finding{v}, false))
}

// TestEveryRuleCodeHasWording: every code a rule can report (the rule
// tables) has card wording, so a new rule cannot reach the EHR unworded.
func TestEveryRuleCodeHasWording(t *testing.T) {
	for _, code := range rules.FindingCodes() {
		assert.Contains(t, allCodes, code)
		_, ok := codeTable[code]
		assert.True(t, ok, "no wording for %s", code)
	}
}

// The urine and serum pregnancy tests are alternatives: each is offered on
// its own, but "order all" orders the first only, not both.
func TestOrderAllOnePregnancyTest(t *testing.T) {
	tb := finding(rules.TBScreeningMissing, rules.Warning, rules.Upadacitinib, "MedicationRequest/a")
	tb.Tests = []rules.Test{{Name: "IGRA", Code: loincIGRA}}
	preg := finding(rules.PregnancyTestMissing, rules.Warning, rules.Upadacitinib, "MedicationRequest/a")
	preg.Tests = []rules.Test{
		{Name: "Pregnancy test (urine hCG)", Code: rules.Coding{System: rules.SystemLOINC, Code: "2106-3"}},
		{Name: "Pregnancy test (serum hCG)", Code: rules.Coding{System: rules.SystemLOINC, Code: "2118-8"}, Alternative: true},
	}
	cs := FromFindings([]rules.Finding{tb, preg}, Options{PatientID: "pt-1", NewUUID: seqUUID()})
	require.Len(t, cs, 1)
	var labels []string
	for _, s := range cs[0].Suggestions {
		labels = append(labels, s.Label)
	}
	assert.Equal(t, []string{"Order IGRA", "Order Pregnancy test (urine hCG)", "Order Pregnancy test (serum hCG)", "Order all 2 items"}, labels)
	all := cs[0].Suggestions[3]
	var codes []string
	for _, a := range all.Actions {
		codes = append(codes, decodeResource(t, a.Resource)["code"].(map[string]any)["coding"].([]any)[0].(map[string]any)["code"].(string))
	}
	assert.Equal(t, []string{"71773-6", "2106-3"}, codes)
	assert.ElementsMatch(t, []string{rules.TBScreeningMissing, rules.PregnancyTestMissing}, all.Findings)
}
