package hooks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/cards"
)

// Contract conformance audit (contractaudit review, December 2026): one
// scenario per normative statement of contract sections 4, 5 and 6.1-6.6
// that no earlier acceptance test pinned, judged as the pharmacist signing
// off the service would judge it.

// caStatus is a JAK draft of drug with the given status.
func caStatus(drug string, mg int, status string) res {
	d := jakDraft(drug, mg)
	d["status"] = status
	return d
}

func TestAcceptanceContractauditWhichOrders(t *testing.T) {
	noTB := func() *record { return cleanRecord().drop("igra") }
	var cases []accCase
	// Contract 4: on order-sign every upadacitinib or abrocitinib order in
	// draftOrders is evaluated, whatever its status.
	for _, st := range []string{"draft", "active", "on-hold", "completed", "stopped", "unknown", "revoked", "entered-in-error", "cancelled"} {
		cases = append(cases, accCase{name: "order-sign, upadacitinib draft of status " + st + ", no TB test: evaluated",
			c: sign(noTB(), caStatus("upadacitinib", 15, st)), want: w("tb-screening-missing", "warning")})
	}
	// Contract 4: on order-select only the selected orders are evaluated.
	other := drugDraft("other", rxnorm, "", "cetirizine 10 MG Oral Tablet")
	cases = append(cases,
		accCase{name: "order-select, upadacitinib draft not selected: no cards",
			c: call{hook: HookOrderSelect, r: noTB(), drafts: []res{jakDraft("upadacitinib", 15), other}, selections: []string{"MedicationRequest/other"}}, noCards: true},
		accCase{name: "order-select, upadacitinib draft selected: evaluated",
			c:    call{hook: HookOrderSelect, r: noTB(), drafts: []res{jakDraft("upadacitinib", 15), other}, selections: []string{"MedicationRequest/new"}},
			want: w("tb-screening-missing", "warning")},
	)
	runAcc(t, cases)
}

