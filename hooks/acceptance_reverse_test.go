package hooks

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The reverse direction (contract 6.1): a drug that interacts with the
// patient's JAK-inhibitor course is ordered, in and out of the course's
// time limits; live vaccines ordered as ServiceRequests; order-select
// selections; patient-view of the interacting drugs on the chart; and
// the two recorded sandbox requests.

// endedCourse is the clean record with a course of drug at mg that ended
// days ago (its last order's validity ended then).
func endedCourse(drug string, mg, days int) *record {
	r := cleanRecord()
	m := courseMed(drug+"-1", "MedicationRequest", "completed", drug, mg, days+60)
	m["dispenseRequest"] = res{"validityPeriod": res{"start": ago(days + 60), "end": ago(days)}}
	r.medications = append(r.medications, m)
	return r
}

// onCourseAt is the clean record with an active course of drug at mg
// started days ago.
func onCourseAt(drug string, mg, days int) *record {
	r := cleanRecord()
	r.medications = append(r.medications, courseMed(drug+"-1", "MedicationRequest", "active", drug, mg, days))
	return r
}

func serviceDraft(id, status, system, code, text string) res {
	return res{"resourceType": "ServiceRequest", "id": id, "status": status, "intent": "order",
		"subject": res{"reference": "Patient/p1"}, "code": cc(system, code, "", text)}
}

