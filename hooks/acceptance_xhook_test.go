package hooks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/cards"
	"jakguard/internal/outcheck"
)

// The xhook review (cross-hook consistency and multi-order drafts): the
// same patient reaches jakguard through several doors, order-select
// (drafting), order-sign (signing), patient-view (chart open, patient on
// a course) and the reverse direction (an interacting drug or vaccine
// ordered for a patient on a course, contract 6.1). One door warning and
// another staying silent about the same danger loses the clinician's
// trust; so does a card said twice. docs/rules.md, section 1 "Which
// orders" and "Treatment courses", holds the door table these tests pin.

// xDoor is one way the danger reaches jakguard.
type xDoor string

const (
	doorSelect    xDoor = "order-select of the renewal"  // patient on a course, the JAK renewal selected
	doorSign      xDoor = "order-sign of the renewal"    // the same, signed
	doorView      xDoor = "patient-view"                 // chart open, patient on a course
	doorStart     xDoor = "order-sign of a first order"  // no course, the JAK order starts it
	doorReverse   xDoor = "order-sign of the other drug" // patient on a course, the interacting drug ordered
	doorRevSelect xDoor = "order-select of the other drug"
	doorTogether  xDoor = "order-sign of both" // no course, the JAK order and the other drug in one draft
)

var allDoors = []xDoor{doorSelect, doorSign, doorView, doorStart, doorReverse, doorRevSelect, doorTogether}

// xDanger is one patient record per danger, the doors that must speak about
// it and those that must stay silent.
type xDanger struct {
	name     string
	drug     string
	mg, days int // the course: drug at mg daily, started days ago
	add      func(r *record)
	other    res     // the interacting drug as a draft order (reverse doors), nil when the danger is no drug
	code     string  // the finding every speaking door reports
	level    string  // at this indicator
	dose     int     // when not 0, the dose every card names (contract 6.3)
	silent   []xDoor // the doors that must not report code
	reason   string  // why those doors are silent
}

func xMed(m res) func(r *record) {
	return func(r *record) { r.medications = append(r.medications, m) }
}
func xRes(x res) func(r *record) { return func(r *record) { r.replace(x) } }

func xDangers() []xDanger {
	clari := func() res { return drugDraft("x", rxnorm, "21212", "clarithromycin 500 MG Oral Tablet") }
	rif := func() res { return drugDraft("x", rxnorm, "9384", "rifampin 300 MG Oral Capsule") }
	clop := func() res { return onceDaily(drugDraft("x", rxnorm, "32968", "clopidogrel 75 MG Oral Tablet")) }
	onRecord := func(m res, id string, days int) res {
		m["id"], m["status"], m["authoredOn"] = id, "active", ago(days)
		delete(m, "subject")
		return m
	}
	type drugPair struct {
		name, drug string
		mg, days   int
		draft      func() res
		code       string
		level      string
		dose       int
		silent     []xDoor
		reason     string
	}
	pairs := []drugPair{
		{"clarithromycin (strong CYP3A4 inhibitor), upadacitinib 30 mg", "upadacitinib", 30, 60, clari, "cyp-interaction", "warning", 15, nil, ""},
		{"clarithromycin, upadacitinib 15 mg", "upadacitinib", 15, 60, clari, "cyp-interaction", "warning", 0, nil, ""},
		{"rifampin (strong CYP3A4 inducer), upadacitinib", "upadacitinib", 15, 60, rif, "cyp-interaction", "warning", 0, nil, ""},
		{"fluconazole (CYP2C19 and CYP2C9 inhibitor), abrocitinib", "abrocitinib", 100, 200, func() res { return drugDraft("x", rxnorm, "4450", "fluconazole 150 MG Oral Tablet") }, "cyp-interaction", "warning", 0, nil, ""},
		{"rifampin (CYP2C19/2C9 inducer), abrocitinib", "abrocitinib", 100, 200, rif, "cyp-interaction", "warning", 0, nil, ""},
		{"fluoxetine (strong CYP2C19 inhibitor), abrocitinib 100 mg at day 200", "abrocitinib", 100, 200, func() res { return drugDraft("x", rxnorm, "4493", "fluoxetine 20 MG Oral Capsule") }, "cyp-interaction", "warning", 50, nil, ""},
		{"clopidogrel, abrocitinib day 30", "abrocitinib", 100, 30, clop, "antiplatelet-abrocitinib", "critical", 0, nil, ""},
		{"clopidogrel, abrocitinib day 200", "abrocitinib", 100, 200, clop, "antiplatelet-abrocitinib", "critical", 0,
			[]xDoor{doorSelect, doorSign, doorView, doorReverse, doorRevSelect}, "the first 3 months of the course are over (contract 6.2)"},
		{"digoxin (narrow-margin P-gp substrate), abrocitinib", "abrocitinib", 100, 200, func() res { return drugDraft("x", rxnorm, "3407", "digoxin 0.125 MG Oral Tablet") }, "pgp-substrate", "info", 0, nil, ""},
		{"MMR (live vaccine), upadacitinib", "upadacitinib", 15, 60, func() res { return drugDraft("x", cvx, "03", "MMR vaccine") }, "live-vaccine-ordered", "warning", 0, nil, ""},
		{"tofacitinib (another JAK inhibitor), upadacitinib", "upadacitinib", 15, 60, func() res { return drugDraft("x", rxnorm, "1357536", "tofacitinib 5 MG Oral Tablet") }, "combination-jak", "critical", 0, nil, ""},
		{"dupilumab (biologic), abrocitinib", "abrocitinib", 100, 200, func() res { return drugDraft("x", "", "", "Dupixent 300 mg pen") }, "combination-biologic", "warning", 0, nil, ""},
		{"azathioprine (potent immunosuppressant), upadacitinib", "upadacitinib", 15, 60, func() res { return drugDraft("x", rxnorm, "1256", "azathioprine 50 MG Oral Tablet") }, "combination-immunosuppressant", "warning", 0, nil, ""},
	}
	var out []xDanger
	for _, p := range pairs {
		out = append(out, xDanger{name: p.name, drug: p.drug, mg: p.mg, days: p.days, add: xMed(onRecord(p.draft(), "rec", 20)),
			other: p.draft(), code: p.code, level: p.level, dose: p.dose, silent: p.silent, reason: p.reason})
	}
	notDrug := []xDoor{doorReverse, doorRevSelect, doorTogether}
	renal := "the contract's patient-view list (section 5) has no renal, hepatic or genotype row: open for the committee (xhook review, question 1)"
	out = append(out,
		xDanger{name: "MMR given 10 days ago (Immunization)", drug: "upadacitinib", mg: 15, days: 60,
			add: func(r *record) { r.immunizations = append(r.immunizations, immunization("mmr", "03", ago(10))) }, code: "live-vaccine-recent", level: "warning"},
		xDanger{name: "sepsis", drug: "upadacitinib", mg: 15, days: 60, add: xRes(cond("sx", icd, "A41.9", "active")), code: "serious-infection-active", level: "critical"},
		xDanger{name: "active tuberculosis", drug: "upadacitinib", mg: 15, days: 60, add: xRes(cond("tb", icd, "A15.0", "active")), code: "tb-active", level: "critical"},
		xDanger{name: "pregnancy", drug: "abrocitinib", mg: 100, days: 200, add: xRes(cond("pg", sct, "77386006", "active")), code: "pregnancy", level: "critical"},
		xDanger{name: "breastfeeding", drug: "upadacitinib", mg: 15, days: 60, add: xRes(cond("bf", sct, "1260078007", "active")), code: "breastfeeding", level: "critical"},
		xDanger{name: "lymphocytes 400/mm³ on treatment", drug: "upadacitinib", mg: 15, days: 60, add: xRes(obsQty("alc", "731-0", 0.4, "10*3/uL", ago(3))), code: "lymphopenia", level: "critical"},
		xDanger{name: "platelets 40,000/mm³ on abrocitinib", drug: "abrocitinib", mg: 100, days: 200, add: xRes(obsQty("plt", "777-3", 40, "10*3/uL", ago(3))), code: "thrombocytopenia", level: "critical"},
		xDanger{name: "platelets 120,000/mm³ on abrocitinib", drug: "abrocitinib", mg: 100, days: 200, add: xRes(obsQty("plt", "777-3", 120, "10*3/uL", ago(3))), code: "thrombocytopenia", level: "critical",
			silent: []xDoor{doorSelect, doorSign, doorView}, reason: "on treatment the threshold is 50,000/mm³, at the start 150,000/mm³ (contract 5 and 6.2)"},
		xDanger{name: "MI since the course start", drug: "upadacitinib", mg: 15, days: 60, add: xRes(with(cond("mi", icd, "I21.4", "active"), "onsetDateTime", ago(10))), code: "mace-history", level: "warning"},
		xDanger{name: "HBsAg positive since the start", drug: "upadacitinib", mg: 15, days: 60, add: xRes(obsCode("hbsag", "5196-1", "10828004", ago(3))), code: "hbv-active", level: "critical"},
		xDanger{name: "eGFR 25 on upadacitinib 30 mg", drug: "upadacitinib", mg: 30, days: 60, add: xRes(obsQty("egfr", "98979-8", 25, "mL/min/{1.73_m2}", ago(3))), code: "renal-impairment", level: "warning",
			silent: []xDoor{doorView}, reason: renal},
		xDanger{name: "CYP2C19 poor metabolizer on abrocitinib 200 mg", drug: "abrocitinib", mg: 200, days: 200, add: xRes(cyp2c19PM("poor metabolizer")), code: "cyp2c19-poor-metabolizer", level: "warning",
			silent: []xDoor{doorView}, reason: renal},
	)
	for i := range out {
		if out[i].other == nil {
			out[i].silent = append(out[i].silent, notDrug...)
		}
	}
	return out
}

