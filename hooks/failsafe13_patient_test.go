package hooks

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// failsafe13: several versions of the Patient resource disagreeing on the
// administrative gender. The pregnancy test card names a "female" version
// whichever order the versions come in: a card saying "male" and
// "unknown" hid the one version that asks for the test.
func TestFailsafe13PatientVersions(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	pats := func(genders ...string) call {
		r := cleanRecord().drop("hcg")
		entries := []any{}
		for i, g := range genders {
			p := res{"resourceType": "Patient", "id": "p1"}
			if i == 0 {
				p["birthDate"] = "1991-05-20"
			}
			if g != "" {
				p["gender"] = g
			}
			entries = append(entries, res{"resource": p})
		}
		r.patient = res{"resourceType": "Bundle", "type": "searchset", "entry": entries}
		return abro100(r)
	}
	many := func(n int, last string) []string {
		out := []string{"male"}
		for i := 1; i < n; i++ {
			out = append(out, []string{"unknown", "other", "", "male"}[i%4])
		}
		return append(out, last)
	}
	cases := []struct {
		genders []string
		card    bool   // a pregnancy-test card
		has     string // in its detail
	}{
		{[]string{"male", "unknown", "female"}, true, `"female"`},
		{[]string{"male", "other", "female"}, true, `"female"`},
		{[]string{"unknown", "male", "female"}, true, `"female"`},
		{[]string{"male", "female", "unknown"}, true, `"female"`},
		{[]string{"female", "male", "unknown"}, true, `"female"`},
		{many(300, "female"), true, `"female"`},
		{[]string{"male", "unknown"}, true, `"unknown"`},
		{[]string{"male", ""}, false, ""},
		{[]string{"male", "male"}, false, ""},
		{many(300, "male"), true, `"male"`},
	}
	for _, tc := range cases {
		name := fmt.Sprint(tc.genders)
		if len(name) > 60 {
			name = name[:60]
		}
		t.Run(name, func(t *testing.T) {
			cs, body := pats(tc.genders...).post(t, s)
			if !tc.card {
				assert.NotContains(t, codesOf(cs), "pregnancy-test-missing", body)
				return
			}
			require.Contains(t, codesOf(cs), "pregnancy-test-missing", cardSummaries(cs))
			assert.Contains(t, cardWith(cs, "pregnancy-test-missing").Detail, tc.has)
			assert.Contains(t, cardWith(cs, "pregnancy-test-missing").Detail, "check the record")
		})
	}
}
