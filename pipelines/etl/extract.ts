/**
 * @module Extract: what changed in each operational store since its watermark, staged as Parquet.
 * Reads MySQL, the document store and DynamoDB themselves (never `data/raw/`). A source document
 * that breaks its collection's schema is quarantined with the reason instead of staged.
 */
import { DEFAULT_TIME_ZONE, isTimeZone } from "../../domain/time-zones.ts";
import type { Columns, DuckDB } from "../../lib/duckdb.ts";
import { log } from "../../lib/progress.ts";
import { COLLECTIONS } from "../../stores/document-schema.ts";
import type { Doc, DocumentStore } from "../../stores/documents.ts";
import { violation } from "../../stores/json-schema.ts";
import type { MySql } from "../../stores/mysql.ts";
import type { SessionStore } from "../../stores/sessions.ts";
import type { Quarantined, Source, Watermark } from "../../warehouse/ledger.ts";
import { STAGED_SOURCES } from "../../warehouse/models/sources.ts";
import { SettleWindow } from "./settle.ts";
import { writeStaged } from "./staging-files.ts";

export type Extracted = {
  rows: Record<string, number>;
  watermarks: Partial<Record<Source, Watermark>>;
  quarantined: Quarantined[];
  /** Per month of `ordered_at` (YYYY-MM, UTC), the orders' total in MySQL in cents, read in the snapshot the orders were extracted in. */
  orderTotals: OrderTotal[];
};

export type OrderTotal = { month: string; cents: number; orders: number };

const USER_BATCH = 5000;
const iso = (value: unknown) => (value instanceof Date ? value.toISOString() : new Date(`${String(value).replace(" ", "T")}Z`).toISOString());
const later = (a: Watermark | undefined, b: Watermark) => (!a || b.updatedAt > a.updatedAt || (b.updatedAt === a.updatedAt && b.lastId > a.lastId) ? b : a);

/** Staged columns, as the models' sources declare them. Timestamps stay text here; the staging models type them. */
const columnsOf = (source: keyof typeof STAGED_SOURCES): Columns => Object.fromEntries(Object.entries(STAGED_SOURCES[source].columns).map(([c, { type }]) => [c, type]));
const COLUMNS = Object.fromEntries(Object.keys(STAGED_SOURCES).map((name) => [name, columnsOf(name)])) as Record<keyof typeof STAGED_SOURCES, Columns>;
const ORDER_BATCH = 5000;
/** Rows per page of a table read in key order. */
const PAGE = 20_000;
const pad = (id: number | string) => String(id).padStart(12, "0");
const mysqlTime = (isoTime: string) => isoTime.replace("T", " ").replace("Z", "");

async function* once<T>(rows: T[]): AsyncIterable<T[]> {
  yield rows;
}

/** Ids (and the new watermark) of rows of a MySQL table changed after `since`, the versions earlier runs took left out. */
async function changedIds(db: MySql, table: "users" | "memberships", since: Watermark | undefined, settleMs: number): Promise<{ ids: number[]; watermark?: Watermark }> {
  const where = since ? "WHERE updated_at > ? OR (updated_at = ? AND user_id > ?)" : "";
  const t = since ? mysqlTime(since.updatedAt) : undefined;
  const window = new SettleWindow(since, Date.now(), settleMs);
  const [rows] = await db.query(`SELECT user_id, updated_at FROM \`${table}\` ${where}`, since ? [t, t, Number(since.lastId)] : []);
  const ids = (rows as Array<{ user_id: number; updated_at: string }>).filter((r) => window.take(new Date(iso(r.updated_at)), () => pad(r.user_id))).map((r) => r.user_id);
  return { ids, watermark: window.watermark };
}

export type ExtractContext = {
  mysql: MySql; documents: DocumentStore; sessions: SessionStore; duck: DuckDB; dir: string; watermarks: Partial<Record<Source, Watermark>>;
  /** The settle window (ms): how long after its stamp a row may still commit and be read. */
  settleMs: number;
};

