package cards

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"jakguard/rules"
)

var fuzzLevels = []rules.Level{rules.Info, rules.Warning, rules.Critical, "", "hard-stop"}
var fuzzCategories = []rules.Category{"", rules.CategoryScreening, rules.CategoryContraindication, rules.CategoryRiskFactors,
	rules.CategoryDosing, rules.CategoryInteraction, rules.CategoryMonitoring, rules.CategoryLabSafety, rules.CategoryIndication, "bogus"}
var fuzzDrugs = []rules.Drug{rules.Upadacitinib, rules.Abrocitinib, "", "tofacitinib"}
var fuzzOrders = []string{"MedicationRequest/upa-30", "MedicationRequest/abro-1", "", "MedicationRequest/", "MedicationRequest/x y"}

// FuzzFromFindings checks properties over random findings: every card
// passes Validate, the response passes CheckEmpty, and every finding code
// is on exactly one card per order.
func FuzzFromFindings(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7}, "Platelets 120 ×10³/µL", "pt-1", 15.0, 61, true)
	f.Add([]byte{38, 2, 1, 0, 1, 2, 40, 9, 3}, "", "", 0.0, 0, false)
	f.Add([]byte{34, 1, 5, 0, 3, 1, 31, 1, 5}, "<b>*x*</b>\n", "Patient/p", math.NaN(), -3, true)
	f.Add([]byte{200, 255, 7, 13}, "\xff\xfe", "p", math.Inf(1), 1, false)
	orders := map[string]json.RawMessage{
		"MedicationRequest/upa-30": mustReadOrder(f, "upadacitinib-30mg.json"),
		"MedicationRequest/abro-1": mustReadOrder(f, "abrocitinib-200mg-contained.json"),
	}
	f.Fuzz(func(t *testing.T, spec []byte, text, patientID string, mg float64, days int, flag bool) {
		// Every 5 bytes of spec make one finding: code, level, category, drug, order.
		var findings []rules.Finding
		for i := 0; i+5 <= len(spec) && len(findings) < 20; i += 5 {
			code := text
			if int(spec[i]) < len(allCodes) {
				code = allCodes[spec[i]]
			}
			findings = append(findings, rules.Finding{
				Code:             code,
				Level:            fuzzLevels[int(spec[i+1])%len(fuzzLevels)],
				Category:         fuzzCategories[int(spec[i+2])%len(fuzzCategories)],
				Drug:             fuzzDrugs[int(spec[i+3])%len(fuzzDrugs)],
				OrderID:          fuzzOrders[int(spec[i+4])%len(fuzzOrders)],
				Title:            text,
				Action:           text,
				Evidence:         []rules.Evidence{{Text: text, Date: time.Unix(int64(days)*86400, 0)}},
				Tests:            []rules.Test{{Name: text, Code: rules.Coding{System: rules.SystemLOINC, Code: text}, Reason: text}},
				SuggestedDailyMg: mg,
				DaysOverdue:      days,
				Unchecked:        []string{text},
				Unverified:       flag,
				Citation:         rules.Citation{Label: text, URL: text},
			})
		}
		cs := FromFindings(findings, Options{PatientID: patientID, Orders: orders, NewUUID: seqUUID(), PatientView: flag})
		require.NotNil(t, cs)
		perOrder := map[string]int{}
		for _, c := range cs {
			require.NoError(t, Validate(c), "card %+v", c)
			for _, code := range c.Findings() {
				perOrder[code]++
			}
		}
		b, err := json.Marshal(map[string]any{"cards": cs})
		require.NoError(t, err)
		require.NoError(t, CheckEmpty(b))

		// Each distinct (order, code) is reported once.
		want := map[string]int{}
		seen := map[string]bool{}
		for _, f := range findings {
			if !seen[f.OrderID+"\x00"+f.Code] {
				seen[f.OrderID+"\x00"+f.Code] = true
				code := f.Code
				if code == "" {
					code = "unknown"
				}
				want[code]++
			}
		}
		require.Equal(t, want, perOrder)
	})
}
