package hooks

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The noise11 review (December 2026): dose cards of orders with several
// dose factors at once, and patient-view on long courses, read word by
// word as a hospital pharmacist and the CDS committee read them.

// TestAcceptanceNoise11DoseSetByLongReason: upadacitinib 45 mg for a
// smoker of 50 or over (two boxed-warning rows: cardiovascular risk and
// smoking) or for a smoker of 65 or over (the US age limit besides): the
// dose-above-label card said "Reduce upadacitinib to 15 mg daily: above
// the atopic dermatitis maximum", with no "lowest limit", because the
// limit's full wording ("aged 50 or over with cardiovascular risk factors
// and current or former smoker") did not fit in 140 characters: read
// alone, the summary gave 15 mg as the AD maximum (30 mg; RINVOQ 2.5),
// the very misreading the combos review fixed. The summary now names the
// limit short ("boxed-warning risks"), as the lower-dose card does; the
// action still words it in full. A limit that fits is named as before.
func TestAcceptanceNoise11DoseSetByLongReason(t *testing.T) {
	smoker := func() res { return obsCode("smoke", "72166-2", "449868002", "2026-11-02") }
	egfr := func(v float64) res { return obsQty("egfr", "98979-8", v, "mL/min/{1.73_m2}", "2026-11-02") }
	clari := func() res { return med("clari", "active", rxnorm, "21212", "clarithromycin 500 MG Oral Tablet", 5) }
	s := newTestServer(t, serverOpts{noStore: true})
	for _, tc := range []struct {
		name string
		r    *record
		mg   int
		dose int
		// by: the "lowest limit" the dose-above-label summary names ("":
		// none, the dose is its own 30 mg).
		by string
	}{
		{"smoker aged 64 (cardiovascular risk and smoking)", cleanRecord().born(bornAged(64)).replace(smoker()), 45, 15, "boxed-warning risks"},
		{"smoker aged 50", cleanRecord().born(bornAged(50)).replace(smoker()), 45, 15, "boxed-warning risks"},
		{"smoker aged 65", cleanRecord().born(bornAged(65)).replace(smoker()), 45, 15, "aged 65 or over and boxed-warning risks"},
		{"smoker aged 66, eGFR 30", cleanRecord().born(bornAged(66)).replace(smoker()).replace(egfr(30)), 45, 15, "aged 65 or over and boxed-warning risks"},
		{"smoker aged 49 (smoking alone): named in full, as before", cleanRecord().born(bornAged(49)).replace(smoker()), 45, 15, "current or former smoker"},
		{"aged 65, not a smoker: named in full, as before", cleanRecord().born(bornAged(65)), 45, 15, "aged 65 or over"},
		{"smoker aged 64 with clarithromycin: the inhibitor's limit comes first", func() *record {
			r := cleanRecord().born(bornAged(64)).replace(smoker())
			r.medications = append(r.medications, clari())
			return r
		}(), 45, 15, "a strong CYP3A4 inhibitor"},
		{"aged 64, not a smoker: 30 mg, its own", cleanRecord().born(bornAged(64)), 45, 30, ""},
	} {
		for _, hook := range []string{HookOrderSign, HookOrderSelect} {
			t.Run(tc.name+", "+hook, func(t *testing.T) {
				c := call{hook: hook, r: tc.r, drafts: []res{jakDraft("upadacitinib", tc.mg)}, selections: []string{"MedicationRequest/new"}}
				cs, body := c.post(t, s)
				checkAcc(t, accCase{dose: tc.dose, want: w("dose-above-label", "warning")}, cs, body)
				sum := cardWith(cs, "dose-above-label").Summary
				if tc.by == "" {
					assert.NotContains(t, sum, "lowest limit", "the dose is the card's own")
					return
				}
				assert.True(t, strings.HasSuffix(sum, "; lowest limit: "+tc.by), "summary %q names %q", sum, tc.by)
			})
		}
	}
}

