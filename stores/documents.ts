/**
 * @module The document store (MongoDB), always through the official driver: to `MONGODB_URI` when
 * set, else to the local service for `DATA_DIR` (started if none runs), which speaks the same wire
 * protocol. Code above `stores/` never knows which it has.
 */
import { subscribe } from "node:diagnostics_channel";
import type { Socket } from "node:net";
import { MongoClient, type Db, type Document } from "mongodb";
import type { Config } from "../lib/config.ts";
import { StoreUnreachableError, UserError, redactUrl } from "../lib/errors.ts";
import { COLLECTION_NAMES, COLLECTIONS, type CollectionName } from "./document-schema.ts";
import { findBatches, insertCommand, writeError } from "./bulk-commands.ts";
import { insertBatcher } from "./insert-batcher.ts";
import { ensureLocalService, mongoUriOf, RECONNECT_WAIT_MS } from "./local/locate.ts";

export type Doc = Record<string, unknown> & { _id?: unknown };
export type Filter = Record<string, unknown>;
export type Update = Record<string, unknown>;
export type FindOptions = { sort?: Record<string, 1 | -1>; skip?: number; limit?: number; projection?: Record<string, 0 | 1> };
export type UpdateResult = { matchedCount: number; modifiedCount: number; upsertedCount: number };

/** The collection that records which data upgrades (see `DataUpgrade`) a database has had. */
export const UPGRADES = "schema_upgrades";

export interface DocumentCollection {
  /** Inserts new documents; a duplicate `_id` or a schema violation rejects the whole call. */
  insertMany(docs: Doc[]): Promise<number>;
  /** Inserts or replaces each document by `_id` (idempotent bulk load); the documents are not copied. */
  upsertMany(docs: Doc[]): Promise<number>;
  find(filter?: Filter, options?: FindOptions): Promise<Doc[]>;
  /** Matching documents in batches, without holding them all at once (for extraction). */
  stream(filter?: Filter): AsyncIterable<Doc[]>;
  findOne(filter: Filter): Promise<Doc | null>;
  countDocuments(filter?: Filter): Promise<number>;
  /** The number of documents from the collection's metadata, without reading them (MongoDB's estimatedDocumentCount). */
  estimatedCount(): Promise<number>;
  updateOne(filter: Filter, update: Update, options?: { upsert?: boolean }): Promise<UpdateResult>;
  updateMany(filter: Filter, update: Update): Promise<UpdateResult>;
  deleteMany(filter: Filter): Promise<number>;
  aggregate(pipeline: Filter[]): Promise<Doc[]>;
}

export interface DocumentStore {
  readonly kind: "mongodb" | "embedded";
  /** Where it is, for `nike doctor` (the URI without password, or the folder). */
  readonly location: string;
  collection(name: CollectionName): DocumentCollection;
  /** Creates the collections with their validators and indexes (idempotent). */
  ensureSchema(): Promise<void>;
  /** Answers whether the store responds, with a short description. */
  ping(): Promise<string>;
  /** Damaged records the store reports (MongoDB's `validate` on each collection): one line each, naming where. */
  damage(): Promise<string[]>;
  close(): Promise<void>;
}

/** Opens the store the configuration names. */
export async function openDocumentStore(config: Config): Promise<DocumentStore> {
  if (config.mongodbUri) return openMongoStore(config.mongodbUri, config.mongodbDb);
  const service = await ensureLocalService(config.dataDir, config.localStoresIdleMs);
  return openMongoStore(mongoUriOf(service), config.mongodbDb, {
    location: `local service, ${service.host}:${service.mongoPort}, pid ${service.pid}`,
    locate: async () => mongoUriOf(await ensureLocalService(config.dataDir, config.localStoresIdleMs, RECONNECT_WAIT_MS)),
  });
}

const BULK_BATCH = 5000;

/** Where the local services this process's clients use listen ("host:port"): see `endIsAnError`. */
const localServices = new Set<string>();
let watchingSockets = false;

/**
 * Makes a connection to the local service fail the moment the service closes it. A killed service's
 * connections end with a FIN; Node then ends and destroys the client's socket, but emits "close" only in
 * the event loop's close phase, a turn later. The driver (7.9) learns of the loss from "close" or "error"
 * alone, so a command written in between — an insert batch is flushed in that very turn's check phase —
 * goes to a destroyed socket: `write` returns false, and the driver waits for a "drain" that never comes,
 * with no "error" or timeout to end the wait: the operation, and the request behind it, hang for good.
 * A MongoDB server never half-closes a connection, so the end of its stream is an error: a socket
 * destroyed with one at "end" emits "error" at once, the driver drops the connection, and the operation
 * on it fails (a 503 to the app) instead of waiting.
 */
