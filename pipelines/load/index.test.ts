import { rename, truncate } from "node:fs/promises";
import { join } from "node:path";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawDir } from "../../lib/config.ts";
import { openDuckDB } from "../../lib/duckdb.ts";
import { StoreUnreachableError, UserError } from "../../lib/errors.ts";
import { parseScale } from "../../lib/scale.ts";
import { createWorld, FIXED_UNTIL, type World } from "../../test-support/world.ts";
import { openDocumentStore } from "../../stores/documents.ts";
import { applySchema, connectMysql } from "../../stores/mysql.ts";
import { openSessionStore } from "../../stores/sessions.ts";
import { generate, type RawTable } from "../generate/index.ts";
import { DEPARTMENTS, ROLES } from "../generate/workforce.ts";
import { loadDocuments } from "./documents.ts";
import { load } from "./index.ts";
import { checkRawFiles, rawFile } from "./raw-files.ts";
import { MYSQL_TABLES } from "./mysql.ts";
import { checkRawValues, tableRules } from "./raw-values.ts";
import { loadSessions } from "./sessions.ts";

let world: World;
beforeAll(async () => {
  world = await createWorld();
  await generate({ scale: parseScale("tiny"), seed: 3, until: FIXED_UNTIL, outDir: rawDir(world.config) });
});
afterAll(async () => world?.dispose());

async function mysqlCounts(url: string): Promise<Record<string, number>> {
  const db = await connectMysql(url, 1);
  try {
    const counts: Record<string, number> = {};
    for (const table of MYSQL_TABLES) {
      const [rows] = await db.query(`SELECT count(*) AS n FROM \`${table}\``);
      counts[table] = Number((rows as Array<{ n: number }>)[0].n);
    }
    return counts;
  } finally {
    await db.end();
  }
}

