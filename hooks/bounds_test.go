package hooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/fhir"
)

// Memory and time are bounded by the request, not by the attacker
// (contract 6.6): any body within the body limit is answered within the
// deadline plus 1 s and with under 256 MiB of extra heap, whatever its
// shape. The peaks are written in docs/performance.md; see them with
// go test ./hooks -run TestBoundedWhateverTheShape -v.

const maxExtraHeap = 256 << 20

// heapSampler samples the bytes of heap objects (live and not yet swept)
// every 200 µs while it runs.
type heapSampler struct {
	stop chan struct{}
	done chan uint64
}

func sampleHeap() *heapSampler {
	s := &heapSampler{stop: make(chan struct{}), done: make(chan uint64)}
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	runtime.GC()
	base := read()
	go func() {
		var peak uint64
		t := time.NewTicker(200 * time.Microsecond)
		defer t.Stop()
		for {
			if v := read(); v > base && v-base > peak {
				peak = v - base
			}
			select {
			case <-s.stop:
				s.done <- peak
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// peak stops the sampler and returns the largest growth over the heap
// before it started.
func (s *heapSampler) peak() uint64 {
	close(s.stop)
	return <-s.done
}

// fill returns a request body of about size bytes: an order-select call
// for upadacitinib whose prefetch key (or context member) is the value
// made by repeating unit between prefix and suffix.
func fill(size int, prefix, unit, sep, suffix string) string {
	n := (size - len(prefix) - len(suffix) - 2000) / (len(unit) + len(sep))
	var b strings.Builder
	b.Grow(size)
	b.WriteString(prefix)
	for i := range n {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(unit)
	}
	b.WriteString(suffix)
	return b.String()
}

const upaOrder = `{"resourceType":"MedicationRequest","id":"upa","status":"draft","intent":"order",` +
	`"subject":{"reference":"Patient/p1"},"medicationCodeableConcept":{"text":"Rinvoq 30 mg"}}`

// attackBody is an order-select call for an upadacitinib order with
// prefetch as given and the draft orders as given ("" for the one order).
func attackBody(prefetch, orders string) []byte {
	if orders == "" {
		orders = `{"resource":` + upaOrder + `}`
	}
	return []byte(`{"hook":"order-select","hookInstance":"5b9f0c1e-attack","context":{"userId":"Practitioner/x","patientId":"p1",` +
		`"selections":["MedicationRequest/upa"],"draftOrders":{"resourceType":"Bundle","entry":[` + orders + `]}},` +
		`"prefetch":{"patient":{"resourceType":"Patient","id":"p1","gender":"female","birthDate":"1980-01-01"}` + prefetch + `}}`)
}

// boundedCase is a body sent to order-select and the status it must get.
type boundedCase struct {
	name   string
	body   []byte
	status int
}

// checkBounded sends each body (at most limit bytes) and holds its answer
// to its status, the deadline plus a second and maxExtraHeap of extra heap
// (contract 6.6).
func checkBounded(t *testing.T, s *testServer, limit int, cases []boundedCase) {
	s.bounded = true
	defer func() { s.bounded = false }()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.LessOrEqual(t, len(tc.body), limit)
			sampler := sampleHeap()
			start := time.Now()
			rec := s.do(t, "POST", "/cds-services/order-select", tc.body)
			took := time.Since(start)
			peak := sampler.peak()
			t.Logf("%s: %d in %v, peak extra heap %.1f MiB (body %.1f MiB)", tc.name, rec.Code, took.Round(time.Millisecond),
				float64(peak)/(1<<20), float64(len(tc.body))/(1<<20))
			assert.Equal(t, tc.status, rec.Code, "%.300s", rec.Body.String())
			assert.Less(t, took, s.cfg.Deadline+time.Second)
			assert.Less(t, peak, uint64(maxExtraHeap))
		})
	}
}

func TestBoundedWhateverTheShape(t *testing.T) {
	if testing.Short() {
		t.Skip("sends bodies of 8 MiB")
	}
	const limit = 8 << 20
	s := newTestServer(t, serverOpts{noStore: true})
	s.fhir = nil
	obs := `{"resource":{"resourceType":"Observation","id":"x","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"718-7"}]},"effectiveDateTime":"2026-11-02","valueQuantity":{"value":13.2,"code":"g/dL"}}}`
	otherDrug := `{"resource":{"resourceType":"MedicationRequest","status":"draft","intent":"order","subject":{"reference":"Patient/p1"},"medicationCodeableConcept":{"text":"cetirizine 10 mg"}}}`
	cases := []boundedCase{
		{"2.8 million empty entries", attackBody(fill(limit, `,"observations":{"resourceType":"Bundle","entry":[`, `{}`, ",", `]}`), ""), 413},
		{"49,000 empty entries", attackBody(fill(49_000*3, `,"observations":{"resourceType":"Bundle","entry":[`, `{}`, ",", `]}`), ""), 200},
		{"entries nested 10,001 deep", attackBody(fill(limit, `,"observations":{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Observation","extension":`, `[`, "", `]}}]}`), ""), 400},
		{"an unknown member nested 4 million deep", attackBody(`,"x":`+fill(limit, ``, `[`, ``, ``), ""), 400},
		{"an 8 MiB string in a resource a rule reads", attackBody(fill(limit, `,"observations":{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"718-7"}],"text":"`, `x`, "", `"}}}]}`), ""), 200},
		{"an 8 MiB string no rule reads", attackBody(fill(limit, `,"x":"`, `\u00e9`, "", `"`), ""), 200},
		{"40,000 Observations a rule reads", attackBody(fill(limit, `,"observations":{"resourceType":"Bundle","entry":[`, obs, ",", `]}`), ""), 200},
		{"33,000 draft orders", attackBody("", fill(limit-300, `{"resource":`+upaOrder+`},`, otherDrug, ",", ``)), 200},
		{"220,000 draft orders", attackBody("", fill(limit-300, `{"resource":`+upaOrder+`},`, `{"resource":{"resourceType":"Basic"}}`, ",", ``)), 413},
	}
	checkBounded(t, s, limit, cases)
}

// The body buffer grows with the bytes that arrive: a Content-Length of
// 8 MiB before any byte does not allocate 8 MiB (300 such connections
// held 3.7 GB).
func TestBodyNotSizedFromContentLength(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	sample := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(sample)
	before := sample[0].Value.Uint64()
	const calls = 20
	for range calls {
		req := httptest.NewRequest(http.MethodPost, "/cds-services/order-select", strings.NewReader(`{"hook":`))
		req.Header.Set("Content-Type", "application/json")
		req.ContentLength = 8 << 20
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		require.Equal(t, 400, rec.Code)
	}
	metrics.Read(sample)
	allocated := sample[0].Value.Uint64() - before
	t.Logf("%d calls declaring 8 MiB: %.1f MiB allocated", calls, float64(allocated)/(1<<20))
	assert.Less(t, allocated, uint64(calls*(8<<20)/8), "bytes allocated for %d calls declaring 8 MiB each", calls)
}

// Reading stops between entries once the call's deadline has passed: the
// answer is a 503, not an evaluation of part of the data.
func TestDecodingStopsAtTheDeadline(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	obs := `{"resource":{"resourceType":"Observation","status":"final","code":{"text":"x"}}}`
	body := attackBody(fill(2<<20, `,"observations":{"resourceType":"Bundle","entry":[`, obs, ",", `]}`), "")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.Evaluate(ctx, HookOrderSelect, body)
	var he *Error
	require.True(t, errors.As(err, &he), "%v", err)
	assert.Equal(t, http.StatusServiceUnavailable, he.Status)

	_, err = fhir.DecodeOrders(ctx, []byte(fmt.Sprintf(`{"resourceType":"Bundle","entry":[%s]}`,
		strings.Repeat(`{"resource":{"resourceType":"Basic"}},`, 999)+`{"resource":{"resourceType":"Basic"}}`)), "p1", nil)
	assert.ErrorIs(t, err, context.Canceled, "draft orders stop too")
}

// Sixteen of the largest bodies at once stay far from the process's
// memory: each call holds its body and what it decodes, nothing more.
func TestConcurrentLargeBodies(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 16 bodies of 8 MiB at once")
	}
	s := newTestServer(t, serverOpts{noStore: true})
	s.fhir = nil
	obs := `{"resource":{"resourceType":"Observation","id":"x","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"718-7"}]},"effectiveDateTime":"2026-11-02","valueQuantity":{"value":13.2,"code":"g/dL"}}}`
	body := attackBody(fill(8<<20, `,"observations":{"resourceType":"Bundle","entry":[`, obs, ",", `]}`), "")
	sampler := sampleHeap()
	var wg sync.WaitGroup
	codes := make([]int, 16)
	for i := range codes {
		wg.Go(func() {
			req := httptest.NewRequest(http.MethodPost, "/cds-services/order-select", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			codes[i] = rec.Code
		})
	}
	wg.Wait()
	peak := sampler.peak()
	t.Logf("16 calls of %.1f MiB at once: %v, peak extra heap %.1f MiB", float64(len(body))/(1<<20), codes, float64(peak)/(1<<20))
	for _, c := range codes {
		// On 2 busy cores some of the 16 reach the deadline while reading.
		assert.Contains(t, []int{200, 503}, c)
	}
	assert.Less(t, peak, uint64(16*maxExtraHeap/4))
}
