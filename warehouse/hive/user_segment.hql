-- user_segment: generated from warehouse/migrations/ by `npm run hive-ddl`; do not edit.
-- Run with: hive --hivevar lake_root=hdfs:///path/to/data/lake -f user_segment.hql  (or s3://…, file://…)
CREATE EXTERNAL TABLE IF NOT EXISTS user_segment (
  `user_pseudonym` STRING,
  `segment_id` INT,
  `segment_name` STRING,
  `best_hour` INT,
  `assigned_at` TIMESTAMP
)
STORED AS PARQUET
LOCATION '${hivevar:lake_root}/user_segment';
