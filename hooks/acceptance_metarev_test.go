package hooks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/cards"
	"jakguard/internal/outcheck"
)

// The metamorphic review (metarev, December 2026; docs/rules.md section 4
// "Metamorphic review"). Each acceptance file checks one scenario; the
// tests below check relations that must hold between the answers to many
// scenarios at once. A base scenario (hook, draft orders, prefetch record,
// now) that gives warnings is posted through the HTTP handler, as the
// acceptance tests post theirs, and so is a transformation of it; the two
// answers are compared by the cards' finding codes, indicators and
// summaries (uuids and card order are not fixed by the contract). The
// relations:
//
//   - equivalent R4 encodings of the same data give the same cards;
//   - data no rule reads changes no card;
//   - a worse risk, or a second one, removes no finding (except where the
//     rules say one finding speaks for another: metaSuppressed);
//   - moving now and every date of the record by the same number of days
//     gives the same cards;
//   - a class-level finding for one JAK inhibitor is given for the other
//     (both labels call for it; drug-specific rows are listed apart).

// metaBase is a base scenario: the clean record (or rec) with drop removed
// and add put in, the patient members of pat set (nil deletes), and a draft
// order of drug at mg once daily (with drafts after it) on order hooks.
type metaBase struct {
	name   string
	hook   string // "" is order-sign
	drug   string
	mg     int
	noJAK  bool // no JAK draft: drafts only (the reverse direction)
	drafts []res
	rec    func() *record
	drop   []string
	add    []res
	pat    res
}

func (b metaBase) record() *record {
	r := cleanRecord()
	if b.rec != nil {
		r = b.rec()
	}
	for _, id := range b.drop {
		r.drop(id)
	}
	for _, x := range b.add {
		r.replace(metaCopy(x))
	}
	for k, v := range b.pat {
		if v == nil {
			delete(r.patient, k)
		} else {
			r.patient[k] = v
		}
	}
	return r
}

func (b metaBase) call() call {
	c := call{hook: b.hook, r: b.record()}
	if c.service() != HookPatientView {
		if !b.noJAK {
			c.drafts = append(c.drafts, jakDraft(b.drug, b.mg))
		}
		for _, d := range b.drafts {
			c.drafts = append(c.drafts, metaCopy(d))
		}
	}
	return c
}

// request is the base's hook request, decoded, for the transformations.
func (b metaBase) request(t testing.TB) res {
	var m res
	require.NoError(t, json.Unmarshal(b.call().body(t), &m))
	return m
}

// metaCopy deep-copies a resource through JSON.
func metaCopy(x res) res {
	b, err := json.Marshal(x)
	if err != nil {
		panic(err)
	}
	var out res
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return out
}

// metaWith is the base under another name with more changes (a shallow
// copy: the slices are copied before they grow).
func (b metaBase) with(name string, f func(b *metaBase)) metaBase {
	c := b
	c.name = name
	c.drop = append([]string(nil), b.drop...)
	c.add = append([]res(nil), b.add...)
	c.drafts = append([]res(nil), b.drafts...)
	pat := res{}
	for k, v := range b.pat {
		pat[k] = v
	}
	c.pat = pat
	f(&c)
	return c
}

const hivSCT, tstPlacedCVX = "86406008", "96"

// metaBases: one or more warning scenarios for every finding code of the
// contract, each taken from an existing acceptance test (named in the
// comment), on upadacitinib 15 mg (u), abrocitinib 100 mg (a), or a course.
func metaBases() []metaBase {
	u := func(name string, drop []string, add ...res) metaBase {
		return metaBase{name: name, drug: "upadacitinib", mg: 15, drop: drop, add: add}
	}
	a := func(name string, drop []string, add ...res) metaBase {
		return metaBase{name: name, drug: "abrocitinib", mg: 100, drop: drop, add: add}
	}
	d := "2026-11-02"
	bases := []metaBase{
		// scenarios_test.go TestClinicalScenariosFromFHIR
		u("no TB test", []string{"igra"}),
		u("active tuberculosis", nil, condition("tb", sct, "427099000", "active")),
		a("positive IGRA, no TB treatment", nil, obsCode("igra", "71773-6", positive, d)),
		u("no HBsAg", []string{"hbsag"}),
		u("HBsAg positive", nil, obsCode("hbsag", "5196-1", positive, d)),
		a("anti-HBc positive", nil, obsCode("hbc", "16933-4", positive, d)),
		a("no HCV test", []string{"hcv"}),
		u("HCV antibody positive, no RNA", nil, obsCode("hcv", "13955-0", positive, d)),
		u("HCV RNA detected", nil, obsCode("hcvrna", "11259-9", "260373001", d)),
		u("no neutrophil count", []string{"anc"}),
		u("lymphocytes 0.4 x10^9/L", nil, obsQty("alc", "731-0", 0.4, "10*9/L", d)),
		a("neutrophils 800/uL", nil, obsQty("anc", "751-8", 800, "/uL", d)),
		u("hemoglobin 75 g/L", nil, obsQty("hgb", "718-7", 75, "g/L", d)),
		a("platelets 120k", nil, obsQty("plt", "777-3", 120, "10*3/uL", d)),
		u("no ALT or AST", []string{"alt"}),
		a("no lipids", []string{"ldl"}),
		u("no pregnancy test", []string{"hcg"}),
		u("pregnant", nil, condition("preg", sct, "77386006", "active")),
		a("positive hCG", nil, obsCode("hcg", "2106-3", positive, "2026-11-25")),
		a("breastfeeding", nil, condition("bf", sct, "866041003", "active")),
		a("no zoster vaccine", []string{"rzv"}),
		a("MMR 10 days ago", nil, immunization("mmr", "03", "2026-11-19")),
		u("pneumonia", nil, condition("pna", sct, "233604007", "active")),
		a("cirrhosis without a Child-Pugh class", nil, condition("cirr", sct, "19943007", "active")),
		u("hepatic failure", nil, cond("hf", sct, "59927004", "active")), // acceptance_contractaudit_test.go
		a("eGFR 45", nil, obsQty("egfr", "98979-8", 45, "mL/min/{1.73_m2}", d)),
		a("eGFR 25", nil, obsQty("egfr", "98979-8", 25, "mL/min/{1.73_m2}", d)),
		u("eGFR 12", nil, obsQty("egfr", "98979-8", 12, "mL/min/{1.73_m2}", d)),
		u("tofacitinib active", nil, medication("tofa", "active", rxnorm, "1357536", "tofacitinib")),
		a("adalimumab active", nil, medication("ada", "active", rxnorm, "327361", "adalimumab")),
		u("azathioprine active", nil, medication("aza", "active", rxnorm, "1256", "azathioprine")),
		a("clopidogrel", nil, medication("clop", "active", rxnorm, "32968", "clopidogrel")),
		a("aspirin 325 mg", nil, medication("asa", "active", rxnorm, "212033", "aspirin 325 MG Oral Tablet")),
		u("ketoconazole", nil, medication("keto", "active", rxnorm, "6135", "ketoconazole")),
		a("rifampin", nil, medication("rif", "active", rxnorm, "9384", "rifampin")),
		u("past myocardial infarction", nil, condition("mi", sct, "22298006", "resolved")),
		a("past myocardial infarction", nil, condition("mi", sct, "22298006", "resolved")),
		u("former smoker", nil, obsCode("smoke", "72166-2", "8517006", d)),
		u("past DVT", nil, condition("dvt", sct, "128053003", "resolved")),
		a("malignancy", nil, condition("ca", sct, "363346000", "active")),
		u("no earlier systemic therapy", []string{"dupi"}),
		// acceptance_contractaudit_test.go: digoxin, CYP2C19 poor metabolizer in text
		a("digoxin active", nil, med("dig", "active", rxnorm, "3407", "digoxin", 30)),
		a("CYP2C19 poor metabolizer", nil, res{"resourceType": "Observation", "id": "pm", "status": "final", "code": res{"text": "CYP2C19 genotype"},
			"effectiveDateTime": ago(100), "valueString": "*2/*2 poor metabolizer"}),
	}
	bases = append(bases,
		// scenarios_test.go: aged 55 with hypertension; aged 10
		metaBase{name: "aged 55 with hypertension", drug: "upadacitinib", mg: 15, drop: []string{"hcg"},
			add: []res{condition("htn", sct, "59621000", "active")}, pat: res{"birthDate": "1971-01-10"}},
		metaBase{name: "aged 55 with hypertension", drug: "abrocitinib", mg: 100, drop: []string{"hcg"},
			add: []res{condition("htn", sct, "59621000", "active")}, pat: res{"birthDate": "1971-01-10"}},
		metaBase{name: "aged 10", drug: "abrocitinib", mg: 100, pat: res{"birthDate": "2016-06-01"}},
		// 30 mg for a former smoker; 200 mg with a past DVT; 45 mg
		metaBase{name: "30 mg for a former smoker", drug: "upadacitinib", mg: 30, add: []res{obsCode("smoke", "72166-2", "8517006", d)}},
		metaBase{name: "200 mg with a past DVT", drug: "abrocitinib", mg: 200, add: []res{condition("dvt", sct, "128053003", "resolved")}},
		metaBase{name: "upadacitinib 45 mg", drug: "upadacitinib", mg: 45},
		// acceptance_age_test.go: aged 14 weighing 35 kg; no birth date
		metaBase{name: "aged 14 weighing 35 kg", drug: "upadacitinib", mg: 15, pat: res{"birthDate": bornAged(14)},
			add: []res{qty("wt", "29463-7", 35, "kg", "", ago(20))}},
		metaBase{name: "no birth date", drug: "upadacitinib", mg: 15, pat: res{"birthDate": nil}},
		// acceptance_reverse2_test.go: a live vaccine ordered with the JAK order, and on a course
		metaBase{name: "zoster vaccine, live ordered with it", drug: "upadacitinib", mg: 15,
			drafts: []res{drugDraft("vax", cvx, "121", "zoster vaccine, live")}},
		metaBase{name: "upadacitinib course, zoster vaccine live ordered", noJAK: true, rec: func() *record { return cleanRecord().onCourse("upadacitinib") },
			drafts: []res{drugDraft("vax", cvx, "121", "zoster vaccine, live")}},
		metaBase{name: "abrocitinib course, clopidogrel ordered", noJAK: true, rec: func() *record { return coursed("abrocitinib", 20) },
			drafts: []res{drugDraft("clop", rxnorm, "32968", "clopidogrel")}},
		metaBase{name: "upadacitinib course, ketoconazole ordered", noJAK: true, rec: func() *record { return cleanRecord().onCourse("upadacitinib") },
			drafts: []res{drugDraft("keto", rxnorm, "6135", "ketoconazole")}},
		metaBase{name: "upadacitinib course, adalimumab ordered", noJAK: true, rec: func() *record { return cleanRecord().onCourse("upadacitinib") },
			drafts: []res{drugDraft("ada", rxnorm, "327361", "adalimumab")}},
		// acceptance_boundaries_test.go / acceptance_monitoring_test.go: patient-view
		metaBase{name: "abrocitinib 40 days, no labs since", hook: HookPatientView, rec: func() *record { return coursed("abrocitinib", 40) }},
		metaBase{name: "upadacitinib 100 days, no labs since", hook: HookPatientView, rec: func() *record { return coursed("upadacitinib", 100) }},
		metaBase{name: "upadacitinib 60 days, lymphocytes 0.3", hook: HookPatientView,
			rec: func() *record { return onTx("upadacitinib", 60, qty("alc2", "731-0", 0.3, "10*3/uL", "", ago(5))) }},
		metaBase{name: "abrocitinib 60 days, platelets 40k, pneumonia", hook: HookPatientView,
			rec: func() *record {
				return onTx("abrocitinib", 60, qty("plt2", "777-3", 40, "10*3/uL", "", ago(5)))
			}, add: []res{condition("pna", sct, "233604007", "active")}},
		metaBase{name: "upadacitinib course, tofacitinib and pregnancy", hook: HookPatientView,
			rec: func() *record { return cleanRecord().onCourse("upadacitinib") },
			add: []res{medication("tofa", "active", rxnorm, "1357536", "tofacitinib"), condition("preg", sct, "77386006", "active")}},
		// acceptance_contractaudit_test.go: patient-view on an outside (statement-only) course
		metaBase{name: "outside upadacitinib course of 100 days, no labs since", hook: HookPatientView, rec: func() *record {
			r := cleanRecord().labsOn(ago(120))
			r.medications = append(r.medications, courseMed("upa-s", "MedicationStatement", "active", "upadacitinib", 15, 100))
			return r
		}},
		// acceptance_pvevents_test.go: events since the start on patient-view
		metaBase{name: "upadacitinib course, lung cancer and HBsAg positive since the start", hook: HookPatientView,
			rec: func() *record { return cleanRecord().onCourse("upadacitinib") },
			add: []res{with(cond("ca", icd, "C34.90", "active"), "onsetDateTime", ago(14)), obsCode("hbsag", "5196-1", positive, ago(14))}},
		metaBase{name: "upadacitinib course, DVT and positive IGRA since the start", hook: HookPatientView,
			rec: func() *record { return cleanRecord().onCourse("upadacitinib") },
			add: []res{with(cond("dvt", icd, "I82.401", "active"), "onsetDateTime", ago(14)), obsCode("igra", "71773-6", positive, ago(14))}},
		metaBase{name: "upadacitinib course, HCV RNA detected since the start, breastfeeding", hook: HookPatientView,
			rec: func() *record { return cleanRecord().onCourse("upadacitinib") },
			add: []res{obsCode("hcvrna", "11259-9", positive, ago(14)), condition("bf", sct, "866041003", "active")}},
		metaBase{name: "upadacitinib course, active TB, azathioprine, adalimumab", hook: HookPatientView,
			rec: func() *record { return cleanRecord().onCourse("upadacitinib") },
			add: []res{condition("tb", sct, "427099000", "active"), medication("aza", "active", rxnorm, "1256", "azathioprine"),
				medication("ada", "active", rxnorm, "327361", "adalimumab")}},
		// acceptance_conditions2_test.go: encounter diagnoses (no clinical status) on a course
		metaBase{name: "upadacitinib course, pneumonia and breastfeeding as encounter diagnoses", hook: HookPatientView,
			rec: func() *record { return cleanRecord().onCourse("upadacitinib") },
			add: []res{encounterDx("pna", icd, "J18.9", 10), encounterDx("bf", icd, "Z39.1", 30)}},
		// acceptance_pvevents_test.go: an MI since the start, resolved since
		metaBase{name: "abrocitinib course, MI since the start, resolved", hook: HookPatientView,
			rec: func() *record { return cleanRecord().onCourse("abrocitinib") },
			add: []res{with(cond("mi", icd, "I21.4", "resolved"), "onsetDateTime", ago(30))}},
		// acceptance_reverse_test.go: the reverse direction on an abrocitinib course
		metaBase{name: "abrocitinib course, tofacitinib ordered", noJAK: true, rec: func() *record { return cleanRecord().onCourse("abrocitinib") },
			drafts: []res{drugDraft("tofa", rxnorm, "1357536", "tofacitinib")}},
		metaBase{name: "abrocitinib course, azathioprine ordered", noJAK: true, rec: func() *record { return cleanRecord().onCourse("abrocitinib") },
			drafts: []res{drugDraft("aza", rxnorm, "1256", "azathioprine")}},
		metaBase{name: "abrocitinib course, MMR ordered", noJAK: true, rec: func() *record { return cleanRecord().onCourse("abrocitinib") },
			drafts: []res{drugDraft("vax", cvx, "03", "measles, mumps and rubella virus vaccine")}},
		// acceptance_course_test.go: a renewal after an MI since the course start
		metaBase{name: "upadacitinib renewal, MI since the start", drug: "upadacitinib", mg: 15,
			rec: func() *record { return cleanRecord().onCourse("upadacitinib") },
			add: []res{with(condition("mi", sct, "22298006", "active"), "onsetDateTime", ago(10))}},
	)
	return bases
}