// TestAcceptanceNoise11DoseAboveLabelNamesItsLimit: over pairs and triples
// of upadacitinib's dose factors (age 64/65/66, eGFR 14/15/29/30, Child-Pugh
// B, a smoker, clarithromycin, rifampin), a 45 mg order's dose-above-label
// card that names a dose below its own 30 mg names the limit that set it,
// and no card of the order names a dose while another rules the drug out.
func TestAcceptanceNoise11DoseAboveLabelNamesItsLimit(t *testing.T) {
	type factor struct {
		name string
		f    func(r *record)
	}
	addMed := func(m res) func(r *record) { return func(r *record) { r.medications = append(r.medications, m) } }
	egfr := func(v float64) func(r *record) {
		return func(r *record) { r.replace(obsQty("egfr", "98979-8", v, "mL/min/{1.73_m2}", "2026-11-02")) }
	}
	groups := [][]factor{
		{{"aged 64", func(r *record) { r.born(bornAged(64)) }}, {"aged 65", func(r *record) { r.born(bornAged(65)) }}, {"aged 66", func(r *record) { r.born(bornAged(66)) }}},
		{{"eGFR 14", egfr(14)}, {"eGFR 15", egfr(15)}, {"eGFR 29", egfr(29)}, {"eGFR 30", egfr(30)}},
		{{"a smoker", func(r *record) { r.replace(obsCode("smoke", "72166-2", "449868002", "2026-11-02")) }}},
		{{"clarithromycin", addMed(med("clari", "active", rxnorm, "21212", "clarithromycin 500 MG Oral Tablet", 5))}},
		{{"rifampin", addMed(med("rif", "active", rxnorm, "9384", "rifampin 300 MG Oral Capsule", 5))}},
	}
	s := newTestServer(t, serverOpts{noStore: true})
	var walk func(g int, chosen []factor)
	walk = func(g int, chosen []factor) {
		if g == len(groups) {
			if len(chosen) < 2 {
				return
			}
			r := cleanRecord()
			var names []string
			for _, f := range chosen {
				f.f(r)
				names = append(names, f.name)
			}
			t.Run(strings.Join(names, ", "), func(t *testing.T) {
				cs, _ := sign(r, jakDraft("upadacitinib", 45)).post(t, s)
				avoid := false
				for _, c := range cs {
					if c.Indicator == "critical" {
						avoid = true
					}
				}
				for _, c := range cs {
					mg := noise11DoseOf(c.Summary)
					if avoid {
						assert.Zero(t, mg, "no dose beside a critical card: %s", cardSummaries(cs))
					}
					if mg > 0 && mg < 30 && strings.Contains(c.Summary, "above the atopic dermatitis maximum") {
						assert.Contains(t, c.Summary, "; lowest limit: ", "the limit that set %d mg", mg)
					}
				}
			})
			return
		}
		walk(g+1, chosen)
		for _, f := range groups[g] {
			walk(g+1, append(append([]factor(nil), chosen...), f))
		}
	}
	walk(0, nil)
}

// noise11Named is the dose a summary names ("Reduce upadacitinib to 15 mg
// daily"), 0 when none.
var noise11Named = regexp.MustCompile(`(?i)(?:to|use \w+) (\d+) mg daily`)

func noise11DoseOf(summary string) int {
	if m := noise11Named.FindStringSubmatch(summary); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}

