package hooks

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/cards"
)

// The ixcond review: a drug that interacts with the patient's upadacitinib
// or abrocitinib course (clarithromycin, fluoxetine) was judged on the
// medication keys alone, so for a patient whose course had an event for
// which the label stops or interrupts the drug (an MI, stroke or
// thrombosis since the start; a serious infection or active TB) its card
// still told the prescriber a dose to keep: "Reduce upadacitinib to 15 mg
// daily while on clarithromycin" beside patient-view's "Discontinue
// upadacitinib". The reverse direction now reads the conditions once a
// course whose card names a dose is found, and that card leads with the
// patient-view card's stop, at its level, with no dose.

// ixDrug is a course drug and the interacting drug whose card names a dose
// of it (a strong CYP inhibitor): with the 2026-06-01 course of
// cleanRecord().onCourse (15 mg, 100 mg) today's card reads noStop.
type ixDrug struct {
	drug   string
	draft  res
	noStop string
}

var ixDrugs = []ixDrug{
	{"upadacitinib", drugDraft("x", rxnorm, "21212", "clarithromycin"), "Keep upadacitinib at 15 mg daily or less while on clarithromycin"},
	{"abrocitinib", drugDraft("x", rxnorm, "4493", "fluoxetine 20 MG Oral Capsule"), "Reduce abrocitinib to 50 mg daily while on fluoxetine"},
}

// ixEvent is an event on record dated by date; since is true when only
// what began on or after the course start counts (an MI, stroke or
// thrombosis), false when any active one does (an infection, whenever it
// began, as on patient-view).
type ixEvent struct {
	name, code string
	since      bool
	make       func(date string) res
}

func ixEvents() []ixEvent {
	onset := func(id, system, code string) func(string) res {
		return func(d string) res { return with(cond(id, system, code, "active"), "onsetDateTime", d) }
	}
	return []ixEvent{
		{"MI I21.4", "mace-history", true, onset("mi", icd, "I21.4")},
		{"stroke I63.9", "mace-history", true, onset("cva", icd, "I63.9")},
		{"DVT I82.401", "vte-risk", true, onset("dvt", icd, "I82.401")},
		{"PE I26.99", "vte-risk", true, onset("pe", icd, "I26.99")},
		{"sepsis 91302008", "serious-infection-active", false, onset("sepsis", sct, "91302008")},
		{"active TB A15.0", "tb-active", false, onset("tb", icd, "A15.0")},
	}
}

// ixCase is one record: stop tells whether patient-view says to stop or
// interrupt the course (and so the interaction card must lead with it).
type ixCase struct {
	name string
	rec  *record
	stop bool
}

func ixCases(d ixDrug) []ixCase {
	on := func() *record { return cleanRecord().onCourse(d.drug) } // started 2026-06-01, still taken
	var out []ixCase
	for _, e := range ixEvents() {
		out = append(out,
			// N-1: history before the start (no stop) for the events since
			// the start; an active infection stops the drug whenever it began.
			ixCase{e.name + " the day before the start", on().replace(e.make(pvDayBefore)), !e.since},
			ixCase{e.name + " on the start day", on().replace(e.make(pvStartDay)), true},
			ixCase{e.name + " the day after the start", on().replace(e.make(pvDayAfter)), true},
			ixCase{e.name + " two weeks ago", on().replace(e.make(ago(14))), true},
			ixCase{e.name + " with onset after today", on().replace(e.make("2026-12-20")), true},
			ixCase{e.name + " entered in error", on().replace(with(e.make(ago(14)), "verificationStatus", verification("entered-in-error"))), false},
		)
		if e.since {
			// An MI or thrombosis since the start that has resolved still
			// happened during treatment (docs/rules.md, section 1).
			out = append(out, ixCase{e.name + " since the start, resolved", on().replace(with(e.make(ago(14)), "clinicalStatus", coding("http://terminology.hl7.org/CodeSystem/condition-clinical", "resolved"))), true})
		} else {
			for _, st := range []string{"resolved", "inactive"} {
				out = append(out, ixCase{e.name + " " + st, on().replace(with(e.make(ago(14)), "clinicalStatus", coding("http://terminology.hl7.org/CodeSystem/condition-clinical", st))), false})
			}
		}
	}
	out = append(out,
		ixCase{"no event", on(), false},
		// A thrombophilia since the start is a risk to review, not a stop.
		ixCase{"factor V Leiden since the start", on().replace(with(cond("fvl", icd, "D68.51", "active"), "onsetDateTime", ago(14))), false},
	)
	return out
}

