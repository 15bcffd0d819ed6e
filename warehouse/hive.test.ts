import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { martSchemas, STAR_SCHEMA } from "./ledger.ts";
import { createWorld, type World } from "../test-support/world.ts";
import { applySchema, connectMysql } from "../stores/mysql.ts";
import { LAKE_TABLES, hiveDdl } from "./hive.ts";

let world: World;
beforeAll(async () => {
  world = await createWorld();
});
afterAll(async () => world?.dispose());

describe("Hive DDL", () => {
  it("matches the star schema (run `npm run hive-ddl` after changing it)", async () => {
    const db = await connectMysql(world.config.mysqlUrl, 1);
    try {
      await applySchema(db, STAR_SCHEMA);
      const files = hiveDdl(await martSchemas(db, LAKE_TABLES.map((t) => t.name)));
      expect(Object.keys(files)).toHaveLength(16);
      for (const [file, ddl] of Object.entries(files)) {
        expect(await readFile(new URL(`./hive/${file}`, import.meta.url), "utf8"), file).toBe(ddl);
      }
      expect(files["fact_activity.hql"]).toMatch(/PARTITIONED BY \(`year` INT, `month` INT\)\nSTORED AS PARQUET/);
      expect(files["dim_user.hql"]).not.toMatch(/PARTITIONED/);
      for (const fact of ["fact_order_line", "fact_store_sale", "fact_inventory_snapshot", "fact_inbound_shipment"]) expect(files[`${fact}.hql`]).toMatch(/PARTITIONED BY \(`year` INT, `month` INT\)/);
      expect(files["dim_product.hql"]).not.toMatch(/PARTITIONED/);
    } finally {
      await db.end();
    }
  });
});
