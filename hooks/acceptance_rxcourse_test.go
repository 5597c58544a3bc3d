package hooks

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// A pharmacist's sweep of the interaction classes (contract 5, 6.1, 6.5):
// every code and every name of every interacting-drug value set, as the
// knowledge base ships it, is sent in each direction: on the chart
// (MedicationRequest and MedicationStatement) when upadacitinib or
// abrocitinib is ordered, ordered for a patient on a course, and on the
// chart of a patient on a course at patient-view. A code or name the
// service does not act on in all three places is a missed danger; a
// finding for the drug the label does not pair it with is a false alarm.

// vsEntry is one code or name of an interacting-drug value set.
type vsEntry struct {
	set, system, code, display, word string
	strengthMg                       float64
}

// interactionFinding is, per value set, the finding it raises with each
// JAK inhibitor ("" when the label does not pair them).
var interactionFinding = map[string]map[string]string{
	"other-jak-inhibitors":           {"upadacitinib": "combination-jak", "abrocitinib": "combination-jak"},
	"biologic-immunomodulators":      {"upadacitinib": "combination-biologic", "abrocitinib": "combination-biologic"},
	"potent-immunosuppressants":      {"upadacitinib": "combination-immunosuppressant", "abrocitinib": "combination-immunosuppressant"},
	"live-vaccines":                  {"upadacitinib": "live-vaccine-ordered", "abrocitinib": "live-vaccine-ordered"},
	"antiplatelets":                  {"abrocitinib": "antiplatelet-abrocitinib"},
	"aspirin":                        {"abrocitinib": "antiplatelet-abrocitinib"},
	"cyp3a4-strong-inhibitors":       {"upadacitinib": "cyp-interaction"},
	"cyp3a4-strong-inducers":         {"upadacitinib": "cyp-interaction"},
	"cyp2c19-strong-inhibitors":      {"abrocitinib": "cyp-interaction"},
	"cyp2c19-cyp2c9-dual-inhibitors": {"abrocitinib": "cyp-interaction"},
	"cyp2c19-cyp2c9-inducers":        {"abrocitinib": "cyp-interaction"},
	"pgp-substrates-nti":             {"abrocitinib": "pgp-substrate"},
}

var findingLevel = map[string]string{
	"combination-jak": "critical", "combination-biologic": "warning", "combination-immunosuppressant": "warning",
	"live-vaccine-ordered": "warning", "antiplatelet-abrocitinib": "critical", "cyp-interaction": "warning", "pgp-substrate": "info",
}

// loadInteractionEntries reads the shipped value sets: every code
// (expansion and compose) and every text-match word.
func loadInteractionEntries(t *testing.T) []vsEntry {
	t.Helper()
	type concept struct {
		System    string    `json:"system"`
		Code      string    `json:"code"`
		Display   string    `json:"display"`
		Contains  []concept `json:"contains"`
		Extension []struct {
			URL          string   `json:"url"`
			ValueDecimal *float64 `json:"valueDecimal"`
		} `json:"extension"`
	}
	var out []vsEntry
	for set := range interactionFinding {
		b, err := os.ReadFile(filepath.Join("..", "rules", "valuesets", set+".json"))
		require.NoError(t, err)
		var vs struct {
			Extension []struct {
				URL         string `json:"url"`
				ValueString string `json:"valueString"`
			} `json:"extension"`
			Compose struct {
				Include []struct {
					System  string    `json:"system"`
					Concept []concept `json:"concept"`
				} `json:"include"`
			} `json:"compose"`
			Expansion struct {
				Contains []concept `json:"contains"`
			} `json:"expansion"`
		}
		require.NoError(t, json.Unmarshal(b, &vs))
		var walk func(system string, cs []concept)
		walk = func(system string, cs []concept) {
			for _, c := range cs {
				sys := or(c.System, system)
				if c.Code != "" {
					e := vsEntry{set: set, system: sys, code: c.Code, display: c.Display}
					for _, x := range c.Extension {
						if strings.HasSuffix(x.URL, "/strength-mg") && x.ValueDecimal != nil {
							e.strengthMg = *x.ValueDecimal
						}
					}
					out = append(out, e)
				}
				walk(sys, c.Contains)
			}
		}
		walk("", vs.Expansion.Contains)
		for _, inc := range vs.Compose.Include {
			walk(inc.System, inc.Concept)
		}
		for _, x := range vs.Extension {
			if strings.HasSuffix(x.URL, "/text-match") {
				out = append(out, vsEntry{set: set, word: x.ValueString})
			}
		}
	}
	return out
}

// expectedFindings is every finding e raises with jak, over all the sets
// holding its code (or, for a name, a set whose name list holds it).
func expectedFindings(all []vsEntry, e vsEntry, jak string) map[string]bool {
	out := map[string]bool{}
	for _, o := range all {
		same := (e.word == "" && o.word == "" && o.system == e.system && o.code == e.code) ||
			(e.word != "" && o.word != "" && (o.word == e.word || hasWordTest(strings.ToLower(e.word), o.word)))
		if !same {
			continue
		}
		if f := interactionFinding[o.set][jak]; f != "" {
			out[f] = true
		}
	}
	return out
}

// hasWordTest: w occurs in s as a whole word (the service's own rule).
func hasWordTest(s, w string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], w)
		if j < 0 {
			return false
		}
		j += i
		end := j + len(w)
		okBefore := j == 0 || !isAlnum(s[j-1])
		okAfter := end == len(s) || !isAlnum(s[end])
		if okBefore && okAfter {
			return true
		}
		i = j + 1
	}
}

func isAlnum(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b >= 'A' && b <= 'Z'
}

// payload writes e into m as an EHR would: a code alone (no text, no
// display: recognition must not lean on a name), or a name alone.
func (e vsEntry) payload(m res) res {
	if e.word != "" {
		m["medicationCodeableConcept"] = cc("", "", "", e.word)
	} else {
		m["medicationCodeableConcept"] = cc(e.system, e.code, "", "")
	}
	return m
}

func (e vsEntry) String() string {
	if e.word != "" {
		return fmt.Sprintf("%s name %q", e.set, e.word)
	}
	return fmt.Sprintf("%s %s|%s (%s)", e.set, e.system[strings.LastIndex(e.system, "/")+1:], e.code, e.display)
}

// aspirinLowDose: an aspirin product whose one administration is at most
// 81 mg (no card with abrocitinib).
func (e vsEntry) aspirinLowDose() bool {
	return e.set == "aspirin" && e.strengthMg > 0 && e.strengthMg <= 81
}

