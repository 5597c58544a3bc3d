package hooks

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/cards"
)

// The revstop review, part 2: an interacting drug named with its strength
// written on ("CLARITHROMYCIN500MG", "Fluconazole200mg"), as pharmacy
// systems write it, was no interacting drug: the order for a patient on a
// course answered {"cards": []}, and the same name on the record beside a
// JAK order was not seen. A digit now ends a word in a drug's name, as in
// the JAK names (failsafe16); a letter still continues one.

// TestAcceptanceRevstopGluedStrength: both directions, each interacting
// class, positives and negatives.
func TestAcceptanceRevstopGluedStrength(t *testing.T) {
	named := func(text string) res { return drugDraft("x", "", "", text) }
	var cases []accCase
	for _, p := range []struct {
		drug, text, code, level string
	}{
		{"upadacitinib", "CLARITHROMYCIN500MG", "cyp-interaction", "warning"},
		{"upadacitinib", "KETOCONAZOLE200MG TAB", "cyp-interaction", "warning"},
		{"upadacitinib", "RIFAMPIN300MG CAP", "cyp-interaction", "warning"},
		{"upadacitinib", "TOFACITINIB5MG", "combination-jak", "critical"},
		{"upadacitinib", "Dupixent300mg pen", "combination-biologic", "warning"},
		{"upadacitinib", "AZATHIOPRINE50MG TAB", "combination-immunosuppressant", "warning"},
		{"abrocitinib", "Fluconazole200mg", "cyp-interaction", "warning"},
		{"abrocitinib", "FLUOXETINE20MG CAP", "cyp-interaction", "warning"},
		{"abrocitinib", "CLOPIDOGREL75MG", "antiplatelet-abrocitinib", "critical"},
		{"abrocitinib", "ASPIRIN325MG EC TAB", "antiplatelet-abrocitinib", "critical"},
		{"abrocitinib", "DIGOXIN0.125MG TAB", "pgp-substrate", "info"},
	} {
		cases = append(cases, accCase{name: p.drug + ": " + p.text + " ordered", c: sign(onCourseAt(p.drug, mgOf[p.drug], 30), named(p.text)),
			want: w(p.code, p.level)})
	}
	for _, n := range []struct{ drug, text string }{
		{"upadacitinib", "declarithromycin500mg"}, // a letter before: another word
		{"upadacitinib", "CLARITHROMYCINE500MG"},  // a letter after
		{"abrocitinib", "FLUCONAZOLEX200MG"},
		{"abrocitinib", "5ASA 800MG EC TAB"},  // mesalamine, not aspirin
		{"abrocitinib", "4ASA500MG"},          // aminosalicylic acid
		{"abrocitinib", "ASPIRIN81MG EC TAB"}, // low-dose aspirin: excepted
	} {
		cases = append(cases, accCase{name: n.drug + ": " + n.text + " ordered: no interacting drug",
			c: sign(onCourseAt(n.drug, mgOf[n.drug], 30), named(n.text)), noCards: true})
	}
	// The forward direction: the JAK order beside the name on the record.
	onRecord := func(text string) *record {
		r := cleanRecord()
		r.medications = append(r.medications, med("ix", "active", "", "", text, 5))
		return r
	}
	cases = append(cases,
		accCase{name: "upadacitinib 30 mg ordered, CLARITHROMYCIN500MG on record", c: sign(onRecord("CLARITHROMYCIN500MG"), jakDraft("upadacitinib", 30)),
			want: w("cyp-interaction", "warning"), dose: 15},
		accCase{name: "abrocitinib 200 mg ordered, Fluconazole200mg on record", c: sign(onRecord("Fluconazole200mg"), jakDraft("abrocitinib", 200)),
			want: w("cyp-interaction", "warning")},
		accCase{name: "upadacitinib 30 mg ordered, declarithromycin500mg on record: no CYP card", c: sign(onRecord("declarithromycin500mg"), jakDraft("upadacitinib", 30)),
			absent: []string{"cyp-interaction"}},
	)
	// The strength glued to the name is read: 325 mg is above the
	// low-dose limit (and 81 mg, above, is within it).
	cases = append(cases, accCase{name: "abrocitinib: ASPIRIN325MG, its dose read", c: sign(onCourseAt("abrocitinib", 100, 30), named("ASPIRIN325MG")),
		want: w("antiplatelet-abrocitinib", "critical"), detailOf: map[string]string{"antiplatelet-abrocitinib": "aspirin 325 mg/day"}})
	runAcc(t, cases)
}

