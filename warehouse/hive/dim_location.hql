-- dim_location: generated from warehouse/migrations/ by `npm run hive-ddl`; do not edit.
-- Run with: hive --hivevar lake_root=hdfs:///path/to/data/lake -f dim_location.hql  (or s3://…, file://…)
CREATE EXTERNAL TABLE IF NOT EXISTS dim_location (
  `location_key` BIGINT,
  `city` STRING,
  `state` STRING,
  `state_name` STRING,
  `region` STRING,
  `country` STRING
)
STORED AS PARQUET
LOCATION '${hivevar:lake_root}/dim_location';
