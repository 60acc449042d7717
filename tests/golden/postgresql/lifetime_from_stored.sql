-- lifetime_from_stored on postgresql: 2 statements

-- statement 1
DELETE
FROM "trackstats_statisticbydate"
WHERE "metric_id" = %s AND "period" = %s AND "date" >= CAST(%s AS DATE) AND "date" <= CAST(%s AS DATE)
-- params:
--   1: 9001
--   2: 0
--   3: datetime.date(2026, 3, 28)
--   4: datetime.date(2026, 4, 2)

-- statement 2
INSERT INTO "trackstats_statisticbydate" ("metric_id", "period", "date", "value")
WITH "trackstats_src" AS (SELECT e."trackstats_at", e."trackstats_p0"
FROM (SELECT %s AS "trackstats_at", "trackstats_statisticbydate"."value" AS "trackstats_p0"
FROM "trackstats_statisticbydate"
WHERE ("trackstats_statisticbydate"."metric_id" = %s AND "trackstats_statisticbydate"."period" = %s AND "trackstats_statisticbydate"."date" = %s)) e
UNION ALL
SELECT e."trackstats_at", e."trackstats_p0"
FROM (SELECT CAST(("testapp_order"."created" AT TIME ZONE 'UTC') AS DATE) AS "trackstats_at", SUM("testapp_order"."quantity") AS "trackstats_p0"
FROM "testapp_order"
WHERE ("testapp_order"."created" >= %s AND "testapp_order"."created" < %s)
GROUP BY 1) e),
"trackstats_runs" AS (SELECT c."trackstats_at" AS "trackstats_day", SUM(c."trackstats_p0") OVER (ORDER BY c."trackstats_at" ROWS UNBOUNDED PRECEDING) AS "trackstats_p0", 1 AS "trackstats_rows", (COALESCE(LEAD(c."trackstats_at") OVER (ORDER BY c."trackstats_at"), CAST(%s AS DATE)) - c."trackstats_at") AS "trackstats_span", CASE WHEN c."trackstats_at" < CAST(%s AS DATE) THEN (CAST(%s AS DATE) - c."trackstats_at") ELSE 0 END AS "trackstats_skip"
FROM "trackstats_src" c
WHERE c."trackstats_at" <= CAST(%s AS DATE)),
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
"trackstats_numbers" AS (SELECT 1 * t0.d AS n
FROM "trackstats_digits" t0
WHERE 1 * t0.d <= %s),
"trackstats_result" AS (SELECT (r."trackstats_day" + CAST(o.n AS integer)) AS "trackstats_day", r."trackstats_p0" AS "trackstats_value"
FROM "trackstats_runs" r JOIN "trackstats_numbers" o ON o.n >= r."trackstats_skip" AND o.n < r."trackstats_span"
WHERE r."trackstats_rows" > 0)
SELECT %s, %s, r."trackstats_day", r."trackstats_value"
FROM "trackstats_result" r
WHERE 1 = 1
ON CONFLICT("date", "metric_id", "period") DO UPDATE SET "value" = EXCLUDED."value"
-- params:
--   1: datetime.date(2026, 3, 27)
--   2: 9001
--   3: Int4(0)
--   4: datetime.date(2026, 3, 27)
--   5: datetime.datetime(2026, 3, 28, 0, 0, tzinfo=datetime.timezone.utc)
--   6: datetime.datetime(2026, 4, 3, 0, 0, tzinfo=datetime.timezone.utc)
--   7: datetime.date(2026, 4, 3)
--   8: datetime.date(2026, 3, 28)
--   9: datetime.date(2026, 3, 28)
--   10: datetime.date(2026, 4, 2)
--   11: 6
--   12: 9001
--   13: 0