// The revstop review, part 1: a drug that interacts with an ongoing
// upadacitinib or abrocitinib course, for a patient whose course the label
// stops (an MI, stroke or thrombosis since the start; a serious infection
// or active TB), got its pairing card only; the stop was carried only by a
// card that named a dose of the course (ixcond). Ticlopidine for a patient
// on abrocitinib after an MI got "Do not add ticlopidine" (critical) and
// "abrocitinib 50 mg daily at most, if used at all", and no "Discontinue
// abrocitinib": a post-MI patient needs the antiplatelet, and the label's
// answer is to stop abrocitinib. Every reverse card about an ongoing course
// now leads with the stop (one card per order), and where the stop ends
// the pairing it does not recommend cancelling the new order.

// rsDraft is an interacting order and what its card is for a course of
// drug (started 30 days ago, within abrocitinib's first 3 months).
type rsDraft struct {
	drug    string
	name    string
	draft   res
	sel     string   // its order-select id
	codes   []string // the pairing codes of its cards with no stop
	stopped []string // the codes of its one card with a stop
	level   string   // the pairing's level
	cancel  bool     // the cancel stays recommended with a stop (a live vaccine)
}

func rsDrafts() []rsDraft {
	med := func(drug, name, code, text string, codes []string, level string) rsDraft {
		return rsDraft{drug: drug, name: name, draft: drugDraft("x", rxnorm, code, text), sel: "MedicationRequest/x", codes: codes, stopped: codes[:1], level: level}
	}
	named := func(drug, name, text string, codes []string, level string) rsDraft {
		d := med(drug, name, "", text, codes, level)
		d.draft = drugDraft("x", "", "", text)
		return d
	}
	one := func(c string) []string { return []string{c} }
	vaccine := rsDraft{drug: "upadacitinib", name: "MMR vaccine (CVX)", draft: drugDraft("x", cvx, "03", "MMR vaccine"), sel: "MedicationRequest/x",
		codes: one("live-vaccine-ordered"), stopped: one("live-vaccine-ordered"), level: "warning", cancel: true}
	service := rsDraft{drug: "abrocitinib", name: "Varivax (ServiceRequest)", draft: serviceDraft("x", "active", cvx, "21", "Varivax"), sel: "ServiceRequest/x",
		codes: one("live-vaccine-ordered"), stopped: one("live-vaccine-ordered"), level: "warning", cancel: true}
	return []rsDraft{
		med("upadacitinib", "tofacitinib", "1357541", "tofacitinib 5 MG Oral Tablet", one("combination-jak"), "critical"),
		named("upadacitinib", "Dupixent", "Dupixent 300 mg pen", one("combination-biologic"), "warning"),
		med("upadacitinib", "azathioprine", "1256", "azathioprine", one("combination-immunosuppressant"), "warning"),
		vaccine,
		med("upadacitinib", "clarithromycin", "21212", "clarithromycin", one("cyp-interaction"), "warning"),
		med("upadacitinib", "rifampin (inducer)", "9384", "rifampin", one("cyp-interaction"), "warning"),
		named("upadacitinib", "CLARITHROMYCIN500MG (glued)", "CLARITHROMYCIN500MG", one("cyp-interaction"), "warning"),
		med("abrocitinib", "baricitinib", "2047232", "baricitinib", one("combination-jak"), "critical"),
		named("abrocitinib", "Dupixent", "Dupixent 300 mg pen", one("combination-biologic"), "warning"),
		med("abrocitinib", "azathioprine", "1256", "azathioprine", one("combination-immunosuppressant"), "warning"),
		service,
		med("abrocitinib", "clopidogrel", "32968", "clopidogrel", one("antiplatelet-abrocitinib"), "critical"),
		named("abrocitinib", "aspirin 325 mg", "aspirin 325 mg tablet", one("antiplatelet-abrocitinib"), "critical"),
		named("abrocitinib", "ticlopidine", "ticlopidine 250 mg tablet", []string{"antiplatelet-abrocitinib", "cyp-interaction"}, "critical"),
		med("abrocitinib", "fluoxetine", "4493", "fluoxetine 20 MG Oral Capsule", one("cyp-interaction"), "warning"),
		med("abrocitinib", "fluconazole (dual inhibitor)", "4450", "fluconazole", one("cyp-interaction"), "warning"),
		med("abrocitinib", "rifampin (inducer)", "9384", "rifampin", one("cyp-interaction"), "warning"),
		med("abrocitinib", "digoxin", "3407", "digoxin", one("pgp-substrate"), "info"),
	}
}

