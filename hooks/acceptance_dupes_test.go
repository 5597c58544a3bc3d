package hooks

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The dupes review: real EHR data records one fact several times. One
// interacting drug arrives as a prescription coded by its RxNorm clinical
// drug (SCD), as an outside-list statement coded by its branded drug (SBD)
// or by its ingredient, or written only as a name. The polypharm fix named
// a drug once when both records carried the same name; with two names for
// one drug the action still read "With clarithromycin and clarithromycin
// 500 MG Oral Tablet (a strong CYP3A4 inhibitor)". The action names each
// interacting drug (the value set's drug word the name holds) once; two
// different drugs, and the evidence line of each record, are still said.
func TestAcceptanceDupesInteractingDrugNamedOnce(t *testing.T) {
	withMeds := cleanWithMeds
	clarSCD := onceDaily(med("c1", "active", rxnorm, "197517", "clarithromycin 500 MG Oral Tablet", 3))
	clarSBD := onceDaily(stmt("c2", "active", rxnorm, "205866", "Clarithromycin 500 MG Oral Tablet [Biaxin]", 3))
	clarIngr := onceDaily(stmt("c3", "active", rxnorm, "21212", "clarithromycin", 3))
	clarName := onceDaily(stmt("c4", "active", "", "", "Clarithromycin 500 mg tablet", 3))
	clar250 := onceDaily(med("c5", "active", rxnorm, "197516", "clarithromycin 250 MG Oral Tablet", 3))
	keto := onceDaily(stmt("k1", "active", rxnorm, "6135", "ketoconazole 200 MG Oral Tablet", 3))
	fluoxSCD := onceDaily(med("f1", "active", rxnorm, "310385", "fluoxetine 20 MG Oral Capsule", 30))
	fluoxName := onceDaily(stmt("f2", "active", "", "", "Fluoxetine 20mg capsule", 30))
	fluvox := onceDaily(stmt("v1", "active", rxnorm, "42355", "fluvoxamine 100 MG Oral Tablet", 30))
	rifSCD := onceDaily(med("r1", "active", rxnorm, "9384", "rifampin 300 MG Oral Capsule", 10))
	rifName := onceDaily(stmt("r2", "active", "", "", "Rifampin 300mg cap", 10))
	cases := []struct {
		name  string
		c     call
		lead  string   // the action's sentence starts so
		drugs []string // the drug words the sentence names, each once
		lines int      // evidence lines of the interacting records
	}{
		{"clarithromycin SCD prescribed, ingredient on the outside list: named once",
			sign(withMeds(clarSCD, clarIngr), jakDraft("upadacitinib", 30)), "With", []string{"clarithromycin"}, 2},
		{"clarithromycin SCD and SBD [Biaxin]: named once",
			sign(withMeds(clarSCD, clarSBD), jakDraft("upadacitinib", 30)), "With", []string{"clarithromycin"}, 2},
		{"clarithromycin coded and as a name only: named once",
			sign(withMeds(clarSCD, clarName), jakDraft("upadacitinib", 30)), "With", []string{"clarithromycin"}, 2},
		{"clarithromycin three ways: named once, three lines",
			sign(withMeds(clarSCD, clarSBD, clarName), jakDraft("upadacitinib", 15)), "With", []string{"clarithromycin"}, 3},
		{"clarithromycin at two strengths: one drug, named once, both records said",
			sign(withMeds(clarSCD, clar250), jakDraft("upadacitinib", 30)), "With", []string{"clarithromycin"}, 2},
		{"clarithromycin twice and ketoconazole: two drugs, both named",
			sign(withMeds(clarSCD, clarIngr, keto), jakDraft("upadacitinib", 30)), "With", []string{"clarithromycin", "ketoconazole"}, 3},
		{"clarithromycin and ketoconazole once each: both named",
			sign(withMeds(clarSCD, keto), jakDraft("upadacitinib", 30)), "With", []string{"clarithromycin", "ketoconazole"}, 2},
		{"fluoxetine coded and as a name with abrocitinib: named once",
			sign(withMeds(fluoxSCD, fluoxName), jakDraft("abrocitinib", 100)), "With", []string{"fluoxetine"}, 2},
		{"fluoxetine twice and fluvoxamine: both named",
			sign(withMeds(fluoxSCD, fluoxName, fluvox), jakDraft("abrocitinib", 100)), "With", []string{"fluoxetine", "fluvoxamine"}, 3},
		{"rifampin coded and by name with abrocitinib: avoid, named once",
			sign(withMeds(rifSCD, rifName), jakDraft("abrocitinib", 100)), "Avoid", []string{"rifampin"}, 2},
		{"rifampin coded and by name with upadacitinib: avoid, named once",
			sign(withMeds(rifSCD, rifName), jakDraft("upadacitinib", 15)), "Avoid", []string{"rifampin"}, 2},
		{"order-select: clarithromycin SCD and name, named once",
			call{hook: HookOrderSelect, r: withMeds(clarSCD, clarName), drafts: []res{jakDraft("upadacitinib", 30)}, selections: []string{"MedicationRequest/new"}},
			"With", []string{"clarithromycin"}, 2},
	}
	s := newTestServer(t, serverOpts{noStore: true})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cs, _ := tc.c.post(t, s)
			require.Contains(t, codesOf(cs), "cyp-interaction", cardSummaries(cs))
			d := cardWith(cs, "cyp-interaction").Detail
			i := strings.Index(d, "\n\n"+tc.lead+" ")
			require.GreaterOrEqual(t, i, 0, d)
			action, _, _ := strings.Cut(d[i+2:], "(")
			for _, w := range tc.drugs {
				assert.Equal(t, 1, strings.Count(strings.ToLower(action), w), "%q named once in %q", w, action)
			}
			assert.Equal(t, len(tc.drugs)-1, strings.Count(action, " and ")+strings.Count(action, ", "), "%d drugs in %q", len(tc.drugs), action)
			assert.Equal(t, tc.lines, strings.Count(d, "\n- "), "one evidence line per record: %s", d)
		})
	}
}

