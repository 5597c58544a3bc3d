package hooks

import (
	"fmt"
	"testing"
)

// A clinical pharmacist's second review of the reverse direction (contract
// 6.1-6.2): a drug that interacts with the patient's upadacitinib or
// abrocitinib course is ordered. The first sweeps (acceptance_reverse,
// acceptance_rxcourse, acceptance_review2, acceptance_drugs) cover every
// value-set code and name, the course statuses and start forms; this file
// covers what they leave: the 90-day recency boundary for each way a
// course ends, the course of the other drug, combination products, local
// forms, non-live vaccines, aspirin at the antiplatelet boundary,
// order-select with several drafts, and the patient-view twins.

// endedStatement is the clean record with an outside-list (statement)
// course of drug that ended days ago (effectivePeriod.end).
func endedStatement(drug string, mg, days int) *record {
	r := cleanRecord()
	m := courseMed(drug+"-s", "MedicationStatement", "completed", drug, mg, days+60)
	delete(m, "effectiveDateTime")
	m["effectivePeriod"] = res{"start": ago(days + 60), "end": ago(days)}
	r.medications = append(r.medications, m)
	return r
}

func TestAcceptanceReverseRecencyBoundary(t *testing.T) {
	tofa := drugDraft("x", rxnorm, "1357541", "tofacitinib 5 MG Oral Tablet")
	var cases []accCase
	for _, drug := range []string{"upadacitinib", "abrocitinib"} {
		mg := map[string]int{"upadacitinib": 15, "abrocitinib": 100}[drug]
		for _, d := range []int{89, 90, 91} {
			for _, f := range []struct {
				name string
				r    *record
			}{
				{"order validityPeriod.end", endedCourse(drug, mg, d)},
				{"statement effectivePeriod.end", endedStatement(drug, mg, d)},
				// A stopped order with no end date ends on its start day.
				{"stopped order, no end date", func() *record {
					r := cleanRecord()
					r.medications = append(r.medications, courseMed(drug+"-1", "MedicationRequest", "stopped", drug, mg, d))
					return r
				}()},
			} {
				c := accCase{name: fmt.Sprintf("tofacitinib ordered, %s course ended %d days ago (%s)", drug, d, f.name), c: sign(f.r, tofa)}
				if d <= 90 {
					c.want = w("combination-jak", "critical")
					c.detailOf = map[string]string{"combination-jak": fmt.Sprintf("%d days ago", d)}
				} else {
					c.noCards = true
				}
				cases = append(cases, c)
			}
		}
	}
	runAcc(t, cases)
}

// rxText is a draft order named by text only.
func rxText(text string) res { return drugDraft("x", "", "", text) }