// rsOn is the record of a course of drug started 30 days ago.
func rsOn(drug string) *record { return onCourseAt(drug, mgOf[drug], 30) }

// rsCases are the records: each stop kind since the start (N, N+1), dated
// after today, resolved (an MI: still a stop); and the negatives: the day
// before the start (N-1: history), entered in error, an infection resolved
// or inactive, a thrombophilia, none.
func rsCases(drug string) []ixCase {
	clinical := func(r res, st string) res {
		return with(r, "clinicalStatus", coding("http://terminology.hl7.org/CodeSystem/condition-clinical", st))
	}
	var out []ixCase
	for _, e := range ixEvents() {
		out = append(out,
			ixCase{e.name + " the day before the start", rsOn(drug).replace(e.make(ago(31))), !e.since},
			ixCase{e.name + " on the start day", rsOn(drug).replace(e.make(ago(30))), true},
			ixCase{e.name + " the day after the start", rsOn(drug).replace(e.make(ago(29))), true},
			ixCase{e.name + " dated after today", rsOn(drug).replace(e.make("2026-12-20")), true},
			ixCase{e.name + " entered in error", rsOn(drug).replace(with(e.make(ago(14)), "verificationStatus", verification("entered-in-error"))), false},
		)
		if e.since {
			out = append(out, ixCase{e.name + " since the start, resolved", rsOn(drug).replace(clinical(e.make(ago(14)), "resolved")), true})
		} else {
			out = append(out, ixCase{e.name + " resolved", rsOn(drug).replace(clinical(e.make(ago(14)), "resolved")), false},
				ixCase{e.name + " inactive", rsOn(drug).replace(clinical(e.make(ago(14)), "inactive")), false})
		}
	}
	return append(out,
		ixCase{"no event", rsOn(drug), false},
		ixCase{"factor V Leiden since the start", rsOn(drug).replace(with(cond("fvl", icd, "D68.51", "active"), "onsetDateTime", ago(14))), false})
}

