/** @module Users and what hangs off them: preferences, interests, devices, memberships, and their latent segment. */
import type { DuckDB } from "../../lib/duckdb.ts";
import { B } from "./lookups.ts";
import { APP_USER_SHARE } from "./model.ts";
import { NAME_POOL, DEVICE_MODELS } from "./pools.ts";

/** Ages are as of the end of the history (`until`), so every band is stable across the data. */
const AGE_AS_OF = "getvariable('until')";

/** `users_g`: one row per user with the latent traits the other generators need (dropped from output), and whether they use the app. */
export async function generateUsers(db: DuckDB, users: number): Promise<void> {
  await db.run(`
    CREATE OR REPLACE TABLE users_g AS
    WITH base AS (
      SELECT id AS user_id,
        floor(rnd(id, 'segment') * ${B})::INT AS segment_b,
        floor(rnd(id, 'age') * ${B})::INT AS age_b,
        floor(rnd(id, 'city') * 4096)::INT AS city_b,
        floor(rnd(id, 'shop') * ${B})::INT AS shop_b,
        rnd(id, 'sex') AS sex_u,
        rnd(id, 'app') < ${APP_USER_SHARE} AS app_user
      FROM range(1, ${users} + 1) r(id)
    ),
    traits AS (
      SELECT base.*, s.segment_id, a.value AS age_band_id, c.city_id, sh.value AS shopping_id,
        CASE WHEN sex_u < 0.49 THEN 'female' WHEN sex_u < 0.98 THEN 'male' ELSE 'nonbinary' END AS gender
      FROM base
      JOIN segment_bucket s ON s.b = base.segment_b
      JOIN age_bucket a ON a.segment_id = s.segment_id AND a.b = base.age_b
      JOIN city_bucket c ON c.b = base.city_b
      JOIN shopping_bucket sh ON sh.segment_id = s.segment_id AND sh.b = base.shop_b
    ),
    named AS (
      SELECT t.*, ab.min_age + floor(rnd(user_id, 'years') * (ab.max_age - ab.min_age + 1))::INT AS age,
        fn.name AS first_name, ln.name AS last_name, fn.email_part AS first_part, ln.email_part AS last_part, ed.domain
      FROM traits t
      JOIN age_bands ab USING (age_band_id)
      JOIN first_names fn ON fn.sex = CASE WHEN t.gender = 'nonbinary' THEN (CASE WHEN rnd(user_id, 'nb') < 0.5 THEN 'female' ELSE 'male' END) ELSE t.gender END
        AND fn.i = floor(rnd(user_id, 'first') * ${NAME_POOL})::INT
      JOIN last_names ln ON ln.i = floor(rnd(user_id, 'last') * ${NAME_POOL})::INT
      JOIN email_domains ed ON ed.i = floor(rnd(user_id, 'domain') * 8)::INT
    )
    SELECT n.*, ci.city, ci.state, st.multiplier AS state_multiplier, sg.segment,
      (${AGE_AS_OF} - to_years(age) - to_days(floor(rnd(user_id, 'dob') * 365)::INT))::DATE AS date_of_birth,
      -- Every customer signed up in the three years before the history, so app users log from its start.
      getvariable('history_start')::TIMESTAMP - to_seconds(floor(1 + rnd(user_id, 'created') * 3 * 365 * 86400)::BIGINT) AS created_at
    FROM named n
    JOIN cities ci USING (city_id)
    JOIN states st ON st.state = ci.state
    JOIN segments sg USING (segment_id)
    ORDER BY user_id`);
}

