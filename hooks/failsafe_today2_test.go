package hooks

import (
	"fmt"
	"strings"
	"testing"
)

// Fail safe on the paths merged 2026-12-07 (EHR shapes and contract audit
// reviews): timing bounds, per-mL strength, patientInstruction, count
// units, pregnancy on treatment. Hostile and broken values must never
// drop a card the plain case gives.

func clarDur(n float64, unit string) []any {
	return []any{"boundsDuration", res{"value": n, "unit": unit, "system": ucum, "code": unit}}
}

// withSupply sets a dispensed supply of n days on the order m.
func withSupply(m res, n float64) res {
	m["dispenseRequest"] = res{"expectedSupplyDuration": supplyDays(n)}
	return m
}

// TestFailsafeTodayTimingBounds: a completed clarithromycin order authored
// 3 days ago with a 14-day supply is taken (plain case); no bound, however
// absurd or conflicting, may make it finished.
func TestFailsafeTodayTimingBounds(t *testing.T) {
	upa := jakDraft("upadacitinib", 15)
	taken := accCase{want: w("cyp-interaction", "warning"), detailOf: map[string]string{"cyp-interaction": "clarithromycin"}}
	var cases []accCase
	add := func(name string, m res, c accCase) {
		c.name, c.c = name, sign(cleanRecord().replace(m), upa)
		cases = append(cases, c)
	}
	sup := func(bounds ...any) res { return withSupply(clarithro("completed", 3, bounds...), 14) }
	add("plain: 14-day supply, no bounds", sup(), taken)
	add("supply 14 d, boundsPeriod.end before the start", sup("boundsPeriod", res{"start": ago(3), "end": ago(400)}), taken)
	add("supply 14 d, boundsPeriod.end yesterday", sup("boundsPeriod", res{"start": ago(3), "end": ago(1)}), taken)
	add("supply 14 d, boundsPeriod.end in 9999", sup("boundsPeriod", res{"start": ago(3), "end": "9999-12-31"}), taken)
	add("supply 14 d, boundsPeriod.end in year 0001", sup("boundsPeriod", res{"end": "0001-01-01"}), taken)
	add("supply 14 d, boundsDuration 1 d", sup(clarDur(1, "d")...), taken)
	add("supply 14 d, boundsDuration 1 s", sup(clarDur(1, "s")...), taken)
	add("supply 14 d, boundsDuration 0 d", sup(clarDur(0, "d")...), taken)
	add("supply 14 d, boundsDuration -14 d", sup(clarDur(-14, "d")...), taken)
	add("supply 14 d, boundsDuration 10000 a", sup(clarDur(10000, "a")...), taken)
	add("supply 14 d, boundsDuration 1e300 d", sup(clarDur(1e300, "d")...), taken)
	add("supply 14 d, boundsDuration unit unknown", sup(clarDur(14, "fortnight")...), taken)
	add("supply 14 d, boundsDuration unit miscased D", sup(clarDur(14, "D")...), taken)
	add("supply 14 d, count 1", sup("count", 1), taken)
	add("supply 14 d, count 0", sup("count", 0), taken)
	add("supply 14 d, count -5", sup("count", -5), taken)
	add("supply 14 d, count 1e15", sup("count", 1000000000000000), taken)
	add("supply 14 d, count 2.5", sup("count", 2.5), taken)
	add("supply 14 d, count 1e30", sup("count", 1e30), taken)
	add("no supply, boundsPeriod.end 9999 (taken, not lost)", clarithro("completed", 3, "boundsPeriod", res{"end": "9999-12-31"}), taken)
	add("no supply, boundsPeriod.end today with time, no zone", clarithro("completed", 3, "boundsPeriod", res{"end": ago(0) + "T23:00:00"}), taken)
	add("no supply, boundsPeriod.end today +14:00", clarithro("completed", 3, "boundsPeriod", res{"end": ago(0) + "T01:00:00+14:00"}), taken)
	add("no supply, boundsPeriod.end today -12:00", clarithro("completed", 3, "boundsPeriod", res{"end": ago(0) + "T23:00:00-12:00"}), taken)
	add("no supply, boundsPeriod.end year-month only", clarithro("completed", 3, "boundsPeriod", res{"end": ago(-40)[:7]}), taken)
	// A frequency of 0 makes the timing unusable, as a period of 0 does
	// (failsafe18 question 1, changed by the lead): no end to read.
	add("no supply, count 28 at frequency 0 (not usable, as period 0)", clarithro("completed", 3, "count", 28, "frequency", 0), accCase{noCards: true})
	add("no supply, count 28 at period 0", clarithro("completed", 3, "count", 28, "period", 0), accCase{noCards: true})
	add("supply 14 d, count 28 at period 0", sup("count", 28, "period", 0), taken)
	add("supply 14 d, count 28 at frequency 1e9", sup("count", 28, "frequency", 1000000000), taken)
	// Many instructions with conflicting bounds: the latest stated end counts.
	many := clarithro("completed", 3, clarDur(1, "d")...)
	for i := range 50 {
		many["dosageInstruction"] = append(many["dosageInstruction"].([]any), res{"sequence": i + 2,
			"timing":      res{"repeat": res{"frequency": 1, "period": 1, "periodUnit": "d", "boundsPeriod": res{"end": ago(300 + i)}}},
			"doseAndRate": []any{res{"doseQuantity": res{"value": 1, "unit": "tablet"}}}})
	}
	many["dosageInstruction"] = append(many["dosageInstruction"].([]any), res{"sequence": 99,
		"timing": res{"repeat": res{"frequency": 1, "period": 1, "periodUnit": "d", "boundsDuration": res{"value": 14, "unit": "d", "system": ucum, "code": "d"}}}})
	add("51 instructions, one of 14 days, others ended: taken", many, taken)
	add("51 instructions with a 14-day supply", withSupply(many, 14), taken)
	runAcc(t, cases)
}

