package rules

import (
	"math"
	"testing"
	"time"
)

// A completed order's supply (days x (1 + repeats)) ends its course no
// later than today, whatever the figures a caller gives: no wrapped
// civilDay from a float past int64, no NaN, a course ending before it
// started or in year 292277026596.
func TestSupplyEndBounded(t *testing.T) {
	e := mustEngine(t, testKnowledge())
	for _, tc := range []struct {
		name    string
		supply  Supply
		endDays int // days before testNow the course ended (-1: ended on its start)
	}{
		{"30 days, no repeats", Supply{Days: 30}, 70},
		{"1e308 days, max repeats", Supply{Days: 1e308, Repeats: math.MaxInt}, 0},
		{"3650 days, max repeats", Supply{Days: 3650, Repeats: math.MaxInt}, 0},
		{"9.2e18 days", Supply{Days: 9.2e18}, 0},
		{"+Inf days", Supply{Days: math.Inf(1)}, 0},
		{"NaN days", Supply{Days: math.NaN()}, -1},
		{"30 days, min repeats (read as none)", Supply{Days: 30, Repeats: math.MinInt}, 70},
		{"30 days, -2 repeats (read as none)", Supply{Days: 30, Repeats: -2}, 70},
		{"-1e308 days", Supply{Days: -1e308}, -1},
		{"1e-308 days", Supply{Days: 1e-308}, 99},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := dailyMg(medication("upa", rx("2196092"), "completed"), 15)
			m.Authored = daysAgo(100)
			m.Supply = tc.supply
			cs := e.Courses(&Record{Patient: &Patient{BirthDate: daysAgo(40 * 365), Gender: "male"}, Medications: []Medication{m}}, testNow)
			if len(cs) != 1 {
				t.Fatalf("%d courses", len(cs))
			}
			c := cs[0]
			want := testNow.AddDate(0, 0, -tc.endDays)
			if tc.endDays < 0 {
				want = m.Authored
			}
			if tc.endDays == 0 {
				// The first supply alone runs past today: a completed order
				// still taken, the course ongoing (bbabro question 3,
				// decided), its supply's end bounded, not wrapped before
				// the start.
				if !c.Ongoing || c.SuppliedUntil.Before(m.Authored) {
					t.Errorf("ongoing %v, supplied until %s", c.Ongoing, c.SuppliedUntil.Format(time.DateOnly))
				}
				return
			}
			if c.Ongoing || c.End.Format(time.DateOnly) != want.Format(time.DateOnly) {
				t.Errorf("course ended %s (ongoing %v), want %s", c.End.Format(time.DateOnly), c.Ongoing, want.Format(time.DateOnly))
			}
		})
	}
}
