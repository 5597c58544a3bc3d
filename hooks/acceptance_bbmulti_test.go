package hooks

import (
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"jakguard/cards"
)

// TestAcceptanceBbmultiPatients is a black-box battery of multimorbid
// patients, both JAK inhibitors, written from the sources before reading
// the rules (RINVOQ and CIBINQO US PIs and EU SmPCs, ACIP, the contract
// with its section 6, the knowledge base). Each patient carries several
// issues at once and is judged on the whole answer, as a pharmacist reads
// it: the exact set of finding codes (nothing missing, nothing extra), the
// level of each card, every card holding at least one finding and no more
// cards than findings, one dose named per order in every summary,
// suggestion label, update action and detail (contract 6.3: the lowest
// labelled limit among all findings), and no card proposing a dose when
// the drug must not be started at any dose. Patients on a course are also
// posted as patient-view.
func TestAcceptanceBbmultiPatients(t *testing.T) {
	type mcase struct {
		accCase
		// doseIfAny: when a card names a dose, it is this one (no card has
		// to name one).
		doseIfAny int
		// maxCards, when not 0, bounds the number of cards.
		maxCards int
	}
	var cases []mcase
	add := func(c accCase) { cases = append(cases, mcase{accCase: c}) }
	addM := func(c mcase) { cases = append(cases, c) }

	upa := func(mg int) res { return jakDraft("upadacitinib", mg) }
	abro := func(mg int) res { return jakDraft("abrocitinib", mg) }
	d := ago(27) // cleanRecord's baseline date
	rec := func(age int, xs ...res) *record {
		r := cleanRecord().born(bornAged(age))
		for _, x := range xs {
			r.replace(x)
		}
		return r
	}
	drop := func(r *record, ids ...string) *record {
		for _, id := range ids {
			r.drop(id)
		}
		return r
	}
	egfr := func(v float64) res { return qty("egfr", "98979-8", v, "mL/min/{1.73_m2}", "mL/min/1.73m2", d) }
	smoke := func(answer string) res { return obsCode("smoke", "72166-2", answer, d) }
	active := func(id, system, code string) res { return cond(id, system, code, "active") }
	past := func(id, system, code string) res { return cond(id, system, code, "resolved") }
	other := func(id, code, text string, days int) res {
		return onceDaily(med(id, "active", rxnorm, code, text, days))
	}
	wt := func(kg float64) res { return qty("wt", "29463-7", kg, "kg", "", ago(20)) }
	lab := func(id, code string, v float64, unit string, days int) res {
		return obsQty(id, code, v, unit, ago(days))
	}
	pm := res{"resourceType": "Observation", "id": "pm", "status": "final", "code": res{"text": "CYP2C19 genotype"},
		"effectiveDateTime": ago(300), "valueString": "*2/*2 poor metabolizer"}
	// course is an active course order of drug at mg started days ago.
	course := func(drug string, mg, days int) res {
		return courseMed(drug[:4]+"-c", "MedicationRequest", "active", drug, mg, days)
	}
	htn := active("htn", sct, "38341003")
	dm := active("dm", sct, "44054006")
	hld := active("hld", sct, "55822004")
	cad := active("cad", sct, "53741008")
	oldMI := active("mi", icd10cm, "I25.2")
	pneumonia := active("pna", sct, "233604007")
	clarithro := other("clari", "21212", "clarithromycin 500 MG Oral Tablet", 5)
	clopi := other("clopi", "309362", "clopidogrel 75 MG Oral Tablet", 200)
	flucon := other("fluc", "4450", "fluconazole 150 MG Oral Tablet", 3)
	fluox := other("fluox", "4493", "fluoxetine 20 MG Oral Capsule", 300)
	rifampin := other("rif", "9384", "rifampin 300 MG Oral Capsule", 10)
	screening := []string{"igra", "hbsag", "hbc", "hcv", "alc", "anc", "hgb", "plt", "alt", "ldl", "hcg"}

	// ---- Patients from the brief.
	{
		r := rec(67, egfr(35), htn, oldMI, smoke("8517006"), clarithro).male().drop("igra")
		add(accCase{name: "P01 67M ex-smoker, eGFR 35, hypertension, old MI, no TB test, on clarithromycin: upadacitinib 30 mg",
			c:    sign(r, upa(30)),
			want: w("tb-screening-missing", "warning", "cardiovascular-risk", "warning", "mace-history", "warning", "smoker", "warning", "cyp-interaction", "warning", "lower-dose-recommended", "warning"),
			// eGFR 35 is no upadacitinib renal limit; a man needs no pregnancy test.
			absent: []string{"renal-impairment", "pregnancy-test-missing"}, dose: 15})
		add(accCase{name: "P01 patient-view, not on a course: no cards", c: view(r), noCards: true})
	}
	add(accCase{name: "P02 16F of 38 kg, no zoster vaccine: upadacitinib 30 mg",
		c:    sign(drop(rec(16, wt(38)), "rzv"), upa(30)),
		want: w("weight-below-label", "warning"),
		// Zoster vaccine expected from 18 (contract 6.4); no labelled dose under 40 kg.
		absent: []string{"zoster-vaccine-missing", "lower-dose-recommended"}})
	{
		r := rec(70, clopi, flucon, egfr(28), qty("plt", "777-3", 140, "10*3/uL", "K/uL", d)).male()
		add(accCase{name: "P03 70M on clopidogrel and fluconazole, platelets 140,000, eGFR 28: abrocitinib 200 mg",
			c:    sign(r, abro(200)),
			want: w("antiplatelet-abrocitinib", "critical", "cyp-interaction", "warning", "thrombocytopenia", "critical", "renal-impairment", "critical"),
			// No boxed-warning risk on record: no lower dose; not recommended at any dose.
			absent: []string{"lower-dose-recommended", "cardiovascular-risk"}, noDose: true})
		r2 := rec(70, clopi, flucon, egfr(28), qty("plt", "777-3", 140, "10*3/uL", "K/uL", d), cad).male()
		add(accCase{name: "P03b same with coronary disease: abrocitinib 200 mg, no dose proposed beside 'not recommended'",
			c: sign(r2, abro(200)),
			want: w("antiplatelet-abrocitinib", "critical", "cyp-interaction", "warning", "thrombocytopenia", "critical", "renal-impairment", "critical",
				"cardiovascular-risk", "warning", "lower-dose-recommended", "warning"),
			noDose: true})
	}
	{
		// Abrocitinib day 20, ALC 450 measured on treatment.
		r := rec(35, course("abrocitinib", 100, 20), lab("alc", "731-0", 0.45, "10*3/uL", 2))
		mmr := drugDraft("mmr", cvx, "03", "MMR vaccine")
		clo := drugDraft("clo", rxnorm, "309362", "clopidogrel 75 MG Oral Tablet")
		add(accCase{name: "P04 on abrocitinib day 20, ALC 450: MMR and clopidogrel ordered",
			c:      sign(r, mmr, clo),
			want:   w("live-vaccine-ordered", "warning", "antiplatelet-abrocitinib", "critical"),
			absent: []string{"lymphopenia", "monitoring-cbc-due"}})
		add(accCase{name: "P04 patient-view: lymphopenia, interrupt",
			c:    view(r),
			want: w("lymphopenia", "critical"), absent: []string{"monitoring-cbc-due", "monitoring-lipids-due", "live-vaccine-recent"},
			noDose: true})
		r2 := rec(35, course("abrocitinib", 100, 20), lab("alc", "731-0", 0.45, "10*3/uL", 2), other("clopi", "309362", "clopidogrel 75 MG Oral Tablet", 1))
		add(accCase{name: "P04b patient-view once clopidogrel is active: lymphopenia and antiplatelet",
			c:    view(r2),
			want: w("lymphopenia", "critical", "antiplatelet-abrocitinib", "critical"), noDose: true})
	}
	{
		stopped := courseMed("upa-c", "MedicationRequest", "stopped", "upadacitinib", 15, 200)
		r := rec(41, stopped, pneumonia)
		add(accCase{name: "P05 switch from upadacitinib to abrocitinib with active pneumonia",
			c:    sign(r, abro(100)),
			want: w("serious-infection-active", "critical"),
			// The stopped upadacitinib is the course switched from, not a combination.
			absent: []string{"combination-jak", "no-prior-systemic-therapy"}, noDose: true})
		r2 := rec(41, stopped, pneumonia, courseMed("abro-c", "MedicationRequest", "active", "abrocitinib", 100, 2))
		add(accCase{name: "P05 patient-view after the switch: serious infection",
			c:    view(r2),
			want: w("serious-infection-active", "critical"), absent: []string{"combination-jak"}, noDose: true})
	}

	// ---- Cardiovascular and boxed-warning risk together.
	add(accCase{name: "P06 58F current smoker, diabetic, past DVT, history of lung cancer: abrocitinib 200 mg",
		c: sign(rec(58, smoke("449868002"), dm, past("dvt", sct, "128053003"), active("ca", icd10cm, "Z85.118")), abro(200)),
		want: w("cardiovascular-risk", "warning", "smoker", "warning", "vte-risk", "warning", "malignancy", "warning",
			"lower-dose-recommended", "warning"),
		absent: []string{"pregnancy-test-missing"}, dose: 100})
	addM(mcase{accCase: accCase{name: "P07 72F, hypertension, diabetes, hyperlipidemia, no zoster vaccine: upadacitinib 15 mg",
		c:      sign(drop(rec(72, htn, dm, hld), "rzv"), upa(15)),
		want:   w("cardiovascular-risk", "warning", "zoster-vaccine-missing", "warning"),
		absent: []string{"lower-dose-recommended"}}, doseIfAny: 15})
	add(accCase{name: "P08 45F with hypertension and diabetes (under 50): upadacitinib 30 mg, no card",
		c: sign(rec(45, htn, dm), upa(30)), noCards: true})
	add(accCase{name: "P09 55M stroke history, hyperlipidemia, past PE: upadacitinib 30 mg",
		c: sign(rec(55, active("cva", icd10cm, "Z86.73"), hld, active("pe", icd10cm, "Z86.711")).male(), upa(30)),
		want: w("mace-history", "warning", "cardiovascular-risk", "warning", "vte-risk", "warning",
			"lower-dose-recommended", "warning"), dose: 15})
	add(accCase{name: "P10 40F active melanoma: upadacitinib 30 mg",
		c:    sign(rec(40, active("mel", sct, "372244006")), upa(30)),
		want: w("malignancy", "warning", "lower-dose-recommended", "warning"), dose: 15})
	add(accCase{name: "P11 40F basal cell carcinoma only: upadacitinib 30 mg, no card",
		c: sign(rec(40, past("bcc", sct, "254701007")), upa(30)), noCards: true})
	addM(mcase{accCase: accCase{name: "P12 50M current smoker with hypertension on rifampin: upadacitinib 30 mg",
		c: sign(rec(50, htn, smoke("449868002"), rifampin).male(), upa(30)),
		want: w("cardiovascular-risk", "warning", "smoker", "warning", "lower-dose-recommended", "warning",
			"cyp-interaction", "warning")}, doseIfAny: 15})
	add(accCase{name: "P13 68F hyperlipidemia on rifampin: abrocitinib 200 mg",
		c:    sign(rec(68, hld, rifampin), abro(200)),
		want: w("cyp-interaction", "warning", "cardiovascular-risk", "warning", "lower-dose-recommended", "warning"), dose: 100})

	// ---- Several dose limits: the lowest wins (contract 6.3).
	add(accCase{name: "P14 66M on clarithromycin: upadacitinib 45 mg",
		c:    sign(rec(66, clarithro).male(), upa(45)),
		want: w("dose-above-label", "warning", "lower-dose-recommended", "warning", "cyp-interaction", "warning"), dose: 15})
	add(accCase{name: "P15 40F eGFR 50: abrocitinib 300 mg",
		c:    sign(rec(40, egfr(50)), abro(300)),
		want: w("dose-above-label", "warning", "renal-impairment", "warning"), dose: 50})
	add(accCase{name: "P16 55M CYP2C19 poor metabolizer with hypertension: abrocitinib 200 mg",
		c: sign(rec(55, pm, htn).male(), abro(200)),
		want: w("cyp2c19-poor-metabolizer", "warning", "cardiovascular-risk", "warning",
			"lower-dose-recommended", "warning"), dose: 50})
	add(accCase{name: "P17 63F on fluoxetine, eGFR 45: abrocitinib 100 mg",
		c:    sign(rec(63, fluox, egfr(45)), abro(100)),
		want: w("cyp-interaction", "warning", "renal-impairment", "warning"), dose: 50})
	add(accCase{name: "P18 40F eGFR 22: upadacitinib 30 mg",
		c:    sign(rec(40, egfr(22)), upa(30)),
		want: w("renal-impairment", "warning"), dose: 15})
	add(accCase{name: "P19 60M hypertension, eGFR 12: upadacitinib 30 mg, not recommended at any dose",
		c: sign(rec(60, egfr(12), htn).male(), upa(30)),
		want: w("renal-impairment", "critical", "cardiovascular-risk", "warning",
			"lower-dose-recommended", "warning"), noDose: true})
	add(accCase{name: "P20 45F on dialysis, no eGFR: upadacitinib 15 mg",
		c:    sign(drop(rec(45, active("hd", icd10cm, "Z99.2")), "egfr"), upa(15)),
		want: w("renal-impairment", "critical"), noDose: true})
	add(accCase{name: "P21 75M on digoxin, eGFR 55: abrocitinib 100 mg",
		c:    sign(rec(75, other("dig", "197604", "digoxin 0.125 MG Oral Tablet", 400), egfr(55)).male(), abro(100)),
		want: w("pgp-substrate", "info", "renal-impairment", "warning"), dose: 50})

	// ---- Infections, hepatitis, TB.
	add(accCase{name: "P22 31F pregnancy test positive 10 days ago, IGRA positive untreated: upadacitinib 15 mg",
		c:      sign(rec(31, obsCode("hcg", "2106-3", positive, ago(10)), obsCode("igra", "71773-6", positive, d)), upa(15)),
		want:   w("pregnancy", "critical", "tb-latent-untreated", "critical"),
		absent: []string{"tb-screening-missing", "pregnancy-test-missing"}, noDose: true})
	add(accCase{name: "P23 38M anti-HBc positive, HCV antibody positive without RNA: upadacitinib 30 mg",
		c:      sign(rec(38, obsCode("hbc", "16933-4", positive, d), obsCode("hcv", "13955-0", positive, d)).male(), upa(30)),
		want:   w("hbv-core-antibody-positive", "warning", "hcv-antibody-positive", "warning"),
		absent: []string{"hbv-active", "hcv-active", "hcv-screening-missing"}, noDose: true})
	add(accCase{name: "P24 52M chronic hepatitis B, cirrhosis without class, ex-smoker: upadacitinib 30 mg",
		c: sign(rec(52, active("hbv", icd10cm, "B18.1"), active("cirr", sct, "19943007"), smoke("8517006")).male(), upa(30)),
		want: w("hbv-active", "critical", "severe-hepatic-impairment", "warning", "smoker", "warning",
			"lower-dose-recommended", "warning"),
		// Corrected scenario (written as noDose): beside a critical "Do not
		// start" that is a "not now" (active HBV, low counts, pregnancy,
		// infection) the dose card keeps its update to 15 mg; only findings
		// that rule the drug out at any dose (critical renal or hepatic,
		// under 12, MI since the start) drop it (docs/rules.md section 2,
		// contract 6.3). Open: committee.md "suggestions 1", "noise14 4".
		dose: 15})
	add(accCase{name: "P25 47M active TB, no HBsAg: upadacitinib 15 mg",
		c:      sign(drop(rec(47, active("tb", sct, "56717001")), "hbsag").male(), upa(15)),
		want:   w("tb-active", "critical", "hbv-screening-missing", "warning"),
		absent: []string{"tb-screening-missing", "tb-latent-untreated"}, noDose: true})
	add(accCase{name: "P26 32F HCV RNA detected, decompensated liver (hepatic failure): abrocitinib 100 mg",
		c:    sign(rec(32, obsCode("hcvrna", "11259-9", "260373001", d), active("hf", icd10cm, "K72.10")), abro(100)),
		want: w("hcv-active", "critical", "severe-hepatic-impairment", "critical"), noDose: true})
	add(accCase{name: "P27 60M with live zoster vaccine 10 days ago, no recombinant vaccine: upadacitinib 15 mg",
		c:    sign(drop(rec(60, immunization("zvl", "121", ago(10))), "rzv").male(), upa(15)),
		want: w("live-vaccine-recent", "warning", "zoster-vaccine-missing", "warning")})
	add(accCase{name: "P28 yellow fever vaccine 40 days ago, hypertension at 40: upadacitinib 15 mg, no card",
		c: sign(rec(40, immunization("yf", "37", ago(40)), htn), upa(15)), noCards: true})
	add(accCase{name: "P29 30F breastfeeding, herpes zoster active: abrocitinib 100 mg",
		c:    sign(rec(30, active("bf", sct, "866041003"), active("hz", sct, "4740000")), abro(100)),
		want: w("breastfeeding", "critical", "serious-infection-active", "critical"), noDose: true})

	// ---- Combinations.
	add(accCase{name: "P30 24F on adalimumab and azathioprine: abrocitinib 100 mg",
		c:    sign(rec(24, other("ada", "327361", "adalimumab", 60), other("aza", "1256", "azathioprine 50 MG Oral Tablet", 60)), abro(100)),
		want: w("combination-biologic", "warning", "combination-immunosuppressant", "warning"), noDose: true})
	add(accCase{name: "P31 44M on tofacitinib with pneumonia: upadacitinib 15 mg",
		c:    sign(rec(44, other("tofa", "2048566", "tofacitinib 10 MG Oral Tablet", 100), pneumonia).male(), upa(15)),
		want: w("combination-jak", "critical", "serious-infection-active", "critical"), noDose: true})
	{
		r := rec(36)
		c := call{hook: HookOrderSelect, r: r, drafts: []res{upa(30), with(abro(100), "id", "new2")}, selections: []string{"MedicationRequest/new"}}
		add(accCase{name: "P32 order-select of upadacitinib 30 mg with abrocitinib 100 mg drafted in the same session",
			c: c, want: w("combination-jak", "critical"), noDose: true})
	}

	// ---- Missing baseline: one new patient, nothing on record.
	addM(mcase{accCase: accCase{name: "P33 new 34F, no screening or labs at all: upadacitinib 15 mg",
		c: sign(drop(rec(34), screening...), upa(15)),
		want: w("tb-screening-missing", "warning", "hbv-screening-missing", "warning", "hcv-screening-missing", "warning",
			"cbc-missing", "warning", "liver-enzymes-missing", "warning", "lipids-missing", "warning", "pregnancy-test-missing", "warning")}})
	add(accCase{name: "P34 new 34F, no screening or labs, no prior systemic therapy: abrocitinib 200 mg",
		c: sign(drop(rec(34), append(screening, "dupi")...), abro(200)),
		want: w("tb-screening-missing", "warning", "hbv-screening-missing", "warning", "hcv-screening-missing", "warning",
			"cbc-missing", "warning", "liver-enzymes-missing", "warning", "lipids-missing", "warning", "pregnancy-test-missing", "warning",
			"no-prior-systemic-therapy", "info")})
	add(accCase{name: "P35 13F of 40 kg, no zoster vaccine, no prior systemic therapy: abrocitinib 100 mg",
		c:      sign(drop(rec(13, wt(40)), "rzv", "dupi"), abro(100)),
		want:   w("no-prior-systemic-therapy", "info"),
		absent: []string{"zoster-vaccine-missing", "weight-below-label"}, onlyInfo: true})
	add(accCase{name: "P36 11-year-old: upadacitinib 15 mg",
		c:    sign(rec(11), upa(15)),
		want: w("age-not-approved", "critical"), absent: []string{"pregnancy-test-missing"}, noDose: true})
	add(accCase{name: "P37 ALC 400, ANC 800, Hb 7.5 before starting: abrocitinib 100 mg",
		c:    sign(rec(42, qty("alc", "731-0", 400, "/uL", "", d), qty("anc", "751-8", 800, "/uL", "", d), obsQty("hgb", "718-7", 7.5, "g/dL", d)), abro(100)),
		want: w("lymphopenia", "critical", "neutropenia", "critical", "anemia", "critical"), noDose: true})
	{
		r := rec(40, htn).male()
		delete(r.patient, "birthDate")
		add(accCase{name: "P38 birth date missing, hypertension: upadacitinib 30 mg",
			c: sign(r, upa(30)), want: w("age-unknown", "warning")})
	}
	add(accCase{name: "P39 56F hypertension, aspirin 81 mg: abrocitinib 100 mg",
		c:    sign(rec(56, htn, onceDaily(med("asa", "active", rxnorm, "243670", "aspirin 81 MG Oral Tablet", 300))), abro(100)),
		want: w("cardiovascular-risk", "warning"), absent: []string{"antiplatelet-abrocitinib", "lower-dose-recommended"}})
	add(accCase{name: "P40 56F hypertension, aspirin 325 mg: abrocitinib 100 mg",
		c:    sign(rec(56, htn, onceDaily(med("asa", "active", rxnorm, "212033", "aspirin 325 MG Oral Tablet", 300))), abro(100)),
		want: w("cardiovascular-risk", "warning", "antiplatelet-abrocitinib", "critical"), noDose: true})

	// ---- On treatment: continuations and patient-view.
	{
		r := labsAt(rec(45, course("abrocitinib", 100, 40), pneumonia), 60)
		add(accCase{name: "P41 patient-view, abrocitinib day 40, no labs since start, pneumonia",
			c: view(r),
			want: w("monitoring-cbc-due", "warning", "monitoring-liver-due", "warning", "monitoring-lipids-due", "warning",
				"serious-infection-active", "critical"), noDose: true})
	}
	{
		r := labsAt(rec(61, course("upadacitinib", 30, 100), clarithro), 120)
		addM(mcase{accCase: accCase{name: "P42 patient-view, upadacitinib 30 mg day 100, labs before start, clarithromycin started",
			c: view(r),
			// Corrected scenario (written with monitoring-cbc-due and
			// monitoring-liver-due absent, as the contract's table names
			// abrocitinib only): RINVOQ 5.8 asks for counts and liver enzymes
			// "according to routine patient management", which the rules read
			// as every 12 weeks on upadacitinib (docs/rules.md section 3), one
			// card with the lipid check.
			want: w("monitoring-lipids-due", "warning", "monitoring-cbc-due", "warning", "monitoring-liver-due", "warning",
				"cyp-interaction", "warning")}, doseIfAny: 15})
	}
	{
		r := rec(52, course("abrocitinib", 100, 50), qty("plt", "777-3", 45, "10*3/uL", "", ago(3)), qty("alc", "731-0", 450, "/uL", "", ago(3)),
			other("tica", "1116635", "ticagrelor 90 MG Oral Tablet", 30))
		add(accCase{name: "P43 patient-view, abrocitinib day 50, platelets 45,000, ALC 450, ticagrelor since day 20",
			c:    view(r),
			want: w("thrombocytopenia", "critical", "lymphopenia", "critical", "antiplatelet-abrocitinib", "critical"), noDose: true})
		add(accCase{name: "P43 renewal of abrocitinib 100 mg for the same patient",
			c:    sign(r, abro(100)),
			want: w("thrombocytopenia", "critical", "lymphopenia", "critical", "antiplatelet-abrocitinib", "critical"), noDose: true})
	}
	{
		// On-treatment platelets 120,000: above the 50,000 discontinuation
		// threshold; the 150,000 initiation threshold does not apply.
		r := drop(rec(29, course("abrocitinib", 100, 20), qty("plt", "777-3", 120, "10*3/uL", "", ago(2))), "hcg")
		add(accCase{name: "P44 renewal on abrocitinib day 20, platelets 120,000, no recent pregnancy test: no card",
			c: sign(r, abro(100)), noCards: true})
		add(accCase{name: "P44 patient-view: no card", c: view(r), noCards: true})
	}
	{
		r := rec(48, course("abrocitinib", 100, 150), other("clopi", "309362", "clopidogrel 75 MG Oral Tablet", 10))
		add(accCase{name: "P45 patient-view, abrocitinib day 150, clopidogrel started 10 days ago (after month 3): no card",
			c: view(r), noCards: true})
		add(accCase{name: "P45 clopidogrel ordered on abrocitinib day 150: no card",
			c: sign(rec(48, course("abrocitinib", 100, 150)), drugDraft("clo", rxnorm, "309362", "clopidogrel 75 MG Oral Tablet")), noCards: true})
	}
	{
		r := rec(66, course("upadacitinib", 30, 200), obsCode("igra", "71773-6", negative, ago(400)))
		add(accCase{name: "P46 renewal of upadacitinib 30 mg at 66 after 200 days, TB test 400 days old",
			c:    sign(r, upa(30)),
			want: w("lower-dose-recommended", "warning"), absent: []string{"tb-screening-missing"}, dose: 15})
	}
	add(accCase{name: "P47 on upadacitinib day 60: Dupixent and MMR ordered",
		c:    sign(rec(33, course("upadacitinib", 15, 60)), drugDraft("dup", "", "", "Dupixent 300 MG/2ML"), drugDraft("mmr", cvx, "03", "MMR vaccine")),
		want: w("combination-biologic", "warning", "live-vaccine-ordered", "warning")})
	add(accCase{name: "P48 on abrocitinib 100 mg day 30: fluconazole ordered (avoid, no dose)",
		c:    sign(rec(37, course("abrocitinib", 100, 30)), drugDraft("flu", rxnorm, "4450", "fluconazole 150 MG Oral Tablet")),
		want: w("cyp-interaction", "warning"), noDose: true})
	add(accCase{name: "P49 on abrocitinib 100 mg day 30: fluoxetine ordered (50 mg)",
		c:    sign(rec(37, course("abrocitinib", 100, 30)), drugDraft("fluox", rxnorm, "4493", "fluoxetine 20 MG Oral Capsule")),
		want: w("cyp-interaction", "warning"), dose: 50})
	{
		r := rec(30, course("upadacitinib", 15, 200), active("preg", sct, "77386006"),
			stmt("tofa", "active", rxnorm, "2048566", "tofacitinib 10 MG Oral Tablet", 20))
		add(accCase{name: "P50 patient-view, upadacitinib day 200, pregnant, tofacitinib on the outside list",
			c:    view(r),
			want: w("pregnancy", "critical", "combination-jak", "critical"), noDose: true})
	}

	// ---- Second round: several limits where one rules the drug out, and
	// drugs drafted together.
	add(accCase{name: "P51 new start, upadacitinib 30 mg and clarithromycin drafted together",
		c:    sign(rec(40), upa(30), drugDraft("clari", rxnorm, "21212", "clarithromycin 500 MG Oral Tablet")),
		want: w("cyp-interaction", "warning"), dose: 15})
	add(accCase{name: "P52 new start, abrocitinib 100 mg and clopidogrel drafted together",
		c:    sign(rec(60, cad), abro(100), drugDraft("clo", rxnorm, "309362", "clopidogrel 75 MG Oral Tablet")),
		want: w("antiplatelet-abrocitinib", "critical", "cardiovascular-risk", "warning"), noDose: true})
	add(accCase{name: "P53 66F eGFR 12: upadacitinib 30 mg, the age limit names no dose",
		c:    sign(rec(66, egfr(12)), upa(30)),
		want: w("renal-impairment", "critical", "lower-dose-recommended", "warning"), noDose: true})
	add(accCase{name: "P54 40F on clarithromycin, eGFR 12: upadacitinib 30 mg",
		c:    sign(rec(40, clarithro, egfr(12)), upa(30)),
		want: w("renal-impairment", "critical", "cyp-interaction", "warning"), noDose: true})
	add(accCase{name: "P55 40F CYP2C19 poor metabolizer, eGFR 25: abrocitinib 200 mg",
		c:    sign(rec(40, pm, egfr(25)), abro(200)),
		want: w("renal-impairment", "critical", "cyp2c19-poor-metabolizer", "warning"), noDose: true})
	add(accCase{name: "P56 40F on fluoxetine with hepatic failure: abrocitinib 100 mg",
		c:    sign(rec(40, fluox, active("hf", icd10cm, "K72.10")), abro(100)),
		want: w("severe-hepatic-impairment", "critical", "cyp-interaction", "warning"), noDose: true})
	add(accCase{name: "P57 11-year-old of 30 kg: upadacitinib 15 mg",
		c:    sign(rec(11, wt(30)), upa(15)),
		want: w("age-not-approved", "critical", "weight-below-label", "warning"), noDose: true})
	{
		mi := with(active("mi", icd10cm, "I21.9"), "onsetDateTime", ago(30))
		add(accCase{name: "P58 renewal of upadacitinib 30 mg at 66, MI a month ago on treatment",
			c:    sign(rec(66, course("upadacitinib", 30, 200), mi).male(), upa(30)),
			want: w("mace-history", "warning", "lower-dose-recommended", "warning"), noDose: true})
	}
	add(accCase{name: "P59 renewal of abrocitinib 200 mg at day 100, eGFR 25 last week",
		c:    sign(rec(44, course("abrocitinib", 200, 100), qty("egfr", "98979-8", 25, "mL/min/{1.73_m2}", "", ago(5))), abro(200)),
		want: w("renal-impairment", "critical"), noDose: true})
	add(accCase{name: "P60 28F pregnant, no pregnancy test on record: upadacitinib 15 mg",
		c:    sign(drop(rec(28, active("preg", sct, "77386006")), "hcg"), upa(15)),
		want: w("pregnancy", "critical"), absent: []string{"pregnancy-test-missing"}, noDose: true})
	add(accCase{name: "P61 HBsAg and anti-HBc both positive: upadacitinib 15 mg, active HBV only",
		c:    sign(rec(39, obsCode("hbsag", "5196-1", positive, d), obsCode("hbc", "16933-4", positive, d)), upa(15)),
		want: w("hbv-active", "critical"), absent: []string{"hbv-core-antibody-positive"}, noDose: true})
	add(accCase{name: "P62 HCV antibody positive, RNA detected: abrocitinib 100 mg, active HCV only",
		c:    sign(rec(39, obsCode("hcv", "13955-0", positive, d), obsCode("hcvrna", "11259-9", "260373001", d)), abro(100)),
		want: w("hcv-active", "critical"), absent: []string{"hcv-antibody-positive"}, noDose: true})
	add(accCase{name: "P63 HCV antibody positive, RNA not detected (cleared): no card",
		c: sign(rec(39, obsCode("hcv", "13955-0", positive, d), obsCode("hcvrna", "11259-9", "260415000", d)), abro(100)), noCards: true})
	add(accCase{name: "P64 platelets 40,000 on upadacitinib 15 mg (no platelet rule in RINVOQ): no card",
		c: sign(rec(39, qty("plt", "777-3", 40, "10*3/uL", "", d)), upa(15)), noCards: true})
	addM(mcase{accCase: accCase{name: "P65 16F of 38 kg on clarithromycin: upadacitinib 30 mg",
		c:    sign(rec(16, wt(38), clarithro), upa(30)),
		want: w("weight-below-label", "warning", "cyp-interaction", "warning")}, doseIfAny: 15})
	add(accCase{name: "P66 switch from abrocitinib (stopped 10 days ago) to upadacitinib 30 mg on clarithromycin",
		c:    sign(rec(40, courseMed("abro-c", "MedicationRequest", "stopped", "abrocitinib", 100, 150), clarithro), upa(30)),
		want: w("cyp-interaction", "warning"), absent: []string{"combination-jak"}, dose: 15})
	add(accCase{name: "P67 67F CYP2C19 poor metabolizer, eGFR 45: abrocitinib 200 mg",
		c:    sign(rec(67, pm, egfr(45)), abro(200)),
		want: w("cyp2c19-poor-metabolizer", "warning", "renal-impairment", "warning"), dose: 50})
	{
		r := rec(67, egfr(35), htn, oldMI, smoke("8517006"), clarithro).male().drop("igra")
		c := call{hook: HookOrderSelect, r: r, drafts: []res{upa(30)}, selections: []string{"MedicationRequest/new"}}
		add(accCase{name: "P01 as order-select",
			c:    c,
			want: w("tb-screening-missing", "warning", "cardiovascular-risk", "warning", "mace-history", "warning", "smoker", "warning", "cyp-interaction", "warning", "lower-dose-recommended", "warning"),
			dose: 15})
	}

	// ---- Third round: on treatment, several drugs at once.
	add(accCase{name: "P68 on upadacitinib 15 mg (order still active), abrocitinib 100 mg ordered",
		c:    sign(rec(40, course("upadacitinib", 15, 100)), abro(100)),
		want: w("combination-jak", "critical"), noDose: true})
	add(accCase{name: "P69 patient-view, abrocitinib day 60, fluconazole active",
		c:    view(rec(40, course("abrocitinib", 100, 60), other("fluc", "4450", "fluconazole 150 MG Oral Tablet", 10))),
		want: w("cyp-interaction", "warning"), noDose: true})
	addM(mcase{accCase: accCase{name: "P70 patient-view, abrocitinib 100 mg day 60, fluoxetine active",
		c:    view(rec(40, course("abrocitinib", 100, 60), other("fluox", "4493", "fluoxetine 20 MG Oral Capsule", 10))),
		want: w("cyp-interaction", "warning")}, doseIfAny: 50})
	add(accCase{name: "P71 on abrocitinib 100 mg day 30: renewal at 200 mg with fluoxetine drafted",
		c:    sign(rec(40, course("abrocitinib", 100, 30)), abro(200), drugDraft("fluox", rxnorm, "4493", "fluoxetine 20 MG Oral Capsule")),
		want: w("cyp-interaction", "warning"), dose: 50})
	add(accCase{name: "P72 renewal of upadacitinib 15 mg at day 100, tofacitinib on the outside list",
		c:    sign(rec(40, course("upadacitinib", 15, 100), stmt("tofa", "active", rxnorm, "2048566", "tofacitinib 10 MG Oral Tablet", 20)), upa(15)),
		want: w("combination-jak", "critical"), noDose: true})
	// Corrected scenario (written as no card, the contract's patient-view
	// list not naming breastfeeding): both labels (8.2) say no
	// breastfeeding during treatment, and the rules say it on patient-view
	// too (docs/rules.md section 2); a pharmacist wants it said.
	add(accCase{name: "P73 patient-view, abrocitinib day 60, breastfeeding",
		c:    view(rec(30, course("abrocitinib", 100, 60), active("bf", sct, "866041003"))),
		want: w("breastfeeding", "critical"), noDose: true})
	add(accCase{name: "P74 on upadacitinib day 60: recombinant zoster vaccine ordered, no card",
		c: sign(rec(55, course("upadacitinib", 15, 60)), drugDraft("rzv2", cvx, "187", "zoster vaccine recombinant")), noCards: true})
	add(accCase{name: "P75 on upadacitinib day 60: live zoster vaccine ordered",
		c:    sign(rec(55, course("upadacitinib", 15, 60)), drugDraft("zvl", cvx, "121", "zoster vaccine live")),
		want: w("live-vaccine-ordered", "warning")})

	add(accCase{name: "P76 30F with an indeterminate hCG (10 mIU/mL) and an ex-smoker: abrocitinib 200 mg",
		c:      sign(rec(30, qty("hcg", "19080-1", 10, "m[IU]/mL", "mIU/mL", ago(5)), smoke("8517006")), abro(200)),
		want:   w("pregnancy-test-missing", "warning", "smoker", "warning", "lower-dose-recommended", "warning"),
		absent: []string{"pregnancy"}, dose: 100})
	{
		asa := onceDaily(med("asa", "active", rxnorm, "243670", "aspirin 81 MG Oral Tablet", 100))
		asa["dosageInstruction"].([]any)[0].(res)["timing"] = res{"repeat": res{"frequency": 2, "period": 1, "periodUnit": "d"}}
		add(accCase{name: "P77 58M hypertension, aspirin 81 mg twice daily (162 mg/day): abrocitinib 100 mg",
			c:    sign(rec(58, htn, asa).male(), abro(100)),
			want: w("antiplatelet-abrocitinib", "critical", "cardiovascular-risk", "warning"), noDose: true})
	}
	add(accCase{name: "P78 55M current smoker, nothing else: upadacitinib 30 mg",
		c:    sign(rec(55, smoke("449868002")).male(), upa(30)),
		want: w("cardiovascular-risk", "warning", "smoker", "warning", "lower-dose-recommended", "warning"), dose: 15})
	{
		r := rec(50, course("upadacitinib", 15, 100), qty("anc", "751-8", 800, "/uL", "", ago(3)), pneumonia,
			stmt("ada", "active", rxnorm, "327361", "adalimumab", 20))
		add(accCase{name: "P79 patient-view, upadacitinib day 100, ANC 800, pneumonia, adalimumab on the outside list",
			c:    view(r),
			want: w("neutropenia", "critical", "serious-infection-active", "critical", "combination-biologic", "warning"), noDose: true})
		add(accCase{name: "P79 renewal of upadacitinib 15 mg for the same patient",
			c:    sign(r, upa(15)),
			want: w("neutropenia", "critical", "serious-infection-active", "critical", "combination-biologic", "warning"), noDose: true})
	}

	s := newTestServer(t, serverOpts{noStore: true})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cs, body := tc.c.post(t, s)
			checkAcc(t, tc.accCase, cs, body)
			bbmultiWhole(t, tc.want, tc.noCards, tc.doseIfAny, tc.maxCards, tc.noDose, tc.dose, cs)
		})
	}
}

