package hooks

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Boundary mutation review 5 (docs/rules.md section 4): mutants of the
// revstop, noise15 and failsafe18 logic that no test killed.

// TestAcceptanceMutrev5LiveVaccineUnderStop: a live vaccine ordered for a
// patient whose course the label stops keeps its own action (cancel the
// order, recommended): the labels avoid live vaccines around treatment,
// not only during it. stopAction without its live-vaccine return survived:
// the card then said the MMR "need not be withheld" once the drug is
// stopped. Both drugs, a stop that discontinues (MI) and one that
// interrupts upadacitinib or discontinues abrocitinib (sepsis); the
// negative: azathioprine under the same stop is a pairing that ends.
func TestAcceptanceMutrev5LiveVaccineUnderStop(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	mi := with(cond("mi", icd, "I21.4", "active"), "onsetDateTime", ago(14))
	sepsis := condition("sepsis", sct, "91302008", "active")
	for _, drug := range []string{"upadacitinib", "abrocitinib"} {
		for _, st := range []struct {
			name string
			c    res
		}{{"MI since the start", mi}, {"sepsis", sepsis}} {
			t.Run(drug+", "+st.name+", MMR ordered", func(t *testing.T) {
				cs, _ := sign(rsOn(drug).replace(st.c), drugDraft("y", cvx, "03", "MMR vaccine")).post(t, s)
				require.Len(t, cs, 1)
				c := cs[0]
				assert.Contains(t, c.Summary, "(MMR ordered")
				assert.Contains(t, c.Detail, "cancel the MMR order")
				assert.NotContains(t, c.Detail, "need not be withheld")
				assert.NotContains(t, c.Detail, "this pairing does not apply")
				require.Len(t, c.Suggestions, 1)
				assert.True(t, c.Suggestions[0].IsRecommended, "cancelling a live vaccine stays recommended")
			})
		}
	}
	t.Run("negative: azathioprine, upadacitinib, MI: the pairing ends with the drug", func(t *testing.T) {
		cs, _ := sign(rsOn("upadacitinib").replace(mi), drugDraft("x", rxnorm, "197388", "azathioprine 50 MG Oral Tablet")).post(t, s)
		require.Len(t, cs, 1)
		assert.Contains(t, cs[0].Detail, "azathioprine need not be withheld on its account")
		require.Len(t, cs[0].Suggestions, 1)
		assert.False(t, cs[0].Suggestions[0].IsRecommended)
	})
}

// TestAcceptanceMutrev5FoldedFindingSourceAndGrade: ticlopidine, an
// antiplatelet and a strong CYP2C19 inhibitor, for a patient on
// abrocitinib whose course the label stops is one card (fold); that card
// keeps the CYP finding's source and its grade. fold without the source
// (Also) and without the grade (Unverified) each survived: the ticlopidine
// code 313406 is grade A as an antiplatelet and grade C as a CYP2C19
// inhibitor (classification from non-US labels), so only the folded
// finding tells the card to say "not yet verified". The negative:
// ticlopidine by name alone, graded in neither set, says nothing of it.
func TestAcceptanceMutrev5FoldedFindingSourceAndGrade(t *testing.T) {
	sepsis := condition("sepsis", sct, "91302008", "active")
	const cypSource = "section 2 (dosage with strong CYP2C19 inhibitors) and section 7 (Drug Interactions)"
	const unverified = "not yet verified against a current source"
	runAcc(t, []accCase{
		{name: "ticlopidine 313406, abrocitinib, sepsis: one card, both sources, not yet verified",
			c:    sign(rsOn("abrocitinib").replace(sepsis), drugDraft("x", rxnorm, "313406", "ticlopidine hydrochloride 250 MG Oral Tablet")),
			want: w("antiplatelet-abrocitinib", "critical"), absent: []string{"cyp-interaction"}, noDose: true,
			detailOf: map[string]string{"antiplatelet-abrocitinib": "Sources: [CIBINQO (abrocitinib) US Prescribing Information (revision of 12/2023), section 4 (Contraindications)]"}},
		{name: "the CYP source", c: sign(rsOn("abrocitinib").replace(sepsis), drugDraft("x", rxnorm, "313406", "ticlopidine hydrochloride 250 MG Oral Tablet")),
			want: w("antiplatelet-abrocitinib", "critical"), detailOf: map[string]string{"antiplatelet-abrocitinib": cypSource}},
		{name: "the CYP grade", c: sign(rsOn("abrocitinib").replace(sepsis), drugDraft("x", rxnorm, "313406", "ticlopidine hydrochloride 250 MG Oral Tablet")),
			want: w("antiplatelet-abrocitinib", "critical"), detailOf: map[string]string{"antiplatelet-abrocitinib": unverified}},
		{name: "negative: ticlopidine by name, abrocitinib, sepsis: no grade line",
			c:    sign(rsOn("abrocitinib").replace(sepsis), drugDraft("x", "", "", "ticlopidine 250 mg tablet")),
			want: w("antiplatelet-abrocitinib", "critical"), absent: []string{"cyp-interaction"},
			detailOf: map[string]string{"antiplatelet-abrocitinib": cypSource}, notDetailOf: map[string]string{"antiplatelet-abrocitinib": unverified}},
	})
}

