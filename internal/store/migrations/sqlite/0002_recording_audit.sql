-- Recording at volume (issue 20) and the audit trail (contract 6.7).
--
-- A card is one row: its finding codes move from card_findings (one row per
-- code, ten for a first prescription) into cards.findings, a JSON array the
-- report reads with json_each. (cards stays a rowid table: a card with its
-- suggestions is often larger than a WITHOUT ROWID page keeps in line. Its
-- uuid index is appended to: card uuids are time-ordered UUIDv7 from this
-- version on.)
-- cards.suggestions holds, from this version on, a JSON object mapping each
-- suggestion uuid to the finding codes it addresses; rows written before it
-- hold a JSON array of suggestion uuids (their feedback counts for all of the
-- card's findings, as it did then).
CREATE TABLE cards_new (
    uuid        TEXT PRIMARY KEY,
    service     TEXT NOT NULL,
    issuer      TEXT NOT NULL DEFAULT '',
    tenant      TEXT NOT NULL DEFAULT '',
    findings    TEXT NOT NULL DEFAULT '[]',
    suggestions TEXT NOT NULL DEFAULT '{}',
    shown       INTEGER NOT NULL
);
INSERT INTO cards_new (uuid, service, issuer, tenant, findings, suggestions, shown)
    SELECT c.uuid, c.service, c.issuer, c.tenant,
        COALESCE((SELECT json_group_array(cf.code) FROM card_findings cf WHERE cf.card = c.uuid), '[]'),
        c.suggestions, c.shown
    FROM cards c;
DROP TABLE card_findings;
DROP TABLE cards;
ALTER TABLE cards_new RENAME TO cards;
CREATE INDEX cards_shown ON cards (shown);

-- One row per hook call. No patient identifier: patient_hash is a keyed
-- hash (HMAC-SHA256 with the site's audit key). detail is a JSON object
-- (client, findings, summaries, kbRevision, configHash, sources), read,
-- never queried. Times are Unix microseconds; day is the call's UTC day
-- (days since 1970-01-01). Indexes serve the console's three queries:
-- since, patient and hookInstance, newest first. The patient and
-- hookInstance indexes lead with the day, so that a new row goes into the
-- small, cached part of today's, not at a random place of an index as large
-- as the retention (queries list the days they cover).
CREATE TABLE audit (
    id            INTEGER PRIMARY KEY,
    time          INTEGER NOT NULL,
    day           INTEGER NOT NULL,
    service       TEXT NOT NULL,
    hook_instance TEXT NOT NULL DEFAULT '',
    patient_hash  TEXT NOT NULL DEFAULT '',
    status        INTEGER NOT NULL,
    latency_us    INTEGER NOT NULL,
    detail        TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_time ON audit (time);
CREATE INDEX audit_patient ON audit (day, patient_hash) WHERE patient_hash <> '';
CREATE INDEX audit_hook_instance ON audit (day, hook_instance) WHERE hook_instance <> '';
