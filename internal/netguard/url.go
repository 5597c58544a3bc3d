package netguard

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"path"
	"strings"
)

type baseKey struct{}

// WithBase returns ctx naming base as the URL that the redirects of
// requests made with it must stay under (CheckRedirect).
func WithBase(ctx context.Context, base *url.URL) context.Context {
	return context.WithValue(ctx, baseKey{}, base)
}

// CheckRedirect is an http.Client.CheckRedirect that follows at most two
// redirects, and only those that stay on the origin and under the base path
// of the request's context (WithBase; else the first request's URL),
// already in normal form (no dot segments, no encoded ones).
func CheckRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 3 {
		return http.ErrUseLastResponse
	}
	base, _ := req.Context().Value(baseKey{}).(*url.URL)
	if base == nil {
		base = via[0].URL
	}
	u, ok := Confine(req.URL, base)
	if !ok || u.Path != req.URL.Path && u.Path != strings.TrimSuffix(req.URL.Path, "/") || req.URL.RawPath != "" {
		// Out of the base path, or a path that only becomes acceptable once
		// normalised (dot segments, encoded characters): not followed.
		return http.ErrUseLastResponse
	}
	return nil
}

// origin is scheme://host:port in lower case with the default port made
// explicit, so that "https://EHR" and "https://ehr:443" compare equal.
func origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		switch scheme {
		case "https":
			port = "443"
		case "http":
			port = "80"
		}
	}
	return scheme + "://" + net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// cleanPath is p (already percent-decoded) with dot segments resolved and
// without a trailing slash; "" for the root. ok is false for a path that
// holds a backslash or a NUL, which servers treat in their own ways.
func cleanPath(p string) (string, bool) {
	if strings.ContainsAny(p, "\\\x00") {
		return "", false
	}
	c := path.Clean("/" + p)
	if c == "/" {
		return "", true
	}
	return c, true
}

// Confine returns u in normal form (path percent-decoded, dot segments
// resolved, re-encoded from that) if it is on base's origin and under
// base's path; ok is false otherwise. A request is then made for the very
// path that was checked.
func Confine(u, base *url.URL) (*url.URL, bool) {
	if u.User != nil || u.Opaque != "" || origin(u) != origin(base) {
		return nil, false
	}
	bp, ok := cleanPath(base.Path)
	if !ok {
		return nil, false
	}
	p, ok := cleanPath(u.Path)
	if !ok || !(bp == "" || p == bp || strings.HasPrefix(p, bp+"/")) {
		return nil, false
	}
	out := *u
	out.Path, out.RawPath, out.Fragment, out.RawFragment = p, "", "", ""
	if out.Path == "" {
		out.Path = "/"
	}
	return &out, true
}

// BaseURL returns the normal form of a server's base URL: lower-case
// scheme and host, no default port, dot segments resolved, no trailing
// slash. Two values name the same server exactly when their BaseURLs are
// equal. URLs with user info, a query or a fragment are errors.
func BaseURL(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.Opaque != "" {
		return "", errors.New("not an absolute URL without user info, query or fragment")
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "https" && scheme != "http" {
		return "", errors.New("not an http(s) URL")
	}
	p, ok := cleanPath(u.Path)
	if !ok {
		return "", errors.New("path holds a backslash or NUL")
	}
	host := strings.ToLower(u.Hostname())
	if port := u.Port(); port != "" && !(scheme == "https" && port == "443") && !(scheme == "http" && port == "80") {
		host = net.JoinHostPort(host, port)
	} else if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return (&url.URL{Scheme: scheme, Host: host, Path: p}).String(), nil
}

// Join returns base with the relative reference rel appended ("Observation?
// code=http://loinc.org|718-7"), in normal form (Confine); ok is false for
// a rel with a scheme, a host, a leading slash, a fragment, a backslash or
// white space, or one that leads out of base's path.
func Join(base *url.URL, rel string) (*url.URL, bool) {
	ref, err := url.Parse(rel)
	if err != nil || rel == "" || ref.Scheme != "" || ref.Host != "" || strings.HasPrefix(rel, "/") ||
		strings.ContainsAny(rel, "#\\ \t\r\n") {
		return nil, false
	}
	u, err := url.Parse(strings.TrimRight(base.String(), "/") + "/" + rel)
	if err != nil {
		return nil, false
	}
	return Confine(u, base)
}
