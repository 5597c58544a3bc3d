package hooks

import (
	"testing"
	"time"
)

// Precision review: a FHIR date may be a year ("2026") or a month
// ("2026-06") only. It is read as its first day; each rule below now reads
// the end that is its fail-safe side: a positive result, an event since a
// start or a live vaccine counts up to its last day; a negative result
// that satisfies a window keeps its first day. testNow is 29 November
// 2026. Each table has the full date at the boundary (unchanged), the
// month and the year whose first day is outside the window and last day
// inside (the fix), and the month and year wholly outside.

// pcase is one row: a date, and whether the finding must be reported.
type pcase struct {
	date string
	want bool
}

// precisionCases turns rows into cases of one finding code at level.
func precisionCases(name, code, level string, rows []pcase, c func(date string) call) []accCase {
	var out []accCase
	for _, r := range rows {
		k := accCase{name: name + " " + r.date, c: c(r.date)}
		if r.want {
			k.want = w(code, level)
		} else {
			k.absent = []string{code}
		}
		out = append(out, k)
	}
	return out
}

// TestAcceptancePrecisionPregnancyTest: a positive pregnancy test counts
// up to the last day its date allows. On treatment the limit is 300 days
// (from ago(299), 3 February): "2026-02" ends inside it and was dropped as
// 1 February; "2026" (read as 1 January, 332 days) was dropped too. At a
// start the window is 30 days (from ago(30), 30 October): "2026-10" ends
// inside it and was pregnancy-test-missing instead of the critical card.
// A negative test keeps its first day: "2026-10" at a start is older than
// the window and the test is asked for again.
func TestAcceptancePrecisionPregnancyTest(t *testing.T) {
	var cases []accCase
	for _, drug := range []string{"upadacitinib", "abrocitinib"} {
		mg := map[string]int{"upadacitinib": 15, "abrocitinib": 100}[drug]
		onCourse := func(date string) *record {
			return courseAt(drug, "2026-01-01").replace(obsCode("hcg", "2106-3", positive, date))
		}
		rows := []pcase{{ago(299), true}, {ago(300), false}, {"2026-02", true}, {"2026-01", false}, {"2026", true}, {"2025", false}}
		cases = append(cases, precisionCases(drug+": on treatment, patient-view, positive hCG", "pregnancy", "critical", rows,
			func(d string) call { return view(onCourse(d)) })...)
		cases = append(cases, precisionCases(drug+": renewal, positive hCG", "pregnancy", "critical", rows,
			func(d string) call { return sign(onCourse(d), jakDraft(drug, mg)) })...)
		start := func(answer string) func(string) call {
			return func(d string) call {
				return sign(cleanRecord().replace(obsCode("hcg", "2106-3", answer, d)), jakDraft(drug, mg))
			}
		}
		cases = append(cases, precisionCases(drug+": start, positive hCG", "pregnancy", "critical",
			[]pcase{{ago(30), true}, {ago(31), false}, {"2026-10", true}, {"2026-09", false}, {"2026", true}, {"2025", false}}, start(positive))...)
		// Negative: by its first day; the month whose last day is inside
		// the window still asks for the test (unchanged).
		cases = append(cases, precisionCases(drug+": start, negative hCG", "pregnancy-test-missing", "warning",
			[]pcase{{ago(30), false}, {ago(31), true}, {"2026-11", false}, {"2026-10", true}, {"2026", true}}, start(negative))...)
	}
	// The evidence says how much of the date was given.
	cases = append(cases, accCase{name: "positive hCG 2026-02 on treatment: the range is named",
		c:        view(courseAt("upadacitinib", "2026-01-01").replace(obsCode("hcg", "2106-3", positive, "2026-02"))),
		want:     w("pregnancy", "critical"),
		detailOf: map[string]string{"pregnancy": "only its month or year given: up to 2026-02-28"}})
	runAcc(t, cases)
}

// TestAcceptancePrecisionPregnancyStatus: a pregnancy status "Pregnant"
// (LOINC 82810-3) counts for 300 days up to the last day of its date.
func TestAcceptancePrecisionPregnancyStatus(t *testing.T) {
	status := func(d string) res {
		return res{"resourceType": "Observation", "id": "ps", "status": "final", "code": coding(loinc, "82810-3"),
			"effectiveDateTime": d, "valueCodeableConcept": coding(sct, "77386006")}
	}
	cases := precisionCases("upadacitinib on treatment, pregnancy status", "pregnancy", "critical",
		[]pcase{{ago(299), true}, {ago(300), false}, {"2026-02", true}, {"2026-01", false}, {"2026", true}, {"2025", false}},
		func(d string) call {
			return view(courseAt("upadacitinib", "2026-01-01").drop("hcg").replace(status(d)))
		})
	runAcc(t, cases)
}

