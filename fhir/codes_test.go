package fhir

import (
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"

	"jakguard/rules"
)

// The split reads the codes of each resource in the pass that validates
// it (conceptCodes, componentCodes). These tests hold it to a reference
// that reads them afterwards from the located member, as the Builder did
// before: the same codes, in the same order, for every resource.

// refConceptCodes reads the codings of a (validated) raw member value.
func refConceptCodes(cc []byte) []rules.Coding {
	if len(cc) == 0 || cc[0] != '{' {
		return nil
	}
	s := &scanner{data: cc}
	out, _ := s.codings(nil)
	return out
}

// refComponentCodes reads the codes of the components in a (validated) raw
// "component" value.
func refComponentCodes(comp []byte) []rules.Coding {
	if len(comp) == 0 || comp[0] != '[' {
		return nil
	}
	var out []rules.Coding
	s := &scanner{data: comp}
	_ = s.array(func(int) error {
		if s.peek() != '{' {
			return s.skip()
		}
		return s.object(func(key []byte) error {
			if string(key) == "code" && s.peek() == '{' {
				var err error
				out, err = s.codings(out)
				return err
			}
			return s.skip()
		})
	})
	return out
}

func checkSplitCodes(t *testing.T, data []byte) {
	t.Helper()
	doc, err := split(data)
	defer doc.release()
	if err != nil {
		return
	}
	check := func(what string, got, want []rules.Coding) {
		t.Helper()
		if len(got) == 0 && len(want) == 0 {
			return
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: split read %+v, the member holds %+v", what, got, want)
		}
	}
	for i, e := range append([]rawResource{doc.self}, doc.entries...) {
		if e.data == nil {
			continue
		}
		// The value itself is left unrecorded when it has entries (see doc).
		if !e.recorded && (i > 0 || member(e.data, "entry") == nil) {
			t.Fatalf("entry %d: codes not recorded", e.index)
		}
		check("code", e.codes, refConceptCodes(member(e.data, "code")))
		check("vaccineCode", e.vaccineCodes, refConceptCodes(member(e.data, "vaccineCode")))
		check("component", e.componentCodes, refComponentCodes(member(e.data, "component")))
	}
}

var splitCodesCases = []string{
	`{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Observation","code":{"coding":[{"code":"first"}]},"component":[{"code":{"coding":[{"code":"c"}]}}]},"resource":{"resourceType":"Observation","status":"final"}}]}`,
	`{"resourceType":"Observation","code":{"coding":[{"system":" http://loinc.org ","code":"718-7","display":"Hb"},{"code":"x"}],"text":"t"},"component":[{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]}},{"code":{"text":"no coding"}},7,{"valueQuantity":{"value":1}}]}`,
	`{"resourceType":"Observation","code":{"coding":[{"code":"first"}]},"code":{"coding":[{"code":"last"}]}}`,
	`{"resourceType":"Observation","code":"not an object","component":{"code":{}}}`,
	`{"resourceType":"Observation","code":{"coding":{"code":"not an array"}},"component":[{"code":{"coding":[{"code":"a"}]},"code":{"coding":[{"code":"b"}]}}]}`,
	`{"resourceType":"Observation","code":{"coding":[{"system":7,"code":null},"x",{"code":"\u0037\u0031\u0038-7","system":"http:\/\/loinc.org"}]}}`,
	`{"resourceType":"Immunization","vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"187"}]},"code":{"coding":[{"code":"odd"}]}}`,
	`{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Condition","code":{"coding":[{"system":"http://snomed.info/sct","code":"24079001"}]}}},{"resource":null},{"resource":{"resourceType":"Observation","code":{ "coding" : [ { "code" : "1" } ] }}}]}`,
}

func TestSplitCodes(t *testing.T) {
	for _, c := range splitCodesCases {
		checkSplitCodes(t, []byte(c))
	}
	files, _ := filepath.Glob("../testdata/synthea/*.json")
	more, _ := filepath.Glob("../testdata/bench/*.json")
	if len(files) == 0 || len(more) == 0 {
		t.Fatal("no Synthea or benchmark files")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		checkSplitCodes(t, data)
	}
	for _, f := range more {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		_, inner, err := Members(data, "prefetch")
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range inner {
			checkSplitCodes(t, v.Raw)
		}
	}
}

func FuzzSplitCodes(f *testing.F) {
	for _, c := range splitCodesCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkSplitCodes(t, data) })
}

// intern gives back the string of its bytes, the same copy when it saw
// them lately (no allocation), from any number of goroutines at once.
func TestIntern(t *testing.T) {
	codes := []string{"", "718-7", "http://loinc.org", "24079001", strings.Repeat("9", 41)}
	for _, c := range codes {
		if got := intern([]byte(c)); got != c {
			t.Fatalf("intern(%q) = %q", c, got)
		}
	}
	b := []byte("1742-6")
	intern(b)
	if n := testing.AllocsPerRun(100, func() { intern(b) }); n != 0 {
		t.Errorf("intern of a code seen before allocates %v times", n)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				c := strconv.Itoa((i*7 + g) % 3000)
				if got := intern([]byte(c)); got != c {
					t.Errorf("intern(%q) = %q", c, got)
					return
				}
			}
		})
	}
	wg.Wait()
}
