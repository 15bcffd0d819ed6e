-- Workouts, typed and deduplicated (the latest version of each id wins).
with source as (
    select * from {{ source('activity_logs') }}
),

typed as (
    select
        -- ids
        cast(activity_id as bigint) as activity_id,
        left(sha256(getvariable('pseudonym_key') || ':' || user_id), 16) as user_pseudonym,
        -- attributes
        lower(trim(activity_type)) as activity_type,
        coalesce(city, 'Unknown') as city,
        coalesce(state, '??') as state,
        -- measures
        round(duration_min, 1) as duration_min,
        round(distance_km, 2) as distance_km,
        calories,
        avg_heart_rate,
        -- timestamps: the instant (UTC), and the wall-clock time where it happened
        cast(started_at as timestamp) as started_at,
        time_zone,
        timezone(time_zone, timezone('UTC', cast(started_at as timestamp))) as started_local,
        cast(updated_at as timestamp) as updated_at
    from source
),

final as (
    select * from typed
    qualify row_number() over (partition by activity_id order by updated_at desc) = 1
)

select * from final
