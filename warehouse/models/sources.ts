/**
 * @module The staged sources models read with `{{ source('name') }}`: one Parquet file per source
 * and run (`src_<name>.parquet`), with exactly these columns. Timestamps stay text here (ISO 8601,
 * UTC); the staging models type them. The transform checks every run's files against this.
 */
import type { Columns } from "./spec.ts";

export type Relation = { description: string; columns: Columns };

const text = (description: string) => ({ type: "VARCHAR", description });

export const STAGED_SOURCES: Record<string, Relation> = {
  states: {
    description: "US states with their census region, from the MySQL `states` table; read whole on every run.",
    columns: {
      state_code: text("Two-letter postal code."),
      name: text("State name."),
      region: text("Census region: Northeast, Midwest, South or West."),
      country: text("Country name."),
    },
  },
  users: {
    description: "Users changed since the watermark (in `users`, in `memberships` or in their goals), from MySQL, with their city and membership tier.",
    columns: {
      user_id: { type: "BIGINT", description: "The operational user id." },
      date_of_birth: text("Birth date (YYYY-MM-DD); it does not pass the staging model."),
      gender: text("Gender as the user gave it."),
      shopping_preference: text("In-Store, Online or Both."),
      city: text("Home city."),
      state: text("Home state (two-letter code)."),
      membership_tier: text("Silver, Gold or Platinum; null without a membership."),
      created_at: text("Sign-up instant (UTC)."),
      changed_at: text("Latest change to the user or their membership (UTC)."),
    },
  },
  user_goals: {
    description: "Fitness goals of the staged users, from the MongoDB `user_goals` collection.",
    columns: {
      user_id: { type: "BIGINT", description: "The operational user id." },
      goal_type: text("The goal, e.g. improve_endurance."),
      target_workouts_per_week: { type: "INTEGER", description: "Workouts a week the user aims for." },
      updated_at: text("When the goal was set (UTC)."),
    },
  },
  activity_logs: {
    description: "Workouts changed since the watermark, from the MongoDB `activity_logs` collection; documents that break the collection's schema or name an unknown time zone are quarantined instead.",
    columns: {
      activity_id: text("The document id."),
      user_id: { type: "BIGINT", description: "The operational user id." },
      activity_type: text("Activity type as logged, e.g. running."),
      started_at: text("Start instant (UTC)."),
      time_zone: text("IANA time zone the workout happened in."),
      duration_min: { type: "DOUBLE", description: "Duration in minutes." },
      distance_km: { type: "DOUBLE", description: "Distance in km; null for activities without one." },
      calories: { type: "INTEGER", description: "Calories burnt." },
      avg_heart_rate: { type: "INTEGER", description: "Average heart rate (bpm)." },
      city: text("City where it happened."),
      state: text("State where it happened (two-letter code)."),
      updated_at: text("Last change to the document (UTC)."),
    },
  },
  sessions: {
    description: "App sessions seen since the watermark, from DynamoDB; a session stored without a zone is filed under the default zone.",
    columns: {
      token_hash: text("Hash of the session token."),
      user_id: { type: "BIGINT", description: "The operational user id." },
      device_id: { type: "BIGINT", description: "The device the session ran on." },
      platform: text("Device platform, e.g. iOS."),
      time_zone: text("IANA time zone of the session."),
      started_at: text("Start instant (UTC)."),
      duration_s: { type: "INTEGER", description: "Length in seconds." },
      last_seen_at: text("Last request of the session (UTC)."),
    },
  },
  orders: {
    description: "Orders changed since the watermark (`updated_at`, order id) in MySQL `orders`, read in one consistent snapshot with their lines, with the city and state of the shipping address (no address line).",
    columns: {
      order_id: { type: "BIGINT", description: "The order's id." },
      user_id: { type: "BIGINT", description: "The customer's operational id; null for an order with no customer (an erased customer's)." },
      store_id: { type: "INTEGER", description: "The store (physical, web or app) the order was placed through." },
      status: text("processing, shipped, delivered, cancelled or returned."),
      discount_id: { type: "INTEGER", description: "The promotion code used; null without one." },
      total_amount: { type: "DOUBLE", description: "What the customer paid: the sum of the lines' net amounts (DECIMAL(12, 2) in MySQL)." },
      ship_city: text("City of the shipping address; null without one."),
      ship_state: text("State of the shipping address (two-letter code); null without one."),
      ordered_at: text("When the order was placed (UTC)."),
      updated_at: text("Last change to the order (UTC)."),
    },
  },
  order_items: {
    description: "Every line of the staged orders, from MySQL `order_items`, read in the same snapshot as the orders.",
    columns: {
      order_id: { type: "BIGINT", description: "The order." },
      line_no: { type: "INTEGER", description: "The line's number within the order, from 1." },
      product_id: text("Catalog product id (MongoDB `products`)."),
      quantity: { type: "INTEGER", description: "Units ordered." },
      unit_price: { type: "DOUBLE", description: "List price per unit on the order's day." },
      discount_amount: { type: "DOUBLE", description: "Discount taken off the line." },
      net_amount: { type: "DOUBLE", description: "quantity × unit_price − discount_amount." },
    },
  },
  sales: {
    description: "In-store point-of-sale lines from MySQL `sales` with an id above the watermark's (sales are written once, never changed).",
    columns: {
      sale_id: { type: "BIGINT", description: "The sale line's id." },
      store_id: { type: "INTEGER", description: "The physical store." },
      user_id: { type: "BIGINT", description: "The member's operational id; null for a shopper who is not a member (or was erased)." },
      product_id: text("Catalog product id."),
      quantity: { type: "INTEGER", description: "Units sold." },
      unit_price: { type: "DOUBLE", description: "Price per unit at the till." },
      sold_at: text("When the sale was rung up (UTC)."),
    },
  },
  inventory_snapshots: {
    description: "Quarter-end stock per store and product from MySQL `inventory_snapshots`, after the watermark (snapshot date, store, product).",
    columns: {
      store_id: { type: "INTEGER", description: "The store." },
      product_id: text("Catalog product id."),
      snapshot_date: text("The day the stock was counted (YYYY-MM-DD)."),
      quantity: { type: "INTEGER", description: "Units in stock." },
    },
  },
  inbound_shipments: {
    description: "Vendors' shipments to stores from MySQL `inbound_shipments`: new ones (id above the watermark) and the ones the warehouse still has in transit, read again until they are delivered or cancelled.",
    columns: {
      shipment_id: { type: "BIGINT", description: "The shipment's id." },
      vendor_id: { type: "INTEGER", description: "The vendor." },
      product_id: text("Catalog product id."),
      store_id: { type: "INTEGER", description: "The receiving store." },
      quantity: { type: "INTEGER", description: "Units shipped." },
      shipped_on: text("Day shipped (YYYY-MM-DD)."),
      promised_on: text("Day the vendor promised delivery (YYYY-MM-DD)."),
      delivered_on: text("Day delivered (YYYY-MM-DD); null until delivered."),
      status: text("in transit, delivered or cancelled."),
    },
  },
  stores: {
    description: "Every store, physical or online, from MySQL `stores` with its city; read whole on every run (a few hundred rows).",
    columns: {
      store_id: { type: "INTEGER", description: "The store's id." },
      name: text("Store name."),
      store_type: text("physical or online."),
      channel: text("in-store, web or app."),
      city: text("City of a physical store; null online."),
      state: text("State of a physical store (two-letter code); null online."),
      opened_at: text("When the store opened (UTC)."),
    },
  },
  vendors: {
    description: "Every vendor from MySQL `vendors` (no contact e-mail); read whole on every run.",
    columns: {
      vendor_id: { type: "INTEGER", description: "The vendor's id." },
      name: text("Vendor name."),
      country: text("Vendor's country."),
    },
  },
  products: {
    description: "Catalog products changed since the watermark (`updated_at`, id) in the MongoDB `products` collection.",
    columns: {
      product_id: text("Catalog id, e.g. P000123."),
      name: text("Product name."),
      category: text("footwear, apparel, equipment or accessories."),
      subcategory: text("e.g. Running Shoe."),
      sport: text("The activity whose season the product sells in, e.g. running."),
      vendor_id: { type: "BIGINT", description: "The product's catalog vendor." },
      price: { type: "DOUBLE", description: "Current list price." },
      created_at: text("When the product entered the catalog (UTC)."),
      updated_at: text("Last change to the product's document (UTC)."),
    },
  },
  product_prices: {
    description: "Every price of the staged products, one row per entry of their `price_history` (a product without one: its current price from its creation).",
    columns: {
      product_id: text("Catalog id."),
      price: { type: "DOUBLE", description: "List price." },
      valid_from: text("When the price took effect (UTC)."),
    },
  },
};
