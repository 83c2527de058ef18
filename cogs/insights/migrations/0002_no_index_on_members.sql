-- The index 0001 put on the core's members table (platform, community, left_at, is_bot) looked
-- so selective that SQLite planned other features' queries through it: every leaderboard
-- scanned and sorted all present members (95 ms a board at 1M members). A feature's index on
-- the core's table steers every feature's plans, so it goes; counting present members for the
-- weekly digest walks the primary key instead, once a week.
DROP INDEX IF EXISTS insight_members_here;
