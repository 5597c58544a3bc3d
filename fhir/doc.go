// Package fhir reads FHIR R4 JSON for jakguard: it turns prefetch values and
// FHIR search pages into a rules.Record (Builder), and context.draftOrders
// into the orders to evaluate (DecodeOrders). It also holds the FHIR REST
// client that fetches what prefetch did not bring.
//
// Decoding is tolerant of what real CDS clients send: Bundles without a
// type, single objects where FHIR wants arrays, unknown optional codes, and
// malformed entries, which are skipped and logged (never with patient
// values) while their siblings are kept. A Bundle is split into entries by
// a single validating pass over the bytes, and only the resource types the
// rules use (Patient, Observation, Condition, MedicationRequest,
// MedicationStatement, Medication, Immunization) are decoded, with the
// samply/golang-fhir-models types, which are used for reading only.
//
// Values are copied as sent: codes, statuses, dates and quantities with
// their units. Interpreting them (unit conversion, which codes matter) is
// the job of package rules. fhir imports rules, never cards or hooks.
package fhir
