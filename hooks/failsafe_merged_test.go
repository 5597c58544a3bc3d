package hooks

import (
	"fmt"
	"strings"
	"testing"
)

// The code paths merged on 2026-12-07 (completed co-medications counted by
// their supply, local use read from the sig, pregnancy conditions ended by
// a negative test, pregnancy tests kept 300 days and eGFRs at any date,
// censored counts and eGFRs, Child-Pugh points and same-day classes,
// vaccine names, stale breastfeeding) under hostile input: bounded in time
// and heap (contract 6.6). testNow is 2026-11-29.

// entries is n Bundle entries made by one(i), comma-separated.
func entries(n int, one func(i int) string) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"resource":` + one(i) + `}`)
	}
	return b.String()
}

func TestBoundedMergedPaths(t *testing.T) {
	if testing.Short() {
		t.Skip("sends bodies of 8 MiB")
	}
	const limit = 8 << 20
	s := newTestServer(t, serverOpts{noStore: true})
	s.fhir = nil
	pregCond := func(i int) string {
		// Each with its own onset day (within the 300 days a pregnancy lasts).
		return fmt.Sprintf(`{"resourceType":"Condition","id":"c%d","clinicalStatus":{"coding":[{"code":"active"}]},"subject":{"reference":"Patient/p1"},"code":{"coding":[{"system":"`+icd+`","code":"Z33.1"}]},"onsetDateTime":"2026-06-%02dT%02d:%02d:00Z"}`, i, 1+i%28, i/60%24, i%60)
	}
	hcg := func(i int) string {
		return fmt.Sprintf(`{"resourceType":"Observation","id":"h%d","status":"final","subject":{"reference":"Patient/p1"},"code":{"coding":[{"system":"http://loinc.org","code":"2106-3"}]},"effectiveDateTime":"2026-11-%02d","valueString":"see note"}`, i, 1+i%28)
	}
	const n = 4_000
	cases := []boundedCase{
		{fmt.Sprintf("%d pregnancy conditions and %d unreadable pregnancy tests since", n, n),
			attackBody(`,"conditions":{"resourceType":"Bundle","entry":[`+entries(n, pregCond)+`]},"observations":{"resourceType":"Bundle","entry":[`+entries(n, hcg)+`]}`, ""), 200},
	}
	checkBounded(t, s, limit, cases)
}
