/**
 * @module dynalite on loopback, its LevelDB files under one folder, served on the thread that calls
 * `serveDynalite` (the local service runs it on a worker thread of its own: see dynamodb-service.ts).
 * Erased means gone from the files: a DeleteItem, or a BatchWriteItem with a DeleteRequest, is
 * answered only once no file under the folder holds the deleted item's values any more (old
 * versions and index copies included). LevelDB keeps them in its write-ahead log and tables until
 * a compaction drops them, and keeps keys (which spell attribute values) in its MANIFEST and info
 * LOG until it is reopened; so before answering, an erase round compacts everything and reopens.
 * Rounds run one at a time; deletes answered by dynalite meanwhile share the next round.
 */
import { mkdirSync } from "node:fs";
import { rm } from "node:fs/promises";
import type { IncomingMessage, Server as HttpServer, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo, Socket } from "node:net";
import { join } from "node:path";
import { describe } from "../../lib/errors.ts";
import { batchWriteItem } from "./dynalite-puts.ts";

export type DynaliteServer = {
  port: number;
  /** Client connections open now. */
  openConnections(): number;
  close(): Promise<void>;
};

// Sentinel keys below and above every dynalite key (all of which start with an ASCII letter).
const LOWEST = "\u0000";
const HIGHEST = "\uffff";
const LEVELS = 7; // LevelDB's config::kNumLevels
/** How long an erase round waits for reads that began before it (their snapshots keep old versions). */
const READS_WAIT_MS = 10_000;
/**
 * LevelDB's memtable (its default is 4 MB). A bulk load of sessions writes each item three times (its
 * index copies), and at 4 MB LevelDB's compaction thread rewrote them level by level: 10 s of CPU per
 * 100,000 sessions, on the core the loader needs. At 64 MB it is 4 s, and the load 7–26% faster.
 */
const OPEN_OPTIONS = { writeBufferSize: 64 * 2 ** 20 };

type LevelIterator = { close(): Promise<void>; return?: () => Promise<void> };
/** The parts of classic-level's ClassicLevel that this module uses. */
type Level = {
  open(options?: typeof OPEN_OPTIONS): Promise<void>;
  close(): Promise<void>;
  batch(operations: { type: "del"; key: string }[]): Promise<void>;
  compactRange(start: string, end: string): Promise<void>;
  getProperty(name: string): string;
  keys(options?: unknown): LevelIterator;
  values(options?: unknown): LevelIterator;
};
type Store = { db: Level; lifecycleManager: { trackOperation<T>(operation: Promise<T>): Promise<T>; getState(): string } };

// dynalite is CommonJS without types.
const require = createRequire(import.meta.url);
// dynalite takes its actions from its own modules as it loads: put the batch write's in place first.
require("dynalite/actions/batchWriteItem");
const batchWriteModule = require.cache[require.resolve("dynalite/actions/batchWriteItem")]!;
batchWriteModule.exports = batchWriteItem(batchWriteModule.exports);
const dynalite = require("dynalite") as (options: Record<string, unknown>) => HttpServer;
const dynaliteDb = require("dynalite/db") as { create(options: unknown): Store };

type Callback = (error: Error | null, value?: unknown) => void;
type CallbackLevel = Level & {
  get(key: string, callback: Callback): void;
  put(key: string, value: unknown, callback: Callback): void;
  del(key: string, callback: Callback): void;
  batch(operations: unknown[], callback: Callback): void;
  getMany(keys: string[]): Promise<unknown[]>;
};

/**
 * dynalite makes one LevelDB call per read or write of an item (its table's description, the item, each
 * index copy), each a trip through libuv's thread pool. Gathered over one turn of the event loop they go
 * down together: the reads as one getMany, the writes as one atomic batch.
 */
