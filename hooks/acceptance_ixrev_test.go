package hooks

import "testing"

// The interaction review (December 2026): co-medications on record at the
// time upadacitinib or abrocitinib is ordered, as a pharmacist reads them
// against RINVOQ section 7, CIBINQO sections 4 and 7 and the limitations
// of use (section 1) of both labels.

// ixSupplied gives a record order a dispensed supply of days with repeats
// refills.
func ixSupplied(m res, days, repeats int) res {
	m["dispenseRequest"] = res{"expectedSupplyDuration": res{"value": days, "unit": "days", "system": "http://unitsofmeasure.org", "code": "d"},
		"numberOfRepeatsAllowed": repeats}
	return m
}

// ixSig gives an order a dosage instruction with only a sig.
func ixSig(m res, sig string) res {
	m["dosageInstruction"] = []any{res{"text": sig}}
	return m
}

// ixEnded is an outside-list statement of status, effective from start
// days ago to end days ago (end 0: today).
func ixEnded(id, status, text string, start, end int) res {
	m := stmt(id, status, "", "", text, start)
	delete(m, "effectiveDateTime")
	m["effectivePeriod"] = res{"start": ago(start), "end": ago(end)}
	return m
}

// TestAcceptanceIxrevCompletedSupply: a "completed" order whose dispensed
// supply (or stated end) still runs today is a drug the patient takes:
// EHRs mark an outpatient prescription completed once it is dispensed.
// Boundaries: a 14-day supply from day 0 is taken through day 13.
func TestAcceptanceIxrevCompletedSupply(t *testing.T) {
	clari := func(days, supply, repeats int, status string) *record {
		return cleanRecord().replace(ixSupplied(med("cl", status, rxnorm, "197517", "clarithromycin 500 MG Oral Tablet", days), supply, repeats))
	}
	clop := func(days, supply int) *record {
		return cleanRecord().replace(ixSupplied(med("pl", "completed", rxnorm, "309362", "clopidogrel 75 MG Oral Tablet", days), supply, 0))
	}
	upa30 := func(r *record) call { return sign(r, jakDraft("upadacitinib", 30)) }
	cases := []accCase{
		{name: "clarithromycin completed, 14-day supply, day 12: 15 mg", c: upa30(clari(12, 14, 0, "completed")), want: w("cyp-interaction", "warning"), dose: 15,
			detailOf: map[string]string{"cyp-interaction": "supply runs to " + ago(-1)}},
		{name: "clarithromycin completed, 14-day supply, day 13 (last day): 15 mg", c: upa30(clari(13, 14, 0, "completed")), want: w("cyp-interaction", "warning"), dose: 15},
		{name: "clarithromycin completed, 14-day supply, day 14 (run out): nothing", c: upa30(clari(14, 14, 0, "completed")), noCards: true},
		{name: "clarithromycin stopped, 14-day supply, day 3: stopped is stopped", c: upa30(clari(3, 14, 0, "stopped")), noCards: true},
		{name: "clarithromycin completed, no supply, no end date, day 3: nothing known to run", c: upa30(cleanRecord().replace(med("cl", "completed", rxnorm, "197517", "clarithromycin 500 MG Oral Tablet", 3))), noCards: true},
		{name: "clarithromycin completed, 30 days + 2 refills, day 29: 15 mg", c: upa30(clari(29, 30, 2, "completed")), want: w("cyp-interaction", "warning"), dose: 15},
		{name: "clarithromycin completed, 30 days + 2 refills, day 30: refills not known to be filled", c: upa30(clari(30, 30, 2, "completed")), noCards: true},
		{name: "dupilumab completed, 28 days + 5 refills, day 40, upadacitinib (the usual switch): nothing", c: sign(cleanRecord().replace(ixSupplied(med("dupi", "completed", "", "", "Dupixent 300 mg/2 mL pen", 40), 28, 5)), jakDraft("upadacitinib", 15)), noCards: true},
		{name: "dupilumab completed, 28-day supply, day 10, upadacitinib: combination", c: sign(cleanRecord().replace(ixSupplied(med("dupi", "completed", "", "", "Dupixent 300 mg/2 mL pen", 10), 28, 0)), jakDraft("upadacitinib", 15)),
			want: w("combination-biologic", "warning")},
		{name: "rifampin completed, 30-day supply, day 10, upadacitinib 15: avoid", c: sign(cleanRecord().replace(ixSupplied(med("rif", "completed", rxnorm, "198202", "rifampin 300 MG Oral Capsule", 10), 30, 0)), jakDraft("upadacitinib", 15)),
			want: w("cyp-interaction", "warning")},
		{name: "clopidogrel completed, 90-day supply, day 20, abrocitinib: contraindicated", c: sign(clop(20, 90), jakDraft("abrocitinib", 100)), want: w("antiplatelet-abrocitinib", "critical")},
		{name: "clopidogrel completed, 90-day supply, day 90 (run out), abrocitinib: nothing", c: sign(clop(90, 90), jakDraft("abrocitinib", 100)), noCards: true},
		{name: "aspirin 81 mg completed, 90-day supply, day 20, abrocitinib: low dose allowed", c: sign(cleanRecord().replace(onceDaily(ixSupplied(med("asa", "completed", rxnorm, "243670", "aspirin 81 MG Oral Tablet", 20), 90, 0))), jakDraft("abrocitinib", 100)), noCards: true},
		{name: "fluvoxamine statement completed, effective to today, abrocitinib 200: 50 mg", c: sign(cleanRecord().replace(ixEnded("fv", "completed", "fluvoxamine maleate 50 MG Oral Tablet", 60, 0)), jakDraft("abrocitinib", 200)),
			want: w("cyp-interaction", "warning"), dose: 50},
		{name: "fluvoxamine statement completed, ended yesterday, abrocitinib 200: nothing", c: sign(cleanRecord().replace(ixEnded("fv", "completed", "fluvoxamine maleate 50 MG Oral Tablet", 60, 1)), jakDraft("abrocitinib", 200)), noCards: true},
		{name: "digoxin completed, 90-day supply, day 30, abrocitinib: monitor", c: sign(cleanRecord().replace(ixSupplied(med("dig", "completed", rxnorm, "197604", "digoxin 0.125 MG Oral Tablet", 30), 90, 0)), jakDraft("abrocitinib", 100)),
			want: w("pgp-substrate", "info")},
		{name: "azathioprine completed, 30-day supply, day 5, upadacitinib: combination", c: sign(cleanRecord().replace(ixSupplied(med("aza", "completed", rxnorm, "197388", "azathioprine 50 MG Oral Tablet", 5), 30, 0)), jakDraft("upadacitinib", 15)),
			want: w("combination-immunosuppressant", "warning")},
		{name: "patient-view, upadacitinib 30 course, clarithromycin completed with supply running: 15 mg", c: view(func() *record {
			r := onCourseAt("upadacitinib", 30, 200)
			r.medications = append(r.medications, ixSupplied(med("cl", "completed", rxnorm, "197517", "clarithromycin 500 MG Oral Tablet", 3), 14, 0))
			return r
		}()), want: w("cyp-interaction", "warning")},
	}
	runAcc(t, cases)
}

