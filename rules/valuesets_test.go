package rules

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
)

func mustLoadKB(tb testing.TB, overlay fs.FS) *Knowledge {
	tb.Helper()
	k, err := LoadKnowledge(overlay)
	if err != nil {
		tb.Fatalf("LoadKnowledge: %v", err)
	}
	return k
}

func TestLoadKnowledgeBuiltin(t *testing.T) {
	k := mustLoadKB(t, nil)
	if got := k.Revision(); got != BuiltinRevision {
		t.Errorf("Revision() = %q, want %q", got, BuiltinRevision)
	}
	for _, id := range ValueSetIDs() {
		vs, ok := k.Set(id)
		if !ok {
			t.Errorf("value set %q not loaded", id)
			continue
		}
		if vs.ID != id || vs.URL != "https://jakguard.org/fhir/ValueSet/"+id || vs.Title == "" || vs.Description == "" {
			t.Errorf("%s: id %q url %q title %q: want id, canonical url, title and description", id, vs.ID, vs.URL, vs.Title)
		}
		if vs.File != "valuesets/"+id+".json" {
			t.Errorf("%s: loaded from %q, want valuesets/%s.json (file named after its id)", id, vs.File, id)
		}
		if len(vs.Codes) == 0 && len(vs.Text) == 0 && len(vs.Regex) == 0 {
			t.Errorf("%s: no codes, patterns or text-match words", id)
		}
	}
	if extra := len(k.IDs()) - len(ValueSetIDs()); extra != 0 {
		t.Errorf("%d built-in value sets are not named in concepts.go", extra)
	}
}

// TestValueSetIDsComplete checks that ValueSetIDs lists every VS* constant
// of concepts.go, so LoadKnowledge checks them all.
func TestValueSetIDsComplete(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "concepts.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var consts []string
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok {
			return true
		}
		for i, name := range vs.Names {
			if strings.HasPrefix(name.Name, "VS") && i < len(vs.Values) {
				if lit, ok := vs.Values[i].(*ast.BasicLit); ok {
					s, _ := strconv.Unquote(lit.Value)
					consts = append(consts, s)
				}
			}
		}
		return true
	})
	ids := ValueSetIDs()
	slices.Sort(consts)
	slices.Sort(ids)
	if !slices.Equal(consts, ids) {
		t.Errorf("ValueSetIDs() = %v\nconstants   = %v", ids, consts)
	}
}

