package hooks

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Noise review 13 (December 2026): a hospital pharmacist and a CDS
// committee member read every card of the acceptance scenarios and of
// fifteen new multi-problem patients, through the HTTP handler.

// TestAcceptanceNoise13AheadBesideMissing: a result dated after today that
// gives its own card (HBsAg positive dated 2036: "Do not start
// upadacitinib: active hepatitis B (result dated 2036-11-02, after today:
// check its date)") sat beside the record's own screening card saying "No
// HBsAg result since 2025-11-29": two cards of one answer contradicting
// each other on one result. The screening card stands (the date is in
// doubt: test again) and names that result as not counted. A result dated
// ahead that no card cites (a normal one, or an ALT with no rule of its
// own) is still not mentioned (tz question 1), and one within the hour's
// tolerance is current: no screening card at all.
func TestAcceptanceNoise13AheadBesideMissing(t *testing.T) {
	const y2036 = "2036-11-02"
	notCounted := func(what string) string {
		return "Not counted here: " + what + ", dated " + y2036 + ", after today (check its date"
	}
	within := testNow.Add(59 * 60 * 1e9).Format("2006-01-02T15:04:05Z07:00")
	upa := func(r *record) call { return sign(r, jakDraft("upadacitinib", 15)) }
	abro := func(r *record) call { return sign(r, jakDraft("abrocitinib", 100)) }
	runAcc(t, []accCase{
		{name: "IGRA positive dated 2036 alone: the TB screening card names it", c: upa(cleanRecord().replace(obsCode("igra", "71773-6", positive, y2036))),
			want:     w("tb-latent-untreated", "critical", "tb-screening-missing", "warning"),
			detailOf: map[string]string{"tb-screening-missing": notCounted("TB test positive"), "tb-latent-untreated": aheadNote(y2036)}},
		{name: "HBsAg positive dated 2036 alone: the hepatitis B screening card names it", c: upa(cleanRecord().replace(obsCode("hbsag", "5196-1", positive, y2036))),
			want:     w("hbv-active", "critical", "hbv-screening-missing", "warning"),
			detailOf: map[string]string{"hbv-screening-missing": notCounted("HBsAg positive")}},
		{name: "HCV antibody positive dated 2036 alone: the hepatitis C screening card names it", c: upa(cleanRecord().replace(obsCode("hcv", "13955-0", positive, y2036))),
			want:     w("hcv-antibody-positive", "warning", "hcv-screening-missing", "warning"),
			detailOf: map[string]string{"hcv-screening-missing": notCounted("HCV antibody positive")}},
		{name: "abrocitinib, platelets 40 dated 2036 alone: the CBC card names it", c: abro(cleanRecord().replace(qty("plt", "777-3", 40, "10*3/uL", "", y2036))),
			want:     w("thrombocytopenia", "critical", "cbc-missing", "warning"),
			detailOf: map[string]string{"cbc-missing": notCounted("Platelets 40 ×10³/µL")}},
		{name: "upadacitinib, ANC 0.8 dated 2036 alone: the CBC card names it", c: upa(cleanRecord().replace(qty("anc", "751-8", 0.8, "10*3/uL", "", y2036))),
			want:     w("neutropenia", "critical", "cbc-missing", "warning"),
			detailOf: map[string]string{"cbc-missing": notCounted("ANC 0.8 ×10³/µL")}},
		{name: "patient-view, abrocitinib course, no CBC since the start, platelets 40 dated 2036: the monitoring card names it",
			c:        view(coursed("abrocitinib", 60).replace(qty("plt2", "777-3", 40, "10*3/uL", "", y2036))),
			want:     w("thrombocytopenia", "critical", "monitoring-cbc-due", "warning"),
			detailOf: map[string]string{"monitoring-cbc-due": notCounted("Platelets 40 ×10³/µL")}},
		// Negatives: nothing cites the result dated ahead.
		{name: "ALT 400 dated 2036 alone: no card cites it, not mentioned", c: upa(cleanRecord().replace(obsQty("alt", "1742-6", 400, "U/L", y2036))),
			want: w("liver-enzymes-missing", "warning"), notDetailOf: map[string]string{"liver-enzymes-missing": "after today"}},
		{name: "patient-view, abrocitinib course, a normal CBC dated 2036: not mentioned",
			c:           view(coursed("abrocitinib", 60).replace(qty("plt2", "777-3", 250, "10*3/uL", "", y2036))),
			want:        w("monitoring-cbc-due", "warning"),
			notDetailOf: map[string]string{"monitoring-cbc-due": "after today"}},
		{name: "IGRA positive dated 2036 beside a negative of this month: no screening card", c: upa(cleanRecord().replace(obsCode("igra2", "71773-6", positive, y2036))),
			want: w("tb-latent-untreated", "critical"), absent: []string{"tb-screening-missing"}},
		// Boundary: 59 minutes ahead is current (no card questions it).
		{name: "ANC 0.8 59 minutes ahead alone: current, no CBC card", c: upa(cleanRecord().replace(qty("anc", "751-8", 0.8, "10*3/uL", "", within))),
			want: w("neutropenia", "critical"), absent: []string{"cbc-missing"}},
	})
}

