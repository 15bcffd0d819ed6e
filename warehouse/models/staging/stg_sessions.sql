-- App sessions; the token hash is hashed again so the warehouse key cannot be replayed as a token.
with source as (
    select * from {{ source('sessions') }}
),

final as (
    select
        left(sha256('session:' || token_hash), 16) as session_key,
        left(sha256(getvariable('pseudonym_key') || ':' || user_id), 16) as user_pseudonym,
        device_id,
        platform,
        cast(started_at as timestamp) as started_at,
        time_zone,
        timezone(time_zone, timezone('UTC', cast(started_at as timestamp))) as started_local,
        duration_s
    from source
    qualify row_number() over (partition by token_hash order by cast(last_seen_at as timestamp) desc) = 1
)

select * from final
