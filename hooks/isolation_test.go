package hooks

import (
	"bytes"
	"cmp"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/fhir"
	"jakguard/internal/auth"
)

// The isolation review (December 2026): "never another patient's data,
// never another client's data" under concurrency and shared state. What
// one hook call leaves behind for the next is the relevance filters'
// decisions (fhir.Filters, by a code's exact JSON) and the knowledge
// base's value-set memo (rules, by a code list and its names), the body
// buffer pool, the JWT replay store and the store's records. Each of
// these tests posts through the HTTP path and compares an answer with
// the answer of the same request sent alone to a new server.

// isoClient is one EHR of the clients file of an isolation server: its
// issuer, its signing key and the FHIR server it may name.
type isoClient struct {
	issuer string
	key    *ecdsa.PrivateKey
	fhir   *patientFHIR
}

// isoServer is a test server (store on unless noStore) trusting every
// client, each with its own key and fhir_servers.
func isoServer(t *testing.T, clients []isoClient, noStore bool) *testServer {
	t.Helper()
	pad := func(b *big.Int) string { return base64.RawURLEncoding.EncodeToString(b.FillBytes(make([]byte, 48))) }
	dir := t.TempDir()
	var entries []any
	for i, c := range clients {
		jwks := map[string]any{"keys": []any{map[string]any{"kty": "EC", "crv": "P-384", "kid": "k1", "use": "sig", "alg": "ES384",
			"x": pad(c.key.X), "y": pad(c.key.Y)}}}
		b, _ := json.Marshal(jwks)
		file := fmt.Sprintf("jwks%d.json", i)
		require.NoError(t, os.WriteFile(filepath.Join(dir, file), b, 0o600))
		entries = append(entries, map[string]any{"issuer": c.issuer, "jwks_file": file, "fhir_servers": []string{c.fhir.URL + "/fhir"}})
	}
	cf, _ := json.Marshal(map[string]any{"clients": entries})
	require.NoError(t, os.WriteFile(filepath.Join(dir, "clients.json"), cf, 0o600))
	loaded, err := auth.LoadClients(filepath.Join(dir, "clients.json"))
	require.NoError(t, err)
	v, err := auth.NewVerifier(context.Background(), auth.Config{PublicURL: "http://127.0.0.1:8080", Now: func() time.Time { return testNow }},
		loaded, auth.NewMemoryReplay(func() time.Time { return testNow }), nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	s := newTestServer(t, serverOpts{noStore: noStore})
	s.verifier = v
	s.echo = s.routes()
	// Every httptest TLS server has the same certificate: one client
	// trusts them all.
	s.fhir = fhir.NewClient(fhir.ClientConfig{QueryTimeout: 5 * time.Second, PageCap: 3}, clients[0].fhir.Client())
	return s
}

func newISOClient(t *testing.T, issuer string) isoClient {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	require.NoError(t, err)
	return isoClient{issuer: issuer, key: key, fhir: newPatientFHIR(t)}
}

// bearer is a fresh JWT of the client for path (its own jti).
func (c isoClient) bearer(t *testing.T, path string) string {
	return "Bearer " + token(t, c.key, "http://127.0.0.1:8080"+path, func(m jwt.MapClaims) { m["iss"] = c.issuer })
}

// patientFHIR is a FHIR server holding the prefetch values of several
// patients: Patient/{id} and {Type}?patient={id}&... answer that patient's.
type patientFHIR struct {
	*httptest.Server
	mu       sync.Mutex
	patients map[string]map[string]json.RawMessage // id -> resource type -> body
}

func newPatientFHIR(t *testing.T) *patientFHIR {
	t.Helper()
	p := &patientFHIR{patients: map[string]map[string]json.RawMessage{}}
	p.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/fhir/"), "/")
		typ, id := parts[0], r.URL.Query().Get("patient")
		if len(parts) == 2 {
			id = parts[1]
		}
		p.mu.Lock()
		body, ok := p.patients[id][typ]
		p.mu.Unlock()
		if !ok {
			http.Error(w, `{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"not-found"}]}`, http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/fhir+json")
		w.Write(body)
	}))
	t.Cleanup(p.Close)
	return p
}

