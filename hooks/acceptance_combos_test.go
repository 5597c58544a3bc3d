package hooks

import "testing"

// The combination review (combos, December 2026): several dose-limiting or
// risk factors of one order at once, read as a pharmacist reads the cards
// of the order together.

// TestAcceptanceCombosAntiplateletInhibitor: ticlopidine is both an
// antiplatelet (abrocitinib contraindicated with it in the first 3 months)
// and a strong CYP2C19 inhibitor (50 mg). Beside the critical "Do not
// combine", the interaction card said "Reduce abrocitinib to 50 mg daily:
// strong CYP inhibitor (ticlopidine)" with a recommended update: a dose for
// the very combination the label contraindicates. It now states the limit
// "if used at all" and suggests no dose; another inhibitor, or ticlopidine
// after the first 3 months, still sets the 50 mg.
func TestAcceptanceCombosAntiplateletInhibitor(t *testing.T) {
	tic := func(days int) res {
		return med("tic", "active", rxnorm, "10594", "ticlopidine 250 MG Oral Tablet", days)
	}
	fluox := med("fluox", "active", rxnorm, "4493", "fluoxetine 20 MG Oral Capsule", 5)
	clop := med("clop", "active", rxnorm, "32968", "clopidogrel 75 MG Oral Tablet", 5)
	rec := func(ms ...res) *record { r := cleanRecord(); r.medications = append(r.medications, ms...); return r }
	// A course of abrocitinib 100 mg that began days ago.
	course := func(days int, ms ...res) *record {
		return rec(append([]res{courseMed("abro-1", "MedicationRequest", "active", "abrocitinib", 100, days)}, ms...)...)
	}
	ticDraft := drugDraft("tic", rxnorm, "10594", "ticlopidine 250 MG Oral Tablet")
	ifUsed := map[string]string{"cyp-interaction": "if used at all"}
	noDoseSaid := map[string]string{"cyp-interaction": "contraindicated with ticlopidine"}
	runAcc(t, []accCase{
		{name: "start 100 mg with ticlopidine: no dose for a contraindicated pair", c: sign(rec(tic(5)), jakDraft("abrocitinib", 100)),
			want: w("antiplatelet-abrocitinib", "critical", "cyp-interaction", "warning"), noDose: true, summaryOf: ifUsed, detailOf: noDoseSaid},
		{name: "start 200 mg with ticlopidine: no dose", c: sign(rec(tic(5)), jakDraft("abrocitinib", 200)),
			want: w("antiplatelet-abrocitinib", "critical", "cyp-interaction", "warning"), noDose: true, summaryOf: ifUsed},
		{name: "start 200 mg with ticlopidine ordered in the session: no dose", c: sign(cleanRecord(), jakDraft("abrocitinib", 200),
			drugDraft("tic", rxnorm, "10594", "ticlopidine 250 MG Oral Tablet")),
			want: w("antiplatelet-abrocitinib", "critical", "cyp-interaction", "warning"), noDose: true, summaryOf: ifUsed},
		{name: "ticlopidine and fluoxetine: fluoxetine still sets 50 mg", c: sign(rec(tic(5), fluox), jakDraft("abrocitinib", 200)),
			want: w("antiplatelet-abrocitinib", "critical", "cyp-interaction", "warning"), dose: 50},
		{name: "clopidogrel and fluoxetine: the inhibitor is no antiplatelet, 50 mg", c: sign(rec(clop, fluox), jakDraft("abrocitinib", 200)),
			want: w("antiplatelet-abrocitinib", "critical", "cyp-interaction", "warning"), dose: 50},
		{name: "fluoxetine alone: 50 mg", c: sign(rec(fluox), jakDraft("abrocitinib", 200)),
			want: w("cyp-interaction", "warning"), absent: []string{"antiplatelet-abrocitinib"}, dose: 50},
		{name: "renewal on course day 89 with ticlopidine: no dose", c: sign(course(89, tic(5)), jakDraft("abrocitinib", 100)),
			want: w("antiplatelet-abrocitinib", "critical", "cyp-interaction", "warning"), noDose: true, summaryOf: ifUsed},
		{name: "renewal on course day 90 with ticlopidine: still the first 3 months, no dose", c: sign(course(90, tic(5)), jakDraft("abrocitinib", 100)),
			want: w("antiplatelet-abrocitinib", "critical", "cyp-interaction", "warning"), noDose: true, summaryOf: ifUsed},
		{name: "renewal on course day 91 with ticlopidine: no contraindication, 50 mg", c: sign(course(91, tic(5)), jakDraft("abrocitinib", 100)),
			want: w("cyp-interaction", "warning"), absent: []string{"antiplatelet-abrocitinib"}, dose: 50},
		// The reverse direction: ticlopidine ordered for a patient on abrocitinib.
		{name: "ticlopidine ordered on course day 30: no abrocitinib dose with it", c: sign(course(30), ticDraft),
			want: w("antiplatelet-abrocitinib", "critical", "cyp-interaction", "warning"), noDose: true, summaryOf: ifUsed,
			notDetailOf: map[string]string{"cyp-interaction": "change the dose in the abrocitinib order"}},
		{name: "ticlopidine ordered on course day 90: no dose", c: sign(course(90), ticDraft),
			want: w("antiplatelet-abrocitinib", "critical", "cyp-interaction", "warning"), noDose: true, summaryOf: ifUsed},
		{name: "ticlopidine ordered on course day 91: reduce to 50 mg", c: sign(course(91), ticDraft),
			want: w("cyp-interaction", "warning"), absent: []string{"antiplatelet-abrocitinib"}, dose: 50},
		{name: "fluoxetine ordered on course day 30: reduce to 50 mg", c: sign(course(30), drugDraft("fluox", rxnorm, "4493", "fluoxetine 20 MG Oral Capsule")),
			want: w("cyp-interaction", "warning"), absent: []string{"antiplatelet-abrocitinib"}, dose: 50},
		// patient-view: the course and ticlopidine on record.
		{name: "patient-view, course day 30 with ticlopidine: no dose", c: view(course(30, tic(5))),
			want: w("antiplatelet-abrocitinib", "critical", "cyp-interaction", "warning"), noDose: true, summaryOf: ifUsed},
	})
}
