package hooks

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/cards"
)

// Card content review (wordrev, December 2026): every card jakguard can
// show, read as the prescriber at order entry and the clinical pharmacist
// read it (summary first), against RINVOQ and CIBINQO. One scenario class
// per defect found; the words are asserted where the defect was in them.

// wordCase is a scenario and what the card holding code must (and must
// not) say.
type wordCase struct {
	name        string
	c           call
	code        string
	summary     string // the summary equals this, when set
	summaryHas  string // the summary contains this, when set
	sourceHas   string // the source label contains this, when set
	detailNot   string // the detail does not contain this, when set
	detailHas   string // the detail contains this, when set
	suggestion  string // a suggestion label equals this, when set
	reasonNot   string // no override reason has this code, when set
	reasonHas   string // an override reason has this code, when set
	noDose      bool   // no card of the answer names a dose to use
	absentCode  bool   // code is not reported at all
	otherCode   string // another card of the answer ...
	otherSumHas string // ... whose summary contains this
}

func runWord(t *testing.T, cases []wordCase) {
	t.Helper()
	s := newTestServer(t, serverOpts{noStore: true})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cs, _ := tc.c.post(t, s)
			if tc.absentCode {
				assert.NotContains(t, codesOf(cs), tc.code, cardSummaries(cs))
				return
			}
			require.Contains(t, codesOf(cs), tc.code, cardSummaries(cs))
			c := cardWith(cs, tc.code)
			if tc.summary != "" {
				assert.Equal(t, tc.summary, c.Summary)
			}
			if tc.summaryHas != "" {
				assert.Contains(t, c.Summary, tc.summaryHas)
			}
			if tc.sourceHas != "" {
				assert.Contains(t, c.Source.Label, tc.sourceHas)
			}
			if tc.detailNot != "" {
				assert.NotContains(t, c.Detail, tc.detailNot)
			}
			if tc.detailHas != "" {
				assert.Contains(t, c.Detail, tc.detailHas)
			}
			if tc.suggestion != "" {
				var labels []string
				for _, sg := range c.Suggestions {
					labels = append(labels, sg.Label)
				}
				assert.Contains(t, labels, tc.suggestion)
			}
			var reasons []string
			for _, r := range c.OverrideReasons {
				reasons = append(reasons, r.Code)
			}
			if tc.reasonNot != "" {
				assert.NotContains(t, reasons, tc.reasonNot, c.Summary)
			}
			if tc.reasonHas != "" {
				assert.Contains(t, reasons, tc.reasonHas, c.Summary)
			}
			if tc.noDose {
				assert.Empty(t, dosesNamed(cs), "no card may name a dose to use: %s", cardSummaries(cs))
				for _, x := range cs {
					for _, sg := range x.Suggestions {
						for _, a := range sg.Actions {
							assert.NotEqual(t, cards.ActionUpdate, a.Type, "no dose update on %q", x.Summary)
						}
					}
				}
			}
			if tc.otherCode != "" {
				require.Contains(t, codesOf(cs), tc.otherCode, cardSummaries(cs))
				assert.Contains(t, cardWith(cs, tc.otherCode).Summary, tc.otherSumHas)
			}
		})
	}
}

