package hooks

import (
	"fmt"
	"testing"
)

// The pharmacist review of on-treatment monitoring (helper pvrev):
// patient-view and the continuation order, for a patient on upadacitinib
// or abrocitinib. Which result is "the latest on-treatment" one, every
// threshold at N-1, N and N+1 in each unit EHRs send, what counts as a
// CBC, a liver test or a lipid result done since the start, which start
// the course has (restart, switch, stop), and the wording on a
// continuation. Positive and negative rows: a false alarm on every chart
// opening gets the service switched off.

// mgOf is the usual dose of drug in these scenarios.
var mgOf = map[string]int{"upadacitinib": 15, "abrocitinib": 100}

// onTx is the clean record (labs 10 days before the start), with an
// active course of drug started days ago and every monitoring check done
// 5 days ago with normal values: nothing to report. Observations given
// replace those of the same id.
func onTx(drug string, days int, obs ...res) *record {
	r := coursed(drug, days)
	r.replace(qty("alc2", "731-0", 1.6, "10*3/uL", "", ago(5))).replace(qty("anc2", "751-8", 3.2, "10*3/uL", "", ago(5))).
		replace(qty("hgb2", "718-7", 12.9, "g/dL", "", ago(5))).replace(qty("plt2", "777-3", 240, "10*3/uL", "", ago(5))).
		replace(qty("alt2", "1742-6", 25, "U/L", "", ago(5))).replace(qty("ldl2", "13457-7", 110, "mg/dL", "", ago(5)))
	for _, o := range obs {
		r.replace(o)
	}
	return r
}

// valueString is an Observation whose value is text.
func valueString(id, loincCode, text, date string) res {
	return res{"resourceType": "Observation", "id": id, "status": "final", "code": coding(loinc, loincCode),
		"effectiveDateTime": date, "valueString": text}
}

// absent is an Observation with a dataAbsentReason and no value.
func absent(id, loincCode, date string) res {
	return res{"resourceType": "Observation", "id": id, "status": "final", "code": coding(loinc, loincCode),
		"effectiveDateTime": date, "dataAbsentReason": coding("http://terminology.hl7.org/CodeSystem/data-absent-reason", "error")}
}

// TestAcceptanceOnTreatmentThresholdUnits: each on-treatment threshold at
// N-1, N and N+1 in each unit a US or SI lab sends, on patient-view and
// on the continuation order. Below the limit: critical, "Interrupt" (or
// "Discontinue" for abrocitinib platelets), never "Do not start"; at or
// above: no card at all.
func TestAcceptanceOnTreatmentThresholdUnits(t *testing.T) {
	type row struct {
		code, id, loincCode, ucum string
		values                    [3]float64 // N-1, N, N+1
		onlyAbro                  bool
	}
	rows := []row{
		{"lymphopenia", "alc2", "731-0", "/uL", [3]float64{499, 500, 501}, false},
		{"lymphopenia", "alc2", "731-0", "10*3/uL", [3]float64{0.499, 0.5, 0.501}, false},
		{"lymphopenia", "alc2", "731-0", "10*9/L", [3]float64{0.49, 0.5, 0.51}, false},
		{"lymphopenia", "alc2", "26474-7", "cells/uL", [3]float64{499, 500, 501}, false},
		{"neutropenia", "anc2", "751-8", "/uL", [3]float64{999, 1000, 1001}, false},
		{"neutropenia", "anc2", "751-8", "10*3/uL", [3]float64{0.999, 1, 1.001}, false},
		{"neutropenia", "anc2", "753-4", "10*9/L", [3]float64{0.99, 1.0, 1.01}, false},
		{"anemia", "hgb2", "718-7", "g/dL", [3]float64{7.9, 8, 8.1}, false},
		{"anemia", "hgb2", "718-7", "g/L", [3]float64{79, 80, 81}, false},
		// 8 g/dL is 4.966 mmol/L at the contract's factor 1.611.
		{"anemia", "hgb2", "59260-0", "mmol/L", [3]float64{4.96, 4.97, 5.0}, false},
		{"thrombocytopenia", "plt2", "777-3", "/uL", [3]float64{49000, 50000, 51000}, true},
		{"thrombocytopenia", "plt2", "777-3", "10*3/uL", [3]float64{49, 50, 51}, true},
		{"thrombocytopenia", "plt2", "26515-7", "10*9/L", [3]float64{49, 50, 51}, true},
	}
	var cases []accCase
	for _, l := range rows {
		drugs := []string{"upadacitinib", "abrocitinib"}
		if l.onlyAbro {
			drugs = []string{"abrocitinib"}
		}
		for _, drug := range drugs {
			for i, v := range l.values {
				mk := func() *record { return onTx(drug, 60, qty(l.id, l.loincCode, v, l.ucum, "", ago(3))) }
				name := fmt.Sprintf("%s: %s %g %s (LOINC %s)", drug, l.code, v, l.ucum, l.loincCode)
				pv := accCase{name: "patient-view, " + name, c: view(mk())}
				renew := accCase{name: "renewal, " + name, c: sign(mk(), jakDraft(drug, mgOf[drug]))}
				if i == 0 {
					word := "Interrupt " + drug
					if l.code == "thrombocytopenia" {
						word = "Discontinue abrocitinib"
					}
					for _, c := range []*accCase{&pv, &renew} {
						c.want = w(l.code, "critical")
						c.summaryOf = map[string]string{l.code: word}
						c.notDetailOf = map[string]string{l.code: "Do not start"}
					}
				} else {
					pv.noCards = true
					renew.absent = []string{l.code, "cbc-missing", "monitoring-cbc-due"}
				}
				cases = append(cases, pv, renew)
			}
		}
	}
	// Upadacitinib has no platelet limit (RINVOQ): 20,000 is no card.
	cases = append(cases, accCase{name: "patient-view, upadacitinib: platelets 20 10*3/uL: no platelet rule",
		c: view(onTx("upadacitinib", 60, qty("plt2", "777-3", 20, "10*3/uL", "", ago(3)))), noCards: true})
	// Abrocitinib platelets between the two limits on treatment: no card
	// (150,000 is the start limit only).
	cases = append(cases, accCase{name: "patient-view, abrocitinib: platelets 90 10*3/uL: above the discontinue limit",
		c: view(onTx("abrocitinib", 60, qty("plt2", "777-3", 90, "10*3/uL", "", ago(3)))), noCards: true})
	runAcc(t, cases)
}

