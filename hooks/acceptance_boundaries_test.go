package hooks

import (
	"fmt"
	"testing"
)

// Window boundaries (contract 6.5: a window of N days includes results
// dated exactly N days before today): every windowed rule at N-1, N and
// N+1 days.

// labsOn re-dates every observation of the record to date.
func (r *record) labsOn(date string) *record {
	for _, o := range r.observations {
		o["effectiveDateTime"] = date
	}
	return r
}

// labsAt moves the baseline CBC, ALT and LDL of r (not its screening
// tests) to days ago.
func labsAt(r *record, days int) *record {
	for _, o := range r.observations {
		switch o["id"] {
		case "alc", "anc", "hgb", "plt", "alt", "ldl":
			o["effectiveDateTime"] = ago(days)
		}
	}
	return r
}

// boundary builds the three cases N-1, N, N+1 of a window: inside says
// what is expected while the result is inside the window, outside past it.
func boundary(name string, n int, c func(days int) call, inside, outside accCase) []accCase {
	var out []accCase
	for _, d := range []int{n - 1, n, n + 1} {
		tc := inside
		if d > n {
			tc = outside
		}
		tc.name = fmt.Sprintf("%s dated %d days ago (window %d)", name, d, n)
		tc.c = c(d)
		out = append(out, tc)
	}
	return out
}