// Rows of the section 5 table with their evidence shapes and thresholds.
func TestAcceptanceContractauditFindingRows(t *testing.T) {
	const icd = "http://hl7.org/fhir/sid/icd-10-cm"
	upa := func(r *record) call { return sign(r, jakDraft("upadacitinib", 15)) }
	abro := func(r *record) call { return sign(r, jakDraft("abrocitinib", 100)) }
	d := "2026-11-02"
	cases := []accCase{
		// hcv-antibody-positive: antibody positive and no HCV RNA result.
		{name: "HCV antibody positive, no RNA", c: upa(cleanRecord().replace(obsCode("hcv", "13955-0", positive, d))),
			want: w("hcv-antibody-positive", "warning"), absent: []string{"hcv-active", "hcv-screening-missing"}},
		{name: "HCV antibody positive, RNA not detected", c: upa(cleanRecord().replace(obsCode("hcv", "13955-0", positive, d)).replace(obsCode("rna", "11259-9", negative, d))),
			absent: []string{"hcv-antibody-positive", "hcv-active", "hcv-screening-missing"}},
		{name: "HCV antibody positive, RNA detected", c: upa(cleanRecord().replace(obsCode("hcv", "13955-0", positive, d)).replace(obsCode("rna", "11259-9", positive, d))),
			want: w("hcv-active", "critical"), absent: []string{"hcv-antibody-positive"}},
		{name: "HCV RNA alone, not detected, within 12 months: screening done", c: upa(cleanRecord().drop("hcv").replace(obsCode("rna", "11259-9", negative, d))),
			absent: []string{"hcv-screening-missing", "hcv-antibody-positive", "hcv-active"}},
		// hbv-core-antibody-positive: HBsAg negative, anti-HBc positive.
		{name: "HBsAg negative, anti-HBc positive", c: upa(cleanRecord().replace(obsCode("hbc", "16933-4", positive, d))),
			want: w("hbv-core-antibody-positive", "warning"), absent: []string{"hbv-active"}},
		{name: "HBsAg positive, anti-HBc positive: active, not the core finding", c: upa(cleanRecord().replace(obsCode("hbsag", "5196-1", positive, d)).replace(obsCode("hbc", "16933-4", positive, d))),
			want: w("hbv-active", "critical")},
		{name: "HBV DNA detected", c: upa(cleanRecord().replace(obsCode("dna", "29610-3", positive, d))), want: w("hbv-active", "critical")},
		{name: "chronic hepatitis B condition", c: upa(cleanRecord().replace(cond("hb", icd, "B18.1", "active"))), want: w("hbv-active", "critical")},
		// cbc-missing: platelets only for abrocitinib.
		{name: "upadacitinib, no platelets: CBC complete", c: upa(cleanRecord().drop("plt")), absent: []string{"cbc-missing"}},
		{name: "abrocitinib, no platelets: CBC missing", c: abro(cleanRecord().drop("plt")), want: w("cbc-missing", "warning")},
		{name: "upadacitinib, no hemoglobin: CBC missing", c: upa(cleanRecord().drop("hgb")), want: w("cbc-missing", "warning")},
		// Hemoglobin units.
		{name: "hemoglobin 79 g/L: anemia", c: upa(cleanRecord().replace(obsQty("hgb", "718-7", 79, "g/L", d))), want: w("anemia", "critical")},
		{name: "hemoglobin 80 g/L: no anemia", c: upa(cleanRecord().replace(obsQty("hgb", "718-7", 80, "g/L", d))), absent: []string{"anemia", "cbc-missing"}},
		{name: "hemoglobin 4.9 mmol/L (7.89 g/dL): anemia", c: upa(cleanRecord().replace(obsQty("hgb", "718-7", 4.9, "mmol/L", d))), want: w("anemia", "critical")},
		{name: "hemoglobin 5.0 mmol/L (8.06 g/dL): no anemia", c: upa(cleanRecord().replace(obsQty("hgb", "718-7", 5.0, "mmol/L", d))), absent: []string{"anemia", "cbc-missing"}},
		// tb (6.4): no re-testing request when latent TB is known.
		{name: "positive IGRA 2 years ago, no treatment: latent untreated, no screening request", c: upa(cleanRecord().replace(obsCode("igra", "71773-6", positive, ago(730)))),
			want: w("tb-latent-untreated", "critical"), absent: []string{"tb-screening-missing"}},
		{name: "latent TB diagnosis, old negative IGRA, isoniazid on record: nothing", c: upa(cleanRecord().replace(obsCode("igra", "71773-6", negative, ago(730))).
			replace(cond("ltbi", icd, "Z22.7", "active")).replace(med("inh", "completed", rxnorm, "6038", "isoniazid", 200))),
			absent: []string{"tb-screening-missing", "tb-latent-untreated"}},
		{name: "active tuberculosis", c: upa(cleanRecord().replace(cond("tb", sct, "427099000", "active"))), want: w("tb-active", "critical")},
		// malignancy except non-melanoma skin cancer.
		{name: "basal cell carcinoma only: no malignancy", c: upa(cleanRecord().replace(cond("bcc", sct, "254701007", "active"))), absent: []string{"malignancy"}},
		{name: "melanoma resolved: past malignancy", c: upa(cleanRecord().replace(cond("mel", sct, "372244006", "resolved"))), want: w("malignancy", "warning")},
		// smoker: current or former.
		{name: "former smoker", c: upa(cleanRecord().replace(obsCode("smoke", "72166-2", "8517006", d))), want: w("smoker", "warning")},
		// vte, mace.
		{name: "thrombophilia", c: upa(cleanRecord().replace(cond("thr", icd, "D68.51", "active"))), want: w("vte-risk", "warning")},
		{name: "stroke resolved", c: upa(cleanRecord().replace(cond("cva", sct, "422504002", "resolved"))), want: w("mace-history", "warning")},
		// breastfeeding, serious infection.
		{name: "breastfeeding", c: upa(cleanRecord().replace(cond("bf", sct, "1260078007", "active"))), want: w("breastfeeding", "critical")},
		{name: "pneumonia active", c: upa(cleanRecord().replace(cond("pn", sct, "233604007", "active"))), want: w("serious-infection-active", "critical")},
		// combination in the same session.
		{name: "tofacitinib ordered in the same session", c: sign(cleanRecord(), jakDraft("upadacitinib", 15), drugDraft("tofa", rxnorm, "1357536", "tofacitinib")),
			want: w("combination-jak", "critical")},
		// 6.4 age-unknown.
		{name: "no birthDate", c: upa(func() *record { r := cleanRecord(); delete(r.patient, "birthDate"); return r }()), want: w("age-unknown", "warning")},
		// 6.4 severe hepatic: cirrhosis with and without a class.
		{name: "cirrhosis, no Child-Pugh class: warning", c: upa(cleanRecord().replace(cond("cir", sct, "19943007", "active"))), want: w("severe-hepatic-impairment", "warning")},
		{name: "hepatic failure: critical", c: upa(cleanRecord().replace(cond("hf", sct, "59927004", "active"))), want: w("severe-hepatic-impairment", "critical")},
		// 6.4 renal, upadacitinib ESRD.
		{name: "upadacitinib, dialysis dependence: critical", c: upa(cleanRecord().replace(cond("dia", icd, "Z99.2", "active"))), want: w("renal-impairment", "critical")},
	}
	// Thresholds N-1/N/N+1 not pinned elsewhere in one place.
	for _, tc := range []struct {
		name, loinc, unit, code string
		below, at, above        float64
	}{
		{"lymphocytes", "731-0", "/uL", "lymphopenia", 499, 500, 501},
		{"neutrophils", "751-8", "/uL", "neutropenia", 999, 1000, 1001},
		{"hemoglobin", "718-7", "g/dL", "anemia", 7.9, 8, 8.1},
	} {
		id := map[string]string{"731-0": "alc", "751-8": "anc", "718-7": "hgb"}[tc.loinc]
		cases = append(cases,
			accCase{name: fmt.Sprintf("%s %v %s: fires", tc.name, tc.below, tc.unit), c: upa(cleanRecord().replace(obsQty(id, tc.loinc, tc.below, tc.unit, d))), want: w(tc.code, "critical")},
			accCase{name: fmt.Sprintf("%s %v %s: does not", tc.name, tc.at, tc.unit), c: upa(cleanRecord().replace(obsQty(id, tc.loinc, tc.at, tc.unit, d))), absent: []string{tc.code, "cbc-missing"}},
			accCase{name: fmt.Sprintf("%s %v %s: does not", tc.name, tc.above, tc.unit), c: upa(cleanRecord().replace(obsQty(id, tc.loinc, tc.above, tc.unit, d))), absent: []string{tc.code, "cbc-missing"}})
	}
	for _, p := range []struct {
		v    float64
		want bool
	}{{149, true}, {150, false}, {151, false}} {
		c := accCase{name: fmt.Sprintf("abrocitinib initiation, platelets %vK", p.v), c: abro(cleanRecord().replace(obsQty("plt", "777-3", p.v, "10*3/uL", d)))}
		if p.want {
			c.want = w("thrombocytopenia", "critical")
		} else {
			c.absent = []string{"thrombocytopenia"}
		}
		cases = append(cases, c)
	}
	runAcc(t, cases)
}

