/**
 * @module One collection of the document engine: an append-only log, `<database>/<collection>.jsonl`
 * (line format in `log-lines.ts`), with its validator and indexes.
 *
 * Memory holds only where each live document sits in its log, plus the indexes, so a collection can
 * be far larger than the heap; queries read documents back and stream them through cursors.
 * Each write call is appended whole, with its commit line, in one write (cut back to where it began if
 * the write fails), so a failed call leaves the log untouched; it is acknowledged once an fsync covers
 * it (one fsync serves every call waiting). On open, lines after the last commit (a write cut short by
 * a crash) are dropped; a committed line whose checksum fails is kept as evidence and reported in
 * `damaged`. A delete also scrubs the deleted documents' earlier versions from the log.
 */
import { closeSync, existsSync, fsync, fsyncSync, ftruncateSync, openSync, readSync, renameSync, statSync, writeFileSync, writeSync } from "node:fs";
import { ObjectId } from "bson";
import { Aggregator, Query, update as applyUpdate } from "mingo";
import type { JsonSchema } from "../document-schema.ts";
import { violation } from "../json-schema.ts";
import { KeyMap, uniqueKeys } from "../key-map.ts";
import { lowerBound, TimeIndex, upperBound } from "../time-index.ts";
import { inList, isPlainValue, keyOf, matcher, type Key } from "./document-filters.ts";
import { lengthOf, LONG_LINE, offsetOf, pack } from "./log-positions.ts";
import { COMMIT_LINE, deleteLine, docOf, idJson, idJsonOf, lines, parseLine, putLine } from "./log-lines.ts";
import { Postings } from "./postings.ts";
import { aggregateStream } from "./streaming-group.ts";

export type Doc = Record<string, unknown>;
export type IndexSpec = { v?: number; key: Record<string, unknown>; name: string; unique?: boolean } & Record<string, unknown>;
export type CollectionOptions = { validator?: Doc; validationLevel?: string; validationAction?: string } & Record<string, unknown>;
export type FindOptions = { sort?: Doc; skip?: number; limit?: number; projection?: Doc };
export type Damage = { file: string; line: number; offset: number };
export type WriteFailure = { index: number; code: number; errmsg: string } & Record<string, unknown>;
export type UpdateStatement = { q: Doc; u: Doc | Doc[]; upsert?: boolean; multi?: boolean; arrayFilters?: Doc[] };

/** A failure with MongoDB's error code, so the wire answers exactly as a server would. */
export class EngineError extends Error {
  constructor(readonly code: number, readonly codeName: string, message: string, readonly extra: Record<string, unknown> = {}) {
    super(message);
  }
}

export const ID_INDEX: IndexSpec = { v: 2, key: { _id: 1 }, name: "_id_" };

const isOperatorUpdate = (update: Doc) => Object.keys(update).some((k) => k.startsWith("$"));
const firstKey = (doc: Doc): string | undefined => {
  for (const key in doc) return key;
  return undefined;
};
/** The document with `_id` as its first field, as MongoDB stores it; copied only when it is not so already. */
const withIdFirst = (doc: Doc): Doc => (firstKey(doc) === "_id" ? doc : { _id: doc._id, ...doc });
const formatId = (id: unknown) => (typeof id === "string" ? JSON.stringify(id) : id instanceof ObjectId ? `ObjectId('${id.toHexString()}')` : String(id));

/** What one write call has taken so far: _ids, and values of unique fields (`field|key`). */
type Seen = { ids: Set<Key>; values: Map<string, Key> };
const seen = (): Seen => ({ ids: new Set(), values: new Map() });

/** A write: a document to put (with its line when already encoded) or an _id to delete. */
type Op = { put?: Doc; line?: string; del?: unknown };

