package rules

import (
	"regexp"
	"strings"
)

// Knowledge is the loaded, validated set of value sets. It is built once at
// start-up (LoadKnowledge) and read concurrently by every request; nothing in
// it changes after loading.
//
// The loader (valuesets.go) reads FHIR R4 ValueSet JSON with an expansion;
// each code carries its source and confidence grade (A/B verified, C/U not).
type Knowledge struct {
	sets     map[string]*ValueSet
	revision string
	changes  []OverlayChange // what the --valuesets overlay did
	memo     setMemo         // value-set membership of code lists, filled as records come
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

	// Description is ValueSet.description: what the set means and what was
	// deliberately left out.
	Description string
	// File is where the set was loaded from ("valuesets/hbsag.json", or
	// "overlay:hbsag.json" for a hospital's file).
	File string

	index   map[codeKey]*Code // (system, normalised code) -> code
	include []matcher         // compiled Regex
	exclude []matcher         // compiled Exclude
}

// Code is one code of a value set with its provenance.
type Code struct {
	Coding
	Source     string // citation key from the knowledge base, e.g. "USC-SUBST"
	Grade      string // A, B, C or U
	Unverified bool   // grade C or U: shipped, but flagged
	// StrengthMg is the product's strength in mg per tablet (or per mL for
	// a solution) from the strength-mg extension, 0 when not given.
	StrengthMg float64
	// TTY is the RxNorm term type from the tty extension (IN, SCD, SBD, BN,
	// GPCK, BPCK) or NDC; "" when not given.
	TTY string
}

// CodePattern is a regular expression over the codes of one system. The
// pattern must match the whole (normalised) code.
type CodePattern struct {
	System  string
	Pattern string
	// Source and Grade give the pattern's provenance like Code's; Unverified
	// is true for grade C or U.
	Source     string
	Grade      string
	Unverified bool
}

// matcher is a compiled CodePattern.
type matcher struct {
	system     string
	prefix     string // literal prefix every match starts with ("" if none): a cheap pre-check
	re         *regexp.Regexp
	unverified bool
}

// matches reports whether c (already normalised) matches the pattern.
func (m *matcher) matches(system, code string) bool {
	return m.system == system && strings.HasPrefix(code, m.prefix) && m.re.MatchString(code)
}

// NewKnowledge builds a Knowledge from literal code lists, for tests of the
// rules that do not need the embedded value sets. Every code is grade A.
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

// buildIndex makes the code index. Patterns must already be compiled
// (compile) for them to take part in matching.
func (vs *ValueSet) buildIndex() {
	vs.index = make(map[codeKey]*Code, len(vs.Codes))
	for i := range vs.Codes {
		c := &vs.Codes[i]
		vs.index[newCodeKey(c.System, c.Code)] = c
	}
}

// compile compiles Regex and Exclude; the pattern is anchored to the whole
// code.
func (vs *ValueSet) compile() error {
	vs.include = vs.include[:0]
	vs.exclude = vs.exclude[:0]
	for _, p := range vs.Regex {
		m, err := compilePattern(p)
		if err != nil {
			return err
		}
		vs.include = append(vs.include, m)
	}
	for _, p := range vs.Exclude {
		m, err := compilePattern(p)
		if err != nil {
			return err
		}
		vs.exclude = append(vs.exclude, m)
	}
	return nil
}

func compilePattern(p CodePattern) (matcher, error) {
	re, err := regexp.Compile(`^(?:` + p.Pattern + `)$`)
	if err != nil {
		return matcher{}, err
	}
	prefix, _ := regexp.MustCompile(`(?:` + p.Pattern + `)`).LiteralPrefix()
	return matcher{system: p.System, prefix: prefix, re: re, unverified: p.Unverified}, nil
}

// match reports whether the coding is in the set, and whether the entry that
// matched it is unverified (grade C or U).
func (vs *ValueSet) match(c Coding) (ok, unverified bool) {
	code := normCode(c.System, c.Code)
	if code == "" {
		return false, false
	}
	for i := range vs.exclude {
		if vs.exclude[i].matches(c.System, code) {
			return false, false
		}
	}
	if e := vs.lookupNorm(c.System, code); e != nil {
		return true, e.Unverified
	}
	for i := range vs.include {
		if m := &vs.include[i]; m.matches(c.System, code) {
			return true, m.unverified
		}
	}
	return false, false
}

// lookup returns the set's entry for c (nil when none): the code itself,
// or for an NDC one of the forms ndcAlternatives lists.
func (vs *ValueSet) lookup(c Coding) *Code {
	return vs.lookupNorm(c.System, normCode(c.System, c.Code))
}