// An MI or stroke during upadacitinib treatment: RINVOQ 5.4 says
// discontinue. The summary said so, but the same card suggested "Change to
// upadacitinib 15 mg once daily", its detail said "Use upadacitinib 15 mg
// once daily", its source was the EU SmPC's lower-dose advice, it offered
// "Lower dose tried, response inadequate", and the CYP card of the order
// said "Reduce upadacitinib to 15 mg daily". The event is new from the
// course start day (the renewal's course starts 180 days ago).
func TestAcceptanceWordrevDiscontinueUpadacitinib(t *testing.T) {
	mi := func(days int) res { return rxCond("mi", icd, "I21.9", "active", "", "onsetDateTime", ago(days)) }
	clarithro := func(r *record) *record {
		r.medications = append(r.medications, med("cl", "active", rxnorm, "21212", "clarithromycin", 30))
		return r
	}
	var cases []wordCase
	for _, days := range []int{181, 180, 179, 30} {
		for _, mg := range []int{15, 30} {
			name := fmt.Sprintf("upadacitinib %d mg renewal, MI %d days ago (course started 180 days ago)", mg, days)
			if days > 180 {
				cases = append(cases, wordCase{name: name + ": before the course, nothing new", c: sign(stable("upadacitinib", mg).replace(mi(days)), jakDraft("upadacitinib", mg)),
					code: "mace-history", absentCode: true})
				continue
			}
			cases = append(cases, wordCase{name: name + ": discontinue, cite 5.4, no dose", c: sign(stable("upadacitinib", mg).replace(mi(days)), jakDraft("upadacitinib", mg)),
				code: "mace-history", summary: "Discontinue upadacitinib: MI or stroke since the start", sourceHas: "section 5.4",
				detailNot: "Use upadacitinib 15 mg", reasonNot: "lower-dose-tried", noDose: true})
		}
	}
	cases = append(cases,
		wordCase{name: "upadacitinib 30 mg renewal, MI last month, on clarithromycin: the CYP card states the limit, not a reduction", c: sign(clarithro(stable("upadacitinib", 30).replace(mi(30))), jakDraft("upadacitinib", 30)),
			code: "cyp-interaction", summary: "CYP interaction (clarithromycin): upadacitinib 15 mg daily at most, if used at all", noDose: true,
			otherCode: "mace-history", otherSumHas: "Discontinue upadacitinib"},
		// Abrocitinib too since the committee2 review (CIBINQO 5.4: no dose,
		// "Discontinue"); a start (an MI before treatment) keeps the lower dose.
		wordCase{name: "abrocitinib 200 mg renewal, MI last month: discontinue, no dose", c: sign(stable("abrocitinib", 200).replace(mi(30)), jakDraft("abrocitinib", 200)),
			code: "mace-history", summary: "Discontinue abrocitinib: MI or stroke since the start", sourceHas: "section 5", reasonNot: "lower-dose-tried", noDose: true},
		wordCase{name: "upadacitinib 30 mg start, MI last month: use 15 mg", c: sign(cleanRecord().replace(mi(30)), jakDraft("upadacitinib", 30)),
			code: "mace-history", summary: "Use upadacitinib 15 mg daily: boxed-warning risks (prior MI or stroke)", reasonHas: "lower-dose-tried"},
	)
	runWord(t, cases)
}

// "Lower dose tried, response inadequate" was offered on cards that
// propose no lower dose: "Avoid upadacitinib" (eGFR under 15), "Keep ... at
// the renal dose" with the dose within the limit, "Reconsider
// upadacitinib" (under 40 kg), "Weigh boxed-warning risks" at 15 mg.
func TestAcceptanceWordrevLowerDoseTriedReason(t *testing.T) {
	egfr := func(v float64) res { return qty("egfr", "98979-8", v, "mL/min/{1.73_m2}", "", ago(10)) }
	cases := []wordCase{
		{name: "upadacitinib, eGFR 14: avoid", c: sign(cleanRecord().replace(egfr(14)), jakDraft("upadacitinib", 15)), code: "renal-impairment", summaryHas: "Avoid upadacitinib", reasonNot: "lower-dose-tried"},
		{name: "upadacitinib 15 mg, eGFR 15: within the renal dose", c: sign(cleanRecord().replace(egfr(15)), jakDraft("upadacitinib", 15)), code: "renal-impairment", summaryHas: "Keep upadacitinib at the renal dose", reasonNot: "lower-dose-tried"},
		{name: "upadacitinib 30 mg, eGFR 16: reduce to 15 mg", c: sign(cleanRecord().replace(egfr(16)), jakDraft("upadacitinib", 30)), code: "renal-impairment", summaryHas: "Reduce upadacitinib to 15 mg", reasonHas: "lower-dose-tried"},
		{name: "upadacitinib, 14 years, 35 kg", c: sign(cleanRecord().born(bornAged(14)).replace(qty("wt", "29463-7", 35, "kg", "", ago(20))), jakDraft("upadacitinib", 15)),
			code: "weight-below-label", reasonNot: "lower-dose-tried"},
		{name: "upadacitinib 15 mg, smoker: weigh the risks", c: sign(cleanRecord().replace(obsCode("smoke", "72166-2", "449868002", ago(10))), jakDraft("upadacitinib", 15)),
			code: "smoker", reasonNot: "lower-dose-tried"},
		{name: "upadacitinib 30 mg, smoker: use 15 mg", c: sign(cleanRecord().replace(obsCode("smoke", "72166-2", "449868002", ago(10))), jakDraft("upadacitinib", 30)),
			code: "smoker", reasonHas: "lower-dose-tried"},
	}
	runWord(t, cases)
}

