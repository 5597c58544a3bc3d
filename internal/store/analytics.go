package store

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// AnalyticsQuery selects what the console's analytics count: cards shown
// and feedback received at or after Since (zero: everything), of one CDS
// service when Service is set.
type AnalyticsQuery struct {
	Since   time.Time
	Service string
}

// Analytics is the report of a query (the same numbers as Report when
// Service is empty: `jakguard report` and the console agree) and, per
// finding code, its weekly series for charts.
type Analytics struct {
	Report  `json:",inline"`
	Service string         `json:"service,omitempty"`
	Weekly  []FindingWeeks `json:"weekly"`
}

// FindingWeeks is the weekly series of one finding code, oldest week
// first; weeks without cards or feedback are left out.
type FindingWeeks struct {
	Code  string      `json:"code"`
	Weeks []WeekStats `json:"weeks"`
}

// WeekStats counts one finding in one week (Monday 00:00 UTC to the next):
// cards shown that week, and distinct cards accepted or overridden by
// feedback received that week, attributed as in Report. OverrideRate is
// Overridden / (Accepted + Overridden), 0 without feedback.
type WeekStats struct {
	Week         time.Time `json:"week"`
	Shown        int       `json:"shown"`
	Accepted     int       `json:"accepted"`
	Overridden   int       `json:"overridden"`
	OverrideRate float64   `json:"overrideRate"`
}

// weekSeconds and mondayOffset place weeks: the Unix epoch was a Thursday,
// the first Monday after it is 4 days later.
const (
	weekSeconds  = 7 * 86400
	mondayOffset = 4 * 86400
)

// weekStart is the Monday 00:00 UTC of week number n (weeks since the first
// Monday after the Unix epoch).
func weekStart(n int64) time.Time { return time.Unix(n*weekSeconds+mondayOffset, 0).UTC() }

// Weekly queries: the report's, grouped by the week of the card's shown
// time (shown) or of the feedback's received time (the rest). %[1]s is the
// dialect's findings FROM item, %[2]s the week of the row's time, %[3]s the
// service filter.
const (
	qWeekShown = `SELECT j.value, %[2]s, COUNT(*) FROM cards c CROSS JOIN %[1]s
		WHERE c.shown >= $1%[3]s GROUP BY 1, 2`
	qWeekOverridden = `SELECT j.value, %[2]s, COUNT(DISTINCT f.card) FROM feedback f
		JOIN cards c ON c.uuid = f.card AND c.issuer = f.issuer AND c.tenant = f.tenant CROSS JOIN %[1]s
		WHERE f.received >= $1 AND f.outcome = 'overridden'%[3]s GROUP BY 1, 2`
	qWeekAccepted = `SELECT DISTINCT %[2]s, f.card, c.findings, c.suggestions, fs.suggestion FROM feedback f
		JOIN cards c ON c.uuid = f.card AND c.issuer = f.issuer AND c.tenant = f.tenant
		JOIN feedback_suggestions fs ON fs.feedback = f.id
		WHERE f.received >= $1 AND f.outcome = 'accepted'%[3]s`
)

// buildAnalytics runs the report of q and its weekly series in one read
// transaction.
func buildAnalytics(ctx context.Context, r runner, d dialect, q AnalyticsQuery) (Analytics, error) {
	rep, err := buildReportFor(ctx, r, d, q)
	if err != nil {
		return Analytics{}, err
	}
	a := Analytics{Report: rep, Service: q.Service, Weekly: []FindingWeeks{}}
	from := q.Since
	if from.IsZero() {
		from = time.Unix(0, 0)
	}
	args := []any{d.encodeTime(from)}
	filter := ""
	if q.Service != "" {
		args = append(args, q.Service)
		filter = " AND c.service = $2"
	}
	type key struct {
		code string
		week int64
	}
	weeks := map[key]*WeekStats{}
	get := func(code string, week int64) *WeekStats {
		k := key{code, week}
		if w, ok := weeks[k]; ok {
			return w
		}
		w := &WeekStats{Week: weekStart(week)}
		weeks[k] = w
		return w
	}
	acc := map[int64]*acceptance{}
	var (
		code string
		week int64
		n    int
	)
	steps := []struct {
		q    string
		scan func(rowScanner) error
	}{
		{fmt.Sprintf(qWeekShown, d.findings, d.week("c.shown"), filter), func(r rowScanner) error {
			if err := r.Scan(&code, &week, &n); err != nil {
				return err
			}
			get(code, week).Shown = n
			return nil
		}},
		{fmt.Sprintf(qWeekOverridden, d.findings, d.week("f.received"), filter), func(r rowScanner) error {
			if err := r.Scan(&code, &week, &n); err != nil {
				return err
			}
			get(code, week).Overridden = n
			return nil
		}},
		{fmt.Sprintf(qWeekAccepted, d.findings, d.week("f.received"), filter), func(r rowScanner) error {
			var card, findings, suggs, suggestion string
			if err := r.Scan(&week, &card, &findings, &suggs, &suggestion); err != nil {
				return err
			}
			if acc[week] == nil {
				acc[week] = &acceptance{cards: map[string]map[string]bool{}, suggs: map[string]map[string]bool{}}
			}
			return acc[week].add(card, findings, suggs, suggestion)
		}},
	}
	for _, st := range steps {
		if err := r.query(ctx, st.q, args, st.scan); err != nil {
			return Analytics{}, err
		}
	}
	for week, ac := range acc {
		for code, cards := range ac.cards {
			get(code, week).Accepted = len(cards)
		}
	}
	byCode := map[string][]WeekStats{}
	for k, w := range weeks {
		if acted := w.Accepted + w.Overridden; acted > 0 {
			w.OverrideRate = float64(w.Overridden) / float64(acted)
		}
		byCode[k.code] = append(byCode[k.code], *w)
	}
	// In the report's order (most shown first), then any code with only
	// feedback in the period.
	seen := map[string]bool{}
	order := make([]string, 0, len(byCode))
	for _, f := range rep.Findings {
		if _, ok := byCode[f.Code]; ok {
			order = append(order, f.Code)
			seen[f.Code] = true
		}
	}
	var rest []string
	for c := range byCode {
		if !seen[c] {
			rest = append(rest, c)
		}
	}
	sort.Strings(rest)
	for _, c := range append(order, rest...) {
		ws := byCode[c]
		sort.Slice(ws, func(i, j int) bool { return ws[i].Week.Before(ws[j].Week) })
		a.Weekly = append(a.Weekly, FindingWeeks{Code: c, Weeks: ws})
	}
	return a, nil
}
