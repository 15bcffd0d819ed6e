/**
 * @module Goal rules: what a user may set as their fitness goal and notification preferences, what
 * they have when they set nothing, and the time zone they live by. The routes, the inspiration and
 * the scheduler all use these; the HTTP routes only adapt them.
 */
import { z } from "zod";
import { DEFAULT_TIME_ZONE, isTimeZone, zoneOfState } from "../domain/time-zones.ts";
import { ACTIVITY_NAMES, CHANNELS, GOALS } from "../domain/vocabulary.ts";
import type { Doc } from "../stores/documents.ts";

const hour = z.number().int().min(0).max(23);
/** An IANA time zone, as goals and workouts carry it. */
export const TimeZone = z.string().min(3).max(64).refine(isTimeZone, "must be an IANA time zone such as America/Denver");

export const GoalsBody = z
  .object({
    goal_type: z.enum(GOALS),
    target_workouts_per_week: z.number().int().min(0).max(21),
    preferred_activities: z.array(z.enum(ACTIVITY_NAMES)).max(12).default([]),
    notifications: z
      .object({
        channel: z.enum(CHANNELS),
        quiet_hours: z.object({ start: hour, end: hour }).strict().optional(),
        preferred_hour: hour.nullable().optional(),
        time_zone: TimeZone,
      })
      .strict(),
  })
  .strict();

export type Goals = z.infer<typeof GoalsBody>;

export const DEFAULT_GOALS: Goals = {
  goal_type: "stay_active",
  target_workouts_per_week: 3,
  preferred_activities: [],
  notifications: { channel: "email", quiet_hours: { start: 22, end: 7 }, preferred_hour: null, time_zone: DEFAULT_TIME_ZONE },
};

/** The user's goals document as the API shows it, or the defaults when they have not set any. */
export function goalsView(doc: Doc | null): Goals & { configured: boolean; updated_at: string | null } {
  if (!doc) return { ...DEFAULT_GOALS, configured: false, updated_at: null };
  const n = doc.notifications as Goals["notifications"];
  return {
    goal_type: doc.goal_type as Goals["goal_type"],
    target_workouts_per_week: Number(doc.target_workouts_per_week),
    preferred_activities: (doc.preferred_activities as Goals["preferred_activities"]) ?? [],
    notifications: { channel: n.channel, quiet_hours: n.quiet_hours, preferred_hour: n.preferred_hour ?? null, time_zone: n.time_zone },
    configured: true,
    updated_at: doc.updated_at instanceof Date ? doc.updated_at.toISOString() : null,
  };
}

/** Goals as they apply to a user: one who never chose a time zone lives by their home state's clock. */
export function inHomeZone(goals: ReturnType<typeof goalsView>, homeState: string | null | undefined): ReturnType<typeof goalsView> {
  return goals.configured ? goals : { ...goals, notifications: { ...goals.notifications, time_zone: zoneOfState(homeState) } };
}
