import { describe, expect, it } from "vitest";
import { completePeriod, previousPeriod } from "./periods.ts";
import { DEFAULT_RULES_FILE, loadRules, parseRules } from "./rules.ts";

const error = (text: string) => {
  try {
    parseRules(text, "alerts.yml");
  } catch (e) {
    return (e as Error & { exitCode?: number }).message;
  }
  throw new Error("parsed");
};

describe("the alert rules file", () => {
  it("the repository's alerts.yml is valid, with every kind", async () => {
    const rules = await loadRules(DEFAULT_RULES_FILE);
    expect(new Set(rules.rules.map((r) => r.kind))).toEqual(new Set(["threshold", "percent_change", "freshness", "quarantine_ratio"]));
    expect(rules.rules[0]).toMatchObject({ name: "workouts-down-by-state", kind: "percent_change", metric: "workouts", by: "state", period: "week", below: -20 });
  });

  it("reads durations and defaults", () => {
    const { rules, recipients } = parseRules("rules:\n  - {name: a, kind: freshness, source: sessions, older_than: 2d}\n  - {name: b, kind: freshness, source: users}\n  - {name: c, kind: percent_change, metric: minutes, period: month, above: 10}\n", "x.yml");
    expect(recipients).toEqual([]);
    expect(rules).toMatchObject([{ older_than: 172_800_000 }, { source: "users" }, { min_previous: 1 }]);
    expect(rules[1]).not.toHaveProperty("older_than", expect.any(Number)); // its declared threshold applies
  });

  it("a malformed rule is one error naming the file, the rule and the field", () => {
    const base = "rules:\n  - name: fine\n    kind: quarantine_ratio\n    above: 0.01\n  - name: weekly\n";
    expect(error(`${base}    kind: threshold\n    metric: workouts\n    period: fortnight\n    above: 1\n`)).toBe('alerts.yml: rule 2 ("weekly"), field "period": Invalid option: expected one of "day"|"week"|"month".');
    expect(error(`${base}    kind: threshold\n    metric: workouts\n    period: week\n    abve: 1\n`)).toBe('alerts.yml: rule 2 ("weekly"), field "abve": is not a known field (a typo?).');
    expect(error(`${base}    kind: threshold\n    metric: workouts\n    period: week\n`)).toMatch(/^alerts.yml: rule 2 \("weekly"\), field "above": needs `above` or `below`/);
    expect(error(`${base}    kind: thresold\n`)).toMatch(/^alerts.yml: rule 2 \("weekly"\), field "kind": `kind` must be one of threshold, percent_change/);
    expect(error(`${base}    kind: freshness\n    source: activity_logs\n    older_than: soon\n`)).toMatch(/rule 2 \("weekly"\), field "older_than": "soon" is not a duration/);
    expect(error(`${base}    kind: threshold\n    metric: sessions\n    by: activity_type\n    period: day\n    below: 1\n`)).toMatch(/rule 2 \("weekly"\), field "by": sessions have no activity type/);
    expect(error("rules:\n  - kind: quarantine_ratio\n    above: 0.1\n")).toBe('alerts.yml: rule 1, field "name": is required.');
    expect(error(`${base}    kind: quarantine_ratio\n    above: 0.1\n  - name: fine\n    kind: quarantine_ratio\n    above: 0.2\n`)).toMatch(/rule 3 \("fine"\), field "name": another rule has this name/);
    expect(error("rules: [\n")).toMatch(/^alerts.yml: not valid YAML/);
    expect(error("recipients: [someone]\nrules: []\n")).toMatch(/^alerts.yml: field "recipients.0": Invalid email/);
  });
});

describe("alert periods: the latest complete one before the data's latest date", () => {
  it("days, ISO weeks and calendar months, and the period before each", () => {
    // 2026-06-29 is a Monday: the week that ended the day before is complete.
    expect(completePeriod("day", "2026-06-29")).toEqual({ kind: "day", key: "2026-06-28", first: "2026-06-28", last: "2026-06-28" });
    expect(completePeriod("week", "2026-06-29")).toEqual({ kind: "week", key: "2026-W26", first: "2026-06-22", last: "2026-06-28" });
    expect(completePeriod("week", "2026-06-28")).toMatchObject({ key: "2026-W25", first: "2026-06-15" }); // a Sunday may still be filling
    expect(completePeriod("month", "2026-06-29")).toEqual({ kind: "month", key: "2026-05", first: "2026-05-01", last: "2026-05-31" });
    expect(previousPeriod(completePeriod("week", "2021-01-04"))).toMatchObject({ key: "2020-W52", first: "2020-12-21", last: "2020-12-27" });
    expect(completePeriod("week", "2021-01-04").key).toBe("2020-W53");
    expect(previousPeriod(completePeriod("month", "2026-03-15"))).toMatchObject({ key: "2026-01", last: "2026-01-31" });
  });
});
