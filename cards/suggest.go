package cards

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"jakguard/rules"
)

// suggestions is what suggestionsFor found for a card.
type suggestions struct {
	list      []Suggestion // without uuids
	exclusive bool         // at-most-one: the card offers both update and delete
	updated   bool         // the card carries the dose update
	// noProduct: a dose is suggested, the order names a product or
	// strength, and the knowledge base has no product code of the new
	// strength, so no update is offered (contract 6.3).
	noProduct bool
}

// fhirID matches a FHIR resource id.
var fhirID = regexp.MustCompile(`^[A-Za-z0-9\-.]{1,64}$`)

// suggestionsFor builds a card's suggestions: delete of the draft order for
// critical cards and combination-jak, update of the draft order to the
// suggested daily dose, and a ServiceRequest create per test to order plus
// one that orders them all.
func suggestionsFor(g *group, ds drugSource, opt Options) suggestions {
	if isReverse(g.findings) {
		return reverseSuggestions(g, opt)
	}
	var out suggestions
	draft := !opt.PatientView && !opt.Ambiguous[g.order]
	var del, upd *Suggestion
	if draft && (g.level == rules.Critical || hasCode(g.findings, rules.CombinationJAK)) && validRef(g.order, "MedicationRequest") {
		del = &Suggestion{
			Label:         "Cancel this " + ds.name + " order",
			IsRecommended: true,
			Findings:      codesOf(g.findings, nil), // no order, none of its risks
			Actions: []Action{{
				Type:        ActionDelete,
				Description: "Remove the draft " + ds.name + " order",
				ResourceID:  g.order,
			}},
		}
	}
	product, asProduct := productOf(g.findings)
	mg := minDose(g.findings)
	if draft && mg > 0 && ds.rxnorm != "" && product.Code == "" && asProduct {
		out.noProduct = true
	} else if draft && mg > 0 && ds.rxnorm != "" {
		if res, err := updatedOrder(opt.Orders[g.order], ds, mg, opt.PatientID, product); err == nil {
			// A card that says to avoid the drug with another (a strong
			// CYP3A4 inducer beside the inhibitor that set the dose) does
			// not recommend keeping it at a lower dose: the change stays
			// an option for when the prescriber goes ahead.
			avoid := slices.ContainsFunc(g.findings, func(f rules.Finding) bool { return f.Avoid })
			upd = &Suggestion{
				Label:         "Change to " + doseText(ds, mg),
				IsRecommended: del == nil && !avoid,
				Findings:      codesOf(g.findings, func(f rules.Finding) bool { return minDose([]rules.Finding{f}) > 0 }),
				Actions: []Action{{
					Type:        ActionUpdate,
					Description: "Change the draft order to " + doseText(ds, mg),
					Resource:    res,
				}},
			}
		}
	}
	if del != nil {
		out.list = append(out.list, *del)
	}
	if upd != nil {
		out.list = append(out.list, *upd)
		out.updated = true
	}
	out.exclusive = del != nil && upd != nil
	out.list = append(out.list, createSuggestions(g, ds, opt, !out.exclusive)...)
	return out
}

// reverseSuggestions: a reverse-direction card offers to cancel the draft
// order of the interacting drug (a MedicationRequest or a ServiceRequest),
// recommended where the label says not to combine (not recommended,
// contraindicated, avoid); where the label allows the combination at a
// lower JAK dose (a strong CYP inhibitor) or asks to monitor (a P-gp
// substrate), or where the label stops the course's drug (Finding.Stops,
// but for a live vaccine), cancelling stays an option but is not
// recommended. The JAK order is on record, not a draft of this session:
// no update is offered for it (detailOf says to change it in the order
// itself).
func reverseSuggestions(g *group, opt Options) suggestions {
	var out suggestions
	if opt.PatientView || opt.Ambiguous[g.order] || !(validRef(g.order, "MedicationRequest") || validRef(g.order, "ServiceRequest")) {
		return out
	}
	f := g.findings[0]
	recommend := true
	for _, x := range g.findings {
		if x.Code == rules.PgpSubstrate || x.Code == rules.CYPInteraction && !x.Avoid {
			recommend = false
		}
		if len(x.Stops) > 0 && x.Code != rules.LiveVaccineOrdered {
			// The label stops the course's drug: the pairing ends with it,
			// and the new order is not to be withheld on its account (an
			// antiplatelet after an MI); a live vaccine stays avoided
			// around treatment (revstop review).
			recommend = false
		}
	}
	name := oneLine(f.Subject)
	if name == "" {
		name = "new"
	}
	out.list = []Suggestion{{
		Label:         clip("Cancel this "+name+" order", MaxSummaryRunes),
		IsRecommended: recommend,
		Actions: []Action{{
			Type:        ActionDelete,
			Description: clip("Remove the draft "+name+" order", MaxSummaryRunes),
			ResourceID:  g.order,
		}},
	}}
	return out
}

