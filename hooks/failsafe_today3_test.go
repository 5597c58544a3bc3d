package hooks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/cards"
	"jakguard/internal/syncbuf"
)

// failsafe7: the paths of 5-7 December (patient-view events since the
// course start, the event-history codes, Finding.SinceStart and the
// undated course, pregnancy tests on treatment, timing bounds, per-mL and
// referenced strength, patientInstruction, count units) with what a real
// EHR or a hostile client may send that the earlier reviews did not try:
// conflicting duplicates, odd dates, onsets that are no dateTime, and
// courses of odd shapes.

const verStatus = "http://terminology.hl7.org/CodeSystem/condition-ver-status"

// twice is the record with both resources appended in this order, even
// when they share an id (record.replace would keep only the last).
func twice(r *record, a, b res) *record {
	for _, x := range []res{a, b} {
		switch x["resourceType"] {
		case "Condition":
			r.conditions = append(r.conditions, x)
		case "Observation":
			r.observations = append(r.observations, x)
		default:
			r.medications = append(r.medications, x)
		}
	}
	return r
}

// TestFailsafeToday3DuplicateIDs: one id sent twice in the record with
// other content (two versions of one resource, a feed merged from two
// systems). Which is current cannot be told; the first in the bundle was
// kept and the other dropped, so an MI since the course start behind an
// older version, or behind an entered-in-error one, gave no card, and the
// answer depended on the bundle's order. Both versions are now read (fail
// safe: the card). A resource sent twice alike still counts once.
func TestFailsafeToday3DuplicateIDs(t *testing.T) {
	var cases []accCase
	for _, drug := range []string{"upadacitinib", "abrocitinib"} {
		mg := map[string]int{"upadacitinib": 15, "abrocitinib": 100}[drug]
		on := func() *record { return courseAt(drug, "2026-06-01") }
		for _, p := range []struct {
			name   string
			code   string
			lvl    string
			danger res
			other  res
		}{
			{"MI since the start / the same MI id dated 2019", "mace-history", "warning", miAt(ago(10)), miAt("2019-01-01")},
			{"MI since the start / the same id entered-in-error", "mace-history", "warning", miAt(ago(10)), with(miAt(ago(10)), "verificationStatus", coding(verStatus, "entered-in-error"))},
			{"MI since the start / the same id refuted", "mace-history", "warning", miAt(ago(10)), with(miAt(ago(10)), "verificationStatus", coding(verStatus, "refuted"))},
			{"DVT since the start / the same id with no onset", "vte-risk", "warning", onsetCond("dvt", "I82.401")(ago(10)), cond("dvt", icd, "I82.401", "active")},
			{"lung cancer since the start / the same id resolved before it", "malignancy", "warning", onsetCond("ca", "C34.90")(ago(10)),
				with(cond("ca", icd, "C34.90", "resolved"), "onsetDateTime", "2020-01-01", "abatementDateTime", "2020-06-01")},
			{"HBsAg positive since the start / the same id negative", "hbv-active", "critical", obsCode("hbsag2", "5196-1", positive, ago(10)), obsCode("hbsag2", "5196-1", negative, ago(10))},
			{"HCV RNA detected since the start / the same id entered-in-error", "hcv-active", "critical", obsCode("rna", "11259-9", positive, ago(10)),
				with(obsCode("rna", "11259-9", positive, ago(10)), "status", "entered-in-error")},
			{"IGRA positive since the start / the same id dated before it", "tb-latent-untreated", "critical", obsCode("igra2", "71773-6", positive, ago(10)), obsCode("igra2", "71773-6", positive, "2026-01-01")},
		} {
			for i, order := range [][2]res{{p.danger, p.other}, {p.other, p.danger}} {
				first := []string{"danger first", "other first"}[i]
				cases = append(cases,
					accCase{name: drug + ": " + p.name + " (" + first + "): patient-view", c: view(twice(on(), copyRes(order[0]), copyRes(order[1]))), want: w(p.code, p.lvl)},
					accCase{name: drug + ": " + p.name + " (" + first + "): renewal", c: sign(twice(on(), copyRes(order[0]), copyRes(order[1])), jakDraft(drug, mg)), want: w(p.code, p.lvl)})
			}
		}
		// Pregnancy: a positive test and a negative version of it.
		hcg := func(a string) res { return obsCode("hcg", "2106-3", a, ago(5)) }
		for _, order := range [][2]string{{positive, negative}, {negative, positive}} {
			cases = append(cases, accCase{name: drug + ": hCG positive and the same id negative, " + map[string]string{positive: "positive", negative: "negative"}[order[0]] + " first: pregnancy",
				c: view(twice(on().drop("hcg"), hcg(order[0]), hcg(order[1]))), want: w("pregnancy", "critical")})
		}
		// The course itself: an active order and an entered-in-error version.
		eie := courseOrder(drug+"-1", "MedicationRequest", "entered-in-error", drug, "2026-06-01")
		for _, first := range []bool{true, false} {
			r := cleanRecord()
			a, b := courseOrder(drug+"-1", "MedicationRequest", "active", drug, "2026-06-01"), copyRes(eie)
			if !first {
				a, b = b, a
			}
			cases = append(cases, accCase{name: drug + ": course order active and the same id entered-in-error (active first " + map[bool]string{true: "yes", false: "no"}[first] + "), MI since the start",
				c: view(twice(r, a, b).replace(miAt(ago(10)))), want: w("mace-history", "warning")})
		}
	}
	runAcc(t, cases)
}

func copyRes(r res) res {
	out := res{}
	for k, v := range r {
		out[k] = v
	}
	return out
}

// TestFailsafeToday3IdenticalDuplicateOnce: the same resource sent twice
// alike (two pages, a prefetch key and a search) is one event: its
// evidence line is not doubled.
func TestFailsafeToday3IdenticalDuplicateOnce(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	cs, _ := view(twice(courseAt("upadacitinib", "2026-06-01"), miAt(ago(10)), miAt(ago(10)))).post(t, s)
	c := cardWith(cs, "mace-history")
	assert.Equal(t, 1, strings.Count(c.Detail, "since "+ago(10)), c.Detail)
}

