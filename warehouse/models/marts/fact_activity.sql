-- One row per workout, joined to the user version current when it started. A workout logged from
-- before sign-up (someone records yesterday's run after joining) belongs to the user's first version.
with workouts as (
    select * from {{ ref('stg_activity_logs') }}
),

first_versions as (
    select user_pseudonym, min(valid_from) as first_from from {{ ref('dim_user') }} group by user_pseudonym
),

joined as (
    select
        -- ids and keys
        w.activity_id,
        u.user_key,
        a.activity_key,
        u.goal_key,
        -- calendar and hour are local: a 07:00 workout in Denver is a morning workout
        cast(strftime(w.started_local, '%Y%m%d') as integer) as date_key,
        cast(hour(w.started_local) as tinyint) as time_key,
        cast(hash(w.state || '|' || w.city) >> 1 as bigint) as location_key,
        -- timestamps
        w.started_at,
        -- measures
        w.duration_min,
        w.distance_km,
        w.calories,
        w.avg_heart_rate
    from workouts w
    left join first_versions f on f.user_pseudonym = w.user_pseudonym
    -- a moment before the first version is read as its start: plain comparisons keep this a hash join (an OR made it a nested loop)
    left join {{ ref('dim_user') }} u
        on u.user_pseudonym = w.user_pseudonym
       and greatest(w.started_at, f.first_from) >= u.valid_from and greatest(w.started_at, f.first_from) < u.valid_to
    left join {{ ref('dim_activity') }} a on a.activity_type = w.activity_type
),

final as (
    select * from joined where user_key is not null
)

select * from final
