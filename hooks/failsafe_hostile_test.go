package hooks

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/fhir"
	"jakguard/internal/syncbuf"
	"jakguard/rules"
)

// A context.patientId with white space in it was read three ways: trimmed
// where prefetch was held to the patient, as sent where draft orders were
// (" pt-upa" refused the order's own "Patient/pt-upa" as another patient's)
// and refused by the prefetch templates (every fallback query
// unavailable). It is now a 400 naming context.patientId on every hook.
func TestPatientIDWithSpacesRefused(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	for _, tc := range []struct{ service, path string }{
		{"order-select", "testdata/requests/order-select-upadacitinib.json"},
		{"order-sign", "testdata/requests/order-sign-abrocitinib.json"},
		{"patient-view", "testdata/requests/patient-view-abrocitinib.json"},
	} {
		var m map[string]any
		require.NoError(t, json.Unmarshal(readFile(t, tc.path), &m))
		id := m["context"].(map[string]any)["patientId"].(string)
		for name, bad := range map[string]string{
			"leading space":       " " + id,
			"trailing space":      id + " ",
			"trailing newline":    id + "\n",
			"a tab inside":        id[:2] + "\t" + id[2:],
			"a space inside":      id[:2] + " " + id[2:],
			"no-break space":      id + "\u00a0",
			"zero-width space":    id + "\u200b",
			"a control char":      id + "\x00",
			"spaces on both ends": "  " + id + "  ",
		} {
			t.Run(tc.service+"/"+name, func(t *testing.T) {
				rec := s.do(t, "POST", "/cds-services/"+tc.service, edit(t, tc.path, func(m map[string]any) {
					m["context"].(map[string]any)["patientId"] = bad
				}))
				requireRefused(t, rec, http.StatusBadRequest, rec.Body.String(), "context.patientId holds white space")
			})
		}
		t.Run(tc.service+"/as sent", func(t *testing.T) {
			rec := s.do(t, "POST", "/cds-services/"+tc.service, readFile(t, tc.path))
			assert.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		})
	}
}

// A medicationReference to a Medication that is there but says nothing
// (neither code nor text) was refused as naming no Medication at all,
// sending the integrator to look for a missing resource. The 400 now says
// what is wrong.
func TestEmptyReferencedMedicationNamed(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	const upa = "testdata/requests/order-select-upadacitinib.json"
	const where = "context.draftOrders.entry[0].resource.medicationReference"
	byReference := func(ref string, contained map[string]any, entry map[string]any) func(m map[string]any) {
		return func(m map[string]any) {
			o := draftOrder(m)
			delete(o, "medicationCodeableConcept")
			o["medicationReference"] = map[string]any{"reference": ref}
			if contained != nil {
				o["contained"] = []any{contained}
			}
			if entry != nil {
				d := m["context"].(map[string]any)["draftOrders"].(map[string]any)
				d["entry"] = append(d["entry"].([]any), map[string]any{"resource": entry})
			}
		}
	}
	medication := func(extra ...any) map[string]any {
		r := map[string]any{"resourceType": "Medication", "id": "med"}
		for i := 0; i+1 < len(extra); i += 2 {
			r[extra[i].(string)] = extra[i+1]
		}
		return r
	}
	for name, f := range map[string]func(m map[string]any){
		"contained, no code":              byReference("#med", medication(), nil),
		"contained, a code without codes": byReference("#med", medication("code", map[string]any{"coding": []any{map[string]any{"system": rxnorm}}}), nil),
		"contained, blank text":           byReference("#med", medication("code", map[string]any{"text": "  "}), nil),
		"a Bundle entry, no code":         byReference("Medication/med", nil, medication("status", "active")),
	} {
		t.Run(name, func(t *testing.T) {
			rec := s.do(t, "POST", "/cds-services/order-select", edit(t, upa, f))
			requireRefused(t, rec, http.StatusBadRequest, rec.Body.String(), where+": names a Medication with neither code nor text")
		})
	}
	t.Run("a Medication not there is still said so", func(t *testing.T) {
		rec := s.do(t, "POST", "/cds-services/order-select", edit(t, upa, byReference("Medication/elsewhere", nil, medication())))
		requireRefused(t, rec, http.StatusBadRequest, rec.Body.String(), where+": names no Medication contained")
	})
}

