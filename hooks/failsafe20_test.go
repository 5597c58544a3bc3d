package hooks

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// Fail-safe review 20 (failsafe20): the start-up files and the operator
// surfaces. docs/rules.md section 4, "Fail-safe review 20".

// TestFailsafe20LongestWindow: a --rules-config window within a day of the
// longest duration Go holds ("106751d", "2562047h", the longest of all)
// was rounded to days by adding a day less a nanosecond to it, which
// wrapped to a negative number of days. A course that ended 30 days ago
// was then no recent course (no reverse card for clarithromycin), an
// abrocitinib course 30 days old was past its first 3 months (no
// clopidogrel card), and a TB test of last week was older than the
// window (a TB card on every order). A window of 106750 days (N-1),
// 106751 (N) and the longest (N+1 and beyond) each read as a very long
// window: the cards of the default window, never fewer, never more.
func TestFailsafe20LongestWindow(t *testing.T) {
	clar := drugDraft("x", rxnorm, "21212", "clarithromycin")
	clop := drugDraft("x", rxnorm, "32968", "clopidogrel")
	type scen struct {
		name    string
		setting string
		c       call
		want    []string // finding codes, as with the default window
	}
	scens := []scen{
		{"upadacitinib ended 30 days ago, clarithromycin", "recentCourse",
			sign(endedCourse("upadacitinib", 30, 30), clar), []string{"cyp-interaction"}},
		{"abrocitinib started 30 days ago, clopidogrel", "antiplateletFirst",
			sign(onCourseAt("abrocitinib", 100, 30), clop), []string{"antiplatelet-abrocitinib"}},
		{"clean record, upadacitinib 15 mg ordered", "tbWindow",
			sign(cleanRecord(), jakDraft("upadacitinib", 15)), nil},
		{"clean record, upadacitinib 15 mg ordered", "cbcWindow",
			sign(cleanRecord(), jakDraft("upadacitinib", 15)), nil},
		{"upadacitinib started 30 days ago, renewed", "courseGap",
			sign(onCourseAt("upadacitinib", 15, 30), jakDraft("upadacitinib", 15)), nil},
	}
	values := []string{"", "106750d", "106751d", "15250w", "2562047h", "2562047h47m16.854775807s"}
	for _, sc := range scens {
		for _, v := range values {
			name := sc.setting + " default"
			cfg := ""
			if v != "" {
				name, cfg = sc.setting+" "+v, `{"`+sc.setting+`": "`+v+`"}`
			}
			t.Run(sc.name+": "+name, func(t *testing.T) {
				s := newTestServer(t, serverOpts{noStore: true, rulesConfig: cfg})
				cs, _ := sc.c.post(t, s)
				assert.ElementsMatch(t, sc.want, codesOf(cs), "cards: %s", cardSummaries(cs))
			})
		}
	}
}
