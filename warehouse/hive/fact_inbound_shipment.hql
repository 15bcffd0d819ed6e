-- fact_inbound_shipment: generated from warehouse/migrations/ by `npm run hive-ddl`; do not edit.
-- Run with: hive --hivevar lake_root=hdfs:///path/to/data/lake -f fact_inbound_shipment.hql  (or s3://…, file://…)
CREATE EXTERNAL TABLE IF NOT EXISTS fact_inbound_shipment (
  `shipment_id` BIGINT,
  `vendor_key` BIGINT,
  `product_key` BIGINT,
  `store_key` BIGINT,
  `shipped_date_key` INT,
  `promised_date_key` INT,
  `delivered_date_key` INT,
  `shipped_on` DATE,
  `promised_on` DATE,
  `delivered_on` DATE,
  `status` STRING,
  `quantity` INT,
  `promised_lead_days` INT,
  `lead_time_days` INT,
  `days_late` INT,
  `on_time` BOOLEAN
)
PARTITIONED BY (`year` INT, `month` INT)
STORED AS PARQUET
LOCATION '${hivevar:lake_root}/fact_inbound_shipment';

-- Register the year=/month= folders already in the lake.
MSCK REPAIR TABLE fact_inbound_shipment;
