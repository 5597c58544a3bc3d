package hooks

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The pvevents review: a serious event that began after the course start
// (an MI or stroke, a thrombosis, a malignancy, a new positive TB test,
// hepatitis B turning positive, HCV RNA detected) was reported only on the
// next renewal order, which may be months away; patient-view said nothing.
// cleanRecord().onCourse(drug) is a course started 2026-06-01 and still
// active (testNow 2026-11-29). Each event is tried the day before, on and
// the day after the start day: what began before the start is history the
// initiation weighed, never a patient-view card.

const (
	pvStartDay  = "2026-06-01"
	pvDayBefore = "2026-05-31"
	pvDayAfter  = "2026-06-02"
)

// pvEvent is one event since the course start, dated by date.
type pvEvent struct {
	name  string
	code  string // the finding it raises
	level string
	make  func(date string) res
	// summary[drug] is part of the card's summary.
	summary map[string]string
	// detail is part of the card's detail.
	detail string
}

func onsetCond(id, code string) func(string) res {
	return func(date string) res { return with(cond(id, icd, code, "active"), "onsetDateTime", date) }
}

func pvEvents() []pvEvent {
	// Both drugs discontinue after an MI or stroke (RINVOQ and CIBINQO
	// 5.4) or a thrombosis (5.5) since the committee2 review.
	stop := map[string]string{"upadacitinib": "Discontinue upadacitinib: MI or stroke since the start",
		"abrocitinib": "Discontinue abrocitinib: MI or stroke since the start"}
	hepB := map[string]string{"upadacitinib": "Seek hepatology advice on upadacitinib: active hepatitis B",
		"abrocitinib": "Seek hepatology advice on abrocitinib: active hepatitis B"}
	return []pvEvent{
		{name: "myocardial infarction I21.4", code: "mace-history", level: "warning", make: onsetCond("mi", "I21.4"), summary: stop,
			detail: "course started on 2026-06-01"},
		{name: "stroke I63.9", code: "mace-history", level: "warning", make: onsetCond("cva", "I63.9"), summary: stop},
		{name: "DVT I82.401", code: "vte-risk", level: "warning", make: onsetCond("dvt", "I82.401"),
			summary: map[string]string{"upadacitinib": "Discontinue upadacitinib: thrombosis since the start",
				"abrocitinib": "Discontinue abrocitinib: thrombosis since the start"},
			detail: "evaluate promptly"},
		{name: "pulmonary embolism I26.99", code: "vte-risk", level: "warning", make: onsetCond("pe", "I26.99"), detail: "evaluate promptly"},
		{name: "lung cancer C34.90", code: "malignancy", level: "warning", make: onsetCond("ca", "C34.90"),
			summary: map[string]string{"upadacitinib": "new since the start: malignancy", "abrocitinib": "new since the start: malignancy"},
			detail:  "Malignancy since the course start"},
		{name: "positive IGRA", code: "tb-latent-untreated", level: "critical",
			make: func(d string) res { return obsCode("igra", "71773-6", positive, d) },
			summary: map[string]string{"upadacitinib": "Start latent TB treatment: positive TB test on upadacitinib",
				"abrocitinib": "Start latent TB treatment: positive TB test on abrocitinib"},
			detail: "Latent tuberculosis found during"},
		{name: "latent TB diagnosis Z22.7", code: "tb-latent-untreated", level: "critical", make: onsetCond("ltbi", "Z22.7")},
		{name: "HBsAg positive", code: "hbv-active", level: "critical",
			make: func(d string) res { return obsCode("hbsag", "5196-1", positive, d) }, summary: hepB, detail: "seek hepatology advice now"},
		{name: "HBV DNA detected", code: "hbv-active", level: "critical",
			make: func(d string) res { return obsCode("hbvdna", "29610-3", positive, d) }, summary: hepB},
		{name: "chronic hepatitis B B18.1", code: "hbv-active", level: "critical", make: onsetCond("hepb", "B18.1"), summary: hepB},
		{name: "HCV RNA detected", code: "hcv-active", level: "critical",
			make: func(d string) res { return obsCode("hcvrna", "11259-9", positive, d) },
			summary: map[string]string{"upadacitinib": "Seek hepatology advice on upadacitinib: active hepatitis C",
				"abrocitinib": "Seek hepatology advice on abrocitinib: active hepatitis C"}},
		{name: "chronic hepatitis C B18.2", code: "hcv-active", level: "critical", make: onsetCond("hepc", "B18.2")},
	}
}

