package main

import (
	"errors"
	"log/slog"
	"math"
	"runtime/debug"

	"github.com/KimMachineGun/automemlimit/memlimit"
)

// memoryRatio is the share of the memory limit given to the Go heap as
// its soft limit (GOMEMLIMIT); the rest is for stacks, the runtime and the
// pure-Go SQLite engine's own buffers.
const memoryRatio = 0.9

// memoryChoice is the memory limit serve runs with, and where it came from.
type memoryChoice struct {
	// Limit is the memory the process may use: the smaller of the
	// container's limit and --memory-limit (0: none known).
	Limit int64
	// GoLimit is the soft limit set for the Go runtime (GOMEMLIMIT);
	// math.MaxInt64 when there is none.
	GoLimit int64
	Source  string // "GOMEMLIMIT", "cgroup", "--memory-limit", "cgroup and --memory-limit" or "none"
	// CgroupErr is why the container's limit could not be read, if it
	// could not (logged; the flag still applies).
	CgroupErr error
}

// chooseMemoryLimit decides the Go soft memory limit (contract 6.6, issue
// 16): GOMEMLIMIT, when set, is left as the runtime read it. Otherwise the
// limit is the smaller of the container's cgroup memory limit (v2 or v1,
// read by github.com/KimMachineGun/automemlimit/memlimit) and
// --memory-limit (flag bytes, 0 for none), and the Go runtime gets 90 % of
// it. cgroup is memlimit.FromCgroup outside tests.
func chooseMemoryLimit(getenv func(string) string, flag int64, cgroup func() (uint64, error)) memoryChoice {
	if getenv("GOMEMLIMIT") != "" {
		return memoryChoice{GoLimit: debug.SetMemoryLimit(-1), Source: "GOMEMLIMIT"}
	}
	var c memoryChoice
	if n, err := cgroup(); err == nil && n > 0 && n < math.MaxInt64 {
		c.Limit, c.Source = int64(n), "cgroup"
	} else if err != nil && !errors.Is(err, memlimit.ErrNoLimit) && !errors.Is(err, memlimit.ErrNoCgroup) && !errors.Is(err, memlimit.ErrCgroupsNotSupported) {
		c.CgroupErr = err
	}
	if flag > 0 && (c.Limit == 0 || flag < c.Limit) {
		if c.Limit > 0 {
			c.Source = "cgroup and --memory-limit"
		} else {
			c.Source = "--memory-limit"
		}
		c.Limit = flag
	}
	if c.Limit == 0 {
		c.GoLimit, c.Source = math.MaxInt64, "none"
		return c
	}
	c.GoLimit = int64(float64(c.Limit) * memoryRatio)
	return c
}

// applyMemoryLimit sets the choice and logs it.
func applyMemoryLimit(c memoryChoice, logger *slog.Logger) {
	if c.CgroupErr != nil {
		logger.Warn("cannot read the container's memory limit; set --memory-limit", "err", c.CgroupErr.Error())
	}
	switch c.Source {
	case "GOMEMLIMIT":
		logger.Info("memory limit from GOMEMLIMIT", "gomemlimit_bytes", c.GoLimit)
	case "none":
		logger.Warn("no memory limit: neither the container nor --memory-limit sets one, so a load spike can exhaust the machine's memory; set --memory-limit or a container memory limit")
	default:
		debug.SetMemoryLimit(c.GoLimit)
		logger.Info("memory limit set", "source", c.Source, "limit_bytes", c.Limit, "gomemlimit_bytes", c.GoLimit)
	}
}
