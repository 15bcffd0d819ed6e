/**
 * @module Keys and predicates for the document engine: the map key of an `_id` or an indexed value,
 * and a filter turned into a predicate, cheaply when it is plain equalities or `$in` lists.
 */
import type { ObjectId } from "bson";
import { Query } from "mingo";

type Doc = Record<string, unknown>;

/** A map key for an `_id` or an indexed value. */
export type Key = string | number;

/**
 * The key of a value: numbers of every BSON width are the number itself (cheap to hash, no string
 * per document in memory), anything else a string tagged with its type, so 1, "1" and a date stay apart.
 */
export function keyOf(value: unknown): Key {
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number.isSafeInteger(Number(value)) ? Number(value) : `l${value}`;
  if (typeof value === "string") return `s${value}`;
  if (value instanceof Date) return `d${value.getTime()}`;
  if (value !== null && typeof value === "object" && (value as { _bsontype?: string })._bsontype === "ObjectId") return `o${(value as ObjectId).toHexString()}`;
  return `${typeof value}:${String(value)}`;
}
export const isPlainValue = (v: unknown) => v === null || ["string", "number", "boolean", "bigint"].includes(typeof v) || v instanceof Date || (typeof v === "object" && (v as { _bsontype?: string })._bsontype === "ObjectId");
const isScalar = (v: unknown) => v === undefined || isPlainValue(v);

/** The plain values of `{$in: [...]}`, or undefined for any other condition. */
export function inList(condition: unknown): unknown[] | undefined {
  if (!condition || typeof condition !== "object" || isPlainValue(condition)) return undefined;
  const keys = Object.keys(condition);
  const list = (condition as { $in?: unknown }).$in;
  return keys.length === 1 && Array.isArray(list) && list.every((v) => v !== null && isPlainValue(v)) ? list : undefined;
}

/**
 * A predicate for a filter. Building a mingo Query copies its operator tables, which costs more than
 * the match itself for the filters the app, the load and the ETL send most (`{_id: 5}`,
 * `{user_id: {$in: [...]}}`), so plain equalities and `$in` lists on top-level fields are matched
 * directly, by key (arrays and documents in the stored value still go to mingo).
 */
export function matcher(filter: Doc): (doc: Doc) => boolean {
  const entries = Object.entries(filter);
  const simple = entries.every(([k, v]) => !k.startsWith("$") && !k.includes(".") && ((v !== null && isPlainValue(v)) || inList(v)));
  if (!simple) {
    const query = new Query(filter);
    return (doc) => query.test(doc);
  }
  const wanted = entries.map(([k, v]) => [k, new Set((inList(v) ?? [v]).map(keyOf))] as const);
  let query: Query | undefined;
  return (doc) => wanted.every(([k, keys]) => (isScalar(doc[k]) ? keys.has(keyOf(doc[k])) : (query ??= new Query(filter)).test(doc)));
}
