import { describe, expect, it } from "vitest";
import { chooseInspiration, type Quote } from "./choose.ts";

const quotes: Quote[] = [
  { quote_id: 1, text: "Run long.", author: "A", goal: "improve_endurance", activity_type: "running", tone: "energetic" },
  { quote_id: 2, text: "Run far.", author: "B", goal: "improve_endurance", activity_type: "running", tone: "playful" },
  { quote_id: 3, text: "Breathe.", author: "C", goal: "reduce_stress", activity_type: "yoga", tone: "calm" },
  { quote_id: 4, text: "Ride on.", author: "D", goal: "improve_endurance", activity_type: "cycling", tone: "energetic" },
  { quote_id: 5, text: "Ease up.", author: "E", goal: "improve_endurance", activity_type: "walking", tone: "calm" },
];
const goal = { goal_type: "improve_endurance" as const, target_workouts_per_week: 3, preferred_activities: ["running", "cycling"] };
const at = (iso: string, activity_type = "running", duration_min = 40) => ({ activity_type, started_at: new Date(iso), duration_min });
const base = { userId: 7, day: "2026-11-25", goal, quotes, recentlySent: new Set<number>() };

describe("chooseInspiration", () => {
  it("is the same for the same user, day and data, and says why", () => {
    const a = chooseInspiration({ ...base, recent: [at("2026-11-20T07:00:00Z")] });
    const b = chooseInspiration({ ...base, recent: [at("2026-11-20T07:00:00Z")] });
    expect(a).toEqual(b);
    expect(a.why.length).toBeGreaterThanOrEqual(3);
    expect(a.why[0]).toContain("improve endurance, 3 workouts a week; 1 done");
  });

  it("picks the preferred activity done least recently", () => {
    const result = chooseInspiration({ ...base, recent: [at("2026-11-22T07:00:00Z", "running")] });
    expect(result.workout.activity).toBe("cycling");
    expect(result.why.join(" ")).toContain("one of your preferred activities");
  });

  it("prescribes recovery once the week's target is met", () => {
    const recent = [at("2026-11-24T07:00:00Z"), at("2026-11-23T07:00:00Z", "cycling"), at("2026-11-21T07:00:00Z")];
    const result = chooseInspiration({ ...base, recent });
    expect(result.workout.intensity).toBe("low");
    expect(result.workout.duration_min).toBe(30);
    expect(result.why.join(" ")).toContain("reached this week's target");
  });

  it("goes lighter the day after a hard workout", () => {
    const result = chooseInspiration({ ...base, recent: [at("2026-11-25T06:00:00Z", "running")] });
    expect(result.workout.activity).not.toBe("running");
    expect(result.workout.intensity).not.toBe("high");
  });

  it("matches the quote to goal and activity, and never repeats one sent in the last 30 days", () => {
    const first = chooseInspiration({ ...base, recent: [] });
    expect(first.quote).not.toBeNull();
    const again = chooseInspiration({ ...base, recent: [], recentlySent: new Set([first.quote!.id]) });
    expect(again.quote?.id).not.toBe(first.quote!.id);
    const none = chooseInspiration({ ...base, recent: [], recentlySent: new Set(quotes.map((q) => q.quote_id)) });
    expect(none.quote).toBeNull();
  });

  it("uses the goal's defaults for a user without goals", () => {
    const result = chooseInspiration({ ...base, goal: null, recent: [] });
    expect(["walking", "cycling", "yoga"]).toContain(result.workout.activity);
    expect(result.why[0]).toContain("stay active");
  });
});
