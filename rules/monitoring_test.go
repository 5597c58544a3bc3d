package rules

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func activeUpa(daysBack int) Medication {
	m := dailyMg(medication("upa", rx("2196092"), "active"), 15)
	m.Authored = daysAgo(daysBack)
	return m
}

func activeAbro(daysBack int) Medication {
	m := dailyMg(medication("abro", rx("2591476"), "active"), 100)
	m.Authored = daysAgo(daysBack)
	return m
}

// patientOn is a 40-year-old man taking the medication, with no results.
func patientOn(ms ...Medication) *Record {
	return &Record{Patient: &Patient{BirthDate: daysAgo(40*365 + 20), Gender: "male"}, Medications: ms}
}

func withObs(r *Record, os ...Observation) *Record {
	r.Observations = append(r.Observations, os...)
	return r
}

func TestPatientViewNoActiveTherapy(t *testing.T) {
	e := mustEngine(t, testKnowledge())
	statement := activeUpa(100)
	statement.ResourceType, statement.ID, statement.Status = "MedicationStatement", "MedicationStatement/upa", "not-taken"
	enteredInError := statement
	enteredInError.Status = "entered-in-error"
	proposal := activeAbro(100)
	proposal.Intent = "proposal"
	tests := []struct {
		name string
		rec  *Record
	}{
		{"nil record", nil},
		{"no medications", patientOn()},
		{"only tofacitinib", patientOn(medication("tofa", rx("1357536"), "active"))},
		{"abrocitinib stopped", patientOn(func() Medication { m := activeAbro(100); m.Status = "stopped"; return m }())},
		{"upadacitinib completed", patientOn(func() Medication { m := activeUpa(100); m.Status = "completed"; return m }())},
		{"upadacitinib only as a MedicationStatement not taken", patientOn(statement)},
		{"upadacitinib only as a MedicationStatement entered in error", patientOn(enteredInError)},
		{"abrocitinib order entered in error", patientOn(func() Medication { m := activeAbro(100); m.Status = "entered-in-error"; return m }())},
		{"abrocitinib order still a draft", patientOn(func() Medication { m := activeAbro(100); m.Status = "draft"; return m }())},
		{"abrocitinib only proposed", patientOn(proposal)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if fs := e.EvaluatePatientView(tc.rec, testNow); fs != nil {
				t.Errorf("findings = %v, want nil", codesOf(fs))
			}
		})
	}
}

type pvCase struct {
	name  string
	rec   *Record
	want  []string
	not   []string
	check func(t *testing.T, fs []Finding)
}

func runPVCases(t *testing.T, cases []pvCase) {
	t.Helper()
	e := mustEngine(t, testKnowledge())
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fs := e.EvaluatePatientView(tc.rec, testNow)
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
				if f.OrderID == "" || f.Level == "" || f.Category == "" || f.Title == "" || f.Action == "" || f.Citation.URL == "" || len(f.Evidence) == 0 {
					t.Errorf("%s: incomplete finding %+v", f.Code, f)
				}
			}
			if tc.check != nil {
				tc.check(t, fs)
			}
		})
	}
}

var allMonitoring = []string{MonitoringCBCDue, MonitoringLiverDue, MonitoringLipidsDue}

