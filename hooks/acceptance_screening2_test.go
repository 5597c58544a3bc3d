package hooks

import (
	"fmt"
	"testing"
)

// Second review of the pre-treatment screening results at order time
// (contract sections 5 and 6; RINVOQ/CIBINQO US PI 2.1, 5.x), as a
// clinical pharmacist reads them: which of several results counts, the
// shapes of viral-load and IGRA results the first review did not cover,
// TB treatments that count and ones that do not, and the CBC thresholds
// written as text. Positive and negative rows: a false alarm gets the
// service switched off as surely as a miss harms a patient.

// at is a result's effectiveDateTime at a time of day, days ago.
func at(days int, hhmm string) string { return ago(days) + "T" + hhmm + ":00Z" }

// flagged adds a v3 interpretation to a result.
func flagged(r res, flag string) res { return with(r, "interpretation", []any{coding(v3interp, flag)}) }

// sDated is rxStr with a given date (date-only or date-time).
func sDated(id, loincCode, value, date string) res {
	return with(rxStr(id, loincCode, value, 0), "effectiveDateTime", date)
}

// TestScreen2SameDay: a result written date-only and one with a time on
// the same day are neither newer than the other (docs/rules.md "Which
// results count"): the worse one counts for the qualitative screening
// tests too, as it already does for counts.
func TestScreen2SameDay(t *testing.T) {
	cases := []accCase{
		{name: "HBsAg positive (date-only) and negative at 16:00 the same day: active hepatitis B", c: upa15(cleanRecord().
			replace(obsCode("hbsag0", "5196-1", positive, ago(10))).replace(obsCode("hbsag", "5196-1", negative, at(10, "16:00")))),
			want: w("hbv-active", "critical")},
		{name: "HBsAg negative (date-only) and positive at 16:00 the same day: active hepatitis B", c: upa15(cleanRecord().
			replace(obsCode("hbsag0", "5196-1", negative, ago(10))).replace(obsCode("hbsag", "5196-1", positive, at(10, "16:00")))),
			want: w("hbv-active", "critical")},
		{name: "HBsAg positive (date-only) the day before a negative at 16:00: the negative is newer", c: upa15(cleanRecord().
			replace(obsCode("hbsag0", "5196-1", positive, ago(11))).replace(obsCode("hbsag", "5196-1", negative, at(10, "16:00")))),
			noCards: true},
		{name: "HCV RNA detected (date-only) and not detected at 09:00 the same day: active hepatitis C", c: abro100(cleanRecord().
			replace(rxStr("hcvrna0", "11259-9", "Detected", 10)).replace(sDated("hcvrna", "11259-9", "Not detected", at(10, "09:00")))),
			want: w("hcv-active", "critical")},
		{name: "anti-HBc positive (date-only) and negative at 08:00 the same day: core antibody warning", c: abro100(cleanRecord().
			replace(obsCode("hbc0", "16933-4", positive, ago(10))).replace(obsCode("hbc", "16933-4", negative, at(10, "08:00")))),
			want: w("hbv-core-antibody-positive", "warning"), absent: []string{"hbv-active"}},
		{name: "HBsAg negative twice on one day (date-only and timed): screened, nothing", c: upa15(cleanRecord().
			replace(obsCode("hbsag0", "5196-1", negative, ago(10))).replace(obsCode("hbsag", "5196-1", negative, at(10, "16:00")))),
			noCards: true},
	}
	runAcc(t, cases)
}