// checkRevStop checks the answer to the interacting order d against the
// patient-view answer pv for the same record: with a stop, one card, the
// order's pairing, leading with patient-view's stop at the higher level,
// naming no dose, the cancel recommended only for a live vaccine; without
// one, today's cards.
func checkRevStop(t *testing.T, d rsDraft, stop bool, cs, pv []cards.Card) {
	t.Helper()
	pvStop := stopCard(pv)
	if pv != nil {
		require.Equal(t, stop, pvStop != nil, "patient-view stops the course: %s", cardSummaries(pv))
	}
	if !stop {
		require.Len(t, cs, len(d.codes), "today's cards: %s", cardSummaries(cs))
		assert.ElementsMatch(t, d.codes, codesOf(cs))
		for _, c := range cs {
			assert.False(t, strings.HasPrefix(c.Summary, "Discontinue") || strings.HasPrefix(c.Summary, "Interrupt"), "no stop: %q", c.Summary)
			assert.NotContains(t, c.Detail, "the label says to discontinue")
		}
		return
	}
	require.Len(t, cs, 1, "one card: %s", cardSummaries(cs))
	c := cs[0]
	assert.Equal(t, d.stopped, c.Findings(), "the pairing's card")
	assert.Empty(t, dosesNamed(cs), "no dose: %s", c.Summary)
	assert.Contains(t, c.Summary, " ordered", "the order named after the stop")
	if pvStop != nil {
		assert.True(t, strings.HasPrefix(c.Summary, pvStop.Summary), "leads with patient-view's %q: %q", pvStop.Summary, c.Summary)
		want := maxIndicator(d.level, string(pvStop.Indicator))
		assert.Equal(t, want, string(c.Indicator), "the higher level")
		assert.True(t, strings.HasPrefix(c.Detail, "**"+strings.SplitN(strings.TrimPrefix(pvStop.Detail, "**"), "**", 2)[0]),
			"the detail leads with patient-view's finding: %s", c.Detail)
	}
	require.Len(t, c.Suggestions, 1)
	assert.Equal(t, d.cancel, c.Suggestions[0].IsRecommended, "cancel recommended: %q", c.Suggestions[0].Label)
	for _, r := range c.OverrideReasons {
		assert.NotEqual(t, "jak-dose-adjusted", r.Code, "no dose was asked to adjust")
	}
	if d.cancel {
		return // a live vaccine: its own action, avoided around treatment
	}
	if strings.HasPrefix(c.Summary, "Interrupt") {
		assert.Contains(t, c.Detail, "says interrupt upadacitinib", "the label's interrupt said on the pairing")
	} else {
		assert.Contains(t, c.Detail, "says discontinue "+d.drug, "the label's discontinue said on the pairing")
	}
	if d.stopped[0] == "combination-jak" && strings.HasPrefix(c.Summary, "Discontinue") {
		assert.Contains(t, c.Detail, "does not clear "+d.name+", a JAK inhibitor too", "another JAK inhibitor is not cleared by the stop")
		assert.NotContains(t, c.Detail, "need not be withheld", "another JAK inhibitor is not cleared by the stop")
	}
	if strings.HasPrefix(d.stopped[0], "antiplatelet") {
		assert.Contains(t, c.Detail, "stop abrocitinib rather than withhold", "the antiplatelet is not to be withheld")
		assert.NotContains(t, c.Detail, "cancel the ", "no cancel of the antiplatelet")
	}
}

