/**
 * @module The MongoDB commands the local document service answers, over the storage engine: the
 * handshake and probes the driver and mongosh send, CRUD with cursors, aggregation, collection and
 * index management. Replies and error documents have the shapes and codes a MongoDB 7.0 standalone
 * gives, so the official driver raises the same errors as against a real server.
 */
import { hostname } from "node:os";
import { calculateObjectSize, type Document } from "bson";
import { Query } from "mingo";
import type { DocumentEngine } from "./document-engine.ts";
import { EngineError, type Doc, type IndexSpec, type UpdateStatement, type WriteFailure } from "./log-collection.ts";

export const SERVER_VERSION = "7.0.0";
const MAX_WIRE_VERSION = 21;
const FIRST_BATCH = 101;
const BATCH_BYTES = 16 * 1024 * 1024 - 64 * 1024;
const CURSOR_IDLE_MS = 10 * 60_000;
/** Arguments any command may carry, which the reply does not depend on. */
const GENERIC = new Set(["$db", "lsid", "$readPreference", "$clusterTime", "apiVersion", "apiStrict", "apiDeprecationErrors", "writeConcern", "readConcern", "maxTimeMS", "comment", "txnNumber", "autocommit", "startTransaction", "stmtId"]);

/**
 * An open cursor. `ahead` holds documents read from `source` (with their BSON sizes) and not yet
 * returned: the next batch, read while the client works on the last one.
 */
type Cursor = {
  id: bigint; ns: string; source: Generator<Doc>; limit: number; returned: number; lastUsed: number;
  ahead: Array<{ doc: Doc; bytes: number }>; done: boolean; error?: unknown; prefetch?: NodeJS.Immediate;
};
type Handler = (command: Document, db: string) => Document | Promise<Document>;

function* each(list: Doc[]): Generator<Doc> {
  yield* list;
}
const failed = (code: number, codeName: string, errmsg: string, extra: Document = {}): Document => ({ ok: 0, errmsg, code, codeName, ...extra });

/** Commands over one engine, with the cursors they leave open. */
export class DocumentCommands {
  private cursors = new Map<bigint, Cursor>();
  private nextCursor = BigInt(Date.now()) * 1000n;
  private sweeper: NodeJS.Timeout;
  private readonly started = Date.now();
  connections = 0;

  constructor(private engine: DocumentEngine) {
    this.sweeper = setInterval(() => this.sweep(), 60_000).unref();
  }