func TestAcceptanceEveryInteractingCodeAndName(t *testing.T) {
	all := loadInteractionEntries(t)
	require.Greater(t, len(all), 500)
	mgOf := map[string]int{"upadacitinib": 15, "abrocitinib": 100}
	var cases []accCase
	for _, e := range all {
		for _, jak := range []string{"upadacitinib", "abrocitinib"} {
			exp := expectedFindings(all, e, jak)
			if e.aspirinLowDose() && len(exp) == 1 && exp["antiplatelet-abrocitinib"] {
				exp = map[string]bool{}
			}
			other := map[string]bool{}
			for _, f := range interactionFinding {
				for _, code := range f {
					if !exp[code] {
						other[code] = true
					}
				}
			}
			var absent []string
			for code := range other {
				absent = append(absent, code)
			}
			want := map[string]string{}
			for code := range exp {
				want[code] = findingLevel[code]
			}
			// On the chart, the JAK inhibitor ordered (initiation: the
			// antiplatelet months start now).
			for _, rt := range []string{"MedicationRequest", "MedicationStatement"} {
				var m res
				if rt == "MedicationRequest" {
					m = med("other", "active", "", "", "", 20)
				} else {
					m = stmt("other", "active", "", "", "", 20)
				}
				r := cleanRecord()
				r.medications = append(r.medications, e.payload(m))
				cases = append(cases, accCase{name: fmt.Sprintf("%s on the chart (%s), %s ordered", e, rt, jak),
					c: sign(r, jakDraft(jak, mgOf[jak])), want: want, absent: absent})
			}
			// Ordered for a patient 30 days into a course.
			cases = append(cases, accCase{name: fmt.Sprintf("%s ordered, patient on %s", e, jak),
				c: sign(onCourseNow(jak, 30), e.payload(drugDraft("other", "", "", ""))), want: want, absent: absent, noCards: len(want) == 0})
			// On the chart of a patient 30 days into a course.
			for _, rt := range []string{"MedicationRequest", "MedicationStatement"} {
				var m res
				if rt == "MedicationRequest" {
					m = med("other", "active", "", "", "", 20)
				} else {
					m = stmt("other", "active", "", "", "", 20)
				}
				r := onCourseNow(jak, 30)
				r.medications = append(r.medications, e.payload(m))
				cases = append(cases, accCase{name: fmt.Sprintf("patient-view: %s on the chart (%s) on %s", e, rt, jak),
					c: view(r), want: want, absent: absent})
			}
		}
	}
	runAcc(t, cases)
}

// A live vaccine on the outside medication list (MedicationStatement)
// that the patient is taking or about to take: the same danger as an
// order of one (contract 6.1 reads medications from both).
func TestAcceptanceLiveVaccineOnOutsideList(t *testing.T) {
	var cases []accCase
	for _, st := range []struct {
		status string
		warn   bool
	}{{"active", true}, {"intended", true}, {"on-hold", true}, {"completed", false}, {"stopped", false}, {"not-taken", false}, {"entered-in-error", false}} {
		for _, jak := range []string{"upadacitinib", "abrocitinib"} {
			typhoid := stmt("vivotif", st.status, "", "", "Vivotif (typhoid vaccine live oral Ty21a) 1 capsule every other day", 2)
			r := cleanRecord()
			r.medications = append(r.medications, typhoid)
			order := accCase{name: fmt.Sprintf("%s ordered, Vivotif statement %s", jak, st.status), c: sign(r, jakDraft(jak, map[string]int{"upadacitinib": 15, "abrocitinib": 100}[jak]))}
			pv := onCourseNow(jak, 60)
			pv.medications = append(pv.medications, stmt("yf", st.status, cvx, "37", "", 2))
			view := accCase{name: fmt.Sprintf("patient-view on %s, yellow fever vaccine statement %s", jak, st.status), c: view(pv)}
			if st.warn {
				order.want = w("live-vaccine-ordered", "warning")
				order.detailOf = map[string]string{"live-vaccine-ordered": "outside medication list"}
				view.want = w("live-vaccine-ordered", "warning")
			} else {
				order.absent = []string{"live-vaccine-ordered"}
				view.absent = []string{"live-vaccine-ordered"}
				if st.status == "completed" || st.status == "stopped" {
					// given 2 days ago: live-vaccine-recent speaks instead
					view.want = w("live-vaccine-recent", "warning")
				} else {
					view.noCards = true
				}
			}
			cases = append(cases, order, view)
		}
	}
	runAcc(t, cases)
}

// Immunity serology and stool antigen tests name the diseases that live
// vaccines prevent; ordered for a patient on a course (or with the JAK
// order), they are tests, not vaccines: no live-vaccine card asking to
// cancel them. The vaccines themselves, by name, still raise it.
func TestAcceptanceSerologyIsNotALiveVaccine(t *testing.T) {
	tests := []string{"Measles IgG antibody", "Mumps virus IgG", "Rubella immune status", "Rubella antibody, IgG",
		"Rotavirus antigen, stool", "MMR titer panel", "Measles, mumps, rubella IgG antibodies", "Varicella zoster virus IgG",
		"Measles virus RNA PCR", "Mumps virus culture", "Yellow fever virus IgM antibody", "Measles immune globulin (human)"}
	vaccines := []string{"MMR vaccine", "Measles, mumps and rubella vaccine live (M-M-R II)", "Rotavirus vaccine, live, oral",
		"BCG vaccine", "Yellow fever vaccine (YF-Vax)", "Varivax (varicella virus vaccine live)", "FluMist Quadrivalent intranasal",
		"Vivotif oral typhoid vaccine"}
	var cases []accCase
	for _, jak := range []string{"upadacitinib", "abrocitinib"} {
		for _, txt := range tests {
			cases = append(cases,
				accCase{name: fmt.Sprintf("ServiceRequest %q for a patient on %s", txt, jak),
					c: sign(onCourseNow(jak, 30), serviceDraft("sr", "draft", "urn:oid:2.16.840.1.113883.3.999.2", "LAB-1", txt)), noCards: true},
				accCase{name: fmt.Sprintf("MedicationRequest %q for a patient on %s", txt, jak),
					c: sign(onCourseNow(jak, 30), drugDraft("x", "", "", txt)), noCards: true},
				accCase{name: fmt.Sprintf("%q on the chart of a patient on %s (patient-view)", txt, jak),
					c: view(func() *record {
						r := onCourseNow(jak, 30)
						r.medications = append(r.medications, med("x", "active", "", "", txt, 3))
						return r
					}()), absent: []string{"live-vaccine-ordered"}},
			)
		}
		for _, txt := range vaccines {
			cases = append(cases,
				accCase{name: fmt.Sprintf("ServiceRequest %q for a patient on %s", txt, jak),
					c: sign(onCourseNow(jak, 30), serviceDraft("sr", "draft", "", "", txt)), want: w("live-vaccine-ordered", "warning")},
				accCase{name: fmt.Sprintf("MedicationRequest %q for a patient on %s", txt, jak),
					c: sign(onCourseNow(jak, 30), drugDraft("x", "", "", txt)), want: w("live-vaccine-ordered", "warning")},
			)
		}
		// A vaccine code wins over any text.
		cases = append(cases, accCase{name: "ServiceRequest coded CVX 03 whose text says titer, patient on " + jak,
			c: sign(onCourseNow(jak, 30), serviceDraft("sr", "draft", cvx, "03", "MMR (check titer first)")), want: w("live-vaccine-ordered", "warning")})
	}
	runAcc(t, cases)
}

