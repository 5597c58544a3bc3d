package hooks

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Noise review 15 (December 2026): the CDS committee's pharmacist read the
// cards of new requests through the HTTP handler (every label dose of both
// drugs on order-select and order-sign, patients two years on a course
// with every check on time, the reverse direction for each interacting
// class, and patient-view with each interacting drug on the chart).

// TestAcceptanceNoise15MedicationDateSaid: a medication's evidence line
// ended in a bare date the card added, "- fluoxetine 20 MG Oral Capsule
// (active): strong CYP2C19 inhibitor: abrocitinib 50 mg once daily
// (2026-11-24)", read as the day to start the 50 mg, and "- dupilumab ...
// (active) (2026-05-13)" left the reader to guess what the date was (an
// old order still marked active is what a pharmacist looks for). The date
// is now said in the status's parenthesis: "(active, ordered DATE)", an
// outside statement "(outside medication list, active, dated DATE)"; an
// order of this session has none.
func TestAcceptanceNoise15MedicationDateSaid(t *testing.T) {
	withMed := func(r *record, m res) *record { r.medications = append(r.medications, m); return r }
	fluox := func() res { return med("fx", "active", rxnorm, "310385", "fluoxetine 20 MG Oral Capsule", 5) }
	dupi := func() res { return med("dupi2", "active", rxnorm, "", "dupilumab 300 MG/2ML Prefilled Syringe", 200) }
	clopStmt := func() res { return stmt("clop", "active", rxnorm, "309362", "clopidogrel 75 MG Oral Tablet", 200) }
	clopDraft := func() res { return drugDraft("clop", rxnorm, "309362", "clopidogrel 75 MG Oral Tablet") }
	cases := []accCase{
		{name: "patient-view, abrocitinib 100 mg with fluoxetine on the chart: the order date said, not after the dose",
			c:           view(withMed(onCourseNow("abrocitinib", 60), fluox())),
			want:        w("cyp-interaction", "warning"),
			detailOf:    map[string]string{"cyp-interaction": "- fluoxetine 20 MG Oral Capsule (active, ordered " + ago(5) + "): strong CYP2C19 inhibitor: abrocitinib 50 mg once daily\n"},
			notDetailOf: map[string]string{"cyp-interaction": "once daily (" + ago(5) + ")"}},
		{name: "patient-view, upadacitinib with adalimumab on the chart",
			c:           view(withMed(onCourseNow("upadacitinib", 60), med("ada", "active", rxnorm, "727703", "adalimumab 40 MG/0.8ML Prefilled Syringe", 30))),
			want:        w("combination-biologic", "warning"),
			detailOf:    map[string]string{"combination-biologic": "- adalimumab 40 MG/0.8ML Prefilled Syringe (active, ordered " + ago(30) + ")\n"},
			notDetailOf: map[string]string{"combination-biologic": "(active) ("}},
		{name: "upadacitinib start with dupilumab still active from 200 days ago",
			c:           sign(withMed(cleanRecord(), dupi()), jakDraft("upadacitinib", 15)),
			want:        w("combination-biologic", "warning"),
			detailOf:    map[string]string{"combination-biologic": "- dupilumab 300 MG/2ML Prefilled Syringe (active, ordered " + ago(200) + ")\n"},
			notDetailOf: map[string]string{"combination-biologic": "(active) ("}},
		{name: "abrocitinib start with clopidogrel on the outside list",
			c:           sign(withMed(cleanRecord(), clopStmt()), jakDraft("abrocitinib", 100)),
			want:        w("antiplatelet-abrocitinib", "critical"),
			detailOf:    map[string]string{"antiplatelet-abrocitinib": "- clopidogrel 75 MG Oral Tablet (outside medication list, active, dated " + ago(200) + "): antiplatelet\n"},
			notDetailOf: map[string]string{"antiplatelet-abrocitinib": "antiplatelet (" + ago(200) + ")"}},
		{name: "abrocitinib and clopidogrel ordered in one session: no date for the session's order",
			c:           sign(cleanRecord(), jakDraft("abrocitinib", 100), clopDraft()),
			want:        w("antiplatelet-abrocitinib", "critical"),
			detailOf:    map[string]string{"antiplatelet-abrocitinib": "- clopidogrel 75 MG Oral Tablet (ordered in this session): antiplatelet\n"},
			notDetailOf: map[string]string{"antiplatelet-abrocitinib": "antiplatelet (" + ago(0) + ")"}},
	}
	runAcc(t, cases)
}

