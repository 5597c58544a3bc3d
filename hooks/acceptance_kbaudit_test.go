package hooks

import (
	"fmt"
	"testing"
)

// Traceability of the clinical knowledge base (clinical-knowledge.md) to
// the cards, as a CDS committee pharmacist audits it: each label item's
// evidence grade must reach the card. An item (or a code) graded C or U
// ships but its card says it is unverified; one graded A or B does not.
// Threshold, window and age boundaries (N-1, N, N+1) are in
// acceptance_boundaries_test.go, acceptance_labrev_test.go,
// acceptance_age_test.go, acceptance_review2_test.go and
// acceptance_dose_test.go; the few not covered there are at the end.

// kbUnverified is the card line of a finding graded C or U.
const kbUnverified = "not yet verified"

// kbGraded is a case whose card (holding code) must, or must not, say it is
// unverified.
func kbGraded(name string, c call, code, level string, unverified bool) accCase {
	tc := accCase{name: name, c: c, want: w(code, level)}
	if unverified {
		tc.detailOf = map[string]string{code: kbUnverified}
	} else {
		tc.notDetailOf = map[string]string{code: kbUnverified}
	}
	return tc
}

func TestAcceptanceKBAuditGrades(t *testing.T) {
	upa := func(r *record) call { return sign(r, jakDraft("upadacitinib", 15)) }
	upa30 := func(r *record) call { return sign(r, jakDraft("upadacitinib", 30)) }
	abro := func(r *record) call { return sign(r, jakDraft("abrocitinib", 100)) }
	onRec := func(id, code, text string) *record {
		return cleanRecord().replace(med(id, "active", rxnorm, code, text, 10))
	}
	egfr := func(v float64) res { return qty("egfr", "98979-8", v, "mL/min/{1.73_m2}", "", ago(10)) }
	cases := []accCase{
		// R12: eGFR 15 to < 30 -> upadacitinib 15 mg is grade C; below 15
		// (ESRD, grade B) not recommended.
		kbGraded("R12 upadacitinib 30, eGFR 20: 15 mg, grade C", upa30(cleanRecord().replace(egfr(20))), "renal-impairment", "warning", true),
		kbGraded("R12 upadacitinib, ESRD N18.6 (B): not recommended, verified", upa(cleanRecord().replace(cond("ckd", icd, "N18.6", "active"))), "renal-impairment", "critical", false),
		// C7 (B): abrocitinib 30-59 -> 50 mg, < 30 not recommended.
		kbGraded("C7 abrocitinib, eGFR 45: 50 mg, verified", abro(cleanRecord().replace(egfr(45))), "renal-impairment", "warning", false),
		kbGraded("C7 abrocitinib, eGFR 20: not recommended, verified", abro(cleanRecord().replace(egfr(20))), "renal-impairment", "critical", false),
		// Section 3: CKD stage 4 as N18.4 (A) and as SNOMED 431857002 (C).
		kbGraded("C7 abrocitinib, CKD 4 N18.4 (A): verified", abro(cleanRecord().drop("egfr").replace(cond("ckd", icd, "N18.4", "active"))), "renal-impairment", "critical", false),
		kbGraded("C7 abrocitinib, CKD 4 SNOMED 431857002 (C): unverified", abro(cleanRecord().drop("egfr").replace(cond("ckd", sct, "431857002", "active"))), "renal-impairment", "critical", true),
		// R13 (B) strong CYP3A4 inhibitor; R14 (C) strong CYP3A4 inducer.
		kbGraded("R13 upadacitinib 30 with clarithromycin (B): verified", upa30(onRec("cl", "21212", "clarithromycin")), "cyp-interaction", "warning", false),
		kbGraded("R14 upadacitinib with carbamazepine (C): unverified", upa(onRec("cbz", "2002", "carbamazepine")), "cyp-interaction", "warning", true),
		kbGraded("R14 upadacitinib with rifampin (C): unverified", upa(onRec("rif", "9384", "rifampin")), "cyp-interaction", "warning", true),
		// C9, C10: the drug classification is grade C.
		kbGraded("C9 abrocitinib with fluoxetine (class C): unverified", abro(onRec("fx", "4493", "fluoxetine")), "cyp-interaction", "warning", true),
		kbGraded("C10 abrocitinib with fluconazole (class C): unverified", abro(onRec("fl", "4450", "fluconazole")), "cyp-interaction", "warning", true),
		// C12 (A): digoxin.
		kbGraded("C12 abrocitinib with digoxin (A): verified", abro(onRec("dig", "3407", "digoxin")), "pgp-substrate", "info", false),
		// C13: the rule is B, the 81 mg limit C.
		kbGraded("C13 abrocitinib with clopidogrel (rule B): verified", abro(onRec("clop", "32968", "clopidogrel")), "antiplatelet-abrocitinib", "critical", false),
		kbGraded("C13 abrocitinib with aspirin 325 mg daily (81 mg limit C): unverified",
			abro(cleanRecord().replace(aspirinOrder("asa", "active", "212033", "aspirin 325 MG Oral Tablet", 325, 1, ""))), "antiplatelet-abrocitinib", "critical", true),
		// R17, C15: both lactation wash-outs are grade C; the card names
		// each drug's own period.
		func() accCase {
			tc := kbGraded("R17 upadacitinib, breastfeeding: 6 days, unverified", upa(cleanRecord().replace(cond("bf", sct, "866041003", "active"))), "breastfeeding", "critical", true)
			tc.detailOf["breastfeeding"] = "6 days"
			return tc
		}(),
		func() accCase {
			tc := kbGraded("C15 abrocitinib, breastfeeding: 1 day, unverified", abro(cleanRecord().replace(cond("bf", sct, "866041003", "active"))), "breastfeeding", "critical", true)
			tc.detailOf["breastfeeding"] = "1 day"
			return tc
		}(),
		// R3: the 40 kg limit is C in the knowledge base but read verbatim
		// in a label mirror (docs/rules.md section 4): verified.
		kbGraded("R3 upadacitinib, 14 years, 35 kg: below the label, verified", upa(cleanRecord().born(bornAged(14)).replace(qty("wt", "29463-7", 35, "kg", "", ago(20)))),
			"weight-below-label", "warning", false),
		// R16 (A): contraception 4 weeks after the last dose (upadacitinib).
		{name: "R16 upadacitinib, no pregnancy test: contraception 4 weeks after the last dose", c: upa(cleanRecord().drop("hcg")), want: w("pregnancy-test-missing", "warning"),
			detailOf: map[string]string{"pregnancy-test-missing": "4 weeks after the last dose"}, notDetailOf: map[string]string{"pregnancy-test-missing": kbUnverified}},
		// C14 (A): the abrocitinib pregnancy registry, for a pregnancy on
		// treatment (exposure); before a start the card says avoid starting.
		{name: "C14 abrocitinib renewal, pregnant: the pregnancy registry", c: sign(stable("abrocitinib", 100).replace(cond("preg", sct, "77386006", "active")), jakDraft("abrocitinib", 100)),
			want: w("pregnancy", "critical"), detailOf: map[string]string{"pregnancy": "1-877-311-3770"}},
		{name: "C14 abrocitinib start, pregnant: avoid starting", c: abro(cleanRecord().replace(cond("preg", sct, "77386006", "active"))), want: w("pregnancy", "critical"),
			detailOf: map[string]string{"pregnancy": "Avoid starting abrocitinib"}},
		// Section 4: CVX 151 (nasal influenza, "presume" live) is C, MMR A.
		kbGraded("R18 upadacitinib, MMR (CVX 03, A) 10 days ago: verified", upa(cleanRecord().replace(immunization("v", "03", ago(10)))), "live-vaccine-recent", "warning", false),
		kbGraded("R18 upadacitinib, CVX 151 (live presumed, C) 10 days ago: unverified", upa(cleanRecord().replace(immunization("v", "151", ago(10)))), "live-vaccine-recent", "warning", true),
		// Section 3: latent TB as Z22.7 (A) and as SNOMED 11999007 (C).
		kbGraded("R6 upadacitinib, latent TB Z22.7 (A): verified", upa(cleanRecord().replace(cond("ltbi", icd, "Z22.7", "active"))), "tb-latent-untreated", "critical", false),
		kbGraded("R6 upadacitinib, inactive TB 11999007 (C): unverified", upa(cleanRecord().replace(cond("ltbi", sct, "11999007", "active"))), "tb-latent-untreated", "critical", true),
		// Section 1.3/1.4: ingredient RxCUIs graded U.
		kbGraded("R2 abrocitinib with adalimumab 327361 (A): verified", abro(onRec("bio", "327361", "adalimumab")), "combination-biologic", "warning", false),
		kbGraded("R2 abrocitinib with dupilumab 1876376 (U): unverified", abro(onRec("bio", "1876376", "dupilumab")), "combination-biologic", "warning", true),
		kbGraded("R2 upadacitinib with azathioprine 1256 (A): verified", upa(onRec("imm", "1256", "azathioprine")), "combination-immunosuppressant", "warning", false),
		kbGraded("R2 upadacitinib with mycophenolate mofetil 68149 (U): unverified", upa(onRec("imm", "68149", "mycophenolate mofetil")), "combination-immunosuppressant", "warning", true),
	}
	runAcc(t, cases)
}

