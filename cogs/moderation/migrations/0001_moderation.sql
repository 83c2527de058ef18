-- Moderation: warning cases (numbered per community), the moderators' notes on them, and the
-- members' appeals. Nothing is ever deleted: a pardoned or expired case stays on the record.

CREATE TABLE moderation_cases (
    platform         TEXT NOT NULL,
    community        TEXT NOT NULL,
    case_number      INTEGER NOT NULL,
    user_id          TEXT NOT NULL,
    user_name        TEXT NOT NULL,
    moderator_id     TEXT NOT NULL,
    moderator_name   TEXT NOT NULL,
    rule_id          TEXT NOT NULL,
    -- The ladder step this warning reached (active warnings counting this one).
    step             INTEGER NOT NULL,
    created_at       REAL NOT NULL,
    expires_at       REAL NOT NULL,
    -- 1 until the platform says the private message could not be delivered.
    dm_delivered     INTEGER NOT NULL DEFAULT 1,
    -- The message warned about, when the warning came from a message action.
    message_channel  TEXT,
    message_id       TEXT,
    message_content  TEXT,
    pardoned_at      REAL,
    pardoned_by      TEXT,
    pardon_reason    TEXT,
    PRIMARY KEY (platform, community, case_number)
);
CREATE INDEX moderation_cases_by_member
    ON moderation_cases (platform, community, user_id, created_at);

CREATE TABLE moderation_notes (
    id               INTEGER PRIMARY KEY,
    platform         TEXT NOT NULL,
    community        TEXT NOT NULL,
    case_number      INTEGER NOT NULL,
    moderator_id     TEXT NOT NULL,
    moderator_name   TEXT NOT NULL,
    text             TEXT NOT NULL,
    -- 1 when the tone check held the note back from the member; `signals` says why.
    held             INTEGER NOT NULL DEFAULT 0,
    signals          TEXT NOT NULL DEFAULT '',
    added_at         REAL NOT NULL,
    FOREIGN KEY (platform, community, case_number)
        REFERENCES moderation_cases (platform, community, case_number)
);
CREATE INDEX moderation_notes_by_case ON moderation_notes (platform, community, case_number);

CREATE TABLE moderation_appeals (
    id               INTEGER PRIMARY KEY,
    platform         TEXT NOT NULL,
    community        TEXT NOT NULL,
    case_number      INTEGER NOT NULL,
    user_id          TEXT NOT NULL,
    text             TEXT NOT NULL,
    created_at       REAL NOT NULL,
    -- open, accepted or declined
    status           TEXT NOT NULL DEFAULT 'open',
    resolved_at      REAL,
    resolved_by      TEXT,
    reason           TEXT,
    FOREIGN KEY (platform, community, case_number)
        REFERENCES moderation_cases (platform, community, case_number)
);
-- One open appeal per case, enforced by the database too.
CREATE UNIQUE INDEX moderation_appeals_one_open
    ON moderation_appeals (platform, community, case_number) WHERE status = 'open';
CREATE INDEX moderation_appeals_by_member
    ON moderation_appeals (platform, community, user_id, created_at);
