package hooks

import "testing"

// The noise9 review: the eGFR card of 7 December ("eGFR could not be
// read") read as a CDS committee pharmacist deciding whether jakguard may
// interrupt, on the eGFR forms real labs and EHRs send.

// TestAcceptanceNoise9EGFRTextWords: an eGFR written as text with words
// after its number ("60 or greater", "90+", ">60 See note", "45 (calc)")
// read the words as a unit not recognised, and every such eGFR, over 60 as
// it says, gave both drugs "eGFR could not be read (unit "or greater" not
// recognised)". "or greater" and "+" are ">=", "or less" and the like
// "<=" (always said), other words that cannot be a rate no unit; a number
// with no unit not below the drug's highest limit is not said (labsweep).
func TestAcceptanceNoise9EGFRTextWords(t *testing.T) {
	txt := func(v string) *record { return cleanRecord().drop("egfr").replace(rxStr("egfr2", "98979-8", v, 5)) }
	abro := func(r *record) call { return sign(r, jakDraft("abrocitinib", 100)) }
	upa := func(r *record) call { return sign(r, jakDraft("upadacitinib", 15)) }
	check := map[string]string{"renal-impairment": "eGFR could not be read (no unit)"}
	var cases []accCase
	for _, v := range []string{"60 or greater", "60 OR GREATER", "90+", "60 +", "60 or more", "60 and above", ">60 See note", ">60 (calc)", ">=60 L"} {
		cases = append(cases,
			accCase{name: "abrocitinib, eGFR written " + v + ": nothing", c: abro(txt(v)), noCards: true},
			accCase{name: "upadacitinib, eGFR written " + v + ": nothing", c: upa(txt(v)), noCards: true})
	}
	// At the limits, in words: abrocitinib 60, upadacitinib 30.
	cases = append(cases,
		accCase{name: "abrocitinib, '59 or greater': may be under 60, said", c: abro(txt("59 or greater")), want: w("renal-impairment", "warning"), summaryOf: check, noDose: true,
			detailOf: map[string]string{"renal-impairment": `eGFR written "59 or greater" on ` + ago(5) + ": no unit, so it was not used."}},
		accCase{name: "abrocitinib, '61 or greater': nothing", c: abro(txt("61 or greater")), noCards: true},
		accCase{name: "upadacitinib, '29+': said", c: upa(txt("29+")), want: w("renal-impairment", "warning"), summaryOf: check},
		accCase{name: "upadacitinib, '30+': nothing", c: upa(txt("30+")), noCards: true},
		accCase{name: "upadacitinib, '31 (calc)': nothing", c: upa(txt("31 (calc)")), noCards: true},
		accCase{name: "upadacitinib, '29 (calc)': said", c: upa(txt("29 (calc)")), want: w("renal-impairment", "warning"), summaryOf: check},
		accCase{name: "abrocitinib, '45 (calc)': said, as a unitless 45", c: abro(txt("45 (calc)")), want: w("renal-impairment", "warning"), summaryOf: check},
		// "or less" is never taken for its bound.
		accCase{name: "abrocitinib, '60 or less': said", c: abro(txt("60 or less")), want: w("renal-impairment", "warning"), summaryOf: check},
		accCase{name: "upadacitinib, '90 and below': said", c: upa(txt("90 and below")), want: w("renal-impairment", "warning"), summaryOf: check},
		// Words that may be a unit stay a unit not recognised.
		accCase{name: "upadacitinib, '0.4 mL/s/1.73m2' as text: said, the unit in the text", c: upa(txt("0.4 mL/s/1.73m2")), want: w("renal-impairment", "warning"),
			summaryOf: map[string]string{"renal-impairment": "eGFR could not be read (unit not recognised)"},
			detailOf:  map[string]string{"renal-impairment": `eGFR written "0.4 mL/s/1.73m2" on ` + ago(5) + ": unit not recognised, so it was not used."}},
		accCase{name: "upadacitinib, '90 ml per min' as text: said", c: upa(txt("90 ml per min")), want: w("renal-impairment", "warning")},
		// No number: no card.
		accCase{name: "eGFR 'Not calculated': nothing", c: abro(txt("Not calculated")), noCards: true},
		accCase{name: "eGFR 'Unable to calculate': nothing", c: upa(txt("Unable to calculate")), noCards: true},
		accCase{name: "eGFR 'N/A': nothing", c: abro(txt("N/A")), noCards: true},
	)
	runAcc(t, cases)
}

