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
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// BuiltinRevision names the revision of the embedded value sets. Change it
// whenever a file under rules/valuesets changes.
const BuiltinRevision = "kb-2026-12-07.2"

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
	// ExtOverlayMode, on the ValueSet itself, says what an overlay file does
	// to the built-in set of the same id: valueCode "add" (the default) or
	// "replace" (docs/valuesets.md).
	ExtOverlayMode = "https://jakguard.org/fhir/StructureDefinition/overlay-mode"
)

// Overlay modes (ExtOverlayMode).
const (
	OverlayAdd     = "add"
	OverlayReplace = "replace"
)

//go:embed valuesets/*.json
var builtinFS embed.FS

// LoadKnowledge loads the embedded value sets, then the ValueSet JSON files
// (*.json at the root) of overlay (nil for none). An overlay file names a
// built-in set by id and adds to it (its codes, patterns and text-match
// words join the built-in ones, each keeping its own provenance), or
// replaces it when the file carries ExtOverlayMode "replace". A file whose
// id no rule uses is refused, as is everything else that would silently do
// nothing. Every file is validated; the error names the file and the element
// ("overlay:hbsag.json: expansion.contains[3]: missing code"). After
// loading, every value set id the rules use (ValueSetIDs) must exist.
func LoadKnowledge(overlay fs.FS) (*Knowledge, error) {
	k := &Knowledge{sets: map[string]*ValueSet{}, revision: BuiltinRevision}
	builtin, _, err := loadDir(builtinFS, "valuesets", "valuesets/", false)
	if err != nil {
		return nil, err
	}
	for _, f := range builtin {
		k.sets[f.vs.ID] = f.vs
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
	if overlay != nil {
		if err := k.applyOverlay(overlay); err != nil {
			return nil, err
		}
	}
	return k, nil
}

// loadedFile is one parsed ValueSet file.
type loadedFile struct {
	vs   *ValueSet
	mode string // overlay files: OverlayAdd or OverlayReplace
}

// loadDir reads dir/*.json of fsys. Files of one directory must not share an
// id. It returns the files in name order and the hash of their names and
// contents.
func loadDir(fsys fs.FS, dir, label string, overlay bool) ([]loadedFile, string, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.json"))
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", label, err)
	}
	if overlay && len(names) == 0 {
		return nil, "", fmt.Errorf("value set overlay: no *.json files")
	}
	h := sha256.New()
	seen := map[string]string{}
	var (
		files []loadedFile
		errs  []error
	)
	for _, name := range names {
		file := label + path.Base(name)
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", file, err))
			continue
		}
		vs, mode, err := parseValueSetMode(data, file, overlay)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if other, dup := seen[vs.ID]; dup {
			errs = append(errs, fmt.Errorf("%s: id %q already defined in %s", file, vs.ID, other))
			continue
		}
		seen[vs.ID] = file
		files = append(files, loadedFile{vs: vs, mode: mode})
		fmt.Fprintf(h, "%s\x00%d\x00", path.Base(name), len(data))
		h.Write(data)
	}
	// The files that parsed are returned with the errors, so that an
	// overlay's other mistakes are reported together.
	return files, hex.EncodeToString(h.Sum(nil)), errors.Join(errs...)
}

// OverlayChange is what one overlay file did to the built-in set of its id.
type OverlayChange struct {
	ID   string
	File string // "overlay:hbsag.json"
	Mode string // OverlayAdd or OverlayReplace
	// Added are the overlay's codes the built-in set lacked (with the
	// overlay's provenance); Kept, in add mode, the overlay's codes the
	// built-in set already had (they keep the built-in provenance); Removed,
	// in replace mode, the built-in codes the new set no longer has.
	Added, Kept, Removed []Code
	// The same for code patterns and text-match words.
	PatternsAdded, PatternsRemoved []CodePattern
	TextAdded, TextRemoved         []string
}

// OverlayChanges lists what the --valuesets overlay changed, one entry per
// overlay file, by set id.
func (k *Knowledge) OverlayChanges() []OverlayChange { return k.changes }

