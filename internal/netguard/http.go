package netguard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
)

// HTTPClient returns a copy of hc (nil: a new client on Transport) for
// requests made on a caller's behalf: an *http.Transport is cloned to dial
// through the address guard (Guard), redirects stay under the base of the
// request's context (CheckRedirect), and no cookies are kept, so nothing
// carries over from one call to the next. Another RoundTripper (a test
// double) is used as it is.
func HTTPClient(hc *http.Client, denyLoopback bool) *http.Client {
	var c http.Client
	if hc != nil {
		c = *hc
	}
	switch t := c.Transport.(type) {
	case nil:
		c.Transport = Transport(denyLoopback)
	case *http.Transport:
		c.Transport = Guard(t, denyLoopback)
	}
	c.CheckRedirect = CheckRedirect
	c.Jar = nil
	return &c
}

// Error is a request that failed, with a reason that is safe to log: never
// the URL (which may name a patient), a token or the body. A timeout or a
// cancellation unwraps to the context's error.
type Error struct {
	Reason string
	cause  error
}

func (e *Error) Error() string { return e.Reason }

func (e *Error) Unwrap() error { return e.cause }

// Failure describes err, the failure of a request made with ctx, as an
// *Error. The original error is dropped: a *url.Error repeats the URL.
func Failure(ctx context.Context, err error) *Error {
	var ne net.Error
	switch {
	case errors.Is(ctx.Err(), context.Canceled):
		return &Error{"canceled", context.Canceled}
	case ctx.Err() != nil, errors.As(err, &ne) && ne.Timeout():
		return &Error{"timeout", context.DeadlineExceeded}
	case errors.Is(err, ErrTooLarge), errors.Is(err, ErrExhausted), errors.Is(err, ErrDenied):
		return &Error{err.Error(), nil}
	}
	return &Error{"connection failed", nil}
}

// Get GETs u with header, and reads a 2xx answer's body within limit bytes
// and within what is left of b. It fails with an *Error.
func Get(ctx context.Context, hc *http.Client, u string, header http.Header, limit int64, b *Budget) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, &Error{"invalid query", nil}
	}
	req.Header = header
	resp, err := hc.Do(req)
	if err != nil {
		return nil, Failure(ctx, err)
	}
	defer func() {
		// Drain a little so the connection can be reused, then close.
		_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
		_ = resp.Body.Close()
	}()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, &Error{fmt.Sprintf("HTTP %d", resp.StatusCode), nil}
	}
	body, err := b.Read(resp.Body, resp.ContentLength, limit)
	if err != nil {
		return nil, Failure(ctx, err)
	}
	return body, nil
}

// Token is an access token sent on a caller's behalf. It formats and logs
// as a redaction marker, so passing one to a logger or fmt never reveals
// it; it decodes from JSON as a plain string.
type Token string

const redacted = "REDACTED"

func (Token) String() string               { return redacted }
func (Token) GoString() string             { return redacted } // %#v
func (Token) LogValue() slog.Value         { return slog.StringValue(redacted) }
func (Token) MarshalText() ([]byte, error) { return []byte(redacted), nil }