// TestAcceptanceReverseProducts: the interacting drug as EHRs name it:
// combination products, local forms, non-live and live vaccines, a
// referenced or contained Medication, and drugs the label pairs only with
// the other JAK inhibitor.
func TestAcceptanceReverseProducts(t *testing.T) {
	upa := func() *record { return onCourseAt("upadacitinib", 30, 60) }
	upa15 := func() *record { return onCourseAt("upadacitinib", 15, 60) }
	abro := func() *record { return onCourseAt("abrocitinib", 100, 30) }
	abroLate := func() *record { return onCourseAt("abrocitinib", 100, 200) }
	cases := []accCase{
		// Combination products holding a strong CYP3A4 inhibitor.
		{name: "nirmatrelvir/ritonavir by RxNorm name, upadacitinib 30", c: sign(upa(), rxText("nirmatrelvir 150 MG / ritonavir 100 MG Oral Tablet")), want: w("cyp-interaction", "warning"), dose: 15},
		{name: "lopinavir/ritonavir (Kaletra), upadacitinib 30", c: sign(upa(), rxText("Kaletra 200 mg-50 mg tablet")), want: w("cyp-interaction", "warning"), dose: 15},
		{name: "lopinavir / ritonavir oral solution, upadacitinib 30", c: sign(upa(), rxText("lopinavir 80 MG/ML / ritonavir 20 MG/ML Oral Solution")), want: w("cyp-interaction", "warning"), dose: 15},
		{name: "Genvoya (cobicistat-boosted), upadacitinib 30", c: sign(upa(), rxText("Genvoya tablet")), want: w("cyp-interaction", "warning"), dose: 15},
		{name: "darunavir/cobicistat, upadacitinib 30", c: sign(upa(), rxText("darunavir 800 MG / cobicistat 150 MG Oral Tablet")), want: w("cyp-interaction", "warning"), dose: 15},
		{name: "Biktarvy (no booster), upadacitinib 30: nothing", c: sign(upa(), rxText("Biktarvy 50-200-25 mg tablet")), noCards: true},
		{name: "lansoprazole/amoxicillin/clarithromycin pack, upadacitinib 30", c: sign(upa(), rxText("lansoprazole 30 MG / amoxicillin 500 MG / clarithromycin 500 MG Pack")), want: w("cyp-interaction", "warning"), dose: 15},
		{name: "rifampin/isoniazid (Rifamate), abrocitinib: avoid", c: sign(abroLate(), rxText("Rifamate capsule")), want: w("cyp-interaction", "warning"), noDose: true},
		{name: "olanzapine/fluoxetine (Symbyax), abrocitinib 100: 50 mg", c: sign(abroLate(), rxText("olanzapine 6 MG / fluoxetine 25 MG Oral Capsule")), want: w("cyp-interaction", "warning"), dose: 50},
		// Moderate inhibitors the labels do not name: no card.
		{name: "fluconazole, upadacitinib (moderate CYP3A4 inhibitor): nothing", c: sign(upa(), rxText("fluconazole 150 MG Oral Tablet")), noCards: true},
		{name: "diltiazem, upadacitinib: nothing", c: sign(upa(), rxText("diltiazem 120 MG ER capsule")), noCards: true},
		{name: "erythromycin, upadacitinib: nothing", c: sign(upa(), rxText("erythromycin 500 MG Oral Tablet")), noCards: true},
		{name: "omeprazole, abrocitinib: nothing", c: sign(abroLate(), rxText("omeprazole 20 MG DR capsule")), noCards: true},
		{name: "oxcarbazepine, upadacitinib: nothing", c: sign(upa(), rxText("oxcarbazepine 300 MG Oral Tablet")), noCards: true},
		{name: "rifaximin, abrocitinib: nothing", c: sign(abroLate(), rxText("rifaximin 550 MG Oral Tablet")), noCards: true},
		{name: "rifabutin, upadacitinib: nothing", c: sign(upa(), rxText("rifabutin 150 MG Oral Capsule")), noCards: true},
		// Drugs the label pairs only with the other JAK inhibitor.
		{name: "clarithromycin, abrocitinib: nothing", c: sign(abroLate(), drugDraft("x", rxnorm, "21212", "clarithromycin")), noCards: true},
		{name: "fluoxetine, upadacitinib: nothing", c: sign(upa(), drugDraft("x", rxnorm, "4493", "fluoxetine")), noCards: true},
		{name: "digoxin, upadacitinib: nothing", c: sign(upa(), drugDraft("x", rxnorm, "3407", "digoxin")), noCards: true},
		{name: "clopidogrel, upadacitinib 30 days: nothing", c: sign(onCourseAt("upadacitinib", 15, 30), drugDraft("x", rxnorm, "32968", "clopidogrel")), noCards: true},
		// Local forms of CYP drugs and immunosuppressants.
		{name: "ketoconazole 2 % gel, upadacitinib 30: nothing", c: sign(upa(), rxText("ketoconazole 2 % gel")), noCards: true},
		{name: "Xolegel (ketoconazole 2 % gel) on the chart, patient-view upadacitinib 30: nothing", c: view(func() *record {
			r := upa()
			r.medications = append(r.medications, med("keto", "active", "", "", "ketoconazole 2 % gel (Xolegel)", 5))
			return r
		}()), noCards: true},
		{name: "St. John's wort liquid gel capsule, upadacitinib: a gel capsule is swallowed", c: sign(upa15(), rxText("St. John's Wort 300 mg liquid gel capsule")), want: w("cyp-interaction", "warning")},
		{name: "carbamazepine Liqui-Gel, upadacitinib: swallowed", c: sign(upa15(), rxText("carbamazepine 200 mg liqui-gel")), want: w("cyp-interaction", "warning")},
		{name: "ketoconazole 2 % Topical Cream, upadacitinib 30: nothing", c: sign(upa(), drugDraft("x", rxnorm, "6135", "ketoconazole 2 % Topical Cream")), noCards: true},
		{name: "ketoconazole 200 mg tablet, upadacitinib 30: 15 mg", c: sign(upa(), drugDraft("x", rxnorm, "6135", "ketoconazole 200 MG Oral Tablet")), want: w("cyp-interaction", "warning"), dose: 15},
		{name: "pimecrolimus cream (Elidel), upadacitinib: nothing", c: sign(upa15(), rxText("pimecrolimus 1 % cream (Elidel)")), noCards: true},
		{name: "tacrolimus 0.03 % ointment by code and text, upadacitinib: nothing", c: sign(upa15(), drugDraft("x", rxnorm, "42316", "tacrolimus 0.03 % Topical Ointment")), noCards: true},
		{name: "tacrolimus 1 mg capsule, upadacitinib", c: sign(upa15(), drugDraft("x", rxnorm, "198377", "tacrolimus 1 MG Oral Capsule")), want: w("combination-immunosuppressant", "warning")},
		{name: "cyclosporine 0.09 % ophthalmic solution (Cequa), abrocitinib: nothing", c: sign(abroLate(), rxText("cyclosporine 0.9 MG/ML Ophthalmic Solution")), noCards: true},
		{name: "cyclosporine 100 mg capsule (Neoral), abrocitinib", c: sign(abroLate(), rxText("Neoral 100 mg capsule")), want: w("combination-immunosuppressant", "warning")},
		{name: "ruxolitinib 10 mg tablet (Jakafi), abrocitinib", c: sign(abroLate(), rxText("Jakafi 10 mg tablet")), want: w("combination-jak", "critical")},
		// Antiplatelet combinations (abrocitinib, day 30).
		{name: "clopidogrel 75 mg / aspirin 81 mg: antiplatelet, aspirin dose no excuse", c: sign(abro(), onceDaily(rxText("clopidogrel 75 MG / aspirin 81 MG Oral Tablet"))), want: w("antiplatelet-abrocitinib", "critical")},
		{name: "Aggrenox (aspirin/dipyridamole) by code", c: sign(abro(), drugDraft("x", rxnorm, "259081", "")), want: w("antiplatelet-abrocitinib", "critical")},
		{name: "aspirin/dipyridamole by name", c: sign(abro(), onceDaily(rxText("aspirin 25 MG / dipyridamole 200 MG ER capsule"))), want: w("antiplatelet-abrocitinib", "critical")},
		{name: "aspirin 325 mg / oxycodone once daily: above 81 mg", c: sign(abro(), onceDaily(rxText("aspirin 325 MG / oxycodone hydrochloride 4.84 MG Oral Tablet"))), want: w("antiplatelet-abrocitinib", "critical")},
		{name: "butalbital/aspirin/caffeine, no dose: unknown aspirin dose", c: sign(abro(), rxText("butalbital 50 MG / aspirin 325 MG / caffeine 40 MG Oral Capsule")), want: w("antiplatelet-abrocitinib", "critical")},
		{name: "prasugrel (Effient) on abrocitinib day 30", c: sign(abro(), rxText("Effient 10 mg tablet")), want: w("antiplatelet-abrocitinib", "critical")},
		{name: "ticlopidine on abrocitinib day 30: antiplatelet and CYP2C19", c: sign(abro(), drugDraft("x", rxnorm, "10594", "ticlopidine")), want: w("antiplatelet-abrocitinib", "critical", "cyp-interaction", "warning")},
		{name: "ticlopidine on abrocitinib day 200: CYP2C19 only", c: sign(abroLate(), drugDraft("x", rxnorm, "10594", "ticlopidine")), want: w("cyp-interaction", "warning"), absent: []string{"antiplatelet-abrocitinib"}},
		{name: "heparin (an anticoagulant), abrocitinib day 30: nothing", c: sign(abro(), rxText("heparin 5000 UNT/ML Injectable Solution")), noCards: true},
		{name: "apixaban (an anticoagulant), abrocitinib day 30: nothing", c: sign(abro(), rxText("apixaban 5 MG Oral Tablet")), noCards: true},
		// Vaccines that are not live.
		{name: "inactivated influenza (Fluzone), upadacitinib: nothing", c: sign(upa15(), rxText("Fluzone High-Dose Quadrivalent (influenza vaccine, inactivated)")), noCards: true},
		{name: "influenza vaccine CVX 158 (IIV4), abrocitinib: nothing", c: sign(abroLate(), drugDraft("x", cvx, "158", "influenza, injectable, quadrivalent")), noCards: true},
		{name: "recombinant zoster vaccine by name, upadacitinib: nothing", c: sign(upa15(), rxText("zoster vaccine recombinant, adjuvanted")), noCards: true},
		{name: "COVID-19 mRNA vaccine, upadacitinib: nothing", c: sign(upa15(), rxText("COVID-19 mRNA vaccine (Comirnaty) 2024-2025")), noCards: true},
		{name: "Typhim Vi (typhoid polysaccharide), abrocitinib: nothing", c: sign(abroLate(), rxText("Typhim Vi typhoid Vi polysaccharide vaccine")), noCards: true},
		{name: "JYNNEOS (CVX 206, non-replicating), upadacitinib: nothing", c: sign(upa15(), drugDraft("x", cvx, "206", "JYNNEOS smallpox and mpox vaccine")), noCards: true},
		{name: "Vimkunya (chikungunya VLP, CVX 329), abrocitinib: nothing", c: sign(abroLate(), drugDraft("x", cvx, "329", "Vimkunya chikungunya vaccine")), noCards: true},
		{name: "IPV (inactivated polio), upadacitinib: nothing", c: sign(upa15(), rxText("poliovirus vaccine, inactivated (IPOL)")), noCards: true},
		{name: "pneumococcal conjugate, upadacitinib: nothing", c: sign(upa15(), rxText("pneumococcal 20-valent conjugate vaccine (Prevnar 20)")), noCards: true},
		{name: "hepatitis B vaccine (Heplisav-B), abrocitinib: nothing", c: sign(abroLate(), rxText("Heplisav-B hepatitis B vaccine")), noCards: true},
		{name: "varicella zoster immune globulin, upadacitinib: nothing", c: sign(upa15(), rxText("VariZIG varicella zoster immune globulin")), noCards: true},
		// Live vaccines.
		{name: "influenza virus vaccine, live, intranasal by name, upadacitinib", c: sign(upa15(), rxText("influenza virus vaccine, live, intranasal")), want: w("live-vaccine-ordered", "warning")},
		// A live vaccine named only by its CVX description (a local code
		// whose display is the CVX text, or a ServiceRequest by name).
		{name: "'influenza, live, intranasal, quadrivalent' by name, abrocitinib", c: sign(abroLate(), drugDraft("x", "urn:oid:2.16.840.1.113883.3.999.3", "IMM-149", "influenza, live, intranasal, quadrivalent")), want: w("live-vaccine-ordered", "warning")},
		{name: "'zoster vaccine, live' by name, upadacitinib", c: sign(upa15(), rxText("zoster vaccine, live")), want: w("live-vaccine-ordered", "warning")},
		{name: "'typhoid vaccine, live, oral' by name, upadacitinib", c: sign(upa15(), rxText("typhoid vaccine, live, oral")), want: w("live-vaccine-ordered", "warning")},
		{name: "'Bacillus Calmette-Guerin vaccine' by name, abrocitinib", c: sign(abroLate(), rxText("Bacillus Calmette-Guerin vaccine")), want: w("live-vaccine-ordered", "warning")},
		{name: "'cholera, live attenuated' by name, upadacitinib", c: sign(upa15(), rxText("cholera, live attenuated")), want: w("live-vaccine-ordered", "warning")},
		{name: "'poliovirus vaccine, live, oral' by name, upadacitinib", c: sign(upa15(), rxText("poliovirus vaccine, live, oral, trivalent")), want: w("live-vaccine-ordered", "warning")},
		{name: "'Chikungunya live attenuated vaccine' by name, abrocitinib", c: sign(abroLate(), rxText("Chikungunya live attenuated vaccine, PF")), want: w("live-vaccine-ordered", "warning")},
		{name: "'dengue fever tetravalent (live)' by name, abrocitinib", c: sign(abroLate(), rxText("dengue fever tetravalent (live)")), want: w("live-vaccine-ordered", "warning")},
		{name: "'vaccinia (smallpox) vaccine, live' by name, upadacitinib", c: sign(upa15(), rxText("vaccinia (smallpox) vaccine, live")), want: w("live-vaccine-ordered", "warning")},
		{name: "'Ebola Zaire vaccine, live' by name, upadacitinib", c: sign(upa15(), rxText("Ebola Zaire vaccine, live, recombinant")), want: w("live-vaccine-ordered", "warning")},
		{name: "'influenza nasal, unspecified formulation' by name, upadacitinib", c: sign(upa15(), rxText("influenza nasal, unspecified formulation")), want: w("live-vaccine-ordered", "warning")},
		{name: "JYNNEOS by its CVX description ('... vaccine live, PF ...'), upadacitinib: nothing", c: sign(upa15(), rxText("Vaccinia, smallpox Mpox vaccine live, PF, SQ or ID injection")), noCards: true},
		{name: "'Chikungunya, VLP, recombinant' by name, abrocitinib: nothing", c: sign(abroLate(), rxText("Chikungunya, VLP, recombinant")), noCards: true},
		{name: "'influenza, injectable, quadrivalent' by name, upadacitinib: nothing", c: sign(upa15(), rxText("influenza, injectable, quadrivalent, preservative free")), noCards: true},
		{name: "LAIV CVX 149, abrocitinib", c: sign(abroLate(), drugDraft("x", cvx, "149", "")), want: w("live-vaccine-ordered", "warning")},
		{name: "oral typhoid CVX 25, upadacitinib", c: sign(upa15(), drugDraft("x", cvx, "25", "")), want: w("live-vaccine-ordered", "warning")},
		{name: "BCG CVX 19, abrocitinib", c: sign(abroLate(), drugDraft("x", cvx, "19", "")), want: w("live-vaccine-ordered", "warning")},
		{name: "rotavirus CVX 119, upadacitinib", c: sign(upa15(), drugDraft("x", cvx, "119", "")), want: w("live-vaccine-ordered", "warning")},
		{name: "cholera live CVX 174 (Vaxchora), upadacitinib", c: sign(upa15(), drugDraft("x", cvx, "174", "")), want: w("live-vaccine-ordered", "warning")},
		{name: "chikungunya live CVX 317 (Ixchiq), abrocitinib", c: sign(abroLate(), drugDraft("x", cvx, "317", "")), want: w("live-vaccine-ordered", "warning")},
		{name: "Ebola live CVX 204 (Ervebo), upadacitinib", c: sign(upa15(), drugDraft("x", cvx, "204", "")), want: w("live-vaccine-ordered", "warning")},
		{name: "dengue live CVX 56, abrocitinib", c: sign(abroLate(), drugDraft("x", cvx, "56", "")), want: w("live-vaccine-ordered", "warning")},
		{name: "ACAM2000 by name, upadacitinib", c: sign(upa15(), rxText("ACAM2000 smallpox vaccine")), want: w("live-vaccine-ordered", "warning")},
		{name: "Zostavax by name on the outside course (statement), abrocitinib", c: sign(func() *record {
			r := cleanRecord()
			r.medications = append(r.medications, courseMed("a-s", "MedicationStatement", "active", "abrocitinib", 100, 30))
			return r
		}(), rxText("Zostavax")), want: w("live-vaccine-ordered", "warning")},
		// The drug in a referenced or contained Medication of the draft.
		{name: "clopidogrel in a contained Medication (NDC-less, by code)", c: sign(abro(), func() res {
			m := drugDraft("x", "", "", "")
			delete(m, "medicationCodeableConcept")
			m["medicationReference"] = res{"reference": "#med"}
			m["contained"] = []any{res{"resourceType": "Medication", "id": "med", "code": cc(rxnorm, "309362", "", "")}}
			return m
		}()), want: w("antiplatelet-abrocitinib", "critical")},
		{name: "tofacitinib named only in medicationReference.display", c: sign(upa15(), func() res {
			m := drugDraft("x", "", "", "")
			delete(m, "medicationCodeableConcept")
			m["medicationReference"] = res{"reference": "Medication/m-unknown", "display": "tofacitinib 5 mg tablet"}
			return m
		}()), want: w("combination-jak", "critical")},
	}
	runAcc(t, cases)
}

