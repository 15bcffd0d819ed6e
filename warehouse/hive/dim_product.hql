-- dim_product: generated from warehouse/migrations/ by `npm run hive-ddl`; do not edit.
-- Run with: hive --hivevar lake_root=hdfs:///path/to/data/lake -f dim_product.hql  (or s3://…, file://…)
CREATE EXTERNAL TABLE IF NOT EXISTS dim_product (
  `product_key` BIGINT,
  `product_id` STRING,
  `product_name` STRING,
  `category` STRING,
  `subcategory` STRING,
  `sport` STRING,
  `vendor_key` BIGINT,
  `price` DOUBLE,
  `price_band` STRING,
  `valid_from` TIMESTAMP,
  `valid_to` TIMESTAMP,
  `is_current` BOOLEAN
)
STORED AS PARQUET
LOCATION '${hivevar:lake_root}/dim_product';