// TestFailsafeToday3DuplicateMedication: the Medication a draft order
// references, sent twice under one id with other content (a 15 mg and a
// 30 mg tablet, upadacitinib and acetaminophen). The last one was read,
// so the bundle's order decided between "2 tablets = 30 mg" (no card) and
// 60 mg (dose-above-label), or between a JAK order and no JAK order at
// all ({"cards": []}). What is ordered cannot be told: 400, naming it.
func TestFailsafeToday3DuplicateMedication(t *testing.T) {
	tab := res{"value": 1, "unit": "tablet", "system": ucum, "code": "{tbl}"}
	two := res{"value": 2, "unit": "tablet", "system": ucum, "code": "{tbl}"}
	order := refDraft("Medication/em", di(two, per(1, 1, "d")))
	acet := res{"resourceType": "Medication", "id": "em", "code": cc(rxnorm, "161", "acetaminophen", "acetaminophen 500 mg tablet")}
	acetM := with(copyRes(acet), "id", "m")
	s := newTestServer(t, serverOpts{noStore: true})
	for _, tc := range []struct {
		name string
		meds []res
	}{
		{"15 mg then 30 mg", []res{epicTablet("em", 15, "0074-2306-30", tab), epicTablet("em", 30, "0074-2310-30", tab)}},
		{"30 mg then 15 mg", []res{epicTablet("em", 30, "0074-2310-30", tab), epicTablet("em", 15, "0074-2306-30", tab)}},
		{"upadacitinib then acetaminophen", []res{epicTablet("em", 15, "0074-2306-30", tab), acet}},
		{"acetaminophen then upadacitinib", []res{acet, epicTablet("em", 15, "0074-2306-30", tab)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := s.do(t, "POST", "/cds-services/order-sign", call{r: cleanRecord(), drafts: append([]res{copyRes(order)}, tc.meds...)}.body(t))
			assert.Equal(t, 400, rec.Code, rec.Body.String())
			assert.Contains(t, rec.Body.String(), "resource.id: a Medication of this id or fullUrl came before in draftOrders with other content", rec.Body.String())
		})
	}
	// Contained in the order: two of one id that differ are neither read
	// (the first was): 400 without a display, and with one the drug is
	// known by it, its strength not (dose-unknown).
	for _, tc := range []struct {
		name string
		meds []any
	}{
		{"contained 15 mg then 30 mg", []any{epicTablet("m", 15, "0074-2306-30", tab), epicTablet("m", 30, "0074-2310-30", tab)}},
		{"contained acetaminophen then upadacitinib", []any{acetM, epicTablet("m", 15, "0074-2306-30", tab)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := refDraft("#m", di(two, per(1, 1, "d")))
			o["contained"] = tc.meds
			rec := s.do(t, "POST", "/cds-services/order-sign", call{r: cleanRecord(), drafts: []res{o}}.body(t))
			assert.Equal(t, 400, rec.Code, rec.Body.String())
			assert.Contains(t, rec.Body.String(), "or two of its id that differ")
			o["medicationReference"].(res)["display"] = "upadacitinib ER tablet"
			rec = s.do(t, "POST", "/cds-services/order-sign", call{r: cleanRecord(), drafts: []res{o}}.body(t))
			assert.Equal(t, 200, rec.Code, rec.Body.String())
			assert.Contains(t, rec.Body.String(), "dose-unknown")
		})
	}
	// The same Medication twice alike is one Medication: read.
	rec := s.do(t, "POST", "/cds-services/order-sign", call{r: cleanRecord(), drafts: []res{copyRes(order),
		epicTablet("em", 30, "0074-2310-30", tab), epicTablet("em", 30, "0074-2310-30", tab)}}.body(t))
	assert.Equal(t, 200, rec.Code, rec.Body.String())
	assert.Contains(t, rec.Body.String(), "dose-above-label")
}

// TestFailsafeToday3OrderAllOneTest: a start where the pregnancy test is
// the only test missing offered "Order all 1 items", the urine test again
// under another label; now the urine test alone is recommended (N = 1
// test). With a second test missing (N+1) "Order all 2 items" stays, one
// pregnancy test in it.
func TestFailsafeToday3OrderAllOneTest(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	for _, drug := range []string{"upadacitinib", "abrocitinib"} {
		mg := map[string]int{"upadacitinib": 15, "abrocitinib": 100}[drug]
		for _, tc := range []struct {
			name   string
			r      *record
			labels []string
		}{
			{"pregnancy test only", cleanRecord().drop("hcg"), []string{"Order Pregnancy test (urine hCG)", "Order Pregnancy test (serum hCG)"}},
			{"pregnancy test and IGRA", cleanRecord().drop("hcg").drop("igra"),
				[]string{"Order Interferon-gamma release assay (IGRA)", "Order Pregnancy test (urine hCG)", "Order Pregnancy test (serum hCG)", "Order all 2 items"}},
		} {
			t.Run(drug+": "+tc.name, func(t *testing.T) {
				cs, _ := sign(tc.r, jakDraft(drug, mg)).post(t, s)
				c := cardWith(cs, "pregnancy-test-missing")
				var labels []string
				recommended := 0
				for _, sg := range c.Suggestions {
					labels = append(labels, sg.Label)
					if sg.IsRecommended {
						recommended++
						if len(tc.labels) == 2 {
							assert.Equal(t, "Order Pregnancy test (urine hCG)", sg.Label)
						}
					}
				}
				assert.Equal(t, tc.labels, labels)
				assert.Equal(t, 1, recommended, "one suggestion recommended: %v", labels)
			})
		}
	}
}

// undatedMember is a current order (or statement) of drug with no start
// date.
func undatedMember(id, resourceType, drug string) res {
	m := courseOrder(id, resourceType, "active", drug, "2026-06-01")
	delete(m, "authoredOn")
	delete(m, "effectiveDateTime")
	return m
}