// metaContractCodes: every finding code of contract sections 5 and 6.4.
var metaContractCodes = []string{
	"tb-screening-missing", "tb-active", "tb-latent-untreated", "hbv-screening-missing", "hbv-active",
	"hbv-core-antibody-positive", "hcv-screening-missing", "hcv-antibody-positive", "hcv-active", "cbc-missing",
	"lymphopenia", "neutropenia", "anemia", "thrombocytopenia", "liver-enzymes-missing", "lipids-missing",
	"pregnancy-test-missing", "pregnancy", "breastfeeding", "zoster-vaccine-missing", "live-vaccine-recent",
	"serious-infection-active", "severe-hepatic-impairment", "renal-impairment", "combination-jak",
	"combination-biologic", "combination-immunosuppressant", "antiplatelet-abrocitinib", "cyp-interaction",
	"cardiovascular-risk", "mace-history", "smoker", "vte-risk", "malignancy", "lower-dose-recommended",
	"dose-above-label", "age-not-approved", "no-prior-systemic-therapy", "monitoring-cbc-due",
	"monitoring-liver-due", "monitoring-lipids-due", "cyp2c19-poor-metabolizer", "weight-below-label",
	"pgp-substrate", "live-vaccine-ordered", "age-unknown",
}

// metaRunner posts requests through the handler, one test server per clock.
type metaRunner struct {
	servers map[time.Time]*testServer
}

func newMetaRunner() *metaRunner { return &metaRunner{servers: map[time.Time]*testServer{}} }

func (m *metaRunner) post(t *testing.T, now time.Time, req res, service string) []cards.Card {
	t.Helper()
	s := m.servers[now]
	if s == nil {
		s = newTestServer(t, serverOpts{noStore: true})
		s.now = func() time.Time { return now }
		m.servers[now] = s
	}
	b, err := json.Marshal(req)
	require.NoError(t, err)
	if h, ok := req["hook"].(string); ok {
		service = h // a relation may change the hook
	}
	rec := s.do(t, "POST", "/cds-services/"+service, b)
	require.Equal(t, 200, rec.Code, rec.Body.String())
	return checkResponse(t, rec.Body.Bytes())
}

func (b metaBase) service() string { return call{hook: b.hook}.service() }

// metaSigs are the cards as the contract fixes them: findings (sorted),
// indicator and summary, in a sorted list.
func metaSigs(cs []cards.Card, mask func(string) string) []string {
	var out []string
	for _, c := range cs {
		f := append([]string(nil), c.Findings()...)
		sort.Strings(f)
		s := c.Summary
		if mask != nil {
			s = mask(s)
		}
		out = append(out, fmt.Sprintf("%s | %s | %s", strings.Join(f, ","), c.Indicator, s))
	}
	sort.Strings(out)
	return out
}

// metaLevels maps each finding code to its card's indicator (the highest,
// when several orders each have a card with it).
func metaLevels(cs []cards.Card) map[string]string {
	out := map[string]string{}
	for _, c := range cs {
		for _, f := range c.Findings() {
			if metaRank[string(c.Indicator)] > metaRank[out[f]] {
				out[f] = string(c.Indicator)
			}
		}
	}
	return out
}

var metaRank = map[string]int{"info": 1, "warning": 2, "critical": 3}

// metaWalk calls f on every JSON object in v, children first.
func metaWalk(v any, f func(m res)) {
	switch x := v.(type) {
	case res:
		for _, c := range x {
			metaWalk(c, f)
		}
		f(x)
	case []any:
		for _, c := range x {
			metaWalk(c, f)
		}
	}
}

// metaBundles returns the request's Bundles: every prefetch Bundle and the
// draftOrders, with which of them it is.
func metaBundles(req res) map[string]res {
	out := map[string]res{}
	if pf, ok := req["prefetch"].(res); ok {
		for k, v := range pf {
			if b, ok := v.(res); ok && b["resourceType"] == "Bundle" {
				out[k] = b
			}
		}
	}
	if ctx, ok := req["context"].(res); ok {
		if b, ok := ctx["draftOrders"].(res); ok {
			out["draftOrders"] = b
		}
	}
	return out
}

func metaEntries(b res) []any {
	e, _ := b["entry"].([]any)
	return e
}

// metaResources calls f on every resource of the request: the patient,
// each prefetch entry and each draft order.
func metaResources(req res, f func(key string, r res)) {
	if pf, ok := req["prefetch"].(res); ok {
		if p, ok := pf["patient"].(res); ok {
			f("patient", p)
		}
	}
	for k, b := range metaBundles(req) {
		for _, e := range metaEntries(b) {
			if r, ok := e.(res)["resource"].(res); ok {
				f(k, r)
			}
		}
	}
}

// metaRelation transforms a request; ok false when it does not apply.
type metaRelation struct {
	name string
	f    func(req res) bool
}

