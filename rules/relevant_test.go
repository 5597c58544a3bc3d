package rules

import (
	"testing"
	"time"
)

// ObservationRelevant agrees with Has over every code of every value set:
// a code some Observation rule reads is relevant, others are not.
func TestObservationRelevant(t *testing.T) {
	k := embeddedKnowledge(t)
	e := mustEngine(t, k)
	obs := map[string]bool{}
	for _, id := range ObservationValueSets() {
		obs[id] = true
	}
	for _, id := range k.IDs() {
		for _, c := range k.Codes(id) {
			codes := []Coding{c.Coding}
			want := false
			for set := range obs {
				want = want || k.Has(set, codes)
			}
			if got := e.ObservationRelevant(codes); got != want {
				t.Errorf("%s %s|%s: relevant = %v, want %v", id, c.System, c.Code, got, want)
			}
		}
	}
	for _, tc := range []struct {
		name  string
		codes []Coding
		want  bool
	}{
		{"ANC", []Coding{{System: SystemLOINC, Code: "751-8"}}, true},
		{"ANC with spaces", []Coding{{System: SystemLOINC, Code: " 751-8 "}}, true},
		{"blood pressure", []Coding{{System: SystemLOINC, Code: "85354-9"}}, false},
		{"local code, then LDL", []Coding{{System: "urn:local", Code: "LDL"}, {System: SystemLOINC, Code: "13457-7"}}, true},
		{"right code, wrong system", []Coding{{System: SystemSNOMED, Code: "751-8"}}, false},
		{"no codes", nil, false},
	} {
		if got := e.ObservationRelevant(tc.codes); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestOrderObservationRelevant(t *testing.T) {
	k := embeddedKnowledge(t)
	e := mustEngine(t, k)
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	loinc := func(code string) []Coding { return []Coding{{System: SystemLOINC, Code: code}} }
	cases := []struct {
		name  string
		codes []Coding
		date  time.Time
		want  bool
	}{
		{"ANC 60 days old", loinc("751-8"), now.AddDate(0, 0, -60), true},
		{"ANC 200 days old: outside the 90-day CBC window (a renewal reads it since the course start: ResultsSince)", loinc("751-8"), now.AddDate(0, 0, -200), false},
		{"ANC on the window's edge", loinc("751-8"), now.AddDate(0, 0, -91), true},
		{"ANC without a date", loinc("751-8"), time.Time{}, true},
		{"IGRA 10 years old: a positive TB test counts at any date", loinc("71773-6"), now.AddDate(-10, 0, 0), true},
		{"HBsAg 8 years old", loinc("5196-1"), now.AddDate(-8, 0, 0), true},
		{"smoking status 20 years old", loinc("72166-2"), now.AddDate(-20, 0, 0), true},
		{"LDL 11 months old", loinc("13457-7"), now.AddDate(0, -11, 0), true},
		{"LDL 3 years old", loinc("13457-7"), now.AddDate(-3, 0, 0), false},
		{"hCG 2 months old: may end a pregnancy condition", loinc("2106-3"), now.AddDate(0, -2, 0), true},
		{"hCG 11 months old: older than any pregnancy", loinc("2106-3"), now.AddDate(0, -11, 0), false},
		{"eGFR 9 years old: an old low one is said", loinc("98979-8"), now.AddDate(-9, 0, 0), true},
		{"eGFR 11 years old: past staleEGFRHorizon", loinc("98979-8"), now.AddDate(-11, 0, 0), false},
		{"blood pressure today", loinc("85354-9"), now, false},
	}
	for _, tc := range cases {
		if got := e.OrderObservationRelevant(tc.codes, tc.date, now); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
		if tc.codes[0].Code != "85354-9" && !e.ObservationRelevant(tc.codes) {
			t.Errorf("%s: not relevant to any rule", tc.name)
		}
	}
}

// ObservationLookback is the longest window of the sets holding the codes,
// widened by pruneMargin, and 0 (any date) as soon as one of them is read
// at any date, by code or by name; it agrees with ObservationRelevant on
// whether a rule reads the codes at all.
func TestObservationLookback(t *testing.T) {
	k := embeddedKnowledge(t)
	e := mustEngine(t, k)
	cfg := DefaultConfig()
	loinc := func(code string) Coding { return Coding{System: SystemLOINC, Code: code} }
	for _, tc := range []struct {
		name     string
		codes    []Coding
		lookback time.Duration
		relevant bool
	}{
		{"ANC: the CBC window", []Coding{loinc("751-8")}, cfg.CBCWindow + pruneMargin, true},
		{"LDL: the lipid window", []Coding{loinc("13457-7")}, cfg.LipidWindow + pruneMargin, true},
		{"ANC and LDL: the longer", []Coding{loinc("751-8"), loinc("13457-7")}, max(cfg.CBCWindow, cfg.LipidWindow) + pruneMargin, true},
		{"hCG: as long as a pregnancy lasts", []Coding{loinc("2106-3")}, max(cfg.PregnancyTestWindow, pregnancyMaxDays*day) + pruneMargin, true},
		{"hCG and eGFR: the longer", []Coding{loinc("2106-3"), loinc("98979-8")}, max(cfg.PregnancyTestWindow, pregnancyMaxDays*day, cfg.EGFRWindow, staleEGFRHorizon) + pruneMargin, true},
		{"IGRA: any date", []Coding{loinc("71773-6")}, 0, true},
		{"ANC then IGRA: any date wins", []Coding{loinc("751-8"), loinc("71773-6")}, 0, true},
		{"named only: Child-Pugh", []Coding{{Display: "Child-Pugh class"}}, 0, true},
		{"ANC named body weight", []Coding{loinc("751-8"), {Display: "Body weight"}}, 0, true},
		{"blood pressure", []Coding{loinc("85354-9")}, 0, false},
		{"no codes", nil, 0, false},
	} {
		lb, ok := e.ObservationLookback(tc.codes)
		if lb != tc.lookback || ok != tc.relevant {
			t.Errorf("%s: (%v, %v), want (%v, %v)", tc.name, lb, ok, tc.lookback, tc.relevant)
		}
	}
	for _, id := range k.IDs() {
		for _, c := range k.Codes(id) {
			codes := []Coding{c.Coding}
			if _, ok := e.ObservationLookback(codes); ok != e.ObservationRelevant(codes) {
				t.Errorf("%s %s|%s: lookback relevant = %v, ObservationRelevant disagrees", id, c.System, c.Code, ok)
			}
		}
	}
}

// ConditionRelevant and ImmunizationRelevant agree with Has over every code
// of every value set, and with the sets the index sorts them into.
func TestCodedRelevant(t *testing.T) {
	k := embeddedKnowledge(t)
	e := mustEngine(t, k)
	for _, id := range k.IDs() {
		for _, c := range k.Codes(id) {
			codes := []Coding{c.Coding}
			wantCond, wantImm := false, false
			for _, set := range indexedConditionSets {
				wantCond = wantCond || k.Has(set, codes)
			}
			for _, set := range indexedImmunizationSets {
				wantImm = wantImm || k.Has(set, codes)
			}
			if got := e.ConditionRelevant(codes); got != wantCond {
				t.Errorf("%s %s|%s: condition relevant = %v, want %v", id, c.System, c.Code, got, wantCond)
			}
			if got := e.ImmunizationRelevant(codes); got != wantImm {
				t.Errorf("%s %s|%s: immunization relevant = %v, want %v", id, c.System, c.Code, got, wantImm)
			}
		}
	}
	sct := func(code string) []Coding { return []Coding{{System: SystemSNOMED, Code: code}} }
	cvx := func(code string) []Coding { return []Coding{{System: SystemCVX, Code: code}} }
	for _, tc := range []struct {
		name      string
		codes     []Coding
		cond, imm bool
	}{
		{"atopic dermatitis (the indication) is read by no rule", sct("24079001"), false, false},
		{"ICD-10-CM malignancy by pattern", []Coding{{System: SystemICD10CM, Code: "C50.911"}}, true, false},
		{"ICD-10-CM without its dot", []Coding{{System: SystemICD10CM, Code: "c50911"}}, true, false},
		{"one relevant coding among others", []Coding{{System: "urn:local", Code: "x"}, {System: SystemICD10CM, Code: "C50.911"}}, true, false},
		{"Shingrix", cvx("187"), false, true},
		{"influenza vaccine", cvx("140"), false, false},
		{"no codes", nil, false, false},
	} {
		if got := e.ConditionRelevant(tc.codes); got != tc.cond {
			t.Errorf("%s: condition relevant = %v, want %v", tc.name, got, tc.cond)
		}
		if got := e.ImmunizationRelevant(tc.codes); got != tc.imm {
			t.Errorf("%s: immunization relevant = %v, want %v", tc.name, got, tc.imm)
		}
	}
}

// TestResultsSince: the Observations passed over as older than their
// look-back are read since the earliest course start (a renewal reads
// results since it, xhook review), all of them when a course's start is
// unknown, none without a course.
func TestResultsSince(t *testing.T) {
	e := mustEngine(t, decKnowledge())
	undated := courseMember("u", Upadacitinib, "active", 0, 15)
	undated.Authored = time.Time{}
	tests := []struct {
		name  string
		meds  []Medication
		since time.Time
		ok    bool
	}{
		{"no medication", nil, time.Time{}, false},
		{"another drug only", []Medication{medication("x", rx("1153378"), "active")}, time.Time{}, false},
		{"a course started 200 days ago", []Medication{courseMember("a", Abrocitinib, "active", 200, 100)}, daysAgo(200).Add(-pruneMargin), true},
		{"a course ended long ago counts too", []Medication{courseMember("a", Abrocitinib, "completed", 900, 100)}, daysAgo(900).Add(-pruneMargin), true},
		{"two drugs: the earlier start", []Medication{courseMember("a", Abrocitinib, "completed", 400, 100), courseMember("u", Upadacitinib, "active", 100, 15)},
			daysAgo(400).Add(-pruneMargin), true},
		{"a current order with no date: all of them", []Medication{courseMember("a", Abrocitinib, "completed", 400, 100), undated}, time.Time{}, true},
	}
	for _, tt := range tests {
		since, ok := e.ResultsSince(tt.meds, testNow)
		if ok != tt.ok || !since.Equal(tt.since) {
			t.Errorf("%s: got (%v, %v), want (%v, %v)", tt.name, since, ok, tt.since, tt.ok)
		}
	}
}
