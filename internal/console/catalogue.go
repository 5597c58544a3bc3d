package console

import (
	"encoding/json"
	"sort"

	"jakguard/rules"
)

// Catalogue is the answer of GET /console/api/rules: every rule of the
// running engine (rules.Engine.Catalogue, the facts docs/rules.md is
// written from) and the value sets they read.
type Catalogue struct {
	Revision  string              `json:"kbRevision"`
	Rules     []Rule              `json:"rules"`
	ValueSets map[string]ValueSet `json:"valueSets"`
}

// Rule is one rule of the catalogue.
type Rule struct {
	Code         string `json:"code"`
	Hook         string `json:"hook"`
	Level        string `json:"level"`
	Category     string `json:"category"`
	Drug         string `json:"drug,omitempty"` // "" for both drugs
	Initiation   bool   `json:"initiation"`
	Continuation bool   `json:"continuation"`
	NewOnCourse  bool   `json:"newOnCourse,omitempty"`
	CourseLimit  string `json:"courseLimit,omitempty"`
	Limits       string `json:"limits,omitempty"` // thresholds and windows in force
	// LimitsChanged: the site's --rules-config changed this rule's
	// thresholds or windows from the defaults.
	LimitsChanged bool         `json:"limitsChanged,omitempty"`
	Reads         []string     `json:"reads"`
	ValueSets     []string     `json:"valueSets"`
	Sources       []RuleSource `json:"sources"`
	// Verified: every code and pattern of its value sets is graded A or B.
	Verified bool `json:"verified"`
	// SiteOverlay: one of its value sets was changed by the site's
	// --valuesets overlay.
	SiteOverlay bool `json:"siteOverlay,omitempty"`
}

// RuleSource is the label section a rule rests on, for one drug.
type RuleSource struct {
	Drug  string `json:"drug"`
	Label string `json:"label"`
	URL   string `json:"url,omitempty"`
}

// ValueSet is one value set a rule reads.
type ValueSet struct {
	ID         string   `json:"id"`
	Title      string   `json:"title,omitempty"`
	URL        string   `json:"url,omitempty"`
	File       string   `json:"file"`
	Overlay    bool     `json:"overlay,omitempty"` // added to or replaced by the site's --valuesets overlay
	Codes      []Code   `json:"codes"`
	Patterns   []string `json:"patterns,omitempty"` // "system|regex"
	Text       []string `json:"text,omitempty"`     // words matched in medication text
	Unverified int      `json:"unverified"`         // codes and patterns graded C or U
}

// Code is one code of a value set.
type Code struct {
	System  string `json:"system"`
	Code    string `json:"code"`
	Display string `json:"display,omitempty"`
	Grade   string `json:"grade,omitempty"`
}

// BuildCatalogue gathers the catalogue of e.
func BuildCatalogue(e *rules.Engine) (Catalogue, error) {
	k := e.Knowledge()
	cat := Catalogue{Revision: k.Revision(), Rules: []Rule{}, ValueSets: map[string]ValueSet{}}
	overlaid := map[string]bool{}
	for _, ch := range k.OverlayChanges() {
		overlaid[ch.ID] = true
	}
	var defaults []rules.RuleInfo
	if de, err := rules.NewEngine(k, rules.DefaultConfig()); err == nil {
		defaults = de.Catalogue()
	}
	for i, ri := range e.Catalogue() {
		r := Rule{
			Code: ri.Code, Hook: ri.Hook, Level: string(ri.Level), Category: string(ri.Category), Drug: string(ri.Drug),
			Initiation: ri.Initiation, Continuation: ri.Continuation, NewOnCourse: ri.NewOnCourse,
			CourseLimit: ri.CourseLimit, Limits: ri.Limits, Reads: append([]string{}, ri.Reads...),
			ValueSets: append([]string{}, ri.ValueSets...), Sources: []RuleSource{}, Verified: true,
		}
		if i < len(defaults) && defaults[i].Code == ri.Code && defaults[i].Limits != ri.Limits {
			r.LimitsChanged = true
		}
		drugs := make([]string, 0, len(ri.Sources))
		for d := range ri.Sources {
			drugs = append(drugs, string(d))
		}
		sort.Strings(drugs)
		for _, d := range drugs {
			c := ri.Sources[rules.Drug(d)]
			r.Sources = append(r.Sources, RuleSource{Drug: d, Label: c.Label, URL: c.URL})
		}
		for _, id := range ri.ValueSets {
			vs, ok := cat.ValueSets[id]
			if !ok {
				vs = valueSet(k, id)
				vs.Overlay = overlaid[id]
				cat.ValueSets[id] = vs
			}
			if vs.Unverified > 0 {
				r.Verified = false
			}
			if vs.Overlay {
				r.SiteOverlay = true
			}
		}
		cat.Rules = append(cat.Rules, r)
	}
	return cat, nil
}

func valueSet(k *rules.Knowledge, id string) ValueSet {
	out := ValueSet{ID: id, Codes: []Code{}}
	set, ok := k.Set(id)
	if !ok {
		return out
	}
	out.Title, out.URL, out.File = set.Title, set.URL, set.File
	out.Text = set.Text
	for _, c := range set.Codes {
		out.Codes = append(out.Codes, Code{System: c.System, Code: c.Code, Display: c.Display, Grade: c.Grade})
		if c.Unverified {
			out.Unverified++
		}
	}
	for _, p := range set.Regex {
		out.Patterns = append(out.Patterns, p.System+"|"+p.Pattern)
		if p.Unverified {
			out.Unverified++
		}
	}
	return out
}

func catalogueJSON(e *rules.Engine) ([]byte, error) {
	cat, err := BuildCatalogue(e)
	if err != nil {
		return nil, err
	}
	return json.Marshal(cat)
}
