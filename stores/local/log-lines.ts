/**
 * @module The line format of the document store's logs. Each line is a CRC-32 of its JSON (8 hex
 * digits) followed by the JSON: `{"p":doc}` puts a version, `{"d":id}` deletes, `{"c":1}` commits
 * the lines since the previous commit. A line of spaces is a version scrubbed by an erasure.
 * Values MongoDB has and JSON lacks are written as canonical extended JSON (`{"$date":…}`, `{"$oid":…}`).
 */
import { closeSync, openSync, readSync } from "node:fs";
import { crc32 } from "node:zlib";
import { EJSON, ObjectId } from "bson";

const CRC_DIGITS = 8;
const READ_CHUNK = 1024 * 1024;

export const COMMIT_LINE = line('{"c":1}');

/**
 * Both directions walk the document in plain loops (a JSON replacer or reviver callback per value is
 * several times slower); BSON types other than dates, ObjectIds and longs go through EJSON.
 */
function toExtended(value: unknown): unknown {
  if (value === null || typeof value !== "object") return typeof value === "bigint" ? { $numberLong: String(value) } : value;
  if (value instanceof Date) return { $date: value.getTime() };
  if (Array.isArray(value)) return value.map(toExtended);
  const bsonType = (value as { _bsontype?: string })._bsontype;
  if (bsonType === "ObjectId") return { $oid: (value as ObjectId).toHexString() };
  if (bsonType) return EJSON.serialize(value, { relaxed: false });
  const out: Record<string, unknown> = {};
  for (const key in value) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = toExtended(v);
  }
  return out;
}

function fromExtended(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = fromExtended(value[i]);
    return value;
  }
  const record = value as Record<string, unknown>;
  for (const key in record) {
    if (key.charCodeAt(0) === 36 /* $ */) {
      if (key === "$date" && typeof record.$date === "number") return new Date(record.$date);
      if (key === "$oid") return new ObjectId(record.$oid as string);
      if (key === "$numberLong") return BigInt(record.$numberLong as string);
      return EJSON.deserialize(record, { relaxed: false });
    }
    const v = record[key];
    if (v !== null && typeof v === "object") record[key] = fromExtended(v);
  }
  return record;
}

/** One log line (without its newline) for a JSON body. */
export function line(json: string): string {
  return (crc32(json) >>> 0).toString(16).padStart(CRC_DIGITS, "0") + json;
}

export const putLine = (doc: unknown) => line(`{"p":${JSON.stringify(toExtended(doc))}}`);
export const deleteLine = (id: unknown) => line(`{"d":${JSON.stringify(toExtended(id))}}`);

export type Entry = { kind: "put"; doc: Record<string, unknown> } | { kind: "delete"; id: unknown } | { kind: "commit" } | { kind: "scrubbed" };

/** Parses a line; undefined when its checksum or JSON is wrong (a torn or damaged line). */
export function parseLine(text: string): Entry | undefined {
  if (text.charCodeAt(0) === 32) return /^ *$/.test(text) ? { kind: "scrubbed" } : undefined;
  if (text.length <= CRC_DIGITS) return undefined;
  const json = text.slice(CRC_DIGITS);
  if (Number.parseInt(text.slice(0, CRC_DIGITS), 16) !== crc32(json) >>> 0) return undefined;
  return parseBody(json);
}

/** A line of the earlier single-process store: the same JSON, without a checksum. */
export const parseUncheckedLine = (text: string): Entry | undefined => parseBody(text);

function parseBody(json: string): Entry | undefined {
  try {
    const value = fromExtended(JSON.parse(json)) as { p?: Record<string, unknown>; d?: unknown; c?: number };
    if (value.p) return { kind: "put", doc: value.p };
    if ("d" in value) return { kind: "delete", id: value.d };
    if (value.c === 1) return { kind: "commit" };
  } catch {
    // falls through: not a line this store wrote
  }
  return undefined;
}

/** The document of a put line already known to be sound (read back at a recorded position). */
export function docOf(text: string): Record<string, unknown> {
  return (fromExtended(JSON.parse(text.slice(CRC_DIGITS))) as { p: Record<string, unknown> }).p;
}

/** Every line of a file from `from` up to `to` with its byte range, read in chunks (logs can be far larger than a string). */
export function* lines(path: string, from = 0, to = Infinity): Generator<[text: string, start: number, end: number]> {
  const fd = openSync(path, "r");
  try {
    const buffer = Buffer.alloc(READ_CHUNK);
    let carry = Buffer.alloc(0);
    let base = from; // file offset of data[0]
    let position = from;
    while (position < to) {
      const n = readSync(fd, buffer, 0, Math.min(READ_CHUNK, to - position), position);
      if (n === 0) break;
      position += n;
      const data = carry.length ? Buffer.concat([carry, buffer.subarray(0, n)]) : buffer.subarray(0, n);
      let start = 0;
      for (let nl = data.indexOf(10, start); nl !== -1; nl = data.indexOf(10, start)) {
        yield [data.toString("utf8", start, nl), base + start, base + nl];
        start = nl + 1;
      }
      carry = Buffer.from(data.subarray(start));
      base += start;
    }
  } finally {
    closeSync(fd);
  }
}

/** The extent of the `_id` JSON at the start of a put line, so erasure can find a document's versions without parsing them. */
const ID_PREFIX = '{"p":{"_id":';
export function idJsonOf(text: string): string | undefined {
  const from = CRC_DIGITS + ID_PREFIX.length;
  if (!text.startsWith(ID_PREFIX, CRC_DIGITS)) return undefined;
  let depth = 0;
  let inString = false;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") {
      if (depth === 0) return text.slice(from, i);
      depth--;
    } else if (c === "," && depth === 0) return text.slice(from, i);
  }
  return undefined;
}
export const idJson = (id: unknown) => putLine({ _id: id }).slice(CRC_DIGITS + ID_PREFIX.length, -2);