func TestMonitoringDue(t *testing.T) {
	validityOnly := activeAbro(0)
	validityOnly.Authored, validityOnly.ValidityStart = time.Time{}, daysAgo(35)
	renewal := activeAbro(5)
	renewal.ID = "MedicationRequest/abro-renewal"
	undated := activeAbro(0)
	undated.Authored = time.Time{}

	runPVCases(t, []pvCase{
		{name: "abrocitinib started 10 days ago: nothing due yet", rec: patientOn(activeAbro(10)), not: allMonitoring},
		{name: "abrocitinib started 35 days ago, no results: CBC, liver and lipids due", rec: patientOn(activeAbro(35)),
			want: allMonitoring,
			check: func(t *testing.T, fs []Finding) {
				f := wantFinding(t, fs, MonitoringCBCDue)
				if f.DaysOverdue != 7 || f.Category != CategoryMonitoring || f.Level != Warning || f.OrderID != "MedicationRequest/abro" ||
					f.Tests[0].Code.Code != "57021-8" {
					t.Errorf("finding = %+v", f)
				}
				if ev := evidenceText(f); !strings.Contains(ev, "authoredOn of MedicationRequest/abro") {
					t.Errorf("evidence does not name the order: %q", ev)
				}
			}},
		{name: "abrocitinib, CBC and ALT and LDL after the start: done",
			rec: withObs(patientOn(activeAbro(35)),
				quantity("hb", "718-7", 5, 13, "g/dL"), quantity("alt", "1742-6", 5, 20, "U/L"), quantity("ldl", "13457-7", 5, 100, "mg/dL")),
			not: allMonitoring},
		{name: "abrocitinib, results before the start do not count",
			rec: withObs(patientOn(activeAbro(35)),
				quantity("hb", "718-7", 40, 13, "g/dL"), quantity("alt", "1742-6", 40, 20, "U/L"), quantity("ldl", "13457-7", 40, 100, "mg/dL")),
			want: allMonitoring},
		{name: "abrocitinib, baseline on the start day does not count",
			rec:  withObs(patientOn(activeAbro(35)), quantity("plt", "777-3", 35, 200, "10*3/uL")),
			want: []string{MonitoringCBCDue}},
		{name: "abrocitinib, preliminary CBC does not count",
			rec: withObs(patientOn(activeAbro(35)), func() Observation {
				o := quantity("plt", "777-3", 3, 200, "10*3/uL")
				o.Status = "preliminary"
				return o
			}()),
			want: []string{MonitoringCBCDue}},
		{name: "abrocitinib start from validityPeriod when authoredOn is absent", rec: patientOn(validityOnly),
			want: []string{MonitoringCBCDue},
			check: func(t *testing.T, fs []Finding) {
				if ev := evidenceText(wantFinding(t, fs, MonitoringCBCDue)); !strings.Contains(ev, "validityPeriod") {
					t.Errorf("evidence = %q", ev)
				}
			}},
		{name: "abrocitinib renewed 5 days ago: the course starts at the earliest order; the finding names the latest", rec: patientOn(renewal, activeAbro(35)),
			want: []string{MonitoringCBCDue},
			check: func(t *testing.T, fs []Finding) {
				f := wantFinding(t, fs, MonitoringCBCDue)
				if f.OrderID != renewal.ID || !strings.Contains(evidenceText(f), "MedicationRequest/abro)") {
					t.Errorf("OrderID = %s, evidence %q", f.OrderID, evidenceText(f))
				}
			}},
		{name: "abrocitinib with no dated order: no monitoring finding", rec: patientOn(undated), not: allMonitoring},
		{name: "upadacitinib started 35 days ago: nothing due (lipids at 12 weeks)", rec: patientOn(activeUpa(35)), not: allMonitoring},
		{name: "upadacitinib started 100 days ago, no results: lipids, CBC and liver due", rec: patientOn(activeUpa(100)),
			want: allMonitoring,
			check: func(t *testing.T, fs []Finding) {
				if f := wantFinding(t, fs, MonitoringLipidsDue); f.DaysOverdue != 16 || f.Tests[0].Code.Code != "57698-3" {
					t.Errorf("finding = %+v", f)
				}
			}},
		{name: "upadacitinib 200 days, CBC 100 days ago: routine CBC due again",
			rec: withObs(patientOn(activeUpa(200)), quantity("hb", "718-7", 100, 13, "g/dL"),
				quantity("alt", "1742-6", 30, 20, "U/L"), quantity("ldl", "13457-7", 150, 100, "mg/dL")),
			want: []string{MonitoringCBCDue}, not: []string{MonitoringLiverDue, MonitoringLipidsDue},
			check: func(t *testing.T, fs []Finding) {
				if f := wantFinding(t, fs, MonitoringCBCDue); f.DaysOverdue != 16 {
					t.Errorf("DaysOverdue = %d", f.DaysOverdue)
				}
			}},
		{name: "observations unavailable: monitoring due, marked unchecked",
			rec:  func() *Record { r := patientOn(activeAbro(35)); r.Unavailable = []string{DataObservations}; return r }(),
			want: allMonitoring,
			check: func(t *testing.T, fs []Finding) {
				if f := wantFinding(t, fs, MonitoringLiverDue); !slices.Equal(f.Unchecked, []string{DataObservations}) {
					t.Errorf("Unchecked = %v", f.Unchecked)
				}
			}},
	})
}