func TestAcceptanceWindowBoundaries(t *testing.T) {
	upa := func(r *record) call { return sign(r, jakDraft("upadacitinib", 15)) }
	abro := func(r *record) call { return sign(r, jakDraft("abrocitinib", 100)) }
	var cases []accCase
	add := func(cs ...accCase) { cases = append(cases, cs...) }

	// CBC 90 days: each count, and a low count inside the window.
	for _, n := range []struct{ id, loinc string }{{"alc", "731-0"}, {"anc", "751-8"}, {"hgb", "718-7"}, {"plt", "777-3"}} {
		add(boundary("normal "+n.id, 90, func(d int) call {
			r := cleanRecord()
			for _, o := range r.observations {
				if o["id"] == n.id {
					o["effectiveDateTime"] = ago(d)
				}
			}
			return abro(r)
		}, accCase{noCards: true}, accCase{want: w("cbc-missing", "warning")})...)
	}
	add(boundary("ALC 0.3 K/uL", 90, func(d int) call { return upa(cleanRecord().replace(qty("alc", "731-0", 0.3, "K/uL", "", ago(d)))) },
		accCase{want: w("lymphopenia", "critical")}, accCase{want: w("cbc-missing", "warning"), absent: []string{"lymphopenia"}})...)
	add(boundary("platelets 100 K/uL at an abrocitinib start", 90, func(d int) call {
		return abro(cleanRecord().replace(qty("plt", "777-3", 100, "K/uL", "", ago(d))))
	}, accCase{want: w("thrombocytopenia", "critical")}, accCase{want: w("cbc-missing", "warning"), absent: []string{"thrombocytopenia"}})...)

	// ALT/AST 90 days.
	add(boundary("ALT", 90, func(d int) call { return upa(cleanRecord().replace(qty("alt", "1742-6", 21, "U/L", "", ago(d)))) },
		accCase{noCards: true}, accCase{want: w("liver-enzymes-missing", "warning")})...)
	add(accCase{name: "abrocitinib start without ALT/AST: the card does not cite the CIBINQO label for it", c: abro(cleanRecord().drop("alt")),
		want: w("liver-enzymes-missing", "warning"), detailOf: map[string]string{"liver-enzymes-missing": "no liver-enzyme test in the label: ALT/AST is jakguard policy"}})
	add(boundary("AST only", 90, func(d int) call {
		return upa(cleanRecord().drop("alt").replace(qty("ast", "1920-8", 25, "U/L", "", ago(d))))
	}, accCase{noCards: true}, accCase{want: w("liver-enzymes-missing", "warning")})...)

	// Lipids, TB, HBV, HCV: 12 months (365 days).
	add(boundary("LDL", 365, func(d int) call { return upa(cleanRecord().replace(qty("ldl", "13457-7", 104, "mg/dL", "", ago(d)))) },
		accCase{noCards: true}, accCase{want: w("lipids-missing", "warning")})...)
	add(boundary("negative IGRA", 365, func(d int) call { return upa(cleanRecord().replace(obsCode("igra", "71773-6", negative, ago(d)))) },
		accCase{noCards: true}, accCase{want: w("tb-screening-missing", "warning")})...)
	add(boundary("negative HBsAg", 365, func(d int) call { return upa(cleanRecord().replace(obsCode("hbsag", "5196-1", negative, ago(d)))) },
		accCase{noCards: true}, accCase{want: w("hbv-screening-missing", "warning")})...)
	add(boundary("negative HCV antibody", 365, func(d int) call { return abro(cleanRecord().replace(obsCode("hcv", "13955-0", negative, ago(d)))) },
		accCase{noCards: true}, accCase{want: w("hcv-screening-missing", "warning")})...)
	add(boundary("HCV RNA not detected (no antibody)", 365, func(d int) call {
		return abro(cleanRecord().drop("hcv").replace(obsCode("hcvrna", "11259-9", "260415000", ago(d))))
	}, accCase{noCards: true}, accCase{want: w("hcv-screening-missing", "warning")})...)

	// Pregnancy test 30 days: a negative one, and a positive one.
	add(boundary("negative hCG", 30, func(d int) call { return upa(cleanRecord().replace(obsCode("hcg", "2106-3", negative, ago(d)))) },
		accCase{noCards: true}, accCase{want: w("pregnancy-test-missing", "warning")})...)
	add(boundary("positive hCG", 30, func(d int) call { return abro(cleanRecord().replace(obsCode("hcg", "2106-3", positive, ago(d)))) },
		accCase{want: w("pregnancy", "critical"), absent: []string{"pregnancy-test-missing"}},
		accCase{want: w("pregnancy-test-missing", "warning"), absent: []string{"pregnancy"}})...)

	// Live vaccine 28 days.
	add(boundary("Zostavax (live, CVX 121)", 28, func(d int) call { return upa(cleanRecord().replace(immunization("zvl", "121", ago(d)))) },
		accCase{want: w("live-vaccine-recent", "warning")}, accCase{noCards: true})...)
	add(boundary("MMR", 28, func(d int) call { return abro(cleanRecord().replace(immunization("mmr", "03", ago(d)))) },
		accCase{want: w("live-vaccine-recent", "warning")}, accCase{noCards: true})...)

	// eGFR 12 months.
	add(boundary("eGFR 45 on abrocitinib", 365, func(d int) call {
		return abro(cleanRecord().replace(qty("egfr", "98979-8", 45, "mL/min/{1.73_m2}", "", ago(d))))
	}, accCase{want: w("renal-impairment", "warning"), dose: 50},
		// Outside the window an eGFR sets no dose, but an old low one is said.
		accCase{want: w("renal-impairment", "warning"), summaryOf: map[string]string{"renal-impairment": "Check renal function"}, noDose: true})...)
	add(boundary("eGFR 20 on upadacitinib", 365, func(d int) call {
		return upa(cleanRecord().replace(qty("egfr", "98979-8", 20, "mL/min/{1.73_m2}", "", ago(d))))
	}, accCase{want: w("renal-impairment", "warning")},
		accCase{want: w("renal-impairment", "warning"), summaryOf: map[string]string{"renal-impairment": "Check renal function"}, noDose: true})...)

	runAcc(t, cases)
}

// coursed is the clean record with labs dated before the course start
// (startDays ago) and one active order of drug authored startDays ago.
func coursed(drug string, startDays int) *record {
	r := cleanRecord().labsOn(ago(startDays + 10))
	r.medications = append(r.medications, courseMed(drug+"-1", "MedicationRequest", "active", drug, map[string]int{"upadacitinib": 15, "abrocitinib": 100}[drug], startDays))
	return r
}

