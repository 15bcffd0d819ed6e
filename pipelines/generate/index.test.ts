import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDuckDB, type DuckDB } from "../../lib/duckdb.ts";
import { parseScale } from "../../lib/scale.ts";
import { generate, RAW_TABLES } from "./index.ts";
import { CHANNELS } from "../../domain/vocabulary.ts";
import { APP_USER_SHARE, monthMiddleDay } from "./model.ts";
import { FIXED_UNTIL } from "../../test-support/world.ts";

let root: string;
let duck: DuckDB;
const file = (dir: string, table: string) => join(root, dir, `${table}.parquet`);
const one = async <T>(sql: string) => (await duck.all<Record<string, T>>(sql))[0];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "nike-generate-"));
  duck = await openDuckDB();
  await generate({ scale: parseScale("tiny"), seed: 7, until: FIXED_UNTIL, outDir: join(root, "a") });
  await generate({ scale: parseScale("tiny"), seed: 7, until: FIXED_UNTIL, outDir: join(root, "b") });
  await generate({ scale: parseScale("tiny"), seed: 8, until: FIXED_UNTIL, outDir: join(root, "c") });
  await generate({ scale: parseScale("tiny"), seed: 7, until: "2025-03-15", outDir: join(root, "d") });
  await generate({ scale: parseScale("small"), seed: 7, until: FIXED_UNTIL, outDir: join(root, "small") });
});
afterAll(async () => {
  duck.close();
  await rm(root, { recursive: true, force: true });
});

