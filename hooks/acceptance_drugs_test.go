package hooks

import (
	"fmt"
	"testing"
)

// Drugs as EHRs send them (contract 6.5): by RxNorm ingredient, SCD, SBD,
// brand name in the text, a display only, a local code with a display, a
// contained or referenced Medication, and on the outside medication list
// (MedicationStatement, each status), for every class that interacts with
// upadacitinib or abrocitinib, in both directions.

// drugSpec is one interacting drug and how EHRs write it.
type drugSpec struct {
	class            string
	in, inText       string // RxNorm ingredient
	scd, scdText     string
	sbd, sbdText     string
	brand            string // a brand-name text only
	course           string // the JAK inhibitor it matters with ("" both)
	code, level      string
	reverseAvoidable bool
}

var interacting = []drugSpec{
	{"another JAK inhibitor", "1357536", "tofacitinib", "2048566", "tofacitinib 10 MG Oral Tablet", "1357547", "tofacitinib 5 MG Oral Tablet [Xeljanz]", "Xeljanz 5 mg tablet", "", "combination-jak", "critical", true},
	{"another JAK inhibitor (baricitinib)", "2047232", "baricitinib", "", "", "", "", "Olumiant 2 mg tablet", "", "combination-jak", "critical", true},
	{"biologic", "327361", "adalimumab", "727703", "adalimumab 40 MG/0.8ML Prefilled Syringe", "", "", "Humira 40 mg pen", "", "combination-biologic", "warning", true},
	{"biologic (dupilumab)", "", "", "", "", "", "", "Dupixent 300 mg/2 mL pen", "", "combination-biologic", "warning", true},
	{"biologic (tralokinumab)", "", "", "", "", "", "", "Adbry 150 mg/mL syringe", "", "combination-biologic", "warning", true},
	{"biologic (lebrikizumab)", "", "", "", "", "", "", "Ebglyss 250 mg/2 mL pen", "", "combination-biologic", "warning", true},
	{"immunosuppressant", "1256", "azathioprine", "197388", "azathioprine 50 MG Oral Tablet", "105611", "Azathioprine 50 MG Oral Tablet [Imuran]", "Imuran 50 mg tablet", "", "combination-immunosuppressant", "warning", true},
	{"immunosuppressant (cyclosporine)", "3008", "cyclosporine", "241834", "cyclosporine 100 MG Oral Capsule", "835911", "cyclosporine, modified 100 MG Oral Capsule [Neoral]", "Neoral 100 mg capsule", "", "combination-immunosuppressant", "warning", true},
	{"antiplatelet", "32968", "clopidogrel", "309362", "clopidogrel 75 MG Oral Tablet", "213169", "clopidogrel 75 MG Oral Tablet [Plavix]", "Plavix 75 mg tablet", "abrocitinib", "antiplatelet-abrocitinib", "critical", true},
	{"antiplatelet (prasugrel)", "613391", "prasugrel", "855812", "prasugrel 10 MG Oral Tablet", "855816", "prasugrel 10 MG Oral Tablet [Effient]", "Effient 10 mg tablet", "abrocitinib", "antiplatelet-abrocitinib", "critical", true},
	{"antiplatelet (ticagrelor)", "1116632", "ticagrelor", "1116635", "ticagrelor 90 MG Oral Tablet", "", "", "Brilinta 90 mg tablet", "abrocitinib", "antiplatelet-abrocitinib", "critical", true},
	{"strong CYP3A4 inhibitor", "21212", "clarithromycin", "197517", "clarithromycin 500 MG Oral Tablet", "205866", "Clarithromycin 500 MG Oral Tablet [Biaxin]", "Biaxin 500 mg tablet", "upadacitinib", "cyp-interaction", "warning", false},
	{"strong CYP3A4 inhibitor (itraconazole)", "28031", "itraconazole", "311204", "Itraconazole 100 MG Oral Capsule", "833164", "Itraconazole 100 MG Oral Capsule [Sporanox]", "Sporanox 100 mg capsule", "upadacitinib", "cyp-interaction", "warning", false},
	{"strong CYP3A4 inducer", "9384", "rifampin", "198202", "rifampin 300 MG Oral Capsule", "201868", "Rifampin 300 MG Oral Capsule [Rifadin]", "Rifadin 300 mg capsule", "upadacitinib", "cyp-interaction", "warning", true},
	{"strong CYP3A4 inducer (carbamazepine)", "2002", "carbamazepine", "197441", "carbamazepine 100 MG Oral Tablet", "308972", "Carbamazepine 200 MG Oral Tablet [Tegretol]", "Tegretol 200 mg tablet", "upadacitinib", "cyp-interaction", "warning", true},
	{"strong CYP2C19 inhibitor", "4493", "fluoxetine", "310385", "fluoxetine 20 MG Oral Capsule", "104849", "Fluoxetine 20 MG Oral Capsule [Prozac]", "Prozac 20 mg capsule", "abrocitinib", "cyp-interaction", "warning", false},
	{"strong CYP2C19 inhibitor (fluvoxamine)", "", "", "903891", "fluvoxamine maleate 50 MG Oral Tablet", "", "", "Luvox 50 mg tablet", "abrocitinib", "cyp-interaction", "warning", false},
	{"CYP2C19 and CYP2C9 inhibitor", "4450", "fluconazole", "197699", "Fluconazole 150 MG Oral Tablet", "207108", "Fluconazole 150 MG Oral Tablet [Diflucan]", "Diflucan 150 mg tablet", "abrocitinib", "cyp-interaction", "warning", true},
	{"CYP2C19/CYP2C9 inducer", "9384", "rifampin", "198202", "rifampin 300 MG Oral Capsule", "201868", "Rifampin 300 MG Oral Capsule [Rifadin]", "Rifadin 300 mg capsule", "abrocitinib", "cyp-interaction", "warning", true},
	{"narrow-margin P-gp substrate", "3407", "digoxin", "197604", "digoxin 0.125 MG Oral Tablet", "309888", "Digoxin 0.125 MG Oral Tablet [Lanoxin]", "Lanoxin 125 mcg tablet", "abrocitinib", "pgp-substrate", "info", false},
	{"narrow-margin P-gp substrate (dabigatran)", "1037042", "dabigatran etexilate", "1037045", "dabigatran etexilate 150 MG Oral Capsule", "1037049", "dabigatran etexilate 150 MG Oral Capsule [Pradaxa]", "Pradaxa 150 mg capsule", "abrocitinib", "pgp-substrate", "info", false},
}

