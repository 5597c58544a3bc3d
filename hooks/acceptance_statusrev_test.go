package hooks

import "testing"

// The status spelling review (December 2026): feeds converted from HL7 v2
// or local systems write the FHIR status and intent codes as "Active",
// "ACTIVE", " active " or "On Hold". Read as written, an active
// clarithromycin was not active and an upadacitinib course was no course,
// and nothing was said.

func clariAs(status string) res {
	return med("cl", status, rxnorm, "197517", "clarithromycin 500 MG Oral Tablet", 3)
}

// TestAcceptanceStatusrevMedicationStatus: MedicationRequest and
// MedicationStatement status and intent spelt otherwise than the code.
func TestAcceptanceStatusrevMedicationStatus(t *testing.T) {
	upa30 := func(r *record) call { return sign(r, jakDraft("upadacitinib", 30)) }
	clari := func(status string) *record { return cleanRecord().replace(clariAs(status)) }
	fluvox := func(status string) *record {
		return cleanRecord().replace(stmt("fv", status, "", "", "fluvoxamine maleate 50 MG Oral Tablet", 30))
	}
	onUpa30 := func(status string) *record {
		r := cleanRecord()
		r.medications = append(r.medications, courseMed("upadacitinib-1", "MedicationRequest", status, "upadacitinib", 30, 200))
		return r
	}
	cases := []accCase{
		{name: "clarithromycin 'Active', upadacitinib 30: 15 mg", c: upa30(clari("Active")), want: w("cyp-interaction", "warning"), dose: 15},
		{name: "clarithromycin 'ACTIVE': 15 mg", c: upa30(clari("ACTIVE")), want: w("cyp-interaction", "warning"), dose: 15},
		{name: "clarithromycin ' active ': 15 mg", c: upa30(clari(" active ")), want: w("cyp-interaction", "warning"), dose: 15},
		{name: "clarithromycin 'On Hold': 15 mg (held, not stopped)", c: upa30(clari("On Hold")), want: w("cyp-interaction", "warning"), dose: 15},
		{name: "clarithromycin 'on hold': 15 mg", c: upa30(clari("on hold")), want: w("cyp-interaction", "warning"), dose: 15},
		{name: "clarithromycin 'Stopped': nothing", c: upa30(clari("Stopped")), noCards: true},
		{name: "clarithromycin 'Entered in Error': nothing", c: upa30(clari("Entered in Error")), noCards: true},
		{name: "clarithromycin 'Cancelled': nothing", c: upa30(clari("Cancelled")), noCards: true},
		{name: "clarithromycin 'Active', intent 'Proposal': only proposed, nothing", c: upa30(cleanRecord().replace(with(clariAs("Active"), "intent", "Proposal"))), noCards: true},
		{name: "clarithromycin 'Active', intent 'Order': 15 mg", c: upa30(cleanRecord().replace(with(clariAs("Active"), "intent", "Order"))), want: w("cyp-interaction", "warning"), dose: 15},
		{name: "fluvoxamine statement 'Active', abrocitinib 200: 50 mg", c: sign(fluvox("Active"), jakDraft("abrocitinib", 200)), want: w("cyp-interaction", "warning"), dose: 50},
		{name: "fluvoxamine statement 'Intended', abrocitinib 200: 50 mg", c: sign(fluvox("Intended"), jakDraft("abrocitinib", 200)), want: w("cyp-interaction", "warning"), dose: 50},
		{name: "fluvoxamine statement 'Not Taken', abrocitinib 200: nothing", c: sign(fluvox("Not Taken"), jakDraft("abrocitinib", 200)), noCards: true},
		{name: "patient-view, upadacitinib 30 course 'Active', clarithromycin active: 15 mg", c: view(onUpa30("Active").replace(clariAs("active"))), want: w("cyp-interaction", "warning")},
		{name: "patient-view, upadacitinib 30 course 'Stopped', clarithromycin active: nothing", c: view(onUpa30("Stopped").replace(clariAs("active"))), noCards: true},
		{name: "clarithromycin ordered, upadacitinib 30 course 'ACTIVE': reduce", c: sign(onUpa30("ACTIVE"), drugDraft("cl", rxnorm, "197517", "clarithromycin 500 MG Oral Tablet")), want: w("cyp-interaction", "warning")},
		{name: "upadacitinib 30 draft 'Draft', clarithromycin active: 15 mg", c: sign(clari("active"), with(jakDraft("upadacitinib", 30), "status", "Draft")), want: w("cyp-interaction", "warning"), dose: 15},
		{name: "clarithromycin draft 'Cancelled' in the session, upadacitinib 30: nothing", c: sign(cleanRecord(), jakDraft("upadacitinib", 30), with(drugDraft("cl", rxnorm, "197517", "clarithromycin 500 MG Oral Tablet"), "status", "Cancelled")), noCards: true},
		{name: "clarithromycin draft 'Draft' in the session, upadacitinib 30: 15 mg", c: sign(cleanRecord(), jakDraft("upadacitinib", 30), with(drugDraft("cl", rxnorm, "197517", "clarithromycin 500 MG Oral Tablet"), "status", "Draft")), want: w("cyp-interaction", "warning"), dose: 15},
		{name: "MMR ServiceRequest 'Revoked', patient on upadacitinib: nothing", c: sign(onCourseAt("upadacitinib", 15, 20), serviceDraft("mmr", "Revoked", cvx, "03", "MMR vaccine")), noCards: true},
		{name: "MMR ServiceRequest 'Draft', patient on upadacitinib: live vaccine", c: sign(onCourseAt("upadacitinib", 15, 20), serviceDraft("mmr", "Draft", cvx, "03", "MMR vaccine")), want: w("live-vaccine-ordered", "warning")},
		{name: "upadacitinib 15 draft 'Draft', clean record: nothing", c: sign(cleanRecord(), with(jakDraft("upadacitinib", 15), "status", "Draft")), noCards: true},
	}
	runAcc(t, cases)
}

