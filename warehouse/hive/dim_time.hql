-- dim_time: generated from warehouse/migrations/ by `npm run hive-ddl`; do not edit.
-- Run with: hive --hivevar lake_root=hdfs:///path/to/data/lake -f dim_time.hql  (or s3://…, file://…)
CREATE EXTERNAL TABLE IF NOT EXISTS dim_time (
  `time_key` INT,
  `hour` INT,
  `part_of_day` STRING
)
STORED AS PARQUET
LOCATION '${hivevar:lake_root}/dim_time';
