package hooks

import "testing"

// Pharmacist's label review of pregnancy, breastfeeding and vaccines
// (reprorev, December 2026).

// A pregnancy condition left active on the problem list after the
// pregnancy ended (delivery, loss) raised a critical "patient is pregnant"
// card although a negative pregnancy test had been taken since: hCG stays
// positive throughout a pregnancy. A pregnancy status Observation was
// already ended this way; the condition now is too. A test on or before
// the day the condition was last known (onset or recorded date), a test
// that is not negative (hCG 5-24), or an undated condition keep the card.
func TestAcceptanceReprorevPregnancyEndedByNegativeTest(t *testing.T) {
	preg := func(kv ...any) res { return rxCond("p", icd, "Z33.1", "active", "", kv...) }
	noTest := func() *record { return cleanRecord().drop("hcg") }
	cases := []accCase{
		{name: "Z33.1 onset 120 days ago, negative urine hCG 4 days ago: no card", c: upa15(cleanRecord().replace(preg("onsetDateTime", ago(120)))), noCards: true},
		{name: "Z33.1 recorded 120 days ago, negative urine hCG 4 days ago: no card", c: abro100(cleanRecord().replace(preg("recordedDate", ago(120)))), noCards: true},
		{name: "77386006 onset 200 days ago, negative serum hCG 2 mIU/mL 10 days ago: no card", c: upa15(noTest().replace(rxCond("p", sct, "77386006", "active", "", "onsetDateTime", ago(200))).replace(qty("hcg", "19080-1", 2, "mIU/mL", "", ago(10)))), noCards: true},
		{name: "Z33.1 onset 120 days ago, negative hCG 60 days ago (outside 30): pregnancy ended, a new test asked", c: upa15(noTest().replace(preg("onsetDateTime", ago(120))).replace(obsCode("hcg", "2106-3", negative, ago(60)))),
			want: w("pregnancy-test-missing", "warning"), absent: []string{"pregnancy"}},
		// A negative test older than the 30-day window was passed over when the
		// request was decoded, so it ended neither a condition nor a status.
		{name: "status Pregnant 120 days ago, negative hCG 60 days ago: pregnancy ended, a new test asked", c: upa15(noTest().replace(r2status("ps", "77386006", 120)).replace(obsCode("hcg", "2106-3", negative, ago(60)))),
			want: w("pregnancy-test-missing", "warning"), absent: []string{"pregnancy"}},
		// Boundaries: the test must be after the day the condition was last known.
		{name: "negative hCG on the onset day: pregnant", c: upa15(noTest().replace(preg("onsetDateTime", ago(10))).replace(obsCode("hcg", "2106-3", negative, ago(10)))), want: w("pregnancy", "critical"), absent: []string{"pregnancy-test-missing"}},
		{name: "negative hCG the day after the onset: no card", c: upa15(noTest().replace(preg("onsetDateTime", ago(10))).replace(obsCode("hcg", "2106-3", negative, ago(9)))), noCards: true},
		{name: "negative hCG the day before the onset: pregnant", c: upa15(noTest().replace(preg("onsetDateTime", ago(10))).replace(obsCode("hcg", "2106-3", negative, ago(11)))), want: w("pregnancy", "critical")},
		{name: "onset (last period) 40 days ago, early negative hCG 30 days ago, recorded 5 days ago: pregnant", c: upa15(noTest().replace(preg("onsetDateTime", ago(40), "recordedDate", ago(5))).replace(obsCode("hcg", "2106-3", negative, ago(30)))),
			want: w("pregnancy", "critical")},
		{name: "hCG 12 (indeterminate) after the onset: pregnant", c: upa15(noTest().replace(preg("onsetDateTime", ago(60))).replace(qty("hcg", "19080-1", 12, "mIU/mL", "", ago(3)))), want: w("pregnancy", "critical")},
		{name: "negative hCG, then hCG 12 a day later: pregnant", c: upa15(noTest().replace(preg("onsetDateTime", ago(60))).replace(obsCode("hcg", "2106-3", negative, ago(4))).replace(qty("hcg2", "19080-1", 12, "mIU/mL", "", ago(3)))), want: w("pregnancy", "critical")},
		{name: "undated Z33.1, negative hCG 4 days ago: pregnant (fail safe)", c: upa15(cleanRecord().replace(preg())), want: w("pregnancy", "critical")},
		{name: "patient-view on a course: Z33.1 onset 100 days ago, negative hCG since: no pregnancy card", c: view(cleanRecord().onCourse("upadacitinib").replace(preg("onsetDateTime", ago(100)))), absent: []string{"pregnancy"}},
		{name: "patient-view on a course: Z33.1 onset 20 days ago, no test since: pregnancy", c: view(cleanRecord().onCourse("abrocitinib").replace(preg("onsetDateTime", ago(2)))), want: w("pregnancy", "critical")},
	}
	runAcc(t, cases)
}

