-- Core tables (PostgreSQL): members as Hearth has seen them, platform deliveries already
-- handled, scheduled work, and messages Hearth posted under a key so it can edit them later.
-- Moments are UTC unix seconds as DOUBLE PRECISION (SQLite's REAL); flags are 0/1 integers, so
-- the stores' SQL reads the same on both backends.

CREATE TABLE members (
    platform      TEXT NOT NULL,
    community     TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    name          TEXT NOT NULL,
    is_bot        INTEGER NOT NULL DEFAULT 0,
    first_joined  DOUBLE PRECISION NOT NULL,
    joined_at     DOUBLE PRECISION NOT NULL,
    left_at       DOUBLE PRECISION,
    welcomed_at   DOUBLE PRECISION,
    PRIMARY KEY (platform, community, user_id)
);
CREATE INDEX members_by_name ON members (platform, community, name);
CREATE INDEX members_by_join ON members (platform, community, joined_at);

CREATE TABLE processed_events (
    platform    TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    claimed_at  DOUBLE PRECISION NOT NULL,
    done        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (platform, event_id)
);
CREATE INDEX processed_events_age ON processed_events (claimed_at);

CREATE TABLE scheduled_jobs (
    key         TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    platform    TEXT NOT NULL,
    community   TEXT NOT NULL,
    due_at      DOUBLE PRECISION NOT NULL,
    payload     TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX scheduled_jobs_due ON scheduled_jobs (due_at);

CREATE TABLE posted_messages (
    platform    TEXT NOT NULL,
    community   TEXT NOT NULL,
    key         TEXT NOT NULL,
    channel     TEXT NOT NULL,
    message_id  TEXT NOT NULL,
    posted_at   DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (platform, community, key)
);
