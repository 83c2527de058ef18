-- Feedback: items members send (numbered per community, #1, #2, ...), their status history, who
-- supports them, the team's internal notes, and the key behind anonymous authors' hashes.
--
-- Anonymity: an anonymous item stores no author id or name. `author_key` is an HMAC-SHA256 of
-- the member's id under a secret key (HEARTH_FEEDBACK_KEY, or the generated one in
-- feedback_secret); it serves rate limits and /feedback mine, and no command shows it.

CREATE TABLE feedback_items (
    platform           TEXT NOT NULL,
    community          TEXT NOT NULL,
    number             INTEGER NOT NULL,
    kind               TEXT NOT NULL CHECK (kind IN ('idea', 'problem', 'praise', 'question')),
    title              TEXT NOT NULL,
    body               TEXT NOT NULL,
    anonymous          INTEGER NOT NULL DEFAULT 0,
    -- Both NULL when anonymous (a CHECK keeps it so).
    author_id          TEXT,
    author_name        TEXT,
    author_key         TEXT NOT NULL,
    status             TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'under-review',
                       'planned', 'in-progress', 'done', 'declined', 'duplicate')),
    duplicate_of       INTEGER,
    public             INTEGER NOT NULL DEFAULT 0,
    -- The signs of heat the team was shown, or NULL for a calm item.
    heated             TEXT,
    created_at         REAL NOT NULL,
    status_at          REAL NOT NULL,
    first_reviewed_at  REAL,
    -- When the review clock raised it with the team (once), and whether that post may not have
    -- gone out yet: set in the same statement, cleared at start-up once the post is on record.
    raised_at          REAL,
    raise_pending      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (platform, community, number),
    CHECK (anonymous = 0 OR (author_id IS NULL AND author_name IS NULL)),
    CHECK (anonymous = 1 OR author_id IS NOT NULL)
);
CREATE INDEX feedback_items_by_created ON feedback_items (platform, community, created_at);
CREATE INDEX feedback_items_by_status ON feedback_items (platform, community, status, created_at);
CREATE INDEX feedback_items_by_key ON feedback_items (platform, community, author_key, created_at);
CREATE INDEX feedback_items_raise_pending ON feedback_items (raise_pending) WHERE raise_pending = 1;

-- Every status change: who made it, when, and the reason the author was given.
CREATE TABLE feedback_history (
    platform   TEXT NOT NULL,
    community  TEXT NOT NULL,
    number     INTEGER NOT NULL,
    step       INTEGER NOT NULL,
    status     TEXT NOT NULL,
    reason     TEXT,
    by_id      TEXT NOT NULL,
    by_name    TEXT NOT NULL,
    at         REAL NOT NULL,
    PRIMARY KEY (platform, community, number, step),
    FOREIGN KEY (platform, community, number)
        REFERENCES feedback_items (platform, community, number) ON DELETE CASCADE
);
CREATE INDEX feedback_history_by_time ON feedback_history (platform, community, status, at);

-- One support per member per item.
CREATE TABLE feedback_supports (
    platform   TEXT NOT NULL,
    community  TEXT NOT NULL,
    number     INTEGER NOT NULL,
    user_id    TEXT NOT NULL,
    name       TEXT NOT NULL,
    at         REAL NOT NULL,
    PRIMARY KEY (platform, community, number, user_id),
    FOREIGN KEY (platform, community, number)
        REFERENCES feedback_items (platform, community, number) ON DELETE CASCADE
);

-- The team's internal notes: never sent to anyone.
CREATE TABLE feedback_notes (
    platform   TEXT NOT NULL,
    community  TEXT NOT NULL,
    number     INTEGER NOT NULL,
    step       INTEGER NOT NULL,
    by_id      TEXT NOT NULL,
    by_name    TEXT NOT NULL,
    body       TEXT NOT NULL,
    at         REAL NOT NULL,
    PRIMARY KEY (platform, community, number, step),
    FOREIGN KEY (platform, community, number)
        REFERENCES feedback_items (platform, community, number) ON DELETE CASCADE
);

-- The generated HMAC key, used only when HEARTH_FEEDBACK_KEY is not set (one row).
CREATE TABLE feedback_secret (
    id   INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    key  TEXT NOT NULL
);
