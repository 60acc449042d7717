-- by_object_day on postgresql: 2 statements

-- statement 1
DELETE
FROM "trackstats_statisticbydateandobject"
WHERE "metric_id" = %s AND "period" = %s AND "object_type_id" = %s AND "date" >= CAST(%s AS DATE) AND "date" <= CAST(%s AS DATE)
-- params:
--   1: 9001
--   2: 86400
--   3: <object_type>
--   4: datetime.date(2026, 3, 18)
--   5: datetime.date(2026, 4, 2)

-- statement 2
INSERT INTO "trackstats_statisticbydateandobject" ("metric_id", "period", "object_type_id", "date", "object_id", "value")
WITH "trackstats_src" AS (SELECT CAST(("testapp_order"."created" AT TIME ZONE 'UTC') AS DATE) AS "trackstats_at", "testapp_order"."customer_id" AS "trackstats_object", COUNT(*) AS "trackstats_value"
FROM "testapp_order"
WHERE ("testapp_order"."created" >= %s AND "testapp_order"."created" < %s AND "testapp_order"."customer_id" IS NOT NULL)
GROUP BY 1, 2),
"trackstats_result" AS (SELECT s."trackstats_at" AS "trackstats_day", s."trackstats_object", s."trackstats_value" AS "trackstats_value"
FROM "trackstats_src" s),
"trackstats_output" AS (SELECT r."trackstats_day", ((r."trackstats_object"))::varchar(255) AS "trackstats_object", r."trackstats_value"
FROM "trackstats_result" r)
SELECT %s, %s, %s, r."trackstats_day", r."trackstats_object", r."trackstats_value"
FROM "trackstats_output" r
WHERE 1 = 1
ON CONFLICT("date", "metric_id", "object_type_id", "object_id", "period") DO UPDATE SET "value" = EXCLUDED."value"
-- params:
--   1: datetime.datetime(2026, 3, 18, 0, 0, tzinfo=datetime.timezone.utc)
--   2: datetime.datetime(2026, 4, 3, 0, 0, tzinfo=datetime.timezone.utc)
--   3: 9001
--   4: 86400
--   5: <object_type>
