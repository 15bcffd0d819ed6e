/**
 * @module The embedded document store: MongoDB's query language (mingo) over an append-only log per
 * collection under `DATA_DIR/documents/`. Memory holds only where each live document sits in the log
 * (and the equality indexes), so a collection can be far larger than the heap; documents are read
 * back from the log when a query needs them.
 *
 * Each write call appends its documents and then a commit line, and fsyncs before it returns; on open,
 * lines after the last commit line (a write cut short by a crash) are dropped, so every acknowledged
 * write is present and no write is half-applied. One process owns the folder at a time (a lock file).
 */
import { closeSync, existsSync, fsync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { ObjectId } from "mongodb";
import { Query, aggregate, find, update as applyUpdate } from "mingo";
import { UserError } from "../lib/errors.ts";
import { COLLECTION_NAMES, COLLECTIONS, type CollectionName, type CollectionSpec } from "./document-schema.ts";
import type { Doc, DocumentCollection, DocumentStore, Filter, FindOptions, Update, UpdateResult } from "./documents.ts";
import { violation } from "./json-schema.ts";
import { lowerBound, TimeIndex } from "./time-index.ts";

const COMMIT = '{"c":1}';
const READ_CHUNK = 16 * 1024 * 1024;
const WRITE_CHUNK = 20_000;
const STREAM_BATCH = 10_000;
/** A log position is packed into one number: offset × LINE_LIMIT + length (lines under 1 MiB, logs under 8 GiB). */
const LINE_LIMIT = 2 ** 20;
const pack = (offset: number, length: number) => offset * LINE_LIMIT + length;

/**
 * Dates survive the log as {"$date": ms}, like MongoDB's extended JSON. Both directions walk the
 * document in plain loops: a JSON replacer or reviver callback per value is several times slower.
 */
function toExtended(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (value instanceof Date) return { $date: value.getTime() };
  if (Array.isArray(value)) return value.map(toExtended);
  const out: Record<string, unknown> = {};
  for (const key in value) out[key] = toExtended((value as Record<string, unknown>)[key]);
  return out;
}
function fromExtended(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = fromExtended(value[i]);
    return value;
  }
  const record = value as Record<string, unknown>;
  if (typeof record.$date === "number") return new Date(record.$date);
  for (const key in record) {
    const v = record[key];
    if (v !== null && typeof v === "object") record[key] = fromExtended(v);
  }
  return record;
}
const encode = (doc: unknown): string => JSON.stringify(toExtended(doc));
const decode = (line: string): unknown => fromExtended(JSON.parse(line));

/** A stable map key for an `_id` or an indexed value: 1 and "1" stay different. */
const keyOf = (value: unknown): string => (value instanceof Date ? `d${value.getTime()}` : `${typeof value}:${String(value)}`);

const isOperatorUpdate = (update: Update) => Object.keys(update).some((k) => k.startsWith("$"));
const isPlainValue = (v: unknown) => v === null || ["string", "number", "boolean"].includes(typeof v) || v instanceof Date;

/** Every line of a file with its byte range, read in chunks (logs can be far larger than a JS string). */
function* lines(path: string): Generator<[line: string, start: number, end: number]> {
  const fd = openSync(path, "r");
  try {
    const buffer = Buffer.alloc(READ_CHUNK);
    let carry = Buffer.alloc(0);
    let base = 0; // file offset of data[0]
    for (;;) {
      const n = readSync(fd, buffer, 0, READ_CHUNK, null);
      if (n === 0) break;
      const data = carry.length ? Buffer.concat([carry, buffer.subarray(0, n)]) : buffer.subarray(0, n);
      let start = 0;
      for (let nl = data.indexOf(10, start); nl !== -1; nl = data.indexOf(10, start)) {
        yield [data.toString("utf8", start, nl), base + start, base + nl];
        start = nl + 1;
      }
      carry = Buffer.from(data.subarray(start));
      base += start;
    }
  } finally {
    closeSync(fd);
  }
}

type Op = { put?: Doc; del?: unknown };

