package hooks

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// failsafe6: the patient-view events since the course start (pvevents)
// and rules.Finding.SinceStart, through the handler with hostile and
// broken input. courseAt starts a course at a chosen instant and zone.

// courseAt is a record with an active course of drug whose only order was
// authored at start (any FHIR date form).
func courseAt(drug, start string) *record {
	r := cleanRecord()
	r.medications = append(r.medications, courseOrder(drug+"-1", "MedicationRequest", "active", drug, start))
	return r
}

func miAt(onset string) res { return with(cond("mi", icd, "I21.4", "active"), "onsetDateTime", onset) }

// A course start written with a time in one zone and an event in another:
// "2026-06-02T01:00:00Z" is 20:00 on 1 June at -05:00. An MI at 21:00 on 1
// June (-05:00), an hour after the order, was read by its own date (1
// June), a day before the start's (2 June): history, no card on
// patient-view or on a renewal. The start day is now read in the event's
// zone when both have a time of day. N-1/N/N+1: the day before the start
// in the event's zone stays history.
func TestFailsafePVEventsStartZones(t *testing.T) {
	const start = "2026-06-02T01:00:00Z" // 2026-06-01 20:00 at -05:00
	var cases []accCase
	for _, drug := range []string{"upadacitinib", "abrocitinib"} {
		mg := map[string]int{"upadacitinib": 15, "abrocitinib": 100}[drug]
		on := func() *record { return courseAt(drug, start) }
		for _, e := range []struct {
			name string
			code string
			lvl  string
			make func(string) res
		}{
			{"MI", "mace-history", "warning", miAt},
			{"DVT", "vte-risk", "warning", onsetCond("dvt", "I82.401")},
			{"lung cancer", "malignancy", "warning", onsetCond("ca", "C34.90")},
			{"positive IGRA", "tb-latent-untreated", "critical", func(d string) res { return obsCode("igra", "71773-6", positive, d) }},
			{"HBsAg positive", "hbv-active", "critical", func(d string) res { return obsCode("hbsag", "5196-1", positive, d) }},
			{"HBV DNA detected", "hbv-active", "critical", func(d string) res { return obsCode("hbvdna", "29610-3", positive, d) }},
			{"HCV RNA detected", "hcv-active", "critical", func(d string) res { return obsCode("hcvrna", "11259-9", positive, d) }},
		} {
			cases = append(cases,
				accCase{name: drug + ": " + e.name + " an hour after a start written in UTC (its date the day before)",
					c: view(on().replace(e.make("2026-06-01T21:00:00-05:00"))), want: w(e.code, e.lvl)},
				accCase{name: drug + ": " + e.name + " an hour after the start: a renewal says it too",
					c: sign(on().replace(e.make("2026-06-01T21:00:00-05:00")), jakDraft(drug, mg)), want: w(e.code, e.lvl)},
				accCase{name: drug + ": " + e.name + " the start day in its zone, before the order", c: view(on().replace(e.make("2026-06-01T08:00:00-05:00"))), want: w(e.code, e.lvl)},
				accCase{name: drug + ": " + e.name + " the day before the start in its zone: history",
					c: view(on().replace(e.make("2026-05-31T23:00:00-05:00"))), absent: []string{e.code}},
				accCase{name: drug + ": " + e.name + " date-only the day before the start's own date: history",
					c: view(on().replace(e.make("2026-06-01"))), absent: []string{e.code}},
				// The extreme zones: a start at 09:00 +14:00 (19:00 UTC the day
				// before), an event at 20:00 -12:00 that day, 13 hours after.
				accCase{name: drug + ": " + e.name + " 13 h after a +14:00 start, written -12:00",
					c: view(courseAt(drug, "2026-06-02T09:00:00+14:00").replace(e.make("2026-06-01T20:00:00-12:00"))), want: w(e.code, e.lvl)},
				accCase{name: drug + ": " + e.name + " -12:00, a day before the +14:00 start's day there",
					c: view(courseAt(drug, "2026-06-02T09:00:00+14:00").replace(e.make("2026-05-31T20:00:00-12:00"))), absent: []string{e.code}},
				// A start written date-only has no zone: the event's date decides.
				accCase{name: drug + ": " + e.name + " -12:00 the evening before a date-only start: history",
					c: view(courseAt(drug, "2026-06-02").replace(e.make("2026-06-01T20:00:00-12:00"))), absent: []string{e.code}},
			)
		}
		// Known before the start, read in the same zone: hepatitis B known
		// the day before the start (in its zone) stays known; one an hour
		// after the start is not "known before".
		cases = append(cases,
			accCase{name: drug + ": HBsAg positive the day before the start (its zone) and since: known, no card",
				c: view(on().replace(obsCode("hbsag0", "5196-1", positive, "2026-05-31T21:00:00-05:00")).replace(obsCode("hbsag", "5196-1", positive, ago(10)))), absent: []string{"hbv-active"}},
			accCase{name: drug + ": HBsAg negative before, positive an hour after the start: reported",
				c: view(on().replace(obsCode("hbsag0", "5196-1", negative, "2026-05-20")).replace(obsCode("hbsag", "5196-1", positive, "2026-06-01T21:00:00-05:00"))), want: w("hbv-active", "critical")},
		)
	}
	runAcc(t, cases)
}