// TestFailsafeTodayTimingShapes: timing bounds of a broken shape (a string
// for a number, a word for a date, an array for an object) leave the order
// read, as before the bounds were read: the plain 14-day supply card stays.
func TestFailsafeTodayTimingShapes(t *testing.T) {
	upa := jakDraft("upadacitinib", 15)
	taken := accCase{want: w("cyp-interaction", "warning"), detailOf: map[string]string{"cyp-interaction": "clarithromycin"}}
	var cases []accCase
	add := func(name string, bounds ...any) {
		c := taken
		c.name, c.c = name, sign(cleanRecord().replace(withSupply(clarithro("completed", 3, bounds...), 14)), upa)
		cases = append(cases, c)
	}
	add("count as a string", "count", "28")
	add("count 2.5", "count", 2.5)
	add("count 1e30", "count", 1e30)
	add("count -1e30", "count", -1e30)
	add("boundsPeriod.end a word", "boundsPeriod", res{"end": "next week"})
	add("boundsPeriod.end 2026-02-30", "boundsPeriod", res{"end": "2026-02-30"})
	add("boundsDuration value as a string", "boundsDuration", res{"value": "14", "unit": "d"})
	add("boundsDuration without a value", "boundsDuration", res{"unit": "d", "code": "d"})
	add("boundsDuration with a comparator", "boundsDuration", res{"value": 1, "comparator": "<", "unit": "d", "code": "d"})
	add("boundsRange (not read)", "boundsRange", res{"low": res{"value": 1, "unit": "d"}, "high": res{"value": 2, "unit": "d"}})
	runAcc(t, cases)
}

