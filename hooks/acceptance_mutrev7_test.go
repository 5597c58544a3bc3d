package hooks

import "testing"

// TestAcceptanceMutrev7: boundary mutation review 7 (docs/rules.md section
// 4) on the day's new logic. Each case kills a hand-written mutant that
// survived the focused tests (PvSupply, Bbabro, Bbinfect):
//   - stillSupplied without plannedOnly: a completed plan (Oracle Health's
//     documented home medication) with a 30-day supply read as taken;
//   - the switch guard with equal starts (!o.Start.Before(c.Start)): two
//     JAK courses begun the same day, one completed and still supplied,
//     read as a switch, and the two-JAK card went silent;
//   - stillSupplied with dayOf(start) >= ix.today: a completed order of
//     today (its 30-day supply begun) read as not taken;
//   - "Measured before the course start" with dayOf(o.Date) <= started: a
//     count of the start day said to be measured before it.
func TestAcceptanceMutrev7(t *testing.T) {
	alcOn := func(daysAgo int) res { return qty("alc", "731-0", 450, "/uL", "", ago(daysAgo)) }
	supplied := func(drug string, mg, daysAgo int, set ...func(m res)) res {
		m := with(courseMed(drug+"-1", "MedicationRequest", "completed", drug, mg, daysAgo),
			"dispenseRequest", res{"expectedSupplyDuration": supplyDays(30)})
		for _, f := range set {
			f(m)
		}
		return m
	}
	plan := func(m res) { m["intent"] = "plan" }
	rec := func(xs ...res) *record {
		r := cleanRecord()
		for _, x := range xs {
			if x["resourceType"] == "MedicationRequest" {
				r.medications = append(r.medications, x)
			} else {
				r.replace(x)
			}
		}
		return r
	}
	onAbro := func(x res) *record {
		return rec(courseMed("abrocitinib-1", "MedicationRequest", "active", "abrocitinib", 100, 20), x)
	}
	cases := []accCase{
		// plannedOnly: a plan only says the drug may be taken.
		{name: "upadacitinib completed order 20 days ago (30-day supply), lymphocytes 450: lymphopenia (control)",
			c: view(rec(supplied("upadacitinib", 15, 20), alcOn(2))), want: w("lymphopenia", "critical")},
		{name: "upadacitinib completed plan 20 days ago (30-day supply), lymphocytes 450: not taken, no cards",
			c: view(rec(supplied("upadacitinib", 15, 20, plan), alcOn(2))), noCards: true},
		{name: "abrocitinib completed plan 20 days ago (30-day supply), lymphocytes 450: not taken, no cards",
			c: view(rec(supplied("abrocitinib", 100, 20, plan), alcOn(2))), noCards: true},
		// stillSupplied's start: an order of today is taken (N), one dated
		// tomorrow not yet (N+1).
		{name: "upadacitinib completed order today (30-day supply), lymphocytes 450 today: lymphopenia",
			c: view(rec(supplied("upadacitinib", 15, 0), alcOn(0))), want: w("lymphopenia", "critical")},
		{name: "upadacitinib completed order dated tomorrow (30-day supply), lymphocytes 450 today: no cards",
			c: view(rec(supplied("upadacitinib", 15, -1), alcOn(0))), noCards: true},
		// The switch guard at equal starts (N), the other course later (N+1).
		{name: "upadacitinib completed and abrocitinib active, both 20 days ago: two JAK inhibitors",
			c:    view(rec(supplied("upadacitinib", 15, 20), courseMed("abrocitinib-1", "MedicationRequest", "active", "abrocitinib", 100, 20))),
			want: w("combination-jak", "critical")},
		{name: "abrocitinib completed and upadacitinib active, both 20 days ago: two JAK inhibitors",
			c:    view(rec(supplied("abrocitinib", 100, 20), courseMed("upadacitinib-1", "MedicationRequest", "active", "upadacitinib", 15, 20))),
			want: w("combination-jak", "critical")},
		{name: "upadacitinib completed 20 days ago, abrocitinib active 19 days ago: a switch, no cards",
			c:       view(rec(supplied("upadacitinib", 15, 20), courseMed("abrocitinib-1", "MedicationRequest", "active", "abrocitinib", 100, 19))),
			noCards: true},
		// The switch guard's other course still supplied, begun later: a
		// switch (controls; the mutant o.Ongoing for (o.Ongoing ||
		// supplied[e]) survived them, docs/rules.md section 4).
		{name: "upadacitinib completed 20 days ago and abrocitinib completed 10 days ago, both supplied: a switch, no cards",
			c: view(rec(supplied("upadacitinib", 15, 20), supplied("abrocitinib", 100, 10))), noCards: true},
		{name: "abrocitinib completed 20 days ago and upadacitinib completed 10 days ago, both supplied: a switch, no cards",
			c: view(rec(supplied("abrocitinib", 100, 20), supplied("upadacitinib", 15, 10))), noCards: true},
		// The pre-start evidence line: the day before the start (N-1), the
		// start day (N), the day after (N+1).
		{name: "renewal at 20 days, lymphocytes 450 the day before the start: measured before the course start",
			c: sign(onAbro(alcOn(21)), jakDraft("abrocitinib", 100)), want: w("lymphopenia", "critical"),
			detailOf: map[string]string{"lymphopenia": "Measured before the course start"}},
		{name: "renewal at 20 days, lymphocytes 450 on the start day: on treatment, no pre-start line",
			c: sign(onAbro(alcOn(20)), jakDraft("abrocitinib", 100)), want: w("lymphopenia", "critical"),
			notDetailOf: map[string]string{"lymphopenia": "Measured before the course start"}},
		{name: "renewal at 20 days, lymphocytes 450 the day after the start: no pre-start line",
			c: sign(onAbro(alcOn(19)), jakDraft("abrocitinib", 100)), want: w("lymphopenia", "critical"),
			notDetailOf: map[string]string{"lymphopenia": "Measured before the course start"}},
	}
	runAcc(t, cases)
}