func TestAcceptancePatientViewEventsSinceStart(t *testing.T) {
	var cases []accCase
	for _, drug := range []string{"upadacitinib", "abrocitinib"} {
		on := func() *record { return cleanRecord().onCourse(drug) }
		for _, e := range pvEvents() {
			pos := accCase{name: drug + ": " + e.name + " two weeks ago", c: view(on().replace(e.make(ago(14)))), want: w(e.code, e.level),
				notDetailOf: map[string]string{e.code: "before starting"}}
			if s := e.summary[drug]; s != "" {
				pos.summaryOf = map[string]string{e.code: s}
			}
			if e.detail != "" {
				pos.detailOf = map[string]string{e.code: e.detail}
			}
			cases = append(cases, pos,
				// The start day boundary: N-1 is history, N and N+1 are since the start (as on a renewal).
				accCase{name: drug + ": " + e.name + " the day before the start: history, no card", c: view(on().replace(e.make(pvDayBefore))), noCards: true},
				accCase{name: drug + ": " + e.name + " on the start day: since the start", c: view(on().replace(e.make(pvStartDay))), want: w(e.code, e.level)},
				accCase{name: drug + ": " + e.name + " the day after the start", c: view(on().replace(e.make(pvDayAfter))), want: w(e.code, e.level)},
				// The renewal says the same.
				accCase{name: drug + ": " + e.name + " since the start: a renewal says it too", c: sign(on().replace(e.make(ago(14))), jakDraft(drug, map[string]int{"upadacitinib": 15, "abrocitinib": 100}[drug])),
					want: w(e.code, e.level)},
				// No ongoing course: nothing.
				accCase{name: drug + ": " + e.name + ", course ended: no card", c: view(pvStopped(drug).replace(e.make(ago(14)))), noCards: true},
				accCase{name: drug + ": " + e.name + ", never on a course: no card", c: view(cleanRecord().replace(e.make(ago(14)))), noCards: true},
			)
		}
	}
	runAcc(t, cases)
}