func TestAcceptanceMonitoringIntervals(t *testing.T) {
	var cases []accCase
	add := func(cs ...accCase) { cases = append(cases, cs...) }
	// Abrocitinib: CBC, ALT/AST and lipids 4 weeks (28 days) after the start.
	due := w("monitoring-cbc-due", "warning", "monitoring-liver-due", "warning", "monitoring-lipids-due", "warning")
	add(accCase{name: "abrocitinib 27 days, no labs since: not yet due", c: view(coursed("abrocitinib", 27)), noCards: true},
		accCase{name: "abrocitinib 28 days, no labs since: due", c: view(coursed("abrocitinib", 28)), want: due},
		accCase{name: "abrocitinib 29 days, no labs since: due", c: view(coursed("abrocitinib", 29)), want: due})
	// Upadacitinib: lipids 12 weeks (84 days) after the start.
	add(accCase{name: "upadacitinib 83 days, no lipids since: not yet due", c: view(coursed("upadacitinib", 83)), absent: []string{"monitoring-lipids-due"}},
		accCase{name: "upadacitinib 84 days, no lipids since: due", c: view(coursed("upadacitinib", 84)), want: w("monitoring-lipids-due", "warning")},
		accCase{name: "upadacitinib 85 days, no lipids since: due", c: view(coursed("upadacitinib", 85)), want: w("monitoring-lipids-due", "warning")},
		accCase{name: "abrocitinib 60 days with a CBC, ALT and lipids after the start: nothing due",
			c:       view(coursed("abrocitinib", 60).replace(qty("alc", "731-0", 1.8, "10*3/uL", "", ago(20))).replace(qty("ldl", "13457-7", 104, "mg/dL", "", ago(20))).replace(qty("alt", "1742-6", 21, "U/L", "", ago(20)))),
			noCards: true},
		accCase{name: "abrocitinib 60 days with labs on the start day only (baseline): due",
			c:    view(coursed("abrocitinib", 60).labsOn(ago(60))),
			want: w("monitoring-cbc-due", "warning", "monitoring-lipids-due", "warning", "monitoring-liver-due", "warning")},
	)
	// The same checks at a renewal (order time).
	add(accCase{name: "abrocitinib renewal 40 days into the course, no labs since: monitoring due, no screening",
		c:    sign(coursed("abrocitinib", 40), jakDraft("abrocitinib", 100)),
		want: w("monitoring-cbc-due", "warning", "monitoring-lipids-due", "warning"), absent: []string{"cbc-missing", "lipids-missing", "tb-screening-missing"}})
	runAcc(t, cases)
}

