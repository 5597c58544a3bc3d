// Package store owns jakguard's feedback store and its analytics.
//
// It records, for every card the service returns, only what is needed to
// attribute later feedback (card uuid, service, finding codes, suggestion
// uuids, time, client issuer and tenant: never patient identifiers, names or
// clinical values), stores CDS Hooks 2.0 feedback idempotently, and reports per
// finding code how often cards were shown, accepted and overridden and why.
//
// Two backends implement [Store]: [SQLite] (modernc.org/sqlite, no cgo), the
// embedded default, and [Postgres] (github.com/jackc/pgx/v5) for several
// replicas. [Open] picks one from a DSN and applies the embedded, versioned
// migrations. [Recorder] writes card records off the hook hot path.
//
// The package knows nothing about HTTP, Echo or the rules engine: the hooks
// package parses requests with [ParseFeedback] and maps [*ValidationError] to
// a 400 OperationOutcome.
package store
