package hooks

import (
	"fmt"
	"testing"
)

// The JAK-inhibitor order itself as EHRs send it (contract 4 and 6.5):
// RxNorm ingredient, product RxCUI, NDC in its 10- and 11-digit forms,
// brand or generic name in the text or a display, a contained or a
// referenced Medication; and the dose written only in the text.

// jakForm is a draft upadacitinib 30 mg order in one coding style.
func jakForm(name string, f func(m res) []res) struct {
	name string
	f    func(m res) []res
} {
	return struct {
		name string
		f    func(m res) []res
	}{name, f}
}

func TestAcceptanceJAKOrderForms(t *testing.T) {
	set := func(c res) func(m res) []res {
		return func(m res) []res { m["medicationCodeableConcept"] = c; return nil }
	}
	forms := []struct {
		name string
		f    func(m res) []res
	}{
		jakForm("RxNorm ingredient", set(cc(rxnorm, "2196092", "", ""))),
		jakForm("RINVOQ product RxCUI", set(cc(rxnorm, "2196894", "", ""))),
		jakForm("NDC 4-4-2 (10 digits)", set(cc(ndc, "0074-2310-30", "", ""))),
		jakForm("NDC 5-4-2 (11 digits, hyphens)", set(cc(ndc, "00074-2310-30", "", ""))),
		jakForm("NDC 11 digits", set(cc(ndc, "00074231030", "", ""))),
		jakForm("NDC 10 digits without hyphens", set(cc(ndc, "0074231030", "", ""))),
		jakForm("NDC product code 4-4", set(cc(ndc, "0074-2310", "", ""))),
		jakForm("NDC product code 5-4", set(cc(ndc, "00074-2310", "", ""))),
		jakForm("brand in the text", set(cc("", "", "", "Rinvoq 30 mg extended-release tablet"))),
		jakForm("brand in capitals", set(cc("", "", "", "RINVOQ 30MG ER TAB"))),
		jakForm("generic in a display", set(cc("", "", "upadacitinib 30 MG 24HR Extended Release Oral Tablet", ""))),
		jakForm("local code with a display", set(cc("urn:oid:1.2.3.4", "88812", "RINVOQ 30 MG TABLET", ""))),
		jakForm("contained Medication", func(m res) []res {
			m["medicationReference"] = res{"reference": "#rinvoq"}
			m["contained"] = []any{res{"resourceType": "Medication", "id": "rinvoq", "code": cc(ndc, "00074231030", "RINVOQ 30 mg", "")}}
			return nil
		}),
		jakForm("referenced Medication in draftOrders", func(m res) []res {
			m["medicationReference"] = res{"reference": "Medication/rinvoq-30"}
			return []res{{"resourceType": "Medication", "id": "rinvoq-30", "code": cc(rxnorm, "2196092", "upadacitinib", "upadacitinib 30 MG Extended Release Oral Tablet")}}
		}),
	}
	var cases []accCase
	for _, f := range forms {
		m := jakDraft("upadacitinib", 30)
		delete(m, "medicationCodeableConcept")
		extra := f.f(m)
		drafts := append([]res{m}, extra...)
		// Any recognised upadacitinib order of a patient without a TB test
		// gets the screening card.
		cases = append(cases, accCase{name: "upadacitinib by " + f.name + ": recognised",
			c: sign(cleanRecord().drop("igra"), drafts...), want: w("tb-screening-missing", "warning"),
			summaryOf: map[string]string{"tb-screening-missing": "upadacitinib"}})
	}
	// Abrocitinib by NDC and brand.
	for _, c := range []res{cc(ndc, "0069-0335-30", "", ""), cc(ndc, "00069033530", "", ""), cc(ndc, "63539-236-14", "", ""),
		cc("", "", "", "Cibinqo 100 mg tablet"), cc(rxnorm, "2591476", "", ""), cc(rxnorm, "2591481", "", "")} {
		m := jakDraft("abrocitinib", 100)
		m["medicationCodeableConcept"] = c
		cases = append(cases, accCase{name: fmt.Sprintf("abrocitinib by %v: recognised", c),
			c: sign(cleanRecord().drop("igra"), m), want: w("tb-screening-missing", "warning"),
			summaryOf: map[string]string{"tb-screening-missing": "abrocitinib"}})
	}
	// Not a JAK inhibitor order: no cards without reading the record.
	cases = append(cases,
		accCase{name: "amoxicillin: no cards", c: sign(cleanRecord().drop("igra"), drugDraft("amox", rxnorm, "308191", "amoxicillin 500 MG Oral Capsule")), noCards: true},
		accCase{name: "a word containing rinvoq is not rinvoq", c: sign(cleanRecord().drop("igra"), drugDraft("x", "", "", "nonrinvoqs cream")), noCards: true},
	)
	runAcc(t, cases)
}

