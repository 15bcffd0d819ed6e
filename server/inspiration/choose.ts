/**
 * @module Today's inspiration for one user: a workout chosen from their goal, their recent load and
 * their preferred activities, and a quote matched to goal, activity and tone that they were not sent
 * in the last 30 days. A pure function of (user, day, data): the same inputs give the same answer.
 */
import { createHash } from "node:crypto";
import { ACTIVITIES, type Goal } from "../../domain/vocabulary.ts";

export type GoalSettings = { goal_type: Goal; target_workouts_per_week: number; preferred_activities: string[] };
export type RecentWorkout = { activity_type: string; started_at: Date; duration_min: number };
export type Quote = { quote_id: number; text: string; author: string; goal: string; activity_type: string; tone: string };

export type Inspiration = {
  date: string;
  workout: { activity: string; duration_min: number; intensity: "low" | "moderate" | "high" };
  quote: { id: number; text: string; author: string; tone: string } | null;
  /** Why this workout and this quote, in plain sentences. */
  why: string[];
};

const CATALOGUE = new Map<string, (typeof ACTIVITIES)[number]>(ACTIVITIES.map((a) => [a.name, a]));

/** What each goal defaults to when a user has named no preferred activities, and how it shapes a session. */
const GOAL_PLAN: Record<Goal, { activities: string[]; intensity: Inspiration["workout"]["intensity"]; length: number }> = {
  lose_weight: { activities: ["walking", "cycling", "hiit"], intensity: "moderate", length: 1.1 },
  build_strength: { activities: ["training", "hiit"], intensity: "high", length: 1 },
  improve_endurance: { activities: ["running", "cycling", "swimming"], intensity: "moderate", length: 1.2 },
  reduce_stress: { activities: ["yoga", "walking", "pilates"], intensity: "low", length: 0.8 },
  improve_performance: { activities: ["hiit", "running", "training"], intensity: "high", length: 1 },
  stay_active: { activities: ["walking", "cycling", "yoga"], intensity: "low", length: 0.9 },
};
const RECOVERY = ["yoga", "walking", "pilates", "swimming"];
const LEVEL = { low: 1, moderate: 2, high: 3 } as const;

/** The keys a quote matches in each tier of `chooseInspiration`, from the closest match to any quote. */
const tierKeys = (goal: string, activity: string, tone: string) => [`${goal}|${activity}|${tone}`, `${goal}|${activity}|`, `|${activity}|${tone}`, `${goal}||`, "||"];

const quoteTiers = new WeakMap<Quote[], Map<string, Quote[]>>();
/**
 * The quotes under a tier key, by id. Filed once per list of quotes: the scheduler passes the same
 * list for each of a million users, and filtering all of it in five tiers for each cost more than the choice.
 */
function quotesUnder(quotes: Quote[], key: string): Quote[] {
  let tiers = quoteTiers.get(quotes);
  if (!tiers) {
    tiers = new Map();
    for (const q of [...quotes].sort((a, b) => a.quote_id - b.quote_id)) {
      for (const k of tierKeys(q.goal, q.activity_type, q.tone)) {
        const filed = tiers.get(k);
        if (filed) filed.push(q);
        else tiers.set(k, [q]);
      }
    }
    quoteTiers.set(quotes, tiers);
  }
  return tiers.get(key) ?? [];
}

/** A stable number from the user and day, to break ties the same way all day. */
const draw = (userId: number, day: string, salt: string) => createHash("sha256").update(`${userId}|${day}|${salt}`).digest().readUInt32BE(0);
const roundTo5 = (x: number) => Math.max(10, Math.round(x / 5) * 5);
const daysBetween = (a: Date, b: Date) => Math.floor((a.getTime() - b.getTime()) / 86_400_000);

