-- Every price a staged product has had, each from the moment it took effect.
with source as (
    select * from {{ source('product_prices') }}
),

final as (
    select
        product_id,
        round(price, 2) as price,
        cast(valid_from as timestamp) as valid_from
    from source
    qualify row_number() over (partition by product_id, cast(valid_from as timestamp)) = 1
)

select * from final
