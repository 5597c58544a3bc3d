package main

import (
	"fmt"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"time"
)

// report is every sample of a run, and how it was made.
type report struct {
	opts              options
	args              []string
	started, finished time.Time
	commit            string // of the binary measured
	samples           []sample
}

// key groups the rounds of one workload against one server configuration.
type key struct{ workload, store, fill, auth string }

func (s sample) key() key { return key{s.workload, s.store, s.fill, s.auth} }

// groups are the samples by key, keys in the order of the options.
func (r *report) groups() ([]key, map[key][]sample) {
	by := map[key][]sample{}
	var keys []key
	for _, s := range r.samples {
		k := s.key()
		if _, ok := by[k]; !ok {
			keys = append(keys, k)
		}
		by[k] = append(by[k], s)
	}
	order := func(list []string, v string) int { return slices.Index(list, v) }
	slices.SortStableFunc(keys, func(a, b key) int {
		for _, d := range []int{
			order(r.opts.workloads, a.workload) - order(r.opts.workloads, b.workload),
			order(r.opts.stores, a.store) - order(r.opts.stores, b.store),
			order(r.opts.auths, a.auth) - order(r.opts.auths, b.auth),
			order(r.opts.fills, a.fill) - order(r.opts.fills, b.fill),
		} {
			if d != 0 {
				return d
			}
		}
		return 0
	})
	return keys, by
}

// markdown is the report: how it was made, one row per workload and server
// configuration with each figure's range over the rounds, and the budgets.
func (r *report) markdown() string {
	var b strings.Builder
	o := r.opts
	fmt.Fprintf(&b, "## jakload: jakguard from outside, as deployed\n\n")
	fmt.Fprintf(&b, "%s to %s UTC; commit %s; %s, %d CPUs; %d connections (vegeta, closed loop), %s measured after %s warm-up per workload, %d round(s), empty and full stores alternated; full = %d cards.\n\n",
		r.started.Format("2006-01-02 15:04"), r.finished.Format("15:04"), r.commit, runtime.Version(), runtime.NumCPU(),
		o.conns, o.duration, o.warmup, o.rounds, o.prefill)
	fmt.Fprintf(&b, "Command: `go run ./cmd/jakload %s`\n\n", strings.Join(r.args, " "))
	loads := r.column(r.samples, func(s sample) float64 { return s.load })
	fmt.Fprintf(&b, "Load average (1 min) at the start of the runs: %s (this run's own server and clients included).\n\n", span(loads, "%.1f"))
	for _, st := range o.stores {
		var full []float64
		for _, s := range r.samples {
			if s.store == st && s.fill == fillFull {
				full = append(full, float64(s.cards))
			}
		}
		if len(full) > 0 {
			fmt.Fprintf(&b, "The full %s store held %s cards when its servers started (it grows by what the runs record).\n\n", st, span(full, "%.0f"))
		}
	}
	b.WriteString("Workloads:\n\n")
	for _, name := range o.workloads {
		fmt.Fprintf(&b, "- %s: %s\n", name, workloadByName(name).about)
	}
	b.WriteString("\n")
	b.WriteString("| workload | store | fill | auth | req/s | p50 ms | p99 ms | errors | dropped records | audit records written | CPU ms/call (jakguard + PostgreSQL) | load |\n")
	b.WriteString("|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	keys, by := r.groups()
	for _, k := range keys {
		ss := by[k]
		var errs, reqs uint64
		var dropped, written float64
		noTokens := false
		for _, s := range ss {
			errs += s.errors
			reqs += s.requests
			dropped += s.dropped
			written += s.written
			noTokens = noTokens || s.noTokens
		}
		cpu := span(r.column(ss, func(s sample) float64 { return ms(s.cpuPerCall) }), "%.2f")
		if k.store == storePostgres {
			cpu += " + " + span(r.column(ss, func(s sample) float64 { return ms(s.pgCPUPerCall) }), "%.2f")
		}
		rps := span(r.column(ss, func(s sample) float64 { return s.rps }), "%.0f")
		if noTokens {
			rps += " (tokens ran out: raise -token-rate)"
		}
		fill, a, records := k.fill, k.auth, fmt.Sprintf("%.0f | %.0f", dropped, written)
		if k.store == storeStatic { // no store, no tokens, no records
			fill, a, records = "-", "-", "- | -"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %d of %d | %s | %s | %s |\n",
			k.workload, k.store, fill, a, rps,
			span(r.column(ss, func(s sample) float64 { return ms(s.p50) }), "%.2f"),
			span(r.column(ss, func(s sample) float64 { return ms(s.p99) }), "%.1f"),
			errs, reqs, records, cpu,
			span(r.column(ss, func(s sample) float64 { return s.load }), "%.1f"))
	}
	if lines := r.budgets(by); len(lines) > 0 {
		b.WriteString("\nBudgets (issue 20; order-select, the first prescription, with the full store):\n\n")
		for _, l := range lines {
			b.WriteString("- " + l + "\n")
		}
	}
	r.writeStatic(&b, keys, by)
	return b.String()
}

// Budget of issue 17: under the load, the typical call (unauthenticated)
// keeps at least this share of a static server's calls per second.
const budgetStaticRatio = 0.15

// staticRatio is jakguard's req/s over the static server's for the rounds
// ss of one workload and configuration: the ratio of the medians, and each
// round's ratio (against the static server of the same round). ok is false
// without static samples for the workload.
func (r *report) staticRatio(ss []sample, by map[key][]sample) (med float64, rounds []float64, ok bool) {
	if len(ss) == 0 {
		return 0, nil, false
	}
	static := by[key{ss[0].workload, storeStatic, "", ""}]
	if len(static) == 0 {
		return 0, nil, false
	}
	rps := func(s sample) float64 { return s.rps }
	med = median(r.column(ss, rps)) / median(r.column(static, rps))
	for _, s := range ss {
		for _, st := range static {
			if st.round == s.round {
				rounds = append(rounds, s.rps/st.rps)
			}
		}
	}
	return med, rounds, true
}

// writeStatic writes, with -static, jakguard's req/s against the static
// server's for each row, and the budget of issue 17.
func (r *report) writeStatic(b *strings.Builder, keys []key, by map[key][]sample) {
	var rows, budget []string
	for _, k := range keys {
		if k.store == storeStatic {
			continue
		}
		ss := by[k]
		med, rounds, ok := r.staticRatio(ss, by)
		if !ok {
			continue
		}
		static := by[key{k.workload, storeStatic, "", ""}]
		rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s | %s | %s | %.3f | %s |",
			k.workload, k.store, k.fill, k.auth,
			span(r.column(ss, func(s sample) float64 { return s.rps }), "%.0f"),
			span(r.column(static, func(s sample) float64 { return s.rps }), "%.0f"),
			med, span(rounds, "%.3f")))
		if k.workload == "typical" && k.auth == authNone {
			budget = append(budget, fmt.Sprintf("%s, %s: jakguard/static %.3f (medians; by round %s) (budget ≥ %.2f: %s)",
				k.store, k.fill, med, span(rounds, "%.3f"), budgetStaticRatio, verdict(med >= budgetStaticRatio)))
		}
	}
	if len(rows) == 0 {
		return
	}
	b.WriteString("\nAgainst the static server (`-static`: a separate process that reads each call's whole body and answers it with the bytes jakguard answered it with, status 200, same Content-Type and Content-Length; no store, no tokens; the same generator, connections, warm-up and duration, once per workload and round; its CPU above is the static process's): jakguard's req/s over the static server's, as the ratio of the medians and the range of each round's ratio.\n\n")
	b.WriteString("| workload | store | fill | auth | req/s | static req/s | jakguard/static (medians) | by round |\n")
	b.WriteString("|---|---|---|---|---:|---:|---:|---:|\n")
	for _, row := range rows {
		b.WriteString(row + "\n")
	}
	if len(budget) > 0 {
		b.WriteString("\nBudget (issue 17; the typical workload, unauthenticated, against the static server):\n\n")
		for _, l := range budget {
			b.WriteString("- " + l + "\n")
		}
	}
}

