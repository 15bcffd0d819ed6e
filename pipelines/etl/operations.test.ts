import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lakeDir, rawDir } from "../../lib/config.ts";
import { openDuckDB } from "../../lib/duckdb.ts";
import { pseudonym } from "../../lib/pseudonym.ts";
import { connectMysql } from "../../stores/mysql.ts";
import { loadedWorld, mysqlFingerprint, queryWorld } from "../../test-support/published-world.ts";
import type { World } from "../../test-support/world.ts";
import { eraseFromWarehouse, warehouseRows } from "../../warehouse/erase.ts";
import { CheckFailed } from "./checks.ts";
import { openEtlStores, runEtl, type RunReport } from "./index.ts";

let world: World;
beforeAll(async () => {
  world = await loadedWorld(23);
}, 120_000);
afterAll(async () => world?.dispose());

const query = <T>(sql: string, params: unknown[] = []) => queryWorld<T>(world, sql, params);

async function etl(full = false): Promise<RunReport> {
  const stores = await openEtlStores(world.config);
  try {
    return await runEtl(world.config, stores, { full });
  } finally {
    await stores.close();
  }
}

/** Rows of a lake table (read with its Hive partitions), optionally filtered. */
async function lake<T = Record<string, unknown>>(table: string, select = "count(*) AS n", where = "true"): Promise<T[]> {
  const duck = await openDuckDB();
  try {
    return await duck.all<T>(`SELECT ${select} FROM read_parquet('${join(lakeDir(world.config), table)}/**/*.parquet', hive_partitioning = true) WHERE ${where}`);
  } finally {
    duck.close();
  }
}
/**
 * A change stamp a minute after the orders' latest: later than the ETL's watermark, yet in the past
 * (a stamp in the future is read again by every run until its time has come).
 */
async function nextStamp(): Promise<string> {
  return (await query<{ m: string }>("SELECT DATE_FORMAT(MAX(updated_at) + INTERVAL 1 MINUTE, '%Y-%m-%d %H:%i:%s') AS m FROM orders"))[0].m;
}
const touchOrder = async (orderId: number) => query("UPDATE orders SET updated_at = ? WHERE order_id = ?", [await nextStamp(), orderId]);
const count = async (sql: string, params: unknown[] = []) => Number((await query<{ n: number }>(sql, params))[0].n);
const lakeCount = async (table: string, where = "true") => Number((await lake<{ n: bigint }>(table, "count(*) AS n", where))[0].n);

/** Orders' totals per month in MySQL and the net amounts of their lines in the star schema and the lake, as text. */
async function monthlyOrders(): Promise<{ mysql: string[]; star: string[]; lake: string[] }> {
  const mysql = await query<{ m: string; s: string }>("SELECT DATE_FORMAT(ordered_at, '%Y-%m') AS m, SUM(total_amount) AS s FROM orders GROUP BY 1 ORDER BY 1");
  const star = await query<{ m: string; s: string }>("SELECT DATE_FORMAT(ordered_at, '%Y-%m') AS m, SUM(net_amount) AS s FROM fact_order_line GROUP BY 1 ORDER BY 1");
  const lakeRows = await lake<{ m: string; s: number }>("fact_order_line", "strftime(ordered_at, '%Y-%m') AS m, round(sum(net_amount), 2) AS s", "true GROUP BY 1 ORDER BY 1");
  const text = (rows: Array<{ m: string; s: string | number }>) => rows.map((r) => `${r.m}:${Number(r.s).toFixed(2)}`);
  return { mysql: text(mysql), star: text(star), lake: text(lakeRows) };
}

