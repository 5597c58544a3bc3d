package hooks

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/cards"
)

// The black-box acceptance scenarios (hooks/acceptance_*_test.go) are
// written as a hospital pharmacist reviews a CDS service: each scenario
// is a FHIR record and draft orders as an EHR sends them, posted through
// the HTTP path with the clock fixed at testNow (2026-11-29), and judged by
// the finding codes and indicators of the answer, by the cards that must
// not appear, and by the dose every card of an order names. The record
// starts from cleanRecord (scenarios_test.go: a complete, recent, normal
// baseline that answers no cards) and changes what the scenario is about.

const ndc = "http://hl7.org/fhir/sid/ndc"

// ago is the date n days before testNow, as a FHIR date.
func ago(n int) string { return testNow.AddDate(0, 0, -n).Format("2006-01-02") }

// born returns the birth date of a patient aged years at testNow (birthday
// a month ago).
func bornAged(years int) string { return testNow.AddDate(-years, -1, 0).Format("2006-01-02") }

// jakDraft is a draft order of drug at mg once daily, coded by its RxNorm
// ingredient, for Patient/p1 (id "new").
func jakDraft(drug string, mg int) res {
	codes := map[string]string{"upadacitinib": "2196092", "abrocitinib": "2591476"}
	text := map[string]string{"upadacitinib": "upadacitinib %d MG Extended Release Oral Tablet", "abrocitinib": "abrocitinib %d MG Oral Tablet"}
	m := onceDaily(medication("new", "draft", rxnorm, codes[drug], fmt.Sprintf(text[drug], mg)))
	m["authoredOn"] = ago(0)
	m["subject"] = res{"reference": "Patient/p1"}
	return m
}

// drugDraft is a draft order of another drug (id given), coded by code in
// system (no coding when code is ""), named text.
func drugDraft(id, system, code, text string) res {
	m := medication(id, "draft", system, code, text)
	m["authoredOn"] = ago(0)
	m["subject"] = res{"reference": "Patient/p1"}
	return m
}

// med is a record MedicationRequest of status, authored days ago.
func med(id, status, system, code, text string, days int) res {
	m := medication(id, status, system, code, text)
	m["authoredOn"] = ago(days)
	return m
}

// stmt is a MedicationStatement of status, effective days ago.
func stmt(id, status, system, code, text string, days int) res {
	m := medication(id, status, system, code, text)
	m["resourceType"] = "MedicationStatement"
	delete(m, "intent")
	delete(m, "authoredOn")
	m["effectiveDateTime"] = ago(days)
	return m
}

// courseMed is a record order (or statement) of a course member of drug at
// mg once daily, authored days ago.
func courseMed(id, resourceType, status, drug string, mg, days int) res {
	m := jakDraft(drug, mg)
	m["id"], m["status"] = id, status
	delete(m, "subject")
	if resourceType == "MedicationStatement" {
		m["resourceType"] = "MedicationStatement"
		delete(m, "intent")
		delete(m, "authoredOn")
		m["dosage"] = m["dosageInstruction"]
		delete(m, "dosageInstruction")
		m["effectiveDateTime"] = ago(days)
	} else {
		m["authoredOn"] = ago(days)
	}
	return m
}

// cond is a Condition with clinical status (no status when "").
func cond(id, system, code, status string) res {
	c := res{"resourceType": "Condition", "id": id, "code": coding(system, code)}
	if status != "" {
		c["clinicalStatus"] = coding("http://terminology.hl7.org/CodeSystem/condition-clinical", status)
	}
	return c
}

// qty is an Observation with a valueQuantity whose unit is given in the
// UCUM code (when code is not "") and in the readable unit (when unit is
// not "").
func qty(id, loincCode string, value float64, code, unit, date string) res {
	q := res{"value": value}
	if code != "" {
		q["system"], q["code"] = "http://unitsofmeasure.org", code
	}
	if unit != "" {
		q["unit"] = unit
	}
	return res{"resourceType": "Observation", "id": id, "status": "final", "code": coding(loinc, loincCode),
		"effectiveDateTime": date, "valueQuantity": q}
}