// TestAcceptanceDoseInText: the dose of an order or of an aspirin on
// record written only in the sig text.
func TestAcceptanceDoseInText(t *testing.T) {
	aspirin := func(text, sig string, code string) *record {
		m := med("asa", "active", rxnorm, code, text, 20)
		if code == "" {
			m["medicationCodeableConcept"] = cc("", "", "", text)
		}
		if sig != "" {
			m["dosageInstruction"] = []any{res{"text": sig}}
		}
		r := cleanRecord()
		r.medications = append(r.medications, m)
		return r
	}
	abro := jakDraft("abrocitinib", 100)
	textDose := func(drug, text, sig string) res {
		m := jakDraft(drug, 30)
		m["medicationCodeableConcept"] = cc(rxnorm, map[string]string{"upadacitinib": "2196092", "abrocitinib": "2591476"}[drug], "", text)
		m["dosageInstruction"] = []any{res{"text": sig}}
		return m
	}
	cases := []accCase{
		{name: "aspirin 81 mg, strength only in the sig", c: sign(aspirin("aspirin", "Take 81 mg by mouth daily", "1191"), abro), noCards: true},
		{name: "aspirin EC 81 mg tablet text, sig one tablet daily", c: sign(aspirin("Aspirin EC 81 mg tablet", "1 tablet once daily", ""), abro), noCards: true},
		{name: "baby aspirin 81 mg, no sig", c: sign(aspirin("aspirin 81 MG Oral Tablet", "", "243670"), abro), noCards: true},
		{name: "aspirin 81 mg twice daily (162 mg/day)", c: sign(aspirin("aspirin 81 MG Oral Tablet", "81 mg twice daily", "243670"), abro), want: w("antiplatelet-abrocitinib", "critical")},
		{name: "aspirin 325 mg daily in the sig", c: sign(aspirin("aspirin", "325 mg by mouth daily", "1191"), abro), want: w("antiplatelet-abrocitinib", "critical")},
		{name: "aspirin 325 mg tablet", c: sign(aspirin("aspirin 325 MG Oral Tablet", "", "212033"), abro), want: w("antiplatelet-abrocitinib", "critical")},
		{name: "aspirin of unknown dose", c: sign(aspirin("aspirin", "", "1191"), abro), want: w("antiplatelet-abrocitinib", "critical")},
		{name: "aspirin/dipyridamole (Aggrenox) is not low-dose aspirin", c: sign(aspirin("Aggrenox 25 mg/200 mg capsule", "1 capsule twice daily", ""), abro), want: w("antiplatelet-abrocitinib", "critical")},
		{name: "aspirin 325 mg with upadacitinib: nothing", c: sign(aspirin("aspirin 325 MG Oral Tablet", "", "212033"), jakDraft("upadacitinib", 15)), noCards: true},
		// The JAK dose written only in the sig.
		{name: "upadacitinib, dose only in the sig: 45 mg daily", c: sign(cleanRecord(), textDose("upadacitinib", "upadacitinib", "Take 45 mg by mouth once daily")),
			want: w("dose-above-label", "warning"), dose: 30},
		{name: "abrocitinib, dose only in the sig: 2 x 100 mg tablets daily for a smoker", c: sign(cleanRecord().replace(obsCode("smoke", "72166-2", "449868002", ago(10))),
			textDose("abrocitinib", "abrocitinib 100 MG Oral Tablet", "Take 2 tablets (200 mg) by mouth once daily")),
			want: w("lower-dose-recommended", "warning", "smoker", "warning"), dose: 100},
	}
	runAcc(t, cases)
}