// lookupNorm is lookup for a code already normalised.
func (vs *ValueSet) lookupNorm(system, code string) *Code {
	if e, found := vs.index[codeKey{system, code}]; found {
		return e
	}
	if system != SystemNDC {
		return nil
	}
	for _, alt := range ndcAlternatives(code) {
		if e, found := vs.index[codeKey{system, alt}]; found {
			return e
		}
	}
	return nil
}

// ndcAlternatives lists the other codes an NDC (already normalised) may
// be found under in a value set: the 9-digit product code (labeler and
// product, 5-4) of an 11-digit package code, since every package of a
// product is that product at that strength; and, for 10 digits written
// without hyphens (whose 4-4-2, 5-3-2 or 5-4-1 layout cannot be told),
// each 11-digit reading and its product code. A value set holds a few
// dozen NDCs, so a 10-digit code matching two of them by different
// readings cannot happen in practice; the first reading that matches wins.
func ndcAlternatives(code string) []string {
	if strings.Trim(code, "0123456789") != "" {
		return nil
	}
	switch len(code) {
	case 11:
		return []string{code[:9]}
	case 10:
		var out []string
		for _, c := range []string{"0" + code, code[:5] + "0" + code[5:], code[:9] + "0" + code[9:]} {
			out = append(out, c, c[:9])
		}
		return out
	}
	return nil
}

// codeKey identifies a code in a value set's index.
type codeKey struct{ system, code string }

func newCodeKey(system, code string) codeKey { return codeKey{system, normCode(system, code)} }

// SystemNDC is the FHIR system of National Drug Codes.
const SystemNDC = "http://hl7.org/fhir/sid/ndc"

// normCode puts a code in the form the value sets use, so that harmless
// spelling differences in real data still match:
//   - every code is trimmed of surrounding spaces;
//   - ICD-10-CM is upper-cased and dotted after the third character
//     ("l209" and "L20.9" are both "L20.9");
//   - a one-digit CVX code gets its leading zero ("3" is "03");
//   - an NDC is its 11 digits in the 5-4-2 layout, without hyphens
//     (normNDC).
func normCode(system, code string) string {
	code = strings.TrimSpace(code)
	switch system {
	case SystemNDC:
		return normNDC(code)
	case SystemICD10CM:
		if icdCanonical(code) {
			return code // the common case: no allocation
		}
		code = strings.ToUpper(strings.ReplaceAll(code, ".", ""))
		if len(code) > 3 {
			code = code[:3] + "." + code[3:]
		}
	case SystemCVX:
		if len(code) == 1 && code[0] >= '0' && code[0] <= '9' {
			code = "0" + code
		}
	}
	return code
}

// normNDC turns an NDC into its 11 digits (5-4-2, no hyphens). The
// 10-digit hyphenated forms get the leading zero of their short segment:
// 4-4-2 "0074-2310-30" is 00074231030, 5-3-2 "12345-678-90" is 12345067890,
// 5-4-1 "12345-6789-0" is 12345678900; 11 digits with hyphens (5-4-2) or
// without stay as they are. A product NDC (labeler and product, no
// package) becomes its 9 digits (5-4) the same way: 4-4 "0074-2310" is
// 000742310, 5-3 "12345-678" is 123450678. Any other form is kept as
// written; 10 digits without hyphens, whose layout cannot be told, are
// tried in each layout when matched (ndcAlternatives).
func normNDC(code string) string {
	parts := strings.Split(code, "-")
	for _, p := range parts {
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return code
		}
	}
	pad := func(p string, n int) string { return strings.Repeat("0", n-len(p)) + p }
	switch len(parts) {
	case 1:
		if len(code) == 11 {
			return code
		}
	case 2:
		a, b := parts[0], parts[1]
		switch {
		case len(a) == 5 && len(b) == 4, len(a) == 4 && len(b) == 4, len(a) == 5 && len(b) == 3:
			return pad(a, 5) + pad(b, 4)
		}
	case 3:
		a, b, c := parts[0], parts[1], parts[2]
		switch {
		case len(a) == 5 && len(b) == 4 && len(c) == 2, // 5-4-2, already 11 digits
			len(a) == 4 && len(b) == 4 && len(c) == 2, // 4-4-2
			len(a) == 5 && len(b) == 3 && len(c) == 2, // 5-3-2
			len(a) == 5 && len(b) == 4 && len(c) == 1: // 5-4-1
			return pad(a, 5) + pad(b, 4) + pad(c, 2)
		}
	}
	return code
}

