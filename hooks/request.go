package hooks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"jakguard/fhir"
	"jakguard/internal/jsonx"
)

// The hooks jakguard serves.
const (
	HookOrderSelect = "order-select"
	HookOrderSign   = "order-sign"
	HookPatientView = "patient-view"
)

// Request is a CDS Hooks 2.0 service request. Unknown fields (extension,
// 3.0 additions) are accepted and ignored.
type Request struct {
	Hook              string                     `json:"hook"`
	HookInstance      string                     `json:"hookInstance"`
	FHIRServer        string                     `json:"fhirServer,omitempty"`
	FHIRAuthorization *FHIRAuthorization         `json:"fhirAuthorization,omitempty"`
	Context           json.RawMessage            `json:"context"`
	Prefetch          map[string]json.RawMessage `json:"prefetch,omitempty"`

	// splits holds the prefetch values as decodeRequest split them into
	// resources, in the pass that validated the body (see prefetchPage).
	splits map[string]*fhir.Split
}

// FHIRAuthorization is the OAuth 2.0 access token the client grants for
// FHIR fallback queries. It is never logged or stored.
type FHIRAuthorization struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type,omitempty"`
	ExpiresIn   int    `json:"expires_in,omitempty"`
	Scope       string `json:"scope,omitempty"`
	Subject     string `json:"subject,omitempty"`
	Patient     string `json:"patient,omitempty"`
}

// LogValue keeps the token out of every log line.
func (a FHIRAuthorization) String() string { return "FHIRAuthorization{REDACTED}" }

// HookContext is the union of the context fields of the three hooks.
type HookContext struct {
	UserID      string          `json:"userId"`
	PatientID   string          `json:"patientId"`
	EncounterID string          `json:"encounterId"`
	Selections  []string        `json:"selections"`
	DraftOrders json.RawMessage `json:"draftOrders"`
}

// decodeRequest parses and validates a hook call body for a service of the
// given hook. Every failure is a 400 naming the problem.
//
// The body is validated in one pass that also locates its members and
// splits each prefetch value into its resources (fhir.Members); only
// the small members are decoded here. Prefetch values stay sub-slices of
// the body, and resolvePrefetch hands fhir.Builder the splits, so a large
// prefetch is scanned once.
func decodeRequest(body []byte, hook string) (*Request, *HookContext, error) {
	top, prefetch, err := fhir.Members(body, "prefetch")
	switch {
	case errors.Is(err, fhir.ErrNotObject) && strings.HasPrefix(err.Error(), "prefetch:"):
		return nil, nil, badRequest("prefetch must be an object")
	case err != nil:
		return nil, nil, badRequest("request body is not a JSON object: " + err.Error())
	}
	var req Request
	for _, f := range []struct {
		name string
		dst  *string
	}{{"hook", &req.Hook}, {"hookInstance", &req.HookInstance}, {"fhirServer", &req.FHIRServer}} {
		if raw, ok := top[f.name]; ok && !isNull(raw) {
			if json.Unmarshal(raw, f.dst) != nil {
				return nil, nil, badRequest(f.name + " must be a string")
			}
		}
	}
	if raw, ok := top["fhirAuthorization"]; ok && !isNull(raw) {
		var fa FHIRAuthorization
		if err := json.Unmarshal(raw, &fa); err != nil {
			return nil, nil, badRequest("fhirAuthorization: " + jsonErr(err))
		}
		req.FHIRAuthorization = &fa
	}
	req.Context = top["context"]
	if prefetch != nil {
		req.Prefetch = make(map[string]json.RawMessage, len(prefetch))
		for k, v := range prefetch {
			req.Prefetch[k] = v.Raw
		}
		req.splits = prefetch
	}
	switch {
	case req.Hook == "":
		return nil, nil, badRequest("hook is missing")
	case req.HookInstance == "":
		return nil, nil, badRequest("hookInstance is missing")
	case req.Hook != hook:
		return nil, nil, badRequest(fmt.Sprintf("hook %q does not match this service's hook %q", cut(req.Hook), hook))
	case len(req.Context) == 0 || isNull(req.Context):
		return nil, nil, badRequest("context is missing")
	case req.FHIRAuthorization != nil && req.FHIRServer == "":
		return nil, nil, badRequest("fhirAuthorization is present without fhirServer")
	}
	if c := bytes.TrimSpace(req.Context); len(c) == 0 || c[0] != '{' {
		return nil, nil, badRequest("context is not a JSON object")
	}
	var hc HookContext
	if err := jsonx.Unmarshal(req.Context, &hc); err != nil {
		return nil, nil, badRequest("context: " + jsonErr(err))
	}
	if strings.TrimSpace(hc.PatientID) == "" {
		return nil, nil, badRequest("context.patientId is missing")
	}
	if hook == HookOrderSelect || hook == HookOrderSign {
		if len(hc.DraftOrders) == 0 || isNull(hc.DraftOrders) {
			return nil, nil, badRequest("context.draftOrders is missing")
		}
	}
	if hook == HookOrderSelect && hc.Selections == nil { // absent or null
		return nil, nil, badRequest("context.selections is missing")
	}
	return &req, &hc, nil
}

func isNull(b json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(b), []byte("null")) }

// jsonErr describes a JSON error without echoing the input.
func jsonErr(err error) string {
	switch e := err.(type) {
	case *json.SyntaxError:
		return fmt.Sprintf("invalid JSON at byte %d", e.Offset)
	case *json.UnmarshalTypeError:
		if e.Field != "" {
			return fmt.Sprintf("%s must be %s, not %s", e.Field, e.Type.String(), e.Value)
		}
		return fmt.Sprintf("expected %s, got %s", e.Type.String(), e.Value)
	}
	return "invalid JSON"
}

// cut shortens a client-supplied string for an error message.
func cut(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
