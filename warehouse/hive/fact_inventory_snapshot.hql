-- fact_inventory_snapshot: generated from warehouse/migrations/ by `npm run hive-ddl`; do not edit.
-- Run with: hive --hivevar lake_root=hdfs:///path/to/data/lake -f fact_inventory_snapshot.hql  (or s3://…, file://…)
CREATE EXTERNAL TABLE IF NOT EXISTS fact_inventory_snapshot (
  `snapshot_key` BIGINT,
  `store_key` BIGINT,
  `product_key` BIGINT,
  `date_key` INT,
  `snapshot_date` DATE,
  `quantity` INT,
  `stock_value` DOUBLE
)
PARTITIONED BY (`year` INT, `month` INT)
STORED AS PARQUET
LOCATION '${hivevar:lake_root}/fact_inventory_snapshot';

-- Register the year=/month= folders already in the lake.
MSCK REPAIR TABLE fact_inventory_snapshot;
