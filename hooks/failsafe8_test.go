package hooks

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/fhir"
)

// The failsafe8 review: hostile input on the paths the source review
// added (Medications read by id, partial pages, prefetch Bundle checks).

// historyOf is a history Bundle of rs: the versions of each resource, as
// GET [type]/_history gives them (newest first, each entry its request).
func historyOf(rs ...res) res {
	entries := []any{}
	for _, r := range rs {
		entries = append(entries, res{"resource": r, "request": res{"method": "PUT", "url": r["resourceType"].(string) + "/" + r["id"].(string)},
			"response": res{"status": "200"}})
	}
	return res{"resourceType": "Bundle", "type": "history", "entry": entries}
}

// A history Bundle holds past versions: under a prefetch key, or as a
// fetched page, it is no answer to the key's search, and what it holds is
// not read (it was: an active tuberculosis since resolved, an old version
// of the record, was a critical card beside the current one).
func TestFailsafe8HistoryBundleNotRead(t *testing.T) {
	r := failRecord().replace(condition("tb", sct, "427099000", "resolved"))
	c := upa15(r)
	base := c.body(t)
	rec := newTestServer(t, serverOpts{noStore: true}).do(t, "POST", "/cds-services/order-sign", base)
	require.Equal(t, 200, rec.Code)
	want := cardKeys(checkResponse(t, rec.Body.Bytes()))
	require.NotContains(t, codesOf(checkResponse(t, rec.Body.Bytes())), "tb-active")
	history := func() res {
		return historyOf(append(append([]res{}, r.conditions...), condition("tb", sct, "427099000", "active"))...)
	}
	for _, tc := range []struct {
		name   string
		server bool
		edit   func(m map[string]any, sf *sourceFHIR)
	}{
		{"prefetch, FHIR server", true, func(m map[string]any, sf *sourceFHIR) {
			m["prefetch"].(map[string]any)["conditions"] = history()
		}},
		{"prefetch, no FHIR server", false, func(m map[string]any, sf *sourceFHIR) {
			m["prefetch"].(map[string]any)["conditions"] = history()
		}},
		{"fetched", true, func(m map[string]any, sf *sourceFHIR) {
			delete(m["prefetch"].(map[string]any), "conditions")
			sf.fail = func(w http.ResponseWriter, r *http.Request, typ string, page int) bool {
				if typ != "Condition" {
					return false
				}
				w.Header().Set("Content-Type", "application/fhir+json")
				json.NewEncoder(w).Encode(history())
				return true
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := signEdited(t, base, tc.server, tc.edit)
			if tc.name == "prefetch, FHIR server" {
				require.Equal(t, 200, rec.Code, rec.Body.String())
				assert.Equal(t, want, cardKeys(checkResponse(t, rec.Body.Bytes())))
				return
			}
			saysUnchecked(t, rec, "conditions")
		})
	}
}

// The self link of an empty prefetch search says whose search it is: one
// for another patient is no "no data" for this one, however the link is
// written (a compartment search, a query Go's parser drops a pair of);
// one for this patient, or naming none, is read as it is.
func TestFailsafe8SelfLinks(t *testing.T) {
	c := upa15(failRecord())
	base := c.body(t)
	rec := newTestServer(t, serverOpts{noStore: true}).do(t, "POST", "/cds-services/order-sign", base)
	require.Equal(t, 200, rec.Code)
	want := cardKeys(checkResponse(t, rec.Body.Bytes()))
	for _, tc := range []struct {
		self  string
		other bool // another patient's search: said, not read as none
	}{
		{"https://ehr.example/fhir/Patient/p2/Condition", true},
		{"https://ehr.example/fhir/Patient/p2/Condition/_search?_count=200", true},
		{"Patient/p2/Condition", true},
		{"https://ehr.example/fhir/Condition?patient=p2;_count=200", true},
		{"https://ehr.example/fhir/Condition?_count=200;x&patient=p2", true},
		{"https://ehr.example/fhir/Condition?patient=p2%zz", true},
		{"https://ehr.example/fhir/Condition?patient=p2&_count=%zz", true},
		{"https://ehr.example/fhir/Condition?patient=p1,p2", true},
		{"https://ehr.example/fhir/Condition?patient=Patient%2Fp2", true},
		{"https://ehr.example/fhir/Condition%zz?patient=p2", true},
		{"https://ehr.example/fhir/Condition?patient=p2\x7f", true},
		{"https://ehr.example/fhir/Condition?patient=p1&subject=Patient%2Fp2", true},
		{"https://ehr.example/fhir/Condition?subject:Patient=p2", true},
		// A search of another type across the server.
		{"https://ehr.example/fhir?_type=Observation&patient=p1", true},
		{"https://ehr.example/fhir/?_type=Condition,Observation&patient=p1", true},
		// A patient named by a chain is not known to be this one.
		{"https://ehr.example/fhir/Condition?patient.identifier=urn:mrn%7C123", true},
		{"https://ehr.example/fhir/Condition?subject:Patient.identifier=urn:mrn%7C123", true},
		{"https://ehr.example/fhir/Condition?subject.name=Lovelace", true},
		// Read as they are (the entries are held to the patient).
		{"https://ehr.example/fhir/Patient/p1/Condition?_count=200", false},
		{"Condition?patient=p1&_count=200", false},
		{"https://other.example/fhir/Condition?patient=https%3A%2F%2Fehr.example%2Ffhir%2FPatient%2Fp1", false},
		{"https://ehr.example/fhir/Condition?subject:Patient=p1&_count=200", false},
		{"https://ehr.example/fhir/Condition/_search?patient=Patient/p1", false},
		{"https://ehr.example/fhir/Condition?patient._id=p1", false},
		{"https://ehr.example/fhir?_type=Condition&patient=p1", false},
		{"https://ehr.example/fhir/Condition?patient=Patient%2Fp1&_count=200", false},
		{"https://ehr.example/fhir/Cond%69tion?patient=p1", false},
		// A search naming no patient is not known to be another's: its
		// entries are held to the patient one by one.
		{"https://ehr.example/fhir/Condition?_id=ad,ad2", false},
	} {
		t.Run(tc.self, func(t *testing.T) {
			var m map[string]any
			require.NoError(t, json.Unmarshal(base, &m))
			conditions := m["prefetch"].(map[string]any)["conditions"].(map[string]any)
			conditions["link"] = []any{res{"relation": "self", "url": tc.self}}
			if tc.other {
				conditions["entry"] = []any{}
			}
			body, err := json.Marshal(m)
			require.NoError(t, err)
			sf := newSourceFHIR(t, base, 0)
			rec := failServer(t, sf).do(t, "POST", "/cds-services/order-sign", body)
			if tc.other {
				saysUnchecked(t, rec, "conditions")
				return
			}
			require.Equal(t, 200, rec.Code, rec.Body.String())
			assert.Equal(t, want, cardKeys(checkResponse(t, rec.Body.Bytes())))
		})
	}
}

// The Medications read by id (Medication?_id=): what the answer holds
// beside the Medications asked for is no answer to the query. An order,
// a Medication nobody asked for (one prefetch already gave, of other
// content), or another patient's data is not read; a Medication asked
// for that comes twice, differing, is read as both (failsafe7).
func TestFailsafe8MedicationsByID(t *testing.T) {
	byRef := func(id, medID string) res {
		m := with(med(id, "active", "", "", "x", 30), "medicationReference", res{"reference": "Medication/" + medID})
		delete(m, "medicationCodeableConcept")
		return m
	}
	adaMed := res{"resourceType": "Medication", "id": "ada-med", "code": coding(rxnorm, "327361")}
	cetMed := res{"resourceType": "Medication", "id": "cet-med", "code": res{"text": "cetirizine 10 mg tablet"}}
	r := cleanRecord().replace(byRef("ada", "ada-med")).replace(byRef("cet", "cet-med"))
	r.medications = append(r.medications, cetMed) // prefetch holds cet-med, not ada-med
	base := upa15(r).body(t)
	tofaMed := func(id string) res {
		return res{"resourceType": "Medication", "id": id, "code": coding(rxnorm, "1357536")}
	}
	tofaOrder := with(medication("tofa", "active", rxnorm, "1357536", "tofacitinib"), "subject", res{"reference": "Patient/p1"})
	unread := []string{"data-unavailable"}
	for _, tc := range []struct {
		name    string
		answer  []res
		want    []string // findings present
		notWant []string
	}{
		{"the Medication asked for", []res{adaMed}, []string{"combination-biologic"}, append(unread, "combination-jak")},
		{"beside it, a Medication of another id, which prefetch gave otherwise", []res{adaMed, tofaMed("cet-med")},
			[]string{"combination-biologic"}, append(unread, "combination-jak")},
		{"beside it, a Medication of another id nobody references", []res{adaMed, tofaMed("other")},
			[]string{"combination-biologic"}, append(unread, "combination-jak")},
		{"only a Medication of another id", []res{tofaMed("ada-med2")}, unread, []string{"combination-biologic", "combination-jak"}},
		{"beside it, an order of the patient", []res{adaMed, tofaOrder}, unread, []string{"combination-jak"}},
		{"beside it, another patient's order", []res{adaMed, otherPatient("MedicationRequest")}, unread, []string{"combination-jak"}},
		{"an order of the asked id instead", []res{with(medication("ada-med", "active", rxnorm, "1357536", "tofacitinib"), "subject", res{"reference": "Patient/p1"})},
			unread, []string{"combination-jak", "combination-biologic"}},
		{"the asked id twice, differing", []res{adaMed, with(tofaMed("ada-med"), "code", res{"text": "cetirizine"})},
			[]string{"combination-biologic"}, append(unread, "combination-jak")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sf := newSourceFHIR(t, base, 0)
			var m map[string]any
			require.NoError(t, json.Unmarshal(base, &m))
			dropKeys("none")(t, m, sf)
			body, err := json.Marshal(m)
			require.NoError(t, err)
			sf.fail = func(w http.ResponseWriter, r *http.Request, typ string, page int) bool {
				if typ != "Medication" {
					return false
				}
				assert.Equal(t, "ada-med", r.URL.Query().Get("_id"), "only what no one sent is asked")
				entries := []any{}
				for _, x := range tc.answer {
					entries = append(entries, res{"resource": x, "search": res{"mode": "match"}})
				}
				w.Header().Set("Content-Type", "application/fhir+json")
				json.NewEncoder(w).Encode(res{"resourceType": "Bundle", "type": "searchset", "entry": entries})
				return true
			}
			rec := failServer(t, sf).do(t, "POST", "/cds-services/order-sign", body)
			require.Equal(t, 200, rec.Code, rec.Body.String())
			assert.NotContains(t, rec.Body.String(), "p2")
			codes := codesOf(checkResponse(t, rec.Body.Bytes()))
			assert.Subset(t, codes, tc.want)
			for _, c := range tc.notWant {
				assert.NotContains(t, codes, c)
			}
			assert.Contains(t, sf.asked(), "/fhir/Medication?_id=ada-med")
		})
	}
}

