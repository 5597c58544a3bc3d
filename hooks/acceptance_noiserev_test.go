package hooks

import "testing"

// Noise review (December 2026): cards read as the CDS committee pharmacist
// would, on realistic records. A card must not ask for what the clinician is
// already ordering, nor say a patient is on a drug whose course ended.

// TestAcceptanceNoiserevTestsBeingOrdered: a screening or monitoring test
// ordered in the same session keeps its finding (the order may not be
// signed), but the card's summary no longer lists it as one to order and its
// section no longer says "Order a TB test": it says it is being ordered.
func TestAcceptanceNoiserevTestsBeingOrdered(t *testing.T) {
	igra := serviceDraft("sr-igra", "draft", loinc, "71773-6", "QuantiFERON-TB Gold Plus")
	hbsag := serviceDraft("sr-hbsag", "draft", loinc, "5196-1", "HBsAg")
	cbc := serviceDraft("sr-cbc", "draft", loinc, "58410-2", "CBC")
	lipids := serviceDraft("sr-lip", "draft", loinc, "24331-1", "Lipid panel")
	cases := []accCase{
		{name: "no TB test, nothing ordered: the card asks to order it",
			c:         sign(cleanRecord().drop("igra"), jakDraft("upadacitinib", 15)),
			want:      w("tb-screening-missing", "warning"),
			summaryOf: map[string]string{"tb-screening-missing": "Order before starting upadacitinib: TB test"},
			detailOf:  map[string]string{"tb-screening-missing": "Order a TB test"}},
		{name: "no TB test, the IGRA being ordered: review it, nothing to order",
			c:           sign(cleanRecord().drop("igra"), jakDraft("upadacitinib", 15), igra),
			want:        w("tb-screening-missing", "warning"),
			summaryOf:   map[string]string{"tb-screening-missing": "Review before starting upadacitinib: TB test being ordered"},
			detailOf:    map[string]string{"tb-screening-missing": "Being ordered in this session: sign the order and review the result before starting upadacitinib."},
			notDetailOf: map[string]string{"tb-screening-missing": "Order a TB test"}},
		{name: "no TB test nor HBsAg, the IGRA being ordered: hepatitis B to order, TB test being ordered",
			c:         sign(cleanRecord().drop("igra").drop("hbsag"), jakDraft("abrocitinib", 100), igra),
			want:      w("tb-screening-missing", "warning", "hbv-screening-missing", "warning"),
			summaryOf: map[string]string{"tb-screening-missing": "Order before starting abrocitinib: hepatitis B tests (TB test being ordered)"},
			detailOf:  map[string]string{"hbv-screening-missing": "Order hepatitis B tests"}},
		{name: "no HBsAg, HBsAg being ordered but not anti-HBc: hepatitis B tests still to order",
			c:         sign(cleanRecord().drop("hbsag"), jakDraft("upadacitinib", 15), hbsag),
			want:      w("hbv-screening-missing", "warning"),
			summaryOf: map[string]string{"hbv-screening-missing": "Order before starting upadacitinib: hepatitis B tests"},
			detailOf:  map[string]string{"hbv-screening-missing": "Order hepatitis B tests"}},
	}
	for _, drug := range []string{"upadacitinib", "abrocitinib"} {
		days := map[string]int{"upadacitinib": 100, "abrocitinib": 40}[drug]
		cases = append(cases,
			accCase{name: drug + ": renewal with the CBC and lipids due and being ordered: ALT/AST to order",
				c:         sign(coursed(drug, days), jakDraft(drug, mgOf[drug]), cbc, lipids),
				want:      w("monitoring-cbc-due", "warning", "monitoring-liver-due", "warning", "monitoring-lipids-due", "warning"),
				summaryOf: map[string]string{"monitoring-cbc-due": "Order ALT/AST: monitoring due on " + drug + " (CBC and lipid panel being ordered)"},
				detailOf:  map[string]string{"monitoring-cbc-due": "Being ordered in this session: sign the order and review the result."}},
			accCase{name: drug + ": renewal with the checks due and none ordered",
				c:         sign(coursed(drug, days), jakDraft(drug, mgOf[drug])),
				want:      w("monitoring-cbc-due", "warning", "monitoring-liver-due", "warning", "monitoring-lipids-due", "warning"),
				summaryOf: map[string]string{"monitoring-cbc-due": "Order CBC, ALT/AST and lipid panel: monitoring due on " + drug}},
		)
	}
	runAcc(t, cases)
}

// TestAcceptanceNoiserevEndedCourseCYPDose: a strong CYP3A4 inhibitor
// ordered after an upadacitinib course at 15 mg ended must not read "Keep
// upadacitinib at 15 mg daily or less while on itraconazole", which says the
// patient is on upadacitinib; like the other reverse cards of an ended course
// it says "if upadacitinib resumes". The ongoing course keeps "Keep".
func TestAcceptanceNoiserevEndedCourseCYPDose(t *testing.T) {
	itra := drugDraft("itra", rxnorm, "28031", "itraconazole 100 MG Oral Capsule")
	runAcc(t, []accCase{
		{name: "course at 15 mg ended 30 days ago: if it resumes",
			c:         sign(endedCourse("upadacitinib", 15, 30), itra),
			want:      w("cyp-interaction", "warning"),
			summaryOf: map[string]string{"cyp-interaction": "If upadacitinib resumes with itraconazole, use 15 mg daily or less"},
			detailOf:  map[string]string{"cyp-interaction": "if upadacitinib is still taken or is resumed"}},
		{name: "course at 15 mg ongoing: keep it at 15 mg",
			c:         sign(onCourseAt("upadacitinib", 15, 200), itra),
			want:      w("cyp-interaction", "warning"),
			summaryOf: map[string]string{"cyp-interaction": "Keep upadacitinib at 15 mg daily or less while on itraconazole"}},
		{name: "course at 30 mg ended 30 days ago: if it resumes, 15 mg at most",
			c:         sign(endedCourse("upadacitinib", 30, 30), itra),
			want:      w("cyp-interaction", "warning"),
			summaryOf: map[string]string{"cyp-interaction": "If upadacitinib resumes with itraconazole, use 15 mg daily at most"}},
		{name: "course ended 91 days ago: no card",
			c: sign(endedCourse("upadacitinib", 15, 91), itra), noCards: true},
	})
}
