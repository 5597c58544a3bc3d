package hooks

import (
	"fmt"
	"testing"
)

// Lab safety and organ impairment as a pharmacist reads the labels (RINVOQ
// US PI 2.1, 2.5, 5.8, 8.6, 8.7; CIBINQO US PI 2.1, 2.3, 5.6; knowledge base
// R7, R8, R11, R12, C4, C5, C7, C8): the threshold boundaries in SI units,
// results the lab could only bound (comparators), a newest result that
// cannot be read beside an older one that can, old eGFRs, and Child-Pugh
// classes written twice or as points.

func TestAcceptanceLabReviewCountBoundariesSI(t *testing.T) {
	upa := func(r *record) call { return sign(r, jakDraft("upadacitinib", 15)) }
	abro := func(r *record) call { return sign(r, jakDraft("abrocitinib", 100)) }
	var cases []accCase
	row := func(name string, c call, low bool, code string) {
		tc := accCase{name: name, c: c, noCards: true}
		if low {
			tc = accCase{name: name, c: c, want: w(code, "critical"), absent: []string{"cbc-missing"}}
		}
		cases = append(cases, tc)
	}
	for _, b := range []struct {
		v   float64
		low bool
	}{{0.49, true}, {0.50, false}, {0.51, false}} {
		row(fmt.Sprintf("ALC %.2f 10*9/L", b.v), upa(cleanRecord().replace(qty("alc", "731-0", b.v, "10*9/L", "", ago(5)))), b.low, "lymphopenia")
	}
	for _, b := range []struct {
		v   float64
		low bool
	}{{999, true}, {1000, false}, {1001, false}} {
		row(fmt.Sprintf("ANC %.0f /mm3", b.v), upa(cleanRecord().replace(qty("anc", "751-8", b.v, "/mm3", "", ago(5)))), b.low, "neutropenia")
	}
	// Hb 8 g/dL = 80 g/L = 4.966 mmol/L (x 1.611).
	for _, b := range []struct {
		v         float64
		unit, lnc string
		low       bool
	}{{79, "g/L", "718-7", true}, {80, "g/L", "718-7", false}, {81, "g/L", "718-7", false},
		{4.96, "mmol/L", "59260-0", true}, {4.97, "mmol/L", "59260-0", false}, {4.98, "mmol/L", "59260-0", false}} {
		row(fmt.Sprintf("hemoglobin %v %s", b.v, b.unit), upa(cleanRecord().drop("hgb").replace(qty("hgb2", b.lnc, b.v, b.unit, "", ago(5)))), b.low, "anemia")
	}
	for _, b := range []struct {
		v   float64
		low bool
	}{{149, true}, {150, false}, {151, false}} {
		row(fmt.Sprintf("abrocitinib start, platelets %.0f 10*9/L", b.v), abro(cleanRecord().replace(qty("plt", "777-3", b.v, "10*9/L", "", ago(5)))), b.low, "thrombocytopenia")
	}
	for _, b := range []struct {
		v   float64
		low bool
	}{{49, true}, {50, false}, {51, false}} {
		c := sign(stable("abrocitinib", 100).replace(qty("plt", "777-3", b.v, "10*9/L", "", ago(5))), jakDraft("abrocitinib", 100))
		tc := accCase{name: fmt.Sprintf("abrocitinib renewal, platelets %.0f 10*9/L", b.v), c: c, onlyInfo: true}
		if b.low {
			tc = accCase{name: tc.name, c: c, want: w("thrombocytopenia", "critical"), summaryOf: map[string]string{"thrombocytopenia": "Discontinue"}}
		}
		cases = append(cases, tc)
	}
	runAcc(t, cases)
}

