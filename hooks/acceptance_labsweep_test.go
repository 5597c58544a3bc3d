package hooks

import (
	"fmt"
	"testing"
)

// Label statement sweep (labsweep review, December 2026): each actionable
// statement of the RINVOQ and CIBINQO US PIs (and the EU SmPC rows the
// service cites) as a class, not as the one example of its issue: both
// drugs, the three hooks where the contract applies the rule, codes from
// each system the knowledge base lists, units, and N-1 / N / N+1 of each
// threshold.

const lsICD = "http://hl7.org/fhir/sid/icd-10-cm"

// lsAged is the clean record of a patient aged years (birthday a month ago).
func lsAged(years int) *record { return cleanRecord().born(bornAged(years)) }

// lsSelect is an order-select call with the JAK draft selected.
func lsSelect(r *record, drafts ...res) call {
	c := call{hook: HookOrderSelect, r: r, drafts: drafts}
	for _, d := range drafts {
		c.selections = append(c.selections, "MedicationRequest/"+d["id"].(string))
	}
	return c
}

func TestAcceptanceLabsweepDoseByAge(t *testing.T) {
	var cases []accCase
	add := func(cs ...accCase) { cases = append(cases, cs...) }
	// RINVOQ 2.5 (R4): 65 and over, 15 mg; 30 mg under 65 is labelled.
	for _, age := range []int{64, 65, 66} {
		tc := accCase{name: fmt.Sprintf("upadacitinib 30 mg aged %d", age), c: sign(lsAged(age).male(), jakDraft("upadacitinib", 30))}
		if age >= 65 {
			tc.want, tc.dose = w("lower-dose-recommended", "warning"), 15
		} else {
			tc.noCards = true
		}
		add(tc)
	}
	// The same on order-select.
	add(accCase{name: "upadacitinib 30 mg aged 65, order-select", c: lsSelect(lsAged(65).male(), jakDraft("upadacitinib", 30)),
		want: w("lower-dose-recommended", "warning"), dose: 15})
	// 15 mg from 65: nothing to lower.
	add(accCase{name: "upadacitinib 15 mg aged 80", c: sign(lsAged(80).male(), jakDraft("upadacitinib", 15)), noCards: true})
	// 45 mg (UC/CD induction) for an AD patient of 70: one dose, 15 mg.
	add(accCase{name: "upadacitinib 45 mg aged 70", c: sign(lsAged(70).male(), jakDraft("upadacitinib", 45)),
		want: w("dose-above-label", "warning"), dose: 15})
	add(accCase{name: "upadacitinib 45 mg aged 40", c: sign(lsAged(40).male(), jakDraft("upadacitinib", 45)),
		want: w("dose-above-label", "warning"), dose: 30})
	// CIBINQO 2.2: 200 mg is labelled (no US age cap).
	add(accCase{name: "abrocitinib 200 mg aged 70", c: sign(lsAged(70).male(), jakDraft("abrocitinib", 200)), absent: []string{"dose-above-label"}})
	add(accCase{name: "abrocitinib 300 mg aged 40", c: sign(lsAged(40).male(), jakDraft("abrocitinib", 300)),
		want: w("dose-above-label", "warning"), dose: 200})
	// Age 12 (both labels from 12): 11 not approved, 12 and 13 approved.
	for _, drug := range []string{"upadacitinib", "abrocitinib"} {
		mg := map[string]int{"upadacitinib": 15, "abrocitinib": 100}[drug]
		for _, age := range []int{11, 12, 13} {
			r := lsAged(age).replace(qty("wt", "29463-7", 50, "kg", "", ago(20))).drop("rzv")
			tc := accCase{name: fmt.Sprintf("%s aged %d", drug, age), c: sign(r, jakDraft(drug, mg))}
			if age < 12 {
				tc.want = w("age-not-approved", "critical")
			} else {
				tc.absent = []string{"age-not-approved", "zoster-vaccine-missing", "weight-below-label"}
			}
			add(tc)
		}
	}
	// Weight 40 kg (RINVOQ 2.5) at 15 years: 39, 40, 41 kg; lb; abrocitinib
	// has no weight limit.
	for _, kg := range []float64{39, 40, 41} {
		tc := accCase{name: fmt.Sprintf("upadacitinib aged 15 weighing %v kg", kg),
			c: sign(lsAged(15).replace(qty("wt", "29463-7", kg, "kg", "", ago(20))).drop("rzv"), jakDraft("upadacitinib", 15))}
		if kg < 40 {
			tc.want = w("weight-below-label", "warning")
		} else {
			tc.absent = []string{"weight-below-label"}
		}
		add(tc)
	}
	add(accCase{name: "upadacitinib aged 15 weighing 86 lb (39 kg)", c: sign(lsAged(15).replace(qty("wt", "29463-7", 86, "[lb_av]", "", ago(20))).drop("rzv"), jakDraft("upadacitinib", 15)),
		want: w("weight-below-label", "warning")})
	add(accCase{name: "abrocitinib aged 15 weighing 35 kg", c: sign(lsAged(15).replace(qty("wt", "29463-7", 35, "kg", "", ago(20))).drop("rzv"), jakDraft("abrocitinib", 100)),
		absent: []string{"weight-below-label"}})
	add(accCase{name: "upadacitinib aged 18 weighing 35 kg", c: sign(lsAged(18).replace(qty("wt", "29463-7", 35, "kg", "", ago(20))), jakDraft("upadacitinib", 15)),
		absent: []string{"weight-below-label"}})
	runAcc(t, cases)
}

func TestAcceptanceLabsweepOrgans(t *testing.T) {
	egfr := func(v float64) *record {
		return cleanRecord().replace(qty("egfr", "98979-8", v, "mL/min/{1.73_m2}", "", ago(20)))
	}
	var cases []accCase
	add := func(cs ...accCase) { cases = append(cases, cs...) }
	// CIBINQO 2.3: <30 not recommended; 30-59 50 mg; 60 none.
	for _, v := range []float64{29, 30, 31, 59, 60} {
		tc := accCase{name: fmt.Sprintf("abrocitinib 200 mg eGFR %v", v), c: sign(egfr(v), jakDraft("abrocitinib", 200))}
		switch {
		case v < 30:
			tc.want, tc.noDose = w("renal-impairment", "critical"), true
		case v < 60:
			tc.want, tc.dose = w("renal-impairment", "warning"), 50
		default:
			tc.noCards = true
		}
		add(tc)
	}
	// RINVOQ: <15 not recommended; 15-29 15 mg; 30 none.
	for _, v := range []float64{14, 15, 16, 29, 30} {
		tc := accCase{name: fmt.Sprintf("upadacitinib 30 mg eGFR %v", v), c: sign(egfr(v), jakDraft("upadacitinib", 30))}
		switch {
		case v < 15:
			tc.want, tc.noDose = w("renal-impairment", "critical"), true
		case v < 30:
			tc.want, tc.dose = w("renal-impairment", "warning"), 15
		default:
			tc.noCards = true
		}
		add(tc)
	}
	// ESRD / dialysis as a condition, SNOMED and ICD-10-CM, whatever the eGFR.
	for _, c := range []res{cond("esrd", sct, "46177005", "active"), cond("esrd", lsICD, "N18.6", "active"), cond("esrd", sct, "236435004", "active")} {
		for _, drug := range []string{"upadacitinib", "abrocitinib"} {
			add(accCase{name: fmt.Sprintf("%s with ESRD %v", drug, c["code"]), c: sign(cleanRecord().replace(c), jakDraft(drug, map[string]int{"upadacitinib": 15, "abrocitinib": 100}[drug])),
				want: w("renal-impairment", "critical"), noDose: true})
		}
	}
	// ESRD resolved: not a current impairment by itself.
	add(accCase{name: "abrocitinib, CKD stage 5 condition, SNOMED", c: sign(cleanRecord().drop("egfr").replace(cond("ckd5", sct, "433146000", "active")), jakDraft("abrocitinib", 100)),
		want: w("renal-impairment", "critical")})
	// Severe hepatic impairment, both drugs, ICD-10 and SNOMED cirrhosis
	// without a class asks for it.
	for _, drug := range []string{"upadacitinib", "abrocitinib"} {
		mg := map[string]int{"upadacitinib": 15, "abrocitinib": 100}[drug]
		add(accCase{name: drug + " with cirrhosis K74.60, no class", c: sign(cleanRecord().replace(cond("cirr", lsICD, "K74.60", "active")), jakDraft(drug, mg)),
			want: w("severe-hepatic-impairment", "warning")})
		add(accCase{name: drug + " with cirrhosis SNOMED 19943007, no class", c: sign(cleanRecord().replace(cond("cirr", sct, "19943007", "active")), jakDraft(drug, mg)),
			want: w("severe-hepatic-impairment", "warning")})
	}
	runAcc(t, cases)
}

