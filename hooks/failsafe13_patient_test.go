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

// failsafe13: the second reading of the record (results dated after today
// read as current) reads nothing the first did not: a result of another
// patient dated ahead, or a Patient of another id among versions, is still
// refused; many results dated ahead answer as many current ones do.
func TestFailsafe13OtherPatientAhead(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	plt := func(id string, v float64, date string) res { return qty(id, "777-3", v, "10*3/uL", "", date) }
	versions := func(ids ...string) *record {
		r := cleanRecord()
		entries := []any{}
		for _, id := range ids {
			entries = append(entries, res{"resource": res{"resourceType": "Patient", "id": id, "gender": "female", "birthDate": "1991-05-20"}})
		}
		r.patient = res{"resourceType": "Bundle", "type": "searchset", "entry": entries}
		return r
	}
	many := func(n int, date string) *record {
		r := cleanRecord()
		for i := 0; i < n; i++ {
			r.observations = append(r.observations, plt(fmt.Sprint("m", i), 250, date))
		}
		return r
	}
	refused := []struct {
		name string
		c    call
	}{
		{"a low count of another patient dated ahead", abro100(cleanRecord().replace(with(plt("o1", 40, "2036-11-29"), "subject", res{"reference": "Patient/p2"})))},
		{"patient-view: the same", view(cleanRecord().replace(courseMed("c1", "MedicationRequest", "active", "abrocitinib", 100, 60)).replace(with(plt("o1", 40, "2036-11-29"), "subject", res{"reference": "Patient/p2"})))},
		{"Patient versions p1, p2", abro100(versions("p1", "p2"))},
		{"Patient versions p1 x 200, then p2", abro100(versions(append(make([]string, 0, 201), func() []string {
			out := []string{}
			for i := 0; i < 200; i++ {
				out = append(out, "p1")
			}
			return append(out, "p2")
		}()...)...))},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			rec := s.do(t, "POST", "/cds-services/"+tc.c.service(), tc.c.body(t))
			assert.Equal(t, 400, rec.Code, rec.Body.String())
			assert.Contains(t, rec.Body.String(), "another patient")
		})
	}
	ok := []accCase{
		{name: "200 Patient versions of p1: one patient", c: abro100(versions(func() []string {
			out := []string{}
			for i := 0; i < 200; i++ {
				out = append(out, "p1")
			}
			return out
		}()...)), noCards: true},
		{name: "2,000 normal counts dated ahead: no card", c: abro100(many(2000, "2036-11-02")), noCards: true},
		{name: "2,000 normal counts dated ahead and one low: its card", c: abro100(many(2000, "2036-11-02").replace(plt("low", 40, "2036-11-03"))),
			want: w("thrombocytopenia", "critical"), detailOf: map[string]string{"thrombocytopenia": "Platelets 40 ×10³/µL on 2036-11-03"}},
	}
	runAcc(t, ok)
}