func TestAcceptanceLabReviewUnreadableNewest(t *testing.T) {
	upa := func(r *record) call { return sign(r, jakDraft("upadacitinib", 15)) }
	abro := func(r *record) call { return sign(r, jakDraft("abrocitinib", 100)) }
	cases := []accCase{
		// The newest count has a unit the rules do not know: an older
		// normal count must not stand for it (it may be the low one).
		{name: "start: newest ALC 0.3 'thousands', older ALC 1.8 K/uL: CBC asked, older not used", c: upa(cleanRecord().
			replace(qty("alc", "731-0", 0.3, "", "thousands", ago(2))).replace(qty("alc0", "731-0", 1.8, "10*3/uL", "", ago(40)))),
			want: w("cbc-missing", "warning"), detailOf: map[string]string{"cbc-missing": "was not used, since the newer count may be lower"}},
		{name: "start: newest platelets 90 'kilocells', older 250 K/uL on abrocitinib: CBC asked", c: abro(cleanRecord().
			replace(qty("plt", "777-3", 90, "", "kilocells", ago(2))).replace(qty("plt0", "777-3", 250, "10*3/uL", "", ago(40)))),
			want: w("cbc-missing", "warning"), absent: []string{"thrombocytopenia"}},
		// Same day: the readable one is of the same time, and counts.
		{name: "start: ALC in an unknown unit beside a readable ALC of the same day: no card", c: upa(cleanRecord().
			replace(qty("alc", "731-0", 0.3, "", "thousands", ago(2))).replace(qty("alc0", "731-0", 1.8, "10*3/uL", "", ago(2)))), noCards: true},
		// An older readable low count still counts beside the unreadable newer one.
		{name: "start: newest ALC in an unknown unit, older ALC 0.3 K/uL: lymphopenia and CBC asked", c: upa(cleanRecord().
			replace(qty("alc", "731-0", 1.8, "", "thousands", ago(2))).replace(qty("alc0", "731-0", 0.3, "10*3/uL", "", ago(40)))),
			want: w("lymphopenia", "critical", "cbc-missing", "warning")},
	}
	runAcc(t, cases)
}

func TestAcceptanceLabReviewCensoredCounts(t *testing.T) {
	upa := func(r *record) call { return sign(r, jakDraft("upadacitinib", 15)) }
	abro := func(r *record) call { return sign(r, jakDraft("abrocitinib", 100)) }
	cens := func(id, lnc, cmp string, v float64, unit string) res {
		return with(qty(id, lnc, v, "", "", ago(5)), "valueQuantity", res{"value": v, "comparator": cmp, "unit": unit})
	}
	cases := []accCase{
		{name: "ANC >0.5 K/uL: may be above or below 1,000: CBC asked, no neutropenia", c: upa(cleanRecord().replace(cens("anc", "751-8", ">", 0.5, "K/uL"))),
			want: w("cbc-missing", "warning"), absent: []string{"neutropenia"}, detailOf: map[string]string{"cbc-missing": "cannot be told whether it is below 1,000 cells/mm³"}},
		{name: "ANC <2 K/uL: may be above or below 1,000: CBC asked", c: upa(cleanRecord().replace(cens("anc", "751-8", "<", 2, "K/uL"))),
			want: w("cbc-missing", "warning"), absent: []string{"neutropenia"}},
		{name: "ANC >1 K/uL: above 1,000: no card", c: upa(cleanRecord().replace(cens("anc", "751-8", ">", 1, "K/uL"))), noCards: true},
		{name: "ALC <=0.5 K/uL (at the reporting limit): lymphopenia", c: upa(cleanRecord().replace(cens("alc", "731-0", "<=", 0.5, "K/uL"))),
			want: w("lymphopenia", "critical"), absent: []string{"cbc-missing"}},
		{name: "ALC >=0.5 K/uL: not below 500: no card", c: upa(cleanRecord().replace(cens("alc", "731-0", ">=", 0.5, "K/uL"))), noCards: true},
		{name: "abrocitinib start, platelets >100 K/uL: may be below 150,000: CBC asked", c: abro(cleanRecord().replace(cens("plt", "777-3", ">", 100, "K/uL"))),
			want: w("cbc-missing", "warning"), absent: []string{"thrombocytopenia"}},
		{name: "abrocitinib start, platelets <150 K/uL: thrombocytopenia", c: abro(cleanRecord().replace(cens("plt", "777-3", "<", 150, "K/uL"))),
			want: w("thrombocytopenia", "critical")},
		{name: "renewal: ANC >0.5 K/uL on upadacitinib: monitoring says it could not be judged, no neutropenia", c: sign(stable("upadacitinib", 15).replace(cens("anc", "751-8", ">", 0.5, "K/uL")), jakDraft("upadacitinib", 15)),
			want: w("monitoring-cbc-due", "warning"), absent: []string{"neutropenia"}},
		{name: "renewal: platelets >100 K/uL on abrocitinib: above 50,000: no card", c: sign(stable("abrocitinib", 100).replace(cens("plt", "777-3", ">", 100, "K/uL")), jakDraft("abrocitinib", 100)),
			onlyInfo: true},
	}
	runAcc(t, cases)
}

