/**
 * @module The Hive-layout Parquet lake: `<lake>/<table>/part.parquet` for dimensions and
 * `<lake>/<fact>/year=YYYY/month=MM/*.parquet` for facts. A run writes the files it changes into
 * a pending folder first; `swapIn` moves them into place, and can be repeated after a crash.
 */
import { existsSync, readdirSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { castTo, type DuckDB } from "../lib/duckdb.ts";
import type { Model } from "./models/index.ts";

/** A DuckDB relation over a lake table, or undefined when the lake does not have it yet. */
export function lakeRelation(lake: string, table: string): string | undefined {
  const dir = join(lake, table);
  if (!existsSync(dir) || readdirSync(dir).length === 0) return undefined;
  return `read_parquet('${dir}/**/*.parquet', hive_partitioning = true, union_by_name = true)`;
}

type Manifest = { whole: string[]; partitions: string[]; files: string[] };

/** Writes every lake file this run changes under `pending`, and a manifest of them. */
export async function writePending(duck: DuckDB, pending: string, lake: string, marts: Model[], full: boolean): Promise<Manifest> {
  const manifest: Manifest = { whole: [], partitions: [], files: [] };
  await mkdir(pending, { recursive: true });
  for (const mart of marts) {
    const [{ n }] = await duck.all<{ n: bigint }>(`SELECT count(*) AS n FROM ${mart.name}`);
    const missing = !lakeRelation(lake, mart.name);
    if (Number(n) === 0 && !full && !missing) continue;
    if (!mart.partitionBy) {
      await mkdir(join(pending, mart.name), { recursive: true });
      await duck.run(`COPY (SELECT * FROM cur_${mart.name} ORDER BY ${mart.key}) TO '${join(pending, mart.name, "part.parquet")}' (FORMAT parquet)`);
      manifest.files.push(join(mart.name, "part.parquet"));
      continue;
    }
    const p = mart.partitionBy;
    const partitionColumns = `*, year(${p}) AS year, lpad(month(${p})::VARCHAR, 2, '0') AS month`;
    if (full || missing) {
      await duck.run(`COPY (SELECT ${partitionColumns} FROM cur_${mart.name} ORDER BY ${p}) TO '${join(pending, mart.name)}' (FORMAT parquet, PARTITION_BY (year, month), OVERWRITE_OR_IGNORE)`);
      manifest.whole.push(mart.name);
      continue;
    }
    // Only the months this run touched are rewritten, each whole: old rows merged with the delta. A row
    // the delta moves to another month (an order placed at another time) touches its old month too.
    await duck.run(`CREATE OR REPLACE TEMP TABLE touched AS SELECT DISTINCT year(${p}) AS y, month(${p}) AS m FROM ${mart.name}
      UNION SELECT DISTINCT year(${p}), month(${p}) FROM lake_${mart.name} WHERE ${mart.key} IN (SELECT ${mart.key} FROM ${mart.name})`);
    const partitions = (await duck.all<{ y: number; m: number }>("SELECT y, m FROM touched ORDER BY y, m")).map(({ y, m }) => join(mart.name, `year=${y}`, `month=${String(m).padStart(2, "0")}`));
    // The old rows are read from the touched months' files alone: through the lake's view, whose filter
    // cannot prune partitions, each small batch read every workout in the lake (0.6–0.7 s at medium).
    const oldFiles = partitions.filter((partition) => existsSync(join(lake, partition))).map((partition) => `'${join(lake, partition)}/*.parquet'`);
    const columns = (await duck.all<{ column_name: string; column_type: string }>(`DESCRIBE ${mart.name}`)).map((c) => ({ name: c.column_name, type: c.column_type }));
    const old = oldFiles.length
      ? `SELECT ${castTo(columns)} FROM read_parquet([${oldFiles.join(", ")}], hive_partitioning = false, union_by_name = true)
         WHERE ${mart.key} NOT IN (SELECT ${mart.key} FROM ${mart.name}) UNION ALL `
      : "";
    await duck.run(`COPY (SELECT ${partitionColumns} FROM (${old}SELECT * FROM ${mart.name}) ORDER BY ${p})
      TO '${join(pending, mart.name)}' (FORMAT parquet, PARTITION_BY (year, month), OVERWRITE_OR_IGNORE)`);
    manifest.partitions.push(...partitions);
  }
  await writeFile(join(pending, "manifest.json"), JSON.stringify(manifest));
  return manifest;
}

/** Replaces `target` by `source` (a file or folder); safe to repeat: a missing source means already done. */
export async function replace(source: string, target: string, trash: string): Promise<void> {
  if (!existsSync(source)) return;
  await mkdir(dirname(target), { recursive: true });
  if (existsSync(target)) {
    const old = join(trash, `${Date.now()}-${Math.random().toString(36).slice(2)}`);
    await mkdir(trash, { recursive: true });
    await rename(target, old);
  }
  await rename(source, target);
}

/** Moves a run's pending files into the lake. Idempotent, so recovery after a crash just calls it again. */
export async function swapIn(pending: string, lake: string): Promise<void> {
  const manifestFile = join(pending, "manifest.json");
  if (!existsSync(manifestFile)) return;
  const manifest = JSON.parse(await readFile(manifestFile, "utf8")) as Manifest;
  const trash = join(lake, ".trash");
  for (const table of manifest.whole) await replace(join(pending, table), join(lake, table), trash);
  for (const partition of manifest.partitions) await replace(join(pending, partition), join(lake, partition), trash);
  for (const file of manifest.files) await replace(join(pending, file), join(lake, file), trash);
  await rm(trash, { recursive: true, force: true });
}
