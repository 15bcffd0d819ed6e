/**
 * @module dbt-style refs: a model names what it reads with `{{ ref('stg_users') }}` (a model or a
 * seed), `{{ source('users') }}` (a staged source) or `{{ this }}` (a mart's own rows as the
 * warehouse had them before this run). Dependencies are derived from these markers, never declared
 * by hand; the runner substitutes each marker with the relation it is bound to.
 */

export type Ref = { kind: "ref"; name: string } | { kind: "source"; name: string } | { kind: "this" };

const MARKER = /\{\{\s*(.*?)\s*\}\}/g;
const CALL = /^(ref|source)\(\s*'([A-Za-z0-9_]+)'\s*\)$/;

/** Parses the inside of a marker (`ref('x')`, `source('x')`, `this`); also how examples name their inputs. */
export function parseRef(text: string): Ref | undefined {
  const t = text.trim();
  if (t === "this") return { kind: "this" };
  const m = CALL.exec(t);
  return m ? { kind: m[1] as "ref" | "source", name: m[2] } : undefined;
}

export const refText = (ref: Ref) => (ref.kind === "this" ? "this" : `${ref.kind}('${ref.name}')`);

/** Replaces every marker in `text` with `bind(ref)`; `where` names the text in errors. */
export function compile(text: string, bind: (ref: Ref) => string, where: string): string {
  return text.replace(MARKER, (whole, inner: string) => {
    const ref = parseRef(inner);
    if (!ref) throw new Error(`${where}: ${whole} is not a marker: write {{ ref('model') }}, {{ source('name') }} or {{ this }}`);
    return bind(ref);
  });
}

/** The markers in `text`, each once, in order of first use. */
export function refsIn(text: string, where: string): Ref[] {
  const seen = new Map<string, Ref>();
  compile(text, (ref) => (seen.set(refText(ref), ref), ""), where);
  return [...seen.values()];
}

/** SQL text without comments, string literals and markers: what is left names relations directly. */
const bare = (sql: string) => sql.replace(/--[^\n]*/g, "").replace(/'(?:[^']|'')*'/g, "''").replace(MARKER, "");

/** Relation names that `text` uses without a marker (a dependency the runner could not see). */
export function unmarkedNames(text: string, relations: Iterable<string>): string[] {
  const rest = bare(text);
  return [...relations].filter((name) => new RegExp(`\\b${name}\\b`, "i").test(rest));
}

export type Node = { name: string; reads: Ref[] };
export type Known = { sources: ReadonlySet<string>; seeds: ReadonlySet<string> };

/**
 * Orders `nodes` so that each comes after the models it reads (ties keep the given order), and
 * returns each one's model dependencies. An unknown model, source or seed, or a cycle, is an error
 * naming the model(s).
 */
export function dependencyOrder(nodes: Node[], known: Known): Array<{ name: string; deps: string[] }> {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const depsOf = new Map<string, string[]>();
  for (const n of nodes) {
    const deps: string[] = [];
    for (const ref of n.reads) {
      if (ref.kind === "source") {
        if (!known.sources.has(ref.name)) throw new Error(`model ${n.name} reads unknown source ${ref.name} ({{ ${refText(ref)} }}); declared sources: ${[...known.sources].join(", ")}`);
      } else if (ref.kind === "ref" && !known.seeds.has(ref.name)) {
        if (!byName.has(ref.name)) throw new Error(`model ${n.name} reads unknown model ${ref.name} ({{ ${refText(ref)} }}); no model or seed has that name`);
        if (ref.name === n.name) throw new Error(`model ${n.name} reads itself with {{ ref('${n.name}') }}: a mart reads its earlier rows with {{ this }}`);
        if (!deps.includes(ref.name)) deps.push(ref.name);
      }
    }
    depsOf.set(n.name, deps);
  }
  const done = new Set<string>();
  const order: Array<{ name: string; deps: string[] }> = [];
  const visit = (name: string, path: string[]) => {
    if (done.has(name)) return;
    if (path.includes(name)) throw new Error(`model dependency cycle: ${[...path.slice(path.indexOf(name)), name].join(" → ")}`);
    for (const dep of depsOf.get(name)!) visit(dep, [...path, name]);
    done.add(name);
    order.push({ name, deps: depsOf.get(name)! });
  };
  for (const n of nodes) visit(n.name, []);
  return order;
}
