-- Reputation: the ledger of every point, running totals, ranks and leaderboards.

-- Every point ever given: totals can be recomputed from here and windows answered.
CREATE TABLE rep_ledger (
    id           INTEGER PRIMARY KEY,
    platform     TEXT NOT NULL,
    community    TEXT NOT NULL,
    user_id      TEXT NOT NULL,        -- who received the points
    giver_id     TEXT,                 -- who gave them (NULL for activity and the system)
    points       INTEGER NOT NULL,
    source       TEXT NOT NULL,        -- thanks, thanks_reaction, thanks_message, activity, contest_win, ...
    reason       TEXT NOT NULL DEFAULT '',
    at           REAL NOT NULL
);
-- 7d / 30d leaderboards.
CREATE INDEX rep_ledger_by_time ON rep_ledger (platform, community, at, user_id, points);
-- Distinct givers, contest wins and collusion share for one member. Partial, so the many
-- activity rows (the hot path's writes) don't pay for it; queries say `source <> 'activity'`.
CREATE INDEX rep_ledger_by_receiver ON rep_ledger (platform, community, user_id, source, giver_id)
    WHERE source <> 'activity';
-- Daily cap and pair cooldown for one giver (rows with no giver are never looked up by it).
CREATE INDEX rep_ledger_by_giver ON rep_ledger (platform, community, giver_id, at)
    WHERE giver_id IS NOT NULL;

-- Running totals per member, for fast profiles and the all-time leaderboard.
CREATE TABLE rep_totals (
    platform         TEXT NOT NULL,
    community        TEXT NOT NULL,
    user_id          TEXT NOT NULL,
    points           INTEGER NOT NULL DEFAULT 0,
    messages         INTEGER NOT NULL DEFAULT 0,
    thanks_received  INTEGER NOT NULL DEFAULT 0,
    thanks_given     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (platform, community, user_id)
) WITHOUT ROWID;
CREATE INDEX rep_totals_rank ON rep_totals (platform, community, points);

-- How many members hold each points value: a rank is one sum over the values above yours,
-- instead of counting up to a million index entries. Kept by the triggers below.
CREATE TABLE rep_points_histogram (
    platform     TEXT NOT NULL,
    community    TEXT NOT NULL,
    points       INTEGER NOT NULL,
    members      INTEGER NOT NULL,
    PRIMARY KEY (platform, community, points)
) WITHOUT ROWID;

CREATE TRIGGER rep_totals_histogram_insert AFTER INSERT ON rep_totals BEGIN
    INSERT INTO rep_points_histogram (platform, community, points, members)
        VALUES (NEW.platform, NEW.community, NEW.points, 1)
        ON CONFLICT (platform, community, points) DO UPDATE SET members = members + 1;
END;

CREATE TRIGGER rep_totals_histogram_update AFTER UPDATE OF points ON rep_totals
WHEN OLD.points <> NEW.points BEGIN
    UPDATE rep_points_histogram SET members = members - 1
        WHERE platform = OLD.platform AND community = OLD.community AND points = OLD.points;
    INSERT INTO rep_points_histogram (platform, community, points, members)
        VALUES (NEW.platform, NEW.community, NEW.points, 1)
        ON CONFLICT (platform, community, points) DO UPDATE SET members = members + 1;
END;

-- 7d / 30d leaderboards, recomputed from the ledger by a periodic job (see
-- reputation.leaderboard_refresh): summing a month of a busy community's ledger on every
-- /leaderboard would be too slow, reading a few ranked rows is not.
CREATE TABLE rep_window_top (
    platform     TEXT NOT NULL,
    community    TEXT NOT NULL,
    period       TEXT NOT NULL,        -- '7d' or '30d'
    position     INTEGER NOT NULL,
    user_id      TEXT NOT NULL,
    points       INTEGER NOT NULL,
    computed_at  REAL NOT NULL,
    PRIMARY KEY (platform, community, period, position)
) WITHOUT ROWID;