// Budgets of issue 20 for the first-prescription order-select.
const (
	budgetP99       = 25 * time.Millisecond
	budgetRPS       = 2000
	budgetRPSES384  = 800
	budgetFullDelta = 0.10
)

// budgets checks the order-select rows against the budgets: its worst p99
// and lowest req/s over the rounds against the full store, and the full
// store's median against the empty one's.
func (r *report) budgets(by map[key][]sample) []string {
	var out []string
	for _, st := range r.opts.stores {
		for _, a := range r.opts.auths {
			full, ok := by[key{"order-select", st, fillFull, a}]
			if !ok {
				continue
			}
			want := float64(budgetRPS)
			if a == authES384 {
				want = budgetRPSES384
			}
			p99 := slices.Max(r.column(full, func(s sample) float64 { return ms(s.p99) }))
			rps := slices.Min(r.column(full, func(s sample) float64 { return s.rps }))
			line := fmt.Sprintf("%s, %s: p99 at most %.1f ms (budget < %.0f ms: %s), at least %.0f req/s (budget ≥ %.0f: %s)",
				st, a, p99, ms(budgetP99), verdict(p99 < ms(budgetP99)), rps, want, verdict(rps >= want))
			if empty, ok := by[key{"order-select", st, fillEmpty, a}]; ok {
				fr, er := median(r.column(full, func(s sample) float64 { return s.rps })), median(r.column(empty, func(s sample) float64 { return s.rps }))
				fp, ep := median(r.column(full, func(s sample) float64 { return ms(s.p50) })), median(r.column(empty, func(s sample) float64 { return ms(s.p50) }))
				dr, dp := fr/er-1, fp/ep-1
				line += fmt.Sprintf("; full against empty (medians): req/s %+.0f %%, p50 %+.0f %% (budget within %.0f %%: %s)",
					100*dr, 100*dp, 100*budgetFullDelta, verdict(dr >= -budgetFullDelta && dp <= budgetFullDelta))
			}
			out = append(out, line)
		}
	}
	return out
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

func (r *report) column(ss []sample, f func(sample) float64) []float64 {
	out := make([]float64, len(ss))
	for i, s := range ss {
		out[i] = f(s)
	}
	return out
}

// span is "min–max" of vs, or the one value when they are equal.
func span(vs []float64, format string) string {
	if len(vs) == 0 {
		return "-"
	}
	lo, hi := fmt.Sprintf(format, slices.Min(vs)), fmt.Sprintf(format, slices.Max(vs))
	if lo == hi {
		return lo
	}
	return lo + "–" + hi
}

func median(vs []float64) float64 {
	s := slices.Clone(vs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// treeCommit is the working tree's commit, "+dirty" if it has changes; "?"
// outside a git tree.
func treeCommit() string {
	out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "?"
	}
	c := strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(strings.TrimSpace(string(st))) > 0 {
		c += "+dirty"
	}
	return c
}