// TestFailsafeTodayCourseBounds: a completed upadacitinib order authored
// 179 days ago with a 90-day supply ended 89 days ago, a recent course
// (plain case: reverse CYP3A4 card on clarithromycin). A shorter or absurd
// timing bound beside the supply must not end the course earlier; an
// absurd long one must not make it last past today.
func TestFailsafeTodayCourseBounds(t *testing.T) {
	clar := drugDraft("other", rxnorm, "197517", "clarithromycin 500 MG Oral Tablet")
	recent := accCase{want: w("cyp-interaction", "warning"), summaryOf: map[string]string{"cyp-interaction": "upadacitinib"}}
	past := func(startDays int, supply float64, bounds ...any) *record {
		r := suppliedCourse("upadacitinib", 15, startDays, supplyDays(supply), 0)
		m := r.medications[len(r.medications)-1]
		rep := m["dosageInstruction"].([]any)[0].(res)["timing"].(res)["repeat"].(res)
		with(rep, bounds...)
		return r
	}
	var cases []accCase
	add := func(name string, r *record, c accCase) {
		c.name, c.c = name, sign(r, clar)
		cases = append(cases, c)
	}
	add("plain: 90-day supply authored 179 days ago", past(179, 90), recent)
	add("90-day supply, boundsDuration 2 d", past(179, 90, "boundsDuration", res{"value": 2, "unit": "d", "system": ucum, "code": "d"}), recent)
	add("90-day supply, count 2", past(179, 90, "count", 2), recent)
	add("90-day supply, boundsPeriod.end the next day", past(179, 90, "boundsPeriod", res{"end": ago(178)}), recent)
	add("90-day supply, boundsPeriod.end before the start", past(179, 90, "boundsPeriod", res{"end": ago(900)}), recent)
	add("90-day supply, count 2.5", past(179, 90, "count", 2.5), recent)
	// Supply N-1, N, N+1 with a 2-day bound beside it: the supply decides.
	add("90-day supply authored 181 days ago, 2-day bound (ended 91 days ago, N+1): over", past(181, 90, "boundsDuration", res{"value": 2, "unit": "d", "system": ucum, "code": "d"}), accCase{noCards: true})
	// An end in 9999 on a stopped order stops at today: a course ended
	// today, not ongoing, its stated end said.
	says := func(end string) accCase {
		c := recent
		c.detailOf = map[string]string{"cyp-interaction": "its order states an end on " + end + ", after today: read as ended today"}
		return c
	}
	stopped := func(r *record) *record {
		r.medications[len(r.medications)-1]["status"] = "stopped"
		return r
	}
	add("stopped, no supply, boundsPeriod.end 9999 authored 400 days ago: recent, says its stated end", stopped(past(400, 0, "boundsPeriod", res{"end": "9999-12-31"})), says("9999-12-31"))
	add("stopped, no supply, boundsDuration 3650 d authored 400 days ago: recent, says its stated end", stopped(past(400, 0, "boundsDuration", res{"value": 3650, "unit": "d", "system": ucum, "code": "d"})), says(ago(400-3649)))
	add("stopped, supply 3,650 days authored 400 days ago: recent, says its stated end", stopped(past(400, 3650)), says(ago(400-3650)))
	// Completed, the same ends are still taken (the co-medication test,
	// section 1): the course is ongoing and its line says how far the
	// order runs (bbabro question 3, decided; they read "ended today").
	runs := func(end string) accCase {
		c := recent
		c.detailOf = map[string]string{"cyp-interaction": "completed; its end date or supply runs to " + end + ": read as still taken"}
		return c
	}
	add("no supply, boundsPeriod.end 9999 authored 400 days ago: ongoing, says its end", past(400, 0, "boundsPeriod", res{"end": "9999-12-31"}), runs("9999-12-31"))
	add("no supply, boundsDuration 3650 d authored 400 days ago: ongoing, says its end", past(400, 0, "boundsDuration", res{"value": 3650, "unit": "d", "system": ucum, "code": "d"}), runs(ago(400-3649)))
	add("supply 3,650 days authored 400 days ago: ongoing, says its end", past(400, 3650), runs(ago(400-3649)))
	ended := recent
	ended.notDetailOf = map[string]string{"cyp-interaction": "states an end"}
	add("90-day supply authored 179 days ago: ended 89 days ago, no stated end ahead", past(179, 90), ended)
	add("boundsPeriod.end today (N): ended today, no stated end ahead", past(179, 0, "boundsPeriod", res{"end": ago(0)}), ended)
	add("stopped, boundsPeriod.end tomorrow (N+1): says its stated end", stopped(past(179, 0, "boundsPeriod", res{"end": ago(-1)})), says(ago(-1)))
	add("completed, boundsPeriod.end tomorrow (N+1): ongoing, says its end", past(179, 0, "boundsPeriod", res{"end": ago(-1)}), runs(ago(-1)))
	runAcc(t, cases)
}

