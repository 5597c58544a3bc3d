package hooks

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/cards"
)

// Noise review of the day's clinical changes (noise8 review, December
// 2026), read as a pharmacist on a CDS committee would: each scenario
// posts FHIR resources through the HTTP handler.

// noise8Period gives an order a dispenseRequest.validityPeriod from the
// day from to the day to (days after testNow; negative: before).
func noise8Period(r res, from, to int) res {
	return with(r, "dispenseRequest", res{"validityPeriod": res{"start": ago(-from), "end": ago(-to)}})
}

// TestAcceptanceNoise8SessionOrdersTaken: the session total (metarev)
// added every session order of the drug but a cancelled or entered-in-
// error one: the order a new one replaces, sent with the session as
// stopped, completed or on hold, and the two steps of a taper (30 mg for
// 4 weeks, then 15 mg) were added to it, and a 70-year-old's 15 mg
// renewal beside its stopped 15 mg order got "Keep one upadacitinib
// order: this session's orders total 30 mg/day". Only orders taken
// together add up.
func TestAcceptanceNoise8SessionOrdersTaken(t *testing.T) {
	old := func() *record { return cleanRecord().born("1956-01-01").drop("hcg") } // aged 70
	second := func(drug string, mg int) res { return with(jakDraft(drug, mg), "id", "new2") }
	keep := map[string]string{"lower-dose-recommended": "Keep one upadacitinib order: this session's orders total 30 mg/day"}
	var cases []accCase
	for _, st := range []string{"stopped", "completed", "on-hold"} {
		cases = append(cases,
			accCase{name: "aged 70, a 15 mg draft and the 15 mg order it replaces, " + st, c: sign(old(), jakDraft("upadacitinib", 15), with(second("upadacitinib", 15), "status", st)),
				noCards: true},
			accCase{name: "15 mg draft and the 30 mg order it replaces, " + st + ": not above the maximum", c: sign(cleanRecord(), jakDraft("upadacitinib", 15), with(second("upadacitinib", 30), "status", st)),
				noCards: true})
	}
	cases = append(cases,
		// Taken together: as before.
		accCase{name: "aged 70, two 15 mg drafts: keep one, naming the other order", c: sign(old(), jakDraft("upadacitinib", 15), second("upadacitinib", 15)),
			want: w("lower-dose-recommended", "warning"), noDose: true, summaryOf: keep,
			detailOf: map[string]string{"lower-dose-recommended": "Also ordered in this session: upadacitinib 15 MG Extended Release Oral Tablet, 15 mg/day"}},
		accCase{name: "aged 70, a 15 mg draft and an active 15 mg session order", c: sign(old(), jakDraft("upadacitinib", 15), with(second("upadacitinib", 15), "status", "active")),
			want: w("lower-dose-recommended", "warning"), summaryOf: keep},
		accCase{name: "aged 70, a 15 mg draft and one of status unknown: counted (fail safe)", c: sign(old(), jakDraft("upadacitinib", 15), with(second("upadacitinib", 15), "status", "unknown")),
			want: w("lower-dose-recommended", "warning"), summaryOf: keep},
		accCase{name: "15 and 30 mg drafts: above the maximum", c: sign(cleanRecord(), jakDraft("upadacitinib", 15), second("upadacitinib", 30)),
			want: w("dose-above-label", "warning")},
		// A taper: 30 mg on days 0-28, then 15 mg from day 27, 28 or 29.
		accCase{name: "30 mg to day 28, 15 mg from day 27: a day together, above the maximum", c: sign(cleanRecord(),
			noise8Period(jakDraft("upadacitinib", 30), 0, 28), noise8Period(second("upadacitinib", 15), 27, 118)),
			want: w("dose-above-label", "warning")},
		accCase{name: "30 mg to day 28, 15 mg from day 28: a taper", c: sign(cleanRecord(),
			noise8Period(jakDraft("upadacitinib", 30), 0, 28), noise8Period(second("upadacitinib", 15), 28, 118)),
			noCards: true},
		accCase{name: "30 mg to day 28, 15 mg from day 29: a taper", c: sign(cleanRecord(),
			noise8Period(jakDraft("upadacitinib", 30), 0, 28), noise8Period(second("upadacitinib", 15), 29, 118)),
			noCards: true},
		accCase{name: "15 mg from day 28 listed first: a taper all the same", c: sign(cleanRecord(),
			noise8Period(second("upadacitinib", 15), 28, 118), noise8Period(jakDraft("upadacitinib", 30), 0, 28)),
			noCards: true},
		accCase{name: "30 mg to day 28, 15 mg with no dates: together (fail safe)", c: sign(cleanRecord(),
			noise8Period(jakDraft("upadacitinib", 30), 0, 28), second("upadacitinib", 15)),
			want: w("dose-above-label", "warning")},
		accCase{name: "aged 70, 15 mg to day 28 then 15 mg: one at a time", c: sign(old(),
			noise8Period(jakDraft("upadacitinib", 15), 0, 28), noise8Period(second("upadacitinib", 15), 28, 118)),
			noCards: true},
		accCase{name: "aged 70, 15 mg to day 28 and 15 mg from day 27: together", c: sign(old(),
			noise8Period(jakDraft("upadacitinib", 15), 0, 28), noise8Period(second("upadacitinib", 15), 27, 118)),
			want: w("lower-dose-recommended", "warning"), summaryOf: keep},
		accCase{name: "smoker, abrocitinib 100 mg to day 28 then 100 mg: one at a time", c: sign(cleanRecord().replace(obsCode("smoke", "72166-2", "8517006", ago(27))),
			noise8Period(jakDraft("abrocitinib", 100), 0, 28), noise8Period(second("abrocitinib", 100), 28, 118)),
			want: w("smoker", "warning"), absent: []string{"lower-dose-recommended"}},
	)
	// The current order on record sent again with the session beside its
	// renewal: a record order is not added (docs/rules.md section 1).
	onU1 := func() *record {
		r := old()
		r.medications = append(r.medications, courseMed("u1", "MedicationRequest", "active", "upadacitinib", 15, 120))
		return r
	}
	u1Again := with(courseMed("u1", "MedicationRequest", "active", "upadacitinib", 15, 120), "subject", res{"reference": "Patient/p1"})
	cases = append(cases,
		accCase{name: "aged 70 on upadacitinib 15 mg (u1), u1 sent again beside its 15 mg renewal", c: sign(onU1(), u1Again, jakDraft("upadacitinib", 15)),
			absent: []string{"lower-dose-recommended"}},
		accCase{name: "aged 70 on upadacitinib 15 mg (u1), two new 15 mg drafts: keep one", c: sign(onU1(), jakDraft("upadacitinib", 15), second("upadacitinib", 15)),
			want: w("lower-dose-recommended", "warning"), summaryOf: keep},
	)
	runAccSession(t, cases)
}

