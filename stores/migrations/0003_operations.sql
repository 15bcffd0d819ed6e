-- Migration 0003 (issue 13, operational data): the entities of the seed's OLTP design this schema
-- lacked, in third normal form: departments and roles with salary bands, payroll and performance
-- reviews; store event schedules; the supply chain (products each vendor supplies, vendor contracts,
-- inbound shipments with promised and actual delivery); addresses and discounts on orders;
-- inventory snapshots at quarter ends. Orders gain their total, discount and addresses; order lines
-- their discount and net amount; stores their sales channel. Product ids are the catalog's keys
-- (MongoDB `products`), which MySQL cannot reference: the loader refuses any it does not know.

CREATE TABLE departments (
  department_id INT PRIMARY KEY,
  name VARCHAR(64) NOT NULL,
  manager_employee_id INT NULL,
  UNIQUE KEY uq_departments_name (name),
  CONSTRAINT fk_departments_manager FOREIGN KEY (manager_employee_id) REFERENCES employees (employee_id) ON DELETE SET NULL
) ENGINE=InnoDB;

-- A role's department and yearly salary band; an employee's department is their role's.
CREATE TABLE roles (
  role_id INT PRIMARY KEY,
  title VARCHAR(64) NOT NULL,
  department_id INT NOT NULL,
  description VARCHAR(255) NOT NULL,
  min_salary DECIMAL(10, 2) NOT NULL,
  max_salary DECIMAL(10, 2) NOT NULL,
  UNIQUE KEY uq_roles_title (title),
  CONSTRAINT fk_roles_department FOREIGN KEY (department_id) REFERENCES departments (department_id),
  CONSTRAINT ck_roles_salary_band CHECK (min_salary > 0 AND max_salary >= min_salary)
) ENGINE=InnoDB;

-- The roles employees already had (their titles were text), so that existing rows keep their role.
INSERT IGNORE INTO departments (department_id, name) VALUES (1, 'Retail Stores'), (2, 'Athlete Services'), (3, 'Store Operations');
INSERT IGNORE INTO roles (role_id, title, department_id, description, min_salary, max_salary) VALUES
  (1, 'Store Manager', 1, 'Runs a store: its team, stock and results', 62000.00, 98000.00),
  (2, 'Sales Associate', 1, 'Serves customers on the floor and at the till', 31000.00, 42000.00),
  (3, 'Athlete Coach', 2, 'Fits shoes, leads run clubs and training sessions', 36000.00, 52000.00),
  (4, 'Stock Lead', 3, 'Receives inbound shipments and keeps the stockroom', 38000.00, 55000.00);

ALTER TABLE employees ADD COLUMN role_id INT NULL AFTER email;
UPDATE employees e JOIN roles r ON r.title = e.role SET e.role_id = r.role_id;
ALTER TABLE employees
  MODIFY COLUMN role_id INT NOT NULL,
  DROP COLUMN role,
  ADD CONSTRAINT fk_employees_role FOREIGN KEY (role_id) REFERENCES roles (role_id);

-- One row per employee and pay period; net pay is gross less tax, so it is not stored.
CREATE TABLE payroll (
  payroll_id BIGINT PRIMARY KEY,
  employee_id INT NOT NULL,
  period_start DATE NOT NULL,
  period_end DATE NOT NULL,
  gross_pay DECIMAL(10, 2) NOT NULL,
  tax_withheld DECIMAL(10, 2) NOT NULL,
  paid_on DATE NOT NULL,
  UNIQUE KEY uq_payroll_period (employee_id, period_start),
  CONSTRAINT fk_payroll_employee FOREIGN KEY (employee_id) REFERENCES employees (employee_id),
  CONSTRAINT ck_payroll_period CHECK (period_end >= period_start AND paid_on >= period_end),
  CONSTRAINT ck_payroll_amounts CHECK (gross_pay > 0 AND tax_withheld >= 0 AND tax_withheld <= gross_pay)
) ENGINE=InnoDB;

CREATE TABLE performance_reviews (
  review_id BIGINT PRIMARY KEY,
  employee_id INT NOT NULL,
  reviewer_employee_id INT NULL,
  reviewed_on DATE NOT NULL,
  score TINYINT NOT NULL,
  comments VARCHAR(500) NULL,
  UNIQUE KEY uq_performance_reviews_day (employee_id, reviewed_on),
  KEY ix_performance_reviews_reviewer (reviewer_employee_id),
  CONSTRAINT fk_performance_reviews_employee FOREIGN KEY (employee_id) REFERENCES employees (employee_id),
  CONSTRAINT fk_performance_reviews_reviewer FOREIGN KEY (reviewer_employee_id) REFERENCES employees (employee_id) ON DELETE SET NULL,
  CONSTRAINT ck_performance_reviews_score CHECK (score BETWEEN 1 AND 10)
) ENGINE=InnoDB;

