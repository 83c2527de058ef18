-- Several workers share one database: a due job is claimed (by one run, for a lease) before it
-- runs, and each Discord shard (or community) is served by one worker at a time.
ALTER TABLE scheduled_jobs ADD COLUMN claimed_by TEXT;
ALTER TABLE scheduled_jobs ADD COLUMN claimed_until REAL;

CREATE TABLE worker_leases (
    scope        TEXT PRIMARY KEY,      -- 'discord-shard:3 of 8', ...
    worker       TEXT NOT NULL,
    held_until   REAL NOT NULL
);
