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

// parseDateBytes is ParseDate for the two forms nearly every date in a
// record takes, "2006-01-02" and an RFC 3339 dateTime with seconds and a
// zone ("2006-01-02T15:04:05.000+01:00", "...Z"), read from bytes without
// an allocation: it serves the hundreds of Observation dates read only to
// tell whether a rule may read the Observation. It gives the same instant
// as ParseDate (in UTC, whatever the offset); ok is false for any other form, which the caller then
// hands to ParseDate (FuzzParseDateBytes).
func parseDateBytes(b []byte) (time.Time, bool) {
	if len(b) != 10 && len(b) < 20 {
		return time.Time{}, false
	}
	year, ok1 := digits(b[0:4])
	month, ok2 := digits(b[5:7])
	day, ok3 := digits(b[8:10])
	if !ok1 || !ok2 || !ok3 || b[4] != '-' || b[7] != '-' || month < 1 || month > 12 || day < 1 {
		return time.Time{}, false
	}
	if len(b) == 10 {
		t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
		return t, t.Day() == day // not a day the month lacks
	}
	hour, ok1 := digits(b[11:13])
	minute, ok2 := digits(b[14:16])
	sec, ok3 := digits(b[17:19])
	if !ok1 || !ok2 || !ok3 || b[10] != 'T' || b[13] != ':' || b[16] != ':' || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	rest := b[19:]
	nsec := 0
	if rest[0] == '.' {
		n := 1
		for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		if n == 1 || n > 10 {
			return time.Time{}, false
		}
		frac, _ := digits(rest[1:n])
		for k := n; k <= 9; k++ {
			frac *= 10
		}
		nsec, rest = frac, rest[n:]
	}
	off := 0 // seconds east of UTC
	switch {
	case len(rest) == 1 && rest[0] == 'Z':
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, ok1 := digits(rest[1:3])
		om, ok2 := digits(rest[4:6])
		if !ok1 || !ok2 || oh > 23 || om > 59 {
			return time.Time{}, false
		}
		off = (oh*60 + om) * 60
		if rest[0] == '-' {
			off = -off
		}
	default:
		return time.Time{}, false
	}
	// The instant, in UTC: a zone made with time.FixedZone would cost an
	// allocation for every date, and only the instant is used.
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	return t.Add(-time.Duration(off) * time.Second), t.Day() == day
}

// digits reads a run of ASCII digits as a number; ok is false when b
// holds anything else.
func digits(b []byte) (n int, ok bool) {
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, len(b) > 0
}