// Attacks that the pvevents paths already answer safely (checked and
// unchanged): dates, statuses, values and courses of odd shapes.
func TestFailsafePVEventsShapes(t *testing.T) {
	upa := "upadacitinib"
	on := func() *record { return courseAt(upa, "2026-06-01") }
	dna := func(id string, v float64, cmp, unit, date string) res {
		q := res{"value": v, "unit": unit}
		if cmp != "" {
			q["comparator"] = cmp
		}
		return with(qty(id, "42595-9", v, "", unit, date), "valueQuantity", q)
	}
	stop := map[string]string{"mace-history": "Discontinue upadacitinib: MI or stroke since the start"}
	cases := []accCase{
		{name: "start year-month, MI in that month after its first day", c: view(courseAt(upa, "2026-06").replace(miAt("2026-06-15"))), want: w("mace-history", "warning")},
		{name: "start year-month, MI the day before the month: history", c: view(courseAt(upa, "2026-06").replace(miAt("2026-05-31"))), noCards: true},
		// failsafe7: a month-only onset may be after a mid-month start (was history, read as its first day).
		{name: "start mid-month, MI written year-month of that month: may be since the start, reported", c: view(courseAt(upa, "2026-06-15").replace(miAt("2026-06"))), want: w("mace-history", "warning")},
		{name: "MI onset in the future: reported (fail safe)", c: view(on().replace(miAt("2027-01-01"))), want: w("mace-history", "warning"), summaryOf: stop},
		{name: "MI onset 9999-12-31: reported (fail safe)", c: view(on().replace(miAt("9999-12-31"))), want: w("mace-history", "warning")},
		{name: "MI onset 1850 (placeholder), no recorded date: not known to be new", c: view(on().replace(miAt("1850-01-01"))), noCards: true},
		{name: "MI onset 1850 (placeholder), recorded since the start: read by its recorded date", c: view(on().replace(with(miAt("1850-01-01"), "recordedDate", ago(10)))), want: w("mace-history", "warning")},
		{name: "MI onset 1899 (plausible, before 1900), recorded since the start: history", c: view(on().replace(with(miAt("1899-12-31"), "recordedDate", ago(10)))), noCards: true},
		// Read by the recorded date when the onset is no date (committee question 3, failsafe6).
		{name: "MI onsetString 'in 2015', recorded since the start: read by its recorded date", c: view(on().replace(with(cond("mi", icd, "I21.4", "active"), "onsetString", "in 2015", "recordedDate", ago(10)))), want: w("mace-history", "warning")},
		{name: "MI onsetAge 40 a, recorded since the start: read by its recorded date", c: view(on().replace(with(cond("mi", icd, "I21.4", "active"), "onsetAge", res{"value": 40, "unit": "a"}, "recordedDate", ago(10)))), want: w("mace-history", "warning")},
		// A course whose start cannot be read is one with no start date: the renewal speaks (committee question 1, failsafe6).
		{name: "course start unreadable: no since-the-start card on patient-view", c: view(courseAt(upa, "junk").replace(miAt(ago(10)))), absent: []string{"mace-history"}},
		{name: "course start unreadable: the renewal says the start is unknown", c: sign(courseAt(upa, "junk").replace(miAt(ago(10))), jakDraft(upa, 15)), want: w("mace-history", "warning"),
			detailOf: map[string]string{"mace-history": "course start is unknown"}},
		{name: "MI onset before the start, recorded since: history", c: view(on().replace(with(miAt("2025-12-01"), "recordedDate", ago(10)))), noCards: true},
		{name: "MI onset since the start, recorded before it: since (onset wins)", c: view(on().replace(with(miAt(ago(10)), "recordedDate", "2026-01-01"))), want: w("mace-history", "warning")},
		{name: "MI onsetPeriod with only an end since the start", c: view(on().replace(with(cond("mi", icd, "I21.4", "active"), "onsetPeriod", res{"end": ago(10)}))), want: w("mace-history", "warning")},
		{name: "MI onsetPeriod starting before the start, ending since: history", c: view(on().replace(with(cond("mi", icd, "I21.4", "active"), "onsetPeriod", res{"start": "2026-05-01", "end": ago(10)}))), noCards: true},
		{name: "MI onsetPeriod empty, no recorded date: no card", c: view(on().replace(with(cond("mi", icd, "I21.4", "active"), "onsetPeriod", res{}))), noCards: true},
		{name: "MI abated, onset since the start: still reported", c: view(on().replace(with(miAt(ago(30)), "abatementDateTime", ago(20)))), want: w("mace-history", "warning")},
		{name: "MI abated before the start: history", c: view(on().replace(with(miAt("2025-01-01"), "abatementDateTime", "2025-02-01"))), noCards: true},
		{name: "MI refuted since the start: no card", c: view(on().replace(with(miAt(ago(10)), "verificationStatus", coding("http://terminology.hl7.org/CodeSystem/condition-ver-status", "refuted")))), noCards: true},
		{name: "MI entered-in-error since the start: no card", c: view(on().replace(with(miAt(ago(10)), "verificationStatus", coding("http://terminology.hl7.org/CodeSystem/condition-ver-status", "entered-in-error")))), noCards: true},
		{name: "MI status ACTIVE (upper case) since the start", c: view(on().replace(with(cond("mi", icd, "I21.4", "ACTIVE"), "onsetDateTime", ago(10)))), want: w("mace-history", "warning")},
		{name: "MI status 'Resolved ' since the start: an event of the course", c: view(on().replace(with(cond("mi", icd, "I21.4", "Resolved "), "onsetDateTime", ago(10)))), want: w("mace-history", "warning")},
		{name: "course on hold: MI since the start still reported", c: view(cleanRecord().replace(courseOrder(upa+"-1", "MedicationRequest", "on-hold", upa, "2026-06-01")).replace(miAt(ago(10)))), want: w("mace-history", "warning")},
		{name: "two courses: MI after the upadacitinib start, before the abrocitinib one: upadacitinib only",
			c:    view(courseAt(upa, "2026-03-01").replace(courseOrder("abrocitinib-1", "MedicationRequest", "active", "abrocitinib", "2026-09-01")).replace(miAt("2026-06-01"))),
			want: w("mace-history", "warning"), summaryOf: stop},
		{name: "HBsAg alternating 400 times before the start, last negative, positive since: reported",
			c: view(hbsagAlt(on(), 400, "2026-05-30", negative).replace(obsCode("hbsagX", "5196-1", positive, ago(5)))), want: w("hbv-active", "critical")},
		{name: "HBsAg alternating 400 times before the start, last positive: known, no card",
			c: view(hbsagAlt(on(), 400, "2026-05-30", positive).replace(obsCode("hbsagX", "5196-1", positive, ago(5)))), absent: []string{"hbv-active"}},
		{name: "HBsAg alternating 400 times since the start, last negative: no card",
			c: view(hbsagAltSince(on(), 400, negative)), absent: []string{"hbv-active"}},
		{name: "HBsAg alternating 400 times since the start, last positive: reported",
			c: view(hbsagAltSince(on(), 400, positive)), want: w("hbv-active", "critical")},
		{name: "HBV DNA >1000000 IU/mL since the start: detected", c: view(on().replace(dna("dna", 1000000, ">", "IU/mL", ago(10)))), want: w("hbv-active", "critical")},
		{name: "HBV DNA <10 IU/mL since the start: not detected", c: view(on().replace(dna("dna", 10, "<", "IU/mL", ago(10)))), absent: []string{"hbv-active"}},
		{name: "HBV DNA <10 before the start, 50 IU/mL since: reported", c: view(on().replace(dna("dna0", 10, "<", "IU/mL", "2026-05-01")).replace(dna("dna", 50, "", "IU/mL", ago(10)))), want: w("hbv-active", "critical")},
		{name: "HBV DNA 500 copies/mL since the start: detected", c: view(on().replace(dna("dna", 500, "", "copies/mL", ago(10)))), want: w("hbv-active", "critical")},
	}
	runAcc(t, cases)
}

