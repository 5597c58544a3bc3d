package auth

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"
)

// CallerKey is the echo.Context key under which Middleware stores the
// Caller.
const CallerKey = "jakguard.caller"

type callerKey struct{}

// WithCaller returns ctx carrying c.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the Caller stored by WithCaller, if any.
func CallerFrom(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok
}

// Middleware authenticates every request except CORS preflights (OPTIONS).
// Mount it after the CORS middleware and only on discovery, service and
// feedback routes, behind the middleware that sets the request deadline
// (the replay check runs within it). A refused call gets 401 with an
// empty body (the CORS headers are already set) and
// `WWW-Authenticate: Bearer error="invalid_token"` (RFC 6750; `Bearer`
// alone when no token was sent). The reason is logged at info with the
// check that failed, what it expected and what the token held, and the
// claimed issuer and jti; never the token. A replay store failure or
// timeout gets 503 with Retry-After and is logged at error: it is the
// service's fault, not the client's. On success the Caller is stored under
// CallerKey and in the request context (CallerFrom).
func (v *Verifier) Middleware() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			if req.Method == http.MethodOptions {
				return next(c)
			}
			ctx := req.Context()
			var (
				caller Caller
				err    error
			)
			if h := req.Header.Values(echo.HeaderAuthorization); len(h) > 1 {
				err = errors.Join(ErrMalformed, errors.New("several Authorization headers"))
			} else {
				caller, err = v.Verify(ctx, req.Header.Get(echo.HeaderAuthorization), req.URL.Path)
			}
			if err != nil {
				reason := Reason(err)
				if v.OnFailure != nil {
					v.OnFailure(reason)
				}
				attrs := []slog.Attr{
					slog.String("reason", reason),
					slog.String("iss", caller.Issuer),
					slog.String("jti", caller.JTI),
					slog.String("method", req.Method),
					slog.String("path", short(req.URL.Path)),
				}
				var rf *refusal
				if errors.As(err, &rf) {
					attrs = append(attrs, slog.String("expected", shortN(rf.expected, maxDetailLen)), slog.String("received", rf.received))
				}
				attrs = append(attrs, slog.String("detail", shortN(err.Error(), maxDetailLen)))
				if errors.Is(err, ErrReplayStore) {
					v.logger.LogAttrs(ctx, slog.LevelError, "auth: cannot check jti replay", attrs...)
					c.Response().Header().Set("Retry-After", RetryAfter)
					return echo.NewHTTPError(http.StatusServiceUnavailable, "authentication temporarily unavailable")
				}
				v.logger.LogAttrs(ctx, slog.LevelInfo, "auth: call refused", attrs...)
				if errors.Is(err, ErrMissing) {
					c.Response().Header().Set(echo.HeaderWWWAuthenticate, "Bearer")
				} else {
					c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer error="invalid_token"`)
				}
				return c.NoContent(http.StatusUnauthorized)
			}
			c.Set(CallerKey, caller)
			c.SetRequest(req.WithContext(WithCaller(ctx, caller)))
			return next(c)
		}
	}
}

// RetryAfter is the Retry-After value (seconds) of a 503 for a replay
// store that did not answer in time.
const RetryAfter = "1"