// drugForm writes a medication payload into a MedicationRequest or
// MedicationStatement (and, for a referenced Medication, returns the
// Medication resource to send beside it).
type drugForm struct {
	name  string
	apply func(m res, d drugSpec) (extra res, ok bool)
}

func cc(system, code, display, text string) res {
	c := res{}
	if system != "" || code != "" || display != "" {
		cd := res{}
		if system != "" {
			cd["system"] = system
		}
		if code != "" {
			cd["code"] = code
		}
		if display != "" {
			cd["display"] = display
		}
		c["coding"] = []any{cd}
	}
	if text != "" {
		c["text"] = text
	}
	return c
}

var drugForms = []drugForm{
	{"RxNorm ingredient code only", func(m res, d drugSpec) (res, bool) {
		m["medicationCodeableConcept"] = cc(rxnorm, d.in, "", "")
		return nil, d.in != ""
	}},
	{"RxNorm SCD code only", func(m res, d drugSpec) (res, bool) {
		m["medicationCodeableConcept"] = cc(rxnorm, d.scd, "", "")
		return nil, d.scd != ""
	}},
	{"RxNorm SBD code only", func(m res, d drugSpec) (res, bool) {
		m["medicationCodeableConcept"] = cc(rxnorm, d.sbd, "", "")
		return nil, d.sbd != ""
	}},
	{"brand name as text only", func(m res, d drugSpec) (res, bool) {
		m["medicationCodeableConcept"] = cc("", "", "", d.brand)
		return nil, d.brand != ""
	}},
	{"display only (no code)", func(m res, d drugSpec) (res, bool) {
		m["medicationCodeableConcept"] = cc("", "", or(d.scdText, d.brand), "")
		return nil, true
	}},
	{"local code with a display", func(m res, d drugSpec) (res, bool) {
		m["medicationCodeableConcept"] = cc("urn:oid:2.16.840.1.113883.3.999.1", "LOC-77", or(d.sbdText, d.brand), "")
		return nil, true
	}},
	{"contained Medication coded by SCD", func(m res, d drugSpec) (res, bool) {
		m["medicationReference"] = res{"reference": "#med"}
		m["contained"] = []any{res{"resourceType": "Medication", "id": "med", "code": cc(rxnorm, or(d.scd, d.in), "", "")}}
		return nil, or(d.scd, d.in) != ""
	}},
	{"contained Medication named by brand", func(m res, d drugSpec) (res, bool) {
		m["medicationReference"] = res{"reference": "#med"}
		m["contained"] = []any{res{"resourceType": "Medication", "id": "med", "code": cc("", "", "", d.brand)}}
		return nil, d.brand != ""
	}},
	{"referenced Medication in the Bundle", func(m res, d drugSpec) (res, bool) {
		id := "m-" + m["id"].(string)
		m["medicationReference"] = res{"reference": "Medication/" + id}
		return res{"resourceType": "Medication", "id": id, "code": cc(rxnorm, or(d.scd, d.in), or(d.scdText, d.inText), "")}, or(d.scd, d.in) != ""
	}},
}

