/**
 * @module Group commit on the client side: single-document inserts made in the same turn of the event
 * loop (the app logging workouts for many users at once) go to the store as one unordered `insert`
 * command, and each caller gets its own outcome — success, or its own write error (a duplicate
 * `_id`, a validation failure) exactly as a lone insert would have raised it. One command for many
 * documents spares the driver's per-command work and a round trip per document.
 */
import type { Document } from "mongodb";
import { writeError, type WriteFailure } from "./bulk-commands.ts";

type Waiting = { doc: Document; resolve(): void; reject(error: unknown): void };

/** `insertUnordered` sends one unordered insert command and reports the documents it refused. */
export function insertBatcher(insertUnordered: (docs: Document[]) => Promise<{ failures: WriteFailure[] }>): (doc: Document) => Promise<void> {
  let waiting: Waiting[] = [];
  const flush = async () => {
    const batch = waiting;
    waiting = [];
    let failures: Map<number, WriteFailure>;
    try {
      failures = new Map((await insertUnordered(batch.map((w) => w.doc))).failures.map((f) => [f.index, f]));
    } catch (error) {
      // Without the store's answer no caller knows whether its document went in.
      for (const w of batch) w.reject(error);
      return;
    }
    batch.forEach((w, index) => {
      const failure = failures.get(index);
      if (failure) w.reject(writeError(failure));
      else w.resolve();
    });
  };
  return (doc) =>
    new Promise<void>((resolve, reject) => {
      if (waiting.push({ doc, resolve, reject }) === 1) setImmediate(flush);
    });
}
