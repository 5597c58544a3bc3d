-- Recording at volume (issue 20) and the audit trail (contract 6.7).
--
-- A card is one row: its finding codes move from card_findings (one row per
-- code, ten for a first prescription) into cards.findings, a JSON array the
-- report reads with jsonb_array_elements_text. (card_findings' foreign key
-- check, its plan cached per connection while the table was small, also
-- made every finding row of a young store scan all of cards.)
-- cards.suggestions holds, from this version on, a JSON object mapping each
-- suggestion uuid to the finding codes it addresses; rows written before it
-- hold a JSON array of suggestion uuids (their feedback counts for all of the
-- card's findings, as it did then).
ALTER TABLE cards ADD COLUMN findings TEXT NOT NULL DEFAULT '[]';
UPDATE cards c SET findings = f.codes
    FROM (SELECT card, json_agg(code ORDER BY code)::text AS codes FROM card_findings GROUP BY card) f
    WHERE f.card = c.uuid;
DROP TABLE card_findings;
ALTER TABLE cards ALTER COLUMN suggestions SET DEFAULT '{}';

-- One row per hook call. No patient identifier: patient_hash is a keyed
-- hash (HMAC-SHA256 with the site's audit key). detail is a JSON object
-- (client, findings, summaries, kbRevision, configHash, sources), read,
-- never queried. day is the call's UTC day (days since 1970-01-01).
-- Indexes serve the console's three queries: since, patient and
-- hookInstance, newest first. The patient and hookInstance indexes lead
-- with the day, so that a new row goes into the small, cached part of
-- today's, not at a random place of an index as large as the retention
-- (queries list the days they cover).
CREATE TABLE audit (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    time          TIMESTAMPTZ NOT NULL,
    day           INTEGER NOT NULL,
    service       TEXT NOT NULL,
    hook_instance TEXT NOT NULL DEFAULT '',
    patient_hash  TEXT NOT NULL DEFAULT '',
    status        INTEGER NOT NULL,
    latency_us    BIGINT NOT NULL,
    detail        TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_time ON audit (time, id);
CREATE INDEX audit_patient ON audit (day, patient_hash) WHERE patient_hash <> '';
CREATE INDEX audit_hook_instance ON audit (day, hook_instance) WHERE hook_instance <> '';
