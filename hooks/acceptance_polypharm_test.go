package hooks

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The polypharm review: realistic reconciled medication lists, where an
// EHR sends the same drug as a MedicationRequest (the prescription) and a
// MedicationStatement (the patient-reported list). The interaction card's
// action named such a drug twice ("With fluoxetine 20 MG and fluoxetine 20
// MG (a strong CYP2C19 inhibitor)"): one drug is named once in the action;
// two different drugs are still both named.
func TestPolypharmDrugNamedOnceInAction(t *testing.T) {
	fluox := func(r *record) *record {
		r.medications = append(r.medications,
			onceDaily(med("flx", "active", rxnorm, "4493", "fluoxetine 20 MG Oral Capsule", 300)),
			onceDaily(stmt("flx-s", "active", rxnorm, "4493", "fluoxetine 20 MG Oral Capsule", 300)))
		return r
	}
	rif := func(r *record) *record {
		r.medications = append(r.medications,
			onceDaily(med("rif", "active", rxnorm, "9384", "rifampin 300 MG Oral Capsule", 10)),
			onceDaily(stmt("rif-s", "active", rxnorm, "9384", "rifampin 300 MG Oral Capsule", 10)))
		return r
	}
	keto := func(r *record) *record {
		r.medications = append(r.medications,
			onceDaily(med("keto", "active", rxnorm, "6135", "ketoconazole 200 MG Oral Tablet", 10)),
			onceDaily(stmt("keto-s", "active", rxnorm, "6135", "ketoconazole 200 MG Oral Tablet", 10)))
		return r
	}
	clar := func(r *record) *record {
		r.medications = append(r.medications, onceDaily(med("clar", "active", rxnorm, "21212", "clarithromycin 500 MG Oral Tablet", 3)))
		return r
	}
	runAcc(t, []accCase{
		{name: "fluoxetine prescribed and on the outside list: named once, 50 mg",
			c:           sign(fluox(cleanRecord()), jakDraft("abrocitinib", 100)),
			want:        w("cyp-interaction", "warning"),
			dose:        50,
			detailOf:    map[string]string{"cyp-interaction": "With fluoxetine 20 MG Oral Capsule (a strong CYP2C19 inhibitor)"},
			notDetailOf: map[string]string{"cyp-interaction": "fluoxetine 20 MG Oral Capsule and fluoxetine"}},
		{name: "rifampin prescribed and on the outside list: avoid, named once",
			c:           sign(rif(cleanRecord()), jakDraft("abrocitinib", 100)),
			want:        w("cyp-interaction", "warning"),
			detailOf:    map[string]string{"cyp-interaction": "Avoid abrocitinib with rifampin 300 MG Oral Capsule ("},
			notDetailOf: map[string]string{"cyp-interaction": "rifampin 300 MG Oral Capsule and rifampin"}},
		{name: "ketoconazole twice and rifampin twice with upadacitinib 30 mg: each named once",
			c:           sign(keto(rif(cleanRecord())), jakDraft("upadacitinib", 30)),
			want:        w("cyp-interaction", "warning"),
			dose:        15,
			detailOf:    map[string]string{"cyp-interaction": "With ketoconazole 200 MG Oral Tablet (a strong CYP3A4 inhibitor)"},
			notDetailOf: map[string]string{"cyp-interaction": "and ketoconazole"}},
		{name: "two different strong CYP3A4 inhibitors, one of them twice: both named, each once",
			c:        sign(clar(keto(cleanRecord())), jakDraft("upadacitinib", 30)),
			want:     w("cyp-interaction", "warning"),
			dose:     15,
			detailOf: map[string]string{"cyp-interaction": "With ketoconazole 200 MG Oral Tablet and clarithromycin 500 MG Oral Tablet ("}},
	})
}

// The same fact recorded twice, as a clinic's chart and the state
// immunization registry both send one dose (or a lab result filed by two
// interfaces), was said twice, word for word, on one card: "Live vaccine
// yellow fever vaccine (CVX 37) given on 2026-11-19 (10 days ago)" on two
// lines. A line identical to one already said in the same section is said
// once; different doses or dates are each still said.
func TestPolypharmIdenticalEvidenceOnce(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	withImm := func(imms ...res) *record {
		r := cleanRecord()
		r.immunizations = append(r.immunizations, imms...)
		return r
	}
	withObs := func(obs ...res) *record {
		r := cleanRecord().drop("hbsag")
		r.observations = append(r.observations, obs...)
		return r
	}
	cases := []struct {
		name  string
		c     call
		code  string
		line  string
		times int
	}{
		{"yellow fever recorded twice, same day: said once",
			sign(withImm(immunization("yf", "37", ago(10)), immunization("yf-iis", "37", ago(10))), jakDraft("upadacitinib", 15)),
			"live-vaccine-recent", "(CVX 37) given on " + ago(10), 1},
		{"MMR recorded twice, same day, with abrocitinib: said once",
			sign(withImm(immunization("mmr", "03", ago(20)), immunization("mmr-iis", "03", ago(20))), jakDraft("abrocitinib", 100)),
			"live-vaccine-recent", "given on " + ago(20), 1},
		{"yellow fever once: said once",
			sign(withImm(immunization("yf", "37", ago(10))), jakDraft("upadacitinib", 15)),
			"live-vaccine-recent", "(CVX 37) given on " + ago(10), 1},
		{"yellow fever on two different days: both said",
			sign(withImm(immunization("yf", "37", ago(10)), immunization("yf2", "37", ago(11))), jakDraft("upadacitinib", 15)),
			"live-vaccine-recent", "(CVX 37) given on ", 2},
		{"HBsAg positive filed twice the same day: said once",
			sign(withObs(obsCode("hbsag", "5196-1", positive, ago(5)), obsCode("hbsag-2", "5196-1", positive, ago(5))), jakDraft("upadacitinib", 15)),
			"hbv-active", "positive on " + ago(5), 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cs, _ := tc.c.post(t, s)
			require.Contains(t, codesOf(cs), tc.code, cardSummaries(cs))
			d := cardWith(cs, tc.code).Detail
			assert.Equal(t, tc.times, strings.Count(d, tc.line), d)
		})
	}
}
