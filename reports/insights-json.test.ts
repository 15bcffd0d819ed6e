/**
 * The findings as JSON (the site's data/insights.json, `nike report --json`) agree with the narratives
 * and the table CSVs beside them, on tiny data whose most engaged states have too few users to rank;
 * and they are complete: what each insight says, presented from the document alone, is what the pages say.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { report, type ReportResult } from "../cli/report.ts";
import { openDuckDB } from "../lib/duckdb.ts";
import type { World } from "../test-support/world.ts";
import { publishedWorld } from "../test-support/published-world.ts";
import { runInsights, type FindingsOf } from "../warehouse/insights/index.ts";
import { MONTHS, fmt, hourLabel, type Computed, type Overview } from "../warehouse/insights/insight.ts";
import { MIN_SUPPORT } from "../warehouse/insights/segmentation.ts";
import { openSource } from "../warehouse/insights/source.ts";
import type { InsightsDocument } from "./insights-json.ts";
import { VIEWS, presentInsights } from "./insights/index.ts";
import { dayLabel } from "./insights/sales-and-seasons.ts";
import type { View } from "./insights/view.ts";

const BIN = join(import.meta.dirname, "..", "bin", "nike.mjs");

let world: World;
let site: string;
let built: ReportResult;

beforeAll(async () => {
  world = await publishedWorld(8, "tiny");
  site = join(world.dataDir, "site");
  built = await report({ out: site }, ["report", "--out", site], world.config);
});
afterAll(async () => world?.dispose());

/** An insight's table as the site offers it, every cell as the CSV's text. */
async function table(id: string): Promise<Array<Record<string, string | null>>> {
  const duck = await openDuckDB();
  try {
    return await duck.all(`SELECT * FROM read_csv('${join(site, "data", `${id}-table.csv`)}', header = true, all_varchar = true)`);
  } finally {
    duck.close();
  }
}

const documentOf = async (): Promise<InsightsDocument> => JSON.parse(await readFile(join(site, "data", "insights.json"), "utf8"));
const narrativeOf = (id: string) => built.run.all.find((i) => i.id === id)?.narrative ?? [];
/** How a number reads in the table CSV. */
const cell = (x: number | null) => (x === null ? null : String(x));

