/**
 * @module `nike etl`: extract what changed → stage → transform and check → publish to the MySQL star
 * schema and the lake. A run publishes whole or not at all: the lake files are prepared first, the
 * star schema, quarantine and watermarks commit in one MySQL transaction, and the prepared lake files
 * are then swapped in (redone on the next start if the process died in between).
 */
import { mkdir, rm } from "node:fs/promises";
import type { PoolConnection } from "mysql2/promise";
import { join } from "node:path";
import { lakeDir, stagingDir, type Config } from "../../lib/config.ts";
import { openDuckDB, type DuckDB } from "../../lib/duckdb.ts";
import { UserError } from "../../lib/errors.ts";
import { log } from "../../lib/progress.ts";
import { openDocumentStore, type DocumentStore } from "../../stores/documents.ts";
import { applySchema, connectMysql, type MySql } from "../../stores/mysql.ts";
import { analyzeTables, bulkTransaction, copyAllToMysql } from "../../stores/mysql-bulk.ts";
import { openSessionStore, type SessionStore } from "../../stores/sessions.ts";
import { MARTS } from "../../warehouse/models/index.ts";
import { extract, type Extracted } from "./extract.ts";
import { lakeRelation, swapIn, writePending } from "../../warehouse/lake.ts";
import { STAR_SCHEMA, finishRun, martSchemas, readWatermarks, runsWithStatus, startRun, writeQuarantine, writeWatermarks, type Quarantined } from "../../warehouse/ledger.ts";
import type { CheckResult } from "./checks.ts";
import { reconcileLake, reconcileStarSchema, reconcileWithSource } from "./reconcile.ts";
import { transform } from "./transform.ts";
import { takeWarehouseLock } from "../../warehouse/publish-lock.ts";

export type RunReport = {
  runId: string;
  mode: "full" | "incremental";
  extracted: Record<string, number>;
  loaded: Record<string, number>;
  quarantined: number;
  checksPassed: number;
  /** Each check the run passed, by model (a run that fails a check publishes nothing; its error names the check). */
  checks: CheckResult[];
  seconds: Record<string, number>;
};

export type EtlStores = { mysql: MySql; documents: DocumentStore; sessions: SessionStore };