class EmbeddedCollection implements DocumentCollection {
  /** _id key → packed log position of the document's latest version. */
  private live = new Map<string, number>();
  /** For each indexed field (the first field of each declared index): value key → _id keys. */
  private indexes = new Map<string, Map<string, Set<string>>>();
  /** For each indexed date field: a range index. */
  private timeIndexes = new Map<string, TimeIndex>();
  private uniqueFields: string[];
  private writeFd = -1;
  private readFd = -1;
  private size = 0;
  private logLines = 0;

  constructor(
    private name: CollectionName,
    private spec: CollectionSpec,
    private path: string,
  ) {
    // Dates are looked up by range, everything else by equality.
    const properties = spec.validator.$jsonSchema.properties ?? {};
    for (const index of spec.indexes) {
      const field = Object.keys(index.key)[0];
      if (properties[field]?.bsonType === "date") this.timeIndexes.set(field, new TimeIndex());
      else this.indexes.set(field, new Map());
    }
    this.uniqueFields = spec.indexes.filter((i) => i.unique && Object.keys(i.key).length === 1).map((i) => Object.keys(i.key)[0]);
    if (!existsSync(this.path)) writeFileSync(this.path, "");
    this.openFiles();
    this.replay();
    if (this.logLines > 2 * this.live.size + 10_000) this.compact();
  }

  private openFiles(): void {
    if (this.writeFd >= 0) closeSync(this.writeFd);
    if (this.readFd >= 0) closeSync(this.readFd);
    this.writeFd = openSync(this.path, "a");
    this.readFd = openSync(this.path, "r");
  }

  /** Applies committed lines; drops a trailing uncommitted tail left by a crash. */
  private replay(): void {
    let pending: Array<{ id: string; at?: number; doc?: Doc }> = [];
    let committed = 0;
    let lineNo = 0;
    for (const [line, start, end] of lines(this.path)) {
      lineNo++;
      if (line === COMMIT) {
        for (const op of pending) op.doc ? this.place(op.id, op.at!, op.doc) : this.remove(op.id);
        pending = [];
        committed = end + 1;
        this.logLines = lineNo;
        continue;
      }
      try {
        const op = decode(line) as { p?: Doc; d?: unknown };
        pending.push(op.p ? { id: keyOf(op.p._id), at: pack(start, end - start), doc: op.p } : { id: keyOf(op.d) });
      } catch {
        pending.push({ id: "" }); // an unparsable line can only be in the uncommitted tail; it is dropped below
      }
    }
    const size = statSync(this.path).size;
    if (committed !== size) {
      const fd = openSync(this.path, "r+");
      ftruncateSync(fd, committed);
      fsyncSync(fd);
      closeSync(fd);
    }
    this.size = committed;
  }

