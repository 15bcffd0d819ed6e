/**
 * @module What sits beside each model in `<name>.checks.json`: a description of the model (its grain
 * and where it comes from) and of each column with its warehouse type, the data-quality checks the
 * ETL runs on every run, and given/expect examples the test suite runs without MySQL.
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { z } from "zod";

/** A cell in an example: dates and timestamps are text (`"2024-07-01 07:00:00"`), and so are integers beyond 2^53 (hash keys); each is cast to its column's type. */
const cell = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const row = z.record(z.string(), cell);
export type Row = z.infer<typeof row>;

const column = z.strictObject({
  /** DuckDB type; for a mart, the type its column has in the star schema. */
  type: z.string().min(1),
  description: z.string().min(1),
});
export type ColumnDoc = z.infer<typeof column>;
/** Column name → type and description, in the order the model produces them. */
export type Columns = Record<string, ColumnDoc>;

const example = z.strictObject({
  description: z.string().min(1),
  /** Input rows by what the model reads: `ref('stg_users')`, `source('users')`, `this`; inputs not given are empty (seeds keep their rows). Columns left out are null. */
  given: z.record(z.string(), z.array(row)).default({}),
  /** Compares only output rows where this SQL condition holds (for models such as the calendar that make many rows). */
  where: z.string().optional(),
  /** The rows the model must produce, in any order; only the columns named here are compared. */
  expect: z.array(row),
});
export type Example = z.infer<typeof example>;

const checks = {
  unique: z.array(z.string()).optional(),
  not_null: z.array(z.string()).optional(),
  accepted_values: z.record(z.string(), z.array(z.union([z.string(), z.number(), z.boolean()]))).optional(),
  /** `to` is a marker, `{{ ref('dim_user') }}`: the referenced model then runs first. */
  relationships: z.array(z.strictObject({ column: z.string(), to: z.string(), field: z.string() })).optional(),
  /** Must hold for every row of the model's output. */
  expressions: z.array(z.string()).optional(),
  /** Must be true once, over the whole warehouse state (e.g. one current version per user). */
  model_expressions: z.array(z.string()).optional(),
};
const checksShape = z.strictObject(checks);
export type Checks = z.infer<typeof checksShape>;

const modelSpec = z.strictObject({
  description: z.string().min(1),
  columns: z.record(z.string(), column),
  ...checks,
  examples: z.array(example).min(1),
});
export type ModelSpec = z.infer<typeof modelSpec>;

/** The checks part of a spec, each SQL text passed through `map` (to bind its markers). */
export function checksOf(spec: ModelSpec, map: (sql: string, what: string) => string = (s) => s): Checks {
  return {
    unique: spec.unique,
    not_null: spec.not_null,
    accepted_values: spec.accepted_values,
    relationships: spec.relationships?.map((r) => ({ ...r, to: map(r.to, `relationships(${r.column})`) })),
    expressions: spec.expressions?.map((e) => map(e, `expression(${e})`)),
    model_expressions: spec.model_expressions?.map((e) => map(e, `model_expression(${e})`)),
  };
}

/** The SQL texts of a spec's checks that may hold markers. */
export const checkTexts = (spec: ModelSpec) => [...(spec.relationships ?? []).map((r) => r.to), ...(spec.expressions ?? []), ...(spec.model_expressions ?? [])];

/** Reads and validates a model's spec. Every model has one: a model without it is a mistake, not a model without rules. */
export async function readSpec(file: URL): Promise<ModelSpec> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new Error(`${fileURLToPath(file)} is missing: every model declares its checks beside its SQL.`);
    throw error;
  }
  const parsed = modelSpec.safeParse(JSON.parse(text));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(top)"}: ${i.message}`).join("; ");
    throw new Error(`${fileURLToPath(file)}: ${problems} (a checks file has a description, columns with a type and description each, checks, and at least one example)`);
  }
  return parsed.data;
}