// Two Patient resources of the context patient's id (a merged feed, two
// registrations of one person) with different birth dates: the first in
// the bundle was read and the other dropped, so the bundle's order decided
// whether a 10-year-old's upadacitinib start was "not approved under 12"
// (critical) or passed in silence. The age rules now read every age the
// versions allow (as for a partial birth date, section 1, Ages): the
// youngest for the "under 12" rule, the oldest for "65 or over"; versions
// alike, or with one birth date, read as before.
func TestAcceptanceDupesTwoPatientVersions(t *testing.T) {
	patient := func(birth string) res {
		return res{"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": birth}
	}
	both := func(ps ...res) *record {
		r := cleanRecord()
		r.patient = bundleOf(ps)
		return r
	}
	adult := patient(bornAged(30))
	cases := []accCase{
		{name: "adult first, child of 10 second: not approved",
			c: sign(both(adult, patient(bornAged(10))), jakDraft("upadacitinib", 15)), want: w("age-not-approved", "critical"),
			detailOf: map[string]string{"age-not-approved": "two Patient resources with different birth dates"}},
		{name: "child of 10 first, adult second: not approved",
			c: sign(both(patient(bornAged(10)), adult), jakDraft("upadacitinib", 15)), want: w("age-not-approved", "critical")},
		{name: "adult and 11: not approved (N-1)",
			c: sign(both(adult, patient(bornAged(11))), jakDraft("abrocitinib", 100)), want: w("age-not-approved", "critical")},
		{name: "adult and 12: approved (N)",
			c: sign(both(adult, patient(bornAged(12))), jakDraft("abrocitinib", 100)), absent: []string{"age-not-approved"}},
		{name: "adult and 13: approved (N+1)",
			c: sign(both(adult, patient(bornAged(13))), jakDraft("upadacitinib", 15)), absent: []string{"age-not-approved"}},
		{name: "the same Patient twice alike: one adult, no card",
			c: sign(both(adult, patient(bornAged(30))), jakDraft("upadacitinib", 15)), noCards: true},
		{name: "one version with no birth date: the other's is read",
			c:    sign(both(res{"resourceType": "Patient", "id": "p1", "gender": "female"}, patient(bornAged(10))), jakDraft("upadacitinib", 15)),
			want: w("age-not-approved", "critical"), absent: []string{"age-unknown"}},
		{name: "adult and 70 at 30 mg: 65 or over counts",
			c: sign(both(adult, patient(bornAged(70))), jakDraft("upadacitinib", 30)), want: w("lower-dose-recommended", "warning")},
		{name: "adult and 64 at 30 mg: not 65",
			c: sign(both(adult, patient(bornAged(64))), jakDraft("upadacitinib", 30)), absent: []string{"lower-dose-recommended"}},
		{name: "order-select: adult and 10",
			c:    call{hook: HookOrderSelect, r: both(adult, patient(bornAged(10))), drafts: []res{jakDraft("upadacitinib", 15)}, selections: []string{"MedicationRequest/new"}},
			want: w("age-not-approved", "critical")},
	}
	runAcc(t, cases)
}

