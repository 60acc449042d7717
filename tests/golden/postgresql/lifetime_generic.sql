-- lifetime_generic on postgresql: 2 statements

-- statement 1
DELETE
FROM "trackstats_statisticbydate"
WHERE "metric_id" = %s AND "period" = %s AND "date" >= CAST(%s AS DATE) AND "date" <= CAST(%s AS DATE)
-- params:
--   1: 9001
--   2: 0
--   3: datetime.date(2026, 3, 18)
--   4: datetime.date(2026, 4, 2)

-- statement 2
INSERT INTO "trackstats_statisticbydate" ("metric_id", "period", "date", "value")
WITH "trackstats_src" AS (SELECT CAST(("testapp_order"."created" AT TIME ZONE 'UTC') AS DATE) AS "trackstats_at", "testapp_order"."quantity" AS "trackstats_arg"
FROM "testapp_order"
WHERE "testapp_order"."created" < %s),
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
"trackstats_result" AS (SELECT c."trackstats_day", SUM(DISTINCT s."trackstats_arg") AS "trackstats_value"
FROM "trackstats_calendar" c JOIN "trackstats_src" s ON s."trackstats_at" <= c."trackstats_day"
GROUP BY c."trackstats_day")
SELECT %s, %s, r."trackstats_day", r."trackstats_value"
FROM "trackstats_result" r
WHERE 1 = 1
ON CONFLICT("date", "metric_id", "period") DO UPDATE SET "value" = EXCLUDED."value"
-- params:
--   1: datetime.datetime(2026, 4, 3, 0, 0, tzinfo=datetime.timezone.utc)
--   2: 15
--   3: datetime.date(2026, 3, 18)
--   4: 9001
--   5: 0