// TestAcceptanceNoise8SwitchBackPriorTherapy: a switch back is an
// initiation (xhook review), so the start-only rows run; the patient's
// earlier upadacitinib or abrocitinib is earlier systemic therapy (RINVOQ
// and CIBINQO 1: "other systemic drug products"), so abrocitinib ordered
// again after a switch to upadacitinib got "Confirm prior systemic
// therapy" for a patient on JAK inhibitors for 230 days. Screening within
// its windows still counts on a switch back.
func TestAcceptanceNoise8SwitchBackPriorTherapy(t *testing.T) {
	back := func(extra ...res) *record { // abrocitinib 230 to 30 days ago, upadacitinib 30 to 2 days ago
		r := cleanRecord().drop("dupi")
		r.medications = append(r.medications, ended("a1", "abrocitinib", 100, 230, 30), ended("u1", "upadacitinib", 15, 30, 2))
		for _, x := range extra {
			r.replace(x)
		}
		return r
	}
	abro := func(r *record) call { return sign(r, jakDraft("abrocitinib", 100)) }
	cases := []accCase{
		{name: "abrocitinib again 2 days after upadacitinib ended, screening 27 days ago: nothing", c: abro(back()), noCards: true},
		{name: "upadacitinib again after abrocitinib: nothing", c: sign(func() *record {
			r := cleanRecord().drop("dupi")
			r.medications = append(r.medications, ended("u0", "upadacitinib", 15, 230, 30), ended("a2", "abrocitinib", 100, 30, 2))
			return r
		}(), jakDraft("upadacitinib", 15)), noCards: true},
		{name: "abrocitinib again after a year off: its earlier course is prior therapy", c: abro(func() *record {
			r := cleanRecord().drop("dupi")
			r.medications = append(r.medications, ended("a0", "abrocitinib", 100, 600, 365))
			return r
		}()), noCards: true},
		{name: "upadacitinib after abrocitinib as an outside medication (statement, completed)", c: sign(func() *record {
			r := cleanRecord().drop("dupi")
			r.medications = append(r.medications, courseMed("as", "MedicationStatement", "completed", "abrocitinib", 100, 400))
			return r
		}(), jakDraft("upadacitinib", 15)), noCards: true},
		// No earlier systemic therapy: the info card, as before.
		{name: "first JAK order, no systemic therapy on record", c: abro(cleanRecord().drop("dupi")),
			want: w("no-prior-systemic-therapy", "info"), onlyInfo: true,
			detailOf: map[string]string{"no-prior-systemic-therapy": "mycophenolate or earlier upadacitinib or abrocitinib on record"}},
		{name: "upadacitinib only intended (statement): no earlier therapy", c: abro(func() *record {
			r := cleanRecord().drop("dupi")
			r.medications = append(r.medications, courseMed("ui", "MedicationStatement", "intended", "upadacitinib", 15, 10))
			return r
		}()), want: w("no-prior-systemic-therapy", "info")},
		{name: "an earlier upadacitinib order cancelled: no earlier therapy", c: abro(func() *record {
			r := cleanRecord().drop("dupi")
			r.medications = append(r.medications, courseMed("uc", "MedicationRequest", "cancelled", "upadacitinib", 15, 100))
			return r
		}()), want: w("no-prior-systemic-therapy", "info")},
		// Screening windows on a switch back: a TB test of 364 days counts, 366 does not.
		{name: "switch back, TB test 364 days ago: within 12 months", c: abro(back(obsCode("igra", "71773-6", negative, ago(364)))),
			absent: []string{"tb-screening-missing"}},
		{name: "switch back, TB test 366 days ago: before starting abrocitinib, and why it is a start", c: abro(back(obsCode("igra", "71773-6", negative, ago(366)))),
			want: w("tb-screening-missing", "warning"), summaryOf: map[string]string{"tb-screening-missing": "before starting abrocitinib"},
			detailOf: map[string]string{"tb-screening-missing": "abrocitinib taken until " + ago(30) + ", then upadacitinib from " + ago(30) + " to " + ago(2) +
				": abrocitinib ordered again is a new start (a switch back)"}},
		{name: "first abrocitinib order, no TB test: no switch back said", c: abro(cleanRecord().drop("igra")),
			want: w("tb-screening-missing", "warning"), notDetailOf: map[string]string{"tb-screening-missing": "switch back"}},
	}
	runAcc(t, cases)
	// Said once per card, not under each finding of the screening card.
	s := newTestServer(t, serverOpts{noStore: true})
	cs, _ := abro(back().drop("igra").drop("hbsag").drop("hcv")).post(t, s)
	c := cardWith(cs, "tb-screening-missing")
	assert.ElementsMatch(t, []string{"tb-screening-missing", "hbv-screening-missing", "hcv-screening-missing"}, c.Findings())
	assert.Equal(t, 1, strings.Count(c.Detail, "a switch back"), c.Detail)
}

