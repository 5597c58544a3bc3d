package hooks

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

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

// TestAcceptanceCombosDoseSetBy: every dose card of an order names the one
// dose (contract 6.3), the lowest limit among them. A card whose own limit
// is higher said it as its own: "Use abrocitinib 50 mg daily: boxed-warning
// risks (...)" (the risks' EU limit is 100 mg; 50 mg is the renal dose),
// "Reduce upadacitinib to 15 mg daily: above the atopic dermatitis maximum"
// (30 mg; 15 mg is the age-65 dose). Its summary now names the limit that
// set the dose; a card whose own limit it is does not.
func TestAcceptanceCombosDoseSetBy(t *testing.T) {
	clari := med("clari", "active", rxnorm, "21212", "clarithromycin 500 MG Oral Tablet", 5)
	egfr := func(v float64) res { return obsQty("egfr", "98979-8", v, "mL/min/{1.73_m2}", "2026-11-02") }
	smoker := obsCode("smoke", "72166-2", "449868002", "2026-11-02")
	with := func(r *record, ms ...res) *record { r.medications = append(r.medications, ms...); return r }
	s := newTestServer(t, serverOpts{noStore: true})
	for _, tc := range []struct {
		name string
		c    call
		dose int
		// by: finding code -> the "lowest limit" its summary must name,
		// "" when it must name none.
		by map[string]string
	}{
		{"upadacitinib 45 mg at 70: the AD-maximum card names age 65", sign(cleanRecord().born(bornAged(70)), jakDraft("upadacitinib", 45)), 15,
			map[string]string{"dose-above-label": "aged 65 or over", "lower-dose-recommended": ""}},
		{"upadacitinib 45 mg with clarithromycin: the AD-maximum card names the inhibitor", sign(with(cleanRecord(), clari), jakDraft("upadacitinib", 45)), 15,
			map[string]string{"dose-above-label": "a strong CYP3A4 inhibitor", "cyp-interaction": ""}},
		{"upadacitinib 45 mg with eGFR 20: the AD-maximum card names renal", sign(cleanRecord().replace(egfr(20)), jakDraft("upadacitinib", 45)), 15,
			map[string]string{"dose-above-label": "severe renal impairment", "renal-impairment": ""}},
		{"upadacitinib 45 mg with eGFR 30: no renal limit, 30 mg its own", sign(cleanRecord().replace(egfr(30)), jakDraft("upadacitinib", 45)), 30,
			map[string]string{"dose-above-label": ""}},
		{"upadacitinib 45 mg alone: 30 mg, its own", sign(cleanRecord(), jakDraft("upadacitinib", 45)), 30,
			map[string]string{"dose-above-label": ""}},
		{"upadacitinib 30 mg at 70 with clarithromycin and eGFR 20: all 15 mg, each its own", sign(with(cleanRecord().born(bornAged(70)).replace(egfr(20)), clari), jakDraft("upadacitinib", 30)), 15,
			map[string]string{"renal-impairment": "", "cyp-interaction": "", "lower-dose-recommended": ""}},
		{"abrocitinib 200 mg, smoker aged 55, eGFR 45: the boxed-warning card names renal", sign(cleanRecord().born(bornAged(55)).replace(egfr(45)).replace(smoker), jakDraft("abrocitinib", 200)), 50,
			map[string]string{"lower-dose-recommended": "eGFR 30-59", "renal-impairment": ""}},
		{"abrocitinib 200 mg, smoker aged 55, eGFR 60: 100 mg, its own", sign(cleanRecord().born(bornAged(55)).replace(egfr(60)).replace(smoker), jakDraft("abrocitinib", 200)), 100,
			map[string]string{"lower-dose-recommended": ""}},
		{"abrocitinib 200 mg, smoker aged 55, eGFR 59: 50 mg, renal", sign(cleanRecord().born(bornAged(55)).replace(egfr(59)).replace(smoker), jakDraft("abrocitinib", 200)), 50,
			map[string]string{"lower-dose-recommended": "eGFR 30-59"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs, body := tc.c.post(t, s)
			checkAcc(t, accCase{dose: tc.dose}, cs, body)
			for code, by := range tc.by {
				if !assert.Contains(t, codesOf(cs), code, cardSummaries(cs)) {
					continue
				}
				sum := cardWith(cs, code).Summary
				if by == "" {
					assert.NotContains(t, sum, "lowest limit", "the dose is the card's own")
				} else {
					assert.True(t, strings.HasSuffix(sum, "; lowest limit: "+by), "summary %q names %q", sum, by)
				}
			}
		})
	}
}