// TestAcceptanceStatusrevUnknownStatus: a status that is no FHIR code even
// spelt as one ("A", "discontinued", missing) is not read as "not taken":
// the entry is counted as unreadable and the answer says so.
func TestAcceptanceStatusrevUnknownStatus(t *testing.T) {
	upa30 := func(r *record) call { return sign(r, jakDraft("upadacitinib", 30)) }
	unread := w("data-unavailable", "warning")
	noStatus := clariAs("active")
	delete(noStatus, "status")
	onUpa30 := func(status string) *record {
		r := cleanRecord()
		r.medications = append(r.medications, courseMed("upadacitinib-1", "MedicationRequest", status, "upadacitinib", 30, 200))
		return r
	}
	cases := []accCase{
		{name: "clarithromycin status 'A': said unreadable", c: upa30(cleanRecord().replace(clariAs("A"))), want: unread,
			summaryOf: map[string]string{"data-unavailable": "some medications could not be read"}},
		{name: "clarithromycin status 'discontinued': said unreadable", c: upa30(cleanRecord().replace(clariAs("discontinued"))), want: unread},
		{name: "clarithromycin without status: said unreadable", c: upa30(cleanRecord().replace(noStatus)), want: unread},
		{name: "fluvoxamine statement 'taking': said unreadable", c: sign(cleanRecord().replace(stmt("fv", "taking", "", "", "fluvoxamine maleate 50 MG Oral Tablet", 30)), jakDraft("abrocitinib", 200)), want: unread},
		{name: "clarithromycin ordered, upadacitinib course status 'A': said unreadable", c: sign(onUpa30("A"), drugDraft("cl", rxnorm, "197517", "clarithromycin 500 MG Oral Tablet")), want: unread},
		{name: "clarithromycin ordered, upadacitinib course 'active': no unreadable card", c: sign(onUpa30("active"), drugDraft("cl", rxnorm, "197517", "clarithromycin 500 MG Oral Tablet")), want: w("cyp-interaction", "warning"), absent: []string{"data-unavailable"}},
	}
	runAcc(t, cases)
}

