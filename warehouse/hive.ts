/**
 * @module Hive DDL for the lake: one `CREATE EXTERNAL TABLE … STORED AS PARQUET` per lake table,
 * rendered from the star schema's columns (as its migrations leave them) so that Hive, Spark or Trino
 * mount the lake as it is.
 * `npm run hive-ddl` rewrites `warehouse/hive/*.hql`; a test fails if they drift from the schema.
 */
import type { MartSchemas } from "./ledger.ts";
import { MARTS } from "./models/index.ts";

/** Every table the lake holds: the ETL's marts, and the segment labels `nike report` writes. */
export const LAKE_TABLES: Array<{ name: string; partitionBy?: string }> = [...MARTS, { name: "user_segment" }];

const HIVE_TYPES: Record<string, string> = { BIGINT: "BIGINT", INTEGER: "INT", DOUBLE: "DOUBLE", VARCHAR: "STRING", DATE: "DATE", TIMESTAMP: "TIMESTAMP", BOOLEAN: "BOOLEAN" };

export function hiveDdl(schemas: MartSchemas): Record<string, string> {
  const files: Record<string, string> = {};
  for (const mart of LAKE_TABLES) {
    const columns = schemas[mart.name].map((c) => `  \`${c.name}\` ${HIVE_TYPES[c.type] ?? "STRING"}`).join(",\n");
    const partitioned = mart.partitionBy ? `PARTITIONED BY (\`year\` INT, \`month\` INT)\n` : "";
    const repair = mart.partitionBy ? `\n-- Register the year=/month= folders already in the lake.\nMSCK REPAIR TABLE ${mart.name};\n` : "";
    files[`${mart.name}.hql`] = `-- ${mart.name}: generated from warehouse/migrations/ by \`npm run hive-ddl\`; do not edit.
-- Run with: hive --hivevar lake_root=hdfs:///path/to/data/lake -f ${mart.name}.hql  (or s3://…, file://…)
CREATE EXTERNAL TABLE IF NOT EXISTS ${mart.name} (
${columns}
)
${partitioned}STORED AS PARQUET
LOCATION '\${hivevar:lake_root}/${mart.name}';
${repair}`;
  }
  return files;
}