// hostileFallback answers one order-sign call for a clean record whose
// conditions are fetched from a FHIR server serving h (at /fhir), with
// fhirAuthorization when auth is not nil, and returns the answer.
func hostileFallback(t *testing.T, h http.HandlerFunc, cfg fhir.ClientConfig, edits ...func(m map[string]any)) *httptest.ResponseRecorder {
	t.Helper()
	return hostileFallbackOn(t, serverOpts{noStore: true}, h, cfg, edits...)
}

// hostileFallbackOn is hostileFallback on a server made with o.
func hostileFallbackOn(t *testing.T, o serverOpts, h http.HandlerFunc, cfg fhir.ClientConfig, edits ...func(m map[string]any)) *httptest.ResponseRecorder {
	t.Helper()
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	s := newTestServer(t, o)
	if cfg.QueryTimeout == 0 {
		cfg.QueryTimeout = 2 * time.Second
	}
	if cfg.PageCap == 0 {
		cfg.PageCap = 3
	}
	s.fhir = fhir.NewClient(cfg, srv.Client())
	var m map[string]any
	require.NoError(t, json.Unmarshal(orderRequest(t, cleanRecord(), "upadacitinib", 15), &m))
	m["fhirServer"] = srv.URL + "/fhir"
	delete(m["prefetch"].(map[string]any), "conditions")
	for _, e := range edits {
		e(m)
	}
	body, err := json.Marshal(m)
	require.NoError(t, err)
	return s.do(t, "POST", "/cds-services/order-sign", body)
}

// conditionEntry is a searchset entry: a Condition of the clean record's
// patient p1 (atopic dermatitis, no finding), or of subject when given.
func conditionEntry(id string, subject ...string) string {
	ref := "Patient/p1"
	if len(subject) > 0 {
		ref = subject[0]
	}
	return `{"fullUrl":"https://x/fhir/Condition/` + id + `","resource":{"resourceType":"Condition","id":"` + id + `",` +
		`"code":{"coding":[{"system":"http://snomed.info/sct","code":"24079001"}]},"subject":{"reference":` + strconv.Quote(ref) + `}}}`
}

// searchPage is a searchset page with entries, total (< 0: none) and a
// next link (none when "").
func searchPage(total int, next string, entries ...string) string {
	b := `{"resourceType":"Bundle","type":"searchset"`
	if total >= 0 {
		b += `,"total":` + strconv.Itoa(total)
	}
	if next != "" {
		b += `,"link":[{"relation":"next","url":` + strconv.Quote(next) + `}]`
	}
	return b + `,"entry":[` + strings.Join(entries, ",") + `]}`
}

// A search whose pages hold fewer entries than its Bundle.total, with no
// next link, was read as complete on the FHIR server path when it came in
// several pages (a single page was caught): the conditions not sent were
// taken for none. A search stopped at the page cap is not read either.
// Both are said on the data-unavailable card.
func TestFallbackPagesSummedAgainstTotal(t *testing.T) {
	paged := func(total int, perPage ...int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/fhir+json")
			n, _ := strconv.Atoi(r.URL.Query().Get("page"))
			next := ""
			if n+1 < len(perPage) {
				next = "https://" + r.Host + "/fhir/Condition?page=" + strconv.Itoa(n+1)
			}
			var es []string
			for i := range perPage[n] {
				es = append(es, conditionEntry(fmt.Sprintf("c%d-%d", n, i)))
			}
			fmt.Fprint(w, searchPage(total, next, es...))
		}
	}
	for name, h := range map[string]http.HandlerFunc{
		"one page, total beyond its entries":    paged(3, 2),
		"two pages, total beyond their entries": paged(5, 2, 2),
		"three pages, total beyond by one":      paged(7, 2, 2, 2),
		"past the page cap": func(w http.ResponseWriter, r *http.Request) {
			n, _ := strconv.Atoi(r.URL.Query().Get("page"))
			fmt.Fprint(w, searchPage(-1, "https://"+r.Host+"/fhir/Condition?page="+strconv.Itoa(n+1), conditionEntry("c"+strconv.Itoa(n))))
		},
	} {
		t.Run(name, func(t *testing.T) {
			c := onlyDataUnavailable(t, hostileFallback(t, h, fhir.ClientConfig{}))
			assert.Contains(t, c.Detail, "Could not be checked: conditions")
		})
	}
	// The first page in prefetch, the next ones fetched (the EHR pages).
	fromPrefetch := func(total int) func(m map[string]any) {
		return func(m map[string]any) {
			var page map[string]any
			require.NoError(t, json.Unmarshal([]byte(searchPage(total, m["fhirServer"].(string)+"/Condition?page=1",
				conditionEntry("a"), conditionEntry("b"))), &page))
			m["prefetch"].(map[string]any)["conditions"] = page
		}
	}
	t.Run("prefetch page and fetched pages, total beyond their entries", func(t *testing.T) {
		c := onlyDataUnavailable(t, hostileFallback(t, paged(7, 2, 2, 2), fhir.ClientConfig{}, fromPrefetch(7)))
		assert.Contains(t, c.Detail, "Could not be checked: conditions")
	})
	t.Run("prefetch page and fetched pages, total met", func(t *testing.T) {
		rec := hostileFallback(t, paged(6, 2, 2, 2), fhir.ClientConfig{}, fromPrefetch(6))
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		assert.JSONEq(t, `{"cards":[]}`, rec.Body.String())
	})
	for name, h := range map[string]http.HandlerFunc{
		"two pages, total met":                paged(4, 2, 2),
		"three pages, no total":               paged(-1, 2, 2, 1),
		"total on the first page only is met": paged(3, 2, 1),
		"an empty last page":                  paged(2, 2, 0),
	} {
		t.Run(name, func(t *testing.T) {
			rec := hostileFallback(t, h, fhir.ClientConfig{})
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			assert.JSONEq(t, `{"cards":[]}`, rec.Body.String())
		})
	}
}

