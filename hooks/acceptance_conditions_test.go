package hooks

import (
	"fmt"
	"strings"
	"testing"
)

const icd = "http://hl7.org/fhir/sid/icd-10-cm"

// Quantitative hCG (contract 6.5): 25 mIU/mL or more positive, under 5
// negative, 5-24 indeterminate (not negative); serum and urine codes;
// mIU/mL and [IU]/L; with and without an interpretation flag.
func TestAcceptanceQuantitativeHCG(t *testing.T) {
	interp := func(code string) []any {
		return []any{res{"coding": []any{res{"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "code": code}}}}
	}
	type reading int
	const (
		neg reading = iota
		indet
		pos
	)
	values := []struct {
		v     float64
		want  reading
		flags []string // interpretation flags a lab would put on it
	}{
		{0, neg, []string{"", "N", "NEG"}},
		{4.9, neg, []string{"", "N", "NEG"}},
		{5, indet, []string{"", "H", "N"}},
		{24, indet, []string{"", "H", "A"}},
		{25, pos, []string{"", "H", "POS"}},
		{2500, pos, []string{"", "H", "HH", "POS", "A"}},
	}
	var cases []accCase
	for _, code := range []string{"2118-8", "19080-1", "21198-7", "83086-9", "2106-3", "25372-4"} {
		for _, unit := range []string{"m[IU]/mL", "[IU]/L", "mIU/mL"} {
			for _, v := range values {
				for _, flag := range v.flags {
					o := qty("hcg", code, v.v, unit, "", ago(3))
					if flag != "" {
						o["interpretation"] = interp(flag)
					}
					name := fmt.Sprintf("hCG %v %s on %s, interpretation %q", v.v, unit, code, flag)
					tc := accCase{name: name, c: sign(cleanRecord().replace(o), jakDraft("abrocitinib", 100))}
					switch v.want {
					case neg:
						tc.noCards = true
					case indet:
						tc.want, tc.absent = w("pregnancy-test-missing", "warning"), []string{"pregnancy"}
						tc.detailOf = map[string]string{"pregnancy-test-missing": "indeterminate"}
					case pos:
						tc.want, tc.absent = w("pregnancy", "critical"), []string{"pregnancy-test-missing"}
					}
					cases = append(cases, tc)
				}
			}
		}
	}
	cases = append(cases,
		accCase{name: "hCG 2500 in IU/mL (2,500,000 mIU/mL): positive", c: sign(cleanRecord().replace(qty("hcg", "19080-1", 2500, "[IU]/mL", "", ago(3))), jakDraft("upadacitinib", 15)),
			want: w("pregnancy", "critical")},
		accCase{name: "hCG 2500 without a unit or flag: unreadable, repeat", c: sign(cleanRecord().replace(qty("hcg", "19080-1", 2500, "", "", ago(3))), jakDraft("upadacitinib", 15)),
			want: w("pregnancy-test-missing", "warning")},
		accCase{name: "hCG 3 with an explicit positive answer (lab says POS): positive", c: sign(cleanRecord().replace(with(qty("hcg", "2106-3", 3, "mIU/mL", "", ago(3)), "interpretation", interp("POS"))), jakDraft("upadacitinib", 15)),
			want: w("pregnancy", "critical")},
		accCase{name: "qualitative urine hCG 'Positive' as text", c: sign(cleanRecord().replace(res{"resourceType": "Observation", "id": "hcg", "status": "final",
			"code": coding(loinc, "2106-3"), "effectiveDateTime": ago(3), "valueString": "Positive"}), jakDraft("upadacitinib", 15)),
			want: w("pregnancy", "critical")},
		accCase{name: "qualitative serum hCG coded Negative", c: sign(cleanRecord().replace(obsCode("hcg", "2118-8", negative, ago(3))), jakDraft("upadacitinib", 15)),
			noCards: true},
		accCase{name: "hCG 2500 on patient-view: pregnancy on treatment", c: view(cleanRecord().onCourse("upadacitinib").replace(qty("hcg", "19080-1", 2500, "mIU/mL", "", ago(3)))),
			want: w("pregnancy", "critical"), summaryOf: map[string]string{"pregnancy": "Review upadacitinib"}},
		accCase{name: "hCG 2500 for a man: still pregnancy data, no test demanded", c: sign(cleanRecord().male().replace(qty("hcg", "19080-1", 2, "mIU/mL", "", ago(3))), jakDraft("upadacitinib", 15)),
			noCards: true},
		accCase{name: "indeterminate hCG 12, then negative 2 the next day: negative", c: sign(cleanRecord().replace(qty("hcg", "19080-1", 12, "mIU/mL", "", ago(4))).replace(qty("hcg2", "19080-1", 2, "mIU/mL", "", ago(3))), jakDraft("upadacitinib", 15)),
			noCards: true},
	)
	runAcc(t, cases)
}

// forms gives the ways EHRs write an ICD-10-CM code: dotted, undotted,
// lower case.
func forms(code string) []string {
	plain := strings.ReplaceAll(code, ".", "")
	out := []string{code, plain, strings.ToLower(code), strings.ToLower(plain)}
	if code == plain { // a three-character category
		out = out[:1]
		out = append(out, strings.ToLower(code))
	}
	return out
}

// TestAcceptanceConditionCodes: conditions coded as EHRs code them
// (ICD-10-CM with and without dots, lower case; SNOMED CT) fire their
// finding while active, and never when resolved, inactive, refuted or
// entered in error (history rules excepted: a past MI still counts).
func TestAcceptanceConditionCodes(t *testing.T) {
	type concept struct {
		name    string
		icd     []string
		sct     []string
		drug    string
		code    string
		level   string
		history bool // a past condition counts too
	}
	concepts := []concept{
		{"pregnancy", []string{"Z3A.12", "Z3A.40", "Z33.1", "Z34.00", "Z34.90", "O09.90", "O26.891", "O99.011", "O80"}, []string{"77386006", "72892002", "255409004"}, "upadacitinib", "pregnancy", "critical", false},
		{"hepatitis B", []string{"B18.1", "B18.0", "B16.9", "B19.10"}, []string{"61977001", "235871004", "66071002"}, "upadacitinib", "hbv-active", "critical", false},
		{"hepatitis B carrier", []string{"Z22.51"}, nil, "abrocitinib", "hbv-active", "critical", false},
		{"hepatitis C", []string{"B18.2", "B17.10", "B19.20"}, []string{"50711007", "128302006"}, "abrocitinib", "hcv-active", "critical", false},
		{"active tuberculosis", []string{"A15.0", "A15.9", "A18.01", "A19.9"}, []string{"56717001", "427099000", "154283005"}, "upadacitinib", "tb-active", "critical", false},
		{"latent tuberculosis, no treatment", []string{"Z22.7", "R76.11", "R76.12"}, nil, "upadacitinib", "tb-latent-untreated", "critical", false},
		{"herpes zoster", []string{"B02.9", "B02.8", "B02.7", "B02.30", "B02.31", "B02.39", "B02.0", "B02.1", "B02.29"}, []string{"4740000", "55560002", "87513003", "111859007"}, "abrocitinib", "serious-infection-active", "critical", false},
		{"sepsis", []string{"A41.9", "A41.01", "A40.0", "R65.20", "R65.21"}, []string{"91302008"}, "upadacitinib", "serious-infection-active", "critical", false},
		{"pneumonia", []string{"J18.9", "J15.9", "J12.82", "J13", "J18.1"}, []string{"233604007"}, "abrocitinib", "serious-infection-active", "critical", false},
		{"breastfeeding", []string{"Z39.1"}, []string{"866041003", "169745008"}, "abrocitinib", "breastfeeding", "critical", false},
		{"cirrhosis without a class", []string{"K74.60", "K74.69", "K70.30"}, []string{"19943007"}, "upadacitinib", "severe-hepatic-impairment", "warning", false},
		{"decompensated liver disease", []string{"K72.10", "K72.11", "K72.90", "K76.7", "I85.11"}, nil, "upadacitinib", "severe-hepatic-impairment", "critical", false},
		{"end-stage renal disease on upadacitinib", []string{"N18.6", "Z99.2"}, []string{"46177005"}, "upadacitinib", "renal-impairment", "critical", false},
		{"end-stage renal disease on abrocitinib", []string{"N18.6", "Z99.2"}, []string{"46177005"}, "abrocitinib", "renal-impairment", "critical", false},
		{"myocardial infarction", []string{"I21.9", "I21.4", "I25.2"}, []string{"22298006"}, "upadacitinib", "mace-history", "warning", true},
		{"stroke", []string{"I63.9", "Z86.73"}, []string{"230690007", "422504002"}, "abrocitinib", "mace-history", "warning", true},
		{"venous thromboembolism", []string{"I82.401", "I26.99", "Z86.711", "Z86.718", "D68.51", "D68.61"}, []string{"128053003", "59282003"}, "upadacitinib", "vte-risk", "warning", true},
		{"malignancy", []string{"C34.90", "C50.911", "C81.90", "C43.9", "Z85.3", "Z85.118"}, []string{"363346000", "93880001"}, "abrocitinib", "malignancy", "warning", true},
	}
	var cases []accCase
	statusCond := func(id, system, code, clinical, verification string) res {
		c := cond(id, system, code, clinical)
		if verification != "" {
			c["verificationStatus"] = coding("http://terminology.hl7.org/CodeSystem/condition-ver-status", verification)
		}
		return c
	}
	for _, k := range concepts {
		mg := map[string]int{"upadacitinib": 15, "abrocitinib": 100}[k.drug]
		var codings [][2]string
		for _, c := range k.icd {
			for _, f := range forms(c) {
				codings = append(codings, [2]string{icd, f})
			}
		}
		for _, c := range k.sct {
			codings = append(codings, [2]string{sct, c})
		}
		for _, cd := range codings {
			name := fmt.Sprintf("%s %s", k.name, cd[1])
			base := func() *record {
				r := cleanRecord()
				if k.name == "pregnancy" {
					r.drop("hcg")
				}
				return r
			}
			for _, st := range []string{"active", "recurrence", "relapse", ""} {
				cases = append(cases, accCase{name: name + " clinical status " + or(st, "none"),
					c: sign(base().replace(statusCond("x", cd[0], cd[1], st, "")), jakDraft(k.drug, mg)), want: w(k.code, k.level)})
			}
			for _, st := range []string{"resolved", "inactive", "remission"} {
				tc := accCase{name: name + " clinical status " + st, c: sign(base().replace(statusCond("x", cd[0], cd[1], st, "")), jakDraft(k.drug, mg))}
				if k.history {
					tc.want = w(k.code, k.level)
				} else {
					tc.absent = []string{k.code}
				}
				cases = append(cases, tc)
			}
			for _, vs := range []string{"refuted", "entered-in-error"} {
				cases = append(cases, accCase{name: name + " verification " + vs,
					c: sign(base().replace(statusCond("x", cd[0], cd[1], "active", vs)), jakDraft(k.drug, mg)), absent: []string{k.code}})
			}
			cases = append(cases, accCase{name: name + " unconfirmed (fail safe)",
				c: sign(base().replace(statusCond("x", cd[0], cd[1], "active", "unconfirmed")), jakDraft(k.drug, mg)), want: w(k.code, k.level)})
		}
	}
	// A pregnancy left active on the problem list long after it ended.
	preg := func(code string, onsetDays int) *record {
		return cleanRecord().drop("hcg").replace(with(cond("p", icd, code, "active"), "onsetDateTime", ago(onsetDays)))
	}
	cases = append(cases,
		accCase{name: "pregnancy Z34.90 with onset 60 days ago: pregnant", c: sign(preg("Z34.90", 60), jakDraft("upadacitinib", 15)), want: w("pregnancy", "critical")},
		accCase{name: "pregnancy Z3A.12 with onset 299 days ago: still counted", c: sign(preg("Z3A.12", 299), jakDraft("upadacitinib", 15)), want: w("pregnancy", "critical")},
		accCase{name: "pregnancy Z33.1 with onset 300 days ago, still active: ended; test asked instead", c: sign(preg("Z33.1", 300), jakDraft("upadacitinib", 15)),
			want: w("pregnancy-test-missing", "warning"), absent: []string{"pregnancy"}},
		accCase{name: "pregnancy recorded 2 years ago, still active: ended", c: sign(cleanRecord().replace(with(cond("p", sct, "77386006", "active"), "recordedDate", ago(730))), jakDraft("abrocitinib", 100)),
			absent: []string{"pregnancy"}},
	)
	// Codes that must not fire.
	cases = append(cases,
		accCase{name: "postherpetic neuralgia B02.22 is not an active infection", c: sign(cleanRecord().replace(cond("x", icd, "B02.22", "active")), jakDraft("upadacitinib", 15)), noCards: true},
		accCase{name: "basal cell carcinoma C44.91 is not a malignancy finding", c: sign(cleanRecord().replace(cond("x", icd, "C44.91", "active")), jakDraft("upadacitinib", 15)), noCards: true},
		accCase{name: "history of NMSC Z85.828 is not a malignancy finding", c: sign(cleanRecord().replace(cond("x", icd, "Z85.828", "active")), jakDraft("upadacitinib", 15)), noCards: true},
		accCase{name: "hepatitis B immune (vaccinated) is not hepatitis B", c: sign(cleanRecord().replace(cond("x", sct, "271511000", "active")), jakDraft("upadacitinib", 15)), noCards: true},
		accCase{name: "atopic dermatitis L20.9 alone: no cards", c: sign(cleanRecord().replace(cond("x", icd, "l209", "active")), jakDraft("upadacitinib", 15)), noCards: true},
		accCase{name: "CKD stage 3 N18.30 on upadacitinib: no renal card", c: sign(cleanRecord().replace(cond("x", icd, "N18.30", "active")), jakDraft("upadacitinib", 15)), noCards: true},
	)
	runAcc(t, cases)
}
