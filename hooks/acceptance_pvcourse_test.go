package hooks

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The pharmacist review of patient-view during a course (helper pvcourse):
// dangers that arise while the patient takes upadacitinib or abrocitinib,
// and that patient-view reported nothing for. Each is posted through the
// HTTP path as an EHR sends it; cleanRecord().onCourse(drug) is a course
// started 2026-06-01 (about six months before testNow) and still active.

// verification is a Condition's verificationStatus.
func verification(status string) res {
	return coding("http://terminology.hl7.org/CodeSystem/condition-ver-status", status)
}

// pvStopped is the clean record with a course of drug that has ended (its
// orders completed and stopped): no ongoing course, so patient-view is silent.
func pvStopped(drug string) *record {
	r := cleanRecord()
	r.medications = append(r.medications,
		courseOrder(drug+"-1", "MedicationRequest", "completed", drug, "2026-06-01"),
		courseOrder(drug+"-2", "MedicationRequest", "stopped", drug, "2026-08-01"))
	return r
}

func TestAcceptancePatientViewTuberculosisOnCourse(t *testing.T) {
	var cases []accCase
	for _, drug := range []string{"upadacitinib", "abrocitinib"} {
		on := func() *record { return cleanRecord().onCourse(drug) }
		tb := func(status string) res { return cond("tb", icd, "A15.0", status) }
		cases = append(cases,
			accCase{name: drug + ": active pulmonary TB during the course: interrupt", c: view(on().replace(with(tb("active"), "onsetDateTime", ago(10)))),
				want: w("tb-active", "critical"), absent: []string{"serious-infection-active", "tb-latent-untreated"},
				summaryOf: map[string]string{"tb-active": infectionVerb[drug] + " " + drug}, notDetailOf: map[string]string{"tb-active": "Do not start"}},
			accCase{name: drug + ": active TB, SNOMED, no onset: active now", c: view(on().replace(cond("tb", sct, "56717001", "active"))),
				want: w("tb-active", "critical"), summaryOf: map[string]string{"tb-active": infectionVerb[drug]}},
			accCase{name: drug + ": active TB that began before the course and is still active", c: view(on().replace(with(tb("active"), "onsetDateTime", "2026-03-01"))),
				want: w("tb-active", "critical")},
			accCase{name: drug + ": TB with no clinical status and no abatement: active", c: view(on().replace(tb(""))),
				want: w("tb-active", "critical")},
			accCase{name: drug + ": TB unconfirmed (not refuted): fail safe, reported", c: view(on().replace(with(tb("active"), "verificationStatus", verification("unconfirmed")))),
				want: w("tb-active", "critical")},
			accCase{name: drug + ": TB with a positive IGRA during the course: one TB card", c: view(on().replace(obsCode("igra", "71773-6", positive, ago(12))).replace(tb("active"))),
				want: w("tb-active", "critical"), absent: []string{"tb-latent-untreated"}},
			// Negatives.
			accCase{name: drug + ": TB before the course, resolved: no card", c: view(on().replace(with(tb("resolved"), "onsetDateTime", "2024-01-10", "abatementDateTime", "2024-08-01"))),
				noCards: true},
			accCase{name: drug + ": TB inactive: no card", c: view(on().replace(tb("inactive"))), noCards: true},
			accCase{name: drug + ": TB abated, no status: no card", c: view(on().replace(with(tb(""), "abatementDateTime", ago(30)))), noCards: true},
			accCase{name: drug + ": TB refuted: no card", c: view(on().replace(with(tb("active"), "verificationStatus", verification("refuted")))), noCards: true},
			accCase{name: drug + ": TB entered in error: no card", c: view(on().replace(with(tb("active"), "verificationStatus", verification("entered-in-error")))), noCards: true},
			accCase{name: drug + ": latent TB (Z22.7) is not active TB on patient-view", c: view(on().replace(cond("tb", icd, "Z22.7", "active"))), absent: []string{"tb-active"}},
			accCase{name: drug + ": active TB, course stopped: no card", c: view(pvStopped(drug).replace(tb("active"))), noCards: true},
			accCase{name: drug + ": active TB, never on a course: no card", c: view(cleanRecord().replace(tb("active"))), noCards: true},
		)
	}
	runAcc(t, cases)
}

func TestAcceptancePatientViewBreastfeedingOnCourse(t *testing.T) {
	wash := map[string]string{"upadacitinib": "6 days", "abrocitinib": "1 day"}
	var cases []accCase
	for _, drug := range []string{"upadacitinib", "abrocitinib"} {
		on := func() *record { return cleanRecord().onCourse(drug) }
		bf := func(status string) res { return cond("bf", icd, "Z39.1", status) }
		cases = append(cases,
			accCase{name: drug + ": breastfeeding during the course", c: view(on().replace(with(bf("active"), "onsetDateTime", ago(15)))),
				want:      w("breastfeeding", "critical"),
				summaryOf: map[string]string{"breastfeeding": "No breastfeeding on " + drug + " and for " + wash[drug] + " after the last dose"},
				detailOf:  map[string]string{"breastfeeding": "during " + drug + " treatment"}, notDetailOf: map[string]string{"breastfeeding": "Do not start"}},
			accCase{name: drug + ": lactating (SNOMED 169745008), no status", c: view(on().replace(cond("bf", sct, "169745008", ""))),
				want: w("breastfeeding", "critical")},
			accCase{name: drug + ": breastfeeding provisional: fail safe, reported", c: view(on().replace(with(bf("active"), "verificationStatus", verification("provisional")))),
				want: w("breastfeeding", "critical")},
			// Negatives.
			accCase{name: drug + ": breastfeeding resolved: no card", c: view(on().replace(bf("resolved"))), noCards: true},
			accCase{name: drug + ": breastfeeding abated, no status: no card", c: view(on().replace(with(bf(""), "abatementDateTime", ago(20)))), noCards: true},
			accCase{name: drug + ": breastfeeding refuted: no card", c: view(on().replace(with(bf("active"), "verificationStatus", verification("refuted")))), noCards: true},
			accCase{name: drug + ": breastfeeding, course stopped: no card", c: view(pvStopped(drug).replace(bf("active"))), noCards: true},
			accCase{name: drug + ": breastfeeding, never on a course: no card", c: view(cleanRecord().replace(bf("active"))), noCards: true},
		)
	}
	runAcc(t, cases)
}