func jakFor(d drugSpec) string {
	if d.course == "" {
		return "upadacitinib"
	}
	return d.course
}

func TestAcceptanceInteractingDrugsForward(t *testing.T) {
	var cases []accCase
	for _, d := range interacting {
		jak := jakFor(d)
		mg := map[string]int{"upadacitinib": 15, "abrocitinib": 100}[jak]
		for _, f := range drugForms {
			for _, rt := range []string{"MedicationRequest", "MedicationStatement"} {
				m := res{"resourceType": rt, "id": "other", "status": "active", "intent": "order", "authoredOn": ago(20)}
				if rt == "MedicationStatement" {
					delete(m, "intent")
					delete(m, "authoredOn")
					m["effectiveDateTime"] = ago(20)
				}
				extra, ok := f.apply(m, d)
				if !ok {
					continue
				}
				r := cleanRecord()
				r.medications = append(r.medications, m)
				if extra != nil {
					if rt == "MedicationStatement" {
						continue // the statements bundle of this test carries no Medication entries
					}
					r.medications = append(r.medications, extra)
				}
				cases = append(cases, accCase{name: fmt.Sprintf("%s on record (%s, %s), %s ordered", d.class, rt, f.name, jak),
					c: sign(r, jakDraft(jak, mg)), want: w(d.code, d.level)})
			}
		}
		// Statuses: only current use counts.
		for _, st := range []struct {
			rt, status string
			current    bool
		}{
			{"MedicationRequest", "active", true}, {"MedicationRequest", "on-hold", true},
			{"MedicationRequest", "completed", false}, {"MedicationRequest", "stopped", false}, {"MedicationRequest", "cancelled", false},
			{"MedicationRequest", "entered-in-error", false}, {"MedicationRequest", "draft", false}, {"MedicationRequest", "unknown", false},
			{"MedicationStatement", "active", true}, {"MedicationStatement", "intended", true}, {"MedicationStatement", "on-hold", true},
			{"MedicationStatement", "completed", false}, {"MedicationStatement", "stopped", false},
			{"MedicationStatement", "entered-in-error", false}, {"MedicationStatement", "not-taken", false}, {"MedicationStatement", "unknown", false},
		} {
			var m res
			if st.rt == "MedicationStatement" {
				m = stmt("other", st.status, rxnorm, or(d.in, d.scd), or(d.inText, d.scdText), 20)
			} else {
				m = med("other", st.status, rxnorm, or(d.in, d.scd), or(d.inText, d.scdText), 20)
			}
			if d.in == "" && d.scd == "" {
				m["medicationCodeableConcept"] = cc("", "", "", d.brand)
			}
			r := cleanRecord()
			r.medications = append(r.medications, m)
			tc := accCase{name: fmt.Sprintf("%s %s %s, %s ordered", d.class, st.rt, st.status, jak), c: sign(r, jakDraft(jak, mg))}
			if st.current {
				tc.want = w(d.code, d.level)
			} else {
				tc.absent = []string{d.code}
			}
			cases = append(cases, tc)
		}
		// The class does not matter with the other JAK inhibitor (rifampin
		// matters with both: a CYP3A4 and a CYP2C19/CYP2C9 inducer).
		if d.course != "" && d.in != "9384" {
			other := map[string]string{"upadacitinib": "abrocitinib", "abrocitinib": "upadacitinib"}[d.course]
			r := cleanRecord()
			r.medications = append(r.medications, med("other", "active", rxnorm, or(d.in, d.scd), or(d.inText, d.scdText), 20))
			cases = append(cases, accCase{name: fmt.Sprintf("%s on record, %s ordered: no %s", d.class, other, d.code),
				c: sign(r, jakDraft(other, map[string]int{"upadacitinib": 15, "abrocitinib": 100}[other])), absent: []string{d.code}})
		}
		// Ordered in the same session as the JAK inhibitor.
		draft := drugDraft("other", rxnorm, or(d.in, d.scd), or(d.inText, d.scdText))
		if d.in == "" && d.scd == "" {
			draft["medicationCodeableConcept"] = cc("", "", "", d.brand)
		}
		cases = append(cases, accCase{name: fmt.Sprintf("%s ordered with %s in the same session", d.class, jak),
			c: sign(cleanRecord(), jakDraft(jak, mg), draft), want: w(d.code, d.level)})
	}
	runAcc(t, cases)
}