// TestAcceptancePrecisionResultsSinceStart: a positive HBsAg, HBV DNA or
// TB test since the course start counts by its last day: "2026-06" on a
// course started 15 June may be after it, and was read as known before
// the start (1 June): patient-view was silent. One of "2026-05" is before.
func TestAcceptancePrecisionResultsSinceStart(t *testing.T) {
	var cases []accCase
	for _, drug := range []string{"upadacitinib", "abrocitinib"} {
		for _, start := range []string{"2026-06-15", "2026-06-15T10:00:00-05:00"} {
			cases = append(cases, precisionCases(drug+" started "+start+", HBsAg positive", "hbv-active", "critical",
				[]pcase{{"2026-06-15", true}, {"2026-06-14", false}, {"2026-06", true}, {"2026-05", false}},
				func(d string) call {
					return view(courseAt(drug, start).replace(obsCode("hbsag", "5196-1", positive, d)))
				})...)
		}
		cases = append(cases, precisionCases(drug+" started 2026-06-15, IGRA positive", "tb-latent-untreated", "critical",
			[]pcase{{"2026-06-15", true}, {"2026-06-14", false}, {"2026-06", true}, {"2026-05", false}},
			func(d string) call {
				return view(courseAt(drug, "2026-06-15").replace(obsCode("igra", "71773-6", positive, d)))
			})...)
		cases = append(cases, precisionCases(drug+" started 2026-06-01, HBsAg positive", "hbv-active", "critical",
			[]pcase{{"2026", true}, {"2025", false}},
			func(d string) call {
				return view(courseAt(drug, "2026-06-01").replace(obsCode("hbsag", "5196-1", positive, d)))
			})...)
	}
	runAcc(t, cases)
}

// TestAcceptancePrecisionInfectionAge: a serious infection with no status
// counts while dated within 90 days (from 31 August), up to the last day
// of its onset: "2026-08" (31 August at the latest) was stale as 1 August.
func TestAcceptancePrecisionInfectionAge(t *testing.T) {
	cases := precisionCases("sepsis A41.9 no status, onset", "serious-infection-active", "critical",
		[]pcase{{ago(90), true}, {ago(91), false}, {"2026-08", true}, {"2026-07", false}, {"2026", true}, {"2025", false}},
		func(d string) call {
			return upa15(cleanRecord().replace(with(cond("x", icd, "A41.9", ""), "onsetDateTime", d)))
		})
	runAcc(t, cases)
}

// TestAcceptancePrecisionBreastfeedingAge: a breastfeeding condition with
// no status counts for 730 days (from 29 November 2024) up to the last day
// of its onset: "2024-11" and "2024" were stale as their first day.
func TestAcceptancePrecisionBreastfeedingAge(t *testing.T) {
	cases := precisionCases("breastfeeding Z39.1 no status, onset", "breastfeeding", "critical",
		[]pcase{{ago(730), true}, {ago(731), false}, {"2024-11", true}, {"2024-10", false}, {"2024", true}, {"2023", false}},
		func(d string) call {
			return abro100(cleanRecord().replace(with(cond("bf", icd, "Z39.1", ""), "onsetDateTime", d)))
		})
	runAcc(t, cases)
}

// TestAcceptancePrecisionLiveVaccine: a live vaccine within 4 weeks of a
// start counts up to the last day of its date. With the clock at 10
// December the window starts on 12 November: an MMR of "2026-11" may be
// of 30 November and was read as 1 November (no card); "2026" likewise.
func TestAcceptancePrecisionLiveVaccine(t *testing.T) {
	now := time.Date(2026, 12, 10, 12, 0, 0, 0, time.UTC)
	on := func(n int) string { return now.AddDate(0, 0, -n).Format("2006-01-02") }
	var cases []accCase
	for _, drug := range []string{"upadacitinib", "abrocitinib"} {
		mg := map[string]int{"upadacitinib": 15, "abrocitinib": 100}[drug]
		draft := jakDraft(drug, mg)
		draft["authoredOn"] = on(0)
		cases = append(cases, precisionCases(drug+": MMR given", "live-vaccine-recent", "warning",
			[]pcase{{on(28), true}, {on(29), false}, {"2026-11", true}, {"2026-10", false}, {"2026", true}, {"2025", false}},
			func(d string) call {
				return sign(cleanRecord().replace(immunization("mmr", "03", d)), draft)
			})...)
	}
	cases = append(cases, accCase{name: "MMR 2026-11: the range is named, not a count of days",
		c:           sign(cleanRecord().replace(immunization("mmr", "03", "2026-11")), jakDraft("upadacitinib", 15)),
		want:        w("live-vaccine-recent", "warning"),
		detailOf:    map[string]string{"live-vaccine-recent": "only its month or year given: up to 2026-11-30"},
		notDetailOf: map[string]string{"live-vaccine-recent": "days ago"}})
	runAccAt(t, now, cases)
}

