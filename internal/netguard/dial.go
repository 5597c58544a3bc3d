package netguard

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// ErrDenied is the dial error for an address that is never connected to.
var ErrDenied = errors.New("address refused")

// Addresses never dialled, whatever the configuration: link-local (which
// holds the cloud metadata services at 169.254.169.254 and 169.254.170.2)
// and the other metadata and host-platform addresses, "this network"
// (0.0.0.0 reaches the local host), multicast and broadcast, and the
// NAT64 and 6to4 forms of link-local IPv4.
var deniedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("100.100.100.200/32"), // Alibaba Cloud metadata
	netip.MustParsePrefix("168.63.129.16/32"),   // Azure WireServer
	netip.MustParsePrefix("224.0.0.0/4"),
	netip.MustParsePrefix("255.255.255.255/32"),
	netip.MustParsePrefix("::/128"),
	netip.MustParsePrefix("fe80::/10"),
	netip.MustParsePrefix("fd00:ec2::254/128"), // AWS metadata over IPv6
	netip.MustParsePrefix("ff00::/8"),
	netip.MustParsePrefix("64:ff9b::a9fe:0/112"), // NAT64 of 169.254.0.0/16
	netip.MustParsePrefix("2002:a9fe::/32"),      // 6to4 of 169.254.0.0/16
}

// deniedHosts are metadata host names, refused before any lookup (they
// resolve to denied addresses anyway where they exist).
var deniedHosts = map[string]bool{
	"metadata.google.internal":   true,
	"metadata.goog":              true,
	"metadata":                   true,
	"instance-data":              true,
	"instance-data.ec2.internal": true,
	"metadata.azure.com":         true,
}

// DeniedAddr reports whether ip must not be dialled. Loopback is denied
// only when denyLoopback is set; private networks (where hospital FHIR
// servers live) never are.
func DeniedAddr(ip netip.Addr, denyLoopback bool) bool {
	ip = ip.WithZone("").Unmap() // a prefix never contains a zoned address
	if !ip.IsValid() {
		return true
	}
	if ip.IsLoopback() {
		return denyLoopback
	}
	for _, p := range deniedPrefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// DeniedHost reports whether host (a name or an IP literal) is refused
// before any lookup.
func DeniedHost(host string, denyLoopback bool) bool {
	if deniedHosts[strings.TrimSuffix(strings.ToLower(host), ".")] {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && DeniedAddr(ip, denyLoopback)
}

// dial dials after checking every address the name resolved to, at
// connect time (net.Dialer.Control sees the IP actually dialled), so
// redirects, next links and DNS rebinding cannot reach a denied address.
func dial(denyLoopback bool) func(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{
		Timeout:   5 * time.Second,
		KeepAlive: 30 * time.Second,
		Control: func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil || DeniedAddr(ap.Addr(), denyLoopback) {
				return ErrDenied
			}
			return nil
		},
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if err != nil || deniedHosts[strings.TrimSuffix(strings.ToLower(host), ".")] {
			return nil, ErrDenied
		}
		return d.DialContext(ctx, network, addr)
	}
}

// MaxResponseHeaderBytes bounds the response headers of a request made on
// a caller's behalf: they are held outside any Budget, and Go's default
// (10 MB a response) let a FHIR server answering 8 queries of a call at
// once make it hold 80 MB beyond its page budget.
const MaxResponseHeaderBytes = 256 << 10

// Transport returns a keep-alive transport that dials through the address
// guard and never through a proxy (a proxy would resolve and reach
// addresses the guard never sees), with MaxResponseHeaderBytes.
func Transport(denyLoopback bool) *http.Transport {
	return &http.Transport{
		MaxResponseHeaderBytes: MaxResponseHeaderBytes,
		Proxy:                  nil,
		DialContext:            dial(denyLoopback),
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           100,
		MaxIdleConnsPerHost:    16,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    5 * time.Second,
		ExpectContinueTimeout:  time.Second,
	}
}

// Guard returns a clone of t that keeps its TLS settings but dials through
// the address guard, and never through a proxy, with response headers of
// at most MaxResponseHeaderBytes.
func Guard(t *http.Transport, denyLoopback bool) *http.Transport {
	t = t.Clone()
	if t.MaxResponseHeaderBytes <= 0 || t.MaxResponseHeaderBytes > MaxResponseHeaderBytes {
		t.MaxResponseHeaderBytes = MaxResponseHeaderBytes
	}
	t.Proxy = nil
	t.DialContext = dial(denyLoopback)
	t.DialTLSContext = nil
	t.Dial, t.DialTLS = nil, nil // deprecated hooks, cleared so DialContext is used
	return t
}

// IsLoopbackURL reports whether s names a loopback host (localhost, or a
// loopback IP literal).
func IsLoopbackURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	h := strings.ToLower(u.Hostname())
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip, err := netip.ParseAddr(h)
	return err == nil && ip.Unmap().IsLoopback()
}
