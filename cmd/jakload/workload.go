package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"jakguard/internal/auth"
)

// call is one hook call as an EHR sends it: a request body from testdata
// and the number of cards jakguard answers it with.
type call struct {
	name    string
	service string // CDS service id
	file    string // under the module root
	cards   int
}

// The calls of the workloads, small and realistic bodies from
// testdata/requests.
var (
	callFirstRx = call{"order-select", "order-select", "testdata/requests/order-select-upadacitinib.json", 3}
	callSign    = call{"order-sign", "order-sign", "testdata/requests/order-sign-abrocitinib.json", 1}
	callView    = call{"patient-view", "patient-view", "testdata/requests/patient-view-abrocitinib.json", 1}
	callOther   = call{"no-jak", "order-select", "testdata/requests/order-select-methotrexate.json", 0}
	// callTypical is the benchmarks' typical call, a 204 KB prefetch (not
	// in the default workloads): what the sizing of docs/deployment.md
	// took as a typical call before.
	callTypical = call{"typical", "order-select", "testdata/bench/typical.json", 1}
)

// workload is a repeating sequence of calls.
type workload struct {
	name  string
	about string
	seq   []call
}

// mixName is the workload of the four calls as EHRs send them: most calls
// are chart openings and orders of other drugs (no cards); JAK orders and
// signatures are the few.
const mixName = "mix"

var workloads = []workload{
	{mixName, "4 patient-view : 4 no-jak : 1 order-select : 1 order-sign, interleaved",
		[]call{callView, callOther, callView, callOther, callFirstRx, callView, callOther, callView, callOther, callSign}},
	{"order-select", "first prescription of upadacitinib, 3 cards (4 KB body)", []call{callFirstRx}},
	{"order-sign", "abrocitinib order signed with a low platelet count, 1 card (14 KB)", []call{callSign}},
	{"patient-view", "chart of a patient on abrocitinib, monitoring due, 1 card (3 KB)", []call{callView}},
	{"no-jak", "order-select of methotrexate, no cards (4 KB)", []call{callOther}},
	{"typical", "order-select of upadacitinib with a 204 KB prefetch (testdata/bench), 1 card", []call{callTypical}},
}

// defaultWorkloads are the workloads run unless -workloads says otherwise:
// the mix and each of its calls alone.
var defaultWorkloads = []string{mixName, "order-select", "order-sign", "patient-view", "no-jak"}

func workloadNames() []string {
	var names []string
	for _, w := range workloads {
		names = append(names, w.name)
	}
	return names
}

func workloadByName(name string) workload {
	for _, w := range workloads {
		if w.name == name {
			return w
		}
	}
	panic("unknown workload " + name)
}

// moduleRoot is the directory holding jakguard's go.mod, looked for from
// the working directory up: the request bodies are read from its testdata.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.HasPrefix(string(b), "module jakguard\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run jakload inside the jakguard module (its testdata holds the request bodies)")
		}
		dir = parent
	}
}

// bodies reads the request body of every call.
func bodies(root string) (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, c := range []call{callFirstRx, callSign, callView, callOther, callTypical} {
		b, err := os.ReadFile(filepath.Join(root, c.file))
		if err != nil {
			return nil, err
		}
		out[c.name] = b
	}
	return out, nil
}

// signer makes the ES384 key the binary trusts, through a clients file and
// a JWK Set, and signs tokens with it.
type signer struct {
	key     *auth.DevKey
	clients string // the clients file
}

const loadIssuer = "https://jakload.invalid"

func newSigner(dir string) (*signer, error) {
	key, err := auth.NewDevKey()
	if err != nil {
		return nil, err
	}
	jwks, err := key.JWKS()
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "jakload-jwks.json"), jwks, 0o600); err != nil {
		return nil, err
	}
	clients := filepath.Join(dir, "jakload-clients.json")
	cf := `{"clients": [{"issuer": "` + loadIssuer + `", "jwks_file": "jakload-jwks.json", "max_token_lifetime": "5m"}]}` + "\n"
	if err := os.WriteFile(clients, []byte(cf), 0o600); err != nil {
		return nil, err
	}
	return &signer{key: key, clients: clients}, nil
}

// sign signs n tokens for each of the audiences, each with its own jti, on
// every core (before the run, so signing does not compete with the server).
func (s *signer) sign(audiences []string, n int) (map[string][]string, error) {
	out := map[string][]string{}
	for _, aud := range audiences {
		toks := make([]string, n)
		var (
			wg      sync.WaitGroup
			next    atomic.Int64
			errOnce sync.Once
			first   error
		)
		for range runtime.GOMAXPROCS(0) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
					t, err := s.key.Mint(auth.DevToken{Issuer: loadIssuer, Audience: aud, Lifetime: auth.MaxDevTokenLifetime})
					if err != nil {
						errOnce.Do(func() { first = err })
						return
					}
					toks[i] = t
				}
			}()
		}
		wg.Wait()
		if first != nil {
			return nil, first
		}
		out[aud] = toks
	}
	return out, nil
}

// errEnough ends an attack when its request bound is reached;
// errNoTokens when the pre-signed tokens ran out.
var (
	errEnough   = errors.New("jakload: request bound reached")
	errNoTokens = errors.New("jakload: pre-signed tokens ran out")
)