// TestScreen2IGRAParts: an IGRA sent as its parts. The QuantiFERON tube
// values (64084-7 TB1, 88517-8 TB2) and the TB-minus-nil value 46217-6
// carry reference-range flags; an indeterminate final interpretation of
// the same specimen (high nil, low mitogen: the patient's T cells did not
// respond) must not be read as a negative test because a tube value
// beside it is flagged normal. TST induration in mm (1648-5) has no
// cut-off in the knowledge base (section 2.1, grade U for cut-offs): it is
// read only by an interpretation.
func TestScreen2IGRAParts(t *testing.T) {
	noIGRA := func() *record { return cleanRecord().drop("igra") }
	tb1 := func(v float64, date string) res { return qty("tb1", "64084-7", v, "[IU]/mL", "IU/mL", date) }
	tb2 := func(v float64, date string) res { return qty("tb2", "88517-8", v, "[IU]/mL", "IU/mL", date) }
	ind := func(date string) res { return obsCode("qft", "71773-6", "82334004", date) }
	cases := []accCase{
		{name: "QFT indeterminate with TB1 and TB2 flagged N at the same instant: TB test to repeat", c: upa15(noIGRA().
			replace(ind(at(10, "09:00"))).replace(flagged(tb1(0.02, at(10, "09:00")), "N")).replace(flagged(tb2(0.01, at(10, "09:00")), "N"))),
			want: w("tb-screening-missing", "warning"), absent: []string{"tb-latent-untreated"}},
		{name: "QFT indeterminate (date-only) with TB1 flagged N the same day: TB test to repeat", c: abro100(noIGRA().
			replace(ind(ago(10))).replace(flagged(tb1(0.02, at(10, "09:00")), "N"))),
			want: w("tb-screening-missing", "warning")},
		{name: "QFT 'Indeterminate' as text with TB1 flagged L: TB test to repeat", c: upa15(noIGRA().
			replace(sDated("qft", "71773-6", "Indeterminate", at(10, "09:00"))).replace(flagged(tb1(0.02, at(10, "09:00")), "L"))),
			want: w("tb-screening-missing", "warning")},
		{name: "QFT indeterminate today, negative QFT 6 months ago: the older negative still screens", c: upa15(cleanRecord().
			replace(obsCode("igra", "71773-6", negative, ago(180))).replace(ind(ago(1)))),
			noCards: true},
		{name: "QFT negative with TB1 and TB2 flagged N: screened, nothing", c: upa15(noIGRA().
			replace(obsCode("qft", "71773-6", negative, at(10, "09:00"))).replace(flagged(tb1(0.02, at(10, "09:00")), "N")).replace(flagged(tb2(0.01, at(10, "09:00")), "N"))),
			noCards: true},
		{name: "QFT positive with TB1 flagged N and TB2 flagged H: latent TB", c: abro100(noIGRA().
			replace(obsCode("qft", "71773-6", positive, at(10, "09:00"))).replace(flagged(tb1(0.2, at(10, "09:00")), "N")).replace(flagged(tb2(0.9, at(10, "09:00")), "H"))),
			want: w("tb-latent-untreated", "critical"), absent: []string{"tb-screening-missing"}},
		{name: "QFT tube values only, no flags and no interpretation: unreadable, TB test asked", c: upa15(noIGRA().
			replace(tb1(0.02, ago(10))).replace(tb2(0.01, ago(10)))),
			want: w("tb-screening-missing", "warning"), absent: []string{"tb-latent-untreated"}},
		{name: "QuantiFERON valueString 'Positive' on 46217-6: latent TB", c: upa15(noIGRA().replace(rxStr("qft", "46217-6", "Positive", 10))),
			want: w("tb-latent-untreated", "critical")},
		{name: "TST 1648-5 12 mm with no interpretation: no cut-off, TB test asked, no latent-TB alarm", c: upa15(noIGRA().
			replace(qty("tst", "1648-5", 12, "mm", "mm", ago(10)))),
			want: w("tb-screening-missing", "warning"), absent: []string{"tb-latent-untreated"}},
		{name: "TST 1648-5 12 mm interpreted POS: latent TB", c: upa15(noIGRA().replace(flagged(qty("tst", "1648-5", 12, "mm", "mm", ago(10)), "POS"))),
			want: w("tb-latent-untreated", "critical")},
		{name: "TST 1648-5 0 mm interpreted NEG: screened", c: upa15(noIGRA().replace(flagged(qty("tst", "1648-5", 0, "mm", "mm", ago(10)), "NEG"))),
			noCards: true},
		{name: "TST 39263-9 coded negative: screened", c: abro100(noIGRA().replace(obsCode("tst", "39263-9", negative, ago(10)))), noCards: true},
		{name: "positive IGRA then a negative IGRA a month later: a positive is not undone (reversion)", c: upa15(cleanRecord().
			replace(obsCode("igra0", "71773-6", positive, ago(60))).replace(obsCode("igra", "71773-6", negative, ago(30)))),
			want: w("tb-latent-untreated", "critical"), absent: []string{"tb-screening-missing"}},
	}
	runAcc(t, cases)
}

