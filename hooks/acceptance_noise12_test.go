package hooks

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/cards"
)

// TestAcceptanceNoise12AheadSummary (noise12 review): a card given only
// because a result dated after today was read as current said so in its
// detail alone; its summary, all a prescriber reads in most EHRs, stated
// "Do not start abrocitinib: platelets below 150,000/mm³" as a fact when
// the only low count was dated 2036-11-29. The summary now ends "(result
// dated 2036-11-29, after today: check its date)"; a card the record's own
// results give says nothing of dates.
func TestAcceptanceNoise12AheadSummary(t *testing.T) {
	const y2036 = "2036-11-29"
	plt := func(v float64, date string) res { return qty("plt2", "777-3", v, "10*3/uL", "", date) }
	gfr := func(v float64, date string) res { return qty("egfr2", "98979-8", v, "mL/min/{1.73_m2}", "", date) }
	hbs := func(date string) res { return obsCode("hbsag2", "5196-1", positive, date) }
	const note = "after today: check its date)"
	cases := []struct {
		name string
		now  time.Time
		c    call
		code string
		// want: the summary names the result's date (date != "") or says
		// nothing of dates after today (date == "").
		date string
	}{
		{"abrocitinib sign: platelets 40 dated 2036 only", testNow, abro100(cleanRecord().replace(plt(40, y2036))), "thrombocytopenia", y2036},
		{"abrocitinib select: platelets 40 dated 2036 only", testNow,
			call{hook: HookOrderSelect, r: cleanRecord().replace(plt(40, y2036)), drafts: []res{jakDraft("abrocitinib", 100)}, selections: []string{"MedicationRequest/new"}}, "thrombocytopenia", y2036},
		{"abrocitinib sign: platelets 40 yesterday: no date in the summary", testNow, abro100(cleanRecord().replace(plt(40, ago(1)))), "thrombocytopenia", ""},
		{"abrocitinib sign: platelets 40 yesterday beside 250 dated 2036: no date", testNow, abro100(cleanRecord().replace(plt(40, ago(1))).replace(qty("plt3", "777-3", 250, "10*3/uL", "", y2036))), "thrombocytopenia", ""},
		{"abrocitinib sign: eGFR 45 dated 2036: the 50 mg card", testNow, abro100(cleanRecord().replace(gfr(45, y2036))), "renal-impairment", y2036},
		{"abrocitinib sign: eGFR 20 dated 2036 (longest summary)", testNow, abro100(cleanRecord().replace(gfr(20, y2036))), "renal-impairment", y2036},
		{"abrocitinib sign: eGFR 45 now, 20 dated 2036: the worse card", testNow,
			abro100(cleanRecord().replace(qty("egfr", "98979-8", 45, "mL/min/{1.73_m2}", "", ago(5))).replace(gfr(20, y2036))), "renal-impairment", y2036},
		{"upadacitinib sign: HBsAg positive dated 2036", testNow, upa15(cleanRecord().replace(hbs(y2036))), "hbv-active", y2036},
		{"upadacitinib sign: HBsAg positive yesterday: no date", testNow, upa15(cleanRecord().replace(hbs(ago(1)))), "hbv-active", ""},
		{"patient-view abrocitinib: platelets 40 dated 2036", testNow, view(onCourseNow("abrocitinib", 60).replace(plt(40, y2036))), "thrombocytopenia", y2036},
		{"patient-view upadacitinib: ANC 0.8 dated 2036", testNow, view(onCourseNow("upadacitinib", 60).replace(qty("anc2", "751-8", 0.8, "10*3/uL", "", y2036))), "neutropenia", y2036},
		{"patient-view upadacitinib: ANC 0.8 yesterday: no date", testNow, view(onCourseNow("upadacitinib", 60).replace(qty("anc2", "751-8", 0.8, "10*3/uL", "", ago(1)))), "neutropenia", ""},
		// A positive pregnancy test dated after today (its own rule,
		// failsafe5): "patient is pregnant" questioned as well.
		{"upadacitinib sign: hCG positive dated 2036 only", testNow, upa15(cleanRecord().replace(obsCode("hcg", "2106-3", positive, y2036))), "pregnancy", y2036},
		{"abrocitinib sign: hCG positive dated 2036 only", testNow, abro100(cleanRecord().replace(obsCode("hcg", "2106-3", positive, y2036))), "pregnancy", y2036},
		{"upadacitinib sign: hCG positive yesterday: no date", testNow, upa15(cleanRecord().replace(obsCode("hcg", "2106-3", positive, ago(1)))), "pregnancy", ""},
		{"upadacitinib sign: hCG positive dated 2036 beside a pregnancy condition: no date", testNow,
			upa15(cleanRecord().replace(obsCode("hcg", "2106-3", positive, y2036)).replace(with(condition("preg", sct, "77386006", "active"), "onsetDateTime", ago(30)))), "pregnancy", ""},
		// At the tolerance (an hour ahead): 59 and 60 minutes count as
		// past, no date; 61 minutes is after today.
		{"abrocitinib sign 23:30: platelets 40 at 00:29 tomorrow", time.Date(2026, 11, 29, 23, 30, 0, 0, time.UTC),
			abro100(cleanRecord().replace(plt(40, "2026-11-30T00:29:00Z"))), "thrombocytopenia", ""},
		{"abrocitinib sign 23:30: platelets 40 at 00:30 tomorrow", time.Date(2026, 11, 29, 23, 30, 0, 0, time.UTC),
			abro100(cleanRecord().replace(plt(40, "2026-11-30T00:30:00Z"))), "thrombocytopenia", ""},
		{"abrocitinib sign 23:30: platelets 40 at 00:31 tomorrow", time.Date(2026, 11, 29, 23, 30, 0, 0, time.UTC),
			abro100(cleanRecord().replace(plt(40, "2026-11-30T00:31:00Z"))), "thrombocytopenia", "2026-11-30"},
	}
	for _, x := range cases {
		t.Run(x.name, func(t *testing.T) {
			s := newTestServer(t, serverOpts{noStore: true})
			now := x.now
			s.now = func() time.Time { return now }
			cs, _ := x.c.post(t, s)
			require.Contains(t, codesOf(cs), x.code, cardSummaries(cs))
			c := cardWith(cs, x.code)
			assert.LessOrEqual(t, len([]rune(c.Summary)), cards.MaxSummaryRunes)
			if x.date == "" {
				assert.NotContains(t, c.Summary, "after today", c.Summary)
				return
			}
			assert.True(t, strings.HasSuffix(c.Summary, "(result dated "+x.date+", "+note), c.Summary)
			for _, o := range cs {
				if o.Summary != c.Summary {
					assert.NotContains(t, o.Summary, "after today", "only the card the result gives: %s", o.Summary)
				}
			}
		})
	}
}

