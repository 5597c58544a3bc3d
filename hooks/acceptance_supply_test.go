package hooks

import (
	"fmt"
	"testing"
)

// suppliedCourse is the clean record with a completed order of drug at mg,
// authored days ago, with no end date but a dispensed supply of supplyDays
// (unit as written) and repeats refills.
func suppliedCourse(drug string, mg, days int, supply res, repeats int) *record {
	r := cleanRecord()
	m := courseMed(drug+"-1", "MedicationRequest", "completed", drug, mg, days)
	dr := res{"expectedSupplyDuration": supply}
	if repeats > 0 {
		dr["numberOfRepeatsAllowed"] = repeats
	}
	m["dispenseRequest"] = dr
	r.medications = append(r.medications, m)
	return r
}

func supplyDays(n float64) res {
	return res{"value": n, "unit": "days", "system": "http://unitsofmeasure.org", "code": "d"}
}

// TestAcceptanceSupplyEndsTheCourse: a completed order with no end date
// lasted as long as the supply it dispensed (with its refills), not one day:
// an interacting drug ordered within 90 days of the supply running out is
// judged against the course (contract 6.1).
func TestAcceptanceSupplyEndsTheCourse(t *testing.T) {
	tofa := drugDraft("x", rxnorm, "1357541", "tofacitinib 5 MG Oral Tablet")
	var cases []accCase
	for _, drug := range []string{"upadacitinib", "abrocitinib"} {
		mg := map[string]int{"upadacitinib": 15, "abrocitinib": 100}[drug]
		// 90-day supply authored 179/180/181 days ago: ran out 89/90/91 days ago.
		for _, d := range []int{179, 180, 181} {
			c := accCase{name: fmt.Sprintf("%s, 90-day supply authored %d days ago", drug, d),
				c: sign(suppliedCourse(drug, mg, d, supplyDays(90), 0), tofa)}
			if d <= 180 {
				c.want = w("combination-jak", "critical")
				c.detailOf = map[string]string{"combination-jak": fmt.Sprintf("(%d days ago", d-90)}
			} else {
				c.noCards = true
			}
			cases = append(cases, c)
		}
		// 30 days and two refills: 90 days.
		cases = append(cases,
			accCase{name: drug + ", 30 days with 2 refills authored 150 days ago: ran out 60 days ago",
				c: sign(suppliedCourse(drug, mg, 150, supplyDays(30), 2), tofa), want: w("combination-jak", "critical"),
				detailOf: map[string]string{"combination-jak": "(60 days ago"}},
			accCase{name: drug + ", 30 days without refills authored 150 days ago: ran out 120 days ago",
				c: sign(suppliedCourse(drug, mg, 150, supplyDays(30), 0), tofa), noCards: true},
			accCase{name: drug + ", 13 weeks (unit wk) authored 150 days ago",
				c:    sign(suppliedCourse(drug, mg, 150, res{"value": 13, "unit": "week", "system": "http://unitsofmeasure.org", "code": "wk"}, 0), tofa),
				want: w("combination-jak", "critical")},
			accCase{name: drug + ", 3 months written 'months' authored 150 days ago",
				c: sign(suppliedCourse(drug, mg, 150, res{"value": 3, "unit": "months"}, 0), tofa), want: w("combination-jak", "critical")},
			accCase{name: drug + ", a supply in an unknown unit is not used",
				c: sign(suppliedCourse(drug, mg, 150, res{"value": 3, "unit": "fortnights"}, 0), tofa), noCards: true},
			// A completed order whose supply runs beyond today is still
			// taken: the course is ongoing (bbabro question 3, decided; it
			// read "ended on <today> (0 days ago", "if still taken or
			// resumed").
			accCase{name: drug + ", 90-day supply authored 30 days ago, completed: ongoing",
				c: sign(suppliedCourse(drug, mg, 30, supplyDays(90), 0), tofa), want: w("combination-jak", "critical"),
				detailOf:    map[string]string{"combination-jak": "current (MedicationRequest/" + drug + "-1, completed; its end date or supply runs to " + ago(-59)},
				notDetailOf: map[string]string{"combination-jak": "if " + drug + " is still taken or is resumed"}},
		)
	}
	runAcc(t, cases)
}

// TestAcceptanceDoNotPerform: an order with doNotPerform true forbids what
// it names: it is no order of the drug, no use of it, and asks nothing.
func TestAcceptanceDoNotPerform(t *testing.T) {
	dnp := func(r res) res { return with(r, "doNotPerform", true) } // with changes r: a fresh draft each time
	tofa := func() res { return drugDraft("x", rxnorm, "1357541", "tofacitinib 5 MG Oral Tablet") }
	mmr := func() res { return serviceDraft("sr", "draft", "http://hl7.org/fhir/sid/cvx", "03", "MMR vaccine") }
	cases := []accCase{
		{name: "do not give upadacitinib: no screening asked", c: sign(cleanRecord().drop("igra"), dnp(jakDraft("upadacitinib", 15))), noCards: true},
		{name: "upadacitinib ordered: screening asked (control)", c: sign(cleanRecord().drop("igra"), jakDraft("upadacitinib", 15)), want: w("tb-screening-missing", "warning")},
		{name: "do not give tofacitinib, patient on upadacitinib", c: sign(onCourseAt("upadacitinib", 15, 60), dnp(tofa())), noCards: true},
		{name: "tofacitinib, patient on upadacitinib (control)", c: sign(onCourseAt("upadacitinib", 15, 60), tofa()), want: w("combination-jak", "critical")},
		{name: "do not give MMR (ServiceRequest), patient on abrocitinib", c: sign(onCourseAt("abrocitinib", 100, 60), dnp(mmr())), noCards: true},
		{name: "MMR (ServiceRequest), patient on abrocitinib (control)", c: sign(onCourseAt("abrocitinib", 100, 60), mmr()), want: w("live-vaccine-ordered", "warning")},
		{name: "a 'do not give upadacitinib' order on the chart is no course",
			c: sign(func() *record {
				r := cleanRecord()
				r.medications = append(r.medications, dnp(courseMed("upa-dnp", "MedicationRequest", "active", "upadacitinib", 15, 60)))
				return r
			}(), tofa()), noCards: true},
		{name: "an active 'do not give tofacitinib' order on the chart is no combination",
			c: sign(func() *record {
				r := cleanRecord()
				r.medications = append(r.medications, dnp(med("tofa-dnp", "active", rxnorm, "1357541", "tofacitinib 5 MG Oral Tablet", 20)))
				return r
			}(), jakDraft("upadacitinib", 15)), absent: []string{"combination-jak"}},
	}
	runAcc(t, cases)
}