// TestAcceptanceKBAuditBoundaries: the knowledge-base thresholds with no
// N-1/N/N+1 case elsewhere.
func TestAcceptanceKBAuditBoundaries(t *testing.T) {
	var cases []accCase
	// C13: aspirin up to 81 mg/day is allowed with abrocitinib, in mg per
	// day (80, 81, 82), as a structured dose.
	for _, mg := range []float64{80, 81, 82} {
		tc := accCase{name: fmt.Sprintf("C13 abrocitinib, aspirin %v mg once daily", mg),
			c: sign(cleanRecord().replace(aspirinOrder("asa", "active", "1191", "aspirin", mg, 1, "")), jakDraft("abrocitinib", 100))}
		if mg > 81 {
			tc.want = w("antiplatelet-abrocitinib", "critical")
		} else {
			tc.noCards = true
		}
		cases = append(cases, tc)
	}
	// C13 applies to abrocitinib only: aspirin 325 mg with upadacitinib.
	cases = append(cases, accCase{name: "C13 upadacitinib, aspirin 325 mg daily: no card",
		c: sign(cleanRecord().replace(aspirinOrder("asa", "active", "212033", "aspirin 325 MG Oral Tablet", 325, 1, "")), jakDraft("upadacitinib", 15)), noCards: true})
	// R12: upadacitinib eGFR 16 and 31 beside the 15 and 30 of the other
	// tests; C7: abrocitinib 31 and 61.
	eg := func(v float64) *record {
		return cleanRecord().replace(qty("egfr", "98979-8", v, "mL/min/{1.73_m2}", "", ago(10)))
	}
	cases = append(cases,
		accCase{name: "R12 upadacitinib 30, eGFR 16: 15 mg", c: sign(eg(16), jakDraft("upadacitinib", 30)), want: w("renal-impairment", "warning"), dose: 15},
		accCase{name: "R12 upadacitinib 30, eGFR 31: no card", c: sign(eg(31), jakDraft("upadacitinib", 30)), noCards: true},
		accCase{name: "C7 abrocitinib 100, eGFR 61: no card", c: sign(eg(61), jakDraft("abrocitinib", 100)), noCards: true},
	)
	// R9 (routine management, jakguard 12 weeks): upadacitinib CBC and
	// liver enzymes due from day 84 of the course, not on day 83.
	cbcLiver := []string{"monitoring-cbc-due", "monitoring-liver-due"}
	cases = append(cases,
		accCase{name: "R9 upadacitinib 83 days, no labs since: CBC and liver not yet due", c: view(coursed("upadacitinib", 83)), absent: cbcLiver},
		accCase{name: "R9 upadacitinib 84 days, no labs since: CBC and liver due", c: view(coursed("upadacitinib", 84)), want: w("monitoring-cbc-due", "warning", "monitoring-liver-due", "warning")},
		accCase{name: "R9 upadacitinib 85 days, no labs since: CBC and liver due", c: view(coursed("upadacitinib", 85)), want: w("monitoring-cbc-due", "warning", "monitoring-liver-due", "warning")},
	)
	// R11, C8: Child-Pugh C is a score of 10 to 15 (9 and 10 are tested
	// elsewhere); 11 for both drugs.
	cp := func(v float64) res { return qty("cp", "98153-0", v, "", "points", ago(30)) }
	cases = append(cases,
		accCase{name: "R11 upadacitinib, Child-Pugh 11: not recommended", c: sign(cleanRecord().replace(cp(11)), jakDraft("upadacitinib", 15)), want: w("severe-hepatic-impairment", "critical")},
		accCase{name: "C8 abrocitinib, Child-Pugh 11: not recommended", c: sign(cleanRecord().replace(cp(11)), jakDraft("abrocitinib", 100)), want: w("severe-hepatic-impairment", "critical")},
	)
	// R3: the 40 kg limit at 40.0 kg exactly (39.9 and 40.1 elsewhere);
	// abrocitinib has no weight limit.
	wt := func(kg float64) res { return qty("wt", "29463-7", kg, "kg", "", ago(20)) }
	cases = append(cases,
		accCase{name: "R3 upadacitinib, 14 years, 40.0 kg: no card", c: sign(cleanRecord().born(bornAged(14)).replace(wt(40)), jakDraft("upadacitinib", 15)), noCards: true},
		accCase{name: "R3 abrocitinib, 14 years, 30 kg: no weight card", c: sign(cleanRecord().born(bornAged(14)).replace(wt(30)), jakDraft("abrocitinib", 100)), absent: []string{"weight-below-label"}},
	)
	// R10: upadacitinib has no platelet threshold.
	cases = append(cases, accCase{name: "R10 upadacitinib start, platelets 40 x10*3/uL: no platelet card",
		c: sign(cleanRecord().replace(qty("plt", "777-3", 40, "10*3/uL", "", ago(5))), jakDraft("upadacitinib", 15)), absent: []string{"thrombocytopenia"}})
	// R5, C2: the AD maxima, 30 mg and 200 mg a day.
	cases = append(cases,
		accCase{name: "R5 upadacitinib 30 mg: no card", c: sign(cleanRecord(), jakDraft("upadacitinib", 30)), noCards: true},
		accCase{name: "R5 upadacitinib 45 mg: above the AD maximum", c: sign(cleanRecord(), jakDraft("upadacitinib", 45)), want: w("dose-above-label", "warning")},
		accCase{name: "C2 abrocitinib 200 mg: no card", c: sign(cleanRecord(), jakDraft("abrocitinib", 200)), noCards: true},
	)
	runAcc(t, cases)
}