// TestAcceptanceReverseAntiplateletDays: the first 3 months of abrocitinib
// (days 0-90) for each antiplatelet form at N-1, N, N+1, ordered and on
// the chart; aspirin 81 mg never, 325 mg and clopidogrel/aspirin like
// clopidogrel; and an abrocitinib course that has not started yet.
func TestAcceptanceReverseAntiplateletDays(t *testing.T) {
	drafts := []struct {
		name string
		m    func(id, status string) res
		flag bool
	}{
		{"aspirin 81 mg once daily", func(id, st string) res { return aspirinOrder(id, st, "1191", "aspirin", 81, 1, "") }, false},
		{"aspirin 162 mg once daily", func(id, st string) res { return aspirinOrder(id, st, "1191", "aspirin", 162, 1, "") }, true},
		{"aspirin 325 mg once daily", func(id, st string) res {
			return aspirinOrder(id, st, "212033", "aspirin 325 MG Oral Tablet", 325, 1, "")
		}, true},
		{"aspirin 325 mg every 6 hours as needed", func(id, st string) res {
			return aspirinOrder(id, st, "", "aspirin 325 mg tablet", 0, 0, "Take 1 tablet every 6 hours as needed for pain")
		}, true},
		{"ticagrelor 90 mg", func(id, st string) res {
			return with(med(id, st, rxnorm, "1116635", "ticagrelor 90 MG Oral Tablet", 3), "subject", res{"reference": "Patient/p1"})
		}, true},
		{"clopidogrel/aspirin 75/81", func(id, st string) res {
			return with(onceDaily(med(id, st, "", "", "clopidogrel 75 mg / aspirin 81 mg tablet", 3)), "subject", res{"reference": "Patient/p1"})
		}, true},
	}
	var cases []accCase
	for _, d := range drafts {
		for _, day := range []int{0, 89, 90, 91} {
			c := accCase{name: fmt.Sprintf("%s ordered on abrocitinib day %d", d.name, day), c: sign(onCourseAt("abrocitinib", 100, day), d.m("asa", "draft"))}
			pvr := onCourseAt("abrocitinib", 100, day)
			pvr.medications = append(pvr.medications, d.m("asa", "active"))
			pv := accCase{name: fmt.Sprintf("patient-view: %s on the chart, abrocitinib day %d", d.name, day), c: view(pvr)}
			if d.flag && day <= 90 {
				c.want, pv.want = w("antiplatelet-abrocitinib", "critical"), w("antiplatelet-abrocitinib", "critical")
			} else {
				c.noCards, pv.absent = true, []string{"antiplatelet-abrocitinib"}
			}
			cases = append(cases, c, pv)
		}
	}
	// An abrocitinib order that starts next week (validityPeriod.start in
	// the future, no authoredOn): the first 3 months lie ahead.
	future := func() *record {
		r := cleanRecord()
		m := courseMed("abro-1", "MedicationRequest", "active", "abrocitinib", 100, 0)
		delete(m, "authoredOn")
		m["dispenseRequest"] = res{"validityPeriod": res{"start": testNow.AddDate(0, 0, 7).Format("2006-01-02")}}
		r.medications = append(r.medications, m)
		return r
	}
	cases = append(cases,
		accCase{name: "clopidogrel ordered, abrocitinib starts in 7 days", c: sign(future(), drugDraft("x", rxnorm, "32968", "clopidogrel")), want: w("antiplatelet-abrocitinib", "critical")},
		accCase{name: "MMR ordered, abrocitinib starts in 7 days (immediately before)", c: sign(future(), drugDraft("x", cvx, "03", "MMR")), want: w("live-vaccine-ordered", "warning")},
	)
	runAcc(t, cases)
}

