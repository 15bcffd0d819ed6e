-- fact_store_sale: generated from warehouse/migrations/ by `npm run hive-ddl`; do not edit.
-- Run with: hive --hivevar lake_root=hdfs:///path/to/data/lake -f fact_store_sale.hql  (or s3://…, file://…)
CREATE EXTERNAL TABLE IF NOT EXISTS fact_store_sale (
  `sale_id` BIGINT,
  `user_key` BIGINT,
  `product_key` BIGINT,
  `store_key` BIGINT,
  `date_key` INT,
  `location_key` BIGINT,
  `sold_at` TIMESTAMP,
  `quantity` INT,
  `unit_price` DOUBLE,
  `amount` DOUBLE
)
PARTITIONED BY (`year` INT, `month` INT)
STORED AS PARQUET
LOCATION '${hivevar:lake_root}/fact_store_sale';

-- Register the year=/month= folders already in the lake.
MSCK REPAIR TABLE fact_store_sale;
