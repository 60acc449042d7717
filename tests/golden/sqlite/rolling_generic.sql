-- rolling_generic on sqlite: 2 statements

-- statement 1
DELETE
FROM "trackstats_statisticbydate"
WHERE "metric_id" = %s AND "period" = %s AND "date" >= %s AND "date" <= %s
-- params:
--   1: 9001
--   2: 604800
--   3: '2026-03-18'
--   4: '2026-04-02'

-- statement 2
INSERT INTO "trackstats_statisticbydate" ("metric_id", "period", "date", "value")
WITH "trackstats_src" AS (SELECT substr("testapp_order"."created", 1, 10) AS "trackstats_at", "testapp_order"."quantity" AS "trackstats_arg"
FROM "testapp_order"
WHERE (+"testapp_order"."created" >= %s AND +"testapp_order"."created" < %s)),
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
"trackstats_offsets" AS MATERIALIZED (SELECT 1 * t0.d AS n
FROM "trackstats_digits" t0
WHERE 1 * t0.d <= %s),
"trackstats_result" AS (SELECT e."trackstats_day", SUM(DISTINCT e."trackstats_arg") AS "trackstats_value"
FROM (SELECT date(s."trackstats_at", (o.n) || ' days') AS "trackstats_day", s."trackstats_arg"
FROM "trackstats_src" s CROSS JOIN "trackstats_offsets" o) e
WHERE e."trackstats_day" >= %s AND e."trackstats_day" <= %s
GROUP BY e."trackstats_day")
SELECT %s, %s, r."trackstats_day", r."trackstats_value"
FROM "trackstats_result" r
WHERE 1 = 1
ON CONFLICT("date", "metric_id", "period") DO UPDATE SET "value" = EXCLUDED."value"
-- params:
--   1: '2026-03-12 00:00:00'
--   2: '2026-04-03 00:00:00'
--   3: 6
--   4: '2026-03-18'
--   5: '2026-04-02'
--   6: 9001
--   7: 604800
