package hooks

import (
	"testing"
)

// The treatment course (contract 6.2) and one dose per order (6.3), and
// the December findings (6.4), as a pharmacist reviews them.

// stable is a patient on a six-month course of drug at mg, renewed every
// two months, with complete, recent, normal on-treatment labs and no
// pre-treatment screening on record at all.
func stable(drug string, mg int) *record {
	r := cleanRecord().drop("igra").drop("hbsag").drop("hbc").drop("hcv").drop("rzv").drop("dupi").drop("hcg")
	r.medications = append(r.medications,
		courseMed(drug+"-1", "MedicationRequest", "completed", drug, mg, 180),
		courseMed(drug+"-2", "MedicationRequest", "completed", drug, mg, 120),
		courseMed(drug+"-3", "MedicationRequest", "active", drug, mg, 60))
	return r
}

func TestAcceptanceCourseModel(t *testing.T) {
	low := func(id, loincCode string, v float64, unit string, days int) res {
		return qty(id, loincCode, v, unit, "", ago(days))
	}
	cases := []accCase{
		// A renewal of a stable patient: no warning or critical card at all.
		{name: "upadacitinib 15 mg renewal, stable", c: sign(stable("upadacitinib", 15), jakDraft("upadacitinib", 15)), onlyInfo: true},
		{name: "upadacitinib 30 mg renewal, stable", c: sign(stable("upadacitinib", 30), jakDraft("upadacitinib", 30)), onlyInfo: true},
		{name: "abrocitinib 100 mg renewal, stable", c: sign(stable("abrocitinib", 100), jakDraft("abrocitinib", 100)), onlyInfo: true},
		{name: "abrocitinib 200 mg renewal, stable", c: sign(stable("abrocitinib", 200), jakDraft("abrocitinib", 200)), onlyInfo: true},
		{name: "abrocitinib 200 mg renewal of a former smoker (risk known at the start)", c: sign(stable("abrocitinib", 200).replace(obsCode("smoke", "72166-2", "8517006", ago(300))), jakDraft("abrocitinib", 200)), onlyInfo: true},
		{name: "upadacitinib renewal of a 55-year-old with hypertension, no zoster vaccine", c: sign(stable("upadacitinib", 15).born(bornAged(55)).replace(cond("htn", sct, "59621000", "active")), jakDraft("upadacitinib", 15)), onlyInfo: true},
		{name: "abrocitinib renewal on order-select", c: call{hook: HookOrderSelect, r: stable("abrocitinib", 100), drafts: []res{jakDraft("abrocitinib", 100)}, selections: []string{"MedicationRequest/new"}}, onlyInfo: true},
		{name: "renewal with the course only on the outside list (statements)", c: sign(func() *record {
			r := cleanRecord().drop("igra").drop("hbsag").drop("hcv").drop("rzv").drop("hcg")
			r.medications = append(r.medications, courseMed("s1", "MedicationStatement", "completed", "abrocitinib", 100, 150), courseMed("s2", "MedicationStatement", "active", "abrocitinib", 100, 60))
			return r
		}(), jakDraft("abrocitinib", 100)), onlyInfo: true},
		{name: "patient-view of the stable patient", c: view(stable("abrocitinib", 100)), noCards: true},

		// Renewal with on-treatment values: the on-treatment thresholds.
		{name: "abrocitinib renewal, platelets 120,000: not below 50,000", c: sign(stable("abrocitinib", 100).replace(low("plt", "777-3", 120, "K/uL", 10)), jakDraft("abrocitinib", 100)), onlyInfo: true},
		{name: "abrocitinib renewal, platelets 45,000: discontinue", c: sign(stable("abrocitinib", 100).replace(low("plt", "777-3", 45, "K/uL", 10)), jakDraft("abrocitinib", 100)),
			want: w("thrombocytopenia", "critical"), summaryOf: map[string]string{"thrombocytopenia": "Discontinue abrocitinib"}},
		{name: "upadacitinib renewal, ALC 400: interrupt", c: sign(stable("upadacitinib", 15).replace(low("alc", "731-0", 400, "cells/uL", 10)), jakDraft("upadacitinib", 15)),
			want: w("lymphopenia", "critical"), summaryOf: map[string]string{"lymphopenia": "Interrupt upadacitinib"}},
		{name: "upadacitinib renewal, ANC 800 before the course, normal since: nothing", c: sign(stable("upadacitinib", 15).replace(low("anc0", "751-8", 800, "cells/uL", 200)), jakDraft("upadacitinib", 15)), onlyInfo: true},
		{name: "patient-view: platelets 40,000 after the first order of a renewed course", c: view(stable("abrocitinib", 100).replace(low("plt", "777-3", 40, "K/uL", 150))),
			// the later normal count from cleanRecord is dropped: the 40,000 is the newest
			want: w("thrombocytopenia", "critical")},
		{name: "abrocitinib renewal: no pregnancy test demanded monthly", c: sign(stable("abrocitinib", 100), jakDraft("abrocitinib", 100)), absent: []string{"pregnancy-test-missing"}},

		// A switch between the two drugs is an initiation of the new one.
		{name: "switch upadacitinib (stopped 20 days ago) to abrocitinib: screening and start thresholds", c: sign(func() *record {
			r := stable("upadacitinib", 15)
			r.drop("upadacitinib-3")
			m := courseMed("upadacitinib-3", "MedicationRequest", "stopped", "upadacitinib", 15, 60)
			m["dispenseRequest"] = res{"validityPeriod": res{"start": ago(60), "end": ago(20)}}
			r.medications = append(r.medications, m)
			return r.replace(low("plt", "777-3", 120, "K/uL", 10))
		}(), jakDraft("abrocitinib", 100)),
			want:   w("tb-screening-missing", "warning", "thrombocytopenia", "critical", "pregnancy-test-missing", "warning"),
			absent: []string{"combination-jak"}, summaryOf: map[string]string{"thrombocytopenia": "Do not start abrocitinib"}},
		{name: "switch with upadacitinib still active: combination too", c: sign(stable("upadacitinib", 15), jakDraft("abrocitinib", 100)),
			want: w("combination-jak", "critical", "tb-screening-missing", "warning")},
		{name: "switch: upadacitinib stopped today, abrocitinib ordered: no combination", c: sign(func() *record {
			r := stable("upadacitinib", 15).drop("upadacitinib-3")
			m := courseMed("upadacitinib-3", "MedicationRequest", "stopped", "upadacitinib", 15, 60)
			m["dispenseRequest"] = res{"validityPeriod": res{"start": ago(60), "end": ago(0)}}
			r.medications = append(r.medications, m)
			return r
		}(), jakDraft("abrocitinib", 100)), want: w("tb-screening-missing", "warning"), absent: []string{"combination-jak"}},
	}
	runAcc(t, cases)
}

