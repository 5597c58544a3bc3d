package fhir

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

var scanCases = []string{
	``, ` `, `{}`, `[]`, `{"a":1}`, `{"a":1,}`, `[1,]`, `[1 2]`, `{"a" 1}`, `{a:1}`, `{"a":1}}`,
	`"x"`, `"x`, `"\u12"`, `"\u12ab"`, `"\x"`, `"a\"b"`, "\"a\tb\"", `"\/\b\f\n\r\t\\"`,
	`0`, `-0`, `01`, `-`, `1.`, `1.5`, `.5`, `1e`, `1e+`, `1E-7`, `-12.5e10`, `1.5e+3x`,
	`true`, `tru`, `false`, `null`, `nul`, `nulll`, `[true,false,null]`,
	`{"a":[{"b":{"c":[1,"2",null]}}]}`, `{"a":[{"b":{"c":[1,"2",null]}}]`, ` {"a" : [ 1 , 2 ] } `,
	"{\"a\":1}\n", `{"a":1} {}`, `[[[[[]]]]]`, `[[[[[]]]]`, `{"\u0061":1}`, `{"a":1,"a":2}`,
}

func TestScannerAgreesWithJSONValid(t *testing.T) {
	cases := append(scanCases, strings.Repeat("[", maxNesting)+strings.Repeat("]", maxNesting),
		strings.Repeat("[", maxNesting+1)+strings.Repeat("]", maxNesting+1))
	for _, in := range cases {
		t.Run(in, func(t *testing.T) {
			assert.Equal(t, json.Valid([]byte(in)), validates([]byte(in)))
		})
	}
}

func validates(data []byte) bool {
	s := &scanner{data: data}
	return s.skip() == nil && s.end() == nil
}

func TestScannerKeysAndText(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{`{"resourceType":"Patient"}`, "Patient"},
		{`{"resource\u0054ype":"Pat\u0069ent"}`, "Patient"},
		{`{"id":"x","resourceType" : " Observation "}`, "Observation"},
		{`{"resourceType":"A","resourceType":"B"}`, "B"},
		{`{"resourceType":3}`, ""},
		{`{"nested":{"resourceType":"Claim"}}`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			var r rawResource
			s := &scanner{data: []byte(tc.in)}
			s.ws()
			assert.NoError(t, s.resource(&r))
			assert.Equal(t, tc.want, r.resourceType)
		})
	}
}

// FuzzScanner checks that the scanner accepts exactly what encoding/json does.
func FuzzScanner(f *testing.F) {
	for _, c := range scanCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if got, want := validates(data), json.Valid(data); got != want {
			t.Fatalf("scanner says valid=%v, encoding/json says %v", got, want)
		}
	})
}
