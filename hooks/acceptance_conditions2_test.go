package hooks

import (
	"fmt"
	"testing"
)

// The conditions class reviewed as a clinical pharmacist would (December
// 2026): problem-list and history entries as EHRs send them, and the
// dangers they are missed or falsely raised by. Each row is a FHIR record
// posted through the HTTP handler; see acceptance_helpers_test.go.

// encounterDx is a Condition as an encounter diagnosis or a claim sends it:
// category encounter-diagnosis, no clinical status, dated by onset days ago
// (no onset when days < 0).
func encounterDx(id, system, code string, days int) res {
	c := res{"resourceType": "Condition", "id": id, "code": coding(system, code),
		"category": []any{coding("http://terminology.hl7.org/CodeSystem/condition-category", "encounter-diagnosis")}}
	if days >= 0 {
		c["onsetDateTime"] = ago(days)
	}
	return c
}

// TestAcceptanceConditionsInfectionDates: a serious infection with no
// clinical status is an old encounter diagnosis once it is more than 90
// days old; a stated status is taken as written; "unknown" says no more
// than a missing status.
func TestAcceptanceConditionsInfectionDates(t *testing.T) {
	const si = "serious-infection-active"
	cases := []accCase{
		{name: "pneumonia J18.9 encounter diagnosis 3 years ago, no status: not an active infection", c: upa15(cleanRecord().replace(encounterDx("x", icd, "J18.9", 1095))), noCards: true},
		{name: "pneumonia 233604007 recorded 3 years ago, no status, no onset: not active", c: abro100(cleanRecord().replace(with(encounterDx("x", sct, "233604007", -1), "recordedDate", ago(1095)))), noCards: true},
		{name: "sepsis A41.9 encounter diagnosis 91 days ago, no status: not active", c: upa15(cleanRecord().replace(encounterDx("x", icd, "A41.9", 91))), noCards: true},
		{name: "sepsis A41.9 encounter diagnosis 90 days ago, no status: still counted", c: upa15(cleanRecord().replace(encounterDx("x", icd, "A41.9", 90))), want: w(si, "critical")},
		{name: "sepsis A419 (no dot) 10 days ago, no status: active", c: abro100(cleanRecord().replace(encounterDx("x", icd, "A419", 10))), want: w(si, "critical")},
		{name: "zoster B02.9 no status, undated: counted (fail safe)", c: upa15(cleanRecord().replace(encounterDx("x", icd, "B02.9", -1))), want: w(si, "critical")},
		{name: "sepsis A41.9 active, onset 3 years ago: the stated status is taken as written", c: upa15(cleanRecord().replace(rxCond("x", icd, "A41.9", "active", "", "onsetDateTime", ago(1095)))), want: w(si, "critical")},
		{name: "pneumonia J18.9 encounter diagnosis active 3 years ago: counted (category not read; committee)", c: upa15(cleanRecord().replace(with(encounterDx("x", icd, "J18.9", 1095), "clinicalStatus", coding("http://terminology.hl7.org/CodeSystem/condition-clinical", "active")))), want: w(si, "critical")},
		{name: "pneumonia J18.9 status unknown, 10 days ago: counted like no status", c: upa15(cleanRecord().replace(rxCond("x", icd, "J18.9", "unknown", "", "onsetDateTime", ago(10)))), want: w(si, "critical")},
		{name: "pneumonia J18.9 status unknown, 3 years ago: not active", c: upa15(cleanRecord().replace(rxCond("x", icd, "J18.9", "unknown", "", "onsetDateTime", ago(1095)))), noCards: true},
		{name: "pneumonia J18.9 no status, abated last week: not active", c: upa15(cleanRecord().replace(with(encounterDx("x", icd, "J18.9", 20), "abatementDateTime", ago(7)))), noCards: true},
		{name: "pneumonia J18.9 active, differential diagnosis: counted (fail safe)", c: upa15(cleanRecord().replace(rxCond("x", icd, "J18.9", "active", "differential"))), want: w(si, "critical")},
		{name: "sepsis A41.9 resolved 3 years ago: not active", c: upa15(cleanRecord().replace(rxCond("x", icd, "A41.9", "resolved", "", "onsetDateTime", ago(1095)))), noCards: true},
		{name: "patient-view on upadacitinib, pneumonia 3 years ago with no status: nothing to interrupt", c: view(cleanRecord().onCourse("upadacitinib").replace(encounterDx("x", icd, "J18.9", 1095))), absent: []string{si}},
		{name: "patient-view on upadacitinib, pneumonia 5 days ago with no status: interrupt", c: view(cleanRecord().onCourse("upadacitinib").replace(encounterDx("x", icd, "J18.9", 5))), want: w(si, "critical")},
		{name: "personal history of pneumonia Z87.01, active: not an infection now", c: upa15(cleanRecord().replace(cond("x", icd, "Z87.01", "active"))), noCards: true},
		// "unknown" in the other active-condition rules.
		{name: "active TB A15.0 status unknown: counted like no status", c: upa15(cleanRecord().replace(rxCond("x", icd, "A15.0", "unknown", ""))), want: w("tb-active", "critical")},
		{name: "pregnancy Z34.90 status unknown, onset 60 days ago: pregnant", c: upa15(cleanRecord().drop("hcg").replace(rxCond("x", icd, "Z34.90", "unknown", "", "onsetDateTime", ago(60)))), want: w("pregnancy", "critical")},
		{name: "chronic hepatitis C B18.2 status unknown: counted", c: abro100(cleanRecord().replace(rxCond("x", icd, "B18.2", "unknown", ""))), want: w("hcv-active", "critical")},
		{name: "hepatitis C B18.2 unknown, abated: not active", c: abro100(cleanRecord().replace(rxCond("x", icd, "B18.2", "unknown", "", "abatementDateTime", ago(200)))), absent: []string{"hcv-active"}},
	}
	runAcc(t, cases)
}