// Live vaccines. A live vaccine ordered with a renewal was "on the
// medication list" and was to be given "well before starting"; a vaccine
// named by its disease read "Avoid measles" and "Cancel this measles
// order"; an ended course read "Avoid ... unless upadacitinib is stopped:
// ... course ended".
func TestAcceptanceWordrevLiveVaccines(t *testing.T) {
	mmr := "measles, mumps and rubella virus vaccine, live"
	var cases []wordCase
	for _, drug := range []string{"upadacitinib", "abrocitinib"} {
		mg := map[string]int{"upadacitinib": 15, "abrocitinib": 100}[drug]
		cases = append(cases,
			wordCase{name: drug + " renewal with a live zoster vaccine ordered", c: sign(stable(drug, mg), jakDraft(drug, mg), rxText("zoster vaccine, live")),
				code: "live-vaccine-ordered", summary: "Avoid live vaccines with " + drug + ": zoster vaccine, live ordered", detailNot: "before starting"},
			wordCase{name: drug + " start with a live zoster vaccine ordered", c: sign(cleanRecord(), jakDraft(drug, mg), rxText("zoster vaccine, live")),
				code: "live-vaccine-ordered", summary: "Avoid live vaccines with " + drug + ": zoster vaccine, live ordered",
				// RINVOQ: during or immediately prior to (R18); CIBINQO also immediately after (C16).
				detailHas: map[string]string{"upadacitinib": "immediately before and during upadacitinib treatment",
					"abrocitinib": "immediately before, during and right after abrocitinib treatment"}[drug]},
			wordCase{name: "MMR ordered for a patient on " + drug, c: sign(onCourseNow(drug, 30), rxText(mmr)),
				code: "live-vaccine-ordered", summary: "Avoid measles vaccine: live vaccine for a patient on " + drug, suggestion: "Cancel this measles vaccine order"},
			wordCase{name: "MMR ordered, " + drug + " course ended 30 days ago", c: sign(endedCourse(drug, mg, 30), rxText(mmr)),
				code: "live-vaccine-ordered", summary: "Confirm " + drug + " is stopped before giving measles vaccine: live vaccine, course ended " + ago(30)},
			wordCase{name: "rotavirus vaccine ordered for a patient on " + drug, c: sign(onCourseNow(drug, 30), rxText("rotavirus vaccine, live, oral")),
				code: "live-vaccine-ordered", summaryHas: "Avoid rotavirus vaccine:"},
			wordCase{name: "MMR by its abbreviation for a patient on " + drug, c: sign(onCourseNow(drug, 30), rxText("MMR II")),
				code: "live-vaccine-ordered", summaryHas: "Avoid MMR:"},
		)
	}
	runWord(t, cases)
}

