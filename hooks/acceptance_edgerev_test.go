package hooks

import "testing"

// Hostile-input review, 2026-12-07 known limits (edgerev).
//
// A date more than 130 years before today (0001-01-02, 1800) on a
// condition was read as old: a pregnancy condition with that onset was
// dropped as ended (more than 300 days), a missed critical card. Such a
// date is now read as unknown, as 0001-01-01 (Go's zero time) already was:
// the condition stays current. Today is 2026-11-29 (testNow): 1896-11-29
// is the last plausible day.
func TestAcceptanceEdgerevImplausibleConditionDates(t *testing.T) {
	preg := func(kv ...any) res { return rxCond("p", icd, "Z33.1", "active", "", kv...) }
	noTest := func() *record { return cleanRecord().drop("hcg") }
	upa15 := func(r *record) call { return sign(r, jakDraft("upadacitinib", 15)) }
	pregnant := accCase{want: w("pregnancy", "critical")}
	ended := accCase{want: w("pregnancy-test-missing", "warning"), absent: []string{"pregnancy"}}
	cases := []accCase{}
	add := func(name string, c call, want accCase) {
		want.name, want.c = name, c
		cases = append(cases, want)
	}
	for _, tc := range []struct {
		onset string
		want  accCase
	}{
		{"0001-01-01", pregnant},
		{"0001-01-02", pregnant},
		{"1800-01-01", pregnant},
		{"1896-11-28", pregnant}, // 130 years and a day: unknown
		{"1896-11-29", ended},    // 130 years: plausible, old
		{"1896-11-30", ended},
		{ago(300), ended},
		{ago(299), pregnant},
		{ago(-1), pregnant}, // after today: current
		{"9999-12-31", pregnant},
	} {
		add("Z33.1 onset "+tc.onset+", no test", upa15(noTest().replace(preg("onsetDateTime", tc.onset))), tc.want)
	}
	// An implausible onset falls back to the recorded date.
	add("Z33.1 onset 1800-01-01, recorded 400 days ago: ended", upa15(noTest().replace(preg("onsetDateTime", "1800-01-01", "recordedDate", ago(400)))), ended)
	add("Z33.1 onset 1800-01-01, recorded 10 days ago: pregnant", upa15(noTest().replace(preg("onsetDateTime", "1800-01-01", "recordedDate", ago(10)))), pregnant)
	// An implausible date is an undated condition: a negative test does not end it.
	add("Z33.1 onset 1800-01-01, negative hCG 4 days ago: pregnant (as undated)", upa15(cleanRecord().replace(preg("onsetDateTime", "1800-01-01"))), pregnant)
	runAcc(t, cases)
}

// A given live vaccine dated after today (a typing error: 9999, next
// month) was left out as not yet given; it is now read as recent.
func TestAcceptanceEdgerevFutureLiveVaccine(t *testing.T) {
	upa := func(r *record) call { return sign(r, jakDraft("upadacitinib", 15)) }
	cases := []accCase{
		{name: "Zostavax dated tomorrow: live vaccine recent", c: upa(cleanRecord().replace(immunization("zvl", "121", ago(-1)))), want: w("live-vaccine-recent", "warning")},
		{name: "MMR dated 9999-12-31: live vaccine recent", c: upa(cleanRecord().replace(immunization("mmr", "03", "9999-12-31"))), want: w("live-vaccine-recent", "warning")},
		{name: "Zostavax today: live vaccine recent", c: upa(cleanRecord().replace(immunization("zvl", "121", ago(0)))), want: w("live-vaccine-recent", "warning")},
		{name: "Zostavax dated 1800-01-01: old, nothing", c: upa(cleanRecord().replace(immunization("zvl", "121", "1800-01-01"))), noCards: true},
	}
	runAcc(t, cases)
}

// A sig or route holding letters of another script than Latin (a
// look-alike Cyrillic "у" or Greek "ο" in "by mouth") is not read as
// local use: the drug keeps counting. Plain Latin local sigs stay local.
func TestAcceptanceEdgerevMixedScriptSig(t *testing.T) {
	keto := func(sig string) *record {
		return cleanRecord().replace(ixSig(med("k", "active", rxnorm, "6135", "ketoconazole 2 %", 10), sig))
	}
	upa30 := func(r *record) call { return sign(r, jakDraft("upadacitinib", 30)) }
	cases := []accCase{
		{name: "Latin sig apply: local, nothing", c: upa30(keto("Apply to affected area twice daily")), noCards: true},
		{name: "Latin sig with accents (é): local, nothing", c: upa30(keto("Apply to affected aréa twice daily")), noCards: true},
		{name: "apply, 'b\u0443 mouth' with Cyrillic у: counts", c: upa30(keto("Apply to rash; 200 mg b\u0443 mouth daily")), want: w("cyp-interaction", "warning"), dose: 15},
		{name: "apply, 'by m\u03bfuth' with Greek ο: counts", c: upa30(keto("Apply to rash; 200 mg by m\u03bfuth daily")), want: w("cyp-interaction", "warning"), dose: 15},
		{name: "sig apply, route '\u041eral route' with Cyrillic О: counts", c: upa30(cleanRecord().replace(routed(med("k", "active", rxnorm, "6135", "ketoconazole 2 %", 10), "\u041eral route", false, "Apply to affected area"))),
			want: w("cyp-interaction", "warning"), dose: 15},
	}
	runAcc(t, cases)
}
