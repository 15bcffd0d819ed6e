/**
 * @module Bulk reads and writes as plain `insert` and `find`/`getMore` commands through the official
 * driver. The driver's cursor builds a lazily parsed view of every document before decoding it, and
 * `insertMany` encodes each document twice; for the loads and the extraction, which move millions of
 * documents, that was most of the client's time. A command's reply is decoded in one pass instead.
 */
import { setImmediate } from "node:timers/promises";
import { Long, MongoServerError, type Db, type Document, type MongoClient } from "mongodb";

/** A document the server refused, by its position in the command. */
export type WriteFailure = { index: number; code: number; errmsg?: string; errInfo?: Document };

/** One `insert` command; what the server refused comes back in `failures`, not as an exception. */
export async function insertCommand(db: Db, collection: string, docs: Document[], ordered: boolean): Promise<{ n: number; failures: WriteFailure[] }> {
  const reply = await db.command({ insert: collection, documents: docs, ordered });
  return { n: reply.n as number, failures: (reply.writeErrors ?? []) as WriteFailure[] };
}

/** The error a lone write of the refused document raises (its code: 11000, 121, …). */
export function writeError(failure: WriteFailure): MongoServerError {
  return new MongoServerError({ message: failure.errmsg ?? "write failed", errmsg: failure.errmsg, code: failure.code, errInfo: failure.errInfo });
}

/**
 * Every document matching `filter`, a server batch at a time. The next batch is asked for before this
 * one is handed over, so the server reads it while the caller works (one `getMore` in flight at a
 * time, as a cursor allows). One session holds the cursor (a server ties a cursor to the session
 * that opened it); leaving the loop early closes the cursor.
 */
export async function* findBatches(client: MongoClient, db: Db, collection: string, filter: Document, batchSize: number): AsyncGenerator<Document[]> {
  const session = client.startSession();
  let cursorId = Long.ZERO;
  let next: Promise<Document> | undefined;
  const more = () => (cursorId.isZero() ? undefined : db.command({ getMore: cursorId, collection, batchSize }, { session }));
  try {
    const first = await db.command({ find: collection, filter, batchSize }, { session });
    cursorId = Long.fromValue(first.cursor.id);
    next = more();
    if (first.cursor.firstBatch.length) yield first.cursor.firstBatch;
    while (next) {
      const reply = await next;
      cursorId = Long.fromValue(reply.cursor.id);
      next = more();
      // Let the driver write the getMore before the caller's synchronous work on this batch: else the
      // service would wait for the caller instead of reading the next batch meanwhile.
      await setImmediate();
      if (reply.cursor.nextBatch.length) yield reply.cursor.nextBatch;
    }
  } finally {
    // Left early: let the batch in flight land, then close the cursor.
    if (next) await next.then((reply) => (cursorId = Long.fromValue(reply.cursor.id)), () => undefined);
    if (!cursorId.isZero()) await db.command({ killCursors: collection, cursors: [cursorId] }, { session }).catch(() => undefined);
    await session.endSession();
  }
}
