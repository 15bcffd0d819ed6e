/**
 * @module Group commit on the client side: single-document inserts made in the same turn of the event
 * loop (the app logging workouts for many users at once) go to the store as one unordered `insert`
 * command, and each caller gets its own outcome — success, or its own write error (a duplicate
 * `_id`, a validation failure) exactly as a lone insert would have raised it. One command for many
 * documents spares the driver's per-command work and a round trip per document.
 */
import { MongoBulkWriteError, MongoServerError, type Collection, type Document } from "mongodb";
import { isStoreUnavailable } from "../lib/errors.ts";

type Waiting = { doc: Document; resolve(): void; reject(error: unknown): void };

export function insertBatcher(collection: Collection<Document>): (doc: Document) => Promise<void> {
  let waiting: Waiting[] = [];
  const flush = async () => {
    const batch = waiting;
    waiting = [];
    try {
      await collection.insertMany(batch.map((w) => w.doc), { ordered: false });
      for (const w of batch) w.resolve();
    } catch (error) {
      const writeErrors = error instanceof MongoBulkWriteError ? [error.writeErrors].flat() : [];
      // Only a command the store answered tells which documents went in; after a lost connection no caller knows.
      if (writeErrors.length === 0 || isStoreUnavailable(error)) {
        for (const w of batch) w.reject(error);
        return;
      }
      const failures = new Map(writeErrors.map((e) => [e.index, e]));
      batch.forEach((w, index) => {
        const failure = failures.get(index);
        if (!failure) return w.resolve();
        w.reject(new MongoServerError({ message: failure.errmsg ?? "write failed", errmsg: failure.errmsg, code: failure.code, errInfo: failure.errInfo }));
      });
    }
  };
  return (doc) =>
    new Promise<void>((resolve, reject) => {
      if (waiting.push({ doc, resolve, reject }) === 1) setImmediate(flush);
    });
}