// TestAcceptanceNoise11RuledOutReasonOnce: beside a critical "Avoid
// abrocitinib: eGFR below 30", every other dose card of the order says no
// dose is suggested and why; it read "abrocitinib is not recommended for
// this patient (abrocitinib not recommended: eGFR below 30 or
// dialysis/end-stage renal disease)", the drug and "not recommended" said
// twice in one sentence. The reason is said once. eGFR at each drug's
// boundary: 14 and 29 rule the drug out (the sentence is checked), 15 and
// 30 do not (a dose is named).
func TestAcceptanceNoise11RuledOutReasonOnce(t *testing.T) {
	egfr := func(v float64) res { return obsQty("egfr", "98979-8", v, "mL/min/{1.73_m2}", "2026-11-02") }
	pm := cyp2c19PM("Poor metabolizer")
	aged := func(n int, v float64) *record { return cleanRecord().born(bornAged(n)).replace(egfr(v)) }
	clari := func(r *record) *record {
		r.medications = append(r.medications, med("clari", "active", rxnorm, "21212", "clarithromycin 500 MG Oral Tablet", 5))
		return r
	}
	once := func(drug, why string) string {
		return "No dose is suggested: " + drug + " is not recommended for this patient (" + why + ")."
	}
	upaWhy := once("upadacitinib", "eGFR below 15 or dialysis/end-stage renal disease")
	abroWhy := once("abrocitinib", "eGFR below 30 or dialysis/end-stage renal disease")
	runAcc(t, []accCase{
		{name: "upadacitinib 30 mg, aged 66, eGFR 14: the age card says the reason once", c: sign(aged(66, 14), jakDraft("upadacitinib", 30)),
			want: w("renal-impairment", "critical", "lower-dose-recommended", "warning"), noDose: true,
			detailOf: map[string]string{"lower-dose-recommended": upaWhy}, notDetailOf: map[string]string{"lower-dose-recommended": "(upadacitinib not recommended"}},
		{name: "upadacitinib 30 mg, clarithromycin, eGFR 14: the interaction card says it once", c: sign(clari(aged(40, 14)), jakDraft("upadacitinib", 30)),
			want: w("renal-impairment", "critical", "cyp-interaction", "warning"), noDose: true,
			detailOf: map[string]string{"cyp-interaction": upaWhy}, notDetailOf: map[string]string{"cyp-interaction": "(upadacitinib not recommended"}},
		{name: "upadacitinib 30 mg, aged 66, eGFR 15: 15 mg", c: sign(aged(66, 15), jakDraft("upadacitinib", 30)),
			want: w("renal-impairment", "warning", "lower-dose-recommended", "warning"), dose: 15},
		{name: "abrocitinib 200 mg, poor metabolizer, eGFR 29: said once", c: sign(aged(40, 29).replace(pm), jakDraft("abrocitinib", 200)),
			want: w("renal-impairment", "critical", "cyp2c19-poor-metabolizer", "warning"), noDose: true,
			detailOf: map[string]string{"cyp2c19-poor-metabolizer": abroWhy}, notDetailOf: map[string]string{"cyp2c19-poor-metabolizer": "(abrocitinib not recommended"}},
		{name: "abrocitinib 200 mg, poor metabolizer, eGFR 30: 50 mg", c: sign(aged(40, 30).replace(pm), jakDraft("abrocitinib", 200)),
			want: w("renal-impairment", "warning", "cyp2c19-poor-metabolizer", "warning"), dose: 50},
	})
}

