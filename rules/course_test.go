package rules

import (
	"strings"
	"testing"
	"time"
)

// Contract 6.2 and issue 14: a treatment course, not a single order.

func TestCourses(t *testing.T) {
	e := mustEngine(t, decKnowledge())
	withEnd := func(m Medication, daysBack int) Medication { m.End = daysAgo(daysBack); return m }
	tests := []struct {
		name     string
		meds     []Medication
		exclude  []string
		drug     Drug
		none     bool
		start    int // days ago of the course start (-1: unknown)
		ongoing  bool
		recent   bool
		first3   bool
		dailyMg  float64
		startRef string
	}{
		{name: "one active order", meds: []Medication{courseMember("a", Abrocitinib, "active", 40, 100)},
			drug: Abrocitinib, start: 40, ongoing: true, recent: true, first3: true, dailyMg: 100},
		{name: "monthly renewals: the start is the first order, not the latest renewal",
			meds: []Medication{courseMember("r1", Upadacitinib, "completed", 180, 15), courseMember("r2", Upadacitinib, "completed", 120, 15),
				courseMember("r3", Upadacitinib, "completed", 60, 15), courseMember("r4", Upadacitinib, "active", 5, 30)},
			drug: Upadacitinib, start: 180, ongoing: true, recent: true, dailyMg: 30, startRef: "MedicationRequest/r1"},
		{name: "a gap of 90 days keeps one course",
			meds: []Medication{courseMember("old", Upadacitinib, "completed", 200, 15), courseMember("new", Upadacitinib, "active", 110, 15)},
			drug: Upadacitinib, start: 200, ongoing: true, recent: true},
		{name: "a gap of 91 days starts a new course",
			meds: []Medication{courseMember("old", Upadacitinib, "completed", 201, 15), courseMember("new", Upadacitinib, "active", 110, 15)},
			drug: Upadacitinib, start: 110, ongoing: true, recent: true},
		{name: "a past order's end counts for the gap",
			meds: []Medication{withEnd(courseMember("old", Upadacitinib, "completed", 300, 15), 150), courseMember("new", Upadacitinib, "active", 100, 15)},
			drug: Upadacitinib, start: 300, ongoing: true, recent: true},
		{name: "ended 90 days ago: recent", meds: []Medication{courseMember("a", Abrocitinib, "stopped", 90, 100)},
			drug: Abrocitinib, start: 90, recent: true, first3: true},
		{name: "ended 91 days ago: not recent", meds: []Medication{courseMember("a", Abrocitinib, "completed", 91, 100)},
			drug: Abrocitinib, start: 91, recent: false},
		{name: "entered in error and cancelled orders do not count",
			meds: []Medication{courseMember("e", Abrocitinib, "entered-in-error", 300, 100), courseMember("c", Abrocitinib, "cancelled", 250, 100),
				courseMember("a", Abrocitinib, "active", 20, 100)},
			drug: Abrocitinib, start: 20, ongoing: true, recent: true, first3: true},
		{name: "a draft on record is not a course", meds: []Medication{courseMember("d", Abrocitinib, "draft", 20, 100)}, drug: Abrocitinib, none: true},
		{name: "an outside statement continues the course",
			meds: []Medication{statement(courseMember("s", Upadacitinib, "active", 400, 15)), courseMember("r", Upadacitinib, "active", 10, 15)},
			drug: Upadacitinib, start: 400, ongoing: true, recent: true},
		{name: "a statement not taken does not count", meds: []Medication{statement(courseMember("s", Upadacitinib, "not-taken", 40, 15))}, drug: Upadacitinib, none: true},
		{name: "the draft orders of the session are not members", meds: []Medication{courseMember("draft-1", Abrocitinib, "active", 0, 100)},
			exclude: []string{"MedicationRequest/draft-1"}, drug: Abrocitinib, none: true},
		{name: "an undated active order: ongoing, start unknown", meds: []Medication{func() Medication {
			m := courseMember("u", Abrocitinib, "active", 0, 100)
			m.Authored = time.Time{}
			return m
		}()}, drug: Abrocitinib, start: -1, ongoing: true, recent: true, first3: true},
		{name: "a plan (Oracle Health's documented home medication) makes an ongoing course", meds: []Medication{func() Medication {
			m := courseMember("home", Upadacitinib, "active", 40, 15)
			m.Intent = "plan"
			return m
		}()}, drug: Upadacitinib, start: 40, ongoing: true, recent: true, first3: true},
		{name: "a proposal is not a course", meds: []Medication{func() Medication {
			m := courseMember("p", Upadacitinib, "active", 40, 15)
			m.Intent = "proposal"
			return m
		}()}, drug: Upadacitinib, none: true},
		{name: "89 days in: first 3 months", meds: []Medication{courseMember("a", Abrocitinib, "active", 89, 100)},
			drug: Abrocitinib, start: 89, ongoing: true, recent: true, first3: true},
		{name: "91 days in: past the first 3 months", meds: []Medication{courseMember("a", Abrocitinib, "active", 91, 100)},
			drug: Abrocitinib, start: 91, ongoing: true, recent: true, first3: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got *Course
			for _, c := range e.Courses(patientOn(tc.meds...), testNow, tc.exclude...) {
				if c.Drug == tc.drug {
					c := c
					got = &c
				}
			}
			if tc.none {
				if got != nil {
					t.Fatalf("course = %+v, want none", got)
				}
				return
			}
			if got == nil {
				t.Fatal("no course")
			}
			switch {
			case tc.start < 0 && !got.Start.IsZero():
				t.Errorf("Start = %v, want unknown", got.Start)
			case tc.start >= 0 && !got.Start.Equal(daysAgo(tc.start)):
				t.Errorf("Start = %v, want %v", got.Start, daysAgo(tc.start))
			}
			if got.Ongoing != tc.ongoing || got.Recent != tc.recent {
				t.Errorf("Ongoing, Recent = %v, %v; want %v, %v", got.Ongoing, got.Recent, tc.ongoing, tc.recent)
			}
			if tc.first3 != got.FirstMonths {
				t.Errorf("FirstMonths = %v, want %v", got.FirstMonths, tc.first3)
			}
			if tc.dailyMg != 0 && (!got.DoseKnown || got.DailyMg != tc.dailyMg) {
				t.Errorf("dose = %v (%v), want %v", got.DailyMg, got.DoseKnown, tc.dailyMg)
			}
			if tc.startRef != "" && !strings.Contains(got.StartFrom, tc.startRef) {
				t.Errorf("StartFrom = %q", got.StartFrom)
			}
		})
	}
	// A plan only plans the drug: the course is not Started (a new order
	// is an initiation).
	plan := courseMember("home", Upadacitinib, "active", 40, 15)
	plan.Intent = "plan"
	if cs := e.Courses(patientOn(plan), testNow); len(cs) != 1 || cs[0].Started {
		t.Errorf("plan-only course = %+v, want one course not Started", cs)
	}
	// A stopped order keeps the planned end of its validity period, 30
	// days ahead: the course ended by today.
	if cs := e.Courses(patientOn(withEnd(courseMember("s", Upadacitinib, "stopped", 60, 15), -30)), testNow); len(cs) != 1 ||
		cs[0].Ongoing || !cs[0].Recent || cs[0].End.After(testNow) {
		t.Errorf("stopped course with a future end = %+v, want ended by today", cs)
	}
	// ActiveCourse, for the interaction rules of issue 15.
	c, ok := e.ActiveCourse(patientOn(courseMember("a", Abrocitinib, "completed", 200, 100), courseMember("u", Upadacitinib, "active", 30, 15)), testNow)
	if !ok || c.Drug != Upadacitinib || !c.FirstMonths {
		t.Errorf("ActiveCourse = %+v, %v", c, ok)
	}
	if _, ok := e.ActiveCourse(patientOn(courseMember("a", Abrocitinib, "completed", 200, 100)), testNow); ok {
		t.Error("a course ended 200 days ago is active or recent")
	}
}

