package rules

import (
	"slices"
	"strings"
	"testing"
)

// Issue 15, contract 6.1: the reverse direction. Every pairing is checked
// both ways with the embedded value sets: the JAK inhibitor ordered with
// the other drug on record, and the other drug ordered with the course on
// record; both must report the same code at the same level.

// drugOrder is an order of an interacting drug, coded by RxNorm.
func drugOrder(id, code, text, status string) Medication {
	m := medication(id, rx(code), status)
	m.Text = text
	m.Authored = daysAgo(0)
	return m
}

// reverse evaluates the draft orders for a patient whose record holds meds.
func reverse(t *testing.T, e *Engine, meds []Medication, drafts ...Medication) []Finding {
	t.Helper()
	fs, err := e.EvaluateInteractions(patientOn(meds...), Session{Medications: drafts}, drafts, nil, testNow, nil)
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

// pairing is one interacting class: the drug, the course drug, the code
// and level both directions report.
type pairing struct {
	name   string
	drug   Drug
	other  Medication // as a draft; as an active order on record for the forward direction
	code   string
	level  Level
	course float64 // the course's daily dose (mg)
	check  func(t *testing.T, f Finding)
}

var pairings = []pairing{
	{name: "tofacitinib with upadacitinib", drug: Upadacitinib, other: drugOrder("tofa", "1357541", "tofacitinib 5 MG Oral Tablet", "draft"),
		code: CombinationJAK, level: Critical, course: 15},
	{name: "baricitinib (by text) with abrocitinib", drug: Abrocitinib, other: func() Medication {
		m := drugOrder("bari", "", "Olumiant 2 mg tablet", "draft")
		m.Codes = nil
		return m
	}(), code: CombinationJAK, level: Critical, course: 100},
	{name: "adalimumab with abrocitinib", drug: Abrocitinib, other: drugOrder("ada", "327361", "adalimumab", "draft"),
		code: CombinationBiologic, level: Warning, course: 100},
	{name: "azathioprine with upadacitinib", drug: Upadacitinib, other: drugOrder("aza", "1256", "azathioprine", "draft"),
		code: CombinationImmunosuppressant, level: Warning, course: 15},
	{name: "MMR vaccine (CVX) with upadacitinib", drug: Upadacitinib, other: func() Medication {
		m := drugOrder("mmr", "", "MMR vaccine", "draft")
		m.Codes = cvx("03")
		return m
	}(), code: LiveVaccineOrdered, level: Warning, course: 15},
	{name: "clopidogrel 75 mg with abrocitinib in its first 3 months", drug: Abrocitinib,
		other: dailyMg(drugOrder("clop", "309362", "clopidogrel 75 MG Oral Tablet", "draft"), 75),
		code:  AntiplateletAbrocitinib, level: Critical, course: 100},
	{name: "aspirin 325 mg with abrocitinib in its first 3 months", drug: Abrocitinib,
		other: dailyMg(drugOrder("asa", "212033", "aspirin 325 MG Oral Tablet", "draft"), 325),
		code:  AntiplateletAbrocitinib, level: Critical, course: 100},
	{name: "clarithromycin with upadacitinib 30 mg: reduce to 15 mg", drug: Upadacitinib,
		other: drugOrder("clari", "197517", "clarithromycin 500 MG Oral Tablet", "draft"), code: CYPInteraction, level: Warning, course: 30,
		check: func(t *testing.T, f Finding) {
			if f.Avoid || f.DoseLimitMg != 15 {
				t.Errorf("clarithromycin: %+v", f)
			}
		}},
	{name: "rifampin with upadacitinib: avoid", drug: Upadacitinib, other: drugOrder("rif", "9384", "rifampin", "draft"),
		code: CYPInteraction, level: Warning, course: 15,
		check: func(t *testing.T, f Finding) {
			if !f.Avoid || !f.Unverified { // R14 is grade C
				t.Errorf("rifampin: %+v", f)
			}
		}},
	{name: "fluoxetine with abrocitinib 100 mg: 50 mg", drug: Abrocitinib, other: drugOrder("flx", "4493", "fluoxetine 20 mg", "draft"),
		code: CYPInteraction, level: Warning, course: 100,
		check: func(t *testing.T, f Finding) {
			if f.Avoid || f.DoseLimitMg != 50 {
				t.Errorf("fluoxetine: %+v", f)
			}
		}},
	{name: "fluconazole with abrocitinib: avoid", drug: Abrocitinib, other: drugOrder("flu", "4450", "fluconazole", "draft"),
		code: CYPInteraction, level: Warning, course: 100,
		check: func(t *testing.T, f Finding) {
			if !f.Avoid {
				t.Errorf("fluconazole: %+v", f)
			}
		}},
	{name: "rifampin with abrocitinib: avoid", drug: Abrocitinib, other: drugOrder("rif", "9384", "rifampin", "draft"),
		code: CYPInteraction, level: Warning, course: 100},
	{name: "digoxin with abrocitinib", drug: Abrocitinib, other: drugOrder("dig", "197604", "digoxin 0.125 MG Oral Tablet", "draft"),
		code: PgpSubstrate, level: Info, course: 100},
}

func TestInteractionsBothDirections(t *testing.T) {
	e := mustEngine(t, embeddedKnowledge(t))
	for _, p := range pairings {
		t.Run(p.name, func(t *testing.T) {
			if !e.Interacts(p.other) {
				t.Fatal("Interacts = false")
			}
			// Reverse: the other drug ordered, the course (started 14 days ago) on record.
			course := courseMember("jak", p.drug, "active", 14, p.course)
			fs := reverse(t, e, []Medication{course}, p.other)
			f, ok := findingOf(fs, p.code)
			if !ok {
				t.Fatalf("reverse: no %s in %v", p.code, codesOf(fs))
			}
			if f.Level != p.level || f.Drug != p.drug || f.OrderID != p.other.ID || f.Course == nil || !f.Course.Ongoing {
				t.Errorf("reverse finding = %+v", f)
			}
			if f.Course.DailyMg != p.course || !f.Course.Start.Equal(daysAgo(14)) || f.Course.Source != "MedicationRequest/jak" {
				t.Errorf("course = %+v", f.Course)
			}
			if !strings.Contains(f.Citation.Label, "revision of") || !strings.Contains(f.Citation.Label, "section") {
				t.Errorf("citation = %+v", f.Citation)
			}
			ev := evidenceText(f)
			if !strings.Contains(ev, "in this session") || !strings.Contains(ev, "course since "+dateText(daysAgo(14))) ||
				!strings.Contains(ev, number(p.course)+" mg/day") {
				t.Errorf("evidence = %q", ev)
			}
			if f.Subject == "" {
				t.Error("no subject")
			}
			if p.check != nil {
				p.check(t, f)
			}

			// Forward: the JAK inhibitor ordered, the other drug active on record.
			onRecord := p.other
			onRecord.Status = "active"
			onRecord.Authored = daysAgo(30)
			rec := patientOn(onRecord)
			if p.code == LiveVaccineOrdered {
				rec.Medications = nil // a vaccine is ordered in the same session instead
			}
			order := dailyMg(medication("new-jak", courseMember("x", p.drug, "draft", 0, 0).Codes, "draft"), p.course)
			order.Authored = daysAgo(0)
			sess := Session{Medications: []Medication{order}}
			if p.code == LiveVaccineOrdered {
				sess.Medications = append(sess.Medications, p.other)
			}
			ffs := e.EvaluateOrders(rec, sess, []Medication{order}, testNow)
			ff, ok := findingOf(ffs, p.code)
			if !ok {
				t.Fatalf("forward: no %s in %v", p.code, codesOf(ffs))
			}
			if ff.Level != f.Level || ff.Category != f.Category || ff.Course != nil {
				t.Errorf("forward %s %s, reverse %s %s", ff.Level, ff.Category, f.Level, f.Category)
			}
			if ff.Avoid != f.Avoid {
				t.Errorf("avoid: forward %v, reverse %v", ff.Avoid, f.Avoid)
			}
		})
	}
}

// TestInteractionTimeLimits: a course that ended within 90 days counts
// (N-1, N), one that ended 91 days ago does not; the antiplatelet
// contraindication holds on course days 89 and 90, not 91.
func TestInteractionTimeLimits(t *testing.T) {
	e := mustEngine(t, embeddedKnowledge(t))
	tofa := drugOrder("tofa", "1357541", "tofacitinib 5 MG Oral Tablet", "draft")
	clop := dailyMg(drugOrder("clop", "309362", "clopidogrel 75 MG Oral Tablet", "draft"), 75)
	ended := func(daysBack int) Medication {
		m := courseMember("upa", Upadacitinib, "stopped", 200, 15)
		m.End = daysAgo(daysBack)
		return m
	}
	tests := []struct {
		name  string
		meds  []Medication
		draft Medication
		code  string
		fires bool
	}{
		{"course ended 89 days ago", []Medication{ended(89)}, tofa, CombinationJAK, true},
		{"course ended 90 days ago", []Medication{ended(90)}, tofa, CombinationJAK, true},
		{"course ended 91 days ago", []Medication{ended(91)}, tofa, CombinationJAK, false},
		{"a stopped order without an end: ended on its start day, 91 days ago", []Medication{courseMember("u", Upadacitinib, "completed", 91, 15)}, tofa, CombinationJAK, false},
		{"abrocitinib day 89", []Medication{courseMember("a", Abrocitinib, "active", 89, 100)}, clop, AntiplateletAbrocitinib, true},
		{"abrocitinib day 90", []Medication{courseMember("a", Abrocitinib, "active", 90, 100)}, clop, AntiplateletAbrocitinib, true},
		{"abrocitinib day 91", []Medication{courseMember("a", Abrocitinib, "active", 91, 100)}, clop, AntiplateletAbrocitinib, false},
		{"abrocitinib renewals: the course start counts, not the latest order",
			[]Medication{courseMember("a1", Abrocitinib, "completed", 120, 100), courseMember("a2", Abrocitinib, "completed", 60, 100),
				courseMember("a3", Abrocitinib, "active", 5, 100)},
			clop, AntiplateletAbrocitinib, false},
		{"clopidogrel with upadacitinib: no antiplatelet rule", []Medication{courseMember("u", Upadacitinib, "active", 20, 15)}, clop, AntiplateletAbrocitinib, false},
		{"no course", nil, tofa, CombinationJAK, false},
		{"an upadacitinib order entered in error is no course", []Medication{courseMember("u", Upadacitinib, "entered-in-error", 20, 15)}, tofa, CombinationJAK, false},
		{"a course from an outside statement counts", []Medication{statement(courseMember("s", Upadacitinib, "active", 300, 15))}, tofa, CombinationJAK, true},
		{"a statement not taken does not", []Medication{statement(courseMember("s", Upadacitinib, "not-taken", 30, 15))}, tofa, CombinationJAK, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := reverse(t, e, tc.meds, tc.draft)
			_, got := findingOf(fs, tc.code)
			if got != tc.fires {
				t.Errorf("%s fired = %v, want %v (%v)", tc.code, got, tc.fires, codesOf(fs))
			}
		})
	}
	// A recent course that ended says so, and words the action for a
	// patient who may have stopped.
	fs := reverse(t, e, []Medication{ended(60)}, tofa)
	f, _ := findingOf(fs, CombinationJAK)
	if f.Course == nil || f.Course.Ongoing || !f.Course.End.Equal(dateOnlyDaysAgo(60)) && !f.Course.End.Equal(daysAgo(60)) || f.OnTreatment {
		t.Errorf("ended course = %+v", f.Course)
	}
	if !strings.Contains(f.Action, "course ended on") || !strings.Contains(evidenceText(f), "60 days ago") {
		t.Errorf("action %q evidence %q", f.Action, evidenceText(f))
	}
}

