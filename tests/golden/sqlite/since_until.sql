-- since_until on sqlite: 2 statements

-- statement 1
DELETE
FROM "trackstats_statisticbydate"
WHERE "metric_id" = %s AND "period" = %s AND "date" >= %s AND "date" <= %s
-- params:
--   1: 9001
--   2: 604800
--   3: '2026-03-25'
--   4: '2026-03-31'

-- statement 2
INSERT INTO "trackstats_statisticbydate" ("metric_id", "period", "date", "value")
WITH "trackstats_src" AS (SELECT substr("testapp_order"."created", 1, 10) AS "trackstats_at", COUNT(*) AS "trackstats_p0"
FROM "testapp_order"
WHERE ("testapp_order"."created" >= %s AND "testapp_order"."created" < %s)
GROUP BY 1),
"trackstats_ends" AS (SELECT 0 AS "trackstats_shift", 1 AS "trackstats_sign"
UNION ALL
SELECT 7, -1),
"trackstats_changes" AS (SELECT date(s."trackstats_at", (e."trackstats_shift") || ' days') AS "trackstats_at", SUM(e."trackstats_sign" * s."trackstats_p0") AS "trackstats_p0", SUM(e."trackstats_sign") AS "trackstats_hits"
FROM "trackstats_src" s CROSS JOIN "trackstats_ends" e
GROUP BY date(s."trackstats_at", (e."trackstats_shift") || ' days')),
"trackstats_runs" AS (SELECT c."trackstats_at" AS "trackstats_day", SUM(c."trackstats_p0") OVER (ORDER BY c."trackstats_at" ROWS UNBOUNDED PRECEDING) AS "trackstats_p0", SUM(c."trackstats_hits") OVER (ORDER BY c."trackstats_at" ROWS UNBOUNDED PRECEDING) AS "trackstats_rows", CAST(julianday(COALESCE(LEAD(c."trackstats_at") OVER (ORDER BY c."trackstats_at"), %s)) - julianday(c."trackstats_at") AS INTEGER) AS "trackstats_span", CASE WHEN c."trackstats_at" < %s THEN CAST(julianday(%s) - julianday(c."trackstats_at") AS INTEGER) ELSE 0 END AS "trackstats_skip"
FROM "trackstats_changes" c
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
--   1: '2026-03-19 00:00:00'
--   2: '2026-04-01 00:00:00'
--   3: '2026-04-01'
--   4: '2026-03-25'
--   5: '2026-03-25'
--   6: '2026-03-31'
--   7: 6
--   8: 9001
--   9: 604800