func TestAcceptanceLabReviewRenal(t *testing.T) {
	egfr := func(v float64, days int) res { return qty("egfr", "98979-8", v, "mL/min/{1.73_m2}", "", ago(days)) }
	eg := func(s string) res { return rxStr("egfr", "98979-8", s, 5) }
	stale := map[string]string{"renal-impairment": "Check renal function"}
	cases := []accCase{
		// An eGFR older than 12 months sets no dose, but a low one is said.
		{name: "abrocitinib, eGFR 45 400 days ago: check renal function, no dose", c: sign(cleanRecord().replace(egfr(45, 400)), jakDraft("abrocitinib", 200)),
			want: w("renal-impairment", "warning"), summaryOf: stale, noDose: true},
		{name: "abrocitinib, eGFR 20 five years ago: check, not critical", c: sign(cleanRecord().replace(egfr(20, 5*365)), jakDraft("abrocitinib", 100)),
			want: w("renal-impairment", "warning"), summaryOf: stale, detailOf: map[string]string{"renal-impairment": "below 30 it is not recommended"}},
		// Ten years back at most (staleEGFRHorizon): 3650 days, not 3651.
		{name: "abrocitinib, eGFR 20 3650 days ago: check", c: sign(cleanRecord().replace(egfr(20, 3650)), jakDraft("abrocitinib", 100)),
			want: w("renal-impairment", "warning"), summaryOf: stale},
		{name: "abrocitinib, eGFR 20 3651 days ago: too old to say anything", c: sign(cleanRecord().replace(egfr(20, 3651)), jakDraft("abrocitinib", 100)), noCards: true},
		{name: "upadacitinib, eGFR 20 400 days ago: check renal function", c: sign(cleanRecord().replace(egfr(20, 400)), jakDraft("upadacitinib", 15)),
			want: w("renal-impairment", "warning"), summaryOf: stale},
		{name: "upadacitinib, eGFR 45 400 days ago: nothing (no upadacitinib limit above 30)", c: sign(cleanRecord().replace(egfr(45, 400)), jakDraft("upadacitinib", 30)), noCards: true},
		{name: "abrocitinib, eGFR 59 400 days ago: check", c: sign(cleanRecord().replace(egfr(59, 400)), jakDraft("abrocitinib", 100)), want: w("renal-impairment", "warning"), summaryOf: stale},
		{name: "abrocitinib, eGFR 60 400 days ago: nothing", c: sign(cleanRecord().replace(egfr(60, 400)), jakDraft("abrocitinib", 100)), noCards: true},
		{name: "abrocitinib, eGFR 20 400 days ago and 75 last month: the recent one decides", c: sign(cleanRecord().replace(egfr(20, 400)).replace(qty("egfr2", "98979-8", 75, "mL/min/{1.73_m2}", "", ago(30))), jakDraft("abrocitinib", 100)), noCards: true},
		{name: "abrocitinib, eGFR 20 400 days ago and CKD 3 on the problem list: 50 mg from the condition", c: sign(cleanRecord().replace(egfr(20, 400)).replace(cond("ckd", icd, "N18.32", "active")), jakDraft("abrocitinib", 100)),
			want: w("renal-impairment", "warning"), dose: 50},
		// Censored eGFRs: below 60 is not below 30.
		{name: "upadacitinib 30 mg, eGFR <60: may be under 30: check the value", c: sign(cleanRecord().replace(eg("<60 mL/min/1.73m2")), jakDraft("upadacitinib", 30)),
			want: w("renal-impairment", "warning"), summaryOf: map[string]string{"renal-impairment": "eGFR reported only as <60"}, noDose: true},
		{name: "abrocitinib, eGFR <60: 50 mg, and it may be under 30", c: sign(cleanRecord().replace(eg("<60 mL/min/1.73m2")), jakDraft("abrocitinib", 100)),
			want: w("renal-impairment", "warning"), dose: 50, detailOf: map[string]string{"renal-impairment": "so it may be lower"}},
		{name: "upadacitinib 30 mg, eGFR <30: 15 mg, and it may be under 15", c: sign(cleanRecord().replace(eg("<30 mL/min/1.73m2")), jakDraft("upadacitinib", 30)),
			want: w("renal-impairment", "warning"), dose: 15, detailOf: map[string]string{"renal-impairment": "so it may be lower"}},
		{name: "abrocitinib, eGFR <30: not recommended", c: sign(cleanRecord().replace(eg("<30 mL/min/1.73m2")), jakDraft("abrocitinib", 100)), want: w("renal-impairment", "critical"), noDose: true},
		{name: "upadacitinib, eGFR <15: not recommended", c: sign(cleanRecord().replace(eg("<15 mL/min/1.73m2")), jakDraft("upadacitinib", 15)), want: w("renal-impairment", "critical"), noDose: true},
		{name: "abrocitinib, eGFR >60: nothing", c: sign(cleanRecord().replace(eg(">60 mL/min/1.73m2")), jakDraft("abrocitinib", 100)), noCards: true},
		{name: "upadacitinib, eGFR >59: nothing", c: sign(cleanRecord().replace(eg(">59 mL/min/1.73m2")), jakDraft("upadacitinib", 30)), noCards: true},
	}
	runAcc(t, cases)
}

