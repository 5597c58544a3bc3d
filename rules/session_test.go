package rules

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// Issue 16: linear-time order matching and a deadline that stops CPU-bound
// work.

// manyOrders is n upadacitinib draft orders (with ids or, with noIDs,
// identical id-less ones) and, with mixed, as many abrocitinib orders.
func manyOrders(n int, noIDs, mixed bool) []Medication {
	out := make([]Medication, 0, 2*n)
	for i := range n {
		m := upaOrder(15)
		m.ID = "MedicationRequest/u" + strconv.Itoa(i)
		if noIDs {
			m.ID = ""
		}
		out = append(out, m)
		if mixed {
			a := abroOrder(100)
			a.ID = "MedicationRequest/a" + strconv.Itoa(i)
			out = append(out, a)
		}
	}
	return out
}

func TestManyOrdersAreEvaluatedInLinearTime(t *testing.T) {
	if testing.Short() {
		t.Skip("evaluates 10,000 orders")
	}
	e := mustEngine(t, decKnowledge())
	for _, tc := range []struct {
		name         string
		noIDs, mixed bool
	}{{"ids", false, false}, {"identical id-less orders", true, false}, {"both drugs (every order sees the others)", false, true}} {
		t.Run(tc.name, func(t *testing.T) {
			orders := manyOrders(5000, tc.noIDs, tc.mixed)
			start := time.Now()
			fs := e.EvaluateOrders(cleanRecord(), Session{Medications: orders}, orders, testNow)
			// Quadratic matching took minutes for 10,000 orders (issue 16);
			// linear takes well under a second. The bound is generous for
			// a shared machine.
			if d := time.Since(start); d > 20*time.Second {
				t.Errorf("%d orders took %s", len(orders), d)
			}
			if tc.mixed {
				f := wantFinding(t, fs, CombinationJAK)
				if len(f.Evidence) > maxEvidence+1 {
					t.Errorf("evidence has %d lines", len(f.Evidence))
				}
				if ev := evidenceText(f); !containsAll(ev, "4,995 more.") {
					t.Errorf("evidence = %q", ev)
				}
			}
		})
	}
}

func containsAll(s string, subs ...string) bool {
	for _, x := range subs {
		if !contains(s, x) {
			return false
		}
	}
	return true
}

func contains(s, sub string) bool { return len(sub) == 0 || indexOf(s, sub) >= 0 }

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

func TestEvaluateOrdersUntilStops(t *testing.T) {
	e := mustEngine(t, decKnowledge())
	orders := manyOrders(10, false, false)
	asked := 0
	r := cleanRecord()
	without(r, "igra") // one finding per order
	// How often one order asks (before it, and between its rules).
	_, _ = e.EvaluateOrdersUntil(r, Session{Medications: orders[:1]}, orders[:1], testNow, func() bool { asked++; return false })
	perOrder := asked
	asked = 0
	fs, err := e.EvaluateOrdersUntil(r, Session{Medications: orders}, orders, testNow, func() bool {
		asked++
		return asked > 3*perOrder
	})
	if !errors.Is(err, ErrStopped) {
		t.Fatalf("err = %v, want ErrStopped", err)
	}
	ids := map[string]bool{}
	for _, f := range fs {
		ids[f.OrderID] = true
	}
	if len(ids) != 3 || asked != 3*perOrder+1 {
		t.Errorf("evaluated %d orders, asked %d times; want 3 and %d", len(ids), asked, 3*perOrder+1)
	}
	// Never stopped: every order, no error (and, once, the ten orders'
	// daily doses together above the label).
	fs, err = e.EvaluateOrdersUntil(r, Session{Medications: orders}, orders, testNow, func() bool { return false })
	above := 0
	for _, f := range fs {
		if f.Code == DoseAboveLabel {
			above++
		}
	}
	if err != nil || len(fs)-above != 10 || above != 1 {
		t.Errorf("fs = %d (%d dose-above-label), err = %v", len(fs), above, err)
	}
}

