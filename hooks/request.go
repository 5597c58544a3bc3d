package hooks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"jakguard/internal/jsonerr"
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

// accessToken is the token of fhirAuthorization ("" when none is given).
func (r *Request) accessToken() string {
	if r.FHIRAuthorization == nil {
		return ""
	}
	return r.FHIRAuthorization.AccessToken
}

// HookContext is the union of the context fields of the three hooks.
type HookContext struct {
	UserID      string          `json:"userId"`
	PatientID   string          `json:"patientId"`
	EncounterID string          `json:"encounterId"`
	Selections  []string        `json:"selections"`
	DraftOrders json.RawMessage `json:"draftOrders"`
}

// prefetchFunc reads one prefetch value, for key, from dec (which reads
// body from its first byte): it must read the value whole, or return an
// error that stops the reading of the request.
type prefetchFunc func(key string, dec *jsontext.Decoder, body []byte) error

// decodeRequest parses and validates a hook call body for a service of the
// given hook. Every failure is a 400 naming the problem, or the error of
// the prefetch reader.
//
// The body is read once, member by member, with the token reader of
// github.com/go-json-experiment/json, strictly as FHIR JSON is defined
// (contract 6.6), all of it, unknown members and prefetch values included:
// member names are case-sensitive ("Hook" is not hook), and duplicate
// member names, invalid UTF-8 and anything that is not RFC 8259 JSON (NaN,
// 007, 0x10, trailing data) are refused. The context is decoded as soon as
// it is read; when prefetch comes after it (as clients write it), stream,
// given the request read so far and the context, returns the function
// that reads each prefetch value straight from the body into the patient
// record. Prefetch that comes before the context, or that stream returns
// nil for, is kept in Request.Prefetch as JSON (sub-slices of body).
func decodeRequest(body []byte, hook string, stream func(req *Request, hc *HookContext) prefetchFunc) (*Request, *HookContext, error) {
	dec := jsontext.NewDecoder(bytes.NewBuffer(body))
	if dec.PeekKind() != '{' {
		if err := dec.SkipValue(); err != nil {
			return nil, nil, badRequest("request body is not a JSON object: " + jsonErr(err))
		}
		return nil, nil, badRequest("request body is not a JSON object")
	}
	var req Request
	var hc *HookContext
	var hcErr error // why the context could not be decoded
	var read prefetchFunc
	streamed := false // stream has been asked
	// value is the JSON of the value just read, a sub-slice of body.
	value := func(v jsontext.Value) json.RawMessage {
		end := dec.InputOffset()
		return json.RawMessage(body[end-int64(len(v)) : end : end])
	}
	member := func(name string) error {
		switch name {
		case "hook", "hookInstance", "fhirServer":
			dst := map[string]*string{"hook": &req.Hook, "hookInstance": &req.HookInstance, "fhirServer": &req.FHIRServer}[name]
			if k := dec.PeekKind(); k != '"' && k != 'n' {
				return badRequest(name + " must be a string")
			}
			return jsonv2.UnmarshalDecode(dec, dst)
		case "fhirAuthorization":
			if dec.PeekKind() == 'n' {
				_, err := dec.ReadToken()
				return err
			}
			var fa FHIRAuthorization
			if err := jsonv2.UnmarshalDecode(dec, &fa); err != nil {
				return badRequest("fhirAuthorization: " + jsonErr(err))
			}
			req.FHIRAuthorization = &fa
			return nil
		case "context":
			v, err := dec.ReadValue()
			if err != nil {
				return err
			}
			req.Context, hc, hcErr = value(v), nil, nil
			if v.Kind() == '{' {
				var c HookContext
				if hcErr = jsonv2.Unmarshal(req.Context, &c); hcErr == nil {
					hc = &c
				}
			}
			return nil
		case "prefetch":
			switch dec.PeekKind() {
			case 'n':
				_, err := dec.ReadToken()
				return err
			case '{':
			default:
				if err := dec.SkipValue(); err != nil {
					return err
				}
				return badRequest("prefetch must be an object")
			}
			if _, err := dec.ReadToken(); err != nil {
				return err
			}
			req.Prefetch = map[string]json.RawMessage{}
			for dec.PeekKind() != '}' {
				tok, err := dec.ReadToken()
				if err != nil {
					return err
				}
				key := tok.String()
				if !streamed && hc != nil && stream != nil && strings.IndexFunc(hc.PatientID, spaceOrControl) < 0 {
					// (A patientId refused below is not used to read prefetch.)
					streamed, read = true, stream(&req, hc)
				}
				if read != nil {
					if err := read(key, dec, body); err != nil {
						return err
					}
					continue
				}
				v, err := dec.ReadValue()
				if err != nil {
					return err
				}
				req.Prefetch[key] = value(v)
			}
			_, err := dec.ReadToken()
			return err
		}
		_, err := dec.ReadValue() // faster than SkipValue, which goes token by token
		return err
	}
	if _, err := dec.ReadToken(); err != nil {
		return nil, nil, badRequest("request body is not a JSON object: " + jsonErr(err))
	}
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err == nil {
			err = member(tok.String())
		}
		if err != nil {
			var he *Error
			if errors.As(err, &he) {
				return nil, nil, he
			}
			return nil, nil, badRequest("request body is not a JSON object: " + jsonErr(err))
		}
	}
	if _, err := dec.ReadToken(); err != nil {
		return nil, nil, badRequest("request body is not a JSON object: " + jsonErr(err))
	}
	if _, err := dec.ReadToken(); err != io.EOF {
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
	case req.Context[0] != '{':
		return nil, nil, badRequest("context is not a JSON object")
	case hcErr != nil:
		return nil, nil, badRequest("context: " + jsonErr(hcErr))
	case strings.TrimSpace(hc.PatientID) == "":
		return nil, nil, badRequest("context.patientId is missing")
	case strings.IndexFunc(hc.PatientID, spaceOrControl) >= 0:
		// A FHIR id has none. " p1" was trimmed when prefetch was held to
		// the patient but not when draft orders were, nor in the queries
		// sent to fhirServer: one patient id read three ways.
		e := badRequest("context.patientId holds white space or a control character: a FHIR id has none")
		e.Expression = "context.patientId"
		return nil, nil, e
	case req.FHIRAuthorization != nil && req.FHIRAuthorization.Patient != "" &&
		strings.TrimPrefix(strings.TrimSpace(req.FHIRAuthorization.Patient), "Patient/") != strings.TrimPrefix(hc.PatientID, "Patient/"):
		// The token is for another patient than the call (CDS Hooks 2.0:
		// fhirAuthorization.patient): a server that serves a token only its
		// own patient's data may answer "none" for this one. Which of the
		// two the call is about cannot be told (contract 6.6).
		e := badRequest("fhirAuthorization.patient is another patient than context.patientId")
		e.Expression = "fhirAuthorization.patient"
		return nil, nil, e
	}
	if hook == HookOrderSelect || hook == HookOrderSign {
		if len(hc.DraftOrders) == 0 || isNull(hc.DraftOrders) {
			return nil, nil, badRequest("context.draftOrders is missing")
		}
	}
	switch {
	case hook != HookOrderSelect:
	case hc.Selections == nil: // absent or null
		return nil, nil, badRequest("context.selections is missing")
	case len(hc.Selections) == 0:
		// CDS Hooks: 1..*. Nothing selected would evaluate nothing, and an
		// answer of no cards would read as "checked, nothing to say".
		e := badRequest("context.selections is empty: order-select names the newly selected orders (at least one)")
		e.Expression = "context.selections"
		return nil, nil, e
	}
	return &req, hc, nil
}

// spaceOrControl reports white space, control and invisible format
// characters (Unicode: a zero-width space, a direction mark).
func spaceOrControl(r rune) bool {
	return unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r)
}

func isNull(b json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(b), []byte("null")) }

// jsonErr describes a JSON error without echoing the input: where it is
// (a JSON path, or a byte offset for syntax) and what is wrong.
func jsonErr(err error) string {
	var se *jsonv2.SemanticError
	var sy *jsontext.SyntacticError
	switch {
	case err == nil:
		return "invalid JSON"
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
		where := jsonerr.Path(se.JSONPointer)
		if where == "" {
			where = "value"
		}
		if se.JSONKind != 0 && se.GoType != nil {
			return fmt.Sprintf("%s must be %s, not %s", where, goKind(se.GoType.String()), jsonerr.Kind(se.JSONKind))
		}
		return where + " is not readable"
	}
	return "invalid JSON"
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

// cut shortens a client-supplied string for an error message, without
// splitting a character.
func cut(s string) string { return jsonerr.Cut(s, 40) }