func TestAcceptancePatientViewEventsSinceStartNegatives(t *testing.T) {
	var cases []accCase
	for _, drug := range []string{"upadacitinib", "abrocitinib"} {
		on := func() *record { return cleanRecord().onCourse(drug) }
		cases = append(cases,
			accCase{name: drug + ": old MI I25.2 from 2019: history, no card", c: view(on().replace(with(cond("mi", icd, "I25.2", "active"), "onsetDateTime", "2019-03-01"))), noCards: true},
			accCase{name: drug + ": MI with no onset or recorded date: not known to be new, no card", c: view(on().replace(cond("mi", icd, "I21.4", "active"))), noCards: true},
			accCase{name: drug + ": MI onset before the start, recorded since: history, no card",
				c: view(on().replace(with(cond("mi", icd, "I21.4", "resolved"), "onsetDateTime", "2025-01-10", "recordedDate", ago(10)))), noCards: true},
			accCase{name: drug + ": MI since the start, now resolved: still reported (an event of the course)",
				c: view(on().replace(with(cond("mi", icd, "I21.4", "resolved"), "onsetDateTime", ago(60), "abatementDateTime", ago(30)))), want: w("mace-history", "warning")},
			accCase{name: drug + ": basal cell carcinoma C44.91 since the start: not a malignancy finding", c: view(on().replace(with(cond("bcc", icd, "C44.91", "active"), "onsetDateTime", ago(14)))), noCards: true},
			accCase{name: drug + ": TIA G45.9 since the start: not MI or stroke", c: view(on().replace(with(cond("tia", icd, "G45.9", "active"), "onsetDateTime", ago(14)))), noCards: true},
			// TB.
			accCase{name: drug + ": positive IGRA since the start, isoniazid current: treated, no card",
				c: view(on().replace(obsCode("igra", "71773-6", positive, ago(30))).replace(med("inh", "active", rxnorm, "6038", "isoniazid", 20))), noCards: true},
			accCase{name: drug + ": positive IGRA and active TB since the start: tb-active only",
				c:    view(on().replace(obsCode("igra", "71773-6", positive, ago(30))).replace(with(cond("tb", icd, "A15.0", "active"), "onsetDateTime", ago(20)))),
				want: w("tb-active", "critical"), absent: []string{"tb-latent-untreated"}},
			accCase{name: drug + ": negative IGRA since the start: no card", c: view(on().replace(obsCode("igra", "71773-6", negative, ago(30)))), noCards: true},
			// Hepatitis B: only a change since the start, never what was known before it.
			accCase{name: drug + ": HBsAg positive before the start and again since: known, no patient-view card",
				c: view(on().replace(obsCode("hbsag0", "5196-1", positive, "2026-05-20")).replace(obsCode("hbsag", "5196-1", positive, ago(14)))), absent: []string{"hbv-active"}},
			accCase{name: drug + ": chronic hepatitis B from before the start, HBV DNA detected since: known, no patient-view card",
				c:      view(on().replace(with(cond("hepb", icd, "B18.1", "active"), "onsetDateTime", "2020-01-01")).replace(obsCode("hbvdna", "29610-3", positive, ago(14)))),
				absent: []string{"hbv-active"}},
			accCase{name: drug + ": HBsAg positive years ago, negative before the start, positive since: reactivation",
				c: view(on().replace(obsCode("hbsag0", "5196-1", positive, "2015-01-01")).replace(obsCode("hbsag1", "5196-1", negative, "2026-05-20")).
					replace(obsCode("hbsag", "5196-1", positive, ago(14)))), want: w("hbv-active", "critical")},
			accCase{name: drug + ": HBsAg positive since the start, negative since: no card",
				c: view(on().replace(obsCode("hbsag1", "5196-1", positive, ago(60))).replace(obsCode("hbsag", "5196-1", negative, ago(14)))), noCards: true},
			accCase{name: drug + ": anti-HBc positive since the start: not a patient-view card", c: view(on().replace(obsCode("hbc", "16933-4", positive, ago(14)))), noCards: true},
			// Hepatitis C.
			accCase{name: drug + ": HCV antibody positive since the start, no RNA: no patient-view card", c: view(on().replace(obsCode("hcv", "13955-0", positive, ago(14)))), noCards: true},
			accCase{name: drug + ": HCV RNA not detected since the start: no card", c: view(on().replace(obsCode("hcvrna", "11259-9", negative, ago(14)))), noCards: true},
			accCase{name: drug + ": HCV RNA detected before the start and since: known, no patient-view card",
				c: view(on().replace(obsCode("hcvrna0", "11259-9", positive, "2026-05-01")).replace(obsCode("hcvrna", "11259-9", positive, ago(14)))), absent: []string{"hcv-active"}},
			// A course only planned, or with no start date: no start to be new since.
			accCase{name: drug + ": MI two weeks ago, course only planned: no MI card",
				c:      view(cleanRecord().replace(courseOrder(drug+"-plan", "MedicationStatement", "intended", drug, ago(60))).replace(with(cond("mi", icd, "I21.4", "active"), "onsetDateTime", ago(14)))),
				absent: []string{"mace-history"}},
			accCase{name: drug + ": MI two weeks ago, course with no start date: no MI card (the renewal speaks)",
				c:      view(cleanRecord().replace(undatedOrder(drug)).replace(with(cond("mi", icd, "I21.4", "active"), "onsetDateTime", ago(14)))),
				absent: []string{"mace-history"}},
		)
	}
	// Both drugs of one patient: one card each course, as for any finding.
	cases = append(cases, accCase{name: "upadacitinib: MI and DVT since the start: one risk card leading with discontinue",
		c:    view(cleanRecord().onCourse("upadacitinib").replace(with(cond("mi", icd, "I21.4", "active"), "onsetDateTime", ago(14))).replace(with(cond("dvt", icd, "I82.401", "active"), "onsetDateTime", ago(10)))),
		want: w("mace-history", "warning", "vte-risk", "warning"), summaryOf: map[string]string{"vte-risk": "Discontinue upadacitinib: MI or stroke and thrombosis since the start"}})
	// The card's title says "since the course start" only when there is a
	// start to be new since: a renewal of a course with no start date reads
	// the whole record (history).
	for _, drug := range []string{"upadacitinib", "abrocitinib"} {
		mg := map[string]int{"upadacitinib": 15, "abrocitinib": 100}[drug]
		oldMI := with(cond("mi", icd, "I21.4", "resolved"), "onsetDateTime", "2019-03-01")
		cases = append(cases,
			accCase{name: drug + ": renewal, MI since the start: titled since the course start",
				c:    sign(cleanRecord().onCourse(drug).replace(with(cond("mi", icd, "I21.4", "active"), "onsetDateTime", ago(14))), jakDraft(drug, mg)),
				want: w("mace-history", "warning"), detailOf: map[string]string{"mace-history": "Myocardial infarction or stroke since the course start"}},
			accCase{name: drug + ": renewal of a course with no start date, MI in 2019: titled history",
				c:    sign(cleanRecord().replace(undatedOrder(drug)).replace(oldMI), jakDraft(drug, mg)),
				want: w("mace-history", "warning"), detailOf: map[string]string{"mace-history": "History of myocardial infarction or stroke"},
				notDetailOf: map[string]string{"mace-history": "since the course start"}},
			// Nor does it say "discontinue" or "during treatment" of an MI that may
			// be from before the course: the summary says the start is unknown.
			accCase{name: drug + ": renewal of a course with no start date, MI in 2019: no discontinue, start unknown",
				c:         sign(cleanRecord().replace(undatedOrder(drug)).replace(oldMI), jakDraft(drug, mg)),
				want:      w("mace-history", "warning"),
				summaryOf: map[string]string{"mace-history": "Review " + drug + ": boxed-warning risks on record (course start unknown): prior MI or stroke"},
				detailOf:  map[string]string{"mace-history": "course start is unknown: if it occurred during treatment"}},
		)
	}
	// A 30 mg renewal of an undated upadacitinib course with an MI in 2019 and
	// a DVT in 2020: the drug is not ruled out, the lower dose is still offered.
	cases = append(cases, accCase{name: "upadacitinib 30 mg renewal, course start unknown, MI 2019 and DVT 2020: 15 mg, not ruled out",
		c: sign(cleanRecord().replace(undatedOrder("upadacitinib")).replace(with(cond("mi", icd, "I21.4", "resolved"), "onsetDateTime", "2019-03-01")).
			replace(with(cond("dvt", icd, "I82.401", "resolved"), "onsetDateTime", "2020-03-01")), jakDraft("upadacitinib", 30)),
		want: w("mace-history", "warning", "vte-risk", "warning", "lower-dose-recommended", "warning"), dose: 15,
		detailOf: map[string]string{"vte-risk": "course start is unknown: if it occurred during treatment"}})
	// On hold: the event is still said.
	cases = append(cases, accCase{name: "upadacitinib on hold: DVT since the start still reported",
		c:    view(cleanRecord().onCourse("upadacitinib").replace(courseOrder("upadacitinib-3", "MedicationRequest", "on-hold", "upadacitinib", "2026-10-01")).replace(with(cond("dvt", icd, "I82.401", "active"), "onsetDateTime", ago(10)))),
		want: w("vte-risk", "warning")})
	runAcc(t, cases)
}