// TestAcceptanceLatestOnTreatmentValue: which result is the latest
// on-treatment one.
func TestAcceptanceLatestOnTreatmentValue(t *testing.T) {
	var cases []accCase
	for _, drug := range []string{"upadacitinib", "abrocitinib"} {
		on := func(obs ...res) *record { return onTx(drug, 60, obs...) }
		alc := func(id string, v float64, date string) res { return qty(id, "731-0", v, "10*3/uL", "", date) }
		cases = append(cases,
			accCase{name: drug + ": ALC 0.3 before the start only (baseline 70 days ago): not on treatment",
				c: view(on(alc("alc-old", 0.3, ago(70)))), noCards: true},
			accCase{name: drug + ": ALC 0.3 the day before the start: not on treatment",
				c: view(on(alc("alc-old", 0.3, ago(61)))), noCards: true},
			accCase{name: drug + ": ALC 0.3 on the start day, nothing since: on treatment (fail safe)",
				c: view(coursed(drug, 60).replace(alc("alc2", 0.3, ago(60)))), want: w("lymphopenia", "critical")},
			accCase{name: drug + ": ALC 0.3 on treatment, then 1.2 later: recovered, no card",
				c: view(on(alc("alc3", 0.3, ago(20)), alc("alc2", 1.2, ago(5)))), noCards: true},
			accCase{name: drug + ": ALC 1.2, then 0.3 later: interrupt",
				c: view(on(alc("alc3", 1.2, ago(20)), alc("alc2", 0.3, ago(5)))), want: w("lymphopenia", "critical")},
			accCase{name: drug + ": two ALC on one day, date-only, 0.3 and 1.2: the lower counts",
				c: view(on(alc("alc3", 1.2, ago(5)), alc("alc2", 0.3, ago(5)))), want: w("lymphopenia", "critical")},
			accCase{name: drug + ": ALC 0.3 at 08:00 then 1.2 at 16:00 the same day (repeat): recovered",
				c: view(on(alc("alc3", 0.3, ago(5)+"T08:00:00Z"), alc("alc2", 1.2, ago(5)+"T16:00:00Z"))), noCards: true},
			accCase{name: drug + ": ALC 1.2 at 08:00 then 0.3 at 16:00 the same day: interrupt",
				c: view(on(alc("alc3", 1.2, ago(5)+"T08:00:00Z"), alc("alc2", 0.3, ago(5)+"T16:00:00Z"))), want: w("lymphopenia", "critical")},
			accCase{name: drug + ": ALC 0.3 date-only (an outside lab) and 1.2 at 16:00 the same day: which came later is unknown, the lower counts",
				c: view(on(alc("alc3", 0.3, ago(5)), alc("alc2", 1.2, ago(5)+"T16:00:00Z"))), want: w("lymphopenia", "critical")},
			accCase{name: drug + ": ALC 0.3 date-only the day before, 1.2 timed today: recovered",
				c: view(on(alc("alc3", 0.3, ago(6)), alc("alc2", 1.2, ago(5)+"T09:00:00Z"))), noCards: true},
			accCase{name: drug + ": ALC 1.2 dated tomorrow (date-only, in the future) does not hide 0.3 today",
				c: view(on(alc("alc3", 1.2, testNow.AddDate(0, 0, 1).Format("2006-01-02")), alc("alc2", 0.3, ago(0)))), want: w("lymphopenia", "critical")},
			accCase{name: drug + ": ALC 0.3 dated next week (future): read as current, its date questioned (tz question 1)",
				c: view(on(alc("alc3", 0.3, testNow.AddDate(0, 0, 7).Format("2006-01-02")))), want: w("lymphopenia", "critical"),
				detailOf: map[string]string{"lymphopenia": "dated " + testNow.AddDate(0, 0, 7).Format("2006-01-02") + ", after today: check its date"}},
			accCase{name: drug + ": ALC 0.3 tomorrow's date at +14:00 that already happened: counts",
				c: view(on(alc("alc3", 0.3, testNow.AddDate(0, 0, 1).Format("2006-01-02")+"T01:00:00+14:00"))), want: w("lymphopenia", "critical")},
			accCase{name: drug + ": ALC 0.3 at 23:30 -05:00 the evening before the start day (04:30 UTC on the start day): before the start",
				c: view(on(alc("alc-old", 0.3, ago(61)+"T23:30:00-05:00"))), noCards: true},
			accCase{name: drug + ": ALC 0.3 at 00:30 +09:00 on the start day: on treatment",
				c: view(coursed(drug, 60).replace(alc("alc2", 0.3, ago(60)+"T00:30:00+09:00"))), want: w("lymphopenia", "critical")},
			accCase{name: drug + ": ALC 0.3 as valueString '0.3 10*3/uL': read and flagged",
				c: view(on(with(valueString("alc2", "731-0", "0.3 10*3/uL", ago(3))))), want: w("lymphopenia", "critical")},
			accCase{name: drug + ": ALC censored '<0.5 K/uL': below 500",
				c: view(on(valueString("alc2", "731-0", "<0.5 K/uL", ago(3)))), want: w("lymphopenia", "critical")},
			accCase{name: drug + ": ANC 0.8 then a haemolysed repeat (dataAbsentReason): 0.8 stands",
				c: view(on(qty("anc3", "751-8", 0.8, "10*3/uL", "", ago(6)), absent("anc2", "751-8", ago(3)))), want: w("neutropenia", "critical")},
			accCase{name: drug + ": ANC 0.8 preliminary: not a result (status), no card",
				c: view(on(with(qty("anc3", "751-8", 0.8, "10*3/uL", "", ago(2)), "status", "preliminary"))), noCards: true},
			accCase{name: drug + ": ANC 0.8 entered-in-error: no card",
				c: view(on(with(qty("anc3", "751-8", 0.8, "10*3/uL", "", ago(2)), "status", "entered-in-error"))), noCards: true},
			accCase{name: drug + ": ANC 0.8 cancelled: no card",
				c: view(on(with(qty("anc3", "751-8", 0.8, "10*3/uL", "", ago(2)), "status", "cancelled"))), noCards: true},
			accCase{name: drug + ": ANC 0.8 corrected: interrupt",
				c: view(on(with(qty("anc3", "751-8", 0.8, "10*3/uL", "", ago(2)), "status", "corrected"))), want: w("neutropenia", "critical")},
			accCase{name: drug + ": ANC 0.8 amended to 2.4 (the amended result is the latest): no card",
				c: view(on(qty("anc3", "751-8", 0.8, "10*3/uL", "", ago(4)), with(qty("anc2", "751-8", 2.4, "10*3/uL", "", ago(2)), "status", "amended"))), noCards: true},
			accCase{name: drug + ": ANC 0.8 final, and the same specimen sent again corrected to 2.4: the correction, no card",
				c: view(on(qty("anc3", "751-8", 0.8, "10*3/uL", "", ago(2)+"T09:30:00Z"), with(qty("anc2", "751-8", 2.4, "10*3/uL", "", ago(2)+"T09:30:00Z"), "status", "corrected"))), noCards: true},
			accCase{name: drug + ": ANC 2.4 final, the same specimen amended to 0.8: interrupt",
				c: view(on(qty("anc3", "751-8", 2.4, "10*3/uL", "", ago(2)+"T09:30:00Z"), with(qty("anc2", "751-8", 0.8, "10*3/uL", "", ago(2)+"T09:30:00Z"), "status", "amended"))), want: w("neutropenia", "critical")},
			accCase{name: drug + ": Hb 7.5 g/dL in a CBC panel's component: interrupt",
				c: view(on(res{"resourceType": "Observation", "id": "cbcp", "status": "final", "code": coding(loinc, "58410-2"), "effectiveDateTime": ago(2),
					"component": []any{res{"code": coding(loinc, "718-7"), "valueQuantity": res{"value": 7.5, "unit": "g/dL", "system": "http://unitsofmeasure.org", "code": "g/dL"}}}})),
				want: w("anemia", "critical")},
		)
	}
	cases = append(cases,
		accCase{name: "abrocitinib: platelets '<50 K/uL' as text: discontinue",
			c: view(onTx("abrocitinib", 60, valueString("plt2", "777-3", "<50 K/uL", ago(3)))), want: w("thrombocytopenia", "critical")},
		accCase{name: "abrocitinib: platelets 40 before the start, 180 since: no card",
			c: view(onTx("abrocitinib", 60, qty("plt-old", "777-3", 40, "10*3/uL", "", ago(65)))), noCards: true},
	)
	runAcc(t, cases)
}