// TestAcceptanceKBAuditDrugAndPhase: items that name one drug, or one
// phase (start or on treatment), with the case for the other.
func TestAcceptanceKBAuditDrugAndPhase(t *testing.T) {
	onRec := func(id, code, text string) *record {
		return cleanRecord().replace(med(id, "active", rxnorm, code, text, 10))
	}
	newMI := func(r *record) *record {
		return r.replace(with(cond("mi", icd, "I21.9", "active"), "onsetDateTime", ago(20)))
	}
	cases := []accCase{
		// R13/R14 are CYP3A4 (upadacitinib), C9-C11 CYP2C19/CYP2C9
		// (abrocitinib): fluconazole (C10) is nothing for upadacitinib,
		// clarithromycin (R13) nothing for abrocitinib.
		{name: "C10 upadacitinib with fluconazole: no card", c: sign(onRec("fl", "4450", "fluconazole"), jakDraft("upadacitinib", 15)), noCards: true},
		{name: "R13 abrocitinib with clarithromycin: no card", c: sign(onRec("cl", "21212", "clarithromycin"), jakDraft("abrocitinib", 100)), noCards: true},
		// C11 (rifampin) says avoid, with no dose.
		{name: "C11 abrocitinib with rifampin: avoid, no dose", c: sign(onRec("rif", "9384", "rifampin"), jakDraft("abrocitinib", 100)), want: w("cyp-interaction", "warning"),
			summaryOf: map[string]string{"cyp-interaction": "Avoid"}, noDose: true},
		// Age 65 (R4) is an upadacitinib rule: abrocitinib 200 at 70 has
		// no US age limit.
		{name: "R4 abrocitinib 200 mg at 70: no card", c: sign(cleanRecord().born(bornAged(70)).drop("hcg"), jakDraft("abrocitinib", 200)), noCards: true},
		// R19: an MI or stroke during upadacitinib treatment: discontinue
		// (RINVOQ 5.4). The CIBINQO items of the knowledge base (C17) do not
		// quote the class sentence CIBINQO 5.4 has (committee2 review):
		// abrocitinib reads "discontinue" too, marked unverified.
		{name: "R19 upadacitinib renewal, MI since the start: discontinue", c: sign(newMI(stable("upadacitinib", 15)), jakDraft("upadacitinib", 15)),
			want: w("mace-history", "warning"), detailOf: map[string]string{"mace-history": "discontinue upadacitinib"}},
		{name: "C17 abrocitinib renewal, MI since the start: discontinue, unverified", c: sign(newMI(stable("abrocitinib", 100)), jakDraft("abrocitinib", 100)),
			want: w("mace-history", "warning"), detailOf: map[string]string{"mace-history": "discontinue abrocitinib"}},
		// R7/C4 "do not initiate" at a start; R8/C5 "interrupt" on treatment.
		{name: "R7 upadacitinib start, ANC 900: do not start", c: sign(cleanRecord().replace(qty("anc", "751-8", 900, "/mm3", "", ago(5))), jakDraft("upadacitinib", 15)),
			want: w("neutropenia", "critical"), summaryOf: map[string]string{"neutropenia": "Do not start"}},
		{name: "R8 upadacitinib renewal, ANC 900: interrupt", c: sign(stable("upadacitinib", 15).replace(qty("anc", "751-8", 900, "/mm3", "", ago(5))), jakDraft("upadacitinib", 15)),
			want: w("neutropenia", "critical"), summaryOf: map[string]string{"neutropenia": "Interrupt"}},
	}
	runAcc(t, cases)
}
