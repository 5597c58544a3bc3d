package hooks

import (
	"fmt"
	"testing"
)

// Units as US labs write them (contract 6.5): every count spelling of the
// amendment, from the Quantity's UCUM code and from its readable unit,
// for lymphocytes, neutrophils and platelets, at order time and on
// patient-view; normal values in each spelling give no card (the factor
// is right, not only the recognition); an unrecognised unit is never
// guessed and the card says which unit it could not read.

// countSpellings are contract 6.5's count units with their factor to
// cells/mm³.
var countSpellings = []struct {
	unit   string
	factor float64
}{
	{"cells/uL", 1}, {"cells/µL", 1}, {"cells/mcL", 1}, {"/uL", 1}, {"/µL", 1}, {"/mcL", 1}, {"/mm3", 1}, {"/mm³", 1},
	{"10*3/uL", 1000}, {"10^3/uL", 1000}, {"x10E3/uL", 1000}, {"K/uL", 1000}, {"K/mcL", 1000}, {"K/µL", 1000},
	{"thou/uL", 1000}, {"10*9/L", 1000}, {"10^9/L", 1000}, {"x10E9/L", 1000}, {"G/L", 1000},
	// Case and spaces do not matter.
	{" k/UL ", 1000}, {"CELLS/MCL", 1}, {"10^9 / l", 1000},
}

type countCase struct {
	loinc, id, code string
	low, normal     float64 // in cells/mm³
	drug            string  // the drug the count matters for
	onTreatmentLow  float64 // a low on-treatment value (platelets: under 50,000)
	onTreatmentCode string
}

var counts = []countCase{
	{"731-0", "alc", "lymphopenia", 300, 1800, "upadacitinib", 300, "lymphopenia"},
	{"751-8", "anc", "neutropenia", 800, 3900, "upadacitinib", 800, "neutropenia"},
	{"777-3", "plt", "thrombocytopenia", 120000, 250000, "abrocitinib", 45000, "thrombocytopenia"},
}

func TestAcceptanceCountUnits(t *testing.T) {
	var cases []accCase
	mg := map[string]int{"upadacitinib": 15, "abrocitinib": 100}
	for _, sp := range countSpellings {
		for _, n := range counts {
			for _, from := range []string{"code", "unit"} {
				o := func(v float64, date string) res {
					if from == "code" {
						return qty(n.id, n.loinc, v/sp.factor, sp.unit, "", date)
					}
					return qty(n.id, n.loinc, v/sp.factor, "", sp.unit, date)
				}
				name := fmt.Sprintf("%s %q from %s", n.id, sp.unit, from)
				cases = append(cases,
					accCase{name: "order: low " + name, c: sign(cleanRecord().replace(o(n.low, ago(10))), jakDraft(n.drug, mg[n.drug])),
						want: w(n.code, "critical"), absent: []string{"cbc-missing"}},
					accCase{name: "order: normal " + name, c: sign(cleanRecord().replace(o(n.normal, ago(10))), jakDraft(n.drug, mg[n.drug])),
						noCards: true},
					accCase{name: "patient-view: low on treatment " + name, c: view(cleanRecord().onCourse(n.drug).replace(o(n.onTreatmentLow, ago(10)))),
						want: w(n.onTreatmentCode, "critical"), absent: []string{"monitoring-cbc-due"}},
					accCase{name: "patient-view: normal on treatment " + name, c: view(cleanRecord().onCourse(n.drug).replace(o(n.normal, ago(10)))),
						noCards: true},
				)
			}
		}
	}
	runAcc(t, cases)
}