// TestBuiltinProvenance checks every built-in code: system and code present,
// a known grade and source, Unverified exactly for C and U, each set using
// only the code systems its kind allows, and LOINC check digits valid.
func TestBuiltinProvenance(t *testing.T) {
	k := mustLoadKB(t, nil)
	meds := []string{VSUpadacitinib, VSAbrocitinib, VSOtherJAK, VSBiologics, VSImmunosuppressants, VSAntiplatelets, VSAspirin,
		VSCYP3A4StrongInhibitors, VSCYP3A4StrongInducers, VSCYP2C19StrongInhibitors, VSCYP2C19CYP2C9Inhibitors,
		VSCYP2C19CYP2C9Inducers, VSTBTreatment, VSPriorSystemicADTherapy, VSPgpSubstratesNTI}
	labs := []string{VSPregnancyStatus, VSTBTest, VSHBsAg, VSHBcAb, VSHBVDNA, VSHCVAb, VSHCVRNA, VSCBCPanel, VSLymphocytes, VSNeutrophils,
		VSHemoglobin, VSPlatelets, VSALT, VSAST, VSLipids, VSLipidPanelOrLDL, VSPregnancyTest, VSEGFR, VSSmokingStatus,
		VSBodyWeight, VSChildPugh, VSCYP2C19Genotype}
	answers := []string{VSResultPositive, VSResultNegative, VSResultIndeterminate, VSSmokerAnswers}
	vaccines := []string{VSZosterRecombinant, VSLiveVaccines}
	allowed := func(id string) []string {
		switch {
		case slices.Contains(meds, id):
			return []string{SystemRxNorm, systemNDC}
		case id == VSCYP2C19Genotype: // the gene itself (HGNC) names CYP2C19 in genomics reports
			return []string{SystemLOINC, systemHGNC}
		case slices.Contains(labs, id):
			return []string{SystemLOINC}
		case id == VSCYP2C19PoorMetabolizer: // LOINC answer (LA) codes or SNOMED CT
			return []string{SystemLOINC, SystemSNOMED}
		case slices.Contains(answers, id):
			return []string{SystemSNOMED}
		case id == VSLiveVaccines: // CVX for Immunization, RxNorm/NDC for orders
			return []string{SystemCVX, SystemRxNorm, systemNDC}
		case slices.Contains(vaccines, id):
			return []string{SystemCVX}
		}
		return []string{SystemSNOMED, SystemICD10CM}
	}
	for _, id := range k.IDs() {
		vs, _ := k.Set(id)
		for i, c := range vs.Codes {
			where := fmt.Sprintf("%s: code[%d] %s", id, i, c.Code)
			if c.System == "" || c.Code == "" || c.Source == "" {
				t.Errorf("%s: system %q code %q source %q: all required", where, c.System, c.Code, c.Source)
			}
			if !strings.Contains("ABCU", c.Grade) || len(c.Grade) != 1 {
				t.Errorf("%s: grade %q", where, c.Grade)
			}
			if c.Unverified != (c.Grade == "C" || c.Grade == "U") {
				t.Errorf("%s: grade %s but Unverified=%v", where, c.Grade, c.Unverified)
			}
			if !slices.Contains(allowed(id), c.System) {
				t.Errorf("%s: system %s not expected in this set", where, c.System)
			}
			if c.System == SystemLOINC && !strings.HasPrefix(c.Code, "LA") && !loincCheckDigitOK(c.Code) { // answer ids (LA) use no mod-10 check
				t.Errorf("%s: LOINC check digit fails", where)
			}
		}
		for _, p := range append(slices.Clone(vs.Regex), vs.Exclude...) {
			if p.System != SystemICD10CM || p.Grade == "" || p.Source == "" {
				t.Errorf("%s: pattern %q: system %q grade %q source %q", id, p.Pattern, p.System, p.Grade, p.Source)
			}
		}
	}
}

// Code systems only the value set files use (the rules compare them as strings).
const (
	systemNDC  = "http://hl7.org/fhir/sid/ndc"
	systemHGNC = "http://www.genenames.org"
)

// loincCheckDigitOK runs the LOINC mod-10 check.
func loincCheckDigitOK(code string) bool {
	body, check, ok := strings.Cut(code, "-")
	if !ok || len(check) != 1 {
		return false
	}
	sum := 0
	for i := 0; i < len(body); i++ {
		d := int(body[len(body)-1-i] - '0')
		if d < 0 || d > 9 {
			return false
		}
		if i%2 == 0 {
			d *= 2
			d = d/10 + d%10
		}
		sum += d
	}
	return (10-sum%10)%10 == int(check[0]-'0')
}

func TestLoincCheckDigit(t *testing.T) {
	for code, want := range map[string]bool{
		"13952-7": true, "13952-0": false, // knowledge base section 7: bad check digit seen in public repos
		"42595-9": true, "42595-7": false,
		"38372-3": false, "11580-3": false,
		"718-7": true, "x-1": false,
	} {
		if got := loincCheckDigitOK(code); got != want {
			t.Errorf("loincCheckDigitOK(%q) = %v, want %v", code, got, want)
		}
	}
}

func kbRx(code string) Coding    { return Coding{System: SystemRxNorm, Code: code} }
func kbLoinc(code string) Coding { return Coding{System: SystemLOINC, Code: code} }
func kbSCT(code string) Coding   { return Coding{System: SystemSNOMED, Code: code} }
func kbICD(code string) Coding   { return Coding{System: SystemICD10CM, Code: code} }
func kbCVX(code string) Coding   { return Coding{System: SystemCVX, Code: code} }