func TestInteractionsNegative(t *testing.T) {
	e := mustEngine(t, embeddedKnowledge(t))
	upa := courseMember("upa", Upadacitinib, "active", 40, 15)
	abro := courseMember("abro", Abrocitinib, "active", 40, 100)
	amox := drugOrder("amox", "308191", "amoxicillin 500 MG Oral Capsule", "draft")
	tests := []struct {
		name   string
		meds   []Medication
		drafts []Medication
		orders []Medication // evaluated; the drafts when nil
	}{
		{"amoxicillin", []Medication{upa}, []Medication{amox}, nil},
		{"aspirin 81 mg daily with abrocitinib (low dose excepted)", []Medication{abro},
			[]Medication{dailyMg(drugOrder("asa", "243670", "aspirin 81 MG Oral Tablet", "draft"), 81)}, nil},
		{"aspirin 81 mg written in the text only", []Medication{abro}, []Medication{func() Medication {
			m := drugOrder("asa", "1191", "aspirin 81 mg", "draft")
			m.Dose.DosageText = "81 mg by mouth once daily"
			return m
		}()}, nil},
		{"clarithromycin with abrocitinib", []Medication{abro}, []Medication{drugOrder("clari", "21212", "clarithromycin", "draft")}, nil},
		{"fluoxetine with upadacitinib", []Medication{upa}, []Medication{drugOrder("flx", "4493", "fluoxetine", "draft")}, nil},
		{"digoxin with upadacitinib", []Medication{upa}, []Medication{drugOrder("dig", "197604", "digoxin", "draft")}, nil},
		{"a cancelled draft", []Medication{upa}, []Medication{drugOrder("tofa", "1357541", "tofacitinib", "cancelled")}, nil},
		{"tacrolimus ointment is not systemic", []Medication{upa}, []Medication{func() Medication {
			m := drugOrder("tac", "", "tacrolimus 0.1 % topical ointment", "draft")
			m.Codes = nil
			return m
		}()}, nil},
		{"the session renews upadacitinib: its own rules see the tofacitinib order",
			[]Medication{upa}, []Medication{drugOrder("tofa", "1357541", "tofacitinib", "draft"), courseMember("renew", Upadacitinib, "draft", 0, 15)}, nil},
		{"order-select: tofacitinib not selected", []Medication{upa}, []Medication{drugOrder("tofa", "1357541", "tofacitinib", "draft"), amox}, []Medication{amox}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			orders := tc.orders
			if orders == nil {
				orders = tc.drafts
			}
			fs, err := e.EvaluateInteractions(patientOn(tc.meds...), Session{Medications: tc.drafts}, orders, nil, testNow, nil)
			if err != nil || len(fs) != 0 {
				t.Errorf("findings %v, err %v", codesOf(fs), err)
			}
		})
	}
	if e.Interacts(amox) || e.Interacts(courseMember("u", Upadacitinib, "draft", 0, 15)) {
		t.Error("amoxicillin or upadacitinib counted as interacting")
	}
}

