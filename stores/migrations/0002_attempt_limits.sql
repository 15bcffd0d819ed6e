-- Migration 0002 (issue 11): the login and sign-up throttles keep their counters in MySQL.
-- IF NOT EXISTS: databases made before versioned migrations may already have the table.

-- Attempt counters of the Inspire server's throttles (login, sign-up), shared by every server
-- instance: one row per hashed key (never an e-mail or address in clear), with its expiry in ms.
CREATE TABLE IF NOT EXISTS attempt_limits (
  `key` VARCHAR(255) CHARACTER SET ascii NOT NULL,
  points INT NOT NULL DEFAULT 0,
  expire BIGINT UNSIGNED NULL,
  PRIMARY KEY (`key`)
) ENGINE=InnoDB;