// call builds the door's call for the danger.
func (d xDanger) call(door xDoor) call {
	onCourse := func() *record { r := onCourseAt(d.drug, d.mg, d.days); d.add(r); return r }
	renewal := jakDraft(d.drug, d.mg)
	switch door {
	case doorSelect:
		return call{hook: HookOrderSelect, r: onCourse(), drafts: []res{renewal}, selections: []string{"MedicationRequest/new"}}
	case doorSign:
		return sign(onCourse(), renewal)
	case doorView:
		return view(onCourse())
	case doorStart:
		r := cleanRecord()
		d.add(r)
		return sign(r, jakDraft(d.drug, d.mg))
	case doorReverse:
		return sign(onCourseAt(d.drug, d.mg, d.days), d.other)
	case doorRevSelect:
		return call{hook: HookOrderSelect, r: onCourseAt(d.drug, d.mg, d.days), drafts: []res{d.other}, selections: []string{"MedicationRequest/x"}}
	case doorTogether:
		return sign(cleanRecord(), jakDraft(d.drug, d.mg), d.other)
	}
	panic(door)
}

// TestAcceptanceXhookDoors: every danger through every door. A door that
// must speak reports the code at the contract's indicator (and, for a dose
// limit, the same dose); a door that must not stays silent about it. The
// reverse doors exist only for a danger that is a drug.
func TestAcceptanceXhookDoors(t *testing.T) {
	var cases []accCase
	for _, d := range xDangers() {
		for _, door := range allDoors {
			c := accCase{name: fmt.Sprintf("%s: %s", d.name, door), c: d.call(door)}
			if slices.Contains(d.silent, door) {
				if door == doorReverse || door == doorRevSelect || door == doorTogether {
					if d.other == nil {
						continue // no other drug to order
					}
				}
				c.absent = []string{d.code}
				c.name += " (silent: " + d.reason + ")"
			} else {
				c.want = w(d.code, d.level)
				c.dose = d.dose
			}
			cases = append(cases, c)
		}
	}
	runAcc(t, cases)
}

// ended is a completed order of drug at mg, valid from start to end days
// ago: a course that ended end days ago.
func ended(id, drug string, mg, start, end int) res {
	m := courseMed(id, "MedicationRequest", "completed", drug, mg, start)
	m["dispenseRequest"] = res{"validityPeriod": res{"start": ago(start), "end": ago(end)}}
	return m
}

