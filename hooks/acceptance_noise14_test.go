package hooks

import (
	"testing"
)

// Noise review 14 (December 2026): a clinical pharmacist read the cards of
// the acceptance scenarios for both drugs across the hooks, through the
// HTTP handler.

// TestAcceptanceNoise14ConditionAheadQuestioned: an active tuberculosis
// whose onset is after today (a typing error, or an entry dated ahead)
// read "Tuberculosis of lung, code A15.0 (active), since 2027-01-01" with
// nothing asking to check that date; the boxed-warning events (MI, stroke,
// thrombosis, malignancy at patient-view) and the results dated ahead
// already said "after today: check its date". Every Condition-based
// finding now does, on both hooks and for both drugs: N-1 (yesterday) and
// N (today) are not questioned, N+1 (tomorrow) is, date-only or
// dateTime; a dateTime on tomorrow's date in a zone east of the server but
// within the hour's clock tolerance is not; a recorded date after today
// with no onset is.
func TestAcceptanceNoise14ConditionAheadQuestioned(t *testing.T) {
	const note = "after today: check its date"
	type onset struct {
		name  string
		kv    []any
		since string // the date the evidence names ("" to check the note only)
		ahead bool
	}
	onsets := []onset{
		{"onset yesterday (date)", []any{"onsetDateTime", ago(1)}, "since " + ago(1), false},
		{"onset today (date)", []any{"onsetDateTime", ago(0)}, "since " + ago(0), false},
		{"onset tomorrow (date)", []any{"onsetDateTime", ago(-1)}, "since " + ago(-1) + ", " + note, true},
		{"onset 2027-01-01 (date)", []any{"onsetDateTime", "2027-01-01"}, "since 2027-01-01, " + note, true},
		{"onset later today (dateTime)", []any{"onsetDateTime", "2026-11-29T18:00:00Z"}, "", false},
		{"onset tomorrow (dateTime)", []any{"onsetDateTime", "2026-11-30T08:00:00Z"}, "", true},
		{"onset tomorrow's date at +12:00, 30 minutes ahead (dateTime)", []any{"onsetDateTime", "2026-11-30T00:30:00+12:00"}, "", false},
		{"onset tomorrow's date at +12:00, 90 minutes ahead (dateTime)", []any{"onsetDateTime", "2026-11-30T01:30:00+12:00"}, "", true},
		{"recorded tomorrow, no onset", []any{"recordedDate", ago(-1)}, "recorded on " + ago(-1) + " (onset not stated), " + note, true},
	}
	conds := []struct{ code, finding, startLevel, viewLevel string }{
		{"A15.0", "tb-active", "critical", "critical"},
		{"A41.9", "serious-infection-active", "critical", "critical"},
		{"B18.1", "hbv-active", "critical", "critical"},
		{"B18.2", "hcv-active", "critical", "critical"},
		{"C34.90", "malignancy", "warning", "warning"},
		{"I21.4", "mace-history", "warning", "warning"},
		{"I63.9", "mace-history", "warning", "warning"},
		{"I82.401", "vte-risk", "warning", "warning"},
	}
	var cases []accCase
	for _, drug := range []string{"upadacitinib", "abrocitinib"} {
		for _, x := range conds {
			for _, o := range onsets {
				mk := func() res { return with(cond("x", icd, x.code, "active"), o.kv...) }
				for _, h := range []struct {
					hook  string
					c     call
					level string
				}{
					{"order-sign start", sign(cleanRecord().replace(mk()), jakDraft(drug, 15)), x.startLevel},
					{"patient-view on a course", view(onCourseNow(drug, 60).replace(mk())), x.viewLevel},
				} {
					tc := accCase{name: drug + " " + h.hook + ": " + x.code + " " + o.name, c: h.c, want: w(x.finding, h.level)}
					switch {
					case o.ahead && o.since != "":
						tc.detailOf = map[string]string{x.finding: o.since}
					case o.ahead:
						tc.detailOf = map[string]string{x.finding: note}
					case o.since != "": // the line ends at the date
						tc.detailOf = map[string]string{x.finding: o.since + "\n"}
						tc.notDetailOf = map[string]string{x.finding: "after today"}
					default:
						tc.notDetailOf = map[string]string{x.finding: "after today"}
					}
					cases = append(cases, tc)
				}
			}
		}
	}
	runAcc(t, cases)
}

