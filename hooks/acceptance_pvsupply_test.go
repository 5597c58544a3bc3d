package hooks

import (
	"fmt"
	"testing"
)

// TestAcceptancePvSupplyCompletedCourse: Oracle Health and Epic close an
// outpatient prescription ("completed") once it is sent or dispensed. A JAK
// course whose latest member is completed and whose stated end
// (dispenseRequest.validityPeriod.end, effectivePeriod.end), dosage timing
// (boundsPeriod.end, boundsDuration, count) or first dispensed supply
// (expectedSupplyDuration) reaches today is being taken, as a completed
// co-medication is (docs/rules.md section 1, "A completed co-medication
// still being taken"): patient-view judges it as an active order (bbabro
// question 3, decided by the lead engineer, 8 Dec 2026). It answered no
// card: day 20 of a 30-day abrocitinib supply with lymphocytes of 450 was
// silent. A completed order with no end or supply, one whose end passed,
// a stopped, cancelled or entered-in-error order stay silent.
func TestAcceptancePvSupplyCompletedCourse(t *testing.T) {
	const start = 20 // the order was authored 20 days ago
	mgOf := map[string]int{"upadacitinib": 15, "abrocitinib": 100}
	// order is the patient's only order of drug: status, authored 20 days
	// ago, once daily, shaped by set.
	order := func(drug, status string, set func(m res)) res {
		m := courseMed(drug+"-1", "MedicationRequest", status, drug, mgOf[drug], start)
		if set != nil {
			set(m)
		}
		return m
	}
	repeat := func(m res) res { return m["dosageInstruction"].([]any)[0].(res)["timing"].(res)["repeat"].(res) }
	days := func(n int) res { return res{"value": n, "unit": "days", "system": ucum, "code": "d"} }
	// The ways an order says how long it is taken, each giving the last
	// day lastAgo days before today (-1: tomorrow).
	type shape struct {
		name string
		set  func(lastAgo int) func(m res)
	}
	shapes := []shape{
		{"validityPeriod.end", func(lastAgo int) func(m res) {
			return func(m res) {
				m["dispenseRequest"] = res{"validityPeriod": res{"start": ago(start), "end": ago(lastAgo)}}
			}
		}},
		{"timing boundsPeriod.end", func(lastAgo int) func(m res) {
			return func(m res) { repeat(m)["boundsPeriod"] = res{"start": ago(start), "end": ago(lastAgo)} }
		}},
		// From day 0, n days are taken through day n-1.
		{"timing boundsDuration", func(lastAgo int) func(m res) {
			return func(m res) { repeat(m)["boundsDuration"] = days(start - lastAgo + 1) }
		}},
		{"timing count (once daily)", func(lastAgo int) func(m res) {
			return func(m res) { repeat(m)["count"] = start - lastAgo + 1 }
		}},
		{"expectedSupplyDuration", func(lastAgo int) func(m res) {
			return func(m res) { m["dispenseRequest"] = res{"expectedSupplyDuration": days(start - lastAgo + 1)} }
		}},
	}
	alc := qty("alc", "731-0", 450, "/uL", "", ago(2)) // below 500: lymphopenia on treatment, both drugs
	lymph := func() map[string]string {
		return map[string]string{"lymphopenia": "completed, ordered " + ago(start) + "; its end date or supply runs to "}
	}
	var cases []accCase
	for _, drug := range []string{"upadacitinib", "abrocitinib"} {
		on := func(m res, xs ...res) *record {
			r := cleanRecord()
			r.medications = append(r.medications, m)
			for _, x := range xs {
				r.replace(x)
			}
			return r
		}
		// Last day of the supply yesterday (N-1), today (N), tomorrow (N+1).
		for _, s := range shapes {
			for _, b := range []struct {
				lastAgo int
				when    string
				taken   bool
			}{{1, "yesterday", false}, {0, "today", true}, {-1, "tomorrow", true}} {
				tc := accCase{name: fmt.Sprintf("%s completed, %s: last day %s, lymphocytes 450", drug, s.name, b.when),
					c: view(on(order(drug, "completed", s.set(b.lastAgo)), alc))}
				if b.taken {
					tc.want, tc.detailOf = w("lymphopenia", "critical"), lymph()
					tc.detailOf["lymphopenia"] += ago(b.lastAgo)
				} else {
					tc.noCards = true
				}
				cases = append(cases, tc)
			}
		}
		supplied := func(xs ...res) *record {
			return on(order(drug, "completed", func(m res) { m["dispenseRequest"] = res{"expectedSupplyDuration": days(30)} }), xs...)
		}
		cases = append(cases,
			// The other on-treatment rules, as for an active order.
			accCase{name: drug + " completed, 30-day supply: neutrophils 900", c: view(supplied(qty("anc", "751-8", 900, "", "cells/uL", ago(2)))),
				want: w("neutropenia", "critical")},
			accCase{name: drug + " completed, 30-day supply: hemoglobin 7.5", c: view(supplied(qty("hgb", "718-7", 7.5, "g/dL", "g/dL", ago(2)))),
				want: w("anemia", "critical")},
			accCase{name: drug + " completed, 30-day supply: pregnancy", c: view(supplied(cond("preg", sct, "77386006", "active"))),
				want: w("pregnancy", "critical"), detailOf: map[string]string{"pregnancy": "is read as still taken"}},
			accCase{name: drug + " completed, 30-day supply: active pneumonia", c: view(supplied(cond("pna", sct, "233604007", "active"))),
				want: w("serious-infection-active", "critical")},
			accCase{name: drug + " completed, 30-day supply: tofacitinib active", c: view(supplied(onceDaily(med("o", "active", rxnorm, "2048566", "tofacitinib 10 MG Oral Tablet", 10)))),
				want: w("combination-jak", "critical")},
			accCase{name: drug + " completed, 30-day supply: MI 5 days ago, since the start", c: view(supplied(onsetCond("mi", "I21.4")(ago(5)))),
				want: w("mace-history", "warning"), summaryOf: map[string]string{"mace-history": "Discontinue " + drug}},
			// No noise: a normal record gives no card, as an active order gives none.
			accCase{name: drug + " completed, 30-day supply, normal record: no cards", c: view(supplied()), noCards: true},
			accCase{name: drug + " active, normal record: no cards (control)", c: view(on(order(drug, "active", nil))), noCards: true},
			// Not taken.
			accCase{name: drug + " completed without an end or supply, lymphocytes 450: no cards", c: view(on(order(drug, "completed", nil), alc)), noCards: true},
			accCase{name: drug + " completed, 30-day supply with 2 refills authored 40 days ago (first supply ran out): no cards",
				c: view(on(with(courseMed(drug+"-1", "MedicationRequest", "completed", drug, mgOf[drug], 40),
					"dispenseRequest", res{"expectedSupplyDuration": days(30), "numberOfRepeatsAllowed": 2}), alc)), noCards: true},
		)
		for _, st := range []string{"stopped", "cancelled", "entered-in-error"} {
			cases = append(cases, accCase{name: drug + " " + st + " with a 30-day supply running, lymphocytes 450: no cards",
				c: view(on(order(drug, st, func(m res) { m["dispenseRequest"] = res{"expectedSupplyDuration": days(30)} }), alc)), noCards: true})
		}
		// A MedicationStatement completed with effectivePeriod.end.
		for _, b := range []struct {
			lastAgo int
			when    string
			taken   bool
		}{{1, "yesterday", false}, {0, "today", true}, {-1, "tomorrow", true}} {
			m := courseMed(drug+"-1", "MedicationStatement", "completed", drug, mgOf[drug], start)
			delete(m, "effectiveDateTime")
			m["effectivePeriod"] = res{"start": ago(start), "end": ago(b.lastAgo)}
			tc := accCase{name: fmt.Sprintf("%s statement completed, effectivePeriod.end %s, lymphocytes 450", drug, b.when), c: view(on(m, alc))}
			if b.taken {
				tc.want = w("lymphopenia", "critical")
			} else {
				tc.noCards = true
			}
			cases = append(cases, tc)
		}
		// A later stop ends it: the latest member is stopped.
		cases = append(cases, accCase{name: drug + " completed 20 days ago with a 30-day supply, then stopped today: no cards",
			c: view(on(order(drug, "completed", func(m res) { m["dispenseRequest"] = res{"expectedSupplyDuration": days(30)} }), alc,
				courseMed(drug+"-2", "MedicationRequest", "stopped", drug, mgOf[drug], 0))), noCards: true})
	}
	// Abrocitinib's own thresholds and monitoring.
	abroSupplied := func(authored, supply int, xs ...res) *record {
		r := cleanRecord()
		r.medications = append(r.medications, with(courseMed("abrocitinib-1", "MedicationRequest", "completed", "abrocitinib", 100, authored),
			"dispenseRequest", res{"expectedSupplyDuration": days(supply)}))
		for _, x := range xs {
			r.replace(x)
		}
		return r
	}
	cases = append(cases,
		accCase{name: "abrocitinib completed 20 days ago (30-day supply), platelets 45,000: discontinue",
			c: view(abroSupplied(20, 30, qty("plt", "777-3", 45, "10*3/uL", "", ago(2)))), want: w("thrombocytopenia", "critical"),
			summaryOf: map[string]string{"thrombocytopenia": "Discontinue abrocitinib"},
			detailOf:  map[string]string{"thrombocytopenia": "(completed, ordered " + ago(20) + "; its end date or supply runs to " + ago(-9) + "), is read as still taken"}},
		// Started 40 days ago with a 90-day supply, the baseline 45 days
		// ago and no CBC since: the 4-week CBC is due.
		accCase{name: "abrocitinib completed 40 days ago (90-day supply), no CBC since the start: monitoring-cbc-due",
			c: view(abroSupplied(40, 90, qty("alc", "731-0", 1500, "/uL", "", ago(45)), qty("anc", "751-8", 3000, "", "cells/uL", ago(45)),
				qty("hgb", "718-7", 13, "g/dL", "g/dL", ago(45)), qty("plt", "777-3", 250, "10*3/uL", "", ago(45)))),
			want: w("monitoring-cbc-due", "warning")},
	)
	runAcc(t, cases)
}