export function chooseInspiration(input: {
  userId: number;
  day: string;
  goal: GoalSettings | null;
  /** The user's workouts of the last 28 days, newest first. */
  recent: RecentWorkout[];
  quotes: Quote[];
  /** Quotes sent to the user in the 30 days before `day`. */
  recentlySent: Set<number>;
}): Inspiration {
  const { userId, day, recent, quotes, recentlySent } = input;
  const goal: GoalSettings = input.goal ?? { goal_type: "stay_active", target_workouts_per_week: 3, preferred_activities: [] };
  const plan = GOAL_PLAN[goal.goal_type] ?? GOAL_PLAN.stay_active;
  const today = new Date(`${day}T23:59:59.999Z`);
  const thisWeek = recent.filter((w) => daysBetween(today, w.started_at) < 7);
  const target = Math.max(1, goal.target_workouts_per_week);
  const last = recent[0];
  const preferred = goal.preferred_activities.filter((a) => CATALOGUE.has(a));
  const options = preferred.length > 0 ? preferred : plan.activities;
  const why: string[] = [`Goal: ${goal.goal_type.replaceAll("_", " ")}, ${target} workouts a week; ${thisWeek.length} done in the last 7 days.`];

  let activity: string;
  let intensity: Inspiration["workout"]["intensity"];
  let minutes: number;
  let tone: string;
  const lastHard = last && daysBetween(today, last.started_at) <= 1 && CATALOGUE.get(last.activity_type)?.intensity === "high";
  if (thisWeek.length >= target) {
    const easy = options.filter((a) => CATALOGUE.get(a)?.intensity === "low");
    const pool = easy.length > 0 ? easy : RECOVERY;
    activity = pool[draw(userId, day, "recovery") % pool.length];
    intensity = "low";
    minutes = 30;
    tone = ["calm", "reflective"][draw(userId, day, "tone") % 2];
    why.push(`You have reached this week's target, so today is an easy ${activity} session for recovery.`);
  } else if (lastHard) {
    const gentler = options.filter((a) => a !== last.activity_type && CATALOGUE.get(a)?.intensity !== "high");
    const pool = gentler.length > 0 ? gentler : RECOVERY;
    activity = pool[draw(userId, day, "gentle") % pool.length];
    intensity = "moderate";
    minutes = roundTo5((CATALOGUE.get(activity)?.minutes ?? 40) * 0.8);
    tone = "calm";
    why.push(`Your last workout (${last.activity_type}) was hard and recent, so today is a lighter ${activity} session.`);
  } else {
    // The preferred activity done least recently (never done counts as longest ago); ties broken by the day's draw.
    const lastDone = (a: string) => recent.find((w) => w.activity_type === a)?.started_at.getTime() ?? -Infinity;
    const ties = new Map(options.map((a) => [a, draw(userId, day, a)]));
    const ranked = [...options].sort((a, b) => lastDone(a) - lastDone(b) || ties.get(a)! - ties.get(b)!);
    activity = ranked[0];
    const natural = CATALOGUE.get(activity)?.intensity ?? "moderate";
    intensity = LEVEL[plan.intensity] <= LEVEL[natural as keyof typeof LEVEL] ? plan.intensity : (natural as Inspiration["workout"]["intensity"]);
    const usual = recent.length > 0 ? recent.reduce((s, w) => s + w.duration_min, 0) / recent.length : (CATALOGUE.get(activity)?.minutes ?? 40);
    minutes = roundTo5(((CATALOGUE.get(activity)?.minutes ?? 40) * plan.length + usual) / 2);
    const since = Number.isFinite(lastDone(activity)) ? `you last did it ${daysBetween(today, new Date(lastDone(activity)))} days ago` : "you have not logged it in the last four weeks";
    why.push(`${activity} is ${preferred.length > 0 ? "one of your preferred activities" : `a good fit for your goal`}, and ${since}.`);
    const idle = last ? daysBetween(today, last.started_at) : Infinity;
    tone = idle >= 4 ? "tough-love" : ["energetic", "playful"][draw(userId, day, "tone") % 2];
    if (idle >= 4) why.push(last ? `It has been ${idle} days since your last workout.` : "You have not logged a workout in the last four weeks.");
  }
  why.push(`${minutes} minutes at ${intensity} intensity, shaped by your goal${recent.length > 0 ? " and your usual session length" : ""}.`);

  const labels = [`your goal, ${activity} and a ${tone} tone`, `your goal and ${activity}`, `${activity} and a ${tone} tone`, `your goal`, "nothing in particular"];
  const keys = tierKeys(goal.goal_type, activity, tone);
  let quote: Inspiration["quote"] = null;
  for (const [tier, label] of labels.entries()) {
    const candidates = quotesUnder(quotes, keys[tier]).filter((q) => !recentlySent.has(q.quote_id));
    if (candidates.length === 0) continue;
    const q = candidates[draw(userId, day, "quote") % candidates.length];
    quote = { id: q.quote_id, text: q.text, author: q.author, tone: q.tone };
    why.push(`The quote matches ${label}, and you have not been sent it in the last 30 days.`);
    break;
  }
  return { date: day, workout: { activity, duration_min: minutes, intensity }, quote, why };
}
