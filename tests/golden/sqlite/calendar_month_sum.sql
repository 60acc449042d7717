-- calendar_month_sum on sqlite: 2 statements

-- statement 1
DELETE
FROM "trackstats_statisticbydate"
WHERE "metric_id" = %s AND "period" = %s AND "date" >= %s AND "date" <= %s
-- params:
--   1: 9001
--   2: -1
--   3: '2026-03-01'
--   4: '2026-04-02'

-- statement 2
INSERT INTO "trackstats_statisticbydate" ("metric_id", "period", "date", "value")
WITH "trackstats_src" AS (SELECT date((substr("testapp_order"."created", 1, 10)), 'start of month') AS "trackstats_at", SUM("testapp_order"."quantity") AS "trackstats_value"
FROM "testapp_order"
WHERE (+"testapp_order"."created" >= %s AND +"testapp_order"."created" < %s)
GROUP BY 1),
"trackstats_result" AS (SELECT s."trackstats_at" AS "trackstats_day", s."trackstats_value" AS "trackstats_value"
FROM "trackstats_src" s)
SELECT %s, %s, r."trackstats_day", r."trackstats_value"
FROM "trackstats_result" r
WHERE 1 = 1
ON CONFLICT("date", "metric_id", "period") DO UPDATE SET "value" = EXCLUDED."value"
-- params:
--   1: '2026-03-01 00:00:00'
--   2: '2026-04-03 00:00:00'
--   3: 9001
--   4: -1
