package hooks

import "testing"

// The historycodes review (failsafe6 committee question 3): a condition
// with no onset is dated by its recorded date, so a personal-history, old
// event or sequela code (I25.2 old MI, Z86.73, Z86.711, Z86.718, Z85.x,
// I69.x) added to the problem list after the course start read "Discontinue
// upadacitinib: MI or stroke since the start" for an event years before the
// course. Such a code counts as since the start only when its onset is on or
// after the start day; an acute code dated only by its recorded date still
// counts (fail safe); at a start the history codes are risk factors as
// before. cleanRecord().onCourse(drug) started 2026-06-01 (pvStartDay).

type historyCode struct {
	code, finding string
}

func historyCodes() []historyCode {
	return []historyCode{
		{"I25.2", "mace-history"},  // old myocardial infarction
		{"Z86.73", "mace-history"}, // personal history of TIA and cerebral infarction
		{"I69.00", "mace-history"}, // sequelae of subarachnoid hemorrhage
		{"Z86.711", "vte-risk"},    // personal history of pulmonary embolism
		{"Z86.718", "vte-risk"},    // personal history of other venous thrombosis
		{"Z85.118", "malignancy"},  // personal history of lung cancer
	}
}

func acuteCodes() []historyCode {
	return []historyCode{
		{"I21.4", "mace-history"}, {"I63.9", "mace-history"}, {"I26.99", "vte-risk"},
		{"I82.401", "vte-risk"}, {"C34.90", "malignancy"},
	}
}