// targets hands out the workload's calls in turn, each with a token of its
// own when tokens is not nil. Safe for the attack's workers.
type targets struct {
	base   string
	seq    []call
	bodies map[string][]byte
	tokens map[string][]string // by URL
	used   map[string]*atomic.Int64
	next   atomic.Int64
	limit  atomic.Int64 // targets are handed out while next is below it
	record answers      // the check records the answers here, unless nil
}

func newTargets(base string, w workload, bodies map[string][]byte, tokens map[string][]string) *targets {
	t := &targets{base: base, seq: w.seq, bodies: bodies, tokens: tokens, used: map[string]*atomic.Int64{}}
	for _, c := range w.seq {
		t.used[t.url(c)] = new(atomic.Int64)
	}
	t.limit.Store(math.MaxInt64)
	return t
}

func (t *targets) url(c call) string { return t.base + "/cds-services/" + c.service }

// allow lets n more targets out from now on (0: no bound).
func (t *targets) allow(n int) {
	if n <= 0 {
		t.limit.Store(math.MaxInt64)
		return
	}
	t.limit.Store(t.next.Load() + int64(n))
}

// target fills tgt with the next call.
func (t *targets) target(tgt *vegeta.Target) error {
	i := t.next.Add(1) - 1
	if i >= t.limit.Load() {
		return errEnough
	}
	c := t.seq[int(i%int64(len(t.seq)))]
	u := t.url(c)
	h := http.Header{"Content-Type": {"application/json"}}
	if t.tokens != nil {
		j := t.used[u].Add(1) - 1
		toks := t.tokens[u]
		if j >= int64(len(toks)) {
			return errNoTokens
		}
		h.Set("Authorization", "Bearer "+toks[j])
	}
	*tgt = vegeta.Target{Method: http.MethodPost, URL: u, Body: t.bodies[c.name], Header: h}
	return nil
}

// check sends each distinct call of the workload once and checks that it
// is answered 200 with the expected number of cards: the load measures the
// service doing its work, not refusing it. It records each answer in
// t.record, if set. It returns the calls it sent.
func (t *targets) check(ctx context.Context) (sent int, err error) {
	seen := map[string]bool{}
	for _, c := range t.seq {
		if seen[c.name] {
			continue
		}
		seen[c.name] = true
		var tgt vegeta.Target
		// Take this call's target: step through the sequence to it.
		for {
			if err := t.target(&tgt); err != nil {
				return sent, err
			}
			if tgt.URL == t.url(c) && string(tgt.Body) == string(t.bodies[c.name]) {
				break
			}
		}
		req, err := tgt.Request()
		if err != nil {
			return sent, err
		}
		sent++
		resp, err := http.DefaultClient.Do(req.WithContext(ctx))
		if err != nil {
			return sent, fmt.Errorf("%s: %w", c.name, err)
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if err != nil {
			return sent, fmt.Errorf("%s: %w", c.name, err)
		}
		if resp.StatusCode != http.StatusOK {
			return sent, fmt.Errorf("%s: answered %s: %.300s", c.name, resp.Status, body)
		}
		var answer struct {
			Cards []jsontext.Value `json:"cards"`
		}
		if err := json.Unmarshal(body, &answer); err != nil {
			return sent, fmt.Errorf("%s: answer: %w", c.name, err)
		}
		if len(answer.Cards) != c.cards {
			return sent, fmt.Errorf("%s: answered %d cards, want %d", c.name, len(answer.Cards), c.cards)
		}
		if t.record != nil {
			t.record.add(recorded{Path: req.URL.Path, Request: t.bodies[c.name], ContentType: resp.Header.Get("Content-Type"), Answer: body})
		}
	}
	return sent, nil
}

// attackResult is what one attack measured.
type attackResult struct {
	metrics   vegeta.Metrics
	errors    uint64 // requests not answered 2xx (transport errors included)
	noTokens  bool   // the attack stopped early: the tokens ran out
	firstErrs []string
}

// attack drives the server with conns workers, each on its own keep-alive
// connection, sending the next call as soon as the last is answered (vegeta
// with rate 0), for d or until the targets run out.
func attack(ctx context.Context, t *targets, conns int, d time.Duration) attackResult {
	atk := vegeta.NewAttacker(
		vegeta.Workers(uint64(conns)), vegeta.MaxWorkers(uint64(conns)),
		vegeta.Connections(conns), vegeta.MaxConnections(conns),
		vegeta.KeepAlive(true), vegeta.Timeout(30*time.Second), vegeta.MaxBody(1<<20),
	)
	stop := context.AfterFunc(ctx, func() { atk.Stop() })
	defer stop()
	var r attackResult
	for res := range atk.Attack(t.target, vegeta.Rate{}, d, "jakload") {
		switch res.Error {
		case errEnough.Error():
			continue
		case errNoTokens.Error():
			r.noTokens = true
			continue
		}
		r.metrics.Add(res)
		if res.Code < 200 || res.Code > 299 {
			r.errors++
			if len(r.firstErrs) < 3 {
				r.firstErrs = append(r.firstErrs, fmt.Sprintf("%d %s %.200s", res.Code, res.Error, res.Body))
			}
		}
	}
	r.metrics.Close()
	return r
}
