/**
 * @module The document store (MongoDB), always through the official driver: to `MONGODB_URI` when
 * set, else to the local service for `DATA_DIR` (started if none runs), which speaks the same wire
 * protocol. Code above `stores/` never knows which it has.
 */
import type { Config } from "../lib/config.ts";
import { ensureLocalService, mongoUriOf } from "./local/locate.ts";
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
  /** The number of documents from the collection's metadata, without reading them (MongoDB's estimatedDocumentCount). */
  estimatedCount(): Promise<number>;
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
  /** Damaged records the store reports (MongoDB's `validate` on each collection): one line each, naming where. */
  damage(): Promise<string[]>;
  close(): Promise<void>;
}

/** Opens the store the configuration names. */
export async function openDocumentStore(config: Config): Promise<DocumentStore> {
  const { openMongoStore } = await import("./mongo-documents.ts");
  if (config.mongodbUri) return openMongoStore(config.mongodbUri, config.mongodbDb);
  const service = await ensureLocalService(config.dataDir, config.localStoresIdleMs);
  return openMongoStore(mongoUriOf(service), config.mongodbDb, { location: `local service, ${service.host}:${service.mongoPort}, pid ${service.pid}` });
}