// TestAcceptancePvSupplyReverse: an interacting drug ordered for a patient
// whose JAK course is a completed order still supplied speaks of a patient
// on the drug (the course is ongoing), not of a course that "ended today":
// the card said "The abrocitinib course ended on <today>: if abrocitinib is
// still taken or is resumed, ...". One whose supply ran out yesterday still
// reads as ended (recent).
func TestAcceptancePvSupplyReverse(t *testing.T) {
	clop := func() res { return drugDraft("x", rxnorm, "309362", "clopidogrel 75 MG Oral Tablet") }
	rec := func(supply int) *record {
		r := cleanRecord()
		r.medications = append(r.medications, with(courseMed("abrocitinib-1", "MedicationRequest", "completed", "abrocitinib", 100, 20),
			"dispenseRequest", res{"expectedSupplyDuration": supplyDays(float64(supply))}))
		return r
	}
	cases := []accCase{
		{name: "clopidogrel, abrocitinib supply to tomorrow: on abrocitinib", c: sign(rec(22), clop()), want: w("antiplatelet-abrocitinib", "critical"),
			detailOf:    map[string]string{"antiplatelet-abrocitinib": "current (MedicationRequest/abrocitinib-1, completed; its end date or supply runs to " + ago(-1)},
			notDetailOf: map[string]string{"antiplatelet-abrocitinib": "if abrocitinib is still taken or is resumed"}},
		{name: "clopidogrel, abrocitinib supply to today: on abrocitinib", c: sign(rec(21), clop()), want: w("antiplatelet-abrocitinib", "critical"),
			notDetailOf: map[string]string{"antiplatelet-abrocitinib": "course ended on"}},
		{name: "clopidogrel, abrocitinib supply ran out yesterday: recently on abrocitinib", c: sign(rec(20), clop()), want: w("antiplatelet-abrocitinib", "critical"),
			// The course's own end counts the supply's days from the start
			// (start + 20 is today); the drug is read as taken through
			// start + 19 (section 1's "a 14-day supply from day 0 is taken
			// through day 13").
			detailOf: map[string]string{"antiplatelet-abrocitinib": "The abrocitinib course ended on " + ago(0) + ": if abrocitinib is still taken or is resumed"}},
		// A dose named for the course: the completed order cannot be
		// changed, a new one is written at that dose (it read "change the
		// dose in the upadacitinib order itself" once ongoing, or "If
		// upadacitinib is resumed" before).
		{name: "clarithromycin, upadacitinib 30 mg completed with a supply to tomorrow: 15 mg, order it at this dose",
			c: sign(func() *record {
				r := cleanRecord()
				r.medications = append(r.medications, with(courseMed("upadacitinib-1", "MedicationRequest", "completed", "upadacitinib", 30, 20),
					"dispenseRequest", res{"expectedSupplyDuration": supplyDays(22)}))
				return r
			}(), drugDraft("other", rxnorm, "197517", "clarithromycin 500 MG Oral Tablet")),
			want: w("cyp-interaction", "warning"), dose: 15,
			detailOf:    map[string]string{"cyp-interaction": "order on record is completed (its end date or supply runs to " + ago(-1) + "), so jakguard offers no change to it"},
			notDetailOf: map[string]string{"cyp-interaction": "is resumed"}},
		// The order-time rules are unchanged: a renewal is a continuation.
		{name: "renewal, abrocitinib supply to tomorrow, platelets 120,000: a continuation, no cards",
			c: sign(rec(22).replace(qty("plt", "777-3", 120, "10*3/uL", "", ago(2))), jakDraft("abrocitinib", 100)), noCards: true},
	}
	runAcc(t, cases)
}