// A hostile or broken FHIR server, answering the conditions query of a
// clean record: whatever it does, the call is answered within its time
// bound, with the data-unavailable card naming the conditions (never
// {"cards": []}), and nothing of another patient's in the answer.
func TestHostileFHIRServerSaid(t *testing.T) {
	fhirJSON := func(w http.ResponseWriter, body string) {
		w.Header().Set("Content-Type", "application/fhir+json")
		fmt.Fprint(w, body)
	}
	// secondPage serves a first page of p1's conditions whose next link
	// is next (relative to the server), then page2 there.
	secondPage := func(next, page2 string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("page") == "" && r.URL.Query().Get("patient") != "someone-else" {
				if !strings.HasPrefix(next, "https://") {
					next = "https://" + r.Host + next
				}
				fhirJSON(w, searchPage(-1, next, conditionEntry("a")))
				return
			}
			fhirJSON(w, page2)
		}
	}
	bomb := func(encoding string, n int) http.HandlerFunc {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		fmt.Fprint(zw, `{"resourceType":"Bundle","type":"searchset","entry":[`)
		zw.Write(bytes.Repeat([]byte(" "), n))
		fmt.Fprint(zw, `]}`)
		zw.Close()
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/fhir+json")
			w.Header().Set("Content-Encoding", encoding)
			w.Write(buf.Bytes())
		}
	}
	cases := map[string]http.HandlerFunc{}
	for _, ref := range []string{"Patient/someone-else", "Patient/someone-else/_history/2", "Patient/someone-else/",
		"https://other.example/fhir/Patient/someone-else", " Patient/someone-else ", "Patient/p1x", "Patient/p1 x"} {
		cases["page 2 about another patient: "+ref] = secondPage("/fhir/Condition?page=1", searchPage(-1, "", conditionEntry("b", ref)))
	}
	// Raw entries: JSON escapes, a duplicate member, DSTU2's Condition.patient.
	for name, subject := range map[string]string{
		"escaped slash":          `"subject":{"reference":"Patient\/someone-else"}`,
		"escaped letter":         `"subject":{"reference":"\u0050atient/someone-else"}`,
		"duplicate subject":      `"subject":{"reference":"Patient/p1"},"subject":{"reference":"Patient/someone-else"}`,
		"DSTU2 patient member":   `"patient":{"reference":"Patient/someone-else"}`,
		"subject not an object":  `"subject":"Patient/someone-else"`,
		"reference not a string": `"subject":{"reference":["Patient/someone-else"]}`,
	} {
		cases["page 2 about another patient: "+name] = secondPage("/fhir/Condition?page=1", `{"resourceType":"Bundle","type":"searchset","entry":[`+
			`{"resource":{"resourceType":"Condition","id":"b","code":{"coding":[{"system":"http://snomed.info/sct","code":"56717001"}]},`+subject+`}}]}`)
	}
	cases["next link to another patient's search"] = secondPage("/fhir/Condition?patient=someone-else",
		searchPage(-1, "", conditionEntry("b", "Patient/someone-else")))
	cases["next link to another server"] = secondPage("https://elsewhere.invalid/fhir/Condition?page=1", "")
	cases["next link to the same host on http"] = func(w http.ResponseWriter, r *http.Request) {
		fhirJSON(w, searchPage(-1, "http://"+r.Host+"/fhir/Condition?page=1", conditionEntry("a")))
	}
	cases["next link outside the base path"] = secondPage("/admin/Condition?page=1", searchPage(-1, "", conditionEntry("b")))
	cases["next link with dot segments"] = secondPage("/fhir/../admin/Condition?page=1", searchPage(-1, "", conditionEntry("b")))
	cases["redirect outside the base path"] = func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/fhir/") {
			http.Redirect(w, r, "/other/Condition", http.StatusTemporaryRedirect)
			return
		}
		fhirJSON(w, searchPage(-1, ""))
	}
	cases["redirect loop"] = func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.String(), http.StatusFound)
	}
	cases["gzip bomb"] = bomb("gzip", 40<<20)
	cases["deflate"] = func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "deflate")
		var buf bytes.Buffer
		zw, _ := flate.NewWriter(&buf, flate.BestCompression)
		fmt.Fprint(zw, searchPage(-1, ""))
		zw.Close()
		w.Write(buf.Bytes())
	}
	cases["gzip twice"] = bomb("gzip, gzip", 10)
	cases["200 with an OperationOutcome"] = func(w http.ResponseWriter, r *http.Request) {
		fhirJSON(w, `{"resourceType":"OperationOutcome","issue":[{"severity":"information","code":"informational","diagnostics":"no match"}]}`)
	}
	cases["200 with a Bundle of an error outcome only"] = func(w http.ResponseWriter, r *http.Request) {
		fhirJSON(w, `{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"OperationOutcome",`+
			`"issue":[{"severity":"error","code":"forbidden"}]},"search":{"mode":"outcome"}}]}`)
	}
	cases["HTML error page with 200"] = func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<!DOCTYPE html><html><body>Service Unavailable</body></html>")
	}
	cases["JSON that is no resource"] = func(w http.ResponseWriter, r *http.Request) { fhirJSON(w, `{"entry":[]}`) }
	cases["a resource of another type"] = func(w http.ResponseWriter, r *http.Request) {
		fhirJSON(w, `{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"Observation","id":"o","status":"final",`+
			`"code":{"coding":[{"system":"http://loinc.org","code":"718-7"}]},"subject":{"reference":"Patient/p1"}}}]}`)
	}
	for _, code := range []int{401, 403, 404, 410, 429, 500, 502, 503, 504} {
		cases["HTTP "+strconv.Itoa(code)] = func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "1")
			w.Header().Set("Content-Type", "application/fhir+json")
			w.WriteHeader(code)
			fmt.Fprint(w, `{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"security"}]}`)
		}
	}
	cases["a page larger than the limit"] = func(w http.ResponseWriter, r *http.Request) {
		fhirJSON(w, `{"resourceType":"Bundle","type":"searchset","entry":[]`+strings.Repeat(" ", 2<<20)+`}`)
	}
	cases["a page larger than the limit, unknown length"] = func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/fhir+json")
		for range 64 {
			w.Write(bytes.Repeat([]byte(" "), 64<<10))
			w.(http.Flusher).Flush()
		}
	}
	// Response headers are held outside the page budget: Go's default of
	// 10 MB a response, 8 queries at once, was 80 MB a call.
	cases["a megabyte of response headers"] = func(w http.ResponseWriter, r *http.Request) {
		for i := range 16 {
			w.Header().Set("X-Junk-"+strconv.Itoa(i), strings.Repeat("j", 64<<10))
		}
		fhirJSON(w, searchPage(-1, ""))
	}
	cases["trickles its answer"] = trickleSearch
	cases["declares a length it never sends"] = func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(1<<20))
		fmt.Fprint(w, `{"resourceType":"Bundle",`)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}
	// The controls: what is fine is read (so the cases above fail for
	// what they do, not for the harness).
	gzipped := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/fhir+json")
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		fmt.Fprint(zw, searchPage(1, "", conditionEntry("a")))
		zw.Close()
	}
	for name, h := range map[string]http.HandlerFunc{
		"gzip":      gzipped,
		"two pages": secondPage("/fhir/Condition?page=1", searchPage(-1, "", conditionEntry("b"))),
		"redirect within the base path": func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/fhir/Condition" {
				http.Redirect(w, r, "/fhir/moved/Condition?"+r.URL.RawQuery, http.StatusTemporaryRedirect)
				return
			}
			gzipped(w, r)
		},
	} {
		t.Run("control: "+name, func(t *testing.T) {
			rec := hostileFallback(t, h, fhir.ClientConfig{MaxBytes: 1 << 20})
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			assert.JSONEq(t, `{"cards":[]}`, rec.Body.String())
		})
	}
	const queryTimeout = 500 * time.Millisecond
	for name, h := range cases {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			rec := hostileFallback(t, h, fhir.ClientConfig{QueryTimeout: queryTimeout, MaxBytes: 1 << 20})
			assert.Less(t, time.Since(start), queryTimeout+2*time.Second, "answered within the query timeout")
			c := onlyDataUnavailable(t, rec)
			// "Could not be checked: conditions", or for an entry whose
			// subject is no Reference "Not read: 1 entry of conditions".
			assert.Regexp(t, `Could not be checked: conditions|Not read: 1 entry of conditions`, c.Detail)
			assert.NotContains(t, rec.Body.String(), "someone-else")
		})
	}
}

