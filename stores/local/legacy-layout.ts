/**
 * @module Brings the document logs of the earlier single-process store (`DATA_DIR/documents/<collection>.jsonl`,
 * lines without checksums) into the engine's layout, so that an upgraded workbench keeps what the app
 * wrote. Committed operations are replayed in order; each old file is removed once it is carried over
 * (a copy left behind would outlive an erasure).
 */
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { DocumentEngine } from "./document-engine.ts";
import type { Doc } from "./log-collection.ts";
import { lines, parseUncheckedLine, type Entry } from "./log-lines.ts";

export async function migrateLegacyLayout(engine: DocumentEngine, database: string, log: (line: string) => void): Promise<void> {
  for (const file of readdirSync(engine.dir).filter((f) => f.endsWith(".jsonl"))) {
    const name = file.slice(0, -".jsonl".length);
    const collection = engine.collection(database, name, true)!;
    let pending: Entry[] = [];
    let carried = 0;
    for (const [text] of lines(join(engine.dir, file))) {
      const entry = parseUncheckedLine(text);
      if (entry?.kind !== "commit") {
        if (entry) pending.push(entry);
        continue;
      }
      // Replaces by _id and deletes, in the order they were committed; validation was done when they were written.
      const puts = pending.flatMap((e) => (e.kind === "put" ? [{ q: { _id: e.doc._id } as Doc, u: e.doc, upsert: true }] : []));
      const deletes = pending.flatMap((e) => (e.kind === "delete" ? [{ q: { _id: e.id } as Doc, limit: 1 }] : []));
      if (puts.length) await collection.update(puts, true, true);
      if (deletes.length) await collection.remove(deletes, true);
      carried += pending.length;
      pending = [];
    }
    rmSync(join(engine.dir, file));
    log(`carried ${carried.toLocaleString("en-US")} committed operations of ${file} over into ${database}.${name}`);
  }
}
