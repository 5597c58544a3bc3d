// Package rules holds jakguard's clinical knowledge: the value sets, the drug
// profiles, the thresholds and windows, and the rule functions that turn an
// order and a patient record into findings.
//
// It is pure: it imports the standard library only (rules/deps_test.go checks
// this), takes "now" as an argument, and knows nothing of HTTP, CDS Hooks wire
// JSON or FHIR model structs. Package fhir turns FHIR resources into the
// Record defined here; package cards turns Findings into CDS Hooks cards.
package rules
