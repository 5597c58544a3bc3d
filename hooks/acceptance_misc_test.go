package hooks

import "testing"

// More label scenarios: dose raised on a renewal, new events since the
// start, age limits at their boundaries, hepatitis and TB readings, and
// vaccines recorded by name only.
func TestAcceptanceMoreScenarios(t *testing.T) {
	smoker := obsCode("smoke", "72166-2", "449868002", ago(300))
	cases := []accCase{
		{name: "renewal raising upadacitinib 15 -> 30 mg in a smoker: lower dose again", c: sign(stable("upadacitinib", 15).replace(smoker), jakDraft("upadacitinib", 30)),
			want: w("lower-dose-recommended", "warning"), dose: 15},
		{name: "renewal raising abrocitinib 100 -> 200 mg, past DVT before the start", c: sign(stable("abrocitinib", 100).replace(cond("dvt", sct, "128053003", "resolved")), jakDraft("abrocitinib", 200)),
			want: w("lower-dose-recommended", "warning"), dose: 100},
		{name: "renewal: new MI since the start on upadacitinib: discontinue", c: sign(stable("upadacitinib", 15).replace(with(cond("mi", sct, "22298006", "active"), "onsetDateTime", ago(20))), jakDraft("upadacitinib", 15)),
			want: w("mace-history", "warning")},
		{name: "renewal: abrocitinib 100 mg eGFR 45 course 180 days: within 100 mg", c: sign(stable("abrocitinib", 100).replace(qty("egfr", "98979-8", 45, "mL/min/{1.73_m2}", "", ago(10))), jakDraft("abrocitinib", 100)),
			want: w("renal-impairment", "warning")},
		{name: "renewal: abrocitinib 200 mg eGFR 45 course 180 days: 100 mg", c: sign(stable("abrocitinib", 200).replace(qty("egfr", "98979-8", 45, "mL/min/{1.73_m2}", "", ago(10))), jakDraft("abrocitinib", 200)),
			want: w("renal-impairment", "warning"), dose: 100},
		{name: "pregnancy test 3 days ago negative, pregnancy condition resolved: nothing", c: sign(cleanRecord().replace(cond("p", icd, "O80", "resolved")), jakDraft("upadacitinib", 15)), noCards: true},
		{name: "Shingrix recorded by text only: no zoster card", c: sign(cleanRecord().drop("rzv").replace(res{"resourceType": "Immunization", "id": "rzv", "status": "completed", "vaccineCode": res{"text": "Shingrix (zoster vaccine recombinant)"}, "occurrenceDateTime": ago(300)}), jakDraft("upadacitinib", 15)),
			absent: []string{"zoster-vaccine-missing"}},
		{name: "Zostavax by text only 10 days ago: live vaccine recent", c: sign(cleanRecord().replace(res{"resourceType": "Immunization", "id": "zvl", "status": "completed", "vaccineCode": res{"text": "Zostavax"}, "occurrenceDateTime": ago(10)}), jakDraft("upadacitinib", 15)),
			want: w("live-vaccine-recent", "warning")},
		{name: "Shingrix as a display with a local code: no zoster card", c: sign(cleanRecord().drop("rzv").replace(res{"resourceType": "Immunization", "id": "rzv", "status": "completed",
			"vaccineCode": cc("urn:oid:1.2.3", "SHX", "SHINGRIX 50 MCG/0.5 ML", ""), "occurrenceDateTime": ago(300)}), jakDraft("abrocitinib", 100)),
			absent: []string{"zoster-vaccine-missing"}},
		{name: "Zostavax by text only 40 days ago: nothing", c: sign(cleanRecord().replace(res{"resourceType": "Immunization", "id": "zvl", "status": "completed", "vaccineCode": res{"text": "Zostavax"}, "occurrenceDateTime": ago(40)}), jakDraft("upadacitinib", 15)),
			noCards: true},
		{name: "MMR immunization not-done 10 days ago: nothing", c: sign(cleanRecord().replace(with(immunization("mmr", "03", ago(10)), "status", "not-done")), jakDraft("upadacitinib", 15)), noCards: true},
		{name: "woman 51: no pregnancy test", c: sign(cleanRecord().born(bornAged(51)).drop("hcg"), jakDraft("upadacitinib", 15)), absent: []string{"pregnancy-test-missing"}},
		{name: "woman 50: pregnancy test", c: sign(cleanRecord().born(bornAged(50)).drop("hcg"), jakDraft("upadacitinib", 15)), want: w("pregnancy-test-missing", "warning")},
		{name: "girl 12: pregnancy test", c: sign(cleanRecord().born(bornAged(12)).drop("hcg"), jakDraft("abrocitinib", 100)), want: w("pregnancy-test-missing", "warning")},
		{name: "age 49 with hypertension: no cv risk", c: sign(cleanRecord().born(bornAged(49)).replace(cond("htn", icd, "I10", "active")), jakDraft("upadacitinib", 15)), noCards: true},
		{name: "age 50 with hypertension: cv risk", c: sign(cleanRecord().born(bornAged(50)).drop("hcg").replace(cond("htn", icd, "I10", "active")), jakDraft("upadacitinib", 15)), want: w("cardiovascular-risk", "warning")},
		{name: "age 64 upadacitinib 30: nothing", c: sign(cleanRecord().born(bornAged(64)).drop("hcg"), jakDraft("upadacitinib", 30)), noCards: true},
		{name: "age 65 upadacitinib 30: 15 mg", c: sign(cleanRecord().born(bornAged(65)).drop("hcg"), jakDraft("upadacitinib", 30)), want: w("lower-dose-recommended", "warning"), dose: 15},
		{name: "HBsAg positive 3 years ago then negative: no hbv-active", c: sign(cleanRecord().replace(obsCode("hbs0", "5196-1", positive, ago(1100))), jakDraft("upadacitinib", 15)), absent: []string{"hbv-active"}},
		{name: "HBV DNA <10 IU/mL (censored): not active", c: sign(cleanRecord().replace(with(qty("dna", "42595-9", 10, "[IU]/mL", "", ago(10)), "valueQuantity", res{"value": 10, "comparator": "<", "code": "[IU]/mL", "system": "http://unitsofmeasure.org"})), jakDraft("upadacitinib", 15)), absent: []string{"hbv-active"}},
		{name: "HBV DNA 2000 IU/mL: active", c: sign(cleanRecord().replace(qty("dna", "42595-9", 2000, "[IU]/mL", "", ago(10))), jakDraft("upadacitinib", 15)), want: w("hbv-active", "critical")},
		{name: "HCV antibody positive, RNA not detected: nothing", c: sign(cleanRecord().replace(obsCode("hcv", "13955-0", positive, ago(30))).replace(obsCode("rna", "11259-9", "260415000", ago(20))), jakDraft("upadacitinib", 15)), noCards: true},
		{name: "IGRA indeterminate only: TB test missing", c: sign(cleanRecord().replace(obsCode("igra", "71773-6", "82334004", ago(30))), jakDraft("upadacitinib", 15)), want: w("tb-screening-missing", "warning")},
		{name: "active pulmonary TB with a positive IGRA: one critical TB card, not also 'treat latent TB'", c: sign(cleanRecord().replace(obsCode("igra", "71773-6", positive, ago(20))).replace(cond("tb", icd, "A15.0", "active")), jakDraft("upadacitinib", 15)),
			want: w("tb-active", "critical"), absent: []string{"tb-latent-untreated", "tb-screening-missing"}},
		{name: "TST positive (39263-9) years ago, INH completed", c: sign(func() *record {
			r := cleanRecord().drop("igra").replace(obsCode("tst", "39263-9", positive, ago(2000)))
			r.medications = append(r.medications, med("inh", "completed", rxnorm, "6038", "isoniazid", 1900))
			return r
		}(), jakDraft("upadacitinib", 15)), noCards: true},
	}
	runAcc(t, cases)
}