/** Opens the three stores and makes sure the star schema and ledger exist. */
export async function openEtlStores(config: Config): Promise<EtlStores & { close(): Promise<void> }> {
  const mysql = await connectMysql(config.mysqlUrl);
  const closers: Array<() => Promise<unknown>> = [() => mysql.end()];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  };
  try {
    await applySchema(mysql, STAR_SCHEMA);
    const documents = await openDocumentStore(config);
    closers.push(() => documents.close());
    const sessions = await openSessionStore(config);
    closers.push(() => sessions.close());
    return { mysql, documents, sessions, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Finishes what a killed run left: publishes its lake files if its MySQL part committed, else discards it. */
async function recover(mysql: MySql, staging: string, lake: string): Promise<void> {
  for (const runId of await runsWithStatus(mysql, "published")) {
    log(`etl: completing run ${runId} (its lake swap was interrupted)`);
    await swapIn(join(staging, runId, "lake"), lake);
    await finishRun(mysql, runId, "complete");
    await rm(join(staging, runId), { recursive: true, force: true });
  }
  for (const runId of await runsWithStatus(mysql, "running")) {
    await finishRun(mysql, runId, "failed", { error: "interrupted before publishing; nothing of it was published" });
    await rm(join(staging, runId), { recursive: true, force: true });
  }
}

const newRunId = () => `${new Date().toISOString().replace(/[-:.]/g, "")}-${Math.random().toString(36).slice(2, 6)}`;

/** One ETL run (a micro-batch in follow mode). */
/**
 * What the run sets aside: the documents extract refused, and the workouts and sessions transform
 * found no user for. Over the configured share of the source rows, the run fails before publishing.
 */
async function quarantineOf(duck: DuckDB, extracted: Extracted, runId: string, maxRatio: number): Promise<Quarantined[]> {
  const quarantined: Quarantined[] = [...extracted.quarantined];
  for (const { source_id } of await duck.all<{ source_id: string }>("SELECT source_id FROM unmatched_activity")) {
    quarantined.push({ source: "activity_logs", sourceId: source_id, reason: "no user version at workout time (unknown user)", document: null });
  }
  for (const { source_id } of await duck.all<{ source_id: string }>("SELECT source_id FROM unmatched_session")) {
    quarantined.push({ source: "sessions", sourceId: source_id, reason: "no user version at session start (unknown user)", document: null });
  }
  const sourceRows = (extracted.rows.activity_logs_read ?? 0) + (extracted.rows.sessions ?? 0);
  if (quarantined.length > Math.max(1, sourceRows * maxRatio)) {
    throw new UserError(
      `Run ${runId} quarantined ${quarantined.length} of ${sourceRows} source rows, over the ${(maxRatio * 100).toFixed(1)}% limit (ETL_MAX_QUARANTINE_RATIO); nothing was published. First reasons: ${[...new Set(quarantined.map((q) => q.reason))].slice(0, 3).join("; ")}`,
    );
  }
  return quarantined;
}

/** A full run's first step inside its transaction: facts first, then the dimensions they reference. */
async function emptyMarts(conn: PoolConnection): Promise<void> {
  for (const mart of [...MARTS].reverse()) {
    // Only when rows exist: a statement before the first insert would cost the empty table InnoDB's bulk-insert path.
    const [any] = await conn.query(`SELECT 1 FROM \`${mart.name}\` LIMIT 1`);
    if ((any as unknown[]).length) await conn.query(`DELETE FROM \`${mart.name}\``);
  }
}

export async function runEtl(config: Config, stores: EtlStores, options: { full?: boolean } = {}): Promise<RunReport> {
  const { mysql } = stores;
  const staging = stagingDir(config);
  const lake = lakeDir(config);
  const lock = await takeWarehouseLock(mysql, 0);
  if (!lock) throw new UserError("Another `nike etl` run or a user's erasure holds this warehouse's lock; wait for it to finish (or stop its --follow).", 2);
  const mode = options.full ? "full" : "incremental";
  const runId = newRunId();
  const dir = join(staging, runId);
  const seconds: Record<string, number> = {};
  const lap = (phase: string, started: number) => (seconds[phase] = (performance.now() - started) / 1000);
  // DuckDB spills past its limit; 2 GB leaves room for the stores' indexes within the 6 GB budget at large.
  // It spills into the run's staging folder, which goes when the run ends (not into `.tmp` of the working folder).
  const duck = await openDuckDB({ threads: "2", memory_limit: "2GB", temp_directory: join(dir, "spill") });
  let published = false;
  try {
    await recover(mysql, staging, lake);
    await startRun(mysql, runId, mode);
    await mkdir(dir, { recursive: true });
    const watermarks = options.full ? {} : await readWatermarks(mysql);

    let t = performance.now();
    log(`etl: run ${runId} (${mode}): extract`);
    const extracted = await extract({ ...stores, duck, dir, watermarks, settleMs: config.etlSettleMs });
    lap("extract", t);

    t = performance.now();
    log(`etl: run ${runId}: transform`);
    const transformed = await transform(duck, dir, options.full ? join(dir, "no-lake") : lake, await martSchemas(mysql), config.pseudonymKey);
    lap("transform", t);

    const quarantined = await quarantineOf(duck, extracted, runId, config.maxQuarantineRatio);
    // Orders reconcile with their facts month by month: here the run's view, below the star schema and the lake it writes.
    const reconciled = await reconcileWithSource(duck, extracted.orderTotals, Boolean(options.full));
    const checks = [...transformed.checks, reconciled.check];

    t = performance.now();
    log(`etl: run ${runId}: load`);
    const wholeLake = Boolean(options.full) || !lakeRelation(lake, "fact_activity");
    // The lake's files are written on a connection of their own while MySQL loads: DuckDB and MySQL work side by side.
    const lakeDuck = await duck.connect();
    const lakePrepared = (async () => {
      await writePending(lakeDuck, join(dir, "lake"), lake, MARTS, wholeLake);
      await reconcileLake(lakeDuck, join(dir, "lake"), lake, reconciled, wholeLake);
    })();
    lakePrepared.catch(() => undefined);
    const loaded: Record<string, number> = {};
    const report: RunReport = { runId, mode, extracted: extracted.rows, loaded, quarantined: quarantined.length, checksPassed: checks.length, checks, seconds };
    try {
      await bulkTransaction(mysql, async (conn) => {
        if (options.full) await emptyMarts(conn);
        for (const mart of MARTS) loaded[mart.name] = transformed.rows[mart.name];
        // In key order (each mart's key leads its primary key): InnoDB builds an empty table's clustered index by
        // appending, and a load out of that order took 5 times as long (fact_activity at medium: 24 s sorted, 110–129 s not).
        const copies = MARTS.filter((mart) => loaded[mart.name] > 0).map((mart) => ({ relation: `(SELECT * FROM ${mart.name} ORDER BY ${mart.key})`, table: mart.name, csv: join(dir, `${mart.name}.csv`) }));
        await copyAllToMysql(conn, duck, copies);
        await reconcileStarSchema(conn, reconciled);
        await writeQuarantine(conn, runId, quarantined);
        await writeWatermarks(conn, runId, extracted.watermarks);
        // Published means the lake's files are ready to swap in: a restart completes the swap from them.
        await lakePrepared;
        lap("load", t);
        await finishRun(conn, runId, "published", { report });
      });
    } finally {
      await lakePrepared.catch(() => undefined);
      lakeDuck.close();
    }
    published = true;

    t = performance.now();
    await swapIn(join(dir, "lake"), lake);
    lap("lake", t);
    await finishRun(mysql, runId, "complete", { report });
    await rm(dir, { recursive: true, force: true });
    // The run is complete whatever this does: stale statistics slow queries down, they do not change answers.
    await analyzeTables(mysql, Object.keys(loaded).filter((name) => loaded[name] > 0)).catch((error) => log(`etl: run ${runId}: table statistics not refreshed: ${error instanceof Error ? error.message : String(error)}`));
    log(`etl: run ${runId} complete: ${Object.entries(loaded).filter(([, n]) => n).map(([k, n]) => `${k} +${n.toLocaleString("en-US")}`).join(", ") || "no changes"}; quarantined ${quarantined.length}; ${checks.length} checks passed`);
    return report;
  } catch (error) {
    if (!published) {
      await finishRun(mysql, runId, "failed", { error: error instanceof Error ? error.message.slice(0, 2000) : String(error) }).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    }
    throw error;
  } finally {
    duck.close();
    await lock.release();
  }
}