// TestAcceptanceNoise8PartialReadSaid: what a search read before it failed
// is read (source review), and a card may cite it ("tofacitinib
// (active)"); the same card said the medications "could not be checked
// (neither in prefetch nor obtainable from the FHIR server)", which the
// evidence beside it contradicted. A key read in part is said as such; a
// key of which nothing was read keeps the old line.
func TestAcceptanceNoise8PartialReadSaid(t *testing.T) {
	const none = "Could not be checked: medications (neither in prefetch nor obtainable"
	const part = "Could not be checked: medications, read in part"
	failAt := func(sf *sourceFHIR, at int) {
		sf.fail = func(w http.ResponseWriter, r *http.Request, typ string, page int) bool {
			if typ == "MedicationRequest" && page == at {
				w.WriteHeader(500)
				return true
			}
			return false
		}
	}
	r := failRecord()
	r.medications = append([]res{medication("tofa", "active", rxnorm, "1357536", "tofacitinib")}, r.medications...)
	pv := coursed("abrocitinib", 28)
	pv.medications = append(pv.medications[len(pv.medications)-1:], pv.medications[:len(pv.medications)-1]...) // the course first
	for _, tc := range []struct {
		name    string
		c       call
		rd      road
		failAt  int
		hook    string
		card    string // finding code of the card whose detail is read
		want    string
		notWant string
	}{
		{"order-sign, fetched, page 2 fails: read in part", upa15(r), road{"", 1, dropKeys("medications")}, 2, "order-sign", "combination-jak", part, none},
		{"order-sign, prefetch first page, next page fails: read in part", upa15(r), road{"", 1, firstPages(1)}, 2, "order-sign", "combination-jak", part, none},
		{"order-sign, fetched, page 1 fails: nothing read", upa15(r), road{"", 1, dropKeys("medications")}, 1, "order-sign", "tb-screening-missing", none, part},
		{"patient-view, fetched, page 2 fails: read in part", view(pv), road{"", 1, dropKeys("medications")}, 2, "patient-view", "data-unavailable", part, none},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, sf := roadBody(t, tc.c, tc.rd)
			failAt(sf, tc.failAt)
			rec := failServer(t, sf).do(t, "POST", "/cds-services/"+tc.hook, body)
			require.Equal(t, 200, rec.Code, rec.Body.String())
			cs := checkResponse(t, rec.Body.Bytes())
			d := cardWith(cs, tc.card).Detail
			assert.Contains(t, d, tc.want)
			assert.NotContains(t, d, tc.notWant)
			if tc.want == part && tc.hook == "patient-view" {
				assert.Contains(t, cardWith(cs, "data-unavailable").Summary, "some medications could not be read")
				assert.Contains(t, d, "only against what could be read")
			}
		})
	}
}

