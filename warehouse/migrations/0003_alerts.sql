-- Migration 0003: alerts (alerts.yml, `nike alerts`): each rule's latest state, and each alert
-- that fired, one row per rule and period, whose claim makes its e-mail go out once.

-- The latest evaluation of each rule in the rules file: what `nike alerts list` and the report's
-- summary show.
CREATE TABLE alert_state (
  rule VARCHAR(96) PRIMARY KEY,
  title VARCHAR(200) NOT NULL,            -- the rule's description, else its name
  firing BOOLEAN NOT NULL,
  since DATETIME(3) NOT NULL,             -- when it last turned firing, or ok
  period VARCHAR(48) NOT NULL,            -- the period evaluated: 2026-W26, 2026-05, run <id>, …
  summary TEXT NOT NULL,
  evaluated_at DATETIME(3) NOT NULL
) ENGINE=InnoDB;

-- A rule that fired for a period. The primary key is the idempotency key: a check claims the row
-- (claimed_at) before it sends, so concurrent checks send one e-mail per rule and period.
CREATE TABLE alert_events (
  rule VARCHAR(96) NOT NULL,
  period VARCHAR(48) NOT NULL,
  summary TEXT NOT NULL,
  breaches JSON NULL,                     -- the groups over the bound, with their figures
  fired_at DATETIME(3) NOT NULL,
  claimed_at DATETIME(3) NULL,            -- a check took it to send; a claim older than 10 minutes without sent_at is retried
  sent_at DATETIME(3) NULL,
  recipients TEXT NULL,
  PRIMARY KEY (rule, period),
  KEY ix_alert_events_sent (rule, sent_at)
) ENGINE=InnoDB;