// TestFailsafeTodayPerMLStrength: an oral solution's strength in
// Medication.ingredient of a broken or absurd shape, and absurd doses in
// mL: never a dose read wrong below the label, never a panic; an unread
// strength says so (dose-unknown).
func TestFailsafeTodayPerMLStrength(t *testing.T) {
	ml := func(v float64) res { return res{"value": v, "unit": "mL", "system": ucum, "code": "mL"} }
	den := func(v float64, unit string) res { return res{"value": v, "unit": unit, "system": ucum, "code": unit} }
	bid := per(2, 1, "d")
	lq := func(mgPerML float64, d res, dose res) res {
		o := refDraft("#lq", di(dose, bid))
		o["contained"] = []any{lqMedication("lq", mgPerML, d)}
		return o
	}
	unknown := accCase{want: w("dose-unknown", "info"), onlyInfo: true}
	above := accCase{want: w("dose-above-label", "warning")}
	cases := []accCase{
		{name: "plain: 1 mg/mL, 16 mL twice daily: above label", c: sign(cleanRecord(), lq(1, den(1, "mL"), ml(16))), want: above.want},
		{name: "denominator 0 mL: not read", c: sign(cleanRecord(), lq(1, den(0, "mL"), ml(16))), want: unknown.want, onlyInfo: true},
		{name: "denominator 1e-9 mL: not read", c: sign(cleanRecord(), lq(1, den(1e-9, "mL"), ml(16))), want: unknown.want, onlyInfo: true},
		{name: "denominator -1 mL: not read", c: sign(cleanRecord(), lq(1, den(-1, "mL"), ml(16))), want: unknown.want, onlyInfo: true},
		{name: "numerator 0 mg: not read", c: sign(cleanRecord(), lq(0, den(1, "mL"), ml(16))), want: unknown.want, onlyInfo: true},
		{name: "numerator -1 mg: not read", c: sign(cleanRecord(), lq(-1, den(1, "mL"), ml(16))), want: unknown.want, onlyInfo: true},
		{name: "numerator 1e300 mg per mL, 1 mL: above label", c: sign(cleanRecord(), lq(1e300, den(1, "mL"), ml(1))), want: above.want},
		{name: "1 mg/mL, dose 1e9 mL: above label", c: sign(cleanRecord(), lq(1, den(1, "mL"), ml(1e9))), want: above.want},
		{name: "1 mg/mL, dose 1e300 mL: above label", c: sign(cleanRecord(), lq(1, den(1, "mL"), ml(1e300))), want: above.want},
		{name: "1e300 mg/mL, dose 1e300 mL (product overflows): not read, says so", c: sign(cleanRecord(), lq(1e300, den(1, "mL"), ml(1e300))), want: unknown.want, onlyInfo: true},
		{name: "1 mg/mL, dose 0 mL: not read", c: sign(cleanRecord(), lq(1, den(1, "mL"), ml(0))), want: unknown.want, onlyInfo: true},
		{name: "1 mg/mL, dose -16 mL: not read", c: sign(cleanRecord(), lq(1, den(1, "mL"), ml(-16))), want: unknown.want, onlyInfo: true},
		{name: "1 mg/mL, dose 16 ML (miscased): above label", c: sign(cleanRecord(), lq(1, den(1, "ML"), res{"value": 16, "unit": "ML"})), want: above.want},
		{name: "1 mg/mL, dose 16 ml: above label", c: sign(cleanRecord(), lq(1, den(1, "ml"), res{"value": 16, "unit": "ml"})), want: above.want},
		{name: "denominator unit unknown (1 spoon): dose in mL not read", c: sign(cleanRecord(), lq(1, den(1, "spoon"), ml(16))), want: unknown.want, onlyInfo: true},
		{name: "denominator 1 L: dose in mL not read", c: sign(cleanRecord(), lq(1, den(1, "L"), ml(16))), want: unknown.want, onlyInfo: true},
		{name: "1 mg/mL, 16 mL four times daily: above label", c: sign(cleanRecord(), func() res {
			o := lq(1, den(1, "mL"), ml(16))
			o["dosageInstruction"] = []any{di(ml(16), per(4, 1, "d"))}
			return o
		}()), want: above.want},
	}
	runAcc(t, cases)
}

