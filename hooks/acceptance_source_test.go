package hooks

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/cards"
	"jakguard/fhir"
	"jakguard/internal/fhirtest"
	"jakguard/internal/syncbuf"
)

// The source review: the same record by every road. A patient's data
// reaches jakguard as prefetch (whole, in part, as a Bundle with a next
// link) or from the EHR's FHIR server (one page or many), or a mix; the
// cards must not depend on the road. Then the roads that fail: each says
// what could not be checked (a card or a 4xx, contract 6.6), never a
// silent {"cards": []}, never another patient's data.

// sourceKeys maps each prefetch key to the resource type its query asks
// for (discovery.go).
var sourceKeys = map[string]string{
	"patient": "Patient", "conditions": "Condition", "medications": "MedicationRequest",
	"medicationStatements": "MedicationStatement", "observations": "Observation", "immunizations": "Immunization",
}

// sourceFHIR is an https FHIR server holding one record (a call's
// prefetch), answering each search in pages of per entries (0: one page)
// with next links, and writing down every query it was asked.
type sourceFHIR struct {
	*httptest.Server
	t       testing.TB
	patient string
	per     int
	data    map[string][]any // resource type -> the search's entries
	meds    []any            // Medications read by id only (noIncludes)
	// fail, when set, answers a request instead (true: answered).
	fail func(w http.ResponseWriter, r *http.Request, typ string, page int) bool

	mu      sync.Mutex
	queries []string // path?query of every request
	strange []string // requests about another patient or off the templates
}

// failing is a sourceFHIR.fail that answers 500 to every request for
// resources of type typ.
func failing(typ string) func(w http.ResponseWriter, r *http.Request, t string, page int) bool {
	return func(w http.ResponseWriter, r *http.Request, t string, page int) bool {
		if t == typ {
			w.WriteHeader(500)
		}
		return t == typ
	}
}

func newSourceFHIR(t testing.TB, body []byte, per int) *sourceFHIR {
	t.Helper()
	var req struct {
		Context  map[string]any             `json:"context"`
		Prefetch map[string]json.RawMessage `json:"prefetch"`
	}
	require.NoError(t, json.Unmarshal(body, &req))
	sf := &sourceFHIR{t: t, per: per, patient: req.Context["patientId"].(string), data: map[string][]any{}}
	for key, typ := range sourceKeys {
		raw, ok := req.Prefetch[key]
		if !ok || string(raw) == "null" {
			continue
		}
		var v map[string]any
		require.NoError(t, json.Unmarshal(raw, &v))
		if v["resourceType"] != "Bundle" {
			sf.data[typ] = []any{v}
			continue
		}
		entries, _ := v["entry"].([]any)
		for _, e := range entries {
			r := e.(map[string]any)["resource"].(map[string]any)
			mode := "match"
			if r["resourceType"] != typ {
				mode = "include" // a Medication the orders reference
			}
			sf.data[typ] = append(sf.data[typ], res{"fullUrl": "https://ehr.example/fhir/" + r["resourceType"].(string) + "/" + fmt.Sprint(r["id"]),
				"resource": r, "search": res{"mode": mode}})
		}
	}
	sf.Server = httptest.NewTLSServer(http.HandlerFunc(sf.serve))
	t.Cleanup(sf.Close)
	return sf
}

