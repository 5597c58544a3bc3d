package fhir

import (
	"strings"
	"time"
)

// The FHIR date forms by length (a partial date "2026" or "2026-11" is its
// first day, a date without a time midnight UTC), and the dateTime and
// instant forms, then the zone-less times some clients send (read as UTC).
var (
	dateLayouts     = map[int]string{4: "2006", 7: "2006-01", 10: "2006-01-02"}
	dateTimeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04Z07:00", "2006-01-02T15:04"}
)

// ParseDate parses a FHIR date, dateTime or instant; ok is false for an
// empty or unreadable value.
func ParseDate(s string) (t time.Time, ok bool) {
	s = strings.TrimSpace(s)
	layouts := dateTimeLayouts
	if l, ok := dateLayouts[len(s)]; ok {
		layouts = []string{l}
	}
	for _, layout := range layouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// date is ParseDate for an optional element; zero when absent or unreadable.
func date(p *string) time.Time {
	if p == nil {
		return time.Time{}
	}
	t, _ := ParseDate(*p)
	return t
}