func TestAcceptanceContractauditAgesWindowsAndCourses(t *testing.T) {
	upa := func(r *record) call { return sign(r, jakDraft("upadacitinib", 15)) }
	abro := func(r *record) call { return sign(r, jakDraft("abrocitinib", 100)) }
	var cases []accCase
	// Ages.
	for _, a := range []int{11, 12, 50, 51} {
		c := accCase{name: fmt.Sprintf("woman aged %d, no pregnancy test", a), c: upa(cleanRecord().drop("hcg").born(bornAged(a)))}
		if a >= 12 && a <= 50 {
			c.want = w("pregnancy-test-missing", "warning")
		} else {
			c.absent = []string{"pregnancy-test-missing"}
		}
		cases = append(cases, c)
	}
	for _, a := range []int{17, 18, 19} {
		c := accCase{name: fmt.Sprintf("aged %d, no zoster vaccine", a), c: upa(cleanRecord().drop("rzv").born(bornAged(a)))}
		if a >= 18 {
			c.want = w("zoster-vaccine-missing", "warning")
		} else {
			c.absent = []string{"zoster-vaccine-missing"}
		}
		cases = append(cases, c)
	}
	for _, a := range []int{49, 50, 51} {
		r := cleanRecord().born(bornAged(a)).replace(cond("htn", sct, "59621000", "active"))
		c := accCase{name: fmt.Sprintf("aged %d with hypertension, upadacitinib 30", a), c: sign(r, jakDraft("upadacitinib", 30))}
		if a >= 50 {
			c.want = w("cardiovascular-risk", "warning", "lower-dose-recommended", "warning")
			c.dose = 15
		} else {
			c.absent = []string{"cardiovascular-risk", "lower-dose-recommended"}
		}
		cases = append(cases, c)
	}
	for _, a := range []int{64, 65, 66} {
		r := cleanRecord().born(bornAged(a)).drop("hcg")
		c := accCase{name: fmt.Sprintf("aged %d, upadacitinib 30", a), c: sign(r, jakDraft("upadacitinib", 30))}
		if a >= 65 {
			c.want = w("lower-dose-recommended", "warning")
			c.dose = 15
		} else {
			c.absent = []string{"lower-dose-recommended"}
		}
		cases = append(cases, c)
	}
	// Pregnancy and live vaccine windows.
	for _, n := range []int{29, 30, 31} {
		r := cleanRecord().replace(obsCode("hcg", "2106-3", positive, ago(n)))
		c := accCase{name: fmt.Sprintf("positive pregnancy test %d days ago", n), c: upa(r)}
		if n <= 30 {
			c.want = w("pregnancy", "critical")
		} else {
			c.absent = []string{"pregnancy"}
		}
		cases = append(cases, c)
	}
	for _, n := range []int{27, 28, 29} {
		r := cleanRecord().replace(immunization("mmr", "03", ago(n)))
		c := accCase{name: fmt.Sprintf("MMR %d days ago", n), c: upa(r)}
		if n <= 28 {
			c.want = w("live-vaccine-recent", "warning")
		} else {
			c.absent = []string{"live-vaccine-recent"}
		}
		cases = append(cases, c)
	}
	// Weight below label.
	for _, tc := range []struct {
		age  int
		kg   float64
		want bool
	}{{15, 39.9, true}, {15, 40, false}, {15, 40.1, false}, {17, 39, true}, {18, 39, false}} {
		r := cleanRecord().born(bornAged(tc.age)).replace(qty("wt", "29463-7", tc.kg, "kg", "", ago(10)))
		c := accCase{name: fmt.Sprintf("aged %d, %v kg, upadacitinib", tc.age, tc.kg), c: upa(r)}
		if tc.want {
			c.want = w("weight-below-label", "warning")
		} else {
			c.absent = []string{"weight-below-label"}
		}
		cases = append(cases, c)
	}
	// CYP2C19 poor metabolizer written in text.
	pm := res{"resourceType": "Observation", "id": "pm", "status": "final", "code": res{"text": "CYP2C19 genotype"},
		"effectiveDateTime": ago(100), "valueString": "*2/*2 poor metabolizer"}
	cases = append(cases, accCase{name: "abrocitinib 100, CYP2C19 poor metabolizer in text", c: abro(cleanRecord().replace(pm)),
		want: w("cyp2c19-poor-metabolizer", "warning"), dose: 50})
	// Prior systemic therapy by name.
	for _, name := range []string{"dupilumab", "Dupixent", "tralokinumab", "Adbry", "lebrikizumab", "Ebglyss", "nemolizumab", "Nemluvio", "cyclosporine", "methotrexate", "azathioprine", "mycophenolate mofetil"} {
		cases = append(cases, accCase{name: "prior therapy " + name, c: upa(cleanRecord().drop("dupi").replace(stmt("prior", "completed", "", "", name, 400))),
			absent: []string{"no-prior-systemic-therapy"}})
	}
	cases = append(cases, accCase{name: "no prior therapy: info", c: upa(cleanRecord().drop("dupi")), want: w("no-prior-systemic-therapy", "info")})
	// Patient-view on an outside (statement-only) course.
	outside := cleanRecord().labsOn(ago(120))
	outside.medications = append(outside.medications, courseMed("upa-s", "MedicationStatement", "active", "upadacitinib", 15, 100))
	cases = append(cases, accCase{name: "patient-view, upadacitinib known only from a statement, 100 days, no lipids since", c: view(outside),
		want: w("monitoring-lipids-due", "warning")})
	for _, n := range []int{83, 84, 85} {
		r := cleanRecord().labsOn(ago(n + 10))
		r.medications = append(r.medications, courseMed("upa-1", "MedicationRequest", "active", "upadacitinib", 15, n))
		c := accCase{name: fmt.Sprintf("patient-view, upadacitinib started %d days ago, no lipids since", n), c: view(r)}
		if n >= 84 {
			c.want = w("monitoring-lipids-due", "warning")
		} else {
			c.noCards = true
		}
		cases = append(cases, c)
	}
	for _, p := range []float64{49, 50, 51} {
		r := cleanRecord().labsOn(ago(60))
		r.medications = append(r.medications, courseMed("abro-1", "MedicationRequest", "active", "abrocitinib", 100, 50))
		r.replace(qty("plt2", "777-3", p, "10*3/uL", "", ago(5))).replace(qty("alt2", "1742-6", 20, "U/L", "", ago(5))).replace(qty("ldl2", "13457-7", 100, "mg/dL", "", ago(5)))
		c := accCase{name: fmt.Sprintf("patient-view, abrocitinib, platelets %vK on treatment", p), c: view(r)}
		if p < 50 {
			c.want = w("thrombocytopenia", "critical")
		} else {
			c.absent = []string{"thrombocytopenia"}
		}
		cases = append(cases, c)
	}
	// 6.1 reverse direction with a CYP inhibitor.
	on := func(mg int) *record {
		r := cleanRecord()
		r.medications = append(r.medications, courseMed("upa-1", "MedicationRequest", "active", "upadacitinib", mg, 30))
		return r
	}
	clari := drugDraft("clari", rxnorm, "21212", "clarithromycin")
	cases = append(cases,
		accCase{name: "upadacitinib 30 course, clarithromycin ordered: dose change", c: sign(on(30), clari), want: w("cyp-interaction", "warning"), dose: 15,
			detailOf: map[string]string{"cyp-interaction": "clarithromycin"}},
		accCase{name: "upadacitinib 15 course, clarithromycin ordered", c: sign(on(15), clari), want: w("cyp-interaction", "warning"),
			detailOf: map[string]string{"cyp-interaction": "upadacitinib"}},
	)
	runAcc(t, cases)
}

