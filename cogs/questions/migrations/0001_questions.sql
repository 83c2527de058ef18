-- Questions: each question asked in a help channel, by /ask or moved there (numbered per
-- community), and the replies others gave it. Figures for community health are read from
-- these rows over a span (indexed by when asked and when solved).

CREATE TABLE questions (
    platform            TEXT NOT NULL,
    community           TEXT NOT NULL,
    number              INTEGER NOT NULL,
    asker_user_id            TEXT NOT NULL,
    asker_name          TEXT NOT NULL,
    question            TEXT NOT NULL,
    -- Where it lives: the member's own message, or Hearth's post (then message_id is filled in
    -- once the post is on record; `post_key` finds it).
    channel             TEXT NOT NULL,
    message_id          TEXT,
    post_key            TEXT,
    via                 TEXT NOT NULL CHECK (via IN ('channel', 'ask', 'moved')),
    created_at          REAL NOT NULL,
    first_answer_at     REAL,
    answerer_user_id   TEXT,
    solved_at           REAL,
    -- The member credited (NULL: solved without one), and whether they were on the team then.
    helper_user_id           TEXT,
    helper_name         TEXT,
    helper_staff        INTEGER NOT NULL DEFAULT 0,
    marked_by        TEXT,
    -- "Did @x's answer solve it?": asked once, about this member.
    confirm_user_id   TEXT,
    confirm_helper_name TEXT,
    confirm_asked_at    REAL,
    -- The team was told it waits (once); pending until the post is on record.
    nudged_at           REAL,
    nudge_pending       INTEGER NOT NULL DEFAULT 0,
    -- The asker was asked once whether an answer solved it.
    followed_up_at      REAL,
    -- The one FAQ suggestion made (an FAQ entry "faq:N" or a solved question "q:N"), and when
    -- the asker said it helped.
    suggested           TEXT,
    suggestion_helped_at REAL,
    faq_excluded        INTEGER NOT NULL DEFAULT 0,
    -- The question's message was deleted: withdrawn if unsolved (no follow-ups, not counted),
    -- still solved if it was, and never suggested again.
    deleted_at          REAL,
    PRIMARY KEY (platform, community, number)
);
CREATE INDEX questions_by_message ON questions (platform, community, message_id);
CREATE INDEX questions_by_created ON questions (platform, community, created_at);
CREATE INDEX questions_by_solved ON questions (platform, community, solved_at);
CREATE INDEX questions_by_asker ON questions (platform, community, asker_user_id, created_at);
CREATE INDEX questions_by_helper ON questions (platform, community, helper_user_id);
CREATE INDEX questions_nudge_pending ON questions (nudge_pending) WHERE nudge_pending = 1;

-- Replies to a question by anyone but its asker: the first is its first answer.
CREATE TABLE question_answers (
    platform    TEXT NOT NULL,
    community   TEXT NOT NULL,
    number      INTEGER NOT NULL,
    message_id  TEXT NOT NULL,
    author_id   TEXT NOT NULL,
    author_name TEXT NOT NULL,
    at          REAL NOT NULL,
    PRIMARY KEY (platform, community, message_id),
    FOREIGN KEY (platform, community, number)
        REFERENCES questions (platform, community, number) ON DELETE CASCADE
);
CREATE INDEX question_answers_by_question ON question_answers (platform, community, number,
                                                               author_id);