func hbsagAlt(r *record, n int, last, lastAnswer string) *record {
	for i := range n {
		a := positive
		if i%2 == 0 {
			a = negative
		}
		r = r.replace(obsCode(fmt.Sprint("hbsag", i), "5196-1", a, testNow.AddDate(-3, 0, i).Format("2006-01-02")))
	}
	return r.replace(obsCode("hbsagL", "5196-1", lastAnswer, last))
}

// hbsagAltSince is n HBsAg results alternating since the start (timed, one
// every few hours), the newest answering last.
func hbsagAltSince(r *record, n int, last string) *record {
	r = r.drop("hbsag")
	t0 := time.Date(2026, 6, 2, 0, 0, 0, 0, time.FixedZone("", -5*3600))
	for i := range n {
		a := positive
		if (n-1-i)%2 == 1 {
			a = negative
		}
		if last == negative {
			a = map[string]string{positive: negative, negative: positive}[a]
		}
		r = r.replace(obsCode(fmt.Sprint("hbsag", i), "5196-1", a, t0.Add(time.Duration(i)*7*time.Hour).Format(time.RFC3339)))
	}
	return r
}

// The pvevents paths with thousands of events in every zone (contract
// 6.6): answered within the deadline and 256 MiB of extra heap.
func TestBoundedPVEvents(t *testing.T) {
	if testing.Short() {
		t.Skip("sends bodies of 8 MiB")
	}
	s := newTestServer(t, serverOpts{noStore: true})
	s.fhir = nil
	zones := []string{"+14:00", "-12:00", "Z", "+05:30"}
	mi := func(i int) string {
		return fmt.Sprintf(`{"resourceType":"Condition","id":"c%d","clinicalStatus":{"coding":[{"code":"active"}]},"subject":{"reference":"Patient/p1"},"code":{"coding":[{"system":"`+icd+`","code":"I21.4"}]},"onsetDateTime":"%04d-%02d-%02dT%02d:00:00%s","recordedDate":"2026-%02d-01"}`,
			i, 1900+i%127, 1+i%12, 1+i%28, i%24, zones[i%4], 1+i%11)
	}
	hbsag := func(i int) string {
		a := []string{positive, negative, "261665006"}[i%3]
		return fmt.Sprintf(`{"resourceType":"Observation","id":"h%d","status":"final","subject":{"reference":"Patient/p1"},"code":{"coding":[{"system":"http://loinc.org","code":"5196-1"}]},"effectiveDateTime":"2026-%02d-%02dT%02d:00:00%s","valueCodeableConcept":{"coding":[{"system":"`+sct+`","code":"%s"}]}}`,
			i, 1+i%11, 1+i%28, i%24, zones[i%4], a)
	}
	dna := func(i int) string {
		return fmt.Sprintf(`{"resourceType":"Observation","id":"d%d","status":"final","subject":{"reference":"Patient/p1"},"code":{"coding":[{"system":"http://loinc.org","code":"42595-9"}]},"effectiveDateTime":"2026-%02d-%02d","valueQuantity":{"value":%d,"comparator":"%s","unit":"IU/mL"}}`,
			i, 1+i%11, 1+i%28, i, []string{"<", ">", "<=", ""}[i%4])
	}
	upa := `{"resource":{"resourceType":"MedicationRequest","id":"upa","status":"active","intent":"order","subject":{"reference":"Patient/p1"},"authoredOn":"2026-06-02T01:00:00Z","medicationCodeableConcept":{"text":"upadacitinib 15 mg"}}}`
	body := func(conds, obs string) []byte {
		return []byte(`{"hook":"patient-view","hookInstance":"5b9f0c1e-attack","context":{"userId":"Practitioner/x","patientId":"p1"},` +
			`"prefetch":{"patient":{"resourceType":"Patient","id":"p1","gender":"female","birthDate":"1980-01-01"},` +
			`"medications":{"resourceType":"Bundle","entry":[` + upa + `]},` +
			`"conditions":{"resourceType":"Bundle","entry":[` + conds + `]},"observations":{"resourceType":"Bundle","entry":[` + obs + `]}}}`)
	}
	for _, tc := range []struct {
		name string
		body []byte
		want string // in the answer
	}{
		{"22,000 MIs in four zones from 1900 to 2026", body(entries(22_000, mi), ""), "Discontinue upadacitinib: MI or stroke since the start"},
		// Positive before the start: known, no hbv-active card.
		{"25,000 HBsAg positive, negative and unreadable in four zones", body("", entries(25_000, hbsag)), ""},
		{"10,000 MIs and 20,000 HBV DNA with comparators", body(entries(10_000, mi), entries(19_000, dna)), "active hepatitis B"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.LessOrEqual(t, len(tc.body), 8<<20)
			sampler := sampleHeap()
			start := time.Now()
			rec := s.do(t, "POST", "/cds-services/patient-view", tc.body)
			took := time.Since(start)
			peak := sampler.peak()
			t.Logf("%s: %d in %v, peak extra heap %.1f MiB (body %.1f MiB)", tc.name, rec.Code, took.Round(time.Millisecond), float64(peak)/(1<<20), float64(len(tc.body))/(1<<20))
			require.Equal(t, 200, rec.Code, "%.300s", rec.Body.String())
			assert.Less(t, took, s.cfg.Deadline+time.Second)
			assert.Less(t, peak, uint64(maxExtraHeap))
			assert.Contains(t, rec.Body.String(), tc.want)
		})
	}
}

