/**
 * @module `$group` over a collection larger than the heap. mingo groups a whole array at once, so a
 * pipeline of per-document stages then `$group` runs here chunk by chunk: mingo groups each chunk
 * (with `$avg` split into a sum and a count), the partial groups are merged as they come, and the
 * stages after `$group` run over the merged groups. Pipelines this cannot split (other accumulators,
 * a `$sort` or `$limit` before the group) go to mingo whole.
 */
import { EJSON } from "bson";
import { Aggregator } from "mingo";

type Doc = Record<string, unknown>;
type Merge = (a: unknown, b: unknown) => unknown;

const CHUNK = 10_000;
const PER_DOCUMENT = new Set(["$match", "$project", "$addFields", "$set", "$unset", "$replaceRoot", "$replaceWith", "$unwind"]);
const lesser = (a: unknown, b: unknown) => ((b as number) < (a as number) ? b : a);
const MERGES: Record<string, Merge> = {
  $sum: (a, b) => (a as number) + (b as number),
  $min: (a, b) => (a == null ? b : b == null ? a : lesser(a, b)),
  $max: (a, b) => (a == null ? b : b == null ? a : lesser(a, b) === a ? b : a),
  $first: (a) => a,
  $last: (_a, b) => b,
  $push: (a, b) => [...(a as unknown[]), ...(b as unknown[])],
  $addToSet: (a, b) => {
    const seen = new Map((a as unknown[]).map((v) => [EJSON.stringify(v), v]));
    for (const v of b as unknown[]) seen.set(EJSON.stringify(v), v);
    return [...seen.values()];
  },
};

type Plan = { before: Doc[]; partial: Doc; merges: Array<[field: string, merge: Merge]>; averages: string[]; after: Doc[] };

/** How to run `pipeline` chunk by chunk, or undefined when it cannot be split. */
function plan(pipeline: Doc[]): Plan | undefined {
  const at = pipeline.findIndex((stage) => "$group" in stage);
  if (at < 0 || !pipeline.slice(0, at).every((stage) => PER_DOCUMENT.has(Object.keys(stage)[0]))) return undefined;
  const { _id, ...fields } = pipeline[at].$group as Doc;
  const partial: Doc = { _id };
  const merges: Plan["merges"] = [];
  const averages: string[] = [];
  for (const [field, spec] of Object.entries(fields)) {
    const [op, expr] = Object.entries(spec as Doc)[0] ?? [];
    if (op === "$count") {
      partial[field] = { $sum: 1 };
      merges.push([field, MERGES.$sum]);
    } else if (op === "$avg") {
      partial[`${field}__sum`] = { $sum: expr };
      partial[`${field}__n`] = { $sum: { $cond: [{ $isNumber: expr }, 1, 0] } };
      merges.push([`${field}__sum`, MERGES.$sum], [`${field}__n`, MERGES.$sum]);
      averages.push(field);
    } else if (op && MERGES[op]) {
      partial[field] = spec;
      merges.push([field, MERGES[op]]);
    } else return undefined;
  }
  return { before: pipeline.slice(0, at), partial, merges, averages, after: pipeline.slice(at + 1) };
}

/** Runs `pipeline` over `source`, holding one chunk and the groups at a time when it can. */
export function* aggregateStream(pipeline: Doc[], source: Iterable<Doc>): Generator<Doc> {
  const steps = plan(pipeline);
  if (!steps) {
    const iterator = new Aggregator(pipeline).stream(source);
    for (let next = iterator.next(); !next.done; next = iterator.next()) yield next.value as Doc;
    return;
  }
  const groups = new Map<string, Doc>();
  const partialPipeline = [...steps.before, { $group: steps.partial }];
  const fold = (chunk: Doc[]) => {
    for (const part of new Aggregator(partialPipeline).run(chunk) as Doc[]) {
      const key = EJSON.stringify(part._id ?? null);
      const group = groups.get(key);
      if (!group) groups.set(key, part);
      else for (const [field, merge] of steps.merges) group[field] = merge(group[field], part[field]);
    }
  };
  let chunk: Doc[] = [];
  for (const doc of source) {
    chunk.push(doc);
    if (chunk.length >= CHUNK) {
      fold(chunk);
      chunk = [];
    }
  }
  fold(chunk);
  const merged = [...groups.values()].map((group) => {
    for (const field of steps.averages) {
      const n = group[`${field}__n`] as number;
      group[field] = n ? (group[`${field}__sum`] as number) / n : null;
      delete group[`${field}__sum`];
      delete group[`${field}__n`];
    }
    return group;
  });
  yield* steps.after.length ? (new Aggregator(steps.after).run(merged) as Doc[]) : merged;
}