function endIsAnError(uri: string): void {
  localServices.add(new URL(uri).host);
  if (watchingSockets) return;
  watchingSockets = true;
  subscribe("net.client.socket", (message) => {
    const { socket } = message as { socket: Socket };
    socket.once("connect", () => {
      const peer = `${socket.remoteAddress}:${socket.remotePort}`;
      if (!localServices.has(peer)) return;
      socket.once("end", () => {
        // Only where something listens for the error: an unheard one would stop the process.
        if (socket.listenerCount("error") === 0) return void socket.destroy();
        socket.destroy(Object.assign(new Error(`the local store service at ${peer} closed the connection`), { code: "ECONNRESET" }));
      });
    });
  });
}

/**
 * Closes a client on the event loop's next turn. Driver 7.9's close sends endSessions on a pooled connection; if the
 * server dropped it in this same turn (socket destroyed, its "close" not yet emitted), the write waits forever for
 * a "drain" that never comes, and the monitor keeps the process alive. By the next turn the driver has seen "close".
 */
async function closeClient(client: MongoClient): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 0));
  await client.close();
}

/**
 * `local` describes the local service when that is what `uri` points at, and how to find it again:
 * when it cannot be selected, the store connects afresh to wherever its record says it is now.
 */
export async function openMongoStore(uri: string, dbName: string, local?: { location: string; locate(): Promise<string> }): Promise<DocumentStore> {
  if (!/^mongodb(\+srv)?:\/\/[^/]+/.test(uri)) {
    throw new UserError(`MONGODB_URI "${redactUrl(uri)}" is not a MongoDB connection string: use mongodb://host:27017 (or mongodb+srv://…), or unset it to use the embedded store.`, 2);
  }
  // On loopback a heartbeat costs nothing: a restarted local service is found again within two seconds.
  const options = { serverSelectionTimeoutMS: 5000, ...(local ? { heartbeatFrequencyMS: 2000 } : {}) };
  if (local) endIsAnError(uri);
  let client: MongoClient;
  try {
    client = new MongoClient(uri, options);
    await client.connect();
  } catch (cause) {
    if (cause instanceof Error && /URI|scheme|parse|Invalid/i.test(cause.message) && !/ECONNREFUSED|timed out/i.test(cause.message)) {
      throw new UserError(`MONGODB_URI "${redactUrl(uri)}" is malformed (${cause.message}); fix it or unset it to use the embedded store.`, 2);
    }
    if (local) throw new StoreUnreachableError("The embedded document store", local.location, cause, "Run `nike stores status`; `nike stores stop` and retry restarts it.");
    throw new StoreUnreachableError("MongoDB", redactUrl(uri), cause, "Start MongoDB, fix MONGODB_URI, or unset it to use the embedded document store.");
  }
  let db: Db = client.db(dbName);
  /** One wrapper per collection, made on first use (routes ask for theirs on every request); a reconnect drops them. */
  const opened = new Map<CollectionName, DocumentCollection>();

  let renewing: Promise<void> | undefined;
  const renew = () =>
    (renewing ??= (async () => {
      try {
        const found = await local!.locate();
        endIsAnError(found);
        const fresh = await new MongoClient(found, options).connect();
        const old = client;
        client = fresh;
        db = fresh.db(dbName);
        opened.clear();
        await closeClient(old).catch(() => undefined);
      } catch {
        // still unreachable: the next failure tries again
      } finally {
        renewing = undefined;
      }
    })());
  /** Passes an operation's outcome on; a local service that could not be selected is looked up again for the next one. */
  const healing = <T>(operation: Promise<T>): Promise<T> =>
    operation.catch((error: unknown) => {
      if (local && (error as Error)?.name === "MongoServerSelectionError") void renew();
      throw error;
    });

  const collection = (name: CollectionName): DocumentCollection => {
    const known = opened.get(name);
    if (known) return known;
    const c = db.collection<Document>(name);
    const insertOne = insertBatcher((docs) => insertCommand(db, name, docs, false));
    const api: DocumentCollection = {
      async insertMany(docs) {
        if (docs.length === 0) return 0;
        if (docs.length === 1) {
          await insertOne(docs[0] as Document);
          return 1;
        }
        const { n, failures } = await insertCommand(db, name, docs as Document[], true);
        if (failures.length) throw writeError(failures[0]);
        return n;
      },
      async upsertMany(docs) {
        // Batches go out together over the pool, so the server stores one while the next is encoded.
        const batches = [];
        for (let i = 0; i < docs.length; i += BULK_BATCH) {
          const ops = docs.slice(i, i + BULK_BATCH).map((d) => ({ replaceOne: { filter: { _id: d._id }, replacement: d as Document, upsert: true } }));
          batches.push(c.bulkWrite(ops as never, { ordered: false }));
        }
        return (await Promise.all(batches)).reduce((n, r) => n + r.upsertedCount + r.matchedCount, 0);
      },
      async find(filter = {}, options = {}) {
        return (await c.find(filter, { sort: options.sort, skip: options.skip, limit: options.limit, projection: options.projection }).toArray()) as Doc[];
      },
      stream: (filter = {}) => findBatches(client, db, name, filter, BULK_BATCH) as AsyncIterable<Doc[]>,
      async findOne(filter) {
        return (await c.findOne(filter)) as Doc | null;
      },
      countDocuments: (filter = {}) => c.countDocuments(filter),
      estimatedCount: () => c.estimatedDocumentCount(),
      async updateOne(filter, update, options = {}) {
        const r = await c.updateOne(filter, update, { upsert: options.upsert });
        return { matchedCount: r.matchedCount, modifiedCount: r.modifiedCount, upsertedCount: r.upsertedCount };
      },
      async updateMany(filter, update) {
        const r = await c.updateMany(filter, update);
        return { matchedCount: r.matchedCount, modifiedCount: r.modifiedCount, upsertedCount: r.upsertedCount };
      },
      async deleteMany(filter) {
        return (await c.deleteMany(filter)).deletedCount;
      },
      async aggregate(pipeline) {
        return (await c.aggregate(pipeline).toArray()) as Doc[];
      },
    };
    for (const key of Object.keys(api) as Array<keyof DocumentCollection>) {
      if (key === "stream") continue;
      const method = api[key] as (...args: unknown[]) => Promise<unknown>;
      (api as unknown as Record<string, unknown>)[key] = (...args: unknown[]) => healing(method(...args));
    }
    opened.set(name, api);
    return api;
  };

  return {
    kind: local ? "embedded" : "mongodb",
    location: local?.location ?? redactUrl(uri),
    collection,
    async ensureSchema() {
      const existing = new Set((await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name));
      // Each upgrade runs once per database, and is recorded: it reads every document of its collection
      // (minutes at `large`), and the validator applied after it keeps later documents in line.
      const applied = db.collection<{ _id: string; why: string; applied_at: Date }>(UPGRADES);
      const done = new Set((await applied.find({}, { projection: { _id: 1 } }).toArray()).map((u) => u._id));
      const record = (id: string, why: string) => applied.updateOne({ _id: id }, { $setOnInsert: { why, applied_at: new Date() } }, { upsert: true });
      for (const [name, spec] of Object.entries(COLLECTIONS)) {
        const upgrades = (spec.upgrades ?? []).map((u) => ({ ...u, id: `${name} ${JSON.stringify(u.filter)}` }));
        for (const upgrade of upgrades) {
          if (done.has(upgrade.id)) continue;
          // A collection created now holds nothing an earlier version stored.
          if (existing.has(name)) await db.collection(name).updateMany(upgrade.filter, upgrade.update);
          await record(upgrade.id, upgrade.why);
        }
        if (existing.has(name)) await db.command({ collMod: name, validator: spec.validator, validationLevel: "strict" });
        else await db.createCollection(name, { validator: spec.validator, validationLevel: "strict" });
        for (const index of spec.indexes) await db.collection(name).createIndex(index.key, { name: index.name, unique: index.unique });
      }
    },
    async ping() {
      if (!local) return `MongoDB ${(await db.admin().command({ buildInfo: 1 })).version}`;
      const counts = await Promise.all(COLLECTION_NAMES.map(async (n) => `${n} ${(await db.collection(n).estimatedDocumentCount()).toLocaleString("en-US")}`));
      return `embedded document store (${counts.join(", ")})`;
    },
    async damage() {
      const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
      const reports = await Promise.all(names.map((name) => db.command({ validate: name })));
      return reports.flatMap((r) => (r.errors ?? []) as string[]);
    },
    close: () => closeClient(client),
  };
}
