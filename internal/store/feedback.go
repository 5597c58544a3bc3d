package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Limits on one feedback request.
const (
	MaxFeedbackItems = 1000 // items per request
	// MaxAcceptedSuggestions bounds an item's acceptedSuggestions (a card
	// has a few suggestions): they were unbounded, and 500,000 ids in the
	// body limit took minutes to make unique (failsafe18).
	MaxAcceptedSuggestions = 100
	maxIDLen               = 256  // card uuid, suggestion id, reason system/code
	maxTextRunes           = 1024 // reason display and user comment are cut to this
)

// ValidationError says which part of a feedback body is wrong. Path names
// the element, e.g. "feedback[1].outcome" ("" for the body as a whole), so
// the caller can build a 400 OperationOutcome whose issue points at it.
type ValidationError struct {
	Path string
	Msg  string
}

func (e *ValidationError) Error() string {
	if e.Path == "" {
		return "invalid feedback: " + e.Msg
	}
	return "invalid feedback: " + e.Path + ": " + e.Msg
}

func invalid(path, format string, args ...any) *ValidationError {
	return &ValidationError{Path: path, Msg: fmt.Sprintf(format, args...)}
}

// ParseFeedback decodes and validates a CDS Hooks feedback body: the 2.0
// shape {"feedback":[...]} or a bare single feedback object. It accepts the
// 2.0 overrideReason {reason: Coding, userComment} and the pre-2.0 sandbox
// shape where overrideReason is a bare Coding. Unknown fields are ignored.
// Every error is a *ValidationError. Service, Issuer, Tenant and Received are
// left for the caller to set.
func ParseFeedback(body []byte) ([]Feedback, error) {
	var top map[string]jsontext.Value
	if err := json.Unmarshal(body, &top); err != nil {
		if jsontext.Value(body).IsValid() {
			return nil, invalid("", "body must be a JSON object")
		}
		return nil, invalid("", "body is not valid JSON")
	}
	if top == nil {
		return nil, invalid("", "body must be a JSON object")
	}
	list, wrapped := top["feedback"]
	if !wrapped {
		f, err := parseItem("", top)
		if err != nil {
			return nil, err
		}
		return []Feedback{f}, nil
	}
	raws, err := feedbackList(list)
	if err != nil {
		return nil, err
	}
	out := make([]Feedback, 0, len(raws))
	for i, raw := range raws {
		path := fmt.Sprintf("feedback[%d]", i)
		var item map[string]jsontext.Value
		if isNull(raw) || json.Unmarshal(raw, &item) != nil {
			return nil, invalid(path, "must be an object")
		}
		f, err := parseItem(path+".", item)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// feedbackList splits the feedback list into its items, refusing it past
// MaxFeedbackItems as soon as it gets there: a list of 2.5 million empty
// objects (7.5 MB, within the body limit) was split whole first, some 200
// MiB of item slices outside what memory admission plans for (failsafe9).
func feedbackList(list jsontext.Value) ([]jsontext.Value, error) {
	raws, err := boundedList(list, MaxFeedbackItems)
	switch {
	case errors.Is(err, errTooMany):
		return nil, invalid("feedback", "too many items: more than %d", MaxFeedbackItems)
	case err != nil:
		return nil, invalid("feedback", "must be a list")
	}
	return raws, nil
}

var errTooMany = errors.New("too many items")

// boundedList splits a JSON array into its items, failing with errTooMany
// as soon as it holds more than n, and with another error when it is no
// array.
func boundedList(list jsontext.Value, n int) ([]jsontext.Value, error) {
	if isNull(list) {
		return nil, errors.New("null")
	}
	dec := jsontext.NewDecoder(bytes.NewReader(list))
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '[' {
		return nil, errors.New("not a list")
	}
	var raws []jsontext.Value
	for dec.PeekKind() != ']' {
		if len(raws) == n {
			return nil, errTooMany
		}
		v, err := dec.ReadValue()
		if err != nil {
			return nil, err
		}
		end := dec.InputOffset() // the item as a sub-slice of list: v is the decoder's until its next read
		raws = append(raws, list[end-int64(len(v)):end:end])
	}
	return raws, nil
}

// parseItem validates one feedback object; prefix is "" or "feedback[i].".
func parseItem(prefix string, item map[string]jsontext.Value) (Feedback, error) {
	var f Feedback
	var err error
	if f.Card, err = requiredID(item, "card", prefix+"card"); err != nil {
		return f, err
	}
	outcome, err := optString(item["outcome"], prefix+"outcome")
	if err != nil {
		return f, err
	}
	switch outcome {
	case OutcomeAccepted, OutcomeOverridden:
		f.Outcome = outcome
	case "":
		return f, invalid(prefix+"outcome", "required (accepted or overridden)")
	default:
		return f, invalid(prefix+"outcome", "must be accepted or overridden, got %.40q", outcome)
	}
	ts, err := optString(item["outcomeTimestamp"], prefix+"outcomeTimestamp")
	if err != nil {
		return f, err
	}
	if ts == "" {
		return f, invalid(prefix+"outcomeTimestamp", "required (RFC 3339 date-time)")
	}
	t, ok := parseRFC3339(ts)
	if !ok {
		return f, invalid(prefix+"outcomeTimestamp", "not an RFC 3339 date-time: %.40q", ts)
	}
	f.OutcomeTimestamp = t.UTC()

	if f.Outcome == OutcomeAccepted {
		if f.AcceptedSuggestions, err = parseSuggestions(item["acceptedSuggestions"], prefix+"acceptedSuggestions"); err != nil {
			return f, err
		}
	}
	if err := parseOverrideReason(item["overrideReason"], prefix+"overrideReason", &f); err != nil {
		return f, err
	}
	return f, nil
}

func parseSuggestions(raw jsontext.Value, path string) ([]string, error) {
	if len(raw) == 0 || isNull(raw) {
		return nil, invalid(path, "required when outcome is accepted")
	}
	list, err := boundedList(raw, MaxAcceptedSuggestions)
	switch {
	case errors.Is(err, errTooMany):
		return nil, invalid(path, "too many: more than %d", MaxAcceptedSuggestions)
	case err != nil:
		return nil, invalid(path, "must be a list of {\"id\": ...}")
	case len(list) == 0:
		return nil, invalid(path, "must name at least one suggestion when outcome is accepted")
	}
	ids := make([]string, 0, len(list))
	for i, r := range list {
		p := fmt.Sprintf("%s[%d]", path, i)
		var obj map[string]jsontext.Value
		if isNull(r) || json.Unmarshal(r, &obj) != nil {
			return nil, invalid(p, "must be an object with an id")
		}
		id, err := requiredID(obj, "id", p+".id")
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return slices.Compact(ids), nil
}

// parseOverrideReason accepts {reason: Coding, userComment} and, from the
// pre-2.0 sandbox, a bare Coding {code, system, display}.
func parseOverrideReason(raw jsontext.Value, path string, f *Feedback) error {
	if len(raw) == 0 || isNull(raw) {
		return nil
	}
	var obj map[string]jsontext.Value
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return invalid(path, "must be an object")
	}
	coding, codingPath := obj, path
	if r, ok := obj["reason"]; ok {
		coding, codingPath = nil, path+".reason"
		if !isNull(r) {
			if err := json.Unmarshal(r, &coding); err != nil || coding == nil {
				return invalid(codingPath, "must be a Coding object")
			}
		}
		comment, err := optString(obj["userComment"], path+".userComment")
		if err != nil {
			return err
		}
		f.UserComment = cutRunes(comment, maxTextRunes)
	} else if _, ok := obj["code"]; !ok {
		// Neither a reason nor a bare Coding: maybe only a comment.
		comment, err := optString(obj["userComment"], path+".userComment")
		if err != nil {
			return err
		}
		f.UserComment = cutRunes(comment, maxTextRunes)
		return nil
	}
	if coding == nil {
		return nil
	}
	var err error
	if f.ReasonCode, err = requiredID(coding, "code", codingPath+".code"); err != nil {
		return err
	}
	if f.ReasonSystem, err = optString(coding["system"], codingPath+".system"); err != nil {
		return err
	}
	if len(f.ReasonSystem) > maxIDLen {
		return invalid(codingPath+".system", "longer than %d bytes", maxIDLen)
	}
	display, err := optString(coding["display"], codingPath+".display")
	if err != nil {
		return err
	}
	f.ReasonDisplay = cutRunes(display, maxTextRunes)
	return nil
}

// requiredID reads a required, non-empty, bounded string field.
func requiredID(obj map[string]jsontext.Value, key, path string) (string, error) {
	s, err := optString(obj[key], path)
	if err != nil {
		return "", err
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return "", invalid(path, "required")
	}
	if len(s) > maxIDLen {
		return "", invalid(path, "longer than %d bytes", maxIDLen)
	}
	return s, nil
}

// optString decodes an optional string; absent or null gives "".
func optString(raw jsontext.Value, path string) (string, error) {
	if len(raw) == 0 || isNull(raw) {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", invalid(path, "must be a string")
	}
	if !utf8.ValidString(s) {
		return "", invalid(path, "must be valid UTF-8")
	}
	if strings.IndexByte(s, 0) >= 0 {
		// Valid JSON ("\u0000") that PostgreSQL text cannot hold: the
		// store failed and the call answered 503, retried in vain
		// (failsafe18).
		return "", invalid(path, "must not hold a NUL character")
	}
	return s, nil
}

func isNull(raw jsontext.Value) bool {
	return bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}

func cutRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// dedupKey is the idempotency key of a feedback item: service, card, outcome,
// outcomeTimestamp (UTC, nanoseconds), the sorted accepted suggestion ids
// and the client (issuer, tenant): one client's item never stands for
// another's, so a client cannot pre-empt the feedback of a card another
// client was shown. The reason and comment are not part of it: an EHR
// resending the same outcome with an edited comment is the same feedback.
func (f Feedback) dedupKey() string {
	ids := slices.Clone(f.AcceptedSuggestions)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	h := sha256.New()
	for _, part := range []string{f.Service, f.Card, f.Outcome, f.OutcomeTimestamp.UTC().Format(time.RFC3339Nano), strings.Join(ids, "\x1f"), f.Issuer, f.Tenant} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// parseRFC3339 reads an RFC 3339 date-time as the RFC writes it, where Go
// differs. A leap second (second 60) is read as second 59, as fhir.ParseDate
// does (failsafe11: the whole feedback call was refused). A lower-case "t"
// and "z" (RFC 3339 5.6, note) are read as upper-case (failsafe12: refused
// too). An offset hour above 23 or minute above 59, which Go reads ("+14:60"
// as +15:00), is refused: time-numoffset is hour 00-23, minute 00-59
// (failsafe12: recorded at a wrong instant). Every test is on ASCII bytes
// at fixed places: a string with other bytes there is left to time.Parse
// to refuse.
func parseRFC3339(ts string) (time.Time, bool) {
	p := ts
	if len(p) >= 20 {
		if p[10] == 't' {
			p = p[:10] + "T" + p[11:]
		}
		if p[len(p)-1] == 'z' {
			p = p[:len(p)-1] + "Z"
		}
		if p[16] == ':' && p[17:19] == "60" {
			p = p[:17] + "59" + p[19:]
		}
	}
	t, err := time.Parse(time.RFC3339Nano, p)
	if err != nil {
		return time.Time{}, false
	}
	if p[len(p)-1] != 'Z' {
		// time.Parse read "+hh:mm" (two digits, a colon, two digits) last.
		off := p[len(p)-6:]
		if off[1:3] > "23" || off[4:6] > "59" {
			return time.Time{}, false
		}
	}
	return t, true
}
