package hooks

import (
	"fmt"
	"strings"
	"testing"
)

// The code paths merged on 2026-12-07 (completed co-medications counted by
// their supply, local use read from the sig, pregnancy conditions ended by
// a negative test, pregnancy tests kept 300 days and eGFRs at any date,
// censored counts and eGFRs, Child-Pugh points and same-day classes,
// vaccine names, stale breastfeeding) under hostile input: bounded in time
// and heap (contract 6.6). testNow is 2026-11-29.

// entries is n Bundle entries made by one(i), comma-separated.
func entries(n int, one func(i int) string) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"resource":` + one(i) + `}`)
	}
	return b.String()
}

func TestBoundedMergedPaths(t *testing.T) {
	if testing.Short() {
		t.Skip("sends bodies of 8 MiB")
	}
	const limit = 8 << 20
	s := newTestServer(t, serverOpts{noStore: true})
	s.fhir = nil
	pregCond := func(i int) string {
		// Each with its own onset day (within the 300 days a pregnancy lasts).
		return fmt.Sprintf(`{"resourceType":"Condition","id":"c%d","clinicalStatus":{"coding":[{"code":"active"}]},"subject":{"reference":"Patient/p1"},"code":{"coding":[{"system":"`+icd+`","code":"Z33.1"}]},"onsetDateTime":"2026-06-%02dT%02d:%02d:00Z"}`, i, 1+i%28, i/60%24, i%60)
	}
	hcg := func(i int) string {
		return fmt.Sprintf(`{"resourceType":"Observation","id":"h%d","status":"final","subject":{"reference":"Patient/p1"},"code":{"coding":[{"system":"http://loinc.org","code":"2106-3"}]},"effectiveDateTime":"2026-11-%02d","valueString":"see note"}`, i, 1+i%28)
	}
	const n = 4_000
	cases := []boundedCase{
		{fmt.Sprintf("%d pregnancy conditions and %d unreadable pregnancy tests since", n, n),
			attackBody(`,"conditions":{"resourceType":"Bundle","entry":[`+entries(n, pregCond)+`]},"observations":{"resourceType":"Bundle","entry":[`+entries(n, hcg)+`]}`, ""), 200},
	}
	ketoSig := strings.Repeat("apo eyesx popo ", 266) // 3,990 bytes, under the 4 KiB limit
	keto := `{"resourceType":"MedicationRequest","id":"k","status":"draft","intent":"order","subject":{"reference":"Patient/p1"},"medicationCodeableConcept":{"text":"ketoconazole 200 mg"},"dosageInstruction":[` +
		strings.TrimSuffix(strings.Repeat(`{"text":"`+ketoSig+`"},`, 2000), ",") + `]}`
	egfr := func(i int) string {
		return fmt.Sprintf(`{"resourceType":"Observation","id":"e%d","status":"final","subject":{"reference":"Patient/p1"},"code":{"coding":[{"system":"http://loinc.org","code":"62238-1"}]},"effectiveDateTime":"%04d-%02d-%02d","valueQuantity":{"value":20,"comparator":"<","unit":"mL/min/1.73m2"}}`, i, 1900+i/336, 1+i/28%12, 1+i%28)
	}
	cp := func(i int) string {
		return fmt.Sprintf(`{"resourceType":"Observation","id":"cp%d","status":"final","subject":{"reference":"Patient/p1"},"code":{"coding":[{"system":"http://loinc.org","code":"98153-0"}]},"effectiveDateTime":"2026-11-02","valueQuantity":{"value":%d,"unit":"{points}"}}`, i, 5+i%11)
	}
	completed := func(i int) string {
		return fmt.Sprintf(`{"resourceType":"MedicationRequest","id":"m%d","status":"completed","intent":"order","subject":{"reference":"Patient/p1"},"authoredOn":"2026-11-%02d","medicationCodeableConcept":{"text":"clarithromycin %d mg"},"dispenseRequest":{"expectedSupplyDuration":{"value":1e300,"code":"d"}},"dosageInstruction":[{"text":"apply to eye %d"}]}`, i, 1+i%28, i, i)
	}
	cases = append(cases,
		boundedCase{"ketoconazole with 2,000 sigs of 4 KiB", attackBody("", `{"resource":`+upaOrder+`},{"resource":`+keto+`}`), 200},
		boundedCase{"28,000 old eGFRs '<20' at distinct dates", attackBody(`,"observations":{"resourceType":"Bundle","entry":[`+entries(28_000, egfr)+`]}`, ""), 200},
		boundedCase{"28,000 Child-Pugh scores of one day", attackBody(`,"observations":{"resourceType":"Bundle","entry":[`+entries(28_000, cp)+`]}`, ""), 200},
		boundedCase{"20,000 completed co-medications of 1e300-day supplies and distinct names", attackBody(`,"medications":{"resourceType":"Bundle","entry":[`+entries(20_000, completed)+`]}`, ""), 200},
	)
	checkBounded(t, s, limit, cases)
}

// A Child-Pugh score reported with a comparator was read as its bound:
// ">9 points" (10 or more: class C, upadacitinib not recommended) was
// class B and gave no card. The class is now that of the highest score the
// value allows (fail safe); a bound within one class reads as that class.
func TestMergedChildPughComparators(t *testing.T) {
	upa := func(r *record) call { return sign(r, jakDraft("upadacitinib", 15)) }
	cp := func(cmp string, v float64) res {
		return with(qty("cp", "98153-0", v, "", "", ago(30)), "valueQuantity", res{"value": v, "comparator": cmp, "unit": "{points}"})
	}
	cases := []accCase{
		{name: "Child-Pugh >9 points: class C, not recommended", c: upa(cleanRecord().replace(cp(">", 9))), want: w("severe-hepatic-impairment", "critical")},
		{name: "Child-Pugh >=10 points: class C, not recommended", c: upa(cleanRecord().replace(cp(">=", 10))), want: w("severe-hepatic-impairment", "critical")},
		{name: "Child-Pugh >=9 points: may be C, not recommended", c: upa(cleanRecord().replace(cp(">=", 9))), want: w("severe-hepatic-impairment", "critical")},
		{name: "Child-Pugh <10 points: at most B, no card", c: upa(cleanRecord().replace(cp("<", 10))), noCards: true},
		{name: "Child-Pugh <=9 points: at most B, no card", c: upa(cleanRecord().replace(cp("<=", 9))), noCards: true},
		{name: "Child-Pugh <=10 points: may be C, not recommended", c: upa(cleanRecord().replace(cp("<=", 10))), want: w("severe-hepatic-impairment", "critical")},
		{name: "Child-Pugh score text '>9': class C, not recommended", c: upa(cleanRecord().replace(rxStr("cp", "98153-0", ">9", 30))), want: w("severe-hepatic-impairment", "critical")},
		{name: "Child-Pugh 9 points, no comparator: class B, no card", c: upa(cleanRecord().replace(cp("", 9))), noCards: true},
	}
	runAcc(t, cases)
}

// An eGFR older than the window was read as its bound when censored:
// upadacitinib with "<45" 14 months ago (may be under 30) and abrocitinib
// with "<=60" (at most 60, may be under 60) gave no card, where a recent
// one of the same value warns. A stale eGFR censored across the drug's
// limit, or at it with "<=", now asks for the eGFR as a low one does.
func TestMergedStaleCensoredEGFR(t *testing.T) {
	old := func(s string) res { return rxStr("egfr", "98979-8", s, 420) }
	cases := []accCase{
		{name: "upadacitinib, eGFR <45 14 months ago: check renal function", c: sign(cleanRecord().replace(old("<45 mL/min/1.73m2")), jakDraft("upadacitinib", 15)), want: w("renal-impairment", "warning"), noDose: true},
		{name: "upadacitinib, eGFR <=30 14 months ago: check renal function", c: sign(cleanRecord().replace(old("<=30 mL/min/1.73m2")), jakDraft("upadacitinib", 15)), want: w("renal-impairment", "warning"), noDose: true},
		{name: "abrocitinib, eGFR <=60 14 months ago: check renal function", c: sign(cleanRecord().replace(old("<=60 mL/min/1.73m2")), jakDraft("abrocitinib", 100)), want: w("renal-impairment", "warning"), noDose: true},
		{name: "upadacitinib, eGFR >30 14 months ago: nothing", c: sign(cleanRecord().replace(old(">30 mL/min/1.73m2")), jakDraft("upadacitinib", 15)), noCards: true},
		{name: "upadacitinib, eGFR >29 14 months ago (may be 29.5): check renal function", c: sign(cleanRecord().replace(old(">29 mL/min/1.73m2")), jakDraft("upadacitinib", 15)), want: w("renal-impairment", "warning"), noDose: true},
		{name: "upadacitinib, eGFR 30 14 months ago: nothing", c: sign(cleanRecord().replace(old("30 mL/min/1.73m2")), jakDraft("upadacitinib", 15)), noCards: true},
		{name: "upadacitinib, eGFR 29 14 months ago: check renal function", c: sign(cleanRecord().replace(old("29 mL/min/1.73m2")), jakDraft("upadacitinib", 15)), want: w("renal-impairment", "warning"), noDose: true},
	}
	runAcc(t, cases)
}

// A sig that takes the drug by mouth without saying "by mouth" was read as
// local use when it named the eye, the scalp or "apply" anywhere, so the
// interaction was dropped: oral cyclosporine "take 2 capsules twice daily
// for scalp psoriasis" gave abrocitinib no immunosuppressant card, and
// clarithromycin "take 1 tablet twice daily; call if eye pain" or
// "1 tab p.o. bid" with "apply" no CYP3A4 dose cap. Taking a tablet,
// capsule or dose ("take", "tab", "cap", "p.o.", "oral") now says oral use.
func TestMergedOralSigNotLocal(t *testing.T) {
	upa30 := func(r *record) call { return sign(r, jakDraft("upadacitinib", 30)) }
	clari := func(sig string) *record {
		return cleanRecord().replace(ixSig(med("cl", "active", rxnorm, "197517", "clarithromycin 500 MG", 10), sig))
	}
	cases := []accCase{
		{name: "cyclosporine 100 mg, take 2 capsules for scalp psoriasis: combination", c: sign(cleanRecord().replace(ixSig(med("c", "active", rxnorm, "3008", "cyclosporine 100 mg", 10), "Take 2 capsules twice daily for scalp psoriasis")), jakDraft("abrocitinib", 100)),
			want: w("combination-immunosuppressant", "warning")},
		{name: "clarithromycin, take 1 tablet, call if eye pain: 15 mg", c: upa30(clari("Take 1 tablet twice daily; call if eye pain")), want: w("cyp-interaction", "warning"), dose: 15},
		{name: "clarithromycin, 1 tab p.o. bid, do not apply to skin: 15 mg", c: upa30(clari("1 tab p.o. bid; do not apply to skin")), want: w("cyp-interaction", "warning"), dose: 15},
		{name: "clarithromycin, 500 mg oral twice daily, eyes: 15 mg", c: upa30(clari("500 mg oral twice daily; may blur eyes")), want: w("cyp-interaction", "warning"), dose: 15},
		{name: "ketoconazole 2 %, apply to scalp: nothing", c: upa30(cleanRecord().replace(ixSig(med("k", "active", rxnorm, "6135", "ketoconazole 2 %", 10), "Apply to scalp, lather, leave 5 minutes"))), noCards: true},
	}
	runAcc(t, cases)
}
