/** @module Loads the catalog, goals and workout logs from raw Parquet into the document store, idempotently (by `_id`). */
import { MongoBulkWriteError, MongoServerError } from "mongodb";
import type { DuckDB } from "../../lib/duckdb.ts";
import { UserError } from "../../lib/errors.ts";
import { progress } from "../../lib/progress.ts";
import type { CollectionName } from "../../stores/document-schema.ts";
import type { Doc, DocumentStore } from "../../stores/documents.ts";
import type { RawTable } from "../generate/index.ts";
import { rawFile, wholeRead } from "./raw-files.ts";

const BATCH = 50_000;
/** Documents per insert command, several in flight at once. */
const CHUNK = 5000;

type Source = { table: RawTable; select: string; toDoc: (row: Record<string, unknown>) => Doc };

/** How each collection is built from its raw table. Ids are cast to INTEGER so they arrive as JS numbers. */
export const DOCUMENT_SOURCES: Record<CollectionName, Source> = {
  products: {
    table: "products",
    select: "product_id, name, category, subcategory, sport, vendor_id::INTEGER AS vendor_id, price::DOUBLE AS price, price_history, color, attributes, created_at, updated_at",
    toDoc: ({ product_id, attributes, price_history, ...rest }) => ({
      _id: product_id,
      ...rest,
      price_history: (JSON.parse(price_history as string) as Array<{ price: number; valid_from: string }>).map((p) => ({ price: p.price, valid_from: new Date(`${p.valid_from.replace(" ", "T")}Z`) })),
      attributes: JSON.parse(attributes as string),
    }),
  },
  user_goals: {
    table: "user_goals",
    select: "user_id::INTEGER AS user_id, goal_type, target_workouts_per_week, preferred_activities, channel, quiet_start_hour, quiet_end_hour, preferred_hour, time_zone, created_at, updated_at",
    toDoc: (r) => ({
      _id: r.user_id,
      user_id: r.user_id,
      goal_type: r.goal_type,
      target_workouts_per_week: r.target_workouts_per_week,
      preferred_activities: r.preferred_activities,
      notifications: {
        channel: r.channel,
        quiet_hours: { start: r.quiet_start_hour, end: r.quiet_end_hour },
        preferred_hour: r.preferred_hour,
        time_zone: r.time_zone,
      },
      created_at: r.created_at,
      updated_at: r.updated_at,
    }),
  },
  activity_logs: {
    table: "activity_logs",
    select: "activity_id::INTEGER AS _id, user_id::INTEGER AS user_id, activity_type, started_at, time_zone, duration_min, distance_km, calories, avg_heart_rate, city, state, created_at, updated_at",
    toDoc: (r) => r as Doc,
  },
};

/**
 * A document the store's validator refused, as an error naming the raw table, the document and the rule
 * (the driver's own message says only "Document failed validation"); other errors pass unchanged.
 */
function refused(table: RawTable, error: unknown): unknown {
  if (!(error instanceof MongoServerError) || error.code !== 121) return error;
  // An insert's error carries the refusal itself; a rerun's bulk upsert, in its first write error.
  const info = (error instanceof MongoBulkWriteError ? [error.writeErrors].flat()[0]?.errInfo : error.errInfo) as { failingDocumentId?: unknown; details?: { reason?: string } } | undefined;
  const why = info?.details?.reason ?? JSON.stringify(info?.details ?? {}).slice(0, 300);
  return new UserError(
    `The document store refused document ${JSON.stringify(info?.failingDocumentId)} of raw ${table}: ${why}. The documents stored before it and beside it stay; fix the file (or regenerate it with \`nike generate\`) and rerun the load (loads replace rows by key).`,
    undefined,
    { cause: error },
  );
}

/** Documents and seconds per collection. */
export type DocumentLoadResult = { rows: Record<string, number>; seconds: Record<string, number> };

export async function loadDocuments(store: DocumentStore, duck: DuckDB, rawDir: string, counts: Record<RawTable, number>): Promise<DocumentLoadResult> {
  await store.ensureSchema();
  const loaded: DocumentLoadResult = { rows: {}, seconds: {} };
  for (const [name, source] of Object.entries(DOCUMENT_SOURCES) as Array<[CollectionName, Source]>) {
    const collection = store.collection(name);
    const started = performance.now();
    const bar = progress(`load ${store.kind} ${name}`, counts[source.table]);
    let batch: Doc[] = [];
    let n = 0;
    // Into an empty collection plain inserts will do (less work on both sides); a rerun upserts by _id.
    const write = (await collection.estimatedCount()) === 0 ? insertInChunks : (docs: Doc[]) => collection.upsertMany(docs);
    async function insertInChunks(docs: Doc[]): Promise<number> {
      const chunks = [];
      for (let i = 0; i < docs.length; i += CHUNK) chunks.push(collection.insertMany(docs.slice(i, i + CHUNK)));
      return (await Promise.all(chunks)).reduce((a, b) => a + b, 0);
    }
    // One batch is stored while the next is read, so the store and this process work at the same time.
    let inFlight: Promise<void> = Promise.resolve();
    const flush = async () => {
      const sending = batch;
      batch = [];
      await inFlight;
      inFlight = write(sending).then(
        (stored) => {
          n += stored;
          bar.tick(sending.length);
        },
        (error: unknown) => {
          throw refused(source.table, error);
        },
      );
    };
    let read = 0;
    for await (const rows of duck.stream(`SELECT ${source.select} FROM read_parquet('${rawFile(rawDir, source.table)}')`)) {
      for (const row of rows) batch.push(source.toDoc(row));
      read += rows.length;
      if (batch.length >= BATCH) await flush();
    }
    if (batch.length) await flush();
    await inFlight;
    wholeRead(source.table, read, counts[source.table]);
    bar.done();
    loaded.rows[name] = n;
    loaded.seconds[name] = (performance.now() - started) / 1000;
  }
  return loaded;
}