// A medication list cut short (page 2 fails on the FHIR server), on each
// order hook and in the reverse direction (an interacting drug ordered):
// a course on page 1 is judged and the gap said; a course not on page 1
// cannot be told, which is said on a JAK order, and is no cards in the
// reverse direction (section 2b).
func TestFailsafe8PartialMedicationList(t *testing.T) {
	withCourse := func(first bool) *record {
		r := onCourseAt("upadacitinib", 30, 60)
		course := r.medications[len(r.medications)-1]
		r.medications = append(r.medications[:len(r.medications)-1], med("dupi2", "stopped", "", "", "dupilumab 300 MG/2ML Prefilled Syringe", 400),
			stmt("otc1", "active", "", "", "cetirizine 10 mg tablet", 30), stmt("otc2", "active", "", "", "loratadine 10 mg tablet", 30))
		if first {
			r.medications = append([]res{course}, r.medications...)
		} else {
			r.medications = append(r.medications, course)
		}
		return r
	}
	clarithro := rxText("clarithromycin 500 MG Oral Tablet")
	for _, tc := range []struct {
		name  string
		c     call
		key   string // the key whose page 2 fails
		want  []string
		empty bool // no cards
	}{
		{"order-sign, tofacitinib on page 1", upa15(failRecordWith(medication("tofa", "active", rxnorm, "1357536", "tofacitinib"))), "medications",
			[]string{"combination-jak"}, false},
		{"order-select, tofacitinib on page 1", call{hook: HookOrderSelect, r: failRecordWith(medication("tofa", "active", rxnorm, "1357536", "tofacitinib")),
			drafts: []res{jakDraft("upadacitinib", 15)}, selections: []string{"MedicationRequest/new"}}, "medications",
			[]string{"combination-jak"}, false},
		{"order-sign, nothing on page 1", upa15(failRecord()), "medications", nil, false},
		{"reverse, the course on page 1", sign(withCourse(true), clarithro), "medications", []string{"cyp-interaction", "data-unavailable"}, false},
		{"reverse, the course on page 2", sign(withCourse(false), clarithro), "medications", nil, true},
		// The outside list cut short, the orders whole and no course on
		// them: the course is not known to be on the outside list, and
		// the answer is no cards (committee question 2 of failsafe8).
		{"reverse, an outside course past page 1 of the statements", sign(outsideCourse(), clarithro), "medicationStatements", nil, true},
		{"reverse, an outside course, the statements whole", sign(outsideCourse(), clarithro), "", []string{"cyp-interaction"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, sf := roadBody(t, tc.c, road{per: 1, body: dropKeys(tc.key)})
			sf.fail = func(w http.ResponseWriter, r *http.Request, typ string, page int) bool {
				if typ == sourceKeys[tc.key] && page == 2 {
					w.WriteHeader(500)
					return true
				}
				return false
			}
			rec := failServer(t, sf).do(t, "POST", "/cds-services/"+tc.c.service(), body)
			require.Equal(t, 200, rec.Code, rec.Body.String())
			cs := checkResponse(t, rec.Body.Bytes())
			if tc.empty {
				assert.Empty(t, cs)
				return
			}
			assert.Subset(t, codesOf(cs), tc.want)
			if tc.key == "" {
				assert.NotContains(t, codesOf(cs), "data-unavailable")
				return
			}
			if tc.c.hook == HookOrderSelect || !slices.Contains(tc.want, "cyp-interaction") {
				saysUnchecked(t, rec, tc.key, tc.want...)
			} else {
				assert.Contains(t, cardWith(cs, "data-unavailable").Summary, "medications")
			}
		})
	}
}

