-- Contest announcements as an outbox: set in the same statement that closes a contest (or
-- hands it to the moderators), so a crash before the post goes out can't lose it. At start-up
-- Hearth posts any pending announcement whose posted-message key was never recorded, and
-- clears the ones that were delivered.
ALTER TABLE contests ADD COLUMN announce_pending INTEGER NOT NULL DEFAULT 0;
CREATE INDEX contests_announce_pending ON contests (announce_pending) WHERE announce_pending = 1;