export class LogCollection {
  /** _id key → packed log position of the document's latest version. */
  private live = new KeyMap<number>();
  /**
   * For the first field of each index: value key → the _ids filed under it (dates: a range index instead),
   * with each one's date when an index's second field is a date.
   */
  private equality = new Map<string, { dateField?: string; values: Map<Key, Postings> }>();
  private timeIndexes = new Map<string, TimeIndex>();
  private uniqueFields: Array<{ field: string; name: string }> = [];
  private writeFd = -1;
  private readFd = -1;
  private size = 0;
  private logLines = 0;
  private written = 0;
  private synced = 0;
  private syncing = false;
  private waiters: Array<{ seq: number; done(error?: Error): void }> = [];
  readonly damaged: Damage[] = [];

  constructor(
    readonly namespace: string,
    readonly path: string,
    public options: CollectionOptions,
    public indexes: IndexSpec[],
  ) {
    if (!existsSync(this.path)) writeFileSync(this.path, "");
    this.openFiles();
    this.defineIndexes();
    this.replay();
    if (this.damaged.length === 0 && this.logLines > 2 * this.live.size + 10_000) this.compact();
  }

  get count(): number {
    return this.live.size;
  }

  get bytes(): number {
    return this.size;
  }

  private openFiles(): void {
    if (this.writeFd >= 0) closeSync(this.writeFd);
    if (this.readFd >= 0) closeSync(this.readFd);
    this.writeFd = openSync(this.path, "a");
    this.readFd = openSync(this.path, "r");
  }

  /**
   * Applies committed lines, indexing each document as its commit line is read (so a document is parsed
   * once on open, not again to index it), records damaged committed lines, and cuts off an uncommitted
   * tail left by a crash.
   */
  private replay(): void {
    let pending: Array<{ id: Key; at?: number; doc?: Doc }> = [];
    let suspect: Damage[] = [];
    let committed = 0;
    let lineNo = 0;
    for (const [text, start, end] of lines(this.path)) {
      lineNo++;
      const entry = parseLine(text);
      if (entry?.kind === "commit") {
        for (const op of pending) {
          this.unindex(op.id);
          if (op.at === undefined) this.live.delete(op.id);
          else {
            this.live.set(op.id, op.at);
            this.indexDoc(op.id, op.doc!);
          }
        }
        this.damaged.push(...suspect);
        pending = [];
        suspect = [];
        committed = end + 1;
        this.logLines = lineNo;
      } else if (entry?.kind === "put") pending.push({ id: keyOf(entry.doc._id), at: pack(start, end - start), doc: entry.doc });
      else if (entry?.kind === "delete") pending.push({ id: keyOf(entry.id) });
      else if (!entry) suspect.push({ file: this.path, line: lineNo, offset: start });
    }
    if (committed !== statSync(this.path).size) {
      const fd = openSync(this.path, "r+");
      ftruncateSync(fd, committed);
      fsyncSync(fd);
      closeSync(fd);
    }
    this.size = committed;
  }

  /** Sets up empty in-memory indexes for the declared index set. */
  private defineIndexes(): void {
    this.equality.clear();
    this.timeIndexes.clear();
    const properties = (this.options.validator?.$jsonSchema as JsonSchema | undefined)?.properties ?? {};
    for (const index of this.indexes) {
      const field = Object.keys(index.key)[0];
      if (field === "_id") continue;
      if (properties[field]?.bsonType === "date") {
        this.timeIndexes.set(field, new TimeIndex());
        continue;
      }
      const second = Object.keys(index.key)[1];
      const dateField = second !== undefined && properties[second]?.bsonType === "date" ? second : undefined;
      if (!this.equality.get(field)?.dateField) this.equality.set(field, { dateField, values: new Map() });
    }
    this.uniqueFields = this.indexes.filter((i) => i.unique && Object.keys(i.key).length === 1 && !("_id" in i.key)).map((i) => ({ field: Object.keys(i.key)[0], name: i.name }));
  }

  /** Rebuilds the in-memory indexes from the live documents (when the index set or the validator changes). */
  private buildIndexes(): void {
    this.defineIndexes();
    if (this.equality.size + this.timeIndexes.size === 0) return;
    for (const doc of this.scan()) this.indexDoc(keyOf(doc._id), doc);
  }