// TestAcceptanceConditionsCardiovascularCodes: the cardiovascular risk
// factors as EHRs code them (ICD-10-CM children and neighbours of the few
// codes the knowledge base listed), the age boundary, and codes that look
// alike but are not the patient's risk factor.
func TestAcceptanceConditionsCardiovascularCodes(t *testing.T) {
	const cv = "cardiovascular-risk"
	at := func(age int, code string) *record {
		return cleanRecord().born(bornAged(age)).replace(cond("x", icd, code, "active"))
	}
	var cases []accCase
	for _, code := range []string{
		"I10", "I11.9", "I11.0", "I12.9", "I13.10", "I15.0", "I15.9", "I16.0", "I16.9", // hypertension
		"E11.9", "E11.65", "E10.9", "E13.9", "E09.9", // diabetes
		"E78.5", "E78.00", "E78.01", "E78.1", "E78.2", "E78.3", "E78.41", "E78.49", "E7849", // hyperlipidemia
		"I25.10", "I25.119", "I25.9", "I25.810", "I20.9", "I24.9", "I2510", // coronary disease
	} {
		cases = append(cases, accCase{name: code + " at 60: cardiovascular risk", c: upa15(at(60, code)), want: w(cv, "warning"), absent: []string{"mace-history"}})
	}
	cases = append(cases,
		accCase{name: "E08.9 (diabetes due to an underlying condition) at 60: risk, unverified code", c: upa15(at(60, "E08.9")), want: w(cv, "warning"), detailOf: map[string]string{cv: "not yet verified"}},
		accCase{name: "E78.49 at 49: below the age", c: upa15(at(49, "E78.49")), noCards: true},
		accCase{name: "E78.49 at 50: risk", c: upa15(at(50, "E78.49")), want: w(cv, "warning")},
		accCase{name: "E78.49 at 51: risk", c: upa15(at(51, "E78.49")), want: w(cv, "warning")},
		accCase{name: "I25.119 at 49: below the age", c: abro100(at(49, "I25.119")), noCards: true},
		accCase{name: "I16.0 hypertensive urgency resolved at 60: nothing", c: upa15(cleanRecord().born(bornAged(60)).replace(cond("x", icd, "I16.0", "resolved"))), noCards: true},
		accCase{name: "E11.9 entered in error at 60: nothing", c: upa15(cleanRecord().born(bornAged(60)).replace(rxCond("x", icd, "E11.9", "active", "entered-in-error"))), noCards: true},
		accCase{name: "4 risk factors at 70 on upadacitinib 30: one risk card, one dose", c: sign(cleanRecord().born(bornAged(70)).replace(cond("a", icd, "I11.9", "active")).replace(cond("b", icd, "E78.49", "active")).replace(cond("c", icd, "E13.9", "active")).replace(cond("d", icd, "I25.119", "active")), jakDraft("upadacitinib", 30)),
			want: w(cv, "warning", "lower-dose-recommended", "warning"), dose: 15},
	)
	// Look-alikes at 60: not a cardiovascular risk factor of the patient.
	for _, code := range []string{
		"E78.6",   // lipoprotein deficiency
		"R73.03",  // prediabetes
		"Z82.49",  // family history of ischemic heart disease
		"Z83.3",   // family history of diabetes mellitus
		"Z82.3",   // family history of stroke
		"I95.9",   // hypotension
		"O24.419", // gestational diabetes (not the E08-E13 block)
	} {
		cases = append(cases, accCase{name: code + " at 60: not a risk factor", c: upa15(at(60, code)), absent: []string{cv, "mace-history"}})
	}
	runAcc(t, cases)
}