func TestAcceptanceLabsweepLabs(t *testing.T) {
	var cases []accCase
	add := func(cs ...accCase) { cases = append(cases, cs...) }
	type lab struct {
		id, loinc, code, finding string
		below, at, above         float64
		drugs                    []string
	}
	both := []string{"upadacitinib", "abrocitinib"}
	for _, l := range []lab{
		{"alc", "731-0", "/uL", "lymphopenia", 499, 500, 501, both},
		{"alc", "26474-7", "10*9/L", "lymphopenia", 0.49, 0.5, 0.51, both},
		{"anc", "751-8", "cells/uL", "neutropenia", 999, 1000, 1001, both},
		{"anc", "753-4", "10*3/uL", "neutropenia", 0.99, 1.0, 1.01, both},
		{"hgb", "718-7", "g/dL", "anemia", 7.9, 8.0, 8.1, both},
		{"hgb", "718-7", "g/L", "anemia", 79, 80, 81, both},
		{"hgb", "59260-0", "mmol/L", "anemia", 4.96, 4.97, 4.98, both},
		{"plt", "777-3", "10*3/uL", "thrombocytopenia", 149, 150, 151, []string{"abrocitinib"}},
		{"plt", "26515-7", "10*9/L", "thrombocytopenia", 149, 150, 151, []string{"abrocitinib"}},
	} {
		for _, drug := range l.drugs {
			for i, v := range []float64{l.below, l.at, l.above} {
				r := cleanRecord().replace(qty(l.id, l.loinc, v, l.code, "", ago(20)))
				tc := accCase{name: fmt.Sprintf("%s start, %s %v %s", drug, l.loinc, v, l.code), c: sign(r, jakDraft(drug, map[string]int{"upadacitinib": 15, "abrocitinib": 100}[drug]))}
				if i == 0 {
					tc.want = w(l.finding, "critical")
				} else {
					tc.noCards = true
				}
				add(tc)
			}
		}
	}
	// RINVOQ has no platelet threshold (R10).
	add(accCase{name: "upadacitinib start, platelets 40 K/uL", c: sign(cleanRecord().replace(qty("plt", "777-3", 40, "10*3/uL", "", ago(20))), jakDraft("upadacitinib", 15)), noCards: true})
	// On treatment, abrocitinib platelets 49/50/51 K: discontinue below 50;
	// on patient-view too.
	for _, v := range []float64{49, 50, 51} {
		r := func() *record {
			return coursed("abrocitinib", 200).replace(qty("plt", "777-3", v, "10*3/uL", "", ago(5)))
		}
		tc := accCase{name: fmt.Sprintf("abrocitinib renewal, platelets %v K", v), c: sign(r(), jakDraft("abrocitinib", 100))}
		pv := accCase{name: fmt.Sprintf("abrocitinib patient-view, platelets %v K", v), c: view(r())}
		if v < 50 {
			tc.want, pv.want = w("thrombocytopenia", "critical"), w("thrombocytopenia", "critical")
		} else {
			tc.absent, pv.absent = []string{"thrombocytopenia"}, []string{"thrombocytopenia"}
		}
		add(tc, pv)
	}
	// On treatment, ALC/ANC/Hb: interrupt, both drugs, patient-view.
	for _, drug := range both {
		for _, l := range []struct {
			id, loinc, code, finding string
			v                        float64
		}{{"alc", "731-0", "10*3/uL", "lymphopenia", 0.45}, {"anc", "751-8", "10*3/uL", "neutropenia", 0.9}, {"hgb", "718-7", "g/dL", "anemia", 7.5}} {
			add(accCase{name: fmt.Sprintf("%s patient-view, %s %v", drug, l.id, l.v), c: view(coursed(drug, 200).replace(qty(l.id, l.loinc, l.v, l.code, "", ago(5)))),
				want: w(l.finding, "critical"), summaryOf: map[string]string{l.finding: "Interrupt"}})
		}
	}
	runAcc(t, cases)
}

func TestAcceptanceLabsweepInteractions(t *testing.T) {
	var cases []accCase
	add := func(cs ...accCase) { cases = append(cases, cs...) }
	on := func(m res) *record { return cleanRecord().replace(m) }
	// RINVOQ: strong CYP3A4 inhibitors, each code the knowledge base
	// lists, as an order or a statement: 30 mg -> 15 mg; 15 mg no dose change.
	for _, d := range []struct{ code, text string }{{"6135", "ketoconazole 200 MG Oral Tablet"}, {"28031", "itraconazole 100 MG Oral Capsule"}, {"21212", "clarithromycin 500 MG Oral Tablet"}} {
		add(accCase{name: "upadacitinib 30 mg with " + d.text, c: sign(on(med("inh", "active", rxnorm, d.code, d.text, 3)).male(), jakDraft("upadacitinib", 30)),
			want: w("cyp-interaction", "warning"), dose: 15})
		add(accCase{name: "upadacitinib 30 mg with " + d.text + " (statement, text only)", c: sign(on(stmt("inh", "active", "", "", d.text, 3)).male(), jakDraft("upadacitinib", 30)),
			want: w("cyp-interaction", "warning"), dose: 15})
	}
	// Strong CYP3A4 inducers: avoid, any dose.
	for _, d := range []struct{ code, text string }{{"9384", "rifampin 300 MG Oral Capsule"}, {"2002", "carbamazepine 200 MG Oral Tablet"}, {"8183", "phenytoin 100 MG Extended Release Oral Capsule"}} {
		add(accCase{name: "upadacitinib 15 mg with " + d.text, c: sign(on(med("ind", "active", rxnorm, d.code, d.text, 3)), jakDraft("upadacitinib", 15)),
			want: w("cyp-interaction", "warning")})
	}
	// CIBINQO: strong CYP2C19 inhibitor -> 50 mg; fluconazole (2C19+2C9)
	// avoid; rifampin avoid.
	add(accCase{name: "abrocitinib 200 mg with fluoxetine", c: sign(on(med("inh", "active", rxnorm, "4493", "fluoxetine 20 MG Oral Capsule", 3)), jakDraft("abrocitinib", 200)),
		want: w("cyp-interaction", "warning"), dose: 50})
	add(accCase{name: "abrocitinib 100 mg with fluoxetine (statement, text only)", c: sign(on(stmt("inh", "active", "", "", "Prozac 20 mg capsule", 3)), jakDraft("abrocitinib", 100)),
		want: w("cyp-interaction", "warning"), dose: 50})
	add(accCase{name: "abrocitinib 100 mg with fluconazole", c: sign(on(med("inh", "active", rxnorm, "4450", "fluconazole 150 MG Oral Tablet", 3)), jakDraft("abrocitinib", 100)),
		want: w("cyp-interaction", "warning"), noDose: true})
	add(accCase{name: "abrocitinib 100 mg with rifampin", c: sign(on(med("ind", "active", rxnorm, "9384", "rifampin 300 MG Oral Capsule", 3)), jakDraft("abrocitinib", 100)),
		want: w("cyp-interaction", "warning"), noDose: true})
	// The enzymes are the drug's own: a CYP3A4 inhibitor does not limit
	// abrocitinib, a CYP2C19 inhibitor does not limit upadacitinib.
	add(accCase{name: "abrocitinib 200 mg with clarithromycin", c: sign(on(med("inh", "active", rxnorm, "21212", "clarithromycin 500 MG Oral Tablet", 3)), jakDraft("abrocitinib", 200)),
		absent: []string{"cyp-interaction"}})
	add(accCase{name: "upadacitinib 30 mg with fluoxetine", c: sign(on(med("inh", "active", rxnorm, "4493", "fluoxetine 20 MG Oral Capsule", 3)).male(), jakDraft("upadacitinib", 30)),
		absent: []string{"cyp-interaction"}})
	// A stopped inhibitor does not count.
	add(accCase{name: "upadacitinib 30 mg with stopped clarithromycin", c: sign(on(med("inh", "stopped", rxnorm, "21212", "clarithromycin 500 MG Oral Tablet", 60)).male(), jakDraft("upadacitinib", 30)),
		noCards: true})
	// In the same session (both drafts).
	add(accCase{name: "upadacitinib 30 mg with ketoconazole in the same session", c: sign(cleanRecord().male(), jakDraft("upadacitinib", 30), drugDraft("keto", rxnorm, "6135", "ketoconazole 200 MG Oral Tablet")),
		want: w("cyp-interaction", "warning"), dose: 15})
	// Reverse direction on order-select: clarithromycin selected for a
	// patient on upadacitinib.
	add(accCase{name: "clarithromycin selected on an upadacitinib course", c: lsSelect(coursed("upadacitinib", 200), drugDraft("clari", rxnorm, "21212", "clarithromycin 500 MG Oral Tablet")),
		want: w("cyp-interaction", "warning")})
	add(accCase{name: "fluconazole selected on an abrocitinib course", c: lsSelect(coursed("abrocitinib", 200), drugDraft("flu", rxnorm, "4450", "fluconazole 150 MG Oral Tablet")),
		want: w("cyp-interaction", "warning")})
	add(accCase{name: "digoxin selected on an abrocitinib course", c: lsSelect(coursed("abrocitinib", 200), drugDraft("dig", "", "", "digoxin 0.125 MG Oral Tablet")),
		want: w("pgp-substrate", "info")})
	add(accCase{name: "digoxin selected on an upadacitinib course", c: lsSelect(coursed("upadacitinib", 200), drugDraft("dig", "", "", "digoxin 0.125 MG Oral Tablet")),
		noCards: true})
	runAcc(t, cases)
}