// The Synthea patients with an upadacitinib course added at start dates
// after their recorded histories, in several zones: no since-the-start
// card (their events predate every such start), card counts as in
// TestSyntheaPatientViewNoNewCards.
func TestFailsafeSyntheaPVEventsStarts(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	since := []string{"mace-history", "vte-risk", "malignancy", "tb-latent-untreated", "hbv-active", "hcv-active"}
	for _, tc := range []struct {
		file  string
		cards int
	}{
		{"Asa_Hermiston_4384bf23-1dc3-48ca-8c84-89fbaff201ae.json", 2},
		{"Fletcher_Hyatt_fe0562b5-f517-4951-8366-32fdab088930.json", 1},
		{"Garrett_Thompson_5a72e290-8102-4c8a-84f7-f838387508b2.json", 1},
	} {
		for _, start := range []string{"2026-06-01", "2026-06-01T00:00:00+14:00", "2026-05-31T23:59:00-12:00", "2026-11-28T01:00:00Z", "2026-06"} {
			t.Run(tc.file[:12]+" "+start, func(t *testing.T) {
				rec := s.do(t, "POST", "/cds-services/patient-view", syntheaViewRequest(t, "../testdata/synthea/"+tc.file, "upadacitinib", start))
				require.Equal(t, 200, rec.Code, rec.Body.String())
				cs := checkResponse(t, rec.Body.Bytes())
				for _, code := range since {
					assert.NotContains(t, codesOf(cs), code, "cards: %s", cardSummaries(cs))
				}
				for _, c := range cs {
					assert.NotContains(t, strings.ToLower(c.Summary), "since the start", "cards: %s", cardSummaries(cs))
				}
				if start != "2026-11-28T01:00:00Z" { // monitoring is not due two days in
					assert.Equal(t, tc.cards, len(cs), "patient-view card count: %s", cardSummaries(cs))
				}
			})
		}
	}
}

