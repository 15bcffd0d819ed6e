/**
 * @module The warehouse models, staging then marts, each a SQL file with its checks beside it
 * (`<name>.sql`, `<name>.checks.json`). Dependencies are declared here and run in that order.
 */

export type Model = {
  name: string;
  layer: "staging" | "marts";
  /** Models and sources it reads. */
  deps: string[];
  /** A mart's key: its delta replaces rows with the same key in the warehouse. */
  key?: string;
  /** A fact is partitioned in the lake by year and month of this timestamp. */
  partitionBy?: string;
};

export const MODELS: Model[] = [
  { name: "stg_states", layer: "staging", deps: ["src_states"] },
  { name: "stg_users", layer: "staging", deps: ["src_users"] },
  { name: "stg_user_goals", layer: "staging", deps: ["src_user_goals"] },
  { name: "stg_activity_logs", layer: "staging", deps: ["src_activity_logs"] },
  { name: "stg_sessions", layer: "staging", deps: ["src_sessions"] },
  { name: "dim_date", layer: "marts", deps: [], key: "date_key" },
  { name: "dim_time", layer: "marts", deps: [], key: "time_key" },
  { name: "dim_activity", layer: "marts", deps: ["stg_activity_logs"], key: "activity_key" },
  { name: "dim_fitness_goal", layer: "marts", deps: [], key: "goal_key" },
  { name: "dim_location", layer: "marts", deps: ["stg_users", "stg_activity_logs", "stg_states"], key: "location_key" },
  { name: "dim_user", layer: "marts", deps: ["stg_users", "stg_user_goals", "stg_states", "dim_fitness_goal", "dim_location"], key: "user_key" },
  { name: "fact_activity", layer: "marts", deps: ["stg_activity_logs", "dim_user", "dim_activity", "dim_date", "dim_time", "dim_location"], key: "activity_id", partitionBy: "started_at" },
  { name: "fact_app_session", layer: "marts", deps: ["stg_sessions", "dim_user", "dim_date", "dim_time"], key: "session_key", partitionBy: "started_at" },
];

export const MARTS = MODELS.filter((m) => m.layer === "marts");
