/**
 * @module `nike load`: raw Parquet into MySQL, the document store and DynamoDB. Every input file is
 * read whole, its keys are checked (MySQL loads with its own checks off) and every store is reached
 * before any row is written, so bad input or a missing store stops the load with nothing written.
 */
import type { Config } from "../../lib/config.ts";
import { rawDir } from "../../lib/config.ts";
import { openDuckDB, type DuckDB } from "../../lib/duckdb.ts";
import { log } from "../../lib/progress.ts";
import { openDocumentStore } from "../../stores/documents.ts";
import { applySchema, connectMysql } from "../../stores/mysql.ts";
import { openSessionStore } from "../../stores/sessions.ts";
import { loadDocuments, type DocumentLoadResult } from "./documents.ts";
import { loadMysql, MYSQL_TABLES, type MysqlLoadResult } from "./mysql.ts";
import { checkRawKeys, tableKeys } from "./raw-keys.ts";
import { checkCatalogReferences, checkRawFiles } from "./raw-files.ts";
import { loadSessions } from "./sessions.ts";

export type LoadResult = {
  mysql: MysqlLoadResult;
  documents: DocumentLoadResult;
  sessions: number;
  /** Seconds checking the raw files' keys, per store, and in total. */
  seconds: { keys: number; mysql: number; documents: number; sessions: number; total: number };
};

export async function load(config: Config): Promise<LoadResult> {
  const started = performance.now();
  const dir = rawDir(config);
  const duck = await openDuckDB();
  const closers: Array<() => Promise<unknown>> = [async () => duck.close()];
  try {
    const counts = await checkRawFiles(duck, dir);
    await checkCatalogReferences(duck, dir);
    const mysql = await connectMysql(config.mysqlUrl);
    closers.push(() => mysql.end());
    const documents = await openDocumentStore(config);
    closers.push(() => documents.close());
    const sessions = await openSessionStore(config);
    closers.push(() => sessions.close());
    await documents.ping();
    await sessions.ping();

    const since = (t: number) => (performance.now() - t) / 1000;
    const t = performance.now();
    await applySchema(mysql);
    await checkRawKeys(duck, dir, await tableKeys(mysql, MYSQL_TABLES));
    const keySeconds = since(t);
    // The three stores load side by side, each from a DuckDB of its own (a connection runs one query at a time).
    const timed = async <T>(work: (duck: DuckDB) => Promise<T>, own = true): Promise<[T, number]> => {
      const started = performance.now();
      const db = own ? await openDuckDB() : duck;
      try {
        return [await work(db), since(started)];
      } finally {
        if (own) db.close();
      }
    };
    const [[mysqlResult, mysqlSeconds], [documentResult, documentSeconds], [sessionCount, sessionSeconds]] = await settled([
      timed((db) => loadMysql(mysql, db, dir, counts), false),
      timed((db) => loadDocuments(documents, db, dir, counts)),
      timed((db) => loadSessions(sessions, db, dir, counts.sessions)),
    ] as const);
    const seconds = { keys: keySeconds, mysql: mysqlSeconds, documents: documentSeconds, sessions: sessionSeconds, total: since(started) };
    log(`loaded ${dir} into MySQL, ${documents.kind} documents and ${sessions.kind} DynamoDB in ${seconds.total.toFixed(1)} s`);
    return { mysql: mysqlResult, documents: documentResult, sessions: sessionCount, seconds };
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  }
}

/** Waits for every one of `work` to end, then fails with the first failure: no load is left running behind an error. */
async function settled<T extends readonly unknown[]>(work: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const results = await Promise.allSettled(work);
  const failed = results.find((r) => r.status === "rejected");
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