// TestAcceptanceNoise15CombinationSummaryNamesDrug: "Avoid combining
// upadacitinib with a biologic immunomodulator" (and the potent
// immunosuppressant and abrocitinib antiplatelet summaries) named no drug,
// while "Do not combine upadacitinib with another JAK inhibitor
// (tofacitinib 10 MG Oral Tablet)" did: the clinician could not tell which
// order to stop without opening the card. The drug is named when the
// summary stays within 139 characters (a name of 76 characters fits the
// biologic summary, 77 does not and leaves the summary as it was, uncut).
func TestAcceptanceNoise15CombinationSummaryNamesDrug(t *testing.T) {
	withMed := func(r *record, m res) *record { r.medications = append(r.medications, m); return r }
	ada := func() res {
		return med("ada", "active", rxnorm, "727703", "adalimumab 40 MG/0.8ML Prefilled Syringe", 30)
	}
	aza := func() res { return med("aza", "active", rxnorm, "197388", "azathioprine 50 MG Oral Tablet", 30) }
	clop := func() res { return med("clop", "active", rxnorm, "309362", "clopidogrel 75 MG Oral Tablet", 30) }
	var cases []accCase
	for _, drug := range []string{"upadacitinib", "abrocitinib"} {
		mg := map[string]int{"upadacitinib": 15, "abrocitinib": 100}[drug]
		cases = append(cases,
			accCase{name: drug + " start with adalimumab active", c: sign(withMed(cleanRecord(), ada()), jakDraft(drug, mg)),
				want:      w("combination-biologic", "warning"),
				summaryOf: map[string]string{"combination-biologic": "Avoid combining " + drug + " with a biologic immunomodulator (adalimumab 40 MG/0.8ML Prefilled Syringe)"}},
			accCase{name: drug + " patient-view with azathioprine active", c: view(withMed(onCourseNow(drug, 60), aza())),
				want:      w("combination-immunosuppressant", "warning"),
				summaryOf: map[string]string{"combination-immunosuppressant": "Avoid combining " + drug + " with a potent immunosuppressant (azathioprine 50 MG Oral Tablet)"}},
			accCase{name: drug + " order-select renewal with azathioprine active", c: call{hook: HookOrderSelect, r: withMed(onCourseNow(drug, 60), aza()),
				drafts: []res{jakDraft(drug, mg)}, selections: []string{"MedicationRequest/new"}},
				want:      w("combination-immunosuppressant", "warning"),
				summaryOf: map[string]string{"combination-immunosuppressant": "(azathioprine 50 MG Oral Tablet)"}},
		)
	}
	cases = append(cases,
		accCase{name: "abrocitinib start with clopidogrel active", c: sign(withMed(cleanRecord(), clop()), jakDraft("abrocitinib", 100)),
			want:      w("antiplatelet-abrocitinib", "critical"),
			summaryOf: map[string]string{"antiplatelet-abrocitinib": "Do not combine abrocitinib with antiplatelets (low-dose aspirin aside) in the first 3 months: clopidogrel 75 MG Oral Tablet"}},
		accCase{name: "patient-view, abrocitinib day 40 with clopidogrel active", c: view(withMed(onCourseNow("abrocitinib", 40), clop())),
			want:      w("antiplatelet-abrocitinib", "critical"),
			summaryOf: map[string]string{"antiplatelet-abrocitinib": "in the first 3 months: clopidogrel 75 MG Oral Tablet"}},
	)
	runAcc(t, cases)

	// The 139-character boundary: a name of 75 and 76 characters is named,
	// 77 is not (the summary is not cut mid-name).
	s := newTestServer(t, serverOpts{noStore: true})
	base := "Avoid combining upadacitinib with a biologic immunomodulator"
	for _, n := range []int{75, 76, 77} {
		name := "adalimumab 40 MG/0.8ML Prefilled Syringe, as directed "
		name += strings.Repeat("x", n-len(name))
		require.Len(t, name, n)
		cs, _ := sign(withMed(cleanRecord(), med("ada", "active", "", "", name, 30)), jakDraft("upadacitinib", 15)).post(t, s)
		c := cardWith(cs, "combination-biologic")
		want := base + " (" + name + ")"
		if n > 76 {
			want = base
		}
		assert.Equal(t, want, c.Summary, "name of %d characters", n)
		assert.LessOrEqual(t, len([]rune(c.Summary)), 139)
	}
}