// undatedOrder is an active order of drug with no date at all: a course
// whose start is unknown.
func undatedOrder(drug string) res {
	m := courseOrder(drug+"-x", "MedicationRequest", "active", drug, "2026-06-01")
	delete(m, "authoredOn")
	return m
}

// syntheaViewRequest is a patient-view request for a Synthea record (as
// syntheaRequest splits it) with an active course of drug started on
// start added to its orders.
func syntheaViewRequest(t *testing.T, file, drug, start string) []byte {
	t.Helper()
	raw, err := os.ReadFile(file)
	require.NoError(t, err)
	var b struct {
		Entry []struct {
			Resource struct{ ResourceType, ID string } `json:"resource"`
		} `json:"entry"`
	}
	require.NoError(t, json.Unmarshal(raw, &b))
	patientID := ""
	for _, e := range b.Entry {
		if e.Resource.ResourceType == "Patient" {
			patientID = e.Resource.ID
		}
	}
	require.NotEmpty(t, patientID)
	var req map[string]any
	require.NoError(t, json.Unmarshal(syntheaRequest(t, file, patientID), &req))
	req["hook"] = HookPatientView
	ctx := req["context"].(map[string]any)
	delete(ctx, "draftOrders")
	delete(ctx, "selections")
	meds := req["prefetch"].(map[string]any)["medications"].(map[string]any)
	order := courseOrder(drug+"-synthea", "MedicationRequest", "active", drug, start)
	order["subject"] = map[string]any{"reference": "Patient/" + patientID}
	entries, _ := meds["entry"].([]any)
	meds["entry"] = append(entries, map[string]any{"resource": order})
	out, err := json.Marshal(req)
	require.NoError(t, err)
	return out
}