// TestAcceptanceNoise11MonitoringReasonOnce: a patient-view monitoring card
// said why a check is due twice in each section, three times for ALT/AST:
// "- To order: ALT (ALT/AST due every 12 weeks on upadacitinib, last on
// DATE)", the same for AST, then "Order ALT/AST (due every 12 weeks on
// upadacitinib, last on DATE)." The test to order is named once with no
// reason beside it when the action says the reason; the dates are checked:
// the right course start after a switch between the drugs and after a
// restart following a gap of 3 (92 days) and 12 months, the last check
// named, the day before the due date (no card), on it and after it.
func TestAcceptanceNoise11MonitoringReasonOnce(t *testing.T) {
	type seg struct {
		drug       string
		mg         int
		start, end int // days ago; end -1: ongoing
	}
	build := func(segs []seg, labs ...int) *record {
		r := pvnChart(segs[0].drug, segs[0].mg, segs[0].start, 30, 0, -1)
		ms := []res{r.medications[0]} // dupilumab
		for i, sg := range segs {
			for n := sg.start; n >= max(sg.end, 0); n -= 30 {
				st := "completed"
				if n-30 < max(sg.end, 0) {
					st = map[bool]string{true: "active", false: "stopped"}[sg.end < 0]
				}
				ms = append(ms, courseMed(fmt.Sprintf("s%d-%d", i, n), "MedicationRequest", st, sg.drug, sg.mg, n))
			}
		}
		r.medications = ms
		for _, n := range labs {
			r.observations = append(r.observations, pvnLabs(fmt.Sprint("d", n), ago(n))...)
		}
		return r
	}
	s := newTestServer(t, serverOpts{noStore: true})
	type tcase struct {
		name  string
		r     *record
		card  bool
		start int // the course start named, days ago
		last  int // the last check named, days ago (0: none since the start)
		drug  string
	}
	var cases []tcase
	for _, d := range []int{-1, 0, 1} {
		cases = append(cases,
			tcase{fmt.Sprintf("upadacitinib 2 years, last labs %d days ago", 84+d), build([]seg{{"upadacitinib", 15, 730, -1}}, 84+d, 168+d, 400),
				d > 0, 730, 84 + d, "upadacitinib"},
			tcase{fmt.Sprintf("upadacitinib 4 months, last labs %d days ago", 84+d), build([]seg{{"upadacitinib", 15, 120, -1}}, 84+d),
				d > 0, 120, 84 + d, "upadacitinib"},
			tcase{fmt.Sprintf("switch from abrocitinib to upadacitinib %d days ago, labs before it", 84+d),
				build([]seg{{"abrocitinib", 100, 400, 84 + d}, {"upadacitinib", 15, 84 + d, -1}}, 104+d, 184+d), d >= 0, 84 + d, 0, "upadacitinib"},
			tcase{fmt.Sprintf("switch from upadacitinib to abrocitinib %d days ago, labs before it", 28+d),
				build([]seg{{"upadacitinib", 15, 400, 28 + d}, {"abrocitinib", 100, 28 + d, -1}}, 48+d, 128+d), d >= 0, 28 + d, 0, "abrocitinib"},
			tcase{fmt.Sprintf("upadacitinib restarted %d days ago after 92 days off", 84+d),
				build([]seg{{"upadacitinib", 15, 84 + d + 92 + 300, 84 + d + 92}, {"upadacitinib", 15, 84 + d, -1}}, 104+d, 84+d+142), d >= 0, 84 + d, 0, "upadacitinib"},
			tcase{fmt.Sprintf("abrocitinib restarted %d days ago after 12 months off", 28+d),
				build([]seg{{"abrocitinib", 100, 28 + d + 365 + 300, 28 + d + 365}, {"abrocitinib", 100, 28 + d, -1}}, 48+d, 28+d+415), d >= 0, 28 + d, 0, "abrocitinib"},
			tcase{fmt.Sprintf("upadacitinib restarted 300 days ago after 92 days off, last labs %d days ago", 84+d),
				build([]seg{{"upadacitinib", 15, 692, 392}, {"upadacitinib", 15, 300, -1}}, 84+d, 330), d > 0, 300, 84 + d, "upadacitinib"},
		)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cs, _ := view(tc.r).post(t, s)
			if !tc.card {
				assert.Empty(t, cs, cardSummaries(cs))
				return
			}
			if !assert.Len(t, cs, 1, cardSummaries(cs)) {
				return
			}
			det := cs[0].Detail
			assert.Equal(t, 1, strings.Count(det, "course started on "), det)
			assert.Contains(t, det, "course started on "+ago(tc.start)+" ", det)
			assert.NotContains(t, det, "To order: ALT (", "the reason is the action's: %s", det)
			assert.NotContains(t, det, "To order: CBC with differential (", det)
			assert.Contains(t, det, "- To order: CBC with differential\n", det)
			if tc.last == 0 {
				assert.Contains(t, det, "No CBC since the course start.", det)
				assert.Equal(t, 1, strings.Count(det, "(due 12 weeks after starting upadacitinib)")+strings.Count(det, "(due 4 weeks after starting abrocitinib)")-
					strings.Count(det, "ALT/AST (due")-strings.Count(det, "lipid panel (due"), det)
				assert.NotContains(t, det, "last on", det)
				return
			}
			why := "due every 12 weeks on " + tc.drug + ", last on " + ago(tc.last)
			assert.Equal(t, 2, strings.Count(det, why), "once for CBC, once for ALT/AST: %s", det)
			assert.Contains(t, det, "Order CBC ("+why+").", det)
			assert.Contains(t, det, "Order ALT/AST ("+why+").", det)
			assert.Contains(t, det, fmt.Sprintf("Overdue by %d day", tc.last-84), det)
		})
	}
}