// A resource that names its patient only where DSTU2 has it (a Condition's
// or MedicationStatement's "patient", R4 "subject") was read as the
// context patient's: another patient's active tuberculosis was reported
// for this one. It is judged by that member now, in prefetch as on a FHIR
// server page (TestHostileFHIRServerSaid).
func TestDSTU2PatientMemberJudged(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	tb := func(patient string) res {
		r := condition("tb", sct, "56717001", "active")
		delete(r, "subject")
		r["patient"] = res{"reference": patient}
		return r
	}
	t.Run("another patient", func(t *testing.T) {
		rec := s.do(t, "POST", "/cds-services/order-sign", signWith(t, func(m map[string]any) {
			appendEntry(m, "conditions", res{"resource": tb("Patient/someone-else")})
		}))
		requireRefused(t, rec, http.StatusBadRequest, rec.Body.String(), "prefetch.conditions")
		assert.NotContains(t, rec.Body.String(), "someone-else")
	})
	t.Run("another patient's statement", func(t *testing.T) {
		rec := s.do(t, "POST", "/cds-services/order-sign", signWith(t, func(m map[string]any) {
			st := stmt("s1", "active", "", "", "ibuprofen", 10)
			delete(st, "subject")
			st["patient"] = res{"reference": "Patient/someone-else"}
			appendEntry(m, "medicationStatements", res{"resource": st})
		}))
		requireRefused(t, rec, http.StatusBadRequest, rec.Body.String(), "prefetch.medicationStatements")
	})
	t.Run("the context patient", func(t *testing.T) {
		rec := s.do(t, "POST", "/cds-services/order-sign", signWith(t, func(m map[string]any) {
			appendEntry(m, "conditions", res{"resource": tb("Patient/p1")})
		}))
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		requireFinding(t, checkResponse(t, rec.Body.Bytes()), rules.TBActive, "critical")
	})
}