// TestFailsafeTodayPatientInstruction: what the patient is told, read as
// the sig when there is no text, must not drop a card the order's coded
// dose or drug gives.
func TestFailsafeTodayPatientInstruction(t *testing.T) {
	upa := jakDraft("upadacitinib", 15)
	clar := func(pi string) res {
		m := med("clar", "active", rxnorm, "197517", "clarithromycin 500 MG Oral Tablet", 3)
		m["dosageInstruction"] = []any{res{"patientInstruction": pi,
			"timing":      res{"repeat": res{"frequency": 2, "period": 1, "periodUnit": "d"}},
			"doseAndRate": []any{res{"doseQuantity": res{"value": 1, "unit": "tablet", "system": ucum, "code": "{tbl}"}}}}}
		return m
	}
	taken := w("cyp-interaction", "warning")
	tabQ3 := res{"value": 3, "unit": "tablet", "system": ucum, "code": "{tbl}"}
	cases := []accCase{
		{name: "clarithromycin tablet, patientInstruction 'Apply to the skin'", c: sign(cleanRecord().replace(clar("Apply to the skin twice daily")), upa), want: taken},
		{name: "clarithromycin tablet, patientInstruction 'Do not take'", c: sign(cleanRecord().replace(clar("Do not take with grapefruit")), upa), want: taken},
		{name: "clarithromycin tablet, patientInstruction 'use in the eye'", c: sign(cleanRecord().replace(clar("1 drop in each eye")), upa), want: taken},
		{name: "clarithromycin tablet, patientInstruction 64 KiB", c: sign(cleanRecord().replace(clar(strings.Repeat("Take with food. ", 4096))), upa), want: taken},
		{name: "clarithromycin tablet, patientInstruction empty", c: sign(cleanRecord().replace(clar("")), upa), want: taken},
		{name: "upadacitinib 3 tablets coded, patientInstruction '1 tablet': not below the label",
			c: sign(cleanRecord(), upaDz(upaRxName, di(tabQ3, per(1, 1, "d"), "patientInstruction", "Take 1 tablet by mouth daily"))), want: w("dose-above-label", "warning")},
	}
	runAcc(t, cases)
}

