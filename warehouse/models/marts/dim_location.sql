-- Cities where users live or work out, where stores are and where orders ship to.
with places as (
    select city, state from {{ ref('stg_users') }}
    union
    select city, state from {{ ref('stg_activity_logs') }}
    union
    select city, state from {{ ref('stg_stores') }} where city is not null
    union
    select ship_city, ship_state from {{ ref('stg_orders') }}
),

final as (
    select
        cast(hash(p.state || '|' || p.city) >> 1 as bigint) as location_key,
        p.city,
        p.state,
        coalesce(s.state_name, 'Unknown') as state_name,
        coalesce(s.census_region, 'Unknown') as region,
        coalesce(s.country, 'Unknown') as country
    from places p
    left join {{ ref('stg_states') }} s using (state)
    where cast(hash(p.state || '|' || p.city) >> 1 as bigint) not in (select location_key from {{ this }})
)

select * from final
