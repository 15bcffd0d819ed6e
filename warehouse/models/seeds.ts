/**
 * @module Seeds: small reference tables made from the domain vocabulary, read by models with
 * `{{ ref('activity_types') }}` like any model. Keys are positions in the vocabulary, so they are
 * the same on every run.
 */
import { DEFAULT_TIME_ZONE, STATE_TIME_ZONES } from "../../domain/time-zones.ts";
import { ACTIVITIES, GOALS } from "../../domain/vocabulary.ts";
import type { Relation } from "./sources.ts";
import type { Row } from "./spec.ts";

export type Seed = Relation & { rows: Row[] };

export const SEEDS: Record<string, Seed> = {
  activity_types: {
    description: "The activity types the apps know, with category and intensity (domain vocabulary).",
    columns: {
      activity_key: { type: "INTEGER", description: "Position in the vocabulary, from 1." },
      activity_type: { type: "VARCHAR", description: "Activity name, e.g. running." },
      category: { type: "VARCHAR", description: "cardio, strength, mind-body, team sport, racket or outdoor." },
      intensity: { type: "VARCHAR", description: "low, moderate or high." },
    },
    rows: ACTIVITIES.map((a, i) => ({ activity_key: i + 1, activity_type: a.name, category: a.category, intensity: a.intensity })),
  },
  goal_types: {
    description: "The fitness goals a user can set (domain vocabulary).",
    columns: {
      goal_key: { type: "INTEGER", description: "Position in the vocabulary, from 1." },
      goal_type: { type: "VARCHAR", description: "Goal name, e.g. improve_endurance." },
      description: { type: "VARCHAR", description: "The goal in words, e.g. Improve endurance." },
    },
    rows: GOALS.map((g, i) => ({ goal_key: i + 1, goal_type: g, description: g.replaceAll("_", " ").replace(/^./, (c) => c.toUpperCase()) })),
  },
  state_time_zones: {
    description: "Each US state's time zone (its most populous one), and ?? for a place whose state is unknown (the default zone): where a moment with no zone of its own, such as an order, is placed on a local day.",
    columns: {
      state: { type: "VARCHAR", description: "Two-letter state code, or ??." },
      time_zone: { type: "VARCHAR", description: "IANA time zone, e.g. America/Denver." },
    },
    rows: [...Object.entries(STATE_TIME_ZONES).map(([state, time_zone]) => ({ state, time_zone })), { state: "??", time_zone: DEFAULT_TIME_ZONE }],
  },
};
