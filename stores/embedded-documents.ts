/**
 * @module The embedded document store: MongoDB's query language (mingo) over documents held in memory
 * and made durable in one append-only log per collection under `DATA_DIR/documents/`.
 *
 * Each write call appends its documents and then a commit line, and fsyncs before it returns; on open,
 * lines after the last commit line (a write cut short by a crash) are dropped, so every acknowledged
 * write is present and no write is half-applied. One process owns the folder at a time (a lock file).
 */
import { closeSync, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { ObjectId } from "mongodb";
import { aggregate, find, update as applyUpdate } from "mingo";
import { UserError } from "../lib/errors.ts";
import { COLLECTION_NAMES, COLLECTIONS, type CollectionName, type CollectionSpec } from "./document-schema.ts";
import type { Doc, DocumentCollection, DocumentStore, Filter, FindOptions, Update, UpdateResult } from "./documents.ts";
import { violation } from "./json-schema.ts";

const COMMIT = '{"c":1}';
const READ_CHUNK = 64 * 1024 * 1024;
const WRITE_CHUNK = 20_000;

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

/** A deep copy of a document (plain data and dates), much faster than structuredClone. */
function copy<T>(value: T): T {
  if (value === null || typeof value !== "object") return value;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (Array.isArray(value)) return value.map(copy) as T;
  const out: Record<string, unknown> = {};
  for (const key in value) out[key] = copy((value as Record<string, unknown>)[key]);
  return out as T;
}

/** A stable map key for an `_id` or an indexed value: 1 and "1" stay different. */
const keyOf = (value: unknown): string => (value instanceof Date ? `d${value.getTime()}` : `${typeof value}:${String(value)}`);

const isOperatorUpdate = (update: Update) => Object.keys(update).some((k) => k.startsWith("$"));
const isPlainValue = (v: unknown) => v === null || ["string", "number", "boolean"].includes(typeof v) || v instanceof Date;

/** Calls `onLine` for every line of a file, reading it in chunks (logs can exceed a JS string). */
function forEachLine(path: string, onLine: (line: string, endOffset: number) => void): void {
  const fd = openSync(path, "r");
  try {
    const buffer = Buffer.alloc(READ_CHUNK);
    let carry = Buffer.alloc(0);
    let offset = 0;
    for (;;) {
      const n = readSync(fd, buffer, 0, READ_CHUNK, null);
      if (n === 0) break;
      const data = carry.length ? Buffer.concat([carry, buffer.subarray(0, n)]) : buffer.subarray(0, n);
      let start = 0;
      for (let nl = data.indexOf(10, start); nl !== -1; nl = data.indexOf(10, start)) {
        offset += nl - start + 1;
        onLine(data.toString("utf8", start, nl), offset);
        start = nl + 1;
      }
      carry = Buffer.from(data.subarray(start));
    }
  } finally {
    closeSync(fd);
  }
}

class EmbeddedCollection implements DocumentCollection {
  private docs = new Map<string, Doc>();
  /** For each indexed field (the first field of each declared index): value key → _id keys. */
  private indexes = new Map<string, Map<string, Set<string>>>();
  private uniqueFields: string[];
  private fd: number;
  private logLines = 0;

  constructor(
    private name: CollectionName,
    private spec: CollectionSpec,
    private path: string,
  ) {
    // In memory an index only serves equality lookups, so fields that are dates (range-scanned) get none.
    const properties = spec.validator.$jsonSchema.properties ?? {};
    for (const index of spec.indexes) {
      const field = Object.keys(index.key)[0];
      if (properties[field]?.bsonType !== "date") this.indexes.set(field, new Map());
    }
    this.uniqueFields = spec.indexes.filter((i) => i.unique && Object.keys(i.key).length === 1).map((i) => Object.keys(i.key)[0]);
    this.replay();
    if (this.logLines > 2 * this.docs.size + 10_000) this.compact();
    this.fd = openSync(this.path, "a");
  }

  /** Applies committed lines; drops a trailing uncommitted tail left by a crash. */
  private replay(): void {
    if (!existsSync(this.path)) return;
    let pending: Array<{ put?: Doc; del?: unknown }> = [];
    let committedOffset = 0;
    let lineNo = 0;
    forEachLine(this.path, (line, end) => {
      lineNo++;
      if (line === COMMIT) {
        for (const op of pending) op.put ? this.index(op.put) : this.unindex(keyOf(op.del));
        pending = [];
        committedOffset = end;
        this.logLines = lineNo;
        return;
      }
      try {
        const op = decode(line) as { p?: Doc; d?: unknown };
        pending.push(op.p ? { put: op.p } : { del: op.d });
      } catch {
        pending.push({}); // an unparsable line can only be in the uncommitted tail; it is dropped below
      }
    });
    if (pending.length || committedOffset !== this.fileSize()) {
      const fd = openSync(this.path, "r+");
      ftruncateSync(fd, committedOffset);
      fsyncSync(fd);
      closeSync(fd);
    }
  }

  private fileSize(): number {
    return statSync(this.path).size;
  }

  /** Rewrites the log as one put per live document (atomically, by rename). */
  private compact(): void {
    const tmp = `${this.path}.compact`;
    const fd = openSync(tmp, "w");
    const all = [...this.docs.values()];
    for (let i = 0; i < all.length; i += WRITE_CHUNK) {
      writeSync(fd, all.slice(i, i + WRITE_CHUNK).map((d) => `{"p":${encode(d)}}\n`).join(""));
    }
    writeSync(fd, `${COMMIT}\n`);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.path);
    this.logLines = all.length + 1;
  }

  private index(doc: Doc): void {
    const id = keyOf(doc._id);
    const previous = this.docs.get(id);
    if (previous) this.unindex(id);
    this.docs.set(id, doc);
    for (const [field, map] of this.indexes) {
      const k = keyOf(doc[field]);
      let set = map.get(k);
      if (!set) map.set(k, (set = new Set()));
      set.add(id);
    }
  }

  private unindex(id: string): void {
    const doc = this.docs.get(id);
    if (!doc) return;
    this.docs.delete(id);
    for (const [field, map] of this.indexes) map.get(keyOf(doc[field]))?.delete(id);
  }

  /** Appends the operations and a commit line, fsyncs, then applies them in memory. */
  private commit(ops: Array<{ put?: Doc; del?: unknown }>): void {
    if (ops.length === 0) return;
    for (let i = 0; i < ops.length; i += WRITE_CHUNK) {
      writeSync(this.fd, ops.slice(i, i + WRITE_CHUNK).map((op) => (op.put ? `{"p":${encode(op.put)}}\n` : `{"d":${encode(op.del)}}\n`)).join(""));
    }
    writeSync(this.fd, `${COMMIT}\n`);
    fsyncSync(this.fd);
    this.logLines += ops.length + 1;
    for (const op of ops) op.put ? this.index(op.put) : this.unindex(keyOf(op.del));
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

  /** Candidate documents for a filter: by `_id` or an indexed field when the filter pins one, else all. */
  private candidates(filter: Filter): Doc[] {
    if ("_id" in filter && isPlainValue(filter._id)) {
      const doc = this.docs.get(keyOf(filter._id));
      return doc ? [doc] : [];
    }
    for (const [field, map] of this.indexes) {
      if (field in filter && isPlainValue(filter[field])) {
        return [...(map.get(keyOf(filter[field])) ?? [])].map((id) => this.docs.get(id)!);
      }
    }
    return [...this.docs.values()];
  }

  private matching(filter: Filter): Doc[] {
    return find(this.candidates(filter), filter).all() as Doc[];
  }

  async insertMany(docs: Doc[]): Promise<number> {
    const prepared = docs.map((d) => ({ ...d, _id: d._id ?? new ObjectId().toHexString() }));
    const ids = new Set<string>();
    for (const doc of prepared) {
      this.check(doc);
      const id = keyOf(doc._id);
      if (this.docs.has(id) || ids.has(id)) throw new UserError(`Duplicate key in ${this.name}: _id ${String(doc._id)} already exists.`);
      ids.add(id);
    }
    this.checkUnique(prepared);
    this.commit(prepared.map((put) => ({ put: copy(put) })));
    return prepared.length;
  }

  /** Bulk load: the store keeps the given objects, so the caller must not change them afterwards. */
  async upsertMany(docs: Doc[]): Promise<number> {
    for (const doc of docs) {
      if (doc._id === undefined) throw new UserError(`upsertMany into ${this.name} needs an _id on every document.`);
      this.check(doc);
    }
    this.checkUnique(docs);
    this.commit(docs.map((put) => ({ put })));
    return docs.length;
  }

  async find(filter: Filter = {}, options: FindOptions = {}): Promise<Doc[]> {
    let cursor = find(this.candidates(filter), filter, options.projection);
    if (options.sort) cursor = cursor.sort(options.sort);
    if (options.skip) cursor = cursor.skip(options.skip);
    if (options.limit) cursor = cursor.limit(options.limit);
    return copy(cursor.all() as Doc[]);
  }

  async findOne(filter: Filter): Promise<Doc | null> {
    return (await this.find(filter, { limit: 1 }))[0] ?? null;
  }

  async countDocuments(filter: Filter = {}): Promise<number> {
    return Object.keys(filter).length === 0 ? this.docs.size : this.matching(filter).length;
  }

  private updated(doc: Doc, update: Update, inserting: boolean): Doc {
    if (!isOperatorUpdate(update)) return { ...update, _id: doc._id };
    const next = copy(doc);
    const { $setOnInsert, ...operators } = update as Record<string, Record<string, unknown>>;
    if (inserting && $setOnInsert) applyUpdate(next, { $set: $setOnInsert });
    if (Object.keys(operators).length) applyUpdate(next, operators);
    return next;
  }

  private applyUpdates(targets: Doc[], update: Update): UpdateResult {
    const next = targets.map((doc) => this.updated(doc, update, false));
    next.forEach((doc) => this.check(doc));
    this.checkUnique(next);
    const changed = next.filter((doc, i) => encode(doc) !== encode(targets[i]));
    this.commit(changed.map((put) => ({ put })));
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
    this.commit([{ put: doc }]);
    return { matchedCount: 0, modifiedCount: 0, upsertedCount: 1 };
  }

  async updateMany(filter: Filter, update: Update): Promise<UpdateResult> {
    return this.applyUpdates(this.matching(filter), update);
  }

  async deleteMany(filter: Filter): Promise<number> {
    const targets = this.matching(filter);
    this.commit(targets.map((doc) => ({ del: doc._id })));
    return targets.length;
  }

  async aggregate(pipeline: Filter[]): Promise<Doc[]> {
    const first = pipeline[0];
    const source = first && "$match" in first ? this.candidates(first.$match as Filter) : [...this.docs.values()];
    return copy(aggregate(source, pipeline) as Doc[]);
  }

  close(): void {
    closeSync(this.fd);
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