// TestAcceptanceReverseSessions: several interacting drafts in one call,
// and order-select naming only some of them.
func TestAcceptanceReverseSessions(t *testing.T) {
	clop := drugDraft("clop", rxnorm, "32968", "clopidogrel 75 MG Oral Tablet")
	fluc := drugDraft("fluc", rxnorm, "4450", "fluconazole 150 MG Oral Tablet")
	dig := drugDraft("dig", rxnorm, "3407", "digoxin 0.125 MG Oral Tablet")
	mmr := serviceDraft("mmr", "draft", cvx, "03", "MMR vaccine")
	tofa := drugDraft("tofa", rxnorm, "1357541", "tofacitinib 5 MG Oral Tablet")
	amox := drugDraft("amox", rxnorm, "308191", "amoxicillin 500 MG Oral Capsule")
	abro := func() *record { return onCourseAt("abrocitinib", 100, 30) }
	all := []string{"antiplatelet-abrocitinib", "cyp-interaction", "pgp-substrate", "live-vaccine-ordered", "combination-jak"}
	except := func(keep ...string) []string {
		var out []string
		for _, c := range all {
			if !slicesContains(keep, c) {
				out = append(out, c)
			}
		}
		return out
	}
	cases := []accCase{
		{name: "order-sign: five interacting drafts on abrocitinib day 30, each its card", c: sign(abro(), clop, fluc, dig, mmr, tofa, amox),
			want: w("antiplatelet-abrocitinib", "critical", "cyp-interaction", "warning", "pgp-substrate", "info", "live-vaccine-ordered", "warning", "combination-jak", "critical")},
		{name: "order-select: only fluconazole selected", c: call{hook: HookOrderSelect, r: abro(), drafts: []res{clop, fluc, dig, mmr, tofa, amox}, selections: []string{"MedicationRequest/fluc"}},
			want: w("cyp-interaction", "warning"), absent: except("cyp-interaction")},
		{name: "order-select: clopidogrel and the MMR ServiceRequest selected", c: call{hook: HookOrderSelect, r: abro(), drafts: []res{clop, fluc, dig, mmr, tofa, amox}, selections: []string{"MedicationRequest/clop", "ServiceRequest/mmr"}},
			want: w("antiplatelet-abrocitinib", "critical", "live-vaccine-ordered", "warning"), absent: except("antiplatelet-abrocitinib", "live-vaccine-ordered")},
		{name: "order-select: only amoxicillin selected: nothing", c: call{hook: HookOrderSelect, r: abro(), drafts: []res{clop, fluc, dig, mmr, tofa, amox}, selections: []string{"MedicationRequest/amox"}}, noCards: true},
		// A patient on both drugs (a switch not yet closed on the chart):
		// fluconazole pairs with abrocitinib only, clarithromycin with
		// upadacitinib only; tofacitinib is one combination card per course.
		{name: "on both drugs: fluconazole ordered pairs with abrocitinib", c: sign(func() *record {
			r := onCourseAt("abrocitinib", 100, 30)
			r.medications = append(r.medications, courseMed("u-1", "MedicationRequest", "active", "upadacitinib", 15, 200))
			return r
		}(), fluc), want: w("cyp-interaction", "warning"), summaryOf: map[string]string{"cyp-interaction": "abrocitinib"}},
		{name: "on both drugs: clarithromycin ordered pairs with upadacitinib", c: sign(func() *record {
			r := onCourseAt("abrocitinib", 100, 30)
			r.medications = append(r.medications, courseMed("u-1", "MedicationRequest", "active", "upadacitinib", 30, 200))
			return r
		}(), drugDraft("x", rxnorm, "21212", "clarithromycin")), want: w("cyp-interaction", "warning"), dose: 15, summaryOf: map[string]string{"cyp-interaction": "upadacitinib"}},
	}
	runAcc(t, cases)
}

