package hooks

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"

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
		// Where it fails, found without building the body's values: an
		// 8 MB body of empty objects with a duplicate name at its end held
		// some 230 MiB decoded into any (failsafe9).
		dec := jsontext.NewDecoder(bytes.NewReader(body))
		err := dec.SkipValue()
		if err == nil {
			_, err = dec.ReadToken() // data after the value
		}
		if err == io.EOF {
			err = nil
		}
		return badRequest("invalid feedback: " + jsonErr(err))
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