// stopCard is the patient-view card that stops or interrupts the course
// (nil when none).
func stopCard(cs []cards.Card) *cards.Card {
	for i, c := range cs {
		for _, code := range c.Findings() {
			switch code {
			case "mace-history", "vte-risk", "serious-infection-active", "tb-active":
				if strings.HasPrefix(c.Summary, "Discontinue") || strings.HasPrefix(c.Summary, "Interrupt") {
					return &cs[i]
				}
			}
		}
	}
	return nil
}

// checkIxReverse checks the answer to the interacting order against the
// patient-view answer for the same record: one card, the pairing's;
// with a stop, it leads with patient-view's summary at its level and names
// no dose; without one, it is today's card.
func checkIxReverse(t *testing.T, d ixDrug, stop bool, cs, pv []cards.Card) {
	t.Helper()
	require.Len(t, cs, 1, "one card: %s", cardSummaries(cs))
	c := cs[0]
	assert.Equal(t, []string{"cyp-interaction"}, c.Findings(), "the pairing's card")
	pvStop := stopCard(pv)
	if pv != nil {
		require.Equal(t, stop, pvStop != nil, "patient-view stops the course: %s", cardSummaries(pv))
	}
	if !stop {
		assert.Contains(t, c.Summary, d.noStop, "today's card")
		assert.NotEmpty(t, dosesNamed(cs), "today's card names the dose")
		assert.NotContains(t, c.Detail, "no "+d.drug+" dose is suggested")
		return
	}
	assert.Empty(t, dosesNamed(cs), "no dose to keep: %s", c.Summary)
	for _, r := range c.OverrideReasons {
		assert.NotEqual(t, "jak-dose-adjusted", r.Code, "no dose was asked to adjust")
	}
	assert.NotContains(t, c.Summary, "mg daily")
	assert.Contains(t, c.Detail, "no "+d.drug+" dose is suggested")
	if pvStop != nil {
		assert.True(t, strings.HasPrefix(c.Summary, pvStop.Summary), "leads with patient-view's %q: %q", pvStop.Summary, c.Summary)
		assert.Equal(t, pvStop.Indicator, c.Indicator, "patient-view's level")
	}
}

// TestAcceptanceIxcondReverseStop: each event class, at N-1, N and N+1 of
// the course start, resolved, inactive, entered in error, dated after
// today, none; order-sign and order-select; both drugs. Patient-view is
// asked the same record: the two agree.
func TestAcceptanceIxcondReverseStop(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	for _, d := range ixDrugs {
		for _, tc := range ixCases(d) {
			t.Run(d.drug+": "+tc.name, func(t *testing.T) {
				pv, _ := view(tc.rec).post(t, s)
				cs, _ := sign(tc.rec, d.draft).post(t, s)
				checkIxReverse(t, d, tc.stop, cs, pv)
				sel := call{hook: HookOrderSelect, r: tc.rec, drafts: []res{d.draft}, selections: []string{"MedicationRequest/x"}}
				cs, _ = sel.post(t, s)
				checkIxReverse(t, d, tc.stop, cs, pv)
			})
		}
	}
}