// TestAcceptanceConditionsLowerDose: each risk row found from a condition
// limits the high dose (EU SmPC 4.2), and a look-alike does not; the age
// boundary of cardiovascular risk on the birthday.
func TestAcceptanceConditionsLowerDose(t *testing.T) {
	turns := func(years, days int) string { return testNow.AddDate(-years, 0, days).Format("2006-01-02") }
	upa30 := func(r *record) call { return sign(r, jakDraft("upadacitinib", 30)) }
	abro200 := func(r *record) call { return sign(r, jakDraft("abrocitinib", 200)) }
	lower := "lower-dose-recommended"
	cases := []accCase{
		{name: "history of melanoma Z85.820, upadacitinib 30: 15 mg", c: upa30(cleanRecord().replace(cond("x", icd, "Z85.820", "resolved"))), want: w("malignancy", "warning", lower, "warning"), dose: 15},
		{name: "arm DVT I82.621 resolved, abrocitinib 200: 100 mg", c: abro200(cleanRecord().replace(cond("x", icd, "I82.621", "resolved"))), want: w("vte-risk", "warning", lower, "warning"), dose: 100},
		{name: "stroke sequela I69.30, upadacitinib 30: 15 mg", c: upa30(cleanRecord().replace(cond("x", icd, "I69.30", "active"))), want: w("mace-history", "warning", lower, "warning"), dose: 15},
		{name: "family history of breast cancer Z80.3, upadacitinib 30: nothing", c: upa30(cleanRecord().replace(cond("x", icd, "Z80.3", "active"))), noCards: true},
		{name: "history of BCC Z85.828, abrocitinib 200: nothing", c: abro200(cleanRecord().replace(cond("x", icd, "Z85.828", "active"))), noCards: true},
		{name: "E78.49, 50th birthday tomorrow (49): nothing", c: upa30(cleanRecord().born(turns(50, 1)).replace(cond("x", icd, "E78.49", "active"))), noCards: true},
		{name: "E78.49, 50th birthday today: risk, 15 mg", c: upa30(cleanRecord().born(turns(50, 0)).replace(cond("x", icd, "E78.49", "active"))), want: w("cardiovascular-risk", "warning", lower, "warning"), dose: 15},
	}
	runAcc(t, cases)
}

