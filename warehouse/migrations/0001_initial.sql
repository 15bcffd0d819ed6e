-- Migration 0001: the star schema and the ETL ledger as they stood before the segment write-back.
-- Its statements say IF NOT EXISTS so that a database created before versioned migrations, which
-- has these tables but no schema_migrations_warehouse, is adopted rather than refused.

-- The star schema in MySQL: workouts and app sessions at their natural grain, with conformed
-- dimensions. No names, emails, phones or birth dates: users appear under a keyed pseudonym.

CREATE TABLE IF NOT EXISTS dim_date (
  date_key INT PRIMARY KEY,               -- yyyymmdd
  date DATE NOT NULL,
  day TINYINT NOT NULL,
  week TINYINT NOT NULL,                  -- ISO week
  month TINYINT NOT NULL,
  month_name VARCHAR(9) NOT NULL,
  quarter TINYINT NOT NULL,
  year SMALLINT NOT NULL,
  season ENUM('winter', 'spring', 'summer', 'autumn') NOT NULL,
  weekday TINYINT NOT NULL,               -- ISO: 1 = Monday
  weekday_name VARCHAR(9) NOT NULL,
  is_weekend BOOLEAN NOT NULL,
  is_holiday BOOLEAN NOT NULL,
  KEY ix_dim_date_year_month (year, month)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS dim_time (
  time_key TINYINT PRIMARY KEY,           -- hour of day
  hour TINYINT NOT NULL,
  part_of_day ENUM('night', 'morning', 'afternoon', 'evening') NOT NULL
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS dim_activity (
  activity_key INT PRIMARY KEY,
  activity_type VARCHAR(32) NOT NULL,
  category VARCHAR(32) NOT NULL,
  intensity ENUM('low', 'moderate', 'high', 'unknown') NOT NULL,
  UNIQUE KEY uq_dim_activity_type (activity_type)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS dim_fitness_goal (
  goal_key INT PRIMARY KEY,
  goal_type VARCHAR(32) NOT NULL,
  description VARCHAR(96) NOT NULL,
  UNIQUE KEY uq_dim_fitness_goal_type (goal_type)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS dim_location (
  location_key BIGINT PRIMARY KEY,
  city VARCHAR(96) NOT NULL,
  state CHAR(2) NOT NULL,
  state_name VARCHAR(64) NOT NULL,
  region VARCHAR(16) NOT NULL,
  country VARCHAR(64) NOT NULL,
  KEY ix_dim_location_state (state)
) ENGINE=InnoDB;

-- Type 2: one row per version of a user's analytic attributes.
CREATE TABLE IF NOT EXISTS dim_user (
  user_key BIGINT PRIMARY KEY,
  user_pseudonym CHAR(16) NOT NULL,
  age_band VARCHAR(8) NOT NULL,
  gender VARCHAR(16) NULL,
  region CHAR(2) NOT NULL,                -- state
  census_region VARCHAR(16) NOT NULL,
  city VARCHAR(96) NOT NULL,
  location_key BIGINT NOT NULL,
  shopping_preference VARCHAR(16) NOT NULL,
  membership_tier VARCHAR(16) NOT NULL,
  goal_key INT NULL,
  valid_from DATETIME NOT NULL,
  valid_to DATETIME NOT NULL,
  is_current BOOLEAN NOT NULL,
  KEY ix_dim_user_pseudonym (user_pseudonym, valid_from),
  KEY ix_dim_user_region (region),
  CONSTRAINT fk_dim_user_location FOREIGN KEY (location_key) REFERENCES dim_location (location_key),
  CONSTRAINT fk_dim_user_goal FOREIGN KEY (goal_key) REFERENCES dim_fitness_goal (goal_key)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS fact_activity (
  activity_id BIGINT PRIMARY KEY,         -- the workout's id in the operational store
  user_key BIGINT NOT NULL,
  activity_key INT NOT NULL,
  goal_key INT NULL,
  date_key INT NOT NULL,
  time_key TINYINT NOT NULL,
  location_key BIGINT NOT NULL,
  started_at DATETIME NOT NULL,
  duration_min DECIMAL(7, 1) NOT NULL,
  distance_km DECIMAL(8, 2) NULL,
  calories INT NULL,
  avg_heart_rate SMALLINT NULL,
  KEY ix_fact_activity_date (date_key),
  KEY ix_fact_activity_user (user_key),
  KEY ix_fact_activity_activity_date (activity_key, date_key),
  KEY ix_fact_activity_location (location_key),
  KEY ix_fact_activity_time (time_key),
  CONSTRAINT fk_fact_activity_user FOREIGN KEY (user_key) REFERENCES dim_user (user_key),
  CONSTRAINT fk_fact_activity_activity FOREIGN KEY (activity_key) REFERENCES dim_activity (activity_key),
  CONSTRAINT fk_fact_activity_goal FOREIGN KEY (goal_key) REFERENCES dim_fitness_goal (goal_key),
  CONSTRAINT fk_fact_activity_date FOREIGN KEY (date_key) REFERENCES dim_date (date_key),
  CONSTRAINT fk_fact_activity_time FOREIGN KEY (time_key) REFERENCES dim_time (time_key),
  CONSTRAINT fk_fact_activity_location FOREIGN KEY (location_key) REFERENCES dim_location (location_key)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS fact_app_session (
  session_key CHAR(16) PRIMARY KEY,       -- derived from the token hash; not reversible to a token
  user_key BIGINT NOT NULL,
  date_key INT NOT NULL,
  time_key TINYINT NOT NULL,
  started_at DATETIME NOT NULL,
  duration_s INT NOT NULL,
  platform VARCHAR(32) NULL,
  device_id BIGINT NULL,
  KEY ix_fact_app_session_date (date_key),
  KEY ix_fact_app_session_time (time_key),
  KEY ix_fact_app_session_user (user_key),
  CONSTRAINT fk_fact_app_session_user FOREIGN KEY (user_key) REFERENCES dim_user (user_key),
  CONSTRAINT fk_fact_app_session_date FOREIGN KEY (date_key) REFERENCES dim_date (date_key),
  CONSTRAINT fk_fact_app_session_time FOREIGN KEY (time_key) REFERENCES dim_time (time_key)
) ENGINE=InnoDB;

-- The ETL ledger: runs, per-source watermarks (committed with the data they cover), quarantine.
CREATE TABLE IF NOT EXISTS etl_runs (
  run_id VARCHAR(32) PRIMARY KEY,
  mode ENUM('full', 'incremental') NOT NULL,
  status ENUM('running', 'published', 'complete', 'failed') NOT NULL,
  started_at DATETIME(3) NOT NULL,
  published_at DATETIME(3) NULL,
  finished_at DATETIME(3) NULL,
  report JSON NULL,
  error TEXT NULL,
  KEY ix_etl_runs_started (started_at)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS etl_watermarks (
  source VARCHAR(32) PRIMARY KEY,
  updated_at DATETIME(3) NOT NULL,
  last_id VARCHAR(96) NOT NULL,
  run_id VARCHAR(32) NOT NULL
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS etl_quarantine (
  run_id VARCHAR(32) NOT NULL,
  source VARCHAR(32) NOT NULL,
  source_id VARCHAR(96) NOT NULL,
  reason VARCHAR(255) NOT NULL,
  document JSON NULL,
  quarantined_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (run_id, source, source_id)
) ENGINE=InnoDB;
