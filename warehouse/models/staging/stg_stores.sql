-- Stores, physical and online, typed; an online store has no city.
with source as (
    select * from {{ source('stores') }}
),

final as (
    select
        -- ids
        store_id,
        -- attributes
        name as store_name,
        store_type,
        channel,
        city,
        state,
        -- timestamps
        cast(opened_at as timestamp) as opened_at
    from source
)

select * from final