describe("the operational facts", () => {
  it("are built at their grains: one fact row per source row, in the star schema and the lake alike", async () => {
    const report = await etl(true);
    const sources = {
      fact_order_line: await count("SELECT COUNT(*) AS n FROM order_items"),
      fact_store_sale: await count("SELECT COUNT(*) AS n FROM sales"),
      fact_inventory_snapshot: await count("SELECT COUNT(*) AS n FROM inventory_snapshots"),
      fact_inbound_shipment: await count("SELECT COUNT(*) AS n FROM inbound_shipments"),
      dim_store: await count("SELECT COUNT(*) AS n FROM stores"),
      dim_vendor: await count("SELECT COUNT(*) AS n FROM vendors"),
    };
    for (const [table, n] of Object.entries(sources)) {
      expect(n, table).toBeGreaterThan(0);
      expect(report.loaded[table], table).toBe(n);
      expect(await count(`SELECT COUNT(*) AS n FROM ${table}`), table).toBe(n);
      expect(await lakeCount(table), table).toBe(n);
    }
    // dim_product: one version per price in each product's history.
    const stores = await openEtlStores(world.config);
    let prices = 0;
    try {
      for (const p of await stores.documents.collection("products").find({})) prices += (p.price_history as unknown[]).length;
    } finally {
      await stores.close();
    }
    expect(await count("SELECT COUNT(*) AS n FROM dim_product")).toBe(prices);
    expect(await count("SELECT COUNT(*) AS n FROM (SELECT product_id FROM dim_product WHERE is_current GROUP BY 1 HAVING COUNT(*) > 1) x")).toBe(0);
    // The lake's facts are partitioned by year and month.
    expect(await lakeCount("fact_order_line", "year IS NOT NULL AND month IS NOT NULL")).toBe(sources.fact_order_line);
    expect(report.checks.some((c) => c.check.startsWith("reconciliation(orders.total_amount"))).toBe(true);
    const months = await monthlyOrders();
    expect(months.star).toEqual(months.mysql);
    expect(months.lake).toEqual(months.mysql);
    // Every line was sold at its product version's price, and every order of a customer has their user version.
    expect(await count("SELECT COUNT(*) AS n FROM fact_order_line f JOIN dim_product p USING (product_key) WHERE p.price <> f.unit_price")).toBe(0);
    expect(await count("SELECT COUNT(*) AS n FROM fact_order_line f JOIN orders o USING (order_id) WHERE o.user_id IS NOT NULL AND f.user_key IS NULL")).toBe(0);
  }, 120_000);

  it("find the planted late vendors: the three with the lowest on-time share", async () => {
    const truth = JSON.parse(await readFile(join(rawDir(world.config), "planted", "truth.json"), "utf8")) as { late_vendors: { vendors: Array<{ vendor_id: number }> } };
    const ranked = await query<{ vendor_id: number }>(
      `SELECT v.vendor_id FROM fact_inbound_shipment f JOIN dim_vendor v USING (vendor_key) WHERE f.on_time IS NOT NULL
       GROUP BY v.vendor_id ORDER BY AVG(f.on_time) LIMIT 3`,
    );
    expect(ranked.map((r) => r.vendor_id).sort()).toEqual(truth.late_vendors.vendors.map((v) => v.vendor_id).sort());
  });

  it("take a new order in an incremental batch, to the star schema and the lake; a changed order replaces its lines", async () => {
    const [order] = await query<{ order_id: number; user_id: number; store_id: number }>(
      "SELECT o.order_id, o.user_id, o.store_id FROM orders o JOIN stores s USING (store_id) WHERE s.channel = 'in-store' ORDER BY o.order_id LIMIT 1",
    );
    const [{ id }] = await query<{ id: number }>("SELECT MAX(order_id) + 1 AS id FROM orders");
    const [product] = await query<{ product_id: string; unit_price: number }>("SELECT product_id, unit_price FROM order_items ORDER BY order_id DESC LIMIT 1");
    const db = await connectMysql(world.config.mysqlUrl, 1);
    try {
      const stamp = await nextStamp();
      await db.query("INSERT INTO orders (order_id, user_id, store_id, status, total_amount, ordered_at, created_at, updated_at) VALUES (?, ?, ?, 'processing', ?, ?, ?, ?)", [
        id, order.user_id, order.store_id, product.unit_price * 3, stamp, stamp, stamp,
      ]);
      await db.query("INSERT INTO order_items (order_id, line_no, product_id, quantity, unit_price, discount_amount, net_amount) VALUES (?, 1, ?, 1, ?, 0, ?), (?, 2, ?, 2, ?, 0, ?)", [
        id, product.product_id, product.unit_price, product.unit_price, id, product.product_id, product.unit_price, product.unit_price * 2,
      ]);
    } finally {
      await db.end();
    }
    const report = await etl();
    expect(report.extracted.orders).toBe(1);
    expect(report.loaded.fact_order_line).toBe(2);
    expect(await count("SELECT COUNT(*) AS n FROM fact_order_line WHERE order_id = ?", [id])).toBe(2);
    expect(await lakeCount("fact_order_line", `order_id = ${id}`)).toBe(2);

    await query("UPDATE orders SET status = 'shipped', updated_at = ? WHERE order_id = ?", [await nextStamp(), id]);
    const again = await etl();
    expect(again.loaded.fact_order_line).toBe(2);
    expect(await query("SELECT DISTINCT status FROM fact_order_line WHERE order_id = ?", [id])).toEqual([{ status: "shipped" }]);
    expect(await lakeCount("fact_order_line", `order_id = ${id} AND status = 'shipped'`)).toBe(2);
    expect(await count("SELECT COUNT(*) AS n FROM fact_order_line")).toBe(await count("SELECT COUNT(*) AS n FROM order_items"));
    const months = await monthlyOrders();
    expect(months.star).toEqual(months.mysql);
    expect(months.lake).toEqual(months.mysql);
  }, 60_000);

  it("take new sale lines, a new quarter's snapshot and a delivered shipment in an incremental batch, and nothing else", async () => {
    const [sale] = await query<{ id: number; store_id: number; employee_id: number; product_id: string }>(
      "SELECT MAX(sale_id) + 1 AS id, MIN(store_id) AS store_id, MIN(employee_id) AS employee_id, MIN(product_id) AS product_id FROM sales",
    );
    const [stock] = await query<{ store_id: number; product_id: string }>("SELECT store_id, product_id FROM inventory ORDER BY store_id, product_id LIMIT 1");
    const [shipment] = await query<{ shipment_id: number }>("SELECT shipment_id FROM inbound_shipments WHERE status = 'in transit' ORDER BY shipment_id LIMIT 1");
    expect(await count("SELECT COUNT(*) AS n FROM fact_inbound_shipment WHERE shipment_id = ? AND status = 'in transit'", [shipment.shipment_id])).toBe(1);
    await query("INSERT INTO sales (sale_id, store_id, employee_id, user_id, product_id, quantity, unit_price, sold_at) VALUES (?, ?, ?, NULL, ?, 2, 10.00, UTC_TIMESTAMP())", [
      sale.id, sale.store_id, sale.employee_id, sale.product_id,
    ]);
    await query("INSERT INTO inventory_snapshots (store_id, product_id, snapshot_date, quantity) VALUES (?, ?, '2026-09-30', 7)", [stock.store_id, stock.product_id]);
    await query("UPDATE inbound_shipments SET status = 'delivered', delivered_on = promised_on + INTERVAL 3 DAY WHERE shipment_id = ?", [shipment.shipment_id]);
    const report = await etl();
    expect([report.extracted.sales, report.extracted.inventory_snapshots]).toEqual([1, 1]);
    expect([report.loaded.fact_store_sale, report.loaded.fact_inventory_snapshot, report.loaded.fact_inbound_shipment]).toEqual([1, 1, 1]);
    expect(report.loaded.fact_order_line).toBe(0);
    expect(await query("SELECT status, on_time, days_late FROM fact_inbound_shipment WHERE shipment_id = ?", [shipment.shipment_id])).toEqual([{ status: "delivered", on_time: 0, days_late: 3 }]);
    expect(await lakeCount("fact_inbound_shipment", `shipment_id = ${shipment.shipment_id} AND NOT on_time`)).toBe(1);
    expect(await lakeCount("fact_store_sale", `sale_id = ${sale.id}`)).toBe(1);
    expect(await lakeCount("fact_inventory_snapshot", "snapshot_date = DATE '2026-09-30'")).toBe(1);
    for (const [fact, source] of [["fact_store_sale", "sales"], ["fact_inventory_snapshot", "inventory_snapshots"], ["fact_inbound_shipment", "inbound_shipments"]]) {
      expect(await count(`SELECT COUNT(*) AS n FROM ${fact}`), fact).toBe(await count(`SELECT COUNT(*) AS n FROM ${source}`));
    }
    // The shipments still in transit are read again next time, but unchanged they publish nothing.
    const quiet = await etl();
    expect(quiet.extracted.inbound_shipments).toBeGreaterThan(0);
    expect(Object.values(quiet.loaded).every((n) => n === 0)).toBe(true);
  }, 60_000);

  it("keep each product's price history (type 2): a new price opens a version, closes the current one, and prices the orders after it", async () => {
    const [line] = await query<{ product_id: string; store_id: number; user_id: number }>(
      "SELECT i.product_id, o.store_id, o.user_id FROM order_items i JOIN orders o USING (order_id) ORDER BY o.order_id LIMIT 1",
    );
    const versionsBefore = await count("SELECT COUNT(*) AS n FROM dim_product WHERE product_id = ?", [line.product_id]);
    const changedAt = new Date(Date.parse(`${(await nextStamp()).replace(" ", "T")}Z`) - 30_000);
    const stores = await openEtlStores(world.config);
    try {
      const products = stores.documents.collection("products");
      const product = (await products.findOne({ _id: line.product_id }))!;
      await products.updateOne({ _id: line.product_id }, {
        $set: { price: 333.33, updated_at: new Date(), price_history: [...(product.price_history as unknown[]), { price: 333.33, valid_from: changedAt }] },
      });
    } finally {
      await stores.close();
    }
    const [{ id }] = await query<{ id: number }>("SELECT MAX(order_id) + 1 AS id FROM orders");
    const stamp = await nextStamp();
    await query("INSERT INTO orders (order_id, user_id, store_id, status, total_amount, ordered_at, created_at, updated_at) VALUES (?, ?, ?, 'processing', 333.33, ?, ?, ?)", [id, line.user_id, line.store_id, stamp, stamp, stamp]);
    await query("INSERT INTO order_items (order_id, line_no, product_id, quantity, unit_price, discount_amount, net_amount) VALUES (?, 1, ?, 1, 333.33, 0, 333.33)", [id, line.product_id]);
    const report = await etl();
    expect(report.extracted.products).toBe(1);
    expect(report.loaded.dim_product).toBe(versionsBefore + 1);
    const versions = await query<{ price: number; price_band: string; is_current: number; valid_to: string }>(
      "SELECT price, price_band, is_current, valid_to FROM dim_product WHERE product_id = ? ORDER BY valid_from", [line.product_id],
    );
    expect(versions).toHaveLength(versionsBefore + 1);
    expect(versions.at(-1)).toMatchObject({ price: 333.33, price_band: "150+", is_current: 1, valid_to: "9999-12-31 00:00:00" });
    expect(versions.filter((v) => v.is_current)).toHaveLength(1);
    expect(await query("SELECT p.price FROM fact_order_line f JOIN dim_product p USING (product_key) WHERE f.order_id = ?", [id])).toEqual([{ price: 333.33 }]);
    // Orders placed before the change keep the version of their day.
    expect(await count("SELECT COUNT(*) AS n FROM fact_order_line f JOIN dim_product p USING (product_key) WHERE p.price <> f.unit_price")).toBe(0);
  }, 60_000);

  it("reconcile with the orders every run: a line that no longer adds up to its order fails the run, naming the month and both sums, and publishes nothing", async () => {
    const [order] = await query<{ order_id: number; month: string }>(
      "SELECT o.order_id, DATE_FORMAT(o.ordered_at, '%Y-%m') AS month FROM orders o JOIN order_items i USING (order_id) WHERE i.line_no = 1 AND i.quantity * i.unit_price >= 5 ORDER BY o.order_id LIMIT 1",
    );
    // A line loses 1.00 to a discount its order's total does not know of.
    await query("UPDATE order_items SET discount_amount = discount_amount + 1, net_amount = net_amount - 1 WHERE order_id = ? AND line_no = 1", [order.order_id]);
    await touchOrder(order.order_id);
    const before = await mysqlFingerprint(world);
    const error = await etl().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckFailed);
    expect((error as CheckFailed).model).toBe("fact_order_line");
    expect((error as Error).message).toMatch(new RegExp(`reconciliation of ${order.month}: orders\\.total_amount in MySQL ([\\d,]+\\.\\d\\d) ≠ fact_order_line\\.net_amount ([\\d,]+\\.\\d\\d)`));
    const [, mysqlSum, factSum] = /MySQL ([\d,]+\.\d\d) ≠ fact_order_line\.net_amount ([\d,]+\.\d\d)/.exec((error as Error).message)!;
    expect(Number(mysqlSum.replaceAll(",", "")) - Number(factSum.replaceAll(",", ""))).toBeCloseTo(1, 2);
    expect(await mysqlFingerprint(world)).toEqual(before);
    expect((await query<{ status: string }>("SELECT status FROM etl_runs ORDER BY started_at DESC LIMIT 1"))[0].status).toBe("failed");

    // Mended at the source, the next run passes.
    await query("UPDATE order_items SET discount_amount = discount_amount - 1, net_amount = net_amount + 1 WHERE order_id = ? AND line_no = 1", [order.order_id]);
    const report = await etl();
    expect(report.extracted.orders).toBe(1);
    const months = await monthlyOrders();
    expect(months.star).toEqual(months.mysql);
    expect(months.lake).toEqual(months.mysql);
  }, 60_000);

  it("reconcile the star schema too: a tampered fact row in a month the run rewrites fails it", async () => {
    const [a, b] = await query<{ order_id: number }>(
      `SELECT order_id FROM orders WHERE DATE_FORMAT(ordered_at, '%Y-%m') = (SELECT DATE_FORMAT(MIN(ordered_at), '%Y-%m') FROM orders) ORDER BY order_id LIMIT 2`,
    );
    await query("UPDATE fact_order_line SET net_amount = net_amount + 5 WHERE order_id = ? AND line_no = 1", [a.order_id]);
    await touchOrder(b.order_id);
    const error = await etl().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckFailed);
    expect((error as Error).message).toMatch(/orders\.total_amount in MySQL [\d,.]+ ≠ fact_order_line\.net_amount in the star schema [\d,.]+/);
    await query("UPDATE fact_order_line SET net_amount = net_amount - 5 WHERE order_id = ? AND line_no = 1", [a.order_id]);
    await etl();
  }, 60_000);

  it("erasure unlinks a customer's order lines and sales in the star schema and the lake; the orders still reconcile", async () => {
    const [buyer] = await query<{ user_id: number }>(
      "SELECT o.user_id FROM orders o JOIN sales s USING (user_id) GROUP BY o.user_id ORDER BY o.user_id LIMIT 1",
    );
    const alias = pseudonym(world.config.pseudonymKey, buyer.user_id);
    const keys = (await query<{ user_key: string }>("SELECT CAST(user_key AS CHAR) AS user_key FROM dim_user WHERE user_pseudonym = ?", [alias])).map((k) => k.user_key);
    const lines = await count("SELECT COUNT(*) AS n FROM fact_order_line WHERE user_key IN (?)", [keys]);
    expect(lines).toBeGreaterThan(0);
    expect(await count("SELECT COUNT(*) AS n FROM fact_store_sale WHERE user_key IN (?)", [keys])).toBeGreaterThan(0);

    const db = await connectMysql(world.config.mysqlUrl, 1);
    try {
      expect((await warehouseRows(db, alias)).fact_order_line).toHaveLength(lines);
      // What DELETE /v1/me does to MySQL (orders and sales keep no link), then to the warehouse.
      await db.query("DELETE FROM users WHERE user_id = ?", [buyer.user_id]);
      await eraseFromWarehouse(world.config, db, alias);
    } finally {
      await db.end();
    }
    const keyList = keys.join(", ");
    for (const fact of ["fact_order_line", "fact_store_sale", "fact_activity", "fact_app_session"]) {
      expect(await count(`SELECT COUNT(*) AS n FROM ${fact} WHERE user_key IN (${keyList})`), fact).toBe(0);
      expect(await lakeCount(fact, `user_key IN (${keyList})`), `lake ${fact}`).toBe(0);
    }
    expect(await count("SELECT COUNT(*) AS n FROM dim_user WHERE user_pseudonym = ?", [alias])).toBe(0);
    // The lines stay, with no user: the orders' totals still reconcile, now and on the next run.
    expect(await count("SELECT COUNT(*) AS n FROM fact_order_line")).toBe(await count("SELECT COUNT(*) AS n FROM order_items"));
    await etl();
    const months = await monthlyOrders();
    expect(months.star).toEqual(months.mysql);
    expect(months.lake).toEqual(months.mysql);
    expect(await count(`SELECT COUNT(*) AS n FROM fact_order_line WHERE user_key IN (${keyList})`)).toBe(0);
  }, 60_000);

  it("read an order stamped in the future again on every run until its time has come, so no change after it is skipped", async () => {
    const [order] = await query<{ order_id: number }>("SELECT order_id FROM orders ORDER BY order_id DESC LIMIT 1");
    await query("UPDATE orders SET status = 'delivered', updated_at = UTC_TIMESTAMP() + INTERVAL 1 HOUR WHERE order_id = ?", [order.order_id]);
    const first = await etl();
    expect(first.extracted.orders).toBe(1);
    expect(await query("SELECT DISTINCT status FROM fact_order_line WHERE order_id = ?", [order.order_id])).toEqual([{ status: "delivered" }]);
    // An order changed now, with a stamp before the future one, is not lost behind it.
    const [other] = await query<{ order_id: number }>("SELECT order_id FROM orders WHERE order_id <> ? ORDER BY order_id LIMIT 1", [order.order_id]);
    await query("UPDATE orders SET status = 'returned', updated_at = UTC_TIMESTAMP() WHERE order_id = ?", [other.order_id]);
    const second = await etl();
    expect(second.extracted.orders).toBe(2);
    expect(await query("SELECT DISTINCT status FROM fact_order_line WHERE order_id = ?", [other.order_id])).toEqual([{ status: "returned" }]);
    const months = await monthlyOrders();
    expect(months.star).toEqual(months.mysql);
    expect(months.lake).toEqual(months.mysql);
  }, 60_000);
});