// applyOverlay adds or replaces built-in sets with the overlay's files.
func (k *Knowledge) applyOverlay(overlay fs.FS) error {
	files, hash, err := loadDir(overlay, ".", "overlay:", true)
	errs := []error{err}
	for _, f := range files {
		base, ok := k.sets[f.vs.ID]
		if !ok {
			errs = append(errs, fmt.Errorf("%s: id %q is not a value set jakguard uses, so the file would change nothing%s; the ids are listed in docs/valuesets.md", f.vs.File, f.vs.ID, suggestID(f.vs.ID)))
			continue
		}
		var (
			vs *ValueSet
			ch OverlayChange
		)
		if f.mode == OverlayReplace {
			vs, ch = f.vs, replaceChange(base, f.vs)
		} else {
			vs, ch, err = addTo(base, f.vs)
			if err != nil {
				errs = append(errs, err)
				continue
			}
		}
		ch.ID, ch.File, ch.Mode = f.vs.ID, f.vs.File, f.mode
		k.sets[vs.ID] = vs
		k.changes = append(k.changes, ch)
	}
	if err := errors.Join(errs...); err != nil {
		k.sets, k.changes = nil, nil // never used half-applied
		return err
	}
	k.revision += "+overlay." + hash[:12]
	return nil
}

// suggestID names the used id that id most likely meant, if any.
func suggestID(id string) string {
	norm := func(s string) string {
		s = strings.ToLower(strings.TrimSpace(s))
		s = strings.TrimPrefix(s, "valueset-")
		return strings.NewReplacer("_", "-", " ", "-").Replace(s)
	}
	for _, known := range ValueSetIDs() {
		if norm(known) == norm(id) {
			return fmt.Sprintf(" (did you mean %q?)", known)
		}
	}
	return ""
}

// addTo returns base with the codes, patterns and text-match words of over
// added. Codes base already has keep base's provenance. An added code that
// base's own exclusions would hide is an error, as it would do nothing.
func addTo(base, over *ValueSet) (*ValueSet, OverlayChange, error) {
	var ch OverlayChange
	vs := &ValueSet{
		ID: base.ID, URL: base.URL, Title: base.Title, Description: base.Description,
		File:    base.File + " + " + over.File,
		Codes:   slices.Clone(base.Codes),
		Text:    slices.Clone(base.Text),
		Regex:   slices.Clone(base.Regex),
		Exclude: slices.Clone(base.Exclude),
	}
	var errs []error
	for _, c := range over.Codes {
		if base.index[newCodeKey(c.System, c.Code)] != nil {
			ch.Kept = append(ch.Kept, c)
			continue
		}
		if base.excluded(c.Coding) {
			errs = append(errs, fmt.Errorf("%s: code %s|%s is excluded by the built-in set (%s compose.exclude), so adding it does nothing; give the whole set with overlay-mode \"replace\"", over.File, c.System, c.Code, base.File))
			continue
		}
		vs.Codes = append(vs.Codes, c)
		ch.Added = append(ch.Added, c)
	}
	for _, p := range over.Regex {
		if slices.ContainsFunc(base.Regex, func(q CodePattern) bool { return q.System == p.System && q.Pattern == p.Pattern }) {
			continue
		}
		vs.Regex = append(vs.Regex, p)
		ch.PatternsAdded = append(ch.PatternsAdded, p)
	}
	for _, w := range over.Text {
		if slices.Contains(vs.Text, w) {
			continue
		}
		vs.Text = append(vs.Text, w)
		ch.TextAdded = append(ch.TextAdded, w)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, ch, err
	}
	vs.buildIndex()
	if err := vs.compile(); err != nil { // both sides compiled already
		return nil, ch, fmt.Errorf("%s: %w", over.File, err)
	}
	return vs, ch, nil
}

// excluded reports whether base's exclusions hide c.
func (vs *ValueSet) excluded(c Coding) bool {
	code := normCode(c.System, c.Code)
	for i := range vs.exclude {
		if vs.exclude[i].matches(c.System, code) {
			return true
		}
	}
	return false
}

// replaceChange describes over replacing base.
func replaceChange(base, over *ValueSet) OverlayChange {
	var ch OverlayChange
	for _, c := range over.Codes {
		if base.index[newCodeKey(c.System, c.Code)] != nil {
			ch.Kept = append(ch.Kept, c)
		} else {
			ch.Added = append(ch.Added, c)
		}
	}
	for _, c := range base.Codes {
		if over.index[newCodeKey(c.System, c.Code)] == nil {
			ch.Removed = append(ch.Removed, c)
		}
	}
	samePattern := func(a CodePattern) func(CodePattern) bool {
		return func(b CodePattern) bool { return a.System == b.System && a.Pattern == b.Pattern }
	}
	for _, p := range over.Regex {
		if !slices.ContainsFunc(base.Regex, samePattern(p)) {
			ch.PatternsAdded = append(ch.PatternsAdded, p)
		}
	}
	for _, p := range base.Regex {
		if !slices.ContainsFunc(over.Regex, samePattern(p)) {
			ch.PatternsRemoved = append(ch.PatternsRemoved, p)
		}
	}
	for _, w := range over.Text {
		if !slices.Contains(base.Text, w) {
			ch.TextAdded = append(ch.TextAdded, w)
		}
	}
	for _, w := range base.Text {
		if !slices.Contains(over.Text, w) {
			ch.TextRemoved = append(ch.TextRemoved, w)
		}
	}
	return ch
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
	vs, _, err := parseValueSetMode(data, file, overlay)
	return vs, err
}

