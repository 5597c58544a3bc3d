package rules

import "testing"

// TestMutrev5HasName: the boundary mutation review 5 (docs/rules.md
// section 4) made a letter next to a digit continue a word in a drug's
// name (sameKind: a letter before a word that begins with a digit, or
// after one that ends with one) and no test failed: the words the value
// sets hold that begin or end with a digit ("acam2000", "laiv4",
// "adenovirus type 4"; "4asa", "5asa" among the words that mean another
// drug) are matched whatever kind of rune is next to them, but for one of
// their own kind. Each side, each kind, at the start and end of the text.
func TestMutrev5HasName(t *testing.T) {
	for _, c := range []struct {
		s, w string
		want bool
	}{
		// A word ending in a digit: a letter after it ends it, a digit does not.
		{"acam2000inj", "acam2000", true},
		{"acam2000 inj", "acam2000", true},
		{"acam20001", "acam2000", false},
		{"flumist laiv4quad", "laiv4", true},
		{"laiv45", "laiv4", false},
		{"adenovirus type 4and7", "adenovirus type 4", true},
		{"adenovirus type 47", "adenovirus type 4", false},
		// A word beginning with a digit: a letter before it ends the
		// word before, a digit does not.
		{"pas4asa500mg", "4asa", true},
		{"14asa", "4asa", false},
		// A word beginning and ending with a letter: a digit on either
		// side is a boundary, a letter is not.
		{"clarithromycin500mg", "clarithromycin", true},
		{"2clarithromycin", "clarithromycin", true},
		{"declarithromycin500mg", "clarithromycin", false},
		{"clarithromycine", "clarithromycin", false},
		// A later match after an earlier one that fails.
		{"xasa asa", "asa", true},
		// Every occurrence is tried, overlapping ones too.
		{"xa-a-a", "a-a", true},
		{"", "asa", false},
		{"asa", "", false},
	} {
		if got := hasName(c.s, c.w); got != c.want {
			t.Errorf("hasName(%q, %q) = %v, want %v", c.s, c.w, got, c.want)
		}
	}
}

// TestMutrev5UnglueDigits: a digit after a letter is spaced from it at
// every position, the second byte too (the review's "i > 1" survived).
func TestMutrev5UnglueDigits(t *testing.T) {
	for in, want := range map[string]string{
		"a81mg":         "a 81mg",
		"aspirin81mg":   "aspirin 81mg",
		"81mg":          "81mg",
		"aspirin 81 mg": "aspirin 81 mg",
		"x1y2":          "x 1y 2",
		"":              "",
	} {
		if got := unglueDigits(in); got != want {
			t.Errorf("unglueDigits(%q) = %q, want %q", in, got, want)
		}
	}
}