  /** Rewrites the log with only the live versions (atomically, by rename). */
  private compact(): void {
    const tmp = `${this.path}.compact`;
    const fd = openSync(tmp, "w");
    const moved = new Map<string, number>();
    let offset = 0;
    let chunk: string[] = [];
    const flush = () => {
      if (chunk.length) writeSync(fd, chunk.join(""));
      chunk = [];
    };
    for (const [line, start, end] of lines(this.path)) {
      if (!line.startsWith('{"p":')) continue;
      const id = keyOf((decode(line) as { p: Doc }).p._id);
      if (this.live.get(id) !== pack(start, end - start)) continue;
      moved.set(id, pack(offset, end - start));
      offset += end - start + 1;
      chunk.push(`${line}\n`);
      if (chunk.length >= WRITE_CHUNK) flush();
    }
    flush();
    writeSync(fd, `${COMMIT}\n`);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.path);
    this.live = moved;
    this.size = offset + COMMIT.length + 1;
    this.logLines = moved.size + 1;
    this.openFiles();
  }

  /** The document at a packed log position. */
  private readAt(at: number): Doc {
    const length = at % LINE_LIMIT;
    const buffer = Buffer.alloc(length);
    readSync(this.readFd, buffer, 0, length, (at - length) / LINE_LIMIT);
    return (decode(buffer.toString("utf8")) as { p: Doc }).p;
  }

  private place(id: string, at: number, doc: Doc): void {
    this.remove(id);
    this.live.set(id, at);
    for (const [field, map] of this.indexes) {
      const k = keyOf(doc[field]);
      let set = map.get(k);
      if (!set) map.set(k, (set = new Set()));
      set.add(id);
    }
    for (const [field, index] of this.timeIndexes) {
      const value = doc[field];
      if (value instanceof Date) index.add(value.getTime(), id);
    }
  }

  private remove(id: string): void {
    const at = this.live.get(id);
    if (at === undefined) return;
    if (this.indexes.size) {
      const old = this.readAt(at);
      for (const [field, map] of this.indexes) map.get(keyOf(old[field]))?.delete(id);
    }
    this.live.delete(id);
  }

  /**
   * Appends the operations and a commit line, applies them in memory, and resolves once an fsync
   * covers them. Concurrent writers share one fsync (group commit), so many small writes (the app
   * logging workouts) cost one disk flush per batch, not one each.
   */
  private async commit(ops: Op[]): Promise<void> {
    if (ops.length === 0) return;
    const placed: Array<{ id: string; at?: number; doc?: Doc }> = [];
    let offset = this.size;
    for (let i = 0; i < ops.length; i += WRITE_CHUNK) {
      const text: string[] = [];
      for (const op of ops.slice(i, i + WRITE_CHUNK)) {
        const line = op.put ? `{"p":${encode(op.put)}}` : `{"d":${encode(op.del)}}`;
        const length = Buffer.byteLength(line);
        if (length >= LINE_LIMIT) throw new UserError(`A document for ${this.name} is over 1 MiB; store large content elsewhere.`);
        placed.push(op.put ? { id: keyOf(op.put._id), at: pack(offset, length), doc: op.put } : { id: keyOf(op.del) });
        offset += length + 1;
        text.push(line, "\n");
      }
      writeSync(this.writeFd, text.join(""));
    }
    writeSync(this.writeFd, `${COMMIT}\n`);
    this.size = offset + COMMIT.length + 1;
    this.logLines += ops.length + 1;
    for (const op of placed) op.doc ? this.place(op.id, op.at!, op.doc) : this.remove(op.id);
    await this.durable(++this.written);
  }

  private written = 0;
  private synced = 0;
  private syncing = false;
  private waiters: Array<{ seq: number; done(error?: Error): void }> = [];

  /** Resolves when commit number `seq` is on disk: one fsync at a time, each covering every commit before it started. */
  private durable(seq: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiters.push({ seq, done: (error) => (error ? reject(error) : resolve()) });
      if (!this.syncing) this.syncLoop();
    });
  }

  private syncLoop(): void {
    if (this.synced >= this.written || this.writeFd < 0) {
      this.syncing = false;
      return;
    }
    this.syncing = true;
    const target = this.written;
    fsync(this.writeFd, (error) => {
      if (error && this.writeFd >= 0) {
        for (const w of this.waiters.splice(0)) w.done(error);
      } else {
        this.synced = target;
        const ready = this.waiters.filter((w) => w.seq <= target);
        this.waiters = this.waiters.filter((w) => w.seq > target);
        for (const w of ready) w.done();
      }
      this.syncLoop();
    });
  }

  private check(doc: Doc): void {
    const problem = violation(this.spec.validator.$jsonSchema, doc);
    if (problem) throw new UserError(`Document failed validation for ${this.name}: ${problem}.`);
  }

  private checkUnique(docs: Doc[]): void {
    for (const field of this.uniqueFields) {
      const seen = new Map<string, string>();
      for (const doc of docs) {
        const k = keyOf(doc[field]);
        const owner = this.indexes.get(field)!.get(k);
        const id = keyOf(doc._id);
        const other = seen.get(k) ?? [...(owner ?? [])].find((o) => o !== id);
        if (other !== undefined && other !== id) throw new UserError(`Duplicate key in ${this.name}: ${field} ${String(doc[field])} already exists.`);
        seen.set(k, id);
      }
    }
  }

  /** _id keys a filter pins through `_id`, an indexed field or a date range, or undefined when only a scan will do. */
  private pinned(filter: Filter): string[] | undefined {
    if ("_id" in filter && isPlainValue(filter._id)) return [keyOf(filter._id)];
    for (const [field, map] of this.indexes) {
      if (field in filter && isPlainValue(filter[field])) return [...(map.get(keyOf(filter[field])) ?? [])];
    }
    for (const [field, index] of this.timeIndexes) {
      const bound = lowerBound(filter, field);
      if (bound !== undefined) return index.since(bound);
    }
    return undefined;
  }

  /** Live documents that may match the filter, in batches: by index when it pins one, else by scanning the log. */
  private *candidates(filter: Filter): Generator<Doc[]> {
    const ids = this.pinned(filter);
    if (ids) {
      for (let i = 0; i < ids.length; i += STREAM_BATCH) {
        yield ids.slice(i, i + STREAM_BATCH).flatMap((id) => {
          const at = this.live.get(id);
          return at === undefined ? [] : [this.readAt(at)];
        });
      }
      return;
    }
    let batch: Doc[] = [];
    const end = this.size;
    for (const [line, start, stop] of lines(this.path)) {
      if (start >= end) break;
      if (!line.startsWith('{"p":')) continue;
      const doc = (decode(line) as { p: Doc }).p;
      if (this.live.get(keyOf(doc._id)) !== pack(start, stop - start)) continue;
      batch.push(doc);
      if (batch.length >= STREAM_BATCH) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length) yield batch;
  }

  private matching(filter: Filter): Doc[] {
    const query = new Query(filter);
    const out: Doc[] = [];
    for (const batch of this.candidates(filter)) for (const doc of batch) if (query.test(doc)) out.push(doc);
    return out;
  }

  async *stream(filter: Filter = {}): AsyncIterable<Doc[]> {
    const query = new Query(filter);
    for (const batch of this.candidates(filter)) {
      const hits = batch.filter((doc) => query.test(doc));
      if (hits.length) yield hits;
    }
  }

  async insertMany(docs: Doc[]): Promise<number> {
    const prepared = docs.map((d) => ({ ...d, _id: d._id ?? new ObjectId().toHexString() }));
    const ids = new Set<string>();
    for (const doc of prepared) {
      this.check(doc);
      const id = keyOf(doc._id);
      if (this.live.has(id) || ids.has(id)) throw new UserError(`Duplicate key in ${this.name}: _id ${String(doc._id)} already exists.`);
      ids.add(id);
    }
    this.checkUnique(prepared);
    await this.commit(prepared.map((put) => ({ put })));
    return prepared.length;
  }

  async upsertMany(docs: Doc[]): Promise<number> {
    for (const doc of docs) {
      if (doc._id === undefined) throw new UserError(`upsertMany into ${this.name} needs an _id on every document.`);
      this.check(doc);
    }
    this.checkUnique(docs);
    await this.commit(docs.map((put) => ({ put })));
    return docs.length;
  }

  async find(filter: Filter = {}, options: FindOptions = {}): Promise<Doc[]> {
    let cursor = find(this.matching(filter), {}, options.projection);
    if (options.sort) cursor = cursor.sort(options.sort);
    if (options.skip) cursor = cursor.skip(options.skip);
    if (options.limit) cursor = cursor.limit(options.limit);
    return cursor.all() as Doc[];
  }

  async findOne(filter: Filter): Promise<Doc | null> {
    return (await this.find(filter, { limit: 1 }))[0] ?? null;
  }

  async countDocuments(filter: Filter = {}): Promise<number> {
    return Object.keys(filter).length === 0 ? this.live.size : this.matching(filter).length;
  }

  private updated(doc: Doc, update: Update, inserting: boolean): Doc {
    if (!isOperatorUpdate(update)) return { ...update, _id: doc._id };
    const next = decode(encode(doc)) as Doc;
    const { $setOnInsert, ...operators } = update as Record<string, Record<string, unknown>>;
    if (inserting && $setOnInsert) applyUpdate(next, { $set: $setOnInsert });
    if (Object.keys(operators).length) applyUpdate(next, operators);
    return next;
  }

  private async applyUpdates(targets: Doc[], update: Update): Promise<UpdateResult> {
    const next = targets.map((doc) => this.updated(doc, update, false));
    next.forEach((doc) => this.check(doc));
    this.checkUnique(next);
    const changed = next.filter((doc, i) => encode(doc) !== encode(targets[i]));
    await this.commit(changed.map((put) => ({ put })));
    return { matchedCount: targets.length, modifiedCount: changed.length, upsertedCount: 0 };
  }

  async updateOne(filter: Filter, update: Update, options: { upsert?: boolean } = {}): Promise<UpdateResult> {
    const [target] = this.matching(filter);
    if (target) return this.applyUpdates([target], update);
    if (!options.upsert) return { matchedCount: 0, modifiedCount: 0, upsertedCount: 0 };
    // As MongoDB does: the new document starts from the filter's equality fields.
    const seed = Object.fromEntries(Object.entries(filter).filter(([k, v]) => !k.startsWith("$") && isPlainValue(v)));
    const doc = this.updated({ ...seed, _id: seed._id ?? new ObjectId().toHexString() }, update, true);
    this.check(doc);
    this.checkUnique([doc]);
    await this.commit([{ put: doc }]);
    return { matchedCount: 0, modifiedCount: 0, upsertedCount: 1 };
  }

  async updateMany(filter: Filter, update: Update): Promise<UpdateResult> {
    return this.applyUpdates(this.matching(filter), update);
  }

  async deleteMany(filter: Filter): Promise<number> {
    const targets = this.matching(filter);
    await this.commit(targets.map((doc) => ({ del: doc._id })));
    return targets.length;
  }

  async aggregate(pipeline: Filter[]): Promise<Doc[]> {
    const first = pipeline[0];
    const match = first && "$match" in first ? (first.$match as Filter) : {};
    return aggregate(this.matching(match), pipeline) as Doc[];
  }

  /** Flushes what an in-flight group commit has not covered yet, then closes. */
  close(): void {
    if (this.writeFd < 0) return;
    if (this.synced < this.written) fsyncSync(this.writeFd);
    closeSync(this.writeFd);
    this.writeFd = -1;
    closeSync(this.readFd);
    this.synced = this.written;
    for (const w of this.waiters.splice(0)) w.done();
  }
}