// TestAcceptanceNoise11RenewalRiskCardRuledOut: a renewal that raises the
// dose (abrocitinib 100 to 200 mg, upadacitinib 15 to 30 mg) for a smoker
// gets the lower-dose card (EU advice), alone: the risk rows are start
// rules. Beside a finding that rules the drug out (eGFR under the label's
// limit, ticlopidine in the first 3 months), its summary read "Review
// abrocitinib: boxed-warning risks on record (course start unknown): ",
// an empty reason and a course start said unknown for a course dated 60
// days ago. It now states its limit "if used at all", as the order's
// other dose cards do (the age-65 card since the combos review); at the
// eGFR boundary where the drug is not ruled out, the dose is named.
func TestAcceptanceNoise11RenewalRiskCardRuledOut(t *testing.T) {
	smoker := func() res { return obsCode("smoke", "72166-2", "449868002", "2026-11-02") }
	egfr := func(v float64) res { return obsQty("egfr", "98979-8", v, "mL/min/{1.73_m2}", "2026-11-02") }
	course := func(drug string, mg int, e float64, ms ...res) *record {
		r := cleanRecord().born(bornAged(40)).replace(smoker()).replace(egfr(e))
		r.medications = append(r.medications, courseMed("jak-1", "MedicationRequest", "active", drug, mg, 60))
		r.medications = append(r.medications, ms...)
		return r
	}
	tic := med("tic", "active", rxnorm, "10594", "ticlopidine 250 MG Oral Tablet", 5)
	lower := "lower-dose-recommended"
	ruled := func(drug string, mg int) map[string]string {
		return map[string]string{lower: "Boxed-warning risks: " + drug + " " + strconv.Itoa(mg) + " mg daily at most, if used at all"}
	}
	cases := []accCase{
		{name: "abrocitinib 100 to 200 mg, eGFR 29: the limit if used at all", c: sign(course("abrocitinib", 100, 29), jakDraft("abrocitinib", 200)),
			want: w("renal-impairment", "critical", lower, "warning"), noDose: true, summaryOf: ruled("abrocitinib", 100)},
		{name: "abrocitinib 100 to 200 mg, eGFR 30: 50 mg", c: sign(course("abrocitinib", 100, 30), jakDraft("abrocitinib", 200)),
			want: w("renal-impairment", "warning", lower, "warning"), dose: 50},
		{name: "abrocitinib 100 to 200 mg, ticlopidine: the limit if used at all", c: sign(course("abrocitinib", 100, 98, tic), jakDraft("abrocitinib", 200)),
			want: w("antiplatelet-abrocitinib", "critical", lower, "warning"), noDose: true, summaryOf: ruled("abrocitinib", 100)},
		{name: "abrocitinib 100 to 200 mg, eGFR 98: 100 mg", c: sign(course("abrocitinib", 100, 98), jakDraft("abrocitinib", 200)),
			want: w(lower, "warning"), dose: 100},
		{name: "upadacitinib 15 to 30 mg, eGFR 14: the limit if used at all", c: sign(course("upadacitinib", 15, 14), jakDraft("upadacitinib", 30)),
			want: w("renal-impairment", "critical", lower, "warning"), noDose: true, summaryOf: ruled("upadacitinib", 15)},
		{name: "upadacitinib 15 to 30 mg, eGFR 15: 15 mg", c: sign(course("upadacitinib", 15, 15), jakDraft("upadacitinib", 30)),
			want: w("renal-impairment", "warning", lower, "warning"), dose: 15},
	}
	s := newTestServer(t, serverOpts{noStore: true})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cs, body := tc.c.post(t, s)
			checkAcc(t, tc, cs, body)
			for _, c := range cs {
				assert.False(t, strings.HasSuffix(strings.TrimSpace(c.Summary), ":"), "summary %q ends with nothing to say", c.Summary)
				assert.NotContains(t, c.Summary, "course start unknown", "the course is dated")
			}
		})
	}
}
