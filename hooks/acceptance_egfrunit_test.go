package hooks

import "testing"

// An eGFR whose number cannot be read (no unit, a unit not recognised) is
// said on the renal card (contract 6.5: the card's evidence says which unit
// was not recognised), not passed over: abrocitinib with an eGFR of 25 sent
// without a unit answered no renal card at all (labsweep, question 4), and
// an older readable eGFR stood for a newer one that could not be read.
func TestAcceptanceEGFRUnitNotRead(t *testing.T) {
	egfr := func(id string, v float64, unit string, days int) res {
		return qty(id, "98979-8", v, unit, "", ago(days))
	}
	unread := func(days int) res { return egfr("egfr2", 25, "", days) }
	abro := func(r *record) call { return sign(r, jakDraft("abrocitinib", 100)) }
	upa := func(r *record) call { return sign(r, jakDraft("upadacitinib", 15)) }
	check := map[string]string{"renal-impairment": "eGFR could not be read"}
	cases := []accCase{
		{name: "abrocitinib, only eGFR 25 with no unit: check the eGFR, no dose", c: abro(cleanRecord().drop("egfr").replace(unread(5))),
			want: w("renal-impairment", "warning"), summaryOf: check, detailOf: map[string]string{"renal-impairment": "eGFR 25 on 2026-11-24: no unit, so it was not used"}, noDose: true},
		{name: "upadacitinib, only eGFR 0.4 mL/s/1.73m2: check the eGFR, the unit named", c: upa(cleanRecord().drop("egfr").replace(egfr("egfr2", 0.4, "mL/s/1.73m2", 5))),
			want: w("renal-impairment", "warning"), detailOf: map[string]string{"renal-impairment": `eGFR 0.4 on 2026-11-24: unit "mL/s/1.73m2" not recognised`}, noDose: true},
		{name: "abrocitinib, eGFR 98 of 2026-11-02 and a newer one with no unit: the older may not be current", c: abro(cleanRecord().replace(unread(5))),
			want: w("renal-impairment", "warning"), summaryOf: check, detailOf: map[string]string{"renal-impairment": "older eGFR of 2026-11-02"}},
		{name: "abrocitinib, eGFR 20 of 60 days ago and a newer one with no unit: still not recommended, both said", c: abro(cleanRecord().replace(egfr("egfr", 20, "mL/min/{1.73_m2}", 60)).replace(unread(5))),
			want: w("renal-impairment", "critical"), detailOf: map[string]string{"renal-impairment": "eGFR 25 on 2026-11-24: no unit, so it was not used"}, noDose: true},
		// With no unit, a number that cannot be below the drug's highest
		// limit in the eGFR codes' own unit is not said (">60" as labs
		// write it): abrocitinib 60, upadacitinib 30, at N-1, N and N+1.
		{name: "abrocitinib, unitless eGFR 59: said", c: abro(cleanRecord().drop("egfr").replace(egfr("egfr2", 59, "", 5))), want: w("renal-impairment", "warning"), summaryOf: check},
		{name: "abrocitinib, unitless eGFR 60: nothing", c: abro(cleanRecord().drop("egfr").replace(egfr("egfr2", 60, "", 5))), noCards: true},
		{name: "abrocitinib, unitless eGFR 61: nothing", c: abro(cleanRecord().drop("egfr").replace(egfr("egfr2", 61, "", 5))), noCards: true},
		{name: "upadacitinib, unitless eGFR 29: said", c: upa(cleanRecord().drop("egfr").replace(egfr("egfr2", 29, "", 5))), want: w("renal-impairment", "warning"), summaryOf: check},
		{name: "upadacitinib, unitless eGFR 30: nothing", c: upa(cleanRecord().drop("egfr").replace(egfr("egfr2", 30, "", 5))), noCards: true},
		{name: "upadacitinib, unitless eGFR 31: nothing", c: upa(cleanRecord().drop("egfr").replace(egfr("egfr2", 31, "", 5))), noCards: true},
		{name: "abrocitinib, eGFR '>60' as text: nothing", c: abro(cleanRecord().replace(rxStr("egfr2", "98979-8", ">60", 5))), noCards: true},
		{name: "upadacitinib, eGFR '<60' as text: may be under 30: said", c: upa(cleanRecord().replace(rxStr("egfr2", "98979-8", "<60", 5))),
			want: w("renal-impairment", "warning"), summaryOf: check},
		{name: "upadacitinib, eGFR 90 in an unknown unit: said (the unit decides nothing)", c: upa(cleanRecord().replace(egfr("egfr2", 90, "mL/s/1.73m2", 5))),
			want: w("renal-impairment", "warning"), summaryOf: check},
		// The window's edge: an unreadable eGFR counts where a readable one would.
		{name: "unitless eGFR 365 days ago, none other: check the eGFR", c: abro(cleanRecord().drop("egfr").replace(unread(365))),
			want: w("renal-impairment", "warning"), summaryOf: check},
		{name: "unitless eGFR 366 days ago, none other: nothing (outside the window)", c: abro(cleanRecord().drop("egfr").replace(unread(366))), noCards: true},
		// Not said: a readable eGFR newer or of the same day, an eGFR with no number.
		{name: "unitless eGFR older than the readable 98: nothing", c: abro(cleanRecord().replace(unread(40))), noCards: true},
		{name: "unitless eGFR of the same day as the readable 98: nothing", c: abro(cleanRecord().replace(egfr("egfr2", 25, "", 27))), noCards: true},
		{name: "eGFR 'see comment' with no number: nothing", c: upa(cleanRecord().drop("egfr").replace(rxStr("egfr2", "98979-8", "see comment", 5))), noCards: true},
		{name: "eGFR 25 with its unit: not recommended, as before", c: abro(cleanRecord().drop("egfr").replace(egfr("egfr2", 25, "mL/min/{1.73_m2}", 5))),
			want: w("renal-impairment", "critical")},
	}
	runAcc(t, cases)
}

// A finding's section heading starts with a capital: "**abrocitinib not
// recommended: ...**" opened the critical renal card in lower case (noise9,
// left over); an abbreviation ("eGFR") keeps its letters.
func TestAcceptanceHeadingCase(t *testing.T) {
	egfr := func(v float64, unit string) res { return qty("egfr", "98979-8", v, unit, "", ago(5)) }
	cases := []accCase{
		{name: "abrocitinib, eGFR 20: the heading capitalised", c: sign(cleanRecord().replace(egfr(20, "mL/min/{1.73_m2}")), jakDraft("abrocitinib", 100)),
			want: w("renal-impairment", "critical"), detailOf: map[string]string{"renal-impairment": "**Abrocitinib not recommended: eGFR below 30"}},
		{name: "upadacitinib 45 mg: the heading capitalised", c: sign(cleanRecord(), jakDraft("upadacitinib", 45)),
			want: w("dose-above-label", "warning"), detailOf: map[string]string{"dose-above-label": "**Upadacitinib above the atopic dermatitis maximum"}},
		{name: "eGFR with no unit: eGFR as written", c: sign(cleanRecord().drop("egfr").replace(egfr(25, "")), jakDraft("abrocitinib", 100)),
			want: w("renal-impairment", "warning"), detailOf: map[string]string{"renal-impairment": "**eGFR could not be read"}},
	}
	runAcc(t, cases)
}