func TestAcceptanceReverseDirection(t *testing.T) {
	type pair struct {
		draft       res
		jak         string
		code, level string
		limited     bool // antiplatelet: only in the first 3 months
	}
	pairs := []pair{
		{drugDraft("x", rxnorm, "1357541", "tofacitinib 5 MG Oral Tablet"), "upadacitinib", "combination-jak", "critical", false},
		{drugDraft("x", rxnorm, "2047232", "baricitinib"), "abrocitinib", "combination-jak", "critical", false},
		{drugDraft("x", "", "", "Dupixent 300 mg pen"), "upadacitinib", "combination-biologic", "warning", false},
		{drugDraft("x", rxnorm, "1256", "azathioprine"), "abrocitinib", "combination-immunosuppressant", "warning", false},
		{drugDraft("x", cvx, "03", "MMR vaccine"), "upadacitinib", "live-vaccine-ordered", "warning", false},
		{drugDraft("x", "", "", "Varivax injection"), "abrocitinib", "live-vaccine-ordered", "warning", false},
		{drugDraft("x", rxnorm, "32968", "clopidogrel"), "abrocitinib", "antiplatelet-abrocitinib", "critical", true},
		{drugDraft("x", rxnorm, "21212", "clarithromycin"), "upadacitinib", "cyp-interaction", "warning", false},
		{drugDraft("x", rxnorm, "9384", "rifampin"), "abrocitinib", "cyp-interaction", "warning", false},
		{drugDraft("x", rxnorm, "4450", "fluconazole"), "abrocitinib", "cyp-interaction", "warning", false},
		{drugDraft("x", rxnorm, "3407", "digoxin"), "abrocitinib", "pgp-substrate", "info", false},
	}
	var cases []accCase
	for _, p := range pairs {
		name := fmt.Sprintf("%v ordered for a patient", p.draft["medicationCodeableConcept"].(res)["text"])
		mg := map[string]int{"upadacitinib": 15, "abrocitinib": 100}[p.jak]
		// In the course: started 30 days ago (first 3 months) and 200 days ago.
		cases = append(cases, accCase{name: name + " on " + p.jak + " for 30 days", c: sign(onCourseAt(p.jak, mg, 30), p.draft),
			want: w(p.code, p.level), summaryOf: map[string]string{p.code: p.jak}, detailOf: map[string]string{p.code: "course since " + ago(30)}})
		late := accCase{name: name + " on " + p.jak + " for 200 days", c: sign(onCourseAt(p.jak, mg, 200), p.draft)}
		if p.limited {
			late.noCards = true
		} else {
			late.want = w(p.code, p.level)
		}
		cases = append(cases, late)
		// A course that ended: recent (30 days) or not (91 days).
		// (the ended course began 90 days ago: day 90 of a course still
		// counts for the antiplatelet period)
		recent := accCase{name: name + " whose " + p.jak + " course ended 30 days ago", c: sign(endedCourse(p.jak, mg, 30), p.draft),
			want: w(p.code, p.level)}
		cases = append(cases, recent,
			accCase{name: name + " whose " + p.jak + " course ended 91 days ago", c: sign(endedCourse(p.jak, mg, 91), p.draft), noCards: true},
			accCase{name: name + " with no course", c: sign(cleanRecord(), p.draft), noCards: true},
		)
	}
	cases = append(cases,
		// Upadacitinib 30 mg and a strong CYP3A4 inhibitor: reduce to 15 mg.
		accCase{name: "clarithromycin ordered for a patient on upadacitinib 30 mg: reduce to 15 mg", c: sign(onCourseAt("upadacitinib", 30, 60), drugDraft("x", rxnorm, "197517", "clarithromycin 500 MG Oral Tablet")),
			want: w("cyp-interaction", "warning"), dose: 15, summaryOf: map[string]string{"cyp-interaction": "Reduce upadacitinib to 15 mg daily while on clarithromycin"}},
		accCase{name: "fluoxetine ordered for a patient on abrocitinib 200 mg: reduce to 50 mg", c: sign(onCourseAt("abrocitinib", 200, 200), drugDraft("x", rxnorm, "4493", "fluoxetine")),
			want: w("cyp-interaction", "warning"), dose: 50},
		accCase{name: "aspirin 81 mg ordered for a patient 2 weeks into abrocitinib: allowed", c: sign(onCourseAt("abrocitinib", 100, 14), onceDaily(drugDraft("x", rxnorm, "243670", "aspirin 81 MG Oral Tablet"))),
			noCards: true},
		accCase{name: "aspirin 325 mg ordered for a patient 2 weeks into abrocitinib", c: sign(onCourseAt("abrocitinib", 100, 14), onceDaily(drugDraft("x", rxnorm, "212033", "aspirin 325 MG Oral Tablet"))),
			want: w("antiplatelet-abrocitinib", "critical")},
		// Live vaccines ordered as ServiceRequests.
		accCase{name: "MMR ordered as a ServiceRequest (CVX) for a patient on upadacitinib", c: sign(onCourseAt("upadacitinib", 15, 30), serviceDraft("sr", "draft", cvx, "03", "MMR vaccine")),
			want: w("live-vaccine-ordered", "warning")},
		accCase{name: "yellow fever vaccine ordered as a ServiceRequest by name", c: sign(onCourseAt("abrocitinib", 100, 30), serviceDraft("sr", "active", "", "", "Yellow fever vaccine (YF-Vax)")),
			want: w("live-vaccine-ordered", "warning")},
		accCase{name: "a revoked MMR ServiceRequest: nothing", c: sign(onCourseAt("upadacitinib", 15, 30), serviceDraft("sr", "revoked", cvx, "03", "MMR vaccine")), noCards: true},
		accCase{name: "recombinant zoster vaccine (not live) as a ServiceRequest: nothing", c: sign(onCourseAt("upadacitinib", 15, 30), serviceDraft("sr", "draft", cvx, "187", "Shingrix")), noCards: true},
		accCase{name: "order-select: MMR ServiceRequest selected", c: call{hook: HookOrderSelect, r: onCourseAt("upadacitinib", 15, 30),
			drafts: []res{serviceDraft("sr", "draft", cvx, "03", "MMR vaccine")}, selections: []string{"ServiceRequest/sr"}}, want: w("live-vaccine-ordered", "warning")},
		accCase{name: "order-select: MMR ServiceRequest not selected", c: call{hook: HookOrderSelect, r: onCourseAt("upadacitinib", 15, 30),
			drafts: []res{serviceDraft("sr", "draft", cvx, "03", "MMR vaccine"), drugDraft("amox", rxnorm, "308191", "amoxicillin")}, selections: []string{"MedicationRequest/amox"}}, noCards: true},
		// The JAK order and the interacting order in one session: reported once.
		accCase{name: "abrocitinib and clopidogrel ordered together: one antiplatelet card", c: sign(cleanRecord(), jakDraft("abrocitinib", 100), drugDraft("x", rxnorm, "32968", "clopidogrel")),
			want: w("antiplatelet-abrocitinib", "critical")},
		// patient-view: the interacting drugs on the chart.
		accCase{name: "patient-view: abrocitinib 30 days in, clopidogrel on the chart", c: view(func() *record {
			r := onCourseAt("abrocitinib", 100, 30)
			r.medications = append(r.medications, med("clop", "active", rxnorm, "32968", "clopidogrel", 10))
			return r
		}()), want: w("antiplatelet-abrocitinib", "critical")},
		accCase{name: "patient-view: abrocitinib 200 days in, clopidogrel on the chart: past the first 3 months", c: view(func() *record {
			r := onCourseAt("abrocitinib", 100, 200)
			r.medications = append(r.medications, med("clop", "active", rxnorm, "32968", "clopidogrel", 10))
			return r
		}()), noCards: true},
		accCase{name: "patient-view: upadacitinib 30 mg with itraconazole on the chart", c: view(func() *record {
			r := onCourseAt("upadacitinib", 30, 60)
			r.medications = append(r.medications, med("itra", "active", rxnorm, "28031", "itraconazole", 10))
			return r
		}()), want: w("cyp-interaction", "warning"), dose: 15},
		accCase{name: "patient-view: digoxin with abrocitinib on the outside list", c: view(func() *record {
			r := onCourseAt("abrocitinib", 100, 60)
			r.medications = append(r.medications, stmt("dig", "active", rxnorm, "3407", "digoxin", 10))
			return r
		}()), want: w("pgp-substrate", "info")},
		accCase{name: "patient-view: tofacitinib and upadacitinib both active", c: view(func() *record {
			r := onCourseAt("upadacitinib", 15, 60)
			r.medications = append(r.medications, med("tofa", "active", rxnorm, "1357536", "tofacitinib", 10))
			return r
		}()), want: w("combination-jak", "critical")},
		accCase{name: "patient-view: on upadacitinib and abrocitinib: one combination card, not one per course", c: view(func() *record {
			r := cleanRecord()
			r.medications = append(r.medications, courseMed("u", "MedicationRequest", "active", "upadacitinib", 15, 100), courseMed("a", "MedicationRequest", "active", "abrocitinib", 100, 50))
			return r
		}()), want: w("combination-jak", "critical")}, // checkResponse refuses a finding on two cards
		accCase{name: "patient-view: on both and tofacitinib too: still one combination card", c: view(func() *record {
			r := cleanRecord()
			r.medications = append(r.medications, courseMed("u", "MedicationRequest", "active", "upadacitinib", 15, 100), courseMed("a", "MedicationRequest", "active", "abrocitinib", 100, 50),
				med("tofa", "active", rxnorm, "1357536", "tofacitinib", 10))
			return r
		}()), want: w("combination-jak", "critical")},
		accCase{name: "patient-view without a course: no cards even with tofacitinib", c: view(func() *record {
			r := cleanRecord()
			r.medications = append(r.medications, med("tofa", "active", rxnorm, "1357536", "tofacitinib", 10))
			return r
		}()), noCards: true},
	)
	runAcc(t, cases)
}

