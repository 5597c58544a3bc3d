package rules

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSmokingText(t *testing.T) {
	cases := []struct {
		words        string
		display      string
		smokes, past bool
	}{
		{"Current every day smoker", "", true, false},
		{"", "Current some day smoker", true, false},
		{"Smokes 1 pack per day", "", true, false},
		{"Former smoker", "", true, true},
		{"Ex-smoker, quit 2019", "", true, true},
		{"Never smoker", "", false, false},
		{"", "Never smoked tobacco", false, false},
		{"Non-smoker", "", false, false},
		{"Unknown if ever smoked", "", false, false},
		{"Smoker: no", "", false, false},
		{"Passive smoking exposure", "", false, false},
		{"", "", false, false},
	}
	for _, tc := range cases {
		o := &Observation{ValueText: tc.words}
		if tc.display != "" {
			o.ValueCodes = []Coding{{System: "urn:local", Code: "x", Display: tc.display}}
		}
		smokes, past := smokingText(o)
		assert.Equal(t, tc.smokes, smokes, "%q %q smokes", tc.words, tc.display)
		assert.Equal(t, tc.past, past, "%q %q past", tc.words, tc.display)
	}
}
