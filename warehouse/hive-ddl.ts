/** @module `npm run hive-ddl`: rewrites warehouse/hive/*.hql from the star schema (its migrations run on a scratch database). */
import { writeFile } from "node:fs/promises";
import { loadConfig } from "../lib/config.ts";
import { martSchemas, STAR_SCHEMA } from "./ledger.ts";
import { applySchema, connectMysql } from "../stores/mysql.ts";
import { LAKE_TABLES, hiveDdl } from "./hive.ts";

const url = new URL(loadConfig().mysqlUrl);
url.pathname = `/nike_hive_ddl_${process.pid}`;
const db = await connectMysql(url.toString(), 1);
try {
  await applySchema(db, STAR_SCHEMA);
  for (const [file, ddl] of Object.entries(hiveDdl(await martSchemas(db, LAKE_TABLES.map((t) => t.name))))) {
    await writeFile(new URL(`./hive/${file}`, import.meta.url), ddl);
  }
} finally {
  await db.query(`DROP DATABASE IF EXISTS \`nike_hive_ddl_${process.pid}\``);
  await db.end();
}
