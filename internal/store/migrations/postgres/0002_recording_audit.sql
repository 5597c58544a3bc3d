-- Recording at volume (issue 20) and the audit trail (contract 6.7).
--
-- No query reads card_findings by code alone. cards.suggestions holds, from
-- this version on, a JSON object mapping each suggestion uuid to the finding
-- codes it addresses; rows written before it hold a JSON array of suggestion
-- uuids (their feedback counts for all of the card's findings, as it did then).
DROP INDEX card_findings_code;
ALTER TABLE cards ALTER COLUMN suggestions SET DEFAULT '{}';

-- One row per hook call. No patient identifier: patient_hash is a keyed
-- hash (HMAC-SHA256 with the site's audit key). findings, summaries (JSON
-- arrays) and sources (JSON object: prefetch key → prefetch, fhir,
-- prefetch+fhir or unavailable) are read, never queried. Indexes serve the
-- console's three queries: since, patient and hookInstance, newest first.
CREATE TABLE audit (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    time          TIMESTAMPTZ NOT NULL,
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
    latency_us    BIGINT NOT NULL
);
CREATE INDEX audit_time ON audit (time, id);
CREATE INDEX audit_patient ON audit (patient_hash, time) WHERE patient_hash <> '';
CREATE INDEX audit_hook_instance ON audit (hook_instance) WHERE hook_instance <> '';
