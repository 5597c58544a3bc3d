// Package jsonerr describes JSON errors for error messages and logs
// without echoing the input: where (a path such as
// "entry[0].resource.status") and what kind of value was found, never the
// value. It serves hooks (the request) and fhir (resources).
package jsonerr

import (
	"strconv"
	"strings"
	"unicode/utf8"

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
