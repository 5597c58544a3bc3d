package hooks

import (
	"context"
	"errors"
	"net/http"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/labstack/echo/v4"

	"jakguard/internal/auth"
	"jakguard/internal/store"
)

// handleFeedback stores CDS Hooks 2.0 feedback ({"feedback":[...]} or a
// bare single object) durably before answering 200.
func (s *Server) handleFeedback(c echo.Context) error {
	svc, ok := s.services[c.Param("id")]
	if !ok {
		return &Error{Status: http.StatusNotFound, Code: "not-found", Message: "unknown CDS service"}
	}
	body, err := readBody(c, s.cfg.BodyLimit)
	if err != nil {
		return err
	}
	// Strict JSON first, as for hook calls (contract 6.6): duplicate member
	// names, invalid UTF-8 and numbers that are not JSON are refused here,
	// before the store reads the items.
	var v jsontext.Value = body
	if !v.IsValid() {
		return badRequest("invalid feedback: " + jsonErr(jsonv2.Unmarshal(body, new(any))))
	}
	items, err := store.ParseFeedback(body)
	if err != nil {
		e := badRequest(err.Error())
		var ve *store.ValidationError
		if errors.As(err, &ve) {
			e.Expression = ve.Path
		}
		return e
	}
	if s.store == nil {
		return &Error{Status: http.StatusServiceUnavailable, Code: "transient", Message: "feedback store not configured"}
	}
	caller, _ := auth.CallerFrom(c.Request().Context())
	now := s.now()
	for i := range items {
		items[i].Service = svc.ID
		items[i].Issuer = caller.Issuer
		items[i].Tenant = caller.Tenant
		items[i].Received = now
		s.metrics.feedbackItem(items[i].Outcome)
	}
	// A database that hangs must not hold the EHR's request: 503, retry.
	ctx, cancel := context.WithTimeout(c.Request().Context(), s.cfg.StoreTimeout)
	defer cancel()
	if _, err := s.store.AddFeedback(ctx, items); err != nil {
		return &Error{Status: http.StatusServiceUnavailable, Code: "transient", Message: "feedback could not be stored; retry", Err: err}
	}
	return c.NoContent(http.StatusOK)
}

// reportTimeout bounds the analytics query (it reads up to --retention of
// cards; a database that hangs answers 503 after it).
const reportTimeout = 30 * time.Second

// handleAnalytics serves the per-finding feedback report as JSON
// (GET /analytics/findings?since=720h), behind the same auth as the hooks.
func (s *Server) handleAnalytics(c echo.Context) error {
	if s.store == nil {
		return &Error{Status: http.StatusServiceUnavailable, Code: "transient", Message: "feedback store not configured"}
	}
	since := time.Time{}
	if v := c.QueryParam("since"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return badRequest("since must be a positive duration such as 720h")
		}
		since = s.now().Add(-d)
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), reportTimeout)
	defer cancel()
	rep, err := s.store.Report(ctx, since)
	if err != nil {
		if c.Request().Context().Err() != nil {
			return err // the client went away
		}
		return &Error{Status: http.StatusServiceUnavailable, Code: "transient", Message: "report unavailable", Err: err}
	}
	b, err := encodeJSON(rep)
	if err != nil {
		return err
	}
	return c.JSONBlob(http.StatusOK, b)
}
