package hooks

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The since review: the results a renewal reads since its course start,
// kept aside by the decoder as older than their order-time look-back and
// read once the medications are (fhir.Builder.Since, rules.ResultsSince),
// give the same cards, word for word, as a server decoding every result
// (decodeAll), by every road the record may come (prefetch, the FHIR
// server, next pages, Medications read by id).
func TestAcceptanceSinceSameAsDecodeAll(t *testing.T) {
	old := func(r *record, drug string, days ...int) *record {
		for _, d := range days {
			r.replace(obsQty(fmt.Sprint("plt-", d), "777-3", 40, "10*3/uL", ago(d)))
			r.replace(obsQty(fmt.Sprint("alc-", d), "731-0", 0.4, "10*3/uL", ago(d)))
		}
		return r.drop("alc").drop("plt")
	}
	stmtCourse := func(drug string, mg, days int) *record {
		r := cleanRecord()
		r.medications = append(r.medications, courseMed(drug+"-1", "MedicationStatement", "active", drug, mg, days))
		return r
	}
	byRef := func(drug string, mg, days int) *record {
		r := cleanRecord()
		c := courseMed(drug+"-1", "MedicationRequest", "active", drug, mg, days)
		delete(c, "medicationCodeableConcept")
		c["medicationReference"] = res{"reference": "Medication/jak-med"}
		r.medications = append(r.medications, c, res{"resourceType": "Medication", "id": "jak-med",
			"code": coding(rxnorm, map[string]string{"upadacitinib": "2196092", "abrocitinib": "2591476"}[drug])})
		return r
	}
	undated := func(drug string, mg, days int) *record {
		r := onCourseAt(drug, mg, days)
		c := courseMed(drug+"-2", "MedicationRequest", "active", drug, mg, 0)
		delete(c, "authoredOn")
		r.medications = append(r.medications, c)
		return r
	}
	unreadable := func(r *record) *record {
		return r.replace(with(obsQty("plt-bad", "777-3", 40, "10*3/uL", ago(150)), "status", "nonsense"))
	}
	month := func(r *record, date string) *record {
		return r.replace(obsQty("plt-m", "777-3", 40, "10*3/uL", date))
	}
	type sc struct {
		name string
		c    call
	}
	var scs []sc
	for _, drug := range []string{"abrocitinib", "upadacitinib"} {
		mg := map[string]int{"upadacitinib": 15, "abrocitinib": 100}[drug]
		renew := func(r *record) call { return sign(r, jakDraft(drug, mg)) }
		scs = append(scs,
			sc{drug + " order, course 700 days, low counts 150 and 400 days ago", renew(old(onCourseAt(drug, mg, 700), drug, 150, 400))},
			sc{drug + " statement, course 700 days", renew(old(stmtCourse(drug, mg, 700), drug, 150, 400))},
			sc{drug + " by referenced Medication, course 700 days", renew(old(byRef(drug, mg, 700), drug, 150, 400))},
			sc{drug + " undated current order beside a dated one", renew(old(undated(drug, mg, 300), drug, 150, 400))},
			sc{drug + " unreadable platelet count 150 days ago", renew(unreadable(onCourseAt(drug, mg, 300)))},
			sc{drug + " clarithromycin ordered on the course (reverse)", sign(old(onCourseAt(drug, mg, 300), drug, 150), rxText("clarithromycin 500 MG Oral Tablet"))},
		)
		for _, d := range []int{299, 300, 301, 302, 303} {
			scs = append(scs, sc{fmt.Sprintf("%s course 300 days, low counts %d days ago", drug, d), renew(old(onCourseAt(drug, mg, 300), drug, d))})
		}
		for _, m := range []string{"2026-01", "2026-02", "2026-03"} { // course start 2026-02-14 (288 days)
			scs = append(scs, sc{drug + " platelets dated " + m + ", course from " + ago(288), renew(month(onCourseAt(drug, mg, 288).drop("plt"), m))})
		}
	}
	// An unreadable result from before the course start (and the 2 days'
	// margin), older than its window, is read by no rule: not said (a
	// decodeAll server says it: it decodes results no rule reads).
	s := newTestServer(t, serverOpts{noStore: true})
	for _, days := range []int{303, 400} {
		c := sign(onCourseAt("abrocitinib", 100, 300).replace(with(obsQty("plt-bad", "777-3", 40, "10*3/uL", ago(days)), "status", "nonsense")), jakDraft("abrocitinib", 100))
		assert.NotContains(t, s.do(t, "POST", "/cds-services/order-sign", c.body(t)).Body.String(), "could not be read", "%d days", days)
	}
	for _, tc := range scs {
		t.Run(tc.name, func(t *testing.T) {
			if strings.Contains(tc.name, "unreadable") {
				// Said as unreadable, as a result within its window is.
				s := newTestServer(t, serverOpts{noStore: true})
				body := s.do(t, "POST", "/cds-services/"+tc.c.service(), tc.c.body(t)).Body.String()
				assert.Contains(t, body, "Not read: 1 entry of lab results (malformed, left out)")
			}
			// A search of the results that fails part-way (addPartial):
			// what was read is read since the start as well.
			partial := road{"FHIR server paging every 2 entries, the results' page 3 failing", 2, func(t testing.TB, m map[string]any, sf *sourceFHIR) {
				sf.fail = func(w http.ResponseWriter, r *http.Request, typ string, page int) bool {
					if typ == "Observation" && page == 3 {
						w.WriteHeader(http.StatusInternalServerError)
						return true
					}
					return false
				}
				dropKeys()(t, m, sf)
			}}
			for _, rd := range append(roads, partial) {
				t.Run(rd.name, func(t *testing.T) {
					body, sf := roadBody(t, tc.c, rd)
					pruned, full := sourceServer(t, sf), sourceServer(t, sf)
					full.decodeAll = true
					a := pruned.do(t, "POST", "/cds-services/"+tc.c.service(), body)
					b := full.do(t, "POST", "/cds-services/"+tc.c.service(), body)
					require.Equal(t, 200, a.Code, a.Body.String())
					require.Equal(t, 200, b.Code, b.Body.String())
					assert.JSONEq(t, b.Body.String(), a.Body.String(), "the same cards, word for word")
					if rd.name == partial.name && !strings.Contains(tc.name, "reverse") { // the reverse direction reads no results
						assert.Contains(t, a.Body.String(), "read in part", "the failed page is said")
					}
				})
			}
		})
	}
}