// A live vaccine ordered as a ServiceRequest in the same session as the
// JAK order is judged as in the other direction: by its CVX code or by
// its name; a revoked one, or a test, is not.
func TestAcceptanceLiveVaccineServiceRequestWithJAKOrder(t *testing.T) {
	var cases []accCase
	for _, jak := range []string{"upadacitinib", "abrocitinib"} {
		mg := map[string]int{"upadacitinib": 15, "abrocitinib": 100}[jak]
		for _, tc := range []struct {
			name string
			sr   res
			warn bool
		}{
			{"CVX 37 (yellow fever)", serviceDraft("sr", "draft", cvx, "37", ""), true},
			{"name only: Yellow fever vaccine (YF-Vax)", serviceDraft("sr", "draft", "", "", "Yellow fever vaccine (YF-Vax)"), true},
			{"local code and name: MMR vaccine", serviceDraft("sr", "active", "urn:oid:2.16.840.1.113883.3.999.3", "IMM-9", "MMR vaccine"), true},
			{"name only, revoked", serviceDraft("sr", "revoked", "", "", "Yellow fever vaccine (YF-Vax)"), false},
			{"name only: Measles IgG antibody (a test)", serviceDraft("sr", "draft", "", "", "Measles IgG antibody"), false},
			{"recombinant zoster vaccine (CVX 187, not live)", serviceDraft("sr", "draft", cvx, "187", "Shingrix"), false},
		} {
			c := accCase{name: jak + " ordered with a ServiceRequest " + tc.name, c: sign(cleanRecord(), jakDraft(jak, mg), tc.sr)}
			if tc.warn {
				c.want = w("live-vaccine-ordered", "warning")
			} else {
				c.absent = []string{"live-vaccine-ordered"}
			}
			cases = append(cases, c)
		}
	}
	runAcc(t, cases)
}

// courseForms writes the course's own order (on the chart) as EHRs do:
// every way contract 6.5 names, for both drugs.

func courseFormsOf(drug string) []struct {
	name string
	set  func(m res) []res
} {
	codes := map[string][4]string{ // ingredient, product RxCUI, NDC 11, brand text
		"upadacitinib": {"2196092", "2196894", "00074-2306-30", "Rinvoq 15 mg ER tablet"},
		"abrocitinib":  {"2591476", "2591481", "00069-0335-30", "CIBINQO 100MG TAB"},
	}[drug]
	set := func(c res) func(m res) []res {
		return func(m res) []res { m["medicationCodeableConcept"] = c; return nil }
	}
	return []struct {
		name string
		set  func(m res) []res
	}{
		{"ingredient", set(cc(rxnorm, codes[0], "", ""))},
		{"product RxCUI", set(cc(rxnorm, codes[1], "", ""))},
		{"NDC", set(cc(ndc, codes[2], "", ""))},
		{"brand text", set(cc("", "", "", codes[3]))},
		{"generic display, local code", set(cc("urn:oid:2.16.840.1.113883.3.999.1", "L-1", drug+" tablet", ""))},
		{"contained Medication", func(m res) []res {
			m["medicationReference"] = res{"reference": "#jak"}
			m["contained"] = []any{res{"resourceType": "Medication", "id": "jak", "code": cc(ndc, codes[2], "", "")}}
			return nil
		}},
		{"referenced Medication in the bundle", func(m res) []res {
			m["medicationReference"] = res{"reference": "Medication/jak-med"}
			return []res{{"resourceType": "Medication", "id": "jak-med", "code": cc("", "", "", codes[3])}}
		}},
	}
}

// TestAcceptanceCourseDrugRecognised: the course is found whatever way its
// order or statement names the drug, in the reverse direction and on
// patient-view.
func TestAcceptanceCourseDrugRecognised(t *testing.T) {
	partner := map[string]struct {
		draft res
		code  string
	}{
		"upadacitinib": {drugDraft("x", rxnorm, "21212", "clarithromycin"), "cyp-interaction"},
		"abrocitinib":  {drugDraft("x", "", "", "Plavix 75 mg tablet"), "antiplatelet-abrocitinib"},
	}
	var cases []accCase
	for _, drug := range []string{"upadacitinib", "abrocitinib"} {
		for _, f := range courseFormsOf(drug) {
			for _, rt := range []string{"MedicationRequest", "MedicationStatement"} {
				m := courseMed("course", rt, "active", drug, 15, 30)
				delete(m, "medicationCodeableConcept")
				extra := f.set(m)
				if extra != nil && rt == "MedicationStatement" {
					continue // the statements bundle of these calls carries no Medication
				}
				r := cleanRecord()
				r.medications = append(r.medications, m)
				r.medications = append(r.medications, extra...)
				p := partner[drug]
				cases = append(cases, accCase{name: fmt.Sprintf("%s course (%s, %s): interacting drug ordered", drug, rt, f.name),
					c: sign(r, p.draft), want: w(p.code, findingLevel[p.code])})
				pv := &record{patient: r.patient, conditions: r.conditions, observations: r.observations, immunizations: r.immunizations,
					medications: append(append([]res{}, r.medications...), with(p.draft, "id", "x-rec", "status", "active", "authoredOn", ago(5)))}
				cases = append(cases, accCase{name: fmt.Sprintf("patient-view: %s course (%s, %s) with the interacting drug", drug, rt, f.name),
					c: view(pv), want: w(p.code, findingLevel[p.code])})
			}
		}
	}
	runAcc(t, cases)
}