func slicesContains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// TestAcceptanceReverseCancelNamesTheDraft: with several interacting
// drafts in one call, each card's cancel action deletes the draft its
// finding is about, never another one (a wrong delete removes a safe
// order and keeps the dangerous one).
func TestAcceptanceReverseCancelNamesTheDraft(t *testing.T) {
	drafts := []res{
		drugDraft("clop", rxnorm, "32968", "clopidogrel 75 MG Oral Tablet"),
		drugDraft("fluc", rxnorm, "4450", "fluconazole 150 MG Oral Tablet"),
		drugDraft("tofa", rxnorm, "1357541", "tofacitinib 5 MG Oral Tablet"),
		serviceDraft("mmr", "draft", cvx, "03", "MMR vaccine"),
		drugDraft("amox", rxnorm, "308191", "amoxicillin 500 MG Oral Capsule"),
	}
	want := map[string]string{"antiplatelet-abrocitinib": "MedicationRequest/clop", "cyp-interaction": "MedicationRequest/fluc",
		"combination-jak": "MedicationRequest/tofa", "live-vaccine-ordered": "ServiceRequest/mmr"}
	s := newTestServer(t, serverOpts{noStore: true})
	rec := s.do(t, "POST", "/cds-services/"+HookOrderSign, sign(onCourseAt("abrocitinib", 100, 30), drafts...).body(t))
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
	}
	cs := checkResponse(t, rec.Body.Bytes())
	seen := map[string]bool{}
	for _, c := range cs {
		for _, f := range c.Findings() {
			id, ok := want[f]
			if !ok {
				t.Errorf("unexpected finding %s", f)
				continue
			}
			seen[f] = true
			var deletes []string
			for _, sg := range c.Suggestions {
				for _, a := range sg.Actions {
					if a.Type == "delete" {
						deletes = append(deletes, a.ResourceID)
					}
				}
			}
			if len(deletes) == 0 {
				t.Errorf("%s: no cancel action", f)
			}
			for _, d := range deletes {
				if d != id {
					t.Errorf("%s: cancel deletes %s, want %s", f, d, id)
				}
			}
		}
	}
	for f := range want {
		if !seen[f] {
			t.Errorf("missing %s: %s", f, cardSummaries(cs))
		}
	}
}

