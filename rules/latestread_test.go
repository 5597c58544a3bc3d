package rules

import (
	"testing"
	"time"
)

// TestLatestReadSameTime: results not known to be newer than one another
// (the same instant, or the same day when one is written date-only) are
// read together and the worse one counts, for qualitative results as for
// values: a positive beside a negative is positive; an indeterminate
// answer beside a negative leaves that day unread.
func TestLatestReadSameTime(t *testing.T) {
	k := embeddedKnowledge(t)
	day := dateOnlyDaysAgo(10)
	timed := day.Add(16 * time.Hour)
	obs := func(id, code string, d time.Time, value string) Observation {
		return Observation{ID: id, Codes: loinc(code), Status: "final", Date: d, ValueCodes: snomed(value)}
	}
	tb1 := func(d time.Time, flag string) Observation {
		return Observation{ID: "tb1", Codes: loinc("64084-7"), Status: "final", Date: d,
			Quantity: &Quantity{Value: 0.02, Unit: "[IU]/mL"}, Interpretation: codings(SystemInterpretation, flag)}
	}
	cases := []struct {
		name string
		set  string
		obs  []Observation
		want result
	}{
		{"positive date-only, negative timed the same day", VSHBsAg, []Observation{obs("a", "5196-1", day, sctPositive), obs("b", "5196-1", timed, sctNegative)}, resultPositive},
		{"negative date-only, positive timed the same day", VSHBsAg, []Observation{obs("a", "5196-1", day, sctNegative), obs("b", "5196-1", timed, sctPositive)}, resultPositive},
		{"positive the day before a timed negative", VSHBsAg, []Observation{obs("a", "5196-1", day.AddDate(0, 0, -1), sctPositive), obs("b", "5196-1", timed, sctNegative)}, resultNegative},
		{"two timed results of one day: the later counts", VSHBsAg, []Observation{obs("a", "5196-1", day.Add(8*time.Hour), sctPositive), obs("b", "5196-1", timed, sctNegative)}, resultNegative},
		{"indeterminate IGRA and a normal tube value at one instant", VSTBTest, []Observation{obs("q", "71773-6", timed, sctIndeterminate), tb1(timed, "N")}, resultUnknown},
		{"indeterminate IGRA date-only, normal tube value timed", VSTBTest, []Observation{obs("q", "71773-6", day, sctIndeterminate), tb1(timed, "N")}, resultUnknown},
		{"indeterminate IGRA today, negative 6 months ago", VSTBTest, []Observation{obs("q", "71773-6", dateOnlyDaysAgo(1), sctIndeterminate), obs("n", "71773-6", dateOnlyDaysAgo(180), sctNegative)}, resultNegative},
		{"indeterminate IGRA beside a negative, an older negative", VSTBTest, []Observation{obs("q", "71773-6", timed, sctIndeterminate), tb1(timed, "N"), obs("n", "71773-6", dateOnlyDaysAgo(180), sctNegative)}, resultNegative},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ix := newIndex(k, &Record{Observations: tc.obs}, testNow)
			_, r, _ := ix.latestRead(tc.set, anyDay, ix.read)
			if r != tc.want {
				t.Errorf("read %v, want %v", r, tc.want)
			}
		})
	}
	// Many results of one day beside one date-only indeterminate answer:
	// one pass, not one per result (a body of this size answers within
	// the deadline).
	var many []Observation
	for i := range 20000 {
		many = append(many, tb1(day.Add(time.Duration(i)*time.Second), "N"))
	}
	many = append(many, obs("q", "71773-6", day, sctIndeterminate))
	ix := newIndex(k, &Record{Observations: many}, testNow)
	start := time.Now()
	if _, r, unread := ix.latestRead(VSTBTest, anyDay, ix.read); r != resultUnknown || len(unread) != len(many) {
		t.Errorf("read %v with %d unread, want unknown with %d", r, len(unread), len(many))
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}