describe("findings as JSON, narratives and tables agree", () => {
  it("activity by location: the table ranks first exactly the high-engagement states the narrative names, at the stated cut-offs", async () => {
    const rows = await table("activity-by-location");
    const narrative = narrativeOf("activity-by-location");
    const sentence = narrative.find((l) => l.startsWith("High-engagement")) ?? "";
    const named = [...sentence.slice(sentence.indexOf(": ") + 2).matchAll(/([^,(]+?) \((\d+\.\d+)\/month/g)].map((m) => ({ name: m[1].trim(), perMonth: m[2] }));
    expect(rows[0].state_name).toBe(built.run.location.headline.find((h) => h.label === "Most engaged state")?.value);
    expect(rows.slice(0, named.length).map((r) => r.state_name)).toEqual(named.map((n) => n.name));
    expect(rows.filter((r) => r.engagement === "high").map((r) => r.state_name)).toEqual(named.map((n) => n.name));
    // In these tiny data the states with the highest figures have too few active users: listed and marked, not ranked or named.
    const unrankedAboveTop = rows.some((r) => r.engagement === "unranked" && Number(r.workouts_per_user_month) > Number(rows[0].workouts_per_user_month));
    expect(unrankedAboveTop, "these data no longer exercise the case: pick a seed whose top state by figure has too few users").toBe(true);

    const location = (await documentOf()).insights["activity-by-location"];
    const { cutoffs } = location;
    expect(location.narrative).toEqual(narrative);
    expect(location.highEngagementStates.map((s) => s.name)).toEqual(named.map((n) => n.name));
    expect(location.highEngagementStates.map((s) => fmt.dec(s.workoutsPerUserMonth, 2))).toEqual(named.map((n) => n.perMonth));
    expect(narrative.join(" ")).toContain(`${location.highEngagementStates.length > 0 ? "at least" : "reaches"} ${cutoffs.highAtLeast} workouts per user per month`);
    expect(location.lowEngagementStates.map((s) => s.state)).toEqual(rows.filter((r) => r.engagement === "low").map((r) => r.state).reverse());
    for (const s of location.lowEngagementStates) expect(narrative.find((l) => l.startsWith("Least engaged"))).toContain(`${s.name} (${fmt.dec(s.workoutsPerUserMonth, 2)}/month`);
    expect(rows.map((r) => [r.rank, r.state, r.active_users, r.workouts_per_user_month, r.vs_average, r.engagement])).toEqual(
      location.states.map((s) => [cell(s.rank), s.state, cell(s.activeUsers), cell(s.workoutsPerUserMonth), cell(s.vsAverage), s.engagement]),
    );
    for (const s of location.states) {
      const expected = s.activeUsers < cutoffs.minActiveUsers ? "unranked" : s.workoutsPerUserMonth >= cutoffs.highAtLeast ? "high" : s.workoutsPerUserMonth <= cutoffs.lowAtMost ? "low" : "typical";
      expect(s.engagement, s.state).toBe(expected);
    }
    expect(location.states.filter((s) => s.rank !== null).map((s) => s.rank)).toEqual(location.states.filter((s) => s.rank !== null).map((_, i) => i + 1));
  });

  it("seasonal trends: peak months, high seasons and launch windows", async () => {
    const rows = await table("seasonal-trends");
    const seasons = (await documentOf()).insights["seasonal-trends"];
    const text = seasons.narrative.join(" ");
    const monthList = (months: number[]) => months.map((m) => MONTHS[m - 1].slice(0, 3)).join("–");
    expect(rows.map((r) => [r.activity, r.workouts, r.peak_month, r.high_season, r.peak_index])).toEqual(
      seasons.activities.map((a) => [a.activity, cell(a.workouts), MONTHS[a.peakMonth - 1], monthList(a.highSeason), cell(a.peakIndex)]),
    );
    for (const a of seasons.activities) {
      expect(text).toContain(`${a.activity} in ${MONTHS[a.peakMonth - 1]}`);
      expect(a.seasonalIndex).toHaveLength(12);
      expect(a.peakIndex).toBe(a.seasonalIndex[a.peakMonth - 1]);
    }
    for (const w of seasons.launchWindows) expect(text).toContain(`${w.category} in ${MONTHS[w.launchMonth - 1]} (ahead of ${monthList(w.highSeason)})`);
  });

  it("user segmentation: segments with their sizes and profiles", async () => {
    const rows = await table("user-segmentation");
    const segmentation = (await documentOf()).insights["user-segmentation"];
    const bySize = [...segmentation.segments].sort((a, b) => b.size - a.size);
    expect(rows.map((r) => [r.segment, r.users, r.workouts_per_week, r.top_goal])).toEqual(bySize.map((s) => [s.name, cell(s.size), cell(s.workoutsPerWeek), s.topGoal]));
    expect(segmentation.segments).toHaveLength(segmentation.k);
    expect(segmentation.segments.reduce((n, s) => n + s.size, 0)).toBe(segmentation.users);
    expect(segmentation.narrative.join(" ")).toContain(`there are ${segmentation.k} segments`);
    expect(segmentation.narrative.join(" ")).toContain(`Largest: ${bySize[0].name}, ${fmt.pct(bySize[0].share)} of users`);
  });

  it("user segmentation: each segment's recommendations are its product lines by purchase lift, with enough buyers, as the narrative and table say", async () => {
    const rows = await table("user-segmentation");
    const segmentation = (await documentOf()).insights["user-segmentation"];
    const text = segmentation.narrative.join(" ");
    const bySize = [...segmentation.segments].sort((a, b) => b.size - a.size);
    expect(text).toContain(`bought by at least ${MIN_SUPPORT} of them`);
    expect(rows.map((r) => r.recommended ?? "")).toEqual(bySize.map((s) => s.recommended.map((r) => r.category).join(", ")));
    for (const s of segmentation.segments) {
      expect(s.recommended).toEqual(s.purchaseLift.filter((l) => l.lift > 1 && l.support >= MIN_SUPPORT).slice(0, 3));
      if (s.recommended.length > 0) {
        expect(text).toContain(`For ${s.name}: ${s.recommended.map((r) => `${r.category} (lift ${fmt.dec(r.lift, 2)}×, ${fmt.int(r.support)} buyers, ${fmt.pct(r.share)} of their purchases)`).join("; ")}.`);
      }
    }
    // A second opinion, straight from the lake: purchase lines per segment (by the labels `nike report` wrote) against every customer's.
    const source = await openSource(world.config, "lake");
    try {
      const lines = `
        SELECT u.user_pseudonym AS user_pseudonym, p.sport AS sport
        FROM (SELECT user_key, product_key FROM fact_order_line WHERE status <> 'cancelled' UNION ALL SELECT user_key, product_key FROM fact_store_sale) b
        JOIN dim_user u ON u.user_key = b.user_key JOIN dim_product p ON p.product_key = b.product_key`;
      const customers = await source.query<{ sport: string; lines: number }>(`SELECT sport, COUNT(*) AS lines FROM (${lines}) l GROUP BY sport`);
      const bought = await source.query<{ segment_id: number; sport: string; lines: number; buyers: number }>(`
        SELECT s.segment_id AS segment_id, l.sport AS sport, COUNT(*) AS lines, COUNT(DISTINCT l.user_pseudonym) AS buyers
        FROM (${lines}) l JOIN read_parquet('${join(world.dataDir, "lake", "user_segment", "part.parquet")}') s ON s.user_pseudonym = l.user_pseudonym
        GROUP BY s.segment_id, l.sport`);
      const customerTotal = customers.reduce((n, c) => n + c.lines, 0);
      const customerShare = new Map(customers.map((c) => [c.sport, c.lines / customerTotal]));
      expect(bought.length).toBeGreaterThan(0);
      for (const s of segmentation.segments) {
        const mine = bought.filter((b) => b.segment_id === s.id);
        const total = mine.reduce((n, b) => n + b.lines, 0);
        const expected = mine.map((b) => ({ category: b.sport, lift: Number((b.lines / total / (customerShare.get(b.sport) as number)).toFixed(2)), support: b.buyers, share: Number((b.lines / total).toFixed(3)) }));
        const byCategory = (l: { category: string }[]) => [...l].sort((a, b) => a.category.localeCompare(b.category));
        expect(byCategory(s.purchaseLift), s.name).toEqual(byCategory(expected));
        expect(s.purchaseLift.map((l) => l.lift)).toEqual([...s.purchaseLift.map((l) => l.lift)].sort((a, b) => b - a));
      }
    } finally {
      await source.close();
    }
  });

  it("age-based engagement: the figures per band", async () => {
    const rows = await table("age-engagement");
    const age = (await documentOf()).insights["age-engagement"];
    expect(rows.map((r) => [r.age_band, r.users, r.active_users, r.workouts_per_user_month, r.mean_minutes, r.top_activity])).toEqual(
      age.bands.map((b) => [b.ageBand, cell(b.users), cell(b.activeUsers), cell(b.workoutsPerUserMonth), cell(b.meanMinutes), b.topActivity]),
    );
    const most = age.bands.find((b) => b.ageBand === age.mostFrequent);
    expect(age.narrative[0]).toContain(`${age.mostFrequent} year-olds train most often (${fmt.dec(most?.workoutsPerUserMonth ?? -1, 2)} workouts`);
    expect(age.narrative[0]).toContain(`as often as ${age.leastFrequent} (`);
    expect(age.narrative[1]).toContain(`the ${age.longestSessions} band`);
    for (const b of age.bands) expect(b.activityMix[b.topActivity]).toBe(Math.max(...Object.values(b.activityMix)));
  });

  it("peak workout hours: overall and per segment, each segment's hours from its own members", async () => {
    const rows = await table("peak-workout-hours");
    const hours = (await documentOf()).insights["peak-workout-hours"];
    const line = (name: string, h: (typeof hours)["segments"][number] | typeof hours) => [name, cell(h.workouts), h.peakHours.map((p) => hourLabel(p.hour)).join(", "), hourLabel(h.peakHours[0].hour), cell(h.peakHours[0].share)];
    expect(rows.map((r) => [r.segment, r.workouts, r.peak_hours, r.best_hour, r.share_at_best_hour])).toEqual([line("All users", hours), ...hours.segments.map((s) => line(s.name, s))]);
    expect(hours.narrative[0]).toContain(`Peak workout hours: ${hours.peakHours.map((p) => `${hourLabel(p.hour)} (${fmt.pct(p.share, 1)} of workouts)`).join(", ")}.`);
    expect(hours.narrative[1]).toContain(hours.segments.map((s) => `${s.name} at ${hourLabel(s.bestHour)}`).join("; "));
    expect(hours.workouts).toBe(built.run.overview.workouts);
    expect(hours.segments.reduce((n, s) => n + s.workouts, 0)).toBe(hours.workouts);
    for (const s of hours.segments) {
      expect(s.hourShare[s.bestHour]).toBe(Math.max(...s.hourShare));
      expect(s.shareAtBestHour).toBe(s.hourShare[s.bestHour]);
    }
  });

  it("sales and seasons: each product line's peaks and lead, and the often-late vendors at the stated cut-offs", async () => {
    const rows = await table("sales-and-seasons");
    const sales = (await documentOf()).insights["sales-and-seasons"];
    const text = sales.narrative.join(" ");
    expect(sales.categories.length).toBeGreaterThan(0);
    expect(rows.map((r) => [r.category, r.units, r.revenue, r.sales_peak, r.activity_peak, r.lead_weeks])).toEqual(
      sales.categories.map((c) => [c.category, cell(c.units), cell(c.revenue), dayLabel(c.salesPeakDay), dayLabel(c.activityPeakDay), cell(c.leadWeeks)]),
    );
    for (const c of sales.categories) {
      expect(text).toContain(`${c.category} around ${dayLabel(c.salesPeakDay)} (activity peaks ${dayLabel(c.activityPeakDay)})`);
      expect(c.salesIndex).toHaveLength(12);
      expect(c.salesIndex.reduce((a, b) => a + b, 0)).toBeCloseTo(12, 1);
      // The lead is the days from one peak to the other, round the year, in weeks.
      const days = (((c.activityPeakDay - c.salesPeakDay) % 365.25) + 365.25) % 365.25;
      expect(c.leadWeeks).toBeCloseTo((days > 182.625 ? days - 365.25 : days) / 7, 1);
    }
    expect(sales.vendors.reduce((n, v) => n + v.delivered, 0)).toBe(sales.deliveries);
    const { lateMargin, minDeliveries } = sales.cutoffs;
    expect(sales.lateVendors).toEqual(sales.vendors.filter((v) => v.delivered >= minDeliveries && v.onTimeRate <= sales.onTimeRate - lateMargin + 1e-4).map((v) => v.vendorId));
    for (const id of sales.lateVendors) {
      const v = sales.vendors.find((x) => x.vendorId === id);
      expect(text).toContain(`${v?.vendor} (${fmt.pct(v?.onTimeRate ?? -1)} of ${fmt.int(v?.delivered ?? -1)})`);
    }
  });

  it("per-segment hours count exactly the workouts of each segment's members, as the published labels say", async () => {
    const hours = (await documentOf()).insights["peak-workout-hours"];
    const source = await openSource(world.config, "lake");
    try {
      // A second opinion, straight from the lake: the facts joined to the labels that `nike report` wrote to user_segment.
      const counts = await source.query<{ segment_id: number; workouts: number }>(`
        SELECT s.segment_id AS segment_id, COUNT(*) AS workouts
        FROM fact_activity f
        JOIN dim_user u ON u.user_key = f.user_key
        JOIN read_parquet('${join(world.dataDir, "lake", "user_segment", "part.parquet")}') s ON s.user_pseudonym = u.user_pseudonym
        GROUP BY s.segment_id ORDER BY s.segment_id`);
      expect(counts.map((c) => [c.segment_id, c.workouts])).toEqual(hours.segments.map((s) => [s.id, s.workouts]).sort((x, y) => x[0] - y[0]));
    } finally {
      await source.close();
    }
  });
});

describe("the findings document", () => {
  it("is in the site, linked from the index page, with its version, dates, every insight by id, and numbers as numbers", async () => {
    const doc = await documentOf();
    expect(doc.schemaVersion).toBe(1);
    expect(doc.generatedAt).toBe(built.run.generatedAt);
    expect(doc.dataAsOf).toBe(built.run.overview.latestWorkout);
    expect(doc.totals.workouts).toBe(built.run.overview.workouts);
    expect(Object.keys(doc.insights)).toEqual(built.run.all.map((i) => i.id));
    expect(await readFile(join(site, "index.html"), "utf8")).toContain('<a href="data/insights.json"');
    const numeric: string[] = [];
    JSON.stringify(doc, (key, value) => {
      if (typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value)) numeric.push(`${key}: ${value}`);
      return value;
    });
    expect(numeric).toEqual([]);
    for (const insight of built.run.all) {
      const page = await readFile(join(site, `${insight.id}.html`), "utf8");
      for (const line of doc.insights[insight.id as keyof InsightsDocument["insights"]].narrative) expect(page).toContain(line.replaceAll("&", "&amp;").replaceAll("'", "&#39;"));
    }
  });

  it("is what `nike report --json` prints: only the document on stdout, exit 0, and nothing written", async () => {
    const labels = join(world.dataDir, "lake", "user_segment", "part.parquet");
    const labelled = (await stat(labels)).mtimeMs;
    // Asynchronously: the world's store service runs in this process and must answer the command.
    const child = spawn(process.execPath, [BIN, "report", "--json"], { env: { ...process.env, DATA_DIR: world.dataDir, MYSQL_URL: world.config.mysqlUrl, CI: "true", NIKE_VERBOSE: "1" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const [code] = await once(child, "close");
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/report: computed in/);
    const printed = JSON.parse(stdout) as InsightsDocument;
    expect({ ...printed, generatedAt: "" }).toEqual({ ...(await documentOf()), generatedAt: "" });
    expect((await stat(labels)).mtimeMs).toBe(labelled);
  });
});

type About = { title: string; question: string; narrative: string[] };
const withoutAbout = <T extends About>({ title: _title, question: _question, narrative: _narrative, ...findings }: T) => findings;
type HourFigures = { workouts: number; peakHours: Array<{ hour: number }>; hourShare: number[] };
const hourProfile = (h: HourFigures) => ({ workouts: h.workouts, peakHours: h.peakHours.map((p) => p.hour), hourShare: h.hourShare });

/** The run's findings read back from the document (all but the segment labels, which go to the warehouse, not into the document). */
function findingsOf(doc: InsightsDocument): { overview: Overview; findings: FindingsOf } {
  const { insights, period } = doc;
  const location = withoutAbout(insights["activity-by-location"]);
  const { users: _users, ...segments } = withoutAbout(insights["user-segmentation"]);
  const hours = insights["peak-workout-hours"];
  return {
    overview: { ...doc.totals, months: period.months, firstDate: period.firstDate, lastDate: period.lastDate, latestWorkout: doc.dataAsOf },
    findings: {
      location: { ...location, highEngagementStates: location.highEngagementStates.map((s) => s.state), lowEngagementStates: location.lowEngagementStates.map((s) => s.state) },
      seasons: withoutAbout(insights["seasonal-trends"]),
      segments: { ...segments, labels: new Map() },
      age: withoutAbout(insights["age-engagement"]),
      hours: {
        ...hourProfile(hours),
        busiestWeekday: hours.busiestWeekday,
        weekdayShare: hours.weekdayShare,
        bestHourBySegment: hours.segments.map((s) => ({ segment: s.id, name: s.name, bestHour: s.bestHour, share: s.shareAtBestHour, ...hourProfile(s) })),
      },
      sales: withoutAbout(insights["sales-and-seasons"]),
    },
  };
}

describe("presentation is a function of the findings", () => {
  it("shows the same computed insights identically each time, without changing them, as the site showed them", async () => {
    const computed = await runInsights(world.config);
    const before = structuredClone(computed);
    const once = presentInsights(computed);
    const twice = presentInsights(computed);
    expect(twice.all).toEqual(once.all);
    expect(computed).toEqual(before);
    expect(once.all).toEqual(built.run.all);
  });

  it("`nike report --json` writes the document from the findings without drawing a chart", async () => {
    const drawn = Object.values(VIEWS).map((view) => vi.spyOn(view, "charts"));
    try {
      const printed = await report({ json: true }, ["report", "--json"], world.config);
      expect({ ...JSON.parse(printed.json ?? ""), generatedAt: "" }).toEqual({ ...(await documentOf()), generatedAt: "" });
      for (const spy of drawn) expect(spy).not.toHaveBeenCalled();
    } finally {
      for (const spy of drawn) spy.mockRestore();
    }
  });

  it("says, from the JSON document alone, what the pages say: every insight's headline, narrative and table", async () => {
    const { overview, findings } = findingsOf(await documentOf());
    for (const key of Object.keys(VIEWS) as Array<keyof typeof VIEWS>) {
      const view = VIEWS[key] as View<Computed<FindingsOf[typeof key]>>;
      const { headline, narrative, table } = built.run[key];
      expect(view.summary(findings[key], overview), key).toEqual({ headline, narrative, table });
    }
  });
});
