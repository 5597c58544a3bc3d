package hooks

import (
	"regexp"
	"strings"
)

// What fhirAuthorization itself says about what its token can read, so
// that a token that cannot give a key's data is not taken at the FHIR
// server's word. A server asked with a token whose scopes do not cover a
// type may answer an empty searchset rather than 403 (it filters what
// the token may not see), and "no conditions" would then be read as the
// patient having none. CDS Hooks 2.0.1 §Passing the Access Token.

// authReason is why fhirAuthorization cannot be used at all for fallback
// queries ("" when it can, or when there is none): its token_type is fixed
// "Bearer" (RFC 6749 compares it without regard to case); a token of
// another type (DPoP, MAC) sent as a Bearer token would be refused, or
// worse, read as an anonymous call.
func authReason(a *FHIRAuthorization) string {
	if a == nil || a.TokenType == "" || strings.EqualFold(strings.TrimSpace(a.TokenType), "Bearer") {
		return ""
	}
	return "fhirAuthorization.token_type is not Bearer"
}

// smartPermissions are SMART v2 permissions: a non-empty subsequence of
// "cruds" (create, read, update, delete, search).
var smartPermissions = regexp.MustCompile(`^c?r?u?d?s?$`)

// scopeReason is why a token of scope cannot read the whole of typ
// (search: by a search, else by a read), "" when it can or when scope
// grants no resource access at all, or none that jakguard can tell (then
// the FHIR server decides). SMART on FHIR scopes, v1 and v2:
// patient|user|system "/" Type|"*" "." read|*|cruds ["?" query]. A
// granted scope with a query ("patient/Observation.rs?category=laboratory")
// covers only part of the type: the search may come back with a part of the
// patient's results and no sign of it.
func scopeReason(scope, typ string, search bool) string {
	resourceScopes := 0
	for _, s := range strings.Fields(scope) {
		ctx, rest, ok := strings.Cut(s, "/")
		if !ok || ctx != "patient" && ctx != "user" && ctx != "system" {
			continue // openid, launch, fhirUser, launch/patient, ...
		}
		t, perm, ok := strings.Cut(rest, ".")
		if !ok {
			continue
		}
		resourceScopes++
		if t != "*" && t != typ {
			continue
		}
		perm, query, _ := strings.Cut(perm, "?")
		switch {
		case query != "":
		case perm == "read", perm == "*":
			return ""
		case perm != "" && smartPermissions.MatchString(perm):
			need := "r"
			if search {
				need = "s"
			}
			if strings.Contains(perm, need) {
				return ""
			}
		}
	}
	if resourceScopes == 0 {
		return ""
	}
	return "fhirAuthorization.scope does not grant reading every " + typ
}

// fallbackReason is why the token of a may not be used to fetch what the
// prefetch template tmpl asks for ("" when it may): authReason, then
// scopeReason for the template's type (a search when it has a query).
func fallbackReason(a *FHIRAuthorization, tmpl string) string {
	if r := authReason(a); r != "" || a == nil {
		return r
	}
	return scopeReason(a.Scope, queryType(tmpl), strings.Contains(tmpl, "?"))
}