// TestBuiltinMembership pins the clinical decisions of the knowledge base.
func TestBuiltinMembership(t *testing.T) {
	k := mustLoadKB(t, nil)
	tests := []struct {
		name string
		set  string
		code Coding
		want bool
	}{
		{"upadacitinib ingredient triggers", VSUpadacitinib, kbRx("2196092"), true},
		{"RINVOQ product RxCUI triggers", VSUpadacitinib, kbRx("2196894"), true},
		{"RINVOQ product from DailyMed triggers", VSUpadacitinib, kbRx("2596957"), true},
		{"abrocitinib ingredient triggers", VSAbrocitinib, kbRx("2591476"), true},
		{"CIBINQO product RxCUI triggers", VSAbrocitinib, kbRx("2591495"), true},
		{"abrocitinib is not upadacitinib", VSUpadacitinib, kbRx("2591476"), false},
		{"RxNorm code under the wrong system does not match", VSUpadacitinib, kbLoinc("2196092"), false},
		{"code with surrounding spaces still matches", VSUpadacitinib, kbRx(" 2196092 "), true},
		{"tofacitinib is another JAK inhibitor", VSOtherJAK, kbRx("1357536"), true},
		{"ruxolitinib ingredient (oral or topical) is another JAK inhibitor", VSOtherJAK, kbRx("1193326"), true},
		{"dupilumab (recalled RxCUI) is a biologic", VSBiologics, kbRx("1876376"), true},
		{"adalimumab product is a biologic", VSBiologics, kbRx("727703"), true},
		{"cyclosporine is a potent immunosuppressant", VSImmunosuppressants, kbRx("3008"), true},
		{"selexipag is not an antiplatelet here", VSAntiplatelets, kbRx("1729002"), false},
		{"aspirin alone is not in antiplatelets (dose decides)", VSAntiplatelets, kbRx("1191"), false},
		{"aspirin/dipyridamole is an antiplatelet", VSAntiplatelets, kbRx("226716"), true},
		{"aspirin/dipyridamole is not plain aspirin", VSAspirin, kbRx("226716"), false},
		{"aspirin 81 mg tablet is aspirin", VSAspirin, kbRx("243670"), true},
		{"clarithromycin is a strong CYP3A4 inhibitor", VSCYP3A4StrongInhibitors, kbRx("21212"), true},
		{"rifampin is a strong CYP3A4 inducer", VSCYP3A4StrongInducers, kbRx("9384"), true},
		{"fluconazole is a dual CYP2C19/2C9 inhibitor", VSCYP2C19CYP2C9Inhibitors, kbRx("4450"), true},
		{"fluconazole is not in the dose-reduction set", VSCYP2C19StrongInhibitors, kbRx("4450"), false},
		{"rifampin is a CYP2C19/2C9 inducer", VSCYP2C19CYP2C9Inducers, kbRx("9384"), true},
		{"rifampin treats TB", VSTBTreatment, kbRx("9384"), true},
		{"methotrexate is prior systemic AD therapy", VSPriorSystemicADTherapy, kbRx("6851"), true},
		{"IGRA qualitative is a TB test", VSTBTest, kbLoinc("71773-6"), true},
		{"IGRA mitogen control is not a TB result", VSTBTest, kbLoinc("45323-3"), false},
		{"HBsAg immunoassay", VSHBsAg, kbLoinc("5196-1"), true},
		{"anti-HBc with the valid check digit", VSHBcAb, kbLoinc("13952-7"), true},
		{"anti-HBc with the bad check digit seen in public repos", VSHBcAb, kbLoinc("13952-0"), false},
		{"HBV DNA bad check digit rejected", VSHBVDNA, kbLoinc("42595-7"), false},
		{"7905-3 is not HCV RNA", VSHCVRNA, kbLoinc("7905-3"), false},
		{"HCV RNA presence", VSHCVRNA, kbLoinc("11259-9"), true},
		{"57021-8 is a CBC panel", VSCBCPanel, kbLoinc("57021-8"), true},
		{"57021-8 is not lipids", VSLipids, kbLoinc("57021-8"), false},
		{"LDL calculated is a lipid result", VSLipids, kbLoinc("13457-7"), true},
		{"LDL calculated makes a baseline lipid panel", VSLipidPanelOrLDL, kbLoinc("13457-7"), true},
		{"lipid panel makes a baseline lipid panel", VSLipidPanelOrLDL, kbLoinc("57698-3"), true},
		{"HDL alone is not a baseline lipid panel", VSLipidPanelOrLDL, kbLoinc("2085-9"), false},
		{"triglycerides alone are not a baseline lipid panel", VSLipidPanelOrLDL, kbLoinc("2571-8"), false},
		{"lymphocyte percentage is not a count", VSLymphocytes, kbLoinc("736-9"), false},
		{"neutrophil percentage is not a count", VSNeutrophils, kbLoinc("770-8"), false},
		{"hemoglobin in mmol/L code", VSHemoglobin, kbLoinc("59260-0"), true},
		{"platelets automated", VSPlatelets, kbLoinc("777-3"), true},
		{"eGFR MDRD older code (Synthea)", VSEGFR, kbLoinc("33914-3"), true},
		{"82334004 is Indeterminate", VSResultIndeterminate, kbSCT("82334004"), true},
		{"419984006 Inconclusive does not screen", VSResultIndeterminate, kbSCT("419984006"), true},
		{"419984006 is not positive", VSResultPositive, kbSCT("419984006"), false},
		{"Reactive is positive", VSResultPositive, kbSCT("11214006"), true},
		{"Never smoker is not a smoker", VSSmokerAnswers, kbSCT("266919005"), false},
		{"Former smoker is a smoker", VSSmokerAnswers, kbSCT("8517006"), true},
		{"atopic dermatitis SNOMED", VSAtopicDermatitis, kbSCT("24079001"), true},
		{"atopic dermatitis ICD-10-CM without the dot", VSAtopicDermatitis, kbICD("L209"), true},
		{"atopic dermatitis ICD-10-CM lower case", VSAtopicDermatitis, kbICD("l20.89"), true},
		{"ICD-10-CM L21 is not atopic dermatitis", VSAtopicDermatitis, kbICD("L21.9"), false},
		{"tuberculosis of lung", VSActiveTB, kbICD("A15.0"), true},
		{"miliary TB by pattern", VSActiveTB, kbICD("A19.9"), true},
		{"latent TB is not active TB", VSActiveTB, kbICD("Z22.7"), false},
		{"latent TB", VSLatentTB, kbICD("Z22.7"), true},
		{"chronic hepatitis B", VSChronicHBV, kbICD("B18.1"), true},
		{"esophageal varices by range pattern", VSSevereHepatic, kbICD("I85.11"), true},
		{"outside the varices range", VSSevereHepatic, kbICD("I85.12"), false},
		{"lung cancer by chapter pattern", VSMalignancy, kbICD("C34.90"), true},
		{"breast cancer by chapter pattern", VSMalignancy, kbICD("C50.911"), true},
		{"Merkel cell carcinoma C4A", VSMalignancy, kbICD("C4A.9"), true},
		{"basal cell carcinoma is excluded from malignancy", VSMalignancy, kbICD("C44.91"), false},
		{"basal cell carcinoma without dot is excluded too", VSMalignancy, kbICD("C4491"), false},
		{"C97 is outside C00-C96", VSMalignancy, kbICD("C97"), false},
		{"carcinoma in situ is not malignancy", VSMalignancy, kbICD("D05.10"), false},
		{"melanoma is a malignancy", VSMalignancy, kbSCT("372244006"), true},
		{"basal cell carcinoma is NMSC", VSNMSC, kbICD("C44.91"), true},
		{"history of pulmonary embolism", VSVTE, kbICD("Z86.711"), true},
		{"factor V Leiden", VSThrombophilia, kbICD("D68.51"), true},
		{"old myocardial infarction", VSMyocardialInfarction, kbICD("I25.2"), true},
		{"tobacco use", VSSmokerCondition, kbICD("Z72.0"), true},
		{"sepsis", VSSeriousInfection, kbICD("A41.9"), true},
		{"ESRD", VSSevereRenal, kbICD("N18.6"), true},
		{"Shingrix", VSZosterRecombinant, kbCVX("187"), true},
		{"zoster unspecified does not prove recombinant", VSZosterRecombinant, kbCVX("188"), false},
		{"live zoster is live", VSLiveVaccines, kbCVX("121"), true},
		{"MMR 03", VSLiveVaccines, kbCVX("03"), true},
		{"MMR sent as 3", VSLiveVaccines, kbCVX("3"), true},
		{"JYNNEOS (non-replicating) is not in live vaccines", VSLiveVaccines, kbCVX("206"), false},
		{"Shingrix is not live", VSLiveVaccines, kbCVX("187"), false},
		{"unknown set never matches", "no-such-set", kbRx("2196092"), false},
		{"empty code never matches", VSLiveVaccines, kbCVX(""), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := k.Has(tc.set, []Coding{tc.code}); got != tc.want {
				t.Errorf("Has(%s, %v) = %v, want %v", tc.set, tc.code, got, tc.want)
			}
		})
	}
}