// TestAcceptanceIxcondReverseHighDose: the defect as found, upadacitinib
// 30 mg ("Reduce upadacitinib to 15 mg daily while on clarithromycin") and
// abrocitinib 200 mg with an MI two weeks ago; a course that ended 30 days
// ago, with an MI during it, is not to be resumed: no card (endedstop).
func TestAcceptanceIxcondReverseHighDose(t *testing.T) {
	mi := with(cond("mi", icd, "I21.4", "active"), "onsetDateTime", ago(14))
	cases := []accCase{}
	for _, d := range ixDrugs {
		high := map[string]int{"upadacitinib": 30, "abrocitinib": 200}[d.drug]
		cases = append(cases,
			accCase{name: d.drug + ": MI since the start", c: sign(onCourseAt(d.drug, high, 60).replace(mi), d.draft), want: w("cyp-interaction", "warning"),
				summaryOf: map[string]string{"cyp-interaction": "Discontinue " + d.drug + ": MI or stroke since the start"}, noDose: true,
				detailOf: map[string]string{"cyp-interaction": d.drug + " PI 5.4"}},
			accCase{name: d.drug + ": no MI", c: sign(onCourseAt(d.drug, high, 60), d.draft), want: w("cyp-interaction", "warning"),
				summaryOf: map[string]string{"cyp-interaction": "Reduce " + d.drug}},
			// The course is not to be resumed: no card (endedstop review).
			accCase{name: d.drug + ": ended course, MI during it: no resumed dose, no card", c: sign(endedCourse(d.drug, mgOf[d.drug], 30).replace(with(cond("mi", icd, "I21.4", "active"), "onsetDateTime", ago(40))), d.draft),
				noCards: true},
			accCase{name: d.drug + ": ended course, no MI: the resumed dose is said", c: sign(endedCourse(d.drug, mgOf[d.drug], 30), d.draft),
				want: w("cyp-interaction", "warning"), summaryOf: map[string]string{"cyp-interaction": "If " + d.drug + " resumes"}},
		)
	}
	// An order coded with no display or text is named by the knowledge
	// base, in the summary and in the action.
	bare := drugDraft("x", rxnorm, "21212", "")
	delete(bare, "medicationCodeableConcept")
	bare["medicationCodeableConcept"] = res{"coding": []any{res{"system": rxnorm, "code": "21212"}}}
	cases = append(cases, accCase{name: "upadacitinib: MI since the start, clarithromycin by bare code",
		c: sign(onCourseAt("upadacitinib", 30, 60).replace(mi), bare), want: w("cyp-interaction", "warning"), noDose: true,
		summaryOf: map[string]string{"cyp-interaction": "(clarithromycin ordered: CYP interaction)"},
		detailOf:  map[string]string{"cyp-interaction": "With clarithromycin the upadacitinib dose"}})
	// The label sections are named in capitals ("RINVOQ PI 5.4").
	for i := range cases {
		for k, v := range cases[i].detailOf {
			cases[i].detailOf[k] = strings.Replace(strings.Replace(v, "upadacitinib PI", "RINVOQ PI", 1), "abrocitinib PI", "CIBINQO PI", 1)
		}
	}
	runAcc(t, cases)
}

// ixBody is the order-sign body of the interacting draft for rec, as a map.
func ixBody(t *testing.T, rec *record, draft res) ([]byte, map[string]any) {
	body := sign(rec, draft).body(t)
	var m map[string]any
	require.NoError(t, json.Unmarshal(body, &m))
	return body, m
}