// TestAcceptanceMonitoringDoneOrNot: what counts as the CBC, liver test
// or lipid result done since the start, on patient-view and on a
// continuation order: a measurement, not a result that says it was not
// measured.
func TestAcceptanceMonitoringDoneOrNot(t *testing.T) {
	// An abrocitinib course of 40 days with labs 10 days before the start
	// and nothing since: all three checks due. base(extra) adds results.
	base := func(drug string, extra ...res) *record {
		r := coursed(drug, 40)
		if drug == "upadacitinib" {
			r = coursed(drug, 100)
		}
		for _, x := range extra {
			r.observations = append(r.observations, x)
		}
		return r
	}
	after := ago(10)
	var cases []accCase
	for _, drug := range []string{"upadacitinib", "abrocitinib"} {
		cases = append(cases,
			accCase{name: drug + ": ALT 'Test not performed' since the start: liver still due",
				c: view(base(drug, valueString("alt3", "1742-6", "Test not performed", after))), want: w("monitoring-liver-due", "warning")},
			accCase{name: drug + ": AST with a dataAbsentReason since the start: liver still due",
				c: view(base(drug, absent("ast3", "1920-8", after))), want: w("monitoring-liver-due", "warning")},
			accCase{name: drug + ": AST 30 U/L since the start: liver done",
				c: view(base(drug, qty("ast3", "1920-8", 30, "U/L", "", after))), absent: []string{"monitoring-liver-due"}},
			accCase{name: drug + ": LDL 'TNP' since the start: lipids still due",
				c: view(base(drug, valueString("ldl3", "13457-7", "TNP", after))), want: w("monitoring-lipids-due", "warning")},
			accCase{name: drug + ": lipid panel 'Cancelled - specimen lipemic' since the start: lipids still due",
				c: view(base(drug, valueString("lip3", "24331-1", "Cancelled - specimen lipemic", after))), want: w("monitoring-lipids-due", "warning")},
			accCase{name: drug + ": LDL 120 mg/dL since the start: lipids done",
				c: view(base(drug, qty("ldl3", "13457-7", 120, "mg/dL", "", after))), absent: []string{"monitoring-lipids-due"}},
			accCase{name: drug + ": total cholesterol only since the start: lipids done (a lipid result)",
				c: view(base(drug, qty("tc3", "2093-3", 190, "mg/dL", "", after))), absent: []string{"monitoring-lipids-due"}},
			accCase{name: drug + ": HDL only since the start: lipids done (contract: any lipid result; committee question)",
				c: view(base(drug, qty("hdl3", "2085-9", 50, "mg/dL", "", after))), absent: []string{"monitoring-lipids-due"}},
			accCase{name: drug + ": lipid panel with its LDL as a component in mmol/L since the start: lipids done",
				c: view(base(drug, res{"resourceType": "Observation", "id": "lip3", "status": "final", "code": coding(loinc, "57698-3"), "effectiveDateTime": after,
					"component": []any{res{"code": coding(loinc, "18262-6"), "valueQuantity": res{"value": 2.9, "unit": "mmol/L", "system": "http://unitsofmeasure.org", "code": "mmol/L"}}}})),
				absent: []string{"monitoring-lipids-due"}},
			accCase{name: drug + ": hemoglobin 'Specimen clotted' since the start: CBC still due",
				c: view(base(drug, valueString("hgb3", "718-7", "Specimen clotted", after))), want: w("monitoring-cbc-due", "warning")},
			accCase{name: drug + ": CBC panel with its counts as components since the start: CBC done",
				c: view(base(drug, res{"resourceType": "Observation", "id": "cbcp", "status": "final", "code": coding(loinc, "57021-8"), "effectiveDateTime": after,
					"component": []any{res{"code": coding(loinc, "731-0"), "valueQuantity": res{"value": 1.5, "unit": "10*3/uL", "system": "http://unitsofmeasure.org", "code": "10*3/uL"}}}})),
				absent: []string{"monitoring-cbc-due"}},
			accCase{name: drug + ": ALT entered-in-error since the start: liver still due",
				c: view(base(drug, with(qty("alt3", "1742-6", 20, "U/L", "", after), "status", "entered-in-error"))), want: w("monitoring-liver-due", "warning")},
			accCase{name: drug + ": ALT corrected since the start: liver done",
				c: view(base(drug, with(qty("alt3", "1742-6", 20, "U/L", "", after), "status", "corrected"))), absent: []string{"monitoring-liver-due"}},
			accCase{name: drug + ": renewal, ALT 'Test not performed' since the start: liver still due on the order",
				c: sign(base(drug, valueString("alt3", "1742-6", "Test not performed", after)), jakDraft(drug, mgOf[drug])), want: w("monitoring-liver-due", "warning")},
		)
	}
	// A count measured since the start, then a newest one in words: the
	// check cannot be judged, and the card says what the lab wrote.
	for _, drug := range []string{"upadacitinib", "abrocitinib"} {
		cases = append(cases, accCase{name: drug + ": ALC measured 5 days ago, newest ALC 'See comment': the count could not be read",
			c: view(onTx(drug, 60, valueString("alc3", "731-0", "See comment", ago(2)))), want: w("monitoring-cbc-due", "warning"),
			detailOf: map[string]string{"monitoring-cbc-due": `(reported as "See comment"): no number`}})
	}
	// A continuation signed together with the test that is due: the
	// finding stays (the order may not be signed), and says so.
	for _, drug := range []string{"upadacitinib", "abrocitinib"} {
		cases = append(cases,
			accCase{name: drug + ": renewal signed with a CBC and a lipid panel: the checks are said to be ordered",
				c:           sign(base(drug), jakDraft(drug, mgOf[drug]), serviceDraft("cbc", "draft", loinc, "58410-2", "CBC"), serviceDraft("lip", "draft", loinc, "24331-1", "Lipid panel")),
				want:        w("monitoring-cbc-due", "warning", "monitoring-lipids-due", "warning", "monitoring-liver-due", "warning"),
				detailOf:    map[string]string{"monitoring-cbc-due": "CBC is being ordered in this session", "monitoring-lipids-due": "Lipid panel is being ordered in this session"},
				notDetailOf: map[string]string{"monitoring-liver-due": "ALT/AST is being ordered"}},
		)
	}
	// Abrocitinib platelets only: a CBC count, so the CBC was done.
	cases = append(cases, accCase{name: "abrocitinib: platelets 'Clumped - unable to count' since the start: CBC still due",
		c: view(base("abrocitinib", valueString("plt3", "777-3", "Clumped - unable to count", after))), want: w("monitoring-cbc-due", "warning")})
	runAcc(t, cases)
}

