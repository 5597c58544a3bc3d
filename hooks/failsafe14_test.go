package hooks

import "testing"

// failsafe14: a result dated after today, read as current, never weakens
// the record's own card. The reading with results dated ahead said "more"
// whenever it gave a dose limit the record's finding lacked, whatever the
// levels: an eGFR 45 dated 2036 beside the record's eGFR 20 of yesterday
// turned the critical "Avoid abrocitinib" (no dose at all) into the warning
// "Reduce abrocitinib to 50 mg daily" with its update; an eGFR 20 dated
// 2036 beside an eGFR 10 did the same for upadacitinib (15 mg).
func TestFailsafe14AheadNeverWeakens(t *testing.T) {
	egfr := func(id string, v float64, date string) res {
		return qty(id, "98979-8", v, "mL/min/{1.73_m2}", "", date)
	}
	both := func(now, ahead float64) *record {
		return cleanRecord().replace(egfr("egfr", now, "2026-11-28")).replace(egfr("e2", ahead, "2036-11-28"))
	}
	upa30 := func(r *record) call { return sign(r, jakDraft("upadacitinib", 30)) }
	own := map[string]string{"renal-impairment": "eGFR "}
	cases := []accCase{
		// The record's own "not recommended" stands beside a limit dated ahead.
		{name: "abrocitinib: eGFR 29 now, 30 dated 2036: critical, no dose", c: abro100(both(29, 30)),
			want: w("renal-impairment", "critical"), noDose: true, notDetailOf: map[string]string{"renal-impairment": "after today"}},
		{name: "abrocitinib: eGFR 20 now, 45 dated 2036: critical, no dose", c: abro100(both(20, 45)),
			want: w("renal-impairment", "critical"), noDose: true, notDetailOf: map[string]string{"renal-impairment": "after today"}},
		{name: "abrocitinib: eGFR 29 now, 31 dated 2036: critical, no dose", c: abro100(both(29, 31)),
			want: w("renal-impairment", "critical"), noDose: true, detailOf: own},
		{name: "abrocitinib 200 renewal: eGFR 20 now, 45 dated 2036: critical, no dose",
			c:    sign(both(20, 45).replace(courseMed("c1", "MedicationRequest", "active", "abrocitinib", 100, 60)), jakDraft("abrocitinib", 200)),
			want: w("renal-impairment", "critical"), noDose: true},
		{name: "upadacitinib 30: eGFR 14 now, 15 dated 2036: critical, no dose", c: upa30(both(14, 15)),
			want: w("renal-impairment", "critical"), noDose: true, notDetailOf: map[string]string{"renal-impairment": "after today"}},
		{name: "upadacitinib 30: eGFR 10 now, 20 dated 2036: critical, no dose", c: upa30(both(10, 20)),
			want: w("renal-impairment", "critical"), noDose: true},
		// A worse reading dated ahead still says more (unchanged).
		{name: "abrocitinib: eGFR 30 now, 29 dated 2036: critical, its date questioned", c: abro100(both(30, 29)),
			want: w("renal-impairment", "critical"), noDose: true, detailOf: map[string]string{"renal-impairment": aheadNote("2036-11-28")}},
		{name: "abrocitinib: eGFR 98 now, 45 dated 2036: 50 mg, its date questioned", c: abro100(both(98, 45)),
			want: w("renal-impairment", "warning"), dose: 50, detailOf: map[string]string{"renal-impairment": aheadNote("2036-11-28")}},
		{name: "abrocitinib: eGFR 31 now, 30 dated 2036: the record's 50 mg alone", c: abro100(both(31, 30)),
			want: w("renal-impairment", "warning"), dose: 50, notDetailOf: map[string]string{"renal-impairment": "after today"}},
		{name: "upadacitinib 30: eGFR 15 now, 14 dated 2036: critical, its date questioned", c: upa30(both(15, 14)),
			want: w("renal-impairment", "critical"), noDose: true, detailOf: map[string]string{"renal-impairment": aheadNote("2036-11-28")}},
	}
	runAcc(t, cases)
}

// failsafe14: a card given only by a result dated after today no longer
// hides another card the record's own results give. The record's positive
// anti-HBc (check HBV DNA before starting) was left out beside "hbv-active"
// from an HBsAg dated 2036 alone, and the record's positive HCV antibody
// beside "hcv-active" from an HCV RNA dated 2036: a prescriber who found
// the 2036 date an error and overrode the card had nothing left saying the
// current result.
func TestFailsafe14AheadKeepsOtherOwnCard(t *testing.T) {
	const detected = "260373001"
	hbc := obsCode("hbc", "16933-4", positive, ago(20))
	hcv := obsCode("hcv", "13955-0", positive, ago(20))
	hbsag := func(id, date string) res { return obsCode(id, "5196-1", positive, date) }
	rna := func(id, date string) res { return obsCode(id, "11011-4", detected, date) }
	cases := []accCase{
		{name: "anti-HBc positive now, HBsAg positive dated 2036: both cards",
			c:    upa15(cleanRecord().replace(hbc).replace(hbsag("hbsag2", "2036-11-02"))),
			want: w("hbv-active", "critical", "hbv-core-antibody-positive", "warning"), absent: []string{"hbv-screening-missing"},
			detailOf: map[string]string{"hbv-active": aheadNote("2036-11-02")}},
		{name: "anti-HCV positive now, HCV RNA detected dated 2036: both cards",
			c:    abro100(cleanRecord().replace(hcv).replace(rna("rna2", "2036-11-02"))),
			want: w("hcv-active", "critical", "hcv-antibody-positive", "warning"), absent: []string{"hcv-screening-missing"},
			detailOf: map[string]string{"hcv-active": aheadNote("2036-11-02")}},
		// The record's own active hepatitis still speaks for the antibody.
		{name: "anti-HBc and HBsAg positive now: hbv-active alone",
			c:    upa15(cleanRecord().replace(hbc).replace(hbsag("hbsag", ago(20)))),
			want: w("hbv-active", "critical"), absent: []string{"hbv-core-antibody-positive"}},
		{name: "anti-HCV positive now, HCV RNA detected now: hcv-active alone",
			c:    abro100(cleanRecord().replace(hcv).replace(rna("rna", ago(20)))),
			want: w("hcv-active", "critical"), absent: []string{"hcv-antibody-positive"}},
		{name: "anti-HBc negative, HBsAg positive dated 2036: hbv-active alone",
			c:    upa15(cleanRecord().replace(hbsag("hbsag2", "2036-11-02"))),
			want: w("hbv-active", "critical"), absent: []string{"hbv-core-antibody-positive", "hbv-screening-missing"}},
		{name: "anti-HBc positive now, HBsAg positive now and dated 2036: hbv-active alone",
			c:    upa15(cleanRecord().replace(hbc).replace(hbsag("hbsag", ago(20))).replace(hbsag("hbsag2", "2036-11-02"))),
			want: w("hbv-active", "critical"), absent: []string{"hbv-core-antibody-positive"}},
	}
	runAcc(t, cases)
}