// TestAcceptanceNoise13AvoidedInhibitorSummary: with ticlopidine (a strong
// CYP2C19 inhibitor contraindicated with abrocitinib in the first 3 months)
// and fluconazole (CYP2C19 and CYP2C9: avoid), the interaction card's
// summary read "CYP interaction (fluconazole 150 MG Oral Tablet):
// abrocitinib 50 mg daily at most, if used at all": the avoided drug named
// with ticlopidine's limit, the "avoid" only in the detail. It now says to
// avoid it, as without ticlopidine; with ticlopidine alone the limit's
// summary stands. The same for upadacitinib not recommended (eGFR 12) with
// rifampin (avoid) and clarithromycin (15 mg).
func TestAcceptanceNoise13AvoidedInhibitorSummary(t *testing.T) {
	tic := med("tic", "active", "", "", "ticlopidine hydrochloride 250 MG Oral Tablet", 20)
	fluc := med("fluc", "active", "", "", "fluconazole 150 MG Oral Tablet", 5)
	rif := med("rif", "active", "", "", "rifampin 300 MG Oral Capsule", 5)
	clar := med("clar", "active", "", "", "clarithromycin 500 MG Oral Tablet", 5)
	rec := func(egfr float64, ms ...res) *record {
		r := cleanRecord().replace(qty("egfr", "98979-8", egfr, "mL/min/{1.73_m2}", "", ago(10)))
		r.medications = append(r.medications, ms...)
		return r
	}
	runAcc(t, []accCase{
		{name: "abrocitinib, ticlopidine and fluconazole: avoid fluconazole", c: sign(rec(98, tic, fluc), jakDraft("abrocitinib", 200)),
			want: w("antiplatelet-abrocitinib", "critical", "cyp-interaction", "warning"), noDose: true,
			summaryOf: map[string]string{"cyp-interaction": "Avoid abrocitinib with fluconazole 150 MG Oral Tablet: CYP interaction (the label says avoid)"},
			detailOf:  map[string]string{"cyp-interaction": "No dose is suggested: abrocitinib is contraindicated with ticlopidine"}},
		{name: "abrocitinib, ticlopidine, fluconazole and eGFR 45: avoid fluconazole", c: sign(rec(45, tic, fluc), jakDraft("abrocitinib", 200)),
			want: w("antiplatelet-abrocitinib", "critical", "cyp-interaction", "warning", "renal-impairment", "warning"), noDose: true,
			summaryOf: map[string]string{"cyp-interaction": "Avoid abrocitinib with fluconazole"}},
		{name: "abrocitinib, ticlopidine alone: its limit, if used at all", c: sign(rec(98, tic), jakDraft("abrocitinib", 200)),
			want: w("antiplatelet-abrocitinib", "critical", "cyp-interaction", "warning"), noDose: true,
			summaryOf: map[string]string{"cyp-interaction": "CYP interaction (ticlopidine hydrochloride 250 MG Oral Tablet): abrocitinib 50 mg daily at most, if used at all"}},
		{name: "abrocitinib, fluconazole alone: avoid (unchanged)", c: sign(rec(98, fluc), jakDraft("abrocitinib", 200)),
			want:      w("cyp-interaction", "warning"),
			summaryOf: map[string]string{"cyp-interaction": "Avoid abrocitinib with fluconazole 150 MG Oral Tablet: CYP interaction (the label says avoid)"}},
		{name: "upadacitinib not recommended (eGFR 12), rifampin and clarithromycin: avoid rifampin", c: sign(rec(12, rif, clar), jakDraft("upadacitinib", 30)),
			want: w("renal-impairment", "critical", "cyp-interaction", "warning"), noDose: true,
			summaryOf: map[string]string{"cyp-interaction": "Avoid upadacitinib with rifampin 300 MG Oral Capsule: CYP interaction (not recommended by the label)"}},
		{name: "upadacitinib not recommended (eGFR 12), clarithromycin alone: its limit, if used at all", c: sign(rec(12, clar), jakDraft("upadacitinib", 30)),
			want: w("renal-impairment", "critical", "cyp-interaction", "warning"), noDose: true,
			summaryOf: map[string]string{"cyp-interaction": "CYP interaction (clarithromycin 500 MG Oral Tablet): upadacitinib 15 mg daily at most, if used at all"}},
	})
}

