// Package cards turns rules.Finding values into CDS Hooks 2.0 cards.
//
// It owns the card wire model (Card, Source, Coding, Suggestion, Action,
// Link), the grouping of findings into cards (one card for all missing
// screening of an order, one card for the boxed-warning risk factors, one
// card for the monitoring due on patient-view, one card per other finding),
// all card wording (summaries, override reasons, category names), the
// suggestion resources (ServiceRequest creates, MedicationRequest update and
// delete), and the validator every card must pass (Validate, CheckEmpty).
//
// It imports package rules and the standard library (plus google/uuid for
// card identifiers); it knows nothing of HTTP, the hook request or FHIR model
// structs. Suggestion resources are written as plain JSON.
package cards
