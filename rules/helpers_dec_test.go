package rules

import (
	"slices"
	"testing"
	"time"
)

// decKnowledge is testKnowledge with the December value sets (contract
// 6.4), text patterns (brand and generic names, as the value sets carry
// them) and product codes with a strength, so that the tests do not depend
// on which exact codes the embedded value sets hold. Codes prefixed
// "test-" are placeholders of this test, not real codes.
func decKnowledge() *Knowledge {
	k := testKnowledge()
	set := func(id string, codes []Coding, words ...string) {
		vs := k.sets[id]
		if vs == nil {
			vs = &ValueSet{ID: id}
			k.sets[id] = vs
		}
		for _, c := range codes {
			vs.Codes = append(vs.Codes, Code{Coding: c, Grade: "A"})
		}
		vs.Text = append(vs.Text, words...)
		vs.buildIndex()
	}
	set(VSESRDDialysis, join(icd("N18.6", "Z99.2"), snomed("46177005")))
	set(VSCirrhosis, join(snomed("19943007"), icd("K74.60")))
	set(VSChildPugh, nil, "child-pugh", "child pugh")
	set(VSCYP2C19Genotype, codings("urn:test", "test-cyp2c19"), "cyp2c19")
	set(VSCYP2C19PoorMetabolizer, codings("urn:test", "test-pm"), "poor metabolizer")
	set(VSBodyWeight, loinc("29463-7"), "body weight")
	set(VSPgpSubstratesNTI, rx("test-digoxin"), "digoxin", "lanoxin", "dabigatran")
	set(VSBiologics, nil, "dupilumab", "dupixent", "adalimumab", "humira")
	set(VSAntiplatelets, rx("test-prasugrel"), "clopidogrel", "plavix", "prasugrel", "effient", "ticagrelor", "brilinta")
	set(VSAspirin, nil, "aspirin")
	set(VSCYP3A4StrongInhibitors, nil, "clarithromycin", "biaxin", "ketoconazole")
	set(VSCYP3A4StrongInducers, nil, "rifampin", "rifadin")
	set(VSCYP2C19StrongInhibitors, nil, "fluoxetine", "prozac")
	set(VSCYP2C19CYP2C9Inhibitors, nil, "fluconazole", "diflucan")
	set(VSCYP2C19CYP2C9Inducers, nil, "rifampin", "rifadin")
	set(VSTBTreatment, rx("test-isoniazid"), "isoniazid", "rifampin")
	set(VSOtherJAK, rx("1357541"), "tofacitinib", "xeljanz", "olumiant", "baricitinib")
	set(VSImmunosuppressants, nil, "cyclosporine", "neoral", "azathioprine")
	set(VSPriorSystemicADTherapy, nil, "dupilumab", "dupixent", "methotrexate")
	set(VSLiveVaccines, nil, "measles", "mmr", "varicella", "yellow fever")
	set(VSUpadacitinib, codings(SystemNDC, "00074-2310-30"), "upadacitinib", "rinvoq")
	set(VSAbrocitinib, nil, "abrocitinib", "cibinqo")
	return k
}

// addProduct adds a product code with a strength and term type to a set.
func addProduct(k *Knowledge, set, code, display string, mg float64, tty string) {
	vs := k.sets[set]
	vs.Codes = append(vs.Codes, Code{Coding: Coding{System: SystemRxNorm, Code: code, Display: display}, Grade: "A", StrengthMg: mg, TTY: tty})
	vs.buildIndex()
}

// evalOrder evaluates one order against rec with the order alone in the
// session, at testNow.
func evalOrder(t *testing.T, e *Engine, rec *Record, order Medication) []Finding {
	t.Helper()
	return e.EvaluateOrders(rec, Session{Medications: []Medication{order}}, []Medication{order}, testNow)
}

// checkCodes checks that want fired and not did not.
func checkCodes(t *testing.T, fs []Finding, want, not []string) {
	t.Helper()
	got := codesOf(fs)
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("want %s, got %v", w, got)
		}
	}
	for _, n := range not {
		if slices.Contains(got, n) {
			t.Errorf("do not want %s, got %v", n, got)
		}
	}
}

// dateOnlyDaysAgo is a date-only FHIR date n days before testNow's date, read
// as the decoder reads it: midnight UTC.
func dateOnlyDaysAgo(n int) time.Time {
	y, m, d := testNow.AddDate(0, 0, -n).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// course makes a course member of drug: a MedicationRequest (or, with
// statement, a MedicationStatement) started daysBack days ago.
func courseMember(id string, drug Drug, status string, daysBack int, mg float64) Medication {
	code := rx("2196092")
	if drug == Abrocitinib {
		code = rx("2591476")
	}
	m := dailyMg(medication(id, code, status), mg)
	m.Authored = daysAgo(daysBack)
	return m
}

func statement(m Medication) Medication {
	m.ResourceType, m.ID, m.Intent = "MedicationStatement", "MedicationStatement/"+m.ID[len("MedicationRequest/"):], ""
	return m
}