// TestAcceptanceNoise13InhibitorsPlural: "With ketoconazole and
// clarithromycin (a strong CYP3A4 inhibitor) the label dose is 15 mg"
// read as if one of them were; two drugs or more are "strong CYP3A4
// inhibitors". One drug under two names is one drug (singular).
func TestAcceptanceNoise13InhibitorsPlural(t *testing.T) {
	rec := func(names ...string) *record {
		r := cleanRecord()
		for i, n := range names {
			r.medications = append(r.medications, med("inh"+string(rune('a'+i)), "active", "", "", n, 5))
		}
		return r
	}
	keto, clar := "ketoconazole 200 MG Oral Tablet", "clarithromycin 500 MG Oral Tablet"
	flv, flx := "fluvoxamine maleate 100 MG Oral Tablet", "fluoxetine 20 MG Oral Capsule"
	runAcc(t, []accCase{
		{name: "upadacitinib, one inhibitor: singular", c: sign(rec(keto), jakDraft("upadacitinib", 30)), want: w("cyp-interaction", "warning"), dose: 15,
			detailOf: map[string]string{"cyp-interaction": "With " + keto + " (a strong CYP3A4 inhibitor) the label dose is 15 mg"}},
		{name: "upadacitinib, two inhibitors: plural", c: sign(rec(keto, clar), jakDraft("upadacitinib", 30)), want: w("cyp-interaction", "warning"), dose: 15,
			detailOf: map[string]string{"cyp-interaction": "With " + keto + " and " + clar + " (strong CYP3A4 inhibitors) the label dose is 15 mg"}},
		{name: "upadacitinib, one inhibitor under two names: singular", c: sign(rec(clar, "Clarithromycin 500 mg tablet"), jakDraft("upadacitinib", 30)),
			want: w("cyp-interaction", "warning"), dose: 15, notDetailOf: map[string]string{"cyp-interaction": "inhibitors)"}},
		{name: "abrocitinib, two inhibitors: plural", c: sign(rec(flv, flx), jakDraft("abrocitinib", 200)), want: w("cyp-interaction", "warning"), dose: 50,
			detailOf: map[string]string{"cyp-interaction": "(strong CYP2C19 inhibitors) the label dose is 50 mg"}},
		{name: "abrocitinib, one inhibitor: singular", c: sign(rec(flv), jakDraft("abrocitinib", 200)), want: w("cyp-interaction", "warning"), dose: 50,
			detailOf: map[string]string{"cyp-interaction": "(a strong CYP2C19 inhibitor) the label dose is 50 mg"}},
	})
}

