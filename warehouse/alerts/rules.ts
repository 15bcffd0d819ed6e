/**
 * @module The alert rules file (`alerts.yml` at the repository's root, or `--rules <file>`): YAML, so
 * analysts can comment it. Parsed once here and checked with zod; a malformed file is one error that
 * names the file, the rule (its number and name) and the field.
 */
import { readFile } from "node:fs/promises";
import { parseDocument } from "yaml";
import { z } from "zod";
import { parseInterval } from "../../lib/duration.ts";
import { UserError } from "../../lib/errors.ts";
import { SOURCES } from "../ledger.ts";

/** The repository's own rules file. */
export const DEFAULT_RULES_FILE = new URL("../../alerts.yml", import.meta.url).pathname;

/** What a metric rule can measure over a period, from the star schema. */
export const METRIC_NAMES = ["workouts", "active_users", "minutes", "sessions"] as const;
export const DIMENSIONS = ["state", "activity_type", "age_band"] as const;
export const PERIODS = ["day", "week", "month"] as const;

export type MetricName = (typeof METRIC_NAMES)[number];
export type Dimension = (typeof DIMENSIONS)[number];
export type PeriodKind = (typeof PERIODS)[number];

/** "36h", "2d", "90m": how long, in milliseconds (days on top of lib/duration's units). */
function durationMs(text: string): number {
  const days = /^(\d+(?:\.\d+)?)d$/.exec(text.trim());
  return days ? Number(days[1]) * 86_400_000 : parseInterval(text);
}

const name = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,95}$/, "must be lower-case letters, digits, - and _ (at most 96), e.g. workouts-down-by-state");
const common = { name, description: z.string().max(200).optional() };
const bounds = {
  above: z.number().optional(),
  below: z.number().optional(),
};
const metric = {
  metric: z.enum(METRIC_NAMES),
  by: z.enum(DIMENSIONS).optional(),
  period: z.enum(PERIODS),
};
const needsBound = (r: { above?: number; below?: number }) => r.above !== undefined || r.below !== undefined;
const BOUND_MESSAGE = { message: "needs `above` or `below` (or both)", path: ["above"] };

const threshold = z.strictObject({ ...common, kind: z.literal("threshold"), ...metric, ...bounds }).refine(needsBound, BOUND_MESSAGE);
const percentChange = z
  .strictObject({
    ...common,
    kind: z.literal("percent_change"),
    ...metric,
    ...bounds,
    /** Groups with fewer than this in the previous period are not compared (their percentages are noise). */
    min_previous: z.number().int().min(0).default(1),
  })
  .refine(needsBound, BOUND_MESSAGE);
const freshness = z.strictObject({
  ...common,
  kind: z.literal("freshness"),
  source: z.enum(SOURCES),
  /** Default: the source's declared error threshold (warehouse/freshness.ts). */
  older_than: z.string().optional().transform((text, ctx) => {
    if (text === undefined) return undefined;
    try {
      return durationMs(text);
    } catch {
      ctx.addIssue({ code: "custom", message: `"${text}" is not a duration: use for example 36h, 2d or 90m` });
      return z.NEVER;
    }
  }),
});
const quarantineRatio = z.strictObject({ ...common, kind: z.literal("quarantine_ratio"), above: z.number().min(0).max(1) });

const rule = z.discriminatedUnion("kind", [threshold, percentChange, freshness, quarantineRatio], {
  error: (issue) => (issue.code === "invalid_union" ? "`kind` must be one of threshold, percent_change, freshness, quarantine_ratio" : undefined),
});

const file = z.strictObject({
  recipients: z.array(z.email()).default([]),
  rules: z.array(rule).min(1, "lists no rules"),
});

export type Rule = z.infer<typeof rule>;
export type MetricRule = Extract<Rule, { kind: "threshold" | "percent_change" }>;
export type RulesFile = z.infer<typeof file> & { file: string };

/** Where in the file an issue is: `rule 2 ("name") field "period"`, or the top-level key. */
function whereOf(path: PropertyKey[], raw: unknown): string {
  if (path[0] === "rules" && typeof path[1] === "number") {
    const entry = (raw as { rules?: unknown[] }).rules?.[path[1]] as { name?: unknown } | undefined;
    const named = typeof entry?.name === "string" ? ` ("${entry.name}")` : "";
    const field = path.slice(2).join(".");
    return `rule ${path[1] + 1}${named}${field ? `, field "${field}"` : ""}`;
  }
  return path.length ? `field "${path.join(".")}"` : "the file";
}

/** Parses and checks a rules file's text; `file` names it in errors. */
export function parseRules(text: string, fileName: string): RulesFile {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) throw new UserError(`${fileName}: not valid YAML: ${doc.errors[0].message.split("\n")[0]}`);
  const raw = doc.toJS() as unknown;
  const parsed = file.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    // zod puts an unknown key's name in the message; name it as the field instead.
    const keys = issue.code === "unrecognized_keys" ? issue.keys : [];
    const where = whereOf(keys.length ? [...issue.path, keys[0]] : issue.path, raw);
    const message = keys.length ? "is not a known field (a typo?)" : issue.message.endsWith("received undefined") ? "is required" : issue.message;
    throw new UserError(`${fileName}: ${where}: ${message}.`);
  }
  const seen = new Set<string>();
  parsed.data.rules.forEach((r, i) => {
    if (seen.has(r.name)) throw new UserError(`${fileName}: rule ${i + 1} ("${r.name}"), field "name": another rule has this name; names identify a rule's alerts.`);
    seen.add(r.name);
    if (r.kind !== "freshness" && r.kind !== "quarantine_ratio" && r.metric === "sessions" && r.by === "activity_type") {
      throw new UserError(`${fileName}: rule ${i + 1} ("${r.name}"), field "by": sessions have no activity type; use state or age_band.`);
    }
  });
  return { ...parsed.data, file: fileName };
}

/** Reads and checks the rules file (default: the repository's `alerts.yml`). */
export async function loadRules(path = DEFAULT_RULES_FILE): Promise<RulesFile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new UserError(`Cannot read the alert rules file ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): pass --rules <file>.`);
  }
  return parseRules(text, path);
}