// stableRenewal: a 45-year-old man six months into upadacitinib 15 mg,
// with complete, recent, normal labs.
func stableRenewal() (*Record, Medication) {
	r := cleanRecord()
	r.Patient.BirthDate = daysAgo(45*365 + 10)
	r.Medications = append(r.Medications, courseMember("upa-1", Upadacitinib, "completed", 180, 15),
		courseMember("upa-2", Upadacitinib, "active", 90, 15))
	return r, upaOrder(15)
}

// TestStableRenewalIsQuiet: issue 14's done-when. A renewal of a stable
// patient with complete, recent, normal labs gives no warning or critical
// finding at all.
func TestStableRenewalIsQuiet(t *testing.T) {
	e := mustEngine(t, decKnowledge())
	for _, drug := range []Drug{Upadacitinib, Abrocitinib} {
		r, order := stableRenewal()
		if drug == Abrocitinib {
			r.Medications = append(r.Medications[:1], courseMember("abro-1", Abrocitinib, "completed", 180, 100),
				courseMember("abro-2", Abrocitinib, "active", 60, 100))
			order = abroOrder(100)
		}
		// Even without screening results on record: a renewal gets none.
		without(r, "igra", "hbsag", "hbc", "hcv")
		r.Medications = r.Medications[1:] // no prior systemic therapy on record either
		r.Immunizations = nil
		for _, f := range evalOrder(t, e, r, order) {
			if f.Level != Info {
				t.Errorf("%s: %s (%s): %s", drug, f.Code, f.Level, f.Title)
			}
		}
	}
}

