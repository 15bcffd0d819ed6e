-- One row per app session, joined to the user version current when it started.
with sessions as (
    select * from {{ ref('stg_sessions') }}
),

final as (
    select
        s.session_key,
        u.user_key,
        -- calendar and hour are local: a 07:00 workout in Denver is a morning workout
        cast(strftime(s.started_local, '%Y%m%d') as integer) as date_key,
        cast(hour(s.started_local) as tinyint) as time_key,
        s.started_at,
        s.duration_s,
        s.platform,
        s.device_id
    from sessions s
    join {{ ref('dim_user') }} u
        on u.user_pseudonym = s.user_pseudonym and s.started_at >= u.valid_from and s.started_at < u.valid_to
)

select * from final
