-- Migration 0001: the operational schema as it stood when versioned migrations began (before the
-- login throttles). Its statements say IF NOT EXISTS so that a database created before then, which
-- has these tables but no schema_migrations_operational, is adopted rather than refused.

-- Operational MySQL schema (third normal form). Every mutable table carries created_at/updated_at;
-- the ETL reads changes by (updated_at, primary key), so each such table has an index on updated_at.

CREATE TABLE IF NOT EXISTS states (
  state_code CHAR(2) PRIMARY KEY,
  name VARCHAR(64) NOT NULL,
  region VARCHAR(16) NOT NULL,
  country VARCHAR(64) NOT NULL
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS cities (
  city_id INT PRIMARY KEY,
  name VARCHAR(96) NOT NULL,
  state_code CHAR(2) NOT NULL,
  UNIQUE KEY uq_cities_name_state (name, state_code),
  CONSTRAINT fk_cities_state FOREIGN KEY (state_code) REFERENCES states (state_code)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS users (
  user_id BIGINT PRIMARY KEY AUTO_INCREMENT,
  first_name VARCHAR(64) NOT NULL,
  last_name VARCHAR(64) NOT NULL,
  email VARCHAR(190) NOT NULL,
  password_hash VARCHAR(255) NULL,
  date_of_birth DATE NOT NULL,
  gender ENUM('female', 'male', 'nonbinary') NULL,
  shopping_preference ENUM('In-Store', 'Online', 'Both') NOT NULL,
  city_id INT NULL,
  phone VARCHAR(32) NULL,
  email_consent BOOLEAN NOT NULL DEFAULT FALSE,
  sms_consent BOOLEAN NOT NULL DEFAULT FALSE,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  UNIQUE KEY uq_users_email (email),
  KEY ix_users_city (city_id),
  KEY ix_users_updated (updated_at, user_id),
  CONSTRAINT fk_users_city FOREIGN KEY (city_id) REFERENCES cities (city_id)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS user_preferences (
  user_id BIGINT PRIMARY KEY,
  shoe_size DECIMAL(3, 1) NULL,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  KEY ix_user_preferences_updated (updated_at, user_id),
  CONSTRAINT fk_user_preferences_user FOREIGN KEY (user_id) REFERENCES users (user_id) ON DELETE CASCADE
) ENGINE=InnoDB;

-- Sport, brand, team, city and athlete interests: one row per (user, kind, value).
CREATE TABLE IF NOT EXISTS user_interests (
  user_id BIGINT NOT NULL,
  kind ENUM('sport', 'brand', 'team', 'city', 'athlete') NOT NULL,
  value VARCHAR(96) NOT NULL,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (user_id, kind, value),
  CONSTRAINT fk_user_interests_user FOREIGN KEY (user_id) REFERENCES users (user_id) ON DELETE CASCADE
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS devices (
  device_id BIGINT PRIMARY KEY AUTO_INCREMENT,
  user_id BIGINT NOT NULL,
  device_type ENUM('phone', 'watch', 'tablet') NOT NULL,
  platform VARCHAR(32) NOT NULL,
  model VARCHAR(64) NOT NULL,
  registered_at DATETIME NOT NULL,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  KEY ix_devices_user (user_id),
  CONSTRAINT fk_devices_user FOREIGN KEY (user_id) REFERENCES users (user_id) ON DELETE CASCADE
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS memberships (
  user_id BIGINT PRIMARY KEY,
  tier ENUM('Silver', 'Gold', 'Platinum') NOT NULL,
  points INT NOT NULL DEFAULT 0,
  joined_at DATETIME NOT NULL,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  KEY ix_memberships_updated (updated_at, user_id),
  CONSTRAINT fk_memberships_user FOREIGN KEY (user_id) REFERENCES users (user_id) ON DELETE CASCADE
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS vendors (
  vendor_id INT PRIMARY KEY,
  name VARCHAR(128) NOT NULL,
  country VARCHAR(64) NOT NULL,
  contact_email VARCHAR(190) NOT NULL,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
) ENGINE=InnoDB;

-- stores.manager_employee_id and employees.store_id reference each other; both are nullable so
-- either row can be written first.
CREATE TABLE IF NOT EXISTS stores (
  store_id INT PRIMARY KEY,
  name VARCHAR(128) NOT NULL,
  store_type ENUM('physical', 'online') NOT NULL,
  city_id INT NULL,
  manager_employee_id INT NULL,
  opened_at DATETIME NOT NULL,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  KEY ix_stores_city (city_id),
  CONSTRAINT fk_stores_city FOREIGN KEY (city_id) REFERENCES cities (city_id)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS employees (
  employee_id INT PRIMARY KEY,
  first_name VARCHAR(64) NOT NULL,
  last_name VARCHAR(64) NOT NULL,
  email VARCHAR(190) NOT NULL,
  role VARCHAR(32) NOT NULL,
  store_id INT NULL,
  hired_at DATETIME NOT NULL,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  UNIQUE KEY uq_employees_email (email),
  KEY ix_employees_store (store_id),
  CONSTRAINT fk_employees_store FOREIGN KEY (store_id) REFERENCES stores (store_id)
) ENGINE=InnoDB;

-- Added after both tables exist (the two tables reference each other).
SET @fk_exists = (SELECT COUNT(*) FROM information_schema.TABLE_CONSTRAINTS
  WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = 'stores' AND CONSTRAINT_NAME = 'fk_stores_manager');
SET @ddl = IF(@fk_exists = 0,
  'ALTER TABLE stores ADD CONSTRAINT fk_stores_manager FOREIGN KEY (manager_employee_id) REFERENCES employees (employee_id)',
  'DO 0');
PREPARE add_fk FROM @ddl;
EXECUTE add_fk;
DEALLOCATE PREPARE add_fk;

-- Stock per store; product_id is the catalog key in MongoDB `products`.
CREATE TABLE IF NOT EXISTS inventory (
  store_id INT NOT NULL,
  product_id VARCHAR(16) NOT NULL,
  quantity INT NOT NULL,
  updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (store_id, product_id),
  KEY ix_inventory_product (product_id),
  CONSTRAINT fk_inventory_store FOREIGN KEY (store_id) REFERENCES stores (store_id)
) ENGINE=InnoDB;

-- In-store point-of-sale lines.
CREATE TABLE IF NOT EXISTS sales (
  sale_id BIGINT PRIMARY KEY,
  store_id INT NOT NULL,
  employee_id INT NOT NULL,
  user_id BIGINT NULL,
  product_id VARCHAR(16) NOT NULL,
  quantity INT NOT NULL,
  unit_price DECIMAL(10, 2) NOT NULL,
  sold_at DATETIME NOT NULL,
  KEY ix_sales_store_time (store_id, sold_at),
  KEY ix_sales_user (user_id),
  KEY ix_sales_sold (sold_at),
  CONSTRAINT fk_sales_store FOREIGN KEY (store_id) REFERENCES stores (store_id),
  CONSTRAINT fk_sales_employee FOREIGN KEY (employee_id) REFERENCES employees (employee_id),
  CONSTRAINT fk_sales_user FOREIGN KEY (user_id) REFERENCES users (user_id) ON DELETE SET NULL
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS orders (
  order_id BIGINT PRIMARY KEY,
  user_id BIGINT NULL,
  store_id INT NOT NULL,
  status ENUM('processing', 'shipped', 'delivered', 'cancelled', 'returned') NOT NULL,
  ordered_at DATETIME NOT NULL,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  KEY ix_orders_user (user_id, ordered_at),
  KEY ix_orders_updated (updated_at, order_id),
  CONSTRAINT fk_orders_user FOREIGN KEY (user_id) REFERENCES users (user_id) ON DELETE SET NULL,
  CONSTRAINT fk_orders_store FOREIGN KEY (store_id) REFERENCES stores (store_id)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS order_items (
  order_id BIGINT NOT NULL,
  line_no INT NOT NULL,
  product_id VARCHAR(16) NOT NULL,
  quantity INT NOT NULL,
  unit_price DECIMAL(10, 2) NOT NULL,
  PRIMARY KEY (order_id, line_no),
  KEY ix_order_items_product (product_id),
  CONSTRAINT fk_order_items_order FOREIGN KEY (order_id) REFERENCES orders (order_id) ON DELETE CASCADE
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS payments (
  payment_id BIGINT PRIMARY KEY,
  order_id BIGINT NOT NULL,
  method ENUM('card', 'paypal', 'apple_pay', 'gift_card') NOT NULL,
  amount DECIMAL(12, 2) NOT NULL,
  status ENUM('captured', 'refunded', 'failed') NOT NULL,
  paid_at DATETIME NOT NULL,
  KEY ix_payments_order (order_id),
  CONSTRAINT fk_payments_order FOREIGN KEY (order_id) REFERENCES orders (order_id) ON DELETE CASCADE
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS shipments (
  shipment_id BIGINT PRIMARY KEY,
  order_id BIGINT NOT NULL,
  carrier VARCHAR(32) NOT NULL,
  tracking_number VARCHAR(64) NOT NULL,
  shipped_at DATETIME NOT NULL,
  delivered_at DATETIME NULL,
  KEY ix_shipments_order (order_id),
  CONSTRAINT fk_shipments_order FOREIGN KEY (order_id) REFERENCES orders (order_id) ON DELETE CASCADE
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS order_status_history (
  order_id BIGINT NOT NULL,
  seq INT NOT NULL,
  status ENUM('placed', 'paid', 'shipped', 'delivered', 'cancelled', 'returned') NOT NULL,
  changed_at DATETIME NOT NULL,
  PRIMARY KEY (order_id, seq),
  CONSTRAINT fk_order_status_history_order FOREIGN KEY (order_id) REFERENCES orders (order_id) ON DELETE CASCADE
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS quotes (
  quote_id INT PRIMARY KEY,
  text VARCHAR(400) NOT NULL,
  author VARCHAR(96) NOT NULL,
  goal VARCHAR(32) NOT NULL,
  activity_type VARCHAR(32) NOT NULL,
  tone VARCHAR(16) NOT NULL,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  UNIQUE KEY uq_quotes_text (text),
  KEY ix_quotes_match (goal, activity_type, tone)
) ENGINE=InnoDB;

-- Inspire's notification outbox: one row per message, keyed for idempotency by user + day + kind.
-- The dispatcher claims due rows, sends them, and marks them sent exactly once (or dead after N tries).
CREATE TABLE IF NOT EXISTS notification_outbox (
  message_id BIGINT PRIMARY KEY AUTO_INCREMENT,
  idempotency_key VARCHAR(96) NOT NULL,
  user_id BIGINT NOT NULL,
  kind VARCHAR(32) NOT NULL,
  channel ENUM('email', 'sms') NOT NULL,
  recipient VARCHAR(190) NOT NULL,
  subject VARCHAR(200) NULL,
  body_text TEXT NOT NULL,
  body_html MEDIUMTEXT NULL,
  quote_id INT NULL,
  status ENUM('pending', 'sending', 'sent', 'dead', 'cancelled') NOT NULL DEFAULT 'pending',
  attempts INT NOT NULL DEFAULT 0,
  next_attempt_at DATETIME(3) NOT NULL,
  last_error VARCHAR(500) NULL,
  provider_id VARCHAR(190) NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  sent_at DATETIME(3) NULL,
  UNIQUE KEY uq_outbox_idempotency (idempotency_key),
  KEY ix_outbox_due (status, next_attempt_at),
  KEY ix_outbox_user (user_id),
  CONSTRAINT fk_outbox_user FOREIGN KEY (user_id) REFERENCES users (user_id) ON DELETE CASCADE
) ENGINE=InnoDB;

-- Which quote each user was sent on which day: Inspire does not repeat a quote within 30 days.
CREATE TABLE IF NOT EXISTS quote_history (
  user_id BIGINT NOT NULL,
  quote_id INT NOT NULL,
  sent_on DATE NOT NULL,
  PRIMARY KEY (user_id, sent_on, quote_id),
  CONSTRAINT fk_quote_history_user FOREIGN KEY (user_id) REFERENCES users (user_id) ON DELETE CASCADE
) ENGINE=InnoDB;
