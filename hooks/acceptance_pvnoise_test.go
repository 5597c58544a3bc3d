package hooks

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The noise review of patient-view for patients on long, well-monitored
// courses (pvnoise, December 2026): charts a dermatologist opens every
// week, posted through the HTTP path.

// pvnLabs are the on-treatment labs of one draw: CBC counts, ALT, AST and
// LDL cholesterol, all normal, ids suffixed with tag.
func pvnLabs(tag, date string) []res {
	return []res{
		obsQty("alc"+tag, "731-0", 1.8, "10*3/uL", date), obsQty("anc"+tag, "751-8", 3.9, "10*3/uL", date),
		obsQty("hgb"+tag, "718-7", 13.2, "g/dL", date), obsQty("plt"+tag, "777-3", 250, "10*3/uL", date),
		obsQty("alt"+tag, "1742-6", 21, "U/L", date), obsQty("ast"+tag, "1920-8", 20, "U/L", date),
		obsQty("ldl"+tag, "13457-7", 104, "mg/dL", date),
	}
}

// pvnChart is a patient started on drug at mg startDays ago, renewed every
// renew days (the last order active), screened (TB, HBV, HCV, baseline
// labs) 10 days before the start, given both recombinant zoster doses
// before it, and with the labs drawn every labsEvery days after the start,
// the last lastLabs days ago (no draw after the start when lastLabs < 0).
func pvnChart(drug string, mg, startDays, renew, labsEvery, lastLabs int) *record {
	pre := ago(startDays + 10)
	r := &record{
		patient:    res{"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1981-05-20"},
		conditions: []res{with(condition("ad", sct, "24079001", "active"), "onsetDateTime", "2010-01-01")},
		medications: []res{with(medication("dupi", "stopped", "", "", "dupilumab 300 MG/2ML Prefilled Syringe"),
			"authoredOn", ago(startDays+200))},
		observations: append([]res{
			obsCode("igra", "71773-6", negative, pre), obsCode("hbsag", "5196-1", negative, pre),
			obsCode("hbc", "16933-4", negative, pre), obsCode("hcv", "13955-0", negative, pre),
			obsQty("egfr", "98979-8", 98, "mL/min/{1.73_m2}", pre), obsCode("smoke", "72166-2", "266919005", pre),
		}, pvnLabs("0", pre)...),
		immunizations: []res{immunization("rzv1", "187", ago(startDays+90)), immunization("rzv2", "187", ago(startDays+30))},
	}
	for n := startDays; n >= 0; n -= renew {
		st := "completed"
		if n-renew < 0 {
			st = "active"
		}
		r.medications = append(r.medications, courseMed(fmt.Sprintf("%s-%d", drug, n), "MedicationRequest", st, drug, mg, n))
	}
	if lastLabs >= 0 {
		for n := lastLabs; n < startDays; n += labsEvery {
			r.observations = append(r.observations, pvnLabs(fmt.Sprint("d", n), ago(n))...)
		}
	}
	return r
}

// TestAcceptancePvnoiseStartLineOnce: a monitoring card of several checks
// said "upadacitinib (Rinvoq) course started on ..." under each of CBC,
// ALT/AST and lipids; it is said once per card. Courses with no check
// since the start, at 12 weeks (upadacitinib) and 4 weeks (abrocitinib):
// N-1 days no card, N and N+1 one card with the line once.
func TestAcceptancePvnoiseStartLineOnce(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	for _, tc := range []struct {
		drug string
		mg   int
		n    int
	}{{"upadacitinib", 15, 84}, {"abrocitinib", 100, 28}, {"abrocitinib", 200, 28}} {
		for _, age := range []int{tc.n - 1, tc.n, tc.n + 1} {
			t.Run(fmt.Sprintf("%s %d mg, course %d days old, nothing since the start", tc.drug, tc.mg, age), func(t *testing.T) {
				cs, _ := view(pvnChart(tc.drug, tc.mg, age, 30, 0, -1)).post(t, s)
				if age < tc.n {
					assert.Empty(t, cs, cardSummaries(cs))
					return
				}
				if !assert.Len(t, cs, 1, cardSummaries(cs)) {
					return
				}
				c := cs[0]
				assert.Equal(t, []string{"monitoring-cbc-due", "monitoring-liver-due", "monitoring-lipids-due"}, c.Findings())
				line := "course started on " + ago(age)
				assert.Equal(t, 1, strings.Count(c.Detail, line), "the start said once:\n%s", c.Detail)
				assert.True(t, strings.HasPrefix(c.Detail, "- "+tc.drug), "the start before the sections:\n%s", c.Detail)
				for _, what := range []string{"CBC", "ALT/AST", "lipid panel"} {
					assert.Contains(t, c.Detail, "No "+what+" since the course start.")
					assert.Contains(t, c.Detail, "due "+map[string]string{"upadacitinib": "12 weeks", "abrocitinib": "4 weeks"}[tc.drug]+" after starting "+tc.drug)
				}
			})
		}
	}
	// The boxed-warning card of an MI and a thrombosis since the start:
	// the start once. Both the day before the start (history): no card;
	// on the start day and the day after: one card.
	for _, off := range []int{-1, 0, 1} {
		t.Run(fmt.Sprintf("MI and DVT %d days after the start", off), func(t *testing.T) {
			r := pvnChart("upadacitinib", 15, 730, 90, 84, 60)
			r.conditions = append(r.conditions, with(cond("mi", icd, "I21.4", "resolved"), "onsetDateTime", ago(730-off)),
				with(cond("dvt", icd, "I82.401", "resolved"), "onsetDateTime", ago(730-off)))
			cs, _ := view(r).post(t, s)
			if off < 0 {
				assert.Empty(t, cs, cardSummaries(cs))
				return
			}
			c := cardWith(cs, "mace-history")
			assert.Equal(t, []string{"mace-history", "vte-risk"}, c.Findings())
			assert.Equal(t, 1, strings.Count(c.Detail, "course started on "+ago(730)), c.Detail)
		})
	}
	// A card of one finding keeps the line in its section.
	t.Run("a card of one finding: the start in its section", func(t *testing.T) {
		r := pvnChart("upadacitinib", 15, 200, 90, 84, 30)
		r.observations = append(r.observations, obsQty("hgbLow", "718-7", 7.1, "g/dL", ago(2)))
		cs, _ := view(r).post(t, s)
		c := cardWith(cs, "anemia")
		assert.Equal(t, 1, strings.Count(c.Detail, "course started on "+ago(200)), c.Detail)
		assert.True(t, strings.HasPrefix(c.Detail, "**"), c.Detail)
	})
}

