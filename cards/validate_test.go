package cards

import (
	"encoding/json"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/rules"
)

// validCard is a card that passes Validate.
func validCard() Card {
	return Card{
		UUID:      "00000000-0000-4000-8000-000000000001",
		Summary:   "Order TB before starting upadacitinib",
		Detail:    "**No TB test within 12 months**",
		Indicator: rules.Warning,
		Source: Source{Label: "RINVOQ US PI", URL: "https://www.rxabbvie.com/pdf/rinvoq_pi.pdf",
			Topic: &Coding{System: TopicSystem, Code: "screening", Display: "Pre-treatment screening"}},
		Suggestions: []Suggestion{{
			Label: "Order IGRA", UUID: "s1",
			Actions: []Action{{Type: ActionCreate, Description: "Order IGRA", Resource: json.RawMessage(`{"resourceType":"ServiceRequest"}`)}},
		}},
		SelectionBehavior: SelectAny,
		OverrideReasons:   []Coding{{System: OverrideReasonSystem, Code: "x", Display: "X"}},
		Extension:         &Extension{Findings: []string{rules.TBScreeningMissing}},
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		modify  func(c *Card)
		wantErr string // "" means valid
	}{
		{name: "valid", modify: func(c *Card) {}},
		{name: "no uuid", modify: func(c *Card) { c.UUID = "" }, wantErr: "uuid is empty"},
		{name: "empty summary", modify: func(c *Card) { c.Summary = " " }, wantErr: "summary is empty"},
		{name: "summary of 139 runes", modify: func(c *Card) { c.Summary = strings.Repeat("é", 139) }},
		{name: "summary of 140 runes", modify: func(c *Card) { c.Summary = strings.Repeat("é", 140) }, wantErr: "140 characters"},
		{name: "summary on two lines", modify: func(c *Card) { c.Summary = "a\nb" }, wantErr: "several lines"},
		{name: "indicator success", modify: func(c *Card) { c.Indicator = "success" }, wantErr: "indicator"},
		{name: "no detail", modify: func(c *Card) { c.Detail = "" }, wantErr: "detail is empty"},
		{name: "no source label", modify: func(c *Card) { c.Source.Label = "" }, wantErr: "source.label"},
		{name: "relative source url", modify: func(c *Card) { c.Source.URL = "/pi.pdf" }, wantErr: "source.url"},
		{name: "emoji icon", modify: func(c *Card) { c.Source.Icon = "🚨" }, wantErr: "source.icon"},
		{name: "no topic", modify: func(c *Card) { c.Source.Topic = nil }, wantErr: "source.topic is missing"},
		{name: "topic without system", modify: func(c *Card) { c.Source.Topic.System = "" }, wantErr: "source.topic lacks"},
		{name: "suggestions without selectionBehavior", modify: func(c *Card) { c.SelectionBehavior = "" }, wantErr: "without selectionBehavior"},
		{name: "selectionBehavior without suggestions", modify: func(c *Card) { c.Suggestions = nil }, wantErr: "without suggestions"},
		{name: "unknown selectionBehavior", modify: func(c *Card) { c.SelectionBehavior = "all" }, wantErr: "not any or at-most-one"},
		{name: "suggestion without label", modify: func(c *Card) { c.Suggestions[0].Label = "" }, wantErr: "suggestions[0].label"},
		{name: "suggestion without uuid", modify: func(c *Card) { c.Suggestions[0].UUID = "" }, wantErr: "suggestions[0].uuid"},
		{name: "suggestion without actions", modify: func(c *Card) { c.Suggestions[0].Actions = nil }, wantErr: "no actions"},
		{name: "two recommended with at-most-one", modify: func(c *Card) {
			c.SelectionBehavior = SelectAtMostOne
			c.Suggestions[0].IsRecommended = true
			c.Suggestions = append(c.Suggestions, c.Suggestions[0])
		}, wantErr: "recommended with at-most-one"},
		{name: "unknown action type", modify: func(c *Card) { c.Suggestions[0].Actions[0].Type = "replace" }, wantErr: "not create, update or delete"},
		{name: "action without description", modify: func(c *Card) { c.Suggestions[0].Actions[0].Description = "" }, wantErr: "description is empty"},
		{name: "create without resource", modify: func(c *Card) { c.Suggestions[0].Actions[0].Resource = nil }, wantErr: "create has no resource"},
		{name: "create with a non-object resource", modify: func(c *Card) { c.Suggestions[0].Actions[0].Resource = json.RawMessage(`"x"`) }, wantErr: "not a JSON object"},
		{name: "create without resourceType", modify: func(c *Card) { c.Suggestions[0].Actions[0].Resource = json.RawMessage(`{"id":"1"}`) }, wantErr: "no resourceType"},
		{name: "update without id", modify: func(c *Card) { c.Suggestions[0].Actions[0].Type = ActionUpdate }, wantErr: "update resource has no id"},
		{name: "create of a built ServiceRequest", modify: func(c *Card) {
			c.Suggestions[0].Actions[0].Resource = serviceRequest("http://loinc.org", "71773-6", "", "IGRA", "p1", "Screening")
		}},
		{name: "create of a built ServiceRequest without resourceType", modify: func(c *Card) {
			c.Suggestions[0].Actions[0].Resource = &serviceRequestJSON{Status: "draft"}
		}, wantErr: "no resourceType"},
		{name: "update of decoded JSON", modify: func(c *Card) {
			c.Suggestions[0].Actions[0] = Action{Type: ActionUpdate, Description: "Change",
				Resource: map[string]any{"resourceType": "MedicationRequest", "id": "m1"}}
		}},
		{name: "update of decoded JSON without id", modify: func(c *Card) {
			c.Suggestions[0].Actions[0] = Action{Type: ActionUpdate, Description: "Change", Resource: map[string]any{"resourceType": "MedicationRequest"}}
		}, wantErr: "update resource has no id"},
		{name: "create of a nil ServiceRequest", modify: func(c *Card) { c.Suggestions[0].Actions[0].Resource = (*serviceRequestJSON)(nil) }, wantErr: "nil ServiceRequest"},
		{name: "create of a value that is no resource", modify: func(c *Card) { c.Suggestions[0].Actions[0].Resource = "ServiceRequest" }, wantErr: "not a FHIR resource"},
		{name: "delete with resourceId", modify: func(c *Card) {
			c.Suggestions[0].Actions[0] = Action{Type: ActionDelete, Description: "Remove", ResourceID: "MedicationRequest/1"}
		}},
		{name: "delete without resourceId", modify: func(c *Card) {
			c.Suggestions[0].Actions[0] = Action{Type: ActionDelete, Description: "Remove"}
		}, wantErr: "delete has no resourceId"},
		{name: "delete with a bare id", modify: func(c *Card) {
			c.Suggestions[0].Actions[0] = Action{Type: ActionDelete, Description: "Remove", ResourceID: "1"}
		}, wantErr: "not Type/id"},
		{name: "delete with a resource (deprecated form)", modify: func(c *Card) {
			c.Suggestions[0].Actions[0] = Action{Type: ActionDelete, Description: "Remove", ResourceID: "MedicationRequest/1", Resource: json.RawMessage(`{}`)}
		}, wantErr: "delete carries a resource"},
		{name: "override reason without display", modify: func(c *Card) { c.OverrideReasons[0].Display = "" }, wantErr: "overrideReasons[0]"},
		{name: "http link", modify: func(c *Card) { c.Links = []Link{{Label: "PI", URL: "http://x.org", Type: "absolute"}} }, wantErr: "links[0].url"},
		{name: "absolute link with appContext", modify: func(c *Card) {
			c.Links = []Link{{Label: "PI", URL: "https://x.org", Type: "absolute", AppContext: "x"}}
		}, wantErr: "appContext"},
		{name: "valid link", modify: func(c *Card) { c.Links = []Link{{Label: "PI", URL: "https://x.org/pi", Type: "absolute"}} }},
		{name: "no findings extension", modify: func(c *Card) { c.Extension = nil }, wantErr: "org.jakguard.findings is empty"},
		{name: "empty finding code", modify: func(c *Card) { c.Extension.Findings = []string{""} }, wantErr: "org.jakguard.findings[0] is empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := validCard()
			tc.modify(&c)
			err := Validate(c)
			if tc.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.wantErr)
		})
	}
}

