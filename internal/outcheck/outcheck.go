// Package outcheck validates what jakguard writes, as a receiving EHR
// would: the CDS Hooks 2.0 response shape (cards, suggestions, actions,
// links, override reasons, systemActions) and every FHIR resource an action
// carries, decoded strictly into the samply R4 model of its resourceType
// and checked for the R4 required elements and invariants by hand. It is
// imported by tests only (hooks, cards); nothing in the service uses it.
package outcheck

import (
	"bytes"
	stdjson "encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	fm "github.com/samply/golang-fhir-models/fhir-models/fhir"

	"jakguard/cards"
)

// The CDS Hooks 2.0 response as jakguard may write it: any other member
// is an error.
type (
	response struct {
		Cards         []card         `json:"cards"`
		SystemActions []action       `json:"systemActions"`
		Extension     map[string]any `json:"extension"`
	}
	card struct {
		UUID              *string        `json:"uuid"`
		Summary           *string        `json:"summary"`
		Detail            *string        `json:"detail"`
		Indicator         *string        `json:"indicator"`
		Source            *source        `json:"source"`
		Suggestions       []suggestion   `json:"suggestions"`
		SelectionBehavior *string        `json:"selectionBehavior"`
		OverrideReasons   []coding       `json:"overrideReasons"`
		Links             []link         `json:"links"`
		Extension         map[string]any `json:"extension"`
	}
	source struct {
		Label *string `json:"label"`
		URL   *string `json:"url"`
		Icon  *string `json:"icon"`
		Topic *coding `json:"topic"`
	}
	coding struct {
		System  *string `json:"system"`
		Code    *string `json:"code"`
		Display *string `json:"display"`
	}
	suggestion struct {
		Label         *string  `json:"label"`
		UUID          *string  `json:"uuid"`
		IsRecommended *bool    `json:"isRecommended"`
		Actions       []action `json:"actions"`
	}
	action struct {
		Type        *string        `json:"type"`
		Description *string        `json:"description"`
		Resource    jsontext.Value `json:"resource"`
		ResourceID  *string        `json:"resourceId"`
	}
	link struct {
		Label          *string `json:"label"`
		URL            *string `json:"url"`
		Type           *string `json:"type"`
		AppContext     *string `json:"appContext"`
		Autolaunchable *bool   `json:"autolaunchable"`
	}
)

// MaxSummary: the contract's "summary under 140 characters" (section 4).
const MaxSummary = 140

var (
	uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	idRE   = regexp.MustCompile(`^[A-Za-z0-9\-.]{1,64}$`)
	// A FHIR relative reference Type/id (optionally versioned).
	relRefRE = regexp.MustCompile(`^[A-Z][A-Za-z]+/[A-Za-z0-9\-.]{1,64}(/_history/[A-Za-z0-9\-.]{1,64})?$`)
	// R4 dateTime and date.
	dateTimeRE = regexp.MustCompile(`^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?$`)
	// UCUM case-sensitive code syntax (no spaces).
	ucumRE = regexp.MustCompile(`^[!-~]+$`)
)

// canonical code system URIs, and what a system that names one of them
// may not be written as.
var canonical = map[string]string{
	"rxnorm":  "http://www.nlm.nih.gov/research/umls/rxnorm",
	"loinc":   "http://loinc.org",
	"snomed":  "http://snomed.info/sct",
	"ucum":    "http://unitsofmeasure.org",
	"unitsof": "http://unitsofmeasure.org",
	"cvx":     "http://hl7.org/fhir/sid/cvx",
	"ndc":     "http://hl7.org/fhir/sid/ndc",
	"icd-10":  "http://hl7.org/fhir/sid/icd-10-cm",
	"icd10":   "http://hl7.org/fhir/sid/icd-10-cm",
}

// Response checks a hook answer resp to the request req (whose
// context.draftOrders an update or delete must name) and returns every
// violation found, each prefixed by its JSON path.
func Response(req, resp []byte) error {
	c := &checker{drafts: draftsOf(req)}
	c.response(resp)
	return errors.Join(c.errs...)
}

type checker struct {
	drafts map[string]jsontext.Value // "Type/id" → each draft order of the request
	errs   []error
}

func (c *checker) bad(path, format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...)))
}