// switchedBack is the clean record of a patient who took abrocitinib for
// 200 days (it ended 30 days ago) and has been on upadacitinib for
// upaDays, with extra resources.
func switchedBack(upaDays int, extra ...res) *record {
	r := cleanRecord()
	r.medications = append(r.medications, ended("a1", "abrocitinib", 100, 230, 30),
		courseMed("u1", "MedicationRequest", "active", "upadacitinib", 15, upaDays))
	for _, x := range extra {
		r.replace(x)
	}
	return r
}

// TestAcceptanceXhookSwitchBack: contract 6.2 counts a switch between the
// two drugs as an initiation of the new drug. A patient who left
// abrocitinib for upadacitinib and is switched back to abrocitinib within
// the 90 days that keep a course together was judged as continuing the
// old abrocitinib course: no screening, the on-treatment platelet
// threshold (50,000 instead of 150,000), the 12 weeks at 50 mg already
// served for a CYP2C19 poor metabolizer (100 mg allowed at once), and the
// first 3 months of abrocitinib over, so clopidogrel went unremarked,
// though the abrocitinib had stopped and starts again. The reverse
// direction already judged such a patient on the ongoing course alone.
func TestAcceptanceXhookSwitchBack(t *testing.T) {
	clop := onceDaily(med("cp", "active", rxnorm, "32968", "clopidogrel 75 MG Oral Tablet", 20))
	abro := func(r *record, mg int) call { return sign(r, jakDraft("abrocitinib", mg)) }
	cases := []accCase{
		{name: "switched back to abrocitinib with clopidogrel: the first 3 months start again", c: abro(switchedBack(30, clop), 100),
			want: w("antiplatelet-abrocitinib", "critical", "combination-jak", "critical")},
		{name: "switched back, no TB test within 12 months: screening before starting", c: abro(switchedBack(30).drop("igra"), 100),
			want: w("tb-screening-missing", "warning"), summaryOf: map[string]string{"tb-screening-missing": "before starting abrocitinib"}},
		{name: "switched back, platelets 120,000 during upadacitinib: the initiation threshold", c: abro(switchedBack(30, obsQty("plt", "777-3", 120, "10*3/uL", ago(3))), 100),
			want: w("thrombocytopenia", "critical"), summaryOf: map[string]string{"thrombocytopenia": "Do not start"}},
		{name: "switched back, platelets 150,000: at the threshold, nothing", c: abro(switchedBack(30, obsQty("plt", "777-3", 150, "10*3/uL", ago(3))), 100),
			absent: []string{"thrombocytopenia"}},
		{name: "switched back, CYP2C19 poor metabolizer: 50 mg, the 12 weeks start again", c: abro(switchedBack(30, cyp2c19PM("poor metabolizer")), 100),
			want: w("cyp2c19-poor-metabolizer", "warning"), dose: 50},
		{name: "switched back, no CBC within 90 days: cbc-missing, not monitoring", c: abro(switchedBack(30).drop("alc"), 100),
			want: w("cbc-missing", "warning"), absent: []string{"monitoring-cbc-due"}},
		// Upadacitinib the other way: abrocitinib now, upadacitinib ended.
		{name: "upadacitinib switched back from abrocitinib, no TB test: screening", c: sign(func() *record {
			r := cleanRecord().drop("igra")
			r.medications = append(r.medications, ended("u0", "upadacitinib", 15, 230, 30), courseMed("a2", "MedicationRequest", "active", "abrocitinib", 100, 30))
			return r
		}(), jakDraft("upadacitinib", 15)), want: w("tb-screening-missing", "warning", "combination-jak", "critical")},
		// Both stopped in turn: abrocitinib, then upadacitinib (ended 20
		// days ago), then abrocitinib again; the day after the
		// abrocitinib's end is later, the same day is not.
		{name: "abrocitinib, then upadacitinib, both ended: abrocitinib again is a switch back", c: abro(func() *record {
			r := cleanRecord().drop("igra")
			r.medications = append(r.medications, ended("a1", "abrocitinib", 100, 230, 60), ended("u1", "upadacitinib", 15, 50, 20), clop)
			return r
		}(), 100), want: w("tb-screening-missing", "warning", "antiplatelet-abrocitinib", "critical")},
		{name: "upadacitinib ended the day after abrocitinib: a switch back", c: abro(func() *record {
			r := cleanRecord().drop("igra")
			r.medications = append(r.medications, ended("a1", "abrocitinib", 100, 230, 60), ended("u1", "upadacitinib", 15, 100, 59))
			return r
		}(), 100), want: w("tb-screening-missing", "warning")},
		{name: "upadacitinib ended the day abrocitinib ended: not a switch back", c: abro(func() *record {
			r := cleanRecord().drop("igra")
			r.medications = append(r.medications, ended("a1", "abrocitinib", 100, 230, 60), ended("u1", "upadacitinib", 15, 100, 60))
			return r
		}(), 100), absent: []string{"tb-screening-missing"}},
		{name: "a short upadacitinib trial inside the abrocitinib course: not a switch back", c: abro(func() *record {
			r := cleanRecord().drop("igra")
			r.medications = append(r.medications, ended("a1", "abrocitinib", 100, 230, 60), ended("u1", "upadacitinib", 15, 100, 70))
			return r
		}(), 100), absent: []string{"tb-screening-missing"}},
		// Not a switch back: a continuation, as before.
		{name: "abrocitinib paused 30 days, no other JAK: a continuation (no screening, 3 months over)", c: abro(func() *record {
			r := cleanRecord().drop("igra")
			r.medications = append(r.medications, ended("a1", "abrocitinib", 100, 230, 30), clop)
			return r
		}(), 100), absent: []string{"tb-screening-missing", "antiplatelet-abrocitinib"}},
		{name: "both courses ongoing: the abrocitinib renewal continues its course", c: abro(func() *record {
			r := onCourseAt("abrocitinib", 100, 230).drop("igra")
			r.medications = append(r.medications, courseMed("u1", "MedicationRequest", "active", "upadacitinib", 15, 30), clop)
			return r
		}(), 100), want: w("combination-jak", "critical"), absent: []string{"tb-screening-missing", "antiplatelet-abrocitinib"}},
		{name: "upadacitinib only planned (intended statement): no switch, a continuation", c: abro(func() *record {
			r := cleanRecord().drop("igra")
			r.medications = append(r.medications, ended("a1", "abrocitinib", 100, 230, 30), courseMed("u1", "MedicationStatement", "intended", "upadacitinib", 15, 10))
			return r
		}(), 100), absent: []string{"tb-screening-missing"}},
		// The other course's start against this one's: the day after
		// is a switch; the same day or the day before is not (the other
		// drug was there when abrocitinib began).
		{name: "upadacitinib begun the day after abrocitinib (231 days ago): a switch", c: abro(func() *record {
			r := cleanRecord().drop("igra")
			r.medications = append(r.medications, ended("a1", "abrocitinib", 100, 232, 30), courseMed("u1", "MedicationRequest", "active", "upadacitinib", 15, 231))
			return r
		}(), 100), want: w("tb-screening-missing", "warning")},
		{name: "upadacitinib begun the day abrocitinib began: not a switch", c: abro(func() *record {
			r := cleanRecord().drop("igra")
			r.medications = append(r.medications, ended("a1", "abrocitinib", 100, 232, 30), courseMed("u1", "MedicationRequest", "active", "upadacitinib", 15, 232))
			return r
		}(), 100), absent: []string{"tb-screening-missing"}},
		{name: "upadacitinib begun the day before abrocitinib: not a switch", c: abro(func() *record {
			r := cleanRecord().drop("igra")
			r.medications = append(r.medications, ended("a1", "abrocitinib", 100, 232, 30), courseMed("u1", "MedicationRequest", "active", "upadacitinib", 15, 233))
			return r
		}(), 100), absent: []string{"tb-screening-missing"}},
	}
	runAcc(t, cases)
}

