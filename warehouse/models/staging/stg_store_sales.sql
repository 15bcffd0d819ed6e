-- In-store sale lines, typed; a member becomes a pseudonym.
with source as (
    select * from {{ source('sales') }}
),

final as (
    select
        -- ids
        sale_id,
        store_id,
        left(sha256(getvariable('pseudonym_key') || ':' || user_id), 16) as user_pseudonym,
        product_id,
        -- measures
        quantity,
        round(unit_price, 2) as unit_price,
        round(quantity * unit_price, 2) as amount,
        -- timestamps
        cast(sold_at as timestamp) as sold_at
    from source
    qualify row_number() over (partition by sale_id) = 1
)

select * from final