// TestScreen2TBTreatment: treatments of latent TB that count (3HP
// rifapentine with isoniazid, 4R rifampin, 6-9H isoniazid) and rifamycins
// that are not TB treatment (rifaximin, a gut antibiotic).
func TestScreen2TBTreatment(t *testing.T) {
	pos := func() *record { return cleanRecord().replace(obsCode("igra", "71773-6", positive, ago(200))) }
	cases := []accCase{
		{name: "3HP: rifapentine completed: treated", c: upa15(pos().replace(med("rpt", "completed", "", "", "rifapentine 150 MG Oral Tablet", 150))), noCards: true},
		{name: "3HP: Priftin completed: treated", c: upa15(pos().replace(stmt("rpt", "completed", "", "", "Priftin 150 mg", 150))), noCards: true},
		{name: "4R: rifampin 9384 completed: treated", c: abro100(pos().replace(med("rif", "completed", rxnorm, "9384", "rifampin", 150))), noCards: true},
		{name: "isoniazid 6038 active: treated", c: abro100(pos().replace(med("inh", "active", rxnorm, "6038", "isoniazid", 30))), noCards: true},
		{name: "rifaximin 550 mg completed: not TB treatment", c: upa15(pos().replace(med("rfx", "completed", "", "", "rifaximin 550 MG Oral Tablet", 150))),
			want: w("tb-latent-untreated", "critical")},
		{name: "Xifaxan active: not TB treatment", c: upa15(pos().replace(med("rfx", "active", "", "", "Xifaxan 550 mg tablet", 30))),
			want: w("tb-latent-untreated", "critical")},
		{name: "rifabutin completed: counts as TB treatment (committee item)", c: upa15(pos().replace(med("rfb", "completed", "", "", "rifabutin 150 MG Oral Capsule", 150))), noCards: true},
		{name: "latent TB Z22.7 resolved, positive IGRA, no TB drug on record: untreated (committee item)", c: upa15(pos().replace(cond("ltbi", icd, "Z22.7", "resolved"))),
			want: w("tb-latent-untreated", "critical")},
		{name: "rifampin stopped after 2 weeks: untreated", c: upa15(pos().replace(med("rif", "stopped", rxnorm, "9384", "rifampin", 150))),
			want: w("tb-latent-untreated", "critical")},
		{name: "latent TB Z22.7 in remission, isoniazid completed, positive IGRA: treated, nothing", c: upa15(pos().
			replace(cond("ltbi", icd, "Z22.7", "remission")).replace(med("inh", "completed", rxnorm, "6038", "isoniazid", 400))), noCards: true},
		{name: "latent TB Z22.7 in remission, no test this year, no treatment on record: no TB test asked, no alarm", c: upa15(cleanRecord().drop("igra").
			replace(cond("ltbi", icd, "Z22.7", "remission"))), noCards: true},
		{name: "latent TB Z22.7 active, rifampin completed: treated", c: abro100(cleanRecord().
			replace(cond("ltbi", icd, "Z22.7", "active")).replace(med("rif", "completed", rxnorm, "9384", "rifampin", 150))), noCards: true},
	}
	runAcc(t, cases)
}