// aspirinOrder is an aspirin order (draft or on the chart) with dose mg
// per administration, freq a day, structured; or only a sig text when sig
// is not "".
func aspirinOrder(id, status string, code, text string, doseMg float64, freq int, sig string) res {
	m := medication(id, status, rxnorm, code, text)
	if code == "" {
		m["medicationCodeableConcept"] = cc("", "", "", text)
	}
	m["authoredOn"] = ago(3)
	m["subject"] = res{"reference": "Patient/p1"}
	switch {
	case sig != "":
		m["dosageInstruction"] = []any{res{"text": sig}}
	case doseMg > 0:
		m["dosageInstruction"] = []any{res{"timing": res{"repeat": res{"frequency": freq, "period": 1, "periodUnit": "d"}},
			"doseAndRate": []any{res{"doseQuantity": res{"value": doseMg, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"}}}}}
	}
	return m
}

// TestAcceptanceAspirinLowDoseBoundary: aspirin up to 81 mg/day is the
// label's exception (CIBINQO 4); above it, or of unknown dose, it is an
// antiplatelet in the first 3 months. Each dose form, each direction.
func TestAcceptanceAspirinLowDoseBoundary(t *testing.T) {
	type asp struct {
		name string
		m    func(id, status string) res
		flag bool
	}
	asps := []asp{
		{"80 mg once daily (structured)", func(id, st string) res { return aspirinOrder(id, st, "1191", "aspirin", 80, 1, "") }, false},
		{"81 mg once daily (structured)", func(id, st string) res { return aspirinOrder(id, st, "1191", "aspirin", 81, 1, "") }, false},
		{"82 mg once daily (structured)", func(id, st string) res { return aspirinOrder(id, st, "1191", "aspirin", 82, 1, "") }, true},
		{"81 mg twice daily (structured)", func(id, st string) res { return aspirinOrder(id, st, "1191", "aspirin", 81, 2, "") }, true},
		{"325 mg once daily (structured)", func(id, st string) res { return aspirinOrder(id, st, "1191", "aspirin", 325, 1, "") }, true},
		{"81 mg tablet SCD, no dosage", func(id, st string) res { return aspirinOrder(id, st, "243670", "", 0, 0, "") }, false},
		{"325 mg tablet SCD, no dosage", func(id, st string) res { return aspirinOrder(id, st, "212033", "", 0, 0, "") }, true},
		{"text: aspirin 81 mg daily", func(id, st string) res { return aspirinOrder(id, st, "", "aspirin", 0, 0, "81 mg by mouth daily") }, false},
		{"text: Aspirin EC 81 mg, 1 tab PO daily", func(id, st string) res {
			return aspirinOrder(id, st, "", "Aspirin EC 81 mg tablet", 0, 0, "Take 1 tablet by mouth once daily")
		}, false},
		{"text: aspirin 81 mg, 2 tablets daily", func(id, st string) res {
			return aspirinOrder(id, st, "", "Aspirin 81 mg chewable tablet", 0, 0, "Take 2 tablets by mouth daily")
		}, true},
		{"text: aspirin 325 mg daily", func(id, st string) res { return aspirinOrder(id, st, "", "aspirin", 0, 0, "325 mg daily") }, true},
		{"name only, no dose: Bayer Aspirin", func(id, st string) res { return aspirinOrder(id, st, "", "Bayer Aspirin", 0, 0, "") }, true},
		{"Ecotrin 81 mg name, no dosage", func(id, st string) res { return aspirinOrder(id, st, "", "Ecotrin 81 mg", 0, 0, "") }, false},
		// A frequency with no amount: one tablet of the named strength.
		{"aspirin 81 mg EC tablet, sig: once daily", func(id, st string) res {
			return aspirinOrder(id, st, "", "aspirin 81 mg EC tablet", 0, 0, "once daily")
		}, false},
		{"aspirin 81mg, sig: daily with food", func(id, st string) res { return aspirinOrder(id, st, "", "aspirin 81mg", 0, 0, "daily with food") }, false},
		{"aspirin 81 mg, sig: twice daily", func(id, st string) res { return aspirinOrder(id, st, "", "aspirin 81 mg", 0, 0, "twice daily") }, true},
		{"aspirin 325 mg, sig: once daily", func(id, st string) res { return aspirinOrder(id, st, "", "aspirin 325 mg", 0, 0, "once daily") }, true},
		{"aspirin 81 mg SCD, timing 1/day, no dose quantity", func(id, st string) res {
			m := aspirinOrder(id, st, "243670", "", 0, 0, "")
			m["dosageInstruction"] = []any{res{"timing": res{"repeat": res{"frequency": 1, "period": 1, "periodUnit": "d"}}}}
			return m
		}, false},
		{"aspirin 81 mg SCD, timing 2/day, no dose quantity", func(id, st string) res {
			m := aspirinOrder(id, st, "243670", "", 0, 0, "")
			m["dosageInstruction"] = []any{res{"timing": res{"repeat": res{"frequency": 2, "period": 1, "periodUnit": "d"}}}}
			return m
		}, true},
		{"aspirin (no strength), sig: once daily", func(id, st string) res { return aspirinOrder(id, st, "", "aspirin", 0, 0, "once daily") }, true},
		// ASA, the usual abbreviation.
		{"ASA 81 mg, 1 tab PO daily", func(id, st string) res { return aspirinOrder(id, st, "", "ASA 81 mg", 0, 0, "1 tab PO daily") }, false},
		{"ASA 325 mg, 1 tab PO daily", func(id, st string) res { return aspirinOrder(id, st, "", "ASA 325 mg", 0, 0, "1 tab PO daily") }, true},
		{"ASA, 325 mg daily", func(id, st string) res { return aspirinOrder(id, st, "", "ASA", 0, 0, "325 mg daily") }, true},
	}
	var cases []accCase
	for _, a := range asps {
		want := func(c accCase) accCase {
			if a.flag {
				c.want = w("antiplatelet-abrocitinib", "critical")
			} else {
				c.absent = []string{"antiplatelet-abrocitinib"}
			}
			return c
		}
		// Ordered for a patient 20 days into abrocitinib.
		cases = append(cases, want(accCase{name: "ordered, abrocitinib 20 days: " + a.name, c: sign(onCourseNow("abrocitinib", 20), a.m("asa", "draft"))}))
		// On the chart when abrocitinib is started.
		r := cleanRecord()
		r.medications = append(r.medications, a.m("asa", "active"))
		cases = append(cases, want(accCase{name: "on the chart, abrocitinib ordered: " + a.name, c: sign(r, jakDraft("abrocitinib", 100))}))
		// Ordered in the same session as abrocitinib.
		cases = append(cases, want(accCase{name: "ordered with abrocitinib: " + a.name, c: sign(cleanRecord(), jakDraft("abrocitinib", 100), a.m("asa", "draft"))}))
		// patient-view, 20 days in.
		pv := onCourseNow("abrocitinib", 20)
		pv.medications = append(pv.medications, a.m("asa", "active"))
		cases = append(cases, want(accCase{name: "patient-view, abrocitinib 20 days: " + a.name, c: view(pv)}))
		// Never with upadacitinib.
		cases = append(cases, accCase{name: "ordered, upadacitinib 20 days: " + a.name, c: sign(onCourseNow("upadacitinib", 20), a.m("asa", "draft")), noCards: true})
	}
	runAcc(t, cases)
}

// Mesalamine is 5-ASA: not aspirin, not an antiplatelet.
func TestAcceptanceMesalamineIsNotAspirin(t *testing.T) {
	var cases []accCase
	for _, txt := range []string{"mesalamine (5-ASA) 1.2 g DR tablet", "5-ASA 800 mg DR tablet", "Asacol HD 800 mg", "4-ASA (aminosalicylic acid) granules", "sulfasalazine 500 mg"} {
		cases = append(cases,
			accCase{name: txt + " ordered for a patient on abrocitinib", c: sign(onCourseNow("abrocitinib", 20), drugDraft("x", "", "", txt)), noCards: true},
			accCase{name: txt + " on the chart, abrocitinib ordered", c: sign(func() *record {
				r := cleanRecord()
				r.medications = append(r.medications, med("x", "active", "", "", txt, 20))
				return r
			}(), jakDraft("abrocitinib", 100)), absent: []string{"antiplatelet-abrocitinib"}},
		)
	}
	runAcc(t, cases)
}

// TestAcceptanceCourseMemberStatuses: which orders and statements make a
// course (contract 6.2), judged three ways: a renewal is a continuation
// (no TB screening demanded again), another JAK inhibitor ordered meets
// the course (reverse direction), and patient-view sees the patient on
// treatment (the other JAK inhibitor on the chart).
func TestAcceptanceCourseMemberStatuses(t *testing.T) {
	tofa := drugDraft("tofa", rxnorm, "1357541", "tofacitinib 5 MG Oral Tablet")
	type st struct {
		rt, status      string
		course, ongoing bool
		// planned: the statement only plans the drug ("intended"): a
		// course for the interaction rules, but a new order is an
		// initiation.
		planned bool
	}
	sts := []st{
		{rt: "MedicationRequest", status: "active", course: true, ongoing: true}, {rt: "MedicationRequest", status: "on-hold", course: true, ongoing: true},
		{rt: "MedicationRequest", status: "completed", course: true, ongoing: false}, {rt: "MedicationRequest", status: "stopped", course: true, ongoing: false},
		{rt: "MedicationRequest", status: "cancelled", course: false, ongoing: false}, {rt: "MedicationRequest", status: "entered-in-error", course: false, ongoing: false},
		{rt: "MedicationRequest", status: "draft", course: false, ongoing: false},
		{rt: "MedicationStatement", status: "active", course: true, ongoing: true}, {rt: "MedicationStatement", status: "on-hold", course: true, ongoing: true},
		{rt: "MedicationStatement", status: "completed", course: true, ongoing: false}, {rt: "MedicationStatement", status: "stopped", course: true, ongoing: false},
		{rt: "MedicationStatement", status: "entered-in-error", course: false, ongoing: false}, {rt: "MedicationStatement", status: "not-taken", course: false, ongoing: false},
		{rt: "MedicationStatement", status: "intended", course: true, ongoing: true, planned: true},
	}
	var cases []accCase
	for _, s := range sts {
		for _, drug := range []string{"upadacitinib", "abrocitinib"} {
			mg := map[string]int{"upadacitinib": 15, "abrocitinib": 100}[drug]
			rec := func() *record {
				r := cleanRecord().drop("igra")
				r.medications = append(r.medications, courseMed("jak-1", s.rt, s.status, drug, mg, 30))
				return r
			}
			name := fmt.Sprintf("%s %s %s 30 days ago", drug, s.rt, s.status)
			renewal := accCase{name: name + ": new order", c: sign(rec(), jakDraft(drug, mg))}
			reverse := accCase{name: name + ": tofacitinib ordered", c: sign(rec(), tofa)}
			pvr := rec()
			pvr.medications = append(pvr.medications, med("tofa-rec", "active", rxnorm, "1357541", "tofacitinib 5 MG Oral Tablet", 5))
			pv := accCase{name: name + ": patient-view with tofacitinib", c: view(pvr)}
			if s.course {
				renewal.absent = []string{"tb-screening-missing"}
				if s.planned {
					renewal.absent, renewal.want = nil, w("tb-screening-missing", "warning")
				}
				reverse.want = w("combination-jak", "critical")
			} else {
				renewal.want = w("tb-screening-missing", "warning")
				reverse.noCards = true
			}
			if s.ongoing {
				pv.want = w("combination-jak", "critical")
			} else {
				pv.noCards = true
			}
			cases = append(cases, renewal, reverse, pv)
		}
	}
	// An intended statement long before the first order does not move the
	// start of the abrocitinib course back: clopidogrel 30 days into it is
	// still in the first 3 months.
	r := cleanRecord()
	r.medications = append(r.medications, courseMed("plan", "MedicationStatement", "intended", "abrocitinib", 100, 150),
		courseMed("abro", "MedicationRequest", "active", "abrocitinib", 100, 30))
	cases = append(cases, accCase{name: "abrocitinib intended 150 days ago, ordered 30 days ago: clopidogrel ordered",
		c: sign(r, drugDraft("clop", rxnorm, "32968", "clopidogrel")), want: w("antiplatelet-abrocitinib", "critical")})
	runAcc(t, cases)
}

// TestAcceptanceOnTreatmentThresholds: on a continuation and on
// patient-view the on-treatment limits apply (ALC 500, ANC 1000, Hb 8,
// abrocitinib platelets 50,000: interrupt / discontinue); at initiation,
// including a switch from the other drug, the start limits (platelets
// 150,000: do not start). Each at N-1, N, N+1.
func TestAcceptanceOnTreatmentThresholds(t *testing.T) {
	type lab struct {
		code, loincCode, unit string
		limit, step           float64
		onlyAbro              bool
	}
	labs := []lab{
		{"lymphopenia", "731-0", "/uL", 500, 1, false},
		{"neutropenia", "751-8", "/uL", 1000, 1, false},
		{"anemia", "718-7", "g/dL", 8, 0.1, false},
		{"thrombocytopenia", "777-3", "/uL", 50000, 1000, true},
	}
	idOf := map[string]string{"731-0": "alc", "751-8": "anc", "718-7": "hgb", "777-3": "plt"}
	var cases []accCase
	for _, l := range labs {
		drugs := []string{"upadacitinib", "abrocitinib"}
		if l.onlyAbro {
			drugs = []string{"abrocitinib"}
		}
		for _, drug := range drugs {
			mg := map[string]int{"upadacitinib": 15, "abrocitinib": 100}[drug]
			for _, d := range []float64{-1, 0, 1} {
				v := l.limit + d*l.step
				rec := func() *record {
					r := cleanRecord().replace(qty(idOf[l.loincCode], l.loincCode, v, l.unit, "", ago(5)))
					r.medications = append(r.medications, courseMed(drug+"-1", "MedicationRequest", "active", drug, mg, 60))
					return r
				}
				name := fmt.Sprintf("%s on %s 60 days, %s %g", l.code, drug, l.loincCode, v)
				renew := accCase{name: "renewal: " + name, c: sign(rec(), jakDraft(drug, mg))}
				pv := accCase{name: "patient-view: " + name, c: view(rec())}
				if d < 0 {
					renew.want, pv.want = w(l.code, "critical"), w(l.code, "critical")
					word := "Interrupt"
					if l.code == "thrombocytopenia" {
						word = "Discontinue"
					}
					renew.summaryOf = map[string]string{l.code: word}
					pv.summaryOf = map[string]string{l.code: word}
					renew.notDetailOf = map[string]string{l.code: "Do not start"}
				} else {
					renew.absent, pv.absent = []string{l.code}, []string{l.code}
				}
				cases = append(cases, renew, pv)
			}
		}
	}
	// Platelets between the two limits: a continuation goes on, a start
	// (or a switch from upadacitinib) does not.
	for _, v := range []float64{149000, 150000, 151000, 120000} {
		flag := v < 150000
		mk := func(prior string, status string) *record {
			r := cleanRecord().replace(qty("plt", "777-3", v, "/uL", "", ago(5)))
			if prior != "" {
				r.medications = append(r.medications, courseMed(prior+"-1", "MedicationRequest", status, prior, 15, 60))
			}
			return r
		}
		start := accCase{name: fmt.Sprintf("abrocitinib started, platelets %g", v), c: sign(mk("", ""), jakDraft("abrocitinib", 100))}
		sw := accCase{name: fmt.Sprintf("switch from upadacitinib (stopped) to abrocitinib, platelets %g", v), c: sign(mk("upadacitinib", "stopped"), jakDraft("abrocitinib", 100))}
		if flag {
			start.want, sw.want = w("thrombocytopenia", "critical"), w("thrombocytopenia", "critical")
		} else {
			start.absent, sw.absent = []string{"thrombocytopenia"}, []string{"thrombocytopenia"}
		}
		cases = append(cases, start, sw,
			accCase{name: fmt.Sprintf("abrocitinib renewal, platelets %g", v), c: sign(func() *record {
				r := mk("", "")
				r.medications = append(r.medications, courseMed("abro-1", "MedicationRequest", "active", "abrocitinib", 100, 60))
				return r
			}(), jakDraft("abrocitinib", 100)), absent: []string{"thrombocytopenia"}})
	}
	runAcc(t, cases)
}

// TestAcceptanceSwitchIsAnInitiation: moving between upadacitinib and
// abrocitinib starts the new drug (contract 6.2): its screening, its first
// 3 months for antiplatelets, and, while the old one is still active,
// combination-jak.
func TestAcceptanceSwitchIsAnInitiation(t *testing.T) {
	var cases []accCase
	for _, tc := range []struct{ from, to string }{{"upadacitinib", "abrocitinib"}, {"abrocitinib", "upadacitinib"}} {
		for _, status := range []string{"active", "stopped"} {
			rec := func() *record {
				r := cleanRecord().drop("igra").drop("hbsag")
				m := courseMed(tc.from+"-1", "MedicationRequest", status, tc.from, 15, 200)
				if status == "stopped" {
					m["dispenseRequest"] = res{"validityPeriod": res{"start": ago(200), "end": ago(10)}}
				}
				r.medications = append(r.medications, m)
				return r
			}
			c := accCase{name: fmt.Sprintf("%s %s for 200 days, %s ordered", tc.from, status, tc.to),
				c:    sign(rec(), jakDraft(tc.to, map[string]int{"upadacitinib": 15, "abrocitinib": 100}[tc.to])),
				want: w("tb-screening-missing", "warning", "hbv-screening-missing", "warning")}
			if status == "active" {
				c.want["combination-jak"] = "critical"
			} else {
				c.absent = []string{"combination-jak"}
			}
			cases = append(cases, c)
		}
	}
	// Upadacitinib for 200 days, switched to abrocitinib; clopidogrel on
	// the chart: the abrocitinib months begin now.
	r := cleanRecord()
	m := courseMed("upa-1", "MedicationRequest", "stopped", "upadacitinib", 15, 200)
	m["dispenseRequest"] = res{"validityPeriod": res{"start": ago(200), "end": ago(5)}}
	r.medications = append(r.medications, m, med("clop", "active", rxnorm, "32968", "clopidogrel", 100))
	cases = append(cases, accCase{name: "switch to abrocitinib after 200 days of upadacitinib, clopidogrel on the chart",
		c: sign(r, jakDraft("abrocitinib", 100)), want: w("antiplatelet-abrocitinib", "critical")})
	// patient-view after the switch: abrocitinib's own 4-week monitoring,
	// counted from its start (27 days: not yet; 28: due).
	for _, days := range []int{27, 28} {
		r := cleanRecord().labsOn(ago(300))
		m := courseMed("upa-1", "MedicationRequest", "stopped", "upadacitinib", 15, 300)
		m["dispenseRequest"] = res{"validityPeriod": res{"start": ago(300), "end": ago(days)}}
		r.medications = append(r.medications, m, courseMed("abro-1", "MedicationRequest", "active", "abrocitinib", 100, days))
		c := accCase{name: fmt.Sprintf("patient-view: abrocitinib %d days after upadacitinib", days), c: view(r)}
		if days >= 28 {
			c.want = w("monitoring-cbc-due", "warning")
		} else {
			c.absent = []string{"monitoring-cbc-due"}
		}
		cases = append(cases, c)
	}
	runAcc(t, cases)
}

// TestAcceptanceWithoutStatementsKey: medicationStatements is optional
// (contract 6.1): without it every direction still answers, and each
// medication card says the outside list could not be checked.
func TestAcceptanceWithoutStatementsKey(t *testing.T) {
	const note = "Could not be checked: outside medications (MedicationStatement" // once per card (noise15)
	onUpa := func() *record { return onCourseNow("upadacitinib", 30) }
	withTofa := func() *record {
		r := cleanRecord()
		r.medications = append(r.medications, med("tofa", "active", rxnorm, "1357536", "tofacitinib", 10))
		return r
	}
	pvRec := onUpa()
	pvRec.medications = append(pvRec.medications, med("clar", "active", rxnorm, "21212", "clarithromycin", 3))
	cases := []accCase{
		{name: "tofacitinib ordered for a patient on upadacitinib, no statements key",
			c:    call{r: onUpa(), drafts: []res{drugDraft("x", rxnorm, "1357541", "tofacitinib 5 MG Oral Tablet")}, noStatements: true},
			want: w("combination-jak", "critical"), detailOf: map[string]string{"combination-jak": note}},
		{name: "upadacitinib ordered with tofacitinib on the chart, no statements key",
			c:    call{r: withTofa(), drafts: []res{jakDraft("upadacitinib", 15)}, noStatements: true},
			want: w("combination-jak", "critical"), detailOf: map[string]string{"combination-jak": note}},
		{name: "patient-view, upadacitinib with clarithromycin, no statements key",
			c:    call{hook: HookPatientView, r: pvRec, noStatements: true},
			want: w("cyp-interaction", "warning"), detailOf: map[string]string{"cyp-interaction": "outside medications (MedicationStatement"}},
		{name: "clarithromycin ordered, no course, no statements key: no cards",
			c: call{r: cleanRecord(), drafts: []res{drugDraft("x", rxnorm, "21212", "clarithromycin")}, noStatements: true}, noCards: true},
	}
	runAcc(t, cases)
}

// startForms date an abrocitinib course member d days ago in each way
// EHRs write a start (contract 5 and 6.2).
var startForms = []struct {
	name string
	mk   func(d int) res
}{
	{"request authoredOn date", func(d int) res { return courseMed("a1", "MedicationRequest", "active", "abrocitinib", 100, d) }},
	{"request authoredOn dateTime (UTC)", func(d int) res {
		return with(courseMed("a1", "MedicationRequest", "active", "abrocitinib", 100, d), "authoredOn", ago(d)+"T09:15:00Z")
	}},
	{"request authoredOn dateTime with offset", func(d int) res {
		return with(courseMed("a1", "MedicationRequest", "active", "abrocitinib", 100, d), "authoredOn", ago(d)+"T08:00:00-05:00")
	}},
	{"request validityPeriod.start only", func(d int) res {
		m := courseMed("a1", "MedicationRequest", "active", "abrocitinib", 100, d)
		delete(m, "authoredOn")
		m["dispenseRequest"] = res{"validityPeriod": res{"start": ago(d)}}
		return m
	}},
	{"statement effectiveDateTime", func(d int) res { return courseMed("a1", "MedicationStatement", "active", "abrocitinib", 100, d) }},
	{"statement effectivePeriod.start", func(d int) res {
		m := courseMed("a1", "MedicationStatement", "active", "abrocitinib", 100, d)
		delete(m, "effectiveDateTime")
		m["effectivePeriod"] = res{"start": ago(d) + "T10:00:00Z"}
		return m
	}},
	{"statement dateAsserted only", func(d int) res {
		m := courseMed("a1", "MedicationStatement", "active", "abrocitinib", 100, d)
		delete(m, "effectiveDateTime")
		m["dateAsserted"] = ago(d)
		return m
	}},
}

// TestAcceptanceCourseStartForms: the first 3 months of abrocitinib
// (antiplatelet, day 90 in, day 91 out) and the 4-week monitoring (day 27
// not due, day 28 due) count from the start however it is written.
func TestAcceptanceCourseStartForms(t *testing.T) {
	clop := drugDraft("clop", rxnorm, "32968", "clopidogrel 75 MG Oral Tablet")
	var cases []accCase
	for _, f := range startForms {
		for _, d := range []int{89, 90, 91} {
			r := cleanRecord()
			r.medications = append(r.medications, f.mk(d))
			c := accCase{name: fmt.Sprintf("clopidogrel ordered, abrocitinib since %d days (%s)", d, f.name), c: sign(r, clop)}
			pvr := cleanRecord()
			pvr.medications = append(pvr.medications, f.mk(d), med("clop-rec", "active", rxnorm, "32968", "clopidogrel", 5))
			pv := accCase{name: fmt.Sprintf("patient-view, clopidogrel, abrocitinib since %d days (%s)", d, f.name), c: view(pvr)}
			if d <= 90 {
				c.want, pv.want = w("antiplatelet-abrocitinib", "critical"), w("antiplatelet-abrocitinib", "critical")
			} else {
				c.noCards, pv.absent = true, []string{"antiplatelet-abrocitinib"}
			}
			cases = append(cases, c, pv)
		}
		for _, d := range []int{27, 28, 29} {
			r := cleanRecord().labsOn(ago(d + 10))
			r.medications = append(r.medications, f.mk(d))
			c := accCase{name: fmt.Sprintf("patient-view, abrocitinib since %d days (%s), labs before", d, f.name), c: view(r)}
			if d >= 28 {
				c.want = w("monitoring-cbc-due", "warning", "monitoring-liver-due", "warning", "monitoring-lipids-due", "warning")
			} else {
				c.noCards = true
			}
			cases = append(cases, c)
		}
	}
	runAcc(t, cases)
}

// TestAcceptanceMonitoringWhatCounts: on patient-view, which results since
// the start satisfy the abrocitinib 4-week checks (a CBC panel or any of
// its counts; ALT or AST; any lipid result), and which do not (not final,
// on the start day).
func TestAcceptanceMonitoringWhatCounts(t *testing.T) {
	base := func(extra ...res) *record {
		r := cleanRecord().labsOn(ago(60))
		r.medications = append(r.medications, courseMed("abro-1", "MedicationRequest", "active", "abrocitinib", 100, 40))
		for _, x := range extra {
			r.observations = append(r.observations, x)
		}
		return r
	}
	panel := res{"resourceType": "Observation", "id": "cbcp", "status": "final", "code": coding(loinc, "58410-2"), "effectiveDateTime": ago(10)}
	issuedOnly := qty("alt2", "1742-6", 20, "U/L", "", "")
	delete(issuedOnly, "effectiveDateTime")
	issuedOnly["issued"] = ago(10) + "T12:00:00Z"
	period := qty("ast2", "1920-8", 20, "U/L", "", "")
	delete(period, "effectiveDateTime")
	period["effectivePeriod"] = res{"start": ago(10), "end": ago(10)}
	cases := []accCase{
		{name: "CBC panel without values after the start: CBC done", c: view(base(panel)), absent: []string{"monitoring-cbc-due"}, want: w("monitoring-liver-due", "warning")},
		{name: "platelets only after the start: CBC done", c: view(base(qty("plt2", "777-3", 250, "10*3/uL", "", ago(10)))), absent: []string{"monitoring-cbc-due"}},
		{name: "hemoglobin only after the start: CBC done", c: view(base(qty("hgb2", "718-7", 13, "g/dL", "", ago(10)))), absent: []string{"monitoring-cbc-due"}},
		{name: "AST only after the start: liver done", c: view(base(qty("ast2", "1920-8", 20, "U/L", "", ago(10)))), absent: []string{"monitoring-liver-due"}, want: w("monitoring-cbc-due", "warning")},
		{name: "ALT with only issued after the start: liver done", c: view(base(issuedOnly)), absent: []string{"monitoring-liver-due"}},
		{name: "AST with an effectivePeriod after the start: liver done", c: view(base(period)), absent: []string{"monitoring-liver-due"}},
		{name: "triglycerides only after the start: lipids done", c: view(base(qty("tg", "2571-8", 150, "mg/dL", "", ago(10)))), absent: []string{"monitoring-lipids-due"}},
		{name: "total cholesterol only after the start: lipids done", c: view(base(qty("tc", "2093-3", 180, "mg/dL", "", ago(10)))), absent: []string{"monitoring-lipids-due"}},
		{name: "ALT preliminary after the start: still due", c: view(base(with(qty("alt3", "1742-6", 20, "U/L", "", ago(10)), "status", "preliminary"))), want: w("monitoring-liver-due", "warning")},
		{name: "ALT cancelled after the start: still due", c: view(base(with(qty("alt3", "1742-6", 20, "U/L", "", ago(10)), "status", "cancelled"))), want: w("monitoring-liver-due", "warning")},
		{name: "ALT amended after the start: done", c: view(base(with(qty("alt3", "1742-6", 20, "U/L", "", ago(10)), "status", "amended"))), absent: []string{"monitoring-liver-due"}},
		{name: "ALT on the start day only: still due", c: view(base(qty("alt3", "1742-6", 20, "U/L", "", ago(40)))), want: w("monitoring-liver-due", "warning")},
		{name: "ALT the day after the start: done", c: view(base(qty("alt3", "1742-6", 20, "U/L", "", ago(39)))), absent: []string{"monitoring-liver-due"}},
	}
	runAcc(t, cases)
}

// TestAcceptanceLiveVaccineGivenOnMedicationLists: a live vaccine the
// medication lists say was given (a completed or stopped order or outside
// statement, no Immunization) counts as given on its date, as an
// Immunization does (live-vaccine-recent, 28 days, boundary day in).
func TestAcceptanceLiveVaccineGivenOnMedicationLists(t *testing.T) {
	var cases []accCase
	for _, rt := range []string{"MedicationRequest", "MedicationStatement"} {
		mk := func(status string, d int) res {
			if rt == "MedicationStatement" {
				return stmt("mmr", status, cvx, "03", "MMR vaccine", d)
			}
			return med("mmr", status, cvx, "03", "MMR vaccine", d)
		}
		for _, tc := range []struct {
			status string
			days   int
			want   bool
		}{
			{"completed", 10, true}, {"completed", 27, true}, {"completed", 28, true}, {"completed", 29, false},
			{"stopped", 10, true}, {"entered-in-error", 10, false}, {"cancelled", 10, false},
		} {
			if rt == "MedicationStatement" && tc.status == "cancelled" {
				tc.status = "not-taken"
			}
			r := cleanRecord()
			r.medications = append(r.medications, mk(tc.status, tc.days))
			c := accCase{name: fmt.Sprintf("upadacitinib ordered, MMR %s %s %d days ago", rt, tc.status, tc.days), c: sign(r, jakDraft("upadacitinib", 15))}
			if tc.want {
				c.want = w("live-vaccine-recent", "warning")
				c.detailOf = map[string]string{"live-vaccine-recent": "MMR vaccine"}
			} else {
				c.absent = []string{"live-vaccine-recent"}
			}
			cases = append(cases, c)
		}
		// patient-view: given during the course, or before it started.
		during := onCourseNow("abrocitinib", 60)
		during.medications = append(during.medications, mk("completed", 5))
		before := onCourseNow("abrocitinib", 10)
		before.medications = append(before.medications, mk("completed", 20))
		cases = append(cases,
			accCase{name: "patient-view: MMR " + rt + " completed during the abrocitinib course", c: view(during), want: w("live-vaccine-recent", "warning")},
			accCase{name: "patient-view: MMR " + rt + " completed before the abrocitinib course", c: view(before), absent: []string{"live-vaccine-recent"}},
		)
	}
	runAcc(t, cases)
}

// TestAcceptanceOnTreatmentLatestValue: on treatment the latest value
// since the course start decides; on patient-view a value from before the
// start is the baseline, not an on-treatment result; a renewal with no
// count since the start reads the latest recent one (bbabro review).
func TestAcceptanceOnTreatmentLatestValue(t *testing.T) {
	mk := func(obs ...res) *record {
		r := cleanRecord().labsOn(ago(45))
		r.medications = append(r.medications, courseMed("abro-1", "MedicationRequest", "active", "abrocitinib", 100, 40))
		for _, o := range obs {
			r.replace(o)
		}
		return r
	}
	cases := []accCase{
		{name: "platelets 40,000 before the start only: not an on-treatment value", c: view(mk(qty("plt", "777-3", 40, "10*3/uL", "", ago(41)))),
			absent: []string{"thrombocytopenia"}, want: w("monitoring-cbc-due", "warning")},
		{name: "platelets 40,000 on treatment then 180,000 later: latest is normal", c: view(mk(qty("plt", "777-3", 40, "10*3/uL", "", ago(20)), qty("plt2", "777-3", 180, "10*3/uL", "", ago(5)))),
			absent: []string{"thrombocytopenia"}},
		{name: "platelets 180,000 then 40,000 on treatment: discontinue", c: view(mk(qty("plt", "777-3", 180, "10*3/uL", "", ago(20)), qty("plt2", "777-3", 40, "10*3/uL", "", ago(5)))),
			want: w("thrombocytopenia", "critical")},
		{name: "ALC 0.4 x10^9/L on treatment: interrupt", c: view(mk(qty("alc", "731-0", 0.4, "10*9/L", "", ago(5)))), want: w("lymphopenia", "critical")},
		{name: "Hb 75 g/L on treatment: interrupt", c: view(mk(qty("hgb", "718-7", 75, "g/L", "", ago(5)))), want: w("anemia", "critical")},
		{name: "renewal: ANC 0.9 K/uL on treatment: interrupt", c: sign(mk(qty("anc", "751-8", 0.9, "", "K/uL", ago(5))), jakDraft("abrocitinib", 100)), want: w("neutropenia", "critical")},
		// Changed (bbabro review): a renewal with no count since the start
		// reads the latest recent one (contract 5; 6.2 exempts only the
		// screening rows and the 150,000 platelet threshold): the latest
		// ANC is 900 and the patient takes the drug, so "Interrupt".
		// Patient-view still reads since the start only (first case).
		{name: "renewal: ANC 0.9 K/uL before the start only, none since: interrupt", c: sign(mk(qty("anc", "751-8", 0.9, "", "K/uL", ago(42))), jakDraft("abrocitinib", 100)),
			want: w("neutropenia", "critical"), detailOf: map[string]string{"neutropenia": "Measured before the course start"}},
	}
	runAcc(t, cases)
}

// TestAcceptanceCodeSystemOIDs: EHRs with C-CDA or HL7 v2 heritage write
// RxNorm, NDC and CVX by their OIDs ("urn:oid:2.16.840.1.113883.6.88") or
// with a trailing slash; the codes are the same (FHIR terminology
// registry). Coded only that way, with no name, each is recognised.
func TestAcceptanceCodeSystemOIDs(t *testing.T) {
	const (
		rxOID  = "urn:oid:2.16.840.1.113883.6.88"
		ndcOID = "urn:oid:2.16.840.1.113883.6.69"
		cvxOID = "urn:oid:2.16.840.1.113883.12.292"
	)
	jak := func(system, code string) res {
		m := jakDraft("upadacitinib", 15)
		m["medicationCodeableConcept"] = cc(system, code, "", "")
		return m
	}
	cases := []accCase{
		{name: "upadacitinib ordered as RxNorm OID ingredient, no IGRA", c: sign(cleanRecord().drop("igra"), jak(rxOID, "2196092")), want: w("tb-screening-missing", "warning")},
		{name: "upadacitinib ordered as RxNorm with a trailing slash, no IGRA", c: sign(cleanRecord().drop("igra"), jak(rxnorm+"/", "2196092")), want: w("tb-screening-missing", "warning")},
		{name: "upadacitinib ordered as NDC OID, no IGRA", c: sign(cleanRecord().drop("igra"), jak(ndcOID, "0074-2306-30")), want: w("tb-screening-missing", "warning")},
		{name: "clopidogrel ordered as RxNorm OID, patient on abrocitinib", c: sign(onCourseNow("abrocitinib", 20), drugDraft("x", rxOID, "32968", "")),
			want: w("antiplatelet-abrocitinib", "critical")},
		{name: "MMR ServiceRequest as CVX OID, patient on upadacitinib", c: sign(onCourseNow("upadacitinib", 20), serviceDraft("sr", "draft", cvxOID, "03", "")),
			want: w("live-vaccine-ordered", "warning")},
		{name: "tofacitinib on the chart as RxNorm OID, upadacitinib ordered", c: sign(func() *record {
			r := cleanRecord()
			r.medications = append(r.medications, with(med("tofa", "active", "", "", "", 10), "medicationCodeableConcept", cc(rxOID, "1357536", "", "")))
			return r
		}(), jakDraft("upadacitinib", 15)), want: w("combination-jak", "critical")},
		{name: "upadacitinib course as RxNorm OID, tofacitinib ordered", c: sign(func() *record {
			r := cleanRecord()
			r.medications = append(r.medications, with(courseMed("u1", "MedicationRequest", "active", "upadacitinib", 15, 30), "medicationCodeableConcept", cc(rxOID, "2196092", "", "")))
			return r
		}(), drugDraft("x", rxnorm, "1357536", "")), want: w("combination-jak", "critical")},
		{name: "IGRA and lymphocytes coded with the LOINC OID are read", c: sign(func() *record {
			r := cleanRecord().drop("igra").drop("alc")
			ig := obsCode("igra", "71773-6", negative, ago(20))
			ig["code"] = coding("urn:oid:2.16.840.1.113883.6.1", "71773-6")
			r.observations = append(r.observations, ig, with(qty("alc", "731-0", 0.3, "10*3/uL", "", ago(20)), "code", coding("urn:oid:2.16.840.1.113883.6.1", "731-0")))
			return r
		}(), jakDraft("upadacitinib", 15)), want: w("lymphopenia", "critical"), absent: []string{"tb-screening-missing", "cbc-missing"}},
		{name: "a local system that only looks alike is not RxNorm", c: sign(cleanRecord(), jak("urn:oid:2.16.840.1.113883.6.88.1", "2196092")), noCards: true},
	}
	runAcc(t, cases)
}

// TestAcceptanceCardsNameTheDrug: an order coded with no display and no
// text still has its card name the drug (contract 6.1: the card names
// both drugs), from the knowledge base, never a bare code.
func TestAcceptanceCardsNameTheDrug(t *testing.T) {
	cases := []accCase{
		{name: "clopidogrel 75 mg SCD only, patient on abrocitinib", c: sign(onCourseNow("abrocitinib", 20), drugDraft("x", rxnorm, "309362", "")),
			want: w("antiplatelet-abrocitinib", "critical"), summaryOf: map[string]string{"antiplatelet-abrocitinib": "clopidogrel"}},
		{name: "MMR ServiceRequest by CVX only, patient on upadacitinib", c: sign(onCourseNow("upadacitinib", 20), serviceDraft("sr", "draft", cvx, "03", "")),
			want: w("live-vaccine-ordered", "warning"), summaryOf: map[string]string{"live-vaccine-ordered": "MMR"}},
		{name: "MMR ServiceRequest by CVX only with the upadacitinib order", c: sign(cleanRecord(), jakDraft("upadacitinib", 15), serviceDraft("sr", "draft", cvx, "03", "")),
			want: w("live-vaccine-ordered", "warning"), summaryOf: map[string]string{"live-vaccine-ordered": "MMR"}},
		{name: "adalimumab ingredient only, patient on upadacitinib", c: sign(onCourseNow("upadacitinib", 20), drugDraft("x", rxnorm, "327361", "")),
			want: w("combination-biologic", "warning"), summaryOf: map[string]string{"combination-biologic": "adalimumab"}},
		{name: "patient-view: itraconazole ingredient only on the chart, upadacitinib", c: view(func() *record {
			r := onCourseNow("upadacitinib", 30)
			r.medications = append(r.medications, with(med("itra", "active", "", "", "", 5), "medicationCodeableConcept", cc(rxnorm, "28031", "", "")))
			return r
		}()), want: w("cyp-interaction", "warning"), summaryOf: map[string]string{"cyp-interaction": "itraconazole"}},
	}
	runAcc(t, cases)
}