// TestAcceptancePrecisionMedicationEnd: a completed order's stated end
// (dispenseRequest.validityPeriod.end, a statement's effectivePeriod.end)
// written as a month or a year is taken through its last day, as a timing
// boundsPeriod.end is (failsafe7): clarithromycin completed 3 days ago
// "until 2026-11" was over on 1 November, and upadacitinib got no CYP3A4
// card. A full end today is taken, yesterday not (unchanged).
func TestAcceptancePrecisionMedicationEnd(t *testing.T) {
	upa := jakDraft("upadacitinib", 15)
	var cases []accCase
	rows := []pcase{{ago(0), true}, {ago(1), false}, {"2026-11", true}, {"2026-10", false}, {"2026", true}, {"2025", false}}
	cases = append(cases, precisionCases("clarithromycin completed, validityPeriod.end", "cyp-interaction", "warning", rows,
		func(d string) call {
			m := clarithro("completed", 3)
			m["dispenseRequest"] = res{"validityPeriod": res{"start": ago(3), "end": d}}
			return sign(cleanRecord().replace(m), upa)
		})...)
	cases = append(cases, precisionCases("clarithromycin statement completed, effectivePeriod.end", "cyp-interaction", "warning", rows,
		func(d string) call {
			m := clarithro("completed", 3)
			m["resourceType"] = "MedicationStatement"
			delete(m, "intent")
			delete(m, "authoredOn")
			m["effectivePeriod"] = res{"start": ago(3), "end": d}
			return sign(cleanRecord().replace(m), upa)
		})...)
	cases = append(cases, accCase{name: "validityPeriod.end 2026-11: its end is said as 30 November",
		c:    sign(cleanRecord().replace(with(clarithro("completed", 3), "dispenseRequest", res{"validityPeriod": res{"end": "2026-11"}})), upa),
		want: w("cyp-interaction", "warning"), detailOf: map[string]string{"cyp-interaction": "runs to 2026-11-30"}})
	runAcc(t, cases)
}

// TestAcceptancePrecisionLiveVaccineListed: a live vaccine on a medication
// list (completed order or statement, dated by its end, else its start)
// counts up to the last day of that date, as an Immunization does. Clock
// at 10 December: the 28 days start on 12 November.
func TestAcceptancePrecisionLiveVaccineListed(t *testing.T) {
	now := time.Date(2026, 12, 10, 12, 0, 0, 0, time.UTC)
	on := func(n int) string { return now.AddDate(0, 0, -n).Format("2006-01-02") }
	draft := jakDraft("abrocitinib", 100)
	draft["authoredOn"] = on(0)
	rows := []pcase{{on(28), true}, {on(29), false}, {"2026-11", true}, {"2026-10", false}, {"2026", true}, {"2025", false}}
	var cases []accCase
	cases = append(cases, precisionCases("MMR statement completed, effectiveDateTime", "live-vaccine-recent", "warning", rows,
		func(d string) call {
			m := stmt("mmr", "completed", cvx, "03", "MMR vaccine", 0)
			m["effectiveDateTime"] = d
			return sign(cleanRecord().replace(m), draft)
		})...)
	cases = append(cases, precisionCases("MMR order completed, authoredOn", "live-vaccine-recent", "warning", rows,
		func(d string) call {
			m := med("mmr", "completed", cvx, "03", "MMR vaccine", 0)
			m["authoredOn"] = d
			return sign(cleanRecord().replace(m), draft)
		})...)
	cases = append(cases, precisionCases("MMR order completed 2026-06-01, validityPeriod.end", "live-vaccine-recent", "warning", rows,
		func(d string) call {
			m := med("mmr", "completed", cvx, "03", "MMR vaccine", 0)
			m["authoredOn"] = "2026-06-01"
			m["dispenseRequest"] = res{"validityPeriod": res{"end": d}}
			return sign(cleanRecord().replace(m), draft)
		})...)
	cases = append(cases, accCase{name: "MMR statement 2026-11: the range is named, not a count of days",
		c:    sign(cleanRecord().replace(with(stmt("mmr", "completed", cvx, "03", "MMR vaccine", 0), "effectiveDateTime", "2026-11")), draft),
		want: w("live-vaccine-recent", "warning"), detailOf: map[string]string{"live-vaccine-recent": "only its month or year given: up to 2026-11-30"},
		notDetailOf: map[string]string{"live-vaccine-recent": "days ago"}})
	runAccAt(t, now, cases)
}