// draftsOf lists the draft orders of a request (nil when it has none).
func draftsOf(req []byte) map[string]jsontext.Value {
	var r struct {
		Context struct {
			DraftOrders struct {
				Entry []struct {
					Resource jsontext.Value `json:"resource"`
				} `json:"entry"`
			} `json:"draftOrders"`
		} `json:"context"`
	}
	if json.Unmarshal(req, &r) != nil {
		return nil
	}
	out := map[string]jsontext.Value{}
	for _, e := range r.Context.DraftOrders.Entry {
		var head struct {
			ResourceType string `json:"resourceType"`
			ID           string `json:"id"`
		}
		if json.Unmarshal(e.Resource, &head) == nil {
			out[head.ResourceType+"/"+head.ID] = e.Resource
		}
	}
	return out
}

var strict = json.JoinOptions(json.RejectUnknownMembers(true), json.WithUnmarshalers(json.UnmarshalFromFunc(
	// A FHIR decimal (samply: json.Number) is a JSON number, never a string.
	func(dec *jsontext.Decoder, v *stdjson.Number) error {
		if dec.PeekKind() != '0' {
			return errors.New("decimal is not a JSON number")
		}
		val, err := dec.ReadValue()
		*v = stdjson.Number(val)
		return err
	})))

func (c *checker) response(b []byte) {
	var any_ any
	dec := jsontext.NewDecoder(bytes.NewReader(b))
	if err := json.UnmarshalDecode(dec, &any_); err != nil {
		c.bad("$", "not JSON: %v", err)
		return
	}
	if _, err := dec.ReadToken(); err != io.EOF {
		c.bad("$", "data after the top-level value")
	}
	c.empty(b)
	var r response
	if err := json.Unmarshal(b, &r, strict); err != nil {
		c.bad("$", "not a CDS Hooks 2.0 response: %v", err)
		return
	}
	if m, ok := any_.(map[string]any); !ok || m["cards"] == nil {
		c.bad("$.cards", "missing")
	}
	for i, cd := range r.Cards {
		c.card(cd, "$.cards["+strconv.Itoa(i)+"]")
	}
	for i, a := range r.SystemActions {
		c.action(a, "$.systemActions["+strconv.Itoa(i)+"]")
	}
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func (c *checker) card(cd card, p string) {
	// Contract 4: every card has a uuid (feedback names it).
	if !uuidRE.MatchString(str(cd.UUID)) {
		c.bad(p+".uuid", "%q is not a UUID", str(cd.UUID))
	}
	s := str(cd.Summary)
	switch n := utf8.RuneCountInString(s); {
	case strings.TrimSpace(s) == "":
		c.bad(p+".summary", "missing or blank")
	case n >= MaxSummary:
		c.bad(p+".summary", "%d characters, not under %d", n, MaxSummary)
	}
	switch str(cd.Indicator) {
	case "info", "warning", "critical":
	default:
		c.bad(p+".indicator", "%q is not info, warning or critical", str(cd.Indicator))
	}
	if strings.TrimSpace(str(cd.Detail)) == "" {
		c.bad(p+".detail", "missing (contract section 4)")
	}
	if cd.Source == nil {
		c.bad(p+".source", "missing")
	} else {
		if strings.TrimSpace(str(cd.Source.Label)) == "" {
			c.bad(p+".source.label", "missing or blank")
		}
		if !absolute(str(cd.Source.URL)) {
			c.bad(p+".source.url", "%q is not an absolute URL", str(cd.Source.URL))
		}
		if cd.Source.Icon != nil && !absolute(*cd.Source.Icon) {
			c.bad(p+".source.icon", "%q is not an absolute URL", *cd.Source.Icon)
		}
		if cd.Source.Topic == nil {
			c.bad(p+".source.topic", "missing (contract section 4)")
		} else {
			c.coding(*cd.Source.Topic, p+".source.topic", false)
		}
	}
	sb := str(cd.SelectionBehavior)
	switch {
	case len(cd.Suggestions) > 0 && sb != "any" && sb != "at-most-one":
		c.bad(p+".selectionBehavior", "%q with suggestions, not any or at-most-one", sb)
	case len(cd.Suggestions) == 0 && cd.SelectionBehavior != nil:
		c.bad(p+".selectionBehavior", "without suggestions")
	}
	recommended := 0
	seen := map[string]bool{}
	for i, sg := range cd.Suggestions {
		sp := p + ".suggestions[" + strconv.Itoa(i) + "]"
		if strings.TrimSpace(str(sg.Label)) == "" {
			c.bad(sp+".label", "missing or blank")
		}
		// Feedback on an accepted suggestion names its uuid (contract 6.7).
		if !uuidRE.MatchString(str(sg.UUID)) {
			c.bad(sp+".uuid", "%q is not a UUID", str(sg.UUID))
		} else if seen[*sg.UUID] || *sg.UUID == str(cd.UUID) {
			c.bad(sp+".uuid", "%s used twice on the card", *sg.UUID)
		}
		seen[str(sg.UUID)] = true
		if sg.IsRecommended != nil && *sg.IsRecommended {
			recommended++
		}
		if len(sg.Actions) == 0 {
			c.bad(sp+".actions", "a suggestion that does nothing")
		}
		for j, a := range sg.Actions {
			c.action(a, sp+".actions["+strconv.Itoa(j)+"]")
		}
	}
	if sb == "at-most-one" && recommended > 1 {
		c.bad(p+".suggestions", "%d recommended with at-most-one", recommended)
	}
	for i, r := range cd.OverrideReasons {
		c.coding(r, p+".overrideReasons["+strconv.Itoa(i)+"]", true)
	}
	for i, l := range cd.Links {
		lp := p + ".links[" + strconv.Itoa(i) + "]"
		if strings.TrimSpace(str(l.Label)) == "" {
			c.bad(lp+".label", "missing or blank")
		}
		if !absolute(str(l.URL)) {
			c.bad(lp+".url", "%q is not an absolute URL", str(l.URL))
		}
		switch str(l.Type) {
		case "absolute":
			if l.AppContext != nil {
				c.bad(lp+".appContext", "on a link that is not smart")
			}
		case "smart":
		default:
			c.bad(lp+".type", "%q is not absolute or smart", str(l.Type))
		}
	}
}

// coding checks a CDS Hooks Coding (system and code required; display
// required for an override reason).
func (c *checker) coding(cd coding, p string, display bool) {
	if !absolute(str(cd.System)) && !strings.HasPrefix(str(cd.System), "urn:") {
		c.bad(p+".system", "%q is not an absolute URI", str(cd.System))
	}
	if strings.TrimSpace(str(cd.Code)) == "" {
		c.bad(p+".code", "missing or blank")
	}
	if display && strings.TrimSpace(str(cd.Display)) == "" {
		c.bad(p+".display", "missing or blank")
	}
}

func (c *checker) action(a action, p string) {
	if strings.TrimSpace(str(a.Description)) == "" {
		c.bad(p+".description", "missing or blank")
	}
	switch t := str(a.Type); t {
	case "create", "update":
		if a.Resource == nil {
			c.bad(p+".resource", "%s without a resource", t)
			return
		}
		if a.ResourceID != nil {
			c.bad(p+".resourceId", "on a %s", t)
		}
		c.written(a.Resource, p+".resource", t)
	case "delete":
		if a.Resource != nil {
			c.bad(p+".resource", "on a delete (deprecated; resourceId names it)")
		}
		if id := str(a.ResourceID); !relRefRE.MatchString(id) {
			c.bad(p+".resourceId", "%q is not Type/id", id)
		} else if c.drafts[id] == nil {
			c.bad(p+".resourceId", "delete of %s, not a draft order of the request", id)
		}
	default:
		c.bad(p+".type", "%q is not create, update or delete", t)
	}
}

// written checks the resource of a create or update. An update sends the
// whole draft order back changed: what was already wrong in the draft the
// EHR sent (an extension url "x", a Duration without a unit) is the EHR's
// own data, not reported; what the change made wrong is.
func (c *checker) written(v jsontext.Value, p, typ string) {
	own := &checker{}
	rt, id := own.resource(v, "")
	inherited := map[string]bool{}
	if typ == "update" {
		draft := c.drafts[rt+"/"+id]
		if draft == nil {
			c.bad(p, "update of %s/%s, not a draft order of the request", rt, id)
		} else {
			c.narrative(v, draft, p)
			was := &checker{}
			was.resource(draft, "")
			for _, e := range was.errs {
				inherited[e.Error()] = true
			}
		}
	}
	for _, err := range own.errs {
		if !inherited[err.Error()] {
			c.errs = append(c.errs, fmt.Errorf("%s%w", p, err))
		}
	}
}

// narrative fails an update that keeps the draft's narrative (text) while
// changing what it renders: the medication or the dosage. A generated
// narrative must reflect the content (R4 Narrative); any narrative of the
// old dose shows the clinician what the update replaced.
func (c *checker) narrative(upd, draft jsontext.Value, p string) {
	var u, d map[string]any
	if json.Unmarshal(upd, &u) != nil || json.Unmarshal(draft, &d) != nil || u["text"] == nil {
		return
	}
	same := func(k string) bool { return reflect.DeepEqual(u[k], d[k]) }
	if same("text") && !(same("medicationCodeableConcept") && same("medicationReference") && same("dosageInstruction")) {
		c.bad(p+".text", "the draft's narrative kept over a changed medication or dosage")
	}
}

// resource checks one FHIR resource and returns its resourceType and id.
func (c *checker) resource(v jsontext.Value, p string) (rt, id string) {
	var tree any
	if err := json.Unmarshal(v, &tree, keepNumbers); err != nil {
		c.bad(p, "not JSON: %v", err)
		return "", ""
	}
	m, ok := tree.(map[string]any)
	if !ok {
		c.bad(p, "not a JSON object")
		return "", ""
	}
	rt, _ = m["resourceType"].(string)
	id, _ = m["id"].(string)
	if m["id"] != nil && !idRE.MatchString(id) {
		c.bad(p+".id", "%v is not a FHIR id", m["id"])
	}
	// contained: samply's models lack it; each one is checked on its own.
	local := map[string]bool{}
	if raw, ok := m["contained"]; ok {
		list, ok := raw.([]any)
		if !ok {
			c.bad(p+".contained", "not an array")
		}
		for i, r := range list {
			b, _ := json.Marshal(r)
			crt, cid := c.resource(b, p+".contained["+strconv.Itoa(i)+"]")
			if cid == "" {
				c.bad(p+".contained["+strconv.Itoa(i)+"]", "%s without an id", crt)
			}
			local[cid] = true
		}
	}
	body := map[string]any{}
	for k, x := range m {
		if k != "resourceType" && k != "contained" {
			body[k] = x
		}
	}
	// _element (a primitive's id and extensions): samply's models lack
	// them too; checked here and left out of the strict decoding.
	c.primitiveExt(body, p)
	b, _ := json.Marshal(body, json.Deterministic(true))
	var target any
	switch rt {
	case "ServiceRequest":
		target = new(fm.ServiceRequest)
		c.required(m, p, "status", "intent", "subject")
	case "MedicationRequest":
		target = new(fm.MedicationRequest)
		c.required(m, p, "status", "intent", "subject")
		n := 0
		for _, k := range []string{"medicationCodeableConcept", "medicationReference"} {
			if m[k] != nil {
				n++
			}
		}
		if n != 1 {
			c.bad(p, "%d medication[x], not one", n)
		}
	case "Medication":
		target = new(fm.Medication)
	case "OperationOutcome":
		target = new(fm.OperationOutcome)
	case "Basic":
		target = new(fm.Basic)
		c.required(m, p, "code")
	case "Substance":
		target = new(fm.Substance)
		c.required(m, p, "code")
	case "":
		c.bad(p+".resourceType", "missing")
		return "", id
	default:
		c.bad(p+".resourceType", "%q: no validator for this type (add one before writing it)", rt)
		return rt, id
	}
	if err := json.Unmarshal(b, target, strict); err != nil {
		c.bad(p, "not a valid R4 %s: %v", rt, err)
	}
	c.walk(tree, p, "", local)
	return rt, id
}

// keepNumbers decodes a JSON number into an any as written (a
// jsontext.Value), so that 1.0 stays 1.0 for the strict decoding.
var keepNumbers = json.WithUnmarshalers(json.UnmarshalFromFunc(func(dec *jsontext.Decoder, v *any) error {
	if dec.PeekKind() != '0' {
		return errors.ErrUnsupported
	}
	n, err := dec.ReadValue()
	*v = n.Clone()
	return err
}))

// primitiveExt removes, recursively, each _element member of m after
// checking it: an object of id and extension (an array of those or nulls
// for a repeating primitive), beside a primitive of that name or alone.
func (c *checker) primitiveExt(v any, p string) {
	switch x := v.(type) {
	case []any:
		for i, e := range x {
			c.primitiveExt(e, p+"["+strconv.Itoa(i)+"]")
		}
	case map[string]any:
		for _, k := range sortedKeys(x) {
			if !strings.HasPrefix(k, "_") {
				c.primitiveExt(x[k], p+"."+k)
				continue
			}
			items, isArray := x[k].([]any)
			if !isArray {
				items = []any{x[k]}
			}
			for _, it := range items {
				e, ok := it.(map[string]any)
				if it == nil && isArray {
					continue
				}
				if !ok {
					c.bad(p+"."+k, "not an element object")
					continue
				}
				for ek := range e {
					if ek != "id" && ek != "extension" {
						c.bad(p+"."+k+"."+ek, "not an element of a primitive")
					}
				}
			}
			delete(x, k)
		}
	}
}

func (c *checker) required(m map[string]any, p string, keys ...string) {
	for _, k := range keys {
		if m[k] == nil {
			c.bad(p+"."+k, "required in R4, missing")
		}
	}
}

// Element names whose value is an R4 dateTime, date or instant.
var dateKeys = []string{"authoredOn", "occurrenceDateTime", "start", "end", "date", "recorded",
	"issued", "lastUpdated", "effectiveDateTime", "whenHandedOver", "time"}

// Element names whose value is a Quantity (or Duration, a Quantity of time).
var quantityKeys = []string{"doseQuantity", "quantity", "quantityQuantity", "rateQuantity",
	"maxDosePerAdministration", "maxDosePerLifetime", "expectedSupplyDuration", "boundsDuration",
	"duration", "low", "high", "numerator", "denominator", "valueQuantity", "amount", "strength"}

// walk checks, everywhere in a resource, references, dates, codings and
// quantities. key is the element name of v (or "" for array items, which
// inherit the array's: parent).
func (c *checker) walk(v any, p, key string, local map[string]bool) {
	switch x := v.(type) {
	case []any:
		for i, e := range x {
			c.walk(e, p+"["+strconv.Itoa(i)+"]", key, local)
		}
	case string:
		if slices.Contains(dateKeys, key) && !dateTimeRE.MatchString(x) {
			c.bad(p, "%q is not an R4 dateTime", x)
		}
		// Codes samply's models leave as strings (Timing.repeat).
		if (key == "periodUnit" || key == "durationUnit") && !slices.Contains(timeUnits[1:], x) {
			c.bad(p, "%q is not a units-of-time code", x)
		}
		if key == "dayOfWeek" && !slices.Contains([]string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}, x) {
			c.bad(p, "%q is not a days-of-week code", x)
		}
		if key == "reference" {
			switch {
			case strings.HasPrefix(x, "#"):
				if !local[strings.TrimPrefix(x, "#")] {
					c.bad(p, "%q names no contained resource", x)
				}
			case relRefRE.MatchString(x), absolute(x), strings.HasPrefix(x, "urn:uuid:"):
			default:
				c.bad(p, "%q is not a FHIR reference", x)
			}
		}
		if x != strings.TrimSpace(x) && slices.Contains([]string{"code", "system", "reference", "id", "status", "intent", "url"}, key) {
			c.bad(p, "%q has leading or trailing whitespace", x)
		}
	case map[string]any:
		if key == "coding" {
			c.codingSystem(x, p)
		}
		if slices.Contains(quantityKeys, key) {
			c.quantity(x, p, key)
		}
		if key == "extension" || key == "modifierExtension" {
			if u, _ := x["url"].(string); !absolute(u) && !strings.HasPrefix(u, "urn:") {
				c.bad(p+".url", "extension url %q is not an absolute URI", u)
			}
		}
		for _, k := range sortedKeys(x) {
			if k == "contained" {
				continue // checked on its own
			}
			c.walk(x[k], p+"."+k, k, local)
		}
	}
}