// TestFailsafeToday3DatedAndUndatedCourse: a course being taken with one
// dated order and one current order or statement with no start date (a
// patient-reported statement of an outside prescriber's course beside a
// local order). Its start was read from the dated order alone, so an MI
// three months before that order, possibly during treatment, was history
// and patient-view answered {"cards": []}, as if the course had been
// checked. The undated-course info card now says the course may have
// begun before the dated start; a plan with no date was not taken and
// adds nothing, and a course whose members are all dated is unchanged.
func TestFailsafeToday3DatedAndUndatedCourse(t *testing.T) {
	var cases []accCase
	for _, drug := range []string{"upadacitinib", "abrocitinib"} {
		name := map[string]string{"upadacitinib": "Upadacitinib", "abrocitinib": "Abrocitinib"}[drug]
		undatedCard := accCase{want: w("data-unavailable", "info"), onlyInfo: true,
			summaryOf: map[string]string{"data-unavailable": name + " course not fully checked: its start date could not be read"},
			detailOf:  map[string]string{"data-unavailable": "the course may have begun before 2026-06-01, the start of its dated orders"}}
		add := func(n string, r *record, c accCase) {
			c.name, c.c = drug+": "+n, view(r)
			cases = append(cases, c)
		}
		for _, rt := range []string{"MedicationRequest", "MedicationStatement"} {
			add("dated order and an undated current "+rt+", MI before the dated start",
				courseAt(drug, "2026-06-01").replace(undatedMember(drug+"-u", rt, drug)).replace(miAt("2026-03-01")), undatedCard)
			add("dated order and an undated current "+rt+", nothing else", courseAt(drug, "2026-06-01").replace(undatedMember(drug+"-u", rt, drug)), undatedCard)
		}
		since := undatedCard
		since.want, since.onlyInfo = w("data-unavailable", "info", "mace-history", "warning"), false
		add("dated order and an undated one, MI after the dated start: reported, and the start said", courseAt(drug, "2026-06-01").replace(undatedMember(drug+"-u", "MedicationRequest", drug)).replace(miAt(ago(10))), since)
		plan := undatedMember(drug+"-u", "MedicationRequest", drug)
		plan["intent"] = "plan"
		add("dated order and an undated plan: no card", courseAt(drug, "2026-06-01").replace(plan).replace(miAt("2026-03-01")), accCase{noCards: true})
		add("two dated orders, MI before the first: no card", courseAt(drug, "2026-06-01").replace(courseOrder(drug+"-2", "MedicationRequest", "active", drug, "2026-08-01")).replace(miAt("2026-03-01")), accCase{noCards: true})
		// Wholly undated: the failsafe6 wording, with no dated start.
		add("only an undated order", cleanRecord().replace(undatedMember(drug+"-u", "MedicationRequest", drug)),
			accCase{want: undatedCard.want, onlyInfo: true, detailOf: map[string]string{"data-unavailable": "has no start date jakguard can read (authoredOn"}})
	}
	runAcc(t, cases)
}

// TestFailsafeToday3BoundsEndPrecision: a completed clarithromycin order
// authored 3 days ago (26 November), no supply, "for" a period whose end
// is written as a year or a month. "2026-11" was read as 1 November,
// before the order, so no stated end: the order was over on its day and
// upadacitinib got no CYP3A4 card, though the course ran to the end of
// November. A year or a month now ends on its last day. N-1: the month
// before the order's (ended before it) is no stated end; N: its month; N+1
// the next.
func TestFailsafeToday3BoundsEndPrecision(t *testing.T) {
	upa := jakDraft("upadacitinib", 15)
	taken := w("cyp-interaction", "warning")
	var cases []accCase
	for _, c := range []struct {
		end   string
		taken bool
	}{
		{"2026-10", false}, {"2026-11", true}, {"2026-12", true},
		{"2025", false}, {"2026", true},
		{"2026-11-25", false}, {"2026-11-29", true},
		{"20xx", false}, {"2026-13", false},
	} {
		k := accCase{name: "boundsPeriod.end " + c.end, c: sign(cleanRecord().replace(clarithro("completed", 3, "boundsPeriod", res{"end": c.end})), upa)}
		if c.taken {
			k.want = taken
		} else {
			k.noCards = true
		}
		cases = append(cases, k)
	}
	// A JAK course member completed and ended by a month: still taken
	// through 31 December, the course ongoing (bbabro question 3, decided;
	// it read "its order states an end on 2026-12-31, after today").
	clar := drugDraft("other", rxnorm, "197517", "clarithromycin 500 MG Oral Tablet")
	r := suppliedCourse("upadacitinib", 15, 200, supplyDays(0), 0)
	m := r.medications[len(r.medications)-1]
	with(m["dosageInstruction"].([]any)[0].(res)["timing"].(res)["repeat"].(res), "boundsPeriod", res{"end": "2026-12"})
	cases = append(cases, accCase{name: "upadacitinib order authored 200 days ago until 2026-12: ongoing, its end said", c: sign(r, clar), want: taken,
		detailOf: map[string]string{"cyp-interaction": "completed; its end date or supply runs to 2026-12-31: read as still taken"}})
	runAcc(t, cases)
}

