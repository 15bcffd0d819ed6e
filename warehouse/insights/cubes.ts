/**
 * @module The filterable cubes behind the report pages' filters: workouts pre-aggregated by user profile
 * (city, age band, segment), period and activity — with minutes, with weekday and hour, and which users
 * trained — so that a page can re-aggregate them in the browser for any filter without a server.
 *
 * Periods are calendar months, the months holding the start of the last 30 or 90 days split at that
 * day: every date preset (last 30 and 90 days, year to date, all) and every month range is a set of
 * whole periods, so each filtered figure equals SQL over the same days. Users count once per group,
 * from the `users` cube (who trained in which period at which activity), never by summing cells.
 *
 * Sales (units and revenue) are by the customer's profile, period and product line. A sale without a
 * known customer (an anonymous in-store sale, an erased customer's) has the profile one past the last,
 * which only a filter on no customer dimension selects; a sale outside the workouts' days (the date
 * presets count back from the latest workout) has a period past the last, which only "all dates" selects.
 */
import { AGE_BANDS } from "../../domain/vocabulary.ts";
import type { Config } from "../../lib/config.ts";
import { dateOfKey, type Overview } from "./insight.ts";
import { SALE_LINES } from "./sales-and-seasons.ts";
import type { SegmentFindings } from "./segmentation.ts";
import { openSource, type Row, type WarehouseSource } from "./source.ts";

/** A period: a month or the part of one before or after a preset's first day; dates are YYYY-MM-DD, inclusive. */
export type Period = { month: string; from: string; to: string; days: number };

/** Columns of numbers, one entry per cell. */
export type CubeColumns<K extends string> = Record<K, number[]>;

export type Cubes = {
  firstDate: string;
  lastDate: string;
  periods: Period[];
  /** Months of the sales outside the workouts' days: a sale's period `periods.length + i` is in `outsideMonths[i]`. */
  outsideMonths: string[];
  /** Dictionaries: a cube or profile holds indices into these. `segment[0]` is "no segment"; `line` holds the catalog's sports (product lines). */
  dims: { state: string[]; stateName: string[]; region: string[]; city: string[]; cityState: number[]; age: string[]; segment: string[]; activity: string[]; category: string[]; line: string[] };
  /** Each profile's city (which gives its state), age band and segment. */
  profiles: CubeColumns<"city" | "age" | "segment">;
  /** Workouts and their minutes in tenths (duration_min is kept to 0.1 minute), by profile, period and activity. */
  workouts: CubeColumns<"profile" | "period" | "activity" | "workouts" | "minutes10">;
  /** Workouts by profile, period, activity, weekday (1 = Monday) and hour started. */
  hours: CubeColumns<"profile" | "period" | "activity" | "weekday" | "hour" | "workouts">;
  /** One cell per user, profile, period and activity with at least one workout: active users count once. */
  users: CubeColumns<"user" | "profile" | "period" | "activity">;
  /** Current customers (with or without workouts) by profile. */
  customers: CubeColumns<"profile" | "customers">;
  /** Units sold and their revenue in cents by profile (one past the last: no known customer), period and product line. */
  sales: CubeColumns<"profile" | "period" | "line" | "units" | "cents">;
};

const DAY = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const dateKey = (iso: string) => Number(iso.replaceAll("-", ""));

/** The days a date preset starts at, counted back from the last date (inclusive): where periods split. */
const PRESET_DAYS = [30, 90];

/** Consecutive periods from `firstDate` to `lastDate`: months, split where a preset window starts. */
export function periodsOf(firstDate: string, lastDate: string): Period[] {
  const last = Date.parse(lastDate);
  const splits = new Set(PRESET_DAYS.map((n) => last - (n - 1) * DAY));
  const periods: Period[] = [];
  let start = Date.parse(firstDate);
  for (let day = start; day <= last; day += DAY) {
    const next = day + DAY;
    const monthEnds = isoDay(next).slice(0, 7) !== isoDay(day).slice(0, 7);
    if (next > last || monthEnds || splits.has(next)) {
      periods.push({ month: isoDay(start).slice(0, 7), from: isoDay(start), to: isoDay(day), days: Math.round((day - start) / DAY) + 1 });
      start = next;
    }
  }
  return periods;
}

const columns = <K extends string>(rows: Row[], keys: readonly K[]): CubeColumns<K> =>
  Object.fromEntries(keys.map((k) => [k, rows.map((r) => Number(r[k]))])) as CubeColumns<K>;

