// Package store owns jakguard's feedback store, its analytics and the audit
// trail of hook calls.
//
// It records, for every card the service returns, only what is needed to
// attribute later feedback (card uuid, service, finding codes, each
// suggestion's uuid and the findings it addresses, time, client issuer and
// tenant: never patient identifiers, names or clinical values); for every
// hook call one audit record (contract 6.7) with the patient only as a keyed
// hash ([AuditKey]); stores CDS Hooks 2.0 feedback idempotently; and reports
// per finding code how often cards were shown, accepted and overridden and
// why (an accepted suggestion counts for the findings it addresses, an
// override for all of its card's).
//
// Two backends implement [Store]: [SQLite] (modernc.org/sqlite, no cgo), the
// embedded default, and [Postgres] (github.com/jackc/pgx/v5) for several
// replicas. [Open] picks one from a DSN and applies the embedded, versioned
// migrations; [OpenExisting] opens one for reading without creating or
// migrating it. [Recorder] writes card and audit records off the hook hot
// path in batches, dropping and counting what it cannot write; [Pruner]
// deletes records past their retention in small batches.
//
// The package knows nothing about HTTP, Echo or the rules engine: the hooks
// package parses requests with [ParseFeedback] and maps [*ValidationError] to
// a 400 OperationOutcome.
package store