// TestAcceptanceXhookSwitchCarryOver: what a switch carries over from the
// other drug's course and what it does not. Carried: results within their
// windows (screening within 12 months, a CBC within 90 days count for the
// new drug), the whole history for the boxed-warning rows (an MI during
// the other course is a prior MI), the drugs on the chart. Not carried:
// the other course's start (monitoring "since the start", the first 3
// months, the 12 weeks of a reduced dose) and its dose (the risk rows ask
// for the lower dose of the new drug, whatever the old one was).
func TestAcceptanceXhookSwitchCarryOver(t *testing.T) {
	upa := func(days int, extra ...res) *record {
		r := onCourseAt("upadacitinib", 30, days)
		for _, x := range extra {
			r.replace(x)
		}
		return r
	}
	cases := []accCase{
		{name: "upadacitinib 200 days, clean labs: abrocitinib needs no new screening", c: sign(upa(200), jakDraft("abrocitinib", 100)),
			want: w("combination-jak", "critical"), absent: []string{"tb-screening-missing", "cbc-missing", "monitoring-cbc-due", "monitoring-lipids-due"}},
		{name: "upadacitinib with clopidogrel: abrocitinib's first 3 months start now", c: sign(upa(200, onceDaily(med("cp", "active", rxnorm, "32968", "clopidogrel 75 MG Oral Tablet", 150))), jakDraft("abrocitinib", 100)),
			want: w("antiplatelet-abrocitinib", "critical")},
		{name: "MI during the upadacitinib course: a prior MI for abrocitinib", c: sign(upa(200, with(cond("mi", icd, "I21.4", "resolved"), "onsetDateTime", ago(100))), jakDraft("abrocitinib", 100)),
			want: w("mace-history", "warning")},
		{name: "smoker on upadacitinib 30 mg: abrocitinib 200 mg gets the lower dose", c: sign(upa(200, obsCode("smoke", "72166-2", "449868002", ago(30))), jakDraft("abrocitinib", 200)),
			want: w("lower-dose-recommended", "warning"), dose: 100},
		{name: "the same smoker's upadacitinib renewal at 30 mg: the dose was chosen knowing it", c: sign(upa(200, obsCode("smoke", "72166-2", "449868002", ago(30))), jakDraft("upadacitinib", 30)),
			absent: []string{"lower-dose-recommended", "smoker"}},
		// Gap pinned (committee question 2): a JAK order after the other
		// JAK's course ended within 90 days says nothing (contract 5:
		// combination-jak needs the other "active"), while tofacitinib
		// ordered in the same place asks to confirm it is stopped (6.1,
		// "active or recent").
		{name: "abrocitinib ended 10 days ago, upadacitinib ordered: no combination card (the other is not active)", c: sign(func() *record {
			r := cleanRecord()
			r.medications = append(r.medications, ended("a1", "abrocitinib", 100, 210, 10))
			return r
		}(), jakDraft("upadacitinib", 15)), noCards: true},
		{name: "abrocitinib ended 10 days ago, tofacitinib ordered: confirm it is stopped", c: sign(func() *record {
			r := cleanRecord()
			r.medications = append(r.medications, ended("a1", "abrocitinib", 100, 210, 10))
			return r
		}(), drugDraft("x", rxnorm, "1357536", "tofacitinib 5 MG Oral Tablet")), want: w("combination-jak", "critical"),
			summaryOf: map[string]string{"combination-jak": "Confirm abrocitinib is stopped"}},
		{name: "fluoxetine on the chart for 100 days: abrocitinib starts at 50 mg", c: sign(upa(200, med("fx", "active", rxnorm, "4493", "fluoxetine 20 MG Oral Capsule", 100)), jakDraft("abrocitinib", 100)),
			want: w("cyp-interaction", "warning"), dose: 50},
	}
	runAcc(t, cases)
}

// xCase is a call with several draft orders: each code must be on count
// cards (one per order it concerns, or one card naming no order for all
// of them), at its level, and where on is given, on the card whose action
// names that order.
type xCase struct {
	name   string
	c      call
	count  map[string]int
	level  map[string]string
	on     map[string]string // code -> "MedicationRequest/id" its card acts on
	absent []string
	// summary: code -> text the card's summary holds.
	summary map[string]string
	noCards bool
}

