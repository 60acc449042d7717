-- rolling_distinct on mysql: 2 statements

-- statement 1
DELETE
FROM `trackstats_statisticbydate`
WHERE `metric_id` = %s AND `period` = %s AND `date` >= CAST(%s AS DATE) AND `date` <= CAST(%s AS DATE)
-- params:
--   1: 9001
--   2: 604800
--   3: '2026-03-18'
--   4: '2026-04-02'

-- statement 2
INSERT INTO `trackstats_statisticbydate` (`metric_id`, `period`, `date`, `value`)
WITH `trackstats_pairs` AS (SELECT DISTINCT DATE(`testapp_order`.`created`) AS `trackstats_at`, `testapp_order`.`customer_id` AS `trackstats_arg`
FROM `testapp_order`
WHERE (`testapp_order`.`created` >= %s AND `testapp_order`.`created` < %s)),
`trackstats_sightings` AS (SELECT p.`trackstats_at`, p.`trackstats_arg`, LAG(p.`trackstats_at`) OVER (PARTITION BY p.`trackstats_arg` ORDER BY p.`trackstats_at`) AS `trackstats_prev`, LEAD(p.`trackstats_at`) OVER (PARTITION BY p.`trackstats_arg` ORDER BY p.`trackstats_at`) AS `trackstats_next`
FROM `trackstats_pairs` p),
`trackstats_ends` AS (SELECT 0 AS `trackstats_shift`, 1 AS `trackstats_sign`
UNION ALL
SELECT 7, -1),
`trackstats_changes` AS (SELECT (s.`trackstats_at` + INTERVAL (e.`trackstats_shift`) DAY) AS `trackstats_at`, SUM(CASE WHEN s.`trackstats_arg` IS NULL THEN 0 WHEN e.`trackstats_sign` > 0 THEN CASE WHEN s.`trackstats_prev` IS NULL OR (s.`trackstats_prev` + INTERVAL (7) DAY) <= s.`trackstats_at` THEN 1 ELSE 0 END ELSE CASE WHEN s.`trackstats_next` IS NULL OR (s.`trackstats_at` + INTERVAL (7) DAY) <= s.`trackstats_next` THEN -1 ELSE 0 END END) AS `trackstats_p0`, SUM(e.`trackstats_sign`) AS `trackstats_hits`
FROM `trackstats_sightings` s CROSS JOIN `trackstats_ends` e
GROUP BY (s.`trackstats_at` + INTERVAL (e.`trackstats_shift`) DAY)),
`trackstats_runs` AS (SELECT c.`trackstats_at` AS `trackstats_day`, SUM(c.`trackstats_p0`) OVER (ORDER BY c.`trackstats_at` ROWS UNBOUNDED PRECEDING) AS `trackstats_p0`, SUM(c.`trackstats_hits`) OVER (ORDER BY c.`trackstats_at` ROWS UNBOUNDED PRECEDING) AS `trackstats_rows`, DATEDIFF(COALESCE(LEAD(c.`trackstats_at`) OVER (ORDER BY c.`trackstats_at`), CAST(%s AS DATE)), c.`trackstats_at`) AS `trackstats_span`, CASE WHEN c.`trackstats_at` < CAST(%s AS DATE) THEN DATEDIFF(CAST(%s AS DATE), c.`trackstats_at`) ELSE 0 END AS `trackstats_skip`
FROM `trackstats_changes` c
WHERE c.`trackstats_at` <= CAST(%s AS DATE)),
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
`trackstats_numbers` AS (SELECT 1 * t0.d AS n
FROM `trackstats_digits` t0
WHERE 1 * t0.d <= %s LIMIT 18446744073709551615),
`trackstats_result` AS (SELECT (r.`trackstats_day` + INTERVAL (o.n) DAY) AS `trackstats_day`, r.`trackstats_p0` AS `trackstats_value`
FROM `trackstats_runs` r STRAIGHT_JOIN `trackstats_numbers` o ON o.n >= r.`trackstats_skip` AND o.n < r.`trackstats_span`
WHERE r.`trackstats_rows` > 0)
SELECT %s, %s, r.`trackstats_day`, r.`trackstats_value`
FROM `trackstats_result` r
WHERE 1 = 1
ON DUPLICATE KEY UPDATE `value` = VALUES(`value`)
-- params:
--   1: '2026-03-12 00:00:00'
--   2: '2026-04-03 00:00:00'
--   3: '2026-04-03'
--   4: '2026-03-18'
--   5: '2026-03-18'
--   6: '2026-04-02'
--   7: 6
--   8: 9001
--   9: 604800
