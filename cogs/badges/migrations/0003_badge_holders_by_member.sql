-- Who holds a badge, now ordered by member too, so "does this member hold it" is an exact
-- lookup in either index: PostgreSQL planning from statistics that said a badge had no
-- holders (taken before a long backfill) picked this index and read every holder per member.
DROP INDEX badges_held_by_badge;
CREATE INDEX badges_held_by_badge ON badges_held (platform, community, badge, user_id);
