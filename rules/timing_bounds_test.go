package rules

import (
	"testing"
	"time"
)

// suppliedUntil takes the later of a completed order's timing bounds and
// its first supply (failsafe5): a shorter bound, or one before the start,
// never ends the order before its supply runs out; a start before 1970 (a
// negative civilDay) is not lifted to 1970 by the comparison.
func TestSuppliedUntilLaterOfTimingAndSupply(t *testing.T) {
	day := func(s string) time.Time {
		d, err := time.Parse("2006-01-02", s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, tc := range []struct {
		name    string
		start   string
		supply  float64
		dose    DoseFacts
		want    string // "" when no end is known
		wantEnd bool
	}{
		{"supply only", "2026-11-01", 14, DoseFacts{}, "2026-11-14", true},
		{"bounds only", "2026-11-01", 0, DoseFacts{BoundsDays: 14}, "2026-11-14", true},
		{"bound shorter than supply: supply", "2026-11-01", 14, DoseFacts{BoundsDays: 2}, "2026-11-14", true},
		{"bound longer than supply: bound", "2026-11-01", 14, DoseFacts{BoundsDays: 30}, "2026-11-30", true},
		{"end before the start: no stated end, supply", "2026-11-01", 14, DoseFacts{BoundsEnd: day("2025-01-01")}, "2026-11-14", true},
		{"end before the start, no supply: unknown", "2026-11-01", 0, DoseFacts{BoundsEnd: day("2025-01-01")}, "", false},
		{"end on the start day (N): that day", "2026-11-01", 0, DoseFacts{BoundsEnd: day("2026-11-01")}, "2026-11-01", true},
		{"1960 start, supply only: not 1970", "1960-01-01", 14, DoseFacts{}, "1960-01-14", true},
		{"1960 start, bound 2 d and supply 14 d", "1960-01-01", 14, DoseFacts{BoundsDays: 2}, "1960-01-14", true},
		{"end 9999: 9999", "2026-11-01", 14, DoseFacts{BoundsEnd: day("9999-12-31")}, "9999-12-31", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := &Medication{ResourceType: "MedicationRequest", Status: "completed", Authored: day(tc.start), Supply: Supply{Days: tc.supply}, Dose: tc.dose}
			got, ok := suppliedUntil(m)
			if ok != tc.wantEnd {
				t.Fatalf("ok = %v, want %v (%s)", ok, tc.wantEnd, got)
			}
			if ok && got.String() != tc.want {
				t.Errorf("until %s, want %s", got, tc.want)
			}
		})
	}
}

// timingLastDay of an order taken before 1970 is its own day, not
// 1970-01-01 (the zero civilDay).
func TestTimingLastDayBefore1970(t *testing.T) {
	start := time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC)
	m := &Medication{ResourceType: "MedicationRequest", Status: "completed", Authored: start, Dose: DoseFacts{BoundsDays: 14}}
	got, ok := timingLastDay(m)
	if !ok || got.String() != "1960-01-14" {
		t.Errorf("timingLastDay = %s, %v; want 1960-01-14", got, ok)
	}
	m.Dose = DoseFacts{BoundsEnd: time.Date(1960, 2, 1, 0, 0, 0, 0, time.UTC)}
	if got, ok := timingLastDay(m); !ok || got.String() != "1960-02-01" {
		t.Errorf("timingLastDay = %s, %v; want 1960-02-01", got, ok)
	}
}