// TestAcceptanceReverseStoppedBeforeItsEnd: an order stopped before the
// end of its validity period keeps the planned end, in the future; the
// course ended by today, and the card never says "-30 days ago".
func TestAcceptanceReverseStoppedBeforeItsEnd(t *testing.T) {
	var cases []accCase
	for _, st := range []string{"stopped", "completed"} {
		for _, rt := range []string{"MedicationRequest", "MedicationStatement"} {
			r := cleanRecord()
			m := courseMed("u-1", rt, st, "upadacitinib", 15, 60)
			future := testNow.AddDate(0, 0, 30).Format("2006-01-02")
			if rt == "MedicationRequest" {
				m["dispenseRequest"] = res{"validityPeriod": res{"start": ago(60), "end": future}}
			} else {
				delete(m, "effectiveDateTime")
				m["effectivePeriod"] = res{"start": ago(60), "end": future}
			}
			r.medications = append(r.medications, m)
			detail := "ended on " + ago(0) + " (0 days ago"
			if st == "completed" {
				// Completed with its end ahead: still taken, the course
				// ongoing (bbabro question 3, decided; it read "ended on
				// <today> (0 days ago").
				detail = "current (" + rt + "/u-1, completed; its end date or supply runs to " + future + ": read as still taken)"
			}
			cases = append(cases, accCase{name: rt + " " + st + " with its planned end in 30 days: tofacitinib ordered",
				c: sign(r, drugDraft("x", rxnorm, "1357541", "tofacitinib 5 MG Oral Tablet")), want: w("combination-jak", "critical"),
				detailOf: map[string]string{"combination-jak": detail}, notDetailOf: map[string]string{"combination-jak": "-30 days"}})
		}
	}
	runAcc(t, cases)
}

// homeMed is a documented home medication as Oracle Health (Cerner) sends
// it: a MedicationRequest with intent "plan", reported by the patient.
func homeMed(m res, intent string) res {
	m["intent"], m["reportedBoolean"] = intent, true
	return m
}

