-- rolling_generic on postgresql: 2 statements

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
WITH "trackstats_src" AS (SELECT CAST(("testapp_order"."created" AT TIME ZONE 'UTC') AS DATE) AS "trackstats_at", "testapp_order"."quantity" AS "trackstats_arg"
FROM "testapp_order"
WHERE ("testapp_order"."created" >= %s AND "testapp_order"."created" < %s)),
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
"trackstats_offsets" AS (SELECT 1 * t0.d AS n
FROM "trackstats_digits" t0
WHERE 1 * t0.d <= %s),
"trackstats_result" AS (SELECT e."trackstats_day", SUM(DISTINCT e."trackstats_arg") AS "trackstats_value"
FROM (SELECT (s."trackstats_at" + CAST(o.n AS integer)) AS "trackstats_day", s."trackstats_arg"
FROM "trackstats_src" s CROSS JOIN "trackstats_offsets" o) e
WHERE e."trackstats_day" >= CAST(%s AS DATE) AND e."trackstats_day" <= CAST(%s AS DATE)
GROUP BY e."trackstats_day")
SELECT %s, %s, r."trackstats_day", r."trackstats_value"
FROM "trackstats_result" r
WHERE 1 = 1
ON CONFLICT("date", "metric_id", "period") DO UPDATE SET "value" = EXCLUDED."value"
-- params:
--   1: datetime.datetime(2026, 3, 12, 0, 0, tzinfo=datetime.timezone.utc)
--   2: datetime.datetime(2026, 4, 3, 0, 0, tzinfo=datetime.timezone.utc)
--   3: 6
--   4: datetime.date(2026, 3, 18)
--   5: datetime.date(2026, 4, 2)
--   6: 9001
--   7: 604800