// hold keeps the prefetch of a request body as the data of its patient.
func (p *patientFHIR) hold(t *testing.T, id string, prefetch map[string]any) {
	t.Helper()
	types := map[string]string{"patient": "Patient", "conditions": "Condition", "medications": "MedicationRequest",
		"observations": "Observation", "immunizations": "Immunization", "medicationStatements": "MedicationStatement"}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.patients[id] == nil {
		p.patients[id] = map[string]json.RawMessage{}
	}
	for key, v := range prefetch {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		p.patients[id][types[key]] = b
	}
}

// isoRequest is one hook call of the isolation tests.
type isoRequest struct {
	name   string
	client int // index of the calling client
	hook   string
	body   []byte
	// want and absent are finding codes the answer alone must hold and
	// must not hold: they make sure the patients differ where it counts.
	want, absent []string
}

// asPatient rewrites a call body for patient id: context, prefetch
// patient and every "Patient/p1" reference. With server set, the
// prefetch goes to that FHIR server instead (the fallback road).
func asPatient(t *testing.T, body []byte, id string, server *patientFHIR) []byte {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(body, &m))
	var walk func(v any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				x[k] = walk(e)
			}
		case []any:
			for i, e := range x {
				x[i] = walk(e)
			}
		case string:
			if x == "Patient/p1" {
				return "Patient/" + id
			}
		}
		return v
	}
	walk(m)
	m["context"].(map[string]any)["patientId"] = id
	m["hookInstance"] = "hi-" + id
	prefetch := m["prefetch"].(map[string]any)
	prefetch["patient"].(map[string]any)["id"] = id
	if server != nil {
		server.hold(t, id, prefetch)
		delete(m, "prefetch")
		m["fhirServer"] = server.URL + "/fhir"
		m["fhirAuthorization"] = map[string]any{"access_token": "tok-" + id, "token_type": "Bearer", "expires_in": 300,
			"scope": "patient/*.read", "subject": "jakguard"}
	}
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return b
}

var anyUUID = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// post sends r as its client and returns the status and the answer with
// every uuid blanked. Safe from any goroutine (no require).
func (r isoRequest) post(t *testing.T, s *testServer, clients []isoClient) (int, string) {
	return r.postCtx(context.Background(), t, s, clients)
}

