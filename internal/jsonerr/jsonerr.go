// Package jsonerr describes JSON errors for error messages and logs
// without echoing the input: where (a path such as
// "entry[0].resource.status") and what was wrong, never the value. It
// serves hooks (the request) and fhir (resources).
package jsonerr

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Path turns a JSON Pointer ("/entry/0/resource/status") into the path
// notation of error messages ("entry[0].resource.status"); names are cut
// to 40 bytes.
func Path(p jsontext.Pointer) string {
	var b strings.Builder
	for tok := range p.Tokens() {
		if _, err := strconv.Atoi(tok); err == nil {
			b.WriteString("[" + tok + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(Cut(tok, 40))
	}
	return b.String()
}

// Join joins two paths: "entry[0]" and "resource" give
// "entry[0].resource", "entry" and "[0]" give "entry[0]".
func Join(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	case b[0] == '[':
		return a + b
	}
	return a + "." + b
}

// Kind names a JSON kind for a message: "a string", "an object", "null".
func Kind(k jsontext.Kind) string {
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

// Redact blanks out every `quoted` or "quoted" part of msg (a backslash
// escapes a quote, as in Go's %q): error messages of other packages quote
// the input they could not read.
func Redact(msg string) string {
	var b strings.Builder
	var quote byte // the open quote, 0 outside quotes
	for i := 0; i < len(msg); i++ {
		c := msg[i]
		switch {
		case quote == 0 && (c == '"' || c == '`'):
			quote = c
			b.WriteByte(c)
			b.WriteString("…")
		case quote == 0:
			b.WriteByte(c)
		case c == '\\':
			i++
		case c == quote:
			b.WriteByte(c)
			quote = 0
		}
	}
	return b.String()
}

// Cut shortens s to at most n bytes without splitting a character.
func Cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// Error is JSON that could not be read as what it should be: where (a path
// such as "entry[0].resource.status") and why, without any value from the
// input, so that it can be logged and shown to the client.
type Error struct {
	Path   string // "" for the value as a whole
	Reason string
}

func (e *Error) Error() string {
	if e.Path == "" {
		return e.Reason
	}
	return e.Path + ": " + e.Reason
}

// Describe describes err, an error of decoding the value at path, as an
// *Error naming the member it is about. The library's messages quote no
// input; other reasons (of unmarshal functions, of types that quote what
// they could not read) are redacted.
func Describe(path string, err error) *Error {
	var e *Error
	var se *json.SemanticError
	var sy *jsontext.SyntacticError
	switch {
	case errors.As(err, &e):
		return &Error{Path: Join(path, e.Path), Reason: e.Reason}
	case errors.As(err, &se):
		p := Join(path, Path(se.JSONPointer))
		if se.JSONKind != 0 && se.GoType != nil && se.Err == nil {
			return &Error{Path: p, Reason: "cannot be " + Kind(se.JSONKind)}
		}
		reason := "unreadable"
		if se.Err != nil {
			reason = Redact(se.Err.Error())
		}
		return &Error{Path: p, Reason: reason}
	case errors.As(err, &sy):
		return &Error{Path: Join(path, Path(sy.JSONPointer)), Reason: "invalid JSON"}
	}
	return &Error{Path: path, Reason: Redact(err.Error())}
}

// Safe describes an error for the log without input values.
func Safe(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Error()
	}
	return Redact(err.Error())
}
