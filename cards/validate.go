package cards

import (
	"bytes"
	stdjson "encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Validate checks the CDS Hooks 2.0 and jakguard invariants of one card and
// returns every violation found (nil when none).
func Validate(c Card) error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if strings.TrimSpace(c.UUID) == "" {
		bad("uuid is empty")
	}
	switch n := utf8.RuneCountInString(c.Summary); {
	case strings.TrimSpace(c.Summary) == "":
		bad("summary is empty")
	case n > MaxSummaryRunes:
		bad("summary has %d characters, more than %d", n, MaxSummaryRunes)
	case strings.ContainsAny(c.Summary, "\r\n"):
		bad("summary spans several lines")
	}
	if c.Indicator.Rank() < 0 {
		bad("indicator %q is not info, warning or critical", c.Indicator)
	}
	if strings.TrimSpace(c.Detail) == "" {
		bad("detail is empty")
	}

	if strings.TrimSpace(c.Source.Label) == "" {
		bad("source.label is empty")
	}
	if !absoluteURL(c.Source.URL, false) {
		bad("source.url %q is not an absolute URL", c.Source.URL)
	}
	if c.Source.Icon != "" && !absoluteURL(c.Source.Icon, true) {
		bad("source.icon %q is not an absolute https URL", c.Source.Icon)
	}
	if c.Source.Topic == nil {
		bad("source.topic is missing")
	} else if c.Source.Topic.System == "" || c.Source.Topic.Code == "" {
		bad("source.topic lacks system or code")
	}

	switch {
	case len(c.Suggestions) > 0 && c.SelectionBehavior == "":
		bad("suggestions without selectionBehavior")
	case len(c.Suggestions) == 0 && c.SelectionBehavior != "":
		bad("selectionBehavior without suggestions")
	case c.SelectionBehavior != "" && c.SelectionBehavior != SelectAny && c.SelectionBehavior != SelectAtMostOne:
		bad("selectionBehavior %q is not any or at-most-one", c.SelectionBehavior)
	}
	recommended := 0
	for i, s := range c.Suggestions {
		p := "suggestions[" + strconv.Itoa(i) + "]"
		if strings.TrimSpace(s.Label) == "" {
			bad("%s.label is empty", p)
		}
		if strings.TrimSpace(s.UUID) == "" {
			bad("%s.uuid is empty", p)
		}
		if s.IsRecommended {
			recommended++
		}
		if len(s.Actions) == 0 {
			bad("%s has no actions", p)
		}
		for j, a := range s.Actions {
			if err := validateAction(a); err != nil {
				bad("%s.actions[%d]: %w", p, j, err)
			}
		}
	}
	if c.SelectionBehavior == SelectAtMostOne && recommended > 1 {
		bad("%d suggestions recommended with at-most-one", recommended)
	}

	for i, r := range c.OverrideReasons {
		if r.System == "" || r.Code == "" || r.Display == "" {
			bad("overrideReasons[%d] lacks system, code or display", i)
		}
	}
	for i, l := range c.Links {
		p := "links[" + strconv.Itoa(i) + "]"
		if l.Label == "" {
			bad("%s.label is empty", p)
		}
		if !absoluteURL(l.URL, true) {
			bad("%s.url %q is not an absolute https URL", p, l.URL)
		}
		switch l.Type {
		case "absolute":
			if l.AppContext != "" {
				bad("%s has appContext but is not a smart link", p)
			}
		case "smart":
		default:
			bad("%s.type %q is not absolute or smart", p, l.Type)
		}
	}

	codes := c.Findings()
	if len(codes) == 0 {
		bad("extension %s is empty", FindingsExtension)
	}
	for i, code := range codes {
		if code == "" {
			bad("extension %s[%d] is empty", FindingsExtension, i)
		}
	}
	return errors.Join(errs...)
}

