package hooks

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/cards"
)

// The endedstop review (committee question ixcond 1): an interacting drug
// ordered for a patient whose upadacitinib or abrocitinib course ended
// recently, with an MI, stroke or thrombosis on or after its start,
// got the resumption dose ("If upadacitinib resumes with clarithromycin,
// use 15 mg daily at most"; "If upadacitinib is resumed while
// clarithromycin is taken, order it at this dose"), and the conditions
// were not read for an ended course. The labels (RINVOQ and CIBINQO 5.4,
// 5.5) say to discontinue: the course is not to be resumed, so a pairing
// about the two drugs taken together gives no card; another JAK inhibitor
// keeps its card, saying the course is not to be resumed and that its end
// does not clear the new one; a live vaccine keeps its card unchanged. A
// serious infection or active TB (active now) keeps the pairing for the
// resumption, with the label's word: interrupt (RINVOQ 5.1) or discontinue
// and weigh restarting (CIBINQO 5.1).

// esEnded is a course of drug that started 90 days ago and ended 30 days
// ago (endedCourse: 60 days long).
func esEnded(drug string) *record { return endedCourse(drug, mgOf[drug], 30) }

type esCase struct {
	name string
	rec  *record
	kind string // "" none, "discontinue" (MI, stroke, thrombosis), "infection"
}

// esCases: each stop kind before the course start (N-1: history), on the
// start day (N), the day after (N+1), during the course, after it ended,
// dated after today, entered in error; infections active, resolved.
func esCases(drug string) []esCase {
	var out []esCase
	for _, ev := range ixEvents() {
		// An MI, stroke or thrombosis counts since the start (discontinue);
		// an infection active now whenever it began.
		e := struct {
			name, kind string
			make       func(string) res
		}{ev.name, "discontinue", ev.make}
		if !ev.since {
			e.kind = "infection"
		}
		before := "" // an MI before the start is history; an infection active now counts whenever it began
		if e.kind == "infection" {
			before = "infection"
		}
		out = append(out,
			esCase{e.name + " the day before the course start", esEnded(drug).replace(e.make(ago(91))), before},
			esCase{e.name + " on the course start day", esEnded(drug).replace(e.make(ago(90))), e.kind},
			esCase{e.name + " the day after the start", esEnded(drug).replace(e.make(ago(89))), e.kind},
			esCase{e.name + " during the course", esEnded(drug).replace(e.make(ago(40))), e.kind},
			esCase{e.name + " after the course ended", esEnded(drug).replace(e.make(ago(10))), e.kind},
			esCase{e.name + " dated after today", esEnded(drug).replace(e.make("2026-12-20")), "ahead"},
			esCase{e.name + " entered in error", esEnded(drug).replace(with(e.make(ago(40)), "verificationStatus", verification("entered-in-error"))), ""},
		)
		if e.kind == "infection" {
			out = append(out, esCase{e.name + " resolved", esEnded(drug).replace(with(e.make(ago(40)), "clinicalStatus",
				coding("http://terminology.hl7.org/CodeSystem/condition-clinical", "resolved"))), ""})
		}
	}
	return append(out, esCase{"no event", esEnded(drug), ""})
}

// checkEndedStop checks the answer cs to the interacting order d for a
// course that ended, with a stop of kind (none: today's cards).
func checkEndedStop(t *testing.T, d rsDraft, kind string, cs []cards.Card) {
	t.Helper()
	vaccine := d.codes[0] == "live-vaccine-ordered"
	for _, c := range cs {
		assert.False(t, strings.HasPrefix(c.Summary, "Discontinue") || strings.HasPrefix(c.Summary, "Interrupt"), "the course ended: no stop leads: %q", c.Summary)
	}
	switch {
	case kind == "discontinue" && vaccine:
		require.ElementsMatch(t, d.codes, codesOf(cs), "a live vaccine keeps its card: %s", cardSummaries(cs))
		assert.Contains(t, cs[0].Detail, "confirm that "+d.drug+" is stopped")
		assert.NotContains(t, cs[0].Detail, "not to be resumed")
	case kind == "discontinue" && d.codes[0] == "combination-jak":
		require.Len(t, cs, 1, "one card: %s", cardSummaries(cs))
		c := cs[0]
		assert.Equal(t, []string{"combination-jak"}, c.Findings())
		assert.Equal(t, "critical", string(c.Indicator))
		assert.Contains(t, c.Detail, "says to discontinue "+d.drug+": it is not to be resumed")
		assert.Contains(t, c.Detail, "does not clear "+d.name+", a JAK inhibitor too")
		assert.NotContains(t, c.Detail, "is still taken or is resumed")
		assert.Empty(t, dosesNamed(cs))
	case kind == "discontinue":
		assert.Empty(t, cs, "the course is not to be resumed: no pairing card: %s", cardSummaries(cs))
	case kind == "ahead":
		// An event dated after today alone keeps today's card, the event
		// cited with its date questioned (endedstop question 2).
		require.ElementsMatch(t, d.codes, codesOf(cs), "today's cards: %s", cardSummaries(cs))
		if !vaccine {
			assert.Contains(t, cs[0].Detail, "since 2026-12-20, after today: check its date")
		}
	default:
		require.ElementsMatch(t, d.codes, codesOf(cs), "today's cards: %s", cardSummaries(cs))
		for _, c := range cs {
			assert.NotContains(t, c.Detail, "not to be resumed")
			if kind == "infection" && !vaccine {
				want := map[string]string{"upadacitinib": "5.1 says to interrupt upadacitinib: do not resume it until the infection is controlled",
					"abrocitinib": "5.1 says to discontinue abrocitinib: if it is still taken, stop it, and weigh restarting it only once the infection is controlled"}[d.drug]
				assert.Contains(t, c.Detail, want)
				assert.Contains(t, c.Detail, "If "+d.drug+" is then resumed while ")
			} else {
				assert.NotContains(t, c.Detail, "5.1 says to")
			}
		}
	}
}

