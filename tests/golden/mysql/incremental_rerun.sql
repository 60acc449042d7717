-- incremental_rerun on mysql: 2 statements

-- statement 1
DELETE
FROM `trackstats_statisticbydate`
WHERE `metric_id` = %s AND `period` = %s AND `date` >= CAST(%s AS DATE) AND `date` <= CAST(%s AS DATE)
-- params:
--   1: 9001
--   2: 86400
--   3: '2026-03-27'
--   4: '2026-04-02'

-- statement 2
INSERT INTO `trackstats_statisticbydate` (`metric_id`, `period`, `date`, `value`)
WITH `trackstats_src` AS (SELECT DATE(`testapp_order`.`created`) AS `trackstats_at`, COUNT(*) AS `trackstats_value`
FROM `testapp_order`
WHERE (`testapp_order`.`created` >= %s AND `testapp_order`.`created` < %s)
GROUP BY 1 ORDER BY NULL),
`trackstats_result` AS (SELECT s.`trackstats_at` AS `trackstats_day`, s.`trackstats_value` AS `trackstats_value`
FROM `trackstats_src` s)
SELECT %s, %s, r.`trackstats_day`, r.`trackstats_value`
FROM `trackstats_result` r
WHERE 1 = 1
ON DUPLICATE KEY UPDATE `value` = VALUES(`value`)
-- params:
--   1: '2026-03-27 00:00:00'
--   2: '2026-04-03 00:00:00'
--   3: 9001
--   4: 86400
