package hooks

import (
	"context"
	"log/slog"

	"jakguard/internal/auth"
	"jakguard/internal/netguard"
)

// notObtainable is the one reason a caller is told when FHIR fallback
// fails for a key, whatever happened (connection refused, HTTP 502,
// timeout, an address refused, an unusable answer, the memory budget):
// telling them apart would make the service a port scanner. The detail
// goes to the log (fallbackFailed).
const notObtainable = "not obtainable from fhirServer"

// notAllowed is the reason for keys not fetched because fhirServer is not
// one of the calling client's fhir_servers. It says nothing about the
// network, and tells an integrator what to fix.
const notAllowed = "fhirServer is not in this client's fhir_servers"

// fhirServerAllowed applies contract 6.6: without authentication any
// fhirServer may be used (the address checks of the FHIR client still
// apply); with it, only one of the calling client's fhir_servers,
// compared in normal form (netguard.BaseURL).
func (s *Server) fhirServerAllowed(ctx context.Context, server string) bool {
	if s.verifier == nil {
		return true
	}
	caller, ok := auth.CallerFrom(ctx)
	if !ok {
		return false
	}
	want, err := netguard.BaseURL(server)
	if err != nil {
		return false
	}
	for _, a := range caller.FHIRServers {
		if b, err := netguard.BaseURL(a); err == nil && b == want {
			return true
		}
	}
	return false
}

// fallbackFailed logs why a key could not be fetched (the client's
// reasons hold no URL, token or patient data) and returns what the caller
// is told.
func fallbackFailed(logger *slog.Logger, key string, err error) string {
	logger.Warn("FHIR fallback failed", "key", key, "reason", err.Error())
	return notObtainable
}
