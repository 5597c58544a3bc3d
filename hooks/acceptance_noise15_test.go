package hooks

import (
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