// TestAcceptanceMutrev5GluedNameShort: an interacting drug written with
// its strength on ("CLARITHROMYCIN500MG") is named by the drug's word in
// the card (summary, action, cancel suggestion), as one written apart is;
// shortName reading the text by matchLowerText survived (it named
// "CLARITHROMYCIN500MG", the whole text). The negative: a text whose drug
// is written apart keeps its own spelling.
func TestAcceptanceMutrev5GluedNameShort(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	for _, tc := range []struct{ drug, text, short string }{
		{"upadacitinib", "CLARITHROMYCIN500MG", "CLARITHROMYCIN"},
		{"upadacitinib", "KETOCONAZOLE200MG TAB", "KETOCONAZOLE"},
		{"abrocitinib", "Fluconazole200mg", "Fluconazole"},
		{"abrocitinib", "CLOPIDOGREL75MG", "CLOPIDOGREL"},
		{"upadacitinib", "CLARITHROMYCIN 500MG", "CLARITHROMYCIN"},
	} {
		t.Run(tc.drug+": "+tc.text, func(t *testing.T) {
			cs, _ := sign(onCourseAt(tc.drug, mgOf[tc.drug], 30), drugDraft("x", "", "", tc.text)).post(t, s)
			require.Len(t, cs, 1)
			c := cs[0]
			assert.Contains(t, c.Summary, tc.short)
			assert.NotContains(t, c.Summary, tc.text)
			require.NotEmpty(t, c.Suggestions)
			assert.Equal(t, "Cancel this "+tc.short+" order", c.Suggestions[0].Label)
		})
	}
}

// TestAcceptanceMutrev5GluedNameOneDrug: the forward direction's drugWord
// reads a name with the strength written on as the drug it names, so
// "CLARITHROMYCIN500MG" and "clarithromycin 500 MG Oral Tablet" on the
// record are one drug, named once in the action; drugWord by
// matchLowerText survived (the glued name was a drug of its own: "with
// CLARITHROMYCIN500MG and clarithromycin 500 MG Oral Tablet"). The
// negative: two drugs are both named.
func TestAcceptanceMutrev5GluedNameOneDrug(t *testing.T) {
	withMeds := func(ms ...res) *record { r := cleanRecord(); r.medications = append(r.medications, ms...); return r }
	glued := func() res { return med("c1", "active", "", "", "CLARITHROMYCIN500MG", 5) }
	spaced := func() res { return med("c2", "active", "", "", "clarithromycin 500 MG Oral Tablet", 5) }
	runAcc(t, []accCase{
		{name: "glued and spaced clarithromycin: one drug", c: sign(withMeds(glued(), spaced()), jakDraft("upadacitinib", 15)),
			want:        w("cyp-interaction", "warning"),
			detailOf:    map[string]string{"cyp-interaction": "CLARITHROMYCIN500MG"},
			notDetailOf: map[string]string{"cyp-interaction": "CLARITHROMYCIN500MG and clarithromycin"}},
		{name: "spaced and glued clarithromycin: one drug", c: sign(withMeds(spaced(), glued()), jakDraft("upadacitinib", 15)),
			want:        w("cyp-interaction", "warning"),
			notDetailOf: map[string]string{"cyp-interaction": "clarithromycin 500 MG Oral Tablet and CLARITHROMYCIN500MG"}},
		{name: "negative: glued clarithromycin and glued ketoconazole: two drugs", c: sign(withMeds(glued(), med("k1", "active", "", "", "KETOCONAZOLE200MG", 5)), jakDraft("upadacitinib", 15)),
			want:     w("cyp-interaction", "warning"),
			detailOf: map[string]string{"cyp-interaction": "CLARITHROMYCIN500MG and KETOCONAZOLE200MG"}},
	})
}

// TestAcceptanceMutrev5TwoOrdersWithoutID: two interacting orders sent
// without an id, for a patient whose course the label stops, are two
// orders and get a card each, told apart by name; stopCourses keying them
// by the id alone survived (both were keyed "": the second was folded
// into the first's card, "Also: ..."). The negative: one order without an
// id is one card.
func TestAcceptanceMutrev5TwoOrdersWithoutID(t *testing.T) {
	mi := with(cond("mi", icd, "I21.4", "active"), "onsetDateTime", ago(14))
	noID := func(code, text string) res { d := drugDraft("x", rxnorm, code, text); delete(d, "id"); return d }
	aza := func() res { return noID("197388", "azathioprine 50 MG Oral Tablet") }
	runAcc(t, []accCase{
		{name: "azathioprine and MMR without ids, upadacitinib, MI: two cards",
			c:           sign(rsOn("upadacitinib").replace(mi), aza(), with(noID("", "MMR vaccine"), "medicationCodeableConcept", res{"coding": []res{{"system": cvx, "code": "03"}}, "text": "MMR vaccine"})),
			want:        w("combination-immunosuppressant", "warning", "live-vaccine-ordered", "warning"),
			notDetailOf: map[string]string{"combination-immunosuppressant": "Also:", "live-vaccine-ordered": "Also:"}},
		{name: "negative: azathioprine alone without an id: one card", c: sign(rsOn("upadacitinib").replace(mi), aza()),
			want: w("combination-immunosuppressant", "warning"), notDetailOf: map[string]string{"combination-immunosuppressant": "Also:"}},
	})
}