// TestSessionOthers: the other orders of a set, without the evaluated one
// and its identical copies, with the count of the rest.
func TestSessionOthers(t *testing.T) {
	k := decKnowledge()
	clop := func(id string) Medication {
		return Medication{ID: id, Status: "draft", Intent: "order", Codes: rx("32968"), Text: "clopidogrel"}
	}
	sess := Session{Medications: []Medication{abroOrder(100), clop("MedicationRequest/c1"), clop("MedicationRequest/c2"),
		clop(""), clop(""), {ID: "MedicationRequest/c3", Status: "cancelled", Codes: rx("32968")}}}
	si := newSessionIndex(k, sess)
	ms, total := si.others(VSAntiplatelets, orderKey(&sess.Medications[1]), 2)
	if len(ms) != 2 || total != 3 || ms[0].ID == "MedicationRequest/c1" {
		t.Errorf("others = %d (total %d), first %+v", len(ms), total, ms[0])
	}
	id := clop("")
	if _, total := si.others(VSAntiplatelets, orderKey(&id), 10); total != 2 {
		t.Errorf("without the id-less pair: total %d, want 2", total)
	}
}

func benchmarkManyOrders(b *testing.B, n int) {
	k := decKnowledge()
	e, err := NewEngine(k, DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	orders := manyOrders(n, false, false)
	rec := cleanRecord()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		e.EvaluateOrders(rec, Session{Medications: orders}, orders, testNow)
	}
}

// BenchmarkOrders1600 and BenchmarkOrders10000: issue 16's sizes (1,600
// orders took 10.8 s and 10,000 took 614 s before).
func BenchmarkOrders1600(b *testing.B)  { benchmarkManyOrders(b, 1600) }
func BenchmarkOrders10000(b *testing.B) { benchmarkManyOrders(b, 10000) }

// The deadline is asked between the rules of one order and of one course,
// not only between orders: a single order's rules on a hostile record took
// 8 min 45 s past the deadline before the pregnancy rule was bounded.
func TestEvaluationStopsBetweenRules(t *testing.T) {
	e := mustEngine(t, decKnowledge())
	orders := manyOrders(1, false, false)
	asked := 0
	afterFirst := func() bool { asked++; return asked > 1 } // the between-orders check passes
	fs, err := e.EvaluateOrdersUntil(cleanRecord(), Session{Medications: orders}, orders, testNow, afterFirst)
	if !errors.Is(err, ErrStopped) || len(fs) != 0 || asked != 2 {
		t.Errorf("order: err = %v, %d findings, asked %d times; want ErrStopped, none, 2", err, len(fs), asked)
	}

	r := patientOn(courseMember("a1", Abrocitinib, "active", 100, 100))
	asked = 0
	fs, err = e.EvaluatePatientViewUntil(r, testNow, afterFirst)
	if !errors.Is(err, ErrStopped) || len(fs) != 0 || asked != 2 {
		t.Errorf("patient-view: err = %v, %d findings, asked %d times; want ErrStopped, none, 2", err, len(fs), asked)
	}
	fs, err = e.EvaluatePatientViewUntil(r, testNow, func() bool { return false })
	if err != nil || len(fs) == 0 {
		t.Errorf("patient-view never stopped: err = %v, %d findings; want nil and the course's findings", err, len(fs))
	}
}

// orderKey tells apart orders whose parts, joined, would read the same: an
// id or text holding the separator must not make two session orders one
// (a second JAK draft folded into the first is a combination not said).
func TestOrderKeyUnambiguous(t *testing.T) {
	upa := Coding{System: "http://www.nlm.nih.gov/research/umls/rxnorm", Code: "2196092"}
	pairs := [][2]Medication{
		{{ID: "a", Text: "b"}, {ID: "a\x00b"}},
		{{ID: "o1", Text: "x\x00" + upa.System + "|" + upa.Code}, {ID: "o1", Text: "x", Codes: []Coding{upa}}},
		{{ID: "1:a"}, {ID: "1", Text: "a"}},
		{{Codes: []Coding{{System: "s|c", Code: ""}}}, {Codes: []Coding{{System: "s", Code: "c"}}}},
	}
	for _, p := range pairs {
		assert.NotEqual(t, orderKey(&p[0]), orderKey(&p[1]), "%+v / %+v", p[0], p[1])
	}
	same := Medication{ID: "o1", Text: "upadacitinib 15 mg", Codes: []Coding{upa}}
	copyOf := same
	assert.Equal(t, orderKey(&same), orderKey(&copyOf), "an exact copy is the same order")
}
