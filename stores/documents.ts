/**
 * @module The document store (MongoDB): one interface, two backends. With `MONGODB_URI` set it is the
 * official driver; otherwise the embedded store under `DATA_DIR/documents`, which evaluates the same
 * filter, update and aggregation documents with mingo. Code above `stores/` never knows which it has.
 */
import { join } from "node:path";
import type { Config } from "../lib/config.ts";
import type { CollectionName } from "./document-schema.ts";

export type Doc = Record<string, unknown> & { _id?: unknown };
export type Filter = Record<string, unknown>;
export type Update = Record<string, unknown>;
export type FindOptions = { sort?: Record<string, 1 | -1>; skip?: number; limit?: number; projection?: Record<string, 0 | 1> };
export type UpdateResult = { matchedCount: number; modifiedCount: number; upsertedCount: number };

export interface DocumentCollection {
  /** Inserts new documents; a duplicate `_id` or a schema violation rejects the whole call. */
  insertMany(docs: Doc[]): Promise<number>;
  /** Inserts or replaces each document by `_id` (idempotent bulk load); the documents are not copied. */
  upsertMany(docs: Doc[]): Promise<number>;
  find(filter?: Filter, options?: FindOptions): Promise<Doc[]>;
  /** Matching documents in batches, without holding them all at once (for extraction). */
  stream(filter?: Filter): AsyncIterable<Doc[]>;
  findOne(filter: Filter): Promise<Doc | null>;
  countDocuments(filter?: Filter): Promise<number>;
  updateOne(filter: Filter, update: Update, options?: { upsert?: boolean }): Promise<UpdateResult>;
  updateMany(filter: Filter, update: Update): Promise<UpdateResult>;
  deleteMany(filter: Filter): Promise<number>;
  aggregate(pipeline: Filter[]): Promise<Doc[]>;
}

export interface DocumentStore {
  readonly kind: "mongodb" | "embedded";
  /** Where it is, for `nike doctor` (the URI without password, or the folder). */
  readonly location: string;
  collection(name: CollectionName): DocumentCollection;
  /** Creates the collections with their validators and indexes (idempotent). */
  ensureSchema(): Promise<void>;
  /** Answers whether the store responds, with a short description. */
  ping(): Promise<string>;
  close(): Promise<void>;
}

/** Opens the store the configuration names. */
export async function openDocumentStore(config: Config): Promise<DocumentStore> {
  if (config.mongodbUri) {
    const { openMongoStore } = await import("./mongo-documents.ts");
    return openMongoStore(config.mongodbUri, config.mongodbDb);
  }
  const { openEmbeddedStore } = await import("./embedded-documents.ts");
  return openEmbeddedStore(join(config.dataDir, "documents"));
}