func TestAcceptanceLabsweepAntiplatelets(t *testing.T) {
	var cases []accCase
	add := func(cs ...accCase) { cases = append(cases, cs...) }
	abro := func(m res) call { return sign(cleanRecord().replace(m), jakDraft("abrocitinib", 100)) }
	upa := func(m res) call { return sign(cleanRecord().replace(m), jakDraft("upadacitinib", 15)) }
	for _, d := range []struct{ code, text string }{
		{"309362", "clopidogrel 75 MG Oral Tablet"}, {"1116635", "ticagrelor 90 MG Oral Tablet"}, {"21107", "cilostazol 100 MG Oral Tablet"},
		{"259081", "12 HR aspirin 25 MG / dipyridamole 200 MG Extended Release Oral Capsule"}, {"198467", "aspirin 325 MG Delayed Release Oral Tablet"},
		{"", "Effient 10 mg tablet"},
	} {
		m := onceDaily(med("ap", "active", rxnorm, d.code, d.text, 10))
		add(accCase{name: "abrocitinib start with " + d.text, c: abro(m), want: w("antiplatelet-abrocitinib", "critical")})
		add(accCase{name: "upadacitinib start with " + d.text, c: upa(onceDaily(med("ap", "active", rxnorm, d.code, d.text, 10))), absent: []string{"antiplatelet-abrocitinib"}})
	}
	// Aspirin 81 mg once daily (low dose): no card; 81 mg twice daily is 162.
	add(accCase{name: "abrocitinib start with aspirin 81 mg daily", c: abro(onceDaily(med("ap", "active", rxnorm, "243670", "aspirin 81 MG Oral Tablet", 10))), noCards: true})
	add(accCase{name: "abrocitinib start with aspirin 81 mg daily (OTC statement, text)", c: abro(with(stmt("ap", "active", "", "", "aspirin 81 mg", 10), "dosage", []any{res{"text": "81 mg by mouth daily"}})), noCards: true})
	twice := med("ap", "active", rxnorm, "243670", "aspirin 81 MG Oral Tablet", 10)
	twice["dosageInstruction"] = []any{res{"text": "1 tablet twice daily"}}
	add(accCase{name: "abrocitinib start with aspirin 81 mg twice daily", c: abro(twice), want: w("antiplatelet-abrocitinib", "critical")})
	// An antiplatelet stopped does not count.
	add(accCase{name: "abrocitinib start with stopped clopidogrel", c: abro(med("ap", "stopped", rxnorm, "309362", "clopidogrel 75 MG Oral Tablet", 200)), noCards: true})
	runAcc(t, cases)
}

func TestAcceptanceLabsweepScreeningAndConditions(t *testing.T) {
	var cases []accCase
	add := func(cs ...accCase) { cases = append(cases, cs...) }
	both := map[string]int{"upadacitinib": 15, "abrocitinib": 100}
	for drug, mg := range both {
		d := func(r *record) call { return sign(r, jakDraft(drug, mg)) }
		// TB.
		add(accCase{name: drug + ": active TB ICD-10 A15.0", c: d(cleanRecord().replace(cond("tb", lsICD, "A15.0", "active"))), want: w("tb-active", "critical")})
		add(accCase{name: drug + ": latent TB Z22.7, no treatment", c: d(cleanRecord().replace(cond("ltbi", lsICD, "Z22.7", "active"))), want: w("tb-latent-untreated", "critical"), absent: []string{"tb-screening-missing"}})
		add(accCase{name: drug + ": latent TB Z22.7 with isoniazid", c: d(cleanRecord().replace(cond("ltbi", lsICD, "Z22.7", "active")).replace(med("inh", "active", "", "", "isoniazid 300 MG Oral Tablet", 30))), absent: []string{"tb-latent-untreated", "tb-screening-missing"}})
		add(accCase{name: drug + ": IGRA indeterminate", c: d(cleanRecord().replace(obsCode("igra", "71773-6", "82334004", ago(20)))), absent: []string{"tb-latent-untreated", "tb-active"}})
		// HBV/HCV.
		add(accCase{name: drug + ": chronic hepatitis B B18.1", c: d(cleanRecord().replace(cond("hbv", lsICD, "B18.1", "active"))), want: w("hbv-active", "critical")})
		add(accCase{name: drug + ": HBV DNA 42595-9 detectable 350 IU/mL", c: d(cleanRecord().replace(qty("hbvdna", "42595-9", 350, "[IU]/mL", "", ago(20)))), want: w("hbv-active", "critical")})
		add(accCase{name: drug + ": chronic hepatitis C B18.2", c: d(cleanRecord().replace(cond("hcvc", lsICD, "B18.2", "active"))), want: w("hcv-active", "critical")})
		add(accCase{name: drug + ": HCV RNA viral load 11011-4 1.2e6 IU/mL", c: d(cleanRecord().replace(qty("hcvvl", "11011-4", 1200000, "[IU]/mL", "", ago(20)))), want: w("hcv-active", "critical")})
		add(accCase{name: drug + ": HCV Ab positive, RNA not detected", c: d(cleanRecord().replace(obsCode("hcv", "13955-0", positive, ago(20))).replace(obsCode("hcvrna", "11259-9", "260415000", ago(10)))), absent: []string{"hcv-active", "hcv-antibody-positive"}})
		// Serious infection.
		for _, c := range []res{cond("inf", lsICD, "A41.9", "active"), cond("inf", lsICD, "J18.9", "active"), cond("inf", sct, "91302008", "active"), cond("inf", sct, "233604007", "active"), cond("inf", sct, "4740000", "active"), cond("inf", lsICD, "B02.9", "active")} {
			add(accCase{name: fmt.Sprintf("%s: serious infection %v", drug, c["code"]), c: d(cleanRecord().replace(c)), want: w("serious-infection-active", "critical")})
		}
		add(accCase{name: drug + ": resolved pneumonia", c: d(cleanRecord().replace(cond("inf", lsICD, "J18.9", "resolved"))), absent: []string{"serious-infection-active"}})
		// Pregnancy, breastfeeding.
		add(accCase{name: drug + ": pregnancy Z33.1 (after the last negative test)", c: d(cleanRecord().replace(with(cond("preg", lsICD, "Z33.1", "active"), "onsetDateTime", ago(2)))), want: w("pregnancy", "critical")})
		add(accCase{name: drug + ": breastfeeding Z39.1", c: d(cleanRecord().replace(with(cond("bf", lsICD, "Z39.1", "active"), "onsetDateTime", ago(40)))), want: w("breastfeeding", "critical")})
		add(accCase{name: drug + ": breastfeeding SNOMED 169745008", c: d(cleanRecord().replace(with(cond("bf", sct, "169745008", "active"), "onsetDateTime", ago(40)))), want: w("breastfeeding", "critical")})
		// Malignancy, NMSC, MACE, VTE.
		add(accCase{name: drug + ": lymphoma C85.90", c: d(cleanRecord().replace(cond("ca", lsICD, "C85.90", "active"))), want: w("malignancy", "warning")})
		add(accCase{name: drug + ": lung cancer history Z85.118", c: d(cleanRecord().replace(cond("ca", lsICD, "Z85.118", "resolved"))), want: w("malignancy", "warning")})
		add(accCase{name: drug + ": BCC C44.91 only", c: d(cleanRecord().replace(cond("ca", lsICD, "C44.91", "active"))), absent: []string{"malignancy"}})
		add(accCase{name: drug + ": melanoma SNOMED 372244006", c: d(cleanRecord().replace(cond("ca", sct, "372244006", "active"))), want: w("malignancy", "warning")})
		add(accCase{name: drug + ": old MI I25.2", c: d(cleanRecord().replace(cond("mi", lsICD, "I25.2", "active"))), want: w("mace-history", "warning")})
		add(accCase{name: drug + ": stroke history Z86.73", c: d(cleanRecord().replace(cond("cva", lsICD, "Z86.73", "resolved"))), want: w("mace-history", "warning")})
		add(accCase{name: drug + ": PE history Z86.711", c: d(cleanRecord().replace(cond("pe", lsICD, "Z86.711", "resolved"))), want: w("vte-risk", "warning")})
		add(accCase{name: drug + ": factor V Leiden D68.51", c: d(cleanRecord().replace(cond("fvl", lsICD, "D68.51", "active"))), want: w("vte-risk", "warning")})
		add(accCase{name: drug + ": former smoker 8517006", c: d(cleanRecord().replace(obsCode("smoke", "72166-2", "8517006", ago(20)))), want: w("smoker", "warning")})
		// Cardiovascular risk from 50: 49, 50, 51 with hypertension I10.
		for _, age := range []int{49, 50, 51} {
			tc := accCase{name: fmt.Sprintf("%s: hypertension aged %d", drug, age), c: d(lsAged(age).replace(cond("htn", lsICD, "I10", "active")))}
			if age >= 50 {
				tc.want = w("cardiovascular-risk", "warning")
			} else {
				tc.absent = []string{"cardiovascular-risk"}
			}
			add(tc)
		}
	}
	runAcc(t, cases)
}