// postCtx is post with the request's context.
func (r isoRequest) postCtx(ctx context.Context, t *testing.T, s *testServer, clients []isoClient) (int, string) {
	path := "/cds-services/" + r.hook
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, path, bytes.NewReader(r.body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", clients[r.client].bearer(t, path))
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec.Code, anyUUID.ReplaceAllString(rec.Body.String(), "uuid")
}

// isoSpec is one call of the isolation and concurrency tests: a client's
// call, on prefetch or its FHIR server, for a patient id, and the finding
// codes its answer must and must not hold.
type isoSpec struct {
	name         string
	client       int
	c            call
	server       *patientFHIR // nil: prefetch
	id           string       // "" : name
	want, absent []string
}

// isoRequestsOf builds the requests of specs.
func isoRequestsOf(t *testing.T, specs []isoSpec) []isoRequest {
	t.Helper()
	var reqs []isoRequest
	for _, sp := range specs {
		id := cmp.Or(sp.id, sp.name)
		reqs = append(reqs, isoRequest{name: sp.name, client: sp.client, hook: sp.c.service(),
			body: asPatient(t, sp.c.body(t), id, sp.server), want: sp.want, absent: sp.absent})
	}
	return reqs
}

// Many patients' calls at once, from two EHR clients, on prefetch and on
// each client's FHIR server, on the three hooks, each answer the one the
// same request gets alone. The patients come in pairs that differ only
// in what changes the cards: active TB or not, 64 or 65 years old on
// upadacitinib 30 mg, the same IGRA or hemoglobin JSON on another date or
// with another value, a course 100 or 60 days old, an interacting order
// with or without a course, and the same patient id on two clients' FHIR
// servers with different charts. A cache keyed too coarsely (by code
// JSON without the date, by patient id without the server, by anything
// but the bytes that decide) would answer one patient with the other's
// cards.
func TestIsolationConcurrentPatients(t *testing.T) {
	clients := []isoClient{newISOClient(t, "https://ehr-a.example.org"), newISOClient(t, "https://ehr-b.example.org")}
	a, b := clients[0].fhir, clients[1].fhir
	upa := func(mg int, r *record) call { return sign(r, jakDraft("upadacitinib", mg)) }
	selectUpa := func(mg int, r *record) call {
		return call{hook: HookOrderSelect, r: r, drafts: []res{jakDraft("upadacitinib", mg)}, selections: []string{"MedicationRequest/new"}}
	}
	tb := func() *record { return cleanRecord().replace(cond("tb", sct, "427099000", "active")) }
	aged := func(years int) *record { return cleanRecord().born(bornAged(years)) }
	igra := func(date string) *record { return cleanRecord().replace(obsCode("igra", "71773-6", negative, date)) }
	hgb := func(v float64) *record { return cleanRecord().replace(obsQty("hgb", "718-7", v, "g/dL", "2026-11-02")) }
	noLipids := func(days int) *record { return coursed("upadacitinib", days).drop("ldl") }
	clari := func(r *record) call {
		return sign(r, drugDraft("clari", rxnorm, "197517", "clarithromycin 500 MG Oral Tablet"))
	}
	specs := []isoSpec{
		{name: "tb", c: upa(15, tb()), want: []string{"tb-active"}},
		{name: "no-tb", client: 1, c: upa(15, cleanRecord()), absent: []string{"tb-active"}},
		{name: "age65", c: selectUpa(30, aged(65)), want: []string{"lower-dose-recommended"}},
		{name: "age64", client: 1, c: selectUpa(30, aged(64)), absent: []string{"lower-dose-recommended"}},
		{name: "igra-recent", c: upa(15, igra("2026-11-02")), absent: []string{"tb-screening-missing"}},
		{name: "igra-old", client: 1, c: upa(15, igra(ago(400))), want: []string{"tb-screening-missing"}},
		{name: "labs-old", client: 1, c: upa(15, cleanRecord().labsOn(ago(200))), want: []string{"cbc-missing", "liver-enzymes-missing"}},
		{name: "hgb-low", c: upa(15, hgb(7.2)), want: []string{"anemia"}},
		{name: "hgb-normal", client: 1, c: upa(15, hgb(13.2)), absent: []string{"anemia"}},
		{name: "pv-100d", c: view(noLipids(100)), want: []string{"monitoring-lipids-due"}},
		{name: "pv-60d", client: 1, c: view(noLipids(60)), absent: []string{"monitoring-lipids-due"}},
		{name: "clari-course", c: clari(coursed("upadacitinib", 60)), want: []string{"cyp-interaction"}},
		{name: "clari-no-course", client: 1, c: clari(cleanRecord()), absent: []string{"cyp-interaction"}},
		// A code holding another code list's names (see
		// TestIsolationMemoKeyCannotBeForged), beside the chart it imitates.
		{name: "forged-code", c: sign(cleanRecord(), jakDraft("upadacitinib", 15), forgedClarithromycin("12345\n\t"+strings.ToLower(localClari)+"\n\t"+strings.ToLower(localClari)))},
		{name: "local-clari", client: 1, c: upa(30, cleanRecord().replace(med("clari", "active", localSystem, "12345", localClari, 10))), want: []string{"cyp-interaction"}},
		// The fallback road: the same patient id on each client's server,
		// with different charts.
		{name: "fhir-a-shared", id: "shared", c: upa(15, tb()), server: a, want: []string{"tb-active"}},
		{name: "fhir-b-shared", id: "shared", client: 1, c: upa(15, cleanRecord()), server: b, absent: []string{"tb-active"}},
		{name: "fhir-b-age65", client: 1, c: selectUpa(30, aged(65)), server: b, want: []string{"lower-dose-recommended"}},
		{name: "fhir-a-pv", c: view(noLipids(100)), server: a, want: []string{"monitoring-lipids-due"}},
	}
	reqs := isoRequestsOf(t, specs)

	alone := make([]string, len(reqs))
	for i, r := range reqs {
		code, body := r.post(t, isoServer(t, clients, true), clients)
		require.Equal(t, 200, code, "%s: %s", r.name, body)
		cs := checkResponse(t, []byte(body))
		for _, c := range r.want {
			require.Contains(t, codesOf(cs), c, "%s alone: %s", r.name, cardSummaries(cs))
		}
		for _, c := range r.absent {
			require.NotContains(t, codesOf(cs), c, "%s alone: %s", r.name, cardSummaries(cs))
		}
		alone[i] = body
	}

	s := isoServer(t, clients, false)
	const rounds = 4
	var order []int
	for range rounds {
		for i := range reqs {
			order = append(order, i)
		}
	}
	mrand.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	work := make(chan int)
	var wg sync.WaitGroup
	for range 8 { // within the admission limit of two CPUs
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				code, body := reqs[i].post(t, s, clients)
				if assert.Equal(t, 200, code, "%s: %s", reqs[i].name, body) {
					assert.JSONEq(t, alone[i], body, "%s together with the others", reqs[i].name)
				}
			}
		}()
	}
	for _, i := range order {
		work <- i
	}
	close(work)
	wg.Wait()
}

