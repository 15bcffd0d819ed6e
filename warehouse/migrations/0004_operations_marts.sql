-- Migration 0004 (issue 13, warehouse): the operational side of the star schema. Stores, vendors and
-- catalog products (type 2 on price) as dimensions; order lines, in-store sale lines, quarter-end
-- inventory snapshots and inbound shipments as facts at those grains. Customers appear only by
-- their dim_user version (the keyed pseudonym), so erasing a user reaches their orders and sales.

CREATE TABLE dim_store (
  store_key BIGINT PRIMARY KEY,            -- hash of the store id
  store_id INT NOT NULL,
  store_name VARCHAR(128) NOT NULL,
  store_type VARCHAR(16) NOT NULL,         -- physical, online
  channel VARCHAR(16) NOT NULL,            -- in-store, web, app
  city VARCHAR(96) NULL,
  state CHAR(2) NULL,
  location_key BIGINT NULL,
  opened_at DATETIME NOT NULL,
  UNIQUE KEY uq_dim_store_id (store_id),
  CONSTRAINT fk_dim_store_location FOREIGN KEY (location_key) REFERENCES dim_location (location_key)
) ENGINE=InnoDB;

CREATE TABLE dim_vendor (
  vendor_key BIGINT PRIMARY KEY,           -- hash of the vendor id
  vendor_id INT NOT NULL,
  vendor_name VARCHAR(128) NOT NULL,
  country VARCHAR(64) NULL,
  UNIQUE KEY uq_dim_vendor_id (vendor_id)
) ENGINE=InnoDB;

CREATE TABLE dim_product (
  product_key BIGINT PRIMARY KEY,          -- hash of the product id and valid_from
  product_id VARCHAR(16) NOT NULL,
  product_name VARCHAR(200) NOT NULL,
  category VARCHAR(16) NOT NULL,
  subcategory VARCHAR(64) NULL,
  sport VARCHAR(32) NULL,
  vendor_key BIGINT NULL,
  price DECIMAL(10, 2) NOT NULL,
  price_band VARCHAR(16) NOT NULL,
  valid_from DATETIME NOT NULL,
  valid_to DATETIME NOT NULL,
  is_current BOOLEAN NOT NULL,
  KEY ix_dim_product_id (product_id, valid_from),
  KEY ix_dim_product_sport (sport),
  CONSTRAINT fk_dim_product_vendor FOREIGN KEY (vendor_key) REFERENCES dim_vendor (vendor_key)
) ENGINE=InnoDB;