// fhirAuthorization that cannot read a key's data: a token_type other than
// Bearer, or scopes that do not cover the type asked for (a server may
// filter what a token may not see and answer an empty searchset, read as
// "no conditions"). The key is not fetched and the card says it; the
// Patient missing for the same reason answers 412 saying why. A token for
// another patient than the call's is a 400.
func TestFHIRAuthorizationThatCannotReadSaid(t *testing.T) {
	var calls atomic.Int32
	ok := func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Content-Type", "application/fhir+json")
		if strings.HasPrefix(r.URL.Path, "/fhir/Patient/") {
			fmt.Fprint(w, `{"resourceType":"Patient","id":"p1","gender":"female","birthDate":"1991-05-20"}`)
			return
		}
		fmt.Fprint(w, searchPage(-1, ""))
	}
	withAuth := func(tokenType, scope string, more ...string) func(m map[string]any) {
		return func(m map[string]any) {
			a := map[string]any{"access_token": "tok", "token_type": tokenType, "expires_in": 300, "scope": scope, "subject": "jakguard"}
			for i := 0; i+1 < len(more); i += 2 {
				a[more[i]] = more[i+1]
			}
			m["fhirAuthorization"] = a
		}
	}
	for name, auth := range map[string]func(m map[string]any){
		"token_type MAC":                    withAuth("MAC", "patient/*.read"),
		"token_type DPoP":                   withAuth("DPoP", "patient/*.read"),
		"no Condition scope":                withAuth("Bearer", "openid fhirUser patient/Patient.read patient/Observation.read"),
		"a Condition scope for one query":   withAuth("Bearer", "patient/Condition.rs?clinical-status=active patient/Patient.r"),
		"a Condition read scope, no search": withAuth("Bearer", "patient/Condition.r patient/Patient.r"),
		"a Condition write scope":           withAuth("Bearer", "patient/Condition.write patient/Patient.read"),
		"another type's wildcard":           withAuth("Bearer", "patient/Observation.* patient/Patient.read"),
	} {
		t.Run(name, func(t *testing.T) {
			calls.Store(0)
			c := onlyDataUnavailable(t, hostileFallback(t, ok, fhir.ClientConfig{}, auth))
			assert.Contains(t, c.Detail, "Could not be checked: conditions")
			assert.Zero(t, calls.Load(), "the FHIR server is not asked with a token that cannot read the data")
		})
	}
	for name, auth := range map[string]func(m map[string]any){
		"Bearer":                     withAuth("Bearer", "patient/*.read"),
		"bearer":                     withAuth("bearer", "patient/*.read"),
		"no token_type":              withAuth("", "patient/*.read"),
		"v1 type scope":              withAuth("Bearer", "launch openid patient/Condition.read"),
		"v2 type scope":              withAuth("Bearer", "patient/Condition.rs"),
		"user wildcard":              withAuth("Bearer", "user/*.*"),
		"v2 cruds":                   withAuth("Bearer", "system/Condition.cruds"),
		"no resource scopes":         withAuth("Bearer", "openid fhirUser"),
		"no scope":                   withAuth("Bearer", ""),
		"the patient of the call":    withAuth("Bearer", "patient/*.read", "patient", "p1"),
		"the patient as a reference": withAuth("Bearer", "patient/*.read", "patient", "Patient/p1"),
	} {
		t.Run("fetched with "+name, func(t *testing.T) {
			calls.Store(0)
			rec := hostileFallback(t, ok, fhir.ClientConfig{}, auth)
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			assert.JSONEq(t, `{"cards":[]}`, rec.Body.String())
			assert.EqualValues(t, 1, calls.Load())
		})
	}
	t.Run("the Patient not readable: 412 saying why", func(t *testing.T) {
		calls.Store(0)
		rec := hostileFallback(t, ok, fhir.ClientConfig{}, withAuth("Bearer", "patient/Condition.read"), func(m map[string]any) {
			delete(m["prefetch"].(map[string]any), "patient")
		})
		requireRefused(t, rec, http.StatusPreconditionFailed, rec.Body.String(), "fhirAuthorization.scope does not grant reading every Patient")
		assert.EqualValues(t, 1, calls.Load(), "the conditions were fetched")
	})
	t.Run("a next page of prefetch not readable", func(t *testing.T) {
		calls.Store(0)
		rec := hostileFallback(t, ok, fhir.ClientConfig{}, withAuth("Bearer", "patient/Patient.read"), func(m map[string]any) {
			var page map[string]any
			require.NoError(t, json.Unmarshal([]byte(searchPage(-1, m["fhirServer"].(string)+"/Condition?page=1", conditionEntry("a"))), &page))
			m["prefetch"].(map[string]any)["conditions"] = page
		})
		c := onlyDataUnavailable(t, rec)
		assert.Contains(t, c.Detail, "Could not be checked: conditions")
		assert.Zero(t, calls.Load())
	})
	t.Run("a token for another patient: 400", func(t *testing.T) {
		calls.Store(0)
		rec := hostileFallback(t, ok, fhir.ClientConfig{}, withAuth("Bearer", "patient/*.read", "patient", "someone-else"))
		requireRefused(t, rec, http.StatusBadRequest, rec.Body.String(), "fhirAuthorization.patient is another patient than context.patientId")
		assert.NotContains(t, rec.Body.String(), "someone-else")
		assert.Zero(t, calls.Load())
	})
}