// A breastfeeding or lactation condition recorded with no clinical status
// (an encounter diagnosis, Z39.1 at a postnatal visit years ago) raised a
// critical breastfeeding card forever. It now counts while dated within 2
// years (WHO, AAP: breastfeeding to 2 years or beyond); a stated active
// status is taken as written whatever its date, and an undated one counts.
func TestAcceptanceReprorevStaleBreastfeeding(t *testing.T) {
	bf := func(system, code, status string, days int) res {
		return rxCond("bf", system, code, status, "", "onsetDateTime", ago(days))
	}
	cases := []accCase{
		{name: "Z39.1 no status 729 days ago: breastfeeding", c: upa15(cleanRecord().replace(bf(icd, "Z39.1", "", 729))), want: w("breastfeeding", "critical")},
		{name: "Z39.1 no status 730 days ago: breastfeeding", c: upa15(cleanRecord().replace(bf(icd, "Z39.1", "", 730))), want: w("breastfeeding", "critical")},
		{name: "Z39.1 no status 731 days ago: nothing", c: upa15(cleanRecord().replace(bf(icd, "Z39.1", "", 731))), noCards: true},
		{name: "866041003 status unknown 3 years ago: nothing", c: abro100(cleanRecord().replace(bf(sct, "866041003", "unknown", 1100))), noCards: true},
		{name: "866041003 recorded (no onset) 3 years ago, no status: nothing", c: abro100(cleanRecord().replace(rxCond("bf", sct, "866041003", "", "", "recordedDate", ago(1100)))), noCards: true},
		{name: "866041003 active 3 years ago: taken as written", c: abro100(cleanRecord().replace(bf(sct, "866041003", "active", 1100))), want: w("breastfeeding", "critical")},
		{name: "Z39.1 no status, undated: breastfeeding", c: upa15(cleanRecord().replace(cond("bf", icd, "Z39.1", ""))), want: w("breastfeeding", "critical")},
		{name: "patient-view: Z39.1 no status 3 years ago: nothing", c: view(cleanRecord().onCourse("upadacitinib").replace(bf(icd, "Z39.1", "", 1100))), absent: []string{"breastfeeding"}},
	}
	runAcc(t, cases)
}