// failRecordWith is failRecord with r first on its medication list.
func failRecordWith(r res) *record {
	rec := failRecord()
	rec.medications = append([]res{r}, rec.medications...)
	return rec
}

// outsideCourse is failRecord with an upadacitinib 30 mg course known only
// from the outside medication list, last on it.
func outsideCourse() *record {
	r := failRecord()
	r.medications = append(r.medications, courseMed("upa-out", "MedicationStatement", "active", "upadacitinib", 30, 60))
	return r
}

// Entries a search included (search.mode include): of the key's own type
// they are read as any other (a Condition is the patient's Condition
// however it came), held to the patient; of another type they are not
// read, and one whose subject cannot be read is no entry of the key left
// out (no "some conditions could not be read").
func TestFailsafe8IncludedEntries(t *testing.T) {
	c := upa15(failRecord())
	base := c.body(t)
	include := func(r res) res { return res{"resource": r, "search": res{"mode": "include"}} }
	for _, tc := range []struct {
		name   string
		entry  res
		status int
		want   []string
		quiet  bool // no card says conditions could not be read
	}{
		{"a Condition of the patient", include(with(condition("tb", sct, "427099000", "active"), "subject", res{"reference": "Patient/p1"})),
			200, []string{"tb-active"}, true},
		{"a Condition of another patient", include(with(condition("tb", sct, "427099000", "active"), "subject", res{"reference": "Patient/p2"})),
			400, nil, false},
		{"an order of another patient", include(otherPatient("MedicationRequest")), 400, nil, false},
		{"an order of the patient", include(with(medication("tofa", "active", rxnorm, "1357536", "tofacitinib"), "subject", res{"reference": "Patient/p1"})),
			200, nil, true},
		{"an order whose subject cannot be read", include(with(medication("tofa", "active", rxnorm, "1357536", "tofacitinib"), "subject", "Patient/p1")),
			200, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var m map[string]any
			require.NoError(t, json.Unmarshal(base, &m))
			b := m["prefetch"].(map[string]any)["conditions"].(map[string]any)
			b["entry"] = append(b["entry"].([]any), tc.entry)
			body, err := json.Marshal(m)
			require.NoError(t, err)
			rec := newTestServer(t, serverOpts{noStore: true}).do(t, "POST", "/cds-services/order-sign", body)
			require.Equal(t, tc.status, rec.Code, rec.Body.String())
			assert.NotContains(t, rec.Body.String(), "p2")
			if tc.status != 200 {
				assert.Contains(t, rec.Body.String(), "prefetch.conditions")
				return
			}
			codes := codesOf(checkResponse(t, rec.Body.Bytes()))
			assert.Subset(t, codes, append(tc.want, "tb-screening-missing"))
			assert.NotContains(t, codes, "combination-jak", "an included order is the medications key's to read")
			if tc.quiet {
				assert.NotContains(t, rec.Body.String(), "could not be read")
			}
		})
	}
}