// TestAcceptanceConditionsSmoking: current against former smoking, from
// status answers and from conditions, at the cardiovascular age boundary.
func TestAcceptanceConditionsSmoking(t *testing.T) {
	status := func(age int, answer string) *record {
		return cleanRecord().born(bornAged(age)).replace(obsCode("smoke", "72166-2", answer, ago(20)))
	}
	diag := func(age int, code string) *record {
		return cleanRecord().born(bornAged(age)).replace(cond("x", icd, code, "active"))
	}
	both := w("smoker", "warning", "cardiovascular-risk", "warning")
	onlySmoker := func(name string, c call) accCase {
		return accCase{name: name, c: c, want: w("smoker", "warning"), absent: []string{"cardiovascular-risk"}}
	}
	cases := []accCase{
		{name: "60, current heavy tobacco smoker: current", c: upa15(status(60, "428071000124103")), want: both},
		{name: "60, current light tobacco smoker: current", c: upa15(status(60, "428061000124105")), want: both},
		{name: "60, smoker, current status unknown: current (fail safe)", c: upa15(status(60, "77176002")), want: both},
		{name: "50, current every day smoker: current", c: upa15(status(50, "449868002")), want: both},
		onlySmoker("49, current every day smoker: smoker only", upa15(status(49, "449868002"))),
		onlySmoker("60, former light tobacco smoker: former", upa15(status(60, "428091000124102"))),
		onlySmoker("60, former heavy tobacco smoker: former", upa15(status(60, "428081000124100"))),
		onlySmoker("60, ex-heavy cigarette smoker: former", abro100(status(60, "266924008"))),
		onlySmoker("60, ex-cigarette smoker amount unknown: former", abro100(status(60, "266928006"))),
		onlySmoker("60, nicotine dependence, cigarettes, in remission F17.211: former", upa15(diag(60, "F17.211"))),
		onlySmoker("60, F17211 (no dot), in remission: former", upa15(diag(60, "F17211"))),
		onlySmoker("60, Z87891 (no dot) history of nicotine dependence: former", upa15(diag(60, "Z87891"))),
		{name: "60, F17.210 active: current", c: upa15(diag(60, "F17.210")), want: both},
		{name: "60, F17.210 resolved: former smoker only", c: upa15(cleanRecord().born(bornAged(60)).replace(cond("x", icd, "F17.210", "resolved"))), want: w("smoker", "warning"), absent: []string{"cardiovascular-risk"}},
		{name: "60, never smoker: nothing", c: upa15(status(60, "266919005")), noCards: true},
		{name: "60, unknown if ever smoked: nothing", c: upa15(status(60, "266927001")), noCards: true},
		{name: "60, chewing tobacco F17.220: not a smoker", c: upa15(diag(60, "F17.220")), noCards: true},
		{name: "60, exposure to second-hand smoke Z77.22: not a smoker", c: upa15(diag(60, "Z77.22")), noCards: true},
		{name: "60, never smoker and current every day smoker the same day (never first): current", c: upa15(cleanRecord().born(bornAged(60)).replace(obsCode("smoke", "72166-2", "266919005", ago(20))).replace(obsCode("smoke2", "72166-2", "449868002", ago(20)))), want: both},
		{name: "60, current every day smoker and never smoker the same day (current first): current", c: upa15(cleanRecord().born(bornAged(60)).replace(obsCode("smoke", "72166-2", "449868002", ago(20))).replace(obsCode("smoke2", "72166-2", "266919005", ago(20)))), want: both},
		{name: "60, current smoker last year, never smoker since: former only", c: upa15(cleanRecord().born(bornAged(60)).replace(obsCode("smoke0", "72166-2", "449868002", ago(400))).replace(obsCode("smoke", "72166-2", "266919005", ago(20)))), want: w("smoker", "warning"), absent: []string{"cardiovascular-risk"}},
		{name: "30, former light tobacco smoker on abrocitinib 200: smoker, 100 mg", c: sign(status(30, "428091000124102"), jakDraft("abrocitinib", 200)),
			want: w("smoker", "warning", "lower-dose-recommended", "warning"), dose: 100},
	}
	runAcc(t, cases)
}

