-- by_object_rolling on postgresql: 2 statements

-- statement 1
DELETE
FROM "trackstats_statisticbydateandobject"
WHERE "metric_id" = %s AND "period" = %s AND "object_type_id" = %s AND "date" >= CAST(%s AS DATE) AND "date" <= CAST(%s AS DATE)
-- params:
--   1: 9001
--   2: 604800
--   3: <object_type>
--   4: datetime.date(2026, 3, 18)
--   5: datetime.date(2026, 4, 2)

-- statement 2
INSERT INTO "trackstats_statisticbydateandobject" ("metric_id", "period", "object_type_id", "date", "object_id", "value")
WITH "trackstats_src" AS (SELECT CAST(("testapp_order"."created" AT TIME ZONE 'UTC') AS DATE) AS "trackstats_at", "testapp_order"."customer_id" AS "trackstats_object", COUNT(*) AS "trackstats_p0"
FROM "testapp_order"
WHERE ("testapp_order"."created" >= %s AND "testapp_order"."created" < %s AND "testapp_order"."customer_id" IS NOT NULL)
GROUP BY 1, 2),
"trackstats_ends" AS (SELECT 0 AS "trackstats_shift", 1 AS "trackstats_sign"
UNION ALL
SELECT 7, -1),
"trackstats_changes" AS (SELECT (s."trackstats_at" + CAST(e."trackstats_shift" AS integer)) AS "trackstats_at", s."trackstats_object", SUM(e."trackstats_sign" * s."trackstats_p0") AS "trackstats_p0", SUM(e."trackstats_sign") AS "trackstats_hits"
FROM "trackstats_src" s CROSS JOIN "trackstats_ends" e
GROUP BY (s."trackstats_at" + CAST(e."trackstats_shift" AS integer)), s."trackstats_object"),
"trackstats_runs" AS (SELECT c."trackstats_at" AS "trackstats_day", c."trackstats_object", SUM(c."trackstats_p0") OVER (PARTITION BY c."trackstats_object" ORDER BY c."trackstats_at" ROWS UNBOUNDED PRECEDING) AS "trackstats_p0", SUM(c."trackstats_hits") OVER (PARTITION BY c."trackstats_object" ORDER BY c."trackstats_at" ROWS UNBOUNDED PRECEDING) AS "trackstats_rows", (COALESCE(LEAD(c."trackstats_at") OVER (PARTITION BY c."trackstats_object" ORDER BY c."trackstats_at"), CAST(%s AS DATE)) - c."trackstats_at") AS "trackstats_span", CASE WHEN c."trackstats_at" < CAST(%s AS DATE) THEN (CAST(%s AS DATE) - c."trackstats_at") ELSE 0 END AS "trackstats_skip"
FROM "trackstats_changes" c
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
"trackstats_result" AS (SELECT (r."trackstats_day" + CAST(o.n AS integer)) AS "trackstats_day", r."trackstats_object", r."trackstats_p0" AS "trackstats_value"
FROM "trackstats_runs" r JOIN "trackstats_numbers" o ON o.n >= r."trackstats_skip" AND o.n < r."trackstats_span"
WHERE r."trackstats_rows" > 0),
"trackstats_output" AS (SELECT r."trackstats_day", ((r."trackstats_object"))::varchar(255) AS "trackstats_object", r."trackstats_value"
FROM "trackstats_result" r)
SELECT %s, %s, %s, r."trackstats_day", r."trackstats_object", r."trackstats_value"
FROM "trackstats_output" r
WHERE 1 = 1
ON CONFLICT("date", "metric_id", "object_type_id", "object_id", "period") DO UPDATE SET "value" = EXCLUDED."value"
-- params:
--   1: datetime.datetime(2026, 3, 12, 0, 0, tzinfo=datetime.timezone.utc)
--   2: datetime.datetime(2026, 4, 3, 0, 0, tzinfo=datetime.timezone.utc)
--   3: datetime.date(2026, 4, 3)
--   4: datetime.date(2026, 3, 18)
--   5: datetime.date(2026, 3, 18)
--   6: datetime.date(2026, 4, 2)
--   7: 6
--   8: 9001
--   9: 604800
--   10: <object_type>
