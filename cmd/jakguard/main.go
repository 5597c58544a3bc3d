// Command jakguard is the JAK-inhibitor CDS Hooks service.
//
//	jakguard [serve]              run the service
//	jakguard eval --request F     evaluate one hook request offline
//	jakguard report               feedback analytics per finding code
//	jakguard version              versions of the binary, spec and knowledge base
//	jakguard healthcheck          ask a running service for /healthz
//	jakguard valuesets check DIR  what a --valuesets overlay changes
//	jakguard config check FILE    the effective --rules-config settings
//	jakguard token mint|inspect   development tokens; check a token
//	jakguard help [COMMAND]       every command with its flags
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // TZ names a zone even where the host has no zone database (checkTZ)

	"jakguard/hooks"
)

func main() {
	hooks.SetGCPercent() // 400 unless GOGC is set: see hooks.GCPercent
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// The first signal starts the graceful shutdown; a second one (Ctrl-C
	// again, an operator who will not wait for a 20 s drain) ends the
	// process at once, as Go does by default: records not yet flushed are
	// lost, as with kill -9.
	go func() { <-ctx.Done(); stop() }()
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
