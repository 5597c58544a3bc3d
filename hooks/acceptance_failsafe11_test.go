package hooks

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestAcceptanceFailsafe11TiclopidineOtherLimit: ticlopidine is the strong
// CYP2C19 inhibitor (abrocitinib 50 mg at most) and an antiplatelet the
// label contraindicates with abrocitinib in the first 3 months, so its
// interaction card names no dose (combos review). Its 50 mg then set no
// dose for the order, and a higher limit decided alone: for a smoker of
// 55 the boxed-warning card said "Use abrocitinib 100 mg daily" with an
// update to 100 mg, twice the limit with the ticlopidine on the chart
// (CIBINQO PI 2.3/7: 50 mg with a strong CYP2C19 inhibitor; contract 6.3:
// one dose per order). No card names a dose while the contraindicated
// inhibitor's limit is below it; where another inhibitor, or ticlopidine
// after the first 3 months, sets 50 mg, that dose is named as before.
func TestAcceptanceFailsafe11TiclopidineOtherLimit(t *testing.T) {
	smoker := func() res { return obsCode("smoke", "72166-2", "449868002", "2026-11-02") }
	tic := func() res { return med("tic", "active", rxnorm, "10594", "ticlopidine 250 MG Oral Tablet", 5) }
	fluox := func() res { return med("fluox", "active", rxnorm, "4493", "fluoxetine 20 MG Oral Capsule", 5) }
	rec := func(ms ...res) *record {
		r := cleanRecord().born(bornAged(55)).replace(smoker())
		r.medications = append(r.medications, ms...)
		return r
	}
	course := func(days int, ms ...res) *record {
		return rec(append([]res{courseMed("abro-1", "MedicationRequest", "active", "abrocitinib", 200, days)}, ms...)...)
	}
	ticDraft := func() res { return drugDraft("tic", rxnorm, "10594", "ticlopidine 250 MG Oral Tablet") }
	boxed := "lower-dose-recommended"
	runAcc(t, []accCase{
		{name: "smoker aged 55, abrocitinib 200 mg, ticlopidine on the chart: no dose, not 100 mg", c: sign(rec(tic()), jakDraft("abrocitinib", 200)),
			want: w("antiplatelet-abrocitinib", "critical", "cyp-interaction", "warning", boxed, "warning"), noDose: true,
			detailOf: map[string]string{boxed: "contraindicated with ticlopidine"}},
		{name: "the same, ticlopidine ordered in the session: no dose", c: sign(rec(), jakDraft("abrocitinib", 200), ticDraft()),
			want: w("antiplatelet-abrocitinib", "critical", "cyp-interaction", "warning", boxed, "warning"), noDose: true},
		{name: "the same, ticlopidine named only: no dose", c: sign(rec(), jakDraft("abrocitinib", 200), drugDraft("tic", "", "", "ticlopidine 250 mg tablet")),
			want: w("antiplatelet-abrocitinib", "critical", "cyp-interaction", "warning", boxed, "warning"), noDose: true},
		{name: "the same at order-select of ticlopidine, the abrocitinib unselected: no dose",
			c:    call{hook: HookOrderSelect, r: rec(), drafts: []res{jakDraft("abrocitinib", 200), ticDraft()}, selections: []string{"MedicationRequest/tic"}},
			want: w("antiplatelet-abrocitinib", "critical", "cyp-interaction", "warning"), noDose: true, absent: []string{boxed}},
		{name: "renewal on course day 90 with ticlopidine: no dose", c: sign(course(90, tic()), jakDraft("abrocitinib", 200)),
			want: w("antiplatelet-abrocitinib", "critical", "cyp-interaction", "warning"), noDose: true},
		{name: "renewal on course day 91 with ticlopidine: not contraindicated, 50 mg", c: sign(course(91, tic()), jakDraft("abrocitinib", 200)),
			want: w("cyp-interaction", "warning"), absent: []string{"antiplatelet-abrocitinib"}, dose: 50},
		{name: "ticlopidine and fluoxetine: fluoxetine sets 50 mg", c: sign(rec(tic(), fluox()), jakDraft("abrocitinib", 200)),
			want: w("antiplatelet-abrocitinib", "critical", "cyp-interaction", "warning", boxed, "warning"), dose: 50},
		{name: "no ticlopidine: 100 mg, the boxed-warning card's own", c: sign(rec(), jakDraft("abrocitinib", 200)),
			want: w(boxed, "warning"), dose: 100},
	})
}

// TestFailsafe11FeedbackLeapSecond: CDS Hooks feedback's outcomeTimestamp
// is an RFC 3339 date-time, whose seconds run to 60 (a leap second, RFC
// 3339 section 5.6), as FHIR's do (fhir.ParseDate reads them since the tz
// review). Go does not parse second 60, and the whole feedback call was
// refused with 400: the clinician's override and its reason were lost.
func TestFailsafe11FeedbackLeapSecond(t *testing.T) {
	s := newTestServer(t, serverOpts{})
	for _, tc := range []struct {
		ts     string
		status int
	}{
		{"2026-11-28T23:59:59Z", 200},
		{"2026-11-28T23:59:60Z", 200},
		{"2026-11-28T23:59:60.5+01:00", 200},
		{"2026-11-28T23:59:60-00:00", 200},
		{"2026-11-28T23:59:61Z", 400},
		{"2026-11-28T23:60:00Z", 400},
		{"2026-11-28T23:59:60", 400}, // no offset: not RFC 3339, as before
		{"2026-11-28T23:59", 400},
	} {
		t.Run(tc.ts, func(t *testing.T) {
			body := `{"feedback":[{"card":"c1","outcome":"overridden","outcomeTimestamp":"` + tc.ts + `"}]}`
			rec := s.do(t, "POST", "/cds-services/order-select/feedback", []byte(body))
			assert.Equal(t, tc.status, rec.Code, rec.Body.String())
		})
	}
}