// TestContinuation: contract 6.2. A renewal gets no pre-treatment
// screening, on-treatment thresholds and wording, and monitoring instead.
func TestContinuation(t *testing.T) {
	e := mustEngine(t, decKnowledge())
	abroCourse := func(startDays int) func(r *Record) {
		return func(r *Record) {
			r.Medications = append(r.Medications, courseMember("abro-1", Abrocitinib, "active", startDays, 100))
		}
	}
	tests := []struct {
		name  string
		order Medication
		edit  func(r *Record)
		want  []string
		not   []string
		check func(t *testing.T, fs []Finding)
	}{
		{name: "abrocitinib renewal, platelets 120,000: no thrombocytopenia (on treatment the limit is 50,000)", order: abroOrder(100),
			edit: func(r *Record) { abroCourse(180)(r); r.Observations[7].Quantity.Value = 120 },
			not:  []string{Thrombocytopenia, PregnancyTestMissing}},
		{name: "abrocitinib start, platelets 120,000: do not start", order: abroOrder(100),
			edit: func(r *Record) { r.Observations[7].Quantity.Value = 120 }, want: []string{Thrombocytopenia},
			check: func(t *testing.T, fs []Finding) {
				if f := wantFinding(t, fs, Thrombocytopenia); f.OnTreatment || !strings.HasPrefix(f.Action, "Do not start") {
					t.Errorf("finding = %+v", f)
				}
			}},
		{name: "abrocitinib renewal, platelets 45,000: discontinue", order: abroOrder(100),
			edit: func(r *Record) { abroCourse(180)(r); r.Observations[7].Quantity.Value = 45 }, want: []string{Thrombocytopenia},
			check: func(t *testing.T, fs []Finding) {
				f := wantFinding(t, fs, Thrombocytopenia)
				if !f.OnTreatment || !strings.HasPrefix(f.Action, "Discontinue") || f.Threshold != "50,000/mm³" || f.Level != Critical {
					t.Errorf("finding = %+v", f)
				}
			}},
		{name: "renewal with a low ALC: interrupt", order: abroOrder(100),
			edit: func(r *Record) { abroCourse(180)(r); r.Observations[4].Quantity.Value = 0.4 }, want: []string{Lymphopenia},
			check: func(t *testing.T, fs []Finding) {
				if f := wantFinding(t, fs, Lymphopenia); !strings.HasPrefix(f.Action, "Interrupt") {
					t.Errorf("action = %q", f.Action)
				}
			}},
		{name: "renewal: no screening even with nothing on record", order: upaOrder(15),
			edit: func(r *Record) {
				r.Observations, r.Immunizations = nil, nil
				r.Patient.Gender = "female"
				r.Medications = []Medication{courseMember("u", Upadacitinib, "active", 200, 15)}
			},
			not: []string{TBScreeningMissing, HBVScreeningMissing, HCVScreeningMissing, CBCMissing, LiverEnzymesMissing, LipidsMissing,
				PregnancyTestMissing, ZosterVaccineMissing, NoPriorSystemicTherapy},
			want: []string{MonitoringCBCDue, MonitoringLiverDue, MonitoringLipidsDue}},
		{name: "renewal 6 weeks into abrocitinib without a CBC since the start: monitoring due", order: abroOrder(100),
			edit: func(r *Record) {
				abroCourse(42)(r)
				for i := range r.Observations {
					r.Observations[i].Date = daysAgo(45)
				}
			},
			want: []string{MonitoringCBCDue, MonitoringLipidsDue, MonitoringLiverDue}, not: []string{CBCMissing}},
		{name: "switch from abrocitinib to upadacitinib: initiation of upadacitinib", order: upaOrder(15),
			edit: func(r *Record) { abroCourse(180)(r); without(r, "igra") },
			want: []string{TBScreeningMissing, CombinationJAK}},
		{name: "course ended 91 days ago: a new start", order: abroOrder(100),
			edit: func(r *Record) {
				r.Medications = append(r.Medications, courseMember("old", Abrocitinib, "completed", 91, 100))
				without(r, "igra")
			}, want: []string{TBScreeningMissing}},
		{name: "course ended 90 days ago: a continuation", order: abroOrder(100),
			edit: func(r *Record) {
				r.Medications = append(r.Medications, courseMember("old", Abrocitinib, "completed", 90, 100))
				without(r, "igra")
			}, not: []string{TBScreeningMissing}},
		{name: "the order itself on record as active is not its own course", order: upaOrder(15),
			edit: func(r *Record) {
				m := upaOrder(15)
				m.Status, m.Authored = "active", testNow
				r.Medications = append(r.Medications, m)
				without(r, "igra")
			}, want: []string{TBScreeningMissing}},
		{name: "new myocardial infarction during upadacitinib: discontinue", order: upaOrder(15),
			edit: func(r *Record) {
				r.Medications = append(r.Medications, courseMember("u", Upadacitinib, "active", 200, 15))
				c := condition("mi", snomed("22298006"), "active")
				c.Onset = daysAgo(20)
				r.Conditions = append(r.Conditions, c)
			}, want: []string{MACEHistory},
			check: func(t *testing.T, fs []Finding) {
				if f := wantFinding(t, fs, MACEHistory); !strings.Contains(f.Action, "discontinue upadacitinib") {
					t.Errorf("action = %q", f.Action)
				}
			}},
		{name: "an MI before the course: weighed at initiation, not at every renewal", order: upaOrder(15),
			edit: func(r *Record) {
				r.Medications = append(r.Medications, courseMember("u", Upadacitinib, "active", 200, 15))
				c := condition("mi", snomed("22298006"), "resolved")
				c.Onset = daysAgo(800)
				r.Conditions = append(r.Conditions, c)
			}, not: []string{MACEHistory}},
		{name: "a positive IGRA during the course: latent TB to treat", order: upaOrder(15),
			edit: func(r *Record) {
				r.Medications = append(r.Medications, courseMember("u", Upadacitinib, "active", 200, 15))
				r.Observations[0].ValueCodes, r.Observations[0].Date = snomed(sctPositive), daysAgo(30)
			}, want: []string{TBLatentUntreated}},
		{name: "renewal at 30 mg for a 67-year-old: lower dose still applies (US label)", order: upaOrder(30),
			edit: func(r *Record) {
				r.Patient.BirthDate = daysAgo(67*365 + 40)
				r.Medications = append(r.Medications, courseMember("u", Upadacitinib, "active", 200, 30))
			}, want: []string{LowerDoseRecommended}},
		{name: "renewal at the same 30 mg for a smoker: the dose was chosen knowing it", order: upaOrder(30),
			edit: func(r *Record) {
				r.Observations[11].ValueCodes = snomed("449868002")
				r.Medications = append(r.Medications, courseMember("u", Upadacitinib, "active", 200, 30))
			}, not: []string{LowerDoseRecommended, Smoker}},
		{name: "raising a smoker from 15 to 30 mg on a renewal: lower dose recommended", order: upaOrder(30),
			edit: func(r *Record) {
				r.Observations[11].ValueCodes = snomed("449868002")
				r.Medications = append(r.Medications, courseMember("u", Upadacitinib, "active", 200, 15))
			}, want: []string{LowerDoseRecommended}, not: []string{Smoker}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := cleanRecord()
			if tc.edit != nil {
				tc.edit(r)
			}
			fs := evalOrder(t, e, r, tc.order)
			checkCodes(t, fs, tc.want, tc.not)
			if tc.check != nil {
				tc.check(t, fs)
			}
		})
	}
}