// TestAcceptanceMonitoringWindows: day 27/28/29 (abrocitinib) and week
// 11/12/13 (upadacitinib lipids), the result dated at the start, the
// course start forms for upadacitinib.
func TestAcceptanceMonitoringWindows(t *testing.T) {
	var cases []accCase
	for _, d := range []int{77, 83, 84, 85, 91} {
		c := accCase{name: fmt.Sprintf("upadacitinib %d days, lipids only before the start", d), c: view(coursed("upadacitinib", d))}
		if d >= 84 {
			c.want = w("monitoring-lipids-due", "warning")
		} else {
			c.noCards = true
		}
		cases = append(cases, c)
	}
	// Upadacitinib's routine CBC and ALT/AST (jakguard's 12 weeks): due
	// when the last one is older than 84 days (84 days old is inside).
	for _, d := range []int{83, 84, 85} {
		r := coursed("upadacitinib", 200).replace(qty("alc2", "731-0", 1.6, "10*3/uL", "", ago(d))).
			replace(qty("alt2", "1742-6", 25, "U/L", "", ago(d))).replace(qty("ldl2", "13457-7", 110, "mg/dL", "", ago(100)))
		c := accCase{name: fmt.Sprintf("upadacitinib 200 days, last CBC and ALT %d days ago", d), c: view(r)}
		if d > 84 {
			c.want = w("monitoring-cbc-due", "warning", "monitoring-liver-due", "warning")
			c.absent = []string{"monitoring-lipids-due"}
		} else {
			c.noCards = true
		}
		cases = append(cases, c)
	}
	// Upadacitinib from a statement's effectivePeriod.start.
	for _, d := range []int{83, 84} {
		r := cleanRecord().labsOn(ago(d + 10))
		m := courseMed("u1", "MedicationStatement", "active", "upadacitinib", 15, d)
		delete(m, "effectiveDateTime")
		m["effectivePeriod"] = res{"start": ago(d)}
		r.medications = append(r.medications, m)
		c := accCase{name: fmt.Sprintf("upadacitinib statement effectivePeriod.start %d days ago", d), c: view(r)}
		if d >= 84 {
			c.want = w("monitoring-lipids-due", "warning")
		} else {
			c.noCards = true
		}
		cases = append(cases, c)
	}
	// Upadacitinib lipids: a lipid result on the start day is the
	// baseline; the day after counts.
	cases = append(cases,
		accCase{name: "upadacitinib 90 days, LDL on the start day only: due", c: view(coursed("upadacitinib", 90).replace(qty("ldl2", "13457-7", 110, "mg/dL", "", ago(90)))),
			want: w("monitoring-lipids-due", "warning")},
		accCase{name: "upadacitinib 90 days, LDL the day after the start: done", c: view(coursed("upadacitinib", 90).replace(qty("ldl2", "13457-7", 110, "mg/dL", "", ago(89)))),
			absent: []string{"monitoring-lipids-due"}},
	)
	runAcc(t, cases)
}

