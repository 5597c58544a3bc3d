package hooks

import "testing"

// TestAcceptanceCompletedCoMedicationDated: a completed co-medication
// still supplied is listed with its order date and how far its supply
// runs, "(completed, ordered D; its end date or supply runs to E)": with
// the date dropped no test failed (mutrev6's open gap), and a clinician
// could not tell a prescription of last week from one of last year.
func TestAcceptanceCompletedCoMedicationDated(t *testing.T) {
	end := testNow.AddDate(0, 0, 10).Format("2006-01-02")
	clar := func(authored int, status string) res {
		return with(med("clar", status, rxnorm, "21212", "clarithromycin 500 MG Oral Tablet", authored),
			"dispenseRequest", res{"validityPeriod": res{"start": ago(authored), "end": end}})
	}
	withMed := func(r *record, m res) *record { r.medications = append(r.medications, m); return r }
	cases := []accCase{
		{name: "completed clarithromycin ordered 5 days ago, supplied 10 days more, upadacitinib 30 mg start",
			c:        sign(withMed(cleanRecord(), clar(5, "completed")), jakDraft("upadacitinib", 30)),
			want:     w("cyp-interaction", "warning"),
			detailOf: map[string]string{"cyp-interaction": "clarithromycin 500 MG Oral Tablet (completed, ordered " + ago(5) + "; its end date or supply runs to " + end + ")"}},
		{name: "the same order active: its status and date, no supply said",
			c:           sign(withMed(cleanRecord(), clar(5, "active")), jakDraft("upadacitinib", 30)),
			want:        w("cyp-interaction", "warning"),
			detailOf:    map[string]string{"cyp-interaction": "clarithromycin 500 MG Oral Tablet (active, ordered " + ago(5) + ")"},
			notDetailOf: map[string]string{"cyp-interaction": "supply runs to"}},
	}
	runAcc(t, cases)
}
