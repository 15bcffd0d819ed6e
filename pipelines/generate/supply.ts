/**
 * @module The supply chain: which vendor supplies which product (each product's catalog vendor, and a
 * second vendor for some), vendor contracts, and inbound shipments to the stores with their promised
 * and actual delivery. A few vendors (`LATE_VENDORS`) deliver late far more often than the rest.
 */
import type { DuckDB } from "../../lib/duckdb.ts";
import { LATE_VENDORS } from "./model.ts";

/** Share of products with a second vendor. */
const SECOND_VENDOR_SHARE = 0.35;
/** Share of inbound shipments cancelled before delivery. */
const CANCELLED_SHARE = 0.015;

export const inboundShipments = (users: number) => Math.max(3000, Math.round(users / 5));

/** Creates `supplied_g` (the supplied products, numbered) and `vendor_lateness` (each vendor's late-delivery rate). */
export async function generateSupply(db: DuckDB, vendors: number): Promise<void> {
  await db.table("vendor_lateness", Array.from({ length: vendors }, (_, i) => ({
    vendor_id: i + 1,
    late_rate: (LATE_VENDORS.vendorIds as readonly number[]).includes(i + 1) ? LATE_VENDORS.lateRate : LATE_VENDORS.otherLateRate,
  })));
  await db.run(`
    CREATE OR REPLACE TABLE supplied_g AS
    WITH pairs AS (
      SELECT p.product_id, p.vendor_id::INT AS vendor_id, p.price FROM products_g p
      UNION ALL
      SELECT p.product_id, (1 + (p.vendor_id + floor(rnd(p.product_id, 'vendor2') * (${vendors} - 1))) % ${vendors})::INT, p.price
      FROM products_g p WHERE rnd(p.product_id, 'second') < ${SECOND_VENDOR_SHARE}
    )
    SELECT (row_number() OVER (ORDER BY vendor_id, product_id) - 1)::INT AS i, vendor_id, product_id,
      (price * (0.3 + 0.15 * rnd(hash(vendor_id, product_id), 'cost')))::DECIMAL(10, 2) AS unit_cost,
      (14 + floor(rnd(hash(vendor_id, product_id), 'lead') * 42))::INT AS lead_time_days
    FROM pairs ORDER BY vendor_id, product_id`);
}

export const SUPPLY_TABLES = {
  supplied_products: "SELECT vendor_id, product_id, unit_cost, lead_time_days, TIMESTAMP '2020-06-01' AS created_at FROM supplied_g ORDER BY vendor_id, product_id",
  // Two-year contracts back to back from a day in 2019, until one runs past the end of the history.
  vendor_contracts: `
    WITH c AS (
      SELECT v.vendor_id, k, DATE '2019-01-01' + (floor(rnd(v.vendor_id, 'contract') * 365))::INT + (k * 730)::INT AS starts_on
      FROM vendors_pool v, range(0, 6) t(k)
    )
    SELECT (vendor_id * 10 + k)::INT AS contract_id, vendor_id::INT AS vendor_id, starts_on, starts_on + 729 AS ends_on,
      CASE floor(rnd(vendor_id * 10 + k, 'terms') * 4)::INT WHEN 0 THEN 'net 30' WHEN 1 THEN 'net 45' WHEN 2 THEN 'net 60' ELSE 'net 90' END AS payment_terms
    FROM c WHERE starts_on < getvariable('until')
    ORDER BY contract_id`,
  // Shipped on a day of the history, promised after the pair's lead time; delivered a day or two early to on time, or late (1–21 days) at the vendor's late rate.
  inbound_shipments: `
    WITH n AS (SELECT count(*) AS pairs FROM supplied_g), s AS (SELECT count(*) AS stores FROM stores_g),
    picked AS (
      SELECT id AS shipment_id, g.vendor_id, g.product_id, g.lead_time_days, 1 + floor(rnd(id, 'dest') * s.stores)::INT AS store_id,
        (50 + 10 * floor(rnd(id, 'qty') * 46))::INT AS quantity,
        (getvariable('history_start') + floor(rnd(id, 'shipped') * %history_days%)::INT)::DATE AS shipped_on
      FROM range(1, %inbound_shipments% + 1) r(id), n, s
      JOIN supplied_g g ON g.i = floor(rnd(id, 'pair') * n.pairs)::INT
    ),
    arrived AS (
      SELECT p.*, (p.shipped_on + p.lead_time_days)::DATE AS promised_on,
        (p.shipped_on + p.lead_time_days + CASE WHEN rnd(p.shipment_id, 'late') < l.late_rate THEN 1 + floor(rnd(p.shipment_id, 'delay') ^ 1.5 * 21)::INT
          ELSE -least(p.lead_time_days, floor(rnd(p.shipment_id, 'early') * 3)::INT) END)::DATE AS arrives_on,
        rnd(p.shipment_id, 'cancel') < ${CANCELLED_SHARE} AS cancelled
      FROM picked p JOIN vendor_lateness l USING (vendor_id)
    )
    SELECT shipment_id, vendor_id, product_id, store_id, quantity, shipped_on, promised_on,
      CASE WHEN NOT cancelled AND arrives_on < getvariable('until') THEN arrives_on END AS delivered_on,
      CASE WHEN cancelled THEN 'cancelled' WHEN arrives_on < getvariable('until') THEN 'delivered' ELSE 'in transit' END AS status
    FROM arrived ORDER BY shipment_id`,
} as const;
