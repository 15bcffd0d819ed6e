/**
 * @module dynalite's BatchWriteItem, with a path of its own for batches of puts (the load's sessions,
 * and most bulk writers'). dynalite runs each put of a batch as a PutItem of its own: it reads and
 * decodes the table's description twice, takes a lock, and chains a dozen callbacks per item, about
 * 260 µs of its thread per session. Here a batch's items are checked and keyed with dynalite's own
 * functions, locked together, and written with their index copies in one turn of the event loop (so
 * in one LevelDB batch, see `gatherCalls`): the same files, in the same layout. A batch with a
 * delete, or asking for its consumed capacity, goes to dynalite's own action.
 */
import { createRequire } from "node:module";

type Callback = (error: unknown, result?: unknown) => void;
type Item = Record<string, unknown>;
type Index = { IndexName: string };
type Table = { TableName: string; LocalSecondaryIndexes?: Index[]; GlobalSecondaryIndexes?: Index[] };
type SubDb = {
  get(key: string, callback: Callback): void;
  put(key: string, value: unknown, callback: Callback): void;
  del(key: string, callback: Callback): void;
  lock(keys: string[], exec: (release: (done: Callback) => Callback) => void): void;
};
/** The parts of dynalite's store that this module uses. */
type DynaliteStore = {
  getTable(name: string, callback: (error: unknown, table: Table) => void): void;
  getItemDb(table: string): SubDb;
  getIndexDb(type: "Local" | "Global", table: string, index: string): SubDb;
};
type BatchWrite = { RequestItems: Record<string, Array<{ PutRequest?: { Item: Item }; DeleteRequest?: unknown }>>; ReturnConsumedCapacity?: string };
type Action = (store: DynaliteStore, data: BatchWrite, callback: Callback) => void;

const require = createRequire(import.meta.url);
const db = require("dynalite/db") as {
  validateItem(item: Item, table: Table): Error | undefined;
  createKey(item: Item, table: Table): string;
  getIndexActions(indexes: Index[], existing: Item | undefined, item: Item, table: Table): { puts: Array<{ index: string; key: string; item: Item }>; deletes: Array<{ index: string; key: string }> };
  validationError(message: string): Error;
};

/** A callback for `n` steps: `done` gets the first error at once, or null when all `n` have succeeded. */
function countdown(n: number, done: Callback): (error?: unknown) => void {
  let left = n;
  let failed = false;
  return (error) => {
    if (failed) return;
    if (error) return (failed = true), done(error);
    if (--left === 0) done(null);
  };
}

/** dynalite's BatchWriteItem action, with puts-only batches written together. */
export function batchWriteItem(original: Action): Action {
  return (store, data, callback) => {
    const tables = Object.keys(data.RequestItems);
    const putsOnly = tables.every((name) => data.RequestItems[name].every((request) => request.PutRequest && !request.DeleteRequest));
    if (!putsOnly || (data.ReturnConsumedCapacity && data.ReturnConsumedCapacity !== "NONE")) return original(store, data, callback);
    // Every table's items are checked before any is written, as dynalite does.
    const checked: Array<{ table: Table; items: Item[]; keys: string[] }> = [];
    const described = countdown(tables.length, (error) => (error ? callback(error) : write(store, checked, (error) => callback(error, error ? undefined : { UnprocessedItems: {} }))));
    for (const name of tables) {
      store.getTable(name, (error, table) => {
        if (error) return described(error);
        const items = data.RequestItems[name].map((request) => request.PutRequest!.Item);
        const invalid = items.map((item) => db.validateItem(item, table)).find(Boolean);
        if (invalid) return described(keyMismatch(invalid));
        const keys = items.map((item) => db.createKey(item, table));
        if (new Set(keys).size !== keys.length) return described(db.validationError("Provided list of item keys contains duplicates"));
        checked.push({ table, items, keys });
        described();
      });
    }
  };
}

/** dynalite's wording for an item whose key attributes are missing or mistyped in a batch. */
function keyMismatch(error: Error & { body?: { message?: string } }): Error {
  if (error.body?.message && /Missing the key|Type mismatch for key/.test(error.body.message)) error.body.message = "The provided key element does not match the schema";
  return error;
}

/** Writes each table's items under their locks: the items they replace are read first, for their index copies. */
function write(store: DynaliteStore, checked: Array<{ table: Table; items: Item[]; keys: string[] }>, done: Callback): void {
  const written = countdown(checked.length, done);
  for (const { table, items, keys } of checked) {
    const itemDb = store.getItemDb(table.TableName);
    itemDb.lock(keys, (release) => {
      const finish = release(written);
      const existing: Array<Item | undefined> = new Array(items.length);
      const read = countdown(keys.length, (error) => (error ? finish(error) : putAll(store, table, items, keys, existing, itemDb, finish)));
      keys.forEach((key, i) =>
        itemDb.get(key, (error, item) => {
          if (error && (error as Error).name !== "NotFoundError") return read(error);
          existing[i] = item as Item | undefined;
          read();
        }),
      );
    });
  }
}

/** Issues every index delete, index put and item put of the batch at once; calls `finish` when all are written. */
function putAll(store: DynaliteStore, table: Table, items: Item[], keys: string[], existing: Array<Item | undefined>, itemDb: SubDb, finish: Callback): void {
  const writes: Array<(callback: Callback) => void> = [];
  for (const [i, item] of items.entries()) {
    for (const type of ["Local", "Global"] as const) {
      const indexes = table[`${type}SecondaryIndexes`] ?? [];
      const { puts, deletes } = db.getIndexActions(indexes, existing[i], item, table);
      for (const d of deletes) writes.push((callback) => store.getIndexDb(type, table.TableName, d.index).del(d.key, callback));
      for (const p of puts) writes.push((callback) => store.getIndexDb(type, table.TableName, p.index).put(p.key, p.item, callback));
    }
    writes.push((callback) => itemDb.put(keys[i], item, callback));
  }
  const written = countdown(writes.length, finish);
  for (const issue of writes) issue(written);
}