// onCourseNow is the clean record with an active course of drug started
// days ago (labs after the start).
func onCourseNow(drug string, days int) *record {
	r := cleanRecord()
	r.medications = append(r.medications, courseMed(drug+"-1", "MedicationRequest", "active", drug, map[string]int{"upadacitinib": 15, "abrocitinib": 100}[drug], days))
	return r
}

func TestAcceptanceInteractingDrugsReverse(t *testing.T) {
	var cases []accCase
	for _, d := range interacting {
		drugs := []string{"upadacitinib", "abrocitinib"}
		if d.course != "" {
			drugs = []string{d.course}
		}
		for _, jak := range drugs {
			for _, f := range drugForms {
				m := drugDraft("other", "", "", "")
				extra, ok := f.apply(m, d)
				if !ok {
					continue
				}
				drafts := []res{m}
				if extra != nil {
					drafts = append(drafts, extra)
				}
				cases = append(cases, accCase{name: fmt.Sprintf("%s ordered (%s) for a patient on %s", d.class, f.name, jak),
					c: sign(onCourseNow(jak, 30), drafts...), want: w(d.code, d.level), summaryOf: map[string]string{d.code: jak}})
			}
			// order-select: only when the order is selected.
			draft := drugDraft("other", rxnorm, or(d.in, d.scd), or(d.inText, d.scdText))
			if d.in == "" && d.scd == "" {
				draft["medicationCodeableConcept"] = cc("", "", "", d.brand)
			}
			cases = append(cases,
				accCase{name: fmt.Sprintf("order-select: %s selected for a patient on %s", d.class, jak),
					c: call{hook: HookOrderSelect, r: onCourseNow(jak, 30), drafts: []res{draft}, selections: []string{"MedicationRequest/other"}}, want: w(d.code, d.level)},
				accCase{name: fmt.Sprintf("order-select: %s not selected for a patient on %s", d.class, jak),
					c: call{hook: HookOrderSelect, r: onCourseNow(jak, 30), drafts: []res{draft, drugDraft("amox", rxnorm, "308191", "amoxicillin 500 MG Oral Capsule")}, selections: []string{"MedicationRequest/amox"}}, noCards: true},
				accCase{name: fmt.Sprintf("%s ordered for a patient with no course", d.class),
					c: sign(cleanRecord(), draft), noCards: true},
				accCase{name: fmt.Sprintf("%s ordered for a patient whose %s course is on the outside list", d.class, jak),
					c: sign(func() *record {
						r := cleanRecord()
						r.medications = append(r.medications, courseMed("jak-out", "MedicationStatement", "active", jak, map[string]int{"upadacitinib": 15, "abrocitinib": 100}[jak], 30))
						return r
					}(), draft), want: w(d.code, d.level)},
			)
		}
		if d.course != "" && d.in != "9384" {
			other := map[string]string{"upadacitinib": "abrocitinib", "abrocitinib": "upadacitinib"}[d.course]
			draft := drugDraft("other", rxnorm, or(d.in, d.scd), or(d.inText, d.scdText))
			cases = append(cases, accCase{name: fmt.Sprintf("%s ordered for a patient on %s: nothing", d.class, other),
				c: sign(onCourseNow(other, 30), draft), absent: []string{d.code}})
		}
	}
	runAcc(t, cases)
}
