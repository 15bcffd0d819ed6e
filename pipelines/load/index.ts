/**
 * @module `nike load`: raw Parquet into MySQL, the document store and DynamoDB. Every input file is
 * read whole, its keys (MySQL loads with its own checks off) and the values MySQL would refuse are
 * checked, and every store is reached before any row is written, so bad input or a missing store
 * stops the load with nothing written.
 */
import type { Config } from "../../lib/config.ts";
import { rawDir } from "../../lib/config.ts";
import { openDuckDB } from "../../lib/duckdb.ts";
import { log } from "../../lib/progress.ts";
import { openDocumentStore } from "../../stores/documents.ts";
import { applySchema, connectMysql } from "../../stores/mysql.ts";
import { openSessionStore } from "../../stores/sessions.ts";
import { loadDocuments, type DocumentLoadResult } from "./documents.ts";
import { loadMysql, MYSQL_TABLES, type MysqlLoadResult } from "./mysql.ts";
import { checkRawKeys, tableKeys } from "./raw-keys.ts";
import { checkCatalogReferences, checkRawFiles } from "./raw-files.ts";
import { checkRawValues, tableRules } from "./raw-values.ts";
import { loadSessions } from "./sessions.ts";

export type LoadResult = {
  mysql: MysqlLoadResult;
  documents: DocumentLoadResult;
  sessions: number;
  /** Seconds checking the raw files' keys and values, per store, and in total. */
  seconds: { checks: number; mysql: number; documents: number; sessions: number; total: number };
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
    for (const left of await checkRawValues(duck, dir, MYSQL_TABLES, await tableRules(mysql, MYSQL_TABLES))) log(`load: CHECK constraint ${left}; MySQL enforces it as it loads`);
    const checkSeconds = since(t);
    const timed = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
      const t = performance.now();
      return [await work(), since(t)];
    };
    // MySQL loads beside the document store and DynamoDB (which share the local service's thread, so they take turns).
    // Each runs to its end before an error is raised, so none is cut off half-way by the closing connections.
    const [mysqlLoad, storeLoads] = await Promise.allSettled([
      // On a DuckDB connection of its own: a query on the documents' connection would end their stream.
      timed(async () => {
        const own = await duck.connect();
        try {
          return await loadMysql(mysql, own, dir, counts);
        } finally {
          own.close();
        }
      }),
      (async () => [await timed(() => loadDocuments(documents, duck, dir, counts)), await timed(() => loadSessions(sessions, duck, dir, counts.sessions))] as const)(),
    ]);
    if (mysqlLoad.status === "rejected") throw mysqlLoad.reason;
    if (storeLoads.status === "rejected") throw storeLoads.reason;
    const [mysqlResult, mysqlSeconds] = mysqlLoad.value;
    const [[documentResult, documentSeconds], [sessionCount, sessionSeconds]] = storeLoads.value;
    const seconds = { checks: checkSeconds, mysql: mysqlSeconds, documents: documentSeconds, sessions: sessionSeconds, total: since(started) };
    log(`loaded ${dir} into MySQL, ${documents.kind} documents and ${sessions.kind} DynamoDB in ${seconds.total.toFixed(1)} s`);
    return { mysql: mysqlResult, documents: documentResult, sessions: sessionCount, seconds };
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  }
}
