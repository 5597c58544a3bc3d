package hooks

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The value-set memo (rules) outlives every call and is shared by every
// client: it stopped at 65,536 entries, but not at any size, so calls of
// record medications with long names (each a new key) left their names in
// the process for good: 12 calls of 100 medications named in 40 KB each
// kept some 112 MiB after a GC, and the memo would have held up to 65,536
// such keys (GBs: the process killed, every call lost) (failsafe9).
func TestMemoHoldsNoLongNames(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	post := func(round int) {
		r := cleanRecord()
		for i := range 100 {
			name := fmt.Sprintf("compounded cream %d-%d ", round, i) + strings.Repeat("x", 40<<10)
			r.medications = append(r.medications, med(fmt.Sprintf("m%d", i), "active", "", "", name, 30))
		}
		rec := s.do(t, "POST", "/cds-services/"+HookOrderSign, sign(r, jakDraft("abrocitinib", 100)).body(t))
		require.Equal(t, 200, rec.Code, rec.Body.String())
	}
	post(-1) // warm up: pools, the first call's allocations
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	for round := range 12 {
		post(round)
	}
	grown := int64(heap()) - int64(before)
	t.Logf("heap grown by %d MiB after 12 calls of 4 MB of names", grown>>20)
	assert.Less(t, grown, int64(16<<20), "the memo keeps no long names (12 calls x 4 MB of names)")
	// A short name is still remembered and judged: the answer is the same.
	r := cleanRecord()
	r.medications = append(r.medications, med("clari", "active", "", "", "clarithromycin 500 MG Oral Tablet", 10))
	for range 2 {
		cs, _ := sign(r, jakDraft("upadacitinib", 15)).post(t, s)
		assert.Contains(t, codesOf(cs), "cyp-interaction", cardSummaries(cs))
	}
}

// A newer eGFR with no number ("see comment") hid an unreadable eGFR
// behind it (25, no unit), and the older eGFR of 98 stood for both in
// silence: the newest eGFR with a number is the one said (failsafe9).
func TestAcceptanceEGFRUnreadBehindText(t *testing.T) {
	egfr := func(id string, v float64, unit string, days int) res {
		return qty(id, "98979-8", v, unit, "", ago(days))
	}
	abro := func(r *record) call { return sign(r, jakDraft("abrocitinib", 100)) }
	check := map[string]string{"renal-impairment": "eGFR could not be read"}
	text := rxStr("egfr3", "98979-8", "see comment", 3)
	runAcc(t, []accCase{
		{name: "98 of 2026-11-02, unitless 25 ten days ago, 'see comment' three days ago: the 25 said, no dose",
			c: abro(cleanRecord().replace(egfr("egfr2", 25, "", 10)).replace(text)), want: w("renal-impairment", "warning"), summaryOf: check,
			detailOf: map[string]string{"renal-impairment": "older eGFR of 2026-11-02"}, noDose: true},
		{name: "the same with 'see comment' only: nothing (no number newer than the 98)",
			c: abro(cleanRecord().replace(text)), noCards: true},
		{name: "unitless 25 older than the 98, 'see comment' newest: nothing",
			c: abro(cleanRecord().replace(egfr("egfr2", 25, "", 40)).replace(text)), noCards: true},
		{name: "a readable 98 newer than the unitless 25, 'see comment' newest: nothing",
			c: abro(cleanRecord().replace(egfr("egfr", 98, "mL/min/{1.73_m2}", 5)).replace(egfr("egfr2", 25, "", 10)).replace(text)), noCards: true},
		{name: "unitless 25 alone behind 'see comment': said",
			c: abro(cleanRecord().drop("egfr").replace(egfr("egfr2", 25, "", 10)).replace(text)), want: w("renal-impairment", "warning"), summaryOf: check, noDose: true},
	})
}

// A feedback post is not in the hook calls' memory admission, and its
// body (up to the body limit) was decoded whole whatever it held: a list
// of 2.5 million empty objects (7.5 MB) split into 200 MiB of items before
// its count was checked, and invalid JSON was decoded into any to say
// where it failed (230-260 MiB). Two such posts at once, a quarter of the
// slots on a 512 MiB container, beside the hook calls' reservations: the
// process killed (failsafe9). Each is now refused within a few times its
// body, with the same answer.
func TestFeedbackBodyBoundedInMemory(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	many := strings.Repeat(`{},`, 2_500_000) + `{}`
	for _, tc := range []struct{ name, body, diag string }{
		{"2.5 million items", `{"feedback":[` + many + `]}`, "too many items: more than 1000"},
		{"duplicate name at the end", `{"feedback":[` + many + `],"a":1,"a":2}`, "duplicate member name at byte 75000"},
		{"unterminated", `{"feedback":[` + many + `]`, "invalid JSON at byte 7500016"},
		{"data after the value", `{"feedback":[]} {}`, "invalid JSON"},
	} {
		sm := sampleHeap()
		rec := s.do(t, "POST", "/cds-services/order-sign/feedback", []byte(tc.body))
		peak := sm.peak()
		assert.Equal(t, 400, rec.Code, tc.name)
		assert.Contains(t, rec.Body.String(), tc.diag, tc.name)
		assert.Less(t, peak, uint64(64<<20), "%s: peak heap %d MiB", tc.name, peak>>20)
	}
}

// The same for a blood count: a newer neutrophil count with no number
// ("see comment") no longer hides one in a unit not recognised behind it,
// and the older readable count no longer stands for both (failsafe9).
func TestAcceptanceCountUnreadBehindText(t *testing.T) {
	upa := func(r *record) call { return sign(r, jakDraft("upadacitinib", 15)) }
	text := rxStr("anc3", "751-8", "see comment", 3)
	unread := qty("anc2", "751-8", 0.8, "", "furlongs", ago(10))
	runAcc(t, []accCase{
		{name: "ANC 0.8 furlongs ten days ago, 'see comment' three days ago: CBC missing, unit named",
			c: upa(cleanRecord().replace(unread).replace(text)), want: w("cbc-missing", "warning"), absent: []string{"neutropenia"},
			detailOf: map[string]string{"cbc-missing": "unit \"furlongs\" not recognised"}},
		{name: "'see comment' alone newest: nothing",
			c: upa(cleanRecord().replace(text)), noCards: true},
	})
}