// heldInfection and heldTB are the summaries of a serious infection and of
// active TB on a course on hold: RINVOQ 5.1 interrupt (keep on hold),
// CIBINQO 5.1 discontinue.
var (
	heldInfection = map[string]string{"upadacitinib": "Keep upadacitinib on hold until the serious infection is controlled",
		"abrocitinib": "Discontinue abrocitinib: serious infection"}
	heldTB = map[string]string{"upadacitinib": "Keep upadacitinib on hold: active tuberculosis", "abrocitinib": "Discontinue abrocitinib: active tuberculosis"}
)

// held is onTx(drug, 60, extra...) whose course member is on hold (an
// order or an outside statement).
func held(drug, resourceType string, extra ...res) *record {
	r := onTx(drug, 60)
	r.drop(drug + "-1")
	r.medications = append(r.medications, courseMed(drug+"-1", resourceType, "on-hold", drug, mgOf[drug], 60))
	for _, x := range extra {
		r.replace(x)
	}
	return r
}

// TestAcceptanceMonitoringCourseShapes: restarts, stops, holds and switches.
func TestAcceptanceMonitoringCourseShapes(t *testing.T) {
	var cases []accCase
	for _, drug := range []string{"upadacitinib", "abrocitinib"} {
		mg := mgOf[drug]
		// A course 400-200 days ago that ended, restarted 30 days ago
		// (gap 170 days): monitoring and on-treatment values count from
		// the restart.
		restarted := func(obs ...res) *record {
			r := cleanRecord().labsOn(ago(40))
			old := courseMed(drug+"-0", "MedicationRequest", "stopped", drug, mg, 400)
			old["dispenseRequest"] = res{"validityPeriod": res{"start": ago(400), "end": ago(200)}}
			r.medications = append(r.medications, old, courseMed(drug+"-1", "MedicationRequest", "active", drug, mg, 30))
			for _, o := range obs {
				r.replace(o)
			}
			return r
		}
		cases = append(cases,
			accCase{name: drug + ": restarted 30 days ago after 170 days off: ALC 0.3 during the old course is not on treatment",
				c: view(restarted(qty("alc-old", "731-0", 0.3, "10*3/uL", "", ago(250)))), absent: []string{"lymphopenia"}},
			accCase{name: drug + ": restarted 30 days ago: ALC 0.3 since the restart: interrupt",
				c: view(restarted(qty("alc-new", "731-0", 0.3, "10*3/uL", "", ago(10)))), want: w("lymphopenia", "critical")},
			accCase{name: drug + ": restarted, a renewal: ALC 0.3 since the restart: interrupt",
				c: sign(restarted(qty("alc-new", "731-0", 0.3, "10*3/uL", "", ago(10))), jakDraft(drug, mg)), want: w("lymphopenia", "critical"),
				summaryOf: map[string]string{"lymphopenia": "Interrupt"}, notDetailOf: map[string]string{"lymphopenia": "Do not start"}},
			// Ended courses: patient-view is silent about monitoring and
			// counts, however low.
			accCase{name: drug + ": course stopped 10 days ago, ALC 0.3 and no monitoring: patient-view silent",
				c: view(func() *record {
					r := cleanRecord().labsOn(ago(300)).replace(qty("alc2", "731-0", 0.3, "10*3/uL", "", ago(12)))
					m := courseMed(drug+"-1", "MedicationRequest", "stopped", drug, mg, 200)
					m["dispenseRequest"] = res{"validityPeriod": res{"start": ago(200), "end": ago(10)}}
					r.medications = append(r.medications, m)
					return r
				}()), noCards: true},
			accCase{name: drug + ": course completed, no end date, 150 days ago: patient-view silent",
				c: view(func() *record {
					r := cleanRecord().labsOn(ago(300))
					r.medications = append(r.medications, courseMed(drug+"-1", "MedicationRequest", "completed", drug, mg, 150))
					return r
				}()), noCards: true},
			// Interrupted: the order is on hold. Still on the course (the
			// count stands, critical), but the card no longer tells the
			// prescriber to do what was done.
			accCase{name: drug + ": order on hold (interrupted for low ALC), ALC 0.3: keep it on hold",
				c: view(held(drug, "MedicationRequest", qty("alc2", "731-0", 0.3, "10*3/uL", "", ago(5)))), want: w("lymphopenia", "critical"),
				summaryOf:   map[string]string{"lymphopenia": "Keep " + drug + " on hold: lymphocytes below 500"},
				detailOf:    map[string]string{"lymphopenia": "is on hold); restart when the ALC is back above 500"},
				notDetailOf: map[string]string{"lymphopenia": "Interrupt"}},
			accCase{name: drug + ": outside statement on hold, hemoglobin 7.2: keep it on hold",
				c: view(held(drug, "MedicationStatement", qty("hgb2", "718-7", 7.2, "g/dL", "", ago(5)))), want: w("anemia", "critical"),
				summaryOf: map[string]string{"anemia": "Keep " + drug + " on hold: hemoglobin below 8"}},
			accCase{name: drug + ": order on hold, sepsis: keep it on hold until controlled",
				c: view(held(drug, "MedicationRequest", condition("sepsis", sct, "91302008", "active"))), want: w("serious-infection-active", "critical"),
				summaryOf: map[string]string{"serious-infection-active": heldInfection[drug]}},
			accCase{name: drug + ": order on hold, active TB: keep it on hold",
				c: view(held(drug, "MedicationRequest", cond("tb", icd, "A15.0", "active"))), want: w("tb-active", "critical"),
				summaryOf: map[string]string{"tb-active": heldTB[drug]}},
			accCase{name: drug + ": one order on hold, a newer one active, ALC 0.3: interrupt",
				c: view(func() *record {
					r := held(drug, "MedicationRequest", qty("alc2", "731-0", 0.3, "10*3/uL", "", ago(5)))
					r.medications = append(r.medications, courseMed(drug+"-2", "MedicationRequest", "active", drug, mg, 3))
					return r
				}()), want: w("lymphopenia", "critical"), summaryOf: map[string]string{"lymphopenia": "Interrupt " + drug}},
			accCase{name: drug + ": order on hold, renewal ordered (resuming), ALC 0.3: interrupt, not 'keep on hold'",
				c:    sign(held(drug, "MedicationRequest", qty("alc2", "731-0", 0.3, "10*3/uL", "", ago(5))), jakDraft(drug, mg)),
				want: w("lymphopenia", "critical"), summaryOf: map[string]string{"lymphopenia": "Interrupt " + drug}},
			accCase{name: drug + ": order on hold, ALC recovered to 0.9: no card",
				c: view(held(drug, "MedicationRequest", qty("alc2", "731-0", 0.9, "10*3/uL", "", ago(5)))), noCards: true},
		)
	}
	// A course stopped 20 days ago: patient-view is silent, but the course
	// is recent for an interacting order (contract 6.1).
	for _, drug := range []string{"upadacitinib", "abrocitinib"} {
		stopped := func() *record {
			r := cleanRecord()
			m := courseMed(drug+"-1", "MedicationRequest", "stopped", drug, mgOf[drug], 200)
			m["dispenseRequest"] = res{"validityPeriod": res{"start": ago(200), "end": ago(20)}}
			r.medications = append(r.medications, m)
			return r
		}
		cases = append(cases,
			accCase{name: drug + " stopped 20 days ago, tofacitinib on the chart: patient-view silent",
				c: view(stopped().replace(med("tofa", "active", rxnorm, "1357536", "tofacitinib", 5))), noCards: true},
			accCase{name: drug + " stopped 20 days ago, tofacitinib ordered: combination-jak (a recent course)",
				c: sign(stopped(), drugDraft("tofa", rxnorm, "1357536", "tofacitinib")), want: w("combination-jak", "critical")})
	}
	// Gap of exactly 90 days (the course goes on): the start is the first
	// order; results from the first part count as follow-up.
	r := cleanRecord().labsOn(ago(220))
	old := courseMed("abro-0", "MedicationRequest", "stopped", "abrocitinib", 100, 200)
	old["dispenseRequest"] = res{"validityPeriod": res{"start": ago(200), "end": ago(120)}}
	r.medications = append(r.medications, old, courseMed("abro-1", "MedicationRequest", "active", "abrocitinib", 100, 30))
	r.replace(qty("alc-mid", "731-0", 1.5, "10*3/uL", "", ago(150))).replace(qty("ldl-mid", "13457-7", 100, "mg/dL", "", ago(150))).
		replace(qty("alt-mid", "1742-6", 20, "U/L", "", ago(150)))
	cases = append(cases, accCase{name: "abrocitinib: restarted after exactly 90 days off: one course, the 4-week checks done in its first part",
		c: view(r), noCards: true})
	// Switch: upadacitinib 300 days, abrocitinib since 35 days: the
	// abrocitinib checks count from its start, not from upadacitinib's.
	sw := func(obs ...res) *record {
		r := cleanRecord().labsOn(ago(45))
		m := courseMed("upa-1", "MedicationRequest", "stopped", "upadacitinib", 15, 300)
		m["dispenseRequest"] = res{"validityPeriod": res{"start": ago(300), "end": ago(35)}}
		r.medications = append(r.medications, m, courseMed("abro-1", "MedicationRequest", "active", "abrocitinib", 100, 35))
		for _, o := range obs {
			r.replace(o)
		}
		return r
	}
	cases = append(cases,
		accCase{name: "switch: abrocitinib 35 days after upadacitinib, labs before the switch: abrocitinib checks due",
			c: view(sw()), want: w("monitoring-cbc-due", "warning", "monitoring-liver-due", "warning", "monitoring-lipids-due", "warning")},
		accCase{name: "switch: platelets 40 on abrocitinib: discontinue",
			c: view(sw(qty("plt", "777-3", 40, "10*3/uL", "", ago(5)))), want: w("thrombocytopenia", "critical")},
		accCase{name: "switch: upadacitinib still active beside abrocitinib: one combination-jak card",
			c: view(func() *record {
				r := sw()
				r.drop("upa-1")
				r.medications = append(r.medications, courseMed("upa-1", "MedicationRequest", "active", "upadacitinib", 15, 300))
				return r
			}()), want: w("combination-jak", "critical")},
	)
	runAcc(t, cases)
}

