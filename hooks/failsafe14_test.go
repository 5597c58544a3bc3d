package hooks

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

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

// failsafe14: hostile ids, texts and dates on results dated after today,
// and many of them beside many draft orders. The internal tag of the
// reading with results dated ahead ("\x00ahead:<i>") never reaches an
// answer; every such result is named with its own date.
func TestFailsafe14AheadHostile(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	plt := func(id string, v float64, date string) res { return qty(id, "777-3", v, "10*3/uL", "", date) }
	tagged := with(plt("\x00ahead:13", 40, "2036-11-29"), "code",
		res{"text": "Platelets\x00ahead:0", "coding": []any{res{"system": loinc, "code": "777-3", "display": "x\x00ahead:1"}}})
	cases := []struct {
		name string
		c    call
		date string // the date the thrombocytopenia card names
	}{
		{"tag as id, code text and display", abro100(cleanRecord().replace(tagged)), "2036-11-29"},
		{"tag as the id of a current result", abro100(cleanRecord().replace(plt("p9", 40, "2036-11-29")).replace(qty("\x00ahead:13", "751-8", 3.9, "10*3/uL", "", ago(3)))), "2036-11-29"},
		{"9999-12-31T23:59:59-12:00 (year 10000 in UTC)", abro100(cleanRecord().replace(plt("p9", 40, "9999-12-31T23:59:59-12:00"))), "9999-12-31"},
		{"9999-12-31", abro100(cleanRecord().replace(plt("p9", 40, "9999-12-31"))), "9999-12-31"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cs, body := tc.c.post(t, s)
			require.NotContains(t, body, "ahead:", "the internal tag in the answer")
			require.NotContains(t, body, `\u0000`)
			require.Contains(t, codesOf(cs), "thrombocytopenia", cardSummaries(cs))
			require.Contains(t, cardWith(cs, "thrombocytopenia").Detail, aheadNote(tc.date))
		})
	}
	if testing.Short() {
		return
	}
	// 20,000 low counts dated ahead beside 3,000 draft orders: the second
	// reading of each order stays within the deadline.
	s.fhir = nil
	obs := func(i int) string {
		return fmt.Sprintf(`{"resourceType":"Observation","id":"o%d","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"777-3"}]},"effectiveDateTime":"2036-11-02","valueQuantity":{"value":%d,"code":"10*3/uL"}}`, i, 40+i%100)
	}
	draft := func(i int) string {
		return fmt.Sprintf(`{"resourceType":"MedicationRequest","id":"u%d","status":"draft","intent":"order","subject":{"reference":"Patient/p1"},"medicationCodeableConcept":{"text":"Cibinqo 100 mg"}}`, i)
	}
	body := attackBody(`,"observations":{"resourceType":"Bundle","entry":[`+entries(20_000, obs)+`]}`, `{"resource":`+upaOrder+`},`+entries(3_000, draft))
	checkBounded(t, s, 8<<20, []boundedCase{{"20,000 results dated ahead, 3,001 draft orders", body, 200}})
}
