package cards

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/rules"
)

// Issue 15: cards of the reverse direction, where the draft order is the
// interacting drug and the JAK inhibitor is the patient's course.

// reverseFinding is a reverse-direction finding on the draft order.
func reverseFinding(code string, level rules.Level, drug rules.Drug, order, subject string, ongoing bool) rules.Finding {
	f := finding(code, level, drug, order)
	f.Subject = subject
	f.Category = codeTable[code].category
	f.OnTreatment = ongoing
	f.Course = &rules.CourseRef{Start: day("2026-06-01"), Ongoing: ongoing, DailyMg: 30, Source: "MedicationRequest/upa-1"}
	if !ongoing {
		f.Course.End = day("2026-10-01")
	}
	f.Citation = rules.Citation{Label: "RINVOQ (upadacitinib) US Prescribing Information (revision of 11/2023), section 7", URL: "https://www.rxabbvie.com/pdf/rinvoq_pi.pdf"}
	return f
}

func TestReverseCards(t *testing.T) {
	tofacitinib := json.RawMessage(`{"resourceType":"MedicationRequest","id":"tofa-1","status":"draft","intent":"order",
		"subject":{"reference":"Patient/pt"},"medicationCodeableConcept":{"text":"tofacitinib 5 MG Oral Tablet"}}`)
	tests := []struct {
		name      string
		f         func() rules.Finding
		summary   []string
		recommend bool
		reasons   []string
		detail    []string
	}{
		{name: "another JAK inhibitor", f: func() rules.Finding {
			return reverseFinding(rules.CombinationJAK, rules.Critical, rules.Upadacitinib, "MedicationRequest/tofa-1", "tofacitinib", true)
		}, summary: []string{"Do not add tofacitinib", "on upadacitinib"}, recommend: true,
			reasons: []string{"planned-switch", "benefit-outweighs-risk-monitored", "jak-course-stopped", "record-out-of-date"}},
		{name: "another JAK inhibitor, course ended", f: func() rules.Finding {
			return reverseFinding(rules.CombinationJAK, rules.Critical, rules.Upadacitinib, "MedicationRequest/tofa-1", "tofacitinib", false)
		}, summary: []string{"Confirm upadacitinib is stopped before starting tofacitinib"}, recommend: true},
		{name: "biologic", f: func() rules.Finding {
			return reverseFinding(rules.CombinationBiologic, rules.Warning, rules.Abrocitinib, "MedicationRequest/dupi", "dupilumab", true)
		}, summary: []string{"Avoid adding dupilumab", "abrocitinib"}, recommend: true},
		{name: "immunosuppressant", f: func() rules.Finding {
			return reverseFinding(rules.CombinationImmunosuppressant, rules.Warning, rules.Upadacitinib, "MedicationRequest/aza", "azathioprine", true)
		}, summary: []string{"Avoid adding azathioprine", "potent immunosuppressant"}, recommend: true},
		{name: "live vaccine as a ServiceRequest", f: func() rules.Finding {
			return reverseFinding(rules.LiveVaccineOrdered, rules.Warning, rules.Upadacitinib, "ServiceRequest/mmr", "MMR", true)
		}, summary: []string{"Avoid MMR: live vaccine", "upadacitinib"}, recommend: true, reasons: []string{"vaccine-not-live"}},
		{name: "live vaccine, course ended", f: func() rules.Finding {
			return reverseFinding(rules.LiveVaccineOrdered, rules.Warning, rules.Upadacitinib, "ServiceRequest/mmr", "MMR", false)
		}, summary: []string{"course ended 2026-10-01"}, recommend: true},
		{name: "antiplatelet", f: func() rules.Finding {
			return reverseFinding(rules.AntiplateletAbrocitinib, rules.Critical, rules.Abrocitinib, "MedicationRequest/clop", "clopidogrel", true)
		}, summary: []string{"Do not add clopidogrel", "first 3 months of abrocitinib"}, recommend: true},
		{name: "aspirin above 81 mg", f: func() rules.Finding {
			return reverseFinding(rules.AntiplateletAbrocitinib, rules.Critical, rules.Abrocitinib, "MedicationRequest/asa", "aspirin", true)
		}, summary: []string{"Do not add aspirin"}, recommend: true, reasons: []string{"low-dose-aspirin"}},
		{name: "strong CYP3A4 inhibitor with upadacitinib 30 mg", f: func() rules.Finding {
			f := reverseFinding(rules.CYPInteraction, rules.Warning, rules.Upadacitinib, "MedicationRequest/tofa-1", "clarithromycin", true)
			f.SuggestedDailyMg, f.DoseLimitMg, f.Threshold = 15, 15, "15 mg"
			return f
		}, summary: []string{"Reduce upadacitinib to 15 mg daily while on clarithromycin"}, recommend: false,
			reasons: []string{"jak-dose-adjusted"},
			detail:  []string{"Dose of upadacitinib with clarithromycin: upadacitinib 15 mg once daily", "change the dose in the upadacitinib order itself"}},
		{name: "strong CYP3A4 inhibitor, dose within", f: func() rules.Finding {
			f := reverseFinding(rules.CYPInteraction, rules.Warning, rules.Upadacitinib, "MedicationRequest/clari", "clarithromycin", true)
			f.DoseLimitMg, f.Threshold = 15, "15 mg"
			return f
		}, summary: []string{"Keep upadacitinib at 15 mg daily or less while on clarithromycin"}, recommend: false},
		{name: "inducer: avoid", f: func() rules.Finding {
			f := reverseFinding(rules.CYPInteraction, rules.Warning, rules.Upadacitinib, "MedicationRequest/rif", "rifampin", true)
			f.Avoid = true
			return f
		}, summary: []string{"Avoid rifampin: CYP interaction with upadacitinib (not recommended by the label)"}, recommend: true},
		{name: "P-gp substrate", f: func() rules.Finding {
			return reverseFinding(rules.PgpSubstrate, rules.Info, rules.Abrocitinib, "MedicationRequest/dig", "digoxin", true)
		}, summary: []string{"Monitor digoxin: abrocitinib raises levels", "abrocitinib"}, recommend: false, reasons: []string{"levels-monitored"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.f()
			// The draft JSON of the interacting order is at hand: no update
			// may ever turn it into the JAK inhibitor.
			orders := map[string]json.RawMessage{f.OrderID: tofacitinib}
			cs := FromFindings([]rules.Finding{f}, Options{PatientID: "pt", Orders: orders, NewUUID: seqUUID()})
			require.Len(t, cs, 1)
			c := cs[0]
			require.NoError(t, Validate(c))
			require.NoError(t, CheckEmpty(mustResponse(t, cs)))
			assert.LessOrEqual(t, utf8.RuneCountInString(c.Summary), MaxSummaryRunes)
			for _, want := range tc.summary {
				assert.Contains(t, c.Summary, want)
			}
			assert.Equal(t, []string{f.Code}, c.Findings())
			assert.Equal(t, codeTable[f.Code].level, c.Indicator)
			require.Len(t, c.Suggestions, 1, "one cancel suggestion")
			s := c.Suggestions[0]
			assert.Equal(t, tc.recommend, s.IsRecommended)
			require.Len(t, s.Actions, 1)
			assert.Equal(t, ActionDelete, s.Actions[0].Type)
			assert.Equal(t, f.OrderID, s.Actions[0].ResourceID)
			assert.Contains(t, s.Label, "Cancel this "+f.Subject+" order")
			var codes []string
			for _, r := range c.OverrideReasons {
				codes = append(codes, r.Code)
			}
			for _, want := range tc.reasons {
				assert.Contains(t, codes, want)
			}
			assert.Contains(t, codes, "jak-course-stopped")
			assert.Contains(t, c.Source.Label, "revision of 11/2023")
			for _, want := range tc.detail {
				assert.Contains(t, c.Detail, want)
			}
			assert.NotContains(t, string(mustResponse(t, cs)), `"update"`)
		})
	}
}

// TestReverseCardsStayApart: the same code on the JAK order's own card
// and on a reverse card are two cards, and a reverse card on patient-view
// (never produced, but defended) offers nothing.
func TestReverseCardsStayApart(t *testing.T) {
	fwd := finding(rules.CombinationJAK, rules.Critical, rules.Upadacitinib, "")
	rev := reverseFinding(rules.CombinationJAK, rules.Critical, rules.Upadacitinib, "", "tofacitinib", true)
	cs := FromFindings([]rules.Finding{fwd, rev}, Options{NewUUID: seqUUID()})
	require.Len(t, cs, 2)
	cs = FromFindings([]rules.Finding{rev}, Options{NewUUID: seqUUID(), PatientView: true})
	require.Len(t, cs, 1)
	assert.Empty(t, cs[0].Suggestions)
	assert.True(t, strings.HasPrefix(cs[0].Summary, "Do not add tofacitinib"))
}
