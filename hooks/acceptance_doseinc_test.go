package hooks

import (
	"fmt"
	"testing"
)

// The abrocitinib CBC 4 weeks after a dose increase (CIBINQO US label,
// knowledge base C6, grade C: unverified). A patient raised from 100 mg to
// 200 mg with no CBC since the increase is reminded from 28 days after the
// member that raised the dose, on patient-view and on a renewal; a CBC
// after the increase clears it; a decrease or the same dose never triggers
// it; upadacitinib has no such check in its label (R9).

// raised is an abrocitinib course started 70 days ago at fromMg (a
// completed order), then an active order at toMg authored days ago; the
// baseline labs 10 days before the start and every monitoring check done
// 5 days before the change (so the checks of the course start are met).
// drug upadacitinib builds the same course of upadacitinib.
func raised(drug string, fromMg, toMg, days int, obs ...res) *record {
	r := cleanRecord().labsOn(ago(80))
	r.medications = append(r.medications,
		courseMed(drug+"-1", "MedicationRequest", "completed", drug, fromMg, 70),
		courseMed(drug+"-2", "MedicationRequest", "active", drug, toMg, days))
	before := ago(days + 5)
	r.replace(qty("alc2", "731-0", 1.6, "10*3/uL", "", before)).replace(qty("anc2", "751-8", 3.2, "10*3/uL", "", before)).
		replace(qty("hgb2", "718-7", 12.9, "g/dL", "", before)).replace(qty("plt2", "777-3", 240, "10*3/uL", "", before)).
		replace(qty("alt2", "1742-6", 25, "U/L", "", before)).replace(qty("ldl2", "13457-7", 110, "mg/dL", "", before))
	for _, o := range obs {
		r.replace(o)
	}
	return r
}

func TestAcceptanceAbrocitinibCBCAfterDoseIncrease(t *testing.T) {
	const code = "monitoring-cbc-due"
	due := func(name string, c call) accCase {
		return accCase{name: name, c: c, want: w(code, "warning"),
			detailOf: map[string]string{code: "(grade C/U)"}}
	}
	notDue := func(name string, c call) accCase { return accCase{name: name, c: c, absent: []string{code}} }
	plt := func(id string, date string) res { return qty(id, "777-3", 230, "10*3/uL", "", date) }
	var cases []accCase
	// Boundaries: 27, 28, 29 days after the increase, on patient-view and
	// on a renewal at 200 mg.
	for _, d := range []int{27, 28, 29} {
		pv := fmt.Sprintf("patient-view, 100 -> 200 mg %d days ago, no CBC since", d)
		rn := fmt.Sprintf("renewal at 200 mg, 100 -> 200 mg %d days ago, no CBC since", d)
		if d < 28 {
			cases = append(cases, accCase{name: pv + ": not yet due", c: view(raised("abrocitinib", 100, 200, d)), noCards: true},
				notDue(rn+": not yet due", sign(raised("abrocitinib", 100, 200, d), jakDraft("abrocitinib", 200))))
			continue
		}
		cases = append(cases, due(pv+": due", view(raised("abrocitinib", 100, 200, d))),
			due(rn+": due", sign(raised("abrocitinib", 100, 200, d), jakDraft("abrocitinib", 200))))
	}
	cases = append(cases,
		due("patient-view, 100 -> 200 mg 5 weeks ago, no CBC since", view(raised("abrocitinib", 100, 200, 35))),
		accCase{name: "patient-view, 100 -> 200 mg 5 weeks ago: the card says which order raised the dose, and when",
			c: view(raised("abrocitinib", 100, 200, 35)), want: w(code, "warning"),
			detailOf: map[string]string{code: "raised from 100 mg/day to 200 mg/day on " + ago(35)}},
		due("patient-view, 50 -> 100 mg 5 weeks ago, no CBC since", view(raised("abrocitinib", 50, 100, 35))),
		// A CBC done after the increase clears it, before or after day 28.
		accCase{name: "patient-view, 100 -> 200 mg 35 days ago, platelets 10 days after the increase: done",
			c: view(raised("abrocitinib", 100, 200, 35, plt("plt3", ago(25)))), noCards: true},
		accCase{name: "patient-view, 100 -> 200 mg 40 days ago, platelets 35 days after the increase: done",
			c: view(raised("abrocitinib", 100, 200, 40, plt("plt3", ago(5)))), noCards: true},
		notDue("renewal, 100 -> 200 mg 35 days ago, platelets 10 days after the increase: done",
			sign(raised("abrocitinib", 100, 200, 35, plt("plt3", ago(25))), jakDraft("abrocitinib", 200))),
		// A CBC on the day of the increase is the check before it.
		due("patient-view, 100 -> 200 mg 35 days ago, platelets on the day of the increase only", view(raised("abrocitinib", 100, 200, 35, plt("plt3", ago(35))))),
		// A decrease or the same dose: no increase.
		accCase{name: "patient-view, 200 -> 100 mg 35 days ago: a decrease", c: view(raised("abrocitinib", 200, 100, 35)), noCards: true},
		accCase{name: "patient-view, 100 -> 100 mg renewed 35 days ago: the same dose", c: view(raised("abrocitinib", 100, 100, 35)), noCards: true},
		accCase{name: "renewal at 100 mg, 200 -> 100 mg 35 days ago: a decrease", c: sign(raised("abrocitinib", 200, 100, 35), jakDraft("abrocitinib", 100)), absent: []string{code}},
	)
	// The increase is dated by the member that raised the dose, not by a
	// later renewal at the same dose; a dose back down to where it was
	// is no increase.
	later := func(mg int) *record {
		r := raised("abrocitinib", 100, 200, 35)
		r.medications[len(r.medications)-1]["status"] = "completed"
		r.medications = append(r.medications, courseMed("abrocitinib-3", "MedicationRequest", "active", "abrocitinib", mg, 10))
		return r
	}
	renewed, back := later(200), later(100)
	cases = append(cases,
		due("patient-view, 100 -> 200 mg 35 days ago, renewed at 200 mg 10 days ago, no CBC since the increase", view(renewed)),
		accCase{name: "patient-view, 100 -> 200 mg 35 days ago, back to 100 mg 10 days ago: no increase in force", c: view(back), absent: []string{code}},
	)
	// Upadacitinib: the label asks for no CBC after a dose increase (R9).
	cases = append(cases,
		notDue("patient-view, upadacitinib 15 -> 30 mg 35 days ago, no CBC since", view(raised("upadacitinib", 15, 30, 35))),
		notDue("renewal, upadacitinib 15 -> 30 mg 35 days ago, no CBC since", sign(raised("upadacitinib", 15, 30, 35), jakDraft("upadacitinib", 30))))
	runAcc(t, cases)
}