// TestAcceptanceNoise12TwoPatientsWording (noise12 review): two Patient
// resources with different genders gave the line 'Patient recorded as
// "male" in one Patient resource and "female" in another (check the
// record) aged 30.', and with different birth dates too '... (check the
// record) aged 10 or 30 (two Patient resources with different birth dates:
// check the record).': the age after the parenthesis, "check the record"
// twice in one line. Now one sentence, said once.
func TestAcceptanceNoise12TwoPatientsWording(t *testing.T) {
	p := func(gender, birth string) res {
		x := res{"resourceType": "Patient", "id": "p1", "gender": gender}
		if birth != "" {
			x["birthDate"] = birth
		}
		return x
	}
	both := func(ps ...res) *record { r := cleanRecord().drop("hcg"); r.patient = bundleOf(ps); return r }
	cases := []struct {
		name, drug string
		r          *record
		want       string // the line of pregnancy-test-missing; "" for no card
	}{
		{"male and female, one birth date", "upadacitinib", both(p("male", bornAged(30)), p("female", bornAged(30))),
			`Patient aged 30, recorded as "male" in one Patient resource and "female" in another: check the record.`},
		{"female and male, two birth dates", "abrocitinib", both(p("female", bornAged(10)), p("male", bornAged(30))),
			`Patient aged 10 or 30, recorded as "female" in one Patient resource and "male" in another, with different birth dates: check the record.`},
		{"male and unknown, no birth date", "upadacitinib", both(p("male", ""), p("unknown", "")),
			`Patient of unknown age, recorded as "male" in one Patient resource and "unknown" in another: check the record.`},
		{"female twice, two birth dates: unchanged", "upadacitinib", both(p("female", bornAged(30)), p("female", bornAged(45))),
			`Female patient aged 30 or 45 (two Patient resources with different birth dates: check the record).`},
		// At the pregnancy-test age limit (50): 49, 50, 51 in the other version.
		{"male 51 and female 50: asked", "upadacitinib", both(p("male", bornAged(51)), p("female", bornAged(50))),
			`Patient aged 50 or 51, recorded as "male" in one Patient resource and "female" in another, with different birth dates: check the record.`},
		{"male 52 and female 51: not asked", "upadacitinib", both(p("male", bornAged(52)), p("female", bornAged(51))), ""},
		{"male twice: not asked", "upadacitinib", both(p("male", bornAged(30)), p("male", bornAged(49))), ""},
	}
	s := newTestServer(t, serverOpts{noStore: true})
	for _, x := range cases {
		t.Run(x.name, func(t *testing.T) {
			mg := map[string]int{"upadacitinib": 15, "abrocitinib": 100}[x.drug]
			cs, _ := sign(x.r, jakDraft(x.drug, mg)).post(t, s)
			if x.want == "" {
				assert.NotContains(t, codesOf(cs), "pregnancy-test-missing", cardSummaries(cs))
				return
			}
			require.Contains(t, codesOf(cs), "pregnancy-test-missing", cardSummaries(cs))
			d := cardWith(cs, "pregnancy-test-missing").Detail
			assert.Contains(t, d, "- "+x.want+"\n", d)
			assert.Equal(t, 1, strings.Count(d, "check the record"), d)
		})
	}
}