// A FHIR server that trickles its answers (a byte every 20 ms, headers
// first) holds no call past its deadline, whatever the query timeout:
// every key it is asked for, the first page or a next page of prefetch.
func TestTricklingFHIRServerBoundedByDeadline(t *testing.T) {
	const deadline = 700 * time.Millisecond
	for name, edit := range map[string]func(m map[string]any){
		"every key but the Patient": func(m map[string]any) {
			p := m["prefetch"].(map[string]any)
			for k := range p {
				if k != "patient" {
					delete(p, k)
				}
			}
		},
		"a next page of prefetch": func(m map[string]any) {
			var page map[string]any
			require.NoError(t, json.Unmarshal([]byte(searchPage(-1, m["fhirServer"].(string)+"/Condition?page=1", conditionEntry("a"))), &page))
			m["prefetch"].(map[string]any)["conditions"] = page
		},
	} {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			rec := hostileFallbackOn(t, serverOpts{noStore: true, deadline: deadline}, trickleSearch, fhir.ClientConfig{QueryTimeout: 30 * time.Second}, edit)
			assert.Less(t, time.Since(start), deadline+2*time.Second, "answered within the deadline")
			if rec.Code == http.StatusOK {
				c := onlyDataUnavailable(t, rec)
				assert.Contains(t, c.Detail, "Could not be checked")
			} else {
				requireRefused(t, rec, http.StatusServiceUnavailable, rec.Body.String(), "deadline")
			}
		})
	}
}

