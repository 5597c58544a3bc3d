package rules

import (
	"math"
	"testing"
	"time"
)

// TestMutrevWeeklyDosageText: the boundary mutation review (docs/rules.md)
// moved the "once weekly" factor of the sig from 1/7 to 1/6 and no test
// failed. A weekly sig is seven days per dose: 70 mg once weekly is 10
// mg/day, whichever spelling.
func TestMutrevWeeklyDosageText(t *testing.T) {
	for _, sig := range []string{"70 mg by mouth once weekly", "70 mg once a week"} {
		m := Medication{Dose: DoseFacts{DoseQuantity: &Quantity{Value: 70, Unit: "mg"}, DosageText: sig}}
		got, how, ok := DailyDose(m)
		if !ok || math.Abs(got-10) > 1e-9 {
			t.Errorf("DailyDose(%q) = %v, %q, %v; want 10 mg/day", sig, got, how, ok)
		}
	}
}

// TestMutrevHourlyIntervals: an interval in hours is read from 1 to 24
// hours (Q1H to Q24H, "every 24 hours": once a day); beyond 24 hours it is
// not read as hours (no dose is guessed). Mutant "every 24 hours is not
// read" survived the review; the timing-code mutants ("Q24H" or "Q1H" not
// read as a code) are equivalent: the dosage-text reader reads the same
// code as "q24h", "q1h" and gives the same dose.
func TestMutrevHourlyIntervals(t *testing.T) {
	mg := func(v float64) *Quantity { return &Quantity{Value: v, Unit: "mg"} }
	tests := []struct {
		name   string
		dose   DoseFacts
		want   float64
		wantOK bool
	}{
		{"timing code Q1H", DoseFacts{DoseQuantity: mg(1), TimingCode: "Q1H"}, 24, true},
		{"timing code Q23H", DoseFacts{DoseQuantity: mg(23), TimingCode: "Q23H"}, 24, true},
		{"timing code Q24H", DoseFacts{DoseQuantity: mg(15), TimingCode: "Q24H"}, 15, true},
		{"timing code Q25H: not understood", DoseFacts{DoseQuantity: mg(15), TimingCode: "Q25H"}, 0, false},
		{"text every 23 hours", DoseFacts{DoseQuantity: mg(23), DosageText: "every 23 hours"}, 24, true},
		{"text every 24 hours", DoseFacts{DoseQuantity: mg(15), DosageText: "15 mg every 24 hours"}, 15, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, how, ok := DailyDose(Medication{Dose: tc.dose})
			if ok != tc.wantOK || math.Abs(got-tc.want) > 1e-9 {
				t.Errorf("DailyDose = %v, %q, %v; want %v, %v", got, how, ok, tc.want, tc.wantOK)
			}
		})
	}
}

// TestMutrevWindowRoundsUp: a window that is not a whole number of days
// (a Config built in code; --rules-config takes whole days and weeks) is
// rounded up to the next day, so that it never shrinks (rules/window.go).
// Mutant "rounded down" survived: every default is whole days.
func TestMutrevWindowRoundsUp(t *testing.T) {
	for _, tc := range []struct {
		w    time.Duration
		want int64
	}{{89 * day, 89}, {89*day + time.Hour, 90}, {90 * day, 90}, {90*day + time.Nanosecond, 91}} {
		if got := windowDays(tc.w); got != tc.want {
			t.Errorf("windowDays(%v) = %d, want %d", tc.w, got, tc.want)
		}
	}
}