function gatherCalls(level: Level, lifecycle: Store["lifecycleManager"]) {
  const db = level as CallbackLevel;
  const { get, put, del, batch } = db; // dynalite's callback wrappers
  let reads: { key: string; callback: Callback }[] = [];
  let writes: { operation: { type: "put" | "del"; key: string; value?: unknown }; callback: Callback }[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    const [r, w] = [reads, writes];
    reads = [];
    writes = [];
    if (w.length === 1) {
      const [{ operation, callback }] = w;
      if (operation.type === "put") put.call(db, operation.key, operation.value, callback);
      else del.call(db, operation.key, callback);
    } else if (w.length) batch.call(db, w.map((x) => x.operation), (error) => w.forEach((x) => x.callback(error)));
    if (r.length === 1) get.call(db, r[0].key, r[0].callback);
    else if (r.length) {
      const answer = (error: Error | null, values?: unknown[]) => r.forEach((x, i) => x.callback(error, values?.[i]));
      if (lifecycle.getState() === "closed") return void setImmediate(answer, new Error("Database is closed"));
      lifecycle.trackOperation(db.getMany(r.map((x) => x.key))).then(
        (values) => setImmediate(answer, null, values),
        (error: Error & { code?: string }) => setImmediate(answer, error.code === "LEVEL_DATABASE_NOT_OPEN" ? new Error("Database is closed") : error),
      );
    }
  };
  const schedule = () => {
    if (!scheduled) (scheduled = true), setImmediate(flush);
  };
  db.get = (key: string, callback: Callback) => (reads.push({ key, callback }), schedule());
  db.put = (key: string, value: unknown, callback: Callback) => (writes.push({ operation: { type: "put", key, value }, callback }), schedule());
  db.del = (key: string, callback: Callback) => (writes.push({ operation: { type: "del", key }, callback }), schedule());
}