// TestAcceptanceNoise9EGFRUnitSpellings: eGFR units as lab printouts spell
// mL/min/1.73 m² that were not in the table: each eGFR of 45 was "could
// not be read" for both drugs (noise on upadacitinib, whose limit is 30)
// instead of abrocitinib's 50 mg; now read. mL/min/SA stays unread (not
// said to be per 1.73 m²).
func TestAcceptanceNoise9EGFRUnitSpellings(t *testing.T) {
	var cases []accCase
	for _, u := range []string{"mL/min/(1.73_m2)", "mL/min/1.73m(2)", "mL/min/1.73 m**2", "mL/min/1.73", "mL/min/1.73 square meters",
		"mL/min/1.73 sq metres", "ml/min/1,73 m²", "mL/min/1.73 m2 BSA", "cc/min/1.73m2", "mL/min/{1.73_m^2}"} {
		r := func(v float64) *record {
			return cleanRecord().drop("egfr").replace(qty("egfr2", "98979-8", v, "", u, ago(5)))
		}
		cases = append(cases,
			accCase{name: "abrocitinib, eGFR 45 " + u + ": 50 mg", c: sign(r(45), jakDraft("abrocitinib", 100)), want: w("renal-impairment", "warning"), dose: 50},
			accCase{name: "abrocitinib, eGFR 59 " + u + ": 50 mg", c: sign(r(59), jakDraft("abrocitinib", 100)), want: w("renal-impairment", "warning"), dose: 50},
			accCase{name: "abrocitinib, eGFR 60 " + u + ": nothing", c: sign(r(60), jakDraft("abrocitinib", 100)), noCards: true},
			accCase{name: "upadacitinib, eGFR 45 " + u + ": nothing", c: sign(r(45), jakDraft("upadacitinib", 15)), noCards: true},
			accCase{name: "upadacitinib, eGFR 29 " + u + ": renal dose", c: sign(r(29), jakDraft("upadacitinib", 30)), want: w("renal-impairment", "warning"), dose: 15})
	}
	cases = append(cases, accCase{name: "mL/min/SA: not read", c: sign(cleanRecord().drop("egfr").replace(qty("egfr2", "98979-8", 45, "", "mL/min/SA", ago(5))), jakDraft("upadacitinib", 15)),
		want: w("renal-impairment", "warning"), summaryOf: map[string]string{"renal-impairment": "eGFR could not be read (unit not recognised)"}})
	runAcc(t, cases)
}

// TestAcceptanceNoise9EGFRUnitNamedOnce: the unit not recognised was named
// four times on one card (summary, heading, and twice in one line of
// evidence: "eGFR 0.4 mL/s/1.73m2 on ...: unit "mL/s/1.73m2" not
// recognised"), and a long one cut the summary at 139 characters. It is
// named once, in the evidence; the summary and heading say "unit not
// recognised". Beside a renal finding that names the older eGFR, the
// older one is not named again.
func TestAcceptanceNoise9EGFRUnitNamedOnce(t *testing.T) {
	long := "mL/min/1.73 square meters of body surface area, calculated by the CKD-EPI 2021 equation without race"
	upa := func(v float64, u string) call {
		return sign(cleanRecord().replace(qty("egfr2", "98979-8", v, "", u, ago(5))), jakDraft("upadacitinib", 15))
	}
	abroOlder45 := sign(cleanRecord().replace(qty("egfr", "98979-8", 45, "mL/min/{1.73_m2}", "", ago(60))).replace(qty("egfr2", "98979-8", 20, "", "", ago(5))),
		jakDraft("abrocitinib", 100))
	runAcc(t, []accCase{
		{name: "mL/s: the unit once", c: upa(0.4, "mL/s/1.73m2"), want: w("renal-impairment", "warning"),
			summaryOf:   map[string]string{"renal-impairment": "Check renal function for upadacitinib: eGFR could not be read (unit not recognised)"},
			detailOf:    map[string]string{"renal-impairment": `eGFR 0.4 on ` + ago(5) + `: unit "mL/s/1.73m2" not recognised, so it was not used. The older eGFR of 2026-11-02 (98 mL/min/1.73 m²) may not be the current one.`},
			notDetailOf: map[string]string{"renal-impairment": `0.4 mL/s/1.73m2`}},
		{name: "a long unit: the summary whole", c: upa(20, long), want: w("renal-impairment", "warning"),
			summaryOf: map[string]string{"renal-impairment": "eGFR could not be read (unit not recognised)"},
			detailOf:  map[string]string{"renal-impairment": "eGFR could not be read (unit not recognised): renal dose not known"}},
		{name: "no unit: said once", c: upa(20, ""), want: w("renal-impairment", "warning"),
			detailOf:    map[string]string{"renal-impairment": "eGFR 20 on " + ago(5) + ": no unit, so it was not used."},
			notDetailOf: map[string]string{"renal-impairment": "20 (no unit)"}},
		{name: "beside the older eGFR's finding: not named twice", c: abroOlder45, want: w("renal-impairment", "warning"), dose: 50,
			detailOf:    map[string]string{"renal-impairment": "eGFR 20 on " + ago(5) + ": no unit, so it was not used. The older eGFR above may not be the current one."},
			notDetailOf: map[string]string{"renal-impairment": "The older eGFR of"}},
		{name: "renewal: on-treatment wording", c: func() call {
			c := upa(20, "")
			c.r.medications = append(c.r.medications, courseMed("upa-1", "MedicationRequest", "active", "upadacitinib", 15, 120))
			return c
		}(), want: w("renal-impairment", "warning"), detailOf: map[string]string{"renal-impairment": "Check the eGFR on upadacitinib: with eGFR 15 to below 30"},
			notDetailOf: map[string]string{"renal-impairment": "before starting"}},
	})
}