/**
 * Builds the cubes in one session of the source. `labels` is the segmentation's segment per user
 * pseudonym and `segmentNames` its names by segment id; users without one fall in "no segment".
 */
export async function filterCubes(source: WarehouseSource, all: Overview, labels: Map<string, number>, segmentNames: Map<number, string>): Promise<Cubes> {
  const periods = periodsOf(all.firstDate, all.lastDate);
  const periodRows: Array<[number, number]> = [];
  periods.forEach((p, i) => {
    for (let day = Date.parse(p.from); day <= Date.parse(p.to); day += DAY) periodRows.push([dateKey(isoDay(day)), i]);
  });
  const [saleDays] = await source.query<{ first: number | null; last: number | null }>(`SELECT MIN(s.date_key) AS first, MAX(s.date_key) AS last FROM ${SALE_LINES} s`);
  const outsideMonths: string[] = [];
  if (saleDays.first !== null && saleDays.last !== null) {
    for (let day = Date.parse(dateOfKey(saleDays.first)); day <= Date.parse(dateOfKey(saleDays.last)); day += DAY) {
      const iso = isoDay(day);
      if (iso >= all.firstDate && iso <= all.lastDate) continue;
      if (outsideMonths.at(-1) !== iso.slice(0, 7)) outsideMonths.push(iso.slice(0, 7));
      periodRows.push([dateKey(iso), periods.length + outsideMonths.length - 1]);
    }
  }

  const places = await source.query<{ state: string; state_name: string; region: string; city: string }>(`
    SELECT DISTINCT l.state AS state, l.state_name AS state_name, l.region AS region, l.city AS city
    FROM dim_user u JOIN dim_location l ON l.location_key = u.location_key ORDER BY l.state, l.city`);
  const activities = await source.query<{ activity_type: string; category: string }>("SELECT activity_type, category FROM dim_activity ORDER BY activity_type");
  const lines = (await source.query<{ line: string }>(`SELECT DISTINCT s.line AS line FROM ${SALE_LINES} s ORDER BY s.line`)).map((r) => r.line);
  const states = [...new Map(places.map((p) => [p.state, p])).values()];
  const age = [...AGE_BANDS, ...new Set((await source.query<{ age_band: string }>("SELECT DISTINCT age_band FROM dim_user")).map((r) => r.age_band).filter((b) => !(AGE_BANDS as readonly string[]).includes(b)))];
  const segmentIds = [...segmentNames.keys()].sort((a, b) => a - b);
  const segment = ["no segment", ...segmentIds.map((id) => segmentNames.get(id) as string)];
  // A profile's code, computed in SQL as the sum of one code per dimension: ((city × ages) + age) × segments + segment.
  const codeOf = (city: number, ageIndex: number, seg: number) => (city * age.length + ageIndex) * segment.length + seg;
  await source.register("filter_period", { date_key: "int", period: "int" }, periodRows);
  await source.register("filter_place", { state: "text", city: "text", code: "int" }, places.map((p, i) => [p.state, p.city, codeOf(i, 0, 0)]));
  await source.register("filter_age", { age_band: "text", code: "int" }, age.map((a, i) => [a, codeOf(0, i, 0)]));
  await source.register("filter_activity", { activity_type: "text", code: "int" }, activities.map((a, i) => [a.activity_type, i]));
  await source.register("filter_line", { line: "text", code: "int" }, lines.map((l, i) => [l, i]));
  const pseudonyms = (await source.query<{ p: string }>("SELECT DISTINCT user_pseudonym AS p FROM dim_user ORDER BY user_pseudonym")).map((r) => r.p);
  await source.register("filter_user", { user_pseudonym: "text", user_index: "int", segment_code: "int" }, pseudonyms.map((p, i) => [p, i, labels.has(p) ? segmentIds.indexOf(labels.get(p) as number) + 1 : 0]));

  const profile = "(pl.code + ag.code + fu.segment_code)";
  // A user version's place, age band and segment: the codes `profile` sums.
  const profileJoins = `JOIN dim_location l ON l.location_key = u.location_key
    JOIN filter_place pl ON pl.state = l.state AND pl.city = l.city
    JOIN filter_age ag ON ag.age_band = u.age_band
    JOIN filter_user fu ON fu.user_pseudonym = u.user_pseudonym`;
  const joins = `JOIN dim_user u ON u.user_key = f.user_key
    ${profileJoins}
    JOIN dim_activity a ON a.activity_key = f.activity_key
    JOIN filter_activity fa ON fa.activity_type = a.activity_type
    JOIN filter_period p ON p.date_key = f.date_key`;
  const workouts = await source.query(`
    SELECT ${profile} AS profile, p.period AS period, fa.code AS activity, COUNT(*) AS workouts, SUM(ROUND(f.duration_min * 10)) AS minutes10
    FROM fact_activity f ${joins}
    GROUP BY ${profile}, p.period, fa.code ORDER BY 1, 2, 3`);
  const hours = await source.query(`
    SELECT ${profile} AS profile, p.period AS period, fa.code AS activity, d.weekday AS weekday, f.time_key AS hour, COUNT(*) AS workouts
    FROM fact_activity f ${joins} JOIN dim_date d ON d.date_key = f.date_key
    GROUP BY ${profile}, p.period, fa.code, d.weekday, f.time_key ORDER BY 1, 2, 3, 4, 5`);
  const users = await source.query(`
    SELECT fu.user_index AS user, ${profile} AS profile, p.period AS period, fa.code AS activity
    FROM fact_activity f ${joins}
    GROUP BY fu.user_index, ${profile}, p.period, fa.code ORDER BY 1, 2, 3, 4`);
  const customers = await source.query(`
    SELECT ${profile} AS profile, COUNT(*) AS customers
    FROM dim_user u ${profileJoins}
    WHERE u.is_current = TRUE
    GROUP BY ${profile} ORDER BY 1`);
  // -1: a sale without a known customer (no user version, or one without a profile).
  const customer = "COALESCE(c.profile, -1)";
  const sales = await source.query(`
    SELECT ${customer} AS profile, p.period AS period, fl.code AS line, SUM(s.quantity) AS units, SUM(ROUND(s.amount * 100)) AS cents
    FROM ${SALE_LINES} s
    JOIN filter_period p ON p.date_key = s.date_key
    JOIN filter_line fl ON fl.line = s.line
    LEFT JOIN (SELECT u.user_key AS user_key, ${profile} AS profile FROM dim_user u ${profileJoins}) c ON c.user_key = s.user_key
    GROUP BY ${customer}, p.period, fl.code ORDER BY 1, 2, 3`);

  // Codes → dense profile indices, in code order.
  const codes = [...new Set([...workouts, ...customers, ...sales].map((r) => Number(r.profile)).filter((c) => c >= 0))].sort((a, b) => a - b);
  const index = new Map(codes.map((c, i) => [c, i]));
  const reindex = <T extends { profile: number[] }>(cube: T): T => ({ ...cube, profile: cube.profile.map((c) => (c < 0 ? codes.length : (index.get(c) as number))) });
  const stateIndex = new Map(states.map((s, i) => [s.state, i]));
  return {
    firstDate: all.firstDate,
    lastDate: all.lastDate,
    periods,
    outsideMonths,
    dims: {
      state: states.map((s) => s.state),
      stateName: states.map((s) => s.state_name),
      region: states.map((s) => s.region),
      city: places.map((p) => p.city),
      cityState: places.map((p) => stateIndex.get(p.state) as number),
      age,
      segment,
      activity: activities.map((a) => a.activity_type),
      category: activities.map((a) => a.category),
      line: lines,
    },
    profiles: {
      city: codes.map((c) => Math.floor(c / (age.length * segment.length))),
      age: codes.map((c) => Math.floor(c / segment.length) % age.length),
      segment: codes.map((c) => c % segment.length),
    },
    workouts: reindex(columns(workouts, ["profile", "period", "activity", "workouts", "minutes10"] as const)),
    hours: reindex(columns(hours, ["profile", "period", "activity", "weekday", "hour", "workouts"] as const)),
    users: reindex(columns(users, ["user", "profile", "period", "activity"] as const)),
    customers: reindex(columns(customers, ["profile", "customers"] as const)),
    sales: reindex(columns(sales, ["profile", "period", "line", "units", "cents"] as const)),
  };
}

/** The cubes of the warehouse `kind`, in a session of their own, with the run's overview and segments. */
export async function readFilterCubes(config: Config, kind: "lake" | "mysql", all: Overview, segmentation: Pick<SegmentFindings, "labels" | "segments">): Promise<Cubes> {
  const source = await openSource(config, kind);
  try {
    return await filterCubes(source, all, segmentation.labels, new Map(segmentation.segments.map((s) => [s.id, s.name])));
  } finally {
    await source.close();
  }
}
