-- Which criteria each badge was last backfilled under, per community: at start only badges
-- whose criteria are new or changed are backfilled (members who qualify by ordinary activity
-- are awarded as it happens). A row is written only once a badge's backfill has finished, so
-- one cut short runs again at the next start. Holds no member ids.
CREATE TABLE badges_backfilled (
    platform     TEXT NOT NULL,
    community    TEXT NOT NULL,
    badge        TEXT NOT NULL,
    criteria     TEXT NOT NULL,        -- "criterion:threshold" when the backfill finished
    PRIMARY KEY (platform, community, badge)
) WITHOUT ROWID;