// productOf is the product code of the suggested strength the findings
// carry (zero when none) and whether the order names a product.
func productOf(fs []rules.Finding) (rules.Coding, bool) {
	var product rules.Coding
	asProduct := false
	for _, f := range fs {
		if product.Code == "" && strings.TrimSpace(f.ProductCode.Code) != "" && strings.TrimSpace(f.ProductCode.System) != "" {
			product = f.ProductCode
		}
		asProduct = asProduct || f.OrderedAsProduct
	}
	return product, asProduct
}

// doseText is "upadacitinib 15 mg once daily".
func doseText(ds drugSource, mg float64) string {
	return ds.name + " " + mgText(mg) + " mg once daily"
}

// createSuggestions orders each distinct test of the group, and all of them
// at once when there are several. recommend marks the "order all" (or the
// only) suggestion as recommended.
func createSuggestions(g *group, ds drugSource, opt Options, recommend bool) []Suggestion {
	pid := strings.TrimPrefix(opt.PatientID, "Patient/")
	if !fhirID.MatchString(pid) {
		return nil
	}
	reason := "Screening before starting " + ds.name
	if opt.PatientView || len(g.findings) > 0 && g.findings[0].OnTreatment {
		reason = "Monitoring on " + ds.name
	}
	var out []Suggestion
	var all []Action
	var allCodes []string
	var allAt []int          // the index in out of each action of all
	seen := map[string]int{} // system|code of a test → its suggestion's index
	for _, f := range g.findings {
		for _, t := range f.Tests {
			name := testName(t)
			system, code := strings.TrimSpace(t.Code.System), strings.TrimSpace(t.Code.Code)
			if system == "" || code == "" || name == "" {
				continue
			}
			if i, ok := seen[system+"|"+code]; ok {
				// The same test for another finding: ordering it addresses both.
				out[i].Findings = addCode(out[i].Findings, f.Code)
				allCodes = addCode(allCodes, f.Code)
				continue
			}
			seen[system+"|"+code] = len(out)
			a := Action{
				Type:        ActionCreate,
				Description: "Order " + name,
				Resource:    serviceRequest(system, code, oneLine(t.Code.Display), name, pid, reason),
			}
			if !t.Alternative { // one pregnancy test, not both
				allAt = append(allAt, len(out))
				all = append(all, a)
				allCodes = addCode(allCodes, f.Code)
			}
			out = append(out, Suggestion{Label: clip("Order "+name, MaxSummaryRunes), Actions: []Action{a}, Findings: addCode(nil, f.Code)})
		}
	}
	switch {
	case len(out) == 1:
		out[0].IsRecommended = recommend
	case len(all) == 1:
		// One test and its alternative (a pregnancy test only): "Order all
		// 1 items" would repeat the first (failsafe7); it is the one
		// recommended, as a single test is.
		out[allAt[0]].IsRecommended = recommend
	case len(out) > 1:
		out = append(out, Suggestion{
			Label:         "Order all " + strconv.Itoa(len(all)) + " items",
			IsRecommended: recommend,
			Actions:       all,
			Findings:      allCodes,
		})
	}
	return out
}

// codesOf lists the distinct finding codes of the findings keep accepts
// (all when keep is nil), in order.
func codesOf(fs []rules.Finding, keep func(rules.Finding) bool) []string {
	var out []string
	for _, f := range fs {
		if keep == nil || keep(f) {
			out = addCode(out, f.Code)
		}
	}
	return out
}

// addCode appends a non-empty code that is not yet in codes.
func addCode(codes []string, code string) []string {
	if code == "" || slices.Contains(codes, code) {
		return codes
	}
	return append(codes, code)
}

// testName is the readable name of a test to order.
func testName(t rules.Test) string {
	if n := oneLine(t.Name); n != "" {
		return n
	}
	if d := oneLine(t.Code.Display); d != "" {
		return d
	}
	return oneLine(t.Code.Code)
}

// serviceRequest is a minimal R4 ServiceRequest ordering one coded test.
func serviceRequest(system, code, display, text, patientID, reason string) *serviceRequestJSON {
	return &serviceRequestJSON{
		ResourceType: "ServiceRequest",
		Status:       "draft",
		Intent:       "order",
		Code:         concept{Coding: []coding{{System: system, Code: code, Display: display}}, Text: text},
		Subject:      reference{Reference: "Patient/" + patientID},
		ReasonCode:   []concept{{Text: reason}},
	}
}

