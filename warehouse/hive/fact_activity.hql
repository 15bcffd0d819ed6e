-- fact_activity: generated from warehouse/migrations/ by `npm run hive-ddl`; do not edit.
-- Run with: hive --hivevar lake_root=hdfs:///path/to/data/lake -f fact_activity.hql  (or s3://…, file://…)
CREATE EXTERNAL TABLE IF NOT EXISTS fact_activity (
  `activity_id` BIGINT,
  `user_key` BIGINT,
  `activity_key` INT,
  `goal_key` INT,
  `date_key` INT,
  `time_key` INT,
  `location_key` BIGINT,
  `started_at` TIMESTAMP,
  `duration_min` DOUBLE,
  `distance_km` DOUBLE,
  `calories` INT,
  `avg_heart_rate` INT
)
PARTITIONED BY (`year` INT, `month` INT)
STORED AS PARQUET
LOCATION '${hivevar:lake_root}/fact_activity';

-- Register the year=/month= folders already in the lake.
MSCK REPAIR TABLE fact_activity;