func TestAcceptanceLabReviewChildPugh(t *testing.T) {
	upa := func(r *record) call { return sign(r, jakDraft("upadacitinib", 15)) }
	cases := []accCase{
		// Two classes of one day: the worse counts, whatever the bundle order.
		{name: "Child-Pugh B then C of the same day: not recommended", c: upa(cleanRecord().replace(rxStr("cp", "98153-0", "B", 30)).replace(rxStr("cp2", "98153-0", "C", 30))),
			want: w("severe-hepatic-impairment", "critical")},
		{name: "Child-Pugh C then B of the same day: not recommended", c: upa(cleanRecord().replace(rxStr("cp", "98153-0", "C", 30)).replace(rxStr("cp2", "98153-0", "B", 30))),
			want: w("severe-hepatic-impairment", "critical")},
		{name: "Child-Pugh C a year ago, B this month: no card", c: upa(cleanRecord().replace(rxStr("cp", "98153-0", "C", 365)).replace(rxStr("cp2", "98153-0", "B", 30))), noCards: true},
		// A score in points.
		{name: "Child-Pugh score 12 {points}: not recommended", c: upa(cleanRecord().replace(qty("cp", "98153-0", 12, "{points}", "", ago(30)))), want: w("severe-hepatic-impairment", "critical")},
		{name: "Child-Pugh score 10 'pts': not recommended", c: upa(cleanRecord().replace(qty("cp", "98153-0", 10, "", "pts", ago(30)))), want: w("severe-hepatic-impairment", "critical")},
		{name: "Child-Pugh score 9 points with cirrhosis: class B, no card", c: upa(cleanRecord().replace(cond("x", icd, "K74.60", "active")).replace(qty("cp", "98153-0", 9, "", "points", ago(30)))), noCards: true},
	}
	runAcc(t, cases)
}