// TestAcceptanceEndedstopReverse: both drugs, every interacting class with
// a reverse card, each stop kind at N-1, N, N+1 of the course start,
// during, after the end, dated after today, entered in error; order-sign
// and order-select.
func TestAcceptanceEndedstopReverse(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	for _, d := range rsDrafts() {
		for _, tc := range esCases(d.drug) {
			t.Run(d.drug+": "+d.name+": "+tc.name, func(t *testing.T) {
				cs, _ := sign(tc.rec, d.draft).post(t, s)
				checkEndedStop(t, d, tc.kind, cs)
				sel := call{hook: HookOrderSelect, r: tc.rec, drafts: []res{d.draft}, selections: []string{d.sel}}
				cs, _ = sel.post(t, s)
				checkEndedStop(t, d, tc.kind, cs)
			})
		}
	}
}

// TestAcceptanceEndedstopDefect: the defect as found, and the window that
// decides whether an ended course gets a reverse card (90 days: ended 1
// day ago, 90 days ago still; 91 days ago no more).
func TestAcceptanceEndedstopDefect(t *testing.T) {
	mi := func(days int) res { return with(cond("mi", icd, "I21.4", "active"), "onsetDateTime", ago(days)) }
	clar := drugDraft("x", rxnorm, "21212", "clarithromycin")
	fluox := drugDraft("x", rxnorm, "4493", "fluoxetine 20 MG Oral Capsule")
	tofa := drugDraft("x", rxnorm, "1357541", "tofacitinib 5 MG Oral Tablet")
	var cases []accCase
	for _, ended := range []int{1, 90} {
		n := map[int]string{1: "ended 1 day ago", 90: "ended 90 days ago"}[ended]
		cases = append(cases,
			accCase{name: "upadacitinib 30 mg " + n + ", MI during it, clarithromycin: no card", c: sign(endedCourse("upadacitinib", 30, ended).replace(mi(ended+10)), clar), noCards: true},
			accCase{name: "abrocitinib 200 mg " + n + ", MI during it, fluoxetine: no card", c: sign(endedCourse("abrocitinib", 200, ended).replace(mi(ended+10)), fluox), noCards: true},
			accCase{name: "upadacitinib 30 mg " + n + ", no MI, clarithromycin: the resumed dose", c: sign(endedCourse("upadacitinib", 30, ended), clar),
				want: w("cyp-interaction", "warning"), summaryOf: map[string]string{"cyp-interaction": "If upadacitinib resumes with clarithromycin, use 15 mg daily at most"}},
			accCase{name: "upadacitinib " + n + ", MI during it, tofacitinib: not to be resumed", c: sign(endedCourse("upadacitinib", 15, ended).replace(mi(ended+10)), tofa),
				want: w("combination-jak", "critical"), noDose: true,
				detailOf: map[string]string{"combination-jak": "The upadacitinib course ended on " + ago(ended) + ", and after the myocardial infarction or stroke since its start RINVOQ PI 5.4 says to discontinue upadacitinib: it is not to be resumed (if it is still taken, stop it)."}},
			accCase{name: "upadacitinib 30 mg " + n + ", sepsis, clarithromycin: the resumed dose once controlled", c: sign(endedCourse("upadacitinib", 30, ended).replace(condition("sepsis", sct, "91302008", "active")), clar),
				want: w("cyp-interaction", "warning"), summaryOf: map[string]string{"cyp-interaction": "If upadacitinib resumes with clarithromycin, use 15 mg daily at most"},
				detailOf: map[string]string{"cyp-interaction": "during a serious infection RINVOQ PI 5.1 says to interrupt upadacitinib: do not resume it until the infection is controlled"}},
		)
	}
	cases = append(cases,
		accCase{name: "upadacitinib 30 mg ended 91 days ago, MI during it, clarithromycin: no card (no recent course)", c: sign(endedCourse("upadacitinib", 30, 91).replace(mi(101)), clar), noCards: true},
		accCase{name: "upadacitinib 30 mg ended 91 days ago, no MI, clarithromycin: no card (no recent course)", c: sign(endedCourse("upadacitinib", 30, 91), clar), noCards: true},
		accCase{name: "abrocitinib ended 30 days ago, MI after it ended, clopidogrel: no card (the post-MI antiplatelet is not withheld)",
			c: sign(esEnded("abrocitinib").replace(mi(10)), drugDraft("x", rxnorm, "32968", "clopidogrel")), noCards: true},
		accCase{name: "abrocitinib ended 30 days ago, MI before its start, clopidogrel: today's card",
			c: sign(esEnded("abrocitinib").replace(mi(91)), drugDraft("x", rxnorm, "32968", "clopidogrel")), want: w("antiplatelet-abrocitinib", "critical")},
		// Two orders: the vaccine keeps its card, clarithromycin gets none.
		accCase{name: "upadacitinib ended, MI during it, clarithromycin and MMR: the vaccine's card only",
			c:    sign(esEnded("upadacitinib").replace(mi(40)), clar, drugDraft("y", cvx, "03", "MMR vaccine")),
			want: w("live-vaccine-ordered", "warning"), absent: []string{"cyp-interaction"}},
	)
	runAcc(t, cases)
}