// TestAcceptanceStatusrevImmunizationStatus: Immunization.status
// "Completed" was unreadable (the entry left out and said) and the
// recombinant zoster vaccine on record was asked for again.
func TestAcceptanceStatusrevImmunizationStatus(t *testing.T) {
	rzv := func(status string) *record {
		return cleanRecord().replace(with(immunization("rzv", "187", "2025-02-01"), "status", status))
	}
	zvl := func(status string, days int) *record {
		return cleanRecord().replace(res{"resourceType": "Immunization", "id": "zvl", "status": status, "vaccineCode": res{"text": "Zostavax"}, "occurrenceDateTime": ago(days)})
	}
	upa15 := func(r *record) call { return sign(r, jakDraft("upadacitinib", 15)) }
	cases := []accCase{
		{name: "Shingrix 'Completed': nothing", c: upa15(rzv("Completed")), noCards: true},
		{name: "Shingrix 'COMPLETED': nothing", c: upa15(rzv("COMPLETED")), noCards: true},
		{name: "Shingrix 'Not Done': zoster vaccine missing", c: upa15(rzv("Not Done")), want: w("zoster-vaccine-missing", "warning"), absent: []string{"data-unavailable"}},
		{name: "Shingrix 'Entered in Error': zoster vaccine missing", c: upa15(rzv("Entered in Error")), want: w("zoster-vaccine-missing", "warning"), absent: []string{"data-unavailable"}},
		{name: "Shingrix 'given' (no code): unreadable, said", c: upa15(rzv("given")), want: w("data-unavailable", "warning")},
		{name: "Zostavax 'Completed' 10 days ago: live vaccine recent", c: upa15(zvl("Completed", 10)), want: w("live-vaccine-recent", "warning")},
		{name: "Zostavax 'Completed' 40 days ago: nothing", c: upa15(zvl("Completed", 40)), noCards: true},
	}
	runAcc(t, cases)
}

// routed gives an order (or a statement) one dosage instruction with the
// route and, when sig is not "", a sig. A route is written as a coding
// display (SNOMED CT system, no code: jakguard knows no route code) when
// display is true, else as text.
func routed(m res, route string, display bool, sig string) res {
	r := res{"text": route}
	if display {
		r = res{"coding": []any{res{"system": sct, "display": route}}}
	}
	d := res{"route": r}
	if sig != "" {
		d["text"] = sig
	}
	key := "dosageInstruction"
	if m["resourceType"] == "MedicationStatement" {
		key = "dosage"
	}
	m[key] = []any{d}
	return m
}