// TestAcceptanceNoise14AnswerNamedByValueSet: a smoking status answered by
// a bare SNOMED code (no display, no text) read "Smoking status 449868002
// on ..." on the smoker card: the answer is now named by the value set's
// display, with its code, as conditions are (noise13 question 3,
// TestAcceptanceConditionNamedByValueSet); a display or a text sent is
// used as sent. The pregnancy status had the same gap ("Pregnancy status
// 77386006"); an answer matched by an ICD-10-CM range only (no display in
// the value set) keeps its bare code.
func TestAcceptanceNoise14AnswerNamedByValueSet(t *testing.T) {
	smoke := func(v res) *record {
		return cleanRecord().replace(res{"resourceType": "Observation", "id": "smoke", "status": "final", "code": coding(loinc, "72166-2"),
			"effectiveDateTime": ago(20), "valueCodeableConcept": v})
	}
	status := func(system, code string) *record {
		return cleanRecord().replace(res{"resourceType": "Observation", "id": "ps", "status": "final", "code": coding(loinc, "82810-3"),
			"effectiveDateTime": ago(3), "valueCodeableConcept": coding(system, code)})
	}
	sctDisplay := func(code, display string) res {
		return res{"coding": []any{res{"system": sct, "code": code, "display": display}}}
	}
	on := "on " + ago(20)
	var cases []accCase
	for _, drug := range []string{"upadacitinib", "abrocitinib"} {
		start := func(r *record) call { return sign(r, jakDraft(drug, 15)) }
		cases = append(cases,
			accCase{name: drug + ": current every day smoker, bare code: the value set's display, the code kept", c: start(smoke(coding(sct, "449868002"))),
				want:        w("smoker", "warning"),
				detailOf:    map[string]string{"smoker": "Smoking status Current every day smoker (code 449868002) " + on},
				notDetailOf: map[string]string{"smoker": "Smoking status 449868002"}},
			accCase{name: drug + ": former smoker, bare code: the value set's display", c: start(smoke(coding(sct, "8517006"))),
				want:     w("smoker", "warning"),
				detailOf: map[string]string{"smoker": "Smoking status Former smoker (code 8517006) " + on}},
			accCase{name: drug + ": a display sent: the display, no code", c: start(smoke(sctDisplay("449868002", "Every day smoker"))),
				want:        w("smoker", "warning"),
				detailOf:    map[string]string{"smoker": "Smoking status Every day smoker " + on},
				notDetailOf: map[string]string{"smoker": "(code 449868002)"}},
			accCase{name: drug + ": a text sent beside the bare code: the text", c: start(smoke(res{"coding": []any{res{"system": sct, "code": "449868002"}}, "text": "Smokes daily"})),
				want:        w("smoker", "warning"),
				detailOf:    map[string]string{"smoker": "Smoking status Smokes daily " + on},
				notDetailOf: map[string]string{"smoker": "(code 449868002)"}},
			accCase{name: drug + ": never smoker, bare code: no card", c: start(smoke(coding(sct, "266919005"))), noCards: true},
			accCase{name: drug + ": at 55, the cardiovascular-risk card names it too", c: start(smoke(coding(sct, "449868002")).born(bornAged(55))),
				want:     w("cardiovascular-risk", "warning", "smoker", "warning"),
				detailOf: map[string]string{"cardiovascular-risk": "Smoking status Current every day smoker (code 449868002) " + on}},
			accCase{name: drug + ": pregnancy status, bare SNOMED code: the value set's display", c: start(status(sct, "77386006")),
				want:        w("pregnancy", "critical"),
				detailOf:    map[string]string{"pregnancy": "Pregnancy status Pregnancy (code 77386006) on " + ago(3)},
				notDetailOf: map[string]string{"pregnancy": "Pregnancy status 77386006"}},
			accCase{name: drug + ": pregnancy status, an ICD-10-CM code matched by range only: the bare code", c: start(status(icd, "O26.891")),
				want:     w("pregnancy", "critical"),
				detailOf: map[string]string{"pregnancy": "Pregnancy status O26.891 on " + ago(3)}},
		)
	}
	runAcc(t, cases)
}

