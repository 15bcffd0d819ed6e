-- Migration 0002: the segmentation insight writes its labels and profiles back to the warehouse.
-- IF NOT EXISTS: databases made before versioned migrations may already have these tables.

-- Segment labels from the segmentation insight, for the app (best notification hour) and analysts.
-- Rewritten whole by each `nike report` / `nike insights` run.
CREATE TABLE IF NOT EXISTS user_segment (
  user_pseudonym CHAR(16) PRIMARY KEY,
  segment_id TINYINT NOT NULL,
  segment_name VARCHAR(64) NOT NULL,
  best_hour TINYINT NULL,                 -- the hour the segment most often starts a workout
  assigned_at DATETIME NOT NULL,
  KEY ix_user_segment_segment (segment_id)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS segment_profile (
  segment_id TINYINT PRIMARY KEY,
  segment_name VARCHAR(64) NOT NULL,
  users INT NOT NULL,
  best_hour TINYINT NULL,
  profile JSON NOT NULL,                  -- traits, activity mix, recommended product categories
  computed_at DATETIME NOT NULL
) ENGINE=InnoDB;
