package store

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseFeedbackAccepted(t *testing.T) {
	ts := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		body string
		want []Feedback
	}{
		{
			name: "2.0 wrapper, accepted and overridden with a 2.0 overrideReason",
			body: `{"feedback":[
				{"card":"c1","outcome":"accepted","acceptedSuggestions":[{"id":"s2"},{"id":"s1"},{"id":"s2"}],"outcomeTimestamp":"2026-11-29T10:00:00Z"},
				{"card":"c2","outcome":"overridden","outcomeTimestamp":"2026-11-29T11:00:00+01:00",
				 "overrideReason":{"reason":{"code":"already-done","system":"http://example.org/reasons","display":"Already done"},"userComment":"done last week"}}
			]}`,
			want: []Feedback{
				{Card: "c1", Outcome: "accepted", AcceptedSuggestions: []string{"s1", "s2"}, OutcomeTimestamp: ts},
				{Card: "c2", Outcome: "overridden", ReasonSystem: "http://example.org/reasons", ReasonCode: "already-done",
					ReasonDisplay: "Already done", UserComment: "done last week", OutcomeTimestamp: ts},
			},
		},
		{
			name: "bare single feedback object (pre-2.0 servers and some clients)",
			body: `{"card":"c1","outcome":"overridden","outcomeTimestamp":"2026-11-29T10:00:00Z"}`,
			want: []Feedback{{Card: "c1", Outcome: "overridden", OutcomeTimestamp: ts}},
		},
		{
			name: "pre-2.0 sandbox: overrideReason is a bare Coding",
			body: `{"feedback":[{"card":"c1","outcome":"overridden","outcomeTimestamp":"2026-11-29T10:00:00Z",
				"overrideReason":{"code":"patient-declined","system":"http://example.org/reasons","display":"Patient declined"}}]}`,
			want: []Feedback{{Card: "c1", Outcome: "overridden", ReasonSystem: "http://example.org/reasons",
				ReasonCode: "patient-declined", ReasonDisplay: "Patient declined", OutcomeTimestamp: ts}},
		},
		{
			name: "overrideReason with only a user comment",
			body: `{"feedback":[{"card":"c1","outcome":"overridden","outcomeTimestamp":"2026-11-29T10:00:00Z","overrideReason":{"userComment":"n/a"}}]}`,
			want: []Feedback{{Card: "c1", Outcome: "overridden", UserComment: "n/a", OutcomeTimestamp: ts}},
		},
		{
			name: "fractional seconds, unknown fields and null optionals are accepted",
			body: `{"feedback":[{"card":"c1","outcome":"overridden","outcomeTimestamp":"2026-11-29T10:00:00.000Z","overrideReason":null,"extension":{"x":1}}],"extra":true}`,
			want: []Feedback{{Card: "c1", Outcome: "overridden", OutcomeTimestamp: ts}},
		},
		{
			name: "empty list",
			body: `{"feedback":[]}`,
			want: []Feedback{},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseFeedback([]byte(tc.body))
			if err != nil {
				t.Fatalf("ParseFeedback: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestParseFeedbackRejected(t *testing.T) {
	ok := `"card":"c1","outcome":"overridden","outcomeTimestamp":"2026-11-29T10:00:00Z"`
	tests := []struct {
		name     string
		body     string
		wantPath string
		wantMsg  string
	}{
		{"not JSON", `{"feedback":[`, "", "not valid JSON"},
		{"empty body", ``, "", "not valid JSON"},
		{"JSON but not an object", `[{` + ok + `}]`, "", "must be a JSON object"},
		{"JSON null", `null`, "", "must be a JSON object"},
		{"feedback is an object", `{"feedback":{` + ok + `}}`, "feedback", "must be a list"},
		{"feedback is null", `{"feedback":null}`, "feedback", "must be a list"},
		{"item is not an object", `{"feedback":[{` + ok + `}, 3]}`, "feedback[1]", "must be an object"},
		{"item lacks card", `{"feedback":[{` + ok + `},{"outcome":"overridden","outcomeTimestamp":"2026-11-29T10:00:00Z"}]}`, "feedback[1].card", "required"},
		{"card is blank", `{"feedback":[{"card":"  ","outcome":"overridden","outcomeTimestamp":"2026-11-29T10:00:00Z"}]}`, "feedback[0].card", "required"},
		{"card is a number", `{"feedback":[{"card":7,"outcome":"overridden","outcomeTimestamp":"2026-11-29T10:00:00Z"}]}`, "feedback[0].card", "must be a string"},
		{"card too long", `{"feedback":[{"card":"` + strings.Repeat("a", 300) + `","outcome":"overridden","outcomeTimestamp":"2026-11-29T10:00:00Z"}]}`, "feedback[0].card", "longer than"},
		{"bare object lacks card", `{"outcome":"overridden","outcomeTimestamp":"2026-11-29T10:00:00Z"}`, "card", "required"},
		{"outcome missing", `{"feedback":[{"card":"c1","outcomeTimestamp":"2026-11-29T10:00:00Z"}]}`, "feedback[0].outcome", "required"},
		{"outcome other than accepted/overridden", `{"feedback":[{"card":"c1","outcome":"ignored","outcomeTimestamp":"2026-11-29T10:00:00Z"}]}`, "feedback[0].outcome", "must be accepted or overridden"},
		{"outcome wrong case", `{"feedback":[{"card":"c1","outcome":"Accepted","acceptedSuggestions":[{"id":"s1"}],"outcomeTimestamp":"2026-11-29T10:00:00Z"}]}`, "feedback[0].outcome", "must be accepted or overridden"},
		{"outcomeTimestamp missing", `{"feedback":[{"card":"c1","outcome":"overridden"}]}`, "feedback[0].outcomeTimestamp", "required"},
		{"outcomeTimestamp not RFC 3339", `{"feedback":[{"card":"c1","outcome":"overridden","outcomeTimestamp":"29/11/2026 10:00"}]}`, "feedback[0].outcomeTimestamp", "not an RFC 3339"},
		{"outcomeTimestamp without zone", `{"feedback":[{"card":"c1","outcome":"overridden","outcomeTimestamp":"2026-11-29T10:00:00"}]}`, "feedback[0].outcomeTimestamp", "not an RFC 3339"},
		{"outcomeTimestamp is a number", `{"feedback":[{"card":"c1","outcome":"overridden","outcomeTimestamp":1764410400}]}`, "feedback[0].outcomeTimestamp", "must be a string"},
		{"accepted without acceptedSuggestions", `{"feedback":[{"card":"c1","outcome":"accepted","outcomeTimestamp":"2026-11-29T10:00:00Z"}]}`, "feedback[0].acceptedSuggestions", "required"},
		{"accepted with an empty acceptedSuggestions", `{"feedback":[{"card":"c1","outcome":"accepted","acceptedSuggestions":[],"outcomeTimestamp":"2026-11-29T10:00:00Z"}]}`, "feedback[0].acceptedSuggestions", "at least one"},
		{"acceptedSuggestions item lacks id", `{"feedback":[{"card":"c1","outcome":"accepted","acceptedSuggestions":[{"id":"s1"},{"uuid":"s2"}],"outcomeTimestamp":"2026-11-29T10:00:00Z"}]}`, "feedback[0].acceptedSuggestions[1].id", "required"},
		{"acceptedSuggestions is a list of strings", `{"feedback":[{"card":"c1","outcome":"accepted","acceptedSuggestions":["s1"],"outcomeTimestamp":"2026-11-29T10:00:00Z"}]}`, "feedback[0].acceptedSuggestions[0]", "must be an object"},
		{"overrideReason is a string", `{"feedback":[{` + ok + `,"overrideReason":"nope"}]}`, "feedback[0].overrideReason", "must be an object"},
		{"overrideReason.reason is a string", `{"feedback":[{` + ok + `,"overrideReason":{"reason":"nope"}}]}`, "feedback[0].overrideReason.reason", "must be a Coding"},
		{"overrideReason.reason without code", `{"feedback":[{` + ok + `,"overrideReason":{"reason":{"display":"x"}}}]}`, "feedback[0].overrideReason.reason.code", "required"},
		{"userComment is not a string", `{"feedback":[{` + ok + `,"overrideReason":{"userComment":5}}]}`, "feedback[0].overrideReason.userComment", "must be a string"},
		{"too many items", `{"feedback":[` + strings.TrimSuffix(strings.Repeat(`{`+ok+`},`, MaxFeedbackItems+1), ",") + `]}`, "feedback", "too many items"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseFeedback([]byte(tc.body))
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("want a *ValidationError, got %T %v", err, err)
			}
			if got != nil {
				t.Errorf("items returned with an error: %+v", got)
			}
			if ve.Path != tc.wantPath || !strings.Contains(ve.Msg, tc.wantMsg) {
				t.Errorf("got %q: %q, want %q: ...%q...", ve.Path, ve.Msg, tc.wantPath, tc.wantMsg)
			}
		})
	}
}

func TestParseFeedbackCutsFreeText(t *testing.T) {
	long := strings.Repeat("é", maxTextRunes+10)
	body := fmt.Sprintf(`{"card":"c1","outcome":"overridden","outcomeTimestamp":"2026-11-29T10:00:00Z","overrideReason":{"reason":{"code":"x","display":%q},"userComment":%q}}`, long, long)
	got, err := ParseFeedback([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if n, m := len([]rune(got[0].UserComment)), len([]rune(got[0].ReasonDisplay)); n != maxTextRunes || m != maxTextRunes {
		t.Errorf("comment %d runes, display %d runes, want %d", n, m, maxTextRunes)
	}
}

func TestValidationErrorMessage(t *testing.T) {
	tests := []struct {
		err  *ValidationError
		want string
	}{
		{&ValidationError{Path: "feedback[1].outcome", Msg: "must be accepted or overridden"}, "invalid feedback: feedback[1].outcome: must be accepted or overridden"},
		{&ValidationError{Msg: "body is not valid JSON"}, "invalid feedback: body is not valid JSON"},
	}
	for _, tc := range tests {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}

func TestDedupKey(t *testing.T) {
	ts := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	base := Feedback{Service: "order-sign", Card: "c1", Outcome: "accepted", AcceptedSuggestions: []string{"a", "b"}, OutcomeTimestamp: ts}
	same := []struct {
		name   string
		change func(*Feedback)
	}{
		{"suggestion order", func(f *Feedback) { f.AcceptedSuggestions = []string{"b", "a"} }},
		{"timestamp zone", func(f *Feedback) { f.OutcomeTimestamp = ts.In(time.FixedZone("CET", 3600)) }},
		{"comment and reason", func(f *Feedback) { f.UserComment = "x"; f.ReasonCode = "y" }},
		{"received time", func(f *Feedback) { f.Received = ts }},
	}
	for _, tc := range same {
		t.Run("same key: "+tc.name, func(t *testing.T) {
			f := base
			tc.change(&f)
			if base.dedupKey() != f.dedupKey() {
				t.Error("key changed")
			}
		})
	}
	different := []struct {
		name   string
		change func(*Feedback)
	}{
		{"service", func(f *Feedback) { f.Service = "order-select" }},
		{"card", func(f *Feedback) { f.Card = "c2" }},
		{"outcome", func(f *Feedback) { f.Outcome = "overridden" }},
		{"timestamp", func(f *Feedback) { f.OutcomeTimestamp = ts.Add(time.Nanosecond) }},
		{"suggestions", func(f *Feedback) { f.AcceptedSuggestions = []string{"a"} }},
		// Another client's item on the same card never stands for this one.
		{"issuer", func(f *Feedback) { f.Issuer = "iss" }},
		{"tenant", func(f *Feedback) { f.Tenant = "t2" }},
	}
	for _, tc := range different {
		t.Run("different key: "+tc.name, func(t *testing.T) {
			f := base
			tc.change(&f)
			if base.dedupKey() == f.dedupKey() {
				t.Error("key did not change")
			}
		})
	}
}

func FuzzParseFeedback(f *testing.F) {
	f.Add([]byte(`{"feedback":[{"card":"c1","outcome":"accepted","acceptedSuggestions":[{"id":"s1"}],"outcomeTimestamp":"2026-11-29T10:00:00Z"}]}`))
	f.Add([]byte(`{"card":"c1","outcome":"overridden","outcomeTimestamp":"2026-11-29T10:00:00Z","overrideReason":{"code":"x"}}`))
	f.Add([]byte(`{"feedback":null}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		items, err := ParseFeedback(body)
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("error is %T, want *ValidationError", err)
			}
			return
		}
		for _, it := range items {
			if it.Card == "" || it.OutcomeTimestamp.IsZero() || (it.Outcome != OutcomeAccepted && it.Outcome != OutcomeOverridden) {
				t.Fatalf("accepted an invalid item: %+v", it)
			}
			if it.Outcome == OutcomeAccepted && len(it.AcceptedSuggestions) == 0 {
				t.Fatalf("accepted item without suggestions: %+v", it)
			}
		}
	})
}

// TestParseFeedbackItemLimit: MaxFeedbackItems - 1 and MaxFeedbackItems
// items are read, one more is refused, and a list that is not a list
// (an object, a string, null, a broken item) is refused as before.
func TestParseFeedbackItemLimit(t *testing.T) {
	item := `{"card":"c1","outcome":"overridden","outcomeTimestamp":"2026-11-29T10:00:00Z"}`
	for _, n := range []int{MaxFeedbackItems - 1, MaxFeedbackItems, MaxFeedbackItems + 1} {
		got, err := ParseFeedback([]byte(`{"feedback":[` + strings.TrimSuffix(strings.Repeat(item+",", n), ",") + `]}`))
		if n <= MaxFeedbackItems && (err != nil || len(got) != n) {
			t.Errorf("%d items: %d read, %v", n, len(got), err)
		}
		if n > MaxFeedbackItems && (err == nil || !strings.Contains(err.Error(), "too many items")) {
			t.Errorf("%d items: %v, want too many items", n, err)
		}
	}
	for _, list := range []string{`{}`, `"x"`, `null`, `[` + item + `,1]`, `[]`} {
		got, err := ParseFeedback([]byte(`{"feedback":` + list + `}`))
		if list == `[]` {
			if err != nil || len(got) != 0 {
				t.Errorf("empty list: %v %v", got, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("feedback %s: accepted", list)
		}
	}
}