var (
	metaDateOnly = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	metaDateAny  = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2})(T.*)?$`)
)

// metaDateFields are the dateTime members of the resources the bases send
// (birthDate is a FHIR date and stays one).
var metaDateFields = map[string]bool{"effectiveDateTime": true, "authoredOn": true, "occurrenceDateTime": true,
	"onsetDateTime": true, "recordedDate": true, "dateAsserted": true, "abatementDateTime": true, "issued": false}

// metaEquivalences: relation 1, the same data in another R4 encoding.
func metaEquivalences() []metaRelation {
	const local = "http://hospital.example.org/fhir/CodeSystem/local"
	const base = "https://fhir.example.org/r4/"
	uuidN := 0
	uuid := func() string {
		uuidN++
		return fmt.Sprintf("urn:uuid:7d1c2a34-5b6e-4f70-8a9b-%012d", uuidN)
	}
	// medAs moves every medicationCodeableConcept into a Medication,
	// placed by place and referenced as it returns.
	medAs := func(place func(req res, bundleKey string, r res, m res) string) func(req res) bool {
		return func(req res) bool {
			n := 0
			metaResources(req, func(key string, r res) {
				if r["resourceType"] != "MedicationRequest" && r["resourceType"] != "MedicationStatement" {
					return
				}
				cc, ok := r["medicationCodeableConcept"].(res)
				if !ok {
					return
				}
				m := res{"resourceType": "Medication", "id": fmt.Sprint(r["id"], "-med"), "code": cc}
				delete(r, "medicationCodeableConcept")
				r["medicationReference"] = res{"reference": place(req, key, r, m)}
				n++
			})
			return n > 0
		}
	}
	inBundle := func(ref func(m res) (fullURL, reference string)) func(req res, key string, r, m res) string {
		return func(req res, key string, r, m res) string {
			// Record medications go to the medications Bundle (a search
			// with _include=MedicationRequest:medication), drafts to the
			// draftOrders Bundle.
			target := "medications"
			if key == "draftOrders" {
				target = "draftOrders"
			}
			b := metaBundles(req)[target]
			full, reference := ref(m)
			e := res{"resource": m}
			if full != "" {
				e["fullUrl"] = full
			}
			if target == "medications" {
				e["search"] = res{"mode": "include"}
			}
			b["entry"] = append(metaEntries(b), e)
			return reference
		}
	}
	return []metaRelation{
		{"Bundle entries in reverse order", func(req res) bool {
			for _, b := range metaBundles(req) {
				e := metaEntries(b)
				for i, j := 0, len(e)-1; i < j; i, j = i+1, j-1 {
					e[i], e[j] = e[j], e[i]
				}
			}
			return true
		}},
		{"Bundle entries rotated by one", func(req res) bool {
			for k, b := range metaBundles(req) {
				if e := metaEntries(b); len(e) > 1 && k != "draftOrders" {
					b["entry"] = append(e[1:], e[0])
				}
			}
			return true
		}},
		{"every prefetch entry repeated identically", func(req res) bool {
			for k, b := range metaBundles(req) {
				if k == "draftOrders" {
					continue
				}
				var out []any
				for _, e := range metaEntries(b) {
					out = append(out, e, metaCopy(e.(res)))
				}
				if out != nil {
					b["entry"] = out
				}
			}
			return true
		}},
		{"a local coding in front of every coding", func(req res) bool {
			metaResources(req, func(_ string, r res) {
				metaWalk(r, func(m res) {
					if c, ok := m["coding"].([]any); ok && len(c) > 0 {
						m["coding"] = append([]any{res{"system": local, "code": "L-40117"}}, c...)
					}
				})
			})
			return true
		}},
		{"a local coding after every coding", func(req res) bool {
			metaResources(req, func(_ string, r res) {
				metaWalk(r, func(m res) {
					if c, ok := m["coding"].([]any); ok && len(c) > 0 {
						m["coding"] = append(c, res{"system": local, "code": "L-40117", "display": "local"})
					}
				})
			})
			return true
		}},
		{"Quantities with their unit as text only", func(req res) bool {
			n := 0
			metaResources(req, func(_ string, r res) {
				metaWalk(r, func(m res) {
					if _, ok := m["value"].(float64); !ok || m["system"] != "http://unitsofmeasure.org" {
						return
					}
					if _, ok := m["unit"]; !ok {
						m["unit"] = m["code"]
					}
					delete(m, "system")
					delete(m, "code")
					n++
				})
			})
			return n > 0
		}},
		{"dates as dateTimes with a zone, same day (+01:00)", dateTimes("T09:00:00+01:00")},
		{"dates as dateTimes with a zone, same day (-05:00)", dateTimes("T06:15:00-05:00")},
		{"dates as dateTimes in UTC, same day", dateTimes("T00:00:00Z")},
		{"dates as dateTimes late in the day west of UTC (-05:00)", dateTimes("T21:30:00-05:00")},
		{"Quantities with their UCUM code only, no unit text", func(req res) bool {
			n := 0
			metaResources(req, func(_ string, r res) {
				metaWalk(r, func(m res) {
					if _, ok := m["value"].(float64); ok && m["system"] == "http://unitsofmeasure.org" && m["code"] != nil {
						delete(m, "unit")
						n++
					}
				})
			})
			return n > 0
		}},
		{"entries with fullUrl and search mode match", func(req res) bool {
			for k, b := range metaBundles(req) {
				for _, e := range metaEntries(b) {
					r, _ := e.(res)["resource"].(res)
					if r == nil {
						continue
					}
					e.(res)["fullUrl"] = base + fmt.Sprint(r["resourceType"], "/", r["id"])
					if k != "draftOrders" {
						e.(res)["search"] = res{"mode": "match"}
					}
				}
			}
			return true
		}},
		{"order-select with every draft selected", func(req res) bool {
			if req["hook"] != HookOrderSign {
				return false
			}
			req["hook"] = HookOrderSelect
			var sel []any
			metaResources(req, func(key string, r res) {
				if key == "draftOrders" {
					sel = append(sel, fmt.Sprint(r["resourceType"], "/", r["id"]))
				}
			})
			req["context"].(res)["selections"] = sel
			return true
		}},
		{"an unrelated draft order in the session (emollient)", func(req res) bool {
			b := metaBundles(req)["draftOrders"]
			if b == nil || req["hook"] == HookPatientView {
				return false
			}
			b["entry"] = append(metaEntries(b), res{"resource": drugDraft("emol", "", "", "Emollient cream, apply twice daily")})
			return true
		}},
		{"the JAK draft dosed in mg, not in tablets", func(req res) bool {
			n := 0
			metaResources(req, func(key string, r res) {
				if key != "draftOrders" || r["id"] != "new" {
					return
				}
				txt, _ := dig(r, "medicationCodeableConcept", "text").(string)
				var mg float64
				if _, err := fmt.Sscanf(strings.Fields(txt)[1], "%g", &mg); err != nil {
					return
				}
				di := r["dosageInstruction"].([]any)[0].(res)
				di["doseAndRate"] = []any{res{"doseQuantity": res{"value": mg, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"}}}
				n++
			})
			return n > 0
		}},
		{"the JAK draft's strength in a contained Medication's ingredient", func(req res) bool {
			n := 0
			metaResources(req, func(key string, r res) {
				if key != "draftOrders" || r["id"] != "new" {
					return
				}
				cc := r["medicationCodeableConcept"].(res)
				txt := cc["text"].(string)
				var mg float64
				if _, err := fmt.Sscanf(strings.Fields(txt)[1], "%g", &mg); err != nil {
					return
				}
				drug := strings.Fields(txt)[0]
				code := dig(cc, "coding", 0, "code")
				m := res{"resourceType": "Medication", "id": "jak", "code": res{"coding": []any{res{"system": rxnorm, "code": code}}, "text": drug},
					"ingredient": []any{res{"itemCodeableConcept": res{"coding": []any{res{"system": rxnorm, "code": code}}, "text": drug},
						"strength": res{"numerator": res{"value": mg, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"},
							"denominator": res{"value": 1, "unit": "tablet", "system": "http://unitsofmeasure.org", "code": "{tablet}"}}}}}
				delete(r, "medicationCodeableConcept")
				r["contained"] = []any{m}
				r["medicationReference"] = res{"reference": "#jak"}
				n++
			})
			return n > 0
		}},
		{"the JAK draft's dose in its dosage text only", func(req res) bool {
			n := 0
			metaResources(req, func(key string, r res) {
				if key != "draftOrders" || r["id"] != "new" {
					return
				}
				txt, _ := dig(r, "medicationCodeableConcept", "text").(string)
				mg := strings.Fields(txt)[1]
				r["dosageInstruction"] = []any{res{"text": "Take 1 tablet (" + mg + " mg) by mouth once daily"}}
				n++
			})
			return n > 0
		}},
		{"the JAK draft's timing as the code QD", func(req res) bool {
			n := 0
			metaResources(req, func(key string, r res) {
				if key != "draftOrders" || r["id"] != "new" {
					return
				}
				di := r["dosageInstruction"].([]any)[0].(res)
				di["timing"] = res{"code": coding("http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation", "QD")}
				n++
			})
			return n > 0
		}},
		{"codings with a version and userSelected", func(req res) bool {
			metaResources(req, func(_ string, r res) {
				metaWalk(r, func(m res) {
					if c, ok := m["coding"].([]any); ok {
						for _, x := range c {
							if cd, ok := x.(res); ok {
								cd["version"], cd["userSelected"] = "2026-09", true
							}
						}
					}
				})
			})
			return true
		}},
		{"record orders dated by validityPeriod.start, not authoredOn", func(req res) bool {
			n := 0
			metaResources(req, func(key string, r res) {
				if v, ok := r["authoredOn"].(string); ok && key != "draftOrders" && r["resourceType"] == "MedicationRequest" {
					delete(r, "authoredOn")
					r["dispenseRequest"] = res{"validityPeriod": res{"start": v}}
					n++
				}
			})
			return n > 0
		}},
		{"MedicationStatement effectiveDateTime as effectivePeriod.start", func(req res) bool {
			n := 0
			metaResources(req, func(_ string, r res) {
				if v, ok := r["effectiveDateTime"].(string); ok && r["resourceType"] == "MedicationStatement" {
					delete(r, "effectiveDateTime")
					r["effectivePeriod"] = res{"start": v}
					n++
				}
			})
			return n > 0
		}},
		{"Condition onsetDateTime as onsetPeriod.start", func(req res) bool {
			n := 0
			metaResources(req, func(_ string, r res) {
				if v, ok := r["onsetDateTime"].(string); ok && r["resourceType"] == "Condition" {
					delete(r, "onsetDateTime")
					r["onsetPeriod"] = res{"start": v}
					n++
				}
			})
			return n > 0
		}},
		{"Immunization occurrenceDateTime with recorded the same day", func(req res) bool {
			n := 0
			metaResources(req, func(_ string, r res) {
				if v, ok := r["occurrenceDateTime"].(string); ok && r["resourceType"] == "Immunization" {
					r["recorded"] = v
					r["primarySource"] = true
					n++
				}
			})
			return n > 0
		}},
		{"Conditions confirmed (verificationStatus)", func(req res) bool {
			n := 0
			metaResources(req, func(_ string, r res) {
				if r["resourceType"] == "Condition" && r["verificationStatus"] == nil {
					r["verificationStatus"] = coding("http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed")
					n++
				}
			})
			return n > 0
		}},
		{"Observations amended", obsStatus("amended")},
		{"Observations corrected", obsStatus("corrected")},
		{"Observations issued the next day", func(req res) bool {
			n := 0
			metaResources(req, func(_ string, r res) {
				v, ok := r["effectiveDateTime"].(string)
				if !ok || r["resourceType"] != "Observation" {
					return
				}
				d, err := time.Parse("2006-01-02", v)
				if err != nil || !d.Before(testNow.AddDate(0, 0, -1)) {
					return
				}
				r["issued"] = d.AddDate(0, 0, 1).Format("2006-01-02") + "T08:00:00Z"
				n++
			})
			return n > 0
		}},
		{"record orders with intent original-order", intent("original-order")},
		{"record orders with intent instance-order", intent("instance-order")},
		{"record orders with intent filler-order", intent("filler-order")},
		{"meta, narrative and extensions on every resource", func(req res) bool {
			metaResources(req, func(_ string, r res) {
				r["meta"] = res{"lastUpdated": "2026-11-28T10:00:00Z", "profile": []any{"http://hl7.org/fhir/us/core/StructureDefinition/us-core-" + strings.ToLower(fmt.Sprint(r["resourceType"]))}}
				r["text"] = res{"status": "generated", "div": `<div xmlns="http://www.w3.org/1999/xhtml">Generated narrative</div>`}
				r["extension"] = []any{res{"url": "http://hospital.example.org/fhir/StructureDefinition/source", "valueString": "interface-7"}}
			})
			return true
		}},
		{"the Patient with name, identifier, address and race", func(req res) bool {
			p, ok := req["prefetch"].(res)["patient"].(res)
			if !ok {
				return false
			}
			p["name"] = []any{res{"family": "Doe", "given": []any{"Jane"}}}
			p["identifier"] = []any{res{"system": "http://hospital.example.org/mrn", "value": "MRN-0001"}}
			p["address"] = []any{res{"city": "Springfield", "country": "US"}}
			p["active"] = true
			return true
		}},
		{"record MedicationRequests as the same MedicationStatements", func(req res) bool {
			pf := req["prefetch"].(res)
			meds, stmts := metaBundles(req)["medications"], metaBundles(req)["medicationStatements"]
			if meds == nil || stmts == nil {
				return false
			}
			var keep []any
			n := 0
			for _, e := range metaEntries(meds) {
				r := e.(res)["resource"].(res)
				st := map[string]string{"active": "active", "completed": "completed", "stopped": "stopped", "on-hold": "on-hold"}[fmt.Sprint(r["status"])]
				if r["resourceType"] != "MedicationRequest" || st == "" || r["dispenseRequest"] != nil || r["dosageInstruction"] != nil && st != "active" {
					keep = append(keep, e)
					continue
				}
				s := res{"resourceType": "MedicationStatement", "id": r["id"], "status": st, "medicationCodeableConcept": r["medicationCodeableConcept"]}
				if v, ok := r["authoredOn"]; ok {
					s["effectiveDateTime"] = v
				}
				if v, ok := r["dosageInstruction"]; ok {
					s["dosage"] = v
				}
				stmts["entry"] = append(metaEntries(stmts), res{"resource": s})
				n++
			}
			meds["entry"] = keep
			if keep == nil {
				meds["entry"] = []any{}
			}
			_ = pf
			return n > 0
		}},
		{"every current record order also on the outside medication list", func(req res) bool {
			meds, stmts := metaBundles(req)["medications"], metaBundles(req)["medicationStatements"]
			if meds == nil || stmts == nil {
				return false
			}
			n := 0
			for _, e := range metaEntries(meds) {
				r := e.(res)["resource"].(res)
				if r["resourceType"] != "MedicationRequest" || r["status"] != "active" {
					continue
				}
				s := res{"resourceType": "MedicationStatement", "id": fmt.Sprint(r["id"], "-s"), "status": "active",
					"medicationCodeableConcept": r["medicationCodeableConcept"], "effectiveDateTime": r["authoredOn"]}
				if v, ok := r["dosageInstruction"]; ok {
					s["dosage"] = v
				}
				stmts["entry"] = append(metaEntries(stmts), res{"resource": s})
				n++
			}
			return n > 0
		}},
		{"draft orders with status active", func(req res) bool {
			n := 0
			metaResources(req, func(key string, r res) {
				if key == "draftOrders" {
					r["status"] = "active"
					n++
				}
			})
			return n > 0
		}},
		{"record medications by name only (codings dropped)", medsByName(false, "coding")},
		{"record medications by a coding's display only", medsByName(false, "display")},
		{"draft orders by name only (codings dropped)", medsByName(true, "coding")},
		{"vaccines by their CVX description only", func(req res) bool {
			names := map[string]string{"03": "measles, mumps and rubella virus vaccine", "187": "zoster vaccine recombinant",
				"121": "zoster vaccine, live"}
			n := 0
			metaResources(req, func(_ string, r res) {
				for _, k := range []string{"vaccineCode", "medicationCodeableConcept"} {
					c, ok := r[k].(res)
					if !ok {
						continue
					}
					if cd, ok := dig(c, "coding", 0).(res); ok && cd["system"] == cvx && names[fmt.Sprint(cd["code"])] != "" {
						r[k] = res{"text": names[fmt.Sprint(cd["code"])]}
						n++
					}
				}
			})
			return n > 0
		}},
		{"Observation effectiveDateTime as an effectivePeriod", func(req res) bool {
			n := 0
			metaResources(req, func(_ string, r res) {
				if v, ok := r["effectiveDateTime"].(string); ok && r["resourceType"] == "Observation" {
					delete(r, "effectiveDateTime")
					r["effectivePeriod"] = res{"start": v, "end": v}
					n++
				}
			})
			return n > 0
		}},
		{"medication as a contained Medication", medAs(func(_ res, _ string, r, m res) string {
			r["contained"] = []any{m}
			return "#" + m["id"].(string)
		})},
		{"medication as a bundled Medication, relative reference", medAs(inBundle(func(m res) (string, string) {
			return base + "Medication/" + m["id"].(string), "Medication/" + m["id"].(string)
		}))},
		{"medication as a bundled Medication, absolute reference", medAs(inBundle(func(m res) (string, string) {
			u := base + "Medication/" + m["id"].(string)
			return u, u
		}))},
		{"medication as a bundled Medication, urn:uuid reference", medAs(inBundle(func(m res) (string, string) {
			u := uuid()
			return u, u
		}))},
		{"subject references relative, on every resource", subjects(func(string) string { return "Patient/p1" })},
		{"subject references absolute, on every resource", subjects(func(string) string { return base + "Patient/p1" })},
		{"draft subjects as urn:uuid of the patient entry", func(req res) bool {
			n := 0
			metaResources(req, func(key string, r res) {
				if key == "draftOrders" {
					r["subject"] = res{"reference": "urn:uuid:0d6e3f0a-8f0e-4b7b-9a57-2c1c5d0e9f11"}
					n++
				}
			})
			return n > 0
		}},
	}
}

// metaRecode: the same concept under another code of the value set the
// rule reads (clinical-knowledge.md sections 1 to 3), as another EHR codes
// it. Conditions move from SNOMED CT to ICD-10-CM; results to another
// LOINC of the same analyte; answers to their synonym; drug ingredients to
// a product (SCD) of the ingredient.
type metaRecode struct {
	name string
	to   map[string][2]string // code -> system, code
}

func metaRecodes() []metaRecode {
	return []metaRecode{
		{"conditions in ICD-10-CM instead of SNOMED CT", map[string][2]string{
			"427099000": {icd, "A15.0"}, "77386006": {icd, "Z33.1"}, "866041003": {icd, "Z39.1"},
			"233604007": {icd, "J18.9"}, "19943007": {icd, "K74.60"}, "59927004": {icd, "K72.90"},
			"22298006": {icd, "I21.9"}, "128053003": {icd, "I82.409"}, "363346000": {icd, "C34.90"},
			"59621000": {icd, "I10"}, "24079001": {icd, "L20.9"}}},
		{"results under another LOINC of the same analyte", map[string][2]string{
			"731-0": {loinc, "26474-7"}, "751-8": {loinc, "26499-4"}, "718-7": {loinc, "20509-6"},
			"777-3": {loinc, "26515-7"}, "5196-1": {loinc, "5195-3"}, "13955-0": {loinc, "16128-1"},
			"16933-4": {loinc, "13952-7"}, "13457-7": {loinc, "18262-6"}, "98979-8": {loinc, "62238-1"},
			"2106-3": {loinc, "2118-8"}, "1742-6": {loinc, "1920-8"}}},
		{"answers as Detected / Not detected", map[string][2]string{
			positive: {sct, "260373001"}, negative: {sct, "260415000"}}},
		{"answers as Reactive / Non-reactive", map[string][2]string{
			positive: {sct, "11214006"}, negative: {sct, "131194007"}, "260373001": {sct, "11214006"}}},
		{"drug ingredients as products (SCD)", map[string][2]string{
			"32968": {rxnorm, "309362"}, "1357536": {rxnorm, "2048566"}, "327361": {rxnorm, "727703"},
			"212033": {rxnorm, "198467"}}},
	}
}

// apply recodes every coding of the prefetch resources whose code it maps.
func (rc metaRecode) apply(req res) bool {
	n := 0
	metaResources(req, func(key string, r res) {
		if key == "draftOrders" {
			return
		}
		metaWalk(r, func(m res) {
			if c, ok := m["coding"].([]any); ok {
				for _, x := range c {
					cd, ok := x.(res)
					if !ok {
						continue
					}
					if to, ok := rc.to[fmt.Sprint(cd["code"])]; ok {
						cd["system"], cd["code"] = to[0], to[1]
						delete(cd, "display")
						n++
					}
				}
			}
		})
	})
	return n > 0
}

// metaUnitScale: a count or hemoglobin in another unit of contract 5 and
// 6.5, the same amount.
var metaUnitScale = map[string]struct {
	to     string
	factor float64
}{
	"10*3/uL": {"/uL", 1000}, "10*9/L": {"cells/uL", 1000}, "/uL": {"10*9/L", 0.001},
	"g/L": {"g/dL", 0.1}, "g/dL": {"g/L", 10},
}

func metaRescale(req res) bool {
	n := 0
	metaResources(req, func(_ string, r res) {
		if r["resourceType"] != "Observation" {
			return
		}
		q, ok := r["valueQuantity"].(res)
		if !ok {
			return
		}
		sc, ok := metaUnitScale[fmt.Sprint(q["code"])]
		if !ok {
			return
		}
		v := q["value"].(float64) * sc.factor
		q["value"] = math.Round(v*1e6) / 1e6
		q["code"], q["unit"] = sc.to, sc.to
		n++
	})
	return n > 0
}

// medsByName leaves each medication (drafts, or the record's) with its
// name only: as text (how "coding"), or as a coding's display (how
// "display"). Contract 6.5: drugs are recognised by text for every value set.
func medsByName(drafts bool, how string) func(req res) bool {
	return func(req res) bool {
		n := 0
		metaResources(req, func(key string, r res) {
			if (key == "draftOrders") != drafts {
				return
			}
			c, ok := r["medicationCodeableConcept"].(res)
			if !ok || c["coding"] == nil || c["text"] == nil {
				return
			}
			if how == "coding" {
				delete(c, "coding")
			} else {
				c["coding"] = []any{res{"display": c["text"]}}
				delete(c, "text")
			}
			n++
		})
		return n > 0
	}
}

// obsStatus gives every Observation the status.
func obsStatus(status string) func(req res) bool {
	return func(req res) bool {
		n := 0
		metaResources(req, func(_ string, r res) {
			if r["resourceType"] == "Observation" {
				r["status"] = status
				n++
			}
		})
		return n > 0
	}
}

// intent gives every record MedicationRequest the intent.
func intent(in string) func(req res) bool {
	return func(req res) bool {
		n := 0
		metaResources(req, func(key string, r res) {
			if key != "draftOrders" && r["resourceType"] == "MedicationRequest" {
				r["intent"] = in
				n++
			}
		})
		return n > 0
	}
}

// dateTimes writes every date-only dateTime member with the time suffix.
func dateTimes(suffix string) func(req res) bool {
	return func(req res) bool {
		n := 0
		metaResources(req, func(_ string, r res) {
			metaWalk(r, func(m res) {
				for k, v := range m {
					s, ok := v.(string)
					if !ok || !metaDateOnly.MatchString(s) {
						continue
					}
					if metaDateFields[k] || k == "start" || k == "end" {
						m[k] = s + suffix
						n++
					}
				}
			})
		})
		return n > 0
	}
}

// subjects gives every prefetch resource and draft a subject (Immunization:
// patient) referencing the context patient as ref writes it.
func subjects(ref func(string) string) func(req res) bool {
	return func(req res) bool {
		metaResources(req, func(key string, r res) {
			switch r["resourceType"] {
			case "Patient", "Medication":
			case "Immunization":
				r["patient"] = res{"reference": ref("p1")}
			default:
				r["subject"] = res{"reference": ref("p1")}
			}
		})
		return true
	}
}

// TestAcceptanceMetarevBasesCoverTheContract: every finding code of the
// contract is reported by at least one base, and every base warns.
func TestAcceptanceMetarevBasesCoverTheContract(t *testing.T) {
	m := newMetaRunner()
	seen := map[string]bool{}
	for _, b := range metaBases() {
		cs := m.post(t, testNow, b.request(t), b.service())
		assert.NotEmpty(t, cs, "base %q gives a finding", b.name)
		for code := range metaLevels(cs) {
			seen[code] = true
		}
	}
	for _, code := range metaContractCodes {
		assert.True(t, seen[code], "no base reports %s", code)
	}
}

// TestAcceptanceMetarevEquivalentEncodings: relation 1.
func TestAcceptanceMetarevEquivalentEncodings(t *testing.T) {
	m := newMetaRunner()
	applied := map[string]int{}
	defer func() {
		for _, rel := range metaEquivalences() {
			assert.NotZero(t, applied[rel.name], "relation %q applied to no base", rel.name)
		}
	}()
	for _, b := range metaBases() {
		want := metaSigs(m.post(t, testNow, b.request(t), b.service()), nil)
		for _, rel := range metaEquivalences() {
			req := b.request(t)
			if !rel.f(req) {
				continue
			}
			applied[rel.name]++
			if testing.Verbose() && applied[rel.name] == 1 {
				t.Logf("applies: %s", rel.name)
			}
			got := metaSigs(m.post(t, testNow, req, b.service()), nil)
			assert.Equal(t, want, got, "%s (%s %d mg): %s", b.name, b.drug, b.mg, rel.name)
		}
	}
}

// metaUnrelated: relation 2, data no rule reads (the knowledge base lists
// these codes; docs/rules.md section 4 names them as read by no rule, or
// they are of types no rule reads).
func metaUnrelated() []metaRelation {
	addTo := func(key string, rs ...res) func(req res) bool {
		return func(req res) bool {
			b := metaBundles(req)[key]
			if b == nil {
				return false
			}
			for _, r := range rs {
				b["entry"] = append(metaEntries(b), res{"resource": metaCopy(r)})
			}
			return true
		}
	}
	d := ago(3)
	return []metaRelation{
		{"an HIV condition", addTo("conditions", condition("hiv", sct, hivSCT, "active"))},
		{"atopic dermatitis coded in ICD-10-CM too", addTo("conditions", condition("ad2", icd, "L20.9", "active"))},
		{"a serum creatinine, a leukocyte count and an HBsAb today", addTo("observations",
			obsQty("crea", "2160-0", 0.9, "mg/dL", d), obsQty("wbc", "6690-2", 6.1, "10*3/uL", d),
			obsCode("hbsab", "22322-2", positive, d))},
		// Order time only: on a course, HDL and triglycerides are lipid
		// results for monitoring-lipids-due (rules.md 3, "no lipid result
		// since the start"; the lipids value set), data the rule reads.
		{"an HDL and a triglyceride beside the LDL (order time)", func(req res) bool {
			if req["hook"] == HookPatientView {
				return false
			}
			return addTo("observations", obsQty("hdl", "2085-9", 55, "mg/dL", d), obsQty("tg", "2571-8", 120, "mg/dL", d))(req)
		}},
		{"a tuberculin skin test placed (CVX 96)", addTo("immunizations", immunization("tst", tstPlacedCVX, d))},
		{"an Encounter and a Procedure included in the conditions search", addTo("conditions",
			res{"resourceType": "Encounter", "id": "enc", "status": "finished", "class": res{"code": "AMB"}},
			res{"resourceType": "Procedure", "id": "proc", "status": "completed", "code": res{"text": "Skin biopsy"}})},
		{"other medications (emollient, vitamin D) by name", addTo("medications",
			med("emol", "active", "", "", "Emollient cream, apply twice daily", 40),
			med("vitd", "active", "", "", "Cholecalciferol 1000 unit oral tablet", 200))},
		{"an outside medication (vitamin D)", addTo("medicationStatements",
			stmt("vitd-s", "active", "", "", "Cholecalciferol 1000 unit oral tablet", 200))},
	}
}

// TestAcceptanceMetarevRecoded: relation 1, the same concept in another
// code of its value set, or a count in another unit: the same findings at
// the same levels (summaries may quote the value as sent).
func TestAcceptanceMetarevRecoded(t *testing.T) {
	m := newMetaRunner()
	for _, b := range metaBases() {
		cs := m.post(t, testNow, b.request(t), b.service())
		want, wantSigs := metaLevels(cs), metaSigs(cs, nil)
		for _, rc := range metaRecodes() {
			req := b.request(t)
			if !rc.apply(req) {
				continue
			}
			got := m.post(t, testNow, req, b.service())
			assert.Equal(t, want, metaLevels(got), "%s (%s %d mg): %s", b.name, b.drug, b.mg, rc.name)
			assert.Equal(t, wantSigs, metaSigs(got, nil), "%s (%s %d mg): %s", b.name, b.drug, b.mg, rc.name)
		}
		req := b.request(t)
		if metaRescale(req) {
			assert.Equal(t, want, metaLevels(m.post(t, testNow, req, b.service())), "%s (%s %d mg): counts in another unit", b.name, b.drug, b.mg)
		}
	}
}

// TestAcceptanceMetarevUnrelatedData: relation 2.
func TestAcceptanceMetarevUnrelatedData(t *testing.T) {
	m := newMetaRunner()
	for _, b := range metaBases() {
		want := metaSigs(m.post(t, testNow, b.request(t), b.service()), nil)
		for _, rel := range metaUnrelated() {
			req := b.request(t)
			if !rel.f(req) {
				continue
			}
			got := metaSigs(m.post(t, testNow, req, b.service()), nil)
			assert.Equal(t, want, got, "%s (%s %d mg): %s", b.name, b.drug, b.mg, rel.name)
		}
	}
}

// metaSuppressed says why a finding of one scenario may be missing once a
// second risk is added: the rules let one finding speak for another
// (docs/rules.md sections 1 and 2). Each entry: the finding that goes, the
// finding that then speaks, and where the rules say so.
var metaSuppressed = []struct{ gone, by, why string }{
	{"tb-screening-missing", "tb-latent-untreated", "contract 6.4: a known positive is not re-tested"},
	{"tb-screening-missing", "tb-active", "rules.md 2: no TB test is asked of active TB"},
	{"tb-latent-untreated", "tb-active", "rules.md 2: not beside tb-active (active TB is not latent)"},
	{"pregnancy-test-missing", "pregnancy", "contract 5: not known pregnant"},
	{"hbv-core-antibody-positive", "hbv-active", "rules.md 2: HBsAg not positive, not hbv-active"},
	{"hcv-antibody-positive", "hcv-active", "rules.md 2: no RNA from its day on"},
}

// metaDataSpeaks: a second base whose data answers the first's finding
// (it is not a second risk but the missing fact).
var metaDataSpeaks = []struct{ gone, other, why string }{
	// rules.md 4: rifampin (4 months is a latent-TB regimen) is in the
	// tb-treatment set, so latent TB on rifampin is treated.
	{"tb-latent-untreated", "rifampin", "rules.md 4: rifampin is TB treatment"},
	// contract 5: azathioprine is an earlier systemic AD therapy.
	{"no-prior-systemic-therapy", "azathioprine active", "contract 5: azathioprine is prior systemic therapy"},
	// contract 5: monitoring-cbc-due is "no CBC since the start (a CBC
	// panel or any of its counts)": a count measured since the start is
	// the check, and its own threshold speaks.
	{"monitoring-cbc-due", "lymphocytes 0.4 x10^9/L", "contract 5: any CBC count is the check"},
	{"monitoring-cbc-due", "neutrophils 800/uL", "contract 5: any CBC count is the check"},
	{"monitoring-cbc-due", "hemoglobin 75 g/L", "contract 5: any CBC count is the check"},
	{"monitoring-cbc-due", "platelets 120k", "contract 5: any CBC count is the check"},
}

func metaDataAnswers(gone, otherBase string) bool {
	for _, s := range metaDataSpeaks {
		if s.gone == gone && s.other == otherBase {
			return true
		}
	}
	return false
}

func metaMayGo(gone string, now map[string]string) (string, bool) {
	for _, s := range metaSuppressed {
		if s.gone == gone && now[s.by] != "" {
			return s.why, true
		}
	}
	return "", false
}

// metaCheckKept: every finding of before is in after, at the same level
// or higher, unless a finding of after speaks for it.
func metaCheckKept(t *testing.T, before, after map[string]string, what string, allowed ...string) {
	t.Helper()
	for code, level := range before {
		if slicesContains(allowed, code) {
			continue
		}
		got, ok := after[code]
		if !ok {
			if _, may := metaMayGo(code, after); may {
				continue
			}
			t.Errorf("%s: %s (%s) is gone; after: %v", what, code, level, after)
			continue
		}
		if metaRank[got] < metaRank[level] {
			t.Errorf("%s: %s fell from %s to %s", what, code, level, got)
		}
	}
}

// metaCombinable: two order-time bases of one drug and dose whose changes
// do not touch the same resources or patient members.
func metaCombinable(a, b metaBase) bool {
	if a.hook != "" || b.hook != "" || a.rec != nil || b.rec != nil || a.noJAK || b.noJAK ||
		a.drug != b.drug || a.mg != b.mg || len(a.drafts)+len(b.drafts) > 0 {
		return false
	}
	ids := map[string]bool{}
	for _, id := range a.drop {
		ids[id] = true
	}
	for _, x := range a.add {
		ids[x["id"].(string)] = true
	}
	for _, id := range b.drop {
		if ids[id] {
			return false
		}
	}
	for _, x := range b.add {
		if ids[x["id"].(string)] {
			return false
		}
	}
	for k := range a.pat {
		if _, ok := b.pat[k]; ok {
			return false
		}
	}
	return true
}

func metaCombine(a, b metaBase) metaBase {
	return a.with(a.name+" + "+b.name, func(c *metaBase) {
		c.drop = append(c.drop, b.drop...)
		c.add = append(c.add, b.add...)
		for k, v := range b.pat {
			c.pat[k] = v
		}
	})
}

// metaAgeLimited: findings that hold only within an age band, so that a
// second base setting the age (aged 10, aged 14) may end them (contract 5
// and 6.4: pregnancy test 12 to 50, zoster from 18, cardiovascular risk
// from 50; docs/rules.md 1 "Ages, sex and weight").
var metaAgeLimited = []string{"pregnancy-test-missing", "zoster-vaccine-missing", "cardiovascular-risk"}

// TestAcceptanceMetarevSecondRisk: relation 3, a second risk factor never
// removes the first one's finding: every pair of order-time bases of one
// drug and dose, put together.
func TestAcceptanceMetarevSecondRisk(t *testing.T) {
	m := newMetaRunner()
	bases := metaBases()
	levels := map[string]map[string]string{}
	for _, b := range bases {
		levels[b.name+b.drug] = metaLevels(m.post(t, testNow, b.request(t), b.service()))
	}
	pairs := 0
	for i, a := range bases {
		for _, b := range bases[i+1:] {
			if !metaCombinable(a, b) {
				continue
			}
			pairs++
			ab := metaCombine(a, b)
			got := metaLevels(m.post(t, testNow, ab.request(t), ab.service()))
			var allowed []string
			if a.pat["birthDate"] != nil || b.pat["birthDate"] != nil {
				allowed = metaAgeLimited
			}
			for _, x := range [][2]metaBase{{a, b}, {b, a}} {
				ok := allowed
				for code := range levels[x[0].name+x[0].drug] {
					if metaDataAnswers(code, x[1].name) {
						ok = append(append([]string(nil), ok...), code)
					}
				}
				metaCheckKept(t, levels[x[0].name+x[0].drug], got, ab.name+" ("+a.drug+")", ok...)
			}
		}
	}
	assert.Greater(t, pairs, 300, "pairs put together")
	// A patient on a course (patient-view, a renewal, an interacting drug
	// ordered): each order-time base's added risk put in too.
	for _, pv := range bases {
		if pv.rec == nil {
			continue
		}
		before := levels[pv.name+pv.drug]
		for _, b := range bases {
			if b.hook != "" || b.rec != nil || len(b.add) == 0 || len(b.drafts) > 0 {
				continue
			}
			v := pv.with(pv.name+" + "+b.name, func(c *metaBase) {
				have := map[string]bool{}
				for _, x := range c.add {
					have[x["id"].(string)] = true
				}
				for _, x := range b.add {
					if !have[x["id"].(string)] {
						c.add = append(c.add, x)
					}
				}
			})
			var ok []string
			for code := range before {
				if metaDataAnswers(code, b.name) {
					ok = append(ok, code)
				}
			}
			metaCheckKept(t, before, metaLevels(m.post(t, testNow, v.request(t), v.service())), v.name, ok...)
		}
	}
}

// metaWorse: relation 3, one risk made worse. Each returns false when it
// does not apply to the base; allowed lists the findings that may go, and
// why (contract 5).
type metaWorseRel struct {
	name    string
	f       func(b metaBase) (metaBase, bool)
	allowed []string
}

func metaWorse() []metaWorseRel {
	// onAdded changes the base's own resources (its risk), not the clean
	// record's normal baseline.
	onAdded := func(name string, f func(x res) bool) func(b metaBase) (metaBase, bool) {
		return func(b metaBase) (metaBase, bool) {
			n := 0
			c := b.with(b.name+": "+name, func(c *metaBase) {
				for i, x := range c.add {
					y := metaCopy(x)
					if f(y) {
						c.add[i] = y
						n++
					}
				}
			})
			return c, n > 0
		}
	}
	closer := func(s string) (string, bool) {
		m := metaDateAny.FindStringSubmatch(s)
		if m == nil {
			return "", false
		}
		d, err := time.Parse("2006-01-02", m[1])
		if err != nil {
			return "", false
		}
		days := int(testNow.Sub(d).Hours() / 24)
		if days < 2 {
			return "", false
		}
		return testNow.AddDate(0, 0, -days/2).Format("2006-01-02") + m[2], true
	}
	return []metaWorseRel{
		{"higher dose", func(b metaBase) (metaBase, bool) {
			up := map[int]int{15: 30, 100: 200}[b.mg]
			if b.hook != "" || b.noJAK || up == 0 {
				return b, false
			}
			return b.with(b.name+": higher dose", func(c *metaBase) { c.mg = up }), true
		}, nil},
		{"20 years older", func(b metaBase) (metaBase, bool) {
			born := "1991-05-20"
			if v, ok := b.pat["birthDate"]; ok {
				if v == nil {
					return b, false
				}
				born = v.(string)
			}
			d, err := time.Parse("2006-01-02", born)
			if err != nil || testNow.Sub(d) < 18*365*24*time.Hour {
				// A child made older is not at more risk (age-not-approved ends).
				return b, false
			}
			return b.with(b.name+": 20 years older", func(c *metaBase) {
				c.pat["birthDate"] = d.AddDate(-20, 0, 0).Format("2006-01-02")
			}), true
		}, []string{"pregnancy-test-missing"}}, // contract 5: female aged 12 to 50
		// Less known is not safer (docs/rules.md 1, Sex: only male rules a
		// pregnancy out; a pregnancy counts whatever the gender).
		{"gender unknown", gender("unknown"), nil},
		{"gender other", gender("other"), nil},
		{"gender missing", gender(nil), nil},
		{"male", gender("male"), []string{"pregnancy-test-missing"}},
		{"a younger child", func(b metaBase) (metaBase, bool) {
			v, ok := b.pat["birthDate"].(string)
			d, err := time.Parse("2006-01-02", v)
			if !ok || err != nil || testNow.Sub(d) >= 18*365*24*time.Hour {
				return b, false
			}
			return b.with(b.name+": 2 years younger", func(c *metaBase) {
				c.pat["birthDate"] = d.AddDate(2, 0, 0).Format("2006-01-02")
			}), true
		}, nil},
		{"a lower count, eGFR or weight", onAdded("a lower value", func(x res) bool {
			q, ok := x["valueQuantity"].(res)
			if !ok || x["resourceType"] != "Observation" {
				return false
			}
			switch x["id"] {
			case "alc", "anc", "hgb", "plt", "egfr", "alc2", "plt2", "wt":
				q["value"] = q["value"].(float64) * 0.6
				return true
			}
			return false
		}), nil},
		{"a more recent event or result", onAdded("more recent", func(x res) bool {
			n := 0
			for _, k := range []string{"effectiveDateTime", "occurrenceDateTime", "onsetDateTime"} {
				if v, ok := x[k].(string); ok {
					if c, ok := closer(v); ok {
						x[k] = c
						n++
					}
				}
			}
			return n > 0
		}), nil},
		{"a resolved history condition made active", onAdded("active", func(x res) bool {
			if x["resourceType"] != "Condition" {
				return false
			}
			if cs, _ := json.Marshal(x["clinicalStatus"]); strings.Contains(string(cs), `"resolved"`) {
				x["clinicalStatus"] = coding("http://terminology.hl7.org/CodeSystem/condition-clinical", "active")
				return true
			}
			return false
		}), nil},
	}
}

// gender sets Patient.gender (nil: none) on an order-time or patient-view base.
func gender(g any) func(b metaBase) (metaBase, bool) {
	return func(b metaBase) (metaBase, bool) {
		if b.rec != nil && b.hook == "" {
			return b, false
		}
		return b.with(fmt.Sprint(b.name, ": gender ", g), func(c *metaBase) { c.pat["gender"] = g }), true
	}
}

// TestAcceptanceMetarevWorseRisk: relation 3, a worse risk removes no
// finding and lowers no level.
func TestAcceptanceMetarevWorseRisk(t *testing.T) {
	m := newMetaRunner()
	for _, b := range metaBases() {
		before := metaLevels(m.post(t, testNow, b.request(t), b.service()))
		for _, rel := range metaWorse() {
			v, ok := rel.f(b)
			if !ok {
				continue
			}
			after := metaLevels(m.post(t, testNow, v.request(t), v.service()))
			metaCheckKept(t, before, after, v.name+" ("+b.drug+")", rel.allowed...)
		}
	}
}

// metaShiftTargets: days that make the shifted clock fall on a month's
// end, 29 February, a year's end and the days after them.
var metaShiftTargets = []string{"2026-11-30", "2026-12-01", "2026-12-31", "2027-01-01", "2027-02-28", "2027-03-01",
	"2028-02-28", "2028-02-29", "2028-03-01", "2025-12-31", "2024-02-29", "2030-06-30"}

// metaShift moves every date of the request (birthDate included) by days.
func metaShift(req res, days int) {
	metaWalk(req, func(m res) {
		for k, v := range m {
			s, ok := v.(string)
			if !ok || k == "hookInstance" {
				continue
			}
			p := metaDateAny.FindStringSubmatch(s)
			if p == nil {
				continue
			}
			d, err := time.Parse("2006-01-02", p[1])
			if err != nil {
				continue
			}
			m[k] = d.AddDate(0, 0, days).Format("2006-01-02") + p[2]
		}
	})
}

var metaDateInText = regexp.MustCompile(`\d{4}-\d{2}-\d{2}|\d{1,2} [A-Z][a-z]+ \d{4}|[A-Z][a-z]+ \d{1,2}, \d{4}`)

func metaMaskDates(s string) string { return metaDateInText.ReplaceAllString(s, "DATE") }

// TestAcceptanceMetarevTimeShift: relation 4, now and every date moved by
// the same number of days give the same cards (dates in the summaries
// masked).
func TestAcceptanceMetarevTimeShift(t *testing.T) {
	m := newMetaRunner()
	sameDay := metaSameDay(t)
	for _, b := range metaBases() {
		want := metaSigs(m.post(t, testNow, b.request(t), b.service()), metaMaskDates)
		for _, target := range metaShiftTargets {
			day, err := time.Parse("2006-01-02", target)
			require.NoError(t, err)
			now := day.Add(12 * time.Hour)
			days := int(now.Sub(testNow).Hours() / 24)
			req := b.request(t)
			metaShift(req, days)
			got := metaSigs(m.post(t, now, req, b.service()), metaMaskDates)
			assert.Equal(t, want, got, "%s (%s %d mg): shifted %+d days to %s", b.name, b.drug, b.mg, days, target)
		}
		// The same calendar day, at another hour or in the server's zone
		// (docs/rules.md 1: today is now's calendar date in now's location).
		same := metaSigs(m.post(t, testNow, b.request(t), b.service()), nil)
		for _, now := range sameDay {
			got := metaSigs(m.post(t, now, b.request(t), b.service()), nil)
			assert.Equal(t, same, got, "%s (%s %d mg): now at %s", b.name, b.drug, b.mg, now)
		}
	}
}

// metaSameDay: instants whose calendar date, in their own location, is
// testNow's (29 November 2026).
func metaSameDay(t *testing.T) []time.Time {
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	auckland, err := time.LoadLocation("Pacific/Auckland")
	require.NoError(t, err)
	return []time.Time{
		time.Date(2026, 11, 29, 0, 5, 0, 0, time.UTC), time.Date(2026, 11, 29, 23, 55, 0, 0, time.UTC),
		time.Date(2026, 11, 29, 21, 30, 0, 0, ny),     // 30 November 02:30 UTC
		time.Date(2026, 11, 29, 6, 0, 0, 0, auckland), // 28 November 17:00 UTC
	}
}

// metaClassCodes: findings both labels call for, whichever JAK inhibitor
// (RINVOQ and CIBINQO 1, 2.1, 5.1, 5.6/5.8, 5.7/5.10, 8.1, 8.2; contract
// 5). The drug-specific rows (thrombocytopenia R10, renal C7/R12,
// antiplatelet C13, CYP R13/R14/C9-C11, CYP2C19 genotype C9, P-gp C12,
// weight R3, lower dose from 65 R4, monitoring C6/R9, dose limits) differ
// on purpose (clinical-knowledge.md 5.2 "Differences that matter").
var metaClassCodes = []string{
	"tb-screening-missing", "tb-active", "tb-latent-untreated", "hbv-screening-missing", "hbv-active",
	"hbv-core-antibody-positive", "hcv-screening-missing", "hcv-antibody-positive", "hcv-active", "cbc-missing",
	"lymphopenia", "neutropenia", "anemia", "liver-enzymes-missing", "lipids-missing", "pregnancy-test-missing",
	"pregnancy", "breastfeeding", "zoster-vaccine-missing", "live-vaccine-recent", "live-vaccine-ordered",
	"serious-infection-active", "severe-hepatic-impairment", "combination-jak", "combination-biologic",
	"combination-immunosuppressant", "cardiovascular-risk", "mace-history", "smoker", "vte-risk", "malignancy",
	"age-not-approved", "age-unknown", "no-prior-systemic-therapy",
}

// metaSwapDrug turns every upadacitinib order and statement of the request
// into abrocitinib and back (15 mg with 100 mg, 30 mg with 200 mg).
func metaSwapDrug(t *testing.T, req res) res {
	b, err := json.Marshal(req)
	require.NoError(t, err)
	s := string(b)
	pairs := [][2]string{
		{`"2196092"`, `"2591476"`},
		{"upadacitinib 15 MG Extended Release Oral Tablet", "abrocitinib 100 MG Oral Tablet"},
		{"upadacitinib 30 MG Extended Release Oral Tablet", "abrocitinib 200 MG Oral Tablet"},
	}
	for i, p := range pairs {
		s = strings.ReplaceAll(s, p[0], fmt.Sprintf("@%d@", i))
		s = strings.ReplaceAll(s, p[1], p[0])
		s = strings.ReplaceAll(s, fmt.Sprintf("@%d@", i), p[1])
	}
	var out res
	require.NoError(t, json.Unmarshal([]byte(s), &out))
	return out
}

// TestAcceptanceMetarevDrugSymmetry: relation 5.
func TestAcceptanceMetarevDrugSymmetry(t *testing.T) {
	m := newMetaRunner()
	for _, b := range metaBases() {
		if b.mg == 45 {
			continue // no abrocitinib counterpart
		}
		before := metaLevels(m.post(t, testNow, b.request(t), b.service()))
		after := metaLevels(m.post(t, testNow, metaSwapDrug(t, b.request(t)), b.service()))
		for _, code := range metaClassCodes {
			if before[code] != "" || after[code] != "" {
				assert.Equal(t, before[code], after[code], "%s (%s swapped): %s; before %v, after %v", b.name, b.drug, code, before, after)
			}
		}
	}
}

// metaMgDraft is a draft order (id) of drug named by its ingredient only,
// mg once daily as a dose quantity in mg.
func metaMgDraft(id, drug string, mg float64) res {
	code := map[string]string{"upadacitinib": "2196092", "abrocitinib": "2591476"}[drug]
	m := medication(id, "draft", rxnorm, code, drug)
	m["dosageInstruction"] = []any{res{"timing": res{"repeat": res{"frequency": 1, "period": 1, "periodUnit": "d"}},
		"doseAndRate": []any{res{"doseQuantity": res{"value": mg, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"}}}}}
	m["authoredOn"] = ago(0)
	m["subject"] = res{"reference": "Patient/p1"}
	return m
}

// TestAcceptanceMetarevSessionDoseLimits: the relation "one 30 mg order
// gives the same warnings as two 15 mg orders of the same session" (the
// same daily dose) did not hold. Each dose limit was judged on one order
// alone: two upadacitinib 15 mg drafts for a 70-year-old (30 mg/day; RINVOQ
// PI 2.5, R4: 15 mg from 65) answered no card, and with ketoconazole
// (RINVOQ 7, R13: 15 mg) "Keep upadacitinib at the reduced dose". The
// orders of one session now add up for every dose limit, as they did for
// the atopic dermatitis maximum (docs/rules.md section 1, "Several orders
// of one drug in a session"): each order within the limit whose session
// is above it gets the finding, "Keep one ... order", and no dose to
// change it to (that would not bring the total down).
func TestAcceptanceMetarevSessionDoseLimits(t *testing.T) {
	old := func() *record { return cleanRecord().born("1956-01-01").drop("hcg") } // aged 70
	smoker := func() *record { return cleanRecord().replace(obsCode("smoke", "72166-2", "8517006", ago(27))) }
	keto := func() *record {
		return cleanRecord().replace(medication("keto", "active", rxnorm, "6135", "ketoconazole"))
	}
	second := func(drug string, mg int) res { return with(jakDraft(drug, mg), "id", "new2") }
	keep := func(drug string) string { return "Keep one " + drug + " order" }
	cases := []accCase{
		// Age 65 (upadacitinib 15 mg): the session totals 14, 15, 16, 30 mg/day.
		{name: "aged 70, upadacitinib 7 + 7 mg: 14 mg/day, within 15 mg", c: sign(old(), metaMgDraft("a", "upadacitinib", 7), metaMgDraft("b", "upadacitinib", 7)),
			absent: []string{"lower-dose-recommended"}},
		{name: "aged 70, upadacitinib 7.5 + 7.5 mg: 15 mg/day, at the limit", c: sign(old(), metaMgDraft("a", "upadacitinib", 7.5), metaMgDraft("b", "upadacitinib", 7.5)),
			absent: []string{"lower-dose-recommended"}},
		{name: "aged 70, upadacitinib 7.5 + 8.5 mg: 16 mg/day, above 15 mg", c: sign(old(), metaMgDraft("a", "upadacitinib", 7.5), metaMgDraft("b", "upadacitinib", 8.5)),
			want: w("lower-dose-recommended", "warning"), noDose: true, summaryOf: map[string]string{"lower-dose-recommended": keep("upadacitinib")}},
		{name: "aged 70, upadacitinib 15 + 15 mg: 30 mg/day, keep one order", c: sign(old(), jakDraft("upadacitinib", 15), second("upadacitinib", 15)),
			want: w("lower-dose-recommended", "warning"), noDose: true,
			summaryOf: map[string]string{"lower-dose-recommended": "this session's orders total 30 mg/day (aged 65 or over)"},
			detailOf:  map[string]string{"lower-dose-recommended": "keep one order"}},
		{name: "aged 70, upadacitinib 15 mg alone: within the limit", c: sign(old(), jakDraft("upadacitinib", 15)), noCards: true},
		{name: "aged 70, upadacitinib 30 mg alone: 15 mg suggested", c: sign(old(), jakDraft("upadacitinib", 30)),
			want: w("lower-dose-recommended", "warning"), dose: 15},
		{name: "aged 70, upadacitinib 15 mg and a cancelled 15 mg draft: within", c: sign(old(), jakDraft("upadacitinib", 15), with(second("upadacitinib", 15), "status", "cancelled")),
			noCards: true},
		{name: "aged 70, upadacitinib 15 mg and abrocitinib 100 mg: not one drug", c: sign(old(), jakDraft("upadacitinib", 15), with(jakDraft("abrocitinib", 100), "id", "abro")),
			want: w("combination-jak", "critical"), absent: []string{"lower-dose-recommended"}},
		{name: "aged 70, order-select of upadacitinib 15 mg beside another 15 mg draft", c: call{hook: HookOrderSelect, r: old(),
			drafts: []res{jakDraft("upadacitinib", 15), second("upadacitinib", 15)}, selections: []string{"MedicationRequest/new"}},
			want: w("lower-dose-recommended", "warning"), noDose: true},
		// Boxed-warning risks (abrocitinib 100 mg, upadacitinib 15 mg).
		{name: "smoker, abrocitinib 50 + 50 mg: 100 mg/day, at the limit", c: sign(smoker(), metaMgDraft("a", "abrocitinib", 50), metaMgDraft("b", "abrocitinib", 50)),
			want: w("smoker", "warning"), absent: []string{"lower-dose-recommended"}},
		{name: "smoker, abrocitinib 50 + 51 mg: 101 mg/day, above", c: sign(smoker(), metaMgDraft("a", "abrocitinib", 50), metaMgDraft("b", "abrocitinib", 51)),
			want: w("lower-dose-recommended", "warning", "smoker", "warning"), noDose: true, summaryOf: map[string]string{"lower-dose-recommended": keep("abrocitinib")}},
		{name: "smoker, abrocitinib 100 + 100 mg: 200 mg/day", c: sign(smoker(), jakDraft("abrocitinib", 100), second("abrocitinib", 100)),
			want: w("lower-dose-recommended", "warning", "smoker", "warning"), noDose: true,
			summaryOf: map[string]string{"lower-dose-recommended": "this session's orders total 200 mg/day (smoking)"}},
		{name: "smoker, upadacitinib 15 + 15 mg", c: sign(smoker(), jakDraft("upadacitinib", 15), second("upadacitinib", 15)),
			want: w("lower-dose-recommended", "warning", "smoker", "warning"), noDose: true},
		// Strong CYP3A4 inhibitor (upadacitinib 15 mg).
		{name: "ketoconazole, upadacitinib 15 mg alone: at the reduced dose", c: sign(keto(), jakDraft("upadacitinib", 15)),
			want: w("cyp-interaction", "warning"), summaryOf: map[string]string{"cyp-interaction": "Keep upadacitinib at the reduced dose"}},
		{name: "ketoconazole, upadacitinib 15 + 15 mg: keep one order", c: sign(keto(), jakDraft("upadacitinib", 15), second("upadacitinib", 15)),
			want: w("cyp-interaction", "warning"), noDose: true,
			summaryOf: map[string]string{"cyp-interaction": "this session's orders total 30 mg/day (ketoconazole)"}},
		// Renal (abrocitinib 50 mg): 25 + 25 at the limit, 50 + 50 above.
		{name: "eGFR 45, abrocitinib 25 + 25 mg: 50 mg/day, at the renal dose", c: sign(cleanRecord().replace(obsQty("egfr", "98979-8", 45, "mL/min/{1.73_m2}", ago(27))),
			metaMgDraft("a", "abrocitinib", 25), metaMgDraft("b", "abrocitinib", 25)),
			want: w("renal-impairment", "warning"), summaryOf: map[string]string{"renal-impairment": "Keep abrocitinib at the renal dose"}},
		{name: "eGFR 45, abrocitinib 25 + 26 mg: above the renal dose", c: sign(cleanRecord().replace(obsQty("egfr", "98979-8", 45, "mL/min/{1.73_m2}", ago(27))),
			metaMgDraft("a", "abrocitinib", 25), metaMgDraft("b", "abrocitinib", 26)),
			want: w("renal-impairment", "warning"), noDose: true, summaryOf: map[string]string{"renal-impairment": keep("abrocitinib")}},
		// Above the AD maximum: said once, as before (sessionAboveLabel).
		{name: "upadacitinib 15 + 30 mg: above the maximum, keep one order", c: sign(cleanRecord(), jakDraft("upadacitinib", 15), second("upadacitinib", 30)),
			want: w("dose-above-label", "warning"), absent: []string{"lower-dose-recommended"}},
	}
	runAccSession(t, cases)
}

// runAccSession is runAcc for calls of several orders: a finding may be on
// one card per order (contract 4), so the answer is checked as s.do
// checks it but for that.
func runAccSession(t *testing.T, cases []accCase) {
	t.Helper()
	s := newTestServer(t, serverOpts{noStore: true})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := tc.c.body(t)
			req := httptest.NewRequest("POST", "/cds-services/"+tc.c.service(), bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			require.Equal(t, 200, rec.Code, rec.Body.String())
			require.NoError(t, cards.CheckEmpty(rec.Body.Bytes()))
			require.NoError(t, outcheck.Response(body, rec.Body.Bytes()), rec.Body.String())
			var resp struct {
				Cards []cards.Card `json:"cards"`
			}
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &resp))
			for _, c := range resp.Cards {
				assert.NoError(t, cards.Validate(c))
				for _, f := range c.Findings() {
					for _, o := range resp.Cards {
						if slicesContains(o.Findings(), f) {
							assert.Equal(t, c.Indicator, o.Indicator, "%s on cards of two levels", f)
						}
					}
				}
			}
			checkAcc(t, tc, resp.Cards, rec.Body.String())
		})
	}
}

// TestAcceptanceMetarevSessionOrRecord: relation 1 across sources: a
// co-medication ordered in the same session as the JAK order gives the
// findings it gives when it is current on the record (contract 5: "active,
// or ordered in the same session"; docs/rules.md 2: "current or session").
func TestAcceptanceMetarevSessionOrRecord(t *testing.T) {
	m := newMetaRunner()
	n := 0
	for _, b := range metaBases() {
		if b.hook != "" || b.rec != nil || b.noJAK {
			continue
		}
		var moved []res
		v := b.with(b.name+": co-medication ordered in the session", func(c *metaBase) {
			var keep []res
			for _, x := range c.add {
				if x["resourceType"] == "MedicationRequest" && x["status"] == "active" {
					d := metaCopy(x)
					d["status"], d["authoredOn"], d["subject"] = "draft", ago(0), res{"reference": "Patient/p1"}
					moved = append(moved, d)
					continue
				}
				keep = append(keep, x)
			}
			c.add, c.drafts = keep, append(c.drafts, moved...)
		})
		if len(moved) == 0 {
			continue
		}
		n++
		want := metaLevels(m.post(t, testNow, b.request(t), b.service()))
		got := metaLevels(m.post(t, testNow, v.request(t), v.service()))
		assert.Equal(t, want, got, "%s (%s %d mg)", v.name, b.drug, b.mg)
	}
	assert.Greater(t, n, 5, "bases with a current co-medication")
}

// metaTemplateFilter keeps of the request's prefetch what an EHR filling
// it from the service's discovery templates would send: the Observations
// whose code is in the template's token list, the Conditions of the
// template's clinical-status filter (every other key is unfiltered).
func metaTemplateFilter(t *testing.T, svc Service, req res) {
	t.Helper()
	params := func(tmpl string) map[string][]string {
		out := map[string][]string{}
		_, q, _ := strings.Cut(tmpl, "?")
		for _, p := range strings.Split(q, "&") {
			k, v, _ := strings.Cut(p, "=")
			out[k] = strings.Split(v, ",")
		}
		return out
	}
	keep := func(key string, ok func(r res) bool) {
		b := metaBundles(req)[key]
		if b == nil {
			return
		}
		out := []any{}
		for _, e := range metaEntries(b) {
			if r, _ := e.(res)["resource"].(res); r != nil && ok(r) {
				out = append(out, e)
			}
		}
		b["entry"] = out
	}
	codings := func(cc any) []string {
		var out []string
		if c, ok := cc.(res); ok {
			list, _ := c["coding"].([]any)
			for _, x := range list {
				cd := x.(res)
				out = append(out, fmt.Sprint(cd["system"], "|", cd["code"]), fmt.Sprint(cd["code"]))
			}
		}
		return out
	}
	match := func(allowed []string, have []string) bool {
		for _, h := range have {
			if slicesContains(allowed, h) {
				return true
			}
		}
		return false
	}
	if tmpl, ok := svc.Prefetch["observations"]; ok {
		codes := params(tmpl)["code"]
		keep("observations", func(r res) bool { return r["code"] != nil && match(codes, codings(r["code"])) })
	}
	if tmpl, ok := svc.Prefetch["conditions"]; ok {
		if st := params(tmpl)["clinical-status"]; st != nil {
			keep("conditions", func(r res) bool { return r["clinicalStatus"] != nil && match(st, codings(r["clinicalStatus"])) })
		}
	}
}

// TestAcceptanceMetarevTemplatePrefetch: relation 2 seen from the EHR: the
// prefetch an EHR fills from the service's own discovery templates gives
// the answer the whole record gives. A rule that reads data its template
// does not ask for never sees it in practice.
func TestAcceptanceMetarevTemplatePrefetch(t *testing.T) {
	m := newMetaRunner()
	svcs := map[string]Service{}
	for _, svc := range newTestServer(t, serverOpts{noStore: true}).Services() {
		svcs[svc.ID] = svc
	}
	for _, b := range metaBases() {
		want := metaLevels(m.post(t, testNow, b.request(t), b.service()))
		req := b.request(t)
		metaTemplateFilter(t, svcs[b.service()], req)
		got := metaLevels(m.post(t, testNow, req, b.service()))
		if b.name == "CYP2C19 poor metabolizer" {
			// Intended gap (docs/rules.md section 4, metarev): a result
			// recognised only by its name (code.text "CYP2C19 genotype")
			// cannot be asked for by a code in a template; it is read when
			// the EHR sends it.
			assert.Equal(t, map[string]string{}, got, "%s: a name-only result is not asked for", b.name)
			continue
		}
		assert.Equal(t, want, got, "%s (%s %d mg): prefetch as the %s templates ask for it", b.name, b.drug, b.mg, b.service())
	}
}

// TestAcceptanceMetarevPatientViewTemplate: patient-view's own discovery
// templates did not ask for what its rules read. Its Observation template
// held the monitoring labs only (no TB test, HBsAg, HBV DNA or HCV RNA),
// and its Condition template only clinical-status active, recurrence or
// relapse (no encounter diagnosis, which has no status, and no event since
// the start recorded as resolved). With the prefetch an EHR fills from
// them (or the FHIR fallback, which runs the same queries), a new positive
// HBsAg, HCV RNA or TB test on the course (RINVOQ and CIBINQO 2.1, 5.1),
// a pneumonia or breastfeeding coded as an encounter diagnosis (5.1, 8.2)
// and an MI since the start marked resolved (RINVOQ 5.4: discontinue)
// gave no card. Each case posts the prefetch as the templates ask for it.
func TestAcceptanceMetarevPatientViewTemplate(t *testing.T) {
	svc := Service{}
	for _, x := range newTestServer(t, serverOpts{noStore: true}).Services() {
		if x.ID == HookPatientView {
			svc = x
		}
	}
	on := func(drug string, add ...res) *record {
		r := cleanRecord().onCourse(drug) // started 2026-06-01
		for _, x := range add {
			r.replace(x)
		}
		return r
	}
	type pvCase struct {
		name   string
		r      *record
		want   map[string]string
		absent []string
	}
	cases := []pvCase{
		{"HBsAg positive since the start", on("upadacitinib", obsCode("hbsag", "5196-1", positive, ago(14))), w("hbv-active", "critical"), nil},
		{"HBsAg negative since the start", on("upadacitinib", obsCode("hbsag", "5196-1", negative, ago(14))), nil, []string{"hbv-active"}},
		{"HBV DNA detected since the start", on("abrocitinib", obsCode("hbvdna", "29610-3", positive, ago(14))), w("hbv-active", "critical"), nil},
		{"HCV RNA detected since the start", on("abrocitinib", obsCode("hcvrna", "11259-9", "260373001", ago(14))), w("hcv-active", "critical"), nil},
		{"positive IGRA since the start", on("upadacitinib", obsCode("igra", "71773-6", positive, ago(14))), w("tb-latent-untreated", "critical"), nil},
		{"positive IGRA the day before the start: history", on("upadacitinib", obsCode("igra", "71773-6", positive, "2026-05-31")), nil, []string{"tb-latent-untreated"}},
		{"pneumonia encounter diagnosis 89 days ago", on("upadacitinib", encounterDx("pna", icd, "J18.9", 89)), w("serious-infection-active", "critical"), nil},
		{"pneumonia encounter diagnosis 90 days ago", on("upadacitinib", encounterDx("pna", icd, "J18.9", 90)), w("serious-infection-active", "critical"), nil},
		{"pneumonia encounter diagnosis 91 days ago: past", on("upadacitinib", encounterDx("pna", icd, "J18.9", 91)), nil, []string{"serious-infection-active"}},
		{"breastfeeding encounter diagnosis (Z39.1) 30 days ago", on("abrocitinib", encounterDx("bf", icd, "Z39.1", 30)), w("breastfeeding", "critical"), nil},
		{"MI since the start, resolved", on("upadacitinib", with(cond("mi", icd, "I21.4", "resolved"), "onsetDateTime", ago(30))), w("mace-history", "warning"), nil},
		{"MI before the start, resolved: history", on("upadacitinib", with(cond("mi", icd, "I21.4", "resolved"), "onsetDateTime", "2026-05-01")), nil, []string{"mace-history"}},
		{"DVT since the start, inactive", on("abrocitinib", with(cond("dvt", icd, "I82.401", "inactive"), "onsetDateTime", ago(30))), w("vte-risk", "warning"), nil},
	}
	m := newMetaRunner()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.False(t, tc.want == nil && tc.absent == nil, "a case asserts nothing")
			var req res
			require.NoError(t, json.Unmarshal(view(tc.r).body(t), &req))
			metaTemplateFilter(t, svc, req)
			cs := m.post(t, testNow, req, HookPatientView)
			checkAcc(t, accCase{name: tc.name, want: tc.want, absent: tc.absent}, cs, "")
		})
	}
}

// metaVoid: ways of saying that a resource does not count, each for the
// types it applies to (docs/rules.md 1: entered-in-error, cancelled and
// not-taken members never count; Observation status final, amended or
// corrected only; a dataAbsentReason without a value is no result;
// refuted and entered-in-error conditions do not count).
var metaVoid = []struct {
	name string
	f    func(x res) bool
}{
	{"entered-in-error", func(x res) bool {
		switch x["resourceType"] {
		case "Observation", "MedicationRequest", "MedicationStatement", "Immunization":
			x["status"] = "entered-in-error"
		case "Condition":
			x["verificationStatus"] = coding("http://terminology.hl7.org/CodeSystem/condition-ver-status", "entered-in-error")
		default:
			return false
		}
		return true
	}},
	{"refuted", func(x res) bool {
		if x["resourceType"] != "Condition" {
			return false
		}
		x["verificationStatus"] = coding("http://terminology.hl7.org/CodeSystem/condition-ver-status", "refuted")
		return true
	}},
	{"preliminary", func(x res) bool {
		if x["resourceType"] != "Observation" {
			return false
		}
		x["status"] = "preliminary"
		return true
	}},
	{"a dataAbsentReason, no value", func(x res) bool {
		if x["resourceType"] != "Observation" {
			return false
		}
		for _, k := range []string{"valueQuantity", "valueCodeableConcept", "valueString"} {
			delete(x, k)
		}
		x["dataAbsentReason"] = coding("http://terminology.hl7.org/CodeSystem/data-absent-reason", "not-performed")
		return true
	}},
	{"not done", func(x res) bool {
		if x["resourceType"] != "Immunization" {
			return false
		}
		x["status"] = "not-done"
		return true
	}},
	{"cancelled", func(x res) bool {
		if x["resourceType"] != "MedicationRequest" {
			return false
		}
		x["status"] = "cancelled"
		return true
	}},
}

// TestAcceptanceMetarevVoidedData: a base's own resource marked as not
// counting gives the answer the record without it gives (relation 2: it
// is data no rule reads).
func TestAcceptanceMetarevVoidedData(t *testing.T) {
	m := newMetaRunner()
	n := 0
	for _, b := range metaBases() {
		for i, x := range b.add {
			id := x["id"].(string)
			without := b.with(b.name+" without "+id, func(c *metaBase) {
				c.add = append(c.add[:i:i], c.add[i+1:]...)
				c.drop = append(c.drop, id)
			})
			want := metaSigs(m.post(t, testNow, without.request(t), without.service()), nil)
			for _, v := range metaVoid {
				y := metaCopy(x)
				if !v.f(y) {
					continue
				}
				n++
				voided := b.with(b.name+": "+id+" "+v.name, func(c *metaBase) { c.add[i] = y })
				got := metaSigs(m.post(t, testNow, voided.request(t), voided.service()), nil)
				assert.Equal(t, want, got, "%s (%s %d mg)", voided.name, b.drug, b.mg)
			}
		}
	}
	assert.Greater(t, n, 50, "voided resources")
}

// postSession posts a call of several orders: a finding may be on one card
// per order (contract 4), so the answer is checked as runAccSession does.
func (m *metaRunner) postSession(t *testing.T, req res) []cards.Card {
	t.Helper()
	s := m.servers[testNow]
	if s == nil {
		s = newTestServer(t, serverOpts{noStore: true})
		m.servers[testNow] = s
	}
	body, err := json.Marshal(req)
	require.NoError(t, err)
	hr := httptest.NewRequest("POST", "/cds-services/"+req["hook"].(string), bytes.NewReader(body))
	hr.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, hr)
	require.Equal(t, 200, rec.Code, rec.Body.String())
	require.NoError(t, cards.CheckEmpty(rec.Body.Bytes()))
	require.NoError(t, outcheck.Response(body, rec.Body.Bytes()), rec.Body.String())
	var resp struct {
		Cards []cards.Card `json:"cards"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &resp))
	return resp.Cards
}

