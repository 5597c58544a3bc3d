package store

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testAnalytics (store suite): the weekly series count cards by the week
// they were shown and feedback by the week it was received (Monday 00:00
// UTC), with the report's attribution; the service filter narrows both the
// report and the series; with no filter the report is Report's.
func testAnalytics(t *testing.T, newDSN func(t *testing.T) string) {
	s := mustOpen(t, newDSN(t))
	tb, hbv := "tb-screening-missing", "hbv-screening-missing"
	// t0 is Sunday 2026-11-29 09:00 UTC: its week starts Monday 11-23.
	week1 := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	week2 := week1.AddDate(0, 0, 7)
	c1 := card("c1", []string{tb, hbv})
	c1.Suggestions = []SuggestionRecord{{UUID: "s-tb", Findings: []string{tb}}}
	c2 := card("c2", []string{tb})
	c3 := card("c3", []string{tb})
	c3.Shown = week2.Add(time.Hour) // Monday of the next week
	c4 := card("c4", []string{hbv})
	c4.Service = "patient-view"
	mustRecord(t, s, c1, c2, c3, c4)
	acc := accepted("c1", "s-tb") // counts for tb only
	ov := overridden("c2", "done")
	ov.Received = week2.Add(2 * time.Hour) // feedback in week 2 on a week-1 card
	ov3 := overridden("c3", "done")
	ov3.Received = week2.Add(3 * time.Hour)
	ov4 := overridden("c4", "")
	ov4.Service = "patient-view"
	mustAdd(t, s, acc, ov, ov3, ov4)

	a, err := s.Analytics(t.Context(), AnalyticsQuery{})
	require.NoError(t, err)
	rep := mustReport(t, s, time.Time{})
	assert.Equal(t, rep, a.Report, "without a service filter the analytics carry Report's numbers")

	series := map[string][]WeekStats{}
	for _, fw := range a.Weekly {
		series[fw.Code] = fw.Weeks
	}
	assert.Equal(t, []WeekStats{
		{Week: week1, Shown: 2, Accepted: 1},
		{Week: week2, Shown: 1, Overridden: 2, OverrideRate: 1},
	}, series[tb])
	assert.Equal(t, []WeekStats{
		{Week: week1, Shown: 2, Overridden: 1, OverrideRate: 1},
	}, series[hbv], "c1's accepted suggestion addresses tb only; c4 overridden")
	require.NotEmpty(t, a.Weekly)
	assert.Equal(t, tb, a.Weekly[0].Code, "series in the report's order, most shown first")

	pv, err := s.Analytics(t.Context(), AnalyticsQuery{Service: "patient-view"})
	require.NoError(t, err)
	assert.Equal(t, "patient-view", pv.Service)
	require.Len(t, pv.Findings, 1)
	assert.Equal(t, FindingStats{Code: hbv, Shown: 1, Overridden: 1, OverrideRate: 1, TopReasons: []ReasonCount{}}, pv.Findings[0])
	require.Len(t, pv.Weekly, 1)
	assert.Equal(t, []WeekStats{{Week: week1, Shown: 1, Overridden: 1, OverrideRate: 1}}, pv.Weekly[0].Weeks)

	later, err := s.Analytics(t.Context(), AnalyticsQuery{Since: week2, Service: "order-sign"})
	require.NoError(t, err)
	st, ok := findingStats(later.Report, tb)
	require.True(t, ok)
	assert.Equal(t, 1, st.Shown)
	assert.Equal(t, 2, st.Overridden, "feedback received since, on cards of any age")
	require.Len(t, later.Weekly, 1)
	assert.Equal(t, []WeekStats{{Week: week2, Shown: 1, Overridden: 2, OverrideRate: 1}}, later.Weekly[0].Weeks)
}

func TestWeekStart(t *testing.T) {
	assert.Equal(t, time.Date(1970, 1, 5, 0, 0, 0, 0, time.UTC), weekStart(0))
	assert.Equal(t, time.Monday, weekStart(2917).Weekday())
}