// The read of the referenced Medications within the call's bounds: a
// server that hangs on it, answers more than a page may hold or more than
// the call's memory budget has left, or a record referencing more
// Medications than one query asks: the orders whose drug could not be
// told are said, the call answers within its deadline, and nothing asked
// names more than 100 ids or one that is no FHIR id.
func TestFailsafe8MedicationsByIDBounds(t *testing.T) {
	adaRef := func(id, medID string) res {
		m := with(med(id, "active", "", "", "x", 30), "medicationReference", res{"reference": "Medication/" + medID})
		delete(m, "medicationCodeableConcept")
		return m
	}
	one := cleanRecord().replace(adaRef("ada", "ada-med"))
	many := cleanRecord()
	for i := range 150 {
		many.replace(adaRef(fmt.Sprintf("o%03d", i), fmt.Sprintf("m%03d", i)))
	}
	// References that are no FHIR id are never asked.
	for i, ref := range []string{"..", ".", "a,b", "a b", "x?patient=p2", "x#y", "x%2C..", strings.Repeat("a", 65)} {
		many.replace(adaRef(fmt.Sprintf("bad%d", i), ref))
	}
	big := strings.Repeat("x", 40<<10)
	// What would resolve the order, were the answer read.
	adaMed := []any{res{"resource": res{"resourceType": "Medication", "id": "ada-med", "code": coding(rxnorm, "327361")}}}
	for _, tc := range []struct {
		name   string
		r      *record
		cfg    fhir.ClientConfig
		answer func(w http.ResponseWriter, r *http.Request)
	}{
		{"the server hangs", one, fhir.ClientConfig{QueryTimeout: 300 * time.Millisecond}, func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}},
		{"an answer over the page bound", one, fhir.ClientConfig{MaxBytes: 32 << 10}, func(w http.ResponseWriter, r *http.Request) {
			json.NewEncoder(w).Encode(res{"resourceType": "Bundle", "type": "searchset", "meta": res{"tag": []any{res{"display": big}}}, "entry": adaMed})
		}},
		{"an answer over what the call's budget has left", one, fhir.ClientConfig{CallBudget: 32 << 10}, func(w http.ResponseWriter, r *http.Request) {
			json.NewEncoder(w).Encode(res{"resourceType": "Bundle", "type": "searchset", "meta": res{"tag": []any{res{"display": big}}}, "entry": adaMed})
		}},
		{"an OperationOutcome", one, fhir.ClientConfig{}, func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, `{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"too-costly"}]}`)
		}},
		// The Medication asked for is there: what is there is read.
		{"a search said incomplete, holding it", one, fhir.ClientConfig{}, func(w http.ResponseWriter, r *http.Request) {
			json.NewEncoder(w).Encode(res{"resourceType": "Bundle", "type": "searchset", "entry": append(adaMed, res{"resource": res{"resourceType": "OperationOutcome",
				"issue": []any{res{"severity": "error", "code": "too-costly"}}}, "search": res{"mode": "outcome"}})})
		}},
		{"more Medications than one query asks", many, fhir.ClientConfig{}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, sf := roadBody(t, upa15(tc.r), road{body: dropKeys("medications")})
			sf.noIncludes()
			for _, e := range sf.data["MedicationRequest"] {
				ref := e.(res)["resource"].(map[string]any)["medicationReference"]
				if ref == nil {
					continue
				}
				id := strings.TrimPrefix(ref.(res)["reference"].(string), "Medication/")
				sf.meds = append(sf.meds, res{"resource": res{"resourceType": "Medication", "id": id, "code": coding(rxnorm, "327361")}})
			}
			if tc.answer != nil {
				sf.fail = func(w http.ResponseWriter, r *http.Request, typ string, page int) bool {
					if typ == "Medication" {
						w.Header().Set("Content-Type", "application/fhir+json")
						tc.answer(w, r)
					}
					return typ == "Medication"
				}
			}
			s := failServer(t, sf)
			cfg := fhir.ClientConfig{QueryTimeout: 2 * time.Second, PageCap: 20, MaxBytes: 64 << 10}
			if tc.cfg.QueryTimeout > 0 {
				cfg.QueryTimeout = tc.cfg.QueryTimeout
			}
			if tc.cfg.MaxBytes > 0 {
				cfg.MaxBytes = tc.cfg.MaxBytes
			}
			cfg.CallBudget = tc.cfg.CallBudget
			s.fhir = fhir.NewClient(cfg, sf.Client())
			start := time.Now()
			rec := s.do(t, "POST", "/cds-services/order-sign", body)
			assert.Less(t, time.Since(start), 2*time.Second, "the call waits no longer than its query timeout")
			require.Equal(t, 200, rec.Code, rec.Body.String())
			cs := checkResponse(t, rec.Body.Bytes())
			if strings.HasPrefix(tc.name, "a search said incomplete") {
				assert.Contains(t, codesOf(cs), "combination-biologic")
				assert.NotContains(t, codesOf(cs), "data-unavailable")
			} else {
				requireFinding(t, cs, "data-unavailable", "warning")
				assert.Contains(t, cardWith(cs, "data-unavailable").Summary, "some medications could not be read")
			}
			var asked []string
			for _, q := range sf.asked() {
				if strings.HasPrefix(q, "/fhir/Medication?") {
					asked = append(asked, q)
				}
			}
			require.Len(t, asked, 1, "one query")
			u, err := url.Parse(asked[0])
			require.NoError(t, err)
			ids := strings.Split(u.Query().Get("_id"), ",")
			assert.LessOrEqual(t, len(ids), maxMedicationRefs)
			for _, id := range ids {
				assert.True(t, queryID(id), "asked %q", id)
			}
			if tc.r == many {
				assert.Len(t, ids, maxMedicationRefs)
				assert.Contains(t, codesOf(cs), "combination-biologic", "the 100 read are judged")
			}
		})
	}
}