// TestAcceptanceReverseDocumentedHomeMedication: a course known only from
// a documented home medication (intent "plan") counts, as an intended
// statement does; a proposal does not.
func TestAcceptanceReverseDocumentedHomeMedication(t *testing.T) {
	rec := func(intent, status string) *record {
		r := cleanRecord().drop("igra")
		r.medications = append(r.medications, homeMed(courseMed("home-1", "MedicationRequest", status, "upadacitinib", 15, 40), intent))
		return r
	}
	tofa := drugDraft("x", rxnorm, "1357541", "tofacitinib 5 MG Oral Tablet")
	cases := []accCase{
		{name: "home upadacitinib (plan, active): tofacitinib ordered", c: sign(rec("plan", "active"), tofa), want: w("combination-jak", "critical")},
		{name: "home upadacitinib (plan, active): MMR ordered", c: sign(rec("plan", "active"), drugDraft("x", cvx, "03", "MMR")), want: w("live-vaccine-ordered", "warning")},
		{name: "home upadacitinib (plan, completed 40 days ago): tofacitinib ordered", c: sign(rec("plan", "completed"), tofa), want: w("combination-jak", "critical")},
		{name: "home upadacitinib (plan, entered-in-error): nothing", c: sign(rec("plan", "entered-in-error"), tofa), noCards: true},
		{name: "upadacitinib proposal: no course", c: sign(rec("proposal", "active"), tofa), noCards: true},
		// A plan says nothing of a dose taken: a new order is an
		// initiation, with its screening.
		{name: "home upadacitinib (plan): new upadacitinib order still asks for TB screening", c: sign(rec("plan", "active"), jakDraft("upadacitinib", 15)), want: w("tb-screening-missing", "warning")},
		{name: "patient-view: home upadacitinib (plan) with tofacitinib on the chart", c: view(func() *record {
			r := rec("plan", "active")
			r.medications = append(r.medications, med("tofa", "active", rxnorm, "1357541", "tofacitinib 5 MG Oral Tablet", 5))
			return r
		}()), want: w("combination-jak", "critical")},
		// The interacting drug as a documented home medication.
		{name: "home clopidogrel (plan) on the chart, abrocitinib ordered", c: sign(func() *record {
			r := cleanRecord()
			r.medications = append(r.medications, homeMed(med("clop", "active", rxnorm, "32968", "clopidogrel 75 MG Oral Tablet", 100), "plan"))
			return r
		}(), jakDraft("abrocitinib", 100)), want: w("antiplatelet-abrocitinib", "critical")},
		{name: "patient-view: home clarithromycin (plan), upadacitinib 30", c: view(func() *record {
			r := onCourseAt("upadacitinib", 30, 60)
			r.medications = append(r.medications, homeMed(med("cla", "active", rxnorm, "21212", "clarithromycin", 3), "plan"))
			return r
		}()), want: w("cyp-interaction", "warning"), dose: 15},
	}
	runAcc(t, cases)
}

// TestAcceptanceReverseVaccineCommonNames: the common names of vaccines
// that exist only live, as ServiceRequests and MedicationRequests; the
// tests named alike (a nasal swab for influenza) are not vaccines.
func TestAcceptanceReverseVaccineCommonNames(t *testing.T) {
	live := []string{"oral typhoid vaccine", "typhoid vaccine oral capsules", "Typhoid vaccine, oral (Vivotif)", "chickenpox vaccine",
		"chicken pox vaccine", "LAIV4", "LAIV3 nasal spray", "influenza vaccine nasal spray", "nasal flu vaccine", "flu vaccine, nasal spray",
		"intranasal flu vaccine", "YF vaccine"}
	notLive := []string{"Influenza nasal swab", "Rapid influenza nasal test", "Influenza A/B nasal swab PCR", "nasal flu swab",
		"influenza vaccine, injectable", "flu vaccine (Fluzone)", "typhoid Vi vaccine injection", "shingles vaccine (Shingrix)"}
	var cases []accCase
	for _, jak := range []string{"upadacitinib", "abrocitinib"} {
		mg := map[string]int{"upadacitinib": 15, "abrocitinib": 100}[jak]
		for _, n := range live {
			cases = append(cases,
				accCase{name: fmt.Sprintf("ServiceRequest %q, patient on %s", n, jak), c: sign(onCourseAt(jak, mg, 20), serviceDraft("sr", "draft", "", "", n)), want: w("live-vaccine-ordered", "warning")},
				accCase{name: fmt.Sprintf("MedicationRequest %q, patient on %s", n, jak), c: sign(onCourseAt(jak, mg, 20), rxText(n)), want: w("live-vaccine-ordered", "warning")})
		}
		for _, n := range notLive {
			cases = append(cases,
				accCase{name: fmt.Sprintf("ServiceRequest %q, patient on %s: nothing", n, jak), c: sign(onCourseAt(jak, mg, 20), serviceDraft("sr", "draft", "", "", n)), noCards: true},
				accCase{name: fmt.Sprintf("MedicationRequest %q, patient on %s: nothing", n, jak), c: sign(onCourseAt(jak, mg, 20), rxText(n)), noCards: true})
		}
	}
	// The names count for an Immunization given during the course too.
	pv := onCourseAt("upadacitinib", 15, 60)
	pv.immunizations = append(pv.immunizations, res{"resourceType": "Immunization", "id": "v", "status": "completed",
		"vaccineCode": res{"text": "chickenpox vaccine"}, "occurrenceDateTime": ago(10)})
	cases = append(cases, accCase{name: "patient-view: chickenpox vaccine given 10 days ago during upadacitinib", c: view(pv), want: w("live-vaccine-recent", "warning")})
	runAcc(t, cases)
}

