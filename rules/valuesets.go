package rules

import (
	"io/fs"
	"strings"
)

// LoadKnowledge loads the embedded value sets, then the ValueSet JSON files
// of overlay (nil for none), which add to or replace built-in sets by id.
// STUB: the knowledge-base work replaces this with the embedded loader.
func LoadKnowledge(overlay fs.FS) (*Knowledge, error) {
	return NewKnowledge(nil), nil
}

// Has reports whether any of codes is in the value set (or matches one of
// its code patterns and none of its exclusions).
func (k *Knowledge) Has(set string, codes []Coding) bool {
	vs := k.sets[set]
	if vs == nil {
		return false
	}
	for _, c := range codes {
		if _, ok := vs.index[c.System+"|"+c.Code]; ok {
			return true
		}
	}
	return false
}

// HasText reports whether text contains, as a whole word (case-insensitive),
// one of the value set's text patterns.
func (k *Knowledge) HasText(set, text string) bool {
	vs := k.sets[set]
	if vs == nil || text == "" {
		return false
	}
	lt := strings.ToLower(text)
	for _, w := range vs.Text {
		if strings.Contains(lt, w) {
			return true
		}
	}
	return false
}

// Set returns one value set by id.
func (k *Knowledge) Set(id string) (*ValueSet, bool) {
	vs, ok := k.sets[id]
	return vs, ok
}

// Codes returns the codes of one value set (nil when unknown).
func (k *Knowledge) Codes(set string) []Code {
	if vs := k.sets[set]; vs != nil {
		return vs.Codes
	}
	return nil
}

// Unverified reports whether the code of codes that matches the set is
// graded C or U (shipped, but flagged unverified).
func (k *Knowledge) Unverified(set string, codes []Coding) bool {
	vs := k.sets[set]
	if vs == nil {
		return false
	}
	for _, c := range codes {
		if m, ok := vs.index[c.System+"|"+c.Code]; ok && m.Unverified {
			return true
		}
	}
	return false
}

// Revision identifies the knowledge base (built-in revision plus overlay).
func (k *Knowledge) Revision() string { return k.revision }