// TestAcceptanceNoise14DrugCodeNamedInDetail: an interacting drug sent by
// its RxNorm (or CVX) code alone, with no display and no text, was named
// in the summary by the knowledge base's display ("Do not add clopidogrel
// 75 MG Oral Tablet", nameSubjects) while the detail of the same card
// said "- 309362 (order in this session): antiplatelet." and "cancel the
// 309362 order": two names for one drug, one of them a number. The detail
// now names it too, the evidence keeping the code as a condition's does;
// a display or a text sent is used as sent.
func TestAcceptanceNoise14DrugCodeNamedInDetail(t *testing.T) {
	codeOnly := func(id, code string) res {
		m := drugDraft(id, "", "", "")
		m["medicationCodeableConcept"] = res{"coding": []any{res{"system": rxnorm, "code": code}}}
		return m
	}
	onRecord := func(m res) *record {
		r := cleanRecord()
		m["status"], m["authoredOn"] = "active", ago(20)
		delete(m, "subject")
		r.medications = append(r.medications, m)
		return r
	}
	clop := "clopidogrel 75 MG Oral Tablet"
	rif := "rifampin 300 MG Oral Capsule"
	cases := []accCase{
		{name: "abrocitinib day 30, clopidogrel ordered by code alone", c: sign(onCourseNow("abrocitinib", 30), codeOnly("clop", "309362")),
			want: w("antiplatelet-abrocitinib", "critical"), summaryOf: map[string]string{"antiplatelet-abrocitinib": "Do not add " + clop},
			detailOf:    map[string]string{"antiplatelet-abrocitinib": "- " + clop + ", code 309362 (order in this session): antiplatelet.\n"},
			notDetailOf: map[string]string{"antiplatelet-abrocitinib": "the 309362 order"}},
		{name: "abrocitinib day 30, clopidogrel ordered with its display: as sent, no code", c: sign(onCourseNow("abrocitinib", 30), drugDraft("clop", rxnorm, "309362", clop)),
			want: w("antiplatelet-abrocitinib", "critical"), detailOf: map[string]string{"antiplatelet-abrocitinib": "- " + clop + " (order in this session)"},
			notDetailOf: map[string]string{"antiplatelet-abrocitinib": "code 309362"}},
	}
	for _, drug := range []string{"upadacitinib", "abrocitinib"} {
		mg := map[string]int{"upadacitinib": 15, "abrocitinib": 100}[drug]
		cases = append(cases,
			accCase{name: drug + " course, rifampin ordered by code alone: named in the action", c: sign(onCourseNow(drug, 30), codeOnly("rif", "198202")),
				want:        w("cyp-interaction", "warning"),
				detailOf:    map[string]string{"cyp-interaction": "cancel the " + rif + " order"},
				notDetailOf: map[string]string{"cyp-interaction": "- 198202"}},
			accCase{name: drug + " ordered, rifampin on record by code alone: named in the evidence and the action", c: sign(onRecord(codeOnly("rif", "198202")), jakDraft(drug, mg)),
				want:        w("cyp-interaction", "warning"),
				detailOf:    map[string]string{"cyp-interaction": "- " + rif + ", code 198202 (active, ordered "},
				notDetailOf: map[string]string{"cyp-interaction": "with 198202"}},
			accCase{name: drug + " ordered, rifampin on record with a text: the text, no code", c: sign(onRecord(drugDraft("rif", "", "", "Rifadin 300 mg capsule")), jakDraft(drug, mg)),
				want:        w("cyp-interaction", "warning"),
				detailOf:    map[string]string{"cyp-interaction": "- Rifadin 300 mg capsule (active, ordered "},
				notDetailOf: map[string]string{"cyp-interaction": "code 198202"}},
		)
	}
	runAcc(t, cases)
}

// TestAcceptanceNoise14PgpSummaryOneForm: a narrow-margin P-gp substrate
// read "Monitor dabigatran etexilate 150 MG Oral Capsule: abrocitinib
// raises levels of narrow-margin P-gp substrates" when abrocitinib was
// ordered beside it, but "Monitor dabigatran etexilate 150 MG Oral Capsule
// levels: abrocitinib raises levels ..." when the substrate was ordered
// for a patient on abrocitinib: a dabigatran level is not what is watched
// (bleeding, renal function), and "levels" was said twice. Both
// directions now read alike; the detail still says "(levels, toxicity)".
func TestAcceptanceNoise14PgpSummaryOneForm(t *testing.T) {
	dab, dig := "dabigatran etexilate 150 MG Oral Capsule", "digoxin 0.125 MG Oral Tablet"
	onRecord := func(text string) *record {
		r := cleanRecord()
		r.medications = append(r.medications, med("pgp", "active", "", "", text, 20))
		return r
	}
	const raises = ": abrocitinib raises levels of narrow-margin P-gp substrates"
	var cases []accCase
	for name, short := range map[string]string{dab: "dabigatran", dig: "digoxin"} { // an order is named by the value set's word (shortName)
		cases = append(cases,
			accCase{name: name + " ordered for a patient on abrocitinib", c: sign(onCourseNow("abrocitinib", 30), drugDraft("pgp", "", "", name)),
				want: w("pgp-substrate", "info"), summaryOf: map[string]string{"pgp-substrate": "Monitor " + short + raises},
				detailOf: map[string]string{"pgp-substrate": "(levels, toxicity)"}},
			accCase{name: "abrocitinib ordered beside " + name, c: sign(onRecord(name), jakDraft("abrocitinib", 100)),
				want: w("pgp-substrate", "info"), summaryOf: map[string]string{"pgp-substrate": "Monitor " + name + raises}},
			accCase{name: name + " ordered after an abrocitinib course ended", c: sign(endedCourse("abrocitinib", 100, 30), drugDraft("pgp", "", "", name)),
				want:      w("pgp-substrate", "info"),
				summaryOf: map[string]string{"pgp-substrate": "Monitor " + short + " if abrocitinib resumes: it raises levels of narrow-margin P-gp substrates"}},
		)
	}
	runAcc(t, cases)
}