func TestCheckEmpty(t *testing.T) {
	tests := []struct {
		name    string
		json    string
		wantErr string
	}{
		{name: "no cards", json: `{"cards":[]}`},
		{name: "a full card", json: `{"cards":[{"summary":"x","source":{"label":"y"},"extension":{"org.jakguard.findings":["a"]}}]}`},
		{name: "numbers and false are fine", json: `{"cards":[{"n":0,"b":false}]}`},
		{name: "null", json: `{"cards":[{"detail":null}]}`, wantErr: "$.cards[0].detail is null"},
		{name: "empty string", json: `{"cards":[{"summary":""}]}`, wantErr: `$.cards[0].summary is ""`},
		{name: "empty array", json: `{"cards":[{"suggestions":[]}]}`, wantErr: "$.cards[0].suggestions is []"},
		{name: "empty object", json: `{"cards":[{"source":{"topic":{}}}]}`, wantErr: "$.cards[0].source.topic is {}"},
		{name: "systemActions []", json: `{"cards":[],"systemActions":[]}`, wantErr: "$.systemActions is []"},
		{name: "nested cards [] is not the exception", json: `{"cards":[{"cards":[]}]}`, wantErr: "$.cards[0].cards is []"},
		{name: "dotted key path", json: `{"cards":[{"extension":{"org.jakguard.findings":[]}}]}`, wantErr: `$.cards[0].extension["org.jakguard.findings"] is []`},
		{name: "empty top level", json: `{}`, wantErr: "$ is {}"},
		{name: "not JSON", json: `{"cards":`, wantErr: "not JSON"},
		{name: "trailing data", json: `{"cards":[]} {}`, wantErr: "data after"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckEmpty([]byte(tc.json))
			if tc.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.wantErr)
		})
	}
}