// TestScreen2HepatitisShapes: HBsAg answers as labs word them, HBV DNA and
// HCV RNA at and around the limits, "TND", log units.
func TestScreen2HepatitisShapes(t *testing.T) {
	hbs := func(v string) res { return rxStr("hbsag", "5196-1", v, 10) }
	dna := func(v string) res { return rxStr("hbvdna", "42595-9", v, 10) }
	rna := func(v string) res { return rxStr("hcvrna", "11011-4", v, 10) }
	hcvPos := func() *record { return cleanRecord().replace(obsCode("hcv", "13955-0", positive, ago(20))) }
	cases := []accCase{
		{name: "HBsAg 'Repeatedly reactive': active", c: upa15(cleanRecord().replace(hbs("Repeatedly reactive"))), want: w("hbv-active", "critical")},
		{name: "HBsAg 'Weakly positive': active", c: upa15(cleanRecord().replace(hbs("Weakly positive"))), want: w("hbv-active", "critical")},
		{name: "HBsAg 'Reactive, confirmed by neutralization': active", c: upa15(cleanRecord().replace(hbs("Reactive, confirmed by neutralization"))), want: w("hbv-active", "critical")},
		{name: "HBsAg 'Equivocal' only: not a screen, asked again", c: upa15(cleanRecord().replace(hbs("Equivocal"))),
			want: w("hbv-screening-missing", "warning"), absent: []string{"hbv-active"}},
		{name: "HBsAg 'Non reactive': screened", c: upa15(cleanRecord().replace(hbs("Non reactive"))), noCards: true},
		{name: "HBsAg positive then negative a week later: the latest counts (committee item)", c: upa15(cleanRecord().
			replace(obsCode("hbsag0", "5196-1", positive, ago(17))).replace(obsCode("hbsag", "5196-1", negative, ago(10)))), noCards: true},
		{name: "HBsAg negative then positive a week later: active", c: upa15(cleanRecord().
			replace(obsCode("hbsag0", "5196-1", negative, ago(17))).replace(obsCode("hbsag", "5196-1", positive, ago(10)))), want: w("hbv-active", "critical")},
		{name: "HBV DNA 'Not detected': nothing", c: upa15(cleanRecord().replace(dna("Not detected"))), noCards: true},
		{name: "HBV DNA '<10 IU/mL': below the limit, not detected", c: upa15(cleanRecord().replace(dna("<10 IU/mL"))), noCards: true},
		{name: "HBV DNA 'Detected <10 IU/mL': detectable, active", c: upa15(cleanRecord().replace(dna("Detected <10 IU/mL"))), want: w("hbv-active", "critical")},
		{name: "HBV DNA '<10 IU/mL detected': detectable, active", c: upa15(cleanRecord().replace(dna("<10 IU/mL, detected"))), want: w("hbv-active", "critical")},
		{name: "HBV DNA '25 IU/mL': active", c: upa15(cleanRecord().replace(dna("25 IU/mL"))), want: w("hbv-active", "critical")},
		{name: "HBV DNA quantity <10 flagged DET: active", c: upa15(cleanRecord().replace(flagged(with(qty("hbvdna", "42595-9", 10, "[IU]/mL", "IU/mL", ago(10)), "valueQuantity",
			res{"value": 10, "comparator": "<", "unit": "IU/mL", "system": "http://unitsofmeasure.org", "code": "[IU]/mL"}), "DET"))), want: w("hbv-active", "critical")},
		{name: "HCV antibody positive, RNA 'Target not detected': cleared", c: upa15(hcvPos().replace(rna("Target not detected"))), noCards: true},
		{name: "HCV antibody positive, RNA 'TND': cleared", c: upa15(hcvPos().replace(rna("TND"))), noCards: true},
		{name: "HCV antibody positive, RNA '<15 IU/mL, target not detected': cleared", c: upa15(hcvPos().replace(rna("<15 IU/mL, target not detected"))), noCards: true},
		{name: "HCV antibody positive, RNA 'Below detection limit': cleared", c: upa15(hcvPos().replace(rna("Below detection limit"))), noCards: true},
		{name: "HCV antibody positive, RNA 'Below the limit of detection (<15 IU/mL)': cleared", c: upa15(hcvPos().replace(rna("Below the limit of detection (<15 IU/mL)"))), noCards: true},
		{name: "HBV DNA 'Detected, below the limit of quantification': active", c: upa15(cleanRecord().replace(dna("Detected, below the limit of quantification"))), want: w("hbv-active", "critical")},
		{name: "HCV antibody positive, RNA 'Below the limit of quantification' (may be detected): antibody warning stays", c: upa15(hcvPos().replace(rna("Below the limit of quantification"))),
			want: w("hcv-antibody-positive", "warning"), absent: []string{"hcv-active"}},
		{name: "HCV antibody positive, RNA '<15 IU/mL detected': viraemic, active", c: upa15(hcvPos().replace(rna("<15 IU/mL detected"))),
			want: w("hcv-active", "critical"), absent: []string{"hcv-antibody-positive"}},
		{name: "HCV RNA '1.2 log IU/mL': active", c: abro100(cleanRecord().replace(rna("1.2 log IU/mL"))), want: w("hcv-active", "critical")},
		{name: "HCV RNA quantity 5.3 log[IU]/mL: active", c: abro100(cleanRecord().replace(qty("hcvrna", "11011-4", 5.3, "", "log IU/mL", ago(10)))), want: w("hcv-active", "critical")},
		{name: "HCV RNA '<1.18 log IU/mL': not detected", c: abro100(hcvPos().replace(rna("<1.18 log IU/mL"))), noCards: true},
		{name: "HCV antibody positive, RNA pending (registered): antibody warning", c: upa15(hcvPos().replace(with(rna("Detected"), "status", "registered"))),
			want: w("hcv-antibody-positive", "warning"), absent: []string{"hcv-active"}},
		{name: "HCV antibody positive, RNA only before the antibody: antibody warning", c: upa15(hcvPos().replace(rxStr("hcvrna", "11259-9", "Not detected", 400))),
			want: w("hcv-antibody-positive", "warning")},
	}
	runAcc(t, cases)
}