// Vaccines recorded by name: the CVX short descriptions ("Zoster
// recombinant" for 187, "Zoster live" for 121, "Yellow fever live" for 37)
// and ACIP's abbreviations (RZV, ZVL), as HL7 v2 feeds and local vaccine
// tables send them. A Shingrix dose named "Zoster recombinant" was not
// recognised (zoster-vaccine-missing asked for a vaccine already given);
// a "Zoster live" or "Yellow fever live" dose 10 days ago passed.
func TestAcceptanceReprorevVaccineNames(t *testing.T) {
	named := func(text string, date string) res {
		return res{"resourceType": "Immunization", "id": "v", "status": "completed", "vaccineCode": res{"text": text}, "occurrenceDateTime": date}
	}
	local := func(display string, date string) res {
		return res{"resourceType": "Immunization", "id": "v", "status": "completed",
			"vaccineCode": res{"coding": []any{res{"system": "urn:oid:1.2.3.4.5", "code": "Z17", "display": display}}}, "occurrenceDateTime": date}
	}
	noRZV := func() *record { return cleanRecord().drop("rzv") }
	cases := []accCase{
		{name: "'Zoster recombinant' 2024: recombinant dose on record", c: upa15(noRZV().replace(named("Zoster recombinant", "2024-03-01"))), noCards: true},
		{name: "local code displayed 'ZOSTER RECOMBINANT': on record", c: abro100(noRZV().replace(local("ZOSTER RECOMBINANT", "2024-03-01"))), noCards: true},
		{name: "'RZV dose 2': on record", c: upa15(noRZV().replace(named("RZV dose 2", "2024-03-01"))), noCards: true},
		{name: "'Zoster recombinant' 10 days ago: not live", c: upa15(noRZV().replace(named("Zoster recombinant", ago(10)))), noCards: true},
		{name: "'Zoster live' 10 days ago: live vaccine recent, not recombinant", c: upa15(noRZV().replace(named("Zoster live", ago(10)))), want: w("live-vaccine-recent", "warning", "zoster-vaccine-missing", "warning")},
		{name: "'ZVL' 10 days ago: live vaccine recent", c: abro100(cleanRecord().replace(named("ZVL", ago(10)))), want: w("live-vaccine-recent", "warning")},
		{name: "'Zoster live' 29 days ago: not recent", c: abro100(cleanRecord().replace(named("Zoster live", ago(29)))), noCards: true},
		{name: "local code displayed 'Yellow fever live' 28 days ago: recent", c: upa15(cleanRecord().replace(local("Yellow fever live", ago(28)))), want: w("live-vaccine-recent", "warning")},
		{name: "'Zoster' alone (formulation unknown) 10 days ago: neither", c: upa15(noRZV().replace(named("Zoster", ago(10)))), want: w("zoster-vaccine-missing", "warning"), absent: []string{"live-vaccine-recent"}},
		{name: "'Varicella zoster immune globulin' 10 days ago: not a live vaccine", c: upa15(cleanRecord().replace(named("Varicella zoster immune globulin (VariZIG)", ago(10)))), noCards: true},
	}
	runAcc(t, cases)
}

// Contraception advice and the EU contraindication (pharmacist review): the
// pregnancy-test card gave no period of contraception, and the
// upadacitinib pregnancy card did not say that the EU SmPC contraindicates
// pregnancy (it said so only for abrocitinib).
func TestAcceptanceReprorevPregnancyWording(t *testing.T) {
	noTest := func() *record { return cleanRecord().drop("hcg") }
	cases := []accCase{
		{name: "upadacitinib, no test: contraception 4 weeks after the last dose", c: upa15(noTest()), want: w("pregnancy-test-missing", "warning"),
			detailOf: map[string]string{"pregnancy-test-missing": "4 weeks after the last dose"}},
		{name: "abrocitinib, no test: contraception, EU 1 month", c: abro100(noTest()), want: w("pregnancy-test-missing", "warning"),
			detailOf: map[string]string{"pregnancy-test-missing": "1 month after the last dose"}},
		{name: "upadacitinib, pregnant: EU SmPC contraindicates", c: upa15(cleanRecord().replace(cond("p", icd, "Z33.1", "active"))), want: w("pregnancy", "critical"),
			detailOf: map[string]string{"pregnancy": "EU SmPC contraindicates pregnancy"}},
		{name: "abrocitinib, pregnant: EU SmPC contraindicates", c: abro100(cleanRecord().replace(cond("p", icd, "Z33.1", "active"))), want: w("pregnancy", "critical"),
			detailOf: map[string]string{"pregnancy": "EU SmPC contraindicates pregnancy"}},
	}
	runAcc(t, cases)
}