// validateAction checks one suggestion action.
func validateAction(a Action) error {
	if strings.TrimSpace(a.Description) == "" {
		return errors.New("description is empty")
	}
	switch a.Type {
	case ActionCreate, ActionUpdate:
		if a.Resource == nil {
			return fmt.Errorf("%s has no resource", a.Type)
		}
		resourceType, id, err := resourceHead(a.Resource)
		if err != nil {
			return err
		}
		if resourceType == "" {
			return errors.New("resource has no resourceType")
		}
		if a.Type == ActionUpdate && id == "" {
			return errors.New("update resource has no id")
		}
		if a.ResourceID != "" {
			return fmt.Errorf("%s carries a resourceId", a.Type)
		}
	case ActionDelete:
		if a.ResourceID == "" {
			return errors.New("delete has no resourceId")
		}
		if typ, id, ok := strings.Cut(a.ResourceID, "/"); !ok || typ == "" || !fhirID.MatchString(id) {
			return fmt.Errorf("delete resourceId %q is not Type/id", a.ResourceID)
		}
		if a.Resource != nil {
			return errors.New("delete carries a resource")
		}
	default:
		return fmt.Errorf("type %q is not create, update or delete", a.Type)
	}
	return nil
}

// resourceHead is the resourceType and id of an action's resource: one
// built here (suggest.go), or JSON (decoded from an answer, or raw).
func resourceHead(r any) (resourceType, id string, err error) {
	switch r := r.(type) {
	case *serviceRequestJSON:
		if r == nil {
			return "", "", errors.New("resource is a nil ServiceRequest")
		}
		return r.ResourceType, "", nil
	case map[string]any:
		resourceType, _ = r["resourceType"].(string)
		id, _ = r["id"].(string)
		return resourceType, id, nil
	case stdjson.RawMessage:
		var head struct {
			ResourceType string `json:"resourceType"`
			ID           string `json:"id"`
		}
		if err := json.Unmarshal(r, &head); err != nil {
			return "", "", fmt.Errorf("resource is not a JSON object: %w", err)
		}
		return head.ResourceType, head.ID, nil
	}
	return "", "", fmt.Errorf("resource is a %T, not a FHIR resource", r)
}

// absoluteURL tells whether s is an absolute http(s) URL with a host
// (https only when httpsOnly).
func absoluteURL(s string, httpsOnly bool) bool {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return false
	}
	return u.Scheme == "https" || (!httpsOnly && u.Scheme == "http")
}

// CheckEmpty walks a response JSON and fails on every null, "", [] and {}
// (CDS Hooks 2.0.1 §Use of JSON), except a top-level "cards": []. Each
// violation names its JSON path, such as $.cards[0].suggestions.
func CheckEmpty(b []byte) error {
	var v any
	dec := jsontext.NewDecoder(bytes.NewReader(b))
	if err := json.UnmarshalDecode(dec, &v); err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	if _, err := dec.ReadToken(); err != io.EOF {
		return errors.New("not JSON: data after the top-level value")
	}
	var errs []error
	walkEmpty(v, []string{"$"}, &errs)
	return errors.Join(errs...)
}

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// walkEmpty checks v, at the JSON path made of the segments path (joined
// only for an error: a path string built at every level would cost the
// square of the depth, 400 MiB for an order copied 9,000 levels deep).
func walkEmpty(v any, path []string, errs *[]error) {
	at := func() string { return strings.Join(path, "") }
	switch x := v.(type) {
	case nil:
		*errs = append(*errs, fmt.Errorf("%s is null", at()))
	case string:
		if x == "" {
			*errs = append(*errs, fmt.Errorf(`%s is ""`, at()))
		}
	case []any:
		if len(x) == 0 && !(len(path) == 2 && path[1] == ".cards") {
			*errs = append(*errs, fmt.Errorf("%s is []", at()))
		}
		for i, e := range x {
			walkEmpty(e, append(path, "["+strconv.Itoa(i)+"]"), errs)
		}
	case map[string]any:
		if len(x) == 0 {
			*errs = append(*errs, fmt.Errorf("%s is {}", at()))
		}
		for _, k := range sortedKeys(x) {
			seg := "." + k
			if !identifier.MatchString(k) {
				seg = "[" + strconv.Quote(k) + "]"
			}
			walkEmpty(x[k], append(path, seg), errs)
		}
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
