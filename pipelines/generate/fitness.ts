/** @module Fitness data of the customers who use the app: goals and notification preferences, workout logs, and app sessions. */
import type { DuckDB } from "../../lib/duckdb.ts";
import { B, DAY_B, MEAN_STATE_MULTIPLIER } from "./lookups.ts";

/**
 * Each app user's workouts: their segment's weekly rate × age-band and state multipliers × personal
 * noise, over the weeks of the history. The multipliers and the noise are divided by their means, so
 * that a segment's workouts per user per week stay at its planted rate.
 */
export async function allocateWorkouts(db: DuckDB, weeks: number): Promise<void> {
  await db.run(`
    CREATE OR REPLACE TABLE workload AS
    WITH w AS (
      SELECT u.user_id,
        sg.workouts_per_week * ab.multiplier / sg.age_norm * u.state_multiplier / ${MEAN_STATE_MULTIPLIER}
          * exp(0.35 * nrm(u.user_id, 'freq') - 0.35 * 0.35 / 2) * ${weeks} AS expected
      FROM users_g u JOIN segments sg USING (segment_id) JOIN age_bands ab USING (age_band_id)
      WHERE u.app_user
    ),
    n AS (SELECT user_id, floor(expected + rnd(user_id, 'round'))::BIGINT AS workouts FROM w)
    SELECT user_id, (sum(workouts) OVER (ORDER BY user_id) - workouts)::BIGINT AS first_log, workouts FROM n
    ORDER BY user_id`);
}

