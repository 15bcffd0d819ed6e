-- fact_order_line: generated from warehouse/migrations/ by `npm run hive-ddl`; do not edit.
-- Run with: hive --hivevar lake_root=hdfs:///path/to/data/lake -f fact_order_line.hql  (or s3://…, file://…)
CREATE EXTERNAL TABLE IF NOT EXISTS fact_order_line (
  `order_id` BIGINT,
  `line_no` INT,
  `user_key` BIGINT,
  `product_key` BIGINT,
  `store_key` BIGINT,
  `date_key` INT,
  `location_key` BIGINT,
  `channel` STRING,
  `status` STRING,
  `ordered_at` TIMESTAMP,
  `quantity` INT,
  `unit_price` DOUBLE,
  `discount_amount` DOUBLE,
  `net_amount` DOUBLE
)
PARTITIONED BY (`year` INT, `month` INT)
STORED AS PARQUET
LOCATION '${hivevar:lake_root}/fact_order_line';

-- Register the year=/month= folders already in the lake.
MSCK REPAIR TABLE fact_order_line;
