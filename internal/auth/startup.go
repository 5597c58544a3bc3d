package auth

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
)

// CheckStartup applies contract section 1's start-up rules and reports
// whether calls must carry a JWT:
//   - clientsFile set: authenticated (true); combined with
//     allowUnauthenticated it is an error, as the two contradict;
//   - allowUnauthenticated: unauthenticated on any address, logged loudly
//     (error level) at every start;
//   - neither: unauthenticated, and only on a loopback address (a loud
//     warning is logged); any other address is an error.
func CheckStartup(addr, clientsFile string, allowUnauthenticated bool, logger *slog.Logger) (bool, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	switch {
	case clientsFile != "" && allowUnauthenticated:
		return false, errors.New("--clients and --allow-unauthenticated contradict each other: give one")
	case clientsFile != "":
		return true, nil
	case allowUnauthenticated:
		logger.Error("AUTHENTICATION DISABLED by --allow-unauthenticated: anyone who can reach " + addr +
			" can call the service and learn which patients take which drugs; development only")
		return false, nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false, fmt.Errorf("listen address %q: %w", addr, err)
	}
	if !isLoopbackHost(host) {
		return false, fmt.Errorf("no --clients file: refusing to serve unauthenticated on %q; listen on a loopback address (127.0.0.1), give --clients, or pass --allow-unauthenticated for development", addr)
	}
	logger.Warn("AUTHENTICATION DISABLED: no --clients file, serving unauthenticated on loopback address " + addr + " only")
	return false, nil
}
