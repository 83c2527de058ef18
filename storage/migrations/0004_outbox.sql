-- Posts that follow a committed change, written in the same transaction as the change (an
-- outbox): the row goes once the platform's receipt is stored. At start-up Hearth sends the rows
-- left behind, so a crash between the change and its post loses nothing.
CREATE TABLE outbox (
    -- Never reused (AUTOINCREMENT): it names the post to Discord (a nonce) even once gone.
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    platform    TEXT NOT NULL,
    community   TEXT NOT NULL,
    -- The post as JSON (see storage/outbox.py): channel, text segments, key, thread.
    action      TEXT NOT NULL,
    -- The worker that made it (it delivers it; another takes it over once it is stale).
    worker      TEXT NOT NULL,
    created_at  REAL NOT NULL
);
CREATE INDEX outbox_by_age ON outbox (created_at);
