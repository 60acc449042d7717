-- by_object_day on sqlite: 2 statements

-- statement 1
DELETE
FROM "trackstats_statisticbydateandobject"
WHERE "metric_id" = %s AND "period" = %s AND "object_type_id" = %s AND "date" >= %s AND "date" <= %s
-- params:
--   1: 9001
--   2: 86400
--   3: <object_type>
--   4: '2026-03-18'
--   5: '2026-04-02'

-- statement 2
INSERT INTO "trackstats_statisticbydateandobject" ("metric_id", "period", "object_type_id", "date", "object_id", "value")
WITH "trackstats_src" AS (SELECT substr("testapp_order"."created", 1, 10) AS "trackstats_at", "testapp_order"."customer_id" AS "trackstats_object", COUNT(*) AS "trackstats_value"
FROM "testapp_order"
WHERE ("testapp_order"."customer_id" IS NOT NULL AND +"testapp_order"."created" >= %s AND +"testapp_order"."created" < %s)
GROUP BY 1, 2),
"trackstats_result" AS (SELECT s."trackstats_at" AS "trackstats_day", s."trackstats_object", s."trackstats_value" AS "trackstats_value"
FROM "trackstats_src" s),
"trackstats_output" AS (SELECT r."trackstats_day", CAST((r."trackstats_object") AS varchar(255)) AS "trackstats_object", r."trackstats_value"
FROM "trackstats_result" r)
SELECT %s, %s, %s, r."trackstats_day", r."trackstats_object", r."trackstats_value"
FROM "trackstats_output" r
WHERE 1 = 1
ON CONFLICT("date", "metric_id", "object_type_id", "object_id", "period") DO UPDATE SET "value" = EXCLUDED."value"
-- params:
--   1: '2026-03-18 00:00:00'
--   2: '2026-04-03 00:00:00'
--   3: 9001
--   4: 86400
--   5: <object_type>