// TestBoundedToday3Paths: the duplicate-id reading (record versions and
// draft Medications), the period ends and the dated-and-undated course on
// bodies of 8 MiB stay within contract 6.6.
func TestBoundedToday3Paths(t *testing.T) {
	if testing.Short() {
		t.Skip("sends bodies of 8 MiB")
	}
	const limit = 8 << 20
	s := newTestServer(t, serverOpts{noStore: true})
	s.fhir = nil
	miVersion := func(i int) string {
		return fmt.Sprintf(`{"resourceType":"Condition","id":"mi","clinicalStatus":{"coding":[{"code":"active"}]},"subject":{"reference":"Patient/p1"},"code":{"coding":[{"system":"`+icd+`","code":"I21.4"}]},"onsetDateTime":"%04d-01-01"}`, 1900+i%127)
	}
	sameObs := func(int) string {
		return `{"resourceType":"Observation","id":"h","status":"final","subject":{"reference":"Patient/p1"},"code":{"coding":[{"system":"http://loinc.org","code":"5196-1"}]},"effectiveDateTime":"2026-11-01T10:00:00+05:00","valueCodeableConcept":{"coding":[{"system":"` + sct + `","code":"` + negative + `"}]}}`
	}
	bigUpa := func(i int) string {
		return fmt.Sprintf(`{"resourceType":"MedicationRequest","id":"old","status":"completed","intent":"order","subject":{"reference":"Patient/p1"},"authoredOn":"2026-0%d-01",`+
			`"medicationCodeableConcept":{"text":"Rinvoq 15 mg"},"dosageInstruction":[%s]}`, 1+i, strings.TrimSuffix(strings.Repeat(`{"timing":{"repeat":{"boundsPeriod":{"end":"2026-11"},"count":28,"frequency":1,"period":1,"periodUnit":"d"}}},`, 20_000), ","))
	}
	med := func(vary int) func(int) string { // 15 mg, or 15 and 30 mg by turns
		return func(i int) string {
			return fmt.Sprintf(`{"resourceType":"Medication","id":"em","code":{"text":"upadacitinib ER tablet"},"ingredient":[{"itemCodeableConcept":{"text":"upadacitinib"},"strength":{"numerator":{"value":%d,"unit":"mg"},"denominator":{"value":1,"unit":"tablet"}}}]}`, 15+i%2*vary)
		}
	}
	refOrder := `{"resource":{"resourceType":"MedicationRequest","id":"upa","status":"draft","intent":"order","subject":{"reference":"Patient/p1"},"medicationReference":{"reference":"Medication/em"}}}`
	bundle := func(key, body string) string {
		return `,"` + key + `":{"resourceType":"Bundle","entry":[` + body + `]}`
	}
	checkBounded(t, s, limit, []boundedCase{
		{"25,000 versions of one Condition id", attackBody(bundle("conditions", entries(25_000, miVersion)), ""), 200},
		{"25,000 copies of one Observation", attackBody(bundle("observations", entries(25_000, sameObs)), ""), 200},
		{"two versions of a past order of 20,000 instructions", attackBody(bundle("medications", entries(2, bigUpa)), ""), 200},
		{"5,000 copies of the draft's Medication", attackBody("", refOrder+","+entries(5_000, med(0))), 200},
		{"30,000 Medications of one id, two strengths", attackBody("", refOrder+","+entries(30_000, med(15))), 400},
	})
	// Patient-view: a dated order beside 30,000 undated statements.
	undated := func(i int) string {
		return fmt.Sprintf(`{"resourceType":"MedicationStatement","id":"s%d","status":"active","subject":{"reference":"Patient/p1"},"medicationCodeableConcept":{"text":"upadacitinib 15 mg"}}`, i)
	}
	dated := `{"resource":{"resourceType":"MedicationRequest","id":"upa","status":"active","intent":"order","subject":{"reference":"Patient/p1"},"authoredOn":"2026-06-01","medicationCodeableConcept":{"text":"upadacitinib 15 mg"}}}`
	body := []byte(`{"hook":"patient-view","hookInstance":"5b9f0c1e-attack","context":{"userId":"Practitioner/x","patientId":"p1"},` +
		`"prefetch":{"patient":{"resourceType":"Patient","id":"p1","gender":"female","birthDate":"1980-01-01"},` +
		`"medications":{"resourceType":"Bundle","entry":[` + dated + `]},"medicationStatements":{"resourceType":"Bundle","entry":[` + entries(30_000, undated) + `]}}}`)
	require.LessOrEqual(t, len(body), limit)
	sampler := sampleHeap()
	start := time.Now()
	rec := s.do(t, "POST", "/cds-services/patient-view", body)
	took, peak := time.Since(start), sampler.peak()
	t.Logf("patient-view, 30,000 undated statements: %d in %v, peak extra heap %.1f MiB", rec.Code, took.Round(time.Millisecond), float64(peak)/(1<<20))
	require.Equal(t, 200, rec.Code, "%.300s", rec.Body.String())
	assert.Less(t, took, s.cfg.Deadline+time.Second)
	assert.Less(t, peak, uint64(maxExtraHeap))
	assert.Contains(t, rec.Body.String(), "may have begun before 2026-06-01")
}

// TestToday3PathsLogNoPatientData: the paths of this review log none of a
// condition's text or onset, a Medication's id or name, a statement's
// text or the birth date, whatever they hold.
func TestToday3PathsLogNoPatientData(t *testing.T) {
	const mark = "Zyxwvutsrq"
	var logs syncbuf.Buffer
	s := newTestServer(t, serverOpts{noStore: true})
	s.logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s.echo = s.routes()
	s.fhir = nil
	hostile := mark + "\n{\"level\":\"ERROR\",\"msg\":\"injected\"}\r"
	mi := func(onset string) res {
		c := with(cond("mi", icd, "I21.4", "active"), "onsetString", hostile+onset, "recordedDate", ago(10))
		c["code"].(res)["text"] = hostile
		return c
	}
	u := undatedMember(mark, "MedicationStatement", "upadacitinib")
	u["medicationCodeableConcept"].(res)["text"] = "upadacitinib 15 mg " + hostile
	acet := res{"resourceType": "Medication", "id": mark, "code": cc(rxnorm, "161", "acetaminophen", hostile)}
	tab := res{"value": 1, "unit": "tablet", "system": ucum, "code": "{tbl}"}
	for name, c := range map[string]call{
		"patient-view, two versions of an MI, an undated statement": view(twice(courseAt("upadacitinib", "2026-06-01").replace(u), mi("a"), mi("b")).born("1980-02-30")),
		"order-sign, a draft's Medication twice":                    sign(cleanRecord().born("1980-02-30"), refDraft("Medication/"+mark, di(tab, per(1, 1, "d"))), epicTablet(mark, 15, "0074-2306-30", tab), acet),
	} {
		t.Run(name, func(t *testing.T) {
			logs.Take()
			rec := s.do(t, "POST", "/cds-services/"+c.service(), c.body(t))
			assert.Less(t, rec.Code, 500, "%.300s", rec.Body.String())
			checkLogLines(t, logs.String(), mark, "1980-02")
		})
	}
}

