-- dim_user: generated from warehouse/migrations/ by `npm run hive-ddl`; do not edit.
-- Run with: hive --hivevar lake_root=hdfs:///path/to/data/lake -f dim_user.hql  (or s3://…, file://…)
CREATE EXTERNAL TABLE IF NOT EXISTS dim_user (
  `user_key` BIGINT,
  `user_pseudonym` STRING,
  `age_band` STRING,
  `gender` STRING,
  `region` STRING,
  `census_region` STRING,
  `city` STRING,
  `location_key` BIGINT,
  `shopping_preference` STRING,
  `membership_tier` STRING,
  `goal_key` INT,
  `valid_from` TIMESTAMP,
  `valid_to` TIMESTAMP,
  `is_current` BOOLEAN
)
STORED AS PARQUET
LOCATION '${hivevar:lake_root}/dim_user';