// TestAcceptanceCombosAgeRuledOut: upadacitinib at 65 or over beside a
// finding that rules it out at any dose (eGFR under 15, Child-Pugh C): the
// age card suggests no dose, and its summary said "Weigh boxed-warning
// risks before starting upadacitinib" with no boxed-warning risk on it
// (age 65 is the US label's dose limit, not one of the five risk rows). It
// now states its limit "if used at all", as the order's other dose cards do.
func TestAcceptanceCombosAgeRuledOut(t *testing.T) {
	egfr := func(v float64) res { return obsQty("egfr", "98979-8", v, "mL/min/{1.73_m2}", "2026-11-02") }
	smoker := obsCode("smoke", "72166-2", "449868002", "2026-11-02")
	hepatic := func(r *record) *record {
		r.conditions = append(r.conditions, cond("liv", "http://hl7.org/fhir/sid/icd-10-cm", "K72.10", "active"))
		return r
	}
	age := map[string]string{"lower-dose-recommended": "Aged 65 or over (US label): upadacitinib 15 mg daily at most, if used at all"}
	runAcc(t, []accCase{
		{name: "70, eGFR 10: the age card states its limit", c: sign(cleanRecord().born(bornAged(70)).replace(egfr(10)), jakDraft("upadacitinib", 30)),
			want: w("renal-impairment", "critical", "lower-dose-recommended", "warning"), noDose: true, summaryOf: age},
		{name: "65, eGFR 10: the same", c: sign(cleanRecord().born(bornAged(65)).replace(egfr(10)), jakDraft("upadacitinib", 30)),
			want: w("renal-impairment", "critical", "lower-dose-recommended", "warning"), noDose: true, summaryOf: age},
		{name: "64, eGFR 10: no age card", c: sign(cleanRecord().born(bornAged(64)).replace(egfr(10)), jakDraft("upadacitinib", 30)),
			want: w("renal-impairment", "critical"), absent: []string{"lower-dose-recommended"}, noDose: true},
		{name: "70, Child-Pugh C: the age card states its limit", c: sign(hepatic(cleanRecord().born(bornAged(70))), jakDraft("upadacitinib", 30)),
			want: w("severe-hepatic-impairment", "critical", "lower-dose-recommended", "warning"), noDose: true, summaryOf: age},
		{name: "70, eGFR 10, a smoker: boxed-warning risks to weigh", c: sign(cleanRecord().born(bornAged(70)).replace(egfr(10)).replace(smoker), jakDraft("upadacitinib", 30)),
			want: w("renal-impairment", "critical", "lower-dose-recommended", "warning", "smoker", "warning"), noDose: true,
			summaryOf: map[string]string{"lower-dose-recommended": "Weigh boxed-warning risks before starting upadacitinib"}},
		{name: "70, eGFR 20: 15 mg suggested", c: sign(cleanRecord().born(bornAged(70)).replace(egfr(20)), jakDraft("upadacitinib", 30)),
			want: w("renal-impairment", "warning", "lower-dose-recommended", "warning"), dose: 15,
			summaryOf: map[string]string{"lower-dose-recommended": "Use upadacitinib 15 mg daily: aged 65 or over (US label)"}},
	})
}
