package hooks

import "testing"

// TestAcceptanceFailsafe15ConditionNamedByMatchedCode: a Condition sent
// with two codings and no text or display is named by the value set's
// display with the code that display is of. "Sepsis, code SEP1 (active)"
// gave a site's local code the knowledge base's name for SNOMED 91302008
// sent beside it (failsafe15; noise13 question 3's naming).
func TestAcceptanceFailsafe15ConditionNamedByMatchedCode(t *testing.T) {
	coded := func(cs ...res) res {
		c := condition("sepsis", sct, "91302008", "active")
		list := make([]any, len(cs))
		for i, x := range cs {
			list[i] = x
		}
		c["code"] = res{"coding": list}
		return c
	}
	local := res{"system": "http://example.org/local", "code": "SEP1"}
	snomed := res{"system": sct, "code": "91302008"}
	icd419 := res{"system": icd, "code": "A41.9"}
	const code = "serious-infection-active"
	cases := []accCase{
		{name: "local code first, SNOMED second: the SNOMED code named", c: view(onTx("upadacitinib", 60, coded(local, snomed))),
			want: w(code, "critical"), detailOf: map[string]string{code: "Sepsis, code 91302008 (active)"}, notDetailOf: map[string]string{code: "code SEP1"}},
		{name: "SNOMED first, local second: the SNOMED code named", c: view(onTx("upadacitinib", 60, coded(snomed, local))),
			want: w(code, "critical"), detailOf: map[string]string{code: "Sepsis, code 91302008 (active)"}, notDetailOf: map[string]string{code: "code SEP1"}},
		{name: "ICD-10-CM listed by name first: its own name and code", c: view(onTx("abrocitinib", 60, coded(icd419, snomed))),
			want: w(code, "critical"), detailOf: map[string]string{code: "Sepsis, unspecified organism, code A41.9 (active)"}},
	}
	runAcc(t, cases)
}

// TestAcceptanceFailsafe15UnreadableDoseBesideTie: two current orders of
// the course of one date, 15 mg and one whose dose cannot be read (a
// product RxCUI with no strength): the course's dose is unknown, whatever
// the bundle's order. mutrev3's higher-dose tie rule took the 15 mg one and
// said "Keep upadacitinib at 15 mg daily or less while on clarithromycin",
// which the unreadable order may be above (failsafe15). With two readable
// doses the higher stays (mutrev3's test).
func TestAcceptanceFailsafe15UnreadableDoseBesideTie(t *testing.T) {
	clar := drugDraft("x", rxnorm, "197517", "clarithromycin 500 MG Oral Tablet")
	rec := func(unreadFirst bool, days int) *record {
		a := courseMed("u15", "MedicationRequest", "active", "upadacitinib", 15, 60)
		b := with(courseMed("ux", "MedicationRequest", "active", "upadacitinib", 30, days), "medicationCodeableConcept", cc(rxnorm, "2196894", "", ""))
		r := cleanRecord()
		if unreadFirst {
			r.medications = append(r.medications, b, a)
		} else {
			r.medications = append(r.medications, a, b)
		}
		return r
	}
	const code = "cyp-interaction"
	var cases []accCase
	for _, first := range []bool{false, true} {
		order := map[bool]string{false: "15 mg listed first", true: "unreadable listed first"}[first]
		cases = append(cases,
			accCase{name: "one date (" + order + "): dose unknown, check it", c: sign(rec(first, 60), clar), want: w(code, "warning"),
				detailOf: map[string]string{code: "the current dose could not be read: check it"}, notDetailOf: map[string]string{code: "within the label limit"}},
			// N-1 and N+1: the later order alone is the course's.
			accCase{name: "unreadable order a day later (" + order + "): dose unknown", c: sign(rec(first, 59), clar), want: w(code, "warning"),
				detailOf: map[string]string{code: "the current dose could not be read"}},
			accCase{name: "unreadable order a day earlier (" + order + "): the 15 mg order is the course's", c: sign(rec(first, 61), clar), want: w(code, "warning"),
				detailOf: map[string]string{code: "within the label limit"}},
		)
	}
	runAcc(t, cases)
}