// serviceRequestJSON is the ServiceRequest of a create action, as written.
type serviceRequestJSON struct {
	ResourceType string    `json:"resourceType"`
	Status       string    `json:"status"`
	Intent       string    `json:"intent"`
	Code         concept   `json:"code"`
	Subject      reference `json:"subject"`
	ReasonCode   []concept `json:"reasonCode,omitempty"`
}

type (
	coding struct {
		System  string `json:"system"`
		Code    string `json:"code"`
		Display string `json:"display,omitempty"`
	}
	concept struct {
		Coding []coding `json:"coding,omitempty"`
		Text   string   `json:"text,omitempty"`
	}
	reference struct {
		Reference string `json:"reference"`
	}
)

// validRef tells whether ref is "<resourceType>/<FHIR id>".
func validRef(ref, resourceType string) bool {
	id, ok := strings.CutPrefix(ref, resourceType+"/")
	return ok && fhirID.MatchString(id)
}

// arrayElements are the MedicationRequest elements that are arrays in R4;
// some clients send them as single objects (the sandbox does for category
// and reasonCode), and an update must send valid R4 back.
var arrayElements = []string{
	"identifier", "instantiatesCanonical", "instantiatesUri", "basedOn", "category",
	"supportingInformation", "reasonCode", "reasonReference", "insurance", "note",
	"dosageInstruction", "detectedIssue", "eventHistory", "contained",
}

// updatedOrder returns the whole draft MedicationRequest with the dosage set
// to mg once daily and the medication set to product, the product code of
// that strength from the knowledge base (contract 6.3), or, when product is
// zero (an order that named no product or strength), to the ingredient at
// mg (text names the strength; no product code is invented). Everything
// else is kept.
func updatedOrder(raw json.RawMessage, ds drugSource, mg float64, patientID string, product rules.Coding) (map[string]any, error) {
	if len(raw) == 0 {
		return nil, errors.New("no draft order JSON")
	}
	// Numbers are kept as written (a FHIR decimal's digits are significant).
	var res map[string]any
	dec := jsontext.NewDecoder(bytes.NewReader(raw))
	if k := dec.PeekKind(); k != '{' && k != 'n' && k != 0 {
		return nil, errors.New("draft order is not an object")
	}
	if err := jsonv2.UnmarshalDecode(dec, &res, keepNumbers); err != nil {
		return nil, err
	}
	if _, err := dec.ReadToken(); err != io.EOF {
		return nil, errors.New("trailing data after the draft order")
	}
	if res == nil {
		return nil, errors.New("draft order is not an object")
	}
	if rt, ok := res["resourceType"]; ok && rt != "MedicationRequest" {
		return nil, errors.New("draft order is not a MedicationRequest")
	}
	if id, _ := res["id"].(string); !fhirID.MatchString(id) {
		return nil, errors.New("draft order has no id")
	}
	res["resourceType"] = "MedicationRequest"
	for _, k := range arrayElements {
		if v, ok := res[k]; ok {
			if _, isArray := v.([]any); !isArray {
				res[k] = []any{v}
			}
		}
	}
	// A note sent as plain text is an Annotation's text (required in R4).
	if notes, ok := res["note"].([]any); ok {
		for i, n := range notes {
			if text, ok := n.(string); ok {
				notes[i] = map[string]any{"text": text}
			}
		}
	}

	// A contained Medication only the old medicationReference pointed to
	// would be left unreferenced (FHIR dom-3): drop it.
	if ref, ok := res["medicationReference"].(map[string]any); ok {
		if local, ok := ref["reference"].(string); ok && strings.HasPrefix(local, "#") {
			contained, _ := res["contained"].([]any)
			res["contained"] = slices.DeleteFunc(contained, func(c any) bool {
				m, ok := c.(map[string]any)
				return ok && m["id"] == strings.TrimPrefix(local, "#")
			})
		}
	}
	// The draft's narrative (text) renders the old medication and dose: an
	// EHR showing it would show what the update replaced, and a generated
	// one no longer reflects the content (R4 Narrative). Dropped, for the
	// EHR to render again (fhirout).
	delete(res, "text")
	delete(res, "medicationReference")
	coding := map[string]any{"system": rules.SystemRxNorm, "code": ds.rxnorm, "display": ds.name}
	if product.Code != "" {
		coding = map[string]any{"system": product.System, "code": product.Code, "display": oneLine(product.Display)}
	}
	res["medicationCodeableConcept"] = map[string]any{
		"coding": []any{coding},
		"text":   ds.name + " " + mgText(mg) + " mg " + ds.form,
	}

	dosage := map[string]any{
		"text":   mgText(mg) + " mg once daily",
		"timing": map[string]any{"repeat": map[string]any{"frequency": 1, "period": 1, "periodUnit": "d"}},
		"doseAndRate": []any{map[string]any{"doseQuantity": map[string]any{
			"value": mg, "unit": "mg", "system": rules.SystemUCUM, "code": "mg",
		}}},
	}
	if old, _ := res["dosageInstruction"].([]any); len(old) > 0 {
		if first, ok := old[0].(map[string]any); ok {
			for _, k := range []string{"route", "site", "method"} {
				if v, ok := first[k]; ok {
					dosage[k] = v
				}
			}
			// The course's duration (timing.repeat.bounds[x]: "for 12
			// weeks", a start and end date) is not the dose: kept.
			timing, _ := first["timing"].(map[string]any)
			repeat, _ := timing["repeat"].(map[string]any)
			for _, k := range []string{"boundsDuration", "boundsPeriod", "boundsRange"} {
				if v, ok := repeat[k]; ok {
					dosage["timing"].(map[string]any)["repeat"].(map[string]any)[k] = v
				}
			}
		}
	}
	res["dosageInstruction"] = []any{dosage}

	for k, v := range res {
		if k != "contained" {
			res[k] = r4Shape(k, v)
		}
	}

	// Required R4 elements a sloppy draft may lack.
	if s, _ := res["status"].(string); s == "" {
		res["status"] = "draft"
	}
	if s, _ := res["intent"].(string); s == "" {
		res["intent"] = "order"
	}
	// A subject that prunes away ({}, {"reference": ""}) is none: left
	// as it was, the update went out with no subject at all (fhirout).
	if sub, ok := res["subject"].(map[string]any); !ok || !nonEmpty(sub) {
		pid := strings.TrimPrefix(patientID, "Patient/")
		if !fhirID.MatchString(pid) {
			return nil, errors.New("draft order has no subject")
		}
		res["subject"] = map[string]any{"reference": "Patient/" + pid}
	}

	pruned, _ := prune(res)
	return pruned.(map[string]any), nil // not empty: it has a resourceType
}

