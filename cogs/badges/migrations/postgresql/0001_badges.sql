-- PostgreSQL's spelling of ../0001_badges.sql: moments as DOUBLE PRECISION (SQLite's REAL),
-- row ids as identity columns; everything else as there.
-- Badges members hold. A revoked badge keeps its row (revoked_at set) so it is not
-- automatically awarded again; a moderator's grant clears it.
CREATE TABLE badges_held (
    platform     TEXT NOT NULL,
    community    TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    badge        TEXT NOT NULL,
    awarded_at   DOUBLE PRECISION NOT NULL,
    awarded_by   TEXT,                 -- a moderator's id, or NULL when earned
    reason       TEXT NOT NULL DEFAULT '',
    revoked_at   DOUBLE PRECISION,
    PRIMARY KEY (platform, community, user_id, badge)
);
CREATE INDEX badges_held_by_badge ON badges_held (platform, community, badge);
