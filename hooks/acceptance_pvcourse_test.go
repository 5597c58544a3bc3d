package hooks

import "testing"

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
				summaryOf: map[string]string{"tb-active": "Interrupt " + drug}, notDetailOf: map[string]string{"tb-active": "Do not start"}},
			accCase{name: drug + ": active TB, SNOMED, no onset: active now", c: view(on().replace(cond("tb", sct, "56717001", "active"))),
				want: w("tb-active", "critical"), summaryOf: map[string]string{"tb-active": "Interrupt"}},
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
