package cards

import (
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