// parseValueSetMode is parseValueSet, also returning an overlay file's mode
// (OverlayAdd unless it says OverlayReplace).
func parseValueSetMode(data []byte, file string, overlay bool) (*ValueSet, string, error) {
	var raw vsJSON
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, "", fmt.Errorf("%s: not valid JSON: %w", file, err)
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

	mode, modeSet := OverlayAdd, false
	for i, e := range raw.Extension {
		if e.URL == ExtOverlayMode {
			elem := fmt.Sprintf("extension[%d]", i)
			switch {
			case !overlay:
				fail(elem, "overlay-mode is only read in --valuesets overlay files")
			case modeSet:
				fail(elem, "overlay-mode given twice")
			case e.ValueCode == nil || (*e.ValueCode != OverlayAdd && *e.ValueCode != OverlayReplace):
				fail(elem, "overlay-mode needs valueCode \"add\" or \"replace\"")
			default:
				mode = *e.ValueCode
			}
			modeSet = true
			continue
		}
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
						if overlay && mode == OverlayAdd {
							fail(celem, "compose.exclude removes codes, which an overlay that adds cannot do; give the whole set with overlay-mode \"replace\"")
							continue
						}
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
					if overlay && mode == OverlayAdd && part.dst == &vs.Exclude {
						fail(felem, "compose.exclude removes codes, which an overlay that adds cannot do; give the whole set with overlay-mode \"replace\"")
						continue
					}
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
		return nil, "", err
	}
	vs.buildIndex()
	if err := vs.compile(); err != nil { // checked above; cannot fail
		return nil, "", fmt.Errorf("%s: %w", file, err)
	}
	return vs, mode, nil
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
	return wordIn(s, w, func(r, _ rune) bool { return isWordRune(r) })
}

// wordIn reports whether w occurs in s where neither rune beside it joins
// it: joins(r, edge) says whether r, the rune before (after) w, continues
// w's first (last) rune edge.
func wordIn(s, w string, joins func(r, edge rune) bool) bool {
	first, _ := utf8.DecodeRuneInString(w)
	last, _ := utf8.DecodeLastRuneInString(w)
	for from := 0; from <= len(s)-len(w); {
		i := strings.Index(s[from:], w)
		if i < 0 {
			return false
		}
		i += from
		end := i + len(w)
		before, _ := utf8.DecodeLastRuneInString(s[:i])
		after, _ := utf8.DecodeRuneInString(s[end:])
		if (i == 0 || !joins(before, first)) && (end == len(s) || !joins(after, last)) {
			return true
		}
		from = i + 1
	}
	return false
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// matchLowerName is matchLowerText for a drug's name: a digit ends a word
// there, as in the JAK names (containsWord), so "clarithromycin500mg" and
// "fluconazole200mg" (names pharmacy systems write with the strength on)
// name clarithromycin and fluconazole; a letter still continues one
// ("declarithromycin" names nothing), and a digit continues a number
// ("adenovirus type 47" is not type 4).
func (vs *ValueSet) matchLowerName(lt string) (string, bool) {
	for _, w := range vs.Text {
		if hasName(lt, w) {
			return w, true
		}
	}
	return "", false
}

// hasName is hasWord where a letter next to a digit is a word boundary:
// w matches where the rune before its first and after its last is not of
// the same kind (letter or digit) as that first or last rune.
func hasName(s, w string) bool {
	return w != "" && wordIn(s, w, sameKind)
}

// sameKind reports whether a and b are both letters or both digits; a
// rune that is neither (a space, a hyphen) is a word boundary.
func sameKind(a, b rune) bool {
	switch {
	case unicode.IsLetter(a):
		return unicode.IsLetter(b)
	case unicode.IsDigit(a):
		return unicode.IsDigit(b)
	}
	return false
}

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
