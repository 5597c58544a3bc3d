package hooks

import "testing"

// TestAcceptanceConditionNamedByValueSet: a condition sent with a code and
// neither text nor display is named on the card by the knowledge base's
// display of the code that matched, with the code ("Sepsis, code 91302008");
// a card showed the bare code ("91302008 (active)", noise13 question 3).
// What the EHR sends is kept: its text, else its display. A code matched
// only by an ICD-10-CM range has no name in the knowledge base: the code.
func TestAcceptanceConditionNamedByValueSet(t *testing.T) {
	bare := condition("sepsis", sct, "91302008", "active") // coding() gives no display
	named := condition("sepsis", sct, "91302008", "active")
	named["code"] = res{"coding": []any{res{"system": sct, "code": "91302008", "display": "Septicaemia"}}}
	texted := condition("sepsis", sct, "91302008", "active")
	texted["code"] = res{"coding": []any{res{"system": sct, "code": "91302008"}}, "text": "Urosepsis"}
	cases := []accCase{
		{name: "bare code: named by the value set, the code kept", c: view(onTx("upadacitinib", 60, bare)),
			want: w("serious-infection-active", "critical"), detailOf: map[string]string{"serious-infection-active": "Sepsis, code 91302008 (active)"}},
		{name: "a display sent: the display", c: view(onTx("upadacitinib", 60, named)),
			want: w("serious-infection-active", "critical"), detailOf: map[string]string{"serious-infection-active": "Septicaemia (active)"},
			notDetailOf: map[string]string{"serious-infection-active": "Sepsis, code"}},
		{name: "a text sent: the text", c: view(onTx("upadacitinib", 60, texted)),
			want: w("serious-infection-active", "critical"), detailOf: map[string]string{"serious-infection-active": "Urosepsis (active)"},
			notDetailOf: map[string]string{"serious-infection-active": "Sepsis, code"}},
		{name: "ICD-10-CM active TB code, no display: named", c: sign(cleanRecord().replace(cond("tb", icd, "A15.0", "active")), jakDraft("abrocitinib", 100)),
			want: w("tb-active", "critical"), detailOf: map[string]string{"tb-active": "Tuberculosis of lung, code A15.0 (active)"}},
		{name: "a code matched by an ICD-10-CM range only: the code", c: sign(cleanRecord().replace(cond("ca", icd, "C18.9", "active")), jakDraft("upadacitinib", 15)),
			want: w("malignancy", "warning"), detailOf: map[string]string{"malignancy": "C18.9 (active)"}, notDetailOf: map[string]string{"malignancy": ", code C18.9"}},
	}
	runAcc(t, cases)
}