describe("generate", () => {
  it("writes every table at the preset's scale", async () => {
    for (const table of RAW_TABLES) expect((await one<bigint>(`SELECT count(*) AS n FROM '${file("a", table)}'`)).n).toBeGreaterThan(0n);
    expect((await one<bigint>(`SELECT count(*) AS n FROM '${file("a", "users")}'`)).n).toBe(1000n);
    // A share of the customers use the app, and only they log workouts: at most 3× the 10 per customer of old.
    const logs = await one<bigint>(`SELECT count(*) AS n, count(DISTINCT user_id) AS users FROM '${file("a", "activity_logs")}'`);
    expect(Number(logs.n)).toBeLessThanOrEqual(30 * 1000);
    expect(Number(logs.users) / 1000).toBeCloseTo(APP_USER_SHARE, 1);
    expect((await one<bigint>(`SELECT count(*) AS n FROM '${file("a", "user_goals")}'`)).n).toBe(logs.users);
    expect((await one<bigint>(`SELECT count(DISTINCT text) AS n FROM '${file("a", "quotes")}'`)).n).toBeGreaterThanOrEqual(300n);
  });

  it("changes nothing after the day the data is as of: every updated_at is before --until", async () => {
    for (const table of RAW_TABLES) {
      const columns = await duck.all<{ column_name: string }>(`SELECT column_name FROM (DESCRIBE SELECT * FROM '${file("d", table)}')`);
      if (!columns.some((c) => c.column_name === "updated_at")) continue;
      const { late } = await one<bigint>(`SELECT count(*) AS late FROM '${file("d", table)}' WHERE updated_at >= TIMESTAMP '2025-03-15'`);
      expect({ table, late }).toEqual({ table, late: 0n });
    }
  });

  it("gives every user a notification channel that something delivers", async () => {
    const rows = await duck.all<{ channel: string }>(`SELECT DISTINCT channel FROM '${file("a", "user_goals")}' ORDER BY channel`);
    expect(rows.map((r) => r.channel)).toEqual([...CHANNELS].sort());
  });

  it("gives the same rows in the same order for the same seed and --until, and others for another", async () => {
    const digest = async (dir: string, table: string) => {
      const rows = await duck.all(`SELECT * FROM '${file(dir, table)}'`);
      return createHash("sha256").update(JSON.stringify(rows, (_k, v) => (typeof v === "bigint" ? v.toString() : v))).digest("hex");
    };
    for (const table of ["users", "activity_logs", "orders", "order_items", "inbound_shipments", "sessions"]) {
      expect(await digest("b", table)).toBe(await digest("a", table));
      expect(await digest("c", table)).not.toBe(await digest("a", table));
    }
    const span = (dir: string) => one<Date>(`SELECT min(started_at) AS first, max(started_at) AS last FROM '${file(dir, "activity_logs")}'`);
    expect(await span("a")).toMatchObject({ first: expect.any(Date), last: expect.any(Date) });
    // The history runs up to --until (nothing on or after it, even in UTC) from the first of the month 24 months earlier.
    const d = await span("d");
    expect(d.first.toISOString() >= "2023-03-01").toBe(true);
    expect(d.last.toISOString() < "2025-03-15").toBe(true);
    expect(d.last.toISOString() > "2025-03-10").toBe(true);
  });

  it("keeps referential integrity between tables", async () => {
    const orphans = async (child: string, column: string, parent: string, key = column) =>
      (await one<bigint>(`SELECT count(*) AS n FROM '${file("a", child)}' c WHERE c.${column} IS NOT NULL AND c.${column} NOT IN (SELECT ${key} FROM '${file("a", parent)}')`)).n;
    expect(await orphans("users", "city_id", "cities")).toBe(0n);
    expect(await orphans("cities", "state_code", "states")).toBe(0n);
    expect(await orphans("devices", "user_id", "users")).toBe(0n);
    expect(await orphans("activity_logs", "user_id", "users")).toBe(0n);
    expect(await orphans("user_goals", "user_id", "users")).toBe(0n);
    expect(await orphans("sessions", "user_id", "users")).toBe(0n);
    expect(await orphans("sessions", "device_id", "devices")).toBe(0n);
    expect(await orphans("orders", "user_id", "users")).toBe(0n);
    expect(await orphans("order_items", "order_id", "orders")).toBe(0n);
    expect(await orphans("order_items", "product_id", "products")).toBe(0n);
    expect(await orphans("sales", "employee_id", "employees")).toBe(0n);
    expect(await orphans("employees", "store_id", "stores")).toBe(0n);
    expect(await orphans("stores", "manager_employee_id", "employees", "employee_id")).toBe(0n);
    // A store's manager works at that store.
    expect((await one<bigint>(`SELECT count(*) AS n FROM '${file("a", "stores")}' s JOIN '${file("a", "employees")}' e ON e.employee_id = s.manager_employee_id WHERE e.store_id <> s.store_id`)).n).toBe(0n);
    // Payments equal the order's total.
    expect((await one<bigint>(`SELECT count(*) AS n FROM '${file("a", "payments")}' p JOIN '${file("a", "orders")}' o USING (order_id) WHERE p.amount <> o.total_amount`)).n).toBe(0n);
    expect(await orphans("addresses", "user_id", "users")).toBe(0n);
    expect(await orphans("addresses", "city_id", "cities")).toBe(0n);
    expect(await orphans("orders", "billing_address_id", "addresses", "address_id")).toBe(0n);
    expect(await orphans("orders", "shipping_address_id", "addresses", "address_id")).toBe(0n);
    expect(await orphans("orders", "discount_id", "discounts")).toBe(0n);
    expect(await orphans("orders", "store_id", "stores")).toBe(0n);
    expect(await orphans("employees", "role_id", "roles")).toBe(0n);
    expect(await orphans("roles", "department_id", "departments")).toBe(0n);
    expect(await orphans("departments", "manager_employee_id", "employees", "employee_id")).toBe(0n);
    expect(await orphans("payroll", "employee_id", "employees")).toBe(0n);
    expect(await orphans("performance_reviews", "employee_id", "employees")).toBe(0n);
    expect(await orphans("performance_reviews", "reviewer_employee_id", "employees", "employee_id")).toBe(0n);
    expect(await orphans("store_events", "store_id", "stores")).toBe(0n);
    expect(await orphans("vendor_contracts", "vendor_id", "vendors")).toBe(0n);
    expect(await orphans("supplied_products", "vendor_id", "vendors")).toBe(0n);
    expect(await orphans("inbound_shipments", "store_id", "stores")).toBe(0n);
    // Every product id the operational tables hold is in the catalog (MongoDB products).
    for (const table of ["order_items", "sales", "inventory", "inventory_snapshots", "supplied_products", "inbound_shipments"]) {
      expect(await orphans(table, "product_id", "products"), table).toBe(0n);
    }
    // Composite references: a shipment is of a product its vendor supplies; a snapshot is of a stocked pair.
    const pairOrphans = async (child: string, parent: string, columns: string) =>
      (await one<bigint>(`SELECT count(*) AS n FROM (SELECT ${columns} FROM '${file("a", child)}' EXCEPT SELECT ${columns} FROM '${file("a", parent)}')`)).n;
    expect(await pairOrphans("inbound_shipments", "supplied_products", "vendor_id, product_id")).toBe(0n);
    expect(await pairOrphans("inventory_snapshots", "inventory", "store_id, product_id")).toBe(0n);
    // Each product's catalog vendor supplies it.
    expect(await pairOrphans("products", "supplied_products", "vendor_id::INT, product_id")).toBe(0n);
  });

  it("keeps the latent segment out of the operational data", async () => {
    const columns = await duck.all<{ column_name: string }>(`DESCRIBE SELECT * FROM '${file("a", "users")}'`);
    expect(columns.map((c) => c.column_name)).not.toContain("segment");
    expect((await one<bigint>(`SELECT count(*) AS n FROM '${join(root, "a", "planted", "user_segments.parquet")}'`)).n).toBe(1000n);
  });

  it("plants seasons, hours, regions and segments that the data shows (small scale)", async () => {
    const truth = JSON.parse(await readFile(join(root, "small", "planted", "truth.json"), "utf8"));
    const logs = file("small", "activity_logs");
    const local = "timezone(time_zone, timezone('UTC', started_at))";
    const peaks = await duck.all<{ activity_type: string; month: number }>(`
      SELECT activity_type, arg_max(month, n)::INT AS month FROM (
        SELECT activity_type, month(${local}) AS month, count(*) AS n FROM '${logs}' GROUP BY ALL) GROUP BY ALL`);
    for (const { activity, peak_month } of truth.activities) {
      const found = peaks.find((p) => p.activity_type === activity)!.month;
      const distance = Math.min(Math.abs(found - peak_month), 12 - Math.abs(found - peak_month));
      expect(distance, `${activity}: peak month ${found}, planted ${peak_month}`).toBeLessThanOrEqual(1);
    }
    // Planted hours and months are local: the instants are UTC, each with the zone it happened in.
    const [{ hour }] = await duck.all<{ hour: number }>(`SELECT arg_max(h, n)::INT AS hour FROM (SELECT hour(${local}) AS h, count(*) AS n FROM '${logs}' GROUP BY 1)`);
    expect(truth.peak_hours).toContain(hour);
    const perUser = await duck.all<{ state: string; rate: number }>(`
      SELECT c.state_code AS state, count(l.user_id) / count(DISTINCT u.user_id) AS rate
      FROM '${file("small", "users")}' u JOIN '${file("small", "cities")}' c USING (city_id)
      LEFT JOIN '${logs}' l ON l.user_id = u.user_id GROUP BY 1 HAVING count(DISTINCT u.user_id) > 100 ORDER BY rate DESC`);
    expect(truth.top_states).toContain(perUser[0].state);
    const bySegment = await duck.all<{ segment: string; rate: number }>(`
      SELECT s.segment, count(l.user_id) / count(DISTINCT s.user_id) AS rate
      FROM '${join(root, "small", "planted", "user_segments.parquet")}' s LEFT JOIN '${logs}' l USING (user_id) GROUP BY 1`);
    const rate = (name: string) => bySegment.find((s) => s.segment === name)!.rate;
    expect(rate("runner")).toBeGreaterThan(3 * rate("casual"));
  });

  it("gives each segment's app users their planted weekly rate (within 20%), over a history with every month twice", async () => {
    const truth = JSON.parse(await readFile(join(root, "small", "planted", "truth.json"), "utf8"));
    const weeks = ((Date.parse(truth.history.end) - Date.parse(truth.history.start)) / 86_400_000 + 1) / 7;
    const logs = file("small", "activity_logs");
    const bySegment = await duck.all<{ segment: string; workouts: bigint; users: bigint }>(`
      SELECT s.segment, count(*) AS workouts, count(DISTINCT l.user_id) AS users
      FROM '${logs}' l JOIN '${join(root, "small", "planted", "user_segments.parquet")}' s USING (user_id) GROUP BY 1`);
    expect(bySegment).toHaveLength(truth.segments.length);
    for (const planted of truth.segments) {
      const found = bySegment.find((s) => s.segment === planted.name)!;
      const perWeek = Number(found.workouts) / Number(found.users) / weeks;
      expect(Math.abs(perWeek / planted.workouts_per_week - 1), `${planted.name}: ${perWeek.toFixed(2)} a week, planted ${planted.workouts_per_week}`).toBeLessThan(0.2);
    }
    const appUsers = bySegment.reduce((n, s) => n + Number(s.users), 0);
    expect(appUsers / 10_000).toBeCloseTo(truth.app_user_share, 1);
    const months = await duck.all<{ month: number; years: bigint }>(`
      SELECT month(timezone(time_zone, timezone('UTC', started_at))) AS month, count(DISTINCT year(timezone(time_zone, timezone('UTC', started_at)))) AS years
      FROM '${logs}' GROUP BY 1`);
    expect(months).toHaveLength(12);
    for (const m of months) expect(Number(m.years), `month ${m.month}`).toBeGreaterThanOrEqual(2);
  });
});

