/**
 * @module The warehouse models, staging then marts, each a SQL file with its spec beside it
 * (`<name>.sql`, `<name>.checks.json`: description, columns, checks, examples). What a model reads
 * comes from its SQL (`{{ ref('…') }}`, `{{ source('…') }}`, `{{ this }}`; see `refs.ts`), so the
 * run order is derived, not declared. This list says which models exist and how each mart is
 * published (its key and lake partitioning), which the lake, the ledger and the Hive DDL read too.
 * Marts are listed in an order that respects their refs (a test checks it): they are published in it.
 */

export type Model = {
  name: string;
  layer: "staging" | "marts";
  /** A mart's key: its delta replaces rows with the same key in the warehouse. */
  key?: string;
  /** A fact is partitioned in the lake by year and month of this timestamp. */
  partitionBy?: string;
};

export const MODELS: Model[] = [
  { name: "stg_states", layer: "staging" },
  { name: "stg_users", layer: "staging" },
  { name: "stg_user_goals", layer: "staging" },
  { name: "stg_activity_logs", layer: "staging" },
  { name: "stg_sessions", layer: "staging" },
  { name: "stg_orders", layer: "staging" },
  { name: "stg_order_items", layer: "staging" },
  { name: "stg_store_sales", layer: "staging" },
  { name: "stg_inventory_snapshots", layer: "staging" },
  { name: "stg_inbound_shipments", layer: "staging" },
  { name: "stg_stores", layer: "staging" },
  { name: "stg_vendors", layer: "staging" },
  { name: "stg_products", layer: "staging" },
  { name: "stg_product_prices", layer: "staging" },
  { name: "dim_date", layer: "marts", key: "date_key" },
  { name: "dim_time", layer: "marts", key: "time_key" },
  { name: "dim_activity", layer: "marts", key: "activity_key" },
  { name: "dim_fitness_goal", layer: "marts", key: "goal_key" },
  { name: "dim_location", layer: "marts", key: "location_key" },
  { name: "dim_user", layer: "marts", key: "user_key" },
  { name: "dim_store", layer: "marts", key: "store_key" },
  { name: "dim_vendor", layer: "marts", key: "vendor_key" },
  { name: "dim_product", layer: "marts", key: "product_key" },
  { name: "fact_activity", layer: "marts", key: "activity_id", partitionBy: "started_at" },
  { name: "fact_app_session", layer: "marts", key: "session_key", partitionBy: "started_at" },
  // An order is read again whole when it changes, so its lines are replaced together (key: the order).
  { name: "fact_order_line", layer: "marts", key: "order_id", partitionBy: "ordered_at" },
  { name: "fact_store_sale", layer: "marts", key: "sale_id", partitionBy: "sold_at" },
  { name: "fact_inventory_snapshot", layer: "marts", key: "snapshot_key", partitionBy: "snapshot_date" },
  { name: "fact_inbound_shipment", layer: "marts", key: "shipment_id", partitionBy: "shipped_on" },
];

export const MARTS = MODELS.filter((m) => m.layer === "marts");