// TestFailsafeToday3OnsetPrecision: an event whose onset is written as a
// month or a year only, the course started mid-June. "2026-06" was read as
// 1 June, before a start on 15 June: an MI, DVT or cancer of that month,
// possibly on treatment, was history and patient-view said nothing; a
// hepatitis B condition of "2026" made a positive HBsAg since the start
// "known before". Such an onset is now read by its last day for "since
// the start", its evidence saying only the month or year is given. N-1:
// the month (year) before the start's is history.
func TestFailsafeToday3OnsetPrecision(t *testing.T) {
	var cases []accCase
	for _, drug := range []string{"upadacitinib", "abrocitinib"} {
		mg := map[string]int{"upadacitinib": 15, "abrocitinib": 100}[drug]
		for _, e := range []struct {
			name, code string
			make       func(string) res
		}{
			{"MI", "mace-history", miAt},
			{"DVT", "vte-risk", onsetCond("dvt", "I82.401")},
			{"lung cancer", "malignancy", onsetCond("ca", "C34.90")},
			{"old MI I25.2 (onset only)", "mace-history", onsetCond("old", "I25.2")},
		} {
			for _, c := range []struct {
				start, onset string
				since        bool
			}{
				{"2026-06-15", "2026-06", true},
				{"2026-06-15", "2026-05", false},
				{"2026-06-15", "2026-07", true},
				{"2026-06-15T10:00:00-05:00", "2026-06", true},
				{"2026-06-01", "2026", true},
				{"2026-06-01", "2025", false},
			} {
				r := func() *record { return courseAt(drug, c.start).replace(e.make(c.onset)) }
				k := accCase{name: drug + ": " + e.name + " " + c.onset + ", start " + c.start}
				if c.since {
					k.want = w(e.code, "warning")
					k.detailOf = map[string]string{e.code: "onset between"}
				} else {
					k.absent = []string{e.code}
				}
				pv, renewal := k, k
				pv.name, pv.c = k.name+": patient-view", view(r())
				renewal.name, renewal.c = k.name+": renewal", sign(r(), jakDraft(drug, mg))
				cases = append(cases, pv, renewal)
			}
		}
		// Hepatitis B known before the start only when its whole year is.
		hbv := func(onset string) *record {
			return courseAt(drug, "2026-06-01").replace(with(cond("hbv", icd, "B18.1", "active"), "onsetDateTime", onset)).replace(obsCode("hbsag2", "5196-1", positive, ago(10)))
		}
		cases = append(cases,
			accCase{name: drug + ": chronic hepatitis B of 2026, HBsAg positive since the start: not known before, reported", c: view(hbv("2026")), want: w("hbv-active", "critical")},
			accCase{name: drug + ": chronic hepatitis B of 2025, HBsAg positive since the start: known, no card", c: view(hbv("2025")), absent: []string{"hbv-active"}},
			accCase{name: drug + ": chronic hepatitis B of 2026-05, HBsAg positive since the start: known, no card", c: view(hbv("2026-05")), absent: []string{"hbv-active"}},
		)
	}
	runAcc(t, cases)
}

// TestFailsafeToday3PregnancyOnsetYear: an active pregnancy condition
// whose onset is written as a year only ("2026", read as 1 January, 332
// days before testNow) was ended by the 300-day limit: a pregnant woman on
// upadacitinib or abrocitinib got no card. The year may end today: it
// stays current (N); "2025" has ended (N-1). The pregnancy tests of
// cleanRecord (negative, 4 days ago) are left out: one after the onset
// still ends it.
func TestFailsafeToday3PregnancyOnsetYear(t *testing.T) {
	var cases []accCase
	for _, drug := range []string{"upadacitinib", "abrocitinib"} {
		mg := map[string]int{"upadacitinib": 15, "abrocitinib": 100}[drug]
		preg := func(onset string) *record {
			return courseAt(drug, "2026-06-01").drop("hcg").replace(with(cond("p", icd, "Z33.1", "active"), "onsetDateTime", onset))
		}
		for _, c := range []struct {
			onset string
			want  bool
		}{{"2026", true}, {"2025", false}, {ago(299), true}, {ago(300), false}} {
			k := accCase{name: drug + ": Z33.1 onset " + c.onset}
			if c.want {
				k.want = w("pregnancy", "critical")
			} else {
				k.absent = []string{"pregnancy"}
			}
			pv, rn := k, k
			pv.name, pv.c = k.name+": patient-view", view(preg(c.onset))
			rn.name, rn.c = k.name+": renewal", sign(preg(c.onset), jakDraft(drug, mg))
			cases = append(cases, pv, rn)
		}
		cases = append(cases, accCase{name: drug + ": Z33.1 onset 2026, negative hCG 4 days ago: ended", c: view(preg("2026").replace(obsCode("hcg", "2106-3", negative, ago(4)))), absent: []string{"pregnancy"}})
	}
	runAcc(t, cases)
}

// TestFailsafeToday3RecordMedicationTwice: the Medication a record order
// references, sent twice under one id with other content. The last one was
// read: an upadacitinib course whose Medication came again as
// acetaminophen was no course, and patient-view answered {"cards": []} for
// an MI since its start. Both are now read (the course is seen whichever
// comes last); a strength they disagree on is none (the course's dose is
// unknown, not the last one's).
func TestFailsafeToday3RecordMedicationTwice(t *testing.T) {
	tab := res{"value": 1, "unit": "tablet", "system": ucum, "code": "{tbl}"}
	acet := res{"resourceType": "Medication", "id": "m", "code": cc(rxnorm, "161", "acetaminophen", "acetaminophen 500 mg tablet")}
	order := func() res {
		o := courseOrder("upa-1", "MedicationRequest", "active", "upadacitinib", "2026-06-01")
		delete(o, "medicationCodeableConcept")
		o["medicationReference"] = res{"reference": "Medication/m"}
		return o
	}
	var cases []accCase
	for _, meds := range [][]res{
		{epicTablet("m", 15, "0074-2306-30", tab), acet},
		{acet, epicTablet("m", 15, "0074-2306-30", tab)},
	} {
		r := cleanRecord().replace(miAt(ago(10)))
		r.medications = append(r.medications, order(), copyRes(meds[0]), copyRes(meds[1]))
		cases = append(cases, accCase{name: "MI since the start, the course's Medication also sent as acetaminophen (" + meds[1]["code"].(res)["text"].(string) + " last)",
			c: view(r), want: w("mace-history", "warning")})
	}
	runAcc(t, cases)
}

