package cards

import "jakguard/rules"

// FindingsExtension is the key, inside a card's extension object, of the
// list of finding codes the card reports (contract section 4).
const FindingsExtension = "org.jakguard.findings"

// Code systems of the codings jakguard itself defines.
const (
	// TopicSystem codes source.topic: the card category (rules.Category).
	TopicSystem = "https://jakguard.org/CodeSystem/card-category"
	// OverrideReasonSystem codes the card-specific override reasons.
	OverrideReasonSystem = "https://jakguard.org/CodeSystem/override-reason"
)

// Selection behaviours of a card with suggestions.
const (
	SelectAny       = "any"
	SelectAtMostOne = "at-most-one"
)

// Action types.
const (
	ActionCreate = "create"
	ActionUpdate = "update"
	ActionDelete = "delete"
)

// Card is one CDS Hooks 2.0 card. Every optional field has omitempty so that
// no empty value is ever emitted.
type Card struct {
	UUID              string       `json:"uuid,omitempty"`
	Summary           string       `json:"summary"`
	Detail            string       `json:"detail,omitempty"`
	Indicator         rules.Level  `json:"indicator"`
	Source            Source       `json:"source"`
	Suggestions       []Suggestion `json:"suggestions,omitempty"`
	SelectionBehavior string       `json:"selectionBehavior,omitempty"`
	OverrideReasons   []Coding     `json:"overrideReasons,omitempty"`
	Links             []Link       `json:"links,omitempty"`
	Extension         *Extension   `json:"extension,omitempty"`
}

// Extension is the card's extension object.
type Extension struct {
	// Findings are the finding codes the card reports.
	Findings []string `json:"org.jakguard.findings,omitempty"`
}

// Findings returns the finding codes the card reports (nil when none).
func (c Card) Findings() []string {
	if c.Extension == nil {
		return nil
	}
	return c.Extension.Findings
}

// SuggestionUUIDs returns the uuids of the card's suggestions, in order.
func (c Card) SuggestionUUIDs() []string {
	var ids []string
	for _, s := range c.Suggestions {
		ids = append(ids, s.UUID)
	}
	return ids
}

// Source names where the card's guidance comes from.
type Source struct {
	Label string  `json:"label"`
	URL   string  `json:"url,omitempty"`
	Icon  string  `json:"icon,omitempty"`
	Topic *Coding `json:"topic,omitempty"`
}

// Coding is a CDS Hooks Coding; system and code are required.
type Coding struct {
	System  string `json:"system"`
	Code    string `json:"code"`
	Display string `json:"display,omitempty"`
}

// Suggestion is one set of actions the clinician may accept.
type Suggestion struct {
	Label         string   `json:"label"`
	UUID          string   `json:"uuid,omitempty"`
	IsRecommended bool     `json:"isRecommended,omitzero"`
	Actions       []Action `json:"actions,omitempty"`
	// Findings are the finding codes (of the card's) this suggestion
	// addresses: feedback accepting it counts for these findings only
	// (contract 6.7). Kept on the server (the feedback store), never sent:
	// the contract defines no suggestion extension and the EHR needs none.
	Findings []string `json:"-"`
}

// Action is a create, update or delete of a FHIR resource. Resource holds
// the whole resource (create, update); ResourceID ("MedicationRequest/<id>")
// names what a delete removes.
//
// Resource is a value that encodes as the resource's JSON: built here, a
// ServiceRequest (a create) or the updated draft order as decoded JSON (an
// update), written once, with the answer; decoded from an answer, a
// map[string]any. (Built as json.RawMessage, each resource was written
// twice, and read back once more by Validate: a fifth of the CPU of a first
// prescription's order-select.)
type Action struct {
	Type        string `json:"type"`
	Description string `json:"description"`
	Resource    any    `json:"resource,omitempty"`
	ResourceID  string `json:"resourceId,omitempty"`
}

// Link is a card link (absolute https URL or SMART app).
type Link struct {
	Label          string `json:"label"`
	URL            string `json:"url"`
	Type           string `json:"type"`
	AppContext     string `json:"appContext,omitempty"`
	Autolaunchable bool   `json:"autolaunchable,omitzero"`
}