  async run(command: Document): Promise<Document> {
    const name = Object.keys(command)[0];
    const db = String(command.$db ?? "admin");
    if (command.txnNumber !== undefined) return failed(263, "OperationNotSupportedInTransaction", "Transaction numbers are only allowed on a replica set member or mongos");
    const handler = this.handlers[name];
    if (!handler) return failed(59, "CommandNotFound", `no such command: '${name}'`);
    try {
      return await handler(command, db);
    } catch (error) {
      if (error instanceof EngineError) return failed(error.code, error.codeName, error.message, error.extra);
      return failed(8000, "InternalError", error instanceof Error ? error.message : String(error));
    }
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const cursor of this.cursors.values()) this.release(cursor);
    this.cursors.clear();
  }

  private release(cursor: Cursor): void {
    if (cursor.prefetch) clearImmediate(cursor.prefetch);
    cursor.source.return(undefined);
    this.cursors.delete(cursor.id);
  }

  private sweep(): void {
    const now = Date.now();
    for (const cursor of this.cursors.values()) {
      if (now - cursor.lastUsed > CURSOR_IDLE_MS) this.release(cursor);
    }
  }

  private hello = (command: Document): Document => ({
    [command.hello ? "isWritablePrimary" : "ismaster"]: true,
    helloOk: true,
    maxBsonObjectSize: 16 * 1024 * 1024,
    maxMessageSizeBytes: 48_000_000,
    maxWriteBatchSize: 100_000,
    localTime: new Date(),
    logicalSessionTimeoutMinutes: 30,
    connectionId: this.connections,
    minWireVersion: 0,
    maxWireVersion: MAX_WIRE_VERSION,
    readOnly: false,
    ok: 1,
  });

  /** The first batch of a new cursor, registering it when documents remain. */
  private openCursor(ns: string, source: Generator<Doc>, options: { batchSize?: number; limit?: number; singleBatch?: boolean }): Document {
    const cursor: Cursor = { id: 0n, ns, source, limit: options.limit ? Math.abs(options.limit) : 0, returned: 0, lastUsed: Date.now(), ahead: [], done: false };
    const batch = this.take(cursor, options.batchSize ?? FIRST_BATCH);
    if (this.exhausted(cursor) || options.singleBatch) cursor.source.return(undefined);
    else {
      cursor.id = this.nextCursor++;
      this.cursors.set(cursor.id, cursor);
      this.readAhead(cursor, batch.length);
    }
    return { cursor: { firstBatch: batch, id: cursor.id, ns }, ok: 1 };
  }

  /** The next document from `source` into `ahead`; false at its end. */
  private pull(cursor: Cursor): boolean {
    if (cursor.done) return false;
    const next = cursor.source.next();
    if (next.done) {
      cursor.done = true;
      return false;
    }
    cursor.ahead.push({ doc: next.value, bytes: calculateObjectSize(next.value) });
    return true;
  }

  private exhausted(cursor: Cursor): boolean {
    if (cursor.limit && cursor.returned >= cursor.limit) return true;
    return cursor.ahead.length === 0 && !this.pull(cursor);
  }

  /**
   * Reads the next `count` documents once this reply has gone out: the client asks for them only
   * after decoding this batch, and the one getMore a cursor allows in flight would otherwise leave
   * the service idle while the client decodes, and the client idle while the service reads.
   */
  private readAhead(cursor: Cursor, count: number): void {
    const wanted = cursor.limit ? Math.min(count, cursor.limit - cursor.returned) : count;
    cursor.prefetch = setImmediate(() => {
      cursor.prefetch = undefined;
      if (this.cursors.get(cursor.id) !== cursor) return;
      try {
        while (cursor.ahead.length < wanted && this.pull(cursor));
      } catch (error) {
        // Raised to the client by the getMore that reaches this point.
        cursor.error = error;
      }
    });
  }

  /** Up to `count` documents (0: no count limit) within one reply's size. */
  private take(cursor: Cursor, count: number): Doc[] {
    if (cursor.prefetch) {
      clearImmediate(cursor.prefetch);
      cursor.prefetch = undefined;
    }
    const batch: Doc[] = [];
    let bytes = 0;
    const wanted = cursor.limit ? Math.min(count || Infinity, cursor.limit - cursor.returned) : count || Infinity;
    let taken = 0;
    while (batch.length < wanted) {
      if (taken === cursor.ahead.length) {
        if (cursor.error !== undefined) throw cursor.error;
        if (!this.pull(cursor)) break;
      }
      const next = cursor.ahead[taken];
      bytes += next.bytes;
      if (bytes > BATCH_BYTES && batch.length) break;
      batch.push(next.doc);
      taken++;
    }
    cursor.ahead = cursor.ahead.slice(taken);
    cursor.returned += batch.length;
    return batch;
  }

  private collection(db: string, name: unknown, create = false) {
    if (typeof name !== "string" || !name) throw new EngineError(73, "InvalidNamespace", `collection name must be a non-empty string, got ${JSON.stringify(name)}`);
    return this.engine.collection(db, name, create);
  }

  private writeReply(result: { n: number; errors: WriteFailure[] }, extra: Document = {}): Document {
    return { n: result.n, ...extra, ...(result.errors.length ? { writeErrors: result.errors } : {}), ok: 1 };
  }

  private handlers: Record<string, Handler> = {
    hello: this.hello,
    isMaster: this.hello,
    ismaster: this.hello,
    ping: () => ({ ok: 1 }),
    buildInfo: () => this.buildInfo(),
    buildinfo: () => this.buildInfo(),
    getParameter: (c) => (c.featureCompatibilityVersion ? { featureCompatibilityVersion: { version: "7.0" }, ok: 1 } : { ok: 1 }),
    getLog: () => ({ totalLinesWritten: 0, log: [], ok: 1 }),
    endSessions: () => ({ ok: 1 }),
    killAllSessions: () => ({ ok: 1 }),
    connectionStatus: () => ({ authInfo: { authenticatedUsers: [], authenticatedUserRoles: [] }, ok: 1 }),
    whatsmyuri: () => ({ you: "127.0.0.1", ok: 1 }),
    serverStatus: () => ({
      host: hostname(), version: SERVER_VERSION, process: "nike-local-stores", pid: BigInt(process.pid), uptime: (Date.now() - this.started) / 1000,
      localTime: new Date(), connections: { current: this.connections }, ok: 1,
    }),

    listDatabases: (c) => {
      const databases = this.engine.databases();
      return { databases: c.nameOnly ? databases.map((d) => ({ name: d.name })) : databases, totalSize: databases.reduce((s, d) => s + d.sizeOnDisk, 0), ok: 1 };
    },
    listCollections: (c, db) => {
      const items = this.engine.listCollections(db).map(({ name, options }) =>
        c.nameOnly ? { name, type: "collection" } : { name, type: "collection", options, info: { readOnly: false }, idIndex: { v: 2, key: { _id: 1 }, name: "_id_" } });
      const filter = c.filter && Object.keys(c.filter).length ? new Query(c.filter) : undefined;
      const list = filter ? items.filter((i) => filter.test(i)) : items;
      return this.openCursor(`${db}.$cmd.listCollections`, each(list), { batchSize: c.cursor?.batchSize });
    },
    create: (c, db) => {
      const { create: name, ...rest } = c;
      this.engine.create(db, name, Object.fromEntries(Object.entries(rest).filter(([k]) => !GENERIC.has(k))));
      return { ok: 1 };
    },
    collMod: (c, db) => {
      const { collMod: name, ...rest } = c;
      this.engine.collMod(db, name, Object.fromEntries(Object.entries(rest).filter(([k]) => !GENERIC.has(k))));
      return { ok: 1 };
    },
    drop: (c, db) => {
      if (!this.engine.drop(db, c.drop)) return failed(26, "NamespaceNotFound", "ns not found");
      return { nIndexesWas: 1, ns: `${db}.${c.drop}`, ok: 1 };
    },
    dropDatabase: (_c, db) => {
      this.engine.dropDatabase(db);
      return { dropped: db, ok: 1 };
    },
    createIndexes: (c, db) => {
      const specs = (c.indexes ?? []) as IndexSpec[];
      if (!Array.isArray(specs) || specs.some((s) => !s || typeof s.key !== "object" || typeof s.name !== "string")) return failed(9, "FailedToParse", "createIndexes needs indexes: [{key, name}]");
      const { before, after } = this.engine.createIndexes(db, c.createIndexes, specs);
      return { numIndexesBefore: before, numIndexesAfter: after, createdCollectionAutomatically: false, ok: 1 };
    },
    listIndexes: (c, db) => {
      const collection = this.collection(db, c.listIndexes);
      if (!collection) return failed(26, "NamespaceNotFound", `ns does not exist: ${db}.${c.listIndexes}`);
      return this.openCursor(`${db}.${c.listIndexes}`, each(collection.indexes), { batchSize: c.cursor?.batchSize });
    },
    dropIndexes: (c, db) => {
      for (const index of Array.isArray(c.index) ? c.index : [c.index]) this.engine.dropIndex(db, c.dropIndexes, typeof index === "string" ? index : "*");
      return { ok: 1 };
    },

    find: (c, db) => {
      const collection = this.collection(db, c.find);
      const ns = `${db}.${c.find}`;
      if (!collection) return { cursor: { firstBatch: [], id: 0n, ns }, ok: 1 };
      const limit = c.limit ? Math.abs(Number(c.limit)) : 0;
      const source = collection.find(c.filter ?? {}, { sort: c.sort, skip: Number(c.skip ?? 0), limit, projection: c.projection });
      return this.openCursor(ns, source, { batchSize: c.batchSize === undefined ? undefined : Number(c.batchSize), limit, singleBatch: c.singleBatch });
    },
    getMore: (c, db) => {
      const cursor = this.cursors.get(BigInt(c.getMore));
      if (!cursor) return failed(43, "CursorNotFound", `cursor id ${c.getMore} not found`);
      cursor.lastUsed = Date.now();
      const batch = this.take(cursor, Number(c.batchSize ?? 0));
      let id = cursor.id;
      if (this.exhausted(cursor)) {
        this.release(cursor);
        id = 0n;
      } else this.readAhead(cursor, batch.length);
      return { cursor: { nextBatch: batch, id, ns: cursor.ns ?? `${db}.${c.collection}` }, ok: 1 };
    },
    killCursors: (c) => {
      const killed: bigint[] = [];
      const notFound: bigint[] = [];
      for (const raw of c.cursors ?? []) {
        const id = BigInt(raw);
        const cursor = this.cursors.get(id);
        if (cursor) {
          this.release(cursor);
          killed.push(id);
        } else notFound.push(id);
      }
      return { cursorsKilled: killed, cursorsNotFound: notFound, cursorsAlive: [], cursorsUnknown: [], ok: 1 };
    },
    aggregate: (c, db) => {
      if (typeof c.aggregate !== "string") return failed(115, "CommandNotSupported", "Database-level aggregation is not supported by the local document service.");
      if (!Array.isArray(c.pipeline)) return failed(14, "TypeMismatch", "'pipeline' option must be specified as an array");
      const unsupported = c.pipeline.map((s: Doc) => Object.keys(s)[0]).find((s: string) => ["$out", "$merge", "$changeStream", "$currentOp"].includes(s));
      if (unsupported) return failed(115, "CommandNotSupported", `${unsupported} is not supported by the local document service.`);
      const collection = this.collection(db, c.aggregate);
      const ns = `${db}.${c.aggregate}`;
      if (!collection) return { cursor: { firstBatch: [], id: 0n, ns }, ok: 1 };
      return this.openCursor(ns, collection.aggregate(c.pipeline), { batchSize: c.cursor?.batchSize });
    },
    count: (c, db) => {
      const collection = this.collection(db, c.count);
      if (!collection) return { n: 0, ok: 1 };
      const query = c.query ?? {};
      const skip = Number(c.skip ?? 0);
      const limit = Math.abs(Number(c.limit ?? 0));
      if (!skip && !limit) return { n: collection.countMatching(query), ok: 1 };
      let n = 0;
      for (const _ of collection.find(query, { skip, limit })) n++;
      return { n, ok: 1 };
    },
    distinct: (c, db) => {
      const collection = this.collection(db, c.distinct);
      return { values: collection ? collection.distinct(String(c.key), c.query ?? {}) : [], ok: 1 };
    },

    insert: async (c, db) => {
      const docs = c.documents as Doc[];
      if (!Array.isArray(docs)) return failed(9, "FailedToParse", "insert needs documents: [...]");
      return this.writeReply(await this.collection(db, c.insert, true)!.insert(docs, c.ordered !== false, Boolean(c.bypassDocumentValidation)));
    },
    update: async (c, db) => {
      const statements = c.updates as UpdateStatement[];
      if (!Array.isArray(statements) || statements.some((s) => !s || typeof s.q !== "object" || typeof s.u !== "object")) return failed(9, "FailedToParse", "update needs updates: [{q, u}]");
      const result = await this.collection(db, c.update, true)!.update(statements, c.ordered !== false, Boolean(c.bypassDocumentValidation));
      return this.writeReply(result, { nModified: result.nModified, ...(result.upserted.length ? { upserted: result.upserted } : {}) });
    },
    delete: async (c, db) => {
      const statements = c.deletes as Array<{ q: Doc; limit?: number }>;
      if (!Array.isArray(statements) || statements.some((s) => !s || typeof s.q !== "object")) return failed(9, "FailedToParse", "delete needs deletes: [{q, limit}]");
      const collection = this.collection(db, c.delete);
      if (!collection) return { n: 0, ok: 1 };
      return this.writeReply(await collection.remove(statements.map((s) => ({ q: s.q, limit: Number(s.limit ?? 0) })), c.ordered !== false));
    },
    findAndModify: async (c, db) => {
      const collection = this.collection(db, c.findAndModify, Boolean(c.upsert))!;
      const query = (c.query ?? {}) as Doc;
      const [before] = collection ? [...collection.find(query, { sort: c.sort, limit: 1 })] : [];
      const project = (doc: Doc | undefined) => (doc && c.fields && Object.keys(c.fields).length ? (new Query({}).find([doc], c.fields).next() as Doc) : doc) ?? null;
      if (c.remove) {
        if (before) await collection.remove([{ q: { _id: before._id }, limit: 1 }], true);
        return { lastErrorObject: { n: before ? 1 : 0 }, value: project(before), ok: 1 };
      }
      if (!c.update) return failed(9, "FailedToParse", "Either an update or remove=true must be specified");
      const statement: UpdateStatement = { q: before ? { _id: before._id } : query, u: c.update, upsert: Boolean(c.upsert), arrayFilters: c.arrayFilters };
      const result = await collection.update([statement], true);
      const [error] = result.errors;
      if (error) {
        const { index: _, code, errmsg, ...extra } = error;
        return failed(code, code === 11000 ? "DuplicateKey" : code === 121 ? "DocumentValidationFailure" : "BadValue", errmsg, extra);
      }
      const id = before?._id ?? result.upserted[0]?._id;
      const [after] = id === undefined ? [] : [...collection.find({ _id: id }, { limit: 1 })];
      const lastErrorObject = { n: 1, updatedExisting: Boolean(before), ...(before ? {} : { upserted: id }) };
      return { lastErrorObject, value: project(c.new ? after : before), ok: 1 };
    },
    validate: (c, db) => {
      const collection = this.collection(db, c.validate);
      if (!collection) return failed(26, "NamespaceNotFound", `Collection '${db}.${c.validate}' does not exist to validate.`);
      const errors = collection.damaged.map((d) => `${d.file} line ${d.line} (byte ${d.offset}): checksum mismatch; the document stored there cannot be read`);
      return { ns: `${db}.${c.validate}`, nrecords: collection.count, nIndexes: collection.indexes.length, valid: errors.length === 0, errors, warnings: [], corruptRecords: collection.damaged, ok: 1 };
    },
    collStats: (c, db) => {
      const collection = this.collection(db, c.collStats);
      return { ns: `${db}.${c.collStats}`, count: collection?.count ?? 0, size: collection?.bytes ?? 0, storageSize: collection?.bytes ?? 0, nindexes: collection?.indexes.length ?? 0, ok: 1 };
    },
    dbStats: (_c, db) => {
      const names = this.engine.collectionNames(db);
      const collections = names.map((n) => this.engine.collection(db, n)!);
      const size = collections.reduce((s, c) => s + c.bytes, 0);
      return { db, collections: names.length, objects: collections.reduce((s, c) => s + c.count, 0), dataSize: size, storageSize: size, ok: 1 };
    },
  };

  private buildInfo(): Document {
    return { version: SERVER_VERSION, gitVersion: "nike-local-stores", versionArray: [7, 0, 0, 0], modules: [], bits: 64, maxBsonObjectSize: 16 * 1024 * 1024, storageEngines: ["nike-log"], ok: 1 };
  }
}