describe("operational data", () => {
  it("makes every order's total the exact sum of its lines' net amounts, each line priced from the catalog on the order's day", async () => {
    const orders = file("a", "orders");
    const items = file("a", "order_items");
    // DECIMAL throughout: the comparisons are exact, with no tolerance.
    expect((await one<bigint>(`SELECT count(*) AS n FROM '${orders}' o LEFT JOIN (SELECT order_id, sum(net_amount) AS t FROM '${items}' GROUP BY 1) i USING (order_id) WHERE i.t IS NULL OR o.total_amount <> i.t`)).n).toBe(0n);
    expect((await one<bigint>(`SELECT count(*) AS n FROM '${items}' WHERE net_amount <> quantity * unit_price - discount_amount OR discount_amount < 0 OR quantity < 1`)).n).toBe(0n);
    const types = await duck.all<{ column_name: string; column_type: string }>(`DESCRIBE SELECT unit_price, discount_amount, net_amount FROM '${items}'`);
    for (const t of types) expect(t.column_type, t.column_name).toMatch(/^DECIMAL/);
    // A discount is used only while it runs, and takes its share off every line of the order.
    const discounted = await one<bigint>(`
      SELECT count(*) AS n, count(*) FILTER (WHERE o.ordered_at::DATE NOT BETWEEN d.starts_on AND d.ends_on) AS outside,
        count(*) FILTER (WHERE i.discount_amount <> (i.quantity * i.unit_price * d.percent_off * 0.01)::DECIMAL(10, 2)) AS wrong
      FROM '${orders}' o JOIN '${file("a", "discounts")}' d USING (discount_id) JOIN '${items}' i USING (order_id)`);
    expect(discounted.n).toBeGreaterThan(0n);
    expect(discounted.outside).toBe(0n);
    expect(discounted.wrong).toBe(0n);
    expect((await one<bigint>(`SELECT count(*) AS n FROM '${file("a", "discounts")}' WHERE ends_on < starts_on`)).n).toBe(0n);
    // The catalog keeps every price a product has had; a line's unit price is the one valid when the order was placed.
    const prices = `(SELECT product_id, unnest(from_json(price_history, '[{"price": "DECIMAL(10,2)", "valid_from": "TIMESTAMP"}]'), recursive := true) FROM '${file("a", "products")}')`;
    const priced = await one<bigint>(`
      WITH p AS (SELECT product_id, price, valid_from, lead(valid_from, 1, TIMESTAMP '9999-12-31') OVER (PARTITION BY product_id ORDER BY valid_from) AS valid_to FROM ${prices})
      SELECT count(*) AS n, count(*) FILTER (WHERE p.price IS DISTINCT FROM i.unit_price) AS wrong
      FROM '${items}' i JOIN '${orders}' o USING (order_id) LEFT JOIN p ON p.product_id = i.product_id AND o.ordered_at >= p.valid_from AND o.ordered_at < p.valid_to`);
    expect(priced.wrong).toBe(0n);
    expect((await one<bigint>(`SELECT count(DISTINCT product_id) AS n FROM ${prices} WHERE valid_from > TIMESTAMP '2021-01-01'`)).n).toBeGreaterThan(50n);
  });

  it("keeps the rows within their constraints", async () => {
    expect((await one<bigint>(`SELECT count(*) AS n FROM '${file("a", "performance_reviews")}' WHERE score NOT BETWEEN 1 AND 10`)).n).toBe(0n);
    expect((await one<bigint>(`SELECT count(DISTINCT score) AS n FROM '${file("a", "performance_reviews")}'`)).n).toBeGreaterThan(5n);
    expect((await one<bigint>(`SELECT count(*) AS n FROM '${file("a", "payroll")}' WHERE period_end < period_start OR tax_withheld > gross_pay OR tax_withheld < 0`)).n).toBe(0n);
    expect((await one<bigint>(`SELECT count(*) AS n FROM '${file("a", "vendor_contracts")}' WHERE ends_on < starts_on`)).n).toBe(0n);
    expect((await one<bigint>(`SELECT count(*) AS n FROM '${file("a", "inbound_shipments")}' WHERE promised_on < shipped_on OR delivered_on < shipped_on OR (status = 'delivered') <> (delivered_on IS NOT NULL)`)).n).toBe(0n);
    // A physical store sells in store; the online ones on the web or in an app.
    expect(await duck.all(`SELECT store_type, channel, count(*)::INT AS n FROM '${file("a", "stores")}' GROUP BY ALL ORDER BY ALL`)).toEqual([
      { store_type: "online", channel: "app", n: 2 }, { store_type: "online", channel: "web", n: 1 }, { store_type: "physical", channel: "in-store", n: 75 },
    ]);
  });

  it("plants what each segment buys: its top categories by lift, its spend and its channels (small scale)", async () => {
    const truth = JSON.parse(await readFile(join(root, "small", "planted", "truth.json"), "utf8"));
    const segments = join(root, "small", "planted", "user_segments.parquet");
    const lines = `(SELECT s.segment, o.order_id, p.sport FROM '${file("small", "order_items")}' i JOIN '${file("small", "orders")}' o USING (order_id)
      JOIN '${segments}' s USING (user_id) JOIN '${file("small", "products")}' p USING (product_id))`;
    const lift = await duck.all<{ segment: string; sport: string; lift: number }>(`
      WITH seg AS (SELECT segment, sport, count(*) / sum(count(*)) OVER (PARTITION BY segment) AS share FROM ${lines} GROUP BY segment, sport),
      overall AS (SELECT sport, count(*) / sum(count(*)) OVER () AS share FROM ${lines} GROUP BY sport)
      SELECT segment, sport, seg.share / overall.share AS lift FROM seg JOIN overall USING (sport) ORDER BY segment, lift DESC`);
    const spend = await duck.all<{ segment: string; lines: number }>(`SELECT segment, count(*) / count(DISTINCT order_id) AS lines FROM ${lines} GROUP BY segment`);
    const channels = await duck.all<{ segment: string; channel: string; share: number }>(`
      SELECT s.segment, st.channel, count(*) / sum(count(*)) OVER (PARTITION BY s.segment) AS share
      FROM '${file("small", "orders")}' o JOIN '${file("small", "stores")}' st USING (store_id) JOIN '${segments}' s USING (user_id) GROUP BY s.segment, st.channel`);
    const tops = new Set<string>();
    for (const planted of truth.purchases) {
      const found = lift.filter((l) => l.segment === planted.segment).slice(0, 3).map((l) => l.sport);
      expect(found[0], `${planted.segment}: top ${found}, planted ${planted.top_categories}`).toBe(planted.top_categories[0]);
      expect(found.filter((c) => planted.top_categories.includes(c)).length, `${planted.segment}: top ${found}, planted ${planted.top_categories}`).toBeGreaterThanOrEqual(2);
      tops.add([...planted.top_categories].sort().join());
      const perOrder = spend.find((s) => s.segment === planted.segment)!.lines;
      expect(Math.abs(perOrder / planted.mean_lines_per_order - 1), `${planted.segment}: ${perOrder} lines an order`).toBeLessThan(0.1);
      for (const [channel, share] of Object.entries(planted.channels as Record<string, number>)) {
        expect(Math.abs(channels.find((c) => c.segment === planted.segment && c.channel === channel)!.share - share), `${planted.segment} ${channel}`).toBeLessThan(0.06);
      }
    }
    expect(tops.size).toBe(truth.purchases.length);
  });

  it("plants each sport's sales season ahead of its activity peak by the planted lead (small scale)", async () => {
    const truth = JSON.parse(await readFile(join(root, "small", "planted", "truth.json"), "utf8"));
    const months = await duck.all<{ sport: string; month: number; n: number }>(`
      SELECT sport, month, count(*)::DOUBLE AS n FROM (
        SELECT p.sport, month(o.ordered_at) AS month FROM '${file("small", "order_items")}' i JOIN '${file("small", "orders")}' o USING (order_id) JOIN '${file("small", "products")}' p USING (product_id)
        UNION ALL SELECT p.sport, month(s.sold_at) FROM '${file("small", "sales")}' s JOIN '${file("small", "products")}' p USING (product_id))
      GROUP BY ALL`);
    const year = 365.25;
    for (const season of truth.category_seasons) {
      // The sales peak as the circular mean of the monthly counts (each month at its middle), against the middle of the activity's peak month.
      let x = 0;
      let y = 0;
      for (const m of months.filter((r) => r.sport === season.category)) {
        const angle = (2 * Math.PI * monthMiddleDay(Number(m.month))) / year;
        x += m.n * Math.cos(angle);
        y += m.n * Math.sin(angle);
      }
      const salesPeak = (Math.atan2(y, x) / (2 * Math.PI)) * year;
      const lead = ((((monthMiddleDay(season.activity_peak_month) - salesPeak) % year) + 1.5 * year) % year - year / 2) / 7;
      // Ahead of the activity, and by about the planted lead.
      expect(lead, `${season.category}: sells ${lead.toFixed(1)} weeks ahead`).toBeGreaterThan(1);
      expect(Math.abs(lead - season.lead_weeks), `${season.category}: sells ${lead.toFixed(1)} weeks ahead, planted ${season.lead_weeks}`).toBeLessThan(2.5);
    }
  });

  it("plants the late vendors: they deliver late far more often than the rest (small scale)", async () => {
    const truth = JSON.parse(await readFile(join(root, "small", "planted", "truth.json"), "utf8"));
    const rates = await duck.all<{ vendor_id: number; name: string; late: number }>(`
      SELECT i.vendor_id::INT AS vendor_id, v.name, avg((i.delivered_on > i.promised_on)::INT) AS late
      FROM '${file("small", "inbound_shipments")}' i JOIN '${file("small", "vendors")}' v USING (vendor_id)
      WHERE i.status = 'delivered' GROUP BY ALL ORDER BY late DESC`);
    const late = truth.late_vendors.vendors as Array<{ vendor_id: number; name: string }>;
    expect(rates.slice(0, late.length).map((r) => r.vendor_id).sort()).toEqual(late.map((v) => v.vendor_id).sort());
    for (const v of late) expect(rates.find((r) => r.vendor_id === v.vendor_id)!.name).toBe(v.name);
    const slowest = rates.slice(0, late.length).map((r) => r.late);
    const rest = rates.slice(late.length).map((r) => r.late);
    expect(Math.min(...slowest)).toBeGreaterThan(2 * Math.max(...rest));
    expect(Math.abs(rest.reduce((a, b) => a + b, 0) / rest.length - truth.late_vendors.other_late_rate)).toBeLessThan(0.03);
  });
});
