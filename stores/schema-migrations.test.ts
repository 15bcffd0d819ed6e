import { mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawDir } from "../lib/config.ts";
import { openDuckDB } from "../lib/duckdb.ts";
import { parseScale } from "../lib/scale.ts";
import { migrateCommand } from "../cli/migrate.ts";
import { generate } from "../pipelines/generate/index.ts";
import { loadDocuments } from "../pipelines/load/documents.ts";
import { loadMysql } from "../pipelines/load/mysql.ts";
import { checkRawFiles } from "../pipelines/load/raw-files.ts";
import { loadSessions } from "../pipelines/load/sessions.ts";
import { openEtlStores, runEtl } from "../pipelines/etl/index.ts";
import { createWorld, FIXED_UNTIL, type World } from "../test-support/world.ts";
import { monthlyActivity, mysqlFingerprint } from "../test-support/published-world.ts";
import { martSchemas, STAR_SCHEMA } from "../warehouse/ledger.ts";
import { textColumns } from "./column-limits.ts";
import { openDocumentStore } from "./documents.ts";
import { applySchema, connectMysql, OPERATIONAL_SCHEMA, type MySql } from "./mysql.ts";
import { migrateSchema, readMigrations, schemaStatus, type SchemaSet } from "./schema-migrations.ts";
import { openSessionStore } from "./sessions.ts";

let world: World;
/** Databases beside the world's, one per test that needs a fresh one; dropped at the end. */
const scratch: MySql[] = [];
beforeAll(async () => {
  world = await createWorld();
});
afterAll(async () => {
  for (const db of scratch) await db.query("DROP DATABASE IF EXISTS `" + (await currentDatabase(db)) + "`").finally(() => db.end());
  await world?.dispose();
});

async function currentDatabase(db: MySql): Promise<string> {
  const [rows] = await db.query("SELECT DATABASE() AS d");
  return (rows as Array<{ d: string }>)[0].d;
}

/** A fresh, empty database of its own (named after the world's). */
async function freshDatabase(suffix: string, poolSize = 2): Promise<{ url: string; db: MySql }> {
  const url = new URL(world.config.mysqlUrl);
  url.pathname = `${url.pathname}_${suffix}`;
  const db = await connectMysql(url.toString(), poolSize);
  scratch.push(db);
  return { url: url.toString(), db };
}

async function query<T>(db: MySql, sql: string, params: unknown[] = []): Promise<T[]> {
  return (await db.query(sql, params))[0] as T[];
}

const tables = async (db: MySql) =>
  (await query<{ t: string }>(db, "SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1")).map((r) => r.t);

const columns = async (db: MySql, table: string) =>
  Object.fromEntries(
    (await query<{ c: string; t: string }>(db, "SELECT COLUMN_NAME AS c, COLUMN_TYPE AS t FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION", [table])).map((r) => [r.c, r.t]),
  );

