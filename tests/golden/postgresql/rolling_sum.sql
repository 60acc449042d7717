-- rolling_sum on postgresql: 2 statements

-- statement 1
DELETE
FROM "trackstats_statisticbydate"
WHERE "metric_id" = %s AND "period" = %s AND "date" >= CAST(%s AS DATE) AND "date" <= CAST(%s AS DATE)
-- params:
--   1: 9001
--   2: 604800
--   3: datetime.date(2026, 3, 18)
--   4: datetime.date(2026, 4, 2)

-- statement 2
INSERT INTO "trackstats_statisticbydate" ("metric_id", "period", "date", "value")
WITH "trackstats_src" AS (SELECT CAST(("testapp_order"."created" AT TIME ZONE 'UTC') AS DATE) AS "trackstats_at", SUM("testapp_order"."quantity") AS "trackstats_p0"
FROM "testapp_order"
WHERE ("testapp_order"."created" >= %s AND "testapp_order"."created" < %s)
GROUP BY 1),
"trackstats_digits" AS (SELECT 0 AS d
UNION ALL
SELECT 1 AS d
UNION ALL
SELECT 2 AS d
UNION ALL
SELECT 3 AS d
UNION ALL
SELECT 4 AS d
UNION ALL
SELECT 5 AS d
UNION ALL
SELECT 6 AS d
UNION ALL
SELECT 7 AS d
UNION ALL
SELECT 8 AS d
UNION ALL
SELECT 9 AS d),
"trackstats_numbers" AS (SELECT 1 * t0.d + 10 * t1.d AS n
FROM "trackstats_digits" t0 CROSS JOIN "trackstats_digits" t1
WHERE 1 * t0.d + 10 * t1.d <= %s),
"trackstats_calendar" AS (SELECT (CAST(%s AS DATE) + CAST(n.n AS integer)) AS "trackstats_day"
FROM "trackstats_numbers" n),
"trackstats_keys" AS (SELECT MIN(s."trackstats_at") AS "trackstats_first", (MAX(s."trackstats_at") + CAST(6 AS integer)) AS "trackstats_reach"
FROM "trackstats_src" s),
"trackstats_grid" AS (SELECT c."trackstats_day", s."trackstats_p0", s."trackstats_at" AS "trackstats_hit"
FROM "trackstats_calendar" c JOIN "trackstats_keys" k ON c."trackstats_day" >= k."trackstats_first" AND c."trackstats_day" <= k."trackstats_reach" LEFT JOIN "trackstats_src" s ON s."trackstats_at" = c."trackstats_day"),
"trackstats_running" AS (SELECT g."trackstats_day", SUM(g."trackstats_p0") OVER (ORDER BY g."trackstats_day" ROWS BETWEEN 6 PRECEDING AND CURRENT ROW) AS "trackstats_p0", COUNT(g."trackstats_hit") OVER (ORDER BY g."trackstats_day" ROWS BETWEEN 6 PRECEDING AND CURRENT ROW) AS "trackstats_rows"
FROM "trackstats_grid" g),
"trackstats_result" AS (SELECT r."trackstats_day", r."trackstats_p0" AS "trackstats_value"
FROM "trackstats_running" r
WHERE r."trackstats_rows" > 0 AND r."trackstats_day" >= CAST(%s AS DATE))
SELECT %s, %s, r."trackstats_day", r."trackstats_value"
FROM "trackstats_result" r
WHERE 1 = 1
ON CONFLICT("date", "metric_id", "period") DO UPDATE SET "value" = EXCLUDED."value"
-- params:
--   1: datetime.datetime(2026, 3, 12, 0, 0, tzinfo=datetime.timezone.utc)
--   2: datetime.datetime(2026, 4, 3, 0, 0, tzinfo=datetime.timezone.utc)
--   3: 21
--   4: datetime.date(2026, 3, 12)
--   5: datetime.date(2026, 3, 18)
--   6: 9001
--   7: 604800