func TestAcceptanceUnitsEdgeCases(t *testing.T) {
	cases := []accCase{
		{name: "clean upadacitinib course on patient-view: no cards", c: view(cleanRecord().onCourse("upadacitinib")), noCards: true},
		{name: "clean abrocitinib course on patient-view: no cards", c: view(cleanRecord().onCourse("abrocitinib")), noCards: true},
		// Both code and unit given: the UCUM code is read, and a readable
		// unit the table knows still counts when the code is one it does
		// not list.
		{name: "ALC code 10*3/uL with unit K/uL", c: sign(cleanRecord().replace(qty("alc", "731-0", 0.3, "10*3/uL", "K/uL", ago(5))), jakDraft("upadacitinib", 15)),
			want: w("lymphopenia", "critical")},
		{name: "ALC UCUM code /nL (not in the table) with unit K/uL: read from the unit", c: sign(cleanRecord().replace(qty("alc", "731-0", 0.3, "/nL", "K/uL", ago(5))), jakDraft("upadacitinib", 15)),
			want: w("lymphopenia", "critical"), absent: []string{"cbc-missing"}},
		{name: "ANC with a local unit system: read from the unit", c: sign(cleanRecord().replace(with(qty("anc", "751-8", 0.8, "", "K/mcL", ago(5)),
			"valueQuantity", res{"value": 0.8, "unit": "K/mcL", "system": "http://acme.example.org/units", "code": "KMCL"})), jakDraft("upadacitinib", 15)),
			want: w("neutropenia", "critical")},
		// An unrecognised unit is never guessed.
		{name: "order: ANC 0.8 furlongs: CBC missing, unit named", c: sign(cleanRecord().replace(qty("anc", "751-8", 0.8, "", "furlongs", ago(5))), jakDraft("upadacitinib", 15)),
			want: w("cbc-missing", "warning"), absent: []string{"neutropenia"}, detailOf: map[string]string{"cbc-missing": "unit \"furlongs\" not recognised"}},
		{name: "order: platelets without a unit on abrocitinib: CBC missing", c: sign(cleanRecord().replace(qty("plt", "777-3", 45, "", "", ago(5))), jakDraft("abrocitinib", 100)),
			want: w("cbc-missing", "warning"), absent: []string{"thrombocytopenia"}, detailOf: map[string]string{"cbc-missing": "no unit"}},
		{name: "patient-view: platelets 45 in an unknown unit on abrocitinib: not dropped silently", c: view(cleanRecord().onCourse("abrocitinib").replace(qty("plt", "777-3", 45, "", "kilocells", ago(5)))),
			want: w("monitoring-cbc-due", "warning"), absent: []string{"thrombocytopenia"}, detailOf: map[string]string{"monitoring-cbc-due": "unit \"kilocells\" not recognised"}},
		{name: "patient-view: ALC 0.3 in an unknown unit on upadacitinib: not dropped silently", c: view(cleanRecord().onCourse("upadacitinib").replace(qty("alc", "731-0", 0.3, "", "thousands", ago(5)))),
			want: w("monitoring-cbc-due", "warning"), detailOf: map[string]string{"monitoring-cbc-due": "unit \"thousands\" not recognised"}},
		{name: "renewal: platelets 45 in an unknown unit on abrocitinib: said, not dropped", c: sign(stable("abrocitinib", 100).replace(qty("plt", "777-3", 45, "", "kilocells", ago(5))), jakDraft("abrocitinib", 100)),
			want: w("monitoring-cbc-due", "warning"), detailOf: map[string]string{"monitoring-cbc-due": "unit \"kilocells\" not recognised"}},
		{name: "renewal: ALC 0.3 in an unknown unit on upadacitinib: said, not dropped", c: sign(stable("upadacitinib", 15).replace(qty("alc", "731-0", 0.3, "", "thousands", ago(5))), jakDraft("upadacitinib", 15)),
			want: w("monitoring-cbc-due", "warning")},
		{name: "CBC panel with component counts (ALC 0.3 K/uL): lymphopenia, no CBC missing", c: sign(cleanRecord().drop("alc").drop("anc").drop("hgb").replace(res{
			"resourceType": "Observation", "id": "cbc", "status": "final", "code": coding(loinc, "57021-8"), "effectiveDateTime": ago(5),
			"component": []any{
				res{"code": coding(loinc, "731-0"), "valueQuantity": res{"value": 0.3, "unit": "K/uL"}},
				res{"code": coding(loinc, "751-8"), "valueQuantity": res{"value": 3.1, "unit": "K/uL"}},
				res{"code": coding(loinc, "718-7"), "valueQuantity": res{"value": 13.1, "unit": "g/dL"}},
			}}), jakDraft("upadacitinib", 15)),
			want: w("lymphopenia", "critical"), absent: []string{"cbc-missing"}},
		// Hemoglobin: g/dL, g/L and mmol/L.
		{name: "hemoglobin 75 g/L: anemia", c: sign(cleanRecord().replace(qty("hgb", "718-7", 75, "g/L", "", ago(5))), jakDraft("abrocitinib", 100)), want: w("anemia", "critical")},
		{name: "hemoglobin 4.5 mmol/L on 59260-0: anemia", c: sign(cleanRecord().drop("hgb").replace(qty("hgbm", "59260-0", 4.5, "mmol/L", "", ago(5))), jakDraft("abrocitinib", 100)), want: w("anemia", "critical")},
		{name: "hemoglobin 7.9 g/dL on patient-view: interrupt", c: view(cleanRecord().onCourse("upadacitinib").replace(qty("hgb", "718-7", 7.9, "g/dL", "", ago(5)))),
			want: w("anemia", "critical"), summaryOf: map[string]string{"anemia": "Interrupt upadacitinib"}},
		{name: "hemoglobin 8 g/dL: not anemia", c: sign(cleanRecord().replace(qty("hgb", "718-7", 8, "g/dL", "", ago(5))), jakDraft("upadacitinib", 15)), noCards: true},
		// Thresholds are strict: ALC 500, ANC 1,000, platelets 150,000 are not low.
		{name: "ALC exactly 500 cells/uL: not low", c: sign(cleanRecord().replace(qty("alc", "731-0", 500, "cells/uL", "", ago(5))), jakDraft("upadacitinib", 15)), noCards: true},
		{name: "ANC exactly 1.0 K/uL: not low", c: sign(cleanRecord().replace(qty("anc", "751-8", 1.0, "K/uL", "", ago(5))), jakDraft("upadacitinib", 15)), noCards: true},
		{name: "platelets exactly 150 10*3/uL at a start: not low", c: sign(cleanRecord().replace(qty("plt", "777-3", 150, "10*3/uL", "", ago(5))), jakDraft("abrocitinib", 100)), noCards: true},
		{name: "platelets exactly 50 K/uL on treatment: not low", c: view(cleanRecord().onCourse("abrocitinib").replace(qty("plt", "777-3", 50, "K/uL", "", ago(5)))), noCards: true},
		{name: "censored ALC <0.5 K/uL: below 500", c: sign(cleanRecord().replace(with(qty("alc", "731-0", 0.5, "K/uL", "", ago(5)),
			"valueQuantity", res{"value": 0.5, "comparator": "<", "system": "http://unitsofmeasure.org", "code": "K/uL"})), jakDraft("upadacitinib", 15)),
			want: w("lymphopenia", "critical")},
	}
	runAcc(t, cases)
}