// TestAcceptanceEndedstopConditionsSource: the conditions of an ended
// course are read from prefetch or fetched from fhirServer where a card
// depends on them; a live vaccine (its card the same whatever stopped the
// course) and a patient on no course cost no Condition query.
func TestAcceptanceEndedstopConditionsSource(t *testing.T) {
	mi := func(days int) res { return with(cond("mi", icd, "I21.4", "active"), "onsetDateTime", ago(days)) }
	for _, d := range rsDrafts() {
		vaccine := d.codes[0] == "live-vaccine-ordered"
		t.Run(d.drug+": "+d.name+": ended course, MI during it, conditions from fhirServer", func(t *testing.T) {
			body, m := ixBody(t, esEnded(d.drug).replace(mi(40)), d.draft)
			sf := newSourceFHIR(t, body, 0)
			dropKeys("conditions")(t, m, sf)
			checkEndedStop(t, d, "discontinue", postVia(t, sf, "order-sign", m))
			assert.Equal(t, !vaccine, askedFor(sf, "/Condition"), "Condition query only where a card depends on it: %v", sf.asked())
		})
		t.Run(d.drug+": "+d.name+": no course, MI: no Condition query, no cards", func(t *testing.T) {
			body, m := ixBody(t, cleanRecord().replace(mi(40)), d.draft)
			sf := newSourceFHIR(t, body, 0)
			dropKeys("conditions")(t, m, sf)
			assert.Empty(t, postVia(t, sf, "order-sign", m))
			assert.False(t, askedFor(sf, "/Condition"), "no Condition query: %v", sf.asked())
		})
	}
	// The conditions can be had neither way: today's card, the gap said.
	body, m := ixBody(t, esEnded("upadacitinib").replace(mi(40)), drugDraft("x", rxnorm, "21212", "clarithromycin"))
	sf := newSourceFHIR(t, body, 0)
	sf.fail = failing("Condition")
	dropKeys("conditions")(t, m, sf)
	cs := postVia(t, sf, "order-sign", m)
	require.Len(t, cs, 1, "%s", cardSummaries(cs))
	assert.Contains(t, cs[0].Detail, "Could not be checked: conditions")
}

// TestAcceptanceEndedstopRestart: a new order of the same drug (a restart)
// for a patient whose course ended with an MI or thrombosis since its
// start gets the forward card: discontinue, the event since the start.
func TestAcceptanceEndedstopRestart(t *testing.T) {
	var cases []accCase
	for _, drug := range []string{"upadacitinib", "abrocitinib"} {
		cases = append(cases,
			accCase{name: drug + " restarted, MI during the ended course", c: sign(esEnded(drug).replace(with(cond("mi", icd, "I21.4", "active"), "onsetDateTime", ago(40))), jakDraft(drug, mgOf[drug])),
				want: w("mace-history", "warning"), summaryOf: map[string]string{"mace-history": "Discontinue " + drug + ": MI or stroke since the start"}},
			accCase{name: drug + " restarted, DVT after the course ended", c: sign(esEnded(drug).replace(with(cond("dvt", icd, "I82.401", "active"), "onsetDateTime", ago(10))), jakDraft(drug, mgOf[drug])),
				want: w("vte-risk", "warning"), summaryOf: map[string]string{"vte-risk": "Discontinue " + drug + ": thrombosis since the start"},
				// The clot came after the course ended: not "during treatment".
				detailOf: map[string]string{"vte-risk": "Thrombosis since the " + drug + " course start: discontinue " + drug}},
		)
	}
	runAcc(t, cases)
}