// The Medications read by id come in pages like any search: when page 2
// fails, those on page 1 are read (an adalimumab order is judged), and
// the order whose Medication was on page 2 is said, as for any search
// cut short.
func TestFailsafe8MedicationsByIDPartial(t *testing.T) {
	byRef := func(id, medID string) res {
		m := with(med(id, "active", "", "", "x", 30), "medicationReference", res{"reference": "Medication/" + medID})
		delete(m, "medicationCodeableConcept")
		return m
	}
	r := cleanRecord().replace(byRef("ada", "a-ada")).replace(byRef("other", "b-other"))
	body, sf := roadBody(t, upa15(r), road{body: dropKeys("medications")})
	sf.fail = func(w http.ResponseWriter, r *http.Request, typ string, page int) bool {
		if typ != "Medication" {
			return false
		}
		if page == 2 {
			w.WriteHeader(500)
			return true
		}
		w.Header().Set("Content-Type", "application/fhir+json")
		json.NewEncoder(w).Encode(res{"resourceType": "Bundle", "type": "searchset", "total": 2,
			"entry": []any{res{"resource": res{"resourceType": "Medication", "id": "a-ada", "code": coding(rxnorm, "327361")}, "search": res{"mode": "match"}}},
			"link":  []any{res{"relation": "next", "url": sf.nextURL(r.URL, 2)}}})
		return true
	}
	rec := failServer(t, sf).do(t, "POST", "/cds-services/order-sign", body)
	require.Equal(t, 200, rec.Code, rec.Body.String())
	cs := checkResponse(t, rec.Body.Bytes())
	requireFinding(t, cs, "combination-biologic", "warning")
	requireFinding(t, cs, "data-unavailable", "warning")
	assert.Contains(t, cardWith(cs, "data-unavailable").Summary, "some medications could not be read")
}