// Two Patient resources of one patient that give different administrative
// genders: only a record that says male in every version rules out a
// pregnancy, so the bundle's order never hides pregnancy-test-missing
// (dupes review, question 4: a "male" version first hid it). The card says
// the versions disagree. A version with no gender adds nothing.
func TestAcceptanceDupesTwoPatientGenders(t *testing.T) {
	patient := func(gender string) res {
		p := res{"resourceType": "Patient", "id": "p1", "birthDate": bornAged(30)}
		if gender != "" {
			p["gender"] = gender
		}
		return p
	}
	both := func(ps ...res) *record {
		r := cleanRecord().drop("hcg")
		r.patient = bundleOf(ps)
		return r
	}
	differ := map[string]string{"pregnancy-test-missing": `"male" in one Patient resource and "female" in another`}
	cases := []accCase{
		{name: "male first, female second: asked",
			c: sign(both(patient("male"), patient("female")), jakDraft("upadacitinib", 15)), want: w("pregnancy-test-missing", "warning"), detailOf: differ},
		{name: "female first, male second: asked",
			c: sign(both(patient("female"), patient("male")), jakDraft("abrocitinib", 100)), want: w("pregnancy-test-missing", "warning"),
			detailOf: map[string]string{"pregnancy-test-missing": `"female" in one Patient resource and "male" in another`}},
		{name: "male and unknown: asked",
			c: sign(both(patient("male"), patient("unknown")), jakDraft("upadacitinib", 15)), want: w("pregnancy-test-missing", "warning"),
			detailOf: map[string]string{"pregnancy-test-missing": `"male" in one Patient resource and "unknown" in another`}},
		{name: "male twice: not asked",
			c: sign(both(patient("male"), patient("male")), jakDraft("upadacitinib", 15)), noCards: true},
		{name: "male and a version with no gender: not asked",
			c: sign(both(patient("male"), patient("")), jakDraft("upadacitinib", 15)), noCards: true},
		{name: "no gender first, male second: not asked",
			c: sign(both(patient(""), patient("male")), jakDraft("upadacitinib", 15)), noCards: true},
		{name: "order-select: male and female",
			c:    call{hook: HookOrderSelect, r: both(patient("male"), patient("female")), drafts: []res{jakDraft("upadacitinib", 15)}, selections: []string{"MedicationRequest/new"}},
			want: w("pregnancy-test-missing", "warning")},
	}
	runAcc(t, cases)
}

// cleanWithMeds is the clean record with ms on its medication list.
func cleanWithMeds(ms ...res) *record {
	r := cleanRecord()
	r.medications = append(r.medications, ms...)
	return r
}