func TestAcceptanceHistoryCodesSinceStart(t *testing.T) {
	var cases []accCase
	mgs := map[string]int{"upadacitinib": 15, "abrocitinib": 100}
	for _, drug := range []string{"upadacitinib", "abrocitinib"} {
		on := func(r res) *record { return cleanRecord().onCourse(drug).replace(r) }
		// Both hooks: a renewal and patient-view.
		hooks := map[string]func(r res) call{
			"patient-view": func(r res) call { return view(on(r)) },
			"renewal":      func(r res) call { return sign(on(r), jakDraft(drug, mgs[drug])) },
		}
		for hook, mk := range hooks {
			for _, h := range historyCodes() {
				n := drug + " " + hook + ": " + h.code
				cases = append(cases,
					accCase{name: n + " recorded yesterday, no onset: history, no since-the-start card",
						c: mk(with(cond("h", icd, h.code, "active"), "recordedDate", ago(1))), absent: []string{h.finding}},
					accCase{name: n + " recorded yesterday, onsetString: history, no card",
						c: mk(with(cond("h", icd, h.code, "active"), "recordedDate", ago(1), "onsetString", "in 2015")), absent: []string{h.finding}},
					accCase{name: n + " recorded yesterday, onsetAge: history, no card",
						c: mk(with(cond("h", icd, h.code, "active"), "recordedDate", ago(1), "onsetAge", res{"value": 40, "unit": "a", "system": "http://unitsofmeasure.org", "code": "a"})), absent: []string{h.finding}},
					accCase{name: n + " onset yesterday: since the start",
						c: mk(with(cond("h", icd, h.code, "active"), "onsetDateTime", ago(1), "recordedDate", ago(1))), want: w(h.finding, "warning")},
					accCase{name: n + " onsetPeriod.start yesterday: since the start",
						c: mk(with(cond("h", icd, h.code, "active"), "onsetPeriod", res{"start": ago(1)}, "recordedDate", ago(1))), want: w(h.finding, "warning")},
					// The start day boundary, by onset: N-1 history, N and N+1 since.
					accCase{name: n + " onset the day before the start, recorded yesterday: no card",
						c: mk(with(cond("h", icd, h.code, "active"), "onsetDateTime", pvDayBefore, "recordedDate", ago(1))), absent: []string{h.finding}},
					accCase{name: n + " onset on the start day: since the start",
						c: mk(with(cond("h", icd, h.code, "active"), "onsetDateTime", pvStartDay, "recordedDate", ago(1))), want: w(h.finding, "warning")},
					accCase{name: n + " onset the day after the start: since the start",
						c: mk(with(cond("h", icd, h.code, "active"), "onsetDateTime", pvDayAfter, "recordedDate", ago(1))), want: w(h.finding, "warning")},
				)
			}
			for _, a := range acuteCodes() {
				n := drug + " " + hook + ": acute " + a.code
				cases = append(cases,
					accCase{name: n + " recorded yesterday, no onset: since the start (fail safe), the evidence says the onset is not stated",
						c: mk(with(cond("a", icd, a.code, "active"), "recordedDate", ago(1))), want: w(a.finding, "warning"),
						detailOf: map[string]string{a.finding: "recorded on " + ago(1) + " (onset not stated)"}},
					accCase{name: n + " with onset yesterday: the evidence gives the onset",
						c: mk(with(cond("a", icd, a.code, "active"), "onsetDateTime", ago(1), "recordedDate", ago(1))), want: w(a.finding, "warning"),
						detailOf: map[string]string{a.finding: "since " + ago(1)}, notDetailOf: map[string]string{a.finding: "onset not stated"}},
					accCase{name: n + " recorded the day before the start, no onset: history",
						c: mk(with(cond("a", icd, a.code, "active"), "recordedDate", pvDayBefore)), absent: []string{a.finding}},
					accCase{name: n + " recorded on the start day, no onset: since the start",
						c: mk(with(cond("a", icd, a.code, "active"), "recordedDate", pvStartDay)), want: w(a.finding, "warning")},
					accCase{name: n + " recorded the day after the start, no onset: since the start",
						c: mk(with(cond("a", icd, a.code, "active"), "recordedDate", pvDayAfter)), want: w(a.finding, "warning")},
				)
			}
			// A condition coded both acute and old (I21.4 beside I25.2) is read as acute (fail safe).
			both := with(cond("mi", icd, "I21.4", "active"), "recordedDate", ago(1))
			both["code"] = res{"coding": []any{res{"system": icd, "code": "I21.4"}, res{"system": icd, "code": "I25.2"}}}
			cases = append(cases, accCase{name: drug + " " + hook + ": I21.4 and I25.2 on one condition, recorded yesterday: since the start",
				c: mk(both), want: w("mace-history", "warning")})
			// An event dated after today says so (failsafe6 question 4).
			cases = append(cases,
				accCase{name: drug + " " + hook + ": MI onset after today: reported, date to check",
					c: mk(with(cond("mi", icd, "I21.4", "active"), "onsetDateTime", ago(-30))), want: w("mace-history", "warning"),
					detailOf: map[string]string{"mace-history": "after today: check its date"}},
				accCase{name: drug + " " + hook + ": DVT recorded after today, no onset: reported, date to check",
					c: mk(with(cond("dvt", icd, "I82.401", "active"), "recordedDate", ago(-5))), want: w("vte-risk", "warning"),
					detailOf: map[string]string{"vte-risk": "after today: check its date"}},
				accCase{name: drug + " " + hook + ": lung cancer onset after today: reported, date to check",
					c: mk(with(cond("ca", icd, "C34.90", "active"), "onsetDateTime", ago(-5))), want: w("malignancy", "warning"),
					detailOf: map[string]string{"malignancy": "after today: check its date"}},
				accCase{name: drug + " " + hook + ": MI yesterday: no date to check",
					c: mk(with(cond("mi", icd, "I21.4", "active"), "onsetDateTime", ago(1))), want: w("mace-history", "warning"),
					notDetailOf: map[string]string{"mace-history": "after today"}},
			)
		}
		// The upadacitinib patient-view summary of the false alarm.
		if drug == "upadacitinib" {
			cases = append(cases, accCase{name: "upadacitinib patient-view: I25.2 recorded yesterday: no discontinue",
				c: view(on(with(cond("h", icd, "I25.2", "active"), "recordedDate", ago(1)))), noCards: true})
		}
		// At a start, the history codes are risk factors as before.
		for _, h := range historyCodes() {
			cases = append(cases, accCase{name: drug + " start: " + h.code + " recorded yesterday, no onset: risk factor",
				c:    sign(cleanRecord().replace(with(cond("h", icd, h.code, "active"), "recordedDate", ago(1))), jakDraft(drug, mgs[drug])),
				want: w(h.finding, "warning")})
		}
	}
	runAcc(t, cases)
}