// TestAntiplateletFirstThreeMonths: contract 6.2, the contraindication holds
// during the first 3 months of an abrocitinib course only.
func TestAntiplateletFirstThreeMonths(t *testing.T) {
	e := mustEngine(t, decKnowledge())
	clopidogrel := medication("clop", rx("32968"), "active")
	tests := []struct {
		name   string
		course []Medication
		fires  bool
	}{
		{"starting abrocitinib", nil, true},
		{"2 weeks into the course", []Medication{courseMember("a", Abrocitinib, "active", 14, 100)}, true},
		{"day 89", []Medication{courseMember("a", Abrocitinib, "active", 89, 100)}, true},
		{"day 90", []Medication{courseMember("a", Abrocitinib, "active", 90, 100)}, true},
		{"day 91", []Medication{courseMember("a", Abrocitinib, "active", 91, 100)}, false},
		{"8 months in, renewed every 2 months", []Medication{courseMember("a", Abrocitinib, "completed", 240, 100), courseMember("b", Abrocitinib, "completed", 180, 100),
			courseMember("c", Abrocitinib, "completed", 120, 100), courseMember("d", Abrocitinib, "active", 60, 100)}, false},
		{"an upadacitinib course does not count (switch to abrocitinib)", []Medication{courseMember("u", Upadacitinib, "active", 240, 15)}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := cleanRecord()
			r.Medications = append(append(r.Medications, clopidogrel), tc.course...)
			if got := hasCode(evalOrder(t, e, r, abroOrder(100)), AntiplateletAbrocitinib); got != tc.fires {
				t.Errorf("antiplatelet-abrocitinib = %v, want %v", got, tc.fires)
			}
		})
	}
}