// TestAcceptancePlannedCourse: an outside statement that the patient
// intends to take the drug (status intended) plans it: nothing has started,
// so nothing is due since a start and nothing is to be interrupted; the
// dangers read as before a start ("Do not start", platelets 150,000), as
// the first order will.
func TestAcceptancePlannedCourse(t *testing.T) {
	var cases []accCase
	for _, drug := range []string{"upadacitinib", "abrocitinib"} {
		planned := func(extra ...res) *record {
			r := cleanRecord().labsOn(ago(150))
			r.medications = append(r.medications, courseMed(drug+"-1", "MedicationStatement", "intended", drug, mgOf[drug], 100))
			for _, x := range extra {
				r.replace(x)
			}
			return r
		}
		cases = append(cases,
			accCase{name: drug + ": intended 100 days ago, no labs since: no monitoring due (nothing started)", c: view(planned()), noCards: true},
			accCase{name: drug + ": intended, ALC 0.3 last week: do not start",
				c: view(planned(qty("alc", "731-0", 0.3, "10*3/uL", "", ago(7)))), want: w("lymphopenia", "critical"),
				summaryOf: map[string]string{"lymphopenia": "Do not start " + drug}, notDetailOf: map[string]string{"lymphopenia": "Interrupt"}},
			accCase{name: drug + ": intended, sepsis: do not start",
				c: view(planned(condition("sepsis", sct, "91302008", "active"))), want: w("serious-infection-active", "critical"),
				summaryOf: map[string]string{"serious-infection-active": "Do not start " + drug}},
			accCase{name: drug + ": intended, MMR 10 days ago: consider delaying the start",
				c: view(planned(immunization("mmr", "03", ago(10)))), want: w("live-vaccine-recent", "warning"),
				summaryOf: map[string]string{"live-vaccine-recent": "Consider delaying " + drug}},
			accCase{name: drug + ": intended, tofacitinib on the chart: combination (the drug may be about to start)",
				c: view(planned(med("tofa", "active", rxnorm, "1357536", "tofacitinib", 20))), want: w("combination-jak", "critical")},
			accCase{name: drug + ": intended 100 days ago, then an active order 90 days ago: a course being taken, monitoring from the order",
				c: view(func() *record {
					r := planned()
					r.medications = append(r.medications, courseMed(drug+"-2", "MedicationRequest", "active", drug, mgOf[drug], 90))
					return r
				}()), want: w("monitoring-lipids-due", "warning")},
		)
	}
	// The first 3 months of abrocitinib are still ahead of a planned
	// course, however old the plan.
	for _, days := range []int{20, 100, 300} {
		r := cleanRecord().labsOn(ago(days + 10))
		r.medications = append(r.medications, courseMed("abro-1", "MedicationStatement", "intended", "abrocitinib", 100, days),
			med("clop", "active", rxnorm, "32968", "clopidogrel", 5))
		cases = append(cases, accCase{name: fmt.Sprintf("abrocitinib intended %d days ago, clopidogrel on the chart: contraindicated in the first 3 months, still ahead", days),
			c: view(r), want: w("antiplatelet-abrocitinib", "critical")})
		o := cleanRecord()
		o.medications = append(o.medications, courseMed("abro-1", "MedicationStatement", "intended", "abrocitinib", 100, days))
		cases = append(cases, accCase{name: fmt.Sprintf("abrocitinib intended %d days ago, clopidogrel ordered: the first 3 months are ahead", days),
			c: sign(o, drugDraft("clop", rxnorm, "32968", "clopidogrel")), want: w("antiplatelet-abrocitinib", "critical"),
			detailOf: map[string]string{"antiplatelet-abrocitinib": "not yet started"}})
	}
	cases = append(cases, accCase{name: "abrocitinib intended, platelets 120,000: the start limit (150,000)",
		c: view(func() *record {
			r := cleanRecord().labsOn(ago(150)).replace(qty("plt", "777-3", 120, "10*3/uL", "", ago(7)))
			r.medications = append(r.medications, courseMed("abro-1", "MedicationStatement", "intended", "abrocitinib", 100, 100))
			return r
		}()), want: w("thrombocytopenia", "critical"), summaryOf: map[string]string{"thrombocytopenia": "Do not start abrocitinib: platelets below 150,000"}})
	runAcc(t, cases)
}

