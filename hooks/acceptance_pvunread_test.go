package hooks

import "testing"

// TestAcceptancePvunreadCourseStatus: on patient-view, a patient whose only
// upadacitinib or abrocitinib course has a status that is no FHIR code
// ("discontinued", "taking", none) was answered {"cards": []}: the entry was
// left out as unreadable, no course was seen, and the monitoring, vaccine
// and interaction checks did not run unsaid. Now an info card names it;
// a non-JAK medication with such a status still says nothing (no course).
func TestAcceptancePvunreadCourseStatus(t *testing.T) {
	on := func(m res) *record {
		r := cleanRecord()
		r.medications = append(r.medications, m)
		return r
	}
	upa := func(status string) res {
		m := courseMed("upadacitinib-1", "MedicationRequest", status, "upadacitinib", 15, 200)
		if status == "" {
			delete(m, "status")
		}
		return m
	}
	unread := w("data-unavailable", "info")
	cases := []accCase{
		{name: "upadacitinib order 'discontinued': said, info", c: view(on(upa("discontinued"))), want: unread, onlyInfo: true,
			summaryOf:   map[string]string{"data-unavailable": "Upadacitinib course not fully checked"},
			detailOf:    map[string]string{"data-unavailable": `status jakguard cannot read ("discontinued")`},
			notDetailOf: map[string]string{"data-unavailable": "Checked without the entries left out"}}, // no course: no check ran
		{name: "upadacitinib order without status: said", c: view(on(upa(""))), want: unread, onlyInfo: true,
			detailOf: map[string]string{"data-unavailable": "(none)"}},
		{name: "abrocitinib statement 'taking': said", c: view(on(courseMed("abro-1", "MedicationStatement", "taking", "abrocitinib", 100, 200))), want: unread,
			summaryOf: map[string]string{"data-unavailable": "Abrocitinib course not fully checked"},
			detailOf:  map[string]string{"data-unavailable": `An abrocitinib statement on the record has a status jakguard cannot read ("taking")`}},
		{name: "upadacitinib by text only, status 'A': said", c: view(on(med("upa-t", "A", "", "", "Rinvoq 15 MG Extended Release Oral Tablet", 200))), want: unread},
		{name: "abrocitinib course readable, an old upadacitinib order 'discontinued': the course checked without it", c: view(on(upa("discontinued")).replace(courseMed("abro-2", "MedicationRequest", "active", "abrocitinib", 100, 60))),
			want: unread, detailOf: map[string]string{"data-unavailable": "Checked without the entries left out"}},
		{name: "upadacitinib order 'stopped' (a code): no course, no card", c: view(on(upa("stopped"))), noCards: true},
		{name: "clarithromycin 'discontinued', no JAK: no card", c: view(cleanRecord().replace(clariAs("discontinued"))), noCards: true},
		{name: "metoprolol 'taking' statement, no JAK: no card", c: view(on(stmt("mt", "taking", "", "", "metoprolol tartrate 25 MG Oral Tablet", 30))), noCards: true},
		{name: "ordered clarithromycin, upadacitinib course 'discontinued': said, naming it", c: sign(on(upa("discontinued")), drugDraft("cl", rxnorm, "197517", "clarithromycin 500 MG Oral Tablet")),
			want: w("data-unavailable", "warning"), detailOf: map[string]string{"data-unavailable": `An upadacitinib order on the record has a status jakguard cannot read ("discontinued")`}},
	}
	runAcc(t, cases)
}