// TestFailsafeToday3EventDateShapes: onsets of odd shape and precision on
// an upadacitinib course started 2026-06-01, and "after today" read in the
// event's zone. An MI at 01:00 +14:00 on tomorrow's date (11:00 UTC today,
// an hour before testNow) has happened: it was said to be "after today:
// check its date"; a date-only MI of tomorrow still is. The other rows
// are checked and unchanged.
func TestFailsafeToday3EventDateShapes(t *testing.T) {
	upa := "upadacitinib"
	on := func() *record { return courseAt(upa, "2026-06-01") }
	mi := func(kv ...any) res { return with(cond("mi", icd, "I21.4", "active"), kv...) }
	after := "after today: check its date"
	cases := []accCase{
		{name: "MI tomorrow 01:00 +14:00 (past in UTC): reported, not 'after today'", c: view(on().replace(miAt(ago(-1) + "T01:00:00+14:00"))),
			want: w("mace-history", "warning"), notDetailOf: map[string]string{"mace-history": after}},
		{name: "MI tomorrow 13:00 +14:00 (23:00 UTC today, after now): 'after today'", c: view(on().replace(miAt(ago(-1) + "T13:00:00+14:00"))),
			want: w("mace-history", "warning"), detailOf: map[string]string{"mace-history": after}},
		{name: "MI tomorrow date-only: 'after today'", c: view(on().replace(miAt(ago(-1)))), want: w("mace-history", "warning"), detailOf: map[string]string{"mace-history": after}},
		{name: "MI today 23:00 -12:00 (tomorrow in UTC): reported, not 'after today'", c: view(on().replace(miAt(ago(0) + "T23:00:00-12:00"))),
			want: w("mace-history", "warning"), notDetailOf: map[string]string{"mace-history": after}},
		// Checked and unchanged.
		{name: "onsetRange, recorded since the start: by its recorded date", c: view(on().replace(mi("onsetRange", res{"low": res{"value": 40, "unit": "a"}}, "recordedDate", ago(10)))), want: w("mace-history", "warning"),
			detailOf: map[string]string{"mace-history": "onset not stated"}},
		{name: "onsetDateTime 'NaN', recorded since the start: by its recorded date", c: view(on().replace(mi("onsetDateTime", "NaN", "recordedDate", ago(10)))), want: w("mace-history", "warning")},
		{name: "onsetDateTime a number: the entry is malformed, said", c: view(on().replace(mi("onsetDateTime", 2026, "recordedDate", ago(10)))), want: w("data-unavailable", "info"),
			detailOf: map[string]string{"data-unavailable": "Not read: 1 entry of conditions"}},
		// Not new; said on the info card since the precision review (failsafe7 item 5).
		{name: "onsetDateTime -1e308 as a string, no recorded date: undated, not new, said as not checked", c: view(on().replace(mi("onsetDateTime", "-1e308"))),
			want: w("data-unavailable", "info"), onlyInfo: true, absent: []string{"mace-history"}},
		{name: "an empty coding beside the ICD-10 code", c: view(on().replace(with(res{"resourceType": "Condition", "id": "mi", "code": res{"coding": []any{res{}, res{"system": icd, "code": "I21.4"}}},
			"clinicalStatus": coding("http://terminology.hl7.org/CodeSystem/condition-clinical", "active")}, "onsetDateTime", ago(10)))), want: w("mace-history", "warning")},
		{name: "an MI of another patient: 400", c: view(on().replace(with(miAt(ago(10)), "subject", res{"reference": "Patient/other"})))},
		{name: "Z86.73 with onsetString, recorded since the start: by onset only, no card", c: view(on().replace(with(cond("h", icd, "Z86.73", "active"), "onsetString", "2026", "recordedDate", ago(10)))), noCards: true},
		{name: "Z86.73 onset since the start: reported", c: view(on().replace(with(cond("h", icd, "Z86.73", "active"), "onsetDateTime", ago(10)))), want: w("mace-history", "warning")},
		{name: "one MI as two Conditions: dated 2019, and undated: history, no card", c: view(on().replace(miAt("2019-01-01")).replace(cond("mi2", icd, "I21.4", "active"))), noCards: true},
		{name: "one MI as two Conditions: dated 2019, and recorded since the start with no onset: reported, 'onset not stated'",
			c: view(on().replace(miAt("2019-01-01")).replace(with(cond("mi2", icd, "I21.4", "active"), "recordedDate", ago(10)))), want: w("mace-history", "warning"),
			detailOf: map[string]string{"mace-history": "recorded on " + ago(10) + " (onset not stated)"}},
		{name: "start written year only, MI in March of that year: since (read from 1 January)", c: view(courseAt(upa, "2026").replace(miAt("2026-03-01"))), want: w("mace-history", "warning")},
	}
	s := newTestServer(t, serverOpts{noStore: true})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if strings.Contains(tc.name, "another patient") {
				rec := s.do(t, "POST", "/cds-services/patient-view", tc.c.body(t))
				assert.Equal(t, 400, rec.Code, rec.Body.String())
				return
			}
			cs, body := tc.c.post(t, s)
			checkAcc(t, tc, cs, body)
		})
	}
}

