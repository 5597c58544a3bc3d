package hooks

import (
	"context"
	"errors"
	"fmt"
	"net/http"
)

// previewKey marks the context of a console preview (Preview).
type previewKey struct{}

// previewing reports whether ctx is a console preview's: nothing is
// fetched from fhirServer and no card metric is counted.
func previewing(ctx context.Context) bool {
	v, _ := ctx.Value(previewKey{}).(bool)
	return v
}

// notFetchedInPreview is the reason given for a key a preview did not
// fetch.
const notFetchedInPreview = "not in prefetch (a console preview never calls fhirServer)"

// Preview evaluates a hook request body for the service id as a hook call
// would, for the operator console (POST /console/api/preview/{id}), and
// returns the status and JSON answer the call would have had: the cards,
// or an OperationOutcome. Nothing is recorded or audited, and no card
// metric counts it.
//
// A pasted request may name any fhirServer with any fhirAuthorization: a
// preview never calls it (neither fallback queries nor next pages), so a
// console user cannot make the server fetch from hosts of their choosing
// or use a token found in a request. Only prefetch is evaluated; a key
// that is missing is unavailable, as when no fhirServer is given (an
// order hook then answers 412 naming it).
func (s *Server) Preview(ctx context.Context, serviceID string, body []byte) (int, []byte) {
	ctx = context.WithValue(ctx, previewKey{}, true)
	out, err := s.Evaluate(ctx, serviceID, body)
	if err == nil {
		return http.StatusOK, out
	}
	status, code, msg := http.StatusInternalServerError, "exception", "internal error"
	var he *Error
	if errors.As(err, &he) {
		status, code, msg = he.Status, he.Code, he.Message
		if he.Status == http.StatusNotFound {
			msg = fmt.Sprintf("unknown CDS service %q", cut(serviceID))
		}
	} else {
		s.logger.Error("preview failed", "err", err)
	}
	b, _ := encodeJSON(outcome(code, msg))
	return status, b
}
