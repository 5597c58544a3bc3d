//go:build jakguard_pprof

// A CPU profile of the service under load, for cmd/jakload -cpuprofile only.
// The shipped binary is built without the jakguard_pprof tag and has none of
// this. With the tag, JAKGUARD_PPROF_ADDR (a loopback address) serves
// net/http/pprof there, apart from the service's own listener.

package main

import (
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
)

func init() {
	addr := os.Getenv("JAKGUARD_PPROF_ADDR")
	if addr == "" {
		return
	}
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		fmt.Fprintf(os.Stderr, "JAKGUARD_PPROF_ADDR=%q: want a loopback address and port\n", addr)
		os.Exit(2)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	go func() { _ = http.ListenAndServe(addr, mux) }()
}