func TestAcceptancePatientViewLiveVaccineOnCourse(t *testing.T) {
	var cases []accCase
	for _, drug := range []string{"upadacitinib", "abrocitinib"} {
		on := func() *record { return cleanRecord().onCourse(drug) }
		mmr := func(days int) res { return immunization("mmr", "03", ago(days)) }
		// coursed(drug, 20): one active order authored 20 days ago, labs
		// before it; nothing else is due yet.
		cases = append(cases,
			accCase{name: drug + ": MMR given 10 days ago, during the course", c: view(on().replace(mmr(10))),
				want:      w("live-vaccine-recent", "warning"),
				summaryOf: map[string]string{"live-vaccine-recent": "Live vaccine given with " + drug + ": watch for vaccine-strain infection"},
				detailOf:  map[string]string{"live-vaccine-recent": "during " + drug + " treatment"}, notDetailOf: map[string]string{"live-vaccine-recent": "delaying"}},
			accCase{name: drug + ": yellow fever (CVX 37) an hour ago", c: view(on().replace(immunization("yf", "37", ago(0)))),
				want: w("live-vaccine-recent", "warning")},
			accCase{name: drug + ": live vaccine 28 days ago: inside the window", c: view(on().replace(mmr(28))), want: w("live-vaccine-recent", "warning")},
			accCase{name: drug + ": live vaccine on the course start day", c: view(coursed(drug, 20).replace(mmr(20))), want: w("live-vaccine-recent", "warning")},
			accCase{name: drug + ": course with no start date: the window alone decides (fail safe)", c: view(func() *record {
				r := cleanRecord().replace(mmr(10))
				m := courseMed(drug+"-1", "MedicationRequest", "active", drug, 15, 0)
				delete(m, "authoredOn")
				r.medications = append(r.medications, m)
				return r
			}()), want: w("live-vaccine-recent", "warning"), detailOf: map[string]string{"live-vaccine-recent": "just before or during"}},
			// Negatives.
			accCase{name: drug + ": live vaccine 29 days ago: outside the window", c: view(on().replace(mmr(29))), noCards: true},
			accCase{name: drug + ": live vaccine the day before the course start: no patient-view card", c: view(coursed(drug, 20).replace(mmr(21))), noCards: true},
			accCase{name: drug + ": live vaccine a week before the course start: no patient-view card", c: view(coursed(drug, 10).replace(mmr(17))), noCards: true},
			accCase{name: drug + ": MMR not done: no card", c: view(on().replace(with(mmr(5), "status", "not-done"))), noCards: true},
			accCase{name: drug + ": inactivated influenza vaccine: no card", c: view(on().replace(immunization("flu", "141", ago(5)))), noCards: true},
			accCase{name: drug + ": recombinant zoster vaccine during the course: no card", c: view(on().replace(immunization("rzv", "187", ago(5)))), noCards: true},
			accCase{name: drug + ": live vaccine, course stopped: no card", c: view(pvStopped(drug).replace(mmr(5))), noCards: true},
			accCase{name: drug + ": live vaccine, never on a course: no card", c: view(cleanRecord().replace(mmr(5))), noCards: true},
		)
	}
	runAcc(t, cases)
}

// The patient-view service asks for the immunizations it now reads: all
// of them, since a live vaccine is also known by its name or NDC.
func TestPatientViewPrefetchAsksForLiveVaccines(t *testing.T) {
	s := newTestServer(t, serverOpts{})
	rec := s.do(t, http.MethodGet, "/cds-services", nil)
	require.Equal(t, http.StatusOK, rec.Code)
	var d Discovery
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &d))
	for _, svc := range d.Services {
		if svc.Hook != HookPatientView {
			continue
		}
		tmpl := svc.Prefetch["immunizations"]
		require.NotEmpty(t, tmpl, "patient-view declares an immunizations key")
		assert.Equal(t, "Immunization?patient={{context.patientId}}&_sort=-date&_count=100", tmpl)
		return
	}
	t.Fatal("no patient-view service")
}

// An EHR configured before patient-view asked for immunizations leaves the
// key out: without fhirServer the live-vaccine check cannot run, and the
// call still answers the other findings (never a 412).
func TestPatientViewWithoutImmunizationsKey(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	r := cleanRecord().onCourse("upadacitinib").replace(immunization("mmr", "03", ago(5))).replace(cond("tb", icd, "A15.0", "active"))
	var body map[string]any
	require.NoError(t, json.Unmarshal(view(r).body(t), &body))
	delete(body["prefetch"].(map[string]any), "immunizations")
	b, err := json.Marshal(body)
	require.NoError(t, err)
	rec := s.do(t, http.MethodPost, "/cds-services/"+HookPatientView, b)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	codes := codesOf(checkResponse(t, rec.Body.Bytes()))
	assert.Contains(t, codes, "tb-active")
	assert.NotContains(t, codes, "live-vaccine-recent")
}