func TestAcceptanceLabsweepVaccinesAndCombinations(t *testing.T) {
	var cases []accCase
	add := func(cs ...accCase) { cases = append(cases, cs...) }
	both := map[string]int{"upadacitinib": 15, "abrocitinib": 100}
	for drug, mg := range both {
		d := func(r *record) call { return sign(r, jakDraft(drug, mg)) }
		// Live vaccines within 28 days: 27, 28, 29 days, CVX 03, 21, 121, 37.
		for _, code := range []string{"03", "21", "121", "37", "19"} {
			for _, days := range []int{27, 28, 29} {
				tc := accCase{name: fmt.Sprintf("%s: live vaccine CVX %s %d days ago", drug, code, days), c: d(cleanRecord().replace(immunization("lv", code, ago(days))))}
				if days <= 28 {
					tc.want = w("live-vaccine-recent", "warning")
				} else {
					tc.absent = []string{"live-vaccine-recent"}
				}
				add(tc)
			}
		}
		// Non-live vaccines: recombinant zoster, influenza inactivated.
		add(accCase{name: drug + ": recombinant zoster 5 days ago", c: d(cleanRecord().replace(immunization("rzv", "187", ago(5)))), noCards: true})
		// Live vaccine ordered in the same session.
		add(accCase{name: drug + ": MMR ordered in the same session", c: sign(cleanRecord(), jakDraft(drug, mg), drugDraft("mmr", cvx, "03", "MMR vaccine")),
			want: w("live-vaccine-ordered", "warning")})
		// Zoster: 17 no, 18 yes; live zoster (121) long ago is not RZV; 188 unspecified.
		for _, age := range []int{17, 18, 19} {
			tc := accCase{name: fmt.Sprintf("%s: no zoster vaccine aged %d", drug, age), c: d(lsAged(age).drop("rzv").replace(qty("wt", "29463-7", 60, "kg", "", ago(20))))}
			if age >= 18 {
				tc.want = w("zoster-vaccine-missing", "warning")
			} else {
				tc.absent = []string{"zoster-vaccine-missing"}
			}
			add(tc)
		}
		add(accCase{name: drug + ": only Zostavax (CVX 121) years ago", c: d(cleanRecord().drop("rzv").replace(immunization("zvl", "121", "2015-03-01"))), want: w("zoster-vaccine-missing", "warning")})
		// Combinations.
		for _, m := range []struct{ code, text, finding, level string }{
			{"1357536", "tofacitinib", "combination-jak", "critical"},
			{"2047232", "baricitinib", "combination-jak", "critical"},
			{"", "Dupixent 300 mg/2 mL pen", "combination-biologic", "warning"},
			{"327361", "adalimumab", "combination-biologic", "warning"},
			{"3008", "cyclosporine", "combination-immunosuppressant", "warning"},
			{"1256", "azathioprine", "combination-immunosuppressant", "warning"},
			{"6851", "methotrexate", "combination-immunosuppressant", "warning"},
		} {
			add(accCase{name: drug + ": active " + m.text, c: d(cleanRecord().replace(med("co", "active", rxnorm, m.code, m.text, 10))), want: w(m.finding, m.level)})
			add(accCase{name: drug + ": outside list " + m.text, c: d(cleanRecord().replace(stmt("co", "active", rxnorm, m.code, m.text, 10))), want: w(m.finding, m.level)})
			add(accCase{name: drug + ": stopped " + m.text, c: d(cleanRecord().replace(med("co", "stopped", rxnorm, m.code, m.text, 200))), absent: []string{m.finding}})
			add(accCase{name: drug + ": patient-view, active " + m.text, c: view(coursed(drug, 200).replace(med("co", "active", rxnorm, m.code, m.text, 10))), want: w(m.finding, m.level)})
		}
		// Ruxolitinib cream (topical JAK, Opzelura): the label combination
		// concerns systemic JAKs too? (asked, see docs/rules.md).
	}
	runAcc(t, cases)
}

func TestAcceptanceLabsweepNotRecommendedNamesNoDose(t *testing.T) {
	egfr := func(r *record, v float64) *record {
		return r.replace(qty("egfr", "98979-8", v, "mL/min/{1.73_m2}", "", ago(20)))
	}
	cp := func(r *record) *record {
		return r.replace(cond("cirr", lsICD, "K74.60", "active")).replace(rxStr("cp", "98153-0", "C", 30))
	}
	pm := obsCode("pgx", "79714-2", "", ago(100))
	pm["code"] = res{"text": "CYP2C19 gene product metabolic activity interpretation"}
	pm["valueCodeableConcept"] = res{"text": "Poor metabolizer"}
	cases := []accCase{
		{name: "upadacitinib 30 mg, aged 70, eGFR 10", c: sign(egfr(lsAged(70).male(), 10), jakDraft("upadacitinib", 30)),
			want: w("renal-impairment", "critical"), noDose: true},
		{name: "upadacitinib 30 mg, aged 70, ESRD", c: sign(lsAged(70).male().replace(cond("esrd", lsICD, "N18.6", "active")), jakDraft("upadacitinib", 30)),
			want: w("renal-impairment", "critical"), noDose: true},
		{name: "upadacitinib 30 mg, aged 70, Child-Pugh C", c: sign(cp(lsAged(70).male()), jakDraft("upadacitinib", 30)),
			want: w("severe-hepatic-impairment", "critical"), noDose: true},
		{name: "upadacitinib 30 mg, clarithromycin, eGFR 10", c: sign(egfr(cleanRecord().male(), 10).replace(med("inh", "active", rxnorm, "21212", "clarithromycin 500 MG Oral Tablet", 3)), jakDraft("upadacitinib", 30)),
			want: w("renal-impairment", "critical", "cyp-interaction", "warning"), noDose: true},
		{name: "upadacitinib 30 mg, smoker, eGFR 10", c: sign(egfr(cleanRecord().male(), 10).replace(obsCode("smoke", "72166-2", "449868002", ago(20))), jakDraft("upadacitinib", 30)),
			want: w("renal-impairment", "critical", "smoker", "warning"), noDose: true},
		{name: "abrocitinib 200 mg, fluoxetine, eGFR 25", c: sign(egfr(cleanRecord(), 25).replace(med("inh", "active", rxnorm, "4493", "fluoxetine 20 MG Oral Capsule", 3)), jakDraft("abrocitinib", 200)),
			want: w("renal-impairment", "critical", "cyp-interaction", "warning"), noDose: true},
		{name: "abrocitinib 200 mg, poor metabolizer, Child-Pugh C", c: sign(cp(cleanRecord()).replace(pm), jakDraft("abrocitinib", 200)),
			want: w("severe-hepatic-impairment", "critical", "cyp2c19-poor-metabolizer", "warning"), noDose: true},
		{name: "abrocitinib 200 mg, MI history, eGFR 20", c: sign(egfr(cleanRecord(), 20).replace(cond("mi", lsICD, "I25.2", "active")), jakDraft("abrocitinib", 200)),
			want: w("renal-impairment", "critical", "mace-history", "warning"), noDose: true},
		{name: "abrocitinib 300 mg, eGFR 20", c: sign(egfr(cleanRecord(), 20), jakDraft("abrocitinib", 300)),
			want: w("renal-impairment", "critical"), noDose: true},
		{name: "upadacitinib 45 mg, Child-Pugh C", c: sign(cp(cleanRecord()), jakDraft("upadacitinib", 45)),
			want: w("severe-hepatic-impairment", "critical"), noDose: true},
	}
	runAcc(t, cases)
}

// coursedAt is coursed at a daily dose of mg.
func coursedAt(drug string, mg, startDays int) *record {
	r := cleanRecord().labsOn(ago(startDays + 10))
	r.medications = append(r.medications, courseMed(drug+"-1", "MedicationRequest", "active", drug, mg, startDays))
	return r
}

func TestAcceptanceLabsweepReverseAndPatientView(t *testing.T) {
	clari := func() res { return drugDraft("clari", rxnorm, "21212", "clarithromycin 500 MG Oral Tablet") }
	fluox := func() res { return drugDraft("fluox", rxnorm, "4493", "fluoxetine 20 MG Oral Capsule") }
	var cases []accCase
	add := func(cs ...accCase) { cases = append(cases, cs...) }
	// Strong inhibitor ordered for a patient on the drug: the course dose
	// against the limit, on order-sign and order-select.
	for _, hook := range []string{HookOrderSign, HookOrderSelect} {
		mk := func(r *record, d res) call {
			if hook == HookOrderSelect {
				return lsSelect(r, d)
			}
			return sign(r, d)
		}
		add(accCase{name: hook + ": clarithromycin ordered, upadacitinib 30 mg course", c: mk(coursedAt("upadacitinib", 30, 200).male(), clari()),
			want: w("cyp-interaction", "warning"), dose: 15})
		add(accCase{name: hook + ": clarithromycin ordered, upadacitinib 15 mg course", c: mk(coursedAt("upadacitinib", 15, 200).male(), clari()),
			want: w("cyp-interaction", "warning")})
		add(accCase{name: hook + ": fluoxetine ordered, abrocitinib 200 mg course", c: mk(coursedAt("abrocitinib", 200, 200), fluox()),
			want: w("cyp-interaction", "warning"), dose: 50})
		add(accCase{name: hook + ": fluoxetine ordered, abrocitinib 100 mg course of 200 days", c: mk(coursedAt("abrocitinib", 100, 200), fluox()),
			want: w("cyp-interaction", "warning"), dose: 50})
		add(accCase{name: hook + ": varicella vaccine ordered, upadacitinib course", c: mk(coursed("upadacitinib", 200), drugDraft("var", cvx, "21", "varicella virus vaccine")),
			want: w("live-vaccine-ordered", "warning")})
		add(accCase{name: hook + ": recombinant zoster vaccine ordered, abrocitinib course", c: mk(coursed("abrocitinib", 200), drugDraft("rzv2", cvx, "187", "zoster vaccine recombinant")),
			noCards: true})
	}
	// patient-view, both drugs: the order-time dangers the contract lists.
	for drug := range map[string]int{"upadacitinib": 15, "abrocitinib": 100} {
		add(accCase{name: drug + " patient-view: sepsis A41.9", c: view(coursed(drug, 200).replace(with(cond("inf", lsICD, "A41.9", "active"), "onsetDateTime", ago(3)))),
			want: w("serious-infection-active", "critical")})
		add(accCase{name: drug + " patient-view: herpes zoster SNOMED 4740000", c: view(coursed(drug, 200).replace(with(cond("inf", sct, "4740000", "active"), "onsetDateTime", ago(3)))),
			want: w("serious-infection-active", "critical")})
		add(accCase{name: drug + " patient-view: positive hCG 5 days ago", c: view(coursed(drug, 200).replace(obsCode("hcg", "2106-3", positive, ago(5)))),
			want: w("pregnancy", "critical")})
		add(accCase{name: drug + " patient-view: breastfeeding Z39.1", c: view(coursed(drug, 200).replace(with(cond("bf", lsICD, "Z39.1", "active"), "onsetDateTime", ago(20)))),
			want: w("breastfeeding", "critical")})
		for _, days := range []int{27, 28, 29} {
			tc := accCase{name: fmt.Sprintf("%s patient-view: MMR given on treatment %d days ago", drug, days), c: view(coursed(drug, 200).replace(immunization("mmr", "03", ago(days))))}
			if days <= 28 {
				tc.want = w("live-vaccine-recent", "warning")
			} else {
				tc.absent = []string{"live-vaccine-recent"}
			}
			add(tc)
		}
	}
	runAcc(t, cases)
}

