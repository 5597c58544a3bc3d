package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"
)

// healthcheckSetup asks a running jakguard for /healthz; it is the Docker
// HEALTHCHECK of the distroless image, which has no curl.
func healthcheckSetup(fs *flagSet, _ stdio) func(context.Context) error {
	url := fs.String("url", "", "", "health endpoint to ask (default /healthz on the loopback address of --addr)")
	addr := fs.String("addr", "JAKGUARD_ADDR", "127.0.0.1:8080", "the service's listen address, as given to serve")
	return func(ctx context.Context) error {
		u := *url
		if u == "" {
			u = healthURL(*addr)
		}
		ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return fmt.Errorf("healthcheck: %w", err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return fmt.Errorf("healthcheck: %w", err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("healthcheck: %s answered %d", u, resp.StatusCode)
		}
		return nil
	}
}

// healthURL is /healthz on the loopback address of the listen address addr
// (--addr or JAKGUARD_ADDR), so the image's HEALTHCHECK follows a changed
// port.
func healthURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return "http://127.0.0.1:8080/healthz"
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/healthz"
}