// TestScreen2CountsAsText: CBC thresholds written as text, comparators,
// hemoglobin in g/L and mmol/L, and a same-day duplicate.
func TestScreen2CountsAsText(t *testing.T) {
	s := func(id, l, v string) res { return rxStr(id, l, v, 10) }
	type row struct {
		name, id, loincCode, value, drug, finding string
	}
	rows := []row{
		{"ALC '<0.5 10*3/uL'", "alc", "731-0", "<0.5 10*3/uL", "upadacitinib", "lymphopenia"},
		{"ALC '0.49 x10E3/uL'", "alc", "731-0", "0.49 x10E3/uL", "abrocitinib", "lymphopenia"},
		{"ALC '0.5 K/uL'", "alc", "731-0", "0.5 K/uL", "upadacitinib", ""},
		{"ALC '0,51 10^9/L'", "alc", "731-0", "0,51 10^9/L", "abrocitinib", ""},
		{"ALC '499 cells/uL'", "alc", "731-0", "499 cells/uL", "upadacitinib", "lymphopenia"},
		{"ANC '0.99 10*9/L'", "anc", "751-8", "0.99 10*9/L", "abrocitinib", "neutropenia"},
		{"ANC '1.0 10*9/L'", "anc", "751-8", "1.0 10*9/L", "upadacitinib", ""},
		{"ANC '<1.0 K/uL'", "anc", "751-8", "<1.0 K/uL", "upadacitinib", "neutropenia"},
		{"ANC '1001 /uL'", "anc", "751-8", "1001 /uL", "abrocitinib", ""},
		{"Hb '7.9 g/dL'", "hgb", "718-7", "7.9 g/dL", "upadacitinib", "anemia"},
		{"Hb '8.0 g/dL'", "hgb", "718-7", "8.0 g/dL", "abrocitinib", ""},
		{"Hb '79 g/L'", "hgb", "718-7", "79 g/L", "abrocitinib", "anemia"},
		{"Hb '80 g/L'", "hgb", "718-7", "80 g/L", "upadacitinib", ""},
		{"Hb '4.9 mmol/L' (7.9 g/dL)", "hgb", "718-7", "4.9 mmol/L", "upadacitinib", "anemia"},
		{"Hb '5.0 mmol/L' (8.06 g/dL)", "hgb", "718-7", "5.0 mmol/L", "abrocitinib", ""},
		{"platelets '149 K/uL' on abrocitinib", "plt", "777-3", "149 K/uL", "abrocitinib", "thrombocytopenia"},
		{"platelets '150 10*3/uL' on abrocitinib", "plt", "777-3", "150 10*3/uL", "abrocitinib", ""},
		{"platelets '149,000 /uL' on abrocitinib", "plt", "777-3", "149,000 /uL", "abrocitinib", "thrombocytopenia"},
		{"platelets '149 K/uL' on upadacitinib", "plt", "777-3", "149 K/uL", "upadacitinib", ""},
		{"platelets '<150 10*9/L' on abrocitinib", "plt", "777-3", "<150 10*9/L", "abrocitinib", "thrombocytopenia"},
	}
	mg := map[string]int{"upadacitinib": 15, "abrocitinib": 100}
	var cases []accCase
	for _, r := range rows {
		tc := accCase{name: fmt.Sprintf("%s, %s", r.name, r.drug), c: sign(cleanRecord().replace(s(r.id, r.loincCode, r.value)), jakDraft(r.drug, mg[r.drug]))}
		if r.finding != "" {
			tc.want, tc.absent = w(r.finding, "critical"), []string{"cbc-missing"}
		} else {
			tc.noCards = true
		}
		cases = append(cases, tc)
	}
	cases = append(cases,
		accCase{name: "ALC 1.8 at 10:00 and 0.4 date-only the same day: the lower counts", c: upa15(cleanRecord().
			replace(qty("alc", "731-0", 1.8, "10*3/uL", "", at(10, "10:00"))).replace(qty("alc0", "731-0", 0.4, "10*3/uL", "", ago(10)))),
			want: w("lymphopenia", "critical")},
		accCase{name: "ALC 'see comment' text only: no usable count, CBC missing", c: upa15(cleanRecord().replace(s("alc", "731-0", "see comment"))),
			want: w("cbc-missing", "warning"), absent: []string{"lymphopenia"}},
		accCase{name: "LDL 'Not calculated, TG >400' beside measured TG and HDL: no LDL, lipids asked (committee item)", c: upa15(cleanRecord().
			replace(s("ldl", "13457-7", "Not calculated, triglycerides >400 mg/dL")).replace(qty("tg", "2571-8", 455, "mg/dL", "", ago(10))).replace(qty("hdl", "2085-9", 38, "mg/dL", "", ago(10)))),
			want: w("lipids-missing", "warning")},
		accCase{name: "ALT '<5 U/L': measured, no card", c: upa15(cleanRecord().replace(s("alt", "1742-6", "<5 U/L"))), noCards: true},
		accCase{name: "ALT 'Hemolyzed, unable to report': not measured", c: upa15(cleanRecord().replace(s("alt", "1742-6", "Hemolyzed, unable to report"))),
			want: w("liver-enzymes-missing", "warning")},
	)
	runAcc(t, cases)
}

