-- lifetime_distinct on postgresql: 2 statements

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
WITH "trackstats_first_seen" AS (SELECT "testapp_order"."customer_id" AS "trackstats_arg", MIN(CASE WHEN "testapp_order"."created" < %s THEN %s ELSE CAST(("testapp_order"."created" AT TIME ZONE 'UTC') AS DATE) END) AS "trackstats_first"
FROM "testapp_order"
WHERE "testapp_order"."created" < %s
GROUP BY 1),
"trackstats_src" AS (SELECT f."trackstats_first" AS "trackstats_at", COUNT(f."trackstats_arg") AS "trackstats_p0"
FROM "trackstats_first_seen" f
GROUP BY f."trackstats_first"),
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
"trackstats_blocks" AS (SELECT 1 * t0.d AS n
FROM "trackstats_digits" t0
WHERE 1 * t0.d <= %s),
"trackstats_numbers" AS (SELECT 1 * t0.d AS n
FROM "trackstats_digits" t0
WHERE 1 * t0.d <= %s),
"trackstats_result" AS (SELECT (r."trackstats_day" + CAST((b.n * 8 + o.n) AS integer)) AS "trackstats_day", r."trackstats_p0" AS "trackstats_value"
FROM "trackstats_runs" r JOIN "trackstats_blocks" b ON b.n * 8 < r."trackstats_span" AND b.n * 8 + 8 > r."trackstats_skip" JOIN "trackstats_numbers" o ON (b.n * 8 + o.n) >= r."trackstats_skip" AND (b.n * 8 + o.n) < r."trackstats_span"
WHERE r."trackstats_rows" > 0)
SELECT %s, %s, r."trackstats_day", r."trackstats_value"
FROM "trackstats_result" r
WHERE 1 = 1
ON CONFLICT("date", "metric_id", "period") DO UPDATE SET "value" = EXCLUDED."value"
-- params:
--   1: datetime.datetime(2026, 3, 18, 0, 0, tzinfo=datetime.timezone.utc)
--   2: datetime.date(2026, 3, 17)
--   3: datetime.datetime(2026, 4, 3, 0, 0, tzinfo=datetime.timezone.utc)
--   4: datetime.date(2026, 4, 3)
--   5: datetime.date(2026, 3, 18)
--   6: datetime.date(2026, 3, 18)
--   7: datetime.date(2026, 4, 2)
--   8: 2
--   9: 7
--   10: 9001
--   11: 0
