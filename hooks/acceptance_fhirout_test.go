package hooks

// Output review (fhirout, December 2026): what jakguard writes into an
// update, from drafts shaped as real EHRs send them. Every answer here is
// also held to internal/outcheck by s.do.

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFhiroutUpdateOfDraftShapes(t *testing.T) {
	at70 := func() *record { return cleanRecord().born(bornAged(70)).drop("hcg") }
	cases := []struct {
		name  string
		draft func() res
		check func(t *testing.T, up res)
	}{
		{"a draft with a generated narrative of 30 mg",
			func() res {
				d := jakDraft("upadacitinib", 30)
				d["text"] = res{"status": "generated", "div": `<div xmlns="http://www.w3.org/1999/xhtml">upadacitinib 30 mg once daily</div>`}
				return d
			},
			func(t *testing.T, up res) { assert.NotContains(t, up, "text", "a narrative of the old dose") }},
		{"a draft with subject {}",
			func() res { d := jakDraft("upadacitinib", 30); d["subject"] = res{}; return d },
			func(t *testing.T, up res) { assert.Equal(t, res{"reference": "Patient/p1"}, up["subject"]) }},
		{`a draft with subject {"reference": ""}`,
			func() res { d := jakDraft("upadacitinib", 30); d["subject"] = res{"reference": ""}; return d },
			func(t *testing.T, up res) { assert.Equal(t, res{"reference": "Patient/p1"}, up["subject"]) }},
		{"a draft with subject null",
			func() res { d := jakDraft("upadacitinib", 30); d["subject"] = nil; return d },
			func(t *testing.T, up res) { assert.Equal(t, res{"reference": "Patient/p1"}, up["subject"]) }},
		{`a draft with status ""`,
			func() res { d := jakDraft("upadacitinib", 30); d["status"] = ""; return d },
			func(t *testing.T, up res) { assert.Equal(t, "draft", up["status"]) }},
	}
	s := newTestServer(t, serverOpts{noStore: true})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cs, body := sign(at70(), tc.draft()).post(t, s)
			ups := updatesIn(cs)
			require.Len(t, ups, 1, body)
			tc.check(t, ups[0])
		})
	}
}