// icdCanonical reports whether an ICD-10-CM code is already upper case and
// dotted after its third character (or is three characters long).
func icdCanonical(code string) bool {
	for i := 0; i < len(code); i++ {
		b := code[i]
		switch {
		case b >= 'a' && b <= 'z':
			return false
		case b == '.' && i != 3, i == 3 && b != '.':
			return false
		}
	}
	return len(code) != 4 // "L20." is not canonical
}

// Strength returns the strength (mg per tablet or per mL) and term type of
// the first of codes in the set whose entry gives a strength; ok is false
// when none does.
func (k *Knowledge) Strength(set string, codes []Coding) (mg float64, tty string, ok bool) {
	vs := k.sets[set]
	if vs == nil {
		return 0, "", false
	}
	for _, c := range codes {
		if e := vs.lookup(c); e != nil && e.StrengthMg > 0 {
			return e.StrengthMg, e.TTY, true
		}
	}
	return 0, "", false
}

// TermType returns the term type of the first of codes in the set whose
// entry gives one ("" when none does).
func (k *Knowledge) TermType(set string, codes []Coding) string {
	vs := k.sets[set]
	if vs == nil {
		return ""
	}
	for _, c := range codes {
		if e := vs.lookup(c); e != nil && e.TTY != "" {
			return e.TTY
		}
	}
	return ""
}

// SolutionProduct reports whether one of codes is, in the set, a product
// whose display names an oral solution (RINVOQ LQ 1 mg/mL).
func (k *Knowledge) SolutionProduct(set string, codes []Coding) bool {
	vs := k.sets[set]
	if vs == nil {
		return false
	}
	for _, c := range codes {
		if e := vs.lookup(c); e != nil && isSolutionText(e.Display) {
			return true
		}
	}
	return false
}

// isSolutionText tells whether a medication name is an oral solution:
// "solution", a strength per mL, or RINVOQ "LQ".
func isSolutionText(s string) bool {
	s = strings.ToLower(s)
	return strings.Contains(s, "solution") || strings.Contains(s, "/ml") || hasWord(s, "lq")
}

// Product returns an RxNorm product code (SCD or SBD) of the set with the
// strength mg per tablet, preferring the term type prefer ("SBD" for a
// branded order); ok is false when the set has none.
func (k *Knowledge) Product(set string, mg float64, prefer string) (Coding, bool) {
	vs := k.sets[set]
	if vs == nil || mg <= 0 {
		return Coding{}, false
	}
	var found *Code
	for i := range vs.Codes {
		c := &vs.Codes[i]
		if c.System != SystemRxNorm || (c.TTY != "SCD" && c.TTY != "SBD") || !sameMg(c.StrengthMg, mg) {
			continue
		}
		if found == nil || c.TTY == prefer && found.TTY != prefer {
			found = c
		}
	}
	if found == nil {
		return Coding{}, false
	}
	return found.Coding, true
}

// ProductNDC returns an NDC of the set with the strength mg per tablet (or
// per mL), for an order that was coded by NDC (contract 6.3: keep a product
// code of the new strength). It takes an 11-digit package code, preferring
// one with the package segment of like (the ordered NDC, normalised), so a
// bottle of 30 stays a bottle of 30; ok is false when the set has none.
// A professional sample package (its display says "sample": RINVOQ 30 mg
// 0074-2310-20, CIBINQO 50 mg 63539-236-14) is not a product the pharmacy
// dispenses and is never returned.
func (k *Knowledge) ProductNDC(set string, mg float64, like string) (Coding, bool) {
	vs := k.sets[set]
	if vs == nil || mg <= 0 {
		return Coding{}, false
	}
	var found *Code
	for i := range vs.Codes {
		c := &vs.Codes[i]
		if c.System != SystemNDC || len(c.Code) != 11 || !sameMg(c.StrengthMg, mg) || isSample(c.Display) {
			continue
		}
		if found == nil || len(like) == 11 && c.Code[9:] == like[9:] && found.Code[9:] != like[9:] {
			found = c
		}
	}
	if found == nil {
		return Coding{}, false
	}
	return found.Coding, true
}

// isSample tells whether an NDC display names a professional sample package.
func isSample(display string) bool { return strings.Contains(strings.ToLower(display), "sample") }

// gradeUnverified tells whether a grade means "shipped, but not verified".
func gradeUnverified(g string) bool { return g == "C" || g == "U" }
