package rules_test

import (
	"fmt"
	"testing/fstest"

	"jakguard/rules"
)

func ExampleLoadKnowledge() {
	// A hospital overlay adding its own code to the built-in HBsAg set
	// (docs/valuesets.md; the built-in LOINC codes still match).
	overlay := fstest.MapFS{"hbsag.json": {Data: []byte(`{"resourceType":"ValueSet","id":"hbsag",
		"expansion":{"contains":[{"system":"http://loinc.org","code":"LOCAL-HBSAG"}]}}`)}}
	k, err := rules.LoadKnowledge(overlay)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(k.Has(rules.VSHBsAg, []rules.Coding{{System: rules.SystemLOINC, Code: "LOCAL-HBSAG"}}))
	fmt.Println(k.Has(rules.VSHBsAg, []rules.Coding{{System: rules.SystemLOINC, Code: "5196-1"}}))
	// Output:
	// true
	// true
}

func ExampleKnowledge_Has() {
	k, _ := rules.LoadKnowledge(nil)
	bcc := []rules.Coding{{System: rules.SystemICD10CM, Code: "C44.91"}}
	lung := []rules.Coding{{System: rules.SystemICD10CM, Code: "C3490"}} // no dot: normalised to C34.90
	fmt.Println(k.Has(rules.VSMalignancy, bcc), k.Has(rules.VSNMSC, bcc), k.Has(rules.VSMalignancy, lung))
	fmt.Println(k.HasText(rules.VSUpadacitinib, "RINVOQ 15 mg"), k.Unverified(rules.VSBiologics, []rules.Coding{{System: rules.SystemRxNorm, Code: "1876376"}}))
	// Output:
	// false true true
	// true true
}

func ExampleDailyDose() {
	m := rules.Medication{
		Text: "upadacitinib 30 MG 24HR Extended Release Oral Tablet",
		Dose: rules.DoseFacts{DoseQuantity: &rules.Quantity{Value: 1, Unit: "{pill}"}, Frequency: 1, Period: 1, PeriodUnit: "d"},
	}
	mg, how, ok := rules.DailyDose(m)
	fmt.Println(mg, ok)
	fmt.Println(how)
	// Output:
	// 30 true
	// 1 tablet × 30 mg (strength from text) × 1/day (timing 1 per 1 d) = 30 mg/day
}

func ExampleCellsPerMM3() {
	anc, ok := rules.CellsPerMM3(&rules.Quantity{Value: 0.8, Unit: "10*3/uL"})
	fmt.Println(anc, ok)
	_, ok = rules.CellsPerMM3(&rules.Quantity{Value: 0.8}) // no unit: never guessed
	fmt.Println(ok)
	// Output:
	// 800 true
	// false
}
