package cards

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/rules"
)

func TestUnchecked(t *testing.T) {
	c := Unchecked(rules.Abrocitinib, []string{rules.DataConditions, rules.DataImmunizations}, nil, Options{NewUUID: func() string { return "u1" }})
	require.NoError(t, Validate(c))
	assert.Equal(t, "Not fully checked for abrocitinib: conditions, immunizations could not be read", c.Summary)
	assert.Equal(t, rules.Warning, c.Indicator)
	assert.Equal(t, []string{DataUnavailable}, c.Findings())
	assert.Contains(t, c.Detail, "Could not be checked: conditions, immunizations")

	// Every kind at once, and a drug not known: still a valid card.
	all := []string{rules.DataPatient, rules.DataConditions, rules.DataMedications, rules.DataObservations,
		rules.DataImmunizations, rules.DataMedicationStatements}
	c = Unchecked("", all, map[string]int{rules.DataObservations: 3}, Options{})
	require.NoError(t, Validate(c))
	assert.LessOrEqual(t, utf8.RuneCountInString(c.Summary), MaxSummaryRunes)
	assert.NotEmpty(t, c.UUID)
	assert.Contains(t, c.Detail, "Not read: 3 entries of lab results (malformed, left out); the rest was checked.")

	// Entries left out alone.
	c = Unchecked(rules.Upadacitinib, nil, map[string]int{rules.DataConditions: 1, rules.DataObservations: 0}, Options{})
	require.NoError(t, Validate(c))
	assert.Equal(t, "Not fully checked for upadacitinib: some conditions could not be read", c.Summary)
	assert.Contains(t, c.Detail, "Not read: 1 entry of conditions (malformed, left out); the rest was checked.")
	assert.NotContains(t, c.Detail, "Could not be checked")
}

// On patient-view the card is info (a chart opening is not interrupted),
// speaks of the course, not of an order, and names the course checks that
// did not run.
func TestUncheckedPatientView(t *testing.T) {
	pv := Options{PatientView: true, NewUUID: func() string { return "u1" }}
	c := Unchecked(rules.Upadacitinib, []string{rules.DataImmunizations}, nil, pv)
	require.NoError(t, Validate(c))
	assert.Equal(t, rules.Info, c.Indicator)
	assert.Equal(t, []string{DataUnavailable}, c.Findings())
	assert.Equal(t, "Upadacitinib course not fully checked: immunizations could not be read", c.Summary)
	assert.Equal(t, "Could not be checked: immunizations (neither in prefetch nor obtainable from the FHIR server).\n\n"+
		"Not checked on the upadacitinib course: live vaccines given during the course. Review this data in the chart.", c.Detail)

	// Entries left out, and a kind unavailable: both said, each once.
	c = Unchecked(rules.Abrocitinib, []string{rules.DataConditions}, map[string]int{rules.DataConditions: 1, rules.DataObservations: 2}, pv)
	require.NoError(t, Validate(c))
	assert.Equal(t, "Abrocitinib course not fully checked: conditions, lab results could not be read", c.Summary)
	assert.Contains(t, c.Detail, "Not checked on the abrocitinib course: serious infection, active tuberculosis, pregnancy, breastfeeding, and what began since the course start")
	assert.Contains(t, c.Detail, "Checked without the entries left out: monitoring that is due")
	assert.Contains(t, c.Detail, "Not read: 2 entries of lab results")

	// On both drugs, every kind: a valid card within the summary limit.
	c = Unchecked("", rules.PatientViewData(), map[string]int{rules.DataMedications: 1}, pv)
	require.NoError(t, Validate(c))
	assert.True(t, strings.HasPrefix(c.Summary, "JAK-inhibitor courses not fully checked: "), c.Summary)
	assert.LessOrEqual(t, utf8.RuneCountInString(c.Summary), MaxSummaryRunes)
	for _, wrong := range []string{"this order", "signing", "the the"} {
		assert.NotContains(t, c.Summary+c.Detail, wrong)
	}
}

// Every kind a patient-view rule reads has the name of its checks.
func TestPVChecksCoverPatientViewData(t *testing.T) {
	for _, k := range rules.PatientViewData() {
		assert.NotEmpty(t, pvChecks[k], k)
	}
}

// TestUnreadableLineBounded: the status quoted from the record is bounded,
// quoted and escaped (it is record text reaching the EHR).
func TestUnreadableLineBounded(t *testing.T) {
	long := strings.Repeat("x", 5000) + "\n# <b>"
	c := Unchecked(rules.Upadacitinib, nil, map[string]int{rules.DataMedications: 1},
		Options{Unreadable: &rules.Medication{ResourceType: "MedicationRequest", Status: long}, UnreadableDrug: rules.Upadacitinib})
	assert.Contains(t, c.Detail, "An upadacitinib order on the record has a status jakguard cannot read")
	assert.Less(t, len(c.Detail), 1200)
	c = Unchecked(rules.Upadacitinib, nil, map[string]int{rules.DataMedications: 1},
		Options{Unreadable: &rules.Medication{ResourceType: "MedicationRequest", Status: "<b>held</b>\n# x"}, UnreadableDrug: rules.Upadacitinib})
	assert.NotContains(t, c.Detail, "<b>")
	assert.NotContains(t, c.Detail, "\n# x")
	c = Unchecked(rules.Abrocitinib, nil, map[string]int{rules.DataMedicationStatements: 1},
		Options{Unreadable: &rules.Medication{ResourceType: "MedicationStatement", Status: "  "}, UnreadableDrug: rules.Abrocitinib})
	assert.Contains(t, c.Detail, "An abrocitinib statement on the record has a status jakguard cannot read (none)")
}