// TestAcceptanceIxcondReverseConditionsSource: the conditions from
// prefetch or from fhirServer give the same card; when they cannot be had
// the card keeps today's dose and says that conditions could not be
// checked, on the same card (no second card); a patient on no course
// costs no Condition query.
func TestAcceptanceIxcondReverseConditionsSource(t *testing.T) {
	for _, d := range ixDrugs {
		mi := with(cond("mi", icd, "I21.4", "active"), "onsetDateTime", ago(14))
		sepsis := condition("sepsis", sct, "91302008", "active")
		for _, ev := range []struct {
			name string
			c    res
		}{{"MI since the start", mi}, {"sepsis", sepsis}} {
			rec := cleanRecord().onCourse(d.drug).replace(ev.c)
			t.Run(d.drug+": "+ev.name+": conditions from fhirServer", func(t *testing.T) {
				body, m := ixBody(t, rec, d.draft)
				sf := newSourceFHIR(t, body, 0)
				dropKeys("conditions")(t, m, sf)
				checkIxReverse(t, d, true, postVia(t, sf, "order-sign", m), nil)
				assert.True(t, askedFor(sf, "/Condition"), "conditions fetched: %v", sf.asked())
			})
			t.Run(d.drug+": "+ev.name+": the whole prefetch from fhirServer", func(t *testing.T) {
				body, m := ixBody(t, rec, d.draft)
				sf := newSourceFHIR(t, body, 0)
				dropKeys()(t, m, sf)
				checkIxReverse(t, d, true, postVia(t, sf, "order-sign", m), nil)
			})
			unavailable := func(t *testing.T, cs []cards.Card) {
				t.Helper()
				checkIxReverse(t, d, false, cs, nil)
				assert.Contains(t, cs[0].Detail, "Could not be checked: conditions", "the gap said on the card")
			}
			t.Run(d.drug+": "+ev.name+": fhirServer fails on Condition: today's card, the gap said", func(t *testing.T) {
				body, m := ixBody(t, rec, d.draft)
				sf := newSourceFHIR(t, body, 0)
				sf.fail = failing("Condition")
				dropKeys("conditions")(t, m, sf)
				unavailable(t, postVia(t, sf, "order-sign", m))
			})
			t.Run(d.drug+": "+ev.name+": conditions key missing, no fhirServer: today's card, the gap said", func(t *testing.T) {
				_, m := ixBody(t, rec, d.draft)
				delete(m["prefetch"].(map[string]any), "conditions")
				b, err := json.Marshal(m)
				require.NoError(t, err)
				s := newTestServer(t, serverOpts{noStore: true})
				r := s.do(t, "POST", "/cds-services/order-sign", b)
				require.Equal(t, 200, r.Code, r.Body.String())
				unavailable(t, checkResponse(t, r.Body.Bytes()))
			})
		}
		t.Run(d.drug+": no course: no Condition query", func(t *testing.T) {
			body, m := ixBody(t, cleanRecord().replace(with(cond("mi", icd, "I21.4", "active"), "onsetDateTime", ago(14))), d.draft)
			sf := newSourceFHIR(t, body, 0)
			dropKeys("conditions")(t, m, sf)
			assert.Empty(t, postVia(t, sf, "order-sign", m))
			assert.False(t, askedFor(sf, "/Condition"), "no Condition query: %v", sf.asked())
		})
		t.Run(d.drug+": a course and a live vaccine (no dose named): the conditions read, the stop first", func(t *testing.T) {
			// Every reverse card about an ongoing course leads with its
			// stop now (revstop review; committee question ixcond 2).
			body, m := ixBody(t, cleanRecord().onCourse(d.drug).replace(sepsis), drugDraft("x", cvx, "03", "MMR vaccine"))
			sf := newSourceFHIR(t, body, 0)
			dropKeys("conditions")(t, m, sf)
			cs := postVia(t, sf, "order-sign", m)
			requireFinding(t, cs, "live-vaccine-ordered", "critical")
			assert.True(t, askedFor(sf, "/Condition"), "Condition query: %v", sf.asked())
		})
	}
}

func askedFor(sf *sourceFHIR, path string) bool {
	for _, q := range sf.asked() {
		if strings.Contains(q, path+"?") || strings.HasSuffix(q, path) {
			return true
		}
	}
	return false
}