// A strong CYP3A4 inducer with upadacitinib said "(the label says
// avoid)": RINVOQ says coadministration is "not recommended" (R14); avoid
// is CIBINQO's word (C10, C11). Both directions.
func TestAcceptanceWordrevAvoidWording(t *testing.T) {
	onRif := func(r *record) *record {
		r.medications = append(r.medications, med("rif", "active", rxnorm, "9384", "rifampin", 30))
		return r
	}
	rif := drugDraft("other", rxnorm, "9384", "rifampin")
	runWord(t, []wordCase{
		{name: "upadacitinib ordered, on rifampin", c: sign(onRif(cleanRecord()), jakDraft("upadacitinib", 15)), code: "cyp-interaction",
			summary: "Avoid upadacitinib with rifampin: CYP interaction (not recommended by the label)", detailNot: "the label says avoid"},
		{name: "rifampin ordered, on upadacitinib", c: sign(onCourseNow("upadacitinib", 30), rif), code: "cyp-interaction",
			summary: "Avoid rifampin: CYP interaction with upadacitinib (not recommended by the label)", detailNot: "the label says avoid"},
		{name: "abrocitinib ordered, on rifampin", c: sign(onRif(cleanRecord()), jakDraft("abrocitinib", 100)), code: "cyp-interaction",
			summary: "Avoid abrocitinib with rifampin: CYP interaction (the label says avoid)"},
		{name: "rifampin ordered, on abrocitinib", c: sign(onCourseNow("abrocitinib", 30), rif), code: "cyp-interaction",
			summary: "Avoid rifampin: CYP interaction with abrocitinib (the label says avoid)"},
	})
}

// A live vaccine given, coded by CVX with no display or text, read "Live
// vaccine 03 given on ...": the evidence names it from the knowledge
// base, with the code.
func TestAcceptanceWordrevLiveVaccineGivenNamed(t *testing.T) {
	var cases []wordCase
	for _, days := range []int{27, 28} {
		cases = append(cases, wordCase{name: fmt.Sprintf("upadacitinib start, MMR (CVX 03, no display) %d days ago", days),
			c: sign(cleanRecord().replace(immunization("v", "03", ago(days))), jakDraft("upadacitinib", 15)), code: "live-vaccine-recent",
			detailHas: "measles, mumps and rubella virus vaccine (MMR) (CVX 03) given on " + ago(days), detailNot: "Live vaccine 03 "})
	}
	cases = append(cases, wordCase{name: "upadacitinib start, MMR 29 days ago: out of the window", c: sign(cleanRecord().replace(immunization("v", "03", ago(29))), jakDraft("upadacitinib", 15)),
		code: "live-vaccine-recent", absentCode: true})
	runWord(t, cases)
}

// The cards asking for HBV DNA or HCV RNA offer "Screening done
// elsewhere" and "Already ordered or scheduled".
func TestAcceptanceWordrevOrderTestReasons(t *testing.T) {
	var cases []wordCase
	for _, drug := range []string{"upadacitinib", "abrocitinib"} {
		mg := map[string]int{"upadacitinib": 15, "abrocitinib": 100}[drug]
		cases = append(cases,
			wordCase{name: drug + ", anti-HBc positive", c: sign(cleanRecord().replace(obsCode("hbc", "16933-4", positive, ago(20))), jakDraft(drug, mg)),
				code: "hbv-core-antibody-positive", reasonHas: "screening-done-elsewhere", otherCode: "hbv-core-antibody-positive", otherSumHas: "Order HBV DNA"},
			wordCase{name: drug + ", anti-HBc positive: already ordered", c: sign(cleanRecord().replace(obsCode("hbc", "16933-4", positive, ago(20))), jakDraft(drug, mg)),
				code: "hbv-core-antibody-positive", reasonHas: "already-ordered"},
			wordCase{name: drug + ", HCV antibody positive", c: sign(cleanRecord().replace(obsCode("hcv", "13955-0", positive, ago(20))), jakDraft(drug, mg)),
				code: "hcv-antibody-positive", reasonHas: "screening-done-elsewhere"},
		)
	}
	runWord(t, cases)
}

// patient-view of a patient on abrocitinib 100 mg with fluoxetine: the
// detail says the dose once.
func TestAcceptanceWordrevDoseSaidOnce(t *testing.T) {
	onFlx := func(r *record) *record {
		r.medications = append(r.medications, med("fx", "active", rxnorm, "4493", "fluoxetine", 30))
		return r
	}
	runWord(t, []wordCase{
		{name: "patient-view, abrocitinib 100 mg with fluoxetine", c: view(onFlx(stable("abrocitinib", 100))), code: "cyp-interaction",
			summary: "Reduce abrocitinib to 50 mg daily: strong CYP inhibitor (fluoxetine)", detailHas: "Use abrocitinib 50 mg once daily.", detailNot: "Adjust the dose"},
	})
}
