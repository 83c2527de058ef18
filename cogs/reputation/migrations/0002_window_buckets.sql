-- 7d / 30d leaderboards kept up to date on write, so showing or refreshing one no longer sums
-- a month of ledger rows: per-day totals per member (the buckets), and each member's running
-- sum over the days still inside each window. A day leaving a window is subtracted once, in
-- short transactions (rep_window_start says how far that has gone).

-- Points per member per UTC day, for the days still inside the longest window.
CREATE TABLE rep_day_points (
    platform     TEXT NOT NULL,
    community    TEXT NOT NULL,
    day          INTEGER NOT NULL,     -- whole days since 1970-01-01 UTC
    user_id      TEXT NOT NULL,
    points       INTEGER NOT NULL,
    PRIMARY KEY (platform, community, day, user_id)
) WITHOUT ROWID;

-- Each member's points over the days from rep_window_start.first_day on.
CREATE TABLE rep_window_points (
    platform     TEXT NOT NULL,
    community    TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    points_7d    INTEGER NOT NULL DEFAULT 0,
    points_30d   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (platform, community, user_id)
) WITHOUT ROWID;
CREATE INDEX rep_window_points_7d ON rep_window_points (platform, community, points_7d);
CREATE INDEX rep_window_points_30d ON rep_window_points (platform, community, points_30d);

-- The first day each window still counts; while that day is being taken off, done_to is the
-- last member already subtracted ('' for none), so a crash half way never subtracts twice.
CREATE TABLE rep_window_start (
    platform     TEXT NOT NULL,
    community    TEXT NOT NULL,
    period       TEXT NOT NULL,        -- '7d' or '30d'
    first_day    INTEGER NOT NULL,
    done_to      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (platform, community, period)
) WITHOUT ROWID;

-- Computed every few minutes from the ledger before; the running sums replace it.
DROP TABLE rep_window_top;
