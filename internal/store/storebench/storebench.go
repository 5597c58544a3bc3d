// Package storebench makes the records of realistic hook calls, and fills a
// store with them, for the recording benchmarks (internal/store, hooks), the
// disk figures of docs/deployment.md and the pre-filled stores of the load
// test (cmd/jakload). Measurements only: jakguard itself never imports it.
package storebench

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/procfs"

	"jakguard/internal/store"
)

// screening, risk and therapy are the three cards of a first upadacitinib
// prescription without baseline tests (testdata/requests/order-select-upadacitinib.json).
var (
	screeningCodes = []string{"tb-screening-missing", "hbv-screening-missing", "hcv-screening-missing",
		"cbc-missing", "liver-enzymes-missing", "lipids-missing", "zoster-vaccine-missing"}
	screeningTests = [][]string{{"tb-screening-missing"}, {"hbv-screening-missing"}, {"hbv-screening-missing"},
		{"hcv-screening-missing"}, {"cbc-missing"}, {"liver-enzymes-missing"}, {"liver-enzymes-missing"},
		{"lipids-missing"}, {"zoster-vaccine-missing"}, screeningCodes}
	summaries = []string{
		"Order TB, hepatitis B/C, CBC, liver enzymes, lipids and zoster vaccine before starting upadacitinib",
		"Use upadacitinib 15 mg daily: boxed-warning risks (cardiovascular risk)",
		"Confirm prior systemic therapy: upadacitinib is labelled for refractory atopic dermatitis",
	}
	sources = map[string]string{"patient": "prefetch", "conditions": "prefetch", "medications": "prefetch",
		"observations": "prefetch", "immunizations": "prefetch"}
)

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// CardsCall is the records of an order-select call answered with the three
// cards of a first prescription (10 findings, 12 suggestions).
func CardsCall(i int, at time.Time) ([]store.CardRecord, *store.AuditRecord) {
	iss, tenant := "https://ehr.example.org", "hospital-a"
	var sugg []store.SuggestionRecord
	for _, codes := range screeningTests {
		sugg = append(sugg, store.SuggestionRecord{UUID: newID(), Findings: codes})
	}
	cards := []store.CardRecord{
		{UUID: newID(), Service: "order-select", Findings: screeningCodes, Suggestions: sugg, Issuer: iss, Tenant: tenant, Shown: at},
		{UUID: newID(), Service: "order-select", Findings: []string{"lower-dose-recommended", "cardiovascular-risk"},
			Suggestions: []store.SuggestionRecord{{UUID: newID(), Findings: []string{"lower-dose-recommended"}}}, Issuer: iss, Tenant: tenant, Shown: at},
		{UUID: newID(), Service: "order-select", Findings: []string{"no-prior-systemic-therapy"}, Issuer: iss, Tenant: tenant, Shown: at},
	}
	var codes []string
	for _, c := range cards {
		codes = append(codes, c.Findings...)
	}
	return cards, &store.AuditRecord{
		Time: at, Service: "order-select", HookInstance: uuid.NewString(), Client: store.Client{Issuer: iss, Tenant: tenant},
		PatientHash: fmt.Sprintf("%032x", uint64(i)*0x9e3779b97f4a7c15), Findings: codes, Summaries: summaries,
		KBRevision: "kb-2026-12-06.1", ConfigHash: "0123456789abcdef", Sources: sources, Status: 200, LatencyMs: 1.234,
	}
}

// QuietCall is the records of a call answered without cards (a chart
// opened for a patient not on a JAK inhibitor, an order for another drug):
// the audit record alone. Most of a hospital's calls are such.
func QuietCall(i int, at time.Time) *store.AuditRecord {
	return &store.AuditRecord{
		Time: at, Service: "patient-view", HookInstance: uuid.NewString(), Client: store.Client{Issuer: "https://ehr.example.org", Tenant: "hospital-a"},
		PatientHash: fmt.Sprintf("%032x", uint64(i)*0x9e3779b97f4a7c15), Findings: []string{}, Summaries: []string{},
		KBRevision: "kb-2026-12-06.1", ConfigHash: "0123456789abcdef",
		Sources: map[string]string{"patient": "prefetch", "medications": "prefetch", "conditions": "prefetch", "observations": "prefetch"},
		Status:  200, LatencyMs: 0.456,
	}
}

// Call is call i of the mix the benchmarks use: one call in three answered
// with the three cards of CardsCall, two quiet (QuietCall).
func Call(i int, at time.Time) ([]store.CardRecord, *store.AuditRecord) {
	if i%3 == 0 {
		return CardsCall(i, at)
	}
	return nil, QuietCall(i, at)
}

// Fill writes calls of the Call mix into s until it holds cards card
// records, their times spread evenly over span before now, in
// transactions of batch calls.
func Fill(ctx context.Context, s store.Store, cards int, span time.Duration, batch int) error {
	calls := cards // one call in three has three cards
	start := time.Now().Add(-span)
	step := span / time.Duration(max(calls, 1))
	var b store.Batch
	for i := range calls {
		cs, a := Call(i, start.Add(time.Duration(i)*step))
		b.Cards = append(b.Cards, cs...)
		b.Audits = append(b.Audits, *a)
		if len(b.Audits) == batch || i == calls-1 {
			if err := s.Record(ctx, b); err != nil {
				return fmt.Errorf("fill at call %d: %w", i, err)
			}
			b.Cards, b.Audits = b.Cards[:0], b.Audits[:0]
		}
	}
	return nil
}

// PostgresCPU is the CPU time (user and system) of the processes named
// "postgres" on this machine so far, from /proc (Linux, a local server, and
// a user allowed to read their stat; 0 otherwise): the server's share of
// what a benchmark makes it do, as long as its backends live through the
// measurement.
func PostgresCPU() time.Duration {
	procs, err := procfs.AllProcs()
	if err != nil {
		return 0
	}
	var seconds float64
	for _, p := range procs {
		if st, err := p.Stat(); err == nil && st.Comm == "postgres" {
			seconds += st.CPUTime()
		}
	}
	return time.Duration(seconds * float64(time.Second))
}
