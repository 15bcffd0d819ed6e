/**
 * @module Checks a document against the subset of MongoDB `$jsonSchema` the validators use
 * (bsonType, required, properties, items, enum, bounds, pattern). Returns the first violation, named
 * by path, so that the embedded store rejects what MongoDB would and the ETL can quarantine with a reason.
 */
import type { JsonSchema } from "./document-schema.ts";

function bsonTypeOf(value: unknown): string {
  if (value === null) return "null";
  if (value instanceof Date) return "date";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "int" : "double";
  if (typeof value === "bigint") return "long";
  if (typeof value === "string") return "string";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "object" && (value as { _bsontype?: string })._bsontype === "ObjectId") return "objectId";
  if (typeof value === "object" && (value as { _bsontype?: string })._bsontype === "Decimal128") return "decimal";
  return typeof value === "object" ? "object" : typeof value;
}

const accepts = (allowed: string[], actual: string) =>
  allowed.includes(actual) || (actual === "int" && (allowed.includes("long") || allowed.includes("double"))) || (actual === "double" && allowed.includes("decimal"));

/** Returns undefined when `value` satisfies `schema`, else a one-line reason. */
export function violation(schema: JsonSchema, value: unknown, path = "document"): string | undefined {
  if (schema.bsonType !== undefined) {
    const allowed = Array.isArray(schema.bsonType) ? schema.bsonType : [schema.bsonType];
    const actual = bsonTypeOf(value);
    if (!accepts(allowed, actual)) return `${path} must be ${allowed.join(" or ")}, got ${actual}`;
  }
  if (schema.enum && !schema.enum.some((e) => e === value)) return `${path} must be one of ${schema.enum.join(", ")}`;
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum) return `${path} must be ≥ ${schema.minimum}`;
    if (schema.maximum !== undefined && value > schema.maximum) return `${path} must be ≤ ${schema.maximum}`;
  }
  if (typeof value === "string") {
    if (schema.minLength !== undefined && value.length < schema.minLength) return `${path} must have at least ${schema.minLength} characters`;
    if (schema.maxLength !== undefined && value.length > schema.maxLength) return `${path} must have at most ${schema.maxLength} characters`;
    if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value)) return `${path} must match ${schema.pattern}`;
  }
  if (Array.isArray(value) && schema.items) {
    for (let i = 0; i < value.length; i++) {
      const v = violation(schema.items, value[i], `${path}[${i}]`);
      if (v) return v;
    }
  }
  if (value !== null && typeof value === "object" && !Array.isArray(value) && !(value instanceof Date)) {
    const record = value as Record<string, unknown>;
    for (const field of schema.required ?? []) {
      if (record[field] === undefined) return `${path}.${field} is required`;
    }
    for (const [field, sub] of Object.entries(schema.properties ?? {})) {
      if (record[field] === undefined) continue;
      const v = violation(sub, record[field], `${path}.${field}`);
      if (v) return v;
    }
    if (schema.additionalProperties === false) {
      const extra = Object.keys(record).find((k) => !(k in (schema.properties ?? {})));
      if (extra) return `${path}.${extra} is not allowed`;
    }
  }
  return undefined;
}
