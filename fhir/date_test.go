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

var dateBytesCases = []string{
	"2026-11-29", "2024-02-29", "2026-02-29", "2026-13-01", "2026-00-10", "2026-01-32", "2026-04-31",
	"2026-11-29T10:00:00Z", "2026-11-29T10:00:00+01:00", "2026-11-29T10:00:00-05:30", "2026-11-29T10:00:00-00:00",
	"2026-11-29T10:00:00.5Z", "2026-11-29T10:00:00.123456789Z", "2026-11-29T10:00:00.1234567891Z",
	"2026-11-29T24:00:00Z", "2026-11-29T23:60:00Z", "2026-11-29T23:59:60Z", "2026-11-29T10:00:00+24:00",
	"2026-11-29T10:00:00+14:00", "2026-11-29T10:00:00+01:60", "2026-11-29t10:00:00z", "2026-11-29T10:00:00",
	"2026-11-29T10:00Z", "2026-11-29T10:00:00.Z", "2026-11-29T10:00:00+0100", "2026", "2026-11", "+026-11-29",
	"2026-1-29", "2026/11/29", "2026-11-29T1:00:00Z", "0000-01-01", "9999-12-31T23:59:59.999999999-12:00", "2026-11-29T10:00:00+23:59", "2026-11-29T10:00:00-23:59",
}

// parseDateBytes gives ParseDate's instant for the forms it reads, and
// declines the rest.
