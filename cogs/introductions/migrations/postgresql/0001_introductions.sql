-- PostgreSQL's spelling of ../0001_introductions.sql: moments as DOUBLE PRECISION (SQLite's REAL),
-- row ids as identity columns; everything else as there.
-- Introductions: one per member, its answers one row per field.

-- One introduction per member, kept when they leave so /introduce after rejoining edits it.
CREATE TABLE introductions (
    platform     TEXT NOT NULL,
    community    TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    -- 'form' (/introduce) or 'message' (posted straight into the introductions channel)
    source       TEXT NOT NULL,
    created_at   DOUBLE PRECISION NOT NULL,
    updated_at   DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (platform, community, user_id)
);

-- The answers, one row per field, in the order the form asked them.
CREATE TABLE introduction_fields (
    platform     TEXT NOT NULL,
    community    TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    position     INTEGER NOT NULL,
    field        TEXT NOT NULL,
    value        TEXT NOT NULL,
    PRIMARY KEY (platform, community, user_id, field),
    FOREIGN KEY (platform, community, user_id)
        REFERENCES introductions (platform, community, user_id) ON DELETE CASCADE
);