func TestAcceptanceOneDosePerOrder(t *testing.T) {
	egfr := func(v float64) res { return qty("egfr", "98979-8", v, "mL/min/{1.73_m2}", "", ago(10)) }
	smoker := obsCode("smoke", "72166-2", "449868002", ago(10))
	pm := res{"resourceType": "Observation", "id": "cyp", "status": "final", "effectiveDateTime": ago(400),
		"code": res{"text": "CYP2C19 genotype"}, "valueCodeableConcept": res{"text": "Poor metabolizer (*2/*2)"}}
	childPugh := func(class string) res {
		return res{"resourceType": "Observation", "id": "cp", "status": "final", "effectiveDateTime": ago(30),
			"code": res{"text": "Child-Pugh score"}, "valueString": "Class " + class}
	}
	weight := func(kg float64) res { return qty("wt", "29463-7", kg, "kg", "", ago(20)) }
	onDrug := func(r *record, id, code, text string) *record {
		r.medications = append(r.medications, med(id, "active", rxnorm, code, text, 30))
		return r
	}
	cases := []accCase{
		{name: "upadacitinib 45 mg for a 70-year-old: 15 mg on every card", c: sign(cleanRecord().born(bornAged(70)).drop("hcg"), jakDraft("upadacitinib", 45)),
			want: w("dose-above-label", "warning", "lower-dose-recommended", "warning"), dose: 15},
		{name: "upadacitinib 30 mg for a 67-year-old smoker: 15 mg, the US label's age reason in the summary", c: sign(cleanRecord().born(bornAged(67)).drop("hcg").replace(smoker), jakDraft("upadacitinib", 30)),
			want: w("lower-dose-recommended", "warning", "smoker", "warning"), dose: 15,
			summaryOf: map[string]string{"lower-dose-recommended": "aged 65 or over (US label)"}},
		{name: "upadacitinib 30 mg for a 40-year-old smoker: 15 mg, EU advice", c: sign(cleanRecord().born(bornAged(40)).replace(smoker), jakDraft("upadacitinib", 30)),
			want: w("lower-dose-recommended", "warning", "smoker", "warning"), dose: 15,
			summaryOf: map[string]string{"lower-dose-recommended": "boxed-warning risks (smoking)"}},
		{name: "abrocitinib 200 mg, eGFR 45, smoker: 50 mg on every card", c: sign(cleanRecord().replace(egfr(45)).replace(smoker), jakDraft("abrocitinib", 200)),
			want: w("renal-impairment", "warning", "lower-dose-recommended", "warning"), dose: 50},
		{name: "abrocitinib 100 mg, eGFR 45: 50 mg", c: sign(cleanRecord().replace(egfr(45)), jakDraft("abrocitinib", 100)),
			want: w("renal-impairment", "warning"), dose: 50},
		{name: "abrocitinib 200 mg, CYP2C19 poor metabolizer: 50 mg", c: sign(cleanRecord().replace(pm), jakDraft("abrocitinib", 200)),
			want: w("cyp2c19-poor-metabolizer", "warning"), dose: 50},
		{name: "abrocitinib 200 mg, fluoxetine and eGFR 45 and a DVT: 50 mg", c: sign(onDrug(cleanRecord().replace(egfr(45)).replace(cond("dvt", sct, "128053003", "resolved")), "flx", "4493", "fluoxetine 20 MG"), jakDraft("abrocitinib", 200)),
			want: w("cyp-interaction", "warning", "renal-impairment", "warning", "lower-dose-recommended", "warning"), dose: 50},
		{name: "upadacitinib 30 mg with clarithromycin at 70: 15 mg", c: sign(onDrug(cleanRecord().born(bornAged(70)).drop("hcg"), "cla", "21212", "clarithromycin 500 MG"), jakDraft("upadacitinib", 30)),
			want: w("cyp-interaction", "warning", "lower-dose-recommended", "warning"), dose: 15},
		{name: "upadacitinib 30 mg, eGFR 20: 15 mg", c: sign(cleanRecord().replace(egfr(20)), jakDraft("upadacitinib", 30)),
			want: w("renal-impairment", "warning"), dose: 15},
		{name: "upadacitinib by product RxCUI, dose unreadable, aged 70: the 15 mg age limit is said", c: sign(cleanRecord().born(bornAged(70)).drop("hcg"),
			with(jakDraft("upadacitinib", 30), "medicationCodeableConcept", cc(rxnorm, "2196894", "", ""))),
			want: w("lower-dose-recommended", "warning"), dose: 15, summaryOf: map[string]string{"lower-dose-recommended": "aged 65 or over"}},
		{name: "upadacitinib by product RxCUI, dose unreadable, aged 60: only that the dose was not checked", c: sign(cleanRecord().born(bornAged(60)).drop("hcg"),
			with(jakDraft("upadacitinib", 30), "medicationCodeableConcept", cc(rxnorm, "2196894", "", ""))),
			want: w("dose-unknown", "info"), onlyInfo: true, noDose: true},
		{name: "renewal, dose unreadable, aged 70, course at 15 mg: nothing", c: sign(stable("upadacitinib", 15).born(bornAged(70)),
			with(jakDraft("upadacitinib", 30), "medicationCodeableConcept", cc(rxnorm, "2196894", "", ""))),
			onlyInfo: true},
		{name: "abrocitinib 200 mg for a 68-year-old (no US age cap)", c: sign(cleanRecord().born(bornAged(68)).drop("hcg"), jakDraft("abrocitinib", 200)),
			absent: []string{"lower-dose-recommended"}},
		// Not recommended: no dose to suggest.
		{name: "upadacitinib with eGFR 12: not recommended", c: sign(cleanRecord().replace(egfr(12)), jakDraft("upadacitinib", 15)),
			want: w("renal-impairment", "critical"), summaryOf: map[string]string{"renal-impairment": "Avoid upadacitinib"}},
		{name: "upadacitinib 30 mg, eGFR 12, aged 70: avoid, and no card suggests a dose", c: sign(cleanRecord().born(bornAged(70)).drop("hcg").replace(egfr(12)), jakDraft("upadacitinib", 30)),
			want: w("renal-impairment", "critical", "lower-dose-recommended", "warning"), noDose: true},
		{name: "upadacitinib 45 mg on dialysis: avoid, no dose", c: sign(cleanRecord().replace(cond("dial", icd, "Z99.2", "active")), jakDraft("upadacitinib", 45)),
			want: w("renal-impairment", "critical", "dose-above-label", "warning"), noDose: true},
		{name: "abrocitinib 200 mg, eGFR 20, smoker: avoid, no dose", c: sign(cleanRecord().replace(egfr(20)).replace(smoker), jakDraft("abrocitinib", 200)),
			want: w("renal-impairment", "critical", "lower-dose-recommended", "warning"), noDose: true},
		{name: "abrocitinib 200 mg, Child-Pugh C, poor metabolizer: avoid, no dose", c: sign(cleanRecord().replace(childPugh("C")).replace(pm), jakDraft("abrocitinib", 200)),
			want: w("severe-hepatic-impairment", "critical", "cyp2c19-poor-metabolizer", "warning"), noDose: true},
		{name: "upadacitinib on dialysis (Z99.2) with eGFR 40 on record: not recommended", c: sign(cleanRecord().replace(egfr(40)).replace(cond("dial", icd, "Z99.2", "active")), jakDraft("upadacitinib", 15)),
			want: w("renal-impairment", "critical")},
		{name: "upadacitinib with eGFR 15: severe, 15 mg", c: sign(cleanRecord().replace(egfr(15)), jakDraft("upadacitinib", 15)),
			want: w("renal-impairment", "warning")},
		{name: "abrocitinib with eGFR 29: not recommended", c: sign(cleanRecord().replace(egfr(29)), jakDraft("abrocitinib", 100)),
			want: w("renal-impairment", "critical")},
		{name: "abrocitinib with eGFR 30: 50 mg", c: sign(cleanRecord().replace(egfr(30)), jakDraft("abrocitinib", 100)),
			want: w("renal-impairment", "warning"), dose: 50},
		{name: "abrocitinib with eGFR 60: nothing", c: sign(cleanRecord().replace(egfr(60)), jakDraft("abrocitinib", 100)), noCards: true},
		// Hepatic impairment.
		{name: "cirrhosis, Child-Pugh A: nothing", c: sign(cleanRecord().replace(cond("cirr", sct, "19943007", "active")).replace(childPugh("A")), jakDraft("upadacitinib", 15)), noCards: true},
		{name: "cirrhosis, Child-Pugh B: nothing", c: sign(cleanRecord().replace(cond("cirr", sct, "19943007", "active")).replace(childPugh("B")), jakDraft("abrocitinib", 100)), noCards: true},
		{name: "cirrhosis, Child-Pugh C: avoid", c: sign(cleanRecord().replace(cond("cirr", sct, "19943007", "active")).replace(childPugh("C")), jakDraft("upadacitinib", 15)),
			want: w("severe-hepatic-impairment", "critical")},
		{name: "Child-Pugh score 11 (C) without a cirrhosis code: avoid", c: sign(cleanRecord().replace(res{"resourceType": "Observation", "id": "cp", "status": "final", "effectiveDateTime": ago(30),
			"code": res{"text": "Child-Pugh score"}, "valueInteger": 11}), jakDraft("abrocitinib", 100)), want: w("severe-hepatic-impairment", "critical")},
		{name: "compensated cirrhosis without a class: confirm the class (warning, no cancel)", c: sign(cleanRecord().replace(cond("cirr", icd, "K74.60", "active")), jakDraft("upadacitinib", 15)),
			want: w("severe-hepatic-impairment", "warning")},
		{name: "hepatic failure (decompensation) with Child-Pugh B on record: avoid", c: sign(cleanRecord().replace(cond("hf", icd, "K72.10", "active")).replace(childPugh("B")), jakDraft("upadacitinib", 15)),
			want: w("severe-hepatic-impairment", "critical")},
		// Age, weight and vaccines.
		{name: "12-year-old of 35 kg on upadacitinib", c: sign(cleanRecord().born(bornAged(12)).replace(weight(35)), jakDraft("upadacitinib", 15)),
			want: w("weight-below-label", "warning"), absent: []string{"age-not-approved"}},
		{name: "12-year-old of 35 kg on abrocitinib: no weight rule", c: sign(cleanRecord().born(bornAged(12)).replace(weight(35)), jakDraft("abrocitinib", 100)),
			absent: []string{"weight-below-label", "age-not-approved"}},
		{name: "12-year-old of 77 lb (35 kg) on upadacitinib", c: sign(cleanRecord().born(bornAged(12)).replace(qty("wt", "29463-7", 77, "[lb_av]", "", ago(20))), jakDraft("upadacitinib", 15)),
			want: w("weight-below-label", "warning")},
		{name: "15-year-old of 45 kg on upadacitinib: nothing", c: sign(cleanRecord().born(bornAged(15)).replace(weight(45)), jakDraft("upadacitinib", 15)), noCards: true},
		{name: "11-year-old: not approved", c: sign(cleanRecord().born(bornAged(11)), jakDraft("abrocitinib", 100)), want: w("age-not-approved", "critical")},
		{name: "35-year-old without a zoster vaccine", c: sign(cleanRecord().drop("rzv"), jakDraft("upadacitinib", 15)), want: w("zoster-vaccine-missing", "warning")},
		{name: "17-year-old without a zoster vaccine: not asked", c: sign(cleanRecord().born(bornAged(17)).drop("rzv"), jakDraft("upadacitinib", 15)), absent: []string{"zoster-vaccine-missing"}},
		{name: "digoxin with abrocitinib", c: sign(onDrug(cleanRecord(), "dig", "197604", "digoxin 0.125 MG Oral Tablet"), jakDraft("abrocitinib", 100)), want: w("pgp-substrate", "info")},
		{name: "digoxin with upadacitinib: nothing", c: sign(onDrug(cleanRecord(), "dig", "197604", "digoxin 0.125 MG Oral Tablet"), jakDraft("upadacitinib", 15)), noCards: true},
		// Tuberculosis known positive.
		{name: "treated latent TB: positive IGRA years ago, isoniazid completed", c: sign(func() *record {
			r := cleanRecord().replace(obsCode("igra", "71773-6", positive, ago(1500)))
			r.medications = append(r.medications, med("inh", "completed", rxnorm, "6038", "isoniazid", 1400))
			return r
		}(), jakDraft("upadacitinib", 15)), noCards: true},
		{name: "treated latent TB: history code Z86.15 and an old positive IGRA", c: sign(cleanRecord().replace(obsCode("igra", "71773-6", positive, ago(1500))).replace(cond("ltbi", icd, "Z86.15", "active")), jakDraft("upadacitinib", 15)),
			noCards: true},
		{name: "treated TB: history code Z86.11", c: sign(cleanRecord().drop("igra").replace(cond("tbh", icd, "Z86.11", "active")), jakDraft("abrocitinib", 100)),
			noCards: true},
		{name: "positive IGRA years ago, no treatment: treat first, no re-test", c: sign(cleanRecord().replace(obsCode("igra", "71773-6", positive, ago(1500))), jakDraft("upadacitinib", 15)),
			want: w("tb-latent-untreated", "critical"), absent: []string{"tb-screening-missing"}},
		{name: "latent TB Z22.7 on treatment (isoniazid active)", c: sign(func() *record {
			r := cleanRecord().drop("igra").replace(cond("ltbi", icd, "Z22.7", "active"))
			r.medications = append(r.medications, med("inh", "active", rxnorm, "6038", "isoniazid 300 MG", 30))
			return r
		}(), jakDraft("upadacitinib", 15)), noCards: true},
	}
	runAcc(t, cases)
}

