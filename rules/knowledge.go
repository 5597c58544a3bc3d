package rules

// Knowledge is the loaded, validated set of value sets. It is built once at
// start-up (LoadKnowledge) and read concurrently by every request.
//
// The loader (valuesets.go) reads FHIR R4 ValueSet JSON with an expansion;
// each code carries its source and confidence grade (A/B verified, C/U not).
type Knowledge struct {
	sets     map[string]*ValueSet
	revision string
}

// ValueSet is one loaded value set.
type ValueSet struct {
	ID    string
	URL   string
	Title string
	Codes []Code
	// Text lists lower-case words matched in medication text when no code
	// matches (trigger drugs and other drug classes), e.g. "rinvoq".
	Text []string
	// Regex lists code patterns per system (from compose.include.filter with
	// op "regex"), for ICD-10-CM chapters such as C00-C96.
	Regex []CodePattern
	// Exclude lists codes or patterns that never match even when included.
	Exclude []CodePattern

	index map[string]*Code // system|code -> code
}

// Code is one code of a value set with its provenance.
type Code struct {
	Coding
	Source     string // citation key from the knowledge base, e.g. "USC-SUBST"
	Grade      string // A, B, C or U
	Unverified bool   // grade C or U: shipped, but flagged
}

// CodePattern is a regular expression over the codes of one system.
type CodePattern struct {
	System  string
	Pattern string
}

// NewKnowledge builds a Knowledge from literal code lists, for tests of the
// rules that do not need the embedded value sets.
func NewKnowledge(sets map[string][]Coding) *Knowledge {
	k := &Knowledge{sets: make(map[string]*ValueSet, len(sets)), revision: "test"}
	for id, codings := range sets {
		vs := &ValueSet{ID: id}
		for _, c := range codings {
			vs.Codes = append(vs.Codes, Code{Coding: c, Grade: "A"})
		}
		vs.buildIndex()
		k.sets[id] = vs
	}
	return k
}

func (vs *ValueSet) buildIndex() {
	vs.index = make(map[string]*Code, len(vs.Codes))
	for i := range vs.Codes {
		c := &vs.Codes[i]
		vs.index[c.System+"|"+c.Code] = c
	}
}