func TestInteractionDoses(t *testing.T) {
	e := mustEngine(t, embeddedKnowledge(t))
	clari := drugOrder("clari", "197517", "clarithromycin 500 MG Oral Tablet", "draft")
	flx := drugOrder("flx", "4493", "fluoxetine 20 mg", "draft")
	unknownDose := courseMember("upa", Upadacitinib, "active", 40, 0)
	unknownDose.Dose = DoseFacts{}
	tests := []struct {
		name    string
		course  Medication
		draft   Medication
		suggest float64
		action  string
	}{
		{"upadacitinib 30 mg: reduce to 15 mg", courseMember("upa", Upadacitinib, "active", 40, 30), clari, 15, "Reduce upadacitinib from 30 mg to 15 mg once daily"},
		{"upadacitinib 15 mg: within the limit", courseMember("upa", Upadacitinib, "active", 40, 15), clari, 0, "within the label limit"},
		{"upadacitinib dose unreadable: the limit, said so", unknownDose, clari, 15, "could not be read"},
		{"abrocitinib 200 mg a year in: 50 mg (12 weeks count from the inhibitor)", courseMember("abro", Abrocitinib, "active", 365, 200), flx, 50, "to 50 mg once daily"},
		{"abrocitinib 50 mg: within", courseMember("abro", Abrocitinib, "active", 30, 50), flx, 0, "within the label limit"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, ok := findingOf(reverse(t, e, []Medication{tc.course}, tc.draft), CYPInteraction)
			if !ok {
				t.Fatal("no cyp-interaction")
			}
			if f.SuggestedDailyMg != tc.suggest || !strings.Contains(f.Action, tc.action) {
				t.Errorf("suggest %v, action %q", f.SuggestedDailyMg, f.Action)
			}
			if f.ProductCode != (Coding{}) {
				t.Errorf("a product code for an order on record: %+v", f.ProductCode)
			}
		})
	}
}

