package fhir

import (
	"strings"
	"time"
)

// ParseDate parses a FHIR date, dateTime or instant. A partial date
// ("2026", "2026-11") is read as its first day, a date without a time as
// midnight UTC. ok is false for an empty or unreadable value.
func ParseDate(s string) (t time.Time, ok bool) {
	s = strings.TrimSpace(s)
	var err error
	switch len(s) {
	case 0:
		return time.Time{}, false
	case 4:
		t, err = time.Parse("2006", s)
	case 7:
		t, err = time.Parse("2006-01", s)
	case 10:
		t, err = time.Parse("2006-01-02", s)
	default:
		// The FHIR dateTime and instant forms, then the zone-less times
		// some clients send (read as UTC).
		layouts := [...]string{
			time.RFC3339Nano,
			"2006-01-02T15:04:05.999999999",
			"2006-01-02T15:04Z07:00",
			"2006-01-02T15:04",
		}
		for _, layout := range layouts {
			if t, err = time.Parse(layout, s); err == nil {
				break
			}
		}
	}
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

// date is ParseDate for an optional element; zero when absent or unreadable.
func date(p *string) time.Time {
	if p == nil {
		return time.Time{}
	}
	t, _ := ParseDate(*p)
	return t
}