// singleElements are the single-valued R4 elements of a MedicationRequest
// (and its Dosage, Timing, dispenseRequest, substitution, Identifier) of
// the types the reader also takes as a one-element array (CodeableConcept,
// Reference, Quantity, Duration, Period, Ratio, Range: fhir/read.go).
var singleElements = []string{
	"statusReason", "subject", "encounter", "requester", "performer", "performerType", "recorder",
	"courseOfTherapyType", "priorPrescription", "reportedReference", "dispenseRequest", "substitution",
	"validityPeriod", "quantity", "expectedSupplyDuration", "initialFill", "duration", "dispenseInterval",
	"reason", "route", "site", "method", "asNeededCodeableConcept", "maxDosePerPeriod",
	"maxDosePerAdministration", "maxDosePerLifetime", "timing", "repeat", "boundsDuration", "boundsPeriod",
	"boundsRange", "type", "period", "assigner",
}

// r4Shape gives the kept parts of an update the R4 JSON shape the reader
// tolerates otherwise (fhirout): a single Coding becomes a one-element
// coding array, a one-element array at a single-valued element its one
// value. Left as the draft had them, the update was not valid R4 (a
// route, requester or bounds as an array, a coding as an object).
func r4Shape(key string, v any) any {
	switch x := v.(type) {
	case []any:
		if len(x) == 1 && slices.Contains(singleElements, key) {
			return r4Shape(key, x[0])
		}
		for i, e := range x {
			x[i] = r4Shape("", e)
		}
		return x
	case map[string]any:
		if key == "coding" {
			return []any{r4Shape("", x)}
		}
		for k, e := range x {
			x[k] = r4Shape(k, e)
		}
	}
	return v
}

// nonEmpty tells whether v keeps a value once pruned.
func nonEmpty(v any) bool {
	_, ok := prune(v)
	return ok
}

// keepNumbers decodes a JSON number into an any as the number as written
// (a jsontext.Value, which encodes as itself), not as a float64.
var keepNumbers = jsonv2.WithUnmarshalers(jsonv2.UnmarshalFromFunc(func(dec *jsontext.Decoder, v *any) error {
	if dec.PeekKind() != '0' {
		return errors.ErrUnsupported
	}
	n, err := dec.ReadValue()
	*v = n.Clone()
	return err
}))

// prune removes null, "", [] and {} values recursively (CDS Hooks forbids
// them in a response); ok is false when v itself is empty.
func prune(v any) (any, bool) {
	switch x := v.(type) {
	case nil:
		return nil, false
	case string:
		return x, x != ""
	case []any:
		out := x[:0:0]
		for _, e := range x {
			if p, ok := prune(e); ok {
				out = append(out, p)
			}
		}
		return out, len(out) > 0
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if p, ok := prune(e); ok {
				out[k] = p
			}
		}
		return out, len(out) > 0
	}
	return v, true
}
