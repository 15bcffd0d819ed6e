-- dim_store: generated from warehouse/migrations/ by `npm run hive-ddl`; do not edit.
-- Run with: hive --hivevar lake_root=hdfs:///path/to/data/lake -f dim_store.hql  (or s3://…, file://…)
CREATE EXTERNAL TABLE IF NOT EXISTS dim_store (
  `store_key` BIGINT,
  `store_id` INT,
  `store_name` STRING,
  `store_type` STRING,
  `channel` STRING,
  `city` STRING,
  `state` STRING,
  `location_key` BIGINT,
  `opened_at` TIMESTAMP
)
STORED AS PARQUET
LOCATION '${hivevar:lake_root}/dim_store';
