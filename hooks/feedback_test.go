package hooks

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/cards"
)

func TestFeedbackValidation(t *testing.T) {
	s := newTestServer(t, serverOpts{})
	ts := testNow.Format(time.RFC3339)
	cases := []struct {
		name   string
		body   string
		status int
	}{
		{"2.0 shape", `{"feedback":[{"card":"c1","outcome":"overridden","overrideReason":{"reason":{"system":"s","code":"x","display":"X"}},"outcomeTimestamp":"` + ts + `"}]}`, 200},
		{"bare single object", `{"card":"c2","outcome":"accepted","acceptedSuggestions":[{"id":"s1"}],"outcomeTimestamp":"` + ts + `"}`, 200},
		{"not JSON", `{nope`, 400},
		{"feedback not a list", `{"feedback":{"card":"c1"}}`, 400},
		{"item without card", `{"feedback":[{"outcome":"accepted","acceptedSuggestions":[{"id":"s"}],"outcomeTimestamp":"` + ts + `"}]}`, 400},
		{"unknown outcome", `{"feedback":[{"card":"c1","outcome":"ignored","outcomeTimestamp":"` + ts + `"}]}`, 400},
		{"bad timestamp", `{"feedback":[{"card":"c1","outcome":"overridden","outcomeTimestamp":"yesterday"}]}`, 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := s.do(t, "POST", "/cds-services/order-select/feedback", []byte(tc.body))
			assert.Equal(t, tc.status, rec.Code, rec.Body.String())
		})
	}
	rec := s.do(t, "POST", "/cds-services/no-such/feedback", []byte(`{"feedback":[]}`))
	assert.Equal(t, 404, rec.Code)

	// The OperationOutcome points at the item and field.
	rec = s.do(t, "POST", "/cds-services/order-select/feedback", []byte(`{"feedback":[{"card":"c1","outcome":"overridden","outcomeTimestamp":"`+ts+`"},{"card":"c2","outcome":"maybe","outcomeTimestamp":"`+ts+`"}]}`))
	require.Equal(t, 400, rec.Code)
	var oo OperationOutcome
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &oo))
	assert.Equal(t, []string{"feedback[1].outcome"}, oo.Issue[0].Expression)
}

// Hook call → cards recorded → feedback for two of them → the analytics
// endpoint counts them per finding with the override reason.
func TestFeedbackAttributedToFindings(t *testing.T) {
	s := newTestServer(t, serverOpts{})
	rec := s.do(t, "POST", "/cds-services/order-select", readFile(t, "testdata/requests/order-select-upadacitinib.json"))
	require.Equal(t, 200, rec.Code)
	cs := checkResponse(t, rec.Body.Bytes())
	var screening, risk *cards.Card
	for i := range cs {
		for _, code := range cs[i].Findings() {
			switch code {
			case "tb-screening-missing":
				screening = &cs[i]
			case "lower-dose-recommended":
				risk = &cs[i]
			}
		}
	}
	require.NotNil(t, screening)
	require.NotNil(t, risk)
	require.NotEmpty(t, screening.Suggestions)
	require.NoError(t, s.recorder.Close(context.Background()), "flush the card records")

	ts := testNow.Add(time.Minute).Format(time.RFC3339)
	body := fmt.Sprintf(`{"feedback":[
		{"card":%q,"outcome":"accepted","acceptedSuggestions":[{"id":%q}],"outcomeTimestamp":%q},
		{"card":%q,"outcome":"overridden","overrideReason":{"reason":{"system":"https://jakguard.org/CodeSystem/override-reason","code":"benefit-outweighs-risk","display":"Benefit outweighs risk, discussed with patient"},"userComment":"discussed"},"outcomeTimestamp":%q}]}`,
		screening.UUID, screening.Suggestions[0].UUID, ts, risk.UUID, ts)
	for range 2 { // idempotent: the same feedback twice is stored once
		rec = s.do(t, "POST", "/cds-services/order-select/feedback", []byte(body))
		require.Equal(t, 200, rec.Code, rec.Body.String())
	}
	rec = s.do(t, "GET", "/analytics/findings", nil, operator...)
	require.Equal(t, 200, rec.Code, rec.Body.String())
	assert.NotContains(t, rec.Body.String(), `"since"`, "no since asked, none reported (omitzero)")
	var rep struct {
		Findings []struct {
			Code                string `json:"code"`
			Shown               int    `json:"shown"`
			Accepted            int    `json:"accepted"`
			Overridden          int    `json:"overridden"`
			AcceptedSuggestions int    `json:"acceptedSuggestions"`
			TopReasons          []struct {
				Code  string `json:"code"`
				Count int    `json:"count"`
			} `json:"topReasons"`
		} `json:"findings"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &rep))
	got := map[string]int{}
	for _, f := range rep.Findings {
		got[f.Code+":shown"] = f.Shown
		got[f.Code+":accepted"] = f.Accepted
		got[f.Code+":overridden"] = f.Overridden
		if f.Code == "lower-dose-recommended" {
			require.Len(t, f.TopReasons, 1)
			assert.Equal(t, "benefit-outweighs-risk", f.TopReasons[0].Code)
		}
	}
	assert.Equal(t, 1, got["tb-screening-missing:shown"])
	assert.Equal(t, 1, got["tb-screening-missing:accepted"])
	assert.Equal(t, 1, got["lower-dose-recommended:overridden"])
	assert.Equal(t, 0, got["lower-dose-recommended:accepted"])
	assert.Equal(t, 1, got["no-prior-systemic-therapy:shown"])
	assert.Equal(t, 0, got["no-prior-systemic-therapy:overridden"])
	rec = s.do(t, "GET", "/analytics/findings?since=nonsense", nil, operator...)
	assert.Equal(t, 400, rec.Code)
}