export const FITNESS_TABLES = {
  user_goals: `
    SELECT u.user_id, g.goal AS goal_type,
      greatest(1, round(sg.workouts_per_week * (0.8 + rnd(u.user_id, 'target') * 0.6)))::INT AS target_workouts_per_week,
      list_distinct([a1.activity, a2.activity]) AS preferred_activities,
      CASE WHEN r < 0.6 THEN 'email' WHEN r < 0.9 THEN 'sms' ELSE 'none' END AS channel,
      22 AS quiet_start_hour, 7 AS quiet_end_hour,
      CASE WHEN rnd(u.user_id, 'prefhour') < 0.4 THEN (7 + floor(rnd(u.user_id, 'ph') * 12))::INT END AS preferred_hour,
      z.time_zone,
      u.created_at, u.created_at AS updated_at
    FROM (SELECT *, rnd(user_id, 'channel') AS r FROM users_g WHERE app_user) u
    JOIN state_zones z USING (state)
    JOIN segments sg USING (segment_id)
    JOIN goal_bucket gb ON gb.segment_id = u.segment_id AND gb.b = floor(rnd(u.user_id, 'goal') * ${B})::INT
    JOIN goal_names g ON g.id = gb.value
    JOIN activity_bucket p1 ON p1.segment_id = u.segment_id AND p1.b = floor(rnd(u.user_id, 'pa1') * ${B})::INT
    JOIN activities a1 ON a1.activity_id = p1.value
    JOIN activity_bucket p2 ON p2.segment_id = u.segment_id AND p2.b = floor(rnd(u.user_id, 'pa2') * ${B})::INT
    JOIN activities a2 ON a2.activity_id = p2.value
    ORDER BY u.user_id`,
  activity_logs: `
    WITH logs AS (
      SELECT w.first_log + unnest(range(w.workouts)) + 1 AS activity_id, w.user_id FROM workload w
    ),
    drawn AS (
      SELECT l.activity_id, l.user_id, u.segment_id, u.city_id AS home_city_id, u.state AS home_state, u.age, ab.value AS act_id,
        db.value AS day_idx
      FROM logs l
      JOIN users_g u USING (user_id)
      JOIN activity_bucket ab ON ab.segment_id = u.segment_id AND ab.b = floor(rnd(l.activity_id, 'act') * ${B})::INT
      JOIN day_bucket db ON db.activity_id = ab.value AND db.b = floor(rnd(l.activity_id, 'day') * ${DAY_B})::INT
    ),
    timed AS (
      SELECT d.*, a.activity, a.intensity, a.minutes, a.kmh, a.met, sg.effort, sg.hr_shift,
        zh.utc_start + to_seconds(floor(rnd(d.activity_id, 'sec') * 3600)::INT) AS started_at, z.time_zone,
        greatest(5, least(360, round(a.minutes * sg.effort * exp(0.3 * nrm(d.activity_id, 'dur')))))::INT AS duration_min
      FROM drawn d
      JOIN activities a ON a.activity_id = d.act_id
      JOIN segments sg USING (segment_id)
      JOIN days USING (day_idx)
      JOIN state_zones z ON z.state = d.home_state
      JOIN hour_bucket hb ON hb.segment_id = d.segment_id AND hb.weekend = days.weekend AND hb.b = floor(rnd(d.activity_id, 'hour') * ${B})::INT
      JOIN zone_hours zh ON zh.time_zone = z.time_zone AND zh.day_idx = d.day_idx AND zh.hour = hb.value
    )
    SELECT t.activity_id, t.user_id, t.activity AS activity_type, t.started_at, t.time_zone, t.duration_min,
      CASE WHEN t.kmh > 0 THEN round(t.kmh * t.duration_min / 60 * exp(0.12 * nrm(t.activity_id, 'dist')), 2) END AS distance_km,
      round(t.met * 70 * t.duration_min / 60 * t.effort * (0.85 + rnd(t.activity_id, 'cal') * 0.3))::INT AS calories,
      round(CASE t.intensity WHEN 'low' THEN 102 WHEN 'moderate' THEN 128 ELSE 148 END + t.hr_shift - 0.25 * (t.age - 35) + 6 * nrm(t.activity_id, 'hr'))::INT AS avg_heart_rate,
      c.city, c.state,
      t.started_at + to_minutes(t.duration_min) AS created_at,
      t.started_at + to_minutes(t.duration_min) AS updated_at
    FROM timed t
    JOIN city_bucket away ON away.b = floor(rnd(t.activity_id, 'awaycity') * 4096)::INT
    JOIN cities c ON c.city_id = CASE WHEN rnd(t.activity_id, 'away') < 0.92 THEN t.home_city_id ELSE away.city_id END
    -- The last local evening can reach past 00:00 UTC on --until: such workouts have not happened yet.
    WHERE t.started_at + to_minutes(t.duration_min) < getvariable('until')::TIMESTAMP
    ORDER BY t.activity_id`,
  sessions: `
    WITH s AS (
      SELECT user_id, state, k, user_id * 16 + k AS sid FROM (SELECT user_id, state, unnest(range(1 + floor(rnd(user_id, 'nsess') * 2)::INT)) AS k FROM users_g WHERE app_user)
    ),
    first_device AS (SELECT user_id, min(device_id) AS device_id FROM devices_out GROUP BY user_id)
    SELECT sha256('session:' || sid || ':' || getvariable('seed')) AS token_hash, s.user_id, fd.device_id, dv.platform, s.time_zone,
      started_at, started_at + to_seconds(duration_s) AS last_seen_at, duration_s,
      epoch(started_at)::BIGINT + 30 * 86400 AS expires_at
    FROM (
      SELECT s.*, z.time_zone, zh.utc_start + to_seconds(floor(rnd(sid, 'ssec') * 3600)::INT) AS started_at,
        greatest(10, round(240 * exp(0.8 * nrm(sid, 'slen'))))::INT AS duration_s
      FROM s
      JOIN state_zones z USING (state)
      JOIN days ON days.day_idx = floor(rnd(sid, 'sday') * %history_days%)::INT
      JOIN session_hour_bucket hb ON hb.b = floor(rnd(sid, 'shour') * ${B})::INT
      JOIN zone_hours zh ON zh.time_zone = z.time_zone AND zh.day_idx = days.day_idx AND zh.hour = hb.value
    ) s
    JOIN first_device fd USING (user_id)
    JOIN devices_out dv ON dv.device_id = fd.device_id
    WHERE started_at + to_seconds(duration_s) < getvariable('until')::TIMESTAMP
    ORDER BY s.user_id, s.k`,
} as const;