// TestAcceptanceConditionsHistoryCodes: the history rows (MACE, VTE,
// malignancy) by child codes, sequelae, personal against family history,
// and skin cancers.
func TestAcceptanceConditionsHistoryCodes(t *testing.T) {
	type row struct {
		code, status string
		finding      string // "" when nothing may fire
	}
	rows := []row{
		// Myocardial infarction and stroke.
		{"I21.4", "resolved", "mace-history"},
		{"I214", "inactive", "mace-history"},
		{"I21.A1", "resolved", "mace-history"},
		{"I25.2", "active", "mace-history"},
		{"I23.1", "resolved", "mace-history"}, // complication within 28 days of an MI
		{"I69.30", "active", "mace-history"},
		{"I69.351", "active", "mace-history"},
		{"I69.398", "active", "mace-history"},
		{"I69.10", "active", "mace-history"},
		{"I61.9", "resolved", "mace-history"},
		{"Z86.73", "active", "mace-history"},
		{"G45.9", "resolved", ""}, // TIA alone: not a stroke (committee)
		{"Z82.3", "active", ""},   // family history of stroke
		{"Z82.49", "active", ""},  // family history of ischemic heart disease
		{"I69.90", "active", ""},  // sequelae of unspecified cerebrovascular disease
		// Venous thromboembolism and thrombophilia.
		{"I82.401", "resolved", "vte-risk"},
		{"I82.621", "resolved", "vte-risk"},
		{"I82.622", "inactive", "vte-risk"},
		{"I82.721", "active", "vte-risk"},
		{"I82.A11", "resolved", "vte-risk"},
		{"I82.B12", "resolved", "vte-risk"},
		{"I82.C11", "resolved", "vte-risk"},
		{"I82.91", "active", "vte-risk"},
		{"I26.99", "resolved", "vte-risk"},
		{"Z86.718", "active", "vte-risk"},
		{"Z86711", "active", "vte-risk"},
		{"D68.51", "active", "vte-risk"},
		{"I82.211", "resolved", "vte-risk"}, // superior vena cava, chronic
		{"I82.221", "resolved", "vte-risk"}, // inferior vena cava, chronic
		{"I82.611", "resolved", ""},         // superficial veins of the arm
		{"I82.811", "resolved", ""},         // superficial veins of the leg
		{"Z79.01", "active", ""},            // long-term anticoagulant: no event named
		{"Z83.2", "active", ""},             // family history of blood diseases
		// Malignancy.
		{"C50.911", "active", "malignancy"},
		{"C50911", "remission", "malignancy"},
		{"C43.9", "resolved", "malignancy"},
		{"C4A.9", "resolved", "malignancy"},
		{"Z85.820", "active", "malignancy"}, // history of melanoma
		{"Z85.3", "inactive", "malignancy"},
		{"Z85.828", "active", ""},  // history of other skin cancer (NMSC)
		{"C44.91", "active", ""},   // basal cell carcinoma
		{"C44.92", "resolved", ""}, // squamous cell carcinoma of skin
		{"C44.319", "active", ""},
		{"Z80.3", "active", ""}, // family history of breast cancer
		{"Z80.0", "active", ""}, // family history of digestive cancer
		{"D03.9", "active", ""}, // melanoma in situ (committee)
	}
	var cases []accCase
	for _, r := range rows {
		for _, drug := range []string{"upadacitinib", "abrocitinib"} {
			mg := map[string]int{"upadacitinib": 15, "abrocitinib": 100}[drug]
			tc := accCase{name: fmt.Sprintf("%s %s, %s", r.code, r.status, drug),
				c: sign(cleanRecord().replace(cond("x", icd, r.code, r.status)), jakDraft(drug, mg))}
			if r.finding != "" {
				tc.want = w(r.finding, "warning")
			} else {
				tc.noCards = true
			}
			cases = append(cases, tc)
		}
	}
	sctRows := []row{
		{"254701007", "active", ""},              // basal cell carcinoma of skin
		{"254651007", "resolved", ""},            // squamous cell carcinoma of skin
		{"372244006", "remission", "malignancy"}, // malignant melanoma
		{"22298006", "resolved", "mace-history"},
		{"128053003", "resolved", "vte-risk"},
	}
	for _, r := range sctRows {
		tc := accCase{name: "SNOMED " + r.code + " " + r.status, c: upa15(cleanRecord().replace(cond("x", sct, r.code, r.status)))}
		if r.finding != "" {
			tc.want = w(r.finding, "warning")
		} else {
			tc.noCards = true
		}
		cases = append(cases, tc)
	}
	cases = append(cases,
		accCase{name: "DVT in pregnancy O22.33 resolved 3 years ago: vte-risk (unverified code), not pregnancy", c: upa15(cleanRecord().replace(rxCond("x", icd, "O22.33", "resolved", "", "onsetDateTime", ago(1095)))),
			want: w("vte-risk", "warning"), absent: []string{"pregnancy"}, detailOf: map[string]string{"vte-risk": "not yet verified"}},
		accCase{name: "DVT in the puerperium O87.1 resolved: vte-risk", c: abro100(cleanRecord().replace(cond("x", icd, "O87.1", "resolved"))), want: w("vte-risk", "warning"), absent: []string{"pregnancy"}},
	)
	// A basal cell carcinoma sent with the generic SNOMED parent beside its
	// ICD-10-CM code is still non-melanoma skin cancer.
	bcc := res{"resourceType": "Condition", "id": "x", "clinicalStatus": coding("http://terminology.hl7.org/CodeSystem/condition-clinical", "active"),
		"code": res{"coding": []any{res{"system": icd, "code": "C44.91"}, res{"system": sct, "code": "363346000"}}, "text": "Basal cell carcinoma"}}
	cases = append(cases, accCase{name: "C44.91 with SNOMED 363346000 (malignant neoplastic disease) on one entry: NMSC, nothing", c: upa15(cleanRecord().replace(bcc)), noCards: true})
	// The same history on a renewal: only what is new since the start.
	cases = append(cases,
		accCase{name: "renewal, I82.621 a year before the course: not new", c: upa15(cleanRecord().onCourse("upadacitinib").replace(rxCond("x", icd, "I82.621", "resolved", "", "onsetDateTime", ago(500)))), absent: []string{"vte-risk"}},
		accCase{name: "renewal, I82.621 last week: new thrombosis", c: upa15(cleanRecord().onCourse("upadacitinib").replace(rxCond("x", icd, "I82.621", "active", "", "onsetDateTime", ago(7)))), want: w("vte-risk", "warning")},
		accCase{name: "renewal, I69.30 last month: new stroke, discontinue (RINVOQ 5.4)", c: upa15(cleanRecord().onCourse("upadacitinib").replace(rxCond("x", icd, "I69.30", "active", "", "onsetDateTime", ago(30)))), want: w("mace-history", "warning"), detailOf: map[string]string{"mace-history": "discontinue upadacitinib"},
			summaryOf: map[string]string{"mace-history": "Discontinue upadacitinib: MI or stroke since the start"}},
	)
	runAcc(t, cases)
}
