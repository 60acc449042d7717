-- lifetime_generic on mysql: 2 statements

-- statement 1
DELETE
FROM `trackstats_statisticbydate`
WHERE `metric_id` = %s AND `period` = %s AND `date` >= CAST(%s AS DATE) AND `date` <= CAST(%s AS DATE)
-- params:
--   1: 9001
--   2: 0
--   3: '2026-03-18'
--   4: '2026-04-02'

-- statement 2
INSERT INTO `trackstats_statisticbydate` (`metric_id`, `period`, `date`, `value`)
WITH `trackstats_src` AS (SELECT DATE(`testapp_order`.`created`) AS `trackstats_at`, `testapp_order`.`quantity` AS `trackstats_arg`
FROM `testapp_order`
WHERE `testapp_order`.`created` < %s),
`trackstats_digits` AS (SELECT 0 AS d
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
`trackstats_numbers` AS (SELECT 1 * t0.d + 10 * t1.d AS n
FROM `trackstats_digits` t0 CROSS JOIN `trackstats_digits` t1
WHERE 1 * t0.d + 10 * t1.d <= %s LIMIT 18446744073709551615),
`trackstats_calendar` AS (SELECT (CAST(%s AS DATE) + INTERVAL (n.n) DAY) AS `trackstats_day`
FROM `trackstats_numbers` n),
`trackstats_result` AS (SELECT c.`trackstats_day`, SUM(DISTINCT s.`trackstats_arg`) AS `trackstats_value`
FROM `trackstats_calendar` c JOIN `trackstats_src` s ON s.`trackstats_at` <= c.`trackstats_day`
GROUP BY c.`trackstats_day`)
SELECT %s, %s, r.`trackstats_day`, r.`trackstats_value`
FROM `trackstats_result` r
WHERE 1 = 1
ON DUPLICATE KEY UPDATE `value` = VALUES(`value`)
-- params:
--   1: '2026-04-03 00:00:00'
--   2: 15
--   3: '2026-03-18'
--   4: 9001
--   5: 0
