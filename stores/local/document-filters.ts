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
  const isSimple = ([k, v]: [string, unknown]) => !k.startsWith("$") && !k.includes(".") && ((v !== null && isPlainValue(v)) || inList(v) !== undefined);
  const entries = Object.entries(filter);
  const simple = entries.filter(isSimple);
  if (!simple.length) {
    const query = new Query(filter);
    return (doc) => query.test(doc);
  }
  // Top-level conditions all hold, so the rest (a date range beside `{user_id: {$in: [...]}}`) goes to
  // mingo alone: its `$in` compares each value with every listed one.
  const rest = entries.filter((e) => !isSimple(e));
  const others = rest.length ? new Query(Object.fromEntries(rest)) : undefined;
  const wanted = simple.map(([k, v]) => [k, new Set((inList(v) ?? [v]).map(keyOf))] as const);
  let query: Query | undefined;
  return (doc) => wanted.every(([k, keys]) => (isScalar(doc[k]) ? keys.has(keyOf(doc[k])) : (query ??= new Query(filter)).test(doc))) && (!others || others.test(doc));
}