// TestAcceptanceNoise12AheadNotePunctuation: the note after a line that
// ends a sentence read "Body weight 35 kg on 2036-11-29, below 40 kg.;
// dated 2036-11-29, ..." (noise12 review).
func TestAcceptanceNoise12AheadNotePunctuation(t *testing.T) {
	wt := func(kg float64, date string) res { return qty("wt", "29463-7", kg, "kg", "", date) }
	cases := []struct {
		name string
		r    *record
		want string // in the weight-below-label card's detail; "" for no card
	}{
		{"aged 16, 35 kg dated 2036", cleanRecord().born(bornAged(16)).replace(wt(35, "2036-11-29")), "below 40 kg; dated 2036-11-29, after today: check its date; read as current"},
		{"aged 16, 39 kg dated 2036", cleanRecord().born(bornAged(16)).replace(wt(39, "2036-11-29")), "below 40 kg; dated 2036-11-29, after today"},
		{"aged 16, 40 kg dated 2036: no card", cleanRecord().born(bornAged(16)).replace(wt(40, "2036-11-29")), ""},
		{"aged 16, 35 kg last week: no note", cleanRecord().born(bornAged(16)).replace(wt(35, ago(7))), "below 40 kg."},
	}
	s := newTestServer(t, serverOpts{noStore: true})
	for _, x := range cases {
		t.Run(x.name, func(t *testing.T) {
			cs, _ := upa15(x.r).post(t, s)
			if x.want == "" {
				assert.NotContains(t, codesOf(cs), "weight-below-label", cardSummaries(cs))
				return
			}
			require.Contains(t, codesOf(cs), "weight-below-label", cardSummaries(cs))
			d := cardWith(cs, "weight-below-label").Detail
			assert.Contains(t, d, x.want, d)
			assert.NotContains(t, d, ".;", d)
		})
	}
}