// with sets members of a resource (a shallow merge) and returns it.
func with(r res, kv ...any) res {
	for i := 0; i+1 < len(kv); i += 2 {
		r[kv[i].(string)] = kv[i+1]
	}
	return r
}

// call is one hook call.
type call struct {
	hook       string // order-sign (default), order-select or patient-view
	r          *record
	drafts     []res
	selections []string
	// noStatements leaves the medicationStatements key out of prefetch.
	noStatements bool
}

func (c call) service() string {
	if c.hook == "" {
		return HookOrderSign
	}
	return c.hook
}

func (c call) body(t testing.TB) []byte {
	t.Helper()
	r := c.r
	if r == nil {
		r = cleanRecord()
	}
	prefetch := res{"patient": r.patient, "conditions": bundleOf(r.conditions),
		"medications":  bundleOf(append(ofType(r.medications, "MedicationRequest"), ofType(r.medications, "Medication")...)),
		"observations": bundleOf(r.observations), "immunizations": bundleOf(r.immunizations)}
	if !c.noStatements {
		prefetch["medicationStatements"] = bundleOf(ofType(r.medications, "MedicationStatement"))
	}
	ctx := res{"userId": "Practitioner/x", "patientId": "p1"}
	if c.service() != HookPatientView {
		entries := []any{}
		for _, d := range c.drafts {
			entries = append(entries, res{"resource": d})
		}
		ctx["draftOrders"] = res{"resourceType": "Bundle", "entry": entries}
	}
	if c.service() == HookOrderSelect {
		sel := []any{}
		for _, s := range c.selections {
			sel = append(sel, s)
		}
		ctx["selections"] = sel
	}
	b, err := json.Marshal(res{"hook": c.service(), "hookInstance": "d5b3a1c2-0f4e-4b8a-9c6d-7e8f9a0b1c2d",
		"context": ctx, "prefetch": prefetch})
	require.NoError(t, err)
	return b
}

// sign is an order-sign call of drafts for the record.
func sign(r *record, drafts ...res) call { return call{r: r, drafts: drafts} }

// view is a patient-view call for the record.
func view(r *record) call { return call{hook: HookPatientView, r: r} }

// accCase is one acceptance scenario.
type accCase struct {
	name string
	c    call
	// want maps each finding code that must be reported to its card's
	// indicator.
	want map[string]string
	// absent are finding codes that must not be reported.
	absent []string
	// noCards: the answer must be {"cards": []}.
	noCards bool
	// onlyInfo: no card may be a warning or critical.
	onlyInfo bool
	// dose, when not 0, is the one daily dose in mg every card naming a
	// dose for the order must name (contract 6.3).
	dose int
	// noDose: no card names a dose to use (the drug is not recommended at
	// any dose).
	noDose bool
	// summary, when set, must be part of the summary of the card holding
	// the first code of want in alphabetical order ... see summaryOf.
	summaryOf map[string]string
	// detail, when set, must be part of the detail (or the source label)
	// of the card holding the code.
	detailOf map[string]string
	// notDetailOf: text that must not be in the detail of the card holding
	// the code.
	notDetailOf map[string]string
}

// w builds a want map: code, level, code, level, ...
func w(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

// post sends the call to s's handler and returns the cards of its 200
// answer, checked against the response invariants, and the body.
func (c call) post(t *testing.T, s *testServer) ([]cards.Card, string) {
	t.Helper()
	rec := s.do(t, "POST", "/cds-services/"+c.service(), c.body(t))
	require.Equal(t, 200, rec.Code, rec.Body.String())
	return checkResponse(t, rec.Body.Bytes()), rec.Body.String()
}

// runAcc posts each scenario and checks it.
func runAcc(t *testing.T, cases []accCase) {
	t.Helper()
	s := newTestServer(t, serverOpts{noStore: true})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cs, body := tc.c.post(t, s)
			checkAcc(t, tc, cs, body)
		})
	}
}

