-- The team inbox: private conversations between one member and the team (numbered per
-- community, #1, #2, ...), and every message in them, both ways.

CREATE TABLE inbox_conversations (
    platform          TEXT NOT NULL,
    community         TEXT NOT NULL,
    number            INTEGER NOT NULL,
    user_id           TEXT NOT NULL,
    name              TEXT NOT NULL,
    status            TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    opened_at         REAL NOT NULL,
    first_reply_at    REAL,
    closed_at         REAL,
    -- Closed with "we'll get back to you": the team is reminded then, and one more reply may
    -- still reach the member; cleared by that reply.
    follow_up_at      REAL,
    -- The thread's first message on the platform, learnt from the posts Hearth recorded (a
    -- Discord thread has that message's id; a Slack thread is named by its ts).
    thread            TEXT,
    -- Where the member writes from (the DM channel), and the last message of theirs read
    -- there, so messages sent while Hearth was down are read at start-up.
    dm_channel        TEXT,
    last_seen         TEXT,
    -- The reply clock raised it with the admins (once), and whether that post may not have
    -- gone out yet: set in the same statement, cleared at start-up once the post is on record.
    escalated_at      REAL,
    escalate_pending  INTEGER NOT NULL DEFAULT 0,
    -- "Did we help?": asked at most once; NULL until answered, then 1 (yes) or 0.
    helped_asked      INTEGER NOT NULL DEFAULT 0,
    helped            INTEGER,
    PRIMARY KEY (platform, community, number)
);
-- At most one open conversation per member.
CREATE UNIQUE INDEX inbox_one_open ON inbox_conversations (platform, community, user_id)
    WHERE status = 'open';
CREATE INDEX inbox_by_member ON inbox_conversations (platform, community, user_id, number);
CREATE INDEX inbox_by_opened ON inbox_conversations (platform, community, opened_at);
CREATE INDEX inbox_by_closed ON inbox_conversations (platform, community, closed_at);
CREATE INDEX inbox_by_thread ON inbox_conversations (platform, community, thread);
CREATE INDEX inbox_escalate_pending ON inbox_conversations (escalate_pending)
    WHERE escalate_pending = 1;

-- Every message: the member's (relayed into the thread) and the team's replies (sent by DM).
-- `source` is the platform's id of the member's message: one row per source, so a message
-- delivered twice (a retry, a read at start-up) is relayed once.
CREATE TABLE inbox_messages (
    platform     TEXT NOT NULL,
    community    TEXT NOT NULL,
    number       INTEGER NOT NULL,
    seq          INTEGER NOT NULL,
    from_team    INTEGER NOT NULL,
    author_id    TEXT NOT NULL,
    author_name  TEXT NOT NULL,
    anonymous    INTEGER NOT NULL DEFAULT 0,
    body         TEXT NOT NULL,
    source       TEXT,
    at           REAL NOT NULL,
    -- A member's message waiting to be relayed (an outbox flag, cleared at start-up once the
    -- relay is on record).
    pending      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (platform, community, number, seq),
    FOREIGN KEY (platform, community, number)
        REFERENCES inbox_conversations (platform, community, number) ON DELETE CASCADE
);
CREATE UNIQUE INDEX inbox_messages_once ON inbox_messages (platform, community, source);
CREATE INDEX inbox_messages_pending ON inbox_messages (pending) WHERE pending = 1;
CREATE INDEX inbox_messages_by_author ON inbox_messages (platform, community, author_id);
