package hooks

import (
	"strconv"
	"testing"
)

// The committee2 review answered two of the card content review's
// questions from the labels (docs/committee.md, "Answered since they were
// asked"):
//
//   - cardcontent 1: an MI or stroke during abrocitinib treatment read
//     "Review abrocitinib: new since the start: MI or stroke" and, on a
//     200 mg renewal, "Use abrocitinib 100 mg daily: boxed-warning risks".
//     CIBINQO 5.4 carries the JAK class sentence RINVOQ 5.4 has:
//     discontinue in patients that have experienced an MI or stroke.
//   - cardcontent 2: a thrombosis (DVT, PE) during treatment read "Review
//     ...: new since the start: VTE or thrombophilia" and, on a 30 mg or
//     200 mg renewal, led with the lower dose. RINVOQ 5.5: "Patients with
//     symptoms of thrombosis should discontinue RINVOQ and be promptly
//     evaluated" (CIBINQO 5.5 likewise). A malignancy found on treatment
//     stays "Review" (the labels: consider the benefits and risks of
//     continuing), as does a thrombophilia (a risk, not a thrombosis).
//
// Both now lead with "Discontinue <drug>: ... since the start" and name no
// dose, on patient-view and on a renewal; before a start the same event is
// a risk to weigh. The level stays the contract's warning (pvevents
// question 2 asks the committee about critical).
func TestAcceptanceCommittee2DiscontinueAfterEvent(t *testing.T) {
	type event struct {
		name, code, what string
		make             func(date string) res
	}
	stop := []event{
		{"myocardial infarction I21.4", "mace-history", "MI or stroke", onsetCond("mi", "I21.4")},
		{"stroke I63.9", "mace-history", "MI or stroke", onsetCond("cva", "I63.9")},
		{"DVT I82.401", "vte-risk", "thrombosis", onsetCond("dvt", "I82.401")},
		{"pulmonary embolism I26.99", "vte-risk", "thrombosis", onsetCond("pe", "I26.99")},
	}
	review := []event{
		{"factor V Leiden D68.51", "vte-risk", "VTE or thrombophilia", onsetCond("fvl", "D68.51")},
		{"lung cancer C34.90", "malignancy", "malignancy", onsetCond("ca", "C34.90")},
	}
	var cases []accCase
	for _, drug := range []string{"upadacitinib", "abrocitinib"} {
		low := map[string]int{"upadacitinib": 15, "abrocitinib": 100}[drug]
		high := map[string]int{"upadacitinib": 30, "abrocitinib": 200}[drug]
		on := func() *record { return cleanRecord().onCourse(drug) } // started 2026-06-01
		for _, e := range stop {
			want := "Discontinue " + drug + ": " + e.what + " since the start"
			pos := func(name string, c call) accCase {
				return accCase{name: drug + ": " + e.name + ": " + name, c: c, want: w(e.code, "warning"),
					summaryOf: map[string]string{e.code: want}, detailOf: map[string]string{e.code: "discontinue " + drug}, noDose: true}
			}
			cases = append(cases,
				pos("two weeks ago, patient-view", view(on().replace(e.make(ago(14))))),
				// The start day boundary: N-1 is history (no card), N and N+1 are during treatment.
				accCase{name: drug + ": " + e.name + ": the day before the start, patient-view: history, no card",
					c: view(on().replace(e.make(pvDayBefore))), noCards: true},
				pos("on the start day, patient-view", view(on().replace(e.make(pvStartDay)))),
				pos("the day after the start, patient-view", view(on().replace(e.make(pvDayAfter)))),
				// A renewal at the usual dose, and at the higher dose, where the
				// lower dose led the summary ("Use upadacitinib 15 mg daily").
				pos("renewal at "+strconv.Itoa(low)+" mg", sign(on().replace(e.make(ago(14))), jakDraft(drug, low))),
				pos("renewal at "+strconv.Itoa(high)+" mg: no lower dose suggested", sign(onCourseAt(drug, high, 60).replace(e.make(ago(14))), jakDraft(drug, high))),
				// Before a start the same event is a risk to weigh, not a stop.
				accCase{name: drug + ": " + e.name + " two weeks ago, first order: weigh, not discontinue",
					c: sign(cleanRecord().replace(e.make(ago(14))), jakDraft(drug, low)), want: w(e.code, "warning"),
					summaryOf: map[string]string{e.code: "Weigh boxed-warning risks before starting " + drug}, notDetailOf: map[string]string{e.code: "discontinue"}},
			)
		}
		for _, e := range review {
			want := "Review " + drug + ": new since the start: " + e.what
			cases = append(cases,
				accCase{name: drug + ": " + e.name + " since the start, patient-view: review, not discontinue",
					c: view(on().replace(e.make(ago(14)))), want: w(e.code, "warning"),
					summaryOf: map[string]string{e.code: want}, notDetailOf: map[string]string{e.code: "discontinue " + drug}},
				accCase{name: drug + ": " + e.name + " since the start, renewal at " + strconv.Itoa(high) + " mg: the lower dose stays",
					c: sign(onCourseAt(drug, high, 60).replace(e.make(ago(14))), jakDraft(drug, high)), want: w(e.code, "warning"), dose: low},
			)
		}
		// The CIBINQO sentences are not quoted in the knowledge base (C17):
		// abrocitinib's card says it is unverified; RINVOQ's are verified.
		for _, e := range []event{stop[0], stop[2]} {
			c := accCase{name: drug + ": " + e.name + " since the start: verified only on upadacitinib",
				c: view(on().replace(e.make(ago(14)))), want: w(e.code, "warning")}
			if drug == "abrocitinib" {
				c.detailOf = map[string]string{e.code: "not yet verified"}
			} else {
				c.notDetailOf = map[string]string{e.code: "not yet verified"}
			}
			cases = append(cases, c)
		}
		// An MI and a DVT since the start: one card naming both.
		cases = append(cases, accCase{name: drug + ": MI and DVT since the start: one card, both named",
			c:         view(on().replace(stop[0].make(ago(14))).replace(stop[2].make(ago(10)))),
			want:      w("mace-history", "warning", "vte-risk", "warning"),
			summaryOf: map[string]string{"vte-risk": "Discontinue " + drug + ": MI or stroke and thrombosis since the start"}})
		// A thrombophilia and a DVT since the start: the DVT decides.
		cases = append(cases, accCase{name: drug + ": thrombophilia and DVT since the start: discontinue",
			c:         view(on().replace(review[0].make(ago(14))).replace(stop[2].make(ago(10)))),
			want:      w("vte-risk", "warning"),
			summaryOf: map[string]string{"vte-risk": "Discontinue " + drug + ": thrombosis since the start"}})
	}
	runAcc(t, cases)
}