// TestAcceptanceNoise9EGFRSignedComparators: "≤15" and "≥60", as
// printouts write them, were no number at all: an eGFR "≤15" on
// abrocitinib said nothing (a readable eGFR of 98 three weeks older stood
// for it). They are "<=" and ">=", and read as those are.
func TestAcceptanceNoise9EGFRSignedComparators(t *testing.T) {
	txt := func(v string) *record { return cleanRecord().replace(rxStr("egfr2", "98979-8", v, 5)) }
	runAcc(t, []accCase{
		{name: "abrocitinib, '≤15': said", c: sign(txt("≤15"), jakDraft("abrocitinib", 100)), want: w("renal-impairment", "warning"),
			summaryOf: map[string]string{"renal-impairment": "eGFR could not be read (no unit)"}},
		{name: "abrocitinib, '≤15 mL/min/1.73m2': not recommended", c: sign(txt("≤15 mL/min/1.73m2"), jakDraft("abrocitinib", 100)), want: w("renal-impairment", "critical"), noDose: true},
		{name: "upadacitinib, '≤ 29 mL/min/1.73 m2': the renal dose", c: sign(txt("≤ 29 mL/min/1.73 m2"), jakDraft("upadacitinib", 30)), want: w("renal-impairment", "warning"), dose: 15},
		{name: "upadacitinib, '≤ 30 mL/min/1.73 m2': may be under 15, as '<=30'", c: sign(txt("≤ 30 mL/min/1.73 m2"), jakDraft("upadacitinib", 15)), want: w("renal-impairment", "warning"),
			summaryOf: map[string]string{"renal-impairment": "eGFR reported only as <=30"}},
		{name: "abrocitinib, '≥60': nothing", c: sign(txt("≥60"), jakDraft("abrocitinib", 100)), noCards: true},
		{name: "abrocitinib, '≥59': said", c: sign(txt("≥59"), jakDraft("abrocitinib", 100)), want: w("renal-impairment", "warning")},
		{name: "upadacitinib, '≥30 mL/min/1.73m2': nothing", c: sign(txt("≥30 mL/min/1.73m2"), jakDraft("upadacitinib", 15)), noCards: true},
	})
}

// TestAcceptanceNoise9EGFRComparatorWords: "LESS THAN 15" and "Greater
// than 60", as some printouts write a censored eGFR, were no number at all:
// abrocitinib with "less than 15" (and an older eGFR of 98) had no card.
// They read as "<" and ">".
func TestAcceptanceNoise9EGFRComparatorWords(t *testing.T) {
	txt := func(v string) *record { return cleanRecord().replace(rxStr("egfr2", "98979-8", v, 5)) }
	abro := func(v string) call { return sign(txt(v), jakDraft("abrocitinib", 100)) }
	upa := func(v string) call { return sign(txt(v), jakDraft("upadacitinib", 15)) }
	runAcc(t, []accCase{
		{name: "abrocitinib, 'less than 15': said", c: abro("less than 15"), want: w("renal-impairment", "warning"),
			summaryOf: map[string]string{"renal-impairment": "eGFR could not be read (no unit)"}},
		{name: "abrocitinib, 'LESS THAN 15 mL/min/1.73m2': not recommended", c: abro("LESS THAN 15 mL/min/1.73m2"), want: w("renal-impairment", "critical"), noDose: true},
		{name: "abrocitinib, 'Greater than 60': nothing", c: abro("Greater than 60"), noCards: true},
		{name: "abrocitinib, 'greater than 59': said", c: abro("greater than 59"), want: w("renal-impairment", "warning")},
		{name: "upadacitinib, 'greater than 29': said", c: upa("greater than 29"), want: w("renal-impairment", "warning")},
		{name: "upadacitinib, 'greater than 30': nothing", c: upa("greater than 30"), noCards: true},
		{name: "upadacitinib, 'at least 31 mL/min/1.73 m2': nothing", c: upa("at least 31 mL/min/1.73 m2"), noCards: true},
		{name: "'less than <15': no number, nothing", c: abro("less than <15"), noCards: true},
		{name: "'lessthan15' is no comparator: nothing", c: abro("lessthan15"), noCards: true},
	})
}
