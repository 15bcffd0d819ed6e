/**
 * @module Runs a model's given/expect examples (as dbt unit tests do) in an in-memory DuckDB, with no
 * store: each input the model reads is created with its declared column types (a staged source's,
 * a seed's, or the upstream model's spec) from the example's rows, the model runs with its markers
 * bound as in the ETL, and its rows are compared with the expected ones, in any order.
 */
import { castTo, openDuckDB, type DuckDB } from "../../lib/duckdb.ts";
import { columnsOf, compiledSql, relationOf, type Project, type ProjectModel } from "./project.ts";
import { parseRef, refText } from "./refs.ts";
import type { Columns, Example, Row } from "./spec.ts";
import { typedTable } from "./typed-table.ts";

/** The pseudonym key examples run with, so that expected pseudonyms are fixed values. */
export const EXAMPLE_PSEUDONYM_KEY = "example";

/** A row with every value as DuckDB renders it as text (so `30` and `30.0` of a DOUBLE compare equal). */
export type TextRow = Record<string, string | null>;

export type ExampleOutcome = {
  /** The columns the model produced and their types, before a mart is conformed to its declared types. */
  produced: Array<{ name: string; type: string }>;
  /** Expected rows the model did not produce. */
  missing: TextRow[];
  /** Rows the model produced that were not expected. */
  unexpected: TextRow[];
};

const key = (row: TextRow) => JSON.stringify(row);

/** `a` without `b`, as multisets of rows. */
function without(a: TextRow[], b: TextRow[]): TextRow[] {
  const left = new Map<string, number>();
  for (const r of b) left.set(key(r), (left.get(key(r)) ?? 0) + 1);
  return a.filter((r) => {
    const n = left.get(key(r)) ?? 0;
    if (n > 0) left.set(key(r), n - 1);
    return n === 0;
  });
}

const asText = (columns: string[], from: string, where = "true") =>
  `SELECT ${columns.map((c) => `"${c}"::VARCHAR AS "${c}"`).join(", ")} FROM ${from} WHERE ${where}`;

/** Creates every relation the model reads: the example's rows, or empty (a seed keeps its own rows unless given). */
async function createInputs(duck: DuckDB, project: Project, model: ProjectModel, example: Example, where: string): Promise<void> {
  const given = new Map<string, Row[]>();
  for (const [name, rows] of Object.entries(example.given)) {
    const ref = parseRef(name);
    if (!ref || !model.reads.some((r) => refText(r) === refText(ref))) {
      throw new Error(`${where}: given "${name}", which ${model.name} does not read (it reads ${model.reads.map(refText).join(", ")})`);
    }
    given.set(refText(ref), rows);
  }
  for (const ref of model.reads) {
    const seed = ref.kind === "ref" ? project.seeds[ref.name] : undefined;
    const rows = given.get(refText(ref)) ?? seed?.rows ?? [];
    await typedTable(duck, relationOf(project, model, ref), columnsOf(project, model, ref), rows, `${where}: given ${refText(ref)}`);
  }
}

/** Runs one example of `model`; compare `missing` and `unexpected` with `[]`. */
export async function runExample(project: Project, model: ProjectModel, example: Example): Promise<ExampleOutcome> {
  const where = `${model.name} example "${example.description}"`;
  const duck = await openDuckDB({ threads: "1" });
  try {
    await duck.run(`SET VARIABLE pseudonym_key = '${EXAMPLE_PSEUDONYM_KEY}'`);
    await createInputs(duck, project, model, example, where);
    await duck.run(`CREATE TABLE produced AS ${compiledSql(project, model)}`);
    const produced = (await duck.all<{ column_name: string; column_type: string }>("DESCRIBE produced")).map((c) => ({ name: c.column_name, type: c.column_type }));

    // A mart is conformed to its declared (star schema) types, as the ETL conforms it.
    const declared: Columns = model.spec.columns;
    const types = Object.fromEntries(produced.map((c) => [c.name, model.key && declared[c.name] ? declared[c.name].type : c.type]));
    await duck.run(`CREATE TABLE output AS SELECT ${castTo(produced.map((c) => ({ name: c.name, type: types[c.name] })))} FROM produced`);

    const compared = [...new Set(example.expect.flatMap((r) => Object.keys(r)))];
    const unknown = compared.filter((c) => !(c in types));
    if (unknown.length) throw new Error(`${where}: expects column ${unknown.join(", ")}, which the model does not produce (it produces ${produced.map((c) => c.name).join(", ")})`);
    // Expecting no rows: every row produced is unexpected.
    if (compared.length === 0) return { produced, missing: [], unexpected: await duck.all<TextRow>(asText(Object.keys(types), "output", example.where)) };
    await typedTable(duck, "expected", Object.fromEntries(compared.map((c) => [c, { type: types[c], description: "" }])), example.expect, `${where}: expect`);
    const actual = await duck.all<TextRow>(asText(compared, "output", example.where));
    const expected = await duck.all<TextRow>(asText(compared, "expected"));
    return { produced, missing: without(expected, actual), unexpected: without(actual, expected) };
  } finally {
    duck.close();
  }
}