describe("schema migrations", () => {
  it("upgrades the operational schema from the previous version, carrying its rows into the new shape", async () => {
    const { db } = await freshDatabase("previous");
    const latest = readMigrations(OPERATIONAL_SCHEMA);
    const previous = latest[latest.length - 2].name;
    await migrateSchema(db, OPERATIONAL_SCHEMA, { to: previous });
    // Rows as the previous version held them: an employee's role as text, no store channel, no order totals.
    await db.query("INSERT INTO states (state_code, name, region, country) VALUES ('CO', 'Colorado', 'West', 'United States')");
    await db.query("INSERT INTO cities (city_id, name, state_code) VALUES (1, 'Denver', 'CO')");
    await db.query("INSERT INTO users (user_id, first_name, last_name, email, date_of_birth, shopping_preference, city_id) VALUES (1, 'Ana', 'Ruiz', 'ana@example.com', '1990-04-01', 'Both', 1)");
    await db.query("INSERT INTO stores (store_id, name, store_type, city_id, opened_at) VALUES (1, 'Nike Denver', 'physical', 1, '2020-01-01'), (2, 'Nike App', 'online', NULL, '2020-01-01')");
    await db.query("INSERT INTO employees (employee_id, first_name, last_name, email, role, store_id, hired_at) VALUES (1, 'Bo', 'Lee', 'bo@nike.example', 'Store Manager', 1, '2021-02-01'), (2, 'Cy', 'Ng', 'cy@nike.example', 'Sales Associate', 1, '2022-03-01')");
    await db.query("INSERT INTO orders (order_id, user_id, store_id, status, ordered_at) VALUES (1, 1, 2, 'delivered', '2026-05-02 10:00:00')");
    await db.query("INSERT INTO order_items (order_id, line_no, product_id, quantity, unit_price) VALUES (1, 1, 'P1000', 2, 50.00), (1, 2, 'P1001', 1, 30.00)");

    expect((await applySchema(db)).ran).toEqual(latest.slice(-1).map((m) => m.name));
    expect(await query(db, "SELECT e.employee_id, r.title FROM employees e JOIN roles r USING (role_id) ORDER BY 1")).toEqual([
      { employee_id: 1, title: "Store Manager" },
      { employee_id: 2, title: "Sales Associate" },
    ]);
    expect(await query(db, "SELECT store_id, channel FROM stores ORDER BY 1")).toEqual([{ store_id: 1, channel: "in-store" }, { store_id: 2, channel: "app" }]);
    expect(await query(db, "SELECT line_no, net_amount FROM order_items ORDER BY 1")).toEqual([{ line_no: 1, net_amount: 100 }, { line_no: 2, net_amount: 30 }]);
    expect(await query(db, "SELECT total_amount FROM orders")).toEqual([{ total_amount: 130 }]);
    // The new rules hold for the rows carried over and for new ones.
    await expect(db.query("UPDATE order_items SET net_amount = 99.00 WHERE line_no = 1")).rejects.toThrow(/ck_order_items_net/);
  });

  it("upgrades a warehouse made at its first version, keeping its ledger, and the pipeline then runs on it", { timeout: 240_000 }, async () => {
    const raw = rawDir(world.config);
    await generate({ scale: parseScale("tiny"), seed: 11, until: FIXED_UNTIL, outDir: raw });
    const db = await connectMysql(world.config.mysqlUrl);
    // A deployment whose warehouse is at version 1 (its marts are today's code's to fill, so what it
    // keeps here is its ledger: a run and its watermark), over loaded operational stores.
    const run = { run_id: "20250101T000000000Z-v1", mode: "full", status: "complete", started_at: new Date("2025-01-01T00:00:00Z"), finished_at: new Date("2025-01-01T00:01:00Z") };
    try {
      await applySchema(db);
      await migrateSchema(db, STAR_SCHEMA, { to: "0001_initial" });
      expect(await tables(db)).not.toContain("user_segment");
      await db.query("INSERT INTO etl_runs SET ?", [run]);
      const duck = await openDuckDB();
      const documents = await openDocumentStore(world.config);
      const sessions = await openSessionStore(world.config);
      try {
        const counts = await checkRawFiles(duck, raw);
        await loadMysql(db, duck, raw, counts);
        await loadDocuments(documents, duck, raw, counts);
        await loadSessions(sessions, duck, raw, counts.sessions);
      } finally {
        duck.close();
        await documents.close();
        await sessions.close();
      }

      // The migrator brings the warehouse to the current version and keeps what it held.
      expect((await applySchema(db)).ran).toEqual([]);
      expect((await applySchema(db, STAR_SCHEMA)).ran).toEqual(readMigrations(STAR_SCHEMA).slice(1).map((m) => m.name));
      expect((await schemaStatus(db, STAR_SCHEMA)).version).toBe(readMigrations(STAR_SCHEMA).length);
      expect(await columns(db, "user_segment")).toMatchObject({ user_pseudonym: "char(16)", segment_id: "tinyint(4)", best_hour: "tinyint(4)" });
      expect((await martSchemas(db, ["user_segment"])).user_segment.map((c) => c.type)).toEqual(["VARCHAR", "INTEGER", "VARCHAR", "INTEGER", "TIMESTAMP"]);
      expect(await query(db, "SELECT run_id, status FROM etl_runs")).toEqual([{ run_id: run.run_id, status: "complete" }]);
    } finally {
      await db.end();
    }

    // The pipeline, started as usual, runs on the upgraded database: a full run publishes everything,
    // nothing new then changes nothing, and a new workout reaches the star schema and the lake alike.
    const stores = await openEtlStores(world.config);
    try {
      const first = await runEtl(world.config, stores, { full: true });
      expect(first.loaded.dim_user).toBe(1000);
      expect(first.loaded.fact_activity + first.quarantined).toBe(await stores.documents.collection("activity_logs").countDocuments());
      const before = await mysqlFingerprint(world);
      expect(Object.values((await runEtl(world.config, stores)).loaded).every((n) => n === 0)).toBe(true);
      expect(await mysqlFingerprint(world)).toEqual(before);
      const at = new Date(Date.UTC(2026, 0, 14, 7));
      await stores.documents.collection("activity_logs").insertMany([
        { _id: 900_001, user_id: 5, activity_type: "running", started_at: at, time_zone: "America/Denver", duration_min: 42, distance_km: 7.5, calories: 480, avg_heart_rate: 150, city: "Denver", state: "CO", created_at: new Date(), updated_at: new Date() },
      ]);
      expect((await runEtl(world.config, stores)).loaded.fact_activity).toBe(1);
      expect(await query(stores.mysql, "SELECT time_key FROM fact_activity WHERE activity_id = 900001")).toEqual([{ time_key: 0 }]);
    } finally {
      await stores.close();
    }
    const months = await monthlyActivity(world);
    expect(months.lake).toEqual(months.mysql);
  });

  it("does nothing on a second run, and says so", async () => {
    const { url, db } = await freshDatabase("again");
    expect((await applySchema(db)).ran).toEqual(readMigrations(OPERATIONAL_SCHEMA).map((m) => m.name));
    const schema = await tables(db);
    const second = await applySchema(db);
    expect(second).toEqual({ schema: "operational", ran: [], version: readMigrations(OPERATIONAL_SCHEMA).length });
    expect(await tables(db)).toEqual(schema);
    const operational = readMigrations(OPERATIONAL_SCHEMA).length;
    const warehouse = readMigrations(STAR_SCHEMA);
    expect(await query(db, "SELECT name FROM schema_migrations_operational ORDER BY name")).toHaveLength(operational);

    const config = { ...world.config, mysqlUrl: url };
    expect(await migrateCommand(config)).toContain(`operational schema up to date (version ${operational})\nwarehouse schema migrated to version ${warehouse.length}: ran ${warehouse.map((m) => m.name).join(", ")}`);
    expect(await migrateCommand(config)).toContain(`operational schema up to date (version ${operational})\nwarehouse schema up to date (version ${warehouse.length})`);
    expect(await migrateCommand(config, { status: true })).toMatch(new RegExp(`operational schema: version ${operational}\\n {2}applied \\S+ +0001_initial\\n {2}applied \\S+ +0002_attempt_limits\\n`));
  });

  it("lets processes that start together on a fresh database migrate it once", async () => {
    const { url, db } = await freshDatabase("together");
    const other = await connectMysql(url, 2);
    try {
      const outcomes = await Promise.all([applySchema(db), applySchema(other), applySchema(db, STAR_SCHEMA), applySchema(other, STAR_SCHEMA)]);
      const [operational, warehouse] = [readMigrations(OPERATIONAL_SCHEMA).length, readMigrations(STAR_SCHEMA).length];
      expect(outcomes.map((o) => o.version)).toEqual([operational, operational, warehouse, warehouse]);
      expect([outcomes[0].ran.length, outcomes[1].ran.length].sort()).toEqual([0, operational]);
      expect([outcomes[2].ran.length, outcomes[3].ran.length].sort()).toEqual([0, warehouse]);
    } finally {
      await other.end();
    }
    expect(await query(db, "SELECT name FROM schema_migrations_operational")).toHaveLength(readMigrations(OPERATIONAL_SCHEMA).length);
    expect(await query(db, "SELECT name FROM schema_migrations_warehouse")).toHaveLength(readMigrations(STAR_SCHEMA).length);
    expect(await tables(db)).toContain("attempt_limits");
    expect(await tables(db)).toContain("user_segment");
  });

  it("carries a changed column type to an existing database, where the ETL reads it", async () => {
    const folder = await mkdtemp(join(tmpdir(), "nike-migrations-"));
    try {
      const schema: SchemaSet = { name: "example", folder: pathToFileURL(`${folder}/`) };
      await writeFile(join(folder, "0001_initial.sql"), "CREATE TABLE fact_example (\n  id INT PRIMARY KEY,\n  amount INT NOT NULL\n) ENGINE=InnoDB;\n");
      const { db } = await freshDatabase("example");
      await migrateSchema(db, schema);
      await db.query("INSERT INTO fact_example VALUES (1, 42)");
      expect((await martSchemas(db, ["fact_example"])).fact_example).toEqual([{ name: "id", type: "INTEGER" }, { name: "amount", type: "INTEGER" }]);

      await writeFile(join(folder, "0002_amount_in_euros.sql"), "-- Amounts get cents.\nALTER TABLE fact_example MODIFY amount DECIMAL(10, 2) NOT NULL;\nALTER TABLE fact_example ADD COLUMN note VARCHAR(40) NULL;\n");
      expect(await migrateSchema(db, schema)).toEqual({ schema: "example", ran: ["0002_amount_in_euros"], version: 2 });
      expect((await martSchemas(db, ["fact_example"])).fact_example).toEqual([{ name: "id", type: "INTEGER" }, { name: "amount", type: "DOUBLE" }, { name: "note", type: "VARCHAR" }]);
      expect(await query(db, "SELECT id, amount FROM fact_example")).toEqual([{ id: 1, amount: 42 }]);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it("refuses a misnumbered migration, going back, and a database newer than the code", async () => {
    const folder = await mkdtemp(join(tmpdir(), "nike-migrations-"));
    try {
      const schema: SchemaSet = { name: "example", folder: pathToFileURL(`${folder}/`) };
      await writeFile(join(folder, "0001_initial.sql"), "CREATE TABLE example (id INT PRIMARY KEY);\n");
      await writeFile(join(folder, "0003_skipped_one.sql"), "DO 0;\n");
      expect(() => readMigrations(schema)).toThrow(/0003_skipped_one.sql should be numbered 0002/);
      await rename(join(folder, "0003_skipped_one.sql"), join(folder, "0002_next.sql"));
      const { db } = await freshDatabase("refusals");
      await migrateSchema(db, schema);
      await expect(migrateSchema(db, schema, { to: "0001_initial" })).rejects.toThrow(/only go forward: 0002_next cannot be undone/);
      await rm(join(folder, "0002_next.sql"));
      await expect(migrateSchema(db, schema)).rejects.toThrow(/0002_next is missing/);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it("gives the API the text limits of the columns as the migrations leave them", async () => {
    const { db } = await freshDatabase("limits");
    await applySchema(db);
    const declared = await query<{ t: string; c: string; n: number }>(
      db,
      "SELECT TABLE_NAME AS t, COLUMN_NAME AS c, CHARACTER_MAXIMUM_LENGTH AS n FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND DATA_TYPE IN ('char', 'varchar') AND TABLE_NAME NOT LIKE 'schema\\_migrations%'",
    );
    expect(declared.length).toBeGreaterThan(30);
    expect(textColumns()).toEqual(new Map(declared.map((r) => [`${r.t}.${r.c}`, Number(r.n)])));
  });
});
