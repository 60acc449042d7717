-- zone_change on postgresql: 2 statements

-- statement 1
DELETE
FROM "trackstats_statisticbydate"
WHERE "metric_id" = %s AND "period" = %s AND "date" >= CAST(%s AS DATE) AND "date" <= CAST(%s AS DATE)
-- params:
--   1: 9001
--   2: 86400
--   3: datetime.date(2026, 3, 18)
--   4: datetime.date(2026, 4, 2)

-- statement 2
INSERT INTO "trackstats_statisticbydate" ("metric_id", "period", "date", "value")
WITH "trackstats_src" AS (SELECT CAST(("testapp_order"."created" AT TIME ZONE 'UTC') + (CASE WHEN "testapp_order"."created" < %s THEN %s ELSE %s END) * INTERVAL '1' SECOND AS DATE) AS "trackstats_at", COUNT(*) AS "trackstats_value"
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
--   1: datetime.datetime(2026, 3, 29, 1, 0, tzinfo=datetime.timezone.utc)
--   2: Int4(3600)
--   3: Int4(7200)
--   4: datetime.datetime(2026, 3, 17, 23, 0, tzinfo=datetime.timezone.utc)
--   5: datetime.datetime(2026, 4, 2, 22, 0, tzinfo=datetime.timezone.utc)
--   6: 9001
--   7: 86400