// Page 1 of the medication list the patient's, page 2 unusable (another
// patient's, a history, malformed, over the bound): page 1 is read, page
// 2 never, on the order hooks and on patient-view, and the gap is said.
func TestFailsafe8PartialPageTwoUnusable(t *testing.T) {
	pages := map[string]func(sf *sourceFHIR, r *http.Request) string{
		"another patient's": func(sf *sourceFHIR, r *http.Request) string {
			b, _ := json.Marshal(res{"resourceType": "Bundle", "type": "searchset", "entry": []any{res{"resource": otherPatient("MedicationRequest"), "search": res{"mode": "match"}}}})
			return string(b)
		},
		"the patient's and another patient's": func(sf *sourceFHIR, r *http.Request) string {
			mine := with(medication("tofa", "active", rxnorm, "1357536", "tofacitinib"), "subject", res{"reference": "Patient/p1"})
			b, _ := json.Marshal(res{"resourceType": "Bundle", "type": "searchset", "entry": []any{res{"resource": mine}, res{"resource": otherPatient("MedicationRequest")}}})
			return string(b)
		},
		"a history": func(sf *sourceFHIR, r *http.Request) string {
			mine := with(medication("tofa", "active", rxnorm, "1357536", "tofacitinib"), "subject", res{"reference": "Patient/p1"})
			b, _ := json.Marshal(historyOf(mine))
			return string(b)
		},
		"malformed": func(sf *sourceFHIR, r *http.Request) string {
			return `{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Medi`
		},
	}
	pvCourse := func() *record {
		r := coursed("abrocitinib", 28)
		r.medications = append(r.medications[len(r.medications)-1:], r.medications[:len(r.medications)-1]...)
		return r
	}
	for name, page := range pages {
		for _, c := range []call{upa15(failRecordWith(medication("jak", "active", rxnorm, "1357536", "tofacitinib"))), view(pvCourse())} {
			t.Run(c.service()+"/"+name, func(t *testing.T) {
				body, sf := roadBody(t, c, road{per: 1, body: dropKeys("medications")})
				sf.fail = func(w http.ResponseWriter, r *http.Request, typ string, n int) bool {
					if typ != "MedicationRequest" || n != 2 {
						return false
					}
					w.Header().Set("Content-Type", "application/fhir+json")
					fmt.Fprint(w, page(sf, r))
					return true
				}
				rec := failServer(t, sf).do(t, "POST", "/cds-services/"+c.service(), body)
				require.Equal(t, 200, rec.Code, rec.Body.String())
				assert.NotContains(t, rec.Body.String(), "p2")
				cs := checkResponse(t, rec.Body.Bytes())
				if c.service() == HookPatientView {
					requireFinding(t, cs, "monitoring-cbc-due", "warning")
					requireFinding(t, cs, "data-unavailable", "info")
					assert.Contains(t, cardWith(cs, "data-unavailable").Summary, "medications")
					assert.NotContains(t, codesOf(cs), "combination-jak", "page 2 is not read")
					return
				}
				saysUnchecked(t, rec, "medications", "combination-jak")
				requireFinding(t, cs, "combination-jak", "critical") // page 1's tofacitinib
			})
		}
	}
}

