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