export const USER_TABLES = {
  users: `
    SELECT user_id, first_name, last_name,
      first_part || '.' || last_part || user_id || '@' || domain AS email,
      date_of_birth, gender, s.name AS shopping_preference, city_id,
      '+1-' || (200 + floor(rnd(user_id, 'area') * 800)::INT) || '-' || lpad((floor(rnd(user_id, 'ex') * 900) + 100)::INT::VARCHAR, 3, '0') || '-' || lpad(floor(rnd(user_id, 'line') * 10000)::INT::VARCHAR, 4, '0') AS phone,
      rnd(user_id, 'optin') < 0.8 AS email_consent, rnd(user_id, 'smsopt') < 0.55 AS sms_consent,
      created_at, created_at AS updated_at
    FROM users_g JOIN shopping_names s ON s.id = users_g.shopping_id ORDER BY user_id`,
  user_preferences: `
    SELECT user_id,
      CASE WHEN gender = 'female' THEN 5.0 + floor(rnd(user_id, 'shoe') * 11) / 2 ELSE 7.0 + floor(rnd(user_id, 'shoe') * 13) / 2 END AS shoe_size,
      created_at, created_at AS updated_at
    FROM users_g ORDER BY user_id`,
  // Each kind draws distinct values by stepping through its pool with a step coprime to the pool size.
  user_interests: `
    WITH picks AS (
      SELECT user_id, created_at, 'sport' AS kind, k, ((ab.value + k * 5) % 12)::INT AS i
      FROM (SELECT user_id, created_at, segment_id, unnest(range(1 + floor(rnd(user_id, 'nsport') * 3)::INT)) AS k FROM users_g) u
      JOIN activity_bucket ab ON ab.segment_id = u.segment_id AND ab.b = floor(rnd(user_id, 'sport') * ${B})::INT
      UNION ALL SELECT user_id, created_at, 'brand', k, ((floor(rnd(user_id, 'brand') * 10) + k * 3) % 10)::INT FROM (SELECT user_id, created_at, unnest(range(1 + floor(rnd(user_id, 'nbrand') * 2)::INT)) AS k FROM users_g)
      UNION ALL SELECT user_id, created_at, 'team', k, ((floor(rnd(user_id, 'team') * 24) + k * 5) % 24)::INT FROM (SELECT user_id, created_at, unnest(range(floor(rnd(user_id, 'nteam') * 2)::INT)) AS k FROM users_g)
      UNION ALL SELECT user_id, created_at, 'athlete', k, ((floor(rnd(user_id, 'ath') * 200) + k * 7) % 200)::INT FROM (SELECT user_id, created_at, unnest(range(floor(rnd(user_id, 'nath') * 2)::INT)) AS k FROM users_g)
      UNION ALL SELECT user_id, created_at, 'city', 0, floor(rnd(user_id, 'fcity') * 4096)::INT FROM users_g WHERE rnd(user_id, 'hascity') < 0.3
    )
    SELECT p.user_id, p.kind, n.value, p.created_at
    FROM picks p JOIN interest_names n ON n.kind = p.kind AND n.i = p.i
    ORDER BY p.user_id, p.kind, p.k`,
  devices: `
    SELECT row_number() OVER (ORDER BY user_id, k) AS device_id, user_id, m.device_type, m.platform, m.model,
      created_at + to_days(floor(rnd(user_id * 4 + k, 'devday') * 700)::INT) AS registered_at
    FROM (
      SELECT user_id, created_at, unnest(range(CASE WHEN rnd(user_id, 'ndev') < 0.55 THEN 1 WHEN rnd(user_id, 'ndev') < 0.9 THEN 2 ELSE 3 END)) AS k FROM users_g
    ) d
    JOIN device_models m ON m.i = CASE WHEN k = 0 THEN floor(rnd(user_id, 'phone') * 4)::INT ELSE 4 + floor(rnd(user_id * 4 + k, 'dev') * ${DEVICE_MODELS.length - 4})::INT END
    ORDER BY device_id`,
  memberships: `
    SELECT user_id, t.name AS tier,
      (CASE t.name WHEN 'Silver' THEN 0 WHEN 'Gold' THEN 5000 ELSE 20000 END + floor(rnd(user_id, 'points') * 5000))::INT AS points,
      created_at + to_days(floor(rnd(user_id, 'joined') * 30)::INT) AS joined_at,
      created_at, created_at AS updated_at
    FROM users_g
    JOIN tier_bucket tb ON tb.segment_id = users_g.segment_id AND tb.b = floor(rnd(user_id, 'tier') * ${B})::INT
    JOIN tier_names t ON t.id = tb.value
    ORDER BY user_id`,
} as const;