// localSystem and localClari are an EHR's local medication code system
// and the name it gives clarithromycin (coded 12345 there).
const (
	localSystem = "urn:oid:1.2.840.114350.1.13.0.1.7.2.698288"
	localClari  = "Clarithromycin 500 MG Oral Tablet"
)

// forgedClarithromycin is a draft order coded code in localSystem, with
// no name: code holds the names of the chart it imitates.
func forgedClarithromycin(code string) res {
	d := drugDraft("forged", localSystem, code, "")
	delete(d["medicationCodeableConcept"].(res), "text")
	return d
}

// The knowledge base remembers, for every call of every client, which
// value sets a code list with its names is in. Its key joined the codes
// and names with separators that a code may hold: a draft order coded
// "12345\n\tclarithromycin 500 mg oral tablet..." (anyone's, any
// patient's) made the key of a chart's clarithromycin coded 12345 in an
// EHR's local system and named "Clarithromycin 500 MG Oral Tablet", and
// its answer (in no set) then hid the strong CYP3A4 inhibitor from every
// later call: upadacitinib 30 mg was answered without the dose limit.
// Before the fix the second answer of each case had no cyp-interaction.
func TestIsolationMemoKeyCannotBeForged(t *testing.T) {
	const local, name = localSystem, localClari
	clients := []isoClient{newISOClient(t, "https://ehr-a.example.org"), newISOClient(t, "https://ehr-b.example.org")}
	forged := forgedClarithromycin
	lower := strings.ToLower(name)
	cases := []struct {
		name   string
		victim call
		forged res
	}{
		{"chart's clarithromycin (code, display and text)",
			sign(cleanRecord().replace(med("clari", "active", local, "12345", name, 10)), jakDraft("upadacitinib", 30)),
			forged("12345\n\t" + lower + "\n\t" + lower)},
		{"chart's clarithromycin (code and text only)",
			sign(cleanRecord().replace(with(med("clari", "active", local, "12345", name, 10),
				"medicationCodeableConcept", res{"coding": []any{res{"system": local, "code": "12345"}}, "text": name})), jakDraft("upadacitinib", 30)),
			forged("12345\n\t" + lower)},
		{"clarithromycin ordered for a patient on upadacitinib",
			sign(coursed("upadacitinib", 60), with(drugDraft("clari", local, "12345", ""),
				"medicationCodeableConcept", res{"coding": []any{res{"system": local, "code": "12345"}}, "text": name})),
			forged("12345\n\t" + lower)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			victim := isoRequest{name: "victim", client: 1, hook: tc.victim.service(), body: asPatient(t, tc.victim.body(t), "victim", nil)}
			code, alone := victim.post(t, isoServer(t, clients, true), clients)
			require.Equal(t, 200, code, alone)
			require.Contains(t, codesOf(checkResponse(t, []byte(alone))), "cyp-interaction")

			s := isoServer(t, clients, true)
			attacker := sign(cleanRecord(), jakDraft("upadacitinib", 15), tc.forged)
			code, body := isoRequest{client: 0, hook: HookOrderSign, body: asPatient(t, attacker.body(t), "other", nil)}.post(t, s, clients)
			require.Equal(t, 200, code, body)
			code, after := victim.post(t, s, clients)
			require.Equal(t, 200, code, after)
			assert.JSONEq(t, alone, after, "the victim's answer after another client's forged code")
		})
	}
}