// TestAcceptanceStatusrevRoute: dosageInstruction.route, like the sig,
// says whether a drug named by ingredient and strength only is used on the
// skin or eye (RINVOQ and CIBINQO section 1: topical forms do not reach
// the blood level of the CYP and immunosuppressant rules) or taken.
func TestAcceptanceStatusrevRoute(t *testing.T) {
	upa30 := func(r *record) call { return sign(r, jakDraft("upadacitinib", 30)) }
	keto := func(name, route string, display bool, sig string) *record {
		return cleanRecord().replace(routed(med("k", "active", rxnorm, "6135", name, 10), route, display, sig))
	}
	tacro := func(name, route string, display bool) *record {
		return cleanRecord().replace(routed(med("t", "active", rxnorm, "42316", name, 10), route, display, ""))
	}
	onUpa := func(mg int) *record { return onCourseAt("upadacitinib", mg, 100) }
	draft := func(id, code, name, route string, display bool) res {
		return routed(drugDraft(id, rxnorm, code, name), route, display, "")
	}
	cases := []accCase{
		{name: "ketoconazole 2 %, route display 'Topical route': nothing", c: upa30(keto("ketoconazole 2 %", "Topical route", true, "")), noCards: true},
		{name: "ketoconazole 2 %, route text 'topical': nothing", c: upa30(keto("ketoconazole 2 %", "topical", false, "")), noCards: true},
		{name: "ketoconazole 2 %, route 'Cutaneous route': nothing", c: upa30(keto("ketoconazole 2 %", "Cutaneous route", true, "")), noCards: true},
		{name: "ketoconazole 2 %, route 'Oral route', sig apply: counts (oral wins)", c: upa30(keto("ketoconazole 2 %", "Oral route", true, "Apply to affected area")), want: w("cyp-interaction", "warning"), dose: 15},
		{name: "ketoconazole 200 mg, route text 'oral': 15 mg", c: upa30(keto("ketoconazole 200 mg", "oral", false, "")), want: w("cyp-interaction", "warning"), dose: 15},
		{name: "ketoconazole 2 %, route 'Transdermal route': counts (a patch reaches the blood)", c: upa30(keto("ketoconazole 2 %", "Transdermal route", true, "")), want: w("cyp-interaction", "warning"), dose: 15},
		{name: "ketoconazole 2 %, no route, no sig: counts", c: upa30(cleanRecord().replace(med("k", "active", rxnorm, "6135", "ketoconazole 2 %", 10))), want: w("cyp-interaction", "warning"), dose: 15},
		{name: "ketoconazole 2 % statement, route 'Topical route': nothing", c: upa30(cleanRecord().replace(routed(stmt("k", "active", rxnorm, "6135", "ketoconazole 2 %", 10), "Topical route", true, ""))), noCards: true},
		{name: "tacrolimus 0.1 %, route 'Topical route', upadacitinib 15: nothing", c: sign(tacro("tacrolimus 0.1 %", "Topical route", true), jakDraft("upadacitinib", 15)), noCards: true},
		{name: "tacrolimus 1 mg, route 'Oral route', upadacitinib 15: combination", c: sign(tacro("tacrolimus 1 mg", "Oral route", true), jakDraft("upadacitinib", 15)), want: w("combination-immunosuppressant", "warning")},
		{name: "cyclosporine 0.05 %, route 'Ophthalmic route', abrocitinib: nothing", c: sign(cleanRecord().replace(routed(med("c", "active", rxnorm, "3008", "cyclosporine 0.05 %", 10), "Ophthalmic route", true, "")), jakDraft("abrocitinib", 100)), noCards: true},
		{name: "ketoconazole 2 % ordered, route 'Topical route', on upadacitinib 30: nothing", c: sign(onUpa(30), draft("k", "6135", "ketoconazole 2 %", "Topical route", true)), noCards: true},
		{name: "ketoconazole 2 % ordered, route text 'topical', on upadacitinib 30: nothing", c: sign(onUpa(30), draft("k", "6135", "ketoconazole 2 %", "topical", false)), noCards: true},
		{name: "ketoconazole 200 mg ordered, route 'Oral route', on upadacitinib 30: reduce", c: sign(onUpa(30), draft("k", "6135", "ketoconazole 200 mg", "Oral route", true)), want: w("cyp-interaction", "warning")},
		{name: "tacrolimus 0.1 % ordered, route 'Topical route', on upadacitinib 15: nothing", c: sign(onUpa(15), draft("t", "42316", "tacrolimus 0.1 %", "Topical route", true)), noCards: true},
		{name: "tacrolimus 1 mg ordered, route 'Oral route', on upadacitinib 15: combination", c: sign(onUpa(15), draft("t", "42316", "tacrolimus 1 mg", "Oral route", true)), want: w("combination-immunosuppressant", "warning")},
	}
	runAcc(t, cases)
}
