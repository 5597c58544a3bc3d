-- Cards jakguard returned: only what attributes feedback, no patient data.
-- Times are Unix microseconds, UTC.
CREATE TABLE cards (
    uuid        TEXT PRIMARY KEY,
    service     TEXT NOT NULL,
    issuer      TEXT NOT NULL DEFAULT '',
    tenant      TEXT NOT NULL DEFAULT '',
    suggestions TEXT NOT NULL DEFAULT '[]', -- JSON array of suggestion uuids
    shown       INTEGER NOT NULL
);
CREATE INDEX cards_shown ON cards (shown);

CREATE TABLE card_findings (
    card TEXT NOT NULL REFERENCES cards (uuid) ON DELETE CASCADE,
    code TEXT NOT NULL,
    PRIMARY KEY (card, code)
);
CREATE INDEX card_findings_code ON card_findings (code);

-- CDS Hooks feedback. card is not a foreign key: feedback for an unknown
-- card is kept, flagged unknown_card.
CREATE TABLE feedback (
    id                INTEGER PRIMARY KEY,
    dedup_key         TEXT NOT NULL UNIQUE,
    service           TEXT NOT NULL,
    card              TEXT NOT NULL,
    outcome           TEXT NOT NULL CHECK (outcome IN ('accepted', 'overridden')),
    reason_system     TEXT NOT NULL DEFAULT '',
    reason_code       TEXT NOT NULL DEFAULT '',
    reason_display    TEXT NOT NULL DEFAULT '',
    user_comment      TEXT NOT NULL DEFAULT '',
    outcome_timestamp INTEGER NOT NULL,
    issuer            TEXT NOT NULL DEFAULT '',
    tenant            TEXT NOT NULL DEFAULT '',
    received          INTEGER NOT NULL,
    unknown_card      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX feedback_card ON feedback (card);
CREATE INDEX feedback_received ON feedback (received);

CREATE TABLE feedback_suggestions (
    feedback   INTEGER NOT NULL REFERENCES feedback (id) ON DELETE CASCADE,
    suggestion TEXT NOT NULL,
    PRIMARY KEY (feedback, suggestion)
);