// Feedback is attributed to a card only when it comes from the client
// (issuer and tenant) the card was shown to. A card uuid is unguessable,
// but it is no credential: before, feedback from client A on a card shown
// to client B was answered 200 and counted as B's override (A moved B's
// override rates), and an item of A's identical to the one B would send
// (same outcome and timestamp) was stored in its place, B's then skipped
// as a duplicate. Now A's item is stored and answered 200 (an error would
// tell A which uuids exist) but unattributed, as for an unknown card;
// B's is counted. The same holds between two tenants of one issuer.
func TestIsolationFeedbackOnAnotherClientsCard(t *testing.T) {
	clients := []isoClient{newISOClient(t, "https://ehr-a.example.org"), newISOClient(t, "https://ehr-b.example.org")}
	s := isoServer(t, clients, false)
	withTenant := func(tenant string) func(jwt.MapClaims) {
		return func(m jwt.MapClaims) {
			if tenant != "" {
				m["tenant"] = tenant
			}
		}
	}
	post := func(c isoClient, tenant, path string, body []byte) *httptest.ResponseRecorder {
		return s.do(t, http.MethodPost, path, body, "Authorization",
			"Bearer "+token(t, c.key, "http://127.0.0.1:8080"+path, func(m jwt.MapClaims) { m["iss"] = c.issuer; withTenant(tenant)(m) }))
	}
	// B's two tenants each get a TB card.
	cardOf := func(tenant string) string {
		c := sign(cleanRecord().replace(cond("tb", sct, "427099000", "active")), jakDraft("upadacitinib", 15))
		rec := post(clients[1], tenant, "/cds-services/order-sign", asPatient(t, c.body(t), "p-"+tenant, nil))
		require.Equal(t, 200, rec.Code, rec.Body.String())
		card := cardWith(checkResponse(t, rec.Body.Bytes()), "tb-active")
		require.NotEmpty(t, card.UUID)
		return card.UUID
	}
	t1, t2 := cardOf("t1"), cardOf("t2")
	require.NoError(t, s.recorder.Close(context.Background()), "flush the card records")
	ts := testNow.Add(time.Minute).Format(time.RFC3339)
	// overridden is an override of card at ts, with B's reason when given.
	overridden := func(card string, reason ...string) []byte {
		r := ""
		if len(reason) > 0 {
			r = fmt.Sprintf(`,"overrideReason":{"reason":{"system":"https://jakguard.org/CodeSystem/override-reason","code":%q}}`, reason[0])
		}
		return []byte(fmt.Sprintf(`{"feedback":[{"card":%q,"outcome":"overridden","outcomeTimestamp":%q%s}]}`, card, ts, r))
	}
	const fb = "/cds-services/order-sign/feedback"
	counts := func() (overridden, unattributed int, reasons []string) {
		rec := s.do(t, http.MethodGet, "/console/api/findings", nil, operator...)
		require.Equal(t, 200, rec.Code, rec.Body.String())
		var a struct {
			Findings []struct {
				Code       string `json:"code"`
				Overridden int    `json:"overridden"`
				TopReasons []struct {
					Code string `json:"code"`
				} `json:"topReasons"`
			} `json:"findings"`
			Unattributed int `json:"unattributed"`
			Weekly       []struct {
				Code  string `json:"code"`
				Weeks []struct {
					Overridden int `json:"overridden"`
				} `json:"weeks"`
			} `json:"weekly"`
		}
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &a))
		weekly := 0
		for _, f := range a.Weekly {
			if f.Code == "tb-active" {
				for _, w := range f.Weeks {
					weekly += w.Overridden
				}
			}
		}
		for _, f := range a.Findings {
			if f.Code == "tb-active" {
				assert.Equal(t, f.Overridden, weekly, "the weekly series counts as the report")
				for _, r := range f.TopReasons {
					reasons = append(reasons, r.Code)
				}
				return f.Overridden, a.Unattributed, reasons
			}
		}
		return 0, a.Unattributed, nil
	}

	// Client A on B's card (tenant t1): stored, answered 200, not B's.
	require.Equal(t, 200, post(clients[0], "", fb, overridden(t1)).Code)
	// B's other tenant on t1's card: likewise.
	require.Equal(t, 200, post(clients[1], "t2", fb, overridden(t1)).Code)
	o, u, _ := counts()
	assert.Equal(t, 0, o, "tb-active overridden by other clients' feedback")
	assert.Equal(t, 1, u, "the foreign feedback is unattributed")

	// B's own feedback, of the same outcome and timestamp, is stored and
	// counted, with its reason.
	require.Equal(t, 200, post(clients[1], "t1", fb, overridden(t1, "benefit-outweighs-risk")).Code)
	require.Equal(t, 200, post(clients[1], "t2", fb, overridden(t2)).Code)
	o, u, reasons := counts()
	assert.Equal(t, 2, o, "each tenant's own override counted once")
	assert.Equal(t, 1, u)
	assert.Equal(t, []string{"benefit-outweighs-risk"}, reasons, "B's item was not taken for A's")
}