// TestAcceptancePvSupplySwitch: a completed order still supplied is not
// read as taken when the other JAK inhibitor's course began after its
// course and is current: the patient switched, and the unused supply of the
// first drug is not taken (no combination card on patient-view; an order
// of the first drug stays a switch back, an initiation). The other way
// round, an older active order beside a newer completed one still supplied
// is two JAK inhibitors, as two active orders are.
func TestAcceptancePvSupplySwitch(t *testing.T) {
	rec := func(completed, active string, completedAgo, activeAgo int) *record {
		mg := map[string]int{"upadacitinib": 15, "abrocitinib": 100}
		r := cleanRecord()
		r.medications = append(r.medications,
			with(courseMed(completed+"-1", "MedicationRequest", "completed", completed, mg[completed], completedAgo),
				"dispenseRequest", res{"expectedSupplyDuration": supplyDays(30)}),
			courseMed(active+"-1", "MedicationRequest", "active", active, mg[active], activeAgo))
		return r
	}
	cases := []accCase{
		{name: "upadacitinib completed 20 days ago (30-day supply), then abrocitinib active 10 days ago: no combination card",
			c: view(rec("upadacitinib", "abrocitinib", 20, 10)), noCards: true},
		{name: "abrocitinib completed 20 days ago (30-day supply), then upadacitinib active 10 days ago: no combination card",
			c: view(rec("abrocitinib", "upadacitinib", 20, 10)), noCards: true},
		{name: "upadacitinib active 100 days ago, then abrocitinib completed 20 days ago (30-day supply): two JAK inhibitors",
			c: view(rec("abrocitinib", "upadacitinib", 20, 100)), want: w("combination-jak", "critical")},
		{name: "switch back: upadacitinib ordered again after abrocitinib began 10 days ago, upadacitinib supply running, no IGRA for 400 days: screening",
			c:    sign(rec("upadacitinib", "abrocitinib", 20, 10).replace(obsCode("igra", "71773-6", negative, ago(400))), jakDraft("upadacitinib", 15)),
			want: w("tb-screening-missing", "warning")},
	}
	runAcc(t, cases)
}