// TestAcceptanceIxcondForward: the JAK order's own paths read the
// conditions already. A renewal drafted with the interacting drug during a
// serious infection or active TB gave "Interrupt upadacitinib" beside
// "Reduce upadacitinib to 15 mg daily: strong CYP inhibitor" with its
// update to 15 mg: the CYP card now names no dose, as after an MI (which
// failsafe15 pinned). On order-select with the JAK draft beside the
// selected drug (besideFindings), the pairing's card names no dose either.
func TestAcceptanceIxcondForward(t *testing.T) {
	var cases []accCase
	for _, d := range ixDrugs {
		high := map[string]int{"upadacitinib": 30, "abrocitinib": 200}[d.drug]
		for _, e := range []struct {
			name, code string
			c          res
		}{
			{"sepsis", "serious-infection-active", condition("sepsis", sct, "91302008", "active")},
			{"active TB", "tb-active", cond("tb", icd, "A15.0", "active")},
			{"MI since the start", "mace-history", with(cond("mi", icd, "I21.4", "active"), "onsetDateTime", ago(14))},
		} {
			rec := func() *record { return onCourseAt(d.drug, high, 60).replace(e.c) }
			level := map[string]string{"mace-history": "warning"}[e.code]
			if level == "" {
				level = "critical"
			}
			cases = append(cases,
				accCase{name: d.drug + ": renewal at " + strconv.Itoa(high) + " mg with the interacting drug, " + e.name + ": no dose",
					c: sign(rec(), jakDraft(d.drug, high), d.draft), want: w(e.code, level, "cyp-interaction", "warning"), noDose: true,
					detailOf: map[string]string{"cyp-interaction": "No dose is suggested"}},
				accCase{name: d.drug + ": order-select of the interacting drug beside the JAK draft, " + e.name + ": no dose",
					c:    call{hook: HookOrderSelect, r: rec(), drafts: []res{jakDraft(d.drug, high), d.draft}, selections: []string{"MedicationRequest/x"}},
					want: w("cyp-interaction", "warning"), noDose: true, detailOf: map[string]string{"cyp-interaction": "No dose is suggested"}},
			)
		}
		// Patient-view with the interacting drug on the chart: the course's
		// CYP card names no dose beside "Interrupt" or "Discontinue" either.
		onChart := func(c res) *record {
			r := onCourseAt(d.drug, high, 60).replace(c)
			code := d.draft["medicationCodeableConcept"].(res)["coding"].([]any)[0].(res)["code"].(string)
			r.medications = append(r.medications, med("ix", "active", rxnorm, code, d.draft["medicationCodeableConcept"].(res)["text"].(string), 5))
			return r
		}
		cases = append(cases,
			accCase{name: d.drug + ": patient-view, the interacting drug on the chart, sepsis: no dose", c: view(onChart(condition("sepsis", sct, "91302008", "active"))),
				want: w("serious-infection-active", "critical", "cyp-interaction", "warning"), noDose: true},
			accCase{name: d.drug + ": patient-view, the interacting drug on the chart, no infection: the dose", c: view(onChart(condition("sepsis", sct, "91302008", "resolved"))),
				want: w("cyp-interaction", "warning"), dose: mgOf[d.drug] / map[string]int{"upadacitinib": 1, "abrocitinib": 2}[d.drug]})
		// Resolved: the dose is said, as before.
		cases = append(cases, accCase{name: d.drug + ": renewal with the interacting drug, sepsis resolved: the dose",
			c:    sign(onCourseAt(d.drug, high, 60).replace(condition("sepsis", sct, "91302008", "resolved")), jakDraft(d.drug, high), d.draft),
			want: w("cyp-interaction", "warning"), absent: []string{"serious-infection-active"}, dose: mgOf[d.drug] / map[string]int{"upadacitinib": 1, "abrocitinib": 2}[d.drug]})
	}
	runAcc(t, cases)
}

// postVia posts m on the hook to a test server on sf (failServer) and
// returns its cards, the answer required to be 200 and valid.
func postVia(t *testing.T, sf *sourceFHIR, hook string, m map[string]any) []cards.Card {
	t.Helper()
	b, err := json.Marshal(m)
	require.NoError(t, err)
	r := failServer(t, sf).do(t, "POST", "/cds-services/"+hook, b)
	require.Equal(t, http.StatusOK, r.Code, r.Body.String())
	return checkResponse(t, r.Body.Bytes())
}