// TestAcceptanceNoise15EndedCourseReverseWording: an interacting drug
// ordered for a patient whose course ended (within the 90 days that keep
// it recent) had the heading "Interacting drug ordered for a patient on
// upadacitinib" under the summary "If upadacitinib resumes with
// clarithromycin, ...", and the dose line "The upadacitinib order is on
// record, not part of this order session, so jakguard offers no change to
// it: change the dose in the upadacitinib order itself", though no current
// order is there to change. The heading now says "for a patient recently
// on upadacitinib" and the dose line what to do if it is resumed; an
// ongoing course keeps both as they were.
func TestAcceptanceNoise15EndedCourseReverseWording(t *testing.T) {
	ended := func(drug string, mg, endedDaysAgo int) *record {
		r := cleanRecord()
		m := courseMed("c1", "MedicationRequest", "completed", drug, mg, 200)
		m["dispenseRequest"] = res{"validityPeriod": res{"start": ago(200), "end": ago(endedDaysAgo)}}
		r.medications = append(r.medications, m)
		return r
	}
	ongoing := func(drug string, mg int) *record {
		r := cleanRecord()
		r.medications = append(r.medications, courseMed("c1", "MedicationRequest", "active", drug, mg, 200))
		return r
	}
	type other struct {
		drug, system, code, text, finding, level, heading string
		mg                                                int
	}
	others := []other{
		{"upadacitinib", rxnorm, "197517", "clarithromycin 500 MG Oral Tablet", "cyp-interaction", "warning", "Interacting drug ordered", 30},
		{"upadacitinib", rxnorm, "2048566", "tofacitinib 10 MG Oral Tablet", "combination-jak", "critical", "Another JAK inhibitor ordered", 15},
		{"upadacitinib", rxnorm, "727703", "adalimumab 40 MG/0.8ML Prefilled Syringe", "combination-biologic", "warning", "Combination with a biologic immunomodulator ordered", 15},
		{"abrocitinib", rxnorm, "197388", "azathioprine 50 MG Oral Tablet", "combination-immunosuppressant", "warning", "Combination with a potent immunosuppressant ordered", 100},
		{"abrocitinib", rxnorm, "197604", "digoxin 0.125 MG Oral Tablet", "pgp-substrate", "info", "Narrow-therapeutic-index P-gp substrate ordered", 100},
		{"abrocitinib", rxnorm, "310385", "fluoxetine 20 MG Oral Capsule", "cyp-interaction", "warning", "Interacting drug ordered", 100},
		{"abrocitinib", cvx, "03", "MMR II", "live-vaccine-ordered", "warning", "Live vaccine ordered", 100},
	}
	var cases []accCase
	for _, o := range others {
		draft := func() res { return drugDraft("other", o.system, o.code, o.text) }
		for _, days := range []int{1, 60, 89} {
			tc := accCase{name: fmt.Sprintf("%s ordered, %s course ended %d days ago", o.text, o.drug, days), c: sign(ended(o.drug, o.mg, days), draft()),
				want:        w(o.finding, o.level),
				detailOf:    map[string]string{o.finding: "**" + o.heading + " for a patient recently on " + o.drug + "**"},
				notDetailOf: map[string]string{o.finding: "for a patient on " + o.drug}}
			if o.finding == "cyp-interaction" {
				tc.notDetailOf[o.finding] = "order itself"
			}
			cases = append(cases, tc)
		}
		tc := accCase{name: fmt.Sprintf("%s ordered, %s course ongoing", o.text, o.drug), c: sign(ongoing(o.drug, o.mg), draft()),
			want:        w(o.finding, o.level),
			detailOf:    map[string]string{o.finding: "**" + o.heading + " for a patient on " + o.drug + "**"},
			notDetailOf: map[string]string{o.finding: "recently on"}}
		if o.finding == "cyp-interaction" {
			tc.notDetailOf[o.finding] = "If " + o.drug + " is resumed"
		}
		cases = append(cases, tc)
	}
	// The dose line of an ended course, and of an ongoing one.
	cases = append(cases,
		accCase{name: "clarithromycin, upadacitinib 30 mg ended 60 days ago: the dose line says what to do on resuming",
			c:        sign(ended("upadacitinib", 30, 60), drugDraft("other", rxnorm, "197517", "clarithromycin 500 MG Oral Tablet")),
			want:     w("cyp-interaction", "warning"),
			detailOf: map[string]string{"cyp-interaction": "Dose of upadacitinib with clarithromycin: upadacitinib 15 mg once daily. If upadacitinib is resumed while clarithromycin is taken, order it at this dose"}},
		accCase{name: "clarithromycin, upadacitinib 30 mg ongoing: the course's order is changed itself",
			c:        sign(ongoing("upadacitinib", 30), drugDraft("other", rxnorm, "197517", "clarithromycin 500 MG Oral Tablet")),
			want:     w("cyp-interaction", "warning"),
			detailOf: map[string]string{"cyp-interaction": "change the dose in the upadacitinib order itself"}},
	)
	runAcc(t, cases)
}