// The logs of this file's paths (fallback pages summed against their
// total, next pages, fhirAuthorization refused, a patientId refused) and
// of hostile identifiers (hookInstance, service id, X-Request-Id, card
// uuids in feedback, with control characters or megabytes long) hold no
// patient data, token or injected line: every log line is one JSON object
// of bounded length, whatever the input.
func TestHostileIdentifiersLogBounded(t *testing.T) {
	const (
		mark   = "Zyxwvutsrq"
		secret = "tok-SECRET-4711"
	)
	var injected atomic.Bool
	fhirSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		injected.Store(injected.Load() || r.Header.Get("X-Injected") != "")
		w.Header().Set("Content-Type", "application/fhir+json")
		switch r.URL.Query().Get("page") {
		case "dup":
			fmt.Fprint(w, `{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"Condition","id":"c","`+mark+`":1,"`+mark+`":2}}]}`)
		default:
			fmt.Fprint(w, searchPage(9, "", conditionEntry(mark)))
		}
	}))
	t.Cleanup(fhirSrv.Close)
	var logs syncbuf.Buffer
	s := newTestServer(t, serverOpts{})
	s.logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s.echo = s.routes()
	s.fhir = fhir.NewClient(fhir.ClientConfig{QueryTimeout: 2 * time.Second, PageCap: 3}, fhirSrv.Client())

	hostile := "\n{\"level\":\"ERROR\",\"msg\":\"injected\"}\r\x1b[2J\u2028" + strings.Repeat("h", 1<<20)
	pf := func(m map[string]any) map[string]any { return m["prefetch"].(map[string]any) }
	auth := func(m map[string]any) map[string]any { return m["fhirAuthorization"].(map[string]any) }
	nextTo := func(q string) func(m map[string]any) {
		return func(m map[string]any) {
			var page map[string]any
			require.NoError(t, json.Unmarshal([]byte(searchPage(-1, fhirSrv.URL+"/fhir/Condition?page="+q, conditionEntry("a"))), &page))
			pf(m)["conditions"] = page
		}
	}
	for name, f := range map[string]func(m map[string]any){
		"hookInstance":                    func(m map[string]any) { m["hookInstance"] = hostile },
		"fallback total beyond":           func(m map[string]any) { delete(pf(m), "conditions") },
		"next page total beyond":          nextTo("1"),
		"next page duplicate member":      nextTo("dup"),
		"token_type":                      func(m map[string]any) { auth(m)["token_type"] = mark; delete(pf(m), "conditions") },
		"scope":                           func(m map[string]any) { auth(m)["scope"] = "patient/" + mark + ".read"; delete(pf(m), "conditions") },
		"fhirAuthorization.patient":       func(m map[string]any) { auth(m)["patient"] = mark },
		"patientId with a space":          func(m map[string]any) { m["context"].(map[string]any)["patientId"] = mark + " " },
		"fhirAuthorization.patient, 1 MB": func(m map[string]any) { auth(m)["patient"] = hostile },
		"access_token with a header injected": func(m map[string]any) {
			auth(m)["access_token"] = secret + "\r\nX-Injected: " + mark
			delete(pf(m), "conditions")
		},
	} {
		t.Run(name, func(t *testing.T) {
			logs.Take()
			var m map[string]any
			require.NoError(t, json.Unmarshal(orderRequest(t, cleanRecord(), "upadacitinib", 15), &m))
			m["fhirServer"] = fhirSrv.URL + "/fhir"
			m["fhirAuthorization"] = map[string]any{"access_token": secret, "token_type": "Bearer", "expires_in": 300, "scope": "patient/*.read", "subject": "x"}
			f(m)
			body, err := json.Marshal(m)
			require.NoError(t, err)
			rec := s.do(t, "POST", "/cds-services/order-sign", body, "X-Request-Id", hostile[:200])
			assert.Less(t, rec.Code, 500, rec.Body.String())
			assert.NotContains(t, rec.Body.String(), mark)
			checkLogLines(t, logs.String(), mark, secret, "p1\"")
			assert.False(t, injected.Load(), "no header injected through the token")
		})
	}
	t.Run("service id", func(t *testing.T) {
		logs.Take()
		rec := s.do(t, "POST", "/cds-services/"+url.PathEscape(hostile[:4096]), orderRequest(t, cleanRecord(), "upadacitinib", 15))
		assert.Equal(t, http.StatusNotFound, rec.Code)
		checkLogLines(t, logs.String())
	})
	for name, item := range map[string]map[string]any{
		"card uuid":   {"card": hostile[:200], "outcome": "overridden", "outcomeTimestamp": "2026-11-29T12:00:00Z"},
		"card, 1 MB":  {"card": hostile, "outcome": "overridden", "outcomeTimestamp": "2026-11-29T12:00:00Z"},
		"outcome":     {"card": "c", "outcome": hostile, "outcomeTimestamp": "2026-11-29T12:00:00Z"},
		"timestamp":   {"card": "c", "outcome": "overridden", "outcomeTimestamp": hostile},
		"userComment": {"card": "c", "outcome": "overridden", "outcomeTimestamp": "2026-11-29T12:00:00Z", "overrideReason": map[string]any{"userComment": mark + hostile}},
		"reason code": {"card": "c", "outcome": "overridden", "outcomeTimestamp": "2026-11-29T12:00:00Z", "overrideReason": map[string]any{"reason": map[string]any{"code": hostile}}},
	} {
		t.Run("feedback "+name, func(t *testing.T) {
			logs.Take()
			body, err := json.Marshal(map[string]any{"feedback": []any{item}})
			require.NoError(t, err)
			rec := s.do(t, "POST", "/cds-services/order-sign/feedback", body)
			assert.Less(t, rec.Code, 500, rec.Body.String())
			assert.Less(t, rec.Body.Len(), 2048, "an error does not echo the input")
			assert.NotContains(t, rec.Body.String(), mark)
			checkLogLines(t, logs.String(), mark)
		})
	}
}

// checkLogLines checks that out is JSON log lines of at most 2 KB, none
// holding any of leaks nor an injected line.
func checkLogLines(t *testing.T, out string, leaks ...string) {
	t.Helper()
	require.NotEmpty(t, out)
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		var v map[string]any
		assert.NoError(t, json.Unmarshal([]byte(line), &v), "one JSON object a line: %.200q", line)
		assert.LessOrEqual(t, len(line), 2048, "a bounded log line: %.200q", line)
		assert.NotEqual(t, "injected", v["msg"])
	}
	for _, leak := range leaks {
		assert.NotContains(t, out, leak)
	}
}

// trickleSearch starts a searchset Bundle and then sends a space every
// 20 ms until the client goes away: a FHIR server that never finishes.
func trickleSearch(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/fhir+json")
	fmt.Fprint(w, `{"resourceType":"Bundle","type":"searchset","entry":[`)
	for {
		if _, err := w.Write([]byte(" ")); err != nil {
			return
		}
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
}