// TestAcceptanceNoise8KeepOneWording: the "Keep one ... order" card
// (metarev) cut its reason mid-word past 140 characters ("... VTE risk
// and maligna…", "(clarithromycin 500 MG ... twice d…"), and a card of
// the age limit beside a CYP inhibitor said in its summary "(aged 65 or
// over)" and in its action "(a strong CYP3A4 inhibitor: 15 mg)". A
// summary too long names the limit; each card's action names its own.
func TestAcceptanceNoise8KeepOneWording(t *testing.T) {
	second := func(drug string, mg int) res { return with(jakDraft(drug, mg), "id", "new2") }
	risks := cleanRecord().born(bornAged(70)).drop("hcg").replace(obsCode("smoke", "72166-2", "8517006", ago(27))).
		replace(with(cond("mi", icd, "I21.4", "resolved"), "onsetDateTime", ago(900))).
		replace(with(cond("dvt", icd, "I82.401", "resolved"), "onsetDateTime", ago(900))).
		replace(with(cond("ca", icd, "C34.90", "resolved"), "onsetDateTime", ago(900))).
		replace(cond("htn", icd, "I10", "active"))
	clari := func(name string) *record {
		return cleanRecord().born(bornAged(70)).drop("hcg").replace(onceDaily(med("cl", "active", rxnorm, "21212", name, 3)))
	}
	const long = "clarithromycin 500 MG Extended Release Oral Tablet [Biaxin XL] twice daily"
	cases := []accCase{
		{name: "five boxed-warning risks, abrocitinib 100 + 100 mg: the limit, not a cut list", c: sign(risks, jakDraft("abrocitinib", 100), second("abrocitinib", 100)),
			want:      w("lower-dose-recommended", "warning"),
			summaryOf: map[string]string{"lower-dose-recommended": "Keep one abrocitinib order: this session's orders total 200 mg/day, above the 100 mg/day limit"}},
		{name: "smoker only: the reason fits", c: sign(cleanRecord().replace(obsCode("smoke", "72166-2", "8517006", ago(27))), jakDraft("abrocitinib", 100), second("abrocitinib", 100)),
			summaryOf: map[string]string{"lower-dose-recommended": "200 mg/day (smoking)"}},
		{name: "aged 70 with a long-named clarithromycin, upadacitinib 15 + 15 mg", c: sign(clari(long), jakDraft("upadacitinib", 15), second("upadacitinib", 15)),
			want: w("cyp-interaction", "warning", "lower-dose-recommended", "warning"),
			summaryOf: map[string]string{"cyp-interaction": "Keep one upadacitinib order: this session's orders total 30 mg/day, above the 15 mg/day limit",
				"lower-dose-recommended": "30 mg/day (aged 65 or over)"},
			detailOf:    map[string]string{"lower-dose-recommended": "(aged 65 or over: 15 mg): keep one order", "cyp-interaction": "(a strong CYP3A4 inhibitor: 15 mg): keep one order"},
			notDetailOf: map[string]string{"lower-dose-recommended": "(a strong CYP3A4 inhibitor: 15 mg): keep one order"}},
		{name: "aged 70 with clarithromycin by its short name: the reason fits", c: sign(clari("clarithromycin"), jakDraft("upadacitinib", 15), second("upadacitinib", 15)),
			summaryOf: map[string]string{"cyp-interaction": "30 mg/day (clarithromycin)"}},
	}
	runAccSession(t, cases)
	s := newTestServer(t, serverOpts{noStore: true})
	for _, tc := range cases {
		// Two orders: a finding on one card per order (contract 4), so not
		// post, which allows one card per finding.
		req := httptest.NewRequest("POST", "/cds-services/"+tc.c.service(), bytes.NewReader(tc.c.body(t)))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		require.Equal(t, 200, rec.Code, rec.Body.String())
		var resp struct {
			Cards []cards.Card `json:"cards"`
		}
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &resp))
		require.NotEmpty(t, resp.Cards, tc.name)
		for _, c := range resp.Cards {
			assert.NotContains(t, c.Summary, "…", "%s: a summary cut short", tc.name)
		}
	}
}

