-- dim_date: generated from warehouse/migrations/ by `npm run hive-ddl`; do not edit.
-- Run with: hive --hivevar lake_root=hdfs:///path/to/data/lake -f dim_date.hql  (or s3://…, file://…)
CREATE EXTERNAL TABLE IF NOT EXISTS dim_date (
  `date_key` INT,
  `date` DATE,
  `day` INT,
  `week` INT,
  `month` INT,
  `month_name` STRING,
  `quarter` INT,
  `year` INT,
  `season` STRING,
  `weekday` INT,
  `weekday_name` STRING,
  `is_weekend` BOOLEAN,
  `is_holiday` BOOLEAN
)
STORED AS PARQUET
LOCATION '${hivevar:lake_root}/dim_date';