// TestAcceptanceOnTreatmentWording: a continuation says what to do on
// treatment ("Interrupt", "Avoid"), never "Do not start" or "before
// starting".
func TestAcceptanceOnTreatmentWording(t *testing.T) {
	var cases []accCase
	for _, drug := range []string{"upadacitinib", "abrocitinib"} {
		mg := mgOf[drug]
		sepsis := condition("sepsis", sct, "91302008", "active")
		preg := condition("preg", sct, "77386006", "active")
		cases = append(cases,
			accCase{name: drug + ": renewal with sepsis: interrupt", c: sign(onTx(drug, 60).replace(sepsis), jakDraft(drug, mg)),
				want: w("serious-infection-active", "critical"), summaryOf: map[string]string{"serious-infection-active": infectionVerb[drug]},
				notDetailOf: map[string]string{"serious-infection-active": "Do not start"}},
			accCase{name: drug + ": patient-view with sepsis: interrupt", c: view(onTx(drug, 60).replace(sepsis)),
				want: w("serious-infection-active", "critical"), summaryOf: map[string]string{"serious-infection-active": infectionVerb[drug]},
				notDetailOf: map[string]string{"serious-infection-active": "Do not start"}},
			accCase{name: drug + ": renewal, pregnant: no 'starting' wording", c: sign(onTx(drug, 60).replace(preg), jakDraft(drug, mg)),
				want: w("pregnancy", "critical"), notDetailOf: map[string]string{"pregnancy": "Avoid starting"}},
			accCase{name: drug + ": patient-view, pregnant: no 'starting' wording", c: view(onTx(drug, 60).replace(preg)),
				want: w("pregnancy", "critical"), notDetailOf: map[string]string{"pregnancy": "Avoid starting"}},
			accCase{name: drug + ": patient-view, hemoglobin 7.5: interrupt, restart when above", c: view(onTx(drug, 60, qty("hgb2", "718-7", 7.5, "g/dL", "", ago(3)))),
				want: w("anemia", "critical"), detailOf: map[string]string{"anemia": "restart when hemoglobin is back above 8 g/dL"}},
		)
	}
	runAcc(t, cases)
}