// doseInDetail finds a dose the detail tells the prescriber to use.
var doseInDetail = regexp.MustCompile(`(?i)(?:reduce \w+ to|use \w+|keep \w+ at|lower dose[:,]? ) ?(\d+) mg (?:once )?daily`)

// bbmultiWhole checks the whole answer: the exact set of finding codes, no
// card without a finding, no more cards than findings, the doses named
// (details included) all the same, and no dose proposed beside a card
// that says the drug is not to be used at any dose.
func bbmultiWhole(t *testing.T, want map[string]string, noCards bool, doseIfAny, maxCards int, noDose bool, dose int, cs []cards.Card) {
	t.Helper()
	var got, exp []string
	for _, c := range cs {
		assert.NotEmpty(t, c.Findings(), "card without a finding: %s", c.Summary)
		got = append(got, c.Findings()...)
	}
	for code := range want {
		exp = append(exp, code)
	}
	sort.Strings(got)
	sort.Strings(exp)
	if noCards {
		exp = nil
	}
	assert.Equal(t, strings.Join(exp, " "), strings.Join(got, " "), "the exact set of findings: %s", cardSummaries(cs))
	assert.LessOrEqual(t, len(cs), len(got), "no more cards than findings")
	if maxCards != 0 {
		assert.LessOrEqual(t, len(cs), maxCards, "cards: %s", cardSummaries(cs))
	}
	named := map[int]bool{}
	for _, mgs := range dosesNamed(cs) {
		for _, mg := range mgs {
			named[mg] = true
		}
	}
	for _, c := range cs {
		for _, m := range doseInDetail.FindAllStringSubmatch(c.Detail, -1) {
			var mg int
			for _, ch := range m[1] {
				mg = mg*10 + int(ch-'0')
			}
			named[mg] = true
		}
	}
	assert.LessOrEqual(t, len(named), 1, "one dose per order, named: %v: %s", named, cardSummaries(cs))
	if doseIfAny != 0 {
		for mg := range named {
			assert.Equal(t, doseIfAny, mg, "dose named: %s", cardSummaries(cs))
		}
	}
	if dose != 0 {
		for mg := range named {
			assert.Equal(t, dose, mg, "dose named in a summary, suggestion or detail: %s", cardSummaries(cs))
		}
	}
	if noDose {
		assert.Empty(t, named, "no dose may be proposed: %s", cardSummaries(cs))
	}
}