func TestAcceptanceContractauditDoseAndOrganRows(t *testing.T) {
	const icd = "http://hl7.org/fhir/sid/icd-10-cm"
	upa := func(r *record) call { return sign(r, jakDraft("upadacitinib", 15)) }
	abro := func(r *record) call { return sign(r, jakDraft("abrocitinib", 100)) }
	egfr := func(v float64) res { return qty("egfr", "98979-8", v, "mL/min/{1.73_m2}", "", "2026-11-02") }
	tofa := drugDraft("tofa", rxnorm, "1357536", "tofacitinib")
	onAbro := func() *record {
		r := cleanRecord()
		r.medications = append(r.medications, courseMed("abro-1", "MedicationRequest", "active", "abrocitinib", 100, 30))
		return r
	}
	cases := []accCase{
		{name: "abrocitinib, dialysis: critical", c: abro(cleanRecord().replace(cond("dia", icd, "Z99.2", "active"))), want: w("renal-impairment", "critical")},
		{name: "abrocitinib, ESRD: critical", c: abro(cleanRecord().replace(cond("esrd", icd, "N18.6", "active"))), want: w("renal-impairment", "critical")},
		{name: "abrocitinib, hepatic failure: critical", c: abro(cleanRecord().replace(cond("hf", sct, "59927004", "active"))), want: w("severe-hepatic-impairment", "critical")},
		{name: "abrocitinib, digoxin active: pgp info", c: abro(cleanRecord().replace(med("dig", "active", rxnorm, "3407", "digoxin", 30))), want: w("pgp-substrate", "info")},
		{name: "upadacitinib, digoxin active: no pgp", c: upa(cleanRecord().replace(med("dig", "active", rxnorm, "3407", "digoxin", 30))), absent: []string{"pgp-substrate"}},
		{name: "abrocitinib course, digoxin ordered", c: sign(onAbro(), drugDraft("dig", rxnorm, "3407", "digoxin")), want: w("pgp-substrate", "info")},
		// Contract 6.3: one dose (the lowest limit) on every card of the order.
		{name: "abrocitinib 200, eGFR 45, smoker", dose: 50, c: sign(cleanRecord().replace(egfr(45)).replace(obsCode("smoke", "72166-2", "8517006", "2026-11-02")), jakDraft("abrocitinib", 200)),
			want: w("renal-impairment", "warning", "smoker", "warning")},
		{name: "abrocitinib 200, eGFR 45", dose: 50, c: sign(cleanRecord().replace(egfr(45)), jakDraft("abrocitinib", 200)), want: w("renal-impairment", "warning")},
		{name: "upadacitinib 45, clarithromycin active", c: sign(cleanRecord().replace(med("cl", "active", rxnorm, "21212", "clarithromycin", 3)), jakDraft("upadacitinib", 45)),
			want: w("cyp-interaction", "warning", "dose-above-label", "warning"), dose: 15},
		{name: "upadacitinib 30, eGFR 20, aged 66", c: sign(cleanRecord().drop("hcg").born(bornAged(66)).replace(egfr(20)), jakDraft("upadacitinib", 30)),
			want: w("renal-impairment", "warning", "lower-dose-recommended", "warning"), dose: 15},
		{name: "upadacitinib 30, eGFR 14", c: sign(cleanRecord().replace(egfr(14)), jakDraft("upadacitinib", 30)), want: w("renal-impairment", "critical"), noDose: true},
		{name: "order-select: upadacitinib selected, tofacitinib in the session not selected", c: call{hook: HookOrderSelect, r: cleanRecord(),
			drafts: []res{jakDraft("upadacitinib", 15), tofa}, selections: []string{"MedicationRequest/new"}}, want: w("combination-jak", "critical")},
	}
	runAcc(t, cases)
}