// TestAcceptanceCourseTimeLimits: the course gap (90 days), a recent
// course (ended within 90 days) and the first 3 months of abrocitinib.
func TestAcceptanceCourseTimeLimits(t *testing.T) {
	clop := func(id string) res { return drugDraft(id, rxnorm, "32968", "clopidogrel 75 MG Oral Tablet") }
	tofa := drugDraft("tofa", rxnorm, "1357541", "tofacitinib 5 MG Oral Tablet")
	var cases []accCase
	add := func(cs ...accCase) { cases = append(cases, cs...) }

	// A course that ended d days ago (a completed order whose validity
	// ended then), and tofacitinib ordered: the reverse direction speaks
	// while the course is recent.
	add(boundary("tofacitinib ordered, upadacitinib course ended", 90, func(d int) call { return sign(endedCourse("upadacitinib", 15, d), tofa) },
		accCase{want: w("combination-jak", "critical"), summaryOf: map[string]string{"combination-jak": "Confirm upadacitinib is stopped"}},
		accCase{noCards: true})...)
	// The end of a course written other ways: a completed order with no
	// end (it ends on its own day), a statement's effectivePeriod.end, a
	// completed statement dated that day.
	add(boundary("tofacitinib ordered, upadacitinib completed order authored", 90, func(d int) call {
		r := cleanRecord()
		r.medications = append(r.medications, courseMed("u1", "MedicationRequest", "completed", "upadacitinib", 15, d))
		return sign(r, tofa)
	}, accCase{want: w("combination-jak", "critical")}, accCase{noCards: true})...)
	add(boundary("tofacitinib ordered, upadacitinib statement with effectivePeriod ending", 90, func(d int) call {
		r := cleanRecord()
		m := courseMed("u1", "MedicationStatement", "completed", "upadacitinib", 15, d+100)
		delete(m, "effectiveDateTime")
		m["effectivePeriod"] = res{"start": ago(d + 100), "end": ago(d)}
		r.medications = append(r.medications, m)
		return sign(r, tofa)
	}, accCase{want: w("combination-jak", "critical")}, accCase{noCards: true})...)
	add(boundary("baricitinib ordered, abrocitinib stopped statement dated", 90, func(d int) call {
		r := cleanRecord()
		r.medications = append(r.medications, courseMed("a1", "MedicationStatement", "stopped", "abrocitinib", 100, d))
		return sign(r, drugDraft("bari", rxnorm, "2047232", "baricitinib 2 MG Oral Tablet"))
	}, accCase{want: w("combination-jak", "critical")}, accCase{noCards: true})...)
	// The same ended course and a new abrocitinib order: within 90 days a
	// switch (initiation of abrocitinib, no combination: the other course
	// ended); the renewal of upadacitinib is a continuation.
	add(boundary("upadacitinib renewal after a course that ended", 90, func(d int) call {
		return sign(endedCourse("upadacitinib", 15, d).drop("igra").drop("hbsag"), jakDraft("upadacitinib", 15))
	}, accCase{absent: []string{"tb-screening-missing", "hbv-screening-missing"}},
		accCase{want: w("tb-screening-missing", "warning", "hbv-screening-missing", "warning")})...)

	// First 3 months of abrocitinib (day 90 counts): clopidogrel ordered.
	add(boundary("clopidogrel ordered, abrocitinib course started", 90, func(d int) call {
		return sign(coursed("abrocitinib", d), clop("clop"))
	}, accCase{want: w("antiplatelet-abrocitinib", "critical")}, accCase{noCards: true})...)
	// and the abrocitinib renewal with clopidogrel on record.
	add(boundary("abrocitinib renewal with clopidogrel on record, course started", 90, func(d int) call {
		r := coursed("abrocitinib", d).replace(qty("alc", "731-0", 1.8, "10*3/uL", "", ago(5))).replace(qty("ldl", "13457-7", 104, "mg/dL", "", ago(5))).replace(qty("alt", "1742-6", 21, "U/L", "", ago(5)))
		r.medications = append(r.medications, med("clop", "active", rxnorm, "32968", "clopidogrel 75 MG Oral Tablet", 5))
		return sign(r, jakDraft("abrocitinib", 100))
	}, accCase{want: w("antiplatelet-abrocitinib", "critical")}, accCase{absent: []string{"antiplatelet-abrocitinib"}})...)

	// Course gap 90 days: a completed order that ended g days before the
	// active one started joins the course when g <= 90. The course start
	// then lies 60+g days back, past the first 3 months.
	gap := func(g int) *record {
		r := cleanRecord()
		r.medications = append(r.medications,
			courseMed("abro-old", "MedicationRequest", "completed", "abrocitinib", 100, 60+g),
			courseMed("abro-now", "MedicationRequest", "active", "abrocitinib", 100, 60))
		return r
	}
	add(boundary("clopidogrel ordered; two abrocitinib orders with a gap of", 90, func(g int) call { return sign(gap(g), clop("clop")) },
		accCase{noCards: true}, // one course since 60+g days: past the first 3 months
		accCase{want: w("antiplatelet-abrocitinib", "critical")})...)
	// A statement extends a course: an outside-list statement 200 days ago,
	// an order 60 days ago (gap <= 90 via a statement 120 days ago).
	r := cleanRecord()
	r.medications = append(r.medications,
		courseMed("abro-s1", "MedicationStatement", "completed", "abrocitinib", 100, 200),
		courseMed("abro-s2", "MedicationStatement", "completed", "abrocitinib", 100, 120),
		courseMed("abro-now", "MedicationRequest", "active", "abrocitinib", 100, 60))
	add(accCase{name: "statements extend the course back to 200 days: clopidogrel past the first 3 months", c: sign(r, clop("clop")), noCards: true})
	runAcc(t, cases)
}
