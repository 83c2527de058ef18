-- `@name` lookups (/thanks @bob, "thanks @bob") are case-insensitive; without this index each
-- one scans every member, which a community of a million can't afford.
CREATE INDEX members_by_lower_name ON members (platform, community, lower(name));