/** A run's extraction: where each source has read up to so far, and what it quarantined. */
type Extraction = ExtractContext & { next: Partial<Record<Source, Watermark>>; quarantined: Quarantined[] };

export async function extract(ctx: ExtractContext): Promise<Extracted> {
  const run: Extraction = { ...ctx, next: { ...ctx.watermarks }, quarantined: [] };
  const rows: Record<string, number> = {};
  rows.states = await extractStates(run);
  // Facts before dimensions: a workout or session read here belongs to a user who already exists, so
  // the users read below include them (a user who signs up meanwhile is picked up by the next batch).
  // The facts' three stores are read side by side: a run waits on the slowest, not on their sum.
  const [workouts, sessions, operations] = await allOrFirstFailure([extractWorkouts(run), beside(run, extractSessions), beside(run, extractOperations)]);
  rows.activity_logs = workouts.staged;
  rows.activity_logs_read = workouts.read;
  rows.sessions = sessions;
  Object.assign(rows, operations.rows);
  // The dimensions these facts name, after them: a store, vendor or product read above is in what is read here.
  Object.assign(rows, await extractStoresAndVendors(run));
  Object.assign(rows, await extractProducts(run));
  Object.assign(rows, await extractUsers(run));
  log(`etl: extracted ${Object.entries(rows).map(([k, v]) => `${k} ${v.toLocaleString("en-US")}`).join(", ")}; quarantined ${run.quarantined.length}`);
  return { rows, watermarks: run.next, quarantined: run.quarantined, orderTotals: operations.totals };
}

/** Runs `work` on a DuckDB connection of its own, beside the run's: each stages its own tables. */
async function beside<T>(run: Extraction, work: (run: Extraction) => Promise<T>): Promise<T> {
  const duck = await run.duck.connect();
  try {
    return await work({ ...run, duck });
  } finally {
    duck.close();
  }
}