// TestLiveVaccineServiceRequest: a vaccine ordered as a ServiceRequest, by
// CVX or by text.
func TestLiveVaccineServiceRequest(t *testing.T) {
	e := mustEngine(t, embeddedKnowledge(t))
	upa := courseMember("upa", Upadacitinib, "active", 40, 15)
	tests := []struct {
		name  string
		s     ServiceOrder
		fires bool
	}{
		{"MMR by CVX", ServiceOrder{ID: "ServiceRequest/mmr", Status: "draft", Codes: cvx("03")}, true},
		{"varicella by text", ServiceOrder{ID: "ServiceRequest/var", Status: "draft", Text: "Varivax (varicella vaccine)"}, true},
		{"recombinant zoster is not live", ServiceOrder{ID: "ServiceRequest/rzv", Status: "draft", Codes: cvx("187"), Text: "Shingrix"}, false},
		{"a lab test", ServiceOrder{ID: "ServiceRequest/cbc", Status: "draft", Codes: loinc("57021-8")}, false},
		{"a revoked (cancelled) vaccine order", ServiceOrder{ID: "ServiceRequest/mmr", Status: "revoked", Codes: cvx("03")}, false},
		{"entered in error", ServiceOrder{ID: "ServiceRequest/mmr", Status: "entered-in-error", Codes: cvx("03")}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sess := Session{ServiceOrders: []ServiceOrder{tc.s}}
			fs, err := e.EvaluateInteractions(patientOn(upa), sess, nil, []ServiceOrder{tc.s}, testNow, nil)
			if err != nil {
				t.Fatal(err)
			}
			f, ok := findingOf(fs, LiveVaccineOrdered)
			if ok != tc.fires {
				t.Fatalf("fired = %v (%v)", ok, codesOf(fs))
			}
			if ok && (f.OrderID != tc.s.ID || f.Level != Warning || !strings.Contains(evidenceText(f), "service order in this session")) {
				t.Errorf("finding = %+v", f)
			}
		})
	}
}

