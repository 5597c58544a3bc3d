-- Recording at volume (issue 20) and the audit trail (contract 6.7).
--
-- cards and card_findings become WITHOUT ROWID tables: each is one B-tree
-- keyed by the card uuid (time-ordered UUIDv7 from this version on, so new
-- rows are appended) instead of a rowid table plus a unique index. The index
-- on card_findings.code goes: no query reads by code alone.
-- cards.suggestions holds, from this version on, a JSON object mapping each
-- suggestion uuid to the finding codes it addresses; rows written before it
-- hold a JSON array of suggestion uuids (their feedback counts for all of the
-- card's findings, as it did then).
CREATE TABLE cards_new (
    uuid        TEXT PRIMARY KEY,
    service     TEXT NOT NULL,
    issuer      TEXT NOT NULL DEFAULT '',
    tenant      TEXT NOT NULL DEFAULT '',
    suggestions TEXT NOT NULL DEFAULT '{}',
    shown       INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO cards_new (uuid, service, issuer, tenant, suggestions, shown)
    SELECT uuid, service, issuer, tenant, suggestions, shown FROM cards;

CREATE TABLE card_findings_new (
    card TEXT NOT NULL REFERENCES cards_new (uuid) ON DELETE CASCADE,
    code TEXT NOT NULL,
    PRIMARY KEY (card, code)
) WITHOUT ROWID;
INSERT INTO card_findings_new (card, code) SELECT card, code FROM card_findings;

DROP TABLE card_findings;
DROP TABLE cards;
ALTER TABLE cards_new RENAME TO cards;
ALTER TABLE card_findings_new RENAME TO card_findings;
CREATE INDEX cards_shown ON cards (shown);

-- One row per hook call. No patient identifier: patient_hash is a keyed
-- hash (HMAC-SHA256 with the site's audit key). findings, summaries (JSON
-- arrays) and sources (JSON object: prefetch key → prefetch, fhir,
-- prefetch+fhir or unavailable) are read, never queried. Times are Unix
-- microseconds. Indexes serve the console's three queries: since, patient
-- and hookInstance, newest first.
CREATE TABLE audit (
    id            INTEGER PRIMARY KEY,
    time          INTEGER NOT NULL,
    service       TEXT NOT NULL,
    hook_instance TEXT NOT NULL DEFAULT '',
    issuer        TEXT NOT NULL DEFAULT '',
    tenant        TEXT NOT NULL DEFAULT '',
    patient_hash  TEXT NOT NULL DEFAULT '',
    findings      TEXT NOT NULL DEFAULT '[]',
    summaries     TEXT NOT NULL DEFAULT '[]',
    kb_revision   TEXT NOT NULL DEFAULT '',
    config_hash   TEXT NOT NULL DEFAULT '',
    sources       TEXT NOT NULL DEFAULT '{}',
    status        INTEGER NOT NULL,
    latency_us    INTEGER NOT NULL
);
CREATE INDEX audit_time ON audit (time);
CREATE INDEX audit_patient ON audit (patient_hash, time) WHERE patient_hash <> '';
CREATE INDEX audit_hook_instance ON audit (hook_instance) WHERE hook_instance <> '';
