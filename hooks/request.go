package hooks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
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
// The body is read with github.com/go-json-experiment/json, strictly as
// FHIR JSON is defined (contract 6.6), all of it, unknown members and
// prefetch values included: member names are case-sensitive ("Hook" is
// not hook), and duplicate member names, invalid UTF-8 and anything that
// is not RFC 8259 JSON (NaN, 007, 0x10, trailing data) are refused. The
// prefetch values are kept as JSON for fhir.Builder to read.
func decodeRequest(body []byte, hook string) (*Request, *HookContext, error) {
	var req Request
	if err := jsonv2.Unmarshal(body, &req); err != nil {
		var se *jsonv2.SemanticError
		if errors.As(err, &se) {
			switch p := string(se.JSONPointer); {
			case p == "":
				return nil, nil, badRequest("request body is not a JSON object")
			case p == "/prefetch":
				return nil, nil, badRequest("prefetch must be an object")
			case p == "/hook" || p == "/hookInstance" || p == "/fhirServer":
				return nil, nil, badRequest(p[1:] + " must be a string")
			}
			return nil, nil, badRequest(jsonErr(err))
		}
		return nil, nil, badRequest("request body is not a JSON object: " + jsonErr(err))
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
	if err := jsonv2.Unmarshal(req.Context, &hc); err != nil {
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

// jsonErr describes a JSON error without echoing the input: where it is
// (a JSON path, or a byte offset for syntax) and what is wrong.
func jsonErr(err error) string {
	var se *jsonv2.SemanticError
	var sy *jsontext.SyntacticError
	switch {
	case errors.As(err, &sy):
		what := "invalid JSON"
		switch {
		case errors.Is(sy.Err, jsontext.ErrDuplicateName):
			what = "duplicate member name"
		case strings.Contains(sy.Err.Error(), "invalid UTF-8"):
			what = "invalid UTF-8"
		}
		return what + " at byte " + strconv.FormatInt(sy.ByteOffset, 10)
	case errors.As(err, &se):
		where := jsonPath(se.JSONPointer)
		if where == "" {
			where = "value"
		}
		if se.JSONKind != 0 && se.GoType != nil {
			return fmt.Sprintf("%s must be %s, not %s", where, goKind(se.GoType.String()), kindName(se.JSONKind))
		}
		return where + " is not readable"
	}
	return "invalid JSON"
}

// jsonPath turns a JSON Pointer ("/draftOrders/entry/0") into the path
// notation of error messages ("draftOrders.entry[0]"); names are cut short.
func jsonPath(p jsontext.Pointer) string {
	var b strings.Builder
	for tok := range p.Tokens() {
		if _, err := strconv.Atoi(tok); err == nil {
			b.WriteString("[" + tok + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(cut(tok))
	}
	return b.String()
}

func goKind(t string) string {
	switch {
	case t == "string":
		return "a string"
	case strings.HasPrefix(t, "[]"):
		return "an array"
	case strings.HasPrefix(t, "int") || strings.HasPrefix(t, "float"):
		return "a number"
	}
	return "an object"
}

func kindName(k jsontext.Kind) string {
	switch k {
	case 'n':
		return "null"
	case 't', 'f':
		return "a boolean"
	case '"':
		return "a string"
	case '0':
		return "a number"
	case '{':
		return "an object"
	case '[':
		return "an array"
	}
	return "invalid JSON"
}

// cut shortens a client-supplied string for an error message, without
// splitting a character.
func cut(s string) string {
	if len(s) <= 40 {
		return s
	}
	n := 40
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