/** Starts dynalite on 127.0.0.1:`port` (0 = any) with its LevelDB files under `dir`. */
export async function serveDynalite(dir: string, port = 0, onConnections: (open: number) => void = () => {}): Promise<DynaliteServer> {
  mkdirSync(dir, { recursive: true });
  // dynalite keeps its LevelDB to itself; it builds it through this module object, so catch it there.
  const create = dynaliteDb.create;
  let store: Store | undefined;
  let server: HttpServer;
  dynaliteDb.create = (options) => (store = create(options));
  try {
    server = dynalite({ path: dir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  } finally {
    dynaliteDb.create = create;
  }
  const { db, lifecycleManager } = store!;
  gatherCalls(db, lifecycleManager);
  try {
    await db.open(OPEN_OPTIONS); // surfaces a folder locked by another process now, not at the first request
  } catch (error) {
    await db.close();
    throw error;
  }
  await rm(join(dir, "LOG.old"), { force: true }); // opening moved the last info log there

  // Reads hold a snapshot while their iterator is open, and a compaction keeps what a snapshot can see.
  const openReads = new Set<Promise<void>>();
  for (const method of ["keys", "values"] as const) {
    const open = db[method].bind(db);
    db[method] = (options) => {
      const iterator = open(options);
      const close = iterator.close.bind(iterator);
      let closed!: () => void;
      const done = new Promise<void>((resolve) => (closed = resolve));
      openReads.add(done);
      iterator.close = () => close().finally(() => (openReads.delete(done), closed()));
      // dynalite ends its streams through `return`, which these iterators lack: without it a Scan or
      // Query that stops at its Limit leaves its iterator, and so its snapshot, open for good.
      iterator.return = iterator.close;
      return iterator;
    };
  }

  const levelFiles = () => Array.from({ length: LEVELS }, (_, level) => Number(db.getProperty(`leveldb.num-files-at-level${level}`))).reduce((a, b) => a + b, 0);
  const compactAll = async () => {
    // Deleting the sentinels makes the flushed memtable span every key, so that compactRange merges
    // it through every level down to the last, where old versions and tombstones are dropped.
    await db.batch([{ type: "del", key: LOWEST }, { type: "del", key: HIGHEST }]);
    await db.compactRange(LOWEST, HIGHEST);
  };

  // Requests wait at the gate while the database is reopened; `active` counts those dynalite is handling.
  let gate: Promise<void> | undefined;
  let active = 0;
  let drained: (() => void) | undefined;
  const quiesced = async (work: () => Promise<void>) => {
    let open!: () => void;
    gate = new Promise((resolve) => (open = resolve));
    try {
      while (active) await new Promise<void>((resolve) => (drained = resolve));
      // dynalite finishes CreateTable/DeleteTable/UpdateTable with a 0 ms timer after answering.
      await new Promise((resolve) => setTimeout(resolve, 0));
      await work();
    } finally {
      gate = undefined;
      open();
    }
  };
  const reopen = async () => {
    // The prototype's close: dynalite's own close marks its store closed for good.
    await Object.getPrototypeOf(db).close.call(db);
    await db.open(OPEN_OPTIONS);
    await rm(join(dir, "LOG.old"), { force: true });
  };
  const eraseRound = async () => {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(openReads), new Promise((resolve) => (timer = setTimeout(resolve, READS_WAIT_MS)))]);
    clearTimeout(timer);
    // A flush into an empty database lands on level 2, below what compactRange rewrites: compact twice.
    const passes = levelFiles() === 0 ? 2 : 1;
    for (let pass = 0; pass < passes; pass++) await compactAll();
    await quiesced(reopen);
  };
  let running: Promise<void> | undefined;
  let queued: Promise<void> | undefined;
  const erased = (): Promise<void> => {
    if (queued) return queued;
    if (running) {
      return (queued = running.catch(() => {}).then(() => {
        queued = undefined;
        return erased();
      }));
    }
    // Tracked, so that dynalite's close waits for the round before closing the database.
    return (running = lifecycleManager.trackOperation(eraseRound()).finally(() => (running = undefined)));
  };

  const [handle] = server.listeners("request") as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners("request");
  const dispatch = (req: IncomingMessage, res: ServerResponse) => {
    active++;
    let handled = false;
    const settle = () => {
      if (handled) return;
      handled = true;
      if (--active === 0) drained?.();
    };
    res.once("close", settle);
    const target = String(req.headers["x-amz-target"] ?? "");
    const batch = target.endsWith(".BatchWriteItem");
    const chunks: Buffer[] = [];
    if (batch) req.on("data", (chunk: Buffer) => chunks.push(chunk));
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    res.end = ((...args: unknown[]) => {
      settle();
      const deletes = target.endsWith(".DeleteItem") || (batch && Buffer.concat(chunks).includes('"DeleteRequest"'));
      if (res.statusCode !== 200 || !deletes) return end(...args);
      erased().then(
        () => end(...args),
        (error: unknown) => {
          // The item is deleted but may still be in the files: a 500 makes the SDK retry, which erases again.
          const body = JSON.stringify({ __type: "com.amazonaws.dynamodb.v20120810#InternalServerError", message: `Deleted, but not yet erased from the files: ${describe(error)}` });
          res.statusCode = 500;
          res.removeHeader("x-amz-crc32");
          res.setHeader("Content-Length", Buffer.byteLength(body));
          end(body);
        },
      );
      return res;
    }) as ServerResponse["end"];
    handle(req, res);
  };
  server.on("request", (req: IncomingMessage, res: ServerResponse) => (gate ? void gate.then(() => dispatch(req, res)) : dispatch(req, res)));

  const sockets = new Set<Socket>();
  server.on("connection", (socket) => {
    sockets.add(socket);
    onConnections(sockets.size);
    socket.once("close", () => (sockets.delete(socket), onConnections(sockets.size)));
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    await db.close();
    throw error;
  }
  return {
    port: (server.address() as AddressInfo).port,
    openConnections: () => sockets.size,
    async close() {
      const closed = new Promise<void>((resolve, reject) => server.close((error?: Error) => (error ? reject(error) : resolve())));
      // Held delete answers go out when their round ends; then nothing is left to wait for.
      await Promise.allSettled([running, queued]);
      await new Promise((resolve) => setImmediate(resolve));
      server.closeAllConnections();
      await closed;
    },
  };
}