// TestAcceptancePvnoiseRepeatCheckWording: a patient two years on
// upadacitinib, checked every 12 weeks, whose last CBC and ALT/AST are
// 85 days old was told "Order CBC (due 12 weeks after starting
// upadacitinib)", two years after the start: the repeat check is due 12
// weeks after the last one, which the card now says. Last draw 83 and 84
// days ago: no card (inside the window); 85: due, overdue by 1 day; the
// lipids (once after the start) are not asked again.
func TestAcceptancePvnoiseRepeatCheckWording(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	for _, renew := range []int{30, 90} {
		for _, last := range []int{83, 84, 85} {
			t.Run(fmt.Sprintf("renewed every %d days, last labs %d days ago", renew, last), func(t *testing.T) {
				cs, _ := view(pvnChart("upadacitinib", 15, 730, renew, 84, last)).post(t, s)
				if last <= 84 {
					assert.Empty(t, cs, cardSummaries(cs))
					return
				}
				if !assert.Len(t, cs, 1, cardSummaries(cs)) {
					return
				}
				c := cs[0]
				assert.Equal(t, []string{"monitoring-cbc-due", "monitoring-liver-due"}, c.Findings())
				assert.Contains(t, c.Detail, "Order CBC (due every 12 weeks on upadacitinib, last on "+ago(last)+").")
				assert.Contains(t, c.Detail, "Order ALT/AST (due every 12 weeks on upadacitinib, last on "+ago(last)+").")
				assert.NotContains(t, c.Detail, "after starting upadacitinib")
				assert.Contains(t, c.Detail, "Overdue by 1 day")
				assert.Equal(t, 1, strings.Count(c.Detail, "course started on "+ago(730)), c.Detail)
			})
		}
	}
}

// TestAcceptancePvnoiseMonitoredChartsQuiet: fully monitored charts, as
// opened today, a day later and a week later (every date one or seven
// days older), answer no card; so does a course stopped two years ago.
func TestAcceptancePvnoiseMonitoredChartsQuiet(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	shifted := func(build func(shift int) *record) []*record {
		return []*record{build(0), build(1), build(7)}
	}
	charts := map[string]func(shift int) *record{
		"upadacitinib 15 mg, 2 years, renewed every 90 days, labs every 12 weeks": func(k int) *record {
			return pvnChart("upadacitinib", 15, 730+k, 90, 84, 60+k)
		},
		"upadacitinib 15 mg, 2 years, renewed every 30 days, labs every 12 weeks": func(k int) *record {
			return pvnChart("upadacitinib", 15, 730+k, 30, 84, 70+k)
		},
		"abrocitinib 100 mg, 2 years, labs every 12 weeks": func(k int) *record {
			return pvnChart("abrocitinib", 100, 730+k, 90, 84, 60+k)
		},
		"abrocitinib 200 mg, 2 years, renewed every 30 days, platelets every 4 weeks": func(k int) *record {
			return pvnChart("abrocitinib", 200, 730+k, 30, 28, 20+k)
		},
		"switched from upadacitinib to abrocitinib a year ago, labs every 12 weeks": func(k int) *record {
			r := pvnChart("upadacitinib", 15, 730+k, 90, 84, 60+k)
			var ms []res
			for _, m := range r.medications {
				if m["id"] == "dupi" || m["authoredOn"].(string) < ago(365+k) {
					m["status"] = map[bool]string{true: "stopped", false: "completed"}[m["id"] == "dupi"]
					ms = append(ms, m)
				}
			}
			for n := 365 + k; n >= 0; n -= 90 {
				st := map[bool]string{true: "active", false: "completed"}[n-90 < 0]
				ms = append(ms, courseMed(fmt.Sprint("abro-", n), "MedicationRequest", st, "abrocitinib", 100, n))
			}
			r.medications = ms
			return r
		},
		"upadacitinib stopped two years ago, nothing since": func(k int) *record {
			r := pvnChart("upadacitinib", 15, 900+k, 90, 84, 730+k)
			var ms []res
			for _, m := range r.medications {
				if m["id"] == "dupi" || m["authoredOn"].(string) < ago(730+k) {
					ms = append(ms, with(m, "status", "completed"))
				}
			}
			ms[len(ms)-1]["status"] = "stopped"
			r.medications = ms
			return r
		},
	}
	for name, build := range charts {
		for i, r := range shifted(build) {
			t.Run(fmt.Sprintf("%s, opened %d days later", name, []int{0, 1, 7}[i]), func(t *testing.T) {
				cs, _ := view(r).post(t, s)
				assert.Empty(t, cs, cardSummaries(cs))
			})
		}
	}
}