// TestAcceptanceMetarevSecondOrder: relation 3 across orders: a second
// order in the session (the other JAK inhibitor, a second order of the same
// drug at the same dose, a live vaccine, an interacting drug) never
// removes a finding of the first order's scenario.
func TestAcceptanceMetarevSecondOrder(t *testing.T) {
	m := newMetaRunner()
	other := map[string]res{
		"upadacitinib": with(jakDraft("abrocitinib", 100), "id", "other"),
		"abrocitinib":  with(jakDraft("upadacitinib", 15), "id", "other"),
	}
	n := 0
	for _, b := range metaBases() {
		if b.hook != "" || b.rec != nil || b.noJAK {
			continue
		}
		before := metaLevels(m.post(t, testNow, b.request(t), b.service()))
		for _, extra := range []struct {
			name  string
			draft res
			also  string // a finding the second order must add
		}{
			{"the other JAK inhibitor ordered too", other[b.drug], "combination-jak"},
			{"a second order of the drug at the same dose", with(jakDraft(b.drug, b.mg), "id", "same"), ""},
			{"a live vaccine ordered too", drugDraft("vax2", cvx, "03", "measles, mumps and rubella virus vaccine"), "live-vaccine-ordered"},
			{"adalimumab ordered too", drugDraft("ada2", rxnorm, "327361", "adalimumab"), "combination-biologic"},
		} {
			v := b.with(b.name+": "+extra.name, func(c *metaBase) { c.drafts = append(c.drafts, extra.draft) })
			after := metaLevels(m.postSession(t, v.request(t)))
			n++
			// A second order of the same drug adds up (section 1, Several
			// orders of one drug): the dose-limiting findings then say to
			// keep one order, and above the AD maximum dose-above-label
			// speaks for the dose suggestion.
			metaCheckKept(t, before, after, v.name+" ("+b.drug+")")
			if extra.also != "" {
				assert.NotEmpty(t, after[extra.also], "%s (%s): %s", v.name, b.drug, extra.also)
			}
		}
	}
	assert.Greater(t, n, 100)
}

