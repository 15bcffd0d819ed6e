-- Workouts, typed and deduplicated (the latest version of each id wins).
with source as (
    select *, cast(started_at as timestamp) as started_utc from {{ source('activity_logs') }}
),

-- Each zone's UTC offset per hour the workouts start in, looked up once per zone and hour instead of once per
-- workout (ICU's conversion was 4 of a medium run's 10 s of transform). An hour whose offset differs at its
-- end holds a change of offset: its workouts are converted one by one.
offsets as (
    select
        time_zone,
        hour,
        timezone(time_zone, timezone('UTC', hour)) - hour as at_start,
        timezone(time_zone, timezone('UTC', hour + interval 1 hour)) - (hour + interval 1 hour) as at_end
    from (select distinct time_zone, date_trunc('hour', started_utc) as hour from source)
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
        started_utc as started_at,
        source.time_zone,
        case
            when o.at_start = o.at_end then started_utc + o.at_start
            else timezone(source.time_zone, timezone('UTC', started_utc))
        end as started_local,
        cast(updated_at as timestamp) as updated_at
    from source
    left join offsets o on o.time_zone = source.time_zone and o.hour = date_trunc('hour', source.started_utc)
),

-- The latest version of each workout. A window over all of them held every row in memory (a large full run,
-- 28 million workouts, ran out of DuckDB's 2 GB): only ids sent more than once go through it.
versions as (
    select activity_id, count(*) as n from typed group by activity_id
),

final as (
    select * from typed semi join (select activity_id from versions where n = 1) once using (activity_id)
    union all
    select * from (select * from typed semi join (select activity_id from versions where n > 1) repeated using (activity_id))
    qualify row_number() over (partition by activity_id order by updated_at desc) = 1
)

select * from final