// TestFailsafeTodayCountUnits: the count spellings added on 2026-12-07
// (x10(3)/mcL and kin) in every case and micro sign: an ANC of 0.8
// thousand is neutropenia (critical), 1.0 thousand (N) and 1.1 are not.
func TestFailsafeTodayCountUnits(t *testing.T) {
	d := "2026-11-02"
	upa := jakDraft("upadacitinib", 15)
	anc := func(v float64, unit string) *record {
		return cleanRecord().replace(qty("anc", "751-8", v, "", unit, d))
	}
	var cases []accCase
	for _, u := range []string{"x10(3)/mcL", "X10(3)/MCL", "x10(3)/µL", "x10(3)/μL", "X10(3)/ΜL", "10(3)/μL", "10(3)/µL", "x 10(3) / mcL", "10E3/MCL", "X10*3/MCL"} {
		cases = append(cases,
			accCase{name: "ANC 0.8 " + u + ": neutropenia", c: sign(anc(0.8, u), upa), want: w("neutropenia", "critical")},
			accCase{name: "ANC 0.999 " + u + " (N-1): neutropenia", c: sign(anc(0.999, u), upa), want: w("neutropenia", "critical")},
			accCase{name: "ANC 1.0 " + u + " (N): no card", c: sign(anc(1.0, u), upa), noCards: true},
			accCase{name: "ANC 1.001 " + u + " (N+1): no card", c: sign(anc(1.001, u), upa), noCards: true},
		)
	}
	// Unknown or absurd: the count is not used and the card says so.
	for _, u := range []string{"x10(6)/mcL", "x10(3)/mL", "x10(3)", "mcL", "x10(3)/mcL/mcL"} {
		cases = append(cases, accCase{name: "ANC 0.8 " + u + ": not read, says the unit", c: sign(anc(0.8, u), upa), absent: []string{"neutropenia"},
			detailOf: map[string]string{"cbc-missing": u}, want: w("cbc-missing", "warning")})
	}
	runAcc(t, cases)
}

// TestFailsafeTodayPregnancyDates: a positive pregnancy test of a broken
// date beside upadacitinib (before a start and on treatment).
func TestFailsafeTodayPregnancyDates(t *testing.T) {
	onCourse := func(obs ...res) *record {
		r := cleanRecord().labsOn(ago(20))
		r.medications = append(r.medications, courseMed("upadacitinib-1", "MedicationRequest", "active", "upadacitinib", 15, 250))
		for _, o := range obs {
			r.replace(o)
		}
		return r
	}
	start := func(obs ...res) *record {
		r := cleanRecord()
		for _, o := range obs {
			r.replace(o)
		}
		return r
	}
	pos := func(date string) res { return obsCode("hcg", "2106-3", positive, date) }
	neg := func(date string) res { return obsCode("hcg2", "2106-3", negative, date) }
	upa := jakDraft("upadacitinib", 15)
	preg := w("pregnancy", "critical")
	var cases []accCase
	for name, date := range map[string]string{
		"today, date only":                 ago(0),
		"today, time without zone":         ago(0) + "T00:30:00",
		"today, +14:00":                    ago(0) + "T01:00:00+14:00",
		"yesterday, -12:00 late":           ago(1) + "T23:59:59-12:00",
		"tomorrow, date only":              ago(-1),
		"in 30 days":                       ago(-30),
		"in 9999":                          "9999-12-31",
		"year-month only, this month":      ago(0)[:7],
		"301 days ago, on treatment (N+1)": ago(301),
	} {
		for hook, c := range map[string]call{"start": sign(start(pos(date)), upa), "renewal": sign(onCourse(pos(date)), upa), "patient-view": view(onCourse(pos(date)))} {
			k := accCase{name: "positive hCG " + name + ", " + hook, c: c, want: preg}
			if date > ago(0)+"T23:59:59Z" {
				k.detailOf = map[string]string{"pregnancy": "after today: check its date"}
			}
			if name == "301 days ago, on treatment (N+1)" {
				k.want, k.absent = nil, []string{"pregnancy"}
			}
			cases = append(cases, k)
		}
	}
	cases = append(cases,
		accCase{name: "positive today, negative dated 9999: pregnancy", c: view(onCourse(pos(ago(0)), neg("9999-12-31"))), want: preg},
		accCase{name: "positive 40 days ago, negative tomorrow: pregnancy", c: view(onCourse(pos(ago(40)), neg(ago(-1)))), want: preg},
		accCase{name: "positive and negative the same day, on treatment: pregnancy", c: view(onCourse(pos(ago(40)), neg(ago(40)))), want: preg},
	)
	runAcc(t, cases)
}

