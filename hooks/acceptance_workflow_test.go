package hooks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/cards"
)

// The workflow review drives jakguard as an EHR does through one ordering
// session: order-select as each order is added (selections naming the new
// one), then order-sign with all of them.

// sessionStep is one call of a session and what it must answer: the
// finding codes with how many cards each is on (nothing else), and the
// order the pairing card acts on ("" not checked).
type sessionStep struct {
	c     call
	count map[string]int
	on    string
}

func runSession(t *testing.T, s *testServer, steps []sessionStep) {
	t.Helper()
	for i, st := range steps {
		rec := s.do(t, "POST", "/cds-services/"+st.c.service(), st.c.body(t))
		require.Equal(t, 200, rec.Code, "step %d: %s", i, rec.Body.String())
		require.NoError(t, cards.CheckEmpty(rec.Body.Bytes()))
		cs := decodeAnswer(t, rec.Body.Bytes())
		got := map[string]int{}
		for _, c := range cs {
			assert.NoError(t, cards.Validate(c))
			for _, code := range c.Findings() {
				got[code]++
			}
		}
		want := st.count
		if want == nil {
			want = map[string]int{}
		}
		assert.Equal(t, want, got, "step %d (%s, selections %v): %s", i, st.c.service(), st.c.selections, cardSummaries(cs))
		if st.on != "" {
			for _, c := range cs {
				for _, sg := range c.Suggestions {
					for _, a := range sg.Actions {
						if a.ResourceID != "" {
							assert.Equal(t, st.on, a.ResourceID, "step %d: the card acts on the JAK order (%s)", i, c.Summary)
						}
					}
				}
			}
		}
	}
}

// decodeAnswer is checkResponse without its one-order-per-call check.
func decodeAnswer(t *testing.T, body []byte) []cards.Card {
	t.Helper()
	var resp struct {
		Cards []cards.Card `json:"cards"`
	}
	require.NoError(t, json.Unmarshal(body, &resp))
	return resp.Cards
}

// A drug that interacts with a JAK inhibitor, selected after the JAK
// draft: its pairing is said when it is selected (it answered no cards
// at order-select, the patient being on no course, and was said only at
// order-sign), once, on the JAK order's card; a later selection of an
// unrelated order says nothing again; order-sign says it once.
func TestAcceptanceWorkflowSelectBeside(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	upa := func(mg int) res { m := jakDraft("upadacitinib", mg); m["id"] = "j"; return m }
	abro := func(mg int) res { m := jakDraft("abrocitinib", mg); m["id"] = "j"; return m }
	para := drugDraft("para", "", "", "paracetamol 500 mg tablet")
	sel := func(r *record, id string, d ...res) call {
		return call{hook: HookOrderSelect, r: r, drafts: d, selections: []string{id}}
	}
	cases := []struct {
		name  string
		r     func() *record
		jak   res
		other res
		id    string // the other order's "<resourceType>/<id>"
		code  string // "" when no pairing
		noTB  bool   // the record has no TB test
		// notTaken: the JAK draft is cancelled or on hold
		notTaken bool
	}{
		{"upadacitinib then clarithromycin", cleanRecord, upa(30), drugDraft("x", rxnorm, "21212", "clarithromycin 500 MG Oral Tablet"), "MedicationRequest/x", "cyp-interaction", false, false},
		{"upadacitinib then rifampin", cleanRecord, upa(15), drugDraft("x", rxnorm, "198202", "rifampin 300 MG Oral Capsule"), "MedicationRequest/x", "cyp-interaction", false, false},
		{"abrocitinib then clopidogrel", cleanRecord, abro(100), onceDaily(drugDraft("x", rxnorm, "32968", "clopidogrel 75 MG Oral Tablet")), "MedicationRequest/x", "antiplatelet-abrocitinib", false, false},
		{"abrocitinib then fluoxetine", cleanRecord, abro(100), drugDraft("x", rxnorm, "4493", "fluoxetine 20 MG Oral Capsule"), "MedicationRequest/x", "cyp-interaction", false, false},
		{"abrocitinib then digoxin", cleanRecord, abro(100), drugDraft("x", rxnorm, "3407", "digoxin 0.125 MG Oral Tablet"), "MedicationRequest/x", "pgp-substrate", false, false},
		{"upadacitinib then dupilumab", cleanRecord, upa(15), drugDraft("x", "", "", "Dupixent 300 mg pen"), "MedicationRequest/x", "combination-biologic", false, false},
		{"upadacitinib then azathioprine", cleanRecord, upa(15), drugDraft("x", rxnorm, "1256", "azathioprine 50 MG Oral Tablet"), "MedicationRequest/x", "combination-immunosuppressant", false, false},
		{"upadacitinib then tofacitinib", cleanRecord, upa(15), drugDraft("x", rxnorm, "1357536", "tofacitinib 5 MG Oral Tablet"), "MedicationRequest/x", "combination-jak", false, false},
		{"upadacitinib then MMR (ServiceRequest)", cleanRecord, upa(15), serviceDraft("x", "draft", cvx, "03", "MMR vaccine"), "ServiceRequest/x", "live-vaccine-ordered", false, false},
		// The JAK draft's own findings (screening) were said when it was
		// selected; selecting clarithromycin says only the pairing.
		{"no TB test, upadacitinib then clarithromycin", func() *record { return cleanRecord().drop("igra") }, upa(30),
			drugDraft("x", rxnorm, "21212", "clarithromycin 500 MG Oral Tablet"), "MedicationRequest/x", "cyp-interaction", true, false},
		// Negative: no pairing between these two.
		{"abrocitinib then clarithromycin (CYP3A4: not abrocitinib's)", cleanRecord, abro(100), drugDraft("x", rxnorm, "21212", "clarithromycin 500 MG Oral Tablet"), "MedicationRequest/x", "", false, false},
		{"upadacitinib then digoxin (P-gp: abrocitinib's)", cleanRecord, upa(15), drugDraft("x", rxnorm, "3407", "digoxin 0.125 MG Oral Tablet"), "MedicationRequest/x", "", false, false},
		{"upadacitinib cancelled, then clarithromycin", cleanRecord, with(upa(30), "status", "cancelled"), drugDraft("x", rxnorm, "21212", "clarithromycin 500 MG Oral Tablet"), "MedicationRequest/x", "", false, true},
		{"upadacitinib on hold, then clarithromycin", cleanRecord, with(upa(30), "status", "on-hold"), drugDraft("x", rxnorm, "21212", "clarithromycin 500 MG Oral Tablet"), "MedicationRequest/x", "", false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var first, pair map[string]int
			if tc.code != "" {
				pair = map[string]int{tc.code: 1}
			}
			sign := map[string]int{}
			for k, v := range pair {
				sign[k] = v
			}
			if tc.noTB {
				first = map[string]int{"tb-screening-missing": 1}
				sign["tb-screening-missing"] = 1
			}
			steps := []sessionStep{
				{c: sel(tc.r(), tc.id, tc.jak, tc.other), count: pair, on: "MedicationRequest/j"},
				{c: sel(tc.r(), "MedicationRequest/para", tc.jak, tc.other, para)},
			}
			if !tc.notTaken {
				// The JAK order itself is evaluated whatever its status on
				// order-sign (contract 4; committee question 6 of the
				// contractaudit review): only a taken one is checked here.
				steps = append([]sessionStep{{c: sel(tc.r(), "MedicationRequest/j", tc.jak), count: first}}, steps...)
				steps = append(steps, sessionStep{c: call{r: tc.r(), drafts: []res{tc.jak, tc.other, para}}, count: sign})
			}
			runSession(t, s, steps)
		})
	}
}