// TestAcceptanceReverseNamesThatMeanSomethingElse: an antidote named
// after the drug, and the over-the-counter shampoo named by its brand
// alone, are not the interacting drug; the drug itself still is.
func TestAcceptanceReverseNamesThatMeanSomethingElse(t *testing.T) {
	abro := func() *record { return onCourseAt("abrocitinib", 100, 20) }
	upa := func() *record { return onCourseAt("upadacitinib", 30, 20) }
	cases := []accCase{
		{name: "Digoxin Immune Fab ordered on abrocitinib: nothing", c: sign(abro(), rxText("Digoxin Immune Fab (Ovine) 40 MG Injection")), noCards: true},
		{name: "digoxin ordered on abrocitinib: monitor", c: sign(abro(), rxText("digoxin 0.125 MG Oral Tablet")), want: w("pgp-substrate", "info")},
		{name: "Nizoral A-D ordered on upadacitinib 30: nothing", c: sign(upa(), rxText("Nizoral A-D")), noCards: true},
		{name: "Nizoral 200 mg tablet ordered on upadacitinib 30: 15 mg", c: sign(upa(), rxText("Nizoral 200 mg tablet")), want: w("cyp-interaction", "warning"), dose: 15},
		{name: "patient-view: Nizoral A-D on the outside list, upadacitinib 30: nothing", c: view(func() *record {
			r := upa()
			r.medications = append(r.medications, stmt("nz", "active", "", "", "Nizoral A-D", 5))
			return r
		}()), noCards: true},
		{name: "patient-view: Digoxin Immune Fab on the chart, abrocitinib: nothing", c: view(func() *record {
			r := abro()
			r.medications = append(r.medications, med("fab", "active", "", "", "Digoxin Immune Fab (Ovine) 40 MG Injection", 1))
			return r
		}()), absent: []string{"pgp-substrate"}},
		{name: "Nizoral A-D on the chart, upadacitinib 30 renewed: no CYP limit", c: sign(func() *record {
			r := upa()
			r.medications = append(r.medications, stmt("nz", "active", "", "", "Nizoral A-D", 5))
			return r
		}(), jakDraft("upadacitinib", 30)), absent: []string{"cyp-interaction"}},
	}
	runAcc(t, cases)
}

// TestAcceptanceReverseAfterASwitch: upadacitinib ended 30 days ago and
// abrocitinib started 25 days ago. The interacting order is judged on the
// ongoing abrocitinib course; the ended upadacitinib course ("if
// upadacitinib is resumed") is closed by the switch. Without the switch,
// the ended course still speaks.
func TestAcceptanceReverseAfterASwitch(t *testing.T) {
	switched := func(from, to string) *record {
		mg := map[string]int{"upadacitinib": 15, "abrocitinib": 100}
		r := endedCourse(from, mg[from], 30)
		r.medications = append(r.medications, courseMed(to+"-now", "MedicationRequest", "active", to, mg[to], 25))
		return r
	}
	cases := []accCase{
		{name: "upadacitinib -> abrocitinib, clarithromycin ordered: nothing", c: sign(switched("upadacitinib", "abrocitinib"), drugDraft("x", rxnorm, "21212", "clarithromycin")), noCards: true},
		{name: "upadacitinib -> abrocitinib, fluoxetine ordered: abrocitinib 50 mg", c: sign(switched("upadacitinib", "abrocitinib"), drugDraft("x", rxnorm, "4493", "fluoxetine")),
			want: w("cyp-interaction", "warning"), dose: 50, summaryOf: map[string]string{"cyp-interaction": "abrocitinib"}},
		{name: "upadacitinib -> abrocitinib, tofacitinib ordered: one card, on abrocitinib", c: sign(switched("upadacitinib", "abrocitinib"), drugDraft("x", rxnorm, "1357541", "tofacitinib 5 MG Oral Tablet")),
			want: w("combination-jak", "critical"), summaryOf: map[string]string{"combination-jak": "abrocitinib"}},
		{name: "upadacitinib -> abrocitinib, MMR ordered: one card, on abrocitinib", c: sign(switched("upadacitinib", "abrocitinib"), drugDraft("x", cvx, "03", "MMR")),
			want: w("live-vaccine-ordered", "warning"), summaryOf: map[string]string{"live-vaccine-ordered": "abrocitinib"}},
		{name: "abrocitinib -> upadacitinib, clopidogrel ordered: nothing (the abrocitinib months closed by the switch)", c: sign(switched("abrocitinib", "upadacitinib"), drugDraft("x", rxnorm, "32968", "clopidogrel")), noCards: true},
		{name: "abrocitinib -> upadacitinib, clarithromycin ordered: upadacitinib", c: sign(switched("abrocitinib", "upadacitinib"), drugDraft("x", rxnorm, "21212", "clarithromycin")),
			want: w("cyp-interaction", "warning"), summaryOf: map[string]string{"cyp-interaction": "upadacitinib"}},
		// No switch: the ended course alone still speaks.
		{name: "upadacitinib ended 30 days ago, nothing since: clarithromycin ordered", c: sign(endedCourse("upadacitinib", 30, 30), drugDraft("x", rxnorm, "21212", "clarithromycin")),
			want: w("cyp-interaction", "warning")},
		{name: "abrocitinib ended 30 days ago (started 90 days ago), nothing since: clopidogrel ordered", c: sign(endedCourse("abrocitinib", 100, 30), drugDraft("x", rxnorm, "32968", "clopidogrel")),
			want: w("antiplatelet-abrocitinib", "critical")},
	}
	runAcc(t, cases)
}