function acquireLock(dir: string): string {
  const lock = join(dir, "LOCK");
  if (existsSync(lock)) {
    const pid = Number(readFileSync(lock, "utf8"));
    let alive = false;
    try {
      alive = pid > 0 && pid !== process.pid && process.kill(pid, 0);
    } catch {
      alive = false;
    }
    if (alive) {
      throw new UserError(`The embedded document store in ${dir} is in use by process ${pid}: stop that process (a running \`nike\` command or server), or set MONGODB_URI to a MongoDB server.`, 2);
    }
  }
  writeFileSync(lock, String(process.pid));
  return lock;
}

export async function openEmbeddedStore(dir: string): Promise<DocumentStore> {
  mkdirSync(dir, { recursive: true });
  const lock = acquireLock(dir);
  const collections = new Map<CollectionName, EmbeddedCollection>();
  const collection = (name: CollectionName) => {
    let c = collections.get(name);
    if (!c) {
      c = new EmbeddedCollection(name, COLLECTIONS[name], join(dir, `${name}.jsonl`));
      collections.set(name, c);
    }
    return c;
  };
  return {
    kind: "embedded",
    location: dir,
    collection,
    async ensureSchema() {
      for (const name of COLLECTION_NAMES) collection(name);
    },
    async ping() {
      const sizes = await Promise.all(COLLECTION_NAMES.map(async (n) => `${n} ${(await collection(n).countDocuments()).toLocaleString("en-US")}`));
      return `embedded document store (${sizes.join(", ")})`;
    },
    async close() {
      for (const c of collections.values()) c.close();
      collections.clear();
      rmSync(lock, { force: true });
    },
  };
}
