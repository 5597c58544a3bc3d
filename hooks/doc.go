// Package hooks is jakguard's CDS Hooks 2.0.1 protocol layer: discovery,
// request validation, prefetch resolution with FHIR fallback, the service
// handlers for order-select, order-sign and patient-view, feedback, CORS,
// authentication wiring, health and metrics endpoints.
//
// It owns the wire types of requests, responses and discovery. It turns
// requests into rules.Record values (through package fhir), runs the rules
// engine and turns findings into cards (through package cards). Adding a rule
// never touches this package.
package hooks
