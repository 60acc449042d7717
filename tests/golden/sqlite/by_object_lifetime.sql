-- by_object_lifetime on sqlite: 2 statements

-- statement 1
DELETE
FROM "trackstats_statisticbydateandobject"
WHERE "metric_id" = %s AND "period" = %s AND "object_type_id" = %s AND "date" >= %s AND "date" <= %s
-- params:
--   1: 9001
--   2: 0
--   3: <object_type>
--   4: '2026-03-18'
--   5: '2026-04-02'

-- statement 2
INSERT INTO "trackstats_statisticbydateandobject" ("metric_id", "period", "object_type_id", "date", "object_id", "value")
WITH "trackstats_src" AS (SELECT e."trackstats_at", e."trackstats_object", e."trackstats_p0"
FROM (SELECT %s AS "trackstats_at", "testapp_order"."customer_id" AS "trackstats_object", COUNT(*) AS "trackstats_p0", COUNT(*) AS "trackstats_n"
FROM "testapp_order"
WHERE ("testapp_order"."customer_id" IS NOT NULL AND +"testapp_order"."created" < %s AND "testapp_order"."created" < %s)
GROUP BY 2) e
WHERE e."trackstats_n" > 0
UNION ALL
SELECT e."trackstats_at", e."trackstats_object", e."trackstats_p0"
FROM (SELECT substr("testapp_order"."created", 1, 10) AS "trackstats_at", "testapp_order"."customer_id" AS "trackstats_object", COUNT(*) AS "trackstats_p0"
FROM "testapp_order"
WHERE ("testapp_order"."customer_id" IS NOT NULL AND +"testapp_order"."created" >= %s AND +"testapp_order"."created" < %s)
GROUP BY 1, 2) e),
"trackstats_runs" AS (SELECT c."trackstats_at" AS "trackstats_day", c."trackstats_object", SUM(c."trackstats_p0") OVER (PARTITION BY c."trackstats_object" ORDER BY c."trackstats_at" ROWS UNBOUNDED PRECEDING) AS "trackstats_p0", 1 AS "trackstats_rows", CAST(julianday(COALESCE(LEAD(c."trackstats_at") OVER (PARTITION BY c."trackstats_object" ORDER BY c."trackstats_at"), %s)) - julianday(c."trackstats_at") AS INTEGER) AS "trackstats_span", CASE WHEN c."trackstats_at" < %s THEN CAST(julianday(%s) - julianday(c."trackstats_at") AS INTEGER) ELSE 0 END AS "trackstats_skip"
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
"trackstats_blocks" AS MATERIALIZED (SELECT 1 * t0.d AS n
FROM "trackstats_digits" t0
WHERE 1 * t0.d <= %s),
"trackstats_numbers" AS MATERIALIZED (SELECT 1 * t0.d AS n
FROM "trackstats_digits" t0
WHERE 1 * t0.d <= %s),
"trackstats_result" AS (SELECT date(r."trackstats_day", ((b.n * 8 + o.n)) || ' days') AS "trackstats_day", r."trackstats_object", r."trackstats_p0" AS "trackstats_value"
FROM "trackstats_runs" r JOIN "trackstats_blocks" b ON b.n * 8 < r."trackstats_span" AND b.n * 8 + 8 > r."trackstats_skip" JOIN "trackstats_numbers" o ON (b.n * 8 + o.n) >= r."trackstats_skip" AND (b.n * 8 + o.n) < r."trackstats_span"
WHERE r."trackstats_rows" > 0),
"trackstats_output" AS (SELECT r."trackstats_day", CAST((r."trackstats_object") AS varchar(255)) AS "trackstats_object", r."trackstats_value"
FROM "trackstats_result" r)
SELECT %s, %s, %s, r."trackstats_day", r."trackstats_object", r."trackstats_value"
FROM "trackstats_output" r
WHERE 1 = 1
ON CONFLICT("date", "metric_id", "object_type_id", "object_id", "period") DO UPDATE SET "value" = EXCLUDED."value"
-- params:
--   1: '2026-03-17'
--   2: '2026-04-03 00:00:00'
--   3: '2026-03-18 00:00:00'
--   4: '2026-03-18 00:00:00'
--   5: '2026-04-03 00:00:00'
--   6: '2026-04-03'
--   7: '2026-03-18'
--   8: '2026-03-18'
--   9: '2026-04-02'
--   10: 2
--   11: 7
--   12: 9001
--   13: 0
--   14: <object_type>