// TestAcceptanceNoUnverifiedBannerOnAbsence: "no earlier systemic therapy
// on record" rests on nothing having matched; it carried the "not yet
// verified" banner on every card because the value set holds grade U
// codes, which did not bear on it.
func TestAcceptanceNoUnverifiedBannerOnAbsence(t *testing.T) {
	runAcc(t, []accCase{{name: "no prior systemic therapy: info, no unverified banner", c: sign(cleanRecord().drop("dupi"), jakDraft("upadacitinib", 15)),
		want: w("no-prior-systemic-therapy", "info"), notDetailOf: map[string]string{"no-prior-systemic-therapy": "not yet verified"}}})
}

// TestAcceptanceCourseStatementStatuses: a course on the outside list
// (MedicationStatement) counts by its status: active, intended and on-hold
// are a current course; completed and stopped a past one (recent here);
// not-taken, entered-in-error and unknown no course at all.
func TestAcceptanceCourseStatementStatuses(t *testing.T) {
	tofa := drugDraft("tofa", rxnorm, "1357541", "tofacitinib 5 MG Oral Tablet")
	var cases []accCase
	for _, st := range []struct {
		status           string
		current, counted bool
	}{
		{"active", true, true}, {"intended", true, true}, {"on-hold", true, true},
		{"completed", false, true}, {"stopped", false, true},
		{"not-taken", false, false}, {"entered-in-error", false, false}, {"unknown", false, false},
	} {
		r := func() *record {
			r := cleanRecord().replace(qty("alc", "731-0", 0.3, "K/uL", "", ago(5)))
			r.medications = append(r.medications, courseMed("s", "MedicationStatement", st.status, "upadacitinib", 15, 30))
			return r
		}
		pv := accCase{name: "patient-view, upadacitinib statement " + st.status + ", ALC 300", c: view(r())}
		if st.current {
			pv.want = w("lymphopenia", "critical")
		} else {
			pv.noCards = true
		}
		rev := accCase{name: "tofacitinib ordered, upadacitinib statement " + st.status, c: sign(r(), tofa)}
		if st.counted {
			rev.want = w("combination-jak", "critical")
		} else {
			rev.noCards = true
		}
		renew := accCase{name: "upadacitinib ordered, statement " + st.status + " 30 days ago, no IGRA", c: sign(r().drop("igra"), jakDraft("upadacitinib", 15))}
		// An intended statement plans the drug: a course for the
		// interactions, but the first order is a start, with screening.
		if st.counted && st.status != "intended" {
			renew.absent = []string{"tb-screening-missing"} // a continuation
		} else {
			renew.want = w("tb-screening-missing", "warning") // a start
		}
		cases = append(cases, pv, rev, renew)
	}
	runAcc(t, cases)
}
