package rules

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// BuiltinRevision names the revision of the embedded value sets. Change it
// whenever a file under rules/valuesets changes.
const BuiltinRevision = "kb-2026-12-06.2"

// Extension URLs read from the ValueSet files (see rules/valuesets/README.md).
const (
	ExtSource    = "https://jakguard.org/fhir/StructureDefinition/source"
	ExtGrade     = "https://jakguard.org/fhir/StructureDefinition/grade"
	ExtTextMatch = "https://jakguard.org/fhir/StructureDefinition/text-match"
	// ExtStrengthMg (valueDecimal) and ExtTTY (valueCode) are optional on a
	// code: the product's strength in mg per tablet or per mL, and its
	// RxNorm term type (or NDC); see productExtensions.
	ExtStrengthMg = "https://jakguard.org/fhir/StructureDefinition/strength-mg"
	ExtTTY        = "https://jakguard.org/fhir/StructureDefinition/tty"
)

//go:embed valuesets/*.json
var builtinFS embed.FS

// LoadKnowledge loads the embedded value sets, then the ValueSet JSON files
// (*.json at the root) of overlay (nil for none), which add to or replace
// built-in sets by id. Every file is validated; the error names the file and
// the element ("valuesets/hbsag.json: expansion.contains[3]: missing code").
// After loading, every value set id the rules use (ValueSetIDs) must exist.
func LoadKnowledge(overlay fs.FS) (*Knowledge, error) {
	k := &Knowledge{sets: map[string]*ValueSet{}, revision: BuiltinRevision}
	if err := k.loadDir(builtinFS, "valuesets", "valuesets/", false); err != nil {
		return nil, err
	}
	if overlay != nil {
		if err := k.loadDir(overlay, ".", "overlay:", true); err != nil {
			return nil, err
		}
	}
	var missing []string
	for _, id := range ValueSetIDs() {
		if _, ok := k.sets[id]; !ok {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("value sets: missing %s", strings.Join(missing, ", "))
	}
	return k, nil
}

// loadDir reads dir/*.json of fsys. Files of one directory must not share an
// id; a file replaces a set loaded earlier (from another directory) with the
// same id. An overlay's content is hashed into the revision.
func (k *Knowledge) loadDir(fsys fs.FS, dir, label string, overlay bool) error {
	names, err := fs.Glob(fsys, path.Join(dir, "*.json"))
	if err != nil {
		return fmt.Errorf("%s: %w", label, err)
	}
	if overlay && len(names) == 0 {
		return fmt.Errorf("value set overlay: no *.json files")
	}
	h := sha256.New()
	seen := map[string]string{}
	var errs []error
	for _, name := range names {
		file := label + path.Base(name)
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", file, err))
			continue
		}
		vs, err := parseValueSet(data, file, overlay)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if other, dup := seen[vs.ID]; dup {
			errs = append(errs, fmt.Errorf("%s: id %q already defined in %s", file, vs.ID, other))
			continue
		}
		seen[vs.ID] = file
		k.sets[vs.ID] = vs
		fmt.Fprintf(h, "%s\x00%d\x00", path.Base(name), len(data))
		h.Write(data)
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if overlay {
		k.revision += "+overlay." + hex.EncodeToString(h.Sum(nil))[:12]
	}
	return nil
}

// The subset of FHIR R4 ValueSet that the loader reads.
type (
	vsJSON struct {
		ResourceType string       `json:"resourceType"`
		ID           string       `json:"id"`
		URL          string       `json:"url"`
		Title        string       `json:"title"`
		Description  string       `json:"description"`
		Extension    []extJSON    `json:"extension"`
		Compose      *composeJSON `json:"compose"`
		Expansion    *struct {
			Contains []containsJSON `json:"contains"`
		} `json:"expansion"`
	}
	extJSON struct {
		URL          string   `json:"url"`
		ValueString  *string  `json:"valueString"`
		ValueCode    *string  `json:"valueCode"`
		ValueDecimal *float64 `json:"valueDecimal"`
	}
	composeJSON struct {
		Include []includeJSON `json:"include"`
		Exclude []includeJSON `json:"exclude"`
	}
	includeJSON struct {
		Extension []extJSON `json:"extension"`
		System    string    `json:"system"`
		ValueSet  []string  `json:"valueSet"`
		Concept   []struct {
			Code      string    `json:"code"`
			Display   string    `json:"display"`
			Extension []extJSON `json:"extension"`
		} `json:"concept"`
		Filter []struct {
			Property string `json:"property"`
			Op       string `json:"op"`
			Value    string `json:"value"`
		} `json:"filter"`
	}
	containsJSON struct {
		System    string         `json:"system"`
		Code      string         `json:"code"`
		Display   string         `json:"display"`
		Extension []extJSON      `json:"extension"`
		Contains  []containsJSON `json:"contains"`
	}
)

// provenance reads the source and grade extensions. In an overlay a missing
// grade means the hospital vouches for its own code (grade A, source
// "overlay"); in the built-in files both are required.
func provenance(exts []extJSON, overlay bool) (source, grade string, err error) {
	for _, e := range exts {
		switch e.URL {
		case ExtSource:
			if e.ValueString != nil {
				source = *e.ValueString
			}
		case ExtGrade:
			switch {
			case e.ValueCode != nil:
				grade = *e.ValueCode
			case e.ValueString != nil:
				grade = *e.ValueString
			}
		}
	}
	if overlay {
		if source == "" {
			source = "overlay"
		}
		if grade == "" {
			grade = "A"
		}
	}
	switch {
	case grade == "":
		return "", "", errors.New("missing grade extension")
	case grade != "A" && grade != "B" && grade != "C" && grade != "U":
		return "", "", fmt.Errorf("grade %q is not A, B, C or U", grade)
	case source == "":
		return "", "", errors.New("missing source extension")
	}
	return source, grade, nil
}

// productExtensions reads the optional strength-mg (a positive
// valueDecimal) and tty (valueCode IN, PIN, MIN, SCD, SBD, BN, GPCK, BPCK or NDC)
// extensions of a code.
func productExtensions(exts []extJSON) (mg float64, tty string, err error) {
	for _, e := range exts {
		switch e.URL {
		case ExtStrengthMg:
			if e.ValueDecimal == nil || !(*e.ValueDecimal > 0) || *e.ValueDecimal > 1e6 {
				return 0, "", errors.New("strength-mg must be a positive valueDecimal")
			}
			mg = *e.ValueDecimal
		case ExtTTY:
			if e.ValueCode == nil {
				return 0, "", errors.New("tty must be a valueCode")
			}
			switch *e.ValueCode {
			case "IN", "PIN", "MIN", "SCD", "SBD", "BN", "GPCK", "BPCK", "NDC":
				tty = *e.ValueCode
			default:
				return 0, "", fmt.Errorf("tty %q is not IN, PIN, MIN, SCD, SBD, BN, GPCK, BPCK or NDC", *e.ValueCode)
			}
		}
	}
	return mg, tty, nil
}

// parseValueSet decodes and validates one file.
func parseValueSet(data []byte, file string, overlay bool) (*ValueSet, error) {
	var raw vsJSON
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%s: not valid JSON: %w", file, err)
	}
	var errs []error
	fail := func(elem, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s: %s", file, elem, fmt.Sprintf(format, args...)))
	}
	if raw.ResourceType != "ValueSet" {
		fail("resourceType", "is %q, want \"ValueSet\"", raw.ResourceType)
	}
	if strings.TrimSpace(raw.ID) == "" {
		fail("id", "missing")
	}
	vs := &ValueSet{ID: raw.ID, URL: raw.URL, Title: raw.Title, Description: raw.Description, File: file}

	for i, e := range raw.Extension {
		if e.URL != ExtTextMatch {
			continue
		}
		var w string
		if e.ValueString != nil {
			w = strings.ToLower(strings.TrimSpace(*e.ValueString))
		}
		if w == "" {
			fail(fmt.Sprintf("extension[%d]", i), "empty text-match")
			continue
		}
		vs.Text = append(vs.Text, w)
	}

	seen := map[codeKey]bool{}
	addCode := func(elem, system, code, display string, exts []extJSON) {
		switch {
		case strings.TrimSpace(system) == "":
			fail(elem, "missing system")
			return
		case strings.TrimSpace(code) == "":
			fail(elem, "missing code")
			return
		}
		source, grade, err := provenance(exts, overlay)
		if err != nil {
			fail(elem, "%v", err)
			return
		}
		k := newCodeKey(system, code)
		if seen[k] {
			fail(elem, "duplicate code %s|%s", system, code)
			return
		}
		seen[k] = true
		mg, tty, err := productExtensions(exts)
		if err != nil {
			fail(elem, "%v", err)
			return
		}
		vs.Codes = append(vs.Codes, Code{
			Coding:     Coding{System: system, Code: normCode(system, code), Display: display},
			Source:     source,
			Grade:      grade,
			Unverified: gradeUnverified(grade),
			StrengthMg: mg,
			TTY:        tty,
		})
	}
	var walk func(prefix string, cs []containsJSON)
	walk = func(prefix string, cs []containsJSON) {
		for i, c := range cs {
			elem := fmt.Sprintf("%s[%d]", prefix, i)
			if len(c.Contains) > 0 {
				walk(elem+".contains", c.Contains)
			}
			if c.Code == "" && c.System == "" && len(c.Contains) > 0 {
				continue // a grouping entry
			}
			addCode(elem, c.System, c.Code, c.Display, c.Extension)
		}
	}
	if raw.Expansion != nil {
		walk("expansion.contains", raw.Expansion.Contains)
	}

	if raw.Compose != nil {
		for _, part := range []struct {
			name string
			list []includeJSON
			dst  *[]CodePattern
		}{
			{"compose.include", raw.Compose.Include, &vs.Regex},
			{"compose.exclude", raw.Compose.Exclude, &vs.Exclude},
		} {
			for i, inc := range part.list {
				elem := fmt.Sprintf("%s[%d]", part.name, i)
				if len(inc.ValueSet) > 0 {
					fail(elem+".valueSet", "references to other value sets are not supported")
				}
				if strings.TrimSpace(inc.System) == "" {
					fail(elem, "missing system")
					continue
				}
				for j, c := range inc.Concept {
					celem := fmt.Sprintf("%s.concept[%d]", elem, j)
					if part.dst == &vs.Exclude {
						if strings.TrimSpace(c.Code) == "" {
							fail(celem, "missing code")
							continue
						}
						*part.dst = append(*part.dst, CodePattern{System: inc.System, Pattern: quoteCode(inc.System, c.Code), Source: "exclude", Grade: "A"})
						continue
					}
					exts := c.Extension
					if len(exts) == 0 {
						exts = inc.Extension
					}
					addCode(celem, inc.System, c.Code, c.Display, exts)
				}
				for j, f := range inc.Filter {
					felem := fmt.Sprintf("%s.filter[%d]", elem, j)
					if f.Property != "code" || f.Op != "regex" {
						fail(felem, "only property \"code\" with op \"regex\" is supported, got %q %q", f.Property, f.Op)
						continue
					}
					if f.Value == "" {
						fail(felem, "empty regex")
						continue
					}
					source, grade, err := provenance(inc.Extension, overlay)
					if err != nil {
						fail(elem, "%v", err)
						continue
					}
					p := CodePattern{System: inc.System, Pattern: f.Value, Source: source, Grade: grade, Unverified: gradeUnverified(grade)}
					if _, err := compilePattern(p); err != nil {
						fail(felem, "regex does not compile: %v", err)
						continue
					}
					*part.dst = append(*part.dst, p)
				}
			}
		}
	}

	if len(vs.Codes) == 0 && len(vs.Regex) == 0 && len(vs.Text) == 0 && len(errs) == 0 {
		fail("expansion.contains", "the value set has no codes, patterns or text matches")
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	vs.buildIndex()
	if err := vs.compile(); err != nil { // checked above; cannot fail
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return vs, nil
}

// quoteCode turns an excluded concept into a pattern matching exactly it.
func quoteCode(system, code string) string {
	return regexp.QuoteMeta(normCode(system, code))
}

// Has reports whether any of codes is in the value set (or matches one of
// its code patterns and none of its exclusions).
func (k *Knowledge) Has(set string, codes []Coding) bool {
	_, ok := k.Match(set, codes)
	return ok
}

// Match returns the first of codes that is in the value set.
func (k *Knowledge) Match(set string, codes []Coding) (Coding, bool) {
	vs := k.sets[set]
	if vs == nil {
		return Coding{}, false
	}
	for _, c := range codes {
		if ok, _ := vs.match(c); ok {
			return c, true
		}
	}
	return Coding{}, false
}

// HasText reports whether text contains, as a whole word (case-insensitive),
// one of the value set's text patterns.
func (k *Knowledge) HasText(set, text string) bool {
	_, ok := k.MatchText(set, text)
	return ok
}

// MatchText returns the first text pattern of the value set found in text as
// a whole word (case-insensitive): "Rinvoq 15 mg" matches "rinvoq", but
// "nonrinvoqs" does not.
func (k *Knowledge) MatchText(set, text string) (string, bool) {
	vs := k.sets[set]
	if vs == nil || text == "" || len(vs.Text) == 0 {
		return "", false
	}
	return vs.matchLowerText(strings.ToLower(text))
}

// matchLowerText is MatchText on text already lower-cased.
func (vs *ValueSet) matchLowerText(lt string) (string, bool) {
	for _, w := range vs.Text {
		if hasWord(lt, w) {
			return w, true
		}
	}
	return "", false
}

// hasWord reports whether w occurs in s with no letter or digit
// immediately before or after it.
func hasWord(s, w string) bool {
	for from := 0; from <= len(s)-len(w); {
		i := strings.Index(s[from:], w)
		if i < 0 {
			return false
		}
		i += from
		end := i + len(w)
		before, _ := utf8.DecodeLastRuneInString(s[:i])
		after, _ := utf8.DecodeRuneInString(s[end:])
		if (i == 0 || !isWordRune(before)) && (end == len(s) || !isWordRune(after)) {
			return true
		}
		from = i + 1
	}
	return false
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// Set returns one value set by id.
func (k *Knowledge) Set(id string) (*ValueSet, bool) {
	vs, ok := k.sets[id]
	return vs, ok
}

// IDs returns the ids of every loaded value set, sorted.
func (k *Knowledge) IDs() []string {
	ids := make([]string, 0, len(k.sets))
	for id := range k.sets {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Codes returns the codes of one value set (nil when unknown).
func (k *Knowledge) Codes(set string) []Code {
	if vs := k.sets[set]; vs != nil {
		return vs.Codes
	}
	return nil
}

// Unverified reports whether codes match the set only through entries graded
// C or U (shipped, but flagged unverified). It is false when no code
// matches, and false when at least one matching code is graded A or B.
func (k *Knowledge) Unverified(set string, codes []Coding) bool {
	vs := k.sets[set]
	if vs == nil {
		return false
	}
	matched := false
	for _, c := range codes {
		ok, unverified := vs.match(c)
		if ok && !unverified {
			return false
		}
		matched = matched || ok
	}
	return matched
}

// Revision identifies the knowledge base: BuiltinRevision, plus
// "+overlay.<hash>" of the overlay files' names and content when one is used.
func (k *Knowledge) Revision() string { return k.revision }