// TestAcceptanceFailsafe15DiscontinuePinned pins what the fail-safe review
// 15 checked of committee2's "Discontinue <drug>" after an MI, stroke or
// thrombosis since the course start, and of the lead's abrocitinib
// "Discontinue" for a serious infection: found right, kept so.
func TestAcceptanceFailsafe15DiscontinuePinned(t *testing.T) {
	mi := onsetCond("mi", "I21.4")
	dvt := onsetCond("dvt", "I82.401")
	recorded := func(id, code, date string) res { return with(cond(id, icd, code, "active"), "recordedDate", date) }
	sepsis := condition("sepsis", sct, "91302008", "active")
	var cases []accCase
	for _, drug := range []string{"upadacitinib", "abrocitinib"} {
		low := map[string]int{"upadacitinib": 15, "abrocitinib": 100}[drug]
		high := map[string]int{"upadacitinib": 30, "abrocitinib": 200}[drug]
		on := func() *record { return cleanRecord().onCourse(drug) } // started 2026-06-01
		stopMI := map[string]string{"mace-history": "Discontinue " + drug + ": MI or stroke since the start"}
		stopClot := map[string]string{"vte-risk": "Discontinue " + drug + ": thrombosis since the start"}
		sel := func(r *record, mg int) call {
			return call{hook: HookOrderSelect, r: r, drafts: []res{jakDraft(drug, mg)}, selections: []string{"MedicationRequest/new"}}
		}
		cases = append(cases,
			accCase{name: drug + ": MI since the start, renewal lowering the dose: discontinue, no dose",
				c: sign(onCourseAt(drug, high, 60).replace(mi(ago(14))), jakDraft(drug, low)), want: w("mace-history", "warning"), summaryOf: stopMI, noDose: true},
			accCase{name: drug + ": MI since the start, order-select: discontinue", c: sel(on().replace(mi(ago(14))), low),
				want: w("mace-history", "warning"), summaryOf: stopMI, noDose: true},
			accCase{name: drug + ": MI since the start, course on hold: discontinue", c: view(held(drug, "MedicationRequest", mi(ago(14)))),
				want: w("mace-history", "warning"), summaryOf: stopMI},
			accCase{name: drug + ": DVT onset 2026-06 (the start's month): discontinue, the partial date said", c: view(on().replace(dvt("2026-06"))),
				want: w("vte-risk", "warning"), summaryOf: stopClot, detailOf: map[string]string{"vte-risk": "only its month or year given"}},
			accCase{name: drug + ": DVT onset 2026 (the start's year): discontinue, the partial date said", c: view(on().replace(dvt("2026"))),
				want: w("vte-risk", "warning"), summaryOf: stopClot, detailOf: map[string]string{"vte-risk": "between 2026-01-01 and 2026-12-31"}},
			accCase{name: drug + ": DVT onset 2026-05 (the month before the start): history, no card", c: view(on().replace(dvt("2026-05"))), noCards: true},
			accCase{name: drug + ": DVT recorded 14 days ago, no onset: discontinue, 'onset not stated'", c: view(on().replace(recorded("dvt", "I82.401", ago(14)))),
				want: w("vte-risk", "warning"), summaryOf: stopClot, detailOf: map[string]string{"vte-risk": "onset not stated"}},
			accCase{name: drug + ": MI dated after today: discontinue, the date questioned", c: view(on().replace(mi("2026-12-20"))),
				want: w("mace-history", "warning"), summaryOf: stopMI, detailOf: map[string]string{"mace-history": "after today: check its date"}},
			accCase{name: drug + ": sepsis, order-select renewal", c: sel(onTx(drug, 60, sepsis), low), want: w("serious-infection-active", "critical"),
				summaryOf: map[string]string{"serious-infection-active": infectionVerb[drug] + " " + drug}},
			accCase{name: drug + ": sepsis, course completed, patient-view: no card", c: view(cleanRecord().replace(sepsis).replace(courseMed(drug+"-1", "MedicationRequest", "completed", drug, low, 60))),
				absent: []string{"serious-infection-active"}},
		)
	}
	runAcc(t, cases)
}