func TestOnTreatmentSafety(t *testing.T) {
	done := func(r *Record) *Record { // monitoring done, to isolate the safety rules
		return withObs(r, quantity("alt", "1742-6", 3, 20, "U/L"), quantity("ldl", "13457-7", 3, 100, "mg/dL"))
	}
	runPVCases(t, []pvCase{
		{name: "abrocitinib, ANC 0.8 ×10³/µL after the start: interrupt",
			rec: done(withObs(patientOn(activeAbro(35)), quantity("anc", "751-8", 3, 0.8, "10*3/uL"))), want: []string{Neutropenia},
			check: func(t *testing.T, fs []Finding) {
				f := wantFinding(t, fs, Neutropenia)
				if f.Level != Critical || f.Category != CategoryLabSafety || !strings.HasPrefix(f.Action, "Interrupt") {
					t.Errorf("finding = %+v", f)
				}
			}},
		{name: "abrocitinib, low ANC before the start is not on-treatment",
			rec: done(withObs(patientOn(activeAbro(35)), quantity("anc", "751-8", 50, 0.8, "10*3/uL"))), not: []string{Neutropenia}},
		{name: "upadacitinib, ALC 0.3 ×10⁹/L: interrupt",
			rec: done(withObs(patientOn(activeUpa(35)), quantity("alc", "731-0", 3, 0.3, "10*9/L"))), want: []string{Lymphopenia}},
		{name: "upadacitinib, hemoglobin 7.5 g/dL: interrupt",
			rec: done(withObs(patientOn(activeUpa(35)), quantity("hb", "718-7", 3, 7.5, "g/dL"))), want: []string{Anemia}},
		{name: "upadacitinib, hemoglobin 9 g/dL: fine",
			rec: done(withObs(patientOn(activeUpa(35)), quantity("hb", "718-7", 3, 9, "g/dL"))), not: []string{Anemia}},
		{name: "abrocitinib, platelets 40 ×10³/µL: discontinue",
			rec: done(withObs(patientOn(activeAbro(35)), quantity("plt", "777-3", 3, 40, "10*3/uL"))), want: []string{Thrombocytopenia},
			check: func(t *testing.T, fs []Finding) {
				if f := wantFinding(t, fs, Thrombocytopenia); !strings.HasPrefix(f.Action, "Discontinue") {
					t.Errorf("action = %q", f.Action)
				}
			}},
		{name: "abrocitinib, platelets 80 ×10³/µL: above the on-treatment threshold",
			rec: done(withObs(patientOn(activeAbro(35)), quantity("plt", "777-3", 3, 80, "10*3/uL"))), not: []string{Thrombocytopenia}},
		{name: "upadacitinib, platelets 40 ×10³/µL: no platelet rule",
			rec: done(withObs(patientOn(activeUpa(35)), quantity("plt", "777-3", 3, 40, "10*3/uL"))), not: []string{Thrombocytopenia}},
		{name: "on abrocitinib with pneumonia: serious infection",
			rec: func() *Record {
				r := done(patientOn(activeAbro(10)))
				r.Conditions = []Condition{condition("pna", snomed("233604007"), "active")}
				return r
			}(), want: []string{SeriousInfectionActive},
			check: func(t *testing.T, fs []Finding) {
				// CIBINQO 5.1: discontinue (RINVOQ: interrupt).
				if f := wantFinding(t, fs, SeriousInfectionActive); !strings.HasPrefix(f.Action, "Discontinue abrocitinib") {
					t.Errorf("action = %q", f.Action)
				}
			}},
		{name: "on upadacitinib with pneumonia: serious infection, interrupt",
			rec: func() *Record {
				r := done(patientOn(activeUpa(10)))
				r.Conditions = []Condition{condition("pna", snomed("233604007"), "active")}
				return r
			}(), want: []string{SeriousInfectionActive},
			check: func(t *testing.T, fs []Finding) {
				if f := wantFinding(t, fs, SeriousInfectionActive); !strings.HasPrefix(f.Action, "Interrupt upadacitinib") {
					t.Errorf("action = %q", f.Action)
				}
			}},
		{name: "on upadacitinib, positive pregnancy test: pregnancy",
			rec: func() *Record {
				r := done(withObs(patientOn(activeUpa(10)), answer("hcg", "2106-3", 2, sctPositive)))
				r.Patient.Gender = "female"
				return r
			}(), want: []string{Pregnancy}},
		{name: "on upadacitinib with baricitinib: combination JAK",
			rec: done(patientOn(activeUpa(10), medication("bari", rx("2047232"), "active"))), want: []string{CombinationJAK}},
		{name: "on upadacitinib and abrocitinib: the combination flagged once, naming both",
			rec: done(patientOn(activeUpa(10), activeAbro(10))), want: []string{CombinationJAK},
			check: func(t *testing.T, fs []Finding) {
				n := 0
				for _, f := range fs {
					if f.Code == CombinationJAK {
						n++
						if f.Drug != Upadacitinib || len(f.Evidence) == 0 || f.Evidence[0].ResourceID != "MedicationRequest/abro" {
							t.Errorf("finding %+v", f)
						}
					}
				}
				if n != 1 {
					t.Errorf("combination-jak %d times, want once: one pairing, one card", n)
				}
			}},
		{name: "on abrocitinib with etanercept: combination biologic",
			rec: done(patientOn(activeAbro(10), medication("eta", rx("214555"), "active"))), want: []string{CombinationBiologic}},
		{name: "on abrocitinib with cyclosporine: combination immunosuppressant",
			rec: done(patientOn(activeAbro(10), medication("cyc", rx("3008"), "active"))), want: []string{CombinationImmunosuppressant}},
		{name: "on abrocitinib, past cyclosporine: no combination",
			rec: done(patientOn(activeAbro(10), medication("cyc", rx("3008"), "completed"))), not: []string{CombinationImmunosuppressant}},
	})
}

