-- by_object_day on mysql: 2 statements

-- statement 1
DELETE
FROM `trackstats_statisticbydateandobject`
WHERE `metric_id` = %s AND `period` = %s AND `object_type_id` = %s AND `date` >= CAST(%s AS DATE) AND `date` <= CAST(%s AS DATE)
-- params:
--   1: 9001
--   2: 86400
--   3: <object_type>
--   4: '2026-03-18'
--   5: '2026-04-02'

-- statement 2
INSERT INTO `trackstats_statisticbydateandobject` (`metric_id`, `period`, `object_type_id`, `date`, `object_id`, `value`)
WITH `trackstats_src` AS (SELECT DATE(`testapp_order`.`created`) AS `trackstats_at`, `testapp_order`.`customer_id` AS `trackstats_object`, COUNT(*) AS `trackstats_value`
FROM `testapp_order`
WHERE (`testapp_order`.`created` >= %s AND `testapp_order`.`created` < %s AND `testapp_order`.`customer_id` IS NOT NULL)
GROUP BY 1, 2 ORDER BY NULL),
`trackstats_result` AS (SELECT s.`trackstats_at` AS `trackstats_day`, s.`trackstats_object`, s.`trackstats_value` AS `trackstats_value`
FROM `trackstats_src` s),
`trackstats_output` AS (SELECT r.`trackstats_day`, CONVERT(CAST((r.`trackstats_object`) AS char(255)) USING utf8mb4) COLLATE utf8mb4_bin AS `trackstats_object`, r.`trackstats_value`
FROM `trackstats_result` r)
SELECT %s, %s, %s, r.`trackstats_day`, r.`trackstats_object`, r.`trackstats_value`
FROM `trackstats_output` r
WHERE 1 = 1
ON DUPLICATE KEY UPDATE `value` = VALUES(`value`)
-- params:
--   1: '2026-03-18 00:00:00'
--   2: '2026-04-03 00:00:00'
--   3: 9001
--   4: 86400
--   5: <object_type>