// TestWireTypesOmitEmpty proves the zero values of the optional fields are
// not emitted while the required ones are.
func TestWireTypesOmitEmpty(t *testing.T) {
	b, err := json.Marshal(Card{})
	require.NoError(t, err)
	assert.JSONEq(t, `{"summary":"","indicator":"","source":{"label":""}}`, string(b))
	b, err = json.Marshal(Coding{})
	require.NoError(t, err)
	assert.JSONEq(t, `{"system":"","code":""}`, string(b))
	b, err = json.Marshal(Action{})
	require.NoError(t, err)
	assert.JSONEq(t, `{"type":"","description":""}`, string(b))
	b, err = json.Marshal(Suggestion{})
	require.NoError(t, err)
	assert.JSONEq(t, `{"label":""}`, string(b))
}

// CheckEmpty names the path of every empty value, and its cost grows with
// the size of the response, not with the square of its depth.
func TestCheckEmptyPaths(t *testing.T) {
	err := CheckEmpty([]byte(`{"cards":[],"x":[{"a":null,"b w":"","c":[[],{}]}],"y":{"cards":[]}}`))
	require.Error(t, err)
	for _, want := range []string{`$.x[0].a is null`, `$.x[0]["b w"] is ""`, `$.x[0].c[0] is []`, `$.x[0].c[1] is {}`, `$.y.cards is []`} {
		assert.Contains(t, err.Error(), want)
	}
	assert.NotContains(t, err.Error(), "$.cards is")
	deep := `{"cards":[` + strings.Repeat(`{"a":[`, 4500) + `1` + strings.Repeat(`]}`, 4500) + `]}`
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	before := m.TotalAlloc
	require.NoError(t, CheckEmpty([]byte(deep)))
	runtime.ReadMemStats(&m)
	assert.Less(t, m.TotalAlloc-before, uint64(32<<20), "CheckEmpty of 9,000 levels allocated %d bytes", m.TotalAlloc-before)
}