// postDrafts posts a call of several orders and checks the answer as an EHR
// would take it (no empty value, valid cards, strict FHIR actions), with
// the per-order rule of contract 4 in place of the one-order helpers' one
// card per code: a code is on at most one card per order, and a card
// naming its order (a cancel, a dose update) names it once.
func postDrafts(t *testing.T, s *testServer, c call) []cards.Card {
	t.Helper()
	body := c.body(t)
	req := httptest.NewRequest("POST", "/cds-services/"+c.service(), bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	require.Equal(t, 200, rec.Code, rec.Body.String())
	require.NoError(t, cards.CheckEmpty(rec.Body.Bytes()))
	assert.NoError(t, outcheck.Response(body, rec.Body.Bytes()))
	var resp struct {
		Cards []cards.Card `json:"cards"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &resp))
	byCode := map[string][]cards.Card{}
	for _, k := range resp.Cards {
		assert.NoError(t, cards.Validate(k))
		for _, code := range k.Findings() {
			byCode[code] = append(byCode[code], k)
		}
	}
	for code, cs := range byCode {
		named := map[string]bool{}
		for _, k := range cs {
			orders := ordersOf(k)
			assert.LessOrEqual(t, len(cs), len(c.drafts), "%s: at most one card per order", code)
			for _, o := range orders {
				assert.False(t, named[o], "%s twice for %s", code, o)
				named[o] = true
			}
		}
	}
	return resp.Cards
}

// ordersOf returns the draft orders a card's actions name (delete
// resourceId, update resource).
func ordersOf(k cards.Card) []string {
	var out []string
	for _, sg := range k.Suggestions {
		for _, a := range sg.Actions {
			id := a.ResourceID
			if a.Type == cards.ActionUpdate && a.Resource != nil {
				var r struct{ ResourceType, ID string }
				if b, err := json.Marshal(a.Resource); err == nil && json.Unmarshal(b, &r) == nil {
					id = r.ResourceType + "/" + r.ID
				}
			}
			if id != "" && !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
	}
	return out
}

func runDrafts(t *testing.T, cases []xCase) {
	t.Helper()
	s := newTestServer(t, serverOpts{noStore: true})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cs := postDrafts(t, s, tc.c)
			if tc.noCards {
				assert.Empty(t, cs, cardSummaries(cs))
			}
			n := map[string]int{}
			for _, k := range cs {
				for _, code := range k.Findings() {
					n[code]++
				}
			}
			for code, want := range tc.count {
				assert.Equal(t, want, n[code], "cards with %s: %s", code, cardSummaries(cs))
				for _, k := range cs {
					if slices.Contains(k.Findings(), code) {
						if lv, ok := tc.level[code]; ok {
							assert.Equal(t, lv, string(k.Indicator), "%s: %s", code, k.Summary)
						}
						if s, ok := tc.summary[code]; ok {
							assert.Contains(t, k.Summary, s)
						}
					}
				}
			}
			for code, order := range tc.on {
				found := false
				for _, k := range cs {
					if slices.Contains(k.Findings(), code) {
						found = true
						assert.Equal(t, []string{order}, ordersOf(k), "%s acts on %s: %s", code, order, k.Summary)
					}
				}
				assert.True(t, found, "%s: %s", code, cardSummaries(cs))
			}
			for _, code := range tc.absent {
				assert.Zero(t, n[code], "%s: %s", code, cardSummaries(cs))
			}
		})
	}
}

// TestAcceptanceXhookDrafts: draftOrders with several orders, as EHRs send
// them. Each combination gives the warnings the labels call for once, on
// the card of the right order.
func TestAcceptanceXhookDrafts(t *testing.T) {
	upa := func(id string, mg int) res { m := jakDraft("upadacitinib", mg); m["id"] = id; return m }
	abro := func(id string, mg int) res { m := jakDraft("abrocitinib", mg); m["id"] = id; return m }
	clari := func() res { return drugDraft("clari", rxnorm, "21212", "clarithromycin 500 MG Oral Tablet") }
	clop := func() res { return onceDaily(drugDraft("clop", rxnorm, "32968", "clopidogrel 75 MG Oral Tablet")) }
	fluox := func() res { return drugDraft("fluox", rxnorm, "4493", "fluoxetine 20 MG Oral Capsule") }
	mmr := func() res { return serviceDraft("mmr", "draft", cvx, "03", "MMR vaccine") }
	igra := func() res { return serviceDraft("igra-o", "draft", loinc, "71773-6", "QuantiFERON") }
	sel := func(r *record, ids []string, drafts ...res) call {
		return call{hook: HookOrderSelect, r: r, drafts: drafts, selections: ids}
	}
	one := func(codes ...string) map[string]int {
		m := map[string]int{}
		for _, c := range codes {
			m[c] = 1
		}
		return m
	}
	cases := []xCase{
		// A JAK order and an interacting drug.
		{name: "upadacitinib 30 mg + clarithromycin: one CYP card, on the upadacitinib order, 15 mg",
			c: sign(cleanRecord(), upa("u", 30), clari()), count: one("cyp-interaction"), on: map[string]string{"cyp-interaction": "MedicationRequest/u"},
			summary: map[string]string{"cyp-interaction": "15 mg"}},
		{name: "abrocitinib 200 mg + fluoxetine: one CYP card, 50 mg",
			c: sign(cleanRecord(), abro("a", 200), fluox()), count: one("cyp-interaction"), on: map[string]string{"cyp-interaction": "MedicationRequest/a"},
			summary: map[string]string{"cyp-interaction": "50 mg"}},
		{name: "abrocitinib + clopidogrel: one critical card, cancelling the abrocitinib",
			c: sign(cleanRecord(), abro("a", 100), clop()), count: one("antiplatelet-abrocitinib"), level: w("antiplatelet-abrocitinib", "critical"),
			on: map[string]string{"antiplatelet-abrocitinib": "MedicationRequest/a"}},
		{name: "upadacitinib + MMR (ServiceRequest): one live-vaccine card",
			c: sign(cleanRecord(), upa("u", 15), mmr()), count: one("live-vaccine-ordered"), level: w("live-vaccine-ordered", "warning")},
		{name: "upadacitinib + dupilumab: one biologic card",
			c: sign(cleanRecord(), upa("u", 15), drugDraft("dupi2", "", "", "Dupixent 300 mg pen")), count: one("combination-biologic")},
		{name: "upadacitinib + tofacitinib: one critical card, cancelling the upadacitinib",
			c: sign(cleanRecord(), upa("u", 15), drugDraft("tofa", rxnorm, "1357536", "tofacitinib 5 MG Oral Tablet")), count: one("combination-jak"),
			level: w("combination-jak", "critical"), on: map[string]string{"combination-jak": "MedicationRequest/u"}},
		// Two JAK orders: each is the other's combination, on its own card.
		{name: "upadacitinib + abrocitinib: combination-jak on each order's card",
			c: sign(cleanRecord(), upa("u", 15), abro("a", 100)), count: map[string]int{"combination-jak": 2}, level: w("combination-jak", "critical")},
		// Two doses of the same JAK inhibitor.
		{name: "upadacitinib 15 + 30 mg: the session total said once, no combination",
			c: sign(cleanRecord(), upa("u1", 15), upa("u2", 30)), count: one("dose-above-label"), absent: []string{"combination-jak"}},
		{name: "upadacitinib 15 + 30 mg, no TB test: the screening card on each order (contract 4), the session total said once",
			c: sign(cleanRecord().drop("igra"), upa("u1", 15), upa("u2", 30)), count: map[string]int{"tb-screening-missing": 2, "dose-above-label": 1}},
		{name: "abrocitinib 100 mg twice (200 mg/day, the maximum), no CBC, no TB test: the screening card on each order",
			c: sign(cleanRecord().drop("igra").drop("alc"), abro("a1", 100), abro("a2", 100)), count: map[string]int{"tb-screening-missing": 2, "cbc-missing": 2}, absent: []string{"dose-above-label"}},
		{name: "upadacitinib 15 mg twice, pregnant: the critical card on each order (each cancels its own)",
			c: sign(cleanRecord().replace(cond("pg", sct, "77386006", "active")), upa("u1", 15), upa("u2", 15)), count: map[string]int{"pregnancy": 2}},
		// Two orders of one drug, each within the patient's limit, above
		// it together: keep one (no dose update: each is at the limit).
		{name: "aged 70, upadacitinib 15 + 15 mg: together above the 15 mg from 65, keep one order",
			c: sign(cleanRecord().born(bornAged(70)), upa("u1", 15), upa("u2", 15)), count: map[string]int{"lower-dose-recommended": 2},
			summary: map[string]string{"lower-dose-recommended": "Keep one upadacitinib order: this session's orders total 30 mg/day"}, absent: []string{"dose-above-label"}},
		{name: "aged 64, upadacitinib 15 + 15 mg: no age limit, within the maximum: nothing",
			c: sign(cleanRecord().born(bornAged(64)), upa("u1", 15), upa("u2", 15)), noCards: true},
		{name: "aged 65, upadacitinib 15 + 15 mg: keep one order",
			c: sign(cleanRecord().born(bornAged(65)), upa("u1", 15), upa("u2", 15)), count: map[string]int{"lower-dose-recommended": 2}},
		{name: "aged 70, one upadacitinib 15 mg order: nothing",
			c: sign(cleanRecord().born(bornAged(70)), upa("u1", 15)), noCards: true},
		{name: "clarithromycin on the chart, upadacitinib 15 + 15 mg: the CYP card says keep one order",
			c: sign(func() *record {
				r := cleanRecord()
				r.medications = append(r.medications, med("clari-rec", "active", rxnorm, "21212", "clarithromycin 500 MG Oral Tablet", 3))
				return r
			}(), upa("u1", 15), upa("u2", 15)), count: map[string]int{"cyp-interaction": 2},
			summary: map[string]string{"cyp-interaction": "Keep one upadacitinib order: this session's orders total 30 mg/day"}},
		{name: "clarithromycin on the chart, one upadacitinib 15 mg order: within the limit",
			c: sign(func() *record {
				r := cleanRecord()
				r.medications = append(r.medications, med("clari-rec", "active", rxnorm, "21212", "clarithromycin 500 MG Oral Tablet", 3))
				return r
			}(), upa("u1", 15)), count: one("cyp-interaction"), summary: map[string]string{"cyp-interaction": "Keep upadacitinib at the reduced dose"}},
		{name: "eGFR 50, abrocitinib 50 + 50 mg (100 mg/day, limit 50): keep one order",
			c: sign(cleanRecord().replace(obsQty("egfr", "98979-8", 50, "mL/min/{1.73_m2}", ago(3))), abro("a1", 50), abro("a2", 50)), count: map[string]int{"renal-impairment": 2},
			summary: map[string]string{"renal-impairment": "Keep one abrocitinib order: this session's orders total 100 mg/day"}},
		{name: "upadacitinib 15 mg and a cancelled 15 mg order, aged 70: the cancelled one does not count",
			c: sign(cleanRecord().born(bornAged(70)), upa("u1", 15), with(upa("u2", 15), "status", "cancelled")), noCards: true},
		// A JAK order with its screening tests in the same draft.
		{name: "upadacitinib + IGRA being ordered: the screening card says so, nothing to order again",
			c: sign(cleanRecord().drop("igra"), upa("u", 15), igra()), count: one("tb-screening-missing"),
			summary: map[string]string{"tb-screening-missing": "being ordered"}},
		{name: "order-select of upadacitinib, the IGRA unselected in the draft: still being ordered",
			c: sel(cleanRecord().drop("igra"), []string{"MedicationRequest/u"}, upa("u", 15), igra()), count: one("tb-screening-missing"),
			summary: map[string]string{"tb-screening-missing": "being ordered"}},
		// Selections naming one of several orders.
		{name: "order-select of the upadacitinib, clarithromycin unselected: the CYP card",
			c: sel(cleanRecord(), []string{"MedicationRequest/u"}, upa("u", 30), clari()), count: one("cyp-interaction"), on: map[string]string{"cyp-interaction": "MedicationRequest/u"}},
		// Workflow review: the upadacitinib selected before clarithromycin
		// was drafted had nothing to say of it, and nothing was said until
		// order-sign; the pairing is said when clarithromycin is selected.
		{name: "order-select of clarithromycin, upadacitinib drafted but no course: the CYP card, on the upadacitinib draft",
			c: sel(cleanRecord(), []string{"MedicationRequest/clari"}, upa("u", 30), clari()), count: one("cyp-interaction"), on: map[string]string{"cyp-interaction": "MedicationRequest/u"}},
		{name: "order-select of one of two upadacitinib orders: the session total still seen",
			c: sel(cleanRecord(), []string{"MedicationRequest/u2"}, upa("u1", 15), upa("u2", 30)), count: one("dose-above-label")},
		{name: "order-select of the upadacitinib only, abrocitinib drafted: combination-jak once",
			c: sel(cleanRecord(), []string{"MedicationRequest/u"}, upa("u", 15), abro("a", 100)), count: one("combination-jak"), on: map[string]string{"combination-jak": "MedicationRequest/u"}},
		// Patient on a course: renewal plus the interacting drug.
		{name: "on upadacitinib 30: renewal + clarithromycin: one CYP card, on the renewal (not also the reverse card)",
			c: sign(onCourseAt("upadacitinib", 30, 60), upa("u", 30), clari()), count: one("cyp-interaction"), on: map[string]string{"cyp-interaction": "MedicationRequest/u"}},
		// Workflow review: the renewal's card, as at order-sign (its dose
		// is the one to change), not the reverse card against the course.
		{name: "on upadacitinib: order-select of clarithromycin with the renewal drafted: one CYP card, on the renewal",
			c: sel(onCourseAt("upadacitinib", 30, 60), []string{"MedicationRequest/clari"}, upa("u", 30), clari()), count: one("cyp-interaction"),
			on: map[string]string{"cyp-interaction": "MedicationRequest/u"}},
		{name: "on upadacitinib: clarithromycin + MMR: one card each, each on its order",
			c: sign(onCourseAt("upadacitinib", 30, 60), clari(), mmr()), count: one("cyp-interaction", "live-vaccine-ordered"),
			on: map[string]string{"cyp-interaction": "MedicationRequest/clari", "live-vaccine-ordered": "ServiceRequest/mmr"}},
		{name: "on abrocitinib day 30: renewal + clopidogrel: one critical card, on the renewal",
			c: sign(onCourseAt("abrocitinib", 100, 30), abro("a", 100), clop()), count: one("antiplatelet-abrocitinib"), on: map[string]string{"antiplatelet-abrocitinib": "MedicationRequest/a"}},
		// The same drug already on record: a renewal, not a duplicate.
		{name: "on upadacitinib 15: the renewal alone: nothing",
			c: sign(onCourseAt("upadacitinib", 15, 60), upa("u", 15)), noCards: true},
		{name: "clarithromycin on record and again in the draft with upadacitinib 30: one CYP card",
			c: sign(func() *record {
				r := cleanRecord()
				r.medications = append(r.medications, med("clari-rec", "active", rxnorm, "21212", "clarithromycin 500 MG Oral Tablet", 3))
				return r
			}(), upa("u", 30), clari()), count: one("cyp-interaction"), on: map[string]string{"cyp-interaction": "MedicationRequest/u"}},
		{name: "on upadacitinib: tofacitinib on record and ordered again: one combination card (the order)",
			c: sign(func() *record {
				r := onCourseAt("upadacitinib", 15, 60)
				r.medications = append(r.medications, med("tofa-rec", "active", rxnorm, "1357536", "tofacitinib 5 MG Oral Tablet", 3))
				return r
			}(), drugDraft("tofa", rxnorm, "1357536", "tofacitinib 5 MG Oral Tablet")), count: one("combination-jak"), on: map[string]string{"combination-jak": "MedicationRequest/tofa"}},
	}
	runDrafts(t, cases)
}

// TestAcceptanceXhookRenewalReadsSinceStart: a renewal reads the counts,
// ALT/AST and lipids since the course start, as patient-view does, however
// long before the 90-day (12-month) window of the start rules. The order
// hooks pruned them from the record at their windows (a speed filter
// meant never to change a finding), so a platelet count of 40,000 or
// lymphocytes of 400, the latest since the start but 91 days old or more,
// were said on opening the chart and not on renewing the drug; and a
// renewal asked for the abrocitinib CBC and ALT/AST "due 4 weeks after
// starting" though they were done, which patient-view knew.
func TestAcceptanceXhookRenewalReadsSinceStart(t *testing.T) {
	var cases []accCase
	doors := func(name string, r func() *record, drug string, mg int, c accCase) {
		for _, k := range []struct {
			door string
			c    call
		}{
			{"order-sign", sign(r(), jakDraft(drug, mg))},
			{"order-select", call{hook: HookOrderSelect, r: r(), drafts: []res{jakDraft(drug, mg)}, selections: []string{"MedicationRequest/new"}}},
			{"patient-view", view(r())},
		} {
			x := c
			x.name, x.c = name+", "+k.door, k.c
			cases = append(cases, x)
		}
	}
	for _, d := range []int{89, 90, 91, 92, 93, 95, 150, 199} {
		doors(fmt.Sprintf("abrocitinib day 200, platelets 40,000 %d days ago (the latest)", d), func() *record {
			return onCourseAt("abrocitinib", 100, 200).replace(obsQty("plt", "777-3", 40, "10*3/uL", ago(d)))
		}, "abrocitinib", 100, accCase{want: w("thrombocytopenia", "critical")})
		doors(fmt.Sprintf("upadacitinib day 200, lymphocytes 400 %d days ago (the latest)", d), func() *record {
			return onCourseAt("upadacitinib", 15, 200).replace(obsQty("alc", "731-0", 0.4, "10*3/uL", ago(d)))
		}, "upadacitinib", 15, accCase{want: w("lymphopenia", "critical")})
		// The abrocitinib checks due 4 weeks after the start, done on day
		// 200-d: none due.
		doors(fmt.Sprintf("abrocitinib day 200, CBC, ALT and lipids only %d days ago", d), func() *record {
			r := onCourseAt("abrocitinib", 100, 200).drop("anc").drop("hgb").drop("plt")
			return r.replace(obsQty("alc", "731-0", 1.8, "10*3/uL", ago(d))).replace(obsQty("alt", "1742-6", 21, "U/L", ago(d))).
				replace(obsQty("ldl", "13457-7", 104, "mg/dL", ago(d)))
		}, "abrocitinib", 100, accCase{absent: []string{"monitoring-cbc-due", "monitoring-liver-due", "monitoring-lipids-due"}})
	}
	// The day before the start is no follow-up, at any door.
	doors("abrocitinib day 200, CBC, ALT and lipids only the day before the start", func() *record {
		r := onCourseAt("abrocitinib", 100, 200).drop("anc").drop("hgb").drop("plt")
		return r.replace(obsQty("alc", "731-0", 1.8, "10*3/uL", ago(201))).replace(obsQty("alt", "1742-6", 21, "U/L", ago(201))).
			replace(obsQty("ldl", "13457-7", 104, "mg/dL", ago(201)))
	}, "abrocitinib", 100, accCase{want: w("monitoring-cbc-due", "warning", "monitoring-liver-due", "warning", "monitoring-lipids-due", "warning")})
	// Upadacitinib's routine CBC every 12 weeks: the last one 100 days
	// ago is named, at every door.
	doors("upadacitinib day 200, the last CBC 100 days ago", func() *record {
		r := onCourseAt("upadacitinib", 15, 200).drop("anc").drop("hgb").drop("plt")
		return r.replace(obsQty("alc", "731-0", 1.8, "10*3/uL", ago(100)))
	}, "upadacitinib", 15, accCase{want: w("monitoring-cbc-due", "warning"), detailOf: map[string]string{"monitoring-cbc-due": "Last CBC on " + ago(100)}})
	runAcc(t, cases)
}

// asTemplate is the record as an EHR filling the hook's prefetch templates
// sends it: the Observations whose code the template lists, the Conditions
// of the clinical statuses it names (all when it names none).
func asTemplate(t *testing.T, s *testServer, hook string, r *record) *record {
	t.Helper()
	var tmpl map[string]string
	for _, svc := range s.Services() {
		if svc.ID == hook {
			tmpl = svc.Prefetch
		}
	}
	require.NotNil(t, tmpl, hook)
	param := func(q, name string) []string {
		for _, kv := range strings.Split(q[strings.Index(q, "?")+1:], "&") {
			if k, v, _ := strings.Cut(kv, "="); k == name {
				return strings.Split(v, ",")
			}
		}
		return nil
	}
	codes, statuses := param(tmpl["observations"], "code"), param(tmpl["conditions"], "clinical-status")
	out := &record{patient: r.patient, medications: r.medications, immunizations: r.immunizations}
	for _, o := range r.observations {
		for _, c := range o["code"].(res)["coding"].([]any) {
			cd := c.(res)
			if slices.Contains(codes, fmt.Sprint(cd["system"], "|", cd["code"])) {
				out.observations = append(out.observations, o)
				break
			}
		}
	}
	for _, c := range r.conditions {
		st := ""
		if cs, ok := c["clinicalStatus"].(res); ok {
			st = cs["coding"].([]any)[0].(res)["code"].(string)
		}
		if statuses == nil || slices.Contains(statuses, st) {
			out.conditions = append(out.conditions, c)
		}
	}
	return out
}

// TestAcceptanceXhookViewTemplate: patient-view reports what turned
// positive or began since the course start (pvevents review), and a
// renewal reports it too; but the patient-view prefetch templates asked
// only for the monitoring labs and the active conditions. An EHR filling
// them sent no TB test, HBsAg, HBV DNA or HCV RNA, and no MI entered as
// resolved, so the chart stayed silent about what the renewal said; and a
// personal history of TB (resolved) did not reach the rule it rules out.
// Each case runs the record as the templates let it through, on
// patient-view and on the renewal.
func TestAcceptanceXhookViewTemplate(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	type tc struct {
		name   string
		drug   string
		extra  []res
		want   map[string]string
		absent []string
	}
	cases := []tc{
		{name: "HBsAg positive since the start", drug: "upadacitinib", extra: []res{obsCode("hbsag", "5196-1", "10828004", ago(3))}, want: w("hbv-active", "critical")},
		{name: "HBV DNA detected since the start", drug: "abrocitinib", extra: []res{qty("dna", "29615-2", 5000, "[IU]/mL", "", ago(3))}, want: w("hbv-active", "critical")},
		{name: "HCV RNA detected since the start", drug: "upadacitinib", extra: []res{qty("rna", "11011-4", 250000, "[IU]/mL", "", ago(3))}, want: w("hcv-active", "critical")},
		{name: "IGRA positive since the start", drug: "abrocitinib", extra: []res{obsCode("igra", "71773-6", "10828004", ago(3))}, want: w("tb-latent-untreated", "critical")},
		{name: "IGRA positive since the start, personal history of TB (resolved): nothing", drug: "upadacitinib",
			extra: []res{obsCode("igra", "71773-6", "10828004", ago(3)), cond("tbhx", icd, "Z86.11", "resolved")}, absent: []string{"tb-latent-untreated"}},
		{name: "MI since the start, entered as resolved", drug: "upadacitinib", extra: []res{with(cond("mi", icd, "I21.4", "resolved"), "onsetDateTime", ago(10))}, want: w("mace-history", "warning")},
		{name: "malignancy since the start, in remission", drug: "abrocitinib", extra: []res{with(cond("ca", icd, "C50.911", "remission"), "onsetDateTime", ago(20))}, want: w("malignancy", "warning")},
		{name: "DVT since the start, no clinical status", drug: "upadacitinib", extra: []res{with(cond("dvt", icd, "I82.401", ""), "onsetDateTime", ago(15))}, want: w("vte-risk", "warning")},
		{name: "HBsAg negative since the start: nothing", drug: "upadacitinib", extra: []res{obsCode("hbsag", "5196-1", negative, ago(3))}, absent: []string{"hbv-active"}},
	}
	var acc []accCase
	for _, c := range cases {
		mg := map[string]int{"upadacitinib": 15, "abrocitinib": 100}[c.drug]
		r := onCourseAt(c.drug, mg, 200)
		for _, x := range c.extra {
			r.replace(x)
		}
		acc = append(acc,
			accCase{name: c.name + ", patient-view", c: view(asTemplate(t, s, HookPatientView, r)), want: c.want, absent: c.absent},
			accCase{name: c.name + ", order-sign of the renewal", c: sign(asTemplate(t, s, HookOrderSign, r), jakDraft(c.drug, mg)), want: c.want, absent: c.absent})
	}
	runAcc(t, acc)
}