// A patient on an upadacitinib course, its renewal drafted and selected
// first, then clarithromycin selected: one CYP card (on the renewal), not
// a second one from the reverse direction against the course.
func TestAcceptanceWorkflowSelectBesideOnCourse(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	r := func() *record {
		rec := cleanRecord()
		rec.medications = append(rec.medications, courseMed("upa-rec", "MedicationRequest", "active", "upadacitinib", 30, 200))
		return rec
	}
	renewal := func() res { m := jakDraft("upadacitinib", 30); m["id"] = "j"; return m }
	clari := drugDraft("x", rxnorm, "21212", "clarithromycin 500 MG Oral Tablet")
	runSession(t, s, []sessionStep{
		{c: call{hook: HookOrderSelect, r: r(), drafts: []res{renewal()}, selections: []string{"MedicationRequest/j"}}},
		{c: call{hook: HookOrderSelect, r: r(), drafts: []res{renewal(), clari}, selections: []string{"MedicationRequest/x"}},
			count: map[string]int{"cyp-interaction": 1}, on: "MedicationRequest/j"},
		{c: call{r: r(), drafts: []res{renewal(), clari}}, count: map[string]int{"cyp-interaction": 1}},
	})
}

// Two drafts of different drugs under one id (an EHR's temporary ids
// colliding): they are two orders. Keyed by the id alone, the abrocitinib
// draft was the upadacitinib order itself, and combination-jak was not
// said. Their cards share the order id, so they are one card (and offer
// no action: the id names neither alone); two copies of one order under
// one id are still one order.
func TestAcceptanceWorkflowSharedID(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	upa := func(mg int) res { m := jakDraft("upadacitinib", mg); m["id"] = "j"; return m }
	abro := func(mg int) res { m := jakDraft("abrocitinib", mg); m["id"] = "j"; return m }
	runSession(t, s, []sessionStep{
		{c: call{r: cleanRecord(), drafts: []res{upa(15), abro(100)}}, count: map[string]int{"combination-jak": 1}},
		{c: call{hook: HookOrderSelect, r: cleanRecord(), drafts: []res{upa(15), abro(100)}, selections: []string{"MedicationRequest/j"}},
			count: map[string]int{"combination-jak": 1}},
		{c: call{r: cleanRecord(), drafts: []res{upa(15), upa(15)}}},
		{c: call{r: cleanRecord().born(bornAged(70)), drafts: []res{upa(15), upa(15)}}},
	})
}

// The JAK drafts judged beside a selected interacting order count
// towards maxEvaluatedOrders: a session of thousands of unselected
// upadacitinib drafts and one clarithromycin selected must not evaluate
// them all (contract 6.6).
func TestWorkflowBesideBound(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	for _, tc := range []struct {
		jak  int
		code int
	}{{maxEvaluatedOrders - 2, 200}, {maxEvaluatedOrders - 1, 200}, {maxEvaluatedOrders, 413}} {
		drafts := []res{drugDraft("x", rxnorm, "21212", "clarithromycin 500 MG Oral Tablet")}
		for i := 0; i < tc.jak; i++ {
			m := jakDraft("upadacitinib", 15)
			m["id"] = fmt.Sprintf("u%d", i)
			drafts = append(drafts, m)
		}
		c := call{hook: HookOrderSelect, r: cleanRecord(), drafts: drafts, selections: []string{"MedicationRequest/x"}}
		// Many orders: a finding may appear once per order, so not through s.do.
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("POST", "/cds-services/order-select", bytes.NewReader(c.body(t)))
		req.Header.Set("Content-Type", "application/json")
		s.ServeHTTP(rec, req)
		assert.Equal(t, tc.code, rec.Code, "%d upadacitinib drafts beside the selected clarithromycin", tc.jak)
	}
}
