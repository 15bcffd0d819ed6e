/**
 * @module The staged sources models read with `{{ source('name') }}`: one Parquet file per source
 * and run (`src_<name>.parquet`), with exactly these columns. Timestamps stay text here (ISO 8601,
 * UTC); the staging models type them. The transform checks every run's files against this.
 */
import type { Columns } from "./spec.ts";

export type Relation = { description: string; columns: Columns };

const text = (description: string) => ({ type: "VARCHAR", description });

export const STAGED_SOURCES: Record<string, Relation> = {
  states: {
    description: "US states with their census region, from the MySQL `states` table; read whole on every run.",
    columns: {
      state_code: text("Two-letter postal code."),
      name: text("State name."),
      region: text("Census region: Northeast, Midwest, South or West."),
      country: text("Country name."),
    },
  },
  users: {
    description: "Users changed since the watermark (in `users`, in `memberships` or in their goals), from MySQL, with their city and membership tier.",
    columns: {
      user_id: { type: "BIGINT", description: "The operational user id." },
      date_of_birth: text("Birth date (YYYY-MM-DD); it does not pass the staging model."),
      gender: text("Gender as the user gave it."),
      shopping_preference: text("In-Store, Online or Both."),
      city: text("Home city."),
      state: text("Home state (two-letter code)."),
      membership_tier: text("Silver, Gold or Platinum; null without a membership."),
      created_at: text("Sign-up instant (UTC)."),
      changed_at: text("Latest change to the user or their membership (UTC)."),
    },
  },
  user_goals: {
    description: "Fitness goals of the staged users, from the MongoDB `user_goals` collection.",
    columns: {
      user_id: { type: "BIGINT", description: "The operational user id." },
      goal_type: text("The goal, e.g. improve_endurance."),
      target_workouts_per_week: { type: "INTEGER", description: "Workouts a week the user aims for." },
      updated_at: text("When the goal was set (UTC)."),
    },
  },
  activity_logs: {
    description: "Workouts changed since the watermark, from the MongoDB `activity_logs` collection; documents that break the collection's schema or name an unknown time zone are quarantined instead.",
    columns: {
      activity_id: text("The document id."),
      user_id: { type: "BIGINT", description: "The operational user id." },
      activity_type: text("Activity type as logged, e.g. running."),
      started_at: text("Start instant (UTC)."),
      time_zone: text("IANA time zone the workout happened in."),
      duration_min: { type: "DOUBLE", description: "Duration in minutes." },
      distance_km: { type: "DOUBLE", description: "Distance in km; null for activities without one." },
      calories: { type: "INTEGER", description: "Calories burnt." },
      avg_heart_rate: { type: "INTEGER", description: "Average heart rate (bpm)." },
      city: text("City where it happened."),
      state: text("State where it happened (two-letter code)."),
      updated_at: text("Last change to the document (UTC)."),
    },
  },
  sessions: {
    description: "App sessions seen since the watermark, from DynamoDB; a session stored without a zone is filed under the default zone.",
    columns: {
      token_hash: text("Hash of the session token."),
      user_id: { type: "BIGINT", description: "The operational user id." },
      device_id: { type: "BIGINT", description: "The device the session ran on." },
      platform: text("Device platform, e.g. iOS."),
      time_zone: text("IANA time zone of the session."),
      started_at: text("Start instant (UTC)."),
      duration_s: { type: "INTEGER", description: "Length in seconds." },
      last_seen_at: text("Last request of the session (UTC)."),
    },
  },
};
