package hooks

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAcceptanceNoise10BesideNamesSelected: a second interacting drug of
// the same kind selected beside a JAK draft (ketoconazole after
// clarithromycin) gave the card said at the first one's selection again,
// its summary naming the first drug ("strong CYP inhibitor
// (clarithromycin)") while the clinician selected ketoconazole: read as a
// repeat, or as a card on the wrong order. The card now names the drug
// selected; order-sign and the first selection are unchanged.
func TestAcceptanceNoise10BesideNamesSelected(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	upa := func(mg int) res { m := jakDraft("upadacitinib", mg); m["id"] = "j"; return m }
	abro := func(mg int) res { m := jakDraft("abrocitinib", mg); m["id"] = "j"; return m }
	d := func(id, code, text string) res { return drugDraft(id, rxnorm, code, text) }
	clar := d("c", "21212", "clarithromycin 500 MG Oral Tablet")
	keto := d("k", "6135", "ketoconazole 200 MG Oral Tablet")
	itra := d("i", "28031", "itraconazole 100 MG Oral Capsule")
	rif := d("r", "9384", "rifampin 300 MG Oral Capsule")
	flu := d("f", "4493", "fluoxetine 20 MG Oral Capsule")
	tic := d("t", "10594", "ticlopidine 250 MG Oral Tablet")
	type step struct {
		sel  string // "" for order-sign
		want string // the cyp-interaction card's summary holds it
		not  string // and does not hold it ("" no check)
	}
	cases := []struct {
		name   string
		r      func() *record
		drafts []res
		steps  []step
	}{
		{"upadacitinib 30, clarithromycin, ketoconazole, itraconazole", cleanRecord, []res{upa(30), clar, keto, itra}, []step{
			{"MedicationRequest/c", "(clarithromycin", "ketoconazole"},
			{"MedicationRequest/k", "(ketoconazole", "clarithromycin"},
			{"MedicationRequest/i", "(itraconazole", "clarithromycin"},
			{"", "(clarithromycin", ""},
		}},
		{"upadacitinib 15 (reduced), clarithromycin, ketoconazole", cleanRecord, []res{upa(15), clar, keto}, []step{
			{"MedicationRequest/c", "Keep upadacitinib at the reduced dose: strong CYP inhibitor (clarithromycin", ""},
			{"MedicationRequest/k", "Keep upadacitinib at the reduced dose: strong CYP inhibitor (ketoconazole", "clarithromycin"},
		}},
		{"aged 70, upadacitinib 30, clarithromycin, ketoconazole", func() *record { return cleanRecord().born(bornAged(70)) }, []res{upa(30), clar, keto}, []step{
			{"MedicationRequest/k", "(ketoconazole", "clarithromycin"},
		}},
		// The avoid message leads whatever was selected last.
		{"upadacitinib 30, rifampin, then clarithromycin", cleanRecord, []res{upa(30), rif, clar}, []step{
			{"MedicationRequest/r", "Avoid upadacitinib with rifampin", ""},
			{"MedicationRequest/c", "Avoid upadacitinib with rifampin", ""},
		}},
		{"abrocitinib 200, fluoxetine, ticlopidine", cleanRecord, []res{abro(200), flu, tic}, []step{
			{"MedicationRequest/f", "(fluoxetine", "ticlopidine"},
			{"MedicationRequest/t", "(ticlopidine", "fluoxetine"},
			{"", "(fluoxetine", ""},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for i, st := range tc.steps {
				c := call{r: tc.r(), drafts: tc.drafts}
				if st.sel != "" {
					c.hook, c.selections = HookOrderSelect, []string{st.sel}
				}
				rec := s.do(t, "POST", "/cds-services/"+c.service(), c.body(t))
				require.Equal(t, 200, rec.Code, rec.Body.String())
				n := 0
				for _, cd := range decodeAnswer(t, rec.Body.Bytes()) {
					for _, code := range cd.Findings() {
						if code != "cyp-interaction" {
							continue
						}
						n++
						assert.Contains(t, cd.Summary, st.want, "step %d", i)
						if st.not != "" {
							assert.NotContains(t, strings.ToLower(cd.Summary), st.not, "step %d", i)
						}
					}
				}
				assert.Equal(t, 1, n, "step %d: one CYP card", i)
			}
		})
	}
}

// TestAcceptanceNoise10ScheduledStartScreening: an upadacitinib order on
// record dated to begin after today (a scheduled start, failsafe10) is a
// course none of which has been taken. An upadacitinib draft signed beside
// it (the dose changed before the start) was judged as a renewal of a
// course under way, and its screening before starting was not said: with
// no TB test on record, no card, and patient-view is quiet before the
// start too. It is judged as a start now; an order dated today, or one
// renewing a course under way, is judged as before.
func TestAcceptanceNoise10ScheduledStartScreening(t *testing.T) {
	withOrder := func(r *record, days int) *record {
		r.medications = append(r.medications, courseOrder("upa-s", "MedicationRequest", "active", "upadacitinib", ago(-days)))
		return r
	}
	noTB := func() *record { return cleanRecord().drop("igra") }
	tb := w("tb-screening-missing", "warning")
	runAcc(t, []accCase{
		{name: "no TB test, order dated today (begun): a renewal, no card", c: sign(withOrder(noTB(), 0), jakDraft("upadacitinib", 15)), noCards: true},
		{name: "no TB test, order dated tomorrow: a start, TB test asked", c: sign(withOrder(noTB(), 1), jakDraft("upadacitinib", 15)), want: tb},
		{name: "no TB test, order dated next week: a start, TB test asked", c: sign(withOrder(noTB(), 7), jakDraft("upadacitinib", 15)), want: tb},
		{name: "no TB test, order dated in 90 days: a start, TB test asked", c: sign(withOrder(noTB(), 90), jakDraft("upadacitinib", 15)), want: tb},
		{name: "screened, order dated next week: no card", c: sign(withOrder(cleanRecord(), 7), jakDraft("upadacitinib", 15)), noCards: true},
		{name: "no TB test, on a course since June, renewal dated next week: no card", c: sign(withOrder(noTB().onCourse("upadacitinib"), 7), jakDraft("upadacitinib", 15)), noCards: true},
	})
}