// TestPatientViewInteractions: patient-view reports the interacting drugs
// active on the chart, one finding each.
func TestPatientViewInteractions(t *testing.T) {
	e := mustEngine(t, embeddedKnowledge(t))
	active := func(m Medication) Medication { m.Status = "active"; m.Authored = daysAgo(10); return m }
	clop := active(dailyMg(drugOrder("clop", "309362", "clopidogrel 75 MG Oral Tablet", "active"), 75))
	tests := []struct {
		name    string
		meds    []Medication
		want    []string
		not     []string
		suggest float64
	}{
		{"abrocitinib day 40 with clopidogrel", []Medication{courseMember("a", Abrocitinib, "active", 40, 100), clop},
			[]string{AntiplateletAbrocitinib}, nil, 0},
		{"abrocitinib day 120 with clopidogrel: past the first 3 months", []Medication{courseMember("a", Abrocitinib, "active", 120, 100), clop},
			nil, []string{AntiplateletAbrocitinib}, 0},
		{"abrocitinib day 40 with aspirin 81 mg", []Medication{courseMember("a", Abrocitinib, "active", 40, 100),
			active(dailyMg(drugOrder("asa", "243670", "aspirin 81 MG Oral Tablet", "active"), 81))}, nil, []string{AntiplateletAbrocitinib}, 0},
		{"upadacitinib 30 mg with clarithromycin: 15 mg", []Medication{courseMember("u", Upadacitinib, "active", 200, 30),
			active(drugOrder("clari", "197517", "clarithromycin 500 MG Oral Tablet", "active"))}, []string{CYPInteraction}, nil, 15},
		{"abrocitinib 100 mg a year in, fluoxetine started 10 days ago: 50 mg", []Medication{courseMember("a", Abrocitinib, "active", 365, 100),
			active(drugOrder("flx", "4493", "fluoxetine", "active"))}, []string{CYPInteraction}, nil, 50},
		{"abrocitinib 100 mg a year in, fluoxetine for 6 months: 100 mg allowed", []Medication{courseMember("a", Abrocitinib, "active", 365, 100),
			func() Medication {
				m := active(drugOrder("flx", "4493", "fluoxetine", "active"))
				m.Authored = daysAgo(180)
				return m
			}()},
			[]string{CYPInteraction}, nil, 0},
		{"abrocitinib with digoxin", []Medication{courseMember("a", Abrocitinib, "active", 200, 100),
			active(drugOrder("dig", "197604", "digoxin", "active"))}, []string{PgpSubstrate}, nil, 0},
		{"upadacitinib with digoxin: nothing", []Medication{courseMember("u", Upadacitinib, "active", 200, 15),
			active(drugOrder("dig", "197604", "digoxin", "active"))}, nil, []string{PgpSubstrate}, 0},
		{"upadacitinib with rifampin from an outside list", []Medication{courseMember("u", Upadacitinib, "active", 200, 15),
			statement(active(drugOrder("rif", "9384", "rifampin", "active")))}, []string{CYPInteraction}, nil, 0},
		{"stopped clarithromycin: nothing", []Medication{courseMember("u", Upadacitinib, "active", 200, 30),
			drugOrder("clari", "197517", "clarithromycin", "stopped")}, nil, []string{CYPInteraction}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := e.EvaluatePatientView(patientOn(tc.meds...), testNow)
			checkCodes(t, fs, tc.want, tc.not)
			counts := map[string]int{}
			for _, f := range fs {
				counts[f.Code]++
			}
			for code, n := range counts {
				if n > 1 {
					t.Errorf("%s reported %d times", code, n)
				}
			}
			if slices.Contains(tc.want, CYPInteraction) {
				if f, _ := findingOf(fs, CYPInteraction); f.SuggestedDailyMg != tc.suggest {
					t.Errorf("suggested %v, want %v: %+v", f.SuggestedDailyMg, tc.suggest, f)
				}
			}
		})
	}
}

