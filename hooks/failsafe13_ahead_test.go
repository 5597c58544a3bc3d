package hooks

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// failsafe13: results dated after today whose ids are missing or shared,
// and evidence that names today's date for another result. Each card must
// name each result dated ahead with its own date, and every other result
// with its own (today's) date.
func TestFailsafe13AheadDates(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	add := func(r *record, xs ...res) *record { r.observations = append(r.observations, xs...); return r }
	plt := func(id string, v float64, date string) res { return qty(id, "777-3", v, "10*3/uL", "", date) }
	anc := func(id string, v float64, date string) res { return qty(id, "751-8", v, "10*3/uL", "", date) }
	noID := func(x res) res { delete(x, "id"); return x }
	bananas := func(x res, v float64) res { return with(x, "valueQuantity", res{"value": v, "unit": "bananas"}) }
	type want struct{ code, has, hasNot string }
	cases := []struct {
		name  string
		c     call
		wants []want
	}{
		{"two results dated ahead, no ids: each its own date",
			abro100(add(cleanRecord(), noID(plt("x", 40, "2036-11-29")), noID(anc("x", 0.4, "2031-01-01")))),
			[]want{{"thrombocytopenia", "Platelets 40 ×10³/µL on 2036-11-29", "2031"}, {"neutropenia", "ANC 0.4 ×10³/µL on 2031-01-01", "2036"}}},
		{"two results dated ahead, one id: each its own date",
			abro100(add(cleanRecord(), plt("x", 40, "2036-11-29"), anc("x", 0.4, "2031-01-01"))),
			[]want{{"thrombocytopenia", "Platelets 40 ×10³/µL on 2036-11-29", "2031"}, {"neutropenia", "ANC 0.4 ×10³/µL on 2031-01-01", "2036"}}},
		{"two results dated ahead, one id, the other order",
			abro100(add(cleanRecord(), anc("x", 0.4, "2031-01-01"), plt("x", 40, "2036-11-29"))),
			[]want{{"thrombocytopenia", "Platelets 40 ×10³/µL on 2036-11-29", "2031"}, {"neutropenia", "ANC 0.4 ×10³/µL on 2031-01-01", "2036"}}},
		{"one result dated ahead, the id of the current count (collision)",
			abro100(add(cleanRecord(), plt("plt", 40, "2036-11-29"))),
			[]want{{"thrombocytopenia", "Platelets 40 ×10³/µL on 2036-11-29", "2026-11-02"}}},
		{"one result dated ahead, no id (control)",
			abro100(add(cleanRecord(), noID(plt("x", 40, "2036-11-29")))),
			[]want{{"thrombocytopenia", "Platelets 40 ×10³/µL on 2036-11-29", ""}}},
		// A count of unreadable unit dated ahead beside a count of today:
		// the older one keeps today's date.
		{"CBC: unreadable count dated ahead beside one of today 08:00",
			abro100(add(cleanRecord().drop("plt"), plt("p1", 250, "2026-11-29T08:00:00Z"), bananas(plt("p2", 0, "2036-11-29T08:00:00Z"), 250))),
			[]want{{"cbc-missing", "the older result of 2026-11-29 (250", "older result of 2036"}}},
		{"eGFR: unreadable eGFR dated ahead beside one of today 08:00",
			abro100(add(cleanRecord().drop("egfr"), qty("e1", "98979-8", 98, "mL/min/{1.73_m2}", "", "2026-11-29T08:00:00Z"), bananas(qty("e2", "98979-8", 0, "", "", "2036-11-29"), 98))),
			[]want{{"renal-impairment", "The older eGFR of 2026-11-29 (98", "older eGFR of 2036"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cs, body := tc.c.post(t, s)
			for _, wt := range tc.wants {
				require.Contains(t, codesOf(cs), wt.code, cardSummaries(cs))
				d := cardWith(cs, wt.code).Detail
				require.Contains(t, d, wt.has, body)
				require.Contains(t, d, "after today: check its date", body)
				if wt.hasNot != "" {
					require.NotContains(t, d, wt.hasNot, body)
				}
				require.NotContains(t, d, ".;", "a sentence and the note joined")
				require.False(t, strings.Contains(body, "\x00"))
			}
		})
	}
}

// failsafe13: a result dated ahead that gives a worse card than the
// record's own (eGFR 20 dated 2036 beside eGFR 45 of yesterday) replaced
// the record's finding: the current eGFR 45 and its 50 mg were named
// nowhere, so a prescriber who found the 2036 date a typing error and
// overrode the card had nothing left saying 50 mg. The card keeps the
// record's own finding and evidence.
func TestFailsafe13AheadKeepsOwnFinding(t *testing.T) {
	egfr := func(id string, v float64, date string) res {
		return qty(id, "98979-8", v, "mL/min/{1.73_m2}", "", date)
	}
	cases := []accCase{
		{name: "eGFR 45 yesterday, 20 dated 2036: critical, the eGFR 45 named",
			c:    abro100(cleanRecord().replace(egfr("egfr", 45, "2026-11-28")).replace(egfr("e2", 20, "2036-11-28"))),
			want: w("renal-impairment", "critical"), noDose: true,
			detailOf: map[string]string{"renal-impairment": "eGFR 45 mL/min/1.73 m² on 2026-11-28"}},
		{name: "eGFR 45 yesterday, 20 dated 2036: the record's own reading said",
			c:    abro100(cleanRecord().replace(egfr("egfr", 45, "2026-11-28")).replace(egfr("e2", 20, "2036-11-28"))),
			want: w("renal-impairment", "critical"), noDose: true,
			detailOf: map[string]string{"renal-impairment": "Without the results dated after today"}},
		{name: "eGFR 98 yesterday, 20 dated 2036: no record finding to keep",
			c:           abro100(cleanRecord().replace(egfr("egfr", 98, "2026-11-28")).replace(egfr("e2", 20, "2036-11-28"))),
			want:        w("renal-impairment", "critical"),
			notDetailOf: map[string]string{"renal-impairment": "Without the results dated after today"}},
		{name: "eGFR 45 yesterday, 50 dated 2036: nothing more, the record's card alone",
			c:    abro100(cleanRecord().replace(egfr("egfr", 45, "2026-11-28")).replace(egfr("e2", 50, "2036-11-28"))),
			want: w("renal-impairment", "warning"), dose: 50,
			notDetailOf: map[string]string{"renal-impairment": "after today"}},
	}
	runAcc(t, cases)
}