func TestMatchReturnsTheMatchingCoding(t *testing.T) {
	k := mustLoadKB(t, nil)
	codes := []Coding{kbLoinc("999-9"), kbRx("1"), kbRx("2591476")}
	got, ok := k.Match(VSAbrocitinib, codes)
	if !ok || got.Code != "2591476" {
		t.Errorf("Match = %v, %v; want the abrocitinib coding", got, ok)
	}
	if _, ok := k.Match(VSAbrocitinib, codes[:2]); ok {
		t.Error("Match found a code that is not in the set")
	}
}

func TestUnverified(t *testing.T) {
	k := mustLoadKB(t, nil)
	tests := []struct {
		name  string
		set   string
		codes []Coding
		want  bool
	}{
		{"grade A ingredient", VSUpadacitinib, []Coding{kbRx("2196092")}, false},
		{"grade B product", VSUpadacitinib, []Coding{kbRx("2196894")}, false},
		{"recalled dupilumab RxCUI (U)", VSBiologics, []Coding{kbRx("1876376")}, true},
		{"U code alongside an A code: the A code verifies the match", VSBiologics, []Coding{kbRx("1876376"), kbRx("327361")}, false},
		{"grade C eGFR code", VSEGFR, []Coding{kbLoinc("33914-3")}, true},
		{"grade C pattern (E08 diabetes category, not read in the CMS list)", VSDiabetes, []Coding{kbICD("E08.65")}, true},
		{"grade A pattern (E09-E13 diabetes categories, read in the CMS list)", VSDiabetes, []Coding{kbICD("E11.65")}, false},
		{"grade A listed code", VSDiabetes, []Coding{kbICD("E11.9")}, false},
		{"grade A chapter pattern", VSMalignancy, []Coding{kbICD("C50.911")}, false},
		{"no match is not unverified", VSBiologics, []Coding{kbRx("1")}, false},
		{"unknown set", "nope", []Coding{kbRx("1876376")}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := k.Unverified(tc.set, tc.codes); got != tc.want {
				t.Errorf("Unverified = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestHasText(t *testing.T) {
	k := mustLoadKB(t, nil)
	tests := []struct {
		name, set, text string
		want            string // matched word, "" for no match
	}{
		{"brand name, mixed case", VSUpadacitinib, "Rinvoq 15 mg", "rinvoq"},
		{"RxNorm clinical drug name", VSUpadacitinib, "24 HR upadacitinib 30 MG Extended Release Oral Tablet", "upadacitinib"},
		{"RINVOQ LQ", VSUpadacitinib, "RINVOQ LQ 1 MG/ML oral solution", "rinvoq"},
		{"brand in brackets", VSAbrocitinib, "abrocitinib 100 MG Oral Tablet [Cibinqo]", "abrocitinib"},
		{"CIBINQO upper case", VSAbrocitinib, "CIBINQO 200MG tablet", "cibinqo"},
		{"word inside another word does not match", VSUpadacitinib, "nonrinvoq tablet", ""},
		{"plural-like suffix does not match", VSUpadacitinib, "rinvoqs", ""},
		{"abrocitinib text is not upadacitinib", VSUpadacitinib, "abrocitinib 100 mg", ""},
		{"sandbox tofacitinib order", VSOtherJAK, "tofacitinib 5 MG Oral Tablet", "tofacitinib"},
		{"topical ruxolitinib counts as a JAK inhibitor", VSOtherJAK, "ruxolitinib 1.5 % Topical Cream", "ruxolitinib"},
		{"dupilumab has no verified code but matches by text", VSBiologics, "dupilumab 300 MG/2ML Prefilled Syringe [Dupixent]", "dupilumab"},
		{"aspirin/dipyridamole matches antiplatelets by dipyridamole", VSAntiplatelets, "aspirin 25 MG / dipyridamole 200 MG ER capsule", "dipyridamole"},
		{"plain aspirin is not in antiplatelets", VSAntiplatelets, "aspirin 81 MG Oral Tablet", ""},
		{"two-word pattern", VSPriorSystemicADTherapy, "mycophenolic acid 180 MG DR tablet", "mycophenolic acid"},
		{"isoniazid by text", VSTBTreatment, "isoniazid 300 MG Oral Tablet", "isoniazid"},
		{"lab sets have no text patterns", VSHBsAg, "HBsAg", ""},
		{"empty text", VSUpadacitinib, "", ""},
		{"unknown set", "nope", "rinvoq", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := k.MatchText(tc.set, tc.text)
			if ok != (tc.want != "") || got != tc.want {
				t.Errorf("MatchText(%s, %q) = %q, %v; want %q", tc.set, tc.text, got, ok, tc.want)
			}
			if k.HasText(tc.set, tc.text) != ok {
				t.Error("HasText disagrees with MatchText")
			}
		})
	}
}

func TestHasWordBoundaries(t *testing.T) {
	tests := []struct {
		s, w string
		want bool
	}{
		{"mycophenolic acid", "mycophenolic acid", true},
		{"mycophenolate mofetil", "mycophenolate", true},
		{"(rinvoq)", "rinvoq", true},
		{"rinvoq-lq", "rinvoq", true},
		{"xrinvoq rinvoq", "rinvoq", true}, // second occurrence counts
		{"rinvoq2", "rinvoq", false},
		{"érinvoq", "rinvoq", false},
		{"rin", "rinvoq", false},
	}
	for _, tc := range tests {
		if got := hasWord(tc.s, tc.w); got != tc.want {
			t.Errorf("hasWord(%q, %q) = %v, want %v", tc.s, tc.w, got, tc.want)
		}
	}
}

// vsFile builds a ValueSet JSON document for overlay tests.
func kbOverlayFile(id, body string) *fstest.MapFile {
	return &fstest.MapFile{Data: []byte(`{"resourceType":"ValueSet","id":"` + id + `",` + body + `}`)}
}

const (
	kbGradeA = `"extension":[{"url":"https://jakguard.org/fhir/StructureDefinition/source","valueString":"LOCAL"},{"url":"https://jakguard.org/fhir/StructureDefinition/grade","valueCode":"A"}]`
	kbGradeC = `"extension":[{"url":"https://jakguard.org/fhir/StructureDefinition/source","valueString":"LOCAL"},{"url":"https://jakguard.org/fhir/StructureDefinition/grade","valueCode":"C"}]`
)

func TestLoadKnowledgeOverlayErrors(t *testing.T) {
	tests := []struct {
		name    string
		files   fstest.MapFS
		wantErr string
	}{
		{"empty overlay directory", fstest.MapFS{"README.txt": {Data: []byte("x")}}, "no *.json files"},
		{"not JSON", fstest.MapFS{"bad.json": {Data: []byte("{")}}, "overlay:bad.json: not valid JSON"},
		{"wrong resource type", fstest.MapFS{"x.json": {Data: []byte(`{"resourceType":"CodeSystem","id":"x","expansion":{"contains":[{"system":"s","code":"1"}]}}`)}},
			`overlay:x.json: resourceType: is "CodeSystem", want "ValueSet"`},
		{"missing id", fstest.MapFS{"x.json": {Data: []byte(`{"resourceType":"ValueSet","expansion":{"contains":[{"system":"s","code":"1"}]}}`)}},
			"overlay:x.json: id: missing"},
		{"code without code", fstest.MapFS{"hbsag.json": kbOverlayFile("hbsag", `"expansion":{"contains":[{"system":"http://loinc.org","code":"5196-1"},{"system":"http://loinc.org"}]}`)},
			"overlay:hbsag.json: expansion.contains[1]: missing code"},
		{"nested code without system", fstest.MapFS{"x.json": kbOverlayFile("x", `"expansion":{"contains":[{"contains":[{"system":"s","code":"1"},{"code":"2"}]}]}`)},
			"overlay:x.json: expansion.contains[0].contains[1]: missing system"},
		{"bad grade", fstest.MapFS{"x.json": kbOverlayFile("x", `"expansion":{"contains":[{"system":"s","code":"1","extension":[{"url":"https://jakguard.org/fhir/StructureDefinition/grade","valueCode":"X"}]}]}`)},
			`overlay:x.json: expansion.contains[0]: grade "X" is not A, B, C or U`},
		{"duplicate code", fstest.MapFS{"x.json": kbOverlayFile("x", `"expansion":{"contains":[{"system":"s","code":"1"},{"system":"s","code":"1"}]}`)},
			"overlay:x.json: expansion.contains[1]: duplicate code s|1"},
		{"regex does not compile", fstest.MapFS{"x.json": kbOverlayFile("x", `"compose":{"include":[{"system":"s","filter":[{"property":"code","op":"regex","value":"C(0"}]}]}`)},
			"overlay:x.json: compose.include[0].filter[0]: regex does not compile"},
		{"unsupported filter", fstest.MapFS{"x.json": kbOverlayFile("x", `"compose":{"include":[{"system":"http://snomed.info/sct","filter":[{"property":"concept","op":"is-a","value":"363346000"}]}]}`)},
			`overlay:x.json: compose.include[0].filter[0]: only property "code" with op "regex" is supported, got "concept" "is-a"`},
		{"include without system", fstest.MapFS{"x.json": kbOverlayFile("x", `"compose":{"include":[{"filter":[{"property":"code","op":"regex","value":"C.*"}]}]}`)},
			"overlay:x.json: compose.include[0]: missing system"},
		{"value set reference", fstest.MapFS{"x.json": kbOverlayFile("x", `"compose":{"include":[{"system":"s","valueSet":["http://x"]}]}`)},
			"overlay:x.json: compose.include[0].valueSet: references to other value sets are not supported"},
		{"empty text-match", fstest.MapFS{"x.json": kbOverlayFile("x", `"extension":[{"url":"https://jakguard.org/fhir/StructureDefinition/text-match","valueString":" "}],"expansion":{"contains":[{"system":"s","code":"1"}]}`)},
			"overlay:x.json: extension[0]: empty text-match"},
		{"empty value set", fstest.MapFS{"x.json": kbOverlayFile("x", `"expansion":{"contains":[]}`)},
			"overlay:x.json: expansion.contains: the value set has no codes, patterns or text matches"},
		{"same id twice in the overlay", fstest.MapFS{
			"a.json": kbOverlayFile("x", `"expansion":{"contains":[{"system":"s","code":"1"}]}`),
			"b.json": kbOverlayFile("x", `"expansion":{"contains":[{"system":"s","code":"2"}]}`)},
			`overlay:b.json: id "x" already defined in overlay:a.json`},
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
}

// TestParseValueSetBuiltinRules: the built-in files need explicit provenance,
// and errors read like "valuesets/hbsag.json: expansion.contains[3]: missing code".
func TestParseValueSetBuiltinRules(t *testing.T) {
	tests := []struct {
		name, body, wantErr string
	}{
		{"missing code", `"expansion":{"contains":[{"system":"s","code":"1",` + kbGradeA + `},{"system":"s","code":"2",` + kbGradeA + `},{"system":"s","code":"3",` + kbGradeA + `},{"system":"s"}]}`,
			"valuesets/hbsag.json: expansion.contains[3]: missing code"},
		{"missing grade", `"expansion":{"contains":[{"system":"s","code":"1","extension":[{"url":"https://jakguard.org/fhir/StructureDefinition/source","valueString":"X"}]}]}`,
			"valuesets/hbsag.json: expansion.contains[0]: missing grade extension"},
		{"missing source", `"expansion":{"contains":[{"system":"s","code":"1","extension":[{"url":"https://jakguard.org/fhir/StructureDefinition/grade","valueCode":"A"}]}]}`,
			"valuesets/hbsag.json: expansion.contains[0]: missing source extension"},
		{"pattern without grade", `"compose":{"include":[{"system":"s","filter":[{"property":"code","op":"regex","value":"C.*"}]}]}`,
			"valuesets/hbsag.json: compose.include[0]: missing grade extension"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseValueSet([]byte(`{"resourceType":"ValueSet","id":"hbsag",`+tc.body+`}`), "valuesets/hbsag.json", false)
			if err == nil || err.Error() != tc.wantErr {
				t.Errorf("error = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

// BenchmarkHas measures matching a large record (5,000 codings, mostly not in
// any set) against every value set, as a request indexing a record would.
func BenchmarkHas(b *testing.B) {
	k := mustLoadKB(b, nil)
	var codings []Coding
	for i := range 5000 {
		switch i % 4 {
		case 0:
			codings = append(codings, kbLoinc(fmt.Sprintf("%d-%d", 10000+i, i%10)))
		case 1:
			codings = append(codings, kbSCT(strconv.Itoa(100000000+i)))
		case 2:
			codings = append(codings, kbICD(fmt.Sprintf("K%02d.%d", i%100, i%10)))
		default:
			codings = append(codings, kbRx(strconv.Itoa(200000+i)))
		}
	}
	ids := k.IDs()
	b.ResetTimer()
	for b.Loop() {
		for _, c := range codings {
			one := []Coding{c}
			for _, id := range ids {
				k.Has(id, one)
			}
		}
	}
}

// FuzzParseValueSet: any overlay file content gives a clean error or a valid
// value set, never a panic.
func FuzzParseValueSet(f *testing.F) {
	f.Add([]byte(`{"resourceType":"ValueSet","id":"x","expansion":{"contains":[{"system":"s","code":"1"}]}}`))
	f.Add([]byte(`{"resourceType":"ValueSet","id":"x","compose":{"include":[{"system":"s","filter":[{"property":"code","op":"regex","value":"(("}]}]}}`))
	f.Add([]byte(`{"resourceType":"ValueSet","id":"x","expansion":{"contains":[{"contains":[{"contains":[]}]}]}}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		vs, err := parseValueSet(data, "overlay:f.json", true)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "overlay:f.json: ") {
				t.Errorf("error does not name the file: %v", err)
			}
			return
		}
		for _, c := range vs.Codes {
			if strings.TrimSpace(c.System) == "" || strings.TrimSpace(c.Code) == "" || !strings.Contains("ABCU", c.Grade) || c.Grade == "" {
				t.Errorf("accepted invalid code %+v", c)
			}
		}
		vs.match(Coding{System: "s", Code: "1"})
	})
}
