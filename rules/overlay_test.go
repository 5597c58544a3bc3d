package rules

import (
	"strings"
	"testing"
	"testing/fstest"
)

const replaceMode = `"extension":[{"url":"https://jakguard.org/fhir/StructureDefinition/overlay-mode","valueCode":"replace"}]`

func changeOf(t *testing.T, k *Knowledge, id string) OverlayChange {
	t.Helper()
	for _, c := range k.OverlayChanges() {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no overlay change for %s in %+v", id, k.OverlayChanges())
	return OverlayChange{}
}

// The issue 18 case: a site overlay hbsag.json with one local code must not
// drop the built-in LOINC codes (a patient with a recorded HBsAg result
// would get a false hbv-screening-missing).
func TestOverlayAddsByDefault(t *testing.T) {
	builtin := mustLoadKB(t, nil)
	overlay := fstest.MapFS{
		"hbsag.json": kbOverlayFile("hbsag", `"expansion":{"contains":[
			{"system":"urn:oid:1.2.840.999","code":"HBSAG-LOCAL","display":"HBsAg (local)"},
			{"system":"http://loinc.org","code":"5196-1","extension":[{"url":"https://jakguard.org/fhir/StructureDefinition/grade","valueCode":"C"}]}]}`),
		"upadacitinib.json": kbOverlayFile("upadacitinib", `"extension":[{"url":"https://jakguard.org/fhir/StructureDefinition/text-match","valueString":"Upa-Local"},
			{"url":"https://jakguard.org/fhir/StructureDefinition/text-match","valueString":"rinvoq"}]`),
		"malignancy.json": kbOverlayFile("malignancy", `"compose":{"include":[{`+kbGradeC+`,"system":"urn:oid:1.2.840.999","filter":[{"property":"code","op":"regex","value":"ONC-[0-9]+"}]}]}`),
		"notes.txt":       {Data: []byte("ignored")},
	}
	k := mustLoadKB(t, overlay)

	for _, code := range []string{"5196-1", "5195-3"} {
		if !k.Has(VSHBsAg, []Coding{kbLoinc(code)}) {
			t.Errorf("built-in LOINC %s no longer matches hbsag", code)
		}
	}
	local := Coding{System: "urn:oid:1.2.840.999", Code: "HBSAG-LOCAL"}
	if !k.Has(VSHBsAg, []Coding{local}) {
		t.Error("the overlay's local code does not match")
	}
	if got, want := len(k.Codes(VSHBsAg)), len(builtin.Codes(VSHBsAg))+1; got != want {
		t.Errorf("hbsag has %d codes, want %d (built-in plus one)", got, want)
	}
	for _, c := range k.Codes(VSHBsAg) {
		switch c.Code {
		case "HBSAG-LOCAL":
			if c.Source != "overlay" || c.Grade != "A" || c.Unverified {
				t.Errorf("local code provenance %+v, want source overlay, grade A", c)
			}
		case "5196-1":
			if c.Grade == "C" || c.Source == "overlay" {
				t.Errorf("a built-in code listed again by the overlay took the overlay's provenance: %+v", c)
			}
		}
	}
	if k.Unverified(VSHBsAg, []Coding{kbLoinc("5196-1")}) {
		t.Error("the overlay re-graded a built-in code")
	}
	ch := changeOf(t, k, VSHBsAg)
	if ch.Mode != OverlayAdd || ch.File != "overlay:hbsag.json" || len(ch.Added) != 1 || len(ch.Kept) != 1 || len(ch.Removed) != 0 {
		t.Errorf("hbsag change = %+v", ch)
	}
	if vs, _ := k.Set(VSHBsAg); vs.File != "valuesets/hbsag.json + overlay:hbsag.json" {
		t.Errorf("File = %q", vs.File)
	}

	// Text-match words join the built-in ones (lower-cased, no duplicates).
	if !k.HasText(VSUpadacitinib, "UPA-LOCAL 15 mg") || !k.HasText(VSUpadacitinib, "Rinvoq 15 mg") || !k.HasText(VSUpadacitinib, "upadacitinib") {
		t.Error("overlay text words do not join the built-in ones")
	}
	if ch := changeOf(t, k, VSUpadacitinib); len(ch.TextAdded) != 1 || ch.TextAdded[0] != "upa-local" {
		t.Errorf("upadacitinib text added = %q, want [upa-local]", ch.TextAdded)
	}

	// Patterns join, with the overlay's grade; the built-in exclusions stay.
	if !k.Has(VSMalignancy, []Coding{{System: "urn:oid:1.2.840.999", Code: "ONC-12"}}) || !k.Unverified(VSMalignancy, []Coding{{System: "urn:oid:1.2.840.999", Code: "ONC-12"}}) {
		t.Error("overlay pattern not added with its grade")
	}
	if !k.Has(VSMalignancy, []Coding{kbICD("C50.9")}) || k.Has(VSMalignancy, []Coding{kbICD("C44.91")}) {
		t.Error("built-in malignancy pattern or exclusion lost")
	}

	if !k.Has(VSUpadacitinib, []Coding{kbRx("2196092")}) {
		t.Error("a set the overlay does not name was lost")
	}
}

// Replacing is explicit: the overlay-mode extension with valueCode
// "replace" makes the file the whole set.
func TestOverlayReplaceWhenTheFileSaysSo(t *testing.T) {
	builtin := mustLoadKB(t, nil)
	overlay := fstest.MapFS{"hbsag.json": kbOverlayFile("hbsag", replaceMode+`,"expansion":{"contains":[
		{"system":"http://loinc.org","code":"5196-1"},{"system":"urn:oid:1.2.840.999","code":"HBSAG-LOCAL"}]}`)}
	k := mustLoadKB(t, overlay)
	if k.Has(VSHBsAg, []Coding{kbLoinc("5195-3")}) {
		t.Error("replace kept a built-in code the file does not list")
	}
	if !k.Has(VSHBsAg, []Coding{kbLoinc("5196-1")}) || !k.Has(VSHBsAg, []Coding{{System: "urn:oid:1.2.840.999", Code: "HBSAG-LOCAL"}}) {
		t.Error("replace lost a code of the file")
	}
	if c := k.Codes(VSHBsAg); len(c) != 2 || c[0].Source != "overlay" {
		t.Errorf("replaced set codes = %+v, want the file's two with its provenance", c)
	}
	ch := changeOf(t, k, VSHBsAg)
	if ch.Mode != OverlayReplace || len(ch.Added) != 1 || len(ch.Kept) != 1 || len(ch.Removed) != len(builtin.Codes(VSHBsAg))-1 {
		t.Errorf("change = %+v", ch)
	}
	if vs, _ := k.Set(VSHBsAg); vs.File != "overlay:hbsag.json" {
		t.Errorf("File = %q", vs.File)
	}

	// A replace may exclude; a replaced set loses the built-in text words.
	k = mustLoadKB(t, fstest.MapFS{"upadacitinib.json": kbOverlayFile("upadacitinib", `"extension":[
		{"url":"https://jakguard.org/fhir/StructureDefinition/overlay-mode","valueCode":"replace"},
		{"url":"https://jakguard.org/fhir/StructureDefinition/text-match","valueString":"rinvoq"}],
		"compose":{"include":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","concept":[{"code":"2196092"}]}],
		"exclude":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","concept":[{"code":"9999999"}]}]}`)})
	if k.HasText(VSUpadacitinib, "upadacitinib 15 mg") || !k.HasText(VSUpadacitinib, "rinvoq") {
		t.Error("replace: text words not replaced")
	}
	if ch := changeOf(t, k, VSUpadacitinib); len(ch.TextRemoved) == 0 {
		t.Errorf("replace: removed text words not reported: %+v", ch)
	}
}

func TestOverlayRefusals(t *testing.T) {
	tests := []struct {
		name    string
		files   fstest.MapFS
		wantErr string
	}{
		{"id no rule uses", fstest.MapFS{"local-cancer.json": kbOverlayFile("local-cancer", `"expansion":{"contains":[{"system":"s","code":"1"}]}`)},
			`overlay:local-cancer.json: id "local-cancer" is not a value set jakguard uses`},
		{"id differing in case is named", fstest.MapFS{"x.json": kbOverlayFile("HBsAg", `"expansion":{"contains":[{"system":"s","code":"1"}]}`)},
			`did you mean "hbsag"?`},
		{"unknown mode", fstest.MapFS{"hbsag.json": kbOverlayFile("hbsag", `"extension":[{"url":"https://jakguard.org/fhir/StructureDefinition/overlay-mode","valueCode":"merge"}],"expansion":{"contains":[{"system":"s","code":"1"}]}`)},
			`overlay:hbsag.json: extension[0]: overlay-mode needs valueCode "add" or "replace"`},
		{"mode as a string", fstest.MapFS{"hbsag.json": kbOverlayFile("hbsag", `"extension":[{"url":"https://jakguard.org/fhir/StructureDefinition/overlay-mode","valueString":"replace"}],"expansion":{"contains":[{"system":"s","code":"1"}]}`)},
			`overlay-mode needs valueCode`},
		{"mode twice", fstest.MapFS{"hbsag.json": kbOverlayFile("hbsag", `"extension":[{"url":"https://jakguard.org/fhir/StructureDefinition/overlay-mode","valueCode":"add"},{"url":"https://jakguard.org/fhir/StructureDefinition/overlay-mode","valueCode":"replace"}],"expansion":{"contains":[{"system":"s","code":"1"}]}`)},
			`extension[1]: overlay-mode given twice`},
		{"exclude in an adding overlay", fstest.MapFS{"malignancy.json": kbOverlayFile("malignancy", `"compose":{"include":[{"system":"s","concept":[{"code":"1"}]}],"exclude":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","concept":[{"code":"C50.9"}]}]}`)},
			`overlay:malignancy.json: compose.exclude[0].concept[0]: compose.exclude removes codes, which an overlay that adds cannot do`},
		{"exclude pattern in an adding overlay", fstest.MapFS{"malignancy.json": kbOverlayFile("malignancy", `"compose":{"include":[{"system":"s","concept":[{"code":"1"}]}],"exclude":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","filter":[{"property":"code","op":"regex","value":"C50.*"}]}]}`)},
			`compose.exclude[0].filter[0]: compose.exclude removes codes`},
		{"added code hidden by a built-in exclusion", fstest.MapFS{"malignancy.json": kbOverlayFile("malignancy", `"expansion":{"contains":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"C44.91"}]}`)},
			`overlay:malignancy.json: code http://hl7.org/fhir/sid/icd-10-cm|C44.91 is excluded by the built-in set`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k, err := LoadKnowledge(tc.files)
			if err == nil {
				t.Fatalf("LoadKnowledge succeeded (%d sets), want error %q", len(k.IDs()), tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %q\ndoes not contain %q", err, tc.wantErr)
			}
		})
	}
	// The built-in files cannot carry the mode.
	_, err := parseValueSet([]byte(`{"resourceType":"ValueSet","id":"hbsag",`+replaceMode+`,"expansion":{"contains":[{"system":"s","code":"1",`+kbGradeA+`}]}}`), "valuesets/hbsag.json", false)
	if err == nil || !strings.Contains(err.Error(), "overlay-mode is only read in --valuesets overlay files") {
		t.Errorf("built-in file with overlay-mode: %v", err)
	}
}

// The revision names the overlay's content, so the same files give the same
// revision and any change (the mode included) gives another.
func TestOverlayRevision(t *testing.T) {
	add := fstest.MapFS{"hbsag.json": kbOverlayFile("hbsag", `"expansion":{"contains":[{"system":"http://loinc.org","code":"LOCAL-1"}]}`)}
	rev := mustLoadKB(t, add).Revision()
	if !strings.HasPrefix(rev, BuiltinRevision+"+overlay.") || len(rev) != len(BuiltinRevision)+len("+overlay.")+12 {
		t.Errorf("Revision() = %q, want %s+overlay.<12 hex>", rev, BuiltinRevision)
	}
	if again := mustLoadKB(t, add).Revision(); again != rev {
		t.Errorf("same overlay gave revision %q then %q", rev, again)
	}
	replace := fstest.MapFS{"hbsag.json": kbOverlayFile("hbsag", replaceMode+`,"expansion":{"contains":[{"system":"http://loinc.org","code":"LOCAL-1"}]}`)}
	if other := mustLoadKB(t, replace).Revision(); other == rev {
		t.Error("a different overlay gave the same revision")
	}
	if len(mustLoadKB(t, nil).OverlayChanges()) != 0 {
		t.Error("changes reported without an overlay")
	}
}
