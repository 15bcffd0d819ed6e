-- Orders, typed and deduplicated (the latest version of each id wins); the customer becomes a pseudonym.
with source as (
    select * from {{ source('orders') }}
),

typed as (
    select
        -- ids
        order_id,
        left(sha256(getvariable('pseudonym_key') || ':' || user_id), 16) as user_pseudonym,
        store_id,
        discount_id,
        -- attributes
        status,
        coalesce(ship_city, 'Unknown') as ship_city,
        coalesce(ship_state, '??') as ship_state,
        -- measures
        round(total_amount, 2) as total_amount,
        -- timestamps
        cast(ordered_at as timestamp) as ordered_at,
        cast(updated_at as timestamp) as updated_at
    from source
),

final as (
    select * from typed
    qualify row_number() over (partition by order_id order by updated_at desc) = 1
)

select * from final