// TestAcceptanceSandboxRecordings: both recorded sandbox requests
// (tofacitinib ordered for a patient on upadacitinib, Rx View then Rx
// Sign) get one critical combination-jak card, and the recorded
// patient-view names the course's own dangers.
func TestAcceptanceSandboxRecordings(t *testing.T) {
	s := newRecordingServer(t, serverOpts{noStore: true})
	for _, tc := range []struct{ path, service string }{
		{sandboxSelectTofacitinib, HookOrderSelect},
		{sandboxSignTofacitinib, HookOrderSign},
	} {
		rec := s.do(t, "POST", "/cds-services/"+tc.service, readFile(t, tc.path))
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		cs := checkResponse(t, rec.Body.Bytes())
		require.Len(t, cs, 1, cardSummaries(cs))
		assert.Equal(t, []string{"combination-jak"}, cs[0].Findings())
		assert.Equal(t, "critical", string(cs[0].Indicator))
	}
	rec := s.do(t, "POST", "/cds-services/patient-view", readFile(t, sandboxPatientView))
	require.Equal(t, http.StatusOK, rec.Code)
	cs := checkResponse(t, rec.Body.Bytes())
	// Upadacitinib since 2026-06-01 with a lymphocyte count after the start:
	// no CBC reminder, ALT/AST and lipids due (12-week routine interval).
	checkAcc(t, accCase{want: w("lymphopenia", "critical", "monitoring-liver-due", "warning", "monitoring-lipids-due", "warning"),
		absent: []string{"monitoring-cbc-due"}}, cs, rec.Body.String())
}
