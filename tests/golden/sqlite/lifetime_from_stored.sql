-- lifetime_from_stored on sqlite: 2 statements

-- statement 1
DELETE
FROM "trackstats_statisticbydate"
WHERE "metric_id" = %s AND "period" = %s AND "date" >= %s AND "date" <= %s
-- params:
--   1: 9001
--   2: 0
--   3: '2026-03-28'
--   4: '2026-04-02'

-- statement 2
INSERT INTO "trackstats_statisticbydate" ("metric_id", "period", "date", "value")
WITH "trackstats_src" AS (SELECT e."trackstats_at", e."trackstats_p0"
FROM (SELECT %s AS "trackstats_at", "trackstats_statisticbydate"."value" AS "trackstats_p0"
FROM "trackstats_statisticbydate"
WHERE ("trackstats_statisticbydate"."metric_id" = %s AND "trackstats_statisticbydate"."period" = %s AND "trackstats_statisticbydate"."date" = %s)) e
UNION ALL
SELECT e."trackstats_at", e."trackstats_p0"
FROM (SELECT substr("testapp_order"."created", 1, 10) AS "trackstats_at", SUM("testapp_order"."quantity") AS "trackstats_p0"
FROM "testapp_order"
WHERE ("testapp_order"."created" >= %s AND "testapp_order"."created" < %s)
GROUP BY 1) e),
"trackstats_runs" AS (SELECT c."trackstats_at" AS "trackstats_day", SUM(c."trackstats_p0") OVER (ORDER BY c."trackstats_at" ROWS UNBOUNDED PRECEDING) AS "trackstats_p0", 1 AS "trackstats_rows", CAST(julianday(COALESCE(LEAD(c."trackstats_at") OVER (ORDER BY c."trackstats_at"), %s)) - julianday(c."trackstats_at") AS INTEGER) AS "trackstats_span", CASE WHEN c."trackstats_at" < %s THEN CAST(julianday(%s) - julianday(c."trackstats_at") AS INTEGER) ELSE 0 END AS "trackstats_skip"
FROM "trackstats_src" c
WHERE c."trackstats_at" <= %s),
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
"trackstats_numbers" AS MATERIALIZED (SELECT 1 * t0.d AS n
FROM "trackstats_digits" t0
WHERE 1 * t0.d <= %s),
"trackstats_result" AS (SELECT date(r."trackstats_day", (o.n) || ' days') AS "trackstats_day", r."trackstats_p0" AS "trackstats_value"
FROM "trackstats_runs" r JOIN "trackstats_numbers" o ON o.n >= r."trackstats_skip" AND o.n < r."trackstats_span"
WHERE r."trackstats_rows" > 0)
SELECT %s, %s, r."trackstats_day", r."trackstats_value"
FROM "trackstats_result" r
WHERE 1 = 1
ON CONFLICT("date", "metric_id", "period") DO UPDATE SET "value" = EXCLUDED."value"
-- params:
--   1: '2026-03-27'
--   2: 9001
--   3: 0
--   4: '2026-03-27'
--   5: '2026-03-28 00:00:00'
--   6: '2026-04-03 00:00:00'
--   7: '2026-04-03'
--   8: '2026-03-28'
--   9: '2026-03-28'
--   10: '2026-04-02'
--   11: 6
--   12: 9001
--   13: 0