// TestFailsafeToday3UnresolvedMedication: a record order whose
// medicationReference names no Medication sent, with no display, cannot be
// told from a JAK course or an interacting drug. It was passed over as no
// medication: clarithromycin ordered for such a patient answered
// {"cards": []}. It is now counted with the entries left out as malformed,
// so the "not fully checked" card says the medication list was not all
// read (order hooks; patient-view for a patient on a course). With a
// display it is read by it. A patient on no known course gets no
// patient-view card for it, as for any malformed entry (committee
// question).
func TestFailsafeToday3UnresolvedMedication(t *testing.T) {
	unresolved := func(rt, display string) res {
		o := courseOrder("u-1", rt, "active", "upadacitinib", "2026-06-01")
		delete(o, "medicationCodeableConcept")
		o["medicationReference"] = res{"reference": "Medication/missing"}
		if display != "" {
			o["medicationReference"].(res)["display"] = display
		}
		return o
	}
	clar := drugDraft("other", rxnorm, "197517", "clarithromycin 500 MG Oral Tablet")
	notRead := func(what string) accCase {
		return accCase{want: w("data-unavailable", "warning"), detailOf: map[string]string{"data-unavailable": "Not read: 1 entry of " + what}}
	}
	var cases []accCase
	add := func(name string, c call, k accCase) {
		k.name, k.c = name, c
		cases = append(cases, k)
	}
	add("clarithromycin ordered, a record order of no known drug", sign(cleanRecord().replace(unresolved("MedicationRequest", "")), clar), notRead("medications"))
	add("clarithromycin ordered, a statement of no known drug", sign(cleanRecord().replace(unresolved("MedicationStatement", "")), clar), notRead("outside medications"))
	add("upadacitinib ordered, a record order of no known drug", sign(cleanRecord().replace(unresolved("MedicationRequest", "")), jakDraft("upadacitinib", 15)), notRead("medications"))
	add("clarithromycin ordered, the unresolved order displays Rinvoq 15 mg: the course is read", sign(cleanRecord().replace(unresolved("MedicationRequest", "Rinvoq 15 mg")), clar),
		accCase{want: w("cyp-interaction", "warning"), absent: []string{"data-unavailable"}})
	self := unresolved("MedicationRequest", "")
	self["medicationReference"] = res{"reference": "MedicationRequest/u-1"}
	add("clarithromycin ordered, a record order referencing itself (a cycle)", sign(cleanRecord().replace(self), clar), notRead("medications"))
	add("clarithromycin ordered, an entered-in-error order of no known drug: nothing", sign(cleanRecord().replace(with(unresolved("MedicationRequest", ""), "status", "entered-in-error")), clar), accCase{noCards: true})
	add("patient-view on a course, a record order of no known drug", view(courseAt("upadacitinib", "2026-06-01").replace(unresolved("MedicationRequest", ""))),
		accCase{want: w("data-unavailable", "info"), onlyInfo: true, detailOf: map[string]string{"data-unavailable": "1 entry of medications"}})
	add("patient-view on no known course, a record order of no known drug: no card (as a malformed entry)", view(cleanRecord().replace(unresolved("MedicationRequest", "")).replace(miAt(ago(10)))), accCase{noCards: true})
	runAcc(t, cases)
}

// TestFailsafeToday3TwoCourses: a patient on overlapping courses of both
// drugs (itself a critical combination-jak card). An event since both
// starts is said once per course, each in its drug's words (upadacitinib:
// discontinue, RINVOQ 5.4; abrocitinib: review); one between the starts
// only for the course already begun. Checked and unchanged. (The tests'
// response helper holds a finding code to one card, as one order has; two
// courses have two, so the answer is read here directly.)
func TestFailsafeToday3TwoCourses(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	both := func(event res) *record {
		return courseAt("upadacitinib", "2026-03-01").replace(courseOrder("abrocitinib-1", "MedicationRequest", "active", "abrocitinib", "2026-05-01")).replace(event)
	}
	for _, tc := range []struct {
		name      string
		r         *record
		code      string
		summaries []string
	}{
		{"MI after both starts", both(miAt("2026-06-01")), "mace-history", []string{"Discontinue upadacitinib: MI or stroke since the start", "Discontinue abrocitinib: MI or stroke since the start"}},
		{"MI between the starts", both(miAt("2026-04-01")), "mace-history", []string{"Discontinue upadacitinib: MI or stroke since the start"}},
		{"DVT after both starts", both(onsetCond("dvt", "I82.401")("2026-06-01")), "vte-risk", []string{"Discontinue upadacitinib: thrombosis since the start", "Discontinue abrocitinib: thrombosis since the start"}},
		{"HBsAg positive after both starts", both(obsCode("hbsag2", "5196-1", positive, ago(10))), "hbv-active", []string{"Seek hepatology advice on upadacitinib: active hepatitis B", "Seek hepatology advice on abrocitinib: active hepatitis B"}},
		{"MI written 2026-04 (month of neither start): upadacitinib only", both(miAt("2026-04")), "mace-history", []string{"Discontinue upadacitinib: MI or stroke since the start"}},
		{"MI written 2026-05 (abrocitinib's start month): both", both(miAt("2026-05")), "mace-history", []string{"Discontinue upadacitinib: MI or stroke since the start", "Discontinue abrocitinib: MI or stroke since the start"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "/cds-services/patient-view", bytes.NewReader(view(tc.r).body(t)))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			require.Equal(t, 200, rec.Code, rec.Body.String())
			var resp struct{ Cards []cards.Card }
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &resp))
			var got []string
			combo := false
			for _, c := range resp.Cards {
				assert.NoError(t, cards.Validate(c))
				if slices.Contains(c.Findings(), tc.code) {
					got = append(got, c.Summary)
				}
				combo = combo || slices.Contains(c.Findings(), "combination-jak") && c.Indicator == "critical"
			}
			assert.ElementsMatch(t, tc.summaries, got)
			assert.True(t, combo, "combination-jak critical")
		})
	}
}

// TestFailsafeToday3OtherPatient: a resource of another patient in the
// record of the paths reviewed (an event since the start, a pregnancy
// test, a course order or statement) answers 400, never a card about the
// wrong patient nor a silent answer. Checked and unchanged.
func TestFailsafeToday3OtherPatient(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	other := func(r res) res { return with(r, "subject", res{"reference": "Patient/other"}) }
	stmt := courseOrder("s-1", "MedicationStatement", "active", "upadacitinib", ago(10))
	for name, c := range map[string]call{
		"HBsAg positive since the start":                view(courseAt("upadacitinib", "2026-06-01").replace(other(obsCode("hbsag2", "5196-1", positive, ago(10))))),
		"positive hCG 40 days ago":                      view(courseAt("upadacitinib", "2026-06-01").replace(other(obsCode("hcg", "2106-3", positive, ago(40))))),
		"an undated course order":                       view(cleanRecord().replace(other(undatedMember("u", "MedicationRequest", "upadacitinib")))),
		"a course statement":                            sign(cleanRecord().replace(other(stmt)), jakDraft("upadacitinib", 15)),
		"two versions of an MI, one of another patient": view(twice(courseAt("upadacitinib", "2026-06-01"), miAt(ago(10)), other(miAt(ago(10))))),
	} {
		t.Run(name, func(t *testing.T) {
			rec := s.do(t, "POST", "/cds-services/"+c.service(), c.body(t))
			assert.Equal(t, 400, rec.Code, rec.Body.String())
			assert.Contains(t, rec.Body.String(), "another patient")
		})
	}
}

