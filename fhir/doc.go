// Package fhir reads FHIR R4 JSON for jakguard: it turns prefetch values and
// FHIR search pages into a rules.Record (Builder), and context.draftOrders
// into the orders to evaluate (DecodeOrders). It also holds the FHIR REST
// client that fetches what prefetch did not bring, and the prefetch
// templates.
//
// JSON is read with github.com/go-json-experiment/json and its token
// reader: strictly (case-sensitive names; duplicate names, invalid UTF-8
// and non-JSON numbers refused), with the few shape errors real clients
// make tolerated (json.go). Each value is read once: every resource's head
// (type, id, codes, subject, dates) from the tokens (read.go), and only
// what a rule reads decoded, into views of the samply element types
// (record.go). Prefetch about another patient, or of a type its key does
// not ask for, is refused (Builder.ForPatient, Builder.Expect); entries are
// bounded (MaxEntries) and reading stops when the context is done.
//
// Values are copied as sent: codes, statuses, dates and quantities with
// their units. Interpreting them (unit conversion, which codes matter) is
// the job of package rules. fhir imports rules, never cards or hooks.
package fhir
