package hooks

import "testing"

// Second mutation review (mutrev2, docs/rules.md "Boundary mutation review
// 2"): the boundaries of the logic added since the first one, where no
// test pinned them.

// TestAcceptanceMutrev2ScheduledAfterGap: a current order dated next week
// renews a course that ended at most the course gap (90 days) before it,
// and is a course of its own, scheduled, when it ended longer before (as
// a dated member more than the gap after the last begins a new course).
// Renewed, the MI since the course's start is said; scheduled, nothing.
func TestAcceptanceMutrev2ScheduledAfterGap(t *testing.T) {
	rec := func(endedAgo int) *record {
		r := cleanRecord().replace(with(cond("mi", icd, "I21.4", "active"), "onsetDateTime", ago(endedAgo-3)))
		r.medications = append(r.medications,
			courseOrder("upadacitinib-1", "MedicationRequest", "completed", "upadacitinib", ago(endedAgo)),
			courseOrder("upadacitinib-4", "MedicationRequest", "active", "upadacitinib", ago(-7)))
		return r
	}
	runAcc(t, []accCase{
		{name: "ended 89 days before the next week's order: renewed, the MI since its start said", c: view(rec(82)), want: w("mace-history", "warning")},
		{name: "ended 90 days before (the course gap): renewed, the MI said", c: view(rec(83)), want: w("mace-history", "warning")},
		{name: "ended 91 days before: a course scheduled for next week, no card", c: view(rec(84)), noCards: true},
	})
}

// TestAcceptanceMutrev2TiclopidineEqualLimit: ticlopidine (contraindicated
// with abrocitinib in the first 3 months) sets 50 mg, and no dose is named
// while another card's limit is above it (failsafe11). A renal limit of
// the same 50 mg (eGFR 30-59) names its dose as before; at eGFR 60 the
// boxed-warning card's 100 mg is above ticlopidine's 50 mg: no dose.
func TestAcceptanceMutrev2TiclopidineEqualLimit(t *testing.T) {
	rec := ticlopidineSmoker
	runAcc(t, []accCase{
		// The renal 50 mg equals ticlopidine's: no dose either (lead
		// engineer, 7 December: failsafe11 1 and mutrev2 1; "Use
		// abrocitinib 50 mg" stood beside "Do not combine").
		{name: "eGFR 58, ticlopidine: the renal 50 mg not named", c: sign(rec(58), jakDraft("abrocitinib", 200)), noDose: true,
			want:     w("antiplatelet-abrocitinib", "critical", "cyp-interaction", "warning", "lower-dose-recommended", "warning", "renal-impairment", "warning"),
			detailOf: map[string]string{"renal-impairment": "contraindicated with ticlopidine"}},
		{name: "eGFR 59, ticlopidine: the renal 50 mg, equal to ticlopidine's, not named", c: sign(rec(59), jakDraft("abrocitinib", 200)), noDose: true,
			want:        w("antiplatelet-abrocitinib", "critical", "cyp-interaction", "warning", "lower-dose-recommended", "warning", "renal-impairment", "warning"),
			detailOf:    map[string]string{"renal-impairment": "contraindicated with ticlopidine", "lower-dose-recommended": "contraindicated with ticlopidine"},
			notDetailOf: map[string]string{"cyp-interaction": "see its card"}},
		{name: "eGFR 60, ticlopidine: 100 mg above ticlopidine's 50 mg, no dose", c: sign(rec(60), jakDraft("abrocitinib", 200)), noDose: true,
			want:        w("antiplatelet-abrocitinib", "critical", "cyp-interaction", "warning", "lower-dose-recommended", "warning"),
			detailOf:    map[string]string{"lower-dose-recommended": "contraindicated with ticlopidine"},
			notDetailOf: map[string]string{"cyp-interaction": "see its card"}},
	})
}

// ticlopidineSmoker is a 55-year-old smoker on ticlopidine (started 5 days
// ago) with an eGFR of v.
func ticlopidineSmoker(v float64) *record {
	r := cleanRecord().born(bornAged(55)).replace(obsQty("egfr", "98979-8", v, "mL/min/{1.73_m2}", "2026-11-02")).
		replace(obsCode("smoke", "72166-2", "449868002", "2026-11-02"))
	r.medications = append(r.medications, med("tic", "active", rxnorm, "10594", "ticlopidine 250 MG Oral Tablet", 5))
	return r
}