// The call's deadline holds with the read by id after the searches: a
// FHIR server answering the searches slowly and hanging on the Medication
// read, within a query timeout longer than the call's deadline, answers
// by the deadline, and never with cards as if the orders were read.
func TestFailsafe8MedicationsByIDDeadline(t *testing.T) {
	adaRef := with(med("ada", "active", "", "", "x", 30), "medicationReference", res{"reference": "Medication/ada-med"})
	delete(adaRef, "medicationCodeableConcept")
	body, sf := roadBody(t, upa15(cleanRecord().replace(adaRef)), road{body: dropKeys()})
	sf.noIncludes()
	sf.fail = func(w http.ResponseWriter, r *http.Request, typ string, page int) bool {
		if typ != "Medication" {
			time.Sleep(150 * time.Millisecond)
			return false
		}
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
		return true
	}
	s := failServer(t, sf)
	s.cfg.Deadline = 600 * time.Millisecond
	s.fhir = fhir.NewClient(fhir.ClientConfig{QueryTimeout: 3 * time.Second, PageCap: 20}, sf.Client())
	start := time.Now()
	rec := s.do(t, "POST", "/cds-services/order-sign", body)
	assert.Less(t, time.Since(start), 1500*time.Millisecond, "answered by the call's deadline")
	if rec.Code == http.StatusOK {
		cs := checkResponse(t, rec.Body.Bytes())
		assert.NotContains(t, codesOf(cs), "combination-biologic")
		requireFinding(t, cs, "data-unavailable", "warning")
		return
	}
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code, rec.Body.String())
}
