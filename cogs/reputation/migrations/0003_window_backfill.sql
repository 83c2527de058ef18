-- Window buckets and running sums for a database that already has a ledger: the last 30
-- days of it, counted from today (UTC).

INSERT INTO rep_day_points (platform, community, day, user_id, points)
    SELECT platform, community, CAST(at / 86400 AS INTEGER), user_id, SUM(points)
    FROM rep_ledger
    WHERE at >= (CAST(strftime('%s', 'now') AS INTEGER) / 86400 - 29) * 86400
    GROUP BY platform, community, CAST(at / 86400 AS INTEGER), user_id;
INSERT INTO rep_window_start (platform, community, period, first_day)
    SELECT DISTINCT platform, community, w.period,
           CAST(strftime('%s', 'now') AS INTEGER) / 86400 - w.days + 1
    FROM rep_day_points, (SELECT '7d' AS period, 7 AS days UNION ALL SELECT '30d', 30) AS w;
INSERT INTO rep_window_points (platform, community, user_id, points_7d, points_30d)
    SELECT platform, community, user_id,
           SUM(CASE WHEN day >= CAST(strftime('%s', 'now') AS INTEGER) / 86400 - 6
               THEN points ELSE 0 END),
           SUM(points)
    FROM rep_day_points GROUP BY platform, community, user_id;
