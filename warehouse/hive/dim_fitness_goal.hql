-- dim_fitness_goal: generated from warehouse/migrations/ by `npm run hive-ddl`; do not edit.
-- Run with: hive --hivevar lake_root=hdfs:///path/to/data/lake -f dim_fitness_goal.hql  (or s3://…, file://…)
CREATE EXTERNAL TABLE IF NOT EXISTS dim_fitness_goal (
  `goal_key` INT,
  `goal_type` STRING,
  `description` STRING
)
STORED AS PARQUET
LOCATION '${hivevar:lake_root}/dim_fitness_goal';