// TestFailsafeTodayMACESummary: the "Discontinue upadacitinib" summary of
// an MI or stroke on treatment, at the course start (180 days ago) N-1, N,
// N+1, and with broken onset dates. Order hooks only: patient-view does not
// report mace-history (contract section 5's patient-view table; committee
// question in docs/rules.md section 5, failsafe5).
func TestFailsafeTodayMACESummary(t *testing.T) {
	mi := func(onset any) res {
		c := cond("mi", sct, "22298006", "active")
		if onset != nil {
			c["onsetDateTime"] = onset
		}
		return c
	}
	stop := "Discontinue upadacitinib: MI or stroke since the start"
	var cases []accCase
	for _, c := range []struct {
		name  string
		onset any
		stop  bool
	}{
		{"MI the day before the start (N-1): prior, no card on a renewal", ago(181), false},
		{"MI on the start day (N): discontinue", ago(180), true},
		{"MI the day after the start (N+1): discontinue", ago(179), true},
		{"MI today, time without zone", ago(0) + "T10:00:00", true},
		{"MI today, +14:00", ago(0) + "T01:00:00+14:00", true},
		{"MI dated 9999: still carded, its date shown", "9999-12-31", true},
		{"MI dated tomorrow: still carded, its date shown", ago(-1), true},
	} {
		k := accCase{name: "upadacitinib renewal, " + c.name, c: sign(stable("upadacitinib", 15).replace(mi(c.onset)), jakDraft("upadacitinib", 15))}
		if c.stop {
			k.want, k.summaryOf = w("mace-history", "warning"), map[string]string{"mace-history": stop}
		} else {
			k.absent = []string{"mace-history"}
		}
		cases = append(cases, k)
	}
	cases = append(cases,
		accCase{name: "abrocitinib renewal, MI the day after the start: discontinue (CIBINQO 5.4, committee2)", c: sign(stable("abrocitinib", 100).replace(mi(ago(179))), jakDraft("abrocitinib", 100)),
			want: w("mace-history", "warning"), summaryOf: map[string]string{"mace-history": "Discontinue abrocitinib: MI or stroke since the start"}},
		accCase{name: "upadacitinib start, MI 10 days ago: weigh, not discontinue", c: sign(cleanRecord().replace(mi(ago(10))), jakDraft("upadacitinib", 15)),
			want: w("mace-history", "warning"), summaryOf: map[string]string{"mace-history": "Weigh boxed-warning risks before starting upadacitinib"}},
		accCase{name: "upadacitinib renewal 30 mg at 67 with a new MI: discontinue leads, before the lower dose", c: sign(stable("upadacitinib", 30).born(bornAged(67)).replace(mi(ago(20))), jakDraft("upadacitinib", 30)),
			want: w("mace-history", "warning"), summaryOf: map[string]string{"mace-history": stop}},
	)
	runAcc(t, cases)
}