// TestAcceptanceNoise15OutsideUncheckedOnce: without the
// medicationStatements key (contract 6.1) a medication card said it twice:
// "- Outside medications (MedicationStatement) could not be checked." in
// its evidence and "Could not be checked: outside medications
// (MedicationStatement: outside, OTC and supplement lists) (neither in
// prefetch nor obtainable from the FHIR server)." below (the sandbox's
// recorded tofacitinib order for a patient on upadacitinib, on order-select
// and order-sign). It is said once, in the card's "Could not be checked"
// line; with the key sent, neither.
func TestAcceptanceNoise15OutsideUncheckedOnce(t *testing.T) {
	onUpa := func() *record { return onCourseNow("upadacitinib", 30) }
	withTofa := func() *record {
		r := cleanRecord()
		r.medications = append(r.medications, med("tofa", "active", rxnorm, "1357536", "tofacitinib", 10))
		return r
	}
	pv := onUpa()
	pv.medications = append(pv.medications, med("clar", "active", rxnorm, "21212", "clarithromycin", 3))
	tofa := func() res { return drugDraft("x", rxnorm, "1357541", "tofacitinib 5 MG Oral Tablet") }
	s := newTestServer(t, serverOpts{noStore: true})
	for _, tc := range []struct {
		name, code string
		c          call
	}{
		{"tofacitinib ordered for a patient on upadacitinib (order-sign)", "combination-jak", call{r: onUpa(), drafts: []res{tofa()}}},
		{"tofacitinib ordered for a patient on upadacitinib (order-select)", "combination-jak", call{hook: HookOrderSelect, r: onUpa(), drafts: []res{tofa()}, selections: []string{"MedicationRequest/x"}}},
		{"upadacitinib ordered with tofacitinib on the chart", "combination-jak", call{r: withTofa(), drafts: []res{jakDraft("upadacitinib", 15)}}},
		{"patient-view, upadacitinib with clarithromycin", "cyp-interaction", call{hook: HookPatientView, r: pv}},
	} {
		for _, without := range []bool{true, false} {
			c := tc.c
			c.noStatements = without
			t.Run(fmt.Sprintf("%s, statements key left out %v", tc.name, without), func(t *testing.T) {
				cs, _ := c.post(t, s)
				d := cardWith(cs, tc.code).Detail
				require.NotEmpty(t, d, "cards: %s", cardSummaries(cs))
				n := strings.Count(strings.ToLower(d), "outside medications (medicationstatement")
				if without {
					assert.Equal(t, 1, n, "said once: %s", d)
					assert.Contains(t, d, "Could not be checked: outside medications (MedicationStatement")
				} else {
					assert.Zero(t, n, d)
				}
			})
		}
	}
}
