-- Community health: daily counters per community, never message text.

-- Every daily counter: figure names like 'messages', 'joins', 'active'; per-channel figures
-- carry the channel, community-wide ones an empty channel. Days are the community's own
-- calendar days (its configured time zone), written YYYY-MM-DD.
CREATE TABLE insight_counts (
    platform   TEXT NOT NULL,
    community  TEXT NOT NULL,
    day        TEXT NOT NULL,
    figure     TEXT NOT NULL,
    channel    TEXT NOT NULL DEFAULT '',
    value      INTEGER NOT NULL,
    PRIMARY KEY (platform, community, day, figure, channel)
);

-- Who posted on a day, so "active members" counts each member once; kept for five weeks
-- (week-two activity and the weekly engagement rate need no more), then pruned.
CREATE TABLE insight_active (
    platform   TEXT NOT NULL,
    community  TEXT NOT NULL,
    day        TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    PRIMARY KEY (platform, community, day, user_id)
);

-- Thanks each member received per day: the digest's "who helped" (pruned like insight_active).
CREATE TABLE insight_thanked (
    platform   TEXT NOT NULL,
    community  TEXT NOT NULL,
    day        TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    thanks     INTEGER NOT NULL,
    PRIMARY KEY (platform, community, day, user_id)
);

-- Sentiment as weather: a channel's day, as the sum of sampled messages' scores and how many
-- were scored. Never per member.
CREATE TABLE insight_weather (
    platform   TEXT NOT NULL,
    community  TEXT NOT NULL,
    day        TEXT NOT NULL,
    channel    TEXT NOT NULL,
    total      REAL NOT NULL,
    scored     INTEGER NOT NULL,
    PRIMARY KEY (platform, community, day, channel)
);

-- A channel's sudden dip, raised to the team once per channel and day.
CREATE TABLE insight_alerts (
    platform   TEXT NOT NULL,
    community  TEXT NOT NULL,
    day        TEXT NOT NULL,
    channel    TEXT NOT NULL,
    PRIMARY KEY (platform, community, day, channel)
);

-- The newcomer funnel: when each step first happened for a member who joined.
CREATE TABLE insight_newcomers (
    platform         TEXT NOT NULL,
    community        TEXT NOT NULL,
    user_id          TEXT NOT NULL,
    joined_at        REAL NOT NULL,
    introduced_at    REAL,
    first_message_at REAL,
    replied_at       REAL,
    week2_at         REAL,
    PRIMARY KEY (platform, community, user_id)
);
CREATE INDEX insight_newcomers_joined ON insight_newcomers (platform, community, joined_at);

-- "Members here now" is counted from the core's record for every report: an index that
-- answers it alone, so a community of a million counts in a fraction of a second.
CREATE INDEX insight_members_here ON members (platform, community, left_at, is_bot);