// TestAcceptanceIxrevLocalUse: a co-medication named by ingredient and
// strength only, whose sig or name says it is used on the skin, scalp or
// eye, does not reach the blood level that the CYP and immunosuppressant
// rules are about (the local forms of section 1). The same drug taken by
// mouth still counts.
func TestAcceptanceIxrevLocalUse(t *testing.T) {
	keto := func(sig string) *record {
		return cleanRecord().replace(ixSig(med("k", "active", rxnorm, "6135", "ketoconazole 2 %", 10), sig))
	}
	upa30 := func(r *record) call { return sign(r, jakDraft("upadacitinib", 30)) }
	cases := []accCase{
		{name: "ketoconazole 2 %, sig apply to affected area: nothing", c: upa30(keto("Apply to affected area twice daily")), noCards: true},
		{name: "ketoconazole 2 %, sig lather into wet hair: nothing", c: upa30(keto("Lather into wet hair, leave 5 minutes, rinse; twice weekly")), noCards: true},
		{name: "ketoconazole 200 mg, sig by mouth: 15 mg", c: upa30(cleanRecord().replace(ixSig(med("k", "active", rxnorm, "6135", "ketoconazole 200 mg", 10), "Take 1 tablet by mouth daily"))), want: w("cyp-interaction", "warning"), dose: 15},
		{name: "ketoconazole 2 % solution to scalp (name only): nothing", c: upa30(cleanRecord().replace(stmt("k", "active", "", "", "ketoconazole 2% solution to scalp", 10))), noCards: true},
		{name: "ketoconazole, sig apply and by mouth: counts (oral wins)", c: upa30(keto("take 200 mg by mouth daily; apply cream to rash")), want: w("cyp-interaction", "warning")},
		{name: "tacrolimus 0.1 % statement, dosage apply to affected skin: nothing", c: sign(cleanRecord().replace(with(stmt("t", "active", rxnorm, "42316", "tacrolimus 0.1 %", 10),
			"dosage", []any{res{"text": "apply thin layer to affected skin twice daily"}})), jakDraft("upadacitinib", 15)), noCards: true},
		{name: "tacrolimus 1 mg, sig by mouth: combination", c: sign(cleanRecord().replace(ixSig(med("t", "active", rxnorm, "42316", "tacrolimus 1 mg", 10), "1 capsule by mouth twice daily")), jakDraft("upadacitinib", 15)),
			want: w("combination-immunosuppressant", "warning")},
		{name: "cyclosporine (Restasis) 0.05 % eye emulsion: nothing", c: sign(cleanRecord().replace(med("c", "active", "", "", "cycloSPORINE (RESTASIS) 0.05 % eye emulsion", 10)), jakDraft("abrocitinib", 100)), noCards: true},
		{name: "cyclosporine 0.05 %, sig 1 drop in each eye: nothing", c: sign(cleanRecord().replace(ixSig(med("c", "active", rxnorm, "3008", "cyclosporine 0.05 %", 10), "Instill 1 drop in each eye twice daily")), jakDraft("abrocitinib", 100)), noCards: true},
		{name: "cyclosporine 100 mg, sig by mouth: combination", c: sign(cleanRecord().replace(ixSig(med("c", "active", rxnorm, "3008", "cyclosporine 100 mg", 10), "100 mg by mouth twice daily")), jakDraft("abrocitinib", 100)),
			want: w("combination-immunosuppressant", "warning")},
		{name: "ketoconazole, two instructions, apply, then by mouth: counts", c: upa30(cleanRecord().replace(with(med("k", "active", rxnorm, "6135", "ketoconazole", 10),
			"dosageInstruction", []any{res{"text": "apply to rash twice daily"}, res{"text": "200 mg by mouth daily for 10 days"}}))), want: w("cyp-interaction", "warning"), dose: 15},
		{name: "ketoconazole 2 % drafted in the same session, sig apply: nothing", c: sign(cleanRecord(), jakDraft("upadacitinib", 30), ixSig(drugDraft("k", rxnorm, "6135", "ketoconazole 2 %"), "Apply to affected area daily")), noCards: true},
		{name: "ketoconazole 2 % ordered, sig apply, patient on upadacitinib 30: nothing", c: sign(onCourseAt("upadacitinib", 30, 100), ixSig(drugDraft("k", rxnorm, "6135", "ketoconazole 2 %"), "Apply to affected area daily")), noCards: true},
		{name: "ketoconazole 200 mg ordered, sig by mouth, patient on upadacitinib 30: reduce", c: sign(onCourseAt("upadacitinib", 30, 100), ixSig(drugDraft("k", rxnorm, "6135", "ketoconazole 200 mg"), "200 mg by mouth daily")), want: w("cyp-interaction", "warning")},
		{name: "fluconazole 150 mg draft in the session, sig by mouth once: avoid with abrocitinib", c: sign(cleanRecord(), jakDraft("abrocitinib", 100), ixSig(drugDraft("f", rxnorm, "197699", "Fluconazole 150 MG Oral Tablet"), "Take 1 tablet by mouth once")),
			want: w("cyp-interaction", "warning")},
	}
	runAcc(t, cases)
}