// Contract 4: a finding appears on exactly one card per order. Two JAK
// inhibitors signed together are each the other's combination: each
// order's card reports combination-jak once, naming its own drug.
func TestAcceptanceContractauditTwoJAKOrdersTogether(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	c := sign(cleanRecord(), jakDraft("upadacitinib", 15), with(jakDraft("abrocitinib", 100), "id", "new2"))
	// Not s.do: its checkResponse expects one order per call.
	req := httptest.NewRequest("POST", "/cds-services/order-sign", bytes.NewReader(c.body(t)))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	require.Equal(t, 200, rec.Code, rec.Body.String())
	require.NoError(t, cards.CheckEmpty(rec.Body.Bytes()))
	var resp struct {
		Cards []cards.Card `json:"cards"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &resp))
	perDrug := map[string]int{}
	for _, cd := range resp.Cards {
		for _, code := range cd.Findings() {
			if code != "combination-jak" {
				continue
			}
			assert.Equal(t, "critical", string(cd.Indicator), cd.Summary)
			for _, drug := range []string{"upadacitinib", "abrocitinib"} {
				if strings.Contains(cd.Summary, "combine "+drug+" with") {
					perDrug[drug]++
				}
			}
		}
	}
	assert.Equal(t, map[string]int{"upadacitinib": 1, "abrocitinib": 1}, perDrug, cardSummaries(resp.Cards))
}

// A positive pregnancy test older than the 30-day window of `pregnancy`
// (contract 5), with no test since, leaves a woman who may well still be
// pregnant: pregnancy-test-missing (warning, as the contract sets) must say
// that the last test was positive, not ask for a routine test as if none
// had been done. 29/30 days: `pregnancy` (critical); 31 days on: the
// warning names the positive test; a negative test since clears both.
func TestAcceptanceContractauditOldPositivePregnancyTest(t *testing.T) {
	const code = "pregnancy-test-missing"
	upa := func(r *record) call { return sign(r, jakDraft("upadacitinib", 15)) }
	pos := func(n int) *record { return cleanRecord().replace(obsCode("hcg", "2106-3", positive, ago(n))) }
	cases := []accCase{
		{name: "positive 29 days ago", c: upa(pos(29)), want: w("pregnancy", "critical"), absent: []string{code}},
		{name: "positive 30 days ago", c: upa(pos(30)), want: w("pregnancy", "critical"), absent: []string{code}},
	}
	for _, n := range []int{31, 40, 200} {
		cases = append(cases, accCase{name: fmt.Sprintf("positive %d days ago, none since", n), c: upa(pos(n)),
			want: w(code, "warning"), absent: []string{"pregnancy"},
			detailOf: map[string]string{code: "Earlier pregnancy test positive on " + ago(n)}})
	}
	cases = append(cases,
		accCase{name: "positive 40 days ago, negative 10 days ago", c: upa(pos(40).replace(obsCode("hcg2", "2106-3", negative, ago(10)))),
			absent: []string{code, "pregnancy"}},
		accCase{name: "negative 40 days ago: a routine repeat, no positive named", c: upa(cleanRecord().replace(obsCode("hcg", "2106-3", negative, ago(40)))),
			want: w(code, "warning"), notDetailOf: map[string]string{code: "positive"}},
		accCase{name: "positive 300 days ago: no longer read", c: upa(pos(300)),
			want: w(code, "warning"), notDetailOf: map[string]string{code: "positive"}},
	)
	runAcc(t, cases)
}

// Contract 5 (patient-view table, "as above, while on treatment") and 6.1
// (patient-view reports the interacting drugs that are active, and
// antiplatelet-abrocitinib in the course's first 3 months, 6.2). The
// record's labs are 5 days old, so no monitoring is due.
func TestAcceptanceContractauditPatientViewWhileOnTreatment(t *testing.T) {
	on := func(drug string, mg int, started int, extra ...res) call {
		r := cleanRecord().labsOn(ago(5))
		r.medications = append(r.medications, courseMed(drug+"-1", "MedicationRequest", "active", drug, mg, started))
		for _, x := range extra {
			r.replace(x)
		}
		return view(r)
	}
	clo := func(days int) res { return med("clo", "active", rxnorm, "32968", "clopidogrel", days) }
	cases := []accCase{
		{name: "abrocitinib, fluoxetine active", c: on("abrocitinib", 100, 60, med("flu", "active", rxnorm, "4493", "fluoxetine", 30)), want: w("cyp-interaction", "warning")},
		{name: "upadacitinib, fluoxetine active: not a CYP3A4 drug", c: on("upadacitinib", 15, 60, med("flu", "active", rxnorm, "4493", "fluoxetine", 30)), noCards: true},
		{name: "abrocitinib, clarithromycin active: not a CYP2C19 drug", c: on("abrocitinib", 100, 60, med("cl", "active", rxnorm, "21212", "clarithromycin", 30)), noCards: true},
		{name: "upadacitinib, adalimumab active", c: on("upadacitinib", 15, 60, med("ada", "active", rxnorm, "327361", "adalimumab", 30)), want: w("combination-biologic", "warning")},
		{name: "upadacitinib, azathioprine active", c: on("upadacitinib", 15, 60, med("aza", "active", rxnorm, "1256", "azathioprine", 30)), want: w("combination-immunosuppressant", "warning")},
		{name: "upadacitinib, tofacitinib on the outside list", c: on("upadacitinib", 15, 60, stmt("tofa", "active", rxnorm, "1357536", "tofacitinib", 30)), want: w("combination-jak", "critical")},
		{name: "abrocitinib, digoxin active", c: on("abrocitinib", 100, 60, med("dig", "active", rxnorm, "3407", "digoxin", 30)), want: w("pgp-substrate", "info")},
		{name: "upadacitinib, positive pregnancy test 3 days ago", c: on("upadacitinib", 15, 60, obsCode("hcg", "2106-3", positive, ago(3))), want: w("pregnancy", "critical")},
		{name: "upadacitinib, pneumonia", c: on("upadacitinib", 15, 60, cond("pn", sct, "233604007", "active")), want: w("serious-infection-active", "critical"),
			summaryOf: map[string]string{"serious-infection-active": "Interrupt"}},
		{name: "upadacitinib, hemoglobin 7.9 on treatment", c: on("upadacitinib", 15, 60, qty("hgb", "718-7", 7.9, "g/dL", "", ago(2))), want: w("anemia", "critical"),
			summaryOf: map[string]string{"anemia": "Interrupt"}},
		// Antiplatelet: the course's first 3 months only (6.2 wins over
		// the 6.1 wording "started in the course's first 3 months").
		{name: "abrocitinib day 60, clopidogrel since before the course", c: on("abrocitinib", 100, 60, clo(200)), want: w("antiplatelet-abrocitinib", "critical")},
		{name: "abrocitinib day 60, clopidogrel from day 40", c: on("abrocitinib", 100, 60, clo(20)), want: w("antiplatelet-abrocitinib", "critical")},
		{name: "abrocitinib day 120, clopidogrel from day 20: past the 3 months", c: on("abrocitinib", 100, 120, clo(100)), absent: []string{"antiplatelet-abrocitinib"}},
		{name: "upadacitinib, clopidogrel: no antiplatelet finding", c: on("upadacitinib", 15, 60, clo(20)), noCards: true},
	}
	runAcc(t, cases)
}

// On treatment (a renewal, patient-view) pregnancy-test-missing does not
// run (contract 6.2), so a woman on upadacitinib whose pregnancy test
// turned positive 31 days ago, with no test since, got no card at all once
// the 30-day window of `pregnancy` had passed. On treatment a positive
// test stays a pregnancy until a newer negative test or 300 days.
func TestAcceptanceContractauditPregnancyOnTreatment(t *testing.T) {
	onCourse := func(drug string, mg int, obs ...res) *record {
		r := cleanRecord().labsOn(ago(20))
		r.medications = append(r.medications, courseMed(drug+"-1", "MedicationRequest", "active", drug, mg, 250))
		for _, o := range obs {
			r.replace(o)
		}
		return r
	}
	pos := func(n int) res { return obsCode("hcg", "2106-3", positive, ago(n)) }
	var cases []accCase
	for _, drug := range []string{"upadacitinib", "abrocitinib"} {
		mg := map[string]int{"upadacitinib": 15, "abrocitinib": 100}[drug]
		for _, n := range []int{29, 30, 31, 40, 200, 299} {
			for hook, c := range map[string]call{
				"renewal":      sign(onCourse(drug, mg, pos(n)), jakDraft(drug, mg)),
				"patient-view": view(onCourse(drug, mg, pos(n))),
			} {
				tc := accCase{name: fmt.Sprintf("%s, %s, positive hCG %d days ago, none since", drug, hook, n), c: c,
					want: w("pregnancy", "critical"), summaryOf: map[string]string{"pregnancy": "Review " + drug + " now"}}
				if n > 30 {
					tc.detailOf = map[string]string{"pregnancy": "no pregnancy test since: confirm whether the pregnancy is ongoing"}
				}
				cases = append(cases, tc)
			}
		}
		cases = append(cases,
			accCase{name: drug + ", patient-view, positive hCG 300 days ago: a pregnancy has ended by now", c: view(onCourse(drug, mg, pos(300))), noCards: true},
			accCase{name: drug + ", patient-view, positive hCG 40 days ago, negative 10 days ago", c: view(onCourse(drug, mg, pos(40), obsCode("hcg2", "2106-3", negative, ago(10)))), noCards: true},
			accCase{name: drug + ", renewal, positive hCG 40 days ago, negative 10 days ago", c: sign(onCourse(drug, mg, pos(40), obsCode("hcg2", "2106-3", negative, ago(10))), jakDraft(drug, mg)),
				absent: []string{"pregnancy", "pregnancy-test-missing"}},
		)
	}
	runAcc(t, cases)
}
