package hooks

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/cards"
	"jakguard/fhir"
)

// Fail-safe review 17 (docs/rules.md section 4): the conditions the
// reverse direction reads lazily (ixcond, readConditions) held to what
// conditions read on the other paths are held to: the call's deadline,
// another patient's data, the gap said.

// TestFailsafe17LazyConditionsDeadline: a FHIR server that answers the
// medication searches and hangs on the Condition search, within a query
// timeout longer than the call's deadline. Before the lazy read the
// interaction card was had from the medications alone; the lazy Condition
// fetch then spent the whole deadline, the rules found it passed, and the
// call answered 503 (no card: clarithromycin with upadacitinib 30 mg
// unsaid). It now answers by the deadline with the dose card, saying the
// conditions could not be checked. A Condition server that answers in
// time still gives the stop card (the negative case).
func TestFailsafe17LazyConditionsDeadline(t *testing.T) {
	mi := with(cond("mi", icd, "I21.4", "active"), "onsetDateTime", ago(14))
	for _, d := range ixDrugs {
		for _, tc := range []struct {
			name  string
			delay time.Duration // of the Condition search; 0: hangs
			stop  bool
		}{
			{"Condition search hangs", 0, false},
			{"Condition search answers in time", 50 * time.Millisecond, true},
		} {
			t.Run(d.drug+": "+tc.name, func(t *testing.T) {
				body, m := ixBody(t, cleanRecord().onCourse(d.drug).replace(mi), d.draft)
				sf := newSourceFHIR(t, body, 0)
				sf.fail = func(w http.ResponseWriter, r *http.Request, typ string, page int) bool {
					if typ != "Condition" {
						return false
					}
					if tc.delay > 0 {
						time.Sleep(tc.delay)
						return false
					}
					select {
					case <-r.Context().Done():
					case <-time.After(5 * time.Second):
					}
					return true
				}
				dropKeys("conditions")(t, m, sf)
				b, err := json.Marshal(m)
				require.NoError(t, err)
				s := failServer(t, sf)
				s.cfg.Deadline = 800 * time.Millisecond
				s.fhir = fhir.NewClient(fhir.ClientConfig{QueryTimeout: 3 * time.Second, PageCap: 20}, sf.Client())
				start := time.Now()
				r := s.do(t, "POST", "/cds-services/order-sign", b)
				assert.Less(t, time.Since(start), 1500*time.Millisecond, "answered by the call's deadline")
				require.Equal(t, http.StatusOK, r.Code, r.Body.String())
				cs := checkResponse(t, r.Body.Bytes())
				checkIxReverse(t, d, tc.stop, cs, nil)
				if !tc.stop {
					assert.Contains(t, cs[0].Detail, "Could not be checked: conditions", "the gap said on the card")
				}
			})
		}
	}
}

// TestFailsafe17LazyConditionsAnotherPatient: a Condition of another
// patient among the conditions read lazily: in prefetch it is a 400 (as
// on every other path), from fhirServer the conditions are unavailable
// (the dose card, the gap said); it is never read as the context
// patient's MI. A null subject beside a DSTU2 patient of another patient
// (failsafe16) likewise. The context patient's own MI: the stop card.
func TestFailsafe17LazyConditionsAnotherPatient(t *testing.T) {
	mi := func(kv ...any) res {
		return with(with(cond("mi", icd, "I21.4", "active"), "onsetDateTime", ago(14)), kv...)
	}
	for _, d := range ixDrugs {
		for _, tc := range []struct {
			name string
			c    res
			own  bool
		}{
			{"subject Patient/p2", mi("subject", res{"reference": "Patient/p2"}), false},
			{"subject patient/p2 (lower case)", mi("subject", res{"reference": "patient/p2"}), false},
			{"null subject, DSTU2 patient Patient/p2", mi("subject", nil, "patient", res{"reference": "Patient/p2"}), false},
			{"subject Patient/p1", mi("subject", res{"reference": "Patient/p1"}), true},
		} {
			rec := cleanRecord().onCourse(d.drug).replace(tc.c)
			t.Run(d.drug+": prefetch: "+tc.name, func(t *testing.T) {
				s := newTestServer(t, serverOpts{noStore: true})
				r := s.do(t, "POST", "/cds-services/order-sign", sign(rec, d.draft).body(t))
				if !tc.own {
					require.Equal(t, http.StatusBadRequest, r.Code, r.Body.String())
					return
				}
				require.Equal(t, http.StatusOK, r.Code, r.Body.String())
				checkIxReverse(t, d, true, checkResponse(t, r.Body.Bytes()), nil)
			})
			t.Run(d.drug+": fhirServer: "+tc.name, func(t *testing.T) {
				body, m := ixBody(t, rec, d.draft)
				sf := newSourceFHIR(t, body, 0)
				dropKeys("conditions")(t, m, sf)
				cs := postVia(t, sf, "order-sign", m)
				checkIxReverse(t, d, tc.own, cs, nil)
				if !tc.own {
					assert.Contains(t, cs[0].Detail, "Could not be checked: conditions", "the gap said on the card")
				}
			})
		}
	}
}

// TestFailsafe17LazyConditionsCutShort: a Condition search cut short
// (page 2 fails), from fhirServer or after a prefetch first page. What the
// pages read hold is so, as on patient-view: an MI since the start on page
// 1 stops the course there ("Discontinue upadacitinib"), and the reverse
// card kept the dose ("Keep upadacitinib at 15 mg daily or less while on
// clarithromycin") because the conditions were not all had. It now leads
// with the stop as patient-view does, the gap said; with the MI on the
// page that failed, the dose card and the gap (the negative case).
func TestFailsafe17LazyConditionsCutShort(t *testing.T) {
	mi := func() res { return with(cond("mi", icd, "I21.4", "active"), "onsetDateTime", ago(14)) }
	for _, d := range ixDrugs {
		for _, tc := range []struct {
			name string
			page func(m map[string]any, sf *sourceFHIR, t testing.TB)
		}{
			{"fhirServer", func(m map[string]any, sf *sourceFHIR, t testing.TB) { dropKeys("conditions")(t, m, sf) }},
			{"prefetch first page", func(m map[string]any, sf *sourceFHIR, t testing.TB) { firstPages(1)(t, m, sf) }},
		} {
			for _, onPage1 := range []bool{true, false} {
				rec := cleanRecord().onCourse(d.drug)
				if onPage1 {
					rec.conditions = append([]res{mi()}, rec.conditions...)
				} else {
					rec.conditions = append(rec.conditions, mi())
				}
				name := d.drug + ": " + tc.name + ": MI on page 2, which fails"
				if onPage1 {
					name = d.drug + ": " + tc.name + ": MI on page 1, page 2 fails"
				}
				post := func(t *testing.T, hook string, body []byte) []cards.Card {
					var m map[string]any
					require.NoError(t, json.Unmarshal(body, &m))
					sf := newSourceFHIR(t, body, 1)
					sf.fail = func(w http.ResponseWriter, r *http.Request, typ string, page int) bool {
						if typ == "Condition" && page >= 2 {
							w.WriteHeader(500)
							return true
						}
						return false
					}
					tc.page(m, sf, t)
					return postVia(t, sf, hook, m)
				}
				t.Run(name, func(t *testing.T) {
					pv := post(t, HookPatientView, view(rec).body(t))
					cs := post(t, HookOrderSign, sign(rec, d.draft).body(t))
					checkIxReverse(t, d, onPage1, cs, pv)
					assert.Contains(t, cs[0].Detail, "Could not be checked: conditions", "the gap said on the card")
				})
			}
		}
	}
}
