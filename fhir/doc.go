// Package fhir reads FHIR R4 JSON for jakguard: prefetch values and FHIR
// search pages into a rules.Record (Builder), context.draftOrders into the
// orders to evaluate (DecodeOrders), with the REST client that fetches what
// prefetch did not bring (Client).
//
// Each value is read once, strictly, with github.com/go-json-experiment/json
// (read.go); of each resource only what a rule reads is decoded,
// into views of the samply element types (record.go). Data about another
// patient, or of a type its key does not ask for, is refused. Values are
// copied as sent; interpreting them is package rules' job. fhir imports
// rules, never cards or hooks.
package fhir
