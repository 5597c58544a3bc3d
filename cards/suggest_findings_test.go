package cards

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/rules"
)

// suggestionFindings maps each suggestion label of the cards to the finding
// codes it addresses.
func suggestionFindings(cs []Card) map[string][]string {
	out := map[string][]string{}
	for _, c := range cs {
		for _, s := range c.Suggestions {
			out[s.Label] = s.Findings
		}
	}
	return out
}

// Each suggestion carries the findings it addresses, so that accepting one
// test of the screening card counts for that test's finding only.
func TestSuggestionFindings(t *testing.T) {
	t.Run("screening: one test, its finding; order all, every finding with a test; cancel, all", func(t *testing.T) {
		cs := FromFindings(abrocitinibScreening(), Options{PatientID: "pt-abro", NewUUID: seqUUID(),
			Orders: map[string]json.RawMessage{"MedicationRequest/abro-1": mustReadOrder(t, "abrocitinib-200mg-contained.json")}})
		got := suggestionFindings(cs)
		assert.Equal(t, []string{rules.Thrombocytopenia}, got["Cancel this abrocitinib order"], "the critical card's cancel")
		assert.Equal(t, []string{rules.TBScreeningMissing}, got["Order Interferon-gamma release assay (IGRA)"])
		assert.Equal(t, []string{rules.HBVScreeningMissing}, got["Order Hepatitis B surface antigen (HBsAg)"])
		assert.Equal(t, []string{rules.ZosterVaccineMissing}, got["Order Zoster vaccine recombinant (Shingrix)"])
		assert.ElementsMatch(t, []string{rules.TBScreeningMissing, rules.HBVScreeningMissing, rules.HCVScreeningMissing, rules.ZosterVaccineMissing},
			got["Order all 4 items"])
	})
	t.Run("dose change: the findings that ask for the lower dose, not the other risk factors", func(t *testing.T) {
		cs := FromFindings(upadacitinibSmoker(), Options{PatientID: "p1", NewUUID: seqUUID(),
			Orders: map[string]json.RawMessage{"MedicationRequest/upa-30": mustReadOrder(t, "upadacitinib-30mg.json")}})
		got := suggestionFindings(cs)
		assert.Equal(t, []string{rules.LowerDoseRecommended}, got["Change to upadacitinib 15 mg once daily"])
	})
	t.Run("a test two findings ask for addresses both", func(t *testing.T) {
		const order = "MedicationRequest/abro-1"
		tb := rules.Test{Name: "Interferon-gamma release assay (IGRA)", Code: loincIGRA}
		fs := []rules.Finding{
			{Code: rules.TBScreeningMissing, Level: rules.Warning, Category: rules.CategoryScreening, Drug: rules.Abrocitinib, OrderID: order, Title: "a", Tests: []rules.Test{tb}},
			{Code: rules.HBVScreeningMissing, Level: rules.Warning, Category: rules.CategoryScreening, Drug: rules.Abrocitinib, OrderID: order, Title: "b", Tests: []rules.Test{tb}},
		}
		cs := FromFindings(fs, Options{PatientID: "p1", NewUUID: seqUUID()})
		require.Len(t, cs, 1)
		require.Len(t, cs[0].Suggestions, 1, "one test, one suggestion")
		assert.Equal(t, []string{rules.TBScreeningMissing, rules.HBVScreeningMissing}, cs[0].Suggestions[0].Findings)
	})
	t.Run("every suggestion addresses findings of its own card", func(t *testing.T) {
		for _, fs := range [][]rules.Finding{abrocitinibScreening(), upadacitinibSmoker(), abrocitinibMonitoring()} {
			for _, c := range FromFindings(fs, Options{PatientID: "p1", NewUUID: seqUUID()}) {
				for _, s := range c.Suggestions {
					require.NotEmpty(t, s.Findings, "suggestion %q addresses nothing", s.Label)
					assert.Subset(t, c.Findings(), s.Findings, "suggestion %q", s.Label)
				}
			}
		}
	})
	t.Run("not sent to the EHR", func(t *testing.T) {
		cs := FromFindings(upadacitinibSmoker(), Options{PatientID: "p1", NewUUID: seqUUID(),
			Orders: map[string]json.RawMessage{"MedicationRequest/upa-30": mustReadOrder(t, "upadacitinib-30mg.json")}})
		b := mustResponse(t, cs)
		var back struct {
			Cards []struct {
				Suggestions []map[string]any `json:"suggestions"`
			} `json:"cards"`
		}
		require.NoError(t, json.Unmarshal(b, &back))
		for _, c := range back.Cards {
			for _, s := range c.Suggestions {
				for k := range s {
					assert.Contains(t, []string{"label", "uuid", "isRecommended", "actions"}, k)
				}
			}
		}
	})
}