func maxIndicator(a, b string) string {
	rank := map[string]int{"info": 0, "warning": 1, "critical": 2}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

// TestAcceptanceRevstopReverseStop: every interacting class of both drugs,
// each stop kind at N-1, N and N+1 of the course start and its negatives,
// order-sign and order-select, prefetch; patient-view asked the same
// record agrees.
func TestAcceptanceRevstopReverseStop(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	for _, d := range rsDrafts() {
		for _, tc := range rsCases(d.drug) {
			t.Run(d.drug+": "+d.name+": "+tc.name, func(t *testing.T) {
				pv, _ := view(tc.rec).post(t, s)
				cs, _ := sign(tc.rec, d.draft).post(t, s)
				checkRevStop(t, d, tc.stop, cs, pv)
				sel := call{hook: HookOrderSelect, r: tc.rec, drafts: []res{d.draft}, selections: []string{d.sel}}
				cs, _ = sel.post(t, s)
				checkRevStop(t, d, tc.stop, cs, pv)
			})
		}
	}
}

// TestAcceptanceRevstopTiclopidine: the defect as found, and its wording.
func TestAcceptanceRevstopTiclopidine(t *testing.T) {
	mi := with(cond("mi", icd, "I21.4", "active"), "onsetDateTime", ago(14))
	runAcc(t, []accCase{
		{name: "ticlopidine, abrocitinib, MI since the start: one card, the stop first", c: sign(rsOn("abrocitinib").replace(mi), drugDraft("x", "", "", "ticlopidine 250 mg tablet")),
			want: w("antiplatelet-abrocitinib", "critical"), absent: []string{"cyp-interaction"}, noDose: true,
			summaryOf: map[string]string{"antiplatelet-abrocitinib": "Discontinue abrocitinib: MI or stroke since the start (ticlopidine ordered: antiplatelet drug)"},
			detailOf: map[string]string{"antiplatelet-abrocitinib": "stop abrocitinib rather than withhold ticlopidine, and do not resume abrocitinib while ticlopidine is taken" +
				" in the first 90 days of treatment. Ticlopidine is also a strong CYP2C19 inhibitor (CYP interaction with abrocitinib): no abrocitinib dose is suggested with it."},
			notDetailOf: map[string]string{"antiplatelet-abrocitinib": "cancel the ticlopidine order"}},
		{name: "ticlopidine, abrocitinib, no MI: today's two cards", c: sign(rsOn("abrocitinib"), drugDraft("x", "", "", "ticlopidine 250 mg tablet")),
			want:      w("antiplatelet-abrocitinib", "critical", "cyp-interaction", "warning"),
			summaryOf: map[string]string{"antiplatelet-abrocitinib": "Do not add ticlopidine"}},
		{name: "clarithromycin and MMR, upadacitinib, MI since the start: a card per order, each with the stop",
			c:    sign(rsOn("upadacitinib").replace(mi), drugDraft("x", rxnorm, "21212", "clarithromycin"), drugDraft("y", cvx, "03", "MMR vaccine")),
			want: w("cyp-interaction", "warning", "live-vaccine-ordered", "warning"), noDose: true,
			summaryOf: map[string]string{"cyp-interaction": "Discontinue upadacitinib: MI or stroke since the start (clarithromycin ordered",
				"live-vaccine-ordered": "Discontinue upadacitinib: MI or stroke since the start (MMR ordered"}},
		{name: "clopidogrel, abrocitinib, MI after the first 3 months: no antiplatelet card", c: sign(onCourseAt("abrocitinib", 100, 120).replace(mi), drugDraft("x", rxnorm, "32968", "clopidogrel")),
			noCards: true},
	})
}

// TestAcceptanceRevstopConditionsSource: the conditions from prefetch or
// from fhirServer give the same card for every class; a patient on no
// course costs no Condition query and gets today's answer.
func TestAcceptanceRevstopConditionsSource(t *testing.T) {
	mi := func(days int) res { return with(cond("mi", icd, "I21.4", "active"), "onsetDateTime", ago(days)) }
	for _, d := range rsDrafts() {
		t.Run(d.drug+": "+d.name+": MI, conditions from fhirServer", func(t *testing.T) {
			body, m := ixBody(t, rsOn(d.drug).replace(mi(14)), d.draft)
			sf := newSourceFHIR(t, body, 0)
			dropKeys("conditions")(t, m, sf)
			checkRevStop(t, d, true, postVia(t, sf, "order-sign", m), nil)
			assert.True(t, askedFor(sf, "/Condition"), "conditions fetched: %v", sf.asked())
		})
		t.Run(d.drug+": "+d.name+": sepsis, the whole prefetch from fhirServer", func(t *testing.T) {
			body, m := ixBody(t, rsOn(d.drug).replace(condition("sepsis", sct, "91302008", "active")), d.draft)
			sf := newSourceFHIR(t, body, 0)
			dropKeys()(t, m, sf)
			checkRevStop(t, d, true, postVia(t, sf, "order-sign", m), nil)
		})
		t.Run(d.drug+": "+d.name+": no course: no Condition query, no cards", func(t *testing.T) {
			body, m := ixBody(t, cleanRecord().replace(mi(14)), d.draft)
			sf := newSourceFHIR(t, body, 0)
			dropKeys("conditions")(t, m, sf)
			assert.Empty(t, postVia(t, sf, "order-sign", m))
			assert.False(t, askedFor(sf, "/Condition"), "no Condition query: %v", sf.asked())
		})
		// A course that ended: TestAcceptanceEndedstopConditionsSource (its
		// conditions are now read where a card depends on them).
	}
}