// TestBoundedToday2Paths: the timing bounds, per-mL strength and future
// pregnancy test paths stay within contract 6.6 on bodies of 8 MiB.
func TestBoundedToday2Paths(t *testing.T) {
	if testing.Short() {
		t.Skip("sends bodies of 8 MiB")
	}
	const limit = 8 << 20
	s := newTestServer(t, serverOpts{noStore: true})
	s.fhir = nil
	instr := func(n int, one string) string { return strings.TrimSuffix(strings.Repeat(one+",", n), ",") }
	countInstr := `{"timing":{"repeat":{"count":28,"frequency":2,"period":1,"periodUnit":"d"}}}`
	boundsInstr := `{"timing":{"repeat":{"boundsPeriod":{"end":"9999-12-31"},"boundsDuration":{"value":14,"unit":"d"},"count":1000000000}}}`
	clar := func(instrs string) string {
		return `{"resourceType":"MedicationRequest","id":"clar","status":"completed","intent":"order","subject":{"reference":"Patient/p1"},"authoredOn":"2026-12-01",` +
			`"medicationCodeableConcept":{"text":"clarithromycin 500 mg tablet"},"dosageInstruction":[` + instrs + `]}`
	}
	upaPast := func(instrs string) string {
		return `{"resourceType":"MedicationRequest","id":"upa-old","status":"completed","intent":"order","subject":{"reference":"Patient/p1"},"authoredOn":"2026-06-01",` +
			`"medicationCodeableConcept":{"text":"Rinvoq 15 mg"},"dosageInstruction":[` + instrs + `]}`
	}
	manyClar := func(i int) string {
		return fmt.Sprintf(`{"resourceType":"MedicationRequest","id":"c%d","status":"completed","intent":"order","subject":{"reference":"Patient/p1"},"authoredOn":"2026-11-%02d",`+
			`"medicationCodeableConcept":{"text":"clarithromycin %d mg"},"dosageInstruction":[{"timing":{"repeat":{"count":%d,"frequency":2,"period":1,"periodUnit":"d","boundsPeriod":{"end":"%04d-01-01"}}}}]}`, i, 1+i%28, i, 1+i, 1+i%9999)
	}
	futureHCG := func(i int) string {
		return fmt.Sprintf(`{"resourceType":"Observation","id":"h%d","status":"final","subject":{"reference":"Patient/p1"},"code":{"coding":[{"system":"http://loinc.org","code":"2106-3"}]},"effectiveDateTime":"%04d-01-01","valueString":"see note %d"}`, i, 2027+i%7000, i)
	}
	lq := `{"resourceType":"Medication","id":"lq","code":{"text":"upadacitinib oral solution"},"ingredient":[{"itemCodeableConcept":{"text":"upadacitinib"},"strength":{"numerator":{"value":1,"unit":"mg"},"denominator":{"value":1,"unit":"mL"}}}]}`
	lqOrder := func(n int) string {
		return `{"resourceType":"MedicationRequest","id":"upa","status":"draft","intent":"order","subject":{"reference":"Patient/p1"},"medicationReference":{"reference":"Medication/lq"},"dosageInstruction":[` +
			instr(n, `{"patientInstruction":"Take 16 mL by mouth","doseAndRate":[{"doseQuantity":{"value":16,"unit":"mL"}}],"timing":{"repeat":{"frequency":2,"period":1,"periodUnit":"d"}}}`) + `]}`
	}
	meds := func(body string) string { return `,"medications":{"resourceType":"Bundle","entry":[` + body + `]}` }
	cases := []boundedCase{
		{"a completed co-medication with 60,000 count instructions", attackBody(meds(`{"resource":`+clar(instr(60_000, countInstr))+`}`), ""), 200},
		{"a completed co-medication with 35,000 absurd bounds", attackBody(meds(`{"resource":`+clar(instr(35_000, boundsInstr))+`}`), ""), 200},
		{"a past upadacitinib order with 60,000 count instructions", attackBody(meds(`{"resource":`+upaPast(instr(60_000, countInstr))+`}`), ""), 200},
		{"20,000 completed co-medications with count and bounds", attackBody(meds(entries(20_000, manyClar)), ""), 200},
		{"28,000 unreadable pregnancy tests dated after today", attackBody(`,"observations":{"resourceType":"Bundle","entry":[`+entries(28_000, futureHCG)+`]}`, ""), 200},
		{"an oral solution order with 35,000 instructions in mL", attackBody("", `{"resource":`+lqOrder(35_000)+`},{"resource":`+lq+`}`), 200},
	}
	checkBounded(t, s, limit, cases)
}
