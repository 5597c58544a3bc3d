package fhir

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestParseDate(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2026", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), true},
		{"2026-11", time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), true},
		{"2026-11-02", time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), true},
		{" 2026-11-02 ", time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), true},
		{"2026-11-02T10:30:00+01:00", time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC), true},
		{"2026-11-02T10:30:00Z", time.Date(2026, 11, 2, 10, 30, 0, 0, time.UTC), true},
		{"2026-11-02T10:30:00.250-05:00", time.Date(2026, 11, 2, 15, 30, 0, 250e6, time.UTC), true},
		{"2026-11-02T10:30:00", time.Date(2026, 11, 2, 10, 30, 0, 0, time.UTC), true},
		{"2026-11-02T10:30Z", time.Date(2026, 11, 2, 10, 30, 0, 0, time.UTC), true},
		// A leap second (FHIR R4 allows second 60) is read as :59.
		{"2016-12-31T23:59:60Z", time.Date(2016, 12, 31, 23, 59, 59, 0, time.UTC), true},
		{"2016-12-31T23:59:60.5+01:00", time.Date(2016, 12, 31, 22, 59, 59, 5e8, time.UTC), true},
		{"2016-12-31T23:59:60", time.Date(2016, 12, 31, 23, 59, 59, 0, time.UTC), true},
		{"2016-12-31T23:60:00Z", time.Time{}, false},
		{"", time.Time{}, false},
		{"2026-13", time.Time{}, false},
		{"2026-02-30", time.Time{}, false},
		{"11/02/2026", time.Time{}, false},
		{"yesterday", time.Time{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := ParseDate(tc.in)
			assert.Equal(t, tc.ok, ok)
			assert.True(t, tc.want.Equal(got), "got %v", got)
		})
	}
}