/** Every promise's value, or the first failure once all have ended (none is left writing while the run cleans up). */
async function allOrFirstFailure<T extends readonly unknown[]>(work: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const outcomes = await Promise.allSettled(work);
  const failed = outcomes.find((o) => o.status === "rejected");
  if (failed) throw failed.reason;
  return outcomes.map((o) => (o as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** The operations' facts, all from MySQL: orders with their lines, store sales, inventory and inbound shipments. */
async function extractOperations(run: Extraction): Promise<{ rows: Record<string, number>; totals: OrderTotal[] }> {
  const orders = await extractOrders(run);
  const rows = { ...orders.rows, sales: await extractSales(run), inventory_snapshots: await extractInventorySnapshots(run), inbound_shipments: await extractInboundShipments(run) };
  return { rows, totals: orders.totals };
}

async function extractStates({ mysql, duck, dir }: Extraction): Promise<number> {
  const [states] = await mysql.query("SELECT state_code, name, region, country FROM states");
  return writeStaged(duck, dir, "src_states", COLUMNS.states, once(states as Record<string, unknown>[]));
}

/** Changed workout documents, each checked against the collection's schema, streamed in batches. */
async function extractWorkouts(run: Extraction): Promise<{ staged: number; read: number }> {
  const { documents, duck, dir, watermarks, next, quarantined, settleMs } = run;
  const filter = watermarks.activity_logs ? afterWatermark(watermarks.activity_logs) : {};
  const schema = COLLECTIONS.activity_logs.validator.$jsonSchema;
  let read = 0;
  const window = new SettleWindow(watermarks.activity_logs, Date.now(), settleMs);
  async function* workoutRows() {
    for await (const batch of documents.collection("activity_logs").stream(filter)) {
      read += batch.length;
      const good: Record<string, unknown>[] = [];
      for (const doc of batch) {
        // A document without a stamp breaks the schema: it is quarantined below, and never read again.
        if (doc.updated_at instanceof Date && !window.take(doc.updated_at, () => docId(doc))) continue;
        // DuckDB cannot place a moment in a zone it does not know: such a document waits in quarantine.
        const reason = violation(schema, doc) ?? (isTimeZone(String(doc.time_zone)) ? undefined : `time_zone "${doc.time_zone}" is not an IANA time zone`);
        if (reason) {
          quarantined.push({ source: "activity_logs", sourceId: JSON.stringify(doc._id), reason, document: doc });
          continue;
        }
        good.push({
          activity_id: String(doc._id), user_id: doc.user_id, activity_type: doc.activity_type, started_at: doc.started_at, time_zone: doc.time_zone,
          duration_min: doc.duration_min, distance_km: doc.distance_km, calories: doc.calories,
          avg_heart_rate: doc.avg_heart_rate, city: doc.city, state: doc.state, updated_at: doc.updated_at,
        });
      }
      yield good;
    }
  }
  const staged = await writeStaged(duck, dir, "src_activity_logs", COLUMNS.activity_logs, workoutRows());
  next.activity_logs = window.watermark;
  return { staged, read };
}

/** The first run scans; later ones read the days since the watermark from the by_seen_day index. */
async function extractSessions({ sessions, duck, dir, watermarks, next, settleMs }: Extraction): Promise<number> {
  const since = watermarks.sessions;
  const window = new SettleWindow(since, Date.now(), settleMs);
  async function* sessionRows() {
    for await (const page of since ? sessions.seenSince(since.updatedAt) : sessions.scan()) {
      const fresh = page.filter((s) => {
        const seen = new Date(s.last_seen_at);
        if (since && later(since, { updatedAt: seen.toISOString(), lastId: s.token_hash }) === since) return false;
        return window.take(seen, () => s.token_hash);
      });
      // A session without a known zone (one stored before zones were kept) is filed under the default zone.
      yield fresh.map((s) => (s.time_zone && isTimeZone(s.time_zone) ? s : { ...s, time_zone: DEFAULT_TIME_ZONE }));
    }
  }
  const staged = await writeStaged(duck, dir, "src_sessions", COLUMNS.sessions, sessionRows());
  next.sessions = window.watermark;
  return staged;
}

/** Users changed in `users`, in `memberships` or in their goals, each with their current goal. */
async function extractUsers({ mysql, documents, duck, dir, watermarks, next, settleMs }: Extraction): Promise<{ users: number; user_goals: number }> {
  const goalFilter = watermarks.user_goals ? afterWatermark(watermarks.user_goals) : {};
  const goalWindow = new SettleWindow(watermarks.user_goals, Date.now(), settleMs);
  const goalDocs = (await documents.collection("user_goals").find(goalFilter)).filter((doc) => !(doc.updated_at instanceof Date) || goalWindow.take(doc.updated_at, () => docId(doc)));
  next.user_goals = goalWindow.watermark;
  const changedUsers = await changedIds(mysql, "users", watermarks.users, settleMs);
  const changedMemberships = await changedIds(mysql, "memberships", watermarks.memberships, settleMs);
  next.users = changedUsers.watermark;
  next.memberships = changedMemberships.watermark;
  const userIds = [...new Set([...changedUsers.ids, ...changedMemberships.ids, ...goalDocs.map((d) => Number(d.user_id))])].sort((a, b) => a - b);

  async function* userRows() {
    for (let i = 0; i < userIds.length; i += USER_BATCH) {
      const [batch] = await mysql.query(
        `SELECT u.user_id, u.date_of_birth, u.gender, u.shopping_preference, c.name AS city, c.state_code AS state, m.tier AS membership_tier,
           u.created_at, GREATEST(u.updated_at, COALESCE(m.updated_at, u.updated_at)) AS changed_at
         FROM users u LEFT JOIN memberships m USING (user_id) LEFT JOIN cities c USING (city_id)
         WHERE u.user_id IN (?)`,
        [userIds.slice(i, i + USER_BATCH)],
      );
      yield batch as Record<string, unknown>[];
    }
  }
  const users = await writeStaged(duck, dir, "src_users", COLUMNS.users, userRows());

  // Every staged user needs their current goal, changed or not.
  const firstRun = !watermarks.user_goals && !watermarks.users;
  const goalsOf = firstRun ? goalDocs : await documents.collection("user_goals").find({ user_id: { $in: userIds } });
  const user_goals = await writeStaged(duck, dir, "src_user_goals", COLUMNS.user_goals, once(goalsOf.map((d) => ({
    user_id: d.user_id, goal_type: d.goal_type, target_workouts_per_week: d.target_workouts_per_week, updated_at: iso(d.updated_at),
  }))));
  return { users, user_goals };
}

/**
 * Orders changed since the watermark and every line of them, and the orders' monthly totals, all in
 * one consistent snapshot, so that the run can reconcile what it read with what MySQL holds. The
 * watermark never passes the snapshot's time: an order stamped later (a clock ahead, generated data
 * stamped in the future) is read again until its stamp has passed, never skipped.
 */
async function extractOrders({ mysql, duck, dir, watermarks, next }: Extraction): Promise<{ rows: Record<string, number>; totals: OrderTotal[] }> {
  const conn = await mysql.getConnection();
  try {
    await conn.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
    await conn.query("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
    const [[{ now }]] = (await conn.query("SELECT UTC_TIMESTAMP() AS now")) as unknown as [[{ now: string }]];
    const since = watermarks.orders;
    const t = since ? mysqlTime(since.updatedAt) : undefined;
    const [changed] = await conn.query(
      `SELECT order_id, updated_at FROM orders ${since ? "WHERE updated_at > ? OR (updated_at = ? AND order_id > ?)" : ""} ORDER BY updated_at, order_id`,
      since ? [t, t, Number(since.lastId)] : [],
    );
    const list = changed as Array<{ order_id: number; updated_at: string }>;
    const settled = list.filter((r) => r.updated_at <= now);
    const last = settled[settled.length - 1];
    if (last) next.orders = later(next.orders, { updatedAt: iso(last.updated_at), lastId: pad(last.order_id) });
    const ids = list.map((r) => r.order_id).sort((a, b) => a - b);

    // A first run reads every order: batches of consecutive ids are ranges, not lists.
    async function* inBatches(sql: (ids: string) => string) {
      for (let i = 0; i < ids.length; i += ORDER_BATCH) {
        const batch = ids.slice(i, i + ORDER_BATCH);
        const [rows] = since ? await conn.query(sql("IN (?)"), [batch]) : await conn.query(sql("BETWEEN ? AND ?"), [batch[0], batch[batch.length - 1]]);
        yield rows as Record<string, unknown>[];
      }
    }
    const orders = await writeStaged(duck, dir, "src_orders", COLUMNS.orders, inBatches((ids) =>
      `SELECT o.order_id, o.user_id, o.store_id, o.status, o.discount_id, o.total_amount, c.name AS ship_city, c.state_code AS ship_state, o.ordered_at, o.updated_at
       FROM orders o LEFT JOIN addresses a ON a.address_id = o.shipping_address_id LEFT JOIN cities c ON c.city_id = a.city_id
       WHERE o.order_id ${ids}`,
    ));
    const order_items = await writeStaged(duck, dir, "src_order_items", COLUMNS.order_items, inBatches((ids) =>
      `SELECT order_id, line_no, product_id, quantity, unit_price, discount_amount, net_amount FROM order_items WHERE order_id ${ids}`,
    ));
    const [totals] = await conn.query(
      "SELECT DATE_FORMAT(ordered_at, '%Y-%m') AS month, ROUND(SUM(total_amount) * 100) AS cents, COUNT(*) AS orders FROM orders GROUP BY 1 ORDER BY 1",
    );
    await conn.commit();
    return {
      rows: { orders, order_items },
      totals: (totals as Array<{ month: string; cents: number | string; orders: number }>).map((r) => ({ month: r.month, cents: Number(r.cents), orders: Number(r.orders) })),
    };
  } catch (error) {
    await conn.rollback().catch(() => undefined);
    throw error;
  } finally {
    conn.release();
  }
}

/** Sale lines are written once and never changed: new ones are those with an id above the watermark's, read in pages. */
async function extractSales({ mysql, duck, dir, watermarks, next }: Extraction): Promise<number> {
  let after = watermarks.sales ? Number(watermarks.sales.lastId) : 0;
  let newest = "";
  async function* pages() {
    for (;;) {
      const [rows] = await mysql.query("SELECT sale_id, store_id, user_id, product_id, quantity, unit_price, sold_at FROM sales WHERE sale_id > ? ORDER BY sale_id LIMIT ?", [after, PAGE]);
      const list = rows as Array<{ sale_id: number; sold_at: string }>;
      if (!list.length) return;
      after = list[list.length - 1].sale_id;
      for (const r of list) if (r.sold_at > newest) newest = r.sold_at;
      next.sales = { updatedAt: iso(newest), lastId: pad(after) };
      yield list as unknown as Record<string, unknown>[];
    }
  }
  return writeStaged(duck, dir, "src_sales", COLUMNS.sales, pages());
}

/** Snapshots after the watermark (snapshot date, then store and product), in pages: a quarter's snapshot is read once, also when it is written in parts in key order. */
async function extractInventorySnapshots({ mysql, duck, dir, watermarks, next }: Extraction): Promise<number> {
  const since = watermarks.inventory_snapshots;
  let position = since ? { day: since.updatedAt.slice(0, 10), store: Number(since.lastId.split("|")[0]), product: since.lastId.split("|")[1] } : undefined;
  async function* pages() {
    for (;;) {
      const [rows] = await mysql.query(
        // Ordered by the column, not by the formatted text of the same name: that order MariaDB can read off
        // the date index, where sorting by the text sorted all the rows left for every page (medium: 24 s, now 1.5 s).
        `SELECT store_id, product_id, DATE_FORMAT(snapshot_date, '%Y-%m-%d') AS snapshot_date, quantity FROM inventory_snapshots s
         ${position ? "WHERE s.snapshot_date > ? OR (s.snapshot_date = ? AND (store_id > ? OR (store_id = ? AND product_id > ?)))" : ""}
         ORDER BY s.snapshot_date, store_id, product_id LIMIT ?`,
        position ? [position.day, position.day, position.store, position.store, position.product, PAGE] : [PAGE],
      );
      const list = rows as Array<{ store_id: number; product_id: string; snapshot_date: string }>;
      if (!list.length) return;
      const last = list[list.length - 1];
      position = { day: last.snapshot_date, store: last.store_id, product: last.product_id };
      next.inventory_snapshots = { updatedAt: `${last.snapshot_date}T00:00:00.000Z`, lastId: `${pad(last.store_id)}|${last.product_id}` };
      yield list as unknown as Record<string, unknown>[];
    }
  }
  return writeStaged(duck, dir, "src_inventory_snapshots", COLUMNS.inventory_snapshots, pages());
}

/**
 * Shipments carry no change stamp, and only one still in transit changes (it is delivered or
 * cancelled): a run reads the new ones (id above the watermark's) and again those the warehouse
 * has in transit.
 */
async function extractInboundShipments({ mysql, duck, dir, watermarks, next }: Extraction): Promise<number> {
  const after = watermarks.inbound_shipments ? Number(watermarks.inbound_shipments.lastId) : 0;
  const [open] = watermarks.inbound_shipments ? await mysql.query("SELECT shipment_id FROM fact_inbound_shipment WHERE status = 'in transit'") : [[]];
  const openIds = (open as Array<{ shipment_id: number }>).map((r) => r.shipment_id);
  const columns = "shipment_id, vendor_id, product_id, store_id, quantity, DATE_FORMAT(shipped_on, '%Y-%m-%d') AS shipped_on, DATE_FORMAT(promised_on, '%Y-%m-%d') AS promised_on, DATE_FORMAT(delivered_on, '%Y-%m-%d') AS delivered_on, status";
  const [rows] = await mysql.query(`SELECT ${columns} FROM inbound_shipments WHERE shipment_id > ? ${openIds.length ? "OR shipment_id IN (?)" : ""} ORDER BY shipment_id`, openIds.length ? [after, openIds] : [after]);
  const list = rows as Array<{ shipment_id: number; shipped_on: string }>;
  const fresh = list.filter((r) => r.shipment_id > after);
  if (fresh.length) {
    const newest = fresh.reduce((a, r) => (r.shipped_on > a ? r.shipped_on : a), fresh[0].shipped_on);
    next.inbound_shipments = { updatedAt: `${newest}T00:00:00.000Z`, lastId: pad(fresh[fresh.length - 1].shipment_id) };
  }
  return writeStaged(duck, dir, "src_inbound_shipments", COLUMNS.inbound_shipments, once(list as unknown as Record<string, unknown>[]));
}

/** Stores and vendors are few: read whole on every run (the dimensions publish only what changed). */
async function extractStoresAndVendors({ mysql, duck, dir }: Extraction): Promise<{ stores: number; vendors: number }> {
  const [stores] = await mysql.query(
    "SELECT s.store_id, s.name, s.store_type, s.channel, c.name AS city, c.state_code AS state, s.opened_at FROM stores s LEFT JOIN cities c USING (city_id) ORDER BY s.store_id",
  );
  const [vendors] = await mysql.query("SELECT vendor_id, name, country FROM vendors ORDER BY vendor_id");
  return {
    stores: await writeStaged(duck, dir, "src_stores", COLUMNS.stores, once(stores as Record<string, unknown>[])),
    vendors: await writeStaged(duck, dir, "src_vendors", COLUMNS.vendors, once(vendors as Record<string, unknown>[])),
  };
}

/** Catalog products changed since the watermark, and every price each has had. */
async function extractProducts({ documents, duck, dir, watermarks, next, settleMs }: Extraction): Promise<{ products: number; product_prices: number }> {
  const filter = watermarks.products ? afterWatermark(watermarks.products) : {};
  const window = new SettleWindow(watermarks.products, Date.now(), settleMs);
  const docs = (await documents.collection("products").find(filter)).filter((doc) => !(doc.updated_at instanceof Date) || window.take(doc.updated_at, () => docId(doc)));
  next.products = window.watermark;
  const products = await writeStaged(duck, dir, "src_products", COLUMNS.products, once(docs.map((d) => ({
    product_id: d._id, name: d.name, category: d.category, subcategory: d.subcategory, sport: d.sport, vendor_id: d.vendor_id, price: d.price,
    created_at: d.created_at, updated_at: d.updated_at,
  }))));
  const prices = docs.flatMap((d) => {
    const history = Array.isArray(d.price_history) ? (d.price_history as Array<{ price: number; valid_from: Date }>) : [];
    return history.length ? history.map((p) => ({ product_id: d._id, price: p.price, valid_from: p.valid_from })) : [{ product_id: d._id, price: d.price, valid_from: d.created_at }];
  });
  const product_prices = await writeStaged(duck, dir, "src_product_prices", COLUMNS.product_prices, once(prices));
  return { products, product_prices };
}

/** Ids are compared as zero-padded text, so numeric and string ids order the same way in every store. */
const docId = (doc: Doc) => (typeof doc._id === "number" ? pad(doc._id) : String(doc._id));

function afterWatermark(w: Watermark): Record<string, unknown> {
  const at = new Date(w.updatedAt);
  const id = /^\d+$/.test(w.lastId) ? Number(w.lastId) : w.lastId;
  return { $or: [{ updated_at: { $gt: at } }, { updated_at: at, _id: { $gt: id } }] };
}