// codingSystem checks a Coding's system: an absolute URI, and the
// canonical one for a code system FHIR names (not "RxNorm", an OID or
// https://loinc.org).
func (c *checker) codingSystem(x map[string]any, p string) {
	s, _ := x["system"].(string)
	if s == "" {
		if x["code"] != nil {
			c.bad(p, "a code without a system")
		}
		return
	}
	if !absolute(s) && !strings.HasPrefix(s, "urn:") {
		c.bad(p+".system", "%q is not an absolute URI", s)
		return
	}
	low := strings.ToLower(s)
	for part, want := range canonical {
		if strings.Contains(low, part) && s != want && !strings.HasPrefix(s, "http://hl7.org/fhir/sid/icd-10") {
			c.bad(p+".system", "%q is not the canonical %q", s, want)
		}
	}
}

// timeUnits are the UCUM time codes of a Duration; all but ms are the
// R4 units-of-time codes of Timing.repeat.
var timeUnits = []string{"ms", "s", "min", "h", "d", "wk", "mo", "a"}

// quantity checks qty-3 (a unit code needs a system), a UCUM code's
// syntax, and drt-1 for a Duration (a UCUM time unit).
func (c *checker) quantity(x map[string]any, p, key string) {
	sys, _ := x["system"].(string)
	code, hasCode := x["code"].(string)
	if hasCode && sys == "" {
		c.bad(p, "a unit code without a system (qty-3)")
	}
	if sys == canonical["ucum"] && !ucumRE.MatchString(code) {
		c.bad(p+".code", "%q is not a UCUM code", code)
	}
	if n, isNum := x["value"].(jsontext.Value); x["value"] != nil && (!isNum || n.Kind() != '0') {
		c.bad(p+".value", "not a JSON number")
	}
	if key == "boundsDuration" || key == "expectedSupplyDuration" || key == "duration" {
		if x["value"] != nil && (sys != canonical["ucum"] || !slices.Contains(timeUnits, code)) {
			c.bad(p, "a Duration of %v needs a UCUM time code (drt-1), has %q|%q", x["value"], sys, code)
		}
	}
}

