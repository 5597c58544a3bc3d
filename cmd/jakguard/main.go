// Command jakguard is the JAK-inhibitor CDS Hooks service.
//
//	jakguard [serve]           run the service
//	jakguard eval --request F  evaluate one hook request offline
//	jakguard report            feedback analytics per finding code
//	jakguard version           versions of the binary, spec and knowledge base
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// defaultGCPercent is the garbage collector's target when GOGC is not set.
// A hook call allocates about 0.5 MB of short-lived garbage against a live
// heap of a few MB, so Go's default (100) collects far more often than
// memory needs: 400 cut the CPU per call by a quarter under load
// (docs/performance.md). GOMEMLIMIT still bounds the heap.
const defaultGCPercent = 400

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