// TestFailsafeToday3BothCoursesUndated: on courses of both drugs, each
// undated or partly undated course is said on the info card; only the
// first drug's was (an undated abrocitinib course beside an undated
// upadacitinib one went unsaid).
func TestFailsafeToday3BothCoursesUndated(t *testing.T) {
	upaU, abroU := undatedMember("u1", "MedicationRequest", "upadacitinib"), undatedMember("a1", "MedicationRequest", "abrocitinib")
	noStart := "course on the record has no start date jakguard can read"
	before := "course being taken has no start date jakguard can read: the course may have begun before 2026-06-01"
	for _, tc := range []struct {
		name    string
		r       *record
		summary string
		lines   []string
	}{
		{"both undated", cleanRecord().replace(copyRes(upaU)).replace(copyRes(abroU)), "JAK-inhibitor courses not fully checked: their start dates could not be read",
			[]string{"The upadacitinib " + noStart, "The abrocitinib " + noStart}},
		{"upadacitinib dated and undated, abrocitinib undated", courseAt("upadacitinib", "2026-06-01").replace(copyRes(upaU)).replace(copyRes(abroU)),
			"JAK-inhibitor courses not fully checked: their start dates could not be read", []string{"the upadacitinib " + before, "The abrocitinib " + noStart}},
		{"upadacitinib dated, abrocitinib undated (N-1: one course)", courseAt("upadacitinib", "2026-06-01").replace(copyRes(abroU)),
			"Abrocitinib course not fully checked: its start date could not be read", []string{"The abrocitinib " + noStart}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "/cds-services/patient-view", bytes.NewReader(view(tc.r).body(t)))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			newTestServer(t, serverOpts{noStore: true}).ServeHTTP(rec, req)
			require.Equal(t, 200, rec.Code, rec.Body.String())
			var resp struct{ Cards []cards.Card }
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &resp))
			i := slices.IndexFunc(resp.Cards, func(c cards.Card) bool { return slices.Contains(c.Findings(), "data-unavailable") })
			require.GreaterOrEqual(t, i, 0, rec.Body.String())
			c := resp.Cards[i]
			assert.NoError(t, cards.Validate(c))
			assert.Equal(t, "info", string(c.Indicator))
			assert.Equal(t, tc.summary, c.Summary)
			for _, l := range tc.lines {
				assert.Contains(t, c.Detail, l)
			}
		})
	}
}

// TestFailsafeToday3NonIntegerTiming: a course order whose
// timing.repeat.frequency (or frequencyMax, the instruction's sequence,
// dispenseRequest.numberOfRepeatsAllowed) is no whole number (2.5, 1e308,
// "2") was unreadable as a whole, as a count of 2.5 was before failsafe5:
// the upadacitinib course was no course, and patient-view said nothing of
// an MI since its start. Such a number is now read where it is usable and
// otherwise leaves the dose unknown; the order stays read.
func TestFailsafeToday3NonIntegerTiming(t *testing.T) {
	order := func(repeat res, kv ...any) res {
		o := courseOrder("upadacitinib-1", "MedicationRequest", "active", "upadacitinib", "2026-06-01")
		o["dosageInstruction"] = []any{with(res{"timing": res{"repeat": repeat},
			"doseAndRate": []any{res{"doseQuantity": res{"value": 1, "unit": "tablet", "system": ucum, "code": "{tbl}"}}}}, kv...)}
		return o
	}
	daily := func(f any) res { return res{"frequency": f, "period": 1, "periodUnit": "d"} }
	var cases []accCase
	for name, o := range map[string]res{
		"frequency 2.5":               order(daily(2.5)),
		"frequency 1e308":             order(daily(1e308)),
		"frequency \"2\"":             order(daily("2")),
		"frequency 0":                 order(daily(0)),
		"frequencyMax 1.5":            order(with(daily(1), "frequencyMax", 1.5)),
		"sequence 1.5":                order(daily(1), "sequence", 1.5),
		"numberOfRepeatsAllowed 2.5":  with(order(daily(1)), "dispenseRequest", res{"numberOfRepeatsAllowed": 2.5}),
		"numberOfRepeatsAllowed -1e9": with(order(daily(1)), "dispenseRequest", res{"numberOfRepeatsAllowed": -1e9}),
	} {
		cases = append(cases,
			accCase{name: "patient-view, course order with " + name + ", MI since the start", c: view(cleanRecord().replace(o).replace(miAt(ago(10)))), want: w("mace-history", "warning")},
			accCase{name: "clarithromycin ordered, course order with " + name, c: sign(cleanRecord().replace(copyRes(o)), drugDraft("other", rxnorm, "197517", "clarithromycin 500 MG Oral Tablet")),
				want: w("cyp-interaction", "warning"), absent: []string{"data-unavailable"}})
	}
	// A draft upadacitinib order of 1 tablet 15 mg at frequency 2.5 a day
	// is read (37.5 mg/day, above the label). A word ("two") in a number
	// stays malformed, as in any number: 400 on a draft, "not fully
	// checked" in the record (unchanged).
	draft := func(f any) res {
		d := jakDraft("upadacitinib", 15)
		d["dosageInstruction"].([]any)[0].(res)["timing"] = res{"repeat": daily(f)}
		return d
	}
	cases = append(cases,
		accCase{name: "draft at frequency 2.5 a day: above the label", c: sign(cleanRecord(), draft(2.5)), want: w("dose-above-label", "warning")},
	)
	runAcc(t, cases)
}
