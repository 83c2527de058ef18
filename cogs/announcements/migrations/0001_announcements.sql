-- Announcements, numbered per community. `state` is where one stands: draft (waiting for the
-- author's /announce post), scheduled, repeating, posted, open (an incident), resolved,
-- cancelled. An incident's `held_*` is an update or resolution the check held for the author.
CREATE TABLE announcements (
    platform      TEXT NOT NULL,
    community     TEXT NOT NULL,
    number        INTEGER NOT NULL,
    author_id     TEXT NOT NULL,
    author_name   TEXT NOT NULL,
    channel       TEXT NOT NULL,
    text          TEXT NOT NULL,
    state         TEXT NOT NULL,
    due_at        REAL,
    repeat_rule   TEXT,
    incident      INTEGER NOT NULL DEFAULT 0,
    next_update   TEXT,
    update_due_at REAL,
    reminded_at   REAL,
    updates       INTEGER NOT NULL DEFAULT 0,
    held_kind     TEXT,
    held_text     TEXT,
    held_next     TEXT,
    created_at    REAL NOT NULL,
    posted_at     REAL,
    resolved_at   REAL,
    PRIMARY KEY (platform, community, number)
);
CREATE INDEX announcements_live ON announcements (platform, community, state);

-- Every post that goes out, written in the same transaction as the change that calls for it
-- (an outbox): `sent` turns 1 once the platform's receipt is recorded under `key`. At start-up
-- Hearth sends any unsent row again, so a crash between deciding and posting loses nothing,
-- and the (number, occurrence) key makes each occurrence of a repeat go out once.
CREATE TABLE announcement_posts (
    platform    TEXT NOT NULL,
    community   TEXT NOT NULL,
    number      INTEGER NOT NULL,
    occurrence  TEXT NOT NULL,
    key         TEXT NOT NULL,
    -- post (plain or repeat), incident (the first post), update, resolution
    kind        TEXT NOT NULL,
    body        TEXT NOT NULL,
    next_at     REAL,
    sent        INTEGER NOT NULL DEFAULT 0,
    created_at  REAL NOT NULL,
    PRIMARY KEY (platform, community, number, occurrence)
);
CREATE INDEX announcement_posts_unsent ON announcement_posts (sent) WHERE sent = 0;

-- Members who reacted to an incident or replied in its thread, thanked when it is resolved.
CREATE TABLE incident_supporters (
    platform   TEXT NOT NULL,
    community  TEXT NOT NULL,
    number     INTEGER NOT NULL,
    user_id    TEXT NOT NULL,
    name       TEXT NOT NULL,
    first_at   REAL NOT NULL,
    PRIMARY KEY (platform, community, number, user_id)
);