// metaFHIR is a FHIR server holding one request's prefetch: it answers the
// Patient read and each search with the resources of that key that the
// query's code and clinical-status parameters select (as metaTemplateFilter
// does), in one searchset page.
type metaFHIR struct {
	t   *testing.T
	req res
}

func (f *metaFHIR) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/fhir+json")
	pf := f.req["prefetch"].(res)
	typ := strings.Trim(r.URL.Path, "/")
	if strings.HasPrefix(typ, "Patient/") {
		b, _ := json.Marshal(pf["patient"])
		w.Write(b)
		return
	}
	key := map[string]string{"Condition": "conditions", "MedicationRequest": "medications", "MedicationStatement": "medicationStatements",
		"Observation": "observations", "Immunization": "immunizations"}[typ]
	// The same selection as an EHR's prefetch from the template.
	one := res{"prefetch": res{key: metaCopy(pf[key].(res))}}
	metaTemplateFilter(f.t, Service{Prefetch: map[string]string{key: typ + "?" + r.URL.RawQuery}}, one)
	b, _ := json.Marshal(one["prefetch"].(res)[key])
	w.Write(b)
}

// TestAcceptanceMetarevFHIRFallback: relation 1 across sources: with no
// prefetch, the same record read from fhirServer through the service's own
// queries gives the answer its template-filled prefetch gives.
func TestAcceptanceMetarevFHIRFallback(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true, allowHTTP: true})
	svcs := map[string]Service{}
	for _, svc := range s.Services() {
		svcs[svc.ID] = svc
	}
	m := newMetaRunner()
	for _, b := range metaBases() {
		req := b.request(t)
		metaTemplateFilter(t, svcs[b.service()], req)
		want := metaSigs(m.post(t, testNow, req, b.service()), nil)
		fs := httptest.NewServer(&metaFHIR{t: t, req: b.request(t)})
		fb := b.request(t)
		delete(fb, "prefetch")
		fb["fhirServer"] = fs.URL
		body, err := json.Marshal(fb)
		require.NoError(t, err)
		rec := s.do(t, "POST", "/cds-services/"+b.service(), body)
		fs.Close()
		require.Equal(t, 200, rec.Code, rec.Body.String())
		assert.Equal(t, want, metaSigs(checkResponse(t, rec.Body.Bytes()), nil), "%s (%s %d mg): from fhirServer", b.name, b.drug, b.mg)
	}
}