// TestPatientViewFromTheCourseStart: results count from the course start,
// not from the latest renewal (issue 14).
func TestPatientViewFromTheCourseStart(t *testing.T) {
	e := mustEngine(t, decKnowledge())
	r := patientOn(courseMember("a1", Abrocitinib, "completed", 150, 100), courseMember("a2", Abrocitinib, "completed", 90, 100),
		courseMember("a3", Abrocitinib, "completed", 40, 100), courseMember("a4", Abrocitinib, "active", 10, 100))
	withObs(r, quantity("plt", "777-3", 40, 40, "10*3/uL"), quantity("alt", "1742-6", 40, 20, "U/L"), quantity("ldl", "13457-7", 40, 100, "mg/dL"))
	fs := e.EvaluatePatientView(r, testNow)
	checkCodes(t, fs, []string{Thrombocytopenia}, []string{MonitoringCBCDue, MonitoringLiverDue, MonitoringLipidsDue})
	f := wantFinding(t, fs, Thrombocytopenia)
	if !strings.Contains(evidenceText(f), "course started on "+dateText(daysAgo(150))) || f.OrderID != "MedicationRequest/a4" {
		t.Errorf("finding = %+v", f)
	}
	// An active outside statement is a current therapy too.
	r = patientOn(statement(courseMember("s", Upadacitinib, "active", 100, 15)))
	checkCodes(t, e.EvaluatePatientView(r, testNow), []string{MonitoringLipidsDue}, nil)
}

