package hooks

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAcceptanceFailsafe12RuledOutNamesTheInhibitor: with ticlopidine (the
// strong CYP2C19 inhibitor the label contraindicates with abrocitinib in
// the first 3 months) and fluconazole (a CYP2C19 and CYP2C9 inhibitor:
// avoid) on the chart, the interaction card's subject is fluconazole, and
// the boxed-warning card said "with fluconazole the abrocitinib dose is 50
// mg daily at most, and abrocitinib is contraindicated with fluconazole":
// fluconazole is to be avoided, not limited to 50 mg, and the
// contraindication is ticlopidine's (CIBINQO PI 2.3, 4, 7). The drug that
// sets the ruled-out limit is named.
func TestAcceptanceFailsafe12RuledOutNamesTheInhibitor(t *testing.T) {
	smoker := func() res { return obsCode("smoke", "72166-2", "449868002", "2026-11-02") }
	tic := func() res { return med("tic", "active", rxnorm, "10594", "ticlopidine 250 MG Oral Tablet", 5) }
	fluc := func() res { return med("fluc", "active", rxnorm, "4450", "fluconazole 150 MG Oral Tablet", 5) }
	rec := func(ms ...res) *record {
		r := cleanRecord().born(bornAged(55)).replace(smoker())
		r.medications = append(r.medications, ms...)
		return r
	}
	boxed := "lower-dose-recommended"
	runAcc(t, []accCase{
		{name: "ticlopidine and fluconazole: the boxed card names ticlopidine's limit, not fluconazole's", c: sign(rec(tic(), fluc()), jakDraft("abrocitinib", 200)),
			want: w("antiplatelet-abrocitinib", "critical", "cyp-interaction", "warning", boxed, "warning"), noDose: true,
			detailOf:    map[string]string{boxed: "with ticlopidine 250 MG Oral Tablet the abrocitinib dose is 50 mg daily at most, and abrocitinib is contraindicated with ticlopidine"},
			notDetailOf: map[string]string{boxed: "contraindicated with fluconazole"}},
		{name: "fluconazole before ticlopidine on the chart: the same", c: sign(rec(fluc(), tic()), jakDraft("abrocitinib", 200)),
			want: w("antiplatelet-abrocitinib", "critical", "cyp-interaction", "warning", boxed, "warning"), noDose: true,
			detailOf:    map[string]string{boxed: "contraindicated with ticlopidine"},
			notDetailOf: map[string]string{boxed: "contraindicated with fluconazole"}},
		{name: "ticlopidine alone: ticlopidine named", c: sign(rec(tic()), jakDraft("abrocitinib", 200)),
			want: w("antiplatelet-abrocitinib", "critical", "cyp-interaction", "warning", boxed, "warning"), noDose: true,
			detailOf: map[string]string{boxed: "contraindicated with ticlopidine"}},
		{name: "fluconazole alone: the boxed card's own 100 mg", c: sign(rec(fluc()), jakDraft("abrocitinib", 200)),
			want: w("cyp-interaction", "warning", boxed, "warning"), absent: []string{"antiplatelet-abrocitinib"}, dose: 100},
	})
}

// TestAcceptanceFailsafe12ScheduledStartInstant: a course dated to begin
// later (noise10: judged as a start, its screening asked) was read by its
// own calendar date alone. An order written in the EHR's local time,
// "2026-11-29T20:00:00-10:00" (Honolulu), begins at 06:00 UTC on 30
// November, 18 hours after now (29 November, 12:00 UTC): none of it taken,
// and yet, on "today's" date, it was judged as the renewal of a course
// under way, and with no TB test on record no card was given (RINVOQ PI
// 5.1: test before starting). A value with a time of day is a scheduled
// start when it is after now by more than the clock tolerance (an hour, as
// for results dated ahead); a date-only value when its date is after
// today, as before. An order dated earlier today, or written on
// tomorrow's date east of UTC but already begun, is judged as before
// (today: a renewal).
func TestAcceptanceFailsafe12ScheduledStartInstant(t *testing.T) {
	withOrder := func(r *record, date string) *record {
		r.medications = append(r.medications, courseOrder("upa-s", "MedicationRequest", "active", "upadacitinib", date))
		return r
	}
	noTB := func() *record { return cleanRecord().drop("igra") }
	tb := w("tb-screening-missing", "warning")
	runAcc(t, []accCase{
		{name: "Honolulu 20:00 today, 06:00 UTC tomorrow (18 h ahead): a start", c: sign(withOrder(noTB(), "2026-11-29T20:00:00-10:00"), jakDraft("upadacitinib", 15)), want: tb},
		{name: "UTC 23:00 today (11 h ahead): a start", c: sign(withOrder(noTB(), "2026-11-29T23:00:00Z"), jakDraft("upadacitinib", 15)), want: tb},
		{name: "UTC 13:01 today (1 h 1 min ahead, N+1): a start", c: sign(withOrder(noTB(), "2026-11-29T13:01:00Z"), jakDraft("upadacitinib", 15)), want: tb},
		{name: "UTC 13:00 today (1 h ahead, N: the clock tolerance): begun, no card", c: sign(withOrder(noTB(), "2026-11-29T13:00:00Z"), jakDraft("upadacitinib", 15)), noCards: true},
		{name: "UTC 12:03 today (an EHR clock ahead): begun, no card", c: sign(withOrder(noTB(), "2026-11-29T12:03:00Z"), jakDraft("upadacitinib", 15)), noCards: true},
		{name: "UTC 08:00 today (N-1, begun): no card", c: sign(withOrder(noTB(), "2026-11-29T08:00:00Z"), jakDraft("upadacitinib", 15)), noCards: true},
		{name: "Kiritimati 01:00 tomorrow, 11:00 UTC today (begun an hour ago): no card", c: sign(withOrder(noTB(), "2026-11-30T01:00:00+14:00"), jakDraft("upadacitinib", 15)), noCards: true},
		{name: "date only, today: no card, as before", c: sign(withOrder(noTB(), "2026-11-29"), jakDraft("upadacitinib", 15)), noCards: true},
		{name: "date only, tomorrow: a start, as before", c: sign(withOrder(noTB(), "2026-11-30"), jakDraft("upadacitinib", 15)), want: tb},
		{name: "screened, Honolulu 20:00 today: no card", c: sign(withOrder(cleanRecord(), "2026-11-29T20:00:00-10:00"), jakDraft("upadacitinib", 15)), noCards: true},
		{name: "on a course since June, renewal at Honolulu 20:00 today: no card", c: sign(withOrder(noTB().onCourse("upadacitinib"), "2026-11-29T20:00:00-10:00"), jakDraft("upadacitinib", 15)), noCards: true},
	})
}

// TestFailsafe12FeedbackTimestampShapes: the outcomeTimestamp of feedback
// (RFC 3339 date-time). RFC 3339 5.6 allows a lower-case "t" and "z" (its
// note on ABNF), which Go does not parse: the whole feedback call was
// refused with 400 and the override lost, as with a leap second before
// failsafe11. Go reads an offset minute of 60 or an offset hour above 23
// ("+14:60" read as +15:00), which the grammar does not allow
// (time-numoffset: hour 00-23, minute 00-59): the feedback was recorded at
// a wrong instant; it is refused. Strings shaped against the leap-second
// rewrite (short, multi-byte, 60 in the minute) are refused, none panics.
func TestFailsafe12FeedbackTimestampShapes(t *testing.T) {
	s := newTestServer(t, serverOpts{})
	for _, tc := range []struct {
		ts     string
		status int
	}{
		{"2026-11-28t23:59:59z", 200},
		{"2026-11-28t23:59:60z", 200},
		{"2026-11-28T23:59:59z", 200},
		{"2026-11-28t23:59:59.25+01:00", 200},
		{"2026-11-28T23:59:59+23:59", 200},
		{"2026-11-28T23:59:59+14:00", 200},
		{"2026-11-28T23:59:59+14:60", 400},
		{"2026-11-28T23:59:60+14:60", 400},
		{"2026-11-28T23:59:59-00:60", 400},
		{"2026-11-28T23:59:59+24:00", 400},
		{"2026-11-28T23:60:60Z", 400},
		{"2026-11-28T23:59:6", 400},
		{"2026-11-28T23:5:60Z", 400},
		{"2026-11-28T2é:60:60Z", 400},
		{"２026-11-28T23:59:60Z", 400},
		{"2026-11-28T23:59:60:60Z", 400},
		{"2026-11-28 23:59:59Z", 400},
		{"2026-11-28T23:59:59", 400},
		{"t", 400},
		{"z", 400},
	} {
		t.Run(tc.ts, func(t *testing.T) {
			body := `{"feedback":[{"card":"c1","outcome":"overridden","outcomeTimestamp":"` + tc.ts + `"}]}`
			rec := s.do(t, "POST", "/cds-services/order-select/feedback", []byte(body))
			assert.Equal(t, tc.status, rec.Code, rec.Body.String())
		})
	}
}

// TestBoundedFailsafe12DistinctNames: the lists of names a card says
// (joinNames: every strong CYP3A4 inhibitor taken, in the interaction
// card's action) and the evidence lines a section says are said each
// once. 30,000 clarithromycin orders of distinct names on the chart, in
// an 8 MiB body, each answer within the deadline and the heap bound, and
// the card's action names a bounded number of them.
func TestBoundedFailsafe12DistinctNames(t *testing.T) {
	if testing.Short() {
		t.Skip("sends bodies of 8 MiB")
	}
	const limit = 8 << 20
	s := newTestServer(t, serverOpts{noStore: true})
	s.fhir = nil
	clar := func(name func(i int) string) func(i int) string {
		return func(i int) string {
			return fmt.Sprintf(`{"resourceType":"MedicationRequest","id":"c%d","status":"active","intent":"order","subject":{"reference":"Patient/p1"},"authoredOn":"2026-11-20","medicationCodeableConcept":{"text":"%s"}}`, i, name(i))
		}
	}
	meds := func(body string) string { return `,"medications":{"resourceType":"Bundle","entry":[` + body + `]}` }
	distinct := attackBody(meds(entries(30_000, clar(func(i int) string { return fmt.Sprintf("clarithromycin %d mg", i) }))), "")
	same := attackBody(meds(entries(30_000, clar(func(int) string { return "clarithromycin 500 mg" }))), "")
	checkBounded(t, s, limit, []boundedCase{
		{"30,000 clarithromycin orders of distinct names", distinct, 200},
		{"30,000 clarithromycin orders of one name", same, 200},
	})
	for _, tc := range []struct {
		name string
		body []byte
	}{{"distinct", distinct}, {"same", same}} {
		t.Run(tc.name+" action", func(t *testing.T) {
			rec := s.do(t, "POST", "/cds-services/order-select", tc.body)
			require.Equal(t, 200, rec.Code)
			var resp struct {
				Cards []struct {
					Detail string `json:"detail"`
				} `json:"cards"`
			}
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &resp))
			require.NotEmpty(t, resp.Cards)
			for _, c := range resp.Cards {
				assert.Less(t, len(c.Detail), 20_000, "%.300s ... %s", c.Detail, c.Detail[max(0, len(c.Detail)-1500):])
			}
		})
	}
}