  /** Rewrites the log with only the live versions (atomically, by rename). */
  private compact(): void {
    const tmp = `${this.path}.compact`;
    const fd = openSync(tmp, "w");
    const moved = new KeyMap<number>();
    let offset = 0;
    let chunk: string[] = [];
    const flush = () => {
      if (chunk.length) writeSync(fd, chunk.join(""));
      chunk = [];
    };
    for (const [text, start, end] of lines(this.path)) {
      const entry = parseLine(text);
      if (entry?.kind !== "put") continue;
      const id = keyOf(entry.doc._id);
      if (this.live.get(id) !== pack(start, end - start)) continue;
      moved.set(id, pack(offset, end - start));
      offset += end - start + 1;
      chunk.push(`${text}\n`);
      if (chunk.length >= 10_000) flush();
    }
    chunk.push(`${COMMIT_LINE}\n`);
    flush();
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.path);
    this.live = moved;
    this.size = offset + COMMIT_LINE.length + 1;
    this.logLines = moved.size + 1;
    this.openFiles();
  }

  /** The document at a packed log position. */
  private readAt(at: number): Doc {
    const length = lengthOf(at);
    const offset = offsetOf(at);
    if (length < LONG_LINE) {
      const buffer = Buffer.alloc(length);
      readSync(this.readFd, buffer, 0, length, offset);
      return docOf(buffer.toString("utf8"));
    }
    for (const [text] of lines(this.path, offset)) return docOf(text);
    throw new Error(`${this.path}: no line at ${offset}`);
  }

  private indexDoc(id: Key, doc: Doc): void {
    for (const [field, { dateField, values }] of this.equality) {
      const k = keyOf(doc[field]);
      let postings = values.get(k);
      if (!postings) values.set(k, (postings = new Postings(dateField !== undefined)));
      const date = dateField === undefined ? undefined : doc[dateField];
      postings.add(id, date instanceof Date ? date.getTime() : NaN);
    }
    for (const [field, index] of this.timeIndexes) {
      const value = doc[field];
      if (value instanceof Date) index.add(value.getTime(), id);
    }
  }

  private unindex(id: Key): void {
    if (this.equality.size === 0) return;
    const at = this.live.get(id);
    if (at === undefined) return;
    const old = this.readAt(at);
    for (const [field, { values }] of this.equality) values.get(keyOf(old[field]))?.delete(id);
  }

  /**
   * Appends the operations and a commit line in one write and applies them in memory. If the write
   * fails, the file is cut back to where it began and nothing is applied. Returns the commit's number
   * for `durable()`. `fresh`: every put is a new _id (an insert), so no earlier version needs unindexing.
   */
  private append(ops: Op[], fresh = false): number {
    if (ops.length === 0) return this.written;
    const texts: string[] = [];
    for (const op of ops) texts.push(op.put ? (op.line ?? putLine(op.put)) : deleteLine(op.del), "\n");
    texts.push(COMMIT_LINE, "\n");
    const buffer = Buffer.from(texts.join(""));
    try {
      for (let done = 0; done < buffer.length; ) done += writeSync(this.writeFd, buffer, done);
    } catch (error) {
      ftruncateSync(this.writeFd, this.size);
      throw error;
    }
    // A line's JSON never holds a raw newline, so the newlines give each line's place.
    let start = 0;
    for (const op of ops) {
      const end = buffer.indexOf(10, start);
      const id = keyOf(op.put ? op.put._id : op.del);
      if (!fresh) this.unindex(id);
      if (op.put) {
        this.live.set(id, pack(this.size + start, end - start));
        this.indexDoc(id, op.put);
      } else this.live.delete(id);
      start = end + 1;
    }
    this.size += buffer.length;
    this.logLines += ops.length + 1;
    return ++this.written;
  }

  /** Resolves when commit number `seq` is on disk: one fsync at a time, each covering every commit before it started. */
  durable(seq: number): Promise<void> {
    if (seq <= this.synced) return Promise.resolve();
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

  /** The validator as a function, made once per options object (writes check every document). */
  private validatorFor?: { options: CollectionOptions; check: (doc: Doc) => string | undefined };

  /** Why `doc` breaks the validator, or undefined (validationAction "warn" and level "off" reject nothing). */
  private invalid(doc: Doc): string | undefined {
    if (this.validatorFor?.options !== this.options) {
      const { validator, validationLevel, validationAction } = this.options;
      let check: (doc: Doc) => string | undefined = () => undefined;
      if (validator && validationLevel !== "off" && validationAction !== "warn") {
        const { $jsonSchema, ...rest } = validator as { $jsonSchema?: JsonSchema } & Doc;
        const query = Object.keys(rest).length ? new Query(rest) : undefined;
        check = (d) => ($jsonSchema ? violation($jsonSchema, d) : undefined) ?? (query && !query.test(d) ? "document does not match the validator's query" : undefined);
      }
      this.validatorFor = { options: this.options, check };
    }
    return this.validatorFor.check(doc);
  }

  private validationError(doc: Doc, reason: string): EngineError {
    return new EngineError(121, "DocumentValidationFailure", "Document failed validation", {
      errInfo: { failingDocumentId: doc._id, details: { operatorName: "$jsonSchema", reason } },
    });
  }

  /** Throws 11000 when `doc` would take a unique value another live document (or an earlier one of the batch) holds. */
  private checkUnique(doc: Doc, batch: Seen, replacing?: Key, idChecked = false): void {
    const id = keyOf(doc._id);
    if (replacing === undefined && !idChecked) {
      if (this.live.has(id) || batch.ids.has(id)) throw this.duplicate("_id_", "_id", doc._id);
      batch.ids.add(id);
    }
    for (const { field, name } of this.uniqueFields) {
      const k = `${field}|${keyOf(doc[field])}`;
      const holders = (this.equality.get(field)?.values.get(keyOf(doc[field]))?.ids ?? []).filter((h) => h !== id);
      const other = batch.values.get(k) ?? holders[0];
      if (other !== undefined && other !== id) throw this.duplicate(name, field, doc[field]);
      batch.values.set(k, id);
    }
  }

  private duplicate(index: string, field: string, value: unknown): EngineError {
    return new EngineError(11000, "DuplicateKey", `E11000 duplicate key error collection: ${this.namespace} index: ${index} dup key: { ${field}: ${formatId(value)} }`, {
      keyPattern: { [field]: 1 },
      keyValue: { [field]: value },
    });
  }

  /**
   * _id keys a filter pins through `_id`, an indexed field (narrowed by the date range of a compound index's
   * second field) or a date range, or undefined when only a scan will do.
   */
  private pinned(filter: Doc): Key[] | undefined {
    if ("_id" in filter && isPlainValue(filter._id)) return [keyOf(filter._id)];
    const ids = inList(filter._id);
    if (ids) return ids.map(keyOf);
    for (const [field, { dateField, values }] of this.equality) {
      if (!(field in filter)) continue;
      const wanted = isPlainValue(filter[field]) ? [filter[field]] : inList(filter[field]);
      if (!wanted) continue;
      const [from, to] = dateField === undefined ? [] : [lowerBound(filter, dateField), upperBound(filter, dateField)];
      return wanted.flatMap((v) => values.get(keyOf(v))?.within(from, to) ?? []);
    }
    for (const [field, index] of this.timeIndexes) {
      const bound = lowerBound(filter, field);
      if (bound !== undefined) return index.since(bound);
    }
    return undefined;
  }

  /** Live documents that may match the filter, one at a time: by index when it pins one, else by reading the log. */
  private *candidates(filter: Doc): Generator<Doc> {
    const ids = this.pinned(filter);
    if (ids) {
      for (const id of uniqueKeys(ids)) {
        const at = this.live.get(id);
        if (at !== undefined) yield this.readAt(at);
      }
      return;
    }
    yield* this.scan();
  }

  /** The live document with this _id key, if any (as a list of zero or one). */
  private byId(id: Key): Doc[] {
    const at = this.live.get(id);
    return at === undefined ? [] : [this.readAt(at)];
  }

  /** Every live document, in log order, read in chunks. */
  private *scan(): Generator<Doc> {
    for (const [text, start, stop] of lines(this.path, 0, this.size)) {
      if (!text.startsWith('{"p":', 8)) continue;
      const at = pack(start, stop - start);
      const doc = docOf(text);
      if (this.live.get(keyOf(doc._id)) === at) yield doc;
    }
  }

  /** Documents matching `filter`, lazily: nothing is collected unless a sort needs it. */
  *find(filter: Doc = {}, options: FindOptions = {}): Generator<Doc> {
    const test = matcher(filter);
    const candidates = this.candidates(filter);
    const matches = (function* () {
      for (const doc of candidates) if (test(doc)) yield doc;
    })();
    const projection = options.projection && Object.keys(options.projection).length ? options.projection : undefined;
    let source: Iterable<Doc> = matches;
    if (options.sort && Object.keys(options.sort).length) {
      const stages: Doc[] = [{ $sort: options.sort }];
      if (options.skip) stages.push({ $skip: options.skip });
      if (options.limit) stages.push({ $limit: options.limit });
      source = new Aggregator(stages).run(matches) as Doc[];
    } else if (options.skip || options.limit) {
      source = (function* () {
        let skipped = 0;
        let taken = 0;
        for (const doc of matches) {
          if (skipped++ < (options.skip ?? 0)) continue;
          yield doc;
          if (options.limit && ++taken >= options.limit) return;
        }
      })();
    }
    const projector = projection && new Query({});
    try {
      for (const doc of source) yield projector ? (projector.find([doc], projection).next() as Doc) : doc;
    } finally {
      candidates.return(undefined); // closes the log file when a cursor is dropped early
    }
  }

  /** An aggregation pipeline over the collection, streamed: a leading `$match` picks the candidates by index. */
  *aggregate(pipeline: Doc[]): Generator<Doc> {
    const first = pipeline[0];
    const match = first && "$match" in first ? (first.$match as Doc) : {};
    const candidates = this.candidates(match);
    try {
      yield* aggregateStream(pipeline, candidates);
    } finally {
      candidates.return(undefined);
    }
  }

  countMatching(filter: Doc = {}): number {
    if (Object.keys(filter).length === 0) return this.live.size;
    let n = 0;
    for (const _ of this.find(filter)) n++;
    return n;
  }

  distinct(key: string, filter: Doc = {}): unknown[] {
    const values = new Map<Key, unknown>();
    for (const doc of this.find(filter)) {
      const value = key.split(".").reduce<unknown>((v, part) => (v && typeof v === "object" ? (v as Doc)[part] : undefined), doc);
      for (const v of Array.isArray(value) ? value : [value]) if (v !== undefined) values.set(keyOf(v), v);
    }
    return [...values.values()];
  }

  /** Inserts in order; with `ordered` the first failure stops the rest. Every accepted document is appended in one write. */
  async insert(docs: Doc[], ordered: boolean, bypassValidation = false): Promise<{ n: number; errors: WriteFailure[] }> {
    const accepted: Doc[] = [];
    const errors: WriteFailure[] = [];
    const batch = seen();
    for (let index = 0; index < docs.length; index++) {
      const given = docs[index];
      const doc = given._id === undefined ? withIdFirst({ ...given, _id: new ObjectId() }) : withIdFirst(given);
      try {
        const problem = bypassValidation ? undefined : this.invalid(doc);
        if (problem) throw this.validationError(doc, problem);
        this.checkUnique(doc, batch);
        accepted.push(doc);
      } catch (error) {
        errors.push(failure(index, error));
        if (ordered) break;
      }
    }
    await this.durable(this.append(accepted.map((put) => ({ put })), true));
    return { n: accepted.length, errors };
  }

  /** The document an update makes of `doc` (a replacement, operators, or a pipeline). */
  private updated(doc: Doc, statement: UpdateStatement, inserting: boolean): Doc {
    const u = statement.u;
    if (Array.isArray(u)) return withIdFirst({ ...(new Aggregator(u).run([doc])[0] as Doc), _id: doc._id });
    if (!isOperatorUpdate(u)) {
      if (u._id !== undefined && keyOf(u._id) !== keyOf(doc._id)) throw new EngineError(66, "ImmutableField", "Performing an update on the path '_id' would modify the immutable field '_id'");
      return withIdFirst({ ...u, _id: doc._id });
    }
    const next = structuredCloneDoc(doc);
    const { $setOnInsert, ...operators } = u as Record<string, Doc>;
    if (inserting && $setOnInsert) applyUpdate(next, { $set: $setOnInsert });
    if (Object.keys(operators).length) applyUpdate(next, operators, statement.arrayFilters);
    if (keyOf(next._id) !== keyOf(doc._id)) throw new EngineError(66, "ImmutableField", "Performing an update on the path '_id' would modify the immutable field '_id'");
    return next;
  }

  /** The document an upsert inserts: the filter's equality fields, then the update. */
  private upserted(statement: UpdateStatement): Doc {
    const { q, u } = statement;
    // The bulk load's shape, a replacement by _id, needs only its _id moved to the front.
    if (!Array.isArray(u) && !isOperatorUpdate(u) && Object.keys(q).length === 1 && "_id" in q && (u._id === undefined || keyOf(u._id) === keyOf(q._id))) return withIdFirst({ ...u, _id: q._id });
    const seed = Object.fromEntries(Object.entries(statement.q).filter(([k, v]) => !k.startsWith("$") && isPlainValue(v)));
    return this.updated(withIdFirst({ ...seed, _id: seed._id ?? (Array.isArray(statement.u) ? undefined : (statement.u as Doc)._id) ?? new ObjectId() }), statement, true);
  }

  /**
   * Runs update statements in order. Statements that each pin one distinct `_id` (a bulk replace by
   * key) are appended together in one write; any other statement is appended before the next one
   * runs, so that it sees its predecessors.
   */
  async update(statements: UpdateStatement[], ordered: boolean, bypassValidation = false): Promise<{ n: number; nModified: number; upserted: Array<{ index: number; _id: unknown }>; errors: WriteFailure[] }> {
    const result = { n: 0, nModified: 0, upserted: [] as Array<{ index: number; _id: unknown }>, errors: [] as WriteFailure[] };
    const ids = statements.map((s) => ("_id" in s.q && Object.keys(s.q).length === 1 && isPlainValue(s.q._id) ? keyOf(s.q._id) : undefined));
    const together = ids.every((id) => id !== undefined) && new Set(ids).size === ids.length;
    const ops: Op[] = [];
    let seq = this.written;
    const batch = seen();
    for (let index = 0; index < statements.length; index++) {
      const statement = statements[index];
      try {
        const targets = together ? this.byId(ids[index]!) : [...this.find(statement.q, statement.multi ? {} : { limit: 1 })];
        const changes: Op[] = [];
        if (targets.length === 0 && statement.upsert) {
          const doc = this.upserted(statement);
          const problem = bypassValidation ? undefined : this.invalid(doc);
          if (problem) throw this.validationError(doc, problem);
          // Together, each statement has its own _id and found none live: only other unique keys need checking.
          this.checkUnique(doc, together ? batch : seen(), undefined, together);
          changes.push({ put: doc });
          result.upserted.push({ index, _id: doc._id });
          result.n++;
        } else {
          const local = together ? batch : seen();
          for (const target of targets) {
            const next = this.updated(target, statement, false);
            const line = putLine(next);
            if (line === putLine(target)) continue;
            const problem = bypassValidation ? undefined : this.invalid(next);
            if (problem && !(this.options.validationLevel === "moderate" && this.invalid(target))) throw this.validationError(next, problem);
            this.checkUnique(next, local, keyOf(target._id));
            changes.push({ put: next, line });
          }
          result.n += targets.length;
          result.nModified += changes.length;
        }
        if (together) ops.push(...changes);
        else seq = this.append(changes);
      } catch (error) {
        result.errors.push(failure(index, error));
        if (ordered) break;
      }
    }
    if (together) seq = this.append(ops);
    await this.durable(seq);
    return result;
  }

  /** Deletes what each statement matches (`limit` 1: the first match, 0: all), then scrubs their earlier versions from the log. */
  async remove(statements: Array<{ q: Doc; limit?: number }>, ordered: boolean): Promise<{ n: number; errors: WriteFailure[] }> {
    let n = 0;
    const errors: WriteFailure[] = [];
    const erased: unknown[] = [];
    let seq = this.written;
    for (let index = 0; index < statements.length; index++) {
      try {
        const { q, limit } = statements[index];
        const targets = limit === 1 ? [...this.find(q, { limit: 1 })] : [...this.find(q)];
        seq = this.append(targets.map((doc) => ({ del: doc._id })));
        erased.push(...targets.map((doc) => doc._id));
        n += targets.length;
      } catch (error) {
        errors.push(failure(index, error));
        if (ordered) break;
      }
    }
    await this.durable(seq);
    if (erased.length) await this.scrub(erased);
    return { n, errors };
  }

  /** Overwrites every version of deleted documents with spaces, in place, so erased data leaves the files. */
  private async scrub(ids: unknown[]): Promise<void> {
    const wanted = new Set(ids.map(idJson));
    const fd = openSync(this.path, "r+");
    try {
      let touched = false;
      for (const [text, start, end] of lines(this.path, 0, this.size)) {
        const id = idJsonOf(text);
        if (id === undefined || !wanted.has(id)) continue;
        writeSync(fd, Buffer.alloc(end - start, " "), 0, end - start, start);
        touched = true;
      }
      if (touched) await new Promise<void>((resolve, reject) => fsync(fd, (error) => (error ? reject(error) : resolve())));
    } finally {
      closeSync(fd);
    }
  }

  createIndexes(specs: IndexSpec[]): number {
    let created = 0;
    for (const spec of specs) {
      const same = this.indexes.find((i) => i.name === spec.name);
      if (same) {
        if (JSON.stringify(same.key) !== JSON.stringify(spec.key)) throw new EngineError(86, "IndexKeySpecsConflict", `An existing index has the same name as the requested index but different keys: ${spec.name}`);
        continue;
      }
      this.indexes.push({ v: 2, ...spec });
      created++;
    }
    if (created) {
      this.buildIndexes();
      for (const { field, name } of this.uniqueFields) {
        const clash = [...(this.equality.get(field)?.values.values() ?? [])].find((holders) => holders.size > 1);
        if (clash) {
          this.indexes = this.indexes.filter((i) => i.name !== name);
          this.buildIndexes();
          throw new EngineError(11000, "DuplicateKey", `E11000 duplicate key error collection: ${this.namespace} index: ${name}: existing documents share a ${field}`);
        }
      }
    }
    return created;
  }

  dropIndex(name: string): void {
    if (name === "_id_") throw new EngineError(72, "InvalidOptions", "cannot drop _id index");
    if (name !== "*" && !this.indexes.some((i) => i.name === name)) throw new EngineError(27, "IndexNotFound", `index not found with name [${name}]`);
    this.indexes = this.indexes.filter((i) => i.name === "_id_" || (name !== "*" && i.name !== name));
    this.buildIndexes();
  }

  /** Flushes what an in-flight group commit has not covered yet, then closes. */
  close(): void {
    if (this.writeFd < 0) return;
    if (this.synced < this.written) fsyncSync(this.writeFd);
    closeSync(this.writeFd);
    closeSync(this.readFd);
    this.writeFd = -1;
    this.synced = this.written;
    for (const w of this.waiters.splice(0)) w.done();
  }
}

function structuredCloneDoc(doc: Doc): Doc {
  return docOf(putLine(doc));
}

function failure(index: number, error: unknown): WriteFailure {
  if (error instanceof EngineError) return { index, code: error.code, errmsg: error.message, ...error.extra };
  return { index, code: 2, errmsg: error instanceof Error ? error.message : String(error) };
}
