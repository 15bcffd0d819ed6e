-- fact_app_session: generated from warehouse/migrations/ by `npm run hive-ddl`; do not edit.
-- Run with: hive --hivevar lake_root=hdfs:///path/to/data/lake -f fact_app_session.hql  (or s3://…, file://…)
CREATE EXTERNAL TABLE IF NOT EXISTS fact_app_session (
  `session_key` STRING,
  `user_key` BIGINT,
  `date_key` INT,
  `time_key` INT,
  `started_at` TIMESTAMP,
  `duration_s` INT,
  `platform` STRING,
  `device_id` BIGINT
)
PARTITIONED BY (`year` INT, `month` INT)
STORED AS PARQUET
LOCATION '${hivevar:lake_root}/fact_app_session';

-- Register the year=/month= folders already in the lake.
MSCK REPAIR TABLE fact_app_session;
