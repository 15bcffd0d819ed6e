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

/** A failed check's reason, given the path of the value it checked (built only on failure: a valid document allocates no paths). */
type Reason = (path: string) => string;
type Check = (value: unknown) => Reason | undefined;
const compiled = new WeakMap<JsonSchema, Check>();

/** Returns undefined when `value` satisfies `schema`, else a one-line reason. */
export function violation(schema: JsonSchema, value: unknown, path = "document"): string | undefined {
  return compile(schema)(value)?.(path);
}

/** The schema turned into one closure per rule, once per schema object (stores validate every write). */
function compile(schema: JsonSchema): Check {
  const cached = compiled.get(schema);
  if (cached) return cached;
  const checks: Check[] = [];
  if (schema.bsonType !== undefined) {
    const allowed = Array.isArray(schema.bsonType) ? schema.bsonType : [schema.bsonType];
    checks.push((value) => {
      const actual = bsonTypeOf(value);
      return accepts(allowed, actual) ? undefined : (path) => `${path} must be ${allowed.join(" or ")}, got ${actual}`;
    });
  }
  if (schema.enum) {
    const options = schema.enum;
    checks.push((value) => (options.some((e) => e === value) ? undefined : (path) => `${path} must be one of ${options.join(", ")}`));
  }
  const { minimum, maximum, minLength, maxLength } = schema;
  if (minimum !== undefined || maximum !== undefined) {
    checks.push((value) => {
      if (typeof value !== "number") return undefined;
      if (minimum !== undefined && value < minimum) return (path) => `${path} must be ≥ ${minimum}`;
      if (maximum !== undefined && value > maximum) return (path) => `${path} must be ≤ ${maximum}`;
      return undefined;
    });
  }
  if (minLength !== undefined || maxLength !== undefined || schema.pattern !== undefined) {
    const pattern = schema.pattern === undefined ? undefined : new RegExp(schema.pattern);
    checks.push((value) => {
      if (typeof value !== "string") return undefined;
      if (minLength !== undefined && value.length < minLength) return (path) => `${path} must have at least ${minLength} characters`;
      if (maxLength !== undefined && value.length > maxLength) return (path) => `${path} must have at most ${maxLength} characters`;
      if (pattern && !pattern.test(value)) return (path) => `${path} must match ${schema.pattern}`;
      return undefined;
    });
  }
  if (schema.items) {
    const item = compile(schema.items);
    checks.push((value) => {
      if (!Array.isArray(value)) return undefined;
      for (let i = 0; i < value.length; i++) {
        const v = item(value[i]);
        if (v) return (path) => v(`${path}[${i}]`);
      }
      return undefined;
    });
  }
  const required = schema.required ?? [];
  const properties = Object.entries(schema.properties ?? {}).map(([field, sub]) => [field, compile(sub)] as const);
  const known = new Set(Object.keys(schema.properties ?? {}));
  if (required.length || properties.length || schema.additionalProperties === false) {
    checks.push((value) => {
      if (value === null || typeof value !== "object" || Array.isArray(value) || value instanceof Date) return undefined;
      const record = value as Record<string, unknown>;
      for (const field of required) if (record[field] === undefined) return (path) => `${path}.${field} is required`;
      for (const [field, check] of properties) {
        if (record[field] === undefined) continue;
        const v = check(record[field]);
        if (v) return (path) => v(`${path}.${field}`);
      }
      if (schema.additionalProperties === false) {
        const extra = Object.keys(record).find((k) => !known.has(k));
        if (extra) return (path) => `${path}.${extra} is not allowed`;
      }
      return undefined;
    });
  }
  const check: Check = (value) => {
    for (const c of checks) {
      const v = c(value);
      if (v) return v;
    }
    return undefined;
  };
  compiled.set(schema, check);
  return check;
}
