-- calendar_month_sum on postgresql: 2 statements

-- statement 1
DELETE
FROM "trackstats_statisticbydate"
WHERE "metric_id" = %s AND "period" = %s AND "date" >= CAST(%s AS DATE) AND "date" <= CAST(%s AS DATE)
-- params:
--   1: 9001
--   2: -1
--   3: datetime.date(2026, 3, 1)
--   4: datetime.date(2026, 4, 2)

-- statement 2
INSERT INTO "trackstats_statisticbydate" ("metric_id", "period", "date", "value")
WITH "trackstats_src" AS (SELECT CAST(DATE_TRUNC('month', (CAST(("testapp_order"."created" AT TIME ZONE 'UTC') AS DATE))) AS date) AS "trackstats_at", SUM("testapp_order"."quantity") AS "trackstats_value"
FROM "testapp_order"
WHERE ("testapp_order"."created" >= %s AND "testapp_order"."created" < %s)
GROUP BY 1),
"trackstats_result" AS (SELECT s."trackstats_at" AS "trackstats_day", s."trackstats_value" AS "trackstats_value"
FROM "trackstats_src" s)
SELECT %s, %s, r."trackstats_day", r."trackstats_value"
FROM "trackstats_result" r
WHERE 1 = 1
ON CONFLICT("date", "metric_id", "period") DO UPDATE SET "value" = EXCLUDED."value"
-- params:
--   1: datetime.datetime(2026, 3, 1, 0, 0, tzinfo=datetime.timezone.utc)
--   2: datetime.datetime(2026, 4, 3, 0, 0, tzinfo=datetime.timezone.utc)
--   3: 9001
--   4: -1