// TestOneDosePerOrder: contract 6.3. Every finding that limits the dose of
// one order suggests the same dose, the lowest limit.
func TestOneDosePerOrder(t *testing.T) {
	e := mustEngine(t, decKnowledge())
	tests := []struct {
		name   string
		order  Medication
		edit   func(r *Record)
		codes  []string
		wantMg float64
	}{
		{"upadacitinib 45 mg at 70: above label (30) and age (15) both say 15", upaOrder(45),
			func(r *Record) { r.Patient.BirthDate = daysAgo(70*365 + 20) }, []string{DoseAboveLabel, LowerDoseRecommended}, 15},
		{"abrocitinib 200 mg, eGFR 45, smoker: renal (50) and boxed-warning (100) both say 50", abroOrder(200),
			func(r *Record) {
				r.Observations[10].Quantity.Value = 45
				r.Observations[11].ValueCodes = snomed("449868002")
			},
			[]string{RenalImpairment, LowerDoseRecommended}, 50},
		{"upadacitinib 30 mg with clarithromycin at 67: CYP and age both say 15", upaOrder(30),
			func(r *Record) {
				r.Patient.BirthDate = daysAgo(67*365 + 20)
				r.Medications = append(r.Medications, medication("cla", rx("21212"), "active"))
			}, []string{CYPInteraction, LowerDoseRecommended}, 15},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := cleanRecord()
			tc.edit(r)
			fs := evalOrder(t, e, r, tc.order)
			for _, code := range tc.codes {
				f := wantFinding(t, fs, code)
				if f.SuggestedDailyMg != tc.wantMg {
					t.Errorf("%s suggests %v mg, want %v", code, f.SuggestedDailyMg, tc.wantMg)
				}
				if !strings.Contains(f.Action, number(tc.wantMg)+" mg once daily") {
					t.Errorf("%s action %q does not state %v mg", code, f.Action, tc.wantMg)
				}
			}
			for _, f := range fs {
				if f.SuggestedDailyMg != 0 && f.SuggestedDailyMg != tc.wantMg {
					t.Errorf("%s suggests %v mg", f.Code, f.SuggestedDailyMg)
				}
			}
		})
	}
	// Abrocitinib 100 mg with eGFR 45, 20 weeks into the course: after 12
	// weeks the label allows 100 mg, so no reduction is suggested.
	r := cleanRecord()
	r.Observations[10].Quantity.Value = 45
	r.Medications = append(r.Medications, courseMember("a", Abrocitinib, "active", 140, 100))
	if f := wantFinding(t, evalOrder(t, e, r, abroOrder(100)), RenalImpairment); f.SuggestedDailyMg != 0 || f.DoseLimitMg != 100 {
		t.Errorf("finding = %+v", f)
	}
	// At the start, the same patient gets 50 mg.
	r = cleanRecord()
	r.Observations[10].Quantity.Value = 45
	if f := wantFinding(t, evalOrder(t, e, r, abroOrder(100)), RenalImpairment); f.SuggestedDailyMg != 50 {
		t.Errorf("finding = %+v", f)
	}
}

// TestSuggestedProductCode: the update keeps a product code of the new
// strength when the knowledge base has one (contract 6.3).
func TestSuggestedProductCode(t *testing.T) {
	k := decKnowledge()
	addProduct(k, VSUpadacitinib, "test-scd-30", "upadacitinib 30 MG 24HR ER tablet", 30, "SCD")
	addProduct(k, VSUpadacitinib, "test-scd-15", "upadacitinib 15 MG 24HR ER tablet", 15, "SCD")
	addProduct(k, VSUpadacitinib, "test-sbd-15", "upadacitinib 15 MG 24HR ER tablet [Rinvoq]", 15, "SBD")
	e := mustEngine(t, k)
	r := cleanRecord()
	r.Patient.BirthDate = daysAgo(70*365 + 20)
	order := func(code, text string) Medication {
		return Medication{ID: "MedicationRequest/o", ResourceType: "MedicationRequest", Status: "draft", Intent: "order", Codes: rx(code), Text: text,
			Dose: DoseFacts{DoseQuantity: &Quantity{Value: 1, Unit: "{tablet}"}, TimingCode: "QD"}}
	}
	f := wantFinding(t, evalOrder(t, e, r, order("test-scd-30", "")), LowerDoseRecommended)
	if f.ProductCode.Code != "test-scd-15" || !f.OrderedAsProduct {
		t.Errorf("generic order: product %+v, asProduct %v", f.ProductCode, f.OrderedAsProduct)
	}
	f = wantFinding(t, evalOrder(t, e, r, order("test-scd-30", "Rinvoq 30 mg")), LowerDoseRecommended)
	if f.ProductCode.Code != "test-sbd-15" {
		t.Errorf("branded order: product %+v", f.ProductCode)
	}
	// Without a product of the strength: none, and the order is a product.
	e = mustEngine(t, decKnowledge())
	ndc := order("", "RINVOQ 30 mg")
	ndc.Codes = []Coding{{System: SystemNDC, Code: "00074-2310-30"}}
	f = wantFinding(t, evalOrder(t, e, r, ndc), LowerDoseRecommended)
	if f.ProductCode.Code != "" || !f.OrderedAsProduct {
		t.Errorf("no product: %+v, asProduct %v", f.ProductCode, f.OrderedAsProduct)
	}
	// An ingredient-coded order is no product, whether or not its text
	// names the strength: the update keeps the ingredient and replaces no
	// product.
	for _, text := range []string{"upadacitinib", "upadacitinib 30 MG 24HR Extended Release Oral Tablet"} {
		ing := upaOrder(30)
		ing.Text = text
		if f := wantFinding(t, evalOrder(t, e, r, ing), LowerDoseRecommended); f.OrderedAsProduct || f.SuggestedDailyMg != 15 {
			t.Errorf("ingredient order %q: asProduct %v, suggested %v", text, f.OrderedAsProduct, f.SuggestedDailyMg)
		}
	}
}

