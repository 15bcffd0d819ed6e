-- dim_activity: generated from warehouse/migrations/ by `npm run hive-ddl`; do not edit.
-- Run with: hive --hivevar lake_root=hdfs:///path/to/data/lake -f dim_activity.hql  (or s3://…, file://…)
CREATE EXTERNAL TABLE IF NOT EXISTS dim_activity (
  `activity_key` INT,
  `activity_type` STRING,
  `category` STRING,
  `intensity` STRING
)
STORED AS PARQUET
LOCATION '${hivevar:lake_root}/dim_activity';