// lsPM is a CYP2C19 phenotype Observation named and answered in words.
func lsPM(days int) res {
	o := rxCCText("pgx", "79714-2", "Poor metabolizer", days)
	o["code"] = res{"text": "CYP2C19 phenotype"}
	return o
}

func TestAcceptanceLabsweepUnitsAsLabsWriteThem(t *testing.T) {
	upa := func(r *record) call { return sign(r, jakDraft("upadacitinib", 15)) }
	abro := func(r *record) call { return sign(r, jakDraft("abrocitinib", 100)) }
	u := func(id, loincCode string, v float64, unit string) *record {
		return cleanRecord().replace(qty(id, loincCode, v, "", unit, ago(5)))
	}
	cases := []accCase{
		{name: "Hb 7.5 g/dl", c: upa(u("hgb", "718-7", 7.5, "g/dl")), want: w("anemia", "critical")},
		{name: "Hb 75 g/l", c: upa(u("hgb", "718-7", 75, "g/l")), want: w("anemia", "critical")},
		{name: "Hb 7.5 G/DL", c: upa(u("hgb", "718-7", 7.5, "G/DL")), want: w("anemia", "critical")},
		{name: "Hb 4.5 mmol/l (59260-0)", c: upa(u("hgb", "59260-0", 4.5, "mmol/l")), want: w("anemia", "critical")},
		{name: "platelets 100 10*3/mm3", c: abro(cleanRecord().replace(qty("plt", "777-3", 100, "10*3/mm3", "", ago(5)))), want: w("thrombocytopenia", "critical")},
		{name: "platelets 100 x10^9/L", c: abro(u("plt", "777-3", 100, "x10^9/L")), want: w("thrombocytopenia", "critical")},
		{name: "platelets 100 10^3/mm3", c: abro(u("plt", "777-3", 100, "10^3/mm3")), want: w("thrombocytopenia", "critical")},
		{name: "platelets 100000 {cells}/uL", c: abro(cleanRecord().replace(qty("plt", "777-3", 100000, "{cells}/uL", "", ago(5)))), want: w("thrombocytopenia", "critical")},
		{name: "ANC 800 10*6/L", c: upa(cleanRecord().replace(qty("anc", "751-8", 800, "10*6/L", "", ago(5)))), want: w("neutropenia", "critical")},
		{name: "ANC 0.8 x10(9)/L", c: upa(u("anc", "751-8", 0.8, "x10(9)/L")), want: w("neutropenia", "critical")},
		{name: "ANC 0.8 x 10^9/L", c: upa(u("anc", "751-8", 0.8, "x 10^9/L")), want: w("neutropenia", "critical")},
		{name: "ANC 0.8 K/cu mm", c: upa(u("anc", "751-8", 0.8, "K/cu mm")), want: w("neutropenia", "critical")},
		{name: "ANC 800 cells/cu mm", c: upa(u("anc", "751-8", 800, "cells/cu mm")), want: w("neutropenia", "critical")},
		{name: "ANC 0.5 in a CBC panel's component", c: abro(cleanRecord().drop("anc").replace(res{"resourceType": "Observation", "id": "cbc", "status": "final", "code": coding(loinc, "57021-8"), "effectiveDateTime": ago(2),
			"component": []any{res{"code": coding(loinc, "751-8"), "valueQuantity": res{"value": 0.5, "system": "http://unitsofmeasure.org", "code": "10*3/uL"}}}})), want: w("neutropenia", "critical")},
		{name: "eGFR 25 mL/min/1.73m2 (printout)", c: abro(u("egfr", "98979-8", 25, "mL/min/1.73m2")), want: w("renal-impairment", "critical")},
		{name: "eGFR 25 mL/min", c: abro(u("egfr", "98979-8", 25, "mL/min")), want: w("renal-impairment", "critical")},
		{name: "eGFR 25 by 62238-1 (CKD-EPI)", c: abro(cleanRecord().drop("egfr").replace(qty("egfr2", "62238-1", 25, "mL/min/{1.73_m2}", "", ago(5)))), want: w("renal-impairment", "critical")},
		{name: "eGFR 25 by 50210-4 (cystatin C)", c: abro(cleanRecord().drop("egfr").replace(qty("egfr2", "50210-4", 25, "mL/min/{1.73_m2}", "", ago(5)))), want: w("renal-impairment", "critical")},
		{name: "eGFR 25 by 48642-3 (MDRD)", c: abro(cleanRecord().drop("egfr").replace(qty("egfr2", "48642-3", 25, "mL/min/{1.73_m2}", "", ago(5)))), want: w("renal-impairment", "critical")},
		{name: "eGFR '>60' as text", c: abro(cleanRecord().replace(rxStr("egfr", "98979-8", ">60", 5))), noCards: true},
		{name: "hCG 30 m[IU]/mL (21198-7)", c: upa(cleanRecord().replace(qty("hcg", "21198-7", 30, "m[IU]/mL", "", ago(1)))), want: w("pregnancy", "critical")},
	}
	runAcc(t, cases)
}