// TestSuggestedNDC: an order coded by NDC keeps an NDC of the new strength,
// the same package size where the knowledge base has it (contract 6.3).
func TestSuggestedNDC(t *testing.T) {
	k := decKnowledge()
	vs := k.sets[VSUpadacitinib]
	for _, c := range []struct {
		code string
		mg   float64
	}{{"00074231030", 30}, {"00074231020", 30}, {"00074230630", 15}, {"00074230670", 15}, {"0074-2306", 15}} {
		vs.Codes = append(vs.Codes, Code{Coding: Coding{System: SystemNDC, Code: normCode(SystemNDC, c.code)}, Grade: "A", StrengthMg: c.mg, TTY: "NDC"})
	}
	vs.buildIndex()
	e := mustEngine(t, k)
	r := cleanRecord()
	r.Patient.BirthDate = daysAgo(70*365 + 20)
	for _, tc := range []struct{ ordered, want string }{
		{"0074-2310-30", "00074230630"}, // 4-4-2 as printed: the bottle of 30
		{"00074231030", "00074230630"},
		{"00074-2310-20", "00074230630"}, // no 15 mg pack of 20: any 11-digit package
	} {
		o := Medication{ID: "MedicationRequest/o", ResourceType: "MedicationRequest", Status: "draft", Intent: "order",
			Codes: []Coding{{System: SystemNDC, Code: tc.ordered}}, Text: "RINVOQ 30 mg",
			Dose: DoseFacts{DoseQuantity: &Quantity{Value: 1, Unit: "{tablet}"}, TimingCode: "QD"}}
		f := wantFinding(t, evalOrder(t, e, r, o), LowerDoseRecommended)
		if f.ProductCode.System != SystemNDC || f.ProductCode.Code != tc.want || !f.OrderedAsProduct {
			t.Errorf("NDC %s: product %+v, asProduct %v; want %s", tc.ordered, f.ProductCode, f.OrderedAsProduct, tc.want)
		}
	}
}

// TestPlannedCourseFirstMonths: a course made only of an intended
// statement has its first 3 months ahead however old the plan; once a
// request or statement of use follows, they count from it.
func TestPlannedCourseFirstMonths(t *testing.T) {
	e := mustEngine(t, testKnowledge())
	plan := activeAbro(200)
	plan.ResourceType, plan.ID, plan.Status = "MedicationStatement", "MedicationStatement/plan", "intended"
	taken := activeAbro(120)
	for _, tc := range []struct {
		name  string
		meds  []Medication
		first bool
	}{
		{"intended 200 days ago only", []Medication{plan}, true},
		{"intended 200 days ago, taken since 120 days", []Medication{plan, taken}, false},
	} {
		cs := e.Courses(patientOn(tc.meds...), testNow)
		if len(cs) != 1 || cs[0].FirstMonths != tc.first {
			t.Errorf("%s: courses %+v, want FirstMonths %v", tc.name, cs, tc.first)
		}
	}
}
