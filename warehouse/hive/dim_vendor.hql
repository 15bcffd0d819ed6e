-- dim_vendor: generated from warehouse/migrations/ by `npm run hive-ddl`; do not edit.
-- Run with: hive --hivevar lake_root=hdfs:///path/to/data/lake -f dim_vendor.hql  (or s3://…, file://…)
CREATE EXTERNAL TABLE IF NOT EXISTS dim_vendor (
  `vendor_key` BIGINT,
  `vendor_id` INT,
  `vendor_name` STRING,
  `country` STRING
)
STORED AS PARQUET
LOCATION '${hivevar:lake_root}/dim_vendor';