func TestAcceptanceLabsweepStatusesAndValueShapes(t *testing.T) {
	upa := func(r *record) call { return sign(r, jakDraft("upadacitinib", 15)) }
	abro := func(r *record) call { return sign(r, jakDraft("abrocitinib", 100)) }
	ver := func(code string) res {
		return coding("http://terminology.hl7.org/CodeSystem/condition-ver-status", code)
	}
	interp := func(id, loincCode string, days int) res {
		return res{"resourceType": "Observation", "id": id, "status": "final", "code": coding(loinc, loincCode), "effectiveDateTime": ago(days),
			"interpretation": []any{coding("http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "POS")}}
	}
	cases := []accCase{
		{name: "RZV not-done", c: upa(cleanRecord().replace(with(immunization("rzv", "187", ago(100)), "status", "not-done"))), want: w("zoster-vaccine-missing", "warning")},
		{name: "RZV entered-in-error", c: upa(cleanRecord().replace(with(immunization("rzv", "187", ago(100)), "status", "entered-in-error"))), want: w("zoster-vaccine-missing", "warning")},
		{name: "MMR not-done 5 days ago", c: upa(cleanRecord().replace(with(immunization("mmr", "03", ago(5)), "status", "not-done"))), noCards: true},
		{name: "MMR entered-in-error 5 days ago", c: upa(cleanRecord().replace(with(immunization("mmr", "03", ago(5)), "status", "entered-in-error"))), noCards: true},
		{name: "active TB refuted", c: upa(cleanRecord().replace(with(cond("tb", lsICD, "A15.0", "active"), "verificationStatus", ver("refuted")))), noCards: true},
		{name: "sepsis entered-in-error", c: abro(cleanRecord().replace(with(cond("inf", lsICD, "A41.9", "active"), "verificationStatus", ver("entered-in-error")))), noCards: true},
		{name: "sepsis abated 30 days ago, no status", c: abro(cleanRecord().replace(with(cond("inf", lsICD, "A41.9", ""), "abatementDateTime", ago(30)))), noCards: true},
		{name: "sepsis in remission", c: abro(cleanRecord().replace(cond("inf", lsICD, "A41.9", "remission"))), noCards: true},
		{name: "HBsAg positive entered-in-error, negative before", c: abro(cleanRecord().replace(with(obsCode("hbsag", "5196-1", positive, ago(20)), "status", "entered-in-error")).replace(obsCode("hbsag2", "5196-1", negative, ago(30)))), noCards: true},
		{name: "HBsAg positive cancelled, negative before", c: abro(cleanRecord().replace(with(obsCode("hbsag", "5196-1", positive, ago(20)), "status", "cancelled")).replace(obsCode("hbsag2", "5196-1", negative, ago(30)))), noCards: true},
		{name: "ANC 0.5 amended", c: abro(cleanRecord().replace(with(qty("anc", "751-8", 0.5, "10*3/uL", "", ago(2)), "status", "amended"))), want: w("neutropenia", "critical")},
		{name: "ANC 0.5 corrected", c: abro(cleanRecord().replace(with(qty("anc", "751-8", 0.5, "10*3/uL", "", ago(2)), "status", "corrected"))), want: w("neutropenia", "critical")},
		{name: "ANC 0.5 dated by issued only", c: abro(cleanRecord().replace(func() res {
			o := qty("anc", "751-8", 0.5, "10*3/uL", "", "")
			delete(o, "effectiveDateTime")
			o["issued"] = ago(2) + "T10:00:00Z"
			return o
		}())), want: w("neutropenia", "critical")},
		{name: "ANC 0.5 dated by effectivePeriod", c: abro(cleanRecord().replace(func() res {
			o := qty("anc", "751-8", 0.5, "10*3/uL", "", "")
			delete(o, "effectiveDateTime")
			o["effectivePeriod"] = res{"start": ago(2)}
			return o
		}())), want: w("neutropenia", "critical")},
		{name: "pregnancy SNOMED 72892002 onset today", c: upa(cleanRecord().replace(with(cond("preg", sct, "72892002", "active"), "onsetDateTime", ago(0)))), want: w("pregnancy", "critical")},
		{name: "pregnancy O09.90 recorded today", c: upa(cleanRecord().replace(with(cond("preg", lsICD, "O09.90", "active"), "recordedDate", ago(0)))), want: w("pregnancy", "critical")},
		{name: "hCG valueString Positive", c: upa(cleanRecord().replace(rxStr("hcg", "2106-3", "Positive", 1))), want: w("pregnancy", "critical")},
		{name: "hCG interpretation POS, no value", c: upa(cleanRecord().replace(interp("hcg", "2106-3", 1))), want: w("pregnancy", "critical")},
		{name: "HBsAg interpretation POS, no value", c: upa(cleanRecord().replace(interp("hbsag", "5196-1", 10))), want: w("hbv-active", "critical")},
		{name: "IGRA interpretation POS, no value", c: upa(cleanRecord().replace(interp("igra", "71773-6", 10))), want: w("tb-latent-untreated", "critical")},
		{name: "HBsAg Reactive (SNOMED)", c: upa(cleanRecord().replace(obsCode("hbsag", "5196-1", "11214006", ago(10)))), want: w("hbv-active", "critical")},
		{name: "HBsAg 5195-3 'POSITIVE'", c: upa(cleanRecord().replace(rxStr("hbsag", "5195-3", "POSITIVE", 10))), want: w("hbv-active", "critical")},
		{name: "anti-HBc 13952-7 'Reactive'", c: upa(cleanRecord().replace(rxStr("hbc", "13952-7", "Reactive", 10))), want: w("hbv-core-antibody-positive", "warning")},
		{name: "HCV Ab Non-reactive (SNOMED)", c: upa(cleanRecord().replace(obsCode("hcv", "13955-0", "131194007", ago(10)))), noCards: true},
		{name: "HCV RNA 'Not detected' (only HCV test)", c: upa(cleanRecord().replace(rxStr("hcv", "11259-9", "Not detected", 10))), noCards: true},
		{name: "HBV DNA '<10 IU/mL'", c: upa(cleanRecord().replace(rxStr("hbvdna", "42595-9", "<10 IU/mL", 10))), noCards: true},
		{name: "HBV DNA 29615-2 'Target Not Detected'", c: upa(cleanRecord().replace(rxStr("hbvdna", "29615-2", "Target Not Detected", 10))), noCards: true},
		{name: "HCV Ab 16128-1 positive, RNA 11011-4 5000 IU/mL", c: upa(cleanRecord().replace(rxStr("hcv", "16128-1", "Positive", 10)).replace(qty("hcvrna", "11011-4", 5000, "[IU]/mL", "", ago(5)))), want: w("hcv-active", "critical")},
		{name: "TST 39263-9 'Positive', no IGRA", c: upa(cleanRecord().drop("igra").replace(rxStr("tst", "39263-9", "Positive", 10))), want: w("tb-latent-untreated", "critical")},
	}
	runAcc(t, cases)
}

// Results the labels weigh whatever their age (a positive TB test, a
// hepatitis marker, a genotype, a Child-Pugh class, a smoking history, a
// weight): older than every order-time look-back.
func TestAcceptanceLabsweepResultsOfAnyDate(t *testing.T) {
	upa := func(r *record) call { return sign(r, jakDraft("upadacitinib", 15)) }
	cases := []accCase{
		{name: "anti-HBc positive 3 years ago, HBsAg negative now, upadacitinib", c: upa(cleanRecord().replace(obsCode("hbc", "16933-4", positive, ago(1100)))), want: w("hbv-core-antibody-positive", "warning")},
		{name: "anti-HBc positive 3 years ago, HBsAg negative now, abrocitinib", c: sign(cleanRecord().replace(obsCode("hbc", "16933-4", positive, ago(1100))), jakDraft("abrocitinib", 100)), want: w("hbv-core-antibody-positive", "warning")},
		{name: "HBsAg positive 2 years ago, none since", c: upa(cleanRecord().drop("hbsag").replace(obsCode("hbsag2", "5196-1", positive, ago(730)))), want: w("hbv-active", "critical")},
		{name: "HBV DNA detected 2 years ago, HBsAg negative now", c: upa(cleanRecord().replace(obsCode("hbvdna", "29610-3", "260373001", ago(730)))), want: w("hbv-active", "critical")},
		{name: "HCV RNA detected 3 years ago, none since, antibody positive now", c: upa(cleanRecord().replace(obsCode("hcv", "13955-0", positive, ago(20))).replace(obsCode("hcvrna", "11259-9", "260373001", ago(1100)))), want: w("hcv-active", "critical")},
		{name: "IGRA positive 5 years ago, no TB treatment", c: upa(cleanRecord().replace(obsCode("igra2", "71773-6", positive, ago(1800)))), want: w("tb-latent-untreated", "critical")},
		{name: "TST positive 5 years ago, no TB treatment", c: upa(cleanRecord().replace(obsCode("tst", "39263-9", positive, ago(1800)))), want: w("tb-latent-untreated", "critical")},
		{name: "CYP2C19 poor metabolizer 5 years ago", c: sign(cleanRecord().replace(lsPM(1800)), jakDraft("abrocitinib", 200)), want: w("cyp2c19-poor-metabolizer", "warning"), dose: 50},
		{name: "weight 35 kg 400 days ago at 15", c: upa(lsAged(15).drop("rzv").replace(qty("wt", "29463-7", 35, "kg", "", ago(400)))), want: w("weight-below-label", "warning")},
		{name: "former smoker status 3 years ago", c: upa(cleanRecord().replace(obsCode("smoke", "72166-2", "8517006", ago(1100)))), want: w("smoker", "warning")},
		{name: "Child-Pugh C 500 days ago", c: upa(cleanRecord().replace(rxStr("cp", "98153-0", "C", 500))), want: w("severe-hepatic-impairment", "critical")},
	}
	runAcc(t, cases)
}

// Contract 6.3 across classes: the lowest limit among every finding.
func TestAcceptanceLabsweepOneDoseAcrossClasses(t *testing.T) {
	egfr := func(r *record, v float64) *record {
		return r.replace(qty("egfr", "98979-8", v, "mL/min/{1.73_m2}", "", ago(20)))
	}
	smoker := func(r *record) *record { return r.replace(obsCode("smoke", "72166-2", "449868002", ago(20))) }
	clari := med("inh", "active", rxnorm, "21212", "clarithromycin 500 MG Oral Tablet", 3)
	txt := func(id, text string) res { return onceDaily(drugDraft(id, "", "", text)) }
	cases := []accCase{
		{name: "abrocitinib 200, eGFR 45, smoker", c: sign(smoker(egfr(cleanRecord(), 45)), jakDraft("abrocitinib", 200)), want: w("renal-impairment", "warning", "smoker", "warning"), dose: 50},
		{name: "abrocitinib 200, poor metabolizer, smoker aged 70", c: sign(smoker(lsAged(70).replace(lsPM(100))), jakDraft("abrocitinib", 200)), want: w("cyp2c19-poor-metabolizer", "warning"), dose: 50},
		{name: "upadacitinib 30, aged 66, eGFR 20, clarithromycin", c: sign(egfr(lsAged(66), 20).replace(clari), jakDraft("upadacitinib", 30)), want: w("renal-impairment", "warning", "cyp-interaction", "warning"), dose: 15},
		{name: "upadacitinib 45, smoker", c: sign(smoker(cleanRecord()), jakDraft("upadacitinib", 45)), want: w("dose-above-label", "warning"), dose: 15},
		{name: "abrocitinib 300, smoker", c: sign(smoker(cleanRecord()), jakDraft("abrocitinib", 300)), want: w("dose-above-label", "warning"), dose: 100},
		{name: "abrocitinib 300, poor metabolizer", c: sign(cleanRecord().replace(lsPM(100)), jakDraft("abrocitinib", 300)), want: w("dose-above-label", "warning"), dose: 50},
		{name: "abrocitinib 200, fluconazole (avoid), eGFR 45", c: sign(egfr(cleanRecord(), 45).replace(med("f", "active", rxnorm, "4450", "fluconazole 150 MG Oral Tablet", 3)), jakDraft("abrocitinib", 200)), want: w("renal-impairment", "warning", "cyp-interaction", "warning"), dose: 50},
		{name: "abrocitinib 200, eGFR 45, aged 55 with hypertension", c: sign(egfr(lsAged(55), 45).replace(cond("htn", lsICD, "I10", "active")), jakDraft("abrocitinib", 200)), want: w("renal-impairment", "warning", "cardiovascular-risk", "warning"), dose: 50},
		{name: "abrocitinib 200, aged 55 with hypertension (EU lower dose)", c: sign(lsAged(55).replace(cond("htn", lsICD, "I10", "active")), jakDraft("abrocitinib", 200)), want: w("cardiovascular-risk", "warning", "lower-dose-recommended", "warning"), dose: 100},
		{name: "abrocitinib 200, lung cancer", c: sign(cleanRecord().replace(cond("ca", lsICD, "C34.90", "active")), jakDraft("abrocitinib", 200)), want: w("malignancy", "warning", "lower-dose-recommended", "warning"), dose: 100},
		{name: "abrocitinib 200, PE history", c: sign(cleanRecord().replace(cond("pe", lsICD, "Z86.711", "resolved")), jakDraft("abrocitinib", 200)), want: w("vte-risk", "warning", "lower-dose-recommended", "warning"), dose: 100},
		{name: "abrocitinib 200, stroke I63.9", c: sign(cleanRecord().replace(cond("cva", lsICD, "I63.9", "resolved")), jakDraft("abrocitinib", 200)), want: w("mace-history", "warning", "lower-dose-recommended", "warning"), dose: 100},
		{name: "upadacitinib 30, MI I21.9 resolved", c: sign(cleanRecord().replace(cond("mi", lsICD, "I21.9", "resolved")), jakDraft("upadacitinib", 30)), want: w("mace-history", "warning", "lower-dose-recommended", "warning"), dose: 15},
		{name: "upadacitinib 30, aged 49 with hypertension", c: sign(lsAged(49).replace(cond("htn", lsICD, "I10", "active")), jakDraft("upadacitinib", 30)), noCards: true},
		{name: "upadacitinib 30 renewal, aged 66, course at 30", c: sign(coursedAt("upadacitinib", 30, 200).born(bornAged(66)), jakDraft("upadacitinib", 30)), want: w("lower-dose-recommended", "warning"), dose: 15},
		{name: "abrocitinib 200 renewal, poor metabolizer, course of 200 days at 200", c: sign(coursedAt("abrocitinib", 200, 200).replace(lsPM(150)), jakDraft("abrocitinib", 200)), want: w("cyp2c19-poor-metabolizer", "warning"), dose: 100},
		{name: "Rinvoq by name only, 30 mg, aged 70", c: sign(lsAged(70), txt("r", "Rinvoq 30 mg extended-release tablet")), want: w("lower-dose-recommended", "warning"), dose: 15},
		{name: "CIBINQO by name only, 300 mg", c: sign(cleanRecord(), txt("c", "CIBINQO 300 mg tablet")), want: w("dose-above-label", "warning"), dose: 200},
		{name: "Cibinqo by name only, 200 mg, eGFR 25", c: sign(egfr(cleanRecord(), 25), txt("c", "Cibinqo 200 mg tablet")), want: w("renal-impairment", "critical"), noDose: true},
		{name: "RINVOQ product 2196894, sig 30 mg, aged 70", c: sign(lsAged(70), with(drugDraft("p", rxnorm, "2196894", ""), "dosageInstruction", []any{res{"text": "Take 30 mg by mouth once daily"}})), want: w("lower-dose-recommended", "warning"), dose: 15},
	}
	runAcc(t, cases)
}

// On treatment, results since the course start older than the order-time
// look-backs (read through the since path).
func TestAcceptanceLabsweepOnTreatmentSinceStart(t *testing.T) {
	cbc := func(id, loincCode string, v float64, days int) res {
		return res{"resourceType": "Observation", "id": id, "status": "final", "code": coding(loinc, "57021-8"), "effectiveDateTime": ago(days),
			"component": []any{res{"code": coding(loinc, loincCode), "valueQuantity": res{"value": v, "system": "http://unitsofmeasure.org", "code": "10*3/uL"}}}}
	}
	cases := []accCase{
		{name: "patient-view, abrocitinib, platelets 45 K 150 days ago", c: view(coursed("abrocitinib", 200).replace(qty("plt", "777-3", 45, "10*3/uL", "", ago(150)))), want: w("thrombocytopenia", "critical")},
		{name: "renewal, abrocitinib, platelets 45 K 150 days ago", c: sign(coursed("abrocitinib", 200).replace(qty("plt", "777-3", 45, "10*3/uL", "", ago(150))), jakDraft("abrocitinib", 100)), want: w("thrombocytopenia", "critical")},
		{name: "patient-view, upadacitinib, ANC 0.8 K 150 days ago", c: view(coursed("upadacitinib", 200).replace(qty("anc", "751-8", 0.8, "10*3/uL", "", ago(150)))), want: w("neutropenia", "critical")},
		{name: "renewal, upadacitinib, Hb 7.5 150 days ago", c: sign(coursed("upadacitinib", 200).replace(qty("hgb", "718-7", 7.5, "g/dL", "", ago(150))), jakDraft("upadacitinib", 15)), want: w("anemia", "critical")},
		{name: "patient-view, upadacitinib, Hb 7.5 150 days ago then 9.0", c: view(coursed("upadacitinib", 200).replace(qty("hgb", "718-7", 7.5, "g/dL", "", ago(150))).replace(qty("hgb2", "718-7", 9.0, "g/dL", "", ago(100)))), absent: []string{"anemia"}},
		{name: "patient-view, abrocitinib, ALC 0.4 K in a CBC panel 150 days ago", c: view(coursed("abrocitinib", 200).drop("alc").replace(cbc("cbc", "731-0", 0.4, 150))), want: w("lymphopenia", "critical")},
		{name: "renewal, abrocitinib, ALC 0.4 K in a CBC panel 150 days ago", c: sign(coursed("abrocitinib", 200).drop("alc").replace(cbc("cbc", "731-0", 0.4, 150)), jakDraft("abrocitinib", 100)), want: w("lymphopenia", "critical")},
		{name: "patient-view, abrocitinib, HBsAg positive 150 days ago", c: view(coursed("abrocitinib", 200).replace(obsCode("hbsag2", "5196-1", positive, ago(150)))), want: w("hbv-active", "critical")},
		{name: "patient-view, upadacitinib, HCV RNA 5000 IU/mL 150 days ago", c: view(coursed("upadacitinib", 200).replace(qty("hcvvl", "11011-4", 5000, "[IU]/mL", "", ago(150)))), want: w("hcv-active", "critical")},
		{name: "patient-view, upadacitinib, IGRA positive 150 days ago", c: view(coursed("upadacitinib", 200).replace(obsCode("igra2", "71773-6", positive, ago(150)))), want: w("tb-latent-untreated", "critical")},
		{name: "patient-view, upadacitinib, hCG 30 mIU/mL 10 days ago", c: view(coursed("upadacitinib", 200).replace(qty("hcgq", "21198-7", 30, "m[IU]/mL", "", ago(10)))), want: w("pregnancy", "critical")},
	}
	runAcc(t, cases)
}

// Live vaccines as the ACIP/CVX list has them, ordered (MedicationRequest
// or ServiceRequest) or given; non-live look-alikes give nothing.
func TestAcceptanceLabsweepLiveVaccineForms(t *testing.T) {
	sr := func(id, system, code, text string) res {
		c := res{"text": text}
		if code != "" {
			c["coding"] = []any{res{"system": system, "code": code}}
		}
		return res{"resourceType": "ServiceRequest", "id": id, "status": "draft", "intent": "order", "code": c, "subject": res{"reference": "Patient/p1"}, "authoredOn": ago(0)}
	}
	var cases []accCase
	add := func(cs ...accCase) { cases = append(cases, cs...) }
	add(accCase{name: "ServiceRequest MMR (CVX 03) beside an upadacitinib draft", c: sign(cleanRecord(), jakDraft("upadacitinib", 15), sr("mmr", cvx, "03", "MMR vaccine")), want: w("live-vaccine-ordered", "warning")},
		accCase{name: "ServiceRequest 'YF-Vax' by name beside an abrocitinib draft", c: sign(cleanRecord(), jakDraft("abrocitinib", 100), sr("yf", "", "", "YF-Vax injection")), want: w("live-vaccine-ordered", "warning")},
		accCase{name: "ServiceRequest varicella (CVX 21) on an upadacitinib course", c: sign(coursed("upadacitinib", 200), sr("var", cvx, "21", "Varivax")), want: w("live-vaccine-ordered", "warning")},
		accCase{name: "oral typhoid (CVX 25) selected on an abrocitinib course", c: lsSelect(coursed("abrocitinib", 200), drugDraft("ty", cvx, "25", "typhoid vaccine live oral")), want: w("live-vaccine-ordered", "warning")},
		accCase{name: "LAIV (CVX 149) beside an upadacitinib draft", c: sign(cleanRecord(), jakDraft("upadacitinib", 15), drugDraft("laiv", cvx, "149", "FluMist")), want: w("live-vaccine-ordered", "warning")},
		accCase{name: "JYNNEOS (CVX 206, non-replicating) beside an upadacitinib draft", c: sign(cleanRecord(), jakDraft("upadacitinib", 15), drugDraft("mpox", cvx, "206", "JYNNEOS")), absent: []string{"live-vaccine-ordered"}},
		accCase{name: "chikungunya VLP (CVX 329) on a course", c: sign(coursed("upadacitinib", 200), drugDraft("chik", cvx, "329", "Vimkunya")), noCards: true},
		accCase{name: "chikungunya live (CVX 317) on a course", c: sign(coursed("upadacitinib", 200), drugDraft("chik", cvx, "317", "Ixchiq")), want: w("live-vaccine-ordered", "warning")})
	for _, code := range []string{"56", "204", "19", "116", "174", "75", "143", "94", "151"} {
		add(accCase{name: "CVX " + code + " given 10 days ago", c: sign(cleanRecord().replace(immunization("lv", code, ago(10))), jakDraft("upadacitinib", 15)), want: w("live-vaccine-recent", "warning")})
	}
	runAcc(t, cases)
}

// Drug classes the labels name, as an outside medication list writes them
// (MedicationStatement, name only): the class members give their card,
// look-alikes of another class (moderate or weak inhibitors,
// anticoagulants, NSAIDs, topical forms, steroids) give none.
func TestAcceptanceLabsweepDrugClassesByName(t *testing.T) {
	on := func(text string) *record { return cleanRecord().replace(stmt("x", "active", "", "", text, 5)) }
	cases := []accCase{
		{name: "upa 30 fluconazole", c: sign(on("fluconazole 200 mg tablet"), jakDraft("upadacitinib", 30)), noCards: true},
		{name: "upa 30 erythromycin", c: sign(on("erythromycin 500 mg tablet"), jakDraft("upadacitinib", 30)), noCards: true},
		{name: "upa 30 diltiazem", c: sign(on("diltiazem 120 mg ER capsule"), jakDraft("upadacitinib", 30)), noCards: true},
		{name: "abro 200 omeprazole", c: sign(on("omeprazole 20 mg capsule"), jakDraft("abrocitinib", 200)), noCards: true},
		{name: "abro 200 esomeprazole", c: sign(on("esomeprazole 40 mg capsule"), jakDraft("abrocitinib", 200)), noCards: true},
		{name: "abro 200 fluvoxamine", c: sign(on("fluvoxamine 100 mg tablet"), jakDraft("abrocitinib", 200)), want: w("cyp-interaction", "warning"), dose: 50},
		{name: "abro 200 sertraline", c: sign(on("sertraline 50 mg tablet"), jakDraft("abrocitinib", 200)), noCards: true},
		{name: "abro 200 warfarin", c: sign(on("warfarin 5 mg tablet"), jakDraft("abrocitinib", 200)), noCards: true},
		{name: "abro 200 apixaban", c: sign(on("apixaban 5 mg tablet"), jakDraft("abrocitinib", 200)), noCards: true},
		{name: "abro 200 enoxaparin", c: sign(on("enoxaparin 40 mg/0.4 mL syringe"), jakDraft("abrocitinib", 200)), noCards: true},
		{name: "abro 200 ibuprofen", c: sign(on("ibuprofen 400 mg tablet"), jakDraft("abrocitinib", 200)), noCards: true},
		{name: "abro 200 selexipag 1729002", c: sign(cleanRecord().replace(med("x", "active", rxnorm, "1729002", "selexipag 200 MCG Oral Tablet", 5)), jakDraft("abrocitinib", 200)), noCards: true},
		{name: "upa 15 prednisone", c: sign(on("prednisone 10 mg tablet"), jakDraft("upadacitinib", 15)), noCards: true},
		{name: "upa 15 hydroxychloroquine", c: sign(on("hydroxychloroquine 200 mg tablet"), jakDraft("upadacitinib", 15)), noCards: true},
		{name: "upa 15 tacrolimus ointment", c: sign(on("tacrolimus 0.1% ointment"), jakDraft("upadacitinib", 15)), noCards: true},
		{name: "upa 15 tacrolimus capsule", c: sign(on("tacrolimus 1 mg capsule"), jakDraft("upadacitinib", 15)), want: w("combination-immunosuppressant", "warning")},
		{name: "upa 15 crisaborole", c: sign(on("Eucrisa 2% ointment"), jakDraft("upadacitinib", 15)), noCards: true},
		{name: "upa 15 omalizumab", c: sign(on("Xolair 150 mg injection"), jakDraft("upadacitinib", 15)), want: w("combination-biologic", "warning")},
		{name: "upa 15 tralokinumab Adbry", c: sign(on("Adbry 150 mg/mL syringe"), jakDraft("upadacitinib", 15)), want: w("combination-biologic", "warning")},
		{name: "upa 15 nemolizumab Nemluvio", c: sign(on("Nemluvio 30 mg pen"), jakDraft("upadacitinib", 15)), want: w("combination-biologic", "warning")},
		{name: "upa 15 lebrikizumab Ebglyss", c: sign(on("Ebglyss 250 mg/2 mL pen"), jakDraft("upadacitinib", 15)), want: w("combination-biologic", "warning")},
		{name: "upa 15 mycophenolate", c: sign(on("mycophenolate mofetil 500 mg tablet"), jakDraft("upadacitinib", 15)), want: w("combination-immunosuppressant", "warning")},
		{name: "upa 15 Olumiant", c: sign(on("Olumiant 2 mg tablet"), jakDraft("upadacitinib", 15)), want: w("combination-jak", "critical")},
		{name: "upa 15 Litfulo", c: sign(on("Litfulo 50 mg capsule"), jakDraft("upadacitinib", 15)), want: w("combination-jak", "critical")},
		{name: "upa 15 Sotyktu (TYK2)", c: sign(on("Sotyktu 6 mg tablet"), jakDraft("upadacitinib", 15)), want: w("combination-jak", "critical")},
	}
	runAcc(t, cases)
}

// patient-view on a course's state (ended, stopped, on hold, an outside
// statement) and the interactions it judges against the course's dose.
func TestAcceptanceLabsweepPatientViewCourseStates(t *testing.T) {
	cases := []accCase{
		{name: "pv ended course 30 days ago with tofacitinib", c: view(endedCourse("upadacitinib", 15, 30).replace(med("t", "active", rxnorm, "1357536", "tofacitinib", 5))), noCards: true},
		{name: "pv stopped course with sepsis", c: view(func() *record {
			r := cleanRecord()
			r.medications = append(r.medications, courseMed("u", "MedicationRequest", "stopped", "upadacitinib", 15, 30))
			return r
		}().replace(cond("inf", lsICD, "A41.9", "active"))), noCards: true},
		{name: "pv on-hold course with sepsis", c: view(func() *record {
			r := cleanRecord()
			r.medications = append(r.medications, courseMed("u", "MedicationRequest", "on-hold", "upadacitinib", 15, 30))
			return r
		}().replace(cond("inf", lsICD, "A41.9", "active"))), want: w("serious-infection-active", "critical")},
		{name: "pv abro statement active with clopidogrel day 30", c: view(func() *record {
			r := cleanRecord()
			r.medications = append(r.medications, courseMed("a", "MedicationStatement", "active", "abrocitinib", 100, 30))
			return r
		}().replace(med("c", "active", rxnorm, "309362", "clopidogrel 75 MG Oral Tablet", 5))), want: w("antiplatelet-abrocitinib", "critical")},
		{name: "pv abro with aspirin 81 daily day 30", c: view(func() *record {
			r := cleanRecord()
			r.medications = append(r.medications, courseMed("a", "MedicationRequest", "active", "abrocitinib", 100, 30))
			return r
		}().replace(onceDaily(med("c", "active", rxnorm, "243670", "aspirin 81 MG Oral Tablet", 5)))), absent: []string{"antiplatelet-abrocitinib"}},
		{name: "pv upa 30 with itraconazole", c: view(coursedAt("upadacitinib", 30, 100).replace(med("i", "active", rxnorm, "28031", "itraconazole 100 MG Oral Capsule", 5))), want: w("cyp-interaction", "warning"), dose: 15},
		{name: "pv abro 200 with fluoxetine started 10 days ago", c: view(coursedAt("abrocitinib", 200, 200).replace(med("i", "active", rxnorm, "4493", "fluoxetine 20 MG Oral Capsule", 10))), want: w("cyp-interaction", "warning"), dose: 50},
		{name: "pv abro 100 with fluoxetine started 100 days ago, course 200", c: view(coursedAt("abrocitinib", 100, 200).replace(med("i", "active", rxnorm, "4493", "fluoxetine 20 MG Oral Capsule", 100))), want: w("cyp-interaction", "warning")},
	}
	runAcc(t, cases)
}

// Monitoring on treatment (CIBINQO 4 weeks: CBC, lipids, liver; RINVOQ
// 12 weeks lipids) done with each code the knowledge base lists for the
// check, a panel's components included.
func TestAcceptanceLabsweepMonitoringCodes(t *testing.T) {
	panel := func(id, code string, days int, comps ...res) res {
		o := res{"resourceType": "Observation", "id": id, "status": "final", "code": coding(loinc, code), "effectiveDateTime": ago(days)}
		if len(comps) > 0 {
			var cs []any
			for _, c := range comps {
				cs = append(cs, c)
			}
			o["component"] = cs
		}
		return o
	}
	comp := func(code string, v float64, unit string) res {
		return res{"code": coding(loinc, code), "valueQuantity": res{"value": v, "system": "http://unitsofmeasure.org", "code": unit}}
	}
	base := func() *record { return coursed("abrocitinib", 60) }
	cases := []accCase{
		{name: "abro 60 days, nothing since", c: view(base()), want: w("monitoring-cbc-due", "warning", "monitoring-lipids-due", "warning", "monitoring-liver-due", "warning")},
		{name: "abro 60 days, CBC panel with components, lipid panel with LDL, ALT 1743-4", c: view(base().replace(panel("cbc", "58410-2", 20, comp("718-7", 13, "g/dL"), comp("777-3", 250, "10*3/uL"))).replace(panel("lip", "57698-3", 20, comp("18262-6", 100, "mg/dL"))).replace(qty("alt2", "1743-4", 20, "U/L", "", ago(20)))), noCards: true},
		{name: "abro 60 days, AST 30239-8, total cholesterol 2093-3, platelets 26515-7 only", c: view(base().replace(qty("ast", "30239-8", 20, "U/L", "", ago(20))).replace(qty("chol", "2093-3", 180, "mg/dL", "", ago(20))).replace(qty("plt2", "26515-7", 250, "10*3/uL", "", ago(20)))), noCards: true},
		{name: "abro 60 days, triglycerides 2571-8 only, Hb 20509-6, AST 1920-8", c: view(base().replace(qty("tg", "2571-8", 150, "mg/dL", "", ago(20))).replace(qty("hb2", "20509-6", 13, "g/dL", "", ago(20))).replace(qty("ast", "1920-8", 20, "U/L", "", ago(20)))), noCards: true},
		{name: "abro 60 days, HDL 2085-9, ALC 732-8, ALT", c: view(base().replace(qty("hdl", "2085-9", 50, "mg/dL", "", ago(20))).replace(qty("alc2", "732-8", 1.5, "10*3/uL", "", ago(20))).replace(qty("alt2", "1742-6", 20, "U/L", "", ago(20)))), noCards: true},
		{name: "abro 60 days, a leukocyte count (6690-2) alone is no CBC check", c: view(base().replace(qty("wbc", "6690-2", 6, "10*3/uL", "", ago(20))).replace(qty("hdl", "2085-9", 50, "mg/dL", "", ago(20))).replace(qty("alt2", "1742-6", 20, "U/L", "", ago(20)))), want: w("monitoring-cbc-due", "warning"), absent: []string{"monitoring-lipids-due", "monitoring-liver-due"}},
		{name: "upa 100 days, LDL 2089-1 since", c: view(coursed("upadacitinib", 100).replace(qty("ldl2", "2089-1", 100, "mg/dL", "", ago(20))).replace(qty("alt2", "1742-6", 20, "U/L", "", ago(20))).replace(qty("hb2", "718-7", 13, "g/dL", "", ago(20)))), noCards: true},
		{name: "upa 100 days, LDL 96259-7 since", c: view(coursed("upadacitinib", 100).replace(qty("ldl2", "96259-7", 100, "mg/dL", "", ago(20))).replace(qty("alt2", "1742-6", 20, "U/L", "", ago(20))).replace(qty("hb2", "718-7", 13, "g/dL", "", ago(20)))), noCards: true},
	}
	runAcc(t, cases)
}