// TestAcceptanceNoise8PatientViewOldConditions: patient-view's template now
// asks for conditions of every status (metarev), so old resolved ones reach
// it. A resolved, inactive or in-remission condition gives no card, at any
// date; one since the course start that the rules read as history still
// does (an MI recorded as resolved). An old condition with no status is
// read as the conditions review left it (its committee question 2; this
// review's question 3): active tuberculosis, whenever coded, is critical.
func TestAcceptanceNoise8PatientViewOldConditions(t *testing.T) {
	onUpa := func(c res) call { return view(onCourseAt("upadacitinib", 15, 200).replace(c)) }
	dated := func(c res, days int) res { return with(c, "onsetDateTime", ago(days)) }
	var cases []accCase
	for _, st := range []string{"resolved", "inactive", "remission"} {
		cases = append(cases,
			accCase{name: "pneumonia " + st + " since the start", c: onUpa(dated(cond("pn", icd, "J18.9", st), 100)), noCards: true},
			accCase{name: "pregnancy " + st + " 3 years ago", c: onUpa(dated(cond("preg", icd, "Z33.1", st), 1100)), noCards: true},
			accCase{name: "lactation " + st + " 2 years ago", c: onUpa(dated(cond("bf", icd, "Z39.1", st), 700)), noCards: true},
			accCase{name: "tuberculosis " + st + " 10 years ago", c: onUpa(dated(cond("tb", icd, "A15.0", st), 3650)), noCards: true},
			accCase{name: "chronic hepatitis B " + st + " 10 years ago", c: onUpa(dated(cond("hb", icd, "B18.1", st), 3650)), noCards: true},
			accCase{name: "MI " + st + " before the start", c: onUpa(dated(cond("mi", icd, "I21.4", st), 400)), noCards: true},
			accCase{name: "lung cancer " + st + " before the start", c: onUpa(dated(cond("ca", icd, "C34.90", st), 1800)), noCards: true},
		)
	}
	cases = append(cases,
		accCase{name: "MI resolved since the start: history, said", c: onUpa(dated(cond("mi", icd, "I21.4", "resolved"), 100)),
			want: w("mace-history", "warning")},
		accCase{name: "pneumonia with no status 400 days ago: not current", c: onUpa(dated(cond("pn", icd, "J18.9", ""), 400)), noCards: true},
		accCase{name: "pneumonia with no status 30 days ago: current", c: onUpa(dated(cond("pn", icd, "J18.9", ""), 30)),
			want: w("serious-infection-active", "critical")},
		accCase{name: "tuberculosis with no status 10 years ago: active (committee question)", c: onUpa(dated(cond("tb", icd, "A15.0", ""), 3650)),
			want: w("tb-active", "critical")},
	)
	runAcc(t, cases)
}
