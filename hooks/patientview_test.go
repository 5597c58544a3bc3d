package hooks

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// viewRequest is a patient-view call for a record whose medications hold an
// active order of drug started on start (nothing when drug is ""). It sends
// the immunizations the service asks for: without them a patient on a
// course gets the data-unavailable card (failsafe_pvcourse_test.go).
func viewRequest(t *testing.T, r *record, drug, start string) []byte {
	t.Helper()
	meds := append([]res{}, r.medications...)
	if drug != "" {
		code := map[string]string{"upadacitinib": "2196092", "abrocitinib": "2591476"}[drug]
		m := onceDaily(medication("jak", "active", rxnorm, code, drug))
		m["authoredOn"] = start
		meds = append(meds, m)
	}
	req := res{"hook": "patient-view", "hookInstance": "9b2e6f0a-8c3d-4e5f-a1b2-c3d4e5f6a7b8",
		"context": res{"userId": "Practitioner/x", "patientId": "p1"},
		"prefetch": res{"patient": r.patient, "conditions": bundleOf(r.conditions), "medications": bundleOf(meds),
			"observations": bundleOf(r.observations), "immunizations": bundleOf(r.immunizations)}}
	b, err := json.Marshal(req)
	require.NoError(t, err)
	return b
}

// onTreatment is a record whose monitoring labs were all done on
// 2026-11-20, after a start on 2026-09-01.
func onTreatment() *record {
	r := cleanRecord()
	d := "2026-11-20"
	r.replace(obsQty("alc", "731-0", 1.8, "10*3/uL", d)).replace(obsQty("anc", "751-8", 3.9, "10*3/uL", d)).
		replace(obsQty("hgb", "718-7", 13.2, "g/dL", d)).replace(obsQty("plt", "777-3", 250, "10*3/uL", d)).
		replace(obsQty("alt", "1742-6", 21, "U/L", d)).replace(obsQty("ldl", "13457-7", 104, "mg/dL", d))
	return r
}

func TestPatientViewFromFHIR(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	const started, recent = "2026-09-01", "2026-11-19"
	cases := []struct {
		name  string
		drug  string
		start string
		r     *record
		want  string
		level string
		not   string
	}{
		{"no JAK inhibitor: no cards", "", "", cleanRecord(), "", "", ""},
		{"abrocitinib, labs done since start: no cards", "abrocitinib", started, onTreatment(), "", "", ""},
		{"abrocitinib, CBC only before start", "abrocitinib", started, cleanRecord().replace(obsQty("alc", "731-0", 1.8, "10*3/uL", "2026-08-20")).drop("anc").drop("hgb").drop("plt"), "monitoring-cbc-due", "warning", ""},
		{"abrocitinib started 10 days ago: not yet due", "abrocitinib", recent, cleanRecord(), "", "", "monitoring-cbc-due"},
		{"abrocitinib, no liver enzymes since start", "abrocitinib", started, onTreatment().drop("alt"), "monitoring-liver-due", "warning", "monitoring-cbc-due"},
		{"abrocitinib, no lipids since start", "abrocitinib", started, onTreatment().drop("ldl"), "monitoring-lipids-due", "warning", ""},
		{"upadacitinib 13 weeks, no lipids since start", "upadacitinib", "2026-08-25", onTreatment().drop("ldl"), "monitoring-lipids-due", "warning", ""},
		{"upadacitinib 8 weeks, no lipids yet: not due", "upadacitinib", "2026-10-04", cleanRecord(), "", "", "monitoring-lipids-due"},
		{"lymphocytes 0.3 on treatment", "upadacitinib", started, onTreatment().replace(obsQty("alc", "731-0", 0.3, "10*3/uL", "2026-11-25")), "lymphopenia", "critical", ""},
		{"neutrophils 0.9 on treatment", "abrocitinib", started, onTreatment().replace(obsQty("anc", "751-8", 0.9, "10*9/L", "2026-11-25")), "neutropenia", "critical", ""},
		{"hemoglobin 4.5 mmol/L on treatment", "abrocitinib", started, onTreatment().replace(obsQty("hgb", "718-7", 4.5, "mmol/L", "2026-11-25")), "anemia", "critical", ""},
		{"low hemoglobin before the start does not count", "abrocitinib", started, onTreatment().replace(obsQty("hgb-old", "718-7", 7.0, "g/dL", "2026-08-01")), "", "", "anemia"},
		{"platelets 40k on abrocitinib", "abrocitinib", started, onTreatment().replace(obsQty("plt", "777-3", 40, "10*3/uL", "2026-11-25")), "thrombocytopenia", "critical", ""},
		{"platelets 80k on abrocitinib: above the discontinue threshold", "abrocitinib", started, onTreatment().replace(obsQty("plt", "777-3", 80, "10*3/uL", "2026-11-25")), "", "", "thrombocytopenia"},
		{"sepsis while on treatment", "upadacitinib", started, onTreatment().replace(condition("sepsis", sct, "91302008", "active")), "serious-infection-active", "critical", ""},
		{"pregnant while on treatment", "upadacitinib", started, onTreatment().replace(condition("preg", sct, "77386006", "active")), "pregnancy", "critical", ""},
		{"baricitinib too", "upadacitinib", started, onTreatment().replace(medication("bari", "active", rxnorm, "2047232", "baricitinib")), "combination-jak", "critical", ""},
		{"adalimumab too", "abrocitinib", started, onTreatment().replace(medication("ada", "active", rxnorm, "327361", "adalimumab")), "combination-biologic", "warning", ""},
		{"cyclosporine too", "abrocitinib", started, onTreatment().replace(medication("csa", "active", rxnorm, "3008", "cyclosporine")), "combination-immunosuppressant", "warning", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := s.do(t, "POST", "/cds-services/patient-view", viewRequest(t, tc.r, tc.drug, tc.start))
			require.Equal(t, 200, rec.Code, rec.Body.String())
			cs := checkResponse(t, rec.Body.Bytes())
			if tc.want == "" && tc.not == "" {
				assert.JSONEq(t, `{"cards":[]}`, rec.Body.String())
				return
			}
			codes := codesOf(cs)
			if tc.want != "" {
				requireFinding(t, cs, tc.want, tc.level)
			}
			if tc.not != "" {
				assert.NotContains(t, codes, tc.not)
			}
		})
	}
}