func (sf *sourceFHIR) serve(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/fhir/")
	typ, id, _ := strings.Cut(path, "/")
	page, _ := strconv.Atoi(r.URL.Query().Get("_page"))
	page = max(page, 1)
	sf.mu.Lock()
	sf.queries = append(sf.queries, r.URL.RequestURI())
	switch {
	case typ == "Patient" && id != sf.patient:
		sf.strange = append(sf.strange, "Patient read of another id: "+r.URL.RequestURI())
	case typ == "Medication" && (id != "" || len(r.URL.Query()) != 1 || r.URL.Query().Get("_id") == ""):
		sf.strange = append(sf.strange, "Medication query not by id: "+r.URL.RequestURI())
	case typ != "Patient" && typ != "Medication" && (id != "" || r.URL.Query().Get("patient") != sf.patient || len(r.URL.Query()["patient"]) != 1):
		sf.strange = append(sf.strange, "search not for the context patient: "+r.URL.RequestURI())
	}
	sf.mu.Unlock()
	if sf.fail != nil && sf.fail(w, r, typ, page) {
		return
	}
	w.Header().Set("Content-Type", "application/fhir+json")
	if typ == "Patient" {
		if p := sf.data["Patient"]; len(p) == 1 && id == sf.patient {
			json.NewEncoder(w).Encode(p[0])
			return
		}
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"not-found"}]}`)
		return
	}
	if typ == "Medication" {
		var entries []any
		for _, want := range strings.Split(r.URL.Query().Get("_id"), ",") {
			for _, e := range sf.meds {
				if e.(res)["resource"].(map[string]any)["id"] == want {
					entries = append(entries, res{"resource": e.(res)["resource"], "search": res{"mode": "match"}})
				}
			}
		}
		json.NewEncoder(w).Encode(res{"resourceType": "Bundle", "type": "searchset", "total": len(entries), "entry": entries})
		return
	}
	json.NewEncoder(w).Encode(sf.page(r.URL, typ, page))
}

// label gives every resource the server holds its patient, as servers
// write it: a subject (an Immunization's patient) that is an absolute
// URL on the server, with a display, or a relative reference with a
// version.
func (sf *sourceFHIR) label() {
	i := 0
	for typ, entries := range sf.data {
		for j, e := range entries {
			r, ok := e.(res)
			if !ok || typ == "Patient" {
				continue
			}
			resource := map[string]any{}
			for k, v := range r["resource"].(map[string]any) {
				resource[k] = v
			}
			if resource["resourceType"] == "Medication" {
				continue
			}
			ref := res{"reference": sf.base() + "/Patient/" + sf.patient, "display": "the patient"}
			if i++; i%2 == 0 {
				ref = res{"reference": "Patient/" + sf.patient + "/_history/3"}
			}
			member := "subject"
			if resource["resourceType"] == "Immunization" {
				member = "patient"
			}
			resource[member] = ref
			entries[j] = res{"fullUrl": r["fullUrl"], "resource": resource, "search": r["search"]}
		}
	}
}

// noIncludes makes the server answer the medication searches without the
// Medications their orders reference (the templates ask no _include):
// they are read by id.
func (sf *sourceFHIR) noIncludes() {
	for _, typ := range []string{"MedicationRequest", "MedicationStatement"} {
		var kept []any
		for _, e := range sf.data[typ] {
			if e.(res)["search"].(res)["mode"] == "include" {
				sf.meds = append(sf.meds, e)
			} else {
				kept = append(kept, e)
			}
		}
		sf.data[typ] = kept
	}
}

// page is page n (from 1) of the search of typ: a searchset with its total
// (the matches, includes not counted) and a next link while more remain.
func (sf *sourceFHIR) page(u *url.URL, typ string, n int) res {
	all := sf.data[typ]
	matches := 0
	for _, e := range all {
		if e.(res)["search"].(res)["mode"] == "match" {
			matches++
		}
	}
	per := sf.per
	if per <= 0 {
		per = max(len(all), 1)
	}
	lo, hi := min((n-1)*per, len(all)), min(n*per, len(all))
	b := res{"resourceType": "Bundle", "type": "searchset", "total": matches, "entry": append([]any{}, all[lo:hi]...)}
	if hi < len(all) {
		b["link"] = []any{res{"relation": "next", "url": sf.nextURL(u, n+1)}}
	}
	return b
}

// nextURL is the URL of page n of the search u.
func (sf *sourceFHIR) nextURL(u *url.URL, n int) string {
	q := u.Query()
	q.Set("_page", strconv.Itoa(n))
	return sf.URL + u.Path + "?" + q.Encode()
}

func (sf *sourceFHIR) base() string { return sf.URL + "/fhir" }

// asked returns the queries asked so far.
func (sf *sourceFHIR) asked() []string {
	sf.mu.Lock()
	defer sf.mu.Unlock()
	return append([]string(nil), sf.queries...)
}

// check fails the test for every request about another patient.
func (sf *sourceFHIR) check(t testing.TB) {
	t.Helper()
	sf.mu.Lock()
	defer sf.mu.Unlock()
	assert.Empty(t, sf.strange, "requests off the templates")
}

// sourceServer is a test server whose FHIR client trusts sf's TLS, with a
// page cap that lets a server paging every entry finish.
func sourceServer(t testing.TB, sf *sourceFHIR) *testServer {
	s := newTestServer(t, serverOpts{noStore: true})
	s.fhir = fhir.NewClient(fhir.ClientConfig{QueryTimeout: 2 * time.Second, PageCap: 60}, sf.Client())
	return s
}

// road turns a call's body into the body of another road to the same
// record; sf serves the record (its per set by the road).
type road struct {
	name string
	per  int
	body func(t testing.TB, m map[string]any, sf *sourceFHIR)
}

// dropKeys leaves keys out of prefetch and names sf as fhirServer.
func dropKeys(keys ...string) func(t testing.TB, m map[string]any, sf *sourceFHIR) {
	return func(t testing.TB, m map[string]any, sf *sourceFHIR) {
		m["fhirServer"] = sf.base()
		m["fhirAuthorization"] = res{"access_token": "tok-source", "token_type": "Bearer", "expires_in": 300, "scope": "patient/*.read", "subject": "jakguard"}
		p := m["prefetch"].(map[string]any)
		if len(keys) == 0 {
			delete(m, "prefetch")
			return
		}
		for _, k := range keys {
			delete(p, k)
		}
	}
}

// firstPages makes every prefetch Bundle its search's first page of per
// entries, with a next link to the rest on sf.
func firstPages(per int) func(t testing.TB, m map[string]any, sf *sourceFHIR) {
	return func(t testing.TB, m map[string]any, sf *sourceFHIR) {
		dropKeys("none")(t, m, sf)
		svc := HookOrderSign
		if m["hook"] == HookPatientView {
			svc = HookPatientView
		}
		p := m["prefetch"].(map[string]any)
		for key, typ := range sourceKeys {
			if key == "patient" || p[key] == nil {
				continue
			}
			q, err := renderTemplate(serviceTemplates(t, svc)[key], map[string]string{"patientId": sf.patient})
			require.NoError(t, err)
			u, err := url.Parse(sf.base() + "/" + q)
			require.NoError(t, err)
			p[key] = sf.page(u, typ, 1)
		}
	}
}

// shaped sends each prefetch Bundle as a searchset the way servers write
// them: match entries with fullUrl and search.mode, the record's Patient
// included (search.mode include, as _include=...:patient gives), and an
// OperationOutcome warning entry (search.mode outcome) that takes nothing
// away.
func shaped(t testing.TB, m map[string]any, sf *sourceFHIR) {
	p := m["prefetch"].(map[string]any)
	for key, typ := range sourceKeys {
		if key == "patient" || p[key] == nil {
			continue
		}
		all := append([]any{}, sf.data[typ]...)
		matches := 0
		for _, e := range all {
			if e.(res)["search"].(res)["mode"] == "match" {
				matches++
			}
		}
		all = append(all,
			res{"fullUrl": "https://ehr.example/fhir/Patient/" + sf.patient, "resource": p["patient"], "search": res{"mode": "include"}},
			res{"resource": res{"resourceType": "OperationOutcome", "issue": []any{res{"severity": "warning", "code": "informational",
				"diagnostics": "some results were filtered by the server's consent rules"}}}, "search": res{"mode": "outcome"}})
		p[key] = res{"resourceType": "Bundle", "type": "searchset", "total": matches, "entry": all,
			"link": []any{res{"relation": "self", "url": "https://ehr.example/fhir/" + typ + "?patient=" + sf.patient}}}
	}
}

func serviceTemplates(t testing.TB, hook string) map[string]string {
	s := newTestServer(t, serverOpts{noStore: true})
	for _, svc := range s.Services() {
		if svc.ID == hook {
			return svc.Prefetch
		}
	}
	t.Fatalf("no service %s", hook)
	return nil
}

var roads = []road{
	{"all prefetch", 0, func(t testing.TB, m map[string]any, sf *sourceFHIR) {}},
	{"no prefetch, FHIR server in one page", 0, dropKeys()},
	{"half prefetch, half FHIR server", 0, dropKeys("medications", "medicationStatements", "immunizations")},
	{"other half prefetch", 0, dropKeys("patient", "conditions", "observations")},
	{"FHIR server paging every entry", 1, dropKeys()},
	{"FHIR server paging every 2 entries", 2, dropKeys()},
	{"FHIR server paging every 7 entries", 7, dropKeys()},
	{"prefetch first page of 2 with a next link", 2, firstPages(2)},
	{"prefetch first page of 1 with a next link", 1, firstPages(1)},
	{"prefetch searchsets with include and outcome entries", 0, shaped},
	{"FHIR server without included Medications, paging every 2 entries", 2, func(t testing.TB, m map[string]any, sf *sourceFHIR) {
		sf.noIncludes()
		dropKeys()(t, m, sf)
	}},
	{"prefetch as the templates ask (no Medications), the FHIR server holding them", 0, func(t testing.TB, m map[string]any, sf *sourceFHIR) {
		sf.noIncludes()
		dropKeys("none")(t, m, sf)
		for _, key := range []string{"medications", "medicationStatements"} {
			b, ok := m["prefetch"].(map[string]any)[key].(map[string]any)
			if !ok {
				continue
			}
			var kept []any
			for _, e := range b["entry"].([]any) {
				if e.(map[string]any)["resource"].(map[string]any)["resourceType"] != "Medication" {
					kept = append(kept, e)
				}
			}
			b["entry"] = kept
		}
	}},
	{"FHIR server labelling each resource with its patient, paging every 7 entries", 7, func(t testing.TB, m map[string]any, sf *sourceFHIR) {
		sf.label()
		dropKeys()(t, m, sf)
	}},
	{"prefetch first page of 1 with a next link, without included Medications", 1, func(t testing.TB, m map[string]any, sf *sourceFHIR) {
		sf.noIncludes()
		firstPages(1)(t, m, sf)
	}},
}

// cardKey is what a card says clinically: its findings, indicator and
// summary (not its uuid).
func cardKey(c cards.Card) string {
	f := append([]string(nil), c.Findings()...)
	sort.Strings(f)
	return fmt.Sprintf("%v %s %q", f, c.Indicator, c.Summary)
}

func cardKeys(cs []cards.Card) []string {
	var out []string
	for _, c := range cs {
		out = append(out, cardKey(c))
	}
	sort.Strings(out)
	return out
}

// sourceScenarios are base scenarios of the acceptance tests that produce
// warnings, together reporting every finding code of the contract.
func sourceScenarios() []accCase {
	wt := func(kg float64) res { return qty("wt", "29463-7", kg, "kg", "", ago(20)) }
	pm := res{"resourceType": "Observation", "id": "pm", "status": "final", "code": res{"text": "CYP2C19 genotype"},
		"effectiveDateTime": ago(100), "valueString": "*2/*2 poor metabolizer"}
	adaRef := with(med("ada", "active", "", "", "x", 30), "medicationReference", res{"reference": "Medication/ada-med"})
	delete(adaRef, "medicationCodeableConcept")
	adaMed := res{"resourceType": "Medication", "id": "ada-med", "code": coding(rxnorm, "327361")}
	noBirth := cleanRecord()
	delete(noBirth.patient, "birthDate")
	withAda := cleanRecord().replace(medication("tofa", "active", rxnorm, "1357536", "tofacitinib")).replace(adaRef).
		replace(stmt("aza", "active", rxnorm, "1256", "azathioprine", 30))
	withAda.medications = append(withAda.medications, adaMed)
	// A course whose order names its drug by a referenced Medication.
	byRef := cleanRecord()
	course := courseMed("upa-1", "MedicationRequest", "active", "upadacitinib", 15, 60)
	delete(course, "medicationCodeableConcept")
	course["medicationReference"] = res{"reference": "Medication/upa-med"}
	byRef.medications = append(byRef.medications, course,
		res{"resourceType": "Medication", "id": "upa-med", "code": coding(rxnorm, "2196092")})
	return []accCase{
		{name: "screening and baseline labs missing", c: upa15(cleanRecord().drop("igra").drop("hbsag").drop("hcv").drop("anc").drop("alt").drop("ldl").drop("hcg").drop("rzv")),
			want: w("tb-screening-missing", "warning", "hbv-screening-missing", "warning", "hcv-screening-missing", "warning", "cbc-missing", "warning",
				"liver-enzymes-missing", "warning", "lipids-missing", "warning", "pregnancy-test-missing", "warning", "zoster-vaccine-missing", "warning")},
		{name: "active tuberculosis", c: upa15(cleanRecord().replace(condition("tb", sct, "427099000", "active"))), want: w("tb-active", "critical")},
		{name: "latent TB, anti-HBc and HCV antibody positive", c: abro100(cleanRecord().replace(obsCode("igra", "71773-6", positive, "2026-11-02")).
			replace(obsCode("hbc", "16933-4", positive, "2026-11-02")).replace(obsCode("hcv", "13955-0", positive, "2026-11-02"))),
			want: w("tb-latent-untreated", "critical", "hbv-core-antibody-positive", "warning", "hcv-antibody-positive", "warning")},
		{name: "HBsAg positive and HCV RNA detected", c: upa15(cleanRecord().replace(obsCode("hbsag", "5196-1", positive, "2026-11-02")).
			replace(obsCode("hcvrna", "11259-9", "260373001", "2026-11-02"))), want: w("hbv-active", "critical", "hcv-active", "critical")},
		{name: "cytopenias on abrocitinib", c: abro100(cleanRecord().replace(obsQty("alc", "731-0", 0.4, "10*9/L", "2026-11-02")).
			replace(obsQty("anc", "751-8", 800, "/uL", "2026-11-02")).replace(obsQty("hgb", "718-7", 75, "g/L", "2026-11-02")).
			replace(obsQty("plt", "777-3", 120, "10*3/uL", "2026-11-02"))),
			want: w("lymphopenia", "critical", "neutropenia", "critical", "anemia", "critical", "thrombocytopenia", "critical")},
		{name: "positive hCG and breastfeeding", c: abro100(cleanRecord().replace(obsCode("hcg", "2106-3", positive, "2026-11-25")).
			replace(condition("bf", sct, "866041003", "active"))), want: w("pregnancy", "critical", "breastfeeding", "critical")},
		{name: "MMR 10 days ago and pneumonia", c: abro100(cleanRecord().replace(immunization("mmr", "03", "2026-11-19")).
			replace(condition("pna", sct, "233604007", "active"))), want: w("live-vaccine-recent", "warning", "serious-infection-active", "critical")},
		{name: "cirrhosis without a class and eGFR 25 on abrocitinib", c: abro100(cleanRecord().replace(condition("cirr", sct, "19943007", "active")).
			replace(obsQty("egfr", "98979-8", 25, "mL/min/{1.73_m2}", "2026-11-02"))),
			want: w("severe-hepatic-impairment", "warning", "renal-impairment", "critical")},
		{name: "tofacitinib, adalimumab by a referenced Medication, azathioprine as a statement", c: upa15(withAda),
			want: w("combination-jak", "critical", "combination-biologic", "warning", "combination-immunosuppressant", "warning")},
		{name: "clopidogrel, rifampin and digoxin with abrocitinib", c: abro100(cleanRecord().replace(medication("clop", "active", rxnorm, "32968", "clopidogrel")).
			replace(medication("rif", "active", rxnorm, "9384", "rifampin")).replace(med("dig", "active", rxnorm, "3407", "digoxin", 30))),
			want: w("antiplatelet-abrocitinib", "critical", "cyp-interaction", "warning", "pgp-substrate", "info")},
		{name: "aged 55, cardiovascular history, upadacitinib 30 mg", c: sign(cleanRecord().born("1971-01-10").drop("hcg").
			replace(condition("htn", sct, "59621000", "active")).replace(condition("mi", sct, "22298006", "resolved")).
			replace(obsCode("smoke", "72166-2", "8517006", "2026-11-02")).replace(condition("dvt", sct, "128053003", "resolved")).
			replace(condition("ca", sct, "363346000", "active")), jakDraft("upadacitinib", 30)),
			want: w("cardiovascular-risk", "warning", "mace-history", "warning", "smoker", "warning", "vte-risk", "warning",
				"malignancy", "warning", "lower-dose-recommended", "warning")},
		{name: "upadacitinib 45 mg", c: sign(cleanRecord(), jakDraft("upadacitinib", 45)), want: w("dose-above-label", "warning")},
		{name: "aged 10", c: abro100(cleanRecord().born("2016-06-01")), want: w("age-not-approved", "critical")},
		{name: "no earlier systemic therapy", c: upa15(cleanRecord().drop("dupi")), want: w("no-prior-systemic-therapy", "info")},
		{name: "CYP2C19 poor metabolizer", c: abro100(cleanRecord().replace(pm)), want: w("cyp2c19-poor-metabolizer", "warning")},
		{name: "14 years, 35 kg on upadacitinib", c: upa15(cleanRecord().born(bornAged(14)).replace(wt(35))), want: w("weight-below-label", "warning")},
		{name: "no birth date", c: upa15(noBirth), want: w("age-unknown", "warning")},
		{name: "live zoster vaccine ordered on an upadacitinib course", c: sign(onCourseAt("upadacitinib", 15, 60), rxText("zoster vaccine, live")),
			want: w("live-vaccine-ordered", "warning")},
		{name: "live zoster vaccine ordered on a course whose order references its Medication", c: sign(byRef, rxText("zoster vaccine, live")),
			want: w("live-vaccine-ordered", "warning")},
		{name: "patient-view: abrocitinib 28 days, no labs since", c: view(coursed("abrocitinib", 28)),
			want: w("monitoring-cbc-due", "warning", "monitoring-liver-due", "warning", "monitoring-lipids-due", "warning")},
	}
}

// contractCodes are the finding codes of contract sections 5 and 6.
var contractCodes = []string{
	"tb-screening-missing", "tb-active", "tb-latent-untreated", "hbv-screening-missing", "hbv-active", "hbv-core-antibody-positive",
	"hcv-screening-missing", "hcv-antibody-positive", "hcv-active", "cbc-missing", "lymphopenia", "neutropenia", "anemia",
	"thrombocytopenia", "liver-enzymes-missing", "lipids-missing", "pregnancy-test-missing", "pregnancy", "breastfeeding",
	"zoster-vaccine-missing", "live-vaccine-recent", "serious-infection-active", "severe-hepatic-impairment", "renal-impairment",
	"combination-jak", "combination-biologic", "combination-immunosuppressant", "antiplatelet-abrocitinib", "cyp-interaction",
	"cardiovascular-risk", "mace-history", "smoker", "vte-risk", "malignancy", "lower-dose-recommended", "dose-above-label",
	"age-not-approved", "no-prior-systemic-therapy", "monitoring-cbc-due", "monitoring-liver-due", "monitoring-lipids-due",
	"pgp-substrate", "live-vaccine-ordered", "cyp2c19-poor-metabolizer", "weight-below-label", "age-unknown",
}

// roadBody is the body of c by road rd, with the FHIR server serving c's
// record.
func roadBody(t testing.TB, c call, rd road) ([]byte, *sourceFHIR) {
	t.Helper()
	base := c.body(t)
	sf := newSourceFHIR(t, base, rd.per)
	var m map[string]any
	require.NoError(t, json.Unmarshal(base, &m))
	rd.body(t, m, sf)
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return b, sf
}

func TestSourceSameCardsByEveryRoad(t *testing.T) {
	covered := map[string]bool{}
	for _, tc := range sourceScenarios() {
		t.Run(tc.name, func(t *testing.T) {
			var want []string
			for _, rd := range roads {
				t.Run(rd.name, func(t *testing.T) {
					body, sf := roadBody(t, tc.c, rd)
					s := sourceServer(t, sf)
					rec := s.do(t, "POST", "/cds-services/"+tc.c.service(), body)
					require.Equal(t, 200, rec.Code, rec.Body.String())
					cs := checkResponse(t, rec.Body.Bytes())
					checkAcc(t, tc, cs, rec.Body.String())
					assert.NotContains(t, rec.Body.String(), "ould not be checked", "every road brings the whole record")
					got := cardKeys(cs)
					if want == nil {
						want = got
						for code := range tc.want {
							covered[code] = true
						}
					} else {
						assert.Equal(t, want, got, "cards differ from the all-prefetch road")
					}
					sf.check(t)
				})
			}
		})
	}
	for _, code := range contractCodes {
		assert.True(t, covered[code], "no scenario reports %s", code)
	}
}

// failRecord is the clean record with no TB test (one warning card) and
// at least two entries under every search key, so that a server paging
// every entry has a page 2 to fail.
func failRecord() *record {
	r := cleanRecord().drop("igra")
	r.conditions = append(r.conditions, condition("ad2", sct, "24079001", "active"))
	r.medications = append(r.medications, med("dupi2", "stopped", "", "", "dupilumab 300 MG/2ML Prefilled Syringe", 400),
		stmt("otc1", "active", "", "", "cetirizine 10 mg tablet", 30), stmt("otc2", "active", "", "", "loratadine 10 mg tablet", 30))
	r.immunizations = append(r.immunizations, immunization("rzv2", "187", "2025-04-01"))
	return r
}

// otherPatient is a result about Patient/p2 that would be a critical card
// were it read as the context patient's.
func otherPatient(typ string) res {
	r := res{"Condition": condition("tb-p2", sct, "427099000", "active"),
		"MedicationRequest":   medication("tofa-p2", "active", rxnorm, "1357536", "tofacitinib"),
		"MedicationStatement": stmt("tofa-p2", "active", rxnorm, "1357536", "tofacitinib", 10),
		"Observation":         obsCode("hbsag-p2", "5196-1", positive, ago(5)),
		"Immunization":        immunization("mmr-p2", "03", ago(10)),
	}[typ].(res)
	if typ == "Immunization" {
		r["patient"] = res{"reference": "Patient/p2"}
	} else {
		r["subject"] = res{"reference": "Patient/p2"}
	}
	return r
}

// otherPatientCodes are the findings otherPatient would give.
var otherPatientCodes = []string{"tb-active", "combination-jak", "hbv-active", "live-vaccine-recent"}

// unchecked are the words of the cards saying a key could not be checked.
var uncheckedWords = map[string]string{
	"conditions": "conditions", "medications": "medications", "observations": "lab results", "immunizations": "immunizations",
	"medicationStatements": "outside medications",
}

// saysUnchecked checks a fail-safe answer for key: a 4xx/412/503 naming
// it, or cards of which one says it could not be checked; never a silent
// {"cards": []}, never another patient's findings.
func saysUnchecked(t *testing.T, rec *httptest.ResponseRecorder, key string, ours ...string) {
	t.Helper()
	body := rec.Body.String()
	assert.NotContains(t, body, "p2", "another patient's data in the answer")
	if rec.Code != http.StatusOK {
		assert.GreaterOrEqual(t, rec.Code, 400)
		assert.Contains(t, body, key, "the error names the key")
		return
	}
	cs := checkResponse(t, rec.Body.Bytes())
	require.NotEmpty(t, cs, "a silent {\"cards\": []}")
	for _, code := range otherPatientCodes {
		if !slices.Contains(ours, code) {
			assert.NotContains(t, codesOf(cs), code, "another patient's finding")
		}
	}
	assert.Contains(t, codesOf(cs), "tb-screening-missing", "what was read is still judged")
	var said bool
	for _, c := range cs {
		text := c.Summary + "\n" + c.Detail
		said = said || (strings.Contains(strings.ToLower(text), "could not be checked") && strings.Contains(text, uncheckedWords[key]))
	}
	assert.True(t, said, "no card says %s could not be checked: %s", key, cardSummaries(cs))
}

// failServer is a test server on sf with a short query timeout and a page
// bound of 64 KiB. Whatever fails, its logs hold neither the token nor
// the queries (they name the patient) nor another patient's id.
// signEdited posts base on order-sign after edit, with the test FHIR server
// holding base's record (prefetch dropped first when server is set), and
// checks the queries the server was asked.
func signEdited(t *testing.T, base []byte, server bool, edit func(map[string]any, *sourceFHIR)) *httptest.ResponseRecorder {
	t.Helper()
	sf := newSourceFHIR(t, base, 0)
	var m map[string]any
	require.NoError(t, json.Unmarshal(base, &m))
	if server {
		dropKeys("none")(t, m, sf)
	}
	edit(m, sf)
	body, err := json.Marshal(m)
	require.NoError(t, err)
	rec := failServer(t, sf).do(t, "POST", "/cds-services/order-sign", body)
	sf.check(t)
	return rec
}

func failServer(t testing.TB, sf *sourceFHIR) *testServer {
	s := newTestServer(t, serverOpts{noStore: true})
	s.fhir = fhir.NewClient(fhir.ClientConfig{QueryTimeout: 500 * time.Millisecond, PageCap: 20, MaxBytes: 64 << 10}, sf.Client())
	var logs syncbuf.Buffer
	s.logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s.echo = s.routes()
	t.Cleanup(func() {
		require.Contains(t, logs.String(), `"msg":"request"`)
		for _, secret := range []string{"tok-source", "patient=p", "Patient/p1", "p2", sf.URL} {
			assert.NotContains(t, logs.String(), secret, "logged")
		}
	})
	return s
}

// A page of the FHIR server failing while a search is paged: every key,
// every way a page can fail.
func TestSourceFailingPage(t *testing.T) {
	type failure func(sf *sourceFHIR, w http.ResponseWriter, r *http.Request, typ string) bool
	write := func(w http.ResponseWriter, status int, body string) bool {
		w.Header().Set("Content-Type", "application/fhir+json")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
		return true
	}
	failures := []struct {
		name string
		page int // the page that fails
		f    failure
	}{
		{"500", 2, func(sf *sourceFHIR, w http.ResponseWriter, r *http.Request, typ string) bool {
			return write(w, 500, `{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"exception"}]}`)
		}},
		{"timeout", 2, func(sf *sourceFHIR, w http.ResponseWriter, r *http.Request, typ string) bool {
			select {
			case <-r.Context().Done():
			case <-time.After(3 * time.Second):
			}
			return true
		}},
		{"malformed JSON", 2, func(sf *sourceFHIR, w http.ResponseWriter, r *http.Request, typ string) bool {
			return write(w, 200, `{"resourceType":"Bundle","type":"searchset","entry":[{"resource":`)
		}},
		{"a page of another patient", 2, func(sf *sourceFHIR, w http.ResponseWriter, r *http.Request, typ string) bool {
			b, _ := json.Marshal(res{"resourceType": "Bundle", "type": "searchset", "entry": []any{res{"resource": otherPatient(typ), "search": res{"mode": "match"}}}})
			return write(w, 200, string(b))
		}},
		{"a next link to another host", 1, func(sf *sourceFHIR, w http.ResponseWriter, r *http.Request, typ string) bool {
			b := sf.page(r.URL, typ, 1)
			b["link"] = []any{res{"relation": "next", "url": "https://ehr.example.org/fhir/" + typ + "?patient=p1&_page=2"}}
			j, _ := json.Marshal(b)
			return write(w, 200, string(j))
		}},
		{"a next link looping back", 2, func(sf *sourceFHIR, w http.ResponseWriter, r *http.Request, typ string) bool {
			b := sf.page(r.URL, typ, 2)
			b["link"] = []any{res{"relation": "next", "url": sf.nextURL(r.URL, 1)}}
			j, _ := json.Marshal(b)
			return write(w, 200, string(j))
		}},
		{"a page over the size bound", 2, func(sf *sourceFHIR, w http.ResponseWriter, r *http.Request, typ string) bool {
			b := sf.page(r.URL, typ, 2)
			b["meta"] = res{"tag": []any{res{"display": strings.Repeat("x", 100<<10)}}}
			j, _ := json.Marshal(b)
			return write(w, 200, string(j))
		}},
		{"401", 1, func(sf *sourceFHIR, w http.ResponseWriter, r *http.Request, typ string) bool {
			return write(w, 401, `{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"login"}]}`)
		}},
		{"403", 1, func(sf *sourceFHIR, w http.ResponseWriter, r *http.Request, typ string) bool {
			return write(w, 403, `{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"forbidden"}]}`)
		}},
		{"a total beyond the entries, no next link", 1, func(sf *sourceFHIR, w http.ResponseWriter, r *http.Request, typ string) bool {
			b := sf.page(r.URL, typ, 1)
			delete(b, "link")
			b["total"] = 50
			j, _ := json.Marshal(b)
			return write(w, 200, string(j))
		}},
		{"a history Bundle", 1, func(sf *sourceFHIR, w http.ResponseWriter, r *http.Request, typ string) bool {
			b := sf.page(r.URL, typ, 1)
			b["type"] = "history"
			delete(b, "link")
			delete(b, "total")
			j, _ := json.Marshal(b)
			return write(w, 200, string(j))
		}},
	}
	for _, key := range []string{"conditions", "medications", "medicationStatements", "observations", "immunizations"} {
		for _, fl := range failures {
			t.Run(key+"/"+fl.name, func(t *testing.T) {
				body, sf := roadBody(t, upa15(failRecord()), road{per: 1, body: dropKeys(key)})
				sf.fail = func(w http.ResponseWriter, r *http.Request, typ string, page int) bool {
					return typ == sourceKeys[key] && page == fl.page && fl.f(sf, w, r, typ)
				}
				s := failServer(t, sf)
				saysUnchecked(t, s.do(t, "POST", "/cds-services/order-sign", body), key)
				sf.check(t)
			})
		}
	}
	t.Run("patient: 401 answers 412 naming the key", func(t *testing.T) {
		body, sf := roadBody(t, upa15(failRecord()), road{body: dropKeys("patient")})
		sf.fail = func(w http.ResponseWriter, r *http.Request, typ string, page int) bool {
			return typ == "Patient" && write(w, 401, `{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"login"}]}`)
		}
		rec := failServer(t, sf).do(t, "POST", "/cds-services/order-sign", body)
		assert.Equal(t, http.StatusPreconditionFailed, rec.Code)
		saysUnchecked(t, rec, "patient")
	})
	t.Run("patient: another patient's Patient answers 412", func(t *testing.T) {
		body, sf := roadBody(t, upa15(failRecord()), road{body: dropKeys("patient")})
		sf.fail = func(w http.ResponseWriter, r *http.Request, typ string, page int) bool {
			return typ == "Patient" && write(w, 200, `{"resourceType":"Patient","id":"p2","gender":"male","birthDate":"1940-01-01"}`)
		}
		rec := failServer(t, sf).do(t, "POST", "/cds-services/order-sign", body)
		assert.Equal(t, http.StatusPreconditionFailed, rec.Code)
		saysUnchecked(t, rec, "patient")
	})
}

// fhirServer queries ask only for what the templates say: the patient id
// fills its place, escaped, and an id that is no FHIR id, or one of dots
// that a URL resolves as a path step, never turns the query to another
// patient (or to every patient).
func TestSourceQueriesFollowTheTemplates(t *testing.T) {
	t.Run("every query is a template, rendered for the context patient", func(t *testing.T) {
		for _, c := range []call{upa15(failRecord()), view(coursed("abrocitinib", 28))} {
			body, sf := roadBody(t, c, road{per: 2, body: dropKeys()})
			rec := sourceServer(t, sf).do(t, "POST", "/cds-services/"+c.service(), body)
			require.Equal(t, 200, rec.Code, rec.Body.String())
			sf.check(t)
			var want []string
			for _, tmpl := range serviceTemplates(t, c.service()) {
				q, err := renderTemplate(tmpl, map[string]string{"patientId": "p1"})
				require.NoError(t, err)
				want = append(want, "/fhir/"+q)
			}
			var first []string
			for _, q := range sf.asked() {
				if !strings.Contains(q, "_page=") {
					first = append(first, q)
				}
			}
			assert.ElementsMatch(t, want, first, "the first page of each search is its template")
		}
	})
	for _, id := range []string{"p1/../p2", "../p2", "..", ".", "p1?patient=p2", "p1&patient=p2", "p1,p2", "p1#x", "p1%2F..%2Fp2", "p1/", "p2/_history/1"} {
		t.Run(fmt.Sprintf("patient id %q", id), func(t *testing.T) {
			r := failRecord()
			r.patient["id"] = id
			c := upa15(r)
			c.drafts[0]["subject"] = res{"reference": "Patient/" + id}
			body := c.body(t)
			var m map[string]any
			require.NoError(t, json.Unmarshal(body, &m))
			m["context"].(map[string]any)["patientId"] = id
			body, err := json.Marshal(m)
			require.NoError(t, err)
			sf := newSourceFHIR(t, body, 0)
			dropKeys()(t, m, sf)
			body, err = json.Marshal(m)
			require.NoError(t, err)
			rec := sourceServer(t, sf).do(t, "POST", "/cds-services/order-sign", body)
			assert.NotEqual(t, http.StatusOK, rec.Code, "an id that is no FHIR id is not evaluated: %s", rec.Body.String())
			assert.Less(t, rec.Code, 500)
			assert.Empty(t, sf.asked(), "no query for an id that could change it")
		})
	}
}

// Prefetch that is there but is not the answer to its key's query, or
// whose next page cannot be had: fetched again from the FHIR server when
// there is one (the same cards as the whole prefetch), said on a card when
// there is none; an empty search is no failed one.
func TestSourcePrefetchRoads(t *testing.T) {
	c := upa15(failRecord())
	base := c.body(t)
	s0 := newTestServer(t, serverOpts{noStore: true})
	rec := s0.do(t, "POST", "/cds-services/order-sign", base)
	require.Equal(t, 200, rec.Code)
	want := cardKeys(checkResponse(t, rec.Body.Bytes()))

	bundle := func(m map[string]any, key string) res { return m["prefetch"].(map[string]any)[key].(map[string]any) }
	selfLink := func(url string) []any { return []any{res{"relation": "self", "url": url}} }
	cases := []struct {
		name   string
		key    string // the key whose value is unusable ("": none)
		server bool
		edit   func(m map[string]any, sf *sourceFHIR)
	}{
		{"a history Bundle", "conditions", false, func(m map[string]any, sf *sourceFHIR) { bundle(m, "conditions")["type"] = "history" }},
		{"a transaction Bundle", "conditions", false, func(m map[string]any, sf *sourceFHIR) { bundle(m, "conditions")["type"] = "transaction" }},
		{"a document Bundle", "immunizations", false, func(m map[string]any, sf *sourceFHIR) { bundle(m, "immunizations")["type"] = "document" }},
		{"a history Bundle, FHIR server", "", true, func(m map[string]any, sf *sourceFHIR) { bundle(m, "conditions")["type"] = "history" }},
		{"a collection Bundle", "", false, func(m map[string]any, sf *sourceFHIR) { bundle(m, "conditions")["type"] = "collection" }},
		{"an empty searchset whose self link is a search of another type", "medications", false, func(m map[string]any, sf *sourceFHIR) {
			m["prefetch"].(map[string]any)["medications"] = res{"resourceType": "Bundle", "type": "searchset", "total": 0,
				"link": selfLink("https://ehr.example/fhir/MedicationStatement?patient=p1")}
		}},
		{"an empty searchset whose self link is a search of another type, FHIR server", "", true, func(m map[string]any, sf *sourceFHIR) {
			m["prefetch"].(map[string]any)["medications"] = res{"resourceType": "Bundle", "type": "searchset", "total": 0,
				"link": selfLink("https://ehr.example/fhir/MedicationStatement?patient=p1")}
		}},
		{"an empty searchset whose self link is another patient's search", "conditions", false, func(m map[string]any, sf *sourceFHIR) {
			m["prefetch"].(map[string]any)["conditions"] = res{"resourceType": "Bundle", "type": "searchset", "total": 0,
				"link": selfLink("https://ehr.example/fhir/Condition?patient=p2&_count=200")}
		}},
		{"an empty searchset whose self link's subject is another patient, FHIR server", "", true, func(m map[string]any, sf *sourceFHIR) {
			m["prefetch"].(map[string]any)["conditions"] = res{"resourceType": "Bundle", "type": "searchset", "total": 0,
				"link": selfLink("Condition?subject=Patient%2Fp2")}
		}},
		{"the self link is the template's search", "", false, func(m map[string]any, sf *sourceFHIR) {
			bundle(m, "conditions")["link"] = selfLink("https://ehr.example/fhir/Condition?_count=200&patient=Patient%2Fp1")
		}},
		{"a next link to another host", "conditions", true, func(m map[string]any, sf *sourceFHIR) {
			bundle(m, "conditions")["link"] = []any{res{"relation": "next", "url": "https://ehr.example.org/fhir/Condition?patient=p1&_page=2"}}
		}},
		{"a next link whose page fails", "conditions", true, func(m map[string]any, sf *sourceFHIR) {
			bundle(m, "conditions")["link"] = []any{res{"relation": "next", "url": sf.base() + "/Condition?patient=p1&_page=2"}}
			sf.fail = func(w http.ResponseWriter, r *http.Request, typ string, page int) bool {
				w.WriteHeader(500)
				return true
			}
		}},
		{"a next link and no fhirServer", "conditions", false, func(m map[string]any, sf *sourceFHIR) {
			bundle(m, "conditions")["link"] = []any{res{"relation": "next", "url": "https://ehr.example/fhir/Condition?patient=p1&_page=2"}}
		}},
		{"a total beyond the entries", "observations", false, func(m map[string]any, sf *sourceFHIR) { bundle(m, "observations")["total"] = 40 }},
		{"a total beyond the entries, FHIR server", "", true, func(m map[string]any, sf *sourceFHIR) { bundle(m, "observations")["total"] = 40 }},
		{"a failed search (OperationOutcome)", "observations", false, func(m map[string]any, sf *sourceFHIR) {
			m["prefetch"].(map[string]any)["observations"] = res{"resourceType": "OperationOutcome", "issue": []any{res{"severity": "error", "code": "exception"}}}
		}},
		{"a key no template asks, holding another patient's results", "", false, func(m map[string]any, sf *sourceFHIR) {
			m["prefetch"].(map[string]any)["labs"] = bundleOf([]res{otherPatient("Observation")})
		}},
		{"an included Patient of another patient", "conditions", false, func(m map[string]any, sf *sourceFHIR) {
			b := bundle(m, "conditions")
			b["entry"] = append(b["entry"].([]any), res{"resource": res{"resourceType": "Patient", "id": "p2"}, "search": res{"mode": "include"}})
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := signEdited(t, base, tc.server, tc.edit)
			if tc.key != "" {
				saysUnchecked(t, rec, tc.key)
				return
			}
			require.Equal(t, 200, rec.Code, rec.Body.String())
			assert.Equal(t, want, cardKeys(checkResponse(t, rec.Body.Bytes())))
		})
	}

	t.Run("an empty search is no data, not a failed one", func(t *testing.T) {
		var m map[string]any
		require.NoError(t, json.Unmarshal(base, &m))
		m["prefetch"].(map[string]any)["observations"] = res{"resourceType": "Bundle", "type": "searchset", "total": 0}
		body, err := json.Marshal(m)
		require.NoError(t, err)
		rec := s0.do(t, "POST", "/cds-services/order-sign", body)
		require.Equal(t, 200, rec.Code, rec.Body.String())
		cs := checkResponse(t, rec.Body.Bytes())
		assert.Subset(t, codesOf(cs), []string{"tb-screening-missing", "hbv-screening-missing", "cbc-missing", "lipids-missing"})
		assert.NotContains(t, rec.Body.String(), "ould not be checked")
	})
}

// A server that pages in more pages than the client follows (PageCap,
// --fhir-page-cap) has not given the whole search: said, not read as all.
func TestSourcePageCapSaid(t *testing.T) {
	body, sf := roadBody(t, upa15(failRecord()), road{per: 1, body: dropKeys("observations")})
	s := failServer(t, sf)
	s.fhir = fhir.NewClient(fhir.ClientConfig{QueryTimeout: 2 * time.Second, PageCap: 5}, sf.Client())
	rec := s.do(t, "POST", "/cds-services/order-sign", body)
	saysUnchecked(t, rec, "observations")
	assert.Len(t, sf.asked(), 5, "no page past the cap")
}

// The FHIR-server road on a real FHIR engine (internal/fhirtest, Medplum's):
// the templates are valid queries there and bring back the record the
// prefetch holds, so the cards are the same.
func TestSourceAgainstFHIREngine(t *testing.T) {
	scenarios := sourceScenarios()
	for _, i := range []int{0, 2, 4, 8, 10, 16, 18, 19} {
		tc := scenarios[i]
		t.Run(tc.name, func(t *testing.T) {
			full := tc.c.body(t)
			var req struct {
				Prefetch map[string]json.RawMessage `json:"prefetch"`
			}
			require.NoError(t, json.Unmarshal(full, &req))
			var entries []any
			for _, raw := range req.Prefetch {
				var v res
				require.NoError(t, json.Unmarshal(raw, &v))
				rs := []any{v}
				if v["resourceType"] == "Bundle" {
					rs = nil
					for _, e := range v["entry"].([]any) {
						rs = append(rs, e.(map[string]any)["resource"])
					}
				}
				for _, x := range rs {
					r := x.(map[string]any)
					switch r["resourceType"] {
					case "Patient", "Medication":
					case "Immunization":
						r["patient"] = res{"reference": "Patient/p1"}
					default:
						r["subject"] = res{"reference": "Patient/p1"}
					}
					entries = append(entries, res{"resource": r, "request": res{"method": "PUT", "url": fmt.Sprintf("%s/%v", r["resourceType"], r["id"])}})
				}
			}
			b, err := json.Marshal(res{"resourceType": "Bundle", "type": "transaction", "entry": entries})
			require.NoError(t, err)
			file := t.TempDir() + "/record.json"
			require.NoError(t, os.WriteFile(file, b, 0o600))
			server := fhirtest.Start(t, file)

			s := newTestServer(t, serverOpts{noStore: true, deadline: 30 * time.Second})
			s.fhir = fhir.NewClient(fhir.ClientConfig{AllowHTTP: true, QueryTimeout: 10 * time.Second}, nil)
			with := s.do(t, "POST", "/cds-services/"+tc.c.service(), full)
			require.Equal(t, 200, with.Code, with.Body.String())
			var m map[string]any
			require.NoError(t, json.Unmarshal(full, &m))
			delete(m, "prefetch")
			m["fhirServer"] = server
			body, err := json.Marshal(m)
			require.NoError(t, err)
			without := s.do(t, "POST", "/cds-services/"+tc.c.service(), body)
			require.Equal(t, 200, without.Code, without.Body.String())
			cs := checkResponse(t, without.Body.Bytes())
			checkAcc(t, tc, cs, without.Body.String())
			assert.Equal(t, cardKeys(checkResponse(t, with.Body.Bytes())), cardKeys(cs))
		})
	}
}

// The Medications an order references, read by id from the FHIR server:
// when that read fails, or the token may not read Medications, the orders
// whose drug cannot be told are said, as before.
func TestSourceReferencedMedicationUnobtainable(t *testing.T) {
	c := sourceScenarios()[8] // adalimumab by a referenced Medication
	require.Contains(t, c.name, "referenced Medication")
	for name, setup := range map[string]func(m map[string]any, sf *sourceFHIR){
		"the read fails": func(m map[string]any, sf *sourceFHIR) {
			sf.fail = failing("Medication")
		},
		"the token may not read Medications": func(m map[string]any, sf *sourceFHIR) {
			m["fhirAuthorization"].(res)["scope"] = "patient/Patient.read patient/Condition.read patient/Observation.read patient/Immunization.read patient/MedicationRequest.read patient/MedicationStatement.read"
		},
	} {
		t.Run(name, func(t *testing.T) {
			body := c.c.body(t)
			sf := newSourceFHIR(t, body, 0)
			sf.noIncludes()
			var m map[string]any
			require.NoError(t, json.Unmarshal(body, &m))
			dropKeys()(t, m, sf)
			setup(m, sf)
			b, err := json.Marshal(m)
			require.NoError(t, err)
			rec := failServer(t, sf).do(t, "POST", "/cds-services/order-sign", b)
			require.Equal(t, 200, rec.Code, rec.Body.String())
			cs := checkResponse(t, rec.Body.Bytes())
			requireFinding(t, cs, "data-unavailable", "warning")
			assert.Contains(t, cardWith(cs, "data-unavailable").Summary, "some medications could not be read")
			assert.NotContains(t, codesOf(cs), "combination-biologic")
		})
	}
}

// What was read before a page failed is read, whatever the road: an
// active tofacitinib on the first page of the medication list is a
// critical card, beside the card saying the list could not be read whole,
// when the rest of the search fails on the FHIR server (fetched) as when
// it fails after a prefetch first page (next link).
func TestSourcePartialSearchRead(t *testing.T) {
	r := failRecord()
	r.medications = append([]res{medication("tofa", "active", rxnorm, "1357536", "tofacitinib")}, r.medications...)
	c := upa15(r)
	fail500 := func(sf *sourceFHIR) {
		sf.fail = func(w http.ResponseWriter, r *http.Request, typ string, page int) bool {
			if typ == "MedicationRequest" && page == 2 {
				w.WriteHeader(500)
				return true
			}
			return false
		}
	}
	for _, rd := range []road{
		{"fetched, page 2 fails", 1, dropKeys("medications")},
		{"prefetch first page, next page fails", 1, firstPages(1)},
	} {
		t.Run(rd.name, func(t *testing.T) {
			body, sf := roadBody(t, c, rd)
			fail500(sf)
			rec := failServer(t, sf).do(t, "POST", "/cds-services/order-sign", body)
			saysUnchecked(t, rec, "medications", "combination-jak")
			requireFinding(t, checkResponse(t, rec.Body.Bytes()), "combination-jak", "critical")
		})
	}
}

// patient-view: a course on the first page of a medication list whose
// next page fails is checked, and the gap said.
func TestSourcePartialCourseOnPatientView(t *testing.T) {
	r := coursed("abrocitinib", 28)
	r.medications = append(r.medications[len(r.medications)-1:], r.medications[:len(r.medications)-1]...) // the course first
	body, sf := roadBody(t, view(r), road{per: 1, body: dropKeys("medications")})
	sf.fail = func(w http.ResponseWriter, r *http.Request, typ string, page int) bool {
		if typ == "MedicationRequest" && page == 2 {
			w.WriteHeader(500)
			return true
		}
		return false
	}
	rec := failServer(t, sf).do(t, "POST", "/cds-services/patient-view", body)
	require.Equal(t, 200, rec.Code, rec.Body.String())
	cs := checkResponse(t, rec.Body.Bytes())
	requireFinding(t, cs, "monitoring-cbc-due", "warning")
	requireFinding(t, cs, "data-unavailable", "info")
	assert.Contains(t, cardWith(cs, "data-unavailable").Summary, "medications")
}