-- Where a store sells: in the store itself, on the web or in an app. A physical store sells in store.
ALTER TABLE stores ADD COLUMN channel ENUM('in-store', 'web', 'app') NULL AFTER store_type;
UPDATE stores SET channel = CASE WHEN store_type = 'physical' THEN 'in-store' WHEN name IN ('Nike App', 'SNKRS') THEN 'app' ELSE 'web' END;
ALTER TABLE stores
  MODIFY COLUMN channel ENUM('in-store', 'web', 'app') NOT NULL,
  ADD CONSTRAINT ck_stores_channel CHECK ((store_type = 'physical') = (channel = 'in-store'));

CREATE TABLE store_events (
  event_id INT PRIMARY KEY,
  store_id INT NOT NULL,
  name VARCHAR(128) NOT NULL,
  event_type ENUM('product launch', 'run club', 'training session', 'community event', 'sale') NOT NULL,
  sport VARCHAR(32) NULL,
  starts_at DATETIME NOT NULL,
  ends_at DATETIME NOT NULL,
  KEY ix_store_events_store (store_id, starts_at),
  CONSTRAINT fk_store_events_store FOREIGN KEY (store_id) REFERENCES stores (store_id),
  CONSTRAINT ck_store_events_time CHECK (ends_at > starts_at)
) ENGINE=InnoDB;

-- Which vendor supplies which catalog product, at what unit cost and promised lead time.
CREATE TABLE supplied_products (
  vendor_id INT NOT NULL,
  product_id VARCHAR(16) NOT NULL,
  unit_cost DECIMAL(10, 2) NOT NULL,
  lead_time_days INT NOT NULL,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (vendor_id, product_id),
  KEY ix_supplied_products_product (product_id),
  CONSTRAINT fk_supplied_products_vendor FOREIGN KEY (vendor_id) REFERENCES vendors (vendor_id),
  CONSTRAINT ck_supplied_products_terms CHECK (unit_cost > 0 AND lead_time_days > 0)
) ENGINE=InnoDB;

CREATE TABLE vendor_contracts (
  contract_id INT PRIMARY KEY,
  vendor_id INT NOT NULL,
  starts_on DATE NOT NULL,
  ends_on DATE NOT NULL,
  payment_terms ENUM('net 30', 'net 45', 'net 60', 'net 90') NOT NULL,
  KEY ix_vendor_contracts_vendor (vendor_id, starts_on),
  CONSTRAINT fk_vendor_contracts_vendor FOREIGN KEY (vendor_id) REFERENCES vendors (vendor_id),
  CONSTRAINT ck_vendor_contracts_dates CHECK (ends_on >= starts_on)
) ENGINE=InnoDB;

-- A vendor's shipment of one product to one store: promised and actual delivery. Late means
-- delivered after the promised day, so it is not stored.
CREATE TABLE inbound_shipments (
  shipment_id BIGINT PRIMARY KEY,
  vendor_id INT NOT NULL,
  product_id VARCHAR(16) NOT NULL,
  store_id INT NOT NULL,
  quantity INT NOT NULL,
  shipped_on DATE NOT NULL,
  promised_on DATE NOT NULL,
  delivered_on DATE NULL,
  status ENUM('in transit', 'delivered', 'cancelled') NOT NULL,
  KEY ix_inbound_shipments_supply (vendor_id, product_id),
  KEY ix_inbound_shipments_store (store_id, shipped_on),
  KEY ix_inbound_shipments_product (product_id),
  CONSTRAINT fk_inbound_shipments_supply FOREIGN KEY (vendor_id, product_id) REFERENCES supplied_products (vendor_id, product_id),
  CONSTRAINT fk_inbound_shipments_store FOREIGN KEY (store_id) REFERENCES stores (store_id),
  CONSTRAINT ck_inbound_shipments_quantity CHECK (quantity > 0),
  CONSTRAINT ck_inbound_shipments_dates CHECK (promised_on >= shipped_on AND (delivered_on IS NULL OR delivered_on >= shipped_on)),
  CONSTRAINT ck_inbound_shipments_status CHECK ((status = 'delivered') = (delivered_on IS NOT NULL))
) ENGINE=InnoDB;