// The Synthea patients on a course started 2026-06-01: their histories
// (Fletcher Hyatt's lung cancer of 1993, Asa Hermiston's rheumatoid
// arthritis on methotrexate) are from before the start, so the
// since-the-start findings add no card; the card count is what it was
// before them (measured on the commit before the pvevents change).
func TestSyntheaPatientViewNoNewCards(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	since := []string{"mace-history", "vte-risk", "malignancy", "tb-latent-untreated", "hbv-active", "hcv-active"}
	for _, tc := range []struct {
		file  string
		cards map[string]int // by drug: the patient-view card count before the pvevents change
	}{
		// methotrexate (combination-immunosuppressant) and monitoring due
		{"Asa_Hermiston_4384bf23-1dc3-48ca-8c84-89fbaff201ae.json", map[string]int{"upadacitinib": 2, "abrocitinib": 2}},
		// monitoring due only; the lung cancer of 1993 is history
		{"Fletcher_Hyatt_fe0562b5-f517-4951-8366-32fdab088930.json", map[string]int{"upadacitinib": 1, "abrocitinib": 1}},
		{"Garrett_Thompson_5a72e290-8102-4c8a-84f7-f838387508b2.json", map[string]int{"upadacitinib": 1, "abrocitinib": 1}},
	} {
		for _, drug := range []string{"upadacitinib", "abrocitinib"} {
			t.Run(tc.file[:12]+" "+drug, func(t *testing.T) {
				rec := s.do(t, "POST", "/cds-services/patient-view", syntheaViewRequest(t, "../testdata/synthea/"+tc.file, drug, pvStartDay))
				require.Equal(t, 200, rec.Code, rec.Body.String())
				cs := checkResponse(t, rec.Body.Bytes())
				for _, code := range since {
					assert.NotContains(t, codesOf(cs), code, "cards: %s", cardSummaries(cs))
				}
				assert.Equal(t, tc.cards[drug], len(cs), "patient-view card count: %s", cardSummaries(cs))
			})
		}
	}
}

// A course being taken whose start date cannot be read (no authoredOn,
// validity period or effective date, or "junk"): the checks counted from
// the start (monitoring due, events since the start) cannot run. Chart
// open answered {"cards": []} for such a patient with an MI two weeks
// ago; an info card now says the start date could not be read and which
// checks did not run. A dated course gives no such card.
func TestAcceptancePatientViewUndatedCourse(t *testing.T) {
	mi := with(cond("mi", icd, "I21.4", "active"), "onsetDateTime", ago(14))
	var cases []accCase
	for _, drug := range []string{"upadacitinib", "abrocitinib"} {
		summary := strings.ToUpper(drug[:1]) + drug[1:] + " course not fully checked: its start date could not be read"
		cases = append(cases,
			accCase{name: drug + ": undated course, MI two weeks ago: the start date could not be read",
				c:         view(cleanRecord().replace(undatedOrder(drug)).replace(mi)),
				want:      w("data-unavailable", "info"),
				absent:    []string{"mace-history"},
				summaryOf: map[string]string{"data-unavailable": summary},
				detailOf:  map[string]string{"data-unavailable": "myocardial infarction or stroke"}},
			accCase{name: drug + ": undated course, nothing else on record: the card still says it",
				c:         view(cleanRecord().replace(undatedOrder(drug))),
				want:      w("data-unavailable", "info"),
				summaryOf: map[string]string{"data-unavailable": summary},
				detailOf:  map[string]string{"data-unavailable": "monitoring that is due"}},
			accCase{name: drug + ": dated course: no start-date card",
				c:      view(cleanRecord().onCourse(drug)),
				absent: []string{"data-unavailable"}},
		)
	}
	cases = append(cases, accCase{name: "upadacitinib: undated course, the outside medication list not sent: one start-date card",
		c:         call{hook: HookPatientView, r: cleanRecord().replace(undatedOrder("upadacitinib")), noStatements: true},
		want:      w("data-unavailable", "info"),
		summaryOf: map[string]string{"data-unavailable": "Upadacitinib course not fully checked: its start date could not be read"},
		detailOf:  map[string]string{"data-unavailable": "no start date jakguard can read"}})
	runAcc(t, cases)
}