// TestRoutineMonitoringSaysItIsPolicy: the upadacitinib CBC and ALT/AST
// reminders rest on jakguard's routine interval, not on a label interval
// (RINVOQ: "according to routine patient management"); the card says so.
// The abrocitinib 4-week checks are the label's own and carry no such line.
func TestRoutineMonitoringSaysItIsPolicy(t *testing.T) {
	e := mustEngine(t, testKnowledge())
	policy := func(fs []Finding, code string) (found, says bool) {
		for _, f := range fs {
			if f.Code != code {
				continue
			}
			found = true
			for _, ev := range f.Evidence {
				says = says || strings.Contains(ev.Text, "without an interval") && strings.Contains(ev.Text, "upadacitinibRoutineMonitoring")
			}
		}
		return found, says
	}
	upa := e.EvaluatePatientView(patientOn(activeUpa(100)), testNow)
	for _, code := range []string{MonitoringCBCDue, MonitoringLiverDue} {
		if found, says := policy(upa, code); !found || !says {
			t.Errorf("upadacitinib %s: found %v, says it is jakguard's interval %v", code, found, says)
		}
	}
	abro := e.EvaluatePatientView(patientOn(activeAbro(100)), testNow)
	if found, says := policy(abro, MonitoringCBCDue); !found || says {
		t.Errorf("abrocitinib monitoring-cbc-due: found %v, policy line %v (want found, no policy line)", found, says)
	}
}