-- Stock of each store and product at the end of each quarter, for a periodic snapshot.
CREATE TABLE inventory_snapshots (
  store_id INT NOT NULL,
  product_id VARCHAR(16) NOT NULL,
  snapshot_date DATE NOT NULL,
  quantity INT NOT NULL,
  PRIMARY KEY (store_id, product_id, snapshot_date),
  KEY ix_inventory_snapshots_date (snapshot_date),
  CONSTRAINT fk_inventory_snapshots_stock FOREIGN KEY (store_id, product_id) REFERENCES inventory (store_id, product_id),
  CONSTRAINT ck_inventory_snapshots_quantity CHECK (quantity >= 0)
) ENGINE=InnoDB;

-- A customer's addresses; erasing the customer erases them (and orders keep no link).
CREATE TABLE addresses (
  address_id BIGINT PRIMARY KEY,
  user_id BIGINT NOT NULL,
  line1 VARCHAR(128) NOT NULL,
  line2 VARCHAR(64) NULL,
  city_id INT NOT NULL,
  postal_code VARCHAR(10) NOT NULL,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  KEY ix_addresses_user (user_id),
  KEY ix_addresses_updated (updated_at, address_id),
  CONSTRAINT fk_addresses_user FOREIGN KEY (user_id) REFERENCES users (user_id) ON DELETE CASCADE,
  CONSTRAINT fk_addresses_city FOREIGN KEY (city_id) REFERENCES cities (city_id)
) ENGINE=InnoDB;

-- A promotion code, valid from its first day to its last (inclusive), taking a share off each line.
CREATE TABLE discounts (
  discount_id INT PRIMARY KEY,
  code VARCHAR(32) NOT NULL,
  description VARCHAR(128) NOT NULL,
  percent_off DECIMAL(5, 2) NOT NULL,
  starts_on DATE NOT NULL,
  ends_on DATE NOT NULL,
  UNIQUE KEY uq_discounts_code (code),
  CONSTRAINT ck_discounts_dates CHECK (ends_on >= starts_on),
  CONSTRAINT ck_discounts_percent CHECK (percent_off > 0 AND percent_off <= 100)
) ENGINE=InnoDB;

-- An order's total is what the customer paid: the sum of its lines' net amounts.
ALTER TABLE orders
  ADD COLUMN discount_id INT NULL AFTER status,
  ADD COLUMN billing_address_id BIGINT NULL AFTER discount_id,
  ADD COLUMN shipping_address_id BIGINT NULL AFTER billing_address_id,
  ADD COLUMN total_amount DECIMAL(12, 2) NOT NULL DEFAULT 0 AFTER shipping_address_id,
  ADD KEY ix_orders_ordered (ordered_at),
  ADD CONSTRAINT fk_orders_discount FOREIGN KEY (discount_id) REFERENCES discounts (discount_id),
  ADD CONSTRAINT fk_orders_billing_address FOREIGN KEY (billing_address_id) REFERENCES addresses (address_id) ON DELETE SET NULL,
  ADD CONSTRAINT fk_orders_shipping_address FOREIGN KEY (shipping_address_id) REFERENCES addresses (address_id) ON DELETE SET NULL,
  ADD CONSTRAINT ck_orders_total CHECK (total_amount >= 0);

-- unit_price is the list price per unit when the order was placed; net = quantity × unit_price − discount.
ALTER TABLE order_items
  ADD COLUMN discount_amount DECIMAL(10, 2) NOT NULL DEFAULT 0,
  ADD COLUMN net_amount DECIMAL(12, 2) NULL;
UPDATE order_items SET net_amount = quantity * unit_price;
UPDATE orders o JOIN (SELECT order_id, SUM(net_amount) AS total FROM order_items GROUP BY order_id) i USING (order_id) SET o.total_amount = i.total;
ALTER TABLE order_items
  MODIFY COLUMN net_amount DECIMAL(12, 2) NOT NULL,
  ADD CONSTRAINT ck_order_items_quantity CHECK (quantity > 0 AND unit_price >= 0),
  ADD CONSTRAINT ck_order_items_discount CHECK (discount_amount >= 0 AND discount_amount <= quantity * unit_price),
  ADD CONSTRAINT ck_order_items_net CHECK (net_amount = quantity * unit_price - discount_amount);