// Hepatitis B or C "known before the start" read from two results of one
// day before the start, one positive and one negative (a duplicate feed,
// a corrected result): the answer must not depend on the bundle's order.
// Before, whichever came first in the bundle decided: negative first, a
// card for the positive since the start; positive first, none. Not known
// to be active before the start: the positive since the start is
// reported (fail safe).
func TestFailsafePVEventsKnownBeforeOrder(t *testing.T) {
	var cases []accCase
	for _, drug := range []string{"upadacitinib", "abrocitinib"} {
		for _, tc := range []struct {
			name, lnc, since string
			code             string
		}{
			{"HBsAg", "5196-1", "5196-1", "hbv-active"},
			{"HBV DNA", "29610-3", "29610-3", "hbv-active"},
			{"HCV RNA", "11259-9", "11259-9", "hcv-active"},
		} {
			pos := obsCode("x-pos", tc.lnc, positive, "2026-05-20")
			neg := obsCode("x-neg", tc.lnc, negative, "2026-05-20")
			now := obsCode("x-now", tc.since, positive, ago(10))
			// A negative on an older day does not unknow the positive.
			cases = append(cases, accCase{name: drug + ": " + tc.name + " negative 2026-05-19, positive 2026-05-20, positive since: known, no card",
				c:      view(cleanRecord().onCourse(drug).drop("hbsag").replace(obsCode("x-neg", tc.lnc, negative, "2026-05-19")).replace(obsCode("x-pos", tc.lnc, positive, "2026-05-20")).replace(now)),
				absent: []string{tc.code}})
			for _, order := range [][]res{{pos, neg}, {neg, pos}} {
				r := cleanRecord().onCourse(drug).drop("hbsag")
				for _, o := range order {
					r = r.replace(o)
				}
				cases = append(cases, accCase{
					name: drug + ": " + tc.name + " positive and negative the same day before the start (" + order[0]["id"].(string) + " first), positive since: not known to be active before, reported",
					c:    view(r.replace(now)), want: w(tc.code, "critical")})
			}
		}
	}
	runAcc(t, cases)
}