// empty reports every null, "", [] and {} in b but a top-level "cards": []
// (cards.CheckEmpty: CDS Hooks 2.0 §Use of JSON; FHIR forbids them too).
func (c *checker) empty(b []byte) {
	if err := cards.CheckEmpty(b); err != nil {
		c.errs = append(c.errs, err)
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

// absolute tells whether s is an absolute http(s) URL with a host.
func absolute(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Host != "" && (u.Scheme == "https" || u.Scheme == "http")
}

// OperationOutcome checks an error body: an R4 OperationOutcome, decoded
// strictly (issue.severity and issue.code are samply enums), with at least
// one issue, and no empty values.
func OperationOutcome(b []byte) error {
	c := &checker{}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	c.empty(b)
	m, _ := v.(map[string]any)
	if m["resourceType"] != "OperationOutcome" {
		c.bad("$.resourceType", "%v, not OperationOutcome", m["resourceType"])
	}
	c.resource(b, "$")
	if issues, _ := m["issue"].([]any); len(issues) == 0 {
		c.bad("$.issue", "required in R4 (1..*), missing")
	}
	return errors.Join(c.errs...)
}

// Discovery checks a discovery answer: each service with hook, id and
// description (CDS Hooks 2.0 §Discovery), prefetch templates as strings,
// no unknown members and no empty values.
func Discovery(b []byte) error {
	c := &checker{}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	c.empty(b)
	var d struct {
		Services []struct {
			Hook              *string           `json:"hook"`
			Title             *string           `json:"title"`
			Description       *string           `json:"description"`
			ID                *string           `json:"id"`
			Prefetch          map[string]string `json:"prefetch"`
			UsageRequirements *string           `json:"usageRequirements"`
		} `json:"services"`
	}
	if err := json.Unmarshal(b, &d, strict); err != nil {
		c.bad("$", "not a CDS Hooks 2.0 discovery answer: %v", err)
	}
	ids := map[string]bool{}
	for i, s := range d.Services {
		p := "$.services[" + strconv.Itoa(i) + "]"
		for k, f := range map[string]*string{"hook": s.Hook, "id": s.ID, "description": s.Description} {
			if strings.TrimSpace(str(f)) == "" {
				c.bad(p+"."+k, "required, missing")
			}
		}
		if ids[str(s.ID)] {
			c.bad(p+".id", "%q used twice", str(s.ID))
		}
		ids[str(s.ID)] = true
	}
	return errors.Join(c.errs...)
}

// Resource checks one FHIR resource on its own (nothing is inherited from
// a draft): for a test that holds an update to valid R4 whatever the draft.
func Resource(v []byte) error {
	c := &checker{}
	var tree any
	if err := json.Unmarshal(v, &tree); err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	c.empty(v)
	c.resource(v, "$")
	return errors.Join(c.errs...)
}