// TestScreen2ValueShapes: value[x] forms FHIR allows but the reader does
// not take as an answer; they must not be silent (the screening is asked
// for again), never read as negative. (valueBoolean is read:
// TestAcceptanceValueBoolean.)
func TestScreen2ValueShapes(t *testing.T) {
	cases := []accCase{
		{name: "TST 1648-5 valueInteger 15 (mm, no unit): unreadable, TB test asked", c: upa15(cleanRecord().drop("igra").replace(res{"resourceType": "Observation", "id": "tst",
			"status": "final", "code": coding(loinc, "1648-5"), "effectiveDateTime": ago(10), "valueInteger": 15})),
			want: w("tb-screening-missing", "warning"), absent: []string{"tb-latent-untreated"}},
	}
	runAcc(t, cases)
}

// TestAcceptanceValueBoolean: a qualitative result sent as valueBoolean
// (true: the finding is present) is read, as positive or negative; it was
// no answer at all, so a positive HBsAg or pregnancy test raised only
// "test missing".
func TestAcceptanceValueBoolean(t *testing.T) {
	rxBool := func(id, loincCode string, v bool, days int) res {
		return res{"resourceType": "Observation", "id": id, "status": "final", "code": coding(loinc, loincCode),
			"effectiveDateTime": ago(days), "valueBoolean": v}
	}
	cases := []accCase{
		{name: "HBsAg valueBoolean true: active hepatitis B", c: upa15(cleanRecord().replace(rxBool("hbsag", "5196-1", true, 10))),
			want: w("hbv-active", "critical"), absent: []string{"hbv-screening-missing"}},
		{name: "HBsAg valueBoolean false: screened", c: upa15(cleanRecord().replace(rxBool("hbsag", "5196-1", false, 10))), noCards: true},
		{name: "HCV RNA valueBoolean true: active hepatitis C", c: upa15(cleanRecord().replace(rxBool("hcvrna", "11011-4", true, 10))),
			want: w("hcv-active", "critical")},
		{name: "IGRA valueBoolean true: latent TB", c: upa15(cleanRecord().replace(rxBool("igra", "71773-6", true, 10))),
			want: w("tb-latent-untreated", "critical"), absent: []string{"tb-screening-missing"}},
		{name: "IGRA valueBoolean false: screened", c: upa15(cleanRecord().replace(rxBool("igra", "71773-6", false, 10))), noCards: true},
	}
	runAcc(t, cases)
}