// TestRoutineMonitoringOff: a site may turn the upadacitinib routine CBC
// and ALT/AST check off (0); lipids at 12 weeks and abrocitinib's checks
// stay; a negative interval is refused.
func TestRoutineMonitoringOff(t *testing.T) {
	cfg := DefaultConfig()
	cfg.UpadacitinibRoutineMonitoring = 0
	e, err := NewEngine(testKnowledge(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	got := codesOf(e.EvaluatePatientView(patientOn(activeUpa(100)), testNow))
	if slices.Contains(got, MonitoringCBCDue) || slices.Contains(got, MonitoringLiverDue) || !slices.Contains(got, MonitoringLipidsDue) {
		t.Errorf("upadacitinib with the routine check off: %v, want lipids only", got)
	}
	got = codesOf(e.EvaluatePatientView(patientOn(activeAbro(100)), testNow))
	if !slices.Contains(got, MonitoringCBCDue) || !slices.Contains(got, MonitoringLiverDue) {
		t.Errorf("abrocitinib: %v, want its 4-week checks", got)
	}
	cfg.UpadacitinibRoutineMonitoring = -time.Hour
	if err := cfg.Validate(); err == nil {
		t.Error("a negative routine interval was accepted")
	}
}

// The kinds of data the patient-view rules read: what package hooks says
// could not be checked for a patient on a course. The Patient is not one.
func TestPatientViewData(t *testing.T) {
	want := []string{DataConditions, DataImmunizations, DataMedicationStatements, DataMedications, DataObservations}
	if got := PatientViewData(); !slices.Equal(got, want) {
		t.Errorf("PatientViewData() = %v, want %v", got, want)
	}
}

// TestMonitoringNotMeasured: a result since the start whose only value is
// words ("Test not performed", "TNP") is no check done; the monitoring is
// still due. For upadacitinib's repeating check, the last measured result
// is the one the interval counts from.
func TestMonitoringNotMeasured(t *testing.T) {
	words := func(id, code string, daysBack int, text string) Observation {
		o := observation(id, code, daysBack)
		o.ValueText = text
		return o
	}
	runPVCases(t, []pvCase{
		{name: "abrocitinib 35 days, ALT 'Test not performed' since the start: liver due",
			rec:  withObs(patientOn(activeAbro(35)), words("alt", "1742-6", 5, "Test not performed")),
			want: []string{MonitoringLiverDue}},
		{name: "abrocitinib 35 days, LDL 'TNP' since the start: lipids due",
			rec:  withObs(patientOn(activeAbro(35)), words("ldl", "13457-7", 5, "TNP")),
			want: []string{MonitoringLipidsDue}},
		{name: "abrocitinib 35 days, ALT 20 U/L since the start: liver done",
			rec: withObs(patientOn(activeAbro(35)), quantity("alt", "1742-6", 5, 20, "U/L")),
			not: []string{MonitoringLiverDue}},
		{name: "upadacitinib 200 days, ALT 100 days ago, 'not performed' 10 days ago: routine check due from the measured one",
			rec:  withObs(patientOn(activeUpa(200)), quantity("alt", "1742-6", 100, 20, "U/L"), words("alt2", "1742-6", 10, "Not performed")),
			want: []string{MonitoringLiverDue},
			check: func(t *testing.T, fs []Finding) {
				if f := wantFinding(t, fs, MonitoringLiverDue); f.DaysOverdue != 16 {
					t.Errorf("DaysOverdue = %d, want 16 (from the ALT measured 100 days ago)", f.DaysOverdue)
				}
			}},
	})
}

// TestOnHoldCourse: a course whose current members are all on hold is
// already interrupted; an "Interrupt" finding says to keep it on hold, and
// names the order. An active member beside it: "Interrupt" as before.
func TestOnHoldCourse(t *testing.T) {
	held := activeUpa(60)
	held.Status = "on-hold"
	newer := activeUpa(3)
	newer.ID = "MedicationRequest/upa-2"
	lowALC := quantity("alc", "731-0", 5, 0.3, "10*3/uL")
	runPVCases(t, []pvCase{
		{name: "on hold, ALC 0.3: keep on hold", rec: withObs(patientOn(held), lowALC), want: []string{Lymphopenia},
			check: func(t *testing.T, fs []Finding) {
				f := wantFinding(t, fs, Lymphopenia)
				if !f.OnHold || f.Level != Critical || !strings.HasPrefix(f.Action, "Keep upadacitinib on hold (MedicationRequest/upa is on hold); restart when") {
					t.Errorf("OnHold %v, level %s, action %q", f.OnHold, f.Level, f.Action)
				}
			}},
		{name: "on hold and an active order, ALC 0.3: interrupt", rec: withObs(patientOn(held, newer), lowALC), want: []string{Lymphopenia},
			check: func(t *testing.T, fs []Finding) {
				if f := wantFinding(t, fs, Lymphopenia); f.OnHold || !strings.HasPrefix(f.Action, "Interrupt upadacitinib") {
					t.Errorf("OnHold %v, action %q", f.OnHold, f.Action)
				}
			}},
		{name: "on hold 100 days: monitoring is not an interrupt", rec: patientOn(func() Medication { m := activeUpa(100); m.Status = "on-hold"; return m }()),
			want: []string{MonitoringLipidsDue},
			check: func(t *testing.T, fs []Finding) {
				for _, f := range fs {
					if f.OnHold {
						t.Errorf("%s marked on hold", f.Code)
					}
				}
			}},
	})
}

// TestPlannedCourse: a course made only of an intended statement is
// judged as a start on patient-view: no monitoring, start thresholds and
// wording, Planned set and OnTreatment not.
func TestPlannedCourse(t *testing.T) {
	plan := activeAbro(60)
	plan.ResourceType, plan.ID, plan.Status = "MedicationStatement", "MedicationStatement/abro", "intended"
	runPVCases(t, []pvCase{
		{name: "intended 60 days, no results: nothing due", rec: patientOn(plan), not: allMonitoring},
		{name: "intended, platelets 120 ×10³/µL: do not start", rec: withObs(patientOn(plan), quantity("plt", "777-3", 5, 120, "10*3/uL")),
			want: []string{Thrombocytopenia}, not: allMonitoring,
			check: func(t *testing.T, fs []Finding) {
				f := wantFinding(t, fs, Thrombocytopenia)
				if !f.Planned || f.OnTreatment || !strings.HasPrefix(f.Action, "Do not start abrocitinib") {
					t.Errorf("Planned %v, OnTreatment %v, action %q", f.Planned, f.OnTreatment, f.Action)
				}
			}},
	})
}