func TestEvaluateInteractionsStops(t *testing.T) {
	e := mustEngine(t, embeddedKnowledge(t))
	draft := drugOrder("tofa", "1357541", "tofacitinib", "draft")
	fs, err := e.EvaluateInteractions(patientOn(courseMember("u", Upadacitinib, "active", 20, 15)), Session{Medications: []Medication{draft}},
		[]Medication{draft}, nil, testNow, func() bool { return true })
	if err != ErrStopped || len(fs) != 0 {
		t.Errorf("findings %v, err %v", codesOf(fs), err)
	}
}

// TestEveryPairingAtTheTimeLimits: each class, in both directions, at the
// course's limits: the reverse direction fires for a course that ended 89
// and 90 days ago and not 91 (antiplatelet-abrocitinib: on course days 89
// and 90, not 91); the forward direction counts the other drug while it is
// current (an order or an outside statement), not once stopped.
func TestEveryPairingAtTheTimeLimits(t *testing.T) {
	e := mustEngine(t, embeddedKnowledge(t))
	for _, p := range pairings {
		t.Run(p.name, func(t *testing.T) {
			for _, n := range []int{89, 90, 91} {
				var course Medication
				if p.code == AntiplateletAbrocitinib {
					course = courseMember("jak", p.drug, "active", n, p.course)
				} else {
					course = courseMember("jak", p.drug, "stopped", 150, p.course)
					course.End = daysAgo(n)
				}
				_, fired := findingOf(reverse(t, e, []Medication{course}, p.other), p.code)
				if want := n <= 90; fired != want {
					t.Errorf("reverse, limit day %d: fired = %v, want %v", n, fired, want)
				}
			}
			if p.code == LiveVaccineOrdered {
				return // a vaccine on record is not "ordered": the forward rule reads the session (TestInteractionsBothDirections)
			}
			order := dailyMg(medication("new-jak", courseMember("x", p.drug, "draft", 0, 0).Codes, "draft"), p.course)
			order.Authored = daysAgo(0)
			for _, tc := range []struct {
				name  string
				other Medication
				fires bool
			}{
				{"current order", func() Medication { m := p.other; m.Status = "active"; return m }(), true},
				{"current outside statement", statement(func() Medication { m := p.other; m.Status = "active"; return m }()), true},
				{"stopped order", func() Medication { m := p.other; m.Status = "stopped"; return m }(), false},
				{"statement not taken", statement(func() Medication { m := p.other; m.Status = "not-taken"; return m }()), false},
			} {
				fs := evalOrder(t, e, patientOn(tc.other), order)
				if _, fired := findingOf(fs, p.code); fired != tc.fires {
					t.Errorf("forward, %s: fired = %v, want %v (%v)", tc.name, fired, tc.fires, codesOf(fs))
				}
			}
		})
	}
}
