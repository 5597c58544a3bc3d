package hooks

import "testing"

// TestAcceptanceSeriousInfectionByLabel: a serious infection during
// treatment. RINVOQ 5.1 says interrupt upadacitinib until the infection is
// controlled; the CIBINQO US label (5.1) says discontinue abrocitinib,
// then weigh the risks before restarting it. Both read "interrupt" until
// the committee2 review found the difference; the start wording is one.
// infectionVerb is how a card on treatment begins for a serious infection
// or active TB: RINVOQ 5.1 interrupt, CIBINQO 5.1 discontinue.
var infectionVerb = map[string]string{"upadacitinib": "Interrupt", "abrocitinib": "Discontinue"}

func TestAcceptanceSeriousInfectionByLabel(t *testing.T) {
	sepsis := condition("sepsis", sct, "91302008", "active")
	var cases []accCase
	for _, tc := range []struct {
		drug, onTx, held string
		notOnTx          string
	}{
		{drug: "upadacitinib", onTx: "Interrupt upadacitinib until the serious infection is controlled",
			held: "Keep upadacitinib on hold until the serious infection is controlled", notOnTx: "Discontinue"},
		{drug: "abrocitinib", onTx: "Discontinue abrocitinib: serious infection",
			held: "Discontinue abrocitinib: serious infection", notOnTx: "Interrupt"},
	} {
		drug := tc.drug
		cases = append(cases,
			accCase{name: drug + ": patient-view, sepsis on treatment",
				c: view(onTx(drug, 60, sepsis)), want: w("serious-infection-active", "critical"),
				summaryOf: map[string]string{"serious-infection-active": tc.onTx}, notDetailOf: map[string]string{"serious-infection-active": tc.notOnTx}},
			accCase{name: drug + ": patient-view, course on hold, sepsis",
				c: view(held(drug, "MedicationRequest", sepsis)), want: w("serious-infection-active", "critical"),
				summaryOf: map[string]string{"serious-infection-active": tc.held}},
			accCase{name: drug + ": a renewal during sepsis",
				c: sign(onTx(drug, 60, sepsis), jakDraft(drug, mgOf[drug])), want: w("serious-infection-active", "critical"),
				summaryOf: map[string]string{"serious-infection-active": tc.onTx}, notDetailOf: map[string]string{"serious-infection-active": tc.notOnTx}},
			accCase{name: drug + ": a first order during sepsis: do not start, either label",
				c: sign(cleanRecord().replace(sepsis), jakDraft(drug, mgOf[drug])), want: w("serious-infection-active", "critical"),
				summaryOf:   map[string]string{"serious-infection-active": "Do not start " + drug + " during an active serious infection"},
				notDetailOf: map[string]string{"serious-infection-active": "Discontinue"}},
			accCase{name: drug + ": patient-view, sepsis resolved: no card",
				c: view(onTx(drug, 60, condition("sepsis", sct, "91302008", "resolved"))), absent: []string{"serious-infection-active"}},
		)
	}
	tb := cond("tb", icd, "A15.0", "active")
	for drug, want := range map[string][2]string{
		"upadacitinib": {"Interrupt upadacitinib: active tuberculosis", "Keep upadacitinib on hold: active tuberculosis"},
		"abrocitinib":  {"Discontinue abrocitinib: active tuberculosis", "Discontinue abrocitinib: active tuberculosis"},
	} {
		cases = append(cases,
			accCase{name: drug + ": patient-view, active TB on treatment", c: view(onTx(drug, 60, tb)), want: w("tb-active", "critical"),
				summaryOf: map[string]string{"tb-active": want[0]}},
			accCase{name: drug + ": patient-view, course on hold, active TB", c: view(held(drug, "MedicationRequest", tb)), want: w("tb-active", "critical"),
				summaryOf: map[string]string{"tb-active": want[1]}},
			accCase{name: drug + ": a first order with active TB", c: sign(cleanRecord().replace(tb), jakDraft(drug, mgOf[drug])), want: w("tb-active", "critical"),
				summaryOf: map[string]string{"tb-active": "Do not start " + drug + ": active tuberculosis"}})
	}
	cases = append(cases, accCase{name: "abrocitinib: the detail cites CIBINQO 5.1 and asks to weigh restarting",
		c: view(onTx("abrocitinib", 60, sepsis)), want: w("serious-infection-active", "critical"),
		detailOf: map[string]string{"serious-infection-active": "CIBINQO PI 5.1"}})
	runAcc(t, cases)
}
