package hooks

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"
)

// Error is an error with an HTTP status and a message that is safe to show
// the client in an OperationOutcome. Detail that is not safe goes to the log
// through Err.
type Error struct {
	Status  int
	Code    string // OperationOutcome issue code: invalid, not-found, processing, too-long, ...
	Message string // safe for the client
	Err     error  // the cause, for the log only
	// Expression locates the problem in the request body
	// (OperationOutcome.issue.expression), e.g. "feedback[1].outcome".
	Expression string
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

func badRequest(msg string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "invalid", Message: msg}
}

// OperationOutcome is the FHIR error body of every non-2xx answer but 401.
type OperationOutcome struct {
	ResourceType string         `json:"resourceType"`
	Issue        []OutcomeIssue `json:"issue"`
}

// OutcomeIssue is one issue of an OperationOutcome.
type OutcomeIssue struct {
	Severity    string   `json:"severity"`
	Code        string   `json:"code"`
	Diagnostics string   `json:"diagnostics,omitempty"`
	Expression  []string `json:"expression,omitempty"`
}

func outcome(code, msg string) OperationOutcome {
	return OperationOutcome{ResourceType: "OperationOutcome", Issue: []OutcomeIssue{{Severity: "error", Code: code, Diagnostics: msg}}}
}

// errorHandler turns every error, including Echo's own 404, 405 and 413,
// into an OperationOutcome answer; 401 carries no body at all.
func errorHandler(logger *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		status, code, msg := http.StatusInternalServerError, "exception", "internal error"
		var expr string
		var he *Error
		var ee *echo.HTTPError
		switch {
		case errors.As(err, &he):
			status, code, msg, expr = he.Status, he.Code, he.Message, he.Expression
		case errors.As(err, &ee):
			status = ee.Code
			code, msg = echoIssue(ee)
		}
		// A failing /readyz is a state the probes poll every few seconds
		// (shutting down; the store outage has its own warning), not a
		// failed request: the request log has it at debug level.
		if status >= 500 && c.Path() != "/readyz" {
			logger.Error("request failed", "path", c.Path(), "status", status, "err", err)
		}
		if status == http.StatusUnauthorized {
			_ = c.NoContent(status)
			return
		}
		oo := outcome(code, msg)
		if expr != "" {
			oo.Issue[0].Expression = []string{expr}
		}
		b, _ := encodeJSON(oo)
		c.Response().Header().Set(echo.HeaderContentType, "application/fhir+json")
		if c.Request().Method == http.MethodHead {
			_ = c.NoContent(status)
			return
		}
		_ = c.Blob(status, "application/fhir+json", b)
	}
}

func echoIssue(e *echo.HTTPError) (code, msg string) {
	switch e.Code {
	case http.StatusNotFound:
		return "not-found", "no such endpoint or CDS service"
	case http.StatusMethodNotAllowed:
		return "not-supported", "method not allowed"
	case http.StatusRequestEntityTooLarge:
		return "too-long", "request body larger than the configured limit"
	case http.StatusUnauthorized:
		return "login", ""
	case http.StatusServiceUnavailable:
		return "transient", "service unavailable"
	}
	if e.Code >= 500 {
		return "exception", "internal error"
	}
	if m, ok := e.Message.(string); ok {
		return "invalid", m
	}
	return "invalid", http.StatusText(e.Code)
}