func checkAcc(t *testing.T, tc accCase, cs []cards.Card, body string) {
	t.Helper()
	if tc.noCards {
		assert.Empty(t, cs, "no cards expected: %s", cardSummaries(cs))
	}
	codes := codesOf(cs)
	for code, level := range tc.want {
		if !assert.Contains(t, codes, code, "cards: %s", cardSummaries(cs)) {
			continue
		}
		c := cardWith(cs, code)
		assert.Equal(t, level, string(c.Indicator), "indicator of the card with %s (%s)", code, c.Summary)
	}
	for _, code := range tc.absent {
		assert.NotContains(t, codes, code, "cards: %s", cardSummaries(cs))
	}
	if tc.onlyInfo {
		for _, c := range cs {
			assert.Equal(t, "info", string(c.Indicator), "%s %v", c.Summary, c.Findings())
		}
	}
	for code, part := range tc.summaryOf {
		assert.Contains(t, cardWith(cs, code).Summary, part, "summary of the card with %s", code)
	}
	for code, part := range tc.detailOf {
		c := cardWith(cs, code)
		assert.Contains(t, c.Detail+"\n"+c.Source.Label, part, "detail or source of the card with %s", code)
	}
	for code, part := range tc.notDetailOf {
		assert.NotContains(t, cardWith(cs, code).Detail, part, "detail of the card with %s", code)
	}
	if tc.noDose {
		assert.Empty(t, dosesNamed(cs), "no dose may be suggested: %s", cardSummaries(cs))
	}
	if tc.dose != 0 {
		named := dosesNamed(cs)
		assert.NotEmpty(t, named, "a dose of %d mg named somewhere: %s", tc.dose, cardSummaries(cs))
		for card, mgs := range named {
			for _, mg := range mgs {
				assert.Equal(t, tc.dose, mg, "card %q names %d mg", card, mg)
			}
		}
	}
}

// cardSummaries lists the cards for a failure message.
func cardSummaries(cs []cards.Card) string {
	var out []string
	for _, c := range cs {
		out = append(out, fmt.Sprintf("[%s %v %q]", c.Indicator, c.Findings(), c.Summary))
	}
	return strings.Join(out, " ")
}

// doseInSummary finds a dose a summary tells the prescriber to use:
// "Reduce upadacitinib to 15 mg daily", "Use abrocitinib 50 mg daily",
// "keep ... at 15 mg daily".
var doseInSummary = regexp.MustCompile(`(?i)(?:to|use \w+|at) (\d+(?:\.\d+)?) mg (?:once )?daily`)

// dosesNamed returns, per card summary, the doses the card tells the
// prescriber to use: in its summary, in its suggestion labels and in the
// doseQuantity (mg) of its update actions.
func dosesNamed(cs []cards.Card) map[string][]int {
	out := map[string][]int{}
	add := func(card, s string) {
		if v, err := strconv.ParseFloat(s, 64); err == nil {
			out[card] = append(out[card], int(v))
		}
	}
	for _, c := range cs {
		for _, m := range doseInSummary.FindAllStringSubmatch(c.Summary, -1) {
			add(c.Summary, m[1])
		}
		for _, sg := range c.Suggestions {
			for _, m := range doseInSummary.FindAllStringSubmatch(sg.Label, -1) {
				add(c.Summary, m[1])
			}
			for _, a := range sg.Actions {
				if a.Type != cards.ActionUpdate || a.Resource == nil {
					continue
				}
				var mr struct {
					DosageInstruction []struct {
						DoseAndRate []struct {
							DoseQuantity struct {
								Value float64 `json:"value"`
								Code  string  `json:"code"`
							} `json:"doseQuantity"`
						} `json:"doseAndRate"`
					} `json:"dosageInstruction"`
				}
				if b, err := json.Marshal(a.Resource); err == nil && json.Unmarshal(b, &mr) == nil {
					for _, di := range mr.DosageInstruction {
						for _, dr := range di.DoseAndRate {
							if dr.DoseQuantity.Code == "mg" {
								out[c.Summary] = append(out[c.Summary], int(dr.DoseQuantity.Value))
							}
						}
					}
				}
			}
		}
	}
	for k := range out {
		sort.Ints(out[k])
	}
	return out
}

var _ = time.Second

// or is s, or def when s is empty.
func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
