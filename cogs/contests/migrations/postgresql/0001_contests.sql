-- PostgreSQL's spelling of ../0001_contests.sql: moments as DOUBLE PRECISION (SQLite's REAL),
-- row ids as identity columns; everything else as there.
-- Contests: one row per contest (numbered per community, #1, #2, ...), the entries members send,
-- one vote per member per contest, and the winners chosen when it closes.
-- `state` moves open -> closed (or open -> judging -> closed when moderators pick, or -> cancelled)
-- by single conditional UPDATEs, so winners are chosen and announced exactly once.

CREATE TABLE contests (
    platform            TEXT NOT NULL,
    community           TEXT NOT NULL,
    number              INTEGER NOT NULL,
    title               TEXT NOT NULL,
    description         TEXT NOT NULL,
    created_by          TEXT NOT NULL,
    created_at          DOUBLE PRECISION NOT NULL,
    closes_at           DOUBLE PRECISION NOT NULL,
    method              TEXT NOT NULL CHECK (method IN ('votes', 'draw', 'pick')),
    winners             INTEGER NOT NULL CHECK (winners >= 1),
    entries_per_member  INTEGER NOT NULL CHECK (entries_per_member >= 1),
    min_reputation      INTEGER NOT NULL DEFAULT 0,
    min_days            INTEGER NOT NULL DEFAULT 0,
    badge               TEXT,
    review              INTEGER NOT NULL DEFAULT 0,
    anonymous           INTEGER NOT NULL DEFAULT 0,
    -- The draw's secret, sealed at creation (its sha256 is announced) and revealed at close.
    secret              TEXT NOT NULL,
    state               TEXT NOT NULL DEFAULT 'open'
                        CHECK (state IN ('open', 'judging', 'closed', 'cancelled')),
    closed_at           DOUBLE PRECISION,
    seed_input          TEXT,
    cancel_reason       TEXT,
    PRIMARY KEY (platform, community, number)
);
CREATE INDEX contests_by_state ON contests (platform, community, state, closes_at);

CREATE TABLE contest_entries (
    platform      TEXT NOT NULL,
    community     TEXT NOT NULL,
    contest       INTEGER NOT NULL,
    number        INTEGER NOT NULL,
    user_id       TEXT NOT NULL,
    name          TEXT NOT NULL,
    content       TEXT NOT NULL,
    submitted_at  DOUBLE PRECISION NOT NULL,
    status        TEXT NOT NULL
                  CHECK (status IN ('approved', 'pending', 'declined', 'withdrawn')),
    PRIMARY KEY (platform, community, contest, number),
    FOREIGN KEY (platform, community, contest)
        REFERENCES contests (platform, community, number) ON DELETE CASCADE
);
CREATE INDEX contest_entries_by_user ON contest_entries (platform, community, contest, user_id);

CREATE TABLE contest_votes (
    platform   TEXT NOT NULL,
    community  TEXT NOT NULL,
    contest    INTEGER NOT NULL,
    user_id    TEXT NOT NULL,
    entry      INTEGER NOT NULL,
    voted_at   DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (platform, community, contest, user_id),
    FOREIGN KEY (platform, community, contest, entry)
        REFERENCES contest_entries (platform, community, contest, number) ON DELETE CASCADE
);
CREATE INDEX contest_votes_by_entry ON contest_votes (platform, community, contest, entry);

CREATE TABLE contest_winners (
    platform    TEXT NOT NULL,
    community   TEXT NOT NULL,
    contest     INTEGER NOT NULL,
    place       INTEGER NOT NULL,
    entry       INTEGER NOT NULL,
    user_id     TEXT NOT NULL,
    name        TEXT NOT NULL,
    votes       INTEGER,
    awarded_at  DOUBLE PRECISION NOT NULL,
    -- Set when a moderator redraws this place; the row stays as a record.
    replaced_at DOUBLE PRECISION,
    PRIMARY KEY (platform, community, contest, place),
    FOREIGN KEY (platform, community, contest)
        REFERENCES contests (platform, community, number) ON DELETE CASCADE
);
