package hooks

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// The CDS Hooks prefetch template language: the tokens ({{context.patientId}},
// the user tokens) filled in for a call (renderTemplate), and the FHIR
// query subset templates must keep to (lintTemplate, run by the tests over
// every template discovery declares). The templates themselves are in
// discovery.go; the rendered queries go to the FHIR client.

// errTemplate is wrapped by every error of renderTemplate and lintTemplate.
var errTemplate = errors.New("prefetch template")

// The CDS Hooks 2.0 user tokens, derived from context.userId
// ("Practitioner/123" gives userPractitionerId "123").
var userTokens = map[string]string{
	"userPractitionerId":     "Practitioner",
	"userPractitionerRoleId": "PractitionerRole",
	"userPatientId":          "Patient",
	"userRelatedPersonId":    "RelatedPerson",
}

var (
	// A FHIR id (R4 "id" datatype).
	idPattern = regexp.MustCompile(`^[A-Za-z0-9\-.]{1,64}$`)
	// A relative literal reference "Type/id".
	referencePattern = regexp.MustCompile(`^[A-Z][A-Za-z]{1,63}/[A-Za-z0-9\-.]{1,64}$`)
	resourceType     = regexp.MustCompile(`^[A-Z][A-Za-z]{1,63}$`)
	paramName        = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_\-]*$`)
	// A FHIR search prefix directly followed by a digit (a date or number).
	searchPrefix = regexp.MustCompile(`^([a-z]{2})[0-9]`)
)

// tokenMark stands for a token while lintTemplate checks the URL shape.
const tokenMark = "{T}"

// tmplToken is one {{...}} occurrence in a template.
type tmplToken struct {
	name       string // trimmed text between the braces
	start, end int    // byte offsets of "{{" and just past "}}"
}

func scanTokens(tmpl string) ([]tmplToken, error) {
	var toks []tmplToken
	for i := 0; i < len(tmpl); {
		open := strings.Index(tmpl[i:], "{{")
		closing := strings.Index(tmpl[i:], "}}")
		if open < 0 {
			if closing >= 0 {
				return nil, fmt.Errorf("%w: unmatched \"}}\"", errTemplate)
			}
			break
		}
		if closing >= 0 && closing < open {
			return nil, fmt.Errorf("%w: unmatched \"}}\"", errTemplate)
		}
		start := i + open
		rel := strings.Index(tmpl[start+2:], "}}")
		if rel < 0 {
			return nil, fmt.Errorf("%w: unclosed \"{{\"", errTemplate)
		}
		end := start + 2 + rel + 2
		name := strings.TrimSpace(tmpl[start+2 : end-2])
		if strings.Contains(name, "{{") {
			return nil, fmt.Errorf("%w: nested \"{{\"", errTemplate)
		}
		if name == "" {
			return nil, fmt.Errorf("%w: empty token \"{{}}\"", errTemplate)
		}
		toks = append(toks, tmplToken{name: name, start: start, end: end})
		i = end
	}
	return toks, nil
}

// renderTemplate fills a CDS Hooks prefetch template. ctx holds the hook
// context fields by name ("patientId", "userId", "encounterId", ...).
// {{context.X}} takes ctx["X"]; the user tokens ({{userPractitionerId}},
// {{userPractitionerRoleId}}, {{userPatientId}}, {{userRelatedPersonId}})
// take the id from ctx["userId"] when it references that resource type.
//
// An unknown token, or a token whose value is missing, is an error naming
// the token (never its value). Values must be FHIR ids (context.userId: a
// relative reference "Type/id"), so a value can never add a search
// parameter, an OR (","), a system ("|") or a path segment; they are also
// escaped for their position (path or query).
func renderTemplate(tmpl string, ctx map[string]string) (string, error) {
	toks, err := scanTokens(tmpl)
	if err != nil {
		return "", err
	}
	query := strings.IndexByte(tmpl, '?')
	var b strings.Builder
	last := 0
	for _, t := range toks {
		v, err := tokenValue(t.name, ctx)
		if err != nil {
			return "", err
		}
		b.WriteString(tmpl[last:t.start])
		if query >= 0 && t.start > query {
			b.WriteString(url.QueryEscape(v))
		} else {
			b.WriteString(url.PathEscape(v))
		}
		last = t.end
	}
	b.WriteString(tmpl[last:])
	return b.String(), nil
}

func tokenValue(name string, ctx map[string]string) (string, error) {
	if field, ok := strings.CutPrefix(name, "context."); ok {
		if strings.Contains(field, ".") || field == "" {
			return "", fmt.Errorf("%w: token {{%s}}: nested context paths are not allowed", errTemplate, name)
		}
		v, ok := ctx[field]
		if !ok || v == "" {
			return "", fmt.Errorf("%w: token {{%s}}: no value in the hook context", errTemplate, name)
		}
		// context.userId is a reference ("Practitioner/123"); the other
		// prefetch tokens (patientId, encounterId, ...) are plain ids.
		if field == "userId" {
			if !referencePattern.MatchString(v) || !queryID(v[strings.IndexByte(v, '/')+1:]) {
				return "", fmt.Errorf("%w: token {{%s}}: value is not a FHIR reference Type/id", errTemplate, name)
			}
		} else if !queryID(v) {
			return "", fmt.Errorf("%w: token {{%s}}: value is not a FHIR id", errTemplate, name)
		}
		return v, nil
	}
	typ, ok := userTokens[name]
	if !ok {
		return "", fmt.Errorf("%w: unknown token {{%s}}", errTemplate, name)
	}
	user := ctx["userId"]
	id, found := strings.CutPrefix(user, typ+"/")
	if !found || id == "" {
		return "", fmt.Errorf("%w: token {{%s}}: context.userId is not a %s reference", errTemplate, name, typ)
	}
	if !queryID(id) {
		return "", fmt.Errorf("%w: token {{%s}}: value is not a FHIR id", errTemplate, name)
	}
	return id, nil
}

// queryID reports whether v is a FHIR id that can stand in a query: "."
// and ".." match the id pattern, but in a path they are steps, which made
// "Patient/{{context.patientId}}" a search of every patient ("Patient/.")
// or the server's root ("Patient/..").
func queryID(v string) bool {
	return idPattern.MatchString(v) && strings.Trim(v, ".") != ""
}

// Search parameter modifiers and prefixes allowed by the CDS Hooks 2.0
// prefetch query subset (P2).
var (
	allowedModifiers = []string{"in"}
	allowedPrefixes  = []string{"eq", "lt", "gt", "ge", "le"}
	// FHIR prefixes outside the subset; other two-letter runs before a digit
	// are not prefixes and are left alone.
	otherPrefixes = []string{"ne", "sa", "eb", "ap"}
)

// lintTemplate checks a prefetch template against the CDS Hooks 2.0
// prefetch rules (P1/P2): tokens are only {{context.F}} with F one of
// allowedContext (root-level, no nested path) or a user token; the URL is
// relative, either "Type/id" (an instance read) or "Type?params" (a
// type-level search); parameters are not chained (no "." in a name), carry
// no modifier other than ":in", are not _include, _revinclude or _has, and
// date/number prefixes are only eq, lt, gt, ge or le.
func lintTemplate(tmpl string, allowedContext []string) error {
	toks, err := scanTokens(tmpl)
	if err != nil {
		return err
	}
	for _, t := range toks {
		if err := lintToken(t.name, allowedContext); err != nil {
			return err
		}
	}
	// Replace every token by a placeholder so the URL shape can be checked.
	var b strings.Builder
	last := 0
	for _, t := range toks {
		b.WriteString(tmpl[last:t.start])
		b.WriteString(tokenMark)
		last = t.end
	}
	b.WriteString(tmpl[last:])
	shape := b.String()

	if strings.ContainsAny(shape, " \t\r\n#") {
		return fmt.Errorf("%w: %q: whitespace or fragment in URL", errTemplate, tmpl)
	}
	path, rawQuery, hasQuery := strings.Cut(shape, "?")
	if strings.Contains(path, ":") || strings.HasPrefix(path, "/") {
		return fmt.Errorf("%w: %q: must be a relative URL (Type?params or Type/id)", errTemplate, tmpl)
	}
	typ, id, isRead := strings.Cut(path, "/")
	if !resourceType.MatchString(typ) {
		return fmt.Errorf("%w: %q: %q is not a resource type", errTemplate, tmpl, typ)
	}
	if isRead {
		if hasQuery {
			return fmt.Errorf("%w: %q: an instance read takes no parameters", errTemplate, tmpl)
		}
		if id != tokenMark && !idPattern.MatchString(id) {
			return fmt.Errorf("%w: %q: only Type/id reads are allowed (no history, operations or compartments)", errTemplate, tmpl)
		}
		return nil
	}
	if !hasQuery || rawQuery == "" {
		return fmt.Errorf("%w: %q: must be Type?params or Type/id", errTemplate, tmpl)
	}
	for _, p := range strings.Split(rawQuery, "&") {
		if err := lintParam(p); err != nil {
			return fmt.Errorf("%w: %q: %w", errTemplate, tmpl, err)
		}
	}
	return nil
}

func lintToken(name string, allowedContext []string) error {
	if field, ok := strings.CutPrefix(name, "context."); ok {
		if strings.Contains(field, ".") {
			return fmt.Errorf("%w: token {{%s}}: nested context paths are not allowed", errTemplate, name)
		}
		if !slices.Contains(allowedContext, field) {
			return fmt.Errorf("%w: token {{%s}}: context field %q is not a prefetch token of this hook", errTemplate, name, field)
		}
		return nil
	}
	if _, ok := userTokens[name]; ok {
		return nil
	}
	return fmt.Errorf("%w: unknown token {{%s}}", errTemplate, name)
}

func lintParam(p string) error {
	rawName, rawValue, ok := strings.Cut(p, "=")
	if !ok || rawName == "" || rawValue == "" {
		return fmt.Errorf("parameter %q: want name=value", p)
	}
	name, err := url.QueryUnescape(rawName)
	if err != nil {
		return fmt.Errorf("parameter %q: bad escape in name", p)
	}
	value, err := url.QueryUnescape(rawValue)
	if err != nil {
		return fmt.Errorf("parameter %q: bad escape in value", p)
	}
	if strings.Contains(rawName, tokenMark) {
		return fmt.Errorf("parameter %q: tokens are not allowed in names", rawName)
	}
	if strings.Contains(name, ".") {
		return fmt.Errorf("parameter %q: chained parameters are not allowed", name)
	}
	base, modifier, hasModifier := strings.Cut(name, ":")
	switch {
	case base == "_include" || base == "_revinclude":
		return fmt.Errorf("parameter %q: _include and _revinclude are not in the prefetch subset", name)
	case base == "_has":
		return fmt.Errorf("parameter %q: reverse chaining (_has) is not allowed", name)
	case !paramName.MatchString(base):
		return fmt.Errorf("parameter %q: not a search parameter name", name)
	case hasModifier && !slices.Contains(allowedModifiers, modifier):
		return fmt.Errorf("parameter %q: modifier :%s is not in the prefetch subset (only :in)", name, modifier)
	}
	for _, v := range strings.Split(value, ",") {
		m := searchPrefix.FindStringSubmatch(v)
		if m != nil && slices.Contains(otherPrefixes, m[1]) {
			return fmt.Errorf("parameter %q: prefix %q is not allowed (only %s)", name, m[1], strings.Join(allowedPrefixes, ", "))
		}
	}
	return nil
}