describe("load", () => {
  it("loads every store, and a rerun duplicates nothing", async () => {
    const first = await load(world.config);
    expect(first.mysql.rows.users).toBe(1000);
    const counts = await mysqlCounts(world.config.mysqlUrl);
    for (const table of MYSQL_TABLES) expect(counts[table], table).toBe(first.mysql.rows[table]);

    const second = await load(world.config);
    expect(await mysqlCounts(world.config.mysqlUrl)).toEqual(counts);
    expect(second.documents.rows).toEqual(first.documents.rows);

    const documents = await openDocumentStore(world.config);
    const raw = async (table: string) => {
      const duck = await openDuckDB();
      try {
        return Number((await duck.all<{ n: bigint }>(`SELECT count(*) AS n FROM '${rawFile(rawDir(world.config), table as RawTable)}'`))[0].n);
      } finally {
        duck.close();
      }
    };
    expect(await documents.collection("activity_logs").countDocuments()).toBe(await raw("activity_logs"));
    expect(await documents.collection("user_goals").countDocuments()).toBe(await raw("user_goals"));
    const goal = await documents.collection("user_goals").findOne({});
    expect(goal?.notifications).toMatchObject({ channel: expect.any(String), time_zone: expect.stringMatching(/^America\//) });
    expect(await documents.collection("activity_logs").findOne({})).toMatchObject({ started_at: expect.any(Date), time_zone: expect.stringMatching(/^America\//) });
    await documents.close();

    const sessions = await openSessionStore(world.config);
    let n = 0;
    for await (const page of sessions.scan()) n += page.length;
    expect(n).toBe(first.sessions);
    await sessions.close();
  });

  it("keeps foreign keys valid once loaded", async () => {
    const db = await connectMysql(world.config.mysqlUrl, 1);
    const [rows] = await db.query("SELECT count(*) AS n FROM devices d LEFT JOIN users u USING (user_id) WHERE u.user_id IS NULL");
    expect(Number((rows as Array<{ n: number }>)[0].n)).toBe(0);
    const [fk] = await db.query("SELECT count(*) AS n FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()");
    expect(Number((fk as Array<{ n: number }>)[0].n)).toBeGreaterThanOrEqual(35);
    await db.end();
  });

  it("loads the operational data whole: order totals are the sum of their lines, every product id is in the catalog", async () => {
    const db = await connectMysql(world.config.mysqlUrl, 1);
    const count = async (sql: string) => Number(((await db.query(sql))[0] as Array<{ n: number }>)[0].n);
    try {
      expect(await count("SELECT count(*) AS n FROM orders o LEFT JOIN (SELECT order_id, SUM(net_amount) AS t FROM order_items GROUP BY order_id) i USING (order_id) WHERE i.t IS NULL OR o.total_amount <> i.t")).toBe(0);
      expect(await count("SELECT count(*) AS n FROM orders WHERE total_amount > 0")).toBeGreaterThan(900);
      expect(await count("SELECT count(*) AS n FROM employees e JOIN roles r USING (role_id) JOIN departments d USING (department_id)")).toBe(await count("SELECT count(*) AS n FROM employees"));
      const documents = await openDocumentStore(world.config);
      try {
        const catalog = new Set((await documents.collection("products").find({})).map((p) => p._id as string));
        for (const table of ["order_items", "sales", "inventory", "inventory_snapshots", "supplied_products", "inbound_shipments"]) {
          const [rows] = await db.query(`SELECT DISTINCT product_id FROM ${table}`);
          const ids = (rows as Array<{ product_id: string }>).map((r) => r.product_id);
          expect(ids.length, table).toBeGreaterThan(0);
          expect(ids.filter((id) => !catalog.has(id)), table).toEqual([]);
        }
        // The catalog keeps each product's prices; the current one is the last.
        const changed = await documents.collection("products").findOne({ "price_history.1": { $exists: true } });
        expect(changed?.price_history).toEqual(expect.arrayContaining([expect.objectContaining({ price: expect.any(Number), valid_from: expect.any(Date) })]));
        const history = changed!.price_history as Array<{ price: number }>;
        expect(history.at(-1)!.price).toBe(changed!.price);
      } finally {
        await documents.close();
      }
    } finally {
      await db.end();
    }
  });

  it("enforces the operational constraints in MySQL", async () => {
    const db = await connectMysql(world.config.mysqlUrl, 1);
    // What MySQL said: "accepted", the CHECK constraint that failed (MariaDB's error 4025), or the error's code.
    const refused = (sql: string) =>
      db.query(sql).then(
        () => "accepted",
        (e: { code?: string; message: string }) => /CONSTRAINT `(\w+)` failed/.exec(e.message)?.[1] ?? e.code,
      );
    try {
      // A discount that ends before it starts; a review scored 11 (or 0); a line whose net is not quantity × price − discount.
      expect(await refused("INSERT INTO discounts VALUES (9001, 'BACKWARDS', 'ends first', 10, '2025-02-01', '2025-01-31')")).toBe("ck_discounts_dates");
      expect(await refused("INSERT INTO discounts VALUES (9002, 'ONEDAY', 'one day only', 10, '2025-02-01', '2025-02-01')")).toBe("accepted");
      expect(await refused("INSERT INTO performance_reviews VALUES (990001, 2, NULL, '2025-12-01', 11, NULL)")).toBe("ck_performance_reviews_score");
      expect(await refused("INSERT INTO performance_reviews VALUES (990002, 2, NULL, '2025-12-02', 0, NULL)")).toBe("ck_performance_reviews_score");
      expect(await refused("INSERT INTO performance_reviews VALUES (990003, 2, NULL, '2025-12-03', 10, 'top marks')")).toBe("accepted");
      expect(await refused("INSERT INTO order_items VALUES (1, 99, 'P000001', 2, 10.00, 1.00, 20.00)")).toBe("ck_order_items_net");
      expect(await refused("INSERT INTO order_items VALUES (1, 99, 'P000001', 2, 10.00, 1.00, 19.00)")).toBe("accepted");
      // A payslip taxing more than it pays; a shipment delivered before it left; a vendor shipping a product it does not supply.
      expect(await refused("INSERT INTO payroll VALUES (990001, 2, '2025-01-01', '2025-01-31', 100.00, 150.00, '2025-01-31')")).toBe("ck_payroll_amounts");
      expect(await refused("INSERT INTO inbound_shipments VALUES (990001, 1, 'P000001', 1, 10, '2025-03-01', '2025-03-20', '2025-02-01', 'delivered')")).toBe("ck_inbound_shipments_dates");
      expect(await refused("INSERT INTO inbound_shipments VALUES (990002, 1, 'P999999', 1, 10, '2025-03-01', '2025-03-20', NULL, 'in transit')")).toBe("ER_NO_REFERENCED_ROW_2");
      // An online store cannot sell in store.
      expect(await refused("UPDATE stores SET channel = 'in-store' WHERE store_type = 'online' LIMIT 1")).toBe("ck_stores_channel");
    } finally {
      await db.query("DELETE FROM discounts WHERE discount_id > 9000");
      await db.query("DELETE FROM performance_reviews WHERE review_id > 990000");
      await db.query("DELETE FROM order_items WHERE order_id = 1 AND line_no = 99");
      await db.end();
    }
  });

  it("has the migration's departments and roles, as the generator writes them", async () => {
    const fresh = await createWorld();
    const db = await connectMysql(fresh.config.mysqlUrl, 1);
    try {
      await applySchema(db);
      const [roles] = await db.query("SELECT role_id, title, department_id, description, min_salary, max_salary FROM roles ORDER BY role_id");
      expect(roles).toEqual(ROLES.map((r) => ({ ...r })));
      const [departments] = await db.query("SELECT department_id, name FROM departments ORDER BY department_id");
      expect(departments).toEqual(DEPARTMENTS.map((d) => ({ ...d })));
    } finally {
      await db.end();
      await fresh.dispose();
    }
  });

  it("refuses rows that name a product the catalog lacks, and writes nothing", async () => {
    const other = await createWorld();
    const duck = await openDuckDB();
    try {
      const dir = rawDir(other.config);
      await generate({ scale: parseScale("tiny"), seed: 3, until: FIXED_UNTIL, outDir: dir });
      const sales = rawFile(dir, "sales");
      await duck.run(`COPY (SELECT * REPLACE (CASE WHEN sale_id = 1 THEN 'P999999' ELSE product_id END AS product_id) FROM '${sales}') TO '${sales}.new' (FORMAT parquet)`);
      await rename(`${sales}.new`, sales);
      const error = await load(other.config).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UserError);
      expect((error as Error).message).toContain("sales.parquet names products the catalog (products.parquet) does not have, such as P999999");
      const conn = await mysql.createConnection({ host: "127.0.0.1", port: 3306, user: "root" });
      const [dbs] = await conn.query("SHOW DATABASES LIKE ?", [other.database]);
      expect(dbs).toHaveLength(0);
      await conn.end();
    } finally {
      duck.close();
      await other.dispose();
    }
  });

  it("refuses a duplicate user id, a duplicate e-mail (in another case) and an order of a missing user before loading, naming file, row and key, and writes nothing", async () => {
    const other = await createWorld();
    const duck = await openDuckDB();
    try {
      const dir = rawDir(other.config);
      await generate({ scale: parseScale("tiny"), seed: 3, until: FIXED_UNTIL, outDir: dir });
      const users = rawFile(dir, "users");
      const orders = rawFile(dir, "orders");
      for (const file of [users, orders]) await duck.run(`COPY (SELECT * FROM read_parquet('${file}')) TO '${file}.good' (FORMAT parquet)`);
      const refusal = async (table: "users" | "orders", select: string) => {
        const file = rawFile(dir, table);
        await duck.run(`COPY (${select}) TO '${file}' (FORMAT parquet)`);
        const error = await load(other.config).catch((e: unknown) => e);
        await duck.run(`COPY (SELECT * FROM read_parquet('${file}.good')) TO '${file}' (FORMAT parquet)`);
        expect(error).toBeInstanceOf(UserError);
        return (error as Error).message;
      };
      // Rows 1001: a second user 2, then a user whose e-mail is user 3's in capitals (MySQL's collation ignores case).
      expect(await refusal("users", `SELECT * FROM read_parquet('${users}.good') UNION ALL SELECT * REPLACE ('someone.else@example.com' AS email) FROM read_parquet('${users}.good') WHERE user_id = 2`))
        .toContain(`${users} row 1001 repeats user_id = 2 of row 2 (key PRIMARY of users)`);
      const [third] = await duck.all<{ email: string }>(`SELECT email FROM read_parquet('${users}.good') WHERE user_id = 3`);
      expect(await refusal("users", `SELECT * FROM read_parquet('${users}.good') UNION ALL SELECT * REPLACE (5000 AS user_id, upper(email) AS email) FROM read_parquet('${users}.good') WHERE user_id = 3`))
        .toContain(`${users} row 1001 repeats email = ${third.email.toUpperCase()} of row 3 (key uq_users_email of users)`);
      expect(await refusal("orders", `SELECT * REPLACE (CASE WHEN order_id = (SELECT min(order_id) FROM read_parquet('${orders}.good')) THEN 999999 ELSE user_id END AS user_id) FROM read_parquet('${orders}.good')`))
        .toContain(`${orders} row 1: user_id = 999999 names no row of ${users} (foreign key fk_orders_user of orders)`);
      // Nothing was written: no row in any table but the departments and roles the migration holds, no document.
      const { departments, roles, ...loaded } = await mysqlCounts(other.config.mysqlUrl);
      expect([departments, roles]).toEqual([DEPARTMENTS.length, ROLES.length]);
      expect(Object.entries(loaded).filter(([, n]) => n > 0)).toEqual([]);
      const documents = await openDocumentStore(other.config);
      expect(await documents.collection("user_goals").countDocuments()).toBe(0);
      await documents.close();
      // The same files, whole again, load.
      expect((await load(other.config)).mysql.rows.users).toBe(1000);
    } finally {
      duck.close();
      await other.dispose();
    }
  });

  it("refuses values MySQL would refuse (a CHECK constraint, an enum member, a name too long, a NULL) before loading, naming file, row and rule, and writes nothing", async () => {
    const other = await createWorld();
    const duck = await openDuckDB();
    try {
      const dir = rawDir(other.config);
      await generate({ scale: parseScale("tiny"), seed: 3, until: FIXED_UNTIL, outDir: dir });
      /** The load's error once `replace` (a REPLACE list that may use file_row_number, from 0) changed the file. */
      const refusal = async (table: RawTable, replace: string) => {
        const file = rawFile(dir, table);
        await rename(file, `${file}.good`);
        await duck.run(`COPY (SELECT * EXCLUDE (file_row_number) REPLACE (${replace}) FROM read_parquet('${file}.good', file_row_number = true)) TO '${file}' (FORMAT parquet)`);
        const error = await load(other.config).catch((e: unknown) => e);
        await rename(`${file}.good`, file);
        expect(error).toBeInstanceOf(UserError);
        return (error as Error).message;
      };
      const third = (column: string, value: string) => `CASE WHEN file_row_number = 2 THEN ${value} ELSE ${column} END AS ${column}`;
      // The third discount ends before it starts; the third order line's net is a cent off (the others, in exact decimals, are right).
      const [discount] = await duck.all<{ starts_on: string }>(`SELECT CAST(starts_on AS VARCHAR) AS starts_on FROM read_parquet('${rawFile(dir, "discounts")}') LIMIT 1 OFFSET 2`);
      expect(await refusal("discounts", third("ends_on", "starts_on - 3")))
        .toMatch(new RegExp(`^${rawFile(dir, "discounts")} row 3: breaks ck_discounts_dates of discounts \\(\`ends_on\` >= \`starts_on\`\\) with ends_on = [-\\d]+, starts_on = ${discount.starts_on}; nothing was loaded\\.`));
      expect(await refusal("order_items", third("net_amount", "net_amount + 0.01")))
        .toMatch(/order_items\.parquet row 3: breaks ck_order_items_net of order_items \(.*\) with net_amount = [\d.]+, quantity = \d+, unit_price = [\d.]+, discount_amount = [\d.]+; nothing was loaded/);
      // An online store selling in store: MariaDB prints the constraint as a chain of comparisons.
      expect(await refusal("stores", "CASE WHEN store_type = 'online' THEN 'in-store' ELSE channel END AS channel")).toContain("breaks ck_stores_channel of stores");
      expect(await refusal("users", third("gender", "'unknown'")))
        .toContain(`${rawFile(dir, "users")} row 3: gender = 'unknown' is none of users.gender (enum('female','male','nonbinary'))'s values`);
      expect(await refusal("users", third("first_name", "repeat('x', 65)"))).toContain("row 3: first_name has 65 characters, more than users.first_name (varchar(64)) holds");
      expect(await refusal("users", third("email", "NULL"))).toContain("row 3: email is NULL, and users.email (varchar(190)) is NOT NULL");
      // Nothing was written: no row in any table but the migration's departments and roles, no document.
      const { departments, roles, ...loaded } = await mysqlCounts(other.config.mysqlUrl);
      expect([departments, roles]).toEqual([DEPARTMENTS.length, ROLES.length]);
      expect(Object.entries(loaded).filter(([, n]) => n > 0)).toEqual([]);
      const documents = await openDocumentStore(other.config);
      expect(await documents.collection("activity_logs").countDocuments()).toBe(0);
      await documents.close();
      // A member in capitals is that member to MySQL, so it passes; so does every generated value.
      const users = rawFile(dir, "users");
      await duck.run(`COPY (SELECT * REPLACE (upper(gender) AS gender) FROM read_parquet('${users}')) TO '${users}.upper' (FORMAT parquet)`);
      await rename(`${users}.upper`, users);
      expect((await load(other.config)).mysql.rows.users).toBe(1000);
      expect(Object.entries(await mysqlCounts(other.config.mysqlUrl)).filter(([, n]) => n === 0)).toEqual([]);
    } finally {
      duck.close();
      await other.dispose();
    }
  });

  it("raises a store's error only once the store loading beside it has finished, so neither is cut off half-way", async () => {
    const other = await createWorld();
    const duck = await openDuckDB();
    try {
      const dir = rawDir(other.config);
      await generate({ scale: parseScale("tiny"), seed: 3, until: FIXED_UNTIL, outDir: dir });
      // A price the document store's validator refuses: the documents fail on their first collection, while MySQL is still loading.
      const products = rawFile(dir, "products");
      await rename(products, `${products}.good`);
      const breakPrices = (which: string) => duck.run(`COPY (SELECT * REPLACE (CASE WHEN ${which} THEN -price ELSE price END AS price) FROM read_parquet('${products}.good')) TO '${products}' (FORMAT parquet)`);
      await breakPrices("true");
      const error = await load(other.config).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UserError);
      expect((error as Error).message).toMatch(/^The document store refused document "P\d{6}" of raw products: document\.price must be ≥ 0\. The documents stored before it and beside it stay/);
      // MySQL's load ran to its commit, whole: every table holds every row of its file.
      const counts = await checkRawFiles(duck, dir);
      const loaded = await mysqlCounts(other.config.mysqlUrl);
      expect(MYSQL_TABLES.filter((table) => loaded[table] !== counts[table])).toEqual([]);
      const documents = await openDocumentStore(other.config);
      expect(await documents.collection("activity_logs").countDocuments()).toBe(0);
      await documents.close();
      // Fixed, the files load; a rerun over stored documents replaces them by key, and its refusal names the document too.
      await rename(`${products}.good`, products);
      expect((await load(other.config)).documents.rows.products).toBe(counts.products);
      await rename(products, `${products}.good`);
      await breakPrices("product_id = 'P000007'");
      await expect(load(other.config)).rejects.toThrow(/^The document store refused document "P000007" of raw products: document\.price must be ≥ 0\./);
    } finally {
      duck.close();
      await other.dispose();
    }
  });

  it("evaluates every CHECK constraint of the schema in DuckDB before loading, leaving none to MySQL", async () => {
    const db = await connectMysql(world.config.mysqlUrl, 1);
    const duck = await openDuckDB();
    try {
      const rules = await tableRules(db, MYSQL_TABLES);
      expect(rules.checks.length).toBeGreaterThanOrEqual(18);
      expect(await checkRawValues(duck, rawDir(world.config), MYSQL_TABLES, rules)).toEqual([]);
      // A clause it cannot read is left to MySQL and said so, rather than stopping a good load.
      const unreadable = { ...rules, checks: [...rules.checks, { table: "discounts" as const, name: "ck_odd", clause: "`percent_off` div 2 >= 0" }] };
      expect(await checkRawValues(duck, rawDir(world.config), MYSQL_TABLES, unreadable)).toEqual([expect.stringMatching(/^ck_odd of discounts \(`percent_off` div 2 >= 0\): CHECK clause .* unexpected token at token 2 \(div\)$/)]);
    } finally {
      duck.close();
      await db.end();
    }
  });

  it("rejects a truncated Parquet file with a clear error and writes nothing", async () => {
    const other = await createWorld();
    try {
      await generate({ scale: parseScale("tiny"), seed: 3, until: FIXED_UNTIL, outDir: rawDir(other.config) });
      const file = join(rawDir(other.config), "order_items.parquet");
      await truncate(file, 700);
      const error = await load(other.config).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UserError);
      expect((error as Error).message).toContain("order_items.parquet is not a readable Parquet file");
      // Nothing was written: the database was not even created.
      const conn = await mysql.createConnection({ host: "127.0.0.1", port: 3306, user: "root" });
      const [dbs] = await conn.query("SHOW DATABASES LIKE ?", [other.database]);
      expect(dbs).toHaveLength(0);
      await conn.end();
    } finally {
      await other.dispose();
    }
  });

  it("stops with the table and the rows read when a raw file's stream ends before its last row", async () => {
    const duck = await openDuckDB();
    const documents = await openDocumentStore(world.config);
    const sessions = await openSessionStore(world.config);
    try {
      const dir = rawDir(world.config);
      const counts = await checkRawFiles(duck, dir);
      // As if the stream had ended one row short: the file holds one row fewer than the load counted.
      const error = await loadDocuments(documents, duck, dir, { ...counts, products: counts.products + 1 }).catch((e: unknown) => e);
      expect((error as Error).message).toBe(`Reading raw products ended after ${counts.products.toLocaleString("en-US")} of its ${(counts.products + 1).toLocaleString("en-US")} rows; the load stopped there (rerun it: loads replace rows by key).`);
      await expect(loadSessions(sessions, duck, dir, counts.sessions + 1)).rejects.toThrow(`Reading raw sessions ended after ${counts.sessions.toLocaleString("en-US")} of its`);
      // With the right counts both go through.
      await expect(loadSessions(sessions, duck, dir, counts.sessions)).resolves.toBe(counts.sessions);
    } finally {
      await documents.close();
      await sessions.close();
      duck.close();
    }
  });

  it("names the MySQL URL it could not reach, with exit code 2", async () => {
    const error = await load({ ...world.config, mysqlUrl: "mysql://root@127.0.0.1:1/nike" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnreachableError);
    expect((error as StoreUnreachableError).exitCode).toBe(2);
    expect((error as Error).message).toContain("mysql://root@127.0.0.1:1/nike");
  });
});