CREATE TABLE fact_order_line (
  order_id BIGINT NOT NULL,
  line_no INT NOT NULL,
  user_key BIGINT NULL,                    -- null: no customer (an erased customer's order)
  product_key BIGINT NOT NULL,
  store_key BIGINT NOT NULL,
  date_key INT NOT NULL,
  location_key BIGINT NOT NULL,
  channel VARCHAR(16) NOT NULL,
  status VARCHAR(16) NOT NULL,
  ordered_at DATETIME NOT NULL,
  quantity INT NOT NULL,
  unit_price DECIMAL(10, 2) NOT NULL,
  discount_amount DECIMAL(10, 2) NOT NULL,
  net_amount DECIMAL(12, 2) NOT NULL,
  PRIMARY KEY (order_id, line_no),
  KEY ix_fact_order_line_ordered (ordered_at),
  KEY ix_fact_order_line_date (date_key),
  KEY ix_fact_order_line_user (user_key),
  KEY ix_fact_order_line_product (product_key),
  KEY ix_fact_order_line_store (store_key),
  KEY ix_fact_order_line_location (location_key),
  CONSTRAINT fk_fact_order_line_user FOREIGN KEY (user_key) REFERENCES dim_user (user_key),
  CONSTRAINT fk_fact_order_line_product FOREIGN KEY (product_key) REFERENCES dim_product (product_key),
  CONSTRAINT fk_fact_order_line_store FOREIGN KEY (store_key) REFERENCES dim_store (store_key),
  CONSTRAINT fk_fact_order_line_date FOREIGN KEY (date_key) REFERENCES dim_date (date_key),
  CONSTRAINT fk_fact_order_line_location FOREIGN KEY (location_key) REFERENCES dim_location (location_key)
) ENGINE=InnoDB;

CREATE TABLE fact_store_sale (
  sale_id BIGINT PRIMARY KEY,
  user_key BIGINT NULL,                    -- null: not a member (or erased)
  product_key BIGINT NOT NULL,
  store_key BIGINT NOT NULL,
  date_key INT NOT NULL,
  location_key BIGINT NOT NULL,
  sold_at DATETIME NOT NULL,
  quantity INT NOT NULL,
  unit_price DECIMAL(10, 2) NOT NULL,
  amount DECIMAL(12, 2) NOT NULL,
  KEY ix_fact_store_sale_sold (sold_at),
  KEY ix_fact_store_sale_date (date_key),
  KEY ix_fact_store_sale_user (user_key),
  KEY ix_fact_store_sale_product (product_key),
  KEY ix_fact_store_sale_store (store_key),
  CONSTRAINT fk_fact_store_sale_user FOREIGN KEY (user_key) REFERENCES dim_user (user_key),
  CONSTRAINT fk_fact_store_sale_product FOREIGN KEY (product_key) REFERENCES dim_product (product_key),
  CONSTRAINT fk_fact_store_sale_store FOREIGN KEY (store_key) REFERENCES dim_store (store_key),
  CONSTRAINT fk_fact_store_sale_date FOREIGN KEY (date_key) REFERENCES dim_date (date_key),
  CONSTRAINT fk_fact_store_sale_location FOREIGN KEY (location_key) REFERENCES dim_location (location_key)
) ENGINE=InnoDB;

CREATE TABLE fact_inventory_snapshot (
  snapshot_key BIGINT PRIMARY KEY,         -- hash of store, product and day
  store_key BIGINT NOT NULL,
  product_key BIGINT NOT NULL,
  date_key INT NOT NULL,
  snapshot_date DATE NOT NULL,
  quantity INT NOT NULL,
  stock_value DECIMAL(14, 2) NOT NULL,
  KEY ix_fact_inventory_snapshot_date (date_key),
  KEY ix_fact_inventory_snapshot_store (store_key, snapshot_date),
  KEY ix_fact_inventory_snapshot_product (product_key),
  CONSTRAINT fk_fact_inventory_snapshot_store FOREIGN KEY (store_key) REFERENCES dim_store (store_key),
  CONSTRAINT fk_fact_inventory_snapshot_product FOREIGN KEY (product_key) REFERENCES dim_product (product_key),
  CONSTRAINT fk_fact_inventory_snapshot_date FOREIGN KEY (date_key) REFERENCES dim_date (date_key)
) ENGINE=InnoDB;

CREATE TABLE fact_inbound_shipment (
  shipment_id BIGINT PRIMARY KEY,
  vendor_key BIGINT NOT NULL,
  product_key BIGINT NOT NULL,
  store_key BIGINT NOT NULL,
  shipped_date_key INT NOT NULL,
  promised_date_key INT NOT NULL,
  delivered_date_key INT NULL,
  shipped_on DATE NOT NULL,
  promised_on DATE NOT NULL,
  delivered_on DATE NULL,
  status VARCHAR(16) NOT NULL,             -- in transit, delivered, cancelled
  quantity INT NOT NULL,
  promised_lead_days INT NOT NULL,
  lead_time_days INT NULL,
  days_late INT NULL,
  on_time BOOLEAN NULL,
  KEY ix_fact_inbound_shipment_vendor (vendor_key, shipped_on),
  KEY ix_fact_inbound_shipment_status (status),
  KEY ix_fact_inbound_shipment_product (product_key),
  KEY ix_fact_inbound_shipment_store (store_key),
  CONSTRAINT fk_fact_inbound_shipment_vendor FOREIGN KEY (vendor_key) REFERENCES dim_vendor (vendor_key),
  CONSTRAINT fk_fact_inbound_shipment_product FOREIGN KEY (product_key) REFERENCES dim_product (product_key),
  CONSTRAINT fk_fact_inbound_shipment_store FOREIGN KEY (store_key) REFERENCES dim_store (store_key),
  CONSTRAINT fk_fact_inbound_shipment_shipped FOREIGN KEY (shipped_date_key) REFERENCES dim_date (date_key),
  CONSTRAINT fk_fact_inbound_shipment_promised FOREIGN KEY (promised_date_key) REFERENCES dim_date (date_key),
  CONSTRAINT fk_fact_inbound_shipment_delivered FOREIGN KEY (delivered_date_key) REFERENCES dim_date (date_key)
) ENGINE=InnoDB;