// TestAcceptancePrecisionLowCountPinned pins what is left: a low ANC dated
// by a month whose first day is older than the CBC window (90 days, from
// 31 August) is not judged, but not silent either: cbc-missing asks for a
// count. A full date inside the window gives the low-count card.
func TestAcceptancePrecisionLowCountPinned(t *testing.T) {
	low := func(d string) *record { return cleanRecord().replace(obsQty("anc", "751-8", 0.4, "10*3/uL", d)) }
	runAcc(t, []accCase{
		{name: "ANC 400 on 2026-09-01: low", c: upa15(low("2026-09-01")), want: w("neutropenia", "critical")},
		{name: "ANC 400 of 2026-08: cbc-missing, not the low card", c: upa15(low("2026-08")), want: w("cbc-missing", "warning"), absent: []string{"neutropenia"}},
	})
}

// TestAcceptancePrecisionUnreadEventOnset (failsafe7 item 5): on a course
// with a start, an MI, stroke, thrombosis or malignancy whose onset was
// given but cannot be read ("NaN", onsetString "in the spring") and with
// no recorded date was passed over by the since-the-start rules in
// silence: patient-view answered no cards. The "not fully checked" info
// card now says so. Not said: such a condition with a recorded date (it
// is dated by it), one with no onset at all (noise: undated "history of
// MI" entries are common), another kind of condition, and a patient on no
// course.
func TestAcceptancePrecisionUnreadEventOnset(t *testing.T) {
	const line = "has an onset jakguard cannot read and no recorded date"
	mi := func(kv ...any) res { return with(cond("mi", icd, "I21.4", "active"), kv...) }
	said := func(name string, r *record) accCase {
		return accCase{name: name, c: view(r), want: w("data-unavailable", "info"), onlyInfo: true,
			detailOf: map[string]string{"data-unavailable": line}}
	}
	notSaid := func(name string, r *record) accCase {
		return accCase{name: name, c: view(r), absent: []string{"data-unavailable"}}
	}
	runAcc(t, []accCase{
		func() accCase {
			k := said("upadacitinib course, MI onset NaN, no recorded date", courseAt("upadacitinib", "2026-06-01").replace(mi("onsetDateTime", "NaN")))
			k.summaryOf = map[string]string{"data-unavailable": "Upadacitinib course not fully checked: an event's onset date could not be read"}
			k.detailOf["data-unavailable"] = "(Condition/mi) " + line
			return k
		}(),
		said("abrocitinib course, MI onsetString in the spring", courseAt("abrocitinib", "2026-06-01").replace(mi("onsetString", "in the spring"))),
		said("upadacitinib course, old MI I25.2 onset NaN", courseAt("upadacitinib", "2026-06-01").replace(with(cond("mi", icd, "I25.2", "active"), "onsetDateTime", "NaN"))),
		said("upadacitinib course, DVT onsetString", courseAt("upadacitinib", "2026-06-01").replace(with(cond("dvt", icd, "I82.401", "active"), "onsetString", "last year"))),
		notSaid("upadacitinib course, MI onset NaN recorded before the start", courseAt("upadacitinib", "2026-06-01").replace(mi("onsetDateTime", "NaN", "recordedDate", "2026-01-10"))),
		notSaid("upadacitinib course, MI with no onset and no recorded date", courseAt("upadacitinib", "2026-06-01").replace(mi())),
		notSaid("upadacitinib course, MI onset 2026-01-10", courseAt("upadacitinib", "2026-06-01").replace(mi("onsetDateTime", "2026-01-10"))),
		notSaid("upadacitinib course, MI refuted, onset NaN", courseAt("upadacitinib", "2026-06-01").replace(mi("onsetDateTime", "NaN", "verificationStatus",
			coding("http://terminology.hl7.org/CodeSystem/condition-ver-status", "refuted")))),
		notSaid("upadacitinib course, atopic dermatitis onset NaN", courseAt("upadacitinib", "2026-06-01").replace(with(condition("ad", sct, "24079001", "active"), "onsetDateTime", "NaN"))),
		{name: "no course, MI onset NaN: no cards", c: view(cleanRecord().replace(mi("onsetDateTime", "NaN"))), noCards: true},
	})
}