// TestAcceptanceNoise13RenewalLowerDoseReason: a smoker's abrocitinib
// course raised from 100 to 200 mg (the risk rows are start rules: no card
// of their own on a renewal) read "Use abrocitinib 100 mg daily: lower dose
// recommended", the advice given as its own reason ("...; lowest limit:
// eGFR 30-59" beside an eGFR of 30). It now names the reason, as the
// ruled-out twin does ("Boxed-warning risks: ...", noise11); a 65-year-old
// on upadacitinib keeps the US label's age.
func TestAcceptanceNoise13RenewalLowerDoseReason(t *testing.T) {
	smoker := obsCode("smoke", "72166-2", "449868002", ago(20))
	course := func(drug string, mg, age int, egfr float64) *record {
		r := cleanRecord().born(bornAged(age)).replace(smoker).replace(obsQty("egfr", "98979-8", egfr, "mL/min/{1.73_m2}", ago(20)))
		r.medications = append(r.medications, courseMed("jak-1", "MedicationRequest", "active", drug, mg, 60))
		return r
	}
	lower := "lower-dose-recommended"
	runAcc(t, []accCase{
		{name: "abrocitinib 100 to 200 mg, smoker: boxed-warning risks", c: sign(course("abrocitinib", 100, 40, 98), jakDraft("abrocitinib", 200)),
			want: w(lower, "warning"), dose: 100, summaryOf: map[string]string{lower: "Use abrocitinib 100 mg daily: boxed-warning risks"}},
		{name: "abrocitinib 100 to 200 mg, smoker, eGFR 30: boxed-warning risks, lowest limit eGFR 30-59", c: sign(course("abrocitinib", 100, 40, 30), jakDraft("abrocitinib", 200)),
			want: w(lower, "warning", "renal-impairment", "warning"), dose: 50,
			summaryOf: map[string]string{lower: "Use abrocitinib 50 mg daily: boxed-warning risks; lowest limit: eGFR 30-59"}},
		{name: "upadacitinib 15 to 30 mg at 66, smoker: the age first", c: sign(course("upadacitinib", 15, 66, 98), jakDraft("upadacitinib", 30)),
			want: w(lower, "warning"), dose: 15, summaryOf: map[string]string{lower: "Use upadacitinib 15 mg daily: aged 65 or over (US label)"}},
	})
}

// TestAcceptanceNoise13WithoutAheadOneLine: a card given by a result dated
// after today in place of the record's own finding (failsafe13) listed that
// finding's evidence as lines of its own under "Without the results dated
// after today: ...": "- No Child-Pugh class on record." stood under "-
// Child-Pugh class C on 2036-04-04 ... read as current", and "- No eGFR
// within 12 months." under the eGFR 20 dated 2036, each read as the card's
// own. The record's evidence is now in that one line, in parentheses.
func TestAcceptanceNoise13WithoutAheadOneLine(t *testing.T) {
	const y = "2036-04-04"
	gfr := func(id string, v float64, date string) res {
		return qty(id, "98979-8", v, "mL/min/{1.73_m2}", "", date)
	}
	cirrhosis := cleanRecord()
	cirrhosis.conditions = append(cirrhosis.conditions, cond("cirr", sct, "19943007", "active"))
	cirrhosis.observations = append(cirrhosis.observations, with(rxStr("cp2", "98153-0", "C", 0), "effectiveDateTime", y))
	upaRenal := cleanRecord().replace(gfr("egfr", 25, ago(5)))
	upaRenal.observations = append(upaRenal.observations, gfr("egfr2", 10, y))
	oldGFR := cleanRecord().replace(gfr("egfr", 45, "2025-01-01"))
	oldGFR.observations = append(oldGFR.observations, gfr("egfr2", 20, y))
	normalAhead := cleanRecord().replace(gfr("egfr", 45, ago(5)))
	normalAhead.observations = append(normalAhead.observations, gfr("egfr2", 98, y))
	runAcc(t, []accCase{
		{name: "upadacitinib, cirrhosis with no class, Child-Pugh C dated 2036", c: sign(cirrhosis, jakDraft("upadacitinib", 15)),
			want:        w("severe-hepatic-impairment", "critical"),
			detailOf:    map[string]string{"severe-hepatic-impairment": "- Without the results dated after today: Cirrhosis without a Child-Pugh class: confirm the class (no Child-Pugh class on record).\n"},
			notDetailOf: map[string]string{"severe-hepatic-impairment": "- No Child-Pugh class on record."}},
		{name: "upadacitinib 30 mg, eGFR 25 now, 10 dated 2036", c: sign(upaRenal, jakDraft("upadacitinib", 30)),
			want: w("renal-impairment", "critical"), noDose: true,
			detailOf:    map[string]string{"renal-impairment": "- Without the results dated after today: Severe renal impairment (eGFR 15-29), 15 mg daily at most (eGFR 25 mL/min/1.73 m² on " + ago(5) + ").\n"},
			notDetailOf: map[string]string{"renal-impairment": "\n- eGFR 25"}},
		{name: "abrocitinib, eGFR 45 of 2025, 20 dated 2036", c: sign(oldGFR, jakDraft("abrocitinib", 100)),
			want:        w("renal-impairment", "critical"),
			detailOf:    map[string]string{"renal-impairment": "(eGFR 45 mL/min/1.73 m² on 2025-01-01; no eGFR within 12 months).\n"},
			notDetailOf: map[string]string{"renal-impairment": "- No eGFR within 12 months."}},
		{name: "abrocitinib, eGFR 45 now, 98 dated 2036: the record's own card, nothing said", c: sign(normalAhead, jakDraft("abrocitinib", 100)),
			want: w("renal-impairment", "warning"), dose: 50, notDetailOf: map[string]string{"renal-impairment": "after today"}},
	})
}

// TestAcceptanceNoise13CodeNameWithoutNote: an interacting drug ordered by
// its RxNorm code alone (no display, no text) is named by the knowledge
// base's display; "mycophenolate mofetil (recalled ingredient RxCUI, not
// verified)", the knowledge base's note on the code, was the card's
// summary and its "Cancel this ... order" label. The note is left out (the
// card says "not yet verified" on a line of its own); a product code's
// name is as before.
func TestAcceptanceNoise13CodeNameWithoutNote(t *testing.T) {
	coded := func(code string) res {
		m := drugDraft("other", "", "", "")
		m["medicationCodeableConcept"] = res{"coding": []any{res{"system": rxnorm, "code": code}}}
		return m
	}
	s := newTestServer(t, serverOpts{noStore: true})
	for _, x := range []struct {
		name, drug, code, code2, want string
	}{
		{"mycophenolate mofetil ingredient (recalled RxCUI)", "upadacitinib", "68149", "combination-immunosuppressant", "Avoid adding mycophenolate mofetil: patient is on upadacitinib (potent immunosuppressant)"},
		{"tacrolimus ingredient (recalled RxCUI)", "abrocitinib", "42316", "combination-immunosuppressant", "Avoid adding tacrolimus: patient is on abrocitinib (potent immunosuppressant)"},
		{"dupilumab ingredient (recalled RxCUI)", "upadacitinib", "1876376", "combination-biologic", "Avoid adding dupilumab: patient is on upadacitinib (biologic with a JAK inhibitor)"},
		{"mycophenolate mofetil product: as before", "upadacitinib", "199058", "combination-immunosuppressant", "Avoid adding mycophenolate mofetil: patient is on upadacitinib (potent immunosuppressant)"},
	} {
		t.Run(x.name, func(t *testing.T) {
			cs, _ := sign(onCourseNow(x.drug, 30), coded(x.code)).post(t, s)
			require.Contains(t, codesOf(cs), x.code2, cardSummaries(cs))
			c := cardWith(cs, x.code2)
			assert.Equal(t, x.want, c.Summary)
			for _, sg := range c.Suggestions {
				assert.NotContains(t, sg.Label, "RxCUI", sg.Label)
			}
			assert.NotContains(t, c.Summary, "not verified")
		})
	}
}

// TestAcceptanceNoise13ResumesNamedOnce: an avoided drug ordered after an
// abrocitinib course ended read "Avoid fluconazole if abrocitinib resumes:
// CYP interaction with abrocitinib (the label says avoid)": the course's
// drug twice. Said once; an ongoing course keeps "with abrocitinib".
func TestAcceptanceNoise13ResumesNamedOnce(t *testing.T) {
	fluc := drugDraft("fluc", "", "", "fluconazole 150 MG Oral Tablet")
	rif := drugDraft("rif", "", "", "rifampin 300 MG Oral Capsule")
	runAcc(t, []accCase{
		{name: "fluconazole, abrocitinib ended 30 days ago", c: sign(endedCourse("abrocitinib", 100, 30), fluc), want: w("cyp-interaction", "warning"),
			summaryOf: map[string]string{"cyp-interaction": "Avoid fluconazole if abrocitinib resumes: CYP interaction (the label says avoid)"}},
		{name: "rifampin, upadacitinib ended 30 days ago", c: sign(endedCourse("upadacitinib", 15, 30), rif), want: w("cyp-interaction", "warning"),
			summaryOf: map[string]string{"cyp-interaction": "Avoid rifampin if upadacitinib resumes: CYP interaction (not recommended by the label)"}},
		{name: "fluconazole, abrocitinib ongoing: unchanged", c: sign(onCourseNow("abrocitinib", 30), fluc), want: w("cyp-interaction", "warning"),
			summaryOf: map[string]string{"cyp-interaction": "Avoid fluconazole: CYP interaction with abrocitinib (the label says avoid)"}},
	})
}
